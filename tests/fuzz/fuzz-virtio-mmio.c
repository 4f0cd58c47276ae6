/*
 * A guest driving virtio-mmio by register accesses of its choosing, over
 * guest RAM that is also fuzz input: every access size, offset and value, in
 * any order, with rings at any address. Behind the transport (bits 6-7 of the
 * count byte): virtio-rng, virtio-blk over a 1 MiB raw image in memory,
 * virtio-net with no back end, or virtio-console on a ringbuf chardev. Input: a count byte (bits 0-5), then 8 bytes
 * per access (flags: bit 0
 * write, bits 1-2 size 1/2/4/8; le16 offset; le32 value; one spare), then the
 * RAM image.
 */
#include "config.h"
#include "hw/virtio/virtio-mmio.h"
#include "hw/virtio/virtio-blk.h"
#include "hw/virtio/virtio-console.h"
#include "hw/virtio/virtio-net.h"
#include "hw/virtio/virtio-rng.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "block/block.h"

#include <glib.h>
#include <string.h>

#include "tests/fuzz/fuzz-ram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_MAX (64 * 1024)

static void set_irq(void *opaque, bool level)
{
}

static BlockBackend *disk;

/* One image for the whole run: what a guest wrote stays, as on a real disk. */
static void open_disk(void)
{
    char path[64];
    Error *err = NULL;
    int fd = memfd_create("fuzz-virtio-blk", 0);

    if (fd < 0 || ftruncate(fd, 1 << 20) < 0) {
        abort();
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    disk = blk_new_open(path, NULL, BDRV_O_RDWR | BDRV_O_NO_FLUSH | BDRV_O_UNMAP, &err);
    if (!disk) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    size_t nops = data[0] & 0x3f, hdr = 1 + 8 * nops;
    unsigned kind = data[0] >> 6;       /* 0: rng; 1: blk; 2: net; 3: console */
    if (size < hdr) {
        return 0;
    }
    FuzzRam ram = { .size = MIN(size - hdr, (size_t)RAM_MAX) };
    ram.bytes = g_memdup2(data + hdr, ram.size);
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
    VirtIORNG rng;
    VirtIOBlk blk;
    VirtIONet net;
    VirtIOConsole con;
    Chardev *chr = NULL;
    VirtIOMMIO t;
    if (kind == 1) {
        pthread_once(&once, open_disk);
        virtio_blk_init(&blk, disk, false, true, "fuzz", &fuzz_ram_ops, &ram);
        virtio_mmio_init(&t, &blk.vdev, set_irq, NULL);
    } else if (kind == 2) {
        virtio_net_init(&net, "fuzz-nic", NULL, mac, &fuzz_ram_ops, &ram, NULL, NULL);
        virtio_mmio_init(&t, &net.vdev, set_irq, NULL);
    } else if (kind == 3) {
        chr = chardev_new_str("ringbuf,id=fuzzcon,size=4096", NULL, NULL);
        virtio_console_init(&con, chr, &fuzz_ram_ops, &ram, NULL, NULL);
        virtio_mmio_init(&t, &con.vdev, set_irq, NULL);
    } else {
        virtio_rng_init(&rng, &fuzz_ram_ops, &ram);
        virtio_mmio_init(&t, &rng.vdev, set_irq, NULL);
    }
    for (size_t i = 0; i < nops; i++) {
        const uint8_t *op = data + 1 + 8 * i;
        unsigned sz = 1u << ((op[0] >> 1) & 3);
        uint64_t off = (op[1] | op[2] << 8) % VIRTIO_MMIO_SIZE;
        uint32_t val = op[3] | op[4] << 8 | op[5] << 16 | (uint32_t)op[6] << 24;
        if (op[0] & 1) {
            virtio_mmio_write(&t, off, val, sz);
        } else {
            virtio_mmio_read(&t, off, sz);
        }
    }
    virtio_mmio_cleanup(&t);
    if (kind == 1) {
        virtio_blk_cleanup(&blk);
    } else if (kind == 2) {
        virtio_net_cleanup(&net);
    } else if (kind == 3) {
        chardev_ringbuf_write(chr, "input from the host", "utf8", NULL);
        virtio_console_cleanup(&con);
        chardev_free(chr);
    } else {
        virtio_rng_cleanup(&rng);
    }
    g_free(ram.bytes);
    return 0;
}
