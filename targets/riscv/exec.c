/*
 * The RISC-V guest as the execution core sees it (libtcg/exec.h): translator
 * wrappers, the TB key, state restore after a fault, the -d cpu register dump and
 * the -d in_asm instruction text. Capstone 4 has no RISC-V, so in_asm shows the
 * instruction words (16 or 32 bits) without mnemonics.
 */
#include "config.h"
#include <inttypes.h>
#include <stddef.h>
#include "targets/riscv/translate.h"

static void *rv_translator_new(TCGContext *s, Error **errp)
{
    return riscv_translator_new(s, errp);
}

static void rv_translator_free(void *tr)
{
    riscv_translator_free(tr);
}

/* The translator reads 16-bit parcels; the runtime's fetch reads bytes. */
static bool rv_fetch_parcel(void *opaque, uint64_t pc, uint16_t *parcel)
{
    const TCGTransArgs *a = opaque;
    uint8_t b[2];

    if (!a->fetch(a->fetch_opaque, pc, b, 2)) {
        return false;
    }
    *parcel = (uint16_t)(b[0] | b[1] << 8);
    return true;
}

static bool rv_translate(void *tr, const TCGTransArgs *a, TCGTransResult *r, Error **errp)
{
    RISCVTBDesc d = {
        .pc = a->pc, .flags = a->flags, .max_insns = a->max_insns,
        .tb_token = a->tb_token, .lookup = a->lookup,
        .fetch = rv_fetch_parcel, .fetch_opaque = (void *)a,
    };
    RISCVTBInfo info = { 0 };

    if (!riscv_translate_block(tr, &d, &info, errp)) {
        return false;
    }
    r->ninsns = info.ninsns;
    r->size = info.size;
    return true;
}

static void rv_get_tb_key(const void *env, uint64_t *pc, uint32_t *flags)
{
    const CPURISCVState *e = env;

    *pc = e->pc;
    *flags = e->ext;
}

static void rv_restore_state(void *env, const uint64_t *words)
{
    riscv_restore_state(env, words);
}

static const char *const rv_reg_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static void rv_dump_state(const void *env, GString *out)
{
    const CPURISCVState *e = env;

    g_string_append_printf(out, " %-8s %016" PRIx64 "\n", "pc", e->pc);
    for (int i = 0; i < 32; i++) {
        char name[16];
        snprintf(name, sizeof(name), "x%d/%s", i, rv_reg_names[i]);
        g_string_append_printf(out, " %-8s %016" PRIx64, name, e->gpr[i]);
        if (i % 4 == 3) {
            g_string_append_c(out, '\n');
        }
    }
}

/* LR/SC/AMO are the only accesses the translator asks to be aligned. */
static void rv_raise_align(void *env, uint64_t addr)
{
    CPURISCVState *e = env;

    e->exception = RISCV_EXCP_STORE_AMO_ADDR_MIS;
    e->tval = addr;
}

static unsigned rv_disas(uint64_t pc, const uint8_t *buf, size_t len, GString *out)
{
    (void)pc;
    if (len < 2) {
        return 0;
    }
    if ((buf[0] & 3) != 3) {
        g_string_append_printf(out, "%04x", (unsigned)(buf[0] | buf[1] << 8));
        return 2;
    }
    if (len < 4) {
        return 0;
    }
    g_string_append_printf(out, "%08" PRIx32,
                           (uint32_t)buf[0] | (uint32_t)buf[1] << 8 |
                           (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24);
    return 4;
}

const TCGExecGuest riscv_exec_guest = {
    .name = "riscv64",
    .env_size = sizeof(CPURISCVState),
    .insn_start_words = 1,
    .exit_request_offset = offsetof(CPURISCVState, exit_request),
    .pc_offset = offsetof(CPURISCVState, pc),
    .translator_new = rv_translator_new,
    .translator_free = rv_translator_free,
    .translate = rv_translate,
    .get_tb_key = rv_get_tb_key,
    .restore_state = rv_restore_state,
    .dump_state = rv_dump_state,
    .cs_arch = -1,          /* capstone 4.0.2 has no RISC-V: rv_disas instead */
    .cs_mode = 0,
    .min_insn_bytes = 2,
    .raise_align = rv_raise_align,
    .disas = rv_disas,
};
