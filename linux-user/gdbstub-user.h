/*
 * The gdbstub of the user-mode emulator: -g PORT (or a unix socket path) waits for
 * gdb before the guest's first instruction, then reports the guest's stops
 * (breakpoints, single steps, signals) and its end to the debugger. Every call
 * returns at once when no debugger is attached.
 */
#ifndef LINUX_USER_GDBSTUB_USER_H
#define LINUX_USER_GDBSTUB_USER_H

#include <stdbool.h>
#include "libcore/error.h"
#include "linux-user/user.h"

/*
 * Listen on TCP localhost:PORT when port_or_path is a number, else on a unix
 * socket at that path; wait for gdb to connect and serve it until it resumes the
 * guest. Call once the main thread's TaskState is current (task_set_current) and
 * its registers hold the start state: gdb sees the guest stopped at its first
 * instruction.
 */
bool gdb_user_start(const char *port_or_path, Error **errp);

/* True while a debugger is attached. */
bool gdb_user_attached(void);

/*
 * The current thread stopped with target signal target_sig: SIGTRAP from the cpu
 * loop on TCG_EXEC_DEBUG (breakpoint or step), or any signal about to be delivered.
 * Reports the stop and serves gdb until it resumes (setting single step as asked).
 * Returns the target signal to deliver: 0 for none, or what gdb passes on (its C/S
 * packets); target_sig itself when no debugger is attached.
 */
int gdb_user_handle_signal(CPUArchState *env, int target_sig);

/* The process ends: exit status code (W packet) / killed by target_sig (X). */
void gdb_user_handle_exit(int code);
void gdb_user_handle_killed(int target_sig);

#endif
