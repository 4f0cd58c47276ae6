/*
 * The PC's real-time clock and CMOS memory (MC146818 as the PC has it):
 * index port 0x70 (bit 7 masks NMI), data port 0x71; time and date in BCD or
 * binary, 12- or 24-hour, the century at 0x32; periodic, alarm and
 * update-ended interrupts on IRQ 8; 128 bytes of CMOS that the board fills
 * for firmware (memory sizes, boot order).
 *
 * The clock is guest time = a time source + an offset the guest changes by
 * setting the clock. Events are computed from the time source when the guest
 * looks (register C) and when the board calls rtc_poll at the time
 * rtc_next_event asks for, so the device needs no timers of its own and tests
 * drive it with a clock of their own.
 */
#ifndef HW_RTC_MC146818_H
#define HW_RTC_MC146818_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define RTC_IO_BASE     0x70
#define RTC_CMOS_SIZE   128
#define RTC_REG_A       0x0a
#define RTC_REG_B       0x0b
#define RTC_REG_C       0x0c
#define RTC_REG_D       0x0d
#define RTC_CENTURY     0x32

typedef struct RTCState {
    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t index;
    bool nmi_masked;
    int64_t offset_ns;          /* guest time - time source */
    int64_t (*now_ns)(void *opaque);    /* nanoseconds since the epoch */
    void *clock_opaque;
    void (*set_irq)(void *opaque, bool level);
    void *irq_opaque;
    bool irq_level;
    int64_t last_periodic_ns;   /* guest time of the last periodic tick counted */
    int64_t last_second;        /* guest second of the last update counted */
    GMutex lock;
} RTCState;

/*
 * now_ns: the time source (NULL: the host's real time). base_offset_ns: guest
 * time minus the source at start (-rtc base=...).
 */
void rtc_init(RTCState *s, int64_t (*now_ns)(void *opaque), void *clock_opaque,
              int64_t base_offset_ns, void (*set_irq)(void *opaque, bool level),
              void *irq_opaque);
void rtc_cleanup(RTCState *s);
/* Board set-up of CMOS bytes (memory sizes for firmware and the like). */
void rtc_set_cmos(RTCState *s, uint8_t index, uint8_t value);

/* Port access at offsets 0 (index) and 1 (data) from RTC_IO_BASE. */
uint64_t rtc_io_read(void *opaque, uint64_t offset, unsigned size);
void rtc_io_write(void *opaque, uint64_t offset, uint64_t val, unsigned size);

/* Account for time passed: set flags, raise the interrupt if enabled. */
void rtc_poll(RTCState *s);
/* Nanoseconds of the time source when rtc_poll has something to do; -1: never. */
int64_t rtc_next_event(RTCState *s);
/* The guest's current time in seconds since the epoch (for the monitor). */
int64_t rtc_guest_time(RTCState *s);

#endif
