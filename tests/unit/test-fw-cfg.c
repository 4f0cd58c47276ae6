/*
 * fw_cfg as firmware uses it: the signature and ID through the ports, items
 * read byte by byte, the sorted file directory, DMA reads (past the end too),
 * skips and writes, and the errors a careless or hostile guest gets.
 */
#include "config.h"
#include "hw/nvram/fw_cfg.h"

#include <glib.h>
#include <string.h>

#define RAM_BASE 0x1000u
#define RAM_SIZE (64u * 1024)
#define CTL_GPA  (RAM_BASE + 0x100)
#define BUF_GPA  (RAM_BASE + 0x1000)

#include "tests/unit/test-ram.h"

static void sel(FWCfgState *s, uint16_t key) { fw_cfg_io_write(s, 0, key, 2); }
static uint8_t data(FWCfgState *s) { return (uint8_t)fw_cfg_io_read(s, 1, 1); }

/* Run one DMA request; returns the control word the device wrote back. */
static uint32_t dma_req(FWCfgState *s, uint32_t control, uint32_t len, uint64_t addr,
                        uint64_t ctl_gpa)
{
    uint32_t c = GUINT32_TO_BE(control), l = GUINT32_TO_BE(len);
    uint64_t a = GUINT64_TO_BE(addr);
    if (ctl_gpa >= RAM_BASE) {
        memcpy(at(ctl_gpa), &c, 4);
        memcpy(at(ctl_gpa) + 4, &l, 4);
        memcpy(at(ctl_gpa) + 8, &a, 8);
    }
    fw_cfg_io_write(s, 4, GUINT32_TO_BE((uint32_t)(ctl_gpa >> 32)), 4);
    fw_cfg_io_write(s, 8, GUINT32_TO_BE((uint32_t)ctl_gpa), 4);
    if (ctl_gpa < RAM_BASE) {
        return 0xdead;
    }
    memcpy(&c, at(ctl_gpa), 4);
    return GUINT32_FROM_BE(c);
}

static void test_ports(void)
{
    FWCfgState *s = fw_cfg_new(&ram_ops, NULL);
    fw_cfg_add_i16(s, FW_CFG_NB_CPUS, 4);
    fw_cfg_add_string(s, FW_CFG_CMDLINE_DATA, "console=ttyS0");
    sel(s, FW_CFG_SIGNATURE);
    char sig[5] = { 0 };
    for (int i = 0; i < 4; i++) {
        sig[i] = (char)data(s);         /* one call per statement: reads have an order */
    }
    g_assert_cmpstr(sig, ==, "QEMU");
    g_assert_cmpuint(data(s), ==, 0);           /* past the end */
    sel(s, FW_CFG_ID);
    g_assert_cmpuint(data(s), ==, 3);           /* traditional interface and DMA */
    sel(s, FW_CFG_NB_CPUS);
    uint16_t lo = data(s), hi = data(s);
    g_assert_cmpuint(lo | hi << 8, ==, 4);
    sel(s, FW_CFG_CMDLINE_DATA);
    g_assert_cmpuint(data(s), ==, 'c');
    sel(s, 0x1234);                             /* nothing there: zeros */
    g_assert_cmpuint(data(s), ==, 0);
    g_assert_cmphex(fw_cfg_io_read(s, 4, 4), ==, 0x554d4551);
    g_assert_cmphex(fw_cfg_io_read(s, 8, 4), ==, 0x47464320);
    fw_cfg_free(s);

    /* Without DMA the ID says so and the DMA ports are dead. */
    s = fw_cfg_new(NULL, NULL);
    sel(s, FW_CFG_ID);
    g_assert_cmpuint(data(s), ==, 1);
    g_assert_cmphex(fw_cfg_io_read(s, 4, 4), ==, 0);
    fw_cfg_free(s);
}

static void test_directory(void)
{
    FWCfgState *s = fw_cfg_new(&ram_ops, NULL);
    Error *err = NULL;
    g_assert_true(fw_cfg_add_file(s, "etc/zeta", "zz", 2, false, NULL));
    g_assert_true(fw_cfg_add_file(s, "etc/alpha", "aaaa", 4, false, NULL));
    g_assert_false(fw_cfg_add_file(s, "etc/alpha", "x", 1, false, &err));
    g_assert_nonnull(strstr(error_message(err), "already exists"));
    error_free(err);
    err = NULL;
    char longname[80];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[79] = 0;
    g_assert_false(fw_cfg_add_file(s, longname, "x", 1, false, &err));
    error_free(err);

    sel(s, FW_CFG_FILE_DIR);
    uint8_t dir[4 + 2 * 64];
    for (size_t i = 0; i < sizeof(dir); i++) {
        dir[i] = data(s);
    }
    g_assert_cmpuint(dir[3], ==, 2);            /* big-endian count */
    g_assert_cmpstr((char *)dir + 4 + 8, ==, "etc/alpha");
    g_assert_cmpuint(dir[4 + 3], ==, 4);        /* its size */
    uint16_t key = (uint16_t)(dir[4 + 4] << 8 | dir[4 + 5]);
    g_assert_cmpstr((char *)dir + 4 + 64 + 8, ==, "etc/zeta");
    sel(s, key);
    g_assert_cmpuint(data(s), ==, 'a');
    fw_cfg_free(s);
}

static void test_dma(void)
{
    FWCfgState *s = fw_cfg_new(&ram_ops, NULL);
    g_assert_true(fw_cfg_add_file(s, "etc/data", "0123456789", 10, false, NULL));
    g_assert_true(fw_cfg_add_file(s, "etc/rw", "........", 8, true, NULL));
    size_t n;
    uint16_t key_data = 0, key_rw = 0;
    sel(s, FW_CFG_FILE_DIR);
    uint8_t dir[4 + 2 * 64];
    for (size_t i = 0; i < sizeof(dir); i++) {
        dir[i] = data(s);
    }
    key_data = (uint16_t)(dir[8] << 8 | dir[9]);
    key_rw = (uint16_t)(dir[72] << 8 | dir[73]);

    /* Select and read 4, skip 2, read the rest and 6 bytes past the end. */
    memset(at(BUF_GPA), 0xee, 64);
    g_assert_cmphex(dma_req(s, (uint32_t)key_data << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ,
                            4, BUF_GPA, CTL_GPA), ==, 0);
    g_assert_cmpmem(at(BUF_GPA), 4, "0123", 4);
    g_assert_cmphex(dma_req(s, FW_CFG_DMA_SKIP, 2, 0, CTL_GPA), ==, 0);
    g_assert_cmphex(dma_req(s, FW_CFG_DMA_READ, 10, BUF_GPA, CTL_GPA), ==, 0);
    g_assert_cmpmem(at(BUF_GPA), 10, "6789\0\0\0\0\0\0", 10);
    g_assert_cmpuint(at(BUF_GPA)[10], ==, 0xee);

    /* Writes: only to a writable file, only within it. */
    memcpy(at(BUF_GPA), "written!", 8);
    g_assert_cmphex(dma_req(s, (uint32_t)key_rw << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_WRITE,
                            8, BUF_GPA, CTL_GPA), ==, 0);
    const uint8_t *rw = fw_cfg_file_data(s, "etc/rw", &n);
    g_assert_cmpmem(rw, n, "written!", 8);
    g_assert_cmphex(dma_req(s, (uint32_t)key_rw << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_WRITE,
                            9, BUF_GPA, CTL_GPA), ==, FW_CFG_DMA_ERROR);
    g_assert_cmphex(dma_req(s, (uint32_t)key_data << 16 | FW_CFG_DMA_SELECT |
                            FW_CFG_DMA_WRITE, 1, BUF_GPA, CTL_GPA), ==, FW_CFG_DMA_ERROR);
    g_assert_cmpmem(fw_cfg_file_data(s, "etc/data", &n), 1, "0", 1);

    /* A target outside RAM: error. A control structure outside RAM: ignored. */
    g_assert_cmphex(dma_req(s, (uint32_t)key_data << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ,
                            4, 0x10, CTL_GPA), ==, FW_CFG_DMA_ERROR);
    g_assert_cmphex(dma_req(s, FW_CFG_DMA_READ, 4, BUF_GPA, 0x20), ==, 0xdead);
    /* A read of an unknown key gives zeros, no error. */
    memset(at(BUF_GPA), 0xee, 8);
    g_assert_cmphex(dma_req(s, 0x1234u << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 8,
                            BUF_GPA, CTL_GPA), ==, 0);
    g_assert_cmpmem(at(BUF_GPA), 8, "\0\0\0\0\0\0\0\0", 8);
    /* A huge read runs until RAM ends, then reports the error. */
    g_assert_cmphex(dma_req(s, FW_CFG_DMA_READ, 0xffffffffu, BUF_GPA, CTL_GPA), ==,
                    FW_CFG_DMA_ERROR);
    fw_cfg_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fw-cfg/ports", test_ports);
    g_test_add_func("/fw-cfg/directory", test_directory);
    g_test_add_func("/fw-cfg/dma", test_dma);
    return g_test_run();
}
