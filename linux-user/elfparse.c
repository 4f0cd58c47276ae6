/*
 * The ELF program parser (see elf.h). Every field that the loader will use is
 * checked here: the identification, the header table's position and size, each
 * segment's file range and memory range (without overflow), their order, and the
 * interpreter path. The loader can then trust the description.
 */
#include "config.h"
#include <string.h>
#include <sys/mman.h>
#include <glib.h>
#include "linux-user/elf.h"

static int seg_prot(uint32_t pflags)
{
    return ((pflags & PF_R) ? PROT_READ : 0) | ((pflags & PF_W) ? PROT_WRITE : 0) |
           ((pflags & PF_X) ? PROT_EXEC : 0);
}

static bool check_ehdr(const Elf64_Ehdr *eh, size_t size, uint16_t machine, Error **errp)
{
    uint64_t table;

    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) {
        error_setf(errp, "not an ELF file");
        return false;
    }
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_machine != machine) {
        error_setf(errp, "Invalid ELF image for this architecture");
        return false;
    }
    if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT) {
        error_setf(errp, "unsupported ELF version");
        return false;
    }
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
        error_setf(errp, "ELF file is not an executable (type %u)", eh->e_type);
        return false;
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr)) {
        error_setf(errp, "bad ELF program header size %u", eh->e_phentsize);
        return false;
    }
    if (eh->e_phnum == 0 || eh->e_phnum == PN_XNUM) {
        error_setf(errp, "bad ELF program header count %u", eh->e_phnum);
        return false;
    }
    table = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
    if (table > ELF_MAX_PHDR_BYTES || eh->e_phoff > size || table > size - eh->e_phoff ||
        (eh->e_phoff & 7)) {
        error_setf(errp, "ELF program headers lie outside the file");
        return false;
    }
    return true;
}

static bool check_load(const Elf64_Phdr *ph, size_t size, uint64_t addr_limit,
                       const ElfLoadSeg *prev, Error **errp)
{
    if (ph->p_filesz > ph->p_memsz) {
        error_setf(errp, "ELF segment file size exceeds its memory size");
        return false;
    }
    if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset) {
        error_setf(errp, "ELF segment lies outside the file");
        return false;
    }
    if (ph->p_vaddr >= addr_limit || ph->p_memsz > addr_limit - ph->p_vaddr) {
        error_setf(errp, "ELF segment lies outside the address space");
        return false;
    }
    if (ph->p_align > 1 && (ph->p_align & (ph->p_align - 1))) {
        error_setf(errp, "ELF segment alignment is not a power of two");
        return false;
    }
    if ((ph->p_vaddr - ph->p_offset) % ELF_PAGE_SIZE) {
        error_setf(errp, "ELF segment offset and address disagree modulo the page size");
        return false;
    }
    if (prev && ph->p_vaddr < prev->vaddr + prev->memsz) {
        error_setf(errp, "ELF segments overlap or are out of order");
        return false;
    }
    return true;
}

static bool check_interp(const Elf64_Phdr *ph, const uint8_t *data, size_t size,
                         ElfImage *img, Error **errp)
{
    const char *s;

    if (img->interp) {
        error_setf(errp, "ELF file has more than one interpreter");
        return false;
    }
    if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset ||
        ph->p_filesz < 2 || ph->p_filesz > ELF_MAX_INTERP_LEN) {
        error_setf(errp, "bad ELF interpreter path");
        return false;
    }
    s = (const char *)data + ph->p_offset;
    if (s[ph->p_filesz - 1] != '\0' || strlen(s) != ph->p_filesz - 1) {
        error_setf(errp, "bad ELF interpreter path");
        return false;
    }
    img->interp = g_strndup(s, ph->p_filesz - 1);
    return true;
}

bool elf_parse(const uint8_t *data, size_t size, uint16_t machine,
               uint64_t addr_limit, ElfImage *img, Error **errp)
{
    Elf64_Ehdr eh;
    uint64_t phdr_seg = 0;

    memset(img, 0, sizeof(*img));
    img->exec_stack = true;         /* no PT_GNU_STACK: executable, as Linux */
    img->align = ELF_PAGE_SIZE;
    if (size < sizeof(eh)) {
        error_setf(errp, "file too short to be an ELF executable");
        return false;
    }
    memcpy(&eh, data, sizeof(eh));
    if (!check_ehdr(&eh, size, machine, errp)) {
        return false;
    }
    img->type = eh.e_type;
    img->entry = eh.e_entry;
    img->phoff = eh.e_phoff;
    img->phnum = eh.e_phnum;
    img->phentsize = eh.e_phentsize;
    img->segs = g_new0(ElfLoadSeg, eh.e_phnum);

    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;

        memcpy(&ph, data + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
        if (ph.p_type == PT_LOAD) {
            ElfLoadSeg *prev = img->nsegs ? &img->segs[img->nsegs - 1] : NULL;
            ElfLoadSeg *s;
            if (ph.p_memsz == 0) {
                continue;
            }
            if (!check_load(&ph, size, addr_limit, prev, errp)) {
                goto fail;
            }
            s = &img->segs[img->nsegs++];
            s->vaddr = ph.p_vaddr;
            s->memsz = ph.p_memsz;
            s->offset = ph.p_offset;
            s->filesz = ph.p_filesz;
            s->prot = seg_prot(ph.p_flags);
            if (ph.p_align > img->align) {
                img->align = ph.p_align;
            }
            if (eh.e_phoff >= ph.p_offset && eh.e_phoff - ph.p_offset < ph.p_filesz) {
                img->phdr_vaddr = ph.p_vaddr + (eh.e_phoff - ph.p_offset);
            }
        } else if (ph.p_type == PT_INTERP) {
            if (!check_interp(&ph, data, size, img, errp)) {
                goto fail;
            }
        } else if (ph.p_type == PT_PHDR) {
            phdr_seg = ph.p_vaddr;
        } else if (ph.p_type == PT_GNU_STACK) {
            img->exec_stack = (ph.p_flags & PF_X) != 0;
        }
    }
    if (img->nsegs == 0) {
        error_setf(errp, "ELF file has no loadable segment");
        goto fail;
    }
    if (!img->phdr_vaddr) {
        img->phdr_vaddr = phdr_seg;     /* headers not in a PT_LOAD: trust PT_PHDR */
    }
    img->min_vaddr = img->segs[0].vaddr & ~(ELF_PAGE_SIZE - 1);
    img->max_vaddr = img->segs[img->nsegs - 1].vaddr + img->segs[img->nsegs - 1].memsz;
    if (img->max_vaddr > addr_limit - ELF_PAGE_SIZE) {
        error_setf(errp, "ELF segment lies outside the address space");
        goto fail;
    }
    if (img->align > (1ull << 30)) {
        error_setf(errp, "ELF segment alignment too large");
        goto fail;
    }
    return true;

fail:
    elf_image_clear(img);
    return false;
}

void elf_image_clear(ElfImage *img)
{
    g_free(img->segs);
    g_free(img->interp);
    memset(img, 0, sizeof(*img));
}
