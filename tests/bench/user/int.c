/* Integer benchmark: CRC-32 over a buffer, a prime sieve and a heap sort. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t crc32(const unsigned char *p, size_t n, uint32_t crc)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
        }
    }
    return ~crc;
}

static void sift(uint32_t *a, size_t start, size_t end)
{
    size_t root = start;
    while (2 * root + 1 <= end) {
        size_t child = 2 * root + 1, sw = root;
        if (a[sw] < a[child]) sw = child;
        if (child + 1 <= end && a[sw] < a[child + 1]) sw = child + 1;
        if (sw == root) return;
        uint32_t t = a[root]; a[root] = a[sw]; a[sw] = t;
        root = sw;
    }
}

int main(void)
{
    enum { N = 1 << 20, SIEVE = 8000000 };
    unsigned char *buf = malloc(N);
    uint32_t x = 12345, crc = 0;
    for (size_t i = 0; i < N; i++) {
        x = x * 1103515245 + 12345;
        buf[i] = x >> 16;
    }
    for (int r = 0; r < 8; r++) {
        crc = crc32(buf, N, crc);
    }
    char *comp = calloc(SIEVE, 1);
    long primes = 0;
    for (long i = 2; i < SIEVE; i++) {
        if (!comp[i]) {
            primes++;
            for (long j = i * i; j < SIEVE; j += i) comp[j] = 1;
        }
    }
    uint32_t *a = malloc(N * sizeof(uint32_t));
    for (size_t i = 0; i < N; i++) {
        x = x * 1103515245 + 12345;
        a[i] = x;
    }
    for (size_t s = N / 2; s-- > 0;) sift(a, s, N - 1);
    for (size_t e = N - 1; e > 0; e--) {
        uint32_t t = a[0]; a[0] = a[e]; a[e] = t;
        sift(a, 0, e - 1);
    }
    int sorted = 1;
    for (size_t i = 1; i < N; i++) sorted &= a[i - 1] <= a[i];
    printf("crc %08x primes %ld sorted %d\n", crc, primes, sorted);
    return 0;
}
