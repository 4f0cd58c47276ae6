/*
 * Guest agent core: state, the enabled/disabled set of commands (block and
 * allow lists, fs-freeze whitelist), request handling, persistent handle
 * counter and the small helpers every command file uses.
 */
#include "config.h"
#include "qga/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "libcore/json.h"

GAState *ga_state;

#define GA_FD_COUNTER_DEFAULT 1000

/* Commands that stay usable while filesystems are frozen. */
static const char *const freeze_whitelist[] = {
    "guest-ping", "guest-info", "guest-sync", "guest-sync-delimited",
    "guest-fsfreeze-status", "guest-fsfreeze-thaw", NULL,
};

static const char *const side_effect_commands[] = {
    "guest-shutdown", "guest-suspend-disk", "guest-suspend-ram",
    "guest-suspend-hybrid", "guest-set-time", "guest-set-vcpus",
    "guest-set-memory-blocks", "guest-set-user-password",
    "guest-ssh-add-authorized-keys", "guest-ssh-remove-authorized-keys",
    "guest-fsfreeze-freeze", "guest-fsfreeze-freeze-list", "guest-fsfreeze-thaw",
    "guest-fstrim", "guest-exec", "guest-file-open", NULL,
};

static bool strv_has(const char *const *v, const char *s)
{
    return v && g_strv_contains(v, s);
}

bool ga_command_has_side_effects(const char *name)
{
    return strv_has(side_effect_commands, name);
}

static bool command_allowed(GAState *s, const char *name)
{
    if (strv_has((const char *const *)s->blocked_rpcs, name)) {
        return false;
    }
    if (s->allowed_rpcs && s->allowed_rpcs[0] &&
        !strv_has((const char *const *)s->allowed_rpcs, name)) {
        return false;
    }
    if (s->frozen && !strv_has(freeze_whitelist, name)) {
        return false;
    }
    if (s->side_effects_disabled && ga_command_has_side_effects(name)) {
        return false;
    }
    return true;
}

static void apply_one(QmpCommand *cmd, void *opaque)
{
    GAState *s = opaque;
    const char *name = qmp_command_name(cmd);
    qmp_command_set_enabled(s->cmds, name, command_allowed(s, name));
}

void ga_apply_rpc_lists(GAState *s)
{
    qmp_for_each_command(s->cmds, apply_one, s);
}

void ga_set_frozen(GAState *s, bool frozen)
{
    if (s->frozen == frozen) {
        return;
    }
    s->frozen = frozen;
    ga_apply_rpc_lists(s);
    if (frozen) {
        int fd = open(s->frozen_path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        if (fd < 0) {
            g_warning("unable to create %s: %s", s->frozen_path, g_strerror(errno));
        } else {
            close(fd);
        }
    } else if (unlink(s->frozen_path) < 0 && errno != ENOENT) {
        g_warning("unable to delete %s: %s", s->frozen_path, g_strerror(errno));
    }
}

/* ---- persistent state: the guest-file handle counter ---- */

static bool pstate_write(GAState *s, Error **errp)
{
    GKeyFile *kf = g_key_file_new();
    g_key_file_set_int64(kf, "global", "fd_counter", s->fd_counter);
    gsize len;
    char *data = g_key_file_to_data(kf, &len, NULL);
    GError *gerr = NULL;
    bool ok = g_file_set_contents(s->pstate_path, data, len, &gerr);
    if (!ok) {
        error_setf(errp, "failed to write state file %s: %s", s->pstate_path, gerr->message);
        g_error_free(gerr);
    }
    g_free(data);
    g_key_file_free(kf);
    return ok;
}

static bool pstate_load(GAState *s, Error **errp)
{
    s->fd_counter = GA_FD_COUNTER_DEFAULT;
    if (access(s->pstate_path, F_OK) < 0) {
        if (errno != ENOENT) {
            error_setf_errno(errp, errno, "unable to access state file %s", s->pstate_path);
            return false;
        }
        /* Create it now so a bad state directory shows up at start-up. */
        return s->frozen || pstate_write(s, errp);
    }
    GKeyFile *kf = g_key_file_new();
    GError *gerr = NULL;
    if (!g_key_file_load_from_file(kf, s->pstate_path, 0, &gerr)) {
        error_setf(errp, "error loading state file %s: %s", s->pstate_path, gerr->message);
        g_error_free(gerr);
        g_key_file_free(kf);
        return false;
    }
    gint64 v = g_key_file_get_int64(kf, "global", "fd_counter", &gerr);
    if (gerr) {
        g_clear_error(&gerr);  /* a damaged file restarts from the default */
    } else if (v > 0 && v < INT64_MAX) {
        s->fd_counter = v;
    }
    g_key_file_free(kf);
    return true;
}

int64_t ga_next_handle(GAState *s, Error **errp)
{
    if (s->fd_counter >= INT64_MAX - 1) {
        error_setf(errp, "guest file handles exhausted");
        return -1;
    }
    int64_t h = s->fd_counter++;
    if (!pstate_write(s, errp)) {
        return -1;
    }
    return h;
}

GAState *ga_state_new(const char *state_dir, char **blocked, char **allowed,
                      const char *fsfreeze_hook, Error **errp)
{
    GAState *s = g_new0(GAState, 1);
    s->cmds = qmp_command_list_new();
    s->blocked_rpcs = g_strdupv(blocked);
    s->allowed_rpcs = g_strdupv(allowed);
    s->fsfreeze_hook = g_strdup(fsfreeze_hook);
    ga_register_misc_commands(s->cmds);
    ga_register_system_commands(s->cmds);
    ga_register_file_commands(s->cmds);
    ga_register_exec_commands(s->cmds);
    ga_register_fs_commands(s->cmds);
    ga_register_power_commands(s->cmds);
    ga_register_user_commands(s->cmds);
    if (state_dir) {
        s->state_dir = g_strdup(state_dir);
        s->pstate_path = g_build_filename(state_dir, "qga.state", NULL);
        s->frozen_path = g_build_filename(state_dir, "qga.state.isfrozen", NULL);
        /* A freeze marker left by an earlier run means we may still be frozen. */
        s->frozen = access(s->frozen_path, F_OK) == 0;
        if (!pstate_load(s, errp)) {
            ga_state_free(s);
            return NULL;
        }
    } else {
        s->fd_counter = GA_FD_COUNTER_DEFAULT;
    }
    ga_apply_rpc_lists(s);
    return s;
}

void ga_state_free(GAState *s)
{
    if (!s) {
        return;
    }
    qmp_command_list_free(s->cmds);
    g_strfreev(s->blocked_rpcs);
    g_strfreev(s->allowed_rpcs);
    g_free(s->state_dir);
    g_free(s->pstate_path);
    g_free(s->frozen_path);
    g_free(s->fsfreeze_hook);
    g_free(s);
}

/* ---- protocol ---- */

QDict *ga_handle_request(GAState *s, QObject *req)
{
    if (req && qobject_type(req) == QTYPE_DICT) {
        const char *name = qdict_get_str(req, "execute");
        if (name) {
            g_debug("executing command %s", name);
        }
    }
    return qmp_dispatch(s->cmds, req, false);
}

GString *ga_format_response(GAState *s, const QDict *rsp)
{
    GString *out = g_string_new(NULL);
    if (s->delimit_response) {
        s->delimit_response = false;
        g_string_append_c(out, (char)QGA_SENTINEL_BYTE);
    }
    char *json = json_to_string(rsp, false);
    g_string_append(out, json);
    g_string_append_c(out, '\n');
    g_free(json);
    return out;
}

/* ---- helpers ---- */

char *ga_path(const char *abs_path)
{
    const char *root = g_getenv("QGA_TEST_ROOT");
    if (root && *root) {
        return g_build_filename(root, abs_path, NULL);
    }
    return g_strdup(abs_path);
}

bool ga_run_program(const char *const *argv, const char *input, Error **errp)
{
    char *prog = ga_path(argv[0]);
    guint n = g_strv_length((char **)argv);
    char **args = g_new0(char *, n + 1);
    args[0] = prog;
    for (guint i = 1; i < n; i++) {
        args[i] = (char *)argv[i];
    }
    GError *gerr = NULL;
    GPid pid;
    int in_fd = -1;
    bool ok = g_spawn_async_with_pipes(NULL, args, NULL,
                                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                       G_SPAWN_STDERR_TO_DEV_NULL,
                                       NULL, NULL, &pid, input ? &in_fd : NULL, NULL, NULL,
                                       &gerr);
    if (!ok) {
        error_setf(errp, "failed to run %s: %s", prog, gerr->message);
        g_error_free(gerr);
        goto out;
    }
    if (input) {
        size_t len = strlen(input), off = 0;
        while (off < len) {
            ssize_t w = write(in_fd, input + off, len - off);
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w <= 0) {
                break;
            }
            off += w;
        }
        close(in_fd);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            error_setf_errno(errp, errno, "failed to wait for %s", prog);
            ok = false;
            goto out;
        }
    }
    if (!WIFEXITED(status)) {
        error_setf(errp, "child process %s was killed by signal %d", prog,
                   WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        ok = false;
    } else if (WEXITSTATUS(status)) {
        error_setf(errp, "child process %s exited with status %d", prog, WEXITSTATUS(status));
        ok = false;
    }
out:
    g_free(args);
    g_free(prog);
    return ok;
}

/* As QEMU: the alphabet, padding and newlines only, then GLib decodes. */
guchar *ga_base64_decode(const char *in, size_t in_len, size_t *out_len, Error **errp)
{
    static const char valid[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n";

    *out_len = 0;
    if (memchr(in, '\0', in_len)) {
        error_setf(errp, "Base64 data contains embedded NUL characters");
        return NULL;
    }
    if (strspn(in, valid) != in_len) {
        error_setf(errp, "Base64 data contains invalid characters");
        return NULL;
    }
    gsize len = 0;
    guchar *out = g_base64_decode(in, &len);
    /* Always NUL-terminated so text users (chpasswd) can treat it as a string. */
    out = g_realloc(out, len + 1);
    out[len] = 0;
    *out_len = len;
    return out;
}

guchar *ga_arg_base64(const QDict *args, const char *name, size_t *out_len, Error **errp)
{
    QObject *v = qdict_get(args, name);
    return ga_base64_decode(qstring_get(v), qstring_len(v), out_len, errp);
}

int64_t ga_arg_int(const QDict *args, const char *name, int64_t dflt)
{
    QObject *v = qdict_get(args, name);
    int64_t r;
    if (v && qobject_type(v) == QTYPE_NUM && qnum_get_int(v, &r)) {
        return r;
    }
    return dflt;
}

bool ga_arg_bool(const QDict *args, const char *name, bool dflt)
{
    QObject *v = qdict_get(args, name);
    return v && qobject_type(v) == QTYPE_BOOL ? qbool_get(v) : dflt;
}

const char *ga_arg_str(const QDict *args, const char *name, const char *dflt)
{
    const char *s = qdict_get_str(args, name);
    return s ? s : dflt;
}

char *ga_read_file(const char *abs_path, Error **errp)
{
    char *path = ga_path(abs_path);
    char *data = NULL;
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &data, NULL, &gerr)) {
        error_setf(errp, "failed to read %s: %s", path, gerr->message);
        g_error_free(gerr);
    }
    g_free(path);
    return data;
}
