/*
 * The x86-64 host backend. Code is generated straight into the code buffer, one IR
 * op at a time, through a table of per-op emitters. Every temp has a home in memory
 * (globals in env, other temps in a fixed frame slot); each op loads its inputs into
 * scratch registers, computes, and hands its outputs to a small register cache in
 * the callee-saved registers. Globals are written through to env at once, which
 * satisfies all the sync and reload rules of docs/tcg-ir.md section 1; other temps
 * reach their frame slot only when evicted or at a branch or label.
 * docs/tcg-backend.md gives the register conventions and the frame layout.
 */
#include <cpuid.h>
#include <string.h>
#include <glib.h>
#include "libtcg/tcg-backend.h"

/* ---- registers and encodings ---- */

enum {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15,
};
#define ENV_REG RBP

/* opcode flags above the opcode byte */
#define P_EXT    0x100      /* 0x0f escape */
#define P_DATA16 0x200      /* 0x66 operand size prefix */
#define P_F3     0x400      /* 0xf3 prefix (lzcnt, tzcnt, popcnt) */
#define P_W      0x800      /* REX.W: 64-bit operand */
#define P_LOCK   0x1000

enum {
    OP_ADD = 0x01, OP_OR = 0x09, OP_ADC = 0x11, OP_SBB = 0x19, OP_AND = 0x21,
    OP_SUB = 0x29, OP_XOR = 0x31, OP_CMP = 0x39, OP_TEST = 0x85, OP_MOV_ST = 0x89,
    OP_MOV_LD = 0x8b, OP_MOVSXD = 0x63, OP_GRP3 = 0xf7, OP_SHIFT_CL = 0xd3,
    OP_SHIFT_I = 0xc1, OP_MOV_ST8 = 0x88,
    OP_IMUL = P_EXT | 0xaf, OP_MOVZB = P_EXT | 0xb6, OP_MOVZW = P_EXT | 0xb7,
    OP_MOVSB = P_EXT | 0xbe, OP_MOVSW = P_EXT | 0xbf, OP_BSF = P_EXT | 0xbc,
    OP_BSR = P_EXT | 0xbd, OP_SHRD_I = P_EXT | 0xac, OP_CMOV = P_EXT | 0x40,
    OP_SETCC = P_EXT | 0x90,
    OP_TZCNT = P_F3 | P_EXT | 0xbc, OP_LZCNT = P_F3 | P_EXT | 0xbd,
    OP_POPCNT = P_F3 | P_EXT | 0xb8,
    OP_XADD = P_EXT | 0xc1, OP_CMPXCHG = P_EXT | 0xb1, OP_XCHG = 0x87,
};

/* group 3 (0xf7) and shift group extensions */
enum { G3_NOT = 2, G3_NEG = 3, G3_MUL = 4, G3_IMUL = 5, G3_DIV = 6, G3_IDIV = 7 };
enum { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

/* x86 condition codes */
enum {
    CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A,
    CC_S, CC_NS, CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G,
};

static const uint8_t cond_cc[TCG_COND_COUNT] = {
    [TCG_COND_EQ] = CC_E, [TCG_COND_NE] = CC_NE,
    [TCG_COND_LT] = CC_L, [TCG_COND_GE] = CC_GE,
    [TCG_COND_LE] = CC_LE, [TCG_COND_GT] = CC_G,
    [TCG_COND_LTU] = CC_B, [TCG_COND_GEU] = CC_AE,
    [TCG_COND_LEU] = CC_BE, [TCG_COND_GTU] = CC_A,
    [TCG_COND_TSTEQ] = CC_E, [TCG_COND_TSTNE] = CC_NE,
};

/* Frame: slots for non-global temps above the outgoing area; same for every TB, so
 * chained TBs share it. FRAME_SIZE keeps rsp 16-aligned at helper calls. */
#define FRAME_SLOTS 2048
#define FRAME_SIZE (FRAME_SLOTS * 8 + 8)
/* The most code one op can emit, checked before each op. */
#define OP_MAX_BYTES 256

struct TCGBackend {
    TCGCodeBuf cb;
    TCGBackendConfig cfg;
    uint8_t *prologue, *epilogue;
    size_t reset_used;          /* buffer use right after the prologue */
    bool has_lzcnt, has_tzcnt, has_popcnt;
    GArray *tbs;                /* TCGTB *, in code order */
    /* per-TB scratch, kept between TBs */
    uint32_t *slot_of;          /* temp index -> frame slot + 1 (0: none yet) */
    uint32_t slot_cap;
    GArray *label_fix;          /* LabelFix */
    GArray *label_pos;          /* uint32_t per label id: code offset + 1 */
    GArray *insn_off;           /* uint32_t */
    GArray *insn_words;         /* uint64_t */
};

typedef struct LabelFix {
    uint32_t label;
    uint32_t disp_off;          /* offset of a rel32 to patch */
} LabelFix;

typedef struct Gen {
    TCGBackend *be;
    TCGContext *s;
    uint8_t *start, *p, *limit;
    uint32_t next_slot;
    uint32_t jmp_off[2];
    uint32_t cache_temp[5];     /* temp whose value each cache register holds, or 0 */
    bool cache_dirty[5];        /* newer than the temp's home (never for globals) */
    unsigned cache_next;
    Error **errp;
    bool failed;
} Gen;

static void b1(Gen *g, uint8_t v) { *g->p++ = v; }
static void b4(Gen *g, uint32_t v) { memcpy(g->p, &v, 4); g->p += 4; }
static void b8(Gen *g, uint64_t v) { memcpy(g->p, &v, 8); g->p += 8; }

static void emit_opc(Gen *g, int opc, int r, int rm)
{
    int rex = 0;

    if (opc & P_LOCK) {
        b1(g, 0xf0);
    }
    if (opc & P_DATA16) {
        b1(g, 0x66);
    }
    if (opc & P_F3) {
        b1(g, 0xf3);
    }
    rex |= opc & P_W ? 8 : 0;
    rex |= (r & 8) >> 1;
    rex |= (rm & 8) >> 3;
    if (rex) {
        b1(g, 0x40 | rex);
    }
    if (opc & P_EXT) {
        b1(g, 0x0f);
    }
    b1(g, opc & 0xff);
}

/* opc with a register r and a register operand rm */
static void op_rr(Gen *g, int opc, int r, int rm)
{
    emit_opc(g, opc, r, rm);
    b1(g, 0xc0 | (r & 7) << 3 | (rm & 7));
}

/* opc with a register r and memory [base + disp] */
static void op_rm(Gen *g, int opc, int r, int base, int32_t disp)
{
    emit_opc(g, opc, r, base);
    b1(g, 0x80 | (r & 7) << 3 | (base & 7));
    if ((base & 7) == RSP) {
        b1(g, 0x24);
    }
    b4(g, (uint32_t)disp);
}

static int wflag(bool is64) { return is64 ? P_W : 0; }

static void mov_rr(Gen *g, bool is64, int dst, int src)
{
    op_rr(g, OP_MOV_ST | wflag(is64), src, dst);
}

static void mov_imm(Gen *g, int r, uint64_t v)
{
    if (v <= UINT32_MAX) {
        if (r & 8) {
            b1(g, 0x41);
        }
        b1(g, 0xb8 | (r & 7));
        b4(g, (uint32_t)v);
    } else if ((int64_t)v == (int32_t)v) {
        op_rr(g, 0xc7 | P_W, 0, r);
        b4(g, (uint32_t)v);
    } else {
        b1(g, 0x48 | (r >> 3));
        b1(g, 0xb8 | (r & 7));
        b8(g, v);
    }
}

static void shift_imm(Gen *g, bool is64, int ext, int r, unsigned n)
{
    if (n) {
        op_rr(g, OP_SHIFT_I | wflag(is64), ext, r);
        b1(g, (uint8_t)n);
    }
}

/* or/and/cmp... r, imm8 sign-extended (0x83 /ext) */
static void alu_imm8(Gen *g, bool is64, int ext, int r, int8_t imm)
{
    op_rr(g, 0x83 | wflag(is64), ext, r);
    b1(g, (uint8_t)imm);
}

/* A forward rel32 jump (cc < 0: jmp); returns the offset of its displacement. */
static uint32_t jmp_fwd(Gen *g, int cc)
{
    if (cc < 0) {
        b1(g, 0xe9);
    } else {
        b1(g, 0x0f);
        b1(g, 0x80 | cc);
    }
    b4(g, 0);
    return (uint32_t)(g->p - g->start - 4);
}

static void patch_rel32(Gen *g, uint32_t disp_off, const uint8_t *target)
{
    int32_t rel = (int32_t)(target - (g->start + disp_off + 4));
    memcpy(g->start + disp_off, &rel, 4);
}

static void patch_here(Gen *g, uint32_t disp_off)
{
    patch_rel32(g, disp_off, g->p);
}

static void jmp_to(Gen *g, int cc, const uint8_t *target)
{
    patch_rel32(g, jmp_fwd(g, cc), target);
}

/* Record the first failure; what is the reason, detail an op name or "". */
static void gen_fail(Gen *g, const char *what, const char *detail)
{
    if (!g->failed) {
        error_setf(g->errp, "tcg_gen_code: %s%s", what, detail);
        g->failed = true;
    }
}

/* ---- temps ---- */

static const TCGTemp *T(Gen *g, TCGArg idx) { return &g->s->temps[idx]; }
static bool t64(Gen *g, TCGArg idx) { return T(g, idx)->type == TCG_TYPE_I64; }

/* The memory home of a global, local or ebb temp: base register and displacement. */
static void temp_home(Gen *g, TCGArg idx, int *base, int32_t *disp)
{
    const TCGTemp *t = T(g, idx);
    TCGBackend *be = g->be;

    if (t->kind == TCG_TEMP_GLOBAL) {
        *base = ENV_REG;
        *disp = (int32_t)t->mem_offset;
        return;
    }
    if (!be->slot_of[idx]) {
        if (g->next_slot >= FRAME_SLOTS) {
            gen_fail(g, "too many temps for the x86-64 backend's frame", "");
            *base = RSP;
            *disp = 0;
            return;
        }
        be->slot_of[idx] = ++g->next_slot;
    }
    *base = RSP;
    *disp = (int32_t)(8 * (be->slot_of[idx] - 1));
}

/*
 * The register cache: the callee-saved registers hold the values of recently used
 * temps. Globals are written through to env at once, so env is current at every op
 * boundary; other temps may live only in their register (dirty) until the entry is
 * evicted or control reaches a label or branch, where they are written to their
 * frame slots. At a label the cache is emptied (other paths arrive with other
 * contents); after a call that may write globals, and after host stores (which may
 * hit a global's field), it forgets the globals.
 */
static const int cache_regs[5] = { RBX, R12, R13, R14, R15 };
#define NCACHE 5

static void store_home(Gen *g, TCGArg idx, int r)
{
    int base;
    int32_t disp;

    temp_home(g, idx, &base, &disp);
    op_rm(g, OP_MOV_ST | wflag(t64(g, idx)), r, base, disp);
}

/* Write every dirty entry to its home (stores only: flags are kept). */
static void cache_flush(Gen *g)
{
    for (unsigned i = 0; i < NCACHE; i++) {
        if (g->cache_dirty[i]) {
            store_home(g, g->cache_temp[i], cache_regs[i]);
            g->cache_dirty[i] = false;
        }
    }
}

static void cache_forget_all(Gen *g)
{
    memset(g->cache_temp, 0, sizeof(g->cache_temp));
    memset(g->cache_dirty, 0, sizeof(g->cache_dirty));
}

static void cache_forget_globals(Gen *g)
{
    for (unsigned i = 0; i < NCACHE; i++) {
        if (g->cache_temp[i] < g->s->nb_globals) {
            g->cache_temp[i] = 0;
        }
    }
}

static int cache_find(Gen *g, TCGArg idx)
{
    for (unsigned i = 0; i < NCACHE; i++) {
        if (g->cache_temp[i] == idx) {
            return (int)i;
        }
    }
    return -1;
}

/* Copy scratch register r into the cache entry of idx (i32 values zero-extended),
 * evicting (and writing back) another entry if needed. */
static void cache_put(Gen *g, TCGArg idx, int r, bool dirty)
{
    int i = cache_find(g, idx);

    if (i < 0) {
        i = (int)g->cache_next;
        g->cache_next = (g->cache_next + 1) % NCACHE;
        if (g->cache_dirty[i]) {
            store_home(g, g->cache_temp[i], cache_regs[i]);
        }
        g->cache_temp[i] = (uint32_t)idx;
    }
    g->cache_dirty[i] = dirty;
    mov_rr(g, t64(g, idx), cache_regs[i], r);
}

static void load_temp(Gen *g, int r, TCGArg idx)
{
    const TCGTemp *t = T(g, idx);
    int base, i;
    int32_t disp;

    switch (t->kind) {
    case TCG_TEMP_CONST:
        mov_imm(g, r, t->type == TCG_TYPE_I64 ? t->val : (uint32_t)t->val);
        return;
    case TCG_TEMP_ENV:
        mov_rr(g, true, r, ENV_REG);
        return;
    default:
        i = cache_find(g, idx);
        if (i >= 0) {
            mov_rr(g, true, r, cache_regs[i]);
            return;
        }
        temp_home(g, idx, &base, &disp);
        op_rm(g, OP_MOV_LD | wflag(t->type == TCG_TYPE_I64), r, base, disp);
        cache_put(g, idx, r, false);
        return;
    }
}

/* The value of temp idx is now in scratch register r. */
static void store_temp(Gen *g, TCGArg idx, int r)
{
    bool global = T(g, idx)->kind == TCG_TEMP_GLOBAL;

    if (global) {
        store_home(g, idx, r);
    }
    cache_put(g, idx, r, !global);
}

/* ---- ops ---- */

typedef void GenFn(Gen *g, const TCGOp *op, bool is64);

static void gen_alu(Gen *g, const TCGOp *op, bool is64, int opc)
{
    load_temp(g, RAX, op->args[1]);
    load_temp(g, RCX, op->args[2]);
    op_rr(g, opc | wflag(is64), RCX, RAX);
    store_temp(g, op->args[0], RAX);
}

static void gen_mov(Gen *g, const TCGOp *op, bool is64)
{
    (void)is64;
    load_temp(g, RAX, op->args[1]);
    store_temp(g, op->args[0], RAX);
}

static void gen_add(Gen *g, const TCGOp *op, bool w) { gen_alu(g, op, w, OP_ADD); }
static void gen_sub(Gen *g, const TCGOp *op, bool w) { gen_alu(g, op, w, OP_SUB); }
static void gen_and(Gen *g, const TCGOp *op, bool w) { gen_alu(g, op, w, OP_AND); }
static void gen_or(Gen *g, const TCGOp *op, bool w) { gen_alu(g, op, w, OP_OR); }
static void gen_xor(Gen *g, const TCGOp *op, bool w) { gen_alu(g, op, w, OP_XOR); }

static void gen_mul(Gen *g, const TCGOp *op, bool is64)
{
    load_temp(g, RAX, op->args[1]);
    load_temp(g, RCX, op->args[2]);
    op_rr(g, OP_IMUL | wflag(is64), RAX, RCX);
    store_temp(g, op->args[0], RAX);
}

static void gen_unary_g3(Gen *g, const TCGOp *op, bool is64, int ext)
{
    load_temp(g, RAX, op->args[1]);
    op_rr(g, OP_GRP3 | wflag(is64), ext, RAX);
    store_temp(g, op->args[0], RAX);
}

static void gen_neg(Gen *g, const TCGOp *op, bool w) { gen_unary_g3(g, op, w, G3_NEG); }
static void gen_not(Gen *g, const TCGOp *op, bool w) { gen_unary_g3(g, op, w, G3_NOT); }

/* a op ~b, ~(a op b) and friends: rcx = b, optionally inverted before or after */
static void gen_logic_inv(Gen *g, const TCGOp *op, bool is64, int opc, bool inv_b,
                          bool inv_res)
{
    load_temp(g, RAX, op->args[1]);
    load_temp(g, RCX, op->args[2]);
    if (inv_b) {
        op_rr(g, OP_GRP3 | wflag(is64), G3_NOT, RCX);
    }
    op_rr(g, opc | wflag(is64), RCX, RAX);
    if (inv_res) {
        op_rr(g, OP_GRP3 | wflag(is64), G3_NOT, RAX);
    }
    store_temp(g, op->args[0], RAX);
}

static void gen_andc(Gen *g, const TCGOp *op, bool w) { gen_logic_inv(g, op, w, OP_AND, true, false); }
static void gen_orc(Gen *g, const TCGOp *op, bool w) { gen_logic_inv(g, op, w, OP_OR, true, false); }
static void gen_eqv(Gen *g, const TCGOp *op, bool w) { gen_logic_inv(g, op, w, OP_XOR, false, true); }
static void gen_nand(Gen *g, const TCGOp *op, bool w) { gen_logic_inv(g, op, w, OP_AND, false, true); }
static void gen_nor(Gen *g, const TCGOp *op, bool w) { gen_logic_inv(g, op, w, OP_OR, false, true); }

/* High half of a product: one-operand mul/imul leaves it in rdx. */
static void gen_mulh(Gen *g, const TCGOp *op, bool is64, int ext, bool fix_unsigned_b)
{
    load_temp(g, RAX, op->args[1]);
    load_temp(g, RCX, op->args[2]);
    mov_rr(g, true, R8, RAX);
    op_rr(g, OP_GRP3 | wflag(is64), ext, RCX);
    if (fix_unsigned_b) {
        /* s(a) * u(b) = s(a) * s(b) + 2^w * a when b's top bit is set */
        mov_rr(g, true, R9, RCX);
        shift_imm(g, is64, SH_SAR, R9, is64 ? 63 : 31);
        op_rr(g, OP_AND | wflag(is64), R8, R9);
        op_rr(g, OP_ADD | wflag(is64), R9, RDX);
    }
    store_temp(g, op->args[0], RDX);
}

static void gen_muluh(Gen *g, const TCGOp *op, bool w) { gen_mulh(g, op, w, G3_MUL, false); }
static void gen_mulsh(Gen *g, const TCGOp *op, bool w) { gen_mulh(g, op, w, G3_IMUL, false); }
static void gen_mulsuh(Gen *g, const TCGOp *op, bool w) { gen_mulh(g, op, w, G3_IMUL, true); }

static void gen_addsub2(Gen *g, const TCGOp *op, bool is64, int lo, int hi)
{
    load_temp(g, RAX, op->args[2]);
    load_temp(g, RDX, op->args[3]);
    load_temp(g, RCX, op->args[4]);
    load_temp(g, RSI, op->args[5]);
    op_rr(g, lo | wflag(is64), RCX, RAX);
    op_rr(g, hi | wflag(is64), RSI, RDX);
    store_temp(g, op->args[0], RAX);
    store_temp(g, op->args[1], RDX);
}

static void gen_add2(Gen *g, const TCGOp *op, bool w) { gen_addsub2(g, op, w, OP_ADD, OP_ADC); }
static void gen_sub2(Gen *g, const TCGOp *op, bool w) { gen_addsub2(g, op, w, OP_SUB, OP_SBB); }

/*
 * Division with the rules D1..D3 checked explicitly, since the host traps on them:
 * leaves the quotient in rax and the remainder in rdx.
 */
static void gen_divide(Gen *g, const TCGOp *op, bool is64, bool is_signed, bool want_rem)
{
    uint32_t j_zero, j_m1 = 0, j_done1, j_done2 = 0;

    load_temp(g, RAX, op->args[1]);
    load_temp(g, RCX, op->args[2]);
    op_rr(g, OP_TEST | wflag(is64), RCX, RCX);
    j_zero = jmp_fwd(g, CC_E);
    if (is_signed) {
        alu_imm8(g, is64, 7, RCX, -1);          /* cmp rcx, -1 */
        j_m1 = jmp_fwd(g, CC_E);
        if (is64) {
            b1(g, 0x48);
        }
        b1(g, 0x99);                            /* cdq / cqo */
        op_rr(g, OP_GRP3 | wflag(is64), G3_IDIV, RCX);
    } else {
        op_rr(g, OP_XOR, RDX, RDX);
        op_rr(g, OP_GRP3 | wflag(is64), G3_DIV, RCX);
    }
    j_done1 = jmp_fwd(g, -1);
    patch_here(g, j_zero);                      /* D1, D2: -1 and a */
    mov_rr(g, true, RDX, RAX);
    alu_imm8(g, is64, 1, RAX, -1);              /* or rax, -1 */
    if (is_signed) {
        j_done2 = jmp_fwd(g, -1);
        patch_here(g, j_m1);                    /* D3 and x / -1 in general: -a, 0 */
        op_rr(g, OP_GRP3 | wflag(is64), G3_NEG, RAX);
        op_rr(g, OP_XOR, RDX, RDX);
        patch_here(g, j_done2);
    }
    patch_here(g, j_done1);
    store_temp(g, op->args[0], want_rem ? RDX : RAX);
}

static void gen_div(Gen *g, const TCGOp *op, bool w) { gen_divide(g, op, w, true, false); }
static void gen_divu(Gen *g, const TCGOp *op, bool w) { gen_divide(g, op, w, false, false); }
static void gen_rem(Gen *g, const TCGOp *op, bool w) { gen_divide(g, op, w, true, true); }
static void gen_remu(Gen *g, const TCGOp *op, bool w) { gen_divide(g, op, w, false, true); }

/* The host masks CL to 5 or 6 bits exactly as the spec's count mod w. */
static void gen_shift(Gen *g, const TCGOp *op, bool is64, int ext)
{
    load_temp(g, RAX, op->args[1]);
    load_temp(g, RCX, op->args[2]);
    op_rr(g, OP_SHIFT_CL | wflag(is64), ext, RAX);
    store_temp(g, op->args[0], RAX);
}

static void gen_shl(Gen *g, const TCGOp *op, bool w) { gen_shift(g, op, w, SH_SHL); }
static void gen_shr(Gen *g, const TCGOp *op, bool w) { gen_shift(g, op, w, SH_SHR); }
static void gen_sar(Gen *g, const TCGOp *op, bool w) { gen_shift(g, op, w, SH_SAR); }
static void gen_rotl(Gen *g, const TCGOp *op, bool w) { gen_shift(g, op, w, SH_ROL); }
static void gen_rotr(Gen *g, const TCGOp *op, bool w) { gen_shift(g, op, w, SH_ROR); }

/* clz/ctz: the count in rdx, then the z operand when a == 0 */
static void gen_count(Gen *g, const TCGOp *op, bool is64, bool leading)
{
    bool native = leading ? g->be->has_lzcnt : g->be->has_tzcnt;

    load_temp(g, RAX, op->args[1]);
    load_temp(g, RCX, op->args[2]);
    if (native) {
        op_rr(g, (leading ? OP_LZCNT : OP_TZCNT) | wflag(is64), RDX, RAX);
    } else {
        op_rr(g, (leading ? OP_BSR : OP_BSF) | wflag(is64), RDX, RAX);
        if (leading) {
            alu_imm8(g, is64, 6, RDX, is64 ? 63 : 31);     /* w-1 - index */
        }
    }
    op_rr(g, OP_TEST | wflag(is64), RAX, RAX);
    op_rr(g, (OP_CMOV + CC_E) | wflag(is64), RDX, RCX);
    store_temp(g, op->args[0], RDX);
}

static void gen_clz(Gen *g, const TCGOp *op, bool w) { gen_count(g, op, w, true); }
static void gen_ctz(Gen *g, const TCGOp *op, bool w) { gen_count(g, op, w, false); }

static void gen_ctpop(Gen *g, const TCGOp *op, bool is64)
{
    load_temp(g, RAX, op->args[1]);     /* an i32 input is zero-extended */
    if (g->be->has_popcnt) {
        op_rr(g, OP_POPCNT | P_W, RAX, RAX);
    } else {
        /* the bit-slice sum, on all 64 bits */
        mov_rr(g, true, RDX, RAX);
        shift_imm(g, true, SH_SHR, RDX, 1);
        mov_imm(g, RCX, UINT64_C(0x5555555555555555));
        op_rr(g, OP_AND | P_W, RCX, RDX);
        op_rr(g, OP_SUB | P_W, RDX, RAX);
        mov_imm(g, RCX, UINT64_C(0x3333333333333333));
        mov_rr(g, true, RDX, RAX);
        op_rr(g, OP_AND | P_W, RCX, RAX);
        shift_imm(g, true, SH_SHR, RDX, 2);
        op_rr(g, OP_AND | P_W, RCX, RDX);
        op_rr(g, OP_ADD | P_W, RDX, RAX);
        mov_rr(g, true, RDX, RAX);
        shift_imm(g, true, SH_SHR, RDX, 4);
        op_rr(g, OP_ADD | P_W, RDX, RAX);
        mov_imm(g, RCX, UINT64_C(0x0f0f0f0f0f0f0f0f));
        op_rr(g, OP_AND | P_W, RCX, RAX);
        mov_imm(g, RCX, UINT64_C(0x0101010101010101));
        op_rr(g, OP_IMUL | P_W, RAX, RCX);
        shift_imm(g, true, SH_SHR, RAX, 56);
    }
    (void)is64;
    store_temp(g, op->args[0], RAX);
}

/* rol r16, 8: swaps the two low bytes */
static void swap16(Gen *g, int r)
{
    op_rr(g, OP_SHIFT_I | P_DATA16, SH_ROL, r);
    b1(g, 8);
}

static void bswap_reg(Gen *g, bool is64, int r)
{
    emit_opc(g, (0xc8 + (r & 7)) | P_EXT | wflag(is64), 0, r);
}

static void gen_bswap16(Gen *g, const TCGOp *op, bool is64)
{
    (void)is64;
    load_temp(g, RAX, op->args[1]);
    op_rr(g, OP_MOVZW, RAX, RAX);
    swap16(g, RAX);
    store_temp(g, op->args[0], RAX);
}

static void gen_bswap32(Gen *g, const TCGOp *op, bool is64)
{
    (void)is64;
    load_temp(g, RAX, op->args[1]);
    bswap_reg(g, false, RAX);           /* also clears bits 63:32 */
    store_temp(g, op->args[0], RAX);
}

static void gen_bswap64(Gen *g, const TCGOp *op, bool is64)
{
    (void)is64;
    load_temp(g, RAX, op->args[1]);
    bswap_reg(g, true, RAX);
    store_temp(g, op->args[0], RAX);
}

static void gen_ext_rr(Gen *g, const TCGOp *op, int opc)
{
    load_temp(g, RAX, op->args[1]);
    op_rr(g, opc, RAX, RAX);
    store_temp(g, op->args[0], RAX);
}

static void gen_ext8s(Gen *g, const TCGOp *op, bool w) { gen_ext_rr(g, op, OP_MOVSB | wflag(w)); }
static void gen_ext8u(Gen *g, const TCGOp *op, bool w) { (void)w; gen_ext_rr(g, op, OP_MOVZB); }
static void gen_ext16s(Gen *g, const TCGOp *op, bool w) { gen_ext_rr(g, op, OP_MOVSW | wflag(w)); }
static void gen_ext16u(Gen *g, const TCGOp *op, bool w) { (void)w; gen_ext_rr(g, op, OP_MOVZW); }
static void gen_ext32s(Gen *g, const TCGOp *op, bool w) { (void)w; gen_ext_rr(g, op, OP_MOVSXD | P_W); }
/* mov r32, r32 clears the high half */
static void gen_ext32u(Gen *g, const TCGOp *op, bool w) { (void)w; gen_ext_rr(g, op, OP_MOV_LD); }

static void gen_extrh(Gen *g, const TCGOp *op, bool is64)
{
    (void)is64;
    load_temp(g, RAX, op->args[1]);
    shift_imm(g, true, SH_SHR, RAX, 32);
    store_temp(g, op->args[0], RAX);
}

/* Bit fields are computed on 64 bits (i32 inputs arrive zero-extended) and the
 * store to the output's home truncates. */
static uint64_t low_mask(unsigned len)
{
    return len >= 64 ? UINT64_MAX : (UINT64_C(1) << len) - 1;
}

static void gen_deposit(Gen *g, const TCGOp *op, bool is64)
{
    unsigned pos = op->args[3], len = op->args[4];
    uint64_t mask = low_mask(len) << pos;

    (void)is64;
    load_temp(g, RAX, op->args[1]);
    load_temp(g, RCX, op->args[2]);
    shift_imm(g, true, SH_SHL, RCX, pos);
    mov_imm(g, RDX, mask);
    op_rr(g, OP_AND | P_W, RDX, RCX);
    op_rr(g, OP_GRP3 | P_W, G3_NOT, RDX);
    op_rr(g, OP_AND | P_W, RDX, RAX);
    op_rr(g, OP_OR | P_W, RCX, RAX);
    store_temp(g, op->args[0], RAX);
}

static void gen_extract(Gen *g, const TCGOp *op, bool is64)
{
    unsigned pos = op->args[2], len = op->args[3];

    (void)is64;
    load_temp(g, RAX, op->args[1]);
    shift_imm(g, true, SH_SHR, RAX, pos);
    if (len < 64) {
        mov_imm(g, RDX, low_mask(len));
        op_rr(g, OP_AND | P_W, RDX, RAX);
    }
    store_temp(g, op->args[0], RAX);
}

static void gen_sextract(Gen *g, const TCGOp *op, bool is64)
{
    unsigned pos = op->args[2], len = op->args[3];

    (void)is64;
    load_temp(g, RAX, op->args[1]);
    shift_imm(g, true, SH_SHL, RAX, 64 - pos - len);
    shift_imm(g, true, SH_SAR, RAX, 64 - len);
    store_temp(g, op->args[0], RAX);
}

static void gen_extract2(Gen *g, const TCGOp *op, bool is64)
{
    unsigned pos = op->args[3], w = is64 ? 64 : 32;

    if (pos == 0 || pos == w) {
        load_temp(g, RAX, op->args[pos ? 2 : 1]);
    } else {
        load_temp(g, RAX, op->args[1]);
        load_temp(g, RCX, op->args[2]);
        op_rr(g, OP_SHRD_I | wflag(is64), RCX, RAX);
        b1(g, (uint8_t)pos);
    }
    store_temp(g, op->args[0], RAX);
}

/* Flags for cond(a, b) with a in rax and b in rcx; returns the x86 condition. */
static int gen_compare(Gen *g, TCGArg a, TCGArg b, TCGCond cond, bool is64)
{
    load_temp(g, RAX, a);
    load_temp(g, RCX, b);
    if (cond == TCG_COND_TSTEQ || cond == TCG_COND_TSTNE) {
        op_rr(g, OP_TEST | wflag(is64), RCX, RAX);
    } else {
        op_rr(g, OP_CMP | wflag(is64), RCX, RAX);
    }
    return cond_cc[cond];
}

static void gen_setcond(Gen *g, const TCGOp *op, bool is64)
{
    int cc = gen_compare(g, op->args[1], op->args[2], (TCGCond)op->args[3], is64);

    op_rr(g, OP_SETCC + cc, 0, RAX);
    op_rr(g, OP_MOVZB, RAX, RAX);
    store_temp(g, op->args[0], RAX);
}

static void gen_movcond(Gen *g, const TCGOp *op, bool is64)
{
    load_temp(g, RSI, op->args[3]);
    load_temp(g, RDX, op->args[4]);
    int cc = gen_compare(g, op->args[1], op->args[2], (TCGCond)op->args[5], is64);
    op_rr(g, (OP_CMOV + cc) | P_W, RDX, RSI);
    store_temp(g, op->args[0], RDX);
}

static void gen_label_ref(Gen *g, TCGLabel *l, uint32_t disp_off)
{
    LabelFix f = { l->id, disp_off };
    g_array_append_val(g->be->label_fix, f);
}

static void gen_brcond(Gen *g, const TCGOp *op, bool is64)
{
    cache_flush(g);
    int cc = gen_compare(g, op->args[0], op->args[1], (TCGCond)op->args[2], is64);
    gen_label_ref(g, tcg_arg_label(op->args[3]), jmp_fwd(g, cc));
}

static void gen_br(Gen *g, const TCGOp *op, bool is64)
{
    (void)is64;
    cache_flush(g);
    gen_label_ref(g, tcg_arg_label(op->args[0]), jmp_fwd(g, -1));
}

static void gen_set_label(Gen *g, const TCGOp *op, bool is64)
{
    TCGLabel *l = tcg_arg_label(op->args[0]);
    GArray *pos = g->be->label_pos;

    (void)is64;
    cache_flush(g);
    cache_forget_all(g);
    if (l->id >= pos->len) {
        g_array_set_size(pos, l->id + 1);
    }
    g_array_index(pos, uint32_t, l->id) = (uint32_t)(g->p - g->start) + 1;
}

/* ---- host memory ---- */

/* rdx/rbp = base pointer; returns the register and sets *disp. */
static int host_addr(Gen *g, const TCGOp *op, int32_t *disp)
{
    int64_t off = (int64_t)op->args[2];
    int base = RDX;

    if (T(g, op->args[1])->kind == TCG_TEMP_ENV && off == (int32_t)off) {
        *disp = (int32_t)off;
        return ENV_REG;
    }
    load_temp(g, RDX, op->args[1]);
    if (off != (int32_t)off) {
        mov_imm(g, RCX, (uint64_t)off);
        op_rr(g, OP_ADD | P_W, RCX, RDX);
        off = 0;
    }
    *disp = (int32_t)off;
    return base;
}

static void gen_host_ld(Gen *g, const TCGOp *op, int opc)
{
    int32_t disp;
    int base = host_addr(g, op, &disp);

    op_rm(g, opc, RAX, base, disp);
    store_temp(g, op->args[0], RAX);
}

static void gen_host_st(Gen *g, const TCGOp *op, int opc)
{
    int32_t disp;
    int base = host_addr(g, op, &disp);

    load_temp(g, RAX, op->args[0]);
    op_rm(g, opc, RAX, base, disp);
    cache_forget_globals(g);
}

static void gen_ld8u(Gen *g, const TCGOp *op, bool w) { (void)w; gen_host_ld(g, op, OP_MOVZB); }
static void gen_ld8s(Gen *g, const TCGOp *op, bool w) { gen_host_ld(g, op, OP_MOVSB | wflag(w)); }
static void gen_ld16u(Gen *g, const TCGOp *op, bool w) { (void)w; gen_host_ld(g, op, OP_MOVZW); }
static void gen_ld16s(Gen *g, const TCGOp *op, bool w) { gen_host_ld(g, op, OP_MOVSW | wflag(w)); }
static void gen_ld32u(Gen *g, const TCGOp *op, bool w) { (void)w; gen_host_ld(g, op, OP_MOV_LD); }
static void gen_ld32s(Gen *g, const TCGOp *op, bool w) { (void)w; gen_host_ld(g, op, OP_MOVSXD | P_W); }
static void gen_ld(Gen *g, const TCGOp *op, bool w) { gen_host_ld(g, op, OP_MOV_LD | wflag(w)); }
static void gen_st8(Gen *g, const TCGOp *op, bool w) { (void)w; gen_host_st(g, op, OP_MOV_ST8); }
static void gen_st16(Gen *g, const TCGOp *op, bool w) { (void)w; gen_host_st(g, op, OP_MOV_ST | P_DATA16); }
static void gen_st32(Gen *g, const TCGOp *op, bool w) { (void)w; gen_host_st(g, op, OP_MOV_ST); }
static void gen_st(Gen *g, const TCGOp *op, bool w) { gen_host_st(g, op, OP_MOV_ST | wflag(w)); }

/* ---- guest memory (user mode: host = guest + guest_base) ---- */

/*
 * rax = guest address; checks the MemOp's alignment (calling the configured fault
 * function, which does not return), then turns rax into the host address.
 */
static void gen_guest_addr(Gen *g, const TCGOp *op, MemOpIdx oi, unsigned align)
{
    load_temp(g, RAX, op->args[1]);
    if (align > 1) {
        b1(g, 0xa8);                    /* test al, align - 1 */
        b1(g, (uint8_t)(align - 1));
        uint32_t j_ok = jmp_fwd(g, CC_E);
        mov_rr(g, true, RDI, ENV_REG);
        mov_rr(g, true, RSI, RAX);
        mov_imm(g, RDX, oi);
        mov_imm(g, RCX, (uintptr_t)g->p);
        mov_imm(g, R11, (uintptr_t)g->be->cfg.align_fault);
        op_rr(g, 0xff, 2, R11);         /* call r11 */
        b1(g, 0x0f);                    /* ud2: it must not return */
        b1(g, 0x0b);
        patch_here(g, j_ok);
    }
    if (g->be->cfg.guest_base) {
        mov_imm(g, RDX, g->be->cfg.guest_base);
        op_rr(g, OP_ADD | P_W, RDX, RAX);
    }
}

static void gen_qemu_ld(Gen *g, const TCGOp *op, bool is64)
{
    MemOpIdx oi = (MemOpIdx)op->args[2];
    MemOp mop = get_memop(oi);
    unsigned size = mop & MO_SIZE;
    bool sign = mop & MO_SIGN, be = mop & MO_BE;

    gen_guest_addr(g, op, oi, memop_alignment(mop));
    switch (size) {
    case MO_8:
        op_rm(g, sign ? OP_MOVSB | wflag(is64) : OP_MOVZB, RAX, RAX, 0);
        break;
    case MO_16:
        if (be) {
            op_rm(g, OP_MOVZW, RAX, RAX, 0);
            swap16(g, RAX);
            if (sign) {
                op_rr(g, OP_MOVSW | wflag(is64), RAX, RAX);
            }
        } else {
            op_rm(g, sign ? OP_MOVSW | wflag(is64) : OP_MOVZW, RAX, RAX, 0);
        }
        break;
    case MO_32:
        op_rm(g, OP_MOV_LD, RAX, RAX, 0);
        if (be) {
            bswap_reg(g, false, RAX);
        }
        if (sign && is64) {
            op_rr(g, OP_MOVSXD | P_W, RAX, RAX);
        }
        break;
    default:
        op_rm(g, OP_MOV_LD | P_W, RAX, RAX, 0);
        if (be) {
            bswap_reg(g, true, RAX);
        }
        break;
    }
    store_temp(g, op->args[0], RAX);
}

static void gen_qemu_st(Gen *g, const TCGOp *op, bool is64)
{
    MemOpIdx oi = (MemOpIdx)op->args[2];
    MemOp mop = get_memop(oi);
    unsigned size = mop & MO_SIZE;
    static const int st_opc[4] = {
        OP_MOV_ST8, OP_MOV_ST | P_DATA16, OP_MOV_ST, OP_MOV_ST | P_W,
    };

    (void)is64;
    gen_guest_addr(g, op, oi, memop_alignment(mop));
    load_temp(g, RCX, op->args[0]);
    if (mop & MO_BE) {
        if (size == MO_16) {
            swap16(g, RCX);
        } else if (size != MO_8) {
            bswap_reg(g, size == MO_64, RCX);
        }
    }
    op_rm(g, st_opc[size], RCX, RAX, 0);
}

/* ---- atomics: one lock cmpxchg loop for every kind ---- */

/* Zero- or sign-extend the low 1 << size bytes of r (64-bit result when is64). */
static void extend_size(Gen *g, int r, unsigned size, bool sign, bool is64)
{
    static const int zx[4] = { OP_MOVZB, OP_MOVZW, OP_MOV_LD, 0 };
    static const int sx[4] = { OP_MOVSB, OP_MOVSW, OP_MOVSXD, 0 };

    if (size == MO_64 || (size == MO_32 && sign && !is64)) {
        return;
    }
    op_rr(g, sign ? sx[size] | wflag(is64) : zx[size], r, r);
}

/* Byte-swap the low 1 << size bytes of r, leaving them zero-extended. */
static void swap_size(Gen *g, int r, unsigned size)
{
    if (size == MO_16) {
        swap16(g, r);
        op_rr(g, OP_MOVZW, r, r);
    } else if (size >= MO_32) {
        bswap_reg(g, size == MO_64, r);
    }
}

static void gen_atomic(Gen *g, const TCGOp *op, bool is64)
{
    static const int cmpxchg_opc[4] = {
        P_LOCK | P_EXT | 0xb0, P_LOCK | P_DATA16 | OP_CMPXCHG, P_LOCK | OP_CMPXCHG,
        P_LOCK | P_W | OP_CMPXCHG,
    };
    MemOpIdx oi = (MemOpIdx)op->args[op->nargs - 1];
    MemOp mop = get_memop(oi);
    unsigned size = mop & MO_SIZE;
    bool be = mop & MO_BE, is_cas = op->nb_iargs == 3;
    TCGOpcode base_opc = (TCGOpcode)(op->opc - is64);    /* the _i32 form */
    uint32_t j_fail = 0, j_do = 0;

    gen_guest_addr(g, op, oi, memop_size(mop));     /* atomics: always natural */
    mov_rr(g, true, RSI, RAX);
    /* r8: the value to store or combine; r9: cmpxchg's expected value */
    load_temp(g, R8, op->args[is_cas ? 3 : 2]);
    if (is_cas) {
        load_temp(g, R9, op->args[2]);
        extend_size(g, R9, size, false, true);
    }
    op_rm(g, size == MO_64 ? OP_MOV_LD | P_W : size == MO_32 ? OP_MOV_LD
          : size == MO_16 ? OP_MOVZW : OP_MOVZB, RAX, RSI, 0);
    const uint8_t *top = g->p;
    mov_rr(g, true, RDX, RAX);                      /* rdx: the old value, in order */
    if (be) {
        swap_size(g, RDX, size);
    }
    if (is_cas) {
        op_rr(g, OP_CMP | P_W, R9, RDX);
        j_fail = jmp_fwd(g, CC_NE);
        mov_rr(g, true, RCX, R8);
    } else if (base_opc == TCGOP_atomic_xchg_i32) {
        mov_rr(g, true, RCX, R8);
    } else if (base_opc >= TCGOP_atomic_fetch_smin_i32) {
        bool sign = base_opc <= TCGOP_atomic_fetch_smax_i32;
        bool is_min = base_opc == TCGOP_atomic_fetch_smin_i32 ||
                      base_opc == TCGOP_atomic_fetch_umin_i32;
        mov_rr(g, true, R10, RDX);
        mov_rr(g, true, RCX, R8);
        extend_size(g, R10, size, sign, true);
        extend_size(g, RCX, size, sign, true);
        op_rr(g, OP_CMP | P_W, RCX, R10);           /* old - val */
        int cc = sign ? (is_min ? CC_L : CC_G) : (is_min ? CC_B : CC_A);
        op_rr(g, (OP_CMOV + cc) | P_W, RCX, R10);
    } else {
        static const int alu[] = { OP_ADD, OP_AND, OP_OR, OP_XOR };
        unsigned k = (base_opc - TCGOP_atomic_fetch_add_i32) / 2;
        mov_rr(g, true, RCX, RDX);
        op_rr(g, alu[k] | P_W, R8, RCX);
    }
    if (be) {
        swap_size(g, RCX, size);
    }
    if (is_cas) {
        j_do = jmp_fwd(g, -1);
        patch_here(g, j_fail);
        mov_rr(g, true, RCX, RAX);                  /* A1: the store faults, writes nothing new */
        patch_here(g, j_do);
    }
    op_rm(g, cmpxchg_opc[size], RCX, RSI, 0);
    jmp_to(g, CC_NE, top);
    if (mop & MO_SIGN) {
        extend_size(g, RDX, size, true, is64);
    }
    store_temp(g, op->args[0], RDX);
}

static void gen_mb(Gen *g, const TCGOp *op, bool is64)
{
    (void)is64;
    /* x86 keeps every order but a store before a later load */
    if (op->args[0] & TCG_MO_ST_LD) {
        b1(g, 0x0f);
        b1(g, 0xae);
        b1(g, 0xf0);
    }
}

/* ---- control ---- */

static void gen_exit_tb(Gen *g, const TCGOp *op, bool is64)
{
    (void)is64;
    mov_imm(g, RAX, op->args[0]);
    jmp_to(g, -1, g->be->epilogue);
}

/* A jmp whose 4-byte displacement is aligned so tcg_tb_link can patch it atomically;
 * unlinked it jumps to the next instruction. */
static void gen_goto_tb(Gen *g, const TCGOp *op, bool is64)
{
    unsigned slot = op->args[0];

    (void)is64;
    while (((uintptr_t)g->p + 1) & 3) {
        b1(g, 0x90);
    }
    g->jmp_off[slot] = jmp_fwd(g, -1);
}

static void gen_goto_ptr(Gen *g, const TCGOp *op, bool is64)
{
    (void)is64;
    load_temp(g, RAX, op->args[0]);
    op_rr(g, OP_TEST | P_W, RAX, RAX);
    jmp_to(g, CC_E, g->be->epilogue);           /* NULL: back to the runtime with 0 */
    op_rr(g, 0xff, 4, RAX);                     /* jmp rax */
}

static void gen_insn_start(Gen *g, const TCGOp *op, bool is64)
{
    TCGBackend *be = g->be;
    uint32_t off = (uint32_t)(g->p - g->start);

    (void)is64;
    g_array_append_val(be->insn_off, off);
    for (unsigned i = 0; i < g->s->insn_start_words; i++) {
        uint64_t w = op->args[i];
        g_array_append_val(be->insn_words, w);
    }
}

/* The value is dead: drop a cached copy without writing it back. */
static void gen_discard(Gen *g, const TCGOp *op, bool is64)
{
    int i = cache_find(g, op->args[0]);

    (void)is64;
    if (i >= 0) {
        g->cache_temp[i] = 0;
        g->cache_dirty[i] = false;
    }
}

static void gen_call(Gen *g, const TCGOp *op, bool is64)
{
    static const int arg_reg[TCG_MAX_CALL_ARGS] = { RDI, RSI, RDX, RCX, R8, R9 };
    const TCGHelperInfo *info = tcg_op_helper(op);
    unsigned no = op->nb_oargs;

    (void)is64;
    for (unsigned i = 0; i < op->nb_iargs; i++) {
        load_temp(g, arg_reg[i], op->args[no + i]);
    }
    mov_imm(g, R11, (uintptr_t)info->func);
    op_rr(g, 0xff, 2, R11);
    if (!(info->flags & TCG_CALL_NO_WRITE_G)) {
        cache_forget_globals(g);
    }
    if (no) {
        store_temp(g, op->args[0], RAX);
    }
}

/* ---- the op table ---- */

#define G2(name, fn) [TCGOP_##name##_i32] = fn, [TCGOP_##name##_i64] = fn

static GenFn *const gen_table[TCGOP_COUNT] = {
    G2(mov, gen_mov), G2(add, gen_add), G2(sub, gen_sub), G2(mul, gen_mul),
    G2(neg, gen_neg), G2(muluh, gen_muluh), G2(mulsh, gen_mulsh),
    G2(mulsuh, gen_mulsuh), G2(add2, gen_add2), G2(sub2, gen_sub2),
    G2(div, gen_div), G2(divu, gen_divu), G2(rem, gen_rem), G2(remu, gen_remu),
    G2(and, gen_and), G2(or, gen_or), G2(xor, gen_xor), G2(not, gen_not),
    G2(andc, gen_andc), G2(orc, gen_orc), G2(eqv, gen_eqv), G2(nand, gen_nand),
    G2(nor, gen_nor),
    G2(shl, gen_shl), G2(shr, gen_shr), G2(sar, gen_sar), G2(rotl, gen_rotl),
    G2(rotr, gen_rotr),
    G2(clz, gen_clz), G2(ctz, gen_ctz), G2(ctpop, gen_ctpop),
    G2(bswap16, gen_bswap16), G2(bswap32, gen_bswap32),
    [TCGOP_bswap64_i64] = gen_bswap64,
    G2(ext8s, gen_ext8s), G2(ext8u, gen_ext8u), G2(ext16s, gen_ext16s),
    G2(ext16u, gen_ext16u),
    [TCGOP_ext32s_i64] = gen_ext32s, [TCGOP_ext32u_i64] = gen_ext32u,
    [TCGOP_ext_i32_i64] = gen_ext32s, [TCGOP_extu_i32_i64] = gen_ext32u,
    [TCGOP_extrl_i64_i32] = gen_mov, [TCGOP_extrh_i64_i32] = gen_extrh,
    G2(deposit, gen_deposit), G2(extract, gen_extract), G2(sextract, gen_sextract),
    G2(extract2, gen_extract2),
    G2(setcond, gen_setcond), G2(movcond, gen_movcond), G2(brcond, gen_brcond),
    G2(ld8u, gen_ld8u), G2(ld8s, gen_ld8s), G2(ld16u, gen_ld16u), G2(ld16s, gen_ld16s),
    [TCGOP_ld32u_i64] = gen_ld32u, [TCGOP_ld32s_i64] = gen_ld32s, G2(ld, gen_ld),
    G2(st8, gen_st8), G2(st16, gen_st16), [TCGOP_st32_i64] = gen_st32, G2(st, gen_st),
    G2(qemu_ld, gen_qemu_ld), G2(qemu_st, gen_qemu_st),
    G2(atomic_cmpxchg, gen_atomic), G2(atomic_xchg, gen_atomic),
    G2(atomic_fetch_add, gen_atomic), G2(atomic_fetch_and, gen_atomic),
    G2(atomic_fetch_or, gen_atomic), G2(atomic_fetch_xor, gen_atomic),
    G2(atomic_fetch_smin, gen_atomic), G2(atomic_fetch_smax, gen_atomic),
    G2(atomic_fetch_umin, gen_atomic), G2(atomic_fetch_umax, gen_atomic),
    [TCGOP_mb] = gen_mb,
    [TCGOP_set_label] = gen_set_label, [TCGOP_br] = gen_br,
    [TCGOP_goto_tb] = gen_goto_tb, [TCGOP_exit_tb] = gen_exit_tb,
    [TCGOP_goto_ptr] = gen_goto_ptr, [TCGOP_insn_start] = gen_insn_start,
    [TCGOP_discard] = gen_discard, [TCGOP_call] = gen_call,
};

/* ---- prologue, backend object ---- */

static void emit_prologue(TCGBackend *be)
{
    static const int saved[] = { RBP, RBX, R12, R13, R14, R15 };
    Gen g = { .be = be };

    g.start = g.p = tcg_codebuf_alloc(&be->cb, 128, 16);
    be->prologue = g.p;
    for (unsigned i = 0; i < G_N_ELEMENTS(saved); i++) {
        if (saved[i] & 8) {
            b1(&g, 0x41);
        }
        b1(&g, 0x50 | (saved[i] & 7));
    }
    op_rr(&g, 0x81 | P_W, 5, RSP);          /* sub rsp, FRAME_SIZE */
    b4(&g, FRAME_SIZE);
    mov_rr(&g, true, ENV_REG, RDI);
    op_rr(&g, 0xff, 4, RSI);                /* jmp rsi */
    be->epilogue = g.p;
    op_rr(&g, 0x81 | P_W, 0, RSP);          /* add rsp, FRAME_SIZE */
    b4(&g, FRAME_SIZE);
    for (int i = G_N_ELEMENTS(saved) - 1; i >= 0; i--) {
        if (saved[i] & 8) {
            b1(&g, 0x41);
        }
        b1(&g, 0x58 | (saved[i] & 7));
    }
    b1(&g, 0xc3);
    be->cb.used = (size_t)(g.p - be->cb.base);
    be->reset_used = be->cb.used;
}

static void detect_host(TCGBackend *be)
{
    unsigned a, b, c, d;

    if (be->cfg.no_host_features) {
        return;
    }
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        be->has_popcnt = c & (1u << 23);
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        be->has_tzcnt = b & (1u << 3);          /* BMI1 */
    }
    if (__get_cpuid(0x80000001, &a, &b, &c, &d)) {
        be->has_lzcnt = c & (1u << 5);          /* ABM */
    }
}

TCGBackend *tcg_backend_new(const TCGBackendConfig *cfg, Error **errp)
{
    TCGBackend *be = g_new0(TCGBackend, 1);

    be->cfg = *cfg;
    if (!be->cfg.code_size) {
        be->cfg.code_size = 32 << 20;
    }
    if (be->cfg.code_size < 4096 || be->cfg.code_size > (1u << 30)) {
        error_setf(errp, "code buffer size %zu is out of range (4 KiB .. 1 GiB)",
                   be->cfg.code_size);
        g_free(be);
        return NULL;
    }
    if (!tcg_codebuf_init(&be->cb, be->cfg.code_size, errp)) {
        g_free(be);
        return NULL;
    }
    detect_host(be);
    be->tbs = g_array_new(false, false, sizeof(TCGTB *));
    be->label_fix = g_array_new(false, false, sizeof(LabelFix));
    be->label_pos = g_array_new(false, true, sizeof(uint32_t));
    be->insn_off = g_array_new(false, false, sizeof(uint32_t));
    be->insn_words = g_array_new(false, false, sizeof(uint64_t));
    emit_prologue(be);
    return be;
}

void tcg_backend_free(TCGBackend *be)
{
    if (!be) {
        return;
    }
    tcg_codebuf_destroy(&be->cb);
    g_array_free(be->tbs, true);
    g_array_free(be->label_fix, true);
    g_array_free(be->label_pos, true);
    g_array_free(be->insn_off, true);
    g_array_free(be->insn_words, true);
    g_free(be->slot_of);
    g_free(be);
}

void tcg_backend_flush(TCGBackend *be)
{
    be->cb.used = be->reset_used;
    g_array_set_size(be->tbs, 0);
}

uint64_t tcg_backend_exec(TCGBackend *be, void *env, const void *code)
{
    uint64_t (*enter)(void *, const void *) = (uint64_t (*)(void *, const void *))
        (void *)be->prologue;
    return enter(env, code);
}

bool tcg_backend_buffer_full(const Error *err)
{
    return err && strstr(error_message(err), "code buffer full") != NULL;
}

/* ---- tcg_gen_code ---- */

static bool resolve_labels(Gen *g)
{
    TCGBackend *be = g->be;

    for (guint i = 0; i < be->label_fix->len; i++) {
        LabelFix *f = &g_array_index(be->label_fix, LabelFix, i);
        uint32_t pos = f->label < be->label_pos->len
                       ? g_array_index(be->label_pos, uint32_t, f->label) : 0;
        if (!pos) {
            gen_fail(g, "a branch to a label that is never placed", "");
            return false;
        }
        patch_rel32(g, f->disp_off, g->start + pos - 1);
    }
    return true;
}

/* Copy the fault map after the code; returns the TB or NULL if it does not fit. */
static TCGTB *finish_tb(Gen *g)
{
    TCGBackend *be = g->be;
    size_t code_size = (size_t)(g->p - g->start);
    unsigned n = be->insn_off->len, nw = g->s->insn_start_words;

    be->cb.used = (size_t)(g->p - be->cb.base);
    TCGTB *tb = tcg_codebuf_alloc(&be->cb, sizeof(*tb), 8);
    uint32_t *off = tb ? tcg_codebuf_alloc(&be->cb, n * 4 + 4, 4) : NULL;
    uint64_t *words = off ? tcg_codebuf_alloc(&be->cb, (size_t)n * nw * 8 + 8, 8) : NULL;
    if (!words) {
        return NULL;
    }
    if (n) {
        memcpy(off, be->insn_off->data, n * 4);
        memcpy(words, be->insn_words->data, (size_t)n * nw * 8);
    }
    *tb = (TCGTB){
        .code = g->start, .code_size = (uint32_t)code_size,
        .jmp_off = { g->jmp_off[0], g->jmp_off[1] },
        .ninsns = n, .nwords = nw, .insn_off = off, .insn_words = words,
    };
    g_array_append_val(be->tbs, tb);
    return tb;
}

static void gen_prepare(TCGBackend *be, TCGContext *s)
{
    if (be->slot_cap < s->nb_temps) {
        be->slot_cap = s->nb_temps * 2;
        be->slot_of = g_renew(uint32_t, be->slot_of, be->slot_cap);
    }
    memset(be->slot_of, 0, s->nb_temps * sizeof(uint32_t));
    g_array_set_size(be->label_fix, 0);
    g_array_set_size(be->label_pos, 0);
    g_array_set_size(be->insn_off, 0);
    g_array_set_size(be->insn_words, 0);
}

TCGTB *tcg_gen_code(TCGBackend *be, TCGContext *s, Error **errp)
{
    size_t saved_used = be->cb.used;
    Gen g = { .be = be, .s = s, .errp = errp, .jmp_off = { TCG_TB_NO_JMP, TCG_TB_NO_JMP } };

    if (!tcg_verify(s, errp)) {
        return NULL;
    }
    gen_prepare(be, s);
    g.start = g.p = tcg_codebuf_alloc(&be->cb, 0, 16);
    g.limit = be->cb.base + be->cb.size;
    for (TCGOp *op = s->first_op; op && !g.failed; op = op->next) {
        GenFn *fn = gen_table[op->opc];
        if (!fn) {
            gen_fail(&g, "the x86-64 backend cannot emit yet: ", tcg_op_defs[op->opc].name);
            break;
        }
        if (!g.start || g.limit - g.p < OP_MAX_BYTES) {
            gen_fail(&g, "code buffer full", "");
            break;
        }
        fn(&g, op, tcg_op_defs[op->opc].flags & TCG_OPF_64);
    }
    TCGTB *tb = NULL;
    if (!g.failed && resolve_labels(&g)) {
        tb = finish_tb(&g);
        if (!tb) {
            gen_fail(&g, "code buffer full", "");
        }
    }
    if (!tb) {
        be->cb.used = saved_used;
    }
    return tb;
}

/* ---- chaining and the fault map ---- */

bool tcg_tb_link(TCGTB *tb, unsigned slot, const void *target_code)
{
    if (slot > 1 || tb->jmp_off[slot] == TCG_TB_NO_JMP) {
        return false;
    }
    uint8_t *disp = tb->code + tb->jmp_off[slot];
    int64_t rel = (const uint8_t *)target_code - (disp + 4);
    if (rel != (int32_t)rel) {
        return false;
    }
    /* aligned 4-byte store: a thread running the code sees the old or the new jump */
    __atomic_store_n((int32_t *)(void *)disp, (int32_t)rel, __ATOMIC_RELEASE);
    return true;
}

void tcg_tb_unlink(TCGTB *tb, unsigned slot)
{
    if (slot <= 1 && tb->jmp_off[slot] != TCG_TB_NO_JMP) {
        __atomic_store_n((int32_t *)(void *)(tb->code + tb->jmp_off[slot]), 0,
                         __ATOMIC_RELEASE);
    }
}

TCGTB *tcg_backend_find_tb(TCGBackend *be, uintptr_t host_pc)
{
    guint lo = 0, hi = be->tbs->len;

    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        TCGTB *tb = g_array_index(be->tbs, TCGTB *, mid);
        if (host_pc < (uintptr_t)tb->code) {
            hi = mid;
        } else if (host_pc >= (uintptr_t)tb->code + tb->code_size) {
            lo = mid + 1;
        } else {
            return tb;
        }
    }
    return NULL;
}

bool tcg_tb_insn_data(const TCGTB *tb, uintptr_t host_pc, uint64_t *words)
{
    uintptr_t code = (uintptr_t)tb->code;

    if (host_pc < code || host_pc >= code + tb->code_size || !tb->ninsns) {
        return false;
    }
    uint32_t off = (uint32_t)(host_pc - code);
    if (off < tb->insn_off[0]) {
        return false;
    }
    /* the last insn whose code starts at or before off */
    uint32_t lo = 0, hi = tb->ninsns;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (tb->insn_off[mid] <= off) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    memcpy(words, tb->insn_words + (size_t)lo * tb->nwords, tb->nwords * 8);
    return true;
}
