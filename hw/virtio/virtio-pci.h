/*
 * The virtio PCI transport, modern (virtio 1.x section 4.1, non-transitional:
 * device id 0x1040 + virtio id, no legacy I/O BAR): the common configuration,
 * interrupt status, device configuration and notification structures in one
 * 64-bit memory BAR (BAR 4), found through vendor capabilities, plus the
 * configuration-space access window. Interrupts are INTx: no MSI-X is offered,
 * so drivers read the interrupt status register.
 */
#ifndef HW_VIRTIO_VIRTIO_PCI_H
#define HW_VIRTIO_VIRTIO_PCI_H

#include "hw/pci/pci.h"
#include "hw/virtio/virtio.h"

#define VIRTIO_PCI_VENDOR       0x1af4
#define VIRTIO_PCI_DEVICE_BASE  0x1040
#define VIRTIO_PCI_BAR          4
#define VIRTIO_PCI_BAR_SIZE     0x4000
/* Structure offsets in the BAR and the capability types that point at them. */
#define VIRTIO_PCI_COMMON       0x0000
#define VIRTIO_PCI_ISR          0x1000
#define VIRTIO_PCI_DEVICE       0x2000
#define VIRTIO_PCI_NOTIFY       0x3000
#define VIRTIO_PCI_NOTIFY_MULT  4
#define VIRTIO_PCI_CAP_COMMON   1
#define VIRTIO_PCI_CAP_NOTIFY   2
#define VIRTIO_PCI_CAP_ISR      3
#define VIRTIO_PCI_CAP_DEVICE   4
#define VIRTIO_PCI_CAP_PCI_CFG  5

typedef struct VirtIOPCI {
    PCIDevice pci;
    VirtIODevice *vdev;
    uint32_t dfselect, gfselect;
    uint16_t queue_select;
    uint8_t cfg_cap;            /* config offset of the PCI_CFG capability */
} VirtIOPCI;

/* Put vdev on bus at devfn (-1: first free slot). */
bool virtio_pci_init(VirtIOPCI *p, VirtIODevice *vdev, PCIBus *bus, int devfn,
                     const char *name, Error **errp);
void virtio_pci_cleanup(VirtIOPCI *p);

/* The BAR's register window (also reached through the PCI_CFG capability). */
uint64_t virtio_pci_bar_read(void *opaque, uint64_t offset, unsigned size);
void virtio_pci_bar_write(void *opaque, uint64_t offset, uint64_t val, unsigned size);

#endif
