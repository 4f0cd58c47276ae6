/*
 * The direct Linux boot plan from synthetic bzImages: where the kernel,
 * initrd, command line, zero page, GDT and page tables go, what the zero page
 * says, the 64-bit and 32-bit entries, and the images and settings refused.
 * Debian's own kernel is planned too, where scripts/fetch-kernel.sh has
 * fetched it (the test suite does) or X86_BOOT_KERNEL names one.
 */
#include "config.h"
#include "hw/i386/x86-boot.h"

#include <glib.h>
#include <string.h>

#define MiB (1024u * 1024)

static void put16(uint8_t *p, size_t off, uint16_t v) { p[off] = (uint8_t)v; p[off + 1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, size_t off, uint32_t v) { put16(p, off, (uint16_t)v); put16(p, off + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, size_t off, uint64_t v) { put32(p, off, (uint32_t)v); put32(p, off + 4, (uint32_t)(v >> 32)); }
static uint32_t get32(const uint8_t *p, size_t off) { return p[off] | p[off + 1] << 8 | p[off + 2] << 16 | (uint32_t)p[off + 3] << 24; }
static uint64_t get64(const uint8_t *p, size_t off) { return get32(p, off) | (uint64_t)get32(p, off + 4) << 32; }

/* A bzImage of protocol version with 4 setup sectors and payload bytes of 0x90. */
static uint8_t *make_image(uint16_t version, bool kernel64, size_t payload, size_t *len)
{
    *len = 5 * 512 + payload;
    uint8_t *k = g_malloc0(*len);
    k[0x1f1] = 4;
    put16(k, 0x1fe, 0xaa55);
    k[0x200] = 0xeb;
    k[0x201] = 0x6a;                    /* header up to 0x26c */
    memcpy(k + 0x202, "HdrS", 4);
    put16(k, 0x206, version);
    k[0x211] = 0x01;                    /* LOADED_HIGH */
    put32(k, 0x214, 0x100000);
    put32(k, 0x22c, 0x7fffffff);
    put32(k, 0x230, 0x200000);
    k[0x234] = 1;
    put16(k, 0x236, kernel64 ? 0x3 : 0);
    put32(k, 0x238, 2048);
    put64(k, 0x258, 0x1000000);
    put32(k, 0x260, 0x2000000);         /* init_size: 32 MiB */
    memset(k + 5 * 512, 0x90, payload);
    return k;
}

static const X86E820Entry ram256[] = {
    { 0, 0x9fc00, X86_E820_RAM },
    { 0x9fc00, 0x400, X86_E820_RESERVED },
    { 0x100000, 256 * MiB - 0x100000, X86_E820_RAM },
};

static const X86BootBlob *blob_at(const X86BootPlan *p, uint64_t gpa)
{
    for (size_t i = 0; i < p->nblobs; i++) {
        if (p->blobs[i].gpa == gpa) {
            return &p->blobs[i];
        }
    }
    return NULL;
}

static void test_plan_64(void)
{
    size_t len;
    uint8_t *k = make_image(0x020f, true, 4096, &len);
    uint8_t initrd[10000];
    memset(initrd, 0x42, sizeof(initrd));
    X86BootPlan p;
    Error *err = NULL;
    g_assert_true(x86_boot_plan_linux(k, len, initrd, sizeof(initrd), "console=ttyS0 quiet",
                                      ram256, G_N_ELEMENTS(ram256), &p, &err));
    g_assert_true(p.long_mode);
    g_assert_cmphex(p.kernel_addr, ==, 0x1000000);     /* pref_address */
    g_assert_cmphex(p.entry, ==, 0x1000200);
    g_assert_cmphex(p.kernel_end, ==, 0x3000000);
    g_assert_cmphex(p.boot_params, ==, X86_BOOT_PARAMS);
    /* The initrd sits page-aligned at the top of RAM. */
    g_assert_cmphex(p.initrd_addr, ==, (256 * MiB - sizeof(initrd)) & ~0xfffu);
    const X86BootBlob *kb = blob_at(&p, 0x1000000);
    g_assert_nonnull(kb);
    g_assert_cmpuint(kb->len, ==, 4096);
    g_assert_true(kb->data == k + 5 * 512);
    g_assert_nonnull(blob_at(&p, p.initrd_addr));
    const X86BootBlob *cl = blob_at(&p, X86_BOOT_CMDLINE);
    g_assert_cmpstr((const char *)cl->data, ==, "console=ttyS0 quiet");

    /* The zero page. */
    const uint8_t *bp = blob_at(&p, X86_BOOT_PARAMS)->data;
    g_assert_cmpuint(bp[0x210], ==, 0xff);
    g_assert_cmphex(get32(bp, 0x228), ==, X86_BOOT_CMDLINE);
    g_assert_cmphex(get32(bp, 0x218), ==, p.initrd_addr);
    g_assert_cmpuint(get32(bp, 0x21c), ==, sizeof(initrd));
    g_assert_cmpmem(bp + 0x202, 4, "HdrS", 4);
    g_assert_cmpuint(bp[0x1e8], ==, 3);
    g_assert_cmphex(get64(bp, 0x2d0 + 40), ==, 0x100000);
    g_assert_cmpuint(get32(bp, 0x2d0 + 40 + 16), ==, X86_E820_RAM);

    /* GDT and an identity map of 4 GiB in 2 MiB pages. */
    const uint8_t *gdt = blob_at(&p, X86_BOOT_GDT)->data;
    g_assert_cmphex(get64(gdt, 0x10), ==, 0x00af9b000000ffffull);
    const uint8_t *pt = blob_at(&p, X86_BOOT_PML4)->data;
    g_assert_cmphex(get64(pt, 0), ==, (X86_BOOT_PML4 + 0x1000) | 3);
    g_assert_cmphex(get64(pt, 0x1000 + 8 * 3), ==, (X86_BOOT_PML4 + 0x5000) | 3);
    g_assert_cmphex(get64(pt, 0x5000 + 8 * 511), ==, 0xffe00000ull | 0x83);
    x86_boot_plan_free(&p);
    g_free(k);
}

static void test_plan_32(void)
{
    size_t len;
    uint8_t *k = make_image(0x020a, false, 1024, &len);
    X86BootPlan p;
    g_assert_true(x86_boot_plan_linux(k, len, NULL, 0, "", ram256, G_N_ELEMENTS(ram256), &p,
                                      NULL));
    g_assert_false(p.long_mode);
    g_assert_cmphex(p.entry, ==, 0x100000);            /* code32_start */
    g_assert_null(blob_at(&p, X86_BOOT_PML4));
    const uint8_t *gdt = blob_at(&p, X86_BOOT_GDT)->data;
    g_assert_cmphex(get64(gdt, 0x10), ==, 0x00cf9b000000ffffull);
    const uint8_t *bp = blob_at(&p, X86_BOOT_PARAMS)->data;
    g_assert_cmpuint(get32(bp, 0x21c), ==, 0);
    x86_boot_plan_free(&p);
    g_free(k);
}

static void test_relocated(void)
{
    /* 20 MiB of RAM: pref_address does not fit, a relocatable kernel moves down. */
    static const X86E820Entry ram20[] = {
        { 0, 0x9fc00, X86_E820_RAM }, { 0x100000, 40 * MiB, X86_E820_RAM },
    };
    size_t len;
    uint8_t *k = make_image(0x020f, true, 4096, &len);
    put64(k, 0x258, 0x3000000);
    X86BootPlan p;
    g_assert_true(x86_boot_plan_linux(k, len, NULL, 0, "", ram20, 2, &p, NULL));
    g_assert_cmphex(p.kernel_addr, ==, 0x200000);
    x86_boot_plan_free(&p);
    /* Not relocatable: refused. */
    k[0x234] = 0;
    Error *err = NULL;
    g_assert_false(x86_boot_plan_linux(k, len, NULL, 0, "", ram20, 2, &p, &err));
    g_assert_nonnull(strstr(error_message(err), "does not fit"));
    error_free(err);
    g_free(k);
}

static void expect_refused(uint8_t *k, size_t len, size_t initrd_len, const char *cmdline,
                           const char *why)
{
    static uint8_t initrd[1];
    X86BootPlan p;
    Error *err = NULL;
    g_assert_false(x86_boot_plan_linux(k, len, initrd_len ? initrd : NULL, initrd_len, cmdline,
                                       ram256, G_N_ELEMENTS(ram256), &p, &err));
    if (!strstr(error_message(err), why)) {
        g_error("\"%s\" lacks \"%s\"", error_message(err), why);
    }
    error_free(err);
}

static void test_refused(void)
{
    size_t len;
    uint8_t *k = make_image(0x020f, true, 4096, &len);
    expect_refused(k, 100, 0, "", "not a Linux bzImage");
    k[0x202] = 'X';
    expect_refused(k, len, 0, "", "not a Linux bzImage");
    k[0x202] = 'H';
    put16(k, 0x206, 0x0204);
    expect_refused(k, len, 0, "", "too old");
    put16(k, 0x206, 0x020f);
    k[0x211] = 0;
    expect_refused(k, len, 0, "", "not a bzImage");
    k[0x211] = 1;
    k[0x1f1] = 200;                     /* setup longer than the file */
    expect_refused(k, len, 0, "", "truncated");
    k[0x1f1] = 4;
    put32(k, 0x238, 8);
    expect_refused(k, len, 0, "console=ttyS0", "takes 8 at most");
    put32(k, 0x238, 2048);
    put32(k, 0x260, 0xffffffff);
    expect_refused(k, len, 0, "", "does not fit");
    put32(k, 0x260, 0x2000000);
    /* An initrd too big for what is left, or below initrd_addr_max. */
    expect_refused(k, len, 250 * MiB, "", "initrd");
    put32(k, 0x22c, 0x2800000);
    expect_refused(k, len, 16 * MiB, "", "initrd");
    /* No low RAM. */
    static const X86E820Entry high_only[] = { { 0x100000, 64 * MiB, X86_E820_RAM } };
    X86BootPlan p;
    Error *err = NULL;
    g_assert_false(x86_boot_plan_linux(k, len, NULL, 0, "", high_only, 1, &p, &err));
    g_assert_nonnull(strstr(error_message(err), "640 KiB"));
    error_free(err);
    g_free(k);
}

/* Debian's amd64 kernel, where it was fetched. */
static void test_debian_kernel(void)
{
    const char *path = g_getenv("X86_BOOT_KERNEL") ? g_getenv("X86_BOOT_KERNEL")
                                                   : TEST_KERNEL_PATH;
    gchar *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, NULL)) {
        g_test_skip("no Debian kernel fetched (scripts/fetch-kernel.sh)");
        return;
    }
    X86BootPlan p;
    Error *err = NULL;
    if (!x86_boot_plan_linux((uint8_t *)data, len, NULL, 0, "console=ttyS0", ram256,
                             G_N_ELEMENTS(ram256), &p, &err)) {
        g_error("%s: %s", path, error_message(err));
    }
    /* Debian's kernel: protocol 2.15, 64-bit entry, relocatable, at 16 MiB. */
    g_assert_true(p.long_mode);
    g_assert_cmphex(p.protocol, >=, 0x020c);
    g_assert_cmphex(p.kernel_addr, ==, 0x1000000);
    g_assert_cmphex(p.entry, ==, 0x1000200);
    g_assert_cmphex(p.kernel_end, >, p.kernel_addr + len / 2);
    x86_boot_plan_free(&p);
    g_free(data);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/x86-boot/plan-64", test_plan_64);
    g_test_add_func("/x86-boot/plan-32", test_plan_32);
    g_test_add_func("/x86-boot/relocated", test_relocated);
    g_test_add_func("/x86-boot/refused", test_refused);
    g_test_add_func("/x86-boot/debian-kernel", test_debian_kernel);
    return g_test_run();
}
