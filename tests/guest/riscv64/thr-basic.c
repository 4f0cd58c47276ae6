/*
 * Threads: creation and pthread_join with return values, thread-local storage,
 * a mutex-protected counter under heavy contention (futex waits and wakes), a
 * condition-variable queue, a barrier, pthread_kill to a given thread, thread
 * cancellation (the C library's internal real-time signal), pthread_exit, and
 * gettid being different per thread.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NTHREADS 8
#define NITER 20000

static __thread int tls_value = 5;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static pid_t tids[NTHREADS];

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;

    tls_value += id;
    tids[id] = gettid();
    for (int i = 0; i < NITER; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    return (void *)(intptr_t)(tls_value * 10);
}

/* Producer / consumer on a condition variable. */
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int queue[64], qhead, qtail, done;

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= 1000; i++) {
        pthread_mutex_lock(&lock);
        while (qtail - qhead == 64) {
            pthread_cond_wait(&cv, &lock);
        }
        queue[qtail++ % 64] = i;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    done = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *consumer(void *arg)
{
    long sum = 0;

    (void)arg;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (qhead == qtail && !done) {
            pthread_cond_wait(&cv, &lock);
        }
        if (qhead == qtail && done) {
            pthread_mutex_unlock(&lock);
            break;
        }
        sum += queue[qhead++ % 64];
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&lock);
    }
    return (void *)sum;
}

static pthread_barrier_t barrier;
static volatile int before_barrier;

static void *barrier_thread(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&before_barrier, 1, __ATOMIC_SEQ_CST);
    pthread_barrier_wait(&barrier);
    return (void *)(intptr_t)__atomic_load_n(&before_barrier, __ATOMIC_SEQ_CST);
}

static volatile sig_atomic_t usr1_thread_ok;
static pthread_t usr1_target;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_thread_ok = pthread_equal(pthread_self(), usr1_target);
}

static void *sig_thread(void *arg)
{
    sigset_t set;
    int sig;

    (void)arg;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigwait(&set, &sig);
    return (void *)(intptr_t)sig;
}

static void *sleeper(void *arg)
{
    (void)arg;
    for (;;) {
        pause();
    }
    return NULL;
}

static void *exiter(void *arg)
{
    (void)arg;
    pthread_exit((void *)(intptr_t)99);
}

int main(void)
{
    pthread_t th[NTHREADS], p, c, t;
    void *ret;
    int ok = 1;
    sigset_t set;

    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < NTHREADS; i++) {
        pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
    }
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], &ret);
        ok &= (intptr_t)ret == (5 + i) * 10;
    }
    printf("counter=%ld (expect %d) returns ok=%d main tls=%d\n", counter,
           NTHREADS * NITER, ok, tls_value);
    ok = 1;
    for (int i = 0; i < NTHREADS; i++) {
        ok &= tids[i] != gettid() && tids[i] > 0;
        for (int j = 0; j < i; j++) {
            ok &= tids[i] != tids[j];
        }
    }
    printf("distinct tids=%d\n", ok);

    pthread_create(&p, NULL, producer, NULL);
    pthread_create(&c, NULL, consumer, NULL);
    pthread_join(p, NULL);
    pthread_join(c, &ret);
    printf("consumer sum=%ld\n", (long)ret);

    pthread_barrier_init(&barrier, NULL, 4);
    for (int i = 0; i < 3; i++) {
        pthread_create(&th[i], NULL, barrier_thread, NULL);
    }
    __atomic_add_fetch(&before_barrier, 1, __ATOMIC_SEQ_CST);
    pthread_barrier_wait(&barrier);
    ok = 1;
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], &ret);
        ok &= (intptr_t)ret == 4;
    }
    printf("barrier ok=%d\n", ok);

    /* A signal to one thread runs the handler there. */
    signal(SIGUSR1, on_usr1);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_create(&t, NULL, sig_thread, NULL);
    pthread_kill(t, SIGUSR2);
    pthread_join(t, &ret);
    printf("sigwait in thread got %s\n", (intptr_t)ret == SIGUSR2 ? "SIGUSR2" : "other");

    usr1_target = pthread_self();
    pthread_kill(pthread_self(), SIGUSR1);
    printf("pthread_kill self handled in right thread=%d\n", (int)usr1_thread_ok);

    pthread_create(&t, NULL, sleeper, NULL);
    pthread_cancel(t);
    pthread_join(t, &ret);
    printf("cancelled=%d\n", ret == PTHREAD_CANCELED);

    pthread_create(&t, NULL, exiter, NULL);
    pthread_join(t, &ret);
    printf("pthread_exit value=%ld\n", (long)(intptr_t)ret);
    return 0;
}
