/*
 * Unit tests for the NBD client against a scripted fake server running in a
 * thread on a unix socket: the handshake variants (GO unsupported -> EXPORT_NAME,
 * extended headers, refusals with the server's message), structured replies
 * out of order, hole and error chunks, replies matched by cookie (also with
 * many threads on one connection), request splitting and alignment, broken
 * servers (bad magic, chunks outside the request, unknown contexts, a dropped
 * connection with requests pending) and the export list.
 */
#include "config.h"
#include <glib.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "nbd/nbd.h"
#include "nbd/nbd-proto.h"

static char *tmpdir;

/* ---- the fake server's toolkit (blocking I/O on its end of the socket) ---- */

typedef struct Fake Fake;
typedef void (*Script)(Fake *f);

struct Fake {
    int listen_fd;
    int fd;
    char *path;
    Script script;
    pthread_t thread;
    /* handshake knobs */
    bool go_unsupported;
    bool extended;
    bool no_structured;
    uint16_t tflags;
    uint64_t size;
    uint32_t ctx_id;            /* id given to base:allocation (0: none offered) */
    uint32_t refuse;            /* script_refuse: the error reply to GO */
    bool zeroes;                /* no NO_ZEROES: EXPORT_NAME ends with 124 zeroes */
};

static void xwrite(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t r = send(fd, p, len, MSG_NOSIGNAL);
        if (r <= 0) {
            return;             /* the client went away: the test checks its side */
        }
        p += r;
        len -= r;
    }
}

static bool xread(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t r = read(fd, p, len);
        if (r <= 0) {
            return false;
        }
        p += r;
        len -= r;
    }
    return true;
}

static void greet(Fake *f, uint16_t flags)
{
    uint8_t b[18];
    nbd_put64(b, NBD_MAGIC);
    nbd_put64(b + 8, NBD_OPTS_MAGIC);
    nbd_put16(b + 16, flags);
    xwrite(f->fd, b, 18);
    uint8_t cf[4];
    g_assert_true(xread(f->fd, cf, 4));
}

/* Read one option: its code, payload in *data (g_free). False at EOF. */
static bool read_opt(Fake *f, uint32_t *opt, uint8_t **data, uint32_t *len)
{
    uint8_t h[16];
    if (!xread(f->fd, h, 16)) {
        return false;
    }
    g_assert_cmphex(nbd_get64(h), ==, NBD_OPTS_MAGIC);
    *opt = nbd_get32(h + 8);
    *len = nbd_get32(h + 12);
    *data = g_malloc(*len + 1);
    (*data)[*len] = 0;
    return xread(f->fd, *data, *len);
}

static void opt_reply(Fake *f, uint32_t opt, uint32_t type, const void *data, uint32_t len)
{
    uint8_t h[20];
    nbd_put64(h, NBD_REP_MAGIC);
    nbd_put32(h + 8, opt);
    nbd_put32(h + 12, type);
    nbd_put32(h + 16, len);
    xwrite(f->fd, h, 20);
    xwrite(f->fd, data, len);
}

static void info_export(Fake *f, uint32_t opt, uint64_t size, uint16_t flags)
{
    uint8_t p[12];
    nbd_put16(p, NBD_INFO_EXPORT);
    nbd_put64(p + 2, size);
    nbd_put16(p + 10, flags);
    opt_reply(f, opt, NBD_REP_INFO, p, 12);
}

static void reply_meta(Fake *f, uint32_t opt, uint32_t id, const char *name)
{
    uint8_t p[64];
    nbd_put32(p, id);
    memcpy(p + 4, name, strlen(name));
    opt_reply(f, opt, NBD_REP_META_CONTEXT, p, 4 + strlen(name));
}

/* The usual handshake, shaped by the knobs; returns at transmission. */
static void handshake(Fake *f)
{
    greet(f, NBD_FLAG_FIXED_NEWSTYLE | (f->zeroes ? 0 : NBD_FLAG_NO_ZEROES));
    for (;;) {
        uint32_t opt, len;
        uint8_t *d;
        g_assert_true(read_opt(f, &opt, &d, &len));
        switch (opt) {
        case NBD_OPT_EXTENDED_HEADERS:
            opt_reply(f, opt, f->extended ? NBD_REP_ACK : NBD_REP_ERR_UNSUP, NULL, 0);
            break;
        case NBD_OPT_STRUCTURED_REPLY:
            opt_reply(f, opt, f->no_structured ? NBD_REP_ERR_UNSUP : NBD_REP_ACK, NULL, 0);
            break;
        case NBD_OPT_SET_META_CONTEXT:
            if (f->ctx_id) {
                reply_meta(f, opt, f->ctx_id, NBD_META_BASE_ALLOCATION);
            }
            opt_reply(f, opt, NBD_REP_ACK, NULL, 0);
            break;
        case NBD_OPT_GO:
            if (f->go_unsupported) {
                opt_reply(f, opt, NBD_REP_ERR_UNSUP, NULL, 0);
                break;
            }
            info_export(f, opt, f->size, f->tflags);
            opt_reply(f, opt, NBD_REP_ACK, NULL, 0);
            g_free(d);
            return;
        case NBD_OPT_EXPORT_NAME: {
            uint8_t p[10 + 124] = { 0 };
            nbd_put64(p, f->size);
            nbd_put16(p + 8, f->tflags);
            xwrite(f->fd, p, f->zeroes ? sizeof(p) : 10);
            g_free(d);
            return;
        }
        default:
            opt_reply(f, opt, NBD_REP_ERR_UNSUP, NULL, 0);
        }
        g_free(d);
    }
}

typedef struct Req {
    uint16_t flags, type;
    uint64_t cookie, offset, len;
} Req;

static bool read_req(Fake *f, Req *r)
{
    uint8_t h[NBD_EXTENDED_REQUEST_SIZE];
    size_t n = f->extended ? NBD_EXTENDED_REQUEST_SIZE : NBD_REQUEST_SIZE;
    if (!xread(f->fd, h, n)) {
        return false;
    }
    g_assert_cmphex(nbd_get32(h), ==,
                    f->extended ? NBD_EXTENDED_REQUEST_MAGIC : NBD_REQUEST_MAGIC);
    r->flags = nbd_get16(h + 4);
    r->type = nbd_get16(h + 6);
    r->cookie = nbd_get64(h + 8);
    r->offset = nbd_get64(h + 16);
    r->len = f->extended ? nbd_get64(h + 24) : nbd_get32(h + 24);
    return true;
}

static void simple_reply(Fake *f, const Req *r, uint32_t err, const void *data, size_t len)
{
    uint8_t h[16];
    nbd_put32(h, NBD_SIMPLE_REPLY_MAGIC);
    nbd_put32(h + 4, err);
    nbd_put64(h + 8, r->cookie);
    xwrite(f->fd, h, 16);
    xwrite(f->fd, data, len);
}

static void chunk(Fake *f, const Req *r, uint16_t flags, uint16_t type, const void *p,
                  size_t len)
{
    uint8_t h[32];
    size_t n;
    if (f->extended) {
        nbd_put32(h, NBD_EXTENDED_REPLY_MAGIC);
        nbd_put64(h + 16, r->offset);
        nbd_put64(h + 24, len);
        n = 32;
    } else {
        nbd_put32(h, NBD_STRUCTURED_REPLY_MAGIC);
        nbd_put32(h + 16, (uint32_t)len);
        n = 20;
    }
    nbd_put16(h + 4, flags);
    nbd_put16(h + 6, type);
    nbd_put64(h + 8, r->cookie);
    xwrite(f->fd, h, n);
    xwrite(f->fd, p, len);
}

static void data_chunk(Fake *f, const Req *r, uint16_t flags, uint64_t off, uint8_t fill,
                       size_t len)
{
    uint8_t *p = g_malloc(8 + len);
    nbd_put64(p, off);
    memset(p + 8, fill, len);
    chunk(f, r, flags, NBD_REPLY_TYPE_OFFSET_DATA, p, 8 + len);
    g_free(p);
}

static void hole_chunk(Fake *f, const Req *r, uint16_t flags, uint64_t off, uint32_t len)
{
    uint8_t p[12];
    nbd_put64(p, off);
    nbd_put32(p + 8, len);
    chunk(f, r, flags, NBD_REPLY_TYPE_OFFSET_HOLE, p, 12);
}

static void done_chunk(Fake *f, const Req *r)
{
    chunk(f, r, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_NONE, NULL, 0);
}

static void *fake_thread(void *opaque)
{
    Fake *f = opaque;
    f->fd = accept(f->listen_fd, NULL, NULL);
    g_assert_cmpint(f->fd, >=, 0);
    f->script(f);
    close(f->fd);
    return NULL;
}

static Fake *fake_start(Script script)
{
    Fake *f = g_new0(Fake, 1);
    static int n;
    f->path = g_strdup_printf("%s/fake%d.sock", tmpdir, n++);
    f->script = script;
    f->size = 1 << 20;
    f->tflags = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_WRITE_ZEROES;
    f->ctx_id = 7;
    f->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, f->path, sizeof(sa.sun_path));
    g_assert_cmpint(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(f->listen_fd, 1), ==, 0);
    return f;
}

static void fake_run(Fake *f)
{
    pthread_create(&f->thread, NULL, fake_thread, f);
}

static void fake_finish(Fake *f)
{
    pthread_join(f->thread, NULL);
    close(f->listen_fd);
    unlink(f->path);
    g_free(f->path);
    g_free(f);
}

static NbdClient *connect_to(Fake *f, const char *export, Error **errp)
{
    SocketAddress *addr = socket_address_new_unix(f->path);
    NbdClientConfig cfg = { .addr = addr, .export_name = export };
    NbdClient *c = nbd_client_connect(&cfg, errp);
    socket_address_free(addr);
    return c;
}

static Fake *start_and_connect(Script script, void (*tune)(Fake *), NbdClient **c)
{
    Fake *f = fake_start(script);
    if (tune) {
        tune(f);
    }
    fake_run(f);
    Error *err = NULL;
    *c = connect_to(f, "exp", &err);
    g_assert_null(err);
    g_assert_nonnull(*c);
    return f;
}

/* Serve until DISC or EOF; reads answered by the pattern byte (offset >> 12). */
static void serve_simple(Fake *f)
{
    Req r;
    while (read_req(f, &r) && r.type != NBD_CMD_DISC) {
        if (r.type == NBD_CMD_READ) {
            uint8_t *buf = g_malloc(r.len);
            memset(buf, (int)(r.offset >> 12) + 1, r.len);
            if (f->no_structured) {
                simple_reply(f, &r, 0, buf, r.len);
            } else {
                data_chunk(f, &r, NBD_REPLY_FLAG_DONE, r.offset, (uint8_t)((r.offset >> 12) + 1),
                           r.len);
            }
            g_free(buf);
        } else if (r.type == NBD_CMD_WRITE) {
            uint8_t *buf = g_malloc(r.len);
            g_assert_true(xread(f->fd, buf, r.len));
            g_free(buf);
            simple_reply(f, &r, 0, NULL, 0);
        } else {
            simple_reply(f, &r, 0, NULL, 0);
        }
    }
}

/* ---- handshake ---- */

static void script_fallback(Fake *f)
{
    handshake(f);
    serve_simple(f);
}

static void tune_fallback(Fake *f)
{
    f->go_unsupported = true;
    f->no_structured = true;
    f->size = 65536;
}

static void test_go_fallback(void)
{
    NbdClient *c;
    Fake *f = start_and_connect(script_fallback, tune_fallback, &c);
    g_assert_cmpuint(nbd_client_info(c)->size, ==, 65536);
    g_assert_false(nbd_client_structured(c));
    uint8_t buf[8192];
    g_assert_cmpint(nbd_client_read(c, 4096, sizeof(buf), buf), ==, 0);
    g_assert_cmpint(buf[0], ==, 2);
    g_assert_cmpint(buf[8191], ==, 2);
    /* No base:allocation without structured replies. */
    g_assert_false(nbd_client_has_context(c, NBD_META_BASE_ALLOCATION));
    nbd_client_close(c);
    fake_finish(f);
}

static void tune_fallback_zeroes(Fake *f)
{
    tune_fallback(f);
    f->zeroes = true;
}

static void test_go_fallback_zeroes(void)
{
    NbdClient *c;
    Fake *f = start_and_connect(script_fallback, tune_fallback_zeroes, &c);
    uint8_t buf[512];
    /* The padding was skipped: the next reply parses. */
    g_assert_cmpint(nbd_client_read(c, 8192, sizeof(buf), buf), ==, 0);
    g_assert_cmpint(buf[0], ==, 3);
    nbd_client_close(c);
    fake_finish(f);
}

static void script_refuse(Fake *f)
{
    greet(f, NBD_FLAG_FIXED_NEWSTYLE);
    uint32_t opt, len;
    uint8_t *d;
    while (read_opt(f, &opt, &d, &len)) {
        if (opt == NBD_OPT_GO) {
            const char *msg = "export 'exp' not present";
            opt_reply(f, opt, f->refuse, msg, strlen(msg));
        } else if (opt == NBD_OPT_ABORT) {
            g_free(d);
            break;
        } else {
            opt_reply(f, opt, NBD_REP_ERR_UNSUP, NULL, 0);
        }
        g_free(d);
    }
}

static void check_refusal(uint32_t rep, const char *want)
{
    Fake *f = fake_start(script_refuse);
    f->refuse = rep;
    fake_run(f);
    Error *err = NULL;
    NbdClient *c = connect_to(f, "exp", &err);
    g_assert_null(c);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(error_message(err), want));
    g_assert_nonnull(strstr(error_message(err), "not present"));
    error_free(err);
    fake_finish(f);
}

static void test_refusals(void)
{
    check_refusal(NBD_REP_ERR_UNKNOWN, "Requested export not available");
    check_refusal(NBD_REP_ERR_TLS_REQD, "Server requires TLS");
}

static void script_extended(Fake *f)
{
    handshake(f);
    Req r;
    /* A read answered by two data chunks, the second half first. */
    g_assert_true(read_req(f, &r));
    g_assert_cmpint(r.type, ==, NBD_CMD_READ);
    data_chunk(f, &r, 0, r.offset + 4096, 0xbb, 4096);
    data_chunk(f, &r, NBD_REPLY_FLAG_DONE, r.offset, 0xaa, 4096);
    /* Block status with 64-bit extents. */
    g_assert_true(read_req(f, &r));
    g_assert_cmpint(r.type, ==, NBD_CMD_BLOCK_STATUS);
    uint8_t p[8 + 32];
    nbd_put32(p, f->ctx_id);
    nbd_put32(p + 4, 2);
    nbd_put64(p + 8, 8192);
    nbd_put64(p + 16, 0);
    nbd_put64(p + 24, 1 << 20);         /* runs past the request: clipped */
    nbd_put64(p + 32, NBD_STATE_HOLE | NBD_STATE_ZERO);
    chunk(f, &r, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_BLOCK_STATUS_EXT, p, sizeof(p));
    serve_simple(f);
}

static void tune_extended(Fake *f)
{
    f->extended = true;
}

static void test_extended(void)
{
    NbdClient *c;
    Fake *f = start_and_connect(script_extended, tune_extended, &c);
    g_assert_true(nbd_client_extended(c));
    g_assert_true(nbd_client_has_context(c, NBD_META_BASE_ALLOCATION));
    uint8_t buf[8192];
    g_assert_cmpint(nbd_client_read(c, 65536, sizeof(buf), buf), ==, 0);
    g_assert_cmpint(buf[0], ==, 0xaa);
    g_assert_cmpint(buf[4095], ==, 0xaa);
    g_assert_cmpint(buf[4096], ==, 0xbb);
    NbdExtent *ext;
    size_t n;
    g_assert_cmpint(nbd_client_block_status(c, NBD_META_BASE_ALLOCATION, 0, 65536,
                                            &ext, &n), ==, 0);
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmpuint(ext[0].length, ==, 8192);
    g_assert_cmpuint(ext[0].flags, ==, 0);
    g_assert_cmpuint(ext[1].length, ==, 65536 - 8192);
    g_assert_cmpuint(ext[1].flags, ==, NBD_STATE_HOLE | NBD_STATE_ZERO);
    g_free(ext);
    nbd_client_close(c);
    fake_finish(f);
}

/* ---- structured replies ---- */

static void script_chunks(Fake *f)
{
    handshake(f);
    Req r;
    /* Hole for the first half, data for the second, sent in reverse order. */
    g_assert_true(read_req(f, &r));
    data_chunk(f, &r, 0, r.offset + 4096, 0x5a, 4096);
    hole_chunk(f, &r, 0, r.offset, 4096);
    done_chunk(f, &r);
    /* An error chunk with a message; the connection stays usable. */
    g_assert_true(read_req(f, &r));
    uint8_t e[6 + 5];
    nbd_put32(e, NBD_EPERM);
    nbd_put16(e + 4, 5);
    memcpy(e + 6, "nope!", 5);
    chunk(f, &r, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_ERROR, e, sizeof(e));
    /* Data that does not cover the whole read: -EIO for that request only. */
    g_assert_true(read_req(f, &r));
    data_chunk(f, &r, NBD_REPLY_FLAG_DONE, r.offset, 1, 512);
    /* Block status: compact extents. */
    g_assert_true(read_req(f, &r));
    uint8_t p[4 + 16];
    nbd_put32(p, f->ctx_id);
    nbd_put32(p + 4, 4096);
    nbd_put32(p + 8, NBD_STATE_ZERO);
    nbd_put32(p + 12, 4096);
    nbd_put32(p + 16, 0);
    chunk(f, &r, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_BLOCK_STATUS, p, sizeof(p));
    serve_simple(f);
}

static void test_chunks(void)
{
    NbdClient *c;
    Fake *f = start_and_connect(script_chunks, NULL, &c);
    uint8_t buf[8192];
    memset(buf, 0xff, sizeof(buf));
    g_assert_cmpint(nbd_client_read(c, 0, sizeof(buf), buf), ==, 0);
    g_assert_cmpint(buf[0], ==, 0);
    g_assert_cmpint(buf[4095], ==, 0);
    g_assert_cmpint(buf[4096], ==, 0x5a);
    g_assert_cmpint(buf[8191], ==, 0x5a);
    g_assert_cmpint(nbd_client_read(c, 0, 4096, buf), ==, -EPERM);
    g_assert_cmpint(nbd_client_read(c, 0, 4096, buf), ==, -EIO);
    NbdExtent *ext;
    size_t n;
    g_assert_cmpint(nbd_client_block_status(c, NBD_META_BASE_ALLOCATION, 4096, 8192,
                                            &ext, &n), ==, 0);
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmpuint(ext[0].flags, ==, NBD_STATE_ZERO);
    g_free(ext);
    g_assert_cmpint(nbd_client_read(c, 8192, 4096, buf), ==, 0);
    g_assert_cmpint(buf[0], ==, 3);
    nbd_client_close(c);
    fake_finish(f);
}

/* Two requests in flight, answered in reverse order. */
typedef struct Reader {
    NbdClient *c;
    uint64_t off;
    int ret;
    uint8_t buf[4096];
} Reader;

static void *reader_thread(void *opaque)
{
    Reader *r = opaque;
    r->ret = nbd_client_read(r->c, r->off, sizeof(r->buf), r->buf);
    return NULL;
}

static void script_reverse(Fake *f)
{
    handshake(f);
    Req a, b;
    g_assert_true(read_req(f, &a));
    g_assert_true(read_req(f, &b));
    g_assert_cmpuint(a.cookie, !=, b.cookie);
    data_chunk(f, &b, NBD_REPLY_FLAG_DONE, b.offset, (uint8_t)(b.offset >> 12), 4096);
    data_chunk(f, &a, NBD_REPLY_FLAG_DONE, a.offset, (uint8_t)(a.offset >> 12), 4096);
    serve_simple(f);
}

static void test_out_of_order(void)
{
    NbdClient *c;
    Fake *f = start_and_connect(script_reverse, NULL, &c);
    Reader r1 = { .c = c, .off = 4096 }, r2 = { .c = c, .off = 3 * 4096 };
    pthread_t t1, t2;
    pthread_create(&t1, NULL, reader_thread, &r1);
    pthread_create(&t2, NULL, reader_thread, &r2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    g_assert_cmpint(r1.ret, ==, 0);
    g_assert_cmpint(r2.ret, ==, 0);
    g_assert_cmpint(r1.buf[0], ==, 1);
    g_assert_cmpint(r1.buf[4095], ==, 1);
    g_assert_cmpint(r2.buf[0], ==, 3);
    nbd_client_close(c);
    fake_finish(f);
}

/*
 * Many threads, one connection: the server answers in swapped pairs (each
 * read as two chunks, second half first), so replies rarely match the order
 * of the requests. A held request is answered when no other arrives soon.
 */
static void answer_split(Fake *f, const Req *r)
{
    uint8_t fill = (uint8_t)((r->offset >> 12) + 1);
    data_chunk(f, r, 0, r->offset + r->len / 2, fill, r->len / 2);
    data_chunk(f, r, NBD_REPLY_FLAG_DONE, r->offset, fill, r->len / 2);
}

static void script_many(Fake *f)
{
    handshake(f);
    Req held, r;
    bool holding = false;
    for (;;) {
        struct pollfd pfd = { .fd = f->fd, .events = POLLIN };
        if (holding && poll(&pfd, 1, 20) == 0) {
            answer_split(f, &held);
            holding = false;
            continue;
        }
        if (!read_req(f, &r) || r.type == NBD_CMD_DISC) {
            break;
        }
        g_assert_cmpint(r.type, ==, NBD_CMD_READ);
        if (!holding) {
            held = r;
            holding = true;
            continue;
        }
        answer_split(f, &r);
        answer_split(f, &held);
        holding = false;
    }
}

typedef struct Worker {
    NbdClient *c;
    unsigned seed;
    int bad;
} Worker;

static void *many_worker(void *opaque)
{
    Worker *w = opaque;
    uint8_t buf[4096];
    for (int i = 0; i < 40; i++) {
        uint64_t block = rand_r(&w->seed) % 200;
        if (nbd_client_read(w->c, block * 4096, sizeof(buf), buf) != 0 ||
            buf[0] != (uint8_t)(block + 1) || buf[4095] != (uint8_t)(block + 1)) {
            w->bad++;
        }
    }
    return NULL;
}

static void test_many_threads(void)
{
    NbdClient *c;
    Fake *f = start_and_connect(script_many, NULL, &c);
    Worker w[8];
    pthread_t t[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (Worker){ .c = c, .seed = (unsigned)i * 7919 + 1 };
        pthread_create(&t[i], NULL, many_worker, &w[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        g_assert_cmpint(w[i].bad, ==, 0);
    }
    nbd_client_close(c);
    fake_finish(f);
}

/* ---- broken servers ---- */

static void script_bad_magic(Fake *f)
{
    handshake(f);
    Req r;
    g_assert_true(read_req(f, &r));
    uint8_t junk[20] = { 0xde, 0xad, 0xbe, 0xef };
    xwrite(f->fd, junk, sizeof(junk));
    /* Stay until the client hangs up, so only the magic can be blamed. */
    while (read_req(f, &r)) {
    }
}

static void script_outside(Fake *f)
{
    handshake(f);
    Req r;
    g_assert_true(read_req(f, &r));
    data_chunk(f, &r, NBD_REPLY_FLAG_DONE, r.offset + 4096, 1, 4096);
    while (read_req(f, &r)) {
    }
}

static void script_overlap(Fake *f)
{
    handshake(f);
    Req r;
    g_assert_true(read_req(f, &r));
    data_chunk(f, &r, 0, r.offset, 1, 4096);
    hole_chunk(f, &r, NBD_REPLY_FLAG_DONE, r.offset + 2048, 4096);
    while (read_req(f, &r)) {
    }
}

static void script_unknown_cookie(Fake *f)
{
    handshake(f);
    Req r;
    g_assert_true(read_req(f, &r));
    r.cookie ^= 0x1234;
    simple_reply(f, &r, 0, NULL, 0);
    while (read_req(f, &r)) {
    }
}

static void broken_read(Script script)
{
    NbdClient *c;
    Fake *f = start_and_connect(script, NULL, &c);
    uint8_t buf[4096];
    g_assert_cmpint(nbd_client_read(c, 0, sizeof(buf), buf), ==, -EIO);
    /* The connection is gone: later requests fail at once. */
    g_assert_cmpint(nbd_client_read(c, 0, sizeof(buf), buf), ==, -EIO);
    g_assert_cmpint(nbd_client_flush(c), ==, -EIO);
    nbd_client_close(c);
    fake_finish(f);
}

static void test_bad_magic(void)
{
    broken_read(script_bad_magic);
}

static void test_chunk_outside(void)
{
    broken_read(script_outside);
}

static void test_chunk_overlap(void)
{
    broken_read(script_overlap);
}

static void test_unknown_cookie(void)
{
    broken_read(script_unknown_cookie);
}

static void script_bad_context(Fake *f)
{
    handshake(f);
    Req r;
    g_assert_true(read_req(f, &r));
    uint8_t p[4 + 8];
    nbd_put32(p, f->ctx_id + 1);
    nbd_put32(p + 4, 4096);
    nbd_put32(p + 8, 0);
    chunk(f, &r, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_BLOCK_STATUS, p, sizeof(p));
    while (read_req(f, &r)) {
    }
}

/* Extents that go on after the requested range is covered. */
static void script_status_beyond(Fake *f)
{
    handshake(f);
    Req r;
    g_assert_true(read_req(f, &r));
    uint8_t p[4 + 16];
    nbd_put32(p, f->ctx_id);
    nbd_put32(p + 4, (uint32_t)r.len);
    nbd_put32(p + 8, 0);
    nbd_put32(p + 12, 4096);
    nbd_put32(p + 16, 0);
    chunk(f, &r, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_BLOCK_STATUS, p, sizeof(p));
    while (read_req(f, &r)) {
    }
}

static void test_status_beyond(void)
{
    NbdClient *c;
    Fake *f = start_and_connect(script_status_beyond, NULL, &c);
    NbdExtent *ext;
    size_t n;
    g_assert_cmpint(nbd_client_block_status(c, NBD_META_BASE_ALLOCATION, 0, 8192, &ext, &n),
                    ==, -EIO);
    nbd_client_close(c);
    fake_finish(f);
}

static void test_bad_context(void)
{
    NbdClient *c;
    Fake *f = start_and_connect(script_bad_context, NULL, &c);
    NbdExtent *ext;
    size_t n;
    g_assert_cmpint(nbd_client_block_status(c, NBD_META_BASE_ALLOCATION, 0, 4096, &ext, &n),
                    ==, -EIO);
    g_assert_null(ext);
    nbd_client_close(c);
    fake_finish(f);
}

/* The server reads several requests, then vanishes: nobody may hang. */
static void script_drop(Fake *f)
{
    handshake(f);
    Req r;
    for (int i = 0; i < 4; i++) {
        g_assert_true(read_req(f, &r));
    }
    shutdown(f->fd, SHUT_RDWR);
}

static void test_drop_pending(void)
{
    NbdClient *c;
    Fake *f = start_and_connect(script_drop, NULL, &c);
    Reader r[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (Reader){ .c = c, .off = (uint64_t)i * 4096 };
        pthread_create(&t[i], NULL, reader_thread, &r[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        g_assert_cmpint(r[i].ret, ==, -EIO);
    }
    uint8_t b[512];
    g_assert_cmpint(nbd_client_read(c, 0, sizeof(b), b), ==, -EIO);
    nbd_client_close(c);
    fake_finish(f);
}

/* Large reads are split at the server's maximum payload. */
static void script_block_size(Fake *f)
{
    greet(f, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
    uint32_t opt, len;
    uint8_t *d;
    for (;;) {
        g_assert_true(read_opt(f, &opt, &d, &len));
        if (opt == NBD_OPT_GO) {
            uint8_t p[14];
            nbd_put16(p, NBD_INFO_BLOCK_SIZE);
            nbd_put32(p + 2, 512);
            nbd_put32(p + 6, 4096);
            nbd_put32(p + 10, 65536);
            opt_reply(f, opt, NBD_REP_INFO, p, sizeof(p));
            info_export(f, opt, f->size, f->tflags);
            opt_reply(f, opt, NBD_REP_ACK, NULL, 0);
            g_free(d);
            break;
        }
        opt_reply(f, opt, NBD_REP_ERR_UNSUP, NULL, 0);
        g_free(d);
    }
    f->no_structured = true;
    Req r;
    int reads = 0;
    while (read_req(f, &r) && r.type != NBD_CMD_DISC) {
        g_assert_cmpuint(r.len, <=, 65536);
        g_assert_cmpuint(r.offset % 512, ==, 0);
        reads++;
        uint8_t *buf = g_malloc0(r.len);
        simple_reply(f, &r, 0, buf, r.len);
        g_free(buf);
    }
    g_assert_cmpint(reads, ==, 3);
}

static void test_block_size(void)
{
    NbdClient *c;
    Fake *f = start_and_connect(script_block_size, NULL, &c);
    g_assert_cmpuint(nbd_client_info(c)->min_block, ==, 512);
    g_assert_cmpuint(nbd_client_info(c)->max_block, ==, 65536);
    uint8_t *buf = g_malloc(3 * 65536);
    g_assert_cmpint(nbd_client_read(c, 0, 3 * 65536, buf), ==, 0);
    g_assert_cmpint(nbd_client_read(c, 100, 512, buf), ==, -EINVAL);  /* unaligned */
    g_free(buf);
    nbd_client_close(c);
    fake_finish(f);
}

/* ---- the export list ---- */

static void server_entry(Fake *f, const char *name, const char *desc)
{
    GByteArray *b = g_byte_array_new();
    uint8_t l[4];
    nbd_put32(l, (uint32_t)strlen(name));
    g_byte_array_append(b, l, 4);
    g_byte_array_append(b, (const uint8_t *)name, (guint)strlen(name));
    g_byte_array_append(b, (const uint8_t *)desc, (guint)strlen(desc));
    opt_reply(f, NBD_OPT_LIST, NBD_REP_SERVER, b->data, b->len);
    g_byte_array_free(b, TRUE);
}

static void script_list(Fake *f)
{
    greet(f, NBD_FLAG_FIXED_NEWSTYLE);
    uint32_t opt, len;
    uint8_t *d;
    while (read_opt(f, &opt, &d, &len)) {
        if (opt == NBD_OPT_LIST) {
            server_entry(f, "alpha", "the first");
            server_entry(f, "", "");
            opt_reply(f, opt, NBD_REP_ACK, NULL, 0);
        } else if (opt == NBD_OPT_INFO) {
            uint32_t nlen = nbd_get32(d);
            if (nlen == 0) {
                opt_reply(f, opt, NBD_REP_ERR_UNSUP, NULL, 0);
            } else {
                info_export(f, opt, 12345, NBD_FLAG_HAS_FLAGS | NBD_FLAG_READ_ONLY);
                opt_reply(f, opt, NBD_REP_ACK, NULL, 0);
            }
        } else if (opt == NBD_OPT_LIST_META_CONTEXT) {
            reply_meta(f, opt, 0, "base:allocation");
            reply_meta(f, opt, 0, "qemu:dirty-bitmap:b0");
            opt_reply(f, opt, NBD_REP_ACK, NULL, 0);
        } else if (opt == NBD_OPT_ABORT) {
            opt_reply(f, opt, NBD_REP_ACK, NULL, 0);
            g_free(d);
            break;
        } else {
            opt_reply(f, opt, opt == NBD_OPT_STRUCTURED_REPLY ? NBD_REP_ACK :
                      NBD_REP_ERR_UNSUP, NULL, 0);
        }
        g_free(d);
    }
}

static void test_list(void)
{
    Fake *f = fake_start(script_list);
    fake_run(f);
    SocketAddress *addr = socket_address_new_unix(f->path);
    NbdClientConfig cfg = { .addr = addr };
    NbdExportInfo *list = NULL;
    size_t n = 0;
    Error *err = NULL;
    g_assert_true(nbd_client_list(&cfg, &list, &n, &err));
    g_assert_null(err);
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmpstr(list[0].name, ==, "alpha");
    g_assert_cmpstr(list[0].description, ==, "the first");
    g_assert_cmpuint(list[0].size, ==, 12345);
    g_assert_true(list[0].flags & NBD_FLAG_READ_ONLY);
    g_assert_cmpuint(list[0].n_contexts, ==, 2);
    g_assert_cmpstr(list[0].contexts[1], ==, "qemu:dirty-bitmap:b0");
    g_assert_cmpstr(list[1].name, ==, "");
    g_assert_null(list[1].description);
    g_assert_cmpuint(list[1].size, ==, 0);           /* INFO refused: no details */
    nbd_export_info_free_list(list, n);
    socket_address_free(addr);
    fake_finish(f);
}

/* A server that speaks no NBD at all. */
static void script_garbage(Fake *f)
{
    xwrite(f->fd, "HTTP/1.0 400 Bad\r\n\r\n", 20);
}

static void test_not_nbd(void)
{
    Fake *f = fake_start(script_garbage);
    fake_run(f);
    Error *err = NULL;
    NbdClient *c = connect_to(f, "", &err);
    g_assert_null(c);
    g_assert_nonnull(strstr(error_message(err), "NBD magic"));
    error_free(err);
    fake_finish(f);
}

/* The kernel client: handshake only, simple replies, the caller keeps the fd. */
static void *kernel_side(void *opaque)
{
    Fake *f = opaque;
    greet(f, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
    uint32_t opt, len;
    uint8_t *d;
    while (read_opt(f, &opt, &d, &len)) {
        g_assert_cmpuint(opt, !=, NBD_OPT_STRUCTURED_REPLY);
        g_assert_cmpuint(opt, !=, NBD_OPT_EXTENDED_HEADERS);
        g_assert_cmpuint(opt, !=, NBD_OPT_SET_META_CONTEXT);
        g_free(d);
        if (opt == NBD_OPT_GO) {
            info_export(f, opt, 3 << 20, NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH);
            opt_reply(f, opt, NBD_REP_ACK, NULL, 0);
            break;
        }
        opt_reply(f, opt, NBD_REP_ERR_UNSUP, NULL, 0);
    }
    return NULL;
}

static void test_negotiate_fd(void)
{
    int sv[2];
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    Fake f = { .fd = sv[1] };
    pthread_t t;
    pthread_create(&t, NULL, kernel_side, &f);
    NbdClientConfig cfg = { .export_name = "k" };
    NbdExportInfo info = { 0 };
    Error *err = NULL;
    g_assert_true(nbd_client_negotiate_fd(&cfg, sv[0], &info, &err));
    g_assert_null(err);
    pthread_join(t, NULL);
    g_assert_cmpuint(info.size, ==, 3 << 20);
    g_assert_cmpuint(info.flags, ==, NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH);
    g_assert_cmpstr(info.name, ==, "k");
    g_assert_cmpint(fcntl(sv[0], F_GETFD), >=, 0);     /* still the caller's */
    nbd_export_info_clear(&info);
    close(sv[0]);
    close(sv[1]);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-nbd-client.XXXXXX", NULL);
    g_test_add_func("/nbd-client/go-fallback", test_go_fallback);
    g_test_add_func("/nbd-client/go-fallback-zeroes", test_go_fallback_zeroes);
    g_test_add_func("/nbd-client/refusals", test_refusals);
    g_test_add_func("/nbd-client/extended", test_extended);
    g_test_add_func("/nbd-client/chunks", test_chunks);
    g_test_add_func("/nbd-client/out-of-order", test_out_of_order);
    g_test_add_func("/nbd-client/many-threads", test_many_threads);
    g_test_add_func("/nbd-client/bad-magic", test_bad_magic);
    g_test_add_func("/nbd-client/chunk-outside", test_chunk_outside);
    g_test_add_func("/nbd-client/chunk-overlap", test_chunk_overlap);
    g_test_add_func("/nbd-client/unknown-cookie", test_unknown_cookie);
    g_test_add_func("/nbd-client/bad-context", test_bad_context);
    g_test_add_func("/nbd-client/status-beyond", test_status_beyond);
    g_test_add_func("/nbd-client/drop-pending", test_drop_pending);
    g_test_add_func("/nbd-client/block-size", test_block_size);
    g_test_add_func("/nbd-client/list", test_list);
    g_test_add_func("/nbd-client/not-nbd", test_not_nbd);
    g_test_add_func("/nbd-client/negotiate-fd", test_negotiate_fd);
    int ret = g_test_run();
    rmdir(tmpdir);
    g_free(tmpdir);
    return ret;
}
