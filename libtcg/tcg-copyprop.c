/*
 * Copy propagation and algebraic identities, one forward pass inside extended basic
 * blocks. A recorded copy "d is a copy of s" stays valid while neither d nor s is
 * written: every temp has a version that each write bumps, and the record keeps
 * the source's version. Labels start a new epoch (knowledge dies at join points).
 */
#include <string.h>
#include <glib.h>
#include "libtcg/tcg-eval.h"
#include "libtcg/tcg-opt.h"

typedef struct Copy {
    uint32_t src;           /* 0: none */
    uint32_t src_version;
    uint32_t epoch;
} Copy;

typedef struct CopyState {
    TCGContext *s;
    uint32_t ntemps;
    Copy *copy;
    uint32_t *version;
    uint32_t epoch;
} CopyState;

static bool is_mov(TCGOpcode opc)
{
    return opc == TCGOP_mov_i32 || opc == TCGOP_mov_i64;
}

/* The temp t currently copies, or t itself. */
static uint32_t resolve(const CopyState *c, uint32_t t)
{
    if (t >= c->ntemps) {
        return t;
    }
    const Copy *cp = &c->copy[t];
    if (cp->src && cp->epoch == c->epoch && c->version[cp->src] == cp->src_version) {
        return cp->src;
    }
    return t;
}

static void written(CopyState *c, uint32_t t)
{
    if (t < c->ntemps) {
        c->version[t]++;
        c->copy[t].src = 0;
    }
}

static void record_copy(CopyState *c, uint32_t d, uint32_t src)
{
    if (d >= c->ntemps || src >= c->ntemps || d == src) {
        return;
    }
    if (c->s->temps[src].kind == TCG_TEMP_CONST) {
        return;             /* constants are the first stage's business */
    }
    c->copy[d] = (Copy){ src, c->version[src], c->epoch };
}

static void make_mov(CopyState *c, TCGOp *op, TCGArg out, TCGArg in)
{
    TCGType type = c->s->temps[out].type;

    op->opc = type == TCG_TYPE_I64 ? TCGOP_mov_i64 : TCGOP_mov_i32;
    op->args[0] = out;
    op->args[1] = in;
    op->nargs = 2;
    op->nb_oargs = 1;
    op->nb_iargs = 1;
    op->nb_cargs = 0;
}

static void make_movi(CopyState *c, TCGOp *op, TCGArg out, uint64_t v)
{
    TCGType type = c->s->temps[out].type;
    TCGArg k = type == TCG_TYPE_I64 ? tcg_constant_i64(c->s, v).idx
                                    : tcg_constant_i32(c->s, (uint32_t)v).idx;
    make_mov(c, op, out, k);
}

/* True if temp t is the constant v at width w. */
static bool const_is(const CopyState *c, TCGArg t, uint64_t v, unsigned w)
{
    const TCGTemp *tp = &c->s->temps[t];
    return tp->kind == TCG_TEMP_CONST && ((tp->val ^ v) & width_mask(w)) == 0;
}

/* Identities of binary ops "r = a op b"; rewrites op and returns true if one applies. */
static bool simplify_binary(CopyState *c, TCGOp *op)
{
    TCGArg r = op->args[0], a = op->args[1], b = op->args[2];
    unsigned w = tcg_op_width(op);
    uint64_t ones = width_mask(w);

    switch (op->opc) {
    CASE2(add): CASE2(or): CASE2(xor):
        if (const_is(c, a, 0, w)) {
            make_mov(c, op, r, b);
            return true;
        }
        __attribute__((fallthrough));
    CASE2(sub): CASE2(shl): CASE2(shr): CASE2(sar): CASE2(rotl): CASE2(rotr): {
        bool shift = op->opc >= TCGOP_shl_i32 && op->opc <= TCGOP_rotr_i64;
        const TCGTemp *bt = &c->s->temps[b];
        if (shift ? bt->kind == TCG_TEMP_CONST && (bt->val & (w - 1)) == 0
                  : const_is(c, b, 0, w)) {
            make_mov(c, op, r, a);
            return true;
        }
        break;
    }
    default:
        break;
    }
    switch (op->opc) {
    CASE2(mul):
        if (const_is(c, b, 1, w) || const_is(c, a, 1, w)) {
            make_mov(c, op, r, const_is(c, b, 1, w) ? a : b);
            return true;
        }
        if (const_is(c, b, 0, w) || const_is(c, a, 0, w)) {
            make_movi(c, op, r, 0);
            return true;
        }
        break;
    CASE2(and):
        if (a == b || const_is(c, b, ones, w) || const_is(c, a, ones, w)) {
            make_mov(c, op, r, const_is(c, a, ones, w) ? b : a);
            return true;
        }
        if (const_is(c, b, 0, w) || const_is(c, a, 0, w)) {
            make_movi(c, op, r, 0);
            return true;
        }
        break;
    CASE2(or):
        if (a == b) {
            make_mov(c, op, r, a);
            return true;
        }
        if (const_is(c, b, ones, w) || const_is(c, a, ones, w)) {
            make_movi(c, op, r, ones);
            return true;
        }
        break;
    CASE2(xor): CASE2(sub): CASE2(andc):
        if (a == b) {
            make_movi(c, op, r, 0);
            return true;
        }
        break;
    CASE2(eqv):
        if (a == b) {
            make_movi(c, op, r, ones);
            return true;
        }
        break;
    default:
        break;
    }
    return false;
}

static void copy_op(CopyState *c, TCGOp *op)
{
    switch (op->opc) {
    case TCGOP_set_label:
        c->epoch++;
        return;
    case TCGOP_discard:
        written(c, op->args[0]);
        return;
    default:
        break;
    }
    for (unsigned i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
        op->args[i] = resolve(c, op->args[i]);
    }
    if (tcg_op_is_pure(op->opc) && op->nb_oargs == 1 && op->nb_iargs == 2 &&
        op->nb_cargs == 0) {
        simplify_binary(c, op);
    }
    for (unsigned i = 0; i < op->nb_oargs; i++) {
        written(c, op->args[i]);
    }
    if (op->opc == TCGOP_call && !(tcg_op_helper(op)->flags & TCG_CALL_NO_WRITE_G)) {
        for (uint32_t g = 0; g < c->s->nb_globals && g < c->ntemps; g++) {
            written(c, g);
        }
    }
    if (is_mov(op->opc)) {
        record_copy(c, op->args[0], op->args[1]);
    }
}

void tcg_optimize_copies(TCGContext *s)
{
    CopyState c = { .s = s, .epoch = 1 };

    if (s->err) {
        return;
    }
    c.ntemps = s->nb_temps;
    c.copy = g_new0(Copy, c.ntemps);
    c.version = g_new0(uint32_t, c.ntemps);
    for (TCGOp *op = s->first_op; op && !s->err; op = op->next) {
        copy_op(&c, op);
    }
    g_free(c.copy);
    g_free(c.version);
    s->verified = false;
}
