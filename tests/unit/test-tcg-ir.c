/*
 * Unit tests for the IR rules of docs/tcg-ir.md sections 3-8 (arithmetic, division,
 * logic, shifts, bit counts, extensions, bit fields, conditions), run through the
 * reference interpreter, plus the op table, the builder's checks and the dump.
 */
#include "config.h"
#include "test-tcg-util.h"

#define M64 UINT64_MAX
#define MIN64 (UINT64_C(1) << 63)
#define MAX64 (MIN64 - 1)
#define M32 UINT64_C(0xffffffff)
#define MIN32 UINT64_C(0x80000000)
#define MAX32 UINT64_C(0x7fffffff)

typedef struct BinCase {
    TCGOpcode opc;
    uint64_t a, b, want;
} BinCase;

/* ret = a OP b with a, b in globals (and again with b as a constant). */
static uint64_t run_op(TCGOpcode opc, uint64_t a, uint64_t b, bool const_b)
{
    TestCtx t;
    const TCGOpDef *def = &tcg_op_defs[opc];
    bool is64 = def->flags & TCG_OPF_64;
    uint64_t ret;

    tt_init(&t);
    tcg_gen_insn_start1(t.s, 0x1000);
    if (is64) {
        t.env.r[0] = a;
        t.env.r[1] = b;
        TCGArg bb = const_b ? tcg_constant_i64(t.s, b).idx : t.r[1].idx;
        TCGArg args[3] = { t.r[2].idx, t.r[0].idx, bb };
        g_assert_nonnull(tcg_emit_op(t.s, opc, args, 1 + def->nb_iargs));
    } else {
        t.env.w[0] = a;
        t.env.w[1] = b;
        TCGArg bb = const_b ? tcg_constant_i32(t.s, b).idx : t.w[1].idx;
        TCGArg args[3] = { t.w[2].idx, t.w[0].idx, bb };
        g_assert_nonnull(tcg_emit_op(t.s, opc, args, 1 + def->nb_iargs));
    }
    tcg_gen_exit_tb(t.s, 0);
    tt_run(&t);
    ret = is64 ? t.env.r[2] : t.env.w[2];
    tt_fini(&t);
    return ret;
}

static void check_cases(const BinCase *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 2; k++) {
            uint64_t got = run_op(c[i].opc, c[i].a, c[i].b, k);
            if (got != c[i].want) {
                g_test_message("%s(0x%" PRIx64 ", 0x%" PRIx64 ")%s = 0x%" PRIx64
                               ", want 0x%" PRIx64, tcg_op_defs[c[i].opc].name, c[i].a,
                               c[i].b, k ? " [const b]" : "", got, c[i].want);
            }
            g_assert_cmphex(got, ==, c[i].want);
        }
    }
}

#define OP(n) TCGOP_##n

static void test_arith(void)
{
    static const BinCase c[] = {
        { OP(add_i64), M64, 1, 0 }, { OP(add_i32), M32, 1, 0 },
        { OP(add_i32), MAX32, 1, MIN32 },
        { OP(sub_i64), 0, 1, M64 }, { OP(sub_i32), 0, 1, M32 },
        { OP(mul_i64), UINT64_C(1) << 32, UINT64_C(1) << 32, 0 },
        { OP(mul_i64), M64, M64, 1 }, { OP(mul_i32), M32, M32, 1 },
        { OP(mul_i32), 0x10000, 0x10000, 0 },
        { OP(neg_i64), MIN64, 0, MIN64 }, { OP(neg_i64), 1, 0, M64 },
        { OP(neg_i32), MIN32, 0, MIN32 }, { OP(neg_i32), 0, 0, 0 },
        { OP(mov_i64), 0x1234, 0, 0x1234 }, { OP(mov_i32), M32, 0, M32 },
        { OP(muluh_i64), M64, M64, M64 - 1 }, { OP(muluh_i64), MIN64, 2, 1 },
        { OP(muluh_i32), M32, M32, M32 - 1 },
        { OP(mulsh_i64), M64, M64, 0 }, { OP(mulsh_i64), MIN64, MIN64, UINT64_C(1) << 62 },
        { OP(mulsh_i64), MIN64, 1, M64 }, { OP(mulsh_i64), (uint64_t)-2, 3, M64 },
        { OP(mulsh_i32), M32, M32, 0 }, { OP(mulsh_i32), MIN32, MIN32, 0x40000000 },
        { OP(mulsh_i32), MIN32, 1, M32 },
        { OP(mulsuh_i64), M64, M64, M64 }, { OP(mulsuh_i64), 2, M64, 1 },
        { OP(mulsuh_i64), MIN64, M64, MIN64 }, { OP(mulsuh_i64), 5, 7, 0 },
        { OP(mulsuh_i32), M32, M32, M32 }, { OP(mulsuh_i32), 2, M32, 1 },
    };
    check_cases(c, G_N_ELEMENTS(c));
}

/* D1-D3 and ordinary quotients, both widths. */
static void test_division(void)
{
    static const BinCase c[] = {
        { OP(div_i64), 7, 2, 3 }, { OP(div_i64), (uint64_t)-7, 2, (uint64_t)-3 },
        { OP(div_i64), (uint64_t)-7, (uint64_t)-2, 3 },
        { OP(div_i64), 7, 0, M64 }, { OP(div_i64), 0, 0, M64 },             /* D1 */
        { OP(div_i64), MIN64, M64, MIN64 },                                  /* D3 */
        { OP(div_i64), 5, M64, (uint64_t)-5 },
        { OP(rem_i64), (uint64_t)-7, 2, M64 }, { OP(rem_i64), 7, (uint64_t)-2, 1 },
        { OP(rem_i64), 7, 0, 7 }, { OP(rem_i64), MIN64, 0, MIN64 },           /* D2 */
        { OP(rem_i64), MIN64, M64, 0 },                                      /* D3 */
        { OP(divu_i64), 7, 0, M64 }, { OP(divu_i64), M64, 2, MAX64 },
        { OP(divu_i64), MIN64, M64, 0 },
        { OP(remu_i64), 7, 0, 7 }, { OP(remu_i64), M64, 10, 5 },
        { OP(div_i32), 7, 2, 3 }, { OP(div_i32), M32 - 6, 2, M32 - 2 },
        { OP(div_i32), 7, 0, M32 }, { OP(div_i32), MIN32, M32, MIN32 },
        { OP(rem_i32), MIN32, M32, 0 }, { OP(rem_i32), 9, 0, 9 },
        { OP(rem_i32), M32 - 6, 2, M32 },
        { OP(divu_i32), 9, 0, M32 }, { OP(divu_i32), M32, 2, MAX32 },
        { OP(remu_i32), 9, 0, 9 }, { OP(remu_i32), M32, 10, 5 },
    };
    check_cases(c, G_N_ELEMENTS(c));
}

static void test_logic(void)
{
    const uint64_t a = UINT64_C(0xf0f0f0f0f0f0f0f0), b = UINT64_C(0xff00ff00ff00ff00);
    const BinCase c[] = {
        { OP(and_i64), a, b, a & b }, { OP(or_i64), a, b, a | b },
        { OP(xor_i64), a, b, a ^ b }, { OP(not_i64), a, 0, ~a },
        { OP(andc_i64), a, b, a & ~b }, { OP(orc_i64), a, b, a | ~b },
        { OP(eqv_i64), a, b, ~(a ^ b) }, { OP(nand_i64), a, b, ~(a & b) },
        { OP(nor_i64), a, b, ~(a | b) },
        { OP(and_i32), a & M32, b & M32, (a & b) & M32 },
        { OP(not_i32), 0, 0, M32 }, { OP(andc_i32), M32, 1, M32 - 1 },
        { OP(orc_i32), 0, 1, M32 - 1 }, { OP(eqv_i32), 5, 5, M32 },
        { OP(nand_i32), M32, M32, 0 }, { OP(nor_i32), 0, 0, M32 },
        { OP(xor_i32), M32, 1, M32 - 1 }, { OP(or_i32), 1, 2, 3 },
    };
    check_cases(c, G_N_ELEMENTS(c));
}

/* S1, S2: counts are taken modulo the width. */
static void test_shifts(void)
{
    const uint64_t x = UINT64_C(0x8000000000000001);
    const BinCase c[] = {
        { OP(shl_i64), 1, 64, 1 }, { OP(shl_i64), 1, 65, 2 },
        { OP(shl_i64), 1, 63, MIN64 }, { OP(shl_i64), x, 0, x },
        { OP(shl_i64), 3, M64, MIN64 },
        { OP(shr_i64), MIN64, 63, 1 }, { OP(shr_i64), MIN64, 64, MIN64 },
        { OP(shr_i64), x, 128, x },
        { OP(sar_i64), MIN64, 63, M64 }, { OP(sar_i64), MIN64, 127, M64 },
        { OP(sar_i64), (uint64_t)-8, 1, (uint64_t)-4 }, { OP(sar_i64), MAX64, 62, 1 },
        { OP(sar_i64), MIN64, 64, MIN64 },
        { OP(rotl_i64), x, 1, 3 }, { OP(rotl_i64), x, 64, x }, { OP(rotl_i64), x, 0, x },
        { OP(rotl_i64), x, 65, 3 },
        { OP(rotr_i64), 3, 1, x }, { OP(rotr_i64), x, 64, x }, { OP(rotr_i64), 1, 0, 1 },
        { OP(shl_i32), 1, 32, 1 }, { OP(shl_i32), 1, 31, MIN32 }, { OP(shl_i32), 1, 33, 2 },
        { OP(shr_i32), MIN32, 31, 1 }, { OP(shr_i32), MIN32, 32, MIN32 },
        { OP(sar_i32), MIN32, 31, M32 }, { OP(sar_i32), MIN32, 63, M32 },
        { OP(sar_i32), MIN32, 32, MIN32 }, { OP(sar_i32), 0x40000000, 30, 1 },
        { OP(rotl_i32), 0x80000001, 1, 3 }, { OP(rotl_i32), 0x80000001, 32, 0x80000001 },
        { OP(rotr_i32), 3, 1, 0x80000001 }, { OP(rotr_i32), 3, 33, 0x80000001 },
    };
    check_cases(c, G_N_ELEMENTS(c));
}

/* B1: the second operand is the result for a zero input. */
static void test_bits(void)
{
    const uint64_t v = UINT64_C(0x1122334455667788);
    const BinCase c[] = {
        { OP(clz_i64), 0, 64, 64 }, { OP(clz_i64), 0, 77, 77 }, { OP(clz_i64), 1, 0, 63 },
        { OP(clz_i64), MIN64, 9, 0 },
        { OP(ctz_i64), 0, 64, 64 }, { OP(ctz_i64), 0, 5, 5 }, { OP(ctz_i64), 8, 0, 3 },
        { OP(ctz_i64), MIN64, 0, 63 },
        { OP(clz_i32), 0, 32, 32 }, { OP(clz_i32), 1, 0, 31 }, { OP(clz_i32), MIN32, 0, 0 },
        { OP(ctz_i32), 0, 32, 32 }, { OP(ctz_i32), MIN32, 0, 31 }, { OP(ctz_i32), 0, 7, 7 },
        { OP(ctpop_i64), M64, 0, 64 }, { OP(ctpop_i64), 0, 0, 0 },
        { OP(ctpop_i64), v, 0, 26 }, { OP(ctpop_i32), M32, 0, 32 },
        { OP(bswap16_i64), v, 0, 0x8877 }, { OP(bswap32_i64), v, 0, 0x88776655 },
        { OP(bswap64_i64), v, 0, UINT64_C(0x8877665544332211) },
        { OP(bswap16_i32), 0x55667788, 0, 0x8877 },
        { OP(bswap32_i32), 0x55667788, 0, 0x88776655 },
    };
    check_cases(c, G_N_ELEMENTS(c));
}

static void test_extensions(void)
{
    const BinCase c[] = {
        { OP(ext8s_i64), 0x80, 0, UINT64_C(0xffffffffffffff80) },
        { OP(ext8s_i64), 0x1234567f, 0, 0x7f }, { OP(ext8u_i64), 0xfff, 0, 0xff },
        { OP(ext16s_i64), 0x18000, 0, UINT64_C(0xffffffffffff8000) },
        { OP(ext16u_i64), M64, 0, 0xffff },
        { OP(ext32s_i64), 0x80000000, 0, UINT64_C(0xffffffff80000000) },
        { OP(ext32s_i64), UINT64_C(0xffffffff7fffffff), 0, 0x7fffffff },
        { OP(ext32u_i64), UINT64_C(0xffffffff12345678), 0, 0x12345678 },
        { OP(ext8s_i32), 0xff, 0, M32 }, { OP(ext8u_i32), M32, 0, 0xff },
        { OP(ext16s_i32), 0x8000, 0, 0xffff8000 }, { OP(ext16u_i32), M32, 0, 0xffff },
    };
    check_cases(c, G_N_ELEMENTS(c));
}

/* The conversions between the two types. */
static void test_conversions(void)
{
    TestCtx t;

    tt_init(&t);
    t.env.w[0] = 0x80000001;
    t.env.r[0] = UINT64_C(0x123456789abcdef0);
    tcg_gen_ext_i32_i64(t.s, t.r[1], t.w[0]);
    tcg_gen_extu_i32_i64(t.s, t.r[2], t.w[0]);
    tcg_gen_extrl_i64_i32(t.s, t.w[1], t.r[0]);
    tcg_gen_extrh_i64_i32(t.s, t.w[2], t.r[0]);
    tcg_gen_exit_tb(t.s, 0);
    tt_run(&t);
    g_assert_cmphex(t.env.r[1], ==, UINT64_C(0xffffffff80000001));
    g_assert_cmphex(t.env.r[2], ==, 0x80000001);
    g_assert_cmphex(t.env.w[1], ==, 0x9abcdef0);
    g_assert_cmphex(t.env.w[2], ==, 0x12345678);
    tt_fini(&t);
}

/* add2 / sub2 carry and borrow across the halves. */
static void test_add2_sub2(void)
{
    TestCtx t;

    tt_init(&t);
    t.env.r[0] = M64;
    t.env.r[1] = 0;
    t.env.r[2] = 1;
    t.env.r[3] = 0;
    t.env.w[0] = 0xffffffff;
    t.env.w[1] = 5;
    t.env.w[2] = 1;
    t.env.w[3] = 1;
    tcg_gen_add2_i64(t.s, t.r[4], t.r[5], t.r[0], t.r[1], t.r[2], t.r[3]);
    tcg_gen_sub2_i64(t.s, t.r[6], t.r[7], t.r[1], t.r[2], t.r[2], t.r[1]);
    tcg_gen_add2_i32(t.s, t.w[4], t.w[5], t.w[0], t.w[1], t.w[2], t.w[3]);
    tcg_gen_sub2_i32(t.s, t.w[6], t.w[7], t.w[3], t.w[3], t.w[1], t.w[3]);
    tcg_gen_exit_tb(t.s, 0);
    tt_run(&t);
    /* (0:M64) + (0:1) = (1:0) */
    g_assert_cmphex(t.env.r[4], ==, 0);
    g_assert_cmphex(t.env.r[5], ==, 1);
    /* (1:0) - (0:1) = (0:M64) */
    g_assert_cmphex(t.env.r[6], ==, M64);
    g_assert_cmphex(t.env.r[7], ==, 0);
    g_assert_cmphex(t.env.w[4], ==, 0);
    g_assert_cmphex(t.env.w[5], ==, 7);
    /* (1:1) - (1:5) = (M32:0) ... 0x1_00000001 - 0x1_00000005 = -4 */
    g_assert_cmphex(t.env.w[6], ==, 0xfffffffc);
    g_assert_cmphex(t.env.w[7], ==, 0xffffffff);
    tt_fini(&t);

    /* The two outputs must differ. */
    tt_init(&t);
    tcg_gen_add2_i64(t.s, t.r[4], t.r[4], t.r[0], t.r[1], t.r[2], t.r[3]);
    tt_assert_error(&t, "both outputs");
    tt_fini(&t);
}

typedef struct FieldCase {
    TCGOpcode opc;
    uint64_t a, b;
    unsigned pos, len;
    uint64_t want;
} FieldCase;

static void test_fields(void)
{
    static const FieldCase c[] = {
        { OP(deposit_i64), M64, 0, 8, 8, UINT64_C(0xffffffffffff00ff) },
        { OP(deposit_i64), 0, M64, 0, 64, M64 },
        { OP(deposit_i64), 0, 0x1ff, 60, 4, UINT64_C(0xf000000000000000) },
        { OP(deposit_i32), 0, M32, 31, 1, MIN32 },
        { OP(deposit_i32), M32, 0x12, 4, 8, 0xfffff12f },
        { OP(extract_i64), UINT64_C(0x123456789abcdef0), 0, 4, 8, 0xef },
        { OP(extract_i64), M64, 0, 0, 64, M64 },
        { OP(extract_i64), MIN64, 0, 63, 1, 1 },
        { OP(extract_i32), 0x12345678, 0, 28, 4, 1 },
        { OP(sextract_i64), 0x80, 0, 0, 8, UINT64_C(0xffffffffffffff80) },
        { OP(sextract_i64), UINT64_C(0x7000000000000000), 0, 60, 4, 7 },
        { OP(sextract_i64), MIN64, 0, 0, 64, MIN64 },
        { OP(sextract_i32), 0x00f00000, 0, 20, 4, M32 },
        { OP(extract2_i64), 1, 2, 0, 0, 1 },                                 /* F2 */
        { OP(extract2_i64), 1, 2, 64, 0, 2 },
        { OP(extract2_i64), 0x10, 2, 4, 0, UINT64_C(0x2000000000000001) },
        { OP(extract2_i32), 0x12345678, 0x9abcdef0, 8, 0, 0xf0123456 },
        { OP(extract2_i32), 0x12345678, 0x9abcdef0, 32, 0, 0x9abcdef0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(c); i++) {
        const TCGOpDef *def = &tcg_op_defs[c[i].opc];
        bool is64 = def->flags & TCG_OPF_64;
        TestCtx t;
        TCGArg args[5];
        unsigned n = 0;

        tt_init(&t);
        args[n++] = is64 ? t.r[2].idx : t.w[2].idx;
        args[n++] = is64 ? t.r[0].idx : t.w[0].idx;
        if (def->nb_iargs == 2) {
            args[n++] = is64 ? t.r[1].idx : t.w[1].idx;
        }
        args[n++] = c[i].pos;
        if (def->nb_cargs == 2) {
            args[n++] = c[i].len;
        }
        t.env.r[0] = c[i].a;
        t.env.w[0] = c[i].a;
        t.env.r[1] = c[i].b;
        t.env.w[1] = c[i].b;
        g_assert_nonnull(tcg_emit_op(t.s, c[i].opc, args, n));
        tcg_gen_exit_tb(t.s, 0);
        tt_run(&t);
        uint64_t got = is64 ? t.env.r[2] : t.env.w[2];
        if (got != c[i].want) {
            g_test_message("%s a=0x%" PRIx64 " b=0x%" PRIx64 " pos=%u len=%u: 0x%" PRIx64,
                           def->name, c[i].a, c[i].b, c[i].pos, c[i].len, got);
        }
        g_assert_cmphex(got, ==, c[i].want);
        tt_fini(&t);
    }
}

/* F1, F2: bit fields that do not fit are refused by the builder. */
static void test_fields_refused(void)
{
    static const struct { int which; unsigned pos, len; bool is64; } bad[] = {
        { 0, 60, 5, true }, { 0, 0, 0, true }, { 0, 64, 1, true }, { 0, 28, 5, false },
        { 1, 1, 64, true }, { 1, 0, 33, false }, { 2, 3, 0, false }, { 3, 65, 0, true },
        { 3, 33, 0, false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        TestCtx t;
        tt_init(&t);
        switch (bad[i].which) {
        case 0:
            if (bad[i].is64) {
                tcg_gen_deposit_i64(t.s, t.r[0], t.r[1], t.r[2], bad[i].pos, bad[i].len);
            } else {
                tcg_gen_deposit_i32(t.s, t.w[0], t.w[1], t.w[2], bad[i].pos, bad[i].len);
            }
            break;
        case 1:
            if (bad[i].is64) {
                tcg_gen_extract_i64(t.s, t.r[0], t.r[1], bad[i].pos, bad[i].len);
            } else {
                tcg_gen_extract_i32(t.s, t.w[0], t.w[1], bad[i].pos, bad[i].len);
            }
            break;
        case 2:
            tcg_gen_sextract_i32(t.s, t.w[0], t.w[1], bad[i].pos, bad[i].len);
            break;
        default:
            if (bad[i].is64) {
                tcg_gen_extract2_i64(t.s, t.r[0], t.r[1], t.r[2], bad[i].pos);
            } else {
                tcg_gen_extract2_i32(t.s, t.w[0], t.w[1], t.w[2], bad[i].pos);
            }
            break;
        }
        g_assert_null(t.s->first_op);
        g_assert_nonnull(tcg_ctx_error(t.s));
        tt_fini(&t);
    }
}

/* ---- conditions ---- */

/* Written independently of tcg_cond_eval, with C's own signed types. */
static bool ref_cond(TCGCond c, uint64_t a, uint64_t b, bool is64)
{
    int64_t sa = is64 ? (int64_t)a : (int32_t)(uint32_t)a;
    int64_t sb = is64 ? (int64_t)b : (int32_t)(uint32_t)b;
    if (!is64) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    switch (c) {
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return sa < sb;
    case TCG_COND_GE: return !(sa < sb);
    case TCG_COND_LE: return !(sb < sa);
    case TCG_COND_GT: return sb < sa;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return !(a < b);
    case TCG_COND_LEU: return !(b < a);
    case TCG_COND_GTU: return b < a;
    case TCG_COND_TSTEQ: return !(a & b);
    case TCG_COND_TSTNE: return !!(a & b);
    default: g_assert_not_reached();
    }
}

/* setcond, movcond and brcond for every condition over signed/unsigned edges. */
static void test_conditions(void)
{
    static const uint64_t e64[] = { 0, 1, 2, MAX64, MIN64, M64, M64 - 1, 0x100000000 };
    static const uint64_t e32[] = { 0, 1, 2, MAX32, MIN32, M32, M32 - 1 };

    for (int is64 = 0; is64 < 2; is64++) {
        const uint64_t *e = is64 ? e64 : e32;
        size_t n = is64 ? G_N_ELEMENTS(e64) : G_N_ELEMENTS(e32);
        for (TCGCond c = 0; c < TCG_COND_COUNT; c++) {
            TestCtx t;
            tt_init(&t);
            /* One TB per condition: r[2] = setcond, r[3] = movcond, r[4] = brcond. */
            TCGLabel *taken = tcg_label_new(t.s);
            if (is64) {
                tcg_gen_setcond_i64(t.s, c, t.r[2], t.r[0], t.r[1]);
                tcg_gen_movcond_i64(t.s, c, t.r[3], t.r[0], t.r[1],
                                    tcg_constant_i64(t.s, 0x11), tcg_constant_i64(t.s, 0x22));
                tcg_gen_movi_i64(t.s, t.r[4], 1);
                tcg_gen_brcond_i64(t.s, c, t.r[0], t.r[1], taken);
                tcg_gen_movi_i64(t.s, t.r[4], 0);
            } else {
                tcg_gen_setcond_i32(t.s, c, t.w[2], t.w[0], t.w[1]);
                tcg_gen_movcond_i32(t.s, c, t.w[3], t.w[0], t.w[1],
                                    tcg_constant_i32(t.s, 0x11), tcg_constant_i32(t.s, 0x22));
                tcg_gen_movi_i32(t.s, t.w[4], 1);
                tcg_gen_brcond_i32(t.s, c, t.w[0], t.w[1], taken);
                tcg_gen_movi_i32(t.s, t.w[4], 0);
            }
            tcg_gen_set_label(t.s, taken);
            tcg_gen_exit_tb(t.s, 0);
            for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < n; j++) {
                    bool want = ref_cond(c, e[i], e[j], is64);
                    memset(&t.env, 0, sizeof(t.env));
                    t.env.r[0] = e[i];
                    t.env.r[1] = e[j];
                    t.env.w[0] = e[i];
                    t.env.w[1] = e[j];
                    tt_run(&t);
                    uint64_t sc = is64 ? t.env.r[2] : t.env.w[2];
                    uint64_t mc = is64 ? t.env.r[3] : t.env.w[3];
                    uint64_t br = is64 ? t.env.r[4] : t.env.w[4];
                    if (sc != want || mc != (want ? 0x11u : 0x22u) || br != want) {
                        g_test_message("%s_%s(0x%" PRIx64 ", 0x%" PRIx64 "): setcond %"
                                       PRIu64 " movcond 0x%" PRIx64 " brcond %" PRIu64
                                       ", want %d", tcg_cond_name(c), is64 ? "i64" : "i32",
                                       e[i], e[j], sc, mc, br, want);
                    }
                    g_assert_cmpuint(sc, ==, want);
                    g_assert_cmphex(mc, ==, want ? 0x11 : 0x22);
                    g_assert_cmpuint(br, ==, want);
                }
            }
            tt_fini(&t);
        }
    }
}

static void test_cond_helpers(void)
{
    for (TCGCond c = 0; c < TCG_COND_COUNT; c++) {
        TCGCond inv = tcg_invert_cond(c);
        g_assert_cmpint(tcg_invert_cond(inv), ==, c);
        for (uint64_t a = 0; a < 4; a++) {
            for (uint64_t b = 0; b < 4; b++) {
                uint64_t x = a << 62, y = b << 62;
                g_assert_cmpint(tcg_cond_eval(c, x, y, 64), !=, tcg_cond_eval(inv, x, y, 64));
            }
        }
    }
}

/* ---- the op table ---- */

static void test_op_table(void)
{
    for (unsigned i = 0; i < TCGOP_COUNT; i++) {
        const TCGOpDef *d = &tcg_op_defs[i];
        g_assert_nonnull(d->name);
        g_assert_cmpuint(strlen(d->types), ==, d->nb_oargs + d->nb_iargs);
        g_assert_cmpuint(strlen(d->ckinds), ==, d->nb_cargs);
        g_assert_cmpuint(d->nb_oargs + d->nb_iargs + d->nb_cargs, <=, TCG_MAX_OP_ARGS);
        /* A _i64 op has the flag, a _i32 op has not. */
        if (g_str_has_suffix(d->name, "_i64") && !strstr(d->name, "i64_i32")) {
            g_assert_true(d->flags & TCG_OPF_64);
        }
        if (g_str_has_suffix(d->name, "_i32")) {
            g_assert_false(d->flags & TCG_OPF_64);
        }
    }
    g_assert_cmpstr(tcg_op_defs[TCGOP_movcond_i64].name, ==, "movcond_i64");
    g_assert_cmpuint(tcg_op_defs[TCGOP_movcond_i64].nb_iargs, ==, 4);
}

/* ---- the builder's checks ---- */

static void test_builder_types(void)
{
    TestCtx t;

    /* An i32 temp where an i64 op wants i64. */
    tt_init(&t);
    TCGArg a[3] = { t.r[0].idx, t.w[0].idx, t.r[1].idx };
    g_assert_null(tcg_emit_op(t.s, TCGOP_add_i64, a, 3));
    tt_assert_error(&t, "has type i32, the op needs i64");
    /* Nothing more is emitted after an error, and verify reports it. */
    tcg_gen_exit_tb(t.s, 0);
    g_assert_null(t.s->first_op);
    Error *err = NULL;
    g_assert_false(tcg_verify(t.s, &err));
    g_assert_nonnull(strstr(error_message(err), "has type i32"));
    error_free(err);
    tt_run_expect(&t, NULL, NULL, TCG_EXIT_INVALID);
    g_assert_nonnull(strstr(t.info.message, "has type i32"));
    /* reset clears the error */
    tcg_ctx_reset(t.s);
    g_assert_null(tcg_ctx_error(t.s));
    tt_fini(&t);

    /* Writing a constant or env. */
    tt_init(&t);
    tcg_gen_add_i64(t.s, tcg_constant_i64(t.s, 1), t.r[0], t.r[1]);
    tt_assert_error(&t, "writes a constant");
    tt_fini(&t);
    tt_init(&t);
    tcg_gen_movi_i64(t.s, tcgv_ptr_as_i64(tcg_env(t.s)), 0);
    tt_assert_error(&t, "writes env");
    tt_fini(&t);

    /* Not a temp, wrong argument count, bad constant arguments. */
    tt_init(&t);
    TCGArg b[3] = { t.r[0].idx, 0, t.r[1].idx };
    g_assert_null(tcg_emit_op(t.s, TCGOP_add_i64, b, 3));
    tt_assert_error(&t, "not a temp");
    tt_fini(&t);
    tt_init(&t);
    TCGArg c[3] = { t.r[0].idx, 99999, t.r[1].idx };
    g_assert_null(tcg_emit_op(t.s, TCGOP_add_i64, c, 3));
    tt_assert_error(&t, "not a temp");
    tt_fini(&t);
    tt_init(&t);
    g_assert_null(tcg_emit_op(t.s, TCGOP_add_i64, a, 2));
    tt_assert_error(&t, "2 arguments given, 3 expected");
    tt_fini(&t);
    tt_init(&t);
    tcg_gen_setcond_i64(t.s, (TCGCond)TCG_COND_COUNT, t.r[0], t.r[1], t.r[2]);
    tt_assert_error(&t, "unknown condition");
    tt_fini(&t);
    tt_init(&t);
    tcg_gen_mb(t.s, 0);
    tt_assert_error(&t, "barrier kind");
    tt_fini(&t);
    tt_init(&t);
    tcg_gen_qemu_ld_i32(t.s, t.w[0], t.r[0], 0, MO_64);
    tt_assert_error(&t, "exceeds the 32-bit op");
    tt_fini(&t);
    tt_init(&t);
    TCGArg d[3] = { t.r[0].idx, t.r[1].idx, 0x1000 };
    g_assert_null(tcg_emit_op(t.s, TCGOP_qemu_ld_i64, d, 3));
    tt_assert_error(&t, "unknown bits");
    tt_fini(&t);
    tt_init(&t);
    g_assert_null(tcg_emit_op(t.s, TCGOP_call, d, 3));
    tt_assert_error(&t, "cannot be emitted");
    tt_fini(&t);
}

static void test_globals_and_consts(void)
{
    TestCtx t;
    Error *err = NULL;

    tt_init(&t);
    /* overlapping another global */
    TCGv_i32 g = tcg_global_i32(t.s, offsetof(TestEnv, r) + 4, "bad", &err);
    g_assert_cmpuint(g.idx, ==, 0);
    g_assert_nonnull(strstr(error_message(err), "overlaps global r0"));
    error_clear(&err);
    /* outside env */
    TCGv_i64 h = tcg_global_i64(t.s, sizeof(TestEnv) - 4, "bad", &err);
    g_assert_cmpuint(h.idx, ==, 0);
    g_assert_nonnull(strstr(error_message(err), "outside"));
    error_clear(&err);
    h = tcg_global_i64(t.s, -8, "neg", &err);
    g_assert_cmpuint(h.idx, ==, 0);
    error_clear(&err);
    /* a fine one */
    h = tcg_global_i64(t.s, offsetof(TestEnv, bytes), "b0", &err);
    g_assert_null(err);
    g_assert_cmpuint(h.idx, !=, 0);

    /* Constants are interned per (type, value). */
    g_assert_cmpuint(tcg_constant_i64(t.s, 5).idx, ==, tcg_constant_i64(t.s, 5).idx);
    g_assert_cmpuint(tcg_constant_i32(t.s, 5).idx, !=, tcg_constant_i64(t.s, 5).idx);
    g_assert_cmpuint(tcg_constant_i64(t.s, 6).idx, !=, tcg_constant_i64(t.s, 5).idx);
    for (uint64_t i = 0; i < 1000; i++) {       /* grow the table */
        tcg_constant_i64(t.s, i * 7919);
    }
    g_assert_cmpuint(tcg_constant_i64(t.s, 999 * 7919).idx, ==,
                     tcg_constant_i64(t.s, 999 * 7919).idx);
    g_assert_cmphex(tcg_temp(t.s, tcg_constant_i64(t.s, 5).idx)->val, ==, 5);

    /* Globals must come before other temps. */
    tcg_temp_new_i64(t.s);
    h = tcg_global_i64(t.s, offsetof(TestEnv, bytes) + 8, "late", &err);
    g_assert_cmpuint(h.idx, ==, 0);
    error_clear(&err);

    /* A reset forgets temps and constants but keeps globals. */
    uint32_t nb_globals = t.s->nb_globals;
    tcg_ctx_reset(t.s);
    g_assert_cmpuint(t.s->nb_temps, ==, nb_globals);
    g_assert_null(t.s->first_op);
    g_assert_cmpstr(tcg_temp(t.s, t.r[3].idx)->name, ==, "r3");
    tt_fini(&t);
}

/* ---- the dump ---- */

static void test_dump(void)
{
    TestCtx t;
    tt_init_words(&t, 2);

    TCGLabel *l = tcg_label_new(t.s);
    TCGv_i64 tmp = tcg_temp_new_i64(t.s);
    TCGv_i64 loc = tcg_temp_local_new_i64(t.s);
    uint64_t words[2] = { 0x10078, 4 };
    tcg_gen_insn_start(t.s, words);
    tcg_gen_addi_i64(t.s, tmp, t.r[10], 0x10);
    tcg_gen_qemu_ld_i64(t.s, loc, tmp, 1, MO_LEUQ | MO_ALIGN);
    tcg_gen_qemu_st_i32(t.s, t.w[1], tmp, 0, MO_BESW);
    tcg_gen_brcondi_i64(t.s, TCG_COND_LTU, loc, 0, l);
    tcg_gen_ld32s_i64(t.s, t.r[1], tcg_env(t.s), -8);
    tcg_gen_deposit_i64(t.s, t.r[2], t.r[2], loc, 8, 4);
    tcg_gen_mb(t.s, TCG_MO_ALL);
    tcg_gen_set_label(t.s, l);
    tcg_gen_goto_tb(t.s, 1);
    tcg_gen_exit_tb(t.s, 0x1001);
    char *d = tcg_dump(t.s);
    char *want = g_strdup_printf(
        " ---- 0x10078 0x4\n"
        " add_i64 tmp%u, r10, $0x10\n"
        " qemu_ld_i64 loc%u, tmp%u, leq,al8,idx1\n"
        " qemu_st_i32 w1, tmp%u, besw,idx0\n"
        " brcond_i64 loc%u, $0x0, ltu, L0\n"
        " ld32s_i64 r1, env, -8\n"
        " deposit_i64 r2, r2, loc%u, 8, 4\n"
        " mb mo=0xf\n"
        " set_label L0\n"
        " goto_tb 1\n"
        " exit_tb $0x1001\n",
        tmp.idx, loc.idx, tmp.idx, tmp.idx, loc.idx, loc.idx);
    g_assert_cmpstr(d, ==, want);
    g_free(d);
    g_free(want);
    tt_fini(&t);
}

/* Every op of the table can be emitted with valid operands and dumps by name. */
static void test_dump_every_op(void)
{
    for (unsigned opc = 0; opc < TCGOP_COUNT; opc++) {
        const TCGOpDef *def = &tcg_op_defs[opc];
        TCGArg a[TCG_MAX_OP_ARGS];
        unsigned n = 0;
        TestCtx t;

        if (opc == TCGOP_call) {
            continue;               /* tcg_gen_call: test-tcg-ctl */
        }
        tt_init_words(&t, 2);
        TCGLabel *l = tcg_label_new(t.s);
        for (unsigned i = 0; i < def->nb_oargs + def->nb_iargs; i++) {
            char ty = def->types[i];
            bool is64 = ty == 'l' || ty == '*' || (ty == 'T' && (def->flags & TCG_OPF_64));
            a[n++] = is64 ? t.r[i].idx : t.w[i].idx;
        }
        for (unsigned i = 0; i < def->nb_cargs; i++) {
            switch (def->ckinds[i]) {
            case 'L': a[n++] = tcg_label_arg(l); break;
            case 'm': a[n++] = make_memop_idx(MO_16 | MO_BE, 2); break;
            case 'b': a[n++] = TCG_MO_ST_LD; break;
            case 'n': a[n++] = 3; break;
            case 'w': a[n++] = 0x40; a[n++] = 2; break;
            case 'v': a[n++] = 0xabc; break;
            default: a[n++] = 1; break;
            }
        }
        TCGOp *op = tcg_emit_op(t.s, opc, a, n);
        if (!op) {
            g_test_message("%s: %s", def->name, tt_error(&t));
        }
        g_assert_nonnull(op);
        char *line = tcg_dump_op(t.s, op);
        char *prefix = g_strdup_printf(" %s", opc == TCGOP_insn_start ? "----" : def->name);
        if (!g_str_has_prefix(line, prefix)) {
            g_test_message("dump of %s: '%s'", def->name, line);
        }
        g_assert_true(g_str_has_prefix(line, prefix));
        g_free(prefix);
        g_free(line);
        tt_fini(&t);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/ir/arith", test_arith);
    g_test_add_func("/tcg/ir/division", test_division);
    g_test_add_func("/tcg/ir/logic", test_logic);
    g_test_add_func("/tcg/ir/shifts", test_shifts);
    g_test_add_func("/tcg/ir/bits", test_bits);
    g_test_add_func("/tcg/ir/extensions", test_extensions);
    g_test_add_func("/tcg/ir/conversions", test_conversions);
    g_test_add_func("/tcg/ir/add2-sub2", test_add2_sub2);
    g_test_add_func("/tcg/ir/fields", test_fields);
    g_test_add_func("/tcg/ir/fields-refused", test_fields_refused);
    g_test_add_func("/tcg/ir/conditions", test_conditions);
    g_test_add_func("/tcg/ir/cond-helpers", test_cond_helpers);
    g_test_add_func("/tcg/ir/op-table", test_op_table);
    g_test_add_func("/tcg/ir/builder-types", test_builder_types);
    g_test_add_func("/tcg/ir/globals-consts", test_globals_and_consts);
    g_test_add_func("/tcg/ir/dump", test_dump);
    g_test_add_func("/tcg/ir/dump-every-op", test_dump_every_op);
    return g_test_run();
}
