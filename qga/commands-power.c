/*
 * Power commands: guest-shutdown (through /sbin/shutdown) and suspend to
 * RAM, disk or both (through /sys/power). None replies on success.
 */
#include "config.h"
#include "qga/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static void cmd_shutdown(QDict *args, QObject **ret, Error **errp)
{
    static const struct {
        const char *mode, *flag;
    } modes[] = {
        { "halt", "-H" }, { "powerdown", "-P" }, { "reboot", "-r" },
    };
    const char *mode = ga_arg_str(args, "mode", "powerdown");
    const char *flag = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
        if (!strcmp(mode, modes[i].mode)) {
            flag = modes[i].flag;
        }
    }
    if (!flag) {
        error_setf(errp, "Parameter 'mode' expects 'halt', 'powerdown' or 'reboot'");
        return;
    }
    g_message("guest-shutdown called, mode: %s", mode);
    const char *argv[] = { "/sbin/shutdown", flag, "+0", "hypervisor initiated shutdown", NULL };
    Error *err = NULL;
    if (!ga_run_program(argv, NULL, &err)) {
        g_warning("guest-shutdown: %s", error_message(err));
        error_free(err);
        error_setf(errp, "child process has failed to shutdown");
    }
}

typedef enum SuspendMode { SUSPEND_DISK, SUSPEND_RAM, SUSPEND_HYBRID } SuspendMode;

static bool file_has_word(const char *abs_path, const char *word)
{
    char *text = ga_read_file(abs_path, NULL);
    bool found = false;
    if (text) {
        char **words = g_strsplit_set(g_strstrip(text), " \n[]", -1);
        found = g_strv_contains((const char *const *)words, word);
        g_strfreev(words);
    }
    g_free(text);
    return found;
}

static bool suspend_supported(SuspendMode mode)
{
    switch (mode) {
    case SUSPEND_RAM:
        return file_has_word("/sys/power/state", "mem");
    case SUSPEND_DISK:
        return file_has_word("/sys/power/state", "disk");
    case SUSPEND_HYBRID:
        return file_has_word("/sys/power/state", "disk") &&
               file_has_word("/sys/power/disk", "suspend");
    }
    return false;
}

static bool sysfs_write_str(const char *abs_path, const char *val, Error **errp)
{
    char *path = ga_path(abs_path);
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    bool ok = fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val);
    if (!ok) {
        error_setf_errno(errp, errno, "suspend: cannot write to %s", path);
    }
    if (fd >= 0) {
        close(fd);
    }
    g_free(path);
    return ok;
}

static void do_suspend(SuspendMode mode, Error **errp)
{
    if (!suspend_supported(mode)) {
        error_setf(errp, "the requested suspend mode is not supported by the guest");
        return;
    }
    g_message("guest-suspend called, mode: %s",
              mode == SUSPEND_RAM ? "ram" : mode == SUSPEND_DISK ? "disk" : "hybrid");
    if (mode == SUSPEND_HYBRID && !sysfs_write_str("/sys/power/disk", "suspend", errp)) {
        return;
    }
    /* The write returns once the guest resumes (or never, for disk). */
    sysfs_write_str("/sys/power/state", mode == SUSPEND_RAM ? "mem" : "disk", errp);
}

static void cmd_suspend_disk(QDict *args, QObject **ret, Error **errp)
{
    do_suspend(SUSPEND_DISK, errp);
}

static void cmd_suspend_ram(QDict *args, QObject **ret, Error **errp)
{
    do_suspend(SUSPEND_RAM, errp);
}

static void cmd_suspend_hybrid(QDict *args, QObject **ret, Error **errp)
{
    do_suspend(SUSPEND_HYBRID, errp);
}

static const QmpArgSpec shutdown_args[] = {
    { "mode", QMP_ARG_STR, .optional = true },
    { NULL }
};

void ga_register_power_commands(QmpCommandList *cmds)
{
    qmp_register_command(cmds, "guest-shutdown", cmd_shutdown, shutdown_args,
                         QMP_CMD_NO_SUCCESS_RESP);
    qmp_register_command(cmds, "guest-suspend-disk", cmd_suspend_disk, NULL,
                         QMP_CMD_NO_SUCCESS_RESP);
    qmp_register_command(cmds, "guest-suspend-ram", cmd_suspend_ram, NULL,
                         QMP_CMD_NO_SUCCESS_RESP);
    qmp_register_command(cmds, "guest-suspend-hybrid", cmd_suspend_hybrid, NULL,
                         QMP_CMD_NO_SUCCESS_RESP);
}
