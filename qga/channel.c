/*
 * Agent transports. Listening sockets accept one client at a time and go
 * back to listening when it disconnects; serial devices are opened once and
 * polled again after a pause when the host side is not connected.
 */
#include "config.h"
#include "qga/channel.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <stdint.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#define GA_CHANNEL_READ_SIZE 4096
#define GA_SERIAL_RETRY_MS 500

struct GAChannel {
    GAChannelMethod method;
    int listen_fd;      /* -1 for serial devices */
    int fd;             /* the client / the device; -1 when none */
    guint listen_watch, io_watch, retry_timer;
    GAChannelReadFn *read_fn;
    GAChannelResetFn *reset_fn;
    void *opaque;
};

static const char *const method_names[] = {
    [GA_CHANNEL_VIRTIO_SERIAL] = "virtio-serial",
    [GA_CHANNEL_ISA_SERIAL] = "isa-serial",
    [GA_CHANNEL_UNIX_LISTEN] = "unix-listen",
    [GA_CHANNEL_VSOCK_LISTEN] = "vsock-listen",
};

bool ga_channel_method_parse(const char *name, GAChannelMethod *method)
{
    for (size_t i = 0; i < G_N_ELEMENTS(method_names); i++) {
        if (!strcmp(name, method_names[i])) {
            *method = i;
            return true;
        }
    }
    return false;
}

static gboolean client_io(gint fd, GIOCondition cond, gpointer opaque);
static gboolean listen_io(gint fd, GIOCondition cond, gpointer opaque);

static void client_drop(GAChannel *c)
{
    if (c->io_watch) {
        g_source_remove(c->io_watch);
        c->io_watch = 0;
    }
    if (c->listen_fd >= 0) {
        if (c->fd >= 0) {
            close(c->fd);
            c->fd = -1;
        }
        if (!c->listen_watch) {
            c->listen_watch = g_unix_fd_add(c->listen_fd, G_IO_IN, listen_io, c);
        }
    }
    /* No reset here: this may run inside the parser's callback. The next
     * client's arrival resets the parser. */
}

static gboolean serial_retry(gpointer opaque)
{
    GAChannel *c = opaque;
    c->retry_timer = 0;
    c->io_watch = g_unix_fd_add(c->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, client_io, c);
    return G_SOURCE_REMOVE;
}

static gboolean client_io(gint fd, GIOCondition cond, gpointer opaque)
{
    GAChannel *c = opaque;
    char buf[GA_CHANNEL_READ_SIZE];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return G_SOURCE_CONTINUE;
    }
    if (n > 0) {
        c->read_fn(c->opaque, buf, n);
        return G_SOURCE_CONTINUE;
    }
    g_debug("client disconnected");
    c->io_watch = 0;
    if (c->listen_fd < 0) {
        /* A serial port without a host side reads as EOF: look again later. */
        c->reset_fn(c->opaque);
        c->retry_timer = g_timeout_add(GA_SERIAL_RETRY_MS, serial_retry, c);
        return G_SOURCE_REMOVE;
    }
    close(c->fd);
    c->fd = -1;
    c->listen_watch = g_unix_fd_add(c->listen_fd, G_IO_IN, listen_io, c);
    c->reset_fn(c->opaque);
    return G_SOURCE_REMOVE;
}

static gboolean listen_io(gint fd, GIOCondition cond, gpointer opaque)
{
    GAChannel *c = opaque;
    int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0) {
        return G_SOURCE_CONTINUE;
    }
    g_debug("new client connected");
    c->fd = client;
    c->reset_fn(c->opaque);
    c->io_watch = g_unix_fd_add(client, G_IO_IN | G_IO_HUP | G_IO_ERR, client_io, c);
    /* One client at a time: stop listening until this one leaves. */
    c->listen_watch = 0;
    return G_SOURCE_REMOVE;
}

static int unix_listen(const char *path, Error **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path)) {
        error_setf(errp, "socket path too long: %s", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setf_errno(errp, errno, "failed to create socket");
        return -1;
    }
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(path);  /* a stale socket from an earlier run */
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        error_setf_errno(errp, errno, "failed to listen on %s", path);
        close(fd);
        return -1;
    }
    return fd;
}

/* "cid:port", both unsigned 32-bit numbers. */
static int vsock_listen(const char *addr, Error **errp)
{
    unsigned long cid, port;
    char *end;
    errno = 0;
    cid = strtoul(addr, &end, 10);
    bool ok = !errno && end != addr && *end == ':' && cid <= UINT32_MAX;
    if (ok) {
        const char *p = end + 1;
        port = strtoul(p, &end, 10);
        ok = !errno && end != p && !*end && port <= UINT32_MAX;
    }
    if (!ok) {
        error_setf(errp, "invalid vsock address '%s': expected <cid>:<port>", addr);
        return -1;
    }
    struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port };
    int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setf_errno(errp, errno, "failed to create vsock socket");
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        error_setf_errno(errp, errno, "failed to listen on vsock %s", addr);
        close(fd);
        return -1;
    }
    return fd;
}

static int serial_open(const char *path, bool isa, Error **errp)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        error_setf_errno(errp, errno, "error opening channel '%s'", path);
        return -1;
    }
    struct termios tio;
    if (isa && tcgetattr(fd, &tio) == 0) {
        /* Raw 8-bit bytes: no echo, no line editing, no CR/LF translation. */
        cfmakeraw(&tio);
        cfsetispeed(&tio, B38400);
        cfsetospeed(&tio, B38400);
        tio.c_cflag |= CLOCAL | CREAD;
        tcsetattr(fd, TCSANOW, &tio);
    }
    return fd;
}

GAChannel *ga_channel_new(GAChannelMethod method, const char *path, GAChannelReadFn *read_fn,
                          GAChannelResetFn *reset_fn, void *opaque, Error **errp)
{
    GAChannel *c = g_new0(GAChannel, 1);
    c->method = method;
    c->read_fn = read_fn;
    c->reset_fn = reset_fn;
    c->opaque = opaque;
    c->fd = c->listen_fd = -1;
    switch (method) {
    case GA_CHANNEL_UNIX_LISTEN:
        c->listen_fd = unix_listen(path, errp);
        break;
    case GA_CHANNEL_VSOCK_LISTEN:
        c->listen_fd = vsock_listen(path, errp);
        break;
    case GA_CHANNEL_VIRTIO_SERIAL:
    case GA_CHANNEL_ISA_SERIAL:
        c->fd = serial_open(path, method == GA_CHANNEL_ISA_SERIAL, errp);
        break;
    }
    if (c->listen_fd < 0 && c->fd < 0) {
        g_free(c);
        return NULL;
    }
    if (c->listen_fd >= 0) {
        c->listen_watch = g_unix_fd_add(c->listen_fd, G_IO_IN, listen_io, c);
    } else {
        c->io_watch = g_unix_fd_add(c->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, client_io, c);
    }
    return c;
}

bool ga_channel_write_all(GAChannel *c, const char *buf, size_t len)
{
    size_t done = 0;
    if (c->fd < 0) {
        return false;
    }
    while (done < len) {
        ssize_t w = write(c->fd, buf + done, len - done);
        if (w >= 0) {
            done += w;
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN) {
            struct pollfd p = { .fd = c->fd, .events = POLLOUT };
            poll(&p, 1, -1);
            continue;
        }
        g_warning("error writing to channel: %s", g_strerror(errno));
        if (c->listen_fd >= 0) {
            client_drop(c);
        }
        return false;
    }
    return true;
}

void ga_channel_free(GAChannel *c)
{
    if (!c) {
        return;
    }
    if (c->listen_watch) {
        g_source_remove(c->listen_watch);
    }
    if (c->io_watch) {
        g_source_remove(c->io_watch);
    }
    if (c->retry_timer) {
        g_source_remove(c->retry_timer);
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    if (c->listen_fd >= 0) {
        close(c->listen_fd);
    }
    g_free(c);
}
