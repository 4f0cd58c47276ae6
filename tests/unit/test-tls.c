/*
 * Unit tests for the tls-creds-* objects and TLS channels that need no
 * certificate files: properties and defaults, look-up errors, and an
 * anonymous-TLS session over a socketpair. Certificates and PSK are covered
 * by tests/functional/tls-channel.sh.
 */
#include "config.h"
#include <glib.h>
#include <string.h>
#include <sys/socket.h>
#include "libcore/channel.h"
#include "libcore/tls.h"

static Object *create_ok(const char *optstr)
{
    Error *err = NULL;
    Object *obj = user_object_create_str(optstr, &err);
    if (!obj) {
        g_error("%s: %s", optstr, error_message(err));
    }
    return obj;
}

static void expect_prop(Object *obj, const char *name, const char *json_like)
{
    QObject *v = object_get_prop(obj, name, NULL);
    g_assert_nonnull(v);
    char *text = NULL;
    switch (qobject_type(v)) {
    case QTYPE_BOOL:
        text = g_strdup(qbool_get(v) ? "true" : "false");
        break;
    case QTYPE_STRING:
        text = g_strdup(qstring_get(v));
        break;
    default:
        text = g_strdup("null");
    }
    g_assert_cmpstr(text, ==, json_like);
    g_free(text);
    qobject_unref(v);
}

static void test_props(void)
{
    Object *obj = create_ok("tls-creds-anon,id=a1");
    expect_prop(obj, "endpoint", "client");
    expect_prop(obj, "verify-peer", "true");
    expect_prop(obj, "loaded", "true");
    expect_prop(obj, "dir", "null");
    expect_prop(obj, "priority", "null");
    g_assert_cmpstr(tls_creds_type(tls_creds_lookup("a1", TLS_ENDPOINT_CLIENT, NULL)), ==,
                    TYPE_TLS_CREDS_ANON);

    obj = create_ok("tls-creds-anon,id=a2,endpoint=server,verify-peer=no,priority=NORMAL:-VERS-TLS1.3");
    expect_prop(obj, "endpoint", "server");
    expect_prop(obj, "verify-peer", "false");
    expect_prop(obj, "priority", "NORMAL:-VERS-TLS1.3");

    Error *err = NULL;
    g_assert_null(user_object_create_str("tls-creds-anon,id=a3,verify-peer=maybe", &err));
    g_assert_nonnull(err);
    error_clear(&err);
    g_assert_null(user_object_create_str("tls-creds-anon,id=a3,username=x", &err));
    g_assert_cmpstr(error_message(err), ==, "Parameter 'username' is unexpected");
    error_clear(&err);
    g_assert_null(user_object_create_str("tls-creds-psk,id=a3,dir=/nonexistent-dir", &err));
    g_assert_cmpstr(error_message(err), ==, "Unable to access credentials "
                    "/nonexistent-dir/keys.psk: No such file or directory");
    error_clear(&err);
    g_assert_true(type_is_a(type_lookup(TYPE_TLS_CREDS_X509), "user-creatable"));
    user_object_delete_all();
}

static void test_lookup(void)
{
    create_ok("tls-creds-anon,id=cli");
    create_ok("secret,id=sec,data=x");
    Error *err = NULL;
    g_assert_null(tls_creds_lookup("nope", TLS_ENDPOINT_CLIENT, &err));
    g_assert_cmpstr(error_message(err), ==, "No TLS credentials with id 'nope'");
    error_clear(&err);
    g_assert_null(tls_creds_lookup("sec", TLS_ENDPOINT_CLIENT, &err));
    g_assert_cmpstr(error_message(err), ==, "Object with id 'sec' is not TLS credentials");
    error_clear(&err);
    g_assert_null(tls_creds_lookup("cli", TLS_ENDPOINT_SERVER, &err));
    g_assert_cmpstr(error_message(err), ==, "Expecting TLS credentials with a server endpoint");
    error_clear(&err);
    TlsCreds *c = tls_creds_lookup("cli", TLS_ENDPOINT_CLIENT, &err);
    g_assert_nonnull(c);
    g_assert_true(tls_creds_object(c) == user_object_find("cli"));
    user_object_delete_all();
}

typedef struct Peer {
    Channel *ch;
    TlsCreds *creds;
    bool ok;
    char got[6];
} Peer;

static gpointer server_side(gpointer opaque)
{
    Peer *p = opaque;
    p->ok = channel_start_tls(p->ch, p->creds, NULL, NULL) &&
            channel_read_all(p->ch, p->got, 5, NULL) == 1 &&
            channel_write_all(p->ch, "pong!", 5, NULL);
    channel_tls_bye(p->ch);
    return NULL;
}

static void test_anon_session(void)
{
    create_ok("tls-creds-anon,id=srv,endpoint=server");
    create_ok("tls-creds-anon,id=cli");
    int sv[2];
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    Peer srv = { channel_new_fd(sv[0]), tls_creds_lookup("srv", TLS_ENDPOINT_SERVER, NULL) };
    Channel *cli = channel_new_fd(sv[1]);
    TlsCreds *cc = tls_creds_lookup("cli", TLS_ENDPOINT_CLIENT, NULL);

    GThread *t = g_thread_new("server", server_side, &srv);
    Error *err = NULL;
    g_assert_true(channel_start_tls(cli, cc, NULL, &err));
    g_assert_true(channel_is_tls(cli));
    /* Deleting the objects now must not pull the credentials from under us. */
    user_object_delete_all();
    struct iovec iov[2] = { { "pi", 2 }, { "ng!", 3 } };
    g_assert_true(channel_writev_all(cli, iov, 2, &err));
    char buf[5];
    g_assert_cmpint(channel_read_all(cli, buf, 5, &err), ==, 1);
    g_assert_cmpmem(buf, 5, "pong!", 5);
    g_thread_join(t);
    g_assert_true(srv.ok);
    g_assert_cmpmem(srv.got, 5, "ping!", 5);
    /* close_notify from the server: a clean end of stream */
    g_assert_cmpint(channel_read_all(cli, buf, 1, &err), ==, 0);
    g_assert_false(channel_start_tls(cli, cc, NULL, &err));
    g_assert_cmpstr(error_message(err), ==, "TLS is already active on this channel");
    error_free(err);
    channel_free(cli);
    channel_free(srv.ch);
}

static void test_handshake_failure(void)
{
    /* Both ends clients: the handshake cannot succeed and must not hang. */
    create_ok("tls-creds-anon,id=c1");
    int sv[2];
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    Channel *a = channel_new_fd(sv[0]);
    Channel *b = channel_new_fd(sv[1]);
    g_assert_true(channel_write_all(b, "garbage that is not TLS\n", 24, NULL));
    channel_shutdown(b);
    Error *err = NULL;
    g_assert_false(channel_start_tls(a, tls_creds_lookup("c1", TLS_ENDPOINT_CLIENT, NULL),
                                     NULL, &err));
    g_assert_true(g_str_has_prefix(error_message(err), "TLS handshake failed: "));
    error_clear(&err);
    /* The channel is unusable afterwards, not silently plain text. */
    g_assert_false(channel_write_all(a, "x", 1, &err));
    g_assert_cmpstr(error_message(err), ==, "The TLS handshake failed on this channel");
    error_free(err);
    channel_free(a);
    channel_free(b);
    user_object_delete_all();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tls/props", test_props);
    g_test_add_func("/tls/lookup", test_lookup);
    g_test_add_func("/tls/anon-session", test_anon_session);
    g_test_add_func("/tls/handshake-failure", test_handshake_failure);
    return g_test_run();
}
