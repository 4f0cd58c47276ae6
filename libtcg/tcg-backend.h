/*
 * The x86-64 host backend: a code buffer, a prologue that enters generated code,
 * code generation for one TB of IR, direct chaining of goto_tb slots, and the map
 * from a host code address back to the guest instruction (insn_start words) that
 * was running, for precise faults. docs/tcg-backend.md describes the design.
 */
#ifndef LIBTCG_TCG_BACKEND_H
#define LIBTCG_TCG_BACKEND_H

#include "libtcg/tcg.h"

/* ---- code buffer: one mmap'd RWX region, bump allocated, reset as a whole ---- */

typedef struct TCGCodeBuf {
    uint8_t *base;
    size_t size;
    size_t used;
} TCGCodeBuf;

bool tcg_codebuf_init(TCGCodeBuf *cb, size_t size, Error **errp);
void tcg_codebuf_destroy(TCGCodeBuf *cb);
/* align must be a power of two; NULL when the buffer is full. */
void *tcg_codebuf_alloc(TCGCodeBuf *cb, size_t size, size_t align);
static inline size_t tcg_codebuf_avail(const TCGCodeBuf *cb) { return cb->size - cb->used; }

/* ---- translated blocks ---- */

#define TCG_TB_NO_JMP UINT32_MAX

/*
 * One block of host code and its metadata, both living in the code buffer (so a
 * flush frees them at once). The fault map: insn_off[i] is the offset in the code
 * where the code of the i-th insn_start (in list order) begins; its words are
 * insn_words[i * nwords ...].
 */
typedef struct TCGTB {
    uint8_t *code;
    uint32_t code_size;
    uint32_t jmp_off[2];        /* offset of the rel32 of goto_tb slot n, or NO_JMP */
    uint32_t ninsns;
    uint32_t nwords;
    const uint32_t *insn_off;
    const uint64_t *insn_words;
} TCGTB;

/*
 * Raise a guest alignment fault (docs/tcg-ir.md M2) from generated code. Called
 * with env, the guest address, the MemOpIdx and the host pc of the access; it must
 * not return (it leaves by siglongjmp to the runtime's cpu loop).
 */
typedef void (*TCGAlignFaultFn)(void *env, uint64_t addr, uint32_t oi, uintptr_t host_pc);

typedef struct TCGBackendConfig {
    size_t code_size;           /* bytes of code buffer; 0: 32 MiB */
    uint64_t guest_base;        /* user mode: host address = guest address + guest_base */
    TCGAlignFaultFn align_fault;
    bool no_host_features;      /* do not use lzcnt/tzcnt/popcnt even if present (tests) */
} TCGBackendConfig;

typedef struct TCGBackend TCGBackend;

TCGBackend *tcg_backend_new(const TCGBackendConfig *cfg, Error **errp);
void tcg_backend_free(TCGBackend *be);
/* Drop every TB (their memory is reused); the prologue stays. */
void tcg_backend_flush(TCGBackend *be);

/*
 * Generate host code for the TB in s (verified first). On error (buffer full,
 * an op the backend does not emit, a TB with too many temps) nothing is kept and
 * NULL is returned. tcg_backend_buffer_full() tells a full buffer apart, so the
 * runtime can flush and retry.
 */
TCGTB *tcg_gen_code(TCGBackend *be, TCGContext *s, Error **errp);
bool tcg_backend_buffer_full(const Error *err);

/* Run the TB's code with env; returns the exit_tb value (0 for goto_ptr NULL). */
uint64_t tcg_backend_exec(TCGBackend *be, void *env, const void *code);

/* Patch goto_tb slot n of tb to jump straight to target_code / back to its exit path. */
bool tcg_tb_link(TCGTB *tb, unsigned slot, const void *target_code);
void tcg_tb_unlink(TCGTB *tb, unsigned slot);

/* The TB whose code contains host_pc, or NULL. */
TCGTB *tcg_backend_find_tb(TCGBackend *be, uintptr_t host_pc);
/* The insn_start words of the guest instruction running at host_pc in tb. */
bool tcg_tb_insn_data(const TCGTB *tb, uintptr_t host_pc, uint64_t *words);

#endif
