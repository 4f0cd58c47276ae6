/*
 * qemu-img amend for qcow2: change the compatibility level (1.1 <-> 0.10,
 * the downgrade turning zero clusters into data), lazy refcounts, the
 * refcount width (a new refcount structure is written, then the header
 * switched), the external data file name, and the virtual size. Options that
 * only make sense at creation are refused by name, as QEMU does.
 *
 * Everything that can be refused is checked before the image is touched.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <glib.h>
#include "libcore/cutils.h"
#include "block/qcow2-maint.h"

typedef struct AmendOpts {
    int version;
    bool lazy_refcounts;
    bool has_lazy_refcounts;
    int refcount_order;
    uint64_t size;                  /* 0: unchanged */
    const char *backing_file;
    const char *backing_fmt;
    const char *data_file;
    bool data_file_raw;
    bool has_data_file_raw;
} AmendOpts;

static const char *const amendable[] = {
    "compat", "size", "lazy_refcounts", "refcount_bits", "backing_file", "backing_fmt",
    "data_file", "data_file_raw", NULL,
};

static bool in_list(const char *const *list, const char *key)
{
    for (; *list; list++) {
        if (!strcmp(*list, key)) {
            return true;
        }
    }
    return false;
}

static bool is_create_opt(BlockDriverState *bs, const char *key)
{
    for (const CreateOptDesc *d = bs->drv->create_opts; d && d->name; d++) {
        if (!strcmp(d->name, key)) {
            return true;
        }
    }
    return false;
}

/* Refuse unknown keys and keys that only apply to creation. */
static bool check_keys(BlockDriverState *bs, QDict *opts, Error **errp)
{
    for (size_t i = 0; opts && i < qdict_size(opts); i++) {
        const char *key = qdict_key_at(opts, i);

        if (key[0] == '\001' || in_list(amendable, key)) {
            continue;                 /* hidden bookkeeping key, or amendable */
        }
        if (g_str_has_prefix(key, "encrypt.") || is_create_opt(bs, key)) {
            error_setf(errp, "Invalid parameter '%s'\nThis option is only supported for "
                       "image creation", key);
        } else {
            error_setf(errp, "Invalid parameter '%s'", key);
        }
        return false;
    }
    return true;
}

static bool parse_opts(BlockDriverState *bs, QDict *opts, AmendOpts *a, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    const char *str;
    uint64_t bits;

    a->version = s->header.version;
    a->lazy_refcounts = s->compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS;
    a->refcount_order = s->refcount_order;
    str = create_opt_get_str(opts, "compat");
    if (str) {
        if (!strcmp(str, "0.10") || !strcmp(str, "v2")) {
            a->version = 2;
        } else if (!strcmp(str, "1.1") || !strcmp(str, "v3")) {
            a->version = 3;
        } else {
            error_setf(errp, "Unknown compatibility level %s", str);
            return false;
        }
    }
    a->has_lazy_refcounts = qdict_haskey(opts, "lazy_refcounts");
    if (!create_opt_get_bool(opts, "lazy_refcounts", &a->lazy_refcounts, errp) ||
        !create_opt_get_size(opts, "size", &a->size, errp)) {
        return false;
    }
    str = create_opt_get_str(opts, "refcount_bits");
    if (str) {
        if (!parse_uint64(str, &bits, NULL) || bits == 0 || bits > 64 || (bits & (bits - 1))) {
            error_setf(errp, "Refcount width must be a power of two and may not exceed 64 "
                       "bits");
            return false;
        }
        a->refcount_order = __builtin_ctzll(bits);
    }
    a->backing_file = create_opt_get_str(opts, "backing_file");
    a->backing_fmt = create_opt_get_str(opts, "backing_fmt");
    a->data_file = create_opt_get_str(opts, "data_file");
    a->has_data_file_raw = qdict_haskey(opts, "data_file_raw");
    a->data_file_raw = s->autoclear_features & QCOW2_AUTOCLEAR_DATA_FILE_RAW;
    return create_opt_get_bool(opts, "data_file_raw", &a->data_file_raw, errp);
}

static bool str_differs(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") != 0;
}

static bool validate(BlockDriverState *bs, const AmendOpts *a, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    const char *fmt = s->image_backing_format ? s->image_backing_format : bs->backing_format;

    if (a->data_file && !qcow2_has_data_file(s)) {
        error_setf(errp, "data-file can only be set for images that use an external data "
                   "file");
        return false;
    }
    if (a->has_data_file_raw && a->data_file_raw &&
        !(s->autoclear_features & QCOW2_AUTOCLEAR_DATA_FILE_RAW)) {
        error_setf(errp, "data-file-raw cannot be set on existing images");
        return false;
    }
    if ((a->backing_file || a->backing_fmt) &&
        (str_differs(a->backing_file, bs->backing_file) || str_differs(a->backing_fmt, fmt))) {
        error_setf(errp, "Cannot amend the backing file\nYou can use 'qemu-img rebase' "
                   "instead.");
        return false;
    }
    if (a->has_lazy_refcounts && a->lazy_refcounts && a->version < 3) {
        error_setf(errp, "Lazy refcounts only supported with compatibility level 1.1 and "
                   "above (use compat=1.1 or greater)");
        return false;
    }
    if (a->refcount_order != s->refcount_order && a->version < 3) {
        error_setf(errp, "Refcount widths other than 16 bits require compatibility level "
                   "1.1 or above (use compat=1.1 or greater)");
        return false;
    }
    if (a->version < (int)s->header.version) {
        if (a->refcount_order != 4) {
            error_setf(errp, "compat=0.10 requires refcount_bits=16");
            return false;
        }
        if (qcow2_has_data_file(s)) {
            error_setf(errp, "Cannot downgrade an image with a data file");
            return false;
        }
        if (s->incompatible_features &
            ~(QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_COMPRESSION)) {
            error_setf(errp, "Cannot downgrade an image with incompatible features %#" PRIx64
                       " set", (uint64_t)(s->incompatible_features & ~QCOW2_INCOMPAT_DIRTY));
            return false;
        }
    }
    return true;
}

/* ---- Walking every L2 table once (active and snapshots) ---- */

typedef int (*L2Visitor)(BlockDriverState *bs, uint64_t l2_offset, void *opaque);

static int visit_l1(BlockDriverState *bs, const uint64_t *l1, uint32_t size, GHashTable *seen,
                    L2Visitor fn, void *opaque)
{
    BDRVQcow2State *s = bs->opaque;

    for (uint32_t i = 0; i < size; i++) {
        uint64_t off = l1[i] & L1E_OFFSET_MASK;
        int ret;

        if (!off || g_hash_table_contains(seen, &off)) {
            continue;
        }
        if (!qcow2_offset_valid(s, off)) {
            qcow2_signal_corruption(bs, "L2 table offset %#" PRIx64 " unaligned", off);
            return -EIO;
        }
        g_hash_table_add(seen, g_memdup2(&off, sizeof(off)));
        ret = fn(bs, off, opaque);
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

static int visit_all_l2(BlockDriverState *bs, L2Visitor fn, void *opaque)
{
    BDRVQcow2State *s = bs->opaque;
    GHashTable *seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    int ret = visit_l1(bs, s->l1_table, s->l1_size, seen, fn, opaque);

    for (int i = 0; ret == 0 && i < s->nb_snapshots; i++) {
        Qcow2Snapshot *sn = &s->snapshots[i];
        uint64_t *l1;
        Error *err = NULL;

        ret = qcow2m_validate_table(s, sn->l1_table_offset, sn->l1_size, 8,
                                    (uint64_t)QCOW2_MAX_L1_SIZE * 8, "Snapshot L1 table", &err);
        error_free(err);
        if (ret < 0 || !sn->l1_size) {
            continue;
        }
        l1 = g_try_new(uint64_t, sn->l1_size);
        if (!l1) {
            ret = -ENOMEM;
            break;
        }
        ret = bdrv_file_pread(bs, sn->l1_table_offset, (uint64_t)sn->l1_size * 8, l1);
        for (uint32_t k = 0; ret == 0 && k < sn->l1_size; k++) {
            l1[k] = GUINT64_FROM_BE(l1[k]);
        }
        if (ret == 0) {
            ret = visit_l1(bs, l1, sn->l1_size, seen, fn, opaque);
        }
        g_free(l1);
    }
    g_hash_table_destroy(seen);
    return ret;
}

static int find_compressed(BlockDriverState *bs, uint64_t l2_offset, void *opaque)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t *l2;
    int ret = qcow2_l2_get(bs, l2_offset, &l2);

    if (ret < 0) {
        return ret;
    }
    for (int j = 0; j < s->l2_size; j++) {
        if (qcow2_get_cluster_type(s, qcow2_get_l2_entry(s, l2, j)) ==
            QCOW2_CLUSTER_COMPRESSED) {
            *(bool *)opaque = true;
            break;
        }
    }
    qcow2_l2_put(bs, &l2);
    return 0;
}

/* A zeroed data cluster owned by the l2_refs users of one L2 table. */
static int64_t new_zero_cluster(BlockDriverState *bs, uint64_t l2_refs)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t off = qcow2_alloc_clusters(bs, s->cluster_size);
    int ret;

    if (off < 0) {
        return off;
    }
    ret = bdrv_pwrite_zeroes(bs->file, off, s->cluster_size, 0);
    if (ret == 0 && l2_refs > 1) {
        ret = qcow2_update_refcount(bs, off, s->cluster_size, l2_refs - 1);
    }
    if (ret < 0) {
        qcow2_free_clusters(bs, off, s->cluster_size);
        return ret;
    }
    return off;
}

/* Version 2 has no zero flag: turn zero clusters into zeroed data clusters. */
static int expand_zero_l2(BlockDriverState *bs, uint64_t l2_offset, void *opaque)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t *l2, l2_refs;
    bool dirty = false;
    int ret;

    (void)opaque;
    ret = qcow2_get_refcount(bs, l2_offset >> s->cluster_bits, &l2_refs);
    if (ret == 0) {
        ret = qcow2_l2_get(bs, l2_offset, &l2);
    }
    if (ret < 0) {
        return ret;
    }
    for (int j = 0; j < s->l2_size && ret == 0; j++) {
        uint64_t e = qcow2_get_l2_entry(s, l2, j), off = e & L2E_OFFSET_MASK, rc = 0;
        Qcow2ClusterType t = qcow2_get_cluster_type(s, e);
        int64_t new_off;

        if (t == QCOW2_CLUSTER_ZERO_PLAIN && !bs->backing_file[0]) {
            qcow2_set_l2_entry(s, l2, j, 0);     /* unallocated reads as zeroes too */
            dirty = true;
            continue;
        }
        if (t == QCOW2_CLUSTER_ZERO_ALLOC) {
            if (!qcow2_offset_valid(s, off)) {
                qcow2_signal_corruption(bs, "Preallocated zero cluster offset %#" PRIx64
                                        " unaligned", off);
                ret = -EIO;
                break;
            }
            ret = qcow2_get_refcount(bs, off >> s->cluster_bits, &rc);
            if (ret == 0 && rc <= l2_refs) {
                /* only users of this very table see it: zero it in place */
                ret = bdrv_pwrite_zeroes(bs->file, off, s->cluster_size, 0);
                qcow2_set_l2_entry(s, l2, j, off | (l2_refs == 1 ? QCOW_OFLAG_COPIED : 0));
                dirty = true;
                continue;
            }
        } else if (t != QCOW2_CLUSTER_ZERO_PLAIN) {
            continue;
        }
        new_off = ret < 0 ? ret : new_zero_cluster(bs, l2_refs);
        if (new_off < 0) {
            ret = new_off;
            break;
        }
        qcow2_set_l2_entry(s, l2, j, new_off | (l2_refs == 1 ? QCOW_OFLAG_COPIED : 0));
        dirty = true;
        if (t == QCOW2_CLUSTER_ZERO_ALLOC) {
            /* this table's users no longer reference the shared cluster */
            ret = qcow2_update_refcount(bs, off, s->cluster_size, -(int64_t)l2_refs);
        }
    }
    if (dirty) {
        qcow2_l2_mark_dirty(bs, l2);
    }
    qcow2_l2_put(bs, &l2);
    return ret;
}

static int downgrade(BlockDriverState *bs, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    QCowHeader old = s->header;
    int ret;

    if (s->incompatible_features & QCOW2_INCOMPAT_DIRTY) {
        ret = qcow2_mark_clean(bs);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Failed to make the image clean");
            return ret;
        }
    }
    if (s->compression_type != QCOW2_COMPRESSION_ZLIB) {
        bool found = false;
        ret = visit_all_l2(bs, find_compressed, &found);
        if (ret < 0 || found) {
            error_setf(errp, "Cannot downgrade an image with zstd compression type and "
                       "existing compressed clusters");
            return ret < 0 ? ret : -ENOTSUP;
        }
    }
    ret = visit_all_l2(bs, expand_zero_l2, NULL);
    if (ret == 0) {
        ret = qcow2_flush_caches(bs);
    }
    if (ret < 0) {
        error_setf_errno(errp, ret, "Failed to turn zero into data clusters");
        return ret;
    }
    s->header.version = 2;
    s->header.header_length = QCOW2_V2_HEADER_SIZE;
    s->header.refcount_order = 4;
    s->header.incompatible_features = s->header.compatible_features = 0;
    s->header.autoclear_features = 0;
    s->header.compression_type = 0;
    ret = qcow2_update_header(bs);
    if (ret == 0) {
        ret = qcow2_barrier(bs, false);
    }
    if (ret < 0) {
        s->header = old;
        error_setf_errno(errp, ret, "Failed to update the image header");
        return ret;
    }
    s->incompatible_features = s->compatible_features = s->autoclear_features = 0;
    s->compression_type = QCOW2_COMPRESSION_ZLIB;
    s->use_lazy_refcounts = false;
    return 0;
}

static int upgrade(BlockDriverState *bs, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    QCowHeader old = s->header;
    bool rewrite_snapshots = false;
    int ret;

    /* version 3 wants every snapshot entry to carry the disk size */
    for (int i = 0; i < s->nb_snapshots; i++) {
        if (s->snapshots[i].extra_data_size < 16) {
            s->snapshots[i].extra_data_size = QCOW2M_SNAPSHOT_EXTRA_KNOWN;
            rewrite_snapshots = true;
        }
    }
    if (rewrite_snapshots) {
        ret = qcow2m_write_snapshots(bs);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Failed to update the snapshot table");
            return ret;
        }
    }
    s->header.version = 3;
    s->header.header_length = QCOW2_HEADER_MAX_SIZE;
    s->header.refcount_order = s->refcount_order;
    s->header.incompatible_features = s->incompatible_features;
    s->header.compatible_features = s->compatible_features;
    s->header.autoclear_features = s->autoclear_features;
    ret = qcow2_update_header(bs);
    if (ret == 0) {
        ret = qcow2_barrier(bs, false);
    }
    if (ret < 0) {
        s->header = old;
        error_setf_errno(errp, ret, "Failed to update the image header");
    }
    return ret;
}

static int set_lazy_refcounts(BlockDriverState *bs, bool on, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    if (!on) {
        /* the refcounts must be right before anyone relies on them again */
        ret = qcow2_mark_clean(bs);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Failed to make the image clean");
            return ret;
        }
    }
    if (on) {
        s->compatible_features |= QCOW2_COMPAT_LAZY_REFCOUNTS;
    } else {
        s->compatible_features &= ~QCOW2_COMPAT_LAZY_REFCOUNTS;
    }
    s->header.compatible_features = s->compatible_features;
    s->header.incompatible_features = s->incompatible_features;
    s->header.autoclear_features = s->autoclear_features;
    ret = qcow2_update_header(bs);
    if (ret == 0) {
        ret = qcow2_barrier(bs, false);
    }
    if (ret < 0) {
        s->compatible_features ^= QCOW2_COMPAT_LAZY_REFCOUNTS;
        s->header.compatible_features = s->compatible_features;
        error_setf_errno(errp, ret, "Failed to update the image header");
        return ret;
    }
    s->use_lazy_refcounts = on;
    return 0;
}

/* Free the clusters of a refcount structure that is no longer in use. */
static void free_old_structure(BlockDriverState *bs, const uint64_t *table, uint32_t entries,
                               uint64_t rt_offset, uint32_t rt_clusters)
{
    BDRVQcow2State *s = bs->opaque;

    for (uint32_t i = 0; i < entries; i++) {
        uint64_t off = table[i] & REFT_OFFSET_MASK;
        if (qcow2_offset_valid(s, off)) {
            qcow2_free_clusters(bs, off, s->cluster_size);
        }
    }
    qcow2_free_clusters(bs, rt_offset, (uint64_t)rt_clusters << s->cluster_bits);
}

static int change_refcount_order(BlockDriverState *bs, int order, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2mRefs r = { .per_block = 1 << (s->cluster_bits + 3 - order) };
    uint64_t max = order == 6 ? UINT64_MAX : (1ULL << (1 << order)) - 1;
    uint64_t *table = NULL, *old_table = s->refcount_table;
    uint32_t entries, old_entries = s->refcount_table_size;
    uint32_t old_clusters = s->header.refcount_table_clusters;
    uint64_t old_offset = s->refcount_table_offset;
    int old_order = s->header.refcount_order;
    int64_t end, rt_offset, rt_clusters, nb;
    int ret = qcow2_flush_caches(bs);

    end = ret < 0 ? ret : qcow2_refcount_end(bs);
    if (end < 0) {
        error_setf_errno(errp, end, "Failed to read the refcounts");
        return end;
    }
    nb = end >> s->cluster_bits;
    ret = qcow2m_refs_grow(&r, nb);
    for (int64_t i = 0; ret == 0 && i < nb; i++) {
        uint64_t rc;
        ret = qcow2_get_refcount(bs, i, &rc);
        if (ret == 0 && (rc > max || rc > UINT32_MAX)) {
            error_setf(errp, "Cannot decrease refcount entry width to %i bits: Cluster at "
                       "offset %#" PRIx64 " has a refcount of %" PRIu64, 1 << order,
                       (uint64_t)i << s->cluster_bits, rc);
            g_free(r.ref);
            return -EINVAL;
        }
        r.ref[i] = rc;
    }
    if (ret == 0) {
        ret = qcow2m_write_refcount_structure(bs, &r, order, &table, &entries, &rt_offset,
                                              &rt_clusters);
    }
    g_free(r.ref);
    if (ret < 0) {
        error_setf_errno(errp, ret, "Failed to write the new refcount structure");
        return ret;
    }
    s->header.refcount_order = order;
    s->header.refcount_table_offset = rt_offset;
    s->header.refcount_table_clusters = rt_clusters;
    ret = qcow2_update_header(bs);
    if (ret == 0) {
        ret = qcow2_barrier(bs, false);
    }
    if (ret < 0) {
        s->header.refcount_order = old_order;
        s->header.refcount_table_offset = old_offset;
        s->header.refcount_table_clusters = old_clusters;
        g_free(table);
        error_setf_errno(errp, ret, "Failed to update the qcow2 header");
        return ret;
    }
    /* The cached blocks are in the old width (clean after the flush above). */
    qcow2_cache_invalidate(s->refcount_cache);
    s->refcount_order = order;
    s->refcount_bits = 1 << order;
    s->refcount_max = max;
    s->refcount_block_bits = s->cluster_bits + 3 - order;
    s->refcount_block_size = 1 << s->refcount_block_bits;
    s->refcount_table = table;
    s->refcount_table_size = entries;
    s->refcount_table_offset = rt_offset;
    s->free_cluster_index = 0;
    s->free_byte_offset = 0;
    /* From here on a failure only leaks the old structure. */
    free_old_structure(bs, old_table, old_entries, old_offset, old_clusters);
    g_free(old_table);
    return qcow2_flush_caches(bs);
}

static int set_data_file(BlockDriverState *bs, const AmendOpts *a, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    char *old_name = s->image_data_file;
    uint64_t old_autoclear = s->autoclear_features;
    int ret;

    if (a->data_file) {
        s->image_data_file = *a->data_file ? g_strdup(a->data_file) : NULL;
    }
    if (a->has_data_file_raw && !a->data_file_raw) {
        s->autoclear_features &= ~QCOW2_AUTOCLEAR_DATA_FILE_RAW;
    }
    s->header.autoclear_features = s->autoclear_features;
    ret = qcow2_update_header(bs);
    if (ret == 0) {
        ret = qcow2_barrier(bs, false);
    }
    if (ret < 0) {
        if (s->image_data_file != old_name) {
            g_free(s->image_data_file);
            s->image_data_file = old_name;
        }
        s->autoclear_features = s->header.autoclear_features = old_autoclear;
        error_setf_errno(errp, ret, "Failed to update the image header");
        return ret;
    }
    if (s->image_data_file != old_name) {
        g_free(old_name);
    }
    return 0;
}

static int amend_locked(BlockDriverState *bs, const AmendOpts *a, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int ret = 0;

    if (a->version > (int)s->header.version) {
        ret = upgrade(bs, errp);
    }
    if (ret == 0 && a->lazy_refcounts != !!(s->compatible_features &
                                           QCOW2_COMPAT_LAZY_REFCOUNTS) &&
        (a->has_lazy_refcounts || a->version >= 3)) {
        ret = set_lazy_refcounts(bs, a->lazy_refcounts, errp);
    }
    if (ret == 0 && a->refcount_order != s->refcount_order) {
        ret = change_refcount_order(bs, a->refcount_order, errp);
    }
    if (ret == 0 && (a->data_file || (a->has_data_file_raw && !a->data_file_raw &&
                                      (s->autoclear_features &
                                       QCOW2_AUTOCLEAR_DATA_FILE_RAW)))) {
        ret = set_data_file(bs, a, errp);
    }
    return ret;
}

int qcow2_amend(BlockDriverState *bs, QDict *opts, bool force, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    AmendOpts a = { 0 };
    int ret;

    (void)force;          /* no qcow2 change here needs forcing */
    if (!check_keys(bs, opts, errp) || !parse_opts(bs, opts, &a, errp)) {
        return -EINVAL;
    }
    pthread_mutex_lock(&s->lock);
    ret = validate(bs, &a, errp) ? 0 : -EINVAL;
    if (ret == 0) {
        ret = amend_locked(bs, &a, errp);
    }
    pthread_mutex_unlock(&s->lock);
    if (ret == 0 && a.size && a.size != (uint64_t)bs->total_size) {
        /* truncate takes the lock itself */
        ret = bdrv_truncate(bs, a.size, false, PREALLOC_MODE_OFF, errp);
    }
    if (ret == 0 && a.version < (int)s->header.version) {
        /* last, so features dropped above do not stand in the way */
        pthread_mutex_lock(&s->lock);
        ret = downgrade(bs, errp);
        pthread_mutex_unlock(&s->lock);
    }
    return ret;
}
