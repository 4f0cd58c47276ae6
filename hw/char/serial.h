/*
 * The 16550A UART (the PC's COM ports, microvm's console): eight byte-wide
 * registers with 16-byte receive FIFO, the interrupt identification rules
 * drivers depend on, and loopback. The board maps serial_read/serial_write
 * at the port base (I/O ports 0x3f8.. on a PC); the character back end sends
 * bytes in with serial_receive and takes transmitted bytes through tx.
 */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIAL_FIFO_SIZE 16

typedef struct Serial16550 {
    /* Registers. */
    uint16_t divisor;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    bool thr_interrupt;         /* THR empty, not yet acknowledged */
    /* Receive FIFO (one entry deep with FIFOs off, as the 16450). */
    uint8_t rx[SERIAL_FIFO_SIZE];
    unsigned rx_head, rx_count;
    /* Outside world. */
    void (*set_irq)(void *opaque, bool level);
    void *irq_opaque;
    void (*tx)(void *opaque, const uint8_t *buf, size_t len);
    void *tx_opaque;
    bool irq_level;
    GMutex lock;                /* vCPUs and the back end's thread */
} Serial16550;

void serial_init(Serial16550 *s, void (*set_irq)(void *opaque, bool level), void *irq_opaque,
                 void (*tx)(void *opaque, const uint8_t *buf, size_t len), void *tx_opaque);
void serial_cleanup(Serial16550 *s);
/* Power-on state: all interrupts off, FIFOs off, 9600 baud 8N1 divisor 12. */
void serial_reset(Serial16550 *s);

/* Register access at offset 0-7 (other offsets read 0xff and ignore writes). */
uint64_t serial_read(void *opaque, uint64_t offset, unsigned size);
void serial_write(void *opaque, uint64_t offset, uint64_t val, unsigned size);

/* How many bytes the receive side takes now (0 in loopback, where the UART feeds itself). */
size_t serial_can_receive(Serial16550 *s);
/* Bytes from the back end; past the FIFO's room they are lost (overrun). */
void serial_receive(Serial16550 *s, const uint8_t *buf, size_t len);
/* A break condition from the back end (Ctrl-a b on a mux, say). */
void serial_receive_break(Serial16550 *s);

#endif
