/*
 * virtio-blk (virtio 1.x section 5.2, device id 2) over a block-layer
 * backend: reads, writes, flush, the serial number, discard and write-zeroes,
 * with the writeback cache mode the driver may switch (CONFIG_WCE).
 */
#ifndef HW_VIRTIO_VIRTIO_BLK_H
#define HW_VIRTIO_VIRTIO_BLK_H

#include "block/block-backend.h"
#include "hw/virtio/virtio.h"

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX        2
#define VIRTIO_BLK_F_RO             5
#define VIRTIO_BLK_F_BLK_SIZE       6
#define VIRTIO_BLK_F_FLUSH          9
#define VIRTIO_BLK_F_TOPOLOGY       10
#define VIRTIO_BLK_F_CONFIG_WCE     11
#define VIRTIO_BLK_F_DISCARD        13
#define VIRTIO_BLK_F_WRITE_ZEROES   14

/* Request types and status values (5.2.6). */
#define VIRTIO_BLK_T_IN             0
#define VIRTIO_BLK_T_OUT            1
#define VIRTIO_BLK_T_FLUSH          4
#define VIRTIO_BLK_T_GET_ID         8
#define VIRTIO_BLK_T_DISCARD        11
#define VIRTIO_BLK_T_WRITE_ZEROES   13
#define VIRTIO_BLK_S_OK             0
#define VIRTIO_BLK_S_IOERR          1
#define VIRTIO_BLK_S_UNSUPP         2

#define VIRTIO_BLK_ID_BYTES         20

typedef struct VirtIOBlk {
    VirtIODevice vdev;
    BlockBackend *blk;          /* borrowed: the caller keeps its reference */
    bool read_only;
    bool writeback;             /* cache mode the driver sees and may change */
    char serial[VIRTIO_BLK_ID_BYTES + 1];
    uint64_t sectors;           /* capacity in 512-byte sectors */
} VirtIOBlk;

/*
 * Put blk behind a virtio-blk device. serial may be NULL (GET_ID then answers
 * with an empty id); writeback is the initial cache mode (QEMU's default
 * cache=writeback).
 */
void virtio_blk_init(VirtIOBlk *b, BlockBackend *blk, bool read_only, bool writeback,
                     const char *serial, const VirtQueueMemOps *mem, void *mem_opaque);
void virtio_blk_cleanup(VirtIOBlk *b);

#endif
