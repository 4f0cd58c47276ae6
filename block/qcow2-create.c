/*
 * qcow2 image creation (every qemu-img create -o option of the format) and
 * resizing. New images are laid out as QEMU lays them out: header in cluster
 * 0, refcount table in cluster 1, the first refcount block in cluster 2, the
 * L1 table after them, so our files match Debian's qemu-img byte for byte.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>
#include "block/qcow2.h"
#include "block/qcow2-int.h"

typedef struct Qcow2CreateOpts {
    uint64_t size;
    bool has_size;
    int version;
    const char *backing_file;
    const char *backing_fmt;
    const char *data_file;
    bool data_file_raw;
    uint64_t cluster_size;
    PreallocMode prealloc;
    bool lazy_refcounts;
    uint64_t refcount_bits;
    int compression_type;
    bool extended_l2;
} Qcow2CreateOpts;

static bool is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/* Sizes from a backing file when none was given. */
static bool backing_size(const char *image, Qcow2CreateOpts *o, Error **errp)
{
    QDict *opts = NULL;
    char *path;
    BlockDriverState *bs;

    if (g_path_is_absolute(o->backing_file) || strchr(o->backing_file, ':')) {
        path = g_strdup(o->backing_file);
    } else {
        char *dir = g_path_get_dirname(image);
        path = g_build_filename(dir, o->backing_file, NULL);
        g_free(dir);
    }
    if (o->backing_fmt) {
        opts = qdict_new();
        qdict_put_str(opts, "driver", o->backing_fmt);
    }
    bs = bdrv_open(path, opts, BDRV_O_NO_BACKING | BDRV_O_FORCE_SHARE, errp);
    g_free(path);
    if (!bs) {
        error_prepend(errp, "Could not open backing file: ");
        return false;
    }
    o->size = bdrv_getlength(bs);
    bdrv_unref(bs);
    o->has_size = true;
    return true;
}

static bool parse_opts(const char *filename, QDict *opts, Qcow2CreateOpts *o, Error **errp)
{
    const char *str;
    uint64_t v;
    bool b = false;

    memset(o, 0, sizeof(*o));
    o->version = 3;
    o->cluster_size = 1 << QCOW2_DEFAULT_CLUSTER_BITS;
    o->refcount_bits = 16;
    if (qdict_haskey(opts, "size")) {
        if (!create_opt_get_size(opts, "size", &o->size, errp)) {
            return false;
        }
        o->has_size = true;
    }
    str = create_opt_get_str(opts, "compat");
    if (str) {
        if (!strcmp(str, "0.10") || !strcmp(str, "v2")) {
            o->version = 2;
        } else if (!strcmp(str, "1.1") || !strcmp(str, "v3")) {
            o->version = 3;
        } else {
            error_setf(errp, "Parameter 'version' does not accept value '%s'", str);
            return false;
        }
    }
    o->backing_file = create_opt_get_str(opts, "backing_file");
    o->backing_fmt = create_opt_get_str(opts, "backing_fmt");
    o->data_file = create_opt_get_str(opts, "data_file");
    if (!create_opt_get_bool(opts, "data_file_raw", &o->data_file_raw, errp) ||
        !create_opt_get_bool(opts, "encryption", &b, errp)) {
        return false;
    }
    str = create_opt_get_str(opts, "encrypt.format");
    if (b || str) {
        error_setf(errp, "qcow2: encryption is not supported (option '%s')",
                   b ? "encryption" : "encrypt.format");
        return false;
    }
    for (size_t i = 0; i < qdict_size(opts); i++) {
        if (g_str_has_prefix(qdict_key_at(opts, i), "encrypt.")) {
            error_setf(errp, "qcow2: encryption is not supported (option '%s')",
                       qdict_key_at(opts, i));
            return false;
        }
    }
    if (qdict_haskey(opts, "cluster_size")) {
        if (!create_opt_get_size(opts, "cluster_size", &o->cluster_size, errp)) {
            return false;
        }
    }
    str = create_opt_get_str(opts, "preallocation");
    if (str && !prealloc_mode_parse(str, &o->prealloc, errp)) {
        return false;
    }
    if (!create_opt_get_bool(opts, "lazy_refcounts", &o->lazy_refcounts, errp) ||
        !create_opt_get_bool(opts, "extended_l2", &o->extended_l2, errp)) {
        return false;
    }
    if (qdict_haskey(opts, "refcount_bits")) {
        if (!create_opt_get_size(opts, "refcount_bits", &v, errp)) {
            return false;
        }
        o->refcount_bits = v;
    }
    str = create_opt_get_str(opts, "compression_type");
    if (str) {
        if (!strcmp(str, "zlib")) {
            o->compression_type = QCOW2_COMPRESSION_ZLIB;
        } else if (!strcmp(str, "zstd")) {
            o->compression_type = QCOW2_COMPRESSION_ZSTD;
        } else {
            error_setf(errp, "Parameter 'compression-type' does not accept value '%s'", str);
            return false;
        }
    }

    /* Consistency, with QEMU's wording. */
    if (!is_pow2(o->cluster_size) || o->cluster_size < 512 || o->cluster_size > (2 << 20)) {
        error_setf(errp, "Cluster size must be a power of two between 512 and 2048k");
        return false;
    }
    if (!is_pow2(o->refcount_bits) || o->refcount_bits > 64) {
        error_setf(errp, "Refcount width must be a power of two and may not exceed 64 bits");
        return false;
    }
    if (o->version < 3 && o->refcount_bits != 16) {
        error_setf(errp, "Different refcount widths than 16 bits require compatibility "
                   "level 1.1 or above (use compat=1.1 or greater)");
        return false;
    }
    if (o->version < 3 && o->lazy_refcounts) {
        error_setf(errp, "Lazy refcounts only supported with compatibility level 1.1 and "
                   "above (use compat=1.1 or greater)");
        return false;
    }
    if (o->version < 3 && o->compression_type != QCOW2_COMPRESSION_ZLIB) {
        error_setf(errp, "Non-zlib compression type is only supported with compatibility "
                   "level 1.1 and above (use compat=1.1 or greater)");
        return false;
    }
    if (o->extended_l2) {
        if (o->version < 3) {
            error_setf(errp, "Extended L2 entries are only supported with compatibility "
                       "level 1.1 and above (use compat=1.1 or greater)");
            return false;
        }
        if (o->cluster_size < 16384) {
            error_setf(errp, "Extended L2 entries are only supported with cluster sizes "
                       "of at least 16 KB");
            return false;
        }
    }
    if (o->data_file && o->version < 3) {
        error_setf(errp, "External data files are only supported with compatibility level "
                   "1.1 and above (use compat=1.1 or greater)");
        return false;
    }
    if (o->data_file_raw && !o->data_file) {
        error_setf(errp, "data-file-raw requires data-file");
        return false;
    }
    if (o->data_file_raw && o->backing_file) {
        error_setf(errp, "Backing file and data-file-raw cannot be used at the same time");
        return false;
    }
    if (o->backing_fmt && !o->backing_file) {
        error_setf(errp, "Backing format cannot be used without backing file");
        return false;
    }
    if (o->backing_file && o->prealloc != PREALLOC_MODE_OFF) {
        error_setf(errp, "Backing file and preallocation can only be used at the same time "
                   "if extended_l2 is on");
        if (!o->extended_l2) {
            return false;
        }
        error_clear(errp);
    }
    if (o->backing_file && strlen(o->backing_file) > QCOW2_MAX_BACKING_NAME) {
        error_setf(errp, "Backing file name too long");
        return false;
    }
    if (!o->has_size && o->backing_file && !backing_size(filename, o, errp)) {
        return false;
    }
    if (o->data_file_raw && o->prealloc == PREALLOC_MODE_OFF) {
        /* A raw data file is mapped 1:1 from the start. */
        o->prealloc = PREALLOC_MODE_METADATA;
    }
    if (!o->has_size) {
        error_setf(errp, "Image creation needs a size parameter");
        return false;
    }
    if (o->size % BDRV_SECTOR_SIZE) {
        error_setf(errp, "Image size must be a multiple of %u bytes", BDRV_SECTOR_SIZE);
        return false;
    }
    if (o->size > QCOW2_MAX_VIRTUAL_SIZE) {
        error_setf(errp, "Image size too large");
        return false;
    }
    return true;
}

/* Header, refcount table and first refcount block, with a zero-sized disk. */
static int write_skeleton(BlockDriverState *file, const Qcow2CreateOpts *o, Error **errp)
{
    uint64_t cs = o->cluster_size;
    int cluster_bits = __builtin_ctzll(cs);
    int order = __builtin_ctzll(o->refcount_bits);
    uint8_t *buf = g_malloc0(3 * cs);
    QCowHeader h = {
        .magic = QCOW_MAGIC,
        .version = o->version,
        .cluster_bits = cluster_bits,
        .refcount_table_offset = cs,
        .refcount_table_clusters = 1,
        .refcount_order = order,
        .compression_type = o->compression_type,
    };
    size_t off;
    uint64_t be;
    int ret;

    if (o->version >= 3) {
        h.incompatible_features = (o->data_file ? QCOW2_INCOMPAT_DATA_FILE : 0) |
                                  (o->compression_type ? QCOW2_INCOMPAT_COMPRESSION : 0) |
                                  (o->extended_l2 ? QCOW2_INCOMPAT_EXTL2 : 0);
        h.compatible_features = o->lazy_refcounts ? QCOW2_COMPAT_LAZY_REFCOUNTS : 0;
        h.autoclear_features = o->data_file_raw ? QCOW2_AUTOCLEAR_DATA_FILE_RAW : 0;
    }
    off = qcow2_header_encode(&h, buf);
    if (o->data_file) {
        /* Open needs the name; the full header is rewritten after open. */
        uint32_t type = GUINT32_TO_BE(QCOW2_EXT_DATA_FILE);
        uint32_t len = GUINT32_TO_BE((uint32_t)strlen(o->data_file));
        if (off + 16 + strlen(o->data_file) > cs) {
            g_free(buf);
            error_setf(errp, "Data file name too long");
            return -EINVAL;
        }
        memcpy(buf + off, &type, 4);
        memcpy(buf + off + 4, &len, 4);
        memcpy(buf + off + 8, o->data_file, strlen(o->data_file));
    }
    be = GUINT64_TO_BE(2 * cs);
    memcpy(buf + cs, &be, 8);
    {
        BDRVQcow2State tmp = { .refcount_order = order, .refcount_bits = 1 << order };
        for (int i = 0; i < 3; i++) {
            qcow2_refblock_set(&tmp, buf + 2 * cs, i, 1);
        }
    }
    ret = bdrv_pwrite(file, 0, 3 * cs, buf, 0);
    g_free(buf);
    if (ret < 0) {
        error_setf_errno(errp, ret, "Could not write qcow2 header");
        return ret;
    }
    return 0;
}

/* Map every cluster of [start, end) to freshly allocated host clusters. */
static int preallocate_metadata(BlockDriverState *bs, uint64_t start, uint64_t end)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t pos = qcow2_start_of_cluster(s, start);
    int ret = 0;

    while (pos < end) {
        uint64_t *l2;
        int idx = qcow2_l2_index(s, pos);
        int n = (int)MIN((uint64_t)(s->l2_size - idx),
                         (ROUND_UP(end, (uint64_t)s->cluster_size) - pos) >> s->cluster_bits);
        int64_t host;
        int k = 0;

        ret = qcow2_get_l2_for_write(bs, pos, &l2);
        if (ret < 0) {
            return ret;
        }
        /* Allocate only the entries still unallocated, in contiguous runs. */
        while (k < n) {
            int run = 0;
            while (k + run < n && !(qcow2_get_l2_entry(s, l2, idx + k + run) &
                                    (L2E_OFFSET_MASK | QCOW_OFLAG_COMPRESSED))) {
                run++;
            }
            if (!run) {
                k++;
                continue;
            }
            if (qcow2_has_data_file(s)) {
                host = pos + ((uint64_t)k << s->cluster_bits);
            } else {
                host = qcow2_alloc_clusters(bs, (uint64_t)run << s->cluster_bits);
                if (host < 0) {
                    qcow2_l2_put(bs, &l2);
                    return host;
                }
            }
            for (int i = 0; i < run; i++) {
                qcow2_set_l2_entry(s, l2, idx + k + i,
                                   (host + ((uint64_t)i << s->cluster_bits)) |
                                   QCOW_OFLAG_COPIED);
                /* Subclusters stay unallocated (read as zero), as QEMU does. */
                qcow2_set_l2_bitmap(s, l2, idx + k + i, 0);
            }
            qcow2_l2_mark_dirty(bs, l2);
            k += run;
        }
        qcow2_l2_put(bs, &l2);
        ret = qcow2_write_caches(bs);
        if (ret < 0) {
            return ret;
        }
        pos += (uint64_t)n << s->cluster_bits;
    }
    return 0;
}

static int64_t data_end(BlockDriverState *bs);

/* Allocate [old, size) per the preallocation mode and size the file for it. */
static int prepare_prealloc(BlockDriverState *bs, uint64_t old, uint64_t size,
                            PreallocMode prealloc, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t end, flen;
    int ret = preallocate_metadata(bs, old, size);

    if (ret >= 0) {
        ret = qcow2_flush_caches(bs);
    }
    if (ret < 0) {
        error_setf_errno(errp, ret, "Could not preallocate metadata");
        return ret;
    }
    if (qcow2_has_data_file(s)) {
        return 0;
    }
    end = data_end(bs);
    flen = bdrv_getlength(bs->file);
    if (end < 0 || flen < 0) {
        error_setf(errp, "Could not get the image size");
        return -EIO;
    }
    if (end > flen) {
        ret = bdrv_truncate(bs->file, end, false,
                            prealloc == PREALLOC_MODE_METADATA ? PREALLOC_MODE_OFF : prealloc,
                            errp);
    }
    return ret < 0 ? ret : 0;
}

static int write_size_field(BlockDriverState *bs, uint64_t size)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t be = GUINT64_TO_BE(size);
    int ret = bdrv_pwrite(bs->file, 24, 8, &be, 0);

    if (ret >= 0) {
        s->header.size = size;
        bs->total_size = size;
    }
    return ret < 0 ? ret : 0;
}

static int64_t data_end(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t end = qcow2_refcount_end(bs);

    return end < 0 ? end : ROUND_UP(end, (int64_t)s->cluster_size);
}

int qcow2_truncate(BlockDriverState *bs, int64_t size, bool exact, PreallocMode prealloc,
                   Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t old = bs->total_size;
    int ret;

    if (size < 0 || size % BDRV_SECTOR_SIZE) {
        error_setf(errp, "The new size must be a multiple of %u", BDRV_SECTOR_SIZE);
        return -EINVAL;
    }
    if ((uint64_t)size > QCOW2_MAX_VIRTUAL_SIZE) {
        error_setf(errp, "Image size too large");
        return -EFBIG;
    }
    /*
     * Snapshots keep their own L1 copies and size, and shrinking only drops the
     * active image's references (shared clusters just lose one count), so resizing
     * with snapshots is safe, as QEMU allows it.
     */
    if (s->bitmaps_ext && (s->autoclear_features & QCOW2_AUTOCLEAR_BITMAPS)) {
        error_setf(errp, "Cannot resize qcow2 images with bitmaps");
        return -ENOTSUP;
    }
    if ((uint64_t)size < old && prealloc != PREALLOC_MODE_OFF) {
        error_setf(errp, "Preallocation can't be used for shrinking an image");
        return -EINVAL;
    }
    pthread_mutex_lock(&s->lock);
    if ((uint64_t)size < old) {
        /* Drop every cluster wholly past the new end, then the file tail. */
        uint64_t from = ROUND_UP((uint64_t)size, (uint64_t)s->cluster_size);
        ret = from < old ? qcow2_discard_range(bs, from, ROUND_UP(old, s->cluster_size) - from,
                                               false)
                         : 0;
        if (ret >= 0) {
            ret = qcow2_flush_caches(bs);
        }
        if (ret >= 0) {
            ret = write_size_field(bs, size);
        }
        if (ret >= 0 && !qcow2_has_data_file(s)) {
            int64_t end = data_end(bs);
            int64_t flen = bdrv_getlength(bs->file);
            if (end > 0 && flen > end) {
                bdrv_truncate(bs->file, end, false, PREALLOC_MODE_OFF, NULL);
            }
        }
        if (ret >= 0 && qcow2_has_data_file(s)) {
            ret = bdrv_truncate(s->data_file, size, false, PREALLOC_MODE_OFF, errp);
        }
        goto out;
    }
    ret = qcow2_grow_l1_table(bs, qcow2_l1_entries_for(s->cluster_bits, s->l2_bits, size),
                              true);
    if (ret < 0) {
        error_setf_errno(errp, ret, "Failed to grow the L1 table");
        goto out;
    }
    if (qcow2_has_data_file(s)) {
        int64_t dlen = bdrv_getlength(s->data_file);
        if (dlen >= 0 && dlen < size) {
            ret = bdrv_truncate(s->data_file, size, false, prealloc == PREALLOC_MODE_METADATA ?
                                PREALLOC_MODE_OFF : prealloc, errp);
            if (ret < 0) {
                goto out;
            }
        }
    }
    if (prealloc != PREALLOC_MODE_OFF) {
        ret = prepare_prealloc(bs, old, size, prealloc, errp);
        if (ret < 0) {
            goto out;
        }
    }
    ret = qcow2_flush_caches(bs);
    if (ret >= 0) {
        ret = write_size_field(bs, size);
    }
    if (ret < 0) {
        error_setf_errno(errp, ret, "Failed to update the image size");
    }
out:
    pthread_mutex_unlock(&s->lock);
    return ret < 0 ? ret : 0;
}

int qcow2_create(const char *filename, QDict *opts, Error **errp)
{
    Qcow2CreateOpts o;
    BlockDriverState *file, *bs;
    BDRVQcow2State *s;
    QDict *open_opts;
    int ret;

    if (!parse_opts(filename, opts, &o, errp)) {
        return -EINVAL;
    }
    if (o.data_file) {
        const BlockDriver *proto = bdrv_find_protocol(o.data_file, errp);
        QDict *dopts = qdict_new();
        char *path;
        if (!proto) {
            qobject_unref(dopts);
            return -EINVAL;
        }
        /* Relative to the working directory, as QEMU creates and opens it. */
        path = g_strdup(o.data_file);
        qdict_put_str(dopts, "size", "0");
        ret = bdrv_create(proto, path, dopts, errp);
        qobject_unref(dopts);
        g_free(path);
        if (ret < 0) {
            error_prepend(errp, "Could not create data file: ");
            return ret;
        }
    }
    file = bdrv_open(filename, NULL, BDRV_O_RDWR | BDRV_O_PROTOCOL, errp);
    if (!file) {
        return -EIO;
    }
    ret = bdrv_truncate(file, 0, false, PREALLOC_MODE_OFF, NULL);
    if (ret >= 0 || ret == -ENOTSUP) {
        ret = write_skeleton(file, &o, errp);
    }
    bdrv_unref(file);
    if (ret < 0) {
        return ret;
    }

    open_opts = qdict_new();
    qdict_put_str(open_opts, "driver", "qcow2");
    bs = bdrv_open(filename, open_opts,
                   BDRV_O_RDWR | BDRV_O_NO_BACKING | BDRV_O_NO_FLUSH, errp);
    if (!bs) {
        error_prepend(errp, "Could not open the new image: ");
        return -EIO;
    }
    s = bs->opaque;
    if (o.backing_file) {
        g_strlcpy(bs->backing_file, o.backing_file, sizeof(bs->backing_file));
        if (o.backing_fmt) {
            g_strlcpy(bs->backing_format, o.backing_fmt, sizeof(bs->backing_format));
            s->image_backing_format = g_strdup(o.backing_fmt);
        }
    }
    ret = qcow2_truncate(bs, o.size, true, o.prealloc, errp);
    if (ret >= 0) {
        pthread_mutex_lock(&s->lock);
        ret = qcow2_update_header(bs);
        pthread_mutex_unlock(&s->lock);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Could not write the image header");
        }
    }
    bdrv_unref(bs);
    return ret < 0 ? ret : 0;
}
