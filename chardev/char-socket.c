/*
 * -chardev socket: a TCP or Unix stream, as a server (listening; wait=on
 * blocks creation until the first client connects) or a client (reconnect=N
 * retries every N seconds when the server is not there or goes away). One
 * peer at a time; output with no peer connected is dropped, as QEMU does.
 */
#include "config.h"
#include "chardev/char.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libcore/main-loop.h"
#include "libcore/opts.h"
#include "libcore/sockets.h"

typedef struct SockState {
    SocketAddress *addr;
    bool server, nodelay;
    unsigned reconnect;         /* seconds; 0: none */
    int listen_fd, fd;
    guint listen_watch, read_watch, retry;
    char *desc;                 /* "tcp:HOST:PORT,server=on" for the filename */
    GMutex lock;
} SockState;

static void sock_update_watch(Chardev *chr);

static void set_filename(Chardev *chr)
{
    SockState *s = chr->state;
    g_free(chr->filename);
    chr->filename = g_strdup_printf("%s%s", s->fd >= 0 ? "" : "disconnected:", s->desc);
}

static void connected(Chardev *chr, int fd)
{
    SockState *s = chr->state;
    int one = 1;

    if (s->nodelay && s->addr->type == SOCKET_ADDRESS_INET) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    g_mutex_lock(&s->lock);
    s->fd = fd;
    g_mutex_unlock(&s->lock);
    chr->connected = true;
    set_filename(chr);
    chardev_send_event(chr, CHR_EVENT_OPENED);
    sock_update_watch(chr);
}

static bool try_connect(void *opaque);

static void disconnected(Chardev *chr)
{
    SockState *s = chr->state;

    g_mutex_lock(&s->lock);
    if (s->read_watch) {
        main_loop_remove(chr->ctx, s->read_watch);
        s->read_watch = 0;
    }
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    if (!s->server && s->reconnect && !s->retry) {
        s->retry = main_loop_add_timer(chr->ctx, s->reconnect * 1000, try_connect, chr);
    }
    g_mutex_unlock(&s->lock);
    chr->connected = false;
    set_filename(chr);
    chardev_send_event(chr, CHR_EVENT_CLOSED);
}

static bool sock_readable(void *opaque, int fd, GIOCondition cond)
{
    Chardev *chr = opaque;
    SockState *s = chr->state;
    uint8_t buf[4096];
    size_t room = chardev_frontend_room(chr);

    if (!room) {
        g_mutex_lock(&s->lock);
        s->read_watch = 0;          /* resumed by accept_input */
        g_mutex_unlock(&s->lock);
        return false;
    }
    ssize_t n = recv(fd, buf, MIN(room, sizeof(buf)), 0);
    if (n > 0) {
        chardev_deliver(chr, buf, (size_t)n);
        return true;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return true;
    }
    g_mutex_lock(&s->lock);
    s->read_watch = 0;
    g_mutex_unlock(&s->lock);
    disconnected(chr);
    return false;
}

static void sock_update_watch(Chardev *chr)
{
    SockState *s = chr->state;

    g_mutex_lock(&s->lock);
    if (!s->read_watch && s->fd >= 0 && chardev_frontend_room(chr)) {
        s->read_watch = main_loop_add_fd(chr->ctx, s->fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                         sock_readable, chr);
    }
    g_mutex_unlock(&s->lock);
}

static bool accept_ready(void *opaque, int fd, GIOCondition cond)
{
    Chardev *chr = opaque;
    SockState *s = chr->state;
    Error *err = NULL;
    int c = socket_accept(fd, &err);

    if (c < 0) {
        error_free(err);
    } else if (s->fd >= 0) {
        close(c);                   /* one peer at a time */
    } else {
        connected(chr, c);
    }
    return true;
}

static bool try_connect(void *opaque)
{
    Chardev *chr = opaque;
    SockState *s = chr->state;
    Error *err = NULL;

    g_mutex_lock(&s->lock);
    s->retry = 0;
    g_mutex_unlock(&s->lock);
    int fd = socket_connect(s->addr, &err);
    if (fd < 0) {
        error_free(err);
        g_mutex_lock(&s->lock);
        s->retry = main_loop_add_timer(chr->ctx, s->reconnect * 1000, try_connect, chr);
        g_mutex_unlock(&s->lock);
    } else {
        connected(chr, fd);
    }
    return false;
}

static ssize_t sock_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    SockState *s = chr->state;
    ssize_t n;

    g_mutex_lock(&s->lock);
    int fd = s->fd;
    g_mutex_unlock(&s->lock);
    if (fd < 0) {
        return (ssize_t)len;        /* nobody there: dropped */
    }
    n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return 0;
    }
    return n < 0 ? (ssize_t)len : n;    /* a broken peer: the reader sees it go */
}

static void sock_accept_input(Chardev *chr)
{
    sock_update_watch(chr);
}

static void sock_close(Chardev *chr)
{
    SockState *s = chr->state;

    g_mutex_lock(&s->lock);
    if (s->read_watch) {
        main_loop_remove(chr->ctx, s->read_watch);
    }
    if (s->listen_watch) {
        main_loop_remove(chr->ctx, s->listen_watch);
    }
    if (s->retry) {
        main_loop_remove(chr->ctx, s->retry);
    }
    g_mutex_unlock(&s->lock);
    if (s->fd >= 0) {
        close(s->fd);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    socket_address_free(s->addr);
    g_free(s->desc);
    g_mutex_clear(&s->lock);
    g_free(s);
}

static bool parse_opts(SockState *s, const QDict *opts, bool *wait, Error **errp)
{
    const char *host = qdict_get_str(opts, "host"), *port = qdict_get_str(opts, "port");
    const char *path = qdict_get_str(opts, "path"), *rc = qdict_get_str(opts, "reconnect");
    bool telnet, websocket;

    if (!opts_get_bool(opts, "server", false, &s->server, errp) ||
        !opts_get_bool(opts, "wait", true, wait, errp) ||
        !opts_get_bool(opts, "nodelay", false, &s->nodelay, errp) ||
        !opts_get_bool(opts, "telnet", false, &telnet, errp) ||
        !opts_get_bool(opts, "websocket", false, &websocket, errp)) {
        return false;
    }
    if (telnet || websocket || qdict_haskey(opts, "tls-creds")) {
        error_setf(errp, "chardev socket: %s is not supported",
                   telnet ? "telnet" : websocket ? "websocket" : "TLS");
        return false;
    }
    if (!!path == !!(host || port)) {
        error_setf(errp, "chardev: socket: %s", path ? "path= excludes host= and port="
                                                      : "no host given");
        return false;
    }
    if (!path && !port) {
        error_setf(errp, "chardev: socket: no port given");
        return false;
    }
    if (rc) {
        char *end;
        unsigned long v = strtoul(rc, &end, 10);
        if (*end || end == rc || v == 0 || v > 3600 || s->server) {
            error_setf(errp, s->server ? "'reconnect' option is incompatible with "
                       "'server' option" : "Parameter 'reconnect' expects seconds (1-3600)");
            return false;
        }
        s->reconnect = (unsigned)v;
    }
    s->addr = path ? socket_address_new_unix(path) : socket_address_new_inet(host ? host : "0.0.0.0",
                                                                             port);
    s->desc = path ? g_strdup_printf("unix:%s%s", path, s->server ? ",server=on" : "")
                   : g_strdup_printf("tcp:%s:%s%s", host ? host : "0.0.0.0", port,
                                     s->server ? ",server=on" : "");
    return true;
}

static bool sock_open(Chardev *chr, const QDict *opts, Error **errp)
{
    SockState *s = g_new0(SockState, 1);
    bool wait;
    int *fds = NULL;

    s->fd = s->listen_fd = -1;
    g_mutex_init(&s->lock);
    chr->state = s;
    if (!parse_opts(s, opts, &wait, errp)) {
        goto fail;
    }
    set_filename(chr);
    if (!s->server) {
        Error *err = NULL;
        int fd = socket_connect(s->addr, &err);
        if (fd < 0 && !s->reconnect) {
            error_propagate(errp, err);
            goto fail;
        }
        if (fd < 0) {
            error_free(err);        /* reconnect=: the server may come later */
            s->retry = main_loop_add_timer(chr->ctx, s->reconnect * 1000, try_connect, chr);
        } else {
            connected(chr, fd);
        }
        return true;
    }
    int n = socket_listen(s->addr, 1, &fds, errp);
    if (n < 0) {
        goto fail;
    }
    s->listen_fd = fds[0];
    for (int i = 1; i < n; i++) {
        close(fds[i]);
    }
    g_free(fds);
    if (wait) {
        /* wait=on: the first client before anything else runs. */
        int c = socket_accept(s->listen_fd, errp);
        if (c < 0) {
            goto fail;
        }
        connected(chr, c);
    }
    s->listen_watch = main_loop_add_fd(chr->ctx, s->listen_fd, G_IO_IN, accept_ready, chr);
    return true;

fail:
    chr->state = NULL;
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    if (s->retry) {
        main_loop_remove(chr->ctx, s->retry);
    }
    socket_address_free(s->addr);
    g_free(s->desc);
    g_mutex_clear(&s->lock);
    g_free(s);
    return false;
}

static const char *const socket_keys[] = {
    "host", "port", "path", "server", "wait", "nodelay", "reconnect", "telnet", "websocket",
    "tls-creds", NULL
};
const ChardevOps chardev_socket_ops = {
    .name = "socket", .keys = socket_keys, .open = sock_open, .write = sock_write,
    .accept_input = sock_accept_input, .close = sock_close,
};
