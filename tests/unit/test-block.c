/*
 * Unit tests for the generic block layer, the file protocol and the raw
 * format: opening and probing, json: filenames and option errors, I/O bounds,
 * O_DIRECT alignment, zero writes, discard and block status on sparse files,
 * raw offset/size, creation options, and QEMU-compatible image locking.
 * Backing chains are in test-block-chain.c.
 */
#include "config.h"
#include <glib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "block/block.h"
#include "block/block-backend.h"

static char *tmpdir;

static char *tmp_path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static void make_file(const char *path, int64_t size)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, size), ==, 0);
    close(fd);
}

static void write_at(const char *path, int64_t off, const void *buf, size_t len)
{
    int fd = open(path, O_RDWR);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pwrite(fd, buf, len, off), ==, (ssize_t)len);
    close(fd);
}

static BlockDriverState *open_ok(const char *name, QDict *opts, int flags)
{
    Error *err = NULL;
    BlockDriverState *bs = bdrv_open(name, opts, flags, &err);
    if (!bs) {
        g_test_message("open %s: %s", name ? name : "(null)", error_message(err));
    }
    g_assert_null(err);
    g_assert_nonnull(bs);
    return bs;
}

/* Open must fail with a message containing want. */
static void open_fails(const char *name, QDict *opts, int flags, const char *want)
{
    Error *err = NULL;
    BlockDriverState *bs = bdrv_open(name, opts, flags, &err);
    g_assert_null(bs);
    g_assert_nonnull(err);
    if (!strstr(error_message(err), want)) {
        g_test_message("got: %s\nwant: %s", error_message(err), want);
        g_assert_not_reached();
    }
    error_free(err);
}

static void fill_pattern(uint8_t *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(i * 7 + seed + (i >> 9));
    }
}

/* ---- open, probe, options ---- */

static void test_open_probe_raw(void)
{
    char *path = tmp_path("probe.img");
    make_file(path, 1 << 20);
    BlockDriverState *bs = open_ok(path, NULL, 0);
    g_assert_cmpstr(bdrv_get_format_name(bs), ==, "raw");
    g_assert_cmpstr(bdrv_get_filename(bs), ==, path);
    g_assert_cmpint(bdrv_getlength(bs), ==, 1 << 20);
    g_assert_true(bdrv_is_read_only(bs));
    g_assert_nonnull(bdrv_get_file(bs));
    g_assert_cmpstr(bdrv_get_format_name(bdrv_get_file(bs)), ==, "file");
    g_assert_null(bdrv_get_backing(bs));
    uint8_t zero[512] = { 0 };
    g_assert_cmpint(bdrv_pwrite(bs, 0, 512, zero, 0), ==, -EPERM);     /* read-only */
    bdrv_unref(bs);

    /* Odd sizes round up to whole sectors, as QEMU reports them. */
    make_file(path, 1000);
    bs = open_ok(path, NULL, BDRV_O_PROTOCOL);
    g_assert_cmpstr(bdrv_get_format_name(bs), ==, "file");
    g_assert_cmpint(bdrv_getlength(bs), ==, 1024);
    bdrv_unref(bs);
    g_free(path);
}

static void test_probe_restriction(void)
{
    char *path = tmp_path("restricted.img");
    make_file(path, 64 * 1024);
    uint8_t sector[512] = { 0 };
    memcpy(sector, "QFI\xfb\0\0\0\3", 8);

    BlockDriverState *bs = open_ok(path, NULL, BDRV_O_RDWR);
    const BlockDriver *qcow2 = bdrv_find_format("qcow2");
    if (qcow2 && bdrv_probe_format(sector, 512, path) == qcow2) {
        /* Writing something that probes as another format to sector 0 is refused. */
        g_assert_cmpint(bdrv_pwrite(bs, 0, 512, sector, 0), ==, -EPERM);
    }
    /* Ordinary data there is fine, also when partial. */
    uint8_t data[100];
    fill_pattern(data, sizeof(data), 3);
    g_assert_cmpint(bdrv_pwrite(bs, 10, sizeof(data), data, 0), ==, 0);
    bdrv_unref(bs);

    /* Naming the format explicitly lifts the restriction. */
    QDict *opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    bs = open_ok(path, opts, BDRV_O_RDWR);
    g_assert_cmpint(bdrv_pwrite(bs, 0, 512, sector, 0), ==, 0);
    bdrv_unref(bs);
    g_free(path);
}

static void test_json_filename(void)
{
    char *path = tmp_path("json.img");
    make_file(path, 1 << 20);
    char *name = g_strdup_printf("json:{\"driver\":\"raw\",\"file\":{\"driver\":\"file\","
                                 "\"filename\":\"%s\"}}", path);
    BlockDriverState *bs = open_ok(name, NULL, 0);
    g_assert_cmpstr(bdrv_get_format_name(bs), ==, "raw");
    g_assert_cmpstr(bdrv_get_filename(bs), ==, path);
    g_assert_cmpint(bdrv_getlength(bs), ==, 1 << 20);
    bdrv_unref(bs);
    g_free(name);

    /* Options that change the content show up in the name, as QEMU prints it. */
    name = g_strdup_printf("json:{\"driver\":\"raw\",\"offset\":512,\"file\":{\"driver\":"
                           "\"file\",\"filename\":\"%s\"}}", path);
    bs = open_ok(name, NULL, 0);
    char *want = g_strdup_printf("json:{\"offset\": 512, \"driver\": \"raw\", \"file\": "
                                 "{\"driver\": \"file\", \"filename\": \"%s\"}}", path);
    g_assert_cmpstr(bdrv_get_filename(bs), ==, want);
    g_assert_cmpint(bdrv_getlength(bs), ==, (1 << 20) - 512);
    QDict *full = bdrv_get_full_options(bs);
    g_assert_cmpstr(qdict_get_str(full, "driver"), ==, "raw");
    g_assert_cmpstr(qdict_get_str(qdict_get_dict(full, "file"), "filename"), ==, path);
    qobject_unref(full);
    bdrv_unref(bs);
    g_free(want);
    g_free(name);

    /* Flat options work like nested ones. */
    QDict *opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    qdict_put_str(opts, "file.driver", "file");
    qdict_put_str(opts, "file.filename", path);
    qdict_put_str(opts, "read-only", "on");
    qdict_put_str(opts, "node-name", "flatnode");
    bs = open_ok(NULL, opts, BDRV_O_RDWR);
    g_assert_true(bdrv_is_read_only(bs));
    g_assert_cmpstr(bdrv_get_node_name(bs), ==, "flatnode");
    bdrv_unref(bs);

    /* Options that do not change the content keep the plain name. */
    opts = qdict_new();
    qdict_put_str(opts, "file.locking", "off");
    qdict_put_str(opts, "file.aio", "threads");
    bs = open_ok(path, opts, 0);
    g_assert_cmpstr(bdrv_get_filename(bs), ==, path);
    full = bdrv_get_full_options(bs);
    g_assert_cmpstr(qdict_get_str(qdict_get_dict(full, "file"), "locking"), ==, "off");
    qobject_unref(full);
    bdrv_unref(bs);

    open_fails("json:{\"driver\":", NULL, 0, "Could not parse the JSON options");
    open_fails("json:[1]", NULL, 0, "Invalid JSON object given");
    g_free(path);
}

static int count_fds(void)
{
    GDir *dir = g_dir_open("/proc/self/fd", 0, NULL);
    int n = 0;
    while (dir && g_dir_read_name(dir)) {
        n++;
    }
    if (dir) {
        g_dir_close(dir);
    }
    return n;
}

static void test_option_errors(void)
{
    int fds_before = count_fds();
    char *path = tmp_path("opts.img");
    make_file(path, 1 << 20);
    char *name = g_strdup_printf("json:{\"driver\":\"raw\",\"file\":{\"driver\":\"file\","
                                 "\"filename\":\"%s\"},\"foo\":1}", path);
    open_fails(name, NULL, 0, "Block format 'raw' does not support the option 'foo'");
    g_free(name);

    QDict *opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    qdict_put_str(opts, "file.filename", path);
    qdict_put_str(opts, "file.bar", "1");
    open_fails(NULL, opts, 0, "Block protocol 'file' doesn't support the option 'bar'");

    opts = qdict_new();
    qdict_put_str(opts, "driver", "nosuchfmt");
    open_fails(path, opts, 0, "Unknown driver 'nosuchfmt'");

    opts = qdict_new();
    qdict_put_str(opts, "file.aio", "native");
    open_fails(path, opts, 0, "aio=native is not supported");

    opts = qdict_new();
    qdict_put_str(opts, "force-share", "on");
    open_fails(path, opts, BDRV_O_RDWR, "force-share=on can only be used with read-only");

    opts = qdict_new();
    qdict_put_str(opts, "detect-zeroes", "unmap");
    open_fails(path, opts, BDRV_O_RDWR, "detect-zeroes to unmap is not allowed");

    opts = qdict_new();
    qdict_put_str(opts, "detect-zeroes", "maybe");
    open_fails(path, opts, 0, "invalid parameter value: maybe");

    opts = qdict_new();
    qdict_put_str(opts, "read-only", "perhaps");
    open_fails(path, opts, 0, "Parameter 'read-only' expects 'on' or 'off'");

    opts = qdict_new();
    qdict_put_str(opts, "discard", "maybe");
    open_fails(path, opts, 0, "Invalid discard option");

    opts = qdict_new();
    qdict_put_str(opts, "file.locking", "maybe");
    open_fails(path, opts, 0, "invalid parameter value: maybe");

    opts = qdict_new();
    qdict_put_str(opts, "file.driver", "host_device");
    char *want = g_strdup_printf("'host_device' driver requires '%s' to be either a "
                                 "character or block device", path);
    open_fails(path, opts, 0, want);
    g_free(want);
    want = g_strdup_printf("'file' driver requires '%s' to be a regular file", tmpdir);
    open_fails(tmpdir, NULL, 0, want);
    g_free(want);

    open_fails("foo://bar", NULL, 0, "Unknown protocol 'foo'");
    open_fails("a:b", NULL, 0, "Unknown protocol 'a'");
    open_fails(NULL, NULL, 0, "A block device must be specified");

    char *missing = tmp_path("a:missing");
    open_fails(missing, NULL, 0, "Could not open");
    open_fails(missing, NULL, 0, "No such file or directory");
    g_free(missing);

    char *dup = g_strdup_printf("json:{\"node-name\":\"dup\",\"file\":{\"filename\":\"%s\"}}",
                                path);
    BlockDriverState *bs = open_ok(dup, NULL, 0);
    open_fails(dup, NULL, 0, "Duplicate nodes with node-name='dup'");
    bdrv_unref(bs);
    g_free(dup);
    g_free(path);
    g_assert_cmpint(count_fds(), ==, fds_before);     /* failed opens leak nothing */
}

static void test_protocol_lookup(void)
{
    Error *err = NULL;
    const BlockDriver *drv = bdrv_find_protocol("/tmp/a:b", &err);
    g_assert_nonnull(drv);
    g_assert_cmpstr(bdrv_driver_name(drv), ==, "file");
    drv = bdrv_find_protocol("file:/x", &err);
    g_assert_cmpstr(bdrv_driver_name(drv), ==, "file");
    drv = bdrv_find_protocol("./a:b", &err);
    g_assert_cmpstr(bdrv_driver_name(drv), ==, "file");
    g_assert_null(err);
    g_assert_null(bdrv_find_protocol("zz://host/x", &err));
    g_assert_cmpstr(error_message(err), ==, "Unknown protocol 'zz'");
    error_free(err);

    size_t n;
    const char **names = bdrv_format_names(&n);
    bool have_raw = false;
    for (size_t i = 0; i < n; i++) {
        have_raw |= strcmp(names[i], "raw") == 0;
        if (i) {
            g_assert_cmpint(strcmp(names[i - 1], names[i]), <=, 0);
        }
    }
    g_assert_true(have_raw);
    g_free(names);
}

/* ---- I/O ---- */

static void test_io_bounds(void)
{
    char *path = tmp_path("bounds.img");
    make_file(path, 64 * 1024);
    Error *err = NULL;
    BlockBackend *blk = blk_new_open(path, NULL, BDRV_O_RDWR, &err);
    g_assert_nonnull(blk);
    uint8_t buf[4096], back[4096];
    fill_pattern(buf, sizeof(buf), 1);

    g_assert_cmpint(blk_getlength(blk), ==, 64 * 1024);
    g_assert_cmpint(blk_pwrite(blk, 60 * 1024, 4096, buf, 0), ==, 0);
    g_assert_cmpint(blk_pread(blk, 60 * 1024, 4096, back, 0), ==, 0);
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    g_assert_cmpint(blk_pwrite(blk, 62 * 1024, 4096, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(blk, 64 * 1024, 1, back, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(blk, -1, 1, back, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(blk, INT64_MAX, 2, back, 0), ==, -EIO);
    g_assert_cmpint(blk_pwrite_zeroes(blk, 63 * 1024, 2048, 0), ==, -EIO);
    g_assert_cmpint(blk_pdiscard(blk, 64 * 1024, 512), ==, -EIO);

    /* The format node itself refuses too; a read of 0 bytes at the end is fine. */
    BlockDriverState *bs = blk_bs(blk);
    g_assert_cmpint(bdrv_pread(bs, 64 * 1024, 0, back, 0), ==, 0);
    g_assert_cmpint(bdrv_pread(bs, 64 * 1024 - 1, 2, back, 0), ==, -EIO);
    g_assert_cmpint(bdrv_pwrite(bs, 64 * 1024, 1, buf, 0), ==, -EIO);
    /* The protocol node grows when written past its end and reads zeroes past EOF. */
    BlockDriverState *file = bdrv_get_file(bs);
    g_assert_cmpint(bdrv_pread(file, 1 << 20, 4096, back, 0), ==, 0);
    g_assert_cmpint(back[0] | back[4095], ==, 0);
    g_assert_cmpint(bdrv_pwrite(file, 64 * 1024, 4096, buf, 0), ==, 0);
    g_assert_cmpint(bdrv_getlength(file), ==, 68 * 1024);
    g_assert_cmpint(blk_flush(blk), ==, 0);
    blk_unref(blk);

    /* Writethrough opens (O_DSYNC) and FUA requests work. */
    blk = blk_new_open(path, NULL, BDRV_O_RDWR | BDRV_O_DSYNC, &err);
    g_assert_nonnull(blk);
    blk_set_write_through(blk, true);
    g_assert_cmpint(blk_pwrite(blk, 0, 4096, buf, BDRV_REQ_FUA), ==, 0);
    g_assert_cmpint(blk_pread(blk, 0, 4096, back, 0), ==, 0);
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    blk_unref(blk);

    /* Read-only nodes refuse writes. */
    blk = blk_new_open(path, NULL, 0, &err);
    g_assert_true(blk_is_read_only(blk));
    g_assert_cmpint(blk_pwrite(blk, 0, 512, buf, 0), ==, -EPERM);
    g_assert_cmpint(blk_truncate(blk, 1 << 20, true, PREALLOC_MODE_OFF, &err), <, 0);
    g_assert_cmpstr(error_message(err), ==, "Image is read-only");
    error_free(err);
    blk_unref(blk);
    g_free(path);
}

static bool odirect_supported(const char *dir)
{
    char *p = g_build_filename(dir, "odirect-probe", NULL);
    int fd = open(p, O_CREAT | O_RDWR | O_DIRECT, 0644);
    if (fd >= 0) {
        close(fd);
    }
    g_unlink(p);
    g_free(p);
    return fd >= 0;
}

typedef struct RmwJob {
    BlockDriverState *bs;
    int index;
    int ret;
} RmwJob;

/* Each thread writes its own 64-byte stripe of the same 4 KiB block, many times. */
static void *rmw_thread(void *opaque)
{
    RmwJob *job = opaque;
    uint8_t stripe[64];
    memset(stripe, 0x40 + job->index, sizeof(stripe));
    for (int i = 0; i < 50 && job->ret == 0; i++) {
        job->ret = bdrv_pwrite(job->bs, 8192 + job->index * 64 + 1, sizeof(stripe),
                               stripe, 0);
    }
    return NULL;
}

static void test_odirect_rmw(void)
{
    if (!odirect_supported(tmpdir)) {
        g_test_skip("O_DIRECT is not supported in the scratch directory");
        return;
    }
    char *path = tmp_path("direct.img");
    make_file(path, 1 << 20);
    QDict *opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    BlockDriverState *bs = open_ok(path, opts, BDRV_O_RDWR | BDRV_O_NOCACHE);
    BlockDriverState *file = bdrv_get_file(bs);
    g_assert_cmpuint(bdrv_get_request_alignment(file), >=, 512);

    /* Unaligned offset, length and buffer. */
    uint8_t *mem = g_malloc(10000);
    uint8_t *buf = mem + 3;
    fill_pattern(buf, 5000, 9);
    g_assert_cmpint(bdrv_pwrite(bs, 1234, 5000, buf, 0), ==, 0);
    uint8_t *back = g_malloc0(7000);
    g_assert_cmpint(bdrv_pread(bs, 1000, 5500, back + 1, 0), ==, 0);
    g_assert_cmpmem(back + 1 + 234, 5000, buf, 5000);
    for (int i = 0; i < 234; i++) {
        g_assert_cmpint(back[1 + i], ==, 0);
    }

    /* Concurrent RMW of the same block must not lose any stripe. */
    enum { N = 6 };
    pthread_t th[N];
    RmwJob jobs[N];
    for (int i = 0; i < N; i++) {
        jobs[i] = (RmwJob){ bs, i, 0 };
        pthread_create(&th[i], NULL, rmw_thread, &jobs[i]);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        g_assert_cmpint(jobs[i].ret, ==, 0);
    }

    /* Full preallocation under O_DIRECT writes real zeroes, any final size. */
    Error *err = NULL;
    int64_t grown = (2 << 20) + 100;
    g_assert_cmpint(bdrv_truncate(file, grown, true, PREALLOC_MODE_FULL, &err), ==, 0);
    g_assert_null(err);
    g_assert_cmpint(bdrv_getlength(file), ==, (2 << 20) + 512);
    struct stat st;
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, grown);
    g_assert_cmpint(st.st_blocks * 512, >=, grown - (1 << 20));   /* only the new part */
    /* Zero writes with unaligned edges under O_DIRECT. */
    g_assert_cmpint(bdrv_pwrite_zeroes(bs, 1300, 3000, BDRV_REQ_MAY_UNMAP), ==, 0);
    bdrv_unref(bs);
    memset(buf + 66, 0, 3000);

    /* The cache.direct option does the same as the flag, and is inherited. */
    QDict *dopts = qdict_new();
    qdict_put_str(dopts, "cache.direct", "on");
    qdict_put_str(dopts, "cache.no-flush", "on");
    BlockDriverState *d = open_ok(path, dopts, 0);
    g_assert_cmpuint(bdrv_get_request_alignment(bdrv_get_file(d)), >=, 512);
    g_assert_cmpint(bdrv_flush(d), ==, 0);
    bdrv_unref(d);

    /* Check with a buffered reader. */
    int fd = open(path, O_RDONLY);
    g_assert_cmpint(pread(fd, back, 7000, 0), ==, 7000);
    g_assert_cmpmem(back + 1234, 5000, buf, 5000);
    uint8_t stripes[N * 64];
    g_assert_cmpint(pread(fd, stripes, sizeof(stripes), 8193), ==, (ssize_t)sizeof(stripes));
    for (int i = 0; i < N * 64; i++) {
        g_assert_cmpint(stripes[i], ==, 0x40 + i / 64);
    }
    close(fd);
    g_free(mem);
    g_free(back);
    g_free(path);
}

static void status_at(BlockDriverState *bs, int64_t off, int64_t len, int want_flags,
                      int64_t want_pnum)
{
    int64_t pnum, map;
    BlockDriverState *file;
    int ret = bdrv_block_status(bs, off, len, &pnum, &map, &file);
    g_assert_cmpint(ret, >=, 0);
    int mask = BDRV_BLOCK_DATA | BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED |
        BDRV_BLOCK_OFFSET_VALID;
    g_assert_cmphex(ret & mask, ==, want_flags);
    g_assert_cmpint(pnum, ==, want_pnum);
    if (ret & BDRV_BLOCK_OFFSET_VALID) {
        g_assert_nonnull(file);
    }
}

static void test_sparse_status_zero_discard(void)
{
    char *path = tmp_path("sparse.img");
    make_file(path, 4 << 20);
    uint8_t *buf = g_malloc(256 * 1024);
    fill_pattern(buf, 256 * 1024, 5);
    write_at(path, 1 << 20, buf, 256 * 1024);

    QDict *opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    qdict_put_str(opts, "discard", "unmap");
    BlockDriverState *bs = open_ok(path, opts, BDRV_O_RDWR);
    const int D = BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID;
    const int Z = BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID;
    status_at(bs, 0, 4 << 20, Z, 1 << 20);
    status_at(bs, 1 << 20, 4 << 20, D, 256 * 1024);
    /* Inside the data run just found (answered from the driver's cached run). */
    status_at(bs, (1 << 20) + 4096, 4 << 20, D, 256 * 1024 - 4096);
    status_at(bs, (1 << 20) + 4096, 8192, D, 8192);
    status_at(bs, (1 << 20) + 256 * 1024, 1 << 20, Z, 1 << 20);
    int64_t pnum;
    g_assert_cmpint(bdrv_is_allocated(bs, 0, 4096, &pnum), ==, 1);

    /* Zeroes with unmap punch a hole. */
    g_assert_cmpint(bdrv_pwrite_zeroes(bs, 1 << 20, 64 * 1024, BDRV_REQ_MAY_UNMAP), ==, 0);
    status_at(bs, 1 << 20, 4 << 20, Z, 64 * 1024);
    uint8_t back[4096];
    memset(back, 0xff, sizeof(back));
    g_assert_cmpint(bdrv_pread(bs, 1 << 20, 4096, back, 0), ==, 0);
    g_assert_cmpint(back[0] | back[4095], ==, 0);

    /* Plain zero writes read back as zeroes too (unaligned pieces included). */
    g_assert_cmpint(bdrv_pwrite_zeroes(bs, (1 << 20) + 65 * 1024 + 7, 10000, 0), ==, 0);
    g_assert_cmpint(bdrv_pread(bs, (1 << 20) + 65 * 1024, 4096, back, 0), ==, 0);
    g_assert_cmpint(back[6], ==, buf[65 * 1024 + 6]);
    g_assert_cmpint(back[7] | back[4095], ==, 0);

    /* Discard deallocates with discard=unmap. */
    g_assert_cmpint(bdrv_pdiscard(bs, (1 << 20) + 128 * 1024, 128 * 1024), ==, 0);
    status_at(bs, (1 << 20) + 128 * 1024, 4 << 20, Z, (3 << 20) - 128 * 1024);

    /* Zeroes past the end of the protocol node extend it. */
    BlockDriverState *file = bdrv_get_file(bs);
    g_assert_cmpint(bdrv_pwrite_zeroes(file, 4 << 20, 1 << 20, BDRV_REQ_MAY_UNMAP), ==, 0);
    g_assert_cmpint(bdrv_getlength(file), ==, 5 << 20);
    bdrv_unref(bs);

    /* Without discard=unmap, discard is a no-op and zeroes are written. */
    write_at(path, 0, buf, 4096);
    opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    bs = open_ok(path, opts, BDRV_O_RDWR);
    g_assert_cmpint(bdrv_pdiscard(bs, 0, 4096), ==, 0);
    status_at(bs, 0, 4096, D, 4096);
    g_assert_cmpint(bdrv_pwrite_zeroes(bs, 0, 4096, BDRV_REQ_MAY_UNMAP), ==, 0);
    g_assert_cmpint(bdrv_pread(bs, 0, 4096, back, 0), ==, 0);
    g_assert_cmpint(back[0] | back[4095], ==, 0);
    bdrv_unref(bs);

    /* detect-zeroes=unmap turns a zero buffer into a hole. */
    write_at(path, 0, buf, 8192);
    opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    qdict_put_str(opts, "discard", "unmap");
    qdict_put_str(opts, "detect-zeroes", "unmap");
    bs = open_ok(path, opts, BDRV_O_RDWR);
    status_at(bs, 0, 8192, D, 8192);
    memset(back, 0, sizeof(back));
    g_assert_cmpint(bdrv_pwrite(bs, 0, 4096, back, BDRV_REQ_FUA), ==, 0);
    status_at(bs, 0, 8192, Z, 4096);
    bdrv_unref(bs);
    g_free(buf);
    g_free(path);
}

typedef struct ParJob {
    BlockBackend *blk;
    int index;
    int ret;
} ParJob;

/* Each thread owns 64 KiB stripes: write, zero, read back, many times. */
static void *par_thread(void *opaque)
{
    ParJob *job = opaque;
    uint8_t buf[8192], back[8192];
    for (int round = 0; round < 16 && job->ret == 0; round++) {
        int64_t off = ((int64_t)(round % 8) * 8 + job->index) * 65536 + 100 * round;
        fill_pattern(buf, sizeof(buf), job->index * 64 + round);
        job->ret = blk_pwrite(job->blk, off, sizeof(buf), buf, 0);
        if (job->ret == 0) {
            job->ret = blk_pwrite_zeroes(job->blk, off + 4096, 1000, 0);
            memset(buf + 4096, 0, 1000);
        }
        if (job->ret == 0) {
            job->ret = blk_pread(job->blk, off, sizeof(back), back, 0);
        }
        if (job->ret == 0 && memcmp(buf, back, sizeof(buf)) != 0) {
            job->ret = -EILSEQ;
        }
    }
    return NULL;
}

static void test_parallel_io(void)
{
    char *path = tmp_path("parallel.img");
    make_file(path, 8 << 20);
    for (int direct = 0; direct < 2; direct++) {
        if (direct && !odirect_supported(tmpdir)) {
            break;
        }
        Error *err = NULL;
        BlockBackend *blk = blk_new_open(path, NULL, BDRV_O_RDWR |
                                         (direct ? BDRV_O_NOCACHE : 0), &err);
        g_assert_nonnull(blk);
        enum { N = 8 };
        pthread_t th[N];
        ParJob jobs[N];
        for (int i = 0; i < N; i++) {
            jobs[i] = (ParJob){ blk, i, 0 };
            pthread_create(&th[i], NULL, par_thread, &jobs[i]);
        }
        for (int i = 0; i < N; i++) {
            pthread_join(th[i], NULL);
            g_assert_cmpint(jobs[i].ret, ==, 0);
        }
        blk_unref(blk);
    }
    g_free(path);
}

/* ---- raw offset/size ---- */

static void test_raw_offset_size(void)
{
    char *path = tmp_path("window.img");
    make_file(path, 64 * 1024);
    uint8_t *pat = g_malloc(64 * 1024);
    fill_pattern(pat, 64 * 1024, 11);
    write_at(path, 0, pat, 64 * 1024);

    QDict *opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    qdict_put_str(opts, "offset", "4096");
    qdict_put_str(opts, "size", "8192");
    BlockDriverState *bs = open_ok(path, opts, BDRV_O_RDWR);
    g_assert_cmpint(bdrv_getlength(bs), ==, 8192);
    uint8_t back[8192];
    g_assert_cmpint(bdrv_pread(bs, 0, 8192, back, 0), ==, 0);
    g_assert_cmpmem(back, 8192, pat + 4096, 8192);
    g_assert_cmpint(bdrv_pwrite(bs, 8000, 512, back, 0), ==, -EIO);
    int64_t pnum, map;
    BlockDriverState *file;
    int ret = bdrv_block_status(bs, 100, 1000, &pnum, &map, &file);
    g_assert_true(ret & BDRV_BLOCK_OFFSET_VALID);
    g_assert_cmpint(map, ==, 4196);
    g_assert_true(file == bdrv_get_file(bs));
    Error *err = NULL;
    g_assert_cmpint(bdrv_truncate(bs, 16384, true, PREALLOC_MODE_OFF, &err), ==, -ENOTSUP);
    g_assert_cmpstr(error_message(err), ==, "Cannot resize fixed-size raw disks");
    error_clear(&err);
    bdrv_unref(bs);

    /* Offset alone: the rest of the file. Any offset is fine, as in QEMU. */
    char *name = g_strdup_printf("json:{\"driver\":\"raw\",\"offset\":513,"
                                 "\"file\":{\"filename\":\"%s\"}}", path);
    bs = open_ok(name, NULL, 0);
    g_assert_cmpint(bdrv_getlength(bs), ==, 64 * 1024 - 512);
    g_assert_cmpint(bdrv_pread(bs, 0, 100, back, 0), ==, 0);
    g_assert_cmpmem(back, 100, pat + 513, 100);
    bdrv_unref(bs);
    g_free(name);

    opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    qdict_put_str(opts, "size", "1000");
    open_fails(path, opts, 0, "Specified size is not multiple of 512");
    opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    qdict_put_str(opts, "size", "5000000");
    open_fails(path, opts, 0, "The sum of offset (0) and size (5000000) has to be smaller "
               "or equal to the  actual size of the containing file (65536)");
    opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    qdict_put_int(opts, "offset", 70000);
    open_fails(path, opts, 0, "Offset (70000) cannot be greater than size of the "
               "containing file (65536)");
    opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    qdict_put_str(opts, "offset", "-5");
    open_fails(path, opts, 0, "Parameter 'offset' expects");
    g_free(pat);
    g_free(path);
}

/* ---- create, truncate ---- */

static void test_create(void)
{
    const BlockDriver *raw = bdrv_find_format("raw");
    g_assert_nonnull(raw);
    char *path = tmp_path("created.img");
    Error *err = NULL;

    QDict *opts = qdict_new();
    qdict_put_str(opts, "size", "1M");
    g_assert_cmpint(bdrv_create(raw, path, opts, &err), ==, 0);
    g_assert_null(err);
    struct stat st;
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 1 << 20);
    g_assert_cmpint(st.st_blocks, ==, 0);

    qdict_put_str(opts, "size", "513");
    qdict_put_str(opts, "preallocation", "full");
    g_assert_cmpint(bdrv_create(raw, path, opts, &err), ==, 0);
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 1024);
    g_assert_cmpint(st.st_blocks, >, 0);

    qdict_put_str(opts, "size", "1M");
    qdict_put_str(opts, "preallocation", "falloc");
    qdict_put_str(opts, "nocow", "off");
    g_assert_cmpint(bdrv_create(raw, path, opts, &err), ==, 0);
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_blocks * 512, >=, 1 << 20);
    qobject_unref(opts);

    opts = qdict_new();
    qdict_put_str(opts, "size", "1M");
    qdict_put_str(opts, "foo", "1");
    g_assert_cmpint(bdrv_create(raw, path, opts, &err), <, 0);
    g_assert_cmpstr(error_message(err), ==, "Invalid parameter 'foo'");
    error_clear(&err);
    qdict_del(opts, "foo");
    qdict_put_str(opts, "preallocation", "metadata");
    g_assert_cmpint(bdrv_create(raw, path, opts, &err), <, 0);
    g_assert_cmpstr(error_message(err), ==, "Unsupported preallocation mode: metadata");
    error_clear(&err);
    qdict_put_str(opts, "preallocation", "off");
    qdict_put_str(opts, "size", "12Q");
    g_assert_cmpint(bdrv_create(raw, path, opts, &err), <, 0);
    g_assert_nonnull(strstr(error_message(err), "Parameter 'size' expects"));
    error_clear(&err);
    /* The caller's dict is left alone. */
    g_assert_cmpstr(qdict_get_str(opts, "size"), ==, "12Q");
    qobject_unref(opts);

    /* The merged option table of raw is QEMU's list. */
    const CreateOptDesc *desc = bdrv_create_opts(raw);
    const char *want[] = { "extent_size_hint", "nocow", "preallocation", "size", NULL };
    for (int i = 0; want[i]; i++) {
        g_assert_cmpstr(desc[i].name, ==, want[i]);
    }
    g_assert_null(desc[4].name);

    /* Truncate: grow with preallocation, refuse metadata, shrink without. */
    BlockDriverState *bs = open_ok(path, NULL, BDRV_O_RDWR);
    g_assert_cmpint(bdrv_truncate(bs, 2 << 20, true, PREALLOC_MODE_FULL, &err), ==, 0);
    g_assert_cmpint(bdrv_getlength(bs), ==, 2 << 20);
    g_assert_cmpint(bdrv_get_allocated_file_size(bs), >=, 2 << 20);
    g_assert_cmpint(bdrv_truncate(bs, 3 << 20, true, PREALLOC_MODE_METADATA, &err), <, 0);
    g_assert_cmpstr(error_message(err), ==, "Unsupported preallocation mode: metadata");
    error_clear(&err);
    g_assert_cmpint(bdrv_truncate(bs, 1 << 20, true, PREALLOC_MODE_FALLOC, &err), <, 0);
    g_assert_cmpstr(error_message(err), ==, "Cannot use preallocation for shrinking files");
    error_clear(&err);
    g_assert_cmpint(bdrv_truncate(bs, 4096, true, PREALLOC_MODE_OFF, &err), ==, 0);
    g_assert_cmpint(bdrv_getlength(bs), ==, 4096);
    BlockDriverInfo bdi;
    g_assert_cmpint(bdrv_get_info(bs, &bdi), ==, 0);
    g_assert_cmpint(bdi.cluster_size, ==, 0);
    BdrvCheckResult res;
    g_assert_cmpint(bdrv_check(bs, &res, 0), ==, -ENOTSUP);
    SnapshotInfo *sn;
    g_assert_cmpint(bdrv_snapshot_list(bs, &sn), ==, -ENOTSUP);
    g_assert_cmpint(bdrv_snapshot_create(bs, &(SnapshotInfo){ 0 }, &err), <, 0);
    g_assert_nonnull(strstr(error_message(err), "does not support internal snapshots"));
    error_clear(&err);
    g_assert_cmpint(bdrv_make_empty(bs), ==, -ENOTSUP);
    g_assert_cmpint(bdrv_change_backing_file(bs, "x", "raw", &err), ==, -ENOTSUP);
    error_clear(&err);
    g_assert_cmpint(bdrv_amend(bs, NULL, false, &err), ==, -ENOTSUP);
    error_clear(&err);
    bdrv_unref(bs);

    BlockMeasureInfo mi;
    opts = qdict_new();
    qdict_put_str(opts, "size", "1000");
    g_assert_cmpint(bdrv_measure(raw, opts, NULL, &mi, &err), ==, 0);
    g_assert_cmpuint(mi.required, ==, 1024);
    g_assert_cmpuint(mi.fully_allocated, ==, 1024);
    qobject_unref(opts);
    g_free(path);
}

/* ---- locking ---- */

static void test_locking(void)
{
    char *path = tmp_path("locked.img");
    make_file(path, 1 << 20);
    BlockDriverState *writer = open_ok(path, NULL, BDRV_O_RDWR);

    /* Two opens in one process conflict: OFD locks belong to the open file. */
    char *want = g_strdup_printf("Failed to get \"write\" lock\n"
                                 "Is another process using the image [%s]?", path);
    open_fails(path, NULL, BDRV_O_RDWR, want);
    open_fails(path, NULL, 0, "Failed to get shared \"write\" lock");
    g_free(want);

    /* Metadata-only readers of raw images lock nothing (qemu-img info). */
    BlockDriverState *info = open_ok(path, NULL, BDRV_O_NO_IO);
    bdrv_unref(info);
    info = open_ok(path, NULL, BDRV_O_NO_IO | BDRV_O_PROTOCOL);
    bdrv_unref(info);
    /* -U: a reader that shares everything takes no conflicting locks. */
    BlockDriverState *reader = open_ok(path, NULL, BDRV_O_FORCE_SHARE);
    bdrv_unref(reader);
    /* locking=off skips locks entirely. */
    QDict *opts = qdict_new();
    qdict_put_str(opts, "file.locking", "off");
    reader = open_ok(path, opts, 0);
    bdrv_unref(reader);
    bdrv_unref(writer);

    /* Readers share with readers, but keep writers out. */
    BlockDriverState *r1 = open_ok(path, NULL, 0);
    BlockDriverState *r2 = open_ok(path, NULL, 0);
    open_fails(path, NULL, BDRV_O_RDWR, "Failed to get \"write\" lock");
    /* Creating over an image in use is refused too. */
    Error *err = NULL;
    QDict *copts = qdict_new();
    qdict_put_str(copts, "size", "1M");
    g_assert_cmpint(bdrv_create(bdrv_find_format("raw"), path, copts, &err), <, 0);
    g_assert_nonnull(strstr(error_message(err), "lock"));
    error_free(err);
    qobject_unref(copts);
    bdrv_unref(r1);
    bdrv_unref(r2);
    writer = open_ok(path, NULL, BDRV_O_RDWR);
    bdrv_unref(writer);
    g_free(path);
}

/* Is byte off of path locked by someone (as seen from a fresh descriptor)? */
static bool byte_locked(const char *path, off_t off)
{
    int fd = open(path, O_RDONLY);
    struct flock fl = { .l_whence = SEEK_SET, .l_start = off, .l_len = 1, .l_type = F_WRLCK };
    bool locked = fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    close(fd);
    return locked;
}

static void test_locking_qemu_interop(void)
{
    const char *qemu_img = "/usr/bin/qemu-img", *qemu_io = "/usr/bin/qemu-io";
    if (!g_file_test(qemu_img, G_FILE_TEST_IS_EXECUTABLE) ||
        !g_file_test(qemu_io, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("Debian's qemu-img/qemu-io are not installed");
        return;
    }
    char *path = tmp_path("interop.img");
    make_file(path, 1 << 20);

    /* We hold it for writing: QEMU cannot write it; -U readers are fine. */
    BlockDriverState *bs = open_ok(path, NULL, BDRV_O_RDWR);
    char *out = NULL, *errout = NULL;
    int status = 0;
    const char *argv_w[] = { qemu_io, "-f", "raw", "-c", "write 0 512", path, NULL };
    g_assert_true(g_spawn_sync(NULL, (char **)argv_w, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &errout, &status, NULL));
    g_assert_false(g_spawn_check_wait_status(status, NULL));
    g_assert_nonnull(strstr(errout, "Failed to get \"write\" lock"));
    g_free(errout);
    const char *argv_u[] = { qemu_img, "info", "-U", path, NULL };
    g_assert_true(g_spawn_sync(NULL, (char **)argv_u, NULL, 0, NULL, NULL, &out, &errout,
                               &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_free(out);
    g_free(errout);
    bdrv_unref(bs);

    /* QEMU holds it for writing: we cannot write it. */
    const char *argv_hold[] = { qemu_io, "-f", "raw", path, NULL };
    GPid pid;
    int in_fd;
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv_hold, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD |
                                           G_SPAWN_STDOUT_TO_DEV_NULL |
                                           G_SPAWN_STDERR_TO_DEV_NULL,
                                           NULL, NULL, &pid, &in_fd, NULL, NULL, NULL));
    /* Wait (bounded) until it has opened the image and taken its write lock. */
    for (int i = 0; i < 1000 && !byte_locked(path, 101); i++) {
        g_usleep(10000);
    }
    g_assert_true(byte_locked(path, 101));
    open_fails(path, NULL, BDRV_O_RDWR, "Failed to get shared \"write\" lock");
    close(in_fd);                   /* qemu-io quits at end of input */
    waitpid(pid, &status, 0);
    g_spawn_close_pid(pid);
    bs = open_ok(path, NULL, BDRV_O_RDWR);
    bdrv_unref(bs);
    g_free(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-block-XXXXXX", NULL);
    if (!odirect_supported(tmpdir)) {
        /* /tmp may be tmpfs: /var/tmp is more likely a disk with O_DIRECT. */
        char *alt = g_build_filename("/var/tmp", "test-block-XXXXXX", NULL);
        if (g_mkdtemp(alt)) {
            g_rmdir(tmpdir);
            g_free(tmpdir);
            tmpdir = alt;
        } else {
            g_free(alt);
        }
    }
    g_test_add_func("/block/open-probe-raw", test_open_probe_raw);
    g_test_add_func("/block/probe-restriction", test_probe_restriction);
    g_test_add_func("/block/json-filename", test_json_filename);
    g_test_add_func("/block/option-errors", test_option_errors);
    g_test_add_func("/block/protocol-lookup", test_protocol_lookup);
    g_test_add_func("/block/io-bounds", test_io_bounds);
    g_test_add_func("/block/odirect-rmw", test_odirect_rmw);
    g_test_add_func("/block/sparse-status-zero-discard", test_sparse_status_zero_discard);
    g_test_add_func("/block/parallel-io", test_parallel_io);
    g_test_add_func("/block/raw-offset-size", test_raw_offset_size);
    g_test_add_func("/block/create-truncate", test_create);
    g_test_add_func("/block/locking", test_locking);
    g_test_add_func("/block/locking-qemu-interop", test_locking_qemu_interop);
    int ret = g_test_run();
    char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) {
        g_printerr("could not remove %s\n", tmpdir);
    }
    g_free(cmd);
    g_free(tmpdir);
    return ret;
}
