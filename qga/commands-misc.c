/*
 * Agent housekeeping commands: sync, ping, info, and the identity of the
 * guest (OS, host name, time and time zone).
 */
#include "config.h"
#include "qga/agent.h"

#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void cmd_sync(QDict *args, QObject **ret, Error **errp)
{
    *ret = qobject_ref(qdict_get(args, "id"));
}

static void cmd_sync_delimited(QDict *args, QObject **ret, Error **errp)
{
    ga_state->delimit_response = true;
    *ret = qobject_ref(qdict_get(args, "id"));
}

static void cmd_ping(QDict *args, QObject **ret, Error **errp)
{
}

static void add_command_info(QmpCommand *cmd, void *opaque)
{
    QDict *info = qdict_new();
    qdict_put_str(info, "name", qmp_command_name(cmd));
    qdict_put_bool(info, "enabled", qmp_command_is_enabled(cmd));
    qdict_put_bool(info, "success-response", qmp_command_has_success_response(cmd));
    qlist_append(opaque, info);
}

static void cmd_info(QDict *args, QObject **ret, Error **errp)
{
    QDict *info = qdict_new();
    QList *list = qlist_new();
    qmp_for_each_command(ga_state->cmds, add_command_info, list);
    qdict_put_str(info, "version", QGA_VERSION_STRING);
    qdict_put(info, "supported_commands", list);
    *ret = info;
}

static void cmd_get_time(QDict *args, QObject **ret, Error **errp)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *ret = qnum_from_int((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

/*
 * Under QGA_TEST_ROOT the clock itself is never touched: the request is
 * recorded in $QGA_TEST_ROOT/settimeofday so tests can check it.
 */
static bool set_system_time(int64_t ns, Error **errp)
{
    const char *root = g_getenv("QGA_TEST_ROOT");
    if (root && *root) {
        char *path = g_build_filename(root, "settimeofday", NULL);
        char *txt = g_strdup_printf("%" G_GINT64_FORMAT "\n", ns);
        bool ok = g_file_set_contents(path, txt, -1, NULL);
        g_free(txt);
        g_free(path);
        if (!ok) {
            error_setf(errp, "Failed to set time to guest");
        }
        return ok;
    }
    struct timeval tv = { .tv_sec = ns / 1000000000LL, .tv_usec = (ns % 1000000000LL) / 1000 };
    if (tv.tv_usec < 0) {
        tv.tv_sec--;
        tv.tv_usec += 1000000;
    }
    if (settimeofday(&tv, NULL) < 0) {
        error_setf_errno(errp, errno, "Failed to set time to guest");
        return false;
    }
    return true;
}

static void cmd_set_time(QDict *args, QObject **ret, Error **errp)
{
    bool has_time = qdict_haskey(args, "time");
    if (has_time) {
        int64_t ns = ga_arg_int(args, "time", 0);
        if (ns / 1000000000LL != (time_t)(ns / 1000000000LL)) {
            error_setf(errp, "Time %" G_GINT64_FORMAT " is too large", ns);
            return;
        }
        if (!set_system_time(ns, errp)) {
            return;
        }
    }
    /* With a time, save it to the RTC; without, load the system time from it. */
    char *hwclock = ga_path("/sbin/hwclock");
    bool found = g_file_test(hwclock, G_FILE_TEST_IS_EXECUTABLE);
    g_free(hwclock);
    if (!found) {
        error_setf(errp, "hwclock not found");
        return;
    }
    const char *argv[] = { "/sbin/hwclock", has_time ? "-w" : "-s", NULL };
    Error *err = NULL;
    if (!ga_run_program(argv, NULL, &err)) {
        error_free(err);
        error_setf(errp, "hwclock failed to set hardware clock to system time");
    }
}

static void cmd_get_timezone(QDict *args, QObject **ret, Error **errp)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm)) {
        error_setf_errno(errp, errno, "failed to get local time");
        return;
    }
    QDict *tz = qdict_new();
    if (tm.tm_zone && *tm.tm_zone) {
        qdict_put_str(tz, "zone", tm.tm_zone);
    }
    qdict_put_int(tz, "offset", tm.tm_gmtoff);
    *ret = tz;
}

static void cmd_get_host_name(QDict *args, QObject **ret, Error **errp)
{
    char buf[256];
    if (gethostname(buf, sizeof(buf)) < 0) {
        error_setf_errno(errp, errno, "failed to get host name");
        return;
    }
    buf[sizeof(buf) - 1] = 0;
    QDict *d = qdict_new();
    qdict_put_str(d, "host-name", buf);
    *ret = d;
}

/* os-release(5) keys we report, with the member names of GuestOSInfo. */
static const struct {
    const char *key, *member;
} os_release_keys[] = {
    { "ID", "id" }, { "NAME", "name" }, { "PRETTY_NAME", "pretty-name" },
    { "VERSION", "version" }, { "VERSION_ID", "version-id" },
    { "VARIANT", "variant" }, { "VARIANT_ID", "variant-id" },
};

static void parse_os_release(const char *text, QDict *out)
{
    char **lines = g_strsplit(text, "\n", -1);
    for (size_t k = 0; k < G_N_ELEMENTS(os_release_keys); k++) {
        size_t klen = strlen(os_release_keys[k].key);
        for (char **l = lines; *l; l++) {
            if (strncmp(*l, os_release_keys[k].key, klen) || (*l)[klen] != '=') {
                continue;
            }
            char *val = g_shell_unquote(*l + klen + 1, NULL);
            if (val) {
                qdict_put(out, os_release_keys[k].member, qstring_take(val));
            }
        }
    }
    g_strfreev(lines);
}

static void cmd_get_osinfo(QDict *args, QObject **ret, Error **errp)
{
    QDict *info = qdict_new();
    struct utsname un;
    if (uname(&un) == 0) {
        qdict_put_str(info, "kernel-release", un.release);
        qdict_put_str(info, "kernel-version", un.version);
        qdict_put_str(info, "machine", un.machine);
    }
    char *text = ga_read_file("/etc/os-release", NULL);
    if (!text) {
        text = ga_read_file("/usr/lib/os-release", NULL);
    }
    if (text) {
        parse_os_release(text, info);
        g_free(text);
    }
    *ret = info;
}

static const QmpArgSpec sync_args[] = {
    { "id", QMP_ARG_INT },
    { NULL }
};

static const QmpArgSpec set_time_args[] = {
    { "time", QMP_ARG_INT, .optional = true },
    { NULL }
};

void ga_register_misc_commands(QmpCommandList *cmds)
{
    qmp_register_command(cmds, "guest-sync-delimited", cmd_sync_delimited, sync_args, 0);
    qmp_register_command(cmds, "guest-sync", cmd_sync, sync_args, 0);
    qmp_register_command(cmds, "guest-ping", cmd_ping, NULL, 0);
    qmp_register_command(cmds, "guest-get-time", cmd_get_time, NULL, 0);
    qmp_register_command(cmds, "guest-set-time", cmd_set_time, set_time_args, 0);
    qmp_register_command(cmds, "guest-info", cmd_info, NULL, 0);
    qmp_register_command(cmds, "guest-get-host-name", cmd_get_host_name, NULL, 0);
    qmp_register_command(cmds, "guest-get-timezone", cmd_get_timezone, NULL, 0);
    qmp_register_command(cmds, "guest-get-osinfo", cmd_get_osinfo, NULL, 0);
}
