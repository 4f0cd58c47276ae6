/*
 * Unit tests for the qcow2 maintenance code: measure arithmetic (numbers
 * taken from Debian's qemu-img 7.2), the snapshot operations through the
 * block layer, check/repair of leaks and of a lost refcount structure, and
 * robustness: check and repair of images with random metadata damage must
 * never crash (run this under the sanitizers).
 */
#include "config.h"
#include <glib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "block/block.h"

static char *tmpdir;

static char *tmp_path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

/* "k=v,k=v" -> dict of strings */
static QDict *opts_of(const char *str)
{
    QDict *d = qdict_new();
    gchar **kv = g_strsplit(str, ",", -1);

    for (int i = 0; kv[i] && *kv[i]; i++) {
        gchar **p = g_strsplit(kv[i], "=", 2);
        qdict_put_str(d, p[0], p[1] ? p[1] : "");
        g_strfreev(p);
    }
    g_strfreev(kv);
    return d;
}

/* Silence stderr (check reports problems there) while fn runs. */
static int saved_stderr = -1;

static void quiet(bool on)
{
    if (on) {
        int fd = open("/dev/null", O_WRONLY);
        fflush(stderr);
        saved_stderr = dup(2);
        dup2(fd, 2);
        close(fd);
    } else {
        fflush(stderr);
        dup2(saved_stderr, 2);
        close(saved_stderr);
    }
}

/* ---- measure ---- */

typedef struct MeasureCase {
    const char *opts;
    uint64_t required, fully;
} MeasureCase;

static void test_measure(void)
{
    static const MeasureCase cases[] = {
        { "size=1G", 393216, 1074135040 },
        { "size=10G,cluster_size=512", 213841408, 10951259648ULL },
        { "size=10G,cluster_size=2M", 10485760, 10747904000ULL },
        { "size=10G,refcount_bits=1", 1572864, 10738991104ULL },
        { "size=10G,refcount_bits=64", 2883584, 10740301824ULL },
        { "size=10G,extended_l2=on", 3211264, 10740629504ULL },
        { "size=10G,extended_l2=on,cluster_size=16k", 11862016, 10749280256ULL },
        { "size=10G,preallocation=full", 10739318784ULL, 10739318784ULL },
        { "size=10G,preallocation=metadata", 1900544, 10739318784ULL },
        { "size=10G,compat=0.10", 1900544, 10739318784ULL },
    };
    const BlockDriver *drv = bdrv_find_format("qcow2");

    g_assert_nonnull(drv);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        BlockMeasureInfo info;
        Error *err = NULL;
        QDict *opts = opts_of(cases[i].opts);
        int ret = bdrv_measure(drv, opts, NULL, &info, &err);

        qobject_unref(opts);
        g_test_message("%s", cases[i].opts);
        g_assert_null(err);
        g_assert_cmpint(ret, ==, 0);
        g_assert_cmpuint(info.required, ==, cases[i].required);
        g_assert_cmpuint(info.fully_allocated, ==, cases[i].fully);
        g_assert_false(info.has_bitmaps);
    }
}

static void test_measure_errors(void)
{
    static const char *const bad[][2] = {
        { "size=1G,cluster_size=3000", "Cluster size must be a power of two" },
        { "size=1G,refcount_bits=3", "Refcount width must be a power of two" },
        { "size=1G,compat=0.10,refcount_bits=8", "Different refcount widths" },
        { "size=1G,compat=2", "Invalid compatibility level: '2'" },
        { "size=1G,extended_l2=on,cluster_size=8k", "at least 16384 bytes" },
        { "size=1T,cluster_size=512", "The image size is too large" },
        { "size=1G,preallocation=nope", "invalid parameter value: nope" },
    };
    const BlockDriver *drv = bdrv_find_format("qcow2");

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        BlockMeasureInfo info;
        Error *err = NULL;
        QDict *opts = opts_of(bad[i][0]);

        g_assert_cmpint(bdrv_measure(drv, opts, NULL, &info, &err), <, 0);
        qobject_unref(opts);
        g_assert_nonnull(err);
        g_test_message("%s: %s", bad[i][0], error_message(err));
        g_assert_nonnull(strstr(error_message(err), bad[i][1]));
        error_free(err);
    }
}

/* ---- helpers for images ---- */

static char *make_image(const char *name, const char *opts)
{
    char *path = tmp_path(name);
    Error *err = NULL;
    QDict *dict = opts_of(opts);
    int ret = bdrv_create(bdrv_find_format("qcow2"), path, dict, &err);

    qobject_unref(dict);
    g_assert_null(err);
    g_assert_cmpint(ret, ==, 0);
    return path;
}

static BlockDriverState *open_rw(const char *path, int extra)
{
    Error *err = NULL;
    BlockDriverState *bs = bdrv_open(path, NULL, BDRV_O_RDWR | extra, &err);

    if (err) {
        g_test_message("open %s: %s", path, error_message(err));
    }
    g_assert_null(err);
    g_assert_nonnull(bs);
    return bs;
}

static void fill(BlockDriverState *bs, int64_t off, int64_t len, int pattern)
{
    uint8_t *buf = g_malloc(len);

    memset(buf, pattern, len);
    g_assert_cmpint(bdrv_pwrite(bs, off, len, buf, 0), ==, 0);
    g_free(buf);
}

static void expect(BlockDriverState *bs, int64_t off, int64_t len, int pattern)
{
    uint8_t *buf = g_malloc(len);

    g_assert_cmpint(bdrv_pread(bs, off, len, buf, 0), ==, 0);
    for (int64_t i = 0; i < len; i++) {
        if (buf[i] != pattern) {
            g_test_message("offset %" G_GINT64_FORMAT ": %d, want %d", off + i, buf[i], pattern);
            g_assert_not_reached();
        }
    }
    g_free(buf);
}

static BdrvCheckResult check(BlockDriverState *bs, int fix)
{
    BdrvCheckResult res;

    quiet(true);
    g_assert_cmpint(bdrv_check(bs, &res, fix), >=, 0);
    quiet(false);
    return res;
}

static SnapshotInfo snap_info(const char *name)
{
    SnapshotInfo sn = { .date_sec = 1700000000, .icount = UINT64_MAX };

    g_strlcpy(sn.name, name, sizeof(sn.name));
    return sn;
}

/* ---- snapshots ---- */

static void test_snapshots(void)
{
    char *path = make_image("snap.qcow2", "size=4M,cluster_size=4096");
    BlockDriverState *bs = open_rw(path, 0);
    SnapshotInfo sn, *list = NULL;
    BdrvCheckResult res;
    Error *err = NULL;

    fill(bs, 0, 64 * 1024, 0xaa);
    sn = snap_info("first");
    g_assert_cmpint(bdrv_snapshot_create(bs, &sn, &err), ==, 0);
    g_assert_cmpstr(sn.id_str, ==, "1");
    fill(bs, 0, 8192, 0xbb);
    fill(bs, 1024 * 1024, 4096, 0xcc);
    sn = snap_info("second");
    g_assert_cmpint(bdrv_snapshot_create(bs, &sn, &err), ==, 0);
    g_assert_cmpstr(sn.id_str, ==, "2");
    fill(bs, 0, 4096, 0xdd);

    g_assert_cmpint(bdrv_snapshot_list(bs, &list), ==, 2);
    g_assert_cmpstr(list[0].name, ==, "first");
    g_assert_cmpstr(list[1].id_str, ==, "2");
    g_assert_cmpuint(list[1].date_sec, ==, 1700000000);
    g_free(list);

    res = check(bs, 0);
    g_assert_cmpint(res.corruptions + res.leaks + res.check_errors, ==, 0);

    g_assert_cmpint(bdrv_snapshot_goto(bs, "first", &err), ==, 0);
    expect(bs, 0, 64 * 1024, 0xaa);
    expect(bs, 1024 * 1024, 4096, 0);
    g_assert_cmpint(bdrv_snapshot_goto(bs, "2", &err), ==, 0);
    expect(bs, 0, 8192, 0xbb);
    expect(bs, 8192, 8192, 0xaa);
    expect(bs, 1024 * 1024, 4096, 0xcc);
    g_assert_null(err);

    g_assert_cmpint(bdrv_snapshot_goto(bs, "nope", &err), ==, -ENOENT);
    g_assert_nonnull(err);
    error_clear(&err);
    g_assert_cmpint(bdrv_snapshot_delete(bs, NULL, "nope", &err), ==, -ENOENT);
    error_clear(&err);

    g_assert_cmpint(bdrv_snapshot_delete(bs, NULL, "first", &err), ==, 0);
    g_assert_cmpint(bdrv_snapshot_delete(bs, "2", NULL, &err), ==, 0);
    g_assert_cmpint(bdrv_snapshot_list(bs, &list), ==, 0);
    g_free(list);
    /* the next ID continues from the largest one left: none, so 1 again */
    sn = snap_info("third");
    g_assert_cmpint(bdrv_snapshot_create(bs, &sn, &err), ==, 0);
    g_assert_cmpstr(sn.id_str, ==, "1");

    res = check(bs, 0);
    g_assert_cmpint(res.corruptions + res.leaks + res.check_errors, ==, 0);
    bdrv_unref(bs);
    g_free(path);
}

/* ---- check and repair ---- */

static void poke(const char *path, off_t off, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pwrite(fd, data, len, off), ==, (ssize_t)len);
    close(fd);
}

static void test_check_repair(void)
{
    char *path = make_image("rep.qcow2", "size=8M,cluster_size=4096");
    BlockDriverState *bs = open_rw(path, 0);
    uint8_t zero16[16] = { 0 };
    BdrvCheckResult res;

    fill(bs, 0, 40960, 0x11);
    fill(bs, 4 * 1024 * 1024, 8192, 0x22);
    res = check(bs, 0);
    g_assert_cmpint(res.corruptions + res.leaks, ==, 0);
    g_assert_cmpint(res.allocated_clusters, ==, 12);
    g_assert_cmpint(res.total_clusters, ==, 2048);
    bdrv_unref(bs);

    /* Wipe the first refcount block's start: every metadata cluster loses its count. */
    {
        uint8_t hdr[64];
        int fd = open(path, O_RDONLY);
        uint64_t rt, rb;
        g_assert_cmpint(pread(fd, hdr, sizeof(hdr), 0), ==, sizeof(hdr));
        rt = GUINT64_FROM_BE(*(uint64_t *)(void *)(hdr + 48));
        g_assert_cmpint(pread(fd, &rb, 8, rt), ==, 8);
        close(fd);
        rb = GUINT64_FROM_BE(rb);
        poke(path, rb, zero16, sizeof(zero16));
    }
    bs = open_rw(path, BDRV_O_CHECK);
    res = check(bs, 0);
    g_assert_cmpint(res.corruptions, >, 0);
    res = check(bs, BDRV_FIX_LEAKS | BDRV_FIX_ERRORS);
    g_assert_cmpint(res.corruptions, ==, 0);
    g_assert_cmpint(res.corruptions_fixed, >, 0);
    res = check(bs, 0);
    g_assert_cmpint(res.corruptions + res.leaks + res.check_errors, ==, 0);
    expect(bs, 0, 40960, 0x11);
    expect(bs, 4 * 1024 * 1024, 8192, 0x22);
    bdrv_unref(bs);
    g_free(path);
}

/* ---- robustness ---- */

static void test_damaged_images(void)
{
    char *path = make_image("fuzz-base.qcow2", "size=2M,cluster_size=512");
    char *victim = tmp_path("fuzz.qcow2");
    BlockDriverState *bs = open_rw(path, 0);
    SnapshotInfo sn = snap_info("s");
    GRand *rand = g_rand_new_with_seed(20261123);
    Error *err = NULL;
    gchar *base = NULL;
    gsize len = 0;

    fill(bs, 0, 8192, 1);
    g_assert_cmpint(bdrv_snapshot_create(bs, &sn, &err), ==, 0);
    fill(bs, 4096, 8192, 2);
    g_assert_cmpint(bdrv_pwrite_compressed(bs, 65536, 512, (uint8_t[512]){ 3 }), ==, 0);
    sn = snap_info("t");
    g_assert_cmpint(bdrv_snapshot_create(bs, &sn, &err), ==, 0);
    bdrv_unref(bs);
    g_assert_true(g_file_get_contents(path, &base, &len, NULL));

    for (int iter = 0; iter < 100; iter++) {
        gchar *img = g_memdup2(base, len);
        int flips = g_rand_int_range(rand, 1, 8);

        for (int k = 0; k < flips; k++) {
            /* metadata lives in the first clusters and the header */
            gsize pos = g_rand_int_range(rand, 0, MIN(len, 64 * 512));
            img[pos] ^= 1 << g_rand_int_range(rand, 0, 8);
        }
        g_assert_true(g_file_set_contents(victim, img, len, NULL));
        quiet(true);
        /* no fsync: this is about surviving bad metadata, not about durability */
        bs = bdrv_open(victim, opts_of("cache.no-flush=on"), BDRV_O_RDWR | BDRV_O_CHECK, &err);
        if (bs) {
            BdrvCheckResult res;
            SnapshotInfo *list = NULL, nsn = snap_info("new");
            QDict *amend = opts_of(iter % 2 ? "refcount_bits=8" : "compat=0.10");
            bdrv_check(bs, &res, 0);
            bdrv_check(bs, &res, BDRV_FIX_LEAKS | BDRV_FIX_ERRORS);
            bdrv_check(bs, &res, 0);
            /* the other operations on whatever is left must fail cleanly too */
            if (bdrv_snapshot_list(bs, &list) >= 0) {
                g_free(list);
            }
            bdrv_snapshot_create(bs, &nsn, &err);
            error_clear(&err);
            bdrv_snapshot_goto(bs, "s", &err);
            error_clear(&err);
            bdrv_snapshot_delete(bs, NULL, "t", &err);
            error_clear(&err);
            bdrv_amend(bs, amend, false, &err);
            error_clear(&err);
            qobject_unref(amend);
            bdrv_check(bs, &res, 0);
            bdrv_unref(bs);
        } else {
            error_clear(&err);
        }
        quiet(false);
        g_free(img);
    }
    g_rand_free(rand);
    g_free(base);
    g_unlink(victim);
    g_free(victim);
    g_free(path);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-qcow2-maint-XXXXXX", NULL);
    g_test_add_func("/qcow2-maint/measure", test_measure);
    g_test_add_func("/qcow2-maint/measure-errors", test_measure_errors);
    g_test_add_func("/qcow2-maint/snapshots", test_snapshots);
    g_test_add_func("/qcow2-maint/check-repair", test_check_repair);
    g_test_add_func("/qcow2-maint/damaged-images", test_damaged_images);
    ret = g_test_run();
    {
        GDir *d = g_dir_open(tmpdir, 0, NULL);
        const char *n;
        while (d && (n = g_dir_read_name(d))) {
            char *p = tmp_path(n);
            g_unlink(p);
            g_free(p);
        }
        if (d) {
            g_dir_close(d);
        }
        g_rmdir(tmpdir);
    }
    g_free(tmpdir);
    return ret;
}
