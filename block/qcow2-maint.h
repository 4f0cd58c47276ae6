/*
 * Helpers shared by the qcow2 maintenance code (qcow2-check.c, qcow2-refblocks.c,
 * qcow2-snapshot.c, qcow2-amend.c, qcow2-measure.c). The public entry points
 * are declared in block/qcow2.h; this header is internal to those files.
 */
#ifndef BLOCK_QCOW2_MAINT_H
#define BLOCK_QCOW2_MAINT_H

#include "block/qcow2.h"

/* x rounded up to a multiple of a (a > 0). */
#define QCOW2M_ALIGN_UP(x, a) (((x) + (a) - 1) / (a) * (a))

/* Snapshot table limits (the spec's and QEMU's). */
#define QCOW2M_SNAPSHOT_HEADER_SIZE 40
#define QCOW2M_SNAPSHOT_EXTRA_KNOWN 24      /* vm_state_size, disk_size, icount */
#define QCOW2M_MAX_SNAPSHOT_EXTRA   1024

/*
 * Check that a table of entries * entry_len bytes at offset is cluster
 * aligned and no larger than max_bytes; name is used in the error ("L1 table
 * too large").
 */
int qcow2m_validate_table(const BDRVQcow2State *s, uint64_t offset, uint64_t entries,
                          uint64_t entry_len, uint64_t max_bytes, const char *name,
                          Error **errp);

/*
 * Read the snapshot table described by s->nb_snapshots/s->snapshots_offset.
 * With repair, entries with too much extra data are truncated (counted in
 * *extra_dropped) and a table larger than the limit loses its tail (the number
 * of dropped entries is added to *nb_dropped); otherwise both are errors.
 */
int qcow2m_read_snapshots(BlockDriverState *bs, bool repair, int *nb_dropped,
                          int *extra_dropped, Error **errp);
/* Write the snapshot table to new clusters, switch the header, free the old one. */
int qcow2m_write_snapshots(BlockDriverState *bs);

/*
 * Add addend (-1, 0, +1) to the refcount of every L2 table and data cluster
 * reachable from the L1 table at l1_offset (the in-memory active table when
 * it is the active one), then recompute the COPIED flags of the entries.
 * The L1 table itself is only rewritten when addend >= 0.
 */
int qcow2m_update_snapshot_refcount(BlockDriverState *bs, uint64_t l1_offset,
                                    uint32_t l1_size, int addend);

/*
 * In-memory reference counts, one per host cluster (check, refcount width
 * changes). nb is kept a multiple of the refcount block size.
 */
typedef struct Qcow2mRefs {
    uint32_t *ref;
    int64_t nb;                 /* allocated entries */
    int64_t used;               /* clusters that exist: the file, or referenced */
    int64_t per_block;          /* entries of one refcount block */
} Qcow2mRefs;

/* Make r cover at least n clusters (zero filled). */
int qcow2m_refs_grow(Qcow2mRefs *r, int64_t n);

static inline uint32_t qcow2m_refs_at(const Qcow2mRefs *r, int64_t i)
{
    return i < r->nb ? r->ref[i] : 0;
}

/*
 * Write a complete refcount structure (blocks, then table) with entries of
 * 2^order bits describing r, placing its clusters in clusters free in r (which
 * then count 1). Nothing points at it yet: the caller switches the header.
 * On success *table (g_malloc'd, host order, *entries long) is the new table
 * at *rt_offset, *rt_clusters clusters long.
 */
int qcow2m_write_refcount_structure(BlockDriverState *bs, Qcow2mRefs *r, int order,
                                    uint64_t **table, uint32_t *entries,
                                    int64_t *rt_offset, int64_t *rt_clusters);

/* Set or clear bits of the incompatible feature field and rewrite the header. */
int qcow2m_set_incompat(BlockDriverState *bs, uint64_t set, uint64_t clear);

#endif
