/*
 * TLS test driver for tests/functional/tls-channel.sh. Modes:
 *
 *   tls-echo create OBJECT
 *       create one --object and print "ok" or "error: <message>".
 *   tls-echo pair SERVER-OBJECT CLIENT-OBJECT [HOSTNAME]
 *       create both objects (ids must be "srv" and "cli"), run a server and a
 *       client over loopback TCP in two threads, send a megabyte through an
 *       echo while the client reads and writes from two threads at once, and
 *       print "server: ok|error: ..." and "client: ok|error: ...".
 *   tls-echo shutdown SERVER-OBJECT CLIENT-OBJECT
 *       after the handshake, channel_shutdown from the main thread must end a
 *       server read blocked in TLS with a clean end of stream.
 *   tls-echo serve SERVER-OBJECT
 *       listen on 127.0.0.1, print the port, serve one TLS echo client (an
 *       independent TLS implementation in the test script) until it closes.
 *   tls-echo connect CLIENT-OBJECT PORT [HOSTNAME]
 *       TLS client against 127.0.0.1:PORT (gnutls-serv --echo): send a line,
 *       expect it back.
 *
 * Any mode may be preceded by "--object OBJECT" pairs (secrets, say).
 * Exit status 0 only when everything asked for succeeded.
 */
#include "config.h"
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "libcore/channel.h"
#include "libcore/object.h"
#include "libcore/sockets.h"
#include "libcore/tls.h"

#define PAYLOAD (1024 * 1024)

static bool create(const char *optstr)
{
    Error *err = NULL;
    if (!user_object_create_str(optstr, &err)) {
        printf("error: %s\n", error_message(err));
        error_free(err);
        return false;
    }
    return true;
}

static bool report(const char *who, Error *err)
{
    if (err) {
        printf("%s: error: %s\n", who, error_message(err));
        error_free(err);
        return false;
    }
    printf("%s: ok\n", who);
    return true;
}

/* ---- pair mode ---- */

typedef struct Side {
    Channel *ch;
    const char *hostname;
    Error *err;
    unsigned char *data;
} Side;

/* Echo everything back until the client's close_notify (or EOF). */
static gpointer server_thread(gpointer opaque)
{
    Side *s = opaque;
    TlsCreds *creds = tls_creds_lookup("srv", TLS_ENDPOINT_SERVER, &s->err);
    if (!creds || !channel_start_tls(s->ch, creds, NULL, &s->err)) {
        channel_shutdown(s->ch);
        return NULL;
    }
    char buf[8192];
    size_t total = 0;
    for (;;) {
        ssize_t n = channel_read(s->ch, buf, sizeof(buf), &s->err);
        if (n <= 0) {
            break;
        }
        total += n;
        if (!channel_write_all(s->ch, buf, n, &s->err)) {
            break;
        }
    }
    if (!s->err && total != PAYLOAD) {
        error_setf(&s->err, "echoed %zu bytes, expected %d", total, PAYLOAD);
    }
    channel_tls_bye(s->ch);
    return NULL;
}

static gpointer client_writer(gpointer opaque)
{
    Side *s = opaque;
    Error *err = NULL;
    /*
     * Uneven pieces so records and reads do not line up; some larger than a
     * TLS record, which the channel must split.
     */
    for (size_t off = 0, i = 0; off < PAYLOAD && !err; i++) {
        size_t n = MIN(i % 3 ? (size_t)(off % 7919) + 1000 : 40000, PAYLOAD - off);
        channel_write_all(s->ch, s->data + off, n, &err);
        off += n;
    }
    if (!err) {
        channel_tls_bye(s->ch);
    }
    return err;
}

static void client_run(Side *s)
{
    TlsCreds *creds = tls_creds_lookup("cli", TLS_ENDPOINT_CLIENT, &s->err);
    if (!creds || !channel_start_tls(s->ch, creds, s->hostname, &s->err)) {
        channel_shutdown(s->ch);
        return;
    }
    s->data = g_malloc(PAYLOAD);
    for (size_t i = 0; i < PAYLOAD; i++) {
        s->data[i] = (unsigned char)(i * 31 + (i >> 9));
    }
    /* Writing while reading: a megabyte does not fit in the socket buffers. */
    GThread *w = g_thread_new("client-writer", client_writer, s);
    unsigned char *back = g_malloc(PAYLOAD);
    int rc = channel_read_all(s->ch, back, PAYLOAD, &s->err);
    Error *werr = g_thread_join(w);
    if (rc == 1 && memcmp(back, s->data, PAYLOAD)) {
        error_setf(&s->err, "echoed data differ");
    } else if (rc == 0) {
        error_setf(&s->err, "server closed the connection");
    }
    if (werr) {
        error_propagate(&s->err, werr);
    }
    if (s->err) {
        channel_shutdown(s->ch);
    }
    g_free(back);
    g_free(s->data);
}

static bool connect_loopback(Channel **server, Channel **client)
{
    g_autoptr(SocketAddress) la = socket_address_new_inet("127.0.0.1", "0");
    Error *err = NULL;
    int *fds;
    if (socket_listen(la, 1, &fds, &err) != 1) {
        return report("listen", err);
    }
    g_autofree char *port = g_strdup_printf("%d", socket_local_port(fds[0]));
    g_autoptr(SocketAddress) ca = socket_address_new_inet("127.0.0.1", port);
    int cfd = socket_connect(ca, &err);
    int sfd = cfd < 0 ? -1 : socket_accept(fds[0], &err);
    close(fds[0]);
    g_free(fds);
    if (sfd < 0) {
        if (cfd >= 0) {
            close(cfd);
        }
        return report("connect", err);
    }
    *server = channel_new_fd(sfd);
    *client = channel_new_fd(cfd);
    return true;
}

static int run_pair(const char *srv_obj, const char *cli_obj, const char *hostname)
{
    if (!create(srv_obj) || !create(cli_obj)) {
        return 1;
    }
    Side srv = { 0 }, cli = { .hostname = hostname };
    if (!connect_loopback(&srv.ch, &cli.ch)) {
        return 1;
    }
    GThread *t = g_thread_new("server", server_thread, &srv);
    client_run(&cli);
    g_thread_join(t);
    bool ok = report("server", srv.err);
    ok = report("client", cli.err) && ok;
    channel_free(srv.ch);
    channel_free(cli.ch);
    return ok ? 0 : 1;
}

/* ---- shutdown mode ---- */

typedef struct Blocked {
    Side side;
    int rc;
} Blocked;

static gpointer blocked_server_thread(gpointer opaque)
{
    Blocked *b = opaque;
    Side *s = &b->side;
    char buf[4];
    TlsCreds *creds = tls_creds_lookup("srv", TLS_ENDPOINT_SERVER, &s->err);
    b->rc = -2;
    if (!creds || !channel_start_tls(s->ch, creds, NULL, &s->err) ||
        channel_read_all(s->ch, buf, 1, &s->err) != 1 ||
        !channel_write_all(s->ch, "y", 1, &s->err)) {
        channel_shutdown(s->ch);
        return NULL;
    }
    b->rc = channel_read_all(s->ch, buf, sizeof(buf), &s->err);   /* blocks */
    return NULL;
}

static int run_shutdown(const char *srv_obj, const char *cli_obj)
{
    if (!create(srv_obj) || !create(cli_obj)) {
        return 1;
    }
    Blocked srv = { 0 };
    Side cli = { 0 };
    if (!connect_loopback(&srv.side.ch, &cli.ch)) {
        return 1;
    }
    GThread *t = g_thread_new("server", blocked_server_thread, &srv);
    TlsCreds *creds = tls_creds_lookup("cli", TLS_ENDPOINT_CLIENT, &cli.err);
    char c;
    /* The ack proves the server is past its handshake and about to read. */
    if (creds && channel_start_tls(cli.ch, creds, NULL, &cli.err) &&
        channel_write_all(cli.ch, "x", 1, &cli.err)) {
        channel_read_all(cli.ch, &c, 1, &cli.err);
    }
    channel_shutdown(srv.side.ch);
    g_thread_join(t);
    if (!srv.side.err && srv.rc != 0) {
        error_setf(&srv.side.err, "blocked read returned %d, expected end of stream", srv.rc);
    }
    bool ok = report("server", srv.side.err);
    ok = report("client", cli.err) && ok;
    channel_free(srv.side.ch);
    channel_free(cli.ch);
    return ok ? 0 : 1;
}

/* ---- serve mode ---- */

static int run_serve(const char *srv_obj)
{
    if (!create(srv_obj)) {
        return 1;
    }
    g_autoptr(SocketAddress) la = socket_address_new_inet("127.0.0.1", "0");
    Error *err = NULL;
    int *fds;
    if (socket_listen(la, 1, &fds, &err) != 1) {
        return report("server", err) ? 0 : 1;
    }
    printf("%d\n", socket_local_port(fds[0]));
    fflush(stdout);
    int fd = socket_accept(fds[0], &err);
    close(fds[0]);
    g_free(fds);
    if (fd < 0) {
        return report("server", err) ? 0 : 1;
    }
    Channel *ch = channel_new_fd(fd);
    TlsCreds *creds = tls_creds_lookup("srv", TLS_ENDPOINT_SERVER, &err);
    if (creds && channel_start_tls(ch, creds, NULL, &err)) {
        char buf[4096];
        ssize_t n;
        while ((n = channel_read(ch, buf, sizeof(buf), &err)) > 0 &&
               channel_write_all(ch, buf, n, &err)) {
        }
        channel_tls_bye(ch);
    }
    channel_free(ch);
    return report("server", err) ? 0 : 1;
}

/* ---- connect mode ---- */

static int run_connect(const char *cli_obj, const char *port, const char *hostname)
{
    if (!create(cli_obj)) {
        return 1;
    }
    g_autoptr(SocketAddress) ca = socket_address_new_inet("127.0.0.1", port);
    Error *err = NULL;
    int fd = socket_connect(ca, &err);
    if (fd < 0) {
        return report("client", err) ? 0 : 1;
    }
    Channel *ch = channel_new_fd(fd);
    TlsCreds *creds = tls_creds_lookup("cli", TLS_ENDPOINT_CLIENT, &err);
    static const char line[] = "hello over tls\n";
    char back[sizeof(line) - 1];
    if (creds && channel_start_tls(ch, creds, hostname, &err) &&
        channel_write_all(ch, line, sizeof(back), &err) &&
        channel_read_all(ch, back, sizeof(back), &err) == 1 &&
        memcmp(back, line, sizeof(back))) {
        error_setf(&err, "echoed data differ");
    }
    channel_tls_bye(ch);
    channel_free(ch);
    return report("client", err) ? 0 : 1;
}

int main(int argc, char **argv)
{
    int rc = 2;
    alarm(60);      /* a hung handshake fails the test instead of stalling it */
    while (argc >= 3 && !strcmp(argv[1], "--object")) {
        if (!create(argv[2])) {
            return 1;
        }
        argv += 2;
        argc -= 2;
    }
    if (argc == 3 && !strcmp(argv[1], "create")) {
        rc = create(argv[2]) ? (printf("ok\n"), 0) : 1;
    } else if ((argc == 4 || argc == 5) && !strcmp(argv[1], "pair")) {
        rc = run_pair(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    } else if (argc == 4 && !strcmp(argv[1], "shutdown")) {
        rc = run_shutdown(argv[2], argv[3]);
    } else if (argc == 3 && !strcmp(argv[1], "serve")) {
        rc = run_serve(argv[2]);
    } else if ((argc == 4 || argc == 5) && !strcmp(argv[1], "connect")) {
        rc = run_connect(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    } else {
        fprintf(stderr, "usage: %s create OBJ | pair SRV-OBJ CLI-OBJ [HOST] | "
                "shutdown SRV-OBJ CLI-OBJ | serve SRV-OBJ | connect CLI-OBJ PORT [HOST]\n", argv[0]);
    }
    user_object_delete_all();
    return rc;
}
