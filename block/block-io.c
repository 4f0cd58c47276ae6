/*
 * Generic synchronous I/O on a node: range checks, alignment (bounce buffers
 * and read-modify-write for nodes opened with O_DIRECT), zero writes with a
 * fallback, detect-zeroes, FUA emulation and flushes that recurse to children.
 * No global lock: only nodes that need alignment track their in-flight writes,
 * so that a read-modify-write never races with an overlapping write.
 */
#include "config.h"
#include "block/block-priv.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define BOUNCE_CHUNK (1 << 20)      /* largest bounce buffer for one step */
#define ZERO_CHUNK (1 << 20)        /* largest zero buffer of the fallback */
#define BOUNCE_MEM_ALIGN 4096

static bool request_ok(int64_t offset, int64_t bytes)
{
    return offset >= 0 && bytes >= 0 && offset <= INT64_MAX - bytes;
}

static uint32_t node_align(BlockDriverState *bs)
{
    return bs->request_alignment > 1 ? bs->request_alignment : 1;
}

static bool is_aligned(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf)
{
    uint32_t a = node_align(bs);
    return a == 1 || ((offset | bytes | (int64_t)(uintptr_t)buf) & (a - 1)) == 0;
}

static void *bounce_alloc(size_t size)
{
    void *p = NULL;
    if (posix_memalign(&p, BOUNCE_MEM_ALIGN, size ? size : 1) != 0) {
        return NULL;
    }
    return p;
}

/* ---- in-flight tracking for nodes with alignment > 1 ---- */

static bool conflicts(BlockDriverState *bs, int64_t start, int64_t end, bool serialising)
{
    for (BdrvInflight *r = bs->priv->inflight; r; r = r->next) {
        if (r->start < end && start < r->end && (serialising || r->serialising)) {
            return true;
        }
    }
    return false;
}

static void inflight_begin(BlockDriverState *bs, BdrvInflight *req, int64_t start,
                           int64_t end, bool serialising)
{
    uint32_t a = node_align(bs);
    req->start = start & ~(int64_t)(a - 1);
    req->end = end;
    if (req->end & (a - 1)) {
        req->end = (req->end | (a - 1)) + 1;
    }
    req->serialising = serialising;
    pthread_mutex_lock(&bs->lock);
    while (conflicts(bs, req->start, req->end, serialising)) {
        pthread_cond_wait(&bs->priv->cond, &bs->lock);
    }
    req->next = bs->priv->inflight;
    bs->priv->inflight = req;
    pthread_mutex_unlock(&bs->lock);
}

static void inflight_end(BlockDriverState *bs, BdrvInflight *req)
{
    pthread_mutex_lock(&bs->lock);
    for (BdrvInflight **p = &bs->priv->inflight; *p; p = &(*p)->next) {
        if (*p == req) {
            *p = req->next;
            break;
        }
    }
    pthread_cond_broadcast(&bs->priv->cond);
    pthread_mutex_unlock(&bs->lock);
}

/* ---- reads ---- */

/* Read through bounce buffers covering whole aligned blocks. */
static int bounce_read(BlockDriverState *bs, int64_t offset, int64_t bytes, uint8_t *buf,
                       int flags)
{
    uint32_t a = node_align(bs);
    uint8_t *bounce = bounce_alloc(BOUNCE_CHUNK + a);
    if (!bounce) {
        return -ENOMEM;
    }
    int ret = 0;
    while (bytes > 0) {
        int64_t head = offset & ~(int64_t)(a - 1);
        int64_t skip = offset - head;
        int64_t n = MIN(bytes, (int64_t)BOUNCE_CHUNK - skip);
        int64_t span = skip + n;
        span = (span + a - 1) & ~(int64_t)(a - 1);
        ret = bs->drv->pread(bs, head, span, bounce, flags);
        if (ret < 0) {
            break;
        }
        memcpy(buf, bounce + skip, n);
        buf += n;
        offset += n;
        bytes -= n;
    }
    free(bounce);
    return ret < 0 ? ret : 0;
}

static int driver_read(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf,
                       int flags)
{
    if (!bs->drv->pread) {
        return -ENOTSUP;
    }
    if (is_aligned(bs, offset, bytes, buf)) {
        int ret = bs->drv->pread(bs, offset, bytes, buf, flags);
        return ret < 0 ? ret : 0;
    }
    return bounce_read(bs, offset, bytes, buf, flags);
}

int bdrv_pread(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf, int flags)
{
    if (!bs->drv) {
        return -ENOMEDIUM;
    }
    if (!request_ok(offset, bytes)) {
        return -EIO;
    }
    if (bytes == 0) {
        return 0;
    }
    if (bs->drv->is_protocol) {
        return driver_read(bs, offset, bytes, buf, flags);   /* zeroes past EOF */
    }
    int64_t len = bdrv_getlength(bs);
    if (len < 0) {
        return (int)len;
    }
    if (offset + bytes <= len) {
        return driver_read(bs, offset, bytes, buf, flags);
    }
    /* A backing file shorter than its overlay reads as zeroes beyond its end. */
    if (__atomic_load_n(&bs->priv->backing_parents, __ATOMIC_RELAXED) == 0) {
        return -EIO;
    }
    int64_t inside = offset < len ? len - offset : 0;
    memset((uint8_t *)buf + inside, 0, bytes - inside);
    return inside ? driver_read(bs, offset, inside, buf, flags) : 0;
}

int bdrv_file_pread(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf)
{
    BlockDriverState *file = bs->file;
    if (!file) {
        return -ENOMEDIUM;
    }
    if (file->drv && !file->drv->is_protocol && request_ok(offset, bytes)) {
        int64_t len = bdrv_getlength(file);
        if (len < 0) {
            return (int)len;
        }
        if (offset + bytes > len) {
            int64_t inside = offset < len ? len - offset : 0;
            memset((uint8_t *)buf + inside, 0, bytes - inside);
            bytes = inside;
        }
    }
    return bdrv_pread(file, offset, bytes, buf, 0);
}

/* ---- writes ---- */

/* Read-modify-write of the aligned blocks around an unaligned write. */
static int rmw_write(BlockDriverState *bs, int64_t offset, int64_t bytes, const uint8_t *buf,
                     int flags)
{
    uint32_t a = node_align(bs);
    uint8_t *bounce = bounce_alloc(BOUNCE_CHUNK + 2 * a);
    if (!bounce) {
        return -ENOMEM;
    }
    int ret = 0;
    while (bytes > 0) {
        int64_t head = offset & ~(int64_t)(a - 1);
        int64_t skip = offset - head;
        int64_t n = MIN(bytes, (int64_t)BOUNCE_CHUNK - skip);
        int64_t span = (skip + n + a - 1) & ~(int64_t)(a - 1);
        /* Only the first and last block hold old data worth reading. */
        if (skip) {
            ret = bs->drv->pread(bs, head, a, bounce, 0);
        }
        if (ret >= 0 && (skip + n) % a && (span > (int64_t)a || !skip)) {
            ret = bs->drv->pread(bs, head + span - a, a, bounce + span - a, 0);
        }
        if (ret < 0) {
            break;
        }
        memcpy(bounce + skip, buf, n);
        ret = bs->drv->pwrite(bs, head, span, bounce, flags);
        if (ret < 0) {
            break;
        }
        buf += n;
        offset += n;
        bytes -= n;
    }
    free(bounce);
    return ret < 0 ? ret : 0;
}

static int driver_write(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        const void *buf, int flags)
{
    if (!bs->drv->pwrite) {
        return -ENOTSUP;
    }
    if (node_align(bs) == 1) {
        int ret = bs->drv->pwrite(bs, offset, bytes, buf, flags);
        return ret < 0 ? ret : 0;
    }
    BdrvInflight req;
    bool aligned = is_aligned(bs, offset, bytes, buf);
    inflight_begin(bs, &req, offset, offset + bytes, !aligned);
    int ret = aligned ? bs->drv->pwrite(bs, offset, bytes, buf, flags)
                      : rmw_write(bs, offset, bytes, buf, flags);
    inflight_end(bs, &req);
    return ret < 0 ? ret : 0;
}

static int write_checks(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    if (!bs->drv) {
        return -ENOMEDIUM;
    }
    if (bs->read_only) {
        return -EPERM;
    }
    if (!request_ok(offset, bytes)) {
        return -EIO;
    }
    /* Protocol nodes grow when written past their end; formats do not. */
    if (!bs->drv->is_protocol) {
        int64_t len = bdrv_getlength(bs);
        if (len < 0) {
            return (int)len;
        }
        if (offset + bytes > len) {
            return -EIO;
        }
    }
    return 0;
}

static bool buffer_is_zero(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    /* Check the first bytes one by one, then compare the buffer with itself shifted. */
    size_t head = MIN(len, (size_t)16);
    for (size_t i = 0; i < head; i++) {
        if (p[i]) {
            return false;
        }
    }
    return len <= 16 || memcmp(p, p + 16, len - 16) == 0;
}

static int finish_fua(BlockDriverState *bs, int ret, int flags)
{
    if (ret >= 0 && (flags & BDRV_REQ_FUA)) {
        ret = bdrv_flush(bs);
    }
    return ret;
}

static int do_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags);

int bdrv_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf,
                int flags)
{
    int ret = write_checks(bs, offset, bytes);
    if (ret < 0 || bytes == 0) {
        return ret;
    }
    if (bs->detect_zeroes && buffer_is_zero(buf, bytes)) {
        int zflags = flags & ~BDRV_REQ_FUA;
        if (bs->detect_zeroes == 2) {
            zflags |= BDRV_REQ_MAY_UNMAP;
        }
        ret = do_pwrite_zeroes(bs, offset, bytes, zflags);
    } else {
        ret = driver_write(bs, offset, bytes, buf, flags & ~BDRV_REQ_FUA);
    }
    return finish_fua(bs, ret, flags);
}

/* Write zeroes by writing a zero buffer (drivers without a fast path). */
static int write_zero_buffer(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    size_t size = (size_t)MIN(bytes, (int64_t)ZERO_CHUNK);
    void *zero = bounce_alloc(size);
    if (!zero) {
        return -ENOMEM;
    }
    memset(zero, 0, size);
    int ret = 0;
    while (bytes > 0 && ret >= 0) {
        int64_t n = MIN(bytes, (int64_t)size);
        ret = driver_write(bs, offset, n, zero, 0);
        offset += n;
        bytes -= n;
    }
    free(zero);
    return ret;
}

static int do_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags)
{
    if (!(bs->open_flags & BDRV_O_UNMAP)) {
        flags &= ~BDRV_REQ_MAY_UNMAP;
    }
    uint32_t a = node_align(bs);
    int64_t start = offset, end = offset + bytes;
    int ret = 0;
    if (a > 1) {
        /* The fast path needs whole blocks: partial ones go through RMW. */
        start = (offset + a - 1) & ~(int64_t)(a - 1);
        end = (offset + bytes) & ~(int64_t)(a - 1);
        bool partial = start >= end || start > offset || end < offset + bytes;
        if (partial && (flags & BDRV_REQ_NO_FALLBACK)) {
            return -ENOTSUP;          /* partial blocks cannot be zeroed quickly */
        }
        if (start >= end) {
            return write_zero_buffer(bs, offset, bytes);
        }
        if (start > offset) {
            ret = write_zero_buffer(bs, offset, start - offset);
        }
        if (ret >= 0 && end < offset + bytes) {
            ret = write_zero_buffer(bs, end, offset + bytes - end);
        }
        if (ret < 0) {
            return ret;
        }
    }

    ret = -ENOTSUP;
    if (bs->drv->pwrite_zeroes) {
        BdrvInflight req;
        if (a > 1) {
            inflight_begin(bs, &req, start, end, false);
        }
        ret = bs->drv->pwrite_zeroes(bs, start, end - start, flags & ~BDRV_REQ_FUA);
        if (a > 1) {
            inflight_end(bs, &req);
        }
    }
    if (ret == -ENOTSUP && !(flags & BDRV_REQ_NO_FALLBACK)) {
        ret = write_zero_buffer(bs, start, end - start);
    }
    return ret < 0 ? ret : 0;
}

int bdrv_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags)
{
    int ret = write_checks(bs, offset, bytes);
    if (ret < 0 || bytes == 0) {
        return ret;
    }
    ret = do_pwrite_zeroes(bs, offset, bytes, flags);
    return finish_fua(bs, ret, flags);
}

int bdrv_pwrite_compressed(BlockDriverState *bs, int64_t offset, int64_t bytes,
                           const void *buf)
{
    int ret = write_checks(bs, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    if (!bs->drv->pwrite_compressed) {
        return -ENOTSUP;
    }
    ret = bs->drv->pwrite_compressed(bs, offset, bytes, buf);
    return ret < 0 ? ret : 0;
}

int bdrv_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    int ret = write_checks(bs, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    /* Discards are only passed on with discard=unmap; without it they are dropped. */
    if (!(bs->open_flags & BDRV_O_UNMAP) || !bs->drv->pdiscard) {
        return 0;
    }
    uint32_t a = node_align(bs);
    int64_t start = (offset + a - 1) & ~(int64_t)(a - 1);
    int64_t end = (offset + bytes) & ~(int64_t)(a - 1);
    if (start >= end) {
        return 0;
    }
    ret = bs->drv->pdiscard(bs, start, end - start);
    return ret == -ENOTSUP || ret >= 0 ? 0 : ret;
}

int bdrv_flush(BlockDriverState *bs)
{
    if (!bs || !bs->drv) {
        return 0;
    }
    int ret = 0;
    /* cache=unsafe skips syncing to disk, but formats still write their caches out. */
    bool skip = bs->read_only ||
        (bs->drv->is_protocol && (bs->open_flags & BDRV_O_NO_FLUSH));
    if (!skip && bs->drv->flush) {
        ret = bs->drv->flush(bs);
    }
    if (bs->file) {
        int r = bdrv_flush(bs->file);
        ret = ret < 0 ? ret : r;
    }
    if (bs->backing) {
        int r = bdrv_flush(bs->backing);
        ret = ret < 0 ? ret : r;
    }
    return ret;
}

int bdrv_truncate(BlockDriverState *bs, int64_t size, bool exact, PreallocMode prealloc,
                  Error **errp)
{
    if (!bs->drv) {
        error_setf(errp, "No medium");
        return -ENOMEDIUM;
    }
    if (size < 0) {
        error_setf(errp, "Image size cannot be negative");
        return -EINVAL;
    }
    if (bs->read_only) {
        error_setf(errp, "Image is read-only");
        return -EACCES;
    }
    if (!bs->drv->truncate) {
        error_setf(errp, "Image format driver does not support resize");
        return -ENOTSUP;
    }
    int ret = bs->drv->truncate(bs, size, exact, prealloc, errp);
    if (ret < 0 && errp && !*errp) {
        error_setf_errno(errp, -ret, "Could not resize image");
    }
    return ret;
}
