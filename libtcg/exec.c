/*
 * The execution core: the TB cache (a hash table under the translation lock and a
 * lock-free per-vCPU jump cache in front of it), translation with flush-and-retry
 * on a full code buffer, direct chaining with the incoming links recorded for
 * unlinking, invalidation by guest page, exclusive sections, the goto_ptr lookup
 * helper, the run loop of one vCPU and its exits (exceptions, exit requests,
 * host faults). docs/tcg-exec.md describes the design.
 */
#include "config.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libcore/log.h"
#include "libtcg/exec-int.h"
#include "libtcg/tcg-opt.h"

/* sigsetjmp return values */
enum { JMP_NONE, JMP_FAULT, JMP_RESTART, JMP_EXCEPTION };

typedef struct ExecPage {
    uint64_t page;                  /* guest page number; the hash key */
    GPtrArray *tbs;
} ExecPage;

struct TCGExec {
    TCGExecConfig cfg;
    const TCGExecGuest *guest;
    TCGBackend *be;
    TCGContext *s;
    void *tr;
    TCGHelperInfo lookup_info;
    unsigned max_insns;
    bool chaining;

    /* translation lock: the hash, the page index, links, the TB list */
    GMutex tb_lock;
    GHashTable *tbs;                /* ExecTBKey* -> ExecTB* */
    GHashTable *pages;              /* uint64 page* -> ExecPage* */
    ExecTB *all;
    uint64_t flush_count;           /* atomic reads outside the lock */
    uintptr_t code_lo, code_hi;     /* host code generated so far lies in here */
    ExecStats stats;

    /* exclusive sections */
    GMutex excl_lock;
    GCond excl_cond;                /* the last running vCPU stopped */
    GCond excl_resume;              /* the exclusive section ended */
    bool excl_active;
    int excl_pending;
    GList *cpus;
    int next_index;

    /* debugging */
    GMutex bp_lock;
    GArray *bps;                    /* uint64 pcs */
    int nb_bps;                     /* atomic */
};

/* initial-exec: no __tls_get_addr call on the lookup helper's path */
static __thread TCGExecCPU *current_cpu __attribute__((tls_model("initial-exec")));

/* ---- keys and the hash ---- */

static guint key_hash(gconstpointer p)
{
    const ExecTBKey *k = p;
    uint64_t h = k->pc * 0x9e3779b97f4a7c15ull ^ ((uint64_t)k->flags << 32 | k->cflags);

    return (guint)(h ^ h >> 29);
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
    const ExecTBKey *x = a, *y = b;

    return x->pc == y->pc && x->flags == y->flags && x->cflags == y->cflags;
}

static inline unsigned jc_index(uint64_t pc)
{
    return (unsigned)((pc >> 1) ^ (pc >> (1 + EXEC_JC_BITS))) & (EXEC_JC_SIZE - 1);
}

static inline bool tb_matches(const ExecTB *tb, const ExecTBKey *k)
{
    return tb->key.pc == k->pc && tb->key.flags == k->flags && tb->key.cflags == k->cflags &&
           !__atomic_load_n(&tb->invalid, __ATOMIC_ACQUIRE);
}

static bool chaining_on(TCGExec *ex)
{
    return ex->chaining && !qemu_loglevel_mask(LOG_NOCHAIN);
}

static bool debugging(TCGExecCPU *cpu)
{
    return cpu->single_step || __atomic_load_n(&cpu->ex->nb_bps, __ATOMIC_RELAXED) > 0;
}

static uint32_t cpu_cflags(TCGExecCPU *cpu)
{
    TCGExec *ex = cpu->ex;

    if (debugging(cpu)) {
        return 1 | EXEC_CF_NOCHAIN;
    }
    return (ex->max_insns & EXEC_CF_COUNT_MASK) | (chaining_on(ex) ? 0 : EXEC_CF_NOCHAIN);
}

/* ---- the lookup helper (goto_ptr after indirect jumps) ---- */

/* The TB for key in the jump cache or the hash; never translates. */
static ExecTB *tb_lookup(TCGExecCPU *cpu, const ExecTBKey *k)
{
    TCGExec *ex = cpu->ex;
    unsigned i = jc_index(k->pc);
    ExecTB *tb = __atomic_load_n(&cpu->jc[i], __ATOMIC_ACQUIRE);

    if (tb && tb_matches(tb, k)) {
        return tb;
    }
    g_mutex_lock(&ex->tb_lock);
    tb = g_hash_table_lookup(ex->tbs, k);
    g_mutex_unlock(&ex->tb_lock);
    if (tb) {
        __atomic_store_n(&cpu->jc[i], tb, __ATOMIC_RELEASE);
    }
    return tb;
}

static uint64_t helper_lookup_tb(void *env)
{
    TCGExecCPU *cpu = current_cpu;
    ExecTBKey k;
    ExecTB *tb;

    cpu->ex->guest->get_tb_key(env, &k.pc, &k.flags);
    k.cflags = cpu->cflags;     /* of the TB calling: chained code has no debug TBs */
    tb = tb_lookup(cpu, &k);
    if (!tb) {
        return 0;
    }
    if (qemu_loglevel_mask(LOG_EXEC)) {
        exec_log_trace(&cpu->ex->cfg, cpu, tb, "Chain");
    }
    return (uintptr_t)tb->code;
}

/* ---- exclusive sections ---- */

static void cpu_exec_start(TCGExecCPU *cpu)
{
    TCGExec *ex = cpu->ex;

    g_mutex_lock(&ex->excl_lock);
    while (ex->excl_active) {
        g_cond_wait(&ex->excl_resume, &ex->excl_lock);
    }
    cpu->running = true;
    g_mutex_unlock(&ex->excl_lock);
}

/* excl_lock held */
static void cpu_stop_running(TCGExec *ex, TCGExecCPU *cpu)
{
    cpu->running = false;
    if (cpu->excl_counted) {
        cpu->excl_counted = false;
        if (--ex->excl_pending == 0) {
            g_cond_signal(&ex->excl_cond);
        }
    }
}

static void cpu_exec_end(TCGExecCPU *cpu)
{
    TCGExec *ex = cpu->ex;

    g_mutex_lock(&ex->excl_lock);
    cpu_stop_running(ex, cpu);
    g_mutex_unlock(&ex->excl_lock);
}

void tcg_exec_start_exclusive(TCGExec *ex, TCGExecCPU *cpu)
{
    g_mutex_lock(&ex->excl_lock);
    /* A running caller counts as stopped, or two exclusive callers would wait
     * for each other. */
    if (cpu && cpu->running) {
        cpu_stop_running(ex, cpu);
        cpu->excl_was_running = true;
    }
    while (ex->excl_active) {
        g_cond_wait(&ex->excl_resume, &ex->excl_lock);
    }
    ex->excl_active = true;
    for (GList *l = ex->cpus; l; l = l->next) {
        TCGExecCPU *c = l->data;
        if (c != cpu && c->running) {
            c->excl_counted = true;
            ex->excl_pending++;
            tcg_exec_cpu_kick(c);
        }
    }
    while (ex->excl_pending > 0) {
        g_cond_wait(&ex->excl_cond, &ex->excl_lock);
    }
    g_mutex_unlock(&ex->excl_lock);
}

void tcg_exec_end_exclusive(TCGExec *ex, TCGExecCPU *cpu)
{
    g_mutex_lock(&ex->excl_lock);
    ex->excl_active = false;
    if (cpu && cpu->excl_was_running) {
        cpu->excl_was_running = false;
        cpu->running = true;
    }
    g_cond_broadcast(&ex->excl_resume);
    g_mutex_unlock(&ex->excl_lock);
}

void tcg_exec_cpu_kick(TCGExecCPU *cpu)
{
    int32_t *req = (int32_t *)((char *)cpu->env + cpu->ex->guest->exit_request_offset);

    __atomic_store_n(req, 1, __ATOMIC_RELEASE);
}

/* ---- the page index ---- */

static void page_add_tb(TCGExec *ex, uint64_t page, ExecTB *tb)
{
    ExecPage *p = g_hash_table_lookup(ex->pages, &page);

    if (!p) {
        p = g_new0(ExecPage, 1);
        p->page = page;
        p->tbs = g_ptr_array_new();
        g_hash_table_insert(ex->pages, &p->page, p);
        if (ex->cfg.code_page_added) {
            ex->cfg.code_page_added(ex->cfg.opaque, page << ex->cfg.page_bits);
        }
    }
    g_ptr_array_add(p->tbs, tb);
}

static void page_remove_tb(TCGExec *ex, uint64_t page, ExecTB *tb)
{
    ExecPage *p = g_hash_table_lookup(ex->pages, &page);

    if (p) {
        g_ptr_array_remove_fast(p->tbs, tb);
        if (p->tbs->len == 0) {
            g_hash_table_remove(ex->pages, &page);
        }
    }
}

static void page_free(gpointer data)
{
    ExecPage *p = data;

    g_ptr_array_free(p->tbs, true);
    g_free(p);
}

/* ---- chaining ---- */

/* tb_lock held */
static void tb_link(TCGExec *ex, ExecTB *from, unsigned slot, ExecTB *to)
{
    if (from->jmp_dest[slot] || from->invalid || to->invalid) {
        return;
    }
    if (!tcg_tb_link(from->tb, slot, to->code)) {
        return;
    }
    from->jmp_dest[slot] = to;
    from->jmp_next[slot] = to->jmp_in;
    to->jmp_in = (uintptr_t)from | slot;
    ex->stats.links++;
    if (qemu_loglevel_mask(LOG_EXEC)) {
        exec_log_link(from, slot, to);
    }
}

/* Remove the link (from, slot) from the incoming list of its destination. */
static void tb_unlink_out(TCGExec *ex, ExecTB *from, unsigned slot)
{
    ExecTB *to = from->jmp_dest[slot];
    uintptr_t me = (uintptr_t)from | slot;
    uintptr_t *pp;

    if (!to) {
        return;
    }
    for (pp = &to->jmp_in; *pp; ) {
        ExecTB *src = (ExecTB *)(*pp & ~(uintptr_t)(TCG_EXIT_CHAIN_ALIGN - 1));
        unsigned n = *pp & (TCG_EXIT_CHAIN_ALIGN - 1);
        if (*pp == me) {
            *pp = from->jmp_next[slot];
            break;
        }
        pp = &src->jmp_next[n];
    }
    tcg_tb_unlink(from->tb, slot);
    from->jmp_dest[slot] = NULL;
    from->jmp_next[slot] = 0;
    ex->stats.unlinks++;
}

/* Drop tb from the cache and every chain (tb_lock held); pages are the caller's. */
static void tb_invalidate(TCGExec *ex, ExecTB *tb)
{
    ExecTB *cur;

    __atomic_store_n(&tb->invalid, 1, __ATOMIC_RELEASE);
    cur = g_hash_table_lookup(ex->tbs, &tb->key);
    if (cur == tb) {
        g_hash_table_remove(ex->tbs, &tb->key);
    }
    while (tb->jmp_in) {
        uintptr_t l = tb->jmp_in;
        ExecTB *src = (ExecTB *)(l & ~(uintptr_t)(TCG_EXIT_CHAIN_ALIGN - 1));
        tb_unlink_out(ex, src, l & (TCG_EXIT_CHAIN_ALIGN - 1));
    }
    for (unsigned n = 0; n < 2; n++) {
        tb_unlink_out(ex, tb, n);
    }
    ex->stats.invalidations++;
}

/* ---- translation ---- */

static void tb_free_all(TCGExec *ex)
{
    ExecTB *tb = ex->all;

    while (tb) {
        ExecTB *next = tb->all_next;
        free(tb);
        tb = next;
    }
    ex->all = NULL;
}

static ExecTB *tb_alloc(void)
{
    void *p = NULL;

    if (posix_memalign(&p, TCG_EXIT_CHAIN_ALIGN, sizeof(ExecTB)) != 0) {
        g_error("exec: out of memory for a TB descriptor");
    }
    memset(p, 0, sizeof(ExecTB));
    return p;
}

static G_NORETURN void translate_failed(const ExecTBKey *k, Error *err)
{
    /* the front end's IR is broken: a bug, not a guest condition */
    g_error("exec: cannot translate the block at 0x%" PRIx64 ": %s", k->pc,
            error_message(err));
}

/*
 * Translate the block of key k (tb_lock held). Returns NULL when the code buffer
 * is full: the caller flushes and tries again. A TB that is not cached is run once
 * and forgotten: it is in neither the hash nor the page index.
 */
static ExecTB *tb_gen(TCGExec *ex, const ExecTBKey *k, bool cached)
{
    ExecTB *tb = tb_alloc();
    bool nochain = k->cflags & EXEC_CF_NOCHAIN;
    TCGTransArgs a = {
        .pc = k->pc, .flags = k->flags, .max_insns = k->cflags & EXEC_CF_COUNT_MASK,
        .tb_token = nochain ? 0 : (uintptr_t)tb,
        .lookup = nochain ? NULL : &ex->lookup_info,
        .fetch = ex->cfg.fetch, .fetch_opaque = ex->cfg.opaque,
    };
    TCGTransResult r = { 0 };
    Error *err = NULL;
    char *op_text = NULL, *op_opt_text = NULL;

    tb->key = *k;
    if (!ex->guest->translate(ex->tr, &a, &r, &err)) {
        translate_failed(k, err);
    }
    tb->size = r.size;
    tb->ninsns = r.ninsns;
    tb->page_first = k->pc >> ex->cfg.page_bits;
    tb->page_last = (k->pc + (r.size ? r.size - 1 : 0)) >> ex->cfg.page_bits;
    if (qemu_loglevel_mask(LOG_OP)) {
        op_text = tcg_dump(ex->s);
    }
    tcg_optimize_all(ex->s);
    if (qemu_loglevel_mask(LOG_OP_OPT)) {
        op_opt_text = tcg_dump(ex->s);
    }
    tb->tb = tcg_gen_code(ex->be, ex->s, &err);
    if (!tb->tb) {
        g_free(op_text);
        g_free(op_opt_text);
        if (tcg_backend_buffer_full(err)) {
            error_free(err);
            free(tb);
            return NULL;
        }
        translate_failed(k, err);
    }
    tb->code = tb->tb->code;
    if ((uintptr_t)tb->code < ex->code_lo) {
        __atomic_store_n(&ex->code_lo, (uintptr_t)tb->code, __ATOMIC_RELEASE);
    }
    if ((uintptr_t)tb->code + tb->tb->code_size > ex->code_hi) {
        __atomic_store_n(&ex->code_hi, (uintptr_t)tb->code + tb->tb->code_size,
                         __ATOMIC_RELEASE);
    }
    if (qemu_loglevel_mask(LOG_IN_ASM | LOG_OP | LOG_OP_OPT | LOG_OUT_ASM)) {
        exec_log_translation(&ex->cfg, tb, op_text, op_opt_text);
        g_free(op_text);
        g_free(op_opt_text);
    }
    tb->all_next = ex->all;
    ex->all = tb;
    ex->stats.translations++;
    if (!cached) {
        return tb;
    }
    g_hash_table_insert(ex->tbs, &tb->key, tb);
    page_add_tb(ex, tb->page_first, tb);
    if (tb->page_last != tb->page_first) {
        page_add_tb(ex, tb->page_last, tb);
    }
    return tb;
}

/* Flush unless someone already did since flush_count was gen (UINT64_MAX: always). */
static void flush_if(TCGExec *ex, TCGExecCPU *cpu, uint64_t gen)
{
    tcg_exec_start_exclusive(ex, cpu);
    g_mutex_lock(&ex->tb_lock);
    if (gen == UINT64_MAX || gen == ex->flush_count) {
        tcg_backend_flush(ex->be);
        g_hash_table_remove_all(ex->tbs);
        g_hash_table_remove_all(ex->pages);
        tb_free_all(ex);
        __atomic_store_n(&ex->flush_count, ex->flush_count + 1, __ATOMIC_RELEASE);
        ex->stats.flushes++;
        g_mutex_lock(&ex->excl_lock);
        for (GList *l = ex->cpus; l; l = l->next) {
            TCGExecCPU *c = l->data;
            memset(c->jc, 0, sizeof(c->jc));
        }
        g_mutex_unlock(&ex->excl_lock);
    }
    g_mutex_unlock(&ex->tb_lock);
    tcg_exec_end_exclusive(ex, cpu);
}

void tcg_exec_flush(TCGExec *ex)
{
    TCGExecCPU *cpu = current_cpu && current_cpu->ex == ex ? current_cpu : NULL;

    flush_if(ex, cpu, UINT64_MAX);
}

/*
 * Find or make the TB of k. With oneshot, always translate a fresh TB that is not
 * cached (after a write into the running TB's own page, see tcg_exec_run).
 */
static ExecTB *tb_find(TCGExecCPU *cpu, const ExecTBKey *k, bool oneshot)
{
    TCGExec *ex = cpu->ex;
    unsigned i = jc_index(k->pc);
    ExecTB *tb = __atomic_load_n(&cpu->jc[i], __ATOMIC_ACQUIRE);

    if (!oneshot && tb && tb_matches(tb, k)) {
        return tb;
    }
    for (;;) {
        uint64_t gen;
        g_mutex_lock(&ex->tb_lock);
        gen = ex->flush_count;
        tb = oneshot ? NULL : g_hash_table_lookup(ex->tbs, k);
        if (!tb) {
            tb = tb_gen(ex, k, !oneshot);
            if (!tb && !ex->all) {
                g_error("exec: the code buffer is too small for the block at 0x%" PRIx64,
                        k->pc);
            }
        }
        g_mutex_unlock(&ex->tb_lock);
        if (tb) {
            break;
        }
        flush_if(ex, cpu, gen);
    }
    if (!oneshot) {
        __atomic_store_n(&cpu->jc[i], tb, __ATOMIC_RELEASE);
    }
    return tb;
}

/* ---- the run loop ---- */

/* bp_lock held */
static bool breakpoint_find_locked(TCGExec *ex, uint64_t pc, guint *index)
{
    for (guint i = 0; i < ex->bps->len; i++) {
        if (g_array_index(ex->bps, uint64_t, i) == pc) {
            if (index) {
                *index = i;
            }
            return true;
        }
    }
    return false;
}

static bool breakpoint_at(TCGExec *ex, uint64_t pc)
{
    bool hit;

    g_mutex_lock(&ex->bp_lock);
    hit = breakpoint_find_locked(ex, pc, NULL);
    g_mutex_unlock(&ex->bp_lock);
    return hit;
}

static TCGExecResult exec_loop(TCGExecCPU *cpu, bool oneshot)
{
    TCGExec *ex = cpu->ex;
    const TCGExecGuest *g = ex->guest;
    void *env = cpu->env;
    ExecTB *last = NULL;
    unsigned last_slot = 0;
    uint64_t last_gen = 0;
    bool stepped = false;

    for (;;) {
        ExecTBKey k;
        ExecTB *tb;
        uint64_t ret;

        g->get_tb_key(env, &k.pc, &k.flags);
        k.cflags = cpu_cflags(cpu);
        if (oneshot) {
            k.cflags = 1 | EXEC_CF_NOCHAIN;
            stepped = cpu->single_step;
            last = NULL;
        } else if (debugging(cpu)) {
            /* a step runs exactly one instruction, breakpoint or not */
            if (stepped || (!cpu->single_step && breakpoint_at(ex, k.pc))) {
                return TCG_EXEC_DEBUG;
            }
            stepped = cpu->single_step;
            last = NULL;
        }
        tb = tb_find(cpu, &k, oneshot);
        oneshot = false;
        cpu->cflags = k.cflags;
        if (last && __atomic_load_n(&ex->flush_count, __ATOMIC_ACQUIRE) == last_gen &&
            !(k.cflags & EXEC_CF_NOCHAIN)) {
            g_mutex_lock(&ex->tb_lock);
            if (ex->flush_count == last_gen) {
                tb_link(ex, last, last_slot, tb);
            }
            g_mutex_unlock(&ex->tb_lock);
        }
        last = NULL;
        if (qemu_loglevel_mask(LOG_EXEC | LOG_CPU)) {
            exec_log_trace(&ex->cfg, cpu, tb, "Trace");
        }
        last_gen = __atomic_load_n(&ex->flush_count, __ATOMIC_ACQUIRE);
        ret = tcg_backend_exec(ex->be, env, tb->code);
        if (ret >= TCG_EXIT_CHAIN_ALIGN) {
            last = (ExecTB *)(uintptr_t)(ret & ~(uint64_t)(TCG_EXIT_CHAIN_ALIGN - 1));
            last_slot = ret & (TCG_EXIT_CHAIN_ALIGN - 1);
            continue;
        }
        switch (ret) {
        case TCG_EXIT_LOOKUP:
        case TCG_EXIT_CODE_SYNC:
            break;
        case TCG_EXIT_EXCEPTION:
            return TCG_EXEC_EXCEPTION;
        case TCG_EXIT_REQUESTED:
            __atomic_store_n((int32_t *)((char *)env + g->exit_request_offset), 0,
                             __ATOMIC_RELEASE);
            return TCG_EXEC_INTERRUPTED;
        default:
            g_error("exec: the TB at 0x%" PRIx64 " exited with %" PRIu64, k.pc, ret);
        }
    }
}

TCGExecResult tcg_exec_run(TCGExecCPU *cpu)
{
    TCGExecResult res;
    int r;

    current_cpu = cpu;
    cpu_exec_start(cpu);
    r = sigsetjmp(cpu->jmp, 0);
    switch (r) {
    case JMP_FAULT:
        res = TCG_EXEC_FAULT;
        break;
    case JMP_EXCEPTION:
        res = TCG_EXEC_EXCEPTION;
        break;
    case JMP_RESTART:
        /*
         * A write to a code page: the runtime unprotected the page and dropped its
         * TBs. Run the writing instruction alone in a TB that does not re-register
         * the page (so it stays writable for this write), then carry on normally;
         * the next cached TB of that page protects it again.
         */
        res = exec_loop(cpu, true);
        break;
    default:
        res = exec_loop(cpu, false);
        break;
    }
    cpu_exec_end(cpu);
    return res;
}

/* Put env in the state of the instruction running at host_pc. */
/*
 * Put env in the state of the instruction running at host_pc. The translation
 * lock keeps other threads from growing the backend's TB list meanwhile; the
 * faulting thread was in generated code, so it does not hold it.
 */
static void restore_at(TCGExecCPU *cpu, uintptr_t host_pc)
{
    TCGExec *ex = cpu->ex;
    uint64_t words[TCG_MAX_INSN_START_WORDS] = { 0 };
    bool found;
    TCGTB *tb;

    g_mutex_lock(&ex->tb_lock);
    tb = tcg_backend_find_tb(ex->be, host_pc);
    found = tb && tcg_tb_insn_data(tb, host_pc, words);
    g_mutex_unlock(&ex->tb_lock);
    if (found) {
        ex->guest->restore_state(cpu->env, words);
    }
}

G_NORETURN void tcg_exec_cpu_exit_fault(TCGExecCPU *cpu, uintptr_t host_pc, bool restart)
{
    restore_at(cpu, host_pc);
    siglongjmp(cpu->jmp, restart ? JMP_RESTART : JMP_FAULT);
}

static void align_fault(void *env, uint64_t addr, uint32_t oi, uintptr_t host_pc)
{
    TCGExecCPU *cpu = current_cpu;
    const TCGExecGuest *g = cpu->ex->guest;

    (void)env;
    (void)oi;
    restore_at(cpu, host_pc);
    if (g->raise_align) {
        g->raise_align(cpu->env, addr);
        siglongjmp(cpu->jmp, JMP_EXCEPTION);
    }
    siglongjmp(cpu->jmp, JMP_FAULT);
}

/* Lock-free: the span of code ever generated lies inside the one code buffer. */
bool tcg_exec_pc_in_code(TCGExec *ex, uintptr_t host_pc)
{
    return host_pc >= __atomic_load_n(&ex->code_lo, __ATOMIC_ACQUIRE) &&
           host_pc < __atomic_load_n(&ex->code_hi, __ATOMIC_ACQUIRE);
}

/* ---- invalidation ---- */

static bool tb_overlaps(const ExecTB *tb, uint64_t start, uint64_t end)
{
    uint64_t size = tb->size ? tb->size : 1;

    return tb->key.pc < end && tb->key.pc + size > start;
}

static void collect_page(TCGExec *ex, ExecPage *p, uint64_t start, uint64_t end,
                         GPtrArray *out)
{
    (void)ex;
    for (guint i = 0; i < p->tbs->len; i++) {
        ExecTB *tb = g_ptr_array_index(p->tbs, i);
        if (!tb->invalid && tb_overlaps(tb, start, end)) {
            __atomic_store_n(&tb->invalid, 1, __ATOMIC_RELEASE);
            g_ptr_array_add(out, tb);
        }
    }
}

void tcg_exec_invalidate_range(TCGExec *ex, uint64_t start, uint64_t len)
{
    uint64_t end = start + len < start ? UINT64_MAX : start + len;
    uint64_t first, last;
    GPtrArray *victims;

    if (!len) {
        return;
    }
    first = start >> ex->cfg.page_bits;
    last = (end - 1) >> ex->cfg.page_bits;
    victims = g_ptr_array_new();
    g_mutex_lock(&ex->tb_lock);
    if (last - first < g_hash_table_size(ex->pages)) {
        for (uint64_t pg = first; ; pg++) {
            ExecPage *p = g_hash_table_lookup(ex->pages, &pg);
            if (p) {
                collect_page(ex, p, start, end, victims);
            }
            if (pg == last) {
                break;
            }
        }
    } else {
        GHashTableIter it;
        gpointer key, val;
        g_hash_table_iter_init(&it, ex->pages);
        while (g_hash_table_iter_next(&it, &key, &val)) {
            ExecPage *p = val;
            if (p->page >= first && p->page <= last) {
                collect_page(ex, p, start, end, victims);
            }
        }
    }
    for (guint i = 0; i < victims->len; i++) {
        ExecTB *tb = g_ptr_array_index(victims, i);
        tb_invalidate(ex, tb);
        page_remove_tb(ex, tb->page_first, tb);
        if (tb->page_last != tb->page_first) {
            page_remove_tb(ex, tb->page_last, tb);
        }
    }
    g_mutex_unlock(&ex->tb_lock);
    g_ptr_array_free(victims, true);
}

/* ---- fork ---- */

/*
 * The runtime forks inside an exclusive section, so no vCPU translates then; but a
 * thread blocked in a system call may be invalidating (munmap). Holding every
 * translation lock across fork() keeps the child from inheriting one held by a
 * thread that does not exist there.
 */
static GMutex all_exec_lock;
static GList *all_exec;

static void fork_prepare(void)
{
    g_mutex_lock(&all_exec_lock);
    for (GList *l = all_exec; l; l = l->next) {
        g_mutex_lock(&((TCGExec *)l->data)->tb_lock);
    }
}

static void fork_done(void)
{
    for (GList *l = all_exec; l; l = l->next) {
        g_mutex_unlock(&((TCGExec *)l->data)->tb_lock);
    }
    g_mutex_unlock(&all_exec_lock);
}

static void exec_register(TCGExec *ex, bool add)
{
    static gsize once;

    if (g_once_init_enter(&once)) {
        pthread_atfork(fork_prepare, fork_done, fork_done);
        g_once_init_leave(&once, 1);
    }
    g_mutex_lock(&all_exec_lock);
    all_exec = add ? g_list_prepend(all_exec, ex) : g_list_remove(all_exec, ex);
    g_mutex_unlock(&all_exec_lock);
}

/* ---- objects ---- */

TCGExec *tcg_exec_new(const TCGExecConfig *cfg, Error **errp)
{
    const TCGExecGuest *g = cfg->guest;
    TCGExec *ex;
    TCGBackendConfig bc = {
        .code_size = cfg->code_size ? cfg->code_size : 64u << 20,
        .guest_base = cfg->guest_base,
        .align_fault = align_fault,
    };

    if (!g || !cfg->fetch || !g->translate || !g->get_tb_key || !g->translator_new) {
        error_setf(errp, "exec: incomplete guest or runtime configuration");
        return NULL;
    }
    ex = g_new0(TCGExec, 1);
    ex->cfg = *cfg;
    if (!ex->cfg.page_bits) {
        ex->cfg.page_bits = 12;
    }
    ex->guest = g;
    ex->chaining = true;
    ex->code_lo = UINTPTR_MAX;
    g_mutex_init(&ex->tb_lock);
    g_mutex_init(&ex->excl_lock);
    g_mutex_init(&ex->bp_lock);
    g_cond_init(&ex->excl_cond);
    g_cond_init(&ex->excl_resume);
    ex->tbs = g_hash_table_new(key_hash, key_equal);
    ex->pages = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, page_free);
    ex->bps = g_array_new(false, false, sizeof(uint64_t));
    ex->lookup_info = (TCGHelperInfo){
        .name = "lookup_tb_ptr", .func = (void *)helper_lookup_tb,
        .flags = TCG_CALL_NO_WRITE_G | TCG_CALL_NO_SE,
        .ret = TCG_CALL_I64, .nargs = 1, .args = { TCG_CALL_PTR },
    };
    ex->be = tcg_backend_new(&bc, errp);
    if (!ex->be) {
        goto fail;
    }
    ex->s = tcg_ctx_new(g->env_size, g->insn_start_words);
    ex->tr = g->translator_new(ex->s, errp);
    if (!ex->tr) {
        goto fail;
    }
    exec_register(ex, true);
    return ex;

fail:
    tcg_exec_free(ex);
    return NULL;
}

void tcg_exec_free(TCGExec *ex)
{
    if (!ex) {
        return;
    }
    exec_register(ex, false);
    if (ex->tr) {
        ex->guest->translator_free(ex->tr);
    }
    if (ex->s) {
        tcg_ctx_free(ex->s);
    }
    if (ex->be) {
        tcg_backend_free(ex->be);
    }
    tb_free_all(ex);
    g_hash_table_destroy(ex->tbs);
    g_hash_table_destroy(ex->pages);
    g_array_free(ex->bps, true);
    g_list_free(ex->cpus);
    g_mutex_clear(&ex->tb_lock);
    g_mutex_clear(&ex->excl_lock);
    g_mutex_clear(&ex->bp_lock);
    g_cond_clear(&ex->excl_cond);
    g_cond_clear(&ex->excl_resume);
    g_free(ex);
}

void tcg_exec_set_max_insns(TCGExec *ex, unsigned max_insns)
{
    ex->max_insns = max_insns > EXEC_CF_COUNT_MASK ? EXEC_CF_COUNT_MASK : max_insns;
}

void tcg_exec_set_chaining(TCGExec *ex, bool on)
{
    ex->chaining = on;
}

void tcg_exec_get_stats(TCGExec *ex, ExecStats *st)
{
    g_mutex_lock(&ex->tb_lock);
    *st = ex->stats;
    g_mutex_unlock(&ex->tb_lock);
}

TCGExecCPU *tcg_exec_cpu_new(TCGExec *ex, void *env)
{
    TCGExecCPU *cpu = g_new0(TCGExecCPU, 1);

    cpu->ex = ex;
    cpu->env = env;
    g_mutex_lock(&ex->excl_lock);
    cpu->index = ex->next_index++;
    ex->cpus = g_list_append(ex->cpus, cpu);
    g_mutex_unlock(&ex->excl_lock);
    current_cpu = cpu;
    return cpu;
}

void tcg_exec_cpu_free(TCGExecCPU *cpu)
{
    TCGExec *ex;

    if (!cpu) {
        return;
    }
    ex = cpu->ex;
    g_mutex_lock(&ex->excl_lock);
    ex->cpus = g_list_remove(ex->cpus, cpu);
    g_mutex_unlock(&ex->excl_lock);
    if (current_cpu == cpu) {
        current_cpu = NULL;
    }
    g_free(cpu);
}

void *tcg_exec_cpu_env(TCGExecCPU *cpu)
{
    return cpu->env;
}

TCGExecCPU *tcg_exec_current_cpu(void)
{
    return current_cpu;
}

/* ---- debugging ---- */

/* vCPUs inside chained code must come back to the loop to see a new breakpoint. */
static void kick_running(TCGExec *ex)
{
    g_mutex_lock(&ex->excl_lock);
    for (GList *l = ex->cpus; l; l = l->next) {
        TCGExecCPU *c = l->data;
        if (c->running) {
            tcg_exec_cpu_kick(c);
        }
    }
    g_mutex_unlock(&ex->excl_lock);
}

/* Inserting a breakpoint that exists already is not an error. */
bool tcg_exec_breakpoint_insert(TCGExec *ex, uint64_t pc)
{
    g_mutex_lock(&ex->bp_lock);
    if (!breakpoint_find_locked(ex, pc, NULL)) {
        g_array_append_val(ex->bps, pc);
        __atomic_store_n(&ex->nb_bps, (int)ex->bps->len, __ATOMIC_RELEASE);
    }
    g_mutex_unlock(&ex->bp_lock);
    kick_running(ex);
    return true;
}

/* False if there was no breakpoint at pc. */
bool tcg_exec_breakpoint_remove(TCGExec *ex, uint64_t pc)
{
    guint i;
    bool found;

    g_mutex_lock(&ex->bp_lock);
    found = breakpoint_find_locked(ex, pc, &i);
    if (found) {
        g_array_remove_index_fast(ex->bps, i);
        __atomic_store_n(&ex->nb_bps, (int)ex->bps->len, __ATOMIC_RELEASE);
    }
    g_mutex_unlock(&ex->bp_lock);
    return found;
}

void tcg_exec_breakpoint_remove_all(TCGExec *ex)
{
    g_mutex_lock(&ex->bp_lock);
    g_array_set_size(ex->bps, 0);
    __atomic_store_n(&ex->nb_bps, 0, __ATOMIC_RELEASE);
    g_mutex_unlock(&ex->bp_lock);
}

void tcg_exec_cpu_set_single_step(TCGExecCPU *cpu, bool on)
{
    cpu->single_step = on;
}
