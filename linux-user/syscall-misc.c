/*
 * Process-wide queries and settings: uname, getrandom (reproducible with
 * -seed), sysinfo, prctl, user/group/session ids, resource limits (the limits
 * the emulator itself depends on are not applied), scheduling, personality,
 * capabilities and getcpu. Credentials change per thread, as in the kernel
 * (the guest's libc broadcasts them), so those go through raw system calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "linux-user/files-int.h"

#ifndef TARGET_UNAME_MACHINE
#define TARGET_UNAME_MACHINE TARGET_NAME
#endif

/* struct utsname: six 65-byte fields on every Linux. */
#define UTS_FIELD 65

SYSCALL_FN(uname)
{
    struct utsname u;
    const char *release = getenv("QEMU_UNAME");
    abi_long r = get_errno(uname(&u));

    if (r < 0) {
        return r;
    }
    g_strlcpy(u.machine, TARGET_UNAME_MACHINE, sizeof(u.machine));
    if (release && release[0]) {
        g_strlcpy(u.release, release, sizeof(u.release));
    }
    G_STATIC_ASSERT(sizeof(u) == 6 * UTS_FIELD);
    return copy_to_user(a1, &u, sizeof(u));
}

/* ---- getrandom ---- */

static GMutex seeded_lock;
static GRand *seeded_rand;

/* -seed: a stream that depends only on the seed (not on AT_RANDOM's bytes). */
static void seeded_bytes(uint8_t *p, size_t n)
{
    g_mutex_lock(&seeded_lock);
    if (!seeded_rand) {
        guint32 s[2] = { (guint32)user_proc.seed, (guint32)(user_proc.seed >> 32) };
        /* A different stream from the loader's AT_RANDOM bytes. */
        s[1] ^= 0x67657472u;
        seeded_rand = g_rand_new_with_seed_array(s, 2);
    }
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)g_rand_int_range(seeded_rand, 0, 256);
    }
    g_mutex_unlock(&seeded_lock);
}

SYSCALL_FN(getrandom)
{
    void *p;
    abi_long r;

    /* Flags first, as the kernel checks them before the buffer. */
    if (a3 & ~(abi_long)0x7) {     /* GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE */
        return -TARGET_EINVAL;
    }
    p = lock_user(VERIFY_WRITE, a1, a2, false);
    if (!p) {
        return -TARGET_EFAULT;
    }
    if (user_proc.have_seed) {
        seeded_bytes(p, (size_t)a2);
        r = a2;
    } else {
        r = get_errno(syscall(SYS_getrandom, p, (size_t)a2, (unsigned)a3));
    }
    unlock_user(p, a1, r > 0 ? r : 0);
    return r;
}

/* struct sysinfo: 112 bytes, identical on 64-bit Linux ports. */
SYSCALL_FN(sysinfo)
{
    struct sysinfo si;
    abi_long r = get_errno(sysinfo(&si));

    G_STATIC_ASSERT(sizeof(si) == 112);
    if (r == 0 && copy_to_user(a1, &si, sizeof(si))) {
        return -TARGET_EFAULT;
    }
    return r;
}

/* ---- prctl ---- */

static abi_long prctl_get_int(int option, abi_ulong addr)
{
    int v = 0;
    abi_long r = get_errno(prctl(option, &v, 0, 0, 0));

    if (r == 0 && put_user_u32((uint32_t)v, addr)) {
        return -TARGET_EFAULT;
    }
    return r;
}

static abi_long prctl_name(int option, abi_ulong addr)
{
    char name[16];
    abi_long r;

    if (option == PR_SET_NAME) {
        /* The name may be shorter than 16 bytes and end right before a hole. */
        char *s = lock_user_string(addr);

        if (!s) {
            return -TARGET_EFAULT;
        }
        g_strlcpy(name, s, sizeof(name));
        unlock_user_string(s, addr);
        return get_errno(prctl(PR_SET_NAME, name, 0, 0, 0));
    }
    memset(name, 0, sizeof(name));
    r = get_errno(prctl(PR_GET_NAME, name, 0, 0, 0));
    if (r == 0 && copy_to_user(addr, name, sizeof(name))) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(prctl)
{
    switch (a1) {
    case PR_SET_NAME:
    case PR_GET_NAME:
        return prctl_name((int)a1, a2);
    case PR_SET_PDEATHSIG:
        return get_errno(prctl(PR_SET_PDEATHSIG, a2 ? target_to_host_signal((int)a2) : 0,
                               0, 0, 0));
    case PR_GET_PDEATHSIG: {
        int v = 0;
        abi_long r = get_errno(prctl(PR_GET_PDEATHSIG, &v, 0, 0, 0));

        if (r == 0 && put_user_u32(v ? host_to_target_signal(v) : 0, a2)) {
            return -TARGET_EFAULT;
        }
        return r;
    }
    case PR_GET_CHILD_SUBREAPER:
        return prctl_get_int((int)a1, a2);
    case PR_GET_TID_ADDRESS: {
        TaskState *ts = task_current();
        return put_user_ual(ts ? ts->child_tidptr : 0, a2);
    }
    case PR_GET_DUMPABLE:
    case PR_SET_DUMPABLE:
    case PR_GET_KEEPCAPS:
    case PR_SET_KEEPCAPS:
    case PR_SET_NO_NEW_PRIVS:
    case PR_GET_NO_NEW_PRIVS:
    case PR_GET_SECCOMP:
    case PR_SET_CHILD_SUBREAPER:
    case PR_GET_TIMERSLACK:
    case PR_SET_TIMERSLACK:
    case PR_CAPBSET_READ:
    case PR_GET_THP_DISABLE:
    case PR_SET_THP_DISABLE:
        /* Plain integer arguments and results. */
        return get_errno(prctl((int)a1, (unsigned long)a2, (unsigned long)a3,
                               (unsigned long)a4, (unsigned long)a5));
    case PR_SET_SECCOMP:
        /* A host filter would apply to the emulator, not to the guest. */
        return -TARGET_EINVAL;
    default:
        qemu_log_mask(LOG_UNIMP, "Unsupported prctl: %" PRId64 "\n", (int64_t)a1);
        return -TARGET_EINVAL;
    }
}

/* ---- ids ---- */

SYSCALL_FN(getpid) { return getpid(); }
SYSCALL_FN(getppid) { return getppid(); }
SYSCALL_FN(getuid) { return getuid(); }
SYSCALL_FN(geteuid) { return geteuid(); }
SYSCALL_FN(getgid) { return getgid(); }
SYSCALL_FN(getegid) { return getegid(); }
SYSCALL_FN(setuid) { return get_errno(syscall(SYS_setuid, (uid_t)a1)); }
SYSCALL_FN(setgid) { return get_errno(syscall(SYS_setgid, (gid_t)a1)); }
SYSCALL_FN(setreuid) { return get_errno(syscall(SYS_setreuid, (uid_t)a1, (uid_t)a2)); }
SYSCALL_FN(setregid) { return get_errno(syscall(SYS_setregid, (gid_t)a1, (gid_t)a2)); }

SYSCALL_FN(setresuid)
{
    return get_errno(syscall(SYS_setresuid, (uid_t)a1, (uid_t)a2, (uid_t)a3));
}

SYSCALL_FN(setresgid)
{
    return get_errno(syscall(SYS_setresgid, (gid_t)a1, (gid_t)a2, (gid_t)a3));
}

static abi_long put_three_ids(abi_long r, const uint32_t v[3], abi_ulong p1,
                              abi_ulong p2, abi_ulong p3)
{
    if (r == 0 && (put_user_u32(v[0], p1) || put_user_u32(v[1], p2) ||
                   put_user_u32(v[2], p3))) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(getresuid)
{
    uid_t r_, e, s;
    abi_long r = get_errno(getresuid(&r_, &e, &s));
    uint32_t v[3] = { r_, e, s };

    return put_three_ids(r, v, a1, a2, a3);
}

SYSCALL_FN(getresgid)
{
    gid_t r_, e, s;
    abi_long r = get_errno(getresgid(&r_, &e, &s));
    uint32_t v[3] = { r_, e, s };

    return put_three_ids(r, v, a1, a2, a3);
}

/* gid_t is 32 bits on the guest and the host: arrays pass through. */
SYSCALL_FN(getgroups)
{
    int n = (int)a1;
    void *p;
    abi_long r;

    if (n < 0) {
        return -TARGET_EINVAL;
    }
    p = lock_user(VERIFY_WRITE, a2, (abi_ulong)n * 4, false);
    if (!p) {
        return -TARGET_EFAULT;
    }
    r = get_errno(getgroups(n, p));
    unlock_user(p, a2, r > 0 && n ? r * 4 : 0);
    return r;
}

SYSCALL_FN(setgroups)
{
    int n = (int)a1;
    void *p;
    abi_long r;

    if (n < 0 || n > 65536) {
        return -TARGET_EINVAL;
    }
    p = lock_user(VERIFY_READ, a2, (abi_ulong)n * 4, true);
    if (!p) {
        return -TARGET_EFAULT;
    }
    r = get_errno(syscall(SYS_setgroups, (size_t)n, p));
    unlock_user(p, a2, 0);
    return r;
}

SYSCALL_FN(setsid) { return get_errno(setsid()); }
SYSCALL_FN(getsid) { return get_errno(getsid((pid_t)a1)); }
SYSCALL_FN(setpgid) { return get_errno(setpgid((pid_t)a1, (pid_t)a2)); }
SYSCALL_FN(getpgid) { return get_errno(getpgid((pid_t)a1)); }

/* struct rusage: two timevals and 14 longs, the same on 64-bit ports. */
SYSCALL_FN(getrusage)
{
    struct rusage ru;
    abi_long r = get_errno(getrusage((int)a1, &ru));

    G_STATIC_ASSERT(sizeof(ru) == 144);
    if (r == 0 && copy_to_user(a2, &ru, sizeof(ru))) {
        return -TARGET_EFAULT;
    }
    return r;
}

/* ---- resource limits ---- */

/*
 * The emulator's own heap, stack and reserved guest space live in this process:
 * lowering these limits would break the emulator rather than the guest, so the
 * guest's new values are accepted and not applied (the old value is reported).
 */
static bool limit_not_applied(int resource)
{
    return resource == RLIMIT_AS || resource == RLIMIT_DATA || resource == RLIMIT_STACK;
}

SYSCALL_FN(getrlimit)
{
    struct rlimit rl;
    abi_long r = get_errno(getrlimit((int)a1, &rl));
    uint64_t v[2] = { rl.rlim_cur, rl.rlim_max };

    if (r == 0 && copy_to_user(a2, v, sizeof(v))) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(setrlimit)
{
    uint64_t v[2];
    struct rlimit rl;

    if (copy_from_user(v, a2, sizeof(v))) {
        return -TARGET_EFAULT;
    }
    if (limit_not_applied((int)a1)) {
        return 0;
    }
    rl.rlim_cur = v[0];
    rl.rlim_max = v[1];
    return get_errno(setrlimit((int)a1, &rl));
}

SYSCALL_FN(prlimit64)
{
    uint64_t nv[2], ov[2];
    struct rlimit64 n, o;
    bool set = a3 != 0;
    abi_long r;

    if (set && copy_from_user(nv, a3, sizeof(nv))) {
        return -TARGET_EFAULT;
    }
    if (set && a1 == 0 && limit_not_applied((int)a2)) {
        set = false;
    }
    n.rlim_cur = set ? nv[0] : 0;
    n.rlim_max = set ? nv[1] : 0;
    r = get_errno(prlimit64((pid_t)a1, (int)a2, set ? &n : NULL, a4 ? &o : NULL));
    if (r == 0 && a4) {
        ov[0] = o.rlim_cur;
        ov[1] = o.rlim_max;
        if (copy_to_user(a4, ov, sizeof(ov))) {
            return -TARGET_EFAULT;
        }
    }
    return r;
}

/* ---- scheduling ---- */

/* CPU masks are arrays of unsigned long, the same bits on guest and host. */
SYSCALL_FN(sched_getaffinity)
{
    void *p = lock_user(VERIFY_WRITE, a3, a2, false);
    abi_long r;

    if (!p) {
        return -TARGET_EFAULT;
    }
    r = get_errno(syscall(SYS_sched_getaffinity, (pid_t)a1, (size_t)a2, p));
    unlock_user(p, a3, r > 0 ? r : 0);
    return r;
}

SYSCALL_FN(sched_setaffinity)
{
    void *p = lock_user(VERIFY_READ, a3, a2, true);
    abi_long r;

    if (!p) {
        return -TARGET_EFAULT;
    }
    r = get_errno(syscall(SYS_sched_setaffinity, (pid_t)a1, (size_t)a2, p));
    unlock_user(p, a3, 0);
    return r;
}

SYSCALL_FN(sched_yield) { return get_errno(sched_yield()); }

SYSCALL_FN(sched_getparam)
{
    struct sched_param sp;
    abi_long r = get_errno(sched_getparam((pid_t)a1, &sp));

    if (r == 0 && put_user_u32((uint32_t)sp.sched_priority, a2)) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(sched_setscheduler)
{
    uint32_t prio;
    struct sched_param sp;

    if (get_user_u32(prio, a3)) {
        return -TARGET_EFAULT;
    }
    sp.sched_priority = (int)prio;
    return get_errno(syscall(SYS_sched_setscheduler, (pid_t)a1, (int)a2, &sp));
}

SYSCALL_FN(sched_getscheduler) { return get_errno(sched_getscheduler((pid_t)a1)); }
SYSCALL_FN(sched_get_priority_max) { return get_errno(sched_get_priority_max((int)a1)); }
SYSCALL_FN(sched_get_priority_min) { return get_errno(sched_get_priority_min((int)a1)); }

/* The raw call: the kernel returns 20 - nice, glibc would undo that. */
SYSCALL_FN(getpriority) { return get_errno(syscall(SYS_getpriority, (int)a1, (id_t)a2)); }
SYSCALL_FN(setpriority) { return get_errno(setpriority((int)a1, (id_t)a2, (int)a3)); }

SYSCALL_FN(getcpu)
{
    unsigned cpu, node;
    abi_long r = get_errno(syscall(SYS_getcpu, &cpu, &node, NULL));

    if (r == 0 && ((a1 && put_user_u32(cpu, a1)) || (a2 && put_user_u32(node, a2)))) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(personality) { return get_errno(syscall(SYS_personality, (unsigned long)a1)); }

/* ---- capabilities ---- */

#define CAP_V1 0x19980330u

/* header { u32 version; s32 pid }, data: 1 (v1) or 2 triples of u32. */
static abi_long do_cap(bool set, abi_ulong hdr_addr, abi_ulong data_addr)
{
    uint32_t hdr[2];
    uint32_t data[6];
    size_t data_len;
    abi_long r;

    if (copy_from_user(hdr, hdr_addr, sizeof(hdr))) {
        return -TARGET_EFAULT;
    }
    data_len = (hdr[0] == CAP_V1 ? 3 : 6) * sizeof(uint32_t);
    if (data_addr && set && copy_from_user(data, data_addr, data_len)) {
        return -TARGET_EFAULT;
    }
    r = get_errno(syscall(set ? SYS_capset : SYS_capget, hdr, data_addr ? data : NULL));
    /* The kernel writes back the version it prefers, even on EINVAL. */
    if (copy_to_user(hdr_addr, hdr, sizeof(hdr))) {
        return -TARGET_EFAULT;
    }
    if (r == 0 && !set && data_addr && copy_to_user(data_addr, data, data_len)) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(capget) { return do_cap(false, a1, a2); }
SYSCALL_FN(capset) { return do_cap(true, a1, a2); }

/* NULL formats: six raw decimals, as Debian's qemu-user prints these calls. */
#define F(nr, name, fmt) { TARGET_NR_##nr, name, sys_##nr, fmt, NULL, NULL }

static const SyscallDef misc_syscalls[] = {
    F(uname, "uname", "x"),
    F(getrandom, "getrandom", "xud"),
    F(sysinfo, "sysinfo", NULL),
    F(prctl, "prctl", NULL),
    F(getpid, "getpid", ""),
    F(getppid, "getppid", ""),
    F(getuid, "getuid", ""),
    F(geteuid, "geteuid", ""),
    F(getgid, "getgid", ""),
    F(getegid, "getegid", ""),
    F(setuid, "setuid", NULL),
    F(setgid, "setgid", NULL),
    F(setreuid, "setreuid", "dd"),
    F(setregid, "setregid", "dd"),
    F(setresuid, "setresuid", "ddd"),
    F(setresgid, "setresgid", "ddd"),
    F(getresuid, "getresuid", "ppp"),
    F(getresgid, "getresgid", "ppp"),
    F(getgroups, "getgroups", NULL),
    F(setgroups, "setgroups", NULL),
    F(setsid, "setsid", ""),
    F(getsid, "getsid", "d"),
    F(setpgid, "setpgid", "dd"),
    F(getpgid, "getpgid", "d"),
    F(getrusage, "getrusage", NULL),
    F(getrlimit, "getrlimit", "dp"),
    F(setrlimit, "setrlimit", "dp"),
    F(prlimit64, "prlimit64", NULL),
    F(sched_getaffinity, "sched_getaffinity", NULL),
    F(sched_setaffinity, "sched_setaffinity", NULL),
    F(sched_yield, "sched_yield", NULL),
    F(sched_getparam, "sched_getparam", "dp"),
    F(sched_setscheduler, "sched_setscheduler", "ddp"),
    F(sched_getscheduler, "sched_getscheduler", "d"),
    F(sched_get_priority_max, "sched_get_priority_max", "d"),
    F(sched_get_priority_min, "sched_get_priority_min", "d"),
    F(getpriority, "getpriority", "dd"),
    F(setpriority, "setpriority", "ddd"),
    F(getcpu, "getcpu", "xd"),
    F(personality, "personality", NULL),
    F(capget, "capget", "pp"),
    F(capset, "capset", "pp"),
};

SYSCALL_TABLE_REGISTER(misc_syscalls)
