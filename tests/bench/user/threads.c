/* Threaded benchmark: four threads bump an atomic counter and a
 * mutex-protected one (the mutex contended, so futex wait/wake happen). */
#include <pthread.h>
#include <stdio.h>

#define ITERS 1000000
static long atomic_counter, locked_counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *work(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_SEQ_CST);
        if ((i & 3) == 0) {
            pthread_mutex_lock(&lock);
            locked_counter++;
            pthread_mutex_unlock(&lock);
        }
    }
    return NULL;
}

int main(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, work, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    printf("%ld %ld\n", atomic_counter, locked_counter);
    return atomic_counter == 4L * ITERS && locked_counter == ITERS ? 0 : 1;
}
