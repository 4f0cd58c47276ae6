/*
 * The linux-user runtime's shared interface: guest address space and guest memory
 * access for system calls, per-thread and per-process state, the system call
 * table, errno and signal translation, and the hooks each module provides.
 * Generic code includes this; each guest architecture supplies target_arch.h
 * (linux-user/<arch>/) and its cpu loop, signal frame and ELF details.
 */
#ifndef LINUX_USER_USER_H
#define LINUX_USER_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <glib.h>
#include "libcore/error.h"
#include "libcore/log.h"
#include "libtcg/exec.h"
#include "target_arch.h"

/* ---------------------------------------------------------------------------
 * Guest address space (linux-user/mmap.c, linux-user/pageflags.c)
 * ------------------------------------------------------------------------ */

#define TARGET_PAGE_SIZE   (1ull << TARGET_PAGE_BITS)
#define TARGET_PAGE_MASK   (~(TARGET_PAGE_SIZE - 1))
#define TARGET_PAGE_ALIGN(a) (((a) + TARGET_PAGE_SIZE - 1) & TARGET_PAGE_MASK)

/* host address = guest address + guest_base (-B; chosen at start-up otherwise). */
extern uintptr_t guest_base;
/* -R / QEMU_RESERVED_VA: size of the guest space reserved up front, 0 if none. */
extern abi_ulong reserved_va;
/* One past the highest guest address the guest may use. */
extern abi_ulong guest_addr_max;

static inline void *g2h(abi_ulong addr)
{
    return (void *)((uintptr_t)addr + guest_base);
}

static inline abi_ulong h2g(const void *host)
{
    return (abi_ulong)((uintptr_t)host - guest_base);
}

/* True if [addr, addr + len) lies inside the guest address space. */
bool guest_range_valid(abi_ulong addr, abi_ulong len);

/* Guest page flags, kept per target page. */
enum {
    PAGE_READ      = 0x01,
    PAGE_WRITE     = 0x02,      /* writable now */
    PAGE_EXEC      = 0x04,
    PAGE_VALID     = 0x08,      /* mapped */
    PAGE_WRITE_ORG = 0x10,      /* the guest mapped it writable (PAGE_WRITE is
                                   cleared while translated code lives there) */
    PAGE_ANON      = 0x20,
};

int page_get_flags(abi_ulong addr);
/* Set the flags of every page in [start, end) (end exclusive, page aligned). */
void page_set_flags(abi_ulong start, abi_ulong end, int flags);
/* True if every page of [start, start + len) has all of flags (len 0: true). */
bool page_check_range(abi_ulong start, abi_ulong len, int flags);
/*
 * A write to guest addr faulted. If its page is write-protected because it holds
 * translated code: drop those TBs, make it writable again and return true (the
 * write can be retried). Called from the SIGSEGV handler and from lock_user.
 */
bool page_unprotect(abi_ulong addr);
/* Call fn for each run of pages with equal flags, in address order; stops at a
 * non-zero return, which it returns. (/proc/self/maps, -d page) */
int walk_memory_regions(void *opaque,
                        int (*fn)(void *opaque, abi_ulong start, abi_ulong end,
                                  int flags));

/* The mmap lock orders every change of the address space and of the page flags. */
void mmap_lock(void);
void mmap_unlock(void);
/* fork(): hold the lock across, re-initialise it in the child. */
void mmap_fork_start(void);
void mmap_fork_end(bool child);

/* The guest's view of mmap and friends; results are guest addresses or -errno. */
abi_long target_mmap(abi_ulong start, abi_ulong len, int target_prot,
                     int target_flags, int fd, off_t offset);
abi_long target_munmap(abi_ulong start, abi_ulong len);
abi_long target_mprotect(abi_ulong start, abi_ulong len, int target_prot);
abi_long target_mremap(abi_ulong old_addr, abi_ulong old_size, abi_ulong new_size,
                       int flags, abi_ulong new_addr);
abi_long target_madvise(abi_ulong start, abi_ulong len, int advice);
/* brk: returns the new break (the old one when it cannot move), as Linux does. */
abi_ulong do_brk(abi_ulong new_brk);
/* A free guest range of size bytes at or above start (0: anywhere), or -1. */
abi_ulong mmap_find_vma(abi_ulong start, abi_ulong size);

/* ---------------------------------------------------------------------------
 * Guest memory access for system calls (linux-user/uaccess.c)
 * ------------------------------------------------------------------------ */

enum { VERIFY_READ = PAGE_READ, VERIFY_WRITE = PAGE_READ | PAGE_WRITE };

/*
 * The host address of guest [addr, addr + len) after checking the pages allow
 * `type` access (VERIFY_WRITE unprotects code pages first), or NULL: the caller
 * returns -TARGET_EFAULT. len 0 gives a non-NULL pointer. Pair with unlock_user
 * (len = bytes the host wrote, 0 for none); the mapping is direct on this host,
 * but the pair keeps the code right for guests whose layout differs.
 */
void *lock_user(int type, abi_ulong addr, abi_ulong len, bool copy);
void unlock_user(void *host, abi_ulong addr, abi_ulong len);
/* A guest NUL-terminated string (readable up to its NUL), or NULL. */
char *lock_user_string(abi_ulong addr);
void unlock_user_string(char *host, abi_ulong addr);
/* 0 or -TARGET_EFAULT. */
abi_long copy_from_user(void *dst, abi_ulong src, size_t len);
abi_long copy_to_user(abi_ulong dst, const void *src, size_t len);

#define get_user_u64(x, addr) copy_from_user(&(x), (addr), 8)
#define put_user_u64(x, addr) ({ uint64_t v_ = (x); copy_to_user((addr), &v_, 8); })
#define get_user_u32(x, addr) copy_from_user(&(x), (addr), 4)
#define put_user_u32(x, addr) ({ uint32_t v_ = (x); copy_to_user((addr), &v_, 4); })
#define get_user_ual(x, addr) copy_from_user(&(x), (addr), sizeof(abi_ulong))
#define put_user_ual(x, addr) ({ abi_ulong v_ = (x); copy_to_user((addr), &v_, sizeof(abi_ulong)); })

/* ---------------------------------------------------------------------------
 * Errors (linux-user/errno.c)
 * ------------------------------------------------------------------------ */

#define TARGET_EFAULT  14
#define TARGET_EINVAL  22
#define TARGET_ENOSYS  38
#define TARGET_EINTR   4
#define TARGET_EAGAIN  11
#define TARGET_ENOMEM  12
#define TARGET_EBADF   9
#define TARGET_ENOENT  2
#define TARGET_EPERM   1
#define TARGET_ENOTTY  25
#define TARGET_EOPNOTSUPP 95
/*
 * Internal: a blocking host call was interrupted by a signal meant for the guest.
 * The cpu loop restarts the call (SA_RESTART) or turns it into -EINTR.
 */
#define QEMU_ERESTARTSYS 512
/* Internal: rt_sigreturn rewrote every register; the cpu loop leaves a0 alone. */
#define QEMU_ESIGRETURN 513

int host_to_target_errno(int host_errno);
int target_to_host_errno(int target_errno);
/* host_ret, or -target errno when host_ret is -1 (EINTR -> -QEMU_ERESTARTSYS
 * when a guest signal is pending). */
abi_long get_errno(long host_ret);
/* strerror for target errno values (strace). */
const char *target_strerror(int target_errno);

/* ---------------------------------------------------------------------------
 * Threads and the process
 * ------------------------------------------------------------------------ */

typedef struct TaskSignals TaskSignals;     /* owned by signal.c */

/* One per guest thread (a host thread each). */
typedef struct TaskState {
    CPUArchState *env;
    TCGExecCPU *cpu;
    pid_t tid;
    abi_ulong child_tidptr;     /* CLONE_CHILD_CLEARTID: zeroed + woken at exit */
    abi_ulong robust_list;      /* set_robust_list */
    abi_ulong robust_list_len;
    TaskSignals *sig;
    struct TaskState *next;     /* the thread list (under the thread list lock) */
} TaskState;

/* The calling thread's TaskState (thread-local). */
TaskState *task_current(void);
void task_set_current(TaskState *ts);
/* Register / unregister a thread in the process list; call with ts complete. */
void task_list_add(TaskState *ts);
void task_list_remove(TaskState *ts);
/* Threads other than the caller, for exit_group and exclusive work. */
void task_list_foreach(void (*fn)(TaskState *ts, void *opaque), void *opaque);

/* What the whole process shares; filled by main.c and the ELF loader. */
typedef struct UserProcess {
    TCGExec *exec;
    char *exec_path;            /* the guest program as given (AT_EXECFN) */
    char *exec_realpath;        /* absolute host path (/proc/self/exe) */
    int exec_fd;                /* the program kept open (binfmt O flag), or -1 */
    char **argv;                /* the guest's argv (argv[0] as the guest sees it) */
    int argc;
    abi_ulong entry;            /* the program's entry (AT_ENTRY) */
    abi_ulong start_entry;      /* where execution starts (interpreter's entry) */
    abi_ulong load_bias;        /* PIE or ET_DYN program's bias */
    abi_ulong interp_base;      /* AT_BASE, 0 without an interpreter */
    abi_ulong phdr;             /* AT_PHDR */
    abi_ulong phnum;
    abi_ulong start_code, end_code, start_data, end_data;
    abi_ulong start_brk, brk;   /* the heap: brk grows from start_brk */
    abi_ulong start_stack;      /* initial sp */
    abi_ulong stack_low;        /* lowest address of the stack mapping */
    abi_ulong arg_start, arg_end, env_start, env_end;
    abi_ulong auxv;             /* guest address of the auxv on the stack */
    abi_ulong auxv_len;         /* bytes, AT_NULL included */
    uint32_t cpu_ext;           /* -cpu extension set */
    char *cpu_spec;             /* the -cpu argument, passed on to exec'd guests */
    char *ld_prefix;            /* -L / QEMU_LD_PREFIX, or NULL */
    unsigned long stack_size;   /* -s / QEMU_STACK_SIZE */
    bool strace;                /* -strace / QEMU_STRACE */
    bool preserve_argv0;        /* -0 given or binfmt P flag */
    uint64_t seed;              /* -seed: AT_RANDOM and getrandom are reproducible */
    bool have_seed;
    char *self_path;            /* our own binary, to run exec'd guest programs */
    /* Options to pass again when a guest execs another guest program. */
    GPtrArray *exec_args;
} UserProcess;

extern UserProcess user_proc;

/* -L: the host path to use for a guest absolute path (the prefixed one if it
 * exists there, else the path itself). Never NULL; do not free. Thread-safe. */
const char *path(const char *guest_path);

/* ---------------------------------------------------------------------------
 * System calls (linux-user/syscall.c dispatches; other files register tables)
 * ------------------------------------------------------------------------ */

typedef abi_long (*SyscallFn)(CPUArchState *env, abi_long a1, abi_long a2,
                              abi_long a3, abi_long a4, abi_long a5, abi_long a6);
/* strace: print the arguments (without parentheses) / the result. */
typedef void (*StraceArgsFn)(GString *out, const abi_long *args);
typedef void (*StraceRetFn)(GString *out, abi_long ret, const abi_long *args);

typedef struct SyscallDef {
    int nr;                     /* TARGET_NR_... */
    const char *name;
    SyscallFn fn;
    /*
     * strace argument formats, one letter per argument (strace.c):
     *   d signed   u unsigned   x hex   o octal   p pointer   s string
     *   f fd       a dirfd (AT_FDCWD)   O open flags   m mode   P mmap prot
     *   M mmap flags   S signal   c clock id   A at-flags
     * NULL with print_args NULL: every argument in hex.
     */
    const char *fmt;
    StraceArgsFn print_args;    /* optional, wins over fmt */
    StraceRetFn print_ret;      /* optional: default prints the number or errno */
} SyscallDef;

/* Define sys_<name> with the SyscallFn signature (unused arguments are fine). */
#define SYSCALL_FN(name)                                                     \
    static abi_long sys_##name(CPUArchState *env, abi_long a1, abi_long a2,  \
                               abi_long a3, abi_long a4, abi_long a5,        \
                               abi_long a6)

void syscall_register(const SyscallDef *defs, size_t n);
#define SYSCALL_TABLE_REGISTER(table)                                        \
    static void __attribute__((constructor)) table##_register(void)         \
    {                                                                        \
        syscall_register(table, G_N_ELEMENTS(table));                      \
    }

/* Run system call nr; the return value goes to the guest's result register.
 * Logs with -strace; unknown numbers give -ENOSYS and a LOG_UNIMP line. */
abi_long do_syscall(CPUArchState *env, int nr, const abi_long args[6]);

/* -strace output (strace.c): "<pid> name(args)" then " = result\n" (with errno
 * text for -1..-4095). def is NULL for an unknown number. */
void strace_print_call(const SyscallDef *def, int nr, const abi_long *args);
void strace_print_ret(const SyscallDef *def, int nr, abi_long ret, const abi_long *args);
/* Shared strace helpers (strace.c) for custom printers. */
void strace_print_string(GString *out, abi_ulong guest_str);
void strace_print_flags(GString *out, const char *const names[][2], abi_ulong v);

/* ---------------------------------------------------------------------------
 * Signals (linux-user/signal.c; the frame in linux-user/<arch>/signal.c)
 * ------------------------------------------------------------------------ */

/* Install the host handlers; the guest starts with the host's dispositions. */
void signal_init(void);
/* New thread: inherit parent's mask (NULL: the initial thread). */
void signal_task_init(TaskState *ts, const TaskState *parent);
void signal_task_free(TaskState *ts);
/* A synchronous signal from the guest's own instruction (fault, ebreak ...). */
void force_sig_fault(int target_sig, int target_code, abi_ulong addr);
/* Deliver what is pending and unblocked to the current thread's guest. */
void process_pending_signals(CPUArchState *env);
/* True if a signal for this thread arrived (blocking syscalls give up). */
bool task_signal_pending(void);
int host_to_target_signal(int host_sig);
int target_to_host_signal(int target_sig);
/* The handler of a pending signal restarts syscalls (SA_RESTART)? */
bool signal_restart_syscall(void);
/*
 * The host SIGSEGV/SIGBUS handler records a guest fault (as a pending synchronous
 * signal of the current thread) and leaves generated code through
 * tcg_exec_cpu_exit_fault(); the cpu loop, seeing TCG_EXEC_FAULT, calls this to
 * put back the thread's host signal mask, then process_pending_signals().
 */
void signal_fault_return(void);

/* ---------------------------------------------------------------------------
 * Per-architecture hooks (linux-user/<arch>/)
 * ------------------------------------------------------------------------ */

/* Run the guest thread forever (exits through exit / exit_group). */
G_NORETURN void cpu_loop(CPUArchState *env);
/* The TCGExecGuest of this target. */
const TCGExecGuest *target_exec_guest(void);
/* Initial register state for the program (pc, sp; the rest from reset). */
void target_cpu_init_regs(CPUArchState *env, abi_ulong pc, abi_ulong sp);
/* AT_HWCAP for the CPU model; AT_PLATFORM string or NULL. */
abi_ulong target_elf_hwcap(const CPUArchState *env);
const char *target_elf_platform(void);
/* /proc/cpuinfo text for the guest; g_free. */
char *target_proc_cpuinfo(void);

#endif
