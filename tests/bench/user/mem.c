/* Memory benchmark: large memcpy/memset passes and a random pointer chase. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    enum { SZ = 16 << 20, NODES = 1 << 21 };
    char *a = malloc(SZ), *b = malloc(SZ);
    memset(a, 1, SZ);
    unsigned long sum = 0;
    for (int r = 0; r < 8; r++) {
        memcpy(b, a, SZ);
        b[r] = (char)r;
        memset(a + r, r, SZ / 2);
        sum += (unsigned char)b[r * 4099 % SZ];
    }
    size_t *next = malloc(NODES * sizeof(size_t));
    for (size_t i = 0; i < NODES; i++) next[i] = i;
    uint64_t x = 88172645463325252ull;
    for (size_t i = NODES - 1; i > 0; i--) {   /* Sattolo: one big cycle */
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        size_t j = x % i, t = next[i];
        next[i] = next[j]; next[j] = t;
    }
    size_t p = 0;
    for (long i = 0; i < 2 * NODES; i++) p = next[p];
    printf("sum %lu end %zu\n", sum, p);
    return 0;
}
