/*
 * BlockBackend: a user's handle on the top node of a graph (block-backend.h).
 */
#include "config.h"
#include "block/block-backend.h"
#include "block/block_int.h"

#include <errno.h>
#include <glib.h>

struct BlockBackend {
    BlockDriverState *bs;
    int flags;
    bool write_through;
};

BlockBackend *blk_new_with_bs(BlockDriverState *bs, int flags)
{
    BlockBackend *blk = g_new0(BlockBackend, 1);
    blk->bs = bdrv_ref(bs);
    blk->flags = flags;
    return blk;
}

BlockBackend *blk_new_open(const char *filename, QDict *options, int flags, Error **errp)
{
    BlockDriverState *bs = bdrv_open(filename, options, flags, errp);
    if (!bs) {
        return NULL;
    }
    /* BDRV_O_DSYNC opens the files O_DSYNC: no FUA needed on top. */
    BlockBackend *blk = blk_new_with_bs(bs, flags);
    bdrv_unref(bs);
    return blk;
}

void blk_unref(BlockBackend *blk)
{
    if (blk) {
        bdrv_unref(blk->bs);
        g_free(blk);
    }
}

BlockDriverState *blk_bs(BlockBackend *blk)
{
    return blk->bs;
}

bool blk_is_read_only(BlockBackend *blk)
{
    return bdrv_is_read_only(blk->bs);
}

void blk_set_write_through(BlockBackend *blk, bool on)
{
    blk->write_through = on;
}

int64_t blk_getlength(BlockBackend *blk)
{
    return bdrv_getlength(blk->bs);
}

static int check_range(BlockBackend *blk, int64_t offset, int64_t bytes)
{
    if (offset < 0 || bytes < 0 || offset > INT64_MAX - bytes) {
        return -EIO;
    }
    int64_t len = blk_getlength(blk);
    if (len < 0) {
        return (int)len;
    }
    return offset + bytes > len ? -EIO : 0;
}

static int write_flags(BlockBackend *blk, int flags)
{
    return blk->write_through ? flags | BDRV_REQ_FUA : flags;
}

int blk_pread(BlockBackend *blk, int64_t offset, int64_t bytes, void *buf, int flags)
{
    int ret = check_range(blk, offset, bytes);
    return ret < 0 ? ret : bdrv_pread(blk->bs, offset, bytes, buf, flags);
}

int blk_pwrite(BlockBackend *blk, int64_t offset, int64_t bytes, const void *buf, int flags)
{
    int ret = check_range(blk, offset, bytes);
    return ret < 0 ? ret : bdrv_pwrite(blk->bs, offset, bytes, buf, write_flags(blk, flags));
}

int blk_pwrite_zeroes(BlockBackend *blk, int64_t offset, int64_t bytes, int flags)
{
    int ret = check_range(blk, offset, bytes);
    return ret < 0 ? ret : bdrv_pwrite_zeroes(blk->bs, offset, bytes, write_flags(blk, flags));
}

int blk_pwrite_compressed(BlockBackend *blk, int64_t offset, int64_t bytes, const void *buf)
{
    int ret = check_range(blk, offset, bytes);
    return ret < 0 ? ret : bdrv_pwrite_compressed(blk->bs, offset, bytes, buf);
}

int blk_pdiscard(BlockBackend *blk, int64_t offset, int64_t bytes)
{
    int ret = check_range(blk, offset, bytes);
    return ret < 0 ? ret : bdrv_pdiscard(blk->bs, offset, bytes);
}

int blk_flush(BlockBackend *blk)
{
    return bdrv_flush(blk->bs);
}

int blk_truncate(BlockBackend *blk, int64_t size, bool exact, PreallocMode prealloc,
                 Error **errp)
{
    return bdrv_truncate(blk->bs, size, exact, prealloc, errp);
}
