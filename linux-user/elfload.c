/*
 * The ELF program loader: maps the main program and its interpreter into the
 * guest address space from a description elf_parse() has validated, zeroes the
 * bss, places the heap, and builds the initial stack (strings, AT_RANDOM bytes,
 * auxiliary vector, envp, argv, argc) the way Linux lays it out.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "linux-user/elf.h"
#include "linux-user/process-int.h"

/* A file mapped read-only on the host for parsing. */
typedef struct ElfFile {
    int fd;
    const uint8_t *data;
    size_t size;
    ElfImage img;
} ElfFile;

static void elf_file_close(ElfFile *f)
{
    if (f->data) {
        munmap((void *)f->data, f->size);
    }
    elf_image_clear(&f->img);
    f->data = NULL;
}

static bool elf_file_open(ElfFile *f, int fd, const char *name, Error **errp)
{
    struct stat st;
    void *p;

    memset(f, 0, sizeof(*f));
    f->fd = fd;
    if (fstat(fd, &st) < 0) {
        error_setf_errno(errp, errno, "%s", name);
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        error_setf_errno(errp, EACCES, "%s", name);
        return false;
    }
    if ((uint64_t)st.st_size < sizeof(Elf64_Ehdr)) {
        error_setf(errp, "%s: Invalid ELF image for this architecture", name);
        return false;
    }
    p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        error_setf_errno(errp, errno, "%s", name);
        return false;
    }
    f->data = p;
    f->size = st.st_size;
    if (!elf_parse(f->data, f->size, TARGET_ELF_MACHINE, guest_addr_max, &f->img, errp)) {
        error_prepend(errp, "%s: ", name);
        elf_file_close(f);
        return false;
    }
    return true;
}

/* Zero [start, end) inside one page that may not be writable. */
static void zero_partial_page(abi_ulong start, abi_ulong end, int prot)
{
    abi_ulong page = start & TARGET_PAGE_MASK;

    if (end <= start) {
        return;
    }
    if (!(prot & PROT_WRITE)) {
        target_mprotect(page, TARGET_PAGE_SIZE, prot | PROT_WRITE);
    }
    memset(g2h(start), 0, end - start);
    if (!(prot & PROT_WRITE)) {
        target_mprotect(page, TARGET_PAGE_SIZE, prot);
    }
}

static bool map_segment(ElfFile *f, const ElfLoadSeg *s, abi_ulong bias, Error **errp)
{
    abi_ulong vaddr = bias + s->vaddr;
    abi_ulong start = vaddr & TARGET_PAGE_MASK;
    abi_ulong file_end = vaddr + s->filesz;
    abi_ulong mem_end = vaddr + s->memsz;
    abi_ulong anon_start = TARGET_PAGE_ALIGN(file_end);
    abi_long r;

    if (s->filesz) {
        r = target_mmap(start, anon_start - start, s->prot,
                        MAP_PRIVATE | MAP_FIXED, f->fd,
                        (off_t)(s->offset - (vaddr - start)));
        if (r < 0) {
            error_setf_errno(errp, target_to_host_errno((int)-r),
                             "cannot map ELF segment at 0x%" PRIx64, (uint64_t)start);
            return false;
        }
        /* The bss starts inside the file's last page: clear the rest of that
         * page, as Linux does (ld.so's allocator uses the tail after _end). */
        if (mem_end > file_end) {
            zero_partial_page(file_end, anon_start, s->prot);
        }
    } else {
        anon_start = start;
    }
    if (TARGET_PAGE_ALIGN(mem_end) > anon_start) {
        r = target_mmap(anon_start, TARGET_PAGE_ALIGN(mem_end) - anon_start, s->prot,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (r < 0) {
            error_setf_errno(errp, target_to_host_errno((int)-r),
                             "cannot map ELF bss at 0x%" PRIx64, (uint64_t)anon_start);
            return false;
        }
    }
    return true;
}

/* Where an image goes: its own addresses (ET_EXEC) or a free, aligned range. */
static bool place_image(ElfFile *f, bool is_interp, abi_ulong *bias, Error **errp)
{
    const ElfImage *img = &f->img;
    abi_ulong span = TARGET_PAGE_ALIGN(img->max_vaddr) - img->min_vaddr;
    abi_ulong align = img->align > TARGET_PAGE_SIZE ? img->align : TARGET_PAGE_SIZE;
    abi_ulong base;
    abi_long r;

    if (img->type == ET_EXEC) {
        r = target_mmap(img->min_vaddr, span, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (r < 0) {
            error_setf(errp, "cannot reserve 0x%" PRIx64 "-0x%" PRIx64
                       " for the program: %s", (uint64_t)img->min_vaddr,
                       (uint64_t)(img->min_vaddr + span), target_strerror((int)-r));
            return false;
        }
        *bias = 0;
        return true;
    }
    base = (abi_ulong)-1;
    if (!is_interp) {
        abi_ulong want = TARGET_ELF_ET_DYN_BASE;
        if (want > guest_addr_max / 3 * 2) {
            want = guest_addr_max / 3 * 2;
        }
        want = (want + align - 1) & ~(align - 1);
        base = mmap_find_vma(want, span);
        if (base != want) {
            base = (abi_ulong)-1;
        }
    }
    if (base == (abi_ulong)-1) {
        base = mmap_find_vma(0, span + align - TARGET_PAGE_SIZE);
        if (base != (abi_ulong)-1) {
            base = (base + align - 1) & ~(align - 1);
        }
    }
    if (base == (abi_ulong)-1) {
        error_setf(errp, "no room for a 0x%" PRIx64 " byte program image", (uint64_t)span);
        return false;
    }
    r = target_mmap(base, span, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (r < 0) {
        error_setf(errp, "cannot reserve room for the program: %s",
                   target_strerror((int)-r));
        return false;
    }
    *bias = base - img->min_vaddr;
    return true;
}

/* Map every segment; the holes of the reservation between them are unmapped. */
static bool load_image(ElfFile *f, bool is_interp, abi_ulong *bias_out, Error **errp)
{
    const ElfImage *img = &f->img;
    abi_ulong bias, prev_end;

    if (!place_image(f, is_interp, &bias, errp)) {
        return false;
    }
    prev_end = bias + img->min_vaddr;
    for (size_t i = 0; i < img->nsegs; i++) {
        const ElfLoadSeg *s = &img->segs[i];
        abi_ulong start = (bias + s->vaddr) & TARGET_PAGE_MASK;

        if (start > prev_end) {
            target_munmap(prev_end, start - prev_end);
        }
        if (!map_segment(f, s, bias, errp)) {
            return false;
        }
        prev_end = TARGET_PAGE_ALIGN(bias + s->vaddr + s->memsz);
    }
    *bias_out = bias;
    return true;
}

/* ---- the initial stack ---- */

typedef struct StackBuilder {
    abi_ulong sp;
    abi_ulong low;
    bool overflow;
} StackBuilder;

static abi_ulong push_bytes(StackBuilder *sb, const void *data, size_t len)
{
    if (sb->sp - sb->low < len + 64) {
        sb->overflow = true;
        return sb->sp;
    }
    sb->sp -= len;
    memcpy(g2h(sb->sp), data, len);
    return sb->sp;
}

static abi_ulong push_string(StackBuilder *sb, const char *s)
{
    return push_bytes(sb, s, strlen(s) + 1);
}

static void random_bytes(uint8_t out[16])
{
    if (user_proc.have_seed) {
        GRand *r = g_rand_new_with_seed((guint32)(user_proc.seed ^ (user_proc.seed >> 32)));
        for (int i = 0; i < 16; i++) {
            out[i] = (uint8_t)g_rand_int(r);
        }
        g_rand_free(r);
    } else {
        for (int i = 0; i < 16; i++) {
            out[i] = (uint8_t)g_random_int();
        }
    }
}

static bool build_stack(CPUArchState *env, char **argv, char **envp,
                        abi_ulong stack_top, abi_ulong interp_bias,
                        const ElfImage *main_img, abi_ulong main_bias, Error **errp)
{
    StackBuilder sb = { .sp = stack_top - sizeof(abi_ulong), .low = user_proc.stack_low };
    int argc = 0, envc = 0;
    abi_ulong execfn, platform = 0, rnd, *argp, *envpp;
    abi_ulong auxv[2 * 24];
    size_t na = 0, nwords;
    const char *plat = target_elf_platform();
    uint8_t rbytes[16];
    abi_ulong *frame;

    while (argv[argc]) {
        argc++;
    }
    while (envp[envc]) {
        envc++;
    }
    argp = g_new(abi_ulong, argc + 1);
    envpp = g_new(abi_ulong, envc + 1);
    execfn = push_string(&sb, user_proc.exec_path);
    for (int i = envc - 1; i >= 0; i--) {
        envpp[i] = push_string(&sb, envp[i]);
    }
    user_proc.env_end = envc ? envpp[envc - 1] + strlen(envp[envc - 1]) + 1 : execfn;
    user_proc.env_start = envc ? envpp[0] : execfn;
    for (int i = argc - 1; i >= 0; i--) {
        argp[i] = push_string(&sb, argv[i]);
    }
    user_proc.arg_start = argc ? argp[0] : user_proc.env_start;
    user_proc.arg_end = user_proc.env_start;
    if (plat) {
        platform = push_string(&sb, plat);
    }
    sb.sp &= ~(abi_ulong)15;
    random_bytes(rbytes);
    rnd = push_bytes(&sb, rbytes, 16);

#define AUX(t, v) do { auxv[na++] = (t); auxv[na++] = (v); } while (0)
    AUX(AT_PHDR, main_img->phdr_vaddr ? main_bias + main_img->phdr_vaddr : 0);
    AUX(AT_PHENT, main_img->phentsize);
    AUX(AT_PHNUM, main_img->phnum);
    AUX(AT_PAGESZ, TARGET_PAGE_SIZE);
    AUX(AT_BASE, interp_bias);
    AUX(AT_FLAGS, 0);
    AUX(AT_ENTRY, main_bias + main_img->entry);
    AUX(AT_UID, getuid());
    AUX(AT_EUID, geteuid());
    AUX(AT_GID, getgid());
    AUX(AT_EGID, getegid());
    AUX(AT_HWCAP, target_elf_hwcap(env));
    AUX(AT_CLKTCK, sysconf(_SC_CLK_TCK));
    AUX(AT_RANDOM, rnd);
    AUX(AT_SECURE, 0);
    AUX(AT_EXECFN, execfn);
    if (plat) {
        AUX(AT_PLATFORM, platform);
    }
    AUX(AT_NULL, 0);
#undef AUX

    nwords = 1 + argc + 1 + envc + 1 + na;
    if (sb.overflow || sb.sp - sb.low < nwords * sizeof(abi_ulong) + 64) {
        g_free(argp);
        g_free(envpp);
        error_setf(errp, "the arguments and environment do not fit in the stack "
                   "(%lu bytes)", user_proc.stack_size);
        return false;
    }
    sb.sp = (sb.sp - nwords * sizeof(abi_ulong)) & ~(abi_ulong)15;
    frame = g2h(sb.sp);
    frame[0] = argc;
    memcpy(frame + 1, argp, argc * sizeof(abi_ulong));
    frame[1 + argc] = 0;
    memcpy(frame + 2 + argc, envpp, envc * sizeof(abi_ulong));
    frame[2 + argc + envc] = 0;
    memcpy(frame + 3 + argc + envc, auxv, na * sizeof(abi_ulong));
    user_proc.auxv = sb.sp + (3 + argc + envc) * sizeof(abi_ulong);
    user_proc.auxv_len = na * sizeof(abi_ulong);
    user_proc.start_stack = sb.sp;
    g_free(argp);
    g_free(envpp);
    return true;
}

static bool map_stack(bool exec, abi_ulong *top, Error **errp)
{
    abi_ulong size = TARGET_PAGE_ALIGN(user_proc.stack_size);
    abi_ulong hi = guest_addr_max & TARGET_PAGE_MASK;
    abi_long r;

    if (size < TARGET_PAGE_SIZE || size > hi / 2) {
        error_setf(errp, "stack size 0x%lx does not fit the guest address space",
                   user_proc.stack_size);
        return false;
    }
    r = target_mmap(hi - size, size,
                    PROT_READ | PROT_WRITE | (exec ? PROT_EXEC : 0),
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | 0x20000, -1, 0);
    if (r < 0) {
        /* The top of the space is taken on the host: anywhere will do. */
        r = target_mmap(0, size, PROT_READ | PROT_WRITE | (exec ? PROT_EXEC : 0),
                        MAP_PRIVATE | MAP_ANONYMOUS | 0x20000, -1, 0);
    }
    if (r < 0) {
        error_setf(errp, "cannot map the 0x%" PRIx64 " byte stack: %s",
                   (uint64_t)size, target_strerror((int)-r));
        return false;
    }
    user_proc.stack_low = r;
    *top = r + size;
    /* A free page below the stack so an overflow faults. */
    mmap_set_base(r - TARGET_PAGE_SIZE);
    return true;
}

static bool load_interp(const char *interp, abi_ulong *bias, abi_ulong *entry, Error **errp)
{
    const char *hp = path(interp);
    ElfFile f;
    int fd = open(hp, O_RDONLY | O_CLOEXEC);
    bool ok;

    if (fd < 0) {
        error_setf(errp, "Could not open '%s': %s", interp, g_strerror(errno));
        return false;
    }
    ok = elf_file_open(&f, fd, interp, errp);
    if (ok && f.img.interp) {
        error_setf(errp, "%s: the interpreter has an interpreter itself", interp);
        ok = false;
    }
    if (ok) {
        ok = load_image(&f, true, bias, errp);
        *entry = *bias + f.img.entry;
    }
    if (f.data || ok) {
        elf_file_close(&f);
    }
    close(fd);
    return ok;
}

bool elf_load_program(const char *filename, int fd, char **argv, char **envp,
                      CPUArchState *env, Error **errp)
{
    ElfFile f;
    abi_ulong bias, interp_bias = 0, start, top, end = 0;
    bool ok = false;

    if (!elf_file_open(&f, fd, filename, errp)) {
        return false;
    }
    if (!map_stack(f.img.exec_stack, &top, errp) ||
        !load_image(&f, false, &bias, errp)) {
        goto out;
    }
    user_proc.load_bias = f.img.type == ET_DYN ? bias : 0;
    user_proc.entry = bias + f.img.entry;
    user_proc.phdr = f.img.phdr_vaddr ? bias + f.img.phdr_vaddr : 0;
    user_proc.phnum = f.img.phnum;
    user_proc.start_code = (abi_ulong)-1;
    for (size_t i = 0; i < f.img.nsegs; i++) {
        const ElfLoadSeg *s = &f.img.segs[i];
        abi_ulong a = bias + s->vaddr;
        if (s->prot & PROT_EXEC) {
            if (a < user_proc.start_code) {
                user_proc.start_code = a;
            }
            if (a + s->filesz > user_proc.end_code) {
                user_proc.end_code = a + s->filesz;
            }
        } else {
            if (!user_proc.start_data || a < user_proc.start_data) {
                user_proc.start_data = a;
            }
            if (a + s->filesz > user_proc.end_data) {
                user_proc.end_data = a + s->filesz;
            }
        }
        if (a + s->memsz > end) {
            end = a + s->memsz;
        }
    }
    if (user_proc.start_code == (abi_ulong)-1) {
        user_proc.start_code = 0;
    }
    mmap_set_brk(end);
    start = user_proc.entry;
    if (f.img.interp) {
        if (!load_interp(f.img.interp, &interp_bias, &start, errp)) {
            goto out;
        }
    }
    user_proc.interp_base = interp_bias;
    user_proc.start_entry = start;
    if (!build_stack(env, argv, envp, top, interp_bias, &f.img, bias, errp)) {
        goto out;
    }
    target_cpu_init_regs(env, start, user_proc.start_stack);
    ok = true;
out:
    elf_file_close(&f);
    return ok;
}
