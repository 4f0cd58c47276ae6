/*
 * The optimizer's later stages: copy propagation, algebraic identities, liveness
 * and dead code removal. Exact rewrites are checked on the dump; random TBs run
 * through the interpreter before and after tcg_optimize_all() must leave the same
 * CPU state, guest memory and exit value.
 */
#include "test-tcg-gen.h"
#include "libtcg/tcg-opt.h"

static void expect_dump(TestCtx *t, const char *want)
{
    char *d = tcg_dump(t->s);
    if (strcmp(d, want)) {
        g_test_message("got:\n%s\nwant:\n%s", d, want);
    }
    g_assert_cmpstr(d, ==, want);
    g_free(d);
}

static void test_identities(void)
{
    TestCtx t;
    TCGContext *s;

    tt_init(&t);
    s = t.s;
    tcg_gen_addi_i64(s, t.r[0], t.r[1], 0);
    tcg_gen_muli_i64(s, t.r[2], t.r[3], 1);
    tcg_gen_andi_i32(s, t.w[0], t.w[1], 0xffffffff);
    tcg_gen_ori_i64(s, t.r[4], t.r[5], 0);
    tcg_gen_xor_i64(s, t.r[6], t.r[7], t.r[7]);
    tcg_gen_shli_i32(s, t.w[2], t.w[3], 32);            /* count mod 32 is 0 */
    tcg_gen_rotri_i64(s, t.r[8], t.r[9], 64);
    tcg_gen_muli_i32(s, t.w[4], t.w[5], 0);
    tcg_gen_ori_i32(s, t.w[6], t.w[7], 0xffffffff);
    tcg_gen_sub_i64(s, t.r[10], t.r[11], t.r[11]);
    tcg_gen_andi_i64(s, t.r[12], t.r[13], 0xffffffff);  /* not all ones at 64 bits */
    tcg_gen_exit_tb(s, 0);
    tcg_optimize_copies(s);
    expect_dump(&t,
        " mov_i64 r0, r1\n"
        " mov_i64 r2, r3\n"
        " mov_i32 w0, w1\n"
        " mov_i64 r4, r5\n"
        " mov_i64 r6, $0x0\n"
        " mov_i32 w2, w3\n"
        " mov_i64 r8, r9\n"
        " mov_i32 w4, $0x0\n"
        " mov_i32 w6, $0xffffffff\n"
        " mov_i64 r10, $0x0\n"
        " and_i64 r12, r13, $0xffffffff\n"
        " exit_tb $0x0\n");
    tt_fini(&t);
}

/* A copy is used until its source or itself is written, and not past a label. */
static void test_copies(void)
{
    TestCtx t;
    TCGContext *s;

    tt_init(&t);
    s = t.s;
    TCGv_i64 a = tcg_temp_new_i64(s), b = tcg_temp_local_new_i64(s);
    TCGLabel *l = tcg_label_new(s);
    tcg_gen_mov_i64(s, a, t.r[0]);
    tcg_gen_mov_i64(s, b, a);
    tcg_gen_add_i64(s, t.r[1], b, t.r[2]);       /* reads r0 */
    tcg_gen_movi_i64(s, t.r[0], 5);
    tcg_gen_add_i64(s, t.r[3], b, t.r[2]);       /* r0 changed: keeps b */
    tcg_gen_set_label(s, l);
    tcg_gen_mov_i64(s, t.r[4], b);
    tcg_gen_exit_tb(s, 0);
    tcg_optimize_copies(s);
    tcg_liveness_dce(s);
    char *want = g_strdup_printf(
        " mov_i64 loc%u, r0\n"
        " add_i64 r1, r0, r2\n"
        " mov_i64 r0, $0x5\n"
        " add_i64 r3, loc%u, r2\n"
        " set_label L0\n"
        " mov_i64 r4, loc%u\n"
        " exit_tb $0x0\n", b.idx, b.idx, b.idx);
    expect_dump(&t, want);
    g_free(want);
    tt_fini(&t);
}

/* Dead writes go; globals stay live at sync points and exits, locals at labels. */
static void test_dce(void)
{
    TestCtx t;
    TCGContext *s;

    tt_init(&t);
    s = t.s;
    TCGv_i64 x = tcg_temp_new_i64(s), lc = tcg_temp_local_new_i64(s);
    TCGv_i64 addr = tcg_constant_i64(s, TM_BASE);
    TCGLabel *l = tcg_label_new(s);
    tcg_gen_insn_start1(s, 0);
    tcg_gen_movi_i64(s, t.r[0], 1);              /* dead: overwritten before a sync */
    tcg_gen_movi_i64(s, t.r[0], 2);              /* live: the load may fault */
    tcg_gen_mul_i64(s, x, t.r[1], t.r[1]);       /* dead temp */
    tcg_gen_movi_i64(s, lc, 3);                  /* live across the label */
    tcg_gen_qemu_ld_i64(s, t.r[5], addr, 0, MO_64);
    tcg_gen_movi_i64(s, t.r[6], 4);              /* kept: globals are live at branches */
    tcg_gen_brcondi_i64(s, TCG_COND_EQ, t.r[5], 0, l);
    tcg_gen_movi_i64(s, t.r[6], 5);
    tcg_gen_set_label(s, l);
    tcg_gen_mov_i64(s, t.r[7], lc);
    tcg_gen_movi_i64(s, t.r[6], 6);
    tcg_gen_exit_tb(s, 0);
    g_assert_cmpuint(tcg_liveness_dce(s), ==, 2);
    char *want = g_strdup_printf(
        " ---- 0x0\n"
        " mov_i64 r0, $0x2\n"
        " mov_i64 loc%u, $0x3\n"
        " qemu_ld_i64 r5, $0x10000, leq,idx0\n"
        " mov_i64 r6, $0x4\n"
        " brcond_i64 r5, $0x0, eq, L0\n"
        " mov_i64 r6, $0x5\n"
        " set_label L0\n"
        " mov_i64 r7, loc%u\n"
        " mov_i64 r6, $0x6\n"
        " exit_tb $0x0\n", lc.idx, lc.idx);
    expect_dump(&t, want);
    g_free(want);
    tt_fini(&t);
}

static unsigned count_ops(TestCtx *t)
{
    unsigned n = 0;
    tcg_for_each_op(t->s, op) {
        n++;
    }
    return n;
}

static void test_differential(void)
{
    unsigned before = 0, after = 0;
    TestMem *m0 = g_new0(TestMem, 1), *ma = g_new0(TestMem, 1);

    for (uint32_t seed = 1; seed <= 600; seed++) {
        TestCtx a, b;

        tt_init(&a);
        tt_init(&b);
        gen_random_tb(&a, seed, true);
        gen_random_tb(&b, seed, true);
        before += count_ops(&b);
        tcg_optimize_all(b.s);
        after += count_ops(&b);
        GRand *r = g_rand_new_with_seed(seed * 7 + 1);
        for (size_t i = 0; i < sizeof(a.env); i++) {
            ((uint8_t *)&a.env)[i] = g_rand_int(r);
        }
        for (size_t i = 0; i < sizeof(m0->data); i += 4) {
            uint32_t v = g_rand_int(r);
            memcpy(m0->data + i, &v, 4);
        }
        g_rand_free(r);
        *ma = *m0;
        b.env = a.env;
        tt_run_expect(&a, &tm_ops, ma, TCG_EXIT_TB);
        tt_run_expect(&b, &tm_ops, m0, TCG_EXIT_TB);
        if (memcmp(&a.env, &b.env, sizeof(a.env)) || a.info.value != b.info.value) {
            char *da = tcg_dump(a.s), *db = tcg_dump(b.s);
            g_test_message("seed %u differs\nbefore:\n%s\nafter:\n%s", seed, da, db);
            g_free(da);
            g_free(db);
        }
        g_assert_cmpmem(&a.env, sizeof(a.env), &b.env, sizeof(b.env));
        g_assert_cmpuint(a.info.value, ==, b.info.value);
        g_assert_cmpmem(ma->data, sizeof(ma->data), m0->data, sizeof(m0->data));
        tt_fini(&a);
        tt_fini(&b);
    }
    g_test_message("ops: %u before, %u after tcg_optimize_all", before, after);
    g_assert_cmpuint(after, <, before);
    g_free(m0);
    g_free(ma);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/passes/identities", test_identities);
    g_test_add_func("/tcg/passes/copies", test_copies);
    g_test_add_func("/tcg/passes/dce", test_dce);
    g_test_add_func("/tcg/passes/differential", test_differential);
    return g_test_run();
}
