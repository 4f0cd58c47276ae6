/*
 * The server side of the NBD handshake: fixed newstyle only, then option
 * haggling until NBD_OPT_GO / NBD_OPT_EXPORT_NAME picks an export. Every
 * length the client sends is checked against the option's own size before it
 * is used; a client that cannot be answered any more (bad magic, an export it
 * cannot have through EXPORT_NAME, too many options) is disconnected.
 */
#include "config.h"
#include <stdarg.h>
#include <string.h>
#include "libcore/tls.h"
#include "nbd/server-int.h"

/* What an option handler tells the loop. */
enum { OPT_NEXT, OPT_CLOSE, OPT_TRANSMIT };

typedef int OptHandler(NbdConn *conn, uint32_t opt, const uint8_t *data, uint32_t len);

static bool send_rep(NbdConn *conn, uint32_t opt, uint32_t type,
                     const void *data, uint32_t len)
{
    uint8_t hdr[20];
    nbd_put64(hdr, NBD_REP_MAGIC);
    nbd_put32(hdr + 8, opt);
    nbd_put32(hdr + 12, type);
    nbd_put32(hdr + 16, len);
    struct iovec iov[2] = {
        { hdr, sizeof(hdr) }, { (void *)data, len },
    };
    Error *err = NULL;
    if (!channel_writev_all(conn->ch, iov, len ? 2 : 1, &err)) {
        nbd_server_trace("sending %s: %s", nbd_rep_name(type), error_message(err));
        error_free(err);
        return false;
    }
    return true;
}

static int send_ack(NbdConn *conn, uint32_t opt)
{
    return send_rep(conn, opt, NBD_REP_ACK, NULL, 0) ? OPT_NEXT : OPT_CLOSE;
}

/* An error reply with a message for the user; OPT_NEXT unless sending failed. */
static int __attribute__((format(printf, 4, 5)))
send_err(NbdConn *conn, uint32_t opt, uint32_t type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    size_t len = strlen(msg);
    if (len > NBD_MAX_STRING_SIZE) {
        len = NBD_MAX_STRING_SIZE;
    }
    nbd_server_trace("%s: %s: %s", nbd_opt_name(opt), nbd_rep_name(type), msg);
    bool ok = send_rep(conn, opt, type, msg, (uint32_t)len);
    g_free(msg);
    return ok ? OPT_NEXT : OPT_CLOSE;
}

uint16_t nbd_export_tx_flags(const NbdConn *conn, const NbdExport *exp)
{
    uint16_t flags = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA |
                     NBD_FLAG_SEND_CACHE;
    if (exp->read_only) {
        flags |= NBD_FLAG_READ_ONLY;
    } else {
        flags |= NBD_FLAG_SEND_TRIM | NBD_FLAG_SEND_WRITE_ZEROES | NBD_FLAG_SEND_FAST_ZERO;
    }
    if (conn->structured) {
        flags |= NBD_FLAG_SEND_DF;
    }
    if (exp->multi_conn) {
        flags |= NBD_FLAG_CAN_MULTI_CONN;
    }
    return flags;
}

static uint64_t export_size(const NbdExport *exp)
{
    int64_t size = blk_getlength(exp->blk);
    return size < 0 ? 0 : (uint64_t)size;
}

static void clear_meta(NbdConn *conn)
{
    g_free(conn->meta_export);
    conn->meta_export = NULL;
    conn->meta_base = conn->meta_depth = false;
}

/* Contexts chosen for another export do not carry over to this one. */
static void keep_meta_for(NbdConn *conn, const char *name, size_t len)
{
    if (!conn->meta_export || strlen(conn->meta_export) != len ||
        memcmp(conn->meta_export, name, len) != 0) {
        clear_meta(conn);
    }
}

/* ---- Options ---- */

static int opt_export_name(NbdConn *conn, uint32_t opt, const uint8_t *data, uint32_t len)
{
    (void)opt;
    if (len > NBD_MAX_STRING_SIZE) {
        nbd_server_trace("NBD_OPT_EXPORT_NAME: name of %u bytes is too long", len);
        return OPT_CLOSE;
    }
    if (conn->extended) {
        nbd_server_trace("NBD_OPT_EXPORT_NAME after extended headers: closing");
        return OPT_CLOSE;
    }
    if (!nbd_server_attach_export(conn, (const char *)data, len)) {
        nbd_server_trace("NBD_OPT_EXPORT_NAME: unknown export '%.*s': closing",
                         (int)len, (const char *)data);
        return OPT_CLOSE;
    }
    keep_meta_for(conn, (const char *)data, len);
    uint8_t buf[8 + 2 + 124] = { 0 };
    nbd_put64(buf, export_size(conn->exp));
    nbd_put16(buf + 8, nbd_export_tx_flags(conn, conn->exp));
    size_t n = conn->no_zeroes ? 10 : sizeof(buf);
    Error *err = NULL;
    if (!channel_write_all(conn->ch, buf, n, &err)) {
        nbd_server_trace("NBD_OPT_EXPORT_NAME reply: %s", error_message(err));
        error_free(err);
        return OPT_CLOSE;
    }
    return OPT_TRANSMIT;
}

static int opt_abort(NbdConn *conn, uint32_t opt, const uint8_t *data, uint32_t len)
{
    (void)data;
    (void)len;
    send_rep(conn, opt, NBD_REP_ACK, NULL, 0);
    return OPT_CLOSE;
}

static int opt_list(NbdConn *conn, uint32_t opt, const uint8_t *data, uint32_t len)
{
    (void)data;
    if (len) {
        return send_err(conn, opt, NBD_REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
    }
    char **descs;
    char **names = nbd_server_list_exports(conn->srv, &descs);
    bool ok = true;
    for (size_t i = 0; ok && names[i]; i++) {
        size_t nlen = strlen(names[i]), dlen = strlen(descs[i]);
        uint8_t *buf = g_malloc(4 + nlen + dlen);
        nbd_put32(buf, (uint32_t)nlen);
        memcpy(buf + 4, names[i], nlen);
        memcpy(buf + 4 + nlen, descs[i], dlen);
        ok = send_rep(conn, opt, NBD_REP_SERVER, buf, (uint32_t)(4 + nlen + dlen));
        g_free(buf);
    }
    g_strfreev(names);
    g_strfreev(descs);
    return ok ? send_ack(conn, opt) : OPT_CLOSE;
}

static int opt_starttls(NbdConn *conn, uint32_t opt, const uint8_t *data, uint32_t len)
{
    (void)data;
    if (len) {
        return send_err(conn, opt, NBD_REP_ERR_INVALID, "NBD_OPT_STARTTLS takes no data");
    }
    if (!conn->srv->cfg.tls_creds) {
        return send_err(conn, opt, NBD_REP_ERR_POLICY, "TLS is not enabled on this server");
    }
    if (conn->tls) {
        return send_err(conn, opt, NBD_REP_ERR_INVALID, "TLS is already active");
    }
    if (!send_rep(conn, opt, NBD_REP_ACK, NULL, 0)) {
        return OPT_CLOSE;
    }
    Error *err = NULL;
    if (!channel_start_tls(conn->ch, conn->srv->cfg.tls_creds, NULL, &err)) {
        nbd_server_trace("TLS handshake failed: %s", error_message(err));
        error_free(err);
        return OPT_CLOSE;
    }
    conn->tls = true;
    /* Nothing negotiated in plain text survives the upgrade. */
    conn->structured = conn->extended = false;
    clear_meta(conn);
    return OPT_NEXT;
}

/* NBD_OPT_INFO / NBD_OPT_GO payload, validated. */
typedef struct InfoRequest {
    const char *name;
    uint32_t name_len;
    bool want_name, want_desc;
} InfoRequest;

static bool parse_info(const uint8_t *data, uint32_t len, InfoRequest *req,
                       const char **why)
{
    memset(req, 0, sizeof(*req));
    if (len < 6) {
        *why = "option data too short";
        return false;
    }
    uint32_t nlen = nbd_get32(data);
    if (nlen > len - 6) {
        *why = "export name length exceeds the option data";
        return false;
    }
    if (nlen > NBD_MAX_STRING_SIZE) {
        *why = "export name is longer than 4096 bytes";
        return false;
    }
    uint16_t nreq = nbd_get16(data + 4 + nlen);
    if ((uint64_t)4 + nlen + 2 + 2ull * nreq != len) {
        *why = "information request count does not match the option length";
        return false;
    }
    req->name = (const char *)data + 4;
    req->name_len = nlen;
    for (uint16_t i = 0; i < nreq; i++) {
        uint16_t type = nbd_get16(data + 4 + nlen + 2 + 2 * i);
        req->want_name |= type == NBD_INFO_NAME;
        req->want_desc |= type == NBD_INFO_DESCRIPTION;
    }
    return true;
}

static bool send_info(NbdConn *conn, uint32_t opt, uint16_t type, const void *data,
                      size_t len)
{
    uint8_t *buf = g_malloc(2 + len);
    nbd_put16(buf, type);
    memcpy(buf + 2, data, len);
    bool ok = send_rep(conn, opt, NBD_REP_INFO, buf, (uint32_t)(2 + len));
    g_free(buf);
    return ok;
}

static bool send_export_infos(NbdConn *conn, uint32_t opt, const NbdExport *exp,
                              const InfoRequest *req)
{
    uint8_t buf[12];
    nbd_put64(buf, export_size(exp));
    nbd_put16(buf + 8, nbd_export_tx_flags(conn, exp));
    if (!send_info(conn, opt, NBD_INFO_EXPORT, buf, 10)) {
        return false;
    }
    if (req->want_name && !send_info(conn, opt, NBD_INFO_NAME, exp->name, strlen(exp->name))) {
        return false;
    }
    if (req->want_desc && exp->description &&
        !send_info(conn, opt, NBD_INFO_DESCRIPTION, exp->description,
                   strlen(exp->description))) {
        return false;
    }
    nbd_put32(buf, exp->min_block);
    nbd_put32(buf + 4, exp->min_block > 4096 ? exp->min_block : 4096);
    nbd_put32(buf + 8, NBD_MAX_BUFFER_SIZE);
    return send_info(conn, opt, NBD_INFO_BLOCK_SIZE, buf, 12);
}

static int opt_info_go(NbdConn *conn, uint32_t opt, const uint8_t *data, uint32_t len)
{
    InfoRequest req;
    const char *why;
    if (!parse_info(data, len, &req, &why)) {
        return send_err(conn, opt, NBD_REP_ERR_INVALID, "%s: %s", nbd_opt_name(opt), why);
    }
    NbdExport *exp;
    if (opt == NBD_OPT_GO) {
        exp = nbd_server_attach_export(conn, req.name, req.name_len) ? conn->exp : NULL;
    } else {
        exp = nbd_server_find_export(conn->srv, req.name, req.name_len);
    }
    if (!exp) {
        return send_err(conn, opt, NBD_REP_ERR_UNKNOWN, "export '%.*s' not present",
                        (int)req.name_len, req.name);
    }
    bool ok = send_export_infos(conn, opt, exp, &req) && send_rep(conn, opt, NBD_REP_ACK, NULL, 0);
    if (opt != NBD_OPT_GO) {
        nbd_export_unref(conn->srv, exp);
        return ok ? OPT_NEXT : OPT_CLOSE;
    }
    if (!ok) {
        return OPT_CLOSE;
    }
    keep_meta_for(conn, req.name, req.name_len);
    return OPT_TRANSMIT;
}

static int opt_structured(NbdConn *conn, uint32_t opt, const uint8_t *data, uint32_t len)
{
    (void)data;
    if (len) {
        return send_err(conn, opt, NBD_REP_ERR_INVALID, "%s takes no data", nbd_opt_name(opt));
    }
    if (conn->extended) {
        return send_err(conn, opt, NBD_REP_ERR_EXT_HEADER_REQD,
                        "extended headers are already negotiated");
    }
    if (conn->structured) {
        return send_err(conn, opt, NBD_REP_ERR_INVALID,
                        "structured replies are already negotiated");
    }
    conn->structured = true;
    return send_ack(conn, opt);
}

static int opt_extended(NbdConn *conn, uint32_t opt, const uint8_t *data, uint32_t len)
{
    (void)data;
    if (len) {
        return send_err(conn, opt, NBD_REP_ERR_INVALID, "%s takes no data", nbd_opt_name(opt));
    }
    if (conn->extended) {
        return send_err(conn, opt, NBD_REP_ERR_INVALID,
                        "extended headers are already negotiated");
    }
    conn->extended = conn->structured = true;
    return send_ack(conn, opt);
}

/* ---- Metadata contexts ---- */

typedef struct MetaMatch {
    bool base, depth;
} MetaMatch;

/* LIST accepts a bare namespace ("base:", "qemu:") as "everything in it". */
static void meta_match(const NbdExport *exp, const char *q, size_t len, bool list,
                       MetaMatch *m)
{
    static const char base_ns[] = "base:", qemu_ns[] = "qemu:";
    if (len == strlen(NBD_META_BASE_ALLOCATION) &&
        memcmp(q, NBD_META_BASE_ALLOCATION, len) == 0) {
        m->base = true;
    } else if (list && len == strlen(base_ns) && memcmp(q, base_ns, len) == 0) {
        m->base = true;
    } else if (exp->allocation_depth && len == strlen(NBD_META_QEMU_ALLOC_DEPTH) &&
               memcmp(q, NBD_META_QEMU_ALLOC_DEPTH, len) == 0) {
        m->depth = true;
    } else if (exp->allocation_depth && list && len == strlen(qemu_ns) &&
               memcmp(q, qemu_ns, len) == 0) {
        m->depth = true;
    }
}

/* Parse export name + queries, matching each; false with *why when malformed. */
static bool parse_meta(const NbdExport *exp_or_null, const uint8_t *data, uint32_t len,
                       bool list, const char **name, uint32_t *name_len, MetaMatch *m,
                       const char **why)
{
    if (len < 8) {
        *why = "option data too short";
        return false;
    }
    uint32_t nlen = nbd_get32(data);
    if (nlen > len - 8) {
        *why = "export name length exceeds the option data";
        return false;
    }
    if (nlen > NBD_MAX_STRING_SIZE) {
        *why = "export name is longer than 4096 bytes";
        return false;
    }
    *name = (const char *)data + 4;
    *name_len = nlen;
    uint32_t pos = 4 + nlen;
    uint32_t nq = nbd_get32(data + pos);
    pos += 4;
    if (list && nq == 0 && exp_or_null) {
        m->base = true;
        m->depth = exp_or_null->allocation_depth;
    }
    for (uint32_t i = 0; i < nq; i++) {
        if (len - pos < 4) {
            *why = "query list exceeds the option data";
            return false;
        }
        uint32_t qlen = nbd_get32(data + pos);
        pos += 4;
        if (qlen > len - pos) {
            *why = "query length exceeds the option data";
            return false;
        }
        if (qlen > NBD_MAX_STRING_SIZE) {
            *why = "query is longer than 4096 bytes";
            return false;
        }
        if (exp_or_null) {
            meta_match(exp_or_null, (const char *)data + pos, qlen, list, m);
        }
        pos += qlen;
    }
    if (pos != len) {
        *why = "trailing data after the queries";
        return false;
    }
    return true;
}

static bool send_context(NbdConn *conn, uint32_t opt, uint32_t id, const char *name)
{
    size_t n = strlen(name);
    uint8_t buf[4 + 64];
    nbd_put32(buf, id);
    memcpy(buf + 4, name, n);
    return send_rep(conn, opt, NBD_REP_META_CONTEXT, buf, (uint32_t)(4 + n));
}

static int opt_meta(NbdConn *conn, uint32_t opt, const uint8_t *data, uint32_t len)
{
    bool list = opt == NBD_OPT_LIST_META_CONTEXT;
    if (!list) {
        clear_meta(conn);   /* SET replaces the selection even when it fails */
    }
    if (!conn->structured) {
        return send_err(conn, opt, NBD_REP_ERR_INVALID,
                        "%s needs structured replies or extended headers first",
                        nbd_opt_name(opt));
    }
    const char *name, *why;
    uint32_t name_len;
    MetaMatch m = { false, false };
    if (!parse_meta(NULL, data, len, list, &name, &name_len, &m, &why)) {
        return send_err(conn, opt, NBD_REP_ERR_INVALID, "%s: %s", nbd_opt_name(opt), why);
    }
    NbdExport *exp = nbd_server_find_export(conn->srv, name, name_len);
    if (!exp) {
        return send_err(conn, opt, NBD_REP_ERR_UNKNOWN, "export '%.*s' not present",
                        (int)name_len, name);
    }
    parse_meta(exp, data, len, list, &name, &name_len, &m, &why);
    nbd_export_unref(conn->srv, exp);

    bool ok = true;
    if (m.base) {
        ok = send_context(conn, opt, list ? 0 : NBD_META_ID_BASE, NBD_META_BASE_ALLOCATION);
    }
    if (ok && m.depth) {
        ok = send_context(conn, opt, list ? 0 : NBD_META_ID_DEPTH, NBD_META_QEMU_ALLOC_DEPTH);
    }
    if (!ok) {
        return OPT_CLOSE;
    }
    if (!list) {
        conn->meta_export = g_strndup(name, name_len);
        conn->meta_base = m.base;
        conn->meta_depth = m.depth;
    }
    return send_ack(conn, opt);
}

static OptHandler *const opt_handlers[] = {
    [NBD_OPT_EXPORT_NAME] = opt_export_name,
    [NBD_OPT_ABORT] = opt_abort,
    [NBD_OPT_LIST] = opt_list,
    [NBD_OPT_STARTTLS] = opt_starttls,
    [NBD_OPT_INFO] = opt_info_go,
    [NBD_OPT_GO] = opt_info_go,
    [NBD_OPT_STRUCTURED_REPLY] = opt_structured,
    [NBD_OPT_LIST_META_CONTEXT] = opt_meta,
    [NBD_OPT_SET_META_CONTEXT] = opt_meta,
    [NBD_OPT_EXTENDED_HEADERS] = opt_extended,
};

static OptHandler *opt_handler(uint32_t opt)
{
    return opt < G_N_ELEMENTS(opt_handlers) ? opt_handlers[opt] : NULL;
}

/* Options allowed before STARTTLS when TLS is mandatory. */
static bool allowed_before_tls(uint32_t opt)
{
    return opt == NBD_OPT_STARTTLS || opt == NBD_OPT_ABORT;
}

static int dispatch(NbdConn *conn, uint32_t opt, const uint8_t *data, uint32_t len)
{
    if (conn->srv->cfg.tls_creds && !conn->tls && !allowed_before_tls(opt)) {
        if (opt == NBD_OPT_EXPORT_NAME) {
            nbd_server_trace("NBD_OPT_EXPORT_NAME without TLS: closing");
            return OPT_CLOSE;
        }
        return send_err(conn, opt, NBD_REP_ERR_TLS_REQD,
                        "TLS must be negotiated (NBD_OPT_STARTTLS) first");
    }
    if (opt != NBD_OPT_ABORT && nbd_server_is_shutting_down(conn->srv)) {
        if (opt == NBD_OPT_EXPORT_NAME) {
            return OPT_CLOSE;
        }
        return send_err(conn, opt, NBD_REP_ERR_SHUTDOWN, "server is shutting down");
    }
    OptHandler *fn = opt_handler(opt);
    if (!fn) {
        return send_err(conn, opt, NBD_REP_ERR_UNSUP, "option %u (%s) is not supported",
                        opt, nbd_opt_name(opt));
    }
    return fn(conn, opt, data, len);
}

/* Read one option and answer it. */
static int handle_option(NbdConn *conn)
{
    uint8_t hdr[16];
    Error *err = NULL;
    int r = channel_read_all(conn->ch, hdr, sizeof(hdr), &err);
    if (r <= 0) {
        nbd_server_trace("handshake: %s", r ? error_message(err) : "client closed");
        error_free(err);
        return OPT_CLOSE;
    }
    if (nbd_get64(hdr) != NBD_OPTS_MAGIC) {
        nbd_server_trace("handshake: bad option magic 0x%016llx",
                         (unsigned long long)nbd_get64(hdr));
        return OPT_CLOSE;
    }
    uint32_t opt = nbd_get32(hdr + 8), len = nbd_get32(hdr + 12);
    nbd_server_trace("option %s (%u), %u bytes", nbd_opt_name(opt), opt, len);
    if (len > NBD_MAX_OPTION_SIZE) {
        if (opt == NBD_OPT_EXPORT_NAME || len > NBD_SERVER_MAX_SKIP) {
            nbd_server_trace("option payload of %u bytes: closing", len);
            return OPT_CLOSE;
        }
        if (channel_discard(conn->ch, len, &err) <= 0) {
            error_free(err);
            return OPT_CLOSE;
        }
        return send_err(conn, opt, NBD_REP_ERR_TOO_BIG,
                        "option payload of %u bytes is too large", len);
    }
    uint8_t *data = g_malloc(len ? len : 1);
    if (len && channel_read_all(conn->ch, data, len, &err) <= 0) {
        nbd_server_trace("handshake: truncated option: %s",
                         err ? error_message(err) : "client closed");
        error_free(err);
        g_free(data);
        return OPT_CLOSE;
    }
    r = dispatch(conn, opt, data, len);
    g_free(data);
    return r;
}

static bool greet(NbdConn *conn)
{
    uint8_t buf[18];
    nbd_put64(buf, NBD_MAGIC);
    nbd_put64(buf + 8, NBD_OPTS_MAGIC);
    nbd_put16(buf + 16, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
    Error *err = NULL;
    if (!channel_write_all(conn->ch, buf, sizeof(buf), &err)) {
        nbd_server_trace("greeting: %s", error_message(err));
        error_free(err);
        return false;
    }
    uint8_t cf[4];
    int r = channel_read_all(conn->ch, cf, sizeof(cf), &err);
    if (r <= 0) {
        nbd_server_trace("client flags: %s", r ? error_message(err) : "client closed");
        error_free(err);
        return false;
    }
    uint32_t flags = nbd_get32(cf);
    if (flags & ~(uint32_t)(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES)) {
        nbd_server_trace("client sent unknown flags 0x%x: closing", flags);
        return false;
    }
    if (!(flags & NBD_FLAG_C_FIXED_NEWSTYLE)) {
        nbd_server_trace("client does not do fixed newstyle negotiation (only fixed "
                         "newstyle is served): closing");
        return false;
    }
    conn->no_zeroes = flags & NBD_FLAG_C_NO_ZEROES;
    return true;
}

bool nbd_server_handshake(NbdConn *conn)
{
    if (!greet(conn)) {
        return false;
    }
    for (unsigned i = 0; i < NBD_SERVER_MAX_OPTIONS; i++) {
        int r = handle_option(conn);
        if (r == OPT_TRANSMIT) {
            nbd_server_trace("export '%s': transmission (%s)", conn->exp->name,
                             conn->extended ? "extended headers" :
                             conn->structured ? "structured replies" : "simple replies");
            return true;
        }
        if (r == OPT_CLOSE) {
            return false;
        }
    }
    nbd_server_trace("more than %d options: closing", NBD_SERVER_MAX_OPTIONS);
    return false;
}
