/*
 * The asm-generic 64-bit guest's struct stat and struct statfs (riscv64,
 * aarch64). Not x86-64's stat layout: field order and widths differ, so stat
 * results are converted field by field.
 */
#ifndef LINUX_USER_GENERIC_TARGET_STAT_H
#define LINUX_USER_GENERIC_TARGET_STAT_H

#include <stdint.h>

struct target_stat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint32_t st_mode;
    uint32_t st_nlink;
    uint32_t st_uid;
    uint32_t st_gid;
    uint64_t st_rdev;
    uint64_t pad1_;
    int64_t st_size;
    int32_t st_blksize;
    int32_t pad2_;
    int64_t st_blocks;
    int64_t st_atime_sec;
    uint64_t st_atime_nsec;
    int64_t st_mtime_sec;
    uint64_t st_mtime_nsec;
    int64_t st_ctime_sec;
    uint64_t st_ctime_nsec;
    uint32_t unused4_;
    uint32_t unused5_;
};

/* __statfs_word is 64 bits on 64-bit ports. */
struct target_statfs {
    int64_t f_type;
    int64_t f_bsize;
    uint64_t f_blocks;
    uint64_t f_bfree;
    uint64_t f_bavail;
    uint64_t f_files;
    uint64_t f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen;
    int64_t f_frsize;
    int64_t f_flags;
    int64_t f_spare[4];
};

_Static_assert(sizeof(struct target_stat) == 128, "asm-generic stat is 128 bytes");
_Static_assert(sizeof(struct target_statfs) == 120, "64-bit statfs is 120 bytes");

#endif
