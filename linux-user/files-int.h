/*
 * Shared by the "files" modules (syscall-file, syscall-stat, syscall-ioctl,
 * syscall-misc, syscall-time, proc, strace): open-flag translation, /proc
 * emulation entry points, and the boilerplate for system call functions.
 */
#ifndef LINUX_USER_FILES_INT_H
#define LINUX_USER_FILES_INT_H

#include "linux-user/user.h"
#include "linux-user/generic/target_fcntl.h"
#include "linux-user/generic/syscall_nr_3264.h"

/* Guest open(2) flags to the host's and back (the access mode passes as is). */
int target_to_host_open_flags(abi_long target_flags);
abi_long host_to_target_open_flags(int host_flags);

/*
 * /proc emulation (proc.c). proc_open: if guest_path (relative to dirfd) names
 * one of the files we generate (/proc/self/maps, auxv, cmdline, stat, exe,
 * /proc/<pid>/..., /proc/cpuinfo), open it for the guest: returns true with *ret
 * the new fd or -errno. False: not ours, the caller opens the real file.
 */
bool proc_open(int dirfd, const char *guest_path, int host_flags, mode_t mode,
               abi_long *ret);
/* readlink of /proc/self/exe (and /proc/<pid>/exe): true with *ret = length
 * copied into buf (not NUL-terminated) or -errno. */
bool proc_readlink(int dirfd, const char *guest_path, char *buf, size_t bufsz,
                   abi_long *ret);

/* The guest program's path for /proc/self/exe (and /proc/<pid>/exe), which on
 * the host names the emulator; NULL for any other path. For stat calls. */
const char *proc_exe_path(const char *guest_path);

/* strace printers shared between the files modules (strace.c, syscall-time.c). */
void strace_ret_timespec(GString *out, abi_long ret, abi_ulong guest_ts);
void strace_print_timespec(GString *out, abi_ulong guest_ts);
void strace_print_pointer(GString *out, abi_ulong p);
void strace_print_open_flags(GString *out, abi_ulong flags);
void strace_print_dirfd(GString *out, abi_long fd);
void strace_print_clock(GString *out, abi_long id);
void strace_print_access_mode(GString *out, abi_long mode);
void strace_print_at_flags(GString *out, abi_long flags);
void strace_print_faccess_flags(GString *out, abi_long flags);

#endif
