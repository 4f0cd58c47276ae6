/*
 * virtio-blk over a raw image, driven through the device core as a driver
 * would: configuration space, reads and writes larger than the bounce
 * buffer, flush, GET_ID, discard and write-zeroes, a read-only disk, the
 * cache mode switch, and requests a guest gets wrong on purpose.
 */
#include "config.h"
#include "hw/virtio/virtio-blk.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "block/block.h"

#define RAM_BASE 0x100000u
#define RAM_SIZE (4u << 20)
#define QSIZE 16
#define DESC_GPA  (RAM_BASE + 0x0000)
#define AVAIL_GPA (RAM_BASE + 0x1000)
#define USED_GPA  (RAM_BASE + 0x2000)
#define HDR_GPA   (RAM_BASE + 0x3000)
#define STATUS_GPA (RAM_BASE + 0x3100)
#define DATA_GPA  (RAM_BASE + 0x10000)
#define DISK_SIZE (1u << 20)

#include "tests/unit/test-ram.h"

static char *tmpdir;


typedef struct Rig {
    VirtIOBlk b;
    BlockBackend *blk;
    char *path;
    uint16_t avail_idx;
    unsigned ndesc;
} Rig;

static void rig_init(Rig *r, bool read_only, const char *serial)
{
    Error *err = NULL;

    memset(ram, 0, sizeof(ram));
    r->path = g_build_filename(tmpdir, "disk.raw", NULL);
    int fd = open(r->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, DISK_SIZE), ==, 0);
    close(fd);
    r->blk = blk_new_open(r->path, NULL, read_only ? 0 : BDRV_O_RDWR, &err);
    g_assert_nonnull(r->blk);
    virtio_blk_init(&r->b, r->blk, read_only, true, serial, &ram_ops, NULL);
    VirtIODevice *v = &r->b.vdev;
    virtio_set_status(v, 1 | 2);
    virtio_write_features(v, 0, virtio_read_features(v, 0));
    virtio_write_features(v, 1, 1);
    virtio_set_status(v, 1 | 2 | 8);
    g_assert_cmpuint(v->status, ==, 1 | 2 | 8);
    v->vq[0].size = QSIZE;
    v->vq[0].desc = DESC_GPA;
    v->vq[0].avail = AVAIL_GPA;
    v->vq[0].used = USED_GPA;
    g_assert_true(virtio_queue_enable(v, 0));
    virtio_set_status(v, 1 | 2 | 8 | 4);
    r->avail_idx = 0;
}

static void rig_free(Rig *r)
{
    virtio_blk_cleanup(&r->b);
    blk_unref(r->blk);
    g_unlink(r->path);
    g_free(r->path);
}

static void desc(Rig *r, uint64_t addr, uint32_t len, bool write, bool more)
{
    uint8_t *d = at(DESC_GPA + 16 * r->ndesc);
    uint16_t flags = (more ? 1 : 0) | (write ? 2 : 0), next = (uint16_t)(r->ndesc + 1);
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
    r->ndesc++;
}

/* Header, data segments (each seg bytes), status: run it, return the status. */
static int request(Rig *r, uint32_t type, uint64_t sector, unsigned nseg, uint32_t seg,
                   bool data_in, uint32_t *used_len)
{
    uint32_t hdr[4] = { type, 0, (uint32_t)sector, (uint32_t)(sector >> 32) };
    memcpy(at(HDR_GPA), hdr, 16);
    *at(STATUS_GPA) = 0xee;
    r->ndesc = 0;
    desc(r, HDR_GPA, 16, false, true);
    for (unsigned i = 0; i < nseg; i++) {
        desc(r, DATA_GPA + (uint64_t)i * seg, seg, data_in, true);
    }
    desc(r, STATUS_GPA, 1, true, false);
    uint16_t slot = r->avail_idx % QSIZE, head = 0;
    memcpy(at(AVAIL_GPA + 4 + 2 * slot), &head, 2);
    r->avail_idx++;
    memcpy(at(AVAIL_GPA + 2), &r->avail_idx, 2);
    virtio_queue_notify(&r->b.vdev, 0);
    uint16_t used_idx;
    memcpy(&used_idx, at(USED_GPA + 2), 2);
    if (used_idx != r->avail_idx) {
        return -1;
    }
    if (used_len) {
        memcpy(used_len, at(USED_GPA + 4 + 8 * slot + 4), 4);
    }
    return *at(STATUS_GPA);
}

static void test_config(void)
{
    Rig r;
    rig_init(&r, false, "serial-1");
    VirtIODevice *v = &r.b.vdev;
    g_assert_cmpuint(virtio_config_read(v, 0, 8), ==, DISK_SIZE / 512);
    g_assert_cmpuint(virtio_config_read(v, 20, 4), ==, 512);
    g_assert_cmpuint(virtio_config_read(v, 12, 4), ==, 254);
    g_assert_cmpuint(virtio_config_read(v, 32, 1), ==, 1);
    g_assert_cmpuint(virtio_read_features(v, 0) & (1u << VIRTIO_BLK_F_RO), ==, 0);
    g_assert_cmpuint(virtio_read_features(v, 0) & (1u << VIRTIO_BLK_F_DISCARD), !=, 0);
    /* Beyond the configuration space: 0. */
    g_assert_cmpuint(virtio_config_read(v, 58, 4), ==, 0);
    /* The driver switches to writethrough (CONFIG_WCE was accepted). */
    virtio_config_write(v, 32, 0, 1);
    g_assert_false(r.b.writeback);
    g_assert_cmpuint(virtio_config_read(v, 32, 1), ==, 0);
    /* Capacity is not writable. */
    virtio_config_write(v, 0, 7, 8);
    g_assert_cmpuint(virtio_config_read(v, 0, 8), ==, DISK_SIZE / 512);
    rig_free(&r);
}

static void test_write_read(void)
{
    Rig r;
    uint32_t len = 0;
    rig_init(&r, false, NULL);
    /* 3 x 48 KiB: larger than the 64 KiB bounce buffer, across segments. */
    for (unsigned i = 0; i < 3 * 48 * 1024; i++) {
        at(DATA_GPA)[i] = (uint8_t)(i * 7 + i / 4096);
    }
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_OUT, 8, 3, 48 * 1024, false, &len), ==, 0);
    g_assert_cmpuint(len, ==, 1);
    memset(at(DATA_GPA), 0, 3 * 48 * 1024);
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_IN, 8, 3, 48 * 1024, true, &len), ==, 0);
    g_assert_cmpuint(len, ==, 3 * 48 * 1024 + 1);
    for (unsigned i = 0; i < 3 * 48 * 1024; i++) {
        g_assert_cmpuint(at(DATA_GPA)[i], ==, (uint8_t)(i * 7 + i / 4096));
    }
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, NULL), ==, 0);
    /* The bytes are in the image file, at sector 8. */
    uint8_t file[512];
    int fd = open(r.path, O_RDONLY);
    g_assert_cmpint(pread(fd, file, sizeof(file), 8 * 512 + 4096), ==, sizeof(file));
    close(fd);
    g_assert_cmpuint(file[0], ==, (uint8_t)(4096 * 7 + 1));
    rig_free(&r);
}

static void test_bad_ranges(void)
{
    Rig r;
    rig_init(&r, false, NULL);
    const uint64_t last = DISK_SIZE / 512 - 1;
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_IN, last, 1, 512, true, NULL), ==, 0);
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_IN, last, 1, 1024, true, NULL), ==, 1);
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_OUT, last + 1, 1, 512, false, NULL), ==, 1);
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_IN, UINT64_MAX, 1, 512, true, NULL), ==, 1);
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_OUT, UINT64_MAX / 512, 1, 512, false, NULL), ==, 1);
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_IN, 0, 1, 100, true, NULL), ==, 1);
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_OUT, 0, 1, 513, false, NULL), ==, 1);
    g_assert_cmpint(request(&r, 77, 0, 0, 0, false, NULL), ==, 2);
    g_assert_false(r.b.vdev.status & VIRTIO_STATUS_NEEDS_RESET);
    rig_free(&r);
}

static void test_get_id(void)
{
    Rig r;
    uint32_t len = 0;
    rig_init(&r, false, "disk-serial-0123456789abc");
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_GET_ID, 0, 1, 20, true, &len), ==, 0);
    g_assert_cmpuint(len, ==, 21);
    g_assert_cmpint(memcmp(at(DATA_GPA), "disk-serial-01234567", 20), ==, 0);
    rig_free(&r);
}

static int segment_request(Rig *r, uint32_t type, uint64_t sector, uint32_t count,
                           uint32_t flags)
{
    uint32_t seg[4] = { (uint32_t)sector, (uint32_t)(sector >> 32), count, flags };
    memcpy(at(DATA_GPA), seg, 16);
    return request(r, type, 0, 1, 16, false, NULL);
}

static void test_discard_zeroes(void)
{
    Rig r;
    rig_init(&r, false, NULL);
    memset(at(DATA_GPA), 0xab, 4096);
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_OUT, 0, 1, 4096, false, NULL), ==, 0);
    g_assert_cmpint(segment_request(&r, VIRTIO_BLK_T_WRITE_ZEROES, 2, 2, 1), ==, 0);
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_IN, 0, 1, 4096, true, NULL), ==, 0);
    g_assert_cmpuint(at(DATA_GPA)[1023], ==, 0xab);
    g_assert_cmpuint(at(DATA_GPA)[1024], ==, 0);
    g_assert_cmpuint(at(DATA_GPA)[2047], ==, 0);
    g_assert_cmpuint(at(DATA_GPA)[2048], ==, 0xab);
    g_assert_cmpint(segment_request(&r, VIRTIO_BLK_T_DISCARD, 0, 8, 0), ==, 0);
    /* Flags the request type does not have, a range past the end. */
    g_assert_cmpint(segment_request(&r, VIRTIO_BLK_T_DISCARD, 0, 8, 1), ==, 2);
    g_assert_cmpint(segment_request(&r, VIRTIO_BLK_T_WRITE_ZEROES, 0, 8, 2), ==, 2);
    g_assert_cmpint(segment_request(&r, VIRTIO_BLK_T_WRITE_ZEROES, DISK_SIZE / 512, 1, 0), ==, 1);
    /* Two segments where one is announced. */
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_DISCARD, 0, 2, 16, false, NULL), ==, 2);
    rig_free(&r);
}

static void test_read_only(void)
{
    Rig r;
    rig_init(&r, true, NULL);
    VirtIODevice *v = &r.b.vdev;
    g_assert_cmpuint(virtio_read_features(v, 0) & (1u << VIRTIO_BLK_F_RO), !=, 0);
    g_assert_cmpuint(virtio_read_features(v, 0) & (1u << VIRTIO_BLK_F_CONFIG_WCE), ==, 0);
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_IN, 0, 1, 512, true, NULL), ==, 0);
    g_assert_cmpint(request(&r, VIRTIO_BLK_T_OUT, 0, 1, 512, false, NULL), ==, 1);
    g_assert_cmpint(segment_request(&r, VIRTIO_BLK_T_WRITE_ZEROES, 0, 1, 0), ==, 1);
    rig_free(&r);
}

static void test_malformed(void)
{
    Rig r;
    rig_init(&r, false, NULL);
    /* Header only, no status byte: the device needs a reset. */
    r.ndesc = 0;
    desc(&r, HDR_GPA, 16, false, false);
    uint16_t head = 0, idx = 1;
    memcpy(at(AVAIL_GPA + 4), &head, 2);
    memcpy(at(AVAIL_GPA + 2), &idx, 2);
    virtio_queue_notify(&r.b.vdev, 0);
    g_assert_true(r.b.vdev.status & VIRTIO_STATUS_NEEDS_RESET);
    rig_free(&r);

    /* A short header. */
    rig_init(&r, false, NULL);
    r.ndesc = 0;
    desc(&r, HDR_GPA, 8, false, true);
    desc(&r, STATUS_GPA, 1, true, false);
    memcpy(at(AVAIL_GPA + 4), &head, 2);
    memcpy(at(AVAIL_GPA + 2), &idx, 2);
    virtio_queue_notify(&r.b.vdev, 0);
    g_assert_true(r.b.vdev.status & VIRTIO_STATUS_NEEDS_RESET);
    rig_free(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-virtio-blk-XXXXXX", NULL);
    g_test_add_func("/virtio-blk/config", test_config);
    g_test_add_func("/virtio-blk/write-read", test_write_read);
    g_test_add_func("/virtio-blk/bad-ranges", test_bad_ranges);
    g_test_add_func("/virtio-blk/get-id", test_get_id);
    g_test_add_func("/virtio-blk/discard-zeroes", test_discard_zeroes);
    g_test_add_func("/virtio-blk/read-only", test_read_only);
    g_test_add_func("/virtio-blk/malformed", test_malformed);
    int ret = g_test_run();
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return ret;
}
