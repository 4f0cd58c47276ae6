/*
 * RISC-V F and D arithmetic with the ISA's exact results and flags, computed on
 * the host FPU (docs/riscv.md explains how round-to-nearest-max-magnitude and the
 * RISC-V NaN rules are obtained).
 */
#ifndef TARGETS_RISCV_FPU_HELPER_H
#define TARGETS_RISCV_FPU_HELPER_H

#include "libtcg/tcg.h"
#include "targets/riscv/cpu.h"

typedef enum RISCVFpOp {
    RV_FOP_ADD, RV_FOP_SUB, RV_FOP_MUL, RV_FOP_DIV, RV_FOP_SQRT,
    RV_FOP_MADD, RV_FOP_MSUB, RV_FOP_NMSUB, RV_FOP_NMADD,
    RV_FOP_MIN, RV_FOP_MAX, RV_FOP_SGNJ, RV_FOP_SGNJN, RV_FOP_SGNJX,
    RV_FOP_EQ, RV_FOP_LT, RV_FOP_LE, RV_FOP_CLASS,
    RV_FOP_TO_W, RV_FOP_TO_WU, RV_FOP_TO_L, RV_FOP_TO_LU,     /* fcvt.{w,wu,l,lu}.fmt */
    RV_FOP_FROM_W, RV_FOP_FROM_WU, RV_FOP_FROM_L, RV_FOP_FROM_LU,
    RV_FOP_TO_OTHER,        /* fcvt.s.d (fmt D) or fcvt.d.s (fmt S) */
    RV_FOP_COUNT
} RISCVFpOp;

/* desc = op | double << 8 | rm << 12 (rm 7: env->frm, already checked valid) */
#define RV_FDESC(op, dbl, rm) ((uint32_t)(op) | (uint32_t)(dbl) << 8 | (uint32_t)(rm) << 12)

/*
 * One F/D operation on raw register bits (singles NaN-boxed in 64 bits; integer
 * operands as the x register holds them). Returns the raw result: a boxed single,
 * a double, or an x register value. Accrues fflags in env.
 */
uint64_t riscv_fpu_op(CPURISCVState *env, uint32_t desc, uint64_t a, uint64_t b, uint64_t c);

extern const TCGHelperInfo rv_helper_fpu;

#endif
