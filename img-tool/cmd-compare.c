/*
 * qemu-img compare: guest-visible content of two images. Exit 0 identical,
 * 1 different, 2 on errors. Areas both images report as zero are not read;
 * the part beyond the shorter image must read as zeroes (unless -s strict).
 */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "img-tool/img.h"

#define CMP_CHUNK (1024 * 1024)
enum { CMP_SAME = 0, CMP_DIFFERENT = 1, CMP_ERROR = 2 };

typedef struct CompareArgs {
    ImgOpenOpts o1, o2;
    bool strict, progress, quiet;
} CompareArgs;

/* Offset of the first differing 512-byte sector, or -1. */
static int64_t first_diff(const uint8_t *a, const uint8_t *b, int64_t len)
{
    for (int64_t p = 0; p < len; p += BDRV_SECTOR_SIZE) {
        int64_t n = MIN(BDRV_SECTOR_SIZE, len - p);
        if (memcmp(a + p, b + p, n) != 0) {
            return p;
        }
    }
    return -1;
}

static int64_t first_nonzero(const uint8_t *a, int64_t len)
{
    for (int64_t p = 0; p < len; p += BDRV_SECTOR_SIZE) {
        if (!buffer_is_zero(a + p, MIN(BDRV_SECTOR_SIZE, len - p))) {
            return p;
        }
    }
    return -1;
}

/* 1 zero, 0 data, <0 error; *pnum limited to len. */
static int zero_status(BlockDriverState *bs, int64_t off, int64_t len, int64_t *pnum,
                       bool *allocated)
{
    int depth = 0;
    int ret = bdrv_block_status_above(bs, NULL, off, len, pnum, NULL, NULL, &depth);
    if (ret < 0) {
        return ret;
    }
    if (*pnum <= 0 || *pnum > len) {
        *pnum = len;
    }
    *allocated = depth >= 0 && (ret & (BDRV_BLOCK_DATA | BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED));
    return (ret & BDRV_BLOCK_ZERO) || !(ret & BDRV_BLOCK_DATA);
}

static int read_or_report(BlockDriverState *bs, const char *name, int64_t off, int64_t len,
                          uint8_t *buf)
{
    int r = bdrv_pread(bs, off, len, buf, 0);
    if (r < 0) {
        error_report("Error while reading offset %" PRId64 " of %s: %s", off, name,
                     g_strerror(-r));
    }
    return r;
}

/* Compare the common part. */
static int compare_common(BlockDriverState *b1, BlockDriverState *b2, const char *n1,
                          const char *n2, int64_t len, int64_t total, const CompareArgs *a,
                          uint8_t *x, uint8_t *y)
{
    for (int64_t off = 0; off < len;) {
        int64_t c = MIN(len - off, CMP_CHUNK), p1, p2;
        bool al1, al2;
        int z1 = zero_status(b1, off, c, &p1, &al1);
        int z2 = z1 < 0 ? z1 : zero_status(b2, off, c, &p2, &al2);
        if (z1 < 0 || z2 < 0) {
            error_report("Sector allocation test failed for %s", z1 < 0 ? n1 : n2);
            return CMP_ERROR;
        }
        int64_t n = MIN(p1, p2);
        if (a->strict && al1 != al2) {
            printf("Strict mode: Offset %" PRId64 " block status mismatch!\n", off);
            return CMP_DIFFERENT;
        }
        if (!(z1 && z2)) {
            if (read_or_report(b1, n1, off, n, x) < 0 || read_or_report(b2, n2, off, n, y) < 0) {
                return CMP_ERROR;
            }
            int64_t d = first_diff(x, y, n);
            if (d >= 0) {
                printf("Content mismatch at offset %" PRId64 "!\n", off + d);
                return CMP_DIFFERENT;
            }
        }
        off += n;
        progress_update(off, total);
    }
    return CMP_SAME;
}

/* The tail of the longer image must read as zeroes. */
static int compare_tail(BlockDriverState *bs, const char *name, int64_t from, int64_t to,
                        int64_t total, uint8_t *x)
{
    for (int64_t off = from; off < to;) {
        int64_t c = MIN(to - off, CMP_CHUNK), n;
        bool al;
        int z = zero_status(bs, off, c, &n, &al);
        if (z < 0) {
            error_report("Sector allocation test failed for %s", name);
            return CMP_ERROR;
        }
        if (!z) {
            if (read_or_report(bs, name, off, n, x) < 0) {
                return CMP_ERROR;
            }
            int64_t d = first_nonzero(x, n);
            if (d >= 0) {
                printf("Content mismatch at offset %" PRId64 "!\n", off + d);
                return CMP_DIFFERENT;
            }
        }
        off += n;
        progress_update(off, total);
    }
    return CMP_SAME;
}

static int do_compare(const char *n1, const char *n2, CompareArgs *a)
{
    int ret = CMP_ERROR;
    BlockDriverState *b1 = img_open(n1, &a->o1), *b2 = NULL;
    if (!b1 || !(b2 = img_open(n2, &a->o2))) {
        goto out;
    }
    int64_t l1 = bdrv_getlength(b1), l2 = bdrv_getlength(b2);
    if (l1 < 0 || l2 < 0) {
        error_report("Can't get size of %s: %s", l1 < 0 ? n1 : n2,
                     g_strerror((int)-(l1 < 0 ? l1 : l2)));
        goto out;
    }
    if (a->strict && l1 != l2) {
        printf("Strict mode: Image size mismatch!\n");
        ret = CMP_DIFFERENT;
        goto out;
    }
    int64_t common = MIN(l1, l2), total = MAX(l1, l2);
    uint8_t *x = g_malloc(CMP_CHUNK), *y = g_malloc(CMP_CHUNK);
    progress_init(a->progress, 1.0);
    ret = compare_common(b1, b2, n1, n2, common, total, a, x, y);
    if (ret == CMP_SAME && l1 != l2) {
        printf("Warning: Image size mismatch!\n");
        ret = l1 > l2 ? compare_tail(b1, n1, common, l1, total, x)
                      : compare_tail(b2, n2, common, l2, total, x);
    }
    if (ret == CMP_SAME) {
        progress_update(total, total);
        printf("Images are identical.\n");
    }
    g_free(x);
    g_free(y);
    progress_end();
out:
    if (b1) {
        bdrv_unref(b1);
    }
    if (b2) {
        bdrv_unref(b2);
    }
    return ret;
}

int img_cmd_compare(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, LOPT_OBJECT },
        { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    CompareArgs a = { { 0 } };
    int c, cache = 0;
    while ((c = getopt_long(argc, argv, ":hf:F:T:pqsU", longopts, NULL)) != -1) {
        int stop_rc;
        switch (c) {
        case 'h': img_print_help(); return 0;
        case 'f': a.o1.fmt = optarg; break;
        case 'F': a.o2.fmt = optarg; break;
        case 'T':
            if (!img_parse_cache(optarg, &cache)) {
                return CMP_ERROR;
            }
            break;
        case 'p': a.progress = true; break;
        case 'q': a.quiet = true; break;
        case 's': a.strict = true; break;
        case 'U': a.o1.force_share = a.o2.force_share = true; break;
        case LOPT_IMAGE_OPTS: a.o1.image_opts = a.o2.image_opts = true; break;
        case LOPT_OBJECT:
            if (img_object_opt(optarg, &stop_rc)) {
                return stop_rc ? CMP_ERROR : 0;
            }
            break;
        default:
            img_getopt_error(argc, argv, c);
            return CMP_ERROR;
        }
    }
    if (a.quiet) {
        a.progress = false;
    }
    if (optind != argc - 2) {
        return img_usage_error("Expecting two image file names");
    }
    a.o1.flags = a.o2.flags = cache;
    /* -q silences the result lines: send stdout to /dev/null like QEMU's quiet mode. */
    if (a.quiet && !freopen("/dev/null", "w", stdout)) {
        return CMP_ERROR;
    }
    return do_compare(argv[optind], argv[optind + 1], &a);
}
