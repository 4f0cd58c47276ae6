/*
 * 16550A UART. Transmission is instantaneous (the byte goes to the back end
 * as it is written), so the transmitter is always empty again right after a
 * write and the "THR empty" interrupt follows at once when enabled. With the
 * FIFO on, received data below the trigger level is reported at once as the
 * character-timeout interrupt, which drivers service like a full FIFO.
 */
#include "config.h"
#include "hw/char/serial.h"

#include <string.h>

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define IER_RDI   0x01          /* received data available */
#define IER_THRI  0x02          /* transmitter holding register empty */
#define IER_RLSI  0x04          /* receiver line status */
#define IER_MSI   0x08          /* modem status */

#define IIR_NONE  0x01
#define IIR_MSI   0x00
#define IIR_THRI  0x02
#define IIR_RDI   0x04
#define IIR_RLSI  0x06
#define IIR_CTI   0x0c          /* character timeout (FIFO mode) */
#define IIR_FIFO  0xc0

#define FCR_ENABLE    0x01
#define FCR_CLEAR_RX  0x02
#define FCR_CLEAR_TX  0x04
#define FCR_TRIGGER   0xc0

#define LCR_DLAB  0x80
#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10

#define LSR_DR    0x01
#define LSR_OE    0x02
#define LSR_PE    0x04
#define LSR_FE    0x08
#define LSR_BI    0x10
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DELTAS 0x0f
#define MSR_CTS   0x10
#define MSR_DSR   0x20
#define MSR_RI    0x40
#define MSR_DCD   0x80

static bool fifo_on(const Serial16550 *s)
{
    return s->fcr & FCR_ENABLE;
}

static unsigned rx_capacity(const Serial16550 *s)
{
    return fifo_on(s) ? SERIAL_FIFO_SIZE : 1;
}

static unsigned rx_trigger(const Serial16550 *s)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };
    return levels[s->fcr >> 6];
}

/* The interrupt source a driver would read from IIR now, highest first. */
static uint8_t pending_iir(const Serial16550 *s)
{
    if ((s->ier & IER_RLSI) && (s->lsr & LSR_ERRORS)) {
        return IIR_RLSI;
    }
    if ((s->ier & IER_RDI) && s->rx_count) {
        return !fifo_on(s) || s->rx_count >= rx_trigger(s) ? IIR_RDI : IIR_CTI;
    }
    if ((s->ier & IER_THRI) && s->thr_interrupt) {
        return IIR_THRI;
    }
    if ((s->ier & IER_MSI) && (s->msr & MSR_DELTAS)) {
        return IIR_MSI;
    }
    return IIR_NONE;
}

static void update_irq(Serial16550 *s)
{
    bool level = pending_iir(s) != IIR_NONE;

    if (level != s->irq_level) {
        s->irq_level = level;
        if (s->set_irq) {
            s->set_irq(s->irq_opaque, level);
        }
    }
}

/* Modem lines: fed back from MCR in loopback, else "carrier, ready, clear". */
static void update_msr(Serial16550 *s)
{
    uint8_t lines = MSR_CTS | MSR_DSR | MSR_DCD;

    if (s->mcr & MCR_LOOP) {
        lines = (s->mcr & MCR_RTS ? MSR_CTS : 0) | (s->mcr & MCR_DTR ? MSR_DSR : 0) |
                (s->mcr & MCR_OUT1 ? MSR_RI : 0) | (s->mcr & MCR_OUT2 ? MSR_DCD : 0);
    }
    uint8_t changed = (s->msr ^ lines) & 0xf0;
    /* Delta bits: CTS, DSR and DCD on any change, RI on its trailing edge. */
    s->msr = (s->msr & MSR_DELTAS) | lines;
    s->msr |= (changed & MSR_CTS ? 0x01 : 0) | (changed & MSR_DSR ? 0x02 : 0) |
              ((changed & MSR_RI) && !(lines & MSR_RI) ? 0x04 : 0) |
              (changed & MSR_DCD ? 0x08 : 0);
}

static void rx_push(Serial16550 *s, uint8_t byte)
{
    if (s->rx_count >= rx_capacity(s)) {
        s->lsr |= LSR_OE;
        return;
    }
    s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = byte;
    s->rx_count++;
    s->lsr |= LSR_DR;
}

static uint8_t rx_pop(Serial16550 *s)
{
    uint8_t byte = 0;

    if (s->rx_count) {
        byte = s->rx[s->rx_head];
        s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
        s->rx_count--;
    }
    if (!s->rx_count) {
        s->lsr &= ~LSR_DR;
    }
    return byte;
}

static void rx_clear(Serial16550 *s)
{
    s->rx_head = s->rx_count = 0;
    s->lsr &= ~LSR_DR;
}

void serial_init(Serial16550 *s, void (*set_irq)(void *opaque, bool level), void *irq_opaque,
                 void (*tx)(void *opaque, const uint8_t *buf, size_t len), void *tx_opaque)
{
    memset(s, 0, sizeof(*s));
    s->set_irq = set_irq;
    s->irq_opaque = irq_opaque;
    s->tx = tx;
    s->tx_opaque = tx_opaque;
    g_mutex_init(&s->lock);
    serial_reset(s);
}

void serial_cleanup(Serial16550 *s)
{
    g_mutex_clear(&s->lock);
}

void serial_reset(Serial16550 *s)
{
    s->divisor = 12;
    s->ier = s->lcr = s->mcr = s->scr = s->fcr = 0;
    s->lsr = LSR_THRE | LSR_TEMT;
    s->msr = 0;
    s->thr_interrupt = false;
    rx_clear(s);
    update_msr(s);
    s->msr &= ~MSR_DELTAS;
    update_irq(s);
}

static uint8_t read_reg(Serial16550 *s, unsigned reg)
{
    uint8_t v;

    switch (reg) {
    case RBR_THR:
        return s->lcr & LCR_DLAB ? (uint8_t)s->divisor : rx_pop(s);
    case IER:
        return s->lcr & LCR_DLAB ? (uint8_t)(s->divisor >> 8) : s->ier;
    case IIR_FCR:
        v = pending_iir(s);
        if (v == IIR_THRI) {
            s->thr_interrupt = false;   /* reading the source acknowledges it */
        }
        return v | (fifo_on(s) ? IIR_FIFO : 0);
    case LCR:
        return s->lcr;
    case MCR:
        return s->mcr;
    case LSR:
        v = s->lsr;
        s->lsr &= ~LSR_ERRORS;
        return v;
    case MSR:
        v = s->msr;
        s->msr &= ~MSR_DELTAS;
        return v;
    default:
        return s->scr;
    }
}

/* A written byte: looped back, or returned for the caller to send unlocked. */
static int transmit(Serial16550 *s, uint8_t byte)
{
    s->thr_interrupt = true;    /* sent at once: the holding register is empty again */
    if (s->mcr & MCR_LOOP) {
        rx_push(s, byte);
        return -1;
    }
    return byte;
}

static void write_fcr(Serial16550 *s, uint8_t v)
{
    if ((v ^ s->fcr) & FCR_ENABLE) {
        rx_clear(s);            /* switching the FIFOs on or off empties them */
    }
    if (v & FCR_CLEAR_RX) {
        rx_clear(s);
    }
    s->fcr = v & (FCR_ENABLE | FCR_TRIGGER);
}

/* Returns a byte to send to the back end, or -1. */
static int write_reg(Serial16550 *s, unsigned reg, uint8_t v)
{
    switch (reg) {
    case RBR_THR:
        if (!(s->lcr & LCR_DLAB)) {
            return transmit(s, v);
        }
        s->divisor = (s->divisor & 0xff00) | v;
        break;
    case IER:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0x00ff) | v << 8);
            break;
        }
        /* Enabling the THR interrupt with the register empty raises it at once. */
        if ((v & IER_THRI) && !(s->ier & IER_THRI)) {
            s->thr_interrupt = true;
        }
        s->ier = v & 0x0f;
        break;
    case IIR_FCR:
        write_fcr(s, v);
        break;
    case LCR:
        s->lcr = v;
        break;
    case MCR:
        s->mcr = v & 0x1f;
        update_msr(s);
        break;
    case SCR:
        s->scr = v;
        break;
    default:
        break;                  /* LSR and MSR are read-only */
    }
    return -1;
}

uint64_t serial_read(void *opaque, uint64_t offset, unsigned size)
{
    Serial16550 *s = opaque;
    uint8_t v;

    if (offset > 7) {
        return 0xff;
    }
    g_mutex_lock(&s->lock);
    v = read_reg(s, (unsigned)offset);
    update_irq(s);
    g_mutex_unlock(&s->lock);
    return v;
}

void serial_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    Serial16550 *s = opaque;
    int out;

    if (offset > 7) {
        return;
    }
    g_mutex_lock(&s->lock);
    out = write_reg(s, (unsigned)offset, (uint8_t)val);
    update_irq(s);
    g_mutex_unlock(&s->lock);
    /* Outside the lock: a back end may block, or feed bytes straight back in. */
    if (out >= 0 && s->tx) {
        uint8_t byte = (uint8_t)out;
        s->tx(s->tx_opaque, &byte, 1);
    }
}

size_t serial_can_receive(Serial16550 *s)
{
    size_t room;

    g_mutex_lock(&s->lock);
    room = s->mcr & MCR_LOOP ? 0 : rx_capacity(s) - s->rx_count;
    g_mutex_unlock(&s->lock);
    return room;
}

void serial_receive(Serial16550 *s, const uint8_t *buf, size_t len)
{
    g_mutex_lock(&s->lock);
    if (!(s->mcr & MCR_LOOP)) {
        for (size_t i = 0; i < len; i++) {
            rx_push(s, buf[i]);
        }
        update_irq(s);
    }
    g_mutex_unlock(&s->lock);
}

void serial_receive_break(Serial16550 *s)
{
    g_mutex_lock(&s->lock);
    s->lsr |= LSR_BI;
    rx_push(s, 0);
    update_irq(s);
    g_mutex_unlock(&s->lock);
}
