/*
 * Guest memory access for system calls: every guest pointer a system call gets
 * is checked against the page flags before the host touches it, so a bad pointer
 * gives -EFAULT instead of a host crash. Writes to pages holding translated code
 * drop that code first.
 */
#include "config.h"
#include <string.h>
#include "linux-user/user.h"

/* Make the code pages in the range writable again (their TBs are dropped). */
static bool unprotect_range(abi_ulong addr, abi_ulong len)
{
    abi_ulong end = addr + len;

    for (abi_ulong a = addr & TARGET_PAGE_MASK; a < end; a += TARGET_PAGE_SIZE) {
        int f = page_get_flags(a);
        if ((f & PAGE_VALID) && !(f & PAGE_WRITE) && (f & PAGE_WRITE_ORG)) {
            if (!page_unprotect(a)) {
                return false;
            }
        }
    }
    return true;
}

void *lock_user(int type, abi_ulong addr, abi_ulong len, bool copy)
{
    (void)copy;     /* the host sees guest memory directly */
    if (len == 0) {
        return guest_range_valid(addr, 0) ? g2h(addr) : NULL;
    }
    if (!guest_range_valid(addr, len)) {
        return NULL;
    }
    if (type == VERIFY_WRITE && !unprotect_range(addr, len)) {
        return NULL;
    }
    if (!page_check_range(addr, len, type)) {
        return NULL;
    }
    return g2h(addr);
}

void unlock_user(void *host, abi_ulong addr, abi_ulong len)
{
    (void)host;
    (void)addr;
    (void)len;
}

char *lock_user_string(abi_ulong addr)
{
    abi_ulong a = addr;

    /* Scan page by page, checking each page before reading it. */
    for (;;) {
        abi_ulong page_end = (a & TARGET_PAGE_MASK) + TARGET_PAGE_SIZE;
        const char *p, *nul;

        if (!page_check_range(a, 1, PAGE_READ)) {
            return NULL;
        }
        p = g2h(a);
        nul = memchr(p, 0, page_end - a);
        if (nul) {
            return g2h(addr);
        }
        a = page_end;
        if (a == 0 || a >= guest_addr_max) {
            return NULL;
        }
    }
}

void unlock_user_string(char *host, abi_ulong addr)
{
    (void)host;
    (void)addr;
}

abi_long copy_from_user(void *dst, abi_ulong src, size_t len)
{
    void *p = lock_user(VERIFY_READ, src, len, true);

    if (!p) {
        return -TARGET_EFAULT;
    }
    memcpy(dst, p, len);
    unlock_user(p, src, 0);
    return 0;
}

abi_long copy_to_user(abi_ulong dst, const void *src, size_t len)
{
    void *p = lock_user(VERIFY_WRITE, dst, len, false);

    if (!p) {
        return -TARGET_EFAULT;
    }
    memcpy(p, src, len);
    unlock_user(p, dst, len);
    return 0;
}
