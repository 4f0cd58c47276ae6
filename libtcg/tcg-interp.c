/*
 * The reference interpreter (docs/tcg-ir.md section 15). Every temp's value is a
 * uint64_t holding the zero-extended bit pattern; a state byte says whether it has
 * a value and, for globals, whether env is behind. Globals are synced and reloaded
 * only where the spec requires, so helpers with wrong flags misbehave here as they
 * may in generated code.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "libtcg/tcg-eval.h"
#include "libtcg/tcg-interp.h"

_Static_assert(sizeof(void *) == 8, "libtcg needs a 64-bit host");

enum {
    ST_LIVE = 1,
    ST_DIRTY = 2,       /* globals: the value differs from env */
};

struct TCGInterp {
    uint64_t *vals;
    uint8_t *state;
    uint32_t cap;
    uint64_t max_ops;
    uint64_t insn_data[TCG_MAX_INSN_START_WORDS];
    int64_t insn_index;
    /* the current run */
    TCGContext *s;
    uint8_t *env;
    const TCGMemOps *mem;
    void *opaque;
    TCGExitInfo *info;
};

typedef uint64_t (*TCGHelperFn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

TCGInterp *tcg_interp_new(void)
{
    TCGInterp *it = g_new0(TCGInterp, 1);
    it->insn_index = -1;
    return it;
}

void tcg_interp_free(TCGInterp *it)
{
    if (it) {
        g_free(it->vals);
        g_free(it->state);
        g_free(it);
    }
}

void tcg_interp_set_step_limit(TCGInterp *it, uint64_t max_ops)
{
    it->max_ops = max_ops;
}

const uint64_t *tcg_interp_insn_data(const TCGInterp *it)
{
    return it->insn_index >= 0 ? it->insn_data : NULL;
}

/* ---- values ---- */

static TCGExitKind invalid(TCGInterp *it, const TCGOp *op, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static TCGExitKind invalid(TCGInterp *it, const TCGOp *op, const char *fmt, ...)
{
    char why[96];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (op) {
        char *text = tcg_dump_op(it->s, op);
        snprintf(it->info->message, sizeof(it->info->message), "%s:%s", why, text);
        g_free(text);
    } else {
        snprintf(it->info->message, sizeof(it->info->message), "%s", why);
    }
    it->info->kind = TCG_EXIT_INVALID;
    return TCG_EXIT_INVALID;
}

static void write_temp(TCGInterp *it, TCGArg idx, uint64_t v)
{
    const TCGTemp *t = &it->s->temps[idx];

    it->vals[idx] = t->type == TCG_TYPE_I32 ? (uint32_t)v : v;
    it->state[idx] = ST_LIVE | (t->kind == TCG_TEMP_GLOBAL ? ST_DIRTY : 0);
}

static void load_globals(TCGInterp *it)
{
    for (uint32_t i = 0; i < it->s->nb_globals; i++) {
        const TCGTemp *t = &it->s->temps[i];
        if (t->kind == TCG_TEMP_GLOBAL) {
            if (t->type == TCG_TYPE_I32) {
                uint32_t v;
                memcpy(&v, it->env + t->mem_offset, 4);
                it->vals[i] = v;
            } else {
                memcpy(&it->vals[i], it->env + t->mem_offset, 8);
            }
            it->state[i] = ST_LIVE;
        }
    }
}

static void sync_globals(TCGInterp *it)
{
    for (uint32_t i = 0; i < it->s->nb_globals; i++) {
        const TCGTemp *t = &it->s->temps[i];
        if (it->state[i] & ST_DIRTY) {
            if (t->type == TCG_TYPE_I32) {
                uint32_t v = (uint32_t)it->vals[i];
                memcpy(it->env + t->mem_offset, &v, 4);
            } else {
                memcpy(it->env + t->mem_offset, &it->vals[i], 8);
            }
            it->state[i] &= ~ST_DIRTY;
        }
    }
}

static void kill_ebb_temps(TCGInterp *it)
{
    for (uint32_t i = it->s->nb_globals; i < it->s->nb_temps; i++) {
        if (it->s->temps[i].kind == TCG_TEMP_EBB) {
            it->state[i] = 0;
        }
    }
}

/* ---- host memory (env) ---- */

static TCGExitKind exec_host_mem(TCGInterp *it, const TCGOp *op, const uint64_t *in,
                                 uint64_t *out)
{
    static const struct { uint8_t size; bool sign; } acc[TCGOP_COUNT] = {
        [TCGOP_ld8u_i32] = { 1, false }, [TCGOP_ld8u_i64] = { 1, false },
        [TCGOP_ld8s_i32] = { 1, true }, [TCGOP_ld8s_i64] = { 1, true },
        [TCGOP_ld16u_i32] = { 2, false }, [TCGOP_ld16u_i64] = { 2, false },
        [TCGOP_ld16s_i32] = { 2, true }, [TCGOP_ld16s_i64] = { 2, true },
        [TCGOP_ld32u_i64] = { 4, false }, [TCGOP_ld32s_i64] = { 4, true },
        [TCGOP_ld_i32] = { 4, false }, [TCGOP_ld_i64] = { 8, false },
        [TCGOP_st8_i32] = { 1, false }, [TCGOP_st8_i64] = { 1, false },
        [TCGOP_st16_i32] = { 2, false }, [TCGOP_st16_i64] = { 2, false },
        [TCGOP_st32_i64] = { 4, false }, [TCGOP_st_i32] = { 4, false },
        [TCGOP_st_i64] = { 8, false },
    };
    bool is_store = op->nb_oargs == 0;
    uint64_t base = is_store ? in[1] : in[0];
    unsigned size = acc[op->opc].size, w = tcg_op_width(op);
    uint64_t rel = base - (uint64_t)(uintptr_t)it->env + op->args[2];
    uint64_t v = 0;

    if (rel > it->s->env_size || size > it->s->env_size - rel) {
        return invalid(it, op, "host access outside env");
    }
    if (is_store) {
        uint8_t b1 = in[0];
        uint16_t b2 = in[0];
        uint32_t b4 = in[0];
        const void *src = size == 1 ? (const void *)&b1 : size == 2 ? (const void *)&b2
                        : size == 4 ? (const void *)&b4 : (const void *)&in[0];
        memcpy(it->env + rel, src, size);
        return TCG_EXIT_TB;
    }
    switch (size) {
    case 1: { uint8_t x; memcpy(&x, it->env + rel, 1); v = x; break; }
    case 2: { uint16_t x; memcpy(&x, it->env + rel, 2); v = x; break; }
    case 4: { uint32_t x; memcpy(&x, it->env + rel, 4); v = x; break; }
    default: memcpy(&v, it->env + rel, 8); break;
    }
    out[0] = (acc[op->opc].sign ? sext(v, size * 8) : v) & width_mask(w);
    return TCG_EXIT_TB;
}

/* ---- guest memory ---- */

static uint64_t bswap_size(uint64_t v, unsigned size)
{
    switch (size) {
    case 1: return v;
    case 2: return bswap16(v);
    case 4: return __builtin_bswap32((uint32_t)v);
    default: return __builtin_bswap64(v);
    }
}

static uint64_t load_host(const void *p, unsigned size, bool aligned)
{
    uint8_t b[8];

    if (aligned) {      /* M3: single-copy atomic */
        switch (size) {
        case 1: return __atomic_load_n((const uint8_t *)p, __ATOMIC_RELAXED);
        case 2: return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
        case 4: return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
        default: return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
        }
    }
    memcpy(b, p, size);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)b[i] << (8 * i);
    }
    return v;
}

static void store_host(void *p, unsigned size, bool aligned, uint64_t v)
{
    uint8_t b[8];

    if (aligned) {
        switch (size) {
        case 1: __atomic_store_n((uint8_t *)p, (uint8_t)v, __ATOMIC_RELAXED); return;
        case 2: __atomic_store_n((uint16_t *)p, (uint16_t)v, __ATOMIC_RELAXED); return;
        case 4: __atomic_store_n((uint32_t *)p, (uint32_t)v, __ATOMIC_RELAXED); return;
        default: __atomic_store_n((uint64_t *)p, v, __ATOMIC_RELAXED); return;
        }
    }
    for (unsigned i = 0; i < size; i++) {
        b[i] = v >> (8 * i);
    }
    memcpy(p, b, size);
}

static bool fault(TCGInterp *it, TCGFaultKind kind, uint64_t addr, TCGAccess access,
                  MemOpIdx oi)
{
    it->info->fault = (TCGFault){ .kind = kind, .addr = addr, .access = access, .oi = oi };
    return false;
}

/* An access the callback could not give as one host range: probe every byte first
 * so that a store faults before writing anything (M4), then go byte by byte. */
static bool access_split(TCGInterp *it, uint64_t addr, unsigned size, TCGAccess access,
                         MemOpIdx oi, uint64_t *raw)
{
    void *p[8];
    bool io[8];
    unsigned mmu = get_mmuidx(oi);

    for (unsigned i = 0; i < size; i++) {
        TCGFault f = { 0 };
        p[i] = it->mem->host_addr(it->opaque, addr + i, 1, access, mmu, &f);
        io[i] = !p[i] && f.kind == TCG_FAULT_IO &&
                (access == TCG_ACCESS_READ ? it->mem->io_read != NULL
                                             : it->mem->io_write != NULL);
        if (!p[i] && !io[i]) {
            return fault(it, f.kind ? f.kind : TCG_FAULT_MAP, addr + i, access, oi);
        }
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t byte = *raw >> (8 * i) & 0xff;
        if (access == TCG_ACCESS_READ) {
            if (io[i]) {
                if (!it->mem->io_read(it->opaque, addr + i, 1, mmu, &byte)) {
                    return fault(it, TCG_FAULT_IO, addr + i, access, oi);
                }
            } else {
                byte = *(uint8_t *)p[i];
            }
            v |= (byte & 0xff) << (8 * i);
        } else if (io[i]) {
            if (!it->mem->io_write(it->opaque, addr + i, 1, mmu, byte)) {
                return fault(it, TCG_FAULT_IO, addr + i, access, oi);
            }
        } else {
            *(uint8_t *)p[i] = byte;
        }
    }
    if (access == TCG_ACCESS_READ) {
        *raw = v;
    }
    return true;
}

/* Read or write the raw (memory-order, little-endian numbered) bytes of an access. */
static bool guest_access(TCGInterp *it, uint64_t addr, TCGAccess access, MemOpIdx oi,
                         uint64_t *raw)
{
    MemOp mop = get_memop(oi);
    unsigned size = memop_size(mop), mmu = get_mmuidx(oi);
    TCGFault f = { 0 };

    if (addr & (memop_alignment(mop) - 1)) {            /* M2 */
        return fault(it, TCG_FAULT_ALIGN, addr, access, oi);
    }
    void *p = it->mem->host_addr(it->opaque, addr, size, access, mmu, &f);
    if (p) {
        bool aligned = (addr & (size - 1)) == 0 && ((uintptr_t)p & (size - 1)) == 0;
        if (access == TCG_ACCESS_READ) {
            *raw = load_host(p, size, aligned);
        } else {
            store_host(p, size, aligned, *raw);
        }
        return true;
    }
    if (f.kind == TCG_FAULT_SPLIT) {
        return access_split(it, addr, size, access, oi, raw);
    }
    if (f.kind == TCG_FAULT_IO && access == TCG_ACCESS_READ && it->mem->io_read) {
        return it->mem->io_read(it->opaque, addr, size, mmu, raw) ||
               fault(it, TCG_FAULT_IO, addr, access, oi);
    }
    if (f.kind == TCG_FAULT_IO && access == TCG_ACCESS_WRITE && it->mem->io_write) {
        return it->mem->io_write(it->opaque, addr, size, mmu, *raw) ||
               fault(it, TCG_FAULT_IO, addr, access, oi);
    }
    return fault(it, f.kind ? f.kind : TCG_FAULT_MAP, addr, access, oi);
}

/* Memory value (size bits, guest byte order applied) extended to the op width. */
static uint64_t memval_to_reg(MemOp mop, uint64_t v, unsigned w)
{
    unsigned bits = memop_size(mop) * 8;
    return (mop & MO_SIGN ? sext(v, bits) : v) & width_mask(w);
}

static uint64_t raw_to_memval(MemOp mop, uint64_t raw)
{
    return mop & MO_BE ? bswap_size(raw, memop_size(mop)) : raw;
}

static uint64_t memval_to_raw(MemOp mop, uint64_t v)
{
    unsigned size = memop_size(mop);
    v &= width_mask(size * 8);
    return mop & MO_BE ? bswap_size(v, size) : v;
}

static bool cas_host(void *p, unsigned size, uint64_t *expected, uint64_t desired)
{
    switch (size) {
    case 1: {
        uint8_t e = *expected;
        bool ok = __atomic_compare_exchange_n((uint8_t *)p, &e, (uint8_t)desired, false,
                                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        *expected = e;
        return ok;
    }
    case 2: {
        uint16_t e = *expected;
        bool ok = __atomic_compare_exchange_n((uint16_t *)p, &e, (uint16_t)desired, false,
                                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        *expected = e;
        return ok;
    }
    case 4: {
        uint32_t e = *expected;
        bool ok = __atomic_compare_exchange_n((uint32_t *)p, &e, (uint32_t)desired, false,
                                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        *expected = e;
        return ok;
    }
    default:
        return __atomic_compare_exchange_n((uint64_t *)p, expected, desired, false,
                                           __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
}

/* The new memory value of a fetch-op, at the access size (bits). */
static uint64_t atomic_new(TCGOpcode opc, uint64_t old, uint64_t val, unsigned bits)
{
    int64_t so = (int64_t)sext(old, bits), sv = (int64_t)sext(val, bits);
    uint64_t m = width_mask(bits);

    val &= m;
    switch (opc) {
    CASE2(atomic_xchg): return val;
    CASE2(atomic_fetch_add): return (old + val) & m;
    CASE2(atomic_fetch_and): return old & val;
    CASE2(atomic_fetch_or): return old | val;
    CASE2(atomic_fetch_xor): return old ^ val;
    CASE2(atomic_fetch_smin): return so < sv ? old : val;
    CASE2(atomic_fetch_smax): return so > sv ? old : val;
    CASE2(atomic_fetch_umin): return old < val ? old : val;
    default: return old > val ? old : val;      /* umax */
    }
}

static bool exec_atomic(TCGInterp *it, const TCGOp *op, const uint64_t *in, uint64_t *out)
{
    MemOpIdx oi = op->args[op->nargs - 1];
    MemOp mop = get_memop(oi);
    unsigned size = memop_size(mop);
    uint64_t addr = in[0];
    TCGFault f = { 0 };

    if (addr & (size - 1)) {                            /* M2: always natural */
        return fault(it, TCG_FAULT_ALIGN, addr, TCG_ACCESS_RMW, oi);
    }
    void *p = it->mem->host_addr(it->opaque, addr, size, TCG_ACCESS_RMW, get_mmuidx(oi), &f);
    if (!p || ((uintptr_t)p & (size - 1))) {            /* A2: no atomics on devices */
        return fault(it, p ? TCG_FAULT_IO : f.kind ? f.kind : TCG_FAULT_MAP, addr,
                     TCG_ACCESS_RMW, oi);
    }
    uint64_t old;
    if (op->opc == TCGOP_atomic_cmpxchg_i32 || op->opc == TCGOP_atomic_cmpxchg_i64) {
        uint64_t expected = memval_to_raw(mop, in[1]);
        cas_host(p, size, &expected, memval_to_raw(mop, in[2]));    /* A1 */
        old = raw_to_memval(mop, expected);
    } else {
        uint64_t raw = load_host(p, size, true);
        uint64_t nv;
        do {
            old = raw_to_memval(mop, raw);
            nv = atomic_new(op->opc, old, in[1], size * 8);
        } while (!cas_host(p, size, &raw, memval_to_raw(mop, nv)));
    }
    out[0] = memval_to_reg(mop, old, tcg_op_width(op));
    return true;
}

static bool exec_qemu_ldst(TCGInterp *it, const TCGOp *op, const uint64_t *in, uint64_t *out)
{
    MemOpIdx oi = op->args[2];
    MemOp mop = get_memop(oi);
    uint64_t raw;

    if (op->opc == TCGOP_qemu_ld_i32 || op->opc == TCGOP_qemu_ld_i64) {
        if (!guest_access(it, in[0], TCG_ACCESS_READ, oi, &raw)) {
            return false;
        }
        out[0] = memval_to_reg(mop, raw_to_memval(mop, raw), tcg_op_width(op));
        return true;
    }
    raw = memval_to_raw(mop, in[0]);
    return guest_access(it, in[1], TCG_ACCESS_WRITE, oi, &raw);
}

/* ---- calls ---- */

static void exec_call(TCGInterp *it, const TCGOp *op, const uint64_t *in)
{
    const TCGHelperInfo *info = tcg_op_helper(op);
    uint64_t a[TCG_MAX_CALL_ARGS] = { 0 };

    memcpy(a, in, op->nb_iargs * sizeof(uint64_t));
    if (!(info->flags & TCG_CALL_NO_READ_G)) {
        sync_globals(it);
    }
    /* The host ABI (System V AMD64) passes every argument in a 64-bit register and
     * a uint32_t parameter ignores the upper half, so one prototype calls them all. */
    uint64_t r = ((TCGHelperFn)info->func)(a[0], a[1], a[2], a[3], a[4], a[5]);
    if (!(info->flags & TCG_CALL_NO_WRITE_G)) {
        load_globals(it);
    }
    if (op->nb_oargs) {
        write_temp(it, op->args[0], r);
    }
}

/* ---- the loop ---- */

static void set_insn_start(TCGInterp *it, const TCGOp *op)
{
    memset(it->insn_data, 0, sizeof(it->insn_data));
    memcpy(it->insn_data, op->args, op->nargs * sizeof(TCGArg));
    it->insn_index++;
}

static TCGExitKind finish_fault(TCGInterp *it)
{
    TCGExitInfo *info = it->info;

    info->kind = TCG_EXIT_FAULT;
    memcpy(info->insn_data, it->insn_data, sizeof(info->insn_data));
    info->insn_index = it->insn_index;
    return TCG_EXIT_FAULT;
}

/* Execute one op; *next is where control goes (NULL when the TB was left). */
static TCGExitKind exec_op(TCGInterp *it, const TCGOp *op, const TCGOp **next)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    const TCGArg *c = op->args + op->nb_oargs + op->nb_iargs;
    uint64_t in[TCG_MAX_OP_ARGS] = { 0 }, out[2] = { 0 };
    unsigned w = tcg_op_width(op);

    *next = op->next;
    if (op->opc == TCGOP_discard) {
        it->state[op->args[0]] = 0;
        return TCG_EXIT_TB;
    }
    for (unsigned i = 0; i < op->nb_iargs; i++) {
        TCGArg idx = op->args[op->nb_oargs + i];
        if (!(it->state[idx] & ST_LIVE)) {
            return invalid(it, op, "operand %u has no value", op->nb_oargs + i);
        }
        in[i] = it->vals[idx];
    }
    if (def->flags & TCG_OPF_MAY_FAULT) {
        sync_globals(it);
        bool ok = def->flags & TCG_OPF_ATOMIC ? exec_atomic(it, op, in, out)
                                             : exec_qemu_ldst(it, op, in, out);
        if (!ok) {
            return finish_fault(it);                    /* P4: no output written */
        }
    } else if (def->flags & TCG_OPF_HOST_MEM) {
        if (exec_host_mem(it, op, in, out) == TCG_EXIT_INVALID) {
            return TCG_EXIT_INVALID;
        }
    } else if (!tcg_eval_pure(op->opc, in, c, out)) {
        switch (op->opc) {
        case TCGOP_call:
            exec_call(it, op, in);
            return TCG_EXIT_TB;
        case TCGOP_brcond_i32: case TCGOP_brcond_i64:
            if (tcg_cond_eval((TCGCond)c[0], in[0], in[1], w)) {
                *next = tcg_arg_label(c[1])->def;
            }
            return TCG_EXIT_TB;
        case TCGOP_br:
            *next = tcg_arg_label(c[0])->def;
            return TCG_EXIT_TB;
        case TCGOP_set_label:
            kill_ebb_temps(it);
            return TCG_EXIT_TB;
        case TCGOP_insn_start:
            set_insn_start(it, op);
            return TCG_EXIT_TB;
        case TCGOP_mb:
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            return TCG_EXIT_TB;
        case TCGOP_goto_tb:
            it->info->goto_tb_slot = (int)c[0];
            return TCG_EXIT_TB;
        case TCGOP_exit_tb:
        case TCGOP_goto_ptr:
            sync_globals(it);
            it->info->kind = op->opc == TCGOP_exit_tb ? TCG_EXIT_TB : TCG_EXIT_GOTO_PTR;
            it->info->value = op->opc == TCGOP_exit_tb ? c[0] : in[0];
            *next = NULL;
            return it->info->kind;
        default:
            return invalid(it, op, "op not implemented by the interpreter");
        }
    }
    for (unsigned i = 0; i < op->nb_oargs; i++) {
        write_temp(it, op->args[i], out[i]);
    }
    return TCG_EXIT_TB;
}

static void prepare(TCGInterp *it, TCGContext *s, void *env)
{
    if (it->cap < s->nb_temps) {
        it->cap = s->nb_temps * 2;
        it->vals = g_renew(uint64_t, it->vals, it->cap);
        it->state = g_renew(uint8_t, it->state, it->cap);
    }
    memset(it->state, 0, s->nb_temps);
    for (uint32_t i = 0; i < s->nb_temps; i++) {
        const TCGTemp *t = &s->temps[i];
        if (t->kind == TCG_TEMP_CONST) {
            it->vals[i] = t->val;
            it->state[i] = ST_LIVE;
        } else if (t->kind == TCG_TEMP_ENV) {
            it->vals[i] = (uint64_t)(uintptr_t)env;
            it->state[i] = ST_LIVE;
        }
    }
    load_globals(it);
    memset(it->insn_data, 0, sizeof(it->insn_data));
    it->insn_index = -1;
}

TCGExitKind tcg_interp_run(TCGInterp *it, TCGContext *s, void *env,
                           const TCGMemOps *mem, void *mem_opaque, TCGExitInfo *info)
{
    Error *err = NULL;
    uint64_t steps = 0;

    memset(info, 0, sizeof(*info));
    info->goto_tb_slot = -1;
    info->insn_index = -1;
    it->s = s;
    it->env = env;
    it->mem = mem;
    it->opaque = mem_opaque;
    it->info = info;
    if (!tcg_verify(s, &err)) {
        invalid(it, NULL, "%s", error_message(err));
        error_free(err);
        return TCG_EXIT_INVALID;
    }
    prepare(it, s, env);
    for (const TCGOp *op = s->first_op; op; ) {
        if (it->max_ops && ++steps > it->max_ops) {
            return invalid(it, op, "step limit reached");
        }
        TCGExitKind k = exec_op(it, op, &op);
        if (k != TCG_EXIT_TB || !op) {
            if (k == TCG_EXIT_TB || k == TCG_EXIT_GOTO_PTR) {
                info->insn_index = it->insn_index;
                memcpy(info->insn_data, it->insn_data, sizeof(info->insn_data));
            }
            return k;
        }
    }
    return invalid(it, NULL, "control ran off the end of the TB");
}
