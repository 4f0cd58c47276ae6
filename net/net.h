/*
 * Guest networking: network clients joined in pairs. A front end (a NIC
 * such as virtio-net) is the peer of a back end (-netdev user, tap, socket);
 * an Ethernet frame one of them sends is handed to the other's receive
 * callback. Back ends read their host side from the main loop; when the front
 * end cannot take a frame, it waits in a short per-client queue and the back
 * end stops reading until the front end says it has room again.
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "libcore/error.h"
#include "libcore/qobject.h"

/* Frames larger than this are dropped (a jumbo frame plus a virtio-net header). */
#define NET_FRAME_MAX (65536 + 64)
/* Frames held for a front end that cannot receive, before the oldest are dropped. */
#define NET_QUEUE_MAX 256

typedef struct NetClient NetClient;

typedef struct NetClientOps {
    const char *type;               /* "user", "socket", "tap", "nic" */
    /* Take one frame; returns its length, 0 to have it queued (no room), <0 drop. */
    ssize_t (*receive)(NetClient *nc, const struct iovec *iov, int iovcnt);
    /* Optional: whether receive would take a frame now. */
    bool (*can_receive)(NetClient *nc);
    /* Optional, back ends: start (true) or stop reading the host side. */
    void (*read_poll)(NetClient *nc, bool enable);
    /* Optional: release what the client owns (the NetClient itself is freed by net/). */
    void (*cleanup)(NetClient *nc);
} NetClientOps;

struct NetClient {
    const NetClientOps *ops;
    char *name;                     /* the -netdev id, or the NIC's id */
    char *info;                     /* one line for "info network" */
    NetClient *peer;
    GMainContext *ctx;              /* where the back end's watches run */
    GQueue queue;                   /* frames waiting for this client (GBytes) */
    GMutex lock;                    /* queue and sends from vCPU threads */
    bool is_netdev;                 /* a back end, listed by query/info */
    void *opaque;                   /* the implementation's state */
};

/* A client of the given ops; name must be unique among back ends (NULL for NICs). */
NetClient *net_client_new(const NetClientOps *ops, const char *name, bool is_netdev,
                          void *opaque, GMainContext *ctx);
/* Unlink from the peer, drop queued frames, call cleanup and free. */
void net_client_free(NetClient *nc);
void net_client_set_info(NetClient *nc, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
NetClient *net_client_find(const char *name);
/* Join a front end to a back end; false if either already has a peer. */
bool net_client_link(NetClient *a, NetClient *b, Error **errp);

/*
 * Send a frame from nc to its peer: delivered now, or queued for the peer
 * (and nc's reading stopped) when the peer has no room, or dropped when there
 * is no peer or the queue is full. Returns the frame length, or 0 if queued.
 */
ssize_t net_send(NetClient *nc, const void *buf, size_t len);
ssize_t net_sendv(NetClient *nc, const struct iovec *iov, int iovcnt);
/* A front end got room: deliver what waits for it and let its peer read again. */
void net_client_flush(NetClient *nc);

/*
 * -netdev TYPE,id=ID,...: create a back end from its option string (QEMU's
 * syntax), or from an already parsed dict. Every key must be known to the
 * type; "help" lists the types.
 */
NetClient *netdev_add_str(const char *optstr, GMainContext *ctx, Error **errp);
NetClient *netdev_add(const QDict *opts, GMainContext *ctx, Error **errp);
bool netdev_del(const char *id, Error **errp);
/* Every back end, oldest first. g_free the array, not the clients. */
NetClient **netdev_list(size_t *count);
/* "info network" text for every back end and its peer. */
char *net_info_text(void);

/* Back end constructors (net/socket.c, net/tap.c; net/slirp.c outside libcore). */
typedef NetClient *NetdevNew(const char *id, const QDict *opts, GMainContext *ctx,
                             Error **errp);
NetClient *net_socket_new(const char *id, const QDict *opts, GMainContext *ctx, Error **errp);
NetClient *net_tap_new(const char *id, const QDict *opts, GMainContext *ctx, Error **errp);
/*
 * Add a back end type to -netdev. The user back end lives in its own library
 * (net/libnet-user.la, which links libslirp) so that libcore does not depend on
 * libslirp (the statically linked user-mode emulators could not link it):
 * programs that offer it call net_user_register() at start.
 */
void netdev_register_type(const char *type, NetdevNew *create);
void net_user_register(void);

/*
 * Internal helpers for back ends: the keys of opts must all be in allowed;
 * those in repeatable (NULL-terminated, or NULL) may come as key.N too.
 */
bool net_check_keys(const QDict *opts, const char *const *allowed,
                    const char *const *repeatable, const char *type, Error **errp);
/*
 * Split a stream of length-prefixed frames (4-byte big-endian length, then
 * the frame): call frame() for each whole one and return how many bytes they
 * took; the rest is an incomplete frame. -1: a length over NET_FRAME_MAX.
 */
ssize_t net_stream_frames(const uint8_t *buf, size_t have,
                          void (*frame)(void *opaque, const uint8_t *data, size_t len),
                          void *opaque);
/* "host:port" or ":port" (host NULL); false with an error naming what. */
bool net_parse_host_port(const char *str, char **host, char **port, const char *what,
                         Error **errp);

#endif
