/*
 * Internals of the NBD server shared by its files: the export and connection
 * structures, the handshake (server-handshake.c), the transmission phase
 * (server-cmd.c) and the lifecycle (server.c). Also the synchronous entry point
 * the fuzzer uses.
 *
 * Locking: srv->lock guards the export list, the connection list and the
 * shutdown state; conn->lock guards the in-flight accounting; conn->send_lock
 * makes every reply (header + payload) one uninterrupted write.
 */
#ifndef NBD_SERVER_INT_H
#define NBD_SERVER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "libcore/channel.h"
#include "nbd/nbd.h"
#include "nbd/nbd-proto.h"

/* Limits that keep one client from holding a thread or memory for ever. */
#define NBD_SERVER_MAX_OPTIONS      4096          /* options per handshake */
#define NBD_SERVER_MAX_SKIP         (16u << 20)   /* oversized option payload we discard */
#define NBD_SERVER_MAX_INFLIGHT     32            /* requests per connection */
#define NBD_SERVER_MAX_INFLIGHT_BYTES (64u << 20) /* payload buffers per connection */
#define NBD_SERVER_MAX_EXTENTS      16384         /* descriptors per block status chunk */
#define NBD_SERVER_MAX_READ_CHUNKS  1024          /* status lookups per structured read */
#define NBD_SERVER_WORKERS          8             /* worker threads per connection */
#define NBD_SERVER_DRAIN_SECONDS    5             /* graceful wait at shutdown */

/* Metadata context ids handed out by NBD_OPT_SET_META_CONTEXT. */
#define NBD_META_ID_BASE  1
#define NBD_META_ID_DEPTH 2

typedef struct NbdExport {
    char *name;
    char *description;
    BlockBackend *blk;
    bool read_only;
    bool allocation_depth;
    bool multi_conn;
    uint32_t min_block;
    int refcnt;                 /* the server's list + each connection using it */
} NbdExport;

typedef struct NbdConn NbdConn;
typedef struct NbdWorkers NbdWorkers;

struct NbdServer {
    NbdServerConfig cfg;
    pthread_mutex_t lock;
    pthread_cond_t cond;        /* a connection ended / an export was released */
    GPtrArray *exports;         /* NbdExport * */
    GPtrArray *conns;           /* NbdConn * still running */
    GPtrArray *dead;            /* NbdConn * whose thread has finished: join + free */
    bool shutting_down;
    bool shut_down;
    unsigned drain_seconds;     /* NBD_SERVER_DRAIN_SECONDS; tests shorten it */
};

struct NbdConn {
    NbdServer *srv;
    Channel *ch;
    pthread_t thread;
    bool inline_exec;           /* run requests in the reader (fuzzing) */

    /* Negotiated in the handshake. */
    bool no_zeroes;
    bool tls;
    bool structured;
    bool extended;
    NbdExport *exp;             /* referenced; NULL until transmission */
    char *meta_export;          /* export named by the last SET_META_CONTEXT */
    bool meta_base;
    bool meta_depth;

    /*
     * Transmission. Workers belong to the connection, so a client that stops
     * reading its replies only ever blocks its own threads.
     */
    NbdWorkers *workers;        /* started with the first request */
    pthread_mutex_t send_lock;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned inflight;
    uint64_t inflight_bytes;
    bool broken;                /* a send failed: stop reading */
};

/* A parsed request, executed by a worker (or inline). */
typedef struct NbdRequest {
    NbdConn *conn;
    uint16_t flags;
    uint16_t type;
    uint64_t cookie;
    uint64_t offset;
    uint64_t len;
    void *data;                 /* write payload or read buffer */
    uint64_t cost;              /* bytes charged to the connection's budget */
} NbdRequest;

/* -v tracing (no-op unless nbd_set_verbose(true)). */
void nbd_server_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* server.c */
NbdExport *nbd_server_find_export(NbdServer *srv, const char *name, size_t len);
/* Make the named export the connection's (under the lock remove_export takes). */
bool nbd_server_attach_export(NbdConn *conn, const char *name, size_t len);
void nbd_export_unref(NbdServer *srv, NbdExport *exp);
/* Copies of the export names and descriptions (for NBD_OPT_LIST), NULL-terminated. */
char **nbd_server_list_exports(NbdServer *srv, char ***descriptions);
bool nbd_server_is_shutting_down(NbdServer *srv);

/* server-pool.c: worker threads executing requests (nbd_server_execute). */
NbdWorkers *nbd_workers_new(unsigned max);
void nbd_workers_push(NbdWorkers *w, NbdRequest *req);
/* Runs what is queued, then joins every thread. */
void nbd_workers_free(NbdWorkers *w);

/* server-handshake.c: true when transmission may start (conn->exp set). */
bool nbd_server_handshake(NbdConn *conn);
uint16_t nbd_export_tx_flags(const NbdConn *conn, const NbdExport *exp);

/* server-cmd.c: the transmission phase until disconnect; waits for in-flight. */
void nbd_server_transmission(NbdConn *conn);
/* Worker entry: execute, reply, release. */
void nbd_server_execute(NbdRequest *req);

/*
 * Serve one client on the calling thread, executing every request inline
 * (no worker threads). For the fuzzer and tests; fd is taken over.
 */
void nbd_server_serve_fd_sync(NbdServer *srv, int fd);

#endif
