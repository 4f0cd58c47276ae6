/*
 * Internals of the NBD client shared by its files: the negotiated session
 * (client-handshake.c fills it) and the connection the transmission code
 * (client.c) runs on top of it.
 */
#ifndef NBD_CLIENT_INT_H
#define NBD_CLIENT_INT_H

#include <glib.h>
#include <pthread.h>
#include "libcore/channel.h"
#include "nbd/nbd-proto.h"
#include "nbd/nbd.h"

/* Reads and writes never carry more than this in one request. */
#define NBD_CLIENT_MAX_PAYLOAD NBD_MAX_BUFFER_SIZE
/* Zero/trim/cache requests are split at this effect length. */
#define NBD_CLIENT_MAX_EFFECT (1ULL << 30)
/* Requests in flight per connection before submitters wait. */
#define NBD_CLIENT_MAX_IN_FLIGHT 64

typedef struct NbdContext {
    uint32_t id;
    char *name;
} NbdContext;

/* What the handshake established. */
typedef struct NbdSession {
    Channel *ch;
    bool fixed;                 /* fixed newstyle: options may fail and go on */
    bool no_zeroes;             /* both sides agreed on NO_ZEROES */
    bool structured;
    bool extended;              /* implies structured */
    NbdContext ctx[NBD_MAX_META_CONTEXTS];
    size_t n_ctx;
    NbdExportInfo info;
} NbdSession;

/*
 * Greeting, STARTTLS, then the option haggling that ends in transmission
 * (GO, or EXPORT_NAME as the fallback). s->ch must be set; on failure the
 * channel is left for the caller to free.
 */
bool nbd_session_handshake(NbdSession *s, const NbdClientConfig *cfg, Error **errp);
/* Frees what the session owns except the channel. */
void nbd_session_clear(NbdSession *s);

/* Greeting plus STARTTLS (client-handshake.c): NBD_GREET_* or -1. */
enum { NBD_GREET_FIXED, NBD_GREET_NEWSTYLE, NBD_GREET_OLDSTYLE };
int nbd_session_open(NbdSession *s, const NbdClientConfig *cfg, Error **errp);

/* ---- option exchange (client-option.c) ---- */

/* One option reply, payload NUL-terminated for convenience. */
typedef struct NbdOptReply {
    uint32_t type;
    uint32_t len;
    uint8_t *data;
} NbdOptReply;

void nbd_opt_reply_clear(NbdOptReply *r);
const char *nbd_cfg_export(const NbdClientConfig *cfg);       /* "" when NULL */
/* Exact reads and writes with errors that say what was being exchanged. */
bool nbd_session_read(NbdSession *s, void *buf, size_t len, const char *what, Error **errp);
bool nbd_session_write(NbdSession *s, const void *buf, size_t len, Error **errp);
bool nbd_opt_send(NbdSession *s, uint32_t opt, const void *data, uint32_t len, Error **errp);
/* Payload builders: u32 name length + name, then big-endian integers. */
GByteArray *nbd_opt_name_payload(const char *name);
void nbd_opt_append16(GByteArray *b, uint16_t v);
void nbd_opt_append32(GByteArray *b, uint32_t v);
/* Read the reply to opt (checked, at most NBD_MAX_OPTION_SIZE bytes). */
bool nbd_opt_recv(NbdSession *s, uint32_t opt, NbdOptReply *r, Error **errp);
/* The error for a refusal, including the server's message. */
void nbd_opt_error(const NbdOptReply *r, uint32_t opt, Error **errp);
/*
 * An option without payload answered by a bare ACK: 1 on ACK, 0 when refused
 * (*refusal = the error type), -1 when the exchange broke (errp set).
 */
int nbd_opt_simple(NbdSession *s, uint32_t opt, uint32_t *refusal, Error **errp);
/*
 * NBD_OPT_INFO or NBD_OPT_GO for name, asking for block sizes (and name and
 * description with want_names): 1 accepted (info filled), 0 refused (*refusal
 * and errp set), -1 broken exchange.
 */
int nbd_opt_info(NbdSession *s, uint32_t opt, const char *name, bool want_names,
                 NbdExportInfo *info, uint32_t *refusal, Error **errp);

/* ---- transmission (client.c sends, client-recv.c receives) ---- */

typedef struct NbdReq {
    uint64_t cookie;
    uint16_t type;
    uint16_t flags;
    uint64_t offset, len;
    uint8_t *buf;               /* READ: the destination */
    const char *ctx_name;       /* BLOCK_STATUS: the context the caller wants */
    uint32_t ctx_seen;          /* BLOCK_STATUS: bit per negotiated context answered */
    NbdExtent *ext;
    size_t n_ext;
    GTree *covered;             /* READ: start -> end of content chunks seen */
    uint64_t covered_bytes;
    int ret;                    /* first error, 0 while none */
    bool done;
    pthread_cond_t cond;
} NbdReq;

struct NbdClient {
    NbdSession s;
    uint32_t align;             /* request alignment (min_block or 1) */
    uint64_t max_payload;       /* READ/WRITE split size */
    pthread_mutex_t send_lock;
    pthread_mutex_t lock;       /* everything below */
    pthread_cond_t slots;       /* signalled when in_flight drops */
    GHashTable *pending;        /* cookie -> NbdReq */
    uint64_t next_cookie;
    unsigned in_flight;
    bool dead;
    pthread_t reader;
    bool reader_started;
};

/*
 * nbd_client_connect on a channel the caller made (taken over, freed on
 * failure too); cfg->addr only serves as the TLS host name. For tests and
 * the fuzz target, which plug their own transport into the channel.
 */
NbdClient *nbd_client_new_channel(Channel *ch, const NbdClientConfig *cfg, Error **errp);

/* The reader thread's body (client-recv.c); the argument is the NbdClient. */
void *nbd_client_reader(void *opaque);

/* Trace to stderr when verbose (client side). */
void nbd_client_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copy of a server's string with anything unprintable replaced by '?'. */
char *nbd_client_sanitize(const uint8_t *data, size_t len);

#endif
