/*
 * Waiting on many fds: ppoll, pselect6 and epoll. struct pollfd, fd_set (arrays
 * of 64-bit words) and timespec have the host's layout on 64-bit guests; struct
 * epoll_event does not (x86-64 packs it to 12 bytes, the generic 64-bit ABI pads
 * it to 16), so it is converted. A guest signal mask given to the wait becomes
 * the host thread's mask for its duration: the host mask mirrors the guest's,
 * so a signal the wait unblocks interrupts it (EINTR) and is queued for the
 * guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "linux-user/user.h"
#include "linux-user/signal-int.h"
#include "linux-user/net-int.h"

G_STATIC_ASSERT(sizeof(struct pollfd) == 8);
G_STATIC_ASSERT(sizeof(struct epoll_event) == 12);

/* The guest's struct epoll_event (not packed on 64-bit guests but x86-64). */
typedef struct target_epoll_event {
    uint32_t events;
    uint32_t pad;
    uint64_t data;
} target_epoll_event;

/* The most events one wait may ask for, as the kernel's limit. */
#define EP_MAX_EVENTS (INT_MAX / (int)sizeof(target_epoll_event))

/* ---------------------------------------------------------------------------
 * Signal masks and timeouts
 * ------------------------------------------------------------------------ */

/* Read a guest sigset (size must be the guest's) into a host one; 0 or -errno. */
static abi_long wait_mask_in(sigset_t *host, abi_ulong addr, abi_ulong size)
{
    target_sigset_t t;

    if (size != sizeof(target_sigset_t)) {
        return -TARGET_EINVAL;
    }
    if (copy_from_user(&t, addr, sizeof(t))) {
        return -TARGET_EFAULT;
    }
    t &= ~TARGET_SIG_UNBLOCKABLE;
    target_to_host_sigset(host, t);
    /* Faults of our own code must always reach the host handler. */
    sigdelset(host, SIGSEGV);
    sigdelset(host, SIGBUS);
    return 0;
}

static abi_long timespec_in(struct timespec *ts, abi_ulong addr)
{
    if (copy_from_user(ts, addr, sizeof(*ts))) {
        return -TARGET_EFAULT;
    }
    return 0;
}

/*
 * A wait interrupted by a guest signal: these calls are never restarted after
 * a handler ran (the kernel's ERESTARTNOHAND), so with a handler the guest
 * sees EINTR; without one the cpu loop restarts the call.
 */
static abi_long wait_result(abi_long r)
{
    if (r == -QEMU_ERESTARTSYS && signal_restart_syscall()) {
        return -TARGET_EINTR;
    }
    return r;
}

/* The fd limit (RLIMIT_NOFILE), bounded so sizes computed from it fit. */
static abi_long max_fds(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur > (1u << 30)) {
        return 1 << 30;
    }
    return (abi_long)rl.rlim_cur;
}

/* ---------------------------------------------------------------------------
 * ppoll, pselect6
 * ------------------------------------------------------------------------ */

SYSCALL_FN(ppoll)
{
    struct timespec ts;
    sigset_t mask;
    struct pollfd *fds;
    abi_ulong nfds = a2;
    abi_long r;

    if (nfds > (abi_ulong)max_fds()) {
        return -TARGET_EINVAL;
    }
    if (a3 && timespec_in(&ts, a3)) {
        return -TARGET_EFAULT;
    }
    if (a4 && (r = wait_mask_in(&mask, a4, a5))) {
        return r;
    }
    fds = lock_user(VERIFY_WRITE, a1, nfds * sizeof(*fds), true);
    if (!fds) {
        return -TARGET_EFAULT;
    }
    r = get_errno(syscall(SYS_ppoll, fds, (unsigned long)nfds, a3 ? &ts : NULL,
                          a4 ? &mask : NULL, (size_t)(_NSIG / 8)));
    unlock_user(fds, a1, nfds * sizeof(*fds));
    /* The kernel writes back the time left. */
    if (a3 && r != -TARGET_EFAULT && copy_to_user(a3, &ts, sizeof(ts))) {
        return r < 0 ? r : -TARGET_EFAULT;
    }
    return wait_result(r);
}

/* Bytes of an fd_set covering n fds (64-bit words, like the host). */
static size_t fdset_bytes(abi_long n)
{
    return ((size_t)n + 63) / 64 * 8;
}

static abi_long fdset_lock(abi_ulong addr, abi_long n, void **host)
{
    *host = NULL;
    if (!addr) {
        return 0;
    }
    *host = lock_user(VERIFY_WRITE, addr, fdset_bytes(n), true);
    return *host ? 0 : -TARGET_EFAULT;
}

SYSCALL_FN(pselect6)
{
    abi_long n = (int32_t)a1;
    void *in, *out, *ex;
    struct timespec ts;
    sigset_t mask;
    sigset_t *maskp = NULL;
    struct { abi_ulong ss; abi_ulong size; } sig;
    struct { const sigset_t *ss; size_t size; } hsig;
    abi_long r;

    if (n < 0) {
        return -TARGET_EINVAL;
    }
    /* Like the kernel, look no further than the fds the process may have. */
    n = MIN(n, max_fds());
    if (fdset_lock(a2, n, &in) || fdset_lock(a3, n, &out) || fdset_lock(a4, n, &ex)) {
        return -TARGET_EFAULT;
    }
    if (a5 && timespec_in(&ts, a5)) {
        return -TARGET_EFAULT;
    }
    if (a6) {
        if (copy_from_user(&sig, a6, sizeof(sig))) {
            return -TARGET_EFAULT;
        }
        if (sig.ss) {
            r = wait_mask_in(&mask, sig.ss, sig.size);
            if (r) {
                return r;
            }
            maskp = &mask;
        }
    }
    hsig.ss = maskp;
    hsig.size = _NSIG / 8;
    r = get_errno(syscall(SYS_pselect6, (int)n, in, out, ex, a5 ? &ts : NULL,
                          &hsig));
    if (a5 && copy_to_user(a5, &ts, sizeof(ts)) && r >= 0) {
        return -TARGET_EFAULT;
    }
    return wait_result(r);
}

/* ---------------------------------------------------------------------------
 * epoll
 * ------------------------------------------------------------------------ */

SYSCALL_FN(epoll_create1)
{
    return get_errno(epoll_create1((int)a1));
}

SYSCALL_FN(epoll_ctl)
{
    struct epoll_event ev = { 0 };
    target_epoll_event tev;
    int op = (int)a2;

    /* EPOLL_CTL_DEL ignores the event (older kernels wanted it non-NULL). */
    if (a4 && op != EPOLL_CTL_DEL) {
        if (copy_from_user(&tev, a4, sizeof(tev))) {
            return -TARGET_EFAULT;
        }
        ev.events = tev.events;
        ev.data.u64 = tev.data;
    } else if (!a4 && op != EPOLL_CTL_DEL) {
        return -TARGET_EFAULT;
    }
    return get_errno(epoll_ctl((int)a1, op, (int)a3, &ev));
}

/* The common wait: timeout as a host timespec (NULL: forever) for
 * epoll_pwait2, else in milliseconds (negative: forever). */
static abi_long do_epoll_wait(int epfd, abi_ulong events, abi_long maxevents,
                              bool pwait2, const struct timespec *timeout, int ms,
                              abi_ulong sigaddr, abi_ulong sigsize)
{
    struct epoll_event *hev;
    target_epoll_event *tev;
    sigset_t mask;
    abi_long r;

    if (maxevents <= 0 || maxevents > EP_MAX_EVENTS) {
        return -TARGET_EINVAL;
    }
    if (sigaddr && (r = wait_mask_in(&mask, sigaddr, sigsize))) {
        return r;
    }
    tev = lock_user(VERIFY_WRITE, events, maxevents * sizeof(*tev), false);
    if (!tev) {
        return -TARGET_EFAULT;
    }
    hev = g_try_new(struct epoll_event, maxevents);
    if (!hev) {
        return -TARGET_ENOMEM;
    }
    if (pwait2) {
        r = get_errno(syscall(SYS_epoll_pwait2, epfd, hev, (int)maxevents, timeout,
                              sigaddr ? &mask : NULL, (size_t)(_NSIG / 8)));
    } else {
        r = get_errno(syscall(SYS_epoll_pwait, epfd, hev, (int)maxevents, ms,
                              sigaddr ? &mask : NULL, (size_t)(_NSIG / 8)));
    }
    for (abi_long i = 0; i < r; i++) {
        tev[i].events = hev[i].events;
        tev[i].pad = 0;
        tev[i].data = hev[i].data.u64;
    }
    unlock_user(tev, events, r > 0 ? r * sizeof(*tev) : 0);
    g_free(hev);
    return wait_result(r);
}

SYSCALL_FN(epoll_pwait)
{
    return do_epoll_wait((int)a1, a2, (int32_t)a3, false, NULL, (int)a4, a5, a6);
}

SYSCALL_FN(epoll_pwait2)
{
    struct timespec ts;

    if (a4 && timespec_in(&ts, a4)) {
        return -TARGET_EFAULT;
    }
    return do_epoll_wait((int)a1, a2, (int32_t)a3, true, a4 ? &ts : NULL, 0, a5, a6);
}

static const SyscallDef poll_syscalls[] = {
    { TARGET_NR_ppoll, "ppoll", sys_ppoll, "pupp", NULL, NULL },
    { TARGET_NR_pselect6, "pselect6", sys_pselect6, "dppppp", NULL, NULL },
    { TARGET_NR_epoll_create1, "epoll_create1", sys_epoll_create1, "x", NULL, NULL },
    { TARGET_NR_epoll_ctl, "epoll_ctl", sys_epoll_ctl, "fdfp", NULL, NULL },
    { TARGET_NR_epoll_pwait, "epoll_pwait", sys_epoll_pwait, "fpddpu", NULL, NULL },
    { TARGET_NR_epoll_pwait2, "epoll_pwait2", sys_epoll_pwait2, "fpdppu", NULL, NULL },
};
SYSCALL_TABLE_REGISTER(poll_syscalls)
