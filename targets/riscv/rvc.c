/*
 * The C extension: every RV64C instruction is expanded to the 32-bit instruction
 * it stands for, so the translator has one decoder and C forms can never differ
 * from their base forms.
 */
#include "config.h"
#include "targets/riscv/translate.h"

#define OPC_LOAD    0x03
#define OPC_LOADFP  0x07
#define OPC_OPIMM   0x13
#define OPC_OPIMM32 0x1b
#define OPC_STORE   0x23
#define OPC_STOREFP 0x27
#define OPC_OP      0x33
#define OPC_LUI     0x37
#define OPC_OP32    0x3b
#define OPC_BRANCH  0x63
#define OPC_JALR    0x67
#define OPC_JAL     0x6f
#define OPC_SYSTEM  0x73

static inline uint32_t bits(uint32_t x, unsigned hi, unsigned lo)
{
    return (x >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline int32_t sext(uint32_t x, unsigned width)
{
    return (int32_t)(x << (32 - width)) >> (32 - width);
}

static uint32_t enc_i(uint32_t opc, unsigned f3, unsigned rd, unsigned rs1, int32_t imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}

static uint32_t enc_r(uint32_t opc, unsigned f3, unsigned f7, unsigned rd, unsigned rs1,
                      unsigned rs2)
{
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}

static uint32_t enc_s(uint32_t opc, unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return bits(u, 11, 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | bits(u, 4, 0) << 7 | opc;
}

static uint32_t enc_b(unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return bits(u, 12, 12) << 31 | bits(u, 10, 5) << 25 | rs2 << 20 | rs1 << 15 |
           f3 << 12 | bits(u, 4, 1) << 8 | bits(u, 11, 11) << 7 | OPC_BRANCH;
}

static uint32_t enc_j(unsigned rd, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return bits(u, 20, 20) << 31 | bits(u, 10, 1) << 21 | bits(u, 11, 11) << 20 |
           bits(u, 19, 12) << 12 | rd << 7 | OPC_JAL;
}

/* rd'/rs1'/rs2' fields name x8..x15 */
static inline unsigned creg(uint32_t c, unsigned lo) { return 8 + bits(c, lo + 2, lo); }

static int32_t imm6(uint32_t c) { return sext(bits(c, 12, 12) << 5 | bits(c, 6, 2), 6); }
static unsigned shamt6(uint32_t c) { return bits(c, 12, 12) << 5 | bits(c, 6, 2); }
/* offsets of the doubleword (ld/sd/fld/fsd) and word register-based forms */
static unsigned uimm_d(uint32_t c) { return bits(c, 12, 10) << 3 | bits(c, 6, 5) << 6; }
static unsigned uimm_w(uint32_t c)
{
    return bits(c, 12, 10) << 3 | bits(c, 6, 6) << 2 | bits(c, 5, 5) << 6;
}

static uint32_t expand_q0(uint32_t c, uint32_t ext)
{
    unsigned rdp = creg(c, 2), rs1p = creg(c, 7);

    switch (bits(c, 15, 13)) {
    case 0: {
        unsigned nz = bits(c, 12, 11) << 4 | bits(c, 10, 7) << 6 | bits(c, 6, 6) << 2 |
                      bits(c, 5, 5) << 3;
        return nz ? enc_i(OPC_OPIMM, 0, rdp, 2, (int32_t)nz) : 0;
    }
    case 1:
        return ext & RISCV_EXT_D ? enc_i(OPC_LOADFP, 3, rdp, rs1p, (int32_t)uimm_d(c)) : 0;
    case 2:
        return enc_i(OPC_LOAD, 2, rdp, rs1p, (int32_t)uimm_w(c));
    case 3:
        return enc_i(OPC_LOAD, 3, rdp, rs1p, (int32_t)uimm_d(c));
    case 5:
        return ext & RISCV_EXT_D ? enc_s(OPC_STOREFP, 3, rs1p, rdp, (int32_t)uimm_d(c)) : 0;
    case 6:
        return enc_s(OPC_STORE, 2, rs1p, rdp, (int32_t)uimm_w(c));
    case 7:
        return enc_s(OPC_STORE, 3, rs1p, rdp, (int32_t)uimm_d(c));
    default:
        return 0;
    }
}

static uint32_t expand_q1_alu(uint32_t c)
{
    unsigned rd = creg(c, 7), rs2 = creg(c, 2);
    static const struct { uint8_t opc, f3, f7; } rr[8] = {
        { OPC_OP, 0, 0x20 }, { OPC_OP, 4, 0 }, { OPC_OP, 6, 0 }, { OPC_OP, 7, 0 },
        { OPC_OP32, 0, 0x20 }, { OPC_OP32, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 },
    };

    switch (bits(c, 11, 10)) {
    case 0:
        return enc_i(OPC_OPIMM, 5, rd, rd, (int32_t)shamt6(c));
    case 1:
        return enc_i(OPC_OPIMM, 5, rd, rd, (int32_t)(shamt6(c) | 0x400));
    case 2:
        return enc_i(OPC_OPIMM, 7, rd, rd, imm6(c));
    default: {
        unsigned k = bits(c, 12, 12) << 2 | bits(c, 6, 5);
        return rr[k].opc ? enc_r(rr[k].opc, rr[k].f3, rr[k].f7, rd, rd, rs2) : 0;
    }
    }
}

static uint32_t expand_q1(uint32_t c)
{
    unsigned rd = bits(c, 11, 7);

    switch (bits(c, 15, 13)) {
    case 0:
        return enc_i(OPC_OPIMM, 0, rd, rd, imm6(c));
    case 1:
        return rd ? enc_i(OPC_OPIMM32, 0, rd, rd, imm6(c)) : 0;
    case 2:
        return enc_i(OPC_OPIMM, 0, rd, 0, imm6(c));
    case 3:
        if (rd == 2) {
            int32_t nz = sext(bits(c, 12, 12) << 9 | bits(c, 6, 6) << 4 | bits(c, 5, 5) << 6 |
                              bits(c, 4, 3) << 7 | bits(c, 2, 2) << 5, 10);
            return nz ? enc_i(OPC_OPIMM, 0, 2, 2, nz) : 0;
        } else {
            int32_t nz = imm6(c);
            return nz ? ((uint32_t)nz & 0xfffff) << 12 | rd << 7 | OPC_LUI : 0;
        }
    case 4:
        return expand_q1_alu(c);
    case 5: {
        int32_t off = sext(bits(c, 12, 12) << 11 | bits(c, 11, 11) << 4 | bits(c, 10, 9) << 8 |
                           bits(c, 8, 8) << 10 | bits(c, 7, 7) << 6 | bits(c, 6, 6) << 7 |
                           bits(c, 5, 3) << 1 | bits(c, 2, 2) << 5, 12);
        return enc_j(0, off);
    }
    default: {
        int32_t off = sext(bits(c, 12, 12) << 8 | bits(c, 11, 10) << 3 | bits(c, 6, 5) << 6 |
                           bits(c, 4, 3) << 1 | bits(c, 2, 2) << 5, 9);
        return enc_b(bits(c, 15, 13) == 6 ? 0 : 1, creg(c, 7), 0, off);
    }
    }
}

static uint32_t expand_q2_misc(uint32_t c)
{
    unsigned rd = bits(c, 11, 7), rs2 = bits(c, 6, 2);

    if (!bits(c, 12, 12)) {
        if (rs2) {
            return enc_r(OPC_OP, 0, 0, rd, 0, rs2);             /* c.mv */
        }
        return rd ? enc_i(OPC_JALR, 0, 0, rd, 0) : 0;           /* c.jr */
    }
    if (rs2) {
        return enc_r(OPC_OP, 0, 0, rd, rd, rs2);                /* c.add */
    }
    return rd ? enc_i(OPC_JALR, 0, 1, rd, 0) : 0x00100073;      /* c.jalr, c.ebreak */
}

static uint32_t expand_q2(uint32_t c, uint32_t ext)
{
    unsigned rd = bits(c, 11, 7), rs2 = bits(c, 6, 2);
    unsigned ld_off = bits(c, 12, 12) << 5 | bits(c, 6, 5) << 3 | bits(c, 4, 2) << 6;
    unsigned lw_off = bits(c, 12, 12) << 5 | bits(c, 6, 4) << 2 | bits(c, 3, 2) << 6;
    unsigned sd_off = bits(c, 12, 10) << 3 | bits(c, 9, 7) << 6;
    unsigned sw_off = bits(c, 12, 9) << 2 | bits(c, 8, 7) << 6;

    switch (bits(c, 15, 13)) {
    case 0:
        return enc_i(OPC_OPIMM, 1, rd, rd, (int32_t)shamt6(c));
    case 1:
        return ext & RISCV_EXT_D ? enc_i(OPC_LOADFP, 3, rd, 2, (int32_t)ld_off) : 0;
    case 2:
        return rd ? enc_i(OPC_LOAD, 2, rd, 2, (int32_t)lw_off) : 0;
    case 3:
        return rd ? enc_i(OPC_LOAD, 3, rd, 2, (int32_t)ld_off) : 0;
    case 4:
        return expand_q2_misc(c);
    case 5:
        return ext & RISCV_EXT_D ? enc_s(OPC_STOREFP, 3, 2, rs2, (int32_t)sd_off) : 0;
    case 6:
        return enc_s(OPC_STORE, 2, 2, rs2, (int32_t)sw_off);
    default:
        return enc_s(OPC_STORE, 3, 2, rs2, (int32_t)sd_off);
    }
}

uint32_t riscv_expand_rvc(uint16_t insn, uint32_t ext)
{
    switch (insn & 3) {
    case 0:
        return expand_q0(insn, ext);
    case 1:
        return expand_q1(insn);
    case 2:
        return expand_q2(insn, ext);
    default:
        return 0;       /* not a 16-bit instruction */
    }
}
