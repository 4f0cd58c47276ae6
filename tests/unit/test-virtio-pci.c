/*
 * PCI configuration space and virtio over PCI (modern) with virtio-rng behind
 * it, enumerated and driven as firmware and a driver do: mechanism #1, the
 * capability list, BAR sizing and decoding, the common configuration
 * structure, notification, the read-to-clear interrupt status with INTx, the
 * configuration-space window, and the write masks that keep the guest out of
 * read-only registers.
 */
#include "config.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/virtio/virtio-rng.h"

#include <glib.h>
#include <string.h>

#define RAM_BASE 0x100000u
#define RAM_SIZE (1u << 20)
#define DESC_GPA  (RAM_BASE + 0x0000)
#define AVAIL_GPA (RAM_BASE + 0x1000)
#define USED_GPA  (RAM_BASE + 0x2000)
#define BUF_GPA   (RAM_BASE + 0x8000)
#define BAR_ADDR  0xfe000000u

#include "tests/unit/test-ram.h"

static uint64_t mapped_at = PCI_BAR_UNMAPPED;
static unsigned map_calls;
static bool intx;

static void map_bar(void *opaque, PCIDevice *dev, int bar, uint64_t old, uint64_t addr)
{
    g_assert_cmpint(bar, ==, VIRTIO_PCI_BAR);
    g_assert_cmphex(old, ==, mapped_at);
    mapped_at = addr;
    map_calls++;
}

static void set_intx(void *opaque, int slot, int pin, bool level)
{
    g_assert_cmpint(pin, ==, 0);
    intx = level;
}

typedef struct Rig {
    PCIBus *bus;
    VirtIORNG rng;
    VirtIOPCI p;
    int devfn;
} Rig;

static void rig_init(Rig *r)
{
    memset(ram, 0, sizeof(ram));
    mapped_at = PCI_BAR_UNMAPPED;
    map_calls = 0;
    intx = false;
    r->bus = pci_bus_new(map_bar, set_intx, NULL);
    virtio_rng_init(&r->rng, &ram_ops, NULL);
    g_assert_true(virtio_pci_init(&r->p, &r->rng.vdev, r->bus, PCI_DEVFN(3, 0), "rng",
                                  NULL));
    r->devfn = PCI_DEVFN(3, 0);
}

static void rig_free(Rig *r)
{
    virtio_pci_cleanup(&r->p);
    virtio_rng_cleanup(&r->rng);
    pci_bus_free(r->bus);
}

/* Mechanism #1. */
static uint32_t cfg_read(Rig *r, int devfn, unsigned reg, unsigned size)
{
    pci_host_io_write(r->bus, 0, 0x80000000u | devfn << 8 | (reg & 0xfc), 4);
    return (uint32_t)pci_host_io_read(r->bus, 4 + (reg & 3), size);
}

static void cfg_write(Rig *r, int devfn, unsigned reg, uint32_t val, unsigned size)
{
    pci_host_io_write(r->bus, 0, 0x80000000u | devfn << 8 | (reg & 0xfc), 4);
    pci_host_io_write(r->bus, 4 + (reg & 3), val, size);
}

static uint64_t bar_rd(Rig *r, uint64_t off, unsigned size) { return virtio_pci_bar_read(&r->p, off, size); }
static void bar_wr(Rig *r, uint64_t off, uint64_t v, unsigned size) { virtio_pci_bar_write(&r->p, off, v, size); }

static void test_enumerate(void)
{
    Rig r;
    rig_init(&r);
    g_assert_cmphex(cfg_read(&r, r.devfn, 0, 4), ==, 0x10441af4);
    g_assert_cmphex(cfg_read(&r, r.devfn, 0x08, 4), ==, 0x00ff0001);
    g_assert_cmphex(cfg_read(&r, r.devfn, 0x2c, 4), ==, 0x11001af4);
    g_assert_cmphex(cfg_read(&r, r.devfn, 0x3d, 1), ==, 1);         /* INTA */
    g_assert_cmphex(cfg_read(&r, PCI_DEVFN(4, 0), 0, 4), ==, 0xffffffff);
    g_assert_cmphex(cfg_read(&r, r.devfn, 0x0e, 2), ==, 0);
    /* Disabled mechanism: all ones. */
    pci_host_io_write(r.bus, 0, 0, 4);
    g_assert_cmphex(pci_host_io_read(r.bus, 4, 4), ==, 0xffffffff);

    /* The capability list: common, ISR, notify, PCI_CFG (no device config). */
    g_assert_cmphex(cfg_read(&r, r.devfn, 0x06, 2) & PCI_STATUS_CAP_LIST, !=, 0);
    unsigned types = 0, n = 0;
    for (unsigned at = cfg_read(&r, r.devfn, 0x34, 1); at; at = cfg_read(&r, r.devfn, at + 1, 1)) {
        g_assert_cmphex(cfg_read(&r, r.devfn, at, 1), ==, 0x09);
        types |= 1u << cfg_read(&r, r.devfn, at + 3, 1);
        if (cfg_read(&r, r.devfn, at + 3, 1) == VIRTIO_PCI_CAP_NOTIFY) {
            g_assert_cmpuint(cfg_read(&r, r.devfn, at + 16, 4), ==, VIRTIO_PCI_NOTIFY_MULT);
        }
        g_assert_cmpuint(++n, <, 10);
    }
    g_assert_cmphex(types, ==, (1u << 1) | (1u << 2) | (1u << 3) | (1u << 5));

    /* Read-only registers stay so. */
    cfg_write(&r, r.devfn, 0, 0x12345678, 4);
    g_assert_cmphex(cfg_read(&r, r.devfn, 0, 4), ==, 0x10441af4);
    rig_free(&r);
}

static void test_bar_sizing(void)
{
    Rig r;
    rig_init(&r);
    cfg_write(&r, r.devfn, 0x20, 0xffffffff, 4);
    cfg_write(&r, r.devfn, 0x24, 0xffffffff, 4);
    g_assert_cmphex(cfg_read(&r, r.devfn, 0x20, 4), ==, 0xffffc00c);
    g_assert_cmphex(cfg_read(&r, r.devfn, 0x24, 4), ==, 0xffffffff);
    g_assert_cmpuint(map_calls, ==, 0);                 /* memory decoding still off */
    cfg_write(&r, r.devfn, 0x20, BAR_ADDR, 4);
    cfg_write(&r, r.devfn, 0x24, 0, 4);
    cfg_write(&r, r.devfn, 0x04, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    g_assert_cmphex(mapped_at, ==, BAR_ADDR);
    /* Moving it, then turning decoding off. */
    cfg_write(&r, r.devfn, 0x20, BAR_ADDR + 0x10000, 4);
    g_assert_cmphex(mapped_at, ==, BAR_ADDR + 0x10000);
    cfg_write(&r, r.devfn, 0x04, 0, 2);
    g_assert_cmphex(mapped_at, ==, PCI_BAR_UNMAPPED);
    /* A 64-bit BAR above 4 GiB. */
    cfg_write(&r, r.devfn, 0x24, 0x1, 4);
    cfg_write(&r, r.devfn, 0x04, PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(mapped_at, ==, 0x100000000ull + BAR_ADDR + 0x10000);
    /* Reset: unmapped, command cleared. */
    pci_device_reset(&r.p.pci);
    g_assert_cmphex(mapped_at, ==, PCI_BAR_UNMAPPED);
    g_assert_cmphex(cfg_read(&r, r.devfn, 0x20, 4), ==, 0xc);
    rig_free(&r);
}

static void test_driver(void)
{
    Rig r;
    rig_init(&r);
    cfg_write(&r, r.devfn, 0x04, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    bar_wr(&r, 20, 0, 1);
    bar_wr(&r, 20, 1 | 2, 1);
    bar_wr(&r, 0, 1, 4);
    g_assert_cmphex(bar_rd(&r, 4, 4), ==, 1);          /* VERSION_1 */
    bar_wr(&r, 8, 1, 4);
    bar_wr(&r, 12, 1, 4);
    bar_wr(&r, 20, 1 | 2 | 8, 1);
    g_assert_cmphex(bar_rd(&r, 20, 1), ==, 1 | 2 | 8);
    g_assert_cmpuint(bar_rd(&r, 18, 2), ==, 1);        /* num_queues */
    g_assert_cmpuint(bar_rd(&r, 16, 2), ==, 0xffff);   /* no MSI-X vector */
    bar_wr(&r, 22, 0, 2);
    g_assert_cmpuint(bar_rd(&r, 24, 2), ==, 256);      /* the maximum at first */
    bar_wr(&r, 24, 8, 2);
    bar_wr(&r, 32, DESC_GPA, 4);
    bar_wr(&r, 36, 0, 4);
    bar_wr(&r, 40, AVAIL_GPA, 4);
    bar_wr(&r, 44, 0, 4);
    bar_wr(&r, 48, USED_GPA, 4);
    bar_wr(&r, 52, 0, 4);
    g_assert_cmphex(bar_rd(&r, 32, 4), ==, DESC_GPA);
    bar_wr(&r, 28, 1, 2);
    g_assert_cmpuint(bar_rd(&r, 28, 2), ==, 1);
    bar_wr(&r, 24, 4, 2);                               /* live: ignored */
    g_assert_cmpuint(bar_rd(&r, 24, 2), ==, 8);
    g_assert_cmpuint(bar_rd(&r, 30, 2), ==, 0);        /* queue_notify_off */
    bar_wr(&r, 20, 1 | 2 | 8 | 4, 1);

    /* One 32-byte buffer, then the notification. */
    uint64_t addr = BUF_GPA;
    uint32_t len = 32;
    uint16_t flags = 2, idx = 1;
    memcpy(ram + DESC_GPA - RAM_BASE, &addr, 8);
    memcpy(ram + DESC_GPA - RAM_BASE + 8, &len, 4);
    memcpy(ram + DESC_GPA - RAM_BASE + 12, &flags, 2);
    memcpy(ram + AVAIL_GPA - RAM_BASE + 2, &idx, 2);
    bar_wr(&r, VIRTIO_PCI_NOTIFY + 0, 0, 2);
    uint16_t used;
    memcpy(&used, ram + USED_GPA - RAM_BASE + 2, 2);
    g_assert_cmpuint(used, ==, 1);
    g_assert_true(intx);
    g_assert_cmphex(cfg_read(&r, r.devfn, 0x06, 2) & PCI_STATUS_INTERRUPT, !=, 0);
    g_assert_cmpuint(bar_rd(&r, VIRTIO_PCI_ISR, 1), ==, 1);
    g_assert_false(intx);                               /* read to clear */
    g_assert_cmpuint(bar_rd(&r, VIRTIO_PCI_ISR, 1), ==, 0);

    /* Status 0: everything back, queue size offered at its maximum again. */
    bar_wr(&r, 20, 0, 1);
    g_assert_cmpuint(bar_rd(&r, 28, 2), ==, 0);
    g_assert_cmpuint(bar_rd(&r, 24, 2), ==, 256);
    rig_free(&r);
}

static void test_cfg_window_and_intx_disable(void)
{
    Rig r;
    rig_init(&r);
    unsigned at = cfg_read(&r, r.devfn, 0x34, 1);
    while (cfg_read(&r, r.devfn, at + 3, 1) != VIRTIO_PCI_CAP_PCI_CFG) {
        at = cfg_read(&r, r.devfn, at + 1, 1);
    }
    cfg_write(&r, r.devfn, at + 4, VIRTIO_PCI_BAR, 1);
    cfg_write(&r, r.devfn, at + 8, 18, 4);              /* num_queues */
    cfg_write(&r, r.devfn, at + 12, 2, 4);
    g_assert_cmpuint(cfg_read(&r, r.devfn, at + 16, 4), ==, 1);
    /* A write through the window: device status. */
    cfg_write(&r, r.devfn, at + 8, 20, 4);
    cfg_write(&r, r.devfn, at + 12, 1, 4);
    cfg_write(&r, r.devfn, at + 16, 1, 4);
    g_assert_cmpuint(r.rng.vdev.status, ==, 1);
    /* A bad length: the window reads the stored data bytes, nothing happens. */
    cfg_write(&r, r.devfn, at + 12, 3, 4);
    cfg_write(&r, r.devfn, at + 16, 0, 4);
    g_assert_cmpuint(r.rng.vdev.status, ==, 1);

    /* INTx disable masks the pin. */
    cfg_write(&r, r.devfn, 0x04, PCI_COMMAND_INTX_DISABLE, 2);
    pci_set_irq(&r.p.pci, true);
    g_assert_false(intx);
    cfg_write(&r, r.devfn, 0x04, 0, 2);
    g_assert_true(intx);
    pci_set_irq(&r.p.pci, false);
    g_assert_false(intx);
    rig_free(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virtio-pci/enumerate", test_enumerate);
    g_test_add_func("/virtio-pci/bar-sizing", test_bar_sizing);
    g_test_add_func("/virtio-pci/driver", test_driver);
    g_test_add_func("/virtio-pci/cfg-window-intx-disable", test_cfg_window_and_intx_disable);
    return g_test_run();
}
