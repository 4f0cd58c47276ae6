/*
 * The RISC-V translator's driver: declares the guest state as IR globals, fetches
 * and decodes instructions (RVC expanded first), dispatches each to the pattern
 * table of its major opcode, and decides where a translation block ends.
 */
#include "config.h"
#include <glib.h>
#include "targets/riscv/translate-internal.h"

#define RV_PAGE_SIZE 4096u
#define RV_DEFAULT_MAX_INSNS 512u

RISCVTranslator *riscv_translator_new(TCGContext *s, Error **errp)
{
    RISCVTranslator *tr;
    char name[8];

    if (s->env_size < sizeof(CPURISCVState) || s->nb_globals > TCG_ENV_IDX + 1) {
        error_setf(errp, "riscv: the TCG context needs %zu bytes of env and no globals",
                   sizeof(CPURISCVState));
        return NULL;
    }
    tr = g_new0(RISCVTranslator, 1);
    tr->s = s;
    for (int i = 1; i < 32; i++) {
        snprintf(name, sizeof(name), "x%d", i);
        tr->gpr[i] = tcg_global_i64(s, offsetof(CPURISCVState, gpr) + 8 * i, name, errp);
        if (!tr->gpr[i].idx) {
            g_free(tr);
            return NULL;
        }
    }
    for (int i = 0; i < 32; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        tr->fpr[i] = tcg_global_i64(s, offsetof(CPURISCVState, fpr) + 8 * i, name, errp);
        if (!tr->fpr[i].idx) {
            g_free(tr);
            return NULL;
        }
    }
    tr->pc = tcg_global_i64(s, offsetof(CPURISCVState, pc), "pc", errp);
    tr->load_res = tcg_global_i64(s, offsetof(CPURISCVState, load_res), "load_res", errp);
    tr->load_val = tcg_global_i64(s, offsetof(CPURISCVState, load_val), "load_val", errp);
    if (!tr->pc.idx || !tr->load_res.idx || !tr->load_val.idx) {
        g_free(tr);
        return NULL;
    }
    return tr;
}

void riscv_translator_free(RISCVTranslator *tr)
{
    g_free(tr);
}

TCGv_i64 rv_get_gpr(DisasContext *c, unsigned r)
{
    return r ? c->tr->gpr[r] : tcg_constant_i64(c->s, 0);
}

void rv_set_gpr(DisasContext *c, unsigned r, TCGv_i64 v)
{
    if (r) {
        tcg_gen_mov_i64(c->s, c->tr->gpr[r], v);
    }
}

TCGv_i64 rv_env(DisasContext *c)
{
    return tcgv_ptr_as_i64(tcg_env(c->s));
}

void rv_gen_exception(DisasContext *c, uint32_t cause, uint64_t tval)
{
    TCGContext *s = c->s;

    tcg_gen_st_i32(s, tcg_constant_i32(s, cause), tcg_env(s),
                   offsetof(CPURISCVState, exception));
    tcg_gen_st_i64(s, tcg_constant_i64(s, tval), tcg_env(s), offsetof(CPURISCVState, tval));
    tcg_gen_movi_i64(s, c->tr->pc, c->pc);
    tcg_gen_exit_tb(s, RISCV_EXIT_EXCEPTION);
    c->ended = true;
}

static bool same_page(uint64_t a, uint64_t b)
{
    return (a ^ b) < RV_PAGE_SIZE;      /* equal in every bit above the page offset */
}

void rv_gen_lookup_and_goto(DisasContext *c)
{
    TCGContext *s = c->s;

    if (c->desc->lookup) {
        TCGv_i64 p = tcg_temp_new_i64(s);
        uint32_t arg = tcg_env(s).idx;
        tcg_gen_call(s, c->desc->lookup, p.idx, &arg, 1);
        tcg_gen_goto_ptr(s, (TCGv_ptr){ p.idx });
    } else {
        tcg_gen_exit_tb(s, RISCV_EXIT_LOOKUP);
    }
    c->ended = true;
}

void rv_gen_goto(DisasContext *c, unsigned slot, uint64_t dest)
{
    TCGContext *s = c->s;

    if (same_page(dest, c->desc->pc)) {
        uint64_t token = c->desc->tb_token;
        tcg_gen_goto_tb(s, slot);
        tcg_gen_movi_i64(s, c->tr->pc, dest);
        tcg_gen_exit_tb(s, token ? token | slot : RISCV_EXIT_LOOKUP);
        c->ended = true;
    } else {
        tcg_gen_movi_i64(s, c->tr->pc, dest);
        rv_gen_lookup_and_goto(c);
    }
}

static const RVInsn *decode(const RVInsnTable *tabs, uint32_t insn, uint32_t ext)
{
    const RVInsnTable *t = &tabs[(insn >> 2) & 31];

    for (size_t i = 0; i < t->count; i++) {
        const RVInsn *d = &t->insns[i];
        if ((insn & d->mask) == d->match && (ext & d->need) == d->need) {
            return d;
        }
    }
    return NULL;
}

static bool translate_insn(DisasContext *c, uint32_t insn)
{
    const RVInsn *d = decode(rv_int_tables, insn, c->ext);

    if (!d) {
        d = decode(rv_fp_tables, insn, c->ext);
    }
    return d && d->trans(c, d, insn);
}

/*
 * Fetch the instruction at c->pc. Returns false if a parcel cannot be read:
 * *bad_pc then says which.
 */
static bool fetch_insn(DisasContext *c, uint32_t *insn, uint64_t *bad_pc)
{
    uint16_t lo, hi;

    if (!c->desc->fetch(c->desc->fetch_opaque, c->pc, &lo)) {
        *bad_pc = c->pc;
        return false;
    }
    if ((lo & 3) != 3) {
        c->ilen = 2;
        *insn = lo;
        return true;
    }
    if (!c->desc->fetch(c->desc->fetch_opaque, c->pc + 2, &hi)) {
        *bad_pc = c->pc + 2;
        return false;
    }
    c->ilen = 4;
    *insn = (uint32_t)hi << 16 | lo;
    return true;
}

/* Translate one instruction at c->pc; first tells whether it starts the TB. */
static void translate_one(DisasContext *c, bool first)
{
    uint32_t raw = 0, insn;
    uint64_t bad_pc;

    if (!fetch_insn(c, &raw, &bad_pc)) {
        if (first) {
            tcg_gen_insn_start1(c->s, c->pc);
            rv_gen_exception(c, RISCV_EXCP_INST_ACCESS, bad_pc);
        } else {
            /* raise it when this pc starts a TB of its own */
            rv_gen_goto(c, 0, c->pc);
        }
        return;
    }
    tcg_gen_insn_start1(c->s, c->pc);
    c->next_pc = c->pc + c->ilen;
    c->end = c->next_pc;
    insn = raw;
    if (c->ilen == 2) {
        insn = c->ext & RISCV_EXT_C ? riscv_expand_rvc((uint16_t)raw, c->ext) : 0;
    } else if ((raw & 0x1f) == 0x1f) {
        insn = 0;       /* 48-bit and longer encodings: none are defined */
    }
    if (!insn || !translate_insn(c, insn)) {
        rv_gen_exception(c, RISCV_EXCP_ILLEGAL_INST, raw);
    }
}

bool riscv_translate_block(RISCVTranslator *tr, const RISCVTBDesc *desc,
                           RISCVTBInfo *info, Error **errp)
{
    TCGContext *s = tr->s;
    unsigned max = desc->max_insns ? desc->max_insns : RV_DEFAULT_MAX_INSNS;
    DisasContext c = {
        .s = s, .tr = tr, .desc = desc, .ext = desc->flags, .pc = desc->pc, .end = desc->pc,
    };
    unsigned n = 0;
    TCGLabel *exit_req;
    TCGv_i32 req;

    tcg_ctx_reset(s);
    /* A vCPU asked to leave (kick, signal, exclusive section) does so here. */
    exit_req = tcg_label_new(s);
    req = tcg_temp_new_i32(s);
    tcg_gen_ld_i32(s, req, tcg_env(s), offsetof(CPURISCVState, exit_request));
    tcg_gen_brcondi_i32(s, TCG_COND_NE, req, 0, exit_req);
    for (;;) {
        translate_one(&c, n == 0);
        n++;
        if (c.ended) {
            break;
        }
        c.pc = c.next_pc;
        if (n >= max || !same_page(c.pc, desc->pc)) {
            rv_gen_goto(&c, 0, c.pc);
            break;
        }
    }
    /* chained entries skip the pc update of the previous TB: set it here */
    tcg_gen_set_label(s, exit_req);
    tcg_gen_movi_i64(s, tr->pc, desc->pc);
    tcg_gen_exit_tb(s, RISCV_EXIT_REQUESTED);
    info->ninsns = n;
    info->size = c.end - desc->pc;
    return tcg_verify(s, errp);
}
