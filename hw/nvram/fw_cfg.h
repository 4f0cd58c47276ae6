/*
 * The firmware configuration device (fw_cfg): how the VMM hands firmware and
 * boot loaders the machine's description and boot payload (RAM size, CPU
 * count, kernel, initrd, command line, ACPI tables, named files). The guest
 * selects an item by its 16-bit key and reads it byte by byte, or moves it
 * with DMA through a small control structure in guest memory.
 *
 * x86 I/O ports, relative to 0x510: selector (16-bit write at +0), data
 * (8-bit read at +1), DMA address (big-endian, high half at +4, low half at
 * +8; writing the low half starts the transfer).
 */
#ifndef HW_NVRAM_FW_CFG_H
#define HW_NVRAM_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/core/dma.h"
#include "libcore/error.h"

/* Well-known keys. */
#define FW_CFG_SIGNATURE        0x00
#define FW_CFG_ID               0x01
#define FW_CFG_UUID             0x02
#define FW_CFG_RAM_SIZE         0x03
#define FW_CFG_NOGRAPHIC        0x04
#define FW_CFG_NB_CPUS          0x05
#define FW_CFG_MACHINE_ID       0x06
#define FW_CFG_KERNEL_ADDR      0x07
#define FW_CFG_KERNEL_SIZE      0x08
#define FW_CFG_KERNEL_CMDLINE   0x09
#define FW_CFG_INITRD_ADDR      0x0a
#define FW_CFG_INITRD_SIZE      0x0b
#define FW_CFG_BOOT_DEVICE      0x0c
#define FW_CFG_NUMA             0x0d
#define FW_CFG_BOOT_MENU        0x0e
#define FW_CFG_MAX_CPUS         0x0f
#define FW_CFG_KERNEL_ENTRY     0x10
#define FW_CFG_KERNEL_DATA      0x11
#define FW_CFG_INITRD_DATA      0x12
#define FW_CFG_CMDLINE_ADDR     0x13
#define FW_CFG_CMDLINE_SIZE     0x14
#define FW_CFG_CMDLINE_DATA     0x15
#define FW_CFG_SETUP_ADDR       0x16
#define FW_CFG_SETUP_SIZE       0x17
#define FW_CFG_SETUP_DATA       0x18
#define FW_CFG_FILE_DIR         0x19
#define FW_CFG_FILE_FIRST       0x20
#define FW_CFG_ARCH_LOCAL       0x8000
#define FW_CFG_E820_TABLE       (FW_CFG_ARCH_LOCAL + 3)

#define FW_CFG_MAX_FILES        256
#define FW_CFG_NAME_MAX         56      /* with the terminating NUL */

/* DMA control bits (in the big-endian control word). */
#define FW_CFG_DMA_ERROR        0x01
#define FW_CFG_DMA_READ         0x02
#define FW_CFG_DMA_SKIP         0x04
#define FW_CFG_DMA_SELECT       0x08
#define FW_CFG_DMA_WRITE        0x10

#define FW_CFG_IO_BASE          0x510
#define FW_CFG_IO_SIZE          12

typedef struct FWCfgState FWCfgState;

/* dma NULL: the DMA interface is not offered (the ID item says so). */
FWCfgState *fw_cfg_new(const DMAOps *dma, void *dma_opaque);
void fw_cfg_free(FWCfgState *s);

/* Items by key (copied). Numbers are stored little-endian, as firmware expects. */
void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data, size_t len);
void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *str);
void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t v);
void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t v);
void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t v);
/*
 * A named file ("etc/e820", "opt/org.example/x"): listed in the directory,
 * sorted by name. writable: the guest may overwrite its bytes by DMA. Fails
 * on a duplicate or an over-long name, or a full directory.
 */
bool fw_cfg_add_file(FWCfgState *s, const char *name, const void *data, size_t len,
                     bool writable, Error **errp);
/* A file's current contents (after guest writes); NULL if absent. */
const uint8_t *fw_cfg_file_data(FWCfgState *s, const char *name, size_t *len);

/* The x86 I/O port block at FW_CFG_IO_BASE (offsets 0-11). */
uint64_t fw_cfg_io_read(void *opaque, uint64_t offset, unsigned size);
void fw_cfg_io_write(void *opaque, uint64_t offset, uint64_t val, unsigned size);

#endif
