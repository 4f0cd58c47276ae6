/*
 * QMP command registry and dispatcher: checks the request envelope and the
 * arguments against each command's schema so handlers only see valid input.
 */
#include "config.h"
#include "libcore/qmp-dispatch.h"

#include <glib.h>
#include <string.h>

struct QmpCommand {
    char *name;
    QmpCommandFn *fn;
    const QmpArgSpec *args;
    unsigned flags;
    bool enabled;
};

struct QmpCommandList {
    GPtrArray *cmds;            /* QmpCommand *, registration order */
    GHashTable *by_name;        /* name -> QmpCommand * (borrowed) */
};

static void command_free(gpointer p)
{
    QmpCommand *cmd = p;
    g_free(cmd->name);
    g_free(cmd);
}

QmpCommandList *qmp_command_list_new(void)
{
    QmpCommandList *cmds = g_new0(QmpCommandList, 1);
    cmds->cmds = g_ptr_array_new_with_free_func(command_free);
    cmds->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    return cmds;
}

void qmp_command_list_free(QmpCommandList *cmds)
{
    if (!cmds) {
        return;
    }
    g_hash_table_destroy(cmds->by_name);
    g_ptr_array_free(cmds->cmds, TRUE);
    g_free(cmds);
}

void qmp_register_command(QmpCommandList *cmds, const char *name, QmpCommandFn *fn,
                          const QmpArgSpec *args, unsigned flags)
{
    QmpCommand *cmd = g_hash_table_lookup(cmds->by_name, name);
    if (!cmd) {
        cmd = g_new0(QmpCommand, 1);
        cmd->name = g_strdup(name);
        g_ptr_array_add(cmds->cmds, cmd);
        g_hash_table_insert(cmds->by_name, cmd->name, cmd);
    }
    cmd->fn = fn;
    cmd->args = args;
    cmd->flags = flags;
    cmd->enabled = true;
}

QmpCommand *qmp_find_command(const QmpCommandList *cmds, const char *name)
{
    return g_hash_table_lookup(cmds->by_name, name);
}

bool qmp_command_set_enabled(QmpCommandList *cmds, const char *name, bool enabled)
{
    QmpCommand *cmd = qmp_find_command(cmds, name);
    if (!cmd) {
        return false;
    }
    cmd->enabled = enabled;
    return true;
}

const char *qmp_command_name(const QmpCommand *cmd)
{
    return cmd->name;
}

bool qmp_command_is_enabled(const QmpCommand *cmd)
{
    return cmd->enabled;
}

bool qmp_command_has_success_response(const QmpCommand *cmd)
{
    return !(cmd->flags & QMP_CMD_NO_SUCCESS_RESP);
}

const QmpArgSpec *qmp_command_args(const QmpCommand *cmd)
{
    return cmd->args;
}

size_t qmp_command_count(const QmpCommandList *cmds)
{
    return cmds->cmds->len;
}

void qmp_for_each_command(QmpCommandList *cmds, QmpCommandVisitFn *fn, void *opaque)
{
    for (guint i = 0; i < cmds->cmds->len; i++) {
        fn(g_ptr_array_index(cmds->cmds, i), opaque);
    }
}

/* ---- argument checking ---- */

static const char *const type_names[] = {
    [QMP_ARG_ANY] = "any",
    [QMP_ARG_STR] = "string",
    [QMP_ARG_INT] = "integer",
    [QMP_ARG_UINT] = "integer",
    [QMP_ARG_BOOL] = "boolean",
    [QMP_ARG_NUMBER] = "number",
    [QMP_ARG_DICT] = "object",
    [QMP_ARG_LIST] = "array",
};

static bool value_has_type(const QObject *v, QmpArgType type)
{
    int64_t i;
    uint64_t u;

    switch (type) {
    case QMP_ARG_ANY:
        return true;
    case QMP_ARG_STR:
        return qobject_type(v) == QTYPE_STRING;
    case QMP_ARG_INT:
        return qobject_type(v) == QTYPE_NUM && !qnum_is_double(v) && qnum_get_int(v, &i);
    case QMP_ARG_UINT:
        return qobject_type(v) == QTYPE_NUM && !qnum_is_double(v) && qnum_get_uint(v, &u);
    case QMP_ARG_BOOL:
        return qobject_type(v) == QTYPE_BOOL;
    case QMP_ARG_NUMBER:
        return qobject_type(v) == QTYPE_NUM;
    case QMP_ARG_DICT:
        return qobject_type(v) == QTYPE_DICT;
    case QMP_ARG_LIST:
        return qobject_type(v) == QTYPE_LIST;
    }
    return false;
}

static bool check_one(const QObject *v, const QmpArgSpec *spec, const char *prefix,
                      Error **errp)
{
    if (!value_has_type(v, spec->type)) {
        error_setf(errp, "Invalid parameter type for '%s%s', expected: %s",
                   prefix, spec->name, type_names[spec->type]);
        return false;
    }
    if (spec->type != QMP_ARG_LIST || spec->elem == QMP_ARG_ANY) {
        return true;
    }
    size_t n = qlist_size(v);
    for (size_t i = 0; i < n; i++) {
        if (!value_has_type(qlist_get(v, i), spec->elem)) {
            error_setf(errp, "Invalid parameter type for '%s%s[%zu]', expected: %s",
                       prefix, spec->name, i, type_names[spec->elem]);
            return false;
        }
    }
    return true;
}

static bool spec_has(const QmpArgSpec *spec, const char *name)
{
    for (; spec && spec->name; spec++) {
        if (!strcmp(spec->name, name)) {
            return true;
        }
    }
    return false;
}

bool qmp_check_args(const QDict *args, const QmpArgSpec *spec, const char *prefix,
                    Error **errp)
{
    prefix = prefix ? prefix : "";
    /* Members in schema order first, as QEMU's input visitor reports them. */
    for (const QmpArgSpec *s = spec; s && s->name; s++) {
        QObject *v = qdict_get(args, s->name);
        if (!v) {
            if (!s->optional) {
                error_setf(errp, "Parameter '%s%s' is missing", prefix, s->name);
                return false;
            }
            continue;
        }
        if (!check_one(v, s, prefix, errp)) {
            return false;
        }
    }
    size_t n = qdict_size(args);
    for (size_t i = 0; i < n; i++) {
        const char *key = qdict_key_at(args, i);
        if (!spec_has(spec, key)) {
            error_setf(errp, "Parameter '%s%s' is unexpected", prefix, key);
            return false;
        }
    }
    return true;
}

/* ---- dispatch ---- */

/* Validate the envelope; return the command name or NULL with errp set. */
static const char *check_request(const QObject *request, bool allow_oob, bool *oob,
                                 Error **errp)
{
    const char *exec_key = NULL;

    if (!request || qobject_type(request) != QTYPE_DICT) {
        error_setf(errp, "QMP input must be a JSON object");
        return NULL;
    }
    size_t n = qdict_size(request);
    for (size_t i = 0; i < n; i++) {
        const char *key = qdict_key_at(request, i);
        QObject *v = qdict_value_at(request, i);
        if (!strcmp(key, "execute") || (!strcmp(key, "exec-oob") && allow_oob)) {
            if (qobject_type(v) != QTYPE_STRING) {
                error_setf(errp, "QMP input member '%s' must be a string", key);
                return NULL;
            }
            if (exec_key) {
                error_setf(errp, "QMP input member '%s' clashes with '%s'", key, exec_key);
                return NULL;
            }
            exec_key = key;
        } else if (!strcmp(key, "arguments")) {
            if (qobject_type(v) != QTYPE_DICT) {
                error_setf(errp, "QMP input member 'arguments' must be an object");
                return NULL;
            }
        } else if (strcmp(key, "id") != 0) {
            error_setf(errp, "QMP input member '%s' is unexpected", key);
            return NULL;
        }
    }
    if (!exec_key) {
        error_setf(errp, "QMP input lacks member 'execute'");
        return NULL;
    }
    *oob = !strcmp(exec_key, "exec-oob");
    return qstring_get(qdict_get(request, exec_key));
}

/* Returns true when a response is due; *ret is the result on success. */
static bool do_dispatch(QmpCommandList *cmds, const QObject *request, bool allow_oob,
                        QObject **ret, Error **errp)
{
    bool oob = false;
    const char *name = check_request(request, allow_oob, &oob, errp);
    if (!name) {
        return true;
    }
    QmpCommand *cmd = qmp_find_command(cmds, name);
    if (!cmd) {
        error_set_class(errp, ERROR_CLASS_COMMAND_NOT_FOUND,
                        "The command %s has not been found", name);
        return true;
    }
    if (oob && !(cmd->flags & QMP_CMD_ALLOW_OOB)) {
        error_setf(errp, "The command %s does not support OOB", name);
        return true;
    }
    if (!cmd->enabled) {
        error_setf(errp, "The command %s has been disabled for this instance", name);
        return true;
    }

    QDict *args = qdict_get_dict(request, "arguments");
    args = args ? qobject_ref(args) : qdict_new();
    Error *err = NULL;
    if (qmp_check_args(args, cmd->args, NULL, &err)) {
        cmd->fn(args, ret, &err);
    }
    qobject_unref(args);
    if (err) {
        qobject_unref(*ret);
        *ret = NULL;
        error_propagate(errp, err);
        return true;
    }
    if (cmd->flags & QMP_CMD_NO_SUCCESS_RESP) {
        qobject_unref(*ret);
        *ret = NULL;
        return false;
    }
    if (!*ret) {
        *ret = qdict_new();
    }
    return true;
}

QDict *qmp_error_response(Error *err)
{
    QDict *desc = qdict_new();
    qdict_put_str(desc, "class", error_class_name(error_class(err)));
    qdict_put_str(desc, "desc", error_message(err));
    error_free(err);
    QDict *rsp = qdict_new();
    qdict_put(rsp, "error", desc);
    return rsp;
}

QDict *qmp_dispatch(QmpCommandList *cmds, const QObject *request, bool allow_oob)
{
    QObject *ret = NULL;
    Error *err = NULL;
    QDict *rsp;

    if (!do_dispatch(cmds, request, allow_oob, &ret, &err)) {
        return NULL;
    }
    if (err) {
        rsp = qmp_error_response(err);
    } else {
        rsp = qdict_new();
        qdict_put(rsp, "return", ret);
    }
    if (request && qobject_type(request) == QTYPE_DICT) {
        QObject *id = qdict_get(request, "id");
        if (id) {
            qdict_put(rsp, "id", qobject_ref(id));
        }
    }
    return rsp;
}
