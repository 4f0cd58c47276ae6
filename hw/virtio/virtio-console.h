/*
 * virtio-console (virtio 1.x section 5.3, device id 3) with one port, the
 * console (hvc0 in a Linux guest), on any character device: what the guest
 * transmits is written to the chardev, what the chardev receives fills the
 * guest's receive buffers. Offers SIZE (the console's columns and rows) and
 * EMERG_WRITE; not MULTIPORT.
 */
#ifndef HW_VIRTIO_VIRTIO_CONSOLE_H
#define HW_VIRTIO_VIRTIO_CONSOLE_H

#include "chardev/char.h"
#include "hw/virtio/virtio.h"
#include "libcore/main-loop.h"

#define VIRTIO_CONSOLE_F_SIZE        0
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2

typedef struct VirtIOConsole {
    VirtIODevice vdev;
    Chardev *chr;
    uint16_t cols, rows;
    VirtQueueElement rx;        /* a receive buffer taken, not yet filled */
    bool rx_held;
    BottomHalf *resume_bh;      /* the driver gave receive buffers */
} VirtIOConsole;

bool virtio_console_init(VirtIOConsole *c, Chardev *chr, const VirtQueueMemOps *mem,
                         void *mem_opaque, GMainContext *ctx, Error **errp);
void virtio_console_cleanup(VirtIOConsole *c);
/* The console's size changed (the terminal was resized): a config interrupt. */
void virtio_console_resize(VirtIOConsole *c, uint16_t cols, uint16_t rows);

#endif
