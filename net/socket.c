/*
 * -netdev socket: Ethernet frames over a host socket, to another emulator or
 * a program playing one. listen= and connect= carry a TCP stream of frames,
 * each after its length as a 4-byte big-endian number (the framing QEMU's
 * socket back end uses, so the two interoperate); udp= and mcast= carry one
 * frame per datagram.
 */
#include "config.h"
#include "net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libcore/main-loop.h"
#include "libcore/sockets.h"

typedef enum { MODE_LISTEN, MODE_CONNECT, MODE_UDP, MODE_MCAST } SocketMode;

typedef struct NetSocket {
    NetClient *nc;
    SocketMode mode;
    int listen_fd;              /* listen=: waiting for the peer */
    int fd;                     /* the stream or the datagram socket; -1 if none */
    guint accept_watch, read_watch;
    bool reading;               /* read_poll state */
    struct sockaddr_storage dest;   /* udp=, mcast=: where frames go */
    socklen_t dest_len;
    /* Stream reassembly: a length prefix, then that many bytes. */
    uint8_t *buf;
    size_t have;
    GMutex send_lock;           /* one frame at a time on the stream */
    GMutex watch_lock;          /* read_poll comes from device threads too */
} NetSocket;

static void update_read_watch(NetSocket *s);

static void close_stream(NetSocket *s)
{
    if (s->read_watch) {
        main_loop_remove(s->nc->ctx, s->read_watch);
        s->read_watch = 0;
    }
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    s->have = 0;
}

static void send_frame(void *opaque, const uint8_t *data, size_t len)
{
    net_send(opaque, data, len);
}

/* Hand every whole frame in the buffer to the peer; false on a bad length. */
static bool deliver_frames(NetSocket *s)
{
    ssize_t used = net_stream_frames(s->buf, s->have, send_frame, s->nc);

    if (used < 0) {
        return false;
    }
    memmove(s->buf, s->buf + used, s->have - (size_t)used);
    s->have -= (size_t)used;
    return true;
}

static bool stream_readable(void *opaque, int fd, GIOCondition cond)
{
    NetSocket *s = opaque;
    ssize_t n = read(fd, s->buf + s->have, NET_FRAME_MAX + 4 - s->have);

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return true;
    }
    if (n <= 0 || (s->have += (size_t)n, !deliver_frames(s))) {
        /* End of stream or a peer out of step: drop it, listen again. */
        s->read_watch = 0;
        close_stream(s);
        net_client_set_info(s->nc, "index=0,type=socket,%s",
                            s->mode == MODE_LISTEN ? "listening" : "disconnected");
        return false;
    }
    return true;
}

static bool datagram_readable(void *opaque, int fd, GIOCondition cond)
{
    NetSocket *s = opaque;
    ssize_t n = recv(fd, s->buf, NET_FRAME_MAX, 0);

    if (n > 0) {
        net_send(s->nc, s->buf, (size_t)n);
    }
    return true;
}

static void update_read_watch(NetSocket *s)
{
    g_mutex_lock(&s->watch_lock);
    bool want = s->reading && s->fd >= 0;

    if (want && !s->read_watch) {
        s->read_watch = main_loop_add_fd(s->nc->ctx, s->fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                         s->mode == MODE_LISTEN || s->mode == MODE_CONNECT
                                             ? stream_readable : datagram_readable, s);
    } else if (!want && s->read_watch) {
        main_loop_remove(s->nc->ctx, s->read_watch);
        s->read_watch = 0;
    }
    g_mutex_unlock(&s->watch_lock);
}

static void socket_read_poll(NetClient *nc, bool enable)
{
    NetSocket *s = nc->opaque;
    s->reading = enable;
    update_read_watch(s);
}

static bool accept_ready(void *opaque, int fd, GIOCondition cond)
{
    NetSocket *s = opaque;
    Error *err = NULL;
    int conn = socket_accept(fd, &err);

    if (conn < 0) {
        error_free(err);
        return true;
    }
    if (s->fd >= 0) {
        close(conn);        /* one peer at a time */
        return true;
    }
    s->fd = conn;
    net_client_set_info(s->nc, "index=0,type=socket,connection from a peer");
    update_read_watch(s);
    return true;
}

static bool write_all(int fd, const struct iovec *iov, int iovcnt)
{
    struct iovec v[iovcnt];
    int i = 0;

    memcpy(v, iov, sizeof(v));
    while (i < iovcnt) {
        ssize_t n = writev(fd, v + i, iovcnt - i);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        while (i < iovcnt && (size_t)n >= v[i].iov_len) {
            n -= (ssize_t)v[i++].iov_len;
        }
        if (i < iovcnt) {
            v[i].iov_base = (uint8_t *)v[i].iov_base + n;
            v[i].iov_len -= (size_t)n;
        }
    }
    return true;
}

static ssize_t socket_receive(NetClient *nc, const struct iovec *iov, int iovcnt)
{
    NetSocket *s = nc->opaque;
    size_t size = 0;

    for (int i = 0; i < iovcnt; i++) {
        size += iov[i].iov_len;
    }
    g_mutex_lock(&s->send_lock);
    if (s->fd >= 0 && (s->mode == MODE_UDP || s->mode == MODE_MCAST)) {
        struct msghdr m = { .msg_name = &s->dest, .msg_namelen = s->dest_len,
                            .msg_iov = (struct iovec *)iov, .msg_iovlen = iovcnt };
        sendmsg(s->fd, &m, 0);  /* a lost datagram is a lost frame */
    } else if (s->fd >= 0) {
        uint32_t be = htonl((uint32_t)size);
        struct iovec v[iovcnt + 1];
        v[0].iov_base = &be;
        v[0].iov_len = 4;
        memcpy(v + 1, iov, sizeof(struct iovec) * iovcnt);
        write_all(s->fd, v, iovcnt + 1);
    }
    g_mutex_unlock(&s->send_lock);
    return (ssize_t)size;   /* frames with no peer connected are dropped */
}

static void socket_cleanup(NetClient *nc)
{
    NetSocket *s = nc->opaque;

    close_stream(s);
    if (s->accept_watch) {
        main_loop_remove(nc->ctx, s->accept_watch);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    g_mutex_clear(&s->send_lock);
    g_mutex_clear(&s->watch_lock);
    g_free(s->buf);
    g_free(s);
}

static const NetClientOps socket_ops = {
    .type = "socket",
    .receive = socket_receive,
    .read_poll = socket_read_poll,
    .cleanup = socket_cleanup,
};

/* Resolve "host:port" to one IPv4/IPv6 socket address. */
static bool resolve(const char *str, const char *what, bool passive,
                    struct sockaddr_storage *ss, socklen_t *len, Error **errp)
{
    g_autofree char *host = NULL, *port = NULL;
    struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = passive ? AI_PASSIVE : 0 };
    struct addrinfo *res;
    int rc;

    if (!net_parse_host_port(str, &host, &port, what, errp)) {
        return false;
    }
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        error_setf(errp, "%s: cannot resolve '%s': %s", what, str, gai_strerror(rc));
        return false;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return true;
}

static int open_udp(NetSocket *s, const QDict *opts, Error **errp)
{
    const char *udp = qdict_get_str(opts, "udp"), *mcast = qdict_get_str(opts, "mcast");
    const char *local = qdict_get_str(opts, "localaddr");
    struct sockaddr_storage bind_addr;
    socklen_t bind_len;
    int one = 1, fd;

    if (!resolve(udp ? udp : mcast, udp ? "udp" : "mcast", false, &s->dest, &s->dest_len,
                 errp)) {
        return -1;
    }
    if (udp && !local) {
        error_setf(errp, "netdev socket: udp= needs localaddr=");
        return -1;
    }
    if (mcast) {
        /* Receive the group's traffic on its port; localaddr picks the interface. */
        bind_addr = s->dest;
        bind_len = s->dest_len;
        if (bind_addr.ss_family != AF_INET ||
            !IN_MULTICAST(ntohl(((struct sockaddr_in *)&bind_addr)->sin_addr.s_addr))) {
            error_setf(errp, "mcast: '%s' is not an IPv4 multicast address", mcast);
            return -1;
        }
    } else if (!resolve(local, "localaddr", true, &bind_addr, &bind_len, errp)) {
        return -1;
    }
    fd = socket(s->dest.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setf_errno(errp, errno, "netdev socket: cannot create a socket");
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&bind_addr, bind_len) < 0) {
        error_setf_errno(errp, errno, "netdev socket: cannot bind %s", mcast ? mcast : local);
        close(fd);
        return -1;
    }
    if (mcast) {
        struct ip_mreq mreq = {
            .imr_multiaddr = ((struct sockaddr_in *)&s->dest)->sin_addr,
            .imr_interface.s_addr = htonl(INADDR_ANY),
        };
        struct sockaddr_storage ifa;
        socklen_t ifa_len;
        if (local && !resolve(local, "localaddr", true, &ifa, &ifa_len, errp)) {
            close(fd);
            return -1;
        }
        if (local) {
            mreq.imr_interface = ((struct sockaddr_in *)&ifa)->sin_addr;
            setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq.imr_interface,
                       sizeof(mreq.imr_interface));
        }
        if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0) {
            error_setf_errno(errp, errno, "mcast: cannot join %s", mcast);
            close(fd);
            return -1;
        }
        /* Our own frames come back to us through the group: fine, as QEMU. */
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &one, sizeof(one));
    }
    return fd;
}

static bool open_stream(NetSocket *s, const QDict *opts, Error **errp)
{
    const char *listen = qdict_get_str(opts, "listen"), *connect = qdict_get_str(opts, "connect");
    g_autofree char *host = NULL, *port = NULL;
    g_autoptr(SocketAddress) addr = NULL;
    int *fds = NULL;

    if (!net_parse_host_port(listen ? listen : connect, &host, &port,
                             listen ? "listen" : "connect", errp)) {
        return false;
    }
    addr = socket_address_new_inet(host ? host : (listen ? "0.0.0.0" : "localhost"), port);
    if (connect) {
        s->fd = socket_connect(addr, errp);
        if (s->fd < 0) {
            error_prepend(errp, "netdev socket: cannot connect to %s: ", connect);
            return false;
        }
        net_client_set_info(s->nc, "index=0,type=socket,connected to %s", connect);
        return true;
    }
    int n = socket_listen(addr, 1, &fds, errp);
    if (n < 0) {
        error_prepend(errp, "netdev socket: cannot listen on %s: ", listen);
        return false;
    }
    s->listen_fd = fds[0];
    for (int i = 1; i < n; i++) {
        close(fds[i]);
    }
    g_free(fds);
    s->accept_watch = main_loop_add_fd(s->nc->ctx, s->listen_fd, G_IO_IN, accept_ready, s);
    net_client_set_info(s->nc, "index=0,type=socket,listening");
    return true;
}

NetClient *net_socket_new(const char *id, const QDict *opts, GMainContext *ctx, Error **errp)
{
    static const char *const keys[] = { "listen", "connect", "udp", "mcast", "localaddr",
                                        NULL };
    static const char *const modes[] = { "listen", "connect", "udp", "mcast" };
    int nmodes = 0;
    SocketMode mode = MODE_LISTEN;

    if (!net_check_keys(opts, keys, NULL, "socket", errp)) {
        return NULL;
    }
    for (int i = 0; i < 4; i++) {
        if (qdict_get_str(opts, modes[i])) {
            nmodes++;
            mode = (SocketMode)i;
        }
    }
    if (nmodes != 1) {
        error_setf(errp, "netdev socket: exactly one of listen=, connect=, udp= and mcast= "
                   "is needed");
        return NULL;
    }
    if (qdict_get_str(opts, "localaddr") && mode != MODE_UDP && mode != MODE_MCAST) {
        error_setf(errp, "netdev socket: localaddr= goes with udp= or mcast=");
        return NULL;
    }
    NetSocket *s = g_new0(NetSocket, 1);
    s->mode = mode;
    s->fd = s->listen_fd = -1;
    s->reading = true;
    s->buf = g_malloc(NET_FRAME_MAX + 4);
    g_mutex_init(&s->send_lock);
    g_mutex_init(&s->watch_lock);
    s->nc = net_client_new(&socket_ops, id, true, s, ctx);
    bool ok;
    if (mode == MODE_UDP || mode == MODE_MCAST) {
        s->fd = open_udp(s, opts, errp);
        ok = s->fd >= 0;
        if (ok) {
            net_client_set_info(s->nc, "index=0,type=socket,%s=%s", modes[mode],
                                qdict_get_str(opts, modes[mode]));
        }
    } else {
        ok = open_stream(s, opts, errp);
    }
    if (!ok) {
        net_client_free(s->nc);
        return NULL;
    }
    update_read_watch(s);
    return s->nc;
}
