/*
 * A generator of random but valid TBs for the differential tests of libtcg's
 * passes and backend: pure ops with edge values, forward branches, counted loops
 * (backward branches), helper calls (pure and env-writing), host loads/stores on
 * env's bytes[], guest loads/stores and atomics inside the TestMem range. Every
 * local is made observable at the end.
 */
#ifndef TEST_TCG_GEN_H
#define TEST_TCG_GEN_H

#include "test-tcg-util.h"

/* ---- random operands ---- */

static const uint64_t edge[] = {
    0, 1, 2, 3, 7, 8, 31, 32, 33, 63, 64, 65, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
    0x7fffffff, 0x80000000, 0xffffffff, UINT64_C(0x100000000),
    UINT64_C(0x7fffffffffffffff), UINT64_C(0x8000000000000000), UINT64_MAX,
    UINT64_MAX - 1, UINT64_C(0xffffffff80000000), UINT64_C(0x123456789abcdef0),
};

typedef struct Gen {
    TestCtx *t;
    GRand *rand;
    TCGv_i64 loc64[2];
    TCGv_i32 loc32[2];
    TCGLabel *pending[8];
    unsigned npending;
    bool with_mem;
} Gen;

static uint64_t rnd_value(Gen *g)
{
    return g_rand_boolean(g->rand) ? edge[g_rand_int_range(g->rand, 0, G_N_ELEMENTS(edge))]
                                   : ((uint64_t)g_rand_int(g->rand) << 32) | g_rand_int(g->rand);
}

static TCGArg rnd_operand(Gen *g, TCGType type, bool output)
{
    TCGContext *s = g->t->s;
    int k = g_rand_int_range(g->rand, 0, output ? 2 : 3);
    bool is64 = type == TCG_TYPE_I64;

    if (k == 2) {
        uint64_t v = rnd_value(g);
        return is64 ? tcg_constant_i64(s, v).idx : tcg_constant_i32(s, v).idx;
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

static void rnd_cargs(Gen *g, const TCGOpDef *def, TCGArg *a)
{
    unsigned w = def->flags & TCG_OPF_64 ? 64 : 32;

    for (unsigned i = 0; i < def->nb_cargs; i++) {
        switch (def->ckinds[i]) {
        case 'c':
            a[i] = g_rand_int_range(g->rand, 0, TCG_COND_COUNT);
            break;
        case 'p':
            if (def->ckinds[i + 1] == 'n') {
                unsigned pos = g_rand_int_range(g->rand, 0, w);
                a[i] = pos;
                a[i + 1] = g_rand_int_range(g->rand, 1, w - pos + 1);
                i++;
            } else {
                a[i] = g_rand_int_range(g->rand, 0, w + 1);
            }
            break;
        default:
            g_assert_not_reached();
        }
    }
}

static void gen_pure(Gen *g, TCGOpcode opc)
{
    const TCGOpDef *def = &tcg_op_defs[opc];
    unsigned nt = def->nb_oargs + def->nb_iargs;
    TCGArg a[TCG_MAX_OP_ARGS];

    for (unsigned i = 0; i < nt; i++) {
        a[i] = rnd_operand(g, temp_type(def, i), i < def->nb_oargs);
    }
    while (def->nb_oargs == 2 && a[1] == a[0]) {
        a[1] = rnd_operand(g, temp_type(def, 1), true);
    }
    rnd_cargs(g, def, a + nt);
    g_assert_nonnull(tcg_emit_op(g->t->s, opc, a, nt + def->nb_cargs));
}

static TCGOpcode pure_ops[TCGOP_COUNT];
static unsigned npure;

static void init_pure_ops(void)
{
    if (!npure) {
        for (unsigned i = 0; i < TCGOP_COUNT; i++) {
            if (tcg_op_is_pure(i)) {
                pure_ops[npure++] = i;
            }
        }
    }
}

/* ---- random TBs ---- */

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

/* A guest address inside the test memory, aligned as the MemOp requires. */
static void gen_guest_mem(Gen *g)
{
    TCGContext *s = g->t->s;
    bool is64 = g_rand_boolean(g->rand);
    unsigned size = g_rand_int_range(g->rand, 0, is64 ? 4 : 3);
    MemOp mop = size | (g_rand_boolean(g->rand) ? MO_BE : 0)
                | (g_rand_boolean(g->rand) ? MO_SIGN : 0)
                | (g_rand_boolean(g->rand) ? MO_ALIGN : 0);
    TCGv_i64 addr = tcg_temp_new_i64(s);
    TCGArg a[3];

    /* addr = TM_BASE + (x & 0x3ff8) + small offset respecting the alignment */
    tcg_gen_andi_i64(s, addr, (TCGv_i64){ rnd_operand(g, TCG_TYPE_I64, false) }, 0x3ff8);
    unsigned off = mop & MO_ALIGN ? 0 : g_rand_int_range(g->rand, 0, 8);
    tcg_gen_addi_i64(s, addr, addr, TM_BASE + off);
    bool load = g_rand_boolean(g->rand);
    TCGType ty = is64 ? TCG_TYPE_I64 : TCG_TYPE_I32;
    a[0] = rnd_operand(g, ty, load);
    a[1] = addr.idx;
    a[2] = make_memop_idx(mop, 0);
    TCGOpcode opc = load ? (is64 ? TCGOP_qemu_ld_i64 : TCGOP_qemu_ld_i32)
                         : (is64 ? TCGOP_qemu_st_i64 : TCGOP_qemu_st_i32);
    g_assert_nonnull(tcg_emit_op(s, opc, a, 3));
}

/* An atomic at a naturally aligned address inside the test memory. */
static void gen_atomic_op(Gen *g)
{
    static const TCGOpcode ops[] = {
        TCGOP_atomic_cmpxchg_i32, TCGOP_atomic_xchg_i32, TCGOP_atomic_fetch_add_i32,
        TCGOP_atomic_fetch_and_i32, TCGOP_atomic_fetch_or_i32, TCGOP_atomic_fetch_xor_i32,
        TCGOP_atomic_fetch_smin_i32, TCGOP_atomic_fetch_smax_i32,
        TCGOP_atomic_fetch_umin_i32, TCGOP_atomic_fetch_umax_i32,
    };
    TCGContext *s = g->t->s;
    bool is64 = g_rand_boolean(g->rand);
    TCGOpcode opc = ops[g_rand_int_range(g->rand, 0, G_N_ELEMENTS(ops))] + is64;
    const TCGOpDef *def = &tcg_op_defs[opc];
    unsigned size = g_rand_int_range(g->rand, 0, is64 ? 4 : 3);
    MemOp mop = size | (g_rand_boolean(g->rand) ? MO_BE : 0)
                | (g_rand_boolean(g->rand) ? MO_SIGN : 0);
    TCGv_i64 addr = tcg_temp_new_i64(s);
    TCGArg a[5];

    /* a few addresses only, so that cmpxchg sometimes finds what it compares with */
    tcg_gen_andi_i64(s, addr, (TCGv_i64){ rnd_operand(g, TCG_TYPE_I64, false) }, 0x18);
    tcg_gen_addi_i64(s, addr, addr, TM_BASE);
    TCGType ty = is64 ? TCG_TYPE_I64 : TCG_TYPE_I32;
    a[0] = rnd_operand(g, ty, true);
    a[1] = addr.idx;
    for (unsigned i = 2; i < 1u + def->nb_iargs; i++) {
        a[i] = rnd_operand(g, ty, false);
    }
    a[1 + def->nb_iargs] = make_memop_idx(mop, 0);
    g_assert_nonnull(tcg_emit_op(s, opc, a, 2 + def->nb_iargs));
}

/* Host loads and stores on env's bytes[] (no global lives there). */
static void gen_host_mem(Gen *g)
{
    static const TCGOpcode ops[] = {
        TCGOP_ld8u_i32, TCGOP_ld8s_i32, TCGOP_ld16u_i32, TCGOP_ld16s_i32, TCGOP_ld_i32,
        TCGOP_ld8u_i64, TCGOP_ld8s_i64, TCGOP_ld16u_i64, TCGOP_ld16s_i64,
        TCGOP_ld32u_i64, TCGOP_ld32s_i64, TCGOP_ld_i64,
        TCGOP_st8_i32, TCGOP_st16_i32, TCGOP_st_i32, TCGOP_st8_i64, TCGOP_st16_i64,
        TCGOP_st32_i64, TCGOP_st_i64,
    };
    TCGOpcode opc = ops[g_rand_int_range(g->rand, 0, G_N_ELEMENTS(ops))];
    const TCGOpDef *def = &tcg_op_defs[opc];
    TCGArg a[3] = {
        rnd_operand(g, temp_type(def, 0), def->nb_oargs == 1),
        TCG_ENV_IDX,
        offsetof(TestEnv, bytes) + g_rand_int_range(g->rand, 0, 24),
    };
    g_assert_nonnull(tcg_emit_op(g->t->s, opc, a, 3));
}

/* A counted loop (1..4 rounds) of a few pure ops: a backward branch to a label. */
static void gen_loop(Gen *g)
{
    TCGContext *s = g->t->s;
    TCGv_i32 cnt = tcg_temp_local_new_i32(s);
    TCGLabel *top = tcg_label_new(s);

    tcg_gen_movi_i32(s, cnt, g_rand_int_range(g->rand, 1, 5));
    tcg_gen_set_label(s, top);
    for (int n = g_rand_int_range(g->rand, 2, 7); n > 0; n--) {
        gen_pure(g, pure_ops[g_rand_int_range(g->rand, 0, npure)]);
    }
    tcg_gen_subi_i32(s, cnt, cnt, 1);
    tcg_gen_brcondi_i32(s, TCG_COND_NE, cnt, 0, top);
}

static void gen_random_tb(TestCtx *t, uint32_t seed, bool with_mem)
{
    TCGContext *s = t->s;
    Gen g = { .t = t, .rand = g_rand_new_with_seed(seed), .with_mem = with_mem };

    init_pure_ops();
    tcg_gen_insn_start1(s, seed);
    for (int i = 0; i < 2; i++) {
        g.loc64[i] = tcg_temp_local_new_i64(s);
        g.loc32[i] = tcg_temp_local_new_i32(s);
        tcg_gen_movi_i64(s, g.loc64[i], rnd_value(&g));
        tcg_gen_movi_i32(s, g.loc32[i], rnd_value(&g));
    }
    for (int n = 0; n < 60; n++) {
        int k = g_rand_int_range(g.rand, 0, 100);
        if (k < 8 && g.npending < G_N_ELEMENTS(g.pending)) {
            TCGLabel *l = tcg_label_new(s);
            g.pending[g.npending++] = l;
            bool is64 = g_rand_boolean(g.rand);
            TCGType ty = is64 ? TCG_TYPE_I64 : TCG_TYPE_I32;
            TCGArg a[4] = { rnd_operand(&g, ty, false), rnd_operand(&g, ty, false),
                            g_rand_int_range(g.rand, 0, TCG_COND_COUNT), tcg_label_arg(l) };
            tcg_emit_op(s, is64 ? TCGOP_brcond_i64 : TCGOP_brcond_i32, a, 4);
        } else if (k < 14 && g.npending) {
            tcg_gen_set_label(s, g.pending[--g.npending]);
        } else if (k < 18) {
            uint32_t args[2] = { rnd_operand(&g, TCG_TYPE_I64, false),
                                 rnd_operand(&g, TCG_TYPE_I32, false) };
            tcg_gen_call(s, &info_pure, rnd_operand(&g, TCG_TYPE_I64, true), args, 2);
        } else if (k < 21) {
            uint32_t args[1] = { tcg_env(s).idx };
            tcg_gen_call(s, &info_env, 0, args, 1);
        } else if (k < 30 && with_mem) {
            gen_guest_mem(&g);
        } else if (k < 36 && with_mem) {
            gen_host_mem(&g);
        } else if (k < 40 && with_mem) {
            gen_atomic_op(&g);
        } else if (k < 42 && with_mem && !g.npending) {
            gen_loop(&g);       /* not inside a forward branch's reach */
        } else {
            gen_pure(&g, pure_ops[g_rand_int_range(g.rand, 0, npure)]);
        }
    }
    while (g.npending) {
        tcg_gen_set_label(s, g.pending[--g.npending]);
    }
    tcg_gen_mov_i64(s, t->r[8], g.loc64[0]);
    tcg_gen_mov_i64(s, t->r[9], g.loc64[1]);
    tcg_gen_mov_i32(s, t->w[4], g.loc32[0]);
    tcg_gen_mov_i32(s, t->w[5], g.loc32[1]);
    tcg_gen_exit_tb(s, seed);
    g_assert_null(tcg_ctx_error(s));
    g_rand_free(g.rand);
}

#endif
