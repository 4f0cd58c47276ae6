/*
 * Shared by the translator's files: the per-TB decoding context, the instruction
 * pattern tables, and small code-generation helpers.
 */
#ifndef TARGETS_RISCV_TRANSLATE_INTERNAL_H
#define TARGETS_RISCV_TRANSLATE_INTERNAL_H

#include <stddef.h>
#include "targets/riscv/translate.h"

struct RISCVTranslator {
    TCGContext *s;
    TCGv_i64 gpr[32];       /* gpr[0] unused: x0 reads as a constant */
    TCGv_i64 fpr[32];
    TCGv_i64 pc;
    TCGv_i64 load_res, load_val;
};

typedef struct DisasContext {
    TCGContext *s;
    const RISCVTranslator *tr;
    const RISCVTBDesc *desc;
    uint32_t ext;
    uint64_t pc;            /* of the current instruction */
    uint64_t next_pc;
    uint64_t end;           /* end of the guest code fetched so far */
    unsigned ilen;          /* 2 or 4 */
    bool ended;             /* the instruction left the TB */
} DisasContext;

typedef struct RVInsn RVInsn;
/* Emit an instruction's IR; false: the encoding is illegal (nothing emitted). */
typedef bool (*RVTransFn)(DisasContext *c, const RVInsn *d, uint32_t insn);
typedef void (*RVBinFn)(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b);
typedef void (*RVUnFn)(TCGContext *s, TCGv_i64 r, TCGv_i64 a);

/* One instruction pattern: insn & mask == match, when ext has all of need. */
struct RVInsn {
    uint32_t mask, match;
    uint32_t need;
    RVTransFn trans;
    int arg;
    RVBinFn bin;
    RVUnFn un;
};

typedef struct RVInsnTable {
    const RVInsn *insns;
    size_t count;
} RVInsnTable;

#define RV_TABLE(t) { t, sizeof(t) / sizeof(t[0]) }

/* instruction fields */
static inline unsigned rv_rd(uint32_t i) { return (i >> 7) & 31; }
static inline unsigned rv_rs1(uint32_t i) { return (i >> 15) & 31; }
static inline unsigned rv_rs2(uint32_t i) { return (i >> 20) & 31; }
static inline unsigned rv_rs3(uint32_t i) { return i >> 27; }
static inline unsigned rv_f3(uint32_t i) { return (i >> 12) & 7; }
static inline int64_t rv_imm_i(uint32_t i) { return (int32_t)i >> 20; }
static inline int64_t rv_imm_s(uint32_t i)
{
    return (int64_t)((int32_t)i >> 25) * 32 + (int64_t)((i >> 7) & 31);
}

/* registers */
TCGv_i64 rv_get_gpr(DisasContext *c, unsigned r);
void rv_set_gpr(DisasContext *c, unsigned r, TCGv_i64 v);
TCGv_i64 rv_env(DisasContext *c);
/* End the TB raising cause at the current instruction. */
void rv_gen_exception(DisasContext *c, uint32_t cause, uint64_t tval);
/* End the TB continuing at next_pc (no chaining across pages or to unknown pcs). */
void rv_gen_goto(DisasContext *c, unsigned slot, uint64_t dest);
/* End the TB continuing at the pc already stored in the pc global. */
void rv_gen_lookup_and_goto(DisasContext *c);

/* the per-extension tables, indexed by major opcode (insn bits 6:2) */
extern const RVInsnTable rv_int_tables[32];
extern const RVInsnTable rv_fp_tables[32];

/* helpers for bit manipulation and CSRs (op_helper.c) */
extern const TCGHelperInfo rv_helper_clmul, rv_helper_clmulh, rv_helper_clmulr;
extern const TCGHelperInfo rv_helper_orc_b, rv_helper_csr;
/* CSR numbers the translator accepts; writable tells whether writes are allowed. */
bool rv_csr_exists(unsigned csr, uint32_t ext, bool *writable);

#endif
