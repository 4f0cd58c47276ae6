/*
 * QMP command dispatch shared by the guest agent and the system emulator's
 * monitor: a registry of named commands with an argument schema that is
 * checked before a handler runs, and a dispatcher turning one request object
 * into one response object.
 */
#ifndef LIBCORE_QMP_DISPATCH_H
#define LIBCORE_QMP_DISPATCH_H

#include <stdbool.h>
#include "libcore/error.h"
#include "libcore/qobject.h"

/* Argument types; the names in errors follow QEMU ("integer", "string" ...). */
typedef enum QmpArgType {
    QMP_ARG_ANY,     /* anything, unchecked */
    QMP_ARG_STR,
    QMP_ARG_INT,     /* a whole number that fits int64 */
    QMP_ARG_UINT,    /* a whole number that fits uint64 */
    QMP_ARG_BOOL,
    QMP_ARG_NUMBER,  /* integer or floating point */
    QMP_ARG_DICT,
    QMP_ARG_LIST,
} QmpArgType;

/*
 * One argument. For QMP_ARG_LIST, elem gives the type every element must have
 * (QMP_ARG_ANY: unchecked). Tables end with an entry whose name is NULL.
 */
typedef struct QmpArgSpec {
    const char *name;
    QmpArgType type;
    bool optional;
    QmpArgType elem;
} QmpArgSpec;

/*
 * A handler gets the validated arguments (borrowed) and stores its result in
 * *ret (a new reference; leaving it NULL gives an empty object "{}").
 */
typedef void QmpCommandFn(QDict *args, QObject **ret, Error **errp);

enum {
    QMP_CMD_NO_SUCCESS_RESP = 1u << 0,  /* no reply on success (guest-shutdown) */
    QMP_CMD_ALLOW_OOB       = 1u << 1,  /* may run with "exec-oob" */
};

typedef struct QmpCommand QmpCommand;
typedef struct QmpCommandList QmpCommandList;

QmpCommandList *qmp_command_list_new(void);
void qmp_command_list_free(QmpCommandList *cmds);

/* args may be NULL (no arguments). Registering a name twice replaces it. */
void qmp_register_command(QmpCommandList *cmds, const char *name, QmpCommandFn *fn,
                          const QmpArgSpec *args, unsigned flags);
QmpCommand *qmp_find_command(const QmpCommandList *cmds, const char *name);
/* Return false when no command of that name exists. */
bool qmp_command_set_enabled(QmpCommandList *cmds, const char *name, bool enabled);

const char *qmp_command_name(const QmpCommand *cmd);
bool qmp_command_is_enabled(const QmpCommand *cmd);
bool qmp_command_has_success_response(const QmpCommand *cmd);
const QmpArgSpec *qmp_command_args(const QmpCommand *cmd);
size_t qmp_command_count(const QmpCommandList *cmds);

/* Visit every command in registration order. */
typedef void QmpCommandVisitFn(QmpCommand *cmd, void *opaque);
void qmp_for_each_command(QmpCommandList *cmds, QmpCommandVisitFn *fn, void *opaque);

/*
 * Check a dict against a spec: missing, mistyped and unexpected members give
 * QEMU's messages. prefix (may be NULL) is prepended to member names in
 * messages, e.g. "vcpus[0]." for nested structures checked by handlers.
 */
bool qmp_check_args(const QDict *args, const QmpArgSpec *spec, const char *prefix,
                    Error **errp);

/*
 * Run one request ({"execute": name, "arguments": {...}, "id": any}) and
 * build its response ({"return": ...} or {"error": {"class", "desc"}}, with
 * "id" copied when given). Returns NULL when the command succeeded and sends
 * no success response. "exec-oob" is accepted only when allow_oob is set and
 * the command allows it.
 */
QDict *qmp_dispatch(QmpCommandList *cmds, const QObject *request, bool allow_oob);

/* {"error": {"class": ..., "desc": ...}}; takes ownership of err. */
QDict *qmp_error_response(Error *err);

#endif
