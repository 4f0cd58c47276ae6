/*
 * qemu-ga: the guest agent program. Reads the configuration file and the
 * command line, opens the transport and answers JSON requests on the GLib
 * main loop until SIGTERM/SIGINT.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "libcore/json.h"
#include "qga/agent.h"
#include "qga/channel.h"

#define QGA_CONF_DEFAULT "/etc/qemu/qemu-ga.conf"
#define QGA_VIRTIO_PATH_DEFAULT "/dev/virtio-ports/org.qemu.guest_agent.0"
#define QGA_SERIAL_PATH_DEFAULT "/dev/ttyS0"
#define QGA_STATEDIR_DEFAULT "/var/run"
#define QGA_PIDFILE_DEFAULT "/var/run/qemu-ga.pid"
#define QGA_FSFREEZE_HOOK_DEFAULT "/etc/qemu/fsfreeze-hook"

typedef struct GAConfig {
    char *method;
    char *path;
    char *logfile;
    char *pidfile;
    char *fsfreeze_hook;
    char *state_dir;
    bool verbose;
    bool daemonize;
    bool dumpconf;
    bool pidfile_given;
    GPtrArray *blocked;   /* char * */
    GPtrArray *allowed;
} GAConfig;

typedef struct GAServer {
    GAState *state;
    GAChannel *channel;
    JsonStream *stream;
    GMainLoop *loop;
    FILE *log;
    GLogLevelFlags log_mask;
} GAServer;

static void usage(const char *prog)
{
    printf("Usage: %s [-m <method> -p <path>] [<options>]\n"
           "QEMU Guest Agent %s: answers the host's requests from inside the guest.\n"
           "\n"
           "  -m, --method       transport: unix-listen, virtio-serial, isa-serial or\n"
           "                     vsock-listen (default virtio-serial)\n"
           "  -p, --path         device or socket path (virtio-serial default:\n"
           "                     %s,\n"
           "                     isa-serial default: %s; vsock-listen: <cid>:<port>)\n"
           "  -l, --logfile      log to this file instead of stderr\n"
           "  -f, --pidfile      pid file (default %s)\n"
           "  -F, --fsfreeze-hook[=PATH]\n"
           "                     run PATH with 'freeze' or 'thaw' around fs freezes\n"
           "                     (default %s); write -FPATH without a space\n"
           "  -t, --statedir     directory for state files, absolute (default %s)\n"
           "  -v, --verbose      log debugging information\n"
           "  -V, --version      print the version and exit\n"
           "  -d, --daemonize    detach and run in the background\n"
           "  -b, --block-rpcs   comma-separated commands to disable ('?' lists them)\n"
           "  -a, --allow-rpcs   comma-separated commands to allow, all others disabled\n"
           "                     ('?' lists them)\n"
           "  -D, --dump-conf    print the configuration in qemu-ga.conf format and exit\n"
           "  -c, --config       configuration file (default %s)\n"
           "  -h, --help         show this help and exit\n",
           prog, QGA_VERSION_STRING, QGA_VIRTIO_PATH_DEFAULT, QGA_SERIAL_PATH_DEFAULT,
           QGA_PIDFILE_DEFAULT, QGA_FSFREEZE_HOOK_DEFAULT, QGA_STATEDIR_DEFAULT,
           QGA_CONF_DEFAULT);
}

/* ---- configuration ---- */

static void set_str(char **dst, const char *val)
{
    g_free(*dst);
    *dst = g_strdup(val);
}

static void add_list(GPtrArray *list, const char *csv)
{
    char **parts = g_strsplit(csv, ",", -1);
    for (char **p = parts; *p; p++) {
        if (**p) {
            g_ptr_array_add(list, g_strdup(*p));
        }
    }
    g_strfreev(parts);
}

static bool is_help(const char *s)
{
    return !strcmp(s, "?") || !strcmp(s, "help");
}

static bool config_load(GAConfig *cfg, const char *path, bool required)
{
    GKeyFile *kf = g_key_file_new();
    GError *gerr = NULL;
    const char *grp = "general";
    static const struct {
        const char *key;
        size_t offset;
    } strings[] = {
        { "method", offsetof(GAConfig, method) },
        { "path", offsetof(GAConfig, path) },
        { "logfile", offsetof(GAConfig, logfile) },
        { "pidfile", offsetof(GAConfig, pidfile) },
        { "fsfreeze-hook", offsetof(GAConfig, fsfreeze_hook) },
        { "statedir", offsetof(GAConfig, state_dir) },
    };

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &gerr)) {
        goto out;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(strings) && !gerr; i++) {
        if (g_key_file_has_key(kf, grp, strings[i].key, NULL)) {
            char **dst = (char **)((char *)cfg + strings[i].offset);
            g_free(*dst);
            *dst = g_key_file_get_string(kf, grp, strings[i].key, &gerr);
        }
    }
    if (!gerr && g_key_file_has_key(kf, grp, "daemon", NULL)) {
        cfg->daemonize = g_key_file_get_boolean(kf, grp, "daemon", &gerr);
    }
    if (!gerr && g_key_file_has_key(kf, grp, "verbose", NULL)) {
        cfg->verbose = g_key_file_get_boolean(kf, grp, "verbose", &gerr);
    }
    if (!gerr && g_key_file_has_key(kf, grp, "pidfile", NULL)) {
        cfg->pidfile_given = true;
    }
    static const char *const lists[][2] = {
        { "block-rpcs", "b" }, { "blacklist", "b" }, { "allow-rpcs", "a" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(lists) && !gerr; i++) {
        if (!g_key_file_has_key(kf, grp, lists[i][0], NULL)) {
            continue;
        }
        char *val = g_key_file_get_string(kf, grp, lists[i][0], &gerr);
        if (val) {
            /* Accept both "a,b" and GKeyFile's list syntax "a;b;". */
            g_strdelimit(val, ";", ',');
            add_list(lists[i][1][0] == 'b' ? cfg->blocked : cfg->allowed, val);
            g_free(val);
        }
    }
out:
    g_key_file_free(kf);
    if (gerr && (required || !g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT))) {
        error_report("error loading configuration from path: %s, %s", path, gerr->message);
        g_error_free(gerr);
        return false;
    }
    g_clear_error(&gerr);
    return true;
}

static char *list_join(GPtrArray *list)
{
    g_ptr_array_add(list, NULL);
    char *s = g_strjoinv(",", (char **)list->pdata);
    g_ptr_array_set_size(list, list->len - 1);
    return s;
}

static void config_dump(GAConfig *cfg)
{
    GKeyFile *kf = g_key_file_new();
    const char *grp = "general";
    g_key_file_set_boolean(kf, grp, "daemon", cfg->daemonize);
    g_key_file_set_string(kf, grp, "method", cfg->method);
    if (cfg->path) {
        g_key_file_set_string(kf, grp, "path", cfg->path);
    }
    if (cfg->logfile) {
        g_key_file_set_string(kf, grp, "logfile", cfg->logfile);
    }
    g_key_file_set_string(kf, grp, "pidfile", cfg->pidfile);
    if (cfg->fsfreeze_hook) {
        g_key_file_set_string(kf, grp, "fsfreeze-hook", cfg->fsfreeze_hook);
    }
    g_key_file_set_string(kf, grp, "statedir", cfg->state_dir);
    g_key_file_set_boolean(kf, grp, "verbose", cfg->verbose);
    char *b = list_join(cfg->blocked), *a = list_join(cfg->allowed);
    g_key_file_set_string(kf, grp, "block-rpcs", b);
    g_key_file_set_string(kf, grp, "allow-rpcs", a);
    g_free(b);
    g_free(a);
    char *data = g_key_file_to_data(kf, NULL, NULL);
    fputs(data, stdout);
    g_free(data);
    g_key_file_free(kf);
}

static void print_command_name(QmpCommand *cmd, void *opaque)
{
    printf("%s\n", qmp_command_name(cmd));
}

static void print_commands(void)
{
    GAState *s = ga_state_new(NULL, NULL, NULL, NULL, NULL);
    qmp_for_each_command(s->cmds, print_command_name, NULL);
    ga_state_free(s);
}

enum { PARSE_OK, PARSE_EXIT_OK, PARSE_FAIL };

static const char short_opts[] = "hVvdc:m:p:l:f:F::b:a:t:D";
static const struct option long_opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { "config", required_argument, NULL, 'c' },
    { "dump-conf", no_argument, NULL, 'D' },
    { "logfile", required_argument, NULL, 'l' },
    { "pidfile", required_argument, NULL, 'f' },
    { "fsfreeze-hook", optional_argument, NULL, 'F' },
    { "verbose", no_argument, NULL, 'v' },
    { "method", required_argument, NULL, 'm' },
    { "path", required_argument, NULL, 'p' },
    { "daemonize", no_argument, NULL, 'd' },
    { "daemon", no_argument, NULL, 'd' },
    { "block-rpcs", required_argument, NULL, 'b' },
    { "blacklist", required_argument, NULL, 'b' },
    { "allow-rpcs", required_argument, NULL, 'a' },
    { "statedir", required_argument, NULL, 't' },
    { NULL, 0, NULL, 0 },
};

static int config_parse(GAConfig *cfg, int argc, char **argv)
{
    const char *conf = g_getenv("QGA_CONF");
    bool conf_required = false;
    int ch;

    /* First pass: only -c, so the file is read before the other options. */
    opterr = 0;
    while ((ch = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
        if (ch == 'c') {
            conf = optarg;
            conf_required = true;
        }
    }
    if (!config_load(cfg, conf ? conf : QGA_CONF_DEFAULT, conf_required)) {
        return PARSE_FAIL;
    }

    optind = 1;
    opterr = 1;
    while ((ch = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
        switch (ch) {
        case 'm': set_str(&cfg->method, optarg); break;
        case 'p': set_str(&cfg->path, optarg); break;
        case 'l': set_str(&cfg->logfile, optarg); break;
        case 'f': set_str(&cfg->pidfile, optarg); cfg->pidfile_given = true; break;
        case 'F': set_str(&cfg->fsfreeze_hook, optarg ? optarg : QGA_FSFREEZE_HOOK_DEFAULT); break;
        case 't': set_str(&cfg->state_dir, optarg); break;
        case 'v': cfg->verbose = true; break;
        case 'd': cfg->daemonize = true; break;
        case 'D': cfg->dumpconf = true; break;
        case 'c': break;
        case 'V':
            printf("QEMU Guest Agent %s\n", QGA_VERSION_STRING);
            return PARSE_EXIT_OK;
        case 'b':
        case 'a':
            if (is_help(optarg)) {
                print_commands();
                return PARSE_EXIT_OK;
            }
            add_list(ch == 'b' ? cfg->blocked : cfg->allowed, optarg);
            break;
        case 'h':
            usage(argv[0]);
            return PARSE_EXIT_OK;
        default:
            fprintf(stderr, "Try '%s --help' for more information.\n", argv[0]);
            return PARSE_FAIL;
        }
    }
    if (optind < argc) {
        error_report("unexpected argument '%s'", argv[optind]);
        return PARSE_FAIL;
    }
    return PARSE_OK;
}

/* ---- logging ---- */

static const char *level_name(GLogLevelFlags level)
{
    switch (level & G_LOG_LEVEL_MASK) {
    case G_LOG_LEVEL_ERROR: return "error";
    case G_LOG_LEVEL_CRITICAL: return "critical";
    case G_LOG_LEVEL_WARNING: return "warning";
    case G_LOG_LEVEL_MESSAGE: return "message";
    case G_LOG_LEVEL_INFO: return "info";
    case G_LOG_LEVEL_DEBUG: return "debug";
    default: return "user";
    }
}

static void log_handler(const gchar *domain, GLogLevelFlags level, const gchar *msg,
                        gpointer opaque)
{
    GAServer *srv = opaque;
    if (!(level & srv->log_mask) || (ga_state && ga_state->frozen)) {
        return;  /* while frozen the log file may sit on a frozen filesystem */
    }
    gint64 now = g_get_real_time();
    fprintf(srv->log, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT ": %s: %s\n",
            now / G_USEC_PER_SEC, now % G_USEC_PER_SEC, level_name(level), msg);
    fflush(srv->log);
}

/* ---- protocol ---- */

static void on_value(void *opaque, QObject *obj, Error *err)
{
    GAServer *srv = opaque;
    QDict *rsp = err ? qmp_error_response(err) : ga_handle_request(srv->state, obj);
    if (rsp) {
        GString *out = ga_format_response(srv->state, rsp);
        if (!ga_channel_write_all(srv->channel, out->str, out->len)) {
            g_debug("response dropped: no client");
        }
        g_string_free(out, TRUE);
        qobject_unref(rsp);
    }
    qobject_unref(obj);
}

static void on_read(void *opaque, const char *buf, size_t len)
{
    GAServer *srv = opaque;
    json_stream_feed(srv->stream, buf, len);
}

static void on_reset(void *opaque)
{
    GAServer *srv = opaque;
    json_stream_free(srv->stream);
    srv->stream = json_stream_new(on_value, srv);
    srv->state->delimit_response = false;
}

static gboolean on_signal(gpointer opaque)
{
    GAServer *srv = opaque;
    if (srv->state->frozen) {
        g_warning("filesystems are frozen: not exiting (thaw them first)");
        return G_SOURCE_CONTINUE;
    }
    g_debug("received signal, quitting");
    g_main_loop_quit(srv->loop);
    return G_SOURCE_CONTINUE;
}

/* ---- process ---- */

static bool write_pidfile(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error_report("cannot open pid file %s: %s", path, g_strerror(errno));
        return false;
    }
    if (lockf(fd, F_TLOCK, 0) < 0) {
        error_report("cannot lock pid file %s: %s", path, g_strerror(errno));
        close(fd);
        return false;
    }
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || write(fd, buf, n) != n) {
        error_report("cannot write pid file %s: %s", path, g_strerror(errno));
        close(fd);
        return false;
    }
    /* Keep the fd (and the lock) open for the life of the process. */
    return true;
}

static bool daemonize(void)
{
    pid_t pid = fork();
    if (pid < 0) {
        error_report("failed to daemonize: %s", g_strerror(errno));
        return false;
    }
    if (pid > 0) {
        _exit(EXIT_SUCCESS);
    }
    umask(S_IRWXG | S_IRWXO);
    if (setsid() < 0 || chdir("/") < 0) {
        return false;
    }
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO) {
            close(null);
        }
    }
    return true;
}

static void config_free(GAConfig *cfg)
{
    g_free(cfg->method);
    g_free(cfg->path);
    g_free(cfg->logfile);
    g_free(cfg->pidfile);
    g_free(cfg->fsfreeze_hook);
    g_free(cfg->state_dir);
    g_ptr_array_free(cfg->blocked, TRUE);
    g_ptr_array_free(cfg->allowed, TRUE);
}

static char **strv_of(GPtrArray *list)
{
    char **v = g_new0(char *, list->len + 1);
    for (guint i = 0; i < list->len; i++) {
        v[i] = g_strdup(g_ptr_array_index(list, i));
    }
    return v;
}

static int run(GAConfig *cfg, GAServer *srv)
{
    GAChannelMethod method;
    Error *err = NULL;

    if (!ga_channel_method_parse(cfg->method, &method)) {
        error_report("invalid channel method: %s", cfg->method);
        return EXIT_FAILURE;
    }
    if (!cfg->path) {
        if (method == GA_CHANNEL_UNIX_LISTEN || method == GA_CHANNEL_VSOCK_LISTEN) {
            error_report("must specify a path for this channel");
            return EXIT_FAILURE;
        }
        cfg->path = g_strdup(method == GA_CHANNEL_VIRTIO_SERIAL ? QGA_VIRTIO_PATH_DEFAULT
                                                                : QGA_SERIAL_PATH_DEFAULT);
    }
    if (!g_path_is_absolute(cfg->state_dir)) {
        error_report("state directory must be an absolute path: %s", cfg->state_dir);
        return EXIT_FAILURE;
    }
    if (cfg->logfile) {
        srv->log = fopen(cfg->logfile, "a");
        if (!srv->log) {
            error_report("unable to open log file %s: %s", cfg->logfile, g_strerror(errno));
            return EXIT_FAILURE;
        }
    }
    char **blocked = strv_of(cfg->blocked), **allowed = strv_of(cfg->allowed);
    srv->state = ga_state_new(cfg->state_dir, blocked, allowed, cfg->fsfreeze_hook, &err);
    g_strfreev(blocked);
    g_strfreev(allowed);
    if (!srv->state) {
        error_report_err(err);
        return EXIT_FAILURE;
    }
    ga_state = srv->state;
    srv->stream = json_stream_new(on_value, srv);
    srv->channel = ga_channel_new(method, cfg->path, on_read, on_reset, srv, &err);
    if (!srv->channel) {
        error_report_err(err);
        return EXIT_FAILURE;
    }
    if (cfg->daemonize && !daemonize()) {
        return EXIT_FAILURE;
    }
    if ((cfg->daemonize || cfg->pidfile_given) && !write_pidfile(cfg->pidfile)) {
        return EXIT_FAILURE;
    }
    g_unix_signal_add(SIGTERM, on_signal, srv);
    g_unix_signal_add(SIGINT, on_signal, srv);
    g_debug("guest agent started, listening on %s (%s)", cfg->path, cfg->method);
    srv->loop = g_main_loop_new(NULL, FALSE);
    g_main_loop_run(srv->loop);
    if (cfg->daemonize || cfg->pidfile_given) {
        unlink(cfg->pidfile);
    }
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    GAConfig cfg = {
        .blocked = g_ptr_array_new_with_free_func(g_free),
        .allowed = g_ptr_array_new_with_free_func(g_free),
    };
    GAServer srv = { .log = stderr };

    error_set_progname(argv[0]);
    signal(SIGPIPE, SIG_IGN);
    int r = config_parse(&cfg, argc, argv);
    if (r != PARSE_OK) {
        config_free(&cfg);
        return r == PARSE_EXIT_OK ? EXIT_SUCCESS : EXIT_FAILURE;
    }
    if (!cfg.method) {
        cfg.method = g_strdup("virtio-serial");
    }
    if (!cfg.pidfile) {
        cfg.pidfile = g_strdup(QGA_PIDFILE_DEFAULT);
    }
    if (!cfg.state_dir) {
        cfg.state_dir = g_strdup(QGA_STATEDIR_DEFAULT);
    }
    if (cfg.dumpconf) {
        config_dump(&cfg);
        config_free(&cfg);
        return EXIT_SUCCESS;
    }
    srv.log_mask = G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING;
    if (cfg.verbose) {
        srv.log_mask |= G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG;
    }
    g_log_set_default_handler(log_handler, &srv);

    r = run(&cfg, &srv);

    ga_channel_free(srv.channel);
    json_stream_free(srv.stream);
    ga_state = NULL;
    ga_state_free(srv.state);
    if (srv.loop) {
        g_main_loop_unref(srv.loop);
    }
    if (srv.log && srv.log != stderr) {
        fclose(srv.log);
    }
    config_free(&cfg);
    return r;
}
