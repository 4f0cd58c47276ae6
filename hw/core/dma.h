/*
 * Guest-physical memory as a device reaches it for DMA: two callbacks that
 * copy a range in or out and fail when any byte of it is not RAM. Devices
 * get this instead of an address space, so they build, test and fuzz alone;
 * the board binds it to the machine's memory.
 */
#ifndef HW_CORE_DMA_H
#define HW_CORE_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct DMAOps {
    bool (*read)(void *opaque, uint64_t gpa, void *buf, size_t len);
    bool (*write)(void *opaque, uint64_t gpa, const void *buf, size_t len);
} DMAOps;

#endif
