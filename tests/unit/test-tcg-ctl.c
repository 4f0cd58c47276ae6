/*
 * Unit tests for control flow and state in the IR (docs/tcg-ir.md sections 1, 11,
 * 12 and 13): labels and branches, temp lifetimes, TB exits and chaining slots,
 * helper calls and the syncing of globals their flags imply, insn_start
 * bookkeeping with a raising helper, the verifier, and list editing for passes.
 */
#include "config.h"
#include <setjmp.h>
#include "test-tcg-util.h"

/* Sum 1..10 with a local counter and a backward branch. */
static void test_loop(void)
{
    TestCtx t;

    tt_init(&t);
    TCGLabel *top = tcg_label_new(t.s);
    TCGv_i64 i = tcg_temp_local_new_i64(t.s);
    tcg_gen_movi_i64(t.s, i, 10);
    tcg_gen_movi_i64(t.s, t.r[0], 0);
    tcg_gen_set_label(t.s, top);
    tcg_gen_add_i64(t.s, t.r[0], t.r[0], i);
    tcg_gen_subi_i64(t.s, i, i, 1);
    tcg_gen_brcondi_i64(t.s, TCG_COND_GT, i, 0, top);
    tcg_gen_exit_tb(t.s, 3);
    tt_run(&t);
    g_assert_cmpuint(t.env.r[0], ==, 55);
    g_assert_cmpuint(t.info.value, ==, 3);
    g_assert_cmpint(t.info.goto_tb_slot, ==, -1);
    tt_fini(&t);
}

/* An ebb temp keeps its value on a conditional branch's fall-through path... */
static void test_ebb_fallthrough(void)
{
    TestCtx t;

    tt_init(&t);
    TCGLabel *l = tcg_label_new(t.s);
    TCGv_i64 x = tcg_temp_new_i64(t.s);
    tcg_gen_movi_i64(t.s, x, 77);
    tcg_gen_brcondi_i64(t.s, TCG_COND_EQ, t.r[0], 1, l);
    tcg_gen_mov_i64(t.s, t.r[1], x);
    tcg_gen_set_label(t.s, l);
    tcg_gen_exit_tb(t.s, 0);
    tt_run(&t);
    g_assert_cmpuint(t.env.r[1], ==, 77);
    tt_fini(&t);
}

/* ...but dies at every label, reached by a jump or by falling into it. A local
 * temp survives both. */
static void gen_after_label(TestCtx *t, bool local, bool jump)
{
    TCGLabel *l = tcg_label_new(t->s);
    TCGv_i64 x = local ? tcg_temp_local_new_i64(t->s) : tcg_temp_new_i64(t->s);
    tcg_gen_movi_i64(t->s, x, 5);
    if (jump) {
        tcg_gen_br(t->s, l);
    }
    tcg_gen_set_label(t->s, l);
    tcg_gen_mov_i64(t->s, t->r[1], x);
    tcg_gen_exit_tb(t->s, 0);
}

static void test_temp_lifetimes(void)
{
    for (int local = 0; local < 2; local++) {
        for (int jump = 0; jump < 2; jump++) {
            TestCtx t;
            tt_init(&t);
            gen_after_label(&t, local, jump);
            if (local) {
                tt_run(&t);
                g_assert_cmpuint(t.env.r[1], ==, 5);
            } else {
                tt_run_expect(&t, NULL, NULL, TCG_EXIT_INVALID);
                g_assert_nonnull(strstr(t.info.message, "has no value"));
                g_assert_nonnull(strstr(t.info.message, "mov_i64 r1, tmp"));
            }
            tt_fini(&t);
        }
    }
}

/* A temp read before any write, and after discard, has no value; a discarded
 * global keeps its old env contents. */
static void test_no_value(void)
{
    TestCtx t;

    tt_init(&t);
    TCGv_i32 x = tcg_temp_local_new_i32(t.s);
    tcg_gen_add_i32(t.s, t.w[0], x, x);
    tcg_gen_exit_tb(t.s, 0);
    tt_run_expect(&t, NULL, NULL, TCG_EXIT_INVALID);
    tt_fini(&t);

    tt_init(&t);
    x = tcg_temp_new_i32(t.s);
    tcg_gen_movi_i32(t.s, x, 1);
    tcg_gen_discard_i32(t.s, x);
    tcg_gen_mov_i32(t.s, t.w[0], x);
    tcg_gen_exit_tb(t.s, 0);
    tt_run_expect(&t, NULL, NULL, TCG_EXIT_INVALID);
    tt_fini(&t);

    tt_init(&t);
    t.env.r[2] = 0x99;
    tcg_gen_movi_i64(t.s, t.r[2], 1);
    tcg_gen_discard_i64(t.s, t.r[2]);
    tcg_gen_exit_tb(t.s, 0);
    tt_run(&t);
    g_assert_cmphex(t.env.r[2], ==, 0x99);
    tt_fini(&t);

    tt_init(&t);
    tcg_gen_discard_i64(t.s, tcg_constant_i64(t.s, 3));
    tt_assert_error(&t, "writes a constant");
    tt_fini(&t);
}

/* goto_tb: the fall-through path runs, the slot is reported with exit_tb's value. */
static void test_goto_tb(void)
{
    TestCtx t;

    tt_init(&t);
    TCGLabel *l = tcg_label_new(t.s);
    tcg_gen_brcondi_i64(t.s, TCG_COND_NE, t.r[0], 0, l);
    tcg_gen_goto_tb(t.s, 0);
    tcg_gen_movi_i64(t.s, t.r[15], 0x2000);
    tcg_gen_exit_tb(t.s, 0x100);
    tcg_gen_set_label(t.s, l);
    tcg_gen_goto_tb(t.s, 1);
    tcg_gen_movi_i64(t.s, t.r[15], 0x3000);
    tcg_gen_exit_tb(t.s, 0x101);
    tt_run(&t);
    g_assert_cmpint(t.info.goto_tb_slot, ==, 0);
    g_assert_cmphex(t.info.value, ==, 0x100);
    g_assert_cmphex(t.env.r[15], ==, 0x2000);
    t.env.r[0] = 1;
    tt_run(&t);
    g_assert_cmpint(t.info.goto_tb_slot, ==, 1);
    g_assert_cmphex(t.info.value, ==, 0x101);
    g_assert_cmphex(t.env.r[15], ==, 0x3000);
    tt_fini(&t);

    /* A slot used twice, a slot above 1. */
    tt_init(&t);
    tcg_gen_goto_tb(t.s, 0);
    tcg_gen_exit_tb(t.s, 0);
    tcg_gen_goto_tb(t.s, 0);
    tt_assert_error(&t, "slot 0 used twice");
    tt_fini(&t);
    tt_init(&t);
    tcg_gen_goto_tb(t.s, 2);
    tt_assert_error(&t, "must be 0 or 1");
    tt_fini(&t);
}

static void expect_verify_error(TestCtx *t, const char *needle)
{
    Error *err = NULL;

    g_assert_false(tcg_verify(t->s, &err));
    if (!strstr(error_message(err), needle)) {
        g_test_message("verify said '%s', expected '%s'", error_message(err), needle);
    }
    g_assert_nonnull(strstr(error_message(err), needle));
    error_free(err);
    tt_run_expect(t, NULL, NULL, TCG_EXIT_INVALID);
}

static void test_verify(void)
{
    TestCtx t;

    /* falls off the end */
    tt_init(&t);
    tcg_gen_movi_i64(t.s, t.r[0], 1);
    expect_verify_error(&t, "does not end");
    tt_fini(&t);
    tt_init(&t);
    expect_verify_error(&t, "does not end");            /* empty */
    tt_fini(&t);

    /* a branch to a label never placed */
    tt_init(&t);
    TCGLabel *l = tcg_label_new(t.s);
    tcg_gen_brcondi_i64(t.s, TCG_COND_EQ, t.r[0], 0, l);
    tcg_gen_exit_tb(t.s, 0);
    expect_verify_error(&t, "never placed");
    tt_fini(&t);

    /* a label placed twice */
    tt_init(&t);
    l = tcg_label_new(t.s);
    tcg_gen_set_label(t.s, l);
    tcg_gen_set_label(t.s, l);
    tt_assert_error(&t, "placed twice");
    tt_fini(&t);

    /* goto_tb followed by a guest store, or by no exit_tb */
    tt_init(&t);
    tcg_gen_insn_start1(t.s, 0);
    tcg_gen_goto_tb(t.s, 0);
    tcg_gen_qemu_st_i64(t.s, t.r[0], t.r[1], 0, MO_LEUQ);
    tcg_gen_exit_tb(t.s, 0);
    expect_verify_error(&t, "followed by qemu_st_i64");
    tt_fini(&t);
    tt_init(&t);
    l = tcg_label_new(t.s);
    tcg_gen_goto_tb(t.s, 0);
    tcg_gen_set_label(t.s, l);
    tcg_gen_br(t.s, l);
    expect_verify_error(&t, "followed by set_label");
    tt_fini(&t);

    /* P1: a guest memory op before the first insn_start */
    tt_init(&t);
    tcg_gen_qemu_ld_i64(t.s, t.r[0], t.r[1], 0, MO_LEUQ);
    tcg_gen_insn_start1(t.s, 0);
    tcg_gen_exit_tb(t.s, 0);
    expect_verify_error(&t, "before the first insn_start");
    tt_fini(&t);
}

/* An endless loop stops at the step limit. */
static void test_step_limit(void)
{
    TestCtx t;

    tt_init(&t);
    TCGLabel *l = tcg_label_new(t.s);
    tcg_gen_set_label(t.s, l);
    tcg_gen_addi_i64(t.s, t.r[0], t.r[0], 1);
    tcg_gen_br(t.s, l);
    tcg_interp_set_step_limit(t.it, 3000);
    tt_run_expect(&t, NULL, NULL, TCG_EXIT_INVALID);
    g_assert_nonnull(strstr(t.info.message, "step limit"));
    tt_fini(&t);
}

static uint64_t lookup_result;

static uint64_t helper_lookup(uint64_t pc)
{
    return pc == 0x4000 ? lookup_result : 0;
}

static const TCGHelperInfo info_lookup = {
    .name = "lookup", .func = helper_lookup, .flags = TCG_CALL_NO_WRITE_G,
    .ret = TCG_CALL_I64, .nargs = 1, .args = { TCG_CALL_I64 },
};

static void test_goto_ptr(void)
{
    TestCtx t;
    static int marker;

    lookup_result = (uint64_t)(uintptr_t)&marker;
    tt_init(&t);
    TCGv_ptr p = tcg_temp_new_ptr(t.s);
    tcg_gen_insn_start1(t.s, 0);
    tcg_gen_movi_i64(t.s, t.r[15], 0x4000);
    uint32_t args[1] = { t.r[15].idx };
    tcg_gen_call(t.s, &info_lookup, p.idx, args, 1);
    tcg_gen_goto_ptr(t.s, p);
    tt_run_expect(&t, NULL, NULL, TCG_EXIT_GOTO_PTR);
    g_assert_cmphex(t.info.value, ==, (uint64_t)(uintptr_t)&marker);
    g_assert_cmphex(t.env.r[15], ==, 0x4000);       /* synced at the exit */
    tt_fini(&t);
}

/* ---- helpers ---- */

static uint64_t helper_mix(uint32_t a, uint64_t b, void *env, uint32_t c, uint64_t d,
                           uint32_t e)
{
    TestEnv *te = env;
    return a + b + c + d + e + te->bytes[0];
}

static const TCGHelperInfo info_mix = {
    .name = "mix", .func = helper_mix, .flags = TCG_CALL_NO_RWG | TCG_CALL_NO_SE,
    .ret = TCG_CALL_I64, .nargs = 6,
    .args = { TCG_CALL_I32, TCG_CALL_I64, TCG_CALL_PTR, TCG_CALL_I32, TCG_CALL_I64,
              TCG_CALL_I32 },
};

static uint32_t helper_trunc(uint64_t a)
{
    return (uint32_t)(a >> 8);
}

static const TCGHelperInfo info_trunc = {
    .name = "trunc", .func = helper_trunc, .flags = TCG_CALL_NO_RWG | TCG_CALL_NO_SE,
    .ret = TCG_CALL_I32, .nargs = 1, .args = { TCG_CALL_I64 },
};

/* Arguments of every type, six of them, and an i32 result. */
static void test_call_args(void)
{
    TestCtx t;

    tt_init(&t);
    t.env.bytes[0] = 100;
    t.env.w[0] = 0xffffffff;
    t.env.r[0] = UINT64_C(0x100000000);
    uint32_t args[6] = {
        t.w[0].idx, t.r[0].idx, tcg_env(t.s).idx, tcg_constant_i32(t.s, 2).idx,
        tcg_constant_i64(t.s, 3).idx, tcg_constant_i32(t.s, 4).idx,
    };
    tcg_gen_call(t.s, &info_mix, t.r[1].idx, args, 6);
    uint32_t a2[1] = { t.r[0].idx };
    tcg_gen_call(t.s, &info_trunc, t.w[1].idx, a2, 1);
    tcg_gen_exit_tb(t.s, 0);
    tt_run(&t);
    g_assert_cmphex(t.env.r[1], ==, UINT64_C(0xffffffff) + UINT64_C(0x100000000) + 109);
    g_assert_cmphex(t.env.w[1], ==, 0x1000000);
    char *d = tcg_dump(t.s);
    g_assert_nonnull(strstr(d, " call mix, flags=0x7, r1, w0, r0, env, $0x2, $0x3, $0x4\n"));
    g_free(d);
    tt_fini(&t);
}

static void test_call_misuse(void)
{
    TestCtx t;
    uint32_t args[6] = { 0 };

    tt_init(&t);
    args[0] = t.r[0].idx;       /* i64 where the helper takes i32 */
    args[1] = t.r[0].idx;
    args[2] = tcg_env(t.s).idx;
    args[3] = t.w[0].idx;
    args[4] = t.r[0].idx;
    args[5] = t.w[0].idx;
    tcg_gen_call(t.s, &info_mix, t.r[1].idx, args, 6);
    tt_assert_error(&t, "has type i64, the op needs i32");
    tt_fini(&t);

    tt_init(&t);
    tcg_gen_call(t.s, &info_mix, t.r[1].idx, args, 5);
    tt_assert_error(&t, "5 arguments given, the helper takes 6");
    tt_fini(&t);

    tt_init(&t);
    args[0] = t.r[0].idx;
    tcg_gen_call(t.s, &info_trunc, 0, args, 1);
    tt_assert_error(&t, "return value");
    tt_fini(&t);

    tt_init(&t);
    tcg_gen_call(t.s, &info_trunc, t.r[1].idx, args, 1);
    tt_assert_error(&t, "has type i64, the op needs i32");
    tt_fini(&t);

    static const TCGHelperInfo bad_se = {
        .name = "bad", .func = helper_trunc, .flags = TCG_CALL_NO_SE,
        .ret = TCG_CALL_I32, .nargs = 1, .args = { TCG_CALL_I64 },
    };
    tt_init(&t);
    tcg_gen_call(t.s, &bad_se, t.w[1].idx, args, 1);
    tt_assert_error(&t, "NO_SE requires NO_WRITE_G");
    tt_fini(&t);

    static const TCGHelperInfo bad_rg = {
        .name = "bad", .func = helper_trunc, .flags = TCG_CALL_NO_READ_G,
        .ret = TCG_CALL_I32, .nargs = 1, .args = { TCG_CALL_I64 },
    };
    tt_init(&t);
    tcg_gen_call(t.s, &bad_rg, t.w[1].idx, args, 1);
    tt_assert_error(&t, "NO_READ_G requires NO_WRITE_G");
    tt_fini(&t);
}

/* A helper that reads r3 and writes r4 through env, with different flags. */
static uint64_t seen_r3;

static void helper_rw(void *env)
{
    TestEnv *te = env;
    seen_r3 = te->r[3];
    te->r[4] = 0x4444;
}

static void run_rw(unsigned flags, uint64_t *seen, uint64_t *r5)
{
    TCGHelperInfo info = {
        .name = "rw", .func = helper_rw, .flags = flags,
        .ret = TCG_CALL_VOID, .nargs = 1, .args = { TCG_CALL_PTR },
    };
    TestCtx t;

    tt_init(&t);
    t.env.r[3] = 1;
    t.env.r[4] = 2;
    tcg_gen_insn_start1(t.s, 0);
    tcg_gen_movi_i64(t.s, t.r[3], 0x3333);
    tcg_gen_mov_i64(t.s, t.r[4], t.r[4]);       /* r4 now cached */
    uint32_t args[1] = { tcg_env(t.s).idx };
    tcg_gen_call(t.s, &info, 0, args, 1);
    tcg_gen_mov_i64(t.s, t.r[5], t.r[4]);       /* what the TB sees of r4 after */
    tcg_gen_exit_tb(t.s, 0);
    tt_run(&t);
    *seen = seen_r3;
    *r5 = t.env.r[5];
    tt_fini(&t);
}

/* Globals are synced before a call unless NO_READ_G and reloaded after unless
 * NO_WRITE_G; with the flags lying, the helper sees or loses stale values. */
static void test_call_globals(void)
{
    uint64_t seen, r5;

    run_rw(0, &seen, &r5);
    g_assert_cmphex(seen, ==, 0x3333);
    g_assert_cmphex(r5, ==, 0x4444);

    run_rw(TCG_CALL_NO_RWG, &seen, &r5);        /* NO_READ_G implies NO_WRITE_G */
    g_assert_cmphex(seen, ==, 1);               /* env was not synced */
    g_assert_cmphex(r5, ==, 2);                 /* nor reloaded */

    run_rw(TCG_CALL_NO_WRITE_G, &seen, &r5);
    g_assert_cmphex(seen, ==, 0x3333);
    g_assert_cmphex(r5, ==, 2);                 /* the cached value wins */
}

/* A helper raising a guest exception leaves by siglongjmp. */
static sigjmp_buf raise_jmp;
static uint64_t raised_r7;

static void helper_raise(void *env)
{
    raised_r7 = ((TestEnv *)env)->r[7];
    siglongjmp(raise_jmp, 1);
}

static const TCGHelperInfo info_raise = {
    .name = "raise", .func = helper_raise, .flags = TCG_CALL_NO_WRITE_G,
    .ret = TCG_CALL_VOID, .nargs = 1, .args = { TCG_CALL_PTR },
};

static void test_raise_and_insn_start(void)
{
    TestCtx t;
    uint64_t w[3];

    tt_init_words(&t, 3);
    g_assert_null(tcg_interp_insn_data(t.it));
    w[0] = 0x1000; w[1] = 4; w[2] = 0xa;
    tcg_gen_insn_start(t.s, w);
    tcg_gen_movi_i64(t.s, t.r[7], 0x77);
    w[0] = 0x1004; w[1] = 2; w[2] = 0xb;
    tcg_gen_insn_start(t.s, w);
    uint32_t args[1] = { tcg_env(t.s).idx };
    tcg_gen_call(t.s, &info_raise, 0, args, 1);
    tcg_gen_movi_i64(t.s, t.r[8], 1);
    tcg_gen_exit_tb(t.s, 0);

    if (sigsetjmp(raise_jmp, 0) == 0) {
        tcg_interp_run(t.it, t.s, &t.env, NULL, NULL, &t.info);
        g_assert_not_reached();
    }
    const uint64_t *d = tcg_interp_insn_data(t.it);
    g_assert_nonnull(d);
    g_assert_cmphex(d[0], ==, 0x1004);
    g_assert_cmphex(d[1], ==, 2);
    g_assert_cmphex(d[2], ==, 0xb);
    g_assert_cmphex(raised_r7, ==, 0x77);       /* synced before the call */
    g_assert_cmphex(t.env.r[7], ==, 0x77);
    g_assert_cmphex(t.env.r[8], ==, 0);

    /* The interpreter is reusable after the unwind; a normal exit reports the
     * last insn_start too. */
    tcg_ctx_reset(t.s);
    w[0] = 0x2000;
    tcg_gen_insn_start(t.s, w);
    tcg_gen_exit_tb(t.s, 0);
    tt_run(&t);
    g_assert_cmphex(t.info.insn_data[0], ==, 0x2000);
    g_assert_cmpint(t.info.insn_index, ==, 0);
    tt_fini(&t);

    /* A may-raise call needs an insn_start before it (P1). */
    tt_init(&t);
    tcg_gen_call(t.s, &info_raise, 0, args, 1);
    tcg_gen_exit_tb(t.s, 0);
    expect_verify_error(&t, "call before the first insn_start");
    tt_fini(&t);
}

/* ---- list editing and growth ---- */

static void test_list_editing(void)
{
    TestCtx t;

    tt_init(&t);
    tcg_gen_movi_i64(t.s, t.r[0], 1);
    tcg_gen_addi_i64(t.s, t.r[0], t.r[0], 10);
    TCGOp *add10 = t.s->last_op;
    tcg_gen_exit_tb(t.s, 0);
    /* insert r0 *= 3 before the add, then remove the add */
    TCGArg a[3] = { t.r[0].idx, t.r[0].idx, tcg_constant_i64(t.s, 3).idx };
    g_assert_nonnull(tcg_op_insert_before(t.s, add10, TCGOP_mul_i64, a, 3));
    tt_run(&t);
    g_assert_cmpuint(t.env.r[0], ==, 13);
    tcg_op_remove(t.s, add10);
    tt_run(&t);
    g_assert_cmpuint(t.env.r[0], ==, 3);
    TCGArg b[3] = { t.r[1].idx, t.r[0].idx, tcg_constant_i64(t.s, 1).idx };
    g_assert_nonnull(tcg_op_insert_after(t.s, t.s->first_op, TCGOP_sub_i64, b, 3));
    tt_run(&t);
    g_assert_cmpuint(t.env.r[1], ==, 0);
    g_assert_cmpuint(t.s->nb_ops, ==, 4);
    /* removing the final exit makes the TB invalid again */
    tcg_op_remove(t.s, t.s->last_op);
    expect_verify_error(&t, "does not end");
    tt_fini(&t);
}

/* Many temps, ops and labels, across several resets of one context. */
static void test_big_tb(void)
{
    TestCtx t;

    tt_init(&t);
    for (int round = 0; round < 3; round++) {
        tcg_ctx_reset(t.s);
        TCGv_i64 acc = tcg_temp_local_new_i64(t.s);
        tcg_gen_movi_i64(t.s, acc, 0);
        for (int i = 0; i < 2000; i++) {
            TCGv_i64 x = tcg_temp_new_i64(t.s);
            TCGLabel *l = tcg_label_new(t.s);
            tcg_gen_movi_i64(t.s, x, i + round);
            tcg_gen_add_i64(t.s, acc, acc, x);
            tcg_gen_br(t.s, l);
            tcg_gen_set_label(t.s, l);
        }
        tcg_gen_mov_i64(t.s, t.r[0], acc);
        tcg_gen_exit_tb(t.s, 0);
        tt_run(&t);
        g_assert_cmpuint(t.env.r[0], ==, 1999 * 2000 / 2 + 2000 * round);
    }
    tt_fini(&t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/ctl/loop", test_loop);
    g_test_add_func("/tcg/ctl/ebb-fallthrough", test_ebb_fallthrough);
    g_test_add_func("/tcg/ctl/temp-lifetimes", test_temp_lifetimes);
    g_test_add_func("/tcg/ctl/no-value", test_no_value);
    g_test_add_func("/tcg/ctl/goto-tb", test_goto_tb);
    g_test_add_func("/tcg/ctl/verify", test_verify);
    g_test_add_func("/tcg/ctl/step-limit", test_step_limit);
    g_test_add_func("/tcg/ctl/goto-ptr", test_goto_ptr);
    g_test_add_func("/tcg/ctl/call-args", test_call_args);
    g_test_add_func("/tcg/ctl/call-misuse", test_call_misuse);
    g_test_add_func("/tcg/ctl/call-globals", test_call_globals);
    g_test_add_func("/tcg/ctl/raise-insn-start", test_raise_and_insn_start);
    g_test_add_func("/tcg/ctl/list-editing", test_list_editing);
    g_test_add_func("/tcg/ctl/big-tb", test_big_tb);
    return g_test_run();
}
