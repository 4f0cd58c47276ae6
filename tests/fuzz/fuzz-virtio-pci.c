/*
 * A guest driving PCI configuration mechanism #1 and the virtio PCI BAR (with
 * virtio-rng behind it) with accesses of its choosing, over guest RAM that is
 * fuzz input too. Input: a count byte, 8 bytes per access (flags: bit 0
 * write, bit 1 BAR (else the 0xcf8 ports), bits 2-3 size 1/2/4/8; le16
 * offset; le32 value; one spare), then the RAM image.
 */
#include "config.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/virtio/virtio-rng.h"

#include <glib.h>
#include <string.h>

#include "tests/fuzz/fuzz-ram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void map_bar(void *opaque, PCIDevice *dev, int bar, uint64_t old, uint64_t addr)
{
}

static void set_intx(void *opaque, int slot, int pin, bool level)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size < 1 + 8 * (size_t)data[0]) {
        return 0;
    }
    size_t nops = data[0], hdr = 1 + 8 * nops;
    FuzzRam ram = { .size = MIN(size - hdr, (size_t)64 * 1024) };
    ram.bytes = g_memdup2(data + hdr, ram.size);
    PCIBus *bus = pci_bus_new(map_bar, set_intx, NULL);
    VirtIORNG rng;
    VirtIOPCI p;
    virtio_rng_init(&rng, &fuzz_ram_ops, &ram);
    virtio_pci_init(&p, &rng.vdev, bus, PCI_DEVFN(1, 0), "rng", NULL);
    for (size_t i = 0; i < nops; i++) {
        const uint8_t *op = data + 1 + 8 * i;
        unsigned sz = 1u << ((op[0] >> 2) & 3);
        uint64_t off = op[1] | op[2] << 8;
        uint32_t val = op[3] | op[4] << 8 | op[5] << 16 | (uint32_t)op[6] << 24;
        if (op[0] & 2) {
            off %= VIRTIO_PCI_BAR_SIZE;
            if (op[0] & 1) {
                virtio_pci_bar_write(&p, off, val, sz);
            } else {
                virtio_pci_bar_read(&p, off, sz);
            }
        } else {
            off %= 8;
            if (op[0] & 1) {
                pci_host_io_write(bus, off, val, sz > 4 ? 4 : sz);
            } else {
                pci_host_io_read(bus, off, sz > 4 ? 4 : sz);
            }
        }
    }
    virtio_pci_cleanup(&p);
    virtio_rng_cleanup(&rng);
    pci_bus_free(bus);
    g_free(ram.bytes);
    return 0;
}
