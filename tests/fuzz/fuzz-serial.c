/*
 * A guest poking the 16550A's registers in any order with any values while a
 * back end sends bytes and breaks. Checked on the way: the FIFO never holds
 * more than it can, "data ready" says whether it holds anything, and the
 * interrupt line is up exactly when IIR names a source.
 * Input: 2 bytes per step: an opcode (bits 0-3 register or action, bit 4
 * write) and a value.
 */
#include "config.h"
#include "hw/char/serial.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool irq;

static void set_irq(void *opaque, bool level) { irq = level; }
static void tx(void *opaque, const uint8_t *buf, size_t len) { }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Serial16550 s;

    irq = false;
    serial_init(&s, set_irq, NULL, tx, NULL);
    for (size_t i = 0; i + 1 < size; i += 2) {
        unsigned op = data[i] & 0x0f, val = data[i + 1];
        if (op < 8) {
            if (data[i] & 0x10) {
                serial_write(&s, op, val, 1);
            } else {
                serial_read(&s, op, 1);
            }
        } else if (op < 12) {
            uint8_t bytes[16];
            size_t n = val % 17;
            for (size_t k = 0; k < n; k++) {
                bytes[k] = (uint8_t)(val + k);
            }
            if (serial_can_receive(&s) >= n || (val & 0x80)) {
                serial_receive(&s, bytes, n);
            }
        } else if (op == 12) {
            serial_receive_break(&s);
        } else if (op == 13) {
            serial_reset(&s);
        }
        if (s.rx_count > SERIAL_FIFO_SIZE || !!(s.lsr & 1) != (s.rx_count != 0) ||
            irq != s.irq_level) {
            abort();
        }
    }
    serial_cleanup(&s);
    return 0;
}
