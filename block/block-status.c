/*
 * Block status: which ranges of a node hold data, read as zeroes, or are left
 * to the backing file, and the walk down a backing chain that tells what a
 * reader of the top node sees (qemu-img map, convert, compare, NBD).
 */
#include "config.h"
#include "block/block-priv.h"

#include <errno.h>
#include <glib.h>

/* The default when a driver has no block_status op. */
static int default_status(BlockDriverState *bs, int64_t offset, int64_t bytes,
                          int64_t *pnum, int64_t *map, BlockDriverState **file)
{
    *pnum = bytes;
    *map = offset;
    *file = bs->drv->is_protocol || !bs->file ? bs : bs->file;
    return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID;
}

/* RECURSE: the driver maps the range to its file; holes there read as zeroes. */
static int recurse_into_file(int ret, int64_t *pnum, int64_t map, BlockDriverState *file)
{
    int64_t fpnum, fmap;
    BlockDriverState *ffile;
    int r = bdrv_block_status(file, map, *pnum, &fpnum, &fmap, &ffile);
    if (r < 0) {
        return ret;
    }
    if ((r & BDRV_BLOCK_EOF) && (fpnum == 0 || (r & BDRV_BLOCK_ZERO))) {
        return ret | BDRV_BLOCK_ZERO;      /* past the end of the file */
    }
    *pnum = fpnum;
    return ret | (r & BDRV_BLOCK_ZERO);
}

int bdrv_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      int64_t *pnum, int64_t *map, BlockDriverState **file)
{
    int64_t lmap = 0;
    BlockDriverState *lfile = NULL;
    *pnum = 0;
    if (map) {
        *map = 0;
    }
    if (file) {
        *file = NULL;
    }
    if (!bs->drv) {
        return -ENOMEDIUM;
    }
    if (offset < 0 || bytes < 0) {
        return -EINVAL;
    }
    int64_t len = bdrv_getlength(bs);
    if (len < 0) {
        return (int)len;
    }
    if (offset >= len) {
        return BDRV_BLOCK_EOF;             /* *pnum == 0: nothing here */
    }
    bytes = MIN(bytes, len - offset);
    if (bytes == 0) {
        return -EINVAL;
    }

    int ret;
    if (!bs->drv->block_status) {
        ret = default_status(bs, offset, bytes, pnum, &lmap, &lfile);
    } else {
        ret = bs->drv->block_status(bs, offset, bytes, pnum, &lmap, &lfile);
        if (ret < 0) {
            *pnum = 0;
            return ret;
        }
        if (*pnum <= 0) {
            *pnum = 0;
            return -EIO;                   /* a driver must make progress */
        }
        *pnum = MIN(*pnum, bytes);
        if ((ret & BDRV_BLOCK_RECURSE) && (ret & BDRV_BLOCK_OFFSET_VALID) &&
            (ret & BDRV_BLOCK_DATA) && !(ret & BDRV_BLOCK_ZERO) && lfile && lfile != bs) {
            ret = recurse_into_file(ret, pnum, lmap, lfile);
        }
        ret &= ~BDRV_BLOCK_RECURSE;
    }

    if (ret & (BDRV_BLOCK_DATA | BDRV_BLOCK_ZERO)) {
        ret |= BDRV_BLOCK_ALLOCATED;
    } else if (bs->drv->supports_backing) {
        /* Unallocated: zero when there is nothing (or nothing that long) below. */
        if (!bs->backing) {
            ret |= BDRV_BLOCK_ZERO;
        } else {
            int64_t blen = bdrv_getlength(bs->backing);
            if (blen >= 0 && offset >= blen) {
                ret |= BDRV_BLOCK_ZERO;
            }
        }
    }
    ret &= ~BDRV_BLOCK_EOF;
    if (offset + *pnum == len) {
        ret |= BDRV_BLOCK_EOF;
    }
    if (ret & BDRV_BLOCK_OFFSET_VALID) {
        if (map) {
            *map = lmap;
        }
        if (file) {
            *file = lfile;
        }
    }
    return ret;
}

int bdrv_block_status_above(BlockDriverState *bs, BlockDriverState *base,
                            int64_t offset, int64_t bytes, int64_t *pnum,
                            int64_t *map, BlockDriverState **file, int *depth)
{
    int d = 0;
    int ret = bdrv_block_status(bs, offset, bytes, pnum, map, file);
    if (ret < 0 || *pnum == 0 || (ret & BDRV_BLOCK_ALLOCATED)) {
        goto out;
    }
    int64_t top_len = bdrv_getlength(bs);
    bytes = *pnum;
    d = -1;
    int layer = 1;
    for (BlockDriverState *p = bs->backing; p && p != base; p = p->backing, layer++) {
        int r = bdrv_block_status(p, offset, bytes, pnum, map, file);
        if (r < 0) {
            return r;
        }
        if (*pnum == 0) {
            /* This layer is shorter than the range: it reads as zeroes here. */
            *pnum = bytes;
            if (file) {
                *file = p;
            }
            ret = BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
            d = layer;
            break;
        }
        ret = r;
        if (r & BDRV_BLOCK_ALLOCATED) {
            d = layer;
            break;
        }
        bytes = *pnum;
    }
    ret &= ~BDRV_BLOCK_EOF;
    if (top_len >= 0 && offset + *pnum >= top_len) {
        ret |= BDRV_BLOCK_EOF;
    }
out:
    if (depth) {
        *depth = d;
    }
    return ret;
}

int bdrv_is_allocated(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum)
{
    int64_t n = 0;
    int ret = bdrv_block_status(bs, offset, bytes, &n, NULL, NULL);
    if (ret < 0) {
        return ret;
    }
    if (n == 0) {
        n = bytes;           /* beyond the end: not allocated */
        ret = 0;
    }
    if (pnum) {
        *pnum = n;
    }
    return (ret & BDRV_BLOCK_ALLOCATED) ? 1 : 0;
}
