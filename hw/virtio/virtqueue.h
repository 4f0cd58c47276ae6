/*
 * The split virtqueue of virtio 1.x, device side: walking the descriptor
 * chains a driver makes available, and returning them through the used ring.
 *
 * Everything in the rings comes from the guest and is treated as hostile: a
 * head or next index outside the table, a chain longer than the table (a
 * loop), an indirect table inside an indirect table or of a bad size, a
 * device-readable buffer after a device-writable one, an available index that
 * runs ahead by more than the queue size, or a ring address that is not guest
 * RAM puts the queue in the broken state. A broken queue hands out nothing
 * more; the device then sets DEVICE_NEEDS_RESET and waits for a reset.
 *
 * Guest memory is reached only through VirtQueueMemOps, so this file knows
 * nothing of address spaces or accelerators, and a test or fuzz target can
 * stand in a plain buffer for guest RAM.
 */
#ifndef HW_VIRTIO_VIRTQUEUE_H
#define HW_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/core/dma.h"

/* Descriptor flags (virtio 1.x, 2.7.5). */
#define VRING_DESC_F_NEXT       1
#define VRING_DESC_F_WRITE      2
#define VRING_DESC_F_INDIRECT   4
/* Ring flags. */
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY     1

/* The largest split queue the specification allows. */
#define VIRTQUEUE_MAX_SIZE 32768
/* Indirect tables longer than this are refused: nothing legitimate needs more. */
#define VIRTQUEUE_MAX_INDIRECT 1024

/*
 * Guest-physical memory as the device sees it (hw/core/dma.h). Each callback
 * returns false when any byte of [gpa, gpa + len) is not guest RAM; then
 * nothing is promised about buf (read) or guest memory (write).
 */
typedef DMAOps VirtQueueMemOps;

/* One guest buffer of a chain. */
typedef struct VirtQueueSeg {
    uint64_t addr;
    uint32_t len;
} VirtQueueSeg;

/*
 * A chain taken from the available ring: "out" segments are device-readable
 * (driver to device), "in" segments device-writable. The arrays belong to the
 * element (virtqueue_elem_free).
 */
typedef struct VirtQueueElement {
    uint16_t head;
    unsigned out_num, in_num;
    VirtQueueSeg *out, *in;
    uint64_t out_len, in_len;
} VirtQueueElement;

typedef struct VirtQueue {
    const VirtQueueMemOps *mem;
    void *mem_opaque;
    /* Set by the transport from the driver's configuration. */
    uint16_t size;
    bool ready;
    bool event_idx;             /* VIRTIO_F_EVENT_IDX negotiated */
    uint64_t desc, avail, used;
    /* Device-side state. */
    uint16_t last_avail;        /* next available-ring slot to take */
    uint16_t used_idx;          /* next used-ring slot to fill */
    uint16_t signalled_used;    /* used_idx at the last interrupt */
    bool signalled_valid;
    unsigned inflight;          /* popped and not yet pushed */
    bool notify_off;            /* virtqueue_set_notification(false) in force */
    bool broken;
    char error[128];            /* why it broke, for logs and the monitor */
} VirtQueue;

/* Bind the queue to guest memory and clear every device-side field. */
void virtqueue_init(VirtQueue *vq, const VirtQueueMemOps *mem, void *opaque);
/* Device reset: configuration and state back to the state after init. */
void virtqueue_reset(VirtQueue *vq);
/*
 * Check the configuration the driver wrote before it sets the queue ready:
 * size a power of two up to VIRTQUEUE_MAX_SIZE and the ring alignments of
 * 2.7 (descriptor table 16, available ring 2, used ring 4). Breaks the queue
 * and returns false otherwise.
 */
bool virtqueue_validate_config(VirtQueue *vq);

/*
 * Take the next available chain. Returns 1 with *elem filled, 0 when the ring
 * is empty (or the queue not ready), -1 when the queue is (now) broken.
 */
int virtqueue_pop(VirtQueue *vq, VirtQueueElement *elem);
void virtqueue_elem_free(VirtQueueElement *elem);
/* Give back the last popped element unused (it will be popped again). */
void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem);

/*
 * Copy between the element's buffers (out: read, in: write) at a byte offset
 * into the chain and a host buffer. Returns the bytes copied: short at the end
 * of the chain; a segment that is not guest RAM breaks the queue and stops.
 */
size_t virtqueue_elem_read(VirtQueue *vq, const VirtQueueElement *elem, uint64_t offset,
                           void *buf, size_t len);
size_t virtqueue_elem_write(VirtQueue *vq, const VirtQueueElement *elem, uint64_t offset,
                            const void *buf, size_t len);

/*
 * Return a chain through the used ring with the number of bytes the device
 * wrote into its "in" buffers, and free the element. false: the queue broke.
 */
bool virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t written);

/* Whether the driver wants an interrupt for what was pushed since the last one. */
bool virtqueue_should_notify(VirtQueue *vq);
/*
 * Ask the driver for notifications (enable) or not, through the used ring's
 * flag or, with event_idx, its avail_event field.
 */
void virtqueue_set_notification(VirtQueue *vq, bool enable);
/* No available chain left to pop (also true when broken or not ready). */
bool virtqueue_empty(VirtQueue *vq);

#endif
