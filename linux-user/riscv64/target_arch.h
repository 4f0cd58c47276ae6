/*
 * What the generic linux-user code needs to know about the riscv64 guest: its CPU
 * state type, ABI word size, ELF machine, page size, and where the system call
 * number, arguments and result live in the registers.
 */
#ifndef LINUX_USER_RISCV64_TARGET_ARCH_H
#define LINUX_USER_RISCV64_TARGET_ARCH_H

#include <stdint.h>
#include "targets/riscv/cpu.h"
#include "linux-user/riscv64/syscall_nr.h"

#define TARGET_NAME         "riscv64"
#define TARGET_ABI_BITS     64
#define TARGET_ELF_CLASS    2           /* ELFCLASS64 */
#define TARGET_ELF_DATA     1           /* ELFDATA2LSB */
#define TARGET_ELF_MACHINE  243         /* EM_RISCV */
#define TARGET_PAGE_BITS    12
#define TARGET_NSIG         64
/* The highest user address + 1 the guest sees (Sv39 user half; QEMU uses the same). */
#define TARGET_VIRT_ADDR_LIMIT (1ull << 38)
/* Where a PIE main program or the interpreter goes when the guest does not say. */
#define TARGET_ELF_ET_DYN_BASE 0x2aaaaab000ull
#define TARGET_STACK_DEFAULT  (8ull << 20)

typedef CPURISCVState CPUArchState;
typedef uint64_t abi_ulong;
typedef int64_t abi_long;
typedef int32_t abi_int;
typedef uint32_t abi_uint;

/* Registers of the syscall ABI: a7 = number, a0..a5 = arguments, a0 = result. */
static inline int target_syscall_nr(const CPUArchState *env)
{
    return (int)env->gpr[17];
}

static inline abi_long target_syscall_arg(const CPUArchState *env, unsigned i)
{
    return (abi_long)env->gpr[10 + i];
}

static inline void target_set_syscall_ret(CPUArchState *env, abi_long ret)
{
    env->gpr[10] = (uint64_t)ret;
}

static inline abi_ulong target_get_sp(const CPUArchState *env)
{
    return env->gpr[2];
}

static inline void target_set_sp(CPUArchState *env, abi_ulong sp)
{
    env->gpr[2] = sp;
}

static inline void target_set_tls(CPUArchState *env, abi_ulong tls)
{
    env->gpr[4] = tls;  /* tp */
}

#endif
