/*
 * File descriptor and path system calls: read/write and the vector and
 * positioned variants, open/close/dup, fcntl (with open-flag and struct flock
 * translation), pipes, directories, links, permissions, sync, and the
 * zero-copy calls (sendfile, splice, copy_file_range), passed to the host after
 * checking every guest pointer and mapping absolute paths through -L.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "linux-user/files-int.h"
#include "linux-user/net-int.h"

/* The host kernel's O_LARGEFILE (glibc defines it as 0 on 64-bit hosts). */
#if defined(__x86_64__) || defined(__aarch64__) || defined(__riscv)
#define HOST_O_LARGEFILE 0100000
#else
#define HOST_O_LARGEFILE O_LARGEFILE
#endif

#define TARGET_IOV_MAX 1024

typedef struct FlagMap {
    abi_long target;
    int host;
} FlagMap;

static const FlagMap open_flag_map[] = {
    { TARGET_O_CREAT, O_CREAT }, { TARGET_O_EXCL, O_EXCL },
    { TARGET_O_NOCTTY, O_NOCTTY }, { TARGET_O_TRUNC, O_TRUNC },
    { TARGET_O_APPEND, O_APPEND }, { TARGET_O_NONBLOCK, O_NONBLOCK },
    { TARGET_O_DSYNC, O_DSYNC }, { TARGET_O_ASYNC, O_ASYNC },
    { TARGET_O_DIRECT, O_DIRECT }, { TARGET_O_LARGEFILE, HOST_O_LARGEFILE },
    { TARGET_O_DIRECTORY, O_DIRECTORY }, { TARGET_O_NOFOLLOW, O_NOFOLLOW },
    { TARGET_O_NOATIME, O_NOATIME }, { TARGET_O_CLOEXEC, O_CLOEXEC },
    { TARGET___O_SYNC, O_SYNC & ~O_DSYNC }, { TARGET_O_PATH, O_PATH },
    { TARGET___O_TMPFILE, O_TMPFILE & ~O_DIRECTORY },
};

int target_to_host_open_flags(abi_long tf)
{
    int hf = (int)(tf & TARGET_O_ACCMODE);

    for (size_t i = 0; i < G_N_ELEMENTS(open_flag_map); i++) {
        if (tf & open_flag_map[i].target) {
            hf |= open_flag_map[i].host;
        }
    }
    return hf;
}

abi_long host_to_target_open_flags(int hf)
{
    abi_long tf = hf & O_ACCMODE;

    for (size_t i = 0; i < G_N_ELEMENTS(open_flag_map); i++) {
        /* F_GETFL: the kernel's implicit O_LARGEFILE is not reported, as
         * Debian's qemu-user does (glibc's O_LARGEFILE is 0 on 64-bit). */
        if (open_flag_map[i].target == TARGET_O_LARGEFILE) {
            continue;
        }
        if (hf & open_flag_map[i].host) {
            tf |= open_flag_map[i].target;
        }
    }
    return tf;
}

/* ---- guest paths ---- */

/* A guest path locked for the call, with the -L mapping for absolute names. */
typedef struct GuestPath {
    char *guest;
    const char *host;
} GuestPath;

static bool lock_path(GuestPath *gp, abi_ulong addr)
{
    gp->guest = lock_user_string(addr);
    if (!gp->guest) {
        return false;
    }
    gp->host = gp->guest[0] == '/' ? path(gp->guest) : gp->guest;
    return true;
}

static void unlock_path(GuestPath *gp, abi_ulong addr)
{
    unlock_user_string(gp->guest, addr);
}

/* ---- read and write ---- */

SYSCALL_FN(read)
{
    void *p = lock_user(VERIFY_WRITE, a2, a3, false);
    abi_long r;

    if (!p) {
        return -TARGET_EFAULT;
    }
    r = get_errno(read((int)a1, p, (size_t)a3));
    if (r > 0 && fd_trans_has((int)a1)) {
        /* a signalfd: its records carry host signal numbers */
        fd_trans_host_to_target((int)a1, p, (size_t)r);
    }
    unlock_user(p, a2, r > 0 ? r : 0);
    return r;
}

SYSCALL_FN(write)
{
    void *p = lock_user(VERIFY_READ, a2, a3, true);
    abi_long r;

    if (!p) {
        return -TARGET_EFAULT;
    }
    r = get_errno(write((int)a1, p, (size_t)a3));
    unlock_user(p, a2, 0);
    return r;
}

SYSCALL_FN(pread64)
{
    void *p = lock_user(VERIFY_WRITE, a2, a3, false);
    abi_long r;

    if (!p) {
        return -TARGET_EFAULT;
    }
    r = get_errno(pread((int)a1, p, (size_t)a3, (off_t)a4));
    unlock_user(p, a2, r > 0 ? r : 0);
    return r;
}

SYSCALL_FN(pwrite64)
{
    void *p = lock_user(VERIFY_READ, a2, a3, true);
    abi_long r;

    if (!p) {
        return -TARGET_EFAULT;
    }
    r = get_errno(pwrite((int)a1, p, (size_t)a3, (off_t)a4));
    unlock_user(p, a2, 0);
    return r;
}

/* A guest iovec array locked as host iovecs; bases keeps the guest addresses. */
typedef struct LockedIovec {
    struct iovec *vec;
    abi_ulong *bases;
    abi_long count;
} LockedIovec;

static void unlock_iovec(LockedIovec *lv, abi_long count, size_t written)
{
    for (abi_long i = 0; i < count; i++) {
        size_t n = MIN(written, lv->vec[i].iov_len);

        if (lv->vec[i].iov_base) {
            unlock_user(lv->vec[i].iov_base, lv->bases[i], n);
        }
        written -= n;
    }
    g_free(lv->vec);
    g_free(lv->bases);
}

static abi_long lock_iovec(LockedIovec *lv, int type, abi_ulong addr, abi_long count)
{
    uint64_t total = 0;
    abi_long err = -TARGET_EFAULT;
    abi_long i;

    if (count < 0 || count > TARGET_IOV_MAX) {
        return -TARGET_EINVAL;
    }
    lv->count = count;
    lv->vec = g_new0(struct iovec, count ? count : 1);
    lv->bases = g_new0(abi_ulong, count ? count : 1);
    for (i = 0; i < count; i++) {
        abi_ulong base, len;

        if (get_user_ual(base, addr + i * 2 * sizeof(abi_ulong)) ||
            get_user_ual(len, addr + (i * 2 + 1) * sizeof(abi_ulong))) {
            goto fail;
        }
        if ((abi_long)len < 0 || (total += len) > SSIZE_MAX) {
            err = -TARGET_EINVAL;
            goto fail;
        }
        /* Lengths of 0 need no mapping (the guest may pass NULL bases). */
        lv->vec[i].iov_len = len;
        lv->bases[i] = base;
        if (len) {
            lv->vec[i].iov_base = lock_user(type, base, len, type == VERIFY_READ);
            if (!lv->vec[i].iov_base) {
                goto fail;
            }
        }
    }
    return 0;
fail:
    unlock_iovec(lv, i, 0);
    return err;
}

static abi_long do_vec_io(abi_long fd, abi_ulong iov, abi_long cnt, bool write_op,
                          bool positioned, off_t pos)
{
    LockedIovec lv;
    abi_long r = lock_iovec(&lv, write_op ? VERIFY_READ : VERIFY_WRITE, iov, cnt);

    if (r) {
        return r;
    }
    if (write_op) {
        r = get_errno(positioned ? pwritev((int)fd, lv.vec, (int)cnt, pos)
                                 : writev((int)fd, lv.vec, (int)cnt));
    } else {
        r = get_errno(positioned ? preadv((int)fd, lv.vec, (int)cnt, pos)
                                 : readv((int)fd, lv.vec, (int)cnt));
    }
    unlock_iovec(&lv, cnt, !write_op && r > 0 ? (size_t)r : 0);
    return r;
}

SYSCALL_FN(readv) { return do_vec_io(a1, a2, a3, false, false, 0); }
SYSCALL_FN(writev) { return do_vec_io(a1, a2, a3, true, false, 0); }
/* On a 64-bit guest the whole offset is in pos_l (a4); pos_h is ignored. */
SYSCALL_FN(preadv) { return do_vec_io(a1, a2, a3, false, true, (off_t)a4); }
SYSCALL_FN(pwritev) { return do_vec_io(a1, a2, a3, true, true, (off_t)a4); }

/* ---- open, close, dup ---- */

static abi_long do_openat(abi_long dirfd, abi_ulong pathname, abi_long flags, abi_long mode)
{
    GuestPath gp;
    abi_long r;
    int hf = target_to_host_open_flags(flags);

    if (!lock_path(&gp, pathname)) {
        return -TARGET_EFAULT;
    }
    if (!proc_open((int)dirfd, gp.guest, hf, (mode_t)mode, &r)) {
        r = get_errno(openat((int)dirfd, gp.host, hf, (mode_t)mode));
    }
    unlock_path(&gp, pathname);
    return r;
}

SYSCALL_FN(openat) { return do_openat(a1, a2, a3, a4); }

/* struct open_how: u64 flags, u64 mode, u64 resolve (the same everywhere). */
SYSCALL_FN(openat2)
{
    uint64_t how[3];
    GuestPath gp;
    abi_long r;

    if ((abi_ulong)a4 < sizeof(how)) {
        return -TARGET_EINVAL;
    }
    if ((abi_ulong)a4 > 4096) {
        return -host_to_target_errno(E2BIG);
    }
    if (copy_from_user(how, a3, sizeof(how))) {
        return -TARGET_EFAULT;
    }
    how[0] = (uint64_t)target_to_host_open_flags((abi_long)how[0]) & 0xffffffffu;
    if (!lock_path(&gp, a2)) {
        return -TARGET_EFAULT;
    }
    if (!proc_open((int)a1, gp.guest, (int)how[0], (mode_t)how[1], &r)) {
        r = get_errno(syscall(SYS_openat2, (int)a1, gp.host, how, sizeof(how)));
    }
    unlock_path(&gp, a2);
    return r;
}

SYSCALL_FN(close)
{
    abi_long r = get_errno(close((int)a1));

    if (r == 0) {
        fd_trans_forget((int)a1);
    }
    return r;
}

SYSCALL_FN(close_range)
{
    return get_errno(syscall(SYS_close_range, (unsigned)a1, (unsigned)a2, (unsigned)a3));
}

SYSCALL_FN(lseek) { return get_errno(lseek((int)a1, (off_t)a2, (int)a3)); }
SYSCALL_FN(dup)
{
    abi_long r = get_errno(dup((int)a1));

    if (r >= 0) {
        fd_trans_dup((int)a1, (int)r);
    }
    return r;
}

SYSCALL_FN(dup3)
{
    if (a3 & ~(abi_long)TARGET_O_CLOEXEC) {
        return -TARGET_EINVAL;
    }
    abi_long r = get_errno(dup3((int)a1, (int)a2, a3 ? O_CLOEXEC : 0));

    if (r >= 0) {
        fd_trans_dup((int)a1, (int)a2);
    }
    return r;
}

SYSCALL_FN(pipe2)
{
    int fds[2];
    abi_long r;

    r = get_errno(pipe2(fds, target_to_host_open_flags(a2)));
    if (r == 0) {
        int32_t out[2] = { fds[0], fds[1] };
        if (copy_to_user(a1, out, sizeof(out))) {
            close(fds[0]);
            close(fds[1]);
            return -TARGET_EFAULT;
        }
    }
    return r;
}

/* ---- fcntl ---- */

static abi_long fcntl_lock(int fd, int host_cmd, abi_ulong addr, bool get)
{
    struct target_flock tfl;
    struct flock fl;
    abi_long r;

    if (copy_from_user(&tfl, addr, sizeof(tfl))) {
        return -TARGET_EFAULT;
    }
    memset(&fl, 0, sizeof(fl));
    fl.l_type = tfl.l_type;
    fl.l_whence = tfl.l_whence;
    fl.l_start = tfl.l_start;
    fl.l_len = tfl.l_len;
    fl.l_pid = tfl.l_pid;
    r = get_errno(fcntl(fd, host_cmd, &fl));
    if (r == 0 && get) {
        tfl.l_type = fl.l_type;
        tfl.l_whence = fl.l_whence;
        tfl.l_start = fl.l_start;
        tfl.l_len = fl.l_len;
        tfl.l_pid = fl.l_pid;
        if (copy_to_user(addr, &tfl, sizeof(tfl))) {
            return -TARGET_EFAULT;
        }
    }
    return r;
}

/* struct f_owner_ex: int type, pid_t pid (same on every Linux). */
static abi_long fcntl_owner_ex(int fd, int host_cmd, abi_ulong addr, bool get)
{
    struct f_owner_ex o;
    abi_long r;

    if (!get && copy_from_user(&o, addr, sizeof(o))) {
        return -TARGET_EFAULT;
    }
    r = get_errno(fcntl(fd, host_cmd, &o));
    if (r == 0 && get && copy_to_user(addr, &o, sizeof(o))) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(fcntl)
{
    int fd = (int)a1;
    abi_long r;

    switch (a2) {
    case TARGET_F_DUPFD: return get_errno(fcntl(fd, F_DUPFD, (int)a3));
    case TARGET_F_DUPFD_CLOEXEC: return get_errno(fcntl(fd, F_DUPFD_CLOEXEC, (int)a3));
    case TARGET_F_GETFD: return get_errno(fcntl(fd, F_GETFD));
    case TARGET_F_SETFD: return get_errno(fcntl(fd, F_SETFD, (int)a3));
    case TARGET_F_GETFL:
        r = get_errno(fcntl(fd, F_GETFL));
        return r < 0 ? r : host_to_target_open_flags((int)r);
    case TARGET_F_SETFL:
        return get_errno(fcntl(fd, F_SETFL, target_to_host_open_flags(a3)));
    case TARGET_F_GETLK: return fcntl_lock(fd, F_GETLK, a3, true);
    case TARGET_F_SETLK: return fcntl_lock(fd, F_SETLK, a3, false);
    case TARGET_F_SETLKW: return fcntl_lock(fd, F_SETLKW, a3, false);
    case TARGET_F_OFD_GETLK: return fcntl_lock(fd, F_OFD_GETLK, a3, true);
    case TARGET_F_OFD_SETLK: return fcntl_lock(fd, F_OFD_SETLK, a3, false);
    case TARGET_F_OFD_SETLKW: return fcntl_lock(fd, F_OFD_SETLKW, a3, false);
    case TARGET_F_GETOWN: return get_errno(fcntl(fd, F_GETOWN));
    case TARGET_F_SETOWN: return get_errno(fcntl(fd, F_SETOWN, (int)a3));
    case TARGET_F_GETOWN_EX: return fcntl_owner_ex(fd, F_GETOWN_EX, a3, true);
    case TARGET_F_SETOWN_EX: return fcntl_owner_ex(fd, F_SETOWN_EX, a3, false);
    case TARGET_F_GETSIG:
        r = get_errno(fcntl(fd, F_GETSIG));
        return r > 0 ? host_to_target_signal((int)r) : r;
    case TARGET_F_SETSIG:
        return get_errno(fcntl(fd, F_SETSIG, a3 ? target_to_host_signal((int)a3) : 0));
    case TARGET_F_GETLEASE: return get_errno(fcntl(fd, F_GETLEASE));
    case TARGET_F_SETLEASE: return get_errno(fcntl(fd, F_SETLEASE, (int)a3));
    case TARGET_F_NOTIFY: return get_errno(fcntl(fd, F_NOTIFY, (int)a3));
    case TARGET_F_GETPIPE_SZ: return get_errno(fcntl(fd, F_GETPIPE_SZ));
    case TARGET_F_SETPIPE_SZ: return get_errno(fcntl(fd, F_SETPIPE_SZ, (int)a3));
    case TARGET_F_GET_SEALS: return get_errno(fcntl(fd, F_GET_SEALS));
    case TARGET_F_ADD_SEALS: return get_errno(fcntl(fd, F_ADD_SEALS, (int)a3));
    default:
        qemu_log_mask(LOG_UNIMP, "Unsupported fcntl: cmd=%d\n", (int)a2);
        return -TARGET_EINVAL;
    }
}

/* ---- directories and names ---- */

SYSCALL_FN(getdents64)
{
    void *p = lock_user(VERIFY_WRITE, a2, a3, false);
    abi_long r;

    if (!p) {
        return -TARGET_EFAULT;
    }
    /* struct linux_dirent64 is the same on every Linux port. */
    r = get_errno(syscall(SYS_getdents64, (int)a1, p, (size_t)(unsigned)a3));
    unlock_user(p, a2, r > 0 ? r : 0);
    return r;
}

SYSCALL_FN(mkdirat)
{
    GuestPath gp;
    abi_long r;

    if (!lock_path(&gp, a2)) {
        return -TARGET_EFAULT;
    }
    r = get_errno(mkdirat((int)a1, gp.host, (mode_t)a3));
    unlock_path(&gp, a2);
    return r;
}

SYSCALL_FN(mknodat)
{
    GuestPath gp;
    abi_long r;

    if (!lock_path(&gp, a2)) {
        return -TARGET_EFAULT;
    }
    r = get_errno(mknodat((int)a1, gp.host, (mode_t)a3, (dev_t)(abi_ulong)a4));
    unlock_path(&gp, a2);
    return r;
}

SYSCALL_FN(unlinkat)
{
    GuestPath gp;
    abi_long r;

    if (!lock_path(&gp, a2)) {
        return -TARGET_EFAULT;
    }
    r = get_errno(unlinkat((int)a1, gp.host, (int)a3));
    unlock_path(&gp, a2);
    return r;
}

/* Two paths: olddirfd a1, old a2, newdirfd a3, new a4. */
static abi_long two_paths(abi_ulong oldp, abi_ulong newp, GuestPath *o, GuestPath *n)
{
    if (!lock_path(o, oldp)) {
        return -TARGET_EFAULT;
    }
    if (!lock_path(n, newp)) {
        unlock_path(o, oldp);
        return -TARGET_EFAULT;
    }
    return 0;
}

SYSCALL_FN(renameat2)
{
    GuestPath o, n;
    abi_long r = two_paths(a2, a4, &o, &n);

    if (r) {
        return r;
    }
    r = get_errno(syscall(SYS_renameat2, (int)a1, o.host, (int)a3, n.host, (unsigned)a5));
    unlock_path(&n, a4);
    unlock_path(&o, a2);
    return r;
}

SYSCALL_FN(linkat)
{
    GuestPath o, n;
    abi_long r = two_paths(a2, a4, &o, &n);

    if (r) {
        return r;
    }
    r = get_errno(linkat((int)a1, o.host, (int)a3, n.host, (int)a5));
    unlock_path(&n, a4);
    unlock_path(&o, a2);
    return r;
}

/* symlinkat(target, newdirfd, linkpath): the link's contents stay as given. */
SYSCALL_FN(symlinkat)
{
    char *target = lock_user_string(a1);
    GuestPath n;
    abi_long r;

    if (!target) {
        return -TARGET_EFAULT;
    }
    if (!lock_path(&n, a3)) {
        unlock_user_string(target, a1);
        return -TARGET_EFAULT;
    }
    r = get_errno(symlinkat(target, (int)a2, n.host));
    unlock_path(&n, a3);
    unlock_user_string(target, a1);
    return r;
}

SYSCALL_FN(readlinkat)
{
    GuestPath gp;
    abi_long r;
    void *buf;

    if ((abi_long)a4 <= 0) {
        return -TARGET_EINVAL;
    }
    if (!lock_path(&gp, a2)) {
        return -TARGET_EFAULT;
    }
    buf = lock_user(VERIFY_WRITE, a3, a4, false);
    if (!buf) {
        unlock_path(&gp, a2);
        return -TARGET_EFAULT;
    }
    if (!proc_readlink((int)a1, gp.guest, buf, (size_t)a4, &r)) {
        r = get_errno(readlinkat((int)a1, gp.host, buf, (size_t)a4));
    }
    unlock_user(buf, a3, r > 0 ? r : 0);
    unlock_path(&gp, a2);
    return r;
}

static abi_long do_faccessat(abi_long dirfd, abi_ulong pathname, abi_long mode,
                             abi_long flags)
{
    GuestPath gp;
    abi_long r;

    if (!lock_path(&gp, pathname)) {
        return -TARGET_EFAULT;
    }
    r = get_errno(syscall(SYS_faccessat2, (int)dirfd, gp.host, (int)mode, (int)flags));
    if (r == -TARGET_ENOSYS && flags == 0) {
        r = get_errno(syscall(SYS_faccessat, (int)dirfd, gp.host, (int)mode));
    }
    unlock_path(&gp, pathname);
    return r;
}

SYSCALL_FN(faccessat) { return do_faccessat(a1, a2, a3, 0); }
SYSCALL_FN(faccessat2) { return do_faccessat(a1, a2, a3, a4); }

SYSCALL_FN(fchmod) { return get_errno(fchmod((int)a1, (mode_t)a2)); }

SYSCALL_FN(fchmodat)
{
    GuestPath gp;
    abi_long r;

    if (!lock_path(&gp, a2)) {
        return -TARGET_EFAULT;
    }
    /* The system call has no flags argument (glibc's wrapper does). */
    r = get_errno(syscall(SYS_fchmodat, (int)a1, gp.host, (mode_t)a3));
    unlock_path(&gp, a2);
    return r;
}

SYSCALL_FN(fchown) { return get_errno(fchown((int)a1, (uid_t)a2, (gid_t)a3)); }

SYSCALL_FN(fchownat)
{
    GuestPath gp;
    abi_long r;

    if (!lock_path(&gp, a2)) {
        return -TARGET_EFAULT;
    }
    r = get_errno(fchownat((int)a1, gp.host, (uid_t)a3, (gid_t)a4, (int)a5));
    unlock_path(&gp, a2);
    return r;
}

SYSCALL_FN(chdir)
{
    GuestPath gp;
    abi_long r;

    if (!lock_path(&gp, a1)) {
        return -TARGET_EFAULT;
    }
    r = get_errno(chdir(gp.host));
    unlock_path(&gp, a1);
    return r;
}

SYSCALL_FN(fchdir) { return get_errno(fchdir((int)a1)); }

SYSCALL_FN(chroot)
{
    GuestPath gp;
    abi_long r;

    if (!lock_path(&gp, a1)) {
        return -TARGET_EFAULT;
    }
    r = get_errno(chroot(gp.host));
    unlock_path(&gp, a1);
    return r;
}

SYSCALL_FN(getcwd)
{
    void *p = lock_user(VERIFY_WRITE, a1, a2, false);
    abi_long r;

    if (!p) {
        return -TARGET_EFAULT;
    }
    /* The system call returns the length including the NUL. */
    r = get_errno(syscall(SYS_getcwd, p, (size_t)a2));
    unlock_user(p, a1, r > 0 ? r : 0);
    return r;
}

/* ---- size, sync, times ---- */

SYSCALL_FN(truncate)
{
    GuestPath gp;
    abi_long r;

    if (!lock_path(&gp, a1)) {
        return -TARGET_EFAULT;
    }
    r = get_errno(truncate(gp.host, (off_t)a2));
    unlock_path(&gp, a1);
    return r;
}

SYSCALL_FN(ftruncate) { return get_errno(ftruncate((int)a1, (off_t)a2)); }

SYSCALL_FN(fallocate)
{
    return get_errno(fallocate((int)a1, (int)a2, (off_t)a3, (off_t)a4));
}

SYSCALL_FN(fadvise64)
{
    /* posix_fadvise returns the error number instead of setting errno. */
    int e = posix_fadvise((int)a1, (off_t)a2, (off_t)a3, (int)a4);

    return e ? -host_to_target_errno(e) : 0;
}

SYSCALL_FN(fsync) { return get_errno(fsync((int)a1)); }
SYSCALL_FN(fdatasync) { return get_errno(fdatasync((int)a1)); }
SYSCALL_FN(sync) { sync(); return 0; }
SYSCALL_FN(syncfs) { return get_errno(syncfs((int)a1)); }
SYSCALL_FN(umask) { return umask((mode_t)a1); }
SYSCALL_FN(flock) { return get_errno(flock((int)a1, (int)a2)); }

SYSCALL_FN(utimensat)
{
    struct timespec ts[2];
    GuestPath gp = { NULL, NULL };
    abi_long r;

    /* struct timespec is two 64-bit words on the guest and on this host. */
    if (a3 && copy_from_user(ts, a3, sizeof(ts))) {
        return -TARGET_EFAULT;
    }
    if (a2 && !lock_path(&gp, a2)) {
        return -TARGET_EFAULT;
    }
    r = get_errno(syscall(SYS_utimensat, (int)a1, gp.host, a3 ? ts : NULL, (int)a4));
    if (a2) {
        unlock_path(&gp, a2);
    }
    return r;
}

/* ---- zero-copy and memfd ---- */

/* A loff_t in guest memory for the duration of a call (addr 0: none). */
static abi_long get_off(abi_ulong addr, int64_t *v, int64_t **pp)
{
    *pp = NULL;
    if (addr) {
        if (get_user_u64(*v, addr)) {
            return -TARGET_EFAULT;
        }
        *pp = v;
    }
    return 0;
}

static abi_long put_off(abi_ulong addr, int64_t v, abi_long r)
{
    if (addr && r >= 0 && put_user_u64(v, addr)) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(sendfile)
{
    int64_t off, *po;
    abi_long r = get_off(a3, &off, &po);

    if (r) {
        return r;
    }
    r = get_errno(sendfile((int)a1, (int)a2, (off_t *)po, (size_t)a4));
    return put_off(a3, off, r);
}

SYSCALL_FN(copy_file_range)
{
    int64_t in, out, *pin, *pout;
    abi_long r;

    if (get_off(a2, &in, &pin) || get_off(a4, &out, &pout)) {
        return -TARGET_EFAULT;
    }
    r = get_errno(syscall(SYS_copy_file_range, (int)a1, pin, (int)a3, pout,
                          (size_t)a5, (unsigned)a6));
    r = put_off(a2, in, r);
    return put_off(a4, out, r);
}

SYSCALL_FN(splice)
{
    int64_t in, out, *pin, *pout;
    abi_long r;

    if (get_off(a2, &in, &pin) || get_off(a4, &out, &pout)) {
        return -TARGET_EFAULT;
    }
    r = get_errno(splice((int)a1, pin, (int)a3, pout, (size_t)a5, (unsigned)a6));
    r = put_off(a2, in, r);
    return put_off(a4, out, r);
}

SYSCALL_FN(tee) { return get_errno(tee((int)a1, (int)a2, (size_t)a3, (unsigned)a4)); }

SYSCALL_FN(memfd_create)
{
    char *name = lock_user_string(a1);
    abi_long r;

    if (!name) {
        return -TARGET_EFAULT;
    }
    /* MFD_* flags have the same values on every Linux port. */
    r = get_errno(syscall(SYS_memfd_create, name, (unsigned)a2));
    unlock_user_string(name, a1);
    return r;
}

SYSCALL_FN(name_to_handle_at) { return -TARGET_ENOSYS; }

/* ---- extended attributes: names and values are plain bytes ---- */

typedef enum { XA_PATH, XA_LPATH, XA_FD } XattrKind;

/* Host call for one xattr operation on a path (follow or not) or an fd. */
static abi_long xattr_call(XattrKind kind, abi_long target, const char *host_path,
                           int op, const char *name, void *val, size_t size, int flags)
{
    int fd = (int)target;

    switch (op) {
    case 0: /* get */
        return get_errno(kind == XA_FD ? fgetxattr(fd, name, val, size)
                         : kind == XA_LPATH ? lgetxattr(host_path, name, val, size)
                         : getxattr(host_path, name, val, size));
    case 1: /* set */
        return get_errno(kind == XA_FD ? fsetxattr(fd, name, val, size, flags)
                         : kind == XA_LPATH ? lsetxattr(host_path, name, val, size, flags)
                         : setxattr(host_path, name, val, size, flags));
    case 2: /* list: name is unused, val is the list buffer */
        return get_errno(kind == XA_FD ? flistxattr(fd, val, size)
                         : kind == XA_LPATH ? llistxattr(host_path, val, size)
                         : listxattr(host_path, val, size));
    default: /* remove */
        return get_errno(kind == XA_FD ? fremovexattr(fd, name)
                         : kind == XA_LPATH ? lremovexattr(host_path, name)
                         : removexattr(host_path, name));
    }
}

/*
 * One xattr system call: target (path or fd), then for get/set name, value,
 * size (+ flags); for list the buffer and size; for remove the name.
 */
static abi_long do_xattr(XattrKind kind, int op, abi_long target, abi_long a2,
                         abi_long a3, abi_long a4, abi_long a5)
{
    GuestPath gp = { NULL, NULL };
    char *name = NULL;
    void *val = NULL;
    abi_ulong vaddr = op == 2 ? a2 : a3;
    abi_ulong vsize = op == 2 ? a3 : a4;
    abi_long r = -TARGET_EFAULT;

    if (kind != XA_FD && !lock_path(&gp, target)) {
        return -TARGET_EFAULT;
    }
    if (op != 2 && !(name = lock_user_string(a2))) {
        goto out;
    }
    if (op != 3 && vaddr && vsize) {
        val = lock_user(op == 1 ? VERIFY_READ : VERIFY_WRITE, vaddr, vsize, op == 1);
        if (!val) {
            goto out;
        }
    } else if (op != 3) {
        vsize = 0;
    }
    r = xattr_call(kind, target, gp.host, op, name, val, vsize, (int)a5);
    if (val) {
        unlock_user(val, vaddr, op != 1 && r > 0 ? r : 0);
    }
out:
    if (name) {
        unlock_user_string(name, a2);
    }
    if (kind != XA_FD) {
        unlock_path(&gp, target);
    }
    return r;
}

SYSCALL_FN(getxattr) { return do_xattr(XA_PATH, 0, a1, a2, a3, a4, 0); }
SYSCALL_FN(lgetxattr) { return do_xattr(XA_LPATH, 0, a1, a2, a3, a4, 0); }
SYSCALL_FN(fgetxattr) { return do_xattr(XA_FD, 0, a1, a2, a3, a4, 0); }
SYSCALL_FN(setxattr) { return do_xattr(XA_PATH, 1, a1, a2, a3, a4, a5); }
SYSCALL_FN(lsetxattr) { return do_xattr(XA_LPATH, 1, a1, a2, a3, a4, a5); }
SYSCALL_FN(fsetxattr) { return do_xattr(XA_FD, 1, a1, a2, a3, a4, a5); }
SYSCALL_FN(listxattr) { return do_xattr(XA_PATH, 2, a1, a2, a3, 0, 0); }
SYSCALL_FN(llistxattr) { return do_xattr(XA_LPATH, 2, a1, a2, a3, 0, 0); }
SYSCALL_FN(flistxattr) { return do_xattr(XA_FD, 2, a1, a2, a3, 0, 0); }
SYSCALL_FN(removexattr) { return do_xattr(XA_PATH, 3, a1, a2, 0, 0, 0); }
SYSCALL_FN(lremovexattr) { return do_xattr(XA_LPATH, 3, a1, a2, 0, 0, 0); }
SYSCALL_FN(fremovexattr) { return do_xattr(XA_FD, 3, a1, a2, 0, 0, 0); }

/* ---- strace ---- */

/* The mode only matters (and is only printed) when a file may be created. */
static void strace_openat(GString *out, const abi_long *args)
{
    strace_print_dirfd(out, args[0]);
    g_string_append_c(out, ',');
    strace_print_string(out, args[1]);
    g_string_append_c(out, ',');
    strace_print_open_flags(out, args[2]);
    if (args[2] & (TARGET_O_CREAT | TARGET___O_TMPFILE)) {
        g_string_append_printf(out, ",%#" PRIo64, (uint64_t)args[3]);
    }
}

static const char *const fcntl_cmd_names[] = {
    "F_DUPFD", "F_GETFD", "F_SETFD", "F_GETFL", "F_SETFL", "F_GETLK", "F_SETLK",
    "F_SETLKW", "F_SETOWN", "F_GETOWN", "F_SETSIG", "F_GETSIG",
};

static void strace_fcntl(GString *out, const abi_long *args)
{
    abi_long cmd = args[1];

    g_string_append_printf(out, "%d,", (int)args[0]);
    if (cmd >= 0 && (size_t)cmd < G_N_ELEMENTS(fcntl_cmd_names)) {
        g_string_append(out, fcntl_cmd_names[cmd]);
    } else if (cmd == TARGET_F_DUPFD_CLOEXEC) {
        g_string_append(out, "F_DUPFD_CLOEXEC");
    } else {
        g_string_append_printf(out, "%d", (int)cmd);
    }
    switch (cmd) {
    case TARGET_F_GETFD: case TARGET_F_GETFL: case TARGET_F_GETOWN:
    case TARGET_F_GETSIG: case TARGET_F_GETLEASE: case TARGET_F_GETPIPE_SZ:
    case TARGET_F_GET_SEALS:
        break;
    case TARGET_F_SETFL:
        g_string_append_c(out, ',');
        strace_print_open_flags(out, args[2]);
        break;
    case TARGET_F_GETLK: case TARGET_F_SETLK: case TARGET_F_SETLKW:
    case TARGET_F_OFD_GETLK: case TARGET_F_OFD_SETLK: case TARGET_F_OFD_SETLKW:
    case TARGET_F_GETOWN_EX: case TARGET_F_SETOWN_EX:
        g_string_append_c(out, ',');
        strace_print_pointer(out, args[2]);
        break;
    default:
        g_string_append_printf(out, ",%" PRId64, (int64_t)args[2]);
        break;
    }
}

static void strace_faccessat(GString *out, const abi_long *args)
{
    strace_print_dirfd(out, args[0]);
    g_string_append_c(out, ',');
    strace_print_string(out, args[1]);
    g_string_append_c(out, ',');
    strace_print_access_mode(out, args[2]);
    g_string_append_c(out, ',');
    strace_print_faccess_flags(out, args[3]);
}

static const char *const whence_names[] = { "SEEK_SET", "SEEK_CUR", "SEEK_END",
                                            "SEEK_DATA", "SEEK_HOLE" };

static void strace_lseek(GString *out, const abi_long *args)
{
    g_string_append_printf(out, "%d,%" PRId64 ",", (int)args[0], (int64_t)args[1]);
    if (args[2] >= 0 && (size_t)args[2] < G_N_ELEMENTS(whence_names)) {
        g_string_append(out, whence_names[args[2]]);
    } else {
        g_string_append_printf(out, "%d", (int)args[2]);
    }
}

/*
 * A NULL format prints the six raw arguments in decimal: that is how Debian's
 * qemu-user shows the calls it has no format for, and -strace output matches it.
 */
#define F(nr, name, fmt) { TARGET_NR_##nr, name, sys_##nr, fmt, NULL, NULL }

static const SyscallDef file_syscalls[] = {
    F(read, "read", "fxu"),
    F(write, "write", "fxu"),
    F(pread64, "pread64", NULL),
    F(pwrite64, "pwrite64", NULL),
    F(readv, "readv", NULL),
    F(writev, "writev", "fxx"),
    F(preadv, "preadv", NULL),
    F(pwritev, "pwritev", NULL),
    { TARGET_NR_openat, "openat", sys_openat, NULL, strace_openat, NULL },
    F(openat2, "openat2", "aspu"),
    F(close, "close", "f"),
    F(close_range, "close_range", "uux"),
    { TARGET_NR_lseek, "lseek", sys_lseek, NULL, strace_lseek, NULL },
    F(dup, "dup", "f"),
    F(dup3, "dup3", "ffd"),
    { TARGET_NR_fcntl, "fcntl", sys_fcntl, NULL, strace_fcntl, NULL },
    F(pipe2, "pipe2", NULL),
    F(getdents64, "getdents64", "fxu"),
    F(mkdirat, "mkdirat", "asm"),
    F(mknodat, "mknodat", "asmx"),
    F(unlinkat, "unlinkat", "asA"),
    F(renameat2, "renameat2", NULL),
    F(linkat, "linkat", "asasA"),
    F(symlinkat, "symlinkat", "sas"),
    F(readlinkat, "readlinkat", "aspd"),
    { TARGET_NR_faccessat, "faccessat", sys_faccessat, NULL, strace_faccessat, NULL },
    { TARGET_NR_faccessat2, "faccessat2", sys_faccessat2, NULL, strace_faccessat, NULL },
    F(fchmod, "fchmod", "fm"),
    F(fchmodat, "fchmodat", "asmA"),
    F(fchown, "fchown", "fdd"),
    F(fchownat, "fchownat", "asddA"),
    F(chdir, "chdir", "s"),
    F(fchdir, "fchdir", "f"),
    F(chroot, "chroot", "s"),
    F(getcwd, "getcwd", "xu"),
    F(truncate, "truncate", "sd"),
    F(ftruncate, "ftruncate", "fd"),
    F(fallocate, "fallocate", "fxdd"),
    F(fadvise64, "fadvise64", "fddd"),
    F(fsync, "fsync", "f"),
    F(fdatasync, "fdatasync", "f"),
    F(sync, "sync", NULL),
    F(syncfs, "syncfs", "f"),
    F(umask, "umask", "o"),
    F(flock, "flock", NULL),
    F(utimensat, "utimensat", "aspA"),
    F(sendfile, "sendfile", NULL),
    F(copy_file_range, "copy_file_range", "fpfpux"),
    F(splice, "splice", NULL),
    F(tee, "tee", NULL),
    F(memfd_create, "memfd_create", NULL),
    F(name_to_handle_at, "name_to_handle_at", "asppA"),
    F(getxattr, "getxattr", "sspu"),
    F(lgetxattr, "lgetxattr", "sspu"),
    F(fgetxattr, "fgetxattr", "fspu"),
    F(setxattr, "setxattr", "sspux"),
    F(lsetxattr, "lsetxattr", "sspux"),
    F(fsetxattr, "fsetxattr", "fspux"),
    F(listxattr, "listxattr", "spu"),
    F(llistxattr, "llistxattr", "spu"),
    F(flistxattr, "flistxattr", "fpu"),
    F(removexattr, "removexattr", "ss"),
    F(lremovexattr, "lremovexattr", "ss"),
    F(fremovexattr, "fremovexattr", "fs"),
};

SYSCALL_TABLE_REGISTER(file_syscalls)
