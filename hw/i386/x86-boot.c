/*
 * The Linux x86 boot protocol, loader side. The kernel's own setup code is
 * not run: the protected-mode kernel is entered directly, at its 64-bit entry
 * (protocol 2.12+, XLF_KERNEL_64) with an identity map of the low 4 GiB, or
 * else at its 32-bit entry with paging off. Either way the CPU gets flat
 * segments from a small GDT (code 0x10, data 0x18) and the zero page in rsi.
 */
#include "config.h"
#include "hw/i386/x86-boot.h"

#include <glib.h>
#include <string.h>

/* Setup header fields: offsets in the image and in the zero page alike. */
#define HDR_SETUP_SECTS      0x1f1
#define HDR_BOOT_FLAG        0x1fe
#define HDR_JUMP             0x200
#define HDR_MAGIC            0x202
#define HDR_VERSION          0x206
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS        0x211
#define HDR_CODE32_START     0x214
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21c
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE      0x234
#define HDR_XLOADFLAGS       0x236
#define HDR_CMDLINE_SIZE     0x238
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE        0x260
#define HDR_END_MAX          0x290          /* where the zero page's header area ends */
/* Zero page fields outside the header. */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_E820_ENTRIES      0x1e8
#define BP_E820_TABLE        0x2d0

#define LOADED_HIGH          0x01
#define XLF_KERNEL_64        0x01
#define KERNEL_64_ENTRY      0x200
#define LOW_RAM_NEEDED       0x9fc00        /* tables and command line live below */
#define CMDLINE_MAX          0xffff

/* The plan-owned block: GDT, zero page, page tables, command line. */
#define OWN_GDT      0
#define OWN_PARAMS   0x1000
#define OWN_PT       0x2000                 /* PML4, PDPT, 4 page directories */
#define OWN_CMDLINE  0x8000

static uint8_t get8(const uint8_t *p, size_t off) { return p[off]; }
static uint16_t get16(const uint8_t *p, size_t off) { return (uint16_t)(p[off] | p[off + 1] << 8); }
static uint32_t get32(const uint8_t *p, size_t off) { return get16(p, off) | (uint32_t)get16(p, off + 2) << 16; }
static uint64_t get64(const uint8_t *p, size_t off) { return get32(p, off) | (uint64_t)get32(p, off + 4) << 32; }
static void put16(uint8_t *p, size_t off, uint16_t v) { p[off] = (uint8_t)v; p[off + 1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, size_t off, uint32_t v) { put16(p, off, (uint16_t)v); put16(p, off + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, size_t off, uint64_t v) { put32(p, off, (uint32_t)v); put32(p, off + 4, (uint32_t)(v >> 32)); }

/* The end of the RAM region holding 1 MiB (where the kernel goes), below 4 GiB. */
static uint64_t low_ram_top(const X86E820Entry *e820, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (e820[i].type == X86_E820_RAM && e820[i].addr <= 0x100000 &&
            e820[i].size > 0x100000 - e820[i].addr) {
            return MIN(e820[i].addr + e820[i].size, (uint64_t)1 << 32);
        }
    }
    return 0;
}

static bool low_ram_ok(const X86E820Entry *e820, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (e820[i].type == X86_E820_RAM && e820[i].addr == 0 && e820[i].size >= LOW_RAM_NEEDED) {
            return true;
        }
    }
    return false;
}

typedef struct Header {
    uint16_t version;
    size_t setup_len;           /* real-mode part, skipped */
    bool entry64;
    uint32_t code32_start, initrd_addr_max, alignment, cmdline_size, init_size;
    uint64_t pref_address;
    bool relocatable;
} Header;

static bool read_header(const uint8_t *k, size_t len, Header *h, Error **errp)
{
    if (len < HDR_END_MAX || get16(k, HDR_BOOT_FLAG) != 0xaa55 ||
        memcmp(k + HDR_MAGIC, "HdrS", 4)) {
        error_setf(errp, "not a Linux bzImage (no boot protocol header)");
        return false;
    }
    h->version = get16(k, HDR_VERSION);
    if (h->version < 0x0206) {
        error_setf(errp, "Linux boot protocol %u.%02u is too old (2.06 or later needed)",
                   h->version >> 8, h->version & 0xff);
        return false;
    }
    if (!(get8(k, HDR_LOADFLAGS) & LOADED_HIGH)) {
        error_setf(errp, "not a bzImage (a zImage must be loaded low)");
        return false;
    }
    unsigned sects = get8(k, HDR_SETUP_SECTS) ? get8(k, HDR_SETUP_SECTS) : 4;
    h->setup_len = (size_t)(sects + 1) * 512;
    if (h->setup_len >= len) {
        error_setf(errp, "bzImage truncated: %zu bytes of setup, %zu in the file", h->setup_len,
                   len);
        return false;
    }
    h->entry64 = h->version >= 0x020c && (get16(k, HDR_XLOADFLAGS) & XLF_KERNEL_64);
    h->code32_start = get32(k, HDR_CODE32_START);
    h->initrd_addr_max = get32(k, HDR_INITRD_ADDR_MAX);
    h->cmdline_size = get32(k, HDR_CMDLINE_SIZE);
    h->relocatable = h->version >= 0x0205 && get8(k, HDR_RELOCATABLE);
    h->alignment = get32(k, HDR_KERNEL_ALIGNMENT);
    h->pref_address = h->version >= 0x020a ? get64(k, HDR_PREF_ADDRESS) : h->code32_start;
    h->init_size = h->version >= 0x020a ? get32(k, HDR_INIT_SIZE) : 0;
    return true;
}

/* Where the protected-mode kernel runs, checked against the low RAM region. */
static bool place_kernel(const Header *h, size_t payload, uint64_t ram_top, X86BootPlan *plan,
                         Error **errp)
{
    uint64_t need = MAX((uint64_t)payload, (uint64_t)h->init_size);
    uint64_t addr = h->entry64 ? h->pref_address : h->code32_start;

    if (h->entry64 && h->relocatable && (addr < 0x100000 || addr + need > ram_top)) {
        /* Anywhere aligned will do; the lowest aligned address above 1 MiB. */
        uint64_t align = h->alignment && !(h->alignment & (h->alignment - 1)) ? h->alignment
                                                                              : 0x200000;
        addr = (0x100000 + align - 1) & ~(align - 1);
    }
    if (addr < 0x100000 || addr >= ram_top || need > ram_top - addr) {
        error_setf(errp, "the kernel (%" G_GUINT64_FORMAT " bytes at 0x%" G_GINT64_MODIFIER
                   "x) does not fit in guest RAM below 0x%" G_GINT64_MODIFIER "x", need, addr,
                   ram_top);
        return false;
    }
    plan->kernel_addr = addr;
    plan->kernel_end = addr + need;
    plan->entry = addr + (h->entry64 ? KERNEL_64_ENTRY : 0);
    plan->long_mode = h->entry64;
    plan->protocol = h->version;
    return true;
}

static bool place_initrd(const Header *h, size_t initrd_len, uint64_t ram_top,
                         X86BootPlan *plan, Error **errp)
{
    uint64_t limit = MIN(ram_top, (uint64_t)h->initrd_addr_max + 1);

    if (initrd_len > limit || ((limit - initrd_len) & ~0xfffull) < plan->kernel_end) {
        error_setf(errp, "the initrd (%zu bytes) does not fit in guest RAM between the kernel "
                   "and 0x%" G_GINT64_MODIFIER "x", initrd_len, limit);
        return false;
    }
    plan->initrd_addr = (limit - initrd_len) & ~0xfffull;
    return true;
}

/* GDT: null, null, 0x10 code (64-bit or 32-bit), 0x18 data; flat 4 GiB. */
static void build_gdt(uint8_t *gdt, bool long_mode)
{
    put64(gdt, 0x10, long_mode ? 0x00af9b000000ffffull : 0x00cf9b000000ffffull);
    put64(gdt, 0x18, 0x00cf93000000ffffull);
}

/* Identity map of 0-4 GiB with 2 MiB pages: PML4, one PDPT, four directories. */
static void build_page_tables(uint8_t *pt)
{
    const uint64_t present_rw = 0x3, large = 0x80;

    put64(pt, 0, (X86_BOOT_PML4 + 0x1000) | present_rw);
    for (uint64_t i = 0; i < 4; i++) {
        put64(pt + 0x1000, 8 * i, (X86_BOOT_PML4 + 0x2000 + 0x1000 * i) | present_rw);
        for (uint64_t j = 0; j < 512; j++) {
            put64(pt + 0x2000 + 0x1000 * i, 8 * j,
                  ((i << 30) | (j << 21)) | present_rw | large);
        }
    }
}

static void build_params(uint8_t *bp, const uint8_t *k, size_t len, const X86BootPlan *plan,
                         size_t initrd_len, const X86E820Entry *e820, size_t n_e820)
{
    size_t hdr_end = MIN((size_t)HDR_JUMP + 2 + k[HDR_JUMP + 1], (size_t)HDR_END_MAX);

    memcpy(bp + HDR_SETUP_SECTS, k + HDR_SETUP_SECTS, MIN(hdr_end, len) - HDR_SETUP_SECTS);
    bp[HDR_TYPE_OF_LOADER] = 0xff;          /* "undefined" loader */
    put32(bp, HDR_CMD_LINE_PTR, X86_BOOT_CMDLINE);
    put32(bp, HDR_RAMDISK_IMAGE, initrd_len ? (uint32_t)plan->initrd_addr : 0);
    put32(bp, HDR_RAMDISK_SIZE, (uint32_t)initrd_len);
    put32(bp, BP_EXT_RAMDISK_IMAGE, 0);
    bp[BP_E820_ENTRIES] = (uint8_t)n_e820;
    for (size_t i = 0; i < n_e820; i++) {
        put64(bp, BP_E820_TABLE + 20 * i, e820[i].addr);
        put64(bp, BP_E820_TABLE + 20 * i + 8, e820[i].size);
        put32(bp, BP_E820_TABLE + 20 * i + 16, e820[i].type);
    }
}

static void add_blob(X86BootPlan *plan, uint64_t gpa, const uint8_t *data, size_t len)
{
    plan->blobs[plan->nblobs++] = (X86BootBlob){ gpa, data, len };
}

bool x86_boot_plan_linux(const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
                         size_t initrd_len, const char *cmdline, const X86E820Entry *e820,
                         size_t n_e820, X86BootPlan *plan, Error **errp)
{
    Header h;
    size_t cmdlen = strlen(cmdline ? cmdline : "");
    uint64_t ram_top = low_ram_top(e820, n_e820);

    memset(plan, 0, sizeof(*plan));
    if (n_e820 > X86_E820_MAX || !ram_top || !low_ram_ok(e820, n_e820)) {
        error_setf(errp, "direct Linux boot needs RAM from 0 to 640 KiB and above 1 MiB");
        return false;
    }
    if (!read_header(kernel, kernel_len, &h, errp) ||
        !place_kernel(&h, kernel_len - h.setup_len, ram_top, plan, errp) ||
        (initrd_len && !place_initrd(&h, initrd_len, ram_top, plan, errp))) {
        return false;
    }
    if (cmdlen > h.cmdline_size || cmdlen > CMDLINE_MAX) {
        error_setf(errp, "the kernel command line is %zu bytes; this kernel takes %u at most",
                   cmdlen, MIN(h.cmdline_size, (uint32_t)CMDLINE_MAX));
        return false;
    }
    plan->owned = g_malloc0(OWN_CMDLINE + cmdlen + 1);
    memcpy(plan->owned + OWN_CMDLINE, cmdline ? cmdline : "", cmdlen);
    build_gdt(plan->owned + OWN_GDT, plan->long_mode);
    build_page_tables(plan->owned + OWN_PT);
    build_params(plan->owned + OWN_PARAMS, kernel, kernel_len, plan, initrd_len, e820, n_e820);
    plan->boot_params = X86_BOOT_PARAMS;
    add_blob(plan, X86_BOOT_GDT, plan->owned + OWN_GDT, 0x20);
    add_blob(plan, X86_BOOT_PARAMS, plan->owned + OWN_PARAMS, 0x1000);
    if (plan->long_mode) {
        add_blob(plan, X86_BOOT_PML4, plan->owned + OWN_PT, 0x6000);
    }
    add_blob(plan, X86_BOOT_CMDLINE, plan->owned + OWN_CMDLINE, cmdlen + 1);
    add_blob(plan, plan->kernel_addr, kernel + h.setup_len, kernel_len - h.setup_len);
    if (initrd_len) {
        add_blob(plan, plan->initrd_addr, initrd, initrd_len);
    }
    return true;
}

void x86_boot_plan_free(X86BootPlan *plan)
{
    g_free(plan->owned);
    memset(plan, 0, sizeof(*plan));
}
