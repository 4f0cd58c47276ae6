/*
 * Memory mapping: anonymous private and shared mappings (shared across fork),
 * a file mapping reading file contents and MAP_SHARED writes reaching the file
 * (msync), MAP_FIXED replacing part of a mapping, munmap of a middle page,
 * mprotect to read-only then a write caught as SIGSEGV (si_code SEGV_ACCERR,
 * si_addr exact) and recovered with siglongjmp, a PROT_NONE page giving
 * SEGV_ACCERR too, an unmapped address SEGV_MAPERR, mremap growth with and
 * without MREMAP_MAYMOVE keeping contents, and brk growth and shrink.
 */
/* guest: args=TMPDIR */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(env, 1);
}

/* try_write: 0 when the store worked, else the fault's si_code. */
static int try_write(volatile char *p, const char *what)
{
    fault_addr = NULL;
    if (sigsetjmp(env, 1) == 0) {
        *p = 42;
        printf("%s: write ok\n", what);
        return 0;
    }
    printf("%s: SIGSEGV %s addr %s\n", what,
           fault_code == SEGV_ACCERR ? "SEGV_ACCERR" :
           fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other",
           fault_addr == (void *)p ? "exact" : "WRONG");
    return fault_code;
}

static int try_read(volatile char *p, const char *what)
{
    if (sigsetjmp(env, 1) == 0) {
        char c = *p;
        printf("%s: read ok %d\n", what, c);
        return 0;
    }
    printf("%s: SIGSEGV %s addr %s\n", what,
           fault_code == SEGV_ACCERR ? "SEGV_ACCERR" :
           fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other",
           fault_addr == (void *)p ? "exact" : "WRONG");
    return fault_code;
}

int main(int argc, char **argv)
{
    long pg = sysconf(_SC_PAGESIZE);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    printf("page size %ld\n", pg);

    if (argc < 2 || chdir(argv[1]) < 0) {
        fprintf(stderr, "usage: mmap TMPDIR\n");
        return 2;
    }
    /* anonymous: zero-filled, private across fork, shared across fork */
    char *a = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int zero = 1;
    for (long i = 0; i < 4 * pg; i++) {
        zero &= a[i] == 0;
    }
    printf("anon zeroed %d aligned %d\n", zero, ((uintptr_t)a & (pg - 1)) == 0);
    char *s = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    strcpy(a, "parent");
    strcpy(s, "parent");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        strcpy(a, "child");
        strcpy(s, "child");
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("after fork: private \"%s\" shared \"%s\"\n", a, s);

    /* file mapping */
    int fd = open("map.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    for (int i = 0; i < 3; i++) {
        char blk[4096];
        memset(blk, 'a' + i, sizeof(blk));
        write(fd, blk, sizeof(blk));
    }
    char *f = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("file map: %c %c %c\n", f[0], f[4096], f[8191 + 4096]);
    char *fo = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
    printf("file map at offset: %c\n", fo[10]);
    memcpy(f + 100, "SHARED", 6);
    msync(f, 4096, MS_SYNC);
    char rb[8] = { 0 };
    pread(fd, rb, 6, 100);
    printf("write through MAP_SHARED seen by pread: %s\n", rb);
    void *bad = mmap(NULL, 4096, PROT_READ, MAP_SHARED, 12345, 0);
    printf("mmap bad fd: %s\n", bad == MAP_FAILED ? strerrorname_np(errno) : "mapped?");
    bad = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap length 0: %s\n", bad == MAP_FAILED ? strerrorname_np(errno) : "mapped?");
    munmap(fo, 4096);

    /* MAP_FIXED over the second page of a */
    memset(a, 'x', 4 * pg);
    char *fx = mmap(a + pg, pg, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("MAP_FIXED at requested address %d, page now %d, neighbours %c %c\n",
           fx == a + pg, a[pg], a[0], a[2 * pg]);
    char *fxf = mmap(a + 2 * pg, pg, PROT_READ, MAP_FIXED | MAP_PRIVATE, fd, 8192);
    printf("MAP_FIXED file page %c\n", fxf[0]);

    /* mprotect and faults */
    try_write(a, "rw page");
    mprotect(a, pg, PROT_READ);
    try_write(a + 17, "read-only page");
    try_read(a + 17, "read-only page");
    mprotect(a, pg, PROT_NONE);
    try_read(a + 5, "PROT_NONE page");
    mprotect(a, pg, PROT_READ | PROT_WRITE);
    try_write(a + 5, "restored page");
    munmap(a + 3 * pg, pg);
    try_write(a + 3 * pg + 8, "unmapped page");
    try_write(fxf, "read-only file page");
    printf("mprotect unaligned: %s\n",
           mprotect(a + 1, pg, PROT_READ) < 0 ? strerrorname_np(errno) : "ok?");

    /* mremap */
    char *m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(m, "remap me");
    char *m2 = mremap(m, pg, 64 * pg, MREMAP_MAYMOVE);
    printf("mremap grow: %s, content \"%s\", tail zero %d\n",
           m2 == MAP_FAILED ? "failed" : "ok", m2, m2[63 * pg]);
    char *m3 = mremap(m2, 64 * pg, 2 * pg, 0);
    printf("mremap shrink in place %d, \"%s\"\n", m3 == m2, m3);
    try_write(m2 + 10 * pg, "after shrink");

    /* brk */
    char *b0 = sbrk(0);
    char *b1 = sbrk(256 * 1024);
    memset(b1, 7, 256 * 1024);
    char *b2 = sbrk(0);
    printf("brk grew by %ld, old end %d\n", (long)(b2 - b0), b1 == b0);
    sbrk(-128 * 1024);
    printf("brk shrank to %ld\n", (long)((char *)sbrk(0) - b0));
    b1[1000] = 1;
    printf("brk memory still usable %d\n", b1[999]);
    munmap(f, 3 * 4096);
    close(fd);
    unlink("map.bin");
    return 0;
}
