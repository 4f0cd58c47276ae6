/*
 * Unit tests for backing chains in the generic block layer, using a tiny
 * format driver defined here ("tfmt": a header with a backing name and a
 * per-4 KiB allocation map, data blocks after it): chain resolution, reads
 * falling through to (and past the end of) backing files, block status down
 * the chain, backing options, loops and the refusal of json:/protocol names.
 */
#include "config.h"
#include <glib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include "block/block_int.h"

#define TF_BLOCK 4096
#define TF_MAP_OFF 512
#define TF_MAX_BLOCKS (TF_BLOCK - TF_MAP_OFF)

typedef struct TfHeader {
    char magic[4];
    uint32_t pad;
    uint64_t size;
    char backing[256];
    char backing_fmt[32];
} TfHeader;

typedef struct TfState {
    uint8_t map[TF_MAX_BLOCKS];
    int64_t blocks;
} TfState;

static int tf_probe(const uint8_t *buf, int len, const char *filename)
{
    return len >= 4 && memcmp(buf, "TFMT", 4) == 0 ? 100 : 0;
}

static int tf_open(BlockDriverState *bs, QDict *options, int flags, Error **errp)
{
    TfState *s = bs->opaque;
    TfHeader h;
    int ret = bdrv_pread(bs->file, 0, sizeof(h), &h, 0);
    if (ret < 0 || memcmp(h.magic, "TFMT", 4) != 0 ||
        h.size > (uint64_t)TF_MAX_BLOCKS * TF_BLOCK) {
        error_setf(errp, "not a tfmt image");
        return -EINVAL;
    }
    s->blocks = (int64_t)(h.size + TF_BLOCK - 1) / TF_BLOCK;
    ret = bdrv_pread(bs->file, TF_MAP_OFF, s->blocks, s->map, 0);
    if (ret < 0) {
        return ret;
    }
    bs->total_size = (int64_t)h.size;
    h.backing[sizeof(h.backing) - 1] = 0;
    h.backing_fmt[sizeof(h.backing_fmt) - 1] = 0;
    g_strlcpy(bs->backing_file, h.backing, sizeof(bs->backing_file));
    g_strlcpy(bs->backing_format, h.backing_fmt, sizeof(bs->backing_format));
    return 0;
}

/* Unallocated blocks: the backing file's bytes, or zeroes without one. */
static int tf_read_below(BlockDriverState *bs, int64_t offset, int64_t bytes, uint8_t *buf)
{
    if (!bs->backing) {
        memset(buf, 0, bytes);
        return 0;
    }
    return bdrv_pread(bs->backing, offset, bytes, buf, 0);
}

static int tf_pread(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf,
                    int flags)
{
    TfState *s = bs->opaque;
    uint8_t *p = buf;
    while (bytes > 0) {
        int64_t blk = offset / TF_BLOCK, in = offset % TF_BLOCK;
        int64_t n = MIN(bytes, TF_BLOCK - in);
        int ret = s->map[blk] ? bdrv_pread(bs->file, TF_BLOCK * (1 + blk) + in, n, p, 0)
                              : tf_read_below(bs, offset, n, p);
        if (ret < 0) {
            return ret;
        }
        p += n;
        offset += n;
        bytes -= n;
    }
    return 0;
}

static int tf_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf,
                     int flags)
{
    TfState *s = bs->opaque;
    const uint8_t *p = buf;
    uint8_t block[TF_BLOCK];
    while (bytes > 0) {
        int64_t blk = offset / TF_BLOCK, in = offset % TF_BLOCK;
        int64_t n = MIN(bytes, TF_BLOCK - in);
        int ret = tf_pread(bs, blk * TF_BLOCK, TF_BLOCK, block, 0);   /* copy-on-write */
        if (ret < 0) {
            return ret;
        }
        memcpy(block + in, p, n);
        ret = bdrv_pwrite(bs->file, TF_BLOCK * (1 + blk), TF_BLOCK, block, 0);
        if (ret < 0) {
            return ret;
        }
        if (!s->map[blk]) {
            s->map[blk] = 1;
            ret = bdrv_pwrite(bs->file, TF_MAP_OFF + blk, 1, &s->map[blk], 0);
            if (ret < 0) {
                return ret;
            }
        }
        p += n;
        offset += n;
        bytes -= n;
    }
    return 0;
}

static int tf_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes,
                           int64_t *pnum, int64_t *map, BlockDriverState **file)
{
    TfState *s = bs->opaque;
    int64_t blk = offset / TF_BLOCK;
    uint8_t alloc = s->map[blk];
    int64_t end = offset;
    while (end < offset + bytes && s->map[end / TF_BLOCK] == alloc) {
        end = (end / TF_BLOCK + 1) * TF_BLOCK;
    }
    *pnum = MIN(end, offset + bytes) - offset;
    if (!alloc) {
        return 0;
    }
    *pnum = MIN(*pnum, TF_BLOCK - offset % TF_BLOCK);   /* blocks are not contiguous */
    *map = TF_BLOCK * (1 + blk) + offset % TF_BLOCK;
    *file = bs->file;
    return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;
}

static int write_header(BlockDriverState *file, uint64_t size, const char *backing,
                        const char *fmt)
{
    TfHeader h = { .magic = "TFMT", .size = size };
    g_strlcpy(h.backing, backing ? backing : "", sizeof(h.backing));
    g_strlcpy(h.backing_fmt, fmt ? fmt : "", sizeof(h.backing_fmt));
    return bdrv_pwrite(file, 0, sizeof(h), &h, 0);
}

static int tf_create(const char *filename, QDict *opts, Error **errp)
{
    uint64_t size = 0;
    if (!create_opt_get_size(opts, "size", &size, errp)) {
        return -EINVAL;
    }
    const char *backing = create_opt_get_str(opts, "backing_file");
    const char *fmt = create_opt_get_str(opts, "backing_fmt");
    BlockDriverState *file = bdrv_open(filename, NULL, BDRV_O_RDWR | BDRV_O_PROTOCOL, errp);
    if (!file) {
        return -EIO;
    }
    uint8_t zero[TF_BLOCK] = { 0 };
    int ret = bdrv_pwrite(file, 0, TF_BLOCK, zero, 0);
    if (ret >= 0) {
        ret = write_header(file, size, backing, fmt);
    }
    bdrv_unref(file);
    return ret;
}

static int tf_change_backing(BlockDriverState *bs, const char *backing, const char *fmt,
                             Error **errp)
{
    return write_header(bs->file, (uint64_t)bs->total_size, backing, fmt);
}

static const CreateOptDesc tf_create_opts[] = {
    { "size", OPT_SIZE, "Virtual disk size", NULL },
    { "backing_file", OPT_STRING, "File name of a base image", NULL },
    { "backing_fmt", OPT_STRING, "Image format of the base image", NULL },
    { NULL, 0, NULL, NULL },
};

static const BlockDriver bdrv_tfmt = {
    .format_name = "tfmt",
    .instance_size = sizeof(TfState),
    .supports_backing = true,
    .probe = tf_probe,
    .open = tf_open,
    .create = tf_create,
    .create_opts = tf_create_opts,
    .pread = tf_pread,
    .pwrite = tf_pwrite,
    .block_status = tf_block_status,
    .change_backing_file = tf_change_backing,
};

/* ---- helpers ---- */

static char *tmpdir;

static char *tmp_path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static void fill(uint8_t *buf, size_t len, int seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(seed + i * 13 + (i >> 12));
    }
}

static void make_raw(const char *path, size_t size, int seed)
{
    uint8_t *buf = g_malloc(size);
    fill(buf, size, seed);
    g_assert_true(g_file_set_contents(path, (char *)buf, size, NULL));
    g_free(buf);
}

static void make_tfmt(const char *path, const char *size, const char *backing,
                      const char *fmt)
{
    QDict *opts = qdict_new();
    qdict_put_str(opts, "size", size);
    if (backing) {
        qdict_put_str(opts, "backing_file", backing);
    }
    if (fmt) {
        qdict_put_str(opts, "backing_fmt", fmt);
    }
    Error *err = NULL;
    int ret = bdrv_create(&bdrv_tfmt, path, opts, &err);
    if (err) {
        g_test_message("create: %s", error_message(err));
    }
    g_assert_cmpint(ret, ==, 0);
    qobject_unref(opts);
}

static BlockDriverState *open_ok(const char *name, QDict *opts, int flags)
{
    Error *err = NULL;
    BlockDriverState *bs = bdrv_open(name, opts, flags, &err);
    if (!bs) {
        g_test_message("open %s: %s", name, error_message(err));
    }
    g_assert_nonnull(bs);
    return bs;
}

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

/* base.raw: 64 KiB of pattern 1; top.tfmt: 128 KiB over it, block 1 written. */
static char *make_chain(void)
{
    char *base = tmp_path("base.raw");
    char *top = tmp_path("top.tfmt");
    make_raw(base, 64 * 1024, 1);
    make_tfmt(top, "128K", "base.raw", "raw");
    BlockDriverState *bs = open_ok(top, NULL, BDRV_O_RDWR);
    uint8_t data[TF_BLOCK];
    fill(data, sizeof(data), 2);
    g_assert_cmpint(bdrv_pwrite(bs, TF_BLOCK, TF_BLOCK, data, 0), ==, 0);
    bdrv_unref(bs);
    g_free(base);
    return top;
}

/* ---- tests ---- */

static void test_chain_reads(void)
{
    char *top = make_chain();
    BlockDriverState *bs = open_ok(top, NULL, 0);
    g_assert_cmpstr(bdrv_get_format_name(bs), ==, "tfmt");
    BlockDriverState *base = bdrv_get_backing(bs);
    g_assert_nonnull(base);
    g_assert_cmpstr(bdrv_get_format_name(base), ==, "raw");
    g_assert_true(bdrv_is_read_only(base));
    g_assert_cmpstr(bdrv_get_backing_filename(bs), ==, "base.raw");
    g_assert_cmpstr(bdrv_get_backing_format(bs), ==, "raw");
    char *full = bdrv_get_full_backing_filename(bs, NULL);
    char *want = tmp_path("base.raw");
    g_assert_cmpstr(full, ==, want);
    g_assert_cmpstr(bdrv_get_filename(base), ==, want);
    g_free(full);
    g_free(want);

    uint8_t *buf = g_malloc(128 * 1024), *exp = g_malloc0(128 * 1024);
    fill(exp, 64 * 1024, 1);
    fill(exp + TF_BLOCK, TF_BLOCK, 2);
    g_assert_cmpint(bdrv_pread(bs, 0, 128 * 1024, buf, 0), ==, 0);
    g_assert_cmpmem(buf, 128 * 1024, exp, 128 * 1024);
    /* The overlay reads zeroes past the base's end; the base alone refuses. */
    g_assert_cmpint(bdrv_getlength(base), ==, 64 * 1024);
    char *bname = g_strdup(bdrv_get_filename(base));
    bdrv_unref(bs);
    QDict *opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    BlockDriverState *lone = open_ok(bname, opts, 0);
    g_assert_cmpint(bdrv_pread(lone, 60 * 1024, 8192, buf, 0), ==, -EIO);
    bdrv_unref(lone);
    g_free(bname);
    g_free(buf);
    g_free(exp);
    g_free(top);
}

static void test_chain_status(void)
{
    char *top = make_chain();
    BlockDriverState *bs = open_ok(top, NULL, 0);
    BlockDriverState *base = bdrv_get_backing(bs);
    int64_t pnum, map;
    BlockDriverState *file;
    int depth;

    /* Block 0: not in top, data in base. */
    int ret = bdrv_block_status_above(bs, NULL, 0, 128 * 1024, &pnum, &map, &file, &depth);
    g_assert_cmpint(ret, >=, 0);
    g_assert_true(ret & BDRV_BLOCK_DATA);
    g_assert_true(ret & BDRV_BLOCK_ALLOCATED);
    g_assert_cmpint(depth, ==, 1);
    g_assert_cmpint(pnum, ==, TF_BLOCK);
    g_assert_true(file == bdrv_get_file(base));
    g_assert_cmpint(map, ==, 0);

    /* Block 1: in top, mapped into its file. */
    ret = bdrv_block_status_above(bs, NULL, TF_BLOCK, 128 * 1024, &pnum, &map, &file, &depth);
    g_assert_true(ret & BDRV_BLOCK_DATA);
    g_assert_cmpint(depth, ==, 0);
    g_assert_cmpint(pnum, ==, TF_BLOCK);
    g_assert_cmpint(map, ==, 2 * TF_BLOCK);
    g_assert_true(file == bdrv_get_file(bs));

    /* Blocks 2..15: base; 16..31: past the base's end, zeroes. */
    ret = bdrv_block_status_above(bs, NULL, 2 * TF_BLOCK, 128 * 1024, &pnum, NULL, NULL,
                                  &depth);
    g_assert_cmpint(depth, ==, 1);
    g_assert_cmpint(pnum, ==, 14 * TF_BLOCK);
    ret = bdrv_block_status_above(bs, NULL, 64 * 1024, 64 * 1024, &pnum, NULL, &file, &depth);
    g_assert_cmphex(ret & (BDRV_BLOCK_ZERO | BDRV_BLOCK_DATA | BDRV_BLOCK_EOF), ==,
                    BDRV_BLOCK_ZERO | BDRV_BLOCK_EOF);
    g_assert_cmpint(depth, ==, 1);
    g_assert_cmpint(pnum, ==, 64 * 1024);

    /* Down to (not including) base: the top alone, unallocated is not zero. */
    ret = bdrv_block_status_above(bs, base, 0, TF_BLOCK, &pnum, NULL, NULL, &depth);
    g_assert_cmpint(depth, ==, -1);
    g_assert_false(ret & (BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_DATA | BDRV_BLOCK_ZERO));

    /* This node only. */
    ret = bdrv_block_status(bs, 0, 128 * 1024, &pnum, NULL, NULL);
    g_assert_false(ret & BDRV_BLOCK_ALLOCATED);
    g_assert_cmpint(pnum, ==, TF_BLOCK);
    g_assert_cmpint(bdrv_is_allocated(bs, 0, 128 * 1024, &pnum), ==, 0);
    g_assert_cmpint(bdrv_is_allocated(bs, TF_BLOCK, 128 * 1024, &pnum), ==, 1);
    g_assert_cmpint(pnum, ==, TF_BLOCK);
    ret = bdrv_block_status(bs, 128 * 1024, 512, &pnum, NULL, NULL);
    g_assert_cmpint(pnum, ==, 0);
    g_assert_true(ret & BDRV_BLOCK_EOF);
    bdrv_unref(bs);

    /* Without a backing file, unallocated reads as zero. */
    QDict *opts = qdict_new();
    qdict_put(opts, "backing", qnull());
    bs = open_ok(top, opts, 0);
    g_assert_null(bdrv_get_backing(bs));
    ret = bdrv_block_status_above(bs, NULL, 0, TF_BLOCK, &pnum, NULL, NULL, &depth);
    g_assert_cmphex(ret & (BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED), ==, BDRV_BLOCK_ZERO);
    g_assert_cmpint(depth, ==, -1);
    uint8_t buf[TF_BLOCK];
    memset(buf, 1, sizeof(buf));
    g_assert_cmpint(bdrv_pread(bs, 0, TF_BLOCK, buf, 0), ==, 0);
    g_assert_cmpint(buf[0] | buf[TF_BLOCK - 1], ==, 0);
    bdrv_unref(bs);
    g_free(top);
}

static void test_backing_options(void)
{
    char *top = make_chain();
    /* NO_BACKING. */
    BlockDriverState *bs = open_ok(top, NULL, BDRV_O_NO_BACKING);
    g_assert_null(bdrv_get_backing(bs));
    bdrv_unref(bs);

    /* "backing" as a node name of an open node. */
    char *other = tmp_path("other.raw");
    make_raw(other, 128 * 1024, 7);
    QDict *opts = qdict_new();
    qdict_put_str(opts, "node-name", "otherbase");
    qdict_put_str(opts, "driver", "raw");
    BlockDriverState *ob = open_ok(other, opts, 0);
    opts = qdict_new();
    qdict_put_str(opts, "backing", "otherbase");
    bs = open_ok(top, opts, 0);
    g_assert_true(bdrv_get_backing(bs) == ob);
    uint8_t buf[16], exp[16];
    fill(exp, 16, 7);
    g_assert_cmpint(bdrv_pread(bs, 0, 16, buf, 0), ==, 0);
    g_assert_cmpmem(buf, 16, exp, 16);
    bdrv_unref(bs);
    bdrv_unref(ob);
    opts = qdict_new();
    qdict_put_str(opts, "backing", "nosuchnode");
    open_fails(top, opts, 0, "Cannot find device='' nor node-name='nosuchnode'");

    /* backing.* options replace the image's name. */
    opts = qdict_new();
    qdict_put_str(opts, "backing.driver", "raw");
    qdict_put_str(opts, "backing.file.filename", other);
    bs = open_ok(top, opts, 0);
    g_assert_cmpstr(bdrv_get_filename(bdrv_get_backing(bs)), ==, other);
    bdrv_unref(bs);
    /* Unknown backing options are reported. */
    opts = qdict_new();
    qdict_put_str(opts, "backing.bogus", "1");
    open_fails(top, opts, 0, "Block format 'raw' does not support the option 'bogus'");

    /* A format without backing support does not take "backing". */
    opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    qdict_put(opts, "backing", qnull());
    open_fails(other, opts, 0, "Block format 'raw' does not support the option 'backing'");

    /* A missing backing file is reported with context. */
    char *lost = tmp_path("lost.tfmt");
    make_tfmt(lost, "64K", "nothere.raw", "raw");
    open_fails(lost, NULL, 0, "Could not open backing file: Could not open '");
    open_fails(lost, NULL, 0, "nothere.raw': No such file or directory");
    bs = open_ok(lost, NULL, BDRV_O_NO_BACKING);
    bdrv_unref(bs);

    /* Rewriting the backing name goes through the driver. */
    bs = open_ok(top, NULL, BDRV_O_RDWR);
    /* A format with metadata keeps even metadata-only readers from a writer's image. */
    open_fails(top, NULL, BDRV_O_NO_IO | BDRV_O_NO_BACKING, "Failed to get shared \"write\" lock");
    BlockDriverState *peek = open_ok(top, NULL, BDRV_O_NO_IO | BDRV_O_NO_BACKING |
                                     BDRV_O_FORCE_SHARE);
    bdrv_unref(peek);
    Error *err = NULL;
    g_assert_cmpint(bdrv_change_backing_file(bs, "other.raw", "raw", &err), ==, 0);
    g_assert_cmpstr(bdrv_get_backing_filename(bs), ==, "other.raw");
    bdrv_unref(bs);
    bs = open_ok(top, NULL, 0);
    g_assert_cmpstr(bdrv_get_filename(bdrv_get_backing(bs)), ==, other);
    bdrv_unref(bs);
    g_free(lost);
    g_free(other);
    g_free(top);
}

static void test_backing_probe_and_set(void)
{
    /* No backing format recorded: the backing file's format is probed. */
    char *mid = tmp_path("mid.tfmt");
    char *top = tmp_path("top2.tfmt");
    char *base = tmp_path("base2.raw");
    make_raw(base, 32 * 1024, 3);
    make_tfmt(mid, "32K", "base2.raw", NULL);
    make_tfmt(top, "32K", "mid.tfmt", NULL);
    BlockDriverState *bs = open_ok(top, NULL, 0);
    BlockDriverState *m = bdrv_get_backing(bs);
    g_assert_cmpstr(bdrv_get_format_name(m), ==, "tfmt");
    g_assert_cmpstr(bdrv_get_format_name(bdrv_get_backing(m)), ==, "raw");
    int64_t pnum;
    int depth;
    int ret = bdrv_block_status_above(bs, NULL, 0, 32 * 1024, &pnum, NULL, NULL, &depth);
    g_assert_true(ret & BDRV_BLOCK_DATA);
    g_assert_cmpint(depth, ==, 2);

    /* bdrv_set_backing swaps the in-memory backing node. */
    bdrv_set_backing(bs, NULL);
    g_assert_null(bdrv_get_backing(bs));
    uint8_t b = 1;
    g_assert_cmpint(bdrv_pread(bs, 0, 1, &b, 0), ==, 0);
    g_assert_cmpint(b, ==, 0);
    bdrv_unref(bs);
    g_free(mid);
    g_free(top);
    g_free(base);
}

static void test_probed_raw_restriction(void)
{
    /* A probed raw image refuses to become another format through sector 0. */
    char *path = tmp_path("guest.raw");
    make_raw(path, 64 * 1024, 9);
    BlockDriverState *bs = open_ok(path, NULL, BDRV_O_RDWR);
    g_assert_cmpstr(bdrv_get_format_name(bs), ==, "raw");
    g_assert_cmpint(bdrv_pwrite(bs, 0, 4, "TFMT", 0), ==, -EPERM);
    uint8_t sector[512] = "TFMT";
    g_assert_cmpint(bdrv_pwrite(bs, 0, sizeof(sector), sector, 0), ==, -EPERM);
    g_assert_cmpint(bdrv_pwrite(bs, 512, 4, "TFMT", 0), ==, 0);
    g_assert_cmpint(bdrv_pwrite(bs, 1, 4, "TFMT", 0), ==, 0);
    bdrv_unref(bs);
    g_free(path);
}

static void test_format_create_options(void)
{
    /* Options only the protocol knows reach it; unknown ones are reported. */
    char *path = tmp_path("opts.tfmt");
    QDict *opts = qdict_new();
    qdict_put_str(opts, "size", "64K");
    qdict_put_str(opts, "nocow", "off");
    qdict_put_str(opts, "extent_size_hint", "0");
    Error *err = NULL;
    g_assert_cmpint(bdrv_create(&bdrv_tfmt, path, opts, &err), ==, 0);
    g_assert_null(err);
    qdict_put_str(opts, "bogus", "1");
    g_assert_cmpint(bdrv_create(&bdrv_tfmt, path, opts, &err), ==, -EINVAL);
    g_assert_cmpstr(error_message(err), ==, "Invalid parameter 'bogus'");
    error_clear(&err);
    qdict_del(opts, "bogus");
    qdict_put_str(opts, "nocow", "maybe");
    g_assert_cmpint(bdrv_create(&bdrv_tfmt, path, opts, &err), <, 0);
    g_assert_cmpstr(error_message(err), ==, "Parameter 'nocow' expects 'on' or 'off'");
    error_clear(&err);
    qobject_unref(opts);

    /* The merged table: the format's options plus the file's, sorted. */
    const CreateOptDesc *d = bdrv_create_opts(&bdrv_tfmt);
    const char *want[] = { "backing_file", "backing_fmt", "extent_size_hint", "nocow",
                           "preallocation", "size", NULL };
    for (int i = 0; want[i]; i++) {
        g_assert_cmpstr(d[i].name, ==, want[i]);
    }
    g_assert_null(d[6].name);
    g_assert_true(bdrv_supports_backing(&bdrv_tfmt));
    g_assert_false(bdrv_supports_compressed(&bdrv_tfmt));

    BlockDriverState *bs = open_ok(path, NULL, 0);
    g_assert_cmpint(bdrv_getlength(bs), ==, 64 * 1024);
    bdrv_unref(bs);
    g_free(path);
}

static void test_backing_loop_and_refusal(void)
{
    char *a = tmp_path("loop-a.tfmt");
    char *b = tmp_path("loop-b.tfmt");
    make_tfmt(a, "64K", "loop-b.tfmt", "tfmt");
    make_tfmt(b, "64K", "loop-a.tfmt", "tfmt");
    open_fails(a, NULL, 0, "loop");
    char *self = tmp_path("self.tfmt");
    make_tfmt(self, "64K", "self.tfmt", NULL);
    open_fails(self, NULL, 0, "loop");

    /* json: and protocol names found in an image are not followed by default. */
    char *base = tmp_path("jbase.raw");
    make_raw(base, 64 * 1024, 5);
    char *jname = g_strdup_printf("json:{\"driver\":\"raw\",\"file\":{\"filename\":\"%s\"}}",
                                  base);
    char *j = tmp_path("json-backed.tfmt");
    make_tfmt(j, "64K", jname, NULL);
    open_fails(j, NULL, 0, "Refusing to follow backing file 'json:");
    BlockDriverState *bs = open_ok(j, NULL, BDRV_O_ALLOW_PROTOCOL_BACKING);
    g_assert_cmpstr(bdrv_get_format_name(bdrv_get_backing(bs)), ==, "raw");
    bdrv_unref(bs);
    char *p = tmp_path("proto-backed.tfmt");
    make_tfmt(p, "64K", "nbd://evil.example/x", NULL);
    open_fails(p, NULL, 0, "Refusing to follow backing file 'nbd://evil.example/x'");
    /* A relative name cannot be resolved against a json: overlay name. */
    char *jtop = g_strdup_printf("json:{\"driver\":\"tfmt\",\"file\":{\"filename\":\"%s\"}}", a);
    bs = open_ok(jtop, NULL, BDRV_O_NO_BACKING);
    g_assert_cmpstr(bdrv_get_format_name(bs), ==, "tfmt");
    bdrv_unref(bs);
    g_free(jtop);
    g_free(p);
    g_free(j);
    g_free(jname);
    g_free(base);
    g_free(self);
    g_free(a);
    g_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    bdrv_register(&bdrv_tfmt);
    tmpdir = g_dir_make_tmp("test-block-chain-XXXXXX", NULL);
    g_test_add_func("/block-chain/reads", test_chain_reads);
    g_test_add_func("/block-chain/status", test_chain_status);
    g_test_add_func("/block-chain/backing-options", test_backing_options);
    g_test_add_func("/block-chain/probe-and-set", test_backing_probe_and_set);
    g_test_add_func("/block-chain/loop-and-refusal", test_backing_loop_and_refusal);
    g_test_add_func("/block-chain/format-create-options", test_format_create_options);
    g_test_add_func("/block-chain/probed-raw-restriction", test_probed_raw_restriction);
    int ret = g_test_run();
    char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) {
        g_printerr("could not remove %s\n", tmpdir);
    }
    g_free(cmd);
    g_free(tmpdir);
    return ret;
}
