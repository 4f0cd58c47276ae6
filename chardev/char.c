/*
 * Character device core: the registry, option parsing (-chardev and the
 * short -serial forms), the null back end, and the front end attachment with
 * its flow control.
 */
#include "config.h"
#include "chardev/char.h"
#include "chardev/char-int.h"

#include <string.h>

#include "libcore/opts.h"

static GMutex registry_lock;
static GPtrArray *chardevs;

/* ---- null ---- */

static bool null_open(Chardev *chr, const QDict *opts, Error **errp)
{
    return true;
}

static ssize_t null_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    return (ssize_t)len;
}

static const char *const no_keys[] = { NULL };
static const ChardevOps null_ops = {
    .name = "null", .keys = no_keys, .open = null_open, .write = null_write,
};

static const ChardevOps *const backends[] = {
    &null_ops, &chardev_file_ops, &chardev_pipe_ops, &chardev_stdio_ops, &chardev_pty_ops,
    &chardev_socket_ops, &chardev_ringbuf_ops,
};

/* Known but not provided: refused with a reason rather than "unknown". */
static const struct {
    const char *name, *why;
} refused[] = {
    { "vc", "there is no display (use -nographic, or a stdio or pty chardev)" },
    { "udp", "the udp backend is not supported" },
    { "serial", "host serial ports are not supported (use a pty)" },
    { "tty", "host serial ports are not supported (use a pty)" },
    { "parallel", "host parallel ports are not supported" },
    { "spicevmc", "there is no SPICE support" },
    { "msmouse", "the msmouse backend is not supported" },
};

static bool check_keys(const QDict *opts, const ChardevOps *ops, Error **errp)
{
    for (size_t i = 0; i < qdict_size(opts); i++) {
        const char *key = qdict_key_at(opts, i);
        bool known = !strcmp(key, "backend") || !strcmp(key, "id");
        for (size_t k = 0; ops->keys[k] && !known; k++) {
            known = !strcmp(key, ops->keys[k]);
        }
        known = known || !strcmp(key, "mux");
        if (!known) {
            error_setf(errp, "Invalid parameter '%s' for chardev backend '%s'", key, ops->name);
            return false;
        }
    }
    return true;
}

static const ChardevOps *find_backend(const char *name, Error **errp)
{
    for (size_t i = 0; i < G_N_ELEMENTS(backends); i++) {
        if (!strcmp(backends[i]->name, name)) {
            return backends[i];
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        if (!strcmp(refused[i].name, name)) {
            error_setf(errp, "chardev '%s': %s", name, refused[i].why);
            return NULL;
        }
    }
    error_setf(errp, "'%s' is not a valid char driver name", name);
    return NULL;
}

Chardev *chardev_new(const QDict *opts, GMainContext *ctx, Error **errp)
{
    const char *backend = qdict_get_str(opts, "backend");
    const char *id;
    const ChardevOps *ops;

    if (!backend) {
        error_setf(errp, "chardev: \"backend\" is missing");
        return NULL;
    }
    if (!(ops = find_backend(backend, errp))) {
        return NULL;
    }
    if (!(id = opts_get_id(opts, errp))) {
        return NULL;
    }
    if (chardev_find(id)) {
        error_setf(errp, "Duplicate ID '%s' for chardev", id);
        return NULL;
    }
    bool mux;
    if (!check_keys(opts, ops, errp) || !opts_get_bool(opts, "mux", false, &mux, errp)) {
        return NULL;
    }
    Chardev *base = NULL;
    if (mux) {
        /* The back end first, as ID-base; the multiplexer takes the ID. */
        QDict *bopts = (QDict *)qobject_clone((QObject *)opts);
        g_autofree char *bid = g_strdup_printf("%s-base", id);
        qdict_del(bopts, "mux");
        qdict_put_str(bopts, "id", bid);
        base = chardev_new(bopts, ctx, errp);
        qobject_unref(bopts);
        if (!base) {
            return NULL;
        }
    }
    Chardev *chr = g_new0(Chardev, 1);
    chr->id = g_strdup(id);
    chr->ops = ops;
    chr->ctx = ctx;
    chr->filename = g_strdup(ops->name);
    g_mutex_init(&chr->write_lock);
    if (base ? !chardev_mux_new(chr, base, errp) : !ops->open(chr, opts, errp)) {
        chardev_free(base);
        g_mutex_clear(&chr->write_lock);
        g_free(chr->filename);
        g_free(chr->id);
        g_free(chr);
        return NULL;
    }
    g_mutex_lock(&registry_lock);
    if (!chardevs) {
        chardevs = g_ptr_array_new();
    }
    g_ptr_array_add(chardevs, chr);
    g_mutex_unlock(&registry_lock);
    return chr;
}

Chardev *chardev_new_str(const char *optstr, GMainContext *ctx, Error **errp)
{
    QDict *opts = opts_parse(optstr, "backend", errp);
    Chardev *chr;

    if (!opts) {
        return NULL;
    }
    chr = chardev_new(opts, ctx, errp);
    qobject_unref(opts);
    return chr;
}

/* "tcp:HOST:PORT,opts" / "unix:PATH,opts": the socket options after the address. */
static bool legacy_socket_opts(QDict *d, const char *rest, Error **errp)
{
    QDict *o = opts_parse_full(rest, NULL, OPTS_BARE_KEYS, errp);

    if (!o) {
        return false;
    }
    for (size_t i = 0; i < qdict_size(o); i++) {
        const char *k = qdict_key_at(o, i), *v = qdict_get_str(o, k);
        /* The old spellings: "nowait" and "nodelay" as bare words. */
        if (!strcmp(k, "nowait")) {
            qdict_put_str(d, "wait", "off");
        } else {
            qdict_put_str(d, k, v);
        }
    }
    qobject_unref(o);
    return true;
}

static QDict *legacy_dict(const char *spec, Error **errp)
{
    QDict *d = qdict_new();
    const char *colon = strchr(spec, ':');
    g_autofree char *kind = colon ? g_strndup(spec, colon - spec) : g_strdup(spec);
    const char *arg = colon ? colon + 1 : NULL;
    bool ok = true;

    if (!arg && (!strcmp(kind, "null") || !strcmp(kind, "stdio") || !strcmp(kind, "pty") ||
                 !strcmp(kind, "vc") || !strcmp(kind, "msmouse"))) {
        qdict_put_str(d, "backend", kind);
    } else if (arg && (!strcmp(kind, "file") || !strcmp(kind, "pipe"))) {
        qdict_put_str(d, "backend", kind);
        qdict_put_str(d, "path", arg);
    } else if (arg && !strcmp(kind, "tcp")) {
        const char *comma = strchr(arg, ',');
        g_autofree char *addr = comma ? g_strndup(arg, comma - arg) : g_strdup(arg);
        char *pc = strrchr(addr, ':');
        if (!pc || !pc[1]) {
            error_setf(errp, "tcp: '%s' is not [host]:port", addr);
            ok = false;
        } else {
            *pc = '\0';
            qdict_put_str(d, "backend", "socket");
            qdict_put_str(d, "host", *addr ? addr : "0.0.0.0");
            qdict_put_str(d, "port", pc + 1);
            ok = !comma || legacy_socket_opts(d, comma + 1, errp);
        }
    } else if (arg && !strcmp(kind, "unix")) {
        const char *comma = strchr(arg, ',');
        qdict_put_str(d, "backend", "socket");
        qdict_put(d, "path", qstring_take(comma ? g_strndup(arg, comma - arg) : g_strdup(arg)));
        ok = !comma || legacy_socket_opts(d, comma + 1, errp);
    } else if (!strcmp(kind, "udp") || !strcmp(kind, "telnet") || !strcmp(kind, "vc")) {
        error_setf(errp, "chardev '%s': %s", spec, !strcmp(kind, "vc") ? "there is no display"
                   : "this backend is not supported");
        ok = false;
    } else {
        error_setf(errp, "'%s' is not a valid character device", spec);
        ok = false;
    }
    if (!ok) {
        qobject_unref(d);
        return NULL;
    }
    return d;
}

Chardev *chardev_new_legacy(const char *id, const char *spec, GMainContext *ctx, Error **errp)
{
    bool mon = g_str_has_prefix(spec, "mon:");

    spec += mon ? 4 : 0;
    if (g_str_has_prefix(spec, "chardev:")) {
        Chardev *chr = chardev_find(spec + 8);
        if (!chr) {
            error_setf(errp, "chardev '%s' not found", spec + 8);
        }
        return chr;
    }
    QDict *d = legacy_dict(spec, errp);
    if (!d) {
        return NULL;
    }
    qdict_put_str(d, "id", id);
    if (mon) {
        qdict_put_str(d, "mux", "on");
    }
    Chardev *chr = chardev_new(d, ctx, errp);
    qobject_unref(d);
    return chr;
}

Chardev *chardev_find(const char *id)
{
    Chardev *found = NULL;

    g_mutex_lock(&registry_lock);
    for (guint i = 0; chardevs && i < chardevs->len && !found; i++) {
        Chardev *c = g_ptr_array_index(chardevs, i);
        if (!strcmp(c->id, id)) {
            found = c;
        }
    }
    g_mutex_unlock(&registry_lock);
    return found;
}

Chardev **chardev_list(size_t *count)
{
    GPtrArray *a = g_ptr_array_new();

    g_mutex_lock(&registry_lock);
    for (guint i = 0; chardevs && i < chardevs->len; i++) {
        g_ptr_array_add(a, g_ptr_array_index(chardevs, i));
    }
    g_mutex_unlock(&registry_lock);
    *count = a->len;
    return (Chardev **)g_ptr_array_free(a, FALSE);
}

void chardev_free(Chardev *chr)
{
    if (!chr) {
        return;
    }
    g_mutex_lock(&registry_lock);
    g_ptr_array_remove(chardevs, chr);
    g_mutex_unlock(&registry_lock);
    if (chr->ops->close) {
        chr->ops->close(chr);
    }
    g_mutex_clear(&chr->write_lock);
    g_free(chr->filename);
    g_free(chr->id);
    g_free(chr);
}

/* ---- front end ---- */

bool chardev_set_frontend(Chardev *chr, const CharFrontend *fe, Error **errp)
{
    if (chardev_is_mux(chr)) {
        return chardev_mux_add_frontend(chr, fe, errp);
    }
    if (chr->has_fe) {
        error_setf(errp, "Device '%s' is in use", chr->id);
        return false;
    }
    chr->fe = *fe;
    chr->has_fe = true;
    if (chr->connected && fe->event) {
        fe->event(fe->opaque, CHR_EVENT_OPENED);
    }
    chardev_accept_input(chr);
    return true;
}

void chardev_clear_frontend(Chardev *chr)
{
    memset(&chr->fe, 0, sizeof(chr->fe));
    chr->has_fe = false;
}

void chardev_accept_input(Chardev *chr)
{
    if (chr->ops->accept_input) {
        chr->ops->accept_input(chr);
    }
}

size_t chardev_frontend_room(Chardev *chr)
{
    return chr->has_fe && chr->fe.can_read ? chr->fe.can_read(chr->fe.opaque) : 0;
}

void chardev_deliver(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (chr->has_fe && chr->fe.read && len) {
        chr->fe.read(chr->fe.opaque, buf, len);
    }
}

void chardev_send_event(Chardev *chr, int event)
{
    if (chr->has_fe && chr->fe.event) {
        chr->fe.event(chr->fe.opaque, event);
    }
}

bool chardev_write_all(Chardev *chr, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    bool ok = true;

    g_mutex_lock(&chr->write_lock);
    while (done < len) {
        ssize_t n = chr->ops->write(chr, buf + done, len - done);
        if (n < 0) {
            ok = false;
            break;
        }
        if (n == 0) {
            g_usleep(1000);     /* a full peer: wait for it, as a terminal would */
            continue;
        }
        done += (size_t)n;
    }
    g_mutex_unlock(&chr->write_lock);
    return ok;
}
