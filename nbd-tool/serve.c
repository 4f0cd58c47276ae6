/*
 * qemu-nbd's server mode: open the image, listen (or take systemd's sockets),
 * export, and run the main loop until a signal or, without -t, until the
 * last client has gone. The loop polls the listening sockets and a wake-up
 * pipe; termination signals are blocked everywhere except inside ppoll, so
 * only the main thread ever sees them and no worker is interrupted.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <glib.h>
#include <glib-unix.h>
#include "libcore/object.h"
#include "libcore/tls.h"
#include "nbd-tool/nbd-tool.h"

typedef struct ToolState {
    const NbdToolOpts *o;
    BlockBackend *blk;
    NbdServer *srv;
    NbdKernel *kernel;
    int *lfds;
    int nlfds;
    int wake[2];                /* [0] polled by the loop, [1] written by threads */
    char *unlink_socket;        /* the Unix socket we created */
    char *pid_path;
    int pid_fd;
} ToolState;

static volatile sig_atomic_t stop_signal;

static void on_term_signal(int sig)
{
    stop_signal = sig;
}

/* Any thread: make the main loop look at the world again. */
static void wake_main_loop(void *opaque)
{
    ToolState *st = opaque;
    char c = 0;
    ssize_t r = write(st->wake[1], &c, 1);
    (void)r;    /* a full pipe already holds a pending wake-up */
}

/* Block the termination signals (threads inherit that) and install handlers. */
static void setup_signals(sigset_t *unblocked)
{
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigaddset(&term, SIGINT);
    sigaddset(&term, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &term, unblocked);
    sigdelset(unblocked, SIGTERM);
    sigdelset(unblocked, SIGINT);
    sigdelset(unblocked, SIGHUP);
    struct sigaction sa = { .sa_handler = on_term_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* ---- pid file ---- */

static bool write_pid_file(ToolState *st, const char *path, Error **errp)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error_setf_errno(errp, errno, "Could not create '%s'", path);
        return false;
    }
    /* A lock held for our lifetime tells a second qemu-nbd the file is ours. */
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        error_setf(errp, "Cannot lock pid file '%s': another process holds it", path);
        close(fd);
        return false;
    }
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || write(fd, buf, (size_t)n) != n) {
        error_setf_errno(errp, errno, "Failed to write pid file '%s'", path);
        close(fd);
        unlink(path);
        return false;
    }
    st->pid_fd = fd;
    /* Remembered absolute: --fork moves us to / before we unlink it. */
    st->pid_path = g_canonicalize_filename(path, NULL);
    return true;
}

/* ---- listening ---- */

/* systemd-style socket activation: LISTEN_PID is us and LISTEN_FDS counts from 3. */
static int activation_fds(int **fds, Error **errp)
{
    const char *pid = getenv("LISTEN_PID");
    const char *nfds = getenv("LISTEN_FDS");
    if (!pid || !nfds) {
        return 0;
    }
    char *end;
    long p = strtol(pid, &end, 10);
    if (*end || p != (long)getpid()) {
        return 0;
    }
    long n = strtol(nfds, &end, 10);
    if (*end || n < 1 || n > 64) {
        error_setf(errp, "Invalid LISTEN_FDS '%s' for socket activation", nfds);
        return -1;
    }
    *fds = g_new(int, n);
    for (long i = 0; i < n; i++) {
        int fd = 3 + (int)i;
        int type = 0;
        socklen_t len = sizeof(type);
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) {
            error_setf(errp, "Socket activation: fd %d is not a stream socket", fd);
            g_free(*fds);
            *fds = NULL;
            return -1;
        }
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        (*fds)[i] = fd;
    }
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    return (int)n;
}

static bool start_listening(ToolState *st, Error **errp)
{
    const NbdToolOpts *o = st->o;
    int n = activation_fds(&st->lfds, errp);
    if (n < 0) {
        return false;
    }
    if (n > 0) {
        if (o->sockpath || o->bind || o->port) {
            error_setf(errp, "--socket, --bind and --port cannot be used with socket "
                       "activation");
            return false;
        }
        st->nlfds = n;
    } else if (o->connect_dev && !o->sockpath && !o->bind && !o->port) {
        return true;            /* the kernel device is the only client */
    } else {
        SocketAddress *addr = nbd_tool_address(o);
        n = socket_listen(addr, SOMAXCONN, &st->lfds, errp);
        socket_address_free(addr);
        if (n < 0) {
            return false;
        }
        st->nlfds = n;
        if (o->sockpath) {
            st->unlink_socket = g_canonicalize_filename(o->sockpath, NULL);
        }
    }
    for (int i = 0; i < st->nlfds; i++) {
        /* A connection may vanish between poll and accept: never block there. */
        fcntl(st->lfds[i], F_SETFL, fcntl(st->lfds[i], F_GETFL) | O_NONBLOCK);
    }
    return true;
}

static void accept_one(ToolState *st, int lfd, bool *had_client)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        if (nbd_verbose() && errno != EAGAIN && errno != EINTR) {
            fprintf(stderr, "qemu-nbd: accept: %s\n", strerror(errno));
        }
        return;
    }
    /* accept4 may hand O_NONBLOCK down on some systems: the server blocks. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    nbd_server_serve_fd(st->srv, fd);
    *had_client = true;
}

/* ---- the loop ---- */

static bool should_exit(ToolState *st, bool had_client)
{
    if (stop_signal) {
        return true;
    }
    if (st->kernel) {
        return nbd_kernel_finished(st->kernel) && !st->o->persistent;
    }
    return !st->o->persistent && had_client && nbd_server_client_count(st->srv) == 0;
}

static void main_loop(ToolState *st, const sigset_t *unblocked)
{
    bool had_client = st->kernel != NULL;
    struct pollfd *pfd = g_new(struct pollfd, st->nlfds + 1);
    while (!should_exit(st, had_client)) {
        unsigned clients = nbd_server_client_count(st->srv);
        /* -e: while full, new connections wait in the listen backlog. */
        bool accepting = st->o->shared == 0 || clients < (unsigned)st->o->shared;
        int n = 0;
        pfd[n++] = (struct pollfd){ .fd = st->wake[0], .events = POLLIN };
        for (int i = 0; accepting && i < st->nlfds; i++) {
            pfd[n++] = (struct pollfd){ .fd = st->lfds[i], .events = POLLIN };
        }
        if (ppoll(pfd, (nfds_t)n, NULL, unblocked) < 0) {
            continue;               /* EINTR: a signal; the loop condition sees it */
        }
        if (pfd[0].revents) {
            char buf[64];
            while (read(st->wake[0], buf, sizeof(buf)) > 0) {
            }
        }
        for (int i = 1; i < n; i++) {
            if (pfd[i].revents & POLLIN) {
                accept_one(st, pfd[i].fd, &had_client);
                break;              /* recount before the next one */
            }
        }
    }
    g_free(pfd);
}

/* ---- set-up and tear-down ---- */

static bool start_server(ToolState *st, Error **errp)
{
    const NbdToolOpts *o = st->o;
    TlsCreds *creds = NULL;
    if (o->tls_creds) {
        creds = tls_creds_lookup(o->tls_creds, TLS_ENDPOINT_SERVER, errp);
        if (!creds) {
            error_prepend(errp, "Failed to get TLS creds: ");
            return false;
        }
    }
    NbdServerConfig scfg = {
        .tls_creds = creds,
        .client_closed = wake_main_loop,
        .opaque = st,
    };
    st->srv = nbd_server_new(&scfg);
    NbdExportConfig ecfg = {
        .name = o->export_name ? o->export_name : "",
        .description = o->description,
        .blk = st->blk,
        .read_only = o->read_only,
        .allocation_depth = o->alloc_depth,
        /* As QEMU 7.2's qemu-nbd: several clients at once means multi-conn. */
        .multi_conn = o->shared != 1,
    };
    return nbd_server_add_export(st->srv, &ecfg, errp);
}

static void tear_down(ToolState *st)
{
    for (int i = 0; i < st->nlfds; i++) {
        close(st->lfds[i]);
    }
    g_free(st->lfds);
    if (st->unlink_socket) {
        unlink(st->unlink_socket);
        g_free(st->unlink_socket);
    }
    if (st->kernel) {
        nbd_kernel_close(st->kernel);
    }
    if (st->srv) {
        /* Answers what is in flight, joins every thread, flushes the export. */
        nbd_server_free(st->srv);
    }
    blk_unref(st->blk);
    if (st->pid_path) {
        unlink(st->pid_path);
        g_free(st->pid_path);
        close(st->pid_fd);
    }
    close(st->wake[0]);
    close(st->wake[1]);
}

int nbd_tool_serve(const NbdToolOpts *o)
{
    ToolState st = { .o = o, .pid_fd = -1 };
    Error *err = NULL;
    sigset_t unblocked;
    int ret = 1;

    if (o->fork) {
        nbd_tool_daemonize(o->verbose);
    }
    setup_signals(&unblocked);
    if (!g_unix_open_pipe(st.wake, FD_CLOEXEC, NULL)) {
        error_report("Could not create a pipe: %s", strerror(errno));
        return 1;
    }
    fcntl(st.wake[0], F_SETFL, O_NONBLOCK);
    fcntl(st.wake[1], F_SETFL, O_NONBLOCK);

    st.blk = nbd_tool_open_image(o, &err);
    if (!st.blk || !start_listening(&st, &err) || !start_server(&st, &err)) {
        goto out;
    }
    if (o->connect_dev) {
        st.kernel = nbd_kernel_connect(o->connect_dev, st.srv, o->export_name,
                                       o->read_only, wake_main_loop, &st, &err);
        if (!st.kernel) {
            goto out;
        }
    }
    if (o->pid_file && !write_pid_file(&st, o->pid_file, &err)) {
        goto out;
    }
    if (o->fork) {
        nbd_tool_daemon_ready();
    }
    main_loop(&st, &unblocked);
    ret = 0;
out:
    if (err) {
        error_report_err(err);
    }
    tear_down(&st);
    user_object_delete_all();
    return ret;
}
