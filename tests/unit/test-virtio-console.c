/*
 * virtio-console on a ringbuf chardev: the guest's output reaches the chardev,
 * input fills the guest's receive buffers (and waits for them), emergency
 * writes, the console size, and the one-front-end rule.
 */
#include "config.h"
#include "hw/virtio/virtio-console.h"

#include <glib.h>
#include <string.h>

#define RAM_BASE 0x100000u
#define RAM_SIZE (1u << 20)
#include "tests/unit/test-ram.h"

#define QSIZE 8
#define DESC(q)  (RAM_BASE + 0x0000 + (q) * 0x4000)
#define AVAIL(q) (RAM_BASE + 0x1000 + (q) * 0x4000)
#define USED(q)  (RAM_BASE + 0x2000 + (q) * 0x4000)
#define BUF(i)   (RAM_BASE + 0x10000 + (i) * 0x1000)

typedef struct Rig {
    VirtIOConsole c;
    Chardev *chr;
    uint16_t avail[2];
} Rig;

static void rig_init(Rig *r)
{
    memset(ram, 0, sizeof(ram));
    memset(r->avail, 0, sizeof(r->avail));
    r->chr = chardev_new_str("ringbuf,id=con0", NULL, NULL);
    g_assert_nonnull(r->chr);
    g_assert_true(virtio_console_init(&r->c, r->chr, &ram_ops, NULL, NULL, NULL));
    VirtIODevice *v = &r->c.vdev;
    virtio_set_status(v, 1 | 2);
    virtio_write_features(v, 0, virtio_read_features(v, 0));
    virtio_write_features(v, 1, 1);
    virtio_set_status(v, 1 | 2 | 8);
    for (unsigned q = 0; q < 2; q++) {
        v->vq[q].size = QSIZE;
        v->vq[q].desc = DESC(q);
        v->vq[q].avail = AVAIL(q);
        v->vq[q].used = USED(q);
        g_assert_true(virtio_queue_enable(v, q));
    }
    virtio_set_status(v, 1 | 2 | 8 | 4);
}

static void rig_free(Rig *r)
{
    virtio_console_cleanup(&r->c);
    chardev_free(r->chr);
}

static void post(Rig *r, unsigned q, unsigned i, uint64_t addr, uint32_t len, bool writable)
{
    uint8_t *d = at(DESC(q) + 16 * i);
    uint16_t flags = writable ? 2 : 0, next = 0, head = (uint16_t)i;
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
    memcpy(at(AVAIL(q) + 4 + 2 * (r->avail[q] % QSIZE)), &head, 2);
    r->avail[q]++;
    memcpy(at(AVAIL(q) + 2), &r->avail[q], 2);
    g_mutex_lock(&r->c.vdev.lock);
    virtio_queue_notify(&r->c.vdev, q);
    g_mutex_unlock(&r->c.vdev.lock);
}

static uint16_t used_idx(unsigned q)
{
    uint16_t v;
    memcpy(&v, at(USED(q) + 2), 2);
    return v;
}

static void test_output(void)
{
    Rig r;
    rig_init(&r);
    memcpy(at(BUF(0)), "hello, host", 11);
    post(&r, 1, 0, BUF(0), 11, false);
    g_assert_cmpuint(used_idx(1), ==, 1);
    g_autofree char *out = chardev_ringbuf_read(r.chr, 100, "utf8", NULL);
    g_assert_cmpstr(out, ==, "hello, host");
    /* An emergency write goes straight out. */
    virtio_config_write(&r.c.vdev, 8, 'Z', 4);
    g_autofree char *z = chardev_ringbuf_read(r.chr, 100, "utf8", NULL);
    g_assert_cmpstr(z, ==, "Z");
    rig_free(&r);
}

static void test_input(void)
{
    Rig r;
    rig_init(&r);
    /* No receive buffer yet: nothing can be taken. */
    g_assert_true(chardev_ringbuf_write(r.chr, "lost", "utf8", NULL));
    g_assert_cmpuint(used_idx(0), ==, 0);
    post(&r, 0, 0, BUF(1), 16, true);
    for (int i = 0; i < 10; i++) {
        main_loop_wait(NULL, false);        /* the resume bottom half */
    }
    g_assert_true(chardev_ringbuf_write(r.chr, "keys", "utf8", NULL));
    g_assert_cmpuint(used_idx(0), ==, 1);
    g_assert_cmpmem(at(BUF(1)), 4, "keys", 4);
    uint32_t len;
    memcpy(&len, at(USED(0) + 8), 4);
    g_assert_cmpuint(len, ==, 4);
    g_assert_cmpuint(r.c.vdev.isr & VIRTIO_ISR_QUEUE, !=, 0);
    rig_free(&r);
}

static void test_config_and_frontend(void)
{
    Rig r;
    rig_init(&r);
    g_assert_cmpuint(virtio_config_read(&r.c.vdev, 0, 2), ==, 80);
    g_assert_cmpuint(virtio_config_read(&r.c.vdev, 2, 2), ==, 25);
    g_assert_cmpuint(virtio_config_read(&r.c.vdev, 4, 4), ==, 1);
    virtio_console_resize(&r.c, 132, 43);
    g_assert_cmpuint(virtio_config_read(&r.c.vdev, 0, 2), ==, 132);
    g_assert_cmpuint(r.c.vdev.isr & VIRTIO_ISR_CONFIG, !=, 0);
    VirtIOConsole second;
    Error *err = NULL;
    g_assert_false(virtio_console_init(&second, r.chr, &ram_ops, NULL, NULL, &err));
    g_assert_nonnull(strstr(error_message(err), "in use"));
    error_free(err);
    rig_free(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virtio-console/output", test_output);
    g_test_add_func("/virtio-console/input", test_input);
    g_test_add_func("/virtio-console/config-and-frontend", test_config_and_frontend);
    return g_test_run();
}
