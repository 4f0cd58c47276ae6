/*
 * The NBD server's lifecycle: exports, a reader thread and a few workers per
 * connection, and a shutdown that lets in-flight requests finish before it
 * closes anything. The protocol itself is in server-handshake.c and
 * server-cmd.c.
 */
#include "config.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "libcore/tls.h"
#include "nbd/server-int.h"

/* nbd_set_verbose / nbd_verbose live with the client (nbd/client.c). */
void nbd_server_trace(const char *fmt, ...)
{
    if (!nbd_verbose()) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, "nbd server: %s\n", msg);
    g_free(msg);
}

NbdServer *nbd_server_new(const NbdServerConfig *cfg)
{
    NbdServer *srv = g_new0(NbdServer, 1);
    if (cfg) {
        srv->cfg = *cfg;
    }
    if (srv->cfg.tls_creds) {
        object_ref(tls_creds_object(srv->cfg.tls_creds));
    }
    pthread_mutex_init(&srv->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->cond, &attr);
    pthread_condattr_destroy(&attr);
    srv->exports = g_ptr_array_new();
    srv->conns = g_ptr_array_new();
    srv->dead = g_ptr_array_new();
    srv->drain_seconds = NBD_SERVER_DRAIN_SECONDS;
    return srv;
}

/* ---- Exports ---- */

static void export_free(NbdExport *exp)
{
    g_free(exp->name);
    g_free(exp->description);
    g_free(exp);
}

/* Called with srv->lock held. */
static NbdExport *find_export_locked(NbdServer *srv, const char *name, size_t len)
{
    for (guint i = 0; i < srv->exports->len; i++) {
        NbdExport *exp = g_ptr_array_index(srv->exports, i);
        if (strlen(exp->name) == len && memcmp(exp->name, name, len) == 0) {
            return exp;
        }
    }
    return NULL;
}

NbdExport *nbd_server_find_export(NbdServer *srv, const char *name, size_t len)
{
    pthread_mutex_lock(&srv->lock);
    NbdExport *exp = find_export_locked(srv, name, len);
    if (exp) {
        exp->refcnt++;
    }
    pthread_mutex_unlock(&srv->lock);
    return exp;
}

void nbd_export_unref(NbdServer *srv, NbdExport *exp)
{
    pthread_mutex_lock(&srv->lock);
    bool last = --exp->refcnt == 0;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
    if (last) {
        export_free(exp);
    }
}

bool nbd_server_attach_export(NbdConn *conn, const char *name, size_t len)
{
    NbdServer *srv = conn->srv;
    pthread_mutex_lock(&srv->lock);
    NbdExport *exp = srv->shutting_down ? NULL : find_export_locked(srv, name, len);
    if (exp) {
        exp->refcnt++;
        conn->exp = exp;
    }
    pthread_mutex_unlock(&srv->lock);
    return exp != NULL;
}

char **nbd_server_list_exports(NbdServer *srv, char ***descriptions)
{
    pthread_mutex_lock(&srv->lock);
    guint n = srv->exports->len;
    char **names = g_new0(char *, n + 1);
    char **descs = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++) {
        NbdExport *exp = g_ptr_array_index(srv->exports, i);
        names[i] = g_strdup(exp->name);
        descs[i] = g_strdup(exp->description ? exp->description : "");
    }
    pthread_mutex_unlock(&srv->lock);
    *descriptions = descs;
    return names;
}

/* The smallest request size the node handles without read-modify-write. */
static uint32_t export_min_block(BlockBackend *blk)
{
    uint32_t align = bdrv_get_request_alignment(blk_bs(blk));
    if (align > 1 && align <= 65536 && (align & (align - 1)) == 0) {
        return align;
    }
    return 1;
}

bool nbd_server_add_export(NbdServer *srv, const NbdExportConfig *cfg, Error **errp)
{
    const char *name = cfg->name ? cfg->name : "";
    if (strlen(name) > NBD_MAX_STRING_SIZE) {
        error_setf(errp, "Export name is longer than %d bytes", NBD_MAX_STRING_SIZE);
        return false;
    }
    if (cfg->description && strlen(cfg->description) > NBD_MAX_STRING_SIZE) {
        error_setf(errp, "Export description is longer than %d bytes",
                   NBD_MAX_STRING_SIZE);
        return false;
    }
    if (!cfg->blk) {
        error_setf(errp, "Export '%s' has no block backend", name);
        return false;
    }
    if (blk_getlength(cfg->blk) < 0) {
        error_setf_errno(errp, (int)-blk_getlength(cfg->blk),
                         "Cannot get the size of export '%s'", name);
        return false;
    }
    NbdExport *exp = g_new0(NbdExport, 1);
    exp->name = g_strdup(name);
    exp->description = g_strdup(cfg->description);
    exp->blk = cfg->blk;
    exp->read_only = cfg->read_only || blk_is_read_only(cfg->blk);
    exp->allocation_depth = cfg->allocation_depth;
    exp->multi_conn = cfg->multi_conn;
    exp->min_block = export_min_block(cfg->blk);
    exp->refcnt = 1;

    pthread_mutex_lock(&srv->lock);
    bool dup = find_export_locked(srv, name, strlen(name)) != NULL;
    if (!dup) {
        g_ptr_array_add(srv->exports, exp);
    }
    pthread_mutex_unlock(&srv->lock);
    if (dup) {
        error_setf(errp, "NBD export '%s' already exists", name);
        export_free(exp);
        return false;
    }
    return true;
}

/* Stop reading from a connection: its reader sees end of stream, finishes in-flight. */
static void conn_stop_reading(NbdConn *conn)
{
    shutdown(channel_fd(conn->ch), SHUT_RD);
}

/* Cut the channels of the connections using exp (srv->lock held). */
static void cut_export_users_locked(NbdServer *srv, NbdExport *exp)
{
    for (guint i = 0; i < srv->conns->len; i++) {
        NbdConn *conn = g_ptr_array_index(srv->conns, i);
        if (conn->exp == exp) {
            channel_shutdown(conn->ch);
        }
    }
}

static void drain_deadline(NbdServer *srv, struct timespec *deadline)
{
    clock_gettime(CLOCK_MONOTONIC, deadline);
    deadline->tv_sec += srv->drain_seconds;
}

bool nbd_server_remove_export(NbdServer *srv, const char *name, Error **errp)
{
    pthread_mutex_lock(&srv->lock);
    NbdExport *exp = find_export_locked(srv, name, strlen(name));
    if (!exp) {
        pthread_mutex_unlock(&srv->lock);
        error_setf(errp, "Export '%s' is not found", name);
        return false;
    }
    g_ptr_array_remove(srv->exports, exp);
    for (guint i = 0; i < srv->conns->len; i++) {
        NbdConn *conn = g_ptr_array_index(srv->conns, i);
        if (conn->exp == exp) {
            conn_stop_reading(conn);
        }
    }
    /*
     * The caller may drop the BlockBackend once we return: wait for its users,
     * cutting them off if they do not finish (a client not reading replies).
     */
    struct timespec deadline;
    drain_deadline(srv, &deadline);
    bool cut = false;
    while (exp->refcnt > 1) {   /* connections still using it */
        if (!cut && pthread_cond_timedwait(&srv->cond, &srv->lock, &deadline) == ETIMEDOUT) {
            cut_export_users_locked(srv, exp);
            cut = true;
        } else if (cut) {
            pthread_cond_wait(&srv->cond, &srv->lock);
        }
    }
    pthread_mutex_unlock(&srv->lock);
    blk_flush(exp->blk);
    export_free(exp);
    return true;
}

/* ---- Connections ---- */

static NbdConn *conn_new(NbdServer *srv, int fd)
{
    NbdConn *conn = g_new0(NbdConn, 1);
    conn->srv = srv;
    conn->ch = channel_new_fd(fd);
    pthread_mutex_init(&conn->send_lock, NULL);
    pthread_mutex_init(&conn->lock, NULL);
    pthread_cond_init(&conn->cond, NULL);
    return conn;
}

static void conn_free(NbdConn *conn)
{
    pthread_mutex_destroy(&conn->send_lock);
    pthread_mutex_destroy(&conn->lock);
    pthread_cond_destroy(&conn->cond);
    g_free(conn->meta_export);
    g_free(conn);
}

/* Drop the connection's export (under the lock remove_export reads it with). */
static void detach_export(NbdConn *conn)
{
    NbdServer *srv = conn->srv;
    pthread_mutex_lock(&srv->lock);
    NbdExport *exp = conn->exp;
    conn->exp = NULL;
    bool last = exp && --exp->refcnt == 0;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
    if (last) {
        export_free(exp);
    }
}

/* Handshake, then transmission; returns once the connection is over. */
static void conn_run(NbdConn *conn)
{
    if (nbd_server_handshake(conn)) {
        nbd_server_transmission(conn);
    }
    if (conn->tls && !conn->broken) {
        channel_tls_bye(conn->ch);
    }
    detach_export(conn);
}

/* Take the connection off the live list; its channel is closed after this. */
static void conn_retire(NbdConn *conn, bool joinable)
{
    NbdServer *srv = conn->srv;
    pthread_mutex_lock(&srv->lock);
    g_ptr_array_remove(srv->conns, conn);
    channel_free(conn->ch);
    conn->ch = NULL;
    if (joinable) {
        g_ptr_array_add(srv->dead, conn);
    }
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
}

static void *conn_thread(void *opaque)
{
    NbdConn *conn = opaque;
    NbdServer *srv = conn->srv;
    conn_run(conn);
    conn_retire(conn, true);
    if (srv->cfg.client_closed) {
        srv->cfg.client_closed(srv->cfg.opaque);
    }
    return NULL;
}

/* Join the threads of connections that have ended. */
static void reap_dead(NbdServer *srv)
{
    for (;;) {
        pthread_mutex_lock(&srv->lock);
        NbdConn *conn = srv->dead->len ? g_ptr_array_steal_index(srv->dead, 0) : NULL;
        pthread_mutex_unlock(&srv->lock);
        if (!conn) {
            return;
        }
        if (pthread_equal(conn->thread, pthread_self())) {
            pthread_detach(conn->thread);   /* shutdown called from client_closed */
        } else {
            pthread_join(conn->thread, NULL);
        }
        conn_free(conn);
    }
}

void nbd_server_serve_fd(NbdServer *srv, int fd)
{
    reap_dead(srv);
    NbdConn *conn = conn_new(srv, fd);
    pthread_mutex_lock(&srv->lock);
    if (srv->shutting_down) {
        pthread_mutex_unlock(&srv->lock);
        channel_free(conn->ch);
        conn_free(conn);
        return;
    }
    g_ptr_array_add(srv->conns, conn);
    int err = pthread_create(&conn->thread, NULL, conn_thread, conn);
    if (err) {
        g_ptr_array_remove(srv->conns, conn);
    }
    pthread_mutex_unlock(&srv->lock);
    if (err) {
        nbd_server_trace("cannot start a connection thread: %s", strerror(err));
        channel_free(conn->ch);
        conn_free(conn);
    }
}

void nbd_server_serve_fd_sync(NbdServer *srv, int fd)
{
    NbdConn *conn = conn_new(srv, fd);
    conn->inline_exec = true;
    pthread_mutex_lock(&srv->lock);
    bool stop = srv->shutting_down;
    if (!stop) {
        g_ptr_array_add(srv->conns, conn);
    }
    pthread_mutex_unlock(&srv->lock);
    if (stop) {
        channel_free(conn->ch);
        conn_free(conn);
        return;
    }
    conn_run(conn);
    conn_retire(conn, false);
    conn_free(conn);
    if (srv->cfg.client_closed) {
        srv->cfg.client_closed(srv->cfg.opaque);
    }
}

unsigned nbd_server_client_count(NbdServer *srv)
{
    pthread_mutex_lock(&srv->lock);
    unsigned n = srv->conns->len;
    pthread_mutex_unlock(&srv->lock);
    return n;
}

bool nbd_server_is_shutting_down(NbdServer *srv)
{
    pthread_mutex_lock(&srv->lock);
    bool r = srv->shutting_down;
    pthread_mutex_unlock(&srv->lock);
    return r;
}

/* Wait (srv->lock held) until no connection is left or the deadline passes. */
static bool wait_conns_locked(NbdServer *srv, const struct timespec *deadline)
{
    while (srv->conns->len) {
        if (!deadline) {
            pthread_cond_wait(&srv->cond, &srv->lock);
        } else if (pthread_cond_timedwait(&srv->cond, &srv->lock, deadline) == ETIMEDOUT) {
            return srv->conns->len == 0;
        }
    }
    return true;
}

void nbd_server_shutdown(NbdServer *srv)
{
    pthread_mutex_lock(&srv->lock);
    if (srv->shutting_down) {
        /* Done, or being done by another thread: wait for it to finish. */
        while (!srv->shut_down) {
            pthread_cond_wait(&srv->cond, &srv->lock);
        }
        pthread_mutex_unlock(&srv->lock);
        return;
    }
    srv->shutting_down = true;
    /*
     * Readers stop at the next request; workers still answer what is in
     * flight. A client that stops reading our replies could block them for
     * ever, so after a grace period every channel is cut in both directions.
     */
    for (guint i = 0; i < srv->conns->len; i++) {
        conn_stop_reading(g_ptr_array_index(srv->conns, i));
    }
    struct timespec deadline;
    drain_deadline(srv, &deadline);
    if (!wait_conns_locked(srv, &deadline)) {
        for (guint i = 0; i < srv->conns->len; i++) {
            NbdConn *conn = g_ptr_array_index(srv->conns, i);
            channel_shutdown(conn->ch);
        }
        wait_conns_locked(srv, NULL);
    }
    pthread_mutex_unlock(&srv->lock);

    reap_dead(srv);

    pthread_mutex_lock(&srv->lock);
    for (guint i = 0; i < srv->exports->len; i++) {
        NbdExport *exp = g_ptr_array_index(srv->exports, i);
        blk_flush(exp->blk);
    }
    srv->shut_down = true;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
}

void nbd_server_free(NbdServer *srv)
{
    if (!srv) {
        return;
    }
    nbd_server_shutdown(srv);
    for (guint i = 0; i < srv->exports->len; i++) {
        export_free(g_ptr_array_index(srv->exports, i));
    }
    g_ptr_array_free(srv->exports, TRUE);
    g_ptr_array_free(srv->conns, TRUE);
    g_ptr_array_free(srv->dead, TRUE);
    if (srv->cfg.tls_creds) {
        object_unref(tls_creds_object(srv->cfg.tls_creds));
    }
    pthread_mutex_destroy(&srv->lock);
    pthread_cond_destroy(&srv->cond);
    g_free(srv);
}
