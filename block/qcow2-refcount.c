/*
 * qcow2 host cluster management: the two-level refcount structure (table in
 * memory, blocks through the refcount cache), reference updates, and cluster
 * allocation. New refcount blocks and tables are written before anything
 * points at them, so a crash leaves at most leaked clusters.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>
#include "block/qcow2.h"

/* ---- Entries of a refcount block ---- */

uint64_t qcow2_refblock_get(const BDRVQcow2State *s, const void *block, uint64_t index)
{
    const uint8_t *b = block;

    switch (s->refcount_order) {
    case 0: case 1: case 2: {
        int bits = s->refcount_bits;
        uint64_t bit = index * bits;
        return (b[bit / 8] >> (bit % 8)) & ((1u << bits) - 1);
    }
    case 3:
        return b[index];
    case 4: {
        uint16_t v;
        memcpy(&v, b + index * 2, 2);
        return GUINT16_FROM_BE(v);
    }
    case 5: {
        uint32_t v;
        memcpy(&v, b + index * 4, 4);
        return GUINT32_FROM_BE(v);
    }
    default: {
        uint64_t v;
        memcpy(&v, b + index * 8, 8);
        return GUINT64_FROM_BE(v);
    }
    }
}

void qcow2_refblock_set(const BDRVQcow2State *s, void *block, uint64_t index, uint64_t v)
{
    uint8_t *b = block;

    switch (s->refcount_order) {
    case 0: case 1: case 2: {
        int bits = s->refcount_bits;
        uint64_t bit = index * bits;
        uint8_t mask = ((1u << bits) - 1) << (bit % 8);
        b[bit / 8] = (b[bit / 8] & ~mask) | ((v << (bit % 8)) & mask);
        break;
    }
    case 3:
        b[index] = v;
        break;
    case 4: {
        uint16_t x = GUINT16_TO_BE(v);
        memcpy(b + index * 2, &x, 2);
        break;
    }
    case 5: {
        uint32_t x = GUINT32_TO_BE(v);
        memcpy(b + index * 4, &x, 4);
        break;
    }
    default: {
        uint64_t x = GUINT64_TO_BE(v);
        memcpy(b + index * 8, &x, 8);
        break;
    }
    }
}

/* ---- Table ---- */

int qcow2_refcount_init(BlockDriverState *bs, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t bytes = (uint64_t)s->refcount_table_size * 8;
    int ret;

    s->refcount_table = g_try_malloc0(MAX(bytes, 8));
    if (!s->refcount_table) {
        error_setf(errp, "Could not allocate refcount table");
        return -ENOMEM;
    }
    if (bytes) {
        ret = bdrv_pread(bs->file, s->refcount_table_offset, bytes, s->refcount_table, 0);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Could not read refcount table");
            return ret;
        }
    }
    for (uint32_t i = 0; i < s->refcount_table_size; i++) {
        s->refcount_table[i] = GUINT64_FROM_BE(s->refcount_table[i]);
    }
    return 0;
}

void qcow2_refcount_close(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;

    g_free(s->refcount_table);
    s->refcount_table = NULL;
}

/* Offset of the refcount block for rt_index; 0 when absent, -EIO when bad. */
static int64_t refblock_offset(BlockDriverState *bs, uint64_t rt_index)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t e;

    if (rt_index >= s->refcount_table_size) {
        return 0;
    }
    e = s->refcount_table[rt_index];
    if (e & REFT_RESERVED_MASK) {
        qcow2_signal_corruption(bs, "Reserved bits set in refcount table entry %" PRIu64,
                                rt_index);
        return -EIO;
    }
    if (e && !qcow2_offset_valid(s, e)) {
        qcow2_signal_corruption(bs, "Refblock offset %#" PRIx64 " unaligned (reftable "
                                "index: %#" PRIx64 ")", e, rt_index);
        return -EIO;
    }
    return e & REFT_OFFSET_MASK;
}

int qcow2_get_refcount(BlockDriverState *bs, uint64_t cluster_index, uint64_t *refcount)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t off = refblock_offset(bs, cluster_index >> s->refcount_block_bits);
    void *block;
    int ret;

    *refcount = 0;
    if (off <= 0) {
        return off;
    }
    ret = qcow2_cache_get(bs, s->refcount_cache, off, &block);
    if (ret < 0) {
        return ret;
    }
    *refcount = qcow2_refblock_get(s, block,
                                   cluster_index & (s->refcount_block_size - 1));
    qcow2_cache_put(s->refcount_cache, &block);
    return 0;
}

int64_t qcow2_refcount_end(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    /* Blocks already seen empty: a hostile table may repeat one a million times. */
    GHashTable *empty = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    int64_t result = 0;

    for (int64_t i = (int64_t)s->refcount_table_size - 1; i >= 0; i--) {
        int64_t off = refblock_offset(bs, i);
        void *block;
        int ret;

        if (off < 0) {
            result = off;
            break;
        }
        if (!off || g_hash_table_contains(empty, &off)) {
            continue;
        }
        ret = qcow2_cache_get(bs, s->refcount_cache, off, &block);
        if (ret < 0) {
            result = ret;
            break;
        }
        for (int64_t j = s->refcount_block_size - 1; j >= 0; j--) {
            if (qcow2_refblock_get(s, block, j)) {
                result = ((i << s->refcount_block_bits) + j + 1) << s->cluster_bits;
                break;
            }
        }
        qcow2_cache_put(s->refcount_cache, &block);
        if (result) {
            break;
        }
        g_hash_table_add(empty, g_memdup2(&off, sizeof(off)));
    }
    g_hash_table_destroy(empty);
    return result;
}

/* Lowest run of nb free clusters at or after the hint. */
static int64_t find_free_clusters(BlockDriverState *bs, uint64_t nb)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t start = s->free_cluster_index, run = 0;
    uint64_t limit = (1ULL << 56) >> s->cluster_bits;
    int64_t file_len = bdrv_getlength(bs->file);

    /* Past the end of the file only crash leftovers may be in use: a run of
     * used clusters far beyond it means the refcounts are garbage. */
    if (file_len >= 0) {
        limit = MIN(limit, ((uint64_t)file_len >> s->cluster_bits) + nb +
                           (1ULL << 20));
    }

    for (uint64_t i = start; i < limit; i++) {
        uint64_t rc;
        int ret = qcow2_get_refcount(bs, i, &rc);
        if (ret < 0) {
            return ret;
        }
        if (rc) {
            run = 0;
            continue;
        }
        if (run++ == 0) {
            start = i;
        }
        if (run == nb) {
            return start;
        }
    }
    qcow2_signal_corruption(bs, "No free clusters: refcounts claim clusters far beyond the "
                            "end of the file");
    return -EIO;
}

/*
 * Grow the refcount table so that it has at least min_entries entries. The
 * new table and any refcount blocks needed to describe it go at the end of
 * the image, covering themselves; the header is switched after they are
 * durable, then the old table is freed.
 */
static int grow_refcount_table(BlockDriverState *bs, uint64_t min_entries)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t end = qcow2_refcount_end(bs);
    uint64_t per_cluster = s->cluster_size / 8;
    uint64_t start, table_clusters, nb_blocks = 0, entries, area_end;
    uint64_t *table = NULL;
    uint8_t *blocks = NULL;
    uint64_t old_offset = s->refcount_table_offset;
    uint32_t old_clusters = s->header.refcount_table_clusters;
    int64_t file_len;
    int ret;

    if (end < 0) {
        return end;
    }
    file_len = bdrv_getlength(bs->file);
    if (file_len > end) {
        end = file_len;
    }
    start = (end + s->cluster_size - 1) >> s->cluster_bits;
    entries = MAX(min_entries, (uint64_t)s->refcount_table_size * 3 / 2);
    /* Fixpoint: the table plus new blocks must be covered by blocks we have. */
    for (;;) {
        uint64_t first_rt, last_rt, missing = 0;
        table_clusters = (entries + per_cluster - 1) / per_cluster;
        area_end = start + table_clusters + nb_blocks;
        first_rt = start >> s->refcount_block_bits;
        last_rt = (area_end - 1) >> s->refcount_block_bits;
        for (uint64_t r = first_rt; r <= last_rt; r++) {
            if (r >= s->refcount_table_size || !s->refcount_table[r]) {
                missing++;
            }
        }
        if (last_rt + 1 > entries) {
            entries = last_rt + 1;
            continue;
        }
        if (missing == nb_blocks) {
            break;
        }
        nb_blocks = missing;
    }
    if (table_clusters * s->cluster_size > QCOW2_MAX_REFTABLE_SIZE) {
        return -EFBIG;
    }
    entries = table_clusters * per_cluster;

    table = g_try_malloc0(table_clusters * s->cluster_size);
    blocks = g_try_malloc0(MAX(nb_blocks, 1) * s->cluster_size);
    if (!table || !blocks) {
        ret = -ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < s->refcount_table_size; i++) {
        table[i] = s->refcount_table[i];
    }
    /* Place the new blocks after the table and point the new table at them. */
    {
        uint64_t b = 0;
        uint64_t first_rt = start >> s->refcount_block_bits;
        uint64_t last_rt = (area_end - 1) >> s->refcount_block_bits;
        for (uint64_t r = first_rt; r <= last_rt; r++) {
            if (table[r]) {
                continue;
            }
            table[r] = (start + table_clusters + b) << s->cluster_bits;
            b++;
        }
        /* Refcount 1 for every cluster of the new area. */
        for (uint64_t c = start; c < area_end; c++) {
            uint64_t r = c >> s->refcount_block_bits;
            uint64_t blk = (table[r] >> s->cluster_bits);
            if (blk >= start + table_clusters && blk < area_end &&
                (r >= s->refcount_table_size || !s->refcount_table[r])) {
                qcow2_refblock_set(s, blocks + (blk - start - table_clusters) * s->cluster_size,
                                   c & (s->refcount_block_size - 1), 1);
            }
        }
    }
    /* Clusters of the area covered by an existing block: count them there. */
    for (uint64_t c = start; c < area_end; c++) {
        uint64_t r = c >> s->refcount_block_bits;
        if (r < s->refcount_table_size && s->refcount_table[r]) {
            void *blk;
            ret = qcow2_cache_get(bs, s->refcount_cache, s->refcount_table[r] & REFT_OFFSET_MASK,
                                  &blk);
            if (ret < 0) {
                goto out;
            }
            qcow2_refblock_set(s, blk, c & (s->refcount_block_size - 1), 1);
            qcow2_cache_mark_dirty(s->refcount_cache, blk);
            qcow2_cache_put(s->refcount_cache, &blk);
        }
    }
    ret = qcow2_cache_write(bs, s->refcount_cache);
    if (ret < 0) {
        goto out;
    }
    if (nb_blocks) {
        ret = bdrv_pwrite(bs->file, (start + table_clusters) << s->cluster_bits,
                          nb_blocks * s->cluster_size, blocks, 0);
        if (ret < 0) {
            goto out;
        }
    }
    for (uint64_t i = 0; i < entries; i++) {
        table[i] = GUINT64_TO_BE(table[i]);
    }
    ret = bdrv_pwrite(bs->file, start << s->cluster_bits, table_clusters * s->cluster_size,
                      table, 0);
    if (ret < 0) {
        goto out;
    }
    ret = qcow2_barrier(bs, false);
    if (ret < 0) {
        goto out;
    }
    for (uint64_t i = 0; i < entries; i++) {
        table[i] = GUINT64_FROM_BE(table[i]);
    }
    /* Switch the header; keep the old table in memory state until it worked. */
    s->header.refcount_table_offset = start << s->cluster_bits;
    s->header.refcount_table_clusters = table_clusters;
    ret = qcow2_update_header(bs);
    if (ret < 0) {
        s->header.refcount_table_offset = old_offset;
        s->header.refcount_table_clusters = old_clusters;
        goto out;
    }
    g_free(s->refcount_table);
    s->refcount_table = table;
    table = NULL;
    s->refcount_table_offset = start << s->cluster_bits;
    s->refcount_table_size = entries;
    ret = qcow2_barrier(bs, false);
    if (ret < 0) {
        goto out;
    }
    qcow2_free_clusters(bs, old_offset, (uint64_t)old_clusters << s->cluster_bits);
out:
    g_free(table);
    g_free(blocks);
    return ret;
}

/* Allocate and install the refcount block for rt_index (table big enough). */
static int alloc_refblock(BlockDriverState *bs, uint64_t rt_index)
{
    BDRVQcow2State *s = bs->opaque;

    for (;;) {
        int64_t idx = find_free_clusters(bs, 1);
        uint64_t covering;
        void *block;
        int ret;

        if (idx < 0) {
            return idx;
        }
        covering = (uint64_t)idx >> s->refcount_block_bits;
        if (covering >= s->refcount_table_size) {
            ret = grow_refcount_table(bs, covering + 1);
            if (ret < 0) {
                return ret;
            }
            if (s->refcount_table[rt_index]) {
                return 0;          /* the growth created it */
            }
            continue;
        }
        if (covering != rt_index && !s->refcount_table[covering]) {
            ret = alloc_refblock(bs, covering);
            if (ret < 0) {
                return ret;
            }
            continue;
        }
        if (covering != rt_index) {
            ret = qcow2_update_refcount(bs, (uint64_t)idx << s->cluster_bits, 1, 1);
            if (ret < 0) {
                return ret;
            }
        }
        ret = qcow2_cache_get_empty(bs, s->refcount_cache, (uint64_t)idx << s->cluster_bits,
                                    &block);
        if (ret < 0) {
            return ret;
        }
        if (covering == rt_index) {
            /* The block describes itself. */
            qcow2_refblock_set(s, block, idx & (s->refcount_block_size - 1), 1);
        }
        qcow2_cache_mark_dirty(s->refcount_cache, block);
        qcow2_cache_put(s->refcount_cache, &block);
        ret = qcow2_cache_write(bs, s->refcount_cache);
        if (ret < 0) {
            return ret;
        }
        ret = qcow2_barrier(bs, false);
        if (ret < 0) {
            return ret;
        }
        {
            uint64_t be = GUINT64_TO_BE((uint64_t)idx << s->cluster_bits);
            ret = bdrv_pwrite(bs->file, s->refcount_table_offset + rt_index * 8, 8, &be, 0);
            if (ret < 0) {
                return ret;
            }
        }
        s->refcount_table[rt_index] = (uint64_t)idx << s->cluster_bits;
        return 0;
    }
}

int qcow2_refcount_ensure(BlockDriverState *bs, uint64_t cluster_index)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t rt_index = cluster_index >> s->refcount_block_bits;
    int64_t off;

    if (rt_index >= s->refcount_table_size) {
        int ret = grow_refcount_table(bs, rt_index + 1);
        if (ret < 0) {
            return ret;
        }
    }
    off = refblock_offset(bs, rt_index);
    if (off < 0) {
        return off;
    }
    return off ? 0 : alloc_refblock(bs, rt_index);
}

/* Add addend to one cluster's refcount; *old receives the previous value. */
static int update_one(BlockDriverState *bs, uint64_t cluster, int64_t addend, bool absolute,
                      uint64_t value)
{
    BDRVQcow2State *s = bs->opaque;
    void *block;
    uint64_t rc, nrc;
    int64_t off;
    int ret;

    if (addend > 0 || (absolute && value)) {
        ret = qcow2_refcount_ensure(bs, cluster);
        if (ret < 0) {
            return ret;
        }
    }
    off = refblock_offset(bs, cluster >> s->refcount_block_bits);
    if (off < 0) {
        return off;
    }
    if (!off) {
        return (absolute && !value) ? 0 : -ERANGE;
    }
    ret = qcow2_cache_get(bs, s->refcount_cache, off, &block);
    if (ret < 0) {
        return ret;
    }
    rc = qcow2_refblock_get(s, block, cluster & (s->refcount_block_size - 1));
    if (absolute) {
        nrc = value;
    } else if (addend < 0 && rc < (uint64_t)-addend) {
        ret = -ERANGE;
        goto out;
    } else {
        nrc = rc + addend;
    }
    if (nrc > s->refcount_max || (addend > 0 && nrc < rc)) {
        ret = -ERANGE;
        goto out;
    }
    qcow2_refblock_set(s, block, cluster & (s->refcount_block_size - 1), nrc);
    qcow2_cache_mark_dirty(s->refcount_cache, block);
    if (nrc == 0) {
        if (cluster < s->free_cluster_index) {
            s->free_cluster_index = cluster;
        }
        qcow2_cache_discard(s->l2_cache, cluster << s->cluster_bits);
        /* Never append compressed data to a cluster that was freed (it may be
         * reused for anything). */
        if (s->free_byte_offset >> s->cluster_bits == cluster) {
            s->free_byte_offset = 0;
        }
    }
out:
    qcow2_cache_put(s->refcount_cache, &block);
    return ret;
}

int qcow2_update_refcount(BlockDriverState *bs, uint64_t offset, uint64_t length,
                          int64_t addend)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t first, last;
    int ret = 0;

    if (length == 0 || addend == 0) {
        return 0;
    }
    first = offset >> s->cluster_bits;
    last = (offset + length - 1) >> s->cluster_bits;
    for (uint64_t c = first; c <= last; c++) {
        ret = update_one(bs, c, addend, false, 0);
        if (ret < 0) {
            /* Undo what was done so the update is all or nothing. */
            for (uint64_t u = first; u < c; u++) {
                update_one(bs, u, -addend, false, 0);
            }
            return ret;
        }
    }
    return 0;
}

int qcow2_set_refcount(BlockDriverState *bs, uint64_t cluster_index, uint64_t value)
{
    return update_one(bs, cluster_index, 0, true, value);
}

int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t size)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t nb = (size + s->cluster_size - 1) >> s->cluster_bits;
    int64_t idx;
    int ret;

    if (nb == 0) {
        return -EINVAL;
    }
    /* Refcount blocks for the run may themselves take free clusters: search
     * again until the run is covered by existing blocks. */
    for (;;) {
        bool changed = false;
        idx = find_free_clusters(bs, nb);
        if (idx < 0) {
            return idx;
        }
        for (uint64_t c = idx; c < idx + nb;
             c = ((c >> s->refcount_block_bits) + 1) << s->refcount_block_bits) {
            uint64_t r = c >> s->refcount_block_bits;
            if (r >= s->refcount_table_size || !s->refcount_table[r]) {
                ret = qcow2_refcount_ensure(bs, c);
                if (ret < 0) {
                    return ret;
                }
                changed = true;
            }
        }
        if (!changed) {
            break;
        }
    }
    ret = qcow2_update_refcount(bs, (uint64_t)idx << s->cluster_bits, nb << s->cluster_bits, 1);
    if (ret < 0) {
        return ret;
    }
    s->free_cluster_index = idx + nb;
    return (uint64_t)idx << s->cluster_bits;
}

int64_t qcow2_alloc_clusters_at(BlockDriverState *bs, uint64_t offset, int64_t nb_clusters)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t first = offset >> s->cluster_bits;
    int64_t n = 0;

    for (; n < nb_clusters; n++) {
        uint64_t rc;
        int ret = qcow2_refcount_ensure(bs, first + n);
        if (ret < 0) {
            return ret;
        }
        ret = qcow2_get_refcount(bs, first + n, &rc);
        if (ret < 0) {
            return ret;
        }
        if (rc) {
            break;
        }
        ret = update_one(bs, first + n, 1, false, 0);
        if (ret < 0) {
            return ret;
        }
    }
    return n;
}

/* May the partly used compression cluster at off take one more reference? */
static bool can_share(BlockDriverState *bs, uint64_t off)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t rc;

    return off && qcow2_offset_into_cluster(s, off) &&
           qcow2_get_refcount(bs, off >> s->cluster_bits, &rc) == 0 && rc &&
           rc < s->refcount_max;
}

int64_t qcow2_alloc_bytes(BlockDriverState *bs, int size)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off = s->free_byte_offset;
    uint64_t room = off ? s->cluster_size - qcow2_offset_into_cluster(s, off) : 0;
    bool share = can_share(bs, off);
    int64_t new_cluster = 0;
    int ret;

    if (size <= 0 || size > s->cluster_size) {
        return -EINVAL;
    }
    if (!share || room < (uint64_t)size) {
        new_cluster = qcow2_alloc_clusters(bs, s->cluster_size);
        if (new_cluster < 0) {
            return new_cluster;
        }
        /* Data may run on into the next cluster when that one is adjacent. */
        if (!share || (uint64_t)new_cluster != qcow2_start_of_cluster(s, off) +
                                               s->cluster_size) {
            off = new_cluster;
            share = false;
        }
    }
    if (share) {
        ret = qcow2_update_refcount(bs, off, 1, 1);
        if (ret < 0) {
            if (new_cluster) {
                qcow2_free_clusters(bs, new_cluster, s->cluster_size);
            }
            return ret;
        }
    }
    s->free_byte_offset = off + size;
    if (qcow2_offset_into_cluster(s, s->free_byte_offset) == 0) {
        s->free_byte_offset = 0;
    }
    return off;
}

void qcow2_free_clusters(BlockDriverState *bs, uint64_t offset, uint64_t size)
{
    BDRVQcow2State *s = bs->opaque;

    /* A failure here only leaks clusters, which check can repair. */
    if (qcow2_update_refcount(bs, offset, size, -1) < 0) {
        s->free_byte_offset = 0;
    }
}

void qcow2_free_any_cluster(BlockDriverState *bs, uint64_t l2_entry, int nb_clusters)
{
    BDRVQcow2State *s = bs->opaque;

    switch (qcow2_get_cluster_type(s, l2_entry)) {
    case QCOW2_CLUSTER_COMPRESSED: {
        uint64_t first;
        int n;
        qcow2_compressed_clusters(s, l2_entry, &first, &n);
        qcow2_free_clusters(bs, first, (uint64_t)n << s->cluster_bits);
        break;
    }
    case QCOW2_CLUSTER_NORMAL:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        if (qcow2_has_data_file(s)) {
            break;          /* data file clusters are not refcounted */
        }
        if (qcow2_offset_valid(s, l2_entry & L2E_OFFSET_MASK)) {
            qcow2_free_clusters(bs, l2_entry & L2E_OFFSET_MASK,
                                (uint64_t)nb_clusters << s->cluster_bits);
        }
        break;
    default:
        break;
    }
}
