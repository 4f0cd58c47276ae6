/*
 * virtio-net against a back end played by the test: transmitted frames reach
 * it without their virtio header, received frames land in the guest's
 * buffers after a header, frames wait while the guest has no buffers and are
 * delivered once it posts some, and the guest mistakes are refused.
 */
#include "config.h"
#include "hw/virtio/virtio-net.h"

#include <glib.h>
#include <string.h>

#define RAM_BASE 0x200000u
#define RAM_SIZE (1u << 20)
#define QSIZE 8
/* Queue 0 (receive) and 1 (transmit) rings. */
#define DESC(q)  (RAM_BASE + 0x0000 + (q) * 0x4000)
#define AVAIL(q) (RAM_BASE + 0x1000 + (q) * 0x4000)
#define USED(q)  (RAM_BASE + 0x2000 + (q) * 0x4000)
#define BUF(i)   (RAM_BASE + 0x10000 + (i) * 0x1000)

#include "tests/unit/test-ram.h"

/* The back end: records what the NIC sends. */
static GPtrArray *sent;

static ssize_t be_receive(NetClient *nc, const struct iovec *iov, int iovcnt)
{
    GByteArray *b = g_byte_array_new();
    for (int i = 0; i < iovcnt; i++) {
        g_byte_array_append(b, iov[i].iov_base, iov[i].iov_len);
    }
    g_ptr_array_add(sent, b);
    return (ssize_t)b->len;
}

static const NetClientOps be_ops = { .type = "test", .receive = be_receive };

typedef struct Rig {
    VirtIONet n;
    NetClient *be;
    uint16_t avail[2];
} Rig;

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };

static void rig_init(Rig *r, bool driver_ok)
{
    memset(ram, 0, sizeof(ram));
    memset(r->avail, 0, sizeof(r->avail));
    sent = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
    r->be = net_client_new(&be_ops, "be", true, NULL, NULL);
    g_assert_true(virtio_net_init(&r->n, "nic0", r->be, mac, &ram_ops, NULL, NULL, NULL));
    VirtIODevice *v = &r->n.vdev;
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
    if (driver_ok) {
        virtio_set_status(v, 1 | 2 | 8 | 4);
    }
}

static void rig_free(Rig *r)
{
    virtio_net_cleanup(&r->n);
    net_client_free(r->be);
    g_ptr_array_free(sent, TRUE);
}

/* Post one buffer (descriptor i of queue q) and notify. */
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
    g_mutex_lock(&r->n.vdev.lock);
    virtio_queue_notify(&r->n.vdev, q);
    g_mutex_unlock(&r->n.vdev.lock);
}

static uint16_t used_idx(unsigned q)
{
    uint16_t v;
    memcpy(&v, at(USED(q) + 2), 2);
    return v;
}

static uint32_t used_len(unsigned q, unsigned slot)
{
    uint32_t v;
    memcpy(&v, at(USED(q) + 4 + 8 * slot + 4), 4);
    return v;
}

static void test_config(void)
{
    Rig r;
    rig_init(&r, true);
    uint64_t m = virtio_config_read(&r.n.vdev, 0, 4) | virtio_config_read(&r.n.vdev, 4, 2) << 32;
    g_assert_cmphex(m, ==, 0xefcdab005452ull);
    g_assert_cmpuint(virtio_config_read(&r.n.vdev, 6, 2), ==, 1);
    virtio_net_set_link(&r.n, false);
    g_assert_cmpuint(virtio_config_read(&r.n.vdev, 6, 2), ==, 0);
    g_assert_cmpuint(r.n.vdev.isr & VIRTIO_ISR_CONFIG, !=, 0);
    g_autofree char *info = net_info_text();
    g_assert_nonnull(strstr(info, "nic0: index=0,type=nic,model=virtio-net,macaddr=52:54:00:ab:cd:ef"));
    rig_free(&r);
}

static void test_transmit(void)
{
    Rig r;
    rig_init(&r, true);
    memset(at(BUF(0)), 0, VIRTIO_NET_HDR_LEN);
    memcpy(at(BUF(0)) + VIRTIO_NET_HDR_LEN, "an ethernet frame", 17);
    post(&r, 1, 0, BUF(0), VIRTIO_NET_HDR_LEN + 17, false);
    g_assert_cmpuint(sent->len, ==, 1);
    GByteArray *b = g_ptr_array_index(sent, 0);
    g_assert_cmpmem(b->data, b->len, "an ethernet frame", 17);
    g_assert_cmpuint(used_idx(1), ==, 1);
    rig_free(&r);
}

static void test_receive(void)
{
    Rig r;
    rig_init(&r, true);
    post(&r, 0, 0, BUF(1), 2048, true);
    g_assert_cmpint(net_send(r.be, "incoming frame", 14), ==, 14);
    g_assert_cmpuint(used_idx(0), ==, 1);
    g_assert_cmpuint(used_len(0, 0), ==, VIRTIO_NET_HDR_LEN + 14);
    g_assert_cmpuint(at(BUF(1))[10], ==, 1);       /* num_buffers */
    g_assert_cmpmem(at(BUF(1)) + VIRTIO_NET_HDR_LEN, 14, "incoming frame", 14);
    g_assert_cmpuint(r.n.vdev.isr & VIRTIO_ISR_QUEUE, !=, 0);

    /* No buffer: the frame waits, then arrives once the guest posts one. */
    g_assert_cmpint(net_send(r.be, "later", 5), ==, 0);
    g_assert_cmpuint(used_idx(0), ==, 1);
    post(&r, 0, 1, BUF(2), 2048, true);
    for (int i = 0; i < 100 && used_idx(0) < 2; i++) {
        main_loop_wait(NULL, false);
    }
    g_assert_cmpuint(used_idx(0), ==, 2);
    g_assert_cmpmem(at(BUF(2)) + VIRTIO_NET_HDR_LEN, 5, "later", 5);

    /* Too big for the buffer: dropped, the buffer returned empty. */
    post(&r, 0, 2, BUF(3), 16, true);
    g_assert_cmpint(net_send(r.be, "a frame longer than four bytes", 30), ==, 30);
    g_assert_cmpuint(used_idx(0), ==, 3);
    g_assert_cmpuint(used_len(0, 2), ==, 0);
    g_assert_cmpuint(r.n.rx_dropped, ==, 1);
    rig_free(&r);
}

static void test_stopped_and_bad(void)
{
    Rig r;
    rig_init(&r, false);
    /* Before DRIVER_OK frames are dropped, not queued. */
    g_assert_cmpint(net_send(r.be, "early", 5), ==, 5);
    g_assert_true(g_queue_is_empty(&r.n.nc->queue));
    g_assert_cmpuint(r.n.rx_dropped, ==, 1);
    virtio_set_status(&r.n.vdev, 1 | 2 | 8 | 4);
    /* A transmit buffer shorter than the header: the device needs a reset. */
    post(&r, 1, 0, BUF(0), 4, false);
    g_assert_cmpuint(sent->len, ==, 0);
    g_assert_true(r.n.vdev.status & VIRTIO_STATUS_NEEDS_RESET);
    rig_free(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virtio-net/config", test_config);
    g_test_add_func("/virtio-net/transmit", test_transmit);
    g_test_add_func("/virtio-net/receive", test_receive);
    g_test_add_func("/virtio-net/stopped-and-bad", test_stopped_and_bad);
    return g_test_run();
}
