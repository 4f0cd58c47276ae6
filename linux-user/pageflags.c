/*
 * Guest page flags: one byte per target page in a flat array covering the whole
 * guest address space, reserved with MAP_NORESERVE so only the parts describing
 * used memory take host memory. Readers (uaccess on every system call, the code
 * fetcher, the fault handler) read bytes without locks; writers hold the mmap
 * lock. A bitmap of chunks that ever held a flag lets the region walk skip the
 * empty space quickly.
 */
#include "config.h"
#include <errno.h>
#include <sys/mman.h>
#include "linux-user/process-int.h"

/* Pages per chunk of the summary bitmap. */
#define CHUNK_BITS 9

static uint8_t *flags;
static uint64_t *chunk_used;
static abi_ulong npages;

bool page_flags_init(Error **errp)
{
    size_t nchunks;

    npages = guest_addr_max >> TARGET_PAGE_BITS;
    flags = mmap(NULL, npages, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (flags == MAP_FAILED) {
        flags = NULL;
        error_setf_errno(errp, errno, "cannot allocate the page flags");
        return false;
    }
    nchunks = ((npages >> CHUNK_BITS) + 63) / 64 + 1;
    chunk_used = g_new0(uint64_t, nchunks);
    return true;
}

int page_get_flags(abi_ulong addr)
{
    abi_ulong page = addr >> TARGET_PAGE_BITS;

    if (page >= npages) {
        return 0;
    }
    return __atomic_load_n(&flags[page], __ATOMIC_ACQUIRE);
}

void page_set_flags(abi_ulong start, abi_ulong end, int f)
{
    abi_ulong first = start >> TARGET_PAGE_BITS;
    abi_ulong last = TARGET_PAGE_ALIGN(end) >> TARGET_PAGE_BITS;

    if (last > npages) {
        last = npages;
    }
    for (abi_ulong p = first; p < last; p++) {
        __atomic_store_n(&flags[p], (uint8_t)f, __ATOMIC_RELEASE);
        if (f) {
            abi_ulong c = p >> CHUNK_BITS;
            chunk_used[c / 64] |= 1ull << (c % 64);
        }
    }
}

bool page_check_range(abi_ulong start, abi_ulong len, int f)
{
    abi_ulong end;

    if (len == 0) {
        return true;
    }
    if (!guest_range_valid(start, len)) {
        return false;
    }
    end = start + len;
    for (abi_ulong a = start & TARGET_PAGE_MASK; a < end; a += TARGET_PAGE_SIZE) {
        int pf = page_get_flags(a);
        if (!(pf & PAGE_VALID) || (pf & f) != f) {
            return false;
        }
    }
    return true;
}

static bool chunk_is_used(abi_ulong page)
{
    abi_ulong c = page >> CHUNK_BITS;
    return (chunk_used[c / 64] >> (c % 64)) & 1;
}

int walk_memory_regions(void *opaque,
                        int (*fn)(void *opaque, abi_ulong start, abi_ulong end,
                                  int flags))
{
    abi_ulong run_start = 0;
    int run_flags = 0;
    abi_ulong p = 0;

    while (p < npages) {
        int f;

        if (!chunk_is_used(p)) {
            f = 0;
            if (run_flags) {
                int r = fn(opaque, run_start << TARGET_PAGE_BITS,
                           p << TARGET_PAGE_BITS, run_flags);
                if (r) {
                    return r;
                }
                run_flags = 0;
            }
            p = ((p >> CHUNK_BITS) + 1) << CHUNK_BITS;
            continue;
        }
        f = flags[p];
        if (f != run_flags) {
            if (run_flags) {
                int r = fn(opaque, run_start << TARGET_PAGE_BITS,
                           p << TARGET_PAGE_BITS, run_flags);
                if (r) {
                    return r;
                }
            }
            run_start = p;
            run_flags = f;
        }
        p++;
    }
    if (run_flags) {
        return fn(opaque, run_start << TARGET_PAGE_BITS,
                  npages << TARGET_PAGE_BITS, run_flags);
    }
    return 0;
}
