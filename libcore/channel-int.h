/*
 * The inside of a Channel, for the transports that plug into it (tls.c): a
 * channel is an fd plus an ops table, and TLS swaps the table in place once
 * the handshake is done.
 */
#ifndef LIBCORE_CHANNEL_INT_H
#define LIBCORE_CHANNEL_INT_H

#include "libcore/channel.h"

typedef struct ChannelOps {
    const char *name;
    bool is_tls;
    /* Up to len bytes; 0 at end of stream; -1 with errp. EINTR handled inside. */
    ssize_t (*read)(Channel *ch, void *buf, size_t len, Error **errp);
    /* Some bytes of iov (> 0), or -1 with errp. */
    ssize_t (*writev)(Channel *ch, const struct iovec *iov, int iovcnt, Error **errp);
    /* Release the transport's state (the fd is closed by the channel). */
    void (*free)(Channel *ch);
} ChannelOps;

/* Replace the transport; opaque is handed back by channel_transport_opaque. */
void channel_set_transport(Channel *ch, const ChannelOps *ops, void *opaque);
void *channel_transport_opaque(const Channel *ch);
const ChannelOps *channel_transport_ops(const Channel *ch);
/* True once channel_shutdown ran (transports report EOF rather than errors). */
bool channel_is_shut_down(const Channel *ch);

/*
 * One system call on the channel's fd for transports layered on it: -1 with
 * errno (EINTR included) on failure. Writes never raise SIGPIPE.
 */
ssize_t channel_sys_read(Channel *ch, void *buf, size_t len);
ssize_t channel_sys_writev(Channel *ch, const struct iovec *iov, int iovcnt);

#endif
