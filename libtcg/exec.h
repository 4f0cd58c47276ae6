/*
 * The execution core every guest shares: a cache of translation blocks keyed by
 * (guest pc, flags), direct chaining between them, invalidation by guest page, the
 * loop that runs one vCPU's code until the runtime is needed (an exception such as
 * a system call, a fault, an exit request), exclusive sections for code flushes,
 * and the -d logs of translation and execution. A guest architecture plugs in
 * through TCGExecGuest; the runtime (linux-user now, softmmu later) through
 * TCGExecConfig. docs/tcg-exec.md describes the design.
 */
#ifndef LIBTCG_EXEC_H
#define LIBTCG_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "libcore/error.h"
#include "libtcg/tcg.h"

/*
 * exit_tb values every front end uses (targets alias them). A chained exit is
 * tb_token | slot where tb_token is a multiple of TCG_EXIT_CHAIN_ALIGN.
 */
enum {
    TCG_EXIT_LOOKUP     = 0,  /* env's pc is the next pc: look up its TB */
    TCG_EXIT_EXCEPTION  = 1,  /* the guest raised an exception; env holds it */
    TCG_EXIT_CODE_SYNC  = 2,  /* fence.i and the like: code may have changed */
    TCG_EXIT_REQUESTED  = 3,  /* the TB-entry check saw exit_request set */
    TCG_EXIT_CHAIN_ALIGN = 16,
};

/* What tcg_exec_run() returns. */
typedef enum TCGExecResult {
    TCG_EXEC_EXCEPTION,       /* the guest raised an exception (env says which) */
    TCG_EXEC_INTERRUPTED,     /* exit_request was set: kick, signal, exclusive */
    TCG_EXEC_FAULT,           /* tcg_exec_cpu_exit_fault() left generated code */
    TCG_EXEC_DEBUG,           /* breakpoint reached or single step done */
} TCGExecResult;

/* A translation request handed to the front end. */
typedef struct TCGTransArgs {
    uint64_t pc;
    uint32_t flags;
    unsigned max_insns;             /* 1 with -one-insn-per-tb or a debugger step */
    uint64_t tb_token;              /* 0: no chaining (nochain) */
    const TCGHelperInfo *lookup;    /* helper(env) -> host code or NULL, for goto_ptr */
    /* Fetch len bytes of guest code at addr; false if not mapped executable. */
    bool (*fetch)(void *opaque, uint64_t addr, void *buf, size_t len);
    void *fetch_opaque;
} TCGTransArgs;

typedef struct TCGTransResult {
    unsigned ninsns;
    uint64_t size;                  /* guest bytes covered from pc (may be 0 at a fault) */
} TCGTransResult;

/* What a guest architecture provides (one const instance per target). */
typedef struct TCGExecGuest {
    const char *name;               /* "riscv64" */
    size_t env_size;                /* sizeof the CPU state */
    unsigned insn_start_words;
    size_t exit_request_offset;     /* env offset of the int32 the TB entry checks */
    size_t pc_offset;               /* env offset of the uint64 guest pc */
    void *(*translator_new)(TCGContext *s, Error **errp);
    void (*translator_free)(void *tr);
    /* Build the IR of one block into s (already reset). */
    bool (*translate)(void *tr, const TCGTransArgs *a, TCGTransResult *r, Error **errp);
    /* The TB key of env's current state. */
    void (*get_tb_key)(const void *env, uint64_t *pc, uint32_t *flags);
    /* Apply the insn_start words of the instruction that faulted. */
    void (*restore_state)(void *env, const uint64_t *words);
    /* -d cpu: the registers, as QEMU prints them for this target. */
    void (*dump_state)(const void *env, GString *out);
    int cs_arch, cs_mode;           /* capstone disassembler for -d in_asm */
    unsigned min_insn_bytes;        /* 2 for RVC: disassembly granularity */
    /*
     * Optional: a misaligned guest access at addr that the translator asked to
     * be checked (docs/tcg-ir.md M2): set env's exception for it (env is already
     * restored to the faulting instruction); tcg_exec_run() then returns
     * TCG_EXEC_EXCEPTION. NULL: it returns TCG_EXEC_FAULT.
     */
    void (*raise_align)(void *env, uint64_t addr);
    /*
     * Optional, for -d in_asm when capstone lacks the architecture: append the
     * text of the instruction at pc (bytes in buf, len of them readable) and
     * return its length in bytes (0: cannot decode, stop). NULL: capstone.
     */
    unsigned (*disas)(uint64_t pc, const uint8_t *buf, size_t len, GString *out);
} TCGExecGuest;

/* What the runtime provides. */
typedef struct TCGExecConfig {
    const TCGExecGuest *guest;
    uint64_t guest_base;            /* user mode: host = guest + guest_base */
    size_t code_size;               /* 0: 64 MiB */
    unsigned page_bits;             /* guest page size, log2 (12) */
    bool (*fetch)(void *opaque, uint64_t addr, void *buf, size_t len);
    /*
     * Called (translation lock held) the first time a TB is made from the guest
     * page at page_addr: user mode write-protects it so writes are caught.
     */
    void (*code_page_added)(void *opaque, uint64_t page_addr);
    void *opaque;
} TCGExecConfig;

typedef struct TCGExec TCGExec;
typedef struct TCGExecCPU TCGExecCPU;

TCGExec *tcg_exec_new(const TCGExecConfig *cfg, Error **errp);
void tcg_exec_free(TCGExec *ex);
/* -one-insn-per-tb; -d nochain (also set by the log mask). Before running. */
void tcg_exec_set_max_insns(TCGExec *ex, unsigned max_insns);
void tcg_exec_set_chaining(TCGExec *ex, bool on);

/* One per guest thread; env is the target's CPU state (guest->env_size bytes). */
TCGExecCPU *tcg_exec_cpu_new(TCGExec *ex, void *env);
void tcg_exec_cpu_free(TCGExecCPU *cpu);
void *tcg_exec_cpu_env(TCGExecCPU *cpu);
/* The vCPU the calling thread runs (set by tcg_exec_cpu_new in that thread). */
TCGExecCPU *tcg_exec_current_cpu(void);

/* Run cpu's guest code from env's pc until the runtime is needed. */
TCGExecResult tcg_exec_run(TCGExecCPU *cpu);

/* Make cpu leave generated code at its next TB entry. Async-signal-safe. */
void tcg_exec_cpu_kick(TCGExecCPU *cpu);

/*
 * From the host SIGSEGV/SIGBUS handler, for a fault at host_pc inside generated
 * code: restore the guest state of the faulting instruction and leave
 * tcg_exec_run() of the current vCPU with TCG_EXEC_FAULT. If restart is true
 * (the fault was a write to a code page that has since been unprotected) the run
 * resumes at that instruction instead of returning. The host signal mask is not
 * restored (sigsetjmp(.., 0)): the caller's runtime does that on TCG_EXEC_FAULT.
 */
G_NORETURN void tcg_exec_cpu_exit_fault(TCGExecCPU *cpu, uintptr_t host_pc, bool restart);
/* True if host_pc is inside generated code. Async-signal-safe. */
bool tcg_exec_pc_in_code(TCGExec *ex, uintptr_t host_pc);

/*
 * Drop every TB holding guest code in [start, start + len): unlink chains into
 * them, remove them from the cache. Threads already inside one finish it.
 */
void tcg_exec_invalidate_range(TCGExec *ex, uint64_t start, uint64_t len);
/* Drop every TB (code buffer reset); takes an exclusive section. */
void tcg_exec_flush(TCGExec *ex);

/*
 * Exclusive sections: wait until every other vCPU is outside generated code and
 * keep them out until the end. cpu is the caller's vCPU (NULL if none).
 */
void tcg_exec_start_exclusive(TCGExec *ex, TCGExecCPU *cpu);
void tcg_exec_end_exclusive(TCGExec *ex, TCGExecCPU *cpu);

/* Debugging (gdbstub): breakpoints and single step for one vCPU's next run. */
bool tcg_exec_breakpoint_insert(TCGExec *ex, uint64_t pc);
bool tcg_exec_breakpoint_remove(TCGExec *ex, uint64_t pc);
void tcg_exec_breakpoint_remove_all(TCGExec *ex);
void tcg_exec_cpu_set_single_step(TCGExecCPU *cpu, bool on);

#endif
