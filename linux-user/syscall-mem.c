/*
 * Memory system calls: mmap and friends over the guest address space (mmap.c),
 * brk, the page-residency and locking calls, and the RISC-V icache flush.
 */
#include "config.h"
#include <errno.h>
#include <sys/mman.h>
#include "linux-user/user.h"

/* asm-generic gives mmap the number 222 (__NR3264_mmap). */
#ifndef TARGET_NR_mmap
#define TARGET_NR_mmap 222
#endif

static abi_long sys_mmap(CPUArchState *env, abi_long addr, abi_long len, abi_long prot,
                         abi_long flags, abi_long fd, abi_long off)
{
    (void)env;
    return target_mmap(addr, len, (int)prot, (int)flags, (int)fd, (off_t)off);
}

static abi_long sys_munmap(CPUArchState *env, abi_long addr, abi_long len, abi_long a3,
                           abi_long a4, abi_long a5, abi_long a6)
{
    (void)env; (void)a3; (void)a4; (void)a5; (void)a6;
    return target_munmap(addr, len);
}

static abi_long sys_mprotect(CPUArchState *env, abi_long addr, abi_long len,
                             abi_long prot, abi_long a4, abi_long a5, abi_long a6)
{
    (void)env; (void)a4; (void)a5; (void)a6;
    return target_mprotect(addr, len, (int)prot);
}

static abi_long sys_mremap(CPUArchState *env, abi_long addr, abi_long old_size,
                           abi_long new_size, abi_long flags, abi_long new_addr,
                           abi_long a6)
{
    (void)env; (void)a6;
    return target_mremap(addr, old_size, new_size, (int)flags, new_addr);
}

static abi_long sys_brk(CPUArchState *env, abi_long addr, abi_long a2, abi_long a3,
                        abi_long a4, abi_long a5, abi_long a6)
{
    (void)env; (void)a2; (void)a3; (void)a4; (void)a5; (void)a6;
    return do_brk(addr);
}

static abi_long sys_madvise(CPUArchState *env, abi_long addr, abi_long len,
                            abi_long advice, abi_long a4, abi_long a5, abi_long a6)
{
    (void)env; (void)a4; (void)a5; (void)a6;
    return target_madvise(addr, len, (int)advice);
}

/* Host pointer of a mapped guest range for calls that only look at it. */
static void *mapped_range(abi_ulong addr, abi_ulong len, abi_long *err)
{
    abi_ulong alen = TARGET_PAGE_ALIGN(addr + len) - (addr & TARGET_PAGE_MASK);

    if (!guest_range_valid(addr, len) || !page_check_range(addr & TARGET_PAGE_MASK, alen, 0)) {
        *err = -TARGET_ENOMEM;
        return NULL;
    }
    return g2h(addr);
}

static abi_long sys_msync(CPUArchState *env, abi_long addr, abi_long len,
                          abi_long flags, abi_long a4, abi_long a5, abi_long a6)
{
    abi_long err = 0;
    void *p;

    (void)env; (void)a4; (void)a5; (void)a6;
    if (addr & ~TARGET_PAGE_MASK) {
        return -TARGET_EINVAL;
    }
    p = mapped_range(addr, len, &err);
    return p ? get_errno(msync(p, len, (int)flags)) : err;
}

static abi_long sys_mlock(CPUArchState *env, abi_long addr, abi_long len, abi_long a3,
                          abi_long a4, abi_long a5, abi_long a6)
{
    abi_long err = 0;
    void *p;

    (void)env; (void)a3; (void)a4; (void)a5; (void)a6;
    p = mapped_range(addr, len, &err);
    return p ? get_errno(mlock(p, len)) : err;
}

static abi_long sys_munlock(CPUArchState *env, abi_long addr, abi_long len, abi_long a3,
                            abi_long a4, abi_long a5, abi_long a6)
{
    abi_long err = 0;
    void *p;

    (void)env; (void)a3; (void)a4; (void)a5; (void)a6;
    p = mapped_range(addr, len, &err);
    return p ? get_errno(munlock(p, len)) : err;
}

static abi_long sys_mlockall(CPUArchState *env, abi_long flags, abi_long a2,
                             abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    (void)env; (void)a2; (void)a3; (void)a4; (void)a5; (void)a6;
    /* MCL_CURRENT 1, MCL_FUTURE 2, MCL_ONFAULT 4: same on host and guest. */
    if (flags == 0 || (flags & ~7)) {
        return -TARGET_EINVAL;
    }
    return get_errno(mlockall((int)flags));
}

static abi_long sys_munlockall(CPUArchState *env, abi_long a1, abi_long a2,
                               abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    (void)env; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5; (void)a6;
    return get_errno(munlockall());
}

static abi_long sys_mincore(CPUArchState *env, abi_long addr, abi_long len,
                            abi_long vec, abi_long a4, abi_long a5, abi_long a6)
{
    abi_ulong alen = TARGET_PAGE_ALIGN((abi_ulong)len);
    abi_long err = 0;
    void *p, *v;
    abi_long ret;

    (void)env; (void)a4; (void)a5; (void)a6;
    if ((addr & ~TARGET_PAGE_MASK) || alen < (abi_ulong)len) {
        return -TARGET_EINVAL;
    }
    if (alen == 0) {
        return 0;
    }
    p = mapped_range(addr, alen, &err);
    if (!p) {
        return err;
    }
    v = lock_user(VERIFY_WRITE, vec, alen >> TARGET_PAGE_BITS, false);
    if (!v) {
        return -TARGET_EFAULT;
    }
    ret = get_errno(mincore(p, alen, v));
    unlock_user(v, vec, alen >> TARGET_PAGE_BITS);
    return ret;
}

#ifdef TARGET_NR_riscv_flush_icache
/* The guest's own code is always coherent with its data here: translated
 * blocks of written pages are dropped when the write happens. The call still
 * drops the range's blocks so a later fetch sees whatever is there now. */
static abi_long sys_riscv_flush_icache(CPUArchState *env, abi_long start, abi_long end,
                                       abi_long flags, abi_long a4, abi_long a5,
                                       abi_long a6)
{
    (void)env; (void)a4; (void)a5; (void)a6;
    if (flags & ~1) {           /* SYS_RISCV_FLUSH_ICACHE_LOCAL */
        return -TARGET_EINVAL;
    }
    if ((abi_ulong)end > (abi_ulong)start && user_proc.exec) {
        tcg_exec_invalidate_range(user_proc.exec, start, (abi_ulong)end - start);
    }
    return 0;
}
#endif

static const SyscallDef mem_syscalls[] = {
    { TARGET_NR_mmap, "mmap", sys_mmap, "pxPMfx", NULL, NULL },
    { TARGET_NR_munmap, "munmap", sys_munmap, "px", NULL, NULL },
    { TARGET_NR_mprotect, "mprotect", sys_mprotect, "pxP", NULL, NULL },
    { TARGET_NR_mremap, "mremap", sys_mremap, "pxxxp", NULL, NULL },
    { TARGET_NR_brk, "brk", sys_brk, "p", NULL, NULL },
    { TARGET_NR_madvise, "madvise", sys_madvise, "pxd", NULL, NULL },
    { TARGET_NR_msync, "msync", sys_msync, "pxx", NULL, NULL },
    { TARGET_NR_mlock, "mlock", sys_mlock, "px", NULL, NULL },
    { TARGET_NR_munlock, "munlock", sys_munlock, "px", NULL, NULL },
    { TARGET_NR_mlockall, "mlockall", sys_mlockall, "x", NULL, NULL },
    { TARGET_NR_munlockall, "munlockall", sys_munlockall, "", NULL, NULL },
    { TARGET_NR_mincore, "mincore", sys_mincore, "pxp", NULL, NULL },
#ifdef TARGET_NR_riscv_flush_icache
    { TARGET_NR_riscv_flush_icache, "riscv_flush_icache", sys_riscv_flush_icache,
      "ppx", NULL, NULL },
#endif
};
SYSCALL_TABLE_REGISTER(mem_syscalls)
