/*
 * Internal interface of the guest signal machinery, shared by signal.c (delivery,
 * host handlers, number tables), syscall-signal.c, syscall-task.c and the
 * per-architecture frame code (linux-user/<arch>/signal.c). Guest structures
 * here use the asm-generic Linux layout of a 64-bit guest.
 */
#ifndef LINUX_USER_SIGNAL_INT_H
#define LINUX_USER_SIGNAL_INT_H

#include <signal.h>
#include <time.h>
#include "linux-user/user.h"

/* Guest signal numbers (asm-generic numbering, also riscv64/aarch64). */
#define TARGET_SIGHUP     1
#define TARGET_SIGINT     2
#define TARGET_SIGQUIT    3
#define TARGET_SIGILL     4
#define TARGET_SIGTRAP    5
#define TARGET_SIGABRT    6
#define TARGET_SIGBUS     7
#define TARGET_SIGFPE     8
#define TARGET_SIGKILL    9
#define TARGET_SIGUSR1   10
#define TARGET_SIGSEGV   11
#define TARGET_SIGUSR2   12
#define TARGET_SIGPIPE   13
#define TARGET_SIGALRM   14
#define TARGET_SIGTERM   15
#define TARGET_SIGSTKFLT 16
#define TARGET_SIGCHLD   17
#define TARGET_SIGCONT   18
#define TARGET_SIGSTOP   19
#define TARGET_SIGTSTP   20
#define TARGET_SIGTTIN   21
#define TARGET_SIGTTOU   22
#define TARGET_SIGURG    23
#define TARGET_SIGXCPU   24
#define TARGET_SIGXFSZ   25
#define TARGET_SIGVTALRM 26
#define TARGET_SIGPROF   27
#define TARGET_SIGWINCH  28
#define TARGET_SIGIO     29
#define TARGET_SIGPWR    30
#define TARGET_SIGSYS    31
#define TARGET_SIGRTMIN  32

/* sa_flags (asm-generic). */
#define TARGET_SA_NOCLDSTOP 0x00000001u
#define TARGET_SA_NOCLDWAIT 0x00000002u
#define TARGET_SA_SIGINFO   0x00000004u
#define TARGET_SA_UNSUPPORTED 0x00000400u
#define TARGET_SA_EXPOSE_TAGBITS 0x00000800u
#define TARGET_SA_ONSTACK   0x08000000u
#define TARGET_SA_RESTART   0x10000000u
#define TARGET_SA_NODEFER   0x40000000u
#define TARGET_SA_RESETHAND 0x80000000u

#define TARGET_SIG_DFL 0
#define TARGET_SIG_IGN 1

#define TARGET_SIG_BLOCK   0
#define TARGET_SIG_UNBLOCK 1
#define TARGET_SIG_SETMASK 2

/* sigaltstack */
#define TARGET_SS_ONSTACK     1
#define TARGET_SS_DISABLE     2
#define TARGET_SS_AUTODISARM  (1u << 31)
#ifndef TARGET_MINSIGSTKSZ
#define TARGET_MINSIGSTKSZ    2048
#endif

/* si_code values we generate. */
#define TARGET_SI_USER      0
#define TARGET_SI_KERNEL    0x80
#define TARGET_SI_TKILL     (-6)
#define TARGET_SEGV_MAPERR  1
#define TARGET_SEGV_ACCERR  2
#define TARGET_BUS_ADRALN   1
#define TARGET_BUS_ADRERR   2
#define TARGET_ILL_ILLOPC   1
#define TARGET_TRAP_BRKPT   1
#define TARGET_CLD_EXITED   1
#define TARGET_CLD_KILLED   2
#define TARGET_CLD_DUMPED   3
#define TARGET_CLD_TRAPPED  4
#define TARGET_CLD_STOPPED  5
#define TARGET_CLD_CONTINUED 6

/* Bit (sig - 1) for signal sig; TARGET_NSIG is 64 on every 64-bit Linux guest. */
typedef uint64_t target_sigset_t;

static inline target_sigset_t target_sigbit(int sig)
{
    return 1ull << (sig - 1);
}

/* What SIGKILL and SIGSTOP may never be: blocked, caught or ignored. */
#define TARGET_SIG_UNBLOCKABLE \
    (target_sigbit(TARGET_SIGKILL) | target_sigbit(TARGET_SIGSTOP))

/* The guest's struct sigaction for rt_sigaction (no sa_restorer on riscv64). */
typedef struct TargetSigaction {
    abi_ulong handler;
    abi_ulong flags;
#ifdef TARGET_ARCH_HAS_SA_RESTORER
    abi_ulong restorer;
#endif
    target_sigset_t mask;
} TargetSigaction;

/* The guest's siginfo_t: 128 bytes, the union at offset 16 (64-bit ABI). */
typedef struct target_siginfo {
    int32_t si_signo;
    int32_t si_errno;
    int32_t si_code;
    int32_t pad0;
    union {
        int32_t raw[28];
        struct {                /* kill, tkill, sigqueue */
            int32_t pid;
            uint32_t uid;
            uint64_t value;
        } rt;
        struct {                /* POSIX timers */
            int32_t tid;
            int32_t overrun;
            uint64_t value;
        } timer;
        struct {                /* SIGCHLD */
            int32_t pid;
            uint32_t uid;
            int32_t status;
            int32_t pad;
            int64_t utime;
            int64_t stime;
        } chld;
        struct {                /* SIGSEGV SIGBUS SIGILL SIGFPE SIGTRAP */
            uint64_t addr;
        } fault;
        struct {                /* SIGIO */
            int64_t band;
            int32_t fd;
        } poll;
        struct {                /* SIGSYS */
            uint64_t call_addr;
            int32_t syscall;
            uint32_t arch;
        } sys;
    } u;
} target_siginfo_t;

G_STATIC_ASSERT(sizeof(target_siginfo_t) == 128);

/* The guest's stack_t. */
typedef struct target_stack {
    abi_ulong ss_sp;
    int32_t ss_flags;
    int32_t pad;
    abi_ulong ss_size;
} target_stack_t;

/* Process-wide: the guest's disposition of sig (1..TARGET_NSIG), a copy. */
void signal_get_action(int sig, TargetSigaction *out);

/* Conversions (signal numbers inside are converted too). */
void host_to_target_siginfo(target_siginfo_t *t, const siginfo_t *h);
void target_to_host_siginfo(siginfo_t *h, const target_siginfo_t *t);
void host_to_target_sigset(target_sigset_t *t, const sigset_t *h);
void target_to_host_sigset(sigset_t *h, target_sigset_t t);
/* A wait status: the signal numbers inside become the guest's. */
int host_to_target_wait_status(int status);

/* rt_sigaction: sig checked here; act/old may be NULL. -errno or 0. */
abi_long signal_do_sigaction(int sig, const TargetSigaction *act, TargetSigaction *old);
/* rt_sigprocmask with guest how values; set/old may be NULL. */
abi_long signal_do_sigprocmask(int how, const target_sigset_t *set, target_sigset_t *old);
/* rt_sigpending: pending and blocked, for this thread and the process. */
target_sigset_t signal_pending_set(void);
/* rt_sigsuspend: waits for a signal that does something; always -EINTR. */
abi_long signal_do_sigsuspend(target_sigset_t set);
/* rt_sigtimedwait: the signal number taken, or -errno (timeout NULL: forever). */
abi_long signal_do_sigtimedwait(target_sigset_t set, target_siginfo_t *info,
                                const struct timespec *timeout);
/* sigaltstack for the current thread at guest sp; ss/oss may be NULL. */
abi_long signal_do_sigaltstack(const target_stack_t *ss, target_stack_t *oss,
                               abi_ulong sp);
/* fork: keep the signal state consistent in the child. */
void signal_fork_start(void);
void signal_fork_end(bool child);

/* The calling thread's blocked set. */
target_sigset_t signal_get_blocked(void);
/* Replace the calling thread's blocked set (SIGKILL/SIGSTOP are dropped). */
void signal_set_blocked(target_sigset_t set);

/* ---- the signal frame (linux-user/<arch>/signal.c uses these) ---- */

/* The sp to build a frame under: the alternate stack if the handler asks and we
 * are not on it already; frame_size is subtracted by the caller. */
abi_ulong signal_frame_sp(const TargetSigaction *ka, abi_ulong sp);
/* Fill the frame's uc_stack from the thread's sigaltstack (for sp). */
void signal_save_altstack(target_stack_t *out, abi_ulong sp);
/* rt_sigreturn: reinstall the altstack saved in the frame (errors ignored as
 * the kernel does), guest address of the frame's uc_stack. */
void signal_restore_altstack(abi_ulong uc_stack_addr, abi_ulong sp);
/* Guest address of the sigreturn trampoline (mapped on first use), or 0. */
abi_ulong signal_trampoline(void);

/* Arch code: build the rt frame and point env at the handler; false if the
 * frame could not be written (the caller forces SIGSEGV). */
bool target_setup_rt_frame(CPUArchState *env, int sig, const TargetSigaction *ka,
                           const target_siginfo_t *info, target_sigset_t saved_mask);
/* Arch code: rt_sigreturn (restores registers, mask, altstack). Returns
 * -QEMU_ESIGRETURN, or forces SIGSEGV on a bad frame. */
abi_long target_do_rt_sigreturn(CPUArchState *env);
/* Arch code: the instructions of the sigreturn trampoline. */
extern const uint32_t target_sigreturn_code[];
extern const size_t target_sigreturn_code_len;     /* in bytes */
/* Arch code: a clone child's registers: result 0, new sp (if non-zero), tls. */
void target_clone_child_regs(CPUArchState *env, abi_ulong newsp, bool set_tls,
                             abi_ulong tls);

/* force_sig_fault for a stop gdb_user_handle_signal() has already reported
 * (the cpu loop's TCG_EXEC_DEBUG path): delivery does not ask gdb again. */
void force_sig_fault_reported(int target_sig, int target_code, abi_ulong addr);

/* syscall-task.c: end the process with status code (exit_group). */
G_NORETURN void task_exit_group(int code);
/* signal.c: terminate the process as if killed by target signal sig. */
G_NORETURN void signal_die(int sig);

#endif
