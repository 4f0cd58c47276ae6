/*
 * Conventional PCI: a device's 256-byte configuration space with the
 * standard header (type 0), base address registers and their sizing
 * protocol, the capability list, INTx; a bus of 32 slots x 8 functions; and
 * the PC's configuration mechanism #1 (address at 0xcf8, data at 0xcfc).
 *
 * Guest writes go through per-byte masks (writable and write-1-to-clear
 * bits), so no register changes in a way the device did not allow. When a BAR
 * or the command register changes what a device decodes, the bus tells the
 * board (map_bar) so it can move the BAR's region in its address space.
 */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "libcore/error.h"

#define PCI_CONFIG_SIZE     256
#define PCI_NUM_BARS        6
#define PCI_SLOTS           32
#define PCI_DEVFN(slot, fn) (((slot) << 3) | (fn))

/* Header registers (type 0). */
#define PCI_VENDOR_ID       0x00
#define PCI_DEVICE_ID       0x02
#define PCI_COMMAND         0x04
#define PCI_STATUS          0x06
#define PCI_REVISION_ID     0x08
#define PCI_CLASS_PROG      0x09
#define PCI_CLASS_DEVICE    0x0a
#define PCI_HEADER_TYPE     0x0e
#define PCI_BAR0            0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID    0x2e
#define PCI_ROM_ADDRESS     0x30
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE  0x3c
#define PCI_INTERRUPT_PIN   0x3d

#define PCI_COMMAND_IO      0x0001
#define PCI_COMMAND_MEMORY  0x0002
#define PCI_COMMAND_MASTER  0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_INTERRUPT 0x0008
#define PCI_STATUS_CAP_LIST 0x0010

#define PCI_BAR_IO          0x01
#define PCI_BAR_MEM64       0x04
#define PCI_BAR_PREFETCH    0x08
#define PCI_BAR_UNMAPPED    UINT64_MAX

typedef struct PCIDevice PCIDevice;
typedef struct PCIBus PCIBus;

/* A BAR's register window: accesses at an offset into the BAR. */
typedef struct PCIBarOps {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t val, unsigned size);
} PCIBarOps;

typedef struct PCIBar {
    uint64_t size;              /* power of two; 0: unused */
    uint8_t type;               /* PCI_BAR_IO, PCI_BAR_MEM64, PCI_BAR_PREFETCH bits */
    uint64_t mapped;            /* address it decodes at, or PCI_BAR_UNMAPPED */
    const PCIBarOps *ops;
    void *opaque;
} PCIBar;

struct PCIDevice {
    char *name;
    PCIBus *bus;
    uint8_t devfn;
    uint8_t config[PCI_CONFIG_SIZE];
    uint8_t wmask[PCI_CONFIG_SIZE];     /* bits the guest may write */
    uint8_t w1cmask[PCI_CONFIG_SIZE];   /* bits the guest clears by writing 1 */
    PCIBar bars[PCI_NUM_BARS];
    uint8_t cap_next;                   /* where the next capability goes */
    bool intx_level;                    /* what the device asserts */
    /* Optional: after a guest write to config (already applied), e.g. a capability. */
    void (*config_written)(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned size);
    /* Optional: config reads a device computes (a capability's data window). */
    bool (*config_read)(PCIDevice *dev, uint32_t addr, unsigned size, uint32_t *val);
    void *opaque;
};

struct PCIBus {
    PCIDevice *devs[PCI_SLOTS * 8];
    uint32_t config_address;            /* 0xcf8 */
    /* The board: a BAR starts (addr) or stops (PCI_BAR_UNMAPPED) decoding. */
    void (*map_bar)(void *opaque, PCIDevice *dev, int bar, uint64_t old_addr, uint64_t addr);
    /* The board: INTx pin (0-3 = A-D) of slot changed level. */
    void (*set_intx)(void *opaque, int slot, int pin, bool level);
    void *opaque;
    GMutex lock;
};

PCIBus *pci_bus_new(void (*map_bar)(void *, PCIDevice *, int, uint64_t, uint64_t),
                    void (*set_intx)(void *, int, int, bool), void *opaque);
void pci_bus_free(PCIBus *bus);

/*
 * Fill dev's header and put it at devfn (-1: the first free slot, function 0).
 * pin: interrupt pin 1-4 (INTA-INTD), 0 for none.
 */
bool pci_device_init(PCIDevice *dev, PCIBus *bus, int devfn, const char *name,
                     uint16_t vendor, uint16_t device, uint8_t revision, uint32_t class_code,
                     uint8_t pin, Error **errp);
void pci_device_remove(PCIDevice *dev);
void pci_set_subsystem(PCIDevice *dev, uint16_t vendor, uint16_t id);
/* A BAR of size bytes (a power of two, at least 16 for memory, 4 for I/O). */
void pci_register_bar(PCIDevice *dev, int bar, uint8_t type, uint64_t size,
                      const PCIBarOps *ops, void *opaque);
/* Append a capability of len bytes (id and next filled in); its config offset. */
uint8_t pci_add_capability(PCIDevice *dev, uint8_t id, uint8_t len);
/* The device raises or lowers its interrupt pin (masked by INTX_DISABLE). */
void pci_set_irq(PCIDevice *dev, bool level);

/* Configuration space access (what mechanism #1 and tests use). */
uint32_t pci_config_read(PCIDevice *dev, uint32_t addr, unsigned size);
void pci_config_write(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned size);
/* System reset: command, BARs and interrupt state back to power-on. */
void pci_device_reset(PCIDevice *dev);

/* Configuration mechanism #1: the 8 ports at 0xcf8 (address) and 0xcfc (data). */
uint64_t pci_host_io_read(void *opaque, uint64_t offset, unsigned size);
void pci_host_io_write(void *opaque, uint64_t offset, uint64_t val, unsigned size);

/* Little-endian helpers on config space. */
static inline void pci_set_word(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void pci_set_long(uint8_t *p, uint32_t v) { pci_set_word(p, (uint16_t)v); pci_set_word(p + 2, (uint16_t)(v >> 16)); }
static inline uint16_t pci_get_word(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t pci_get_long(const uint8_t *p) { return pci_get_word(p) | (uint32_t)pci_get_word(p + 2) << 16; }

#endif
