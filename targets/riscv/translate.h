/*
 * The RISC-V translator's interface to the runtime: declare the guest state as
 * IR globals once per TCGContext, then build one translation block at a time.
 */
#ifndef TARGETS_RISCV_TRANSLATE_H
#define TARGETS_RISCV_TRANSLATE_H

#include "libtcg/tcg.h"
#include "targets/riscv/cpu.h"

/* Read the 16-bit instruction parcel at pc (little-endian); false if pc is not
 * mapped executable. */
typedef bool (*RISCVFetchFn)(void *opaque, uint64_t pc, uint16_t *parcel);

typedef struct RISCVTBDesc {
    uint64_t pc;                /* first instruction */
    uint32_t flags;             /* RISCV_EXT_* the code runs with (env->ext) */
    unsigned max_insns;         /* 1 for -one-insn-per-tb; 0 means 512 */
    uint64_t tb_token;          /* chained exits return tb_token | slot; see cpu.h */
    /* Optional: helper(env) -> the runtime's handle for env->pc, used with goto_ptr
     * after indirect jumps. NULL: those exits return RISCV_EXIT_LOOKUP. */
    const TCGHelperInfo *lookup;
    RISCVFetchFn fetch;
    void *fetch_opaque;
} RISCVTBDesc;

typedef struct RISCVTBInfo {
    unsigned ninsns;            /* guest instructions translated */
    uint64_t size;              /* bytes of guest code covered, from desc->pc */
} RISCVTBInfo;

typedef struct RISCVTranslator RISCVTranslator;

/* s must have env_size >= sizeof(CPURISCVState) and no globals yet. */
RISCVTranslator *riscv_translator_new(TCGContext *s, Error **errp);
void riscv_translator_free(RISCVTranslator *tr);

/*
 * Reset s and translate the block at desc->pc: one insn_start (word 0: pc) per
 * instruction. The block ends at a branch or jump, a page boundary (4 KiB),
 * max_insns, fence.i, ecall/ebreak, an illegal instruction or an unfetchable
 * one. The result is verified; false only on an internal IR error.
 */
bool riscv_translate_block(RISCVTranslator *tr, const RISCVTBDesc *desc,
                           RISCVTBInfo *info, Error **errp);

/* The 32-bit instruction a 16-bit RVC one stands for, or 0 if it is illegal for
 * the extensions in ext (reserved encodings, or F/D forms without F/D). */
uint32_t riscv_expand_rvc(uint16_t insn, uint32_t ext);

#endif
