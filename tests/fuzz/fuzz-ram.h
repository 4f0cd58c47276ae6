/*
 * Guest RAM for the device fuzz targets: a copy of part of the input at
 * guest-physical address 0, reached through the DMAOps devices use, which
 * fail for any byte outside it.
 */
#ifndef TESTS_FUZZ_RAM_H
#define TESTS_FUZZ_RAM_H

#include <stdint.h>
#include <string.h>

#include "hw/core/dma.h"

typedef struct FuzzRam {
    uint8_t *bytes;
    size_t size;
} FuzzRam;

static inline bool fuzz_ram_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    FuzzRam *r = opaque;
    if (gpa > r->size || len > r->size - gpa) {
        return false;
    }
    memcpy(buf, r->bytes + gpa, len);
    return true;
}

static inline bool fuzz_ram_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    FuzzRam *r = opaque;
    if (gpa > r->size || len > r->size - gpa) {
        return false;
    }
    memcpy(r->bytes + gpa, buf, len);
    return true;
}

static const DMAOps fuzz_ram_ops = { fuzz_ram_read, fuzz_ram_write };

#endif
