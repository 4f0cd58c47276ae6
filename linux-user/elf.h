/*
 * The ELF program parser: validates an executable image held in memory (the
 * whole file) and describes what the loader must map. It is pure (no I/O, no
 * guest state) so the fuzz target drives it directly. 64-bit ELF only, which is
 * what every guest with TARGET_ABI_BITS 64 uses.
 */
#ifndef LINUX_USER_ELF_H
#define LINUX_USER_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <elf.h>
#include "libcore/error.h"

/* Limits of what we accept (Linux refuses program header tables over 64 KiB). */
#define ELF_MAX_PHDR_BYTES  65536
#define ELF_MAX_INTERP_LEN  4096
#define ELF_PAGE_SIZE       4096ull

typedef struct ElfLoadSeg {
    uint64_t vaddr, memsz;      /* unbiased */
    uint64_t offset, filesz;
    int prot;                   /* PROT_* */
} ElfLoadSeg;

typedef struct ElfImage {
    uint16_t type;              /* ET_EXEC or ET_DYN */
    uint64_t entry;             /* unbiased */
    uint64_t phoff;
    uint16_t phnum, phentsize;
    uint64_t phdr_vaddr;        /* unbiased address of the header table, 0 if unmapped */
    ElfLoadSeg *segs;           /* PT_LOAD, in address order */
    size_t nsegs;
    uint64_t min_vaddr;         /* page-aligned down, first segment */
    uint64_t max_vaddr;         /* end of the last segment (not aligned) */
    uint64_t align;             /* largest p_align (>= page size) */
    char *interp;               /* PT_INTERP path or NULL */
    bool exec_stack;            /* PT_GNU_STACK with PF_X (or none) */
} ElfImage;

/*
 * Validate data[0..size) as an ELF executable for machine (EM_*) whose
 * addresses stay below addr_limit, and fill img. On error img is left empty.
 */
bool elf_parse(const uint8_t *data, size_t size, uint16_t machine,
               uint64_t addr_limit, ElfImage *img, Error **errp);
void elf_image_clear(ElfImage *img);

#endif
