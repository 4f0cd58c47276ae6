/*
 * QObject: the one value model (null, bool, number, string, list, dict) shared by
 * JSON, QMP, option parsing and block-layer options. Values are reference counted;
 * dicts keep insertion order so output is stable and reads like QEMU's.
 */
#ifndef LIBCORE_QOBJECT_H
#define LIBCORE_QOBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum QType {
    QTYPE_NULL,
    QTYPE_BOOL,
    QTYPE_NUM,      /* int64, uint64 or double; see qnum_* */
    QTYPE_STRING,
    QTYPE_LIST,
    QTYPE_DICT,
} QType;

typedef struct QObject QObject;
typedef QObject QDict;  /* a QObject of type QTYPE_DICT */
typedef QObject QList;  /* a QObject of type QTYPE_LIST */

QObject *qobject_ref(QObject *obj);          /* NULL-safe; returns obj */
void qobject_unref(QObject *obj);            /* NULL-safe */
QType qobject_type(const QObject *obj);
/* Deep equality: numbers compare by value (1 == 1.0), dict key order ignored. */
bool qobject_equal(const QObject *a, const QObject *b);
QObject *qobject_clone(const QObject *obj);  /* deep copy */

QObject *qnull(void);
QObject *qbool_new(bool v);
QObject *qnum_from_int(int64_t v);
QObject *qnum_from_uint(uint64_t v);
QObject *qnum_from_double(double v);
QObject *qstring_new(const char *s);
QObject *qstring_new_len(const char *s, size_t len);  /* may contain NUL */
QObject *qstring_take(char *s);                      /* takes a g_malloc'd string */

bool qbool_get(const QObject *obj);
/* Getters succeed only when the value is representable exactly. */
bool qnum_get_int(const QObject *obj, int64_t *v);
bool qnum_get_uint(const QObject *obj, uint64_t *v);
double qnum_get_double(const QObject *obj);
bool qnum_is_double(const QObject *obj);
const char *qstring_get(const QObject *obj);
size_t qstring_len(const QObject *obj);

QList *qlist_new(void);
void qlist_append(QList *list, QObject *value);      /* takes the reference */
size_t qlist_size(const QList *list);
QObject *qlist_get(const QList *list, size_t index); /* borrowed */

QDict *qdict_new(void);
void qdict_put(QDict *dict, const char *key, QObject *value);  /* takes ref; replaces */
void qdict_put_str(QDict *dict, const char *key, const char *value);
void qdict_put_int(QDict *dict, const char *key, int64_t value);
void qdict_put_bool(QDict *dict, const char *key, bool value);
QObject *qdict_get(const QDict *dict, const char *key);        /* borrowed or NULL */
bool qdict_haskey(const QDict *dict, const char *key);
bool qdict_del(QDict *dict, const char *key);
size_t qdict_size(const QDict *dict);
/* Iteration in insertion order: index 0 .. size-1. */
const char *qdict_key_at(const QDict *dict, size_t index);
QObject *qdict_value_at(const QDict *dict, size_t index);
/* Typed look-ups: NULL / default when absent or of another type. */
const char *qdict_get_str(const QDict *dict, const char *key);
QDict *qdict_get_dict(const QDict *dict, const char *key);
QList *qdict_get_list(const QDict *dict, const char *key);
/* True and *v set when key holds an integer that fits / a bool. */
bool qdict_get_try_int(const QDict *dict, const char *key, int64_t *v);
bool qdict_get_try_bool(const QDict *dict, const char *key, bool *v);

/*
 * Option dicts: "file.filename=x" flat keys <-> {"file": {"filename": "x"}}.
 * qdict_extract_prefix moves every "prefix.rest" key into a new dict as "rest".
 */
QDict *qdict_extract_prefix(QDict *dict, const char *prefix);  /* new dict, maybe empty */
/*
 * Turn nested dicts into dotted flat keys in place (lists become key.0,
 * key.1 ...; empty dicts and lists stay as values). Order follows the nesting.
 */
void qdict_flatten(QDict *dict);

#endif
