/*
 * virtio-mmio register file. Registers below the configuration space take
 * 32-bit accesses only; anything else, and writes the specification forbids
 * at that point (queue settings of a live queue, features after FEATURES_OK),
 * are ignored and logged as guest errors.
 */
#include "config.h"
#include "hw/virtio/virtio-mmio.h"

#include <string.h>

#include "libcore/log.h"

enum {
    REG_MAGIC = 0x000, REG_VERSION = 0x004, REG_DEVICE_ID = 0x008, REG_VENDOR_ID = 0x00c,
    REG_DEV_FEATURES = 0x010, REG_DEV_FEATURES_SEL = 0x014,
    REG_DRV_FEATURES = 0x020, REG_DRV_FEATURES_SEL = 0x024,
    REG_QUEUE_SEL = 0x030, REG_QUEUE_NUM_MAX = 0x034, REG_QUEUE_NUM = 0x038,
    REG_QUEUE_READY = 0x044, REG_QUEUE_NOTIFY = 0x050,
    REG_INTERRUPT_STATUS = 0x060, REG_INTERRUPT_ACK = 0x064, REG_STATUS = 0x070,
    REG_QUEUE_DESC_LOW = 0x080, REG_QUEUE_DESC_HIGH = 0x084,
    REG_QUEUE_DRIVER_LOW = 0x090, REG_QUEUE_DRIVER_HIGH = 0x094,
    REG_QUEUE_DEVICE_LOW = 0x0a0, REG_QUEUE_DEVICE_HIGH = 0x0a4,
    REG_SHM_SEL = 0x0ac, REG_SHM_LEN_LOW = 0x0b0, REG_SHM_LEN_HIGH = 0x0b4,
    REG_SHM_BASE_LOW = 0x0b8, REG_SHM_BASE_HIGH = 0x0bc,
    REG_CONFIG_GENERATION = 0x0fc, REG_CONFIG = 0x100,
};

#define MAGIC 0x74726976u               /* "virt" */
#define VENDOR_ID 0x554d4551u           /* "QEMU", what guests expect of QEMU */

void virtio_mmio_init(VirtIOMMIO *t, VirtIODevice *vdev,
                      void (*set_irq)(void *opaque, bool level), void *irq_opaque)
{
    memset(t, 0, sizeof(*t));
    t->vdev = vdev;
    vdev->set_irq = set_irq;
    vdev->irq_opaque = irq_opaque;
}

void virtio_mmio_cleanup(VirtIOMMIO *t)
{
    t->vdev = NULL;
}

static VirtQueue *selected(VirtIOMMIO *t)
{
    return t->queue_sel < t->vdev->num_queues ? &t->vdev->vq[t->queue_sel] : NULL;
}

static uint32_t read_reg(VirtIOMMIO *t, uint64_t offset)
{
    VirtIODevice *vdev = t->vdev;
    VirtQueue *vq = selected(t);

    switch (offset) {
    case REG_MAGIC: return MAGIC;
    case REG_VERSION: return 2;
    case REG_DEVICE_ID: return vdev->ops->device_id;
    case REG_VENDOR_ID: return VENDOR_ID;
    case REG_DEV_FEATURES: return virtio_read_features(vdev, t->dev_features_sel);
    case REG_QUEUE_NUM_MAX: return vq ? vdev->queue_max : 0;
    case REG_QUEUE_READY: return vq && vq->ready;
    case REG_INTERRUPT_STATUS: return virtio_isr_read(vdev);
    case REG_STATUS: return vdev->status;
    case REG_CONFIG_GENERATION: return vdev->config_generation;
    /* No shared memory regions: a length of all ones says "none". */
    case REG_SHM_LEN_LOW: case REG_SHM_LEN_HIGH:
    case REG_SHM_BASE_LOW: case REG_SHM_BASE_HIGH: return 0xffffffffu;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "%s: read of register 0x%03x ignored\n",
                  vdev->ops->name, (unsigned)offset);
    return 0;
}

/* Set the low or high half of a 64-bit queue address. */
static void set_half(uint64_t *field, bool high, uint32_t val)
{
    *field = high ? (*field & 0xffffffffull) | (uint64_t)val << 32
                  : (*field & ~0xffffffffull) | val;
}

/* Queue settings: only for an existing queue that is not live. */
static void write_queue_reg(VirtIOMMIO *t, uint64_t offset, uint32_t val)
{
    VirtQueue *vq = selected(t);

    if (!vq || vq->ready) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: queue %u: register 0x%03x write ignored\n",
                      t->vdev->ops->name, t->queue_sel, (unsigned)offset);
        return;
    }
    switch (offset) {
    case REG_QUEUE_NUM: vq->size = val > VIRTQUEUE_MAX_SIZE ? 0 : (uint16_t)val; break;
    case REG_QUEUE_DESC_LOW: case REG_QUEUE_DESC_HIGH:
        set_half(&vq->desc, offset == REG_QUEUE_DESC_HIGH, val); break;
    case REG_QUEUE_DRIVER_LOW: case REG_QUEUE_DRIVER_HIGH:
        set_half(&vq->avail, offset == REG_QUEUE_DRIVER_HIGH, val); break;
    case REG_QUEUE_DEVICE_LOW: case REG_QUEUE_DEVICE_HIGH:
        set_half(&vq->used, offset == REG_QUEUE_DEVICE_HIGH, val); break;
    }
}

static void write_queue_ready(VirtIOMMIO *t, uint32_t val)
{
    VirtQueue *vq = selected(t);

    if (!vq) {
        return;
    }
    if (val & 1) {
        if (!vq->ready) {
            virtio_queue_enable(t->vdev, t->queue_sel);
        }
    } else {
        vq->ready = false;
    }
}

static void write_reg(VirtIOMMIO *t, uint64_t offset, uint32_t val)
{
    VirtIODevice *vdev = t->vdev;

    switch (offset) {
    case REG_DEV_FEATURES_SEL: t->dev_features_sel = val; return;
    case REG_DRV_FEATURES: virtio_write_features(vdev, t->drv_features_sel, val); return;
    case REG_DRV_FEATURES_SEL: t->drv_features_sel = val; return;
    case REG_QUEUE_SEL: t->queue_sel = val; return;
    case REG_QUEUE_NUM:
    case REG_QUEUE_DESC_LOW: case REG_QUEUE_DESC_HIGH:
    case REG_QUEUE_DRIVER_LOW: case REG_QUEUE_DRIVER_HIGH:
    case REG_QUEUE_DEVICE_LOW: case REG_QUEUE_DEVICE_HIGH:
        write_queue_reg(t, offset, val); return;
    case REG_QUEUE_READY: write_queue_ready(t, val); return;
    case REG_QUEUE_NOTIFY: virtio_queue_notify(vdev, val & 0xffff); return;
    case REG_INTERRUPT_ACK: virtio_isr_ack(vdev, (uint8_t)val); return;
    case REG_STATUS:
        virtio_set_status(vdev, (uint8_t)val);
        if (val == 0) {
            t->dev_features_sel = t->drv_features_sel = t->queue_sel = 0;
        }
        return;
    case REG_SHM_SEL: return;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "%s: write of register 0x%03x ignored\n",
                  vdev->ops->name, (unsigned)offset);
}

uint64_t virtio_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    VirtIOMMIO *t = opaque;
    uint64_t v = 0;

    g_mutex_lock(&t->vdev->lock);
    if (offset >= REG_CONFIG) {
        v = virtio_config_read(t->vdev, (uint32_t)(offset - REG_CONFIG), size);
    } else if (size == 4 && !(offset & 3)) {
        v = read_reg(t, offset);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: %u-byte read at 0x%03x ignored\n",
                      t->vdev->ops->name, size, (unsigned)offset);
    }
    g_mutex_unlock(&t->vdev->lock);
    return v;
}

void virtio_mmio_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    VirtIOMMIO *t = opaque;

    g_mutex_lock(&t->vdev->lock);
    if (offset >= REG_CONFIG) {
        virtio_config_write(t->vdev, (uint32_t)(offset - REG_CONFIG), val, size);
    } else if (size == 4 && !(offset & 3)) {
        write_reg(t, offset, (uint32_t)val);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: %u-byte write at 0x%03x ignored\n",
                      t->vdev->ops->name, size, (unsigned)offset);
    }
    g_mutex_unlock(&t->vdev->lock);
}
