/*
 * Event fds: eventfd2, timerfd_*, signalfd4 and inotify_*. Their flags equal the
 * host's O_ flags and their records (the eventfd counter, itimerspec,
 * inotify_event) have the host's layout on 64-bit guests. signalfd is the one
 * that needs care: its mask is a guest sigset, and the records read from it
 * carry host signal numbers, so its fds are kept in a small table and reads of
 * them are translated (fd_trans_*).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "linux-user/user.h"
#include "linux-user/signal-int.h"
#include "linux-user/net-int.h"

G_STATIC_ASSERT(sizeof(struct signalfd_siginfo) == 128);
G_STATIC_ASSERT(sizeof(struct itimerspec) == 32);

/* ---------------------------------------------------------------------------
 * fds whose data is translated
 * ------------------------------------------------------------------------ */

static GMutex trans_lock;
static GHashTable *trans_fds;       /* fd -> nothing: the signalfds we made */
static gint trans_count;            /* lets fd_trans_has skip the lock */

static void fd_trans_add(int fd)
{
    g_mutex_lock(&trans_lock);
    if (!trans_fds) {
        trans_fds = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    g_hash_table_add(trans_fds, GINT_TO_POINTER(fd + 1));
    g_atomic_int_set(&trans_count, g_hash_table_size(trans_fds));
    g_mutex_unlock(&trans_lock);
}

void fd_trans_forget(int fd)
{
    if (!g_atomic_int_get(&trans_count)) {
        return;
    }
    g_mutex_lock(&trans_lock);
    g_hash_table_remove(trans_fds, GINT_TO_POINTER(fd + 1));
    g_atomic_int_set(&trans_count, g_hash_table_size(trans_fds));
    g_mutex_unlock(&trans_lock);
}

bool fd_trans_has(int fd)
{
    bool r;

    if (fd < 0 || !g_atomic_int_get(&trans_count)) {
        return false;
    }
    g_mutex_lock(&trans_lock);
    r = g_hash_table_contains(trans_fds, GINT_TO_POINTER(fd + 1));
    g_mutex_unlock(&trans_lock);
    return r;
}

void fd_trans_dup(int oldfd, int newfd)
{
    if (fd_trans_has(oldfd)) {
        fd_trans_add(newfd);
    } else {
        fd_trans_forget(newfd);
    }
}

/*
 * The table can be stale (the guest closed the fd and the number came back
 * for something else, when close does not tell us), so check the fd really is
 * a signalfd before rewriting its data.
 */
static bool fd_is_signalfd(int fd)
{
    char link[64], target[64];
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, target, sizeof(target) - 1);
    if (n < 0) {
        return false;
    }
    target[n] = 0;
    return strcmp(target, "anon_inode:[signalfd]") == 0;
}

void fd_trans_host_to_target(int fd, void *buf, size_t len)
{
    if (!fd_trans_has(fd)) {
        return;
    }
    if (!fd_is_signalfd(fd)) {
        fd_trans_forget(fd);
        return;
    }
    /* Whole records only: the kernel never returns part of one. */
    for (size_t off = 0; off + sizeof(struct signalfd_siginfo) <= len;
         off += sizeof(struct signalfd_siginfo)) {
        struct signalfd_siginfo *si = (void *)((char *)buf + off);
        int t = host_to_target_signal((int)si->ssi_signo);
        si->ssi_signo = t ? (uint32_t)t : si->ssi_signo;
    }
}

/* ---------------------------------------------------------------------------
 * eventfd, timerfd
 * ------------------------------------------------------------------------ */

SYSCALL_FN(eventfd2)
{
    return get_errno(eventfd((unsigned int)a1, (int)a2));
}

SYSCALL_FN(timerfd_create)
{
    return get_errno(timerfd_create((int)a1, (int)a2));
}

SYSCALL_FN(timerfd_settime)
{
    struct itimerspec nv, ov;
    abi_long r;

    if (copy_from_user(&nv, a3, sizeof(nv))) {
        return -TARGET_EFAULT;
    }
    r = get_errno(timerfd_settime((int)a1, (int)a2, &nv, a4 ? &ov : NULL));
    if (r == 0 && a4 && copy_to_user(a4, &ov, sizeof(ov))) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(timerfd_gettime)
{
    struct itimerspec cv;
    abi_long r = get_errno(timerfd_gettime((int)a1, &cv));

    if (r == 0 && copy_to_user(a2, &cv, sizeof(cv))) {
        return -TARGET_EFAULT;
    }
    return r;
}

/* ---------------------------------------------------------------------------
 * signalfd
 * ------------------------------------------------------------------------ */

SYSCALL_FN(signalfd4)
{
    target_sigset_t t;
    sigset_t mask;
    int fd = (int)a1, flags = (int)a4;
    abi_long r;

    if (a3 != sizeof(target_sigset_t)) {
        return -TARGET_EINVAL;
    }
    if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK)) {
        return -TARGET_EINVAL;
    }
    if (copy_from_user(&t, a2, sizeof(t))) {
        return -TARGET_EFAULT;
    }
    target_to_host_sigset(&mask, t);
    r = get_errno(signalfd(fd, &mask, flags));
    if (r >= 0) {
        fd_trans_add((int)r);
    }
    return r;
}

/* ---------------------------------------------------------------------------
 * inotify
 * ------------------------------------------------------------------------ */

SYSCALL_FN(inotify_init1)
{
    return get_errno(inotify_init1((int)a1));
}

SYSCALL_FN(inotify_add_watch)
{
    char *p = lock_user_string(a2);
    abi_long r;

    if (!p) {
        return -TARGET_EFAULT;
    }
    r = get_errno(inotify_add_watch((int)a1, path(p), (uint32_t)a3));
    unlock_user_string(p, a2);
    return r;
}

SYSCALL_FN(inotify_rm_watch)
{
    return get_errno(inotify_rm_watch((int)a1, (int)a2));
}

static const SyscallDef event_syscalls[] = {
    { TARGET_NR_eventfd2, "eventfd2", sys_eventfd2, "ux", NULL, NULL },
    { TARGET_NR_timerfd_create, "timerfd_create", sys_timerfd_create, "cx", NULL, NULL },
    { TARGET_NR_timerfd_settime, "timerfd_settime", sys_timerfd_settime, "fxpp",
      NULL, NULL },
    { TARGET_NR_timerfd_gettime, "timerfd_gettime", sys_timerfd_gettime, "fp",
      NULL, NULL },
    { TARGET_NR_signalfd4, "signalfd4", sys_signalfd4, "dpux", NULL, NULL },
    { TARGET_NR_inotify_init1, "inotify_init1", sys_inotify_init1, "x", NULL, NULL },
    { TARGET_NR_inotify_add_watch, "inotify_add_watch", sys_inotify_add_watch, "fsx",
      NULL, NULL },
    { TARGET_NR_inotify_rm_watch, "inotify_rm_watch", sys_inotify_rm_watch, "fd",
      NULL, NULL },
};
SYSCALL_TABLE_REGISTER(event_syscalls)
