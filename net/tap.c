/*
 * -netdev tap: frames to and from a Linux TAP interface, which the host
 * bridges or routes as it likes. The interface is made through /dev/net/tun
 * (or passed in with fd=), and the configuration scripts QEMU users rely on
 * (script=, downscript=, default /etc/qemu-ifup and /etc/qemu-ifdown) run
 * with the interface name as their argument.
 */
#include "config.h"
#include "net/net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libcore/main-loop.h"

#define DEFAULT_SCRIPT "/etc/qemu-ifup"
#define DEFAULT_DOWNSCRIPT "/etc/qemu-ifdown"

typedef struct NetTap {
    NetClient *nc;
    int fd;
    bool owns_fd;
    char ifname[IFNAMSIZ];
    char *downscript;           /* NULL: none */
    guint watch;
    GMutex watch_lock;
    bool reading;
    uint8_t *buf;
} NetTap;

/* Run script with the interface name; false with an error if it fails. */
static bool run_script(const char *script, const char *ifname, Error **errp)
{
    int status;
    pid_t pid = fork();

    if (pid < 0) {
        error_setf_errno(errp, errno, "netdev tap: cannot run %s", script);
        return false;
    }
    if (pid == 0) {
        execl(script, script, ifname, (char *)NULL);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            error_setf_errno(errp, errno, "netdev tap: waiting for %s", script);
            return false;
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        error_setf(errp, "netdev tap: network script %s failed with status %d", script,
                   WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return false;
    }
    return true;
}

static bool tap_readable(void *opaque, int fd, GIOCondition cond)
{
    NetTap *t = opaque;
    ssize_t n = read(fd, t->buf, NET_FRAME_MAX);

    if (n > 0) {
        net_send(t->nc, t->buf, (size_t)n);
    }
    return true;
}

static void tap_read_poll(NetClient *nc, bool enable)
{
    NetTap *t = nc->opaque;

    g_mutex_lock(&t->watch_lock);
    t->reading = enable;
    if (enable && !t->watch) {
        t->watch = main_loop_add_fd(nc->ctx, t->fd, G_IO_IN, tap_readable, t);
    } else if (!enable && t->watch) {
        main_loop_remove(nc->ctx, t->watch);
        t->watch = 0;
    }
    g_mutex_unlock(&t->watch_lock);
}

static ssize_t tap_receive(NetClient *nc, const struct iovec *iov, int iovcnt)
{
    NetTap *t = nc->opaque;
    size_t size = 0;

    for (int i = 0; i < iovcnt; i++) {
        size += iov[i].iov_len;
    }
    /* One writev is one frame; a full interface queue drops it, as a wire would. */
    while (writev(t->fd, iov, iovcnt) < 0 && errno == EINTR) {
    }
    return (ssize_t)size;
}

static void tap_cleanup(NetClient *nc)
{
    NetTap *t = nc->opaque;

    tap_read_poll(nc, false);
    if (t->downscript && t->ifname[0]) {
        Error *err = NULL;
        if (!run_script(t->downscript, t->ifname, &err)) {
            error_report_err(err);
        }
    }
    if (t->owns_fd && t->fd >= 0) {
        close(t->fd);
    }
    g_mutex_clear(&t->watch_lock);
    g_free(t->downscript);
    g_free(t->buf);
    g_free(t);
}

static const NetClientOps tap_ops = {
    .type = "tap",
    .receive = tap_receive,
    .read_poll = tap_read_poll,
    .cleanup = tap_cleanup,
};

static int open_tap(const char *ifname, char *actual, Error **errp)
{
    struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        error_setf_errno(errp, errno, "could not open /dev/net/tun");
        return -1;
    }
    if (ifname) {
        g_strlcpy(ifr.ifr_name, ifname, IFNAMSIZ);
    }
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        error_setf_errno(errp, errno, "could not configure /dev/net/tun (%s)",
                         ifname ? ifname : "a new tap interface");
        close(fd);
        return -1;
    }
    g_strlcpy(actual, ifr.ifr_name, IFNAMSIZ);
    return fd;
}

/* fd=N: an open TAP descriptor handed over by whoever started us (libvirt). */
static int adopt_fd(const char *str, char *actual, Error **errp)
{
    char *end;
    long fd = strtol(str, &end, 10);
    struct ifreq ifr = { 0 };

    if (*end || end == str || fd < 0 || fd > INT32_MAX || fcntl((int)fd, F_GETFD) < 0) {
        error_setf(errp, "Parameter 'fd' expects an open file descriptor");
        return -1;
    }
    if (ioctl((int)fd, TUNGETIFF, &ifr) < 0 || !(ifr.ifr_flags & IFF_TAP)) {
        error_setf(errp, "netdev tap: fd=%ld is not a TAP device", fd);
        return -1;
    }
    if (ifr.ifr_flags & IFF_VNET_HDR) {
        error_setf(errp, "netdev tap: fd=%ld has vnet headers, which are not supported", fd);
        return -1;
    }
    g_strlcpy(actual, ifr.ifr_name, IFNAMSIZ);
    return (int)fd;
}

/* script=/downscript= values: "no" or "" for none, default path, or a file. */
static const char *script_path(const QDict *opts, const char *key, const char *def)
{
    const char *v = qdict_get_str(opts, key);

    if (!v) {
        return def;
    }
    return !strcmp(v, "no") || !*v ? NULL : v;
}

static bool refuse_unsupported(const QDict *opts, Error **errp)
{
    static const struct { const char *key, *allowed; } fixed[] = {
        { "vhost", "off" }, { "vnet_hdr", "off" }, { "queues", "1" },
    };
    static const char *const refused[] = { "helper", "br", "fds", "vhostfd", "vhostfds",
                                           "vhostforce", "sndbuf", "poll-us" };

    for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++) {
        const char *v = qdict_get_str(opts, fixed[i].key);
        if (v && strcmp(v, fixed[i].allowed)) {
            error_setf(errp, "netdev tap: %s=%s is not supported (only %s)", fixed[i].key, v,
                       fixed[i].allowed);
            return false;
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        if (qdict_haskey(opts, refused[i])) {
            error_setf(errp, "netdev tap: '%s' is not supported", refused[i]);
            return false;
        }
    }
    return true;
}

NetClient *net_tap_new(const char *id, const QDict *opts, GMainContext *ctx, Error **errp)
{
    static const char *const keys[] = { "ifname", "fd", "script", "downscript", "vhost",
                                        "vnet_hdr", "queues", "helper", "br", "fds", "vhostfd",
                                        "vhostfds", "vhostforce", "sndbuf", "poll-us", NULL };
    const char *fdstr = qdict_get_str(opts, "fd");
    const char *script, *downscript;
    char ifname[IFNAMSIZ] = "";
    int fd;

    if (!net_check_keys(opts, keys, NULL, "tap", errp) || !refuse_unsupported(opts, errp)) {
        return NULL;
    }
    if (fdstr && (qdict_haskey(opts, "ifname") || qdict_haskey(opts, "script") ||
                  qdict_haskey(opts, "downscript"))) {
        error_setf(errp, "ifname=, script= and downscript= cannot go with fd=");
        return NULL;
    }
    script = fdstr ? NULL : script_path(opts, "script", DEFAULT_SCRIPT);
    downscript = fdstr ? NULL : script_path(opts, "downscript", DEFAULT_DOWNSCRIPT);
    fd = fdstr ? adopt_fd(fdstr, ifname, errp) : open_tap(qdict_get_str(opts, "ifname"), ifname,
                                                         errp);
    if (fd < 0) {
        return NULL;
    }
    if (script && !run_script(script, ifname, errp)) {
        if (!fdstr) {
            close(fd);
        }
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    NetTap *t = g_new0(NetTap, 1);
    t->fd = fd;
    t->owns_fd = true;
    g_strlcpy(t->ifname, ifname, sizeof(t->ifname));
    t->downscript = g_strdup(downscript);
    t->buf = g_malloc(NET_FRAME_MAX);
    g_mutex_init(&t->watch_lock);
    t->nc = net_client_new(&tap_ops, id, true, t, ctx);
    net_client_set_info(t->nc, "index=0,type=tap,ifname=%s,script=%s,downscript=%s", ifname,
                        script ? script : "no", downscript ? downscript : "no");
    tap_read_poll(t->nc, true);
    return t->nc;
}
