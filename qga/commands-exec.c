/*
 * guest-exec and guest-exec-status: run a program, feed it stdin, collect
 * its output on the main loop, report and reap it once it has finished.
 */
#include "config.h"
#include "qga/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define GUEST_EXEC_MAX_OUTPUT (16 * 1024 * 1024)
#define GUEST_EXEC_READ_CHUNK 4096

typedef struct ExecPipe {
    int fd;                 /* -1 once closed */
    guint watch;
    GByteArray *data;       /* output collected, or input still to write */
    size_t written;         /* stdin: bytes already written */
    bool truncated;
} ExecPipe;

typedef struct ExecInfo {
    GPid pid;
    int status;
    bool exited;
    bool capture_out, capture_err;
    ExecPipe in, out, err;
} ExecInfo;

static GHashTable *execs;   /* pid -> ExecInfo * */

static void pipe_close(ExecPipe *p)
{
    if (p->watch) {
        g_source_remove(p->watch);
        p->watch = 0;
    }
    if (p->fd >= 0) {
        close(p->fd);
        p->fd = -1;
    }
}

static void exec_info_free(gpointer data)
{
    ExecInfo *e = data;
    pipe_close(&e->in);
    pipe_close(&e->out);
    pipe_close(&e->err);
    for (ExecPipe *p = &e->in; p <= &e->err; p++) {
        if (p->data) {
            g_byte_array_free(p->data, TRUE);
        }
    }
    g_free(e);
}

static gboolean output_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    ExecPipe *p = opaque;
    guint8 buf[GUEST_EXEC_READ_CHUNK];
    ssize_t r = read(fd, buf, sizeof(buf));
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
        return G_SOURCE_CONTINUE;
    }
    if (r <= 0) {
        p->watch = 0;
        close(p->fd);
        p->fd = -1;
        return G_SOURCE_REMOVE;
    }
    size_t room = GUEST_EXEC_MAX_OUTPUT - p->data->len;
    if ((size_t)r > room) {
        p->truncated = true;  /* keep draining so the child never blocks */
        r = room;
    }
    g_byte_array_append(p->data, buf, r);
    return G_SOURCE_CONTINUE;
}

static gboolean input_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    ExecPipe *p = opaque;
    size_t left = p->data->len - p->written;
    ssize_t w = left ? write(fd, p->data->data + p->written, left) : 0;
    if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
        return G_SOURCE_CONTINUE;
    }
    if (w > 0) {
        p->written += w;
        if (p->written < p->data->len) {
            return G_SOURCE_CONTINUE;
        }
    }
    /* All written, or the child closed its stdin: send EOF. */
    p->watch = 0;
    close(p->fd);
    p->fd = -1;
    return G_SOURCE_REMOVE;
}

static void child_exited(GPid pid, gint status, gpointer opaque)
{
    ExecInfo *e = opaque;
    e->status = status;
    e->exited = true;
    g_spawn_close_pid(pid);
    /* Nobody reads the child's stdin any more. */
    pipe_close(&e->in);
}

static void pipe_watch(ExecPipe *p, int fd, bool output)
{
    p->fd = fd;
    p->data = g_byte_array_new();
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    p->watch = g_unix_fd_add(fd, output ? G_IO_IN | G_IO_HUP | G_IO_ERR : G_IO_OUT | G_IO_ERR,
                             output ? output_ready : input_ready, p);
}

/* capture-output: a bool (both streams) or a GuestExecCaptureOutputMode name. */
static bool parse_capture(const QObject *v, bool *out, bool *err, bool *merged, Error **errp)
{
    static const struct {
        const char *name;
        bool out, err, merged;
    } modes[] = {
        { "none", false, false, false }, { "stdout", true, false, false },
        { "stderr", false, true, false }, { "separated", true, true, false },
        { "merged", true, false, true },
    };
    *out = *err = *merged = false;
    if (!v) {
        return true;
    }
    if (qobject_type(v) == QTYPE_BOOL) {
        *out = *err = qbool_get(v);
        return true;
    }
    if (qobject_type(v) == QTYPE_STRING) {
        for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
            if (!strcmp(qstring_get(v), modes[i].name)) {
                *out = modes[i].out;
                *err = modes[i].err;
                *merged = modes[i].merged;
                return true;
            }
        }
        error_setf(errp, "Parameter 'capture-output' does not accept value '%s'",
                   qstring_get(v));
        return false;
    }
    error_setf(errp, "Invalid parameter type for 'capture-output', expected: "
               "GuestExecCaptureOutput");
    return false;
}

static char **strv_from_list(const QList *list, const char *first)
{
    size_t n = list ? qlist_size(list) : 0, k = 0;
    char **v = g_new0(char *, n + 2);
    if (first) {
        v[k++] = g_strdup(first);
    }
    for (size_t i = 0; i < n; i++) {
        v[k++] = g_strdup(qstring_get(qlist_get(list, i)));
    }
    return v;
}

static void merge_stderr(gpointer data)
{
    dup2(STDOUT_FILENO, STDERR_FILENO);
}

static void cmd_exec(QDict *args, QObject **ret, Error **errp)
{
    bool cap_out, cap_err, merged;
    if (!parse_capture(qdict_get(args, "capture-output"), &cap_out, &cap_err, &merged, errp)) {
        return;
    }
    guchar *input = NULL;
    size_t input_len = 0;
    if (qdict_haskey(args, "input-data") &&
        !(input = ga_arg_base64(args, "input-data", &input_len, errp))) {
        return;
    }
    char **argv = strv_from_list(qdict_get_list(args, "arg"), ga_arg_str(args, "path", ""));
    char **envp = qdict_haskey(args, "env") ? strv_from_list(qdict_get_list(args, "env"), NULL)
                                           : NULL;
    GSpawnFlags flags = G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD;
    if (!cap_out) {
        flags |= G_SPAWN_STDOUT_TO_DEV_NULL;
    }
    if (!cap_err && !merged) {
        flags |= G_SPAWN_STDERR_TO_DEV_NULL;
    }
    GPid pid;
    int in_fd = -1, out_fd = -1, err_fd = -1;
    GError *gerr = NULL;
    bool ok = g_spawn_async_with_pipes(NULL, argv, envp, flags,
                                       merged ? merge_stderr : NULL, NULL, &pid,
                                       input ? &in_fd : NULL, cap_out ? &out_fd : NULL,
                                       cap_err ? &err_fd : NULL, &gerr);
    g_strfreev(argv);
    g_strfreev(envp);
    if (!ok) {
        error_setf(errp, "Guest agent command failed, error was '%s'", gerr->message);
        g_error_free(gerr);
        g_free(input);
        return;
    }
    ExecInfo *e = g_new0(ExecInfo, 1);
    e->pid = pid;
    e->capture_out = cap_out;
    e->capture_err = cap_err;
    e->in.fd = e->out.fd = e->err.fd = -1;
    if (input) {
        pipe_watch(&e->in, in_fd, false);
        g_byte_array_append(e->in.data, input, input_len);
        g_free(input);
    }
    if (cap_out) {
        pipe_watch(&e->out, out_fd, true);
    }
    if (cap_err) {
        pipe_watch(&e->err, err_fd, true);
    }
    if (!execs) {
        execs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, exec_info_free);
    }
    g_hash_table_insert(execs, GINT_TO_POINTER(pid), e);
    g_child_watch_add(pid, child_exited, e);
    QDict *d = qdict_new();
    qdict_put_int(d, "pid", pid);
    *ret = d;
}

static void put_output(QDict *d, const char *data_key, const char *trunc_key,
                       const ExecPipe *p)
{
    qdict_put(d, data_key, qstring_take(g_base64_encode(p->data->data, p->data->len)));
    if (p->truncated) {
        qdict_put_bool(d, trunc_key, true);
    }
}

static void cmd_exec_status(QDict *args, QObject **ret, Error **errp)
{
    int64_t pid = ga_arg_int(args, "pid", -1);
    ExecInfo *e = execs && pid > 0 && pid <= G_MAXINT
        ? g_hash_table_lookup(execs, GINT_TO_POINTER((int)pid)) : NULL;
    if (!e) {
        error_setf(errp, "Invalid parameter 'pid'");
        return;
    }
    /* Finished once the child is gone and its output pipes are drained. */
    bool finished = e->exited && e->out.fd < 0 && e->err.fd < 0;
    QDict *d = qdict_new();
    qdict_put_bool(d, "exited", finished);
    if (finished) {
        if (WIFEXITED(e->status)) {
            qdict_put_int(d, "exitcode", WEXITSTATUS(e->status));
        } else if (WIFSIGNALED(e->status)) {
            qdict_put_int(d, "signal", WTERMSIG(e->status));
        }
        if (e->capture_out) {
            put_output(d, "out-data", "out-truncated", &e->out);
        }
        if (e->capture_err) {
            put_output(d, "err-data", "err-truncated", &e->err);
        }
        g_hash_table_remove(execs, GINT_TO_POINTER((int)pid));
    }
    *ret = d;
}

static const QmpArgSpec exec_args[] = {
    { "path", QMP_ARG_STR },
    { "arg", QMP_ARG_LIST, .optional = true, .elem = QMP_ARG_STR },
    { "env", QMP_ARG_LIST, .optional = true, .elem = QMP_ARG_STR },
    { "input-data", QMP_ARG_STR, .optional = true },
    { "capture-output", QMP_ARG_ANY, .optional = true },
    { NULL }
};
static const QmpArgSpec exec_status_args[] = {
    { "pid", QMP_ARG_INT },
    { NULL }
};

void ga_register_exec_commands(QmpCommandList *cmds)
{
    qmp_register_command(cmds, "guest-exec-status", cmd_exec_status, exec_status_args, 0);
    qmp_register_command(cmds, "guest-exec", cmd_exec, exec_args, 0);
}
