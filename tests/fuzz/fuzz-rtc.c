/*
 * The RTC's ports from a guest, in any order with any values, while its time
 * source moves forward in steps the input chooses. Input: 3 bytes per step
 * (opcode: 0 index write, 1 data write, 2 data read, 3 poll; two value
 * bytes, the second also the time step in milliseconds).
 */
#include "config.h"
#include "hw/rtc/mc146818.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t clock_ns;
static bool irq;

static int64_t fake_now(void *opaque) { return clock_ns; }
static void set_irq(void *opaque, bool level) { irq = level; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RTCState s;

    clock_ns = 1700000000LL * 1000000000LL;
    irq = false;
    rtc_init(&s, fake_now, NULL, 0, set_irq, NULL);
    for (size_t i = 0; i + 2 < size; i += 3) {
        switch (data[i] & 3) {
        case 0: rtc_io_write(&s, 0, data[i + 1], 1); break;
        case 1: rtc_io_write(&s, 1, data[i + 1], 1); break;
        case 2: rtc_io_read(&s, 1, 1); break;
        default: rtc_poll(&s); rtc_next_event(&s); break;
        }
        clock_ns += (int64_t)data[i + 2] * 1000000;
        if (irq != s.irq_level || !!(s.cmos[RTC_REG_C] & 0x80) != irq) {
            abort();
        }
    }
    rtc_cleanup(&s);
    return 0;
}
