/*
 * errno translation between the host and the guest. The x86-64 host and the
 * asm-generic Linux ABI (riscv64, aarch64) share one errno numbering, so the
 * map is the identity for values in range; it stays a function so a guest with
 * its own numbers (mips, alpha) only has to add a table here.
 */
#include "config.h"
#include <errno.h>
#include <string.h>
#include "linux-user/user.h"

/* Highest errno value either side defines (EHWPOISON). */
#define ERRNO_MAX 133

int host_to_target_errno(int host_errno)
{
    if (host_errno <= 0 || host_errno > ERRNO_MAX) {
        return host_errno <= 0 ? host_errno : TARGET_EINVAL;
    }
    return host_errno;
}

int target_to_host_errno(int target_errno)
{
    if (target_errno <= 0 || target_errno > ERRNO_MAX) {
        return target_errno <= 0 ? target_errno : EINVAL;
    }
    return target_errno;
}

abi_long get_errno(long host_ret)
{
    if (host_ret != -1) {
        return host_ret;
    }
    if (errno == EINTR && task_signal_pending()) {
        return -QEMU_ERESTARTSYS;
    }
    return -host_to_target_errno(errno);
}

const char *target_strerror(int target_errno)
{
    if (target_errno == QEMU_ERESTARTSYS) {
        return "To be restarted";
    }
    if (target_errno == QEMU_ESIGRETURN) {
        return "Successful exit from sigreturn";
    }
    return g_strerror(target_to_host_errno(target_errno));
}
