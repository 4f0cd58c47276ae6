/*
 * Unit tests for the optimizer's constant propagation and folding: exact rewrites
 * checked on the dump, and a differential test that runs random TBs before and
 * after optimization through the interpreter and compares the CPU states.
 */
#include "config.h"
#include "test-tcg-util.h"

static void expect_dump(TestCtx *t, const char *want)
{
    char *d = tcg_dump(t->s);
    if (strcmp(d, want)) {
        g_test_message("got:\n%s\nwant:\n%s", d, want);
    }
    g_assert_cmpstr(d, ==, want);
    g_free(d);
}

/* Folding uses the IR's rules (D1, S1, carries, extensions) and propagates. */
static void test_fold_basic(void)
{
    TestCtx t;

    tt_init(&t);
    TCGv_i64 x = tcg_temp_new_i64(t.s);
    tcg_gen_add_i64(t.s, t.r[0], tcg_constant_i64(t.s, 2), tcg_constant_i64(t.s, 3));
    tcg_gen_movi_i64(t.s, x, 7);
    tcg_gen_div_i64(t.s, t.r[1], x, tcg_constant_i64(t.s, 0));
    tcg_gen_shl_i64(t.s, t.r[2], t.r[0], tcg_constant_i64(t.s, 65));
    tcg_gen_add2_i32(t.s, t.w[0], t.w[1], tcg_constant_i32(t.s, 0xffffffff),
                     tcg_constant_i32(t.s, 0), tcg_constant_i32(t.s, 1),
                     tcg_constant_i32(t.s, 0));
    tcg_gen_ext_i32_i64(t.s, t.r[3], tcg_constant_i32(t.s, 0x80000000));
    tcg_gen_movcond_i64(t.s, TCG_COND_LT, t.r[4], tcg_constant_i64(t.s, -1),
                        tcg_constant_i64(t.s, 0), t.r[5], t.r[6]);
    tcg_gen_exit_tb(t.s, 0);
    tcg_optimize(t.s);
    char *want = g_strdup_printf(
        " mov_i64 r0, $0x5\n"
        " mov_i64 tmp%u, $0x7\n"
        " mov_i64 r1, $0xffffffffffffffff\n"
        " mov_i64 r2, $0xa\n"
        " mov_i32 w0, $0x0\n"
        " mov_i32 w1, $0x1\n"
        " mov_i64 r3, $0xffffffff80000000\n"
        " mov_i64 r4, r5\n"
        " exit_tb $0x0\n", x.idx);
    expect_dump(&t, want);
    g_free(want);
    tt_fini(&t);
}

/* Knowledge dies at labels and, for globals, at calls that may write them. */
static uint64_t helper_bump(void *env)
{
    ((TestEnv *)env)->r[1] += 100;
    return 0;
}

static const TCGHelperInfo info_bump = {
    .name = "bump", .func = helper_bump, .flags = 0,
    .ret = TCG_CALL_VOID, .nargs = 1, .args = { TCG_CALL_PTR },
};

static const TCGHelperInfo info_bump_nowg = {
    .name = "bump_nowg", .func = helper_bump, .flags = TCG_CALL_NO_WRITE_G,
    .ret = TCG_CALL_VOID, .nargs = 1, .args = { TCG_CALL_PTR },
};

static void test_forget(void)
{
    TestCtx t;
    uint32_t args[1];

    tt_init(&t);
    args[0] = tcg_env(t.s).idx;
    TCGLabel *l = tcg_label_new(t.s);
    tcg_gen_insn_start1(t.s, 0);
    tcg_gen_movi_i64(t.s, t.r[1], 5);
    tcg_gen_call(t.s, &info_bump, 0, args, 1);
    tcg_gen_addi_i64(t.s, t.r[2], t.r[1], 1);       /* r1 may have changed */
    tcg_gen_movi_i64(t.s, t.r[1], 5);
    tcg_gen_call(t.s, &info_bump_nowg, 0, args, 1);
    tcg_gen_addi_i64(t.s, t.r[3], t.r[1], 1);       /* the helper promised: fold */
    tcg_gen_movi_i64(t.s, t.r[0], 1);
    tcg_gen_set_label(t.s, l);
    tcg_gen_addi_i64(t.s, t.r[4], t.r[0], 1);       /* after a label: no fold */
    tcg_gen_exit_tb(t.s, 0);
    tcg_optimize(t.s);
    expect_dump(&t,
        " ---- 0x0\n"
        " mov_i64 r1, $0x5\n"
        " call bump, flags=0x0, env\n"
        " add_i64 r2, r1, $0x1\n"
        " mov_i64 r1, $0x5\n"
        " call bump_nowg, flags=0x2, env\n"
        " mov_i64 r3, $0x6\n"
        " mov_i64 r0, $0x1\n"
        " set_label L0\n"
        " add_i64 r4, r0, $0x1\n"
        " exit_tb $0x0\n");
    tt_run(&t);
    g_assert_cmpuint(t.env.r[2], ==, 106);
    g_assert_cmpuint(t.env.r[3], ==, 6);
    g_assert_cmpuint(t.env.r[4], ==, 2);
    tt_fini(&t);
}

/* brcond on constants becomes br or disappears. */
static void test_fold_brcond(void)
{
    TestCtx t;

    tt_init(&t);
    TCGLabel *l1 = tcg_label_new(t.s);
    TCGLabel *l2 = tcg_label_new(t.s);
    TCGv_i32 x = tcg_temp_local_new_i32(t.s);
    tcg_gen_movi_i32(t.s, x, 3);
    tcg_gen_brcondi_i32(t.s, TCG_COND_GTU, x, 5, l1);
    tcg_gen_movi_i32(t.s, t.w[0], 1);
    tcg_gen_brcondi_i32(t.s, TCG_COND_LT, x, 5, l2);
    tcg_gen_movi_i32(t.s, t.w[1], 1);
    tcg_gen_set_label(t.s, l1);
    tcg_gen_set_label(t.s, l2);
    tcg_gen_exit_tb(t.s, 0);
    tcg_optimize(t.s);
    char *want = g_strdup_printf(
        " mov_i32 loc%u, $0x3\n"
        " mov_i32 w0, $0x1\n"
        " br L1\n"
        " mov_i32 w1, $0x1\n"
        " set_label L0\n"
        " set_label L1\n"
        " exit_tb $0x0\n", x.idx);
    expect_dump(&t, want);
    g_free(want);
    g_assert_cmpuint(l1->nrefs, ==, 0);
    g_assert_cmpuint(l2->nrefs, ==, 1);
    tt_run(&t);
    g_assert_cmpuint(t.env.w[0], ==, 1);
    g_assert_cmpuint(t.env.w[1], ==, 0);
    tt_fini(&t);
}

/* ---- differential: random TBs, optimized and not ---- */

static const uint64_t edge[] = {
    0, 1, 2, 3, 31, 32, 33, 63, 64, 65, 0x7f, 0x80, 0xff, 0x8000, 0x7fffffff, 0x80000000,
    0xffffffff, UINT64_C(0x100000000), UINT64_C(0x7fffffffffffffff),
    UINT64_C(0x8000000000000000), UINT64_MAX, UINT64_MAX - 1, UINT64_C(0x123456789abcdef0),
};

typedef struct Gen {
    TestCtx *t;
    GRand *rand;
    TCGv_i64 loc64[2];
    TCGv_i32 loc32[2];
    TCGLabel *pending[8];
    unsigned npending;
    unsigned pure_ops;
} Gen;

static uint64_t rnd_value(Gen *g)
{
    return g_rand_boolean(g->rand) ? edge[g_rand_int_range(g->rand, 0, G_N_ELEMENTS(edge))]
                                   : ((uint64_t)g_rand_int(g->rand) << 32) | g_rand_int(g->rand);
}

static TCGArg rnd_operand(Gen *g, TCGType type, bool output)
{
    int k = g_rand_int_range(g->rand, 0, output ? 2 : 3);
    bool is64 = type == TCG_TYPE_I64;

    if (k == 2) {
        uint64_t v = rnd_value(g);
        return is64 ? tcg_constant_i64(g->t->s, v).idx : tcg_constant_i32(g->t->s, v).idx;
    }
    if (k == 1) {
        int i = g_rand_int_range(g->rand, 0, 2);
        return is64 ? g->loc64[i].idx : g->loc32[i].idx;
    }
    return is64 ? g->t->r[g_rand_int_range(g->rand, 0, 8)].idx
                : g->t->w[g_rand_int_range(g->rand, 0, 4)].idx;
}

static TCGType temp_type(const TCGOpDef *def, unsigned i)
{
    char c = def->types[i];
    if (c == 'T') {
        return def->flags & TCG_OPF_64 ? TCG_TYPE_I64 : TCG_TYPE_I32;
    }
    return c == 'i' ? TCG_TYPE_I32 : TCG_TYPE_I64;
}

/* One random pure op, operands and constant arguments drawn to be valid. */
static void gen_pure(Gen *g, TCGOpcode opc)
{
    const TCGOpDef *def = &tcg_op_defs[opc];
    unsigned w = def->flags & TCG_OPF_64 ? 64 : 32;
    unsigned nt = def->nb_oargs + def->nb_iargs;
    TCGArg a[TCG_MAX_OP_ARGS];

    for (unsigned i = 0; i < nt; i++) {
        a[i] = rnd_operand(g, temp_type(def, i), i < def->nb_oargs);
    }
    while (def->nb_oargs == 2 && a[1] == a[0]) {
        a[1] = rnd_operand(g, temp_type(def, 1), true);
    }
    for (unsigned i = 0; i < def->nb_cargs; i++) {
        switch (def->ckinds[i]) {
        case 'c':
            a[nt + i] = g_rand_int_range(g->rand, 0, TCG_COND_COUNT);
            break;
        case 'p':
            if (def->ckinds[i + 1] == 'n') {
                unsigned pos = g_rand_int_range(g->rand, 0, w);
                a[nt + i] = pos;
                a[nt + i + 1] = g_rand_int_range(g->rand, 1, w - pos + 1);
                i++;
            } else {
                a[nt + i] = g_rand_int_range(g->rand, 0, w + 1);
            }
            break;
        default:
            g_assert_not_reached();
        }
    }
    g_assert_nonnull(tcg_emit_op(g->t->s, opc, a, nt + def->nb_cargs));
    g->pure_ops++;
}

static uint64_t helper_pure(uint64_t a, uint32_t b)
{
    return a * 31 + b;
}

static const TCGHelperInfo info_pure = {
    .name = "pure", .func = helper_pure, .flags = TCG_CALL_NO_RWG | TCG_CALL_NO_SE,
    .ret = TCG_CALL_I64, .nargs = 2, .args = { TCG_CALL_I64, TCG_CALL_I32 },
};

static void helper_env(void *env)
{
    TestEnv *e = env;
    e->r[1] = e->r[0] * 3 + 1;
    e->w[2] ^= 0x5a5a;
}

static const TCGHelperInfo info_env = {
    .name = "env", .func = helper_env, .flags = 0,
    .ret = TCG_CALL_VOID, .nargs = 1, .args = { TCG_CALL_PTR },
};

static void gen_random_tb(TestCtx *t, uint32_t seed, unsigned *pure_ops)
{
    static TCGOpcode pure[TCGOP_COUNT];
    static unsigned npure;
    Gen g = { .t = t, .rand = g_rand_new_with_seed(seed) };

    if (!npure) {
        for (unsigned i = 0; i < TCGOP_COUNT; i++) {
            if (tcg_op_is_pure(i)) {
                pure[npure++] = i;
            }
        }
    }
    tcg_gen_insn_start1(t->s, seed);
    for (int i = 0; i < 2; i++) {
        g.loc64[i] = tcg_temp_local_new_i64(t->s);
        g.loc32[i] = tcg_temp_local_new_i32(t->s);
        tcg_gen_movi_i64(t->s, g.loc64[i], rnd_value(&g));
        tcg_gen_movi_i32(t->s, g.loc32[i], rnd_value(&g));
    }
    for (int n = 0; n < 60; n++) {
        int k = g_rand_int_range(g.rand, 0, 100);
        if (k < 8 && g.npending < G_N_ELEMENTS(g.pending)) {
            TCGLabel *l = tcg_label_new(t->s);
            g.pending[g.npending++] = l;
            bool is64 = g_rand_boolean(g.rand);
            TCGType ty = is64 ? TCG_TYPE_I64 : TCG_TYPE_I32;
            TCGArg a[4] = { rnd_operand(&g, ty, false), rnd_operand(&g, ty, false),
                            g_rand_int_range(g.rand, 0, TCG_COND_COUNT), tcg_label_arg(l) };
            tcg_emit_op(t->s, is64 ? TCGOP_brcond_i64 : TCGOP_brcond_i32, a, 4);
        } else if (k < 14 && g.npending) {
            tcg_gen_set_label(t->s, g.pending[--g.npending]);
        } else if (k < 18) {
            uint32_t args[2] = { rnd_operand(&g, TCG_TYPE_I64, false),
                                 rnd_operand(&g, TCG_TYPE_I32, false) };
            tcg_gen_call(t->s, &info_pure, rnd_operand(&g, TCG_TYPE_I64, true), args, 2);
        } else if (k < 21) {
            uint32_t args[1] = { tcg_env(t->s).idx };
            tcg_gen_call(t->s, &info_env, 0, args, 1);
        } else {
            gen_pure(&g, pure[g_rand_int_range(g.rand, 0, npure)]);
        }
    }
    while (g.npending) {
        tcg_gen_set_label(t->s, g.pending[--g.npending]);
    }
    /* Make the locals observable. */
    tcg_gen_mov_i64(t->s, t->r[8], g.loc64[0]);
    tcg_gen_mov_i64(t->s, t->r[9], g.loc64[1]);
    tcg_gen_mov_i32(t->s, t->w[4], g.loc32[0]);
    tcg_gen_mov_i32(t->s, t->w[5], g.loc32[1]);
    tcg_gen_exit_tb(t->s, seed);
    g_assert_null(tcg_ctx_error(t->s));
    *pure_ops = g.pure_ops;
    g_rand_free(g.rand);
}

static unsigned count_non_mov(TestCtx *t)
{
    unsigned n = 0;
    tcg_for_each_op(t->s, op) {
        if (tcg_op_is_pure(op->opc) && op->opc != TCGOP_mov_i32 && op->opc != TCGOP_mov_i64) {
            n++;
        }
    }
    return n;
}

static void test_differential(void)
{
    unsigned before = 0, after = 0;

    for (uint32_t seed = 1; seed <= 400; seed++) {
        TestCtx a, b;
        unsigned pa, pb;

        tt_init(&a);
        tt_init(&b);
        gen_random_tb(&a, seed, &pa);
        gen_random_tb(&b, seed, &pb);
        g_assert_cmpuint(pa, ==, pb);
        before += count_non_mov(&b);
        tcg_optimize(b.s);
        after += count_non_mov(&b);
        GRand *r = g_rand_new_with_seed(seed * 7 + 1);
        for (size_t i = 0; i < sizeof(a.env); i++) {
            ((uint8_t *)&a.env)[i] = g_rand_int(r);
        }
        g_rand_free(r);
        b.env = a.env;
        tt_run(&a);
        tt_run(&b);
        if (memcmp(&a.env, &b.env, sizeof(a.env)) || a.info.value != b.info.value) {
            char *da = tcg_dump(a.s), *db = tcg_dump(b.s);
            g_test_message("seed %u differs\nbefore:\n%s\nafter:\n%s", seed, da, db);
            for (int i = 0; i < 16; i++) {
                if (a.env.r[i] != b.env.r[i]) {
                    g_test_message("r%d: 0x%" PRIx64 " vs 0x%" PRIx64, i, a.env.r[i], b.env.r[i]);
                }
            }
            for (int i = 0; i < 8; i++) {
                if (a.env.w[i] != b.env.w[i]) {
                    g_test_message("w%d: 0x%x vs 0x%x", i, a.env.w[i], b.env.w[i]);
                }
            }
            g_free(da);
            g_free(db);
        }
        g_assert_cmpmem(&a.env, sizeof(a.env), &b.env, sizeof(b.env));
        g_assert_cmpuint(a.info.value, ==, b.info.value);
        tt_fini(&a);
        tt_fini(&b);
    }
    g_test_message("non-mov pure ops: %u before, %u after optimization", before, after);
    g_assert_cmpuint(after, <, before);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/opt/fold-basic", test_fold_basic);
    g_test_add_func("/tcg/opt/forget", test_forget);
    g_test_add_func("/tcg/opt/fold-brcond", test_fold_brcond);
    g_test_add_func("/tcg/opt/differential", test_differential);
    return g_test_run();
}
