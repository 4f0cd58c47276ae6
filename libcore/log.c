/*
 * The -d / -D debug log: the table of item names, the output (stderr, one file, or
 * one file per thread with the "tid" item), and line assembly. Text is gathered
 * per thread until a '\n' and then written as whole lines under one lock, so lines
 * from several guest threads never interleave.
 */
#include "config.h"
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "libcore/log.h"

unsigned qemu_loglevel;

typedef struct LogItem {
    unsigned mask;
    const char *name;
    const char *help;
} LogItem;

static const LogItem log_items[] = {
    { LOG_OUT_ASM, "out_asm", "host code generated for each new translation block" },
    { LOG_IN_ASM, "in_asm", "guest code of each new translation block" },
    { LOG_OP, "op", "intermediate code of each new block, as translated" },
    { LOG_OP_OPT, "op_opt", "intermediate code of each new block, after the optimizer" },
    { LOG_INT, "int", "exceptions and signals, one line each" },
    { LOG_EXEC, "exec", "each block entered from the run loop (large)" },
    { LOG_CPU, "cpu", "guest registers before each block entered from the loop (large)" },
    { LOG_UNIMP, "unimp", "system calls and features the emulator does not implement" },
    { LOG_GUEST_ERROR, "guest_errors", "invalid things the guest does" },
    { LOG_PAGE, "page", "the guest's memory map at start-up" },
    { LOG_NOCHAIN, "nochain",
      "never jump from block to block directly, so exec and cpu see every block" },
    { LOG_STRACE, "strace", "system calls with their arguments and results (-strace)" },
    { LOG_TID, "tid", "one log file per thread: the -D name must hold a %d for the tid" },
};

#define N_ITEMS (sizeof(log_items) / sizeof(log_items[0]))

/* The output. The recursive lock lets qemu_log_lock() callers log freely. */
static GRecMutex log_mutex;
static FILE *log_file;          /* NULL: stderr */
static char *log_file_name;     /* log_file's name */
static bool log_file_used;      /* something was written to log_file */
static char *log_path;          /* the -D template, for per-thread files */
static bool log_per_thread;     /* "%d" is the tid: one file per thread */

typedef struct LogThread {
    GString *pending;           /* text after the last '\n' */
    FILE *file;                 /* per-thread file (tid mode) */
} LogThread;

static void log_thread_free(gpointer p);
static GPrivate log_thread_key = G_PRIVATE_INIT(log_thread_free);

/* A child of fork() must not inherit the lock held by a thread it lacks. */
static void log_fork_prepare(void)
{
    g_rec_mutex_lock(&log_mutex);
}

static void log_fork_parent(void)
{
    g_rec_mutex_unlock(&log_mutex);
}

/* The child's thread has a new tid: the recursive lock would not let it unlock
 * what the parent's thread took, so it starts from a fresh one. */
static void log_fork_child(void)
{
    g_rec_mutex_init(&log_mutex);
}

static void __attribute__((constructor)) log_init(void)
{
    pthread_atfork(log_fork_prepare, log_fork_parent, log_fork_child);
}

bool qemu_log_parse_mask(const char *str, unsigned *mask, Error **errp)
{
    gchar **parts = g_strsplit(str, ",", -1);
    unsigned m = 0;
    bool ok = true;

    for (gchar **p = parts; *p && ok; p++) {
        const char *name = *p;
        bool found = false;

        if (!*name) {
            continue;
        }
        if (!strcmp(name, "all")) {
            for (size_t i = 0; i < N_ITEMS; i++) {
                /* as QEMU: "all" means every item that is a log, not a mode */
                if (log_items[i].mask != LOG_TID && log_items[i].mask != LOG_NOCHAIN) {
                    m |= log_items[i].mask;
                }
            }
            continue;
        }
        for (size_t i = 0; i < N_ITEMS; i++) {
            if (!strcmp(name, log_items[i].name)) {
                m |= log_items[i].mask;
                found = true;
                break;
            }
        }
        if (!found) {
            error_setf(errp, "unknown log item '%s' (see -d help)", name);
            ok = false;
        }
    }
    g_strfreev(parts);
    if (ok) {
        *mask = m;
    }
    return ok;
}

char *qemu_log_help_text(void)
{
    GString *s = g_string_new("Log items (comma separated):\n");

    for (size_t i = 0; i < N_ITEMS; i++) {
        g_string_append_printf(s, "%-15s %s\n", log_items[i].name, log_items[i].help);
    }
    return g_string_free(s, false);
}

static bool tid_mode(void)
{
    return log_path && (qemu_loglevel & LOG_TID);
}

/* Close the shared file (log lock held); drop it if "tid" made it useless. */
static void close_shared_file(bool remove_unused)
{
    if (log_file) {
        fclose(log_file);
        if (remove_unused && !log_file_used) {
            unlink(log_file_name);
        }
    }
    log_file = NULL;
    g_free(log_file_name);
    log_file_name = NULL;
    log_file_used = false;
}

void qemu_log_set_mask(unsigned mask)
{
    g_rec_mutex_lock(&log_mutex);
    qemu_loglevel = mask;
    log_per_thread = tid_mode();
    if (log_per_thread) {
        /* -D was given before "tid": its file opened for the pid is not wanted */
        close_shared_file(true);
    }
    g_rec_mutex_unlock(&log_mutex);
}

/* The template may hold one "%d" and no other conversion. */
static bool check_template(const char *path, Error **errp)
{
    unsigned nd = 0;

    for (const char *p = path; *p; p++) {
        if (*p != '%') {
            continue;
        }
        if (p[1] == 'd') {
            nd++;
            p++;
        } else {
            error_setf(errp, "-D '%s': only one '%%d' is allowed in the file name", path);
            return false;
        }
    }
    if (nd > 1) {
        error_setf(errp, "-D '%s': only one '%%d' is allowed in the file name", path);
        return false;
    }
    return true;
}

static char *expand_template(const char *path, long id)
{
    const char *d = strstr(path, "%d");

    if (!d) {
        return g_strdup(path);
    }
    return g_strdup_printf("%.*s%ld%s", (int)(d - path), path, id, d + 2);
}

static FILE *open_log(const char *path, long id, char **namep, Error **errp)
{
    char *name = expand_template(path, id);
    FILE *f = fopen(name, "w");

    if (!f) {
        error_setf_errno(errp, errno, "cannot open log file '%s'", name);
    }
    if (f && namep) {
        *namep = name;
    } else {
        g_free(name);
    }
    return f;
}

bool qemu_log_set_file(const char *path, Error **errp)
{
    FILE *f = NULL;
    char *name = NULL;

    if (path && !check_template(path, errp)) {
        return false;
    }
    /* Without "tid" the file is opened now, so a bad path is reported at once. */
    if (path && !(qemu_loglevel & LOG_TID)) {
        f = open_log(path, (long)getpid(), &name, errp);
        if (!f) {
            return false;
        }
    }
    g_rec_mutex_lock(&log_mutex);
    close_shared_file(false);
    log_file = f;
    log_file_name = name;
    g_free(log_path);
    log_path = g_strdup(path);
    log_per_thread = tid_mode();
    g_rec_mutex_unlock(&log_mutex);
    return true;
}

void qemu_log_close(void)
{
    LogThread *t = g_private_get(&log_thread_key);

    g_rec_mutex_lock(&log_mutex);
    if (t && t->file) {
        fclose(t->file);
        t->file = NULL;
    }
    close_shared_file(false);
    g_free(log_path);
    log_path = NULL;
    log_per_thread = false;
    g_rec_mutex_unlock(&log_mutex);
}

static LogThread *log_thread(void)
{
    LogThread *t = g_private_get(&log_thread_key);

    if (!t) {
        t = g_new0(LogThread, 1);
        t->pending = g_string_new(NULL);
        g_private_set(&log_thread_key, t);
    }
    return t;
}

/* The stream this thread writes to (log lock held). */
static FILE *log_stream(LogThread *t)
{
    if (log_per_thread) {
        if (!t->file) {
            t->file = open_log(log_path, (long)syscall(SYS_gettid), NULL, NULL);
        }
        if (t->file) {
            return t->file;
        }
    }
    if (log_file) {
        log_file_used = true;
        return log_file;
    }
    return stderr;
}

/* Write the complete lines of t->pending (log lock held). */
static void log_flush_lines(LogThread *t, bool all)
{
    const char *nl = memrchr(t->pending->str, '\n', t->pending->len);
    size_t n = all ? t->pending->len : nl ? (size_t)(nl - t->pending->str) + 1 : 0;
    FILE *f;

    if (!n) {
        return;
    }
    f = log_stream(t);
    fwrite(t->pending->str, 1, n, f);
    fflush(f);
    g_string_erase(t->pending, 0, (gssize)n);
}

static void log_thread_free(gpointer p)
{
    LogThread *t = p;

    g_rec_mutex_lock(&log_mutex);
    log_flush_lines(t, true);
    if (t->file) {
        fclose(t->file);
    }
    g_rec_mutex_unlock(&log_mutex);
    g_string_free(t->pending, true);
    g_free(t);
}

void qemu_log(const char *fmt, ...)
{
    LogThread *t = log_thread();
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(t->pending, fmt, ap);
    va_end(ap);
    if (memchr(t->pending->str, '\n', t->pending->len)) {
        g_rec_mutex_lock(&log_mutex);
        log_flush_lines(t, false);
        g_rec_mutex_unlock(&log_mutex);
    }
}

void qemu_log_lock(void)
{
    g_rec_mutex_lock(&log_mutex);
}

void qemu_log_unlock(void)
{
    g_rec_mutex_unlock(&log_mutex);
}
