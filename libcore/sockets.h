/*
 * Socket addresses as QEMU's options spell them (inet host/port, unix path,
 * an inherited fd) and the blocking listen/connect/accept calls that servers
 * and clients build on. Every fd returned is close-on-exec.
 */
#ifndef LIBCORE_SOCKETS_H
#define LIBCORE_SOCKETS_H

#include <glib.h>
#include <stdbool.h>
#include "libcore/error.h"
#include "libcore/qobject.h"

typedef enum SocketAddressType {
    SOCKET_ADDRESS_INET,
    SOCKET_ADDRESS_UNIX,
    SOCKET_ADDRESS_FD,
} SocketAddressType;

typedef struct SocketAddress {
    SocketAddressType type;
    char *host;        /* inet: name or literal; "" or NULL = any (listen) */
    char *port;        /* inet: number or service name */
    bool ipv4_only;    /* inet: ipv4=on,ipv6=off */
    bool ipv6_only;
    bool numeric;      /* inet: numeric=on, host is a literal (no DNS) */
    bool keep_alive;   /* inet: keep-alive=on, SO_KEEPALIVE on connect */
    char *path;        /* unix */
    bool abstract;     /* unix: Linux abstract namespace (path without the NUL) */
    int fd;            /* fd: an open socket (connected or listening) */
} SocketAddress;

SocketAddress *socket_address_new_inet(const char *host, const char *port);
SocketAddress *socket_address_new_unix(const char *path);
SocketAddress *socket_address_new_fd(int fd);
SocketAddress *socket_address_copy(const SocketAddress *addr);
void socket_address_free(SocketAddress *addr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SocketAddress, socket_address_free)

/*
 * From the -blockdev style dict: "type" (inet|unix|fd), "host", "port", "path",
 * "str" (fd), "ipv4"/"ipv6", "numeric", "keep-alive", "abstract", "tight". Consumed keys are removed from d; a
 * missing or bad field is an error naming it.
 */
SocketAddress *socket_address_from_qdict(QDict *d, Error **errp);
/* Back to a dict (for json: filenames and query output). */
QDict *socket_address_to_qdict(const SocketAddress *addr);
/* "host:port", "[v6]:port", "unix:PATH", "fd:N" for messages and logs. */
char *socket_address_to_string(const SocketAddress *addr);

/*
 * Listen on addr. inet may resolve to several addresses (IPv4 and IPv6): one fd
 * each, returned in a g_malloc'd array; returns the count (>= 1) or -1 with errp.
 * Unix sockets replace a stale socket file at path. SO_REUSEADDR is set.
 */
int socket_listen(const SocketAddress *addr, int backlog, int **fds, Error **errp);
/*
 * Connect (trying every resolved address in turn); the fd, or -1 with errp.
 * For fd addresses, listen and connect check the descriptor (a stream socket,
 * listening or not as the call needs) and return a close-on-exec duplicate:
 * addr->fd itself stays open and owned by whoever made the address.
 */
int socket_connect(const SocketAddress *addr, Error **errp);
/* Accept one connection (EINTR retried, TCP_NODELAY on inet); -1 with errp. */
int socket_accept(int listen_fd, Error **errp);
/* The local port of a bound inet socket (tests listen on port 0), or -1. */
int socket_local_port(int fd);

#endif
