/*
 * The transport-independent virtio device: what the driver negotiates
 * (features, status), the queues it configures, the configuration space and
 * the interrupt status, with the rules of virtio 1.x section 3.1 enforced on
 * the device side.
 */
#include "config.h"
#include "hw/virtio/virtio.h"

#include <glib.h>
#include <string.h>

#include "libcore/log.h"

#define COMMON_FEATURES ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_INDIRECT_DESC) | \
                         (1ull << VIRTIO_F_EVENT_IDX))

void virtio_init(VirtIODevice *vdev, const VirtIODeviceOps *ops, void *opaque,
                 unsigned num_queues, uint16_t queue_max, size_t config_len,
                 const VirtQueueMemOps *mem, void *mem_opaque)
{
    g_assert(config_len <= VIRTIO_CONFIG_MAX);
    g_assert(queue_max && !(queue_max & (queue_max - 1)) && queue_max <= VIRTQUEUE_MAX_SIZE);
    memset(vdev, 0, sizeof(*vdev));
    vdev->ops = ops;
    vdev->opaque = opaque;
    vdev->num_queues = num_queues;
    vdev->queue_max = queue_max;
    vdev->config_len = config_len;
    vdev->host_features = COMMON_FEATURES | ops->features;
    vdev->vq = g_new0(VirtQueue, num_queues);
    g_mutex_init(&vdev->lock);
    for (unsigned i = 0; i < num_queues; i++) {
        virtqueue_init(&vdev->vq[i], mem, mem_opaque);
    }
}

void virtio_cleanup(VirtIODevice *vdev)
{
    g_free(vdev->vq);
    g_mutex_clear(&vdev->lock);
    vdev->vq = NULL;
    vdev->num_queues = 0;
}

static void update_irq(VirtIODevice *vdev)
{
    if (vdev->set_irq) {
        vdev->set_irq(vdev->irq_opaque, vdev->isr != 0);
    }
}

void virtio_reset(VirtIODevice *vdev)
{
    if (vdev->ops->reset) {
        vdev->ops->reset(vdev);
    }
    for (unsigned i = 0; i < vdev->num_queues; i++) {
        virtqueue_reset(&vdev->vq[i]);
        if (vdev->queue_size_starts_max) {
            vdev->vq[i].size = vdev->queue_max;
        }
    }
    vdev->guest_features = 0;
    vdev->status = 0;
    vdev->isr = 0;
    update_irq(vdev);
}

bool virtio_has_feature(const VirtIODevice *vdev, unsigned bit)
{
    return bit < 64 && (vdev->guest_features >> bit) & 1;
}

uint32_t virtio_read_features(VirtIODevice *vdev, unsigned sel)
{
    return sel < 2 ? (uint32_t)(vdev->host_features >> (32 * sel)) : 0;
}

void virtio_write_features(VirtIODevice *vdev, unsigned sel, uint32_t bits)
{
    /* Features are fixed once the driver accepted them (3.1.1 step 5). */
    if (sel >= 2 || (vdev->status & VIRTIO_STATUS_FEATURES_OK)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: feature write (bank %u) ignored\n",
                      vdev->ops->name, sel);
        return;
    }
    uint64_t mask = 0xffffffffull << (32 * sel);
    vdev->guest_features = (vdev->guest_features & ~mask) | ((uint64_t)bits << (32 * sel));
}

static bool features_acceptable(const VirtIODevice *vdev)
{
    return !(vdev->guest_features & ~vdev->host_features) &&
           virtio_has_feature(vdev, VIRTIO_F_VERSION_1);
}

void virtio_set_status(VirtIODevice *vdev, uint8_t status)
{
    if (status == 0) {
        virtio_reset(vdev);
        return;
    }
    if ((status & VIRTIO_STATUS_FEATURES_OK) && !(vdev->status & VIRTIO_STATUS_FEATURES_OK) &&
        !features_acceptable(vdev)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: features 0x%" G_GINT64_MODIFIER "x refused\n",
                      vdev->ops->name, vdev->guest_features);
        status &= ~VIRTIO_STATUS_FEATURES_OK;
    }
    /* NEEDS_RESET is the device's to set, never the driver's to clear. */
    vdev->status = status | (vdev->status & VIRTIO_STATUS_NEEDS_RESET);
}

bool virtio_queue_enable(VirtIODevice *vdev, unsigned n)
{
    VirtQueue *vq;

    if (n >= vdev->num_queues) {
        return false;
    }
    vq = &vdev->vq[n];
    vq->event_idx = virtio_has_feature(vdev, VIRTIO_F_EVENT_IDX);
    if (vq->size > vdev->queue_max || !virtqueue_validate_config(vq)) {
        virtio_error(vdev, vq->broken ? vq->error : "queue larger than its maximum");
        return false;
    }
    vq->ready = true;
    return true;
}

void virtio_queue_notify(VirtIODevice *vdev, unsigned n)
{
    if (n >= vdev->num_queues || !vdev->vq[n].ready ||
        !(vdev->status & VIRTIO_STATUS_DRIVER_OK) ||
        (vdev->status & VIRTIO_STATUS_NEEDS_RESET)) {
        return;
    }
    vdev->ops->queue_notify(vdev, n);
    if (vdev->vq[n].broken) {
        virtio_error(vdev, vdev->vq[n].error);
    }
}

uint64_t virtio_config_read(VirtIODevice *vdev, uint32_t offset, unsigned size)
{
    uint64_t v = 0;

    if (size > 8 || offset > vdev->config_len || size > vdev->config_len - offset) {
        return 0;
    }
    if (vdev->ops->get_config) {
        vdev->ops->get_config(vdev, vdev->config);
    }
    memcpy(&v, vdev->config + offset, size);   /* little-endian host */
    return GUINT64_FROM_LE(v);
}

void virtio_config_write(VirtIODevice *vdev, uint32_t offset, uint64_t val, unsigned size)
{
    uint64_t le = GUINT64_TO_LE(val);

    if (size > 8 || offset > vdev->config_len || size > vdev->config_len - offset) {
        return;
    }
    if (vdev->ops->get_config) {
        vdev->ops->get_config(vdev, vdev->config);
    }
    memcpy(vdev->config + offset, &le, size);
    if (vdev->ops->set_config) {
        vdev->ops->set_config(vdev, vdev->config);
    }
}

void virtio_config_changed(VirtIODevice *vdev)
{
    vdev->config_generation++;
    if (vdev->status & VIRTIO_STATUS_DRIVER_OK) {
        vdev->isr |= VIRTIO_ISR_CONFIG;
        update_irq(vdev);
    }
}

void virtio_notify(VirtIODevice *vdev, unsigned n)
{
    if (n < vdev->num_queues && virtqueue_should_notify(&vdev->vq[n])) {
        vdev->isr |= VIRTIO_ISR_QUEUE;
        update_irq(vdev);
    }
}

uint8_t virtio_isr_read(VirtIODevice *vdev)
{
    return vdev->isr;
}

void virtio_isr_ack(VirtIODevice *vdev, uint8_t bits)
{
    vdev->isr &= ~bits;
    update_irq(vdev);
}

void virtio_error(VirtIODevice *vdev, const char *why)
{
    qemu_log_mask(LOG_GUEST_ERROR, "%s: %s\n", vdev->ops->name, why);
    vdev->status |= VIRTIO_STATUS_NEEDS_RESET;
    if (vdev->status & VIRTIO_STATUS_DRIVER_OK) {
        vdev->isr |= VIRTIO_ISR_CONFIG;
        update_irq(vdev);
    }
}
