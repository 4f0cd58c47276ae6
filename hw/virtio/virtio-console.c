/*
 * virtio-console, single port. Receive buffers are taken one at a time: the
 * chardev is told the room of the buffer at the head of the receive queue and
 * fills it; transmitted bytes go to the chardev as they come.
 *
 * Locking as virtio-net: the chardev calls in (room, bytes) and takes the
 * device lock, so the device never asks the chardev to resume reading while
 * holding it; a receive-queue notification schedules that in the main loop.
 */
#include "config.h"
#include "hw/virtio/virtio-console.h"

#include <string.h>

#define RXQ 0
#define TXQ 1
#define QUEUE_SIZE 128
#define CONFIG_LEN 12

static bool running(VirtIOConsole *c)
{
    VirtIODevice *v = &c->vdev;
    return (v->status & VIRTIO_STATUS_DRIVER_OK) && !(v->status & VIRTIO_STATUS_NEEDS_RESET) &&
           v->vq[RXQ].ready;
}

/* ---- host to guest ---- */

static size_t con_can_read(void *opaque)
{
    VirtIOConsole *c = opaque;
    size_t room = 0;

    g_mutex_lock(&c->vdev.lock);
    if (running(c)) {
        if (!c->rx_held && virtqueue_pop(&c->vdev.vq[RXQ], &c->rx) == 1) {
            c->rx_held = true;
        }
        room = c->rx_held ? (size_t)MIN(c->rx.in_len, (uint64_t)G_MAXSIZE) : 0;
    }
    g_mutex_unlock(&c->vdev.lock);
    return room;
}

static void con_read(void *opaque, const uint8_t *buf, size_t len)
{
    VirtIOConsole *c = opaque;
    VirtQueue *vq = &c->vdev.vq[RXQ];

    g_mutex_lock(&c->vdev.lock);
    if (c->rx_held && running(c)) {
        size_t n = virtqueue_elem_write(vq, &c->rx, 0, buf, len);
        c->rx_held = false;
        virtqueue_push(vq, &c->rx, (uint32_t)n);
        virtio_notify(&c->vdev, RXQ);
        if (vq->broken) {
            virtio_error(&c->vdev, vq->error);
        }
    }
    g_mutex_unlock(&c->vdev.lock);
}

static void resume_input(void *opaque)
{
    VirtIOConsole *c = opaque;
    chardev_accept_input(c->chr);
}

/* ---- guest to host ---- */

static void tx_flush(VirtIOConsole *c)
{
    VirtQueue *vq = &c->vdev.vq[TXQ];
    VirtQueueElement e;
    uint8_t buf[4096];

    while (virtqueue_pop(vq, &e) == 1) {
        for (uint64_t off = 0; off < e.out_len;) {
            size_t n = virtqueue_elem_read(vq, &e, off, buf, sizeof(buf));
            if (!n) {
                break;
            }
            chardev_write_all(c->chr, buf, n);
            off += n;
        }
        if (!virtqueue_push(vq, &e, 0)) {
            break;
        }
    }
    virtio_notify(&c->vdev, TXQ);
}

static void con_notify(VirtIODevice *vdev, unsigned q)
{
    VirtIOConsole *c = vdev->opaque;

    if (q == TXQ) {
        tx_flush(c);
    } else {
        bh_schedule(c->resume_bh);
    }
}

static void con_get_config(VirtIODevice *vdev, uint8_t *cfg)
{
    VirtIOConsole *c = vdev->opaque;

    memset(cfg, 0, CONFIG_LEN);
    cfg[0] = (uint8_t)c->cols;
    cfg[1] = (uint8_t)(c->cols >> 8);
    cfg[2] = (uint8_t)c->rows;
    cfg[3] = (uint8_t)(c->rows >> 8);
    cfg[4] = 1;                 /* max_nr_ports */
}

static void con_set_config(VirtIODevice *vdev, const uint8_t *cfg)
{
    VirtIOConsole *c = vdev->opaque;
    uint32_t emerg = cfg[8] | cfg[9] << 8 | cfg[10] << 16 | (uint32_t)cfg[11] << 24;

    /* emerg_wr: one character out even before the queues work. */
    if (emerg && virtio_has_feature(vdev, VIRTIO_CONSOLE_F_EMERG_WRITE)) {
        uint8_t ch = (uint8_t)emerg;
        chardev_write_all(c->chr, &ch, 1);
    }
}

static void con_reset(VirtIODevice *vdev)
{
    VirtIOConsole *c = vdev->opaque;

    if (c->rx_held) {
        virtqueue_elem_free(&c->rx);
        c->rx_held = false;
    }
}

static const VirtIODeviceOps console_ops = {
    .name = "virtio-console",
    .device_id = 3,
    .features = (1ull << VIRTIO_CONSOLE_F_SIZE) | (1ull << VIRTIO_CONSOLE_F_EMERG_WRITE),
    .get_config = con_get_config,
    .set_config = con_set_config,
    .queue_notify = con_notify,
    .reset = con_reset,
};

bool virtio_console_init(VirtIOConsole *c, Chardev *chr, const VirtQueueMemOps *mem,
                         void *mem_opaque, GMainContext *ctx, Error **errp)
{
    memset(c, 0, sizeof(*c));
    c->chr = chr;
    c->cols = 80;
    c->rows = 25;
    virtio_init(&c->vdev, &console_ops, c, 2, QUEUE_SIZE, CONFIG_LEN, mem, mem_opaque);
    CharFrontend fe = { con_can_read, con_read, NULL, c };
    if (!chardev_set_frontend(chr, &fe, errp)) {
        virtio_cleanup(&c->vdev);
        return false;
    }
    c->resume_bh = bh_new(ctx, resume_input, c);
    return true;
}

void virtio_console_cleanup(VirtIOConsole *c)
{
    chardev_clear_frontend(c->chr);
    bh_delete(c->resume_bh);
    con_reset(&c->vdev);
    virtio_cleanup(&c->vdev);
}

void virtio_console_resize(VirtIOConsole *c, uint16_t cols, uint16_t rows)
{
    g_mutex_lock(&c->vdev.lock);
    c->cols = cols;
    c->rows = rows;
    virtio_config_changed(&c->vdev);
    g_mutex_unlock(&c->vdev.lock);
}
