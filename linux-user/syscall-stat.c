/*
 * stat-family system calls: newfstatat and fstat convert the host's struct stat
 * to the guest's layout (generic/target_stat.h); statx passes through (its
 * layout is fixed by the kernel ABI); statfs/fstatfs are copied field by field.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "linux-user/files-int.h"
#include "linux-user/generic/target_stat.h"

/* struct statx: 0x100 bytes in every Linux ABI. */
#define TARGET_STATX_SIZE 0x100

static abi_long put_stat(abi_ulong addr, const struct stat *st)
{
    struct target_stat t;

    memset(&t, 0, sizeof(t));
    t.st_dev = st->st_dev;
    t.st_ino = st->st_ino;
    t.st_mode = st->st_mode;
    t.st_nlink = (uint32_t)st->st_nlink;
    t.st_uid = st->st_uid;
    t.st_gid = st->st_gid;
    t.st_rdev = st->st_rdev;
    t.st_size = st->st_size;
    t.st_blksize = (int32_t)st->st_blksize;
    t.st_blocks = st->st_blocks;
    t.st_atime_sec = st->st_atim.tv_sec;
    t.st_atime_nsec = st->st_atim.tv_nsec;
    t.st_mtime_sec = st->st_mtim.tv_sec;
    t.st_mtime_nsec = st->st_mtim.tv_nsec;
    t.st_ctime_sec = st->st_ctim.tv_sec;
    t.st_ctime_nsec = st->st_ctim.tv_nsec;
    return copy_to_user(addr, &t, sizeof(t));
}

/* The host path to stat for a guest path: -L mapping, /proc/self/exe. */
static const char *stat_host_path(const char *name)
{
    const char *exe = proc_exe_path(name);

    if (exe) {
        return exe;
    }
    return name[0] == '/' ? path(name) : name;
}

SYSCALL_FN(newfstatat)
{
    struct stat st;
    char *name = lock_user_string(a2);
    const char *host;
    abi_long r;

    if (!name) {
        return -TARGET_EFAULT;
    }
    host = stat_host_path(name);
    r = get_errno(fstatat((int)a1, host, &st, (int)a4));
    unlock_user_string(name, a2);
    if (r == 0 && put_stat(a3, &st)) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(fstat)
{
    struct stat st;
    abi_long r = get_errno(fstat((int)a1, &st));

    if (r == 0 && put_stat(a2, &st)) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(statx)
{
    char *name = lock_user_string(a2);
    const char *host;
    void *buf;
    abi_long r;

    if (!name) {
        return -TARGET_EFAULT;
    }
    buf = lock_user(VERIFY_WRITE, a5, TARGET_STATX_SIZE, false);
    if (!buf) {
        unlock_user_string(name, a2);
        return -TARGET_EFAULT;
    }
    host = stat_host_path(name);
    r = get_errno(syscall(SYS_statx, (int)a1, host, (int)a3, (unsigned)a4, buf));
    unlock_user(buf, a5, r == 0 ? TARGET_STATX_SIZE : 0);
    unlock_user_string(name, a2);
    return r;
}

static abi_long put_statfs(abi_ulong addr, const struct statfs *s)
{
    struct target_statfs t;

    memset(&t, 0, sizeof(t));
    t.f_type = s->f_type;
    t.f_bsize = s->f_bsize;
    t.f_blocks = s->f_blocks;
    t.f_bfree = s->f_bfree;
    t.f_bavail = s->f_bavail;
    t.f_files = s->f_files;
    t.f_ffree = s->f_ffree;
    memcpy(t.f_fsid, &s->f_fsid, sizeof(t.f_fsid));
    t.f_namelen = s->f_namelen;
    t.f_frsize = s->f_frsize;
    t.f_flags = s->f_flags;
    return copy_to_user(addr, &t, sizeof(t));
}

SYSCALL_FN(statfs)
{
    struct statfs s;
    char *name = lock_user_string(a1);
    abi_long r;

    if (!name) {
        return -TARGET_EFAULT;
    }
    r = get_errno(statfs(name[0] == '/' ? path(name) : name, &s));
    unlock_user_string(name, a1);
    if (r == 0 && put_statfs(a2, &s)) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(fstatfs)
{
    struct statfs s;
    abi_long r = get_errno(fstatfs((int)a1, &s));

    if (r == 0 && put_statfs(a2, &s)) {
        return -TARGET_EFAULT;
    }
    return r;
}

static void strace_statx(GString *out, const abi_long *args)
{
    static const char *const mask_names[][2] = {
        { "0xfff", "STATX_ALL" }, { "0x7ff", "STATX_BASIC_STATS" },
        { "0x1", "STATX_TYPE" }, { "0x2", "STATX_MODE" }, { "0x4", "STATX_NLINK" },
        { "0x8", "STATX_UID" }, { "0x10", "STATX_GID" }, { "0x20", "STATX_ATIME" },
        { "0x40", "STATX_MTIME" }, { "0x80", "STATX_CTIME" }, { "0x100", "STATX_INO" },
        { "0x200", "STATX_SIZE" }, { "0x400", "STATX_BLOCKS" }, { "0x800", "STATX_BTIME" },
        { NULL, NULL }
    };

    strace_print_dirfd(out, args[0]);
    g_string_append_c(out, ',');
    strace_print_string(out, args[1]);
    g_string_append_c(out, ',');
    strace_print_at_flags(out, args[2]);
    g_string_append_c(out, ',');
    strace_print_flags(out, mask_names, (abi_ulong)(uint32_t)args[3]);
    g_string_append_c(out, ',');
    strace_print_pointer(out, args[4]);
}

#define F(nr, name, fmt) { TARGET_NR_##nr, name, sys_##nr, fmt, NULL, NULL }

static const SyscallDef stat_syscalls[] = {
    F(newfstatat, "newfstatat", "aspA"),
    F(fstat, "fstat", "fp"),
    { TARGET_NR_statx, "statx", sys_statx, NULL, strace_statx, NULL },
    F(statfs, "statfs", "sp"),
    F(fstatfs, "fstatfs", "fx"),
};

SYSCALL_TABLE_REGISTER(stat_syscalls)
