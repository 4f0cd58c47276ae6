/*
 * qcow2 data paths: reads (lookup under the image lock, data I/O outside it),
 * writes (in place for clusters we own alone, else allocate + copy-on-write,
 * subcluster aware), zero writes, discard, compressed writes, flush and
 * block status.
 *
 * Ordering of an allocating write: refcounts of the new clusters (through the
 * refcount cache), data, then the L2 entry (the cache writes refcounts first
 * with a flush barrier), and only then references to old clusters are
 * dropped. Every request writes its metadata before returning.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>
#include "block/qcow2.h"
#include "block/qcow2-int.h"

#define MAX_RUN_BYTES (8u << 20)      /* data buffer of one allocating step */

/* ---- Reads ---- */

static int read_backing(BlockDriverState *bs, uint64_t offset, uint64_t bytes, uint8_t *buf)
{
    int64_t blen;
    uint64_t n = 0;
    int ret;

    if (bs->backing) {
        blen = bdrv_getlength(bs->backing);
        if (blen < 0) {
            return blen;
        }
        if (offset < (uint64_t)blen) {
            n = MIN(bytes, (uint64_t)blen - offset);
            ret = bdrv_pread(bs->backing, offset, n, buf, 0);
            if (ret < 0) {
                return ret;
            }
        }
    }
    memset(buf + n, 0, bytes - n);
    return 0;
}

static int read_compressed(BlockDriverState *bs, uint64_t l2_entry, uint64_t in_cluster,
                           uint64_t bytes, uint8_t *buf)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t host, csize;
    uint8_t *in, *out;
    int ret;

    if (qcow2_has_data_file(s)) {
        qcow2_signal_corruption(bs, "Compressed cluster in an image with a data file");
        return -EIO;
    }
    qcow2_compressed_decode(s, l2_entry, &host, &csize);
    in = g_try_malloc(csize);
    out = g_try_malloc(s->cluster_size);
    if (!in || !out) {
        ret = -ENOMEM;
        goto out;
    }
    ret = bdrv_file_pread(bs, host, csize, in);
    if (ret < 0) {
        goto out;
    }
    ret = qcow2_decompress(s->compression_type, out, s->cluster_size, in, csize);
    if (ret < 0) {
        ret = -EIO;
        goto out;
    }
    memcpy(buf, out + in_cluster, bytes);
out:
    g_free(in);
    g_free(out);
    return ret < 0 ? ret : 0;
}

/* The I/O of one extent (no lock needed). */
static int read_extent(BlockDriverState *bs, const Qcow2Extent *ext, uint64_t offset,
                       uint8_t *buf)
{
    BDRVQcow2State *s = bs->opaque;

    switch (ext->type) {
    case QCOW2_SUBCLUSTER_UNALLOCATED_PLAIN:
    case QCOW2_SUBCLUSTER_UNALLOCATED_ALLOC:
        return read_backing(bs, offset, ext->bytes, buf);
    case QCOW2_SUBCLUSTER_ZERO_PLAIN:
    case QCOW2_SUBCLUSTER_ZERO_ALLOC:
        memset(buf, 0, ext->bytes);
        return 0;
    case QCOW2_SUBCLUSTER_NORMAL: {
        int ret = bdrv_pread(s->data_file, ext->host, ext->bytes, buf, 0);
        return ret < 0 ? ret : 0;
    }
    case QCOW2_SUBCLUSTER_COMPRESSED:
        return read_compressed(bs, ext->l2_entry, qcow2_offset_into_cluster(s, offset),
                               ext->bytes, buf);
    default:
        return -EIO;
    }
}

/* Read with the lock held throughout (copy-on-write sources). */
static int read_locked(BlockDriverState *bs, uint64_t offset, uint64_t bytes, uint8_t *buf)
{
    while (bytes) {
        Qcow2Extent ext;
        int ret = qcow2_map_extent(bs, offset, bytes, &ext);
        if (ret < 0) {
            return ret;
        }
        ret = read_extent(bs, &ext, offset, buf);
        if (ret < 0) {
            return ret;
        }
        offset += ext.bytes;
        buf += ext.bytes;
        bytes -= ext.bytes;
    }
    return 0;
}

int qcow2_pread(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf, int flags)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t *p = buf;

    while (bytes > 0) {
        Qcow2Extent ext;
        int ret;

        pthread_mutex_lock(&s->lock);
        ret = qcow2_map_extent(bs, offset, bytes, &ext);
        pthread_mutex_unlock(&s->lock);
        if (ret < 0) {
            return ret;
        }
        ret = read_extent(bs, &ext, offset, p);
        if (ret < 0) {
            return ret;
        }
        offset += ext.bytes;
        p += ext.bytes;
        bytes -= ext.bytes;
    }
    return 0;
}

/* ---- Writes ---- */

static int prepare_write(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;

    if (s->corrupt) {
        return -EIO;
    }
    if (s->use_lazy_refcounts && !(s->incompatible_features & QCOW2_INCOMPAT_DIRTY)) {
        return qcow2_mark_dirty(bs);
    }
    return 0;
}

/* Does the entry give us a host cluster we may write in place? */
static bool entry_is_ours(BDRVQcow2State *s, uint64_t entry)
{
    Qcow2ClusterType t = qcow2_get_cluster_type(s, entry);

    if (t != QCOW2_CLUSTER_NORMAL && t != QCOW2_CLUSTER_ZERO_ALLOC) {
        return false;
    }
    return (entry & QCOW_OFLAG_COPIED) || qcow2_has_data_file(s);
}

/*
 * If [offset, +bytes) starts in clusters we own whose touched subclusters
 * are all allocated, return the host offset and the length of the run (host
 * contiguous, within one L2 table) writable in place; 0 otherwise.
 */
static int inplace_run(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                       uint64_t *host, uint64_t *len)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t pos = offset, end = offset + bytes;
    Qcow2Extent ext;

    *host = 0;
    int ret;

    *len = 0;
    while (pos < end) {
        uint64_t entry, bitmap;
        ret = qcow2_map_extent(bs, pos, end - pos, &ext);
        if (ret < 0) {
            return ret;
        }
        if (ext.type != QCOW2_SUBCLUSTER_NORMAL) {
            break;
        }
        /* map_extent merges NORMAL runs; ownership is per cluster. */
        for (uint64_t c = qcow2_start_of_cluster(s, pos); c < pos + ext.bytes;
             c += s->cluster_size) {
            ret = qcow2_get_l2_entry_for(bs, c, &entry, &bitmap);
            if (ret < 0) {
                return ret;
            }
            if (!entry_is_ours(s, entry)) {
                goto done;
            }
            if (c + s->cluster_size >= pos + ext.bytes) {
                break;
            }
        }
        if (pos == offset) {
            *host = ext.host;
        } else if (ext.host != *host + (pos - offset)) {
            break;
        }
        pos += ext.bytes;
    }
done:
    *len = MIN(pos, end) - offset;
    if (*len && qcow2_overlaps_metadata(bs, *host, *len) && !qcow2_has_data_file(s)) {
        qcow2_signal_corruption(bs, "Preventing invalid write on metadata (host offset %#"
                                PRIx64 ")", *host);
        return -EIO;
    }
    return 0;
}

/* Subcluster-aligned span [*lo, *hi) of the touched bytes within a cluster. */
static void touched_span(BDRVQcow2State *s, uint64_t in_cluster, uint64_t n,
                         uint64_t *lo, uint64_t *hi)
{
    *lo = in_cluster & ~(uint64_t)(s->subcluster_size - 1);
    *hi = ROUND_UP(in_cluster + n, (uint64_t)s->subcluster_size);
}

static bool is_zero(const uint8_t *p, size_t len)
{
    return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

/*
 * Write the region [lo, hi) of a cluster run at host, whose new data is at
 * [in0, in0 + n). When the copied-around parts are zeroes, zero the region in
 * the file cheaply (a hole) and write only the data, as QEMU does.
 */
static int write_region(BlockDriverState *bs, uint64_t host, const uint8_t *buf,
                        uint64_t lo, uint64_t hi, uint64_t in0, uint64_t n)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    if ((in0 > lo || in0 + n < hi) && is_zero(buf, in0 - lo) &&
        is_zero(buf + (in0 + n - lo), hi - in0 - n) &&
        bdrv_pwrite_zeroes(s->data_file, host + lo, hi - lo, BDRV_REQ_NO_FALLBACK) == 0) {
        ret = bdrv_pwrite(s->data_file, host + in0, n, buf + (in0 - lo), 0);
    } else {
        ret = bdrv_pwrite(s->data_file, host + lo, hi - lo, buf, 0);
    }
    return ret < 0 ? ret : 0;
}

/*
 * One allocating step, lock held: starting at offset, write as much as fits
 * in one run of clusters of one L2 table. *done receives the bytes written.
 */
static int write_alloc(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                       const uint8_t *data, uint64_t *done)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t c0 = qcow2_start_of_cluster(s, offset);
    uint64_t in0 = offset - c0;
    uint64_t *l2 = NULL;
    uint64_t old_entries[MAX_RUN_BYTES >> QCOW2_MIN_CLUSTER_BITS > 4096 ? 4096 :
                         MAX_RUN_BYTES >> QCOW2_MIN_CLUSTER_BITS];
    int idx0, nc = 1, max_nc;
    uint64_t entry, bitmap, region_lo, region_hi, host;
    bool reuse, has_old_host;
    uint8_t *buf = NULL;
    int ret;

    ret = qcow2_get_l2_for_write(bs, offset, &l2);
    if (ret < 0) {
        return ret;
    }
    idx0 = qcow2_l2_index(s, offset);
    entry = qcow2_get_l2_entry(s, l2, idx0);
    bitmap = qcow2_get_l2_bitmap(s, l2, idx0);
    reuse = entry_is_ours(s, entry);
    has_old_host = qcow2_get_cluster_type(s, entry) != QCOW2_CLUSTER_UNALLOCATED &&
                   qcow2_get_cluster_type(s, entry) != QCOW2_CLUSTER_ZERO_PLAIN;

    /* The bytes of the first cluster we write, and the region we rewrite. */
    if (s->extended_l2 && (reuse || !has_old_host)) {
        touched_span(s, in0, MIN(bytes, s->cluster_size - in0), &region_lo, &region_hi);
    } else {
        region_lo = 0;
        region_hi = s->cluster_size;
    }
    /* Extend a plain (non-subcluster) allocation over following clusters. */
    max_nc = MIN(s->l2_size - idx0, (int)(MAX_RUN_BYTES >> s->cluster_bits));
    max_nc = MIN(max_nc, (int)G_N_ELEMENTS(old_entries));
    old_entries[0] = entry;
    if (!s->extended_l2 && !reuse && !qcow2_has_data_file(s)) {
        while (nc < max_nc && in0 + bytes > (uint64_t)nc * s->cluster_size) {
            uint64_t e = qcow2_get_l2_entry(s, l2, idx0 + nc);
            if (entry_is_ours(s, e)) {
                break;
            }
            old_entries[nc++] = e;
        }
        region_hi = (uint64_t)nc * s->cluster_size;
    }

    /* Host clusters. */
    if (reuse) {
        host = entry & L2E_OFFSET_MASK;
    } else if (qcow2_has_data_file(s)) {
        host = c0;                    /* fixed guest = host mapping */
    } else {
        int64_t r = qcow2_alloc_clusters(bs, (uint64_t)nc << s->cluster_bits);
        if (r < 0) {
            ret = r;
            goto out;
        }
        host = r;
    }
    if (!qcow2_has_data_file(s) && qcow2_overlaps_metadata(bs, host, region_hi)) {
        qcow2_signal_corruption(bs, "Preventing invalid write on metadata (host offset %#"
                                PRIx64 ")", host);
        ret = -EIO;
        goto fail_alloc;
    }

    /* Build the region: old content around the new data. */
    *done = MIN(bytes, region_hi - in0);
    buf = g_try_malloc(region_hi - region_lo);
    if (!buf) {
        ret = -ENOMEM;
        goto fail_alloc;
    }
    if (in0 > region_lo) {
        ret = read_locked(bs, c0 + region_lo, in0 - region_lo, buf);
        if (ret < 0) {
            goto fail_alloc;
        }
    }
    memcpy(buf + (in0 - region_lo), data, *done);
    if (in0 + *done < region_hi) {
        ret = read_locked(bs, c0 + in0 + *done, region_hi - in0 - *done,
                          buf + (in0 + *done - region_lo));
        if (ret < 0) {
            goto fail_alloc;
        }
    }
    ret = write_region(bs, host, buf, region_lo, region_hi, in0, *done);
    if (ret < 0) {
        goto fail_alloc;
    }

    /* Point the L2 entries at the new data. */
    for (int i = 0; i < nc; i++) {
        uint64_t h = host + ((uint64_t)i << s->cluster_bits);
        qcow2_set_l2_entry(s, l2, idx0 + i, h | QCOW_OFLAG_COPIED);
    }
    if (s->extended_l2) {
        uint32_t alloc = qcow2_bitmap_alloc(bitmap), zero = qcow2_bitmap_zero(bitmap);
        uint32_t touched = qcow2_sc_mask(region_lo >> s->subcluster_bits,
                                         (region_hi - region_lo) >> s->subcluster_bits);
        if (qcow2_get_cluster_type(s, entry) == QCOW2_CLUSTER_COMPRESSED) {
            alloc = 0xffffffffu;
            zero = 0;
        }
        qcow2_set_l2_bitmap(s, l2, idx0, qcow2_bitmap_make(alloc | touched, zero & ~touched));
    }
    qcow2_l2_mark_dirty(bs, l2);
    ret = qcow2_write_caches(bs);
    if (ret < 0) {
        goto out;
    }
    /* Only now may the old clusters lose their references. */
    if (!reuse) {
        for (int i = 0; i < nc; i++) {
            qcow2_free_any_cluster(bs, old_entries[i], 1);
        }
        ret = qcow2_write_caches(bs);
    }
    goto out;

fail_alloc:
    if (!reuse && !qcow2_has_data_file(s)) {
        qcow2_free_clusters(bs, host, (uint64_t)nc << s->cluster_bits);
    }
out:
    g_free(buf);
    qcow2_l2_put(bs, &l2);
    return ret < 0 ? ret : 0;
}

int qcow2_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf,
                 int flags)
{
    BDRVQcow2State *s = bs->opaque;
    const uint8_t *p = buf;
    int ret = 0;

    while (bytes > 0) {
        uint64_t host, len, done;

        pthread_mutex_lock(&s->lock);
        ret = prepare_write(bs);
        if (ret >= 0) {
            ret = inplace_run(bs, offset, bytes, &host, &len);
        }
        if (ret >= 0 && len) {
            /* Clusters only we reference: the data goes out without the lock. */
            pthread_mutex_unlock(&s->lock);
            ret = bdrv_pwrite(s->data_file, host, len, p, 0);
            done = len;
        } else {
            if (ret >= 0) {
                ret = write_alloc(bs, offset, bytes, p, &done);
            }
            pthread_mutex_unlock(&s->lock);
        }
        if (ret < 0) {
            return ret;
        }
        offset += done;
        p += done;
        bytes -= done;
    }
    if (flags & BDRV_REQ_FUA) {
        pthread_mutex_lock(&s->lock);
        ret = qcow2_flush_caches(bs);
        pthread_mutex_unlock(&s->lock);
    }
    return ret < 0 ? ret : 0;
}

/* ---- Zero writes and discard ---- */

/*
 * Change the entries of whole clusters [offset, +bytes): make_zero sets the
 * zero state (keeping owned host clusters unless unmap), else unallocate.
 * Lock held. Old references are dropped after the new entries are written.
 */
static int change_clusters(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                           bool make_zero, bool unmap)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t end = offset + bytes;
    int ret = 0;

    while (offset < end) {
        uint64_t *l2;
        int idx = qcow2_l2_index(s, offset);
        int n = (int)MIN((uint64_t)(s->l2_size - idx), (end - offset) >> s->cluster_bits);
        uint64_t *freed = g_new(uint64_t, n);
        int nfreed = 0;

        if (!make_zero && qcow2_l1_index(s, offset) < s->l1_size &&
            !(s->l1_table[qcow2_l1_index(s, offset)] & L1E_OFFSET_MASK)) {
            /* No L2 table: already unallocated. */
            g_free(freed);
            offset += (uint64_t)n << s->cluster_bits;
            continue;
        }
        if (!make_zero && qcow2_l1_index(s, offset) >= s->l1_size) {
            g_free(freed);
            break;
        }
        ret = qcow2_get_l2_for_write(bs, offset, &l2);
        if (ret < 0) {
            g_free(freed);
            return ret;
        }
        for (int i = 0; i < n; i++) {
            uint64_t e = qcow2_get_l2_entry(s, l2, idx + i);
            uint64_t ne, nb = 0;
            bool keep = make_zero && !unmap && entry_is_ours(s, e);

            if (keep) {
                ne = (e & L2E_OFFSET_MASK) | QCOW_OFLAG_COPIED;
                ne |= s->extended_l2 ? 0 : QCOW_OFLAG_ZERO;
            } else {
                ne = (make_zero && !s->extended_l2) ? QCOW_OFLAG_ZERO : 0;
                if (qcow2_get_cluster_type(s, e) != QCOW2_CLUSTER_UNALLOCATED &&
                    qcow2_get_cluster_type(s, e) != QCOW2_CLUSTER_ZERO_PLAIN) {
                    freed[nfreed++] = e;
                }
            }
            if (s->extended_l2 && make_zero) {
                nb = QCOW_L2_BITMAP_ALL_ZERO;
            }
            qcow2_set_l2_entry(s, l2, idx + i, ne);
            qcow2_set_l2_bitmap(s, l2, idx + i, nb);
        }
        qcow2_l2_mark_dirty(bs, l2);
        qcow2_l2_put(bs, &l2);
        ret = qcow2_write_caches(bs);
        if (ret >= 0 && nfreed) {
            ret = qcow2_barrier(bs, false);
        }
        for (int i = 0; ret >= 0 && i < nfreed; i++) {
            uint64_t h = freed[i] & L2E_OFFSET_MASK;
            uint64_t rc = 1;
            qcow2_free_any_cluster(bs, freed[i], 1);
            if ((bs->open_flags & BDRV_O_UNMAP) && !qcow2_has_data_file(s) &&
                qcow2_get_cluster_type(s, freed[i]) != QCOW2_CLUSTER_COMPRESSED &&
                qcow2_get_refcount(bs, h >> s->cluster_bits, &rc) == 0 && rc == 0) {
                bdrv_pdiscard(bs->file, h, s->cluster_size);
            }
        }
        g_free(freed);
        if (ret >= 0) {
            ret = qcow2_write_caches(bs);
        }
        if (ret < 0) {
            return ret;
        }
        offset += (uint64_t)n << s->cluster_bits;
    }
    return 0;
}

/* Zero whole subclusters of one cluster (extended L2), lock held. */
static int zero_subclusters(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t *l2;
    int idx = qcow2_l2_index(s, offset);
    uint64_t e, b;
    uint32_t mask;
    int ret = qcow2_get_l2_for_write(bs, offset, &l2);

    if (ret < 0) {
        return ret;
    }
    e = qcow2_get_l2_entry(s, l2, idx);
    if (qcow2_get_cluster_type(s, e) == QCOW2_CLUSTER_COMPRESSED ||
        (qcow2_get_cluster_type(s, e) == QCOW2_CLUSTER_NORMAL && !entry_is_ours(s, e))) {
        qcow2_l2_put(bs, &l2);
        return -ENOTSUP;     /* needs copy-on-write: write real zeroes */
    }
    b = qcow2_get_l2_bitmap(s, l2, idx);
    mask = qcow2_sc_mask(qcow2_offset_into_cluster(s, offset) >> s->subcluster_bits,
                         bytes >> s->subcluster_bits);
    qcow2_set_l2_bitmap(s, l2, idx, qcow2_bitmap_make(qcow2_bitmap_alloc(b) & ~mask,
                                                      qcow2_bitmap_zero(b) | mask));
    qcow2_l2_mark_dirty(bs, l2);
    qcow2_l2_put(bs, &l2);
    return qcow2_write_caches(bs);
}

static int write_zero_buffer(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    uint8_t *zero;
    int ret;

    if (!bytes) {
        return 0;
    }
    zero = g_malloc0(bytes);
    ret = qcow2_pwrite(bs, offset, bytes, zero, 0);
    g_free(zero);
    return ret;
}

int qcow2_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t gran = s->subcluster_size;
    uint64_t end = offset + bytes;
    uint64_t lo = ROUND_UP((uint64_t)offset, gran);
    uint64_t hi = end & ~(gran - 1);
    int ret;

    if (s->header.version < 3) {
        return -ENOTSUP;             /* no zero flag in version 2 */
    }
    if (s->autoclear_features & QCOW2_AUTOCLEAR_DATA_FILE_RAW) {
        /* The raw data file must stay the disk image: zero it there; the
         * guest = host mapping stays as it is. */
        return bdrv_pwrite_zeroes(s->data_file, offset, bytes,
                                  flags & (BDRV_REQ_MAY_UNMAP | BDRV_REQ_NO_FALLBACK));
    }
    if (lo >= hi || ((flags & BDRV_REQ_NO_FALLBACK) && (lo > (uint64_t)offset || hi < end))) {
        /* Only partial subclusters: they need real zeroes. */
        return (flags & BDRV_REQ_NO_FALLBACK) ? -ENOTSUP
                                              : write_zero_buffer(bs, offset, bytes);
    }
    ret = write_zero_buffer(bs, offset, lo - offset);
    for (uint64_t pos = lo; ret >= 0 && pos < hi;) {
        uint64_t cend = MIN(qcow2_start_of_cluster(s, pos) + s->cluster_size, hi);
        uint64_t n = cend - pos;

        pthread_mutex_lock(&s->lock);
        ret = prepare_write(bs);
        if (ret >= 0 && qcow2_offset_into_cluster(s, pos) == 0 && n == (uint64_t)s->cluster_size) {
            /* As many whole clusters as there are. */
            n = (hi - pos) & ~(uint64_t)(s->cluster_size - 1);
            ret = change_clusters(bs, pos, n, true, flags & BDRV_REQ_MAY_UNMAP);
        } else if (ret >= 0) {
            ret = s->extended_l2 ? zero_subclusters(bs, pos, n) : -ENOTSUP;
        }
        pthread_mutex_unlock(&s->lock);
        if (ret == -ENOTSUP && !(flags & BDRV_REQ_NO_FALLBACK)) {
            ret = write_zero_buffer(bs, pos, n);
        }
        pos += n;
    }
    if (ret >= 0) {
        ret = write_zero_buffer(bs, hi, end - hi);
    }
    return ret < 0 ? ret : 0;
}

int qcow2_discard_range(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                        bool make_zero)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t start = ROUND_UP(offset, (uint64_t)s->cluster_size);
    uint64_t end = offset + bytes;
    int ret;

    /* The last cluster may be partial when it ends the image. */
    if (end >= (uint64_t)bs->total_size) {
        end = ROUND_UP(end, (uint64_t)s->cluster_size);
    } else {
        end &= ~(uint64_t)(s->cluster_size - 1);
    }
    if (end <= start) {
        return 0;
    }
    ret = prepare_write(bs);
    if (ret < 0) {
        return ret;
    }
    return change_clusters(bs, start, end - start, make_zero, true);
}

int qcow2_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    if (s->autoclear_features & QCOW2_AUTOCLEAR_DATA_FILE_RAW) {
        /* Keep the 1:1 mapping; whole clusters read as zeroes in both views. */
        uint64_t start = ROUND_UP((uint64_t)offset, (uint64_t)s->cluster_size);
        uint64_t end = (uint64_t)(offset + bytes) & ~(uint64_t)(s->cluster_size - 1);
        if (offset + bytes >= bs->total_size) {
            end = offset + bytes;
        }
        if (end <= start) {
            return 0;
        }
        ret = bdrv_pwrite_zeroes(s->data_file, start, end - start, BDRV_REQ_MAY_UNMAP);
        return ret < 0 ? ret : 0;
    }
    pthread_mutex_lock(&s->lock);
    /* Discarding must not expose the backing file's data. */
    ret = qcow2_discard_range(bs, offset, bytes,
                              bs->backing_file[0] && s->header.version >= 3);
    pthread_mutex_unlock(&s->lock);
    return ret;
}

int qcow2_make_empty(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    if (s->nb_snapshots) {
        return -ENOTSUP;
    }
    pthread_mutex_lock(&s->lock);
    ret = qcow2_discard_range(bs, 0, ROUND_UP((uint64_t)bs->total_size, s->cluster_size),
                              false);
    if (ret >= 0) {
        ret = qcow2_flush_caches(bs);
    }
    pthread_mutex_unlock(&s->lock);
    return ret;
}

/* ---- Compressed writes ---- */

int qcow2_pwrite_compressed(BlockDriverState *bs, int64_t offset, int64_t bytes,
                            const void *buf)
{
    BDRVQcow2State *s = bs->opaque;
    uint8_t *in = NULL, *out;
    ssize_t csize;
    uint64_t *l2 = NULL;
    int64_t host;
    uint64_t old;
    int idx, ret;

    if (qcow2_has_data_file(s)) {
        return -ENOTSUP;
    }
    if (qcow2_offset_into_cluster(s, offset) ||
        (bytes != s->cluster_size && offset + bytes != bs->total_size) ||
        bytes > s->cluster_size) {
        return -EINVAL;
    }
    if (bytes < s->cluster_size) {
        in = g_malloc0(s->cluster_size);
        memcpy(in, buf, bytes);
        buf = in;
    }
    /* Compression runs without the lock: this is what scales over cores. */
    out = g_malloc(s->cluster_size);
    csize = qcow2_compress(s->compression_type, out, s->cluster_size - 1, buf,
                           s->cluster_size);
    if (csize == -ENOSPC) {
        g_free(out);
        ret = qcow2_pwrite(bs, offset, bytes, buf, 0);
        g_free(in);
        return ret;
    }
    if (csize < 0) {
        g_free(out);
        g_free(in);
        return csize;
    }
    pthread_mutex_lock(&s->lock);
    ret = prepare_write(bs);
    if (ret < 0) {
        goto out;
    }
    ret = qcow2_get_l2_for_write(bs, offset, &l2);
    if (ret < 0) {
        goto out;
    }
    idx = qcow2_l2_index(s, offset);
    old = qcow2_get_l2_entry(s, l2, idx);
    host = qcow2_alloc_bytes(bs, csize);
    if (host < 0) {
        ret = host;
        goto out;
    }
    if (qcow2_overlaps_metadata(bs, host, csize)) {
        ret = -EIO;
        goto out;
    }
    ret = bdrv_pwrite(bs->file, host, csize, out, 0);
    if (ret < 0) {
        qcow2_free_clusters(bs, host, csize);
        goto out;
    }
    qcow2_set_l2_entry(s, l2, idx, qcow2_compressed_encode(s, host, csize));
    qcow2_set_l2_bitmap(s, l2, idx, 0);
    qcow2_l2_mark_dirty(bs, l2);
    ret = qcow2_write_caches(bs);
    if (ret >= 0) {
        qcow2_free_any_cluster(bs, old, 1);
        ret = qcow2_write_caches(bs);
    }
out:
    qcow2_l2_put(bs, &l2);
    pthread_mutex_unlock(&s->lock);
    g_free(out);
    g_free(in);
    return ret < 0 ? ret : 0;
}

/* ---- Flush and status ---- */

int qcow2_flush(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    pthread_mutex_lock(&s->lock);
    ret = qcow2_write_caches(bs);
    if (ret >= 0 && s->data_file != bs->file) {
        ret = bdrv_flush(s->data_file);
    }
    pthread_mutex_unlock(&s->lock);
    return ret < 0 ? ret : 0;
}

/*
 * Does the image look metadata-preallocated: many more clusters referenced than
 * the file really holds? Only then are holes inside data clusters looked for in
 * the file, which is what QEMU decides too, so map and measure agree with it.
 * Called with s->lock held.
 */
static bool detect_metadata_prealloc(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t real = bdrv_get_allocated_file_size(bs->file);
    int64_t flen = bdrv_getlength(bs->file);
    if (real < 0 || flen < 0) {
        return false;
    }
    uint64_t real_clusters = (uint64_t)real / s->cluster_size;
    uint64_t threshold = MAX(real_clusters * 10 / 9, real_clusters + 2);
    uint64_t end = ROUND_UP((uint64_t)flen, (uint64_t)s->cluster_size) >> s->cluster_bits;
    uint64_t used = 0;
    for (uint64_t i = 0; i < end && used <= threshold; i++) {
        uint64_t rc;
        if (qcow2_get_refcount(bs, i, &rc) < 0) {
            return false;
        }
        used += rc != 0;
    }
    return used > threshold;
}

int qcow2_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum,
                       int64_t *map, BlockDriverState **file)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2Extent ext;
    int ret;

    pthread_mutex_lock(&s->lock);
    if (!s->prealloc_checked) {
        s->metadata_prealloc = detect_metadata_prealloc(bs);
        s->prealloc_checked = true;
    }
    ret = qcow2_map_extent(bs, offset, bytes, &ext);
    pthread_mutex_unlock(&s->lock);
    if (ret < 0) {
        return ret;
    }
    *pnum = MIN((int64_t)ext.bytes, bytes);
    *map = 0;
    *file = NULL;
    switch (ext.type) {
    case QCOW2_SUBCLUSTER_NORMAL:
        *map = ext.host;
        *file = s->data_file;
        return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED |
               (s->metadata_prealloc ? BDRV_BLOCK_RECURSE : 0);
    case QCOW2_SUBCLUSTER_ZERO_ALLOC:
        *map = ext.host;
        *file = s->data_file;
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED;
    case QCOW2_SUBCLUSTER_ZERO_PLAIN:
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
    case QCOW2_SUBCLUSTER_COMPRESSED:
        return BDRV_BLOCK_DATA | BDRV_BLOCK_COMPRESSED | BDRV_BLOCK_ALLOCATED;
    default:
        return 0;
    }
}
