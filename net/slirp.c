/*
 * -netdev user: the guest's network behind libslirp, a user-space TCP/IP
 * stack that answers DHCP, DNS and ARP itself and turns the guest's
 * connections into host sockets, with hostfwd rules for the way in.
 *
 * libslirp is not thread-safe and calls back into us (frames for the guest)
 * from inside its own calls, so each instance has one thread that polls its
 * sockets and runs its timers, one lock around every slirp call, and frames
 * for the guest are queued under that lock and delivered by the thread after
 * releasing it: a NIC sending from its own locked context never has a frame
 * delivered back into it on the same stack.
 */
#include "config.h"
#include "net/net.h"
#include "net/slirp-int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

typedef struct UserTimer {
    SlirpTimerCb cb;
    void *cb_opaque;
    int64_t expire_ms;          /* -1: not armed */
} UserTimer;

typedef struct NetUser {
    NetClient *nc;
    Slirp *slirp;
    GMutex lock;                /* every slirp call, the timers, the outgoing queue */
    GPtrArray *timers;
    GQueue out;                 /* frames for the guest (GBytes), delivered unlocked */
    GArray *pollfds;            /* struct pollfd, rebuilt each round */
    int wake_fd;                /* eventfd: new input, new frames, stop */
    GThread *thread;
    bool stop;
    char *dnssearch[USER_DNSSEARCH_MAX + 1];   /* NULL-terminated */
} NetUser;

static int64_t now_ms(void)
{
    return g_get_monotonic_time() / 1000;
}

static void wake(NetUser *u)
{
    uint64_t one = 1;
    ssize_t r = write(u->wake_fd, &one, sizeof(one));
    (void)r;    /* the counter saturating means a wake-up is pending anyway */
}

/* ---- libslirp callbacks (called with u->lock held) ---- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
    NetUser *u = opaque;

    if (g_queue_get_length(&u->out) < NET_QUEUE_MAX) {
        g_queue_push_tail(&u->out, g_bytes_new(buf, len));
    }
    return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
    /* The guest's mistakes are its own; nothing on our side is wrong. */
}

static int64_t cb_clock_get_ns(void *opaque)
{
    return g_get_monotonic_time() * 1000;
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    NetUser *u = opaque;
    UserTimer *t = g_new0(UserTimer, 1);

    t->cb = cb;
    t->cb_opaque = cb_opaque;
    t->expire_ms = -1;
    g_ptr_array_add(u->timers, t);
    return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
    NetUser *u = opaque;
    g_ptr_array_remove(u->timers, timer);
    g_free(timer);
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    ((UserTimer *)timer)->expire_ms = expire_ms;
    wake(opaque);
}

static void cb_register_poll_fd(int fd, void *opaque)
{
}

static void cb_unregister_poll_fd(int fd, void *opaque)
{
}

static void cb_notify(void *opaque)
{
    wake(opaque);
}

static const SlirpCb user_callbacks = {
    .send_packet = cb_send_packet,
    .guest_error = cb_guest_error,
    .clock_get_ns = cb_clock_get_ns,
    .timer_new = cb_timer_new,
    .timer_free = cb_timer_free,
    .timer_mod = cb_timer_mod,
    .register_poll_fd = cb_register_poll_fd,
    .unregister_poll_fd = cb_unregister_poll_fd,
    .notify = cb_notify,
};

/* ---- the polling thread ---- */

static int add_poll(int fd, int events, void *opaque)
{
    NetUser *u = opaque;
    struct pollfd p = { .fd = fd };

    p.events = (events & SLIRP_POLL_IN ? POLLIN : 0) | (events & SLIRP_POLL_OUT ? POLLOUT : 0) |
               (events & SLIRP_POLL_PRI ? POLLPRI : 0);
    g_array_append_val(u->pollfds, p);
    return (int)u->pollfds->len - 1;
}

static int get_revents(int idx, void *opaque)
{
    NetUser *u = opaque;
    short r = g_array_index(u->pollfds, struct pollfd, idx).revents;

    return (r & POLLIN ? SLIRP_POLL_IN : 0) | (r & POLLOUT ? SLIRP_POLL_OUT : 0) |
           (r & POLLPRI ? SLIRP_POLL_PRI : 0) | (r & POLLERR ? SLIRP_POLL_ERR : 0) |
           (r & POLLHUP ? SLIRP_POLL_HUP : 0);
}

/* Fire due timers; returns ms until the next one (or timeout if later). */
static uint32_t run_timers(NetUser *u, uint32_t timeout)
{
    int64_t now = now_ms();

    for (guint i = 0; i < u->timers->len; i++) {
        UserTimer *t = g_ptr_array_index(u->timers, i);
        if (t->expire_ms >= 0 && t->expire_ms <= now) {
            t->expire_ms = -1;
            t->cb(t->cb_opaque);    /* may re-arm or free timers: start over next round */
            return 0;
        }
        if (t->expire_ms >= 0 && t->expire_ms - now < (int64_t)timeout) {
            timeout = (uint32_t)(t->expire_ms - now);
        }
    }
    return timeout;
}

static void deliver_out(NetUser *u)
{
    for (;;) {
        g_mutex_lock(&u->lock);
        GBytes *frame = g_queue_pop_head(&u->out);
        g_mutex_unlock(&u->lock);
        if (!frame) {
            return;
        }
        gsize len;
        const void *data = g_bytes_get_data(frame, &len);
        net_send(u->nc, data, len);
        g_bytes_unref(frame);
    }
}

static gpointer user_thread(gpointer opaque)
{
    NetUser *u = opaque;

    for (;;) {
        uint32_t timeout = 1000;
        g_mutex_lock(&u->lock);
        if (u->stop) {
            g_mutex_unlock(&u->lock);
            return NULL;
        }
        g_array_set_size(u->pollfds, 0);
        add_poll(u->wake_fd, SLIRP_POLL_IN, u);
        slirp_pollfds_fill(u->slirp, &timeout, add_poll, u);
        timeout = run_timers(u, timeout);
        struct pollfd *fds = g_memdup2(u->pollfds->data, sizeof(struct pollfd) * u->pollfds->len);
        guint n = u->pollfds->len;
        g_mutex_unlock(&u->lock);

        deliver_out(u);
        int rc = poll(fds, n, timeout > INT_MAX ? INT_MAX : (int)timeout);

        g_mutex_lock(&u->lock);
        if (fds[0].revents & POLLIN) {
            uint64_t v;
            ssize_t r = read(u->wake_fd, &v, sizeof(v));
            (void)r;
        }
        memcpy(u->pollfds->data, fds, sizeof(struct pollfd) * n);
        slirp_pollfds_poll(u->slirp, rc < 0, get_revents, u);
        g_mutex_unlock(&u->lock);
        g_free(fds);
        deliver_out(u);
    }
}

/* ---- the network client ---- */

static ssize_t user_receive(NetClient *nc, const struct iovec *iov, int iovcnt)
{
    NetUser *u = nc->opaque;
    size_t size = 0;

    for (int i = 0; i < iovcnt; i++) {
        size += iov[i].iov_len;
    }
    uint8_t *frame = g_malloc(size);
    size_t off = 0;
    for (int i = 0; i < iovcnt; i++) {
        memcpy(frame + off, iov[i].iov_base, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    g_mutex_lock(&u->lock);
    slirp_input(u->slirp, frame, (int)size);
    g_mutex_unlock(&u->lock);
    g_free(frame);
    wake(u);    /* answers queued by slirp_input go out from the thread */
    return (ssize_t)size;
}

static void user_cleanup(NetClient *nc)
{
    NetUser *u = nc->opaque;

    if (u->thread) {
        g_mutex_lock(&u->lock);
        u->stop = true;
        g_mutex_unlock(&u->lock);
        wake(u);
        g_thread_join(u->thread);
    }
    if (u->slirp) {
        slirp_cleanup(u->slirp);
    }
    g_queue_clear_full(&u->out, (GDestroyNotify)g_bytes_unref);
    g_ptr_array_free(u->timers, TRUE);
    g_array_free(u->pollfds, TRUE);
    if (u->wake_fd >= 0) {
        close(u->wake_fd);
    }
    for (size_t i = 0; i < USER_DNSSEARCH_MAX; i++) {
        g_free(u->dnssearch[i]);
    }
    g_mutex_clear(&u->lock);
    g_free(u);
}

static const NetClientOps user_ops = {
    .type = "user",
    .receive = user_receive,
    .cleanup = user_cleanup,
};

static NetClient *net_user_new(const char *id, const QDict *opts, GMainContext *ctx,
                               Error **errp)
{
    SlirpConfig cfg;
    UserOpts uo;
    NetUser *u;

    if (!user_parse_opts(opts, &cfg, &uo, errp)) {
        return NULL;
    }
    u = g_new0(NetUser, 1);
    g_mutex_init(&u->lock);
    u->timers = g_ptr_array_new();
    u->pollfds = g_array_new(FALSE, FALSE, sizeof(struct pollfd));
    u->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    u->nc = net_client_new(&user_ops, id, true, u, ctx);
    for (size_t i = 0; i < uo.ndnssearch; i++) {
        u->dnssearch[i] = uo.dnssearch[i];     /* taken over */
        uo.dnssearch[i] = NULL;
    }
    cfg.vdnssearch = uo.ndnssearch ? (const char **)u->dnssearch : NULL;
    if (u->wake_fd < 0) {
        error_setf_errno(errp, errno, "netdev user: cannot create an eventfd");
        goto fail;
    }
    u->slirp = slirp_new(&cfg, &user_callbacks, u);
    if (!u->slirp) {
        error_setf(errp, "netdev user: the network stack refused the configuration");
        goto fail;
    }
    for (size_t i = 0; i < uo.nfwd; i++) {
        const HostFwd *f = &uo.fwd[i];
        if (slirp_add_hostfwd(u->slirp, f->udp, f->host_addr, f->host_port, f->guest_addr,
                              f->guest_port) < 0) {
            error_setf(errp, "Could not set up host forwarding rule '%s'", f->rule);
            goto fail;
        }
    }
    net_client_set_info(u->nc, "index=0,type=user,net=%s,restrict=%s", uo.net_text,
                        cfg.restricted ? "on" : "off");
    user_opts_free(&uo);
    u->thread = g_thread_new("slirp", user_thread, u);
    return u->nc;

fail:
    user_opts_free(&uo);
    net_client_free(u->nc);
    return NULL;
}

void net_user_register(void)
{
    netdev_register_type("user", net_user_new);
}
