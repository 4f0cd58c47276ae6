/*
 * Clocks and sleeping: clock_*, nanosleep, gettimeofday/settimeofday, times and
 * adjtimex. struct timespec, timeval, timezone, tms and timex have the same
 * layout on 64-bit Linux guests and this host, so they are copied whole; the
 * sleeps are blocking calls that a guest signal interrupts (get_errno).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>
#include "linux-user/files-int.h"

G_STATIC_ASSERT(sizeof(struct timespec) == 16);
G_STATIC_ASSERT(sizeof(struct timeval) == 16);
G_STATIC_ASSERT(sizeof(struct timex) == 208);
G_STATIC_ASSERT(sizeof(struct tms) == 32);

/* Run a host call with an optional input and an optional output object. */
static abi_long obj_in(void *dst, abi_ulong addr, size_t len)
{
    return addr ? copy_from_user(dst, addr, len) : 0;
}

static abi_long obj_out(abi_long r, abi_ulong addr, const void *src, size_t len)
{
    if (r >= 0 && addr && copy_to_user(addr, src, len)) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(clock_gettime)
{
    struct timespec ts;
    abi_long r = get_errno(syscall(SYS_clock_gettime, (clockid_t)a1, &ts));

    /* A NULL tp is EFAULT, as in the kernel. */
    if (r == 0 && copy_to_user(a2, &ts, sizeof(ts))) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(clock_getres)
{
    struct timespec ts;
    abi_long r = get_errno(syscall(SYS_clock_getres, (clockid_t)a1, &ts));

    return obj_out(r, a2, &ts, sizeof(ts));
}

SYSCALL_FN(clock_settime)
{
    struct timespec ts;

    if (copy_from_user(&ts, a2, sizeof(ts))) {
        return -TARGET_EFAULT;
    }
    return get_errno(syscall(SYS_clock_settime, (clockid_t)a1, &ts));
}

/* rem is written only when the sleep was interrupted. */
static abi_long sleep_result(abi_long r, abi_ulong rem_addr, const struct timespec *rem)
{
    if ((r == -TARGET_EINTR || r == -QEMU_ERESTARTSYS) && rem_addr &&
        copy_to_user(rem_addr, rem, sizeof(*rem))) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(clock_nanosleep)
{
    struct timespec req, rem = { 0, 0 };
    abi_long r;

    if (copy_from_user(&req, a3, sizeof(req))) {
        return -TARGET_EFAULT;
    }
    r = get_errno(syscall(SYS_clock_nanosleep, (clockid_t)a1, (int)a2, &req, &rem));
    /* An absolute sleep leaves rem alone. */
    return (a2 & TIMER_ABSTIME) ? r : sleep_result(r, a4, &rem);
}

SYSCALL_FN(nanosleep)
{
    struct timespec req, rem = { 0, 0 };
    abi_long r;

    if (copy_from_user(&req, a1, sizeof(req))) {
        return -TARGET_EFAULT;
    }
    r = get_errno(syscall(SYS_nanosleep, &req, &rem));
    return sleep_result(r, a2, &rem);
}

SYSCALL_FN(gettimeofday)
{
    struct timeval tv;
    struct timezone tz;
    abi_long r = get_errno(syscall(SYS_gettimeofday, &tv, &tz));

    r = obj_out(r, a1, &tv, sizeof(tv));
    return obj_out(r, a2, &tz, sizeof(tz));
}

SYSCALL_FN(settimeofday)
{
    struct timeval tv;
    struct timezone tz;

    if (obj_in(&tv, a1, sizeof(tv)) || obj_in(&tz, a2, sizeof(tz))) {
        return -TARGET_EFAULT;
    }
    return get_errno(syscall(SYS_settimeofday, a1 ? &tv : NULL, a2 ? &tz : NULL));
}

SYSCALL_FN(times)
{
    struct tms t;
    /* The result is a tick count that may look negative: not an error. */
    abi_long r = (abi_long)syscall(SYS_times, &t);

    return obj_out(r == -1 ? r : 0, a1, &t, sizeof(t)) ? -TARGET_EFAULT : r;
}

SYSCALL_FN(adjtimex)
{
    struct timex tx;
    abi_long r;

    if (copy_from_user(&tx, a1, sizeof(tx))) {
        return -TARGET_EFAULT;
    }
    r = get_errno(syscall(SYS_adjtimex, &tx));
    return obj_out(r, a1, &tx, sizeof(tx));
}

void strace_print_timespec(GString *out, abi_ulong guest_ts)
{
    int64_t ts[2];

    if (guest_ts && !copy_from_user(ts, guest_ts, sizeof(ts))) {
        g_string_append_printf(out, "{tv_sec = %" PRId64 ",tv_nsec = %" PRId64 "}",
                               ts[0], ts[1]);
    } else {
        strace_print_pointer(out, guest_ts);
    }
}

static void strace_clock_nanosleep(GString *out, const abi_long *args)
{
    strace_print_clock(out, args[0]);
    g_string_append_printf(out, ",%d,", (int)args[1]);
    strace_print_timespec(out, args[2]);
    g_string_append_c(out, ',');
    strace_print_pointer(out, args[3]);
}

static void strace_nanosleep(GString *out, const abi_long *args)
{
    strace_print_timespec(out, args[0]);
    g_string_append_c(out, ',');
    strace_print_pointer(out, args[1]);
}

void strace_ret_timespec(GString *out, abi_long ret, abi_ulong guest_ts)
{
    int64_t ts[2];

    g_string_append_printf(out, "%" PRId64, (int64_t)ret);
    if (ret == 0 && guest_ts && !copy_from_user(ts, guest_ts, sizeof(ts))) {
        g_string_append_printf(out, " ({tv_sec = %" PRId64 ",tv_nsec = %" PRId64 "})",
                               ts[0], ts[1]);
    }
}

static void strace_ret_arg2_timespec(GString *out, abi_long ret, const abi_long *args)
{
    strace_ret_timespec(out, ret, args[1]);
}

#define F(nr, name, fmt) { TARGET_NR_##nr, name, sys_##nr, fmt, NULL, NULL }

static const SyscallDef time_syscalls[] = {
    { TARGET_NR_clock_gettime, "clock_gettime", sys_clock_gettime, "cp", NULL,
      strace_ret_arg2_timespec },
    { TARGET_NR_clock_getres, "clock_getres", sys_clock_getres, "cp", NULL,
      strace_ret_arg2_timespec },
    F(clock_settime, "clock_settime", "cp"),
    { TARGET_NR_clock_nanosleep, "clock_nanosleep", sys_clock_nanosleep, NULL,
      strace_clock_nanosleep, NULL },
    { TARGET_NR_nanosleep, "nanosleep", sys_nanosleep, NULL, strace_nanosleep, NULL },
    F(gettimeofday, "gettimeofday", "pp"),
    F(settimeofday, "settimeofday", "pp"),
    F(times, "times", NULL),
    F(adjtimex, "adjtimex", "p"),
};

SYSCALL_TABLE_REGISTER(time_syscalls)
