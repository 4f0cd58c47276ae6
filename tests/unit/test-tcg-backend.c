/*
 * The x86-64 backend against the reference interpreter: every pure op with edge
 * values, random TBs (pure ops, branches, helper calls, host and guest memory), the
 * same TBs after the optimizer, helper flag combinations, exits and chaining, a loop,
 * and host faults and alignment faults mapped back to their insn_start words.
 * Both executors get the same env and a copy of the same guest memory; generated
 * code reaches its copy through guest_base.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* REG_RIP */
#endif
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include "test-tcg-gen.h"
#include "libtcg/tcg-backend.h"
#include "libtcg/tcg-opt.h"

typedef struct BeFixture {
    TestCtx t;
    TCGBackend *be;
    TestMem *imem, *gmem;       /* interpreter's and generated code's guest memory */
    TestEnv env0;               /* the state both start from */
    TestEnv genv;               /* generated code's env after the run */
    uint64_t gret;
} BeFixture;

static void bf_init(BeFixture *f, unsigned words, bool no_host_features)
{
    TCGBackendConfig cfg = { .code_size = 1 << 20, .no_host_features = no_host_features };

    tt_init_words(&f->t, words);
    f->imem = g_new0(TestMem, 1);
    f->gmem = g_new0(TestMem, 1);
    cfg.guest_base = (uintptr_t)f->gmem->data - TM_BASE;
    f->be = tcg_backend_new(&cfg, NULL);
    g_assert_nonnull(f->be);
}

static void bf_fini(BeFixture *f)
{
    tcg_backend_free(f->be);
    g_free(f->imem);
    g_free(f->gmem);
    tt_fini(&f->t);
}

static void bf_random_env(BeFixture *f, uint32_t seed)
{
    GRand *r = g_rand_new_with_seed(seed);

    for (size_t i = 0; i < sizeof(f->env0); i++) {
        ((uint8_t *)&f->env0)[i] = g_rand_int(r);
    }
    g_rand_free(r);
}

static void bf_random_state(BeFixture *f, uint32_t seed)
{
    GRand *r = g_rand_new_with_seed(seed);

    bf_random_env(f, seed + 1);
    for (size_t i = 0; i < sizeof(f->imem->data); i++) {
        f->imem->data[i] = g_rand_int(r);
    }
    memcpy(f->gmem->data, f->imem->data, sizeof(f->imem->data));
    g_rand_free(r);
}

/* Generate code for the current TB and run it on a copy of env0. */
static TCGTB *bf_run_gen(BeFixture *f)
{
    Error *err = NULL;
    TCGTB *tb = tcg_gen_code(f->be, f->t.s, &err);

    if (!tb) {
        g_test_message("tcg_gen_code: %s", error_message(err));
        error_free(err);
    }
    g_assert_nonnull(tb);
    f->genv = f->env0;
    f->gret = tcg_backend_exec(f->be, &f->genv, tb->code);
    return tb;
}

static void bf_run_interp(BeFixture *f)
{
    f->t.env = f->env0;
    tt_run_expect(&f->t, &tm_ops, f->imem, TCG_EXIT_TB);
}

static void dump_diff(BeFixture *f, const char *what)
{
    char *d = tcg_dump(f->t.s);

    g_test_message("%s: generated code differs from the interpreter\nIR:\n%s", what, d);
    g_free(d);
    for (int i = 0; i < 16; i++) {
        if (f->t.env.r[i] != f->genv.r[i]) {
            g_test_message("r%d: interp 0x%" PRIx64 " gen 0x%" PRIx64, i, f->t.env.r[i],
                           f->genv.r[i]);
        }
    }
    for (int i = 0; i < 8; i++) {
        if (f->t.env.w[i] != f->genv.w[i]) {
            g_test_message("w%d: interp 0x%x gen 0x%x", i, f->t.env.w[i], f->genv.w[i]);
        }
    }
}

/* Run both executors from env0 and compare env, guest memory and the exit value. */
static void bf_compare(BeFixture *f, const char *what)
{
    bf_run_interp(f);
    bf_run_gen(f);
    if (memcmp(&f->t.env, &f->genv, sizeof(f->genv)) || f->gret != f->t.info.value) {
        dump_diff(f, what);
    }
    g_assert_cmpmem(&f->t.env, sizeof(f->t.env), &f->genv, sizeof(f->genv));
    g_assert_cmpuint(f->t.info.value, ==, f->gret);
    if (memcmp(f->imem->data, f->gmem->data, sizeof(f->imem->data))) {
        uint64_t a, b;
        memcpy(&a, f->imem->data + 8, 8);
        memcpy(&b, f->gmem->data + 8, 8);
        dump_diff(f, what);
        g_test_message("guest memory at 8: interp 0x%016" PRIx64 " gen 0x%016" PRIx64, a, b);
    }
    g_assert_cmpmem(f->imem->data, sizeof(f->imem->data), f->gmem->data,
                    sizeof(f->gmem->data));
}

static void bf_next_tb(BeFixture *f)
{
    tcg_ctx_reset(f->t.s);
    tcg_backend_flush(f->be);
}

/* ---- every pure op with edge values ---- */

static void each_op(bool no_host_features)
{
    BeFixture f;

    bf_init(&f, 1, no_host_features);
    init_pure_ops();
    for (unsigned k = 0; k < npure; k++) {
        TCGOpcode opc = pure_ops[k];
        for (uint32_t it = 0; it < 60; it++) {
            Gen g = { .t = &f.t, .rand = g_rand_new_with_seed(opc * 1000 + it) };
            bf_random_env(&f, opc * 7 + it);
            for (int i = 0; i < 8; i++) {
                f.env0.r[i] = rnd_value(&g);
                f.env0.w[i] = (uint32_t)rnd_value(&g);
            }
            for (int i = 0; i < 2; i++) {
                g.loc64[i] = tcg_temp_local_new_i64(f.t.s);
                g.loc32[i] = tcg_temp_local_new_i32(f.t.s);
                tcg_gen_movi_i64(f.t.s, g.loc64[i], rnd_value(&g));
                tcg_gen_movi_i32(f.t.s, g.loc32[i], rnd_value(&g));
            }
            gen_pure(&g, opc);
            tcg_gen_mov_i64(f.t.s, f.t.r[8], g.loc64[0]);
            tcg_gen_mov_i64(f.t.s, f.t.r[9], g.loc64[1]);
            tcg_gen_mov_i32(f.t.s, f.t.w[4], g.loc32[0]);
            tcg_gen_mov_i32(f.t.s, f.t.w[5], g.loc32[1]);
            tcg_gen_exit_tb(f.t.s, it);
            bf_compare(&f, tcg_op_defs[opc].name);
            bf_next_tb(&f);
            g_rand_free(g.rand);
        }
    }
    bf_fini(&f);
}

static void test_each_op(void)
{
    each_op(false);
}

static void test_each_op_fallbacks(void)
{
    each_op(true);
}

/* Every atomic at every size, byte order and signedness, with edge values. */
static void test_each_atomic(void)
{
    BeFixture f;

    bf_init(&f, 1, false);
    for (TCGOpcode opc = TCGOP_atomic_cmpxchg_i32; opc <= TCGOP_atomic_fetch_umax_i64; opc++) {
        const TCGOpDef *def = &tcg_op_defs[opc];
        bool is64 = def->flags & TCG_OPF_64;
        for (unsigned mop = 0; mop < 16; mop++) {
            if ((mop & MO_SIZE) == MO_64 && !is64) {
                continue;
            }
            for (uint32_t it = 0; it < 12; it++) {
                Gen g = { .t = &f.t, .rand = g_rand_new_with_seed(opc * 100 + mop * 13 + it) };
                TCGContext *s = f.t.s;
                bf_random_env(&f, it);
                for (int i = 0; i < 8; i++) {
                    f.env0.r[i] = rnd_value(&g);
                    f.env0.w[i] = (uint32_t)rnd_value(&g);
                }
                uint64_t m = rnd_value(&g);
                if (it & 1) {       /* make cmpxchg succeed */
                    m = is64 ? f.env0.r[1] : f.env0.w[1];
                    if (mop & MO_BE) {
                        m = __builtin_bswap64(m) >> (64 - 8 * memop_size(mop));
                    }
                }
                memcpy(f.imem->data + 8, &m, 8);
                memcpy(f.gmem->data + 8, &m, 8);
                TCGArg a[5] = { is64 ? f.t.r[2].idx : f.t.w[2].idx,
                                tcg_constant_i64(s, TM_BASE + 8).idx,
                                is64 ? f.t.r[1].idx : f.t.w[1].idx,
                                is64 ? f.t.r[0].idx : f.t.w[0].idx };
                a[1 + def->nb_iargs] = make_memop_idx(mop, 0);
                tcg_gen_insn_start1(s, 0);
                g_assert_nonnull(tcg_emit_op(s, opc, a, 2 + def->nb_iargs));
                tcg_gen_exit_tb(s, 0);
                bf_compare(&f, def->name);
                bf_next_tb(&f);
                g_rand_free(g.rand);
            }
        }
    }
    bf_fini(&f);
}

static void random_tbs(bool optimize)
{
    BeFixture f;

    bf_init(&f, 1, false);
    for (uint32_t seed = 1; seed <= 500; seed++) {
        gen_random_tb(&f.t, seed, true);
        bf_random_state(&f, seed * 3);
        bf_run_interp(&f);
        TestEnv ienv = f.t.env;
        uint64_t ival = f.t.info.value;
        TestMem *saved = g_memdup2(f.imem, sizeof(*f.imem));
        if (optimize) {
            tcg_optimize_all(f.t.s);
        }
        bf_run_gen(&f);
        if (memcmp(&ienv, &f.genv, sizeof(ienv)) || ival != f.gret) {
            f.t.env = ienv;
            dump_diff(&f, optimize ? "optimized random TB" : "random TB");
            g_test_message("seed %u", seed);
        }
        g_assert_cmpmem(&ienv, sizeof(ienv), &f.genv, sizeof(f.genv));
        g_assert_cmpuint(ival, ==, f.gret);
        if (memcmp(saved->data, f.gmem->data, sizeof(saved->data))) {
            char *d = tcg_dump(f.t.s);
            for (size_t i = 0; i < sizeof(saved->data); i++) {
                if (saved->data[i] != f.gmem->data[i]) {
                    g_test_message("seed %u: guest memory differs first at 0x%zx: "
                                   "interp 0x%02x gen 0x%02x\nIR:\n%s", seed, i,
                                   saved->data[i], f.gmem->data[i], d);
                    break;
                }
            }
            g_free(d);
        }
        g_assert_cmpmem(saved->data, sizeof(saved->data), f.gmem->data, sizeof(f.gmem->data));
        g_free(saved);
        bf_next_tb(&f);
    }
    bf_fini(&f);
}

static void test_random(void)
{
    random_tbs(false);
}

static void test_random_optimized(void)
{
    random_tbs(true);
}

/* ---- helper calls ---- */

static uint64_t helper_six(uint64_t a, uint32_t b, void *env, uint64_t d, uint32_t e,
                           uint64_t f)
{
    TestEnv *en = env;
    return a * 3 + b * 5 + en->r[3] + d * 7 + e * 11 + f * 13;
}

static uint32_t helper_touch(void *env, uint32_t x)
{
    TestEnv *e = env;
    uint32_t old = (uint32_t)e->r[0];
    e->r[0] += x;           /* reads and writes a global */
    return old ^ 0xabcd;
}

static uint64_t helper_args(uint64_t a, uint32_t b, uint64_t c, uint64_t d, uint32_t e,
                            uint64_t f)
{
    return a * 3 + b * 5 + c * 17 + d * 7 + e * 11 + f * 13;
}

/* One TB calling helper `info` (see below for its arguments) and using the result. */
static void gen_call_tb(BeFixture *f, const TCGHelperInfo *info, bool is_touch)
{
    TCGContext *s = f->t.s;

    tcg_gen_insn_start1(s, 0x100);
    tcg_gen_addi_i64(s, f->t.r[3], f->t.r[3], 0x1111);  /* synced unless NO_READ_G */
    tcg_gen_addi_i64(s, f->t.r[0], f->t.r[0], 5);
    if (is_touch) {
        TCGv_i32 t = tcg_temp_new_i32(s);
        uint32_t args[2] = { TCG_ENV_IDX, f->t.w[0].idx };
        tcg_gen_call(s, info, t.idx, args, 2);
        tcg_gen_addi_i64(s, f->t.r[1], f->t.r[0], 1);   /* reloaded after */
        tcg_gen_mov_i32(s, f->t.w[3], t);
    } else {
        TCGv_i64 t = tcg_temp_new_i64(s);
        bool env_arg = info->args[2] == TCG_CALL_PTR;
        uint32_t args[6] = { f->t.r[0].idx, f->t.w[1].idx,
                             env_arg ? TCG_ENV_IDX : f->t.r[3].idx,
                             tcg_constant_i64(s, UINT64_C(0x8000000000000001)).idx,
                             tcg_constant_i32(s, 0xfffffffe).idx, f->t.r[5].idx };
        tcg_gen_call(s, info, t.idx, args, 6);
        tcg_gen_mov_i64(s, f->t.r[6], t);
    }
    tcg_gen_exit_tb(s, 0);
}

/*
 * Every flag combination, each with the helpers that honour it: one that only
 * reads its arguments (any flags), one that reads a global through env (not
 * NO_READ_G), one that reads and writes a global (neither NO_WRITE_G nor NO_SE).
 * Each TB runs as built and after tcg_optimize_all.
 */
static void test_calls(void)
{
    BeFixture f;

    bf_init(&f, 1, false);
    for (unsigned flags = 0; flags < 8; flags++) {
        if ((flags & TCG_CALL_NO_SE) && !(flags & TCG_CALL_NO_WRITE_G)) {
            continue;       /* NO_SE requires NO_WRITE_G */
        }
        if ((flags & TCG_CALL_NO_READ_G) && !(flags & TCG_CALL_NO_WRITE_G)) {
            /* globals are neither synced before nor kept after: whether a global
             * written before such a call survives it is unspecified */
            continue;
        }
        const TCGHelperInfo infos[3] = {
            { .name = "args", .func = helper_args, .flags = flags, .ret = TCG_CALL_I64,
              .nargs = 6, .args = { TCG_CALL_I64, TCG_CALL_I32, TCG_CALL_I64,
                                    TCG_CALL_I64, TCG_CALL_I32, TCG_CALL_I64 } },
            { .name = "six", .func = helper_six, .flags = flags, .ret = TCG_CALL_I64,
              .nargs = 6, .args = { TCG_CALL_I64, TCG_CALL_I32, TCG_CALL_PTR,
                                    TCG_CALL_I64, TCG_CALL_I32, TCG_CALL_I64 } },
            { .name = "touch", .func = helper_touch, .flags = flags, .ret = TCG_CALL_I32,
              .nargs = 2, .args = { TCG_CALL_PTR, TCG_CALL_I32 } },
        };
        bool ok[3] = { true, !(flags & TCG_CALL_NO_READ_G),
                       !(flags & (TCG_CALL_NO_WRITE_G | TCG_CALL_NO_SE)) };
        for (unsigned h = 0; h < 3; h++) {
            for (int opt = 0; opt < 2 && ok[h]; opt++) {
                gen_call_tb(&f, &infos[h], h == 2);
                if (opt) {
                    tcg_optimize_all(f.t.s);
                }
                bf_random_state(&f, flags * 10 + h);
                bf_compare(&f, infos[h].name);
                bf_next_tb(&f);
            }
        }
    }
    bf_fini(&f);
}

/* ---- exits, chaining, loops ---- */

static void test_goto_tb(void)
{
    BeFixture f;
    TCGContext *s;

    bf_init(&f, 1, false);
    s = f.t.s;
    tcg_gen_goto_tb(s, 0);
    tcg_gen_movi_i64(s, f.t.r[0], 1);
    tcg_gen_exit_tb(s, 0x10);
    bf_random_state(&f, 1);
    bf_compare(&f, "goto_tb unlinked");
    TCGTB *a = bf_run_gen(&f);
    g_assert_cmpuint(a->jmp_off[0], !=, TCG_TB_NO_JMP);
    g_assert_cmpuint(a->jmp_off[1], ==, TCG_TB_NO_JMP);

    tcg_ctx_reset(s);
    tcg_gen_movi_i64(s, f.t.r[1], 7);
    tcg_gen_exit_tb(s, 0x20);
    TCGTB *b = bf_run_gen(&f);
    g_assert_cmpuint(f.gret, ==, 0x20);

    g_assert_true(tcg_tb_link(a, 0, b->code));
    g_assert_false(tcg_tb_link(a, 1, b->code));
    f.genv = f.env0;
    f.gret = tcg_backend_exec(f.be, &f.genv, a->code);
    g_assert_cmpuint(f.gret, ==, 0x20);
    g_assert_cmpuint(f.genv.r[1], ==, 7);
    g_assert_cmpuint(f.genv.r[0], ==, f.env0.r[0]);     /* skipped when linked */

    tcg_tb_unlink(a, 0);
    f.genv = f.env0;
    f.gret = tcg_backend_exec(f.be, &f.genv, a->code);
    g_assert_cmpuint(f.gret, ==, 0x10);
    g_assert_cmpuint(f.genv.r[0], ==, 1);
    g_assert_cmpuint(f.genv.r[1], ==, f.env0.r[1]);

    /* goto_ptr: to b's code, and NULL back to the runtime */
    tcg_ctx_reset(s);
    tcg_gen_movi_i64(s, f.t.r[2], 9);
    tcg_gen_goto_ptr(s, tcg_constant_ptr(s, b->code));
    bf_run_gen(&f);
    g_assert_cmpuint(f.gret, ==, 0x20);
    g_assert_cmpuint(f.genv.r[2], ==, 9);
    g_assert_cmpuint(f.genv.r[1], ==, 7);
    tcg_ctx_reset(s);
    tcg_gen_goto_ptr(s, tcg_constant_ptr(s, NULL));
    bf_run_gen(&f);
    g_assert_cmpuint(f.gret, ==, 0);

    g_assert_true(tcg_backend_find_tb(f.be, (uintptr_t)a->code + 1) == a);
    g_assert_true(tcg_backend_find_tb(f.be, (uintptr_t)b->code) == b);
    g_assert_null(tcg_backend_find_tb(f.be, 16));
    bf_fini(&f);
}

static void test_loop(void)
{
    BeFixture f;
    TCGContext *s;

    bf_init(&f, 1, false);
    s = f.t.s;
    TCGv_i64 i = tcg_temp_local_new_i64(s), sum = tcg_temp_local_new_i64(s);
    TCGLabel *top = tcg_label_new(s);
    tcg_gen_movi_i64(s, i, 0);
    tcg_gen_movi_i64(s, sum, 0);
    tcg_gen_set_label(s, top);
    tcg_gen_addi_i64(s, i, i, 1);
    tcg_gen_mul_i64(s, f.t.r[4], i, i);
    tcg_gen_add_i64(s, sum, sum, f.t.r[4]);
    tcg_gen_brcondi_i64(s, TCG_COND_LTU, i, 1000, top);
    tcg_gen_mov_i64(s, f.t.r[0], sum);
    tcg_gen_exit_tb(s, 3);
    bf_random_state(&f, 5);
    bf_compare(&f, "loop");
    g_assert_cmpuint(f.genv.r[0], ==, UINT64_C(333833500));
    bf_fini(&f);
}

/* A TB the backend cannot handle is an error, never wrong code. */
static void test_refused(void)
{
    BeFixture f;
    Error *err = NULL;
    TCGContext *s;

    bf_init(&f, 1, false);
    s = f.t.s;
    for (int i = 0; i < 2100; i++) {
        tcg_gen_movi_i64(s, tcg_temp_local_new_i64(s), i);
    }
    tcg_gen_exit_tb(s, 0);
    g_assert_null(tcg_gen_code(f.be, s, &err));
    g_assert_nonnull(strstr(error_message(err), "too many temps"));
    g_assert_false(tcg_backend_buffer_full(err));
    error_free(err);
    bf_fini(&f);
}

/* A full buffer is reported as such; a flush makes room again. */
static void test_buffer_full(void)
{
    TCGBackendConfig cfg = { .code_size = 4096 };
    TestCtx t;
    Error *err = NULL;
    TCGTB *tb;
    unsigned n = 0;

    tt_init(&t);
    TCGBackend *be = tcg_backend_new(&cfg, NULL);
    g_assert_nonnull(be);
    for (int i = 0; i < 40; i++) {
        tcg_gen_add_i64(t.s, t.r[0], t.r[0], t.r[1]);
    }
    tcg_gen_exit_tb(t.s, 0);
    while ((tb = tcg_gen_code(be, t.s, &err))) {
        n++;
        g_assert_cmpuint(n, <, 100);
    }
    g_assert_cmpuint(n, >, 0);
    g_assert_true(tcg_backend_buffer_full(err));
    error_free(err);
    err = NULL;
    tcg_backend_flush(be);
    tb = tcg_gen_code(be, t.s, &err);
    g_assert_nonnull(tb);
    t.env.r[0] = 1;
    t.env.r[1] = 2;
    g_assert_cmpuint(tcg_backend_exec(be, &t.env, tb->code), ==, 0);
    g_assert_cmpuint(t.env.r[0], ==, 81);
    tcg_backend_free(be);
    tt_fini(&t);
}

/* ---- faults ---- */

static sigjmp_buf fault_jmp;
static volatile uintptr_t fault_pc, fault_addr;
static volatile uint64_t align_addr;
static volatile uint32_t align_oi;

static void segv_handler(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;

    (void)sig;
    fault_pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    fault_addr = (uintptr_t)si->si_addr;
    siglongjmp(fault_jmp, 1);
}

static void align_fault(void *env, uint64_t addr, uint32_t oi, uintptr_t host_pc)
{
    (void)env;
    align_addr = addr;
    align_oi = oi;
    fault_pc = host_pc;
    siglongjmp(fault_jmp, 2);
}

static void test_fault_map(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *area = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                         -1, 0);
    TCGBackendConfig cfg = { .code_size = 1 << 16, .guest_base = (uintptr_t)area,
                             .align_fault = align_fault };
    struct sigaction sa = { .sa_sigaction = segv_handler, .sa_flags = SA_SIGINFO }, old;
    TestCtx t;
    uint64_t words[3];

    g_assert_true(area != MAP_FAILED);
    g_assert_cmpint(mprotect(area + pg, pg, PROT_NONE), ==, 0);
    tt_init_words(&t, 2);
    TCGBackend *be = tcg_backend_new(&cfg, NULL);
    g_assert_nonnull(be);
    TCGContext *s = t.s;
    TCGv_i64 v = tcg_temp_new_i64(s);
    tcg_gen_insn_start(s, (uint64_t[]){ 0x1000, 4 });
    tcg_gen_qemu_ld_i64(s, v, tcg_constant_i64(s, 8), 0, MO_64);
    tcg_gen_mov_i64(s, t.r[0], v);
    tcg_gen_insn_start(s, (uint64_t[]){ 0x1004, 2 });
    tcg_gen_movi_i64(s, t.r[1], 0x55);
    tcg_gen_qemu_ld_i64(s, v, tcg_constant_i64(s, pg + 16), 0, MO_64);
    tcg_gen_mov_i64(s, t.r[2], v);
    tcg_gen_insn_start(s, (uint64_t[]){ 0x1006, 4 });
    tcg_gen_qemu_ld_i32(s, t.w[0], tcg_constant_i64(s, 2), 0, MO_32 | MO_ALIGN);
    tcg_gen_exit_tb(s, 1);
    TCGTB *tb = tcg_gen_code(be, s, NULL);
    g_assert_nonnull(tb);
    g_assert_cmpuint(tb->ninsns, ==, 3);

    memset(&t.env, 0, sizeof(t.env));
    memcpy(area + 8, &(uint64_t){ 0x1122334455667788 }, 8);
    sigaction(SIGSEGV, &sa, &old);
    int r = sigsetjmp(fault_jmp, 1);
    if (r == 0) {
        tcg_backend_exec(be, &t.env, tb->code);
    }
    sigaction(SIGSEGV, &old, NULL);
    g_assert_cmpint(r, ==, 1);
    g_assert_cmpuint(fault_addr, ==, (uintptr_t)area + pg + 16);
    g_assert_true(tcg_backend_find_tb(be, fault_pc) == tb);
    g_assert_true(tcg_tb_insn_data(tb, fault_pc, words));
    g_assert_cmpuint(words[0], ==, 0x1004);
    g_assert_cmpuint(words[1], ==, 2);
    /* globals were synced before the faulting op; its output was not written */
    g_assert_cmpuint(t.env.r[0], ==, UINT64_C(0x1122334455667788));
    g_assert_cmpuint(t.env.r[1], ==, 0x55);
    g_assert_cmpuint(t.env.r[2], ==, 0);
    g_assert_false(tcg_tb_insn_data(tb, (uintptr_t)tb->code + tb->code_size, words));

    /* the alignment fault: make the second load succeed */
    tcg_ctx_reset(s);
    tcg_gen_insn_start(s, (uint64_t[]){ 0x2000, 4 });
    tcg_gen_movi_i64(s, t.r[3], 0x77);
    tcg_gen_insn_start(s, (uint64_t[]){ 0x2004, 4 });
    tcg_gen_qemu_ld_i32(s, t.w[0], tcg_constant_i64(s, 2), 3, MO_32 | MO_ALIGN);
    tcg_gen_exit_tb(s, 1);
    tb = tcg_gen_code(be, s, NULL);
    g_assert_nonnull(tb);
    r = sigsetjmp(fault_jmp, 1);
    if (r == 0) {
        tcg_backend_exec(be, &t.env, tb->code);
    }
    g_assert_cmpint(r, ==, 2);
    g_assert_cmpuint(align_addr, ==, 2);
    g_assert_cmpuint(align_oi, ==, make_memop_idx(MO_32 | MO_ALIGN, 3));
    g_assert_cmpuint(t.env.r[3], ==, 0x77);
    g_assert_true(tcg_tb_insn_data(tb, fault_pc, words));
    g_assert_cmpuint(words[0], ==, 0x2004);

    tcg_backend_free(be);
    tt_fini(&t);
    munmap(area, 2 * pg);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/backend/each-op", test_each_op);
    g_test_add_func("/tcg/backend/each-op-fallbacks", test_each_op_fallbacks);
    g_test_add_func("/tcg/backend/each-atomic", test_each_atomic);
    g_test_add_func("/tcg/backend/random", test_random);
    g_test_add_func("/tcg/backend/random-optimized", test_random_optimized);
    g_test_add_func("/tcg/backend/calls", test_calls);
    g_test_add_func("/tcg/backend/goto-tb", test_goto_tb);
    g_test_add_func("/tcg/backend/loop", test_loop);
    g_test_add_func("/tcg/backend/refused", test_refused);
    g_test_add_func("/tcg/backend/buffer-full", test_buffer_full);
    g_test_add_func("/tcg/backend/fault-map", test_fault_map);
    return g_test_run();
}
