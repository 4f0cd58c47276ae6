/*
 * Helpers shared by the qemu-img commands: getopt error reporting, cache and
 * output-format parsing, --object, opening images with QEMU's messages, JSON and
 * human dumps, snapshot tables and the progress line.
 */
#include "config.h"
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <glib.h>
#include "img-tool/img.h"
#include "libcore/cutils.h"
#include "libcore/json.h"
#include "libcore/object.h"
#include "libcore/opts.h"

int img_getopt_error(int argc, char **argv, int c)
{
    /* getopt leaves the offending word at optind - 1 (or optind for clusters). */
    const char *word = optind - 1 < argc && optind > 0 ? argv[optind - 1] : "?";
    if (c == ':') {
        if (word[0] == '-' && word[1] == '-') {
            const char *eq = strchr(word, '=');
            char *name = g_strndup(word, eq ? (size_t)(eq - word) : strlen(word));
            int r = img_usage_error("missing argument for option '%s'", name);
            g_free(name);
            return r;
        }
        return img_usage_error("missing argument for option '-%c'", optopt);
    }
    if (optopt && optopt < 256) {
        return img_usage_error("unrecognized option '-%c'", optopt);
    }
    return img_usage_error("unrecognized option '%s'", word);
}

bool img_parse_output(const char *arg, OutputFormat *out)
{
    if (strcmp(arg, "json") == 0) {
        *out = OFMT_JSON;
    } else if (strcmp(arg, "human") == 0) {
        *out = OFMT_HUMAN;
    } else {
        error_report("--output must be used with human or json as argument.");
        return false;
    }
    return true;
}

bool img_parse_cache(const char *mode, int *flags)
{
    int cache;
    if (!bdrv_parse_cache_mode(mode, &cache)) {
        error_report("Invalid cache option: %s", mode);
        return false;
    }
    *flags = (*flags & ~BDRV_O_CACHE_MASK) | cache;
    return true;
}

bool img_object_opt(const char *arg, int *stop_rc)
{
    Error *err = NULL;
    if (user_object_help_requested(arg)) {
        *stop_rc = 0;
        return true;
    }
    if (!user_object_create_str(arg, &err)) {
        error_report_err(err);
        *stop_rc = 1;
        return true;
    }
    return false;
}

bool img_load_snapshot(BlockDriverState *bs, const char *param)
{
    Error *err = NULL;
    if (bdrv_snapshot_load_tmp_param(bs, param, false, &err) < 0) {
        error_prepend(&err, "Failed to load snapshot: ");
        error_report_err(err);
        return false;
    }
    return true;
}

static void warn_probed_raw(BlockDriverState *bs, const char *filename)
{
    fprintf(stderr,
            "WARNING: Image format was not specified for '%s' and probing guessed raw.\n"
            "         Automatically detecting the format is dangerous for raw images, "
            "write operations on block 0 will be restricted.\n"
            "         Specify the 'raw' format explicitly to remove the restrictions.\n",
            filename);
    (void)bs;
}

BlockDriverState *img_open(const char *filename, const ImgOpenOpts *o)
{
    Error *err = NULL;
    QDict *options = NULL;
    const char *fname = filename;
    if (o->image_opts) {
        if (o->fmt) {
            error_report("--image-opts and --format are mutually exclusive");
            return NULL;
        }
        QDict *flat = opts_parse(filename, NULL, &err);
        if (!flat) {
            error_report_err(err);
            return NULL;
        }
        options = flat;
        fname = NULL;
    } else {
        options = qdict_new();
        if (o->fmt) {
            if (!bdrv_find_format(o->fmt)) {
                error_report("Unknown file format '%s'", o->fmt);
                qobject_unref(options);
                return NULL;
            }
            qdict_put_str(options, "driver", o->fmt);
        }
    }
    int flags = o->flags;
    if (o->force_share) {
        flags |= BDRV_O_FORCE_SHARE;
    }
    BlockDriverState *bs = bdrv_open(fname, options, flags, &err);
    if (!bs) {
        const char *shown = fname ? fname : filename;
        error_prepend(&err, "Could not open '%s': ", shown);
        error_report_err(err);
        return NULL;
    }
    if (!o->image_opts && !o->fmt && (flags & BDRV_O_RDWR) &&
        strcmp(bdrv_get_format_name(bs), "raw") == 0) {
        warn_probed_raw(bs, filename);
    }
    return bs;
}

void img_print_json(const QObject *obj)
{
    char *s = json_to_string(obj, true);
    printf("%s\n", s);
    g_free(s);
}

static void dump_scalar(const QObject *v)
{
    switch (qobject_type(v)) {
    case QTYPE_NULL:
        printf("null");
        break;
    case QTYPE_BOOL:
        printf("%s", qbool_get(v) ? "true" : "false");
        break;
    case QTYPE_STRING:
        printf("%s", qstring_get(v));
        break;
    case QTYPE_NUM: {
        int64_t i;
        uint64_t u;
        if (qnum_get_int(v, &i)) {
            printf("%" PRId64, i);
        } else if (qnum_get_uint(v, &u)) {
            printf("%" PRIu64, u);
        } else {
            printf("%g", qnum_get_double(v));
        }
        break;
    }
    default:
        break;
    }
}

static bool is_container(const QObject *v)
{
    return qobject_type(v) == QTYPE_DICT || qobject_type(v) == QTYPE_LIST;
}

static void dump_member(const char *key, const QObject *v, int indent)
{
    /* QEMU shows keys with dashes turned into spaces. */
    char *k = g_strdup(key);
    for (char *p = k; *p; p++) {
        if (*p == '-') {
            *p = ' ';
        }
    }
    if (is_container(v)) {
        printf("%*s%s:\n", indent, "", k);
        img_dump_human(v, indent + 4);
    } else {
        printf("%*s%s: ", indent, "", k);
        dump_scalar(v);
        printf("\n");
    }
    g_free(k);
}

void img_dump_human(const QObject *obj, int indent)
{
    if (qobject_type(obj) == QTYPE_DICT) {
        for (size_t i = 0; i < qdict_size(obj); i++) {
            dump_member(qdict_key_at(obj, i), qdict_value_at(obj, i), indent);
        }
    } else if (qobject_type(obj) == QTYPE_LIST) {
        for (size_t i = 0; i < qlist_size(obj); i++) {
            char key[32];
            snprintf(key, sizeof(key), "[%zu]", i);
            dump_member(key, qlist_get(obj, i), indent);
        }
    }
}

void img_dump_snapshots(const SnapshotInfo *sn, int count)
{
    printf("%-10s%-17s%8s%20s%13s%11s\n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK",
           "ICOUNT");
    for (int i = 0; i < count; i++) {
        char date[64], clock[64], icount[32];
        time_t t = sn[i].date_sec;
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
        uint64_t ns = sn[i].vm_clock_nsec;
        uint64_t secs = ns / 1000000000ull;
        snprintf(clock, sizeof(clock), "%02" PRIu64 ":%02u:%02u.%03u", secs / 3600,
                 (unsigned)(secs / 60 % 60), (unsigned)(secs % 60),
                 (unsigned)(ns / 1000000 % 1000));
        if (sn[i].icount != UINT64_MAX) {
            snprintf(icount, sizeof(icount), "%" PRIu64, sn[i].icount);
        } else {
            icount[0] = '\0';
        }
        char *size = size_to_human(sn[i].vm_state_size);
        printf("%-9s %-17s %7s%20s%13s%11s\n", sn[i].id_str, sn[i].name, size, date, clock,
               icount);
        g_free(size);
    }
}

bool buffer_is_zero(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    /* Word-at-a-time scan; the head and tail are checked bytewise. */
    while (len && ((uintptr_t)p & 7)) {
        if (*p++) {
            return false;
        }
        len--;
    }
    const uint64_t *w = (const uint64_t *)p;
    while (len >= 32) {
        if (w[0] | w[1] | w[2] | w[3]) {
            return false;
        }
        w += 4;
        len -= 32;
    }
    p = (const unsigned char *)w;
    while (len--) {
        if (*p++) {
            return false;
        }
    }
    return true;
}

bool img_opts_is_help(const char *opts)
{
    if (!opts) {
        return false;
    }
    /* "help" or "?" anywhere in the list, as its own item. */
    char **items = g_strsplit(opts, ",", -1);
    bool found = false;
    for (char **p = items; *p; p++) {
        if (strcmp(*p, "help") == 0 || strcmp(*p, "?") == 0) {
            found = true;
        }
    }
    g_strfreev(items);
    return found;
}

bool img_size_arg(const char *arg, uint64_t *out)
{
    Error *err = NULL;
    if (!parse_size(arg, 'B', out, &err) || *out > INT64_MAX) {
        error_free(err);
        error_report("Invalid image size specified. You may use k, M, G, T, P or E "
                     "suffixes for");
        error_report("kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
        return false;
    }
    return true;
}

/* Progress line: one state for the whole process. */
static struct {
    pthread_mutex_t lock;
    bool enabled;
    bool started;
    double min_step;
    double last;
    double current;
} progress = { .lock = PTHREAD_MUTEX_INITIALIZER };

static volatile sig_atomic_t progress_requested;

static void progress_sigusr1(int sig)
{
    (void)sig;
    progress_requested = 1;
}

static void progress_print(double pct)
{
    printf("    (%3.2f/100%%)\r", pct);
    fflush(stdout);
}

void progress_install_signal(void)
{
    struct sigaction sa = { .sa_handler = progress_sigusr1 };
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
}

void progress_init(bool enabled, double min_step)
{
    progress.enabled = enabled;
    progress.min_step = min_step;
    progress.last = 0;
    progress.current = 0;
    progress.started = true;
    if (enabled) {
        progress_print(0.0);
    }
}

void progress_update(uint64_t done, uint64_t total)
{
    double pct = total ? (double)done * 100.0 / (double)total : 100.0;
    if (pct > 100.0) {
        pct = 100.0;
    }
    pthread_mutex_lock(&progress.lock);
    progress.current = pct;
    bool print = progress.enabled &&
                 (pct - progress.last >= progress.min_step || pct >= 100.0);
    if (progress_requested) {
        progress_requested = 0;
        print = true;
    }
    if (print) {
        progress.last = pct;
        progress_print(pct);
    }
    pthread_mutex_unlock(&progress.lock);
}

void progress_end(void)
{
    if (progress.enabled && progress.started) {
        printf("\n");
        fflush(stdout);
    }
    progress.started = false;
}
