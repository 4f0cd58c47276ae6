/*
 * The arithmetic of the pure ops, one case per op family, exactly as
 * docs/tcg-ir.md states it (the rule names in comments are the spec's).
 */
#include "libtcg/tcg-eval.h"

static uint64_t do_div(bool is_signed, bool rem, uint64_t a, uint64_t b, unsigned w)
{
    uint64_t mask = width_mask(w);

    if (b == 0) {
        return rem ? a : mask;                      /* D1, D2 */
    }
    if (!is_signed) {
        return rem ? a % b : a / b;
    }
    int64_t sa = (int64_t)sext(a, w), sb = (int64_t)sext(b, w);
    if (sb == -1) {
        return rem ? 0 : (0 - a) & mask;            /* D3: INT_MIN / -1 wraps */
    }
    return (uint64_t)(rem ? sa % sb : sa / sb) & mask;
}

static uint64_t do_mulh(TCGOpcode opc, uint64_t a, uint64_t b, unsigned w)
{
    __int128 sa = (int64_t)sext(a, w), sb = (int64_t)sext(b, w);
    unsigned __int128 p;

    switch (opc) {
    case TCGOP_muluh_i32: case TCGOP_muluh_i64:
        p = (unsigned __int128)a * b;
        break;
    case TCGOP_mulsh_i32: case TCGOP_mulsh_i64:
        p = (unsigned __int128)(sa * sb);
        break;
    default:    /* mulsuh: |s(a) * u(b)| < 2^127, so signed 128 bits hold it */
        p = (unsigned __int128)(sa * (__int128)b);
        break;
    }
    return (uint64_t)(p >> w) & width_mask(w);
}

static void do_add2(bool sub, const uint64_t *in, uint64_t *out, unsigned w)
{
    unsigned __int128 a = ((unsigned __int128)in[1] << w) | in[0];
    unsigned __int128 b = ((unsigned __int128)in[3] << w) | in[2];
    unsigned __int128 r = sub ? a - b : a + b;

    out[0] = (uint64_t)r & width_mask(w);
    out[1] = (uint64_t)(r >> w) & width_mask(w);
}

static uint64_t do_shift(TCGOpcode opc, uint64_t a, uint64_t b, unsigned w)
{
    unsigned c = b & (w - 1);                       /* S1 */
    uint64_t mask = width_mask(w);

    switch (opc) {
    case TCGOP_shl_i32: case TCGOP_shl_i64:
        return (a << c) & mask;
    case TCGOP_shr_i32: case TCGOP_shr_i64:
        return a >> c;
    case TCGOP_sar_i32: case TCGOP_sar_i64:
        return (uint64_t)((int64_t)sext(a, w) >> c) & mask;
    case TCGOP_rotl_i32: case TCGOP_rotl_i64:
        return c ? ((a << c) | (a >> (w - c))) & mask : a;
    default:    /* rotr */
        return c ? ((a >> c) | (a << (w - c))) & mask : a;
    }
}

static uint64_t do_field(TCGOpcode opc, const uint64_t *in, const TCGArg *c, unsigned w)
{
    unsigned pos = c[0], len = c[1];
    uint64_t lmask = width_mask(len);

    switch (opc) {
    case TCGOP_deposit_i32: case TCGOP_deposit_i64: {
        uint64_t fmask = lmask << pos;
        return ((in[0] & ~fmask) | ((in[1] << pos) & fmask)) & width_mask(w);
    }
    case TCGOP_extract_i32: case TCGOP_extract_i64:
        return (in[0] >> pos) & lmask;
    case TCGOP_sextract_i32: case TCGOP_sextract_i64:
        return sext((in[0] >> pos) & lmask, len) & width_mask(w);
    default: {  /* extract2 */
        unsigned p = c[0];
        if (p == 0) {
            return in[0];
        }
        if (p == w) {
            return in[1];
        }
        return ((in[0] >> p) | (in[1] << (w - p))) & width_mask(w);
    }
    }
}

/* ---- pure ops: outputs from inputs and constant arguments ---- */

bool tcg_eval_pure(TCGOpcode opc, const uint64_t *in, const TCGArg *c, uint64_t *out)
{
    unsigned w = tcg_op_defs[opc].flags & TCG_OPF_64 ? 64 : 32;
    uint64_t a = in[0], b = in[1], mask = width_mask(w);

    switch (opc) {
    CASE2(mov): out[0] = a; break;
    CASE2(add): out[0] = (a + b) & mask; break;
    CASE2(sub): out[0] = (a - b) & mask; break;
    CASE2(mul): out[0] = (a * b) & mask; break;
    CASE2(neg): out[0] = (0 - a) & mask; break;
    CASE2(muluh): CASE2(mulsh): CASE2(mulsuh): out[0] = do_mulh(opc, a, b, w); break;
    CASE2(add2): do_add2(false, in, out, w); break;
    CASE2(sub2): do_add2(true, in, out, w); break;
    CASE2(div): out[0] = do_div(true, false, a, b, w); break;
    CASE2(divu): out[0] = do_div(false, false, a, b, w); break;
    CASE2(rem): out[0] = do_div(true, true, a, b, w); break;
    CASE2(remu): out[0] = do_div(false, true, a, b, w); break;
    CASE2(and): out[0] = a & b; break;
    CASE2(or): out[0] = a | b; break;
    CASE2(xor): out[0] = a ^ b; break;
    CASE2(not): out[0] = ~a & mask; break;
    CASE2(andc): out[0] = a & ~b & mask; break;
    CASE2(orc): out[0] = (a | ~b) & mask; break;
    CASE2(eqv): out[0] = ~(a ^ b) & mask; break;
    CASE2(nand): out[0] = ~(a & b) & mask; break;
    CASE2(nor): out[0] = ~(a | b) & mask; break;
    CASE2(shl): CASE2(shr): CASE2(sar): CASE2(rotl): CASE2(rotr):
        out[0] = do_shift(opc, a, b, w);
        break;
    CASE2(clz): out[0] = a ? (uint64_t)(__builtin_clzll(a) - (64 - w)) : b; break;
    CASE2(ctz): out[0] = a ? (uint64_t)__builtin_ctzll(a) : b; break;
    CASE2(ctpop): out[0] = (uint64_t)__builtin_popcountll(a); break;
    CASE2(bswap16): out[0] = bswap16(a); break;
    CASE2(bswap32): out[0] = __builtin_bswap32((uint32_t)a); break;
    case TCGOP_bswap64_i64: out[0] = __builtin_bswap64(a); break;
    CASE2(ext8s): out[0] = sext(a, 8) & mask; break;
    CASE2(ext8u): out[0] = a & 0xff; break;
    CASE2(ext16s): out[0] = sext(a, 16) & mask; break;
    CASE2(ext16u): out[0] = a & 0xffff; break;
    case TCGOP_ext32s_i64: case TCGOP_ext_i32_i64: out[0] = sext(a, 32); break;
    case TCGOP_ext32u_i64: case TCGOP_extu_i32_i64: case TCGOP_extrl_i64_i32:
        out[0] = (uint32_t)a;
        break;
    case TCGOP_extrh_i64_i32: out[0] = a >> 32; break;
    CASE2(deposit): CASE2(extract): CASE2(sextract): CASE2(extract2):
        out[0] = do_field(opc, in, c, w);
        break;
    CASE2(setcond): out[0] = tcg_cond_eval((TCGCond)c[0], a, b, w); break;
    CASE2(movcond): out[0] = tcg_cond_eval((TCGCond)c[0], a, b, w) ? in[2] : in[3]; break;
    default:
        return false;
    }
    return true;
}

/* The evaluator's switch is the list of pure ops: ask it with harmless operands. */
bool tcg_op_is_pure(TCGOpcode opc)
{
    uint64_t in[TCG_MAX_OP_ARGS] = { 0 }, out[2];
    TCGArg c[2] = { 0, 1 };

    return (unsigned)opc < TCGOP_COUNT && tcg_eval_pure(opc, in, c, out);
}
