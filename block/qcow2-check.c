/*
 * qcow2 consistency check and repair (qemu-img check): rebuild the reference
 * counts every cluster should have by walking all metadata, compare them with
 * the stored refcounts, report leaks and corruptions in QEMU's words on
 * stderr, and repair them (refcount fixes, a full rebuild of the refcount
 * structures when they are broken themselves, COPIED flags, the snapshot
 * table, the dirty and corrupt bits).
 *
 * The walk reads metadata straight from the file (after writing back the
 * caches) and never trusts it: every offset is checked before it is used.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <glib.h>
#include "block/qcow2-maint.h"

typedef struct CheckCtx {
    BlockDriverState *bs;
    BDRVQcow2State *s;
    BdrvCheckResult *res;
    int fix;
    Qcow2mRefs r;               /* references found, per host cluster */
    int64_t file_len;
    bool rebuild;               /* the refcount structure itself is broken */
    bool frag_info;             /* count allocation statistics on this walk */
    /* stored refcounts: one refcount block read at a time */
    uint8_t *rb_buf;
    int64_t rb_index;           /* refcount table index in rb_buf, -1: none */
} CheckCtx;

static uint64_t ref_max(const CheckCtx *c)
{
    return MIN(c->s->refcount_max, (uint64_t)UINT32_MAX);
}

static int grow_refs(CheckCtx *c, int64_t n)
{
    int ret = qcow2m_refs_grow(&c->r, n);

    if (ret < 0) {
        c->res->check_errors++;
    }
    return ret;
}

/* Count one reference to every cluster of [offset, offset + size). */
static int inc_refs(CheckCtx *c, uint64_t offset, uint64_t size)
{
    BDRVQcow2State *s = c->s;
    uint64_t first, last;
    int ret;

    if (size == 0) {
        return 0;
    }
    /* The last cluster may be partly past the end of the file, no more. */
    if (offset > (uint64_t)INT64_MAX - size ||
        offset + size >= (uint64_t)c->file_len + s->cluster_size) {
        fprintf(stderr, "ERROR: counting reference for region exceeding the end of the "
                "file by one cluster or more: offset 0x%" PRIx64 " size 0x%" PRIx64 "\n",
                offset, size);
        c->res->corruptions++;
        return 0;
    }
    first = offset >> s->cluster_bits;
    last = (offset + size - 1) >> s->cluster_bits;
    ret = grow_refs(c, last + 1);
    if (ret < 0) {
        return ret;
    }
    for (uint64_t k = first; k <= last; k++) {
        if (c->r.ref[k] >= ref_max(c)) {
            fprintf(stderr, "ERROR: overflow cluster offset=0x%" PRIx64 "\n",
                    k << s->cluster_bits);
            fprintf(stderr, "Use qemu-img amend to increase the refcount entry width or "
                    "qemu-img convert to create a clean copy if the image cannot be "
                    "opened for writing\n");
            c->res->corruptions++;
            continue;
        }
        c->r.ref[k]++;
    }
    return 0;
}

/* ---- Stored refcounts, read from the file without side effects ---- */

static int stored_refcount(CheckCtx *c, int64_t cluster, uint64_t *rc)
{
    BDRVQcow2State *s = c->s;
    uint64_t rt = (uint64_t)cluster >> s->refcount_block_bits, off;
    int ret;

    *rc = 0;
    if (rt >= s->refcount_table_size) {
        return 0;
    }
    off = s->refcount_table[rt] & REFT_OFFSET_MASK;
    if (!off) {
        return 0;
    }
    if (qcow2_offset_into_cluster(s, off)) {
        return -EIO;
    }
    if (c->rb_index != (int64_t)rt) {
        ret = bdrv_file_pread(c->bs, off, s->cluster_size, c->rb_buf);
        if (ret < 0) {
            c->rb_index = -1;
            return ret;
        }
        c->rb_index = rt;
    }
    *rc = qcow2_refblock_get(s, c->rb_buf, cluster & (s->refcount_block_size - 1));
    return 0;
}

/* After refcounts changed through the cache: write it and forget our copy. */
static int sync_refcounts(CheckCtx *c)
{
    c->rb_index = -1;
    return qcow2_write_caches(c->bs);
}

/* ---- Walking the metadata ---- */

static const char *fix_word(const CheckCtx *c)
{
    return (c->fix & BDRV_FIX_ERRORS) ? "Repairing" : "ERROR";
}

/* An unaligned host offset in an entry that holds no data: make it a plain zero. */
static int repair_prealloc(CheckCtx *c, uint64_t *l2, uint64_t l2_offset, int i)
{
    BDRVQcow2State *s = c->s;
    uint64_t pos = l2_offset + (uint64_t)i * s->l2_entry_size;
    int ret;

    qcow2_set_l2_entry(s, l2, i, s->extended_l2 ? 0 : QCOW_OFLAG_ZERO);
    if (qcow2_overlaps_metadata(c->bs, pos, s->l2_entry_size)) {
        fprintf(stderr, "ERROR: Overlap check failed\n");
        c->res->check_errors++;
        return -EIO;
    }
    ret = bdrv_pwrite(c->bs->file, pos, s->l2_entry_size,
                      (uint8_t *)l2 + (uint64_t)i * s->l2_entry_size, 0);
    if (ret < 0) {
        fprintf(stderr, "ERROR: Failed to overwrite L2 table entry: %s\n", strerror(-ret));
        c->res->check_errors++;
        return ret;
    }
    qcow2_cache_discard(s->l2_cache, l2_offset);
    c->res->corruptions--;
    c->res->corruptions_fixed++;
    return 0;
}

static int check_compressed(CheckCtx *c, int i, uint64_t e, uint64_t bitmap)
{
    BDRVQcow2State *s = c->s;
    uint64_t host, bytes;

    if (e & QCOW_OFLAG_COPIED) {
        fprintf(stderr, "ERROR: coffset=0x%" PRIx64 ": copied flag must never be set for "
                "compressed clusters\n", e & s->cluster_offset_mask);
        e &= ~QCOW_OFLAG_COPIED;
        c->res->corruptions++;
    }
    if (qcow2_has_data_file(s)) {
        fprintf(stderr, "ERROR compressed cluster %d with data file, entry=0x%" PRIx64 "\n",
                i, e);
        c->res->corruptions++;
        return 0;
    }
    if (bitmap) {
        fprintf(stderr, "ERROR compressed cluster %d with non-zero subcluster allocation "
                "bitmap, entry=0x%" PRIx64 "\n", i, e);
        c->res->corruptions++;
        return 0;
    }
    qcow2_compressed_decode(s, e, &host, &bytes);
    if (c->frag_info) {
        /* compressed clusters share sectors: fragmented by nature */
        c->res->allocated_clusters++;
        c->res->compressed_clusters++;
        c->res->fragmented_clusters++;
    }
    return inc_refs(c, host, bytes);
}

/* A standard (or preallocated zero) cluster; returns 1 when the entry was cleared. */
static int check_standard(CheckCtx *c, uint64_t *l2, uint64_t l2_offset, int i,
                          uint64_t *next_contig)
{
    BDRVQcow2State *s = c->s;
    uint64_t e = qcow2_get_l2_entry(s, l2, i), bitmap = qcow2_get_l2_bitmap(s, l2, i);
    uint64_t off = e & L2E_OFFSET_MASK;
    int ret;

    if ((bitmap >> 32) & bitmap) {
        c->res->corruptions++;
        fprintf(stderr, "ERROR offset=%" PRIx64 ": Allocated cluster has corrupted "
                "subcluster allocation bitmap\n", off);
    }
    if (qcow2_offset_into_cluster(s, off)) {
        bool has_data = s->extended_l2 ? (bitmap & QCOW_L2_BITMAP_ALL_ALLOC) != 0
                                       : !(e & QCOW_OFLAG_ZERO);
        c->res->corruptions++;
        if (!has_data) {
            fprintf(stderr, "%s offset=%" PRIx64 ": Preallocated cluster is not properly "
                    "aligned; L2 entry corrupted.\n", fix_word(c), off);
            if (c->fix & BDRV_FIX_ERRORS) {
                ret = repair_prealloc(c, l2, l2_offset, i);
                return ret < 0 ? ret : 1;
            }
        } else {
            fprintf(stderr, "ERROR offset=%" PRIx64 ": Data cluster is not properly aligned; "
                    "L2 entry corrupted.\n", off);
        }
    }
    if (c->frag_info) {
        c->res->allocated_clusters++;
        if (*next_contig && off != *next_contig) {
            c->res->fragmented_clusters++;
        }
        *next_contig = off + s->cluster_size;
    }
    if (qcow2_has_data_file(s)) {
        return 0;
    }
    return inc_refs(c, off, s->cluster_size);
}

static int check_l2(CheckCtx *c, uint64_t l2_offset)
{
    BDRVQcow2State *s = c->s;
    uint64_t *l2 = g_malloc(s->cluster_size), next_contig = 0;
    int ret = bdrv_file_pread(c->bs, l2_offset, s->cluster_size, l2);

    if (ret < 0) {
        fprintf(stderr, "ERROR: I/O error in check_refcounts_l2\n");
        c->res->check_errors++;
        goto out;
    }
    for (int i = 0; i < s->l2_size && ret >= 0; i++) {
        uint64_t e = qcow2_get_l2_entry(s, l2, i), bitmap = qcow2_get_l2_bitmap(s, l2, i);
        Qcow2ClusterType type = qcow2_get_cluster_type(s, e);

        if (type != QCOW2_CLUSTER_COMPRESSED && (e & L2E_RESERVED_MASK)) {
            fprintf(stderr, "ERROR found l2 entry with reserved bits set: %" PRIx64 "\n", e);
            c->res->corruptions++;
        }
        switch (type) {
        case QCOW2_CLUSTER_COMPRESSED:
            ret = check_compressed(c, i, e, bitmap);
            break;
        case QCOW2_CLUSTER_NORMAL:
        case QCOW2_CLUSTER_ZERO_ALLOC:
            ret = check_standard(c, l2, l2_offset, i, &next_contig);
            break;
        case QCOW2_CLUSTER_UNALLOCATED:
            if (bitmap & QCOW_L2_BITMAP_ALL_ALLOC) {
                c->res->corruptions++;
                fprintf(stderr, "ERROR: Unallocated cluster has non-zero subcluster "
                        "allocation map\n");
            }
            break;
        default:
            break;
        }
    }
out:
    g_free(l2);
    return ret < 0 ? ret : 0;
}

static int check_l1(CheckCtx *c, uint64_t l1_offset, uint32_t l1_size)
{
    BDRVQcow2State *s = c->s;
    uint64_t *l1;
    int ret;

    if (!l1_size) {
        return 0;
    }
    ret = inc_refs(c, l1_offset, (uint64_t)l1_size * 8);
    if (ret < 0) {
        return ret;
    }
    l1 = g_try_new(uint64_t, l1_size);
    if (!l1) {
        c->res->check_errors++;
        return -ENOMEM;
    }
    ret = bdrv_file_pread(c->bs, l1_offset, (uint64_t)l1_size * 8, l1);
    if (ret < 0) {
        fprintf(stderr, "ERROR: I/O error in check_refcounts_l1\n");
        c->res->check_errors++;
        goto out;
    }
    for (uint32_t i = 0; i < l1_size; i++) {
        uint64_t e = GUINT64_FROM_BE(l1[i]), l2_offset = e & L1E_OFFSET_MASK;

        if (!e) {
            continue;
        }
        if (e & L1E_RESERVED_MASK) {
            fprintf(stderr, "ERROR found L1 entry with reserved bits set: %" PRIx64 "\n", e);
            c->res->corruptions++;
        }
        if (!l2_offset) {
            continue;
        }
        ret = inc_refs(c, l2_offset, s->cluster_size);
        if (ret < 0) {
            goto out;
        }
        if (qcow2_offset_into_cluster(s, l2_offset)) {
            fprintf(stderr, "ERROR l2_offset=%" PRIx64 ": Table is not cluster aligned; L1 "
                    "entry corrupted\n", l2_offset);
            c->res->corruptions++;
        }
        ret = check_l2(c, l2_offset);
        if (ret < 0) {
            goto out;
        }
    }
out:
    g_free(l1);
    return ret;
}

static int check_snapshot_l1s(CheckCtx *c)
{
    BDRVQcow2State *s = c->s;
    int ret;

    if (qcow2_has_data_file(s) && s->nb_snapshots) {
        fprintf(stderr, "ERROR %d snapshots in image with data file\n", s->nb_snapshots);
        c->res->corruptions++;
    }
    for (int i = 0; i < s->nb_snapshots; i++) {
        Qcow2Snapshot *sn = &s->snapshots[i];

        if (qcow2_offset_into_cluster(s, sn->l1_table_offset)) {
            fprintf(stderr, "ERROR snapshot %s (%s) l1_offset=%#" PRIx64 ": L1 table is not "
                    "cluster aligned; snapshot table entry corrupted\n", sn->id_str, sn->name,
                    sn->l1_table_offset);
            c->res->corruptions++;
            continue;
        }
        if (sn->l1_size > QCOW2_MAX_L1_SIZE) {
            fprintf(stderr, "ERROR snapshot %s (%s) l1_size=%#" PRIx32 ": L1 table is too "
                    "large; snapshot table entry corrupted\n", sn->id_str, sn->name,
                    sn->l1_size);
            c->res->corruptions++;
            continue;
        }
        ret = check_l1(c, sn->l1_table_offset, sn->l1_size);
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

/* Persistent bitmaps: directory, bitmap tables and their data clusters. */
static int check_bitmaps(CheckCtx *c)
{
    BDRVQcow2State *s = c->s;
    const uint8_t *ext = s->bitmaps_ext;
    uint64_t dir_size, dir_offset, pos = 0;
    uint8_t *dir;
    int ret;

    if (!ext || s->bitmaps_ext_len < 24 || !(s->autoclear_features & QCOW2_AUTOCLEAR_BITMAPS)) {
        return 0;
    }
    memcpy(&dir_offset, ext + 16, 8);
    memcpy(&dir_size, ext + 8, 8);
    dir_offset = GUINT64_FROM_BE(dir_offset);
    dir_size = GUINT64_FROM_BE(dir_size);
    if (dir_size == 0 || dir_size > 64 * 1024 * 1024 || qcow2_offset_into_cluster(s, dir_offset)) {
        fprintf(stderr, "ERROR bitmap directory is invalid (offset 0x%" PRIx64 " size "
                "%" PRIu64 ")\n", dir_offset, dir_size);
        c->res->corruptions++;
        return 0;
    }
    ret = inc_refs(c, dir_offset, dir_size);
    if (ret < 0) {
        return ret;
    }
    dir = g_malloc(dir_size);
    ret = bdrv_file_pread(c->bs, dir_offset, dir_size, dir);
    while (ret >= 0 && pos + 24 <= dir_size) {
        uint64_t tab_off, *tab;
        uint32_t tab_size, extra;
        uint16_t name_size;

        memcpy(&tab_off, dir + pos, 8);
        tab_off = GUINT64_FROM_BE(tab_off);
        tab_size = ((uint32_t)dir[pos + 8] << 24) | (dir[pos + 9] << 16) |
                   (dir[pos + 10] << 8) | dir[pos + 11];
        name_size = (dir[pos + 18] << 8) | dir[pos + 19];
        extra = ((uint32_t)dir[pos + 20] << 24) | (dir[pos + 21] << 16) |
                (dir[pos + 22] << 8) | dir[pos + 23];
        pos = QCOW2M_ALIGN_UP(pos + 24 + (uint64_t)extra + name_size, 8);
        if (qcow2_offset_into_cluster(s, tab_off) || tab_size > (1u << 27)) {
            fprintf(stderr, "ERROR bitmap table at 0x%" PRIx64 " is invalid\n", tab_off);
            c->res->corruptions++;
            continue;
        }
        ret = inc_refs(c, tab_off, (uint64_t)tab_size * 8);
        if (ret < 0 || !tab_size ||
            tab_off + (uint64_t)tab_size * 8 > (uint64_t)c->file_len + s->cluster_size) {
            continue;              /* past the end: already reported */
        }
        tab = g_try_malloc((uint64_t)tab_size * 8);
        if (!tab) {
            ret = -ENOMEM;
            break;
        }
        ret = bdrv_file_pread(c->bs, tab_off, (uint64_t)tab_size * 8, tab);
        for (uint32_t i = 0; ret >= 0 && i < tab_size; i++) {
            uint64_t e = GUINT64_FROM_BE(tab[i]), off = e & L2E_OFFSET_MASK;
            if ((e & 0xff000000000001feULL) || (off && ((e & 1) || qcow2_offset_into_cluster(s, off)))) {
                c->res->corruptions++;
                continue;
            }
            if (off) {
                ret = inc_refs(c, off, s->cluster_size);
            }
        }
        g_free(tab);
    }
    g_free(dir);
    if (ret < 0) {
        c->res->check_errors++;
    }
    return ret < 0 ? ret : 0;
}

/* Grow the file so that an out-of-image refcount block lies inside it. */
static int grow_file_for_refblock(CheckCtx *c, uint64_t offset)
{
    BDRVQcow2State *s = c->s;
    Error *err = NULL;
    int64_t len;
    int ret;

    /* a block far past the end is garbage: let the rebuild replace it rather
     * than growing the file (and our counts) without bound */
    if (offset > (uint64_t)c->file_len + (1ULL << 30)) {
        return -EFBIG;
    }
    ret = bdrv_truncate(c->bs->file, offset + s->cluster_size, false, PREALLOC_MODE_OFF, &err);
    if (ret < 0) {
        error_free(err);
        return ret;
    }
    len = bdrv_getlength(c->bs->file);
    if (len < 0) {
        return len;
    }
    c->file_len = len;
    ret = grow_refs(c, (len + s->cluster_size - 1) >> s->cluster_bits);
    if (ret < 0) {
        return ret;
    }
    return (offset >> s->cluster_bits) < (uint64_t)c->r.used ? 0 : -EINVAL;
}

static int check_refblocks(CheckCtx *c)
{
    BDRVQcow2State *s = c->s;
    int64_t file_clusters;
    int ret;

    for (uint32_t i = 0; i < s->refcount_table_size; i++) {
        uint64_t e = s->refcount_table[i], off = e & REFT_OFFSET_MASK;
        uint64_t cluster = off >> s->cluster_bits;

        if (e & REFT_RESERVED_MASK) {
            fprintf(stderr, "ERROR refcount table entry %" PRIu32 " has reserved bits set\n", i);
            c->res->corruptions++;
            c->rebuild = true;
            continue;
        }
        if (qcow2_offset_into_cluster(s, off)) {
            fprintf(stderr, "ERROR refcount block %" PRIu32 " is not cluster aligned; refcount "
                    "table entry corrupted\n", i);
            c->res->corruptions++;
            c->rebuild = true;
            continue;
        }
        file_clusters = (c->file_len + s->cluster_size - 1) >> s->cluster_bits;
        if (off && cluster >= (uint64_t)file_clusters) {
            c->res->corruptions++;
            fprintf(stderr, "%s refcount block %" PRIu32 " is outside image\n", fix_word(c), i);
            if (c->fix & BDRV_FIX_ERRORS) {
                ret = grow_file_for_refblock(c, off);
                if (ret == -ENOMEM) {
                    return ret;
                }
                if (ret < 0) {
                    c->rebuild = true;
                    fprintf(stderr, "ERROR could not resize image: %s\n", strerror(-ret));
                    continue;
                }
                c->res->corruptions--;
                c->res->corruptions_fixed++;
                ret = inc_refs(c, off, s->cluster_size);
                if (ret < 0) {
                    return ret;
                }
            }
            continue;
        }
        if (off) {
            ret = inc_refs(c, off, s->cluster_size);
            if (ret < 0) {
                return ret;
            }
            if (qcow2m_refs_at(&c->r, cluster) != 1) {
                fprintf(stderr, "ERROR refcount block %" PRIu32 " refcount=%" PRIu32 "\n", i,
                        qcow2m_refs_at(&c->r, cluster));
                c->res->corruptions++;
                c->rebuild = true;
            }
        }
    }
    return 0;
}

/* Walk everything that takes clusters and count the references. */
static int calculate_refcounts(CheckCtx *c)
{
    BDRVQcow2State *s = c->s;
    int ret;

    ret = inc_refs(c, 0, s->cluster_size);
    if (ret == 0) {
        ret = check_l1(c, s->l1_table_offset, s->l1_size);
    }
    c->frag_info = false;
    if (ret == 0) {
        ret = check_snapshot_l1s(c);
    }
    if (ret == 0) {
        ret = inc_refs(c, s->snapshots_offset, s->snapshots_size);
    }
    if (ret == 0) {
        ret = inc_refs(c, s->refcount_table_offset, (uint64_t)s->refcount_table_size * 8);
    }
    if (ret == 0) {
        ret = check_bitmaps(c);
    }
    if (ret == 0) {
        ret = check_refblocks(c);
    }
    return ret;
}

/* Compare found references with stored refcounts; fix what fix allows. */
static void compare_refcounts(CheckCtx *c, int fix, int64_t *highest)
{
    BdrvCheckResult *res = c->res;
    bool changed = false;

    *highest = 0;
    for (int64_t i = 0; i < c->r.used; i++) {
        uint64_t rc1, rc2 = c->r.ref[i];
        int *fixed = NULL;
        int ret = stored_refcount(c, i, &rc1);

        if (ret < 0) {
            fprintf(stderr, "Can't get refcount for cluster %" PRId64 ": %s\n", i,
                    strerror(-ret));
            res->check_errors++;
            continue;
        }
        if (rc1 || rc2) {
            *highest = i;
        }
        if (rc1 == rc2) {
            continue;
        }
        if (rc1 == 0) {
            c->rebuild = true;
        } else if (rc1 > rc2 && (fix & BDRV_FIX_LEAKS)) {
            fixed = &res->leaks_fixed;
        } else if (rc1 < rc2 && (fix & BDRV_FIX_ERRORS)) {
            fixed = &res->corruptions_fixed;
        }
        fprintf(stderr, "%s cluster %" PRId64 " refcount=%" PRIu64 " reference=%" PRIu64 "\n",
                fixed ? "Repairing" : rc1 < rc2 ? "ERROR" : "Leaked", i, rc1, rc2);
        if (fixed && qcow2_set_refcount(c->bs, i, rc2) == 0) {
            (*fixed)++;
            changed = true;
            if (rc2 == 0) {
                /* nothing references it: give the space back, as QEMU does */
                bdrv_pwrite_zeroes(c->bs->file, i << c->s->cluster_bits, c->s->cluster_size,
                                   BDRV_REQ_MAY_UNMAP);
            }
            continue;
        }
        if (rc1 < rc2) {
            res->corruptions++;
        } else {
            res->leaks++;
        }
    }
    if (changed && sync_refcounts(c) < 0) {
        res->check_errors++;
    }
}

/* ---- Rebuilding the refcount structure from the references found ---- */

static int rebuild_refcount_structure(CheckCtx *c)
{
    BDRVQcow2State *s = c->s;
    uint64_t *table;
    uint32_t entries;
    int64_t rt_offset, rt_clusters;
    uint8_t hdr[12];
    int ret;

    qcow2_cache_invalidate(s->refcount_cache);
    ret = qcow2m_write_refcount_structure(c->bs, &c->r, s->refcount_order, &table, &entries,
                                          &rt_offset, &rt_clusters);
    if (ret < 0) {
        c->res->check_errors++;
        return ret;
    }
    for (int k = 0; k < 8; k++) {
        hdr[k] = (uint64_t)rt_offset >> (56 - 8 * k);
    }
    for (int k = 0; k < 4; k++) {
        hdr[8 + k] = (uint64_t)rt_clusters >> (24 - 8 * k);
    }
    ret = bdrv_pwrite(c->bs->file, 48, sizeof(hdr), hdr, 0);
    if (ret == 0) {
        ret = qcow2_barrier(c->bs, false);
    }
    if (ret < 0) {
        error_report("ERROR setting reftable: %s", strerror(-ret));
        g_free(table);
        return ret;
    }
    g_free(s->refcount_table);
    s->refcount_table = table;
    s->refcount_table_offset = rt_offset;
    s->refcount_table_size = entries;
    s->header.refcount_table_offset = rt_offset;
    s->header.refcount_table_clusters = rt_clusters;
    s->free_cluster_index = 0;
    s->free_byte_offset = 0;
    c->rb_index = -1;
    return 0;
}

/* ---- COPIED flags of the active tables ---- */

static int check_oflag_l2(CheckCtx *c, uint64_t l2_offset, bool repair)
{
    BDRVQcow2State *s = c->s;
    uint64_t *l2 = g_malloc(s->cluster_size);
    int dirty = 0, ret = bdrv_file_pread(c->bs, l2_offset, s->cluster_size, l2);

    if (ret < 0) {
        fprintf(stderr, "ERROR: Could not read L2 table: %s\n", strerror(-ret));
        c->res->check_errors++;
        goto out;
    }
    for (int j = 0; j < s->l2_size; j++) {
        uint64_t e = qcow2_get_l2_entry(s, l2, j), rc = 1;
        Qcow2ClusterType t = qcow2_get_cluster_type(s, e);

        if (t != QCOW2_CLUSTER_NORMAL && t != QCOW2_CLUSTER_ZERO_ALLOC) {
            continue;
        }
        if (!qcow2_has_data_file(s) &&
            stored_refcount(c, (e & L2E_OFFSET_MASK) >> s->cluster_bits, &rc) < 0) {
            continue;
        }
        if ((rc == 1) != !!(e & QCOW_OFLAG_COPIED)) {
            c->res->corruptions++;
            fprintf(stderr, "%s OFLAG_COPIED data cluster: l2_entry=%" PRIx64 " refcount=%"
                    PRIu64 "\n", repair ? "Repairing" : "ERROR", e, rc);
            if (repair) {
                qcow2_set_l2_entry(s, l2, j, rc == 1 ? e | QCOW_OFLAG_COPIED
                                                     : e & ~QCOW_OFLAG_COPIED);
                dirty++;
            }
        }
    }
    if (dirty) {
        if (qcow2_overlaps_metadata(c->bs, l2_offset, s->cluster_size)) {
            fprintf(stderr, "ERROR: Could not write L2 table; metadata overlap check "
                    "failed: %s\n", strerror(EIO));
            c->res->check_errors++;
            ret = -EIO;
            goto out;
        }
        ret = bdrv_pwrite(c->bs->file, l2_offset, s->cluster_size, l2, 0);
        if (ret < 0) {
            fprintf(stderr, "ERROR: Could not write L2 table: %s\n", strerror(-ret));
            c->res->check_errors++;
            goto out;
        }
        qcow2_cache_discard(s->l2_cache, l2_offset);
        c->res->corruptions -= dirty;
        c->res->corruptions_fixed += dirty;
    }
out:
    g_free(l2);
    return ret < 0 ? ret : 0;
}

static int check_oflag_copied(CheckCtx *c)
{
    BDRVQcow2State *s = c->s;
    BdrvCheckResult *res = c->res;
    bool repair = false;
    int ret;

    if (c->fix & BDRV_FIX_ERRORS) {
        repair = true;
    } else if (c->fix & BDRV_FIX_LEAKS) {
        /* the refcounts are only trustworthy if their repair worked */
        repair = !res->check_errors && !res->corruptions && !res->leaks;
    }
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t e = s->l1_table[i], l2_offset = e & L1E_OFFSET_MASK, rc;

        if (!l2_offset) {
            continue;
        }
        if (stored_refcount(c, l2_offset >> s->cluster_bits, &rc) < 0) {
            continue;
        }
        if ((rc == 1) != !!(e & QCOW_OFLAG_COPIED)) {
            res->corruptions++;
            fprintf(stderr, "%s OFLAG_COPIED L2 cluster: l1_index=%" PRIu32 " l1_entry=%"
                    PRIx64 " refcount=%" PRIu64 "\n", repair ? "Repairing" : "ERROR", i, e, rc);
            if (repair) {
                s->l1_table[i] = rc == 1 ? e | QCOW_OFLAG_COPIED : e & ~QCOW_OFLAG_COPIED;
                ret = qcow2_write_l1_entry(c->bs, i);
                if (ret < 0) {
                    res->check_errors++;
                    return ret;
                }
                res->corruptions--;
                res->corruptions_fixed++;
            }
        }
        ret = check_oflag_l2(c, l2_offset, repair);
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

/* ---- Entry points ---- */

int qcow2_check_refcounts(BlockDriverState *bs, BdrvCheckResult *res, int fix)
{
    BDRVQcow2State *s = bs->opaque;
    CheckCtx c = { .bs = bs, .s = s, .res = res, .fix = fix, .rb_index = -1,
                   .r.per_block = s->refcount_block_size };
    BdrvCheckResult pre;
    int64_t highest = 0;
    int ret;

    c.file_len = bdrv_getlength(bs->file);
    if (c.file_len < 0) {
        res->check_errors++;
        return c.file_len;
    }
    if ((c.file_len >> s->cluster_bits) > INT32_MAX) {
        res->check_errors++;
        return -EFBIG;
    }
    ret = qcow2_write_caches(bs);
    if (ret < 0) {
        res->check_errors++;
        return ret;
    }
    res->total_clusters = (bs->total_size + s->cluster_size - 1) >> s->cluster_bits;
    c.rb_buf = g_malloc(s->cluster_size);
    ret = grow_refs(&c, (c.file_len + s->cluster_size - 1) >> s->cluster_bits);
    if (ret < 0) {
        goto out;
    }
    c.frag_info = true;
    ret = calculate_refcounts(&c);
    if (ret < 0) {
        goto out;
    }
    /* when fixing without a rebuild, the comparison runs again: this is the baseline */
    pre = *res;
    compare_refcounts(&c, 0, &highest);

    if (c.rebuild && (fix & BDRV_FIX_ERRORS)) {
        BdrvCheckResult old = *res;
        int fresh_leaks = 0;

        fprintf(stderr, "Rebuilding refcount structure\n");
        ret = rebuild_refcount_structure(&c);
        if (ret < 0) {
            goto out;
        }
        res->corruptions = 0;
        res->leaks = 0;
        c.file_len = bdrv_getlength(bs->file);
        if (c.file_len < 0) {
            res->check_errors++;
            ret = c.file_len;
            goto out;
        }
        /* the old structure is gone: count again against the new one */
        c.rebuild = false;
        memset(c.r.ref, 0, c.r.nb * sizeof(*c.r.ref));
        c.fix = 0;
        ret = calculate_refcounts(&c);
        c.fix = fix;
        if (ret < 0) {
            goto out;
        }
        if (fix & BDRV_FIX_LEAKS) {
            /* the old structures are leaked now: free them; only leaks the
             * rebuild itself left behind count */
            BdrvCheckResult saved = *res;
            memset(res, 0, sizeof(*res));
            compare_refcounts(&c, BDRV_FIX_LEAKS, &highest);
            if (c.rebuild) {
                fprintf(stderr, "ERROR rebuilt refcount structure is still broken\n");
            }
            fresh_leaks = res->leaks;
            *res = saved;
        }
        if (res->corruptions < old.corruptions) {
            res->corruptions_fixed += old.corruptions - res->corruptions;
        }
        if (res->leaks < old.leaks) {
            res->leaks_fixed += old.leaks - res->leaks;
        }
        res->leaks += fresh_leaks;
    } else if (fix) {
        if (c.rebuild) {
            fprintf(stderr, "ERROR need to rebuild refcount structures\n");
            res->check_errors++;
            ret = -EIO;
            goto out;
        }
        if (res->leaks || res->corruptions) {
            *res = pre;
            compare_refcounts(&c, fix, &highest);
        }
    }
    ret = sync_refcounts(&c);
    if (ret < 0) {
        res->check_errors++;
        goto out;
    }
    ret = check_oflag_copied(&c);
    if (ret < 0) {
        goto out;
    }
    res->image_end_offset = (highest + 1) << s->cluster_bits;
out:
    g_free(c.r.ref);
    g_free(c.rb_buf);
    return ret;
}

/* ---- The snapshot table, as check sees it ---- */

static int check_read_snapshot_table(BlockDriverState *bs, BdrvCheckResult *res, int fix)
{
    BDRVQcow2State *s = bs->opaque;
    int nb_dropped = 0, extra_dropped = 0, ret;
    uint8_t ptr[12];
    uint32_t nb;
    Error *err = NULL;

    ret = bdrv_file_pread(bs, 60, sizeof(ptr), ptr);
    if (ret < 0) {
        res->check_errors++;
        fprintf(stderr, "ERROR failed to read the snapshot table pointer from the image "
                "header: %s\n", strerror(-ret));
        return ret;
    }
    qcow2_free_snapshots(bs);
    nb = ((uint32_t)ptr[0] << 24) | (ptr[1] << 16) | (ptr[2] << 8) | ptr[3];
    s->snapshots_offset = 0;
    for (int k = 0; k < 8; k++) {
        s->snapshots_offset = (s->snapshots_offset << 8) | ptr[4 + k];
    }
    if (nb > QCOW2_MAX_SNAPSHOTS && (fix & BDRV_FIX_ERRORS)) {
        fprintf(stderr, "Discarding %u overhanging snapshots\n", nb - QCOW2_MAX_SNAPSHOTS);
        nb_dropped += nb - QCOW2_MAX_SNAPSHOTS;
        nb = QCOW2_MAX_SNAPSHOTS;
    }
    ret = qcow2m_validate_table(s, s->snapshots_offset, nb, QCOW2M_SNAPSHOT_HEADER_SIZE,
                                (uint64_t)QCOW2M_SNAPSHOT_HEADER_SIZE * QCOW2_MAX_SNAPSHOTS,
                                "snapshot table", &err);
    if (ret < 0) {
        res->check_errors++;
        error_report("ERROR %s", error_message(err));
        error_free(err);
        if (nb > QCOW2_MAX_SNAPSHOTS) {
            fprintf(stderr, "You can force-remove all %u overhanging snapshots with qemu-img "
                    "check -r all\n", nb - QCOW2_MAX_SNAPSHOTS);
        }
        s->snapshots_offset = 0;
        s->snapshots_size = 0;
        return ret;
    }
    s->nb_snapshots = nb;
    ret = qcow2m_read_snapshots(bs, fix & BDRV_FIX_ERRORS, &nb_dropped, &extra_dropped, &err);
    if (ret < 0) {
        res->check_errors++;
        error_report("ERROR failed to read the snapshot table: %s", error_message(err));
        error_free(err);
        s->snapshots_offset = 0;
        return ret;
    }
    res->corruptions += nb_dropped + extra_dropped;
    if (nb_dropped) {
        /* check_refcounts needs the header to agree; the rest leaks, and is repaired */
        uint8_t be[4] = { s->nb_snapshots >> 24, s->nb_snapshots >> 16, s->nb_snapshots >> 8,
                          s->nb_snapshots };
        ret = bdrv_pwrite(bs->file, 60, 4, be, 0);
        if (ret == 0) {
            ret = qcow2_barrier(bs, false);
        }
        if (ret < 0) {
            res->check_errors++;
            fprintf(stderr, "ERROR failed to update the snapshot count in the image header: "
                    "%s\n", strerror(-ret));
            return ret;
        }
        res->corruptions_fixed += nb_dropped;
        res->corruptions -= nb_dropped;
    }
    s->header.nb_snapshots = s->nb_snapshots;
    s->header.snapshots_offset = s->snapshots_offset;
    if (s->header.version >= 3) {
        for (int i = 0; i < s->nb_snapshots; i++) {
            if (s->snapshots[i].extra_data_size < 16) {
                res->corruptions++;
                fprintf(stderr, "%s snapshot table entry %i is incomplete\n",
                        (fix & BDRV_FIX_ERRORS) ? "Repairing" : "ERROR", i);
            }
        }
    }
    return 0;
}

static int check_fix_snapshot_table(BlockDriverState *bs, BdrvCheckResult *res, int fix)
{
    int ret;

    if (res->corruptions && (fix & BDRV_FIX_ERRORS)) {
        ret = qcow2m_write_snapshots(bs);
        if (ret < 0) {
            res->check_errors++;
            fprintf(stderr, "ERROR failed to update snapshot table: %s\n", strerror(-ret));
            return ret;
        }
        res->corruptions_fixed += res->corruptions;
        res->corruptions = 0;
    }
    return 0;
}

static void add_result(BdrvCheckResult *out, const BdrvCheckResult *in, bool alloc_info)
{
    out->corruptions += in->corruptions;
    out->leaks += in->leaks;
    out->check_errors += in->check_errors;
    out->corruptions_fixed += in->corruptions_fixed;
    out->leaks_fixed += in->leaks_fixed;
    if (alloc_info) {
        out->image_end_offset = in->image_end_offset;
        out->total_clusters = in->total_clusters;
        out->allocated_clusters = in->allocated_clusters;
        out->fragmented_clusters = in->fragmented_clusters;
        out->compressed_clusters = in->compressed_clusters;
    }
}

int qcow2m_set_incompat(BlockDriverState *bs, uint64_t set, uint64_t clear)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t old = s->incompatible_features;
    int ret;

    s->incompatible_features = (old | set) & ~clear;
    if (s->incompatible_features == old) {
        return 0;
    }
    s->header.incompatible_features = s->incompatible_features;
    ret = qcow2_update_header(bs);
    if (ret < 0) {
        s->incompatible_features = old;
        s->header.incompatible_features = old;
        return ret;
    }
    return qcow2_barrier(bs, false);
}

static int check_locked(BlockDriverState *bs, BdrvCheckResult *result, int fix)
{
    BDRVQcow2State *s = bs->opaque;
    BdrvCheckResult snap = { 0 }, refs = { 0 };
    int ret;

    memset(result, 0, sizeof(*result));
    ret = check_read_snapshot_table(bs, &snap, fix);
    if (ret < 0) {
        add_result(result, &snap, false);
        return ret;
    }
    ret = qcow2_check_refcounts(bs, &refs, fix);
    add_result(result, &refs, true);
    if (ret < 0) {
        add_result(result, &snap, false);
        return ret;
    }
    /* rewriting the table allocates clusters: only after refcounts are sane */
    ret = check_fix_snapshot_table(bs, &snap, fix);
    add_result(result, &snap, false);
    if (ret < 0) {
        return ret;
    }
    if (fix && result->check_errors == 0 && result->corruptions == 0) {
        ret = qcow2_flush_caches(bs);
        if (ret == 0 && (s->incompatible_features & QCOW2_INCOMPAT_DIRTY)) {
            ret = qcow2_mark_clean(bs);
        }
        if (ret == 0) {
            ret = qcow2m_set_incompat(bs, 0, QCOW2_INCOMPAT_CORRUPT);
        }
        if (ret == 0) {
            s->corrupt = false;
        }
    }
    return ret;
}

int qcow2_check(BlockDriverState *bs, BdrvCheckResult *result, int fix)
{
    BDRVQcow2State *s = bs->opaque;
    int ret, ret2;

    pthread_mutex_lock(&s->lock);
    ret = check_locked(bs, result, fix);
    if (fix) {
        ret2 = qcow2_flush_caches(bs);
        if (ret == 0) {
            ret = ret2;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return ret;
}
