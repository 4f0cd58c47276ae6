/*
 * virtio-net: frames from the transmit queue go to the back end without
 * their virtio header; frames from the back end go into receive buffers
 * after a header saying "one buffer, no offloads". No offload features are
 * offered, so the driver sends plain frames and takes plain frames.
 *
 * Locking: everything entering the device holds vdev->lock. A frame arrives
 * with the NIC's network-client lock held, then takes vdev->lock; so the
 * device never flushes its queued frames while holding vdev->lock (that
 * would take the two the other way round): a receive-queue notification
 * schedules the flush in the main loop instead.
 */
#include "config.h"
#include "hw/virtio/virtio-net.h"

#include <string.h>

#define NET_QUEUE_SIZE 256
#define RXQ 0
#define TXQ 1
#define CONFIG_LEN 12

static bool running(VirtIONet *n)
{
    VirtIODevice *v = &n->vdev;
    return (v->status & VIRTIO_STATUS_DRIVER_OK) && !(v->status & VIRTIO_STATUS_NEEDS_RESET) &&
           v->vq[RXQ].ready && n->link_up;
}

/* ---- receive (from the back end) ---- */

static bool nic_can_receive(NetClient *nc)
{
    VirtIONet *n = nc->opaque;
    bool room;

    g_mutex_lock(&n->vdev.lock);
    /* A stopped device drops (receive says so); only a full one makes frames wait. */
    room = !running(n) || !virtqueue_empty(&n->vdev.vq[RXQ]);
    g_mutex_unlock(&n->vdev.lock);
    return room;
}

/* One frame into one receive chain: the length taken, 0 if no buffer now. */
static ssize_t rx_frame(VirtIONet *n, const struct iovec *iov, int iovcnt, size_t size)
{
    VirtQueue *vq = &n->vdev.vq[RXQ];
    VirtQueueElement e;
    uint8_t hdr[VIRTIO_NET_HDR_LEN] = { 0 };
    size_t off = sizeof(hdr);
    int r = virtqueue_pop(vq, &e);

    if (r == 0) {
        return 0;
    }
    if (r < 0) {
        virtio_error(&n->vdev, vq->error);
        return (ssize_t)size;
    }
    if (e.in_len < sizeof(hdr) + size) {
        n->rx_dropped++;        /* no merging of buffers is offered: it cannot fit */
        virtqueue_push(vq, &e, 0);
        return (ssize_t)size;
    }
    hdr[10] = 1;                /* num_buffers, little-endian */
    virtqueue_elem_write(vq, &e, 0, hdr, sizeof(hdr));
    for (int i = 0; i < iovcnt; i++) {
        virtqueue_elem_write(vq, &e, off, iov[i].iov_base, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    virtqueue_push(vq, &e, (uint32_t)off);
    return (ssize_t)size;
}

static ssize_t nic_receive(NetClient *nc, const struct iovec *iov, int iovcnt)
{
    VirtIONet *n = nc->opaque;
    size_t size = 0;
    ssize_t r;

    for (int i = 0; i < iovcnt; i++) {
        size += iov[i].iov_len;
    }
    g_mutex_lock(&n->vdev.lock);
    if (!running(n)) {
        n->rx_dropped++;
        r = (ssize_t)size;
    } else {
        r = rx_frame(n, iov, iovcnt, size);
        if (r > 0) {
            virtio_notify(&n->vdev, RXQ);
            if (n->vdev.vq[RXQ].broken) {
                virtio_error(&n->vdev, n->vdev.vq[RXQ].error);
            }
        }
    }
    g_mutex_unlock(&n->vdev.lock);
    return r;
}

static void flush_queued(void *opaque)
{
    VirtIONet *n = opaque;
    net_client_flush(n->nc);
}

static const NetClientOps nic_ops = {
    .type = "nic",
    .receive = nic_receive,
    .can_receive = nic_can_receive,
};

/* ---- transmit (to the back end) ---- */

static void tx_flush(VirtIONet *n)
{
    VirtQueue *vq = &n->vdev.vq[TXQ];
    VirtQueueElement e;

    while (virtqueue_pop(vq, &e) == 1) {
        if (e.out_len < VIRTIO_NET_HDR_LEN) {
            virtqueue_elem_free(&e);
            virtio_error(&n->vdev, "virtio-net: transmit buffer without a header");
            return;
        }
        uint64_t len = e.out_len - VIRTIO_NET_HDR_LEN;
        if (len <= NET_FRAME_MAX &&
            virtqueue_elem_read(vq, &e, VIRTIO_NET_HDR_LEN, n->txbuf, len) == len) {
            net_send(n->nc, n->txbuf, len);
        }
        if (!virtqueue_push(vq, &e, 0)) {
            return;
        }
    }
}

static void net_queue_notify(VirtIODevice *vdev, unsigned q)
{
    VirtIONet *n = vdev->opaque;

    if (q == TXQ) {
        tx_flush(n);
        virtio_notify(vdev, TXQ);
    } else {
        bh_schedule(n->flush_bh);   /* see the locking note above */
    }
}

static void net_get_config(VirtIODevice *vdev, uint8_t *c)
{
    VirtIONet *n = vdev->opaque;

    memset(c, 0, CONFIG_LEN);
    memcpy(c, n->mac, 6);
    c[6] = n->link_up ? VIRTIO_NET_S_LINK_UP : 0;
    c[8] = 1;                   /* max_virtqueue_pairs */
    c[10] = 1500 & 0xff;        /* mtu (meaningful only with F_MTU, not offered) */
    c[11] = 1500 >> 8;
}

static const VirtIODeviceOps net_ops = {
    .name = "virtio-net",
    .device_id = 1,
    .features = (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS),
    .get_config = net_get_config,
    .queue_notify = net_queue_notify,
};

bool virtio_net_init(VirtIONet *n, const char *name, NetClient *peer, const uint8_t mac[6],
                     const VirtQueueMemOps *mem, void *mem_opaque, GMainContext *ctx,
                     Error **errp)
{
    memset(n, 0, sizeof(*n));
    n->nc = net_client_new(&nic_ops, name, false, n, ctx);
    if (peer && !net_client_link(n->nc, peer, errp)) {
        net_client_free(n->nc);
        return false;
    }
    memcpy(n->mac, mac, 6);
    n->link_up = true;
    n->txbuf = g_malloc(NET_FRAME_MAX);
    n->flush_bh = bh_new(ctx, flush_queued, n);
    virtio_init(&n->vdev, &net_ops, n, 2, NET_QUEUE_SIZE, CONFIG_LEN, mem, mem_opaque);
    net_client_set_info(n->nc, "index=0,type=nic,model=virtio-net,macaddr=%02x:%02x:%02x:%02x:"
                        "%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return true;
}

void virtio_net_cleanup(VirtIONet *n)
{
    net_client_free(n->nc);
    bh_delete(n->flush_bh);
    virtio_cleanup(&n->vdev);
    g_free(n->txbuf);
}

void virtio_net_set_link(VirtIONet *n, bool up)
{
    g_mutex_lock(&n->vdev.lock);
    n->link_up = up;
    virtio_config_changed(&n->vdev);
    g_mutex_unlock(&n->vdev.lock);
    if (up) {
        bh_schedule(n->flush_bh);
    }
}
