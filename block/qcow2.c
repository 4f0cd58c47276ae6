/*
 * qcow2 driver: header and extension parsing (every field validated), open
 * and close, header rewrite, dirty/corrupt bits, metadata flush ordering,
 * image information, backing file changes, and the driver's ops table. The
 * I/O paths live in qcow2-io.c, creation and resizing in qcow2-create.c.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>
#include "block/qcow2.h"
#include "block/qcow2-int.h"

/* ---- Header codec ---- */

static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t rd64(const uint8_t *p)
{
    return ((uint64_t)rd32(p) << 32) | rd32(p + 4);
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, v >> 32);
    wr32(p + 4, (uint32_t)v);
}

void qcow2_header_decode(QCowHeader *h, const uint8_t *buf, size_t len)
{
    memset(h, 0, sizeof(*h));
    h->magic = rd32(buf);
    h->version = rd32(buf + 4);
    h->backing_file_offset = rd64(buf + 8);
    h->backing_file_size = rd32(buf + 16);
    h->cluster_bits = rd32(buf + 20);
    h->size = rd64(buf + 24);
    h->crypt_method = rd32(buf + 32);
    h->l1_size = rd32(buf + 36);
    h->l1_table_offset = rd64(buf + 40);
    h->refcount_table_offset = rd64(buf + 48);
    h->refcount_table_clusters = rd32(buf + 56);
    h->nb_snapshots = rd32(buf + 60);
    h->snapshots_offset = rd64(buf + 64);
    h->refcount_order = 4;
    h->header_length = QCOW2_V2_HEADER_SIZE;
    if (h->version >= 3 && len >= QCOW2_V3_HEADER_SIZE) {
        h->incompatible_features = rd64(buf + 72);
        h->compatible_features = rd64(buf + 80);
        h->autoclear_features = rd64(buf + 88);
        h->refcount_order = rd32(buf + 96);
        h->header_length = rd32(buf + 100);
        if (h->header_length > QCOW2_V3_HEADER_SIZE && len > QCOW2_V3_HEADER_SIZE) {
            h->compression_type = buf[104];
        }
    }
}

size_t qcow2_header_encode(const QCowHeader *h, uint8_t *buf)
{
    size_t len = h->version >= 3 ? QCOW2_HEADER_MAX_SIZE : QCOW2_V2_HEADER_SIZE;

    memset(buf, 0, len);
    wr32(buf, h->magic);
    wr32(buf + 4, h->version);
    wr64(buf + 8, h->backing_file_offset);
    wr32(buf + 16, h->backing_file_size);
    wr32(buf + 20, h->cluster_bits);
    wr64(buf + 24, h->size);
    wr32(buf + 32, h->crypt_method);
    wr32(buf + 36, h->l1_size);
    wr64(buf + 40, h->l1_table_offset);
    wr64(buf + 48, h->refcount_table_offset);
    wr32(buf + 56, h->refcount_table_clusters);
    wr32(buf + 60, h->nb_snapshots);
    wr64(buf + 64, h->snapshots_offset);
    if (h->version >= 3) {
        wr64(buf + 72, h->incompatible_features);
        wr64(buf + 80, h->compatible_features);
        wr64(buf + 88, h->autoclear_features);
        wr32(buf + 96, h->refcount_order);
        wr32(buf + 100, (uint32_t)len);
        buf[104] = h->compression_type;
    }
    return len;
}

/* ---- Feature names ---- */

static const Qcow2Feature default_features[] = {
    { QCOW2_FEAT_TYPE_INCOMPATIBLE, 0, "dirty bit" },
    { QCOW2_FEAT_TYPE_INCOMPATIBLE, 1, "corrupt bit" },
    { QCOW2_FEAT_TYPE_INCOMPATIBLE, 2, "external data file" },
    { QCOW2_FEAT_TYPE_INCOMPATIBLE, 3, "compression type" },
    { QCOW2_FEAT_TYPE_INCOMPATIBLE, 4, "extended L2 entries" },
    { QCOW2_FEAT_TYPE_COMPATIBLE, 0, "lazy refcounts" },
    { QCOW2_FEAT_TYPE_AUTOCLEAR, 0, "bitmaps" },
    { QCOW2_FEAT_TYPE_AUTOCLEAR, 1, "raw external data" },
};

size_t qcow2_default_feature_table(uint8_t *buf)
{
    size_t n = G_N_ELEMENTS(default_features);

    memset(buf, 0, n * 48);
    for (size_t i = 0; i < n; i++) {
        buf[i * 48] = default_features[i].type;
        buf[i * 48 + 1] = default_features[i].bit;
        memcpy(buf + i * 48 + 2, default_features[i].name, strlen(default_features[i].name));
    }
    return n * 48;
}

static char *unknown_features_str(BDRVQcow2State *s, uint64_t mask)
{
    GString *str = g_string_new(NULL);

    for (int bit = 0; bit < 64; bit++) {
        const char *name = NULL;
        if (!(mask & (1ULL << bit))) {
            continue;
        }
        for (int i = 0; i < s->nb_features; i++) {
            if (s->features[i].type == QCOW2_FEAT_TYPE_INCOMPATIBLE &&
                s->features[i].bit == bit) {
                name = s->features[i].name;
            }
        }
        if (str->len) {
            g_string_append(str, ", ");
        }
        if (name) {
            g_string_append(str, name);
        } else {
            g_string_append_printf(str, "Unknown incompatible feature: %" PRIx64,
                                   (uint64_t)1 << bit);
        }
    }
    return g_string_free(str, false);
}

/* ---- Header extensions ---- */

static bool is_printable(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] == 0 || p[i] < 0x20) {
            return false;
        }
    }
    return true;
}

static int read_extensions(BlockDriverState *bs, const uint8_t *hdr, uint64_t end,
                           Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off = s->header.header_length;

    while (off + 8 <= end) {
        uint32_t type = rd32(hdr + off);
        uint32_t len = rd32(hdr + off + 4);
        const uint8_t *data = hdr + off + 8;

        off += 8;
        if (type == QCOW2_EXT_END) {
            return 0;
        }
        if (len > end - off) {
            error_setf(errp, "Header extension too large");
            return -EINVAL;
        }
        switch (type) {
        case QCOW2_EXT_BACKING_FORMAT:
            if (len >= sizeof(bs->backing_format) || !is_printable(data, len)) {
                error_setf(errp, "ERROR: ext_backing_format: len=%u too large (>=%zu)",
                           len, sizeof(bs->backing_format));
                return -EINVAL;
            }
            g_free(s->image_backing_format);
            s->image_backing_format = g_strndup((const char *)data, len);
            break;
        case QCOW2_EXT_FEATURE_TABLE:
            if (len % 48) {
                error_setf(errp, "Invalid feature name table length %u", len);
                return -EINVAL;
            }
            g_free(s->features);
            s->nb_features = len / 48;
            s->features = g_new0(Qcow2Feature, s->nb_features);
            for (int i = 0; i < s->nb_features; i++) {
                s->features[i].type = data[i * 48];
                s->features[i].bit = data[i * 48 + 1];
                memcpy(s->features[i].name, data + i * 48 + 2, 46);
            }
            break;
        case QCOW2_EXT_CRYPTO:
            if (!(bs->open_flags & BDRV_O_NO_IO)) {
                error_setf(errp, "qcow2: encrypted images are not supported (full disk "
                           "encryption header extension present)");
                return -ENOTSUP;
            }
            goto keep;
        case QCOW2_EXT_BITMAPS:
            g_free(s->bitmaps_ext);
            s->bitmaps_ext = g_memdup2(data, len);
            s->bitmaps_ext_len = len;
            break;
        case QCOW2_EXT_DATA_FILE:
            if (!len || len > PATH_MAX || !is_printable(data, len)) {
                error_setf(errp, "Invalid external data file name in the image header");
                return -EINVAL;
            }
            g_free(s->image_data_file);
            s->image_data_file = g_strndup((const char *)data, len);
            break;
        default:
        keep:
            s->unknown_ext = g_renew(Qcow2Extension, s->unknown_ext, s->nb_unknown_ext + 1);
            s->unknown_ext[s->nb_unknown_ext].type = type;
            s->unknown_ext[s->nb_unknown_ext].len = len;
            s->unknown_ext[s->nb_unknown_ext].data = g_memdup2(data, len);
            s->nb_unknown_ext++;
            break;
        }
        off += ROUND_UP((uint64_t)len, 8);
    }
    return 0;
}

static void put_ext(uint8_t *buf, size_t *off, uint32_t type, const void *data, uint32_t len)
{
    wr32(buf + *off, type);
    wr32(buf + *off + 4, len);
    memcpy(buf + *off + 8, data, len);
    *off += 8 + ROUND_UP(len, 8);
}

int qcow2_build_header_cluster(BlockDriverState *bs, uint8_t *buf, const char *backing)
{
    BDRVQcow2State *s = bs->opaque;
    size_t off, need;
    uint8_t ft[48 * 16];
    size_t ft_len = 0;
    size_t blen = backing ? strlen(backing) : 0;

    /* Size first: everything must fit in cluster 0. */
    need = (s->header.version >= 3 ? QCOW2_HEADER_MAX_SIZE : QCOW2_V2_HEADER_SIZE) + 8 + blen;
    if (s->image_backing_format) {
        need += 8 + ROUND_UP(strlen(s->image_backing_format), 8);
    }
    if (s->image_data_file) {
        need += 8 + ROUND_UP(strlen(s->image_data_file), 8);
    }
    /* QEMU leaves the table out of small header clusters; so do we. */
    if (s->header.version >= 3 && s->cluster_size > 4096) {
        ft_len = qcow2_default_feature_table(ft);
        need += 8 + ft_len;
    }
    if (s->bitmaps_ext) {
        need += 8 + ROUND_UP(s->bitmaps_ext_len, 8);
    }
    for (int i = 0; i < s->nb_unknown_ext; i++) {
        need += 8 + ROUND_UP((uint64_t)s->unknown_ext[i].len, 8);
    }
    if (need > (size_t)s->cluster_size) {
        return -ENOSPC;
    }
    memset(buf, 0, s->cluster_size);
    s->header.backing_file_offset = 0;
    s->header.backing_file_size = 0;
    off = qcow2_header_encode(&s->header, buf);
    if (s->image_backing_format) {
        put_ext(buf, &off, QCOW2_EXT_BACKING_FORMAT, s->image_backing_format,
                strlen(s->image_backing_format));
    }
    if (s->image_data_file) {
        put_ext(buf, &off, QCOW2_EXT_DATA_FILE, s->image_data_file,
                strlen(s->image_data_file));
    }
    if (ft_len) {
        put_ext(buf, &off, QCOW2_EXT_FEATURE_TABLE, ft, ft_len);
    }
    if (s->bitmaps_ext) {
        put_ext(buf, &off, QCOW2_EXT_BITMAPS, s->bitmaps_ext, s->bitmaps_ext_len);
    }
    for (int i = 0; i < s->nb_unknown_ext; i++) {
        put_ext(buf, &off, s->unknown_ext[i].type, s->unknown_ext[i].data,
                s->unknown_ext[i].len);
    }
    off += 8;                         /* end of extensions */
    if (blen) {
        memcpy(buf + off, backing, blen);
        s->header.backing_file_offset = off;
        s->header.backing_file_size = blen;
        wr64(buf + 8, off);
        wr32(buf + 16, blen);
    }
    return 0;
}

int qcow2_update_header(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t *buf = g_malloc(s->cluster_size);
    int ret = qcow2_build_header_cluster(bs, buf, bs->backing_file[0] ? bs->backing_file
                                                                       : NULL);

    if (ret == 0) {
        ret = bdrv_pwrite(bs->file, 0, s->cluster_size, buf, 0);
    }
    g_free(buf);
    return ret < 0 ? ret : 0;
}

/* Rewrite only the three feature words (one small write). */
static int write_feature_bits(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t buf[24];

    if (s->header.version < 3) {
        return 0;
    }
    s->header.incompatible_features = s->incompatible_features;
    s->header.compatible_features = s->compatible_features;
    s->header.autoclear_features = s->autoclear_features;
    wr64(buf, s->incompatible_features);
    wr64(buf + 8, s->compatible_features);
    wr64(buf + 16, s->autoclear_features);
    return bdrv_pwrite(bs->file, 72, 24, buf, 0);
}

int qcow2_mark_dirty(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    if (s->incompatible_features & QCOW2_INCOMPAT_DIRTY) {
        return 0;
    }
    s->incompatible_features |= QCOW2_INCOMPAT_DIRTY;
    ret = write_feature_bits(bs);
    if (ret >= 0) {
        ret = bdrv_flush(bs->file);
    }
    if (ret < 0) {
        s->incompatible_features &= ~QCOW2_INCOMPAT_DIRTY;
        return ret;
    }
    s->dirty_set_by_us = true;
    return 0;
}

int qcow2_mark_clean(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    if (!(s->incompatible_features & QCOW2_INCOMPAT_DIRTY)) {
        return 0;
    }
    ret = qcow2_flush_caches(bs);
    if (ret < 0) {
        return ret;
    }
    s->incompatible_features &= ~QCOW2_INCOMPAT_DIRTY;
    ret = write_feature_bits(bs);
    if (ret >= 0) {
        ret = bdrv_flush(bs->file);
    }
    return ret < 0 ? ret : 0;
}

void qcow2_signal_corruption(BlockDriverState *bs, const char *fmt, ...)
{
    BDRVQcow2State *s = bs->opaque;

    /* The message documents the call site; library code does not print it. */
    (void)fmt;
    if (s->corrupt || bs->read_only || (bs->open_flags & BDRV_O_CHECK)) {
        return;
    }
    s->corrupt = true;
    s->incompatible_features |= QCOW2_INCOMPAT_CORRUPT;
    write_feature_bits(bs);
}

/* ---- Flush ordering ---- */

int qcow2_barrier(BlockDriverState *bs, bool refcounts_only)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    if (refcounts_only && s->use_lazy_refcounts) {
        s->refcount_cache->unflushed = false;
        return 0;
    }
    if (bs->open_flags & BDRV_O_NO_FLUSH) {
        ret = 0;
    } else {
        ret = bdrv_flush(bs->file);
    }
    if (ret >= 0) {
        s->refcount_cache->unflushed = false;
        s->l2_cache->unflushed = false;
    }
    return ret < 0 ? ret : 0;
}

int qcow2_write_caches(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int ret = qcow2_cache_write(bs, s->refcount_cache);

    if (ret < 0) {
        return ret;
    }
    return qcow2_cache_write(bs, s->l2_cache);
}

int qcow2_flush_caches(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int ret = qcow2_write_caches(bs);

    if (ret < 0) {
        return ret;
    }
    ret = bdrv_flush(bs->file);
    if (ret >= 0 && s->data_file != bs->file) {
        ret = bdrv_flush(s->data_file);
    }
    if (ret >= 0) {
        s->refcount_cache->unflushed = false;
        s->l2_cache->unflushed = false;
    }
    return ret < 0 ? ret : 0;
}

/* ---- Open ---- */

static int validate_header(BlockDriverState *bs, QCowHeader *h, int64_t file_len,
                           Error **errp)
{
    uint64_t cs;

    if (h->magic != QCOW_MAGIC) {
        error_setf(errp, "Image is not in qcow2 format");
        return -EINVAL;
    }
    if (h->version < 2 || h->version > 3) {
        error_setf(errp, "Unsupported qcow2 version %u", h->version);
        return -ENOTSUP;
    }
    if (h->cluster_bits < QCOW2_MIN_CLUSTER_BITS || h->cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        error_setf(errp, "Unsupported cluster size: 2^%u", h->cluster_bits);
        return -EINVAL;
    }
    cs = 1ULL << h->cluster_bits;
    if (h->version >= 3) {
        if (h->header_length < QCOW2_V3_HEADER_SIZE) {
            error_setf(errp, "qcow2 header too short");
            return -EINVAL;
        }
        if (h->header_length > cs) {
            error_setf(errp, "qcow2 header exceeds cluster size");
            return -EINVAL;
        }
        if (h->header_length % 8) {
            error_setf(errp, "qcow2 header length %u is not a multiple of 8",
                       h->header_length);
            return -EINVAL;
        }
    }
    if (h->refcount_order > QCOW2_MAX_REFCOUNT_ORDER) {
        error_setf(errp, "Reference count entry width too large; may not exceed 64 bits");
        return -EINVAL;
    }
    if (h->backing_file_offset > cs ||
        (h->backing_file_offset && h->backing_file_size > cs - h->backing_file_offset)) {
        error_setf(errp, "Invalid backing file offset");
        return -EINVAL;
    }
    if (h->backing_file_offset && h->backing_file_size > QCOW2_MAX_BACKING_NAME) {
        error_setf(errp, "Backing file name too long");
        return -EINVAL;
    }
    if (h->crypt_method && !(bs->open_flags & BDRV_O_NO_IO)) {
        error_setf(errp, "qcow2: encrypted images are not supported (crypt_method %u)",
                   h->crypt_method);
        return -ENOTSUP;
    }
    if (h->size > QCOW2_MAX_VIRTUAL_SIZE) {
        error_setf(errp, "Image size %" PRIu64 " is too large", h->size);
        return -EFBIG;
    }
    if (h->l1_size > QCOW2_MAX_L1_SIZE) {
        error_setf(errp, "Active L1 table too large");
        return -EFBIG;
    }
    if (h->l1_size && (h->l1_table_offset & (cs - 1) || h->l1_table_offset < cs ||
                       h->l1_table_offset >= (1ULL << 56))) {
        error_setf(errp, "Invalid L1 table offset");
        return -EINVAL;
    }
    if (h->refcount_table_clusters == 0 ||
        (uint64_t)h->refcount_table_clusters * cs > QCOW2_MAX_REFTABLE_SIZE) {
        error_setf(errp, h->refcount_table_clusters ? "Reference count table too large"
                                                    : "Image does not contain a reference "
                                                      "count table");
        return -EINVAL;
    }
    if (h->refcount_table_offset & (cs - 1) || h->refcount_table_offset < cs ||
        h->refcount_table_offset >= (1ULL << 56)) {
        error_setf(errp, "Invalid reference count table offset");
        return -EINVAL;
    }
    if (h->nb_snapshots > QCOW2_MAX_SNAPSHOTS) {
        error_setf(errp, "Too many snapshots");
        return -EINVAL;
    }
    if (h->nb_snapshots && (h->snapshots_offset & (cs - 1) || h->snapshots_offset < cs ||
                            h->snapshots_offset >= (1ULL << 56))) {
        error_setf(errp, "Invalid snapshot table offset");
        return -EINVAL;
    }
    (void)file_len;
    return 0;
}

static int check_features(BlockDriverState *bs, int flags, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    QCowHeader *h = &s->header;

    if (h->incompatible_features & ~QCOW2_INCOMPAT_KNOWN) {
        char *names = unknown_features_str(s, h->incompatible_features &
                                              ~QCOW2_INCOMPAT_KNOWN);
        error_setf(errp, "Unsupported qcow2 feature(s): %s", names);
        g_free(names);
        return -ENOTSUP;
    }
    if ((h->incompatible_features & QCOW2_INCOMPAT_CORRUPT) && (flags & BDRV_O_RDWR) &&
        !(flags & BDRV_O_CHECK)) {
        error_setf(errp, "qcow2: Image is corrupt; cannot be opened read/write");
        return -EACCES;
    }
    if (h->compression_type > QCOW2_COMPRESSION_ZSTD) {
        error_setf(errp, "qcow2: unknown compression type: %u", h->compression_type);
        return -ENOTSUP;
    }
    if (h->compression_type != QCOW2_COMPRESSION_ZLIB &&
        !(h->incompatible_features & QCOW2_INCOMPAT_COMPRESSION)) {
        error_setf(errp, "qcow2: Compression type incompatible feature bit must be set");
        return -EINVAL;
    }
    if ((h->incompatible_features & QCOW2_INCOMPAT_EXTL2) && h->cluster_bits < 14) {
        error_setf(errp, "Extended L2 entries need a cluster size of at least 16 KiB");
        return -EINVAL;
    }
    if (h->version < 3 && h->refcount_order != 4) {
        error_setf(errp, "Invalid refcount order for a version 2 image");
        return -EINVAL;
    }
    return 0;
}

static void setup_geometry(BDRVQcow2State *s)
{
    QCowHeader *h = &s->header;

    s->cluster_bits = h->cluster_bits;
    s->cluster_size = 1 << s->cluster_bits;
    s->extended_l2 = h->incompatible_features & QCOW2_INCOMPAT_EXTL2;
    s->l2_entry_size = s->extended_l2 ? 16 : 8;
    s->l2_bits = s->cluster_bits - (s->extended_l2 ? 4 : 3);
    s->l2_size = 1 << s->l2_bits;
    s->subcluster_bits = s->extended_l2 ? s->cluster_bits - 5 : s->cluster_bits;
    s->subcluster_size = 1 << s->subcluster_bits;
    s->csize_shift = 62 - (s->cluster_bits - 8);
    s->csize_mask = (1ULL << (s->cluster_bits - 8)) - 1;
    s->cluster_offset_mask = (1ULL << s->csize_shift) - 1;
    s->refcount_order = h->refcount_order;
    s->refcount_bits = 1 << s->refcount_order;
    s->refcount_max = s->refcount_bits == 64 ? UINT64_MAX : (1ULL << s->refcount_bits) - 1;
    s->refcount_block_bits = s->cluster_bits + 3 - s->refcount_order;
    s->refcount_block_size = 1 << s->refcount_block_bits;
    s->l1_size = h->l1_size;
    s->l1_table_offset = h->l1_table_offset;
    s->refcount_table_offset = h->refcount_table_offset;
    s->refcount_table_size = (uint64_t)h->refcount_table_clusters << (s->cluster_bits - 3);
    s->incompatible_features = h->incompatible_features;
    s->compatible_features = h->compatible_features;
    s->autoclear_features = h->autoclear_features;
    s->use_lazy_refcounts = h->compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS;
    s->compression_type = h->compression_type;
    s->nb_snapshots = h->nb_snapshots;
    s->snapshots_offset = h->snapshots_offset;
}

static int read_l1(BlockDriverState *bs, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t need = qcow2_l1_entries_for(s->cluster_bits, s->l2_bits, s->header.size);
    int ret;

    if (s->l1_size < need) {
        error_setf(errp, "L1 table is too small");
        return -EINVAL;
    }
    s->l1_table = g_try_malloc0(MAX((uint64_t)s->l1_size * 8, 8));
    if (!s->l1_table) {
        error_setf(errp, "Could not allocate L1 table");
        return -ENOMEM;
    }
    if (s->l1_size) {
        ret = bdrv_pread(bs->file, s->l1_table_offset, (int64_t)s->l1_size * 8,
                         s->l1_table, 0);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Could not read L1 table");
            return ret;
        }
    }
    for (uint32_t i = 0; i < s->l1_size; i++) {
        s->l1_table[i] = GUINT64_FROM_BE(s->l1_table[i]);
    }
    return 0;
}

static int open_data_file(BlockDriverState *bs, int flags, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    char *path;

    if (!qcow2_has_data_file(s)) {
        if (s->autoclear_features & QCOW2_AUTOCLEAR_DATA_FILE_RAW) {
            error_setf(errp, "data-file-raw requires a data file");
            return -EINVAL;
        }
        s->data_file = bs->file;
        return 0;
    }
    if (!s->image_data_file) {
        error_setf(errp, "Missing data_file option");
        return -EINVAL;
    }
    if (flags & BDRV_O_NO_IO) {
        s->data_file = bs->file;
        return 0;
    }
    /* As QEMU does, a relative name is relative to the working directory. */
    path = g_strdup(s->image_data_file);
    s->data_file = bdrv_open(path, NULL,
                             (flags & (BDRV_O_RDWR | BDRV_O_NOCACHE | BDRV_O_NO_FLUSH |
                                       BDRV_O_FORCE_SHARE)) | BDRV_O_PROTOCOL, errp);
    g_free(path);
    if (!s->data_file) {
        return -EIO;
    }
    return 0;
}

static void qcow2_free_state(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;

    /* nb_snapshots comes from the header before the table is read. */
    if (s->snapshots) {
        qcow2_free_snapshots(bs);
    }
    s->nb_snapshots = 0;
    qcow2_cache_destroy(s->l2_cache);
    qcow2_cache_destroy(s->refcount_cache);
    s->l2_cache = s->refcount_cache = NULL;
    g_free(s->l1_table);
    qcow2_refcount_close(bs);
    g_free(s->features);
    for (int i = 0; i < s->nb_unknown_ext; i++) {
        g_free(s->unknown_ext[i].data);
    }
    g_free(s->unknown_ext);
    g_free(s->bitmaps_ext);
    g_free(s->image_backing_format);
    g_free(s->image_data_file);
    if (s->data_file && s->data_file != bs->file) {
        bdrv_unref(s->data_file);
    }
    s->data_file = NULL;
    pthread_mutex_destroy(&s->lock);
}

/* Repair a dirty lazy-refcount image before writing to it. */
static int repair_dirty(BlockDriverState *bs, Error **errp)
{
    BdrvCheckResult res;
    int ret;

    memset(&res, 0, sizeof(res));
    ret = qcow2_check_refcounts(bs, &res, BDRV_FIX_ERRORS | BDRV_FIX_LEAKS);
    if (ret < 0) {
        error_setf_errno(errp, ret, "Could not repair dirty image");
        return ret;
    }
    ret = qcow2_mark_clean(bs);
    if (ret < 0) {
        error_setf_errno(errp, ret, "Could not clear the dirty bit");
    }
    return ret;
}

static int qcow2_open(BlockDriverState *bs, QDict *options, int flags, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t file_len = bdrv_getlength(bs->file);
    uint8_t *hdr = NULL;
    uint64_t cs;
    int ret;

    pthread_mutex_init(&s->lock, NULL);
    if (file_len < 0) {
        error_setf_errno(errp, file_len, "Could not get the image size");
        ret = file_len;
        goto fail;
    }
    hdr = g_malloc0(QCOW2_HEADER_MAX_SIZE);
    ret = bdrv_file_pread(bs, 0, QCOW2_HEADER_MAX_SIZE, hdr);
    if (ret < 0) {
        error_setf_errno(errp, ret, "Could not read qcow2 header");
        goto fail;
    }
    qcow2_header_decode(&s->header, hdr, QCOW2_HEADER_MAX_SIZE);
    ret = validate_header(bs, &s->header, file_len, errp);
    if (ret < 0) {
        goto fail;
    }
    cs = 1ULL << s->header.cluster_bits;
    /* All of cluster 0: header, extensions and the backing name live there. */
    g_free(hdr);
    hdr = g_malloc0(cs);
    ret = bdrv_file_pread(bs, 0, cs, hdr);
    if (ret < 0) {
        error_setf_errno(errp, ret, "Could not read qcow2 header");
        goto fail;
    }
    qcow2_header_decode(&s->header, hdr, cs);
    /* Version 2 images have extensions too (right after the 72 bytes). */
    ret = read_extensions(bs, hdr, s->header.backing_file_offset ?
                          MIN(cs, s->header.backing_file_offset) : cs, errp);
    if (ret < 0) {
        goto fail;
    }
    ret = check_features(bs, flags, errp);
    if (ret < 0) {
        goto fail;
    }
    setup_geometry(s);
    if (s->header.backing_file_offset) {
        size_t n = s->header.backing_file_size;
        if (n >= sizeof(bs->backing_file)) {
            error_setf(errp, "Backing file name too long");
            ret = -EINVAL;
            goto fail;
        }
        memcpy(bs->backing_file, hdr + s->header.backing_file_offset, n);
        bs->backing_file[n] = 0;
        if (strlen(bs->backing_file) != n) {
            error_setf(errp, "Backing file name contains a NUL byte");
            ret = -EINVAL;
            goto fail;
        }
        if (s->image_backing_format) {
            g_strlcpy(bs->backing_format, s->image_backing_format,
                      sizeof(bs->backing_format));
        }
    }
    bs->total_size = s->header.size;
    {
        int l2_tables = (int)MIN(MAX((uint64_t)s->l1_size, 4), MAX(4, (4 << 20) / cs));
        s->l2_cache = qcow2_cache_create(l2_tables, cs);
        s->refcount_cache = qcow2_cache_create((int)MIN(16, MAX(4, (1 << 20) / cs)), cs);
        s->l2_cache->depends = s->refcount_cache;
    }
    ret = read_l1(bs, errp);
    if (ret < 0) {
        goto fail;
    }
    ret = qcow2_refcount_init(bs, errp);
    if (ret < 0) {
        goto fail;
    }
    ret = open_data_file(bs, flags, errp);
    if (ret < 0) {
        goto fail;
    }
    if (s->nb_snapshots) {
        ret = qcow2_read_snapshots(bs, errp);
        if (ret < 0) {
            goto fail;
        }
    }
    if ((flags & BDRV_O_RDWR) && !(flags & (BDRV_O_CHECK | BDRV_O_INACTIVE))) {
        /* We do not maintain bitmaps: invalidate them as the spec asks, and drop
         * every autoclear bit we do not know. */
        uint64_t keep = QCOW2_AUTOCLEAR_DATA_FILE_RAW;
        if (s->autoclear_features & ~keep) {
            s->autoclear_features &= keep;
            ret = write_feature_bits(bs);
            if (ret < 0) {
                error_setf_errno(errp, ret, "Could not update qcow2 header");
                goto fail;
            }
        }
        if (s->incompatible_features & QCOW2_INCOMPAT_DIRTY) {
            ret = repair_dirty(bs, errp);
            if (ret < 0) {
                goto fail;
            }
        }
    }
    g_free(hdr);
    return 0;
fail:
    g_free(hdr);
    qcow2_free_state(bs);
    return ret;
}

static void qcow2_close(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;

    if (!bs->read_only && !(bs->open_flags & BDRV_O_INACTIVE)) {
        qcow2_flush_caches(bs);
        if (s->dirty_set_by_us) {
            qcow2_mark_clean(bs);
        }
    }
    qcow2_free_state(bs);
}

static int qcow2_probe(const uint8_t *buf, int len, const char *filename)
{
    if (len >= 8 && rd32(buf) == QCOW_MAGIC && (rd32(buf + 4) == 2 || rd32(buf + 4) == 3)) {
        return 100;
    }
    return 0;
}

/* ---- Information ---- */

/* New clusters read as zeroes, except through a raw external data file that had data. */
static bool qcow2_has_zero_init(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    if (qcow2_has_data_file(s) && (s->autoclear_features & QCOW2_AUTOCLEAR_DATA_FILE_RAW)) {
        return bdrv_has_zero_init(s->data_file);
    }
    return true;
}

static int qcow2_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    BDRVQcow2State *s = bs->opaque;

    memset(bdi, 0, sizeof(*bdi));
    bdi->cluster_size = s->cluster_size;
    bdi->vm_state_offset = (int64_t)qcow2_l1_entries_for(s->cluster_bits, s->l2_bits,
                                                         bs->total_size)
                           << (s->cluster_bits + s->l2_bits);
    bdi->is_dirty = s->incompatible_features & QCOW2_INCOMPAT_DIRTY;
    bdi->unallocated_blocks_are_zero = !bs->backing;
    return 0;
}

/*
 * The bitmap directory as qemu-img info lists it: name, granularity, flags.
 * NULL when the extension is absent, invalid, or cannot be read.
 */
#define BME_FLAG_IN_USE (1u << 0)
#define BME_FLAG_AUTO   (1u << 1)
#define BME_MAX_DIR_SIZE (64u << 20)

static QList *bitmaps_info(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    uint32_t nb;
    uint64_t dir_size, dir_off, pos = 0;
    uint8_t *dir;
    QList *list;

    if (!s->bitmaps_ext || s->bitmaps_ext_len < 24 ||
        !(s->autoclear_features & QCOW2_AUTOCLEAR_BITMAPS)) {
        return NULL;
    }
    nb = rd32(s->bitmaps_ext);
    dir_size = rd64(s->bitmaps_ext + 8);
    dir_off = rd64(s->bitmaps_ext + 16);
    if (nb == 0 || nb > 65535 || dir_size > BME_MAX_DIR_SIZE || dir_size < 24ULL * nb ||
        !qcow2_offset_valid(s, dir_off)) {
        return NULL;
    }
    dir = g_try_malloc(dir_size);
    if (!dir || bdrv_pread(bs->file, dir_off, dir_size, dir, 0) < 0) {
        g_free(dir);
        return NULL;
    }
    list = qlist_new();
    for (uint32_t i = 0; i < nb; i++) {
        uint32_t flags, extra;
        uint16_t name_len;
        uint8_t gran_bits;
        QDict *e;
        QList *fl;

        if (dir_size - pos < 24) {
            goto bad;
        }
        flags = rd32(dir + pos + 12);
        gran_bits = dir[pos + 17];
        name_len = (dir[pos + 18] << 8) | dir[pos + 19];
        extra = rd32(dir + pos + 20);
        if (gran_bits > 63 || (uint64_t)extra + name_len > dir_size - pos - 24) {
            goto bad;
        }
        e = qdict_new();
        fl = qlist_new();
        if (flags & BME_FLAG_IN_USE) {
            qlist_append(fl, qstring_new("in-use"));
        }
        if (flags & BME_FLAG_AUTO) {
            qlist_append(fl, qstring_new("auto"));
        }
        qdict_put(e, "flags", fl);
        qdict_put(e, "name", qstring_new_len((const char *)dir + pos + 24 + extra, name_len));
        qdict_put(e, "granularity", qnum_from_uint(1ULL << gran_bits));
        qlist_append(list, e);
        pos += ROUND_UP(24 + (uint64_t)extra + name_len, 8);
    }
    g_free(dir);
    return list;
bad:
    g_free(dir);
    qobject_unref(list);
    return NULL;
}

static QDict *qcow2_get_specific_info(BlockDriverState *bs, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    QDict *d = qdict_new();

    if (s->header.version < 3) {
        qdict_put_str(d, "compat", "0.10");
        qdict_put_str(d, "compression-type", "zlib");
        qdict_put_int(d, "refcount-bits", s->refcount_bits);
        return d;
    }
    qdict_put_str(d, "compat", "1.1");
    qdict_put_str(d, "compression-type",
                  s->compression_type == QCOW2_COMPRESSION_ZSTD ? "zstd" : "zlib");
    qdict_put_bool(d, "lazy-refcounts", s->use_lazy_refcounts);
    {
        QList *bitmaps = bitmaps_info(bs);
        if (bitmaps) {
            qdict_put(d, "bitmaps", bitmaps);
        }
    }
    qdict_put_int(d, "refcount-bits", s->refcount_bits);
    if (s->image_data_file) {
        qdict_put_str(d, "data-file", s->image_data_file);
        qdict_put_bool(d, "data-file-raw",
                       s->autoclear_features & QCOW2_AUTOCLEAR_DATA_FILE_RAW);
    }
    qdict_put_bool(d, "corrupt", s->incompatible_features & QCOW2_INCOMPAT_CORRUPT);
    qdict_put_bool(d, "extended-l2", s->extended_l2);
    return d;
}

static int qcow2_change_backing_file(BlockDriverState *bs, const char *backing_file,
                                     const char *backing_fmt, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    char old_file[PATH_MAX], old_fmt[32];
    char *old_ext = s->image_backing_format;
    int ret;

    if (backing_file && strlen(backing_file) > QCOW2_MAX_BACKING_NAME) {
        error_setf(errp, "Backing file name too long");
        return -EINVAL;
    }
    if (backing_fmt && strlen(backing_fmt) >= sizeof(bs->backing_format)) {
        error_setf(errp, "Backing format name too long");
        return -EINVAL;
    }
    if (backing_file && backing_file[0] &&
        (s->autoclear_features & QCOW2_AUTOCLEAR_DATA_FILE_RAW)) {
        error_setf(errp, "Cannot use a backing file with data-file-raw");
        return -EINVAL;
    }
    pthread_mutex_lock(&s->lock);
    g_strlcpy(old_file, bs->backing_file, sizeof(old_file));
    g_strlcpy(old_fmt, bs->backing_format, sizeof(old_fmt));
    g_strlcpy(bs->backing_file, backing_file ? backing_file : "", sizeof(bs->backing_file));
    g_strlcpy(bs->backing_format, backing_fmt && bs->backing_file[0] ? backing_fmt : "",
              sizeof(bs->backing_format));
    s->image_backing_format = bs->backing_format[0] ? g_strdup(bs->backing_format) : NULL;
    ret = qcow2_flush_caches(bs);
    if (ret >= 0) {
        ret = qcow2_update_header(bs);
    }
    if (ret >= 0) {
        ret = bdrv_flush(bs->file);
    }
    if (ret < 0) {
        g_free(s->image_backing_format);
        s->image_backing_format = old_ext;
        g_strlcpy(bs->backing_file, old_file, sizeof(bs->backing_file));
        g_strlcpy(bs->backing_format, old_fmt, sizeof(bs->backing_format));
        pthread_mutex_unlock(&s->lock);
        error_setf_errno(errp, ret, ret == -ENOSPC ? "Backing file name does not fit in the "
                         "header cluster" : "Could not update the header");
        return ret;
    }
    g_free(old_ext);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* The image file plus an external data file, as QEMU counts them. */
static int64_t qcow2_get_allocated_file_size(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t size = bdrv_get_allocated_file_size(bs->file);

    if (size >= 0 && s->data_file && s->data_file != bs->file) {
        int64_t dsize = bdrv_get_allocated_file_size(s->data_file);
        size = dsize < 0 ? dsize : size + dsize;
    }
    return size;
}

static const CreateOptDesc qcow2_create_opts[] = {
    { "size", OPT_SIZE, "Size of the disk the guest sees", NULL },
    { "compat", OPT_STRING, "Format version: 0.10 (v2) or 1.1 (v3)", NULL },
    { "backing_file", OPT_STRING, "Image this one is an overlay of", NULL },
    { "backing_fmt", OPT_STRING, "Format of the backing image", NULL },
    { "data_file", OPT_STRING, "Keep guest data in this separate file", NULL },
    { "data_file_raw", OPT_BOOL, "Keep the data file readable as a plain raw image",
      NULL },
    { "encryption", OPT_BOOL, "Legacy AES encryption (not supported: refused)", NULL },
    { "encrypt.format", OPT_STRING, "Encryption format (not supported: refused)",
      NULL },
    /* Listed for -o help compatibility; any encrypt.* option is refused. */
    { "encrypt.cipher-alg", OPT_STRING, "Encryption cipher (not supported: refused)", NULL },
    { "encrypt.cipher-mode", OPT_STRING, "Encryption cipher mode (not supported: refused)", NULL },
    { "encrypt.hash-alg", OPT_STRING, "Encryption hash (not supported: refused)", NULL },
    { "encrypt.iter-time", OPT_NUMBER, "Key derivation time in ms (not supported: refused)", NULL },
    { "encrypt.ivgen-alg", OPT_STRING, "IV generator (not supported: refused)", NULL },
    { "encrypt.ivgen-hash-alg", OPT_STRING, "IV generator hash (not supported: refused)", NULL },
    { "encrypt.key-secret", OPT_STRING, "Secret object with the key (not supported: refused)", NULL },
    { "cluster_size", OPT_SIZE, "Allocation unit in bytes (512 to 2M, a power of two)", "65536" },
    { "preallocation", OPT_STRING, "Space to reserve up front: off, metadata, falloc or full", NULL },
    { "lazy_refcounts", OPT_BOOL, "Update reference counts lazily (needs a check after a crash)", "off" },
    { "refcount_bits", OPT_NUMBER, "Bits per reference count: 1 to 64, a power of two", "16" },
    { "compression_type", OPT_STRING, "Algorithm for compressed clusters: zlib or zstd", "zlib" },
    { "extended_l2", OPT_BOOL, "Split clusters into 32 subclusters (extended L2 entries)", "off" },
    { NULL }
};

static BlockDriver bdrv_qcow2 = {
    .format_name = "qcow2",
    .instance_size = sizeof(BDRVQcow2State),
    .supports_backing = true,
    .probe = qcow2_probe,
    .open = qcow2_open,
    .close = qcow2_close,
    .create = qcow2_create,
    .create_opts = qcow2_create_opts,
    .pread = qcow2_pread,
    .pwrite = qcow2_pwrite,
    .pwrite_zeroes = qcow2_pwrite_zeroes,
    .pwrite_compressed = qcow2_pwrite_compressed,
    .pdiscard = qcow2_pdiscard,
    .flush = qcow2_flush,
    .truncate = qcow2_truncate,
    .block_status = qcow2_block_status,
    .get_allocated_file_size = qcow2_get_allocated_file_size,
    .get_info = qcow2_get_info,
    .has_zero_init = qcow2_has_zero_init,
    .get_specific_info = qcow2_get_specific_info,
    .snapshot_list = qcow2_snapshot_list,
    .snapshot_create = qcow2_snapshot_create,
    .snapshot_goto = qcow2_snapshot_goto,
    .snapshot_load_tmp = qcow2_snapshot_load_tmp,
    .snapshot_delete = qcow2_snapshot_delete,
    .check = qcow2_check,
    .amend = qcow2_amend,
    .measure = qcow2_measure,
    .change_backing_file = qcow2_change_backing_file,
    .make_empty = qcow2_make_empty,
};

BLOCK_DRIVER_INIT(bdrv_qcow2)
