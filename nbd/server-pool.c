/*
 * A connection's workers: a queue of parsed requests and up to a fixed
 * number of threads, started on demand, that execute them. Plain pthreads
 * (rather than GThreadPool) so that thread sanitizers see every hand-over.
 */
#include "config.h"
#include "nbd/server-int.h"

struct NbdWorkers {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    GQueue queue;              /* NbdRequest * */
    pthread_t *threads;
    unsigned max, count, idle;
    bool stop;
};

static void *worker_main(void *opaque)
{
    NbdWorkers *w = opaque;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (g_queue_is_empty(&w->queue) && !w->stop) {
            w->idle++;
            pthread_cond_wait(&w->cond, &w->lock);
            w->idle--;
        }
        NbdRequest *req = g_queue_pop_head(&w->queue);
        if (!req) {
            break;     /* stopping and nothing left */
        }
        pthread_mutex_unlock(&w->lock);
        nbd_server_execute(req);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

NbdWorkers *nbd_workers_new(unsigned max)
{
    NbdWorkers *w = g_new0(NbdWorkers, 1);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    g_queue_init(&w->queue);
    w->max = max ? max : 1;
    w->threads = g_new0(pthread_t, w->max);
    return w;
}

void nbd_workers_push(NbdWorkers *w, NbdRequest *req)
{
    pthread_mutex_lock(&w->lock);
    g_queue_push_tail(&w->queue, req);
    bool started = false;
    if (!w->idle && w->count < w->max) {
        started = pthread_create(&w->threads[w->count], NULL, worker_main, w) == 0;
        w->count += started;
    }
    if (!started && !w->count) {
        /* Not even one thread: run it here rather than never. */
        g_queue_pop_tail(&w->queue);
        pthread_mutex_unlock(&w->lock);
        nbd_server_execute(req);
        return;
    }
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void nbd_workers_free(NbdWorkers *w)
{
    if (!w) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    for (unsigned i = 0; i < w->count; i++) {
        pthread_join(w->threads[i], NULL);
    }
    g_free(w->threads);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    g_free(w);
}
