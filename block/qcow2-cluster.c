/*
 * qcow2 guest-to-host mapping: L1 and L2 entries, their types (clusters,
 * extended-L2 subclusters, compressed descriptors), L2 tables through the
 * cache, L1 growth and L2 allocation, and the extent lookup that reads,
 * writes and block status share.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>
#include "block/qcow2.h"

/* ---- Entries ---- */

static inline uint64_t be64_at(const uint64_t *p)
{
    return GUINT64_FROM_BE(*p);
}

uint64_t qcow2_get_l2_entry(const BDRVQcow2State *s, const uint64_t *l2, int idx)
{
    return be64_at(&l2[(size_t)idx * (s->l2_entry_size / 8)]);
}

uint64_t qcow2_get_l2_bitmap(const BDRVQcow2State *s, const uint64_t *l2, int idx)
{
    return s->extended_l2 ? be64_at(&l2[(size_t)idx * 2 + 1]) : 0;
}

void qcow2_set_l2_entry(const BDRVQcow2State *s, uint64_t *l2, int idx, uint64_t entry)
{
    l2[(size_t)idx * (s->l2_entry_size / 8)] = GUINT64_TO_BE(entry);
}

void qcow2_set_l2_bitmap(const BDRVQcow2State *s, uint64_t *l2, int idx, uint64_t bitmap)
{
    if (s->extended_l2) {
        l2[(size_t)idx * 2 + 1] = GUINT64_TO_BE(bitmap);
    }
}

Qcow2ClusterType qcow2_get_cluster_type(const BDRVQcow2State *s, uint64_t l2_entry)
{
    if (l2_entry & QCOW_OFLAG_COMPRESSED) {
        return QCOW2_CLUSTER_COMPRESSED;
    }
    if ((l2_entry & QCOW_OFLAG_ZERO) && !s->extended_l2) {
        return (l2_entry & L2E_OFFSET_MASK) ? QCOW2_CLUSTER_ZERO_ALLOC
                                            : QCOW2_CLUSTER_ZERO_PLAIN;
    }
    if (!(l2_entry & L2E_OFFSET_MASK)) {
        /* With a data file, host offset 0 is valid when COPIED says so. */
        if (qcow2_has_data_file(s) && (l2_entry & QCOW_OFLAG_COPIED)) {
            return QCOW2_CLUSTER_NORMAL;
        }
        return QCOW2_CLUSTER_UNALLOCATED;
    }
    return QCOW2_CLUSTER_NORMAL;
}

Qcow2SubclusterType qcow2_get_subcluster_type(const BDRVQcow2State *s, uint64_t l2_entry,
                                              uint64_t l2_bitmap, int sc)
{
    Qcow2ClusterType t = qcow2_get_cluster_type(s, l2_entry);
    uint32_t alloc, zero;

    if (!s->extended_l2) {
        switch (t) {
        case QCOW2_CLUSTER_COMPRESSED: return QCOW2_SUBCLUSTER_COMPRESSED;
        case QCOW2_CLUSTER_ZERO_PLAIN: return QCOW2_SUBCLUSTER_ZERO_PLAIN;
        case QCOW2_CLUSTER_ZERO_ALLOC: return QCOW2_SUBCLUSTER_ZERO_ALLOC;
        case QCOW2_CLUSTER_NORMAL: return QCOW2_SUBCLUSTER_NORMAL;
        default: return QCOW2_SUBCLUSTER_UNALLOCATED_PLAIN;
        }
    }
    if (t == QCOW2_CLUSTER_COMPRESSED) {
        return l2_bitmap ? QCOW2_SUBCLUSTER_INVALID : QCOW2_SUBCLUSTER_COMPRESSED;
    }
    alloc = qcow2_bitmap_alloc(l2_bitmap);
    zero = qcow2_bitmap_zero(l2_bitmap);
    if (alloc & zero) {
        return QCOW2_SUBCLUSTER_INVALID;
    }
    if (t == QCOW2_CLUSTER_UNALLOCATED) {
        if (alloc) {
            return QCOW2_SUBCLUSTER_INVALID;
        }
        return (zero >> sc) & 1 ? QCOW2_SUBCLUSTER_ZERO_PLAIN
                                : QCOW2_SUBCLUSTER_UNALLOCATED_PLAIN;
    }
    if ((alloc >> sc) & 1) {
        return QCOW2_SUBCLUSTER_NORMAL;
    }
    return (zero >> sc) & 1 ? QCOW2_SUBCLUSTER_ZERO_ALLOC
                            : QCOW2_SUBCLUSTER_UNALLOCATED_ALLOC;
}

void qcow2_compressed_decode(const BDRVQcow2State *s, uint64_t l2_entry,
                             uint64_t *host_offset, uint64_t *nb_bytes)
{
    uint64_t host = l2_entry & s->cluster_offset_mask;
    uint64_t sectors = ((l2_entry >> s->csize_shift) & s->csize_mask) + 1;

    *host_offset = host;
    *nb_bytes = sectors * 512 - (host & 511);
}

uint64_t qcow2_compressed_encode(const BDRVQcow2State *s, uint64_t host_offset,
                                 uint64_t size)
{
    uint64_t extra = ((host_offset + size - 1) >> 9) - (host_offset >> 9);

    return QCOW_OFLAG_COMPRESSED | (extra << s->csize_shift) | host_offset;
}

void qcow2_compressed_clusters(const BDRVQcow2State *s, uint64_t l2_entry,
                               uint64_t *first_cluster_off, int *nb_clusters)
{
    uint64_t host, bytes, last;

    qcow2_compressed_decode(s, l2_entry, &host, &bytes);
    *first_cluster_off = qcow2_start_of_cluster(s, host);
    last = qcow2_start_of_cluster(s, host + bytes - 1);
    *nb_clusters = (int)((last - *first_cluster_off) >> s->cluster_bits) + 1;
}

bool qcow2_offset_valid(const BDRVQcow2State *s, uint64_t offset)
{
    return offset != 0 && qcow2_offset_into_cluster(s, offset) == 0 &&
           offset < (1ULL << 56);
}

bool qcow2_overlaps_metadata(BlockDriverState *bs, uint64_t offset, uint64_t len)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t end = offset + len;

    if (offset < (uint64_t)s->cluster_size) {
        return true;
    }
    if (offset < s->l1_table_offset + (uint64_t)s->l1_size * 8 && end > s->l1_table_offset) {
        return true;
    }
    return offset < s->refcount_table_offset + (uint64_t)s->refcount_table_size * 8 &&
           end > s->refcount_table_offset;
}

/* ---- L2 tables ---- */

int qcow2_l2_get(BlockDriverState *bs, uint64_t l2_offset, uint64_t **l2)
{
    BDRVQcow2State *s = bs->opaque;
    void *t;
    int ret;

    if (!qcow2_offset_valid(s, l2_offset)) {
        qcow2_signal_corruption(bs, "L2 table offset %#" PRIx64 " unaligned or invalid",
                                l2_offset);
        return -EIO;
    }
    ret = qcow2_cache_get(bs, s->l2_cache, l2_offset, &t);
    *l2 = t;
    return ret;
}

void qcow2_l2_put(BlockDriverState *bs, uint64_t **l2)
{
    BDRVQcow2State *s = bs->opaque;
    void *t = *l2;

    qcow2_cache_put(s->l2_cache, &t);
    *l2 = NULL;
}

void qcow2_l2_mark_dirty(BlockDriverState *bs, uint64_t *l2)
{
    BDRVQcow2State *s = bs->opaque;

    qcow2_cache_mark_dirty(s->l2_cache, l2);
}

/* The L2 offset for an L1 index; 0 when none, -EIO when the entry is bad. */
static int64_t l2_offset_of(BlockDriverState *bs, uint64_t l1_index)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t e;

    if (l1_index >= s->l1_size) {
        return 0;
    }
    e = s->l1_table[l1_index];
    if (e & L1E_RESERVED_MASK) {
        qcow2_signal_corruption(bs, "Reserved bits set in L1 entry %" PRIu64, l1_index);
        return -EIO;
    }
    e &= L1E_OFFSET_MASK;
    if (e && !qcow2_offset_valid(s, e)) {
        qcow2_signal_corruption(bs, "L2 table offset %#" PRIx64 " unaligned (L1 index: %#"
                                PRIx64 ")", e, l1_index);
        return -EIO;
    }
    return e;
}

int qcow2_get_l2_entry_for(BlockDriverState *bs, uint64_t guest_offset,
                           uint64_t *l2_entry, uint64_t *l2_bitmap)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t l2_off = l2_offset_of(bs, qcow2_l1_index(s, guest_offset));
    uint64_t *l2;
    int ret;

    *l2_entry = 0;
    *l2_bitmap = 0;
    if (l2_off <= 0) {
        return l2_off;
    }
    ret = qcow2_l2_get(bs, l2_off, &l2);
    if (ret < 0) {
        return ret;
    }
    *l2_entry = qcow2_get_l2_entry(s, l2, qcow2_l2_index(s, guest_offset));
    *l2_bitmap = qcow2_get_l2_bitmap(s, l2, qcow2_l2_index(s, guest_offset));
    qcow2_l2_put(bs, &l2);
    return 0;
}

/* ---- L1 ---- */

int qcow2_write_l1_entry(BlockDriverState *bs, int l1_index)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t be = GUINT64_TO_BE(s->l1_table[l1_index]);

    return bdrv_pwrite(bs->file, s->l1_table_offset + (uint64_t)l1_index * 8, 8, &be, 0);
}

int qcow2_grow_l1_table(BlockDriverState *bs, uint64_t min_size, bool exact)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t new_size = min_size, bytes;
    uint64_t *table;
    int64_t new_off;
    uint8_t hdr[12];
    uint32_t be32;
    uint64_t be64, old_off = s->l1_table_offset, old_size = s->l1_size;
    int ret;

    if (min_size <= s->l1_size) {
        return 0;
    }
    if (!exact) {
        uint64_t grown = s->l1_size ? s->l1_size : 1;
        while (grown < min_size) {
            grown = (grown * 3 + 1) / 2;
        }
        new_size = grown;
    }
    if (new_size > QCOW2_MAX_L1_SIZE) {
        new_size = QCOW2_MAX_L1_SIZE;
        if (min_size > new_size) {
            return -EFBIG;
        }
    }
    bytes = ROUND_UP(new_size * 8, (uint64_t)s->cluster_size);
    table = g_try_malloc0(bytes);
    if (!table) {
        return -ENOMEM;
    }
    new_off = qcow2_alloc_clusters(bs, bytes);
    if (new_off < 0) {
        g_free(table);
        return new_off;
    }
    for (uint32_t i = 0; i < s->l1_size; i++) {
        table[i] = GUINT64_TO_BE(s->l1_table[i]);
    }
    ret = qcow2_write_caches(bs);
    if (ret >= 0) {
        /* Only the entries, as QEMU writes them (the file may end there). */
        ret = bdrv_pwrite(bs->file, new_off, new_size * 8, table, 0);
    }
    if (ret >= 0) {
        ret = qcow2_barrier(bs, false);
    }
    if (ret < 0) {
        qcow2_free_clusters(bs, new_off, bytes);
        g_free(table);
        return ret;
    }
    /* Switch l1_size and l1_table_offset (adjacent header fields) at once. */
    be32 = GUINT32_TO_BE((uint32_t)new_size);
    be64 = GUINT64_TO_BE((uint64_t)new_off);
    memcpy(hdr, &be32, 4);
    memcpy(hdr + 4, &be64, 8);
    ret = bdrv_pwrite(bs->file, 36, 12, hdr, 0);
    if (ret < 0) {
        qcow2_free_clusters(bs, new_off, bytes);
        g_free(table);
        return ret;
    }
    for (uint64_t i = 0; i < new_size; i++) {
        table[i] = GUINT64_FROM_BE(table[i]);
    }
    g_free(s->l1_table);
    s->l1_table = table;
    s->l1_size = new_size;
    s->l1_table_offset = new_off;
    s->header.l1_size = new_size;
    s->header.l1_table_offset = new_off;
    ret = qcow2_barrier(bs, false);
    if (old_off) {
        qcow2_free_clusters(bs, old_off, ROUND_UP(old_size * 8, (uint64_t)s->cluster_size));
    }
    return ret < 0 ? ret : 0;
}

int qcow2_get_l2_for_write(BlockDriverState *bs, uint64_t guest_offset, uint64_t **l2)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t l1i = qcow2_l1_index(s, guest_offset);
    uint64_t *old = NULL, *newt;
    int64_t old_off, new_off;
    int ret;

    if (l1i >= s->l1_size) {
        ret = qcow2_grow_l1_table(bs, l1i + 1, false);
        if (ret < 0) {
            return ret;
        }
    }
    old_off = l2_offset_of(bs, l1i);
    if (old_off < 0) {
        return old_off;
    }
    if (old_off && (s->l1_table[l1i] & QCOW_OFLAG_COPIED)) {
        return qcow2_l2_get(bs, old_off, l2);
    }
    /* A new table, or a private copy of one shared with snapshots. */
    new_off = qcow2_alloc_clusters(bs, s->cluster_size);
    if (new_off < 0) {
        return new_off;
    }
    if (old_off) {
        ret = qcow2_l2_get(bs, old_off, &old);
        if (ret < 0) {
            goto fail;
        }
    }
    ret = qcow2_cache_get_empty(bs, s->l2_cache, new_off, (void **)&newt);
    if (ret < 0) {
        qcow2_l2_put(bs, &old);
        goto fail;
    }
    if (old) {
        memcpy(newt, old, s->cluster_size);
        qcow2_l2_put(bs, &old);
    }
    qcow2_l2_mark_dirty(bs, newt);
    ret = qcow2_write_caches(bs);
    if (ret >= 0) {
        ret = qcow2_barrier(bs, false);
    }
    if (ret < 0) {
        qcow2_l2_put(bs, &newt);
        goto fail;
    }
    s->l1_table[l1i] = (uint64_t)new_off | QCOW_OFLAG_COPIED;
    ret = qcow2_write_l1_entry(bs, l1i);
    if (ret < 0) {
        s->l1_table[l1i] = old_off;
        qcow2_l2_put(bs, &newt);
        goto fail;
    }
    if (old_off) {
        qcow2_free_clusters(bs, old_off, s->cluster_size);
    }
    *l2 = newt;
    return 0;
fail:
    qcow2_free_clusters(bs, new_off, s->cluster_size);
    return ret;
}

/* ---- Extents ---- */

/* Validate the host offset of a normal or preallocated entry. */
static int check_host_offset(BlockDriverState *bs, uint64_t entry, uint64_t guest_off)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t host = entry & L2E_OFFSET_MASK;

    if (qcow2_offset_into_cluster(s, host)) {
        qcow2_signal_corruption(bs, "Cluster allocation offset %#" PRIx64 " unaligned "
                                "(guest offset: %#" PRIx64 ")", host, guest_off);
        return -EIO;
    }
    return 0;
}

static bool type_has_host(Qcow2SubclusterType t)
{
    return t == QCOW2_SUBCLUSTER_NORMAL || t == QCOW2_SUBCLUSTER_ZERO_ALLOC ||
           t == QCOW2_SUBCLUSTER_UNALLOCATED_ALLOC;
}

int qcow2_map_extent(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                     Qcow2Extent *ext)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t l1i = qcow2_l1_index(s, offset);
    uint64_t table_span = (uint64_t)s->cluster_size << s->l2_bits;
    uint64_t table_end = (offset / table_span + 1) * table_span;
    uint64_t limit = MIN(offset + bytes, table_end);
    uint64_t *l2 = NULL;
    uint64_t pos = offset;
    int64_t l2_off;
    int ret = 0;
    bool first = true;

    memset(ext, 0, sizeof(*ext));
    l2_off = l2_offset_of(bs, l1i);
    if (l2_off < 0) {
        return l2_off;
    }
    if (!l2_off) {
        ext->type = QCOW2_SUBCLUSTER_UNALLOCATED_PLAIN;
        ext->bytes = limit - offset;
        return 0;
    }
    ret = qcow2_l2_get(bs, l2_off, &l2);
    if (ret < 0) {
        return ret;
    }
    while (pos < limit) {
        int idx = qcow2_l2_index(s, pos);
        uint64_t entry = qcow2_get_l2_entry(s, l2, idx);
        uint64_t bitmap = qcow2_get_l2_bitmap(s, l2, idx);
        uint64_t in_cluster = qcow2_offset_into_cluster(s, pos);
        int sc = in_cluster >> s->subcluster_bits;
        Qcow2SubclusterType t = qcow2_get_subcluster_type(s, entry, bitmap, sc);
        uint64_t host = (entry & L2E_OFFSET_MASK) + in_cluster;
        uint64_t sc_end = qcow2_start_of_cluster(s, pos) +
                          ((uint64_t)(sc + 1) << s->subcluster_bits);

        if (t == QCOW2_SUBCLUSTER_INVALID) {
            qcow2_signal_corruption(bs, "Invalid cluster entry found (L2 offset: %#" PRIx64
                                    ", L2 index: %#x)", (uint64_t)l2_off, idx);
            ret = -EIO;
            break;
        }
        if (type_has_host(t)) {
            ret = check_host_offset(bs, entry, pos);
            if (ret < 0) {
                break;
            }
        }
        if (first) {
            ext->type = t;
            ext->host = host;
            ext->l2_entry = entry;
            first = false;
        } else if (t != ext->type || t == QCOW2_SUBCLUSTER_COMPRESSED ||
                   (type_has_host(t) && host != ext->host + (pos - offset))) {
            break;
        }
        if (t == QCOW2_SUBCLUSTER_COMPRESSED) {
            /* One compressed cluster per extent. */
            pos = qcow2_start_of_cluster(s, pos) + s->cluster_size;
            break;
        }
        pos = sc_end;
    }
    qcow2_l2_put(bs, &l2);
    if (ret < 0) {
        return ret;
    }
    ext->bytes = MIN(pos, limit) - offset;
    return 0;
}
