/*
 * Unit tests for socket addresses, listen/connect/accept and plain channels.
 */
#include "config.h"
#include <glib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "libcore/channel.h"
#include "libcore/sockets.h"

/* Parse "k=v,k=v" (all string values) into a fresh dict. */
static QDict *dict_of(const char *const *kv)
{
    QDict *d = qdict_new();
    for (; kv[0]; kv += 2) {
        qdict_put_str(d, kv[0], kv[1]);
    }
    return d;
}

static void expect_qdict_error(const char *const *kv, const char *msg)
{
    QDict *d = dict_of(kv);
    Error *err = NULL;
    SocketAddress *a = socket_address_from_qdict(d, &err);
    g_assert_null(a);
    g_assert_nonnull(err);
    g_assert_cmpstr(error_message(err), ==, msg);
    error_free(err);
    qobject_unref(d);
}

static void test_qdict_inet(void)
{
    const char *kv[] = { "type", "inet", "host", "localhost", "port", "10809",
                         "extra", "x", NULL };
    QDict *d = dict_of(kv);
    Error *err = NULL;
    g_autoptr(SocketAddress) a = socket_address_from_qdict(d, &err);
    g_assert_no_error((void *)err);
    g_assert_cmpint(a->type, ==, SOCKET_ADDRESS_INET);
    g_assert_cmpstr(a->host, ==, "localhost");
    g_assert_cmpstr(a->port, ==, "10809");
    g_assert_false(a->ipv4_only || a->ipv6_only);
    /* consumed keys are gone, unknown ones stay for the caller to reject */
    g_assert_cmpint(qdict_size(d), ==, 1);
    g_assert_true(qdict_haskey(d, "extra"));
    qobject_unref(d);

    g_autofree char *s = socket_address_to_string(a);
    g_assert_cmpstr(s, ==, "localhost:10809");
    QDict *back = socket_address_to_qdict(a);
    g_assert_cmpstr(qdict_get_str(back, "type"), ==, "inet");
    g_assert_cmpstr(qdict_get_str(back, "host"), ==, "localhost");
    g_assert_cmpstr(qdict_get_str(back, "port"), ==, "10809");
    qobject_unref(back);
}

static void test_qdict_inet_typed(void)
{
    QDict *d = qdict_new();
    qdict_put_str(d, "type", "inet");
    qdict_put_str(d, "host", "::1");
    qdict_put_int(d, "port", 4242);
    qdict_put_bool(d, "ipv6", true);
    Error *err = NULL;
    g_autoptr(SocketAddress) a = socket_address_from_qdict(d, &err);
    g_assert_nonnull(a);
    g_assert_cmpstr(a->port, ==, "4242");
    g_assert_true(a->ipv6_only);
    g_assert_false(a->ipv4_only);
    g_autofree char *s = socket_address_to_string(a);
    g_assert_cmpstr(s, ==, "[::1]:4242");
    qobject_unref(d);

    const char *v4off[] = { "type", "inet", "host", "h", "port", "1", "ipv4", "off", NULL };
    d = dict_of(v4off);
    g_autoptr(SocketAddress) b = socket_address_from_qdict(d, &err);
    g_assert_true(b->ipv6_only && !b->ipv4_only);
    qobject_unref(d);

    const char *flags[] = { "type", "inet", "host", "127.0.0.1", "port", "1", "numeric", "on",
                            "keep-alive", "on", NULL };
    d = dict_of(flags);
    g_autoptr(SocketAddress) f = socket_address_from_qdict(d, &err);
    g_assert_true(f->numeric && f->keep_alive);
    g_assert_cmpint(qdict_size(d), ==, 0);
    qobject_unref(d);
    QDict *back = socket_address_to_qdict(f);
    g_assert_true(qdict_get_try_bool(back, "keep-alive", &f->keep_alive) && f->keep_alive);
    qobject_unref(back);
    /* numeric=on: a name is not resolved */
    g_autoptr(SocketAddress) named = socket_address_new_inet("localhost", "1");
    named->numeric = true;
    g_assert_cmpint(socket_connect(named, &err), ==, -1);
    g_assert_true(g_str_has_prefix(error_message(err), "address resolution failed for localhost:1: "));
    error_clear(&err);

    const char *both[] = { "type", "inet", "host", "h", "port", "1", "ipv4", "on",
                           "ipv6", "on", NULL };
    d = dict_of(both);
    g_autoptr(SocketAddress) c = socket_address_from_qdict(d, &err);
    g_assert_true(!c->ipv6_only && !c->ipv4_only);
    qobject_unref(d);
}

static void test_qdict_errors(void)
{
    const char *no_type[] = { "host", "h", "port", "1", NULL };
    expect_qdict_error(no_type, "Parameter 'type' is missing");
    const char *bad_type[] = { "type", "vsock", NULL };
    expect_qdict_error(bad_type, "Parameter 'type' does not accept value 'vsock'");
    const char *no_host[] = { "type", "inet", "port", "1", NULL };
    expect_qdict_error(no_host, "Parameter 'host' is missing");
    const char *no_port[] = { "type", "inet", "host", "h", NULL };
    expect_qdict_error(no_port, "Parameter 'port' is missing");
    const char *no_path[] = { "type", "unix", NULL };
    expect_qdict_error(no_path, "Parameter 'path' is missing");
    const char *bad_bool[] = { "type", "inet", "host", "h", "port", "1", "ipv4", "maybe", NULL };
    expect_qdict_error(bad_bool, "Parameter 'ipv4' expects 'on' or 'off'");
    const char *both_off[] = { "type", "inet", "host", "h", "port", "1", "ipv4", "off",
                               "ipv6", "off", NULL };
    expect_qdict_error(both_off, "'ipv4' and 'ipv6' cannot both be off");
    const char *bad_fd[] = { "type", "fd", "str", "myfd", NULL };
    expect_qdict_error(bad_fd, "File descriptor 'myfd' is not a number");
    const char *neg_fd[] = { "type", "fd", "str", "-3", NULL };
    expect_qdict_error(neg_fd, "File descriptor '-3' is not a number");

    QDict *d = qdict_new();
    qdict_put_str(d, "type", "unix");
    qdict_put(d, "path", qlist_new());
    Error *err = NULL;
    g_assert_null(socket_address_from_qdict(d, &err));
    g_assert_cmpstr(error_message(err), ==,
                    "Invalid parameter type for 'path', expected: string");
    error_free(err);
    qobject_unref(d);
}

static void test_qdict_unix_fd(void)
{
    const char *kv[] = { "type", "unix", "path", "/tmp/x.sock", "abstract", "on", NULL };
    QDict *d = dict_of(kv);
    g_autoptr(SocketAddress) a = socket_address_from_qdict(d, NULL);
    g_assert_cmpstr(a->path, ==, "/tmp/x.sock");
    g_assert_true(a->abstract);
    g_assert_cmpint(qdict_size(d), ==, 0);
    g_autofree char *s = socket_address_to_string(a);
    g_assert_cmpstr(s, ==, "unix:/tmp/x.sock");
    qobject_unref(d);

    const char *fdkv[] = { "type", "fd", "str", "7", NULL };
    d = dict_of(fdkv);
    g_autoptr(SocketAddress) f = socket_address_from_qdict(d, NULL);
    g_assert_cmpint(f->fd, ==, 7);
    QDict *back = socket_address_to_qdict(f);
    g_assert_cmpstr(qdict_get_str(back, "str"), ==, "7");
    qobject_unref(back);
    qobject_unref(d);

    g_autoptr(SocketAddress) copy = socket_address_copy(a);
    g_assert_cmpstr(copy->path, ==, a->path);
    g_assert_true(copy->path != a->path);
}

/* Connect to fds[0]'s port on 127.0.0.1 and accept; checks data both ways. */
static void exchange(int lfd, const SocketAddress *dest)
{
    Error *err = NULL;
    int cfd = socket_connect(dest, &err);
    g_assert_no_error((void *)err);
    g_assert_cmpint(cfd, >=, 0);
    int sfd = socket_accept(lfd, &err);
    g_assert_cmpint(sfd, >=, 0);
    g_assert_cmpint(fcntl(cfd, F_GETFD) & FD_CLOEXEC, !=, 0);
    g_assert_cmpint(fcntl(sfd, F_GETFD) & FD_CLOEXEC, !=, 0);

    Channel *c = channel_new_fd(cfd), *s = channel_new_fd(sfd);
    char buf[6];
    g_assert_true(channel_write_all(c, "hello", 5, &err));
    g_assert_cmpint(channel_read_all(s, buf, 5, &err), ==, 1);
    g_assert_cmpmem(buf, 5, "hello", 5);
    g_assert_true(channel_write_all(s, "back!", 5, &err));
    g_assert_cmpint(channel_read_all(c, buf, 5, &err), ==, 1);
    g_assert_cmpmem(buf, 5, "back!", 5);
    channel_free(c);
    channel_free(s);
}

static void close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++) {
        close(fds[i]);
    }
    g_free(fds);
}

static void test_inet_loopback(void)
{
    g_autoptr(SocketAddress) la = socket_address_new_inet("127.0.0.1", "0");
    int *fds;
    Error *err = NULL;
    int n = socket_listen(la, 5, &fds, &err);
    g_assert_no_error((void *)err);
    g_assert_cmpint(n, ==, 1);
    int port = socket_local_port(fds[0]);
    g_assert_cmpint(port, >, 0);
    g_assert_cmpint(fcntl(fds[0], F_GETFD) & FD_CLOEXEC, !=, 0);

    g_autofree char *ps = g_strdup_printf("%d", port);
    g_autoptr(SocketAddress) ca = socket_address_new_inet("127.0.0.1", ps);
    exchange(fds[0], ca);

    /* Same port again: the kernel refuses, and so do we, with QEMU's words. */
    g_autoptr(SocketAddress) again = socket_address_new_inet("127.0.0.1", ps);
    int *fds2 = NULL;
    g_assert_cmpint(socket_listen(again, 5, &fds2, &err), ==, -1);
    g_assert_cmpstr(error_message(err), ==, "Failed to bind socket: Address already in use");
    g_assert_null(fds2);
    error_clear(&err);

    close_all(fds, n);
    /* Nobody listens now (SO_REUSEADDR lets a quick re-run bind it again). */
    g_assert_cmpint(socket_connect(ca, &err), ==, -1);
    g_autofree char *msg = g_strdup_printf("Failed to connect to '127.0.0.1:%d': "
                                           "Connection refused", port);
    g_assert_cmpstr(error_message(err), ==, msg);
    error_free(err);
}

static void test_inet_any(void)
{
    g_autoptr(SocketAddress) la = socket_address_new_inet("", "0");
    int *fds;
    Error *err = NULL;
    int n = socket_listen(la, 5, &fds, &err);
    g_assert_no_error((void *)err);
    g_assert_cmpint(n, >=, 1);
    int port = socket_local_port(fds[0]);
    for (int i = 1; i < n; i++) {
        g_assert_cmpint(socket_local_port(fds[i]), ==, port);   /* one shared port */
    }
    g_autofree char *ps = g_strdup_printf("%d", port);
    g_autoptr(SocketAddress) ca = socket_address_new_inet("127.0.0.1", ps);
    bool accepted = false;
    for (int i = 0; i < n && !accepted; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        getsockname(fds[i], (struct sockaddr *)&ss, &len);
        if (ss.ss_family == AF_INET) {
            exchange(fds[i], ca);
            accepted = true;
        }
    }
    g_assert_true(accepted);
    close_all(fds, n);
}

static void test_inet_errors(void)
{
    Error *err = NULL;
    g_autoptr(SocketAddress) noport = socket_address_new_inet("127.0.0.1", NULL);
    g_assert_cmpint(socket_connect(noport, &err), ==, -1);
    g_assert_cmpstr(error_message(err), ==, "Parameter 'port' is missing");
    error_clear(&err);
    g_autoptr(SocketAddress) badport = socket_address_new_inet("127.0.0.1", "no-such-service-x");
    g_assert_cmpint(socket_connect(badport, &err), ==, -1);
    g_assert_true(g_str_has_prefix(error_message(err),
                                   "address resolution failed for 127.0.0.1:no-such-service-x: "));
    error_free(err);
}

static void test_unix(void)
{
    g_autofree char *dir = g_dir_make_tmp("sockets-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "s.sock", NULL);
    g_autoptr(SocketAddress) a = socket_address_new_unix(path);
    Error *err = NULL;
    int *fds;
    g_assert_cmpint(socket_listen(a, 1, &fds, &err), ==, 1);
    exchange(fds[0], a);
    close_all(fds, 1);                      /* leaves a stale socket file behind */
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    g_assert_cmpint(socket_listen(a, 1, &fds, &err), ==, 1);
    g_assert_no_error((void *)err);
    exchange(fds[0], a);
    close_all(fds, 1);
    g_unlink(path);

    g_assert_cmpint(socket_connect(a, &err), ==, -1);
    g_autofree char *msg = g_strdup_printf("Failed to connect to '%s': "
                                           "No such file or directory", path);
    g_assert_cmpstr(error_message(err), ==, msg);
    error_clear(&err);

    /* A regular file in the way is not ours to remove. */
    g_assert_true(g_file_set_contents(path, "keep", -1, NULL));
    g_assert_cmpint(socket_listen(a, 1, &fds, &err), ==, -1);
    g_assert_nonnull(err);
    error_clear(&err);
    g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    g_unlink(path);
    g_rmdir(dir);
}

static void test_unix_errors(void)
{
    char long_path[200];
    memset(long_path, 'a', sizeof(long_path) - 1);
    long_path[0] = '/';
    long_path[sizeof(long_path) - 1] = 0;
    g_autoptr(SocketAddress) a = socket_address_new_unix(long_path);
    Error *err = NULL;
    int *fds;
    g_assert_cmpint(socket_listen(a, 1, &fds, &err), ==, -1);
    g_autofree char *msg = g_strdup_printf("UNIX socket path '%s' is too long", long_path);
    g_assert_cmpstr(error_message(err), ==, msg);
    error_clear(&err);
    g_assert_cmpint(socket_connect(a, &err), ==, -1);
    g_assert_cmpstr(error_message(err), ==, msg);
    error_free(err);
}

static void test_unix_abstract(void)
{
    g_autofree char *name = g_strdup_printf("libcore-test-%d", (int)getpid());
    g_autoptr(SocketAddress) a = socket_address_new_unix(name);
    a->abstract = true;
    int *fds;
    Error *err = NULL;
    g_assert_cmpint(socket_listen(a, 1, &fds, &err), ==, 1);
    g_assert_false(g_file_test(name, G_FILE_TEST_EXISTS));
    exchange(fds[0], a);
    close_all(fds, 1);
}

static void test_fd_address(void)
{
    int sv[2];
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    g_autoptr(SocketAddress) a = socket_address_new_fd(sv[0]);
    Error *err = NULL;
    int fd = socket_connect(a, &err);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fd, !=, sv[0]);                     /* a duplicate */
    g_assert_cmpint(fcntl(fd, F_GETFD) & FD_CLOEXEC, !=, 0);
    g_assert_cmpint(write(fd, "x", 1), ==, 1);
    char c;
    g_assert_cmpint(read(sv[1], &c, 1), ==, 1);
    close(fd);

    int *fds;
    g_assert_cmpint(socket_listen(a, 1, &fds, &err), ==, -1);
    g_autofree char *nl = g_strdup_printf("File descriptor %d is not a listening socket", sv[0]);
    g_assert_cmpstr(error_message(err), ==, nl);
    error_clear(&err);
    close(sv[0]);
    close(sv[1]);

    int pfd[2];
    g_assert_cmpint(pipe(pfd), ==, 0);
    g_autoptr(SocketAddress) p = socket_address_new_fd(pfd[0]);
    g_assert_cmpint(socket_connect(p, &err), ==, -1);
    g_autofree char *ns = g_strdup_printf("File descriptor %d is not a socket", pfd[0]);
    g_assert_cmpstr(error_message(err), ==, ns);
    error_clear(&err);
    close(pfd[0]);
    close(pfd[1]);
    g_assert_cmpint(socket_connect(p, &err), ==, -1);   /* now closed */
    g_assert_nonnull(err);
    error_free(err);
}

/* ---- channels ---- */

static void channel_pair(Channel **a, Channel **b)
{
    int sv[2];
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    *a = channel_new_fd(sv[0]);
    *b = channel_new_fd(sv[1]);
}

static void test_channel_read_all(void)
{
    Channel *a, *b;
    Error *err = NULL;
    char buf[8];
    channel_pair(&a, &b);
    g_assert_false(channel_is_tls(a));
    g_assert_true(channel_write_all(a, "abcdef", 6, &err));
    g_assert_cmpint(channel_read_all(b, buf, 4, &err), ==, 1);
    g_assert_cmpmem(buf, 4, "abcd", 4);
    channel_free(a);                            /* 2 bytes left, then EOF */
    g_assert_cmpint(channel_read_all(b, buf, 4, &err), ==, -1);
    g_assert_cmpstr(error_message(err), ==, "Unexpected end-of-file before all data were read");
    error_clear(&err);
    g_assert_cmpint(channel_read_all(b, buf, 4, &err), ==, 0);  /* clean EOF */
    g_assert_null(err);
    g_assert_cmpint(channel_read(b, buf, 4, &err), ==, 0);
    channel_free(b);
}

static void test_channel_discard(void)
{
    Channel *a, *b;
    Error *err = NULL;
    channel_pair(&a, &b);
    static char big[40000];
    memset(big, 'z', sizeof(big));
    big[sizeof(big) - 1] = '!';
    /* 20000 bytes fit in a socketpair's buffer: no writer thread needed. */
    g_assert_true(channel_write_all(a, big, 20000, &err));
    g_assert_cmpint(channel_discard(b, 19999, &err), ==, 1);
    char c;
    g_assert_cmpint(channel_read_all(b, &c, 1, &err), ==, 1);
    g_assert_cmpint(c, ==, 'z');
    g_assert_true(channel_write_all(a, big, 10, &err));
    channel_free(a);
    g_assert_cmpint(channel_discard(b, 100, &err), ==, -1);
    error_clear(&err);
    g_assert_cmpint(channel_discard(b, 100, &err), ==, 0);
    channel_free(b);
}

static void test_channel_writev(void)
{
    Channel *a, *b;
    Error *err = NULL;
    channel_pair(&a, &b);
    struct iovec iov[4] = {
        { "he", 2 }, { "", 0 }, { "llo ", 4 }, { "world", 5 },
    };
    g_assert_true(channel_writev_all(a, iov, 4, &err));
    char buf[11];
    g_assert_cmpint(channel_read_all(b, buf, 11, &err), ==, 1);
    g_assert_cmpmem(buf, 11, "hello world", 11);
    channel_free(a);
    channel_free(b);
}

typedef struct BigWrite {
    Channel *ch;
    char *data;
    size_t len;
    bool ok;
} BigWrite;

static gpointer big_writer(gpointer opaque)
{
    BigWrite *w = opaque;
    /* Many pieces, total larger than the socket buffer: forces short writes. */
    struct iovec iov[300];
    size_t piece = w->len / G_N_ELEMENTS(iov);
    for (size_t i = 0; i < G_N_ELEMENTS(iov); i++) {
        iov[i].iov_base = w->data + i * piece;
        iov[i].iov_len = piece;
    }
    w->ok = channel_writev_all(w->ch, iov, G_N_ELEMENTS(iov), NULL);
    return NULL;
}

static void test_channel_writev_short(void)
{
    Channel *a, *b;
    channel_pair(&a, &b);
    BigWrite w = { a, g_malloc(3000 * 1000), 3000 * 1000, false };
    for (size_t i = 0; i < w.len; i++) {
        w.data[i] = (char)(i * 7 + i / 251);
    }
    GThread *t = g_thread_new("writer", big_writer, &w);
    char *in = g_malloc(w.len);
    g_assert_cmpint(channel_read_all(b, in, w.len, NULL), ==, 1);
    g_thread_join(t);
    g_assert_true(w.ok);
    g_assert_cmpmem(in, w.len, w.data, w.len);
    g_free(in);
    g_free(w.data);
    channel_free(a);
    channel_free(b);
}

static gpointer blocked_reader(gpointer opaque)
{
    char c;
    Error *err = NULL;
    int rc = channel_read_all(opaque, &c, 1, &err);
    error_free(err);
    return GINT_TO_POINTER(rc + 10);
}

static void test_channel_shutdown(void)
{
    Channel *a, *b;
    channel_pair(&a, &b);
    GThread *t = g_thread_new("reader", blocked_reader, b);
    /* The reader may or may not be inside read() yet: both must end at EOF. */
    g_usleep(10000);
    channel_shutdown(b);
    g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(t)), ==, 10);
    Error *err = NULL;
    g_assert_false(channel_write_all(b, "x", 1, &err));
    g_assert_nonnull(err);
    error_free(err);
    channel_free(a);
    channel_free(b);
}

static void test_channel_epipe(void)
{
    Channel *a, *b;
    Error *err = NULL;
    channel_pair(&a, &b);
    channel_free(b);
    /* Would kill the test with SIGPIPE without MSG_NOSIGNAL. */
    g_assert_false(channel_write_all(a, "x", 1, &err));
    g_assert_cmpstr(error_message(err), ==, "Unable to write to socket: Broken pipe");
    error_clear(&err);
    channel_free(a);

    int p[2];
    g_assert_cmpint(pipe(p), ==, 0);
    Channel *r = channel_new_fd(p[0]), *w = channel_new_fd(p[1]);
    g_assert_true(channel_write_all(w, "pipe", 4, &err));
    char buf[4];
    g_assert_cmpint(channel_read_all(r, buf, 4, &err), ==, 1);
    g_assert_cmpmem(buf, 4, "pipe", 4);
    channel_free(r);
    g_assert_false(channel_write_all(w, "x", 1, &err));
    g_assert_cmpstr(error_message(err), ==, "Unable to write to socket: Broken pipe");
    error_free(err);
    channel_free(w);
}

static void test_channel_cork(void)
{
    g_autoptr(SocketAddress) la = socket_address_new_inet("127.0.0.1", "0");
    int *fds;
    g_assert_cmpint(socket_listen(la, 1, &fds, NULL), ==, 1);
    g_autofree char *ps = g_strdup_printf("%d", socket_local_port(fds[0]));
    g_autoptr(SocketAddress) ca = socket_address_new_inet("127.0.0.1", ps);
    Channel *c = channel_new_fd(socket_connect(ca, NULL));
    Channel *s = channel_new_fd(socket_accept(fds[0], NULL));
    channel_cork(c, true);
    g_assert_true(channel_write_all(c, "ab", 2, NULL));
    g_assert_true(channel_write_all(c, "cd", 2, NULL));
    channel_cork(c, false);
    char buf[4];
    g_assert_cmpint(channel_read_all(s, buf, 4, NULL), ==, 1);
    g_assert_cmpmem(buf, 4, "abcd", 4);
    channel_free(c);
    channel_free(s);
    close_all(fds, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sockets/qdict/inet", test_qdict_inet);
    g_test_add_func("/sockets/qdict/inet-typed", test_qdict_inet_typed);
    g_test_add_func("/sockets/qdict/errors", test_qdict_errors);
    g_test_add_func("/sockets/qdict/unix-fd", test_qdict_unix_fd);
    g_test_add_func("/sockets/inet/loopback", test_inet_loopback);
    g_test_add_func("/sockets/inet/any", test_inet_any);
    g_test_add_func("/sockets/inet/errors", test_inet_errors);
    g_test_add_func("/sockets/unix/basic", test_unix);
    g_test_add_func("/sockets/unix/errors", test_unix_errors);
    g_test_add_func("/sockets/unix/abstract", test_unix_abstract);
    g_test_add_func("/sockets/fd", test_fd_address);
    g_test_add_func("/channel/read-all", test_channel_read_all);
    g_test_add_func("/channel/discard", test_channel_discard);
    g_test_add_func("/channel/writev", test_channel_writev);
    g_test_add_func("/channel/writev-short", test_channel_writev_short);
    g_test_add_func("/channel/shutdown", test_channel_shutdown);
    g_test_add_func("/channel/epipe", test_channel_epipe);
    g_test_add_func("/channel/cork", test_channel_cork);
    return g_test_run();
}
