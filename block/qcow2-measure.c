/*
 * qemu-img measure for qcow2: the file size a new image with the given
 * options needs (metadata, plus the data of an input image), and the size
 * when fully allocated. The arithmetic follows the on-disk layout: one header
 * cluster, L2 tables for every guest cluster, the L1 table, and refcount
 * blocks and table covering all of it (including themselves).
 */
#include <errno.h>
#include <string.h>
#include <glib.h>
#include "libcore/cutils.h"
#include "block/qcow2-maint.h"

typedef struct MeasureOpts {
    uint64_t cluster_size;
    int version;
    uint64_t refcount_bits;
    bool extended_l2;
    PreallocMode prealloc;
    bool has_backing;
    uint64_t size;
} MeasureOpts;

static int ctz64(uint64_t v)
{
    return __builtin_ctzll(v);
}

/*
 * Clusters of refcount blocks and table needed to count clusters plus
 * themselves: iterate to the fixed point.
 */
static uint64_t refcount_metadata_clusters(uint64_t clusters, uint64_t cluster_size,
                                           int refcount_order)
{
    uint64_t per_block = cluster_size * 8 >> refcount_order;
    uint64_t per_table_cluster = cluster_size / 8;
    uint64_t blocks = 0, table = 0, n = 0, last;

    do {
        last = n;
        blocks = (clusters + table + blocks + per_block - 1) / per_block;
        table = (blocks + per_table_cluster - 1) / per_table_cluster;
        n = clusters + blocks + table;
    } while (n != last);
    return blocks + table;
}

/* Bytes of a fully preallocated image of aligned_size guest bytes. */
static uint64_t prealloc_size(uint64_t aligned_size, uint64_t cluster_size, int refcount_order,
                              bool extended_l2)
{
    uint64_t l2e_size = extended_l2 ? 16 : 8;
    uint64_t meta = cluster_size;           /* header */
    uint64_t nl2e, nl1e;

    nl2e = QCOW2M_ALIGN_UP(aligned_size / cluster_size, cluster_size / l2e_size);
    meta += nl2e * l2e_size;
    nl1e = QCOW2M_ALIGN_UP(nl2e * l2e_size / cluster_size, cluster_size / 8);
    meta += nl1e * 8;
    meta += refcount_metadata_clusters((meta + aligned_size) / cluster_size, cluster_size,
                                       refcount_order) * cluster_size;
    return meta + aligned_size;
}

static bool parse_compat(const char *str, int *version, Error **errp)
{
    if (!str) {
        return true;
    }
    if (!strcmp(str, "0.10") || !strcmp(str, "v2")) {
        *version = 2;
    } else if (!strcmp(str, "1.1") || !strcmp(str, "v3")) {
        *version = 3;
    } else {
        error_setf(errp, "Invalid compatibility level: '%s'", str);
        return false;
    }
    return true;
}

static bool parse_opts(QDict *opts, MeasureOpts *m, Error **errp)
{
    const char *str;
    bool encrypt = false;

    *m = (MeasureOpts){ .cluster_size = 65536, .version = 3, .refcount_bits = 16 };
    if (!create_opt_get_bool(opts, "extended_l2", &m->extended_l2, errp) ||
        !create_opt_get_size(opts, "cluster_size", &m->cluster_size, errp)) {
        return false;
    }
    if (m->cluster_size < 512 || m->cluster_size > 2 * 1024 * 1024 ||
        (m->cluster_size & (m->cluster_size - 1))) {
        error_setf(errp, "Cluster size must be a power of two between 512 and 2048k");
        return false;
    }
    if (!parse_compat(create_opt_get_str(opts, "compat"), &m->version, errp)) {
        return false;
    }
    str = create_opt_get_str(opts, "refcount_bits");
    if (str && (!parse_uint64(str, &m->refcount_bits, NULL) || m->refcount_bits == 0 ||
                m->refcount_bits > 64 || (m->refcount_bits & (m->refcount_bits - 1)))) {
        error_setf(errp, "Refcount width must be a power of two and may not exceed 64 bits");
        return false;
    }
    if (m->version < 3 && m->refcount_bits != 16) {
        error_setf(errp, "Different refcount widths than 16 bits require compatibility level "
                   "1.1 or above (use compat=1.1 or greater)");
        return false;
    }
    if (m->extended_l2 && m->cluster_size < 16384) {
        error_setf(errp, "Extended L2 entries are only supported with cluster sizes of at "
                   "least 16384 bytes");
        return false;
    }
    str = create_opt_get_str(opts, "preallocation");
    if (str && !prealloc_mode_parse(str, &m->prealloc, NULL)) {
        error_setf(errp, "invalid parameter value: %s", str);
        return false;
    }
    m->has_backing = create_opt_get_str(opts, "backing_file") != NULL;
    if (!create_opt_get_bool(opts, "encryption", &encrypt, errp)) {
        return false;
    }
    if (encrypt || create_opt_get_str(opts, "encrypt.format")) {
        error_setf(errp, "qcow2 encryption is not supported");
        return false;
    }
    /* options that do not change the size */
    create_opt_get_str(opts, "backing_fmt");
    create_opt_get_str(opts, "compression_type");
    create_opt_get_str(opts, "data_file");
    if (!create_opt_get_bool(opts, "lazy_refcounts", &encrypt, errp) ||
        !create_opt_get_bool(opts, "data_file_raw", &encrypt, errp)) {
        return false;
    }
    return create_opt_get_size(opts, "size", &m->size, errp);
}

/* Bytes of in_bs that hold data, rounded out to whole clusters of the target. */
static int64_t allocated_bytes(BlockDriverState *in_bs, int64_t size, uint64_t cluster_size,
                               Error **errp)
{
    int64_t required = 0, pnum;

    for (int64_t off = 0; off < size; off += pnum) {
        int ret = bdrv_block_status_above(in_bs, NULL, off, size - off, &pnum, NULL, NULL,
                                          NULL);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Unable to get block status");
            return ret;
        }
        if (pnum <= 0) {
            error_setf(errp, "Unable to get block status: empty extent");
            return -EIO;
        }
        if (ret & BDRV_BLOCK_ZERO) {
            continue;     /* no backing file: zeroes need no clusters */
        }
        if ((ret & (BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED)) ==
            (BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED)) {
            pnum = QCOW2M_ALIGN_UP((uint64_t)(off + pnum), cluster_size) - off;
            required += off % cluster_size + pnum;
        }
    }
    return required;
}

/* Space the persistent bitmaps of a qcow2 input image would take in the copy. */
static uint64_t bitmaps_size(BlockDriverState *in_bs, uint64_t cluster_size)
{
    BDRVQcow2State *s = in_bs->opaque;
    uint64_t dir_size, dir_offset, pos = 0, total = 0, dir_bytes = 0;
    uint64_t disk = in_bs->total_size;
    uint8_t *dir;

    if (!s->bitmaps_ext || s->bitmaps_ext_len < 24 ||
        !(s->autoclear_features & QCOW2_AUTOCLEAR_BITMAPS)) {
        return 0;
    }
    memcpy(&dir_size, s->bitmaps_ext + 8, 8);
    memcpy(&dir_offset, s->bitmaps_ext + 16, 8);
    dir_size = GUINT64_FROM_BE(dir_size);
    dir_offset = GUINT64_FROM_BE(dir_offset);
    if (dir_size == 0 || dir_size > 64 * 1024 * 1024) {
        return 0;
    }
    dir = g_malloc(dir_size);
    if (bdrv_file_pread(in_bs, dir_offset, dir_size, dir) < 0) {
        g_free(dir);
        return 0;
    }
    while (pos + 24 <= dir_size) {
        unsigned gran_bits = dir[pos + 17];
        uint16_t name_size = (dir[pos + 18] << 8) | dir[pos + 19];
        uint32_t extra = ((uint32_t)dir[pos + 20] << 24) | (dir[pos + 21] << 16) |
                         (dir[pos + 22] << 8) | dir[pos + 23];
        uint64_t bits, clusters;

        if (gran_bits < 9 || gran_bits > 31) {
            break;
        }
        bits = (disk + (1ULL << gran_bits) - 1) >> gran_bits;
        clusters = ((bits + 7) / 8 + cluster_size - 1) / cluster_size;
        total += clusters * cluster_size + QCOW2M_ALIGN_UP(clusters * 8, cluster_size);
        dir_bytes += QCOW2M_ALIGN_UP((uint64_t)name_size + 24, 8);
        pos = QCOW2M_ALIGN_UP(pos + 24 + (uint64_t)extra + name_size, 8);
    }
    g_free(dir);
    return total + QCOW2M_ALIGN_UP(dir_bytes, cluster_size);
}

/* L1 entries an image of size bytes needs (without overflowing). */
static uint64_t l1_entries(uint64_t size, const MeasureOpts *m)
{
    uint64_t per_l2 = m->cluster_size / (m->extended_l2 ? 16 : 8);
    uint64_t clusters = size / m->cluster_size + (size % m->cluster_size != 0);

    return clusters / per_l2 + (clusters % per_l2 != 0);
}

static bool is_qcow2_v3(BlockDriverState *bs)
{
    return bs && bs->drv && !strcmp(bs->drv->format_name, "qcow2") &&
           ((BDRVQcow2State *)bs->opaque)->header.version >= 3;
}

int qcow2_measure(QDict *opts, BlockDriverState *in_bs, BlockMeasureInfo *info,
                  Error **errp)
{
    MeasureOpts m;
    uint64_t virtual_size, required = 0;
    int order;

    if (!parse_opts(opts, &m, errp)) {
        return -EINVAL;
    }
    order = ctz64(m.refcount_bits);
    if (in_bs) {
        int64_t ssize = bdrv_getlength(in_bs);
        if (ssize < 0) {
            error_setf_errno(errp, ssize, "Unable to get image virtual_size");
            return ssize;
        }
        virtual_size = QCOW2M_ALIGN_UP((uint64_t)ssize, m.cluster_size);
        if (m.has_backing) {
            /* nothing is known about what the backing file shares: count it all */
            required = virtual_size;
        } else {
            int64_t n = allocated_bytes(in_bs, ssize, m.cluster_size, errp);
            if (n < 0) {
                return n;
            }
            required = n;
        }
    } else {
        virtual_size = QCOW2M_ALIGN_UP(m.size, m.cluster_size);
    }
    if (l1_entries(virtual_size, &m) > QCOW2_MAX_L1_SIZE) {
        error_setf(errp, "The image size is too large (try using a larger cluster size)");
        return -EINVAL;
    }
    if (m.prealloc == PREALLOC_MODE_FULL || m.prealloc == PREALLOC_MODE_FALLOC) {
        required = virtual_size;
    }
    info->fully_allocated = prealloc_size(virtual_size, m.cluster_size, order, m.extended_l2);
    /* the fully allocated metadata stays counted: an overestimate */
    info->required = info->fully_allocated - virtual_size + required;
    info->has_bitmaps = m.version >= 3 && is_qcow2_v3(in_bs);
    info->bitmaps = info->has_bitmaps ? bitmaps_size(in_bs, m.cluster_size) : 0;
    return 0;
}
