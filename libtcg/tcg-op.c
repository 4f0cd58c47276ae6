/*
 * Emitting ops: every operand checked against the op table, calls checked against
 * their helper's description, list editing for passes, and the whole-TB verifier.
 */
#include <stdarg.h>
#include <string.h>
#include <glib.h>
#include "libtcg/tcg-internal.h"

static void set_error(TCGContext *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(TCGContext *s, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    if (s->err) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_setf(&s->err, "%s", msg);
    g_free(msg);
}

static bool check_temp(TCGContext *s, const char *opname, TCGArg arg, char want,
                       TCGType optype, bool output)
{
    if (arg == 0 || arg >= s->nb_temps) {
        set_error(s, "%s: operand %" PRIu64 " is not a temp of this context", opname, arg);
        return false;
    }
    const TCGTemp *t = &s->temps[arg];
    TCGType need = want == 'T' ? optype : want == 'i' ? TCG_TYPE_I32 : TCG_TYPE_I64;
    if (want != '*' && t->type != need) {
        set_error(s, "%s: temp %" PRIu64 " has type %s, the op needs %s", opname, arg,
                  t->type == TCG_TYPE_I64 ? "i64" : "i32",
                  need == TCG_TYPE_I64 ? "i64" : "i32");
        return false;
    }
    if (output && (t->kind == TCG_TEMP_CONST || t->kind == TCG_TEMP_ENV)) {
        set_error(s, "%s: writes %s", opname,
                  t->kind == TCG_TEMP_CONST ? "a constant" : "env");
        return false;
    }
    return true;
}

static bool check_memop(TCGContext *s, const char *opname, TCGArg arg, unsigned w)
{
    if (arg > 0xfff) {
        set_error(s, "%s: MemOpIdx 0x%" PRIx64 " has unknown bits", opname, arg);
        return false;
    }
    if (memop_size(get_memop(arg)) * 8 > w) {
        set_error(s, "%s: access size %u bytes exceeds the %u-bit op", opname,
                  memop_size(get_memop(arg)), w);
        return false;
    }
    return true;
}

static bool check_const(TCGContext *s, TCGOpcode opc, const TCGArg *c, unsigned w)
{
    const TCGOpDef *def = &tcg_op_defs[opc];

    for (unsigned i = 0; i < def->nb_cargs; i++) {
        switch (def->ckinds[i]) {
        case 'c':
            if (c[i] >= TCG_COND_COUNT) {
                set_error(s, "%s: unknown condition %" PRIu64, def->name, c[i]);
                return false;
            }
            break;
        case 'L':
            if (!c[i]) {
                set_error(s, "%s: no label", def->name);
                return false;
            }
            break;
        case 'm':
            if (!check_memop(s, def->name, c[i], w)) {
                return false;
            }
            break;
        case 'b':
            if (c[i] == 0 || c[i] > TCG_MO_ALL) {
                set_error(s, "%s: barrier kind 0x%" PRIx64 " invalid", def->name, c[i]);
                return false;
            }
            break;
        case 's':
            if (c[i] > 1) {
                set_error(s, "%s: slot %" PRIu64 " (must be 0 or 1)", def->name, c[i]);
                return false;
            }
            if (s->goto_tb_used & (1u << c[i])) {
                set_error(s, "%s: slot %" PRIu64 " used twice", def->name, c[i]);
                return false;
            }
            break;
        case 'p':
            if (def->ckinds[i + 1] == 'n') {
                if (c[i + 1] < 1 || c[i] >= w || c[i + 1] > w - c[i]) {
                    set_error(s, "%s: field pos %" PRIu64 " len %" PRIu64
                              " does not fit %u bits", def->name, c[i], c[i + 1], w);
                    return false;
                }
            } else if (c[i] > w) {
                set_error(s, "%s: pos %" PRIu64 " above %u", def->name, c[i], w);
                return false;
            }
            break;
        default:
            break;
        }
    }
    return true;
}

static TCGOp *op_new(TCGContext *s, TCGOpcode opc, const TCGArg *args, unsigned nargs,
                     unsigned no, unsigned ni)
{
    TCGOp *op = tcg_arena_alloc(&s->op_arena, sizeof(TCGOp));

    op->opc = opc;
    op->nargs = nargs;
    op->nb_oargs = no;
    op->nb_iargs = ni;
    op->nb_cargs = nargs - no - ni;
    memcpy(op->args, args, nargs * sizeof(TCGArg));
    s->nb_ops++;
    s->verified = false;
    return op;
}

static void op_link_after(TCGContext *s, TCGOp *pos, TCGOp *op)
{
    op->prev = pos;
    op->next = pos ? pos->next : s->first_op;
    if (op->next) {
        op->next->prev = op;
    } else {
        s->last_op = op;
    }
    if (pos) {
        pos->next = op;
    } else {
        s->first_op = op;
    }
}

/* Check an op against the table; NULL (error recorded) on misuse. */
static TCGOp *op_build(TCGContext *s, TCGOpcode opc, const TCGArg *args, unsigned nargs)
{
    if (s->err) {
        return NULL;
    }
    if ((unsigned)opc >= TCGOP_COUNT || opc == TCGOP_call) {
        set_error(s, "op %u cannot be emitted this way", (unsigned)opc);
        return NULL;
    }
    const TCGOpDef *def = &tcg_op_defs[opc];
    unsigned nt = def->nb_oargs + def->nb_iargs;
    unsigned want = opc == TCGOP_insn_start ? s->insn_start_words : nt + def->nb_cargs;
    TCGType type = def->flags & TCG_OPF_64 ? TCG_TYPE_I64 : TCG_TYPE_I32;
    unsigned w = type == TCG_TYPE_I64 ? 64 : 32;

    if (nargs != want) {
        set_error(s, "%s: %u arguments given, %u expected", def->name, nargs, want);
        return NULL;
    }
    for (unsigned i = 0; i < nt; i++) {
        if (!check_temp(s, def->name, args[i], def->types[i], type,
                        i < def->nb_oargs || opc == TCGOP_discard)) {
            return NULL;
        }
    }
    if (def->nb_oargs == 2 && args[0] == args[1]) {
        set_error(s, "%s: both outputs are the same temp", def->name);
        return NULL;
    }
    if (opc != TCGOP_insn_start && !check_const(s, opc, args + nt, w)) {
        return NULL;
    }
    if (opc == TCGOP_goto_tb) {
        s->goto_tb_used |= 1u << args[0];
    }
    if (opc == TCGOP_insn_start) {
        return op_new(s, opc, args, nargs, 0, 0);
    }
    if (opc == TCGOP_set_label && tcg_arg_label(args[0])->def) {
        set_error(s, "set_label: label L%u placed twice", tcg_arg_label(args[0])->id);
        return NULL;
    }
    TCGOp *op = op_new(s, opc, args, nargs, def->nb_oargs, def->nb_iargs);
    if (def->flags & TCG_OPF_BRANCH) {
        tcg_arg_label(args[nargs - 1])->nrefs++;
    }
    if (opc == TCGOP_set_label) {
        tcg_arg_label(args[0])->def = op;
    }
    return op;
}

TCGOp *tcg_emit_op(TCGContext *s, TCGOpcode opc, const TCGArg *args, unsigned nargs)
{
    TCGOp *op = op_build(s, opc, args, nargs);

    if (op) {
        op_link_after(s, s->last_op, op);
    }
    return op;
}

TCGOp *tcg_op_insert_before(TCGContext *s, TCGOp *pos, TCGOpcode opc,
                            const TCGArg *args, unsigned nargs)
{
    TCGOp *op = op_build(s, opc, args, nargs);

    if (op) {
        op_link_after(s, pos->prev, op);
    }
    return op;
}

TCGOp *tcg_op_insert_after(TCGContext *s, TCGOp *pos, TCGOpcode opc,
                           const TCGArg *args, unsigned nargs)
{
    TCGOp *op = op_build(s, opc, args, nargs);

    if (op) {
        op_link_after(s, pos, op);
    }
    return op;
}

void tcg_op_remove(TCGContext *s, TCGOp *op)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];

    if (op->prev) {
        op->prev->next = op->next;
    } else {
        s->first_op = op->next;
    }
    if (op->next) {
        op->next->prev = op->prev;
    } else {
        s->last_op = op->prev;
    }
    if (def->flags & TCG_OPF_BRANCH) {
        tcg_arg_label(op->args[op->nargs - 1])->nrefs--;
    }
    if (op->opc == TCGOP_set_label) {
        tcg_arg_label(op->args[0])->def = NULL;
    }
    if (op->opc == TCGOP_goto_tb) {
        s->goto_tb_used &= ~(1u << op->args[0]);
    }
    op->prev = op->next = NULL;
    s->nb_ops--;
    s->verified = false;
}

void tcg_gen_insn_start(TCGContext *s, const uint64_t *words)
{
    tcg_emit_op(s, TCGOP_insn_start, words, s->insn_start_words);
}

static TCGType call_temp_type(TCGCallType t)
{
    return t == TCG_CALL_I32 ? TCG_TYPE_I32 : TCG_TYPE_I64;
}

TCGOp *tcg_gen_call(TCGContext *s, const TCGHelperInfo *info, uint32_t ret,
                    const uint32_t *args, unsigned nargs)
{
    TCGArg a[TCG_MAX_OP_ARGS];
    unsigned n = 0;

    if (s->err) {
        return NULL;
    }
    if (!info || !info->func || info->nargs > TCG_MAX_CALL_ARGS) {
        set_error(s, "call: invalid helper description");
        return NULL;
    }
    if ((info->flags & TCG_CALL_NO_SE) && !(info->flags & TCG_CALL_NO_WRITE_G)) {
        set_error(s, "call %s: NO_SE requires NO_WRITE_G", info->name);
        return NULL;
    }
    /* a helper that cannot see the current globals must not change them either */
    if ((info->flags & TCG_CALL_NO_READ_G) && !(info->flags & TCG_CALL_NO_WRITE_G)) {
        set_error(s, "call %s: NO_READ_G requires NO_WRITE_G", info->name);
        return NULL;
    }
    if (nargs != info->nargs) {
        set_error(s, "call %s: %u arguments given, the helper takes %u",
                  info->name, nargs, info->nargs);
        return NULL;
    }
    if ((info->ret == TCG_CALL_VOID) != (ret == 0) || info->ret == TCG_CALL_PTR) {
        set_error(s, "call %s: return value does not match the helper", info->name);
        return NULL;
    }
    if (ret) {
        char t = info->ret == TCG_CALL_I32 ? 'i' : 'l';
        if (!check_temp(s, info->name, ret, t, TCG_TYPE_I64, true)) {
            return NULL;
        }
        a[n++] = ret;
    }
    for (unsigned i = 0; i < nargs; i++) {
        if (info->args[i] == TCG_CALL_VOID) {
            set_error(s, "call %s: argument %u has type void", info->name, i);
            return NULL;
        }
        char t = call_temp_type(info->args[i]) == TCG_TYPE_I32 ? 'i' : 'l';
        if (!check_temp(s, info->name, args[i], t, TCG_TYPE_I64, false)) {
            return NULL;
        }
        a[n++] = args[i];
    }
    a[n++] = (TCGArg)(uintptr_t)info;
    TCGOp *op = op_new(s, TCGOP_call, a, n, ret ? 1 : 0, nargs);
    op_link_after(s, s->last_op, op);
    return op;
}

/* ---- verifier ---- */

static bool op_may_raise(const TCGOp *op)
{
    if (tcg_op_defs[op->opc].flags & TCG_OPF_MAY_FAULT) {
        return true;
    }
    if (op->opc == TCGOP_call) {
        unsigned f = tcg_op_helper(op)->flags;
        return !(f & (TCG_CALL_NO_READ_G | TCG_CALL_NO_SE));
    }
    return false;
}

static bool verify_goto_tb(const TCGOp *op, Error **errp)
{
    for (const TCGOp *o = op->next; o; o = o->next) {
        if (o->opc == TCGOP_exit_tb) {
            return true;
        }
        if (tcg_op_flags(o) & (TCG_OPF_SIDE_EFFECTS | TCG_OPF_HOST_MEM)) {
            error_setf(errp, "goto_tb %" PRIu64 ": followed by %s before exit_tb",
                       op->args[0], tcg_op_defs[o->opc].name);
            return false;
        }
    }
    error_setf(errp, "goto_tb %" PRIu64 ": no exit_tb follows", op->args[0]);
    return false;
}

bool tcg_verify(TCGContext *s, Error **errp)
{
    bool seen_insn_start = false;

    if (s->err) {
        error_setf(errp, "%s", error_message(s->err));
        return false;
    }
    if (s->verified) {
        return true;
    }
    if (!s->last_op || !(tcg_op_defs[s->last_op->opc].flags & TCG_OPF_BB_END)) {
        error_setf(errp, "the TB does not end with br, exit_tb or goto_ptr");
        return false;
    }
    tcg_for_each_op(s, op) {
        const TCGOpDef *def = &tcg_op_defs[op->opc];
        if (op->opc == TCGOP_insn_start) {
            seen_insn_start = true;
        } else if (op_may_raise(op) && !seen_insn_start) {
            error_setf(errp, "%s before the first insn_start", def->name);
            return false;
        }
        if (def->flags & TCG_OPF_BRANCH) {
            TCGLabel *l = tcg_arg_label(op->args[op->nargs - 1]);
            if (!l->def) {
                error_setf(errp, "%s: label L%u is never placed", def->name, l->id);
                return false;
            }
        }
        if (op->opc == TCGOP_goto_tb && !verify_goto_tb(op, errp)) {
            return false;
        }
    }
    s->verified = true;
    return true;
}
