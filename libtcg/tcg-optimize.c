/*
 * The optimizer, first stage: one forward pass that propagates constants inside
 * extended basic blocks and folds what becomes constant. Pure ops are evaluated by
 * tcg-eval.c, the interpreter's own arithmetic, so folding cannot change a result.
 * Liveness and dead code removal come with the register allocator.
 */
#include <string.h>
#include <glib.h>
#include "libtcg/tcg-eval.h"

/* Values are tracked for the temps that exist when the pass starts; the constants
 * it creates later are recognised by their kind and never looked up. */
typedef struct OptState {
    TCGContext *s;
    uint32_t ntemps;
    uint64_t *val;
    uint8_t *known;
} OptState;

static void forget_all(OptState *o)
{
    memset(o->known, 0, o->ntemps);
}

/* After a helper that may write globals in env. */
static void forget_globals(OptState *o)
{
    memset(o->known, 0, o->s->nb_globals);
}

static bool is_const(const OptState *o, TCGArg t)
{
    return o->s->temps[t].kind == TCG_TEMP_CONST;
}

static uint64_t const_val(const OptState *o, TCGArg t)
{
    return o->s->temps[t].val;
}

static TCGArg const_temp(OptState *o, TCGType type, uint64_t v)
{
    return type == TCG_TYPE_I64 ? tcg_constant_i64(o->s, v).idx
                                : tcg_constant_i32(o->s, (uint32_t)v).idx;
}

/* Replace every input whose value is known by the matching constant temp. */
static void propagate_inputs(OptState *o, TCGOp *op)
{
    for (unsigned i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
        TCGArg t = op->args[i];
        if (!is_const(o, t) && o->known[t]) {
            op->args[i] = const_temp(o, o->s->temps[t].type, o->val[t]);
        }
    }
}

/* Turn op into "mov out, $v" in place. */
static void make_movi(OptState *o, TCGOp *op, TCGArg out, uint64_t v)
{
    TCGType type = o->s->temps[out].type;

    op->opc = type == TCG_TYPE_I64 ? TCGOP_mov_i64 : TCGOP_mov_i32;
    op->args[0] = out;
    op->args[1] = const_temp(o, type, v);
    op->nargs = 2;
    op->nb_oargs = 1;
    op->nb_iargs = 1;
    op->nb_cargs = 0;
    o->known[out] = 1;
    o->val[out] = o->s->temps[op->args[1]].val;
}

static bool all_inputs_const(const OptState *o, const TCGOp *op)
{
    for (unsigned i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
        if (!is_const(o, op->args[i])) {
            return false;
        }
    }
    return true;
}

static bool fold_pure(OptState *o, TCGOp *op)
{
    uint64_t in[TCG_MAX_OP_ARGS], out[2];
    TCGArg outs[2] = { op->args[0], op->args[1] };
    unsigned no = op->nb_oargs;

    if (!all_inputs_const(o, op)) {
        return false;
    }
    for (unsigned i = 0; i < op->nb_iargs; i++) {
        in[i] = const_val(o, op->args[no + i]);
    }
    tcg_eval_pure(op->opc, in, op->args + no + op->nb_iargs, out);
    make_movi(o, op, outs[0], out[0]);
    if (no == 2) {
        TCGType type = o->s->temps[outs[1]].type;
        TCGArg a[2] = { outs[1], const_temp(o, type, out[1]) };
        tcg_op_insert_after(o->s, op, type == TCG_TYPE_I64 ? TCGOP_mov_i64 : TCGOP_mov_i32,
                            a, 2);
        o->known[outs[1]] = 1;
        o->val[outs[1]] = out[1];
    }
    return true;
}

/* brcond on constants: a br or nothing. Returns the op to continue after. */
static void fold_brcond(OptState *o, TCGOp *op)
{
    unsigned w = tcg_op_width(op);

    if (!all_inputs_const(o, op)) {
        return;
    }
    if (tcg_cond_eval((TCGCond)op->args[2], const_val(o, op->args[0]),
                      const_val(o, op->args[1]), w)) {
        op->opc = TCGOP_br;
        op->args[0] = op->args[3];
        op->nargs = 1;
        op->nb_iargs = 0;
        op->nb_cargs = 1;
    } else {
        tcg_op_remove(o->s, op);
    }
}

/* movcond with a constant comparison: a mov of the chosen value. */
static bool fold_movcond(OptState *o, TCGOp *op)
{
    TCGArg c1 = op->args[1], c2 = op->args[2];

    if (!is_const(o, c1) || !is_const(o, c2)) {
        return false;
    }
    bool take = tcg_cond_eval((TCGCond)op->args[5], const_val(o, c1), const_val(o, c2),
                              tcg_op_width(op));
    TCGArg v = take ? op->args[3] : op->args[4];
    op->opc = op->opc == TCGOP_movcond_i64 ? TCGOP_mov_i64 : TCGOP_mov_i32;
    op->args[1] = v;
    op->nargs = 2;
    op->nb_iargs = 1;
    op->nb_cargs = 0;
    return true;
}

static void note_outputs(OptState *o, const TCGOp *op)
{
    for (unsigned i = 0; i < op->nb_oargs; i++) {
        o->known[op->args[i]] = 0;
    }
    if (op->opc == TCGOP_mov_i32 || op->opc == TCGOP_mov_i64) {
        if (is_const(o, op->args[1])) {
            o->known[op->args[0]] = 1;
            o->val[op->args[0]] = const_val(o, op->args[1]);
        }
    }
}

static void optimize_op(OptState *o, TCGOp *op)
{
    switch (op->opc) {
    case TCGOP_set_label:
        forget_all(o);          /* a join point: other paths know other things */
        return;
    case TCGOP_discard:
        o->known[op->args[0]] = 0;
        return;
    default:
        break;
    }
    propagate_inputs(o, op);
    if (op->opc == TCGOP_brcond_i32 || op->opc == TCGOP_brcond_i64) {
        fold_brcond(o, op);
        return;
    }
    if ((op->opc == TCGOP_movcond_i32 || op->opc == TCGOP_movcond_i64) &&
        fold_movcond(o, op)) {
        note_outputs(o, op);
        return;
    }
    if (tcg_op_is_pure(op->opc) && fold_pure(o, op)) {
        return;
    }
    note_outputs(o, op);
    if (op->opc == TCGOP_call && !(tcg_op_helper(op)->flags & TCG_CALL_NO_WRITE_G)) {
        forget_globals(o);
    }
}

void tcg_optimize(TCGContext *s)
{
    OptState o = { .s = s };

    if (s->err) {
        return;
    }
    o.ntemps = s->nb_temps;
    if (s->opt_cap < o.ntemps) {
        s->opt_cap = o.ntemps * 2;
        s->opt_val = g_renew(uint64_t, s->opt_val, s->opt_cap);
        s->opt_known = g_renew(uint8_t, s->opt_known, s->opt_cap);
    }
    o.val = s->opt_val;
    o.known = s->opt_known;
    memset(o.known, 0, o.ntemps);
    for (TCGOp *op = s->first_op, *next; op; op = next) {
        next = op->next;
        optimize_op(&o, op);
        if (s->err) {
            return;
        }
    }
    s->verified = false;
}
