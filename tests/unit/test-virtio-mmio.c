/*
 * virtio-mmio and the virtio device core, driven as a guest driver would
 * (the Linux virtio_mmio probe order) against virtio-rng: discovery, feature
 * negotiation, queue set-up, a request with its interrupt, reset, and the
 * driver mistakes the device must refuse without harm.
 */
#include "config.h"
#include "hw/virtio/virtio-mmio.h"
#include "hw/virtio/virtio-rng.h"

#include <glib.h>
#include <string.h>

#define RAM_BASE 0x40000000u
#define RAM_SIZE (1u << 20)
#define DESC_GPA  (RAM_BASE + 0x0000)
#define AVAIL_GPA (RAM_BASE + 0x1000)
#define USED_GPA  (RAM_BASE + 0x2000)
#define BUF_GPA   (RAM_BASE + 0x8000)

enum {
    R_MAGIC = 0x000, R_VERSION = 0x004, R_DEVICE_ID = 0x008, R_VENDOR_ID = 0x00c,
    R_DEV_FEATURES = 0x010, R_DEV_FEATURES_SEL = 0x014, R_DRV_FEATURES = 0x020,
    R_DRV_FEATURES_SEL = 0x024, R_QUEUE_SEL = 0x030, R_QUEUE_NUM_MAX = 0x034, R_QUEUE_NUM = 0x038,
    R_QUEUE_READY = 0x044, R_QUEUE_NOTIFY = 0x050, R_INT_STATUS = 0x060, R_INT_ACK = 0x064,
    R_STATUS = 0x070, R_DESC_LO = 0x080, R_DESC_HI = 0x084, R_DRIVER_LO = 0x090, R_DRIVER_HI = 0x094,
    R_DEVICE_LO = 0x0a0, R_DEVICE_HI = 0x0a4, R_SHM_LEN_LO = 0x0b0, R_CONFIG_GEN = 0x0fc,
};

#include "tests/unit/test-ram.h"

static bool irq_level;
static unsigned irq_edges;

static void set_irq(void *opaque, bool level)
{
    irq_edges += level && !irq_level;
    irq_level = level;
}

/* A fixed pattern instead of randomness, so the data can be checked. */
static size_t pattern_fill(void *opaque, uint8_t *buf, size_t len)
{
    unsigned *counter = opaque;
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(*counter)++;
    }
    return len;
}

typedef struct Rig {
    VirtIORNG rng;
    VirtIOMMIO t;
    unsigned counter;
} Rig;

static void rig_init(Rig *r)
{
    memset(ram, 0, sizeof(ram));
    irq_level = false;
    irq_edges = 0;
    virtio_rng_init(&r->rng, &ram_ops, NULL);
    r->counter = 0;
    r->rng.fill = pattern_fill;
    r->rng.fill_opaque = &r->counter;
    virtio_mmio_init(&r->t, &r->rng.vdev, set_irq, NULL);
}

static void rig_free(Rig *r)
{
    virtio_mmio_cleanup(&r->t);
    virtio_rng_cleanup(&r->rng);
}

static uint32_t rd(Rig *r, uint64_t off) { return (uint32_t)virtio_mmio_read(&r->t, off, 4); }
static void wr(Rig *r, uint64_t off, uint32_t v) { virtio_mmio_write(&r->t, off, v, 4); }

static void put16(uint64_t gpa, uint16_t v) { memcpy(ram + gpa - RAM_BASE, &v, 2); }
static uint16_t get16(uint64_t gpa) { uint16_t v; memcpy(&v, ram + gpa - RAM_BASE, 2); return v; }
static uint32_t get32(uint64_t gpa) { uint32_t v; memcpy(&v, ram + gpa - RAM_BASE, 4); return v; }

/* ACKNOWLEDGE, DRIVER, features, FEATURES_OK: returns the status read back. */
static uint32_t negotiate(Rig *r, uint32_t lo, uint32_t hi)
{
    wr(r, R_STATUS, 0);
    wr(r, R_STATUS, 1);
    wr(r, R_STATUS, 1 | 2);
    wr(r, R_DRV_FEATURES_SEL, 0);
    wr(r, R_DRV_FEATURES, lo);
    wr(r, R_DRV_FEATURES_SEL, 1);
    wr(r, R_DRV_FEATURES, hi);
    wr(r, R_STATUS, 1 | 2 | 8);
    return rd(r, R_STATUS);
}

static void setup_queue(Rig *r, uint32_t size)
{
    wr(r, R_QUEUE_SEL, 0);
    g_assert_cmpuint(rd(r, R_QUEUE_READY), ==, 0);
    wr(r, R_QUEUE_NUM, size);
    wr(r, R_DESC_LO, DESC_GPA);
    wr(r, R_DESC_HI, 0);
    wr(r, R_DRIVER_LO, AVAIL_GPA);
    wr(r, R_DRIVER_HI, 0);
    wr(r, R_DEVICE_LO, USED_GPA);
    wr(r, R_DEVICE_HI, 0);
    wr(r, R_QUEUE_READY, 1);
}

/* One 64-byte device-writable buffer, made available in slot idx. */
static void submit(uint16_t idx, uint32_t len)
{
    uint64_t addr = BUF_GPA;
    uint16_t flags = 2, next = 0;
    uint8_t *d = ram + DESC_GPA - RAM_BASE;
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
    put16(AVAIL_GPA + 4 + 2 * (idx % 8), 0);
    put16(AVAIL_GPA + 2, idx + 1);
}

static void test_discovery(void)
{
    Rig r;
    rig_init(&r);
    g_assert_cmphex(rd(&r, R_MAGIC), ==, 0x74726976);
    g_assert_cmpuint(rd(&r, R_VERSION), ==, 2);
    g_assert_cmpuint(rd(&r, R_DEVICE_ID), ==, 4);
    g_assert_cmphex(rd(&r, R_VENDOR_ID), ==, 0x554d4551);
    wr(&r, R_DEV_FEATURES_SEL, 1);
    g_assert_cmphex(rd(&r, R_DEV_FEATURES) & 1, ==, 1);     /* VERSION_1 is bit 32 */
    wr(&r, R_DEV_FEATURES_SEL, 0);
    g_assert_cmphex(rd(&r, R_DEV_FEATURES), ==, (1u << 28) | (1u << 29));
    wr(&r, R_DEV_FEATURES_SEL, 7);
    g_assert_cmphex(rd(&r, R_DEV_FEATURES), ==, 0);
    g_assert_cmphex(rd(&r, R_SHM_LEN_LO), ==, 0xffffffff);
    /* Registers take 32-bit accesses only. */
    g_assert_cmphex(virtio_mmio_read(&r.t, R_MAGIC, 2), ==, 0);
    g_assert_cmphex(virtio_mmio_read(&r.t, R_MAGIC + 1, 4), ==, 0);
    rig_free(&r);
}

static void test_request(void)
{
    Rig r;
    rig_init(&r);
    g_assert_cmpuint(negotiate(&r, 0, 1), ==, 1 | 2 | 8);
    wr(&r, R_QUEUE_SEL, 0);
    g_assert_cmpuint(rd(&r, R_QUEUE_NUM_MAX), ==, 256);
    setup_queue(&r, 8);
    g_assert_cmpuint(rd(&r, R_QUEUE_READY), ==, 1);
    wr(&r, R_STATUS, 1 | 2 | 8 | 4);

    submit(0, 64);
    wr(&r, R_QUEUE_NOTIFY, 0);
    g_assert_cmpuint(get16(USED_GPA + 2), ==, 1);
    g_assert_cmpuint(get32(USED_GPA + 4), ==, 0);
    g_assert_cmpuint(get32(USED_GPA + 8), ==, 64);
    for (unsigned i = 0; i < 64; i++) {
        g_assert_cmpuint(ram[BUF_GPA - RAM_BASE + i], ==, i);
    }
    g_assert_true(irq_level);
    g_assert_cmpuint(rd(&r, R_INT_STATUS), ==, 1);
    wr(&r, R_INT_ACK, 1);
    g_assert_false(irq_level);
    g_assert_cmpuint(rd(&r, R_INT_STATUS), ==, 0);

    /* The driver suppresses interrupts: the request is served, no interrupt. */
    put16(AVAIL_GPA, 1);
    submit(1, 16);
    wr(&r, R_QUEUE_NOTIFY, 0);
    g_assert_cmpuint(get16(USED_GPA + 2), ==, 2);
    g_assert_false(irq_level);
    g_assert_cmpuint(irq_edges, ==, 1);

    /* Reset clears everything the driver set. */
    wr(&r, R_STATUS, 0);
    g_assert_cmpuint(rd(&r, R_STATUS), ==, 0);
    g_assert_cmpuint(rd(&r, R_QUEUE_READY), ==, 0);
    rig_free(&r);
}

static void test_refused_features(void)
{
    Rig r;
    rig_init(&r);
    /* Without VERSION_1 (a legacy driver): FEATURES_OK does not stick. */
    g_assert_cmpuint(negotiate(&r, 0, 0), ==, 1 | 2);
    /* A feature that was not offered. */
    g_assert_cmpuint(negotiate(&r, 1u << 5, 1), ==, 1 | 2);
    /* Accepted, then fixed: a later write does not change them. */
    g_assert_cmpuint(negotiate(&r, 1u << 29, 1), ==, 1 | 2 | 8);
    wr(&r, R_DRV_FEATURES_SEL, 0);
    wr(&r, R_DRV_FEATURES, 0);
    g_assert_true(virtio_has_feature(&r.rng.vdev, 29));
    rig_free(&r);
}

static void test_queue_mistakes(void)
{
    Rig r;
    rig_init(&r);
    negotiate(&r, 0, 1);
    /* No queue 5: reads as absent, writes ignored. */
    wr(&r, R_QUEUE_SEL, 5);
    g_assert_cmpuint(rd(&r, R_QUEUE_NUM_MAX), ==, 0);
    wr(&r, R_QUEUE_READY, 1);
    g_assert_cmpuint(rd(&r, R_QUEUE_READY), ==, 0);
    /* Larger than the maximum: the device needs a reset. */
    setup_queue(&r, 512);
    g_assert_cmpuint(rd(&r, R_QUEUE_READY), ==, 0);
    g_assert_cmphex(rd(&r, R_STATUS) & 64, ==, 64);
    /* The driver cannot clear NEEDS_RESET but by a reset. */
    wr(&r, R_STATUS, 1 | 2 | 8);
    g_assert_cmphex(rd(&r, R_STATUS) & 64, ==, 64);
    wr(&r, R_STATUS, 0);
    g_assert_cmphex(rd(&r, R_STATUS), ==, 0);

    /* A live queue's settings cannot change. */
    negotiate(&r, 0, 1);
    setup_queue(&r, 8);
    wr(&r, R_QUEUE_NUM, 4);
    wr(&r, R_DESC_LO, 0);
    g_assert_cmpuint(r.rng.vdev.vq[0].size, ==, 8);
    g_assert_cmphex(r.rng.vdev.vq[0].desc, ==, DESC_GPA);
    rig_free(&r);
}

static void test_hostile_ring(void)
{
    Rig r;
    rig_init(&r);
    negotiate(&r, 0, 1);
    setup_queue(&r, 8);
    wr(&r, R_STATUS, 1 | 2 | 8 | 4);
    /* A head index outside the queue: NEEDS_RESET and a config interrupt. */
    put16(AVAIL_GPA + 4, 9);
    put16(AVAIL_GPA + 2, 1);
    wr(&r, R_QUEUE_NOTIFY, 0);
    g_assert_cmphex(rd(&r, R_STATUS) & 64, ==, 64);
    g_assert_cmpuint(rd(&r, R_INT_STATUS), ==, 2);
    g_assert_true(irq_level);
    /* Further notifications do nothing until a reset. */
    submit(1, 8);
    wr(&r, R_QUEUE_NOTIFY, 0);
    g_assert_cmpuint(get16(USED_GPA + 2), ==, 0);
    rig_free(&r);
}

static void test_notify_before_driver_ok(void)
{
    Rig r;
    rig_init(&r);
    negotiate(&r, 0, 1);
    setup_queue(&r, 8);
    submit(0, 8);
    wr(&r, R_QUEUE_NOTIFY, 0);            /* before DRIVER_OK: not served */
    g_assert_cmpuint(get16(USED_GPA + 2), ==, 0);
    wr(&r, R_STATUS, 1 | 2 | 8 | 4);
    wr(&r, R_QUEUE_NOTIFY, 0);
    g_assert_cmpuint(get16(USED_GPA + 2), ==, 1);
    g_assert_cmpuint(rd(&r, R_CONFIG_GEN), ==, 0);
    rig_free(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virtio-mmio/discovery", test_discovery);
    g_test_add_func("/virtio-mmio/rng-request", test_request);
    g_test_add_func("/virtio-mmio/refused-features", test_refused_features);
    g_test_add_func("/virtio-mmio/queue-mistakes", test_queue_mistakes);
    g_test_add_func("/virtio-mmio/hostile-ring", test_hostile_ring);
    g_test_add_func("/virtio-mmio/notify-before-driver-ok", test_notify_before_driver_ok);
    return g_test_run();
}
