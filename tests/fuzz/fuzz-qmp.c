/*
 * A QMP client sending anything: arbitrary bytes into a session (split into
 * chunks the input chooses) with the built-in commands and one that echoes
 * its argument. Replies go nowhere; nothing may crash, hang or leak.
 */
#include "config.h"
#include "monitor/qmp.h"

#include <glib.h>

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *opaque, const char *buf, size_t len)
{
}

static void cmd_echo(QDict *args, QObject **ret, Error **errp)
{
    *ret = qobject_ref(qdict_get(args, "text"));
}

static const QmpArgSpec echo_args[] = {
    { "text", QMP_ARG_ANY, false },
    { "n", QMP_ARG_LIST, true, QMP_ARG_INT },
    { NULL },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QmpVersion version = { 7, 2, 0, "" };
    static QmpCommandList *cmds;

    if (!cmds) {
        cmds = qmp_command_list_new();
        qmp_register_builtin_commands(cmds, &version);
        qmp_register_command(cmds, "echo", cmd_echo, echo_args, QMP_CMD_ALLOW_OOB);
        qmp_register_event("STOP");
    }
    QmpSession *s = qmp_session_new(cmds, &version, sink, NULL);
    size_t off = 0;
    while (off < size) {
        size_t chunk = MIN((size_t)(data[off] % 64) + 1, size - off);
        qmp_session_feed(s, (const char *)data + off, chunk);
        off += chunk;
    }
    qmp_event_send("STOP", NULL);
    qmp_session_free(s);
    return 0;
}
