/*
 * The IR container: the op table, contexts, temps, constants and labels.
 * Emitting and checking ops is tcg-op.c.
 */
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "libtcg/tcg-internal.h"

const TCGOpDef tcg_op_defs[TCGOP_COUNT] = {
#define DEF(name, oargs, types, ckinds, flags) \
    [TCGOP_##name] = { #name, oargs, sizeof(types) - 1 - (oargs), \
                       sizeof(ckinds) - 1, types, ckinds, flags },
#include "libtcg/tcg-opc.h"
#undef DEF
};

/* ---- small helpers shared by the library ---- */

static const char *const cond_names[TCG_COND_COUNT] = {
    "eq", "ne", "lt", "ge", "le", "gt", "ltu", "geu", "leu", "gtu", "tsteq", "tstne",
};

const char *tcg_cond_name(TCGCond cond)
{
    return (unsigned)cond < TCG_COND_COUNT ? cond_names[cond] : "?";
}

TCGCond tcg_invert_cond(TCGCond cond)
{
    /* The enum lists conditions in complementary pairs: eq/ne, lt/ge, le/gt,
     * ltu/geu, leu/gtu, tsteq/tstne. */
    return (TCGCond)(cond ^ 1);
}

bool tcg_cond_eval(TCGCond cond, uint64_t a, uint64_t b, unsigned w)
{
    uint64_t mask = w == 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1;
    unsigned sh = 64 - w;
    int64_t sa, sb;

    a &= mask;
    b &= mask;
    /* Sign-extend the w-bit values through an unsigned shift then a cast. */
    sa = (int64_t)(a << sh) >> sh;
    sb = (int64_t)(b << sh) >> sh;
    switch (cond) {
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return sa < sb;
    case TCG_COND_GE: return sa >= sb;
    case TCG_COND_LE: return sa <= sb;
    case TCG_COND_GT: return sa > sb;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    case TCG_COND_TSTEQ: return (a & b) == 0;
    case TCG_COND_TSTNE: return (a & b) != 0;
    default: return false;
    }
}

unsigned memop_alignment(MemOp op)
{
    unsigned a = (op & MO_AMASK) >> MO_ALIGN_SHIFT;

    if (a == 0) {
        return 1;
    }
    if (a == 1) {
        return memop_size(op);
    }
    return 1u << (a - 1);
}

unsigned tcg_op_flags(const TCGOp *op)
{
    unsigned f = tcg_op_defs[op->opc].flags;

    if (f & TCG_OPF_CALL) {
        const TCGHelperInfo *info = tcg_op_helper(op);
        if (!(info->flags & TCG_CALL_NO_SE)) {
            f |= TCG_OPF_SIDE_EFFECTS;
        }
    }
    return f;
}

/* ---- arenas: bump allocation, rewound between TBs ---- */

static void arena_init(TCGArena *a, size_t chunk_size)
{
    memset(a, 0, sizeof(*a));
    a->chunk_size = chunk_size;
}

void *tcg_arena_alloc(TCGArena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    g_assert(size <= a->chunk_size);
    if (a->nchunks == 0 || a->used + size > a->chunk_size) {
        if (a->nchunks > 0) {
            a->cur++;
        }
        if (a->cur >= a->nchunks) {
            a->chunks = g_renew(char *, a->chunks, a->nchunks + 1);
            a->chunks[a->nchunks++] = g_malloc(a->chunk_size);
            a->cur = a->nchunks - 1;
        }
        a->used = 0;
    }
    void *p = a->chunks[a->cur] + a->used;
    a->used += size;
    memset(p, 0, size);
    return p;
}

static void arena_rewind(TCGArena *a)
{
    a->cur = 0;
    a->used = 0;
}

static void arena_destroy(TCGArena *a)
{
    for (size_t i = 0; i < a->nchunks; i++) {
        g_free(a->chunks[i]);
    }
    g_free(a->chunks);
}

/* ---- contexts and temps ---- */

static uint32_t temp_alloc(TCGContext *s, TCGType type, TCGTempKind kind)
{
    if (s->nb_temps == s->cap_temps) {
        s->cap_temps = s->cap_temps ? s->cap_temps * 2 : 64;
        s->temps = g_renew(TCGTemp, s->temps, s->cap_temps);
    }
    uint32_t idx = s->nb_temps++;
    memset(&s->temps[idx], 0, sizeof(TCGTemp));
    s->temps[idx].type = type;
    s->temps[idx].kind = kind;
    return idx;
}

TCGContext *tcg_ctx_new(size_t env_size, unsigned insn_start_words)
{
    TCGContext *s = g_new0(TCGContext, 1);

    g_assert(insn_start_words >= 1 && insn_start_words <= TCG_MAX_INSN_START_WORDS);
    s->env_size = env_size;
    s->insn_start_words = insn_start_words;
    arena_init(&s->op_arena, 256 * sizeof(TCGOp));
    arena_init(&s->label_arena, 128 * sizeof(TCGLabel));
    temp_alloc(s, TCG_TYPE_I64, TCG_TEMP_NONE);
    temp_alloc(s, TCG_TYPE_I64, TCG_TEMP_ENV);
    s->nb_globals = s->nb_temps;
    s->const_cap = 64;
    s->const_tab = g_new0(uint32_t, s->const_cap);
    return s;
}

void tcg_ctx_free(TCGContext *s)
{
    if (!s) {
        return;
    }
    for (uint32_t i = 0; i < s->nb_temps; i++) {
        g_free(s->temps[i].name);
    }
    g_free(s->temps);
    g_free(s->const_tab);
    g_free(s->opt_val);
    g_free(s->opt_known);
    arena_destroy(&s->op_arena);
    arena_destroy(&s->label_arena);
    error_free(s->err);
    g_free(s);
}

void tcg_ctx_reset(TCGContext *s)
{
    s->nb_temps = s->nb_globals;
    s->first_op = s->last_op = NULL;
    s->nb_ops = 0;
    s->nb_labels = 0;
    arena_rewind(&s->op_arena);
    arena_rewind(&s->label_arena);
    memset(s->const_tab, 0, s->const_cap * sizeof(uint32_t));
    s->nb_consts = 0;
    s->goto_tb_used = 0;
    error_free(s->err);
    s->err = NULL;
    s->verified = false;
}

const Error *tcg_ctx_error(const TCGContext *s)
{
    return s->err;
}

static uint32_t global_new(TCGContext *s, TCGType type, int64_t offset, const char *name,
                           Error **errp)
{
    int64_t size = type == TCG_TYPE_I64 ? 8 : 4;

    if (s->nb_temps != s->nb_globals) {
        error_setf(errp, "global %s: globals must be declared before any other temp", name);
        return 0;
    }
    if (offset < 0 || (uint64_t)offset > s->env_size || (uint64_t)size > s->env_size - offset) {
        error_setf(errp, "global %s: offset %" PRId64 " size %" PRId64
                   " lies outside the %zu-byte CPU state", name, offset, size, s->env_size);
        return 0;
    }
    for (uint32_t i = 0; i < s->nb_globals; i++) {
        const TCGTemp *t = &s->temps[i];
        int64_t tsize = t->type == TCG_TYPE_I64 ? 8 : 4;
        if (t->kind == TCG_TEMP_GLOBAL &&
            offset < t->mem_offset + tsize && t->mem_offset < offset + size) {
            error_setf(errp, "global %s overlaps global %s", name, t->name);
            return 0;
        }
    }
    uint32_t idx = temp_alloc(s, type, TCG_TEMP_GLOBAL);
    s->temps[idx].mem_offset = offset;
    s->temps[idx].name = g_strdup(name);
    s->nb_globals = s->nb_temps;
    return idx;
}

TCGv_i32 tcg_global_i32(TCGContext *s, int64_t offset, const char *name, Error **errp)
{
    return (TCGv_i32){ global_new(s, TCG_TYPE_I32, offset, name, errp) };
}

TCGv_i64 tcg_global_i64(TCGContext *s, int64_t offset, const char *name, Error **errp)
{
    return (TCGv_i64){ global_new(s, TCG_TYPE_I64, offset, name, errp) };
}

TCGv_i32 tcg_temp_new_i32(TCGContext *s)
{
    return (TCGv_i32){ temp_alloc(s, TCG_TYPE_I32, TCG_TEMP_EBB) };
}

TCGv_i64 tcg_temp_new_i64(TCGContext *s)
{
    return (TCGv_i64){ temp_alloc(s, TCG_TYPE_I64, TCG_TEMP_EBB) };
}

TCGv_ptr tcg_temp_new_ptr(TCGContext *s)
{
    return (TCGv_ptr){ temp_alloc(s, TCG_TYPE_I64, TCG_TEMP_EBB) };
}

TCGv_i32 tcg_temp_local_new_i32(TCGContext *s)
{
    return (TCGv_i32){ temp_alloc(s, TCG_TYPE_I32, TCG_TEMP_LOCAL) };
}

TCGv_i64 tcg_temp_local_new_i64(TCGContext *s)
{
    return (TCGv_i64){ temp_alloc(s, TCG_TYPE_I64, TCG_TEMP_LOCAL) };
}

static uint32_t const_hash(TCGType type, uint64_t val)
{
    uint64_t h = (val ^ ((uint64_t)type << 63)) * UINT64_C(0x9e3779b97f4a7c15);
    return (uint32_t)(h >> 32);
}

static void const_tab_grow(TCGContext *s)
{
    uint32_t old_cap = s->const_cap;
    uint32_t *old = s->const_tab;

    s->const_cap *= 2;
    s->const_tab = g_new0(uint32_t, s->const_cap);
    for (uint32_t i = 0; i < old_cap; i++) {
        if (old[i]) {
            const TCGTemp *t = &s->temps[old[i]];
            uint32_t h = const_hash(t->type, t->val) & (s->const_cap - 1);
            while (s->const_tab[h]) {
                h = (h + 1) & (s->const_cap - 1);
            }
            s->const_tab[h] = old[i];
        }
    }
    g_free(old);
}

static uint32_t constant_new(TCGContext *s, TCGType type, uint64_t val)
{
    uint32_t h;

    if (type == TCG_TYPE_I32) {
        val = (uint32_t)val;
    }
    if ((s->nb_consts + 1) * 2 > s->const_cap) {
        const_tab_grow(s);
    }
    h = const_hash(type, val) & (s->const_cap - 1);
    while (s->const_tab[h]) {
        const TCGTemp *t = &s->temps[s->const_tab[h]];
        if (t->type == type && t->val == val) {
            return s->const_tab[h];
        }
        h = (h + 1) & (s->const_cap - 1);
    }
    uint32_t idx = temp_alloc(s, type, TCG_TEMP_CONST);
    s->temps[idx].val = val;
    s->const_tab[h] = idx;
    s->nb_consts++;
    return idx;
}

TCGv_i32 tcg_constant_i32(TCGContext *s, uint32_t val)
{
    return (TCGv_i32){ constant_new(s, TCG_TYPE_I32, val) };
}

TCGv_i64 tcg_constant_i64(TCGContext *s, uint64_t val)
{
    return (TCGv_i64){ constant_new(s, TCG_TYPE_I64, val) };
}

TCGv_ptr tcg_constant_ptr(TCGContext *s, const void *ptr)
{
    return (TCGv_ptr){ constant_new(s, TCG_TYPE_I64, (uint64_t)(uintptr_t)ptr) };
}

TCGLabel *tcg_label_new(TCGContext *s)
{
    TCGLabel *l = tcg_arena_alloc(&s->label_arena, sizeof(TCGLabel));
    l->id = s->nb_labels++;
    return l;
}
