/*
 * virtio-blk request processing. The guest chooses every field of a request:
 * the header and status byte must be there, data lengths must be whole
 * sectors inside the disk, and segment tables (discard, write-zeroes) must fit
 * the limits the configuration space announces. Data moves through a bounded
 * bounce buffer, so no request size makes the device allocate more.
 */
#include "config.h"
#include "hw/virtio/virtio-blk.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "block/block.h"
#include "libcore/log.h"

#define SECTOR 512u
#define BLK_QUEUE_MAX 256
#define BOUNCE (64 * 1024)
/* Announced limits: data segments per request, discard/zeroes per segment. */
#define SEG_MAX (BLK_QUEUE_MAX - 2)
#define DISCARD_SECTORS_MAX (1u << 22)
#define DISCARD_SEG_MAX 1
#define CONFIG_LEN 60

typedef struct BlkReqHdr {
    uint32_t type;
    uint32_t ioprio;
    uint64_t sector;
} BlkReqHdr;

typedef struct BlkSegment {     /* discard / write-zeroes payload entry */
    uint64_t sector;
    uint32_t num_sectors;
    uint32_t flags;
} BlkSegment;

#define SEG_FLAG_UNMAP 1u

static void put_le16(uint8_t *p, uint16_t v) { v = GUINT16_TO_LE(v); memcpy(p, &v, 2); }
static void put_le32(uint8_t *p, uint32_t v) { v = GUINT32_TO_LE(v); memcpy(p, &v, 4); }
static void put_le64(uint8_t *p, uint64_t v) { v = GUINT64_TO_LE(v); memcpy(p, &v, 8); }

static void blk_get_config(VirtIODevice *vdev, uint8_t *c)
{
    VirtIOBlk *b = vdev->opaque;

    memset(c, 0, CONFIG_LEN);
    put_le64(c + 0, b->sectors);
    put_le32(c + 12, SEG_MAX);
    put_le32(c + 20, SECTOR);
    c[32] = b->writeback;
    put_le16(c + 34, 1);
    put_le32(c + 36, DISCARD_SECTORS_MAX);
    put_le32(c + 40, DISCARD_SEG_MAX);
    put_le32(c + 44, 1);
    put_le32(c + 48, DISCARD_SECTORS_MAX);
    put_le32(c + 52, DISCARD_SEG_MAX);
    c[56] = 1;
}

static void blk_set_config(VirtIODevice *vdev, const uint8_t *c)
{
    VirtIOBlk *b = vdev->opaque;

    /* Only the cache mode is writable, and only with CONFIG_WCE. */
    if (virtio_has_feature(vdev, VIRTIO_BLK_F_CONFIG_WCE)) {
        b->writeback = c[32] != 0;
        blk_set_write_through(b->blk, !b->writeback);
    }
}

/* A sector range inside the disk? */
static bool in_disk(const VirtIOBlk *b, uint64_t sector, uint64_t count)
{
    return sector <= b->sectors && count <= b->sectors - sector;
}

/* Disk to guest: bytes from the disk at sector into the element's "in" data. */
static uint8_t do_read(VirtIOBlk *b, VirtQueue *vq, VirtQueueElement *e, uint64_t sector,
                       uint64_t len, uint8_t *bounce, uint32_t *written)
{
    if (len % SECTOR || !in_disk(b, sector, len / SECTOR)) {
        return VIRTIO_BLK_S_IOERR;
    }
    for (uint64_t done = 0; done < len;) {
        size_t chunk = MIN(len - done, (uint64_t)BOUNCE);
        if (blk_pread(b->blk, (int64_t)(sector * SECTOR + done), chunk, bounce, 0) < 0 ||
            virtqueue_elem_write(vq, e, done, bounce, chunk) != chunk) {
            return VIRTIO_BLK_S_IOERR;
        }
        done += chunk;
        *written = (uint32_t)MIN(done, (uint64_t)UINT32_MAX);
    }
    return VIRTIO_BLK_S_OK;
}

/* Guest to disk: the element's "out" data after the header. */
static uint8_t do_write(VirtIOBlk *b, VirtQueue *vq, VirtQueueElement *e, uint64_t sector,
                        uint64_t len, uint8_t *bounce)
{
    if (b->read_only || len % SECTOR || !in_disk(b, sector, len / SECTOR)) {
        return VIRTIO_BLK_S_IOERR;
    }
    for (uint64_t done = 0; done < len;) {
        size_t chunk = MIN(len - done, (uint64_t)BOUNCE);
        if (virtqueue_elem_read(vq, e, sizeof(BlkReqHdr) + done, bounce, chunk) != chunk ||
            blk_pwrite(b->blk, (int64_t)(sector * SECTOR + done), chunk, bounce, 0) < 0) {
            return VIRTIO_BLK_S_IOERR;
        }
        done += chunk;
    }
    /* Writethrough mode: the backend makes each write FUA (blk_set_write_through). */
    return VIRTIO_BLK_S_OK;
}

/* Discard or write zeroes: one table segment after the header. */
static uint8_t do_zero_or_discard(VirtIOBlk *b, VirtQueue *vq, VirtQueueElement *e,
                                  uint32_t type)
{
    BlkSegment s;
    uint64_t payload = e->out_len - sizeof(BlkReqHdr);

    if (b->read_only) {
        return VIRTIO_BLK_S_IOERR;
    }
    if (payload != sizeof(s) * DISCARD_SEG_MAX ||
        virtqueue_elem_read(vq, e, sizeof(BlkReqHdr), &s, sizeof(s)) != sizeof(s)) {
        return VIRTIO_BLK_S_UNSUPP;
    }
    uint64_t sector = GUINT64_FROM_LE(s.sector);
    uint32_t count = GUINT32_FROM_LE(s.num_sectors), flags = GUINT32_FROM_LE(s.flags);
    /* Discard takes no flags; write-zeroes only "unmap". */
    if ((type == VIRTIO_BLK_T_DISCARD ? flags : flags & ~SEG_FLAG_UNMAP) != 0) {
        return VIRTIO_BLK_S_UNSUPP;
    }
    if (count > DISCARD_SECTORS_MAX || !in_disk(b, sector, count)) {
        return VIRTIO_BLK_S_IOERR;
    }
    int64_t off = (int64_t)(sector * SECTOR), bytes = (int64_t)count * SECTOR;
    int ret = type == VIRTIO_BLK_T_DISCARD
        ? blk_pdiscard(b->blk, off, bytes)
        : blk_pwrite_zeroes(b->blk, off, bytes, (flags & SEG_FLAG_UNMAP) ? BDRV_REQ_MAY_UNMAP : 0);
    /* A discard the image cannot do is still a successful hint. */
    return ret < 0 && !(type == VIRTIO_BLK_T_DISCARD && ret == -ENOTSUP)
        ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

static uint8_t do_get_id(VirtIOBlk *b, VirtQueue *vq, VirtQueueElement *e, uint32_t *written)
{
    char id[VIRTIO_BLK_ID_BYTES] = { 0 };
    size_t n = MIN((uint64_t)sizeof(id), e->in_len - 1);

    memcpy(id, b->serial, strnlen(b->serial, sizeof(id)));
    *written = (uint32_t)virtqueue_elem_write(vq, e, 0, id, n);
    return VIRTIO_BLK_S_OK;
}

/* Carry out one request; returns its status and the data bytes written. */
static uint8_t handle_request(VirtIOBlk *b, VirtQueue *vq, VirtQueueElement *e,
                              const BlkReqHdr *h, uint8_t *bounce, uint32_t *written)
{
    uint64_t sector = GUINT64_FROM_LE(h->sector);

    switch (GUINT32_FROM_LE(h->type)) {
    case VIRTIO_BLK_T_IN:
        return do_read(b, vq, e, sector, e->in_len - 1, bounce, written);
    case VIRTIO_BLK_T_OUT:
        return do_write(b, vq, e, sector, e->out_len - sizeof(*h), bounce);
    case VIRTIO_BLK_T_FLUSH:
        return blk_flush(b->blk) < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
    case VIRTIO_BLK_T_GET_ID:
        return do_get_id(b, vq, e, written);
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        return do_zero_or_discard(b, vq, e, GUINT32_FROM_LE(h->type));
    }
    return VIRTIO_BLK_S_UNSUPP;
}

/* One chain: false when the queue or the request layout is broken. */
static bool serve_one(VirtIOBlk *b, VirtQueue *vq, VirtQueueElement *e, uint8_t *bounce)
{
    BlkReqHdr h;
    uint32_t written = 0;
    uint8_t status;

    /* Without the header or a status byte there is nothing to answer. */
    if (e->out_len < sizeof(h) || e->in_len < 1 ||
        virtqueue_elem_read(vq, e, 0, &h, sizeof(h)) != sizeof(h)) {
        virtqueue_elem_free(e);
        virtio_error(&b->vdev, "virtio-blk request without header or status byte");
        return false;
    }
    status = handle_request(b, vq, e, &h, bounce, &written);
    if (virtqueue_elem_write(vq, e, e->in_len - 1, &status, 1) != 1) {
        virtqueue_elem_free(e);
        return false;
    }
    return virtqueue_push(vq, e, written + 1);
}

static void blk_notify(VirtIODevice *vdev, unsigned n)
{
    VirtIOBlk *b = vdev->opaque;
    VirtQueue *vq = &vdev->vq[n];
    VirtQueueElement e;
    uint8_t *bounce = g_malloc(BOUNCE);

    while (virtqueue_pop(vq, &e) == 1 && serve_one(b, vq, &e, bounce)) {
    }
    g_free(bounce);
    virtio_notify(vdev, n);
}

static const VirtIODeviceOps blk_ops_rw = {
    .name = "virtio-blk",
    .device_id = 2,
    .features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
                (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_CONFIG_WCE) |
                (1ull << VIRTIO_BLK_F_DISCARD) | (1ull << VIRTIO_BLK_F_WRITE_ZEROES),
    .get_config = blk_get_config,
    .set_config = blk_set_config,
    .queue_notify = blk_notify,
};

static const VirtIODeviceOps blk_ops_ro = {
    .name = "virtio-blk",
    .device_id = 2,
    .features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
                (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_RO),
    .get_config = blk_get_config,
    .queue_notify = blk_notify,
};

void virtio_blk_init(VirtIOBlk *b, BlockBackend *blk, bool read_only, bool writeback,
                     const char *serial, const VirtQueueMemOps *mem, void *mem_opaque)
{
    int64_t len = blk_getlength(blk);

    memset(b, 0, sizeof(*b));
    b->blk = blk;
    b->read_only = read_only || blk_is_read_only(blk);
    b->writeback = writeback;
    b->sectors = len > 0 ? (uint64_t)len / SECTOR : 0;
    g_strlcpy(b->serial, serial ? serial : "", sizeof(b->serial));
    blk_set_write_through(blk, !writeback);
    virtio_init(&b->vdev, b->read_only ? &blk_ops_ro : &blk_ops_rw, b, 1, BLK_QUEUE_MAX,
                CONFIG_LEN, mem, mem_opaque);
}

void virtio_blk_cleanup(VirtIOBlk *b)
{
    virtio_cleanup(&b->vdev);
}
