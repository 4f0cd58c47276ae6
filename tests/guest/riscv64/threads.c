/*
 * POSIX threads on top of clone and futex: thread-local storage (initialised
 * and zeroed TLS, per-thread addresses distinct), a bounded queue with a mutex
 * and two condition variables between 3 producers and 3 consumers, a rwlock,
 * pthread_once, semaphores, a detached thread, and join return values.
 */
/* guest: cflags=-pthread dynamic=both */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NPROD 3
#define NCONS 3
#define PER_PROD 3000
#define QCAP 8

static __thread int tls_init = 7;
static __thread long tls_zero;
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static long queue[QCAP];
static int qhead, qcount, producers_left = NPROD;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long rw_value;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static sem_t sem_done;

static void once_fn(void) { once_runs++; }

static void *producer(void *arg)
{
    long base = (long)(intptr_t)arg * 100000;
    pthread_once(&once, once_fn);
    for (long i = 1; i <= PER_PROD; i++) {
        pthread_mutex_lock(&qlock);
        while (qcount == QCAP) {
            pthread_cond_wait(&not_full, &qlock);
        }
        queue[(qhead + qcount) % QCAP] = base + i;
        qcount++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&qlock);
    }
    pthread_mutex_lock(&qlock);
    producers_left--;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&qlock);
    return NULL;
}

static void *consumer(void *arg)
{
    long sum = 0, n = 0;
    (void)arg;
    tls_zero = 0;
    for (;;) {
        pthread_mutex_lock(&qlock);
        while (qcount == 0 && producers_left > 0) {
            pthread_cond_wait(&not_empty, &qlock);
        }
        if (qcount == 0) {
            pthread_mutex_unlock(&qlock);
            break;
        }
        long v = queue[qhead];
        qhead = (qhead + 1) % QCAP;
        qcount--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&qlock);
        sum += v;
        n++;
        tls_zero++;
        if ((n & 63) == 0) {
            pthread_rwlock_wrlock(&rw);
            rw_value += 64;
            pthread_rwlock_unlock(&rw);
        } else if ((n & 7) == 0) {
            pthread_rwlock_rdlock(&rw);
            (void)rw_value;
            pthread_rwlock_unlock(&rw);
        }
    }
    /* each consumer's private count equals what it consumed */
    long *res = malloc(2 * sizeof(long));
    res[0] = sum;
    res[1] = (tls_zero == n && tls_init == 7) ? n : -1;
    return res;
}

static void *tls_checker(void *arg)
{
    int **slot = arg;
    *slot = &tls_init;
    tls_init += 1;
    return (void *)(intptr_t)tls_init;
}

static void *detached(void *arg)
{
    (void)arg;
    sem_post(&sem_done);
    return NULL;
}

int main(void)
{
    pthread_t p[NPROD], c[NCONS], t;
    int *addr = NULL;
    void *ret;

    pthread_create(&t, NULL, tls_checker, &addr);
    pthread_join(t, &ret);
    printf("tls: thread saw %ld, main still %d, distinct %d\n",
           (long)(intptr_t)ret, tls_init, addr != &tls_init);

    for (intptr_t i = 0; i < NPROD; i++) {
        pthread_create(&p[i], NULL, producer, (void *)(i + 1));
    }
    for (int i = 0; i < NCONS; i++) {
        pthread_create(&c[i], NULL, consumer, NULL);
    }
    for (int i = 0; i < NPROD; i++) {
        pthread_join(p[i], NULL);
    }
    long total = 0, count = 0;
    int tls_ok = 1;
    for (int i = 0; i < NCONS; i++) {
        pthread_join(c[i], &ret);
        long *res = ret;
        total += res[0];
        if (res[1] < 0) {
            tls_ok = 0;
        } else {
            count += res[1];
        }
        free(res);
    }
    long expect = 0;
    for (long k = 1; k <= NPROD; k++) {
        expect += k * 100000 * PER_PROD + (long)PER_PROD * (PER_PROD + 1) / 2;
    }
    printf("queue: items %ld sum %ld expected %ld tls %s\n", count, total, expect,
           tls_ok ? "ok" : "BAD");
    printf("once ran %d time(s)\n", once_runs);

    sem_init(&sem_done, 0, 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 4; i++) {
        pthread_create(&t, &attr, detached, NULL);
    }
    for (int i = 0; i < 4; i++) {
        sem_wait(&sem_done);
    }
    printf("detached threads posted 4\n");
    return count == NPROD * PER_PROD && total == expect && tls_ok ? 0 : 1;
}
