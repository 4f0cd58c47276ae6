/*
 * futex and the robust futex list. Guest memory is host memory at g2h(), so the
 * host kernel's futexes work directly on the guest's words, across threads and
 * across processes sharing a mapping; we only check the addresses (alignment,
 * mapped, writable where the operation writes) and convert the guest pointers.
 * The robust list head is just remembered in the TaskState
 * (robust_list/robust_list_len) for the thread-exit code to walk.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "linux-user/user.h"
#include "linux-user/net-int.h"

/* sizeof(struct robust_list_head) on a 64-bit guest: three words. */
#define TARGET_ROBUST_HEAD_SIZE (3 * sizeof(abi_ulong))

#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif

/* How an operation uses its arguments. */
enum {
    FX_TIMEOUT = 1,     /* arg 4 is a timespec pointer (else val2, a number) */
    FX_WRITE   = 2,     /* the kernel may write uaddr */
    FX_UADDR2  = 4,     /* uaddr2 is used */
    FX_WRITE2  = 8,     /* the kernel may write uaddr2 */
};

static const uint8_t futex_op_use[] = {
    [FUTEX_WAIT]            = FX_TIMEOUT,
    [FUTEX_WAKE]            = 0,
    [FUTEX_REQUEUE]         = FX_UADDR2,
    [FUTEX_CMP_REQUEUE]     = FX_UADDR2,
    [FUTEX_WAKE_OP]         = FX_UADDR2 | FX_WRITE2,
    [FUTEX_LOCK_PI]         = FX_TIMEOUT | FX_WRITE,
    [FUTEX_UNLOCK_PI]       = FX_WRITE,
    [FUTEX_TRYLOCK_PI]      = FX_WRITE,
    [FUTEX_WAIT_BITSET]     = FX_TIMEOUT,
    [FUTEX_WAKE_BITSET]     = 0,
    [FUTEX_WAIT_REQUEUE_PI] = FX_TIMEOUT | FX_UADDR2 | FX_WRITE | FX_WRITE2,
    [FUTEX_CMP_REQUEUE_PI]  = FX_UADDR2 | FX_WRITE | FX_WRITE2,
    [FUTEX_LOCK_PI2]        = FX_TIMEOUT | FX_WRITE,
};

/* The host address of a futex word: aligned, mapped (writable if asked). */
static abi_long futex_addr(abi_ulong addr, bool write, uint32_t **host)
{
    if (addr & 3) {
        return -TARGET_EINVAL;
    }
    *host = lock_user(write ? VERIFY_WRITE : VERIFY_READ, addr, 4, false);
    return *host ? 0 : -TARGET_EFAULT;
}

SYSCALL_FN(futex)
{
    int op = (int)a2;
    int cmd = op & FUTEX_CMD_MASK;
    uint32_t *uaddr, *uaddr2 = NULL;
    struct timespec ts;
    const struct timespec *tp = NULL;
    unsigned use;
    abi_long r;

    if (cmd < 0 || (size_t)cmd >= G_N_ELEMENTS(futex_op_use) ||
        (!futex_op_use[cmd] && cmd != FUTEX_WAKE && cmd != FUTEX_WAKE_BITSET)) {
        return -TARGET_ENOSYS;
    }
    use = futex_op_use[cmd];
    r = futex_addr(a1, use & FX_WRITE, &uaddr);
    if (r) {
        return r;
    }
    if (use & FX_UADDR2) {
        r = futex_addr(a5, use & FX_WRITE2, &uaddr2);
        if (r) {
            return r;
        }
    }
    if ((use & FX_TIMEOUT) && a4) {
        if (copy_from_user(&ts, a4, sizeof(ts))) {
            return -TARGET_EFAULT;
        }
        tp = &ts;
    }
    if (use & FX_TIMEOUT) {
        return get_errno(syscall(SYS_futex, uaddr, op, (uint32_t)a3, tp, uaddr2,
                                 (uint32_t)a6));
    }
    /* val2 travels in the timeout slot as a number. */
    return get_errno(syscall(SYS_futex, uaddr, op, (uint32_t)a3,
                             (unsigned long)(uint32_t)a4, uaddr2, (uint32_t)a6));
}

SYSCALL_FN(set_robust_list)
{
    TaskState *ts = task_current();

    if ((abi_ulong)a2 != TARGET_ROBUST_HEAD_SIZE) {
        return -TARGET_EINVAL;
    }
    ts->robust_list = a1;
    ts->robust_list_len = a2;
    return 0;
}

typedef struct RobustFind {
    pid_t tid;
    abi_ulong head;
    bool found;
} RobustFind;

static void robust_find_fn(TaskState *ts, void *opaque)
{
    RobustFind *f = opaque;

    if (!f->found && ts->tid == f->tid) {
        f->head = ts->robust_list;
        f->found = true;
    }
}

SYSCALL_FN(get_robust_list)
{
    TaskState *self = task_current();
    RobustFind f = { .tid = (pid_t)a1 };

    if (a1 == 0 || (pid_t)a1 == self->tid) {
        f.head = self->robust_list;
        f.found = true;
    } else {
        task_list_foreach(robust_find_fn, &f);
    }
    if (!f.found) {
        /* Not one of our threads: another process's list is not ours to see. */
        return a1 < 0 ? -TARGET_EINVAL : -host_to_target_errno(kill((pid_t)a1, 0)
                                                               ? errno : EPERM);
    }
    if (put_user_ual(f.head, a2) || put_user_ual(TARGET_ROBUST_HEAD_SIZE, a3)) {
        return -TARGET_EFAULT;
    }
    return 0;
}

static const SyscallDef futex_syscalls[] = {
    { TARGET_NR_futex, "futex", sys_futex, "pxdpp", NULL, NULL },
    { TARGET_NR_set_robust_list, "set_robust_list", sys_set_robust_list, "pu",
      NULL, NULL },
    { TARGET_NR_get_robust_list, "get_robust_list", sys_get_robust_list, "dpp",
      NULL, NULL },
};
SYSCALL_TABLE_REGISTER(futex_syscalls)
