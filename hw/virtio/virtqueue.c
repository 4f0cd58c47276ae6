/*
 * Split virtqueue walker (virtio 1.x, 2.7): the device side of the
 * descriptor table, available ring and used ring. See virtqueue.h for the
 * rules a guest must keep and what happens when it does not.
 */
#include "config.h"
#include "hw/virtio/virtqueue.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Ring layout: offsets inside the available and used rings. */
#define AVAIL_FLAGS      0
#define AVAIL_IDX        2
#define AVAIL_RING(i)    (4 + 2 * (uint64_t)(i))
#define USED_FLAGS       0
#define USED_IDX         2
#define USED_RING(i)     (4 + 8 * (uint64_t)(i))
#define DESC_SIZE        16

typedef struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} Desc;

static bool fail(VirtQueue *vq, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(VirtQueue *vq, const char *fmt, ...)
{
    va_list ap;

    if (!vq->broken) {
        va_start(ap, fmt);
        vsnprintf(vq->error, sizeof(vq->error), fmt, ap);
        va_end(ap);
        vq->broken = true;
    }
    return false;
}

static bool rd16(VirtQueue *vq, uint64_t gpa, uint16_t *v)
{
    uint16_t le;

    if (!vq->mem->read(vq->mem_opaque, gpa, &le, sizeof(le))) {
        return fail(vq, "ring access at 0x%" G_GINT64_MODIFIER "x is not guest RAM", gpa);
    }
    *v = GUINT16_FROM_LE(le);
    return true;
}

static bool wr16(VirtQueue *vq, uint64_t gpa, uint16_t v)
{
    uint16_t le = GUINT16_TO_LE(v);

    if (!vq->mem->write(vq->mem_opaque, gpa, &le, sizeof(le))) {
        return fail(vq, "ring access at 0x%" G_GINT64_MODIFIER "x is not guest RAM", gpa);
    }
    return true;
}

static bool read_desc(VirtQueue *vq, uint64_t table, unsigned i, Desc *d)
{
    uint8_t raw[DESC_SIZE];
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;

    if (!vq->mem->read(vq->mem_opaque, table + (uint64_t)i * DESC_SIZE, raw, sizeof(raw))) {
        return fail(vq, "descriptor %u at 0x%" G_GINT64_MODIFIER "x is not guest RAM", i,
                    table + (uint64_t)i * DESC_SIZE);
    }
    memcpy(&addr, raw, 8);
    memcpy(&len, raw + 8, 4);
    memcpy(&flags, raw + 12, 2);
    memcpy(&next, raw + 14, 2);
    d->addr = GUINT64_FROM_LE(addr);
    d->len = GUINT32_FROM_LE(len);
    d->flags = GUINT16_FROM_LE(flags);
    d->next = GUINT16_FROM_LE(next);
    return true;
}

void virtqueue_init(VirtQueue *vq, const VirtQueueMemOps *mem, void *opaque)
{
    memset(vq, 0, sizeof(*vq));
    vq->mem = mem;
    vq->mem_opaque = opaque;
}

void virtqueue_reset(VirtQueue *vq)
{
    virtqueue_init(vq, vq->mem, vq->mem_opaque);
}

bool virtqueue_validate_config(VirtQueue *vq)
{
    if (vq->size == 0 || vq->size > VIRTQUEUE_MAX_SIZE || (vq->size & (vq->size - 1))) {
        return fail(vq, "queue size %u is not a power of two up to %u", vq->size,
                    VIRTQUEUE_MAX_SIZE);
    }
    if ((vq->desc & 15) || (vq->avail & 1) || (vq->used & 3)) {
        return fail(vq, "misaligned ring (desc 0x%" G_GINT64_MODIFIER "x, avail 0x%"
                    G_GINT64_MODIFIER "x, used 0x%" G_GINT64_MODIFIER "x)",
                    vq->desc, vq->avail, vq->used);
    }
    return true;
}

/* Append a segment, growing the array by doubling; n is the count before. */
static void seg_append(VirtQueueSeg **segs, unsigned n, const Desc *d)
{
    if ((n & (n - 1)) == 0) {   /* 0, 1, 2, 4, 8 ...: the array is full */
        *segs = g_renew(VirtQueueSeg, *segs, n ? 2 * n : 4);
    }
    (*segs)[n].addr = d->addr;
    (*segs)[n].len = d->len;
}

/* Collect one buffer of a chain into elem, keeping the readable-first order. */
static bool take_buffer(VirtQueue *vq, VirtQueueElement *elem, const Desc *d)
{
    if (d->flags & VRING_DESC_F_WRITE) {
        seg_append(&elem->in, elem->in_num++, d);
        elem->in_len += d->len;
        return true;
    }
    if (elem->in_num) {
        return fail(vq, "device-readable buffer after a device-writable one in chain %u",
                    elem->head);
    }
    seg_append(&elem->out, elem->out_num++, d);
    elem->out_len += d->len;
    return true;
}

/* Where the chain's descriptors live: the queue's table or one indirect table. */
typedef struct Table {
    uint64_t addr;
    unsigned size;
    bool indirect;
} Table;

/* Switch from the queue's table to the indirect table d names. */
static bool enter_indirect(VirtQueue *vq, Table *t, const Desc *d, unsigned seen)
{
    if (t->indirect) {
        return fail(vq, "indirect table inside an indirect table");
    }
    if (seen != 1 || (d->flags & VRING_DESC_F_NEXT)) {
        return fail(vq, "indirect descriptor must be the only one of its chain");
    }
    if (d->len == 0 || d->len % DESC_SIZE || d->len / DESC_SIZE > VIRTQUEUE_MAX_INDIRECT) {
        return fail(vq, "indirect table of %u bytes", d->len);
    }
    t->addr = d->addr;
    t->size = d->len / DESC_SIZE;
    t->indirect = true;
    return true;
}

static bool walk_chain(VirtQueue *vq, VirtQueueElement *elem)
{
    Table t = { vq->desc, vq->size, false };
    unsigned i = elem->head, seen = 0;
    Desc d;

    for (;;) {
        if (++seen > t.size) {
            return fail(vq, "descriptor chain from %u loops", elem->head);
        }
        if (!read_desc(vq, t.addr, i, &d)) {
            return false;
        }
        if (d.flags & VRING_DESC_F_INDIRECT) {
            if (!enter_indirect(vq, &t, &d, seen)) {
                return false;
            }
            i = 0;
            seen = 0;
            continue;
        }
        if (!take_buffer(vq, elem, &d)) {
            return false;
        }
        if (!(d.flags & VRING_DESC_F_NEXT)) {
            return true;
        }
        if (d.next >= t.size) {
            return fail(vq, "next index %u outside a table of %u", d.next, t.size);
        }
        i = d.next;
    }
}

/* The driver's available index, checked against what is already consumed. */
static int avail_pending(VirtQueue *vq, uint16_t *pending)
{
    uint16_t idx = 0;

    if (!rd16(vq, vq->avail + AVAIL_IDX, &idx)) {
        return -1;
    }
    *pending = (uint16_t)(idx - vq->last_avail);
    if (*pending > vq->size) {
        fail(vq, "available index %u is %u ahead of %u (queue size %u)", idx, *pending,
             vq->last_avail, vq->size);
        return -1;
    }
    return 0;
}

int virtqueue_pop(VirtQueue *vq, VirtQueueElement *elem)
{
    uint16_t pending = 0, head = 0;

    memset(elem, 0, sizeof(*elem));
    if (vq->broken) {
        return -1;
    }
    if (!vq->ready) {
        return 0;
    }
    if (avail_pending(vq, &pending) < 0) {
        return -1;
    }
    if (pending == 0) {
        return 0;
    }
    /* The ring entry is read after the index that published it. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (!rd16(vq, vq->avail + AVAIL_RING(vq->last_avail & (vq->size - 1)), &head)) {
        return -1;
    }
    if (head >= vq->size) {
        fail(vq, "available head %u outside a queue of %u", head, vq->size);
        return -1;
    }
    elem->head = head;
    if (!walk_chain(vq, elem)) {
        virtqueue_elem_free(elem);
        return -1;
    }
    vq->last_avail++;
    vq->inflight++;
    if (vq->event_idx && !vq->notify_off) {
        /* Ask to be told of the next chain after the ones read (avail_event). */
        if (!wr16(vq, vq->used + USED_RING(vq->size), vq->last_avail)) {
            virtqueue_elem_free(elem);
            return -1;
        }
    }
    return 1;
}

void virtqueue_elem_free(VirtQueueElement *elem)
{
    g_free(elem->out);
    g_free(elem->in);
    memset(elem, 0, sizeof(*elem));
}

void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem)
{
    vq->last_avail--;
    vq->inflight--;
    virtqueue_elem_free(elem);
}

/* Copy between a segment list and buf; to_guest picks the direction. */
static size_t copy_segs(VirtQueue *vq, const VirtQueueSeg *segs, unsigned n, uint64_t offset,
                        void *buf, size_t len, bool to_guest)
{
    size_t done = 0;

    for (unsigned i = 0; i < n && done < len; i++) {
        if (offset >= segs[i].len) {
            offset -= segs[i].len;
            continue;
        }
        size_t chunk = MIN(segs[i].len - offset, len - done);
        uint64_t gpa = segs[i].addr + offset;
        bool ok = to_guest ? vq->mem->write(vq->mem_opaque, gpa, (uint8_t *)buf + done, chunk)
                           : vq->mem->read(vq->mem_opaque, gpa, (uint8_t *)buf + done, chunk);
        if (!ok) {
            fail(vq, "buffer at 0x%" G_GINT64_MODIFIER "x (+%zu) is not guest RAM", gpa, chunk);
            break;
        }
        done += chunk;
        offset = 0;
    }
    return done;
}

size_t virtqueue_elem_read(VirtQueue *vq, const VirtQueueElement *elem, uint64_t offset,
                           void *buf, size_t len)
{
    return copy_segs(vq, elem->out, elem->out_num, offset, buf, len, false);
}

size_t virtqueue_elem_write(VirtQueue *vq, const VirtQueueElement *elem, uint64_t offset,
                            const void *buf, size_t len)
{
    return copy_segs(vq, elem->in, elem->in_num, offset, (void *)buf, len, true);
}

bool virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t written)
{
    uint64_t slot = vq->used + USED_RING(vq->used_idx & (vq->size - 1));
    uint32_t entry[2] = { GUINT32_TO_LE(elem->head), GUINT32_TO_LE(written) };

    virtqueue_elem_free(elem);
    if (vq->broken) {
        return false;
    }
    if (!vq->mem->write(vq->mem_opaque, slot, entry, sizeof(entry))) {
        return fail(vq, "used ring at 0x%" G_GINT64_MODIFIER "x is not guest RAM", slot);
    }
    /* The entry is visible before the index that publishes it. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    vq->used_idx++;
    vq->inflight--;
    return wr16(vq, vq->used + USED_IDX, vq->used_idx);
}

/* Has new_idx passed event since old (virtio 2.7.10, the event index rule)? */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

bool virtqueue_should_notify(VirtQueue *vq)
{
    uint16_t flags = 0, event = 0, old = vq->signalled_used;
    bool valid = vq->signalled_valid;

    if (vq->broken || !vq->ready) {
        return false;
    }
    /* Our used index stores against the driver's flag/event loads. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!vq->event_idx) {
        return rd16(vq, vq->avail + AVAIL_FLAGS, &flags) &&
               !(flags & VRING_AVAIL_F_NO_INTERRUPT);
    }
    vq->signalled_used = vq->used_idx;
    vq->signalled_valid = true;
    if (!rd16(vq, vq->avail + AVAIL_RING(vq->size), &event)) {
        return false;
    }
    return !valid || need_event(event, vq->used_idx, old);
}

void virtqueue_set_notification(VirtQueue *vq, bool enable)
{
    uint16_t v = 0;

    vq->notify_off = !enable;
    if (vq->broken || !vq->ready) {
        return;
    }
    if (vq->event_idx) {
        if (enable && rd16(vq, vq->avail + AVAIL_IDX, &v)) {
            wr16(vq, vq->used + USED_RING(vq->size), v);
        }
    } else if (rd16(vq, vq->used + USED_FLAGS, &v)) {
        v = enable ? (v & ~VRING_USED_F_NO_NOTIFY) : (v | VRING_USED_F_NO_NOTIFY);
        wr16(vq, vq->used + USED_FLAGS, v);
    }
    if (enable) {
        /* Make the request visible before the caller checks the ring again. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
}

bool virtqueue_empty(VirtQueue *vq)
{
    uint16_t pending = 0;

    if (vq->broken || !vq->ready) {
        return true;
    }
    return avail_pending(vq, &pending) < 0 || pending == 0;
}
