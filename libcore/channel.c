/*
 * Blocking byte streams over a socket (or a pipe), with the exact-length and
 * vectored helpers protocols need. The transport is an ops table: plain
 * here, TLS installed by tls.c after a protocol's clear-text start.
 */
#include "config.h"
#include "libcore/channel-int.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct Channel {
    int fd;
    bool is_socket;
    int shut;                   /* atomic: set once by channel_shutdown */
    const ChannelOps *ops;
    void *opaque;
};

/* ---- plain transport ---- */

ssize_t channel_sys_read(Channel *ch, void *buf, size_t len)
{
    if (!ch->is_socket && channel_is_shut_down(ch)) {
        return 0;               /* pipes cannot be shut down: stop at our flag */
    }
    return read(ch->fd, buf, len);
}

static ssize_t plain_read(Channel *ch, void *buf, size_t len, Error **errp)
{
    for (;;) {
        ssize_t n = channel_sys_read(ch, buf, len);
        if (n >= 0) {
            return n;
        }
        if (errno == EINTR) {
            continue;
        }
        if (channel_is_shut_down(ch)) {
            return 0;
        }
        error_setf_errno(errp, errno, "Unable to read from socket");
        return -1;
    }
}

/*
 * write(2) to a pipe whose reader is gone raises SIGPIPE; sockets avoid it
 * with MSG_NOSIGNAL, pipes by blocking the signal in this thread and
 * consuming the pending one before unblocking.
 */
static ssize_t pipe_writev(int fd, const struct iovec *iov, int iovcnt)
{
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    ssize_t n = writev(fd, iov, iovcnt);
    int saved = errno;
    if (n < 0 && errno == EPIPE && !sigismember(&old, SIGPIPE)) {
        sigset_t pending;
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE)) {
            const struct timespec zero = { 0, 0 };
            sigtimedwait(&pipe_set, NULL, &zero);
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return n;
}

ssize_t channel_sys_writev(Channel *ch, const struct iovec *iov, int iovcnt)
{
    if (!ch->is_socket) {
        return pipe_writev(ch->fd, iov, iovcnt);
    }
    struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = iovcnt };
    return sendmsg(ch->fd, &msg, MSG_NOSIGNAL);
}

static ssize_t plain_writev(Channel *ch, const struct iovec *iov, int iovcnt, Error **errp)
{
    for (;;) {
        ssize_t n = channel_sys_writev(ch, iov, iovcnt);
        if (n >= 0) {
            return n;
        }
        if (errno != EINTR) {
            error_setf_errno(errp, errno, "Unable to write to socket");
            return -1;
        }
    }
}

static const ChannelOps plain_ops = {
    .name = "plain",
    .read = plain_read,
    .writev = plain_writev,
};

/* ---- lifetime ---- */

Channel *channel_new_fd(int fd)
{
    Channel *ch = g_new0(Channel, 1);
    struct stat st;
    ch->fd = fd;
    ch->is_socket = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
    ch->ops = &plain_ops;
    return ch;
}

void channel_free(Channel *ch)
{
    if (!ch) {
        return;
    }
    if (ch->ops->free) {
        ch->ops->free(ch);
    }
    if (ch->fd >= 0) {
        close(ch->fd);
    }
    g_free(ch);
}

int channel_fd(const Channel *ch)
{
    return ch->fd;
}

bool channel_is_tls(const Channel *ch)
{
    return ch->ops->is_tls;
}

void channel_set_transport(Channel *ch, const ChannelOps *ops, void *opaque)
{
    if (ch->ops->free) {
        ch->ops->free(ch);
    }
    ch->ops = ops ? ops : &plain_ops;
    ch->opaque = opaque;
}

void *channel_transport_opaque(const Channel *ch)
{
    return ch->opaque;
}

const ChannelOps *channel_transport_ops(const Channel *ch)
{
    return ch->ops;
}

bool channel_is_shut_down(const Channel *ch)
{
    return g_atomic_int_get(&ch->shut) != 0;
}

/* ---- reading ---- */

ssize_t channel_read(Channel *ch, void *buf, size_t len, Error **errp)
{
    if (len == 0) {
        return 0;
    }
    return ch->ops->read(ch, buf, MIN(len, (size_t)SSIZE_MAX), errp);
}

int channel_read_all(Channel *ch, void *buf, size_t len, Error **errp)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = channel_read(ch, (char *)buf + done, len - done, errp);
        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            if (done == 0) {
                return 0;
            }
            error_setf(errp, "Unexpected end-of-file before all data were read");
            return -1;
        }
        done += n;
    }
    return 1;
}

int channel_discard(Channel *ch, size_t len, Error **errp)
{
    char buf[16384];
    bool first = true;
    while (len) {
        size_t chunk = MIN(len, sizeof(buf));
        int rc = channel_read_all(ch, buf, chunk, errp);
        if (rc <= 0) {
            if (rc == 0 && !first) {
                error_setf(errp, "Unexpected end-of-file before all data were read");
                return -1;
            }
            return rc;
        }
        len -= chunk;
        first = false;
    }
    return 1;
}

/* ---- writing ---- */

bool channel_write_all(Channel *ch, const void *buf, size_t len, Error **errp)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    return channel_writev_all(ch, &iov, 1, errp);
}

bool channel_writev_all(Channel *ch, const struct iovec *iov, int iovcnt, Error **errp)
{
    /* A private copy, trimmed as the kernel takes bytes. */
    struct iovec local[64];
    struct iovec *v = iovcnt <= (int)G_N_ELEMENTS(local) ? local : g_new(struct iovec, iovcnt);
    int cnt = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len) {
            v[cnt++] = iov[i];
        }
    }
    struct iovec *cur = v;
    bool ok = true;
    while (cnt > 0) {
        ssize_t n = ch->ops->writev(ch, cur, MIN(cnt, IOV_MAX), errp);
        if (n < 0) {
            ok = false;
            break;
        }
        while (cnt > 0 && (size_t)n >= cur->iov_len) {
            n -= cur->iov_len;
            cur++;
            cnt--;
        }
        if (cnt > 0) {
            cur->iov_base = (char *)cur->iov_base + n;
            cur->iov_len -= n;
        }
    }
    if (v != local) {
        g_free(v);
    }
    return ok;
}

void channel_cork(Channel *ch, bool on)
{
    int v = on;
    if (ch->is_socket) {
        /* Only TCP has corking; unix sockets ignore the hint. */
        setsockopt(ch->fd, IPPROTO_TCP, TCP_CORK, &v, sizeof(v));
    }
}

void channel_shutdown(Channel *ch)
{
    g_atomic_int_set(&ch->shut, 1);
    if (ch->is_socket) {
        shutdown(ch->fd, SHUT_RDWR);
    }
}
