/*
 * qemu-img commit (copy what the top image and the layers above BASE hold into
 * BASE, then empty the top unless -d/-b) and qemu-img rebase (safe mode copies
 * every cluster whose content would change with the new backing file; -u only
 * rewrites the header).
 */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <glib.h>
#include "img-tool/img.h"
#include "img-tool/img-create.h"
#include "libcore/cutils.h"

#define COPY_CHUNK (1024 * 1024)

typedef struct Throttle {
    uint64_t rate, bytes;
    gint64 start;
} Throttle;

static void throttle(Throttle *t, int64_t n)
{
    if (!t->rate) {
        return;
    }
    t->bytes += n;
    gint64 due = t->start + (gint64)((double)t->bytes * 1e6 / (double)t->rate);
    gint64 now = g_get_monotonic_time();
    if (due > now) {
        g_usleep(due - now);
    }
}

static bool same_file(const char *a, const char *b)
{
    if (strcmp(a, b) == 0) {
        return true;
    }
    char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
    bool same = ra && rb && strcmp(ra, rb) == 0;
    free(ra);
    free(rb);
    return same;
}

typedef struct Chain {
    BlockDriverState *nodes[64];   /* nodes[0] is the top */
    int n;
    BlockDriverState *base;
} Chain;

static void chain_free(Chain *ch)
{
    for (int i = ch->n - 1; i >= 0; i--) {
        bdrv_unref(ch->nodes[i]);
    }
    ch->n = 0;
}

/* Open the chain below the top by hand so that the base can be opened read-write. */
static int open_commit_chain(Chain *ch, const char *want_base, int cache_flags)
{
    BlockDriverState *cur = ch->nodes[0];
    for (;;) {
        const char *backing = bdrv_get_backing_filename(cur);
        if (!backing || !backing[0]) {
            if (cur == ch->nodes[0]) {
                error_report("Image does not have a backing file");
            } else {
                error_report("Did not find '%s' in the backing chain of '%s'", want_base,
                             bdrv_get_filename(ch->nodes[0]));
            }
            return -1;
        }
        if (ch->n == (int)G_N_ELEMENTS(ch->nodes)) {
            error_report("Backing chain of '%s' is too long", bdrv_get_filename(ch->nodes[0]));
            return -1;
        }
        char *full = bdrv_get_full_backing_filename(cur, NULL);
        const char *path = full ? full : backing;
        bool is_base = !want_base || strcmp(want_base, backing) == 0 ||
                       same_file(want_base, path);
        const char *fmt = bdrv_get_backing_format(cur);
        ImgOpenOpts o = { .fmt = fmt && fmt[0] ? fmt : NULL,
                          .flags = BDRV_O_NO_BACKING | (is_base ? BDRV_O_RDWR | cache_flags : 0) };
        BlockDriverState *node = img_open(path, &o);
        g_free(full);
        if (!node) {
            return -1;
        }
        bdrv_set_backing(cur, bdrv_ref(node));   /* the parent consumes one reference */
        ch->nodes[ch->n++] = node;
        if (is_base) {
            ch->base = node;
            return 0;
        }
        cur = node;
    }
}

static int commit_copy(Chain *ch, bool progress, Throttle *t)
{
    BlockDriverState *top = ch->nodes[0], *base = ch->base;
    int64_t len = bdrv_getlength(top), blen = bdrv_getlength(base);
    if (len < 0 || blen < 0) {
        error_report("Could not get image sizes");
        return -1;
    }
    Error *err = NULL;
    if (blen < len && bdrv_truncate(base, len, false, PREALLOC_MODE_OFF, &err) < 0) {
        error_prepend(&err, "Could not resize the base image: ");
        error_report_err(err);
        return -1;
    }
    uint8_t *buf = g_malloc(COPY_CHUNK);
    int ret = 0;
    progress_init(progress, 1.0);
    for (int64_t off = 0; off < len && ret == 0;) {
        int64_t n = MIN(len - off, COPY_CHUNK), pnum = 0;
        int depth = -1;
        int st = bdrv_block_status_above(top, base, off, n, &pnum, NULL, NULL, &depth);
        if (st < 0) {
            ret = st;
            break;
        }
        n = pnum > 0 ? MIN(pnum, n) : n;
        if (depth >= 0 && (st & BDRV_BLOCK_ZERO)) {
            ret = bdrv_pwrite_zeroes(base, off, n, 0);
        } else if (depth >= 0) {
            ret = bdrv_pread(top, off, n, buf, 0);
            if (ret >= 0) {
                throttle(t, n);
                ret = bdrv_pwrite(base, off, n, buf, 0);
            }
        }
        ret = ret < 0 ? ret : 0;
        off += n;
        progress_update(off, len);
    }
    g_free(buf);
    if (ret == 0) {
        ret = bdrv_flush(base);
    }
    if (ret < 0) {
        error_report("Block job failed: %s", g_strerror(-ret));
        return -1;
    }
    progress_update(len, len);
    progress_end();
    return 0;
}

int img_cmd_commit(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, LOPT_OBJECT },
        { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
        { NULL, 0, NULL, 0 },
    };
    ImgOpenOpts o = { .flags = BDRV_O_RDWR | BDRV_O_NO_BACKING };
    const char *base = NULL;
    bool drop = false, progress = false, quiet = false;
    int cache = 0, c;
    Throttle t = { 0 };
    while ((c = getopt_long(argc, argv, ":f:ht:b:dpqr:", longopts, NULL)) != -1) {
        int stop_rc;
        Error *err = NULL;
        switch (c) {
        case 'f': o.fmt = optarg; break;
        case 'h': img_print_help(); return 0;
        case 't':
            if (!img_parse_cache(optarg, &cache)) {
                return 1;
            }
            break;
        case 'b': base = optarg; drop = true; break;
        case 'd': drop = true; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 'r':
            if (!parse_size(optarg, 'B', &t.rate, &err) || t.rate == 0) {
                error_free(err);
                error_report("Invalid rate limit specified: %s", optarg);
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
    if (quiet) {
        progress = false;
    }
    if (optind != argc - 1) {
        return img_usage_error("Expecting one image file name");
    }
    o.flags |= cache;
    Chain ch = { .n = 0 };
    BlockDriverState *top = img_open(argv[optind], &o);
    if (!top) {
        return 1;
    }
    ch.nodes[ch.n++] = top;
    t.start = g_get_monotonic_time();
    int ret = 1;
    if (open_commit_chain(&ch, base, cache) < 0 || commit_copy(&ch, progress, &t) < 0) {
        goto out;
    }
    if (!drop) {
        int r = bdrv_make_empty(top);
        if (r < 0) {
            error_report("Could not empty %s: %s", argv[optind], g_strerror(-r));
            goto out;
        }
    }
    if (!quiet) {
        printf("Image committed.\n");
    }
    ret = 0;
out:
    chain_free(&ch);
    return ret;
}

/* ---- rebase ---- */

typedef struct RebaseArgs {
    ImgOpenOpts o;
    const char *backing, *backing_fmt;
    int src_cache;
    bool unsafe, progress, quiet;
} RebaseArgs;

/* Read [off, off+n) of bs (NULL = nothing) with zeroes past its end. */
static int read_view(BlockDriverState *bs, int64_t off, int64_t n, uint8_t *buf)
{
    memset(buf, 0, n);
    if (!bs) {
        return 0;
    }
    int64_t len = bdrv_getlength(bs);
    if (len < 0) {
        return (int)len;
    }
    if (off >= len) {
        return 0;
    }
    int r = bdrv_pread(bs, off, MIN(n, len - off), buf, 0);
    return r < 0 ? r : 0;
}

/* Write into top the sectors where the old and new backing views differ. */
static int rebase_copy(BlockDriverState *top, BlockDriverState *old, BlockDriverState *new,
                       bool progress)
{
    int64_t len = bdrv_getlength(top);
    if (len < 0) {
        return (int)len;
    }
    uint8_t *a = g_malloc(COPY_CHUNK), *b = g_malloc(COPY_CHUNK);
    int ret = 0;
    progress_init(progress, 1.0);
    for (int64_t off = 0; off < len && ret == 0;) {
        int64_t n = MIN(len - off, COPY_CHUNK), pnum = 0;
        int alloc = bdrv_is_allocated(top, off, n, &pnum);
        if (alloc < 0) {
            ret = alloc;
            break;
        }
        n = pnum > 0 ? MIN(pnum, n) : n;
        if (!alloc) {
            ret = read_view(old, off, n, a);
            if (ret == 0) {
                ret = read_view(new, off, n, b);
            }
            for (int64_t p = 0; ret == 0 && p < n;) {
                int64_t s = MIN(BDRV_SECTOR_SIZE, n - p), q = p;
                while (q < n && memcmp(a + q, b + q, MIN(BDRV_SECTOR_SIZE, n - q)) != 0) {
                    q += MIN(BDRV_SECTOR_SIZE, n - q);
                }
                if (q > p) {
                    ret = bdrv_pwrite(top, off + p, q - p, a + p, 0);
                    ret = ret < 0 ? ret : 0;
                    p = q;
                } else {
                    p += s;
                }
            }
        }
        off += n;
        progress_update(off, len);
    }
    g_free(a);
    g_free(b);
    if (ret < 0) {
        error_report("Error while rebasing: %s", g_strerror(-ret));
    } else {
        progress_update(len, len);
        progress_end();
    }
    return ret;
}

static int do_rebase(const char *filename, RebaseArgs *a)
{
    RebaseArgs r = *a;
    r.o.flags |= BDRV_O_RDWR | (r.unsafe ? BDRV_O_NO_BACKING : 0);
    BlockDriverState *top = img_open(filename, &r.o), *new = NULL;
    if (!top) {
        return 1;
    }
    int ret = 1;
    const char *fmt = r.backing_fmt;
    bool none = !r.backing || !r.backing[0];
    if (!none && !r.unsafe) {
        char *path = img_backing_path(filename, r.backing);
        ImgOpenOpts bo = { .fmt = fmt, .flags = r.src_cache, .force_share = r.o.force_share };
        new = img_open(path, &bo);
        g_free(path);
        if (!new) {
            goto out;
        }
        fmt = fmt ? fmt : bdrv_get_format_name(new);
        if (rebase_copy(top, bdrv_get_backing(top), new, r.progress) < 0) {
            goto out;
        }
    } else if (none && !r.unsafe) {
        if (rebase_copy(top, bdrv_get_backing(top), NULL, r.progress) < 0) {
            goto out;
        }
    } else if (!none && !fmt) {
        error_report("Could not change the backing file to '%s': backing format must be "
                     "specified", r.backing);
        goto out;
    }
    Error *err = NULL;
    if (bdrv_change_backing_file(top, none ? NULL : r.backing, none ? NULL : fmt, &err) < 0) {
        error_report("Could not change the backing file to '%s': %s",
                     none ? "" : r.backing, err ? error_message(err) : "failed");
        error_free(err);
        goto out;
    }
    ret = 0;
out:
    if (new) {
        bdrv_unref(new);
    }
    bdrv_unref(top);
    return ret;
}

int img_cmd_rebase(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, LOPT_OBJECT },
        { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    RebaseArgs a = { { 0 } };
    int c;
    bool have_b = false;
    while ((c = getopt_long(argc, argv, ":hf:F:b:upt:T:qU", longopts, NULL)) != -1) {
        int stop_rc;
        switch (c) {
        case 'h': img_print_help(); return 0;
        case 'f': a.o.fmt = optarg; break;
        case 'F': a.backing_fmt = optarg; break;
        case 'b': a.backing = optarg; have_b = true; break;
        case 'u': a.unsafe = true; break;
        case 'p': a.progress = true; break;
        case 'q': a.quiet = true; break;
        case 'U': a.o.force_share = true; break;
        case 't':
            if (!img_parse_cache(optarg, &a.o.flags)) {
                return 1;
            }
            break;
        case 'T':
            if (!img_parse_cache(optarg, &a.src_cache)) {
                return 1;
            }
            break;
        case LOPT_IMAGE_OPTS: a.o.image_opts = true; break;
        case LOPT_OBJECT:
            if (img_object_opt(optarg, &stop_rc)) {
                return stop_rc;
            }
            break;
        default:
            return img_getopt_error(argc, argv, c);
        }
    }
    if (a.quiet) {
        a.progress = false;
    }
    if (optind != argc - 1) {
        return img_usage_error("Expecting one image file name");
    }
    if (!have_b && !a.unsafe) {
        return img_usage_error("Must specify backing file (-b) or use unsafe mode (-u)");
    }
    if (a.backing_fmt && !bdrv_find_format(a.backing_fmt)) {
        error_report("Invalid format name: '%s'", a.backing_fmt);
        return 1;
    }
    return do_rebase(argv[optind], &a);
}
