/*
 * The receiving side of the NBD client, run by one reader thread per
 * connection: parses simple, structured and extended replies, checks every
 * chunk against the request it claims to answer (cookie, offsets, lengths,
 * overlap, context ids), fills the caller's buffer or extent list and wakes
 * the submitter. A broken stream or a protocol violation ends the connection
 * and fails every pending request with -EIO.
 */
#include "config.h"
#include "nbd/client-int.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

/* Thrown away by the reader: a violation that makes the stream unusable. */
typedef struct RecvState {
    NbdClient *c;
    Error *err;
} RecvState;

static bool rd(RecvState *st, void *buf, size_t len)
{
    if (st->err) {
        return false;
    }
    int r = channel_read_all(st->c->s.ch, buf, len, &st->err);
    if (r == 0) {
        error_setf(&st->err, "server closed the connection");
    }
    return r > 0;
}

static bool violation(RecvState *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool violation(RecvState *st, const char *fmt, ...)
{
    if (!st->err) {
        va_list ap;
        va_start(ap, fmt);
        char *msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        error_setf(&st->err, "protocol error: %s", msg);
        g_free(msg);
    }
    return false;
}

static void set_error(NbdReq *req, int err)
{
    if (req->ret == 0) {
        req->ret = -err;
    }
}

static gint cmp_u64(gconstpointer a, gconstpointer b, gpointer unused)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * Record content [start, end) of a read, refusing overlap with earlier chunks.
 * The tree maps each chunk's start to its end.
 */
static bool cover(RecvState *st, NbdReq *req, uint64_t start, uint64_t end)
{
    if (!req->covered) {
        req->covered = g_tree_new_full(cmp_u64, NULL, g_free, g_free);
    }
    GTreeNode *next = g_tree_lower_bound(req->covered, &start);
    if (next && *(uint64_t *)g_tree_node_key(next) < end) {
        return violation(st, "overlapping read chunks at offset %llu",
                         (unsigned long long)start);
    }
    GTreeNode *prev = next ? g_tree_node_previous(next) : g_tree_node_last(req->covered);
    if (prev && *(uint64_t *)g_tree_node_value(prev) > start) {
        return violation(st, "overlapping read chunks at offset %llu",
                         (unsigned long long)start);
    }
    uint64_t *k = g_new(uint64_t, 1), *v = g_new(uint64_t, 1);
    *k = start;
    *v = end;
    g_tree_insert(req->covered, k, v);
    req->covered_bytes += end - start;
    return true;
}

/* A content chunk [off, off+len) must lie inside the request. */
static bool in_request(RecvState *st, NbdReq *req, uint64_t off, uint64_t len)
{
    if (req->type != NBD_CMD_READ) {
        return violation(st, "content chunk in reply to %s", nbd_cmd_name(req->type));
    }
    if (len == 0 || off < req->offset || off - req->offset > req->len ||
        len > req->len - (off - req->offset)) {
        return violation(st, "chunk [%llu, +%llu) outside the read [%llu, +%llu)",
                         (unsigned long long)off, (unsigned long long)len,
                         (unsigned long long)req->offset, (unsigned long long)req->len);
    }
    return true;
}

static bool chunk_data(RecvState *st, NbdReq *req, uint64_t plen)
{
    uint8_t hdr[8];
    if (plen < 9) {
        return violation(st, "OFFSET_DATA chunk of %llu bytes", (unsigned long long)plen);
    }
    if (!rd(st, hdr, 8)) {
        return false;
    }
    uint64_t off = nbd_get64(hdr), len = plen - 8;
    if (!in_request(st, req, off, len) || !cover(st, req, off, off + len)) {
        return false;
    }
    return rd(st, req->buf + (off - req->offset), len);
}

static bool chunk_hole(RecvState *st, NbdReq *req, uint64_t plen)
{
    uint8_t p[12];
    if (plen != 12) {
        return violation(st, "OFFSET_HOLE chunk of %llu bytes", (unsigned long long)plen);
    }
    if (!rd(st, p, 12)) {
        return false;
    }
    uint64_t off = nbd_get64(p), len = nbd_get32(p + 8);
    if (!in_request(st, req, off, len) || !cover(st, req, off, off + len)) {
        return false;
    }
    memset(req->buf + (off - req->offset), 0, len);
    return true;
}

static int context_index(NbdClient *c, uint32_t id)
{
    for (size_t i = 0; i < c->s.n_ctx; i++) {
        if (c->s.ctx[i].id == id) {
            return (int)i;
        }
    }
    return -1;
}

/* Keep the extents of [req->offset, +req->len), clipping the last one. */
static bool store_extents(RecvState *st, NbdReq *req, const uint8_t *p, uint32_t count,
                          bool wide)
{
    uint64_t pos = req->offset, end = req->offset + req->len;
    req->ext = g_new(NbdExtent, count);
    for (uint32_t i = 0; i < count; i++) {
        uint64_t len = wide ? nbd_get64(p + 16 * i) : nbd_get32(p + 8 * i);
        uint64_t flags = wide ? nbd_get64(p + 16 * i + 8) : nbd_get32(p + 8 * i + 4);
        if (len == 0) {
            return violation(st, "block status extent of length 0");
        }
        if (pos >= end) {
            return violation(st, "block status extents beyond the requested range");
        }
        len = MIN(len, end - pos);
        req->ext[req->n_ext].length = len;
        req->ext[req->n_ext].flags = flags;
        req->n_ext++;
        pos += len;
    }
    return true;
}

static bool chunk_status(RecvState *st, NbdReq *req, uint64_t plen, bool wide)
{
    size_t head = wide ? 8 : 4, desc = wide ? 16 : 8;
    if (req->type != NBD_CMD_BLOCK_STATUS) {
        return violation(st, "block status chunk in reply to %s", nbd_cmd_name(req->type));
    }
    if (wide != st->c->s.extended) {
        return violation(st, "%s block status chunk", wide ? "unexpected extended" :
                         "compact");
    }
    if (plen < head + desc || (plen - head) % desc || plen > NBD_MAX_BUFFER_SIZE) {
        return violation(st, "block status chunk of %llu bytes", (unsigned long long)plen);
    }
    g_autofree uint8_t *p = g_malloc(plen);
    if (!rd(st, p, plen)) {
        return false;
    }
    uint32_t count = (uint32_t)((plen - head) / desc);
    if (wide && nbd_get32(p + 4) != count) {
        return violation(st, "block status descriptor count %u for %u descriptors",
                         nbd_get32(p + 4), count);
    }
    int idx = context_index(st->c, nbd_get32(p));
    if (idx < 0) {
        return violation(st, "block status for unknown context id %u", nbd_get32(p));
    }
    if (req->ctx_seen & (1u << idx)) {
        return violation(st, "two block status chunks for context id %u", nbd_get32(p));
    }
    req->ctx_seen |= 1u << idx;
    if (strcmp(st->c->s.ctx[idx].name, req->ctx_name) != 0) {
        return true;            /* another negotiated context: not asked for now */
    }
    return store_extents(st, req, p + head, count, wide);
}

static bool chunk_error(RecvState *st, NbdReq *req, uint16_t type, uint64_t plen)
{
    size_t tail = type == NBD_REPLY_TYPE_ERROR_OFFSET ? 8 : 0;
    if (plen < 6 + tail || plen > 6 + NBD_MAX_STRING_SIZE + tail) {
        return violation(st, "error chunk of %llu bytes", (unsigned long long)plen);
    }
    g_autofree uint8_t *p = g_malloc(plen);
    if (!rd(st, p, plen)) {
        return false;
    }
    uint32_t err = nbd_get32(p);
    uint16_t mlen = nbd_get16(p + 4);
    if (err == 0) {
        return violation(st, "error chunk with error 0");
    }
    if ((tail && mlen != plen - 6 - tail) || mlen > plen - 6 - tail) {
        return violation(st, "error chunk message length %u in %llu bytes", mlen,
                         (unsigned long long)plen);
    }
    if (type == NBD_REPLY_TYPE_ERROR_OFFSET) {
        uint64_t off = nbd_get64(p + 6 + mlen);
        if (off < req->offset || off - req->offset >= MAX(req->len, (uint64_t)1)) {
            return violation(st, "error offset %llu outside the request",
                             (unsigned long long)off);
        }
    }
    g_autofree char *msg = nbd_client_sanitize(p + 6, mlen);
    nbd_client_trace("%s cookie %llu failed: %s (%s)", nbd_cmd_name(req->type),
                     (unsigned long long)req->cookie, strerror(nbd_wire_to_errno(err)), msg);
    set_error(req, nbd_wire_to_errno(err));
    return true;
}

/* One structured or extended chunk's payload; *done when it ends the reply. */
static bool chunk_payload(RecvState *st, NbdReq *req, uint16_t type, uint64_t plen)
{
    switch (type) {
    case NBD_REPLY_TYPE_NONE:
        return plen == 0 || violation(st, "NONE chunk with a payload");
    case NBD_REPLY_TYPE_OFFSET_DATA:
        return chunk_data(st, req, plen);
    case NBD_REPLY_TYPE_OFFSET_HOLE:
        return chunk_hole(st, req, plen);
    case NBD_REPLY_TYPE_BLOCK_STATUS:
        return chunk_status(st, req, plen, false);
    case NBD_REPLY_TYPE_BLOCK_STATUS_EXT:
        return chunk_status(st, req, plen, true);
    default:
        if (type & NBD_REPLY_TYPE_ERROR_BIT) {
            return chunk_error(st, req, type, plen);
        }
        return violation(st, "unknown reply chunk type %u", type);
    }
}

static NbdReq *find_req(NbdClient *c, uint64_t cookie)
{
    pthread_mutex_lock(&c->lock);
    NbdReq *req = g_hash_table_lookup(c->pending, &cookie);
    pthread_mutex_unlock(&c->lock);
    return req;
}

static void complete(NbdClient *c, NbdReq *req)
{
    pthread_mutex_lock(&c->lock);
    g_hash_table_remove(c->pending, &req->cookie);
    req->done = true;
    pthread_cond_signal(&req->cond);
    pthread_mutex_unlock(&c->lock);
}

/* The checks that need the whole reply. */
static void finish_reply(NbdClient *c, NbdReq *req)
{
    if (req->ret == 0 && req->type == NBD_CMD_READ && req->covered_bytes != req->len) {
        nbd_client_trace("read reply covered %llu of %llu bytes",
                         (unsigned long long)req->covered_bytes,
                         (unsigned long long)req->len);
        set_error(req, EIO);
    }
    if (req->ret == 0 && req->type == NBD_CMD_BLOCK_STATUS && req->n_ext == 0) {
        nbd_client_trace("block status reply without the context asked for");
        set_error(req, EIO);
    }
    complete(c, req);
}

static bool simple_reply(RecvState *st, const uint8_t *h)
{
    NbdClient *c = st->c;
    uint64_t cookie = nbd_get64(h + 8);
    uint32_t err = nbd_get32(h + 4);
    NbdReq *req = find_req(c, cookie);
    if (!req) {
        return violation(st, "simple reply for unknown cookie %llu",
                         (unsigned long long)cookie);
    }
    if (req->type == NBD_CMD_READ && c->s.structured && err == 0) {
        return violation(st, "simple reply with data to a read");
    }
    if (req->type == NBD_CMD_READ && err == 0) {
        if (!rd(st, req->buf, req->len)) {
            return false;
        }
        req->covered_bytes = req->len;
    }
    if (req->type == NBD_CMD_BLOCK_STATUS && err == 0) {
        return violation(st, "simple reply to a block status request");
    }
    if (err) {
        set_error(req, nbd_wire_to_errno(err));
    }
    complete(c, req);
    return true;
}

static bool chunk_reply(RecvState *st, const uint8_t *h, bool wide)
{
    NbdClient *c = st->c;
    uint16_t flags = nbd_get16(h + 4), type = nbd_get16(h + 6);
    uint64_t cookie = nbd_get64(h + 8);
    uint64_t plen = wide ? nbd_get64(h + 24) : nbd_get32(h + 16);
    NbdReq *req = find_req(c, cookie);
    if (!req) {
        return violation(st, "reply chunk for unknown cookie %llu",
                         (unsigned long long)cookie);
    }
    if (wide && nbd_get64(h + 16) != req->offset) {
        return violation(st, "reply offset %llu for a request at %llu",
                         (unsigned long long)nbd_get64(h + 16),
                         (unsigned long long)req->offset);
    }
    if (plen > (uint64_t)NBD_MAX_BUFFER_SIZE + 4096) {
        return violation(st, "reply chunk of %llu bytes", (unsigned long long)plen);
    }
    if (type == NBD_REPLY_TYPE_NONE && !(flags & NBD_REPLY_FLAG_DONE)) {
        return violation(st, "NONE chunk without the DONE flag");
    }
    if (!chunk_payload(st, req, type, plen)) {
        return false;
    }
    if (flags & NBD_REPLY_FLAG_DONE) {
        finish_reply(c, req);
    }
    return true;
}

static bool receive_one(RecvState *st)
{
    NbdClient *c = st->c;
    uint8_t h[NBD_EXTENDED_REPLY_SIZE];
    if (c->s.extended) {
        if (!rd(st, h, NBD_EXTENDED_REPLY_SIZE)) {
            return false;
        }
        if (nbd_get32(h) != NBD_EXTENDED_REPLY_MAGIC) {
            return violation(st, "bad reply magic 0x%08x", nbd_get32(h));
        }
        return chunk_reply(st, h, true);
    }
    if (!rd(st, h, 4)) {
        return false;
    }
    uint32_t magic = nbd_get32(h);
    if (magic == NBD_SIMPLE_REPLY_MAGIC) {
        return rd(st, h + 4, NBD_SIMPLE_REPLY_SIZE - 4) && simple_reply(st, h);
    }
    if (magic == NBD_STRUCTURED_REPLY_MAGIC && c->s.structured) {
        return rd(st, h + 4, NBD_STRUCTURED_REPLY_SIZE - 4) && chunk_reply(st, h, false);
    }
    return violation(st, "bad reply magic 0x%08x", magic);
}

/* The connection is gone: fail everything pending, refuse what comes later. */
static void connection_lost(NbdClient *c)
{
    pthread_mutex_lock(&c->lock);
    c->dead = true;
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, c->pending);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        NbdReq *req = value;
        set_error(req, EIO);
        req->done = true;
        pthread_cond_signal(&req->cond);
        g_hash_table_iter_remove(&it);
    }
    pthread_cond_broadcast(&c->slots);
    pthread_mutex_unlock(&c->lock);
}

void *nbd_client_reader(void *opaque)
{
    RecvState st = { .c = opaque };
    while (receive_one(&st)) {
        /* keep going */
    }
    bool closing;
    pthread_mutex_lock(&st.c->lock);
    closing = st.c->dead;
    pthread_mutex_unlock(&st.c->lock);
    if (!closing) {
        nbd_client_trace("connection lost: %s", st.err ? error_message(st.err) : "?");
    }
    error_free(st.err);
    channel_shutdown(st.c->s.ch);
    connection_lost(st.c);
    return NULL;
}
