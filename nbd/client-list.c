/*
 * qemu-nbd -L on the client side: NBD_OPT_LIST, then NBD_OPT_INFO and
 * NBD_OPT_LIST_META_CONTEXT for every export (servers without INFO or meta
 * contexts are fine), and the helpers that free NbdExportInfo.
 */
#include "config.h"
#include "nbd/client-int.h"

#include <string.h>

/* ---- NbdExportInfo helpers ---- */

void nbd_export_info_clear(NbdExportInfo *info)
{
    g_free(info->name);
    g_free(info->description);
    for (size_t i = 0; i < info->n_contexts; i++) {
        g_free(info->contexts[i]);
    }
    g_free(info->contexts);
    memset(info, 0, sizeof(*info));
}

void nbd_export_info_free_list(NbdExportInfo *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++) {
        nbd_export_info_clear(&list[i]);
    }
    g_free(list);
}

/* ---- qemu-nbd -L ---- */

#define MAX_LISTED_EXPORTS 4096

static bool parse_server_entry(const NbdOptReply *r, GArray *list, Error **errp)
{
    if (r->len < 4 || nbd_get32(r->data) > r->len - 4 ||
        nbd_get32(r->data) > NBD_MAX_STRING_SIZE) {
        error_setf(errp, "Server sent a malformed export list entry");
        return false;
    }
    if (list->len >= MAX_LISTED_EXPORTS) {
        error_setf(errp, "Server lists more than %d exports", MAX_LISTED_EXPORTS);
        return false;
    }
    uint32_t nlen = nbd_get32(r->data);
    NbdExportInfo e = { 0 };
    e.name = nbd_client_sanitize(r->data + 4, nlen);
    if (r->len - 4 - nlen > 0) {
        e.description = nbd_client_sanitize(r->data + 4 + nlen, r->len - 4 - nlen);
    }
    g_array_append_val(list, e);
    return true;
}

/* NBD_OPT_LIST: 1 with the entries, 0 when the server does not list, -1 on error. */
static int list_exports(NbdSession *s, GArray *list, Error **errp)
{
    if (!nbd_opt_send(s, NBD_OPT_LIST, NULL, 0, errp)) {
        return -1;
    }
    for (;;) {
        NbdOptReply r;
        if (!nbd_opt_recv(s, NBD_OPT_LIST, &r, errp)) {
            return -1;
        }
        int ret = 2;
        if (r.type == NBD_REP_SERVER) {
            ret = parse_server_entry(&r, list, errp) ? 2 : -1;
        } else if (r.type == NBD_REP_ACK) {
            ret = 1;
        } else if (r.type == NBD_REP_ERR_UNSUP || r.type == NBD_REP_ERR_POLICY) {
            ret = 0;
        } else {
            nbd_opt_error(&r, NBD_OPT_LIST, errp);
            ret = -1;
        }
        nbd_opt_reply_clear(&r);
        if (ret != 2) {
            return ret;
        }
    }
}

/* LIST_META_CONTEXT with no query: every context the export offers. */
static bool list_contexts(NbdSession *s, NbdExportInfo *e, Error **errp)
{
    GByteArray *b = nbd_opt_name_payload(e->name);
    nbd_opt_append32(b, 0);
    bool ok = nbd_opt_send(s, NBD_OPT_LIST_META_CONTEXT, b->data, b->len, errp);
    g_byte_array_free(b, TRUE);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    while (ok) {
        NbdOptReply r;
        if (!nbd_opt_recv(s, NBD_OPT_LIST_META_CONTEXT, &r, errp)) {
            ok = false;
            break;
        }
        bool more = r.type == NBD_REP_META_CONTEXT;
        if (more && (r.len < 4 || r.len - 4 > NBD_MAX_STRING_SIZE ||
                     names->len >= 1024)) {
            error_setf(errp, "Server sent a malformed meta context list");
            ok = false;
        } else if (more) {
            g_ptr_array_add(names, nbd_client_sanitize(r.data + 4, r.len - 4));
        } else if (r.type & NBD_REP_FLAG_ERROR) {
            g_ptr_array_set_size(names, 0);     /* listing contexts is optional */
        }
        nbd_opt_reply_clear(&r);
        if (!more) {
            break;
        }
    }
    if (ok) {
        e->n_contexts = names->len;
        g_ptr_array_add(names, NULL);
        g_ptr_array_set_free_func(names, NULL);
        e->contexts = (char **)g_ptr_array_free(names, FALSE);
    } else {
        g_ptr_array_free(names, TRUE);
    }
    return ok;
}

static bool describe_export(NbdSession *s, NbdExportInfo *e, Error **errp)
{
    uint32_t refusal = 0;
    Error *err = NULL;
    char *listed = g_strdup(e->name);
    int r = nbd_opt_info(s, NBD_OPT_INFO, listed, true, e, &refusal, &err);
    if (r < 0) {
        error_propagate(errp, err);
        g_free(listed);
        return false;
    }
    error_free(err);            /* a server without INFO: no details, not an error */
    if (r == 1) {
        /* Keep the listed name (the one to connect with), not the canonical one. */
        g_free(e->name);
        e->name = listed;
    } else {
        g_free(listed);
    }
    return !s->structured || list_contexts(s, e, errp);
}

static bool list_session(NbdSession *s, const NbdClientConfig *cfg, GArray *list,
                         Error **errp)
{
    int g = nbd_session_open(s, cfg, errp);
    if (g < 0) {
        return false;
    }
    if (g != NBD_GREET_FIXED) {
        error_setf(errp, "Server does not support listing exports (no fixed newstyle "
                   "negotiation)");
        return false;
    }
    uint32_t refusal = 0;
    int r = nbd_opt_simple(s, NBD_OPT_STRUCTURED_REPLY, &refusal, errp);
    if (r < 0) {
        return false;
    }
    s->structured = r == 1;
    r = list_exports(s, list, errp);
    if (r < 0) {
        return false;
    }
    if (r == 0) {
        NbdExportInfo e = { .name = g_strdup("") };   /* assume the default export */
        g_array_append_val(list, e);
    }
    for (guint i = 0; i < list->len; i++) {
        if (!describe_export(s, &g_array_index(list, NbdExportInfo, i), errp)) {
            return false;
        }
    }
    /* Best effort goodbye: the server may answer or just hang up. */
    if (nbd_opt_send(s, NBD_OPT_ABORT, NULL, 0, NULL)) {
        NbdOptReply rep;
        if (nbd_opt_recv(s, NBD_OPT_ABORT, &rep, NULL)) {
            nbd_opt_reply_clear(&rep);
        }
    }
    return true;
}

bool nbd_client_list(const NbdClientConfig *cfg, NbdExportInfo **list, size_t *n,
                     Error **errp)
{
    int fd = socket_connect(cfg->addr, errp);
    if (fd < 0) {
        return false;
    }
    NbdSession s = { .ch = channel_new_fd(fd) };
    GArray *arr = g_array_new(FALSE, TRUE, sizeof(NbdExportInfo));
    bool ok = list_session(&s, cfg, arr, errp);
    if (s.ch && channel_is_tls(s.ch)) {
        channel_tls_bye(s.ch);
    }
    channel_free(s.ch);
    nbd_session_clear(&s);
    if (!ok) {
        nbd_export_info_free_list((NbdExportInfo *)arr->data, arr->len);
        g_array_free(arr, FALSE);
        *list = NULL;
        *n = 0;
        return false;
    }
    *n = arr->len;
    *list = (NbdExportInfo *)g_array_free(arr, FALSE);
    return true;
}
