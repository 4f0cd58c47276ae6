/*
 * The optimizer's later stages (docs/tcg-ir.md section 14, docs/tcg-backend.md):
 * copy propagation with algebraic identities, and liveness with dead code removal.
 * tcg_optimize() (tcg.h) is the first stage; tcg_optimize_all() runs them all.
 */
#ifndef LIBTCG_TCG_OPT_H
#define LIBTCG_TCG_OPT_H

#include "libtcg/tcg.h"

/*
 * Forward pass inside extended basic blocks: an input that is a copy of another
 * temp (mov d, s with neither written since) reads s instead; ops that are
 * identities (x+0, x*1, x&-1, x|0, x^0, shifts and rotates by 0 mod w, x&x, x|x)
 * become movs and ops that give a fixed value (x*0, x&0, x|-1, x^x, x-x, x&~x,
 * ~(x^x)) become movs of a constant.
 */
void tcg_optimize_copies(TCGContext *s);

/*
 * Backward liveness: globals are live at every exit and sync point, local temps
 * at every label and branch, ebb temps die at labels. Ops without side effects
 * (pure ops, host loads, NO_SE calls) whose outputs are all dead are removed.
 * Returns the number of ops removed.
 */
unsigned tcg_liveness_dce(TCGContext *s);

/* tcg_optimize, tcg_optimize_copies, tcg_optimize again (copies expose constants),
 * then tcg_liveness_dce. */
void tcg_optimize_all(TCGContext *s);

#endif
