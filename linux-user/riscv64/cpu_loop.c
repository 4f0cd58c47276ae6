/*
 * The riscv64 guest thread loop: run translated code until the runtime is
 * needed, then turn what stopped it (ecall, illegal instruction, ebreak, a bad
 * fetch, a host fault, a debugger stop) into a system call or a guest signal.
 * Also the riscv64 hooks of the loader and /proc: initial registers, AT_HWCAP,
 * /proc/cpuinfo.
 */
#include "config.h"
#include <inttypes.h>
#include <unistd.h>
#include "linux-user/process-int.h"
#include "linux-user/signal-int.h"
#include "linux-user/gdbstub-user.h"
#include "targets/riscv/cpu.h"

const TCGExecGuest *target_exec_guest(void)
{
    return &riscv_exec_guest;
}

void target_cpu_init_regs(CPUArchState *env, abi_ulong pc, abi_ulong sp)
{
    env->pc = pc;
    env->gpr[2] = sp;
    env->gpr[10] = 0;       /* a0: no rtld_fini from the kernel */
}

abi_ulong target_elf_hwcap(const CPUArchState *env)
{
    static const struct { uint32_t ext; char letter; } letters[] = {
        { RISCV_EXT_I, 'i' }, { RISCV_EXT_M, 'm' }, { RISCV_EXT_A, 'a' },
        { RISCV_EXT_F, 'f' }, { RISCV_EXT_D, 'd' }, { RISCV_EXT_C, 'c' },
    };
    abi_ulong hwcap = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(letters); i++) {
        if (env->ext & letters[i].ext) {
            hwcap |= 1ul << (letters[i].letter - 'a');
        }
    }
    return hwcap;
}

const char *target_elf_platform(void)
{
    return NULL;
}

char *target_proc_cpuinfo(void)
{
    GString *s = g_string_new(NULL);
    char *isa = riscv_isa_string(user_proc.cpu_ext);
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 1) {
        n = 1;
    }
    for (long i = 0; i < n; i++) {
        g_string_append_printf(s, "processor\t: %ld\nhart\t\t: %ld\nisa\t\t: %s\n"
                               "mmu\t\t: sv39\n\n", i, i, isa);
    }
    g_free(isa);
    return g_string_free(s, false);
}

static void do_ecall(CPUArchState *env)
{
    abi_long args[6];
    abi_long ret;

    for (unsigned i = 0; i < 6; i++) {
        args[i] = target_syscall_arg(env, i);
    }
    /* Past the ecall first: clone children, signal frames and execve all see
     * the return address. */
    env->pc += 4;
    ret = do_syscall(env, target_syscall_nr(env), args);
    if (ret == -QEMU_ESIGRETURN) {
        return;
    }
    if (ret == -QEMU_ERESTARTSYS) {
        if (signal_restart_syscall()) {
            env->pc -= 4;
            return;
        }
        ret = -TARGET_EINTR;
    }
    target_set_syscall_ret(env, ret);
}

static void do_exception(CPUArchState *env)
{
    uint32_t cause = env->exception;

    qemu_log_mask(LOG_INT, "riscv64: exception %" PRIu32 " at pc 0x%016" PRIx64
                  " tval 0x%016" PRIx64 "\n", cause, env->pc, env->tval);
    switch (cause) {
    case RISCV_EXCP_U_ECALL:
        do_ecall(env);
        break;
    case RISCV_EXCP_ILLEGAL_INST:
        force_sig_fault(TARGET_SIGILL, TARGET_ILL_ILLOPC, env->pc);
        break;
    case RISCV_EXCP_BREAKPOINT:
        force_sig_fault(TARGET_SIGTRAP, TARGET_TRAP_BRKPT, env->pc);
        break;
    case RISCV_EXCP_INST_ACCESS: {
        abi_ulong addr = env->tval ? env->tval : env->pc;
        int code = (page_get_flags(addr) & PAGE_VALID) ? TARGET_SEGV_ACCERR
                                                       : TARGET_SEGV_MAPERR;
        force_sig_fault(TARGET_SIGSEGV, code, addr);
        break;
    }
    case RISCV_EXCP_INST_ADDR_MIS:
    case RISCV_EXCP_LOAD_ADDR_MIS:
    case RISCV_EXCP_STORE_AMO_ADDR_MIS:
        force_sig_fault(TARGET_SIGBUS, TARGET_BUS_ADRALN, env->tval);
        break;
    default:
        qemu_log_mask(LOG_UNIMP, "riscv64: unhandled exception %" PRIu32 "\n", cause);
        force_sig_fault(TARGET_SIGILL, TARGET_ILL_ILLOPC, env->pc);
        break;
    }
}

G_NORETURN void cpu_loop(CPUArchState *env)
{
    TaskState *ts = task_current();

    for (;;) {
        switch (tcg_exec_run(ts->cpu)) {
        case TCG_EXEC_EXCEPTION:
            do_exception(env);
            break;
        case TCG_EXEC_INTERRUPTED:
            break;
        case TCG_EXEC_FAULT:
            signal_fault_return();
            break;
        case TCG_EXEC_DEBUG: {
            int sig = gdb_user_handle_signal(env, TARGET_SIGTRAP);
            if (sig) {
                force_sig_fault(sig, sig == TARGET_SIGTRAP ? TARGET_TRAP_BRKPT : 0,
                                env->pc);
            }
            break;
        }
        }
        process_pending_signals(env);
    }
}

bool target_cpu_parse(const char *spec, uint32_t *ext, Error **errp)
{
    return riscv_cpu_parse(spec ? spec : riscv_cpu_models[0].name, ext, errp);
}

char *target_cpu_list(void)
{
    return riscv_cpu_list_text();
}

CPUArchState *target_cpu_new(uint32_t ext)
{
    CPUArchState *env = g_new0(CPUArchState, 1);

    riscv_cpu_reset(env, &riscv_cpu_models[0]);
    env->ext = ext;
    return env;
}
