/*
 * Liveness and dead code removal: one backward pass over the op list. What is live
 * after an op is known exactly inside a straight line; where control joins or
 * leaves, the spec's rules give a safe over-approximation:
 *   - at an exit (exit_tb, goto_ptr, a taken goto_tb) every global is live, no
 *     other temp is;
 *   - at a label or a branch every global and every local temp is live (the other
 *     side may read them), ebb temps die at labels;
 *   - before a sync point (guest memory op, atomic, call without NO_READ_G) every
 *     global is live, since env must hold it there.
 * An op with no side effect whose outputs are all dead is removed.
 */
#include <string.h>
#include <glib.h>
#include "libtcg/tcg-opt.h"

typedef struct Live {
    TCGContext *s;
    uint8_t *live;
} Live;

static void globals_live(Live *l)
{
    memset(l->live, 1, l->s->nb_globals);
}

static void set_kind(Live *l, TCGTempKind kind, uint8_t v)
{
    for (uint32_t i = l->s->nb_globals; i < l->s->nb_temps; i++) {
        if (l->s->temps[i].kind == kind) {
            l->live[i] = v;
        }
    }
}

static bool removable(const TCGOp *op)
{
    unsigned f = tcg_op_flags(op);

    if (f & TCG_OPF_SIDE_EFFECTS) {
        return false;
    }
    if (op->opc == TCGOP_discard || op->nb_oargs == 0) {
        return false;
    }
    return tcg_op_is_pure(op->opc) || (f & (TCG_OPF_HOST_MEM | TCG_OPF_CALL));
}

static bool outputs_dead(const Live *l, const TCGOp *op)
{
    for (unsigned i = 0; i < op->nb_oargs; i++) {
        if (l->live[op->args[i]]) {
            return false;
        }
    }
    return true;
}

/* The state before control-flow ops, from the state after them. */
static void control_before(Live *l, const TCGOp *op)
{
    unsigned f = tcg_op_defs[op->opc].flags;

    if (op->opc == TCGOP_set_label) {
        set_kind(l, TCG_TEMP_EBB, 0);
        set_kind(l, TCG_TEMP_LOCAL, 1);
        globals_live(l);
    } else if (f & TCG_OPF_BRANCH) {
        if (f & TCG_OPF_BB_END) {           /* br: nothing falls through */
            set_kind(l, TCG_TEMP_EBB, 0);
        }
        set_kind(l, TCG_TEMP_LOCAL, 1);
        globals_live(l);
    } else if (f & TCG_OPF_EXIT) {
        if (f & TCG_OPF_BB_END) {
            set_kind(l, TCG_TEMP_EBB, 0);
            set_kind(l, TCG_TEMP_LOCAL, 0);
        }
        globals_live(l);
    }
}

unsigned tcg_liveness_dce(TCGContext *s)
{
    Live l = { .s = s };
    unsigned removed = 0;

    if (s->err) {
        return 0;
    }
    l.live = g_new0(uint8_t, s->nb_temps);
    for (TCGOp *op = s->last_op, *prev; op; op = prev) {
        prev = op->prev;
        if (removable(op) && outputs_dead(&l, op)) {
            tcg_op_remove(s, op);
            removed++;
            continue;
        }
        control_before(&l, op);
        if (op->opc == TCGOP_discard) {
            l.live[op->args[0]] = 0;
            continue;
        }
        for (unsigned i = 0; i < op->nb_oargs; i++) {
            l.live[op->args[i]] = 0;
        }
        unsigned f = tcg_op_flags(op);
        if ((f & TCG_OPF_MAY_FAULT) ||
            (op->opc == TCGOP_call && !(tcg_op_helper(op)->flags & TCG_CALL_NO_READ_G))) {
            globals_live(&l);
        }
        for (unsigned i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
            l.live[op->args[i]] = 1;
        }
    }
    g_free(l.live);
    s->verified = false;
    return removed;
}

void tcg_optimize_all(TCGContext *s)
{
    tcg_optimize(s);
    tcg_optimize_copies(s);
    tcg_optimize(s);
    tcg_liveness_dce(s);
}
