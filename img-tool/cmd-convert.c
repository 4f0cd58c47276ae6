/*
 * qemu-img convert: copy one or more source images (concatenated) into a new
 * or existing target. Zero-aware (block status skips holes, -S detects zero
 * runs in data), parallel (-m worker threads; reads always in parallel, writes
 * in order unless -W), compressed (-c: every worker compresses; out of order),
 * rate limited (-r), with a progress line (-p, SIGUSR1).
 */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <glib.h>
#include "img-tool/img.h"
#include "img-tool/img-create.h"
#include "libcore/cutils.h"

#define CONVERT_CHUNK (2 * 1024 * 1024)
#define MAX_WORKERS 16

typedef struct Source {
    BlockDriverState *bs;
    int64_t start;      /* offset of this source in the concatenated image */
    int64_t len;
} Source;

typedef enum { SEG_SKIP, SEG_ZERO, SEG_DATA, SEG_COMPRESS } SegKind;

typedef struct Segment {
    SegKind kind;
    int64_t off;        /* target offset */
    int64_t len;
} Segment;

typedef struct Convert {
    Source *src;
    int nsrc;
    int64_t total;
    BlockDriverState *target;
    BlockDriverState *target_backing;   /* -B: compare against it */
    bool top_only;                      /* -B: unallocated in the top -> skip */
    bool zero_init;                     /* the target reads as zeroes already */
    bool compressed;
    bool salvage;
    bool in_order;
    int64_t min_sparse;                 /* 0: write everything */
    int64_t cluster;                    /* compression unit */
    int64_t chunk;
    uint64_t rate;                      /* bytes per second, 0 = unlimited */

    pthread_mutex_t lock;
    pthread_cond_t cond;
    int64_t next_chunk, nchunks, next_write;
    int error;                          /* first failure, negative errno */
    uint64_t done;
    double rate_start;
    uint64_t rate_bytes;
} Convert;

typedef struct Worker {
    Convert *c;
    uint8_t *buf;
    uint8_t *cmp;        /* -B comparison buffer */
    uint8_t *skip;       /* per compression cluster: nothing allocated in the top */
    Segment *segs;
    size_t nsegs, cap;
} Worker;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(Convert *c, int err)
{
    pthread_mutex_lock(&c->lock);
    if (!c->error) {
        c->error = err;
    }
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

static void seg_add(Worker *w, SegKind kind, int64_t off, int64_t len)
{
    if (len <= 0) {
        return;
    }
    if (w->nsegs) {
        Segment *last = &w->segs[w->nsegs - 1];
        if (last->kind == kind && kind != SEG_COMPRESS && last->off + last->len == off) {
            last->len += len;
            return;
        }
    }
    if (w->nsegs == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 16;
        w->segs = g_renew(Segment, w->segs, w->cap);
    }
    w->segs[w->nsegs++] = (Segment) { kind, off, len };
}

static const Source *find_source(const Convert *c, int64_t off)
{
    for (int i = 0; i < c->nsrc; i++) {
        if (off < c->src[i].start + c->src[i].len) {
            return &c->src[i];
        }
    }
    return &c->src[c->nsrc - 1];
}

/* Read with --salvage semantics: failing sectors become zeroes with a warning. */
static int read_source(Convert *c, const Source *s, int64_t off, int64_t len, uint8_t *buf)
{
    int r = bdrv_pread(s->bs, off - s->start, len, buf, 0);
    if (r >= 0) {
        return 0;
    }
    if (!c->salvage) {
        error_report("error while reading at byte %" PRId64 ": %s", off, g_strerror(-r));
        return r;
    }
    for (int64_t p = 0; p < len; p += BDRV_SECTOR_SIZE) {
        int64_t n = MIN(BDRV_SECTOR_SIZE, len - p);
        if (bdrv_pread(s->bs, off - s->start + p, n, buf + p, 0) < 0) {
            error_report("error while reading at byte %" PRId64 ": %s", off + p,
                         g_strerror(-r));
            memset(buf + p, 0, n);
        }
    }
    return 0;
}

/* Status of [off, off+len) in the source: how long, and what kind. */
static int source_status(Convert *c, const Source *s, int64_t off, int64_t len,
                         int64_t *pnum, bool *zero, bool *unalloc)
{
    int64_t local = off - s->start;
    int ret;
    if (c->top_only) {
        ret = bdrv_block_status(s->bs, local, len, pnum, NULL, NULL);
    } else {
        ret = bdrv_block_status_above(s->bs, NULL, local, len, pnum, NULL, NULL, NULL);
    }
    if (ret < 0) {
        error_report("error while reading block status at offset %" PRId64 ": %s", off,
                     g_strerror(-ret));
        return ret;
    }
    if (*pnum <= 0) {
        *pnum = len;
    }
    bool allocated = ret & (BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_DATA | BDRV_BLOCK_ZERO);
    *unalloc = c->top_only && !allocated;
    /* Unallocated everywhere (no backing) reads as zeroes too. */
    *zero = (ret & BDRV_BLOCK_ZERO) || (!c->top_only && !(ret & BDRV_BLOCK_DATA));
    return 0;
}

/* Split a data run into zero and data segments using -S granularity. */
static void add_data_run(Worker *w, int64_t off, int64_t len, const uint8_t *data)
{
    Convert *c = w->c;
    if (c->min_sparse == 0) {
        seg_add(w, SEG_DATA, off, len);
        return;
    }
    int64_t p = off, end = off + len;
    while (p < end) {
        int64_t blk_end = MIN(end, (p / c->min_sparse + 1) * c->min_sparse);
        int64_t n = blk_end - p;
        bool full = n == c->min_sparse || blk_end == c->total;
        if (full && buffer_is_zero(data + (p - off), n)) {
            seg_add(w, c->zero_init ? SEG_SKIP : SEG_ZERO, p, n);
        } else {
            seg_add(w, SEG_DATA, p, n);
        }
        p = blk_end;
    }
}

/* With -B: what already reads the same through the target's backing is not written. */
static int drop_equal_to_backing(Worker *w, int64_t base)
{
    Convert *c = w->c;
    int64_t blen = bdrv_getlength(c->target_backing);
    for (size_t i = 0; i < w->nsegs; i++) {
        Segment *s = &w->segs[i];
        if ((s->kind != SEG_DATA && s->kind != SEG_ZERO) || s->off + s->len > blen) {
            continue;
        }
        int r = bdrv_pread(c->target_backing, s->off, s->len, w->cmp, 0);
        if (r < 0) {
            error_report("error while reading the backing file at byte %" PRId64 ": %s",
                         s->off, g_strerror(-r));
            return r;
        }
        bool same = s->kind == SEG_ZERO ? buffer_is_zero(w->cmp, s->len)
                                        : memcmp(w->cmp, w->buf + (s->off - base), s->len) == 0;
        if (same) {
            s->kind = SEG_SKIP;
        }
    }
    return 0;
}

static int prepare_plain(Worker *w, int64_t base, int64_t end)
{
    Convert *c = w->c;
    for (int64_t pos = base; pos < end;) {
        const Source *s = find_source(c, pos);
        int64_t lim = MIN(end, s->start + s->len) - pos;
        int64_t n = lim;
        bool zero = false, unalloc = false;
        if (c->min_sparse || c->top_only) {
            int r = source_status(c, s, pos, lim, &n, &zero, &unalloc);
            if (r < 0) {
                return r;
            }
            n = MIN(n, lim);
        }
        if (unalloc) {
            seg_add(w, SEG_SKIP, pos, n);
        } else if (zero && c->min_sparse) {
            seg_add(w, c->zero_init ? SEG_SKIP : SEG_ZERO, pos, n);
        } else if (zero) {
            memset(w->buf + (pos - base), 0, n);
            seg_add(w, SEG_DATA, pos, n);
        } else {
            int r = read_source(c, s, pos, n, w->buf + (pos - base));
            if (r < 0) {
                return r;
            }
            add_data_run(w, pos, n, w->buf + (pos - base));
        }
        pos += n;
    }
    return c->target_backing ? drop_equal_to_backing(w, base) : 0;
}

static int prepare_compressed(Worker *w, int64_t base, int64_t end)
{
    Convert *c = w->c;
    int64_t nclusters = (end - base + c->cluster - 1) / c->cluster;
    memset(w->skip, 1, nclusters);
    for (int64_t pos = base; pos < end;) {
        const Source *s = find_source(c, pos);
        int64_t lim = MIN(end, s->start + s->len) - pos;
        int64_t n = lim;
        bool zero = false, unalloc = false;
        int r = source_status(c, s, pos, lim, &n, &zero, &unalloc);
        if (r < 0) {
            return r;
        }
        n = MIN(n, lim);
        if (zero || unalloc) {
            memset(w->buf + (pos - base), 0, n);
        } else if ((r = read_source(c, s, pos, n, w->buf + (pos - base))) < 0) {
            return r;
        }
        if (!unalloc) {
            for (int64_t k = (pos - base) / c->cluster; k <= (pos + n - 1 - base) / c->cluster;
                 k++) {
                w->skip[k] = 0;
            }
        }
        pos += n;
    }
    for (int64_t k = 0; k < nclusters; k++) {
        int64_t off = base + k * c->cluster;
        int64_t len = MIN(c->cluster, end - off);
        if (w->skip[k]) {
            seg_add(w, SEG_SKIP, off, len);
        } else if (buffer_is_zero(w->buf + k * c->cluster, len)) {
            seg_add(w, c->zero_init ? SEG_SKIP : SEG_ZERO, off, len);
        } else {
            seg_add(w, len == c->cluster ? SEG_COMPRESS : SEG_DATA, off, len);
        }
    }
    return 0;
}

static void rate_limit(Convert *c, int64_t bytes)
{
    if (!c->rate) {
        return;
    }
    pthread_mutex_lock(&c->lock);
    c->rate_bytes += bytes;
    double due = c->rate_start + (double)c->rate_bytes / (double)c->rate;
    pthread_mutex_unlock(&c->lock);
    double wait = due - now_seconds();
    if (wait > 0) {
        g_usleep((gulong)(wait * 1e6));
    }
}

static int write_segments(Worker *w, int64_t base)
{
    Convert *c = w->c;
    for (size_t i = 0; i < w->nsegs; i++) {
        const Segment *s = &w->segs[i];
        const uint8_t *data = w->buf + (s->off - base);
        int r = 0;
        switch (s->kind) {
        case SEG_SKIP:
            continue;
        case SEG_ZERO:
            r = bdrv_pwrite_zeroes(c->target, s->off, s->len, BDRV_REQ_MAY_UNMAP);
            break;
        case SEG_DATA:
            rate_limit(c, s->len);
            r = bdrv_pwrite(c->target, s->off, s->len, data, 0);
            break;
        case SEG_COMPRESS:
            rate_limit(c, s->len);
            r = bdrv_pwrite_compressed(c->target, s->off, s->len, data);
            break;
        }
        if (r < 0) {
            error_report("error while writing at byte %" PRId64 ": %s", s->off,
                         g_strerror(-r));
            return r;
        }
    }
    return 0;
}

static void *worker_main(void *opaque)
{
    Worker *w = opaque;
    Convert *c = w->c;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        if (c->error || c->next_chunk >= c->nchunks) {
            pthread_mutex_unlock(&c->lock);
            break;
        }
        int64_t idx = c->next_chunk++;
        pthread_mutex_unlock(&c->lock);

        int64_t base = idx * c->chunk, end = MIN(c->total, base + c->chunk);
        w->nsegs = 0;
        int r = c->compressed ? prepare_compressed(w, base, end) : prepare_plain(w, base, end);
        if (r < 0) {
            fail(c, r);
            break;
        }
        if (c->in_order) {
            pthread_mutex_lock(&c->lock);
            while (!c->error && c->next_write != idx) {
                pthread_cond_wait(&c->cond, &c->lock);
            }
            bool stop = c->error != 0;
            pthread_mutex_unlock(&c->lock);
            if (stop) {
                break;
            }
        }
        r = write_segments(w, base);
        if (r < 0) {
            fail(c, r);
            break;
        }
        pthread_mutex_lock(&c->lock);
        if (c->in_order) {
            c->next_write = idx + 1;
            pthread_cond_broadcast(&c->cond);
        }
        c->done += end - base;
        uint64_t done = c->done;
        pthread_mutex_unlock(&c->lock);
        progress_update(done, c->total);
    }
    return NULL;
}

static int run_workers(Convert *c, int nworkers)
{
    c->nchunks = (c->total + c->chunk - 1) / c->chunk;
    c->rate_start = now_seconds();
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    Worker *w = g_new0(Worker, nworkers);
    pthread_t *tids = g_new0(pthread_t, nworkers);
    int started = 0;
    for (int i = 0; i < nworkers; i++) {
        w[i].c = c;
        w[i].buf = g_malloc(c->chunk);
        w[i].cmp = c->target_backing ? g_malloc(c->chunk) : NULL;
        w[i].skip = g_malloc(c->chunk / c->cluster + 1);
        if (pthread_create(&tids[i], NULL, worker_main, &w[i]) != 0) {
            fail(c, -EAGAIN);
            break;
        }
        started++;
    }
    for (int i = 0; i < started; i++) {
        pthread_join(tids[i], NULL);
    }
    for (int i = 0; i < nworkers; i++) {
        g_free(w[i].buf);
        g_free(w[i].cmp);
        g_free(w[i].skip);
        g_free(w[i].segs);
    }
    g_free(w);
    g_free(tids);
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    return c->error;
}

typedef struct ConvertArgs {
    const char *fmt, *out_fmt, *backing, *backing_fmt, *cache, *src_cache, *snapshot;
    char *options;
    char *opt_backing, *opt_backing_fmt;   /* backing given as -o backing_file= */
    bool image_opts, target_image_opts, force_share, compress, progress, quiet, no_create;
    bool target_is_zero, out_of_order, salvage;
    bool explicit_out_fmt;
    int64_t min_sparse;
    int workers;
    uint64_t rate;
} ConvertArgs;

static bool parse_convert_args(int argc, char **argv, ConvertArgs *a, int *status)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, LOPT_OBJECT },
        { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
        { "target-image-opts", no_argument, NULL, LOPT_TARGET_IMAGE_OPTS },
        { "target-is-zero", no_argument, NULL, LOPT_TARGET_IS_ZERO },
        { "salvage", no_argument, NULL, LOPT_SALVAGE },
        { "bitmaps", no_argument, NULL, LOPT_BITMAPS },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    *status = 1;
    while ((c = getopt_long(argc, argv, ":hf:O:B:CcF:o:l:S:pt:T:qnm:WUr:s:", longopts,
                            NULL)) != -1) {
        uint64_t v;
        Error *err = NULL;
        switch (c) {
        case 'h': img_print_help(); *status = 0; return false;
        case 'f': a->fmt = optarg; break;
        case 'O': a->out_fmt = optarg; a->explicit_out_fmt = true; break;
        case 'B': a->backing = optarg; break;
        case 'F': a->backing_fmt = optarg; break;
        case 'C':
            error_report("convert -C: copy offloading is not supported by this build");
            return false;
        case 'c': a->compress = true; break;
        case 'o': img_opts_append(&a->options, optarg); break;
        case 'l': case 's': a->snapshot = optarg; break;
        case 'S':
            if (!parse_size(optarg, 'B', &v, &err) || v % 512 || v > 16 * 1024 * 1024) {
                error_free(err);
                error_report("Invalid buffer size for sparse output specified. Valid sizes "
                             "are multiples of 512 up to 16777216. Select 0 to disable "
                             "sparse detection (fully allocates output).");
                return false;
            }
            a->min_sparse = (int64_t)v;
            break;
        case 'p': a->progress = true; break;
        case 't': a->cache = optarg; break;
        case 'T': a->src_cache = optarg; break;
        case 'q': a->quiet = true; break;
        case 'n': a->no_create = true; break;
        case 'm':
            if (!parse_uint64(optarg, &v, &err) || v < 1 || v > MAX_WORKERS) {
                error_free(err);
                error_report("Invalid number of coroutines. Allowed number of coroutines is "
                             "between 1 and %d", MAX_WORKERS);
                return false;
            }
            a->workers = (int)v;
            break;
        case 'W': a->out_of_order = true; break;
        case 'U': a->force_share = true; break;
        case 'r':
            if (!parse_size(optarg, 'B', &v, &err) || v == 0) {
                error_free(err);
                error_report("Invalid rate limit specified: %s", optarg);
                return false;
            }
            a->rate = v;
            break;
        case LOPT_IMAGE_OPTS: a->image_opts = true; break;
        case LOPT_TARGET_IMAGE_OPTS: a->target_image_opts = true; break;
        case LOPT_TARGET_IS_ZERO: a->target_is_zero = true; break;
        case LOPT_SALVAGE: a->salvage = true; break;
        case LOPT_BITMAPS:
            error_report("convert --bitmaps: persistent bitmaps are not supported by this "
                         "build");
            return false;
        case LOPT_OBJECT:
            if (img_object_opt(optarg, status)) {
                return false;
            }
            break;
        default:
            *status = img_getopt_error(argc, argv, c);
            return false;
        }
    }
    return true;
}

static bool check_convert_args(ConvertArgs *a, int nfiles)
{
    if (a->quiet) {
        a->progress = false;
    }
    if (a->snapshot && nfiles > 2) {
        error_report("No support for concatenating multiple snapshot");
        return false;
    }
    if (a->target_is_zero && !a->no_create) {
        error_report("--target-is-zero requires use of -n flag");
        return false;
    }
    if (a->target_image_opts && !a->no_create) {
        error_report("--target-image-opts requires use of -n flag");
        return false;
    }
    if (a->target_image_opts && a->explicit_out_fmt) {
        error_report("--target-image-opts and -O are mutually exclusive");
        return false;
    }
    if (nfiles < 2) {
        error_report("Must specify image file name");
        return false;
    }
    if (a->no_create && a->options) {
        error_report("-o has no effect when skipping image creation");
        return false;
    }
    if (a->backing && !a->backing_fmt && !a->no_create) {
        error_report("Use of backing file requires explicit backing format");
        return false;
    }
    return true;
}

static int create_target(ConvertArgs *a, const char *out, const BlockDriver *drv,
                         int64_t total)
{
    QDict *opts = img_parse_create_opts(drv, a->options, NULL);
    if (!opts) {
        return 1;
    }
    int ret = 1;
    qdict_put(opts, "size", qstring_take(g_strdup_printf("%" PRId64, total)));
    const char *ob = qdict_get_str(opts, "backing_file");
    if (ob && !a->backing) {
        /* Same meaning as -B: the target is not zero, its backing shows through. */
        const char *obf = qdict_get_str(opts, "backing_fmt");
        if (!obf && !a->backing_fmt) {
            error_report("Use of backing file requires explicit backing format");
            goto out;
        }
        a->backing = a->opt_backing = g_strdup(ob);
        if (!a->backing_fmt) {
            a->backing_fmt = a->opt_backing_fmt = g_strdup(obf);
        }
    }
    if (a->backing) {
        if (!bdrv_supports_backing(drv)) {
            error_report("Backing file not supported for file format '%s'", a->out_fmt);
            goto out;
        }
        qdict_put_str(opts, "backing_file", a->backing);
        qdict_put_str(opts, "backing_fmt", a->backing_fmt);
    }
    if (a->compress) {
        if (!bdrv_supports_compressed(drv)) {
            error_report("Compression not supported for this file format");
            goto out;
        }
        const char *pre = qdict_get_str(opts, "preallocation");
        if (pre && strcmp(pre, "off") != 0) {
            error_report("Compression and preallocation not supported at the same time");
            goto out;
        }
    }
    Error *err = NULL;
    if (bdrv_create(drv, out, opts, &err) < 0) {
        error_report("%s: error while converting %s: %s", out, a->out_fmt,
                     err ? error_message(err) : "creation failed");
        error_free(err);
        goto out;
    }
    ret = 0;
out:
    qobject_unref(opts);
    return ret;
}

static int open_sources(ConvertArgs *a, char **files, int n, Convert *c)
{
    ImgOpenOpts o = { .fmt = a->fmt, .image_opts = a->image_opts,
                      .force_share = a->force_share };
    if (a->src_cache && !img_parse_cache(a->src_cache, &o.flags)) {
        return 1;
    }
    c->src = g_new0(Source, n);
    for (int i = 0; i < n; i++) {
        BlockDriverState *bs = img_open(files[i], &o);
        if (!bs) {
            return 1;
        }
        c->src[c->nsrc].bs = bs;
        if (a->snapshot && !img_load_snapshot(bs, a->snapshot)) {
            c->nsrc++;
            return 1;
        }
        int64_t len = bdrv_getlength(bs);
        if (len < 0) {
            error_report("Could not get size of %s: %s", files[i], g_strerror((int)-len));
            c->nsrc++;
            return 1;
        }
        c->src[c->nsrc].start = c->total;
        c->src[c->nsrc].len = len;
        c->total += len;
        c->nsrc++;
    }
    return 0;
}

static int open_target(ConvertArgs *a, const char *out, Convert *c)
{
    ImgOpenOpts o = { .fmt = a->target_image_opts ? NULL : a->out_fmt,
                      .image_opts = a->target_image_opts,
                      .flags = BDRV_O_RDWR | BDRV_O_NO_FLUSH };
    if (!a->backing) {
        o.flags |= BDRV_O_NO_BACKING;
    }
    if (a->cache && !img_parse_cache(a->cache, &o.flags)) {
        return 1;
    }
    c->target = img_open(out, &o);
    if (!c->target) {
        return 1;
    }
    int64_t len = bdrv_getlength(c->target);
    if (a->no_create && len >= 0 && len < c->total) {
        error_report("output file is smaller than input file");
        return 1;
    }
    if (a->backing) {
        c->target_backing = bdrv_get_backing(c->target);
    }
    return 0;
}

static void setup_convert(ConvertArgs *a, Convert *c, int *nworkers)
{
    c->compressed = a->compress;
    c->salvage = a->salvage;
    c->min_sparse = a->min_sparse;
    c->rate = a->rate;
    c->top_only = a->backing != NULL;
    /* A new target reads as zeroes only if its driver says so (not NBD, not devices). */
    c->zero_init = a->no_create ? a->target_is_zero
                                : !a->backing && bdrv_has_zero_init(c->target);
    c->cluster = BDRV_SECTOR_SIZE;
    c->chunk = CONVERT_CHUNK;
    if (a->compress) {
        BlockDriverInfo bdi = { 0 };
        if (bdrv_get_info(c->target, &bdi) >= 0 && bdi.cluster_size > 0) {
            c->cluster = bdi.cluster_size;
        }
        c->chunk = MAX(c->chunk, c->cluster);
        c->chunk -= c->chunk % c->cluster;
    }
    /* Compression is the costly part: run it on every core, writes out of order. */
    int ncpu = (int)g_get_num_processors();
    /* More threads than cores only adds hand-offs between chunks (measured). */
    *nworkers = a->workers ? a->workers
              : a->compress ? MIN(MAX(ncpu, 1), MAX_WORKERS) : MIN(8, MAX(2, ncpu));
    c->in_order = !a->out_of_order && !a->compress;
}

int img_cmd_convert(int argc, char **argv)
{
    ConvertArgs a = { .out_fmt = "raw", .min_sparse = 4096 };
    Convert c = { 0 };
    int status = 1;
    if (!parse_convert_args(argc, argv, &a, &status)) {
        goto out;
    }
    status = 1;
    const BlockDriver *drv = bdrv_find_format(a.out_fmt);
    if (img_opts_is_help(a.options)) {
        if (!drv) {
            error_report("Unknown file format '%s'", a.out_fmt);
            goto out;
        }
        char *header = g_strdup_printf("Supported %s options:", a.out_fmt);
        img_print_opts_help(drv, header, NULL);
        g_free(header);
        status = 0;
        goto out;
    }
    if (!check_convert_args(&a, argc - optind)) {
        goto out;
    }
    if (!drv) {
        error_report("Unknown file format '%s'", a.out_fmt);
        goto out;
    }
    int nsrc = argc - optind - 1;
    const char *out = argv[argc - 1];
    if (open_sources(&a, argv + optind, nsrc, &c)) {
        goto out;
    }
    if (!a.no_create && create_target(&a, out, drv, c.total)) {
        goto out;
    }
    if (open_target(&a, out, &c)) {
        goto out;
    }
    int nworkers;
    setup_convert(&a, &c, &nworkers);
    progress_init(a.progress, 1.0);
    int r = c.total ? run_workers(&c, nworkers) : 0;
    if (r == 0) {
        r = bdrv_flush(c.target);
        if (r < 0) {
            error_report("error while flushing the target: %s", g_strerror(-r));
        }
    }
    if (r == 0) {
        progress_update(c.total, c.total);
        progress_end();
    }
    status = r < 0 ? 1 : 0;
out:
    if (c.target) {
        bdrv_unref(c.target);
    }
    for (int i = 0; i < c.nsrc; i++) {
        bdrv_unref(c.src[i].bs);
    }
    g_free(c.src);
    g_free(a.options);
    g_free(a.opt_backing);
    g_free(a.opt_backing_fmt);
    return status;
}
