/*
 * Arbitrary bytes as a bzImage for direct Linux boot: the plan is made or
 * refused, and every blob of a plan lies inside the kernel image, the initrd
 * or the plan's own memory, and inside guest RAM.
 */
#include "config.h"
#include "hw/i386/x86-boot.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const X86E820Entry ram[] = {
    { 0, 0x9fc00, X86_E820_RAM },
    { 0x100000, 128u << 20, X86_E820_RAM },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t initrd[4096];
    X86BootPlan p;

    if (!x86_boot_plan_linux(data, size, initrd, size % 2 ? sizeof(initrd) : 0,
                             "console=ttyS0", ram, 2, &p, NULL)) {
        return 0;
    }
    for (size_t i = 0; i < p.nblobs; i++) {
        const X86BootBlob *b = &p.blobs[i];
        volatile uint8_t sink = 0;
        for (size_t k = 0; k < b->len; k += 512) {
            sink ^= b->data[k];             /* ASan checks every blob is readable */
        }
        (void)sink;
        if (b->gpa + b->len > ram[1].addr + ram[1].size) {
            abort();
        }
    }
    x86_boot_plan_free(&p);
    return 0;
}
