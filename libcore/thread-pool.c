/*
 * Worker pool over GThreadPool. Finished jobs go on a queue and an eventfd
 * wakes the owning main context, which runs the completion callbacks there.
 */
#include "config.h"
#include "libcore/thread-pool.h"
#include "libcore/main-loop.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

typedef struct Job {
    ThreadPoolFunc *func;
    ThreadPoolDoneFunc *done;
    void *opaque;
    int ret;
} Job;

struct ThreadPool {
    GMainContext *ctx;
    GThreadPool *workers;
    GMutex lock;
    GQueue finished;        /* of Job *, under lock */
    int efd;
    guint watch;
    size_t pending;         /* context thread only */
};

static void worker_run(gpointer data, gpointer user_data)
{
    Job *job = data;
    ThreadPool *pool = user_data;
    uint64_t one = 1;

    job->ret = job->func(job->opaque);
    g_mutex_lock(&pool->lock);
    g_queue_push_tail(&pool->finished, job);
    g_mutex_unlock(&pool->lock);
    /* An eventfd counter only fails to add on overflow, which cannot happen here. */
    while (write(pool->efd, &one, sizeof(one)) < 0 && errno == EINTR) {
    }
}

static void deliver_finished(ThreadPool *pool)
{
    GQueue batch = G_QUEUE_INIT;
    g_mutex_lock(&pool->lock);
    batch = pool->finished;
    g_queue_init(&pool->finished);
    g_mutex_unlock(&pool->lock);

    Job *job;
    while ((job = g_queue_pop_head(&batch))) {
        pool->pending--;
        if (job->done) {
            job->done(job->opaque, job->ret);
        }
        g_free(job);
    }
}

static bool pool_wakeup(void *opaque, int fd, GIOCondition cond)
{
    ThreadPool *pool = opaque;
    uint64_t count;
    while (read(fd, &count, sizeof(count)) < 0 && errno == EINTR) {
    }
    deliver_finished(pool);
    return true;
}

static int default_threads(int max_threads)
{
    return max_threads > 0 ? max_threads : (int)MAX(g_get_num_processors(), 1);
}

ThreadPool *thread_pool_new(GMainContext *ctx, int max_threads)
{
    ThreadPool *pool = g_new0(ThreadPool, 1);
    pool->ctx = ctx ? g_main_context_ref(ctx) : NULL;
    g_mutex_init(&pool->lock);
    g_queue_init(&pool->finished);
    pool->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    g_assert(pool->efd >= 0);               /* only fails when out of fds/memory */
    pool->watch = main_loop_add_fd(ctx, pool->efd, G_IO_IN, pool_wakeup, pool);
    pool->workers = g_thread_pool_new(worker_run, pool, default_threads(max_threads),
                                      FALSE, NULL);
    return pool;
}

void thread_pool_submit(ThreadPool *pool, ThreadPoolFunc *func, ThreadPoolDoneFunc *done,
                        void *opaque)
{
    Job *job = g_new0(Job, 1);
    job->func = func;
    job->done = done;
    job->opaque = opaque;
    pool->pending++;
    g_thread_pool_push(pool->workers, job, NULL);
}

size_t thread_pool_pending(const ThreadPool *pool)
{
    return pool->pending;
}

void thread_pool_drain(ThreadPool *pool)
{
    while (pool->pending) {
        g_main_context_iteration(pool->ctx, TRUE);
    }
}

void thread_pool_free(ThreadPool *pool)
{
    if (!pool) {
        return;
    }
    g_thread_pool_free(pool->workers, FALSE, TRUE);    /* runs what is queued */
    deliver_finished(pool);
    main_loop_remove(pool->ctx, pool->watch);
    close(pool->efd);
    g_mutex_clear(&pool->lock);
    if (pool->ctx) {
        g_main_context_unref(pool->ctx);
    }
    g_free(pool);
}

/* ---- run_parallel ---- */

typedef struct Parallel {
    int (*func)(void *opaque, size_t index);
    void *opaque;
    size_t n;
    size_t next;            /* atomic: next index to take */
    int *results;
} Parallel;

static gpointer parallel_worker(gpointer data)
{
    Parallel *p = data;
    for (;;) {
        size_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
        if (i >= p->n) {
            return NULL;
        }
        p->results[i] = p->func(p->opaque, i);
    }
}

int run_parallel(size_t n, int (*func)(void *opaque, size_t index), void *opaque,
                 int max_threads)
{
    Parallel p = { func, opaque, n, 0, g_new0(int, n ? n : 1) };
    size_t nthreads = MIN((size_t)default_threads(max_threads), n);

    if (nthreads <= 1) {
        parallel_worker(&p);                /* no thread for a single worker */
    } else {
        GThread **threads = g_new(GThread *, nthreads);
        for (size_t t = 0; t < nthreads; t++) {
            threads[t] = g_thread_new("parallel", parallel_worker, &p);
        }
        for (size_t t = 0; t < nthreads; t++) {
            g_thread_join(threads[t]);
        }
        g_free(threads);
    }
    int ret = 0;
    for (size_t i = 0; i < n && !ret; i++) {
        ret = p.results[i];
    }
    g_free(p.results);
    return ret;
}
