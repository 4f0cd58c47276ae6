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

/* ---- -netdev user ---- */

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

/* An Ethernet/IPv4/UDP DHCPDISCOVER from guest_mac; returns its length. */
static size_t dhcp_discover(uint8_t *f)
{
    const size_t bootp = 300, udp = 8 + bootp, ip = 20 + udp;
    memset(f, 0, 14 + ip);
    memset(f, 0xff, 6);
    memcpy(f + 6, guest_mac, 6);
    f[12] = 0x08;
    uint8_t *h = f + 14;
    h[0] = 0x45;
    h[2] = ip >> 8;
    h[3] = ip & 0xff;
    h[8] = 64;
    h[9] = 17;
    memset(h + 16, 0xff, 4);
    uint16_t c = ip_checksum(h, 20);
    h[10] = c >> 8;
    h[11] = c & 0xff;
    uint8_t *u = h + 20;
    u[1] = 68;
    u[3] = 67;
    u[4] = udp >> 8;
    u[5] = udp & 0xff;
    uint8_t *b = u + 8;
    b[0] = 1;                   /* BOOTREQUEST */
    b[1] = 1;
    b[2] = 6;
    b[4] = 0x12; b[5] = 0x34; b[6] = 0x56; b[7] = 0x78;
    memcpy(b + 28, guest_mac, 6);
    b[236] = 0x63; b[237] = 0x82; b[238] = 0x53; b[239] = 0x63;
    b[240] = 53; b[241] = 1; b[242] = 1;    /* DHCPDISCOVER */
    b[243] = 255;
    return 14 + ip;
}

static bool is_dhcp_offer(GBytes *frame, uint8_t yiaddr[4])
{
    gsize len;
    const uint8_t *f = g_bytes_get_data(frame, &len);
    if (len < 14 + 20 + 8 + 244 || f[12] != 0x08 || f[13] != 0 || f[14 + 9] != 17) {
        return false;
    }
    const uint8_t *u = f + 14 + (f[14] & 15) * 4, *b = u + 8;
    if (u[1] != 67 || u[3] != 68 || b[0] != 2) {
        return false;
    }
    memcpy(yiaddr, b + 16, 4);
    for (size_t o = 240; o + 2 < len - (size_t)(b - f) && b[o] != 255;) {
        if (b[o] == 0) {
            o++;
            continue;
        }
        if (b[o] == 53) {
            return b[o + 2] == 2;       /* DHCPOFFER */
        }
        o += 2 + b[o + 1];
    }
    return false;
}

static bool has_offer(void *opaque)
{
    Nic *n = opaque;
    uint8_t ip[4];
    for (guint i = 0; i < n->frames->len; i++) {
        if (is_dhcp_offer(g_ptr_array_index(n->frames, i), ip)) {
            return true;
        }
    }
    return false;
}

/* A frame for the guest at 10.0.2.15: an ARP who-has or an IPv4 packet to it. */
static bool has_frame_for_guest(void *opaque)
{
    Nic *n = opaque;
    static const uint8_t guest_ip[4] = { 10, 0, 2, 15 };
    for (guint i = 0; i < n->frames->len; i++) {
        gsize len;
        const uint8_t *f = g_bytes_get_data(g_ptr_array_index(n->frames, i), &len);
        if (len >= 42 && f[12] == 0x08 && f[13] == 0x06 && !memcmp(f + 38, guest_ip, 4)) {
            return true;
        }
        if (len >= 34 && f[12] == 0x08 && f[13] == 0 && f[14 + 9] == 6 &&
            !memcmp(f + 30, guest_ip, 4)) {
            return true;
        }
    }
    return false;
}

static void test_user_dhcp_hostfwd(void)
{
    Error *err = NULL;
    int port = free_port();
    g_autofree char *o = g_strdup_printf("user,id=u0,hostfwd=tcp:127.0.0.1:%d-:22,"
                                         "hostfwd=udp::0-10.0.2.15:53,dnssearch=a.example,"
                                         "dnssearch=b.example,hostname=guest", port);
    NetClient *u = netdev_add_str(o, NULL, &err);
    if (err) {
        g_error("%s", error_message(err));
    }
    Nic n;
    nic_init(&n, "nic-u", u);
    g_autofree char *info = net_info_text();
    g_assert_nonnull(strstr(info, " \\ u0: index=0,type=user,net=10.0.2.0,restrict=off"));

    uint8_t frame[600];
    size_t len = dhcp_discover(frame);
    g_assert_cmpint(net_send(n.nc, frame, len), ==, (ssize_t)len);
    run_until(has_offer, &n);
    uint8_t yiaddr[4] = { 0 };
    for (guint i = 0; i < n.frames->len; i++) {
        if (is_dhcp_offer(g_ptr_array_index(n.frames, i), yiaddr)) {
            break;
        }
    }
    g_assert_cmpuint(yiaddr[0], ==, 10);
    g_assert_cmpuint(yiaddr[3], ==, 15);

    /* A host connection to the forwarded port reaches the guest's side. */
    g_ptr_array_set_size(n.frames, 0);
    g_autofree char *ps = g_strdup_printf("%d", port);
    g_autoptr(SocketAddress) addr = socket_address_new_inet("127.0.0.1", ps);
    int fd = socket_connect(addr, NULL);
    g_assert_cmpint(fd, >=, 0);
    run_until(has_frame_for_guest, &n);
    close(fd);
    nic_free(&n);
    g_assert_true(netdev_del("u0", NULL));
}

static void test_user_option_errors(void)
{
    static const struct { const char *opts, *msg; } bad[] = {
        { "user,id=x,net=10.0.2.0/31", "1 to 30" },
        { "user,id=x,net=10.0.2.0/255.0.255.0", "not a netmask" },
        { "user,id=x,net=banana", "IPv4 address" },
        { "user,id=x,host=10.0.3.2", "not a host address" },
        { "user,id=x,dns=10.0.2.255", "not a host address" },
        { "user,id=x,dhcpstart=10.0.2.0", "not a host address" },
        { "user,id=x,restrict=maybe", "'restrict' expects" },
        { "user,id=x,ipv4=off,ipv6=off", "cannot both be off" },
        { "user,id=x,hostfwd=tcp:1", "Invalid host forwarding rule" },
        { "user,id=x,hostfwd=sctp::1-:2", "tcp or udp" },
        { "user,id=x,hostfwd=tcp::1-:0", "bad guest port" },
        { "user,id=x,hostfwd=tcp::70000-:22", "bad host port" },
        { "user,id=x,hostfwd=tcp:host:1-:2", "bad host address" },
        { "user,id=x,guestfwd=tcp:10.0.2.100:1-cmd:x", "not supported" },
        { "user,id=x,net=10.0.2.0/24,net=10.0.3.0/24", "may be given once" },
        { "user,id=x,ipv6-net=fec0::/200", "1 to 126" },
        { "user,id=x,mtu=9000", "Invalid parameter 'mtu'" },
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
    /* A network given without a mask takes its class's: 192.168 is /16. */
    Error *err = NULL;
    NetClient *u = netdev_add_str("user,id=cls,net=192.168.0.0,host=192.168.7.1", NULL, &err);
    g_assert_null(err);
    g_assert_nonnull(u);
    netdev_del("cls", NULL);
}

/* ---- -netdev tap ---- */

#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#define TEST_ETHERTYPE 0x88b5   /* local experimental: nothing else sends it */

static bool tap_usable(void)
{
    int fd = open("/dev/net/tun", O_RDWR);
    if (fd < 0 || geteuid() != 0) {
        if (fd >= 0) {
            close(fd);
        }
        g_test_skip("needs root and /dev/net/tun");
        return false;
    }
    close(fd);
    return true;
}

static bool has_test_frame(void *opaque)
{
    Nic *n = opaque;
    for (guint i = 0; i < n->frames->len; i++) {
        gsize len;
        const uint8_t *f = g_bytes_get_data(g_ptr_array_index(n->frames, i), &len);
        if (len >= 14 && f[12] == (TEST_ETHERTYPE >> 8) && f[13] == (TEST_ETHERTYPE & 0xff)) {
            return true;
        }
    }
    return false;
}

static void test_tap(void)
{
    if (!tap_usable()) {
        return;
    }
    Error *err = NULL;
    g_autofree char *log = g_build_filename(g_get_tmp_dir(), "test-net-tap.log", NULL);
    g_autofree char *up = g_build_filename(g_get_tmp_dir(), "test-net-ifup.sh", NULL);
    g_autofree char *body = g_strdup_printf("#!/bin/sh\necho \"$0 $1\" >> %s\n", log);
    g_assert_true(g_file_set_contents(up, body, -1, NULL));
    chmod(up, 0755);
    unlink(log);
    g_autofree char *o = g_strdup_printf("tap,id=t0,ifname=qtest%d,script=%s,downscript=%s",
                                         (int)getpid() % 10000, up, up);
    NetClient *t = netdev_add_str(o, NULL, &err);
    if (!t && err && g_str_has_prefix(error_message(err), "could not")) {
        /* /dev/net/tun refused here (a sandbox without network administration). */
        g_test_skip(error_message(err));
        error_free(err);
        return;
    }
    if (err) {
        g_error("%s", error_message(err));
    }
    Nic n;
    nic_init(&n, "nic-t", t);
    g_autofree char *ifname = g_strdup_printf("qtest%d", (int)getpid() % 10000);
    /* Up, as an ifup script would set it (without depending on iproute2). */
    int ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = { 0 };
    g_strlcpy(ifr.ifr_name, ifname, IFNAMSIZ);
    g_assert_cmpint(ioctl(ctl, SIOCGIFFLAGS, &ifr), ==, 0);
    ifr.ifr_flags |= IFF_UP;
    g_assert_cmpint(ioctl(ctl, SIOCSIFFLAGS, &ifr), ==, 0);
    close(ctl);

    /* The host side: a packet socket on the interface. */
    int ps = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(TEST_ETHERTYPE));
    g_assert_cmpint(ps, >=, 0);
    struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(TEST_ETHERTYPE),
                               .sll_ifindex = (int)if_nametoindex(ifname) };
    g_assert_cmpint(sll.sll_ifindex, >, 0);
    g_assert_cmpint(bind(ps, (struct sockaddr *)&sll, sizeof(sll)), ==, 0);

    /* Host to guest. */
    uint8_t frame[60] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x02, 0, 0, 0, 0, 1,
                          TEST_ETHERTYPE >> 8, TEST_ETHERTYPE & 0xff, 'h', 'i' };
    g_assert_cmpint(sendto(ps, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)),
                    ==, sizeof(frame));
    run_until(has_test_frame, &n);

    /* Guest to host. */
    frame[14] = 'g';
    g_assert_cmpint(net_send(n.nc, frame, sizeof(frame)), ==, sizeof(frame));
    uint8_t got[128];
    ssize_t r = -1;
    for (int i = 0; i < 2000; i++) {
        r = recv(ps, got, sizeof(got), MSG_DONTWAIT);
        if (r > 14 && got[14] == 'g') {
            break;
        }
        g_usleep(1000);
    }
    g_assert_cmpint(r, ==, sizeof(frame));
    close(ps);
    nic_free(&n);
    g_assert_true(netdev_del("t0", NULL));

    /* Both scripts ran with the interface name. */
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    g_autofree char *expect = g_strdup_printf("%s %s\n%s %s\n", up, ifname, up, ifname);
    g_assert_cmpstr(text, ==, expect);
    unlink(log);
    unlink(up);
}

static void test_tap_errors(void)
{
    static const struct { const char *opts, *msg; } bad[] = {
        { "tap,id=x,vhost=on", "vhost=on is not supported" },
        { "tap,id=x,queues=4", "queues=4 is not supported" },
        { "tap,id=x,br=br0", "'br' is not supported" },
        { "tap,id=x,fd=3,ifname=tap0", "cannot go with fd=" },
        { "tap,id=x,fd=banana", "open file descriptor" },
        { "tap,id=x,fd=0", "not a TAP device" },
        { "tap,id=x,colour=blue", "Invalid parameter 'colour'" },
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
    if (!tap_usable()) {
        return;
    }
    /* A failing script: the netdev is not created. */
    Error *err = NULL;
    g_assert_null(netdev_add_str("tap,id=x,script=/bin/false,downscript=no", NULL, &err));
    g_assert_nonnull(strstr(error_message(err), "/bin/false failed with status 1"));
    error_free(err);
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
    net_user_register();
    g_test_add_func("/net/socket/stream", test_stream);
    g_test_add_func("/net/socket/udp-flow-control", test_udp_and_flow_control);
    g_test_add_func("/net/socket/bad-stream-peer", test_bad_stream_peer);
    g_test_add_func("/net/options", test_option_errors);
    g_test_add_func("/net/host-port", test_host_port);
    g_test_add_func("/net/user/dhcp-hostfwd", test_user_dhcp_hostfwd);
    g_test_add_func("/net/user/options", test_user_option_errors);
    g_test_add_func("/net/tap/frames-and-scripts", test_tap);
    g_test_add_func("/net/tap/errors", test_tap_errors);
    return g_test_run();
}
