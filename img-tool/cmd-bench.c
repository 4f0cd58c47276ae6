/*
 * qemu-img bench (a fixed number of reads or writes, DEPTH threads in flight,
 * timed) and qemu-img dd (block copy with bs/count/skip into a new image).
 */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "img-tool/img.h"
#include "img-tool/img-create.h"
#include "libcore/cutils.h"

typedef struct Bench {
    BlockDriverState *bs;
    bool write;
    int64_t count, offset, step, bufsize, image_size;
    int64_t flush_interval;
    int pattern;
    pthread_mutex_t lock;
    int64_t next;
    int error;
} Bench;

static void *bench_worker(void *opaque)
{
    Bench *b = opaque;
    uint8_t *buf = g_malloc(b->bufsize);
    memset(buf, b->pattern, b->bufsize);
    for (;;) {
        pthread_mutex_lock(&b->lock);
        int64_t i = b->error ? b->count : b->next++;
        pthread_mutex_unlock(&b->lock);
        if (i >= b->count) {
            break;
        }
        /* Requests walk the image by step and wrap around at its end. */
        int64_t span = b->image_size - b->offset - b->bufsize + 1;
        int64_t off = b->offset + (span > 0 ? (i * b->step) % span : 0);
        int r = b->write ? bdrv_pwrite(b->bs, off, b->bufsize, buf, 0)
                         : bdrv_pread(b->bs, off, b->bufsize, buf, 0);
        if (r >= 0 && b->write && b->flush_interval && (i + 1) % b->flush_interval == 0) {
            r = bdrv_flush(b->bs);
        }
        if (r < 0) {
            pthread_mutex_lock(&b->lock);
            b->error = r;
            pthread_mutex_unlock(&b->lock);
            break;
        }
    }
    g_free(buf);
    return NULL;
}

static bool bench_num(const char *arg, const char *what, int64_t min, int64_t max, bool size,
                      int64_t *out)
{
    uint64_t v;
    Error *err = NULL;
    bool ok = size ? parse_size(arg, 'B', &v, &err) : parse_uint64(arg, &v, &err);
    error_free(err);
    if (!ok || (int64_t)v < min || v > (uint64_t)max) {
        error_report("Invalid %s specified", what);
        return false;
    }
    *out = (int64_t)v;
    return true;
}

static int bench_run(Bench *b, int depth, bool quiet)
{
    if (b->offset + b->bufsize > b->image_size) {
        error_report("The image is too small for the requested offset and buffer size");
        return 1;
    }
    if (!quiet) {
        printf("Sending %" PRId64 " %s requests, %" PRId64 " bytes each, %d in parallel "
               "(starting at offset %" PRId64 ", step size %" PRId64 ")\n",
               b->count, b->write ? "write" : "read", b->bufsize, depth, b->offset, b->step);
        if (b->flush_interval) {
            printf("Sending flush every %" PRId64 " requests\n", b->flush_interval);
        }
    }
    pthread_mutex_init(&b->lock, NULL);
    pthread_t *t = g_new(pthread_t, depth);
    gint64 start = g_get_monotonic_time();
    int started = 0;
    for (int i = 0; i < depth; i++, started++) {
        if (pthread_create(&t[i], NULL, bench_worker, b) != 0) {
            break;
        }
    }
    for (int i = 0; i < started; i++) {
        pthread_join(t[i], NULL);
    }
    if (b->write && !b->error) {
        int r = bdrv_flush(b->bs);
        b->error = r < 0 ? r : 0;
    }
    double secs = (double)(g_get_monotonic_time() - start) / 1e6;
    g_free(t);
    pthread_mutex_destroy(&b->lock);
    if (b->error || started == 0) {
        error_report("Failed request: %s", g_strerror(b->error ? -b->error : EAGAIN));
        return 1;
    }
    if (!quiet) {
        printf("Run completed in %3.3f seconds.\n", secs);
    }
    return 0;
}

int img_cmd_bench(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "flush-interval", required_argument, NULL, LOPT_FLUSH_INTERVAL },
        { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
        { "pattern", required_argument, NULL, LOPT_PATTERN },
        { "no-drain", no_argument, NULL, LOPT_NO_DRAIN },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    Bench b = { .count = 75000, .bufsize = 4096, .step = 0 };
    ImgOpenOpts o = { 0 };
    int64_t depth = 64, v;
    bool quiet = false, no_drain = false;
    int c;
    while ((c = getopt_long(argc, argv, ":hc:d:f:ni:o:qs:S:t:wU", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': img_print_help(); return 0;
        case 'c':
            if (!bench_num(optarg, "request count", 1, INT32_MAX, false, &b.count)) {
                return 1;
            }
            break;
        case 'd':
            if (!bench_num(optarg, "queue depth", 1, 1024, false, &depth)) {
                return 1;
            }
            break;
        case 'f': o.fmt = optarg; break;
        case 'n': o.flags |= BDRV_O_NOCACHE; break;
        case 'i':
            if (strcmp(optarg, "threads") != 0) {
                error_report("bench -i %s: only the 'threads' AIO mode is supported", optarg);
                return 1;
            }
            break;
        case 'o':
            if (!bench_num(optarg, "offset", 0, INT64_MAX, true, &b.offset)) {
                return 1;
            }
            break;
        case 'q': quiet = true; break;
        case 's':
            if (!bench_num(optarg, "buffer size", 1, INT32_MAX, true, &b.bufsize)) {
                return 1;
            }
            break;
        case 'S':
            if (!bench_num(optarg, "step size", 0, INT32_MAX, true, &b.step)) {
                return 1;
            }
            break;
        case 't':
            if (!img_parse_cache(optarg, &o.flags)) {
                return 1;
            }
            break;
        case 'w': b.write = true; o.flags |= BDRV_O_RDWR; break;
        case 'U': o.force_share = true; break;
        case LOPT_FLUSH_INTERVAL:
            if (!bench_num(optarg, "flush interval", 0, INT32_MAX, false, &b.flush_interval)) {
                return 1;
            }
            break;
        case LOPT_PATTERN:
            if (!bench_num(optarg, "pattern byte", 0, 0xff, false, &v)) {
                return 1;
            }
            b.pattern = (int)v;
            break;
        case LOPT_NO_DRAIN: no_drain = true; break;
        case LOPT_IMAGE_OPTS: o.image_opts = true; break;
        default:
            return img_getopt_error(argc, argv, c);
        }
    }
    if (optind != argc - 1) {
        return img_usage_error("Expecting one image file name");
    }
    if (b.flush_interval && !b.write) {
        error_report("--flush-interval is only available in write tests");
        return 1;
    }
    if (no_drain && !b.flush_interval) {
        error_report("--no-drain requires --flush-interval");
        return 1;
    }
    if (b.flush_interval && b.flush_interval < depth && !no_drain) {
        error_report("Flush interval can't be smaller than depth");
        return 1;
    }
    if (b.step == 0) {
        b.step = b.bufsize;
    }
    b.bs = img_open(argv[optind], &o);
    if (!b.bs) {
        return 1;
    }
    b.image_size = bdrv_getlength(b.bs);
    int ret = b.image_size < 0 ? 1 : bench_run(&b, (int)depth, quiet);
    bdrv_unref(b.bs);
    return ret;
}

/* ---- dd ---- */

typedef struct DdArgs {
    const char *in, *out;
    int64_t bs, count, skip;
    bool has_count;
} DdArgs;

static bool dd_operand(DdArgs *d, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq) {
        error_report("unrecognized operand %s", arg);
        return false;
    }
    size_t klen = eq - arg;
    const char *val = eq + 1;
    uint64_t v;
    Error *err = NULL;
    if (klen == 2 && strncmp(arg, "if", 2) == 0) {
        d->in = val;
    } else if (klen == 2 && strncmp(arg, "of", 2) == 0) {
        d->out = val;
    } else if (klen == 2 && strncmp(arg, "bs", 2) == 0) {
        if (!parse_size(val, 'B', &v, &err) || v == 0 || v > INT32_MAX) {
            error_free(err);
            error_report("Invalid bs specified. Must be between 1 and %d.", INT32_MAX);
            return false;
        }
        d->bs = (int64_t)v;
    } else if (klen == 5 && strncmp(arg, "count", 5) == 0) {
        if (!parse_size(val, 'B', &v, &err) || v > INT64_MAX) {
            error_free(err);
            error_report("invalid number: '%s'", val);
            return false;
        }
        d->count = (int64_t)v;
        d->has_count = true;
    } else if (klen == 4 && strncmp(arg, "skip", 4) == 0) {
        if (!parse_size(val, 'B', &v, &err) || v > INT64_MAX) {
            error_free(err);
            error_report("invalid number: '%s'", val);
            return false;
        }
        d->skip = (int64_t)v;
    } else {
        error_report("unrecognized operand %s", arg);
        return false;
    }
    return true;
}

static int dd_copy(BlockDriverState *in, BlockDriverState *out, const DdArgs *d,
                   int64_t in_off, int64_t size)
{
    uint8_t *buf = g_malloc(d->bs);
    int ret = 0;
    for (int64_t done = 0; done < size;) {
        int64_t n = MIN(d->bs, size - done);
        int r = bdrv_pread(in, in_off + done, n, buf, 0);
        if (r < 0) {
            error_report("error while reading from input image file: %s", g_strerror(-r));
            ret = 1;
            break;
        }
        /* The output is new and reads as zeroes: zero blocks need no write. */
        if (!buffer_is_zero(buf, n) && (r = bdrv_pwrite(out, done, n, buf, 0)) < 0) {
            error_report("error while writing to output image file: %s", g_strerror(-r));
            ret = 1;
            break;
        }
        done += n;
    }
    g_free(buf);
    return ret;
}

int img_cmd_dd(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    ImgOpenOpts o = { 0 };
    const char *out_fmt = "raw";
    DdArgs d = { .bs = 512 };
    int c;
    while ((c = getopt_long(argc, argv, ":hf:O:U", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': img_print_help(); return 0;
        case 'f': o.fmt = optarg; break;
        case 'O': out_fmt = optarg; break;
        case 'U': o.force_share = true; break;
        case LOPT_IMAGE_OPTS: o.image_opts = true; break;
        default:
            return img_getopt_error(argc, argv, c);
        }
    }
    for (int i = optind; i < argc; i++) {
        if (!dd_operand(&d, argv[i])) {
            return 1;
        }
    }
    if (!d.in || !d.out) {
        error_report("Must specify both input and output files");
        return 1;
    }
    const BlockDriver *drv = bdrv_find_format(out_fmt);
    if (!drv) {
        error_report("Unknown file format '%s'", out_fmt);
        return 1;
    }
    BlockDriverState *in = img_open(d.in, &o), *out = NULL;
    if (!in) {
        return 1;
    }
    int ret = 1;
    int64_t len = bdrv_getlength(in);
    if (len < 0) {
        error_report("Failed to get size for '%s'", d.in);
        goto done;
    }
    int64_t in_off = d.skip > len / d.bs ? len : d.skip * d.bs;
    int64_t size = len - in_off;
    if (d.has_count && d.count <= size / d.bs) {
        size = d.count * d.bs;
    }
    QDict *opts = qdict_new();
    qdict_put(opts, "size", qstring_take(g_strdup_printf("%" PRId64, size)));
    Error *err = NULL;
    int r = bdrv_create(drv, d.out, opts, &err);
    qobject_unref(opts);
    if (r < 0) {
        error_report("%s: error while creating output image: %s", d.out,
                     err ? error_message(err) : g_strerror(-r));
        error_free(err);
        goto done;
    }
    ImgOpenOpts oo = { .fmt = out_fmt, .flags = BDRV_O_RDWR | BDRV_O_NO_BACKING };
    out = img_open(d.out, &oo);
    if (!out) {
        goto done;
    }
    ret = dd_copy(in, out, &d, in_off, size);
    if (ret == 0 && bdrv_flush(out) < 0) {
        error_report("error while flushing the output image");
        ret = 1;
    }
done:
    if (out) {
        bdrv_unref(out);
    }
    bdrv_unref(in);
    return ret;
}
