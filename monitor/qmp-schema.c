/*
 * query-qmp-schema: SchemaInfo entries built from the registered commands'
 * argument specs and the event names. Types keep readable names (QEMU
 * numbers its implicit ones; clients look entries up by the names commands
 * and members refer to, so either works): builtins "str", "int", "uint64",
 * "number", "bool", "any"; "[T]" for lists; "q_obj_CMD-arg" for a
 * command's arguments; "q_empty" for none.
 */
#include "config.h"
#include "monitor/qmp-int.h"

#include <string.h>

static const struct {
    QmpArgType type;
    const char *name, *json;
} builtins[] = {
    { QMP_ARG_STR, "str", "string" },
    { QMP_ARG_INT, "int", "int" },
    { QMP_ARG_UINT, "uint64", "int" },
    { QMP_ARG_NUMBER, "number", "number" },
    { QMP_ARG_BOOL, "bool", "boolean" },
    { QMP_ARG_ANY, "any", "value" },
    { QMP_ARG_DICT, "any", "value" },
};

static const char *type_name(QmpArgType t)
{
    for (size_t i = 0; i < G_N_ELEMENTS(builtins); i++) {
        if (builtins[i].type == t) {
            return builtins[i].name;
        }
    }
    return "any";
}

static QDict *entry(const char *name, const char *meta)
{
    QDict *d = qdict_new();
    qdict_put_str(d, "name", name);
    qdict_put_str(d, "meta-type", meta);
    return d;
}

/* The name of an argument's type, adding "[T]" array entries as needed. */
static const char *member_type(const QmpArgSpec *a, GHashTable *arrays)
{
    if (a->type != QMP_ARG_LIST) {
        return type_name(a->type);
    }
    char *n = g_strdup_printf("[%s]", type_name(a->elem));
    if (!g_hash_table_contains(arrays, n)) {
        g_hash_table_add(arrays, g_strdup(n));
    }
    const char *stored = g_hash_table_lookup(arrays, n);
    g_free(n);
    return stored;
}

typedef struct Build {
    QList *list;
    GHashTable *arrays;
} Build;

static void add_command(QmpCommand *cmd, void *opaque)
{
    Build *b = opaque;
    const QmpArgSpec *args = qmp_command_args(cmd);
    const char *name = qmp_command_name(cmd);
    g_autofree char *arg_type = args && args[0].name ? g_strdup_printf("q_obj_%s-arg", name)
                                                     : g_strdup("q_empty");

    if (!qmp_command_is_enabled(cmd)) {
        return;
    }
    QDict *c = entry(name, "command");
    qdict_put_str(c, "arg-type", arg_type);
    qdict_put_str(c, "ret-type", "any");
    qlist_append(b->list, c);
    if (!args || !args[0].name) {
        return;
    }
    QDict *o = entry(arg_type, "object");
    QList *members = qlist_new();
    for (const QmpArgSpec *a = args; a->name; a++) {
        QDict *m = qdict_new();
        qdict_put_str(m, "name", a->name);
        qdict_put_str(m, "type", member_type(a, b->arrays));
        if (a->optional) {
            qdict_put(m, "default", qnull());
        }
        qlist_append(members, m);
    }
    qdict_put(o, "members", members);
    qlist_append(b->list, o);
}

QObject *qmp_schema_build(QmpCommandList *cmds, GPtrArray *events)
{
    Build b = { qlist_new(), g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL) };

    qmp_for_each_command(cmds, add_command, &b);
    for (guint i = 0; events && i < events->len; i++) {
        QDict *e = entry(g_ptr_array_index(events, i), "event");
        qdict_put_str(e, "arg-type", "q_empty");
        qlist_append(b.list, e);
    }
    QDict *empty = entry("q_empty", "object");
    qdict_put(empty, "members", qlist_new());
    qlist_append(b.list, empty);
    for (size_t i = 0; i < G_N_ELEMENTS(builtins) - 1; i++) {   /* "any" once */
        QDict *t = entry(builtins[i].name, "builtin");
        qdict_put_str(t, "json-type", builtins[i].json);
        qlist_append(b.list, t);
    }
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, b.arrays);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        QDict *a = entry(key, "array");
        char *elem = g_strndup((char *)key + 1, strlen(key) - 2);
        qdict_put_str(a, "element-type", elem);
        g_free(elem);
        qlist_append(b.list, a);
    }
    g_hash_table_destroy(b.arrays);
    return b.list;
}
