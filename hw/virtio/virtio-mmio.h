/*
 * The virtio-mmio transport (virtio 1.x section 4.2, register layout version
 * 2): a 0x200-byte register window in front of one VirtIODevice. The board
 * maps virtio_mmio_read/write as the window's MMIO callbacks and wires the
 * interrupt line.
 */
#ifndef HW_VIRTIO_VIRTIO_MMIO_H
#define HW_VIRTIO_VIRTIO_MMIO_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/virtio/virtio.h"

#define VIRTIO_MMIO_SIZE 0x200

typedef struct VirtIOMMIO {
    VirtIODevice *vdev;
    uint32_t dev_features_sel;
    uint32_t drv_features_sel;
    uint32_t queue_sel;
} VirtIOMMIO;

/* Put vdev behind the window; set_irq drives the board's interrupt line. */
void virtio_mmio_init(VirtIOMMIO *t, VirtIODevice *vdev,
                      void (*set_irq)(void *opaque, bool level), void *irq_opaque);
void virtio_mmio_cleanup(VirtIOMMIO *t);
/* Register accesses at an offset into the window (size 1, 2, 4 or 8). */
uint64_t virtio_mmio_read(void *opaque, uint64_t offset, unsigned size);
void virtio_mmio_write(void *opaque, uint64_t offset, uint64_t val, unsigned size);

#endif
