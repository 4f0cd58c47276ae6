/*
 * asm-generic system calls whose numbers the kernel's unistd.h names
 * __NR3264_* (one number, 64-bit argument width on 64-bit ports). A 64-bit
 * asm-generic guest (riscv64, aarch64) uses these unless its own list says else.
 */
#ifndef LINUX_USER_GENERIC_SYSCALL_NR_3264_H
#define LINUX_USER_GENERIC_SYSCALL_NR_3264_H

#ifndef TARGET_NR_fcntl
#define TARGET_NR_fcntl       25
#endif
#ifndef TARGET_NR_statfs
#define TARGET_NR_statfs      43
#endif
#ifndef TARGET_NR_fstatfs
#define TARGET_NR_fstatfs     44
#endif
#ifndef TARGET_NR_truncate
#define TARGET_NR_truncate    45
#endif
#ifndef TARGET_NR_ftruncate
#define TARGET_NR_ftruncate   46
#endif
#ifndef TARGET_NR_lseek
#define TARGET_NR_lseek       62
#endif
#ifndef TARGET_NR_sendfile
#define TARGET_NR_sendfile    71
#endif
#ifndef TARGET_NR_newfstatat
#define TARGET_NR_newfstatat  79
#endif
#ifndef TARGET_NR_fstat
#define TARGET_NR_fstat       80
#endif
#ifndef TARGET_NR_fadvise64
#define TARGET_NR_fadvise64   223
#endif

#endif
