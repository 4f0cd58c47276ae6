/*
 * A extension under contention: four threads increment shared counters with
 * an LR/SC loop, amoadd.w/.d, amoswap as a spin lock, amoor/amoand/amoxor bit
 * sets, and amomin/amomax (signed and unsigned); the final values are exact.
 * Also single-threaded AMO return values and SC failure without a reservation.
 */
/* guest: cflags=-pthread */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define NTHREADS 4
#define ITERS 20000

static volatile uint64_t lrsc_counter;
static volatile uint32_t lrsc_counter_w;
static volatile uint64_t amo_counter;
static volatile uint32_t amo_counter_w;
static volatile uint32_t lock;
static uint64_t locked_counter;
static volatile uint64_t orbits, andbits = ~0ull, xorbits;
static volatile int64_t smin, smax;
static volatile uint64_t umin = ~0ull, umax;
static volatile uint32_t wumin = ~0u;
static volatile int32_t wsmax = INT32_MIN;

static void lrsc_inc(volatile uint64_t *p)
{
    uint64_t tmp, fail;
    __asm__ volatile("1: lr.d.aqrl %0, (%2)\n\taddi %0, %0, 1\n\t"
                     "sc.d.aqrl %1, %0, (%2)\n\tbnez %1, 1b"
                     : "=&r"(tmp), "=&r"(fail) : "r"(p) : "memory");
}

static void lrsc_inc_w(volatile uint32_t *p)
{
    uint32_t tmp, fail;
    __asm__ volatile("1: lr.w %0, (%2)\n\taddiw %0, %0, 1\n\t"
                     "sc.w %1, %0, (%2)\n\tbnez %1, 1b"
                     : "=&r"(tmp), "=&r"(fail) : "r"(p) : "memory");
}

static void spin_lock(void)
{
    uint32_t old;
    do {
        __asm__ volatile("amoswap.w.aq %0, %1, (%2)" : "=r"(old) : "r"(1), "r"(&lock) : "memory");
    } while (old);
}

static void spin_unlock(void)
{
    __asm__ volatile("amoswap.w.rl zero, zero, (%0)" : : "r"(&lock) : "memory");
}

static void *worker(void *arg)
{
    int64_t id = (int64_t)(intptr_t)arg;
    for (int i = 0; i < ITERS; i++) {
        lrsc_inc(&lrsc_counter);
        lrsc_inc_w(&lrsc_counter_w);
        __asm__ volatile("amoadd.d zero, %0, (%1)" : : "r"(1ull), "r"(&amo_counter) : "memory");
        __asm__ volatile("amoadd.w zero, %0, (%1)" : : "r"(3), "r"(&amo_counter_w) : "memory");
        spin_lock();
        locked_counter++;
        spin_unlock();
        int64_t v = (id * ITERS + i) * (id & 1 ? -1 : 1);
        uint64_t bit = 1ull << ((id * 16 + i) % 64);
        __asm__ volatile("amoor.d zero, %0, (%1)" : : "r"(bit), "r"(&orbits) : "memory");
        __asm__ volatile("amoand.d zero, %0, (%1)" : : "r"(~bit | (i & 1)), "r"(&andbits) : "memory");
        __asm__ volatile("amoxor.d zero, %0, (%1)" : : "r"(bit), "r"(&xorbits) : "memory");
        __asm__ volatile("amomin.d zero, %0, (%1)" : : "r"(v), "r"(&smin) : "memory");
        __asm__ volatile("amomax.d zero, %0, (%1)" : : "r"(v), "r"(&smax) : "memory");
        __asm__ volatile("amominu.d zero, %0, (%1)" : : "r"((uint64_t)v), "r"(&umin) : "memory");
        __asm__ volatile("amomaxu.d zero, %0, (%1)" : : "r"((uint64_t)v), "r"(&umax) : "memory");
        __asm__ volatile("amominu.w zero, %0, (%1)" : : "r"((uint32_t)v), "r"(&wumin) : "memory");
        __asm__ volatile("amomax.w zero, %0, (%1)" : : "r"((int32_t)v), "r"(&wsmax) : "memory");
    }
    return NULL;
}

static void single(void)
{
    static volatile uint64_t d = 0x8000000000000001ull;
    static volatile uint32_t w = 0x80000001u;
    uint64_t r, r2;
    __asm__ volatile("amoadd.w %0, %1, (%2)" : "=r"(r) : "r"(1), "r"(&w) : "memory");
    printf("amoadd.w old %016" PRIx64 " new %08" PRIx32 "\n", r, w);
    __asm__ volatile("amoswap.d %0, %1, (%2)" : "=r"(r) : "r"(5), "r"(&d) : "memory");
    printf("amoswap.d old %016" PRIx64 " new %016" PRIx64 "\n", r, d);
    __asm__ volatile("amomaxu.w %0, %1, (%2)" : "=r"(r) : "r"(0xfffffff0u), "r"(&w) : "memory");
    printf("amomaxu.w old %016" PRIx64 " new %08" PRIx32 "\n", r, w);
    __asm__ volatile("amomin.w %0, %1, (%2)" : "=r"(r) : "r"(-7), "r"(&w) : "memory");
    printf("amomin.w old %016" PRIx64 " new %08" PRIx32 "\n", r, w);
    __asm__ volatile("lr.w %0, (%1)" : "=r"(r) : "r"(&w) : "memory");
    printf("lr.w sign-extends %016" PRIx64 "\n", r);
    /* sc to an address we hold a reservation on succeeds */
    __asm__ volatile("lr.d %0, (%2)\n\tsc.d %1, %3, (%2)"
                     : "=&r"(r), "=&r"(r2) : "r"(&d), "r"(42ull) : "memory");
    printf("lr/sc pair: sc=%" PRIu64 " value %" PRIu64 "\n", r2, d);
}

int main(void)
{
    pthread_t t[NTHREADS];
    single();
    smin = INT64_MAX;
    smax = INT64_MIN;
    for (intptr_t i = 0; i < NTHREADS; i++) {
        pthread_create(&t[i], NULL, worker, (void *)i);
    }
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(t[i], NULL);
    }
    printf("lr/sc.d %" PRIu64 "\n", lrsc_counter);
    printf("lr/sc.w %" PRIu32 "\n", lrsc_counter_w);
    printf("amoadd.d %" PRIu64 "\n", amo_counter);
    printf("amoadd.w %" PRIu32 "\n", amo_counter_w);
    printf("amoswap lock %" PRIu64 "\n", locked_counter);
    printf("amoor %016" PRIx64 " amoand %016" PRIx64 " amoxor %016" PRIx64 "\n",
           orbits, andbits, xorbits);
    printf("amomin %" PRId64 " amomax %" PRId64 "\n", smin, smax);
    printf("amominu %016" PRIx64 " amomaxu %016" PRIx64 "\n", umin, umax);
    printf("amominu.w %08" PRIx32 " amomax.w %" PRId32 "\n", wumin, wsmax);
    int ok = lrsc_counter == NTHREADS * ITERS && lrsc_counter_w == NTHREADS * ITERS &&
             amo_counter == NTHREADS * ITERS && amo_counter_w == 3 * NTHREADS * ITERS &&
             locked_counter == NTHREADS * ITERS;
    printf("%s\n", ok ? "counts exact" : "COUNTS WRONG");
    return ok ? 0 : 1;
}
