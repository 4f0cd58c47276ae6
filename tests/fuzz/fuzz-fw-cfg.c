/*
 * fw_cfg from a hostile guest: port accesses of any size and value,
 * including DMA requests whose control structures, lengths and targets live
 * in guest RAM that is fuzz input too. Input: a count byte, 6 bytes per
 * access (bit 0 of the first: write; the rest: port offset; then a size code
 * and a le32 value), then the RAM image (64 KiB at most, at address 0).
 */
#include "config.h"
#include "hw/nvram/fw_cfg.h"

#include <glib.h>
#include <string.h>

#include "tests/fuzz/fuzz-ram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size < 1 + 6 * (size_t)data[0]) {
        return 0;
    }
    size_t nops = data[0], hdr = 1 + 6 * nops;
    FuzzRam ram = { .size = MIN(size - hdr, (size_t)64 * 1024) };
    ram.bytes = g_memdup2(data + hdr, ram.size);
    FWCfgState *s = fw_cfg_new(&fuzz_ram_ops, &ram);
    fw_cfg_add_i64(s, FW_CFG_RAM_SIZE, 1 << 30);
    fw_cfg_add_file(s, "etc/ro", "read only", 9, false, NULL);
    fw_cfg_add_file(s, "etc/rw", "writable", 8, true, NULL);
    for (size_t i = 0; i < nops; i++) {
        const uint8_t *op = data + 1 + 6 * i;
        uint64_t off = (op[0] >> 1) % FW_CFG_IO_SIZE;
        unsigned sz = 1u << (op[1] & 3);
        uint32_t val = op[2] | op[3] << 8 | op[4] << 16 | (uint32_t)op[5] << 24;
        if (op[0] & 1) {
            fw_cfg_io_write(s, off, val, sz);
        } else {
            fw_cfg_io_read(s, off, sz);
        }
    }
    fw_cfg_free(s);
    g_free(ram.bytes);
    return 0;
}
