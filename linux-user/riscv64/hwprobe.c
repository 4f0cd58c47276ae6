/*
 * riscv_hwprobe: the guest asks which ISA extensions and behaviours the harts
 * have, as key/value pairs. Answers come from the -cpu extension set; every
 * hart of the emulated process is the same, so the CPU set only has to be
 * readable. Unknown keys get key -1, as the kernel does.
 */
#include "config.h"
#include "linux-user/user.h"
#include "targets/riscv/cpu.h"

enum {
    HWPROBE_MVENDORID = 0, HWPROBE_MARCHID = 1, HWPROBE_MIMPID = 2,
    HWPROBE_BASE_BEHAVIOR = 3, HWPROBE_IMA_EXT_0 = 4, HWPROBE_CPUPERF_0 = 5,
    HWPROBE_ZICBOZ_BLOCK_SIZE = 6,
};
#define HWPROBE_BASE_IMA        1ull
#define HWPROBE_MISALIGNED_FAST 3ull   /* host loads and stores do it natively */
#define HWPROBE_MAX_PAIRS       4096

static const struct { uint32_t ext; uint64_t bit; } ima_ext0[] = {
    { RISCV_EXT_C, 1ull << 1 },
    { RISCV_EXT_ZBA, 1ull << 3 },
    { RISCV_EXT_ZBB, 1ull << 4 },
    { RISCV_EXT_ZBS, 1ull << 5 },
    { RISCV_EXT_ZBC, 1ull << 7 },
};

static bool hwprobe_value(uint32_t ext, int64_t key, uint64_t *value)
{
    const uint32_t ima = RISCV_EXT_I | RISCV_EXT_M | RISCV_EXT_A;

    switch (key) {
    case HWPROBE_MVENDORID:
    case HWPROBE_MARCHID:
    case HWPROBE_MIMPID:
    case HWPROBE_ZICBOZ_BLOCK_SIZE:
        *value = 0;
        return true;
    case HWPROBE_BASE_BEHAVIOR:
        *value = (ext & ima) == ima ? HWPROBE_BASE_IMA : 0;
        return true;
    case HWPROBE_IMA_EXT_0:
        *value = (ext & (RISCV_EXT_F | RISCV_EXT_D)) == (RISCV_EXT_F | RISCV_EXT_D)
                 ? 1 : 0;
        for (size_t i = 0; i < G_N_ELEMENTS(ima_ext0); i++) {
            if (ext & ima_ext0[i].ext) {
                *value |= ima_ext0[i].bit;
            }
        }
        return true;
    case HWPROBE_CPUPERF_0:
        *value = HWPROBE_MISALIGNED_FAST;
        return true;
    default:
        return false;
    }
}

static abi_long sys_riscv_hwprobe(CPUArchState *env, abi_long pairs, abi_long count,
                                  abi_long cpusetsize, abi_long cpus, abi_long flags,
                                  abi_long a6)
{
    uint64_t *p;

    (void)a6;
    if (flags != 0 || (abi_ulong)count > HWPROBE_MAX_PAIRS) {
        return -TARGET_EINVAL;
    }
    if (cpusetsize || cpus) {
        if (!lock_user(VERIFY_READ, cpus, cpusetsize, true)) {
            return -TARGET_EFAULT;
        }
    }
    if (count == 0) {
        return 0;
    }
    p = lock_user(VERIFY_WRITE, pairs, count * 16, true);
    if (!p) {
        return -TARGET_EFAULT;
    }
    for (abi_long i = 0; i < count; i++) {
        uint64_t v = 0;
        if (!hwprobe_value(env->ext, (int64_t)p[2 * i], &v)) {
            p[2 * i] = (uint64_t)-1;
        }
        p[2 * i + 1] = v;
    }
    unlock_user(p, pairs, count * 16);
    return 0;
}

static const SyscallDef riscv_syscalls[] = {
    { TARGET_NR_riscv_hwprobe, "riscv_hwprobe", sys_riscv_hwprobe, "pdupx", NULL, NULL },
};
SYSCALL_TABLE_REGISTER(riscv_syscalls)
