/*
 * Shared by the net/events modules (syscall-net, syscall-poll, syscall-event,
 * syscall-futex): guest iovec arrays
 * and the table of fds whose data needs translating for the guest.
 */
#ifndef LINUX_USER_NET_INT_H
#define LINUX_USER_NET_INT_H

#include <sys/uio.h>
#include "linux-user/user.h"

/* Host iovecs for count guest iovecs at addr, each checked for `type` access
 * (VERIFY_READ / VERIFY_WRITE); NULL with *err = -errno. g_free the result. */
struct iovec *net_lock_iovec(int type, abi_ulong addr, abi_ulong count,
                             abi_long *err);

/*
 * fds whose read data must be translated for the guest (signalfd: its records
 * carry host signal numbers). A read of such an fd calls
 * fd_trans_host_to_target(fd, buf, len) on the bytes read (len = the read's
 * result), which rewrites them in place. fd_trans_has() is a cheap test;
 * close/dup callers may call fd_trans_forget / fd_trans_dup.
 */
bool fd_trans_has(int fd);
void fd_trans_host_to_target(int fd, void *buf, size_t len);
void fd_trans_forget(int fd);
void fd_trans_dup(int oldfd, int newfd);

#endif
