/*
 * The riscv64 signal frame, laid out as the Linux kernel builds it (struct
 * rt_sigframe: siginfo then ucontext, whose mcontext is the general registers
 * with pc in slot 0 and the D-extension state), rt_sigreturn, the sigreturn
 * trampoline the handler returns through (the kernel's vDSO has one; we map
 * ours), and a clone child's registers.
 */
#include "config.h"
#include <stddef.h>
#include <string.h>
#include "linux-user/signal-int.h"

/* struct sigcontext: user_regs_struct then union __riscv_fp_state (its largest
 * member, the Q state, is 528 bytes, 16-aligned). */
typedef struct target_sigcontext {
    uint64_t regs[32];              /* pc, x1 .. x31 */
    union {
        struct {
            uint64_t f[32];
            uint32_t fcsr;
        } d;
        uint8_t size[528];
    } fp __attribute__((aligned(16)));
} target_sigcontext;

typedef struct target_ucontext {
    abi_ulong uc_flags;
    abi_ulong uc_link;
    target_stack_t uc_stack;
    target_sigset_t uc_sigmask;
    uint8_t unused[1024 / 8 - sizeof(target_sigset_t)];
    target_sigcontext uc_mcontext __attribute__((aligned(16)));
} target_ucontext;

typedef struct target_rt_sigframe {
    target_siginfo_t info;
    target_ucontext uc;
} target_rt_sigframe;

G_STATIC_ASSERT(sizeof(target_sigcontext) == 784);
G_STATIC_ASSERT(offsetof(target_ucontext, uc_mcontext) == 176);
G_STATIC_ASSERT(sizeof(target_ucontext) == 960);
G_STATIC_ASSERT(offsetof(target_rt_sigframe, uc) == 128);

/* li a7, 139 (rt_sigreturn); ecall */
const uint32_t target_sigreturn_code[] = { 0x08b00893, 0x00000073 };
const size_t target_sigreturn_code_len = sizeof(target_sigreturn_code);
G_STATIC_ASSERT(TARGET_NR_rt_sigreturn == 139);

static void save_regs(target_sigcontext *sc, const CPUArchState *env)
{
    sc->regs[0] = env->pc;
    for (int i = 1; i < 32; i++) {
        sc->regs[i] = env->gpr[i];
    }
    for (int i = 0; i < 32; i++) {
        sc->fp.d.f[i] = env->fpr[i];
    }
    sc->fp.d.fcsr = (env->frm << 5) | env->fflags;
}

static void restore_regs(CPUArchState *env, const target_sigcontext *sc)
{
    env->pc = sc->regs[0];
    for (int i = 1; i < 32; i++) {
        env->gpr[i] = sc->regs[i];
    }
    for (int i = 0; i < 32; i++) {
        env->fpr[i] = sc->fp.d.f[i];
    }
    env->fflags = sc->fp.d.fcsr & 0x1f;
    env->frm = (sc->fp.d.fcsr >> 5) & 7;
}

bool target_setup_rt_frame(CPUArchState *env, int sig, const TargetSigaction *ka,
                           const target_siginfo_t *info, target_sigset_t saved_mask)
{
    abi_ulong tramp = signal_trampoline();
    abi_ulong sp = signal_frame_sp(ka, env->gpr[2]);
    abi_ulong addr = (sp - sizeof(target_rt_sigframe)) & ~(abi_ulong)15;
    target_rt_sigframe *f;

    if (!tramp) {
        return false;
    }
    f = lock_user(VERIFY_WRITE, addr, sizeof(*f), false);
    if (!f) {
        return false;
    }
    memset(f, 0, sizeof(*f));
    f->info = *info;
    signal_save_altstack(&f->uc.uc_stack, env->gpr[2]);
    f->uc.uc_sigmask = saved_mask;
    save_regs(&f->uc.uc_mcontext, env);
    unlock_user(f, addr, sizeof(*f));

    env->gpr[1] = tramp;                                        /* ra */
    env->gpr[2] = addr;                                         /* sp */
    env->gpr[10] = sig;                                         /* a0 */
    env->gpr[11] = addr + offsetof(target_rt_sigframe, info);   /* a1 */
    env->gpr[12] = addr + offsetof(target_rt_sigframe, uc);     /* a2 */
    env->pc = ka->handler;
    env->load_res = (uint64_t)-1;
    return true;
}

abi_long target_do_rt_sigreturn(CPUArchState *env)
{
    abi_ulong addr = env->gpr[2];
    target_rt_sigframe *f = lock_user(VERIFY_READ, addr, sizeof(*f), true);

    if (!f) {
        force_sig_fault(TARGET_SIGSEGV, TARGET_SI_KERNEL, 0);
        return -QEMU_ESIGRETURN;
    }
    signal_set_blocked(f->uc.uc_sigmask);
    restore_regs(env, &f->uc.uc_mcontext);
    unlock_user(f, addr, 0);
    signal_restore_altstack(addr + offsetof(target_rt_sigframe, uc.uc_stack), env->gpr[2]);
    env->load_res = (uint64_t)-1;
    return -QEMU_ESIGRETURN;
}

void target_clone_child_regs(CPUArchState *env, abi_ulong newsp, bool set_tls,
                             abi_ulong tls)
{
    env->gpr[10] = 0;
    if (newsp) {
        env->gpr[2] = newsp;
    }
    if (set_tls) {
        env->gpr[4] = tls;
    }
    env->load_res = (uint64_t)-1;
}
