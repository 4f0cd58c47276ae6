/*
 * guest-file-*: files opened in the guest, named by integer handles that
 * are never reused (the counter is persisted in the state directory).
 */
#include "config.h"
#include "qga/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define QGA_READ_COUNT_DEFAULT 4096
#define QGA_READ_COUNT_MAX (48 * 1024 * 1024)

static GHashTable *handles;   /* int64 handle -> fd (both boxed) */

static int *handle_lookup(int64_t h, Error **errp)
{
    int *fd = handles ? g_hash_table_lookup(handles, &h) : NULL;
    if (!fd) {
        error_setf(errp, "handle '%" G_GINT64_FORMAT "' has not been found", h);
    }
    return fd;
}

/* fopen() modes and the open() flags they stand for. */
static const struct {
    const char *modes[3];
    int flags;
} open_modes[] = {
    { { "r", "rb" }, O_RDONLY },
    { { "w", "wb" }, O_WRONLY | O_CREAT | O_TRUNC },
    { { "a", "ab" }, O_WRONLY | O_CREAT | O_APPEND },
    { { "r+", "rb+", "r+b" }, O_RDWR },
    { { "w+", "wb+", "w+b" }, O_RDWR | O_CREAT | O_TRUNC },
    { { "a+", "ab+", "a+b" }, O_RDWR | O_CREAT | O_APPEND },
};

static int mode_flags(const char *mode)
{
    for (size_t i = 0; i < G_N_ELEMENTS(open_modes); i++) {
        for (size_t k = 0; k < 3 && open_modes[i].modes[k]; k++) {
            if (!strcmp(mode, open_modes[i].modes[k])) {
                return open_modes[i].flags;
            }
        }
    }
    return -1;
}

static void cmd_file_open(QDict *args, QObject **ret, Error **errp)
{
    const char *path = ga_arg_str(args, "path", "");
    const char *mode = ga_arg_str(args, "mode", "r");
    int flags = mode_flags(mode);
    if (flags < 0) {
        error_setf(errp, "invalid file open mode '%s'", mode);
        return;
    }
    int fd = open(path, flags | O_CLOEXEC | O_NOCTTY, 0666);
    if (fd < 0) {
        error_setf_errno(errp, errno, "failed to open file '%s' (mode: '%s')", path, mode);
        return;
    }
    /* Non-blocking so a FIFO or device without data cannot hang the agent. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int64_t h = ga_next_handle(ga_state, errp);
    if (h < 0) {
        close(fd);
        return;
    }
    if (!handles) {
        handles = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    }
    int64_t *key = g_new(int64_t, 1);
    int *val = g_new(int, 1);
    *key = h;
    *val = fd;
    g_hash_table_insert(handles, key, val);
    g_debug("guest-file-open, handle: %" G_GINT64_FORMAT, h);
    *ret = qnum_from_int(h);
}

static void cmd_file_close(QDict *args, QObject **ret, Error **errp)
{
    int64_t h = ga_arg_int(args, "handle", -1);
    int *fd = handle_lookup(h, errp);
    if (!fd) {
        return;
    }
    int r = close(*fd);
    int err = errno;
    g_hash_table_remove(handles, &h);
    if (r < 0 && err != EINTR) {
        error_setf_errno(errp, err, "failed to close handle");
    }
}

static void cmd_file_read(QDict *args, QObject **ret, Error **errp)
{
    int64_t h = ga_arg_int(args, "handle", -1);
    int64_t count = ga_arg_int(args, "count", QGA_READ_COUNT_DEFAULT);
    int *fd = handle_lookup(h, errp);
    if (!fd) {
        return;
    }
    if (count < 0 || count > QGA_READ_COUNT_MAX) {
        error_setf(errp, "value '%" G_GINT64_FORMAT "' is invalid for argument count", count);
        return;
    }
    guchar *buf = g_malloc(count + 1);
    size_t got = 0;
    bool eof = false;
    while (got < (size_t)count) {
        ssize_t r = read(*fd, buf + got, count - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0 && errno == EAGAIN) {
            break;
        }
        if (r < 0) {
            error_setf_errno(errp, errno, "failed to read file");
            g_free(buf);
            return;
        }
        if (r == 0) {
            eof = true;
            break;
        }
        got += r;
    }
    QDict *d = qdict_new();
    qdict_put_int(d, "count", got);
    qdict_put(d, "buf-b64", qstring_take(g_base64_encode(buf, got)));
    qdict_put_bool(d, "eof", eof);
    g_free(buf);
    *ret = d;
}

static void cmd_file_write(QDict *args, QObject **ret, Error **errp)
{
    int64_t h = ga_arg_int(args, "handle", -1);
    int *fd = handle_lookup(h, errp);
    if (!fd) {
        return;
    }
    size_t len;
    guchar *buf = ga_arg_base64(args, "buf-b64", &len, errp);
    if (!buf) {
        return;
    }
    int64_t count = ga_arg_int(args, "count", len);
    if (count < 0 || (uint64_t)count > len) {
        error_setf(errp, "value '%" G_GINT64_FORMAT "' is invalid for argument count", count);
        g_free(buf);
        return;
    }
    size_t done = 0;
    while (done < (size_t)count) {
        ssize_t w = write(*fd, buf + done, count - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            error_setf_errno(errp, errno, "failed to write to file");
            g_free(buf);
            return;
        }
        done += w;
    }
    g_free(buf);
    QDict *d = qdict_new();
    qdict_put_int(d, "count", done);
    qdict_put_bool(d, "eof", false);
    *ret = d;
}

/* whence is an alternate: 0/1/2 or "set"/"cur"/"end". */
static int parse_whence(const QObject *w, Error **errp)
{
    static const char *const names[] = { "set", "cur", "end" };
    static const int codes[] = { SEEK_SET, SEEK_CUR, SEEK_END };
    int64_t v;

    if (qobject_type(w) == QTYPE_STRING) {
        for (int i = 0; i < 3; i++) {
            if (!strcmp(qstring_get(w), names[i])) {
                return codes[i];
            }
        }
        error_setf(errp, "Parameter 'whence' does not accept value '%s'", qstring_get(w));
        return -1;
    }
    if (qobject_type(w) == QTYPE_NUM && !qnum_is_double(w) && qnum_get_int(w, &v)) {
        if (v >= 0 && v <= 2) {
            return codes[v];
        }
        error_setf(errp, "invalid whence code %" G_GINT64_FORMAT, v);
        return -1;
    }
    error_setf(errp, "Invalid parameter type for 'whence', expected: GuestFileWhence");
    return -1;
}

static void cmd_file_seek(QDict *args, QObject **ret, Error **errp)
{
    int64_t h = ga_arg_int(args, "handle", -1);
    int *fd = handle_lookup(h, errp);
    if (!fd) {
        return;
    }
    int whence = parse_whence(qdict_get(args, "whence"), errp);
    if (whence < 0) {
        return;
    }
    off_t pos = lseek(*fd, ga_arg_int(args, "offset", 0), whence);
    if (pos < 0) {
        error_setf_errno(errp, errno, "failed to seek file");
        return;
    }
    QDict *d = qdict_new();
    qdict_put_int(d, "position", pos);
    qdict_put_bool(d, "eof", false);
    *ret = d;
}

static void cmd_file_flush(QDict *args, QObject **ret, Error **errp)
{
    /* Writes go straight to the kernel (no user-space buffer): nothing to push. */
    handle_lookup(ga_arg_int(args, "handle", -1), errp);
}

static const QmpArgSpec open_args[] = {
    { "path", QMP_ARG_STR },
    { "mode", QMP_ARG_STR, .optional = true },
    { NULL }
};
static const QmpArgSpec handle_args[] = {
    { "handle", QMP_ARG_INT },
    { NULL }
};
static const QmpArgSpec read_args[] = {
    { "handle", QMP_ARG_INT },
    { "count", QMP_ARG_INT, .optional = true },
    { NULL }
};
static const QmpArgSpec write_args[] = {
    { "handle", QMP_ARG_INT },
    { "buf-b64", QMP_ARG_STR },
    { "count", QMP_ARG_INT, .optional = true },
    { NULL }
};
static const QmpArgSpec seek_args[] = {
    { "handle", QMP_ARG_INT },
    { "offset", QMP_ARG_INT },
    { "whence", QMP_ARG_ANY },
    { NULL }
};

void ga_register_file_commands(QmpCommandList *cmds)
{
    qmp_register_command(cmds, "guest-file-open", cmd_file_open, open_args, 0);
    qmp_register_command(cmds, "guest-file-close", cmd_file_close, handle_args, 0);
    qmp_register_command(cmds, "guest-file-read", cmd_file_read, read_args, 0);
    qmp_register_command(cmds, "guest-file-write", cmd_file_write, write_args, 0);
    qmp_register_command(cmds, "guest-file-seek", cmd_file_seek, seek_args, 0);
    qmp_register_command(cmds, "guest-file-flush", cmd_file_flush, handle_args, 0);
}
