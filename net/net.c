/*
 * Network clients: the registry of back ends, the peer links, frame delivery
 * with a bounded queue and flow control, and -netdev parsing.
 */
#include "config.h"
#include "net/net.h"

#include <stdarg.h>
#include <string.h>

#include "libcore/cutils.h"
#include "libcore/opts.h"

static GMutex registry_lock;
static GList *clients;          /* every client, oldest first */

NetClient *net_client_new(const NetClientOps *ops, const char *name, bool is_netdev,
                          void *opaque, GMainContext *ctx)
{
    NetClient *nc = g_new0(NetClient, 1);

    nc->ops = ops;
    nc->name = g_strdup(name);
    nc->is_netdev = is_netdev;
    nc->opaque = opaque;
    nc->ctx = ctx;
    g_queue_init(&nc->queue);
    g_mutex_init(&nc->lock);
    g_mutex_lock(&registry_lock);
    clients = g_list_append(clients, nc);
    g_mutex_unlock(&registry_lock);
    return nc;
}

void net_client_free(NetClient *nc)
{
    if (!nc) {
        return;
    }
    g_mutex_lock(&registry_lock);
    clients = g_list_remove(clients, nc);
    if (nc->peer) {
        nc->peer->peer = NULL;
    }
    g_mutex_unlock(&registry_lock);
    if (nc->ops->cleanup) {
        nc->ops->cleanup(nc);
    }
    g_queue_clear_full(&nc->queue, (GDestroyNotify)g_bytes_unref);
    g_mutex_clear(&nc->lock);
    g_free(nc->name);
    g_free(nc->info);
    g_free(nc);
}

void net_client_set_info(NetClient *nc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_free(nc->info);
    nc->info = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

NetClient *net_client_find(const char *name)
{
    NetClient *found = NULL;

    g_mutex_lock(&registry_lock);
    for (GList *l = clients; l && !found; l = l->next) {
        NetClient *nc = l->data;
        if (nc->is_netdev && !g_strcmp0(nc->name, name)) {
            found = nc;
        }
    }
    g_mutex_unlock(&registry_lock);
    return found;
}

bool net_client_link(NetClient *a, NetClient *b, Error **errp)
{
    bool ok;

    g_mutex_lock(&registry_lock);
    ok = !a->peer && !b->peer && a != b;
    if (ok) {
        a->peer = b;
        b->peer = a;
    }
    g_mutex_unlock(&registry_lock);
    if (!ok) {
        error_setf(errp, "netdev '%s' is already in use", b->is_netdev ? b->name : a->name);
    }
    return ok;
}

static size_t iov_bytes(const struct iovec *iov, int iovcnt)
{
    size_t n = 0;
    for (int i = 0; i < iovcnt; i++) {
        n += iov[i].iov_len;
    }
    return n;
}

static bool peer_has_room(NetClient *peer)
{
    return g_queue_is_empty(&peer->queue) &&
           (!peer->ops->can_receive || peer->ops->can_receive(peer));
}

/* Hold a copy of the frame for peer; false when the queue is full. */
static bool enqueue(NetClient *peer, const struct iovec *iov, int iovcnt, size_t size)
{
    if (g_queue_get_length(&peer->queue) >= NET_QUEUE_MAX) {
        return false;
    }
    uint8_t *copy = g_malloc(size);
    size_t off = 0;
    for (int i = 0; i < iovcnt; i++) {
        memcpy(copy + off, iov[i].iov_base, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    g_queue_push_tail(&peer->queue, g_bytes_new_take(copy, size));
    return true;
}

ssize_t net_sendv(NetClient *nc, const struct iovec *iov, int iovcnt)
{
    size_t size = iov_bytes(iov, iovcnt);
    NetClient *peer = nc->peer;
    ssize_t ret = (ssize_t)size;

    if (!peer || size > NET_FRAME_MAX) {
        return ret;     /* no cable, or a frame no link carries: dropped */
    }
    g_mutex_lock(&peer->lock);
    if (peer_has_room(peer) && peer->ops->receive(peer, iov, iovcnt) != 0) {
        g_mutex_unlock(&peer->lock);
        return ret;
    }
    if (enqueue(peer, iov, iovcnt, size)) {
        ret = 0;
        if (nc->ops->read_poll) {
            nc->ops->read_poll(nc, false);
        }
    }
    g_mutex_unlock(&peer->lock);
    return ret;
}

ssize_t net_send(NetClient *nc, const void *buf, size_t len)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    return net_sendv(nc, &iov, 1);
}

void net_client_flush(NetClient *nc)
{
    bool drained;

    g_mutex_lock(&nc->lock);
    while (!g_queue_is_empty(&nc->queue) &&
           (!nc->ops->can_receive || nc->ops->can_receive(nc))) {
        GBytes *frame = g_queue_peek_head(&nc->queue);
        gsize len;
        struct iovec iov = { .iov_base = (void *)g_bytes_get_data(frame, &len) };
        iov.iov_len = len;
        if (nc->ops->receive(nc, &iov, 1) == 0) {
            break;
        }
        g_bytes_unref(g_queue_pop_head(&nc->queue));
    }
    drained = g_queue_is_empty(&nc->queue);
    g_mutex_unlock(&nc->lock);
    if (drained && nc->peer && nc->peer->ops->read_poll) {
        nc->peer->ops->read_poll(nc->peer, true);
    }
}

/* ---- -netdev ---- */

/* Back end types: the built-in ones, and those a program registers (user). */
typedef struct NetdevType {
    const char *type;
    NetdevNew *create;
} NetdevType;

static NetdevType netdev_types[8] = {
    { "socket", net_socket_new },
    { "tap", net_tap_new },
};
static size_t n_netdev_types = 2;

void netdev_register_type(const char *type, NetdevNew *create)
{
    g_mutex_lock(&registry_lock);
    g_assert(n_netdev_types < G_N_ELEMENTS(netdev_types));
    netdev_types[n_netdev_types++] = (NetdevType){ type, create };
    g_mutex_unlock(&registry_lock);
}

static bool in_list(const char *const *list, const char *key, size_t len)
{
    for (size_t j = 0; list && list[j]; j++) {
        if (strlen(list[j]) == len && !strncmp(list[j], key, len)) {
            return true;
        }
    }
    return false;
}

bool net_check_keys(const QDict *opts, const char *const *allowed,
                    const char *const *repeatable, const char *type, Error **errp)
{
    for (size_t i = 0; i < qdict_size(opts); i++) {
        const char *key = qdict_key_at(opts, i);
        const char *dot = strchr(key, '.');
        bool known = !strcmp(key, "type") || !strcmp(key, "id");
        if (dot && in_list(repeatable, key, (size_t)(dot - key))) {
            continue;
        }
        if (dot) {
            error_setf(errp, "Parameter '%.*s' may be given once", (int)(dot - key), key);
            return false;
        }
        for (size_t j = 0; allowed[j] && !known; j++) {
            known = !strcmp(key, allowed[j]);
        }
        if (!known) {
            error_setf(errp, "Invalid parameter '%s' for netdev type '%s'", key, type);
            return false;
        }
    }
    return true;
}

bool net_parse_host_port(const char *str, char **host, char **port, const char *what,
                         Error **errp)
{
    const char *colon = strrchr(str, ':');
    const char *h = str, *hend = colon;

    if (!colon || !colon[1]) {
        error_setf(errp, "%s: '%s' is not host:port", what, str);
        return false;
    }
    if (*h == '[' && hend > h && hend[-1] == ']') {     /* [v6]:port */
        h++;
        hend--;
    }
    for (const char *p = colon + 1; *p; p++) {
        if (!g_ascii_isdigit(*p)) {
            error_setf(errp, "%s: port '%s' is not a number", what, colon + 1);
            return false;
        }
    }
    *host = hend > h ? g_strndup(h, hend - h) : NULL;
    *port = g_strdup(colon + 1);
    return true;
}

ssize_t net_stream_frames(const uint8_t *buf, size_t have,
                          void (*frame)(void *opaque, const uint8_t *data, size_t len),
                          void *opaque)
{
    size_t off = 0;

    while (have - off >= 4) {
        uint32_t len = (uint32_t)buf[off] << 24 | buf[off + 1] << 16 | buf[off + 2] << 8 |
                       buf[off + 3];
        if (len > NET_FRAME_MAX) {
            return -1;
        }
        if (have - off - 4 < len) {
            break;
        }
        frame(opaque, buf + off + 4, len);
        off += 4 + len;
    }
    return (ssize_t)off;
}

NetClient *netdev_add(const QDict *opts, GMainContext *ctx, Error **errp)
{
    const char *type = qdict_get_str(opts, "type");
    const char *id;

    if (!type) {
        error_setf(errp, "Parameter 'type' is missing");
        return NULL;
    }
    if (!(id = opts_get_id(opts, errp))) {
        return NULL;
    }
    if (net_client_find(id)) {
        error_setf(errp, "Duplicate ID '%s' for netdev", id);
        return NULL;
    }
    for (size_t i = 0; i < n_netdev_types; i++) {
        if (!strcmp(type, netdev_types[i].type)) {
            return netdev_types[i].create(id, opts, ctx, errp);
        }
    }
    GString *names = g_string_new(NULL);
    for (size_t i = 0; i < n_netdev_types; i++) {
        g_string_append_printf(names, "%s%s", i ? ", " : "", netdev_types[i].type);
    }
    error_setf(errp, "Parameter 'type' expects a netdev backend type (%s)", names->str);
    g_string_free(names, TRUE);
    return NULL;
}

NetClient *netdev_add_str(const char *optstr, GMainContext *ctx, Error **errp)
{
    QDict *opts = opts_parse_full(optstr, "type", OPTS_REPEAT_INDEX, errp);
    NetClient *nc;

    if (!opts) {
        return NULL;
    }
    nc = netdev_add(opts, ctx, errp);
    qobject_unref(opts);
    return nc;
}

bool netdev_del(const char *id, Error **errp)
{
    NetClient *nc = net_client_find(id);

    if (!nc) {
        error_setf(errp, "Device '%s' not found", id);
        return false;
    }
    net_client_free(nc);
    return true;
}

NetClient **netdev_list(size_t *count)
{
    GPtrArray *a = g_ptr_array_new();

    g_mutex_lock(&registry_lock);
    for (GList *l = clients; l; l = l->next) {
        if (((NetClient *)l->data)->is_netdev) {
            g_ptr_array_add(a, l->data);
        }
    }
    g_mutex_unlock(&registry_lock);
    *count = a->len;
    return (NetClient **)g_ptr_array_free(a, FALSE);
}

char *net_info_text(void)
{
    GString *s = g_string_new(NULL);

    g_mutex_lock(&registry_lock);
    /* Front ends with the back end behind them, then back ends on their own. */
    for (int pass = 0; pass < 2; pass++) {
        for (GList *l = clients; l; l = l->next) {
            NetClient *nc = l->data;
            if (pass == 0 && !nc->is_netdev) {
                g_string_append_printf(s, "%s: %s\n", nc->name ? nc->name : "nic",
                                       nc->info ? nc->info : "");
                if (nc->peer) {
                    g_string_append_printf(s, " \\ %s: %s\n", nc->peer->name,
                                           nc->peer->info ? nc->peer->info : "");
                }
            } else if (pass == 1 && nc->is_netdev && !nc->peer) {
                g_string_append_printf(s, "%s: %s\n", nc->name, nc->info ? nc->info : "");
            }
        }
    }
    g_mutex_unlock(&registry_lock);
    return g_string_free(s, FALSE);
}
