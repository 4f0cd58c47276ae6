/*
 * The guest's open(2)/fcntl(2) numbers, asm-generic values. An architecture whose
 * numbers differ (arm: O_DIRECTORY, O_NOFOLLOW, O_DIRECT, O_LARGEFILE) defines
 * its own in target_arch.h before this is included; the #ifndef keeps those.
 */
#ifndef LINUX_USER_GENERIC_TARGET_FCNTL_H
#define LINUX_USER_GENERIC_TARGET_FCNTL_H

#define TARGET_O_ACCMODE     00000003
#define TARGET_O_RDONLY      00000000
#define TARGET_O_WRONLY      00000001
#define TARGET_O_RDWR        00000002
#ifndef TARGET_O_CREAT
#define TARGET_O_CREAT       00000100
#define TARGET_O_EXCL        00000200
#define TARGET_O_NOCTTY      00000400
#define TARGET_O_TRUNC       00001000
#define TARGET_O_APPEND      00002000
#define TARGET_O_NONBLOCK    00004000
#define TARGET_O_DSYNC       00010000
#define TARGET_O_ASYNC       00020000
#endif
#ifndef TARGET_O_DIRECT
#define TARGET_O_DIRECT      00040000
#define TARGET_O_LARGEFILE   00100000
#define TARGET_O_DIRECTORY   00200000
#define TARGET_O_NOFOLLOW    00400000
#endif
#define TARGET_O_NOATIME     01000000
#define TARGET_O_CLOEXEC     02000000
#define TARGET___O_SYNC      04000000
#define TARGET_O_SYNC        (TARGET___O_SYNC | TARGET_O_DSYNC)
#define TARGET_O_PATH        010000000
#define TARGET___O_TMPFILE   020000000

#define TARGET_AT_FDCWD      (-100)

/* fcntl commands (asm-generic; identical on every Linux port we emulate). */
#define TARGET_F_DUPFD         0
#define TARGET_F_GETFD         1
#define TARGET_F_SETFD         2
#define TARGET_F_GETFL         3
#define TARGET_F_SETFL         4
#define TARGET_F_GETLK         5
#define TARGET_F_SETLK         6
#define TARGET_F_SETLKW        7
#define TARGET_F_SETOWN        8
#define TARGET_F_GETOWN        9
#define TARGET_F_SETSIG        10
#define TARGET_F_GETSIG        11
#define TARGET_F_SETOWN_EX     15
#define TARGET_F_GETOWN_EX     16
#define TARGET_F_OFD_GETLK     36
#define TARGET_F_OFD_SETLK     37
#define TARGET_F_OFD_SETLKW    38
#define TARGET_F_SETLEASE      1024
#define TARGET_F_GETLEASE      1025
#define TARGET_F_NOTIFY        1026
#define TARGET_F_DUPFD_CLOEXEC 1030
#define TARGET_F_SETPIPE_SZ    1031
#define TARGET_F_GETPIPE_SZ    1032
#define TARGET_F_ADD_SEALS     1033
#define TARGET_F_GET_SEALS     1034

/* struct flock on a 64-bit asm-generic guest (off_t and pid_t natural). */
struct target_flock {
    int16_t l_type;
    int16_t l_whence;
    int32_t pad_;
    int64_t l_start;
    int64_t l_len;
    int32_t l_pid;
    int32_t pad2_;
};

#endif
