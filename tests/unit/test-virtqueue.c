/*
 * The split virtqueue walker against a driver played by the test: chains,
 * indirect tables, the used ring, notification suppression, index wrap-around,
 * and every way a hostile ring must break the queue instead of reaching
 * outside guest RAM.
 */
#include "config.h"
#include "hw/virtio/virtqueue.h"

#include <glib.h>
#include <string.h>

/* Guest RAM: one window of 256 KiB at 0x10000; everything else is a hole. */
#define RAM_BASE 0x10000u
#define RAM_SIZE (256u * 1024)
#define QSIZE 8
#define DESC_GPA  (RAM_BASE)
#define AVAIL_GPA (RAM_BASE + 0x1000)
#define USED_GPA  (RAM_BASE + 0x2000)
#define DATA_GPA  (RAM_BASE + 0x4000)
#define INDIR_GPA (RAM_BASE + 0x3000)

#include "tests/unit/test-ram.h"

static void put16(uint64_t gpa, uint16_t v) { v = GUINT16_TO_LE(v); memcpy(at(gpa), &v, 2); }
static uint16_t get16(uint64_t gpa) { uint16_t v; memcpy(&v, at(gpa), 2); return GUINT16_FROM_LE(v); }
static uint32_t get32(uint64_t gpa) { uint32_t v; memcpy(&v, at(gpa), 4); return GUINT32_FROM_LE(v); }

static void set_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    uint8_t *p = at(table + 16 * i);
    uint64_t a = GUINT64_TO_LE(addr);
    uint32_t l = GUINT32_TO_LE(len);
    uint16_t f = GUINT16_TO_LE(flags), n = GUINT16_TO_LE(next);
    memcpy(p, &a, 8);
    memcpy(p + 8, &l, 4);
    memcpy(p + 12, &f, 2);
    memcpy(p + 14, &n, 2);
}

/* The driver's view: the next available slot. */
static uint16_t drv_avail_idx;

static void make_available(uint16_t head)
{
    put16(AVAIL_GPA + 4 + 2 * (drv_avail_idx % QSIZE), head);
    drv_avail_idx++;
    put16(AVAIL_GPA + 2, drv_avail_idx);
}

static void setup(VirtQueue *vq, bool event_idx)
{
    memset(ram, 0, sizeof(ram));
    drv_avail_idx = 0;
    virtqueue_init(vq, &ram_ops, NULL);
    vq->size = QSIZE;
    vq->desc = DESC_GPA;
    vq->avail = AVAIL_GPA;
    vq->used = USED_GPA;
    vq->event_idx = event_idx;
    g_assert_true(virtqueue_validate_config(vq));
    vq->ready = true;
}

static void expect_broken(VirtQueue *vq, const char *why)
{
    VirtQueueElement e;
    g_assert_cmpint(virtqueue_pop(vq, &e), ==, -1);
    g_assert_true(vq->broken);
    if (!strstr(vq->error, why)) {
        g_error("error \"%s\" does not mention \"%s\"", vq->error, why);
    }
    /* Broken stays broken. */
    g_assert_cmpint(virtqueue_pop(vq, &e), ==, -1);
    g_assert_true(virtqueue_empty(vq));
}

static void test_request_reply(void)
{
    VirtQueue vq;
    VirtQueueElement e;
    char buf[32] = "";

    setup(&vq, false);
    g_assert_true(virtqueue_empty(&vq));
    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 0);
    memcpy(at(DATA_GPA), "hello, ", 7);
    memcpy(at(DATA_GPA + 0x100), "device", 6);
    set_desc(DESC_GPA, 3, DATA_GPA, 7, VRING_DESC_F_NEXT, 5);
    set_desc(DESC_GPA, 5, DATA_GPA + 0x100, 6, VRING_DESC_F_NEXT, 1);
    set_desc(DESC_GPA, 1, DATA_GPA + 0x200, 16, VRING_DESC_F_WRITE, 0);
    make_available(3);
    g_assert_false(virtqueue_empty(&vq));

    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 1);
    g_assert_cmpuint(e.head, ==, 3);
    g_assert_cmpuint(e.out_num, ==, 2);
    g_assert_cmpuint(e.in_num, ==, 1);
    g_assert_cmpuint(e.out_len, ==, 13);
    g_assert_cmpuint(e.in_len, ==, 16);
    g_assert_cmpuint(virtqueue_elem_read(&vq, &e, 0, buf, sizeof(buf)), ==, 13);
    g_assert_cmpstr(buf, ==, "hello, device");
    /* An offset that starts inside the second segment. */
    memset(buf, 0, sizeof(buf));
    g_assert_cmpuint(virtqueue_elem_read(&vq, &e, 9, buf, 3), ==, 3);
    g_assert_cmpstr(buf, ==, "vic");
    g_assert_cmpuint(virtqueue_elem_write(&vq, &e, 0, "answer, and more than fits", 26), ==, 16);
    g_assert_cmpint(memcmp(at(DATA_GPA + 0x200), "answer, and more", 16), ==, 0);
    g_assert_true(virtqueue_push(&vq, &e, 16));
    g_assert_cmpuint(get16(USED_GPA + 2), ==, 1);
    g_assert_cmpuint(get32(USED_GPA + 4), ==, 3);
    g_assert_cmpuint(get32(USED_GPA + 8), ==, 16);
    g_assert_true(virtqueue_empty(&vq));
    g_assert_cmpuint(vq.inflight, ==, 0);
    g_assert_false(vq.broken);
}

static void test_not_ready(void)
{
    VirtQueue vq;
    VirtQueueElement e;

    setup(&vq, false);
    set_desc(DESC_GPA, 0, DATA_GPA, 4, 0, 0);
    make_available(0);
    vq.ready = false;
    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 0);
    vq.ready = true;
    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 1);
    virtqueue_unpop(&vq, &e);
    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 1);
    g_assert_cmpuint(e.head, ==, 0);
    virtqueue_elem_free(&e);
}

static void test_indirect(void)
{
    VirtQueue vq;
    VirtQueueElement e;

    setup(&vq, false);
    set_desc(INDIR_GPA, 0, DATA_GPA, 10, VRING_DESC_F_NEXT, 2);
    set_desc(INDIR_GPA, 2, DATA_GPA + 0x40, 20, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
    set_desc(INDIR_GPA, 1, DATA_GPA + 0x80, 30, VRING_DESC_F_WRITE, 0);
    set_desc(DESC_GPA, 4, INDIR_GPA, 3 * 16, VRING_DESC_F_INDIRECT, 0);
    make_available(4);
    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 1);
    g_assert_cmpuint(e.head, ==, 4);
    g_assert_cmpuint(e.out_num, ==, 1);
    g_assert_cmpuint(e.in_num, ==, 2);
    g_assert_cmpuint(e.in_len, ==, 50);
    g_assert_cmphex(e.in[1].addr, ==, DATA_GPA + 0x80);
    g_assert_true(virtqueue_push(&vq, &e, 0));
}

static void test_many_segments(void)
{
    VirtQueue vq;
    VirtQueueElement e;

    /* An indirect table of 100 one-byte buffers grows the segment arrays. */
    setup(&vq, false);
    for (unsigned i = 0; i < 100; i++) {
        set_desc(INDIR_GPA, i, DATA_GPA + i, 1, i < 99 ? VRING_DESC_F_NEXT : 0, i + 1);
        at(DATA_GPA)[i] = (uint8_t)i;
    }
    set_desc(DESC_GPA, 0, INDIR_GPA, 100 * 16, VRING_DESC_F_INDIRECT, 0);
    make_available(0);
    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 1);
    g_assert_cmpuint(e.out_num, ==, 100);
    uint8_t b[100];
    g_assert_cmpuint(virtqueue_elem_read(&vq, &e, 0, b, 100), ==, 100);
    g_assert_cmpint(b[57], ==, 57);
    virtqueue_elem_free(&e);
}

static void test_wraparound(void)
{
    VirtQueue vq;
    VirtQueueElement e;

    /* 70000 round trips: the 16-bit ring indexes wrap. */
    setup(&vq, false);
    set_desc(DESC_GPA, 2, DATA_GPA, 8, VRING_DESC_F_WRITE, 0);
    for (unsigned n = 0; n < 70000; n++) {
        make_available(2);
        g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 1);
        g_assert_true(virtqueue_push(&vq, &e, 8));
    }
    g_assert_cmpuint(get16(USED_GPA + 2), ==, (uint16_t)70000);
    g_assert_true(virtqueue_empty(&vq));
    g_assert_false(vq.broken);
}

static void test_loop(void)
{
    VirtQueue vq;

    setup(&vq, false);
    set_desc(DESC_GPA, 0, DATA_GPA, 1, VRING_DESC_F_NEXT, 1);
    set_desc(DESC_GPA, 1, DATA_GPA, 1, VRING_DESC_F_NEXT, 0);
    make_available(0);
    expect_broken(&vq, "loops");
}

static void test_indirect_loop(void)
{
    VirtQueue vq;

    setup(&vq, false);
    set_desc(INDIR_GPA, 0, DATA_GPA, 1, VRING_DESC_F_NEXT, 1);
    set_desc(INDIR_GPA, 1, DATA_GPA, 1, VRING_DESC_F_NEXT, 0);
    set_desc(DESC_GPA, 0, INDIR_GPA, 32, VRING_DESC_F_INDIRECT, 0);
    make_available(0);
    expect_broken(&vq, "loops");
}

static void test_bad_head(void)
{
    VirtQueue vq;

    setup(&vq, false);
    make_available(QSIZE);
    expect_broken(&vq, "head");
}

static void test_bad_next(void)
{
    VirtQueue vq;

    setup(&vq, false);
    set_desc(DESC_GPA, 0, DATA_GPA, 1, VRING_DESC_F_NEXT, 200);
    make_available(0);
    expect_broken(&vq, "next index");
}

static void test_order(void)
{
    VirtQueue vq;

    setup(&vq, false);
    set_desc(DESC_GPA, 0, DATA_GPA, 1, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
    set_desc(DESC_GPA, 1, DATA_GPA, 1, 0, 0);
    make_available(0);
    expect_broken(&vq, "readable");
}

static void test_nested_indirect(void)
{
    VirtQueue vq;

    setup(&vq, false);
    set_desc(INDIR_GPA, 0, INDIR_GPA, 16, VRING_DESC_F_INDIRECT, 0);
    set_desc(DESC_GPA, 0, INDIR_GPA, 16, VRING_DESC_F_INDIRECT, 0);
    make_available(0);
    expect_broken(&vq, "inside an indirect");
}

static void test_indirect_shapes(void)
{
    static const struct { uint32_t len; uint16_t flags; const char *why; } bad[] = {
        { 0, VRING_DESC_F_INDIRECT, "indirect table of 0" },
        { 24, VRING_DESC_F_INDIRECT, "indirect table of 24" },
        { 16 * (VIRTQUEUE_MAX_INDIRECT + 1), VRING_DESC_F_INDIRECT, "indirect table of" },
        { 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, "only one" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        VirtQueue vq;
        setup(&vq, false);
        set_desc(DESC_GPA, 0, INDIR_GPA, bad[i].len, bad[i].flags, 1);
        make_available(0);
        expect_broken(&vq, bad[i].why);
    }
    /* An indirect descriptor after a direct one. */
    VirtQueue vq;
    setup(&vq, false);
    set_desc(DESC_GPA, 0, DATA_GPA, 1, VRING_DESC_F_NEXT, 1);
    set_desc(DESC_GPA, 1, INDIR_GPA, 16, VRING_DESC_F_INDIRECT, 0);
    make_available(0);
    expect_broken(&vq, "only one");
}

static void test_index_ahead(void)
{
    VirtQueue vq;

    setup(&vq, false);
    put16(AVAIL_GPA + 2, QSIZE + 1);
    expect_broken(&vq, "ahead");
}

static void test_rings_outside_ram(void)
{
    VirtQueue vq;
    VirtQueueElement e;

    setup(&vq, false);
    vq.avail = 0x100;
    expect_broken(&vq, "not guest RAM");

    /* A descriptor table that ends past RAM. */
    setup(&vq, false);
    vq.desc = RAM_BASE + RAM_SIZE - 16 * 2;
    put16(AVAIL_GPA + 4, 5);
    put16(AVAIL_GPA + 2, 1);
    expect_broken(&vq, "not guest RAM");

    /* A buffer outside RAM: short copy, then broken. */
    setup(&vq, false);
    set_desc(DESC_GPA, 0, RAM_BASE + RAM_SIZE - 4, 8, 0, 0);
    make_available(0);
    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 1);
    uint8_t b[8];
    g_assert_cmpuint(virtqueue_elem_read(&vq, &e, 0, b, 8), ==, 0);
    g_assert_true(vq.broken);
    g_assert_false(virtqueue_push(&vq, &e, 0));

    /* A used ring outside RAM. */
    setup(&vq, false);
    set_desc(DESC_GPA, 0, DATA_GPA, 8, 0, 0);
    make_available(0);
    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 1);
    vq.used = 0x40;
    g_assert_false(virtqueue_push(&vq, &e, 0));
    g_assert_true(vq.broken);

    /* With event_idx, pop itself writes the used ring (avail_event). */
    setup(&vq, true);
    set_desc(DESC_GPA, 0, DATA_GPA, 8, 0, 0);
    make_available(0);
    vq.used = 0x40;
    expect_broken(&vq, "not guest RAM");
}

static void test_config(void)
{
    static const struct { uint16_t size; uint64_t desc, avail, used; } bad[] = {
        { 0, DESC_GPA, AVAIL_GPA, USED_GPA },
        { 3, DESC_GPA, AVAIL_GPA, USED_GPA },
        { 8, DESC_GPA + 8, AVAIL_GPA, USED_GPA },
        { 8, DESC_GPA, AVAIL_GPA + 1, USED_GPA },
        { 8, DESC_GPA, AVAIL_GPA, USED_GPA + 2 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        VirtQueue vq;
        virtqueue_init(&vq, &ram_ops, NULL);
        vq.size = bad[i].size;
        vq.desc = bad[i].desc;
        vq.avail = bad[i].avail;
        vq.used = bad[i].used;
        g_assert_false(virtqueue_validate_config(&vq));
        g_assert_true(vq.broken);
        virtqueue_reset(&vq);
        g_assert_false(vq.broken);
    }
}

static void test_notify_flags(void)
{
    VirtQueue vq;
    VirtQueueElement e;

    setup(&vq, false);
    set_desc(DESC_GPA, 0, DATA_GPA, 8, VRING_DESC_F_WRITE, 0);
    make_available(0);
    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 1);
    g_assert_true(virtqueue_push(&vq, &e, 0));
    g_assert_true(virtqueue_should_notify(&vq));
    put16(AVAIL_GPA, VRING_AVAIL_F_NO_INTERRUPT);
    g_assert_false(virtqueue_should_notify(&vq));

    virtqueue_set_notification(&vq, false);
    g_assert_cmpuint(get16(USED_GPA), ==, VRING_USED_F_NO_NOTIFY);
    virtqueue_set_notification(&vq, true);
    g_assert_cmpuint(get16(USED_GPA), ==, 0);
}

static void test_notify_event_idx(void)
{
    VirtQueue vq;
    VirtQueueElement e;
    const uint64_t used_event = AVAIL_GPA + 4 + 2 * QSIZE;
    const uint64_t avail_event = USED_GPA + 4 + 8 * QSIZE;

    setup(&vq, true);
    set_desc(DESC_GPA, 0, DATA_GPA, 8, VRING_DESC_F_WRITE, 0);
    /* The driver wants an interrupt once used entry 1 (the second) is filled. */
    put16(used_event, 1);
    make_available(0);
    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 1);
    g_assert_cmpuint(get16(avail_event), ==, 1);
    g_assert_true(virtqueue_push(&vq, &e, 0));
    g_assert_true(virtqueue_should_notify(&vq));    /* the first one always */
    make_available(0);
    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 1);
    g_assert_true(virtqueue_push(&vq, &e, 0));
    g_assert_true(virtqueue_should_notify(&vq));    /* used index passed 1 */
    make_available(0);
    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 1);
    g_assert_true(virtqueue_push(&vq, &e, 0));
    g_assert_false(virtqueue_should_notify(&vq));   /* event still at 1 */

    /* With notifications off, popping leaves avail_event alone. */
    virtqueue_set_notification(&vq, false);
    make_available(0);
    g_assert_cmpint(virtqueue_pop(&vq, &e), ==, 1);
    g_assert_cmpuint(get16(avail_event), ==, 3);
    virtqueue_set_notification(&vq, true);
    g_assert_cmpuint(get16(avail_event), ==, 4);
    virtqueue_elem_free(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virtqueue/request-reply", test_request_reply);
    g_test_add_func("/virtqueue/not-ready-and-unpop", test_not_ready);
    g_test_add_func("/virtqueue/indirect", test_indirect);
    g_test_add_func("/virtqueue/many-segments", test_many_segments);
    g_test_add_func("/virtqueue/wraparound", test_wraparound);
    g_test_add_func("/virtqueue/bad/loop", test_loop);
    g_test_add_func("/virtqueue/bad/indirect-loop", test_indirect_loop);
    g_test_add_func("/virtqueue/bad/head", test_bad_head);
    g_test_add_func("/virtqueue/bad/next", test_bad_next);
    g_test_add_func("/virtqueue/bad/readable-after-writable", test_order);
    g_test_add_func("/virtqueue/bad/nested-indirect", test_nested_indirect);
    g_test_add_func("/virtqueue/bad/indirect-shapes", test_indirect_shapes);
    g_test_add_func("/virtqueue/bad/index-ahead", test_index_ahead);
    g_test_add_func("/virtqueue/bad/outside-ram", test_rings_outside_ram);
    g_test_add_func("/virtqueue/config", test_config);
    g_test_add_func("/virtqueue/notify/flags", test_notify_flags);
    g_test_add_func("/virtqueue/notify/event-idx", test_notify_event_idx);
    return g_test_run();
}
