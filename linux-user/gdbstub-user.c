/*
 * The user-mode side of the gdbstub: the listening socket and the one connection,
 * guest memory and breakpoints for the protocol core (libtcg/gdbstub.c), and the
 * hooks the cpu loop, signal delivery and exit call. One debugger, one stopped
 * thread at a time (gdb_lock); other guest threads run on meanwhile.
 */
#include "config.h"
#include "linux-user/gdbstub-user.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "libtcg/gdbstub.h"

#if TARGET_ELF_MACHINE == 243   /* EM_RISCV */
#include "targets/riscv/gdb.h"
static const GdbArch *target_gdb_arch(const CPUArchState *env)
{
    return riscv_gdb_arch_get(env->ext);
}
#else
#error "no gdb register map for this target"
#endif

static GMutex gdb_lock;
static GdbServer *gdb_server;
static int gdb_fd = -1;

/* ------------------------------------------------------------------------
 * The connection
 * ---------------------------------------------------------------------- */

static ssize_t gdb_sock_read(void *opaque, void *buf, size_t len)
{
    (void)opaque;
    for (;;) {
        ssize_t n = read(gdb_fd, buf, len);
        if (n >= 0 || errno != EINTR) {
            return n;
        }
    }
}

static bool gdb_sock_write(void *opaque, const void *buf, size_t len)
{
    const char *p = buf;
    (void)opaque;
    while (len > 0) {
        ssize_t n = send(gdb_fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* A decimal port number 1..65535, or -1 when s is something else (a path). */
static int parse_port(const char *s)
{
    char *end;
    long v;
    if (!*s || strspn(s, "0123456789") != strlen(s)) {
        return -1;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || v < 1 || v > 65535) {
        return 0;
    }
    return (int)v;
}

static int listen_tcp(int port, Error **errp)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setf_errno(errp, errno, "gdbstub: socket");
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        error_setf_errno(errp, errno, "gdbstub: cannot listen on port %d", port);
        close(fd);
        return -1;
    }
    return fd;
}

static int listen_unix(const char *path, Error **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        error_setf(errp, "gdbstub: socket path '%s' is too long", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setf_errno(errp, errno, "gdbstub: socket");
        return -1;
    }
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        error_setf_errno(errp, errno, "gdbstub: cannot listen on '%s'", path);
        close(fd);
        return -1;
    }
    return fd;
}

static int accept_one(int lfd, bool tcp, Error **errp)
{
    int fd;
    do {
        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        error_setf_errno(errp, errno, "gdbstub: accept");
        return -1;
    }
    if (tcp) {
        int one = 1;
        /* Packets are small and answered one by one: do not batch them. */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    return fd;
}

/* ------------------------------------------------------------------------
 * What the protocol core asks of the runtime
 * ---------------------------------------------------------------------- */

static bool gdb_mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    void *host;
    (void)opaque;
    if (!guest_range_valid(addr, len)) {
        return false;
    }
    host = lock_user(VERIFY_READ, addr, len, true);
    if (!host) {
        return false;
    }
    memcpy(buf, host, len);
    unlock_user(host, addr, 0);
    return true;
}

/* Writable guest memory only (lock_user unprotects pages holding code). */
static bool gdb_mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    void *host;
    (void)opaque;
    if (!guest_range_valid(addr, len)) {
        return false;
    }
    host = lock_user(VERIFY_WRITE, addr, len, false);
    if (!host) {
        return false;
    }
    memcpy(host, buf, len);
    unlock_user(host, addr, len);
    return true;
}

static bool gdb_bp_insert(void *opaque, uint64_t addr)
{
    (void)opaque;
    return tcg_exec_breakpoint_insert(user_proc.exec, addr);
}

static bool gdb_bp_remove(void *opaque, uint64_t addr)
{
    (void)opaque;
    return tcg_exec_breakpoint_remove(user_proc.exec, addr);
}

static void gdb_bp_remove_all(void *opaque)
{
    (void)opaque;
    tcg_exec_breakpoint_remove_all(user_proc.exec);
}

static const GdbOps gdb_user_ops = {
    .read = gdb_sock_read,
    .write = gdb_sock_write,
    .mem_read = gdb_mem_read,
    .mem_write = gdb_mem_write,
    .bp_insert = gdb_bp_insert,
    .bp_remove = gdb_bp_remove,
    .bp_remove_all = gdb_bp_remove_all,
};

/* ------------------------------------------------------------------------
 * Stops
 * ---------------------------------------------------------------------- */

/* Called with gdb_lock held and the server gone or going: forget the debugger. */
static void gdb_close_locked(void)
{
    gdb_server_free(gdb_server);
    gdb_server = NULL;
    if (gdb_fd >= 0) {
        close(gdb_fd);
        gdb_fd = -1;
    }
}

static int target_sig_to_gdb(int target_sig)
{
    return gdb_signal_from_host(target_to_host_signal(target_sig));
}

static int gdb_sig_to_target(int gdb_sig)
{
    int host = gdb_signal_to_host(gdb_sig);
    return host ? host_to_target_signal(host) : 0;
}

/*
 * Serve one stop of the calling thread. Returns the target signal to deliver.
 * gdb_lock held.
 */
static int gdb_stop_locked(CPUArchState *env, TCGExecCPU *cpu, int target_sig)
{
    GdbResume r = gdb_server_stopped(gdb_server, env, target_sig_to_gdb(target_sig));
    switch (r.kind) {
    case GDB_RESUME_CONTINUE:
    case GDB_RESUME_STEP:
        if (cpu) {
            tcg_exec_cpu_set_single_step(cpu, r.kind == GDB_RESUME_STEP);
        }
        return gdb_sig_to_target(r.gdb_signal);
    case GDB_RESUME_KILL:
        gdb_close_locked();
        fflush(NULL);
        _exit(0);
    case GDB_RESUME_DETACH:
    case GDB_RESUME_DISCONNECT:
    default:
        tcg_exec_breakpoint_remove_all(user_proc.exec);
        if (cpu) {
            tcg_exec_cpu_set_single_step(cpu, false);
        }
        gdb_close_locked();
        /* A debug stop (breakpoint, step) is not the guest's signal. */
        return target_sig == SIGTRAP ? 0 : target_sig;
    }
}

bool gdb_user_start(const char *port_or_path, Error **errp)
{
    TaskState *ts = task_current();
    int port = parse_port(port_or_path);
    int lfd, fd;

    if (port == 0) {
        error_setf(errp, "gdbstub: invalid port '%s'", port_or_path);
        return false;
    }
    if (!ts || !ts->env || !user_proc.exec) {
        error_setf(errp, "gdbstub: the guest CPU is not set up yet");
        return false;
    }
    lfd = port > 0 ? listen_tcp(port, errp) : listen_unix(port_or_path, errp);
    if (lfd < 0) {
        return false;
    }
    fd = accept_one(lfd, port > 0, errp);
    close(lfd);
    if (port < 0) {
        unlink(port_or_path);
    }
    if (fd < 0) {
        return false;
    }
    g_mutex_lock(&gdb_lock);
    gdb_fd = fd;
    gdb_server = gdb_server_new(target_gdb_arch(ts->env), &gdb_user_ops);
    /* The first stop: gdb asks for it with '?' and gets SIGTRAP at the entry. */
    int sig = gdb_stop_locked(ts->env, ts->cpu, SIGTRAP);
    g_mutex_unlock(&gdb_lock);
    (void)sig;      /* nothing to deliver before the first instruction */
    return true;
}

bool gdb_user_attached(void)
{
    return __atomic_load_n(&gdb_server, __ATOMIC_ACQUIRE) != NULL;
}

int gdb_user_handle_signal(CPUArchState *env, int target_sig)
{
    TaskState *ts = task_current();
    int ret;

    if (!gdb_user_attached()) {
        return target_sig;
    }
    g_mutex_lock(&gdb_lock);
    if (!gdb_server) {
        g_mutex_unlock(&gdb_lock);
        return target_sig;
    }
    ret = gdb_stop_locked(env, ts ? ts->cpu : NULL, target_sig);
    g_mutex_unlock(&gdb_lock);
    return ret;
}

void gdb_user_handle_exit(int code)
{
    if (!gdb_user_attached()) {
        return;
    }
    g_mutex_lock(&gdb_lock);
    if (gdb_server) {
        gdb_server_exited(gdb_server, code);
        gdb_close_locked();
    }
    g_mutex_unlock(&gdb_lock);
}

void gdb_user_handle_killed(int target_sig)
{
    if (!gdb_user_attached()) {
        return;
    }
    g_mutex_lock(&gdb_lock);
    if (gdb_server) {
        gdb_server_killed(gdb_server, target_sig_to_gdb(target_sig));
        gdb_close_locked();
    }
    g_mutex_unlock(&gdb_lock);
}
