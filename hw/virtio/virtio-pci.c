/*
 * virtio over PCI, modern layout. The common configuration structure maps
 * the driver's accesses onto the device core (virtio.c); a queue's settings
 * can change only while it is not enabled, and its size starts at the
 * device's maximum as the specification wants (the driver may lower it).
 * Reading the interrupt status clears it and lowers INTx.
 */
#include "config.h"
#include "hw/virtio/virtio-pci.h"

#include <string.h>

#include "libcore/log.h"

/* Common configuration fields (4.1.4.3). */
enum {
    CC_DFSELECT = 0, CC_DF = 4, CC_GFSELECT = 8, CC_GF = 12, CC_MSIX = 16, CC_NUMQ = 18,
    CC_STATUS = 20, CC_CFGGEN = 21, CC_Q_SELECT = 22, CC_Q_SIZE = 24, CC_Q_MSIX = 26,
    CC_Q_ENABLE = 28, CC_Q_NOFF = 30, CC_Q_DESC = 32, CC_Q_DRIVER = 40, CC_Q_DEVICE = 48,
    CC_END = 56,
};

#define NO_VECTOR 0xffff
#define CAP_VNDR 0x09
#define REGION_LEN 0x1000

static VirtQueue *sel_queue(VirtIOPCI *p)
{
    return p->queue_select < p->vdev->num_queues ? &p->vdev->vq[p->queue_select] : NULL;
}

static uint64_t queue_addr_field(VirtQueue *vq, uint64_t off)
{
    uint64_t *f = off < CC_Q_DRIVER ? &vq->desc : off < CC_Q_DEVICE ? &vq->avail : &vq->used;
    return (off & 4) ? *f >> 32 : (uint32_t)*f;
}

static uint64_t common_read(VirtIOPCI *p, uint64_t off)
{
    VirtIODevice *v = p->vdev;
    VirtQueue *vq = sel_queue(p);

    switch (off) {
    case CC_DFSELECT: return p->dfselect;
    case CC_DF: return virtio_read_features(v, p->dfselect);
    case CC_GFSELECT: return p->gfselect;
    case CC_GF: return p->gfselect < 2 ? (uint32_t)(v->guest_features >> (32 * p->gfselect)) : 0;
    case CC_MSIX: case CC_Q_MSIX: return NO_VECTOR;
    case CC_NUMQ: return v->num_queues;
    case CC_STATUS: return v->status;
    case CC_CFGGEN: return (uint8_t)v->config_generation;
    case CC_Q_SELECT: return p->queue_select;
    case CC_Q_SIZE: return vq ? vq->size : 0;
    case CC_Q_ENABLE: return vq && vq->ready;
    case CC_Q_NOFF: return vq ? p->queue_select : 0;
    }
    if (off >= CC_Q_DESC && off < CC_END && vq) {
        return queue_addr_field(vq, off);
    }
    return 0;
}

static void set_queue_addr(VirtQueue *vq, uint64_t off, uint32_t val)
{
    uint64_t *f = off < CC_Q_DRIVER ? &vq->desc : off < CC_Q_DEVICE ? &vq->avail : &vq->used;
    *f = (off & 4) ? (*f & 0xffffffffull) | (uint64_t)val << 32 : (*f & ~0xffffffffull) | val;
}

/* Queue settings: only for an existing queue that is not enabled. */
static void queue_write(VirtIOPCI *p, uint64_t off, uint32_t val)
{
    VirtQueue *vq = sel_queue(p);

    if (!vq || vq->ready) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: queue %u setting 0x%02x ignored\n",
                      p->vdev->ops->name, p->queue_select, (unsigned)off);
        return;
    }
    if (off == CC_Q_SIZE) {
        vq->size = (uint16_t)val;
    } else if (off == CC_Q_ENABLE) {
        if (val == 1) {
            virtio_queue_enable(p->vdev, p->queue_select);
        }
    } else {
        set_queue_addr(vq, off, val);
    }
}

static void common_write(VirtIOPCI *p, uint64_t off, uint32_t val)
{
    VirtIODevice *v = p->vdev;

    switch (off) {
    case CC_DFSELECT: p->dfselect = val; return;
    case CC_GFSELECT: p->gfselect = val; return;
    case CC_GF: virtio_write_features(v, p->gfselect, val); return;
    case CC_MSIX: case CC_Q_MSIX: return;      /* no MSI-X: stays NO_VECTOR */
    case CC_STATUS:
        virtio_set_status(v, (uint8_t)val);
        if ((uint8_t)val == 0) {
            p->dfselect = p->gfselect = p->queue_select = 0;
        }
        return;
    case CC_Q_SELECT: p->queue_select = (uint16_t)val; return;
    }
    if (off == CC_Q_SIZE || off == CC_Q_ENABLE || (off >= CC_Q_DESC && off < CC_END)) {
        queue_write(p, off, val);
        return;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "%s: common config write at 0x%02x ignored\n",
                  v->ops->name, (unsigned)off);
}

uint64_t virtio_pci_bar_read(void *opaque, uint64_t offset, unsigned size)
{
    VirtIOPCI *p = opaque;
    VirtIODevice *v = p->vdev;
    uint64_t val = 0;

    g_mutex_lock(&v->lock);
    if (offset < VIRTIO_PCI_COMMON + REGION_LEN) {
        val = common_read(p, offset);
        if (size < 4) {
            val &= (1u << (8 * size)) - 1;
        }
    } else if (offset < VIRTIO_PCI_ISR + REGION_LEN) {
        if (offset == VIRTIO_PCI_ISR) {
            val = virtio_isr_read(v);
            virtio_isr_ack(v, (uint8_t)val);    /* reading clears it */
        }
    } else if (offset < VIRTIO_PCI_DEVICE + REGION_LEN) {
        val = virtio_config_read(v, (uint32_t)(offset - VIRTIO_PCI_DEVICE), size);
    }
    g_mutex_unlock(&v->lock);
    return val;
}

void virtio_pci_bar_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    VirtIOPCI *p = opaque;
    VirtIODevice *v = p->vdev;

    g_mutex_lock(&v->lock);
    if (offset < VIRTIO_PCI_COMMON + REGION_LEN) {
        common_write(p, offset, (uint32_t)val);
    } else if (offset >= VIRTIO_PCI_DEVICE && offset < VIRTIO_PCI_DEVICE + REGION_LEN) {
        virtio_config_write(v, (uint32_t)(offset - VIRTIO_PCI_DEVICE), val, size);
    } else if (offset >= VIRTIO_PCI_NOTIFY && offset < VIRTIO_PCI_NOTIFY + REGION_LEN) {
        virtio_queue_notify(v, (unsigned)((offset - VIRTIO_PCI_NOTIFY) / VIRTIO_PCI_NOTIFY_MULT));
    }
    g_mutex_unlock(&v->lock);
}

static const PCIBarOps bar_ops = { virtio_pci_bar_read, virtio_pci_bar_write };

/* ---- capabilities ---- */

static uint8_t add_cap(VirtIOPCI *p, uint8_t type, uint32_t offset, uint32_t length,
                       uint8_t len)
{
    uint8_t at = pci_add_capability(&p->pci, CAP_VNDR, len);
    uint8_t *c = p->pci.config + at;

    c[2] = len;
    c[3] = type;
    c[4] = VIRTIO_PCI_BAR;
    pci_set_long(c + 8, offset);
    pci_set_long(c + 12, length);
    return at;
}

/* The PCI_CFG window: bar/offset/length chosen by the driver, then data. */
static bool window_ok(VirtIOPCI *p, uint32_t *off, unsigned *len)
{
    const uint8_t *c = p->pci.config + p->cfg_cap;

    *off = pci_get_long(c + 8);
    *len = pci_get_long(c + 12);
    return c[4] == VIRTIO_PCI_BAR && (*len == 1 || *len == 2 || *len == 4) &&
           *off < VIRTIO_PCI_BAR_SIZE && *len <= VIRTIO_PCI_BAR_SIZE - *off;
}

static bool cfg_window_read(PCIDevice *dev, uint32_t addr, unsigned size, uint32_t *val)
{
    VirtIOPCI *p = dev->opaque;
    uint32_t off;
    unsigned len;

    if (addr != p->cfg_cap + 16u || !window_ok(p, &off, &len)) {
        return false;
    }
    *val = (uint32_t)virtio_pci_bar_read(p, off, len);
    return true;
}

static void cfg_window_write(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned size)
{
    VirtIOPCI *p = dev->opaque;
    uint32_t off;
    unsigned len;

    if (addr == p->cfg_cap + 16u && window_ok(p, &off, &len)) {
        virtio_pci_bar_write(p, off, val, len);
    }
}

static void set_irq(void *opaque, bool level)
{
    pci_set_irq(opaque, level);
}

static uint32_t class_of(uint16_t device_id)
{
    switch (device_id) {
    case 1: return 0x020000;    /* network: Ethernet */
    case 2: return 0x010000;    /* storage: SCSI */
    case 3: return 0x078000;    /* communication: other */
    default: return 0x00ff00;   /* unclassified */
    }
}

bool virtio_pci_init(VirtIOPCI *p, VirtIODevice *vdev, PCIBus *bus, int devfn,
                     const char *name, Error **errp)
{
    memset(p, 0, sizeof(*p));
    p->vdev = vdev;
    if (!pci_device_init(&p->pci, bus, devfn, name, VIRTIO_PCI_VENDOR,
                         (uint16_t)(VIRTIO_PCI_DEVICE_BASE + vdev->ops->device_id), 1,
                         class_of(vdev->ops->device_id), 1, errp)) {
        return false;
    }
    pci_set_subsystem(&p->pci, VIRTIO_PCI_VENDOR, 0x1100);
    pci_register_bar(&p->pci, VIRTIO_PCI_BAR, PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
                     VIRTIO_PCI_BAR_SIZE, &bar_ops, p);
    add_cap(p, VIRTIO_PCI_CAP_COMMON, VIRTIO_PCI_COMMON, REGION_LEN, 16);
    add_cap(p, VIRTIO_PCI_CAP_ISR, VIRTIO_PCI_ISR, REGION_LEN, 16);
    if (vdev->config_len) {
        add_cap(p, VIRTIO_PCI_CAP_DEVICE, VIRTIO_PCI_DEVICE, REGION_LEN, 16);
    }
    uint8_t n = add_cap(p, VIRTIO_PCI_CAP_NOTIFY, VIRTIO_PCI_NOTIFY, REGION_LEN, 20);
    pci_set_long(p->pci.config + n + 16, VIRTIO_PCI_NOTIFY_MULT);
    p->cfg_cap = add_cap(p, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 20);
    /* The window's bar, offset, length and data are the driver's to write. */
    p->pci.wmask[p->cfg_cap + 4] = 0xff;
    memset(p->pci.wmask + p->cfg_cap + 8, 0xff, 12);
    p->pci.opaque = p;
    p->pci.config_read = cfg_window_read;
    p->pci.config_written = cfg_window_write;
    vdev->set_irq = set_irq;
    vdev->irq_opaque = &p->pci;
    /* Queues offer their largest size until the driver picks a smaller one. */
    vdev->queue_size_starts_max = true;
    for (unsigned i = 0; i < vdev->num_queues; i++) {
        vdev->vq[i].size = vdev->queue_max;
    }
    return true;
}

void virtio_pci_cleanup(VirtIOPCI *p)
{
    pci_device_remove(&p->pci);
}
