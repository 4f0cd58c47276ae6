/*
 * PCI configuration space, BAR decoding and INTx, and the PC's
 * configuration mechanism #1. See pci.h for the rules.
 */
#include "config.h"
#include "hw/pci/pci.h"

#include <string.h>

PCIBus *pci_bus_new(void (*map_bar)(void *, PCIDevice *, int, uint64_t, uint64_t),
                    void (*set_intx)(void *, int, int, bool), void *opaque)
{
    PCIBus *bus = g_new0(PCIBus, 1);

    bus->map_bar = map_bar;
    bus->set_intx = set_intx;
    bus->opaque = opaque;
    g_mutex_init(&bus->lock);
    return bus;
}

void pci_bus_free(PCIBus *bus)
{
    if (bus) {
        g_mutex_clear(&bus->lock);
        g_free(bus);
    }
}

static void set_mask(uint8_t *mask, unsigned off, unsigned len, uint8_t v)
{
    memset(mask + off, v, len);
}

bool pci_device_init(PCIDevice *dev, PCIBus *bus, int devfn, const char *name,
                     uint16_t vendor, uint16_t device, uint8_t revision, uint32_t class_code,
                     uint8_t pin, Error **errp)
{
    if (devfn < 0) {
        for (int slot = 0; slot < PCI_SLOTS && devfn < 0; slot++) {
            devfn = bus->devs[PCI_DEVFN(slot, 0)] ? -1 : PCI_DEVFN(slot, 0);
        }
        if (devfn < 0) {
            error_setf(errp, "PCI bus is full: no free slot for %s", name);
            return false;
        }
    }
    if (devfn >= PCI_SLOTS * 8 || bus->devs[devfn]) {
        error_setf(errp, "PCI slot %02x.%x is in use or does not exist (%s)", devfn >> 3,
                   devfn & 7, name);
        return false;
    }
    memset(dev->config, 0, sizeof(dev->config));
    memset(dev->wmask, 0, sizeof(dev->wmask));
    memset(dev->w1cmask, 0, sizeof(dev->w1cmask));
    memset(dev->bars, 0, sizeof(dev->bars));
    dev->name = g_strdup(name);
    dev->bus = bus;
    dev->devfn = (uint8_t)devfn;
    dev->cap_next = 0x40;
    dev->intx_level = false;
    pci_set_word(dev->config + PCI_VENDOR_ID, vendor);
    pci_set_word(dev->config + PCI_DEVICE_ID, device);
    dev->config[PCI_REVISION_ID] = revision;
    dev->config[PCI_CLASS_PROG] = (uint8_t)class_code;
    pci_set_word(dev->config + PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
    dev->config[PCI_INTERRUPT_PIN] = pin;
    /* Command: I/O, memory, bus master, INTx disable; cache line, latency, irq line. */
    dev->wmask[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    dev->wmask[PCI_COMMAND + 1] = PCI_COMMAND_INTX_DISABLE >> 8;
    set_mask(dev->wmask, 0x0c, 2, 0xff);
    dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
    /* Status error bits are write-1-to-clear. */
    dev->w1cmask[PCI_STATUS + 1] = 0xf9;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        dev->bars[i].mapped = PCI_BAR_UNMAPPED;
    }
    bus->devs[devfn] = dev;
    return true;
}

void pci_device_remove(PCIDevice *dev)
{
    pci_device_reset(dev);
    dev->bus->devs[dev->devfn] = NULL;
    g_free(dev->name);
    dev->name = NULL;
}

void pci_set_subsystem(PCIDevice *dev, uint16_t vendor, uint16_t id)
{
    pci_set_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID, vendor);
    pci_set_word(dev->config + PCI_SUBSYSTEM_ID, id);
}

void pci_register_bar(PCIDevice *dev, int bar, uint8_t type, uint64_t size,
                      const PCIBarOps *ops, void *opaque)
{
    unsigned reg = PCI_BAR0 + 4 * bar;
    uint64_t mask = ~(size - 1) & ~(uint64_t)((type & PCI_BAR_IO) ? 0x3 : 0xf);

    g_assert(bar >= 0 && bar < PCI_NUM_BARS && size && !(size & (size - 1)));
    g_assert(!(type & PCI_BAR_MEM64) || bar < PCI_NUM_BARS - 1);
    dev->bars[bar] = (PCIBar){ size, type, PCI_BAR_UNMAPPED, ops, opaque };
    pci_set_long(dev->config + reg, type);
    pci_set_long(dev->wmask + reg, (uint32_t)mask);
    if (type & PCI_BAR_MEM64) {
        pci_set_long(dev->wmask + reg + 4, (uint32_t)(mask >> 32));
    }
}

uint8_t pci_add_capability(PCIDevice *dev, uint8_t id, uint8_t len)
{
    uint8_t off = dev->cap_next;

    g_assert(len >= 2 && (unsigned)off + len <= PCI_CONFIG_SIZE);
    dev->config[off] = id;
    dev->config[off + 1] = dev->config[PCI_CAPABILITY_LIST];
    dev->config[PCI_CAPABILITY_LIST] = off;
    dev->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    dev->cap_next = (uint8_t)((off + len + 3) & ~3);
    return off;
}

static uint64_t bar_address(const PCIDevice *dev, int i)
{
    const PCIBar *b = &dev->bars[i];
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    uint64_t addr = pci_get_long(dev->config + PCI_BAR0 + 4 * i);
    uint64_t last;

    if (b->type & PCI_BAR_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        addr &= ~(uint64_t)3;
        last = addr + b->size - 1;
        return addr && last <= 0xffff ? addr : PCI_BAR_UNMAPPED;
    }
    if (!(cmd & PCI_COMMAND_MEMORY)) {
        return PCI_BAR_UNMAPPED;
    }
    if (b->type & PCI_BAR_MEM64) {
        addr |= (uint64_t)pci_get_long(dev->config + PCI_BAR0 + 4 * i + 4) << 32;
    }
    addr &= ~(uint64_t)0xf;
    last = addr + b->size - 1;
    /* Zero, a wrap, or the all-ones pattern of sizing: not decoded. */
    if (!addr || last < addr || last == UINT64_MAX ||
        (!(b->type & PCI_BAR_MEM64) && last >= UINT32_MAX)) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

static void update_mappings(PCIDevice *dev)
{
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        PCIBar *b = &dev->bars[i];
        if (!b->size) {
            continue;
        }
        uint64_t addr = bar_address(dev, i);
        if (addr != b->mapped) {
            uint64_t old = b->mapped;
            b->mapped = addr;
            if (dev->bus->map_bar) {
                dev->bus->map_bar(dev->bus->opaque, dev, i, old, addr);
            }
        }
    }
}

static bool intx_effective(const PCIDevice *dev)
{
    return dev->intx_level &&
           !(pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
}

static void drive_intx(PCIDevice *dev, bool before)
{
    bool now = intx_effective(dev);
    uint8_t pin = dev->config[PCI_INTERRUPT_PIN];

    if (now != before && pin && dev->bus->set_intx) {
        dev->bus->set_intx(dev->bus->opaque, dev->devfn >> 3, pin - 1, now);
    }
}

void pci_set_irq(PCIDevice *dev, bool level)
{
    bool before = intx_effective(dev);

    dev->intx_level = level;
    if (level) {
        dev->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    } else {
        dev->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    }
    drive_intx(dev, before);
}

uint32_t pci_config_read(PCIDevice *dev, uint32_t addr, unsigned size)
{
    uint32_t v = 0;

    if ((size != 1 && size != 2 && size != 4) || addr + size > PCI_CONFIG_SIZE) {
        return UINT32_MAX;
    }
    if (dev->config_read && dev->config_read(dev, addr, size, &v)) {
        return v;
    }
    for (unsigned i = 0; i < size; i++) {
        v |= (uint32_t)dev->config[addr + i] << (8 * i);
    }
    return v;
}

void pci_config_write(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned size)
{
    bool intx_before = intx_effective(dev);

    if ((size != 1 && size != 2 && size != 4) || addr + size > PCI_CONFIG_SIZE) {
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = (uint8_t)(val >> (8 * i)), w = dev->wmask[addr + i];
        uint8_t *c = &dev->config[addr + i];
        *c = (uint8_t)(((*c & ~w) | (b & w)) & ~(b & dev->w1cmask[addr + i]));
    }
    /* Decoding changes with the command register and the BARs. */
    if (addr < PCI_COMMAND + 2 && addr + size > PCI_COMMAND) {
        update_mappings(dev);
        drive_intx(dev, intx_before);
    } else if (addr < PCI_BAR0 + 4 * PCI_NUM_BARS && addr + size > PCI_BAR0) {
        update_mappings(dev);
    }
    if (dev->config_written) {
        dev->config_written(dev, addr, val, size);
    }
}

void pci_device_reset(PCIDevice *dev)
{
    bool intx_before = intx_effective(dev);

    pci_set_word(dev->config + PCI_COMMAND, 0);
    dev->config[PCI_STATUS + 1] = 0;
    dev->config[PCI_INTERRUPT_LINE] = 0;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        if (dev->bars[i].size) {
            pci_set_long(dev->config + PCI_BAR0 + 4 * i, dev->bars[i].type);
            if (dev->bars[i].type & PCI_BAR_MEM64) {
                pci_set_long(dev->config + PCI_BAR0 + 4 * i + 4, 0);
            }
        }
    }
    update_mappings(dev);
    drive_intx(dev, intx_before);
}

/* ---- configuration mechanism #1 ---- */

static PCIDevice *addressed(PCIBus *bus, unsigned *reg)
{
    uint32_t a = bus->config_address;

    if (!(a & 0x80000000u) || ((a >> 16) & 0xff) != 0) {
        return NULL;        /* disabled, or a bus behind a bridge we do not have */
    }
    *reg = a & 0xfc;
    return bus->devs[(a >> 8) & 0xff];
}

uint64_t pci_host_io_read(void *opaque, uint64_t offset, unsigned size)
{
    PCIBus *bus = opaque;
    uint64_t v = size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;   /* no device */
    unsigned reg;

    g_mutex_lock(&bus->lock);
    if (offset == 0 && size == 4) {
        v = bus->config_address;
    } else if (offset >= 4 && offset + size <= 8) {
        PCIDevice *dev = addressed(bus, &reg);
        if (dev) {
            v = pci_config_read(dev, reg + (unsigned)(offset - 4), size);
        }
    }
    g_mutex_unlock(&bus->lock);
    return v;
}

void pci_host_io_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    PCIBus *bus = opaque;
    unsigned reg;

    g_mutex_lock(&bus->lock);
    if (offset == 0 && size == 4) {
        bus->config_address = (uint32_t)val & 0x80fffffcu;
    } else if (offset >= 4 && offset + size <= 8) {
        PCIDevice *dev = addressed(bus, &reg);
        if (dev) {
            pci_config_write(dev, reg + (unsigned)(offset - 4), (uint32_t)val, size);
        }
    }
    g_mutex_unlock(&bus->lock);
}
