/*
 * User account commands: guest-set-user-password (through chpasswd) and the
 * guest-ssh-*-authorized-keys family (~user/.ssh/authorized_keys).
 */
#include "config.h"
#include "qga/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void cmd_set_user_password(QDict *args, QObject **ret, Error **errp)
{
    const char *user = ga_arg_str(args, "username", "");
    bool crypted = ga_arg_bool(args, "crypted", false);
    size_t len;
    guchar *pw = ga_arg_base64(args, "password", &len, errp);
    if (!pw) {
        return;
    }
    /* chpasswd reads "user:password" lines: forbid what would break the line. */
    if (memchr(pw, '\n', len) || memchr(pw, '\0', len)) {
        error_setf(errp, "forbidden characters in raw password");
    } else if (!*user || strchr(user, ':') || strchr(user, '\n')) {
        error_setf(errp, "forbidden characters in username");
    } else {
        char *line = g_strdup_printf("%s:%s\n", user, (char *)pw);
        const char *argv[] = { "/usr/sbin/chpasswd", crypted ? "-e" : NULL, NULL };
        Error *err = NULL;
        if (!ga_run_program(argv, line, &err)) {
            g_warning("guest-set-user-password: %s", error_message(err));
            error_free(err);
            error_setf(errp, "child process has failed to set user password");
        }
        memset(line, 0, strlen(line));
        g_free(line);
    }
    memset(pw, 0, len);
    g_free(pw);
}

/* ---- authorized_keys ---- */

typedef struct KeyFile {
    char *dir;      /* ~/.ssh (through ga_path) */
    char *path;     /* ~/.ssh/authorized_keys */
    uid_t uid;
    gid_t gid;
} KeyFile;

static bool keyfile_locate(const char *user, KeyFile *kf, Error **errp)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        error_setf(errp, "failed to lookup user '%s'", user);
        return false;
    }
    char *home = ga_path(pw->pw_dir);
    kf->dir = g_build_filename(home, ".ssh", NULL);
    kf->path = g_build_filename(kf->dir, "authorized_keys", NULL);
    kf->uid = pw->pw_uid;
    kf->gid = pw->pw_gid;
    g_free(home);
    return true;
}

static void keyfile_clear(KeyFile *kf)
{
    g_free(kf->dir);
    g_free(kf->path);
}

/* A key is one non-empty line that is not a comment. */
static bool check_keys(const QList *keys, Error **errp)
{
    size_t n = qlist_size(keys);
    for (size_t i = 0; i < n; i++) {
        const char *k = qstring_get(qlist_get(keys, i));
        if (!*k || *k == '#' || strchr(k, '\n') || strchr(k, '\r') ||
            qstring_len(qlist_get(keys, i)) != strlen(k)) {
            error_setf(errp, "invalid OpenSSH public key: '%s'", k);
            return false;
        }
    }
    return true;
}

/*
 * Existing lines, blank ones dropped; comments kept only when asked (so a
 * rewrite preserves them). NULL with errp on failure.
 */
static GPtrArray *keys_read(const KeyFile *kf, bool missing_ok, bool comments, Error **errp)
{
    char *text = NULL;
    GError *gerr = NULL;
    GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
    if (!g_file_get_contents(kf->path, &text, NULL, &gerr)) {
        bool missing = g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        if (!(missing && missing_ok)) {
            error_setf(errp, "failed to read '%s': %s", kf->path, gerr->message);
            g_ptr_array_free(keys, TRUE);
            keys = NULL;
        }
        g_error_free(gerr);
        return keys;
    }
    char **lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        char *k = g_strstrip(*l);
        if (*k && (comments || *k != '#')) {
            g_ptr_array_add(keys, g_strdup(k));
        }
    }
    g_strfreev(lines);
    g_free(text);
    return keys;
}

static bool keys_write(const KeyFile *kf, GPtrArray *keys, Error **errp)
{
    if (g_mkdir_with_parents(kf->dir, 0700) < 0) {
        error_setf_errno(errp, errno, "failed to create directory '%s'", kf->dir);
        return false;
    }
    if (chown(kf->dir, kf->uid, kf->gid) < 0 && errno != EPERM) {
        error_setf_errno(errp, errno, "failed to set ownership of '%s'", kf->dir);
        return false;
    }
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < keys->len; i++) {
        g_string_append_printf(out, "%s\n", (char *)g_ptr_array_index(keys, i));
    }
    /* Write to a new file and rename so a crash never leaves half a key list. */
    char *tmp = g_strdup_printf("%s.qga-tmp", kf->path);
    bool ok = false;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        error_setf_errno(errp, errno, "failed to create '%s'", tmp);
        goto out;
    }
    ok = write(fd, out->str, out->len) == (ssize_t)out->len && fchmod(fd, 0600) == 0 &&
         (fchown(fd, kf->uid, kf->gid) == 0 || errno == EPERM) && fsync(fd) == 0;
    if (!ok) {
        error_setf_errno(errp, errno, "failed to write '%s'", tmp);
    }
    close(fd);
    if (ok && rename(tmp, kf->path) < 0) {
        error_setf_errno(errp, errno, "failed to replace '%s'", kf->path);
        ok = false;
    }
    if (!ok) {
        unlink(tmp);
    }
out:
    g_free(tmp);
    g_string_free(out, TRUE);
    return ok;
}

static bool keys_contain(GPtrArray *keys, const char *k)
{
    for (guint i = 0; i < keys->len; i++) {
        if (!strcmp(g_ptr_array_index(keys, i), k)) {
            return true;
        }
    }
    return false;
}

static bool list_has_key(const QList *list, const char *k)
{
    for (size_t i = 0; i < qlist_size(list); i++) {
        if (!strcmp(qstring_get(qlist_get(list, i)), k)) {
            return true;
        }
    }
    return false;
}

static void cmd_ssh_get(QDict *args, QObject **ret, Error **errp)
{
    KeyFile kf;
    if (!keyfile_locate(ga_arg_str(args, "username", ""), &kf, errp)) {
        return;
    }
    GPtrArray *keys = keys_read(&kf, false, false, errp);
    if (keys) {
        QList *list = qlist_new();
        for (guint i = 0; i < keys->len; i++) {
            qlist_append(list, qstring_new(g_ptr_array_index(keys, i)));
        }
        QDict *d = qdict_new();
        qdict_put(d, "keys", list);
        *ret = d;
        g_ptr_array_free(keys, TRUE);
    }
    keyfile_clear(&kf);
}

static void cmd_ssh_add(QDict *args, QObject **ret, Error **errp)
{
    QList *add = qdict_get_list(args, "keys");
    KeyFile kf;
    if (!check_keys(add, errp) || !keyfile_locate(ga_arg_str(args, "username", ""), &kf, errp)) {
        return;
    }
    GPtrArray *keys = ga_arg_bool(args, "reset", false)
        ? g_ptr_array_new_with_free_func(g_free) : keys_read(&kf, true, true, errp);
    if (keys) {
        for (size_t i = 0; i < qlist_size(add); i++) {
            const char *k = qstring_get(qlist_get(add, i));
            if (!keys_contain(keys, k)) {
                g_ptr_array_add(keys, g_strdup(k));
            }
        }
        keys_write(&kf, keys, errp);
        g_ptr_array_free(keys, TRUE);
    }
    keyfile_clear(&kf);
}

static void cmd_ssh_remove(QDict *args, QObject **ret, Error **errp)
{
    QList *del = qdict_get_list(args, "keys");
    KeyFile kf;
    if (!check_keys(del, errp) || !keyfile_locate(ga_arg_str(args, "username", ""), &kf, errp)) {
        return;
    }
    if (!g_file_test(kf.path, G_FILE_TEST_EXISTS)) {
        keyfile_clear(&kf);
        return;  /* nothing to remove is not an error */
    }
    GPtrArray *keys = keys_read(&kf, true, true, errp);
    if (keys) {
        GPtrArray *kept = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < keys->len; i++) {
            if (!list_has_key(del, g_ptr_array_index(keys, i))) {
                g_ptr_array_add(kept, g_strdup(g_ptr_array_index(keys, i)));
            }
        }
        keys_write(&kf, kept, errp);
        g_ptr_array_free(kept, TRUE);
        g_ptr_array_free(keys, TRUE);
    }
    keyfile_clear(&kf);
}

static const QmpArgSpec password_args[] = {
    { "username", QMP_ARG_STR },
    { "password", QMP_ARG_STR },
    { "crypted", QMP_ARG_BOOL },
    { NULL }
};
static const QmpArgSpec ssh_get_args[] = {
    { "username", QMP_ARG_STR },
    { NULL }
};
static const QmpArgSpec ssh_add_args[] = {
    { "username", QMP_ARG_STR },
    { "keys", QMP_ARG_LIST, .elem = QMP_ARG_STR },
    { "reset", QMP_ARG_BOOL, .optional = true },
    { NULL }
};
static const QmpArgSpec ssh_remove_args[] = {
    { "username", QMP_ARG_STR },
    { "keys", QMP_ARG_LIST, .elem = QMP_ARG_STR },
    { NULL }
};

void ga_register_user_commands(QmpCommandList *cmds)
{
    qmp_register_command(cmds, "guest-set-user-password", cmd_set_user_password,
                         password_args, 0);
    qmp_register_command(cmds, "guest-ssh-get-authorized-keys", cmd_ssh_get, ssh_get_args, 0);
    qmp_register_command(cmds, "guest-ssh-add-authorized-keys", cmd_ssh_add, ssh_add_args, 0);
    qmp_register_command(cmds, "guest-ssh-remove-authorized-keys", cmd_ssh_remove,
                         ssh_remove_args, 0);
}
