/*
 * F and D: loads, stores and moves between register files are IR; everything
 * that rounds, compares or classifies is one call to riscv_fpu_op() with the
 * operation, format and static rounding mode packed in a constant.
 */
#include "config.h"
#include "targets/riscv/fpu_helper.h"
#include "targets/riscv/translate-internal.h"

#define BOX32 UINT64_C(0xffffffff00000000)

/* operand kinds in RVInsn.arg, above the RISCVFpOp */
enum {
    F_DBL = 1 << 8,     /* the D form */
    F_RM = 1 << 9,      /* funct3 is a rounding mode */
    F_XSRC = 1 << 10,   /* rs1 is an x register */
    F_XDST = 1 << 11,   /* rd is an x register */
    F_RS2 = 1 << 12,
    F_RS3 = 1 << 13,
};

/*
 * The rounding mode of an instruction: a static mode, or 7 (dynamic), in which
 * case the code checks frm at run time (frm 5..7 make the instruction illegal).
 * False for the reserved static modes 5 and 6.
 */
static bool gen_rm_check(DisasContext *c, uint32_t insn, unsigned *rm)
{
    TCGContext *s = c->s;
    TCGLabel *ok;
    TCGv_i32 frm;

    *rm = rv_f3(insn);
    if (*rm == 5 || *rm == 6) {
        return false;
    }
    if (*rm != RISCV_RM_DYN) {
        return true;
    }
    ok = tcg_label_new(s);
    frm = tcg_temp_new_i32(s);
    tcg_gen_ld_i32(s, frm, tcg_env(s), offsetof(CPURISCVState, frm));
    tcg_gen_brcondi_i32(s, TCG_COND_LTU, frm, RISCV_RM_RMM + 1, ok);
    rv_gen_exception(c, RISCV_EXCP_ILLEGAL_INST, insn);
    c->ended = false;       /* only the bad-frm path left */
    tcg_gen_set_label(s, ok);
    return true;
}

static bool trans_fp(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    TCGContext *s = c->s;
    const RISCVTranslator *tr = c->tr;
    unsigned rm = 0;
    TCGv_i64 a, b, cc, t = tcg_temp_new_i64(s);
    TCGv_i64 zero = tcg_constant_i64(s, 0);
    uint32_t desc;

    if ((d->arg & F_RM) && !gen_rm_check(c, insn, &rm)) {
        return false;
    }
    desc = RV_FDESC(d->arg & 0xff, (d->arg & F_DBL) != 0, rm);
    a = d->arg & F_XSRC ? rv_get_gpr(c, rv_rs1(insn)) : tr->fpr[rv_rs1(insn)];
    b = d->arg & F_RS2 ? tr->fpr[rv_rs2(insn)] : zero;
    cc = d->arg & F_RS3 ? tr->fpr[rv_rs3(insn)] : zero;
    {
        uint32_t args[5] = { tcg_env(s).idx, tcg_constant_i32(s, desc).idx, a.idx, b.idx,
                             cc.idx };
        tcg_gen_call(s, &rv_helper_fpu, t.idx, args, 5);
    }
    if (d->arg & F_XDST) {
        rv_set_gpr(c, rv_rd(insn), t);
    } else {
        tcg_gen_mov_i64(s, tr->fpr[rv_rd(insn)], t);
    }
    return true;
}

static bool trans_fload(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    TCGContext *s = c->s;
    TCGv_i64 addr = tcg_temp_new_i64(s), t = tcg_temp_new_i64(s);

    tcg_gen_addi_i64(s, addr, rv_get_gpr(c, rv_rs1(insn)), (uint64_t)rv_imm_i(insn));
    tcg_gen_qemu_ld_i64(s, t, addr, 0, (MemOp)d->arg);
    if ((d->arg & MO_SIZE) == MO_32) {
        tcg_gen_ori_i64(s, t, t, BOX32);
    }
    tcg_gen_mov_i64(s, c->tr->fpr[rv_rd(insn)], t);
    return true;
}

static bool trans_fstore(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    TCGContext *s = c->s;
    TCGv_i64 addr = tcg_temp_new_i64(s);

    tcg_gen_addi_i64(s, addr, rv_get_gpr(c, rv_rs1(insn)), (uint64_t)rv_imm_s(insn));
    tcg_gen_qemu_st_i64(s, c->tr->fpr[rv_rs2(insn)], addr, 0, (MemOp)d->arg);
    return true;
}

/* fmv.x.w / fmv.x.d / fmv.w.x / fmv.d.x: bit copies */
static bool trans_fmv(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    TCGContext *s = c->s;
    TCGv_i64 t = tcg_temp_new_i64(s);
    bool dbl = d->arg & F_DBL;

    if (d->arg & F_XDST) {
        if (dbl) {
            tcg_gen_mov_i64(s, t, c->tr->fpr[rv_rs1(insn)]);
        } else {
            tcg_gen_ext32s_i64(s, t, c->tr->fpr[rv_rs1(insn)]);
        }
        rv_set_gpr(c, rv_rd(insn), t);
    } else {
        if (dbl) {
            tcg_gen_mov_i64(s, t, rv_get_gpr(c, rv_rs1(insn)));
        } else {
            tcg_gen_ext32u_i64(s, t, rv_get_gpr(c, rv_rs1(insn)));
            tcg_gen_ori_i64(s, t, t, BOX32);
        }
        tcg_gen_mov_i64(s, c->tr->fpr[rv_rd(insn)], t);
    }
    return true;
}

#define OPC(i) (0x03 | (i) << 2)
#define NEED(dbl) ((dbl) ? RISCV_EXT_F | RISCV_EXT_D : RISCV_EXT_F)
#define F7(f7, dbl) ((uint32_t)((f7) | (dbl)) << 25)
enum { O_LOAD_FP = 1, O_STORE_FP = 9, O_MADD = 16, O_MSUB = 17, O_NMSUB = 18, O_NMADD = 19,
       O_OP_FP = 20 };

static const RVInsn load_fp_insns[] = {
    { .mask = 0x707f, .match = 2 << 12 | OPC(O_LOAD_FP), .need = NEED(0),
      .trans = trans_fload, .arg = MO_LEUL },
    { .mask = 0x707f, .match = 3 << 12 | OPC(O_LOAD_FP), .need = NEED(1),
      .trans = trans_fload, .arg = MO_LEUQ },
};

static const RVInsn store_fp_insns[] = {
    { .mask = 0x707f, .match = 2 << 12 | OPC(O_STORE_FP), .need = NEED(0),
      .trans = trans_fstore, .arg = MO_LEUL },
    { .mask = 0x707f, .match = 3 << 12 | OPC(O_STORE_FP), .need = NEED(1),
      .trans = trans_fstore, .arg = MO_LEUQ },
};

#define FMA(o, op) \
    { .mask = 0x0600007f, .match = OPC(o), .need = NEED(0), .trans = trans_fp, \
      .arg = (op) | F_RM | F_RS2 | F_RS3 }, \
    { .mask = 0x0600007f, .match = 1u << 25 | OPC(o), .need = NEED(1), .trans = trans_fp, \
      .arg = (op) | F_DBL | F_RM | F_RS2 | F_RS3 }
static const RVInsn madd_insns[] = { FMA(O_MADD, RV_FOP_MADD) };
static const RVInsn msub_insns[] = { FMA(O_MSUB, RV_FOP_MSUB) };
static const RVInsn nmsub_insns[] = { FMA(O_NMSUB, RV_FOP_NMSUB) };
static const RVInsn nmadd_insns[] = { FMA(O_NMADD, RV_FOP_NMADD) };

/* funct7 + rm: two-operand arithmetic */
#define ARITH(f7, op, dbl) \
    { .mask = 0xfe00007f, .match = F7(f7, dbl) | OPC(O_OP_FP), .need = NEED(dbl), \
      .trans = trans_fp, .arg = (op) | ((dbl) ? F_DBL : 0) | F_RM | F_RS2 }
/* funct7 + fixed funct3 (no rounding) */
#define FIXED(f7, f3, op, dbl, kinds) \
    { .mask = 0xfe00707f, .match = F7(f7, dbl) | (f3) << 12 | OPC(O_OP_FP), \
      .need = NEED(dbl), .trans = trans_fp, .arg = (op) | ((dbl) ? F_DBL : 0) | (kinds) }
/* funct7 + rs2 selector + rm */
#define UNARY(f7, rs2, op, dbl, kinds) \
    { .mask = 0xfff0007f, .match = F7(f7, dbl) | (rs2) << 20 | OPC(O_OP_FP), \
      .need = NEED(dbl), .trans = trans_fp, .arg = (op) | ((dbl) ? F_DBL : 0) | F_RM | (kinds) }
#define FMV(f7, dbl, kinds) \
    { .mask = 0xfff0707f, .match = F7(f7, dbl) | OPC(O_OP_FP), .need = NEED(dbl), \
      .trans = trans_fmv, .arg = ((dbl) ? F_DBL : 0) | (kinds) }
#define CLASS(dbl) \
    { .mask = 0xfff0707f, .match = F7(0x70, dbl) | 1 << 12 | OPC(O_OP_FP), .need = NEED(dbl), \
      .trans = trans_fp, .arg = RV_FOP_CLASS | ((dbl) ? F_DBL : 0) | F_XDST }

#define BOTH(M, ...) M(__VA_ARGS__, 0), M(__VA_ARGS__, 1)

static const RVInsn op_fp_insns[] = {
    BOTH(ARITH, 0x00, RV_FOP_ADD),
    BOTH(ARITH, 0x04, RV_FOP_SUB),
    BOTH(ARITH, 0x08, RV_FOP_MUL),
    BOTH(ARITH, 0x0c, RV_FOP_DIV),
    UNARY(0x2c, 0, RV_FOP_SQRT, 0, 0), UNARY(0x2c, 0, RV_FOP_SQRT, 1, 0),
    FIXED(0x10, 0, RV_FOP_SGNJ, 0, F_RS2), FIXED(0x10, 0, RV_FOP_SGNJ, 1, F_RS2),
    FIXED(0x10, 1, RV_FOP_SGNJN, 0, F_RS2), FIXED(0x10, 1, RV_FOP_SGNJN, 1, F_RS2),
    FIXED(0x10, 2, RV_FOP_SGNJX, 0, F_RS2), FIXED(0x10, 2, RV_FOP_SGNJX, 1, F_RS2),
    FIXED(0x14, 0, RV_FOP_MIN, 0, F_RS2), FIXED(0x14, 0, RV_FOP_MIN, 1, F_RS2),
    FIXED(0x14, 1, RV_FOP_MAX, 0, F_RS2), FIXED(0x14, 1, RV_FOP_MAX, 1, F_RS2),
    FIXED(0x50, 2, RV_FOP_EQ, 0, F_RS2 | F_XDST), FIXED(0x50, 2, RV_FOP_EQ, 1, F_RS2 | F_XDST),
    FIXED(0x50, 1, RV_FOP_LT, 0, F_RS2 | F_XDST), FIXED(0x50, 1, RV_FOP_LT, 1, F_RS2 | F_XDST),
    FIXED(0x50, 0, RV_FOP_LE, 0, F_RS2 | F_XDST), FIXED(0x50, 0, RV_FOP_LE, 1, F_RS2 | F_XDST),
    CLASS(0), CLASS(1),
    /* fcvt.s.d (fmt S, source D) and fcvt.d.s: TO_OTHER names the source format */
    { .mask = 0xfff0007f, .match = F7(0x20, 0) | 1 << 20 | OPC(O_OP_FP), .need = NEED(1),
      .trans = trans_fp, .arg = RV_FOP_TO_OTHER | F_DBL | F_RM },
    { .mask = 0xfff0007f, .match = F7(0x20, 1) | 0 << 20 | OPC(O_OP_FP), .need = NEED(1),
      .trans = trans_fp, .arg = RV_FOP_TO_OTHER | F_RM },
    UNARY(0x60, 0, RV_FOP_TO_W, 0, F_XDST), UNARY(0x60, 0, RV_FOP_TO_W, 1, F_XDST),
    UNARY(0x60, 1, RV_FOP_TO_WU, 0, F_XDST), UNARY(0x60, 1, RV_FOP_TO_WU, 1, F_XDST),
    UNARY(0x60, 2, RV_FOP_TO_L, 0, F_XDST), UNARY(0x60, 2, RV_FOP_TO_L, 1, F_XDST),
    UNARY(0x60, 3, RV_FOP_TO_LU, 0, F_XDST), UNARY(0x60, 3, RV_FOP_TO_LU, 1, F_XDST),
    UNARY(0x68, 0, RV_FOP_FROM_W, 0, F_XSRC), UNARY(0x68, 0, RV_FOP_FROM_W, 1, F_XSRC),
    UNARY(0x68, 1, RV_FOP_FROM_WU, 0, F_XSRC), UNARY(0x68, 1, RV_FOP_FROM_WU, 1, F_XSRC),
    UNARY(0x68, 2, RV_FOP_FROM_L, 0, F_XSRC), UNARY(0x68, 2, RV_FOP_FROM_L, 1, F_XSRC),
    UNARY(0x68, 3, RV_FOP_FROM_LU, 0, F_XSRC), UNARY(0x68, 3, RV_FOP_FROM_LU, 1, F_XSRC),
    FMV(0x70, 0, F_XDST), FMV(0x70, 1, F_XDST),
    FMV(0x78, 0, 0), FMV(0x78, 1, 0),
};

const RVInsnTable rv_fp_tables[32] = {
    [O_LOAD_FP] = RV_TABLE(load_fp_insns),
    [O_STORE_FP] = RV_TABLE(store_fp_insns),
    [O_MADD] = RV_TABLE(madd_insns),
    [O_MSUB] = RV_TABLE(msub_insns),
    [O_NMSUB] = RV_TABLE(nmsub_insns),
    [O_NMADD] = RV_TABLE(nmadd_insns),
    [O_OP_FP] = RV_TABLE(op_fp_insns),
};
