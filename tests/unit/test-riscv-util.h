/*
 * Shared fixtures for the RISC-V front-end tests: an instruction encoder, a hart
 * over the flat test memory of test-tcg-util.h, and a runner that translates and
 * interprets blocks until the guest program traps.
 */
#ifndef TEST_RISCV_UTIL_H
#define TEST_RISCV_UTIL_H

#include "test-tcg-util.h"
#include "targets/riscv/translate.h"

/* ---- encoders (written from the ISA manual's formats, independent of rvc.c) ---- */

static inline uint32_t rv_r(unsigned opc, unsigned f3, unsigned f7, unsigned rd,
                            unsigned rs1, unsigned rs2)
{
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
static inline uint32_t rv_i(unsigned opc, unsigned f3, unsigned rd, unsigned rs1, int32_t imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
static inline uint32_t rv_s(unsigned opc, unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 31) << 7 | opc;
}
static inline uint32_t rv_b(unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 12 & 1) << 31 | (u >> 5 & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           (u >> 1 & 15) << 8 | (u >> 11 & 1) << 7 | 0x63;
}
static inline uint32_t rv_u(unsigned opc, unsigned rd, uint32_t imm20)
{
    return (imm20 & 0xfffff) << 12 | rd << 7 | opc;
}
static inline uint32_t rv_j(unsigned rd, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 20 & 1) << 31 | (u >> 1 & 0x3ff) << 21 | (u >> 11 & 1) << 20 |
           (u >> 12 & 0xff) << 12 | rd << 7 | 0x6f;
}

#define OP 0x33
#define OP32 0x3b
#define OPIMM 0x13
#define OPIMM32 0x1b
#define LOAD 0x03
#define STORE 0x23
#define AMO 0x2f
#define SYSTEM 0x73
#define ECALL 0x00000073u
#define EBREAK 0x00100073u
#define ADDI(rd, rs1, imm) rv_i(OPIMM, 0, rd, rs1, imm)
#define ADD(rd, rs1, rs2) rv_r(OP, 0, 0, rd, rs1, rs2)
#define JALR(rd, rs1, imm) rv_i(0x67, 0, rd, rs1, imm)
#define CSRRW(rd, csr, rs1) rv_i(SYSTEM, 1, rd, rs1, csr)
#define CSRRS(rd, csr, rs1) rv_i(SYSTEM, 2, rd, rs1, csr)
#define CSRRC(rd, csr, rs1) rv_i(SYSTEM, 3, rd, rs1, csr)
#define CSRRWI(rd, csr, u) rv_i(SYSTEM, 5, rd, u, csr)
#define CSRRSI(rd, csr, u) rv_i(SYSTEM, 6, rd, u, csr)
#define CSRRCI(rd, csr, u) rv_i(SYSTEM, 7, rd, u, csr)

/* ---- the hart ---- */

#define CODE_BASE TM_BASE
#define DATA_BASE (TM_BASE + 2 * TM_PAGE)

typedef struct RvHart {
    TCGContext *s;
    TCGInterp *it;
    RISCVTranslator *tr;
    CPURISCVState env;
    TestMem *mem;
    TCGExitInfo info;
    TCGExitKind last_kind;
    uint64_t code_end;      /* next free code byte */
    uint64_t tb_token;
    unsigned max_insns;
    unsigned tbs, fence_i_exits;
} RvHart;

static inline bool rh_fetch(void *opaque, uint64_t pc, uint16_t *parcel)
{
    TestMem *m = opaque;
    uint64_t off = pc - TM_BASE;

    if (pc < TM_BASE || off + 2 > sizeof(m->data) || m->kind[off / TM_PAGE] == TP_NONE) {
        return false;
    }
    *parcel = (uint16_t)(m->data[off] | m->data[off + 1] << 8);
    return true;
}

static inline void rh_init_model(RvHart *h, const char *model)
{
    memset(h, 0, sizeof(*h));
    h->s = tcg_ctx_new(sizeof(CPURISCVState), 1);
    h->it = tcg_interp_new();
    tcg_interp_set_step_limit(h->it, 1000000);
    h->tr = riscv_translator_new(h->s, NULL);
    g_assert_nonnull(h->tr);
    h->mem = g_new0(TestMem, 1);
    const RISCVCPUModel *m = riscv_cpu_model_find(model, NULL);
    g_assert_nonnull(m);
    riscv_cpu_reset(&h->env, m);
    h->env.pc = CODE_BASE;
    h->code_end = CODE_BASE;
}

static inline void rh_init(RvHart *h)
{
    rh_init_model(h, "max");
}

static inline void rh_fini(RvHart *h)
{
    riscv_translator_free(h->tr);
    tcg_interp_free(h->it);
    tcg_ctx_free(h->s);
    g_free(h->mem);
}

static inline void rh_put16(RvHart *h, uint16_t v)
{
    uint64_t off = h->code_end - TM_BASE;
    h->mem->data[off] = v & 0xff;
    h->mem->data[off + 1] = v >> 8;
    h->code_end += 2;
}

static inline void rh_put32(RvHart *h, uint32_t v)
{
    rh_put16(h, v & 0xffff);
    rh_put16(h, v >> 16);
}

static inline void rh_code(RvHart *h, const uint32_t *insns, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rh_put32(h, insns[i]);
    }
}
#define RH_CODE(h, ...) rh_code(h, (const uint32_t[]){ __VA_ARGS__ }, \
                                sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))

static inline uint64_t *rh_data64(RvHart *h, uint64_t addr)
{
    return (uint64_t *)(h->mem->data + (addr - TM_BASE));
}

/* Translate and run one TB at env.pc; returns the interpreter's exit kind. */
static inline TCGExitKind rh_step(RvHart *h)
{
    RISCVTBDesc d = {
        .pc = h->env.pc, .flags = h->env.ext, .max_insns = h->max_insns,
        .tb_token = h->tb_token, .fetch = rh_fetch, .fetch_opaque = h->mem,
    };
    RISCVTBInfo ti;
    Error *err = NULL;

    if (!riscv_translate_block(h->tr, &d, &ti, &err)) {
        char *dump = tcg_dump(h->s);
        g_test_message("translation failed at 0x%" PRIx64 ": %s\n%s", d.pc,
                       error_message(err), dump);
        g_free(dump);
        g_assert_not_reached();
    }
    h->tbs++;
    h->last_kind = tcg_interp_run(h->it, h->s, &h->env, &tm_ops, h->mem, &h->info);
    if (h->last_kind == TCG_EXIT_INVALID) {
        char *dump = tcg_dump(h->s);
        g_test_message("invalid IR: %s\n%s", h->info.message, dump);
        g_free(dump);
        g_assert_not_reached();
    }
    if (h->last_kind == TCG_EXIT_FAULT) {
        riscv_restore_state(&h->env, h->info.insn_data);
    }
    return h->last_kind;
}

/*
 * Run until an exception exit or a memory fault (the programs end with ecall).
 * Returns the exception cause, or -1 for a memory fault.
 */
static inline int rh_run(RvHart *h)
{
    for (unsigned n = 0; n < 10000; n++) {
        TCGExitKind k = rh_step(h);
        if (k == TCG_EXIT_FAULT) {
            return -1;
        }
        if (k == TCG_EXIT_TB && h->info.value == RISCV_EXIT_EXCEPTION) {
            return (int)h->env.exception;
        }
        if (k == TCG_EXIT_TB && h->info.value == RISCV_EXIT_FENCE_I) {
            h->fence_i_exits++;
        }
    }
    g_assert_not_reached();
}

/* Run a program that must end with ecall. */
static inline void rh_run_ok(RvHart *h)
{
    int cause = rh_run(h);
    if (cause != RISCV_EXCP_U_ECALL) {
        g_test_message("program stopped with cause %d at pc 0x%" PRIx64 " (tval 0x%" PRIx64
                       ", fault kind %d addr 0x%" PRIx64 ")", cause, h->env.pc, h->env.tval,
                       h->info.fault.kind, h->info.fault.addr);
    }
    g_assert_cmpint(cause, ==, RISCV_EXCP_U_ECALL);
}

#endif
