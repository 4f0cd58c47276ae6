/*
 * The reference interpreter: runs one TB of IR against a CPU state buffer and a
 * guest memory interface, exactly as docs/tcg-ir.md says. It is the oracle the
 * optimizer and the host backend are compared with, so it favours plainness.
 */
#ifndef LIBTCG_TCG_INTERP_H
#define LIBTCG_TCG_INTERP_H

#include "libtcg/tcg.h"

typedef enum TCGAccess {
    TCG_ACCESS_READ,
    TCG_ACCESS_WRITE,
    TCG_ACCESS_RMW,         /* atomics */
} TCGAccess;

typedef enum TCGFaultKind {
    TCG_FAULT_NONE,
    TCG_FAULT_MAP,          /* nothing mapped there */
    TCG_FAULT_PROT,         /* mapped without the needed permission */
    TCG_FAULT_ALIGN,        /* the MemOp's alignment is not met */
    TCG_FAULT_IO,           /* device memory: use io_read/io_write; as a fault: refused */
    TCG_FAULT_SPLIT,        /* not contiguous in host memory: go byte by byte */
} TCGFaultKind;

typedef struct TCGFault {
    TCGFaultKind kind;
    uint64_t addr;
    TCGAccess access;
    MemOpIdx oi;
} TCGFault;

/*
 * Guest memory as the interpreter sees it (user mode: guest_base + addr after a
 * range check; system mode: the TLB). host_addr returns the host address of
 * [addr, addr + size) or NULL with fault->kind set (the interpreter fills the rest).
 * io_read/io_write (optional) handle TCG_FAULT_IO ranges; the value is the number
 * whose little-endian bytes are the memory contents. They return false to fault.
 */
typedef struct TCGMemOps {
    void *(*host_addr)(void *opaque, uint64_t addr, unsigned size, TCGAccess access,
                       unsigned mmu_idx, TCGFault *fault);
    bool (*io_read)(void *opaque, uint64_t addr, unsigned size, unsigned mmu_idx,
                    uint64_t *val);
    bool (*io_write)(void *opaque, uint64_t addr, unsigned size, unsigned mmu_idx,
                     uint64_t val);
} TCGMemOps;

typedef enum TCGExitKind {
    TCG_EXIT_TB,            /* exit_tb: value, goto_tb_slot */
    TCG_EXIT_GOTO_PTR,      /* goto_ptr: value */
    TCG_EXIT_FAULT,         /* a guest memory op faulted: fault, insn_data */
    TCG_EXIT_INVALID,       /* the IR broke a rule: message */
} TCGExitKind;

typedef struct TCGExitInfo {
    TCGExitKind kind;
    uint64_t value;
    int goto_tb_slot;       /* slot of the last goto_tb passed, or -1 */
    TCGFault fault;
    uint64_t insn_data[TCG_MAX_INSN_START_WORDS];
    int64_t insn_index;     /* which insn_start (0-based, in execution order); -1 none */
    char message[160];
} TCGExitInfo;

typedef struct TCGInterp TCGInterp;

TCGInterp *tcg_interp_new(void);
void tcg_interp_free(TCGInterp *it);
/* Stop with TCG_EXIT_INVALID after this many ops (0: no limit, the default). */
void tcg_interp_set_step_limit(TCGInterp *it, uint64_t max_ops);

/*
 * Run the TB in s (verified first) with env pointing at s->env_size bytes of CPU
 * state. Returns info->kind. A helper may leave by siglongjmp: nothing leaks, and
 * tcg_interp_insn_data() then tells which guest instruction was running.
 */
TCGExitKind tcg_interp_run(TCGInterp *it, TCGContext *s, void *env,
                           const TCGMemOps *mem, void *mem_opaque, TCGExitInfo *info);
/* The words of the insn_start most recently executed (NULL before the first). */
const uint64_t *tcg_interp_insn_data(const TCGInterp *it);

#endif
