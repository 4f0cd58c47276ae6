/*
 * The RISC-V (RV64) guest CPU: architectural state as translated code sees it,
 * the -cpu model table with the extensions each model has, and the exception
 * causes and TB exit codes the translator hands to the runtime.
 */
#ifndef TARGETS_RISCV_CPU_H
#define TARGETS_RISCV_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "libcore/error.h"
#include "libtcg/exec.h"

/* Extension flags (also the translation flags of a TB). */
enum {
    RISCV_EXT_I        = 1u << 0,
    RISCV_EXT_M        = 1u << 1,
    RISCV_EXT_A        = 1u << 2,
    RISCV_EXT_F        = 1u << 3,
    RISCV_EXT_D        = 1u << 4,
    RISCV_EXT_C        = 1u << 5,
    RISCV_EXT_ZICSR    = 1u << 6,
    RISCV_EXT_ZIFENCEI = 1u << 7,
    RISCV_EXT_ZBA      = 1u << 8,
    RISCV_EXT_ZBB      = 1u << 9,
    RISCV_EXT_ZBC      = 1u << 10,
    RISCV_EXT_ZBS      = 1u << 11,
};

/* Synchronous exception causes (the privileged spec's mcause numbers). */
enum {
    RISCV_EXCP_INST_ADDR_MIS = 0,
    RISCV_EXCP_INST_ACCESS   = 1,
    RISCV_EXCP_ILLEGAL_INST  = 2,
    RISCV_EXCP_BREAKPOINT    = 3,
    RISCV_EXCP_LOAD_ADDR_MIS = 4,
    RISCV_EXCP_STORE_AMO_ADDR_MIS = 6,
    RISCV_EXCP_U_ECALL       = 8,
};

/*
 * exit_tb values: the execution core's (libtcg/exec.h). A chained exit is
 * tb_token | slot where the runtime's tb_token is a multiple of
 * RISCV_EXIT_CHAIN_ALIGN (0: chaining unused, the exit reads RISCV_EXIT_LOOKUP).
 */
enum {
    RISCV_EXIT_LOOKUP    = TCG_EXIT_LOOKUP,     /* env->pc is the next pc: find its TB */
    RISCV_EXIT_EXCEPTION = TCG_EXIT_EXCEPTION,  /* env->exception, env->tval; env->pc = the insn */
    RISCV_EXIT_FENCE_I   = TCG_EXIT_CODE_SYNC,  /* fence.i: code may have changed; env->pc = next */
    RISCV_EXIT_REQUESTED = TCG_EXIT_REQUESTED,  /* exit_request was set at TB entry; env->pc = TB pc */
    RISCV_EXIT_CHAIN_ALIGN = TCG_EXIT_CHAIN_ALIGN,
};

/* Counters behind the read-only CSRs cycle, time and instret. */
typedef enum RISCVCounter {
    RISCV_COUNTER_CYCLE,
    RISCV_COUNTER_TIME,
    RISCV_COUNTER_INSTRET,
} RISCVCounter;

typedef struct CPURISCVState CPURISCVState;
typedef uint64_t (*RISCVCounterFn)(CPURISCVState *env, RISCVCounter which);

/* Rounding modes (frm field and instruction rm field). */
enum {
    RISCV_RM_RNE = 0, RISCV_RM_RTZ = 1, RISCV_RM_RDN = 2, RISCV_RM_RUP = 3,
    RISCV_RM_RMM = 4, RISCV_RM_DYN = 7,
};

/* fflags bits. */
enum {
    RISCV_FFLAG_NX = 1, RISCV_FFLAG_UF = 2, RISCV_FFLAG_OF = 4,
    RISCV_FFLAG_DZ = 8, RISCV_FFLAG_NV = 16,
};

struct CPURISCVState {
    uint64_t gpr[32];       /* gpr[0] is never written */
    uint64_t pc;
    uint64_t fpr[32];       /* singles are NaN-boxed: upper 32 bits all ones */
    uint32_t fflags;        /* accrued exceptions, 5 bits */
    uint32_t frm;           /* dynamic rounding mode, 3 bits */
    uint64_t load_res;      /* LR reservation address, or -1 for none */
    uint64_t load_val;      /* the value LR read */
    uint32_t exception;     /* cause, valid after RISCV_EXIT_EXCEPTION */
    uint32_t pad;
    uint64_t tval;          /* faulting address or instruction bits */
    uint32_t ext;           /* RISCV_EXT_* of the model */
    uint32_t pad2;
    RISCVCounterFn counter; /* NULL: host clock for all three */
    void *opaque;           /* for the runtime */
    int32_t exit_request;   /* nonzero: leave at the next TB entry (atomic) */
    uint32_t pad3;
};

typedef struct RISCVCPUModel {
    const char *name;
    const char *desc;
    uint32_t ext;
} RISCVCPUModel;

/* The named models, NULL-terminated ("rv64" first: the default). */
extern const RISCVCPUModel riscv_cpu_models[];
const RISCVCPUModel *riscv_cpu_model_find(const char *name, Error **errp);
/*
 * A -cpu argument: a model name, then extension properties as QEMU spells them,
 * e.g. "rv64,zbb=off,c=false" (m a f d c zicsr zifencei zba zbb zbc zbs; values
 * on/off/true/false/yes/no). Sets *ext; errors name the model or property, and
 * combinations the ISA forbids (D without F, F without Zicsr) are refused.
 */
bool riscv_cpu_parse(const char *spec, uint32_t *ext, Error **errp);
/* "-cpu help": one line per model; g_free. */
char *riscv_cpu_list_text(void);
/* The ISA string of an extension set, e.g. "rv64imafdc_zicsr_zifencei_zba"; g_free. */
char *riscv_isa_string(uint32_t ext);

/* Power-on state of a user-mode hart: zero registers, frm RNE, no reservation. */
void riscv_cpu_reset(CPURISCVState *env, const RISCVCPUModel *model);
/* Apply the insn_start words of a faulting instruction (word 0: its pc). */
void riscv_restore_state(CPURISCVState *env, const uint64_t *insn_words);
/* The value a read of counter CSR `which` gives now. */
uint64_t riscv_read_counter(CPURISCVState *env, RISCVCounter which);

/* The execution core's view of this target (targets/riscv/exec.c). */
extern const TCGExecGuest riscv_exec_guest;

#endif
