/*
 * The client side of the NBD handshake: the server's greeting (fixed newstyle,
 * plain newstyle or oldstyle), STARTTLS, the feature options (extended
 * headers, structured replies, meta contexts) and the choice of export with
 * NBD_OPT_GO, falling back to NBD_OPT_EXPORT_NAME for old servers; plus
 * nbd_client_negotiate_fd (the kernel client). Option primitives are in
 * client-option.c, the export list in client-list.c.
 */
#include "config.h"
#include "nbd/client-int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* ---- meta contexts ---- */

static void clear_contexts(NbdSession *s)
{
    for (size_t i = 0; i < s->n_ctx; i++) {
        g_free(s->ctx[i].name);
    }
    s->n_ctx = 0;
}

static bool meta_payload_add(GByteArray *b, const char *query)
{
    size_t len = strlen(query);
    if (len > NBD_MAX_STRING_SIZE) {
        return false;
    }
    nbd_opt_append32(b, (uint32_t)len);
    g_byte_array_append(b, (const uint8_t *)query, (guint)len);
    return true;
}

/* Is name one of the queries we asked for (and not already selected)? */
static bool context_wanted(const NbdSession *s, const char *const *queries, size_t nq,
                           const char *name, uint32_t id)
{
    bool asked = false;
    for (size_t i = 0; i < nq; i++) {
        asked = asked || strcmp(queries[i], name) == 0;
    }
    for (size_t i = 0; i < s->n_ctx; i++) {
        if (s->ctx[i].id == id || strcmp(s->ctx[i].name, name) == 0) {
            return false;
        }
    }
    return asked;
}

static bool add_context(NbdSession *s, const NbdOptReply *r, const char *const *queries,
                        size_t nq, Error **errp)
{
    if (r->len < 4 || r->len - 4 > NBD_MAX_STRING_SIZE) {
        error_setf(errp, "Server sent a meta context reply of %u bytes", r->len);
        return false;
    }
    uint32_t id = nbd_get32(r->data);
    char *name = nbd_client_sanitize(r->data + 4, r->len - 4);
    if (!context_wanted(s, queries, nq, name, id) || s->n_ctx >= NBD_MAX_META_CONTEXTS) {
        error_setf(errp, "Server selected meta context '%s' (id %u) which was not "
                   "asked for or is a duplicate", name, id);
        g_free(name);
        return false;
    }
    s->ctx[s->n_ctx].id = id;
    s->ctx[s->n_ctx].name = name;
    s->n_ctx++;
    nbd_client_trace("meta context %s has id %u", name, id);
    return true;
}

/* SET_META_CONTEXT; a refusal just leaves no contexts selected. */
static bool set_meta_contexts(NbdSession *s, const NbdClientConfig *cfg, Error **errp)
{
    const char *queries[2] = { NBD_META_BASE_ALLOCATION, cfg->extra_context };
    size_t nq = cfg->extra_context && *cfg->extra_context ? 2 : 1;
    GByteArray *b = nbd_opt_name_payload(nbd_cfg_export(cfg));
    nbd_opt_append32(b, (uint32_t)nq);
    for (size_t i = 0; i < nq; i++) {
        if (!meta_payload_add(b, queries[i])) {
            error_setf(errp, "Meta context name '%s' is too long", queries[i]);
            g_byte_array_free(b, TRUE);
            return false;
        }
    }
    bool ok = nbd_opt_send(s, NBD_OPT_SET_META_CONTEXT, b->data, b->len, errp);
    g_byte_array_free(b, TRUE);
    while (ok) {
        NbdOptReply r;
        if (!nbd_opt_recv(s, NBD_OPT_SET_META_CONTEXT, &r, errp)) {
            ok = false;
            break;
        }
        bool more = r.type == NBD_REP_META_CONTEXT;
        if (more) {
            ok = add_context(s, &r, queries, nq, errp);
        } else if (r.type == NBD_REP_ACK) {
            if (r.len) {
                error_setf(errp, "Server sent an ACK with a payload");
                ok = false;
            }
        } else if (r.type & NBD_REP_FLAG_ERROR) {
            clear_contexts(s);          /* the spec: a failure selects nothing */
        } else {
            nbd_opt_error(&r, NBD_OPT_SET_META_CONTEXT, errp);
            ok = false;
        }
        nbd_opt_reply_clear(&r);
        if (!more) {
            break;
        }
    }
    if (!ok) {
        clear_contexts(s);
    }
    return ok;
}

/* ---- greeting and TLS ---- */

/* Oldstyle: the server sends the export at once (default export only). */
static bool oldstyle(NbdSession *s, const NbdClientConfig *cfg, Error **errp)
{
    uint8_t buf[12 + 124];
    if (cfg->tls_creds) {
        error_setf(errp, "Server uses oldstyle negotiation, which cannot do TLS");
        return false;
    }
    if (*nbd_cfg_export(cfg)) {
        error_setf(errp, "Server uses oldstyle negotiation, which has no export names");
        return false;
    }
    if (!nbd_session_read(s, buf, sizeof(buf), "the export details", errp)) {
        return false;
    }
    s->info.size = nbd_get64(buf);
    s->info.flags = (uint16_t)nbd_get32(buf + 8);
    return true;
}

/* Read the greeting and answer with our flags; returns GREET_* or -1. */
static int greeting(NbdSession *s, Error **errp)
{
    uint8_t buf[16];
    if (!nbd_session_read(s, buf, 16, "its greeting", errp)) {
        return -1;
    }
    if (nbd_get64(buf) != NBD_MAGIC) {
        error_setf(errp, "Server did not send the NBD magic (not an NBD server?)");
        return -1;
    }
    if (nbd_get64(buf + 8) == NBD_CLISERV_MAGIC) {
        return NBD_GREET_OLDSTYLE;
    }
    if (nbd_get64(buf + 8) != NBD_OPTS_MAGIC) {
        error_setf(errp, "Server sent an unknown greeting magic 0x%016llx",
                   (unsigned long long)nbd_get64(buf + 8));
        return -1;
    }
    uint8_t f[4];
    if (!nbd_session_read(s, f, 2, "its handshake flags", errp)) {
        return -1;
    }
    uint16_t sflags = nbd_get16(f);
    uint32_t cflags = 0;
    s->fixed = sflags & NBD_FLAG_FIXED_NEWSTYLE;
    s->no_zeroes = sflags & NBD_FLAG_NO_ZEROES;
    cflags |= s->fixed ? NBD_FLAG_C_FIXED_NEWSTYLE : 0;
    cflags |= s->no_zeroes ? NBD_FLAG_C_NO_ZEROES : 0;
    nbd_put32(f, cflags);
    if (!nbd_session_write(s, f, 4, errp)) {
        return -1;
    }
    return s->fixed ? NBD_GREET_FIXED : NBD_GREET_NEWSTYLE;
}

static const char *tls_hostname(const NbdClientConfig *cfg)
{
    if (cfg->tls_hostname) {
        return cfg->tls_hostname;
    }
    if (cfg->addr && cfg->addr->type == SOCKET_ADDRESS_INET) {
        return cfg->addr->host;
    }
    return NULL;
}

static bool start_tls(NbdSession *s, const NbdClientConfig *cfg, Error **errp)
{
    uint32_t refusal = 0;
    int r = nbd_opt_simple(s, NBD_OPT_STARTTLS, &refusal, errp);
    if (r < 0) {
        return false;
    }
    if (r == 0) {
        error_setf(errp, "Server refused STARTTLS (%s): TLS is not enabled on the "
                   "server", nbd_rep_name(refusal));
        return false;
    }
    Error *err = NULL;
    if (!channel_start_tls(s->ch, cfg->tls_creds, tls_hostname(cfg), &err)) {
        error_setf(errp, "TLS handshake with the server failed: %s", error_message(err));
        error_free(err);
        return false;
    }
    nbd_client_trace("TLS established");
    return true;
}

/* Greeting plus TLS: afterwards options may be sent (fixed newstyle) or not. */
int nbd_session_open(NbdSession *s, const NbdClientConfig *cfg, Error **errp)
{
    int g = greeting(s, errp);
    if (g == NBD_GREET_NEWSTYLE && cfg->tls_creds) {
        error_setf(errp, "Server does not support fixed newstyle negotiation, "
                   "so it cannot do TLS");
        return -1;
    }
    if (g == NBD_GREET_FIXED && cfg->tls_creds && !start_tls(s, cfg, errp)) {
        return -1;
    }
    return g;
}

/* ---- choosing the export ---- */

static bool export_name_option(NbdSession *s, const NbdClientConfig *cfg, Error **errp)
{
    const char *name = nbd_cfg_export(cfg);
    uint8_t buf[10 + 124];
    if (!nbd_opt_send(s, NBD_OPT_EXPORT_NAME, name, (uint32_t)strlen(name), errp)) {
        return false;
    }
    Error *err = NULL;
    size_t want = s->no_zeroes ? 10 : sizeof(buf);
    int r = channel_read_all(s->ch, buf, 10, &err);
    if (r > 0 && want > 10) {
        r = channel_read_all(s->ch, buf + 10, want - 10, &err);
    }
    if (r <= 0) {
        /* With EXPORT_NAME the server can only say no by hanging up. */
        error_setf(errp, "Requested export not available (the server closed the "
                   "connection%s%s)", err ? ": " : "", err ? error_message(err) : "");
        error_free(err);
        return false;
    }
    s->info.size = nbd_get64(buf);
    s->info.flags = nbd_get16(buf + 8);
    return true;
}

static bool negotiate_features(NbdSession *s, const NbdClientConfig *cfg, Error **errp)
{
    uint32_t refusal = 0;
    if (!cfg->no_extended_headers && !cfg->no_structured_replies) {
        int r = nbd_opt_simple(s, NBD_OPT_EXTENDED_HEADERS, &refusal, errp);
        if (r < 0) {
            return false;
        }
        s->extended = s->structured = r == 1;
    }
    if (!s->structured && !cfg->no_structured_replies) {
        int r = nbd_opt_simple(s, NBD_OPT_STRUCTURED_REPLY, &refusal, errp);
        if (r < 0) {
            return false;
        }
        s->structured = r == 1;
    }
    return !s->structured || set_meta_contexts(s, cfg, errp);
}

static bool choose_export(NbdSession *s, const NbdClientConfig *cfg, Error **errp)
{
    uint32_t refusal = 0;
    Error *err = NULL;
    int r = nbd_opt_info(s, NBD_OPT_GO, nbd_cfg_export(cfg), false, &s->info, &refusal, &err);
    if (r == 1) {
        return true;
    }
    if (r < 0 || refusal != NBD_REP_ERR_UNSUP) {
        if (r == 0) {
            /* Still in step with the server: say goodbye properly. */
            nbd_opt_send(s, NBD_OPT_ABORT, NULL, 0, NULL);
        }
        error_propagate(errp, err);
        return false;
    }
    error_free(err);
    if (s->extended) {
        error_setf(errp, "Server refused NBD_OPT_GO after agreeing to extended headers");
        return false;
    }
    nbd_client_trace("NBD_OPT_GO unsupported, falling back to NBD_OPT_EXPORT_NAME");
    return export_name_option(s, cfg, errp);
}

bool nbd_session_handshake(NbdSession *s, const NbdClientConfig *cfg, Error **errp)
{
    if (strlen(nbd_cfg_export(cfg)) > NBD_MAX_STRING_SIZE) {
        error_setf(errp, "Export name is longer than %d bytes", NBD_MAX_STRING_SIZE);
        return false;
    }
    int g = nbd_session_open(s, cfg, errp);
    bool ok;
    if (g < 0) {
        return false;
    } else if (g == NBD_GREET_OLDSTYLE) {
        ok = oldstyle(s, cfg, errp);
    } else if (g == NBD_GREET_NEWSTYLE) {
        ok = export_name_option(s, cfg, errp);
    } else {
        ok = negotiate_features(s, cfg, errp) && choose_export(s, cfg, errp);
    }
    if (!ok) {
        return false;
    }
    if (!s->info.name) {
        s->info.name = g_strdup(nbd_cfg_export(cfg));
    }
    nbd_client_trace("export '%s': size %llu, flags 0x%x, block sizes %u/%u/%u, %s",
                     s->info.name, (unsigned long long)s->info.size, s->info.flags,
                     s->info.min_block, s->info.pref_block, s->info.max_block,
                     s->extended ? "extended headers" :
                     s->structured ? "structured replies" : "simple replies");
    return true;
}

void nbd_session_clear(NbdSession *s)
{
    clear_contexts(s);
    nbd_export_info_clear(&s->info);
}

/* ---- the kernel client ---- */

bool nbd_client_negotiate_fd(const NbdClientConfig *cfg, int fd, NbdExportInfo *info,
                             Error **errp)
{
    if (cfg->tls_creds) {
        error_setf(errp, "TLS cannot be used with the kernel NBD client");
        return false;
    }
    int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dupfd < 0) {
        error_setf_errno(errp, errno, "Could not duplicate the NBD socket");
        return false;
    }
    NbdClientConfig simple = *cfg;
    simple.no_structured_replies = true;
    simple.no_extended_headers = true;
    NbdSession s = { .ch = channel_new_fd(dupfd) };
    bool ok = nbd_session_handshake(&s, &simple, errp);
    channel_free(s.ch);
    if (ok) {
        *info = s.info;
        memset(&s.info, 0, sizeof(s.info));
    }
    nbd_session_clear(&s);
    return ok;
}
