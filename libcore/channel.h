/*
 * A byte stream over a connected socket, optionally upgraded to TLS. Calls are
 * blocking; one thread may read while another writes (each direction needs its
 * own serialisation by the caller). TLS (libcore/tls.h) is switched on in place
 * after the plain-text part of a protocol (NBD's STARTTLS).
 */
#ifndef LIBCORE_CHANNEL_H
#define LIBCORE_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "libcore/error.h"

typedef struct Channel Channel;

/* Takes ownership of fd (closed by channel_free). */
Channel *channel_new_fd(int fd);
void channel_free(Channel *ch);
int channel_fd(const Channel *ch);
bool channel_is_tls(const Channel *ch);

/*
 * Read up to len bytes: the count, 0 at end of stream, -1 with errp on error.
 * Retries EINTR; never returns a short count of 0 unless the peer closed.
 */
ssize_t channel_read(Channel *ch, void *buf, size_t len, Error **errp);
/*
 * Read exactly len bytes. Returns 1 on success, 0 on a clean end of stream
 * before the first byte, -1 with errp on error or a stream ending mid-way.
 */
int channel_read_all(Channel *ch, void *buf, size_t len, Error **errp);
/* Read and drop len bytes (same returns as channel_read_all). */
int channel_discard(Channel *ch, size_t len, Error **errp);
/* Write everything (MSG_NOSIGNAL: a closed peer is an EPIPE error, not SIGPIPE). */
bool channel_write_all(Channel *ch, const void *buf, size_t len, Error **errp);
bool channel_writev_all(Channel *ch, const struct iovec *iov, int iovcnt, Error **errp);
/* Hint that several writes form one message (TCP_CORK); uncork flushes. */
void channel_cork(Channel *ch, bool on);
/*
 * Stop the stream in both directions from any thread: blocked reads return
 * end of stream / errors. The fd stays open until channel_free.
 */
void channel_shutdown(Channel *ch);

#endif
