/*
 * Guest signals: the process's dispositions, each thread's blocked set, pending
 * queue and alternate stack, the host handlers that turn host signals into
 * pending guest signals (and guest memory faults into synchronous ones), and
 * delivery: default actions or a handler frame built by the arch code.
 *
 * Host and guest masks are kept in step: while a thread runs guest code its host
 * mask is the guest's blocked set, so the host kernel routes process-directed
 * signals to a thread that accepts them and keeps the rest pending. A host
 * handler records one signal, leaves every host signal blocked for the thread
 * (through the ucontext) and kicks the vCPU; process_pending_signals delivers
 * and reopens the mask.
 */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include "linux-user/signal-int.h"
#include "linux-user/gdbstub-user.h"

#define SIGQ_MAX 32

typedef struct PendingSig {
    int sig;                    /* guest number */
    bool forced;                /* from the thread's own instruction */
    bool reported;              /* the debugger has seen it already */
    target_siginfo_t info;
} PendingSig;

struct TaskSignals {
    target_sigset_t blocked;
    /* Written by the host handler (all host signals blocked) and by the thread
     * itself with host signals blocked; never by another thread. */
    volatile sig_atomic_t nqueue;
    /* False while the host mask may differ from the guest's blocked set
     * (closed by a handler or by delivery). */
    volatile sig_atomic_t mask_synced;
    PendingSig queue[SIGQ_MAX];
    /* sigaltstack */
    abi_ulong ss_sp;
    abi_ulong ss_size;
    bool ss_autodisarm;
    /* rt_sigsuspend: the mask to put back once a handler frame is built */
    bool in_sigsuspend;
    target_sigset_t suspend_saved;
};

/* Process-wide dispositions, index = guest signal number. */
static TargetSigaction sigact[TARGET_NSIG + 1];
static pthread_mutex_t sigact_lock = PTHREAD_MUTEX_INITIALIZER;

static int host_to_target_tab[_NSIG];
static int target_to_host_tab[TARGET_NSIG + 1];

static abi_ulong trampoline_addr;
static pthread_mutex_t trampoline_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---------------------------------------------------------------------------
 * Signal numbers
 * ------------------------------------------------------------------------ */

static const struct { int target, host; } std_signal_map[] = {
    { TARGET_SIGHUP, SIGHUP },     { TARGET_SIGINT, SIGINT },
    { TARGET_SIGQUIT, SIGQUIT },   { TARGET_SIGILL, SIGILL },
    { TARGET_SIGTRAP, SIGTRAP },   { TARGET_SIGABRT, SIGABRT },
    { TARGET_SIGBUS, SIGBUS },     { TARGET_SIGFPE, SIGFPE },
    { TARGET_SIGKILL, SIGKILL },   { TARGET_SIGUSR1, SIGUSR1 },
    { TARGET_SIGSEGV, SIGSEGV },   { TARGET_SIGUSR2, SIGUSR2 },
    { TARGET_SIGPIPE, SIGPIPE },   { TARGET_SIGALRM, SIGALRM },
    { TARGET_SIGTERM, SIGTERM },   { TARGET_SIGSTKFLT, SIGSTKFLT },
    { TARGET_SIGCHLD, SIGCHLD },   { TARGET_SIGCONT, SIGCONT },
    { TARGET_SIGSTOP, SIGSTOP },   { TARGET_SIGTSTP, SIGTSTP },
    { TARGET_SIGTTIN, SIGTTIN },   { TARGET_SIGTTOU, SIGTTOU },
    { TARGET_SIGURG, SIGURG },     { TARGET_SIGXCPU, SIGXCPU },
    { TARGET_SIGXFSZ, SIGXFSZ },   { TARGET_SIGVTALRM, SIGVTALRM },
    { TARGET_SIGPROF, SIGPROF },   { TARGET_SIGWINCH, SIGWINCH },
    { TARGET_SIGIO, SIGIO },       { TARGET_SIGPWR, SIGPWR },
    { TARGET_SIGSYS, SIGSYS },
};

/*
 * Real-time signals: the host C library keeps the first few for itself (its
 * SIGRTMIN() is above the kernel's 32), so guest SIGRTMIN + i is host
 * SIGRTMIN() + i while that exists; the guest's top ones cannot be mapped and
 * are refused where they would have to reach the host.
 */
static void init_signal_tables(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(std_signal_map); i++) {
        host_to_target_tab[std_signal_map[i].host] = std_signal_map[i].target;
        target_to_host_tab[std_signal_map[i].target] = std_signal_map[i].host;
    }
    for (int t = TARGET_SIGRTMIN, h = SIGRTMIN; t <= TARGET_NSIG && h <= SIGRTMAX;
         t++, h++) {
        host_to_target_tab[h] = t;
        target_to_host_tab[t] = h;
    }
}

int host_to_target_signal(int host_sig)
{
    if (host_sig <= 0 || host_sig >= _NSIG) {
        return 0;
    }
    return host_to_target_tab[host_sig];
}

int target_to_host_signal(int target_sig)
{
    if (target_sig <= 0 || target_sig > TARGET_NSIG) {
        return 0;
    }
    return target_to_host_tab[target_sig];
}

void host_to_target_sigset(target_sigset_t *t, const sigset_t *h)
{
    *t = 0;
    for (int hs = 1; hs < _NSIG; hs++) {
        int ts = host_to_target_tab[hs];
        if (ts && sigismember(h, hs) == 1) {
            *t |= target_sigbit(ts);
        }
    }
}

void target_to_host_sigset(sigset_t *h, target_sigset_t t)
{
    sigemptyset(h);
    for (int ts = 1; ts <= TARGET_NSIG; ts++) {
        if ((t & target_sigbit(ts)) && target_to_host_tab[ts]) {
            sigaddset(h, target_to_host_tab[ts]);
        }
    }
}

int host_to_target_wait_status(int status)
{
    if (WIFSIGNALED(status)) {
        int t = host_to_target_signal(WTERMSIG(status));
        return (status & ~0x7f) | (t ? t : WTERMSIG(status));
    }
    if (WIFSTOPPED(status)) {
        int t = host_to_target_signal(WSTOPSIG(status));
        return (status & ~0xff00) | ((t ? t : WSTOPSIG(status)) << 8);
    }
    return status;
}

static bool is_fault_signal(int sig)
{
    return sig == TARGET_SIGSEGV || sig == TARGET_SIGBUS || sig == TARGET_SIGILL ||
           sig == TARGET_SIGFPE || sig == TARGET_SIGTRAP;
}

void host_to_target_siginfo(target_siginfo_t *t, const siginfo_t *h)
{
    int sig = host_to_target_signal(h->si_signo);

    memset(t, 0, sizeof(*t));
    t->si_signo = sig;
    t->si_errno = h->si_errno;
    t->si_code = h->si_code;
    if (h->si_code == SI_TIMER) {
        t->u.timer.tid = h->si_timerid;
        t->u.timer.overrun = h->si_overrun;
        t->u.timer.value = (uint64_t)(uintptr_t)h->si_value.sival_ptr;
    } else if (h->si_code <= 0) {
        t->u.rt.pid = h->si_pid;
        t->u.rt.uid = h->si_uid;
        t->u.rt.value = (uint64_t)(uintptr_t)h->si_value.sival_ptr;
    } else if (sig == TARGET_SIGCHLD) {
        t->u.chld.pid = h->si_pid;
        t->u.chld.uid = h->si_uid;
        t->u.chld.status = h->si_status;
        if (h->si_code != CLD_EXITED) {
            int ts = host_to_target_signal(h->si_status);
            t->u.chld.status = ts ? ts : h->si_status;
        }
        t->u.chld.utime = h->si_utime;
        t->u.chld.stime = h->si_stime;
    } else if (is_fault_signal(sig)) {
        t->u.fault.addr = (uint64_t)(uintptr_t)h->si_addr;
    } else if (sig == TARGET_SIGIO) {
        t->u.poll.band = h->si_band;
        t->u.poll.fd = h->si_fd;
    } else if (sig == TARGET_SIGSYS) {
        t->u.sys.call_addr = (uint64_t)(uintptr_t)h->si_call_addr;
        t->u.sys.syscall = h->si_syscall;
        t->u.sys.arch = h->si_arch;
    } else {
        t->u.rt.pid = h->si_pid;
        t->u.rt.uid = h->si_uid;
        t->u.rt.value = (uint64_t)(uintptr_t)h->si_value.sival_ptr;
    }
}

/* For rt_sigqueueinfo and friends: the guest chooses si_code (< 0) and the
 * value; the union is otherwise passed as it is (same layout on this host). */
void target_to_host_siginfo(siginfo_t *h, const target_siginfo_t *t)
{
    G_STATIC_ASSERT(sizeof(siginfo_t) == sizeof(target_siginfo_t));
    memcpy(h, t, sizeof(*h));
    h->si_signo = target_to_host_signal(t->si_signo);
    if (t->si_code == SI_TIMER) {
        h->si_timerid = t->u.timer.tid;
        h->si_overrun = t->u.timer.overrun;
        h->si_value.sival_ptr = (void *)(uintptr_t)t->u.timer.value;
    } else if (t->si_code <= 0) {
        h->si_pid = t->u.rt.pid;
        h->si_uid = t->u.rt.uid;
        h->si_value.sival_ptr = (void *)(uintptr_t)t->u.rt.value;
    }
}

/* ---------------------------------------------------------------------------
 * Host masks
 * ------------------------------------------------------------------------ */

/* Host signals we never block: our own fault detection. */
static void allow_sync_signals(sigset_t *set)
{
    sigdelset(set, SIGSEGV);
    sigdelset(set, SIGBUS);
}

static void block_host_signals(sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    allow_sync_signals(&all);
    pthread_sigmask(SIG_SETMASK, &all, old);
}

static void restore_host_signals(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

static TaskSignals *cur_sig(void)
{
    TaskState *ts = task_current();
    return ts ? ts->sig : NULL;
}

/* Is something in the queue deliverable now (forced, or not blocked)? */
static bool queue_has_deliverable(const TaskSignals *s)
{
    for (int i = 0; i < s->nqueue; i++) {
        if (s->queue[i].forced || !(s->blocked & target_sigbit(s->queue[i].sig))) {
            return true;
        }
    }
    return false;
}

/* Host mask = guest blocked set, unless a recorded signal is still waiting for
 * delivery: then stay closed so that it cannot be overtaken. */
static void sync_host_mask(TaskSignals *s)
{
    sigset_t set;

    if (queue_has_deliverable(s)) {
        sigfillset(&set);
    } else {
        target_to_host_sigset(&set, s->blocked);
    }
    allow_sync_signals(&set);
    pthread_sigmask(SIG_SETMASK, &set, NULL);
    s->mask_synced = true;
}

/* ---------------------------------------------------------------------------
 * Dispositions
 * ------------------------------------------------------------------------ */

enum { DFL_TERM, DFL_CORE, DFL_IGNORE, DFL_STOP, DFL_CONT };

static int default_action(int sig)
{
    switch (sig) {
    case TARGET_SIGCHLD: case TARGET_SIGURG: case TARGET_SIGWINCH:
        return DFL_IGNORE;
    case TARGET_SIGCONT:
        return DFL_CONT;
    case TARGET_SIGSTOP: case TARGET_SIGTSTP: case TARGET_SIGTTIN: case TARGET_SIGTTOU:
        return DFL_STOP;
    case TARGET_SIGQUIT: case TARGET_SIGILL: case TARGET_SIGTRAP: case TARGET_SIGABRT:
    case TARGET_SIGBUS: case TARGET_SIGFPE: case TARGET_SIGSEGV: case TARGET_SIGXCPU:
    case TARGET_SIGXFSZ: case TARGET_SIGSYS:
        return DFL_CORE;
    default:
        return DFL_TERM;
    }
}

static void host_signal_handler(int host_sig, siginfo_t *info, void *puc);

/*
 * The host disposition that gives the guest's one: ignored stays ignored in the
 * kernel (inherited across execve, as it should be), default-ignore stays
 * default (blocking calls are not interrupted), the rest comes to us. Our own
 * fault signals always come to us.
 */
static void update_host_action(int sig)
{
    int host = target_to_host_signal(sig);
    struct sigaction sa;
    const TargetSigaction *ka = &sigact[sig];

    if (!host || host == SIGKILL || host == SIGSTOP) {
        return;
    }
    memset(&sa, 0, sizeof(sa));
    sigfillset(&sa.sa_mask);
    if (host != SIGSEGV && host != SIGBUS && ka->handler == TARGET_SIG_IGN) {
        sa.sa_handler = SIG_IGN;
    } else if (host != SIGSEGV && host != SIGBUS && ka->handler == TARGET_SIG_DFL &&
               (default_action(sig) == DFL_IGNORE || default_action(sig) == DFL_CONT)) {
        sa.sa_handler = SIG_DFL;
    } else {
        sa.sa_sigaction = host_signal_handler;
        sa.sa_flags = SA_SIGINFO;
    }
    if (sig == TARGET_SIGCHLD) {
        if (ka->flags & TARGET_SA_NOCLDSTOP) {
            sa.sa_flags |= SA_NOCLDSTOP;
        }
        if (ka->flags & TARGET_SA_NOCLDWAIT) {
            sa.sa_flags |= SA_NOCLDWAIT;
        }
    }
    sigaction(host, &sa, NULL);
}

void signal_get_action(int sig, TargetSigaction *out)
{
    pthread_mutex_lock(&sigact_lock);
    *out = sigact[sig];
    pthread_mutex_unlock(&sigact_lock);
}

abi_long signal_do_sigaction(int sig, const TargetSigaction *act, TargetSigaction *old)
{
    if (sig < 1 || sig > TARGET_NSIG) {
        return -TARGET_EINVAL;
    }
    if (act && (sig == TARGET_SIGKILL || sig == TARGET_SIGSTOP)) {
        return -TARGET_EINVAL;
    }
    pthread_mutex_lock(&sigact_lock);
    if (old) {
        *old = sigact[sig];
    }
    if (act) {
        sigact[sig] = *act;
        sigact[sig].mask &= ~TARGET_SIG_UNBLOCKABLE;
        /* Flags the kernel does not know are dropped (so the guest can probe
         * with SA_UNSUPPORTED, as glibc does). */
        sigact[sig].flags &= ~(abi_ulong)(TARGET_SA_UNSUPPORTED | TARGET_SA_EXPOSE_TAGBITS);
        update_host_action(sig);
    }
    pthread_mutex_unlock(&sigact_lock);
    return 0;
}

void signal_fork_start(void)
{
    pthread_mutex_lock(&sigact_lock);
    pthread_mutex_lock(&trampoline_lock);
}

void signal_fork_end(bool child)
{
    pthread_mutex_unlock(&trampoline_lock);
    pthread_mutex_unlock(&sigact_lock);
    if (child) {
        TaskSignals *s = cur_sig();
        if (s) {
            /* The child starts with nothing pending. */
            s->nqueue = 0;
        }
    }
}

/* ---------------------------------------------------------------------------
 * The pending queue
 * ------------------------------------------------------------------------ */

/* Call with host signals blocked (or from a host handler). */
static PendingSig *queue_push(TaskSignals *s, int sig, bool forced,
                              const target_siginfo_t *info)
{
    int n = s->nqueue;

    if (!forced && sig < TARGET_SIGRTMIN) {
        /* A standard signal is pending once at most. */
        for (int i = 0; i < n; i++) {
            if (s->queue[i].sig == sig && !s->queue[i].forced) {
                return NULL;
            }
        }
    }
    if (n == SIGQ_MAX) {
        return NULL;    /* cannot happen: one async signal per mask window */
    }
    s->queue[n].sig = sig;
    s->queue[n].forced = forced;
    s->queue[n].reported = false;
    s->queue[n].info = *info;
    s->nqueue = n + 1;
    return &s->queue[n];
}

/* Index of the entry to deliver next, or -1: forced first, then the lowest
 * unblocked number (oldest first for equal numbers). mask: which are wanted
 * (sigtimedwait), 0 for "not blocked". */
static int queue_pick(const TaskSignals *s, target_sigset_t wanted)
{
    int best = -1;

    for (int i = 0; i < s->nqueue; i++) {
        const PendingSig *p = &s->queue[i];
        bool ok = wanted ? (wanted & target_sigbit(p->sig)) != 0
                         : (p->forced || !(s->blocked & target_sigbit(p->sig)));
        if (!ok) {
            continue;
        }
        if (!wanted && p->forced) {
            return i;
        }
        if (best < 0 || p->sig < s->queue[best].sig) {
            best = i;
        }
    }
    return best;
}

static void queue_take(TaskSignals *s, int i, PendingSig *out)
{
    *out = s->queue[i];
    memmove(&s->queue[i], &s->queue[i + 1], (s->nqueue - i - 1) * sizeof(PendingSig));
    s->nqueue = s->nqueue - 1;
}

/* ---------------------------------------------------------------------------
 * Host handlers
 * ------------------------------------------------------------------------ */

static void write_stderr(const char *msg)
{
    ssize_t r = write(2, msg, strlen(msg));
    (void)r;
}

static uintptr_t host_fault_pc(const ucontext_t *uc)
{
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#else
#error "host_fault_pc: unsupported host"
#endif
}

static bool host_fault_is_write(const ucontext_t *uc)
{
#if defined(__x86_64__)
    /* Page fault (trap 14) with the W bit of the error code. */
    return uc->uc_mcontext.gregs[REG_TRAPNO] == 14 &&
           (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
#error "host_fault_is_write: unsupported host"
#endif
}

/* A guest memory access faulted inside generated code. Does not return. */
static G_NORETURN void guest_fault(TaskState *ts, int host_sig, siginfo_t *info,
                                   ucontext_t *uc, uintptr_t pc)
{
    abi_ulong addr = h2g(info->si_addr);
    target_siginfo_t t;

    if (host_sig == SIGSEGV && host_fault_is_write(uc) && page_unprotect(addr)) {
        /* The restart does not go back through the cpu loop: reopen the mask
         * the handler closed (sigprocmask is async-signal-safe). */
        sync_host_mask(ts->sig);
        tcg_exec_cpu_exit_fault(ts->cpu, pc, true);
    }
    memset(&t, 0, sizeof(t));
    t.u.fault.addr = addr;
    if (host_sig == SIGSEGV) {
        t.si_signo = TARGET_SIGSEGV;
        t.si_code = (page_get_flags(addr) & PAGE_VALID) ? TARGET_SEGV_ACCERR
                                                        : TARGET_SEGV_MAPERR;
    } else {
        t.si_signo = TARGET_SIGBUS;
        t.si_code = info->si_code == BUS_ADRALN ? TARGET_BUS_ADRALN : TARGET_BUS_ADRERR;
    }
    queue_push(ts->sig, t.si_signo, true, &t);
    tcg_exec_cpu_exit_fault(ts->cpu, pc, false);
}

static void host_signal_handler(int host_sig, siginfo_t *info, void *puc)
{
    ucontext_t *uc = puc;
    TaskState *ts = task_current();
    int saved_errno = errno;
    target_siginfo_t t;

    if ((host_sig == SIGSEGV || host_sig == SIGBUS) && info->si_code > 0) {
        uintptr_t pc = host_fault_pc(uc);
        if (ts && ts->cpu && user_proc.exec && tcg_exec_pc_in_code(user_proc.exec, pc)) {
            guest_fault(ts, host_sig, info, uc, pc);
        }
        /* Our own bug: say so and die of it (the handler is reset). */
        write_stderr(host_sig == SIGSEGV
                     ? "qemu: fatal: host SIGSEGV outside generated code\n"
                     : "qemu: fatal: host SIGBUS outside generated code\n");
        signal(host_sig, SIG_DFL);
        return;
    }
    if (!host_to_target_signal(host_sig)) {
        errno = saved_errno;
        return;
    }
    if (!ts || !ts->sig) {
        /* Not a guest thread (or one being set up): block everything here and
         * hand the signal back to the process, so a guest thread takes it. */
        sigfillset(&uc->uc_sigmask);
        allow_sync_signals(&uc->uc_sigmask);
        syscall(SYS_rt_sigqueueinfo, getpid(), host_sig, info);
        errno = saved_errno;
        return;
    }
    host_to_target_siginfo(&t, info);
    queue_push(ts->sig, t.si_signo, false, &t);
    /* Nothing more until this one is delivered. */
    ts->sig->mask_synced = false;
    sigfillset(&uc->uc_sigmask);
    allow_sync_signals(&uc->uc_sigmask);
    if (ts->cpu) {
        tcg_exec_cpu_kick(ts->cpu);
    }
    errno = saved_errno;
}

/* ---------------------------------------------------------------------------
 * Set-up
 * ------------------------------------------------------------------------ */

void signal_init(void)
{
    init_signal_tables();
    for (int sig = 1; sig <= TARGET_NSIG; sig++) {
        int host = target_to_host_signal(sig);
        struct sigaction old;

        sigact[sig].handler = TARGET_SIG_DFL;
        if (!host || host == SIGKILL || host == SIGSTOP) {
            continue;
        }
        /* Ignored dispositions survive execve: the guest inherits them. */
        if (sigaction(host, NULL, &old) == 0 && old.sa_handler == SIG_IGN) {
            sigact[sig].handler = TARGET_SIG_IGN;
        }
        update_host_action(sig);
    }
}

void signal_task_init(TaskState *ts, const TaskState *parent)
{
    TaskSignals *s = g_new0(TaskSignals, 1);

    if (parent) {
        s->blocked = parent->sig->blocked;
    } else {
        /* The initial thread inherits the blocked set across execve. */
        sigset_t cur;
        pthread_sigmask(SIG_SETMASK, NULL, &cur);
        host_to_target_sigset(&s->blocked, &cur);
        s->blocked &= ~TARGET_SIG_UNBLOCKABLE;
    }
    ts->sig = s;
}

void signal_task_free(TaskState *ts)
{
    g_free(ts->sig);
    ts->sig = NULL;
}

/* ---------------------------------------------------------------------------
 * Masks and pending state for the syscalls
 * ------------------------------------------------------------------------ */

target_sigset_t signal_get_blocked(void)
{
    return cur_sig()->blocked;
}

void signal_set_blocked(target_sigset_t set)
{
    TaskSignals *s = cur_sig();
    sigset_t old;

    block_host_signals(&old);
    s->blocked = set & ~TARGET_SIG_UNBLOCKABLE;
    sync_host_mask(s);
}

abi_long signal_do_sigprocmask(int how, const target_sigset_t *set, target_sigset_t *old)
{
    TaskSignals *s = cur_sig();
    target_sigset_t n = s->blocked;

    if (old) {
        *old = s->blocked;
    }
    if (!set) {
        return 0;
    }
    switch (how) {
    case TARGET_SIG_BLOCK:
        n |= *set;
        break;
    case TARGET_SIG_UNBLOCK:
        n &= ~*set;
        break;
    case TARGET_SIG_SETMASK:
        n = *set;
        break;
    default:
        return -TARGET_EINVAL;
    }
    signal_set_blocked(n);
    return 0;
}

target_sigset_t signal_pending_set(void)
{
    TaskSignals *s = cur_sig();
    target_sigset_t t = 0, host_pending;
    sigset_t old, hp;

    block_host_signals(&old);
    for (int i = 0; i < s->nqueue; i++) {
        t |= target_sigbit(s->queue[i].sig);
    }
    restore_host_signals(&old);
    sigpending(&hp);
    host_to_target_sigset(&host_pending, &hp);
    return (t | host_pending) & s->blocked;
}

bool task_signal_pending(void)
{
    TaskSignals *s = cur_sig();
    return s && s->nqueue > 0;
}

bool signal_restart_syscall(void)
{
    TaskSignals *s = cur_sig();
    sigset_t old;
    bool restart = true;
    int i;

    if (!s) {
        return true;
    }
    block_host_signals(&old);
    i = queue_pick(s, 0);
    if (i >= 0) {
        TargetSigaction ka;
        signal_get_action(s->queue[i].sig, &ka);
        if (ka.handler != TARGET_SIG_DFL && ka.handler != TARGET_SIG_IGN &&
            !(ka.flags & TARGET_SA_RESTART)) {
            restart = false;
        }
    }
    restore_host_signals(&old);
    return restart;
}

/* Would sig, pending now, make the thread do something (run a handler, die,
 * stop)? Ignored ones do not end sigsuspend. */
static bool signal_has_effect(int sig)
{
    TargetSigaction ka;

    signal_get_action(sig, &ka);
    if (ka.handler == TARGET_SIG_IGN) {
        return false;
    }
    if (ka.handler == TARGET_SIG_DFL) {
        int a = default_action(sig);
        return a != DFL_IGNORE && a != DFL_CONT;
    }
    return true;
}

abi_long signal_do_sigsuspend(target_sigset_t set)
{
    TaskSignals *s = cur_sig();
    target_sigset_t saved = s->blocked;
    sigset_t old, wait_mask;

    block_host_signals(&old);
    s->blocked = set & ~TARGET_SIG_UNBLOCKABLE;
    for (;;) {
        int i;
        /* Drop what is queued but would do nothing. */
        while ((i = queue_pick(s, 0)) >= 0 && !s->queue[i].forced &&
               !signal_has_effect(s->queue[i].sig)) {
            PendingSig dead;
            queue_take(s, i, &dead);
        }
        if (i >= 0) {
            break;
        }
        target_to_host_sigset(&wait_mask, s->blocked);
        allow_sync_signals(&wait_mask);
        sigsuspend(&wait_mask);
    }
    s->in_sigsuspend = true;
    s->suspend_saved = saved;
    /* The mask stays closed until process_pending_signals delivers. */
    return -TARGET_EINTR;
}

abi_long signal_do_sigtimedwait(target_sigset_t set, target_siginfo_t *info,
                                const struct timespec *timeout)
{
    TaskSignals *s = cur_sig();
    sigset_t old, hset;
    siginfo_t hinfo;
    int i, r;

    set &= ~TARGET_SIG_UNBLOCKABLE;
    block_host_signals(&old);
    i = set ? queue_pick(s, set) : -1;
    if (i >= 0) {
        PendingSig p;
        queue_take(s, i, &p);
        *info = p.info;
        sync_host_mask(s);
        return p.sig;
    }
    restore_host_signals(&old);
    /* The set is normally blocked: the host kernel still holds them. */
    target_to_host_sigset(&hset, set);
    r = sigtimedwait(&hset, &hinfo, timeout);
    if (r < 0) {
        return errno == EINTR ? -TARGET_EINTR : -host_to_target_errno(errno);
    }
    host_to_target_siginfo(info, &hinfo);
    return info->si_signo;
}

abi_long signal_do_sigaltstack(const target_stack_t *ss, target_stack_t *oss, abi_ulong sp)
{
    TaskSignals *s = cur_sig();
    bool on = s->ss_size && sp > s->ss_sp && sp - s->ss_sp <= s->ss_size;

    if (oss) {
        memset(oss, 0, sizeof(*oss));
        oss->ss_sp = s->ss_sp;
        oss->ss_size = s->ss_size;
        oss->ss_flags = (on ? TARGET_SS_ONSTACK : (s->ss_size ? 0 : TARGET_SS_DISABLE)) |
                        (s->ss_autodisarm ? (int32_t)TARGET_SS_AUTODISARM : 0);
    }
    if (ss) {
        uint32_t flags = (uint32_t)ss->ss_flags;
        uint32_t mode = flags & ~TARGET_SS_AUTODISARM;

        if (on) {
            return -TARGET_EPERM;
        }
        if (mode != TARGET_SS_DISABLE && mode != TARGET_SS_ONSTACK && mode != 0) {
            return -TARGET_EINVAL;
        }
        if (mode == TARGET_SS_DISABLE) {
            s->ss_sp = 0;
            s->ss_size = 0;
            s->ss_autodisarm = false;
        } else {
            if (ss->ss_size < TARGET_MINSIGSTKSZ) {
                return -TARGET_ENOMEM;
            }
            s->ss_sp = ss->ss_sp;
            s->ss_size = ss->ss_size;
            s->ss_autodisarm = (flags & TARGET_SS_AUTODISARM) != 0;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * Frame helpers for the arch code
 * ------------------------------------------------------------------------ */

abi_ulong signal_frame_sp(const TargetSigaction *ka, abi_ulong sp)
{
    TaskSignals *s = cur_sig();
    bool on = s->ss_size && sp > s->ss_sp && sp - s->ss_sp <= s->ss_size;

    if ((ka->flags & TARGET_SA_ONSTACK) && s->ss_size && !on) {
        return s->ss_sp + s->ss_size;
    }
    return sp;
}

void signal_save_altstack(target_stack_t *out, abi_ulong sp)
{
    TaskSignals *s = cur_sig();

    signal_do_sigaltstack(NULL, out, sp);
    if (s->ss_autodisarm) {
        s->ss_sp = 0;
        s->ss_size = 0;
        s->ss_autodisarm = false;
    }
}

void signal_restore_altstack(abi_ulong uc_stack_addr, abi_ulong sp)
{
    target_stack_t ss;

    if (copy_from_user(&ss, uc_stack_addr, sizeof(ss)) == 0) {
        signal_do_sigaltstack(&ss, NULL, sp);
    }
}

abi_ulong signal_trampoline(void)
{
    abi_ulong addr;

    pthread_mutex_lock(&trampoline_lock);
    if (!trampoline_addr) {
        /* Prot and map flag values are the same for the guest and this host. */
        abi_long a = target_mmap(0, TARGET_PAGE_SIZE, PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (a >= 0 && a < (abi_long)guest_addr_max) {
            if (copy_to_user(a, target_sigreturn_code, target_sigreturn_code_len) == 0 &&
                target_mprotect(a, TARGET_PAGE_SIZE, PROT_READ | PROT_EXEC) == 0) {
                trampoline_addr = a;
            } else {
                target_munmap(a, TARGET_PAGE_SIZE);
            }
        }
    }
    addr = trampoline_addr;
    pthread_mutex_unlock(&trampoline_lock);
    return addr;
}

/* ---------------------------------------------------------------------------
 * Delivery
 * ------------------------------------------------------------------------ */

static const char *target_signal_name(int sig)
{
    int host = target_to_host_signal(sig);
    return host ? strsignal(host) : "Unknown signal";
}

G_NORETURN void signal_die(int sig)
{
    int host = target_to_host_signal(sig);
    struct sigaction sa;
    sigset_t set;
    bool core = default_action(sig) == DFL_CORE;

    qemu_log_mask(LOG_INT, "qemu: uncaught target signal %d (%s)\n", sig,
                  target_signal_name(sig));
    gdb_user_handle_killed(sig);
    if (core) {
        /* No core file of the emulator. */
        struct rlimit rl = { 0, 0 };
        setrlimit(RLIMIT_CORE, &rl);
    }
    fflush(NULL);
    if (host) {
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_DFL;
        sigaction(host, &sa, NULL);
        syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), host);
        sigemptyset(&set);
        sigaddset(&set, host);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    }
    /* Only reached for a signal the host cannot deliver. */
    _exit(128 + sig);
}

static void do_stop(int sig)
{
    int host = target_to_host_signal(sig);
    struct sigaction sa, old;
    sigset_t set, omask;

    if (!host) {
        return;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigaction(host, &sa, &old);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), host);
    sigemptyset(&set);
    sigaddset(&set, host);
    /* Stops here until SIGCONT. */
    pthread_sigmask(SIG_UNBLOCK, &set, &omask);
    pthread_sigmask(SIG_SETMASK, &omask, NULL);
    sigaction(host, &old, NULL);
}

static const char *const target_signal_names[] = {
    [TARGET_SIGHUP] = "SIGHUP", [TARGET_SIGINT] = "SIGINT", [TARGET_SIGQUIT] = "SIGQUIT",
    [TARGET_SIGILL] = "SIGILL", [TARGET_SIGTRAP] = "SIGTRAP", [TARGET_SIGABRT] = "SIGABRT",
    [TARGET_SIGBUS] = "SIGBUS", [TARGET_SIGFPE] = "SIGFPE", [TARGET_SIGKILL] = "SIGKILL",
    [TARGET_SIGUSR1] = "SIGUSR1", [TARGET_SIGSEGV] = "SIGSEGV", [TARGET_SIGUSR2] = "SIGUSR2",
    [TARGET_SIGPIPE] = "SIGPIPE", [TARGET_SIGALRM] = "SIGALRM", [TARGET_SIGTERM] = "SIGTERM",
    [TARGET_SIGSTKFLT] = "SIGSTKFLT", [TARGET_SIGCHLD] = "SIGCHLD",
    [TARGET_SIGCONT] = "SIGCONT", [TARGET_SIGSTOP] = "SIGSTOP", [TARGET_SIGTSTP] = "SIGTSTP",
    [TARGET_SIGTTIN] = "SIGTTIN", [TARGET_SIGTTOU] = "SIGTTOU", [TARGET_SIGURG] = "SIGURG",
    [TARGET_SIGXCPU] = "SIGXCPU", [TARGET_SIGXFSZ] = "SIGXFSZ",
    [TARGET_SIGVTALRM] = "SIGVTALRM", [TARGET_SIGPROF] = "SIGPROF",
    [TARGET_SIGWINCH] = "SIGWINCH", [TARGET_SIGIO] = "SIGIO", [TARGET_SIGPWR] = "SIGPWR",
    [TARGET_SIGSYS] = "SIGSYS",
};

static void strace_signame(GString *out, int sig)
{
    if (sig > 0 && sig < (int)G_N_ELEMENTS(target_signal_names) &&
        target_signal_names[sig]) {
        g_string_append(out, target_signal_names[sig]);
    } else {
        g_string_append_printf(out, "%d", sig);
    }
}

/* -strace: "--- SIGxxx {si_signo=..., si_code=..., ...} ---" as a signal is
 * taken, in QEMU's layout. */
static void strace_taken_signal(int sig, const target_siginfo_t *info)
{
    static const struct { int code; const char *name; } codes[] = {
        { 0, "SI_USER" }, { 0x80, "SI_KERNEL" }, { -1, "SI_QUEUE" }, { -2, "SI_TIMER" },
        { -3, "SI_MESGQ" }, { -4, "SI_ASYNCIO" }, { -5, "SI_SIGIO" }, { -6, "SI_TKILL" },
    };
    GString *out;
    const char *code = NULL;

    if (!user_proc.strace && !qemu_loglevel_mask(LOG_STRACE)) {
        return;
    }
    out = g_string_new("--- ");
    strace_signame(out, sig);
    g_string_append(out, " {si_signo=");
    strace_signame(out, info->si_signo);
    for (size_t i = 0; i < G_N_ELEMENTS(codes); i++) {
        if (codes[i].code == info->si_code) {
            code = codes[i].name;
        }
    }
    if (code && info->si_code != 0x80 && info->si_code > 0) {
        code = NULL;
    }
    if (code) {
        g_string_append_printf(out, ", si_code=%s", code);
    } else {
        g_string_append_printf(out, ", si_code=%d", info->si_code);
    }
    if (info->si_code > 0 && info->si_code != 0x80 && is_fault_signal(sig)) {
        if (info->u.fault.addr) {
            g_string_append_printf(out, ", si_addr=0x%016" PRIx64, info->u.fault.addr);
        } else {
            g_string_append(out, ", si_addr=NULL");
        }
    } else if (info->si_code > 0 && info->si_code != 0x80 && sig == TARGET_SIGCHLD) {
        g_string_append_printf(out, ", si_pid=%u, si_uid=%u, si_status=%d, si_utime=%"
                               PRId64 ", si_stime=%" PRId64, (unsigned)info->u.chld.pid,
                               info->u.chld.uid, info->u.chld.status, info->u.chld.utime,
                               info->u.chld.stime);
    } else if (info->si_code > 0 && info->si_code != 0x80 && sig == TARGET_SIGIO) {
        g_string_append_printf(out, ", si_band=%" PRId64 ", si_fd=%d", info->u.poll.band,
                               info->u.poll.fd);
    } else {
        g_string_append_printf(out, ", si_pid=%u, si_uid=%u", (unsigned)info->u.rt.pid,
                               info->u.rt.uid);
        if (info->si_code < 0 && info->si_code != TARGET_SI_TKILL) {
            g_string_append_printf(out, ", si_sigval=%u", (uint32_t)info->u.rt.value);
        }
    }
    g_string_append(out, "} ---\n");
    qemu_log("%s", out->str);
    g_string_free(out, TRUE);
}

static void deliver(CPUArchState *env, TaskSignals *s, PendingSig *p)
{
    int sig = p->reported ? p->sig : gdb_user_handle_signal(env, p->sig);
    TargetSigaction ka;
    target_sigset_t saved;

    if (sig <= 0 || sig > TARGET_NSIG) {
        return;     /* the debugger swallowed it */
    }
    if (sig != p->sig) {
        memset(&p->info, 0, sizeof(p->info));
        p->info.si_signo = sig;
        p->info.si_code = TARGET_SI_USER;
        p->sig = sig;
    }
    strace_taken_signal(sig, &p->info);
    pthread_mutex_lock(&sigact_lock);
    if (p->forced && (sigact[sig].handler == TARGET_SIG_IGN ||
                      (s->blocked & target_sigbit(sig)))) {
        /* A fault the guest cannot take: the default action. */
        sigact[sig].handler = TARGET_SIG_DFL;
        s->blocked &= ~target_sigbit(sig);
        update_host_action(sig);
    }
    ka = sigact[sig];
    if (ka.handler != TARGET_SIG_DFL && ka.handler != TARGET_SIG_IGN &&
        (ka.flags & TARGET_SA_RESETHAND)) {
        sigact[sig].handler = TARGET_SIG_DFL;
        sigact[sig].flags &= ~(abi_ulong)TARGET_SA_SIGINFO;
        update_host_action(sig);
    }
    pthread_mutex_unlock(&sigact_lock);

    qemu_log_mask(LOG_INT, "qemu: delivering target signal %d (handler 0x%" PRIx64 ")\n",
                  sig, (uint64_t)ka.handler);
    if (ka.handler == TARGET_SIG_IGN) {
        return;
    }
    if (ka.handler == TARGET_SIG_DFL) {
        switch (default_action(sig)) {
        case DFL_IGNORE:
        case DFL_CONT:
            return;
        case DFL_STOP:
            do_stop(sig);
            return;
        default:
            signal_die(sig);
        }
    }
    saved = s->in_sigsuspend ? s->suspend_saved : s->blocked;
    s->in_sigsuspend = false;
    if (!target_setup_rt_frame(env, sig, &ka, &p->info, saved)) {
        signal_die(TARGET_SIGSEGV);
    }
    s->blocked |= ka.mask;
    if (!(ka.flags & TARGET_SA_NODEFER)) {
        s->blocked |= target_sigbit(sig);
    }
    s->blocked &= ~TARGET_SIG_UNBLOCKABLE;
}

void process_pending_signals(CPUArchState *env)
{
    TaskSignals *s = cur_sig();
    sigset_t old;

    if (!s) {
        return;
    }
    /* The common case, after every system call: nothing to do. A signal that
     * comes after this check kicks the vCPU, so we are back here at once. */
    if (s->nqueue == 0 && s->mask_synced && !s->in_sigsuspend) {
        return;
    }
    block_host_signals(&old);
    for (;;) {
        PendingSig p;
        int i = queue_pick(s, 0);
        if (i < 0) {
            break;
        }
        queue_take(s, i, &p);
        deliver(env, s, &p);
    }
    if (s->in_sigsuspend) {
        s->blocked = s->suspend_saved;
        s->in_sigsuspend = false;
    }
    sync_host_mask(s);
}

static void queue_fault(int target_sig, int target_code, abi_ulong addr, bool reported)
{
    TaskSignals *s = cur_sig();
    target_siginfo_t t;
    sigset_t old;
    PendingSig *p;

    memset(&t, 0, sizeof(t));
    t.si_signo = target_sig;
    t.si_code = target_code;
    t.u.fault.addr = addr;
    block_host_signals(&old);
    p = queue_push(s, target_sig, true, &t);
    if (p) {
        p->reported = reported;
    }
    restore_host_signals(&old);
}

void force_sig_fault(int target_sig, int target_code, abi_ulong addr)
{
    queue_fault(target_sig, target_code, addr, false);
}

void force_sig_fault_reported(int target_sig, int target_code, abi_ulong addr)
{
    queue_fault(target_sig, target_code, addr, true);
}

void signal_fault_return(void)
{
    TaskSignals *s = cur_sig();

    if (s) {
        sync_host_mask(s);
    }
}
