/*
 * futex through the raw system call: WAIT/WAKE between threads, the errors
 * (EAGAIN on a changed value, ETIMEDOUT, EINVAL for a misaligned word, EFAULT
 * for an unmapped one), WAIT_BITSET/WAKE_BITSET with a bitset that does and
 * does not match, REQUEUE and CMP_REQUEUE, WAKE_OP, the PI lock operations
 * uncontended. (The robust list calls are in net-robust.c.)
 */
/* guest: cflags=-pthread */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int failures;
static uint32_t word, word2;
static uint32_t woken;

static void check(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) {
        failures++;
    }
}

static long fx(uint32_t *u, int op, uint32_t val, const void *t, uint32_t *u2, uint32_t v3)
{
    return syscall(SYS_futex, u, op, val, t, u2, v3);
}

/* Wait while the word is 0; count the wake. */
static void *waiter(void *arg)
{
    uint32_t *w = arg;

    while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == 0) {
        fx(w, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    }
    __atomic_fetch_add(&woken, 1, __ATOMIC_ACQ_REL);
    return NULL;
}

/* Number of threads blocked on a word: wake them one by one until none is left. */
static void test_wait_wake(void)
{
    pthread_t t[4];
    int total = 0;

    word = 0;
    for (int i = 0; i < 4; i++) {
        pthread_create(&t[i], NULL, waiter, &word);
    }
    usleep(20000);
    __atomic_store_n(&word, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&woken, __ATOMIC_ACQUIRE) < 4) {
        long n = fx(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        total += n > 0 ? (int)n : 0;
        sched_yield();
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
    }
    check("four waiters woken", woken == 4);
}

static void test_errors(void)
{
    struct timespec ts = { 0, 1000000 };
    static uint32_t words[2];
    char *mis = (char *)words + 1;

    word = 5;
    errno = 0;
    check("EAGAIN", fx(&word, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0) < 0 && errno == EAGAIN);
    errno = 0;
    check("ETIMEDOUT", fx(&word, FUTEX_WAIT_PRIVATE, 5, &ts, NULL, 0) < 0 &&
          errno == ETIMEDOUT);
    errno = 0;
    check("misaligned EINVAL", fx((uint32_t *)mis, FUTEX_WAKE, 1, NULL, NULL, 0) < 0 &&
          errno == EINVAL);
    errno = 0;
    check("unmapped EFAULT", fx((uint32_t *)4096, FUTEX_WAIT, 0, NULL, NULL, 0) < 0 &&
          errno == EFAULT);
    errno = 0;
    check("bad op ENOSYS", fx(&word, 99, 0, NULL, NULL, 0) < 0 && errno == ENOSYS);
    check("wake nobody", fx(&word, FUTEX_WAKE, 10, NULL, NULL, 0) == 0);
}

static void *bitset_waiter(void *arg)
{
    (void)arg;
    fx(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 0x2);
    __atomic_fetch_add(&woken, 1, __ATOMIC_ACQ_REL);
    return NULL;
}

static long wake_until(uint32_t *w, int op, uint32_t v3)
{
    long n = 0;

    /* The waiter may not have gone to sleep yet: retry until someone wakes. */
    for (int i = 0; i < 2000 && n == 0; i++) {
        n = fx(w, op, 1, NULL, NULL, v3);
        if (n == 0) {
            usleep(1000);
        }
    }
    return n;
}

static void test_bitset(void)
{
    pthread_t t;
    struct timespec abs;

    word = 0;
    woken = 0;
    pthread_create(&t, NULL, bitset_waiter, NULL);
    usleep(20000);
    check("non-matching bitset wakes none",
          fx(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x4) == 0);
    check("matching bitset wakes one", wake_until(&word, FUTEX_WAKE_BITSET_PRIVATE, 0x6) == 1);
    pthread_join(t, NULL);
    clock_gettime(CLOCK_REALTIME, &abs);
    abs.tv_nsec += 1000000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    errno = 0;
    check("CLOCK_REALTIME absolute timeout",
          fx(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &abs, NULL,
             FUTEX_BITSET_MATCH_ANY) < 0 && errno == ETIMEDOUT);
}

static void test_requeue(void)
{
    pthread_t t[2];

    word = 0;
    word2 = 0;
    woken = 0;
    for (int i = 0; i < 2; i++) {
        pthread_create(&t[i], NULL, waiter, &word);
    }
    usleep(20000);
    errno = 0;
    check("CMP_REQUEUE value mismatch",
          fx(&word, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)2, &word2, 7) < 0 && errno == EAGAIN);
    /* Move every waiter to word2 (waking none), then wake them there. */
    __atomic_store_n(&word, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&word2, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&woken, __ATOMIC_ACQUIRE) < 2) {
        fx(&word, FUTEX_REQUEUE_PRIVATE, 0, (void *)8, &word2, 0);
        fx(&word2, FUTEX_WAKE_PRIVATE, 8, NULL, NULL, 0);
        usleep(1000);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
    }
    check("requeued waiters woken", woken == 2);
}

static void test_wake_op(void)
{
    /* word2 += 3 (old value compared: wake on word2 if old == 10). */
    uint32_t op = FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 10);
    long r;

    word = 0;
    word2 = 10;
    r = fx(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &word2, op);
    check("WAKE_OP", r == 0 && word2 == 13);
    errno = 0;
    check("WAKE_OP EFAULT", fx(&word, FUTEX_WAKE_OP, 1, (void *)1, (uint32_t *)4096, op) < 0 &&
          errno == EFAULT);
}

static void test_pi(void)
{
    uint32_t tid = (uint32_t)syscall(SYS_gettid);

    word = 0;
    check("TRYLOCK_PI", fx(&word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0 &&
          (word & FUTEX_TID_MASK) == tid);
    check("UNLOCK_PI", fx(&word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0 && word == 0);
    check("LOCK_PI", fx(&word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) == 0 &&
          (word & FUTEX_TID_MASK) == tid);
    errno = 0;
    check("LOCK_PI again EDEADLK", fx(&word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) < 0 &&
          errno == EDEADLK);
    fx(&word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_wait_wake();
    test_errors();
    test_bitset();
    test_requeue();
    test_wake_op();
    test_pi();
    printf("failures: %d\n", failures);
    return failures != 0;
}
