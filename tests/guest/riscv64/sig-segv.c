/*
 * Synchronous signals from the guest's own instructions: SIGSEGV recovered with
 * siglongjmp (si_addr and si_code checked for an unmapped and a read-only page),
 * the handler on a sigaltstack (also for a stack overflow), SIGTRAP from
 * ebreak, SIGILL from an illegal instruction, a handler that edits the saved
 * pc and a0 and returns, and integer division by zero (no trap on RISC-V).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ucontext.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile void *fault_addr;
static volatile int fault_sig, fault_code, on_altstack;
static char *alt;
static size_t alt_size = 64 * 1024;

static void handler(int sig, siginfo_t *si, void *uc)
{
    char here;

    (void)uc;
    fault_sig = sig;
    fault_code = si->si_code;
    fault_addr = si->si_addr;
    on_altstack = &here >= alt && &here < alt + alt_size;
    siglongjmp(env, 1);
}

/* Skip the faulting 4-byte instruction and return into it: rt_sigreturn must
 * restore every register from the (edited) frame. */
static volatile int skipped;

static void skip_handler(int sig, siginfo_t *si, void *puc)
{
    ucontext_t *uc = puc;

    (void)sig;
    skipped = uc->uc_mcontext.__gregs[REG_PC] == (unsigned long)si->si_addr;
    uc->uc_mcontext.__gregs[REG_PC] += 4;
    uc->uc_mcontext.__gregs[10] = 4242;     /* a0 */
}

static int depth_reached;

static volatile int keep_going = 1;

static int recurse(int n)
{
    volatile char buf[1024];

    buf[0] = (char)n;
    depth_reached = n;
    return keep_going ? recurse(n + 1) + buf[0] : 0;
}

static const char *code_name(int sig, int code)
{
    if (sig == SIGSEGV) {
        return code == SEGV_MAPERR ? "SEGV_MAPERR" : code == SEGV_ACCERR ? "SEGV_ACCERR"
                                                                         : "other";
    }
    if (sig == SIGTRAP) {
        return code == TRAP_BRKPT ? "TRAP_BRKPT" : "other";
    }
    if (sig == SIGILL) {
        return code == ILL_ILLOPC ? "ILL_ILLOPC" : "other";
    }
    return "?";
}

static void report(const char *what, void *expect_addr)
{
    printf("%s: sig=%d code=%s addr_ok=%d altstack=%d\n", what, fault_sig,
           code_name(fault_sig, fault_code),
           expect_addr ? fault_addr == expect_addr : 1, on_altstack);
}

int main(void)
{
    struct sigaction sa;
    stack_t ss;
    char *page;
    volatile int zero = 0;

    setvbuf(stdout, NULL, _IONBF, 0);
    alt = malloc(alt_size);
    ss.ss_sp = alt;
    ss.ss_size = alt_size;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, NULL)) {
        perror("sigaltstack");
        return 1;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);

    /* Unmapped page. */
    page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(page, 4096);
    if (sigsetjmp(env, 1) == 0) {
        *(volatile int *)(page + 16) = 1;
        printf("no fault?\n");
    }
    report("write unmapped", page + 16);

    /* Read-only page. */
    page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sigsetjmp(env, 1) == 0) {
        *(volatile char *)(page + 100) = 1;
        printf("no fault?\n");
    }
    report("write read-only", page + 100);

    /* Read of a PROT_NONE page. */
    mprotect(page, 4096, PROT_NONE);
    if (sigsetjmp(env, 1) == 0) {
        (void)*(volatile char *)(page + 8);
        printf("no fault?\n");
    }
    report("read prot-none", page + 8);

    /* Repeated faults: the mask is restored by siglongjmp each time. */
    for (int i = 0; i < 3; i++) {
        if (sigsetjmp(env, 1) == 0) {
            *(volatile long *)(uintptr_t)(0x1000 + i * 8) = i;
        }
    }
    report("loop", (void *)(uintptr_t)(0x1000 + 16));

    /* ebreak */
    if (sigsetjmp(env, 1) == 0) {
        __asm__ volatile("ebreak");
        printf("no trap?\n");
    }
    report("ebreak", NULL);

    /* An illegal instruction (all zero bits). */
    if (sigsetjmp(env, 1) == 0) {
        __asm__ volatile(".4byte 0");
        printf("no sigill?\n");
    }
    report("illegal", NULL);

    /* Return from the handler with an edited context. */
    sa.sa_sigaction = skip_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    {
        register long a0 __asm__("a0") = 1;
        __asm__ volatile(".4byte 0" : "+r"(a0));
        printf("skipped illegal insn: pc_ok=%d a0=%ld\n", skipped, a0);
    }

    /* Stack overflow: only the alternate stack can run the handler. */
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(env, 1) == 0) {
        recurse(0);
    }
    printf("overflow: sig=%d altstack=%d deep=%d\n", fault_sig, on_altstack,
           depth_reached > 1000);

    /* RISC-V has no divide trap: x / 0 = -1, x % 0 = x. */
    printf("div0: %d %d\n", 7 / zero, 7 % zero);

    /* SIGALTSTACK state query. */
    sigaltstack(NULL, &ss);
    printf("altstack flags=%d size_ok=%d\n", ss.ss_flags, ss.ss_size == alt_size);
    return 0;
}
