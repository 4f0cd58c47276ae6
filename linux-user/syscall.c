/*
 * The system call dispatcher: a table indexed by guest system call number that
 * every syscall-*.c file fills at start-up (SYSCALL_TABLE_REGISTER), and
 * do_syscall, which runs one call with -strace logging around it.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include "linux-user/user.h"

/* Above every guest's highest number (riscv64: 451). */
#define SYSCALL_TABLE_SIZE 1024

static const SyscallDef *syscall_table[SYSCALL_TABLE_SIZE];

void syscall_register(const SyscallDef *defs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const SyscallDef *d = &defs[i];

        /* A programming error in the tables: stop before anything runs. */
        if (d->nr < 0 || d->nr >= SYSCALL_TABLE_SIZE || !d->fn || !d->name) {
            fprintf(stderr, "qemu: bad system call table entry %d (%s)\n",
                    d->nr, d->name ? d->name : "?");
            abort();
        }
        if (syscall_table[d->nr]) {
            fprintf(stderr, "qemu: system call %d registered twice: %s and %s\n",
                    d->nr, syscall_table[d->nr]->name, d->name);
            abort();
        }
        syscall_table[d->nr] = d;
    }
}

abi_long do_syscall(CPUArchState *env, int nr, const abi_long args[6])
{
    const SyscallDef *def = NULL;
    bool trace = user_proc.strace || qemu_loglevel_mask(LOG_STRACE);
    abi_long ret;

    if (nr >= 0 && nr < SYSCALL_TABLE_SIZE) {
        def = syscall_table[nr];
    }
    if (trace) {
        strace_print_call(def, nr, args);
    }
    if (def) {
        ret = def->fn(env, args[0], args[1], args[2], args[3], args[4], args[5]);
    } else {
        qemu_log_mask(LOG_UNIMP, "Unsupported syscall: %d\n", nr);
        ret = -TARGET_ENOSYS;
    }
    if (trace) {
        strace_print_ret(def, nr, ret, args);
    }
    return ret;
}
