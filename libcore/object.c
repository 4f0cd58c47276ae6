/*
 * The type registry and the table of user-created objects (--object,
 * object-add). Types form a tree by parent name; properties are inherited.
 * User-creatable types descend from TYPE_USER_CREATABLE.
 */
#include "config.h"
#include "libcore/object.h"
#include "libcore/object-int.h"
#include "libcore/opts.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

static GMutex registry_lock;
static GHashTable *types;           /* name -> const TypeInfo * */
static GHashTable *user_objects;    /* id -> Object * (one reference) */

static const TypeInfo object_type_info = {
    .name = TYPE_OBJECT,
    .instance_size = sizeof(Object),
    .help = "the root of all types",
};

static const TypeInfo user_creatable_type_info = {
    .name = TYPE_USER_CREATABLE,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(Object),
    .help = "objects that --object and object-add can create",
    .abstract = true,
};

/* Called with registry_lock held. */
static void registry_init_locked(void)
{
    if (types) {
        return;
    }
    types = g_hash_table_new(g_str_hash, g_str_equal);
    user_objects = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_insert(types, (gpointer)object_type_info.name, (gpointer)&object_type_info);
    g_hash_table_insert(types, (gpointer)user_creatable_type_info.name,
                        (gpointer)&user_creatable_type_info);
    /* libcore's own types; other libraries register theirs from constructors. */
    g_hash_table_insert(types, (gpointer)secret_type_info.name, (gpointer)&secret_type_info);
}

void type_register(const TypeInfo *info)
{
    g_mutex_lock(&registry_lock);
    registry_init_locked();
    g_hash_table_insert(types, (gpointer)info->name, (gpointer)info);
    g_mutex_unlock(&registry_lock);
}

const TypeInfo *type_lookup(const char *name)
{
    g_mutex_lock(&registry_lock);
    registry_init_locked();
    const TypeInfo *ti = name ? g_hash_table_lookup(types, name) : NULL;
    g_mutex_unlock(&registry_lock);
    return ti;
}

bool type_is_a(const TypeInfo *type, const char *ancestor)
{
    /* Bounded walk: a parent cycle in bad registrations must not hang. */
    for (int depth = 0; type && depth < 64; depth++) {
        if (!strcmp(type->name, ancestor)) {
            return true;
        }
        type = type_lookup(type->parent);
    }
    return false;
}

static gint compare_type_names(gconstpointer a, gconstpointer b)
{
    const TypeInfo *ta = *(const TypeInfo *const *)a, *tb = *(const TypeInfo *const *)b;
    return strcmp(ta->name, tb->name);
}

const TypeInfo **type_list(const char *parent, size_t *count)
{
    g_mutex_lock(&registry_lock);
    registry_init_locked();
    GList *all = g_hash_table_get_values(types);
    g_mutex_unlock(&registry_lock);

    GPtrArray *out = g_ptr_array_new();
    for (GList *l = all; l; l = l->next) {
        if (!parent || type_is_a(l->data, parent)) {
            g_ptr_array_add(out, l->data);
        }
    }
    g_list_free(all);
    g_ptr_array_sort(out, compare_type_names);
    if (count) {
        *count = out->len;
    }
    g_ptr_array_add(out, NULL);
    return (const TypeInfo **)g_ptr_array_free(out, FALSE);
}

/* ---- instances ---- */

const ObjectProperty *type_find_property(const TypeInfo *type, const char *name)
{
    for (int depth = 0; type && depth < 64; depth++) {
        for (const ObjectProperty *p = type->props; p && p->name; p++) {
            if (!strcmp(p->name, name)) {
                return p;
            }
        }
        type = type_lookup(type->parent);
    }
    return NULL;
}

Object *object_new(const char *typename, Error **errp)
{
    const TypeInfo *type = type_lookup(typename);
    if (!type) {
        error_setf(errp, "invalid object type: %s", typename);
        return NULL;
    }
    size_t size = MAX(type->instance_size, sizeof(Object));
    Object *obj = g_malloc0(size);
    obj->type = type;
    obj->refcnt = 1;
    return obj;
}

Object *object_ref(Object *obj)
{
    if (obj) {
        g_atomic_int_inc(&obj->refcnt);
    }
    return obj;
}

void object_unref(Object *obj)
{
    if (!obj || !g_atomic_int_dec_and_test(&obj->refcnt)) {
        return;
    }
    /* Finalize from the most derived type up to the root. */
    for (const TypeInfo *t = obj->type; t; t = type_lookup(t->parent)) {
        if (t->finalize) {
            t->finalize(obj);
        }
    }
    g_free(obj->id);
    g_free(obj);
}

bool object_set_prop(Object *obj, const char *name, const char *value, Error **errp)
{
    const ObjectProperty *prop = type_find_property(obj->type, name);
    if (!prop) {
        error_setf(errp, "Parameter '%s' is unexpected", name);
        return false;
    }
    if (!prop->set) {
        error_setf(errp, "Property '%s.%s' is read-only", obj->type->name, name);
        return false;
    }
    return prop->set(obj, value, errp);
}

QObject *object_get_prop(Object *obj, const char *name, Error **errp)
{
    const ObjectProperty *prop = type_find_property(obj->type, name);
    if (!prop) {
        error_setf(errp, "Property '%s.%s' not found", obj->type->name, name);
        return NULL;
    }
    QObject *v = prop->get ? prop->get(obj) : NULL;
    return v ? v : qnull();
}

/* Run every complete hook from the root type down to the object's own. */
static bool object_complete(Object *obj, const TypeInfo *type, Error **errp)
{
    if (!type) {
        return true;
    }
    if (!object_complete(obj, type_lookup(type->parent), errp)) {
        return false;
    }
    return !type->complete || type->complete(obj, errp);
}

/* ---- user objects ---- */

/* Option values may arrive typed (object-add JSON); properties take text. */
static char *prop_value_text(const char *key, QObject *v, Error **errp)
{
    int64_t i;
    uint64_t u;
    switch (qobject_type(v)) {
    case QTYPE_STRING:
        return g_strdup(qstring_get(v));
    case QTYPE_BOOL:
        return g_strdup(qbool_get(v) ? "on" : "off");
    case QTYPE_NUM:
        if (qnum_get_int(v, &i)) {
            return g_strdup_printf("%" G_GINT64_FORMAT, i);
        }
        if (qnum_get_uint(v, &u)) {
            return g_strdup_printf("%" G_GUINT64_FORMAT, u);
        }
        return g_strdup_printf("%.17g", qnum_get_double(v));
    default:
        error_setf(errp, "Invalid parameter type for '%s', expected: scalar", key);
        return NULL;
    }
}

static bool object_set_props(Object *obj, const QDict *props, Error **errp)
{
    for (size_t i = 0; i < qdict_size(props); i++) {
        const char *key = qdict_key_at(props, i);
        if (!strcmp(key, "qom-type") || !strcmp(key, "id")) {
            continue;
        }
        char *text = prop_value_text(key, qdict_value_at(props, i), errp);
        bool ok = text && object_set_prop(obj, key, text, errp);
        g_free(text);
        if (!ok) {
            return false;
        }
    }
    return true;
}

static const TypeInfo *user_type_lookup(const QDict *props, Error **errp)
{
    const char *typename = qdict_get_str(props, "qom-type");
    if (!typename) {
        error_setf(errp, "Parameter 'qom-type' is missing");
        return NULL;
    }
    const TypeInfo *type = type_lookup(typename);
    /* QEMU's wording: the type is checked against the list of creatable ones. */
    if (!type || !type_is_a(type, TYPE_USER_CREATABLE) || type->abstract) {
        error_setf(errp, "Parameter 'qom-type' does not accept value '%s'", typename);
        return NULL;
    }
    return type;
}

static const char *user_id_check(const QDict *props, Error **errp)
{
    return opts_get_id(props, errp);
}

Object *user_object_create(const QDict *props, Error **errp)
{
    const TypeInfo *type = user_type_lookup(props, errp);
    const char *id = type ? user_id_check(props, errp) : NULL;
    if (!id) {
        return NULL;
    }
    if (user_object_find(id)) {
        error_setf(errp, "Duplicate ID '%s' for object", id);
        return NULL;
    }
    Object *obj = object_new(type->name, errp);
    obj->id = g_strdup(id);
    if (!object_set_props(obj, props, errp) || !object_complete(obj, type, errp)) {
        object_unref(obj);
        return NULL;
    }
    g_mutex_lock(&registry_lock);
    bool dup = g_hash_table_contains(user_objects, id);
    if (!dup) {
        g_hash_table_insert(user_objects, obj->id, obj);
    }
    g_mutex_unlock(&registry_lock);
    if (dup) {                              /* lost a race with another thread */
        error_setf(errp, "Duplicate ID '%s' for object", id);
        object_unref(obj);
        return NULL;
    }
    return obj;
}

Object *user_object_create_str(const char *optstr, Error **errp)
{
    QDict *props = opts_parse(optstr, "qom-type", errp);
    if (!props) {
        return NULL;
    }
    Object *obj = user_object_create(props, errp);
    qobject_unref(props);
    return obj;
}

Object *user_object_find(const char *id)
{
    g_mutex_lock(&registry_lock);
    registry_init_locked();
    Object *obj = id ? g_hash_table_lookup(user_objects, id) : NULL;
    g_mutex_unlock(&registry_lock);
    return obj;
}

bool user_object_delete(const char *id, Error **errp)
{
    g_mutex_lock(&registry_lock);
    registry_init_locked();
    Object *obj = id ? g_hash_table_lookup(user_objects, id) : NULL;
    if (obj) {
        g_hash_table_remove(user_objects, id);
    }
    g_mutex_unlock(&registry_lock);
    if (!obj) {
        error_setf(errp, "object '%s' not found", id ? id : "");
        return false;
    }
    object_unref(obj);      /* outside the lock: finalize may look types up */
    return true;
}

void user_object_delete_all(void)
{
    g_mutex_lock(&registry_lock);
    registry_init_locked();
    GList *all = g_hash_table_get_values(user_objects);
    g_hash_table_remove_all(user_objects);
    g_mutex_unlock(&registry_lock);
    g_list_free_full(all, (GDestroyNotify)object_unref);
}

/* ---- help ---- */

static const char *const prop_type_names[] = {
    [PROP_STRING] = "string", [PROP_BOOL] = "bool", [PROP_INT] = "int", [PROP_SIZE] = "size",
};

static gint compare_props(gconstpointer a, gconstpointer b)
{
    const ObjectProperty *pa = *(const ObjectProperty *const *)a;
    const ObjectProperty *pb = *(const ObjectProperty *const *)b;
    return strcmp(pa->name, pb->name);
}

static void print_type_help(const TypeInfo *type)
{
    GPtrArray *props = g_ptr_array_new();
    for (const TypeInfo *t = type; t; t = type_lookup(t->parent)) {
        for (const ObjectProperty *p = t->props; p && p->name; p++) {
            if (type_find_property(type, p->name) == p) {   /* not overridden */
                g_ptr_array_add(props, (gpointer)p);
            }
        }
    }
    g_ptr_array_sort(props, compare_props);
    printf("%s options:\n", type->name);
    for (guint i = 0; i < props->len; i++) {
        const ObjectProperty *p = g_ptr_array_index(props, i);
        char *head = g_strdup_printf("%s=<%s>", p->name, prop_type_names[p->type]);
        if (p->help) {
            printf("  %-22s - %s\n", head, p->help);
        } else {
            printf("  %s\n", head);
        }
        g_free(head);
    }
    g_ptr_array_free(props, TRUE);
}

void user_object_print_help(const char *typename)
{
    const TypeInfo *type = typename ? type_lookup(typename) : NULL;
    if (type && type_is_a(type, TYPE_USER_CREATABLE) && !type->abstract) {
        print_type_help(type);
        return;
    }
    size_t n;
    const TypeInfo **list = type_list(TYPE_USER_CREATABLE, &n);
    printf("List of user creatable objects:\n");
    for (size_t i = 0; i < n; i++) {
        if (!list[i]->abstract) {
            printf("  %s\n", list[i]->name);
        }
    }
    g_free(list);
}

bool user_object_help_requested(const char *optstr)
{
    QDict *props = opts_parse(optstr, "qom-type", NULL);
    if (!props) {
        return false;
    }
    const char *type = qdict_get_str(props, "qom-type");
    bool help = qdict_haskey(props, "help");
    if (type && (!strcmp(type, "help") || !strcmp(type, "?"))) {
        user_object_print_help(NULL);
        help = true;
    } else if (help) {
        user_object_print_help(type);
    }
    qobject_unref(props);
    return help;
}
