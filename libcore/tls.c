/*
 * TLS sessions over a Channel: credential look-up by object id, the blocking
 * handshake, and the record-layer transport that replaces the plain one.
 * gnutls lets one thread receive while another sends on a session, so the
 * two directions share no lock here (the NBD server relies on that).
 */
#include "config.h"
#include "libcore/tls-int.h"
#include "libcore/channel-int.h"

#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

typedef struct TlsSession {
    gnutls_session_t s;
    TlsCreds *creds;        /* a reference, held while the session lives */
} TlsSession;

/* ---- credentials ---- */

TlsCreds *tls_creds_lookup(const char *id, TlsEndpoint endpoint, Error **errp)
{
    Object *obj = user_object_find(id);
    if (!obj) {
        error_setf(errp, "No TLS credentials with id '%s'", id);
        return NULL;
    }
    if (!type_is_a(obj->type, TYPE_TLS_CREDS)) {
        error_setf(errp, "Object with id '%s' is not TLS credentials", id);
        return NULL;
    }
    TlsCreds *creds = (TlsCreds *)obj;
    if (creds->endpoint != endpoint) {
        error_setf(errp, "Expecting TLS credentials with a %s endpoint",
                   endpoint == TLS_ENDPOINT_SERVER ? "server" : "client");
        return NULL;
    }
    return creds;
}

Object *tls_creds_object(TlsCreds *creds)
{
    return &creds->parent;
}

const char *tls_creds_type(const TlsCreds *creds)
{
    return creds->parent.type->name;
}

/* ---- transport under gnutls: the channel's own fd ---- */

static ssize_t tls_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
    return channel_sys_read(ptr, buf, len);
}

static ssize_t tls_push(gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
    return channel_sys_writev(ptr, iov, iovcnt);
}

/* gnutls asks whether data is waiting (TLS 1.3 post-handshake messages). */
static int tls_pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
    struct pollfd pfd = { .fd = channel_fd(ptr), .events = POLLIN };
    int timeout = ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)MIN(ms, (unsigned int)G_MAXINT);
    int rc;
    do {
        rc = poll(&pfd, 1, timeout);
    } while (rc < 0 && errno == EINTR);
    return rc;
}

/* ---- the record layer as channel ops ---- */

static bool tls_retry(ssize_t rc)
{
    return rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED;
}

static ssize_t tls_read(Channel *ch, void *buf, size_t len, Error **errp)
{
    TlsSession *ts = channel_transport_opaque(ch);
    for (;;) {
        ssize_t rc = gnutls_record_recv(ts->s, buf, len);
        if (rc >= 0) {
            return rc;
        }
        if (!gnutls_error_is_fatal(rc)) {
            continue;       /* EAGAIN, EINTR, warnings, renegotiation requests */
        }
        /*
         * A peer that closes without close_notify ends the stream like a clean
         * close; protocols see a short message as an error at their level.
         */
        if (rc == GNUTLS_E_PREMATURE_TERMINATION || channel_is_shut_down(ch)) {
            return 0;
        }
        error_setf(errp, "Cannot read from TLS channel: %s", gnutls_strerror(rc));
        return -1;
    }
}

/* Send one buffer as (part of) a record; partial counts are fine for writev_all. */
static ssize_t tls_send(TlsSession *ts, const void *buf, size_t len, Error **errp)
{
    ssize_t rc;
    do {
        rc = gnutls_record_send(ts->s, buf, len);
    } while (tls_retry(rc));
    if (rc < 0) {
        error_setf(errp, "Cannot write to TLS channel: %s", gnutls_strerror(rc));
        return -1;
    }
    return rc;
}

/*
 * Small pieces (a protocol header before its payload) are gathered into one
 * record; a large piece goes out directly from the caller's buffer.
 */
static ssize_t tls_writev(Channel *ch, const struct iovec *iov, int iovcnt, Error **errp)
{
    TlsSession *ts = channel_transport_opaque(ch);
    char gather[16384];
    size_t used = 0;
    if (iov[0].iov_len >= sizeof(gather)) {
        return tls_send(ts, iov[0].iov_base, iov[0].iov_len, errp);
    }
    for (int i = 0; i < iovcnt && used < sizeof(gather); i++) {
        size_t n = MIN(iov[i].iov_len, sizeof(gather) - used);
        memcpy(gather + used, iov[i].iov_base, n);
        used += n;
    }
    return tls_send(ts, gather, used, errp);
}

static void tls_session_free(TlsSession *ts)
{
    gnutls_deinit(ts->s);
    object_unref(tls_creds_object(ts->creds));
    g_free(ts);
}

static void tls_free(Channel *ch)
{
    tls_session_free(channel_transport_opaque(ch));
}

static const ChannelOps tls_ops = {
    .name = "tls",
    .is_tls = true,
    .read = tls_read,
    .writev = tls_writev,
    .free = tls_free,
};

/* After a failed handshake the stream is in an unknown state: refuse it all. */
static ssize_t broken_read(Channel *ch, void *buf, size_t len, Error **errp)
{
    error_setf(errp, "The TLS handshake failed on this channel");
    return -1;
}

static ssize_t broken_writev(Channel *ch, const struct iovec *iov, int iovcnt, Error **errp)
{
    error_setf(errp, "The TLS handshake failed on this channel");
    return -1;
}

static const ChannelOps broken_ops = {
    .name = "tls-failed",
    .is_tls = true,
    .read = broken_read,
    .writev = broken_writev,
};

/* ---- handshake ---- */

static bool is_ip_literal(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static bool tls_session_init(TlsSession *ts, Channel *ch, const char *hostname, Error **errp)
{
    TlsCreds *c = ts->creds;
    bool server = c->endpoint == TLS_ENDPOINT_SERVER;
    int rc = gnutls_init(&ts->s, server ? GNUTLS_SERVER : GNUTLS_CLIENT);
    if (rc < 0) {
        error_setf(errp, "Cannot initialize TLS session: %s", gnutls_strerror(rc));
        ts->s = NULL;
        return false;
    }
    g_autofree char *prio = g_strconcat(c->priority ? c->priority : "NORMAL",
                                        c->kind->priority_extra, NULL);
    const char *where = NULL;
    rc = gnutls_priority_set_direct(ts->s, prio, &where);
    if (rc < 0) {
        error_setf(errp, "Unable to set TLS session priority %s: %s", prio,
                   gnutls_strerror(rc));
        return false;
    }
    if (!c->kind->session_setup(c, ts->s, errp)) {
        return false;
    }
    /* SNI carries names only, never address literals. */
    if (!server && hostname && *hostname && !is_ip_literal(hostname)) {
        gnutls_server_name_set(ts->s, GNUTLS_NAME_DNS, hostname, strlen(hostname));
    }
    gnutls_transport_set_ptr(ts->s, ch);
    gnutls_transport_set_pull_function(ts->s, tls_pull);
    gnutls_transport_set_vec_push_function(ts->s, tls_push);
    gnutls_transport_set_pull_timeout_function(ts->s, tls_pull_timeout);
    return true;
}

static bool tls_handshake(TlsSession *ts, Error **errp)
{
    int rc;
    do {
        rc = gnutls_handshake(ts->s);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc < 0) {
        error_setf(errp, "TLS handshake failed: %s", gnutls_strerror(rc));
        return false;
    }
    return true;
}

bool channel_start_tls(Channel *ch, TlsCreds *creds, const char *hostname, Error **errp)
{
    if (channel_is_tls(ch)) {
        error_setf(errp, "TLS is already active on this channel");
        return false;
    }
    if (!creds->loaded || !creds->kind) {
        error_setf(errp, "TLS credentials are not loaded");
        return false;
    }
    TlsSession *ts = g_new0(TlsSession, 1);
    ts->creds = creds;
    object_ref(tls_creds_object(creds));
    bool ok = tls_session_init(ts, ch, hostname, errp) && tls_handshake(ts, errp) &&
              (!creds->kind->session_check ||
               creds->kind->session_check(creds, ts->s, hostname, errp));
    if (!ok) {
        if (ts->s) {
            gnutls_deinit(ts->s);
        }
        object_unref(tls_creds_object(creds));
        g_free(ts);
        channel_set_transport(ch, &broken_ops, NULL);
        return false;
    }
    channel_set_transport(ch, &tls_ops, ts);
    return true;
}

void channel_tls_bye(Channel *ch)
{
    if (channel_transport_ops(ch) != &tls_ops) {
        return;
    }
    TlsSession *ts = channel_transport_opaque(ch);
    int rc;
    do {
        rc = gnutls_bye(ts->s, GNUTLS_SHUT_WR);
    } while (tls_retry(rc));
}
