/*
 * nbd-stress: a raw-protocol NBD load generator that checks what it reads.
 *
 *   nbd-stress --unix PATH | --port N [--host H] [--export NAME]
 *              [--connections 4] [--depth 32] [--ops 2000] [--seed N] --size S
 *
 * Each connection (structured replies) owns a disjoint slice of the first S
 * bytes of the export, loads its current content as the model, then keeps up
 * to --depth requests in flight: writes of random patterns and write-zeroes
 * to random 4k-aligned ranges (some with FUA), flushes, and reads that are
 * checked against the model. A range is never touched by two requests at
 * once, so every read has exactly one right answer. At the end each slice is
 * read back and compared byte for byte. Exit 0 when everything matched;
 * otherwise the first mismatch or protocol error is printed and the exit
 * status is 1 (2 for usage errors).
 */
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "nbd/nbd-proto.h"

#define BLOCK 4096
#define MAX_RANGE_BLOCKS 16
#define LOAD_CHUNK (1u << 20)

enum ReqKind { K_FREE, K_LOAD, K_READ, K_WRITE, K_ZERO, K_FLUSH };

typedef struct Slot {
    enum ReqKind kind;
    uint64_t off;
    uint32_t len;
    uint64_t covered;        /* read bytes seen so far */
    uint8_t *expect;         /* reads: the model's bytes when issued */
} Slot;

typedef struct Stress Stress;

typedef struct Conn {
    Stress *st;
    int index;
    int fd;
    uint64_t lo, hi;         /* owned slice */
    uint8_t *model;          /* hi - lo bytes */
    uint8_t *busy;           /* per block of the slice */
    Slot *slots;             /* cookie = slot index */
    int inflight;
    uint64_t rng;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t rx;
    bool dead;
} Conn;

struct Stress {
    const char *unix_path, *host, *port, *export;
    int nconn, depth;
    long ops;
    uint64_t size, seed;
    pthread_mutex_t fail_lock;
    bool failed;
};

static void fail(Stress *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(Stress *st, const char *fmt, ...)
{
    pthread_mutex_lock(&st->fail_lock);
    if (!st->failed) {
        st->failed = true;
        va_list ap;
        va_start(ap, fmt);
        fputs("nbd-stress: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    pthread_mutex_unlock(&st->fail_lock);
}

static bool has_failed(Stress *st)
{
    pthread_mutex_lock(&st->fail_lock);
    bool f = st->failed;
    pthread_mutex_unlock(&st->fail_lock);
    return f;
}

static uint64_t rnd(Conn *c)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return c->rng;
}

/* ---- I/O ---- */

static bool write_full(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
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

static bool read_full(int fd, void *buf, size_t len)
{
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

static int connect_server(Stress *st)
{
    if (st->unix_path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(st->unix_path) >= sizeof(sa.sun_path)) {
            fail(st, "socket path too long: %s", st->unix_path);
            return -1;
        }
        strcpy(sa.sun_path, st->unix_path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            fail(st, "cannot connect to %s: %s", st->unix_path, strerror(errno));
            if (fd >= 0) {
                close(fd);
            }
            return -1;
        }
        return fd;
    }
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
    int err = getaddrinfo(st->host, st->port, &hints, &res);
    if (err) {
        fail(st, "cannot resolve %s:%s: %s", st->host, st->port, gai_strerror(err));
        return -1;
    }
    int fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        if (fd >= 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fail(st, "cannot connect to %s:%s: %s", st->host, st->port, strerror(errno));
    }
    return fd;
}

/* ---- Handshake ---- */

static bool send_option(int fd, uint32_t opt, const void *data, uint32_t len)
{
    uint8_t hdr[16];
    nbd_put64(hdr, NBD_OPTS_MAGIC);
    nbd_put32(hdr + 8, opt);
    nbd_put32(hdr + 12, len);
    return write_full(fd, hdr, 16) && (!len || write_full(fd, data, len));
}

/* Read one option reply; data (up to cap bytes kept) in buf. Type or 0 on failure. */
static uint32_t read_option_reply(Conn *c, uint32_t opt, uint8_t *buf, uint32_t cap,
                                  uint32_t *len)
{
    uint8_t hdr[20];
    if (!read_full(c->fd, hdr, 20) || nbd_get64(hdr) != NBD_REP_MAGIC ||
        nbd_get32(hdr + 8) != opt) {
        fail(c->st, "connection %d: bad option reply", c->index);
        return 0;
    }
    uint32_t type = nbd_get32(hdr + 12);
    *len = nbd_get32(hdr + 16);
    if (*len > 1u << 20) {
        fail(c->st, "connection %d: option reply of %u bytes", c->index, *len);
        return 0;
    }
    uint8_t *tmp = malloc(*len ? *len : 1);
    bool ok = read_full(c->fd, tmp, *len);
    memcpy(buf, tmp, *len < cap ? *len : cap);
    free(tmp);
    if (!ok) {
        fail(c->st, "connection %d: truncated option reply", c->index);
        return 0;
    }
    return type;
}

static bool handshake(Conn *c, uint64_t *size)
{
    Stress *st = c->st;
    uint8_t buf[64];
    uint32_t len;
    if (!read_full(c->fd, buf, 18) || nbd_get64(buf) != NBD_MAGIC ||
        nbd_get64(buf + 8) != NBD_OPTS_MAGIC ||
        !(nbd_get16(buf + 16) & NBD_FLAG_FIXED_NEWSTYLE)) {
        fail(st, "connection %d: not a fixed newstyle NBD server", c->index);
        return false;
    }
    uint32_t cflags = NBD_FLAG_C_FIXED_NEWSTYLE;
    if (nbd_get16(buf + 16) & NBD_FLAG_NO_ZEROES) {
        cflags |= NBD_FLAG_C_NO_ZEROES;
    }
    nbd_put32(buf, cflags);
    if (!write_full(c->fd, buf, 4) || !send_option(c->fd, NBD_OPT_STRUCTURED_REPLY, NULL, 0)) {
        fail(st, "connection %d: write failed", c->index);
        return false;
    }
    uint32_t type = read_option_reply(c, NBD_OPT_STRUCTURED_REPLY, buf, sizeof(buf), &len);
    if (type != NBD_REP_ACK) {
        fail(st, "connection %d: server refused structured replies (%s)", c->index,
             nbd_rep_name(type));
        return false;
    }
    size_t nlen = strlen(st->export);
    uint8_t *go = malloc(4 + nlen + 2);
    nbd_put32(go, (uint32_t)nlen);
    memcpy(go + 4, st->export, nlen);
    nbd_put16(go + 4 + nlen, 0);
    bool ok = send_option(c->fd, NBD_OPT_GO, go, (uint32_t)(4 + nlen + 2));
    free(go);
    if (!ok) {
        fail(st, "connection %d: write failed", c->index);
        return false;
    }
    bool have_size = false;
    uint16_t tflags = 0;
    for (;;) {
        type = read_option_reply(c, NBD_OPT_GO, buf, sizeof(buf), &len);
        if (type == NBD_REP_INFO && len >= 12 && nbd_get16(buf) == NBD_INFO_EXPORT) {
            *size = nbd_get64(buf + 2);
            tflags = nbd_get16(buf + 10);
            have_size = true;
        } else if (type != NBD_REP_INFO) {
            break;
        }
    }
    if (type != NBD_REP_ACK || !have_size) {
        fail(st, "connection %d: NBD_OPT_GO failed (%s)", c->index, nbd_rep_name(type));
        return false;
    }
    if (tflags & NBD_FLAG_READ_ONLY) {
        fail(st, "the export is read-only");
        return false;
    }
    return true;
}

/* ---- Requests ---- */

static bool send_request(Conn *c, uint16_t flags, uint16_t type, uint64_t cookie,
                         uint64_t off, uint32_t len, const void *payload)
{
    uint8_t hdr[NBD_REQUEST_SIZE];
    nbd_put32(hdr, NBD_REQUEST_MAGIC);
    nbd_put16(hdr + 4, flags);
    nbd_put16(hdr + 6, type);
    nbd_put64(hdr + 8, cookie);
    nbd_put64(hdr + 16, off);
    nbd_put32(hdr + 24, len);
    return write_full(c->fd, hdr, sizeof(hdr)) && (!payload || write_full(c->fd, payload, len));
}

/* Called with c->lock held: the request for slot is over. */
static void slot_done(Conn *c, int i)
{
    Slot *s = &c->slots[i];
    if (s->kind == K_READ || s->kind == K_WRITE || s->kind == K_ZERO) {
        for (uint64_t b = (s->off - c->lo) / BLOCK; b * BLOCK < s->off - c->lo + s->len; b++) {
            c->busy[b] = 0;
        }
    }
    if ((s->kind == K_READ || s->kind == K_LOAD) && s->covered != s->len) {
        fail(c->st, "connection %d: read of %u bytes at %" PRIu64 " returned %" PRIu64
             " bytes", c->index, s->len, s->off, s->covered);
    }
    free(s->expect);
    s->expect = NULL;
    s->kind = K_FREE;
    c->inflight--;
    pthread_cond_broadcast(&c->cond);
}

/* Check (or, for the initial load, record) read data at off. */
static void got_data(Conn *c, Slot *s, uint64_t off, const uint8_t *data, uint64_t n,
                     bool hole)
{
    if (off < s->off || n > s->len || off - s->off > s->len - n) {
        fail(c->st, "connection %d: data chunk [%" PRIu64 ", +%" PRIu64 ") outside the "
             "request [%" PRIu64 ", +%u)", c->index, off, n, s->off, s->len);
        return;
    }
    s->covered += n;
    if (s->kind == K_LOAD) {
        uint8_t *dst = c->model + (off - c->lo);
        if (hole) {
            memset(dst, 0, n);
        } else {
            memcpy(dst, data, n);
        }
        return;
    }
    const uint8_t *want = s->expect + (off - s->off);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t got = hole ? 0 : data[i];
        if (got != want[i]) {
            fail(c->st, "mismatch at offset %" PRIu64 " (connection %d): expected 0x%02x, "
                 "got 0x%02x%s", off + i, c->index, want[i], got, hole ? " (hole)" : "");
            return;
        }
    }
}

/* One reply message; false when the connection is over. */
static bool receive_one(Conn *c)
{
    uint8_t hdr[NBD_STRUCTURED_REPLY_SIZE];
    if (!read_full(c->fd, hdr, 4)) {
        return false;
    }
    uint32_t magic = nbd_get32(hdr);
    bool simple = magic == NBD_SIMPLE_REPLY_MAGIC;
    if (!simple && magic != NBD_STRUCTURED_REPLY_MAGIC) {
        fail(c->st, "connection %d: bad reply magic 0x%08x", c->index, magic);
        return false;
    }
    size_t rest = (simple ? NBD_SIMPLE_REPLY_SIZE : NBD_STRUCTURED_REPLY_SIZE) - 4;
    if (!read_full(c->fd, hdr + 4, rest)) {
        fail(c->st, "connection %d: truncated reply", c->index);
        return false;
    }
    uint64_t cookie = nbd_get64(hdr + 8);
    pthread_mutex_lock(&c->lock);
    bool known = cookie < (uint64_t)c->st->depth && c->slots[cookie].kind != K_FREE;
    Slot *s = known ? &c->slots[cookie] : NULL;
    pthread_mutex_unlock(&c->lock);
    if (!known) {
        fail(c->st, "connection %d: reply for unknown cookie %" PRIu64, c->index, cookie);
        return false;
    }
    if (simple) {
        uint32_t err = nbd_get32(hdr + 4);
        if (s->kind == K_READ || s->kind == K_LOAD) {
            fail(c->st, "connection %d: simple reply to a read", c->index);
            return false;
        }
        if (err) {
            fail(c->st, "connection %d: request at %" PRIu64 " failed with error %u",
                 c->index, s->off, err);
        }
        pthread_mutex_lock(&c->lock);
        slot_done(c, (int)cookie);
        pthread_mutex_unlock(&c->lock);
        return true;
    }
    uint16_t flags = nbd_get16(hdr + 4), type = nbd_get16(hdr + 6);
    uint32_t len = nbd_get32(hdr + 16);
    if (len > NBD_MAX_BUFFER_SIZE + 64) {
        fail(c->st, "connection %d: chunk of %u bytes", c->index, len);
        return false;
    }
    uint8_t *p = malloc(len ? len : 1);
    if (!read_full(c->fd, p, len)) {
        free(p);
        fail(c->st, "connection %d: truncated chunk", c->index);
        return false;
    }
    if (type & NBD_REPLY_TYPE_ERROR_BIT) {
        uint16_t mlen = len >= 6 ? nbd_get16(p + 4) : 0;
        fail(c->st, "connection %d: request at %" PRIu64 " failed with error %u: %.*s",
             c->index, s->off, len >= 4 ? nbd_get32(p) : 0,
             (int)(mlen <= len - 6 ? mlen : 0), (char *)p + 6);
    } else if (type == NBD_REPLY_TYPE_OFFSET_DATA && len > 8) {
        got_data(c, s, nbd_get64(p), p + 8, len - 8, false);
    } else if (type == NBD_REPLY_TYPE_OFFSET_HOLE && len == 12) {
        got_data(c, s, nbd_get64(p), NULL, nbd_get32(p + 8), true);
    } else if (type != NBD_REPLY_TYPE_NONE) {
        fail(c->st, "connection %d: unexpected chunk type %u", c->index, type);
    }
    free(p);
    if (flags & NBD_REPLY_FLAG_DONE) {
        pthread_mutex_lock(&c->lock);
        slot_done(c, (int)cookie);
        pthread_mutex_unlock(&c->lock);
    }
    return true;
}

static void *rx_thread(void *opaque)
{
    Conn *c = opaque;
    while (receive_one(c)) {
    }
    pthread_mutex_lock(&c->lock);
    c->dead = true;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Called with c->lock held: a free slot, waiting for one; -1 if the connection died. */
static int take_slot(Conn *c)
{
    for (;;) {
        if (c->dead || has_failed(c->st)) {
            return -1;
        }
        for (int i = 0; i < c->st->depth; i++) {
            if (c->slots[i].kind == K_FREE) {
                return i;
            }
        }
        pthread_cond_wait(&c->cond, &c->lock);
    }
}

static bool range_idle(Conn *c, uint64_t off, uint32_t len)
{
    for (uint64_t b = (off - c->lo) / BLOCK; b * BLOCK < off - c->lo + len; b++) {
        if (c->busy[b]) {
            return false;
        }
    }
    return true;
}

/* Issue a read of [off, +len) (kind K_LOAD or K_READ); lock held, released to send. */
static bool issue(Conn *c, enum ReqKind kind, uint16_t flags, uint64_t off, uint32_t len)
{
    int i = take_slot(c);
    if (i < 0) {
        return false;
    }
    Slot *s = &c->slots[i];
    s->kind = kind;
    s->off = off;
    s->len = len;
    s->covered = 0;
    uint8_t *payload = NULL;
    uint16_t type = NBD_CMD_READ;
    if (kind == K_READ || kind == K_WRITE || kind == K_ZERO) {
        for (uint64_t b = (off - c->lo) / BLOCK; b * BLOCK < off - c->lo + len; b++) {
            c->busy[b] = 1;
        }
    }
    uint8_t *model = c->model + (off - c->lo);
    switch (kind) {
    case K_READ:
        s->expect = malloc(len);
        memcpy(s->expect, model, len);
        break;
    case K_WRITE:
        type = NBD_CMD_WRITE;
        payload = malloc(len);
        for (uint32_t k = 0; k < len; k += 8) {
            uint64_t v = rnd(c);
            memcpy(payload + k, &v, len - k < 8 ? len - k : 8);
        }
        memcpy(model, payload, len);
        break;
    case K_ZERO:
        type = NBD_CMD_WRITE_ZEROES;
        memset(model, 0, len);
        break;
    case K_FLUSH:
        type = NBD_CMD_FLUSH;
        off = 0;
        len = 0;
        break;
    default:
        break;
    }
    c->inflight++;
    pthread_mutex_unlock(&c->lock);
    /* Only this thread sends, so no send lock is needed. */
    bool ok = send_request(c, flags, type, (uint64_t)i, off, len, payload);
    free(payload);
    pthread_mutex_lock(&c->lock);
    if (!ok) {
        fail(c->st, "connection %d: sending a request failed", c->index);
    }
    return ok;
}

static void wait_all(Conn *c)
{
    while (c->inflight && !c->dead) {
        pthread_cond_wait(&c->cond, &c->lock);
    }
}

/* Read the whole slice in chunks: into the model (load) or checked against it. */
static bool sweep(Conn *c, enum ReqKind kind)
{
    for (uint64_t off = c->lo; off < c->hi; off += LOAD_CHUNK) {
        uint32_t len = (uint32_t)(c->hi - off < LOAD_CHUNK ? c->hi - off : LOAD_CHUNK);
        if (!issue(c, kind, 0, off, len)) {
            return false;
        }
    }
    wait_all(c);
    return !c->dead && !has_failed(c->st);
}

static bool random_op(Conn *c)
{
    uint64_t blocks = (c->hi - c->lo + BLOCK - 1) / BLOCK;
    for (int attempt = 0;; attempt++) {
        if (c->dead || has_failed(c->st)) {
            return false;
        }
        unsigned pick = rnd(c) % 100;
        if (pick < 3) {
            return issue(c, K_FLUSH, 0, 0, 0);
        }
        uint64_t b = rnd(c) % blocks;
        uint64_t n = 1 + rnd(c) % MAX_RANGE_BLOCKS;
        uint64_t off = c->lo + b * BLOCK;
        uint64_t len = n * BLOCK;
        if (len > c->hi - off) {
            len = c->hi - off;
        }
        if (!range_idle(c, off, (uint32_t)len)) {
            if (attempt > 16) {
                pthread_cond_wait(&c->cond, &c->lock);   /* let replies free ranges */
                attempt = 0;
            }
            continue;
        }
        uint16_t fua = rnd(c) % 8 == 0 ? NBD_CMD_FLAG_FUA : 0;
        if (pick < 60) {
            return issue(c, K_WRITE, fua, off, (uint32_t)len);
        }
        if (pick < 67) {
            return issue(c, K_ZERO, fua | (pick & 1 ? NBD_CMD_FLAG_NO_HOLE : 0), off,
                         (uint32_t)len);
        }
        return issue(c, K_READ, rnd(c) % 4 == 0 ? NBD_CMD_FLAG_DF : 0, off, (uint32_t)len);
    }
}

static void *conn_main(void *opaque)
{
    Conn *c = opaque;
    Stress *st = c->st;
    uint64_t size = 0;
    c->fd = connect_server(st);
    if (c->fd < 0 || !handshake(c, &size)) {
        return NULL;
    }
    if (size < st->size) {
        fail(st, "the export has %" PRIu64 " bytes, fewer than --size %" PRIu64, size,
             st->size);
        return NULL;
    }
    if (pthread_create(&c->rx, NULL, rx_thread, c)) {
        fail(st, "cannot start a thread");
        return NULL;
    }
    pthread_mutex_lock(&c->lock);
    bool ok = sweep(c, K_LOAD);
    for (long i = 0; ok && i < st->ops; i++) {
        ok = random_op(c);
    }
    wait_all(c);
    ok = ok && sweep(c, K_READ);
    pthread_mutex_unlock(&c->lock);
    if (ok) {
        send_request(c, 0, NBD_CMD_DISC, 0, 0, 0, NULL);
    }
    shutdown(c->fd, SHUT_RDWR);
    pthread_join(c->rx, NULL);
    return NULL;
}

static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) {
        return false;
    }
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'M': shift = 20; end++; break;
    case 'G': shift = 30; end++; break;
    case 'T': shift = 40; end++; break;
    }
    if (*end || (shift && v > (UINT64_MAX >> shift))) {
        return false;
    }
    *out = (uint64_t)v << shift;
    return true;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: nbd-stress --unix PATH | --port N [--host H] [--export NAME]\n"
               "                  [--connections N] [--depth N] [--ops N] [--seed N] "
               "--size S\n");
}

static bool parse_args(Stress *st, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "unix", required_argument, NULL, 'u' },
        { "port", required_argument, NULL, 'p' },
        { "host", required_argument, NULL, 'H' },
        { "export", required_argument, NULL, 'x' },
        { "connections", required_argument, NULL, 'c' },
        { "depth", required_argument, NULL, 'd' },
        { "ops", required_argument, NULL, 'o' },
        { "seed", required_argument, NULL, 's' },
        { "size", required_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int opt;
    uint64_t v;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'u': st->unix_path = optarg; break;
        case 'p': st->port = optarg; break;
        case 'H': st->host = optarg; break;
        case 'x': st->export = optarg; break;
        case 'S':
            if (!parse_size(optarg, &st->size) || !st->size) {
                fprintf(stderr, "nbd-stress: invalid --size '%s'\n", optarg);
                return false;
            }
            break;
        case 'c': case 'd': case 'o': case 's':
            if (!parse_size(optarg, &v) || (opt != 's' && (v == 0 || v > 1000000))) {
                fprintf(stderr, "nbd-stress: invalid value '%s'\n", optarg);
                return false;
            }
            if (opt == 'c') {
                st->nconn = (int)v;
            } else if (opt == 'd') {
                st->depth = (int)v;
            } else if (opt == 'o') {
                st->ops = (long)v;
            } else {
                st->seed = v;
            }
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return false;
        }
    }
    if (optind != argc || !st->size || !!st->unix_path == !!st->port) {
        usage(stderr);
        return false;
    }
    if (st->nconn > 256 || st->depth > 4096) {
        fprintf(stderr, "nbd-stress: at most 256 connections and depth 4096\n");
        return false;
    }
    if (st->size / (uint64_t)st->nconn < BLOCK) {
        fprintf(stderr, "nbd-stress: --size must give each connection at least 4 KiB\n");
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    Stress st = {
        .host = "127.0.0.1", .export = "", .nconn = 4, .depth = 32, .ops = 2000, .seed = 1,
    };
    pthread_mutex_init(&st.fail_lock, NULL);
    if (!parse_args(&st, argc, argv)) {
        return 2;
    }
    Conn *conns = calloc(st.nconn, sizeof(Conn));
    pthread_t *threads = calloc(st.nconn, sizeof(pthread_t));
    uint64_t part = st.size / (uint64_t)st.nconn / BLOCK * BLOCK;
    for (int i = 0; i < st.nconn; i++) {
        Conn *c = &conns[i];
        c->st = &st;
        c->index = i;
        c->fd = -1;
        c->lo = part * i;
        c->hi = i + 1 == st.nconn ? st.size : part * (i + 1);
        c->model = calloc(1, c->hi - c->lo);
        c->busy = calloc((c->hi - c->lo) / BLOCK + 1, 1);
        c->slots = calloc(st.depth, sizeof(Slot));
        c->rng = (st.seed + 1) * 0x9e3779b97f4a7c15ULL + (uint64_t)i * 7919 + 1;
        pthread_mutex_init(&c->lock, NULL);
        pthread_cond_init(&c->cond, NULL);
        if (!c->model || !c->busy || !c->slots) {
            fprintf(stderr, "nbd-stress: out of memory\n");
            return 1;
        }
    }
    for (int i = 0; i < st.nconn; i++) {
        if (pthread_create(&threads[i], NULL, conn_main, &conns[i])) {
            fprintf(stderr, "nbd-stress: cannot start a thread\n");
            return 1;
        }
    }
    for (int i = 0; i < st.nconn; i++) {
        pthread_join(threads[i], NULL);
    }
    for (int i = 0; i < st.nconn; i++) {
        Conn *c = &conns[i];
        if (c->fd >= 0) {
            close(c->fd);
        }
        for (int k = 0; k < st.depth; k++) {
            free(c->slots[k].expect);
        }
        free(c->slots);
        free(c->model);
        free(c->busy);
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->cond);
    }
    free(conns);
    free(threads);
    if (st.failed) {
        return 1;
    }
    printf("nbd-stress: %d connections x %ld operations (depth %d) on %" PRIu64
           " bytes: all data verified\n", st.nconn, st.ops, st.depth, st.size);
    return 0;
}
