/*
 * qemu-img info (one image or the whole backing chain, human or JSON) and
 * qemu-img map (allocation runs merged as QEMU merges them).
 */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "img-tool/img.h"
#include "libcore/cutils.h"

/* Build the dict QEMU's ImageInfo serialises to, in QEMU's key order. */
static QDict *collect_info(BlockDriverState *bs, Error **errp)
{
    QDict *info = qdict_new();
    SnapshotInfo *sn = NULL;
    int nsn = bdrv_snapshot_list(bs, &sn);
    if (nsn > 0) {
        QList *list = qlist_new();
        for (int i = 0; i < nsn; i++) {
            QDict *d = qdict_new();
            if (sn[i].icount != UINT64_MAX) {
                qdict_put(d, "icount", qnum_from_uint(sn[i].icount));
            }
            qdict_put_int(d, "vm-clock-nsec", sn[i].vm_clock_nsec % 1000000000ull);
            qdict_put_str(d, "name", sn[i].name);
            qdict_put_int(d, "date-sec", sn[i].date_sec);
            qdict_put_int(d, "date-nsec", sn[i].date_nsec);
            qdict_put_int(d, "vm-clock-sec", sn[i].vm_clock_nsec / 1000000000ull);
            qdict_put_str(d, "id", sn[i].id_str);
            qdict_put(d, "vm-state-size", qnum_from_uint(sn[i].vm_state_size));
            qlist_append(list, d);
        }
        qdict_put(info, "snapshots", list);
    }
    g_free(sn);

    const char *backing = bdrv_get_backing_filename(bs);
    const char *backing_fmt = bdrv_get_backing_format(bs);
    if (backing && backing[0] && backing_fmt && backing_fmt[0]) {
        qdict_put_str(info, "backing-filename-format", backing_fmt);
    }
    int64_t size = bdrv_getlength(bs);
    if (size < 0) {
        error_setf_errno(errp, (int)-size, "Can't get image size '%s'", bdrv_get_filename(bs));
        qobject_unref(info);
        return NULL;
    }
    qdict_put_int(info, "virtual-size", size);
    qdict_put_str(info, "filename", bdrv_get_filename(bs));
    BlockDriverInfo bdi = { 0 };
    bool have_bdi = bdrv_get_info(bs, &bdi) >= 0;
    if (have_bdi && bdi.cluster_size > 0) {
        qdict_put_int(info, "cluster-size", bdi.cluster_size);
    }
    qdict_put_str(info, "format", bdrv_get_format_name(bs));
    int64_t actual = bdrv_get_allocated_file_size(bs);
    if (actual >= 0) {
        qdict_put_int(info, "actual-size", actual);
    }
    Error *err = NULL;
    QDict *spec = bdrv_get_specific_info(bs, &err);
    if (err) {
        error_propagate(errp, err);
        qobject_unref(info);
        return NULL;
    }
    if (spec && !qdict_haskey(spec, "data")) {
        /* A driver that returned only the data part: add QEMU's union wrapper. */
        QDict *wrap = qdict_new();
        qdict_put_str(wrap, "type", bdrv_get_format_name(bs));
        qdict_put(wrap, "data", spec);
        spec = wrap;
    }
    if (spec) {
        qdict_put(info, "format-specific", spec);
    }
    if (backing && backing[0]) {
        char *full = bdrv_get_full_backing_filename(bs, NULL);
        qdict_put_str(info, "full-backing-filename", full ? full : backing);
        g_free(full);
        qdict_put_str(info, "backing-filename", backing);
    }
    qdict_put_bool(info, "dirty-flag", have_bdi && bdi.is_dirty);
    return info;
}

static void print_human(QDict *info)
{
    int64_t vsize = 0, asize = -1, csize = 0;
    qnum_get_int(qdict_get(info, "virtual-size"), &vsize);
    char *vh = size_to_human(vsize);
    printf("image: %s\nfile format: %s\nvirtual size: %s (%" PRId64 " bytes)\n",
           qdict_get_str(info, "filename"), qdict_get_str(info, "format"), vh, vsize);
    g_free(vh);
    if (qdict_get(info, "actual-size") && qnum_get_int(qdict_get(info, "actual-size"), &asize)) {
        char *ah = size_to_human(asize);
        printf("disk size: %s\n", ah);
        g_free(ah);
    } else {
        printf("disk size: unavailable\n");
    }
    if (qdict_get(info, "cluster-size") && qnum_get_int(qdict_get(info, "cluster-size"), &csize)) {
        printf("cluster_size: %" PRId64 "\n", csize);
    }
    const char *backing = qdict_get_str(info, "backing-filename");
    if (backing) {
        const char *full = qdict_get_str(info, "full-backing-filename");
        printf("backing file: %s", backing);
        if (full && strcmp(full, backing) != 0) {
            printf(" (actual path: %s)", full);
        }
        printf("\n");
        const char *bf = qdict_get_str(info, "backing-filename-format");
        if (bf) {
            printf("backing file format: %s\n", bf);
        }
    }
    QObject *dirty = qdict_get(info, "dirty-flag");
    if (dirty && qbool_get(dirty)) {
        printf("cleanly shut down: no\n");
    }
    QList *snaps = qdict_get_list(info, "snapshots");
    if (snaps && qlist_size(snaps)) {
        size_t n = qlist_size(snaps);
        SnapshotInfo *sn = g_new0(SnapshotInfo, n);
        for (size_t i = 0; i < n; i++) {
            QDict *d = qlist_get(snaps, i);
            int64_t v;
            uint64_t u;
            g_strlcpy(sn[i].id_str, qdict_get_str(d, "id"), sizeof(sn[i].id_str));
            g_strlcpy(sn[i].name, qdict_get_str(d, "name"), sizeof(sn[i].name));
            sn[i].vm_state_size = qnum_get_uint(qdict_get(d, "vm-state-size"), &u) ? u : 0;
            sn[i].date_sec = qnum_get_int(qdict_get(d, "date-sec"), &v) ? v : 0;
            sn[i].date_nsec = qnum_get_int(qdict_get(d, "date-nsec"), &v) ? v : 0;
            int64_t s = 0, ns = 0;
            qnum_get_int(qdict_get(d, "vm-clock-sec"), &s);
            qnum_get_int(qdict_get(d, "vm-clock-nsec"), &ns);
            sn[i].vm_clock_nsec = s * 1000000000ull + ns;
            QObject *ic = qdict_get(d, "icount");
            sn[i].icount = ic && qnum_get_uint(ic, &u) ? u : UINT64_MAX;
        }
        printf("Snapshot list:\n");
        img_dump_snapshots(sn, (int)n);
        g_free(sn);
    }
    QDict *spec = qdict_get_dict(info, "format-specific");
    QDict *data = spec ? qdict_get_dict(spec, "data") : NULL;
    if (data) {
        printf("Format specific information:\n");
        img_dump_human(data, 4);
    }
}

typedef struct InfoArgs {
    ImgOpenOpts open;
    OutputFormat ofmt;
    bool chain;
} InfoArgs;

/* Collect the image and, with --backing-chain, every backing file below it. */
static QList *collect_chain(const char *filename, InfoArgs *a)
{
    QList *list = qlist_new();
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    ImgOpenOpts o = a->open;
    char *name = g_strdup(filename);
    char *fmt = a->open.fmt ? g_strdup(a->open.fmt) : NULL;
    bool first = true;
    while (name) {
        if (g_hash_table_contains(seen, name)) {
            error_report("Backing file '%s' creates an infinite loop.", name);
            goto fail;
        }
        g_hash_table_add(seen, g_strdup(name));
        o.fmt = fmt;
        o.image_opts = first && a->open.image_opts;
        BlockDriverState *bs = img_open(name, &o);
        if (!bs) {
            goto fail;
        }
        Error *err = NULL;
        QDict *info = collect_info(bs, &err);
        if (!info) {
            error_report_err(err);
            bdrv_unref(bs);
            goto fail;
        }
        qlist_append(list, info);
        g_free(name);
        g_free(fmt);
        name = NULL;
        fmt = NULL;
        const char *backing = bdrv_get_backing_filename(bs);
        if (a->chain && backing && backing[0]) {
            name = bdrv_get_full_backing_filename(bs, NULL);
            if (!name) {
                name = g_strdup(backing);
            }
            const char *bf = bdrv_get_backing_format(bs);
            fmt = bf && bf[0] ? g_strdup(bf) : NULL;
        }
        bdrv_unref(bs);
        first = false;
    }
    g_hash_table_destroy(seen);
    return list;
fail:
    g_free(name);
    g_free(fmt);
    g_hash_table_destroy(seen);
    qobject_unref(list);
    return NULL;
}

int img_cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, LOPT_OUTPUT },
        { "backing-chain", no_argument, NULL, LOPT_BACKING_CHAIN },
        { "object", required_argument, NULL, LOPT_OBJECT },
        { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    InfoArgs a = { .open.flags = BDRV_O_NO_BACKING | BDRV_O_NO_IO };
    int c;
    while ((c = getopt_long(argc, argv, ":f:hU", longopts, NULL)) != -1) {
        int stop_rc;
        switch (c) {
        case 'f': a.open.fmt = optarg; break;
        case 'h': img_print_help(); return 0;
        case 'U': a.open.force_share = true; break;
        case LOPT_OUTPUT:
            if (!img_parse_output(optarg, &a.ofmt)) {
                return 1;
            }
            break;
        case LOPT_BACKING_CHAIN: a.chain = true; break;
        case LOPT_IMAGE_OPTS: a.open.image_opts = true; break;
        case LOPT_OBJECT:
            if (img_object_opt(optarg, &stop_rc)) {
                return stop_rc;
            }
            break;
        default:
            return img_getopt_error(argc, argv, c);
        }
    }
    if (optind != argc - 1) {
        return img_usage_error("Expecting one image file name");
    }
    QList *list = collect_chain(argv[optind], &a);
    if (!list) {
        return 1;
    }
    if (a.ofmt == OFMT_JSON) {
        img_print_json(a.chain ? list : qlist_get(list, 0));
    } else {
        for (size_t i = 0; i < qlist_size(list); i++) {
            if (i) {
                printf("\n");
            }
            print_human(qlist_get(list, i));
        }
    }
    qobject_unref(list);
    return 0;
}

/* ---- map ---- */

typedef struct MapEntry {
    int64_t start, length, offset;
    int depth;
    bool present, zero, data, has_offset;
    const char *filename;
} MapEntry;

static int map_status(BlockDriverState *bs, int64_t off, int64_t bytes, MapEntry *e)
{
    int depth = 0;
    int64_t map = 0;
    BlockDriverState *file = NULL;
    int ret;
    bool present;
    for (;;) {
        int64_t pnum = 0;
        ret = bdrv_block_status(bs, off, bytes, &pnum, &map, &file);
        if (ret < 0) {
            return ret;
        }
        if (pnum <= 0) {
            return -EIO;
        }
        bytes = pnum;
        present = ret & BDRV_BLOCK_ALLOCATED;
        if (ret & (BDRV_BLOCK_ZERO | BDRV_BLOCK_DATA)) {
            break;
        }
        BlockDriverState *next = bdrv_get_backing(bs);
        if (!next) {
            /* Unallocated in every layer: reads as zeroes. */
            ret = BDRV_BLOCK_ZERO;
            present = false;
            break;
        }
        bs = next;
        depth++;
    }
    *e = (MapEntry) {
        .start = off, .length = bytes, .depth = depth, .present = present,
        .zero = ret & BDRV_BLOCK_ZERO, .data = ret & BDRV_BLOCK_DATA,
        .has_offset = ret & BDRV_BLOCK_OFFSET_VALID, .offset = map,
        .filename = file ? bdrv_get_filename(file) : NULL,
    };
    if (!e->has_offset) {
        e->offset = 0;
        e->filename = NULL;
    }
    return 0;
}

static bool map_mergeable(const MapEntry *a, const MapEntry *b)
{
    if (a->length == 0 || a->zero != b->zero || a->data != b->data ||
        a->depth != b->depth || a->present != b->present || a->has_offset != b->has_offset) {
        return false;
    }
    return !a->has_offset || a->offset + a->length == b->offset;
}

static int map_dump(const MapEntry *e, OutputFormat ofmt, bool first)
{
    if (ofmt == OFMT_HUMAN) {
        if (e->data && !e->has_offset) {
            error_report("File contains external, encrypted or compressed clusters.");
            return -1;
        }
        if (e->data && e->has_offset) {
            printf("%#-16" PRIx64 "%#-16" PRIx64 "%#-16" PRIx64 "%s\n", (uint64_t)e->start,
                   (uint64_t)e->length, (uint64_t)e->offset, e->filename ? e->filename : "");
        }
        return 0;
    }
    printf("%s{ \"start\": %" PRId64 ", \"length\": %" PRId64 ", \"depth\": %d, "
           "\"present\": %s, \"zero\": %s, \"data\": %s",
           first ? "[" : ",\n", e->start, e->length, e->depth,
           e->present ? "true" : "false", e->zero ? "true" : "false",
           e->data ? "true" : "false");
    if (e->has_offset) {
        printf(", \"offset\": %" PRId64, e->offset);
    }
    printf("}");
    return 0;
}

static bool parse_offset_arg(const char *arg, const char *what, int64_t *out)
{
    uint64_t v;
    Error *err = NULL;
    if (!parse_size(arg, 'B', &v, &err) || v > INT64_MAX) {
        error_free(err);
        error_report("Invalid %s specified! You may use k, M, G, T, P or E suffixes for ",
                     what);
        error_report("kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
        return false;
    }
    *out = (int64_t)v;
    return true;
}

static int map_run(BlockDriverState *bs, OutputFormat ofmt, int64_t start, int64_t max_len)
{
    int64_t length = bdrv_getlength(bs);
    if (length < 0) {
        error_report("Failed to get size for '%s'", bdrv_get_filename(bs));
        return 1;
    }
    int64_t end = length;
    if (max_len >= 0 && start + max_len < end && start + max_len >= start) {
        end = start + max_len;
    }
    if (ofmt == OFMT_HUMAN) {
        printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to", "File");
    }
    MapEntry curr = { .length = 0 };
    bool first = true;
    for (int64_t off = start; off < end;) {
        int64_t n = MIN(end - off, (int64_t)1 << 30);
        MapEntry next;
        int r = map_status(bs, off, n, &next);
        if (r < 0) {
            error_report("Could not read file metadata: %s", g_strerror(-r));
            return 1;
        }
        if (map_mergeable(&curr, &next)) {
            curr.length += next.length;
        } else {
            if (curr.length && map_dump(&curr, ofmt, first) < 0) {
                return 1;
            }
            if (curr.length) {
                first = false;
            }
            curr = next;
        }
        off += next.length;
    }
    if (curr.length && map_dump(&curr, ofmt, first) < 0) {
        return 1;
    }
    if (ofmt == OFMT_JSON) {
        printf(first && !curr.length ? "[]\n" : "]\n");
    }
    return 0;
}

int img_cmd_map(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, LOPT_OUTPUT },
        { "object", required_argument, NULL, LOPT_OBJECT },
        { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
        { "force-share", no_argument, NULL, 'U' },
        { "start-offset", required_argument, NULL, LOPT_START_OFFSET },
        { "max-length", required_argument, NULL, LOPT_MAX_LENGTH },
        { NULL, 0, NULL, 0 },
    };
    ImgOpenOpts o = { 0 };
    OutputFormat ofmt = OFMT_HUMAN;
    int64_t start = 0, max_len = -1;
    int c;
    while ((c = getopt_long(argc, argv, ":f:hU", longopts, NULL)) != -1) {
        int stop_rc;
        switch (c) {
        case 'f': o.fmt = optarg; break;
        case 'h': img_print_help(); return 0;
        case 'U': o.force_share = true; break;
        case LOPT_START_OFFSET:
            if (!parse_offset_arg(optarg, "start offset", &start)) {
                return 1;
            }
            break;
        case LOPT_MAX_LENGTH:
            if (!parse_offset_arg(optarg, "max length", &max_len)) {
                return 1;
            }
            break;
        case LOPT_OUTPUT:
            if (!img_parse_output(optarg, &ofmt)) {
                return 1;
            }
            break;
        case LOPT_IMAGE_OPTS: o.image_opts = true; break;
        case LOPT_OBJECT:
            if (img_object_opt(optarg, &stop_rc)) {
                return stop_rc;
            }
            break;
        default:
            return img_getopt_error(argc, argv, c);
        }
    }
    if (optind != argc - 1) {
        return img_usage_error("Expecting one image file name");
    }
    BlockDriverState *bs = img_open(argv[optind], &o);
    if (!bs) {
        return 1;
    }
    int ret = map_run(bs, ofmt, start, max_len);
    bdrv_unref(bs);
    return ret;
}
