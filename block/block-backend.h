/*
 * BlockBackend: the handle through which users (qemu-img, qemu-nbd, devices)
 * attach to the top node of a block graph. Requests are bounds-checked
 * against the device size; cache=writethrough adds FUA to every write.
 */
#ifndef BLOCK_BLOCK_BACKEND_H
#define BLOCK_BLOCK_BACKEND_H

#include "block/block.h"

/* Open filename/options as in bdrv_open (takes the options reference). */
BlockBackend *blk_new_open(const char *filename, QDict *options, int flags, Error **errp);
/* Attach to an existing node (takes a new reference on bs). */
BlockBackend *blk_new_with_bs(BlockDriverState *bs, int flags);
void blk_unref(BlockBackend *blk);
BlockDriverState *blk_bs(BlockBackend *blk);
bool blk_is_read_only(BlockBackend *blk);
/* Writes get FUA (cache=writethrough) when enabled. */
void blk_set_write_through(BlockBackend *blk, bool on);

/* 0 on success, -errno on failure; -EIO when the range is outside the device. */
int blk_pread(BlockBackend *blk, int64_t offset, int64_t bytes, void *buf, int flags);
int blk_pwrite(BlockBackend *blk, int64_t offset, int64_t bytes, const void *buf, int flags);
int blk_pwrite_zeroes(BlockBackend *blk, int64_t offset, int64_t bytes, int flags);
int blk_pwrite_compressed(BlockBackend *blk, int64_t offset, int64_t bytes, const void *buf);
int blk_pdiscard(BlockBackend *blk, int64_t offset, int64_t bytes);
int blk_flush(BlockBackend *blk);
int64_t blk_getlength(BlockBackend *blk);
int blk_truncate(BlockBackend *blk, int64_t size, bool exact, PreallocMode prealloc,
                 Error **errp);

#endif
