/*
 * Writing a complete qcow2 refcount structure from reference counts held in
 * memory: used by check to rebuild a broken structure and by amend to change
 * the refcount width. Blocks and table go to clusters that are free in the
 * counts (first fit, as QEMU places them), so nothing in use is overwritten;
 * the caller switches the header afterwards.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>
#include "block/qcow2-maint.h"

int qcow2m_refs_grow(Qcow2mRefs *r, int64_t n)
{
    int64_t new_nb;
    uint32_t *p;

    r->used = MAX(r->used, n);
    if (n <= r->nb) {
        return 0;
    }
    new_nb = QCOW2M_ALIGN_UP(n, r->per_block);
    p = g_try_renew(uint32_t, r->ref, new_nb);
    if (!p) {
        return -ENOMEM;
    }
    memset(p + r->nb, 0, (new_nb - r->nb) * sizeof(*p));
    r->ref = p;
    r->nb = new_nb;
    return 0;
}

/* First-fit allocation of n clusters in the in-memory counts. */
static int64_t alloc_in_memory(const BDRVQcow2State *s, Qcow2mRefs *r, int64_t n,
                               int64_t *first_free)
{
    int64_t i = *first_free, run = 0;
    bool first_gap = true;

    for (; i < r->used && run < n; i++) {
        if (!r->ref[i]) {
            if (first_gap) {
                *first_free = i;
                first_gap = false;
            }
            run++;
        } else {
            run = 0;
        }
    }
    if (run < n && qcow2m_refs_grow(r, i + n - run) < 0) {
        return -ENOMEM;
    }
    i -= run;
    for (int64_t k = 0; k < n; k++) {
        r->ref[i + k] = 1;
    }
    return i << s->cluster_bits;
}

/*
 * Allocate and write the refcount blocks for clusters [first, end) that have
 * references; returns 1 when the table array had to grow. fmt describes the
 * width of the entries to write.
 */
static int write_refblocks(BlockDriverState *bs, const BDRVQcow2State *fmt, Qcow2mRefs *r,
                           int64_t first, int64_t end, uint64_t **table, uint32_t *entries)
{
    int64_t per = fmt->refcount_block_size, first_free = 0;
    uint8_t *block = g_malloc(fmt->cluster_size);
    int grown = 0, ret = 0;

    for (int64_t cl = first; cl < end; cl++) {
        int64_t idx = cl / per, start = idx * per, off;

        if (!qcow2m_refs_at(r, cl)) {
            continue;
        }
        if (*entries > idx && (*table)[idx]) {
            off = (*table)[idx];
        } else {
            /* never inside a block already written */
            first_free = MAX(first_free, start);
            off = alloc_in_memory(fmt, r, 1, &first_free);
            if (off < 0) {
                ret = off;
                error_report("ERROR allocating refblock: %s", strerror(-ret));
                break;
            }
            end = MAX(end, (off >> fmt->cluster_bits) + 1);
            if (*entries <= idx) {
                uint32_t n = QCOW2M_ALIGN_UP((uint64_t)(idx + 1) * 8, fmt->cluster_size) / 8;
                *table = g_renew(uint64_t, *table, n);
                memset(*table + *entries, 0, (n - *entries) * 8);
                *entries = n;
                grown = 1;
            }
            (*table)[idx] = off;
        }
        memset(block, 0, fmt->cluster_size);
        for (int64_t k = 0; k < per; k++) {
            qcow2_refblock_set(fmt, block, k, qcow2m_refs_at(r, start + k));
        }
        ret = bdrv_pwrite(bs->file, off, fmt->cluster_size, block, 0);
        if (ret < 0) {
            error_report("ERROR writing refblock: %s", strerror(-ret));
            break;
        }
        cl = start + per - 1;
    }
    g_free(block);
    return ret < 0 ? ret : grown;
}

int qcow2m_write_refcount_structure(BlockDriverState *bs, Qcow2mRefs *r, int order,
                                    uint64_t **table, uint32_t *entries,
                                    int64_t *rt_offset, int64_t *rt_clusters)
{
    BDRVQcow2State fmt = *(BDRVQcow2State *)bs->opaque;
    uint64_t *be;
    int changed, ret;

    fmt.refcount_order = order;
    fmt.refcount_bits = 1 << order;
    fmt.refcount_block_bits = fmt.cluster_bits + 3 - order;
    fmt.refcount_block_size = 1 << fmt.refcount_block_bits;
    ret = 0;
    *table = NULL;
    *entries = 0;
    *rt_offset = -1;
    changed = write_refblocks(bs, &fmt, r, 0, r->used, table, entries);
    /* Placing the table may need new blocks, which may grow the table... */
    while (changed > 0) {
        int64_t first_free = 0, start;

        *rt_clusters = ((uint64_t)*entries * 8 + fmt.cluster_size - 1) >> fmt.cluster_bits;
        *rt_offset = alloc_in_memory(&fmt, r, *rt_clusters, &first_free);
        if (*rt_offset < 0) {
            error_report("ERROR allocating reftable: %s", strerror(ENOMEM));
            changed = *rt_offset;
            break;
        }
        start = *rt_offset >> fmt.cluster_bits;
        changed = write_refblocks(bs, &fmt, r, start, start + *rt_clusters, table, entries);
    }
    if (changed < 0 || *rt_offset < 0 || ret < 0) {
        ret = changed < 0 ? changed : -EIO;
        goto fail;
    }
    be = g_new(uint64_t, *entries);
    for (uint32_t i = 0; i < *entries; i++) {
        be[i] = GUINT64_TO_BE((*table)[i]);
    }
    ret = bdrv_pwrite(bs->file, *rt_offset, (uint64_t)*entries * 8, be, 0);
    g_free(be);
    if (ret == 0) {
        ret = qcow2_barrier(bs, false);
    }
    if (ret < 0) {
        error_report("ERROR writing reftable: %s", strerror(-ret));
        goto fail;
    }
    return 0;
fail:
    g_free(*table);
    *table = NULL;
    return ret;
}

