/*
 * The transport-independent part of a virtio 1.x device: feature
 * negotiation, the device status byte, the queues, the configuration space
 * and the interrupt status. A device model fills one VirtIODeviceOps table;
 * a transport (virtio-mmio, virtio-pci) maps its registers onto the calls
 * below and raises the interrupt line the device asks for.
 */
#ifndef HW_VIRTIO_VIRTIO_H
#define HW_VIRTIO_VIRTIO_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/virtio/virtqueue.h"

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE       1
#define VIRTIO_STATUS_DRIVER            2
#define VIRTIO_STATUS_DRIVER_OK         4
#define VIRTIO_STATUS_FEATURES_OK       8
#define VIRTIO_STATUS_NEEDS_RESET       64
#define VIRTIO_STATUS_FAILED            128

/* Device-independent feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC          28
#define VIRTIO_F_EVENT_IDX              29
#define VIRTIO_F_VERSION_1              32

/* Interrupt status bits (the ISR). */
#define VIRTIO_ISR_QUEUE                1
#define VIRTIO_ISR_CONFIG               2

#define VIRTIO_CONFIG_MAX               256

typedef struct VirtIODevice VirtIODevice;

typedef struct VirtIODeviceOps {
    const char *name;               /* "virtio-rng" */
    uint16_t device_id;             /* 5.x: 2 block, 3 console, 4 entropy ... */
    /* Device-specific feature bits offered besides the common ones. */
    uint64_t features;
    /* Fill the configuration space (vdev->config_len bytes) from device state. */
    void (*get_config)(VirtIODevice *vdev, uint8_t *config);
    /* Optional: the driver wrote the configuration space (already copied in). */
    void (*set_config)(VirtIODevice *vdev, const uint8_t *config);
    /* The driver notified queue n (it is ready and validated). */
    void (*queue_notify)(VirtIODevice *vdev, unsigned n);
    /* Optional: the device was reset; drop in-flight work. */
    void (*reset)(VirtIODevice *vdev);
} VirtIODeviceOps;

struct VirtIODevice {
    const VirtIODeviceOps *ops;
    void *opaque;                   /* the device model's state */
    unsigned num_queues;
    VirtQueue *vq;
    uint16_t queue_max;             /* largest size the driver may choose */
    bool queue_size_starts_max;     /* PCI: a reset queue offers queue_max (mmio: 0) */
    uint64_t host_features;         /* offered: common | ops->features */
    uint64_t guest_features;        /* what the driver wrote */
    uint8_t status;
    uint8_t isr;
    uint32_t config_generation;
    size_t config_len;
    uint8_t config[VIRTIO_CONFIG_MAX];
    /* Set by the transport: drive the interrupt line (level). */
    void (*set_irq)(void *opaque, bool level);
    void *irq_opaque;
    /*
     * Held around everything that enters the device: the transport's register
     * accesses (several vCPUs) and a back end's input (net receive). Device
     * code never calls out to a peer that could call back in while holding it
     * on the receive side; see docs/system.md.
     */
    GMutex lock;
};

/*
 * Set up vdev for a device model with num_queues queues of at most queue_max
 * entries and config_len bytes of configuration space, reaching guest
 * memory through mem. Common features offered: VERSION_1, INDIRECT_DESC and
 * EVENT_IDX.
 */
void virtio_init(VirtIODevice *vdev, const VirtIODeviceOps *ops, void *opaque,
                 unsigned num_queues, uint16_t queue_max, size_t config_len,
                 const VirtQueueMemOps *mem, void *mem_opaque);
void virtio_cleanup(VirtIODevice *vdev);
/* Device reset (status written 0, or a system reset). */
void virtio_reset(VirtIODevice *vdev);

/*
 * The driver writes the status byte. Setting FEATURES_OK keeps the bit only
 * when the features written are a subset of those offered and include
 * VERSION_1 (the driver reads the status back to learn which).
 */
void virtio_set_status(VirtIODevice *vdev, uint8_t status);
/* The driver writes 32 feature bits of bank sel (0: bits 0-31, 1: 32-63). */
void virtio_write_features(VirtIODevice *vdev, unsigned sel, uint32_t bits);
uint32_t virtio_read_features(VirtIODevice *vdev, unsigned sel);
bool virtio_has_feature(const VirtIODevice *vdev, unsigned bit);

/*
 * Make queue n usable after the driver configured it; false (and the device
 * marked as needing reset) when the configuration is invalid.
 */
bool virtio_queue_enable(VirtIODevice *vdev, unsigned n);
/* The driver's notification for queue n (ignored when not ready). */
void virtio_queue_notify(VirtIODevice *vdev, unsigned n);

/* The configuration space, refreshed from the device before a read. */
uint64_t virtio_config_read(VirtIODevice *vdev, uint32_t offset, unsigned size);
void virtio_config_write(VirtIODevice *vdev, uint32_t offset, uint64_t val, unsigned size);
/* The device changed its configuration: new generation and a config interrupt. */
void virtio_config_changed(VirtIODevice *vdev);

/* After pushing to queue n: interrupt the driver if it asked for one. */
void virtio_notify(VirtIODevice *vdev, unsigned n);
/* Read and acknowledge the interrupt status. */
uint8_t virtio_isr_read(VirtIODevice *vdev);
void virtio_isr_ack(VirtIODevice *vdev, uint8_t bits);

/*
 * The device met a guest error it cannot go on from (a broken queue, a bad
 * request layout): set DEVICE_NEEDS_RESET and tell the driver.
 */
void virtio_error(VirtIODevice *vdev, const char *why);

#endif
