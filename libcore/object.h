/*
 * The type registry behind --object / -object, object-add and qom-*: named types
 * with a parent, an instance size and a table of properties. Objects created by
 * the user live in one table keyed by their id.
 */
#ifndef LIBCORE_OBJECT_H
#define LIBCORE_OBJECT_H

#include <stddef.h>
#include "libcore/error.h"
#include "libcore/qobject.h"

typedef struct Object Object;
typedef struct ObjectProperty ObjectProperty;
typedef struct TypeInfo TypeInfo;

/* Every instance starts with this header. */
struct Object {
    const TypeInfo *type;
    char *id;
    int refcnt;
};

typedef enum PropType { PROP_STRING, PROP_BOOL, PROP_INT, PROP_SIZE } PropType;

struct ObjectProperty {
    const char *name;
    PropType type;
    const char *help;
    /* Set from the user's string; returns false with errp set on bad values. */
    bool (*set)(Object *obj, const char *value, Error **errp);
    /* Current value as a QObject (new reference), or NULL if unset. */
    QObject *(*get)(Object *obj);
};

struct TypeInfo {
    const char *name;
    const char *parent;              /* NULL for the root "object" */
    size_t instance_size;
    const ObjectProperty *props;     /* terminated by an entry with name NULL */
    /* After all properties are set; validates and prepares. */
    bool (*complete)(Object *obj, Error **errp);
    void (*finalize)(Object *obj);
    const char *help;
    bool abstract;                   /* only a parent: never instantiated or listed */
};

/* The root type, and the parent of every type --object / object-add may create. */
#define TYPE_OBJECT "object"
#define TYPE_USER_CREATABLE "user-creatable"

/* Register a type (from a constructor or at start-up); info must stay valid. */
void type_register(const TypeInfo *info);
const TypeInfo *type_lookup(const char *name);
/* Every registered type that is (a subtype of) parent, sorted by name. */
const TypeInfo **type_list(const char *parent, size_t *count);

/* True when type is ancestor or descends from it. */
bool type_is_a(const TypeInfo *type, const char *ancestor);
/* The property name of type or of one of its parents, or NULL. */
const ObjectProperty *type_find_property(const TypeInfo *type, const char *name);

/* A zeroed instance with refcount 1 (no properties set, not completed). */
Object *object_new(const char *typename, Error **errp);
Object *object_ref(Object *obj);
/* The last reference runs finalize from the most derived type up, then frees. */
void object_unref(Object *obj);
/* Set a property from text; "Parameter 'x' is unexpected" when unknown. */
bool object_set_prop(Object *obj, const char *name, const char *value, Error **errp);
/* A property's value (new reference; qnull() when unset). */
QObject *object_get_prop(Object *obj, const char *name, Error **errp);

/*
 * User objects: the type must descend from TYPE_USER_CREATABLE; "id" is
 * required and must be an identifier. Properties are set in the order given,
 * then each type's complete hook runs, root first.
 * Create from "qom-type,id=...,prop=..." (the --object syntax).
 */
Object *user_object_create_str(const char *optstr, Error **errp);
/* Create from a dict with "qom-type", "id" and properties (object-add). */
Object *user_object_create(const QDict *props, Error **errp);
bool user_object_delete(const char *id, Error **errp);
Object *user_object_find(const char *id);
/* Delete every user object (program exit, tests). */
void user_object_delete_all(void);
/* "--object help" and "--object TYPE,help" text to stdout; an unknown or NULL
 * type lists the user-creatable types. */
void user_object_print_help(const char *type);
/* If optstr is "help", "?" or "TYPE,...,help": print the help, return true. */
bool user_object_help_requested(const char *optstr);

/*
 * Secrets ("secret" type: data=, file=, format=raw|base64, keyid=/iv= refused
 * unless supported). Returns the decoded bytes (g_malloc'd, NUL-terminated).
 */
char *secret_lookup(const char *id, size_t *len, Error **errp);

#endif
