/*
 * Sockets: a unix socketpair (stream and datagram, MSG_PEEK, MSG_TRUNC, short
 * reads), SCM_RIGHTS passing a pipe and SCM_CREDENTIALS, loopback TCP and UDP
 * over IPv4 (bind to port 0, getsockname, accept4, getpeername, shutdown),
 * sendmmsg/recvmmsg, socket options (SO_REUSEADDR, SO_RCVTIMEO, SO_LINGER,
 * SO_TYPE, TCP_NODELAY) and the errors for a bad length and address.
 */
/* guest: cflags=-pthread */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) {
        failures++;
    }
}

static void test_socketpair(void)
{
    int sv[2];
    char buf[32];
    ssize_t n;

    check("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    check("send", send(sv[0], "hello", 5, 0) == 5);
    n = recv(sv[1], buf, 3, MSG_PEEK);
    check("peek", n == 3 && memcmp(buf, "hel", 3) == 0);
    n = recv(sv[1], buf, sizeof(buf), 0);
    check("recv", n == 5 && memcmp(buf, "hello", 5) == 0);
    close(sv[0]);
    n = recv(sv[1], buf, sizeof(buf), 0);
    check("eof", n == 0);
    close(sv[1]);

    check("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    send(sv[0], "0123456789", 10, 0);
    n = recv(sv[1], buf, 4, MSG_TRUNC);
    printf("dgram MSG_TRUNC returns %zd\n", n);
    n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
    printf("empty dgram recv: %zd errno %s\n", n, n < 0 ? strerror(errno) : "-");
    close(sv[0]);
    close(sv[1]);
}

static void test_rights(void)
{
    int sv[2], p[2], got = -1;
    char byte = 'x', buf[16];
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))]; } u;
    struct iovec iov = { &byte, 1 };
    struct msghdr m = { 0 };
    struct cmsghdr *c;
    int on = 1, seen_cred = 0;

    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
    memset(&u, 0, sizeof(u));
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = u.b;
    m.msg_controllen = CMSG_SPACE(sizeof(int));
    c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[1], sizeof(int));
    check("sendmsg SCM_RIGHTS", sendmsg(sv[0], &m, 0) == 1);
    close(p[1]);

    memset(&u, 0, sizeof(u));
    m.msg_control = u.b;
    m.msg_controllen = sizeof(u.b);
    byte = 0;
    check("recvmsg", recvmsg(sv[1], &m, 0) == 1 && byte == 'x');
    for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            memcpy(&got, CMSG_DATA(c), sizeof(int));
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred cr;
            memcpy(&cr, CMSG_DATA(c), sizeof(cr));
            seen_cred = cr.pid == getpid() && cr.uid == getuid();
        }
    }
    check("got fd", got >= 0);
    check("credentials", seen_cred);
    check("no MSG_CTRUNC", !(m.msg_flags & MSG_CTRUNC));
    if (got >= 0) {
        write(got, "via fd", 6);
        close(got);
        check("read through passed fd", read(p[0], buf, sizeof(buf)) == 6 &&
              memcmp(buf, "via fd", 6) == 0);
    }
    close(p[0]);

    /* A too small control buffer: truncated. */
    pipe(p);
    m.msg_control = u.b;
    m.msg_controllen = CMSG_SPACE(sizeof(int));
    c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[0], sizeof(int));
    sendmsg(sv[0], &m, 0);
    m.msg_controllen = sizeof(struct cmsghdr) - 1;
    recvmsg(sv[1], &m, 0);
    check("MSG_CTRUNC", (m.msg_flags & MSG_CTRUNC) != 0);
    close(p[0]);
    close(p[1]);

    close(sv[0]);
    close(sv[1]);
}

static void test_tcp(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET }, b, pa;
    socklen_t len = sizeof(b), plen = sizeof(pa);
    int l, c, s, on = 1, v = 0;
    socklen_t vl = sizeof(v);
    char buf[64];
    struct timeval tv = { 0, 200000 }, tv2;
    struct linger lg = { 1, 3 }, lg2;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    check("tcp socket", l >= 0);
    check("SO_REUSEADDR", setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == 0);
    check("getsockopt SO_REUSEADDR",
          getsockopt(l, SOL_SOCKET, SO_REUSEADDR, &v, &vl) == 0 && v == 1 && vl == 4);
    vl = sizeof(v);
    check("SO_TYPE", getsockopt(l, SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_STREAM);
    check("bind", bind(l, (struct sockaddr *)&a, sizeof(a)) == 0);
    check("listen", listen(l, 4) == 0);
    check("getsockname", getsockname(l, (struct sockaddr *)&b, &len) == 0 &&
          len == sizeof(b) && b.sin_port != 0);
    c = socket(AF_INET, SOCK_STREAM, 0);
    check("connect", connect(c, (struct sockaddr *)&b, sizeof(b)) == 0);
    s = accept4(l, (struct sockaddr *)&pa, &plen, SOCK_CLOEXEC);
    check("accept4", s >= 0 && plen == sizeof(pa) && pa.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    plen = sizeof(pa);
    check("getpeername", getpeername(c, (struct sockaddr *)&pa, &plen) == 0 &&
          pa.sin_port == b.sin_port);
    check("TCP_NODELAY", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == 0);
    vl = sizeof(v);
    check("get TCP_NODELAY", getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &vl) == 0 && v);
    check("SO_RCVTIMEO", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
    vl = sizeof(tv2);
    check("get SO_RCVTIMEO", getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv2, &vl) == 0 &&
          vl == sizeof(tv2) && tv2.tv_sec == 0 && tv2.tv_usec == 200000);
    errno = 0;
    check("recv times out", recv(s, buf, sizeof(buf), 0) < 0 && errno == EAGAIN);
    check("SO_LINGER", setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
    vl = sizeof(lg2);
    check("get SO_LINGER", getsockopt(c, SOL_SOCKET, SO_LINGER, &lg2, &vl) == 0 &&
          lg2.l_onoff == 1 && lg2.l_linger == 3);
    check("sendto tcp", sendto(c, "ping", 4, 0, NULL, 0) == 4);
    check("recvfrom tcp", recvfrom(s, buf, sizeof(buf), MSG_WAITALL, NULL, NULL) == 4);
    check("shutdown", shutdown(c, SHUT_WR) == 0);
    check("recv after shutdown", recv(s, buf, sizeof(buf), 0) == 0);
    errno = 0;
    check("bad addrlen EINVAL", bind(c, (struct sockaddr *)&a, 1000) < 0 && errno == EINVAL);
    errno = 0;
    check("bad address EFAULT", connect(c, (struct sockaddr *)8, sizeof(a)) < 0 &&
          errno == EFAULT);
    close(c);
    close(s);
    close(l);
}

static void test_udp(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET }, from;
    socklen_t len = sizeof(a), flen = sizeof(from);
    int r = socket(AF_INET, SOCK_DGRAM, 0), w = socket(AF_INET, SOCK_DGRAM, 0);
    char bufs[3][16], buf[16];
    struct iovec iov[3];
    struct mmsghdr mm[3];
    struct timespec ts = { 1, 0 };

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(r, (struct sockaddr *)&a, sizeof(a));
    getsockname(r, (struct sockaddr *)&a, &len);
    check("udp sendto", sendto(w, "dgram", 5, 0, (struct sockaddr *)&a, sizeof(a)) == 5);
    check("udp recvfrom", recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 5 &&
          flen == sizeof(from) && from.sin_family == AF_INET);
    connect(w, (struct sockaddr *)&a, sizeof(a));
    memset(mm, 0, sizeof(mm));
    for (int i = 0; i < 3; i++) {
        snprintf(bufs[i], sizeof(bufs[i]), "msg%d", i);
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = strlen(bufs[i]) + i;
        mm[i].msg_hdr.msg_iov = &iov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    check("sendmmsg", sendmmsg(w, mm, 3, 0) == 3 && mm[2].msg_len == 6);
    memset(bufs, 0, sizeof(bufs));
    for (int i = 0; i < 3; i++) {
        iov[i].iov_len = sizeof(bufs[i]);
        mm[i].msg_len = 0;
    }
    check("recvmmsg", recvmmsg(r, mm, 3, MSG_WAITFORONE, &ts) == 3);
    for (int i = 0; i < 3; i++) {
        printf("mmsg %d: len %u \"%s\"\n", i, mm[i].msg_len, bufs[i]);
    }
    close(r);
    close(w);
}

static void test_inet6(void)
{
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    socklen_t len = sizeof(a);
    int l = socket(AF_INET6, SOCK_STREAM, 0), c, s;
    char buf[8];

    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0) {
        printf("inet6 unavailable\n");
        if (l >= 0) {
            close(l);
        }
        return;
    }
    listen(l, 1);
    getsockname(l, (struct sockaddr *)&a, &len);
    c = socket(AF_INET6, SOCK_STREAM, 0);
    check("inet6 connect", connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
    s = accept(l, NULL, NULL);
    write(c, "six", 3);
    check("inet6 data", read(s, buf, sizeof(buf)) == 3 && memcmp(buf, "six", 3) == 0);
    close(c);
    close(s);
    close(l);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_socketpair();
    test_rights();
    test_tcp();
    test_udp();
    test_inet6();
    printf("failures: %d\n", failures);
    return failures != 0;
}
