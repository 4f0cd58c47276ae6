/*
 * The option exchange of the NBD handshake, client side: sending an option,
 * reading and checking one reply (magic, option echo, length limit), turning
 * refusals into errors with the server's own message, and NBD_OPT_INFO /
 * NBD_OPT_GO with the NBD_REP_INFO items they return.
 */
#include "config.h"
#include "nbd/client-int.h"

#include <string.h>

void nbd_opt_reply_clear(NbdOptReply *r)
{
    g_free(r->data);
    r->data = NULL;
    r->len = 0;
}

/* ---- small helpers ---- */

char *nbd_client_sanitize(const uint8_t *data, size_t len)
{
    char *s = g_malloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        s[i] = (data[i] >= 0x20 && data[i] < 0x7f) || data[i] >= 0x80 ? (char)data[i] : '?';
    }
    s[len] = '\0';
    return s;
}

const char *nbd_cfg_export(const NbdClientConfig *cfg)
{
    return cfg->export_name ? cfg->export_name : "";
}

bool nbd_session_read(NbdSession *s, void *buf, size_t len, const char *what, Error **errp)
{
    Error *err = NULL;
    int r = channel_read_all(s->ch, buf, len, &err);
    if (r > 0) {
        return true;
    }
    if (r == 0) {
        error_setf(errp, "Server closed the connection while sending %s", what);
    } else {
        error_setf(errp, "Failed to read %s from the server: %s", what, error_message(err));
    }
    error_free(err);
    return false;
}

bool nbd_session_write(NbdSession *s, const void *buf, size_t len, Error **errp)
{
    Error *err = NULL;
    if (!channel_write_all(s->ch, buf, len, &err)) {
        error_setf(errp, "Failed to send to the server: %s", error_message(err));
        error_free(err);
        return false;
    }
    return true;
}

/* ---- options ---- */

bool nbd_opt_send(NbdSession *s, uint32_t opt, const void *data, uint32_t len,
                        Error **errp)
{
    uint8_t hdr[16];
    nbd_put64(hdr, NBD_OPTS_MAGIC);
    nbd_put32(hdr + 8, opt);
    nbd_put32(hdr + 12, len);
    nbd_client_trace("sending option %s, %u bytes", nbd_opt_name(opt), len);
    struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (void *)data, len } };
    Error *err = NULL;
    if (!channel_writev_all(s->ch, iov, len ? 2 : 1, &err)) {
        error_setf(errp, "Failed to send option %s: %s", nbd_opt_name(opt),
                   error_message(err));
        error_free(err);
        return false;
    }
    return true;
}

/* An option carrying an export name then extra bytes (GO, INFO, meta contexts). */
GByteArray *nbd_opt_name_payload(const char *name)
{
    GByteArray *b = g_byte_array_new();
    uint8_t len[4];
    nbd_put32(len, (uint32_t)strlen(name));
    g_byte_array_append(b, len, 4);
    g_byte_array_append(b, (const uint8_t *)name, (guint)strlen(name));
    return b;
}

void nbd_opt_append16(GByteArray *b, uint16_t v)
{
    uint8_t p[2];
    nbd_put16(p, v);
    g_byte_array_append(b, p, 2);
}

void nbd_opt_append32(GByteArray *b, uint32_t v)
{
    uint8_t p[4];
    nbd_put32(p, v);
    g_byte_array_append(b, p, 4);
}

bool nbd_opt_recv(NbdSession *s, uint32_t opt, NbdOptReply *r, Error **errp)
{
    uint8_t hdr[20];
    r->data = NULL;
    if (!nbd_session_read(s, hdr, sizeof(hdr), "an option reply", errp)) {
        return false;
    }
    if (nbd_get64(hdr) != NBD_REP_MAGIC) {
        error_setf(errp, "Server sent an option reply with a bad magic (0x%016llx)",
                   (unsigned long long)nbd_get64(hdr));
        return false;
    }
    if (nbd_get32(hdr + 8) != opt) {
        error_setf(errp, "Server replied to option %s while %s was expected",
                   nbd_opt_name(nbd_get32(hdr + 8)), nbd_opt_name(opt));
        return false;
    }
    r->type = nbd_get32(hdr + 12);
    r->len = nbd_get32(hdr + 16);
    if (r->len > NBD_MAX_OPTION_SIZE) {
        error_setf(errp, "Server sent a %u byte reply to %s (the limit is %u)",
                   r->len, nbd_opt_name(opt), NBD_MAX_OPTION_SIZE);
        return false;
    }
    r->data = g_malloc(r->len + 1);
    r->data[r->len] = 0;
    if (r->len && !nbd_session_read(s, r->data, r->len, "an option reply", errp)) {
        nbd_opt_reply_clear(r);
        return false;
    }
    nbd_client_trace("option %s: reply %s, %u bytes", nbd_opt_name(opt),
                     nbd_rep_name(r->type), r->len);
    return true;
}

/* What a refusal means, naming the option where that helps. */
static char *rep_error_text(uint32_t type, uint32_t opt)
{
    const char *o = nbd_opt_name(opt);
    switch (type) {
    case NBD_REP_ERR_UNSUP:           return g_strdup_printf("Server does not support %s", o);
    case NBD_REP_ERR_POLICY:          return g_strdup_printf("Server policy forbids %s", o);
    case NBD_REP_ERR_INVALID:         return g_strdup_printf("Server rejected %s as invalid", o);
    case NBD_REP_ERR_PLATFORM:        return g_strdup_printf("Server cannot do %s here", o);
    case NBD_REP_ERR_TLS_REQD:        return g_strdup("Server requires TLS (use tls-creds)");
    case NBD_REP_ERR_UNKNOWN:         return g_strdup("Requested export not available");
    case NBD_REP_ERR_SHUTDOWN:        return g_strdup("Server is shutting down");
    case NBD_REP_ERR_BLOCK_SIZE_REQD: return g_strdup("Server requires block size negotiation");
    case NBD_REP_ERR_TOO_BIG:         return g_strdup_printf("Server says %s is too big", o);
    case NBD_REP_ERR_EXT_HEADER_REQD: return g_strdup("Server requires extended headers");
    default:
        return g_strdup_printf("Server replied %s (0x%x) to %s", nbd_rep_name(type), type, o);
    }
}

/* The error for a failed option, with the server's own text when it sent one. */
void nbd_opt_error(const NbdOptReply *r, uint32_t opt, Error **errp)
{
    char *text = rep_error_text(r->type, opt);
    char *msg = r->len ? nbd_client_sanitize(r->data, r->len) : NULL;
    error_setf(errp, "%s%s%s", text, msg ? "; server reported: " : "", msg ? msg : "");
    g_free(msg);
    g_free(text);
}

/*
 * Send an option without payload expecting a bare ACK: 1 on ACK, 0 when the
 * server refused it (error reply, *refusal set to the type), -1 on failure.
 */
int nbd_opt_simple(NbdSession *s, uint32_t opt, uint32_t *refusal, Error **errp)
{
    NbdOptReply r;
    if (!nbd_opt_send(s, opt, NULL, 0, errp) || !nbd_opt_recv(s, opt, &r, errp)) {
        return -1;
    }
    int ret = 1;
    if (r.type == NBD_REP_ACK && r.len == 0) {
        ret = 1;
    } else if (r.type & NBD_REP_FLAG_ERROR) {
        if (refusal) {
            *refusal = r.type;
        }
        ret = 0;
    } else {
        error_setf(errp, "Server sent unexpected reply %s (%u bytes) to option %s",
                   nbd_rep_name(r.type), r.len, nbd_opt_name(opt));
        ret = -1;
    }
    nbd_opt_reply_clear(&r);
    return ret;
}

/* ---- export information (NBD_REP_INFO) ---- */

static bool is_pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

static bool parse_block_size(const uint8_t *p, NbdExportInfo *info, Error **errp)
{
    uint32_t min = nbd_get32(p), pref = nbd_get32(p + 4), max = nbd_get32(p + 8);
    if (!is_pow2(min) || min > 65536) {
        error_setf(errp, "Server sent an invalid minimum block size %u", min);
        return false;
    }
    if (!is_pow2(pref) || pref < min) {
        error_setf(errp, "Server sent an invalid preferred block size %u", pref);
        return false;
    }
    if (max < min) {
        error_setf(errp, "Server sent a maximum payload size %u below its minimum "
                   "block size %u", max, min);
        return false;
    }
    info->min_block = min;
    info->pref_block = pref;
    info->max_block = max - max % min;
    return true;
}

/* One NBD_REP_INFO; *got_export is set by NBD_INFO_EXPORT. */
static bool parse_info(const NbdOptReply *r, NbdExportInfo *info, bool *got_export,
                       Error **errp)
{
    if (r->len < 2) {
        error_setf(errp, "Server sent an NBD_REP_INFO of %u bytes", r->len);
        return false;
    }
    uint16_t type = nbd_get16(r->data);
    const uint8_t *p = r->data + 2;
    uint32_t n = r->len - 2;
    switch (type) {
    case NBD_INFO_EXPORT:
        if (n != 10) {
            break;
        }
        info->size = nbd_get64(p);
        info->flags = nbd_get16(p + 8);
        *got_export = true;
        return true;
    case NBD_INFO_BLOCK_SIZE:
        if (n != 12) {
            break;
        }
        return parse_block_size(p, info, errp);
    case NBD_INFO_NAME:
    case NBD_INFO_DESCRIPTION:
        if (n > NBD_MAX_STRING_SIZE) {
            break;
        }
        {
            char **dst = type == NBD_INFO_NAME ? &info->name : &info->description;
            g_free(*dst);
            *dst = nbd_client_sanitize(p, n);
        }
        return true;
    default:
        return true;            /* the spec: ignore what we do not know */
    }
    error_setf(errp, "Server sent information type %u with a bad length (%u bytes)",
               type, r->len);
    return false;
}

/*
 * INFO or GO for name: 1 when the server accepted it (info filled), 0 when it
 * refused (*refusal set, errp describes why), -1 on a broken exchange.
 */
int nbd_opt_info(NbdSession *s, uint32_t opt, const char *name, bool want_names,
                       NbdExportInfo *info, uint32_t *refusal, Error **errp)
{
    GByteArray *b = nbd_opt_name_payload(name);
    nbd_opt_append16(b, want_names ? 3 : 1);
    nbd_opt_append16(b, NBD_INFO_BLOCK_SIZE);
    if (want_names) {
        nbd_opt_append16(b, NBD_INFO_NAME);
        nbd_opt_append16(b, NBD_INFO_DESCRIPTION);
    }
    bool ok = nbd_opt_send(s, opt, b->data, b->len, errp);
    g_byte_array_free(b, TRUE);
    if (!ok) {
        return -1;
    }
    bool got_export = false;
    for (;;) {
        NbdOptReply r;
        if (!nbd_opt_recv(s, opt, &r, errp)) {
            return -1;
        }
        if (r.type == NBD_REP_INFO) {
            ok = parse_info(&r, info, &got_export, errp);
            nbd_opt_reply_clear(&r);
            if (!ok) {
                return -1;
            }
            continue;
        }
        int ret;
        if (r.type == NBD_REP_ACK && r.len == 0 && got_export) {
            ret = 1;
        } else if (r.type == NBD_REP_ACK) {
            error_setf(errp, "Server accepted %s without sending the export size",
                       nbd_opt_name(opt));
            ret = -1;
        } else if (r.type & NBD_REP_FLAG_ERROR) {
            nbd_opt_error(&r, opt, errp);
            *refusal = r.type;
            ret = 0;
        } else {
            nbd_opt_error(&r, opt, errp);
            ret = -1;
        }
        nbd_opt_reply_clear(&r);
        return ret;
    }
}
