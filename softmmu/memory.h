/*
 * The system emulator's memory API: guest-physical address spaces built
 * from a tree of regions (RAM, ROM, MMIO or port I/O callbacks, aliases,
 * containers of subregions with priorities), flattened into a sorted list of
 * ranges for dispatch, with listeners told when RAM appears or disappears
 * (an accelerator registers its memory slots from them).
 *
 * Topology changes happen between memory_transaction_begin/commit (or one at
 * a time); each commit builds a new flat view and publishes it, so vCPU
 * threads dispatching concurrently see the old view or the new one, never a
 * mix. Nothing here knows about KVM or x86.
 */
#ifndef SOFTMMU_MEMORY_H
#define SOFTMMU_MEMORY_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/core/dma.h"
#include "libcore/error.h"

typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;

typedef enum MemTxResult {
    MEMTX_OK = 0,
    MEMTX_DECODE_ERROR = 1,     /* nothing is mapped there */
    MEMTX_DEVICE_ERROR = 2,     /* a device refused the access */
} MemTxResult;

/*
 * Callbacks of an MMIO or port I/O region. Accesses reach them with an
 * offset into the region and a size the region accepts (impl_min..impl_max;
 * wider or misaligned guest accesses are split, narrower ones widened and
 * masked, little-endian). valid_max 0 means 8.
 */
typedef struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t val, unsigned size);
    unsigned impl_min, impl_max;        /* 0: 1 and 8 */
} MemoryRegionOps;

typedef enum MemoryRegionKind {
    MR_CONTAINER, MR_RAM, MR_IO, MR_ALIAS,
} MemoryRegionKind;

struct MemoryRegion {
    char *name;
    MemoryRegionKind kind;
    uint64_t size;
    bool readonly;              /* RAM that the guest reads but cannot write (ROM) */
    bool enabled;
    int priority;               /* among the siblings in its container */
    uint64_t offset;            /* in its container */
    MemoryRegion *container;
    GPtrArray *subregions;      /* container: children, sorted by priority */
    uint8_t *ram;               /* RAM: host memory, size bytes */
    const MemoryRegionOps *ops; /* IO */
    void *opaque;
    MemoryRegion *alias;        /* ALIAS: the target and the window's start in it */
    uint64_t alias_offset;
};

void memory_region_init_container(MemoryRegion *mr, const char *name, uint64_t size);
/* RAM of size bytes (page-rounded host mapping); false with errp if it cannot be had. */
bool memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size, Error **errp);
/* The same, read-only for the guest (firmware images; the board fills mr->ram). */
bool memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size, Error **errp);
void memory_region_init_io(MemoryRegion *mr, const char *name, uint64_t size,
                           const MemoryRegionOps *ops, void *opaque);
void memory_region_init_alias(MemoryRegion *mr, const char *name, MemoryRegion *target,
                              uint64_t offset, uint64_t size);
/* Free what the region owns (RAM, its name); it must not be in a container. */
void memory_region_destroy(MemoryRegion *mr);

/*
 * Map sub into container at offset. Where siblings overlap, the higher
 * priority wins, and among equal priorities the one added later.
 */
void memory_region_add_subregion(MemoryRegion *container, uint64_t offset, MemoryRegion *sub,
                                 int priority);
void memory_region_del_subregion(MemoryRegion *container, MemoryRegion *sub);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_address(MemoryRegion *mr, uint64_t offset);
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);

/* Batch topology changes: address spaces are rebuilt once, at the outer commit. */
void memory_transaction_begin(void);
void memory_transaction_commit(void);

/* One piece of RAM as a listener sees it. */
typedef struct MemorySection {
    uint64_t start, size;       /* in the address space */
    uint8_t *host;              /* host memory backing start */
    bool readonly;
    MemoryRegion *mr;
} MemorySection;

typedef struct MemoryListener {
    /* Called on commit for RAM sections that vanished, then for new ones. */
    void (*region_del)(struct MemoryListener *l, const MemorySection *s);
    void (*region_add)(struct MemoryListener *l, const MemorySection *s);
    void *opaque;
} MemoryListener;

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    struct FlatView *view;      /* current, published under view_lock */
    GMutex view_lock;
    GPtrArray *listeners;
};

AddressSpace *address_space_new(const char *name, MemoryRegion *root);
void address_space_free(AddressSpace *as);
/* Register a listener; it is told of every RAM section already there. */
void memory_listener_register(AddressSpace *as, MemoryListener *l);
void memory_listener_unregister(AddressSpace *as, MemoryListener *l);

/* Guest accesses of any length; regions are crossed and split as needed. */
MemTxResult address_space_read(AddressSpace *as, uint64_t addr, void *buf, size_t len);
MemTxResult address_space_write(AddressSpace *as, uint64_t addr, const void *buf, size_t len);
/* One access of size 1, 2, 4 or 8 (a vCPU's MMIO or port instruction). */
MemTxResult address_space_ld(AddressSpace *as, uint64_t addr, unsigned size, uint64_t *val);
MemTxResult address_space_st(AddressSpace *as, uint64_t addr, unsigned size, uint64_t val);

/*
 * DMA for devices (hw/core/dma.h): copies that touch RAM only; any byte that
 * is not RAM (or, for writes, is ROM) fails the whole copy before anything
 * is written. opaque is the AddressSpace.
 */
extern const DMAOps address_space_dma_ops;

/* `info mtree` text for as. */
char *address_space_mtree_text(AddressSpace *as);

#endif
