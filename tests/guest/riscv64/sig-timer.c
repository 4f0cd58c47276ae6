/*
 * Timers that raise signals: alarm and setitimer(ITIMER_REAL) with SIGALRM,
 * getitimer, a signal breaking a busy loop without system calls, POSIX timers
 * with SIGEV_SIGNAL (si_code SI_TIMER, the value) and SIGEV_THREAD (the C
 * library's helper thread), timer_gettime/getoverrun/delete.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms, timer_hits, timer_value, timer_code_ok;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void on_timer(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    timer_hits++;
    timer_value = si->si_value.sival_int;
    timer_code_ok = si->si_code == SI_TIMER;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int thread_calls, thread_value;

static void on_thread(union sigval v)
{
    pthread_mutex_lock(&lock);
    thread_calls++;
    thread_value = v.sival_int;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
}

/* Wait for sig with everything else as it is. */
static void wait_for(volatile sig_atomic_t *counter, int target, int sig)
{
    sigset_t block, old;

    sigemptyset(&block);
    sigaddset(&block, sig);
    sigprocmask(SIG_BLOCK, &block, &old);
    while (*counter < target) {
        sigsuspend(&old);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(void)
{
    struct sigaction sa;
    struct itimerval it, cur;
    struct sigevent sev;
    struct itimerspec its, got;
    timer_t t;

    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGALRM, on_alarm);

    printf("alarm(0)=%u\n", alarm(0));
    alarm(1);
    printf("alarm remaining=%u\n", alarm(1));
    wait_for(&alarms, 1, SIGALRM);
    printf("alarm fired: %d\n", (int)alarms);

    memset(&it, 0, sizeof(it));
    it.it_value.tv_usec = 20000;
    it.it_interval.tv_usec = 20000;
    setitimer(ITIMER_REAL, &it, NULL);
    getitimer(ITIMER_REAL, &cur);
    printf("getitimer: interval=%ld armed=%d\n", (long)cur.it_interval.tv_usec,
           cur.it_value.tv_sec != 0 || cur.it_value.tv_usec != 0);
    wait_for(&alarms, 4, SIGALRM);
    memset(&it, 0, sizeof(it));
    setitimer(ITIMER_REAL, &it, &cur);
    printf("periodic: at least 4 alarms: %d, old interval=%ld\n", alarms >= 4,
           (long)cur.it_interval.tv_usec);

    /* A signal interrupts a busy loop that makes no system call. */
    {
        volatile unsigned long spins = 0;
        int start = alarms;
        memset(&it, 0, sizeof(it));
        it.it_value.tv_usec = 30000;
        setitimer(ITIMER_REAL, &it, NULL);
        while (alarms == start) {
            spins++;
        }
        printf("busy loop interrupted: %d\n", spins > 0);
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN + 2, &sa, NULL);
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGRTMIN + 2;
    sev.sigev_value.sival_int = 1234;
    if (timer_create(CLOCK_MONOTONIC, &sev, &t)) {
        perror("timer_create");
        return 1;
    }
    memset(&its, 0, sizeof(its));
    its.it_value.tv_nsec = 10 * 1000 * 1000;
    timer_settime(t, 0, &its, NULL);
    wait_for(&timer_hits, 1, SIGRTMIN + 2);
    printf("posix timer: hits=%d value=%d SI_TIMER=%d overrun=%d\n", (int)timer_hits,
           (int)timer_value, (int)timer_code_ok, timer_getoverrun(t));
    timer_gettime(t, &got);
    printf("disarmed: %d\n", got.it_value.tv_sec == 0 && got.it_value.tv_nsec == 0);
    printf("delete=%d\n", timer_delete(t));

    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_THREAD;
    sev.sigev_notify_function = on_thread;
    sev.sigev_value.sival_int = 77;
    if (timer_create(CLOCK_REALTIME, &sev, &t)) {
        perror("timer_create thread");
        return 1;
    }
    its.it_value.tv_nsec = 10 * 1000 * 1000;
    timer_settime(t, 0, &its, NULL);
    pthread_mutex_lock(&lock);
    while (thread_calls == 0) {
        pthread_cond_wait(&cond, &lock);
    }
    pthread_mutex_unlock(&lock);
    printf("SIGEV_THREAD: calls=%d value=%d\n", thread_calls, thread_value);
    timer_delete(t);
    return 0;
}
