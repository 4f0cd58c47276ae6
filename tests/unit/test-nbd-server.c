/*
 * Unit tests for the NBD server: a raw-protocol client in this file talks over
 * a socketpair to an in-process server exporting temporary raw and qcow2
 * images. Covers the handshake (every option, TLS gating, bad input), every
 * command with simple, structured and extended replies, validation errors,
 * clients that vanish, many requests in flight, and shutdown.
 */
#include "config.h"
#include <glib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "block/block.h"
#include "block/block-backend.h"
#include "libcore/channel.h"
#include "libcore/object.h"
#include "libcore/tls.h"
#include "nbd/nbd.h"
#include "nbd/nbd-proto.h"
#include "nbd/server-int.h"

#define IMG_SIZE (1024 * 1024)
#define CLUSTER (64 * 1024)

enum { MODE_SIMPLE, MODE_STRUCTURED, MODE_EXTENDED };

typedef struct Fixture {
    char *dir;
    char *raw_path;
    BlockBackend *raw;     /* 1 MiB, data in [0, 64k), hole after */
    BlockBackend *top;     /* qcow2 over a qcow2 base */
    NbdServer *srv;
    int closed;            /* client_closed calls */
} Fixture;

static Fixture F;

/* ---- Images and server ---- */

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 9));
    }
}

static void make_qcow2(const char *path, const char *backing)
{
    QDict *opts = qdict_new();
    qdict_put_str(opts, "size", "1M");
    if (backing) {
        qdict_put_str(opts, "backing_file", backing);
        qdict_put_str(opts, "backing_fmt", "qcow2");
    }
    Error *err = NULL;
    int ret = bdrv_create(bdrv_find_format("qcow2"), path, opts, &err);
    if (err) {
        g_test_message("create %s: %s", path, error_message(err));
        error_free(err);
    }
    g_assert_cmpint(ret, ==, 0);
    qobject_unref(opts);
}

static BlockBackend *open_blk(const char *path, const char *driver, int flags)
{
    QDict *opts = NULL;
    if (driver) {
        opts = qdict_new();
        qdict_put_str(opts, "driver", driver);
    }
    Error *err = NULL;
    BlockBackend *blk = blk_new_open(path, opts, flags, &err);
    if (!blk) {
        g_test_message("open %s: %s", path, error_message(err));
    }
    g_assert_nonnull(blk);
    return blk;
}

static void write_blk(BlockBackend *blk, int64_t off, int64_t len, unsigned seed)
{
    uint8_t *buf = g_malloc(len);
    fill(buf, len, seed);
    g_assert_cmpint(blk_pwrite(blk, off, len, buf, 0), ==, 0);
    g_free(buf);
}

static void on_closed(void *opaque)
{
    __atomic_add_fetch((int *)opaque, 1, __ATOMIC_SEQ_CST);
}

static void add_export(const char *name, BlockBackend *blk, bool ro, bool depth,
                       const char *desc)
{
    NbdExportConfig ec = {
        .name = name, .description = desc, .blk = blk, .read_only = ro,
        .allocation_depth = depth, .multi_conn = ro,
    };
    Error *err = NULL;
    g_assert_true(nbd_server_add_export(F.srv, &ec, &err));
    g_assert_null(err);
}

static void setup_with(TlsCreds *creds)
{
    memset(&F, 0, sizeof(F));
    F.dir = g_dir_make_tmp("nbd-server-XXXXXX", NULL);
    g_assert_nonnull(F.dir);
    F.raw_path = g_build_filename(F.dir, "raw.img", NULL);
    int fd = open(F.raw_path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, IMG_SIZE), ==, 0);
    close(fd);
    F.raw = open_blk(F.raw_path, "raw", BDRV_O_RDWR);
    write_blk(F.raw, 0, CLUSTER, 1);

    char *base = g_build_filename(F.dir, "base.qcow2", NULL);
    char *top = g_build_filename(F.dir, "top.qcow2", NULL);
    make_qcow2(base, NULL);
    BlockBackend *b = open_blk(base, "qcow2", BDRV_O_RDWR);
    write_blk(b, 0, CLUSTER, 2);
    blk_unref(b);
    make_qcow2(top, base);
    F.top = open_blk(top, NULL, BDRV_O_RDWR);
    write_blk(F.top, 2 * CLUSTER, CLUSTER, 3);
    g_free(base);
    g_free(top);

    NbdServerConfig cfg = {
        .tls_creds = creds, .client_closed = on_closed, .opaque = &F.closed,
    };
    F.srv = nbd_server_new(&cfg);
    add_export("", F.raw, false, false, "the raw one");
    add_export("ro", F.raw, true, false, NULL);
    add_export("q", F.top, false, true, NULL);
}

static void setup(void)
{
    setup_with(NULL);
}

static void teardown(void)
{
    nbd_server_free(F.srv);
    blk_unref(F.raw);
    blk_unref(F.top);
    char *cmd = g_strdup_printf("rm -rf '%s'", F.dir);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(cmd);
    g_free(F.raw_path);
    g_free(F.dir);
}

/* ---- Raw protocol client ---- */

/* After STARTTLS the test's connection fd talks through this channel instead. */
static Channel *tls_ch;
static int tls_fd = -1;

static void xwrite(int fd, const void *buf, size_t len)
{
    if (fd == tls_fd) {
        g_assert_true(channel_write_all(tls_ch, buf, len, NULL));
        return;
    }
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        g_assert_cmpint(n, >, 0);
        p += n;
        len -= n;
    }
}

/* Exactly len bytes, or false at end of stream / error. */
static bool xread(int fd, void *buf, size_t len)
{
    if (fd == tls_fd) {
        return channel_read_all(tls_ch, buf, len, NULL) == 1;
    }
    uint8_t *p = buf;
    while (len) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        p += n;
        len -= n;
    }
    return true;
}

static void xread_ok(int fd, void *buf, size_t len)
{
    g_assert_true(xread(fd, buf, len));
}

/* The server closed the connection (without sending anything more). */
static void expect_eof(int fd)
{
    uint8_t b;
    if (fd == tls_fd) {
        Error *err = NULL;
        int r = channel_read_all(tls_ch, &b, 1, &err);
        error_free(err);
        g_assert_cmpint(r, <=, 0);
        return;
    }
    ssize_t n;
    do {
        n = read(fd, &b, 1);
    } while (n < 0 && errno == EINTR);
    g_assert_true(n == 0 || (n < 0 && errno == ECONNRESET));
}

/* Wait for the server to report n closed connections. */
static void wait_closed(int n)
{
    for (int i = 0; i < 20000 && __atomic_load_n(&F.closed, __ATOMIC_SEQ_CST) < n; i++) {
        g_usleep(1000);
    }
    g_assert_cmpint(__atomic_load_n(&F.closed, __ATOMIC_SEQ_CST), >=, n);
}

static int connect_fd(void)
{
    int sv[2];
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    /* A server bug must fail the test, not hang it. */
    struct timeval tv = { .tv_sec = 30 };
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    nbd_server_serve_fd(F.srv, sv[0]);
    return sv[1];
}

static void greet(int fd, uint32_t cflags)
{
    uint8_t buf[18];
    xread_ok(fd, buf, sizeof(buf));
    g_assert_cmphex(nbd_get64(buf), ==, NBD_MAGIC);
    g_assert_cmphex(nbd_get64(buf + 8), ==, NBD_OPTS_MAGIC);
    g_assert_cmphex(nbd_get16(buf + 16), ==, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
    uint8_t cf[4];
    nbd_put32(cf, cflags);
    xwrite(fd, cf, 4);
}

static int connect_greet(void)
{
    int fd = connect_fd();
    greet(fd, NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES);
    return fd;
}

static void send_opt(int fd, uint32_t opt, const void *data, uint32_t len)
{
    uint8_t hdr[16];
    nbd_put64(hdr, NBD_OPTS_MAGIC);
    nbd_put32(hdr + 8, opt);
    nbd_put32(hdr + 12, len);
    xwrite(fd, hdr, sizeof(hdr));
    if (len) {
        xwrite(fd, data, len);
    }
}

typedef struct Rep {
    uint32_t opt, type, len;
    uint8_t *data;
} Rep;

static void read_rep(int fd, uint32_t opt, Rep *r)
{
    uint8_t hdr[20];
    xread_ok(fd, hdr, sizeof(hdr));
    g_assert_cmphex(nbd_get64(hdr), ==, NBD_REP_MAGIC);
    r->opt = nbd_get32(hdr + 8);
    r->type = nbd_get32(hdr + 12);
    r->len = nbd_get32(hdr + 16);
    g_assert_cmpuint(r->opt, ==, opt);
    g_assert_cmpuint(r->len, <=, 1 << 20);
    r->data = g_malloc0(r->len + 1);
    xread_ok(fd, r->data, r->len);
}

/* One reply of the given type (its data freed). */
static void expect_rep(int fd, uint32_t opt, uint32_t type)
{
    Rep r;
    read_rep(fd, opt, &r);
    if (r.type != type) {
        g_test_message("%s: got %s (%.*s), want %s", nbd_opt_name(opt), nbd_rep_name(r.type),
                       (int)r.len, r.data, nbd_rep_name(type));
    }
    g_assert_cmphex(r.type, ==, type);
    g_free(r.data);
}

/* GO / INFO payload. */
static GByteArray *info_payload(const char *name, size_t name_len, const uint16_t *reqs,
                                unsigned n)
{
    GByteArray *b = g_byte_array_new();
    uint8_t tmp[4];
    nbd_put32(tmp, (uint32_t)name_len);
    g_byte_array_append(b, tmp, 4);
    g_byte_array_append(b, (const guint8 *)name, name_len);
    nbd_put16(tmp, n);
    g_byte_array_append(b, tmp, 2);
    for (unsigned i = 0; i < n; i++) {
        nbd_put16(tmp, reqs[i]);
        g_byte_array_append(b, tmp, 2);
    }
    return b;
}

/* Meta context payload: name + queries. */
static GByteArray *meta_payload(const char *name, const char *const *queries)
{
    GByteArray *b = g_byte_array_new();
    uint8_t tmp[4];
    nbd_put32(tmp, strlen(name));
    g_byte_array_append(b, tmp, 4);
    g_byte_array_append(b, (const guint8 *)name, strlen(name));
    unsigned n = queries ? g_strv_length((char **)queries) : 0;
    nbd_put32(tmp, n);
    g_byte_array_append(b, tmp, 4);
    for (unsigned i = 0; i < n; i++) {
        nbd_put32(tmp, strlen(queries[i]));
        g_byte_array_append(b, tmp, 4);
        g_byte_array_append(b, (const guint8 *)queries[i], strlen(queries[i]));
    }
    return b;
}

typedef struct Info {
    uint64_t size;
    uint16_t flags;
    uint32_t min, pref, max;
    char *name, *desc;
} Info;

/* Read NBD_REP_INFO replies up to the final reply; returns that reply's type. */
static uint32_t read_infos(int fd, uint32_t opt, Info *info)
{
    memset(info, 0, sizeof(*info));
    for (;;) {
        Rep r;
        read_rep(fd, opt, &r);
        if (r.type != NBD_REP_INFO) {
            g_free(r.data);
            return r.type;
        }
        g_assert_cmpuint(r.len, >=, 2);
        switch (nbd_get16(r.data)) {
        case NBD_INFO_EXPORT:
            g_assert_cmpuint(r.len, ==, 12);
            info->size = nbd_get64(r.data + 2);
            info->flags = nbd_get16(r.data + 10);
            break;
        case NBD_INFO_NAME:
            info->name = g_strndup((char *)r.data + 2, r.len - 2);
            break;
        case NBD_INFO_DESCRIPTION:
            info->desc = g_strndup((char *)r.data + 2, r.len - 2);
            break;
        case NBD_INFO_BLOCK_SIZE:
            g_assert_cmpuint(r.len, ==, 14);
            info->min = nbd_get32(r.data + 2);
            info->pref = nbd_get32(r.data + 6);
            info->max = nbd_get32(r.data + 10);
            break;
        }
        g_free(r.data);
    }
}

static void info_clear(Info *info)
{
    g_free(info->name);
    g_free(info->desc);
}

/* Contexts returned by SET/LIST_META_CONTEXT; returns the final reply type. */
static uint32_t read_contexts(int fd, uint32_t opt, GPtrArray *names, GArray *ids)
{
    for (;;) {
        Rep r;
        read_rep(fd, opt, &r);
        if (r.type != NBD_REP_META_CONTEXT) {
            g_free(r.data);
            return r.type;
        }
        g_assert_cmpuint(r.len, >, 4);
        uint32_t id = nbd_get32(r.data);
        g_array_append_val(ids, id);
        g_ptr_array_add(names, g_strndup((char *)r.data + 4, r.len - 4));
        g_free(r.data);
    }
}

static bool has_name(GPtrArray *names, const char *name)
{
    for (guint i = 0; i < names->len; i++) {
        if (strcmp(g_ptr_array_index(names, i), name) == 0) {
            return true;
        }
    }
    return false;
}

typedef struct Conn {
    int fd;
    int mode;
    Info info;
    uint32_t ctx_base, ctx_depth;   /* ids, 0 when not selected */
} Conn;

/* Connect, negotiate the mode and contexts, GO to name. */
static void open_conn(Conn *c, const char *name, int mode, const char *const *contexts)
{
    memset(c, 0, sizeof(*c));
    c->fd = connect_greet();
    c->mode = mode;
    if (mode == MODE_STRUCTURED) {
        send_opt(c->fd, NBD_OPT_STRUCTURED_REPLY, NULL, 0);
        expect_rep(c->fd, NBD_OPT_STRUCTURED_REPLY, NBD_REP_ACK);
    } else if (mode == MODE_EXTENDED) {
        send_opt(c->fd, NBD_OPT_EXTENDED_HEADERS, NULL, 0);
        expect_rep(c->fd, NBD_OPT_EXTENDED_HEADERS, NBD_REP_ACK);
    }
    if (contexts) {
        GByteArray *p = meta_payload(name, contexts);
        send_opt(c->fd, NBD_OPT_SET_META_CONTEXT, p->data, p->len);
        g_byte_array_free(p, TRUE);
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        GArray *ids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
        g_assert_cmphex(read_contexts(c->fd, NBD_OPT_SET_META_CONTEXT, names, ids), ==,
                        NBD_REP_ACK);
        for (guint i = 0; i < names->len; i++) {
            if (!strcmp(g_ptr_array_index(names, i), NBD_META_BASE_ALLOCATION)) {
                c->ctx_base = g_array_index(ids, uint32_t, i);
            } else if (!strcmp(g_ptr_array_index(names, i), NBD_META_QEMU_ALLOC_DEPTH)) {
                c->ctx_depth = g_array_index(ids, uint32_t, i);
            }
        }
        g_ptr_array_free(names, TRUE);
        g_array_free(ids, TRUE);
    }
    uint16_t reqs[] = { NBD_INFO_BLOCK_SIZE };
    GByteArray *p = info_payload(name, strlen(name), reqs, 1);
    send_opt(c->fd, NBD_OPT_GO, p->data, p->len);
    g_byte_array_free(p, TRUE);
    g_assert_cmphex(read_infos(c->fd, NBD_OPT_GO, &c->info), ==, NBD_REP_ACK);
}

static void close_conn(Conn *c)
{
    info_clear(&c->info);
    close(c->fd);
}

static void send_req(Conn *c, uint16_t flags, uint16_t type, uint64_t cookie, uint64_t off,
                     uint64_t len, const void *payload, size_t plen)
{
    uint8_t hdr[NBD_EXTENDED_REQUEST_SIZE];
    size_t n;
    if (c->mode == MODE_EXTENDED) {
        nbd_put32(hdr, NBD_EXTENDED_REQUEST_MAGIC);
        nbd_put64(hdr + 24, len);
        n = NBD_EXTENDED_REQUEST_SIZE;
    } else {
        nbd_put32(hdr, NBD_REQUEST_MAGIC);
        nbd_put32(hdr + 24, (uint32_t)len);
        n = NBD_REQUEST_SIZE;
    }
    nbd_put16(hdr + 4, flags);
    nbd_put16(hdr + 6, type);
    nbd_put64(hdr + 8, cookie);
    nbd_put64(hdr + 16, off);
    xwrite(c->fd, hdr, n);
    if (plen) {
        xwrite(c->fd, payload, plen);
    }
}

/* One reply message (a simple reply or one chunk). */
typedef struct Msg {
    bool simple;
    uint16_t flags, type;
    uint64_t cookie, offset;
    uint32_t error;        /* simple replies */
    uint64_t len;
    uint8_t *data;         /* chunk payload */
} Msg;

/*
 * Read one reply message. A simple reply carries read_len bytes of data when
 * it reports success to a read (the caller knows).
 */
static void read_msg(Conn *c, Msg *m, uint64_t simple_read_len)
{
    memset(m, 0, sizeof(*m));
    uint8_t hdr[NBD_EXTENDED_REPLY_SIZE];
    xread_ok(c->fd, hdr, 4);
    uint32_t magic = nbd_get32(hdr);
    if (magic == NBD_SIMPLE_REPLY_MAGIC) {
        g_assert_cmpint(c->mode, !=, MODE_EXTENDED);
        xread_ok(c->fd, hdr + 4, NBD_SIMPLE_REPLY_SIZE - 4);
        m->simple = true;
        m->error = nbd_get32(hdr + 4);
        m->cookie = nbd_get64(hdr + 8);
        if (!m->error && simple_read_len) {
            m->len = simple_read_len;
            m->data = g_malloc(simple_read_len);
            xread_ok(c->fd, m->data, simple_read_len);
        }
        return;
    }
    if (magic == NBD_STRUCTURED_REPLY_MAGIC) {
        g_assert_cmpint(c->mode, ==, MODE_STRUCTURED);
        xread_ok(c->fd, hdr + 4, NBD_STRUCTURED_REPLY_SIZE - 4);
        m->len = nbd_get32(hdr + 16);
    } else {
        g_assert_cmphex(magic, ==, NBD_EXTENDED_REPLY_MAGIC);
        g_assert_cmpint(c->mode, ==, MODE_EXTENDED);
        xread_ok(c->fd, hdr + 4, NBD_EXTENDED_REPLY_SIZE - 4);
        m->offset = nbd_get64(hdr + 16);
        m->len = nbd_get64(hdr + 24);
    }
    m->flags = nbd_get16(hdr + 4);
    m->type = nbd_get16(hdr + 6);
    m->cookie = nbd_get64(hdr + 8);
    g_assert_cmpuint(m->len, <=, 64 << 20);
    m->data = g_malloc(m->len + 1);
    xread_ok(c->fd, m->data, m->len);
}

/* A whole reply, folded: error (wire value), data for reads, extents. */
typedef struct Reply {
    uint32_t error;
    char *message;
    unsigned chunks, data_chunks, hole_chunks;
    GArray *extents[3];     /* by context id: (len, flags) pairs as uint64_t */
} Reply;

static void reply_clear(Reply *r)
{
    g_free(r->message);
    for (int i = 0; i < 3; i++) {
        if (r->extents[i]) {
            g_array_free(r->extents[i], TRUE);
        }
    }
    memset(r, 0, sizeof(*r));
}

/* Fold one structured chunk for a request at [off, +len) into r (buf gets read data). */
static void fold_chunk(Conn *c, const Msg *m, uint64_t off, uint64_t len, uint8_t *buf,
                       Reply *r)
{
    r->chunks++;
    if (c->mode == MODE_EXTENDED) {
        g_assert_cmpuint(m->offset, ==, off);
    }
    if (m->type & NBD_REPLY_TYPE_ERROR_BIT) {
        g_assert_cmpuint(m->len, >=, 6);
        r->error = nbd_get32(m->data);
        uint16_t mlen = nbd_get16(m->data + 4);
        g_assert_cmpuint(6 + mlen, <=, m->len);
        r->message = g_strndup((char *)m->data + 6, mlen);
        return;
    }
    switch (m->type) {
    case NBD_REPLY_TYPE_NONE:
        g_assert_cmpuint(m->len, ==, 0);
        g_assert_true(m->flags & NBD_REPLY_FLAG_DONE);
        break;
    case NBD_REPLY_TYPE_OFFSET_DATA: {
        g_assert_cmpuint(m->len, >, 8);
        uint64_t o = nbd_get64(m->data);
        g_assert_cmpuint(o, >=, off);
        g_assert_cmpuint(o + m->len - 8, <=, off + len);
        memcpy(buf + (o - off), m->data + 8, m->len - 8);
        r->data_chunks++;
        break;
    }
    case NBD_REPLY_TYPE_OFFSET_HOLE: {
        g_assert_cmpuint(m->len, ==, 12);
        uint64_t o = nbd_get64(m->data);
        uint32_t n = nbd_get32(m->data + 8);
        g_assert_cmpuint(n, >, 0);
        g_assert_cmpuint(o + n, <=, off + len);
        memset(buf + (o - off), 0, n);
        r->hole_chunks++;
        break;
    }
    case NBD_REPLY_TYPE_BLOCK_STATUS:
    case NBD_REPLY_TYPE_BLOCK_STATUS_EXT: {
        bool ext = m->type == NBD_REPLY_TYPE_BLOCK_STATUS_EXT;
        g_assert_cmpint(ext, ==, c->mode == MODE_EXTENDED);
        uint32_t id = nbd_get32(m->data);
        g_assert_cmpuint(id, <, 3);
        size_t hdr = ext ? 8 : 4, each = ext ? 16 : 8;
        g_assert_cmpuint((m->len - hdr) % each, ==, 0);
        size_t n = (m->len - hdr) / each;
        g_assert_cmpuint(n, >, 0);
        if (ext) {
            g_assert_cmpuint(nbd_get32(m->data + 4), ==, n);
        }
        GArray *a = g_array_new(FALSE, FALSE, sizeof(uint64_t));
        for (size_t i = 0; i < n; i++) {
            const uint8_t *d = m->data + hdr + i * each;
            uint64_t l = ext ? nbd_get64(d) : nbd_get32(d);
            uint64_t f = ext ? nbd_get64(d + 8) : nbd_get32(d + 4);
            g_assert_cmpuint(l, >, 0);
            g_array_append_val(a, l);
            g_array_append_val(a, f);
        }
        g_assert_null(r->extents[id]);
        r->extents[id] = a;
        break;
    }
    default:
        g_assert_not_reached();
    }
}

/* Run one request and read its whole reply (buf: read data, len bytes). */
static void run(Conn *c, uint16_t flags, uint16_t type, uint64_t off, uint64_t len,
                const void *payload, size_t plen, uint8_t *buf, Reply *r)
{
    static uint64_t cookie = 0x1000;
    memset(r, 0, sizeof(*r));
    uint64_t ck = ++cookie;
    send_req(c, flags, type, ck, off, len, payload, plen);
    for (;;) {
        Msg m;
        read_msg(c, &m, type == NBD_CMD_READ ? len : 0);
        g_assert_cmphex(m.cookie, ==, ck);
        if (m.simple) {
            r->error = m.error;
            if (m.data) {
                memcpy(buf, m.data, len);
            }
            g_free(m.data);
            return;
        }
        fold_chunk(c, &m, off, len, buf, r);
        g_free(m.data);
        if (m.flags & NBD_REPLY_FLAG_DONE) {
            return;
        }
    }
}

/* Run a request expecting a given wire error (0 = success). */
static void run_expect(Conn *c, uint16_t flags, uint16_t type, uint64_t off, uint64_t len,
                       const void *payload, size_t plen, uint32_t want)
{
    Reply r;
    uint8_t *buf = type == NBD_CMD_READ && len <= IMG_SIZE ? g_malloc0(len + 1) : NULL;
    run(c, flags, type, off, len, payload, plen, buf, &r);
    if (r.error != want) {
        g_test_message("%s: error %u (%s), want %u", nbd_cmd_name(type), r.error,
                       r.message ? r.message : "", want);
    }
    g_assert_cmpuint(r.error, ==, want);
    if (want && c->mode != MODE_SIMPLE) {
        g_assert_nonnull(r.message);   /* structured errors explain themselves */
        g_assert_cmpuint(strlen(r.message), >, 0);
    }
    reply_clear(&r);
    g_free(buf);
}

static void disc(Conn *c)
{
    send_req(c, 0, NBD_CMD_DISC, 0, 0, 0, NULL, 0);
    expect_eof(c->fd);
    close_conn(c);
}

/* ---- Handshake tests ---- */

static void test_go_info(void)
{
    setup();
    int fd = connect_greet();
    uint16_t reqs[] = { NBD_INFO_NAME, NBD_INFO_DESCRIPTION, NBD_INFO_BLOCK_SIZE, 77 };
    GByteArray *p = info_payload("", 0, reqs, 4);
    send_opt(fd, NBD_OPT_INFO, p->data, p->len);
    Info info;
    g_assert_cmphex(read_infos(fd, NBD_OPT_INFO, &info), ==, NBD_REP_ACK);
    g_assert_cmpuint(info.size, ==, IMG_SIZE);
    g_assert_cmphex(info.flags, ==, NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH |
                    NBD_FLAG_SEND_FUA | NBD_FLAG_SEND_CACHE | NBD_FLAG_SEND_TRIM |
                    NBD_FLAG_SEND_WRITE_ZEROES | NBD_FLAG_SEND_FAST_ZERO);
    g_assert_cmpstr(info.name, ==, "");
    g_assert_cmpstr(info.desc, ==, "the raw one");
    g_assert_cmpuint(info.min, ==, 1);
    g_assert_cmpuint(info.pref, ==, 4096);
    g_assert_cmpuint(info.max, ==, 32 << 20);
    info_clear(&info);

    /* INFO keeps negotiating; read-only export flags; DF once structured. */
    send_opt(fd, NBD_OPT_STRUCTURED_REPLY, NULL, 0);
    expect_rep(fd, NBD_OPT_STRUCTURED_REPLY, NBD_REP_ACK);
    g_byte_array_free(p, TRUE);
    p = info_payload("ro", 2, NULL, 0);
    send_opt(fd, NBD_OPT_GO, p->data, p->len);
    g_byte_array_free(p, TRUE);
    g_assert_cmphex(read_infos(fd, NBD_OPT_GO, &info), ==, NBD_REP_ACK);
    g_assert_cmphex(info.flags, ==, NBD_FLAG_HAS_FLAGS | NBD_FLAG_READ_ONLY |
                    NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA | NBD_FLAG_SEND_CACHE |
                    NBD_FLAG_SEND_DF | NBD_FLAG_CAN_MULTI_CONN);
    g_assert_null(info.name);   /* not asked for */
    info_clear(&info);
    Conn c = { .fd = fd, .mode = MODE_STRUCTURED };
    disc(&c);
    wait_closed(1);
    teardown();
}

static void test_go_errors(void)
{
    setup();
    int fd = connect_greet();
    /* Unknown export: an error with a message, and the session goes on. */
    GByteArray *p = info_payload("nope", 4, NULL, 0);
    send_opt(fd, NBD_OPT_GO, p->data, p->len);
    g_byte_array_free(p, TRUE);
    Rep r;
    read_rep(fd, NBD_OPT_GO, &r);
    g_assert_cmphex(r.type, ==, NBD_REP_ERR_UNKNOWN);
    g_assert_nonnull(strstr((char *)r.data, "nope"));
    g_free(r.data);

    /* Name length beyond the payload, count mismatch, too short. */
    uint8_t bad[10];
    nbd_put32(bad, 100);
    nbd_put16(bad + 4, 0);
    send_opt(fd, NBD_OPT_GO, bad, 6);
    expect_rep(fd, NBD_OPT_GO, NBD_REP_ERR_INVALID);
    p = info_payload("", 0, NULL, 0);
    nbd_put16(p->data + 4, 3);
    send_opt(fd, NBD_OPT_INFO, p->data, p->len);
    expect_rep(fd, NBD_OPT_INFO, NBD_REP_ERR_INVALID);
    send_opt(fd, NBD_OPT_INFO, p->data, 3);
    expect_rep(fd, NBD_OPT_INFO, NBD_REP_ERR_INVALID);
    g_byte_array_free(p, TRUE);

    /* A 5000-byte name: refused, and the server still serves this client. */
    char *longname = g_malloc(5000);
    memset(longname, 'x', 5000);
    p = info_payload(longname, 5000, NULL, 0);
    send_opt(fd, NBD_OPT_GO, p->data, p->len);
    expect_rep(fd, NBD_OPT_GO, NBD_REP_ERR_INVALID);
    g_byte_array_free(p, TRUE);
    /* 4097 bytes is one too many. */
    p = info_payload(longname, 4097, NULL, 0);
    send_opt(fd, NBD_OPT_INFO, p->data, p->len);
    expect_rep(fd, NBD_OPT_INFO, NBD_REP_ERR_INVALID);
    g_byte_array_free(p, TRUE);

    /* An option larger than the limit is skipped with ERR_TOO_BIG. */
    uint8_t *big = g_malloc0(NBD_MAX_OPTION_SIZE + 100);
    send_opt(fd, NBD_OPT_INFO, big, NBD_MAX_OPTION_SIZE + 100);
    expect_rep(fd, NBD_OPT_INFO, NBD_REP_ERR_TOO_BIG);
    g_free(big);

    /* Unknown and withdrawn options. */
    send_opt(fd, 4242, "abc", 3);
    expect_rep(fd, 4242, NBD_REP_ERR_UNSUP);
    send_opt(fd, NBD_OPT_PEEK_EXPORT, NULL, 0);
    expect_rep(fd, NBD_OPT_PEEK_EXPORT, NBD_REP_ERR_UNSUP);

    /* STARTTLS on a server without credentials; with data. */
    send_opt(fd, NBD_OPT_STARTTLS, NULL, 0);
    expect_rep(fd, NBD_OPT_STARTTLS, NBD_REP_ERR_POLICY);
    send_opt(fd, NBD_OPT_STARTTLS, "x", 1);
    expect_rep(fd, NBD_OPT_STARTTLS, NBD_REP_ERR_INVALID);

    /* Options that take no data. */
    send_opt(fd, NBD_OPT_STRUCTURED_REPLY, "x", 1);
    expect_rep(fd, NBD_OPT_STRUCTURED_REPLY, NBD_REP_ERR_INVALID);
    send_opt(fd, NBD_OPT_LIST, "x", 1);
    expect_rep(fd, NBD_OPT_LIST, NBD_REP_ERR_INVALID);

    /* Still usable: GO works after all that. */
    p = info_payload("", 0, NULL, 0);
    send_opt(fd, NBD_OPT_GO, p->data, p->len);
    g_byte_array_free(p, TRUE);
    Info info;
    g_assert_cmphex(read_infos(fd, NBD_OPT_GO, &info), ==, NBD_REP_ACK);
    info_clear(&info);
    Conn c = { .fd = fd, .mode = MODE_SIMPLE };
    disc(&c);

    /* EXPORT_NAME with an over-long name cannot be answered: closed. */
    fd = connect_greet();
    send_opt(fd, NBD_OPT_EXPORT_NAME, longname, 5000);
    expect_eof(fd);
    close(fd);
    g_free(longname);
    wait_closed(2);
    teardown();
}

static void test_list(void)
{
    setup();
    int fd = connect_greet();
    send_opt(fd, NBD_OPT_LIST, NULL, 0);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (;;) {
        Rep r;
        read_rep(fd, NBD_OPT_LIST, &r);
        if (r.type == NBD_REP_ACK) {
            g_free(r.data);
            break;
        }
        g_assert_cmphex(r.type, ==, NBD_REP_SERVER);
        g_assert_cmpuint(r.len, >=, 4);
        uint32_t n = nbd_get32(r.data);
        g_assert_cmpuint(n, <=, r.len - 4);
        g_ptr_array_add(names, g_strndup((char *)r.data + 4, n));
        if (n == 0) {
            g_assert_cmpstr((char *)r.data + 4, ==, "the raw one");
        }
        g_free(r.data);
    }
    g_assert_cmpuint(names->len, ==, 3);
    g_assert_true(has_name(names, ""));
    g_assert_true(has_name(names, "ro"));
    g_assert_true(has_name(names, "q"));
    g_ptr_array_free(names, TRUE);
    send_opt(fd, NBD_OPT_ABORT, NULL, 0);
    expect_rep(fd, NBD_OPT_ABORT, NBD_REP_ACK);
    expect_eof(fd);
    close(fd);
    wait_closed(1);
    teardown();
}

static void test_export_name(void)
{
    setup();
    /* With NO_ZEROES: size and flags only. */
    int fd = connect_greet();
    send_opt(fd, NBD_OPT_EXPORT_NAME, "ro", 2);
    uint8_t buf[134];
    xread_ok(fd, buf, 10);
    g_assert_cmpuint(nbd_get64(buf), ==, IMG_SIZE);
    g_assert_true(nbd_get16(buf + 8) & NBD_FLAG_READ_ONLY);
    Conn c = { .fd = fd, .mode = MODE_SIMPLE };
    uint8_t data[512];
    Reply r;
    run(&c, 0, NBD_CMD_READ, 0, sizeof(data), NULL, 0, data, &r);
    g_assert_cmpuint(r.error, ==, 0);
    uint8_t want[512];
    fill(want, sizeof(want), 1);
    g_assert_cmpmem(data, sizeof(data), want, sizeof(want));
    disc(&c);

    /* Without NO_ZEROES: 124 bytes of padding follow. */
    fd = connect_fd();
    greet(fd, NBD_FLAG_C_FIXED_NEWSTYLE);
    send_opt(fd, NBD_OPT_EXPORT_NAME, NULL, 0);
    xread_ok(fd, buf, 134);
    g_assert_cmpuint(nbd_get64(buf), ==, IMG_SIZE);
    for (int i = 10; i < 134; i++) {
        g_assert_cmpuint(buf[i], ==, 0);
    }
    c.fd = fd;
    run_expect(&c, 0, NBD_CMD_FLUSH, 0, 0, NULL, 0, 0);
    disc(&c);

    /* Unknown export: the server can only hang up. */
    fd = connect_greet();
    send_opt(fd, NBD_OPT_EXPORT_NAME, "nope", 4);
    expect_eof(fd);
    close(fd);
    wait_closed(3);
    teardown();
}

static void test_bad_greeting(void)
{
    setup();
    /* Not fixed newstyle (an old client): closed. */
    int fd = connect_fd();
    greet(fd, 0);
    expect_eof(fd);
    close(fd);
    /* Unknown client flags: closed. */
    fd = connect_fd();
    greet(fd, NBD_FLAG_C_FIXED_NEWSTYLE | 0x100);
    expect_eof(fd);
    close(fd);
    /* Bad option magic: closed. */
    fd = connect_greet();
    xwrite(fd, "IHAVEOPX\0\0\0\1\0\0\0\0", 16);
    expect_eof(fd);
    close(fd);
    /* Truncated option payload, then the client goes away. */
    fd = connect_greet();
    uint8_t hdr[16];
    nbd_put64(hdr, NBD_OPTS_MAGIC);
    nbd_put32(hdr + 8, NBD_OPT_GO);
    nbd_put32(hdr + 12, 100);
    xwrite(fd, hdr, 16);
    xwrite(fd, "abc", 3);
    close(fd);
    /* Client vanishes right after connecting. */
    fd = connect_fd();
    close(fd);
    wait_closed(5);
    g_assert_cmpuint(nbd_server_client_count(F.srv), ==, 0);
    teardown();
}

static void test_meta_contexts(void)
{
    setup();
    int fd = connect_greet();
    /* Needs structured replies first. */
    GByteArray *p = meta_payload("q", NULL);
    send_opt(fd, NBD_OPT_LIST_META_CONTEXT, p->data, p->len);
    expect_rep(fd, NBD_OPT_LIST_META_CONTEXT, NBD_REP_ERR_INVALID);
    send_opt(fd, NBD_OPT_STRUCTURED_REPLY, NULL, 0);
    expect_rep(fd, NBD_OPT_STRUCTURED_REPLY, NBD_REP_ACK);
    send_opt(fd, NBD_OPT_STRUCTURED_REPLY, NULL, 0);
    expect_rep(fd, NBD_OPT_STRUCTURED_REPLY, NBD_REP_ERR_INVALID);

    struct {
        const char *export;
        const char *queries[3];
        uint32_t opt;
        bool base, depth;
    } cases[] = {
        { "q", { NULL }, NBD_OPT_LIST_META_CONTEXT, true, true },
        { "", { NULL }, NBD_OPT_LIST_META_CONTEXT, true, false },
        { "q", { "base:", NULL }, NBD_OPT_LIST_META_CONTEXT, true, false },
        { "q", { "qemu:", NULL }, NBD_OPT_LIST_META_CONTEXT, false, true },
        { "", { "qemu:", NULL }, NBD_OPT_LIST_META_CONTEXT, false, false },
        { "q", { "x-other:thing", "base:allocation", NULL }, NBD_OPT_LIST_META_CONTEXT,
          true, false },
        { "q", { "base:", "qemu:", NULL }, NBD_OPT_SET_META_CONTEXT, false, false },
        { "q", { "qemu:allocation-depth", "base:allocation", NULL },
          NBD_OPT_SET_META_CONTEXT, true, true },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_byte_array_free(p, TRUE);
        p = meta_payload(cases[i].export, cases[i].queries[0] ? cases[i].queries : NULL);
        send_opt(fd, cases[i].opt, p->data, p->len);
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        GArray *ids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
        g_assert_cmphex(read_contexts(fd, cases[i].opt, names, ids), ==, NBD_REP_ACK);
        g_assert_cmpint(has_name(names, NBD_META_BASE_ALLOCATION), ==, cases[i].base);
        g_assert_cmpint(has_name(names, NBD_META_QEMU_ALLOC_DEPTH), ==, cases[i].depth);
        g_assert_cmpuint(names->len, ==, (guint)cases[i].base + cases[i].depth);
        if (cases[i].opt == NBD_OPT_SET_META_CONTEXT && ids->len == 2) {
            g_assert_cmpuint(g_array_index(ids, uint32_t, 0), !=,
                             g_array_index(ids, uint32_t, 1));
        }
        g_ptr_array_free(names, TRUE);
        g_array_free(ids, TRUE);
    }
    /* Unknown export; malformed payloads. */
    g_byte_array_free(p, TRUE);
    p = meta_payload("nope", NULL);
    send_opt(fd, NBD_OPT_SET_META_CONTEXT, p->data, p->len);
    expect_rep(fd, NBD_OPT_SET_META_CONTEXT, NBD_REP_ERR_UNKNOWN);
    g_byte_array_free(p, TRUE);
    const char *q[] = { "base:allocation", NULL };
    p = meta_payload("q", q);
    send_opt(fd, NBD_OPT_LIST_META_CONTEXT, p->data, p->len - 1);
    expect_rep(fd, NBD_OPT_LIST_META_CONTEXT, NBD_REP_ERR_INVALID);
    nbd_put32(p->data + 4 + 1, 1000);   /* query count beyond the data */
    send_opt(fd, NBD_OPT_LIST_META_CONTEXT, p->data, p->len);
    expect_rep(fd, NBD_OPT_LIST_META_CONTEXT, NBD_REP_ERR_INVALID);
    nbd_put32(p->data + 4 + 1, 1);
    nbd_put32(p->data + 4 + 1 + 4, 0xfffffff0u);   /* query length beyond the data */
    send_opt(fd, NBD_OPT_SET_META_CONTEXT, p->data, p->len);
    expect_rep(fd, NBD_OPT_SET_META_CONTEXT, NBD_REP_ERR_INVALID);
    g_byte_array_free(p, TRUE);

    /* Contexts chosen for "q" do not apply after GO to "": block status refused. */
    p = meta_payload("q", q);
    send_opt(fd, NBD_OPT_SET_META_CONTEXT, p->data, p->len);
    g_byte_array_free(p, TRUE);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    g_assert_cmphex(read_contexts(fd, NBD_OPT_SET_META_CONTEXT, names, ids), ==, NBD_REP_ACK);
    g_ptr_array_free(names, TRUE);
    g_array_free(ids, TRUE);
    p = info_payload("", 0, NULL, 0);
    send_opt(fd, NBD_OPT_GO, p->data, p->len);
    g_byte_array_free(p, TRUE);
    Info info;
    g_assert_cmphex(read_infos(fd, NBD_OPT_GO, &info), ==, NBD_REP_ACK);
    info_clear(&info);
    Conn c = { .fd = fd, .mode = MODE_STRUCTURED };
    run_expect(&c, 0, NBD_CMD_BLOCK_STATUS, 0, 4096, NULL, 0, NBD_EINVAL);
    disc(&c);
    teardown();
}

/* ---- Transmission tests ---- */

/* Write, read back, flush, trim, zero, cache with the given reply mode. */
static void io_roundtrip(int mode)
{
    Conn c;
    open_conn(&c, "", mode, NULL);
    uint8_t *w = g_malloc(3 * 4096), *rd = g_malloc(3 * 4096);
    fill(w, 3 * 4096, 9);
    uint16_t fua = NBD_CMD_FLAG_FUA;
    uint16_t pl = mode == MODE_EXTENDED ? NBD_CMD_FLAG_PAYLOAD_LEN : 0;
    run_expect(&c, pl | fua, NBD_CMD_WRITE, 100000, 3 * 4096, w, 3 * 4096, 0);
    Reply r;
    run(&c, 0, NBD_CMD_READ, 100000, 3 * 4096, NULL, 0, rd, &r);
    g_assert_cmpuint(r.error, ==, 0);
    g_assert_cmpmem(rd, 3 * 4096, w, 3 * 4096);
    reply_clear(&r);
    run_expect(&c, 0, NBD_CMD_FLUSH, 0, 0, NULL, 0, 0);
    run_expect(&c, fua, NBD_CMD_WRITE_ZEROES, 100000, 4096, NULL, 0, 0);
    run_expect(&c, NBD_CMD_FLAG_NO_HOLE, NBD_CMD_WRITE_ZEROES, 104096, 100, NULL, 0, 0);
    run_expect(&c, fua, NBD_CMD_TRIM, 200000, 8192, NULL, 0, 0);
    /* A fast zero either works or fails fast with ENOTSUP, nothing else. */
    run(&c, NBD_CMD_FLAG_FAST_ZERO, NBD_CMD_WRITE_ZEROES, 300000, 65536, NULL, 0, NULL, &r);
    g_assert_true(r.error == 0 || r.error == NBD_ENOTSUP);
    if (r.error == 0) {
        g_assert_cmpint(blk_pread(F.raw, 300000, 4096, rd, 0), ==, 0);
        for (int i = 0; i < 4096; i++) {
            g_assert_cmpuint(rd[i], ==, 0);
        }
    }
    reply_clear(&r);
    run_expect(&c, 0, NBD_CMD_CACHE, 0, IMG_SIZE, NULL, 0, 0);
    /* Zero-length requests are harmless. */
    run_expect(&c, pl, NBD_CMD_WRITE, 0, 0, NULL, 0,
               mode == MODE_EXTENDED ? NBD_EINVAL : 0);
    run_expect(&c, 0, NBD_CMD_READ, 0, 0, NULL, 0, 0);
    run(&c, 0, NBD_CMD_READ, 100000, 3 * 4096, NULL, 0, rd, &r);
    g_assert_cmpuint(r.error, ==, 0);
    for (int i = 0; i < 4096 + 100; i++) {
        g_assert_cmpuint(rd[i], ==, 0);
    }
    g_assert_cmpmem(rd + 4196, 2 * 4096 - 100, w + 4196, 2 * 4096 - 100);
    reply_clear(&r);
    /* The data reached the image. */
    g_assert_cmpint(blk_pread(F.raw, 100000 + 4196, 4096, rd, 0), ==, 0);
    g_assert_cmpmem(rd, 4096, w + 4196, 4096);
    disc(&c);
    g_free(w);
    g_free(rd);
}

static void test_io_simple(void)
{
    setup();
    io_roundtrip(MODE_SIMPLE);
    teardown();
}

static void test_io_structured(void)
{
    setup();
    io_roundtrip(MODE_STRUCTURED);
    teardown();
}

static void test_io_extended(void)
{
    setup();
    io_roundtrip(MODE_EXTENDED);
    teardown();
}

/* Sparse reads: data chunks for data, hole chunks for zeroes, one chunk with DF. */
static void test_read_holes(void)
{
    setup();
    for (int mode = MODE_STRUCTURED; mode <= MODE_EXTENDED; mode++) {
        Conn c;
        open_conn(&c, "", mode, NULL);
        uint8_t *buf = g_malloc(4 * CLUSTER), *want = g_malloc0(4 * CLUSTER);
        fill(want, CLUSTER, 1);
        Reply r;
        memset(buf, 0xaa, 4 * CLUSTER);
        run(&c, 0, NBD_CMD_READ, 0, 4 * CLUSTER, NULL, 0, buf, &r);
        g_assert_cmpuint(r.error, ==, 0);
        g_assert_cmpuint(r.data_chunks, >=, 1);
        g_assert_cmpuint(r.hole_chunks, >=, 1);
        g_assert_cmpmem(buf, 4 * CLUSTER, want, 4 * CLUSTER);
        reply_clear(&r);
        memset(buf, 0xaa, 4 * CLUSTER);
        run(&c, NBD_CMD_FLAG_DF, NBD_CMD_READ, 0, 4 * CLUSTER, NULL, 0, buf, &r);
        g_assert_cmpuint(r.error, ==, 0);
        g_assert_cmpuint(r.data_chunks, ==, 1);
        g_assert_cmpuint(r.hole_chunks, ==, 0);
        g_assert_cmpmem(buf, 4 * CLUSTER, want, 4 * CLUSTER);
        reply_clear(&r);
        disc(&c);
        g_free(buf);
        g_free(want);
    }
    teardown();
}

static void test_errors(void)
{
    setup();
    for (int mode = MODE_SIMPLE; mode <= MODE_EXTENDED; mode++) {
        Conn c;
        open_conn(&c, "", mode, NULL);
        uint16_t pl = mode == MODE_EXTENDED ? NBD_CMD_FLAG_PAYLOAD_LEN : 0;
        uint8_t w[4096] = { 1 };
        run_expect(&c, 0, NBD_CMD_READ, IMG_SIZE - 10, 11, NULL, 0, NBD_EINVAL);
        run_expect(&c, 0, NBD_CMD_READ, UINT64_MAX - 10, 100, NULL, 0, NBD_EINVAL);
        /* Past-the-end writes: ENOSPC, payload consumed, stream still in step. */
        run_expect(&c, pl, NBD_CMD_WRITE, IMG_SIZE - 10, sizeof(w), w, sizeof(w), NBD_ENOSPC);
        run_expect(&c, 0, NBD_CMD_WRITE_ZEROES, IMG_SIZE, 1, NULL, 0, NBD_ENOSPC);
        run_expect(&c, 0, NBD_CMD_TRIM, IMG_SIZE + 4096, 1, NULL, 0, NBD_EINVAL);
        run_expect(&c, 0, NBD_CMD_CACHE, IMG_SIZE, 1, NULL, 0, NBD_EINVAL);
        /* Flags a command does not take; DF without structured replies. */
        run_expect(&c, NBD_CMD_FLAG_NO_HOLE, NBD_CMD_READ, 0, 512, NULL, 0, NBD_EINVAL);
        run_expect(&c, pl | NBD_CMD_FLAG_REQ_ONE, NBD_CMD_WRITE, 0, sizeof(w), w, sizeof(w),
                   NBD_EINVAL);
        run_expect(&c, 0x8000, NBD_CMD_FLUSH, 0, 0, NULL, 0, NBD_EINVAL);
        run_expect(&c, NBD_CMD_FLAG_DF, NBD_CMD_READ, 0, 512, NULL, 0,
                   mode == MODE_SIMPLE ? NBD_EINVAL : 0);
        /* Unknown command; block status without contexts; oversized read. */
        run_expect(&c, 0, 99, 0, 0, NULL, 0, NBD_EINVAL);
        run_expect(&c, 0, NBD_CMD_RESIZE, 0, 0, NULL, 0, NBD_EINVAL);
        run_expect(&c, 0, NBD_CMD_BLOCK_STATUS, 0, 512, NULL, 0, NBD_EINVAL);
        if (mode == MODE_EXTENDED) {
            /* A payload on a command that takes none is consumed, then refused. */
            uint8_t junk[64] = { 0 };
            run_expect(&c, NBD_CMD_FLAG_PAYLOAD_LEN, NBD_CMD_FLUSH, 0, sizeof(junk), junk,
                       sizeof(junk), NBD_EINVAL);
            /* A write without the payload flag has no payload: refused. */
            run_expect(&c, 0, NBD_CMD_WRITE, 0, 512, NULL, 0, NBD_EINVAL);
            run_expect(&c, 0, NBD_CMD_READ, 0, (64ull << 20), NULL, 0, NBD_EINVAL);
        } else {
            /* PAYLOAD_LEN is only valid with extended headers. */
            run_expect(&c, NBD_CMD_FLAG_PAYLOAD_LEN, NBD_CMD_READ, 0, 512, NULL, 0,
                       NBD_EINVAL);
        }
        /* Still in step. */
        run_expect(&c, pl, NBD_CMD_WRITE, 0, sizeof(w), w, sizeof(w), 0);
        disc(&c);
    }

    /* Read-only export: writes, zeroes, trims refused with EPERM. */
    Conn c;
    open_conn(&c, "ro", MODE_STRUCTURED, NULL);
    uint8_t w[512] = { 0 };
    run_expect(&c, 0, NBD_CMD_WRITE, 0, sizeof(w), w, sizeof(w), NBD_EPERM);
    run_expect(&c, 0, NBD_CMD_TRIM, 0, 512, NULL, 0, NBD_EPERM);
    run_expect(&c, 0, NBD_CMD_WRITE_ZEROES, 0, 512, NULL, 0, NBD_EPERM);
    run_expect(&c, 0, NBD_CMD_FLUSH, 0, 0, NULL, 0, 0);
    run_expect(&c, 0, NBD_CMD_READ, 0, 512, NULL, 0, 0);
    disc(&c);
    teardown();
}

/* Requests the server cannot stay in step with, and clients that vanish. */
static void test_bad_transmission(void)
{
    setup();
    int n = 0;
    /* Garbage magic. */
    Conn c;
    open_conn(&c, "", MODE_SIMPLE, NULL);
    xwrite(c.fd, "garbage garbage garbage garbage!", 28);
    expect_eof(c.fd);
    close_conn(&c);
    n++;
    /* Extended magic without extended headers. */
    open_conn(&c, "", MODE_SIMPLE, NULL);
    c.mode = MODE_EXTENDED;
    send_req(&c, 0, NBD_CMD_FLUSH, 1, 0, 0, NULL, 0);
    expect_eof(c.fd);
    close_conn(&c);
    n++;
    /* A write payload above 32 MiB. */
    open_conn(&c, "", MODE_SIMPLE, NULL);
    send_req(&c, 0, NBD_CMD_WRITE, 1, 0, (32u << 20) + 1, NULL, 0);
    expect_eof(c.fd);
    close_conn(&c);
    n++;
    open_conn(&c, "", MODE_EXTENDED, NULL);
    send_req(&c, NBD_CMD_FLAG_PAYLOAD_LEN, NBD_CMD_FLUSH, 1, 0, 1ull << 40, NULL, 0);
    expect_eof(c.fd);
    close_conn(&c);
    n++;
    /* Truncated header, then gone. */
    open_conn(&c, "", MODE_SIMPLE, NULL);
    xwrite(c.fd, "\x25\x60\x95\x13\0\0", 6);
    close_conn(&c);
    n++;
    /* Gone in the middle of a write payload. */
    open_conn(&c, "", MODE_STRUCTURED, NULL);
    uint8_t part[1000] = { 0 };
    send_req(&c, 0, NBD_CMD_WRITE, 1, 0, 65536, part, sizeof(part));
    close_conn(&c);
    n++;
    /* Gone with requests in flight and replies unread. */
    open_conn(&c, "", MODE_STRUCTURED, NULL);
    for (int i = 0; i < 40; i++) {
        send_req(&c, 0, NBD_CMD_READ, i, 0, 65536, NULL, 0);
    }
    close_conn(&c);
    n++;
    wait_closed(n);
    g_assert_cmpuint(nbd_server_client_count(F.srv), ==, 0);
    teardown();
}

static uint64_t ext_sum(GArray *a, size_t *count)
{
    uint64_t sum = 0;
    *count = a->len / 2;
    for (guint i = 0; i < a->len; i += 2) {
        sum += g_array_index(a, uint64_t, i);
    }
    return sum;
}

static void test_block_status(void)
{
    setup();
    const char *both[] = { NBD_META_BASE_ALLOCATION, NBD_META_QEMU_ALLOC_DEPTH, NULL };
    for (int mode = MODE_STRUCTURED; mode <= MODE_EXTENDED; mode++) {
        /* Raw: data then a hole that reads as zeroes. */
        Conn c;
        const char *base_only[] = { NBD_META_BASE_ALLOCATION, NULL };
        open_conn(&c, "", mode, base_only);
        g_assert_cmpuint(c.ctx_base, !=, 0);
        Reply r;
        run(&c, 0, NBD_CMD_BLOCK_STATUS, 0, IMG_SIZE, NULL, 0, NULL, &r);
        g_assert_cmpuint(r.error, ==, 0);
        GArray *a = r.extents[c.ctx_base];
        g_assert_nonnull(a);
        size_t n;
        g_assert_cmpuint(ext_sum(a, &n), ==, IMG_SIZE);
        g_assert_cmpuint(n, >=, 2);
        g_assert_cmpuint(g_array_index(a, uint64_t, 0), ==, CLUSTER);
        g_assert_cmpuint(g_array_index(a, uint64_t, 1), ==, 0);
        g_assert_cmpuint(g_array_index(a, uint64_t, 3), ==, NBD_STATE_HOLE | NBD_STATE_ZERO);
        reply_clear(&r);
        /* REQ_ONE: one extent, no longer than asked. */
        run(&c, NBD_CMD_FLAG_REQ_ONE, NBD_CMD_BLOCK_STATUS, 4096, 8192, NULL, 0, NULL, &r);
        g_assert_cmpuint(r.error, ==, 0);
        a = r.extents[c.ctx_base];
        g_assert_cmpuint(a->len, ==, 2);
        g_assert_cmpuint(g_array_index(a, uint64_t, 0), ==, 8192);
        reply_clear(&r);
        run_expect(&c, 0, NBD_CMD_BLOCK_STATUS, IMG_SIZE, 1, NULL, 0, NBD_EINVAL);
        run_expect(&c, 0, NBD_CMD_BLOCK_STATUS, 0, 0, NULL, 0, NBD_EINVAL);
        disc(&c);

        /* qcow2 chain: base data at 0, top data at 128k; depths 2, 0, 1, 0. */
        open_conn(&c, "q", mode, both);
        g_assert_cmpuint(c.ctx_base, !=, 0);
        g_assert_cmpuint(c.ctx_depth, !=, 0);
        run(&c, 0, NBD_CMD_BLOCK_STATUS, 0, IMG_SIZE, NULL, 0, NULL, &r);
        g_assert_cmpuint(r.error, ==, 0);
        g_assert_cmpuint(r.chunks, ==, 2);
        a = r.extents[c.ctx_depth];
        g_assert_nonnull(a);
        g_assert_cmpuint(ext_sum(a, &n), ==, IMG_SIZE);
        uint64_t want[][2] = {
            { CLUSTER, 2 }, { CLUSTER, 0 }, { CLUSTER, 1 }, { IMG_SIZE - 3 * CLUSTER, 0 },
        };
        g_assert_cmpuint(n, ==, G_N_ELEMENTS(want));
        for (size_t i = 0; i < n; i++) {
            g_assert_cmpuint(g_array_index(a, uint64_t, 2 * i), ==, want[i][0]);
            g_assert_cmpuint(g_array_index(a, uint64_t, 2 * i + 1), ==, want[i][1]);
        }
        a = r.extents[c.ctx_base];
        g_assert_nonnull(a);
        g_assert_cmpuint(ext_sum(a, &n), ==, IMG_SIZE);
        g_assert_cmpuint(g_array_index(a, uint64_t, 1), ==, 0);   /* data from base */
        reply_clear(&r);
        disc(&c);
    }
    teardown();
}

/* Requests queued into a buffer and sent by a thread while the test reads replies. */
typedef struct Sender {
    Conn *c;
    GByteArray *buf;
} Sender;

static void queue_req(Sender *s, uint16_t flags, uint16_t type, uint64_t cookie,
                      uint64_t off, uint32_t len, const void *payload)
{
    uint8_t hdr[NBD_REQUEST_SIZE];
    nbd_put32(hdr, NBD_REQUEST_MAGIC);
    nbd_put16(hdr + 4, flags);
    nbd_put16(hdr + 6, type);
    nbd_put64(hdr + 8, cookie);
    nbd_put64(hdr + 16, off);
    nbd_put32(hdr + 24, len);
    g_byte_array_append(s->buf, hdr, sizeof(hdr));
    if (type == NBD_CMD_WRITE) {
        g_byte_array_append(s->buf, payload, len);
    }
}

static gpointer sender_thread(gpointer data)
{
    Sender *s = data;
    xwrite(s->c->fd, s->buf->data, s->buf->len);
    return NULL;
}

static GThread *send_all(Sender *s)
{
    return g_thread_new("sender", sender_thread, s);
}

/* Many requests in flight on one connection: every cookie answered once, right data. */
static void test_pipeline(void)
{
    setup();
    Conn c;
    open_conn(&c, "", MODE_STRUCTURED, NULL);
    enum { LEN = 8192, SLOTS = IMG_SIZE / LEN, ROUNDS = 3 };
    uint8_t *w = g_malloc((size_t)ROUNDS * IMG_SIZE);
    for (int i = 0; i < ROUNDS * SLOTS; i++) {
        fill(w + (size_t)i * LEN, LEN, 100 + i);
    }
    /*
     * Each round writes every slot then reads it with DF; a read may overtake
     * the write before it, so reads are only checked once a round is over,
     * by a last pipelined read of everything.
     */
    for (int round = 0; round < ROUNDS; round++) {
        Sender s = { &c, g_byte_array_new() };
        for (int i = 0; i < SLOTS; i++) {
            uint64_t off = (uint64_t)i * LEN;
            queue_req(&s, NBD_CMD_FLAG_FUA * (i & 1), NBD_CMD_WRITE, 2 * i, off, LEN,
                      w + ((size_t)round * SLOTS + i) * LEN);
            queue_req(&s, NBD_CMD_FLAG_DF, NBD_CMD_READ, 2 * i + 1, off, LEN, NULL);
        }
        GThread *t = send_all(&s);
        bool seen[2 * SLOTS] = { false };
        for (unsigned done = 0; done < 2u * SLOTS;) {
            Msg m;
            read_msg(&c, &m, 0);
            g_assert_cmpuint(m.cookie, <, 2 * SLOTS);
            g_assert_false(m.simple && m.error);
            g_assert_false(m.type & NBD_REPLY_TYPE_ERROR_BIT);
            if (m.simple || (m.flags & NBD_REPLY_FLAG_DONE)) {
                g_assert_false(seen[m.cookie]);
                seen[m.cookie] = true;
                done++;
            }
            g_free(m.data);
        }
        g_thread_join(t);
        g_byte_array_free(s.buf, TRUE);
    }
    Sender s = { &c, g_byte_array_new() };
    for (int i = 0; i < SLOTS; i++) {
        queue_req(&s, 0, NBD_CMD_READ, 9000 + i, (uint64_t)i * LEN, LEN, NULL);
    }
    GThread *t = send_all(&s);
    bool seen[SLOTS] = { false };
    const uint8_t *last = w + (size_t)(ROUNDS - 1) * SLOTS * LEN;
    for (int got = 0; got < SLOTS;) {
        Msg m;
        read_msg(&c, &m, 0);
        g_assert_false(m.simple);
        g_assert_cmpuint(m.cookie, >=, 9000);
        int i = m.cookie - 9000;
        g_assert_cmpint(i, <, SLOTS);
        if (m.type == NBD_REPLY_TYPE_OFFSET_DATA) {
            g_assert_cmpuint(nbd_get64(m.data), ==, (uint64_t)i * LEN);
            g_assert_cmpuint(m.len - 8, ==, LEN);
            g_assert_cmpmem(m.data + 8, LEN, last + (size_t)i * LEN, LEN);
        } else {
            g_assert_cmpuint(m.type, ==, NBD_REPLY_TYPE_NONE);
        }
        if (m.flags & NBD_REPLY_FLAG_DONE) {
            g_assert_false(seen[i]);
            seen[i] = true;
            got++;
        }
        g_free(m.data);
    }
    g_thread_join(t);
    g_byte_array_free(s.buf, TRUE);
    disc(&c);
    g_free(w);
    teardown();
}

/* Shutdown with an idle client, one mid-handshake and one mid-payload: no hang. */
static void test_shutdown(void)
{
    setup();
    Conn idle, mid;
    open_conn(&idle, "", MODE_STRUCTURED, NULL);
    open_conn(&mid, "", MODE_SIMPLE, NULL);
    send_req(&mid, 0, NBD_CMD_WRITE, 1, 0, 4096, "x", 1);
    int hs = connect_greet();
    int raw = connect_fd();   /* never even reads the greeting */
    for (int i = 0; i < 1000 && nbd_server_client_count(F.srv) < 4; i++) {
        g_usleep(1000);
    }
    g_assert_cmpuint(nbd_server_client_count(F.srv), ==, 4);
    nbd_server_shutdown(F.srv);
    g_assert_cmpuint(nbd_server_client_count(F.srv), ==, 0);
    g_assert_cmpint(__atomic_load_n(&F.closed, __ATOMIC_SEQ_CST), ==, 4);
    expect_eof(idle.fd);
    close_conn(&idle);
    close_conn(&mid);
    close(hs);
    close(raw);
    /* Idempotent, and new clients are turned away. */
    nbd_server_shutdown(F.srv);
    int fd = connect_fd();
    expect_eof(fd);
    close(fd);
    teardown();
}

/* A client that stops reading replies cannot hold shutdown (or export removal) for ever. */
static void test_shutdown_stuck(void)
{
    setup();
    F.srv->drain_seconds = 1;
    Conn c, d;
    open_conn(&c, "", MODE_STRUCTURED, NULL);
    open_conn(&d, "q", MODE_SIMPLE, NULL);
    for (int i = 0; i < 24; i++) {
        send_req(&c, 0, NBD_CMD_READ, i, 0, IMG_SIZE, NULL, 0);
        send_req(&d, 0, NBD_CMD_READ, i, 0, IMG_SIZE, NULL, 0);
    }
    /* The server is answering (and soon blocked on full socket buffers). */
    uint8_t hdr[4];
    xread_ok(c.fd, hdr, 4);
    xread_ok(d.fd, hdr, 4);
    Error *err = NULL;
    g_assert_true(nbd_server_remove_export(F.srv, "q", &err));
    nbd_server_shutdown(F.srv);
    g_assert_cmpuint(nbd_server_client_count(F.srv), ==, 0);
    g_assert_cmpint(__atomic_load_n(&F.closed, __ATOMIC_SEQ_CST), ==, 2);
    close_conn(&c);
    close_conn(&d);
    teardown();
}

/* Removing an export closes its connections after in-flight requests. */
static void test_remove_export(void)
{
    setup();
    Conn c;
    open_conn(&c, "q", MODE_SIMPLE, NULL);
    Error *err = NULL;
    g_assert_true(nbd_server_remove_export(F.srv, "q", &err));
    expect_eof(c.fd);
    close_conn(&c);
    g_assert_false(nbd_server_remove_export(F.srv, "q", &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    /* Gone from the list and from GO. */
    int fd = connect_greet();
    GByteArray *p = info_payload("q", 1, NULL, 0);
    send_opt(fd, NBD_OPT_GO, p->data, p->len);
    g_byte_array_free(p, TRUE);
    expect_rep(fd, NBD_OPT_GO, NBD_REP_ERR_UNKNOWN);
    close(fd);
    /* Duplicate names and over-long names are refused. */
    NbdExportConfig ec = { .name = "", .blk = F.raw };
    g_assert_false(nbd_server_add_export(F.srv, &ec, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    char *longname = g_malloc0(5000);
    memset(longname, 'n', 4999);
    ec.name = longname;
    g_assert_false(nbd_server_add_export(F.srv, &ec, &err));
    g_assert_nonnull(err);
    error_free(err);
    g_free(longname);
    teardown();
}

/* The synchronous entry point serves one client on the calling thread. */
static int sync_fd;

static gpointer sync_serve(gpointer data)
{
    (void)data;
    nbd_server_serve_fd_sync(F.srv, sync_fd);
    return NULL;
}

static void test_sync_entry(void)
{
    setup();
    int sv[2];
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    sync_fd = sv[0];
    GThread *t = g_thread_new("sync", sync_serve, NULL);
    greet(sv[1], NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES);
    send_opt(sv[1], NBD_OPT_EXPORT_NAME, "", 0);
    uint8_t buf[10];
    xread_ok(sv[1], buf, 10);
    Conn c = { .fd = sv[1], .mode = MODE_SIMPLE };
    uint8_t d[512];
    Reply r;
    run(&c, 0, NBD_CMD_READ, 0, 512, NULL, 0, d, &r);
    g_assert_cmpuint(r.error, ==, 0);
    disc(&c);
    g_thread_join(t);
    wait_closed(1);
    teardown();
}

/* nbd-stress (several connections, deep pipelines, verified) against our server. */
static int listen_fd;

static gpointer accept_thread(gpointer data)
{
    (void)data;
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR) {
                continue;
            }
            return NULL;
        }
        nbd_server_serve_fd(F.srv, fd);
    }
}

static void run_stress(const char *export, const char *size)
{
    char *path = g_build_filename(F.dir, "sock", NULL);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(listen_fd, >=, 0);
    g_assert_cmpint(bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(listen_fd, 16), ==, 0);
    GThread *t = g_thread_new("accept", accept_thread, NULL);
    char *argv[] = {
        (char *)NBD_STRESS, "--unix", path, "--export", (char *)export, "--size",
        (char *)size, "--connections", "4", "--depth", "24", "--ops", "500", NULL,
    };
    char *out = NULL, *err = NULL;
    int status = -1;
    GError *gerr = NULL;
    g_assert_true(g_spawn_sync(NULL, argv, NULL, 0, NULL, NULL, &out, &err, &status, &gerr));
    g_test_message("nbd-stress: %s%s", out, err);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_assert_nonnull(strstr(out, "all data verified"));
    g_free(out);
    g_free(err);
    shutdown(listen_fd, SHUT_RDWR);
    g_thread_join(t);
    close(listen_fd);
    unlink(path);
    g_free(path);
}

static void test_stress(void)
{
    setup();
    run_stress("", "1M");
    run_stress("q", "1M");
    wait_closed(8);
    teardown();
}

/* TLS mandatory: only STARTTLS and ABORT before the upgrade, then a normal session. */
static void test_tls(void)
{
    Error *err = NULL;
    g_assert_nonnull(user_object_create_str("tls-creds-anon,id=nbdsrv,endpoint=server",
                                            &err));
    g_assert_nonnull(user_object_create_str("tls-creds-anon,id=nbdcli", &err));
    TlsCreds *sc = tls_creds_lookup("nbdsrv", TLS_ENDPOINT_SERVER, &err);
    TlsCreds *cc = tls_creds_lookup("nbdcli", TLS_ENDPOINT_CLIENT, &err);
    g_assert_nonnull(sc);
    g_assert_nonnull(cc);
    setup_with(sc);

    int fd = connect_greet();
    GByteArray *p = info_payload("", 0, NULL, 0);
    send_opt(fd, NBD_OPT_INFO, p->data, p->len);
    expect_rep(fd, NBD_OPT_INFO, NBD_REP_ERR_TLS_REQD);
    send_opt(fd, NBD_OPT_GO, p->data, p->len);
    expect_rep(fd, NBD_OPT_GO, NBD_REP_ERR_TLS_REQD);
    send_opt(fd, NBD_OPT_LIST, NULL, 0);
    expect_rep(fd, NBD_OPT_LIST, NBD_REP_ERR_TLS_REQD);
    send_opt(fd, NBD_OPT_STRUCTURED_REPLY, NULL, 0);
    expect_rep(fd, NBD_OPT_STRUCTURED_REPLY, NBD_REP_ERR_TLS_REQD);
    send_opt(fd, 4242, NULL, 0);
    expect_rep(fd, 4242, NBD_REP_ERR_TLS_REQD);
    send_opt(fd, NBD_OPT_STARTTLS, NULL, 0);
    expect_rep(fd, NBD_OPT_STARTTLS, NBD_REP_ACK);
    tls_ch = channel_new_fd(dup(fd));
    tls_fd = fd;
    g_assert_true(channel_start_tls(tls_ch, cc, NULL, &err));
    g_assert_null(err);
    send_opt(fd, NBD_OPT_STARTTLS, NULL, 0);
    expect_rep(fd, NBD_OPT_STARTTLS, NBD_REP_ERR_INVALID);
    send_opt(fd, NBD_OPT_STRUCTURED_REPLY, NULL, 0);
    expect_rep(fd, NBD_OPT_STRUCTURED_REPLY, NBD_REP_ACK);
    send_opt(fd, NBD_OPT_GO, p->data, p->len);
    g_byte_array_free(p, TRUE);
    Info info;
    g_assert_cmphex(read_infos(fd, NBD_OPT_GO, &info), ==, NBD_REP_ACK);
    g_assert_true(info.flags & NBD_FLAG_SEND_DF);
    info_clear(&info);
    Conn c = { .fd = fd, .mode = MODE_STRUCTURED };
    uint8_t buf[4096], want[4096];
    fill(want, sizeof(want), 1);
    Reply r;
    run(&c, 0, NBD_CMD_READ, 0, sizeof(buf), NULL, 0, buf, &r);
    g_assert_cmpuint(r.error, ==, 0);
    g_assert_cmpmem(buf, sizeof(buf), want, sizeof(want));
    reply_clear(&r);
    run_expect(&c, 0, NBD_CMD_WRITE, 0, sizeof(want), want, sizeof(want), 0);
    /* Many in flight over TLS: the server reads and sends at the same time. */
    Sender snd = { &c, g_byte_array_new() };
    for (int i = 0; i < 100; i++) {
        queue_req(&snd, 0, i & 1 ? NBD_CMD_READ : NBD_CMD_WRITE, i, (uint64_t)i * 8192,
                  i & 1 ? 8192 : 4096, want);
    }
    GThread *t = send_all(&snd);
    int dones = 0;
    while (dones < 100) {
        Msg m;
        read_msg(&c, &m, 0);
        g_assert_cmpuint(m.cookie, <, 100);
        g_assert_false(m.simple && m.error);
        g_assert_false(m.type & NBD_REPLY_TYPE_ERROR_BIT);
        dones += m.simple || (m.flags & NBD_REPLY_FLAG_DONE);
        g_free(m.data);
    }
    g_thread_join(t);
    g_byte_array_free(snd.buf, TRUE);
    disc(&c);
    channel_free(tls_ch);
    tls_ch = NULL;
    tls_fd = -1;

    /* EXPORT_NAME cannot be refused politely before TLS: closed. */
    fd = connect_greet();
    send_opt(fd, NBD_OPT_EXPORT_NAME, NULL, 0);
    expect_eof(fd);
    close(fd);
    /* ABORT is allowed. */
    fd = connect_greet();
    send_opt(fd, NBD_OPT_ABORT, NULL, 0);
    expect_rep(fd, NBD_OPT_ABORT, NBD_REP_ACK);
    expect_eof(fd);
    close(fd);
    /* A client that is not TLS after the ACK: the handshake fails, no hang. */
    fd = connect_greet();
    send_opt(fd, NBD_OPT_STARTTLS, NULL, 0);
    expect_rep(fd, NBD_OPT_STARTTLS, NBD_REP_ACK);
    xwrite(fd, "this is not a TLS client hello, not at all......", 48);
    expect_eof(fd);
    close(fd);
    wait_closed(4);
    teardown();
    user_object_delete_all();
}

/* The fuzzer's seeds replayed through the synchronous entry point. */
typedef struct Feed {
    int fd;
    const char *data;
    size_t size;
} Feed;

static gpointer feed_writer(gpointer opaque)
{
    Feed *f = opaque;
    size_t done = 0;
    while (done < f->size) {
        ssize_t n = send(f->fd, f->data + done, f->size - done, MSG_NOSIGNAL);
        if (n <= 0) {
            break;   /* the server hung up early */
        }
        done += n;
    }
    shutdown(f->fd, SHUT_WR);
    return NULL;
}

static gpointer feed_drainer(gpointer opaque)
{
    Feed *f = opaque;
    char buf[65536];
    while (read(f->fd, buf, sizeof(buf)) > 0) {
    }
    return NULL;
}

static void test_fuzz_corpus(void)
{
    setup();
    char *dir = g_build_filename(FUZZ_CORPUS_DIR, "fuzz-nbd-server", NULL);
    GDir *d = g_dir_open(dir, 0, NULL);
    g_assert_nonnull(d);
    int n = 0;
    const char *name;
    while ((name = g_dir_read_name(d))) {
        char *path = g_build_filename(dir, name, NULL);
        char *data;
        gsize size;
        g_assert_true(g_file_get_contents(path, &data, &size, NULL));
        int sv[2];
        g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
        Feed f = { sv[1], data, size };
        GThread *w = g_thread_new("feed", feed_writer, &f);
        GThread *r = g_thread_new("drain", feed_drainer, &f);
        nbd_server_serve_fd_sync(F.srv, sv[0]);
        g_thread_join(w);
        g_thread_join(r);
        close(sv[1]);
        g_free(data);
        g_free(path);
        n++;
    }
    g_dir_close(d);
    g_free(dir);
    g_assert_cmpint(n, >=, 5);
    g_assert_cmpint(__atomic_load_n(&F.closed, __ATOMIC_SEQ_CST), ==, n);
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nbd-server/go-info", test_go_info);
    g_test_add_func("/nbd-server/go-errors", test_go_errors);
    g_test_add_func("/nbd-server/list-abort", test_list);
    g_test_add_func("/nbd-server/export-name", test_export_name);
    g_test_add_func("/nbd-server/bad-greeting", test_bad_greeting);
    g_test_add_func("/nbd-server/meta-contexts", test_meta_contexts);
    g_test_add_func("/nbd-server/io-simple", test_io_simple);
    g_test_add_func("/nbd-server/io-structured", test_io_structured);
    g_test_add_func("/nbd-server/io-extended", test_io_extended);
    g_test_add_func("/nbd-server/read-holes", test_read_holes);
    g_test_add_func("/nbd-server/errors", test_errors);
    g_test_add_func("/nbd-server/bad-transmission", test_bad_transmission);
    g_test_add_func("/nbd-server/block-status", test_block_status);
    g_test_add_func("/nbd-server/pipeline", test_pipeline);
    g_test_add_func("/nbd-server/shutdown", test_shutdown);
    g_test_add_func("/nbd-server/shutdown-stuck", test_shutdown_stuck);
    g_test_add_func("/nbd-server/remove-export", test_remove_export);
    g_test_add_func("/nbd-server/sync-entry", test_sync_entry);
    g_test_add_func("/nbd-server/stress", test_stress);
    g_test_add_func("/nbd-server/tls", test_tls);
    g_test_add_func("/nbd-server/fuzz-corpus", test_fuzz_corpus);
    return g_test_run();
}
