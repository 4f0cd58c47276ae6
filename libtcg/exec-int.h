/*
 * Internals of the execution core shared by exec.c and exec-log.c, plus a few
 * counters the unit tests read. Not part of the libtcg/exec.h contract.
 */
#ifndef LIBTCG_EXEC_INT_H
#define LIBTCG_EXEC_INT_H

#include <setjmp.h>
#include "libtcg/exec.h"
#include "libtcg/tcg-backend.h"

/* cflags: how a TB was translated; part of its key. */
enum {
    EXEC_CF_COUNT_MASK = 0xffff,    /* max_insns (0: the front end's default) */
    EXEC_CF_NOCHAIN    = 1u << 16,  /* no goto_tb chaining, no goto_ptr lookup */
};

typedef struct ExecTBKey {
    uint64_t pc;
    uint32_t flags;
    uint32_t cflags;
} ExecTBKey;

/*
 * A TB descriptor. Its address is the tb_token of its chained exits, hence the
 * alignment. Chaining: jmp_dest[n] is the TB goto_tb slot n jumps to; the links
 * into a TB form a list whose head is jmp_in and whose next pointers live in the
 * source TBs (jmp_next[slot]); entries are (source TB | slot).
 */
typedef struct ExecTB {
    ExecTBKey key;
    uint64_t size;                  /* guest bytes */
    uint64_t page_first, page_last; /* guest page numbers */
    TCGTB *tb;
    const void *code;
    int invalid;                    /* atomic: dropped from the cache */
    unsigned ninsns;
    struct ExecTB *jmp_dest[2];
    uintptr_t jmp_next[2];
    uintptr_t jmp_in;
    struct ExecTB *all_next;        /* every TB since the last flush */
} __attribute__((aligned(TCG_EXIT_CHAIN_ALIGN))) ExecTB;

#define EXEC_JC_BITS 12
#define EXEC_JC_SIZE (1u << EXEC_JC_BITS)

struct TCGExecCPU {
    TCGExec *ex;
    void *env;
    int index;
    sigjmp_buf jmp;
    ExecTB *jc[EXEC_JC_SIZE];       /* direct-mapped by pc: lock-free hits */
    bool single_step;
    uint32_t cflags;                /* of the TB last entered from the loop */
    /* exclusive sections (ex->excl_lock) */
    bool running, excl_counted, excl_was_running;
};

typedef struct ExecStats {
    uint64_t translations;
    uint64_t links;
    uint64_t unlinks;
    uint64_t invalidations;
    uint64_t flushes;
} ExecStats;

/* Counters since tcg_exec_new (tests). */
void tcg_exec_get_stats(TCGExec *ex, ExecStats *st);

/* ---- -d logs (exec-log.c) ---- */
/* in_asm, op, op_opt (the dumps, NULL if not logged), out_asm of a new TB. */
void exec_log_translation(const TCGExecConfig *cfg, const ExecTB *tb, const char *op,
                          const char *op_opt);
void exec_log_trace(const TCGExecConfig *cfg, TCGExecCPU *cpu, const ExecTB *tb,
                    const char *what);
void exec_log_link(const ExecTB *from, unsigned slot, const ExecTB *to);

#endif
