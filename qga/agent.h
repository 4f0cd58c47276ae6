/*
 * Guest agent internals shared by the transport, the protocol loop and the
 * command files: agent state, fs-freeze state, file handles, helpers.
 */
#ifndef QGA_AGENT_H
#define QGA_AGENT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include "libcore/error.h"
#include "libcore/qmp-dispatch.h"
#include "libcore/qobject.h"

#define QGA_VERSION_STRING "7.2.0"
#define QGA_SENTINEL_BYTE 0xFF

typedef struct GAState {
    QmpCommandList *cmds;
    char **blocked_rpcs;         /* NULL-terminated, may be NULL */
    char **allowed_rpcs;         /* NULL-terminated, may be NULL: all allowed */
    char *state_dir;
    char *pstate_path;           /* statedir/qga.state: handle counter */
    char *frozen_path;           /* statedir/qga.state.isfrozen */
    char *fsfreeze_hook;         /* NULL: no hook */
    int64_t fd_counter;
    bool frozen;
    bool delimit_response;       /* next reply starts with 0xFF */
    bool side_effects_disabled;  /* fuzzing: only side-effect free commands */
} GAState;

extern GAState *ga_state;

/* Create the state and register every command; apply block/allow lists. */
GAState *ga_state_new(const char *state_dir, char **blocked, char **allowed,
                      const char *fsfreeze_hook, Error **errp);
void ga_state_free(GAState *s);
/* Enable commands per the block/allow lists (and the frozen whitelist). */
void ga_apply_rpc_lists(GAState *s);
void ga_set_frozen(GAState *s, bool frozen);

/* One request in, one response out (NULL: nothing to send). */
QDict *ga_handle_request(GAState *s, QObject *req);
/* Serialize a response: optional 0xFF, compact JSON, newline. */
GString *ga_format_response(GAState *s, const QDict *rsp);

/* Next guest-file handle, persisted in the state directory. */
int64_t ga_next_handle(GAState *s, Error **errp);

/*
 * Host paths go through ga_path so tests can point the agent at a fake
 * root (environment variable QGA_TEST_ROOT) for /sys, /etc and the helper
 * programs it runs (shutdown, hwclock, chpasswd): returns g_malloc'd path.
 */
char *ga_path(const char *abs_path);
/* Run argv[0] (absolute, through ga_path) with optional stdin; error unless exit 0. */
bool ga_run_program(const char *const *argv, const char *input, Error **errp);

/* Base64 decode of in[0..in_len) (a JSON string, may hold NULs), as QEMU checks it. */
guchar *ga_base64_decode(const char *in, size_t in_len, size_t *out_len, Error **errp);
/* The same for a string argument of a handler. */
guchar *ga_arg_base64(const QDict *args, const char *name, size_t *out_len, Error **errp);

/* Argument helpers for handlers (arguments are already type-checked). */
int64_t ga_arg_int(const QDict *args, const char *name, int64_t dflt);
bool ga_arg_bool(const QDict *args, const char *name, bool dflt);
const char *ga_arg_str(const QDict *args, const char *name, const char *dflt);
/* Read a whole small text file below ga_path(); NULL with errp on failure. */
char *ga_read_file(const char *abs_path, Error **errp);

/* Command registration, one per command file. */
void ga_register_misc_commands(QmpCommandList *cmds);
void ga_register_system_commands(QmpCommandList *cmds);
void ga_register_file_commands(QmpCommandList *cmds);
void ga_register_exec_commands(QmpCommandList *cmds);
void ga_register_fs_commands(QmpCommandList *cmds);
void ga_register_power_commands(QmpCommandList *cmds);
void ga_register_user_commands(QmpCommandList *cmds);

/* Commands that change the machine: disabled when side effects are off. */
bool ga_command_has_side_effects(const char *name);

#endif
