/*
 * Thread and process system calls: clone (a host thread per guest thread; a host
 * fork for fork-like clones), execve (guest programs run through this emulator
 * again, anything else is the host's), exit of a thread and of the process,
 * wait4/waitid, set_tid_address and gettid.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/futex.h>
#include "linux-user/signal-int.h"
#include "linux-user/gdbstub-user.h"

/* clone flags (the same in every Linux ABI). */
#define T_CSIGNAL              0x000000ffu
#define T_CLONE_VM             0x00000100u
#define T_CLONE_FS             0x00000200u
#define T_CLONE_FILES          0x00000400u
#define T_CLONE_SIGHAND        0x00000800u
#define T_CLONE_PIDFD          0x00001000u
#define T_CLONE_PTRACE         0x00002000u
#define T_CLONE_VFORK          0x00004000u
#define T_CLONE_PARENT         0x00008000u
#define T_CLONE_THREAD         0x00010000u
#define T_CLONE_NEWNS          0x00020000u
#define T_CLONE_SYSVSEM        0x00040000u
#define T_CLONE_SETTLS         0x00080000u
#define T_CLONE_PARENT_SETTID  0x00100000u
#define T_CLONE_CHILD_CLEARTID 0x00200000u
#define T_CLONE_DETACHED       0x00400000u
#define T_CLONE_UNTRACED       0x00800000u
#define T_CLONE_CHILD_SETTID   0x01000000u

/* What a new thread needs and must have. */
#define THREAD_NEEDED (T_CLONE_VM | T_CLONE_FS | T_CLONE_FILES | T_CLONE_SIGHAND | \
                       T_CLONE_THREAD)
#define THREAD_OPTIONAL (T_CLONE_SYSVSEM | T_CLONE_SETTLS | T_CLONE_PARENT_SETTID | \
                         T_CLONE_CHILD_CLEARTID | T_CLONE_CHILD_SETTID | \
                         T_CLONE_DETACHED | T_CLONE_UNTRACED)
/* What a fork-like clone may carry. CLONE_VM comes with CLONE_VFORK only:
 * vfork is run as fork (the parent does not share the child's memory). */
#define FORK_ALLOWED (T_CSIGNAL | T_CLONE_VFORK | T_CLONE_VM | T_CLONE_SETTLS | \
                      T_CLONE_PARENT_SETTID | T_CLONE_CHILD_CLEARTID | \
                      T_CLONE_CHILD_SETTID | T_CLONE_DETACHED | T_CLONE_UNTRACED)

/* Robust futex words. */
#define T_FUTEX_WAITERS    0x80000000u
#define T_FUTEX_OWNER_DIED 0x40000000u
#define T_FUTEX_TID_MASK   0x3fffffffu
#define ROBUST_LIST_LIMIT  2048

/* Guest threads alive in this process; the last one to exit ends it. */
static pthread_mutex_t thread_count_lock = PTHREAD_MUTEX_INITIALIZER;
static int thread_count = 1;

static pid_t host_gettid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

static void futex_wake(abi_ulong addr, int n)
{
    syscall(SYS_futex, g2h(addr), FUTEX_WAKE, n, NULL, NULL, 0);
}

/* ---- exit ---- */

G_NORETURN void task_exit_group(int code)
{
    gdb_user_handle_exit(code & 0xff);
    fflush(NULL);
    _exit(code & 0xff);
}

/* The kernel's exit-time robust futex walk: a lock this thread held gets
 * OWNER_DIED and one waiter is woken. */
static void robust_futex_release(TaskState *ts, abi_ulong uaddr)
{
    uint32_t *p = lock_user(VERIFY_WRITE, uaddr, 4, false);
    uint32_t v;

    if (!p || (uaddr & 3)) {
        return;
    }
    v = __atomic_load_n(p, __ATOMIC_SEQ_CST);
    while ((v & T_FUTEX_TID_MASK) == (uint32_t)ts->tid) {
        uint32_t nv = (v & T_FUTEX_WAITERS) | T_FUTEX_OWNER_DIED;
        if (__atomic_compare_exchange_n(p, &v, nv, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST)) {
            if (v & T_FUTEX_WAITERS) {
                futex_wake(uaddr, 1);
            }
            break;
        }
    }
    unlock_user(p, uaddr, 4);
}

static void robust_list_walk(TaskState *ts)
{
    abi_ulong head = ts->robust_list, entry, pending;
    abi_long offset;

    if (!head || get_user_ual(entry, head) || get_user_ual(offset, head + 8) ||
        get_user_ual(pending, head + 16)) {
        return;
    }
    for (int n = 0; entry != head && n < ROBUST_LIST_LIMIT; n++) {
        abi_ulong next;
        if (get_user_ual(next, entry & ~(abi_ulong)1)) {
            return;
        }
        if ((entry & ~(abi_ulong)1) != (pending & ~(abi_ulong)1)) {
            robust_futex_release(ts, (entry & ~(abi_ulong)1) + offset);
        }
        entry = next;
    }
    if (pending) {
        robust_futex_release(ts, (pending & ~(abi_ulong)1) + offset);
    }
}

static abi_long sys_exit(CPUArchState *env, abi_long code, abi_long a2, abi_long a3,
                         abi_long a4, abi_long a5, abi_long a6)
{
    TaskState *ts = task_current();
    bool last;

    pthread_mutex_lock(&thread_count_lock);
    last = thread_count == 1;
    if (!last) {
        thread_count--;
    }
    pthread_mutex_unlock(&thread_count_lock);
    if (last) {
        task_exit_group((int)code);
    }

    robust_list_walk(ts);
    if (ts->child_tidptr) {
        put_user_u32(0, ts->child_tidptr);
        futex_wake(ts->child_tidptr, INT_MAX);
    }
    task_list_remove(ts);
    task_set_current(NULL);
    tcg_exec_cpu_free(ts->cpu);
    signal_task_free(ts);
    g_free(ts->env);
    g_free(ts);
    pthread_exit(NULL);
}

static abi_long sys_exit_group(CPUArchState *env, abi_long code, abi_long a2,
                               abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    task_exit_group((int)code);
}

/* ---- clone: threads ---- */

typedef struct ThreadStart {
    TaskState *ts;
    uint32_t flags;
    abi_ulong ptid, ctid;
    pid_t tid;                  /* set by the child */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool ready;
} ThreadStart;

static void *thread_main(void *opaque)
{
    ThreadStart *st = opaque;
    TaskState *ts = st->ts;
    CPUArchState *env = ts->env;

    ts->tid = host_gettid();
    task_set_current(ts);
    ts->cpu = tcg_exec_cpu_new(user_proc.exec, env);
    if (st->flags & T_CLONE_CHILD_SETTID) {
        put_user_u32((uint32_t)ts->tid, st->ctid);
    }
    if (st->flags & T_CLONE_PARENT_SETTID) {
        put_user_u32((uint32_t)ts->tid, st->ptid);
    }
    task_list_add(ts);

    pthread_mutex_lock(&st->lock);
    st->tid = ts->tid;
    st->ready = true;
    pthread_cond_signal(&st->cond);
    pthread_mutex_unlock(&st->lock);
    /* st belongs to the parent from here on. */

    /* Open the host mask (created with everything blocked). */
    process_pending_signals(env);
    cpu_loop(env);
}

static abi_long clone_thread(CPUArchState *env, uint32_t flags, abi_ulong newsp,
                             abi_ulong ptid, abi_ulong tls, abi_ulong ctid)
{
    TaskState *parent = task_current();
    TaskState *ts = g_new0(TaskState, 1);
    ThreadStart st = { .ts = ts, .flags = flags, .ptid = ptid, .ctid = ctid };
    pthread_attr_t attr;
    pthread_t th;
    sigset_t all, old;
    int err;

    ts->env = g_memdup2(env, sizeof(*env));
    target_clone_child_regs(ts->env, newsp, (flags & T_CLONE_SETTLS) != 0, tls);
    if (flags & T_CLONE_CHILD_CLEARTID) {
        ts->child_tidptr = ctid;
    }
    signal_task_init(ts, parent);
    pthread_mutex_init(&st.lock, NULL);
    pthread_cond_init(&st.cond, NULL);

    pthread_mutex_lock(&thread_count_lock);
    thread_count++;
    pthread_mutex_unlock(&thread_count_lock);

    /* The thread starts with every signal blocked until it is a guest thread. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    err = pthread_create(&th, &attr, thread_main, &st);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    if (err) {
        pthread_mutex_lock(&thread_count_lock);
        thread_count--;
        pthread_mutex_unlock(&thread_count_lock);
        signal_task_free(ts);
        g_free(ts->env);
        g_free(ts);
        pthread_mutex_destroy(&st.lock);
        pthread_cond_destroy(&st.cond);
        return -TARGET_EAGAIN;
    }
    pthread_mutex_lock(&st.lock);
    while (!st.ready) {
        pthread_cond_wait(&st.cond, &st.lock);
    }
    pthread_mutex_unlock(&st.lock);
    pthread_mutex_destroy(&st.lock);
    pthread_cond_destroy(&st.cond);
    /* Not ts->tid: the thread may already have exited and freed ts. */
    return st.tid;
}

/* ---- clone: processes ---- */

static void collect_task(TaskState *ts, void *opaque)
{
    g_ptr_array_add(opaque, ts);
}

/* In the child of a fork only the forking thread exists: forget the others. */
static void fork_child_forget_threads(void)
{
    GPtrArray *others = g_ptr_array_new();

    task_list_foreach(collect_task, others);
    for (guint i = 0; i < others->len; i++) {
        TaskState *o = others->pdata[i];
        task_list_remove(o);
        tcg_exec_cpu_free(o->cpu);
        signal_task_free(o);
        g_free(o->env);
        g_free(o);
    }
    g_ptr_array_free(others, true);
    thread_count = 1;
}

static abi_long clone_fork(CPUArchState *env, uint32_t flags, abi_ulong newsp,
                           abi_ulong ptid, abi_ulong tls, abi_ulong ctid)
{
    TaskState *ts = task_current();
    sigset_t all, old;
    pid_t pid;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    signal_fork_start();
    tcg_exec_start_exclusive(user_proc.exec, ts->cpu);
    mmap_fork_start();
    pthread_mutex_lock(&thread_count_lock);
    pid = fork();
    pthread_mutex_unlock(&thread_count_lock);
    if (pid == 0) {
        mmap_fork_end(true);
        ts->tid = host_gettid();
        fork_child_forget_threads();
        tcg_exec_end_exclusive(user_proc.exec, ts->cpu);
        signal_fork_end(true);
        target_clone_child_regs(env, newsp, (flags & T_CLONE_SETTLS) != 0, tls);
        if (flags & T_CLONE_CHILD_SETTID) {
            put_user_u32((uint32_t)ts->tid, ctid);
        }
        if (flags & T_CLONE_CHILD_CLEARTID) {
            ts->child_tidptr = ctid;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return 0;
    }
    {
        int saved = errno;
        mmap_fork_end(false);
        tcg_exec_end_exclusive(user_proc.exec, ts->cpu);
        signal_fork_end(false);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        errno = saved;
    }
    if (pid < 0) {
        return get_errno(-1);
    }
    if (flags & T_CLONE_PARENT_SETTID) {
        put_user_u32((uint32_t)pid, ptid);
    }
    return pid;
}

/* riscv64 argument order (as arm64): flags, newsp, parent_tid, tls, child_tid. */
static abi_long sys_clone(CPUArchState *env, abi_long a_flags, abi_long newsp,
                          abi_long ptid, abi_long tls, abi_long ctid, abi_long a6)
{
    uint32_t flags = (uint32_t)a_flags;

    if ((uint64_t)a_flags >> 32) {
        return -TARGET_EINVAL;
    }
    if (flags & T_CLONE_THREAD) {
        if ((flags & THREAD_NEEDED) != THREAD_NEEDED ||
            (flags & ~(THREAD_NEEDED | THREAD_OPTIONAL))) {
            qemu_log_mask(LOG_UNIMP, "clone: unsupported thread flags 0x%x\n", flags);
            return -TARGET_EINVAL;
        }
        return clone_thread(env, flags, newsp, ptid, tls, ctid);
    }
    if ((flags & ~FORK_ALLOWED) ||
        ((flags & T_CLONE_VM) && !(flags & T_CLONE_VFORK))) {
        qemu_log_mask(LOG_UNIMP, "clone: unsupported flags 0x%x\n", flags);
        return -TARGET_EINVAL;
    }
    if ((flags & T_CSIGNAL) != TARGET_SIGCHLD) {
        qemu_log_mask(LOG_UNIMP, "clone: exit signal %u other than SIGCHLD\n",
                      flags & T_CSIGNAL);
        return -TARGET_EINVAL;
    }
    return clone_fork(env, flags, newsp, ptid, tls, ctid);
}

static abi_long sys_clone3(CPUArchState *env, abi_long a1, abi_long a2, abi_long a3,
                           abi_long a4, abi_long a5, abi_long a6)
{
    /* The C library falls back to clone, which covers what we support. */
    qemu_log_mask(LOG_UNIMP, "clone3: not supported, ENOSYS (clone is)\n");
    return -TARGET_ENOSYS;
}

/* ---- execve ---- */

/* A guest NULL-terminated array of strings, copied; NULL with *err set. */
static GPtrArray *read_string_array(abi_ulong addr, abi_long *err)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);

    for (size_t i = 0; addr; i++) {
        abi_ulong p;
        char *s;
        if (i >= 0x100000 || get_user_ual(p, addr + i * sizeof(abi_ulong))) {
            *err = i >= 0x100000 ? -7 /* E2BIG */ : -TARGET_EFAULT;
            g_ptr_array_free(a, true);
            return NULL;
        }
        if (!p) {
            break;
        }
        s = lock_user_string(p);
        if (!s) {
            *err = -TARGET_EFAULT;
            g_ptr_array_free(a, true);
            return NULL;
        }
        g_ptr_array_add(a, g_strdup(s));
        unlock_user_string(s, p);
    }
    g_ptr_array_add(a, NULL);
    return a;
}

/* Right before a host execve that should succeed: the -strace line of the
 * call would be lost with this process image, so finish it now. */
static void strace_exec_done(void)
{
    if (user_proc.strace || qemu_loglevel_mask(LOG_STRACE)) {
        qemu_log(" = 0\n");
    }
    fflush(NULL);
}

/* Is the file an ELF program for our guest machine? */
static bool is_guest_elf(const char *host_path)
{
    unsigned char h[20];
    int fd = open(host_path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        return false;
    }
    n = read(fd, h, sizeof(h));
    close(fd);
    return n == (ssize_t)sizeof(h) && memcmp(h, "\177ELF", 4) == 0 &&
           h[4] == TARGET_ELF_CLASS && h[5] == TARGET_ELF_DATA &&
           (h[18] | h[19] << 8) == TARGET_ELF_MACHINE;
}

/*
 * This emulator may need LD_LIBRARY_PATH itself (an uninstalled build): give
 * the new one ours and have it put back the guest's own value (-E) or none
 * (-U) in the guest environment. Returns the option string to free.
 */
static char *swap_library_path(GPtrArray *envp, const char *ours, GPtrArray *nargv)
{
    static const char var[] = "LD_LIBRARY_PATH=";
    char *opt = NULL;
    guint i;

    for (i = 0; i + 1 < envp->len; i++) {
        if (!strncmp(envp->pdata[i], var, sizeof(var) - 1)) {
            break;
        }
    }
    if (i + 1 < envp->len) {
        opt = g_strdup(envp->pdata[i]);
        g_free(envp->pdata[i]);
        envp->pdata[i] = g_strconcat(var, ours, NULL);
        g_ptr_array_add(nargv, (char *)"-E");
    } else {
        opt = g_strdup("LD_LIBRARY_PATH");
        g_ptr_array_insert(envp, envp->len - 1, g_strconcat(var, ours, NULL));
        g_ptr_array_add(nargv, (char *)"-U");
    }
    g_ptr_array_add(nargv, opt);
    return opt;
}

static abi_long do_execve(const char *guest_path, const char *host_path,
                          abi_ulong argv_addr, abi_ulong envp_addr)
{
    abi_long err = 0;
    GPtrArray *argv = read_string_array(argv_addr, &err);
    GPtrArray *envp = argv ? read_string_array(envp_addr, &err) : NULL;
    abi_long r;

    if (!argv || !envp) {
        if (argv) {
            g_ptr_array_free(argv, true);
        }
        return err;
    }
    if (access(host_path, X_OK) != 0) {
        r = get_errno(-1);
    } else if (is_guest_elf(host_path) && user_proc.self_path) {
        /* self [options] -0 argv0 program args... */
        GPtrArray *nargv = g_ptr_array_new();
        const char *argv0 = argv->len > 1 ? argv->pdata[0] : guest_path;

        g_ptr_array_add(nargv, user_proc.self_path);
        for (guint i = 0; user_proc.exec_args && i < user_proc.exec_args->len; i++) {
            g_ptr_array_add(nargv, user_proc.exec_args->pdata[i]);
        }
        char *lib_opt = NULL;
        const char *our_libs = getenv("LD_LIBRARY_PATH");
        if (our_libs) {
            lib_opt = swap_library_path(envp, our_libs, nargv);
        }
        g_ptr_array_add(nargv, (char *)"-0");
        g_ptr_array_add(nargv, (char *)argv0);
        /* The new emulator opens its program as given: the host path. */
        g_ptr_array_add(nargv, (char *)host_path);
        for (guint i = 1; i + 1 < argv->len; i++) {
            g_ptr_array_add(nargv, argv->pdata[i]);
        }
        g_ptr_array_add(nargv, NULL);
        strace_exec_done();
        execve(user_proc.self_path, (char **)nargv->pdata, (char **)envp->pdata);
        r = get_errno(-1);
        g_ptr_array_free(nargv, true);
        g_free(lib_opt);
    } else {
        /* A host program or script runs as it is. */
        strace_exec_done();
        execve(host_path, (char **)argv->pdata, (char **)envp->pdata);
        r = get_errno(-1);
    }
    g_ptr_array_free(argv, true);
    g_ptr_array_free(envp, true);
    return r;
}

/* The host file behind a guest path: /proc/self/exe is the guest program,
 * not this emulator. */
static const char *exec_host_path(const char *guest_path)
{
    char self[32];

    snprintf(self, sizeof(self), "/proc/%d/exe", (int)getpid());
    if (user_proc.exec_realpath &&
        (!strcmp(guest_path, "/proc/self/exe") || !strcmp(guest_path, self))) {
        return user_proc.exec_realpath;
    }
    return path(guest_path);
}

static abi_long sys_execve(CPUArchState *env, abi_long pathname, abi_long argv,
                           abi_long envp, abi_long a4, abi_long a5, abi_long a6)
{
    char *p = lock_user_string(pathname);
    char *gp;
    abi_long r;

    if (!p) {
        return -TARGET_EFAULT;
    }
    gp = g_strdup(p);
    unlock_user_string(p, pathname);
    r = do_execve(gp, exec_host_path(gp), argv, envp);
    g_free(gp);
    return r;
}

#define T_AT_FDCWD       (-100)
#define T_AT_EMPTY_PATH  0x1000
#define T_AT_SYMLINK_NOFOLLOW 0x100

static abi_long sys_execveat(CPUArchState *env, abi_long dirfd, abi_long pathname,
                             abi_long argv, abi_long envp, abi_long flags, abi_long a6)
{
    char *p = lock_user_string(pathname);
    char *gp, *hp;
    abi_long r;

    if (!p) {
        return -TARGET_EFAULT;
    }
    gp = g_strdup(p);
    unlock_user_string(p, pathname);
    if (flags & ~(abi_long)(T_AT_EMPTY_PATH | T_AT_SYMLINK_NOFOLLOW)) {
        r = -TARGET_EINVAL;
    } else if (gp[0] == '/' || (int)dirfd == T_AT_FDCWD) {
        r = do_execve(gp, exec_host_path(gp), argv, envp);
    } else if (gp[0] == '\0') {
        if (!(flags & T_AT_EMPTY_PATH)) {
            r = -TARGET_ENOENT;
        } else {
            hp = g_strdup_printf("/proc/self/fd/%d", (int)dirfd);
            r = do_execve(hp, hp, argv, envp);
            g_free(hp);
        }
    } else {
        hp = g_strdup_printf("/proc/self/fd/%d/%s", (int)dirfd, gp);
        r = do_execve(hp, hp, argv, envp);
        g_free(hp);
    }
    g_free(gp);
    return r;
}

/* ---- wait ---- */

/* struct rusage: 64-bit fields for this guest and host alike. */
static abi_long sys_wait4(CPUArchState *env, abi_long pid, abi_long status,
                          abi_long options, abi_long rusage, abi_long a5, abi_long a6)
{
    int st = 0;
    struct rusage ru;
    abi_long r = get_errno(wait4((pid_t)pid, &st, (int)options, rusage ? &ru : NULL));

    if (r > 0) {
        if (status && put_user_u32((uint32_t)host_to_target_wait_status(st), status)) {
            return -TARGET_EFAULT;
        }
        if (rusage && copy_to_user(rusage, &ru, sizeof(ru))) {
            return -TARGET_EFAULT;
        }
    }
    return r;
}

static abi_long sys_waitid(CPUArchState *env, abi_long idtype, abi_long id,
                           abi_long infop, abi_long options, abi_long rusage, abi_long a6)
{
    siginfo_t hi;
    target_siginfo_t ti;
    struct rusage ru;
    abi_long r;

    memset(&hi, 0, sizeof(hi));
    r = get_errno(syscall(SYS_waitid, (int)idtype, (id_t)id, infop ? &hi : NULL,
                          (int)options, rusage ? &ru : NULL));
    if (r < 0) {
        return r;
    }
    if (infop) {
        host_to_target_siginfo(&ti, &hi);
        if (copy_to_user(infop, &ti, sizeof(ti))) {
            return -TARGET_EFAULT;
        }
    }
    if (rusage && copy_to_user(rusage, &ru, sizeof(ru))) {
        return -TARGET_EFAULT;
    }
    return r;
}

/* ---- ids ---- */

static abi_long sys_set_tid_address(CPUArchState *env, abi_long tidptr, abi_long a2,
                                    abi_long a3, abi_long a4, abi_long a5, abi_long a6)
{
    TaskState *ts = task_current();

    ts->child_tidptr = tidptr;
    return host_gettid();
}

static abi_long sys_gettid(CPUArchState *env, abi_long a1, abi_long a2, abi_long a3,
                           abi_long a4, abi_long a5, abi_long a6)
{
    return host_gettid();
}

/* ---- -strace printers (QEMU's layout) ---- */

static void strace_ptr(GString *out, abi_ulong p)
{
    if (p) {
        g_string_append_printf(out, "0x%016" PRIx64, (uint64_t)p);
    } else {
        g_string_append(out, "NULL");
    }
}

static void strace_clone(GString *out, const abi_long *args)
{
    static const char *const names[][2] = {
        { "0x100", "CLONE_VM" }, { "0x200", "CLONE_FS" }, { "0x400", "CLONE_FILES" },
        { "0x800", "CLONE_SIGHAND" }, { "0x1000", "CLONE_PIDFD" },
        { "0x2000", "CLONE_PTRACE" }, { "0x4000", "CLONE_VFORK" },
        { "0x8000", "CLONE_PARENT" }, { "0x10000", "CLONE_THREAD" },
        { "0x20000", "CLONE_NEWNS" }, { "0x40000", "CLONE_SYSVSEM" },
        { "0x80000", "CLONE_SETTLS" }, { "0x100000", "CLONE_PARENT_SETTID" },
        { "0x200000", "CLONE_CHILD_CLEARTID" }, { "0x400000", "CLONE_DETACHED" },
        { "0x800000", "CLONE_UNTRACED" }, { "0x1000000", "CLONE_CHILD_SETTID" },
        { "0x2000000", "CLONE_NEWCGROUP" }, { "0x4000000", "CLONE_NEWUTS" },
        { "0x8000000", "CLONE_NEWIPC" }, { "0x10000000", "CLONE_NEWUSER" },
        { "0x20000000", "CLONE_NEWPID" }, { "0x40000000", "CLONE_NEWNET" },
        { "0x80000000", "CLONE_IO" }, { NULL, NULL },
    };

    strace_print_flags(out, names, (abi_ulong)args[0]);
    g_string_append(out, ",child_stack=");
    strace_ptr(out, args[1]);
    g_string_append(out, ",parent_tidptr=");
    strace_ptr(out, args[2]);
    g_string_append(out, ",tls=");
    strace_ptr(out, args[3]);
    g_string_append(out, ",child_tidptr=");
    strace_ptr(out, args[4]);
}

static void strace_argv(GString *out, abi_ulong argv)
{
    g_string_append_c(out, '{');
    for (int i = 0; argv && i < 64; i++) {
        abi_ulong p;
        if (get_user_ual(p, argv + i * sizeof(abi_ulong)) || !p) {
            break;
        }
        strace_print_string(out, p);
        g_string_append_c(out, ',');
    }
    g_string_append(out, "NULL}");
}

static void strace_execve(GString *out, const abi_long *args)
{
    strace_print_string(out, args[0]);
    g_string_append_c(out, ',');
    strace_argv(out, args[1]);
}

static void strace_execveat(GString *out, const abi_long *args)
{
    if ((int)args[0] == T_AT_FDCWD) {
        g_string_append(out, "AT_FDCWD,");
    } else {
        g_string_append_printf(out, "%d,", (int)args[0]);
    }
    strace_print_string(out, args[1]);
    g_string_append_c(out, ',');
    strace_argv(out, args[2]);
    g_string_append_printf(out, ",%#" PRIx64, (uint64_t)args[4]);
}

static const SyscallDef task_syscalls[] = {
    { TARGET_NR_clone, "clone", sys_clone, NULL, strace_clone, NULL },
    { TARGET_NR_clone3, "clone3", sys_clone3, "pu", NULL, NULL },
    { TARGET_NR_execve, "execve", sys_execve, NULL, strace_execve, NULL },
    { TARGET_NR_execveat, "execveat", sys_execveat, NULL, strace_execveat, NULL },
    { TARGET_NR_exit, "exit", sys_exit, "d", NULL, NULL },
    { TARGET_NR_exit_group, "exit_group", sys_exit_group, "d", NULL, NULL },
    { TARGET_NR_wait4, "wait4", sys_wait4, "dpxp", NULL, NULL },
    { TARGET_NR_waitid, "waitid", sys_waitid, "ddpxp", NULL, NULL },
    { TARGET_NR_set_tid_address, "set_tid_address", sys_set_tid_address, NULL, NULL,
      NULL },
    { TARGET_NR_gettid, "gettid", sys_gettid, "", NULL, NULL },
};

SYSCALL_TABLE_REGISTER(task_syscalls)
