/*
 * Private to the qcow2 core files: the driver entry points split across
 * qcow2.c, qcow2-io.c and qcow2-create.c, and helpers shared between them.
 */
#ifndef BLOCK_QCOW2_INT_H
#define BLOCK_QCOW2_INT_H

#include "block/qcow2.h"

/* qcow2-io.c */
int qcow2_pread(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf, int flags);
int qcow2_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf,
                 int flags);
int qcow2_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags);
int qcow2_pwrite_compressed(BlockDriverState *bs, int64_t offset, int64_t bytes,
                            const void *buf);
int qcow2_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes);
int qcow2_flush(BlockDriverState *bs);
int qcow2_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum,
                       int64_t *map, BlockDriverState **file);
int qcow2_make_empty(BlockDriverState *bs);
/* Drop every cluster of [offset, +bytes) (whole clusters): zero or unallocate. */
int qcow2_discard_range(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                        bool make_zero);

/* qcow2-create.c */
int qcow2_create(const char *filename, QDict *opts, Error **errp);
int qcow2_truncate(BlockDriverState *bs, int64_t size, bool exact, PreallocMode prealloc,
                   Error **errp);

/* qcow2.c */
/* Fill buf (one cluster) with header, extensions and backing name. */
int qcow2_build_header_cluster(BlockDriverState *bs, uint8_t *buf, const char *backing);
/* The feature name table QEMU writes; returns its length (buf >= 768 bytes). */
size_t qcow2_default_feature_table(uint8_t *buf);

#endif
