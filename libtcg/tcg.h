/*
 * libtcg's intermediate representation: the context a translation block is built
 * in, temps, labels, ops, and the builder API front ends call. The meaning of every
 * op is docs/tcg-ir.md; the list of ops is tcg-opc.h.
 *
 * A TCGContext belongs to one thread at a time. Globals are declared once (they
 * survive tcg_ctx_reset()); everything else lives until the next reset. Misuse of
 * the builder (wrong operand type, writing a constant, bad bit field, ...) does not
 * abort: the first error is kept in the context, nothing more is emitted, and
 * tcg_verify() reports it.
 */
#ifndef LIBTCG_TCG_H
#define LIBTCG_TCG_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "libcore/error.h"

typedef uint64_t TCGArg;

typedef enum TCGType {
    TCG_TYPE_I32,
    TCG_TYPE_I64,
} TCGType;

typedef enum TCGTempKind {
    TCG_TEMP_NONE,      /* index 0: never a valid operand */
    TCG_TEMP_ENV,       /* the pointer to the CPU state */
    TCG_TEMP_GLOBAL,    /* a field of the CPU state */
    TCG_TEMP_LOCAL,     /* lives to the end of the TB */
    TCG_TEMP_EBB,       /* dies at every set_label */
    TCG_TEMP_CONST,     /* interned constant */
} TCGTempKind;

/* Operand handles: distinct C types so the compiler catches mixed widths. */
typedef struct TCGv_i32 { uint32_t idx; } TCGv_i32;
typedef struct TCGv_i64 { uint32_t idx; } TCGv_i64;
typedef struct TCGv_ptr { uint32_t idx; } TCGv_ptr;   /* an i64 holding a host pointer */

static inline uint32_t tcgv_i32_idx(TCGv_i32 v) { return v.idx; }
static inline uint32_t tcgv_i64_idx(TCGv_i64 v) { return v.idx; }
static inline uint32_t tcgv_ptr_idx(TCGv_ptr v) { return v.idx; }

/* ---- op table ---- */

enum {
    TCG_OPF_64          = 1 << 0,   /* the op's type is i64 */
    TCG_OPF_SIDE_EFFECTS = 1 << 1,  /* never deleted, never moved */
    TCG_OPF_MAY_FAULT   = 1 << 2,   /* guest memory: a sync point, needs insn_start */
    TCG_OPF_ATOMIC      = 1 << 3,
    TCG_OPF_HOST_MEM    = 1 << 4,   /* ld/st on host memory (env) */
    TCG_OPF_BRANCH      = 1 << 5,   /* has a label argument it may jump to */
    TCG_OPF_LABEL_DEF   = 1 << 6,   /* set_label */
    TCG_OPF_BB_END      = 1 << 7,   /* never falls through */
    TCG_OPF_EXIT        = 1 << 8,   /* may leave the TB */
    TCG_OPF_VARARGS     = 1 << 9,   /* argument count varies (call, insn_start) */
    TCG_OPF_CALL        = 1 << 10,
};

typedef enum TCGOpcode {
#define DEF(name, oargs, types, ckinds, flags) TCGOP_##name,
#include "libtcg/tcg-opc.h"
#undef DEF
    TCGOP_COUNT
} TCGOpcode;

typedef struct TCGOpDef {
    const char *name;
    uint8_t nb_oargs, nb_iargs, nb_cargs;
    const char *types;      /* see tcg-opc.h */
    const char *ckinds;
    unsigned flags;
} TCGOpDef;

extern const TCGOpDef tcg_op_defs[TCGOP_COUNT];

/* ---- conditions ---- */

typedef enum TCGCond {
    TCG_COND_EQ, TCG_COND_NE,
    TCG_COND_LT, TCG_COND_GE, TCG_COND_LE, TCG_COND_GT,
    TCG_COND_LTU, TCG_COND_GEU, TCG_COND_LEU, TCG_COND_GTU,
    TCG_COND_TSTEQ, TCG_COND_TSTNE,
    TCG_COND_COUNT
} TCGCond;

const char *tcg_cond_name(TCGCond cond);
/* The condition that is true exactly when cond is false. */
TCGCond tcg_invert_cond(TCGCond cond);
/* cond(a, b) on w-bit values (w = 32 or 64; only the low w bits are looked at). */
bool tcg_cond_eval(TCGCond cond, uint64_t a, uint64_t b, unsigned w);

/* ---- guest memory operation descriptors ---- */

typedef enum MemOp {
    MO_8 = 0, MO_16 = 1, MO_32 = 2, MO_64 = 3,
    MO_SIZE = 3,
    MO_SIGN = 1 << 2,
    MO_LE = 0,
    MO_BE = 1 << 3,
    MO_ALIGN_SHIFT = 4,
    MO_AMASK = 7 << 4,
    MO_UNALN = 0,
    MO_ALIGN = 1 << 4,       /* natural alignment */
    MO_ALIGN_2 = 2 << 4,
    MO_ALIGN_4 = 3 << 4,
    MO_ALIGN_8 = 4 << 4,
    MO_ALIGN_16 = 5 << 4,
    MO_ALIGN_32 = 6 << 4,
    MO_ALIGN_64 = 7 << 4,
    MO_UB = MO_8, MO_SB = MO_8 | MO_SIGN,
    MO_LEUW = MO_16, MO_LESW = MO_16 | MO_SIGN,
    MO_LEUL = MO_32, MO_LESL = MO_32 | MO_SIGN, MO_LEUQ = MO_64,
    MO_BEUW = MO_BE | MO_16, MO_BESW = MO_BE | MO_16 | MO_SIGN,
    MO_BEUL = MO_BE | MO_32, MO_BESL = MO_BE | MO_32 | MO_SIGN, MO_BEUQ = MO_BE | MO_64,
} MemOp;

typedef uint32_t MemOpIdx;      /* MemOp in bits 0..7, mmu_idx in bits 8..11 */
#define TCG_MMU_IDX_MAX 15

static inline MemOpIdx make_memop_idx(MemOp op, unsigned mmu_idx)
{
    return (op & 0xff) | (mmu_idx << 8);
}
static inline MemOp get_memop(MemOpIdx oi) { return (MemOp)(oi & 0xff); }
static inline unsigned get_mmuidx(MemOpIdx oi) { return oi >> 8; }
static inline unsigned memop_size(MemOp op) { return 1u << (op & MO_SIZE); }
/* Required alignment in bytes (1 when none). */
unsigned memop_alignment(MemOp op);

/* mb kinds: an earlier access of the first kind before a later one of the second. */
enum {
    TCG_MO_LD_LD = 1, TCG_MO_ST_LD = 2, TCG_MO_LD_ST = 4, TCG_MO_ST_ST = 8,
    TCG_MO_ALL = 15,
};

/* ---- helpers ---- */

enum {
    TCG_CALL_NO_READ_G  = 1 << 0,
    TCG_CALL_NO_WRITE_G = 1 << 1,
    TCG_CALL_NO_SE      = 1 << 2,
    TCG_CALL_NO_RWG = TCG_CALL_NO_READ_G | TCG_CALL_NO_WRITE_G,
};

typedef enum TCGCallType {
    TCG_CALL_VOID,      /* return type only */
    TCG_CALL_I32,
    TCG_CALL_I64,
    TCG_CALL_PTR,       /* argument only: a host pointer, passed in an i64 temp */
} TCGCallType;

#define TCG_MAX_CALL_ARGS 6

/*
 * A helper: a C function whose parameters are uint32_t, uint64_t or pointers and
 * whose return is void, uint32_t or uint64_t. Usually a static const object.
 */
typedef struct TCGHelperInfo {
    const char *name;
    void *func;
    unsigned flags;
    TCGCallType ret;
    unsigned nargs;
    TCGCallType args[TCG_MAX_CALL_ARGS];
} TCGHelperInfo;

/* ---- temps, labels, ops, context ---- */

typedef struct TCGTemp {
    uint8_t type;           /* TCGType */
    uint8_t kind;           /* TCGTempKind */
    uint64_t val;           /* constants */
    int64_t mem_offset;     /* globals: offset in env */
    char *name;             /* globals */
} TCGTemp;

typedef struct TCGOp TCGOp;

typedef struct TCGLabel {
    uint32_t id;
    TCGOp *def;             /* the set_label op, once placed */
    uint32_t nrefs;         /* branches to it */
} TCGLabel;

#define TCG_MAX_OP_ARGS 10
#define TCG_MAX_INSN_START_WORDS 3

struct TCGOp {
    TCGOp *prev, *next;
    uint16_t opc;           /* TCGOpcode */
    uint8_t nargs;          /* all arguments */
    uint8_t nb_oargs, nb_iargs, nb_cargs;
    TCGArg args[TCG_MAX_OP_ARGS];   /* outputs, inputs (temp indices), constants */
};

typedef struct TCGArena {
    char **chunks;
    size_t nchunks;
    size_t cur, used;       /* current chunk and bytes used in it */
    size_t chunk_size;
} TCGArena;

typedef struct TCGContext {
    size_t env_size;
    unsigned insn_start_words;
    TCGTemp *temps;
    uint32_t nb_temps, cap_temps, nb_globals;
    TCGOp *first_op, *last_op;
    uint32_t nb_ops;
    uint32_t nb_labels;
    TCGArena op_arena, label_arena;
    uint32_t *const_tab;    /* open addressing: temp index or 0 */
    uint32_t const_cap, nb_consts;
    unsigned goto_tb_used;  /* bit n: slot n taken */
    Error *err;             /* first builder error of this TB */
    bool verified;          /* tcg_verify() passed; clear after rewriting an op in place */
    /* scratch of the optimizer, one entry per temp, kept between TBs */
    uint64_t *opt_val;
    uint8_t *opt_known;
    uint32_t opt_cap;
} TCGContext;

#define TCG_ENV_IDX 1

/* env_size: bytes of the CPU state; insn_start_words: 1..3 words per insn_start. */
TCGContext *tcg_ctx_new(size_t env_size, unsigned insn_start_words);
void tcg_ctx_free(TCGContext *s);
/* Forget the current TB: ops, labels, non-global temps, constants, the error. */
void tcg_ctx_reset(TCGContext *s);
/* The builder error of this TB, if any (owned by the context). */
const Error *tcg_ctx_error(const TCGContext *s);

static inline TCGTemp *tcg_temp(const TCGContext *s, uint32_t idx) { return &s->temps[idx]; }
static inline TCGv_ptr tcg_env(const TCGContext *s) { (void)s; return (TCGv_ptr){ TCG_ENV_IDX }; }

/* Globals: declared once; offset + size within env_size, no overlap. 0 on error. */
TCGv_i32 tcg_global_i32(TCGContext *s, int64_t offset, const char *name, Error **errp);
TCGv_i64 tcg_global_i64(TCGContext *s, int64_t offset, const char *name, Error **errp);

TCGv_i32 tcg_temp_new_i32(TCGContext *s);          /* ebb temps */
TCGv_i64 tcg_temp_new_i64(TCGContext *s);
TCGv_ptr tcg_temp_new_ptr(TCGContext *s);
TCGv_i32 tcg_temp_local_new_i32(TCGContext *s);    /* local (TB) temps */
TCGv_i64 tcg_temp_local_new_i64(TCGContext *s);
TCGv_i32 tcg_constant_i32(TCGContext *s, uint32_t val);
TCGv_i64 tcg_constant_i64(TCGContext *s, uint64_t val);
TCGv_ptr tcg_constant_ptr(TCGContext *s, const void *ptr);

TCGLabel *tcg_label_new(TCGContext *s);

/* Argument counts of one op (calls and insn_start vary). */
static inline unsigned tcg_op_nb_oargs(const TCGOp *op) { return op->nb_oargs; }
static inline unsigned tcg_op_nb_iargs(const TCGOp *op) { return op->nb_iargs; }
static inline unsigned tcg_op_nb_cargs(const TCGOp *op) { return op->nb_cargs; }
static inline const TCGHelperInfo *tcg_op_helper(const TCGOp *op)
{
    return (const TCGHelperInfo *)(uintptr_t)op->args[op->nargs - 1];
}
static inline TCGLabel *tcg_arg_label(TCGArg a) { return (TCGLabel *)(uintptr_t)a; }
static inline TCGArg tcg_label_arg(TCGLabel *l) { return (TCGArg)(uintptr_t)l; }
/* The width of an op's own type: 32 or 64. */
static inline unsigned tcg_op_width(const TCGOp *op)
{
    return tcg_op_defs[op->opc].flags & TCG_OPF_64 ? 64 : 32;
}
/* True if opc is a pure op: no side effect, no memory access, its outputs depend
 * only on its inputs and constant arguments (the ops the folder evaluates). */
bool tcg_op_is_pure(TCGOpcode opc);
/* Flags of an op, with a call's side effects taken from its helper. */
unsigned tcg_op_flags(const TCGOp *op);

/*
 * The generic emitter every builder goes through: args are outputs, inputs
 * (temp indices) and constant arguments, as the table says. Checks every operand
 * and returns NULL (recording the error) on misuse. Not for calls.
 */
TCGOp *tcg_emit_op(TCGContext *s, TCGOpcode opc, const TCGArg *args, unsigned nargs);
/* Calls: ret is a temp index or 0 for none; args are temp indices. */
TCGOp *tcg_gen_call(TCGContext *s, const TCGHelperInfo *info, uint32_t ret,
                    const uint32_t *args, unsigned nargs);

/* List editing for passes: the op is unlinked (its memory lives until reset). */
void tcg_op_remove(TCGContext *s, TCGOp *op);
/* A new op like tcg_emit_op would make, inserted before / after an existing one. */
TCGOp *tcg_op_insert_before(TCGContext *s, TCGOp *pos, TCGOpcode opc,
                            const TCGArg *args, unsigned nargs);
TCGOp *tcg_op_insert_after(TCGContext *s, TCGOp *pos, TCGOpcode opc,
                           const TCGArg *args, unsigned nargs);

/*
 * Structural checks of the whole TB (docs/tcg-ir.md): the builder error if any,
 * labels placed once and every branched-to label placed, the TB ending in an op
 * that does not fall through, goto_tb followed by exit_tb, insn_start before the
 * first op that may fault.
 */
bool tcg_verify(TCGContext *s, Error **errp);

/*
 * The optimizer (docs/tcg-ir.md section 14): constant propagation within extended
 * basic blocks, folding of pure ops whose inputs are all constant (with the same
 * evaluator as the interpreter), and folding of constant brcond/movcond.
 */
void tcg_optimize(TCGContext *s);

/* The textual dump (docs/tcg-ir.md section 16); g_free the result. */
char *tcg_dump(const TCGContext *s);
char *tcg_dump_op(const TCGContext *s, const TCGOp *op);

#define tcg_for_each_op(s, op) for (TCGOp *op = (s)->first_op; op; op = op->next)

/* ---- the builder ---- */

/* Emit with the arguments listed inline (each converted to TCGArg). */
#define TCG_EMIT(s, opc, ...) \
    tcg_emit_op(s, opc, (const TCGArg[]){ __VA_ARGS__ }, \
                sizeof((const TCGArg[]){ __VA_ARGS__ }) / sizeof(TCGArg))
#define TCG_UNPAREN(...) __VA_ARGS__

#define TCG_GEN_BOTH(NAME, PARAMS32, PARAMS64, ARGS) \
    static inline void tcg_gen_##NAME##_i32 PARAMS32 \
    { TCG_EMIT(s, TCGOP_##NAME##_i32, TCG_UNPAREN ARGS); } \
    static inline void tcg_gen_##NAME##_i64 PARAMS64 \
    { TCG_EMIT(s, TCGOP_##NAME##_i64, TCG_UNPAREN ARGS); }

/* ret = op(a) */
#define TCG_GEN_UNARY(N) \
    static inline void tcg_gen_##N##_i32(TCGContext *s, TCGv_i32 r, TCGv_i32 a) \
    { TCG_EMIT(s, TCGOP_##N##_i32, r.idx, a.idx); } \
    static inline void tcg_gen_##N##_i64(TCGContext *s, TCGv_i64 r, TCGv_i64 a) \
    { TCG_EMIT(s, TCGOP_##N##_i64, r.idx, a.idx); }
/* ret = op(a, b), plus an immediate form ret = op(a, imm) */
#define TCG_GEN_BINARY(N) \
    static inline void tcg_gen_##N##_i32(TCGContext *s, TCGv_i32 r, TCGv_i32 a, TCGv_i32 b) \
    { TCG_EMIT(s, TCGOP_##N##_i32, r.idx, a.idx, b.idx); } \
    static inline void tcg_gen_##N##_i64(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b) \
    { TCG_EMIT(s, TCGOP_##N##_i64, r.idx, a.idx, b.idx); } \
    static inline void tcg_gen_##N##i_i32(TCGContext *s, TCGv_i32 r, TCGv_i32 a, uint32_t b) \
    { tcg_gen_##N##_i32(s, r, a, tcg_constant_i32(s, b)); } \
    static inline void tcg_gen_##N##i_i64(TCGContext *s, TCGv_i64 r, TCGv_i64 a, uint64_t b) \
    { tcg_gen_##N##_i64(s, r, a, tcg_constant_i64(s, b)); }

TCG_GEN_UNARY(mov)
TCG_GEN_UNARY(neg)
TCG_GEN_UNARY(not)
TCG_GEN_UNARY(ctpop)
TCG_GEN_UNARY(bswap16)
TCG_GEN_UNARY(bswap32)
TCG_GEN_UNARY(ext8s)
TCG_GEN_UNARY(ext8u)
TCG_GEN_UNARY(ext16s)
TCG_GEN_UNARY(ext16u)
TCG_GEN_BINARY(add)
TCG_GEN_BINARY(sub)
TCG_GEN_BINARY(mul)
TCG_GEN_BINARY(muluh)
TCG_GEN_BINARY(mulsh)
TCG_GEN_BINARY(mulsuh)
TCG_GEN_BINARY(div)
TCG_GEN_BINARY(divu)
TCG_GEN_BINARY(rem)
TCG_GEN_BINARY(remu)
TCG_GEN_BINARY(and)
TCG_GEN_BINARY(or)
TCG_GEN_BINARY(xor)
TCG_GEN_BINARY(andc)
TCG_GEN_BINARY(orc)
TCG_GEN_BINARY(eqv)
TCG_GEN_BINARY(nand)
TCG_GEN_BINARY(nor)
TCG_GEN_BINARY(shl)
TCG_GEN_BINARY(shr)
TCG_GEN_BINARY(sar)
TCG_GEN_BINARY(rotl)
TCG_GEN_BINARY(rotr)
TCG_GEN_BINARY(clz)
TCG_GEN_BINARY(ctz)

static inline void tcg_gen_movi_i32(TCGContext *s, TCGv_i32 r, uint32_t v)
{ tcg_gen_mov_i32(s, r, tcg_constant_i32(s, v)); }
static inline void tcg_gen_movi_i64(TCGContext *s, TCGv_i64 r, uint64_t v)
{ tcg_gen_mov_i64(s, r, tcg_constant_i64(s, v)); }

static inline void tcg_gen_bswap64_i64(TCGContext *s, TCGv_i64 r, TCGv_i64 a)
{ TCG_EMIT(s, TCGOP_bswap64_i64, r.idx, a.idx); }
static inline void tcg_gen_ext32s_i64(TCGContext *s, TCGv_i64 r, TCGv_i64 a)
{ TCG_EMIT(s, TCGOP_ext32s_i64, r.idx, a.idx); }
static inline void tcg_gen_ext32u_i64(TCGContext *s, TCGv_i64 r, TCGv_i64 a)
{ TCG_EMIT(s, TCGOP_ext32u_i64, r.idx, a.idx); }
static inline void tcg_gen_ext_i32_i64(TCGContext *s, TCGv_i64 r, TCGv_i32 a)
{ TCG_EMIT(s, TCGOP_ext_i32_i64, r.idx, a.idx); }
static inline void tcg_gen_extu_i32_i64(TCGContext *s, TCGv_i64 r, TCGv_i32 a)
{ TCG_EMIT(s, TCGOP_extu_i32_i64, r.idx, a.idx); }
static inline void tcg_gen_extrl_i64_i32(TCGContext *s, TCGv_i32 r, TCGv_i64 a)
{ TCG_EMIT(s, TCGOP_extrl_i64_i32, r.idx, a.idx); }
static inline void tcg_gen_extrh_i64_i32(TCGContext *s, TCGv_i32 r, TCGv_i64 a)
{ TCG_EMIT(s, TCGOP_extrh_i64_i32, r.idx, a.idx); }

TCG_GEN_BOTH(add2,
    (TCGContext *s, TCGv_i32 rl, TCGv_i32 rh, TCGv_i32 al, TCGv_i32 ah, TCGv_i32 bl, TCGv_i32 bh),
    (TCGContext *s, TCGv_i64 rl, TCGv_i64 rh, TCGv_i64 al, TCGv_i64 ah, TCGv_i64 bl, TCGv_i64 bh),
    (rl.idx, rh.idx, al.idx, ah.idx, bl.idx, bh.idx))
TCG_GEN_BOTH(sub2,
    (TCGContext *s, TCGv_i32 rl, TCGv_i32 rh, TCGv_i32 al, TCGv_i32 ah, TCGv_i32 bl, TCGv_i32 bh),
    (TCGContext *s, TCGv_i64 rl, TCGv_i64 rh, TCGv_i64 al, TCGv_i64 ah, TCGv_i64 bl, TCGv_i64 bh),
    (rl.idx, rh.idx, al.idx, ah.idx, bl.idx, bh.idx))
TCG_GEN_BOTH(deposit,
    (TCGContext *s, TCGv_i32 r, TCGv_i32 a, TCGv_i32 b, unsigned pos, unsigned len),
    (TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b, unsigned pos, unsigned len),
    (r.idx, a.idx, b.idx, (TCGArg)pos, (TCGArg)len))
TCG_GEN_BOTH(extract,
    (TCGContext *s, TCGv_i32 r, TCGv_i32 a, unsigned pos, unsigned len),
    (TCGContext *s, TCGv_i64 r, TCGv_i64 a, unsigned pos, unsigned len),
    (r.idx, a.idx, (TCGArg)pos, (TCGArg)len))
TCG_GEN_BOTH(sextract,
    (TCGContext *s, TCGv_i32 r, TCGv_i32 a, unsigned pos, unsigned len),
    (TCGContext *s, TCGv_i64 r, TCGv_i64 a, unsigned pos, unsigned len),
    (r.idx, a.idx, (TCGArg)pos, (TCGArg)len))
TCG_GEN_BOTH(extract2,
    (TCGContext *s, TCGv_i32 r, TCGv_i32 al, TCGv_i32 ah, unsigned pos),
    (TCGContext *s, TCGv_i64 r, TCGv_i64 al, TCGv_i64 ah, unsigned pos),
    (r.idx, al.idx, ah.idx, (TCGArg)pos))
TCG_GEN_BOTH(setcond,
    (TCGContext *s, TCGCond c, TCGv_i32 r, TCGv_i32 a, TCGv_i32 b),
    (TCGContext *s, TCGCond c, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b),
    (r.idx, a.idx, b.idx, (TCGArg)c))
TCG_GEN_BOTH(movcond,
    (TCGContext *s, TCGCond c, TCGv_i32 r, TCGv_i32 c1, TCGv_i32 c2, TCGv_i32 v1, TCGv_i32 v2),
    (TCGContext *s, TCGCond c, TCGv_i64 r, TCGv_i64 c1, TCGv_i64 c2, TCGv_i64 v1, TCGv_i64 v2),
    (r.idx, c1.idx, c2.idx, v1.idx, v2.idx, (TCGArg)c))
TCG_GEN_BOTH(brcond,
    (TCGContext *s, TCGCond c, TCGv_i32 a, TCGv_i32 b, TCGLabel *l),
    (TCGContext *s, TCGCond c, TCGv_i64 a, TCGv_i64 b, TCGLabel *l),
    (a.idx, b.idx, (TCGArg)c, tcg_label_arg(l)))

static inline void tcg_gen_setcondi_i32(TCGContext *s, TCGCond c, TCGv_i32 r, TCGv_i32 a, uint32_t b)
{ tcg_gen_setcond_i32(s, c, r, a, tcg_constant_i32(s, b)); }
static inline void tcg_gen_setcondi_i64(TCGContext *s, TCGCond c, TCGv_i64 r, TCGv_i64 a, uint64_t b)
{ tcg_gen_setcond_i64(s, c, r, a, tcg_constant_i64(s, b)); }
static inline void tcg_gen_brcondi_i32(TCGContext *s, TCGCond c, TCGv_i32 a, uint32_t b, TCGLabel *l)
{ tcg_gen_brcond_i32(s, c, a, tcg_constant_i32(s, b), l); }
static inline void tcg_gen_brcondi_i64(TCGContext *s, TCGCond c, TCGv_i64 a, uint64_t b, TCGLabel *l)
{ tcg_gen_brcond_i64(s, c, a, tcg_constant_i64(s, b), l); }

/* host memory: base + offset */
#define TCG_GEN_HOSTMEM(N) \
    static inline void tcg_gen_##N##_i32(TCGContext *s, TCGv_i32 v, TCGv_ptr base, int64_t off) \
    { TCG_EMIT(s, TCGOP_##N##_i32, v.idx, base.idx, (TCGArg)off); } \
    static inline void tcg_gen_##N##_i64(TCGContext *s, TCGv_i64 v, TCGv_ptr base, int64_t off) \
    { TCG_EMIT(s, TCGOP_##N##_i64, v.idx, base.idx, (TCGArg)off); }
TCG_GEN_HOSTMEM(ld8u)
TCG_GEN_HOSTMEM(ld8s)
TCG_GEN_HOSTMEM(ld16u)
TCG_GEN_HOSTMEM(ld16s)
TCG_GEN_HOSTMEM(ld)
TCG_GEN_HOSTMEM(st8)
TCG_GEN_HOSTMEM(st16)
TCG_GEN_HOSTMEM(st)
static inline void tcg_gen_ld32u_i64(TCGContext *s, TCGv_i64 v, TCGv_ptr base, int64_t off)
{ TCG_EMIT(s, TCGOP_ld32u_i64, v.idx, base.idx, (TCGArg)off); }
static inline void tcg_gen_ld32s_i64(TCGContext *s, TCGv_i64 v, TCGv_ptr base, int64_t off)
{ TCG_EMIT(s, TCGOP_ld32s_i64, v.idx, base.idx, (TCGArg)off); }
static inline void tcg_gen_st32_i64(TCGContext *s, TCGv_i64 v, TCGv_ptr base, int64_t off)
{ TCG_EMIT(s, TCGOP_st32_i64, v.idx, base.idx, (TCGArg)off); }

/* host pointer arithmetic (pointers are i64) */
static inline TCGv_i64 tcgv_ptr_as_i64(TCGv_ptr p) { return (TCGv_i64){ p.idx }; }
static inline void tcg_gen_add_ptr(TCGContext *s, TCGv_ptr r, TCGv_ptr a, TCGv_i64 b)
{ TCG_EMIT(s, TCGOP_add_i64, r.idx, a.idx, b.idx); }

/* guest memory */
TCG_GEN_BOTH(qemu_ld,
    (TCGContext *s, TCGv_i32 v, TCGv_i64 addr, unsigned idx, MemOp op),
    (TCGContext *s, TCGv_i64 v, TCGv_i64 addr, unsigned idx, MemOp op),
    (v.idx, addr.idx, (TCGArg)make_memop_idx(op, idx)))
TCG_GEN_BOTH(qemu_st,
    (TCGContext *s, TCGv_i32 v, TCGv_i64 addr, unsigned idx, MemOp op),
    (TCGContext *s, TCGv_i64 v, TCGv_i64 addr, unsigned idx, MemOp op),
    (v.idx, addr.idx, (TCGArg)make_memop_idx(op, idx)))
TCG_GEN_BOTH(atomic_cmpxchg,
    (TCGContext *s, TCGv_i32 r, TCGv_i64 addr, TCGv_i32 cmpv, TCGv_i32 newv, unsigned idx, MemOp op),
    (TCGContext *s, TCGv_i64 r, TCGv_i64 addr, TCGv_i64 cmpv, TCGv_i64 newv, unsigned idx, MemOp op),
    (r.idx, addr.idx, cmpv.idx, newv.idx, (TCGArg)make_memop_idx(op, idx)))

#define TCG_GEN_ATOMIC(N) TCG_GEN_BOTH(N, \
    (TCGContext *s, TCGv_i32 r, TCGv_i64 addr, TCGv_i32 val, unsigned idx, MemOp op), \
    (TCGContext *s, TCGv_i64 r, TCGv_i64 addr, TCGv_i64 val, unsigned idx, MemOp op), \
    (r.idx, addr.idx, val.idx, (TCGArg)make_memop_idx(op, idx)))
TCG_GEN_ATOMIC(atomic_xchg)
TCG_GEN_ATOMIC(atomic_fetch_add)
TCG_GEN_ATOMIC(atomic_fetch_and)
TCG_GEN_ATOMIC(atomic_fetch_or)
TCG_GEN_ATOMIC(atomic_fetch_xor)
TCG_GEN_ATOMIC(atomic_fetch_smin)
TCG_GEN_ATOMIC(atomic_fetch_smax)
TCG_GEN_ATOMIC(atomic_fetch_umin)
TCG_GEN_ATOMIC(atomic_fetch_umax)

static inline void tcg_gen_mb(TCGContext *s, unsigned kind)
{ TCG_EMIT(s, TCGOP_mb, (TCGArg)kind); }

/* control */
static inline void tcg_gen_set_label(TCGContext *s, TCGLabel *l)
{ TCG_EMIT(s, TCGOP_set_label, tcg_label_arg(l)); }
static inline void tcg_gen_br(TCGContext *s, TCGLabel *l)
{ TCG_EMIT(s, TCGOP_br, tcg_label_arg(l)); }
static inline void tcg_gen_goto_tb(TCGContext *s, unsigned slot)
{ TCG_EMIT(s, TCGOP_goto_tb, (TCGArg)slot); }
static inline void tcg_gen_exit_tb(TCGContext *s, uint64_t val)
{ TCG_EMIT(s, TCGOP_exit_tb, (TCGArg)val); }
static inline void tcg_gen_goto_ptr(TCGContext *s, TCGv_ptr p)
{ TCG_EMIT(s, TCGOP_goto_ptr, p.idx); }
static inline void tcg_gen_discard_i32(TCGContext *s, TCGv_i32 t)
{ TCG_EMIT(s, TCGOP_discard, t.idx); }
static inline void tcg_gen_discard_i64(TCGContext *s, TCGv_i64 t)
{ TCG_EMIT(s, TCGOP_discard, t.idx); }
/* words: s->insn_start_words values (word 0 is the guest pc). */
void tcg_gen_insn_start(TCGContext *s, const uint64_t *words);
static inline void tcg_gen_insn_start1(TCGContext *s, uint64_t pc)
{ uint64_t w[TCG_MAX_INSN_START_WORDS] = { pc }; tcg_gen_insn_start(s, w); }

#endif
