/*
 * virtio-rng (virtio 1.x section 5.4, device id 4): one request queue whose
 * device-writable buffers the device fills with random bytes from the host.
 */
#ifndef HW_VIRTIO_VIRTIO_RNG_H
#define HW_VIRTIO_VIRTIO_RNG_H

#include "hw/virtio/virtio.h"

typedef struct VirtIORNG {
    VirtIODevice vdev;
    /* The host's source: getrandom(2) unless a test or -object rng-* sets one. */
    size_t (*fill)(void *opaque, uint8_t *buf, size_t len);
    void *fill_opaque;
} VirtIORNG;

void virtio_rng_init(VirtIORNG *rng, const VirtQueueMemOps *mem, void *mem_opaque);
void virtio_rng_cleanup(VirtIORNG *rng);

#endif
