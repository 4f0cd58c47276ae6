/*
 * Guest RAM for the device unit tests: RAM_SIZE bytes at guest-physical
 * RAM_BASE (both defined by the test before including this), reached through
 * the DMAOps devices use, which fail for any byte outside it.
 */
#ifndef TESTS_UNIT_TEST_RAM_H
#define TESTS_UNIT_TEST_RAM_H

#include <glib.h>
#include <string.h>

#include "hw/core/dma.h"

static uint8_t ram[RAM_SIZE];

static G_GNUC_UNUSED bool in_ram(uint64_t gpa, size_t len)
{
    return gpa >= RAM_BASE && len <= RAM_SIZE && gpa - RAM_BASE <= RAM_SIZE - len;
}

static bool ram_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    if (!in_ram(gpa, len)) {
        return false;
    }
    memcpy(buf, ram + (gpa - RAM_BASE), len);
    return true;
}

static bool ram_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    if (!in_ram(gpa, len)) {
        return false;
    }
    memcpy(ram + (gpa - RAM_BASE), buf, len);
    return true;
}

static const DMAOps ram_ops = { ram_read, ram_write };

/* The host address of a guest address inside RAM. */
static G_GNUC_UNUSED uint8_t *at(uint64_t gpa)
{
    g_assert_true(in_ram(gpa, 1));
    return ram + (gpa - RAM_BASE);
}

#endif
