/*
 * QMP sessions, the system emulator's machine protocol (QEMU's docs/interop/
 * qmp-spec): on connection the server greets with its version and
 * capabilities; the client must send qmp_capabilities (optionally enabling
 * "oob") before any other command; then each request gets one response, and
 * asynchronous events go to every session in command mode. Requests are
 * dispatched through libcore's command registry with its argument checks.
 *
 * A session is transport-free: bytes come in with qmp_session_feed, replies
 * and events leave through a write callback (each JSON object followed by
 * CR LF), so any character device, socket or test can carry it.
 */
#ifndef MONITOR_QMP_H
#define MONITOR_QMP_H

#include <stdbool.h>
#include <stddef.h>

#include "libcore/qmp-dispatch.h"
#include "libcore/qobject.h"

typedef struct QmpSession QmpSession;
typedef void QmpWriteFn(void *opaque, const char *buf, size_t len);

typedef struct QmpVersion {
    int major, minor, micro;
    const char *package;        /* "" when none */
} QmpVersion;

/* A new session on cmds; the greeting is written at once. */
QmpSession *qmp_session_new(QmpCommandList *cmds, const QmpVersion *version,
                            QmpWriteFn *write, void *opaque);
void qmp_session_free(QmpSession *s);
/* Input bytes, in any chunking. */
void qmp_session_feed(QmpSession *s, const char *buf, size_t len);
bool qmp_session_negotiated(const QmpSession *s);

/*
 * Send an event to every session in command mode:
 * {"timestamp": {"seconds", "microseconds"}, "event": name, "data": data}.
 * data may be NULL (no "data" member); it is taken.
 */
void qmp_event_send(const char *name, QDict *data);
/* Event names for query-qmp-schema. */
void qmp_register_event(const char *name);

/*
 * The commands every QMP server has besides qmp_capabilities (which the
 * session handles): query-version, query-commands, query-qmp-schema.
 */
void qmp_register_builtin_commands(QmpCommandList *cmds, const QmpVersion *version);

#endif
