/*
 * The NBD server and client, compiled into libcore. The server exports
 * BlockBackends (qemu-nbd, later the system emulator's nbd-server-*); the
 * client speaks to any NBD server for the `nbd` block driver and qemu-nbd -L.
 *
 * Threading: both are blocking and thread-based. The server runs each client
 * connection on its own threads (a reader that parses requests, workers that do
 * the block I/O, replies serialised by a send lock), so many requests per
 * connection are in flight at once. The client may be called from several
 * threads at once; requests are matched to replies by cookie.
 */
#ifndef NBD_NBD_H
#define NBD_NBD_H

#include <stdbool.h>
#include <stdint.h>
#include "block/block-backend.h"
#include "libcore/error.h"
#include "libcore/sockets.h"
#include "libcore/tls.h"

/* -v: protocol tracing to stderr (both sides). */
void nbd_set_verbose(bool on);
bool nbd_verbose(void);

/* ---- Server ---- */

typedef struct NbdServer NbdServer;

typedef struct NbdServerConfig {
    TlsCreds *tls_creds;        /* non-NULL: TLS is mandatory for every export */
    /* Called (from a server thread) each time a client connection has ended. */
    void (*client_closed)(void *opaque);
    void *opaque;
} NbdServerConfig;

typedef struct NbdExportConfig {
    const char *name;           /* "" is the default export */
    const char *description;    /* NULL: none */
    BlockBackend *blk;          /* not owned: keep it alive until the export is gone */
    bool read_only;             /* forced on when blk is read-only */
    bool allocation_depth;      /* offer the qemu:allocation-depth context */
    bool multi_conn;            /* advertise NBD_FLAG_CAN_MULTI_CONN */
} NbdExportConfig;

NbdServer *nbd_server_new(const NbdServerConfig *cfg);
/* Names are unique and at most NBD_MAX_STRING_SIZE bytes. */
bool nbd_server_add_export(NbdServer *srv, const NbdExportConfig *cfg, Error **errp);
/* Connections using the export are closed (after their in-flight requests). */
bool nbd_server_remove_export(NbdServer *srv, const char *name, Error **errp);
/* Serve one connected client on new threads; takes ownership of fd. */
void nbd_server_serve_fd(NbdServer *srv, int fd);
/* Connections currently open (handshake included). */
unsigned nbd_server_client_count(NbdServer *srv);
/*
 * Stop serving: connections are closed once their in-flight requests have
 * been answered, every thread is joined, and every export is flushed.
 * Idempotent; nbd_server_serve_fd afterwards just closes the fd.
 */
void nbd_server_shutdown(NbdServer *srv);
/* Shuts down if needed, then frees. */
void nbd_server_free(NbdServer *srv);

/* ---- Client ---- */

typedef struct NbdClient NbdClient;

typedef struct NbdClientConfig {
    const SocketAddress *addr;
    const char *export_name;    /* NULL: "" */
    TlsCreds *tls_creds;        /* NULL: plain text */
    const char *tls_hostname;   /* NULL: addr's inet host */
    /* Meta contexts to negotiate besides base:allocation (e.g. qemu:allocation-depth). */
    const char *extra_context;
    bool no_structured_replies; /* simple replies only (the kernel client) */
    bool no_extended_headers;   /* do not ask for 64-bit headers */
} NbdClientConfig;

typedef struct NbdExportInfo {
    char *name;
    char *description;          /* NULL if the server sent none */
    uint64_t size;
    uint16_t flags;             /* NBD_FLAG_* transmission flags */
    uint32_t min_block, pref_block, max_block;   /* 0 when not sent */
    char **contexts;            /* -L: the meta contexts the server offers */
    size_t n_contexts;
} NbdExportInfo;

void nbd_export_info_clear(NbdExportInfo *info);
void nbd_export_info_free_list(NbdExportInfo *list, size_t n);

typedef struct NbdExtent {
    uint64_t length;
    uint64_t flags;             /* base:allocation: NBD_STATE_*; depth for allocation-depth */
} NbdExtent;

/* Connect, handshake (fixed newstyle, GO/INFO with EXPORT_NAME fallback), ready. */
NbdClient *nbd_client_connect(const NbdClientConfig *cfg, Error **errp);
/*
 * Handshake only, on an already connected fd which the caller keeps (the
 * kernel client: cfg->addr unused, TLS not allowed); fills info.
 */
bool nbd_client_negotiate_fd(const NbdClientConfig *cfg, int fd, NbdExportInfo *info,
                             Error **errp);
const NbdExportInfo *nbd_client_info(const NbdClient *c);
bool nbd_client_structured(const NbdClient *c);
bool nbd_client_extended(const NbdClient *c);
/* Whether the context was negotiated (base:allocation, or cfg->extra_context). */
bool nbd_client_has_context(const NbdClient *c, const char *name);

/*
 * Requests: 0 or -errno (the server's error, or -EIO/-ESHUTDOWN once the
 * connection is lost). Lengths above the server's maximum are split. Flags
 * are NBD_CMD_FLAG_*; ones the server did not advertise are emulated or
 * refused with -ENOTSUP.
 */
int nbd_client_read(NbdClient *c, uint64_t offset, uint64_t len, void *buf);
int nbd_client_write(NbdClient *c, uint64_t offset, uint64_t len, const void *buf,
                     uint32_t flags);
int nbd_client_write_zeroes(NbdClient *c, uint64_t offset, uint64_t len, uint32_t flags);
int nbd_client_trim(NbdClient *c, uint64_t offset, uint64_t len, uint32_t flags);
int nbd_client_flush(NbdClient *c);
int nbd_client_cache(NbdClient *c, uint64_t offset, uint64_t len);
/*
 * Extents of [offset, +len) in context name, in order from offset, covering at
 * least one byte (the server may answer for less than len). *ext is g_malloc'd.
 */
int nbd_client_block_status(NbdClient *c, const char *name, uint64_t offset, uint64_t len,
                            NbdExtent **ext, size_t *n);
/* Send NBD_CMD_DISC (when still connected), close and free. */
void nbd_client_close(NbdClient *c);

/*
 * qemu-nbd -L: every export the server lists (NBD_OPT_LIST), each with its
 * details and meta contexts (NBD_OPT_INFO, NBD_OPT_LIST_META_CONTEXT).
 */
bool nbd_client_list(const NbdClientConfig *cfg, NbdExportInfo **list, size_t *n,
                     Error **errp);

#endif
