/*
 * Direct Linux boot on x86 (the kernel's boot protocol, Documentation/arch/
 * x86/boot.rst): from a bzImage, an optional initrd and a command line, the
 * guest memory contents and CPU entry state that start the kernel without
 * firmware. The kernel image is untrusted input: every header field is
 * checked against the file and the guest's RAM before anything is placed.
 *
 * The result is a plan (blobs to copy to guest-physical addresses, and the
 * entry registers), so the accelerator that applies it and the tests that
 * check it need no knowledge of the format.
 */
#ifndef HW_I386_X86_BOOT_H
#define HW_I386_X86_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libcore/error.h"

/* Fixed places of the plan in low memory (below the EBDA). */
#define X86_BOOT_GDT          0x500
#define X86_BOOT_PARAMS       0x7000
#define X86_BOOT_PML4         0x9000      /* then the PDPT and four page directories */
#define X86_BOOT_CMDLINE      0x20000

#define X86_E820_RAM          1
#define X86_E820_RESERVED     2
#define X86_E820_MAX          128

typedef struct X86E820Entry {
    uint64_t addr, size;
    uint32_t type;
} X86E820Entry;

typedef struct X86BootBlob {
    uint64_t gpa;
    const uint8_t *data;        /* points into the image/initrd or into plan-owned memory */
    size_t len;
} X86BootBlob;

typedef struct X86BootPlan {
    X86BootBlob blobs[8];
    size_t nblobs;
    bool long_mode;             /* 64-bit entry (paging on, CR3 = X86_BOOT_PML4) */
    uint64_t entry;             /* rip */
    uint64_t boot_params;       /* rsi */
    uint64_t kernel_addr, kernel_end;   /* where the kernel runs, with its init_size */
    uint64_t initrd_addr;
    uint16_t protocol;          /* the kernel's boot protocol version */
    uint8_t *owned;             /* zero page, GDT, page tables, command line */
} X86BootPlan;

/*
 * Plan the boot of kernel (a bzImage, protocol 2.06 or later) with initrd
 * (may be NULL) and cmdline into a guest whose RAM is described by e820
 * (RAM below 4 GiB must hold the kernel, the initrd and the tables). The
 * blobs point into kernel and initrd, which must outlive the plan.
 */
bool x86_boot_plan_linux(const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
                         size_t initrd_len, const char *cmdline, const X86E820Entry *e820,
                         size_t n_e820, X86BootPlan *plan, Error **errp);
void x86_boot_plan_free(X86BootPlan *plan);

#endif
