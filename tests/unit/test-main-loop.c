/*
 * Unit tests for the main-loop helpers (fd watches, timers, bottom halves)
 * and the worker thread pool.
 */
#include "config.h"
#include <glib.h>
#include <string.h>
#include <unistd.h>
#include "libcore/main-loop.h"
#include "libcore/thread-pool.h"

static bool flag_set(void *opaque)
{
    return *(bool *)opaque;
}

static bool int_reached(void *opaque)
{
    int *v = opaque;
    return v[0] >= v[1];
}

/* ---- fd watches ---- */

typedef struct FdState {
    int calls;
    char got[16];
    bool done;
} FdState;

static bool on_readable(void *opaque, int fd, GIOCondition cond)
{
    FdState *s = opaque;
    g_assert_true(cond & G_IO_IN);
    ssize_t n = read(fd, s->got, sizeof(s->got) - 1);
    g_assert_cmpint(n, >, 0);
    s->calls++;
    s->done = true;
    return false;                           /* one shot */
}

static void test_fd_watch(void)
{
    GMainContext *ctx = g_main_context_new();
    int fds[2];
    g_assert_cmpint(pipe(fds), ==, 0);
    FdState s = { 0 };
    guint id = main_loop_add_fd(ctx, fds[0], G_IO_IN, on_readable, &s);
    g_assert_false(main_loop_wait(ctx, false));     /* nothing to read yet */
    g_assert_cmpint(write(fds[1], "ping", 4), ==, 4);
    main_loop_run_until(ctx, flag_set, &s.done);
    g_assert_cmpstr(s.got, ==, "ping");
    g_assert_false(main_loop_remove(ctx, id));      /* removed itself */
    g_assert_cmpint(write(fds[1], "again", 5), ==, 5);
    main_loop_wait(ctx, false);
    g_assert_cmpint(s.calls, ==, 1);
    close(fds[0]);
    close(fds[1]);
    g_main_context_unref(ctx);
}

/* ---- timers ---- */

static bool count_to_three(void *opaque)
{
    int *v = opaque;
    return ++v[0] < 3;
}

static bool must_not_run(void *opaque)
{
    g_assert_not_reached();
    return false;
}

static bool set_flag_timer(void *opaque)
{
    *(bool *)opaque = true;
    return false;
}

static void test_timer(void)
{
    GMainContext *ctx = g_main_context_new();
    int count[2] = { 0, 3 };
    bool done = false;
    guint id = main_loop_add_timer(ctx, 1, count_to_three, count);
    main_loop_run_until(ctx, int_reached, count);
    g_assert_cmpint(count[0], ==, 3);
    g_assert_false(main_loop_remove(ctx, id));      /* returned false: gone */

    guint never = main_loop_add_timer(ctx, 1, must_not_run, NULL);
    g_assert_true(main_loop_remove(ctx, never));
    main_loop_add_timer(ctx, 5, set_flag_timer, &done);
    main_loop_run_until(ctx, flag_set, &done);
    g_main_context_unref(ctx);
}

/* ---- bottom halves ---- */

typedef struct BhState {
    int runs;
    int again;              /* reschedule this many more times */
    BottomHalf *self;
} BhState;

static void bh_count(void *opaque)
{
    BhState *s = opaque;
    s->runs++;
    if (s->again > 0) {
        s->again--;
        bh_schedule(s->self);
    }
}

static void test_bh_once(void)
{
    GMainContext *ctx = g_main_context_new();
    BhState s = { 0 };
    BottomHalf *bh = bh_new(ctx, bh_count, &s);
    s.self = bh;
    bh_schedule(bh);
    bh_schedule(bh);                        /* coalesces */
    while (main_loop_wait(ctx, false)) {
    }
    g_assert_cmpint(s.runs, ==, 1);

    s.again = 2;                            /* reschedules itself twice */
    bh_schedule(bh);
    while (main_loop_wait(ctx, false)) {
    }
    g_assert_cmpint(s.runs, ==, 4);

    bh_schedule(bh);
    bh_cancel(bh);
    while (main_loop_wait(ctx, false)) {
    }
    g_assert_cmpint(s.runs, ==, 4);
    bh_delete(bh);
    g_main_context_unref(ctx);
}

static gpointer schedule_from_thread(gpointer bh)
{
    bh_schedule(bh);
    return NULL;
}

static void bh_set_flag(void *opaque)
{
    *(bool *)opaque = true;
}

static void test_bh_thread(void)
{
    GMainContext *ctx = g_main_context_new();
    bool done = false;
    BottomHalf *bh = bh_new(ctx, bh_set_flag, &done);
    GThread *t = g_thread_new("bh", schedule_from_thread, bh);
    main_loop_run_until(ctx, flag_set, &done);   /* wakes up from the other thread */
    g_thread_join(t);
    bh_delete(bh);
    g_main_context_unref(ctx);
}

/* ---- thread pool ---- */

typedef struct PoolJob {
    int in;
    int out;
    GThread *ran_in;
    int *delivered;
    GThread *main_thread;
} PoolJob;

static int pool_work(void *opaque)
{
    PoolJob *j = opaque;
    j->ran_in = g_thread_self();
    j->out = j->in * 2;
    return j->in % 3;
}

static void pool_done(void *opaque, int ret)
{
    PoolJob *j = opaque;
    g_assert_true(g_thread_self() == j->main_thread);
    g_assert_cmpint(ret, ==, j->in % 3);
    g_assert_cmpint(j->out, ==, j->in * 2);
    (*j->delivered)++;
}

static void test_pool(void)
{
    GMainContext *ctx = g_main_context_new();
    ThreadPool *pool = thread_pool_new(ctx, 4);
    enum { N = 64 };
    PoolJob jobs[N];
    int delivered = 0;
    for (int i = 0; i < N; i++) {
        jobs[i] = (PoolJob){ .in = i, .delivered = &delivered, .main_thread = g_thread_self() };
        thread_pool_submit(pool, pool_work, pool_done, &jobs[i]);
    }
    g_assert_cmpuint(thread_pool_pending(pool), ==, N);
    thread_pool_drain(pool);
    g_assert_cmpint(delivered, ==, N);
    g_assert_cmpuint(thread_pool_pending(pool), ==, 0);
    for (int i = 0; i < N; i++) {
        g_assert_true(jobs[i].ran_in != g_thread_self());
    }

    /* Freeing with jobs in flight still runs and delivers them. */
    delivered = 0;
    for (int i = 0; i < N; i++) {
        thread_pool_submit(pool, pool_work, pool_done, &jobs[i]);
    }
    thread_pool_submit(pool, pool_work, NULL, &jobs[0]);
    thread_pool_free(pool);
    g_assert_cmpint(delivered, ==, N);
    g_main_context_unref(ctx);
}

static int parallel_job(void *opaque, size_t i)
{
    int *out = opaque;
    out[i] = (int)i + 1;
    return i == 500 ? 5 : i == 700 ? 7 : 0;
}

static void test_run_parallel(void)
{
    enum { N = 1000 };
    int *out = g_new0(int, N);
    for (int threads = 0; threads <= 8; threads += 4) {
        memset(out, 0, N * sizeof(int));
        g_assert_cmpint(run_parallel(N, parallel_job, out, threads), ==, 5);
        for (int i = 0; i < N; i++) {
            g_assert_cmpint(out[i], ==, i + 1);     /* every job ran once */
        }
    }
    g_assert_cmpint(run_parallel(0, parallel_job, out, 4), ==, 0);
    g_assert_cmpint(run_parallel(1, parallel_job, out, 1), ==, 0);
    g_free(out);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/main-loop/fd-watch", test_fd_watch);
    g_test_add_func("/main-loop/timer", test_timer);
    g_test_add_func("/main-loop/bh-once", test_bh_once);
    g_test_add_func("/main-loop/bh-thread", test_bh_thread);
    g_test_add_func("/thread-pool/pool", test_pool);
    g_test_add_func("/thread-pool/run-parallel", test_run_parallel);
    return g_test_run();
}
