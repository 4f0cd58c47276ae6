/*
 * The arithmetic of every pure op (docs/tcg-ir.md sections 3-8), shared by the
 * interpreter and the optimizer's constant folder so that the two cannot disagree.
 * Internal to libtcg.
 */
#ifndef LIBTCG_TCG_EVAL_H
#define LIBTCG_TCG_EVAL_H

#include "libtcg/tcg.h"

#define CASE2(name) case TCGOP_##name##_i32: case TCGOP_##name##_i64

static inline uint64_t width_mask(unsigned w)
{
    return w == 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1;
}

/* The low bits of x sign-extended to 64 bits (bits = 1..64). */
static inline uint64_t sext(uint64_t x, unsigned bits)
{
    unsigned sh = 64 - bits;
    return (uint64_t)((int64_t)(x << sh) >> sh);
}

static inline uint64_t bswap16(uint64_t a)
{
    return ((a & 0xff) << 8) | ((a >> 8) & 0xff);
}

/*
 * Compute the outputs of the pure op opc from its inputs (zero-extended values of
 * the operand types) and constant arguments. Returns false if opc is not pure.
 */
bool tcg_eval_pure(TCGOpcode opc, const uint64_t *in, const TCGArg *c, uint64_t *out);

#endif
