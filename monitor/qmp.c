/*
 * QMP sessions: greeting, capabilities negotiation, request dispatch through
 * libcore's registry, events to every negotiated session, and the built-in
 * query commands including the schema that management tools probe.
 */
#include "config.h"
#include "monitor/qmp.h"
#include "monitor/qmp-int.h"

#include <string.h>

#include "libcore/error.h"
#include "libcore/json.h"

struct QmpSession {
    QmpCommandList *cmds;
    JsonStream *stream;
    QmpWriteFn *write;
    void *opaque;
    bool negotiated;
    bool oob;                   /* "oob" enabled at negotiation */
    GMutex write_lock;          /* one message at a time: replies and events */
};

static GMutex sessions_lock;
static GPtrArray *sessions;
static GPtrArray *event_names;

static void send_obj(QmpSession *s, QDict *msg)
{
    char *text = json_to_string((QObject *)msg, false);

    g_mutex_lock(&s->write_lock);
    s->write(s->opaque, text, strlen(text));
    s->write(s->opaque, "\r\n", 2);
    g_mutex_unlock(&s->write_lock);
    g_free(text);
}

static QDict *version_dict(const QmpVersion *v)
{
    QDict *qemu = qdict_new(), *ver = qdict_new();

    qdict_put_int(qemu, "major", v->major);
    qdict_put_int(qemu, "minor", v->minor);
    qdict_put_int(qemu, "micro", v->micro);
    qdict_put(ver, "qemu", (QObject *)qemu);
    qdict_put_str(ver, "package", v->package ? v->package : "");
    return ver;
}

static void send_greeting(QmpSession *s, const QmpVersion *v)
{
    QDict *qmp = qdict_new(), *msg = qdict_new();
    QList *caps = qlist_new();

    qlist_append(caps, qstring_new("oob"));
    qdict_put(qmp, "version", (QObject *)version_dict(v));
    qdict_put(qmp, "capabilities", (QObject *)caps);
    qdict_put(msg, "QMP", (QObject *)qmp);
    send_obj(s, msg);
    qobject_unref((QObject *)msg);
}

/* An error reply of class cls, with the request's id when it has one. */
static QDict *error_reply(const QObject *req, ErrorClass cls, const char *desc)
{
    Error *err = NULL;
    QDict *rsp;

    error_set_class(&err, cls, "%s", desc);
    rsp = qmp_error_response(err);
    if (req && qobject_type(req) == QTYPE_DICT && qdict_haskey((QDict *)req, "id")) {
        qdict_put(rsp, "id", qobject_ref(qdict_get((QDict *)req, "id")));
    }
    return rsp;
}

/* The command a well-formed request names, or NULL. */
static const char *request_name(const QObject *req)
{
    if (!req || qobject_type(req) != QTYPE_DICT) {
        return NULL;
    }
    const char *n = qdict_get_str((QDict *)req, "execute");
    return n ? n : qdict_get_str((QDict *)req, "exec-oob");
}

static const QmpArgSpec capabilities_args[] = {
    { "enable", QMP_ARG_LIST, true, QMP_ARG_STR },
    { NULL },
};

/* qmp_capabilities while negotiating: enable what was asked, enter command mode. */
static QDict *negotiate(QmpSession *s, const QObject *req)
{
    const QObject *a = qdict_get((QDict *)req, "arguments");
    Error *err = NULL;
    bool oob = false;

    if (a && qobject_type(a) != QTYPE_DICT) {
        return error_reply(req, ERROR_CLASS_GENERIC,
                           "QMP input member 'arguments' must be an object");
    }
    if (a && !qmp_check_args((QDict *)a, capabilities_args, NULL, &err)) {
        QDict *rsp = qmp_error_response(err);
        if (qdict_haskey((QDict *)req, "id")) {
            qdict_put(rsp, "id", qobject_ref(qdict_get((QDict *)req, "id")));
        }
        return rsp;
    }
    const QObject *en = a ? qdict_get((QDict *)a, "enable") : NULL;
    for (size_t i = 0; en && i < qlist_size((QList *)en); i++) {
        const char *cap = qstring_get(qlist_get((QList *)en, i));
        if (strcmp(cap, "oob")) {
            g_autofree char *desc = g_strdup_printf("Capability '%s' not available", cap);
            return error_reply(req, ERROR_CLASS_GENERIC, desc);
        }
        oob = true;
    }
    s->negotiated = true;
    s->oob = oob;
    QDict *rsp = qdict_new();
    qdict_put(rsp, "return", (QObject *)qdict_new());
    if (qdict_haskey((QDict *)req, "id")) {
        qdict_put(rsp, "id", qobject_ref(qdict_get((QDict *)req, "id")));
    }
    return rsp;
}

static QDict *handle_request(QmpSession *s, const QObject *req)
{
    const char *name = request_name(req);

    if (name && !strcmp(name, "qmp_capabilities")) {
        return s->negotiated
            ? error_reply(req, ERROR_CLASS_COMMAND_NOT_FOUND,
                          "Capabilities negotiation is already complete, command ignored")
            : negotiate(s, req);
    }
    if (name && !s->negotiated) {
        return error_reply(req, ERROR_CLASS_COMMAND_NOT_FOUND,
                           "Expecting capabilities negotiation with 'qmp_capabilities'");
    }
    /* Malformed requests are refused by the dispatcher before anything runs. */
    return qmp_dispatch(s->cmds, req, s->oob);
}

static void on_value(void *opaque, QObject *obj, Error *err)
{
    QmpSession *s = opaque;
    QDict *rsp = err ? qmp_error_response(err) : handle_request(s, obj);

    if (rsp) {
        send_obj(s, rsp);
        qobject_unref((QObject *)rsp);
    }
    qobject_unref(obj);
}

QmpSession *qmp_session_new(QmpCommandList *cmds, const QmpVersion *version,
                            QmpWriteFn *write, void *opaque)
{
    QmpSession *s = g_new0(QmpSession, 1);

    s->cmds = cmds;
    s->write = write;
    s->opaque = opaque;
    g_mutex_init(&s->write_lock);
    s->stream = json_stream_new(on_value, s);
    send_greeting(s, version);
    g_mutex_lock(&sessions_lock);
    if (!sessions) {
        sessions = g_ptr_array_new();
    }
    g_ptr_array_add(sessions, s);
    g_mutex_unlock(&sessions_lock);
    return s;
}

void qmp_session_free(QmpSession *s)
{
    if (!s) {
        return;
    }
    g_mutex_lock(&sessions_lock);
    g_ptr_array_remove(sessions, s);
    g_mutex_unlock(&sessions_lock);
    json_stream_free(s->stream);
    g_mutex_clear(&s->write_lock);
    g_free(s);
}

void qmp_session_feed(QmpSession *s, const char *buf, size_t len)
{
    json_stream_feed(s->stream, buf, len);
}

bool qmp_session_negotiated(const QmpSession *s)
{
    return s->negotiated;
}

void qmp_event_send(const char *name, QDict *data)
{
    QDict *msg = qdict_new(), *ts = qdict_new();
    int64_t now = g_get_real_time();

    qdict_put_int(ts, "seconds", now / G_USEC_PER_SEC);
    qdict_put_int(ts, "microseconds", now % G_USEC_PER_SEC);
    qdict_put(msg, "timestamp", (QObject *)ts);
    qdict_put_str(msg, "event", name);
    if (data) {
        qdict_put(msg, "data", (QObject *)data);
    }
    g_mutex_lock(&sessions_lock);
    for (guint i = 0; sessions && i < sessions->len; i++) {
        QmpSession *s = g_ptr_array_index(sessions, i);
        if (s->negotiated) {
            send_obj(s, msg);
        }
    }
    g_mutex_unlock(&sessions_lock);
    qobject_unref((QObject *)msg);
}

void qmp_register_event(const char *name)
{
    g_mutex_lock(&sessions_lock);
    if (!event_names) {
        event_names = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(event_names, g_strdup(name));
    g_mutex_unlock(&sessions_lock);
}

/* ---- built-in commands ---- */

static QmpVersion builtin_version;
static QmpCommandList *builtin_cmds;

static void cmd_capabilities(QDict *args, QObject **ret, Error **errp)
{
    /* Sessions answer it themselves; reached only through another path. */
    error_set_class(errp, ERROR_CLASS_COMMAND_NOT_FOUND,
                    "Capabilities negotiation is already complete, command ignored");
}

static void cmd_query_version(QDict *args, QObject **ret, Error **errp)
{
    *ret = (QObject *)version_dict(&builtin_version);
}

static void add_command_name(QmpCommand *cmd, void *opaque)
{
    if (qmp_command_is_enabled(cmd)) {
        QDict *d = qdict_new();
        qdict_put_str(d, "name", qmp_command_name(cmd));
        qlist_append(opaque, (QObject *)d);
    }
}

static void cmd_query_commands(QDict *args, QObject **ret, Error **errp)
{
    QList *list = qlist_new();
    qmp_for_each_command(builtin_cmds, add_command_name, list);
    *ret = (QObject *)list;
}

static void cmd_query_qmp_schema(QDict *args, QObject **ret, Error **errp)
{
    g_mutex_lock(&sessions_lock);
    *ret = qmp_schema_build(builtin_cmds, event_names);
    g_mutex_unlock(&sessions_lock);
}

void qmp_register_builtin_commands(QmpCommandList *cmds, const QmpVersion *version)
{
    builtin_version = *version;
    builtin_cmds = cmds;
    qmp_register_command(cmds, "qmp_capabilities", cmd_capabilities, capabilities_args,
                         QMP_CMD_ALLOW_OOB);
    qmp_register_command(cmds, "query-version", cmd_query_version, NULL, QMP_CMD_ALLOW_OOB);
    qmp_register_command(cmds, "query-commands", cmd_query_commands, NULL, QMP_CMD_ALLOW_OOB);
    qmp_register_command(cmds, "query-qmp-schema", cmd_query_qmp_schema, NULL,
                         QMP_CMD_ALLOW_OOB);
}
