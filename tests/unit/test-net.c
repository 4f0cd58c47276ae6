/*
 * Network clients and -netdev socket: frames between two back ends joined by
 * a TCP stream or UDP, each behind a NIC played by the test; the queue and
 * flow control when a NIC has no room; a peer that breaks the stream framing;
 * and the option errors.
 */
#include "config.h"
#include "net/net.h"

#include <arpa/inet.h>
#include <glib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libcore/main-loop.h"
#include "libcore/sockets.h"

typedef struct Nic {
    NetClient *nc;
    GPtrArray *frames;          /* GBytes received */
    bool full;                  /* pretend to have no receive buffers */
} Nic;

static ssize_t nic_receive(NetClient *nc, const struct iovec *iov, int iovcnt)
{
    Nic *n = nc->opaque;
    GByteArray *b = g_byte_array_new();
    for (int i = 0; i < iovcnt; i++) {
        g_byte_array_append(b, iov[i].iov_base, iov[i].iov_len);
    }
    g_ptr_array_add(n->frames, g_byte_array_free_to_bytes(b));
    return (ssize_t)g_bytes_get_size(g_ptr_array_index(n->frames, n->frames->len - 1));
}

static bool nic_can_receive(NetClient *nc)
{
    return !((Nic *)nc->opaque)->full;
}

static const NetClientOps nic_ops = {
    .type = "nic",
    .receive = nic_receive,
    .can_receive = nic_can_receive,
};

static void nic_init(Nic *n, const char *name, NetClient *backend)
{
    n->frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    n->full = false;
    n->nc = net_client_new(&nic_ops, name, false, n, NULL);
    g_assert_true(net_client_link(n->nc, backend, NULL));
}

static void nic_free(Nic *n)
{
    net_client_free(n->nc);
    g_ptr_array_free(n->frames, TRUE);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&a, &len), ==, 0);
    close(fd);
    return ntohs(a.sin_port);
}

static bool has_frames(void *opaque)
{
    Nic *n = opaque;
    return n->frames->len >= 3;
}

/* Iterate the main loop until cond holds (or fail after a generous bound). */
static void run_until(bool (*cond)(void *), void *opaque)
{
    for (int i = 0; i < 5000 && !cond(opaque); i++) {
        main_loop_wait(NULL, false);
        g_usleep(1000);
    }
    g_assert_true(cond(opaque));
}

static void send_three(Nic *from)
{
    uint8_t big[1500];
    memset(big, 0x5a, sizeof(big));
    g_assert_cmpint(net_send(from->nc, "frame-one", 9), ==, 9);
    g_assert_cmpint(net_send(from->nc, big, sizeof(big)), ==, sizeof(big));
    g_assert_cmpint(net_send(from->nc, "3", 1), ==, 1);
}

static void check_three(Nic *to)
{
    gsize len;
    g_assert_cmpuint(to->frames->len, ==, 3);
    const char *f0 = g_bytes_get_data(g_ptr_array_index(to->frames, 0), &len);
    g_assert_cmpmem(f0, len, "frame-one", 9);
    g_bytes_get_data(g_ptr_array_index(to->frames, 1), &len);
    g_assert_cmpuint(len, ==, 1500);
    const char *f2 = g_bytes_get_data(g_ptr_array_index(to->frames, 2), &len);
    g_assert_cmpmem(f2, len, "3", 1);
}

static void test_stream(void)
{
    Error *err = NULL;
    int port = free_port();
    g_autofree char *lopt = g_strdup_printf("socket,id=sa,listen=127.0.0.1:%d", port);
    g_autofree char *copt = g_strdup_printf("socket,id=sb,connect=127.0.0.1:%d", port);
    NetClient *a = netdev_add_str(lopt, NULL, &err);
    g_assert_null(err);
    NetClient *b = netdev_add_str(copt, NULL, &err);
    g_assert_null(err);
    Nic na, nb;
    nic_init(&na, "nic-a", a);
    nic_init(&nb, "nic-b", b);
    /* Let the listener accept before the connecting side sends. */
    for (int i = 0; i < 50; i++) {
        main_loop_wait(NULL, false);
    }
    send_three(&nb);
    run_until(has_frames, &na);
    check_three(&na);
    send_three(&na);
    run_until(has_frames, &nb);
    check_three(&nb);

    g_autofree char *info = net_info_text();
    g_assert_nonnull(strstr(info, "nic-a"));
    g_assert_nonnull(strstr(info, " \\ sa: index=0,type=socket"));
    nic_free(&na);
    nic_free(&nb);
    g_assert_true(netdev_del("sa", NULL));
    g_assert_true(netdev_del("sb", NULL));
    g_assert_false(netdev_del("sa", NULL));
}

static void test_udp_and_flow_control(void)
{
    Error *err = NULL;
    int pa = free_port(), pb = free_port();
    g_autofree char *oa = g_strdup_printf("socket,id=ua,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d",
                                          pb, pa);
    g_autofree char *ob = g_strdup_printf("socket,id=ub,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d",
                                          pa, pb);
    NetClient *a = netdev_add_str(oa, NULL, &err);
    g_assert_null(err);
    NetClient *b = netdev_add_str(ob, NULL, &err);
    g_assert_null(err);
    Nic na, nb;
    nic_init(&na, "nic-ua", a);
    nic_init(&nb, "nic-ub", b);

    /*
     * NIC b has no room: the first frame waits in its queue and back end b
     * stops reading, so the others stay in the host socket ...
     */
    nb.full = true;
    send_three(&na);
    for (int i = 0; i < 200; i++) {
        main_loop_wait(NULL, false);
        g_usleep(1000);
    }
    g_assert_cmpuint(nb.frames->len, ==, 0);
    g_assert_cmpuint(g_queue_get_length(&nb.nc->queue), ==, 1);
    /* ... until the NIC has room: the queue drains and reading resumes. */
    nb.full = false;
    net_client_flush(nb.nc);
    g_assert_cmpuint(nb.frames->len, ==, 1);
    run_until(has_frames, &nb);
    check_three(&nb);
    g_assert_true(g_queue_is_empty(&nb.nc->queue));

    nic_free(&na);
    nic_free(&nb);
    netdev_del("ua", NULL);
    netdev_del("ub", NULL);
}

static void test_bad_stream_peer(void)
{
    Error *err = NULL;
    int port = free_port();
    g_autofree char *lopt = g_strdup_printf("socket,id=sl,listen=127.0.0.1:%d", port);
    NetClient *a = netdev_add_str(lopt, NULL, &err);
    g_assert_null(err);
    Nic na;
    nic_init(&na, "nic-sl", a);
    g_autofree char *ps = g_strdup_printf("%d", port);
    g_autoptr(SocketAddress) addr = socket_address_new_inet("127.0.0.1", ps);

    /* A length no frame can have: the connection is dropped ... */
    int fd = socket_connect(addr, NULL);
    g_assert_cmpint(fd, >=, 0);
    uint32_t bad = htonl(0x7fffffff);
    g_assert_cmpint(write(fd, &bad, 4), ==, 4);
    char c;
    ssize_t r = 1;
    for (int i = 0; i < 2000 && r != 0; i++) {
        main_loop_wait(NULL, false);
        r = recv(fd, &c, 1, MSG_DONTWAIT);
        g_usleep(1000);
    }
    g_assert_cmpint(r, ==, 0);
    close(fd);
    g_assert_cmpuint(na.frames->len, ==, 0);

    /* ... and a well-behaved peer is served afterwards. */
    fd = socket_connect(addr, NULL);
    g_assert_cmpint(fd, >=, 0);
    uint8_t frame[4 + 5] = { 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o' };
    for (int k = 0; k < 3; k++) {
        g_assert_cmpint(write(fd, frame, sizeof(frame)), ==, sizeof(frame));
    }
    run_until(has_frames, &na);
    close(fd);
    nic_free(&na);
    netdev_del("sl", NULL);
}

static void test_option_errors(void)
{
    static const struct { const char *opts, *msg; } bad[] = {
        { "socket,listen=:1", "'id' is missing" },
        { "socket,id=1x,listen=:1", "identifier" },
        { "bogus,id=x", "expects a netdev backend type" },
        { "socket,id=x", "exactly one of" },
        { "socket,id=x,listen=:1,connect=a:2", "exactly one of" },
        { "socket,id=x,listen=nocolon", "not host:port" },
        { "socket,id=x,listen=:port", "not a number" },
        { "socket,id=x,listen=:1,speed=9", "Invalid parameter 'speed'" },
        { "socket,id=x,listen=:1,localaddr=:2", "localaddr= goes with" },
        { "socket,id=x,udp=127.0.0.1:9", "needs localaddr" },
        { "socket,id=x,mcast=127.0.0.1:9", "not an IPv4 multicast" },
        { "socket,id=x,connect=127.0.0.1:1", "cannot connect" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        Error *err = NULL;
        g_assert_null(netdev_add_str(bad[i].opts, NULL, &err));
        g_assert_nonnull(err);
        if (!strstr(error_message(err), bad[i].msg)) {
            g_error("%s: \"%s\" lacks \"%s\"", bad[i].opts, error_message(err), bad[i].msg);
        }
        error_free(err);
    }
    /* Duplicate ids are refused. */
    int port = free_port();
    g_autofree char *o = g_strdup_printf("socket,id=dup,listen=127.0.0.1:%d", port);
    Error *err = NULL;
    g_assert_nonnull(netdev_add_str(o, NULL, NULL));
    g_assert_null(netdev_add_str("socket,id=dup,listen=:1", NULL, &err));
    g_assert_nonnull(strstr(error_message(err), "Duplicate ID 'dup' for netdev"));
    error_free(err);
    netdev_del("dup", NULL);
}

static void test_host_port(void)
{
    char *h, *p;
    g_assert_true(net_parse_host_port("[::1]:80", &h, &p, "t", NULL));
    g_assert_cmpstr(h, ==, "::1");
    g_assert_cmpstr(p, ==, "80");
    g_free(h);
    g_free(p);
    g_assert_true(net_parse_host_port(":80", &h, &p, "t", NULL));
    g_assert_null(h);
    g_free(p);
    g_assert_false(net_parse_host_port("host:", &h, &p, "t", NULL));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net/socket/stream", test_stream);
    g_test_add_func("/net/socket/udp-flow-control", test_udp_and_flow_control);
    g_test_add_func("/net/socket/bad-stream-peer", test_bad_stream_peer);
    g_test_add_func("/net/options", test_option_errors);
    g_test_add_func("/net/host-port", test_host_port);
    return g_test_run();
}
