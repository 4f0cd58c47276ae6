/*
 * Unit tests for the qcow2 driver core: creation (byte-compared with
 * Debian's qemu-img where it is installed), random I/O against an in-memory
 * mirror for many option sets, copy-on-write from backing files, zero writes,
 * discard, compressed writes from several threads, truncation, lazy
 * refcounts, header validation, block status, and reading images written
 * by Debian's qemu-img / qemu-io. Every image we write is checked with
 * /usr/bin/qemu-img check when available.
 */
#include "config.h"
#include <glib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "block/block.h"

#define REF_IMG "/usr/bin/qemu-img"
#define REF_IO "/usr/bin/qemu-io"

static char *tmpdir;

static char *tmp_path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static bool have(const char *prog)
{
    return g_file_test(prog, G_FILE_TEST_IS_EXECUTABLE);
}

/* Run a command line (split on spaces); returns the exit status. */
static int run(const char *cmdline, char **out)
{
    gchar **argv = g_strsplit(cmdline, " ", -1);
    gchar *sout = NULL, *serr = NULL;
    gint status = -1;
    GError *gerr = NULL;

    if (!g_spawn_sync(tmpdir, argv, NULL, 0, NULL, NULL, &sout, &serr, &status, &gerr)) {
        g_test_message("spawn %s: %s", cmdline, gerr->message);
        g_error_free(gerr);
        g_strfreev(argv);
        return -1;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_test_message("%s:\n%s%s", cmdline, sout, serr);
        status = status ? status : 1;
    }
    if (out) {
        *out = g_strconcat(sout, serr, NULL);
    }
    g_free(sout);
    g_free(serr);
    g_strfreev(argv);
    return status;
}

static void ref_check_status(const char *path, int want)
{
    char *cmd;

    if (!have(REF_IMG)) {
        return;
    }
    cmd = g_strdup_printf(REF_IMG " check -q %s", path);
    g_assert_cmpint(run(cmd, NULL), ==, want);
    g_free(cmd);
}

static void ref_check(const char *path)
{
    ref_check_status(path, 0);
}

/* "a=b,c=d" -> dict of strings (plus size). */
static QDict *opts_dict(const char *opts, const char *size)
{
    QDict *d = qdict_new();
    gchar **kv = g_strsplit(opts ? opts : "", ",", -1);

    for (int i = 0; kv[i]; i++) {
        char *eq = strchr(kv[i], '=');
        if (eq) {
            *eq = 0;
            qdict_put_str(d, kv[i], eq + 1);
        }
    }
    g_strfreev(kv);
    if (size) {
        qdict_put_str(d, "size", size);
    }
    return d;
}

static int create_img(const char *path, const char *opts, const char *size, Error **errp)
{
    QDict *d = opts_dict(opts, size);
    int ret = bdrv_create(bdrv_find_format("qcow2"), path, d, errp);

    qobject_unref(d);
    return ret;
}

static void create_ok(const char *path, const char *opts, const char *size)
{
    Error *err = NULL;
    int ret = create_img(path, opts, size, &err);

    if (ret < 0) {
        g_test_message("create %s (%s): %s", path, opts, error_message(err));
        error_free(err);
    }
    g_assert_cmpint(ret, ==, 0);
}

static BlockDriverState *open_img(const char *path, int flags)
{
    Error *err = NULL;
    QDict *o = qdict_new();
    BlockDriverState *bs;

    qdict_put_str(o, "driver", "qcow2");
    bs = bdrv_open(path, o, flags, &err);
    if (!bs) {
        g_test_message("open %s: %s", path, error_message(err));
        error_free(err);
    }
    g_assert_nonnull(bs);
    return bs;
}

/* Open expecting failure; returns the message (g_free). */
static char *open_fails(const char *path, int flags)
{
    Error *err = NULL;
    QDict *o = qdict_new();
    BlockDriverState *bs;
    char *msg;

    qdict_put_str(o, "driver", "qcow2");
    bs = bdrv_open(path, o, flags, &err);
    if (bs) {
        bdrv_unref(bs);
        g_assert_not_reached();
    }
    msg = g_strdup(error_message(err));
    error_free(err);
    return msg;
}

static void assert_content(BlockDriverState *bs, const uint8_t *mirror, int64_t size)
{
    uint8_t *buf = g_malloc(size);

    g_assert_cmpint(bdrv_pread(bs, 0, size, buf, 0), ==, 0);
    for (int64_t i = 0; i < size; i++) {
        if (buf[i] != mirror[i]) {
            g_test_message("content differs at %" G_GINT64_FORMAT ": %02x != %02x", i,
                           buf[i], mirror[i]);
            g_assert_not_reached();
        }
    }
    g_free(buf);
}

static void write_file(const char *path, const void *buf, size_t len)
{
    g_assert_true(g_file_set_contents(path, buf, len, NULL));
}

/* Compare an image with a raw mirror using the reference tool. */
static void ref_compare(const char *img, const uint8_t *mirror, int64_t size)
{
    char *raw = tmp_path("mirror.raw");
    char *cmd;

    if (!have(REF_IMG)) {
        g_free(raw);
        return;
    }
    write_file(raw, mirror, size);
    cmd = g_strdup_printf(REF_IMG " compare -q -f raw %s %s", raw, img);
    g_assert_cmpint(run(cmd, NULL), ==, 0);
    g_free(cmd);
    g_unlink(raw);
    g_free(raw);
}

static void fill_random(GRand *r, uint8_t *buf, size_t len)
{
    /* Runs of a byte, so data compresses like real data sometimes does. */
    for (size_t i = 0; i < len;) {
        size_t want = g_rand_int_range(r, 1, 600);   /* MIN evaluates twice */
        size_t run = MIN(len - i, want);
        uint8_t v = g_rand_int_range(r, 0, 4) ? g_rand_int(r) : 0;
        bool noise = g_rand_boolean(r);
        for (size_t j = 0; j < run; j++) {
            buf[i + j] = noise ? (uint8_t)g_rand_int(r) : v;
        }
        i += run;
    }
}

/* ---- Creation ---- */

static void test_create_identical(void)
{
    static const char *cases[][2] = {
        { "", "1G" }, { "compat=0.10", "1G" }, { "cluster_size=2M", "100M" },
        { "cluster_size=4096,refcount_bits=1", "17M" }, { "cluster_size=512", "0" },
        { "refcount_bits=64", "1G" }, { "lazy_refcounts=on", "1G" },
        { "compression_type=zstd", "1G" }, { "extended_l2=on", "100M" },
        { "preallocation=metadata", "100M" }, { "preallocation=metadata,compat=0.10", "20M" },
        { "preallocation=metadata,extended_l2=on", "20M" },
        { "backing_file=base.img,backing_fmt=raw", "4M" },
        { "backing_file=base.img,backing_fmt=raw,compat=0.10", "4M" },
    };
    char *base = tmp_path("base.img");
    char *ours = tmp_path("ours.qcow2");
    char *ref = tmp_path("ref.qcow2");

    if (!have(REF_IMG)) {
        g_test_skip("Debian's qemu-img is not installed");
        goto out;
    }
    write_file(base, "", 0);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *cmd, *a = NULL, *b = NULL;
        gsize la, lb;

        g_unlink(ours);
        g_unlink(ref);
        create_ok(ours, cases[i][0], cases[i][1]);
        cmd = g_strdup_printf(REF_IMG " create -q -f qcow2 %s%s %s %s",
                              cases[i][0][0] ? "-o " : "", cases[i][0], ref, cases[i][1]);
        if (!cases[i][0][0]) {
            g_free(cmd);
            cmd = g_strdup_printf(REF_IMG " create -q -f qcow2 %s %s", ref, cases[i][1]);
        }
        g_assert_cmpint(run(cmd, NULL), ==, 0);
        g_free(cmd);
        g_assert_true(g_file_get_contents(ours, &a, &la, NULL));
        g_assert_true(g_file_get_contents(ref, &b, &lb, NULL));
        if (la != lb || memcmp(a, b, la)) {
            g_test_message("case '%s' %s: files differ (%zu vs %zu bytes)", cases[i][0],
                           cases[i][1], la, lb);
            g_assert_not_reached();
        }
        g_free(a);
        g_free(b);
        ref_check(ours);
    }
out:
    g_free(base);
    g_free(ours);
    g_free(ref);
}

static void test_create_errors(void)
{
    static const char *bad[][2] = {
        { "cluster_size=1000", "Cluster size must be a power of two" },
        { "cluster_size=4M", "Cluster size must be a power of two" },
        { "refcount_bits=3", "Refcount width must be a power of two" },
        { "refcount_bits=128", "Refcount width" },
        { "compat=0.10,refcount_bits=8", "Different refcount widths" },
        { "compat=0.10,lazy_refcounts=on", "Lazy refcounts only supported" },
        { "extended_l2=on,cluster_size=4k", "at least 16 KB" },
        { "encryption=on", "encryption is not supported" },
        { "encrypt.format=luks", "encryption is not supported" },
        { "compat=2.0", "does not accept value" },
        { "compression_type=lzo", "does not accept value" },
        { "data_file_raw=on", "data-file-raw requires data-file" },
        { "preallocation=fast", "" },
    };
    char *p = tmp_path("bad.qcow2");

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        Error *err = NULL;
        g_assert_cmpint(create_img(p, bad[i][0], "1M", &err), <, 0);
        g_assert_nonnull(err);
        if (!strstr(error_message(err), bad[i][1])) {
            g_test_message("'%s' gave '%s'", bad[i][0], error_message(err));
            g_assert_not_reached();
        }
        error_free(err);
    }
    {
        Error *err = NULL;
        g_assert_cmpint(create_img(p, "", "1000", &err), <, 0);
        g_assert_nonnull(strstr(error_message(err), "multiple of 512"));
        error_free(err);
    }
    g_free(p);
}

/* ---- Random I/O against a mirror ---- */

typedef struct Workload {
    const char *opts;
    int64_t size;
    bool compressed;
    bool flush;           /* real flush barriers (slow): the default case only */
} Workload;

static void random_ops(BlockDriverState *bs, uint8_t *mirror, int64_t size, int cluster,
                       int nops, bool compressed, bool zero_is_backing_free, GRand *r)
{
    uint8_t *buf = g_malloc(4 * cluster + 8192);

    for (int op = 0; op < nops; op++) {
        int kind = g_rand_int_range(r, 0, 10);
        int64_t len = g_rand_int_range(r, 1, MIN(3 * cluster + 4096, size));
        int64_t off = g_rand_int_range(r, 0, size - len + 1);

        if (kind < 6) {
            fill_random(r, buf, len);
            g_assert_cmpint(bdrv_pwrite(bs, off, len, buf, 0), ==, 0);
            memcpy(mirror + off, buf, len);
        } else if (kind < 8) {
            int flags = g_rand_boolean(r) ? BDRV_REQ_MAY_UNMAP : 0;
            off &= ~511LL;
            len = MAX(512, len & ~511LL);
            if (off + len > size) {
                continue;
            }
            g_assert_cmpint(bdrv_pwrite_zeroes(bs, off, len, flags), ==, 0);
            memset(mirror + off, 0, len);
        } else if (kind == 8 && zero_is_backing_free) {
            /* Discard whole clusters: they read as zeroes without a backing file. */
            int64_t s = (off + cluster - 1) / cluster * cluster;
            int64_t e = (off + len) / cluster * cluster;
            g_assert_cmpint(bdrv_pdiscard(bs, off, len), ==, 0);
            if (e > s) {
                memset(mirror + s, 0, e - s);
            }
        } else if (kind == 9 && compressed) {
            off = off / cluster * cluster;
            len = MIN(cluster, size - off);
            fill_random(r, buf, len);
            g_assert_cmpint(bdrv_pwrite_compressed(bs, off, len, buf), ==, 0);
            memcpy(mirror + off, buf, len);
        }
    }
    g_free(buf);
}

static void run_workload(gconstpointer data)
{
    const Workload *w = data;
    char *path = tmp_path("rand.qcow2");
    char *sz = g_strdup_printf("%" G_GINT64_FORMAT, w->size);
    uint8_t *mirror = g_malloc0(w->size);
    GRand *r = g_rand_new_with_seed(g_str_hash(w->opts) ^ 42);
    BlockDriverState *bs;
    BlockDriverInfo bdi;

    g_unlink(path);
    create_ok(path, w->opts, sz);
    /* Only the default case pays for real flush barriers; the rest run unsafe. */
    bs = open_img(path, BDRV_O_RDWR | BDRV_O_UNMAP | (w->flush ? 0 : BDRV_O_NO_FLUSH));
    g_assert_cmpint(bdrv_get_info(bs, &bdi), ==, 0);
    random_ops(bs, mirror, w->size, bdi.cluster_size, 250, w->compressed, true, r);
    assert_content(bs, mirror, w->size);
    g_assert_cmpint(bdrv_flush(bs), ==, 0);
    bdrv_unref(bs);
    ref_check(path);
    ref_compare(path, mirror, w->size);
    /* Reopen: everything was on disk. */
    bs = open_img(path, BDRV_O_RDWR | BDRV_O_UNMAP | BDRV_O_NO_FLUSH);
    assert_content(bs, mirror, w->size);
    random_ops(bs, mirror, w->size, bdi.cluster_size, 100, w->compressed, true, r);
    assert_content(bs, mirror, w->size);
    bdrv_unref(bs);
    ref_check(path);
    ref_compare(path, mirror, w->size);
    g_rand_free(r);
    g_free(mirror);
    g_free(sz);
    g_free(path);
}

static const Workload workloads[] = {
    { "", 8 << 20, true, true },
    { "compat=0.10", 8 << 20, true },
    { "cluster_size=512", 2 << 20, true },
    { "cluster_size=4096,refcount_bits=1", 4 << 20, true },
    { "cluster_size=1024,refcount_bits=2", 4 << 20, true },
    { "refcount_bits=64", 8 << 20, true },
    { "extended_l2=on", 8 << 20, true },
    { "extended_l2=on,cluster_size=16384", 4 << 20, true },
    { "lazy_refcounts=on", 8 << 20, true },
    { "compression_type=zstd", 8 << 20, true },
    { "cluster_size=2M", 12 << 20, true },
    { "preallocation=metadata", 8 << 20, true },
    { "preallocation=metadata,extended_l2=on", 8 << 20, false },
    { "preallocation=falloc", 4 << 20, false },
};

/* Many refcount blocks and a growing refcount table. */
static void test_refcount_growth(void)
{
    char *path = tmp_path("grow.qcow2");
    int64_t size = 24 << 20;
    uint8_t *mirror = g_malloc0(size);
    uint8_t *buf = g_malloc(512);
    BlockDriverState *bs;

    g_unlink(path);
    create_ok(path, "cluster_size=512,refcount_bits=64", "24M");
    bs = open_img(path, BDRV_O_RDWR | BDRV_O_NO_FLUSH);
    /* Every 7th cluster of 24M: ~7k clusters with 64 per refcount block, so the
     * refcount table (64 entries a cluster) must grow several times. */
    for (int64_t off = 0; off < size; off += 512 * 7) {
        memset(buf, (uint8_t)(off / 512), 512);
        g_assert_cmpint(bdrv_pwrite(bs, off, 512, buf, 0), ==, 0);
        memcpy(mirror + off, buf, 512);
    }
    assert_content(bs, mirror, size);
    bdrv_unref(bs);
    ref_check(path);
    ref_compare(path, mirror, size);
    g_free(buf);
    g_free(mirror);
    g_free(path);
}

/* ---- Backing files ---- */

static void backing_case(const char *opts)
{
    char *base = tmp_path("base.raw");
    char *top = tmp_path("top.qcow2");
    int64_t size = 6 << 20;
    uint8_t *mirror = g_malloc(size);
    char *o = g_strdup_printf("backing_file=base.raw,backing_fmt=raw%s%s", opts[0] ? "," : "",
                              opts);
    GRand *r = g_rand_new_with_seed(7);
    BlockDriverState *bs;
    BlockDriverInfo bdi;

    fill_random(r, mirror, size);
    /* A backing file shorter than the overlay: the rest reads as zeroes. */
    write_file(base, mirror, size - (1 << 20));
    memset(mirror + size - (1 << 20), 0, 1 << 20);
    g_unlink(top);
    create_ok(top, o, "6M");
    bs = open_img(top, BDRV_O_RDWR);
    g_assert_nonnull(bdrv_get_backing(bs));
    g_assert_cmpstr(bdrv_get_backing_filename(bs), ==, "base.raw");
    g_assert_cmpstr(bdrv_get_backing_format(bs), ==, "raw");
    assert_content(bs, mirror, size);
    g_assert_cmpint(bdrv_get_info(bs, &bdi), ==, 0);
    /* Small writes: copy-on-write of the rest of each cluster from the backing file. */
    random_ops(bs, mirror, size, bdi.cluster_size, 150, true, false, r);
    assert_content(bs, mirror, size);
    bdrv_unref(bs);
    ref_check(top);
    ref_compare(top, mirror, size);
    g_rand_free(r);
    g_free(o);
    g_free(mirror);
    g_free(base);
    g_free(top);
}

static void test_backing(void)
{
    backing_case("");
    backing_case("compat=0.10");
    backing_case("extended_l2=on");
    backing_case("cluster_size=4096");
}

static void test_discard_with_backing(void)
{
    char *base = tmp_path("base.raw");
    char *top = tmp_path("top.qcow2");
    uint8_t *data = g_malloc(1 << 20);
    uint8_t *buf = g_malloc(1 << 20);
    BlockDriverState *bs;

    memset(data, 0x5a, 1 << 20);
    write_file(base, data, 1 << 20);
    g_unlink(top);
    create_ok(top, "backing_file=base.raw,backing_fmt=raw", "1M");
    bs = open_img(top, BDRV_O_RDWR | BDRV_O_UNMAP);
    memset(buf, 0x11, 65536);
    g_assert_cmpint(bdrv_pwrite(bs, 0, 65536, buf, 0), ==, 0);
    /* A discarded cluster must not show the backing file again. */
    g_assert_cmpint(bdrv_pdiscard(bs, 0, 131072), ==, 0);
    g_assert_cmpint(bdrv_pread(bs, 0, 131072, buf, 0), ==, 0);
    for (int i = 0; i < 131072; i++) {
        g_assert_cmpint(buf[i], ==, 0);
    }
    bdrv_unref(bs);
    ref_check(top);
    g_free(data);
    g_free(buf);
    g_free(base);
    g_free(top);
}

/* ---- Images written by QEMU ---- */

static void test_read_reference(void)
{
    static const char *cases[][2] = {
        { "", "write -P 0xaa 0 100k;write -z 200k 64k;write -c -P 0x11 1M 64k;"
              "write -P 0x22 1100k 3k;write -z -u 1M 64k" },
        { "compat=0.10", "write -P 0xaa 0 100k;write -c -P 0x11 1M 64k;write -z 64k 64k" },
        { "extended_l2=on", "write -P 0xaa 0 5k;write -P 0xbb 70k 2k;write -z 140k 8k;"
                            "write -c -P 0x33 1M 64k;write -P 0x44 1M 2k" },
        { "compression_type=zstd", "write -c -P 0x77 0 64k;write -c -P 0x78 64k 64k;"
                                   "write -P 0x79 100k 1k" },
        { "cluster_size=512", "write -P 0x12 0 300k;write -c -P 0x13 512k 512;"
                              "write -z 1k 2k" },
        { "cluster_size=2M", "write -P 0x12 1M 3M;write -c -P 0x14 4M 2M;write -z 0 2M" },
        { "lazy_refcounts=on", "write -P 0xcd 0 1M" },
    };
    char *img = tmp_path("qemu.qcow2");
    char *raw = tmp_path("qemu.raw");

    if (!have(REF_IMG) || !have(REF_IO)) {
        g_test_skip("Debian's qemu-img / qemu-io are not installed");
        goto out;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        gchar **cmds = g_strsplit(cases[i][1], ";", -1);
        GString *cmd = g_string_new(REF_IO " -f qcow2");
        char *c, *data = NULL;
        gsize len;
        BlockDriverState *bs;
        uint8_t *buf;
        gchar **argv;
        gint status;

        g_unlink(img);
        c = g_strdup_printf(REF_IMG " create -q -f qcow2 %s%s %s 8M", cases[i][0][0] ? "-o " :
                            "", cases[i][0], img);
        if (!cases[i][0][0]) {
            g_free(c);
            c = g_strdup_printf(REF_IMG " create -q -f qcow2 %s 8M", img);
        }
        g_assert_cmpint(run(c, NULL), ==, 0);
        g_free(c);
        /* qemu-io commands contain spaces: build argv by hand. */
        argv = g_new0(gchar *, 2 * g_strv_length(cmds) + 5);
        {
            int n = 0;
            argv[n++] = g_strdup(REF_IO);
            argv[n++] = g_strdup("-f");
            argv[n++] = g_strdup("qcow2");
            for (int k = 0; cmds[k]; k++) {
                argv[n++] = g_strdup("-c");
                argv[n++] = g_strdup(cmds[k]);
            }
            argv[n++] = g_strdup(img);
        }
        g_assert_true(g_spawn_sync(tmpdir, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                   NULL, NULL, &status, NULL));
        g_assert_cmpint(status, ==, 0);
        g_strfreev(argv);
        g_string_free(cmd, true);
        g_strfreev(cmds);
        c = g_strdup_printf(REF_IMG " convert -O raw %s %s", img, raw);
        g_assert_cmpint(run(c, NULL), ==, 0);
        g_free(c);
        g_assert_true(g_file_get_contents(raw, &data, &len, NULL));
        g_assert_cmpint(len, ==, 8 << 20);
        bs = open_img(img, 0);
        assert_content(bs, (uint8_t *)data, len);
        /* And write to it: data stays right and QEMU still likes the file. */
        bdrv_unref(bs);
        bs = open_img(img, BDRV_O_RDWR);
        buf = g_malloc(70000);
        memset(buf, 0xee, 70000);
        g_assert_cmpint(bdrv_pwrite(bs, 60000, 70000, buf, 0), ==, 0);
        memcpy(data + 60000, buf, 70000);
        assert_content(bs, (uint8_t *)data, len);
        bdrv_unref(bs);
        ref_check(img);
        ref_compare(img, (uint8_t *)data, len);
        g_free(buf);
        g_free(data);
    }
out:
    g_free(img);
    g_free(raw);
}

/* ---- Header validation ---- */

static void poke(const char *path, long off, const void *bytes, size_t len)
{
    int fd = open(path, O_RDWR);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pwrite(fd, bytes, len, off), ==, (ssize_t)len);
    close(fd);
}

static void poke32(const char *path, long off, uint32_t v)
{
    uint32_t be = GUINT32_TO_BE(v);
    poke(path, off, &be, 4);
}

static void poke64(const char *path, long off, uint64_t v)
{
    uint64_t be = GUINT64_TO_BE(v);
    poke(path, off, &be, 8);
}

static void expect_open_error(const char *path, int flags, const char *needle)
{
    char *msg = open_fails(path, flags);

    if (!strstr(msg, needle)) {
        g_test_message("expected '%s', got '%s'", needle, msg);
        g_assert_not_reached();
    }
    g_free(msg);
}

static void test_bad_headers(void)
{
    char *p = tmp_path("hdr.qcow2");
    struct {
        long off;
        int width;
        uint64_t value;
        const char *msg;
    } cases[] = {
        { 4, 32, 4, "Unsupported qcow2 version 4" },
        { 20, 32, 8, "Unsupported cluster size" },
        { 20, 32, 22, "Unsupported cluster size" },
        { 32, 32, 1, "encrypted" },
        { 72, 64, 1ULL << 20, "Unsupported qcow2 feature(s): Unknown incompatible feature" },
        { 96, 32, 7, "Reference count entry width too large" },
        { 100, 32, 50, "header too short" },
        { 36, 32, 0, "L1 table is too small" },
        { 36, 32, 0x7fffffff, "Active L1 table too large" },
        { 40, 64, 0x30001, "Invalid L1 table offset" },
        { 48, 64, 0, "Invalid reference count table offset" },
        { 56, 32, 0, "reference count table" },
        { 56, 32, 0x100000, "Reference count table too large" },
        { 60, 32, 70000, "Too many snapshots" },
        { 16, 32, 2000, "Invalid backing file offset" },
        { 24, 64, 1ULL << 62, "too large" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_unlink(p);
        create_ok(p, "", "1G");
        if (cases[i].off == 16) {
            poke64(p, 8, 65000);
        }
        if (cases[i].width == 32) {
            poke32(p, cases[i].off, cases[i].value);
        } else {
            poke64(p, cases[i].off, cases[i].value);
        }
        expect_open_error(p, 0, cases[i].msg);
    }
    /* A named unknown feature is reported by its name from the table. */
    g_unlink(p);
    create_ok(p, "", "1G");
    poke64(p, 72, 1ULL << 5);
    poke(p, 0x70 + 8 + 4 * 48 + 1, "\x05", 1);        /* rename entry 4 to bit 5 */
    expect_open_error(p, 0, "Unsupported qcow2 feature(s): extended L2 entries");
    /* Corrupt bit: read-only open works, read-write is refused. */
    g_unlink(p);
    create_ok(p, "", "1G");
    poke64(p, 72, 2);
    expect_open_error(p, BDRV_O_RDWR, "qcow2: Image is corrupt; cannot be opened read/write");
    bdrv_unref(open_img(p, 0));
    /* Encryption header extension. */
    g_unlink(p);
    create_ok(p, "", "1G");
    poke32(p, 0x70, 0x0537be77);
    expect_open_error(p, 0, "encrypted images are not supported");
    /* An extension running past the cluster. */
    g_unlink(p);
    create_ok(p, "", "1G");
    poke32(p, 0x74, 0x100000);
    expect_open_error(p, 0, "Header extension too large");
    /* A truncated file. */
    write_file(p, "QFI\xfb\0\0\0\3", 8);
    expect_open_error(p, 0, "");
    g_free(p);
}

/* Corrupt metadata met during I/O gives -EIO, never a crash. */
static void test_corrupt_tables(void)
{
    char *p = tmp_path("corrupt.qcow2");
    uint8_t buf[4096];
    BlockDriverState *bs;

    g_unlink(p);
    create_ok(p, "", "1G");
    bs = open_img(p, BDRV_O_RDWR);
    memset(buf, 1, sizeof(buf));
    g_assert_cmpint(bdrv_pwrite(bs, 0, sizeof(buf), buf, 0), ==, 0);
    bdrv_unref(bs);
    /* L1 entry 0 -> unaligned L2 offset. */
    poke64(p, 0x30000, 0x8000000000040100ULL);
    bs = open_img(p, 0);
    g_assert_cmpint(bdrv_pread(bs, 0, sizeof(buf), buf, 0), ==, -EIO);
    bdrv_unref(bs);
    /* L2 entry -> unaligned data offset. */
    poke64(p, 0x30000, 0x8000000000040000ULL);
    poke64(p, 0x40000, 0x8000000000050200ULL);
    bs = open_img(p, 0);
    g_assert_cmpint(bdrv_pread(bs, 0, sizeof(buf), buf, 0), ==, -EIO);
    bdrv_unref(bs);
    /* L2 entry pointing at the header: writes there are refused. */
    poke64(p, 0x40000, 0x8000000000000000ULL | 0x10000);
    bs = open_img(p, BDRV_O_RDWR);
    g_assert_cmpint(bdrv_pwrite(bs, 0, sizeof(buf), buf, 0), ==, -EIO);
    bdrv_unref(bs);
    /* Garbage compressed descriptor: decompression fails cleanly. */
    poke64(p, 0x40000, 0x4000000000000000ULL | 0x50000);
    poke(p, 0x50000, "garbage!", 8);
    bs = open_img(p, 0);
    g_assert_cmpint(bdrv_pread(bs, 0, sizeof(buf), buf, 0), ==, -EIO);
    bdrv_unref(bs);
    g_free(p);
}

/* ---- Threads ---- */

typedef struct ThreadArg {
    BlockDriverState *bs;
    int index;
    int cluster;
    int count;
    bool compressed;
} ThreadArg;

static void pattern(uint8_t *buf, int len, int seed)
{
    for (int i = 0; i < len; i++) {
        buf[i] = (uint8_t)((i / 100) * 7 + seed);
    }
}

static void *writer(void *opaque)
{
    ThreadArg *a = opaque;
    uint8_t *buf = g_malloc(a->cluster);

    for (int i = 0; i < a->count; i++) {
        int64_t cl = (int64_t)i * 8 + a->index;
        pattern(buf, a->cluster, (int)cl);
        if (a->compressed) {
            g_assert_cmpint(bdrv_pwrite_compressed(a->bs, cl * a->cluster, a->cluster, buf),
                            ==, 0);
        } else {
            g_assert_cmpint(bdrv_pwrite(a->bs, cl * a->cluster, a->cluster, buf, 0), ==, 0);
        }
    }
    g_free(buf);
    return NULL;
}

static void test_threads(void)
{
    char *p = tmp_path("threads.qcow2");
    BlockDriverState *bs;
    pthread_t th[8];
    ThreadArg args[8];
    uint8_t *buf = g_malloc(65536), *want = g_malloc(65536);

    g_unlink(p);
    create_ok(p, "", "64M");
    bs = open_img(p, BDRV_O_RDWR);
    for (int i = 0; i < 8; i++) {
        args[i] = (ThreadArg){ bs, i, 65536, 60, i % 2 == 0 };
        g_assert_cmpint(pthread_create(&th[i], NULL, writer, &args[i]), ==, 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
    }
    for (int64_t cl = 0; cl < 480; cl++) {
        pattern(want, 65536, (int)cl);
        g_assert_cmpint(bdrv_pread(bs, cl * 65536, 65536, buf, 0), ==, 0);
        g_assert_cmpmem(buf, 65536, want, 65536);
    }
    bdrv_unref(bs);
    ref_check(p);
    g_free(buf);
    g_free(want);
    g_free(p);
}

/* ---- Truncate, lazy refcounts, info, status ---- */

static void test_truncate(void)
{
    char *p = tmp_path("trunc.qcow2");
    BlockDriverState *bs;
    uint8_t buf[65536];
    Error *err = NULL;

    g_unlink(p);
    create_ok(p, "", "1M");
    bs = open_img(p, BDRV_O_RDWR);
    memset(buf, 0x42, sizeof(buf));
    g_assert_cmpint(bdrv_pwrite(bs, 0, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(bdrv_truncate(bs, 3ULL << 30, false, PREALLOC_MODE_OFF, &err), ==, 0);
    g_assert_cmpint(bdrv_getlength(bs), ==, 3LL << 30);
    g_assert_cmpint(bdrv_pwrite(bs, (3LL << 30) - 65536, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(bdrv_pread(bs, (3LL << 30) - 65536, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(buf[100], ==, 0x42);
    g_assert_cmpint(bdrv_truncate(bs, 1 << 20, false, PREALLOC_MODE_OFF, &err), ==, 0);
    g_assert_cmpint(bdrv_getlength(bs), ==, 1 << 20);
    g_assert_cmpint(bdrv_truncate(bs, 4 << 20, false, PREALLOC_MODE_METADATA, &err), ==, 0);
    g_assert_cmpint(bdrv_pread(bs, 0, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(buf[100], ==, 0x42);
    g_assert_cmpint(bdrv_pread(bs, 2 << 20, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(buf[100], ==, 0);
    g_assert_cmpint(bdrv_truncate(bs, 1000, false, PREALLOC_MODE_OFF, &err), <, 0);
    error_free(err);
    bdrv_unref(bs);
    ref_check(p);
    g_free(p);
}

static uint64_t read_be64_at(const char *path, long off)
{
    uint64_t v = 0;
    int fd = open(path, O_RDONLY);
    g_assert_cmpint(pread(fd, &v, 8, off), ==, 8);
    close(fd);
    return GUINT64_FROM_BE(v);
}

static void test_lazy_refcounts(void)
{
    char *p = tmp_path("lazy.qcow2");
    char *crash = tmp_path("lazy-crash.qcow2");
    BlockDriverState *bs;
    uint8_t buf[4096];
    BlockDriverInfo bdi;

    g_unlink(p);
    create_ok(p, "lazy_refcounts=on", "16M");
    bs = open_img(p, BDRV_O_RDWR);
    g_assert_cmpint(read_be64_at(p, 72) & 1, ==, 0);
    memset(buf, 3, sizeof(buf));
    g_assert_cmpint(bdrv_pwrite(bs, 12345, sizeof(buf), buf, 0), ==, 0);
    /* The dirty bit is on disk before the first write returns. */
    g_assert_cmpint(read_be64_at(p, 72) & 1, ==, 1);
    g_assert_cmpint(bdrv_get_info(bs, &bdi), ==, 0);
    g_assert_true(bdi.is_dirty);
    /* A copy taken now is what a crash leaves behind: dirty. */
    {
        char *data;
        gsize len;
        g_assert_true(g_file_get_contents(p, &data, &len, NULL));
        write_file(crash, data, len);
        g_free(data);
    }
    bdrv_unref(bs);
    g_assert_cmpint(read_be64_at(p, 72) & 1, ==, 0);
    ref_check(p);
    /* Opening the crashed copy for writing repairs it and clears the bit. */
    g_assert_cmpint(read_be64_at(crash, 72) & 1, ==, 1);
    bs = open_img(crash, BDRV_O_RDWR);
    g_assert_cmpint(read_be64_at(crash, 72) & 1, ==, 0);
    g_assert_cmpint(bdrv_pread(bs, 12345, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(buf[0], ==, 3);
    bdrv_unref(bs);
    ref_check(crash);
    g_free(crash);
    g_free(p);
}

static void test_status_and_info(void)
{
    char *p = tmp_path("status.qcow2");
    BlockDriverState *bs, *file;
    uint8_t buf[65536];
    int64_t pnum, map;
    QDict *info;
    Error *err = NULL;

    g_unlink(p);
    create_ok(p, "", "1M");
    bs = open_img(p, BDRV_O_RDWR);
    memset(buf, 9, sizeof(buf));
    g_assert_cmpint(bdrv_pwrite(bs, 0, 131072 - 65536, buf, 0), ==, 0);
    g_assert_cmpint(bdrv_pwrite(bs, 65536, 65536, buf, 0), ==, 0);
    g_assert_cmpint(bdrv_pwrite_zeroes(bs, 131072, 65536, 0), ==, 0);
    g_assert_cmpint(bdrv_pwrite_compressed(bs, 196608, 65536, buf), ==, 0);
    g_assert_cmpint(bdrv_block_status(bs, 0, 1 << 20, &pnum, &map, &file), ==,
                    BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED);
    g_assert_cmpint(pnum, ==, 131072);           /* two contiguous clusters */
    g_assert_cmpint(map, ==, 0x50000);
    g_assert_true(file == bdrv_get_file(bs));
    g_assert_cmpint(bdrv_block_status(bs, 131072, 1 << 20, &pnum, &map, &file) &
                    (BDRV_BLOCK_ZERO | BDRV_BLOCK_DATA), ==, BDRV_BLOCK_ZERO);
    g_assert_cmpint(pnum, ==, 65536);
    g_assert_cmpint(bdrv_block_status(bs, 196608, 1 << 20, &pnum, &map, &file) &
                    BDRV_BLOCK_COMPRESSED, !=, 0);
    /* Unallocated: not ours (the generic layer may add ZERO: no backing file). */
    g_assert_cmpint(bdrv_block_status(bs, 262144, 1 << 20, &pnum, &map, &file) &
                    (BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED), ==, 0);
    g_assert_cmpint(pnum, ==, (1 << 20) - 262144);
    info = bdrv_get_specific_info(bs, &err);
    g_assert_nonnull(info);
    g_assert_cmpstr(qdict_get_str(info, "compat"), ==, "1.1");
    g_assert_cmpstr(qdict_get_str(info, "compression-type"), ==, "zlib");
    g_assert_false(qbool_get(qdict_get(info, "lazy-refcounts")));
    g_assert_false(qbool_get(qdict_get(info, "corrupt")));
    g_assert_false(qbool_get(qdict_get(info, "extended-l2")));
    qobject_unref(info);
    /* Change the backing file name in the header. */
    g_assert_cmpint(bdrv_change_backing_file(bs, "other.img", "raw", &err), ==, 0);
    bdrv_unref(bs);
    bs = open_img(p, BDRV_O_NO_BACKING);
    g_assert_cmpstr(bdrv_get_backing_filename(bs), ==, "other.img");
    g_assert_cmpstr(bdrv_get_backing_format(bs), ==, "raw");
    bdrv_unref(bs);
    bs = open_img(p, BDRV_O_RDWR | BDRV_O_NO_BACKING);
    g_assert_cmpint(bdrv_change_backing_file(bs, "", NULL, &err), ==, 0);
    g_assert_cmpint(bdrv_make_empty(bs), ==, 0);
    g_assert_cmpint(bdrv_pread(bs, 0, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(buf[0], ==, 0);
    bdrv_unref(bs);
    ref_check(p);
    g_free(p);
}

static void test_bitmaps_autoclear(void)
{
    char *p = tmp_path("bm.qcow2");
    char *cmd;
    BlockDriverState *bs;

    if (!have(REF_IMG)) {
        g_test_skip("Debian's qemu-img is not installed");
        g_free(p);
        return;
    }
    g_unlink(p);
    create_ok(p, "", "16M");
    cmd = g_strdup_printf(REF_IMG " bitmap --add %s bm0", p);
    g_assert_cmpint(run(cmd, NULL), ==, 0);
    g_free(cmd);
    g_assert_cmpint(read_be64_at(p, 88) & 1, ==, 1);
    bs = open_img(p, 0);
    bdrv_unref(bs);
    g_assert_cmpint(read_be64_at(p, 88) & 1, ==, 1);   /* read-only: untouched */
    bs = open_img(p, BDRV_O_RDWR);
    bdrv_unref(bs);
    /* We do not maintain bitmaps: a writer must invalidate them. Their
     * clusters then count as leaks for QEMU (exit status 3), nothing worse. */
    g_assert_cmpint(read_be64_at(p, 88) & 1, ==, 0);
    ref_check_status(p, 3 << 8);
    g_free(p);
}

/* Clusters shared with a snapshot QEMU made are copied, never overwritten. */
static void test_snapshot_cow(void)
{
    char *p = tmp_path("snap.qcow2");
    char *cmd;
    BlockDriverState *bs;
    uint8_t *orig = g_malloc(4 << 20), *buf = g_malloc(4 << 20);
    GRand *r = g_rand_new_with_seed(99);

    if (!have(REF_IMG)) {
        g_test_skip("Debian's qemu-img is not installed");
        goto out;
    }
    g_unlink(p);
    create_ok(p, "", "4M");
    bs = open_img(p, BDRV_O_RDWR);
    fill_random(r, orig, 4 << 20);
    g_assert_cmpint(bdrv_pwrite(bs, 0, 4 << 20, orig, 0), ==, 0);
    bdrv_unref(bs);
    cmd = g_strdup_printf(REF_IMG " snapshot -c snap1 %s", p);
    g_assert_cmpint(run(cmd, NULL), ==, 0);
    g_free(cmd);
    /* Overwrite parts of the active image: shared clusters get copied. */
    bs = open_img(p, BDRV_O_RDWR | BDRV_O_UNMAP);
    memcpy(buf, orig, 4 << 20);
    random_ops(bs, buf, 4 << 20, 65536, 120, true, true, r);
    assert_content(bs, buf, 4 << 20);
    bdrv_unref(bs);
    ref_check(p);
    ref_compare(p, buf, 4 << 20);
    /* The snapshot still holds the original data. */
    cmd = g_strdup_printf(REF_IMG " snapshot -a snap1 %s", p);
    g_assert_cmpint(run(cmd, NULL), ==, 0);
    g_free(cmd);
    ref_check(p);
    bs = open_img(p, 0);
    assert_content(bs, orig, 4 << 20);
    bdrv_unref(bs);
out:
    g_rand_free(r);
    g_free(orig);
    g_free(buf);
    g_free(p);
}

/* External data files: plain, and raw (the data file is the disk itself). */
static void test_data_file(void)
{
    for (int raw = 0; raw < 2; raw++) {
        char *p = tmp_path("df.qcow2");
        char *d = tmp_path("df.data");
        char *o = g_strdup_printf("data_file=%s%s", d, raw ? ",data_file_raw=on" : "");
        int64_t size = 4 << 20;
        uint8_t *mirror = g_malloc0(size);
        GRand *r = g_rand_new_with_seed(3 + raw);
        BlockDriverState *bs;
        QDict *info;

        g_unlink(p);
        g_unlink(d);
        create_ok(p, o, "4M");
        g_assert_true(g_file_test(d, G_FILE_TEST_EXISTS));
        bs = open_img(p, BDRV_O_RDWR | BDRV_O_UNMAP | BDRV_O_NO_FLUSH);
        info = bdrv_get_specific_info(bs, NULL);
        g_assert_cmpstr(qdict_get_str(info, "data-file"), ==, d);
        g_assert_true(qbool_get(qdict_get(info, "data-file-raw")) == raw);
        qobject_unref(info);
        g_assert_cmpint(bdrv_pwrite_compressed(bs, 0, 65536, mirror), ==, -ENOTSUP);
        random_ops(bs, mirror, size, 65536, 200, false, true, r);
        assert_content(bs, mirror, size);
        bdrv_unref(bs);
        ref_check(p);
        ref_compare(p, mirror, size);
        if (raw) {
            /* The raw data file is the disk, zeroes and discards included. */
            char *data;
            gsize len;
            g_assert_true(g_file_get_contents(d, &data, &len, NULL));
            g_assert_cmpint(len, ==, size);
            g_assert_cmpmem(data, len, mirror, size);
            g_free(data);
        }
        g_rand_free(r);
        g_free(mirror);
        g_free(o);
        g_free(d);
        g_free(p);
    }
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-qcow2-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    g_test_add_func("/qcow2/create-identical", test_create_identical);
    g_test_add_func("/qcow2/create-errors", test_create_errors);
    for (size_t i = 0; i < G_N_ELEMENTS(workloads); i++) {
        char *name = g_strdup_printf("/qcow2/random-io/%s",
                                     workloads[i].opts[0] ? workloads[i].opts : "default");
        g_test_add_data_func(name, &workloads[i], run_workload);
        g_free(name);
    }
    g_test_add_func("/qcow2/refcount-growth", test_refcount_growth);
    g_test_add_func("/qcow2/backing", test_backing);
    g_test_add_func("/qcow2/discard-with-backing", test_discard_with_backing);
    g_test_add_func("/qcow2/read-reference", test_read_reference);
    g_test_add_func("/qcow2/bad-headers", test_bad_headers);
    g_test_add_func("/qcow2/corrupt-tables", test_corrupt_tables);
    g_test_add_func("/qcow2/threads", test_threads);
    g_test_add_func("/qcow2/truncate", test_truncate);
    g_test_add_func("/qcow2/lazy-refcounts", test_lazy_refcounts);
    g_test_add_func("/qcow2/status-and-info", test_status_and_info);
    g_test_add_func("/qcow2/bitmaps-autoclear", test_bitmaps_autoclear);
    g_test_add_func("/qcow2/snapshot-cow", test_snapshot_cow);
    g_test_add_func("/qcow2/data-file", test_data_file);
    ret = g_test_run();
    {
        GDir *d = g_dir_open(tmpdir, 0, NULL);
        const char *n;
        while (d && (n = g_dir_read_name(d))) {
            char *f = tmp_path(n);
            g_unlink(f);
            g_free(f);
        }
        if (d) {
            g_dir_close(d);
        }
        g_rmdir(tmpdir);
    }
    return ret;
}
