/*
 * The 16550A as a driver sees it: reset values, the divisor latch,
 * transmission and the THR-empty interrupt, reception with and without the
 * FIFO (trigger levels, timeout, overrun), interrupt priorities, loopback
 * with the modem lines, FIFO clearing and break.
 */
#include "config.h"
#include "hw/char/serial.h"

#include <glib.h>
#include <string.h>

static bool irq;
static GString *sent;

static void set_irq(void *opaque, bool level) { irq = level; }
static void tx(void *opaque, const uint8_t *buf, size_t len) { g_string_append_len(sent, (const char *)buf, (gssize)len); }

static Serial16550 *uart(void)
{
    static Serial16550 s;
    irq = false;
    if (sent) {
        g_string_free(sent, TRUE);
    }
    sent = g_string_new(NULL);
    serial_init(&s, set_irq, NULL, tx, NULL);
    return &s;
}

static uint8_t rd(Serial16550 *s, unsigned r) { return (uint8_t)serial_read(s, r, 1); }
static void wr(Serial16550 *s, unsigned r, uint8_t v) { serial_write(s, r, v, 1); }

static void test_reset(void)
{
    Serial16550 *s = uart();
    g_assert_cmphex(rd(s, 2), ==, 0x01);
    g_assert_cmphex(rd(s, 5), ==, 0x60);
    g_assert_cmphex(rd(s, 6), ==, 0xb0);
    g_assert_cmphex(rd(s, 1), ==, 0);
    g_assert_cmphex(rd(s, 3), ==, 0);
    g_assert_cmphex(serial_read(s, 9, 1), ==, 0xff);
    wr(s, 7, 0x5a);
    g_assert_cmphex(rd(s, 7), ==, 0x5a);
    g_assert_false(irq);
    serial_cleanup(s);
}

static void test_divisor(void)
{
    Serial16550 *s = uart();
    wr(s, 3, 0x83);             /* DLAB, 8N1 */
    wr(s, 0, 0x01);
    wr(s, 1, 0x00);
    g_assert_cmphex(rd(s, 0), ==, 0x01);
    g_assert_cmphex(rd(s, 1), ==, 0x00);
    g_assert_cmpuint(s->divisor, ==, 1);
    wr(s, 3, 0x03);
    g_assert_cmphex(rd(s, 1), ==, 0);   /* IER again */
    g_assert_cmpuint(sent->len, ==, 0); /* the divisor write sent nothing */
    serial_cleanup(s);
}

static void test_transmit_thre(void)
{
    Serial16550 *s = uart();
    wr(s, 0, 'h');
    wr(s, 0, 'i');
    g_assert_cmpstr(sent->str, ==, "hi");
    g_assert_cmphex(rd(s, 5) & 0x60, ==, 0x60);
    g_assert_false(irq);
    /* Enabling the THR-empty interrupt with the register empty raises it. */
    wr(s, 1, 0x02);
    g_assert_true(irq);
    g_assert_cmphex(rd(s, 2), ==, 0x02);
    g_assert_false(irq);                /* reading IIR acknowledged it */
    g_assert_cmphex(rd(s, 2), ==, 0x01);
    wr(s, 0, '!');
    g_assert_true(irq);
    wr(s, 1, 0x00);
    g_assert_false(irq);
    serial_cleanup(s);
}

static void test_receive_no_fifo(void)
{
    Serial16550 *s = uart();
    wr(s, 1, 0x01);
    g_assert_cmpuint(serial_can_receive(s), ==, 1);
    serial_receive(s, (const uint8_t *)"a", 1);
    g_assert_true(irq);
    g_assert_cmphex(rd(s, 2), ==, 0x04);
    g_assert_cmphex(rd(s, 5) & 1, ==, 1);
    g_assert_cmpuint(serial_can_receive(s), ==, 0);
    g_assert_cmphex(rd(s, 0), ==, 'a');
    g_assert_false(irq);
    g_assert_cmphex(rd(s, 5) & 1, ==, 0);
    /* A second byte before the first is read overruns. */
    serial_receive(s, (const uint8_t *)"xy", 2);
    g_assert_cmphex(rd(s, 5) & 0x03, ==, 0x03);
    g_assert_cmphex(rd(s, 5) & 0x02, ==, 0);    /* OE cleared by the read */
    g_assert_cmphex(rd(s, 0), ==, 'x');
    serial_cleanup(s);
}

static void test_fifo(void)
{
    Serial16550 *s = uart();
    wr(s, 2, 0x81);             /* FIFO on, trigger 8 */
    wr(s, 1, 0x01);
    g_assert_cmpuint(serial_can_receive(s), ==, 16);
    serial_receive(s, (const uint8_t *)"abc", 3);
    g_assert_cmphex(rd(s, 2), ==, 0xcc);    /* below the trigger: timeout */
    serial_receive(s, (const uint8_t *)"defgh", 5);
    g_assert_cmphex(rd(s, 2), ==, 0xc4);    /* at the trigger */
    char got[9] = { 0 };
    for (int i = 0; i < 8; i++) {
        got[i] = (char)rd(s, 0);
    }
    g_assert_cmpstr(got, ==, "abcdefgh");
    g_assert_cmphex(rd(s, 2), ==, 0xc1);
    g_assert_false(irq);
    /* 17 bytes into 16: the last is lost, with OE. */
    serial_receive(s, (const uint8_t *)"0123456789abcdefX", 17);
    g_assert_cmpuint(serial_can_receive(s), ==, 0);
    g_assert_cmphex(rd(s, 5) & 0x02, ==, 0x02);
    /* FCR bit 1 empties the receive FIFO. */
    wr(s, 2, 0x83);
    g_assert_cmphex(rd(s, 5) & 0x01, ==, 0);
    g_assert_cmpuint(serial_can_receive(s), ==, 16);
    /* Switching the FIFO off empties it too. */
    serial_receive(s, (const uint8_t *)"z", 1);
    wr(s, 2, 0x00);
    g_assert_cmphex(rd(s, 5) & 0x01, ==, 0);
    serial_cleanup(s);
}

static void test_priorities(void)
{
    Serial16550 *s = uart();
    wr(s, 1, 0x07);             /* RLS, THRE and RDA interrupts */
    g_assert_cmphex(rd(s, 2), ==, 0x02);
    serial_receive(s, (const uint8_t *)"pq", 2);  /* q overruns */
    g_assert_cmphex(rd(s, 2), ==, 0x06);    /* line status first */
    rd(s, 5);
    g_assert_cmphex(rd(s, 2), ==, 0x04);    /* then data */
    rd(s, 0);
    wr(s, 0, 'w');
    g_assert_cmphex(rd(s, 2), ==, 0x02);    /* then the transmitter */
    g_assert_cmphex(rd(s, 2), ==, 0x01);
    serial_cleanup(s);
}

static void test_loopback(void)
{
    Serial16550 *s = uart();
    wr(s, 4, 0x10 | 0x03);      /* loopback, RTS, DTR */
    uint8_t msr = rd(s, 6);
    g_assert_cmphex(msr & 0xf0, ==, 0x30);  /* CTS, DSR from RTS, DTR */
    g_assert_cmphex(msr & 0x0f, ==, 0x08);  /* delta: DCD dropped (CTS, DSR stay) */
    g_assert_cmphex(rd(s, 6) & 0x0f, ==, 0);
    g_assert_cmpuint(serial_can_receive(s), ==, 0);
    wr(s, 0, 'z');
    g_assert_cmpuint(sent->len, ==, 0);
    g_assert_cmphex(rd(s, 0), ==, 'z');
    /* Modem status interrupt on a line change. */
    wr(s, 1, 0x08);
    wr(s, 4, 0x10 | 0x01);      /* drop RTS: CTS changes */
    g_assert_true(irq);
    g_assert_cmphex(rd(s, 2), ==, 0x00);
    g_assert_cmphex(rd(s, 6) & 0x01, ==, 0x01);
    g_assert_false(irq);
    /* Back to normal: bytes go out again. */
    wr(s, 4, 0x0b);
    wr(s, 0, 'n');
    g_assert_cmpstr(sent->str, ==, "n");
    serial_cleanup(s);
}

static void test_break(void)
{
    Serial16550 *s = uart();
    wr(s, 1, 0x04);
    serial_receive_break(s);
    g_assert_true(irq);
    g_assert_cmphex(rd(s, 5) & 0x11, ==, 0x11);
    g_assert_false(irq);
    g_assert_cmphex(rd(s, 0), ==, 0);
    serial_cleanup(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/serial/reset", test_reset);
    g_test_add_func("/serial/divisor", test_divisor);
    g_test_add_func("/serial/transmit-thre", test_transmit_thre);
    g_test_add_func("/serial/receive-no-fifo", test_receive_no_fifo);
    g_test_add_func("/serial/fifo", test_fifo);
    g_test_add_func("/serial/priorities", test_priorities);
    g_test_add_func("/serial/loopback", test_loopback);
    g_test_add_func("/serial/break", test_break);
    int ret = g_test_run();
    g_string_free(sent, TRUE);
    return ret;
}
