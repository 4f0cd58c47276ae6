/*
 * libFuzzer target for the NBD client: the input is (after a two byte
 * header) everything a server sends: greeting, option replies (INFO, meta
 * contexts, export lists, the EXPORT_NAME fallback) and then transmission
 * replies (simple, structured and extended chunks). Whatever the bytes, the
 * client must finish with an error or a result: no crash, hang, leak or
 * out-of-bounds access.
 *
 * The handshake-only entry points get the input over a socketpair (a thread
 * writes it and shuts its end down, another drains what the client sends).
 * A connected client instead runs on an in-memory transport (see Script):
 * over a socket, replies sent ahead of their requests would race with the
 * client registering those requests, and the same input would take different
 * paths from run to run.
 *
 * Header byte 0, what the client does and how it is configured:
 *   bits 0-1  0: handshake only (nbd_client_negotiate_fd, the kernel client)
 *             1: list exports (nbd_client_list, qemu-nbd -L)
 *             2, 3: connect, then a fixed series of requests (see run_requests)
 *   bit 2     no_structured_replies
 *   bit 3     no_extended_headers
 *   bit 4     also ask for the qemu:allocation-depth meta context
 *   bit 5     export name "fuzz" instead of the default ""
 * Header byte 1, the request geometry in units of the minimum block size (512
 * when the server sets none): bits 0-2 length - 1, bits 3-4 offset, bit 5
 * FUA on the write.
 * Set FUZZ_NBD_VERBOSE in the environment to trace the client's view.
 */
#define _GNU_SOURCE
#include "config.h"
#include <fcntl.h>
#include <glib.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "libcore/channel-int.h"
#include "libcore/sockets.h"
#include "nbd/client-int.h"
#include "nbd/nbd-proto.h"
#include "nbd/nbd.h"
#include "tests/fuzz/fuzz-feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MODE_NEGOTIATE, MODE_LIST, MODE_REQUESTS };

#define CFG_NO_STRUCTURED  (1u << 2)
#define CFG_NO_EXTENDED    (1u << 3)
#define CFG_DEPTH          (1u << 4)
#define CFG_NAMED          (1u << 5)

#define GEO_FUA            (1u << 5)
/* Requests never need more than this (8 units of at most 64 KiB). */
#define MAX_REQUEST        (8u << 16)

static void run_negotiate(const NbdClientConfig *cfg, int fd)
{
    NbdExportInfo info = { 0 };
    Error *err = NULL;
    if (nbd_client_negotiate_fd(cfg, fd, &info, &err)) {
        nbd_export_info_clear(&info);
    }
    error_free(err);
}

static void run_list(const NbdClientConfig *cfg)
{
    NbdExportInfo *list = NULL;
    size_t n = 0;
    Error *err = NULL;
    if (nbd_client_list(cfg, &list, &n, &err)) {
        nbd_export_info_free_list(list, n);
    }
    error_free(err);
}

static void block_status(NbdClient *c, const char *ctx, uint64_t off, uint64_t len)
{
    NbdExtent *ext = NULL;
    size_t n = 0;
    if (nbd_client_block_status(c, ctx, off, len, &ext, &n) == 0) {
        uint64_t sum = 0;
        for (size_t i = 0; i < n; i++) {
            sum += ext[i].length;   /* touch every extent: ASan checks the count */
        }
        if (n == 0 || sum == 0 || sum > len) {
            abort();                /* the API promises at least one byte, within len */
        }
    }
    g_free(ext);
}

/*
 * One of each request kind in a fixed order (so seeds can answer them by
 * cookie 1, 2, ...): read, write, write zeroes, trim, cache, block status for
 * each context, flush. Kinds the server did not advertise fail locally.
 */
static void run_requests(NbdClient *c, uint8_t geo, bool depth)
{
    const NbdExportInfo *info = nbd_client_info(c);
    uint64_t unit = info->min_block ? info->min_block : 512;
    uint64_t off = unit * ((geo >> 3) & 3), len = unit * (1 + (geo & 7));
    uint32_t fua = geo & GEO_FUA ? NBD_CMD_FLAG_FUA : 0;
    if (off > info->size || len > info->size - off) {
        off = 0;
        len = MIN(info->size, (uint64_t)MAX_REQUEST);
        len -= info->min_block ? len % info->min_block : 0;
    }
    uint8_t *buf = g_malloc0(MAX(len, 1));
    nbd_client_read(c, off, len, buf);
    nbd_client_write(c, off, len, buf, fua);
    nbd_client_write_zeroes(c, off, len, fua);
    nbd_client_trim(c, off, len, 0);
    nbd_client_cache(c, off, len);
    block_status(c, NBD_META_BASE_ALLOCATION, off, len);
    if (depth) {
        block_status(c, NBD_META_QEMU_ALLOC_DEPTH, off, len);
    }
    nbd_client_flush(c);
    g_free(buf);
}

/*
 * The server's bytes for a connected client. The handshake runs on the
 * caller's thread and reads freely; the client's reader thread may take bytes
 * only while a request is registered, so a reply can never arrive before the
 * request it answers, and once the client is closing it sees the end of the
 * stream. Every write from the client is swallowed and wakes the reader.
 */
typedef struct Script {
    const uint8_t *data;
    size_t size, pos;
    pthread_t caller;
    NbdClient *client;          /* set once the handshake is done */
    uint64_t writes;
    pthread_mutex_t mu;
    pthread_cond_t cond;
} Script;

/* 1: a request waits for its reply, 0: wait for the caller, -1: closing. */
static int reader_state(Script *sc)
{
    NbdClient *c = sc->client;
    if (!c) {
        return 0;
    }
    pthread_mutex_lock(&c->lock);
    int st = c->dead ? -1 : g_hash_table_size(c->pending) > 0;
    pthread_mutex_unlock(&c->lock);
    return st;
}

static ssize_t script_read(Channel *ch, void *buf, size_t len, Error **errp)
{
    Script *sc = channel_transport_opaque(ch);
    int st = 1;
    pthread_mutex_lock(&sc->mu);
    if (!pthread_equal(pthread_self(), sc->caller)) {
        while (!channel_is_shut_down(ch) && (st = reader_state(sc)) == 0) {
            pthread_cond_wait(&sc->cond, &sc->mu);
        }
    }
    size_t n = channel_is_shut_down(ch) || st < 0 ? 0 : MIN(len, sc->size - sc->pos);
    memcpy(buf, sc->data + sc->pos, n);
    sc->pos += n;
    pthread_mutex_unlock(&sc->mu);
    return (ssize_t)n;
}

/* Registering a request or closing is always followed by a write. */
static ssize_t script_writev(Channel *ch, const struct iovec *iov, int iovcnt, Error **errp)
{
    Script *sc = channel_transport_opaque(ch);
    size_t n = 0;
    for (int i = 0; i < iovcnt; i++) {
        n += iov[i].iov_len;
    }
    pthread_mutex_lock(&sc->mu);
    sc->writes++;
    pthread_cond_broadcast(&sc->cond);
    pthread_mutex_unlock(&sc->mu);
    return (ssize_t)n;
}

static const ChannelOps script_ops = {
    .name = "fuzz-script",
    .read = script_read,
    .writev = script_writev,
};

static void run_connect(const NbdClientConfig *cfg, const uint8_t *data, size_t size,
                        uint8_t geo)
{
    Script sc = { .data = data, .size = size, .caller = pthread_self() };
    pthread_mutex_init(&sc.mu, NULL);
    pthread_cond_init(&sc.cond, NULL);
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);     /* the channel needs one */
    if (fd < 0) {
        abort();
    }
    Channel *ch = channel_new_fd(fd);
    channel_set_transport(ch, &script_ops, &sc);
    Error *err = NULL;
    NbdClient *c = nbd_client_new_channel(ch, cfg, &err);
    if (c) {
        pthread_mutex_lock(&sc.mu);
        sc.client = c;
        pthread_cond_broadcast(&sc.cond);
        pthread_mutex_unlock(&sc.mu);
        run_requests(c, geo, cfg->extra_context != NULL);
        nbd_client_close(c);
    }
    error_free(err);
    pthread_cond_destroy(&sc.cond);
    pthread_mutex_destroy(&sc.mu);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool traced;
    if (!traced) {
        traced = true;
        nbd_set_verbose(getenv("FUZZ_NBD_VERBOSE") != NULL);   /* to debug a crash */
    }
    if (size < 2) {
        return 0;
    }
    uint8_t mode = data[0] & 3, flags = data[0], geo = data[1];
    NbdClientConfig cfg = {
        .export_name = flags & CFG_NAMED ? "fuzz" : NULL,
        .extra_context = flags & CFG_DEPTH ? NBD_META_QEMU_ALLOC_DEPTH : NULL,
        .no_structured_replies = flags & CFG_NO_STRUCTURED,
        .no_extended_headers = flags & CFG_NO_EXTENDED,
    };
    if (mode >= MODE_REQUESTS) {
        run_connect(&cfg, data + 2, size - 2, geo);
        return 0;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        abort();
    }
    /* The client works on a duplicate of sv[0]; sv[0] stays ours to close. */
    SocketAddress *addr = socket_address_new_fd(sv[0]);
    cfg.addr = addr;
    Feed out = { sv[1], data + 2, size - 2 }, in = { sv[1], NULL, 0 };
    pthread_t w, d;
    if (pthread_create(&w, NULL, feed_writer, &out) ||
        pthread_create(&d, NULL, feed_drainer, &in)) {
        abort();
    }
    if (mode == MODE_NEGOTIATE) {
        run_negotiate(&cfg, sv[0]);
    } else {
        run_list(&cfg);
    }
    /* Every copy of the client's end is closed now: both threads see it end. */
    close(sv[0]);
    pthread_join(w, NULL);
    pthread_join(d, NULL);
    close(sv[1]);
    socket_address_free(addr);
    return 0;
}
