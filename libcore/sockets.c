/*
 * Socket addresses (inet, unix, inherited fd) in the shapes QEMU's options
 * use, and blocking listen/connect/accept over them. Every descriptor made
 * here is close-on-exec; messages follow QEMU's wording so scripts that grep
 * for "Failed to connect" keep working.
 */
#include "config.h"
#include "libcore/sockets.h"
#include "libcore/cutils.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- construction ---- */

SocketAddress *socket_address_new_inet(const char *host, const char *port)
{
    SocketAddress *a = g_new0(SocketAddress, 1);
    a->type = SOCKET_ADDRESS_INET;
    a->host = g_strdup(host);
    a->port = g_strdup(port);
    a->fd = -1;
    return a;
}

SocketAddress *socket_address_new_unix(const char *path)
{
    SocketAddress *a = g_new0(SocketAddress, 1);
    a->type = SOCKET_ADDRESS_UNIX;
    a->path = g_strdup(path);
    a->fd = -1;
    return a;
}

SocketAddress *socket_address_new_fd(int fd)
{
    SocketAddress *a = g_new0(SocketAddress, 1);
    a->type = SOCKET_ADDRESS_FD;
    a->fd = fd;
    return a;
}

SocketAddress *socket_address_copy(const SocketAddress *addr)
{
    SocketAddress *a = g_memdup2(addr, sizeof(*addr));
    a->host = g_strdup(addr->host);
    a->port = g_strdup(addr->port);
    a->path = g_strdup(addr->path);
    return a;
}

void socket_address_free(SocketAddress *addr)
{
    if (!addr) {
        return;
    }
    g_free(addr->host);
    g_free(addr->port);
    g_free(addr->path);
    g_free(addr);
}

/* ---- dict forms ---- */

static const char *const type_names[] = {
    [SOCKET_ADDRESS_INET] = "inet",
    [SOCKET_ADDRESS_UNIX] = "unix",
    [SOCKET_ADDRESS_FD] = "fd",
};

/*
 * Take key out of d as text. Values come as strings from --image-opts and
 * typed from JSON, so numbers are accepted too. *out is NULL when absent.
 */
static bool take_text(QDict *d, const char *key, char **out, Error **errp)
{
    QObject *v = qdict_get(d, key);
    int64_t i;
    *out = NULL;
    if (!v) {
        return true;
    }
    if (qobject_type(v) == QTYPE_STRING) {
        *out = g_strdup(qstring_get(v));
    } else if (qobject_type(v) == QTYPE_NUM && qnum_get_int(v, &i)) {
        *out = g_strdup_printf("%" G_GINT64_FORMAT, i);
    } else {
        error_setf(errp, "Invalid parameter type for '%s', expected: string", key);
        return false;
    }
    qdict_del(d, key);
    return true;
}

static bool take_required_text(QDict *d, const char *key, char **out, Error **errp)
{
    if (!take_text(d, key, out, errp)) {
        return false;
    }
    if (!*out) {
        error_setf(errp, "Parameter '%s' is missing", key);
        return false;
    }
    return true;
}

static bool take_bool(QDict *d, const char *key, bool *present, bool *out, Error **errp)
{
    QObject *v = qdict_get(d, key);
    *present = v != NULL;
    if (!v) {
        return true;
    }
    if (qobject_type(v) == QTYPE_BOOL) {
        *out = qbool_get(v);
    } else if (qobject_type(v) != QTYPE_STRING) {
        error_setf(errp, "Invalid parameter type for '%s', expected: boolean", key);
        return false;
    } else if (!parse_bool(qstring_get(v), out, NULL)) {
        error_setf(errp, "Parameter '%s' expects 'on' or 'off'", key);
        return false;
    }
    qdict_del(d, key);
    return true;
}

static bool inet_from_qdict(SocketAddress *a, QDict *d, Error **errp)
{
    bool has4, has6, v4 = false, v6 = false, present;
    if (!take_required_text(d, "host", &a->host, errp) ||
        !take_required_text(d, "port", &a->port, errp) ||
        !take_bool(d, "ipv4", &has4, &v4, errp) ||
        !take_bool(d, "ipv6", &has6, &v6, errp) ||
        !take_bool(d, "numeric", &present, &a->numeric, errp) ||
        !take_bool(d, "keep-alive", &present, &a->keep_alive, errp)) {
        return false;
    }
    /* Naming one family "on" (or the other "off") restricts the address. */
    if (!(has4 && v4 && has6 && v6)) {
        a->ipv6_only = (has6 && v6) || (has4 && !v4);
        a->ipv4_only = (has4 && v4) || (has6 && !v6);
    }
    if (a->ipv4_only && a->ipv6_only) {
        error_setf(errp, "'ipv4' and 'ipv6' cannot both be off");
        return false;
    }
    return true;
}

static bool unix_from_qdict(SocketAddress *a, QDict *d, Error **errp)
{
    bool has_abstract, has_tight, tight = true;
    if (!take_required_text(d, "path", &a->path, errp) ||
        !take_bool(d, "abstract", &has_abstract, &a->abstract, errp) ||
        !take_bool(d, "tight", &has_tight, &tight, errp)) {
        return false;
    }
    if (!tight) {
        error_setf(errp, "Parameter 'tight' only supports 'on'");
        return false;
    }
    return true;
}

/* A decimal descriptor number; named fds belong to a monitor we do not have. */
static bool fd_from_qdict(SocketAddress *a, QDict *d, Error **errp)
{
    char *str;
    if (!take_required_text(d, "str", &str, errp)) {
        return false;
    }
    char *end;
    errno = 0;
    long fd = strtol(str, &end, 10);
    bool ok = g_ascii_isdigit(str[0]) && !*end && !errno && fd <= G_MAXINT;
    if (!ok) {
        error_setf(errp, "File descriptor '%s' is not a number", str);
    }
    g_free(str);
    a->fd = ok ? (int)fd : -1;
    return ok;
}

typedef bool (*FromQdictFn)(SocketAddress *a, QDict *d, Error **errp);

static const FromQdictFn from_qdict_ops[] = {
    [SOCKET_ADDRESS_INET] = inet_from_qdict,
    [SOCKET_ADDRESS_UNIX] = unix_from_qdict,
    [SOCKET_ADDRESS_FD] = fd_from_qdict,
};

SocketAddress *socket_address_from_qdict(QDict *d, Error **errp)
{
    char *type;
    if (!take_required_text(d, "type", &type, errp)) {
        return NULL;
    }
    SocketAddress *a = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(type_names); i++) {
        if (!strcmp(type, type_names[i])) {
            a = g_new0(SocketAddress, 1);
            a->type = i;
            a->fd = -1;
        }
    }
    if (!a) {
        error_setf(errp, "Parameter 'type' does not accept value '%s'", type);
        g_free(type);
        return NULL;
    }
    g_free(type);
    if (!from_qdict_ops[a->type](a, d, errp)) {
        socket_address_free(a);
        return NULL;
    }
    return a;
}

QDict *socket_address_to_qdict(const SocketAddress *addr)
{
    QDict *d = qdict_new();
    qdict_put_str(d, "type", type_names[addr->type]);
    switch (addr->type) {
    case SOCKET_ADDRESS_INET:
        qdict_put_str(d, "host", addr->host ? addr->host : "");
        qdict_put_str(d, "port", addr->port ? addr->port : "");
        if (addr->ipv4_only) {
            qdict_put_bool(d, "ipv4", true);
        }
        if (addr->ipv6_only) {
            qdict_put_bool(d, "ipv6", true);
        }
        if (addr->numeric) {
            qdict_put_bool(d, "numeric", true);
        }
        if (addr->keep_alive) {
            qdict_put_bool(d, "keep-alive", true);
        }
        break;
    case SOCKET_ADDRESS_UNIX:
        qdict_put_str(d, "path", addr->path ? addr->path : "");
        if (addr->abstract) {
            qdict_put_bool(d, "abstract", true);
        }
        break;
    case SOCKET_ADDRESS_FD:
        qdict_put(d, "str", qstring_take(g_strdup_printf("%d", addr->fd)));
        break;
    }
    return d;
}

char *socket_address_to_string(const SocketAddress *addr)
{
    const char *host = addr->host ? addr->host : "";
    switch (addr->type) {
    case SOCKET_ADDRESS_INET:
        if (strchr(host, ':')) {
            return g_strdup_printf("[%s]:%s", host, addr->port ? addr->port : "");
        }
        return g_strdup_printf("%s:%s", host, addr->port ? addr->port : "");
    case SOCKET_ADDRESS_UNIX:
        return g_strdup_printf("unix:%s", addr->path ? addr->path : "");
    case SOCKET_ADDRESS_FD:
        return g_strdup_printf("fd:%d", addr->fd);
    }
    return g_strdup("?");
}

/* ---- inet ---- */

static struct addrinfo *inet_resolve(const SocketAddress *addr, bool passive, Error **errp)
{
    struct addrinfo hints = {
        .ai_family = addr->ipv4_only ? AF_INET : addr->ipv6_only ? AF_INET6 : AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = (passive ? AI_PASSIVE : 0) | (addr->numeric ? AI_NUMERICHOST : 0),
    };
    const char *host = addr->host && *addr->host ? addr->host : NULL;
    struct addrinfo *res = NULL;
    if (!addr->port || !*addr->port) {
        error_setf(errp, "Parameter 'port' is missing");
        return NULL;
    }
    /* "[::1]" as users sometimes write it: strip the brackets. */
    g_autofree char *bare = NULL;
    if (host && host[0] == '[' && host[strlen(host) - 1] == ']') {
        bare = g_strndup(host + 1, strlen(host) - 2);
        host = bare;
    }
    int rc = getaddrinfo(host, addr->port, &hints, &res);
    if (rc) {
        error_setf(errp, "address resolution failed for %s:%s: %s",
                   host ? host : "", addr->port,
                   rc == EAI_SYSTEM ? g_strerror(errno) : gai_strerror(rc));
        return NULL;
    }
    return res;
}

static void set_nodelay(int fd)
{
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/* getaddrinfo can list one address twice (a doubled /etc/hosts line). */
static bool addrinfo_seen(const struct addrinfo *first, const struct addrinfo *ai)
{
    for (const struct addrinfo *p = first; p != ai; p = p->ai_next) {
        if (p->ai_addrlen == ai->ai_addrlen && !memcmp(p->ai_addr, ai->ai_addr, ai->ai_addrlen)) {
            return true;
        }
    }
    return false;
}

static void sockaddr_set_port(struct sockaddr *sa, int port)
{
    if (sa->sa_family == AF_INET) {
        ((struct sockaddr_in *)sa)->sin_port = htons(port);
    } else if (sa->sa_family == AF_INET6) {
        ((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
    }
}

/*
 * Bind and listen on one resolved address. Returns the fd, or -1 with errp;
 * *skippable tells that this host simply lacks the address family.
 */
static int inet_listen_one(struct addrinfo *ai, int backlog, bool *skippable, Error **errp)
{
    int on = 1;
    *skippable = false;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        *skippable = errno == EAFNOSUPPORT;
        error_setf_errno(errp, errno, "Failed to create socket");
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    /* v6 sockets only take v6, so "any" can bind 0.0.0.0 and :: side by side. */
    if (ai->ai_family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        *skippable = errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT;
        error_setf_errno(errp, errno, "Failed to bind socket");
        close(fd);
        return -1;
    }
    if (listen(fd, backlog) < 0) {
        error_setf_errno(errp, errno, "Failed to listen on socket");
        close(fd);
        return -1;
    }
    return fd;
}

static void close_fds(GArray *fds)
{
    for (guint i = 0; i < fds->len; i++) {
        close(g_array_index(fds, int, i));
    }
    g_array_free(fds, TRUE);
}

static int inet_listen(const SocketAddress *addr, int backlog, int **fds, Error **errp)
{
    struct addrinfo *res = inet_resolve(addr, true, errp);
    if (!res) {
        return -1;
    }
    GArray *out = g_array_new(FALSE, FALSE, sizeof(int));
    Error *err = NULL;
    bool hard = false;
    int port = 0;
    for (struct addrinfo *ai = res; ai && !hard; ai = ai->ai_next) {
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) || addrinfo_seen(res, ai)) {
            continue;
        }
        /* Port 0: every family shares the port the first bind picked. */
        if (port > 0) {
            sockaddr_set_port(ai->ai_addr, port);
        }
        bool skippable;
        Error *one = NULL;
        int fd = inet_listen_one(ai, backlog, &skippable, &one);
        if (fd >= 0) {
            g_array_append_val(out, fd);
            port = socket_local_port(fd);
            continue;
        }
        /* A missing family is fine; anything else (port in use) fails the call. */
        hard = !skippable;
        if (hard || !err) {
            error_free(err);
            err = one;
        } else {
            error_free(one);
        }
    }
    freeaddrinfo(res);
    if (hard || out->len == 0) {
        close_fds(out);
        if (!err) {
            error_setf(&err, "No usable address to listen on");
        }
        error_propagate(errp, err);
        return -1;
    }
    error_free(err);
    int n = out->len;
    *fds = (int *)(void *)g_array_free(out, FALSE);
    return n;
}

/* ---- unix ---- */

static bool unix_sockaddr(const SocketAddress *addr, struct sockaddr_un *un, socklen_t *len,
                          Error **errp)
{
    const char *path = addr->path ? addr->path : "";
    size_t n = strlen(path);
    memset(un, 0, sizeof(*un));
    un->sun_family = AF_UNIX;
    if (!n) {
        error_setf(errp, "UNIX socket path must not be empty");
        return false;
    }
    /* A regular path needs room for its NUL; an abstract one for the leading NUL. */
    if (n >= sizeof(un->sun_path)) {
        error_setf(errp, "UNIX socket path '%s' is too long", path);
        return false;
    }
    if (addr->abstract) {
        memcpy(un->sun_path + 1, path, n);
        *len = offsetof(struct sockaddr_un, sun_path) + 1 + n;
    } else {
        memcpy(un->sun_path, path, n);
        *len = offsetof(struct sockaddr_un, sun_path) + n + 1;
    }
    return true;
}

static int unix_listen(const SocketAddress *addr, int backlog, int **fds, Error **errp)
{
    struct sockaddr_un un;
    socklen_t len;
    struct stat st;
    if (!unix_sockaddr(addr, &un, &len, errp)) {
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setf_errno(errp, errno, "Failed to create Unix socket");
        return -1;
    }
    /* A socket file left by an earlier run; never remove anything else. */
    if (!addr->abstract && lstat(addr->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(addr->path);
    }
    if (bind(fd, (struct sockaddr *)&un, len) < 0) {
        error_setf_errno(errp, errno, "Failed to bind socket to %s", addr->path);
        close(fd);
        return -1;
    }
    if (listen(fd, backlog) < 0) {
        error_setf_errno(errp, errno, "Failed to listen on socket");
        close(fd);
        return -1;
    }
    *fds = g_new(int, 1);
    (*fds)[0] = fd;
    return 1;
}

/* Connect, finishing a connect that a signal interrupted. 0 or an errno. */
static int connect_fd(int fd, const struct sockaddr *sa, socklen_t len)
{
    if (connect(fd, sa, len) == 0) {
        return 0;
    }
    if (errno != EINTR && errno != EINPROGRESS) {
        return errno;
    }
    struct pollfd pfd = { .fd = fd, .events = POLLOUT };
    int rc;
    do {
        rc = poll(&pfd, 1, -1);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        return errno;
    }
    int err = 0;
    socklen_t elen = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) {
        return errno;
    }
    return err;
}

static int unix_connect(const SocketAddress *addr, Error **errp)
{
    struct sockaddr_un un;
    socklen_t len;
    if (!unix_sockaddr(addr, &un, &len, errp)) {
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setf_errno(errp, errno, "Failed to create Unix socket");
        return -1;
    }
    int err = connect_fd(fd, (struct sockaddr *)&un, len);
    if (err) {
        error_setf_errno(errp, err, "Failed to connect to '%s'", addr->path);
        close(fd);
        return -1;
    }
    return fd;
}

static int inet_connect(const SocketAddress *addr, Error **errp)
{
    struct addrinfo *res = inet_resolve(addr, false, errp);
    if (!res) {
        return -1;
    }
    int fd = -1, err = ENOENT;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        err = connect_fd(fd, ai->ai_addr, ai->ai_addrlen);
        if (err) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        g_autofree char *name = socket_address_to_string(addr);
        error_setf_errno(errp, err, "Failed to connect to '%s'", name);
        return -1;
    }
    set_nodelay(fd);
    if (addr->keep_alive) {
        int on = 1;
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
    }
    return fd;
}

/* ---- inherited descriptors ---- */

/*
 * A duplicate of the address's fd after checking it is a stream socket (and,
 * for listen, a listening one): the address keeps its own descriptor.
 */
static int fd_socket_dup(const SocketAddress *addr, bool listening, Error **errp)
{
    int type, acc;
    socklen_t len = sizeof(type);
    if (addr->fd < 0 || fcntl(addr->fd, F_GETFD) < 0) {
        error_setf(errp, "File descriptor %d is not open", addr->fd);
        return -1;
    }
    if (getsockopt(addr->fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
        error_setf(errp, "File descriptor %d is not a socket", addr->fd);
        return -1;
    }
    if (type != SOCK_STREAM) {
        error_setf(errp, "File descriptor %d is not a stream socket", addr->fd);
        return -1;
    }
    len = sizeof(acc);
    if (getsockopt(addr->fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) == 0 &&
        !!acc != listening) {
        error_setf(errp, "File descriptor %d is %s", addr->fd,
                   listening ? "not a listening socket" : "a listening socket");
        return -1;
    }
    int fd = fcntl(addr->fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) {
        error_setf_errno(errp, errno, "Failed to duplicate file descriptor %d", addr->fd);
    }
    return fd;
}

static int fd_listen(const SocketAddress *addr, int backlog, int **fds, Error **errp)
{
    int fd = fd_socket_dup(addr, true, errp);
    if (fd < 0) {
        return -1;
    }
    *fds = g_new(int, 1);
    (*fds)[0] = fd;
    return 1;
}

static int fd_connect(const SocketAddress *addr, Error **errp)
{
    return fd_socket_dup(addr, false, errp);
}

/* ---- dispatch ---- */

typedef struct SocketOps {
    int (*listen)(const SocketAddress *addr, int backlog, int **fds, Error **errp);
    int (*connect)(const SocketAddress *addr, Error **errp);
} SocketOps;

static const SocketOps socket_ops[] = {
    [SOCKET_ADDRESS_INET] = { inet_listen, inet_connect },
    [SOCKET_ADDRESS_UNIX] = { unix_listen, unix_connect },
    [SOCKET_ADDRESS_FD] = { fd_listen, fd_connect },
};

int socket_listen(const SocketAddress *addr, int backlog, int **fds, Error **errp)
{
    *fds = NULL;
    return socket_ops[addr->type].listen(addr, backlog > 0 ? backlog : 1, fds, errp);
}

int socket_connect(const SocketAddress *addr, Error **errp)
{
    return socket_ops[addr->type].connect(addr, errp);
}

int socket_accept(int listen_fd, Error **errp)
{
    struct sockaddr_storage ss;
    for (;;) {
        socklen_t len = sizeof(ss);
        int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
        if (fd >= 0) {
            if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
                set_nodelay(fd);
            }
            return fd;
        }
        /* A client that gave up before we accepted it is not our error. */
        if (errno != EINTR && errno != ECONNABORTED) {
            error_setf_errno(errp, errno, "Failed to accept connection");
            return -1;
        }
    }
}

int socket_local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        return -1;
    }
    if (ss.ss_family == AF_INET) {
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    if (ss.ss_family == AF_INET6) {
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return -1;
}
