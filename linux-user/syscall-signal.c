/*
 * Signal system calls: dispositions, masks, waiting, sending (kill and the
 * queueing variants, pidfd), the alternate stack, rt_sigreturn, and interval and
 * POSIX timers (host timers that raise the host number of the guest's signal).
 */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "linux-user/signal-int.h"

#define TARGET_SIGEV_SIGNAL    0
#define TARGET_SIGEV_NONE      1
#define TARGET_SIGEV_THREAD_ID 4

/* A signal number from the guest for a host call: 0 stays 0 (existence check),
 * an unmappable one gives -1. */
static int host_sig_arg(abi_long sig)
{
    int h;

    if (sig == 0) {
        return 0;
    }
    h = target_to_host_signal((int)sig);
    return h ? h : -1;
}

static abi_long read_sigset(target_sigset_t *set, abi_ulong addr)
{
    return copy_from_user(set, addr, sizeof(*set));
}

/* ---- dispositions and masks ---- */

static abi_long sys_rt_sigaction(CPUArchState *env, abi_long sig, abi_long act,
                                 abi_long oact, abi_long setsize, abi_long a5, abi_long a6)
{
    TargetSigaction n, o;
    abi_long r;

    if (setsize != sizeof(target_sigset_t)) {
        return -TARGET_EINVAL;
    }
    if (act && copy_from_user(&n, act, sizeof(n))) {
        return -TARGET_EFAULT;
    }
    r = signal_do_sigaction((int)sig, act ? &n : NULL, &o);
    if (r == 0 && oact && copy_to_user(oact, &o, sizeof(o))) {
        return -TARGET_EFAULT;
    }
    return r;
}

static abi_long sys_rt_sigprocmask(CPUArchState *env, abi_long how, abi_long set,
                                   abi_long oset, abi_long setsize, abi_long a5, abi_long a6)
{
    target_sigset_t n, o;
    abi_long r;

    if (setsize != sizeof(target_sigset_t)) {
        return -TARGET_EINVAL;
    }
    if (set && read_sigset(&n, set)) {
        return -TARGET_EFAULT;
    }
    r = signal_do_sigprocmask((int)how, set ? &n : NULL, &o);
    if (r == 0 && oset && copy_to_user(oset, &o, sizeof(o))) {
        return -TARGET_EFAULT;
    }
    return r;
}

static abi_long sys_rt_sigpending(CPUArchState *env, abi_long set, abi_long setsize,
                                  abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    target_sigset_t p;

    if ((abi_ulong)setsize > sizeof(target_sigset_t)) {
        return -TARGET_EINVAL;
    }
    p = signal_pending_set();
    return copy_to_user(set, &p, setsize) ? -TARGET_EFAULT : 0;
}

static abi_long sys_rt_sigsuspend(CPUArchState *env, abi_long set, abi_long setsize,
                                  abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    target_sigset_t n;

    if (setsize != sizeof(target_sigset_t)) {
        return -TARGET_EINVAL;
    }
    if (read_sigset(&n, set)) {
        return -TARGET_EFAULT;
    }
    return signal_do_sigsuspend(n);
}

static abi_long sys_rt_sigtimedwait(CPUArchState *env, abi_long set, abi_long info,
                                    abi_long ts, abi_long setsize, abi_long a5, abi_long a6)
{
    target_sigset_t n;
    struct timespec t;
    target_siginfo_t ti;
    abi_long r;

    if (setsize != sizeof(target_sigset_t)) {
        return -TARGET_EINVAL;
    }
    if (read_sigset(&n, set)) {
        return -TARGET_EFAULT;
    }
    /* struct timespec: two 64-bit fields for this guest and host alike. */
    if (ts && copy_from_user(&t, ts, sizeof(t))) {
        return -TARGET_EFAULT;
    }
    r = signal_do_sigtimedwait(n, &ti, ts ? &t : NULL);
    if (r > 0 && info && copy_to_user(info, &ti, sizeof(ti))) {
        return -TARGET_EFAULT;
    }
    return r;
}

static abi_long sys_rt_sigreturn(CPUArchState *env, abi_long a1, abi_long a2,
                                 abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    return target_do_rt_sigreturn(env);
}

static abi_long sys_sigaltstack(CPUArchState *env, abi_long ss, abi_long oss,
                                abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    target_stack_t n, o;
    abi_long r;

    if (ss && copy_from_user(&n, ss, sizeof(n))) {
        return -TARGET_EFAULT;
    }
    r = signal_do_sigaltstack(ss ? &n : NULL, &o, target_get_sp(env));
    if (r == 0 && oss && copy_to_user(oss, &o, sizeof(o))) {
        return -TARGET_EFAULT;
    }
    return r;
}

/* ---- sending ---- */

static abi_long sys_kill(CPUArchState *env, abi_long pid, abi_long sig,
                         abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    int h = host_sig_arg(sig);

    if (h < 0) {
        return -TARGET_EINVAL;
    }
    return get_errno(kill((pid_t)pid, h));
}

static abi_long sys_tkill(CPUArchState *env, abi_long tid, abi_long sig,
                          abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    int h = host_sig_arg(sig);

    if (h < 0) {
        return -TARGET_EINVAL;
    }
    return get_errno(syscall(SYS_tkill, (pid_t)tid, h));
}

static abi_long sys_tgkill(CPUArchState *env, abi_long tgid, abi_long tid, abi_long sig,
                           abi_long a4, abi_long a5, abi_long a6)
{
    int h = host_sig_arg(sig);

    if (h < 0) {
        return -TARGET_EINVAL;
    }
    return get_errno(syscall(SYS_tgkill, (pid_t)tgid, (pid_t)tid, h));
}

/* A guest siginfo for the queueing calls, converted; -errno on failure. */
static abi_long read_siginfo(siginfo_t *h, abi_ulong addr, int host_sig)
{
    target_siginfo_t t;

    if (copy_from_user(&t, addr, sizeof(t))) {
        return -TARGET_EFAULT;
    }
    target_to_host_siginfo(h, &t);
    h->si_signo = host_sig;
    return 0;
}

static abi_long sys_rt_sigqueueinfo(CPUArchState *env, abi_long pid, abi_long sig,
                                    abi_long info, abi_long a4, abi_long a5, abi_long a6)
{
    int h = host_sig_arg(sig);
    siginfo_t hi;
    abi_long r;

    if (h < 0) {
        return -TARGET_EINVAL;
    }
    r = read_siginfo(&hi, info, h);
    if (r) {
        return r;
    }
    return get_errno(syscall(SYS_rt_sigqueueinfo, (pid_t)pid, h, &hi));
}

static abi_long sys_rt_tgsigqueueinfo(CPUArchState *env, abi_long tgid, abi_long tid,
                                      abi_long sig, abi_long info, abi_long a5, abi_long a6)
{
    int h = host_sig_arg(sig);
    siginfo_t hi;
    abi_long r;

    if (h < 0) {
        return -TARGET_EINVAL;
    }
    r = read_siginfo(&hi, info, h);
    if (r) {
        return r;
    }
    return get_errno(syscall(SYS_rt_tgsigqueueinfo, (pid_t)tgid, (pid_t)tid, h, &hi));
}

static abi_long sys_pidfd_open(CPUArchState *env, abi_long pid, abi_long flags,
                               abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    /* PIDFD_NONBLOCK is O_NONBLOCK: the same value for this guest and host. */
    return get_errno(syscall(SYS_pidfd_open, (pid_t)pid, (unsigned)flags));
}

static abi_long sys_pidfd_send_signal(CPUArchState *env, abi_long fd, abi_long sig,
                                      abi_long info, abi_long flags, abi_long a5, abi_long a6)
{
    int h = host_sig_arg(sig);
    siginfo_t hi;

    if (h < 0) {
        return -TARGET_EINVAL;
    }
    if (info) {
        abi_long r = read_siginfo(&hi, info, h);
        if (r) {
            return r;
        }
    }
    return get_errno(syscall(SYS_pidfd_send_signal, (int)fd, h, info ? &hi : NULL,
                             (unsigned)flags));
}

/* ---- interval timers ---- */

/* struct itimerval and itimerspec: 64-bit fields only, identical layouts. */
static abi_long sys_setitimer(CPUArchState *env, abi_long which, abi_long nv,
                              abi_long ov, abi_long a4, abi_long a5, abi_long a6)
{
    struct itimerval n, o;
    abi_long r;

    if (nv && copy_from_user(&n, nv, sizeof(n))) {
        return -TARGET_EFAULT;
    }
    if (!nv) {
        memset(&n, 0, sizeof(n));
    }
    r = get_errno(syscall(SYS_setitimer, (int)which, &n, ov ? &o : NULL));
    if (r == 0 && ov && copy_to_user(ov, &o, sizeof(o))) {
        return -TARGET_EFAULT;
    }
    return r;
}

static abi_long sys_getitimer(CPUArchState *env, abi_long which, abi_long cur,
                              abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    struct itimerval v;
    abi_long r = get_errno(syscall(SYS_getitimer, (int)which, &v));

    if (r == 0 && copy_to_user(cur, &v, sizeof(v))) {
        return -TARGET_EFAULT;
    }
    return r;
}

/* ---- POSIX timers ---- */

/* struct sigevent as the kernel takes it (64 bytes, 64-bit layout). */
typedef struct KernelSigevent {
    uint64_t value;
    int32_t signo;
    int32_t notify;
    union {
        int32_t pad[12];
        int32_t tid;
    } u;
} KernelSigevent;

G_STATIC_ASSERT(sizeof(KernelSigevent) == 64);

static abi_long sys_timer_create(CPUArchState *env, abi_long clock, abi_long sevp,
                                 abi_long idp, abi_long a4, abi_long a5, abi_long a6)
{
    KernelSigevent ev;
    int32_t id;
    abi_long r;

    if (sevp) {
        if (copy_from_user(&ev, sevp, sizeof(ev))) {
            return -TARGET_EFAULT;
        }
        if (ev.notify == TARGET_SIGEV_SIGNAL || ev.notify == TARGET_SIGEV_THREAD_ID) {
            int h = target_to_host_signal(ev.signo);
            if (!h) {
                return -TARGET_EINVAL;
            }
            ev.signo = h;
        } else if (ev.notify != TARGET_SIGEV_NONE) {
            /* SIGEV_THREAD is the C library's business; the kernel refuses it. */
            return -TARGET_EINVAL;
        }
    }
    r = get_errno(syscall(SYS_timer_create, (clockid_t)clock, sevp ? &ev : NULL, &id));
    if (r == 0 && put_user_u32((uint32_t)id, idp)) {
        syscall(SYS_timer_delete, id);
        return -TARGET_EFAULT;
    }
    return r;
}

static abi_long sys_timer_settime(CPUArchState *env, abi_long id, abi_long flags,
                                  abi_long nv, abi_long ov, abi_long a5, abi_long a6)
{
    struct itimerspec n, o;
    abi_long r;

    if (copy_from_user(&n, nv, sizeof(n))) {
        return -TARGET_EFAULT;
    }
    r = get_errno(syscall(SYS_timer_settime, (int)id, (int)flags, &n, ov ? &o : NULL));
    if (r == 0 && ov && copy_to_user(ov, &o, sizeof(o))) {
        return -TARGET_EFAULT;
    }
    return r;
}

static abi_long sys_timer_gettime(CPUArchState *env, abi_long id, abi_long cur,
                                  abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    struct itimerspec v;
    abi_long r = get_errno(syscall(SYS_timer_gettime, (int)id, &v));

    if (r == 0 && copy_to_user(cur, &v, sizeof(v))) {
        return -TARGET_EFAULT;
    }
    return r;
}

static abi_long sys_timer_getoverrun(CPUArchState *env, abi_long id, abi_long a2,
                                     abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    return get_errno(syscall(SYS_timer_getoverrun, (int)id));
}

static abi_long sys_timer_delete(CPUArchState *env, abi_long id, abi_long a2,
                                 abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    return get_errno(syscall(SYS_timer_delete, (int)id));
}

/* -strace: QEMU's layout, how by name. */
static void strace_sigprocmask(GString *out, const abi_long *args)
{
    static const char *const how[] = { "SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK" };

    if (args[0] >= 0 && args[0] < 3) {
        g_string_append(out, how[args[0]]);
    } else {
        g_string_append_printf(out, "%d", (int)args[0]);
    }
    for (int i = 1; i < 3; i++) {
        if (args[i]) {
            g_string_append_printf(out, ",0x%016" PRIx64, (uint64_t)args[i]);
        } else {
            g_string_append(out, ",NULL");
        }
    }
}

static const SyscallDef signal_syscalls[] = {
    { TARGET_NR_rt_sigaction, "rt_sigaction", sys_rt_sigaction, "Spp", NULL, NULL },
    { TARGET_NR_rt_sigprocmask, "rt_sigprocmask", sys_rt_sigprocmask, NULL,
      strace_sigprocmask, NULL },
    { TARGET_NR_rt_sigpending, "rt_sigpending", sys_rt_sigpending, "pu", NULL, NULL },
    { TARGET_NR_rt_sigsuspend, "rt_sigsuspend", sys_rt_sigsuspend, "pu", NULL, NULL },
    { TARGET_NR_rt_sigtimedwait, "rt_sigtimedwait", sys_rt_sigtimedwait, "pppu", NULL, NULL },
    { TARGET_NR_rt_sigreturn, "rt_sigreturn", sys_rt_sigreturn, NULL, NULL, NULL },
    { TARGET_NR_sigaltstack, "sigaltstack", sys_sigaltstack, "pp", NULL, NULL },
    { TARGET_NR_kill, "kill", sys_kill, "dS", NULL, NULL },
    { TARGET_NR_tkill, "tkill", sys_tkill, "dS", NULL, NULL },
    { TARGET_NR_tgkill, "tgkill", sys_tgkill, "ddS", NULL, NULL },
    { TARGET_NR_rt_sigqueueinfo, "rt_sigqueueinfo", sys_rt_sigqueueinfo, "dSp", NULL, NULL },
    { TARGET_NR_rt_tgsigqueueinfo, "rt_tgsigqueueinfo", sys_rt_tgsigqueueinfo, "ddSp",
      NULL, NULL },
    { TARGET_NR_pidfd_open, "pidfd_open", sys_pidfd_open, "dx", NULL, NULL },
    { TARGET_NR_pidfd_send_signal, "pidfd_send_signal", sys_pidfd_send_signal, "fSpx",
      NULL, NULL },
    { TARGET_NR_setitimer, "setitimer", sys_setitimer, "dpp", NULL, NULL },
    { TARGET_NR_getitimer, "getitimer", sys_getitimer, "dp", NULL, NULL },
    { TARGET_NR_timer_create, "timer_create", sys_timer_create, "cpp", NULL, NULL },
    { TARGET_NR_timer_settime, "timer_settime", sys_timer_settime, "ddpp", NULL, NULL },
    { TARGET_NR_timer_gettime, "timer_gettime", sys_timer_gettime, "dp", NULL, NULL },
    { TARGET_NR_timer_getoverrun, "timer_getoverrun", sys_timer_getoverrun, "d", NULL, NULL },
    { TARGET_NR_timer_delete, "timer_delete", sys_timer_delete, "d", NULL, NULL },
};

SYSCALL_TABLE_REGISTER(signal_syscalls)
