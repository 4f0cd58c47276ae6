/*
 * The -d logs of the execution core: in_asm (guest code of a new TB), op and
 * op_opt (its IR before and after the optimizer), out_asm (its host code), exec
 * (each TB entered, each link made) and cpu (registers before a TB), in the
 * shapes QEMU prints them. Translation-time logs run under the translation lock,
 * which also protects the disassembler handles.
 */
#include "config.h"
#include <capstone/capstone.h>
#include <inttypes.h>
#include "libcore/log.h"
#include "libtcg/exec-int.h"

#define IN_ASM_MAX_BYTES 4096

typedef struct Disas {
    bool tried;
    bool ok;
    csh handle;
} Disas;

static Disas host_disas, guest_disas;
static int guest_disas_arch = -1, guest_disas_mode = -1;

static bool disas_open(Disas *d, int arch, int mode, bool att)
{
    if (!d->tried) {
        d->tried = true;
        d->ok = cs_open((cs_arch)arch, (cs_mode)mode, &d->handle) == CS_ERR_OK;
        if (d->ok && att) {
            cs_option(d->handle, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
        }
    }
    return d->ok;
}

/* The instruction word as QEMU prints it: little-endian value of len bytes. */
static void append_word(GString *out, const uint8_t *p, size_t len)
{
    uint64_t v = 0;

    for (size_t i = len; i-- > 0; ) {
        v = v << 8 | p[i];
    }
    g_string_append_printf(out, "%0*" PRIx64, (int)(len * 2), v);
}

static void in_asm_capstone(const TCGExecConfig *cfg, uint64_t pc, const uint8_t *buf,
                            size_t len, GString *out)
{
    const TCGExecGuest *g = cfg->guest;
    unsigned step = g->min_insn_bytes ? g->min_insn_bytes : 4;
    cs_insn *insn = NULL;
    size_t n = 0;

    if (guest_disas_arch != g->cs_arch || guest_disas_mode != g->cs_mode) {
        if (guest_disas.ok) {
            cs_close(&guest_disas.handle);
        }
        guest_disas = (Disas){ 0 };
        guest_disas_arch = g->cs_arch;
        guest_disas_mode = g->cs_mode;
    }
    if (disas_open(&guest_disas, g->cs_arch, g->cs_mode, false)) {
        n = cs_disasm(guest_disas.handle, buf, len, pc, 0, &insn);
    }
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        GString *w = g_string_new(NULL);
        append_word(w, buf + done, insn[i].size);
        g_string_append_printf(out, "0x%016" PRIx64 ":  %-18s%-24s%s\n", insn[i].address,
                               w->str, insn[i].mnemonic, insn[i].op_str);
        g_string_free(w, true);
        done += insn[i].size;
    }
    if (insn) {
        cs_free(insn, n);
    }
    /* what capstone could not decode: raw words */
    for (; done + step <= len; done += step) {
        g_string_append_printf(out, "0x%016" PRIx64 ":  ", pc + done);
        append_word(out, buf + done, step);
        g_string_append_c(out, '\n');
    }
}

static void log_in_asm(const TCGExecConfig *cfg, const ExecTB *tb)
{
    const TCGExecGuest *g = cfg->guest;
    size_t len = tb->size < IN_ASM_MAX_BYTES ? tb->size : IN_ASM_MAX_BYTES;
    uint8_t *buf = g_malloc(len ? len : 1);
    GString *out = g_string_new("----------------\nIN: \n");
    size_t have = 0;

    /* the TB was just translated from these bytes, so they are readable */
    while (have < len && cfg->fetch(cfg->opaque, tb->key.pc + have, buf + have, 1)) {
        have++;
    }
    if (g->disas) {
        size_t off = 0;
        while (off < have) {
            g_string_append_printf(out, "0x%016" PRIx64 ":  ", tb->key.pc + off);
            unsigned n = g->disas(tb->key.pc + off, buf + off, have - off, out);
            g_string_append_c(out, '\n');
            if (!n) {
                break;
            }
            off += n;
        }
    } else {
        in_asm_capstone(cfg, tb->key.pc, buf, have, out);
    }
    g_string_append_c(out, '\n');
    qemu_log("%s", out->str);
    g_string_free(out, true);
    g_free(buf);
}

static void log_out_asm(const ExecTB *tb)
{
    const TCGTB *t = tb->tb;
    GString *out = g_string_new(NULL);
    cs_insn *insn = NULL;
    size_t n = 0;

    g_string_append_printf(out, "OUT: [size=%u]\n", t->code_size);
    if (disas_open(&host_disas, CS_ARCH_X86, CS_MODE_64, true)) {
        n = cs_disasm(host_disas.handle, t->code, t->code_size, (uintptr_t)t->code, 0, &insn);
    }
    for (size_t i = 0; i < n; i++) {
        const cs_insn *in = &insn[i];
        for (uint16_t b = 0; b < in->size; b += 8) {
            GString *bytes = g_string_new(NULL);
            for (uint16_t j = b; j < in->size && j < b + 8; j++) {
                g_string_append_printf(bytes, "%02x ", in->bytes[j]);
            }
            if (b == 0) {
                g_string_append_printf(out, "0x%" PRIx64 ":  %-25s%-8s %s\n", in->address,
                                       bytes->str, in->mnemonic, in->op_str);
            } else {
                g_string_append_printf(out, "0x%" PRIx64 ":  %s\n", in->address + b,
                                       bytes->str);
            }
            g_string_free(bytes, true);
        }
    }
    if (insn) {
        cs_free(insn, n);
    }
    if (!n) {
        g_string_append(out, "  (no host disassembler)\n");
    }
    g_string_append_c(out, '\n');
    qemu_log("%s", out->str);
    g_string_free(out, true);
}

void exec_log_translation(const TCGExecConfig *cfg, const ExecTB *tb, const char *op,
                          const char *op_opt)
{
    qemu_log_lock();
    if (qemu_loglevel_mask(LOG_IN_ASM)) {
        log_in_asm(cfg, tb);
    }
    if (op) {
        qemu_log("OP:\n%s\n", op);
    }
    if (op_opt) {
        qemu_log("OP after optimization and liveness analysis:\n%s\n", op_opt);
    }
    if (qemu_loglevel_mask(LOG_OUT_ASM)) {
        log_out_asm(tb);
    }
    qemu_log_unlock();
}

void exec_log_trace(const TCGExecConfig *cfg, TCGExecCPU *cpu, const ExecTB *tb,
                    const char *what)
{
    bool trace = qemu_loglevel_mask(LOG_EXEC);
    bool regs = qemu_loglevel_mask(LOG_CPU) && what[0] == 'T';
    GString *out;

    if (!trace && !regs) {
        return;
    }
    out = g_string_new(NULL);
    if (trace) {
        g_string_append_printf(out, "%s %d: %p [%016" PRIx64 "/%016" PRIx64 "/%08x/%08x] \n",
                               what, cpu->index, tb->code, (uint64_t)0, tb->key.pc,
                               tb->key.flags, tb->key.cflags);
    }
    if (regs && cfg->guest->dump_state) {
        cfg->guest->dump_state(cpu->env, out);
    }
    qemu_log("%s", out->str);
    g_string_free(out, true);
}

void exec_log_link(const ExecTB *from, unsigned slot, const ExecTB *to)
{
    qemu_log("Linking TBs %p index %u -> %p\n", from->code, slot, to->code);
}
