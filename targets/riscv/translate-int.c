/*
 * The integer instructions: RV64I, M, A, Zicsr, Zifencei and the bit-manipulation
 * extensions Zba/Zbb/Zbc/Zbs, as pattern tables per major opcode. Most entries are
 * one generic handler (register-register, register-immediate, unary) plus the IR
 * op that does the work and flags for the 32-bit "W" forms.
 */
#include "config.h"
#include "targets/riscv/translate-internal.h"

/* operand and result adjustments of the generic handlers */
enum {
    IN1_S32 = 1 << 0,   /* rs1 sign-extended from 32 bits */
    IN1_U32 = 1 << 1,   /* rs1 zero-extended from 32 bits */
    IN2_S32 = 1 << 2,
    IN2_U32 = 1 << 3,
    CNT31 = 1 << 4,     /* the second operand is a 5-bit shift count */
    OUT_S32 = 1 << 5,   /* the result is sign-extended from 32 bits */
    IMM_SH = 1 << 6,    /* the immediate is a shift amount: low 6 bits */
};

static TCGv_i64 adjust(DisasContext *c, TCGv_i64 v, int s32, int u32, int flags)
{
    TCGv_i64 t;

    if (!(flags & (s32 | u32))) {
        return v;
    }
    t = tcg_temp_new_i64(c->s);
    if (flags & s32) {
        tcg_gen_ext32s_i64(c->s, t, v);
    } else {
        tcg_gen_ext32u_i64(c->s, t, v);
    }
    return t;
}

static void finish(DisasContext *c, unsigned rd, TCGv_i64 t, int flags)
{
    if (flags & OUT_S32) {
        tcg_gen_ext32s_i64(c->s, t, t);
    }
    rv_set_gpr(c, rd, t);
}

static bool gen_binary(DisasContext *c, const RVInsn *d, uint32_t insn, TCGv_i64 b)
{
    TCGv_i64 a = adjust(c, rv_get_gpr(c, rv_rs1(insn)), IN1_S32, IN1_U32, d->arg);
    TCGv_i64 t = tcg_temp_new_i64(c->s);

    b = adjust(c, b, IN2_S32, IN2_U32, d->arg);
    if (d->arg & CNT31) {
        TCGv_i64 m = tcg_temp_new_i64(c->s);
        tcg_gen_andi_i64(c->s, m, b, 31);
        b = m;
    }
    d->bin(c->s, t, a, b);
    finish(c, rv_rd(insn), t, d->arg);
    return true;
}

static bool trans_r(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    return gen_binary(c, d, insn, rv_get_gpr(c, rv_rs2(insn)));
}

static bool trans_i(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    int64_t imm = rv_imm_i(insn);

    if (d->arg & IMM_SH) {
        imm &= 63;
    }
    return gen_binary(c, d, insn, tcg_constant_i64(c->s, (uint64_t)imm));
}

static bool trans_un(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    TCGv_i64 a = adjust(c, rv_get_gpr(c, rv_rs1(insn)), IN1_S32, IN1_U32, d->arg);
    TCGv_i64 t = tcg_temp_new_i64(c->s);

    d->un(c->s, t, a);
    finish(c, rv_rd(insn), t, d->arg);
    return true;
}

/* ---- IR sequences the tables point to ---- */

static void gen_slt(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ tcg_gen_setcond_i64(s, TCG_COND_LT, r, a, b); }
static void gen_sltu(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ tcg_gen_setcond_i64(s, TCG_COND_LTU, r, a, b); }
static void gen_min(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ tcg_gen_movcond_i64(s, TCG_COND_LT, r, a, b, a, b); }
static void gen_max(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ tcg_gen_movcond_i64(s, TCG_COND_GT, r, a, b, a, b); }
static void gen_minu(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ tcg_gen_movcond_i64(s, TCG_COND_LTU, r, a, b, a, b); }
static void gen_maxu(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ tcg_gen_movcond_i64(s, TCG_COND_GTU, r, a, b, a, b); }

static void gen_shadd(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b, unsigned n)
{
    TCGv_i64 t = tcg_temp_new_i64(s);
    tcg_gen_shli_i64(s, t, a, n);
    tcg_gen_add_i64(s, r, t, b);
}
static void gen_sh1add(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ gen_shadd(s, r, a, b, 1); }
static void gen_sh2add(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ gen_shadd(s, r, a, b, 2); }
static void gen_sh3add(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ gen_shadd(s, r, a, b, 3); }

static TCGv_i64 bit_of(TCGContext *s, TCGv_i64 n)
{
    TCGv_i64 t = tcg_temp_new_i64(s);
    tcg_gen_shl_i64(s, t, tcg_constant_i64(s, 1), n);     /* the count is taken mod 64 */
    return t;
}
static void gen_bset(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ tcg_gen_or_i64(s, r, a, bit_of(s, b)); }
static void gen_bclr(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ tcg_gen_andc_i64(s, r, a, bit_of(s, b)); }
static void gen_binv(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ tcg_gen_xor_i64(s, r, a, bit_of(s, b)); }
static void gen_bext(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{
    tcg_gen_shr_i64(s, r, a, b);
    tcg_gen_andi_i64(s, r, r, 1);
}

/* 32-bit rotates: on i32 values, result sign-extended */
static void gen_rot32(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b, bool left)
{
    TCGv_i32 x = tcg_temp_new_i32(s), n = tcg_temp_new_i32(s);
    tcg_gen_extrl_i64_i32(s, x, a);
    tcg_gen_extrl_i64_i32(s, n, b);
    if (left) {
        tcg_gen_rotl_i32(s, x, x, n);
    } else {
        tcg_gen_rotr_i32(s, x, x, n);
    }
    tcg_gen_ext_i32_i64(s, r, x);
}
static void gen_rolw(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ gen_rot32(s, r, a, b, true); }
static void gen_rorw(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ gen_rot32(s, r, a, b, false); }

static void gen_call2(TCGContext *s, const TCGHelperInfo *h, TCGv_i64 r, TCGv_i64 a,
                      TCGv_i64 b)
{
    uint32_t args[2] = { a.idx, b.idx };
    tcg_gen_call(s, h, r.idx, args, 2);
}
static void gen_clmul(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ gen_call2(s, &rv_helper_clmul, r, a, b); }
static void gen_clmulh(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ gen_call2(s, &rv_helper_clmulh, r, a, b); }
static void gen_clmulr(TCGContext *s, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b)
{ gen_call2(s, &rv_helper_clmulr, r, a, b); }

static void gen_clz(TCGContext *s, TCGv_i64 r, TCGv_i64 a)
{ tcg_gen_clz_i64(s, r, a, tcg_constant_i64(s, 64)); }
static void gen_ctz(TCGContext *s, TCGv_i64 r, TCGv_i64 a)
{ tcg_gen_ctz_i64(s, r, a, tcg_constant_i64(s, 64)); }
static void gen_clzw(TCGContext *s, TCGv_i64 r, TCGv_i64 a)
{
    TCGv_i32 x = tcg_temp_new_i32(s);
    tcg_gen_extrl_i64_i32(s, x, a);
    tcg_gen_clz_i32(s, x, x, tcg_constant_i32(s, 32));
    tcg_gen_extu_i32_i64(s, r, x);
}
static void gen_ctzw(TCGContext *s, TCGv_i64 r, TCGv_i64 a)
{
    TCGv_i32 x = tcg_temp_new_i32(s);
    tcg_gen_extrl_i64_i32(s, x, a);
    tcg_gen_ctz_i32(s, x, x, tcg_constant_i32(s, 32));
    tcg_gen_extu_i32_i64(s, r, x);
}
static void gen_orc_b(TCGContext *s, TCGv_i64 r, TCGv_i64 a)
{
    tcg_gen_call(s, &rv_helper_orc_b, r.idx, &a.idx, 1);
}

/* ---- loads, stores, control transfer ---- */

static TCGv_i64 address(DisasContext *c, unsigned rs1, int64_t imm)
{
    TCGv_i64 t = tcg_temp_new_i64(c->s);
    tcg_gen_addi_i64(c->s, t, rv_get_gpr(c, rs1), (uint64_t)imm);
    return t;
}

static bool trans_load(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    TCGv_i64 t = tcg_temp_new_i64(c->s);

    tcg_gen_qemu_ld_i64(c->s, t, address(c, rv_rs1(insn), rv_imm_i(insn)), 0, (MemOp)d->arg);
    rv_set_gpr(c, rv_rd(insn), t);
    return true;
}

static bool trans_store(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    tcg_gen_qemu_st_i64(c->s, rv_get_gpr(c, rv_rs2(insn)),
                        address(c, rv_rs1(insn), rv_imm_s(insn)), 0, (MemOp)d->arg);
    return true;
}

static bool trans_lui(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    int64_t imm = (int32_t)(insn & 0xfffff000u);

    rv_set_gpr(c, rv_rd(insn), tcg_constant_i64(c->s, (uint64_t)imm + (d->arg ? c->pc : 0)));
    return true;
}

/* Jump targets must be 4-byte aligned without C (the ISA's misaligned-fetch rule). */
static bool target_misaligned(DisasContext *c, uint64_t target)
{
    return !(c->ext & RISCV_EXT_C) && (target & 3);
}

static bool trans_jal(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    int64_t imm = (int64_t)((int32_t)insn >> 31) * (1 << 20) |
                  ((insn >> 21) & 0x3ff) << 1 | ((insn >> 20) & 1) << 11 |
                  ((insn >> 12) & 0xff) << 12;
    uint64_t target = c->pc + (uint64_t)imm;

    (void)d;
    if (target_misaligned(c, target)) {
        rv_gen_exception(c, RISCV_EXCP_INST_ADDR_MIS, target);
        return true;
    }
    rv_set_gpr(c, rv_rd(insn), tcg_constant_i64(c->s, c->next_pc));
    rv_gen_goto(c, 0, target);
    return true;
}

static void gen_exception_tv(DisasContext *c, uint32_t cause, TCGv_i64 tval)
{
    TCGContext *s = c->s;

    tcg_gen_st_i32(s, tcg_constant_i32(s, cause), tcg_env(s),
                   offsetof(CPURISCVState, exception));
    tcg_gen_st_i64(s, tval, tcg_env(s), offsetof(CPURISCVState, tval));
    tcg_gen_movi_i64(s, c->tr->pc, c->pc);
    tcg_gen_exit_tb(s, RISCV_EXIT_EXCEPTION);
}

static bool trans_jalr(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    TCGContext *s = c->s;
    TCGv_i64 t = tcg_temp_local_new_i64(s);

    (void)d;
    tcg_gen_addi_i64(s, t, rv_get_gpr(c, rv_rs1(insn)), (uint64_t)rv_imm_i(insn));
    tcg_gen_andi_i64(s, t, t, ~(uint64_t)1);
    if (!(c->ext & RISCV_EXT_C)) {
        TCGLabel *ok = tcg_label_new(s);
        tcg_gen_brcondi_i64(s, TCG_COND_TSTEQ, t, 2, ok);
        gen_exception_tv(c, RISCV_EXCP_INST_ADDR_MIS, t);
        tcg_gen_set_label(s, ok);
    }
    rv_set_gpr(c, rv_rd(insn), tcg_constant_i64(s, c->next_pc));
    tcg_gen_mov_i64(s, c->tr->pc, t);
    rv_gen_lookup_and_goto(c);
    return true;
}

static bool trans_branch(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    int64_t imm = (int64_t)((int32_t)insn >> 31) * (1 << 12) |
                  ((insn >> 25) & 0x3f) << 5 | ((insn >> 8) & 15) << 1 | ((insn >> 7) & 1) << 11;
    uint64_t target = c->pc + (uint64_t)imm;
    TCGLabel *taken = tcg_label_new(c->s);

    tcg_gen_brcond_i64(c->s, (TCGCond)d->arg, rv_get_gpr(c, rv_rs1(insn)),
                       rv_get_gpr(c, rv_rs2(insn)), taken);
    rv_gen_goto(c, 0, c->next_pc);
    tcg_gen_set_label(c->s, taken);
    if (target_misaligned(c, target)) {
        rv_gen_exception(c, RISCV_EXCP_INST_ADDR_MIS, target);
    } else {
        rv_gen_goto(c, 1, target);
    }
    return true;
}

/* ---- fences and system ---- */

static bool trans_fence(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    (void)d, (void)insn;
    tcg_gen_mb(c->s, TCG_MO_ALL);
    return true;
}

static bool trans_fence_i(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    (void)d, (void)insn;
    tcg_gen_movi_i64(c->s, c->tr->pc, c->next_pc);
    tcg_gen_exit_tb(c->s, RISCV_EXIT_FENCE_I);
    c->ended = true;
    return true;
}

static bool trans_trap(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    (void)insn;
    rv_gen_exception(c, (uint32_t)d->arg, 0);
    return true;
}

static bool trans_csr(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    TCGContext *s = c->s;
    unsigned csr = insn >> 20, f3 = rv_f3(insn), src = rv_rs1(insn);
    bool writable, writes = (f3 & 3) == 1 || src != 0;
    TCGv_i64 v, wval, wmask, old;

    (void)d;
    if (!rv_csr_exists(csr, c->ext, &writable) || (writes && !writable)) {
        return false;
    }
    v = f3 & 4 ? tcg_constant_i64(s, src) : rv_get_gpr(c, src);
    if (!writes) {
        wval = wmask = tcg_constant_i64(s, 0);
    } else if ((f3 & 3) == 1) {
        wval = v;
        wmask = tcg_constant_i64(s, UINT64_MAX);
    } else {
        wval = tcg_constant_i64(s, (f3 & 3) == 2 ? UINT64_MAX : 0);
        wmask = v;
    }
    old = tcg_temp_new_i64(s);
    {
        uint32_t args[4] = { tcg_env(s).idx, tcg_constant_i32(s, csr).idx, wval.idx, wmask.idx };
        tcg_gen_call(s, &rv_helper_csr, old.idx, args, 4);
    }
    rv_set_gpr(c, rv_rd(insn), old);
    return true;
}

/* ---- A: LR/SC and AMOs ---- */

typedef void (*RVAmoFn)(TCGContext *s, TCGv_i64 r, TCGv_i64 addr, TCGv_i64 val,
                        unsigned idx, MemOp op);

static const RVAmoFn amo_fns[] = {
    tcg_gen_atomic_xchg_i64, tcg_gen_atomic_fetch_add_i64, tcg_gen_atomic_fetch_xor_i64,
    tcg_gen_atomic_fetch_and_i64, tcg_gen_atomic_fetch_or_i64,
    tcg_gen_atomic_fetch_smin_i64, tcg_gen_atomic_fetch_smax_i64,
    tcg_gen_atomic_fetch_umin_i64, tcg_gen_atomic_fetch_umax_i64,
};

static MemOp amo_memop(uint32_t insn)
{
    return (rv_f3(insn) == 2 ? MO_LESL : MO_LEUQ) | MO_ALIGN;
}

static void amo_barrier(DisasContext *c, uint32_t insn, unsigned bit)
{
    if (insn & (1u << bit)) {
        tcg_gen_mb(c->s, TCG_MO_ALL);
    }
}

static bool trans_amo(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    TCGv_i64 t = tcg_temp_new_i64(c->s);

    amo_barrier(c, insn, 25);
    amo_fns[d->arg](c->s, t, rv_get_gpr(c, rv_rs1(insn)), rv_get_gpr(c, rv_rs2(insn)), 0,
                    amo_memop(insn));
    amo_barrier(c, insn, 26);
    rv_set_gpr(c, rv_rd(insn), t);
    return true;
}

static bool trans_lr(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    TCGContext *s = c->s;
    TCGv_i64 addr = tcg_temp_new_i64(s), t = tcg_temp_new_i64(s);

    (void)d;
    amo_barrier(c, insn, 25);
    tcg_gen_mov_i64(s, addr, rv_get_gpr(c, rv_rs1(insn)));
    tcg_gen_qemu_ld_i64(s, t, addr, 0, amo_memop(insn));
    amo_barrier(c, insn, 26);
    tcg_gen_mov_i64(s, c->tr->load_res, addr);
    tcg_gen_mov_i64(s, c->tr->load_val, t);
    rv_set_gpr(c, rv_rd(insn), t);
    return true;
}

/*
 * SC succeeds when the reservation is for this address and memory still holds
 * the value LR read (a compare-and-swap: the usual user-mode approximation of a
 * reservation, which cannot see an ABA write of the same value).
 */
static bool trans_sc(DisasContext *c, const RVInsn *d, uint32_t insn)
{
    TCGContext *s = c->s;
    TCGv_i64 addr = tcg_temp_local_new_i64(s), res = tcg_temp_local_new_i64(s);
    TCGv_i64 old = tcg_temp_new_i64(s);
    TCGLabel *fail = tcg_label_new(s), *done = tcg_label_new(s);

    (void)d;
    amo_barrier(c, insn, 25);
    tcg_gen_mov_i64(s, addr, rv_get_gpr(c, rv_rs1(insn)));
    tcg_gen_brcond_i64(s, TCG_COND_NE, addr, c->tr->load_res, fail);
    tcg_gen_atomic_cmpxchg_i64(s, old, addr, c->tr->load_val, rv_get_gpr(c, rv_rs2(insn)), 0,
                               amo_memop(insn));
    tcg_gen_setcond_i64(s, TCG_COND_NE, res, old, c->tr->load_val);
    tcg_gen_br(s, done);
    tcg_gen_set_label(s, fail);
    tcg_gen_movi_i64(s, res, 1);
    tcg_gen_set_label(s, done);
    amo_barrier(c, insn, 26);
    tcg_gen_movi_i64(s, c->tr->load_res, UINT64_MAX);
    rv_set_gpr(c, rv_rd(insn), res);
    return true;
}

/* ---- the tables ---- */

#define OPC(i) (0x03 | (i) << 2)
#define M_R 0xfe00707fu         /* funct7, funct3, opcode */
#define M_I 0x0000707fu         /* funct3, opcode */
#define M_SH6 0xfc00707fu       /* funct6, funct3, opcode */
#define M_UN 0xfff0707fu        /* imm12, funct3, opcode */
#define RM(f7, f3, o) ((uint32_t)(f7) << 25 | (f3) << 12 | OPC(o))
#define IM(f3, o) ((f3) << 12 | OPC(o))
#define SHM(f6, f3, o) ((uint32_t)(f6) << 26 | (f3) << 12 | OPC(o))
#define UNM(imm, f3, o) ((uint32_t)(imm) << 20 | (f3) << 12 | OPC(o))

#define R(f7, f3, o, need_, fn, fl) \
    { .mask = M_R, .match = RM(f7, f3, o), .need = need_, .trans = trans_r, .bin = fn, .arg = fl }
#define I(f3, o, need_, fn, fl) \
    { .mask = M_I, .match = IM(f3, o), .need = need_, .trans = trans_i, .bin = fn, .arg = fl }
#define SH(f6, f3, o, need_, fn, fl) \
    { .mask = M_SH6, .match = SHM(f6, f3, o), .need = need_, .trans = trans_i, .bin = fn, \
      .arg = (fl) | IMM_SH }
#define SHW(f7, f3, o, need_, fn, fl) \
    { .mask = M_R, .match = RM(f7, f3, o), .need = need_, .trans = trans_i, .bin = fn, \
      .arg = (fl) | IMM_SH }
#define UN(imm, f3, o, need_, fn, fl) \
    { .mask = M_UN, .match = UNM(imm, f3, o), .need = need_, .trans = trans_un, .un = fn, \
      .arg = fl }

enum { O_LOAD = 0, O_MISC_MEM = 3, O_OP_IMM = 4, O_AUIPC = 5, O_OP_IMM_32 = 6, O_STORE = 8,
       O_AMO = 11, O_OP = 12, O_LUI = 13, O_OP_32 = 14, O_BRANCH = 24, O_JALR = 25,
       O_JAL = 27, O_SYSTEM = 28 };

#define ZBA RISCV_EXT_ZBA
#define ZBB RISCV_EXT_ZBB
#define ZBC RISCV_EXT_ZBC
#define ZBS RISCV_EXT_ZBS
#define EXT_M RISCV_EXT_M

static const RVInsn load_insns[] = {
#define LD(f3, mo) { .mask = M_I, .match = IM(f3, O_LOAD), .trans = trans_load, .arg = mo }
    LD(0, MO_SB), LD(1, MO_LESW), LD(2, MO_LESL), LD(3, MO_LEUQ),
    LD(4, MO_UB), LD(5, MO_LEUW), LD(6, MO_LEUL),
#undef LD
};

static const RVInsn store_insns[] = {
#define ST(f3, mo) { .mask = M_I, .match = IM(f3, O_STORE), .trans = trans_store, .arg = mo }
    ST(0, MO_UB), ST(1, MO_LEUW), ST(2, MO_LEUL), ST(3, MO_LEUQ),
#undef ST
};

static const RVInsn op_imm_insns[] = {
    I(0, O_OP_IMM, 0, tcg_gen_add_i64, 0),
    I(2, O_OP_IMM, 0, gen_slt, 0),
    I(3, O_OP_IMM, 0, gen_sltu, 0),
    I(4, O_OP_IMM, 0, tcg_gen_xor_i64, 0),
    I(6, O_OP_IMM, 0, tcg_gen_or_i64, 0),
    I(7, O_OP_IMM, 0, tcg_gen_and_i64, 0),
    SH(0x00, 1, O_OP_IMM, 0, tcg_gen_shl_i64, 0),
    SH(0x00, 5, O_OP_IMM, 0, tcg_gen_shr_i64, 0),
    SH(0x10, 5, O_OP_IMM, 0, tcg_gen_sar_i64, 0),
    UN(0x600, 1, O_OP_IMM, ZBB, gen_clz, 0),
    UN(0x601, 1, O_OP_IMM, ZBB, gen_ctz, 0),
    UN(0x602, 1, O_OP_IMM, ZBB, tcg_gen_ctpop_i64, 0),
    UN(0x604, 1, O_OP_IMM, ZBB, tcg_gen_ext8s_i64, 0),
    UN(0x605, 1, O_OP_IMM, ZBB, tcg_gen_ext16s_i64, 0),
    UN(0x287, 5, O_OP_IMM, ZBB, gen_orc_b, 0),
    UN(0x6b8, 5, O_OP_IMM, ZBB, tcg_gen_bswap64_i64, 0),
    SH(0x18, 5, O_OP_IMM, ZBB, tcg_gen_rotr_i64, 0),
    SH(0x12, 1, O_OP_IMM, ZBS, gen_bclr, 0),
    SH(0x12, 5, O_OP_IMM, ZBS, gen_bext, 0),
    SH(0x1a, 1, O_OP_IMM, ZBS, gen_binv, 0),
    SH(0x0a, 1, O_OP_IMM, ZBS, gen_bset, 0),
};

static const RVInsn op_imm_32_insns[] = {
    I(0, O_OP_IMM_32, 0, tcg_gen_add_i64, OUT_S32),
    SHW(0x00, 1, O_OP_IMM_32, 0, tcg_gen_shl_i64, OUT_S32),
    SHW(0x00, 5, O_OP_IMM_32, 0, tcg_gen_shr_i64, IN1_U32 | OUT_S32),
    SHW(0x20, 5, O_OP_IMM_32, 0, tcg_gen_sar_i64, IN1_S32),
    SH(0x02, 1, O_OP_IMM_32, ZBA, tcg_gen_shl_i64, IN1_U32),          /* slli.uw */
    UN(0x600, 1, O_OP_IMM_32, ZBB, gen_clzw, 0),
    UN(0x601, 1, O_OP_IMM_32, ZBB, gen_ctzw, 0),
    UN(0x602, 1, O_OP_IMM_32, ZBB, tcg_gen_ctpop_i64, IN1_U32),
    SHW(0x30, 5, O_OP_IMM_32, ZBB, gen_rorw, 0),
};

static const RVInsn op_insns[] = {
    R(0x00, 0, O_OP, 0, tcg_gen_add_i64, 0),
    R(0x20, 0, O_OP, 0, tcg_gen_sub_i64, 0),
    R(0x00, 1, O_OP, 0, tcg_gen_shl_i64, 0),
    R(0x00, 2, O_OP, 0, gen_slt, 0),
    R(0x00, 3, O_OP, 0, gen_sltu, 0),
    R(0x00, 4, O_OP, 0, tcg_gen_xor_i64, 0),
    R(0x00, 5, O_OP, 0, tcg_gen_shr_i64, 0),
    R(0x20, 5, O_OP, 0, tcg_gen_sar_i64, 0),
    R(0x00, 6, O_OP, 0, tcg_gen_or_i64, 0),
    R(0x00, 7, O_OP, 0, tcg_gen_and_i64, 0),
    R(0x01, 0, O_OP, EXT_M, tcg_gen_mul_i64, 0),
    R(0x01, 1, O_OP, EXT_M, tcg_gen_mulsh_i64, 0),
    R(0x01, 2, O_OP, EXT_M, tcg_gen_mulsuh_i64, 0),
    R(0x01, 3, O_OP, EXT_M, tcg_gen_muluh_i64, 0),
    R(0x01, 4, O_OP, EXT_M, tcg_gen_div_i64, 0),
    R(0x01, 5, O_OP, EXT_M, tcg_gen_divu_i64, 0),
    R(0x01, 6, O_OP, EXT_M, tcg_gen_rem_i64, 0),
    R(0x01, 7, O_OP, EXT_M, tcg_gen_remu_i64, 0),
    R(0x10, 2, O_OP, ZBA, gen_sh1add, 0),
    R(0x10, 4, O_OP, ZBA, gen_sh2add, 0),
    R(0x10, 6, O_OP, ZBA, gen_sh3add, 0),
    R(0x20, 7, O_OP, ZBB, tcg_gen_andc_i64, 0),
    R(0x20, 6, O_OP, ZBB, tcg_gen_orc_i64, 0),
    R(0x20, 4, O_OP, ZBB, tcg_gen_eqv_i64, 0),
    R(0x05, 4, O_OP, ZBB, gen_min, 0),
    R(0x05, 5, O_OP, ZBB, gen_minu, 0),
    R(0x05, 6, O_OP, ZBB, gen_max, 0),
    R(0x05, 7, O_OP, ZBB, gen_maxu, 0),
    R(0x30, 1, O_OP, ZBB, tcg_gen_rotl_i64, 0),
    R(0x30, 5, O_OP, ZBB, tcg_gen_rotr_i64, 0),
    R(0x05, 1, O_OP, ZBC, gen_clmul, 0),
    R(0x05, 3, O_OP, ZBC, gen_clmulh, 0),
    R(0x05, 2, O_OP, ZBC, gen_clmulr, 0),
    R(0x24, 1, O_OP, ZBS, gen_bclr, 0),
    R(0x24, 5, O_OP, ZBS, gen_bext, 0),
    R(0x34, 1, O_OP, ZBS, gen_binv, 0),
    R(0x14, 1, O_OP, ZBS, gen_bset, 0),
};

static const RVInsn op_32_insns[] = {
    R(0x00, 0, O_OP_32, 0, tcg_gen_add_i64, OUT_S32),
    R(0x20, 0, O_OP_32, 0, tcg_gen_sub_i64, OUT_S32),
    R(0x00, 1, O_OP_32, 0, tcg_gen_shl_i64, CNT31 | OUT_S32),
    R(0x00, 5, O_OP_32, 0, tcg_gen_shr_i64, IN1_U32 | CNT31 | OUT_S32),
    R(0x20, 5, O_OP_32, 0, tcg_gen_sar_i64, IN1_S32 | CNT31),
    R(0x01, 0, O_OP_32, EXT_M, tcg_gen_mul_i64, OUT_S32),
    R(0x01, 4, O_OP_32, EXT_M, tcg_gen_div_i64, IN1_S32 | IN2_S32 | OUT_S32),
    R(0x01, 5, O_OP_32, EXT_M, tcg_gen_divu_i64, IN1_U32 | IN2_U32 | OUT_S32),
    R(0x01, 6, O_OP_32, EXT_M, tcg_gen_rem_i64, IN1_S32 | IN2_S32 | OUT_S32),
    R(0x01, 7, O_OP_32, EXT_M, tcg_gen_remu_i64, IN1_U32 | IN2_U32 | OUT_S32),
    R(0x04, 0, O_OP_32, ZBA, tcg_gen_add_i64, IN1_U32),                /* add.uw */
    R(0x10, 2, O_OP_32, ZBA, gen_sh1add, IN1_U32),
    R(0x10, 4, O_OP_32, ZBA, gen_sh2add, IN1_U32),
    R(0x10, 6, O_OP_32, ZBA, gen_sh3add, IN1_U32),
    UN(0x080, 4, O_OP_32, ZBB, tcg_gen_ext16u_i64, 0),                /* zext.h */
    R(0x30, 1, O_OP_32, ZBB, gen_rolw, 0),
    R(0x30, 5, O_OP_32, ZBB, gen_rorw, 0),
};

static const RVInsn lui_insns[] = {
    { .mask = 0x7f, .match = OPC(O_LUI), .trans = trans_lui, .arg = 0 },
};
static const RVInsn auipc_insns[] = {
    { .mask = 0x7f, .match = OPC(O_AUIPC), .trans = trans_lui, .arg = 1 },
};
static const RVInsn jal_insns[] = {
    { .mask = 0x7f, .match = OPC(O_JAL), .trans = trans_jal },
};
static const RVInsn jalr_insns[] = {
    { .mask = M_I, .match = IM(0, O_JALR), .trans = trans_jalr },
};

static const RVInsn branch_insns[] = {
#define BR(f3, cond) { .mask = M_I, .match = IM(f3, O_BRANCH), .trans = trans_branch, .arg = cond }
    BR(0, TCG_COND_EQ), BR(1, TCG_COND_NE), BR(4, TCG_COND_LT), BR(5, TCG_COND_GE),
    BR(6, TCG_COND_LTU), BR(7, TCG_COND_GEU),
#undef BR
};

static const RVInsn misc_mem_insns[] = {
    { .mask = M_I, .match = IM(0, O_MISC_MEM), .trans = trans_fence },
    { .mask = M_I, .match = IM(1, O_MISC_MEM), .need = RISCV_EXT_ZIFENCEI,
      .trans = trans_fence_i },
};

static const RVInsn system_insns[] = {
    { .mask = 0xffffffff, .match = 0x00000073, .trans = trans_trap, .arg = RISCV_EXCP_U_ECALL },
    { .mask = 0xffffffff, .match = 0x00100073, .trans = trans_trap,
      .arg = RISCV_EXCP_BREAKPOINT },
#define CSR(f3) { .mask = M_I, .match = IM(f3, O_SYSTEM), .need = RISCV_EXT_ZICSR, \
                  .trans = trans_csr }
    CSR(1), CSR(2), CSR(3), CSR(5), CSR(6), CSR(7),
#undef CSR
};

static const RVInsn amo_insns[] = {
#define AMO(f5, f3, fn) { .mask = 0xf800707f, .match = (uint32_t)(f5) << 27 | IM(f3, O_AMO), \
                          .need = RISCV_EXT_A, .trans = trans_amo, .arg = fn }
#define AMO2(f5, fn) AMO(f5, 2, fn), AMO(f5, 3, fn)
    { .mask = 0xf9f0707f, .match = 2u << 27 | IM(2, O_AMO), .need = RISCV_EXT_A,
      .trans = trans_lr },
    { .mask = 0xf9f0707f, .match = 2u << 27 | IM(3, O_AMO), .need = RISCV_EXT_A,
      .trans = trans_lr },
    { .mask = 0xf800707f, .match = 3u << 27 | IM(2, O_AMO), .need = RISCV_EXT_A,
      .trans = trans_sc },
    { .mask = 0xf800707f, .match = 3u << 27 | IM(3, O_AMO), .need = RISCV_EXT_A,
      .trans = trans_sc },
    AMO2(0x01, 0), AMO2(0x00, 1), AMO2(0x04, 2), AMO2(0x0c, 3), AMO2(0x08, 4),
    AMO2(0x10, 5), AMO2(0x14, 6), AMO2(0x18, 7), AMO2(0x1c, 8),
#undef AMO2
#undef AMO
};

const RVInsnTable rv_int_tables[32] = {
    [O_LOAD] = RV_TABLE(load_insns),
    [O_MISC_MEM] = RV_TABLE(misc_mem_insns),
    [O_OP_IMM] = RV_TABLE(op_imm_insns),
    [O_AUIPC] = RV_TABLE(auipc_insns),
    [O_OP_IMM_32] = RV_TABLE(op_imm_32_insns),
    [O_STORE] = RV_TABLE(store_insns),
    [O_AMO] = RV_TABLE(amo_insns),
    [O_OP] = RV_TABLE(op_insns),
    [O_LUI] = RV_TABLE(lui_insns),
    [O_OP_32] = RV_TABLE(op_32_insns),
    [O_BRANCH] = RV_TABLE(branch_insns),
    [O_JALR] = RV_TABLE(jalr_insns),
    [O_JAL] = RV_TABLE(jal_insns),
    [O_SYSTEM] = RV_TABLE(system_insns),
};
