/*
 * QObject: reference-counted values (null, bool, number, string, list, dict).
 * Dicts keep their entries in an array (insertion order, stable output) and
 * index them by key in a hash table for constant-time look-up.
 */
#include "config.h"
#include "libcore/qobject.h"

#include <glib.h>
#include <math.h>
#include <string.h>

typedef enum NumKind { NUM_I64, NUM_U64, NUM_DOUBLE } NumKind;

typedef struct DictEntry {
    char *key;
    QObject *value;
} DictEntry;

struct QObject {
    QType type;
    int refcnt;                     /* atomic: values are shared across threads */
    union {
        bool b;
        struct {
            NumKind kind;
            union {
                int64_t i64;
                uint64_t u64;
                double dbl;
            };
        } num;
        struct {
            char *str;
            size_t len;
        } s;
        GPtrArray *list;            /* of QObject * (owned) */
        struct {
            GPtrArray *entries;     /* of DictEntry * (owned), in insertion order */
            GHashTable *index;      /* key -> DictEntry * (borrowed) */
        } dict;
    };
};

static QObject *qobject_alloc(QType type)
{
    QObject *obj = g_new0(QObject, 1);
    obj->type = type;
    obj->refcnt = 1;
    return obj;
}

QObject *qobject_ref(QObject *obj)
{
    if (obj) {
        g_atomic_int_inc(&obj->refcnt);
    }
    return obj;
}

static void dict_entry_free(gpointer p)
{
    DictEntry *e = p;
    g_free(e->key);
    qobject_unref(e->value);
    g_free(e);
}

static void qobject_destroy(QObject *obj)
{
    switch (obj->type) {
    case QTYPE_STRING:
        g_free(obj->s.str);
        break;
    case QTYPE_LIST:
        g_ptr_array_free(obj->list, TRUE);
        break;
    case QTYPE_DICT:
        g_hash_table_destroy(obj->dict.index);
        g_ptr_array_free(obj->dict.entries, TRUE);
        break;
    default:
        break;
    }
    g_free(obj);
}

void qobject_unref(QObject *obj)
{
    if (obj && g_atomic_int_dec_and_test(&obj->refcnt)) {
        qobject_destroy(obj);
    }
}

QType qobject_type(const QObject *obj)
{
    return obj ? obj->type : QTYPE_NULL;
}

/* ---- scalars ---- */

QObject *qnull(void)
{
    return qobject_alloc(QTYPE_NULL);
}

QObject *qbool_new(bool v)
{
    QObject *obj = qobject_alloc(QTYPE_BOOL);
    obj->b = v;
    return obj;
}

QObject *qnum_from_int(int64_t v)
{
    QObject *obj = qobject_alloc(QTYPE_NUM);
    obj->num.kind = NUM_I64;
    obj->num.i64 = v;
    return obj;
}

QObject *qnum_from_uint(uint64_t v)
{
    /* Keep the signed form whenever it fits so equal values look alike. */
    if (v <= INT64_MAX) {
        return qnum_from_int((int64_t)v);
    }
    QObject *obj = qobject_alloc(QTYPE_NUM);
    obj->num.kind = NUM_U64;
    obj->num.u64 = v;
    return obj;
}

QObject *qnum_from_double(double v)
{
    QObject *obj = qobject_alloc(QTYPE_NUM);
    obj->num.kind = NUM_DOUBLE;
    obj->num.dbl = v;
    return obj;
}

QObject *qstring_new_len(const char *s, size_t len)
{
    QObject *obj = qobject_alloc(QTYPE_STRING);
    obj->s.str = g_malloc(len + 1);
    if (len) {
        memcpy(obj->s.str, s, len);
    }
    obj->s.str[len] = '\0';
    obj->s.len = len;
    return obj;
}

QObject *qstring_new(const char *s)
{
    return qstring_new_len(s ? s : "", s ? strlen(s) : 0);
}

QObject *qstring_take(char *s)
{
    QObject *obj = qobject_alloc(QTYPE_STRING);
    obj->s.str = s ? s : g_strdup("");
    obj->s.len = strlen(obj->s.str);
    return obj;
}

bool qbool_get(const QObject *obj)
{
    return obj && obj->type == QTYPE_BOOL && obj->b;
}

bool qnum_get_int(const QObject *obj, int64_t *v)
{
    if (!obj || obj->type != QTYPE_NUM) {
        return false;
    }
    switch (obj->num.kind) {
    case NUM_I64:
        *v = obj->num.i64;
        return true;
    case NUM_U64:
        if (obj->num.u64 > INT64_MAX) {
            return false;
        }
        *v = (int64_t)obj->num.u64;
        return true;
    default:
        return false;       /* doubles are never silently truncated */
    }
}

bool qnum_get_uint(const QObject *obj, uint64_t *v)
{
    if (!obj || obj->type != QTYPE_NUM) {
        return false;
    }
    switch (obj->num.kind) {
    case NUM_I64:
        if (obj->num.i64 < 0) {
            return false;
        }
        *v = (uint64_t)obj->num.i64;
        return true;
    case NUM_U64:
        *v = obj->num.u64;
        return true;
    default:
        return false;
    }
}

double qnum_get_double(const QObject *obj)
{
    if (!obj || obj->type != QTYPE_NUM) {
        return 0.0;
    }
    switch (obj->num.kind) {
    case NUM_I64:
        return (double)obj->num.i64;
    case NUM_U64:
        return (double)obj->num.u64;
    default:
        return obj->num.dbl;
    }
}

bool qnum_is_double(const QObject *obj)
{
    return obj && obj->type == QTYPE_NUM && obj->num.kind == NUM_DOUBLE;
}

const char *qstring_get(const QObject *obj)
{
    return obj && obj->type == QTYPE_STRING ? obj->s.str : NULL;
}

size_t qstring_len(const QObject *obj)
{
    return obj && obj->type == QTYPE_STRING ? obj->s.len : 0;
}

/* ---- lists ---- */

QList *qlist_new(void)
{
    QObject *obj = qobject_alloc(QTYPE_LIST);
    obj->list = g_ptr_array_new_with_free_func((GDestroyNotify)qobject_unref);
    return obj;
}

void qlist_append(QList *list, QObject *value)
{
    g_return_if_fail(list && list->type == QTYPE_LIST && value);
    g_ptr_array_add(list->list, value);
}

size_t qlist_size(const QList *list)
{
    return list && list->type == QTYPE_LIST ? list->list->len : 0;
}

QObject *qlist_get(const QList *list, size_t index)
{
    if (!list || list->type != QTYPE_LIST || index >= list->list->len) {
        return NULL;
    }
    return g_ptr_array_index(list->list, index);
}

/* ---- dicts ---- */

QDict *qdict_new(void)
{
    QObject *obj = qobject_alloc(QTYPE_DICT);
    obj->dict.entries = g_ptr_array_new_with_free_func(dict_entry_free);
    obj->dict.index = g_hash_table_new(g_str_hash, g_str_equal);
    return obj;
}

static bool is_dict(const QObject *obj)
{
    return obj && obj->type == QTYPE_DICT;
}

void qdict_put(QDict *dict, const char *key, QObject *value)
{
    g_return_if_fail(is_dict(dict) && key && value);
    DictEntry *e = g_hash_table_lookup(dict->dict.index, key);
    if (e) {
        /* Replacing keeps the key's original position. */
        qobject_unref(e->value);
        e->value = value;
        return;
    }
    e = g_new(DictEntry, 1);
    e->key = g_strdup(key);
    e->value = value;
    g_ptr_array_add(dict->dict.entries, e);
    g_hash_table_insert(dict->dict.index, e->key, e);
}

void qdict_put_str(QDict *dict, const char *key, const char *value)
{
    qdict_put(dict, key, qstring_new(value));
}

void qdict_put_int(QDict *dict, const char *key, int64_t value)
{
    qdict_put(dict, key, qnum_from_int(value));
}

void qdict_put_bool(QDict *dict, const char *key, bool value)
{
    qdict_put(dict, key, qbool_new(value));
}

QObject *qdict_get(const QDict *dict, const char *key)
{
    if (!is_dict(dict) || !key) {
        return NULL;
    }
    DictEntry *e = g_hash_table_lookup(dict->dict.index, key);
    return e ? e->value : NULL;
}

bool qdict_haskey(const QDict *dict, const char *key)
{
    return qdict_get(dict, key) != NULL;
}

bool qdict_del(QDict *dict, const char *key)
{
    if (!is_dict(dict) || !key) {
        return false;
    }
    DictEntry *e = g_hash_table_lookup(dict->dict.index, key);
    if (!e) {
        return false;
    }
    g_hash_table_remove(dict->dict.index, key);
    g_ptr_array_remove(dict->dict.entries, e);   /* keeps order; frees e */
    return true;
}

size_t qdict_size(const QDict *dict)
{
    return is_dict(dict) ? dict->dict.entries->len : 0;
}

static DictEntry *dict_entry_at(const QDict *dict, size_t index)
{
    if (!is_dict(dict) || index >= dict->dict.entries->len) {
        return NULL;
    }
    return g_ptr_array_index(dict->dict.entries, index);
}

const char *qdict_key_at(const QDict *dict, size_t index)
{
    DictEntry *e = dict_entry_at(dict, index);
    return e ? e->key : NULL;
}

QObject *qdict_value_at(const QDict *dict, size_t index)
{
    DictEntry *e = dict_entry_at(dict, index);
    return e ? e->value : NULL;
}

const char *qdict_get_str(const QDict *dict, const char *key)
{
    return qstring_get(qdict_get(dict, key));
}

QDict *qdict_get_dict(const QDict *dict, const char *key)
{
    QObject *v = qdict_get(dict, key);
    return is_dict(v) ? v : NULL;
}

QList *qdict_get_list(const QDict *dict, const char *key)
{
    QObject *v = qdict_get(dict, key);
    return v && v->type == QTYPE_LIST ? v : NULL;
}

bool qdict_get_try_int(const QDict *dict, const char *key, int64_t *v)
{
    return qnum_get_int(qdict_get(dict, key), v);
}

bool qdict_get_try_bool(const QDict *dict, const char *key, bool *v)
{
    QObject *o = qdict_get(dict, key);
    if (!o || o->type != QTYPE_BOOL) {
        return false;
    }
    *v = o->b;
    return true;
}

/* ---- equality and copies ---- */

/* An integer equals a double only when the double holds exactly that integer. */
static bool int_equals_double(bool is_signed, int64_t i, uint64_t u, double d)
{
    if (!isfinite(d) || d != floor(d)) {
        return false;
    }
    if (is_signed) {
        /* 2^63 is exactly representable; anything >= it is out of int64 range. */
        if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
            return false;
        }
        return (int64_t)d == i;
    }
    if (d < 0 || d >= 18446744073709551616.0) {
        return false;
    }
    return (uint64_t)d == u;
}

static bool qnum_equal(const QObject *a, const QObject *b)
{
    if (a->num.kind == NUM_DOUBLE && b->num.kind == NUM_DOUBLE) {
        return a->num.dbl == b->num.dbl;
    }
    if (b->num.kind == NUM_DOUBLE) {
        const QObject *t = a;
        a = b;
        b = t;
    }
    if (a->num.kind == NUM_DOUBLE) {
        return int_equals_double(b->num.kind == NUM_I64, b->num.i64, b->num.u64, a->num.dbl);
    }
    /* Both integers; qnum_from_uint normalises, so differing kinds mean differing values. */
    if (a->num.kind != b->num.kind) {
        return false;
    }
    return a->num.kind == NUM_I64 ? a->num.i64 == b->num.i64 : a->num.u64 == b->num.u64;
}

bool qobject_equal(const QObject *a, const QObject *b)
{
    if (a == b) {
        return true;
    }
    if (!a || !b || a->type != b->type) {
        return false;
    }
    switch (a->type) {
    case QTYPE_NULL:
        return true;
    case QTYPE_BOOL:
        return a->b == b->b;
    case QTYPE_NUM:
        return qnum_equal(a, b);
    case QTYPE_STRING:
        return a->s.len == b->s.len && memcmp(a->s.str, b->s.str, a->s.len) == 0;
    case QTYPE_LIST:
        if (a->list->len != b->list->len) {
            return false;
        }
        for (guint i = 0; i < a->list->len; i++) {
            if (!qobject_equal(g_ptr_array_index(a->list, i), g_ptr_array_index(b->list, i))) {
                return false;
            }
        }
        return true;
    case QTYPE_DICT:
        if (a->dict.entries->len != b->dict.entries->len) {
            return false;
        }
        for (guint i = 0; i < a->dict.entries->len; i++) {
            DictEntry *e = g_ptr_array_index(a->dict.entries, i);
            if (!qobject_equal(e->value, qdict_get(b, e->key))) {
                return false;
            }
        }
        return true;
    }
    return false;
}

QObject *qobject_clone(const QObject *obj)
{
    if (!obj) {
        return NULL;
    }
    QObject *copy;
    switch (obj->type) {
    case QTYPE_STRING:
        return qstring_new_len(obj->s.str, obj->s.len);
    case QTYPE_LIST:
        copy = qlist_new();
        for (guint i = 0; i < obj->list->len; i++) {
            qlist_append(copy, qobject_clone(g_ptr_array_index(obj->list, i)));
        }
        return copy;
    case QTYPE_DICT:
        copy = qdict_new();
        for (guint i = 0; i < obj->dict.entries->len; i++) {
            DictEntry *e = g_ptr_array_index(obj->dict.entries, i);
            qdict_put(copy, e->key, qobject_clone(e->value));
        }
        return copy;
    default:
        copy = qobject_alloc(obj->type);
        if (obj->type == QTYPE_BOOL) {
            copy->b = obj->b;
        } else if (obj->type == QTYPE_NUM) {
            copy->num = obj->num;
        }
        return copy;
    }
}

/* ---- option-dict helpers ---- */

QDict *qdict_extract_prefix(QDict *dict, const char *prefix)
{
    QDict *out = qdict_new();
    if (!is_dict(dict) || !prefix) {
        return out;
    }
    size_t plen = strlen(prefix);
    for (guint i = 0; i < dict->dict.entries->len;) {
        DictEntry *e = g_ptr_array_index(dict->dict.entries, i);
        if (strncmp(e->key, prefix, plen) == 0 && e->key[plen] == '.' && e->key[plen + 1]) {
            qdict_put(out, e->key + plen + 1, qobject_ref(e->value));
            qdict_del(dict, e->key);    /* the next entry moves into slot i */
        } else {
            i++;
        }
    }
    return out;
}

/* Append the flattened form of value under name to the entries of out. */
static void flatten_into(QDict *out, const char *name, QObject *value)
{
    if (value->type == QTYPE_DICT && value->dict.entries->len) {
        for (guint i = 0; i < value->dict.entries->len; i++) {
            DictEntry *e = g_ptr_array_index(value->dict.entries, i);
            char *sub = g_strdup_printf("%s.%s", name, e->key);
            flatten_into(out, sub, e->value);
            g_free(sub);
        }
    } else if (value->type == QTYPE_LIST && value->list->len) {
        for (guint i = 0; i < value->list->len; i++) {
            char *sub = g_strdup_printf("%s.%u", name, i);
            flatten_into(out, sub, g_ptr_array_index(value->list, i));
            g_free(sub);
        }
    } else {
        /* Scalars and empty containers stay as they are. */
        qdict_put(out, name, qobject_ref(value));
    }
}

void qdict_flatten(QDict *dict)
{
    if (!is_dict(dict)) {
        return;
    }
    QDict *flat = qdict_new();
    for (guint i = 0; i < dict->dict.entries->len; i++) {
        DictEntry *e = g_ptr_array_index(dict->dict.entries, i);
        flatten_into(flat, e->key, e->value);
    }
    /* Swap contents so callers' pointers to dict stay valid. */
    GPtrArray *entries = dict->dict.entries;
    GHashTable *index = dict->dict.index;
    dict->dict.entries = flat->dict.entries;
    dict->dict.index = flat->dict.index;
    flat->dict.entries = entries;
    flat->dict.index = index;
    qobject_unref(flat);
}
