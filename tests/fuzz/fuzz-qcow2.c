/*
 * libFuzzer target for the qcow2 driver: the input is an image file (kept in
 * a memfd). It is opened read-write, its status walked, its first clusters
 * read, and a few writes of every kind (data, zeroes, discard, compressed)
 * made and read back. Bad images must give errors, never crashes, hangs or
 * leaks; data written must read back.
 */
#define _GNU_SOURCE
#include "config.h"
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "block/block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_READ (4 << 20)

static void walk_status(BlockDriverState *bs, int64_t len)
{
    int64_t off = 0;

    for (int i = 0; i < 256 && off < len; i++) {
        int64_t pnum = 0, map;
        BlockDriverState *file;
        if (bdrv_block_status(bs, off, len - off, &pnum, &map, &file) < 0 || pnum <= 0) {
            return;
        }
        off += pnum;
    }
}

static void write_and_verify(BlockDriverState *bs, int64_t off, int64_t n, uint8_t fill)
{
    uint8_t *buf = g_malloc(n), *back = g_malloc(n);

    memset(buf, fill, n);
    if (bdrv_pwrite(bs, off, n, buf, 0) == 0 && bdrv_pread(bs, off, n, back, 0) == 0 &&
        memcmp(buf, back, n)) {
        abort();          /* a write that succeeded must read back */
    }
    g_free(buf);
    g_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-qcow2", 0);
    char path[64];
    QDict *opts;
    Error *err = NULL;
    BlockDriverState *bs;
    BlockDriverInfo bdi;
    int64_t len, cs = 65536;
    uint8_t *buf;

    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        abort();
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    opts = qdict_new();
    qdict_put_str(opts, "driver", "qcow2");
    bs = bdrv_open(path, opts, BDRV_O_RDWR | BDRV_O_NO_BACKING | BDRV_O_FORCE_SHARE |
                   BDRV_O_NO_FLUSH | BDRV_O_UNMAP, &err);
    if (!bs) {
        error_free(err);
        close(fd);
        return 0;
    }
    len = bdrv_getlength(bs);
    if (bdrv_get_info(bs, &bdi) == 0 && bdi.cluster_size > 0) {
        cs = bdi.cluster_size;
    }
    walk_status(bs, len);
    buf = g_malloc(MIN(len, MAX_READ) + 1);
    if (len > 0) {
        bdrv_pread(bs, 0, MIN(len, MAX_READ), buf, 0);
    }
    qobject_unref(bdrv_get_specific_info(bs, NULL));
    if (len >= 2 * cs) {
        write_and_verify(bs, 0, 4096 < cs ? 4096 : cs, 0x5a);
        write_and_verify(bs, cs - 512, 1024, 0xa5);
        bdrv_pwrite_zeroes(bs, cs, cs, BDRV_REQ_MAY_UNMAP);
        bdrv_pdiscard(bs, 0, cs);
        memset(buf, 0x33, MIN(cs, MAX_READ));
        if (cs <= MAX_READ) {
            bdrv_pwrite_compressed(bs, cs, cs, buf);
        }
        bdrv_pread(bs, 0, MIN(len, MAX_READ), buf, 0);
    }
    g_free(buf);
    bdrv_unref(bs);
    close(fd);
    return 0;
}
