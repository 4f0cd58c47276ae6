/*
 * ioctl: a table of the requests we translate (terminals, pty, file and block
 * queries). Each entry says how the argument travels: as a plain integer, or
 * as a pointer to a fixed-size object copied in, out, or both. Layouts that
 * match between the asm-generic guest and this host (termios, winsize, ints)
 * are copied as bytes; unknown requests fail with ENOTTY, as the kernel does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include "linux-user/files-int.h"

typedef enum {
    IOA_NONE,       /* no argument */
    IOA_INT,        /* the argument is a value */
    IOA_IN,         /* pointer to size bytes read by the kernel */
    IOA_OUT,        /* pointer to size bytes written by the kernel */
    IOA_INOUT,
} IoctlArg;

typedef struct IoctlDef {
    abi_ulong target_cmd;
    unsigned long host_cmd;
    const char *name;
    IoctlArg arg;
    size_t size;
} IoctlDef;

/* kernel struct termios (not glibc's, which has speeds and NCCS 32). */
#define KERNEL_TERMIOS_SIZE  36     /* 4 flags, c_line, c_cc[19] */
#define KERNEL_TERMIOS2_SIZE 44     /* + c_ispeed, c_ospeed */

/* The host's termios2 requests (its headers need struct termios2, which clashes
 * with glibc's termios; x86-64 and the other asm-generic hosts agree on these). */
#define HOST_TCGETS2  0x802c542aul
#define HOST_TCSETS2  0x402c542bul
#define HOST_TCSETSW2 0x402c542cul
#define HOST_TCSETSF2 0x402c542dul

/* Target numbers are asm-generic's (ioctls.h, fs.h); hosts name theirs. */
static const IoctlDef ioctl_table[] = {
    { 0x5401, TCGETS, "TCGETS", IOA_OUT, KERNEL_TERMIOS_SIZE },
    { 0x5402, TCSETS, "TCSETS", IOA_IN, KERNEL_TERMIOS_SIZE },
    { 0x5403, TCSETSW, "TCSETSW", IOA_IN, KERNEL_TERMIOS_SIZE },
    { 0x5404, TCSETSF, "TCSETSF", IOA_IN, KERNEL_TERMIOS_SIZE },
    { 0x802c542a, HOST_TCGETS2, "TCGETS2", IOA_OUT, KERNEL_TERMIOS2_SIZE },
    { 0x402c542b, HOST_TCSETS2, "TCSETS2", IOA_IN, KERNEL_TERMIOS2_SIZE },
    { 0x402c542c, HOST_TCSETSW2, "TCSETSW2", IOA_IN, KERNEL_TERMIOS2_SIZE },
    { 0x402c542d, HOST_TCSETSF2, "TCSETSF2", IOA_IN, KERNEL_TERMIOS2_SIZE },
    { 0x5409, TCSBRK, "TCSBRK", IOA_INT, 0 },
    { 0x540a, TCXONC, "TCXONC", IOA_INT, 0 },
    { 0x540b, TCFLSH, "TCFLSH", IOA_INT, 0 },
    { 0x540c, TIOCEXCL, "TIOCEXCL", IOA_NONE, 0 },
    { 0x540d, TIOCNXCL, "TIOCNXCL", IOA_NONE, 0 },
    { 0x540e, TIOCSCTTY, "TIOCSCTTY", IOA_INT, 0 },
    { 0x540f, TIOCGPGRP, "TIOCGPGRP", IOA_OUT, sizeof(int32_t) },
    { 0x5410, TIOCSPGRP, "TIOCSPGRP", IOA_IN, sizeof(int32_t) },
    { 0x5411, TIOCOUTQ, "TIOCOUTQ", IOA_OUT, sizeof(int32_t) },
    { 0x5412, TIOCSTI, "TIOCSTI", IOA_IN, 1 },
    { 0x5413, TIOCGWINSZ, "TIOCGWINSZ", IOA_OUT, 4 * sizeof(uint16_t) },
    { 0x5414, TIOCSWINSZ, "TIOCSWINSZ", IOA_IN, 4 * sizeof(uint16_t) },
    { 0x5415, TIOCMGET, "TIOCMGET", IOA_OUT, sizeof(int32_t) },
    { 0x5416, TIOCMBIS, "TIOCMBIS", IOA_IN, sizeof(int32_t) },
    { 0x5417, TIOCMBIC, "TIOCMBIC", IOA_IN, sizeof(int32_t) },
    { 0x5418, TIOCMSET, "TIOCMSET", IOA_IN, sizeof(int32_t) },
    { 0x541b, FIONREAD, "FIONREAD", IOA_OUT, sizeof(int32_t) },
    { 0x5421, FIONBIO, "FIONBIO", IOA_IN, sizeof(int32_t) },
    { 0x5422, TIOCNOTTY, "TIOCNOTTY", IOA_NONE, 0 },
    { 0x5429, TIOCGSID, "TIOCGSID", IOA_OUT, sizeof(int32_t) },
    { 0x80045430, TIOCGPTN, "TIOCGPTN", IOA_OUT, sizeof(uint32_t) },
    { 0x40045431, TIOCSPTLCK, "TIOCSPTLCK", IOA_IN, sizeof(int32_t) },
    { 0x5441, TIOCGPTPEER, "TIOCGPTPEER", IOA_INT, 0 },
    { 0x5450, FIONCLEX, "FIONCLEX", IOA_NONE, 0 },
    { 0x5451, FIOCLEX, "FIOCLEX", IOA_NONE, 0 },
    { 0x5452, FIOASYNC, "FIOASYNC", IOA_IN, sizeof(int32_t) },
    { 0x80081272, BLKGETSIZE64, "BLKGETSIZE64", IOA_OUT, sizeof(uint64_t) },
    { 0x1260, BLKGETSIZE, "BLKGETSIZE", IOA_OUT, sizeof(abi_ulong) },
    { 0x1268, BLKSSZGET, "BLKSSZGET", IOA_OUT, sizeof(int32_t) },
    { 0x127b, BLKPBSZGET, "BLKPBSZGET", IOA_OUT, sizeof(uint32_t) },
    { 0x1261, BLKFLSBUF, "BLKFLSBUF", IOA_NONE, 0 },
    { 0x2, FIGETBSZ, "FIGETBSZ", IOA_OUT, sizeof(int32_t) },
};

static const IoctlDef *ioctl_lookup(abi_ulong cmd)
{
    for (size_t i = 0; i < G_N_ELEMENTS(ioctl_table); i++) {
        if (ioctl_table[i].target_cmd == (cmd & 0xffffffffu)) {
            return &ioctl_table[i];
        }
    }
    return NULL;
}

static abi_long do_ioctl_ptr(int fd, const IoctlDef *d, abi_ulong addr)
{
    uint8_t buf[64];
    abi_long r;

    g_assert(d->size <= sizeof(buf));
    memset(buf, 0, sizeof(buf));
    if ((d->arg == IOA_IN || d->arg == IOA_INOUT) && copy_from_user(buf, addr, d->size)) {
        return -TARGET_EFAULT;
    }
    /* Check the output buffer before the call has side effects on the host. */
    if (d->arg != IOA_IN) {
        void *p = lock_user(VERIFY_WRITE, addr, d->size, false);

        if (!p) {
            return -TARGET_EFAULT;
        }
        unlock_user(p, addr, 0);
    }
    r = get_errno(ioctl(fd, d->host_cmd, buf));
    if (r >= 0 && d->arg != IOA_IN && copy_to_user(addr, buf, d->size)) {
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(ioctl)
{
    const IoctlDef *d = ioctl_lookup(a2);
    int fd = (int)a1;

    if (!d) {
        qemu_log_mask(LOG_UNIMP, "Unsupported ioctl: cmd=0x%04lx\n", (unsigned long)a2);
        return -TARGET_ENOTTY;
    }
    switch (d->arg) {
    case IOA_NONE:
        return get_errno(ioctl(fd, d->host_cmd));
    case IOA_INT:
        return get_errno(ioctl(fd, d->host_cmd, (unsigned long)a3));
    default:
        return do_ioctl_ptr(fd, d, a3);
    }
}

static void strace_ioctl(GString *out, const abi_long *args)
{
    const IoctlDef *d = ioctl_lookup(args[1]);

    g_string_append_printf(out, "%d,", (int)args[0]);
    if (d) {
        g_string_append(out, d->name);
    } else {
        g_string_append_printf(out, "%#" PRIx64, (uint64_t)args[1]);
    }
    g_string_append_c(out, ',');
    if (!d) {
        g_string_append_printf(out, "%#" PRIx64, (uint64_t)args[2]);
    } else if (d->arg == IOA_NONE || d->arg == IOA_INT) {
        g_string_append_printf(out, "%" PRId64, (int64_t)args[2]);
    } else {
        strace_print_pointer(out, args[2]);
    }
}

static const SyscallDef ioctl_syscalls[] = {
    { TARGET_NR_ioctl, "ioctl", sys_ioctl, NULL, strace_ioctl, NULL },
};

SYSCALL_TABLE_REGISTER(ioctl_syscalls)
