/*
 * libFuzzer target for the linux-user ELF program parser (linux-user/elf.h).
 *
 * Checks, for any input: elf_parse never crashes or reads outside the buffer
 * (ASan), and when it accepts an image every promise the loader relies on
 * holds: segments inside the file and the address space, in order, without
 * overlap, file size within memory size, a NUL-free interpreter path.
 */
#include "config.h"
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "linux-user/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ADDR_LIMIT (1ull << 38)

static void check_image(const ElfImage *img, size_t size)
{
    if (img->nsegs == 0 || img->nsegs > img->phnum) {
        abort();
    }
    if (img->type != ET_EXEC && img->type != ET_DYN) {
        abort();
    }
    for (size_t i = 0; i < img->nsegs; i++) {
        const ElfLoadSeg *s = &img->segs[i];
        if (s->filesz > s->memsz || s->offset > size || s->filesz > size - s->offset) {
            abort();
        }
        if (s->vaddr >= FUZZ_ADDR_LIMIT || s->memsz > FUZZ_ADDR_LIMIT - s->vaddr) {
            abort();
        }
        if ((s->vaddr - s->offset) % ELF_PAGE_SIZE) {
            abort();
        }
        if (i && s->vaddr < img->segs[i - 1].vaddr + img->segs[i - 1].memsz) {
            abort();
        }
    }
    if (img->max_vaddr > FUZZ_ADDR_LIMIT || img->min_vaddr > img->max_vaddr) {
        abort();
    }
    if (img->interp && (strlen(img->interp) == 0 ||
                        strlen(img->interp) >= ELF_MAX_INTERP_LEN)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes so ASan sees any read past the end. */
    uint8_t *buf = g_memdup2(data, size);
    ElfImage img;
    Error *err = NULL;

    if (elf_parse(buf, size, EM_RISCV, FUZZ_ADDR_LIMIT, &img, &err)) {
        check_image(&img, size);
        elf_image_clear(&img);
    } else {
        if (!err || img.segs || img.interp) {
            abort();
        }
        error_free(err);
    }
    g_free(buf);
    return 0;
}
