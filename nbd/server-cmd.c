/*
 * The NBD server's transmission phase. The connection's reader thread parses
 * and validates each request (reading a write's payload first, so the stream
 * stays in step even when the request is refused), then hands it to one of the
 * connection's workers; they do the block I/O and send each reply as one
 * write under the connection's send lock, so replies may go out in any order.
 */
#include "config.h"
#include <errno.h>
#include <string.h>
#include "nbd/server-int.h"

/* ---- Replies ---- */

static void conn_break(NbdConn *conn)
{
    pthread_mutex_lock(&conn->lock);
    conn->broken = true;
    pthread_mutex_unlock(&conn->lock);
    channel_shutdown(conn->ch);
}

static bool conn_is_broken(NbdConn *conn)
{
    pthread_mutex_lock(&conn->lock);
    bool b = conn->broken;
    pthread_mutex_unlock(&conn->lock);
    return b;
}

static bool send_iov(NbdConn *conn, struct iovec *iov, int n)
{
    Error *err = NULL;
    pthread_mutex_lock(&conn->send_lock);
    bool ok = channel_writev_all(conn->ch, iov, n, &err);
    pthread_mutex_unlock(&conn->send_lock);
    if (!ok) {
        nbd_server_trace("sending a reply: %s", error_message(err));
        error_free(err);
        conn_break(conn);
    }
    return ok;
}

static bool send_simple(NbdConn *conn, const NbdRequest *req, uint32_t wire_err,
                        const void *data, size_t len)
{
    uint8_t hdr[NBD_SIMPLE_REPLY_SIZE];
    nbd_put32(hdr, NBD_SIMPLE_REPLY_MAGIC);
    nbd_put32(hdr + 4, wire_err);
    nbd_put64(hdr + 8, req->cookie);
    struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (void *)data, len } };
    return send_iov(conn, iov, len ? 2 : 1);
}

/* One structured or extended chunk: header, fixed payload part, then data. */
static bool send_chunk(NbdConn *conn, const NbdRequest *req, uint16_t flags, uint16_t type,
                       const void *head, size_t head_len, const void *data, size_t len)
{
    uint8_t hdr[NBD_EXTENDED_REPLY_SIZE];
    size_t hdr_len;
    uint64_t payload = head_len + len;
    if (conn->extended) {
        nbd_put32(hdr, NBD_EXTENDED_REPLY_MAGIC);
        nbd_put16(hdr + 4, flags);
        nbd_put16(hdr + 6, type);
        nbd_put64(hdr + 8, req->cookie);
        nbd_put64(hdr + 16, req->offset);
        nbd_put64(hdr + 24, payload);
        hdr_len = NBD_EXTENDED_REPLY_SIZE;
    } else {
        nbd_put32(hdr, NBD_STRUCTURED_REPLY_MAGIC);
        nbd_put16(hdr + 4, flags);
        nbd_put16(hdr + 6, type);
        nbd_put64(hdr + 8, req->cookie);
        nbd_put32(hdr + 16, (uint32_t)payload);
        hdr_len = NBD_STRUCTURED_REPLY_SIZE;
    }
    struct iovec iov[3] = {
        { hdr, hdr_len }, { (void *)head, head_len }, { (void *)data, len },
    };
    return send_iov(conn, iov, len ? 3 : head_len ? 2 : 1);
}

/* Success without data: a simple reply unless extended headers forbid it. */
static bool send_done(NbdConn *conn, const NbdRequest *req)
{
    if (conn->extended || (conn->structured && req->type == NBD_CMD_READ)) {
        return send_chunk(conn, req, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_NONE,
                          NULL, 0, NULL, 0);
    }
    return send_simple(conn, req, 0, NULL, 0);
}

/*
 * An error: a structured error chunk with the message when negotiated, else a
 * simple reply. offset >= 0 makes it NBD_REPLY_TYPE_ERROR_OFFSET.
 */
static bool send_error(NbdConn *conn, const NbdRequest *req, int err, int64_t offset,
                       const char *msg)
{
    uint32_t wire = nbd_errno_to_wire(err);
    nbd_server_trace("%s cookie 0x%llx: error %u: %s", nbd_cmd_name(req->type),
                     (unsigned long long)req->cookie, wire, msg);
    if (!conn->structured) {
        return send_simple(conn, req, wire, NULL, 0);
    }
    size_t mlen = strlen(msg);
    if (mlen > NBD_MAX_STRING_SIZE) {
        mlen = NBD_MAX_STRING_SIZE;
    }
    uint8_t head[6];
    nbd_put32(head, wire);
    nbd_put16(head + 4, (uint16_t)mlen);
    if (offset < 0) {
        return send_chunk(conn, req, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_ERROR,
                          head, sizeof(head), msg, mlen);
    }
    /* head, message, then the offset: assemble in one buffer. */
    uint8_t *buf = g_malloc(sizeof(head) + mlen + 8);
    memcpy(buf, head, sizeof(head));
    memcpy(buf + sizeof(head), msg, mlen);
    nbd_put64(buf + sizeof(head) + mlen, (uint64_t)offset);
    bool ok = send_chunk(conn, req, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_ERROR_OFFSET,
                         buf, sizeof(head) + mlen + 8, NULL, 0);
    g_free(buf);
    return ok;
}

static bool send_errno(NbdConn *conn, const NbdRequest *req, int ret, const char *what)
{
    char *msg = g_strdup_printf("%s failed: %s", what, g_strerror(-ret));
    bool ok = send_error(conn, req, -ret, -1, msg);
    g_free(msg);
    return ok;
}

static bool send_result(NbdConn *conn, const NbdRequest *req, int ret, const char *what)
{
    return ret < 0 ? send_errno(conn, req, ret, what) : send_done(conn, req);
}

/* ---- Commands ---- */

static BlockBackend *req_blk(const NbdRequest *req)
{
    return req->conn->exp->blk;
}

static void cmd_read_simple(NbdRequest *req)
{
    NbdConn *conn = req->conn;
    int ret = req->len ? blk_pread(req_blk(req), req->offset, req->len, req->data, 0) : 0;
    if (ret < 0) {
        send_simple(conn, req, nbd_errno_to_wire(-ret), NULL, 0);
        return;
    }
    send_simple(conn, req, 0, req->data, req->len);
}

typedef struct ReadSeg {
    uint64_t offset, len;
    bool zero;
} ReadSeg;

/*
 * Split [offset, +len) into data and zero runs, at most segs_cap of them (a
 * bounded number of status lookups; the rest is sent as data). Returns the count.
 */
static unsigned read_segments(const NbdRequest *req, ReadSeg *segs)
{
    BlockDriverState *bs = blk_bs(req_blk(req));
    bool df = req->flags & NBD_CMD_FLAG_DF;
    uint64_t pos = req->offset, end = req->offset + req->len;
    unsigned n = 0;
    for (unsigned lookups = 0; pos < end; lookups++) {
        int64_t pnum = 0;
        bool zero = false;
        if (!df && lookups < NBD_SERVER_MAX_READ_CHUNKS) {
            int ret = bdrv_block_status_above(bs, NULL, pos, end - pos, &pnum, NULL,
                                              NULL, NULL);
            zero = ret >= 0 && (ret & BDRV_BLOCK_ZERO);
            if (ret < 0 || pnum <= 0 || (uint64_t)pnum > end - pos) {
                pnum = end - pos;
                zero = false;
            }
        } else {
            pnum = end - pos;
        }
        if (n && segs[n - 1].zero == zero) {
            segs[n - 1].len += pnum;
        } else {
            segs[n++] = (ReadSeg){ pos, (uint64_t)pnum, zero };
        }
        pos += pnum;
    }
    return n;
}

static void cmd_read_structured(NbdRequest *req)
{
    NbdConn *conn = req->conn;
    if (!req->len) {
        send_done(conn, req);
        return;
    }
    ReadSeg *segs = g_new(ReadSeg, NBD_SERVER_MAX_READ_CHUNKS + 1);
    unsigned nsegs = read_segments(req, segs);
    for (unsigned i = 0; i < nsegs; i++) {
        const ReadSeg *s = &segs[i];
        uint16_t flags = i + 1 == nsegs ? NBD_REPLY_FLAG_DONE : 0;
        uint8_t head[12];
        nbd_put64(head, s->offset);
        bool ok;
        if (s->zero) {
            nbd_put32(head + 8, (uint32_t)s->len);
            ok = send_chunk(conn, req, flags, NBD_REPLY_TYPE_OFFSET_HOLE, head, 12, NULL, 0);
        } else {
            uint8_t *buf = (uint8_t *)req->data + (s->offset - req->offset);
            int ret = blk_pread(req_blk(req), s->offset, s->len, buf, 0);
            if (ret < 0) {
                char *msg = g_strdup_printf("read failed: %s", g_strerror(-ret));
                send_error(conn, req, -ret, s->offset, msg);
                g_free(msg);
                break;
            }
            ok = send_chunk(conn, req, flags, NBD_REPLY_TYPE_OFFSET_DATA, head, 8, buf, s->len);
        }
        if (!ok) {
            break;
        }
    }
    g_free(segs);
}

static void cmd_read(NbdRequest *req)
{
    if (req->conn->structured) {
        cmd_read_structured(req);
    } else {
        cmd_read_simple(req);
    }
}

static void cmd_write(NbdRequest *req)
{
    int flags = req->flags & NBD_CMD_FLAG_FUA ? BDRV_REQ_FUA : 0;
    int ret = req->len ? blk_pwrite(req_blk(req), req->offset, req->len, req->data, flags) : 0;
    send_result(req->conn, req, ret, "write");
}

static void cmd_flush(NbdRequest *req)
{
    send_result(req->conn, req, blk_flush(req_blk(req)), "flush");
}

static void cmd_trim(NbdRequest *req)
{
    int ret = req->len ? blk_pdiscard(req_blk(req), req->offset, req->len) : 0;
    if (ret == -ENOTSUP) {
        ret = 0;   /* trim is only a hint */
    }
    if (ret >= 0 && (req->flags & NBD_CMD_FLAG_FUA)) {
        ret = blk_flush(req_blk(req));
    }
    send_result(req->conn, req, ret, "trim");
}

static void cmd_write_zeroes(NbdRequest *req)
{
    int flags = 0;
    if (!(req->flags & NBD_CMD_FLAG_NO_HOLE)) {
        flags |= BDRV_REQ_MAY_UNMAP;
    }
    if (req->flags & NBD_CMD_FLAG_FAST_ZERO) {
        flags |= BDRV_REQ_NO_FALLBACK;
    }
    if (req->flags & NBD_CMD_FLAG_FUA) {
        flags |= BDRV_REQ_FUA;
    }
    int ret = req->len ? blk_pwrite_zeroes(req_blk(req), req->offset, req->len, flags) : 0;
    send_result(req->conn, req, ret, "write zeroes");
}

/* Read ahead and drop: warms the host page cache and any format caches. */
static void cmd_cache(NbdRequest *req)
{
    enum { PIECE = 1 << 20 };
    uint64_t len = MIN(req->len, (uint64_t)NBD_MAX_BUFFER_SIZE);
    uint8_t *buf = len ? g_malloc(MIN(len, (uint64_t)PIECE)) : NULL;
    int ret = 0;
    for (uint64_t done = 0; done < len && ret >= 0; done += PIECE) {
        uint64_t n = MIN((uint64_t)PIECE, len - done);
        ret = blk_pread(req_blk(req), req->offset + done, n, buf, 0);
    }
    g_free(buf);
    send_result(req->conn, req, ret, "cache");
}

typedef struct Extent {
    uint64_t len;
    uint64_t flags;
} Extent;

/* The extents of one context; the count, or -errno. */
static int collect_extents(const NbdRequest *req, bool depth_ctx, Extent *ext)
{
    BlockDriverState *bs = blk_bs(req_blk(req));
    unsigned cap = req->flags & NBD_CMD_FLAG_REQ_ONE ? 1 : NBD_SERVER_MAX_EXTENTS;
    uint64_t pos = req->offset, end = req->offset + req->len;
    unsigned n = 0;
    while (pos < end) {
        int64_t pnum = 0;
        int depth = -1;
        int ret = bdrv_block_status_above(bs, NULL, pos, end - pos, &pnum, NULL, NULL,
                                          depth_ctx ? &depth : NULL);
        if (ret < 0) {
            return ret;
        }
        if (pnum <= 0 || (uint64_t)pnum > end - pos) {
            pnum = end - pos;   /* never loop on a confused driver */
        }
        uint64_t flags;
        if (depth_ctx) {
            flags = depth < 0 ? 0 : (uint64_t)depth + 1;
        } else {
            flags = (ret & BDRV_BLOCK_DATA ? 0 : NBD_STATE_HOLE) |
                    (ret & BDRV_BLOCK_ZERO ? NBD_STATE_ZERO : 0);
        }
        if (n && ext[n - 1].flags == flags) {
            ext[n - 1].len += pnum;
        } else if (n == cap) {
            break;
        } else {
            ext[n].len = pnum;
            ext[n].flags = flags;
            n++;
        }
        pos += pnum;
    }
    return (int)n;
}

static bool send_extents(NbdConn *conn, const NbdRequest *req, uint32_t id,
                         const Extent *ext, unsigned n, uint16_t flags)
{
    bool ok;
    if (conn->extended) {
        uint8_t *buf = g_malloc(8 + 16 * (size_t)n);
        nbd_put32(buf, id);
        nbd_put32(buf + 4, n);
        for (unsigned i = 0; i < n; i++) {
            nbd_put64(buf + 8 + 16 * i, ext[i].len);
            nbd_put64(buf + 16 + 16 * i, ext[i].flags);
        }
        ok = send_chunk(conn, req, flags, NBD_REPLY_TYPE_BLOCK_STATUS_EXT, buf,
                        8 + 16 * (size_t)n, NULL, 0);
        g_free(buf);
    } else {
        uint8_t *buf = g_malloc(4 + 8 * (size_t)n);
        nbd_put32(buf, id);
        for (unsigned i = 0; i < n; i++) {
            nbd_put32(buf + 4 + 8 * i, (uint32_t)ext[i].len);
            nbd_put32(buf + 8 + 8 * i, (uint32_t)ext[i].flags);
        }
        ok = send_chunk(conn, req, flags, NBD_REPLY_TYPE_BLOCK_STATUS, buf,
                        4 + 8 * (size_t)n, NULL, 0);
        g_free(buf);
    }
    return ok;
}

static void cmd_block_status(NbdRequest *req)
{
    NbdConn *conn = req->conn;
    const struct { bool on; bool depth; uint32_t id; } ctx[] = {
        { conn->meta_base, false, NBD_META_ID_BASE },
        { conn->meta_depth, true, NBD_META_ID_DEPTH },
    };
    Extent *ext = g_new(Extent, NBD_SERVER_MAX_EXTENTS);
    int last = conn->meta_depth ? 1 : 0;
    for (int i = 0; i <= last; i++) {
        if (!ctx[i].on) {
            continue;
        }
        int n = collect_extents(req, ctx[i].depth, ext);
        if (n < 0) {
            send_errno(conn, req, n, "block status");
            break;
        }
        uint16_t flags = i == last ? NBD_REPLY_FLAG_DONE : 0;
        if (!send_extents(conn, req, ctx[i].id, ext, (unsigned)n, flags)) {
            break;
        }
    }
    g_free(ext);
}

typedef void CmdFunc(NbdRequest *req);

static CmdFunc *const cmd_funcs[] = {
    [NBD_CMD_READ] = cmd_read,
    [NBD_CMD_WRITE] = cmd_write,
    [NBD_CMD_FLUSH] = cmd_flush,
    [NBD_CMD_TRIM] = cmd_trim,
    [NBD_CMD_CACHE] = cmd_cache,
    [NBD_CMD_WRITE_ZEROES] = cmd_write_zeroes,
    [NBD_CMD_BLOCK_STATUS] = cmd_block_status,
};

/* Flags each command accepts (FUA is accepted everywhere, as the spec asks). */
static const uint16_t cmd_flags[] = {
    [NBD_CMD_READ] = NBD_CMD_FLAG_DF,
    [NBD_CMD_WRITE] = NBD_CMD_FLAG_PAYLOAD_LEN,
    [NBD_CMD_FLUSH] = 0,
    [NBD_CMD_TRIM] = 0,
    [NBD_CMD_CACHE] = 0,
    [NBD_CMD_WRITE_ZEROES] = NBD_CMD_FLAG_NO_HOLE | NBD_CMD_FLAG_FAST_ZERO,
    [NBD_CMD_BLOCK_STATUS] = NBD_CMD_FLAG_REQ_ONE,
};

static CmdFunc *cmd_func(uint16_t type)
{
    return type < G_N_ELEMENTS(cmd_funcs) ? cmd_funcs[type] : NULL;
}

static void request_release(NbdRequest *req)
{
    NbdConn *conn = req->conn;
    g_free(req->data);
    pthread_mutex_lock(&conn->lock);
    conn->inflight--;
    conn->inflight_bytes -= req->cost;
    pthread_cond_broadcast(&conn->cond);
    pthread_mutex_unlock(&conn->lock);
    g_free(req);
}

void nbd_server_execute(NbdRequest *req)
{
    if (!conn_is_broken(req->conn)) {
        if (req->type == NBD_CMD_READ && req->len && !req->data) {
            req->data = g_malloc(req->len);
        }
        cmd_func(req->type)(req);
    }
    request_release(req);
}

/* ---- Validation (reader thread) ---- */

static bool is_write_cmd(uint16_t type)
{
    return type == NBD_CMD_WRITE || type == NBD_CMD_TRIM || type == NBD_CMD_WRITE_ZEROES;
}

static bool meta_selected(const NbdConn *conn)
{
    return (conn->meta_base || conn->meta_depth) && conn->meta_export &&
           strcmp(conn->meta_export, conn->exp->name) == 0;
}

/* 0 when the request may run, else an errno with *msg for the client. */
static int validate(const NbdConn *conn, const NbdRequest *req, bool has_payload,
                    const char **msg)
{
    if (!cmd_func(req->type)) {
        *msg = "unknown command";
        return EINVAL;
    }
    uint16_t allowed = NBD_CMD_FLAG_FUA | cmd_flags[req->type];
    if (!conn->structured) {
        allowed &= ~NBD_CMD_FLAG_DF;
    }
    if (!conn->extended) {
        allowed &= ~NBD_CMD_FLAG_PAYLOAD_LEN;
    }
    if (req->flags & ~allowed) {
        *msg = "invalid flags for this command";
        return EINVAL;
    }
    if (conn->extended && req->type == NBD_CMD_WRITE && !has_payload) {
        *msg = "write without a payload (NBD_CMD_FLAG_PAYLOAD_LEN)";
        return EINVAL;
    }
    if (is_write_cmd(req->type) && conn->exp->read_only) {
        *msg = "the export is read-only";
        return EPERM;
    }
    if (req->type == NBD_CMD_FLUSH) {
        return 0;
    }
    uint64_t size = (uint64_t)MAX(blk_getlength(conn->exp->blk), 0);
    if (req->offset > size || req->len > size - req->offset) {
        *msg = "request extends beyond the end of the export";
        return req->type == NBD_CMD_WRITE || req->type == NBD_CMD_WRITE_ZEROES ?
               ENOSPC : EINVAL;
    }
    if (req->type == NBD_CMD_READ && req->len > NBD_MAX_BUFFER_SIZE) {
        *msg = "read is larger than the maximum payload (32 MiB)";
        return EINVAL;
    }
    if (req->type == NBD_CMD_BLOCK_STATUS) {
        if (!conn->structured || !meta_selected(conn)) {
            *msg = "no metadata context was negotiated for this export";
            return EINVAL;
        }
        if (!req->len) {
            *msg = "block status of an empty range";
            return EINVAL;
        }
    }
    return 0;
}

/* ---- Reader ---- */

/* Wait until the request fits the connection's in-flight limits, then charge it. */
static void charge(NbdConn *conn, NbdRequest *req)
{
    pthread_mutex_lock(&conn->lock);
    while (conn->inflight &&
           (conn->inflight >= NBD_SERVER_MAX_INFLIGHT ||
            conn->inflight_bytes + req->cost > NBD_SERVER_MAX_INFLIGHT_BYTES)) {
        pthread_cond_wait(&conn->cond, &conn->lock);
    }
    conn->inflight++;
    conn->inflight_bytes += req->cost;
    pthread_mutex_unlock(&conn->lock);
}

static void wait_idle(NbdConn *conn)
{
    pthread_mutex_lock(&conn->lock);
    while (conn->inflight) {
        pthread_cond_wait(&conn->cond, &conn->lock);
    }
    pthread_mutex_unlock(&conn->lock);
}

/* Read one request header; 1 ok, 0 clean end, -1 close. */
static int read_header(NbdConn *conn, NbdRequest *req, uint64_t *payload)
{
    uint8_t hdr[NBD_EXTENDED_REQUEST_SIZE];
    size_t size = conn->extended ? NBD_EXTENDED_REQUEST_SIZE : NBD_REQUEST_SIZE;
    Error *err = NULL;
    int r = channel_read_all(conn->ch, hdr, size, &err);
    if (r <= 0) {
        if (r < 0) {
            nbd_server_trace("reading a request: %s", error_message(err));
            error_free(err);
        }
        return r;
    }
    uint32_t magic = nbd_get32(hdr);
    uint32_t want = conn->extended ? NBD_EXTENDED_REQUEST_MAGIC : NBD_REQUEST_MAGIC;
    if (magic != want) {
        nbd_server_trace("bad request magic 0x%08x: closing", magic);
        return -1;
    }
    req->flags = nbd_get16(hdr + 4);
    req->type = nbd_get16(hdr + 6);
    req->cookie = nbd_get64(hdr + 8);
    req->offset = nbd_get64(hdr + 16);
    req->len = conn->extended ? nbd_get64(hdr + 24) : nbd_get32(hdr + 24);
    if (conn->extended) {
        *payload = req->flags & NBD_CMD_FLAG_PAYLOAD_LEN ? req->len : 0;
    } else {
        *payload = req->type == NBD_CMD_WRITE ? req->len : 0;
    }
    return 1;
}

/* Handle one request; false ends the connection. */
static bool handle_request(NbdConn *conn)
{
    NbdRequest *req = g_new0(NbdRequest, 1);
    req->conn = conn;
    uint64_t payload = 0;
    int r = read_header(conn, req, &payload);
    if (r <= 0) {
        g_free(req);
        return false;
    }
    nbd_server_trace("%s flags 0x%x cookie 0x%llx offset %llu len %llu",
                     nbd_cmd_name(req->type), req->flags, (unsigned long long)req->cookie,
                     (unsigned long long)req->offset, (unsigned long long)req->len);
    if (req->type == NBD_CMD_DISC) {
        g_free(req);
        return false;
    }
    if (payload > NBD_MAX_BUFFER_SIZE) {
        nbd_server_trace("payload of %llu bytes: cannot stay in step, closing",
                         (unsigned long long)payload);
        g_free(req);
        return false;
    }
    req->cost = payload ? payload :
                req->type == NBD_CMD_READ ? MIN(req->len, (uint64_t)NBD_MAX_BUFFER_SIZE) : 0;
    charge(conn, req);
    if (payload) {
        req->data = g_malloc(payload);
        Error *err = NULL;
        if (channel_read_all(conn->ch, req->data, payload, &err) <= 0) {
            nbd_server_trace("client went away in a write payload%s%s",
                             err ? ": " : "", err ? error_message(err) : "");
            error_free(err);
            request_release(req);
            return false;
        }
    }
    const char *msg = NULL;
    int err = validate(conn, req, payload != 0, &msg);
    if (err) {
        send_error(conn, req, err, -1, msg);
        request_release(req);
        return !conn_is_broken(conn);
    }
    if (conn->inline_exec) {
        nbd_server_execute(req);
    } else {
        if (!conn->workers) {
            conn->workers = nbd_workers_new(NBD_SERVER_WORKERS);
        }
        nbd_workers_push(conn->workers, req);
    }
    return !conn_is_broken(conn);
}

void nbd_server_transmission(NbdConn *conn)
{
    while (handle_request(conn)) {
    }
    wait_idle(conn);
    nbd_workers_free(conn->workers);
    conn->workers = NULL;
}
