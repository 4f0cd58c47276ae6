/*
 * Tests of the execution core (libtcg/exec.c) with the RISC-V guest: hand-encoded
 * programs in a guest area reached through guest_base, run by tcg_exec_run().
 * Chaining, exits, self-modifying code with invalidation, exit requests from
 * another thread, precise host faults, several threads, flushes of a tiny code
 * buffer, breakpoints and single step, alignment exceptions, and the -d logs.
 */
#include "config.h"
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "libcore/log.h"
#include "libtcg/exec-int.h"
#include "test-riscv-util.h"

#define G_START   0x10000u           /* guest address of the area */
#define G_SIZE    (1u << 20)
#define G_CODE    G_START
#define G_DATA    (G_START + 0x80000u)
#define G_NOACC   (G_START + G_SIZE - 0x1000u)   /* a PROT_NONE page */

typedef struct Guest {
    uint8_t *host;                   /* host address of G_START */
    TCGExec *ex;
    uint64_t code_end;
    unsigned pages_added;
    uint64_t last_page_added;
    bool protect_code;               /* write-protect pages holding TBs */
} Guest;

static bool g_fetch(void *opaque, uint64_t addr, void *buf, size_t len)
{
    Guest *g = opaque;

    if (addr < G_START || addr - G_START > G_SIZE - len || addr >= G_NOACC - len + 1) {
        return false;
    }
    memcpy(buf, g->host + (addr - G_START), len);
    return true;
}

static void g_page_added(void *opaque, uint64_t page)
{
    Guest *g = opaque;

    __atomic_add_fetch(&g->pages_added, 1, __ATOMIC_RELAXED);
    g->last_page_added = page;
    if (g->protect_code) {
        /* as user mode does: catch writes to translated code */
        g_assert_cmpint(mprotect(g->host + (page - G_START), 0x1000, PROT_READ), ==, 0);
    }
}

static void guest_init_size(Guest *g, size_t code_size)
{
    TCGExecConfig cfg = {
        .guest = &riscv_exec_guest, .code_size = code_size, .page_bits = 12,
        .fetch = g_fetch, .code_page_added = g_page_added, .opaque = g,
    };
    Error *err = NULL;

    memset(g, 0, sizeof(*g));
    g->host = mmap(NULL, G_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(g->host != MAP_FAILED);
    g_assert_cmpint(mprotect(g->host + (G_NOACC - G_START), 0x1000, PROT_NONE), ==, 0);
    cfg.guest_base = (uintptr_t)g->host - G_START;
    cfg.opaque = g;
    g->ex = tcg_exec_new(&cfg, &err);
    if (!g->ex) {
        g_test_message("tcg_exec_new: %s", error_message(err));
    }
    g_assert_nonnull(g->ex);
    g->code_end = G_CODE;
}

static void guest_init(Guest *g)
{
    guest_init_size(g, 0);
}

static void guest_fini(Guest *g)
{
    tcg_exec_free(g->ex);
    munmap(g->host, G_SIZE);
}

static uint64_t put_code(Guest *g, uint64_t at, const uint32_t *insns, size_t n)
{
    memcpy(g->host + (at - G_START), insns, n * 4);
    if (at + n * 4 > g->code_end) {
        g->code_end = at + n * 4;
    }
    return at;
}
#define PUT(g, at, ...) put_code(g, at, (const uint32_t[]){ __VA_ARGS__ }, \
                                 sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))

static void env_init(CPURISCVState *env, uint64_t pc)
{
    riscv_cpu_reset(env, riscv_cpu_model_find("max", NULL));
    env->pc = pc;
}

#define A0 10
#define A1 11
#define A2 12
#define BNE(rs1, rs2, off) rv_b(1, rs1, rs2, off)
#define JAL(rd, off) rv_j(rd, off)
#define LD(rd, rs1, imm) rv_i(LOAD, 3, rd, rs1, imm)
#define LUI(rd, imm20) rv_u(0x37, rd, imm20)
#define AMOADD_W(rd, rs1, rs2) rv_r(AMO, 2, 0, rd, rs1, rs2)

/* a0 = sum of a1 .. 1, then ecall; the loop is one TB chained to itself */
static uint64_t put_sum_loop(Guest *g, uint64_t at)
{
    return PUT(g, at,
               ADDI(A0, 0, 0),
               ADD(A0, A0, A1),         /* loop: */
               ADDI(A1, A1, -1),
               BNE(A1, 0, -8),
               ECALL);
}

static void test_loop_chaining(void)
{
    for (int nochain = 0; nochain < 2; nochain++) {
        Guest g;
        CPURISCVState env;
        ExecStats st;

        guest_init(&g);
        tcg_exec_set_chaining(g.ex, !nochain);
        uint64_t pc = put_sum_loop(&g, G_CODE);
        env_init(&env, pc);
        env.gpr[A1] = 1000;
        TCGExecCPU *cpu = tcg_exec_cpu_new(g.ex, &env);
        g_assert_true(tcg_exec_current_cpu() == cpu);
        g_assert_true(tcg_exec_cpu_env(cpu) == &env);
        g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
        g_assert_cmpuint(env.exception, ==, RISCV_EXCP_U_ECALL);
        g_assert_cmpuint(env.pc, ==, pc + 16);
        g_assert_cmpuint(env.gpr[A0], ==, 500500);
        tcg_exec_get_stats(g.ex, &st);
        if (nochain) {
            g_assert_cmpuint(st.links, ==, 0);
        } else {
            g_assert_cmpuint(st.links, >=, 1);
        }
        /* one page of code, announced once */
        g_assert_cmpuint(g.pages_added, ==, 1);
        g_assert_cmpuint(g.last_page_added, ==, G_CODE);
        tcg_exec_cpu_free(cpu);
        guest_fini(&g);
    }
}

/* Indirect jumps go through the lookup helper (goto_ptr). */
static void test_call_return(void)
{
    Guest g;
    CPURISCVState env;

    guest_init(&g);
    /* main: a1 = 50; loop: jal ra, f; addi a1, -1; bne a1, 0, loop; ecall
     * f: addi a0, a0, 3; ret */
    uint64_t pc = PUT(&g, G_CODE,
                      ADDI(A1, 0, 50),
                      JAL(1, 16),
                      ADDI(A1, A1, -1),
                      BNE(A1, 0, -8),
                      ECALL,
                      ADDI(A0, A0, 3),
                      JALR(0, 1, 0));
    env_init(&env, pc);
    TCGExecCPU *cpu = tcg_exec_cpu_new(g.ex, &env);
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
    g_assert_cmpuint(env.pc, ==, pc + 16);
    g_assert_cmpuint(env.gpr[A0], ==, 150);
    tcg_exec_cpu_free(cpu);
    guest_fini(&g);
}

static void test_self_modifying(void)
{
    Guest g;
    CPURISCVState env;
    ExecStats st;

    guest_init(&g);
    uint64_t f = PUT(&g, G_CODE + 0x100, ADDI(A0, 0, 1), ECALL);
    env_init(&env, f);
    TCGExecCPU *cpu = tcg_exec_cpu_new(g.ex, &env);
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
    g_assert_cmpuint(env.gpr[A0], ==, 1);
    g_assert_cmpuint(g.pages_added, ==, 1);

    PUT(&g, f, ADDI(A0, 0, 2));
    tcg_exec_invalidate_range(g.ex, f, 4);
    env.pc = f;
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
    g_assert_cmpuint(env.gpr[A0], ==, 2);
    /* the page lost its only TB, so the new one announces it again */
    g_assert_cmpuint(g.pages_added, ==, 2);
    tcg_exec_get_stats(g.ex, &st);
    g_assert_cmpuint(st.invalidations, ==, 1);

    /* a range elsewhere leaves the TB alone */
    tcg_exec_invalidate_range(g.ex, G_CODE + 0x2000, 0x1000);
    tcg_exec_get_stats(g.ex, &st);
    g_assert_cmpuint(st.invalidations, ==, 1);

    /* a huge range (the whole-table path) drops it */
    PUT(&g, f, ADDI(A0, 0, 3));
    tcg_exec_invalidate_range(g.ex, 0, UINT64_MAX);
    env.pc = f;
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
    g_assert_cmpuint(env.gpr[A0], ==, 3);
    tcg_exec_cpu_free(cpu);
    guest_fini(&g);
}

/* Invalidating a TB others are chained to unlinks them: the loop sees new code. */
static void test_unlink_on_invalidate(void)
{
    Guest g;
    CPURISCVState env;
    ExecStats st;

    guest_init(&g);
    /* loop: addi a0, a0, 1; j next; next: addi a1, a1, -1; bne a1, 0, loop; ecall */
    uint64_t pc = PUT(&g, G_CODE,
                      ADDI(A0, A0, 1),
                      JAL(0, 4),
                      ADDI(A1, A1, -1),
                      BNE(A1, 0, -12),
                      ECALL);
    env_init(&env, pc);
    env.gpr[A1] = 10;
    TCGExecCPU *cpu = tcg_exec_cpu_new(g.ex, &env);
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
    g_assert_cmpuint(env.gpr[A0], ==, 10);
    tcg_exec_get_stats(g.ex, &st);
    g_assert_cmpuint(st.links, >=, 2);

    PUT(&g, pc, ADDI(A0, A0, 5));
    tcg_exec_invalidate_range(g.ex, pc, 4);
    tcg_exec_get_stats(g.ex, &st);
    g_assert_cmpuint(st.unlinks, >=, 1);
    env.pc = pc;
    env.gpr[A0] = 0;
    env.gpr[A1] = 10;
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
    g_assert_cmpuint(env.gpr[A0], ==, 50);
    tcg_exec_cpu_free(cpu);
    guest_fini(&g);
}

typedef struct KickArgs {
    Guest *g;
    CPURISCVState env;
    TCGExecResult res;
    TCGExecCPU *cpu;
    int ready;
} KickArgs;

static void *spin_thread(void *p)
{
    KickArgs *k = p;

    k->cpu = tcg_exec_cpu_new(k->g->ex, &k->env);
    __atomic_store_n(&k->ready, 1, __ATOMIC_RELEASE);
    k->res = tcg_exec_run(k->cpu);
    return NULL;
}

static void test_exit_request(void)
{
    Guest g;
    KickArgs k = { 0 };
    pthread_t th;

    guest_init(&g);
    /* loop: addi a0, a0, 1; j loop */
    uint64_t pc = PUT(&g, G_CODE, ADDI(A0, A0, 1), JAL(0, -4));
    k.g = &g;
    env_init(&k.env, pc);
    g_assert_cmpint(pthread_create(&th, NULL, spin_thread, &k), ==, 0);
    while (!__atomic_load_n(&k.ready, __ATOMIC_ACQUIRE)) {
        g_usleep(100);
    }
    /* a kick before the run starts works too: it is seen at the first TB entry */
    tcg_exec_cpu_kick(k.cpu);
    pthread_join(th, NULL);
    g_assert_cmpint(k.res, ==, TCG_EXEC_INTERRUPTED);
    g_assert_true(k.env.pc == pc || k.env.pc == pc + 4);
    g_assert_cmpint(k.env.exit_request, ==, 0);
    tcg_exec_cpu_free(k.cpu);
    guest_fini(&g);
}

/* An exclusive section stops a spinning vCPU and keeps it out until the end. */
static void *spin_until_stopped(void *p)
{
    KickArgs *k = p;

    k->cpu = tcg_exec_cpu_new(k->g->ex, &k->env);
    __atomic_store_n(&k->ready, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&k->ready, __ATOMIC_ACQUIRE) != 2) {
        k->res = tcg_exec_run(k->cpu);
        g_assert_cmpint(k->res, ==, TCG_EXEC_INTERRUPTED);
    }
    return NULL;
}

static void test_exclusive(void)
{
    Guest g;
    KickArgs k = { 0 };
    pthread_t th;

    guest_init(&g);
    uint64_t pc = PUT(&g, G_CODE, ADDI(A0, A0, 1), JAL(0, -4));
    k.g = &g;
    env_init(&k.env, pc);
    g_assert_cmpint(pthread_create(&th, NULL, spin_until_stopped, &k), ==, 0);
    while (!__atomic_load_n(&k.ready, __ATOMIC_ACQUIRE)) {
        g_usleep(100);
    }
    for (int i = 0; i < 20; i++) {
        tcg_exec_start_exclusive(g.ex, NULL);
        /* the vCPU is outside generated code: its counter stands still */
        uint64_t a0 = __atomic_load_n(&k.env.gpr[A0], __ATOMIC_RELAXED);
        g_usleep(200);
        g_assert_cmpuint(__atomic_load_n(&k.env.gpr[A0], __ATOMIC_RELAXED), ==, a0);
        tcg_exec_end_exclusive(g.ex, NULL);
    }
    tcg_exec_flush(g.ex);
    __atomic_store_n(&k.ready, 2, __ATOMIC_RELEASE);
    tcg_exec_cpu_kick(k.cpu);
    pthread_join(th, NULL);
    tcg_exec_cpu_free(k.cpu);
    guest_fini(&g);
}

/* ---- host faults ---- */

static void segv_handler(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    TCGExecCPU *cpu = tcg_exec_current_cpu();
    sigset_t set;

    (void)si;
    if (!cpu || !tcg_exec_pc_in_code(cpu->ex, pc)) {
        signal(sig, SIG_DFL);
        return;
    }
    /* sigsetjmp(.., 0) does not restore the mask: unblock the signal here */
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    tcg_exec_cpu_exit_fault(cpu, pc, false);
}

/* The runtime's side of self-modifying code: unprotect, invalidate, restart. */
static Guest *smc_guest;
static unsigned smc_restarts;

static void smc_handler(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    uintptr_t addr = (uintptr_t)si->si_addr;
    Guest *g = smc_guest;
    TCGExecCPU *cpu = tcg_exec_current_cpu();
    sigset_t set;

    if (!cpu || !tcg_exec_pc_in_code(cpu->ex, pc) || addr < (uintptr_t)g->host ||
        addr >= (uintptr_t)g->host + G_SIZE) {
        signal(sig, SIG_DFL);
        return;
    }
    uintptr_t page = addr & ~(uintptr_t)0xfff;
    mprotect((void *)page, 0x1000, PROT_READ | PROT_WRITE);
    tcg_exec_invalidate_range(cpu->ex, page - (uintptr_t)g->host + G_START, 0x1000);
    if (++smc_restarts > 50) {
        abort();        /* the same write faulting forever: the restart is broken */
    }
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    tcg_exec_cpu_exit_fault(cpu, pc, true);
}

/* A block that overwrites a later instruction of its own: the write is restarted
 * in a TB that leaves the page writable, and the new instruction runs. */
static void test_smc_restart(void)
{
    Guest g;
    CPURISCVState env;
    struct sigaction sa = { .sa_sigaction = smc_handler, .sa_flags = SA_SIGINFO }, old;

    guest_init(&g);
    g.protect_code = true;
    smc_guest = &g;
    smc_restarts = 0;
    /* sw a1, 12(a0); fence.i; nop; li a0, 1 (overwritten with a1); ecall */
    uint64_t pc = PUT(&g, G_CODE,
                      rv_s(STORE, 2, A0, A1, 12),
                      0x0000100f,
                      ADDI(0, 0, 0),
                      ADDI(A0, 0, 1),
                      ECALL);
    env_init(&env, pc);
    TCGExecCPU *cpu = tcg_exec_cpu_new(g.ex, &env);
    sigaction(SIGSEGV, &sa, &old);
    for (int round = 0; round < 3; round++) {
        env.pc = pc;
        env.gpr[A0] = pc;
        env.gpr[A1] = ADDI(A0, 0, 77 + round);
        g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
        g_assert_cmpuint(env.exception, ==, RISCV_EXCP_U_ECALL);
        g_assert_cmpuint(env.gpr[A0], ==, 77 + round);
        g_assert_cmpuint(env.pc, ==, pc + 16);
    }
    sigaction(SIGSEGV, &old, NULL);
    /* every round wrote to a protected page once */
    g_assert_cmpuint(smc_restarts, ==, 3);
    tcg_exec_cpu_free(cpu);
    mprotect(g.host, G_SIZE - 0x1000, PROT_READ | PROT_WRITE);
    guest_fini(&g);
}

static void test_host_fault(void)
{
    Guest g;
    CPURISCVState env;
    struct sigaction sa = { .sa_sigaction = segv_handler, .sa_flags = SA_SIGINFO }, old;

    guest_init(&g);
    /* a2 = 7; a1 = G_NOACC; a0 = 9; ld a0, 8(a1) faults; ecall */
    uint64_t pc = PUT(&g, G_CODE,
                      ADDI(A2, 0, 7),
                      LUI(A1, G_NOACC >> 12),
                      ADDI(A0, 0, 9),
                      LD(A0, A1, 8),
                      ECALL);
    env_init(&env, pc);
    TCGExecCPU *cpu = tcg_exec_cpu_new(g.ex, &env);
    sigaction(SIGSEGV, &sa, &old);
    TCGExecResult r = tcg_exec_run(cpu);
    sigaction(SIGSEGV, &old, NULL);
    g_assert_cmpint(r, ==, TCG_EXEC_FAULT);
    g_assert_cmpuint(env.pc, ==, pc + 12);
    g_assert_cmpuint(env.gpr[A2], ==, 7);
    g_assert_cmpuint(env.gpr[A0], ==, 9);
    g_assert_cmpuint(env.gpr[A1], ==, G_NOACC);
    g_assert_false(tcg_exec_pc_in_code(g.ex, (uintptr_t)&env));
    tcg_exec_cpu_free(cpu);
    guest_fini(&g);
}

static void test_align_exception(void)
{
    Guest g;
    CPURISCVState env;

    guest_init(&g);
    /* a1 = G_DATA + 2; amoadd.w a0, a2, (a1) is misaligned */
    uint64_t pc = PUT(&g, G_CODE,
                      LUI(A1, G_DATA >> 12),
                      ADDI(A1, A1, 2),
                      AMOADD_W(A0, A1, A2),
                      ECALL);
    env_init(&env, pc);
    TCGExecCPU *cpu = tcg_exec_cpu_new(g.ex, &env);
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
    g_assert_cmpuint(env.exception, ==, RISCV_EXCP_STORE_AMO_ADDR_MIS);
    g_assert_cmpuint(env.tval, ==, G_DATA + 2);
    g_assert_cmpuint(env.pc, ==, pc + 8);
    tcg_exec_cpu_free(cpu);
    guest_fini(&g);
}

/* ---- several threads ---- */

typedef struct SumArgs {
    Guest *g;
    uint64_t pc;
    uint64_t n;
    CPURISCVState env;
    TCGExecResult res;
} SumArgs;

static void *sum_thread(void *p)
{
    SumArgs *a = p;
    TCGExecCPU *cpu;

    env_init(&a->env, a->pc);
    a->env.gpr[A1] = a->n;
    cpu = tcg_exec_cpu_new(a->g->ex, &a->env);
    for (int i = 0; i < 50; i++) {
        a->env.pc = a->pc;
        a->env.gpr[A1] = a->n;
        a->res = tcg_exec_run(cpu);
        if (a->res != TCG_EXEC_EXCEPTION || a->env.gpr[A0] != a->n * (a->n + 1) / 2) {
            break;
        }
    }
    tcg_exec_cpu_free(cpu);
    return NULL;
}

static void test_threads(void)
{
    Guest g;
    SumArgs a[4];
    pthread_t th[4];

    guest_init(&g);
    uint64_t pc = put_sum_loop(&g, G_CODE);
    for (int i = 0; i < 4; i++) {
        a[i] = (SumArgs){ .g = &g, .pc = pc, .n = 1000 + 77 * i };
        g_assert_cmpint(pthread_create(&th[i], NULL, sum_thread, &a[i]), ==, 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        g_assert_cmpint(a[i].res, ==, TCG_EXEC_EXCEPTION);
        g_assert_cmpuint(a[i].env.gpr[A0], ==, a[i].n * (a[i].n + 1) / 2);
        g_assert_cmpuint(a[i].env.pc, ==, pc + 16);
    }
    guest_fini(&g);
}

/* ---- a tiny code buffer ---- */

#define N_BLOCKS 1500

/* N_BLOCKS blocks of "addi a0, a0, 1; j next", then ecall; the same from threads */
static void *blocks_thread(void *p)
{
    SumArgs *a = p;
    TCGExecCPU *cpu;

    env_init(&a->env, a->pc);
    cpu = tcg_exec_cpu_new(a->g->ex, &a->env);
    for (int i = 0; i < 3; i++) {
        a->env.pc = a->pc;
        a->env.gpr[A0] = 0;
        /* another thread's flush kicks this one: the runtime just runs again */
        do {
            a->res = tcg_exec_run(cpu);
        } while (a->res == TCG_EXEC_INTERRUPTED);
        if (a->res != TCG_EXEC_EXCEPTION || a->env.gpr[A0] != N_BLOCKS) {
            break;
        }
    }
    tcg_exec_cpu_free(cpu);
    return NULL;
}

static void test_flush(void)
{
    Guest g;
    SumArgs a[3];
    pthread_t th[3];
    ExecStats st;

    guest_init_size(&g, 64 * 1024);
    for (int i = 0; i < N_BLOCKS; i++) {
        PUT(&g, G_CODE + 8 * i, ADDI(A0, A0, 1), JAL(0, 4));
    }
    PUT(&g, G_CODE + 8 * N_BLOCKS, ECALL);
    a[0] = (SumArgs){ .g = &g, .pc = G_CODE };
    blocks_thread(&a[0]);
    g_assert_cmpint(a[0].res, ==, TCG_EXEC_EXCEPTION);
    g_assert_cmpuint(a[0].env.gpr[A0], ==, N_BLOCKS);
    tcg_exec_get_stats(g.ex, &st);
    g_assert_cmpuint(st.flushes, >=, 1);

    for (int i = 0; i < 3; i++) {
        a[i] = (SumArgs){ .g = &g, .pc = G_CODE };
        g_assert_cmpint(pthread_create(&th[i], NULL, blocks_thread, &a[i]), ==, 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        g_assert_cmpint(a[i].res, ==, TCG_EXEC_EXCEPTION);
        g_assert_cmpuint(a[i].env.gpr[A0], ==, N_BLOCKS);
    }
    guest_fini(&g);
}

/* A child of fork() can translate and run (no lock inherited held). */
static void test_fork(void)
{
    Guest g;
    CPURISCVState env;
    int status = -1;

    guest_init(&g);
    uint64_t pc = put_sum_loop(&g, G_CODE);
    env_init(&env, pc);
    env.gpr[A1] = 10;
    TCGExecCPU *cpu = tcg_exec_cpu_new(g.ex, &env);
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        PUT(&g, pc + 0x1000, ADDI(A0, 0, 42), ECALL);
        env.pc = pc + 0x1000;
        _exit(tcg_exec_run(cpu) == TCG_EXEC_EXCEPTION && env.gpr[A0] == 42 ? 0 : 1);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    tcg_exec_cpu_free(cpu);
    guest_fini(&g);
}

/* ---- debugging ---- */

static void test_breakpoint_step(void)
{
    Guest g;
    CPURISCVState env;

    guest_init(&g);
    uint64_t pc = PUT(&g, G_CODE,
                      ADDI(A0, 0, 1),
                      ADDI(A0, A0, 1),
                      ADDI(A0, A0, 1),
                      ECALL);
    env_init(&env, pc);
    TCGExecCPU *cpu = tcg_exec_cpu_new(g.ex, &env);
    /* translate the block once without debugging: breakpoints must still hit */
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
    g_assert_cmpuint(env.gpr[A0], ==, 3);

    env.pc = pc;
    g_assert_true(tcg_exec_breakpoint_insert(g.ex, pc + 8));
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_DEBUG);
    g_assert_cmpuint(env.pc, ==, pc + 8);
    g_assert_cmpuint(env.gpr[A0], ==, 2);
    /* still there: a run from it stops at once */
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_DEBUG);
    g_assert_cmpuint(env.pc, ==, pc + 8);
    g_assert_true(tcg_exec_breakpoint_remove(g.ex, pc + 8));
    g_assert_false(tcg_exec_breakpoint_remove(g.ex, pc + 8));

    tcg_exec_breakpoint_insert(g.ex, pc + 4);
    tcg_exec_cpu_set_single_step(cpu, true);
    /* a step moves one instruction, even off a breakpoint */
    env.pc = pc + 4;
    env.gpr[A0] = 10;
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_DEBUG);
    g_assert_cmpuint(env.pc, ==, pc + 8);
    g_assert_cmpuint(env.gpr[A0], ==, 11);
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_DEBUG);
    g_assert_cmpuint(env.pc, ==, pc + 12);
    g_assert_cmpuint(env.gpr[A0], ==, 12);
    tcg_exec_cpu_set_single_step(cpu, false);
    tcg_exec_breakpoint_remove_all(g.ex);
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
    g_assert_cmpuint(env.pc, ==, pc + 12);
    tcg_exec_cpu_free(cpu);
    guest_fini(&g);
}

/* ---- logs ---- */

static char *read_log(const char *path)
{
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static void test_logs(void)
{
    Guest g;
    CPURISCVState env;
    char *dir = g_dir_make_tmp("exec-log-XXXXXX", NULL);
    char *path = g_build_filename(dir, "log", NULL);
    char *text;
    unsigned mask;

    g_assert_true(qemu_log_parse_mask("in_asm,exec,cpu,op,op_opt,out_asm,nochain", &mask,
                                      NULL));
    qemu_log_set_mask(mask);
    g_assert_true(qemu_log_set_file(path, NULL));
    guest_init(&g);
    uint64_t pc = PUT(&g, G_CODE, ADDI(A0, 0, 1), JAL(0, 4), 0x0505 /* c.addi a0,1 */ | 0x00730000);
    env_init(&env, pc);
    TCGExecCPU *cpu = tcg_exec_cpu_new(g.ex, &env);
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
    qemu_log_close();
    qemu_log_set_mask(0);
    text = read_log(path);
    g_assert_nonnull(strstr(text, "----------------\nIN: \n"
                                  "0x0000000000010000:  00100513\n"
                                  "0x0000000000010004:  0040006f\n\n"));
    /* the second block: a compressed instruction, then ecall's low half... */
    g_assert_nonnull(strstr(text, "0x0000000000010008:  0505\n"));
    g_assert_nonnull(strstr(text, "Trace 0: 0x"));
    g_assert_nonnull(strstr(text, "[0000000000000000/0000000000010000/"));
    g_assert_nonnull(strstr(text, "[0000000000000000/0000000000010008/"));
    g_assert_nonnull(strstr(text, " pc       0000000000010008\n"));
    g_assert_nonnull(strstr(text, " x8/s0    0000000000000000 x9/s1    0000000000000000 "
                                  "x10/a0   0000000000000001 x11/a1   0000000000000000\n"));
    g_assert_nonnull(strstr(text, "OP:\n"));
    g_assert_nonnull(strstr(text, "OP after optimization and liveness analysis:\n"));
    g_assert_nonnull(strstr(text, "OUT: [size="));
    g_assert_null(strstr(text, "Linking TBs"));
    g_free(text);
    tcg_exec_cpu_free(cpu);
    guest_fini(&g);

    /* with chaining, exec shows the links made */
    qemu_log_set_mask(LOG_EXEC);
    g_assert_true(qemu_log_set_file(path, NULL));
    guest_init(&g);
    pc = put_sum_loop(&g, G_CODE);
    env_init(&env, pc);
    env.gpr[A1] = 5;
    cpu = tcg_exec_cpu_new(g.ex, &env);
    g_assert_cmpint(tcg_exec_run(cpu), ==, TCG_EXEC_EXCEPTION);
    qemu_log_close();
    qemu_log_set_mask(0);
    text = read_log(path);
    g_assert_nonnull(strstr(text, "Linking TBs 0x"));
    g_assert_nonnull(strstr(text, " index 0 -> 0x"));
    g_free(text);
    tcg_exec_cpu_free(cpu);
    guest_fini(&g);

    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/exec/loop-chaining", test_loop_chaining);
    g_test_add_func("/tcg/exec/call-return", test_call_return);
    g_test_add_func("/tcg/exec/self-modifying", test_self_modifying);
    g_test_add_func("/tcg/exec/unlink-on-invalidate", test_unlink_on_invalidate);
    g_test_add_func("/tcg/exec/exit-request", test_exit_request);
    g_test_add_func("/tcg/exec/exclusive", test_exclusive);
    g_test_add_func("/tcg/exec/host-fault", test_host_fault);
    g_test_add_func("/tcg/exec/smc-restart", test_smc_restart);
    g_test_add_func("/tcg/exec/align-exception", test_align_exception);
    g_test_add_func("/tcg/exec/threads", test_threads);
    g_test_add_func("/tcg/exec/flush", test_flush);
    g_test_add_func("/tcg/exec/fork", test_fork);
    g_test_add_func("/tcg/exec/breakpoint-step", test_breakpoint_step);
    g_test_add_func("/tcg/exec/logs", test_logs);
    return g_test_run();
}
