/*
 * The "nbd" protocol driver: an image served by any NBD server, named by URI
 * (nbd://host[:port]/[export], nbd+tcp://..., nbd+unix:///[export]?socket=PATH),
 * by the legacy nbd:host:port[:exportname=NAME] / nbd:unix:PATH[:exportname=NAME]
 * syntax, or by -blockdev style options (server.*, export, tls-creds ...).
 * I/O goes through the thread-safe client in nbd/client.c.
 */
#include "config.h"
#include "block/block-priv.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include "libcore/sockets.h"
#include "libcore/json.h"
#include "libcore/tls.h"
#include "nbd/nbd.h"
#include "nbd/nbd-proto.h"

typedef struct NbdState {
    NbdClient *client;
    bool has_alloc;             /* base:allocation negotiated */
} NbdState;

/* The options a name or the legacy keys turn into. */
typedef struct NbdTarget {
    SocketAddress *addr;
    char *export;               /* NULL: the default export */
} NbdTarget;

static void target_clear(NbdTarget *t)
{
    socket_address_free(t->addr);
    g_free(t->export);
}

/* ---- file names ---- */

static bool parse_query(const char *query, bool is_unix, char **socket, Error **errp)
{
    if (!query || !*query) {
        if (is_unix) {
            error_setf(errp, "NBD URI with nbd+unix needs a ?socket=PATH parameter");
            return false;
        }
        return true;
    }
    if (!is_unix) {
        error_setf(errp, "NBD URI over TCP takes no query parameters (got '%s')", query);
        return false;
    }
    GError *gerr = NULL;
    GHashTable *params = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, &gerr);
    if (!params) {
        error_setf(errp, "Invalid NBD URI query '%s': %s", query, gerr->message);
        g_error_free(gerr);
        return false;
    }
    GHashTableIter it;
    gpointer key, value;
    bool ok = true;
    g_hash_table_iter_init(&it, params);
    while (ok && g_hash_table_iter_next(&it, &key, &value)) {
        if (strcmp(key, "socket") != 0) {
            error_setf(errp, "Unknown NBD URI parameter '%s' (only 'socket' is allowed)",
                       (const char *)key);
            ok = false;
        } else if (!*(const char *)value) {
            error_setf(errp, "NBD URI parameter 'socket' is empty");
            ok = false;
        } else {
            *socket = g_strdup(value);
        }
    }
    g_hash_table_unref(params);
    return ok;
}

static bool parse_uri(const char *filename, NbdTarget *t, Error **errp)
{
    bool is_unix = g_str_has_prefix(filename, "nbd+unix:");
    GError *gerr = NULL;
    GUri *uri = g_uri_parse(filename, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_NON_DNS,
                            &gerr);
    if (!uri) {
        error_setf(errp, "Invalid NBD URI '%s': %s", filename, gerr->message);
        g_error_free(gerr);
        return false;
    }
    const char *host = g_uri_get_host(uri);
    int port = g_uri_get_port(uri);
    char *socket = NULL;
    bool ok = false;
    if (g_uri_get_userinfo(uri) || g_uri_get_fragment(uri)) {
        error_setf(errp, "NBD URI '%s' must not have user information or a fragment",
                   filename);
    } else if (is_unix && ((host && *host) || port >= 0)) {
        error_setf(errp, "NBD URI with nbd+unix takes no host or port");
    } else if (!is_unix && (!host || !*host)) {
        error_setf(errp, "NBD URI '%s' has no host name", filename);
    } else if (parse_query(g_uri_get_query(uri), is_unix, &socket, errp)) {
        ok = true;
    }
    if (ok) {
        const char *path = g_uri_get_path(uri);
        path += path[0] == '/';
        t->export = *path ? g_strdup(path) : NULL;
        if (is_unix) {
            t->addr = socket_address_new_unix(socket);
        } else {
            char *p = g_strdup_printf("%d", port >= 0 ? port : NBD_DEFAULT_PORT);
            t->addr = socket_address_new_inet(host, p);
            g_free(p);
        }
    }
    g_free(socket);
    g_uri_unref(uri);
    return ok;
}

/* nbd:host[:port][:exportname=NAME] and nbd:unix:PATH[:exportname=NAME] */
static bool parse_legacy(const char *filename, NbdTarget *t, Error **errp)
{
    const char *rest = filename + strlen("nbd:");
    const char *ex = strstr(rest, ":exportname=");
    char *where = ex ? g_strndup(rest, ex - rest) : g_strdup(rest);
    bool ok = true;
    if (ex) {
        t->export = g_strdup(ex + strlen(":exportname="));
    }
    if (g_str_has_prefix(where, "unix:")) {
        if (!where[5]) {
            error_setf(errp, "NBD file name '%s' has an empty socket path", filename);
            ok = false;
        } else {
            t->addr = socket_address_new_unix(where + 5);
        }
    } else {
        char *host = where, *port = NULL;
        char *colon = strrchr(where, ':');
        if (where[0] == '[') {              /* [v6]:port */
            char *close = strchr(where, ']');
            colon = close && close[1] == ':' ? close + 1 : NULL;
            if (close) {
                *close = '\0';
                host = where + 1;
            }
        }
        if (colon) {
            *colon = '\0';
            port = colon + 1;
        }
        if (!*host || (port && !*port)) {
            error_setf(errp, "NBD file name '%s' needs nbd:HOST[:PORT] or nbd:unix:PATH",
                       filename);
            ok = false;
        } else {
            char *p = port ? g_strdup(port) : g_strdup_printf("%d", NBD_DEFAULT_PORT);
            t->addr = socket_address_new_inet(host, p);
            g_free(p);
        }
    }
    g_free(where);
    return ok;
}

static bool parse_filename(const char *filename, NbdTarget *t, Error **errp)
{
    if (g_str_has_prefix(filename, "nbd://") || g_str_has_prefix(filename, "nbd+tcp://") ||
        g_str_has_prefix(filename, "nbd+unix://")) {
        return parse_uri(filename, t, errp);
    }
    if (g_str_has_prefix(filename, "nbd:")) {
        return parse_legacy(filename, t, errp);
    }
    error_setf(errp, "'%s' is not an NBD file name (nbd://HOST[:PORT]/EXPORT, "
               "nbd+unix:///EXPORT?socket=PATH or nbd:HOST:PORT)", filename);
    return false;
}

/* ---- options ---- */

static bool has_prefixed(QDict *o, const char *prefix)
{
    for (size_t i = 0; i < qdict_size(o); i++) {
        if (g_str_has_prefix(qdict_key_at(o, i), prefix)) {
            return true;
        }
    }
    return false;
}

/* Legacy host/port/path keys as a socket address (NULL, no error: none given). */
static SocketAddress *legacy_address(QDict *o, Error **errp)
{
    Error *err = NULL;
    char *host = bdrv_take_str(o, "host", &err);
    char *port = err ? NULL : bdrv_take_str(o, "port", &err);
    char *path = err ? NULL : bdrv_take_str(o, "path", &err);
    SocketAddress *addr = NULL;
    if (err) {
        error_propagate(errp, err);
    } else if (path && (host || port)) {
        error_setf(errp, "NBD options 'path' and 'host'/'port' exclude each other");
    } else if (path) {
        addr = socket_address_new_unix(path);
    } else if (host) {
        addr = socket_address_new_inet(host, port ? port : G_STRINGIFY(NBD_DEFAULT_PORT));
    } else if (port) {
        error_setf(errp, "NBD option 'port' needs 'host'");
    }
    g_free(host);
    g_free(port);
    g_free(path);
    return addr;
}

/* The address from server.* or the legacy host/port/path keys (false: error). */
static bool take_address(QDict *o, NbdTarget *t, Error **errp)
{
    bool legacy = qdict_haskey(o, "host") || qdict_haskey(o, "port") ||
                  qdict_haskey(o, "path");
    bool server = has_prefixed(o, "server.");
    if (legacy && server) {
        error_setf(errp, "NBD options host/port/path cannot be combined with server.*");
        return false;
    }
    if (legacy) {
        t->addr = legacy_address(o, errp);
        return t->addr != NULL;
    }
    if (server) {
        QDict *sd = qdict_extract_prefix(o, "server");
        t->addr = socket_address_from_qdict(sd, errp);
        bool ok = t->addr != NULL;
        if (ok && qdict_size(sd)) {
            error_setf(errp, "NBD server option 'server.%s' is not supported",
                       qdict_key_at(sd, 0));
            ok = false;
        }
        qobject_unref(sd);
        return ok;
    }
    return true;
}

static char *target_name(const NbdTarget *t);

/*
 * The target from a file name or from options. Both may be given when they
 * agree (a node's own options, as recorded for json: names, carry both).
 */
static bool take_target(QDict *o, NbdTarget *t, Error **errp)
{
    Error *err = NULL;
    char *filename = bdrv_take_str(o, "filename", &err);
    NbdTarget ft = { 0 };
    bool ok = !err;
    if (!ok) {
        error_propagate(errp, err);
    } else {
        ok = take_address(o, t, errp);
    }
    if (ok && qdict_haskey(o, "export")) {
        t->export = bdrv_take_str(o, "export", errp);
        ok = t->export != NULL;
    }
    if (ok && filename) {
        ok = parse_filename(filename, &ft, errp);
    }
    if (ok && filename && t->addr) {
        char *a = target_name(t), *b = target_name(&ft);
        if (strcmp(a, b) != 0) {
            error_setf(errp, "NBD file name '%s' and the server/export options (%s) "
                       "name different exports", filename, a);
            ok = false;
        }
        g_free(a);
        g_free(b);
    } else if (ok && filename && t->export) {
        error_setf(errp, "NBD export given both in the file name and as 'export'");
        ok = false;
    } else if (ok && filename) {
        *t = ft;
        ft = (NbdTarget){ 0 };
    } else if (ok && !t->addr) {
        error_setf(errp, "NBD needs a server address (a file name or server.*)");
        ok = false;
    }
    target_clear(&ft);
    g_free(filename);
    return ok;
}

/* Options we accept only with the value that means "off". */
static bool refuse_nonzero(QDict *o, const char *key, Error **errp)
{
    uint64_t v = 0;
    if (!bdrv_take_size(o, key, &v, NULL, errp)) {
        return false;
    }
    if (v != 0) {
        error_setf(errp, "NBD option '%s' is not supported (only %s=0)", key, key);
        return false;
    }
    return true;
}

static bool take_tls(QDict *o, TlsCreds **creds, char **hostname, Error **errp)
{
    Error *err = NULL;
    char *id = bdrv_take_str(o, "tls-creds", &err);
    *hostname = err ? NULL : bdrv_take_str(o, "tls-hostname", &err);
    if (err) {
        error_propagate(errp, err);
        g_free(id);
        return false;
    }
    if (id) {
        *creds = tls_creds_lookup(id, TLS_ENDPOINT_CLIENT, errp);
        g_free(id);
        return *creds != NULL;
    }
    return true;
}

/* ---- the name QEMU shows for the node ---- */

static char *target_name(const NbdTarget *t)
{
    const SocketAddress *a = t->addr;
    if (a->type == SOCKET_ADDRESS_UNIX && !a->abstract) {
        return t->export ? g_strdup_printf("nbd+unix:///%s?socket=%s", t->export, a->path)
                         : g_strdup_printf("nbd+unix://?socket=%s", a->path);
    }
    if (a->type == SOCKET_ADDRESS_INET && a->host) {
        /* An IPv6 literal goes in without brackets, as QEMU prints it. */
        return t->export ? g_strdup_printf("nbd://%s:%s/%s", a->host, a->port, t->export)
                         : g_strdup_printf("nbd://%s:%s", a->host, a->port);
    }
    /* No URI can say it: a json: name with the options instead. */
    QDict *d = qdict_new();
    qdict_put_str(d, "driver", "nbd");
    if (t->export) {
        qdict_put_str(d, "export", t->export);
    }
    qdict_put(d, "server", socket_address_to_qdict(a));
    char *json = json_to_string(d, false);
    char *name = g_strconcat("json:", json, NULL);
    g_free(json);
    qobject_unref(d);
    return name;
}

static void set_display_name(BlockDriverState *bs, const NbdTarget *t)
{
    char *name = target_name(t);
    g_strlcpy(bs->filename, name, sizeof(bs->filename));
    g_free(name);
}

/* ---- open / close ---- */

static NbdClient *connect_target(QDict *options, NbdTarget *t, Error **errp)
{
    TlsCreds *creds = NULL;
    char *hostname = NULL;
    Error *err = NULL;
    char *bitmap = NULL;
    if (!take_target(options, t, errp) || !take_tls(options, &creds, &hostname, errp) ||
        !refuse_nonzero(options, "reconnect-delay", errp) ||
        !refuse_nonzero(options, "open-timeout", errp)) {
        return NULL;
    }
    bitmap = bdrv_take_str(options, "x-dirty-bitmap", &err);
    if (bitmap || err) {
        error_free(err);
        error_setf(errp, "NBD option 'x-dirty-bitmap' is not supported");
        g_free(bitmap);
        g_free(hostname);
        return NULL;
    }
    NbdClientConfig cfg = {
        .addr = t->addr,
        .export_name = t->export,
        .tls_creds = creds,
        .tls_hostname = hostname,
    };
    NbdClient *c = nbd_client_connect(&cfg, errp);
    g_free(hostname);
    return c;
}

static int nbd_open(BlockDriverState *bs, QDict *options, int flags, Error **errp)
{
    NbdState *s = bs->opaque;
    NbdTarget t = { 0 };
    s->client = connect_target(options, &t, errp);
    if (!s->client) {
        target_clear(&t);
        return -EINVAL;
    }
    const NbdExportInfo *info = nbd_client_info(s->client);
    set_display_name(bs, &t);
    target_clear(&t);
    if ((flags & BDRV_O_RDWR) && (info->flags & NBD_FLAG_READ_ONLY)) {
        error_setf(errp, "export is read-only");
        nbd_client_close(s->client);
        s->client = NULL;
        return -EACCES;
    }
    if (info->size > INT64_MAX) {
        error_setf(errp, "NBD export size %llu is too large",
                   (unsigned long long)info->size);
        nbd_client_close(s->client);
        s->client = NULL;
        return -EFBIG;
    }
    s->has_alloc = nbd_client_has_context(s->client, NBD_META_BASE_ALLOCATION);
    bs->total_size = (int64_t)info->size;
    bs->request_alignment = info->min_block ? info->min_block : 1;
    return 0;
}

static void nbd_close(BlockDriverState *bs)
{
    NbdState *s = bs->opaque;
    nbd_client_close(s->client);
    s->client = NULL;
}

/* ---- I/O ---- */

static int nbd_pread(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf,
                     int flags)
{
    NbdState *s = bs->opaque;
    return nbd_client_read(s->client, offset, bytes, buf);
}

static int nbd_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf,
                      int flags)
{
    NbdState *s = bs->opaque;
    uint32_t f = (flags & BDRV_REQ_FUA) ? NBD_CMD_FLAG_FUA : 0;
    return nbd_client_write(s->client, offset, bytes, buf, f);
}

static int nbd_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes,
                             int flags)
{
    NbdState *s = bs->opaque;
    const NbdExportInfo *info = nbd_client_info(s->client);
    uint32_t f = 0;
    if (!(flags & BDRV_REQ_MAY_UNMAP)) {
        f |= NBD_CMD_FLAG_NO_HOLE;
    }
    if (flags & BDRV_REQ_FUA) {
        f |= NBD_CMD_FLAG_FUA;
    }
    if (flags & BDRV_REQ_NO_FALLBACK) {
        if (!(info->flags & NBD_FLAG_SEND_FAST_ZERO)) {
            return -ENOTSUP;
        }
        f |= NBD_CMD_FLAG_FAST_ZERO;
    }
    return nbd_client_write_zeroes(s->client, offset, bytes, f);
}

static int nbd_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    NbdState *s = bs->opaque;
    return nbd_client_trim(s->client, offset, bytes, 0);
}

static int nbd_flush(BlockDriverState *bs)
{
    NbdState *s = bs->opaque;
    return nbd_client_flush(s->client);
}

static int64_t nbd_getlength(BlockDriverState *bs)
{
    NbdState *s = bs->opaque;
    return (int64_t)nbd_client_info(s->client)->size;
}

/* An export's size is the server's business: only "no change" succeeds. */
static int nbd_truncate(BlockDriverState *bs, int64_t size, bool exact,
                        PreallocMode prealloc, Error **errp)
{
    int64_t cur = nbd_getlength(bs);
    if (size > cur) {
        error_setf(errp, "Cannot grow an NBD export (%lld bytes) to %lld bytes",
                   (long long)cur, (long long)size);
        return -ENOTSUP;
    }
    if (exact && size != cur) {
        error_setf(errp, "Cannot resize an NBD export");
        return -ENOTSUP;
    }
    return 0;
}

static int nbd_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes,
                            int64_t *pnum, int64_t *map, BlockDriverState **file)
{
    NbdState *s = bs->opaque;
    *map = offset;
    *file = bs;
    *pnum = bytes;
    if (!s->has_alloc) {
        return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;
    }
    NbdExtent *ext = NULL;
    size_t n = 0;
    int ret = nbd_client_block_status(s->client, NBD_META_BASE_ALLOCATION, offset, bytes,
                                      &ext, &n);
    if (ret == -ENOTSUP) {
        return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;
    }
    if (ret < 0) {
        return ret;
    }
    *pnum = (int64_t)MIN(ext[0].length, (uint64_t)bytes);
    int flags = BDRV_BLOCK_OFFSET_VALID;
    if (!(ext[0].flags & NBD_STATE_HOLE)) {
        flags |= BDRV_BLOCK_DATA;
    }
    if (ext[0].flags & NBD_STATE_ZERO) {
        flags |= BDRV_BLOCK_ZERO;
    }
    g_free(ext);
    return flags;
}

/* ---- "create": an export exists already; check it ---- */

/*
 * Like QEMU, only the first sector is cleared (so that probing finds no stale
 * header); the driver has no has_zero_init, so convert writes the zeroes it needs.
 */
static int zero_first_sector(NbdClient *c, uint64_t size)
{
    uint64_t len = MIN(size, (uint64_t)512);
    int ret = len ? nbd_client_write_zeroes(c, 0, len, 0) : 0;
    if (ret == -ENOTSUP) {
        static const uint8_t zero[512];
        ret = nbd_client_write(c, 0, len, zero, 0);
    }
    return ret;
}

static int nbd_create(const char *filename, QDict *opts, Error **errp)
{
    uint64_t size = 0;
    if (!create_opt_get_size(opts, "size", &size, errp)) {
        return -EINVAL;
    }
    QDict *o = qdict_new();
    qdict_put_str(o, "filename", filename);
    NbdTarget t = { 0 };
    NbdClient *c = connect_target(o, &t, errp);
    target_clear(&t);
    qobject_unref(o);
    if (!c) {
        return -EIO;
    }
    const NbdExportInfo *info = nbd_client_info(c);
    int ret = 0;
    if (info->flags & NBD_FLAG_READ_ONLY) {
        error_setf(errp, "export is read-only");
        ret = -EACCES;
    } else if (info->size < size) {
        error_setf(errp, "NBD export is smaller (%llu bytes) than the image size "
                   "asked for (%llu bytes)", (unsigned long long)info->size,
                   (unsigned long long)size);
        ret = -ENOSPC;
    }
    if (ret == 0) {
        ret = zero_first_sector(c, info->size);
        if (ret < 0) {
            error_setf_errno(errp, -ret, "Could not clear the NBD export");
        }
    }
    nbd_client_close(c);
    return ret;
}

static const CreateOptDesc nbd_create_opts[] = {
    { "size", OPT_SIZE, "Size of the disk the guest sees (at most the export size)", NULL },
    { NULL, 0, NULL, NULL },
};

#define NBD_DRIVER(var, proto) \
    static const BlockDriver var = { \
        .format_name = "nbd", \
        .protocol_name = proto, \
        .instance_size = sizeof(NbdState), \
        .is_protocol = true, \
        .open = nbd_open, \
        .close = nbd_close, \
        .create = nbd_create, \
        .create_opts = nbd_create_opts, \
        .pread = nbd_pread, \
        .pwrite = nbd_pwrite, \
        .pwrite_zeroes = nbd_pwrite_zeroes, \
        .pdiscard = nbd_pdiscard, \
        .flush = nbd_flush, \
        .getlength = nbd_getlength, \
        .truncate = nbd_truncate, \
        .block_status = nbd_block_status, \
    }; \
    BLOCK_DRIVER_INIT(var)

NBD_DRIVER(bdrv_nbd, "nbd")
NBD_DRIVER(bdrv_nbd_tcp, "nbd+tcp")
NBD_DRIVER(bdrv_nbd_unix, "nbd+unix")
