/*
 * The NBD client's transmission phase, sending side, and the public API. Any
 * number of threads submit requests; each is registered under a fresh cookie,
 * its header (and write payload) goes out under the send lock, and the
 * submitter sleeps on its own condition until the reader thread
 * (client-recv.c) completes it. Requests are split at the server's limits and
 * flags it did not advertise are emulated or refused.
 */
#include "config.h"
#include "nbd/client-int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static bool verbose;

void nbd_client_trace(const char *fmt, ...)
{
    if (!verbose) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    fputs("nbd client: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void nbd_set_verbose(bool on)
{
    verbose = on;
}

bool nbd_verbose(void)
{
    return verbose;
}

/* ---- sending ---- */

static size_t build_header(NbdClient *c, uint8_t *h, const NbdReq *req, uint16_t flags)
{
    bool ext = c->s.extended;
    nbd_put32(h, ext ? NBD_EXTENDED_REQUEST_MAGIC : NBD_REQUEST_MAGIC);
    if (ext && req->type == NBD_CMD_WRITE) {
        flags |= NBD_CMD_FLAG_PAYLOAD_LEN;
    }
    nbd_put16(h + 4, flags);
    nbd_put16(h + 6, req->type);
    nbd_put64(h + 8, req->cookie);
    nbd_put64(h + 16, req->offset);
    if (ext) {
        nbd_put64(h + 24, req->len);
        return NBD_EXTENDED_REQUEST_SIZE;
    }
    nbd_put32(h + 24, (uint32_t)req->len);
    return NBD_REQUEST_SIZE;
}

/* Register req under a new cookie (waiting for a free slot); false when dead. */
static bool register_req(NbdClient *c, NbdReq *req)
{
    pthread_mutex_lock(&c->lock);
    while (!c->dead && c->in_flight >= NBD_CLIENT_MAX_IN_FLIGHT) {
        pthread_cond_wait(&c->slots, &c->lock);
    }
    bool ok = !c->dead;
    if (ok) {
        req->cookie = c->next_cookie++;
        g_hash_table_insert(c->pending, &req->cookie, req);
        c->in_flight++;
    }
    pthread_mutex_unlock(&c->lock);
    return ok;
}

static void send_req(NbdClient *c, NbdReq *req, const void *payload)
{
    uint8_t h[NBD_EXTENDED_REQUEST_SIZE];
    size_t hlen = build_header(c, h, req, req->flags);
    struct iovec iov[2] = { { h, hlen }, { (void *)payload, payload ? req->len : 0 } };
    Error *err = NULL;
    pthread_mutex_lock(&c->send_lock);
    bool ok = channel_writev_all(c->s.ch, iov, payload ? 2 : 1, &err);
    pthread_mutex_unlock(&c->send_lock);
    if (!ok) {
        /* A half-sent request desynchronises the stream: the reader fails all. */
        nbd_client_trace("sending %s failed: %s", nbd_cmd_name(req->type),
                         error_message(err));
        error_free(err);
        channel_shutdown(c->s.ch);
    }
}

static int submit(NbdClient *c, NbdReq *req, const void *payload)
{
    pthread_cond_init(&req->cond, NULL);
    if (!register_req(c, req)) {
        pthread_cond_destroy(&req->cond);
        return -EIO;
    }
    send_req(c, req, payload);
    pthread_mutex_lock(&c->lock);
    while (!req->done) {
        pthread_cond_wait(&req->cond, &c->lock);
    }
    c->in_flight--;
    pthread_cond_signal(&c->slots);
    pthread_mutex_unlock(&c->lock);
    pthread_cond_destroy(&req->cond);
    if (req->covered) {
        g_tree_destroy(req->covered);
    }
    return req->ret;
}

static int one_request(NbdClient *c, uint16_t type, uint16_t flags, uint64_t offset,
                       uint64_t len, void *buf)
{
    NbdReq req = { .type = type, .flags = flags, .offset = offset, .len = len };
    if (type == NBD_CMD_READ) {
        req.buf = buf;
    }
    int ret = submit(c, &req, type == NBD_CMD_WRITE ? buf : NULL);
    g_free(req.ext);
    return ret;
}

/* ---- the public requests ---- */

static bool has_flag(const NbdClient *c, uint16_t flag)
{
    return (c->s.info.flags & flag) != 0;
}

static int check_range(NbdClient *c, uint64_t offset, uint64_t len)
{
    if (offset > c->s.info.size || len > c->s.info.size - offset) {
        return -EINVAL;
    }
    if (offset % c->align || len % c->align) {
        return -EINVAL;         /* the server asked for aligned requests */
    }
    return 0;
}

/* Split [offset, +len) into requests of at most max bytes. */
static int split(NbdClient *c, uint16_t type, uint16_t flags, uint64_t offset,
                 uint64_t len, uint8_t *buf, uint64_t max)
{
    int ret = check_range(c, offset, len);
    while (ret == 0 && len > 0) {
        uint64_t n = MIN(len, max);
        ret = one_request(c, type, flags, offset, n, buf);
        offset += n;
        len -= n;
        buf = buf ? buf + n : NULL;
    }
    return ret;
}

int nbd_client_read(NbdClient *c, uint64_t offset, uint64_t len, void *buf)
{
    return split(c, NBD_CMD_READ, 0, offset, len, buf, c->max_payload);
}

/* FUA where the server has it, else a flush afterwards. */
static int write_like(NbdClient *c, uint16_t type, uint32_t flags, uint64_t offset,
                      uint64_t len, const void *buf, uint64_t max)
{
    bool fua = flags & NBD_CMD_FLAG_FUA;
    if (has_flag(c, NBD_FLAG_READ_ONLY)) {
        return -EPERM;
    }
    if (fua && !has_flag(c, NBD_FLAG_SEND_FUA)) {
        flags &= ~NBD_CMD_FLAG_FUA;
    }
    int ret = split(c, type, (uint16_t)flags, offset, len, (uint8_t *)buf, max);
    if (ret == 0 && fua && !(flags & NBD_CMD_FLAG_FUA)) {
        ret = nbd_client_flush(c);
    }
    return ret;
}

int nbd_client_write(NbdClient *c, uint64_t offset, uint64_t len, const void *buf,
                     uint32_t flags)
{
    if (flags & ~NBD_CMD_FLAG_FUA) {
        return -ENOTSUP;
    }
    return write_like(c, NBD_CMD_WRITE, flags, offset, len, buf, c->max_payload);
}

int nbd_client_write_zeroes(NbdClient *c, uint64_t offset, uint64_t len, uint32_t flags)
{
    if (flags & ~(NBD_CMD_FLAG_FUA | NBD_CMD_FLAG_NO_HOLE | NBD_CMD_FLAG_FAST_ZERO)) {
        return -ENOTSUP;
    }
    if (!has_flag(c, NBD_FLAG_SEND_WRITE_ZEROES) ||
        ((flags & NBD_CMD_FLAG_FAST_ZERO) && !has_flag(c, NBD_FLAG_SEND_FAST_ZERO))) {
        return -ENOTSUP;
    }
    return write_like(c, NBD_CMD_WRITE_ZEROES, flags, offset, len, NULL,
                      NBD_CLIENT_MAX_EFFECT);
}

int nbd_client_trim(NbdClient *c, uint64_t offset, uint64_t len, uint32_t flags)
{
    if ((flags & ~NBD_CMD_FLAG_FUA) || !has_flag(c, NBD_FLAG_SEND_TRIM)) {
        return -ENOTSUP;
    }
    return write_like(c, NBD_CMD_TRIM, flags, offset, len, NULL, NBD_CLIENT_MAX_EFFECT);
}

int nbd_client_flush(NbdClient *c)
{
    if (!has_flag(c, NBD_FLAG_SEND_FLUSH) || has_flag(c, NBD_FLAG_READ_ONLY)) {
        return 0;               /* nothing the server could be caching for us */
    }
    return one_request(c, NBD_CMD_FLUSH, 0, 0, 0, NULL);
}

int nbd_client_cache(NbdClient *c, uint64_t offset, uint64_t len)
{
    if (!has_flag(c, NBD_FLAG_SEND_CACHE)) {
        return -ENOTSUP;
    }
    return split(c, NBD_CMD_CACHE, 0, offset, len, NULL, NBD_CLIENT_MAX_EFFECT);
}

int nbd_client_block_status(NbdClient *c, const char *name, uint64_t offset, uint64_t len,
                            NbdExtent **ext, size_t *n)
{
    *ext = NULL;
    *n = 0;
    if (!nbd_client_has_context(c, name)) {
        return -ENOTSUP;
    }
    if (offset >= c->s.info.size || len == 0 || offset % c->align) {
        return -EINVAL;
    }
    len = MIN(len, c->s.info.size - offset);
    if (!c->s.extended) {
        len = MIN(len, (uint64_t)(UINT32_MAX - (c->align - 1)));
    }
    /* Round up to whole blocks; the size is a multiple of them (or we clip). */
    if (len % c->align) {
        uint64_t up = len + (c->align - len % c->align);
        len = up <= c->s.info.size - offset ? up : len;
    }
    NbdReq req = { .type = NBD_CMD_BLOCK_STATUS, .offset = offset, .len = len,
                   .ctx_name = name };
    int ret = submit(c, &req, NULL);
    if (ret < 0) {
        g_free(req.ext);
        return ret;
    }
    *ext = req.ext;
    *n = req.n_ext;
    return 0;
}

/* ---- connection ---- */

const NbdExportInfo *nbd_client_info(const NbdClient *c)
{
    return &c->s.info;
}

bool nbd_client_structured(const NbdClient *c)
{
    return c->s.structured;
}

bool nbd_client_extended(const NbdClient *c)
{
    return c->s.extended;
}

bool nbd_client_has_context(const NbdClient *c, const char *name)
{
    for (size_t i = 0; name && i < c->s.n_ctx; i++) {
        if (strcmp(c->s.ctx[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static void client_free(NbdClient *c)
{
    if (c->s.ch) {
        channel_free(c->s.ch);
    }
    nbd_session_clear(&c->s);
    if (c->pending) {
        g_hash_table_destroy(c->pending);
    }
    pthread_mutex_destroy(&c->send_lock);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->slots);
    g_free(c);
}

static void setup_limits(NbdClient *c)
{
    const NbdExportInfo *i = &c->s.info;
    c->align = i->min_block ? i->min_block : 1;
    uint64_t max = i->max_block ? MIN(i->max_block, NBD_CLIENT_MAX_PAYLOAD)
                                : NBD_CLIENT_MAX_PAYLOAD;
    c->max_payload = MAX(max - max % c->align, (uint64_t)c->align);
}

NbdClient *nbd_client_connect(const NbdClientConfig *cfg, Error **errp)
{
    int fd = socket_connect(cfg->addr, errp);
    if (fd < 0) {
        return NULL;
    }
    return nbd_client_new_channel(channel_new_fd(fd), cfg, errp);
}

NbdClient *nbd_client_new_channel(Channel *ch, const NbdClientConfig *cfg, Error **errp)
{
    NbdClient *c = g_new0(NbdClient, 1);
    pthread_mutex_init(&c->send_lock, NULL);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->slots, NULL);
    c->s.ch = ch;
    if (!nbd_session_handshake(&c->s, cfg, errp)) {
        client_free(c);
        return NULL;
    }
    setup_limits(c);
    c->pending = g_hash_table_new(g_int64_hash, g_int64_equal);
    c->next_cookie = 1;
    if (pthread_create(&c->reader, NULL, nbd_client_reader, c) != 0) {
        error_setf(errp, "Could not start the NBD reader thread");
        client_free(c);
        return NULL;
    }
    c->reader_started = true;
    return c;
}

void nbd_client_close(NbdClient *c)
{
    if (!c) {
        return;
    }
    pthread_mutex_lock(&c->lock);
    bool alive = !c->dead;
    c->dead = true;             /* from now on: refuse new requests */
    pthread_mutex_unlock(&c->lock);
    if (alive) {
        NbdReq disc = { .type = NBD_CMD_DISC };
        uint8_t h[NBD_EXTENDED_REQUEST_SIZE];
        size_t hlen = build_header(c, h, &disc, 0);
        pthread_mutex_lock(&c->send_lock);
        if (channel_write_all(c->s.ch, h, hlen, NULL) && channel_is_tls(c->s.ch)) {
            channel_tls_bye(c->s.ch);
        }
        pthread_mutex_unlock(&c->send_lock);
    }
    channel_shutdown(c->s.ch);
    if (c->reader_started) {
        pthread_join(c->reader, NULL);
    }
    client_free(c);
}
