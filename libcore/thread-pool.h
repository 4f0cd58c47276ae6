/*
 * A small pool of worker threads for blocking work (file I/O, compression).
 * Jobs run in a worker; their completion callback runs in a GMainContext, so
 * servers stay single-threaded. run_parallel is the synchronous form for
 * tools: N independent jobs, wait for all.
 */
#ifndef LIBCORE_THREAD_POOL_H
#define LIBCORE_THREAD_POOL_H

#include <glib.h>
#include <stddef.h>

typedef struct ThreadPool ThreadPool;

/* Runs in a worker thread; the result goes to the completion callback. */
typedef int ThreadPoolFunc(void *opaque);
/* Runs in the pool's main context with the job's result. */
typedef void ThreadPoolDoneFunc(void *opaque, int ret);

/* ctx NULL: the default context. max_threads <= 0: the number of CPUs. */
ThreadPool *thread_pool_new(GMainContext *ctx, int max_threads);
/* Queue a job; done may be NULL. Call from the context's thread. */
void thread_pool_submit(ThreadPool *pool, ThreadPoolFunc *func, ThreadPoolDoneFunc *done,
                        void *opaque);
/* Jobs submitted whose completion has not been delivered yet. */
size_t thread_pool_pending(const ThreadPool *pool);
/* Iterate the context until every submitted job has completed and been delivered. */
void thread_pool_drain(ThreadPool *pool);
/* Wait for the queued jobs, deliver their completions, and free the pool. */
void thread_pool_free(ThreadPool *pool);

/*
 * Call func(opaque, i) for i in 0..n-1 on up to max_threads threads (<= 0: the
 * number of CPUs) and wait for all. Returns 0, or the result of the lowest i
 * that returned non-zero (every job still runs).
 */
int run_parallel(size_t n, int (*func)(void *opaque, size_t index), void *opaque,
                 int max_threads);

#endif
