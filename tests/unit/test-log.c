/*
 * Tests of the -d / -D log (libcore/log.c): item names and help text, file names
 * with %d, lines held until complete, whole lines from concurrent threads, and
 * one file per thread with "tid".
 */
#include "config.h"
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include "libcore/log.h"

static char *tmp_dir;

static char *tmp_path(const char *name)
{
    return g_build_filename(tmp_dir, name, NULL);
}

static char *slurp(const char *path)
{
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static void test_parse(void)
{
    unsigned mask = 123;
    Error *err = NULL;

    g_assert_true(qemu_log_parse_mask("in_asm,exec", &mask, NULL));
    g_assert_cmpuint(mask, ==, LOG_IN_ASM | LOG_EXEC);
    g_assert_true(qemu_log_parse_mask("out_asm,op,op_opt,int,cpu,unimp,guest_errors,page,"
                                      "nochain,strace,tid", &mask, NULL));
    g_assert_cmpuint(mask, ==, LOG_OUT_ASM | LOG_OP | LOG_OP_OPT | LOG_INT | LOG_CPU |
                     LOG_UNIMP | LOG_GUEST_ERROR | LOG_PAGE | LOG_NOCHAIN | LOG_STRACE |
                     LOG_TID);
    g_assert_true(qemu_log_parse_mask("", &mask, NULL));
    g_assert_cmpuint(mask, ==, 0);
    mask = 7;
    g_assert_false(qemu_log_parse_mask("in_asm,bogus", &mask, &err));
    g_assert_nonnull(strstr(error_message(err), "'bogus'"));
    g_assert_cmpuint(mask, ==, 7);
    error_free(err);
}

static void test_help(void)
{
    char *h = qemu_log_help_text();

    g_assert_true(g_str_has_prefix(h, "Log items (comma separated):\n"));
    g_assert_nonnull(strstr(h, "\nout_asm         host code generated for each new"));
    g_assert_nonnull(strstr(h, "\nin_asm          guest code of each new"));
    g_assert_nonnull(strstr(h, "\nnochain         never jump from block to block"));
    g_assert_nonnull(strstr(h, "\ntid             one log file per thread"));
    g_free(h);
}

static void test_bad_paths(void)
{
    Error *err = NULL;

    g_assert_false(qemu_log_set_file("/tmp/x%s", &err));
    g_assert_nonnull(strstr(error_message(err), "%d"));
    error_free(err);
    err = NULL;
    g_assert_false(qemu_log_set_file("/tmp/%d-%d", &err));
    error_free(err);
    err = NULL;
    g_assert_false(qemu_log_set_file("/nonexistent-dir/log", &err));
    g_assert_nonnull(strstr(error_message(err), "/nonexistent-dir/log"));
    error_free(err);
}

static void test_partial_lines(void)
{
    char *tmpl = tmp_path("partial-%d.log");
    char *name = g_strdup_printf("%s/partial-%ld.log", tmp_dir, (long)getpid());
    char *text;

    qemu_log_set_mask(LOG_EXEC);
    g_assert_true(qemu_log_set_file(tmpl, NULL));
    qemu_log("abc");
    qemu_log_mask(LOG_IN_ASM, "not logged\n");
    text = slurp(name);
    g_assert_cmpstr(text, ==, "");
    g_free(text);
    qemu_log("def %d\nghi", 5);
    text = slurp(name);
    g_assert_cmpstr(text, ==, "abcdef 5\n");
    g_free(text);
    qemu_log_mask(LOG_EXEC, "\n");
    qemu_log_close();
    qemu_log_set_mask(0);
    text = slurp(name);
    g_assert_cmpstr(text, ==, "abcdef 5\nghi\n");
    g_free(text);
    g_unlink(name);
    g_free(name);
    g_free(tmpl);
}

#define N_THREADS 4
#define N_LINES 2000

static void *writer(void *p)
{
    int id = GPOINTER_TO_INT(p);

    for (int i = 0; i < N_LINES; i++) {
        /* three pieces per line: only whole lines may reach the file */
        qemu_log("thread %d ", id);
        qemu_log("line %d ", i);
        qemu_log("end\n");
    }
    return NULL;
}

static void test_threads(void)
{
    char *path = tmp_path("threads.log");
    pthread_t th[N_THREADS];
    unsigned counts[N_THREADS] = { 0 };
    char *text;
    gchar **lines;

    g_assert_true(qemu_log_set_file(path, NULL));
    for (int i = 0; i < N_THREADS; i++) {
        g_assert_cmpint(pthread_create(&th[i], NULL, writer, GINT_TO_POINTER(i)), ==, 0);
    }
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(th[i], NULL);
    }
    qemu_log_close();
    text = slurp(path);
    lines = g_strsplit(text, "\n", -1);
    for (gchar **l = lines; *l && **l; l++) {
        int id, n;
        char end[8];
        g_assert_cmpint(sscanf(*l, "thread %d line %d %7s", &id, &n, end), ==, 3);
        g_assert_cmpstr(end, ==, "end");
        g_assert_cmpint(id, >=, 0);
        g_assert_cmpint(id, <, N_THREADS);
        g_assert_cmpint(n, ==, (int)counts[id]);
        counts[id]++;
    }
    for (int i = 0; i < N_THREADS; i++) {
        g_assert_cmpuint(counts[i], ==, N_LINES);
    }
    g_strfreev(lines);
    g_free(text);
    g_unlink(path);
    g_free(path);
}

static void *tid_writer(void *p)
{
    long *tid = p;

    *tid = (long)syscall(SYS_gettid);
    qemu_log("hello from %ld\n", *tid);
    return NULL;
}

static void test_tid_files(void)
{
    char *tmpl = tmp_path("tid-%d.log");
    pthread_t th[2];
    long tids[2];

    /* -D before -d tid: the file opened for the pid is dropped again */
    char *pid_name = g_strdup_printf("%s/tid-%ld.log", tmp_dir, (long)getpid());
    g_assert_true(qemu_log_set_file(tmpl, NULL));
    g_assert_true(g_file_test(pid_name, G_FILE_TEST_EXISTS));
    qemu_log_set_mask(LOG_TID);
    g_assert_false(g_file_test(pid_name, G_FILE_TEST_EXISTS));
    g_free(pid_name);
    for (int i = 0; i < 2; i++) {
        g_assert_cmpint(pthread_create(&th[i], NULL, tid_writer, &tids[i]), ==, 0);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
    }
    qemu_log_close();
    qemu_log_set_mask(0);
    for (int i = 0; i < 2; i++) {
        char *name = g_strdup_printf("%s/tid-%ld.log", tmp_dir, tids[i]);
        char *want = g_strdup_printf("hello from %ld\n", tids[i]);
        char *text = slurp(name);
        g_assert_cmpstr(text, ==, want);
        g_unlink(name);
        g_free(text);
        g_free(want);
        g_free(name);
    }
    g_free(tmpl);
}

/* Logging still works in a child of a child of a threaded process. */
static void test_fork(void)
{
    char *path = tmp_path("fork.log");
    pthread_t th;
    int status = -1;

    g_assert_true(qemu_log_set_file(path, NULL));
    g_assert_cmpint(pthread_create(&th, NULL, writer, GINT_TO_POINTER(0)), ==, 0);
    pid_t pid = fork();
    if (pid == 0) {
        pid_t grandchild = fork();
        if (grandchild == 0) {
            qemu_log("grandchild\n");
            _exit(0);
        }
        waitpid(grandchild, &status, 0);
        qemu_log("child\n");
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
    }
    pthread_join(th, NULL);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    qemu_log_close();
    char *text = slurp(path);
    g_assert_nonnull(strstr(text, "grandchild\n"));
    g_assert_nonnull(strstr(text, "\nchild\n"));
    g_free(text);
    g_unlink(path);
    g_free(path);
}

int main(int argc, char **argv)
{
    int r;

    g_test_init(&argc, &argv, NULL);
    tmp_dir = g_dir_make_tmp("test-log-XXXXXX", NULL);
    g_assert_nonnull(tmp_dir);
    g_test_add_func("/log/parse", test_parse);
    g_test_add_func("/log/help", test_help);
    g_test_add_func("/log/bad-paths", test_bad_paths);
    g_test_add_func("/log/partial-lines", test_partial_lines);
    g_test_add_func("/log/threads", test_threads);
    g_test_add_func("/log/tid-files", test_tid_files);
    g_test_add_func("/log/fork", test_fork);
    r = g_test_run();
    g_rmdir(tmp_dir);
    g_free(tmp_dir);
    return r;
}
