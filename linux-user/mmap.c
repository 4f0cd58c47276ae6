/*
 * The guest address space: where the guest lives in the host (guest_base and an
 * optional up-front reservation), the guest's mmap/munmap/mprotect/mremap/brk on
 * top of the host's, the search for free guest ranges, and the write protection
 * of pages holding translated code.
 *
 * Host and guest pages are both 4 KiB (a larger host page is refused at
 * start-up), so a guest page is exactly one host page. Without a reservation the
 * host mappings are made with MAP_FIXED_NOREPLACE so nothing of the emulator's
 * own is ever replaced; with one, the whole guest space is a PROT_NONE mapping
 * that guest mappings replace and unmapping restores.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "linux-user/process-int.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

uintptr_t guest_base;
abi_ulong reserved_va;
abi_ulong guest_addr_max;

/* The whole guest space is reserved on the host (-R, or chosen at start-up). */
static bool space_reserved;
/* Lowest guest address a mapping may use (the host's vm.mmap_min_addr). */
static abi_ulong mmap_min;
/* mmap_find_vma searches downwards from here. */
static abi_ulong mmap_base;
/* Where the last search ended: the next one starts there (0: at mmap_base). */
static abi_ulong vma_hint;
/* brk: the heap's mapped end (page aligned). */
static abi_ulong brk_mapped_end;

/* Internal flag: translated code was made from this page. */
#define PAGE_CODE 0x40

/* Guest mmap flag values of the asm-generic ABI. */
enum {
    TARGET_MAP_SHARED = 0x01, TARGET_MAP_PRIVATE = 0x02,
    TARGET_MAP_SHARED_VALIDATE = 0x03, TARGET_MAP_TYPE = 0x0f,
    TARGET_MAP_FIXED = 0x10, TARGET_MAP_ANONYMOUS = 0x20,
    TARGET_MAP_FIXED_NOREPLACE = 0x100000,
};

static const struct { int target, host; } map_flag_table[] = {
    { TARGET_MAP_ANONYMOUS, MAP_ANONYMOUS },
    { 0x0100, 0 },                    /* MAP_GROWSDOWN: the guest range is fixed */
    { 0x0800, MAP_DENYWRITE },
    { 0x1000, MAP_EXECUTABLE },
    { 0x2000, MAP_LOCKED },
    { 0x4000, MAP_NORESERVE },
    { 0x8000, MAP_POPULATE },
    { 0x10000, MAP_NONBLOCK },
    { 0x20000, MAP_STACK },
    { 0x40000, MAP_HUGETLB },
    { 0x4000000, 0x4000000 },         /* MAP_UNINITIALIZED: ignored by Linux */
};

/* ---- the mmap lock (recursive per thread) ---- */

static pthread_mutex_t mmap_mutex = PTHREAD_MUTEX_INITIALIZER;
static __thread int mmap_lock_depth;

void mmap_lock(void)
{
    if (mmap_lock_depth++ == 0) {
        pthread_mutex_lock(&mmap_mutex);
    }
}

void mmap_unlock(void)
{
    if (--mmap_lock_depth == 0) {
        pthread_mutex_unlock(&mmap_mutex);
    }
}

void mmap_fork_start(void)
{
    pthread_mutex_lock(&mmap_mutex);
}

void mmap_fork_end(bool child)
{
    if (child) {
        pthread_mutex_init(&mmap_mutex, NULL);
    } else {
        pthread_mutex_unlock(&mmap_mutex);
    }
}

bool guest_range_valid(abi_ulong addr, abi_ulong len)
{
    return len <= guest_addr_max && addr <= guest_addr_max - len;
}

/* ---- start-up ---- */

static abi_ulong read_mmap_min_addr(void)
{
    FILE *f = fopen("/proc/sys/vm/mmap_min_addr", "r");
    unsigned long v = 65536;

    if (f) {
        if (fscanf(f, "%lu", &v) != 1) {
            v = 65536;
        }
        fclose(f);
    }
    return TARGET_PAGE_ALIGN((abi_ulong)v);
}

/* True if some host mapping overlaps host [lo, hi). */
static bool host_range_used(uintptr_t lo, uintptr_t hi)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    bool used = false;

    if (!f) {
        return true;
    }
    while (fgets(line, sizeof(line), f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s < hi && e > lo) {
            used = true;
            break;
        }
    }
    fclose(f);
    return used;
}

static bool reserve_space(uintptr_t at, abi_ulong size, Error **errp)
{
    int fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    void *p;

    if (at) {
        fl |= MAP_FIXED_NOREPLACE;
    }
    p = mmap((void *)at, size, PROT_NONE, fl, -1, 0);
    if (p == MAP_FAILED || (at && (uintptr_t)p != at)) {
        error_setf_errno(errp, errno,
                         "Unable to reserve 0x%" PRIx64 " bytes of virtual address space",
                         (uint64_t)size);
        if (p != MAP_FAILED) {
            munmap(p, size);
        }
        return false;
    }
    guest_base = (uintptr_t)p;
    space_reserved = true;
    return true;
}

bool mmap_init(uintptr_t want_base, bool has_base, abi_ulong reserve, Error **errp)
{
    long host_page = sysconf(_SC_PAGESIZE);

    if (host_page != (long)TARGET_PAGE_SIZE) {
        error_setf(errp, "host page size %ld is not supported (needs %llu)",
                   host_page, (unsigned long long)TARGET_PAGE_SIZE);
        return false;
    }
    if (has_base && (want_base & (TARGET_PAGE_SIZE - 1))) {
        error_setf(errp, "guest_base 0x%" PRIxPTR " is not page aligned", want_base);
        return false;
    }
    if (reserve > TARGET_VIRT_ADDR_LIMIT) {
        error_setf(errp, "Requested reserved_va 0x%" PRIx64 " is larger than the "
                   "guest address space (0x%llx)", (uint64_t)reserve,
                   (unsigned long long)TARGET_VIRT_ADDR_LIMIT);
        return false;
    }
    reserve = reserve & TARGET_PAGE_MASK;
    reserved_va = reserve;
    guest_addr_max = reserve ? reserve : TARGET_VIRT_ADDR_LIMIT;
    mmap_min = read_mmap_min_addr();
    if (mmap_min < TARGET_PAGE_SIZE) {
        mmap_min = TARGET_PAGE_SIZE;
    }
    if (has_base) {
        /* -B: the host must give us exactly that place. Guest page 0 up to
         * mmap_min_addr stays unreserved when it is host page 0 too. */
        abi_ulong skip = want_base ? 0 : mmap_min;
        if (reserve && reserve > skip) {
            if (!reserve_space(want_base + skip, reserve - skip, errp)) {
                return false;
            }
        }
        guest_base = want_base;
        if (want_base) {
            mmap_min = TARGET_PAGE_SIZE;
        }
    } else if (reserve) {
        if (!reserve_space(0, reserve, errp)) {
            return false;
        }
        mmap_min = TARGET_PAGE_SIZE;
    } else if (host_range_used(mmap_min, guest_addr_max)) {
        /* The host uses part of the low space (a sanitizer's shadow, a non-PIE
         * build): put the whole guest space elsewhere. */
        if (!reserve_space(0, guest_addr_max, errp)) {
            return false;
        }
        mmap_min = TARGET_PAGE_SIZE;
    } else {
        guest_base = 0;
    }
    mmap_base = guest_addr_max;
    return page_flags_init(errp);
}

void mmap_set_base(abi_ulong base)
{
    mmap_base = base & TARGET_PAGE_MASK;
}

void mmap_set_brk(abi_ulong start)
{
    user_proc.start_brk = user_proc.brk = TARGET_PAGE_ALIGN(start);
    brk_mapped_end = user_proc.start_brk;
}

/* ---- host helpers ---- */

static int host_prot_of(int flags)
{
    int prot = PROT_NONE;

    if (flags & (PAGE_READ | PAGE_EXEC)) {
        prot |= PROT_READ;
    }
    if (flags & PAGE_WRITE) {
        prot |= PROT_READ | PROT_WRITE;
    }
    return prot;
}

static int page_flags_of_prot(int prot)
{
    int f = PAGE_VALID;

    if (prot & (PROT_READ | PROT_WRITE)) {
        f |= PAGE_READ;
    }
    if (prot & PROT_WRITE) {
        f |= PAGE_WRITE | PAGE_WRITE_ORG;
    }
    if (prot & PROT_EXEC) {
        f |= PAGE_EXEC;
    }
    return f;
}

static bool range_free(abi_ulong start, abi_ulong len)
{
    for (abi_ulong a = start; a < start + len; a += TARGET_PAGE_SIZE) {
        if (page_get_flags(a) & PAGE_VALID) {
            return false;
        }
    }
    return true;
}

static void drop_code(abi_ulong start, abi_ulong len)
{
    bool any = false;

    for (abi_ulong a = start; a < start + len; a += TARGET_PAGE_SIZE) {
        if (page_get_flags(a) & PAGE_CODE) {
            any = true;
            break;
        }
    }
    if (any && user_proc.exec) {
        tcg_exec_invalidate_range(user_proc.exec, start, len);
    }
}

/* Give host [start, start+len) back: PROT_NONE inside a reservation. */
static void host_release(abi_ulong start, abi_ulong len)
{
    if (space_reserved) {
        mmap(g2h(start), len, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    } else {
        munmap(g2h(start), len);
    }
}

void mmap_release(abi_ulong start, abi_ulong len)
{
    abi_ulong end = start + len;

    mmap_lock();
    drop_code(start, len);
    /* Only the guest's own pages: anything else in the range is the host's. */
    for (abi_ulong a = start; a < end;) {
        abi_ulong run;
        if (!(page_get_flags(a) & PAGE_VALID)) {
            a += TARGET_PAGE_SIZE;
            continue;
        }
        for (run = a; run < end && (page_get_flags(run) & PAGE_VALID);
             run += TARGET_PAGE_SIZE) {
        }
        host_release(a, run - a);
        a = run;
    }
    page_set_flags(start, end, 0);
    /* Searches start above the hole again so that it is reused. */
    if (vma_hint && end > vma_hint) {
        vma_hint = end;
    }
    mmap_unlock();
}

/*
 * Make sure every page of [start, start+len) is either the guest's or free on
 * the host, so a MAP_FIXED there replaces nothing of ours: free runs get a
 * PROT_NONE placeholder (which the caller's mapping then replaces).
 */
static bool claim_range(abi_ulong start, abi_ulong len)
{
    abi_ulong end = start + len;

    if (space_reserved) {
        return true;
    }
    for (abi_ulong a = start; a < end;) {
        abi_ulong run;
        void *p;
        if (page_get_flags(a) & PAGE_VALID) {
            a += TARGET_PAGE_SIZE;
            continue;
        }
        for (run = a; run < end && !(page_get_flags(run) & PAGE_VALID);
             run += TARGET_PAGE_SIZE) {
        }
        p = mmap(g2h(a), run - a, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
                 -1, 0);
        if (p == MAP_FAILED || p != g2h(a)) {
            if (p != MAP_FAILED) {
                munmap(p, run - a);
            }
            /* Undo the placeholders made so far. */
            for (abi_ulong b = start; b < a; b += TARGET_PAGE_SIZE) {
                if (!(page_get_flags(b) & PAGE_VALID)) {
                    munmap(g2h(b), TARGET_PAGE_SIZE);
                }
            }
            return false;
        }
        a = run;
    }
    return true;
}

/* ---- searching ---- */

static abi_ulong find_vma_below(abi_ulong top, abi_ulong size)
{
    abi_ulong lo = mmap_min;
    abi_ulong end;

    if (top > guest_addr_max) {
        top = guest_addr_max;
    }
    top &= TARGET_PAGE_MASK;
    if (size == 0 || size > top || top - size < lo) {
        return (abi_ulong)-1;
    }
    end = top;
    while (end >= lo + size) {
        abi_ulong a = end;
        /* Walk down over free pages until size is reached or a used one. */
        while (a > end - size && !(page_get_flags(a - TARGET_PAGE_SIZE) & PAGE_VALID)) {
            a -= TARGET_PAGE_SIZE;
        }
        if (a == end - size) {
            return a;
        }
        end = a - TARGET_PAGE_SIZE;     /* a - PAGE is used: continue below it */
    }
    return (abi_ulong)-1;
}

abi_ulong mmap_find_vma(abi_ulong start, abi_ulong size)
{
    size = TARGET_PAGE_ALIGN(size);
    if (start && !(start & ~TARGET_PAGE_MASK) && start >= mmap_min &&
        guest_range_valid(start, size) && range_free(start, size)) {
        return start;
    }
    if (vma_hint && vma_hint <= mmap_base) {
        abi_ulong a = find_vma_below(vma_hint, size);
        if (a != (abi_ulong)-1) {
            vma_hint = a;
            return a;
        }
    }
    start = find_vma_below(mmap_base, size);
    if (start != (abi_ulong)-1) {
        vma_hint = start;
    }
    return start;
}

/* ---- mmap ---- */

/* Guest mmap flags -> host; -errno for a combination Linux refuses. */
static int translate_map_flags(int target_flags, int *host_flags)
{
    int rest = target_flags & ~(TARGET_MAP_TYPE | TARGET_MAP_FIXED |
                                TARGET_MAP_FIXED_NOREPLACE);
    int h;

    switch (target_flags & TARGET_MAP_TYPE) {
    case TARGET_MAP_SHARED: h = MAP_SHARED; break;
    case TARGET_MAP_PRIVATE: h = MAP_PRIVATE; break;
    case TARGET_MAP_SHARED_VALIDATE: h = MAP_SHARED_VALIDATE; break;
    default: return -TARGET_EINVAL;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(map_flag_table); i++) {
        if (rest & map_flag_table[i].target) {
            h |= map_flag_table[i].host;
            rest &= ~map_flag_table[i].target;
        }
    }
    h &= ~0x4000000;                    /* MAP_UNINITIALIZED: nothing to do */
    if (target_flags & 0x40000) {       /* MAP_HUGETLB: size in bits 26..31 */
        h |= rest & (int)(0x3fu << 26);
        rest &= ~(int)(0x3fu << 26);
    }
    /* Unknown bits: Linux ignores them except with MAP_SHARED_VALIDATE. */
    if (rest && (target_flags & TARGET_MAP_TYPE) == TARGET_MAP_SHARED_VALIDATE) {
        return -TARGET_EOPNOTSUPP;
    }
    *host_flags = h;
    return 0;
}

/* Map at guest addr (already chosen and claimed/free); guest addr or -errno. */
static abi_long host_map_at(abi_ulong addr, abi_ulong len, int prot, int hflags,
                            int fd, off_t offset, bool replace)
{
    int pf = page_flags_of_prot(prot);
    void *want = g2h(addr);
    void *p;

    hflags |= (replace || space_reserved) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
    p = mmap(want, len, host_prot_of(pf), hflags, fd, offset);
    if (p == MAP_FAILED) {
        return -host_to_target_errno(errno);
    }
    if (p != want) {
        munmap(p, len);
        return -TARGET_ENOMEM;
    }
    if (hflags & MAP_ANONYMOUS) {
        pf |= PAGE_ANON;
    }
    page_set_flags(addr, addr + len, pf);
    return addr;
}

abi_long target_mmap(abi_ulong start, abi_ulong len, int target_prot,
                     int target_flags, int fd, off_t offset)
{
    abi_ulong alen = TARGET_PAGE_ALIGN(len);
    int hflags;
    abi_long ret;

    if (len == 0 || alen < len || (offset & (off_t)~TARGET_PAGE_MASK) || offset < 0) {
        return -TARGET_EINVAL;
    }
    if (target_prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) {
        return -TARGET_EINVAL;
    }
    ret = translate_map_flags(target_flags, &hflags);
    if (ret < 0) {
        return ret;
    }
    if (hflags & MAP_ANONYMOUS) {
        fd = -1;
        offset = 0;
    }
    if (!guest_range_valid(0, alen)) {
        return -TARGET_ENOMEM;
    }
    mmap_lock();
    if (target_flags & (TARGET_MAP_FIXED | TARGET_MAP_FIXED_NOREPLACE)) {
        if (start & ~TARGET_PAGE_MASK) {
            ret = -TARGET_EINVAL;
        } else if (!guest_range_valid(start, alen) || start < mmap_min) {
            ret = (target_flags & TARGET_MAP_FIXED) ? -TARGET_ENOMEM : -TARGET_EPERM;
        } else if (!(target_flags & TARGET_MAP_FIXED) && !range_free(start, alen)) {
            ret = -17;      /* EEXIST */
        } else if (!claim_range(start, alen)) {
            ret = -TARGET_ENOMEM;
        } else {
            drop_code(start, alen);
            ret = host_map_at(start, alen, target_prot, hflags, fd, offset, true);
        }
    } else {
        abi_ulong top = mmap_base;
        abi_ulong hint = start & TARGET_PAGE_MASK;

        ret = -TARGET_ENOMEM;
        for (int tries = 0; tries < 64; tries++) {
            abi_ulong a = tries == 0 ? mmap_find_vma(hint, alen)
                                     : find_vma_below(top, alen);
            if (a == (abi_ulong)-1) {
                break;
            }
            ret = host_map_at(a, alen, target_prot, hflags, fd, offset, false);
            if (ret != -17) {
                break;
            }
            ret = -TARGET_ENOMEM;
            top = a;            /* the host holds that space: look below it */
        }
    }
    if (ret >= 0) {
        qemu_log_mask(LOG_PAGE, "mmap: 0x%" PRIx64 "-0x%" PRIx64 " prot %d flags 0x%x\n",
                      (uint64_t)ret, (uint64_t)ret + alen, target_prot, target_flags);
    }
    mmap_unlock();
    return ret;
}

abi_long target_munmap(abi_ulong start, abi_ulong len)
{
    abi_ulong alen = TARGET_PAGE_ALIGN(len);

    if ((start & ~TARGET_PAGE_MASK) || len == 0 || alen < len ||
        !guest_range_valid(start, alen)) {
        return -TARGET_EINVAL;
    }
    mmap_release(start, alen);
    return 0;
}

/* Apply host protection page by page runs; code pages stay write-protected. */
static void apply_prot(abi_ulong start, abi_ulong end, int prot)
{
    int base = page_flags_of_prot(prot);

    for (abi_ulong a = start; a < end;) {
        int old = page_get_flags(a);
        int nf = base | (old & PAGE_ANON) | (old & PAGE_CODE);
        abi_ulong run;

        if ((old & PAGE_CODE) && (nf & PAGE_WRITE)) {
            nf &= ~PAGE_WRITE;      /* writes must fault to drop the code */
        }
        for (run = a + TARGET_PAGE_SIZE; run < end; run += TARGET_PAGE_SIZE) {
            int o = page_get_flags(run);
            if ((o & (PAGE_ANON | PAGE_CODE)) != (old & (PAGE_ANON | PAGE_CODE))) {
                break;
            }
        }
        mprotect(g2h(a), run - a, host_prot_of(nf));
        page_set_flags(a, run, nf);
        a = run;
    }
}

abi_long target_mprotect(abi_ulong start, abi_ulong len, int target_prot)
{
    abi_ulong alen = TARGET_PAGE_ALIGN(len);
    /* PROT_GROWSDOWN / PROT_GROWSUP: accepted, the range is what it is. */
    int prot = target_prot & ~(0x01000000 | 0x02000000);
    abi_long ret = 0;

    if ((start & ~TARGET_PAGE_MASK) || alen < len ||
        (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))) {
        return -TARGET_EINVAL;
    }
    if (len == 0) {
        return 0;
    }
    if (!guest_range_valid(start, alen)) {
        return -TARGET_ENOMEM;
    }
    mmap_lock();
    if (!page_check_range(start, alen, 0)) {
        ret = -TARGET_ENOMEM;
    } else {
        apply_prot(start, start + alen, prot);
    }
    mmap_unlock();
    return ret;
}

/* Move the flags of [from, from+len) to [to, to+len) (page by page). */
static void copy_flags(abi_ulong to, abi_ulong from, abi_ulong len, int tail_flags,
                       abi_ulong new_len)
{
    for (abi_ulong off = 0; off < new_len; off += TARGET_PAGE_SIZE) {
        int f = off < len ? page_get_flags(from + off) : tail_flags;
        page_set_flags(to + off, to + off + TARGET_PAGE_SIZE, f & ~PAGE_CODE);
    }
}

static abi_long mremap_to(abi_ulong old_addr, abi_ulong old_size, abi_ulong new_size,
                          int flags, abi_ulong new_addr)
{
    int last = page_get_flags(old_addr + old_size - TARGET_PAGE_SIZE);
    int hflags = MREMAP_MAYMOVE | MREMAP_FIXED | (flags & MREMAP_DONTUNMAP);
    abi_ulong keep = old_size < new_size ? old_size : new_size;
    int *saved;
    void *p;

    if (!claim_range(new_addr, new_size)) {
        return -TARGET_ENOMEM;
    }
    saved = g_new(int, old_size >> TARGET_PAGE_BITS);
    for (abi_ulong off = 0; off < old_size; off += TARGET_PAGE_SIZE) {
        saved[off >> TARGET_PAGE_BITS] = page_get_flags(old_addr + off);
    }
    p = mremap(g2h(old_addr), old_size, new_size, hflags, g2h(new_addr));
    if (p == MAP_FAILED) {
        int e = errno;
        g_free(saved);
        return -host_to_target_errno(e);
    }
    drop_code(old_addr, old_size);
    drop_code(new_addr, new_size);
    if (!(flags & MREMAP_DONTUNMAP)) {
        if (space_reserved) {
            host_release(old_addr, old_size);
        }
        page_set_flags(old_addr, old_addr + old_size, 0);
    } else if (space_reserved && new_size > old_size) {
        /* nothing: DONTUNMAP requires equal sizes */
    }
    for (abi_ulong off = 0; off < new_size; off += TARGET_PAGE_SIZE) {
        int f = off < keep ? saved[off >> TARGET_PAGE_BITS] : last;
        page_set_flags(new_addr + off, new_addr + off + TARGET_PAGE_SIZE, f & ~PAGE_CODE);
    }
    g_free(saved);
    return new_addr;
}

abi_long target_mremap(abi_ulong old_addr, abi_ulong old_size, abi_ulong new_size,
                       int flags, abi_ulong new_addr)
{
    abi_ulong osz = TARGET_PAGE_ALIGN(old_size), nsz = TARGET_PAGE_ALIGN(new_size);
    abi_long ret;

    if ((old_addr & ~TARGET_PAGE_MASK) || osz < old_size || nsz < new_size ||
        nsz == 0 || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) ||
        ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) ||
        ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || osz != nsz))) {
        return -TARGET_EINVAL;
    }
    if (osz == 0) {
        return -TARGET_EINVAL;   /* duplicating shared mappings: not supported by us */
    }
    if (!guest_range_valid(old_addr, osz)) {
        return -TARGET_EFAULT;
    }
    mmap_lock();
    if (!page_check_range(old_addr, osz, 0)) {
        ret = -TARGET_EFAULT;
    } else if (flags & MREMAP_FIXED) {
        if ((new_addr & ~TARGET_PAGE_MASK) || !guest_range_valid(new_addr, nsz) ||
            new_addr < mmap_min ||
            (new_addr < old_addr + osz && old_addr < new_addr + nsz)) {
            ret = -TARGET_EINVAL;
        } else {
            ret = mremap_to(old_addr, osz, nsz, flags, new_addr);
        }
    } else if (flags & MREMAP_DONTUNMAP) {
        abi_ulong a = find_vma_below(mmap_base, nsz);
        ret = a == (abi_ulong)-1 ? -TARGET_ENOMEM
                                 : mremap_to(old_addr, osz, nsz, flags, a);
    } else if (nsz <= osz) {
        if (nsz < osz) {
            mmap_release(old_addr + nsz, osz - nsz);
        }
        ret = old_addr;
    } else if (guest_range_valid(old_addr, nsz) &&
               range_free(old_addr + osz, nsz - osz) &&
               claim_range(old_addr + osz, nsz - osz)) {
        /* Grow in place: the placeholder (or reservation) of the tail goes. */
        void *p;
        munmap(g2h(old_addr + osz), nsz - osz);
        p = mremap(g2h(old_addr), osz, nsz, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            host_release(old_addr + osz, nsz - osz);
            if (!space_reserved) {
                munmap(g2h(old_addr + osz), nsz - osz);
            }
            ret = -host_to_target_errno(e);
        } else {
            copy_flags(old_addr + osz, old_addr + osz - TARGET_PAGE_SIZE, TARGET_PAGE_SIZE,
                       page_get_flags(old_addr + osz - TARGET_PAGE_SIZE), nsz - osz);
            ret = old_addr;
        }
    } else if (flags & MREMAP_MAYMOVE) {
        abi_ulong a = find_vma_below(mmap_base, nsz);
        ret = a == (abi_ulong)-1 ? -TARGET_ENOMEM
                                 : mremap_to(old_addr, osz, nsz, flags, a);
    } else {
        ret = -TARGET_ENOMEM;
    }
    mmap_unlock();
    return ret;
}

abi_long target_madvise(abi_ulong start, abi_ulong len, int advice)
{
    abi_ulong alen = TARGET_PAGE_ALIGN(len);
    abi_long ret;

    if ((start & ~TARGET_PAGE_MASK) || alen < len) {
        return -TARGET_EINVAL;
    }
    if (alen == 0) {
        return 0;
    }
    if (!guest_range_valid(start, alen)) {
        return -TARGET_ENOMEM;
    }
    mmap_lock();
    if (!page_check_range(start, alen, 0)) {
        ret = -TARGET_ENOMEM;
    } else {
        ret = get_errno(madvise(g2h(start), alen, advice));
    }
    mmap_unlock();
    return ret;
}

/* ---- brk ---- */

abi_ulong do_brk(abi_ulong new_brk)
{
    abi_ulong new_end;

    mmap_lock();
    if (new_brk < user_proc.start_brk || !guest_range_valid(0, new_brk)) {
        goto out;
    }
    new_end = TARGET_PAGE_ALIGN(new_brk);
    if (new_end > brk_mapped_end) {
        abi_ulong grow = new_end - brk_mapped_end;
        /* Never into another mapping (nor too close to the stack's guard). */
        if (!guest_range_valid(brk_mapped_end, grow) ||
            !range_free(brk_mapped_end, grow) ||
            host_map_at(brk_mapped_end, grow, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, false) < 0) {
            goto out;
        }
    } else if (new_end < brk_mapped_end) {
        mmap_release(new_end, brk_mapped_end - new_end);
    }
    brk_mapped_end = new_end;
    user_proc.brk = new_brk;
out:
    mmap_unlock();
    return user_proc.brk;
}

/* ---- translated code ---- */

void code_page_added(void *opaque, uint64_t page_addr)
{
    abi_ulong a = page_addr & TARGET_PAGE_MASK;
    int f = page_get_flags(a);

    (void)opaque;
    if (!(f & PAGE_VALID)) {
        return;
    }
    if (f & PAGE_WRITE) {
        mprotect(g2h(a), TARGET_PAGE_SIZE, host_prot_of(f & ~PAGE_WRITE));
    }
    page_set_flags(a, a + TARGET_PAGE_SIZE, (f & ~PAGE_WRITE) | PAGE_CODE);
}

bool page_unprotect(abi_ulong addr)
{
    abi_ulong a = addr & TARGET_PAGE_MASK;
    int f = page_get_flags(a);

    if ((f & (PAGE_VALID | PAGE_WRITE_ORG)) != (PAGE_VALID | PAGE_WRITE_ORG)) {
        return false;
    }
    if (f & PAGE_WRITE) {
        return true;            /* another thread got there first */
    }
    if (user_proc.exec) {
        tcg_exec_invalidate_range(user_proc.exec, a, TARGET_PAGE_SIZE);
    }
    f = (f & ~PAGE_CODE) | PAGE_WRITE;
    page_set_flags(a, a + TARGET_PAGE_SIZE, f);
    mprotect(g2h(a), TARGET_PAGE_SIZE, host_prot_of(f));
    return true;
}

bool guest_code_fetch(void *opaque, uint64_t addr, void *buf, size_t len)
{
    (void)opaque;
    if (len == 0) {
        return true;
    }
    if (!guest_range_valid(addr, len) ||
        !page_check_range(addr, len, PAGE_EXEC)) {
        return false;
    }
    memcpy(buf, g2h(addr), len);
    return true;
}
