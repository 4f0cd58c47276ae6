/*
 * The RTC on a clock the test moves: time registers in BCD, binary and
 * 12-hour forms, setting the clock, the update-in-progress window, periodic,
 * update-ended and alarm interrupts with register C, the next-event time,
 * and CMOS memory.
 */
#include "config.h"
#include "hw/rtc/mc146818.h"

#include <glib.h>

#define NS 1000000000LL
/* 2026-11-23 12:34:56 UTC, a Monday. */
#define T0 1795437296LL

static int64_t fake_ns;
static bool irq;

static int64_t fake_now(void *opaque) { return fake_ns; }
static void set_irq(void *opaque, bool level) { irq = level; }

static RTCState *rtc(void)
{
    static RTCState s;
    fake_ns = T0 * NS;
    irq = false;
    rtc_init(&s, fake_now, NULL, 0, set_irq, NULL);
    return &s;
}

static uint8_t rd(RTCState *s, uint8_t idx)
{
    rtc_io_write(s, 0, idx, 1);
    return (uint8_t)rtc_io_read(s, 1, 1);
}

static void wr(RTCState *s, uint8_t idx, uint8_t v)
{
    rtc_io_write(s, 0, idx, 1);
    rtc_io_write(s, 1, v, 1);
}

static void test_read_time(void)
{
    RTCState *s = rtc();
    g_assert_cmphex(rd(s, 0), ==, 0x56);
    g_assert_cmphex(rd(s, 2), ==, 0x34);
    g_assert_cmphex(rd(s, 4), ==, 0x12);
    g_assert_cmphex(rd(s, 6), ==, 2);
    g_assert_cmphex(rd(s, 7), ==, 0x23);
    g_assert_cmphex(rd(s, 8), ==, 0x11);
    g_assert_cmphex(rd(s, 9), ==, 0x26);
    g_assert_cmphex(rd(s, RTC_CENTURY), ==, 0x20);
    g_assert_cmphex(rd(s, RTC_REG_D), ==, 0x80);
    /* Binary. */
    wr(s, RTC_REG_B, 0x06);
    g_assert_cmpuint(rd(s, 0), ==, 56);
    g_assert_cmpuint(rd(s, 9), ==, 26);
    /* 12-hour BCD, one hour later: 1 PM. */
    wr(s, RTC_REG_B, 0x00);
    fake_ns += 3600 * NS;
    g_assert_cmphex(rd(s, 4), ==, 0x81);
    rtc_cleanup(s);
}

static void test_set_time(void)
{
    RTCState *s = rtc();
    wr(s, RTC_REG_B, 0x80 | 0x02);          /* SET, 24h, BCD */
    uint8_t frozen = rd(s, 0);
    fake_ns += 5 * NS;
    g_assert_cmphex(rd(s, 0), ==, frozen);  /* frozen while SET */
    wr(s, 0, 0x00);
    wr(s, 2, 0x00);
    wr(s, 4, 0x23);
    wr(s, 7, 0x31);
    wr(s, 8, 0x12);
    wr(s, 9, 0x99);
    wr(s, RTC_CENTURY, 0x19);
    wr(s, RTC_REG_B, 0x02);
    g_assert_cmphex(rd(s, 4), ==, 0x23);
    g_assert_cmpint(rtc_guest_time(s), ==, 946681200);    /* 1999-12-31 23:00:00 */
    fake_ns += 3601 * NS;
    g_assert_cmphex(rd(s, 0), ==, 0x01);
    g_assert_cmphex(rd(s, 4), ==, 0x00);
    g_assert_cmphex(rd(s, 7), ==, 0x01);
    g_assert_cmphex(rd(s, 8), ==, 0x01);
    g_assert_cmphex(rd(s, 9), ==, 0x00);
    g_assert_cmphex(rd(s, RTC_CENTURY), ==, 0x20);
    /* A time write without SET takes effect at once. */
    wr(s, 2, 0x30);
    g_assert_cmphex(rd(s, 2), ==, 0x30);
    /* Nonsense (century 0, year 0) is held to the clock's range, 1970 on. */
    wr(s, RTC_CENTURY, 0x00);
    g_assert_cmpint(rtc_guest_time(s), ==, 0);
    wr(s, RTC_CENTURY, 0x99);
    g_assert_cmpint(rtc_guest_time(s), ==, 7258118399LL);
    rtc_cleanup(s);
}

static void test_uip(void)
{
    RTCState *s = rtc();
    g_assert_cmphex(rd(s, RTC_REG_A) & 0x80, ==, 0);
    fake_ns += NS - 100000;                  /* 100 us before the next second */
    g_assert_cmphex(rd(s, RTC_REG_A) & 0x80, ==, 0x80);
    g_assert_cmphex(rd(s, RTC_REG_A) & 0x7f, ==, 0x26);
    rtc_cleanup(s);
}

static void test_periodic(void)
{
    RTCState *s = rtc();
    wr(s, RTC_REG_A, 0x26);                 /* 1024 Hz */
    wr(s, RTC_REG_B, 0x02 | 0x40);          /* PIE */
    int64_t next = rtc_next_event(s);
    g_assert_cmpint(next, ==, fake_ns + NS / 1024);
    fake_ns = next - 1;
    rtc_poll(s);
    g_assert_false(irq);
    fake_ns = next;
    rtc_poll(s);
    g_assert_true(irq);
    g_assert_cmphex(rd(s, RTC_REG_C), ==, 0xc0);
    g_assert_false(irq);
    g_assert_cmphex(rd(s, RTC_REG_C), ==, 0);
    /* Without PIE the flag is still set, but no interrupt. */
    wr(s, RTC_REG_B, 0x02);
    fake_ns += NS;
    rtc_poll(s);
    g_assert_false(irq);
    g_assert_cmphex(rd(s, RTC_REG_C) & 0x40, ==, 0x40);
    rtc_cleanup(s);
}

static void test_update_and_alarm(void)
{
    RTCState *s = rtc();
    wr(s, RTC_REG_B, 0x02 | 0x10);          /* UIE */
    g_assert_cmpint(rtc_next_event(s), ==, (T0 + 1) * NS);
    fake_ns = (T0 + 1) * NS;
    rtc_poll(s);
    g_assert_true(irq);
    g_assert_cmphex(rd(s, RTC_REG_C) & 0xb0, ==, 0x90);  /* PF runs regardless of PIE */
    /* Alarm at :59 of any minute and hour. */
    wr(s, RTC_REG_B, 0x02 | 0x20);          /* AIE only */
    wr(s, 1, 0x59);
    wr(s, 3, 0xff);
    wr(s, 5, 0xc0);
    fake_ns = (T0 + 2) * NS;
    rtc_poll(s);
    g_assert_false(irq);
    fake_ns = (T0 + 3) * NS;                /* 12:34:59 */
    rtc_poll(s);
    g_assert_true(irq);
    g_assert_cmphex(rd(s, RTC_REG_C) & 0xa0, ==, 0xa0);
    g_assert_false(irq);
    rtc_cleanup(s);
}

static void test_cmos(void)
{
    RTCState *s = rtc();
    wr(s, 0x40, 0x5a);
    g_assert_cmphex(rd(s, 0x40), ==, 0x5a);
    rtc_set_cmos(s, 0x34, 0x12);
    g_assert_cmphex(rd(s, 0x34), ==, 0x12);
    /* The NMI bit of the index does not change which register is addressed. */
    rtc_io_write(s, 0, 0x80 | 0x40, 1);
    g_assert_true(s->nmi_masked);
    g_assert_cmphex(rtc_io_read(s, 1, 1), ==, 0x5a);
    /* C and D cannot be written. */
    wr(s, RTC_REG_D, 0);
    g_assert_cmphex(rd(s, RTC_REG_D), ==, 0x80);
    rtc_cleanup(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rtc/read-time", test_read_time);
    g_test_add_func("/rtc/set-time", test_set_time);
    g_test_add_func("/rtc/uip", test_uip);
    g_test_add_func("/rtc/periodic", test_periodic);
    g_test_add_func("/rtc/update-and-alarm", test_update_and_alarm);
    g_test_add_func("/rtc/cmos", test_cmos);
    return g_test_run();
}
