/*
 * Socket system calls for the guest: socket, bind/connect, accept, the send and
 * receive families (with msghdr, iovec arrays and control messages), and the
 * socket options. Every 64-bit Linux guest we run shares the host's layouts for
 * sockaddr, msghdr, iovec, cmsghdr, ucred, timeval and linger, and the
 * asm-generic socket constants equal x86-64's; what differs is that pointers
 * inside structures are guest addresses, so those are validated and converted,
 * and every length read from the guest is bounded before use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <unistd.h>
#include "linux-user/user.h"
#include "linux-user/net-int.h"

G_STATIC_ASSERT(sizeof(struct msghdr) == 56);
G_STATIC_ASSERT(sizeof(struct mmsghdr) == 64);
G_STATIC_ASSERT(sizeof(struct cmsghdr) == 16);
G_STATIC_ASSERT(sizeof(struct sockaddr_storage) == 128);

/* The guest's struct msghdr (64-bit asm-generic layout). */
typedef struct target_msghdr {
    abi_ulong name;
    int32_t namelen;
    int32_t pad0;
    abi_ulong iov;
    abi_ulong iovlen;
    abi_ulong control;
    abi_ulong controllen;
    int32_t flags;
    int32_t pad1;
} target_msghdr;

typedef struct target_mmsghdr {
    target_msghdr hdr;
    uint32_t len;
    uint32_t pad;
} target_mmsghdr;

typedef struct target_iovec {
    abi_ulong base;
    abi_ulong len;
} target_iovec;

/* Upper bounds, as the kernel's: UIO_MAXIOV iovecs, a control area of at most
 * the default optmem-ish size we accept, option values of 64 KiB. */
#define NET_IOV_MAX       1024
#define NET_CONTROL_MAX   (256 * 1024)
#define NET_OPTLEN_MAX    (64 * 1024)
#define NET_MMSG_MAX      1024

/* ---------------------------------------------------------------------------
 * Addresses
 * ------------------------------------------------------------------------ */

/* Copy a guest socket address in; 0, or -errno. */
static abi_long sockaddr_in_from(struct sockaddr_storage *ss, abi_ulong addr,
                                 abi_long len)
{
    if (len < 0 || (uint64_t)len > sizeof(*ss)) {
        return -TARGET_EINVAL;
    }
    memset(ss, 0, sizeof(*ss));
    if (len && copy_from_user(ss, addr, len)) {
        return -TARGET_EFAULT;
    }
    return 0;
}

/* Read the guest's *addrlen for an output address; 0 or -errno. */
static abi_long addrlen_in(abi_ulong addr, abi_ulong lenp, socklen_t *len)
{
    uint32_t l = 0;

    *len = 0;
    if (!addr) {
        return 0;
    }
    if (get_user_u32(l, lenp)) {
        return -TARGET_EFAULT;
    }
    if ((int32_t)l < 0) {
        return -TARGET_EINVAL;
    }
    *len = l;
    return 0;
}

/* Give an address back: at most the guest's room, and the full length. */
static abi_long sockaddr_out(abi_ulong addr, abi_ulong lenp, socklen_t room,
                             const struct sockaddr_storage *ss, socklen_t hlen)
{
    socklen_t n = MIN(room, hlen);

    if (!addr) {
        return 0;
    }
    n = MIN(n, (socklen_t)sizeof(*ss));
    if (n && copy_to_user(addr, ss, n)) {
        return -TARGET_EFAULT;
    }
    if (put_user_u32(hlen, lenp)) {
        return -TARGET_EFAULT;
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * Simple calls
 * ------------------------------------------------------------------------ */

SYSCALL_FN(socket)
{
    return get_errno(socket((int)a1, (int)a2, (int)a3));
}

SYSCALL_FN(socketpair)
{
    int sv[2];
    abi_long r = get_errno(socketpair((int)a1, (int)a2, (int)a3, sv));

    if (r == 0 && copy_to_user(a4, sv, sizeof(sv))) {
        close(sv[0]);
        close(sv[1]);
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(bind)
{
    struct sockaddr_storage ss;
    abi_long r = sockaddr_in_from(&ss, a2, a3);

    return r ? r : get_errno(bind((int)a1, (struct sockaddr *)&ss, (socklen_t)a3));
}

SYSCALL_FN(connect)
{
    struct sockaddr_storage ss;
    abi_long r = sockaddr_in_from(&ss, a2, a3);

    return r ? r : get_errno(connect((int)a1, (struct sockaddr *)&ss, (socklen_t)a3));
}

SYSCALL_FN(listen)
{
    return get_errno(listen((int)a1, (int)a2));
}

SYSCALL_FN(shutdown)
{
    return get_errno(shutdown((int)a1, (int)a2));
}

static abi_long do_accept4(int fd, abi_ulong addr, abi_ulong lenp, int flags)
{
    struct sockaddr_storage ss;
    socklen_t room, hlen = sizeof(ss);
    abi_long r = addrlen_in(addr, lenp, &room);

    if (r) {
        return r;
    }
    if (addr && !lock_user(VERIFY_WRITE, addr, room, false)) {
        return -TARGET_EFAULT;
    }
    r = get_errno(accept4(fd, addr ? (struct sockaddr *)&ss : NULL,
                          addr ? &hlen : NULL, flags));
    if (r >= 0 && sockaddr_out(addr, lenp, room, &ss, hlen)) {
        close((int)r);
        return -TARGET_EFAULT;
    }
    return r;
}

SYSCALL_FN(accept)
{
    return do_accept4((int)a1, a2, a3, 0);
}

SYSCALL_FN(accept4)
{
    return do_accept4((int)a1, a2, a3, (int)a4);
}

typedef int (*SockNameFn)(int, struct sockaddr *, socklen_t *);

static abi_long do_sockname(SockNameFn fn, int fd, abi_ulong addr, abi_ulong lenp)
{
    struct sockaddr_storage ss;
    socklen_t room, hlen = sizeof(ss);
    abi_long r;

    if (!addr) {
        return -TARGET_EFAULT;
    }
    r = addrlen_in(addr, lenp, &room);
    if (r) {
        return r;
    }
    memset(&ss, 0, sizeof(ss));
    r = get_errno(fn(fd, (struct sockaddr *)&ss, &hlen));
    if (r == 0) {
        r = sockaddr_out(addr, lenp, room, &ss, hlen);
    }
    return r;
}

SYSCALL_FN(getsockname)
{
    return do_sockname(getsockname, (int)a1, a2, a3);
}

SYSCALL_FN(getpeername)
{
    return do_sockname(getpeername, (int)a1, a2, a3);
}

SYSCALL_FN(sendto)
{
    struct sockaddr_storage ss;
    void *buf;
    abi_long r = 0;

    if (a5) {
        r = sockaddr_in_from(&ss, a5, a6);
        if (r) {
            return r;
        }
    }
    buf = lock_user(VERIFY_READ, a2, a3, true);
    if (!buf) {
        return -TARGET_EFAULT;
    }
    r = get_errno(sendto((int)a1, buf, (size_t)a3, (int)a4,
                         a5 ? (struct sockaddr *)&ss : NULL,
                         a5 ? (socklen_t)a6 : 0));
    unlock_user(buf, a2, 0);
    return r;
}

SYSCALL_FN(recvfrom)
{
    struct sockaddr_storage ss;
    socklen_t room, hlen = sizeof(ss);
    void *buf;
    abi_long r = addrlen_in(a5, a6, &room);

    if (r) {
        return r;
    }
    buf = lock_user(VERIFY_WRITE, a2, a3, false);
    if (!buf) {
        return -TARGET_EFAULT;
    }
    memset(&ss, 0, sizeof(ss));
    r = get_errno(recvfrom((int)a1, buf, (size_t)a3, (int)a4,
                           a5 ? (struct sockaddr *)&ss : NULL, a5 ? &hlen : NULL));
    unlock_user(buf, a2, r > 0 ? r : 0);
    if (r >= 0 && a5 && sockaddr_out(a5, a6, room, &ss, hlen)) {
        return -TARGET_EFAULT;
    }
    return r;
}

/* ---------------------------------------------------------------------------
 * iovec arrays and messages
 * ------------------------------------------------------------------------ */

/*
 * The host iovec array for a guest one (count entries at addr). Every buffer is
 * checked for `type` access; NULL with *err set on failure. g_free the result.
 */
struct iovec *net_lock_iovec(int type, abi_ulong addr, abi_ulong count,
                             abi_long *err)
{
    target_iovec *tv;
    struct iovec *hv;
    uint64_t total = 0;

    if (count > NET_IOV_MAX) {
        *err = -TARGET_EINVAL;
        return NULL;
    }
    hv = g_new0(struct iovec, count ? count : 1);
    if (!count) {
        return hv;
    }
    tv = g_new(target_iovec, count);
    if (copy_from_user(tv, addr, count * sizeof(*tv))) {
        *err = -TARGET_EFAULT;
        goto fail;
    }
    for (abi_ulong i = 0; i < count; i++) {
        if ((abi_long)tv[i].len < 0 || tv[i].len > SSIZE_MAX - total) {
            *err = -TARGET_EINVAL;
            goto fail;
        }
        total += tv[i].len;
        hv[i].iov_len = tv[i].len;
        hv[i].iov_base = tv[i].len ? lock_user(type, tv[i].base, tv[i].len, false)
                                   : NULL;
        if (tv[i].len && !hv[i].iov_base) {
            *err = -TARGET_EFAULT;
            goto fail;
        }
    }
    g_free(tv);
    return hv;
fail:
    g_free(tv);
    g_free(hv);
    return NULL;
}

/*
 * Walk a control area, checking every header's length stays inside it (the
 * layouts are the host's: fds of SCM_RIGHTS and the ucred of SCM_CREDENTIALS
 * pass unchanged). False if a header is malformed.
 */
static bool cmsg_walk_ok(const void *buf, size_t len)
{
    size_t off = 0;

    while (off + sizeof(struct cmsghdr) <= len) {
        const struct cmsghdr *c = (const struct cmsghdr *)((const char *)buf + off);
        if (c->cmsg_len < sizeof(struct cmsghdr) || c->cmsg_len > len - off) {
            return false;
        }
        off += CMSG_ALIGN(c->cmsg_len);
    }
    return true;
}

/* The host msghdr for a guest one; resources go into *hm and must be freed with
 * msg_release. 0 or -errno. */
typedef struct HostMsg {
    struct msghdr m;
    struct sockaddr_storage name;
    struct iovec *iov;
    void *control;
} HostMsg;

static void msg_release(HostMsg *hm)
{
    g_free(hm->iov);
    g_free(hm->control);
    hm->iov = NULL;
    hm->control = NULL;
}

static abi_long msg_prepare(HostMsg *hm, const target_msghdr *tm, bool send)
{
    abi_long err = 0;

    memset(hm, 0, sizeof(*hm));
    if (tm->namelen < 0 || (size_t)tm->namelen > sizeof(hm->name)) {
        /* The kernel refuses a too long name only for sending. */
        if (send || tm->namelen < 0) {
            return -TARGET_EINVAL;
        }
    }
    if (tm->name) {
        socklen_t nl = MIN((size_t)tm->namelen, sizeof(hm->name));
        if (send && nl && copy_from_user(&hm->name, tm->name, nl)) {
            return -TARGET_EFAULT;
        }
        if (!send && nl && !lock_user(VERIFY_WRITE, tm->name, nl, false)) {
            return -TARGET_EFAULT;
        }
        hm->m.msg_name = &hm->name;
        hm->m.msg_namelen = send ? nl : sizeof(hm->name);
    }
    if (tm->controllen > NET_CONTROL_MAX) {
        return send ? -host_to_target_errno(ENOBUFS) : -TARGET_EINVAL;
    }
    if (tm->controllen) {
        hm->control = g_malloc0(tm->controllen);
        hm->m.msg_control = hm->control;
        hm->m.msg_controllen = tm->controllen;
        if (send) {
            if (copy_from_user(hm->control, tm->control, tm->controllen)) {
                msg_release(hm);
                return -TARGET_EFAULT;
            }
            if (!cmsg_walk_ok(hm->control, tm->controllen)) {
                msg_release(hm);
                return -TARGET_EINVAL;
            }
        } else if (!lock_user(VERIFY_WRITE, tm->control, tm->controllen, false)) {
            msg_release(hm);
            return -TARGET_EFAULT;
        }
    }
    hm->iov = net_lock_iovec(send ? VERIFY_READ : VERIFY_WRITE, tm->iov,
                             tm->iovlen, &err);
    if (!hm->iov) {
        msg_release(hm);
        return tm->iovlen > NET_IOV_MAX ? -host_to_target_errno(EMSGSIZE) : err;
    }
    hm->m.msg_iov = hm->iov;
    hm->m.msg_iovlen = tm->iovlen;
    return 0;
}

/* After a receive: name, control and flags back to the guest header at addr. */
static abi_long msg_finish_recv(HostMsg *hm, target_msghdr *tm, abi_ulong addr)
{
    size_t clen = MIN(hm->m.msg_controllen, (size_t)tm->controllen);

    if (tm->name && hm->m.msg_name) {
        socklen_t n = MIN((socklen_t)tm->namelen, hm->m.msg_namelen);
        if (n && copy_to_user(tm->name, &hm->name, n)) {
            return -TARGET_EFAULT;
        }
        tm->namelen = hm->m.msg_namelen;
    } else {
        tm->namelen = 0;
    }
    /* The kernel wrote whole (or, with MSG_CTRUNC, consistently shortened)
     * headers in the host layout, which is the guest's: copy them as they are. */
    if (clen && copy_to_user(tm->control, hm->control, clen)) {
        return -TARGET_EFAULT;
    }
    tm->controllen = clen;
    tm->flags = hm->m.msg_flags;
    return copy_to_user(addr, tm, sizeof(*tm));
}

static abi_long do_sendmsg(int fd, abi_ulong addr, int flags)
{
    target_msghdr tm;
    HostMsg hm;
    abi_long r;

    if (copy_from_user(&tm, addr, sizeof(tm))) {
        return -TARGET_EFAULT;
    }
    r = msg_prepare(&hm, &tm, true);
    if (r) {
        return r;
    }
    r = get_errno(sendmsg(fd, &hm.m, flags));
    msg_release(&hm);
    return r;
}

static abi_long do_recvmsg(int fd, abi_ulong addr, int flags)
{
    target_msghdr tm;
    HostMsg hm;
    abi_long r, e;

    if (copy_from_user(&tm, addr, sizeof(tm))) {
        return -TARGET_EFAULT;
    }
    r = msg_prepare(&hm, &tm, false);
    if (r) {
        return r;
    }
    r = get_errno(recvmsg(fd, &hm.m, flags));
    if (r >= 0) {
        e = msg_finish_recv(&hm, &tm, addr);
        r = e ? e : r;
    }
    msg_release(&hm);
    return r;
}

SYSCALL_FN(sendmsg)
{
    return do_sendmsg((int)a1, a2, (int)a3);
}

SYSCALL_FN(recvmsg)
{
    return do_recvmsg((int)a1, a2, (int)a3);
}

/* sendmmsg: one message at a time; the count sent, or the first error. */
SYSCALL_FN(sendmmsg)
{
    abi_ulong vlen = MIN((abi_ulong)(uint32_t)a3, (abi_ulong)NET_MMSG_MAX);
    abi_ulong i;
    abi_long r = 0;

    for (i = 0; i < vlen; i++) {
        abi_ulong m = a2 + i * sizeof(target_mmsghdr);
        r = do_sendmsg((int)a1, m, (int)a4);
        if (r < 0) {
            break;
        }
        if (put_user_u32((uint32_t)r, m + offsetof(target_mmsghdr, len))) {
            r = -TARGET_EFAULT;
            break;
        }
    }
    return i ? (abi_long)i : r;
}

static bool timespec_passed(const struct timespec *deadline)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/*
 * recvmmsg: like the kernel, the timeout is only looked at after each
 * datagram; MSG_WAITFORONE makes the calls after the first non-blocking.
 */
SYSCALL_FN(recvmmsg)
{
    abi_ulong vlen = MIN((abi_ulong)(uint32_t)a3, (abi_ulong)NET_MMSG_MAX);
    int flags = (int)a4;
    struct timespec ts, deadline;
    abi_ulong i;
    abi_long r = 0;

    if (a5) {
        if (copy_from_user(&ts, a5, sizeof(ts))) {
            return -TARGET_EFAULT;
        }
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000) {
            return -TARGET_EINVAL;
        }
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += ts.tv_sec;
        deadline.tv_nsec += ts.tv_nsec;
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000;
        }
    }
    for (i = 0; i < vlen; i++) {
        abi_ulong m = a2 + i * sizeof(target_mmsghdr);
        r = do_recvmsg((int)a1, m, flags & ~MSG_WAITFORONE);
        if (r < 0) {
            break;
        }
        if (put_user_u32((uint32_t)r, m + offsetof(target_mmsghdr, len))) {
            r = -TARGET_EFAULT;
            break;
        }
        if (flags & MSG_WAITFORONE) {
            flags |= MSG_DONTWAIT;
        }
        if (a5 && timespec_passed(&deadline)) {
            i++;
            break;
        }
    }
    return i ? (abi_long)i : r;
}

/* ---------------------------------------------------------------------------
 * Socket options
 * ------------------------------------------------------------------------ */

/* The guest's struct sock_fprog: the filter is a guest pointer. */
typedef struct target_sock_fprog {
    uint16_t len;
    uint16_t pad[3];
    abi_ulong filter;
} target_sock_fprog;

static abi_long setsockopt_filter(int fd, int level, int name, abi_ulong val,
                                  abi_long len)
{
    target_sock_fprog tf;
    struct sock_fprog hf;
    abi_long r;

    if ((size_t)len < sizeof(tf)) {
        return -TARGET_EINVAL;
    }
    if (copy_from_user(&tf, val, sizeof(tf))) {
        return -TARGET_EFAULT;
    }
    hf.len = tf.len;
    hf.filter = lock_user(VERIFY_READ, tf.filter,
                          (abi_ulong)tf.len * sizeof(struct sock_filter), true);
    if (!hf.filter) {
        return -TARGET_EFAULT;
    }
    r = get_errno(setsockopt(fd, level, name, &hf, sizeof(hf)));
    unlock_user(hf.filter, tf.filter, 0);
    return r;
}

static bool opt_is_cbpf(int level, int name)
{
    return level == SOL_SOCKET &&
           (name == SO_ATTACH_FILTER || name == SO_ATTACH_REUSEPORT_CBPF);
}

SYSCALL_FN(setsockopt)
{
    int fd = (int)a1, level = (int)a2, name = (int)a3;
    abi_long len = (int32_t)a5;
    void *buf = NULL;
    abi_long r;

    if (len < 0) {
        return -TARGET_EINVAL;
    }
    if (opt_is_cbpf(level, name)) {
        return setsockopt_filter(fd, level, name, a4, len);
    }
    len = MIN(len, (abi_long)NET_OPTLEN_MAX);
    if (len) {
        buf = g_malloc(len);
        if (copy_from_user(buf, a4, len)) {
            g_free(buf);
            return -TARGET_EFAULT;
        }
    }
    r = get_errno(setsockopt(fd, level, name, a4 ? buf : NULL, (socklen_t)len));
    g_free(buf);
    return r;
}

SYSCALL_FN(getsockopt)
{
    int fd = (int)a1, level = (int)a2, name = (int)a3;
    uint32_t glen;
    socklen_t hlen;
    void *buf;
    abi_long r;

    if (get_user_u32(glen, a5)) {
        return -TARGET_EFAULT;
    }
    if ((int32_t)glen < 0) {
        return -TARGET_EINVAL;
    }
    hlen = MIN(glen, (uint32_t)NET_OPTLEN_MAX);
    if (hlen && !lock_user(VERIFY_WRITE, a4, hlen, false)) {
        return -TARGET_EFAULT;
    }
    buf = g_malloc0(hlen ? hlen : 1);
    r = get_errno(getsockopt(fd, level, name, buf, &hlen));
    if (r == 0) {
        size_t n = MIN(hlen, glen);
        if ((n && copy_to_user(a4, buf, n)) || put_user_u32(hlen, a5)) {
            r = -TARGET_EFAULT;
        }
    }
    g_free(buf);
    return r;
}

static const SyscallDef net_syscalls[] = {
    { TARGET_NR_socket, "socket", sys_socket, "ddd", NULL, NULL },
    { TARGET_NR_socketpair, "socketpair", sys_socketpair, "dddp", NULL, NULL },
    { TARGET_NR_bind, "bind", sys_bind, "fpu", NULL, NULL },
    { TARGET_NR_connect, "connect", sys_connect, "fpu", NULL, NULL },
    { TARGET_NR_listen, "listen", sys_listen, "fd", NULL, NULL },
    { TARGET_NR_accept, "accept", sys_accept, "fpp", NULL, NULL },
    { TARGET_NR_accept4, "accept4", sys_accept4, "fppx", NULL, NULL },
    { TARGET_NR_getsockname, "getsockname", sys_getsockname, "fpp", NULL, NULL },
    { TARGET_NR_getpeername, "getpeername", sys_getpeername, "fpp", NULL, NULL },
    { TARGET_NR_sendto, "sendto", sys_sendto, "fpuxpu", NULL, NULL },
    { TARGET_NR_recvfrom, "recvfrom", sys_recvfrom, "fpuxpp", NULL, NULL },
    { TARGET_NR_setsockopt, "setsockopt", sys_setsockopt, "fddpu", NULL, NULL },
    { TARGET_NR_getsockopt, "getsockopt", sys_getsockopt, "fddpp", NULL, NULL },
    { TARGET_NR_shutdown, "shutdown", sys_shutdown, "fd", NULL, NULL },
    { TARGET_NR_sendmsg, "sendmsg", sys_sendmsg, "fpx", NULL, NULL },
    { TARGET_NR_recvmsg, "recvmsg", sys_recvmsg, "fpx", NULL, NULL },
    { TARGET_NR_sendmmsg, "sendmmsg", sys_sendmmsg, "fpux", NULL, NULL },
    { TARGET_NR_recvmmsg, "recvmmsg", sys_recvmmsg, "fpuxp", NULL, NULL },
};
SYSCALL_TABLE_REGISTER(net_syscalls)
