/*
 * The RISC-V integer front end, run through libtcg's reference interpreter:
 * RV64I, M, A, C, Zicsr, Zifencei and Zba/Zbb/Zbc/Zbs with their edge values,
 * plus how translation blocks end and how traps are reported.
 */
#include "config.h"
#include "test-riscv-util.h"

/* Run one instruction with rd = x3, rs1 = x1 (a), rs2 = x2 (b); return x3. */
static uint64_t run_op_model(const char *model, uint32_t insn, uint64_t a, uint64_t b)
{
    RvHart h;
    uint64_t r;

    rh_init_model(&h, model);
    h.env.gpr[1] = a;
    h.env.gpr[2] = b;
    h.env.gpr[3] = 0x5555;
    RH_CODE(&h, insn, ECALL);
    rh_run_ok(&h);
    r = h.env.gpr[3];
    rh_fini(&h);
    return r;
}

static uint64_t run_op(uint32_t insn, uint64_t a, uint64_t b)
{
    return run_op_model("max", insn, a, b);
}

typedef struct OpCase {
    const char *name;
    uint32_t insn;
    uint64_t a, b, want;
} OpCase;

static void check_cases(const OpCase *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t got = run_op(c[i].insn, c[i].a, c[i].b);
        if (got != c[i].want) {
            g_test_message("%s a=0x%" PRIx64 " b=0x%" PRIx64 ": got 0x%" PRIx64
                           ", want 0x%" PRIx64, c[i].name, c[i].a, c[i].b, got, c[i].want);
        }
        g_assert_cmphex(got, ==, c[i].want);
    }
}
#define CHECK_CASES(...) do { \
    const OpCase cases_[] = { __VA_ARGS__ }; \
    check_cases(cases_, G_N_ELEMENTS(cases_)); \
} while (0)

#define MIN64 UINT64_C(0x8000000000000000)
#define ALL1 UINT64_MAX
#define R3(opc, f3, f7) rv_r(opc, f3, f7, 3, 1, 2)
#define I3(opc, f3, imm) rv_i(opc, f3, 3, 1, imm)

static void test_alu(void)
{
    CHECK_CASES(
        { "add wraps", R3(OP, 0, 0), ALL1, 2, 1 },
        { "sub wraps", R3(OP, 0, 0x20), 0, 1, ALL1 },
        { "slt", R3(OP, 2, 0), ALL1, 0, 1 },
        { "slt equal", R3(OP, 2, 0), 5, 5, 0 },
        { "sltu", R3(OP, 3, 0), ALL1, 0, 0 },
        { "sltu", R3(OP, 3, 0), 0, ALL1, 1 },
        { "xor", R3(OP, 4, 0), 0xf0f0, 0xff00, 0x0ff0 },
        { "or", R3(OP, 6, 0), 0xf0f0, 0xff00, 0xfff0 },
        { "and", R3(OP, 7, 0), 0xf0f0, 0xff00, 0xf000 },
        { "addi -1", I3(OPIMM, 0, -1), 0, 0, ALL1 },
        { "addi max", I3(OPIMM, 0, 2047), 1, 0, 2048 },
        { "slti", I3(OPIMM, 2, -1), MIN64, 0, 1 },
        { "sltiu -1 is max", I3(OPIMM, 3, -1), ALL1 - 1, 0, 1 },
        { "sltiu (seqz)", I3(OPIMM, 3, 1), 0, 0, 1 },
        { "xori -1 (not)", I3(OPIMM, 4, -1), 0x1234, 0, ~UINT64_C(0x1234) },
        { "ori", I3(OPIMM, 6, 0x700), 0x0ff, 0, 0x7ff },
        { "andi sign-extended", I3(OPIMM, 7, -16), ALL1, 0, ALL1 - 15 },
        { "addw wraps and sign-extends", R3(OP32, 0, 0), 0x7fffffff, 1, 0xffffffff80000000 },
        { "addw ignores upper bits", R3(OP32, 0, 0), 0x1234500000001, 1, 2 },
        { "subw", R3(OP32, 0, 0x20), 0, 1, ALL1 },
        { "addiw", I3(OPIMM32, 0, 1), 0xffffffff, 0, 0 },
        { "addiw sext.w", I3(OPIMM32, 0, 0), 0x80000000, 0, 0xffffffff80000000 },
    );
}

static void test_lui_auipc(void)
{
    RvHart h;

    rh_init(&h);
    RH_CODE(&h, rv_u(0x37, 5, 0x80000), rv_u(0x17, 6, 0xfffff), rv_u(0x17, 7, 1),
            rv_u(0x37, 0, 0x12345), ECALL);
    rh_run_ok(&h);
    g_assert_cmphex(h.env.gpr[5], ==, 0xffffffff80000000);
    g_assert_cmphex(h.env.gpr[6], ==, CODE_BASE + 4 - 4096);
    g_assert_cmphex(h.env.gpr[7], ==, CODE_BASE + 8 + 4096);
    g_assert_cmphex(h.env.gpr[0], ==, 0);
    rh_fini(&h);
}

static void test_shifts(void)
{
    CHECK_CASES(
        { "sll 63", R3(OP, 1, 0), 1, 63, MIN64 },
        { "sll 64 is 0", R3(OP, 1, 0), 3, 64, 3 },
        { "sll 65 is 1", R3(OP, 1, 0), 3, 65, 6 },
        { "srl 63", R3(OP, 5, 0), MIN64, 63, 1 },
        { "sra 63", R3(OP, 5, 0x20), MIN64, 63, ALL1 },
        { "sra 127 is 63", R3(OP, 5, 0x20), MIN64, 127, ALL1 },
        { "slli 63", I3(OPIMM, 1, 63), 1, 0, MIN64 },
        { "srli 63", I3(OPIMM, 5, 63), MIN64, 0, 1 },
        { "srai 63", I3(OPIMM, 5, 0x400 | 63), MIN64, 0, ALL1 },
        { "srai 4", I3(OPIMM, 5, 0x400 | 4), 0xff00000000000000, 0, 0xfff0000000000000 },
        { "sllw 31", R3(OP32, 1, 0), 1, 31, 0xffffffff80000000 },
        { "sllw 32 is 0", R3(OP32, 1, 0), 1, 32, 1 },
        { "srlw 31", R3(OP32, 5, 0), 0xffffffff80000000, 31, 1 },
        { "srlw 0 sign-extends", R3(OP32, 5, 0), 0x80000000, 0, 0xffffffff80000000 },
        { "srlw ignores upper", R3(OP32, 5, 0), 0xffffffff00000010, 4, 1 },
        { "sraw 31", R3(OP32, 5, 0x20), 0x80000000, 31, ALL1 },
        { "sraw 33 is 1", R3(OP32, 5, 0x20), 0x80000000, 33, 0xffffffffc0000000 },
        { "slliw 31", I3(OPIMM32, 1, 31), 1, 0, 0xffffffff80000000 },
        { "srliw 1", I3(OPIMM32, 5, 1), 0xffffffff80000000, 0, 0x40000000 },
        { "sraiw 1", I3(OPIMM32, 5, 0x400 | 1), 0x80000000, 0, 0xffffffffc0000000 },
    );
}

static void test_mul_div(void)
{
    CHECK_CASES(
        { "mul", R3(OP, 0, 1), ALL1, ALL1, 1 },
        { "mulh -1*-1", R3(OP, 1, 1), ALL1, ALL1, 0 },
        { "mulh min*min", R3(OP, 1, 1), MIN64, MIN64, 0x4000000000000000 },
        { "mulhu max*max", R3(OP, 3, 1), ALL1, ALL1, ALL1 - 1 },
        { "mulhsu -1*max", R3(OP, 2, 1), ALL1, ALL1, ALL1 },
        { "mulhsu 2*max", R3(OP, 2, 1), 2, ALL1, 1 },
        { "div /0", R3(OP, 4, 1), 7, 0, ALL1 },
        { "divu /0", R3(OP, 5, 1), 7, 0, ALL1 },
        { "rem /0", R3(OP, 6, 1), 7, 0, 7 },
        { "remu /0", R3(OP, 7, 1), 7, 0, 7 },
        { "div min/-1", R3(OP, 4, 1), MIN64, ALL1, MIN64 },
        { "rem min/-1", R3(OP, 6, 1), MIN64, ALL1, 0 },
        { "div rounds to zero", R3(OP, 4, 1), (uint64_t)-7, 2, (uint64_t)-3 },
        { "rem sign of dividend", R3(OP, 6, 1), (uint64_t)-7, 2, (uint64_t)-1 },
        { "divu", R3(OP, 5, 1), ALL1, 2, ALL1 >> 1 },
        { "remu", R3(OP, 7, 1), ALL1, 10, 5 },
        { "mulw sign-extends", R3(OP32, 0, 1), 0x10000, 0x8000, 0xffffffff80000000 },
        { "divw min/-1", R3(OP32, 4, 1), 0x80000000, ALL1, 0xffffffff80000000 },
        { "divw /0", R3(OP32, 4, 1), 5, 0xffffffff00000000, ALL1 },
        { "divuw /0", R3(OP32, 5, 1), 5, 0, ALL1 },
        { "divuw", R3(OP32, 5, 1), 0xffffffff, 1, ALL1 },
        { "remw min/-1", R3(OP32, 6, 1), 0x80000000, ALL1, 0 },
        { "remw /0", R3(OP32, 6, 1), 0x80000000, 0, 0xffffffff80000000 },
        { "remuw /0", R3(OP32, 7, 1), 0x12345678fffffff0, 0, 0xfffffffffffffff0 },
        { "remuw", R3(OP32, 7, 1), 0xffffffff, 0x10, 0xf },
    );
}

static void test_loads_stores(void)
{
    RvHart h;

    rh_init(&h);
    h.env.gpr[1] = DATA_BASE;
    *rh_data64(&h, DATA_BASE) = 0x8899aabbccddeeffu;
    RH_CODE(&h,
            rv_i(LOAD, 0, 5, 1, 0),         /* lb */
            rv_i(LOAD, 1, 6, 1, 0),         /* lh */
            rv_i(LOAD, 2, 7, 1, 4),         /* lw */
            rv_i(LOAD, 3, 8, 1, 0),         /* ld */
            rv_i(LOAD, 4, 9, 1, 0),         /* lbu */
            rv_i(LOAD, 5, 10, 1, 0),        /* lhu */
            rv_i(LOAD, 6, 11, 1, 4),        /* lwu */
            rv_i(LOAD, 3, 12, 1, 1),        /* misaligned ld */
            rv_s(STORE, 0, 1, 8, 8),        /* sb */
            rv_s(STORE, 1, 1, 8, 16),       /* sh */
            rv_s(STORE, 2, 1, 8, 24),       /* sw */
            rv_s(STORE, 3, 1, 8, 33),       /* misaligned sd */
            rv_s(STORE, 3, 1, 8, -8 & 0xfff), /* negative offset */
            ECALL);
    rh_run_ok(&h);
    g_assert_cmphex(h.env.gpr[5], ==, 0xffffffffffffffff);
    g_assert_cmphex(h.env.gpr[6], ==, 0xffffffffffffeeff);
    g_assert_cmphex(h.env.gpr[7], ==, 0xffffffff8899aabb);
    g_assert_cmphex(h.env.gpr[8], ==, 0x8899aabbccddeeff);
    g_assert_cmphex(h.env.gpr[9], ==, 0xff);
    g_assert_cmphex(h.env.gpr[10], ==, 0xeeff);
    g_assert_cmphex(h.env.gpr[11], ==, 0x8899aabb);
    g_assert_cmphex(h.env.gpr[12], ==, 0x008899aabbccddee);
    g_assert_cmphex(*rh_data64(&h, DATA_BASE + 8), ==, 0xff);
    g_assert_cmphex(*rh_data64(&h, DATA_BASE + 16), ==, 0xeeff);
    g_assert_cmphex(*rh_data64(&h, DATA_BASE + 24), ==, 0xccddeeff);
    g_assert_cmphex(*rh_data64(&h, DATA_BASE + 32), ==, 0x99aabbccddeeff00);
    g_assert_cmphex(*rh_data64(&h, DATA_BASE + 40), ==, 0x88);
    g_assert_cmphex(*rh_data64(&h, DATA_BASE - 8), ==, 0x8899aabbccddeeff);
    rh_fini(&h);
}

/* A load from an unmapped page faults with the pc of the load; earlier
 * instructions are done, the destination register is untouched. */
static void test_load_fault(void)
{
    RvHart h;

    rh_init(&h);
    h.mem->kind[3] = TP_NONE;
    h.env.gpr[1] = TM_BASE + 3 * TM_PAGE + 8;
    h.env.gpr[5] = 77;
    RH_CODE(&h, ADDI(6, 0, 1), rv_i(LOAD, 3, 5, 1, 0), ADDI(6, 0, 2), ECALL);
    g_assert_cmpint(rh_run(&h), ==, -1);
    g_assert_cmpint(h.info.fault.kind, ==, TCG_FAULT_MAP);
    g_assert_cmphex(h.info.fault.addr, ==, TM_BASE + 3 * TM_PAGE + 8);
    g_assert_cmphex(h.env.pc, ==, CODE_BASE + 4);
    g_assert_cmphex(h.env.gpr[5], ==, 77);
    g_assert_cmphex(h.env.gpr[6], ==, 1);
    rh_fini(&h);
}

static void test_branches(void)
{
    const struct { unsigned f3; uint64_t a, b; bool taken; } br[] = {
        { 0, 5, 5, true }, { 0, 5, 6, false }, { 1, 5, 6, true }, { 1, 5, 5, false },
        { 4, ALL1, 0, true }, { 4, 0, ALL1, false }, { 5, 0, ALL1, true }, { 5, 5, 5, true },
        { 5, ALL1, 0, false }, { 6, 0, ALL1, true }, { 6, ALL1, 0, false },
        { 7, ALL1, 0, true }, { 7, 0, ALL1, false }, { 7, 3, 3, true },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(br); i++) {
        RvHart h;
        rh_init(&h);
        h.env.gpr[1] = br[i].a;
        h.env.gpr[2] = br[i].b;
        /* taken: skip the addi x5, 1 */
        RH_CODE(&h, rv_b(br[i].f3, 1, 2, 8), ADDI(5, 0, 1), ECALL);
        rh_run_ok(&h);
        g_assert_cmphex(h.env.gpr[5], ==, br[i].taken ? 0 : 1);
        rh_fini(&h);
    }
}

/* Backward branch loop: sum 1..10. */
static void test_loop(void)
{
    RvHart h;

    rh_init(&h);
    RH_CODE(&h, ADDI(1, 0, 10), ADDI(2, 0, 0),
            ADD(2, 2, 1), ADDI(1, 1, -1), rv_b(1, 1, 0, -8), ECALL);
    rh_run_ok(&h);
    g_assert_cmpuint(h.env.gpr[2], ==, 55);
    rh_fini(&h);
}

static void test_jumps(void)
{
    RvHart h;

    rh_init(&h);
    /* 0: jal x1, +12 ; 4: addi x5,x0,1 ; 8: ecall ; 12: jalr x6, x1, 5 (-> 4 + 5 & ~1 = 8) */
    RH_CODE(&h, rv_j(1, 12), ADDI(5, 0, 1), ECALL, JALR(6, 1, 5), ECALL);
    rh_run_ok(&h);
    g_assert_cmphex(h.env.gpr[1], ==, CODE_BASE + 4);
    g_assert_cmphex(h.env.gpr[6], ==, CODE_BASE + 16);
    g_assert_cmphex(h.env.gpr[5], ==, 0);
    g_assert_cmphex(h.env.pc, ==, CODE_BASE + 8);
    rh_fini(&h);

    /* jalr rd == rs1 reads the old value */
    rh_init(&h);
    h.env.gpr[1] = CODE_BASE + 8;
    RH_CODE(&h, JALR(1, 1, 0), ADDI(5, 0, 1), ECALL);
    rh_run_ok(&h);
    g_assert_cmphex(h.env.gpr[1], ==, CODE_BASE + 4);
    g_assert_cmphex(h.env.gpr[5], ==, 0);
    rh_fini(&h);
}

/* Without C, a jump to a 2-byte aligned target raises a misaligned fetch. */
static void test_misaligned_target(void)
{
    RvHart h;

    rh_init_model(&h, "rv64imac");
    h.env.ext &= ~RISCV_EXT_C;
    h.env.gpr[1] = CODE_BASE + 6;
    RH_CODE(&h, JALR(5, 1, 0), ECALL);
    g_assert_cmpint(rh_run(&h), ==, RISCV_EXCP_INST_ADDR_MIS);
    g_assert_cmphex(h.env.pc, ==, CODE_BASE);
    g_assert_cmphex(h.env.tval, ==, CODE_BASE + 6);
    g_assert_cmphex(h.env.gpr[5], ==, 0);
    rh_fini(&h);

    rh_init_model(&h, "rv64imac");
    h.env.ext &= ~RISCV_EXT_C;
    RH_CODE(&h, rv_j(5, 6), ECALL);
    g_assert_cmpint(rh_run(&h), ==, RISCV_EXCP_INST_ADDR_MIS);
    g_assert_cmphex(h.env.tval, ==, CODE_BASE + 6);
    g_assert_cmphex(h.env.gpr[5], ==, 0);
    rh_fini(&h);
}

static void test_traps(void)
{
    RvHart h;

    rh_init(&h);
    RH_CODE(&h, ADDI(5, 0, 1), EBREAK);
    g_assert_cmpint(rh_run(&h), ==, RISCV_EXCP_BREAKPOINT);
    g_assert_cmphex(h.env.pc, ==, CODE_BASE + 4);
    g_assert_cmphex(h.env.gpr[5], ==, 1);
    rh_fini(&h);

    /* illegal: tval carries the instruction bits */
    const uint32_t illegal[] = {
        0x00000000, 0xffffffff, rv_i(LOAD, 7, 1, 1, 0), rv_i(OPIMM, 1, 1, 1, 0x40),
        rv_r(OP32, 1, 1, 1, 1, 1) | 1u << 25 | 0x40u << 25, 0x30200073 /* mret */,
        rv_i(SYSTEM, 1, 1, 0, 0x300) /* mstatus */, rv_i(OPIMM32, 1, 1, 1, 32),
        0x0000107f /* 64-bit encoding prefix */,
    };
    for (size_t i = 0; i < G_N_ELEMENTS(illegal); i++) {
        rh_init(&h);
        h.env.gpr[1] = 1;
        RH_CODE(&h, illegal[i], ECALL);
        g_test_message("illegal 0x%08x", illegal[i]);
        g_assert_cmpint(rh_run(&h), ==, RISCV_EXCP_ILLEGAL_INST);
        g_assert_cmphex(h.env.tval, ==, (illegal[i] & 3) == 3 ? illegal[i] : illegal[i] & 0xffff);
        g_assert_cmphex(h.env.pc, ==, CODE_BASE);
        g_assert_cmphex(h.env.gpr[1], ==, 1);
        rh_fini(&h);
    }
}

/* Extensions switched off by the model are illegal instructions. */
static void test_extension_gating(void)
{
    uint32_t andn = R3(OP, 7, 0x20);
    RvHart h;

    g_assert_cmphex(run_op_model("rv64", andn, 0xff, 0x0f), ==, 0xf0);
    rh_init_model(&h, "rv64gc");
    RH_CODE(&h, andn, ECALL);
    g_assert_cmpint(rh_run(&h), ==, RISCV_EXCP_ILLEGAL_INST);
    g_assert_cmphex(h.env.tval, ==, andn);
    rh_fini(&h);

    rh_init_model(&h, "rv64");
    h.env.ext &= ~RISCV_EXT_M;
    RH_CODE(&h, R3(OP, 0, 1), ECALL);
    g_assert_cmpint(rh_run(&h), ==, RISCV_EXCP_ILLEGAL_INST);
    rh_fini(&h);

    rh_init_model(&h, "rv64");
    h.env.ext &= ~RISCV_EXT_C;
    rh_put16(&h, 0x4505);   /* c.li a0, 1 */
    g_assert_cmpint(rh_run(&h), ==, RISCV_EXCP_ILLEGAL_INST);
    g_assert_cmphex(h.env.tval, ==, 0x4505);
    rh_fini(&h);
}

static void test_cpu_models(void)
{
    Error *err = NULL;
    char *isa;

    g_assert_null(riscv_cpu_model_find("pentium", &err));
    g_assert_nonnull(strstr(error_message(err), "pentium"));
    error_free(err);
    err = NULL;
    {
        uint32_t ext = 0;
        char *list;
        g_assert_true(riscv_cpu_parse("rv64,zbb=off,c=false", &ext, NULL));
        g_assert_cmphex(ext, ==, riscv_cpu_models[0].ext & ~(RISCV_EXT_ZBB | RISCV_EXT_C));
        g_assert_true(riscv_cpu_parse("rv64gc,zba=on", &ext, NULL));
        g_assert_cmphex(ext & (RISCV_EXT_ZBA | RISCV_EXT_ZBB), ==, RISCV_EXT_ZBA);
        g_assert_false(riscv_cpu_parse("rv64,zbq=on", &ext, &err));
        g_assert_nonnull(strstr(error_message(err), "'zbq'"));
        error_free(err);
        err = NULL;
        g_assert_false(riscv_cpu_parse("rv64,zbb=maybe", &ext, &err));
        g_assert_nonnull(strstr(error_message(err), "maybe"));
        error_free(err);
        err = NULL;
        g_assert_false(riscv_cpu_parse("rv64,f=off", &ext, &err));
        g_assert_nonnull(strstr(error_message(err), "requires F"));
        error_free(err);
        err = NULL;
        g_assert_false(riscv_cpu_parse("nope,zba=on", &ext, &err));
        g_assert_nonnull(strstr(error_message(err), "nope"));
        error_free(err);
        err = NULL;
        list = riscv_cpu_list_text();
        g_assert_nonnull(strstr(list, "rv64imafdc_zicsr_zifencei_zba_zbb_zbc_zbs"));
        g_assert_nonnull(strstr(list, "  max "));
        g_free(list);
    }
    isa = riscv_isa_string(riscv_cpu_models[0].ext);
    g_assert_cmpstr(riscv_cpu_models[0].name, ==, "rv64");
    g_assert_cmpstr(isa, ==, "rv64imafdc_zicsr_zifencei_zba_zbb_zbc_zbs");
    g_free(isa);
}

/* ---- C: every expansion against the base instruction ---- */

static void test_rvc_expansion(void)
{
    const struct { uint16_t c; uint32_t base; } v[] = {
        { 0x0040, ADDI(8, 2, 4) },                      /* c.addi4spn s0, sp, 4 */
        { 0x1ffc, ADDI(15, 2, 1020) },                  /* c.addi4spn a5, sp, 1020 */
        { 0x2018, rv_i(0x07, 3, 14, 8, 0) | (0u << 20) }, /* c.fld fa4, 0(s0) */
        { 0x3c7c, rv_i(0x07, 3, 15, 8, 248) },          /* c.fld fa5, 248(s0) */
        { 0x4398, rv_i(LOAD, 2, 14, 15, 0) },           /* c.lw a4, 0(a5) */
        { 0x5ffc, rv_i(LOAD, 2, 15, 15, 124) },         /* c.lw a5, 124(a5) */
        { 0x6398, rv_i(LOAD, 3, 14, 15, 0) },           /* c.ld a4, 0(a5) */
        { 0x7ffc, rv_i(LOAD, 3, 15, 15, 248) },         /* c.ld a5, 248(a5) */
        { 0xbc7c, rv_s(0x27, 3, 8, 15, 248) },          /* c.fsd fa5, 248(s0) */
        { 0xdffc, rv_s(STORE, 2, 15, 15, 124) },        /* c.sw a5, 124(a5) */
        { 0xfffc, rv_s(STORE, 3, 15, 15, 248) },        /* c.sd a5, 248(a5) */
        { 0x0001, ADDI(0, 0, 0) },                      /* c.nop */
        { 0x1541, ADDI(10, 10, -16) },                  /* c.addi a0, -16 */
        { 0x057d, ADDI(10, 10, 31) },                   /* c.addi a0, 31 */
        { 0x357d, rv_i(OPIMM32, 0, 10, 10, -1) },       /* c.addiw a0, -1 */
        { 0x5501, ADDI(10, 0, -32) },                   /* c.li a0, -32 */
        { 0x7101, ADDI(2, 2, -512) },                   /* c.addi16sp -512 */
        { 0x6141, ADDI(2, 2, 16) },                     /* c.addi16sp 16 */
        { 0x617d, ADDI(2, 2, 496) },                    /* c.addi16sp 496 */
        { 0x7579, rv_u(0x37, 10, 0xffffe) },            /* c.lui a0, 0xffffe */
        { 0x6505, rv_u(0x37, 10, 1) },                  /* c.lui a0, 1 */
        { 0x907d, rv_i(OPIMM, 5, 8, 8, 63) }, /* c.srli s0, 63 */
        { 0x8005, rv_i(OPIMM, 5, 8, 8, 1) },            /* c.srli s0, 1 */
        { 0x9405, rv_i(OPIMM, 5, 8, 8, 0x400 | 33) },   /* c.srai s0, 33 */
        { 0x987d, rv_i(OPIMM, 7, 8, 8, -1) },           /* c.andi s0, -1 */
        { 0x8c05, rv_r(OP, 0, 0x20, 8, 8, 9) },         /* c.sub s0, s1 */
        { 0x8c25, rv_r(OP, 4, 0, 8, 8, 9) },            /* c.xor */
        { 0x8c45, rv_r(OP, 6, 0, 8, 8, 9) },            /* c.or */
        { 0x8c65, rv_r(OP, 7, 0, 8, 8, 9) },            /* c.and */
        { 0x9c05, rv_r(OP32, 0, 0x20, 8, 8, 9) },       /* c.subw */
        { 0x9c25, rv_r(OP32, 0, 0, 8, 8, 9) },          /* c.addw */
        { 0xa001, rv_j(0, 0) },                         /* c.j 0 */
        { 0xbffd, rv_j(0, -2) },                        /* c.j -2 */
        { 0xaffd, rv_j(0, 2046) },                      /* c.j 2046 */
        { 0xb001, rv_j(0, -2048) },                     /* c.j -2048 */
        { 0xc001, rv_b(0, 8, 0, 0) },                   /* c.beqz s0, 0 */
        { 0xfc7d, rv_b(1, 8, 0, -2) },                  /* c.bnez s0, -2 */
        { 0xd001, rv_b(0, 8, 0, -256) },                /* c.beqz s0, -256 */
        { 0xcc7d, rv_b(0, 8, 0, 254) },                 /* c.beqz s0, 254 */
        { 0x1502, rv_i(OPIMM, 1, 10, 10, 32) },         /* c.slli a0, 32 */
        { 0x050e, rv_i(OPIMM, 1, 10, 10, 3) },          /* c.slli a0, 3 */
        { 0x2522, rv_i(0x07, 3, 10, 2, 8) },            /* c.fldsp fa0, 8(sp) */
        { 0x3efe, rv_i(0x07, 3, 29, 2, 504) },          /* c.fldsp ft9, 504(sp) */
        { 0x4532, rv_i(LOAD, 2, 10, 2, 12) },           /* c.lwsp a0, 12(sp) */
        { 0x50fe, rv_i(LOAD, 2, 1, 2, 252) },           /* c.lwsp ra, 252(sp) */
        { 0x6522, rv_i(LOAD, 3, 10, 2, 8) },            /* c.ldsp a0, 8(sp) */
        { 0x70fe, rv_i(LOAD, 3, 1, 2, 504) },           /* c.ldsp ra, 504(sp) */
        { 0x8082, JALR(0, 1, 0) },                      /* c.jr ra (ret) */
        { 0x852e, ADD(10, 0, 11) },                     /* c.mv a0, a1 */
        { 0x9002, EBREAK },                             /* c.ebreak */
        { 0x9502, JALR(1, 10, 0) },                     /* c.jalr a0 */
        { 0x952e, ADD(10, 10, 11) },                    /* c.add a0, a1 */
        { 0xa022, rv_s(0x27, 3, 2, 8, 0) },             /* c.fsdsp fs0, 0(sp) */
        { 0xbffe, rv_s(0x27, 3, 2, 31, 504) },          /* c.fsdsp ft11, 504(sp) */
        { 0xc02a, rv_s(STORE, 2, 2, 10, 0) },           /* c.swsp a0, 0(sp) */
        { 0xdffe, rv_s(STORE, 2, 2, 31, 252) },         /* c.swsp t6, 252(sp) */
        { 0xe02a, rv_s(STORE, 3, 2, 10, 0) },           /* c.sdsp a0, 0(sp) */
        { 0xfffe, rv_s(STORE, 3, 2, 31, 504) },         /* c.sdsp t6, 504(sp) */
    };
    const uint16_t reserved[] = {
        0x0000,     /* all zeros */
        0x0010,     /* c.addi4spn with imm 0 */
        0x8000,     /* quadrant 0 funct3 100 */
        0x2001,     /* c.addiw rd = 0 */
        0x6101,     /* c.addi16sp 0 */
        0x6501,     /* c.lui imm 0 */
        0x9c45,     /* c.subw group 10 */
        0x9c65,     /* c.subw group 11 */
        0x4002,     /* c.lwsp rd = 0 */
        0x6002,     /* c.ldsp rd = 0 */
        0x8002,     /* c.jr rs1 = 0 */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(v); i++) {
        uint32_t got = riscv_expand_rvc(v[i].c, riscv_cpu_models[0].ext);
        if (got != v[i].base) {
            g_test_message("0x%04x: expanded to 0x%08x, want 0x%08x", v[i].c, got, v[i].base);
        }
        g_assert_cmphex(got, ==, v[i].base);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(reserved); i++) {
        g_assert_cmphex(riscv_expand_rvc(reserved[i], riscv_cpu_models[0].ext), ==, 0);
    }
    /* D forms need D */
    g_assert_cmphex(riscv_expand_rvc(0x2018, RISCV_EXT_C), ==, 0);
    g_assert_cmphex(riscv_expand_rvc(0xa022, RISCV_EXT_C), ==, 0);
}

/* A mixed 16/32-bit program: compressed instructions run as their base forms. */
static void test_rvc_program(void)
{
    RvHart h;

    rh_init(&h);
    h.env.gpr[2] = DATA_BASE + 64;
    rh_put16(&h, 0x4529);               /* c.li a0, 10 */
    rh_put16(&h, 0x4581);               /* c.li a1, 0 */
    rh_put16(&h, 0x95aa);               /* loop: c.add a1, a0 */
    rh_put16(&h, 0x157d);               /* c.addi a0, -1 */
    rh_put16(&h, 0xfd75);               /* c.bnez a0, -4 */
    rh_put16(&h, 0xe02e);               /* c.sdsp a1, 0(sp) */
    rh_put32(&h, rv_i(LOAD, 3, 12, 2, 0)); /* ld a2, 0(sp) */
    rh_put16(&h, 0x0609);               /* c.addi a2, 2 */
    rh_put32(&h, ECALL);
    rh_run_ok(&h);
    g_assert_cmpuint(h.env.gpr[11], ==, 55);
    g_assert_cmpuint(h.env.gpr[12], ==, 57);
    g_assert_cmphex(h.env.pc, ==, CODE_BASE + 18);
    rh_fini(&h);
}

/* ---- A ---- */

#define LR(w, rd, rs1) rv_r(AMO, w ? 2 : 3, 0x08, rd, rs1, 0)
#define SC(w, rd, rs1, rs2) rv_r(AMO, w ? 2 : 3, 0x0c, rd, rs1, rs2)
#define AMOOP(f5, w, rd, rs1, rs2) rv_r(AMO, w ? 2 : 3, (f5) << 2, rd, rs1, rs2)

static void test_lr_sc(void)
{
    RvHart h;

    rh_init(&h);
    h.env.gpr[1] = DATA_BASE;
    h.env.gpr[2] = 99;
    *rh_data64(&h, DATA_BASE) = 5;
    RH_CODE(&h, LR(0, 5, 1), SC(0, 6, 1, 2),  /* succeeds: x6 = 0 */
            SC(0, 7, 1, 2),                   /* no reservation: x7 = 1 */
            ECALL);
    rh_run_ok(&h);
    g_assert_cmpuint(h.env.gpr[5], ==, 5);
    g_assert_cmpuint(h.env.gpr[6], ==, 0);
    g_assert_cmpuint(h.env.gpr[7], ==, 1);
    g_assert_cmpuint(*rh_data64(&h, DATA_BASE), ==, 99);
    rh_fini(&h);

    /* memory changed between LR and SC: fails, memory kept */
    rh_init(&h);
    h.env.gpr[1] = DATA_BASE;
    h.env.gpr[2] = 99;
    h.env.gpr[3] = 7;
    *rh_data64(&h, DATA_BASE) = 5;
    RH_CODE(&h, LR(1, 5, 1), rv_s(STORE, 2, 1, 3, 0), SC(1, 6, 1, 2), ECALL);
    rh_run_ok(&h);
    g_assert_cmpuint(h.env.gpr[6], ==, 1);
    g_assert_cmpuint(*rh_data64(&h, DATA_BASE), ==, 7);
    rh_fini(&h);

    /* SC to another address than the reservation fails */
    rh_init(&h);
    h.env.gpr[1] = DATA_BASE;
    h.env.gpr[3] = DATA_BASE + 8;
    h.env.gpr[2] = 99;
    RH_CODE(&h, LR(0, 5, 1), SC(0, 6, 3, 2), ECALL);
    rh_run_ok(&h);
    g_assert_cmpuint(h.env.gpr[6], ==, 1);
    g_assert_cmpuint(*rh_data64(&h, DATA_BASE + 8), ==, 0);
    rh_fini(&h);

    /* lr.w sign-extends; sc.w compares 32 bits */
    rh_init(&h);
    h.env.gpr[1] = DATA_BASE;
    h.env.gpr[2] = 0x1234;
    *rh_data64(&h, DATA_BASE) = 0x1111111180000000u;
    RH_CODE(&h, LR(1, 5, 1), SC(1, 6, 1, 2), ECALL);
    rh_run_ok(&h);
    g_assert_cmphex(h.env.gpr[5], ==, 0xffffffff80000000);
    g_assert_cmpuint(h.env.gpr[6], ==, 0);
    g_assert_cmphex(*rh_data64(&h, DATA_BASE), ==, 0x1111111100001234u);
    rh_fini(&h);
}

static void test_amo(void)
{
    const struct {
        const char *name; unsigned f5; bool w; uint64_t mem, val, want_mem;
    } v[] = {
        { "amoswap.d", 0x01, false, 1, 2, 2 },
        { "amoadd.d", 0x00, false, ALL1, 2, 1 },
        { "amoxor.d", 0x04, false, 0xff, 0x0f, 0xf0 },
        { "amoand.d", 0x0c, false, 0xff, 0x0f, 0x0f },
        { "amoor.d", 0x08, false, 0xf0, 0x0f, 0xff },
        { "amomin.d", 0x10, false, 1, ALL1, ALL1 },
        { "amomax.d", 0x14, false, 1, ALL1, 1 },
        { "amominu.d", 0x18, false, 1, ALL1, 1 },
        { "amomaxu.d", 0x1c, false, 1, ALL1, ALL1 },
        { "amoadd.w wraps in 32 bits", 0x00, true, 0xaaaaaaaaffffffff, 1, 0xaaaaaaaa00000000 },
        { "amomin.w signed", 0x10, true, 0x7fffffff, 0x80000000, 0x80000000 },
        { "amomax.w ignores upper", 0x14, true, 0x00000001, 0xffffffff00000002, 2 },
        { "amominu.w", 0x18, true, 0x80000000, 0x7fffffff, 0x7fffffff },
        { "amomaxu.w", 0x1c, true, 0x80000000, 0x7fffffff, 0x80000000 },
        { "amoswap.w", 0x01, true, 0x5555555580000000, 7, 0x5555555500000007 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(v); i++) {
        RvHart h;
        uint64_t old = v[i].w ? (uint64_t)(int64_t)(int32_t)v[i].mem : v[i].mem;

        rh_init(&h);
        h.env.gpr[1] = DATA_BASE;
        h.env.gpr[2] = v[i].val;
        *rh_data64(&h, DATA_BASE) = v[i].mem;
        RH_CODE(&h, AMOOP(v[i].f5, v[i].w, 3, 1, 2) | 3u << 25 /* aq rl */, ECALL);
        rh_run_ok(&h);
        if (h.env.gpr[3] != old || *rh_data64(&h, DATA_BASE) != v[i].want_mem) {
            g_test_message("%s: rd 0x%" PRIx64 " mem 0x%" PRIx64, v[i].name, h.env.gpr[3],
                           *rh_data64(&h, DATA_BASE));
        }
        g_assert_cmphex(h.env.gpr[3], ==, old);
        g_assert_cmphex(*rh_data64(&h, DATA_BASE), ==, v[i].want_mem);
        rh_fini(&h);
    }
}

static void test_amo_misaligned(void)
{
    RvHart h;

    rh_init(&h);
    h.env.gpr[1] = DATA_BASE + 4;
    RH_CODE(&h, AMOOP(0, false, 3, 1, 2), ECALL);
    g_assert_cmpint(rh_run(&h), ==, -1);
    g_assert_cmpint(h.info.fault.kind, ==, TCG_FAULT_ALIGN);
    g_assert_cmphex(h.env.pc, ==, CODE_BASE);
    rh_fini(&h);
}

/* ---- Zicsr ---- */

static void test_csr(void)
{
    RvHart h;

    rh_init(&h);
    h.env.gpr[1] = 0xff;
    RH_CODE(&h, CSRRW(5, 0x003, 1),   /* fcsr = 0xff: frm 7, fflags 0x1f */
            CSRRS(6, 0x002, 0),       /* frm */
            CSRRS(7, 0x001, 0),       /* fflags */
            CSRRCI(8, 0x001, 3),      /* clear NX, UF */
            CSRRWI(9, 0x002, 1),      /* frm = RTZ */
            CSRRSI(10, 0x003, 0),     /* read fcsr */
            CSRRS(11, 0xc00, 0),      /* rdcycle */
            CSRRS(12, 0xc01, 0),      /* rdtime */
            CSRRS(13, 0xc02, 0),      /* rdinstret */
            ECALL);
    rh_run_ok(&h);
    g_assert_cmphex(h.env.gpr[5], ==, 0);
    g_assert_cmphex(h.env.gpr[6], ==, 7);
    g_assert_cmphex(h.env.gpr[7], ==, 0x1f);
    g_assert_cmphex(h.env.gpr[8], ==, 0x1f);
    g_assert_cmphex(h.env.gpr[9], ==, 7);
    g_assert_cmphex(h.env.gpr[10], ==, 1 << 5 | 0x1c);
    g_assert_cmphex(h.env.fflags, ==, 0x1c);
    g_assert_cmphex(h.env.frm, ==, 1);
    g_assert_cmpuint(h.env.gpr[11], >, 0);
    g_assert_cmpuint(h.env.gpr[12], >=, h.env.gpr[11]);
    g_assert_cmpuint(h.env.gpr[13], >=, h.env.gpr[12]);
    rh_fini(&h);

    /* writes to read-only counters and unknown CSRs are illegal */
    const uint32_t bad[] = {
        CSRRW(0, 0xc00, 1), CSRRS(5, 0xc01, 1), CSRRSI(5, 0xc02, 1), CSRRS(5, 0x300, 0),
        CSRRS(5, 0x004, 0),
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        rh_init(&h);
        h.env.gpr[1] = 1;
        RH_CODE(&h, bad[i], ECALL);
        g_assert_cmpint(rh_run(&h), ==, RISCV_EXCP_ILLEGAL_INST);
        g_assert_cmphex(h.env.tval, ==, bad[i]);
        rh_fini(&h);
    }
    /* FP CSRs need F */
    rh_init_model(&h, "rv64imac");
    RH_CODE(&h, CSRRS(5, 0x003, 0), ECALL);
    g_assert_cmpint(rh_run(&h), ==, RISCV_EXCP_ILLEGAL_INST);
    rh_fini(&h);
}

static uint64_t fixed_counter(CPURISCVState *env, RISCVCounter which)
{
    (void)env;
    return 1000 + which;
}

static void test_counter_callback(void)
{
    RvHart h;

    rh_init(&h);
    h.env.counter = fixed_counter;
    RH_CODE(&h, CSRRS(5, 0xc00, 0), CSRRS(6, 0xc01, 0), CSRRS(7, 0xc02, 0), ECALL);
    rh_run_ok(&h);
    g_assert_cmpuint(h.env.gpr[5], ==, 1000);
    g_assert_cmpuint(h.env.gpr[6], ==, 1001);
    g_assert_cmpuint(h.env.gpr[7], ==, 1002);
    rh_fini(&h);
}

/* ---- TB structure ---- */

static void test_fence(void)
{
    RvHart h;

    rh_init(&h);
    RH_CODE(&h, ADDI(5, 0, 1), 0x0ff0000f /* fence */, 0x8330000f /* fence.tso */,
            0x0000100f /* fence.i */, ADDI(5, 5, 1), ECALL);
    g_assert_cmpint(rh_step(&h), ==, TCG_EXIT_TB);
    g_assert_cmpuint(h.info.value, ==, RISCV_EXIT_FENCE_I);
    g_assert_cmphex(h.env.pc, ==, CODE_BASE + 16);
    g_assert_cmpuint(h.env.gpr[5], ==, 1);
    rh_run_ok(&h);
    g_assert_cmpuint(h.env.gpr[5], ==, 2);
    rh_fini(&h);
}

static void test_chaining_exits(void)
{
    RvHart h;

    rh_init(&h);
    h.tb_token = 0x1230;
    RH_CODE(&h, rv_b(0, 0, 0, 8), ECALL, ECALL);
    g_assert_cmpint(rh_step(&h), ==, TCG_EXIT_TB);
    g_assert_cmphex(h.info.value, ==, 0x1231);     /* taken: slot 1 */
    g_assert_cmpint(h.info.goto_tb_slot, ==, 1);
    g_assert_cmphex(h.env.pc, ==, CODE_BASE + 8);
    rh_fini(&h);

    rh_init(&h);
    h.tb_token = 0x1230;
    RH_CODE(&h, rv_b(1, 0, 0, 8), ECALL, ECALL);
    g_assert_cmpint(rh_step(&h), ==, TCG_EXIT_TB);
    g_assert_cmphex(h.info.value, ==, 0x1230);     /* not taken: slot 0 */
    g_assert_cmpint(h.info.goto_tb_slot, ==, 0);
    g_assert_cmphex(h.env.pc, ==, CODE_BASE + 4);
    rh_fini(&h);
}

static void test_tb_limits(void)
{
    RvHart h;
    RISCVTBInfo ti;

    /* max_insns */
    rh_init(&h);
    h.max_insns = 2;
    RH_CODE(&h, ADDI(5, 5, 1), ADDI(5, 5, 1), ADDI(5, 5, 1), ECALL);
    g_assert_cmpint(rh_step(&h), ==, TCG_EXIT_TB);
    g_assert_cmpuint(h.env.gpr[5], ==, 2);
    g_assert_cmphex(h.env.pc, ==, CODE_BASE + 8);
    rh_run_ok(&h);
    g_assert_cmpuint(h.env.gpr[5], ==, 3);
    rh_fini(&h);

    /* a TB stops at the page end; a 32-bit insn straddling it belongs to the TB */
    rh_init(&h);
    h.code_end = CODE_BASE + TM_PAGE - 6;
    h.env.pc = h.code_end;
    rh_put32(&h, ADDI(5, 5, 1));
    rh_put32(&h, ADDI(5, 5, 1));        /* straddles */
    rh_put32(&h, ECALL);
    RISCVTBDesc d = { .pc = h.env.pc, .flags = h.env.ext, .fetch = rh_fetch,
                      .fetch_opaque = h.mem };
    g_assert_true(riscv_translate_block(h.tr, &d, &ti, NULL));
    g_assert_cmpuint(ti.ninsns, ==, 2);
    g_assert_cmpuint(ti.size, ==, 8);
    rh_run_ok(&h);
    g_assert_cmpuint(h.env.gpr[5], ==, 2);
    rh_fini(&h);

    /* an unfetchable pc: instruction access fault with the address */
    rh_init(&h);
    h.mem->kind[1] = TP_NONE;
    h.code_end = CODE_BASE + TM_PAGE - 4;
    h.env.pc = h.code_end;
    rh_put32(&h, ADDI(5, 5, 1));
    g_assert_cmpint(rh_run(&h), ==, RISCV_EXCP_INST_ACCESS);
    g_assert_cmphex(h.env.pc, ==, CODE_BASE + TM_PAGE);
    g_assert_cmphex(h.env.tval, ==, CODE_BASE + TM_PAGE);
    g_assert_cmpuint(h.env.gpr[5], ==, 1);
    rh_fini(&h);

    /* a 32-bit instruction whose second half cannot be fetched */
    rh_init(&h);
    h.mem->kind[1] = TP_NONE;
    h.code_end = CODE_BASE + TM_PAGE - 2;
    h.env.pc = h.code_end;
    rh_put16(&h, 0x0013);
    g_assert_cmpint(rh_run(&h), ==, RISCV_EXCP_INST_ACCESS);
    g_assert_cmphex(h.env.pc, ==, CODE_BASE + TM_PAGE - 2);
    g_assert_cmphex(h.env.tval, ==, CODE_BASE + TM_PAGE);
    rh_fini(&h);
}

/* ---- bit manipulation against C references ---- */

typedef uint64_t (*RefFn)(uint64_t a, uint64_t b);

static uint64_t sx32(uint64_t x) { return (uint64_t)(int64_t)(int32_t)x; }
static uint64_t rol64(uint64_t a, unsigned n) { n &= 63; return n ? a << n | a >> (64 - n) : a; }
static uint64_t ror64(uint64_t a, unsigned n) { return rol64(a, (64 - (n & 63)) & 63); }
static uint32_t rol32(uint32_t a, unsigned n) { n &= 31; return n ? a << n | a >> (32 - n) : a; }

static uint64_t ref_andn(uint64_t a, uint64_t b) { return a & ~b; }
static uint64_t ref_orn(uint64_t a, uint64_t b) { return a | ~b; }
static uint64_t ref_xnor(uint64_t a, uint64_t b) { return ~(a ^ b); }
static uint64_t ref_min(uint64_t a, uint64_t b) { return (int64_t)a < (int64_t)b ? a : b; }
static uint64_t ref_max(uint64_t a, uint64_t b) { return (int64_t)a > (int64_t)b ? a : b; }
static uint64_t ref_minu(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t ref_maxu(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t ref_rol(uint64_t a, uint64_t b) { return rol64(a, b & 63); }
static uint64_t ref_ror(uint64_t a, uint64_t b) { return ror64(a, b & 63); }
static uint64_t ref_rolw(uint64_t a, uint64_t b) { return sx32(rol32((uint32_t)a, b & 31)); }
static uint64_t ref_rorw(uint64_t a, uint64_t b)
{
    return sx32(rol32((uint32_t)a, (32 - (b & 31)) & 31));
}
static uint64_t ref_bclr(uint64_t a, uint64_t b) { return a & ~(UINT64_C(1) << (b & 63)); }
static uint64_t ref_bset(uint64_t a, uint64_t b) { return a | UINT64_C(1) << (b & 63); }
static uint64_t ref_binv(uint64_t a, uint64_t b) { return a ^ UINT64_C(1) << (b & 63); }
static uint64_t ref_bext(uint64_t a, uint64_t b) { return (a >> (b & 63)) & 1; }
static uint64_t ref_sh1add(uint64_t a, uint64_t b) { return (a << 1) + b; }
static uint64_t ref_sh2add(uint64_t a, uint64_t b) { return (a << 2) + b; }
static uint64_t ref_sh3add(uint64_t a, uint64_t b) { return (a << 3) + b; }
static uint64_t ref_adduw(uint64_t a, uint64_t b) { return (a & 0xffffffff) + b; }
static uint64_t ref_sh1adduw(uint64_t a, uint64_t b) { return ((a & 0xffffffff) << 1) + b; }
static uint64_t ref_sh2adduw(uint64_t a, uint64_t b) { return ((a & 0xffffffff) << 2) + b; }
static uint64_t ref_sh3adduw(uint64_t a, uint64_t b) { return ((a & 0xffffffff) << 3) + b; }

/* carry-less product bit by bit over the 128-bit result, as the spec's loops */
static uint64_t clmul_bits(uint64_t a, uint64_t b, int from)
{
    uint64_t r = 0;
    for (int i = 0; i < 64; i++) {
        int k = from + i;           /* result bit k of the 128-bit product */
        unsigned bit = 0;
        for (int j = 0; j <= k && j < 64; j++) {
            if (k - j < 64) {
                bit ^= (unsigned)((a >> j) & (b >> (k - j)) & 1);
            }
        }
        r |= (uint64_t)bit << i;
    }
    return r;
}
static uint64_t ref_clmul(uint64_t a, uint64_t b) { return clmul_bits(a, b, 0); }
static uint64_t ref_clmulh(uint64_t a, uint64_t b) { return clmul_bits(a, b, 64); }
static uint64_t ref_clmulr(uint64_t a, uint64_t b) { return clmul_bits(a, b, 63); }

static uint64_t ref_clz(uint64_t a, uint64_t b)
{
    uint64_t n = 0;
    (void)b;
    for (int i = 63; i >= 0 && !(a >> i & 1); i--) {
        n++;
    }
    return n;
}
static uint64_t ref_ctz(uint64_t a, uint64_t b)
{
    uint64_t n = 0;
    (void)b;
    for (int i = 0; i < 64 && !(a >> i & 1); i++) {
        n++;
    }
    return n;
}
static uint64_t ref_cpop(uint64_t a, uint64_t b)
{
    uint64_t n = 0;
    (void)b;
    for (int i = 0; i < 64; i++) {
        n += a >> i & 1;
    }
    return n;
}
static uint64_t ref_clzw(uint64_t a, uint64_t b)
{
    return ref_clz(a << 32 | 0xffffffff, b) > 32 ? 32 : ref_clz(a << 32 | 0xffffffff, b);
}
static uint64_t ref_ctzw(uint64_t a, uint64_t b) { return ref_ctz(a | UINT64_C(1) << 32, b); }
static uint64_t ref_cpopw(uint64_t a, uint64_t b) { return ref_cpop(a & 0xffffffff, b); }
static uint64_t ref_sextb(uint64_t a, uint64_t b) { (void)b; return (uint64_t)(int64_t)(int8_t)a; }
static uint64_t ref_sexth(uint64_t a, uint64_t b) { (void)b; return (uint64_t)(int64_t)(int16_t)a; }
static uint64_t ref_zexth(uint64_t a, uint64_t b) { (void)b; return a & 0xffff; }
static uint64_t ref_orcb(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    (void)b;
    for (int i = 0; i < 8; i++) {
        if ((a >> (8 * i)) & 0xff) {
            r |= UINT64_C(0xff) << (8 * i);
        }
    }
    return r;
}
static uint64_t ref_rev8(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    (void)b;
    for (int i = 0; i < 8; i++) {
        r |= ((a >> (8 * i)) & 0xff) << (8 * (7 - i));
    }
    return r;
}

typedef struct BitOp {
    const char *name;
    uint32_t insn;          /* x3 = op(x1, x2), or with an immediate: see imm */
    RefFn ref;
    int imm;                /* -1: register form; else the immediate is encoded per shamt */
    unsigned imm_bits;
} BitOp;

static void test_bitmanip(void)
{
    const BitOp ops[] = {
        { "andn", R3(OP, 7, 0x20), ref_andn, -1, 0 },
        { "orn", R3(OP, 6, 0x20), ref_orn, -1, 0 },
        { "xnor", R3(OP, 4, 0x20), ref_xnor, -1, 0 },
        { "min", R3(OP, 4, 5), ref_min, -1, 0 },
        { "minu", R3(OP, 5, 5), ref_minu, -1, 0 },
        { "max", R3(OP, 6, 5), ref_max, -1, 0 },
        { "maxu", R3(OP, 7, 5), ref_maxu, -1, 0 },
        { "rol", R3(OP, 1, 0x30), ref_rol, -1, 0 },
        { "ror", R3(OP, 5, 0x30), ref_ror, -1, 0 },
        { "rolw", R3(OP32, 1, 0x30), ref_rolw, -1, 0 },
        { "rorw", R3(OP32, 5, 0x30), ref_rorw, -1, 0 },
        { "clmul", R3(OP, 1, 5), ref_clmul, -1, 0 },
        { "clmulh", R3(OP, 3, 5), ref_clmulh, -1, 0 },
        { "clmulr", R3(OP, 2, 5), ref_clmulr, -1, 0 },
        { "bclr", R3(OP, 1, 0x24), ref_bclr, -1, 0 },
        { "bext", R3(OP, 5, 0x24), ref_bext, -1, 0 },
        { "binv", R3(OP, 1, 0x34), ref_binv, -1, 0 },
        { "bset", R3(OP, 1, 0x14), ref_bset, -1, 0 },
        { "sh1add", R3(OP, 2, 0x10), ref_sh1add, -1, 0 },
        { "sh2add", R3(OP, 4, 0x10), ref_sh2add, -1, 0 },
        { "sh3add", R3(OP, 6, 0x10), ref_sh3add, -1, 0 },
        { "add.uw", R3(OP32, 0, 4), ref_adduw, -1, 0 },
        { "sh1add.uw", R3(OP32, 2, 0x10), ref_sh1adduw, -1, 0 },
        { "sh2add.uw", R3(OP32, 4, 0x10), ref_sh2adduw, -1, 0 },
        { "sh3add.uw", R3(OP32, 6, 0x10), ref_sh3adduw, -1, 0 },
        { "clz", I3(OPIMM, 1, 0x600), ref_clz, -1, 0 },
        { "ctz", I3(OPIMM, 1, 0x601), ref_ctz, -1, 0 },
        { "cpop", I3(OPIMM, 1, 0x602), ref_cpop, -1, 0 },
        { "clzw", I3(OPIMM32, 1, 0x600), ref_clzw, -1, 0 },
        { "ctzw", I3(OPIMM32, 1, 0x601), ref_ctzw, -1, 0 },
        { "cpopw", I3(OPIMM32, 1, 0x602), ref_cpopw, -1, 0 },
        { "sext.b", I3(OPIMM, 1, 0x604), ref_sextb, -1, 0 },
        { "sext.h", I3(OPIMM, 1, 0x605), ref_sexth, -1, 0 },
        { "zext.h", rv_r(OP32, 4, 4, 3, 1, 0), ref_zexth, -1, 0 },
        { "orc.b", I3(OPIMM, 5, 0x287), ref_orcb, -1, 0 },
        { "rev8", I3(OPIMM, 5, 0x6b8), ref_rev8, -1, 0 },
        /* immediate forms: the shift amount goes in the low bits of the insn's imm */
        { "rori", I3(OPIMM, 5, 0x600), ref_ror, 0, 6 },
        { "roriw", I3(OPIMM32, 5, 0x600), ref_rorw, 0, 5 },
        { "bclri", I3(OPIMM, 1, 0x480), ref_bclr, 0, 6 },
        { "bexti", I3(OPIMM, 5, 0x480), ref_bext, 0, 6 },
        { "binvi", I3(OPIMM, 1, 0x680), ref_binv, 0, 6 },
        { "bseti", I3(OPIMM, 1, 0x280), ref_bset, 0, 6 },
    };
    const uint64_t edge[] = {
        0, 1, 2, 31, 32, 63, 64, 0x7f, 0x80, 0xff, 0x8000, 0x7fffffff, 0x80000000,
        0xffffffff, 0x100000000, MIN64, ALL1, ALL1 - 1, 0x0123456789abcdef,
        0x00ff00ff00ff0000, 0x8000000000000001,
    };
    GRand *rand = g_rand_new_with_seed(0x5eed);

    for (size_t o = 0; o < G_N_ELEMENTS(ops); o++) {
        for (size_t k = 0; k < 40; k++) {
            uint64_t a, b, want, got;
            uint32_t insn = ops[o].insn;
            if (k < G_N_ELEMENTS(edge)) {
                a = edge[k];
                b = edge[(k * 7 + 3) % G_N_ELEMENTS(edge)];
            } else {
                a = (uint64_t)g_rand_int(rand) << 32 | g_rand_int(rand);
                b = (uint64_t)g_rand_int(rand) << 32 | g_rand_int(rand);
            }
            if (ops[o].imm >= 0) {
                b &= (1u << ops[o].imm_bits) - 1;
                insn |= (uint32_t)b << 20;
            }
            want = ops[o].ref(a, b);
            got = run_op(insn, a, b);
            if (got != want) {
                g_test_message("%s a=0x%" PRIx64 " b=0x%" PRIx64 ": got 0x%" PRIx64
                               ", want 0x%" PRIx64, ops[o].name, a, b, got, want);
            }
            g_assert_cmphex(got, ==, want);
        }
    }
    g_rand_free(rand);
}

/* Writes to x0 are dropped, whatever the instruction. */
static void test_x0(void)
{
    RvHart h;

    rh_init(&h);
    h.env.gpr[1] = DATA_BASE;
    *rh_data64(&h, DATA_BASE) = 9;
    RH_CODE(&h, ADDI(0, 0, 5), rv_i(LOAD, 3, 0, 1, 0), AMOOP(0, false, 0, 1, 1),
            rv_u(0x37, 0, 1), ADD(5, 0, 0), ECALL);
    rh_run_ok(&h);
    g_assert_cmphex(h.env.gpr[0], ==, 0);
    g_assert_cmphex(h.env.gpr[5], ==, 0);
    g_assert_cmphex(*rh_data64(&h, DATA_BASE), ==, 9 + DATA_BASE);
    rh_fini(&h);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/riscv/int/alu", test_alu);
    g_test_add_func("/riscv/int/lui-auipc", test_lui_auipc);
    g_test_add_func("/riscv/int/shifts", test_shifts);
    g_test_add_func("/riscv/int/mul-div", test_mul_div);
    g_test_add_func("/riscv/int/loads-stores", test_loads_stores);
    g_test_add_func("/riscv/int/load-fault", test_load_fault);
    g_test_add_func("/riscv/int/branches", test_branches);
    g_test_add_func("/riscv/int/loop", test_loop);
    g_test_add_func("/riscv/int/jumps", test_jumps);
    g_test_add_func("/riscv/int/misaligned-target", test_misaligned_target);
    g_test_add_func("/riscv/int/traps", test_traps);
    g_test_add_func("/riscv/int/extension-gating", test_extension_gating);
    g_test_add_func("/riscv/int/cpu-models", test_cpu_models);
    g_test_add_func("/riscv/int/x0", test_x0);
    g_test_add_func("/riscv/c/expansion", test_rvc_expansion);
    g_test_add_func("/riscv/c/program", test_rvc_program);
    g_test_add_func("/riscv/a/lr-sc", test_lr_sc);
    g_test_add_func("/riscv/a/amo", test_amo);
    g_test_add_func("/riscv/a/amo-misaligned", test_amo_misaligned);
    g_test_add_func("/riscv/zicsr/csr", test_csr);
    g_test_add_func("/riscv/zicsr/counter-callback", test_counter_callback);
    g_test_add_func("/riscv/tb/fence", test_fence);
    g_test_add_func("/riscv/tb/chaining-exits", test_chaining_exits);
    g_test_add_func("/riscv/tb/limits", test_tb_limits);
    g_test_add_func("/riscv/b/reference", test_bitmanip);
    return g_test_run();
}
