/*
 * Textual dump of the IR, one op per line (-d op, -d op_opt, test failures).
 * The format is docs/tcg-ir.md section 16; it is driven by the op table.
 */
#include <glib.h>
#include "libtcg/tcg.h"

static void dump_temp(GString *out, const TCGContext *s, TCGArg idx)
{
    if (idx >= s->nb_temps) {
        g_string_append_printf(out, "<bad %" PRIu64 ">", idx);
        return;
    }
    const TCGTemp *t = &s->temps[idx];
    switch (t->kind) {
    case TCG_TEMP_ENV:
        g_string_append(out, "env");
        break;
    case TCG_TEMP_GLOBAL:
        g_string_append(out, t->name);
        break;
    case TCG_TEMP_CONST:
        g_string_append_printf(out, "$0x%" PRIx64, t->val);
        break;
    case TCG_TEMP_LOCAL:
        g_string_append_printf(out, "loc%" PRIu64, idx);
        break;
    case TCG_TEMP_EBB:
        g_string_append_printf(out, "tmp%" PRIu64, idx);
        break;
    default:
        g_string_append(out, "<none>");
        break;
    }
}

static void dump_memop(GString *out, MemOpIdx oi)
{
    static const char sizes[] = "bwlq";
    MemOp mop = get_memop(oi);

    g_string_append_printf(out, "%s%s%c", mop & MO_BE ? "be" : "le",
                           mop & MO_SIGN ? "s" : "", sizes[mop & MO_SIZE]);
    if (mop & MO_AMASK) {
        g_string_append_printf(out, ",al%u", memop_alignment(mop));
    }
    g_string_append_printf(out, ",idx%u", get_mmuidx(oi));
}

static void dump_const(GString *out, char kind, TCGArg c)
{
    switch (kind) {
    case 'c':
        g_string_append(out, tcg_cond_name((TCGCond)c));
        break;
    case 'L':
        g_string_append_printf(out, "L%u", tcg_arg_label(c)->id);
        break;
    case 'm':
        dump_memop(out, (MemOpIdx)c);
        break;
    case 'b':
        g_string_append_printf(out, "mo=0x%x", (unsigned)c);
        break;
    case 'o':
        g_string_append_printf(out, "%" PRId64, (int64_t)c);
        break;
    case 'v':
        g_string_append_printf(out, "$0x%" PRIx64, c);
        break;
    default:
        g_string_append_printf(out, "%" PRIu64, c);
        break;
    }
}

static void dump_call(GString *out, const TCGContext *s, const TCGOp *op)
{
    const TCGHelperInfo *info = tcg_op_helper(op);

    g_string_append_printf(out, " call %s, flags=0x%x", info->name, info->flags);
    for (unsigned i = 0; i < op->nb_oargs + op->nb_iargs; i++) {
        g_string_append(out, ", ");
        dump_temp(out, s, op->args[i]);
    }
}

static void dump_op(GString *out, const TCGContext *s, const TCGOp *op)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    unsigned nt = op->nb_oargs + op->nb_iargs;

    if (op->opc == TCGOP_insn_start) {
        g_string_append(out, " ----");
        for (unsigned i = 0; i < op->nargs; i++) {
            g_string_append_printf(out, " 0x%" PRIx64, op->args[i]);
        }
        return;
    }
    if (op->opc == TCGOP_call) {
        dump_call(out, s, op);
        return;
    }
    g_string_append_printf(out, " %s", def->name);
    for (unsigned i = 0; i < op->nargs; i++) {
        g_string_append(out, i ? ", " : " ");
        if (i < nt) {
            dump_temp(out, s, op->args[i]);
        } else {
            dump_const(out, def->ckinds[i - nt], op->args[i]);
        }
    }
}

char *tcg_dump_op(const TCGContext *s, const TCGOp *op)
{
    GString *out = g_string_new(NULL);

    dump_op(out, s, op);
    return g_string_free(out, FALSE);
}

char *tcg_dump(const TCGContext *s)
{
    GString *out = g_string_new(NULL);

    tcg_for_each_op(s, op) {
        dump_op(out, s, op);
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}
