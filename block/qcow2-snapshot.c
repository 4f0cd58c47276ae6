/*
 * qcow2 internal snapshots: the snapshot table (read with full validation,
 * written copy-on-write: new clusters, header switch, old clusters freed), and
 * the list / create / goto / delete operations with their refcount updates.
 *
 * Crash safety: refcounts are raised and made durable before anything points
 * at the clusters, and lowered only after the last reference is gone, so an
 * interrupted operation leaves at most leaked clusters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "block/qcow2-maint.h"

/* ---- Table (de)serialisation ---- */

int qcow2m_validate_table(const BDRVQcow2State *s, uint64_t offset, uint64_t entries,
                          uint64_t entry_len, uint64_t max_bytes, const char *name,
                          Error **errp)
{
    if (entries > max_bytes / entry_len) {
        error_setf(errp, "%s too large", name);
        return -EFBIG;
    }
    if (offset > (uint64_t)INT64_MAX - entries * entry_len) {
        error_setf(errp, "%s exceeds the maximum supported size", name);
        return -EINVAL;
    }
    if (qcow2_offset_into_cluster(s, offset)) {
        error_setf(errp, "%s offset invalid", name);
        return -EINVAL;
    }
    return 0;
}

static void free_one(Qcow2Snapshot *sn)
{
    g_free(sn->id_str);
    g_free(sn->name);
    g_free(sn->unknown_extra_data);
    memset(sn, 0, sizeof(*sn));
}

void qcow2_free_snapshots(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;

    for (int i = 0; i < s->nb_snapshots; i++) {
        free_one(&s->snapshots[i]);
    }
    g_free(s->snapshots);
    s->snapshots = NULL;
    s->nb_snapshots = 0;
}

static uint32_t get_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
    return ((uint64_t)get_be32(p) << 32) | get_be32(p + 4);
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, v >> 32);
    put_be32(p + 4, (uint32_t)v);
}

/* Read a length-prefixed string of len bytes at offset (NUL terminated copy). */
static int read_string(BlockDriverState *bs, uint64_t offset, size_t len, char **out)
{
    char *str = g_malloc(len + 1);
    int ret = len ? bdrv_file_pread(bs, offset, len, str) : 0;

    if (ret < 0) {
        g_free(str);
        return ret;
    }
    str[len] = '\0';
    *out = str;
    return 0;
}

/*
 * Parse one entry at *offset (8-aligned by the caller). *table_len grows by
 * the entry's size as it will be rewritten (extra data possibly truncated).
 */
static int read_one(BlockDriverState *bs, int i, bool repair, uint64_t *offset,
                    Qcow2Snapshot *sn, int *extra_dropped, Error **errp)
{
    uint8_t h[QCOW2M_SNAPSHOT_HEADER_SIZE];
    uint8_t extra[QCOW2M_SNAPSHOT_EXTRA_KNOWN] = { 0 };
    uint32_t extra_size, known;
    unsigned id_size, name_size;
    uint64_t off = *offset;
    int ret;

    ret = bdrv_file_pread(bs, off, sizeof(h), h);
    if (ret < 0) {
        error_setf_errno(errp, ret, "Failed to read snapshot table");
        return ret;
    }
    off += sizeof(h);
    sn->l1_table_offset = get_be64(h);
    sn->l1_size = get_be32(h + 8);
    id_size = ((unsigned)h[12] << 8) | h[13];
    name_size = ((unsigned)h[14] << 8) | h[15];
    sn->date_sec = get_be32(h + 16);
    sn->date_nsec = get_be32(h + 20);
    sn->vm_clock_nsec = get_be64(h + 24);
    sn->vm_state_size = get_be32(h + 32);
    extra_size = get_be32(h + 36);

    if (extra_size > QCOW2M_MAX_SNAPSHOT_EXTRA) {
        if (!repair) {
            error_setf(errp, "Too much extra metadata in snapshot table entry %i\n"
                       "You can force-remove this extra metadata with qemu-img check -r all",
                       i);
            return -EFBIG;
        }
        fprintf(stderr, "Discarding too much extra metadata in snapshot table entry %i "
                "(%" PRIu32 " > %u)\n", i, extra_size, QCOW2M_MAX_SNAPSHOT_EXTRA);
        (*extra_dropped)++;
    }
    known = MIN(extra_size, (uint32_t)sizeof(extra));
    if (known) {
        ret = bdrv_file_pread(bs, off, known, extra);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Failed to read snapshot table");
            return ret;
        }
    }
    sn->extra_data_size = MIN(extra_size, QCOW2M_MAX_SNAPSHOT_EXTRA);
    if (known >= 8) {
        sn->vm_state_size = get_be64(extra);
    }
    sn->disk_size = known >= 16 ? get_be64(extra + 8) : (uint64_t)bs->total_size;
    sn->icount = known >= 24 ? get_be64(extra + 16) : UINT64_MAX;
    if (sn->extra_data_size > sizeof(extra)) {
        size_t unknown = sn->extra_data_size - sizeof(extra);
        sn->unknown_extra_data = g_malloc(unknown);
        ret = bdrv_file_pread(bs, off + sizeof(extra), unknown, sn->unknown_extra_data);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Failed to read snapshot table");
            return ret;
        }
    }
    off += extra_size;
    ret = read_string(bs, off, id_size, &sn->id_str);
    if (ret == 0) {
        off += id_size;
        ret = read_string(bs, off, name_size, &sn->name);
        off += name_size;
    }
    if (ret < 0) {
        error_setf_errno(errp, ret, "Failed to read snapshot table");
        return ret;
    }
    *offset = off;
    return 0;
}

int qcow2m_read_snapshots(BlockDriverState *bs, bool repair, int *nb_dropped,
                          int *extra_dropped, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t offset = s->snapshots_offset, table_len = 0;
    int nb = s->nb_snapshots, dummy = 0;
    int ret;

    s->snapshots = NULL;
    s->snapshots_size = 0;
    s->nb_snapshots = 0;
    if (nb == 0) {
        return 0;
    }
    ret = qcow2m_validate_table(s, offset, nb, QCOW2M_SNAPSHOT_HEADER_SIZE,
                                (uint64_t)QCOW2M_SNAPSHOT_HEADER_SIZE * QCOW2_MAX_SNAPSHOTS,
                                "Snapshot table", errp);
    if (ret < 0) {
        return ret;
    }
    if (!extra_dropped) {
        extra_dropped = &dummy;
    }
    s->snapshots = g_new0(Qcow2Snapshot, nb);
    for (int i = 0; i < nb; i++) {
        uint64_t entry_start = offset = QCOW2M_ALIGN_UP(offset, 8);
        Qcow2Snapshot *sn = &s->snapshots[i];

        s->nb_snapshots = i + 1;
        ret = read_one(bs, i, repair, &offset, sn, extra_dropped, errp);
        if (ret < 0) {
            qcow2_free_snapshots(bs);
            return ret;
        }
        table_len = QCOW2M_ALIGN_UP(table_len, 8) + QCOW2M_SNAPSHOT_HEADER_SIZE +
                    sn->extra_data_size + strlen(sn->id_str) + strlen(sn->name);
        if (table_len > QCOW2_MAX_SNAPSHOT_TABLE_SIZE ||
            offset - s->snapshots_offset > INT32_MAX) {
            if (!repair) {
                error_setf(errp, "Snapshot table is too big\nYou can force-remove all %u "
                           "overhanging snapshots with qemu-img check -r all", nb - i);
                qcow2_free_snapshots(bs);
                return -EFBIG;
            }
            fprintf(stderr, "Discarding %u overhanging snapshots (snapshot table is too "
                    "big)\n", nb - i);
            if (nb_dropped) {
                *nb_dropped += nb - i;
            }
            free_one(sn);
            s->nb_snapshots = i;
            offset = entry_start;
            break;
        }
    }
    s->snapshots_size = offset - s->snapshots_offset;
    return 0;
}

int qcow2_read_snapshots(BlockDriverState *bs, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    Error *err = NULL;
    int ret;

    s->nb_snapshots = s->header.nb_snapshots;
    s->snapshots_offset = s->header.snapshots_offset;
    ret = qcow2m_read_snapshots(bs, false, NULL, NULL, &err);
    if (ret < 0 && (bs->open_flags & BDRV_O_CHECK)) {
        /* check reads the table again itself and reports (or repairs) this */
        error_free(err);
        return 0;
    }
    error_propagate(errp, err);
    return ret;
}

static uint64_t entry_size(const Qcow2Snapshot *sn)
{
    return QCOW2M_SNAPSHOT_HEADER_SIZE + MAX(sn->extra_data_size, QCOW2M_SNAPSHOT_EXTRA_KNOWN) +
           strlen(sn->id_str) + strlen(sn->name);
}

static void encode_one(const Qcow2Snapshot *sn, uint8_t *p)
{
    uint32_t extra = MAX(sn->extra_data_size, QCOW2M_SNAPSHOT_EXTRA_KNOWN);
    size_t id_len = strlen(sn->id_str), name_len = strlen(sn->name);

    put_be64(p, sn->l1_table_offset);
    put_be32(p + 8, sn->l1_size);
    put_be16(p + 12, id_len);
    put_be16(p + 14, name_len);
    put_be32(p + 16, sn->date_sec);
    put_be32(p + 20, sn->date_nsec);
    put_be64(p + 24, sn->vm_clock_nsec);
    /* A state too big for 32 bits reads as "no state" to old readers. */
    put_be32(p + 32, sn->vm_state_size <= UINT32_MAX ? sn->vm_state_size : 0);
    put_be32(p + 36, extra);
    p += QCOW2M_SNAPSHOT_HEADER_SIZE;
    put_be64(p, sn->vm_state_size);
    put_be64(p + 8, sn->disk_size);
    put_be64(p + 16, sn->icount);
    p += QCOW2M_SNAPSHOT_EXTRA_KNOWN;
    if (extra > QCOW2M_SNAPSHOT_EXTRA_KNOWN) {
        memcpy(p, sn->unknown_extra_data, extra - QCOW2M_SNAPSHOT_EXTRA_KNOWN);
        p += extra - QCOW2M_SNAPSHOT_EXTRA_KNOWN;
    }
    memcpy(p, sn->id_str, id_len);
    memcpy(p + id_len, sn->name, name_len);
}

int qcow2m_write_snapshots(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t size = 0, pos = 0;
    int64_t new_offset = 0;
    uint8_t *buf = NULL, hdr[12];
    int ret;

    for (int i = 0; i < s->nb_snapshots; i++) {
        size = QCOW2M_ALIGN_UP(size, 8) + entry_size(&s->snapshots[i]);
        if (size > QCOW2_MAX_SNAPSHOT_TABLE_SIZE) {
            return -EFBIG;
        }
    }
    if (size) {
        buf = g_try_malloc0(size);
        if (!buf) {
            return -ENOMEM;
        }
        for (int i = 0; i < s->nb_snapshots; i++) {
            pos = QCOW2M_ALIGN_UP(pos, 8);
            encode_one(&s->snapshots[i], buf + pos);
            pos += entry_size(&s->snapshots[i]);
        }
        new_offset = qcow2_alloc_clusters(bs, size);
        if (new_offset < 0) {
            g_free(buf);
            return new_offset;
        }
        ret = bdrv_pwrite(bs->file, new_offset, size, buf, 0);
        g_free(buf);
        if (ret < 0) {
            goto fail;
        }
    }
    /* The new table and its refcounts must be durable before the header names it. */
    ret = qcow2_flush_caches(bs);
    if (ret < 0) {
        goto fail;
    }
    put_be32(hdr, s->nb_snapshots);
    put_be64(hdr + 4, new_offset);
    ret = bdrv_pwrite(bs->file, 60, sizeof(hdr), hdr, 0);
    if (ret < 0) {
        goto fail;
    }
    ret = qcow2_barrier(bs, false);
    if (ret < 0) {
        goto fail;
    }
    s->header.nb_snapshots = s->nb_snapshots;
    s->header.snapshots_offset = new_offset;
    if (s->snapshots_size) {
        qcow2_free_clusters(bs, s->snapshots_offset, s->snapshots_size);
    }
    s->snapshots_offset = new_offset;
    s->snapshots_size = size;
    return 0;

fail:
    if (new_offset > 0) {
        qcow2_free_clusters(bs, new_offset, size);
    }
    return ret;
}

/* ---- Refcounts of everything an L1 table reaches ---- */

/* Refcount a data cluster described by L2 entry e should be compared with. */
static int update_entry(BlockDriverState *bs, uint64_t e, int addend, uint64_t *rc)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off = e & L2E_OFFSET_MASK, bytes;
    int ret = 0;

    *rc = 0;
    switch (qcow2_get_cluster_type(s, e)) {
    case QCOW2_CLUSTER_COMPRESSED:
        if (addend) {
            qcow2_compressed_decode(s, e, &off, &bytes);
            ret = qcow2_update_refcount(bs, off, bytes, addend);
        }
        *rc = 2;                     /* compressed clusters are never COPIED */
        return ret;
    case QCOW2_CLUSTER_NORMAL:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        if (qcow2_has_data_file(s)) {
            *rc = 1;
            return 0;
        }
        if (!qcow2_offset_valid(s, off)) {
            qcow2_signal_corruption(bs, "Cluster allocation offset %#" PRIx64 " unaligned",
                                    off);
            return -EIO;
        }
        if (addend) {
            ret = qcow2_update_refcount(bs, off, s->cluster_size, addend);
            if (ret < 0) {
                return ret;
            }
        }
        return qcow2_get_refcount(bs, off >> s->cluster_bits, rc);
    default:
        return 0;
    }
}

static int update_l2(BlockDriverState *bs, uint64_t l2_offset, int addend)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t *l2;
    bool dirty = false;
    int ret = qcow2_l2_get(bs, l2_offset, &l2);

    if (ret < 0) {
        return ret;
    }
    for (int j = 0; j < s->l2_size; j++) {
        uint64_t e = qcow2_get_l2_entry(s, l2, j), ne, rc;

        ret = update_entry(bs, e, addend, &rc);
        if (ret < 0) {
            break;
        }
        ne = rc == 1 ? e | QCOW_OFLAG_COPIED : e & ~QCOW_OFLAG_COPIED;
        if (ne != e) {
            qcow2_set_l2_entry(s, l2, j, ne);
            dirty = true;
        }
    }
    if (dirty) {
        qcow2_l2_mark_dirty(bs, l2);
    }
    qcow2_l2_put(bs, &l2);
    return ret;
}

static int write_l1(BlockDriverState *bs, uint64_t offset, const uint64_t *l1, uint32_t size)
{
    uint64_t *be = g_try_new(uint64_t, MAX(size, 1));
    int ret;

    if (!be) {
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < size; i++) {
        be[i] = GUINT64_TO_BE(l1[i]);
    }
    /* The L2 tables and refcounts it names go to disk first. */
    ret = qcow2_write_caches(bs);
    if (ret == 0) {
        ret = qcow2_barrier(bs, false);
    }
    if (ret == 0) {
        ret = bdrv_pwrite(bs->file, offset, (uint64_t)size * 8, be, 0);
    }
    g_free(be);
    return ret;
}

static int read_l1(BlockDriverState *bs, uint64_t offset, uint32_t size, uint64_t **out)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t *l1;
    Error *err = NULL;
    int ret = qcow2m_validate_table(s, offset, size, 8, (uint64_t)QCOW2_MAX_L1_SIZE * 8,
                                    "Snapshot L1 table", &err);

    if (ret < 0) {
        error_free(err);
        return ret;
    }
    l1 = g_try_new0(uint64_t, MAX(size, 1));
    if (!l1) {
        return -ENOMEM;
    }
    ret = size ? bdrv_file_pread(bs, offset, (uint64_t)size * 8, l1) : 0;
    if (ret < 0) {
        g_free(l1);
        return ret;
    }
    for (uint32_t i = 0; i < size; i++) {
        l1[i] = GUINT64_FROM_BE(l1[i]);
    }
    *out = l1;
    return 0;
}

int qcow2m_update_snapshot_refcount(BlockDriverState *bs, uint64_t l1_offset,
                                    uint32_t l1_size, int addend)
{
    BDRVQcow2State *s = bs->opaque;
    bool active = l1_offset == s->l1_table_offset && l1_size == s->l1_size;
    bool modified = false;
    uint64_t *l1 = s->l1_table;
    int ret = 0;

    if (!active) {
        ret = read_l1(bs, l1_offset, l1_size, &l1);
        if (ret < 0) {
            return ret;
        }
    }
    for (uint32_t i = 0; i < l1_size; i++) {
        uint64_t l2_offset = l1[i] & L1E_OFFSET_MASK, rc, ne;

        if (!l2_offset) {
            continue;
        }
        if (!qcow2_offset_valid(s, l2_offset)) {
            qcow2_signal_corruption(bs, "L2 table offset %#" PRIx64 " unaligned (L1 index: "
                                    "%#" PRIx32 ")", l2_offset, i);
            ret = -EIO;
            break;
        }
        ret = update_l2(bs, l2_offset, addend);
        if (ret == 0 && addend) {
            ret = qcow2_update_refcount(bs, l2_offset, s->cluster_size, addend);
        }
        if (ret == 0) {
            ret = qcow2_get_refcount(bs, l2_offset >> s->cluster_bits, &rc);
        }
        if (ret < 0) {
            break;
        }
        ne = rc == 1 ? l2_offset | QCOW_OFLAG_COPIED : l2_offset;
        if (ne != l1[i]) {
            l1[i] = ne;
            modified = true;
        }
    }
    /* A table losing a reference is about to be dropped or replaced. */
    if (ret == 0 && modified && addend >= 0) {
        ret = write_l1(bs, l1_offset, l1, l1_size);
    }
    if (!active) {
        g_free(l1);
    }
    return ret;
}

/* ---- Lookup ---- */

static int find_by_id_and_name(BDRVQcow2State *s, const char *id, const char *name)
{
    for (int i = 0; i < s->nb_snapshots; i++) {
        if ((!id || !strcmp(s->snapshots[i].id_str, id)) &&
            (!name || !strcmp(s->snapshots[i].name, name)) && (id || name)) {
            return i;
        }
    }
    return -1;
}

static int find_by_id_or_name(BDRVQcow2State *s, const char *id_or_name)
{
    int i = find_by_id_and_name(s, id_or_name, NULL);

    return i >= 0 ? i : find_by_id_and_name(s, NULL, id_or_name);
}

/* ---- Operations ---- */

int qcow2_snapshot_list(BlockDriverState *bs, SnapshotInfo **list)
{
    BDRVQcow2State *s = bs->opaque;
    SnapshotInfo *tab;
    int n;

    pthread_mutex_lock(&s->lock);
    n = s->nb_snapshots;
    tab = n ? g_new0(SnapshotInfo, n) : NULL;
    for (int i = 0; i < n; i++) {
        const Qcow2Snapshot *sn = &s->snapshots[i];
        g_strlcpy(tab[i].id_str, sn->id_str, sizeof(tab[i].id_str));
        g_strlcpy(tab[i].name, sn->name, sizeof(tab[i].name));
        tab[i].vm_state_size = sn->vm_state_size;
        tab[i].date_sec = sn->date_sec;
        tab[i].date_nsec = sn->date_nsec;
        tab[i].vm_clock_nsec = sn->vm_clock_nsec;
        tab[i].icount = sn->icount;
    }
    pthread_mutex_unlock(&s->lock);
    *list = tab;
    return n;
}

/* The next free ID: one more than the largest numeric ID, as QEMU assigns them. */
static void new_snapshot_id(BDRVQcow2State *s, char *buf, size_t len)
{
    unsigned long max = 0;

    for (int i = 0; i < s->nb_snapshots; i++) {
        unsigned long id = strtoul(s->snapshots[i].id_str, NULL, 10);
        max = MAX(max, id);
    }
    snprintf(buf, len, "%lu", max + 1);
}

static int snapshot_create_locked(BlockDriverState *bs, SnapshotInfo *info, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2Snapshot sn = { 0 };
    int64_t l1_offset = 0;
    int ret;

    if (s->nb_snapshots >= QCOW2_MAX_SNAPSHOTS) {
        error_setf(errp, "Too many snapshots (the maximum is %d)", QCOW2_MAX_SNAPSHOTS);
        return -EFBIG;
    }
    if (qcow2_has_data_file(s)) {
        error_setf(errp, "Internal snapshots are not supported with an external data file");
        return -ENOTSUP;
    }
    new_snapshot_id(s, info->id_str, sizeof(info->id_str));
    if (s->l1_size) {
        l1_offset = qcow2_alloc_clusters(bs, (uint64_t)s->l1_size * 8);
        if (l1_offset < 0) {
            error_setf_errno(errp, l1_offset, "Could not allocate the snapshot L1 table");
            return l1_offset;
        }
        ret = write_l1(bs, l1_offset, s->l1_table, s->l1_size);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Could not write the snapshot L1 table");
            goto fail;
        }
    }
    /* Every cluster the copy names gets its extra reference before the
     * snapshot table points at the copy. */
    ret = qcow2m_update_snapshot_refcount(bs, s->l1_table_offset, s->l1_size, 1);
    if (ret < 0) {
        error_setf_errno(errp, ret, "Could not update refcounts");
        goto fail;
    }
    sn.l1_table_offset = l1_offset;
    sn.l1_size = s->l1_size;
    sn.id_str = g_strdup(info->id_str);
    sn.name = g_strdup(info->name);
    sn.disk_size = bs->total_size;
    sn.vm_state_size = info->vm_state_size;
    sn.date_sec = info->date_sec;
    sn.date_nsec = info->date_nsec;
    sn.vm_clock_nsec = info->vm_clock_nsec;
    sn.icount = info->icount;
    sn.extra_data_size = QCOW2M_SNAPSHOT_EXTRA_KNOWN;

    s->snapshots = g_renew(Qcow2Snapshot, s->snapshots, s->nb_snapshots + 1);
    s->snapshots[s->nb_snapshots++] = sn;
    ret = qcow2m_write_snapshots(bs);
    if (ret < 0) {
        s->nb_snapshots--;
        free_one(&s->snapshots[s->nb_snapshots]);
        error_setf_errno(errp, ret, "Could not write the snapshot table");
        /* The raised refcounts stay as leaks: safe, and check repairs them. */
        return ret;
    }
    return 0;

fail:
    if (l1_offset > 0) {
        qcow2_free_clusters(bs, l1_offset, (uint64_t)s->l1_size * 8);
    }
    return ret;
}

int qcow2_snapshot_create(BlockDriverState *bs, SnapshotInfo *info, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    pthread_mutex_lock(&s->lock);
    ret = snapshot_create_locked(bs, info, errp);
    if (ret == 0) {
        ret = qcow2_flush_caches(bs);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Could not flush the image");
        }
    }
    pthread_mutex_unlock(&s->lock);
    return ret;
}

/* Make the active L1 table a copy of the snapshot's (sizes already match). */
static int snapshot_apply_locked(BlockDriverState *bs, const Qcow2Snapshot *sn,
                                 Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t *new_l1 = NULL, *sn_l1 = NULL;
    int ret;

    if (sn->l1_size > s->l1_size) {
        ret = qcow2_grow_l1_table(bs, sn->l1_size, true);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Failed to load snapshot: could not grow the L1 table");
            return ret;
        }
    }
    ret = read_l1(bs, sn->l1_table_offset, sn->l1_size, &sn_l1);
    if (ret < 0) {
        error_setf_errno(errp, ret, "Failed to load snapshot");
        return ret;
    }
    new_l1 = g_try_new0(uint64_t, MAX(s->l1_size, 1));
    if (!new_l1) {
        g_free(sn_l1);
        return -ENOMEM;
    }
    memcpy(new_l1, sn_l1, (uint64_t)sn->l1_size * 8);
    g_free(sn_l1);

    /* New references first, then switch the table, then drop the old ones. */
    ret = qcow2m_update_snapshot_refcount(bs, sn->l1_table_offset, sn->l1_size, 1);
    if (ret == 0) {
        ret = write_l1(bs, s->l1_table_offset, new_l1, s->l1_size);
    }
    if (ret == 0) {
        ret = qcow2_barrier(bs, false);
    }
    if (ret < 0) {
        g_free(new_l1);
        error_setf_errno(errp, ret, "Failed to load snapshot");
        return ret;
    }
    ret = qcow2m_update_snapshot_refcount(bs, s->l1_table_offset, s->l1_size, -1);
    /* The file holds the new table whatever happened to the old refcounts. */
    memcpy(s->l1_table, new_l1, (uint64_t)s->l1_size * 8);
    g_free(new_l1);
    if (ret == 0) {
        ret = qcow2m_update_snapshot_refcount(bs, s->l1_table_offset, s->l1_size, 0);
    }
    if (ret < 0) {
        error_setf_errno(errp, ret, "Failed to load snapshot");
    }
    return ret;
}

int qcow2_snapshot_goto(BlockDriverState *bs, const char *name_or_id, Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2Snapshot *sn;
    uint64_t disk_size;
    int idx, ret;

    pthread_mutex_lock(&s->lock);
    if (qcow2_has_data_file(s)) {
        error_setf(errp, "Internal snapshots are not supported with an external data file");
        ret = -ENOTSUP;
        goto out;
    }
    idx = find_by_id_or_name(s, name_or_id);
    if (idx < 0) {
        error_setf_errno(errp, ENOENT, "Failed to load snapshot");
        ret = -ENOENT;
        goto out;
    }
    sn = &s->snapshots[idx];
    ret = qcow2m_validate_table(s, sn->l1_table_offset, sn->l1_size, 8,
                                (uint64_t)QCOW2_MAX_L1_SIZE * 8, "Snapshot L1 table", errp);
    if (ret < 0) {
        goto out;
    }
    disk_size = sn->disk_size;
    if (disk_size != (uint64_t)bs->total_size) {
        /* truncate takes the lock itself */
        pthread_mutex_unlock(&s->lock);
        ret = bdrv_truncate(bs, disk_size, true, PREALLOC_MODE_OFF, errp);
        pthread_mutex_lock(&s->lock);
        if (ret < 0) {
            goto out;
        }
        idx = find_by_id_or_name(s, name_or_id);
        if (idx < 0) {
            error_setf_errno(errp, ENOENT, "Failed to load snapshot");
            ret = -ENOENT;
            goto out;
        }
        sn = &s->snapshots[idx];
    }
    ret = snapshot_apply_locked(bs, sn, errp);
    if (ret == 0) {
        ret = qcow2_flush_caches(bs);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Failed to load snapshot");
        }
    }
out:
    pthread_mutex_unlock(&s->lock);
    return ret;
}

/*
 * Swap the snapshot's L1 table in as the active one, in memory only: the node is
 * read-only, so nothing is written and the active image is back at the next open.
 * L2 tables are cached by their offset, so cached ones stay valid, and guest
 * offsets past the snapshot's L1 table read as unallocated.
 */
int qcow2_snapshot_load_tmp(BlockDriverState *bs, const char *id, const char *name,
                            Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t *l1 = NULL;
    int idx, ret;

    pthread_mutex_lock(&s->lock);
    idx = find_by_id_and_name(s, id, name);
    if (idx < 0) {
        error_setf(errp, "Can't find snapshot");
        ret = -ENOENT;
        goto out;
    }
    const Qcow2Snapshot *sn = &s->snapshots[idx];
    ret = qcow2m_validate_table(s, sn->l1_table_offset, sn->l1_size, 8,
                                (uint64_t)QCOW2_MAX_L1_SIZE * 8, "Snapshot L1 table", errp);
    if (ret < 0) {
        goto out;
    }
    ret = read_l1(bs, sn->l1_table_offset, sn->l1_size, &l1);
    if (ret < 0) {
        error_setf_errno(errp, ret, "Failed to load snapshot");
        goto out;
    }
    g_free(s->l1_table);
    s->l1_table = l1;
    s->l1_size = sn->l1_size;
    s->l1_table_offset = sn->l1_table_offset;
    /* The node keeps its current size, as QEMU's does. */
out:
    pthread_mutex_unlock(&s->lock);
    return ret;
}

static int snapshot_delete_locked(BlockDriverState *bs, const char *id, const char *name,
                                  Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2Snapshot sn;
    int idx, ret;

    if (qcow2_has_data_file(s)) {
        error_setf(errp, "Internal snapshots are not supported with an external data file");
        return -ENOTSUP;
    }
    idx = find_by_id_and_name(s, id, name);
    if (idx < 0) {
        error_setf(errp, "Can't find the snapshot");
        return -ENOENT;
    }
    sn = s->snapshots[idx];
    ret = qcow2m_validate_table(s, sn.l1_table_offset, sn.l1_size, 8,
                                (uint64_t)QCOW2_MAX_L1_SIZE * 8, "Snapshot L1 table", errp);
    if (ret < 0) {
        return ret;
    }
    memmove(&s->snapshots[idx], &s->snapshots[idx + 1],
            (s->nb_snapshots - idx - 1) * sizeof(sn));
    s->nb_snapshots--;
    ret = qcow2m_write_snapshots(bs);
    if (ret < 0) {
        memmove(&s->snapshots[idx + 1], &s->snapshots[idx],
                (s->nb_snapshots - idx) * sizeof(sn));
        s->snapshots[idx] = sn;
        s->nb_snapshots++;
        error_setf_errno(errp, ret, "Failed to remove snapshot from snapshot list");
        return ret;
    }
    /* Unreachable now: from here on a failure only leaks clusters. */
    ret = qcow2m_update_snapshot_refcount(bs, sn.l1_table_offset, sn.l1_size, -1);
    if (ret < 0) {
        error_setf_errno(errp, ret, "Failed to free the cluster and L1 table");
        goto out;
    }
    if (sn.l1_size) {
        qcow2_free_clusters(bs, sn.l1_table_offset, (uint64_t)sn.l1_size * 8);
    }
    /* Clusters only the active image uses now become COPIED again. */
    ret = qcow2m_update_snapshot_refcount(bs, s->l1_table_offset, s->l1_size, 0);
    if (ret < 0) {
        error_setf_errno(errp, ret, "Failed to update snapshot status in disk");
    }
out:
    free_one(&sn);
    return ret;
}

int qcow2_snapshot_delete(BlockDriverState *bs, const char *id, const char *name,
                          Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    pthread_mutex_lock(&s->lock);
    ret = snapshot_delete_locked(bs, id, name, errp);
    if (ret == 0) {
        ret = qcow2_flush_caches(bs);
        if (ret < 0) {
            error_setf_errno(errp, ret, "Could not flush the image");
        }
    }
    pthread_mutex_unlock(&s->lock);
    return ret;
}
