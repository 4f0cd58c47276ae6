/*
 * QEMU's "key=value,key=value" option syntax, and the nesting of dotted keys
 * ("file.driver") into dicts and lists.
 */
#include "config.h"
#include "libcore/opts.h"
#include "libcore/cutils.h"

#include <glib.h>
#include <string.h>

static bool key_char_ok(char c)
{
    return g_ascii_isalnum(c) || c == '_' || c == '.' || c == '-';
}

static bool check_key(const char *key, Error **errp)
{
    if (!*key) {
        error_setf(errp, "Invalid parameter ''");
        return false;
    }
    for (const char *p = key; *p; p++) {
        if (!key_char_ok(*p)) {
            error_setf(errp, "Invalid parameter '%s'", key);
            return false;
        }
    }
    return true;
}

/* Read a value up to a single ',' (",," is a literal comma); returns the rest. */
static const char *read_value(const char *p, GString *out)
{
    for (; *p; p++) {
        if (*p == ',') {
            if (p[1] != ',') {
                break;
            }
            p++;
        }
        g_string_append_c(out, *p);
    }
    return p;
}

/*
 * Store key=value. With OPTS_REPEAT_INDEX a key given again keeps the earlier
 * values: they become key.0, key.1 ... in order (-netdev user,hostfwd=...).
 */
static void put_value(QDict *dict, const char *key, QObject *value, unsigned flags)
{
    char *k0 = g_strdup_printf("%s.0", key);

    if (!(flags & OPTS_REPEAT_INDEX) || (!qdict_haskey(dict, key) && !qdict_haskey(dict, k0))) {
        qdict_put(dict, key, value);
        g_free(k0);
        return;
    }
    if (qdict_haskey(dict, key)) {
        qdict_put(dict, k0, qobject_ref(qdict_get(dict, key)));
        qdict_del(dict, key);
    }
    g_free(k0);
    for (size_t n = 1;; n++) {
        char *k = g_strdup_printf("%s.%zu", key, n);
        if (!qdict_haskey(dict, k)) {
            qdict_put(dict, k, value);
            g_free(k);
            return;
        }
        g_free(k);
    }
}

/* One "key=value" / "key" / implied value element at p; returns the rest. */
static const char *parse_element(QDict *dict, const char *p, const char *implied_key,
                                 unsigned flags, Error **errp)
{
    size_t klen = strcspn(p, "=,");
    GString *value = g_string_new(NULL);

    if (p[klen] != '=' && implied_key) {
        /* "file.qcow2,..." : the whole element is the implied key's value. */
        p = read_value(p, value);
        qdict_put(dict, implied_key, qstring_new_len(value->str, value->len));
        g_string_free(value, TRUE);
        return p;
    }
    char *key = g_strndup(p, klen);
    p += klen;
    if (*p != '=' && (!strcmp(key, "help") || !strcmp(key, "?"))) {
        qdict_put_str(dict, "help", "on");
    } else if (!check_key(key, errp)) {
        p = NULL;
    } else if (*p == '=') {
        p = read_value(p + 1, value);
        put_value(dict, key, qstring_new_len(value->str, value->len), flags);
    } else if (flags & OPTS_BARE_KEYS) {
        qdict_put_str(dict, key, "on");
    } else {
        error_setf(errp, "Expected '=' after parameter '%s'", key);
        p = NULL;
    }
    g_free(key);
    g_string_free(value, TRUE);
    return p;
}

QDict *opts_parse_full(const char *params, const char *implied_key, unsigned flags,
                       Error **errp)
{
    QDict *dict = qdict_new();
    const char *p = params ? params : "";
    bool first = true;

    while (*p) {
        p = parse_element(dict, p, first ? implied_key : NULL, flags, errp);
        if (!p) {
            qobject_unref(dict);
            return NULL;
        }
        first = false;
        if (*p == ',') {
            p++;                            /* a trailing comma is allowed */
        }
    }
    return dict;
}

QDict *opts_parse(const char *params, const char *implied_key, Error **errp)
{
    return opts_parse_full(params, implied_key, 0, errp);
}

bool opts_parse_into(QDict *dict, const char *params, const char *implied_key, Error **errp)
{
    QDict *parsed = opts_parse_full(params, implied_key, OPTS_BARE_KEYS, errp);
    if (!parsed) {
        return false;                       /* dict is left as it was */
    }
    for (size_t i = 0; i < qdict_size(parsed); i++) {
        qdict_put(dict, qdict_key_at(parsed, i), qobject_ref(qdict_value_at(parsed, i)));
    }
    qobject_unref(parsed);
    return true;
}

/* ---- nesting dotted keys ---- */

/* True when s is a list index: "0" or a decimal without leading zeros. */
static bool parse_index(const char *s, size_t *out)
{
    if (!g_ascii_isdigit(*s) || (s[0] == '0' && s[1]) || strlen(s) > 9) {
        return false;
    }
    *out = strtoul(s, NULL, 10);
    return true;
}

/* A dict whose keys are exactly 0..n-1 becomes a list; recursively. */
static QObject *lists_from_indices(QObject *obj)
{
    if (qobject_type(obj) != QTYPE_DICT) {
        return obj;
    }
    size_t n = qdict_size(obj), idx;
    bool is_list = n > 0;
    for (size_t i = 0; i < n; i++) {
        QObject *v = qdict_value_at(obj, i);
        QObject *conv = lists_from_indices(qobject_ref(v));
        qdict_put(obj, qdict_key_at(obj, i), conv);
        if (!parse_index(qdict_key_at(obj, i), &idx) || idx >= n) {
            is_list = false;
        }
    }
    if (!is_list) {
        return obj;
    }
    for (size_t i = 0; i < n; i++) {
        char key[24];
        snprintf(key, sizeof(key), "%zu", i);
        if (!qdict_haskey(obj, key)) {
            return obj;
        }
    }
    QList *list = qlist_new();
    for (size_t i = 0; i < n; i++) {
        char key[24];
        snprintf(key, sizeof(key), "%zu", i);
        qlist_append(list, qobject_ref(qdict_get(obj, key)));
    }
    qobject_unref(obj);
    return list;
}

/* Put value at the dotted path key inside out, creating groups on the way. */
static bool expand_one(QDict *out, const char *key, QObject *value, Error **errp)
{
    gchar **parts = g_strsplit(key, ".", -1);
    QDict *cur = out;
    GString *path = g_string_new(NULL);
    bool ok = false;

    for (int i = 0; parts[i]; i++) {
        if (!*parts[i]) {
            error_setf(errp, "Invalid parameter '%s'", key);
            goto out;
        }
        if (i) {
            g_string_append_c(path, '.');
        }
        g_string_append(path, parts[i]);
        QObject *existing = qdict_get(cur, parts[i]);
        if (!parts[i + 1]) {
            if (existing) {
                const char *sub = qdict_key_at(existing, 0);
                error_setf(errp, "Parameter '%s' conflicts with '%s.%s'", key, key,
                           sub ? sub : "*");
                goto out;
            }
            qdict_put(cur, parts[i], qobject_ref(value));
            break;
        }
        if (!existing) {
            existing = qdict_new();
            qdict_put(cur, parts[i], existing);
        } else if (qobject_type(existing) != QTYPE_DICT) {
            error_setf(errp, "Parameter '%s' conflicts with '%s'", key, path->str);
            goto out;
        }
        cur = existing;
    }
    ok = true;
out:
    g_string_free(path, TRUE);
    g_strfreev(parts);
    return ok;
}

QDict *qdict_expand(const QDict *flat, Error **errp)
{
    /* Flatten a copy first so partly nested input is handled the same way. */
    QDict *src = qobject_clone(flat);
    QDict *out = qdict_new();
    qdict_flatten(src);
    for (size_t i = 0; i < qdict_size(src); i++) {
        if (!expand_one(out, qdict_key_at(src, i), qdict_value_at(src, i), errp)) {
            qobject_unref(src);
            qobject_unref(out);
            return NULL;
        }
    }
    qobject_unref(src);
    /* The top level stays a dict even when its keys look like indices. */
    for (size_t i = 0; i < qdict_size(out); i++) {
        QObject *v = qobject_ref(qdict_value_at(out, i));
        qdict_put(out, qdict_key_at(out, i), lists_from_indices(v));
    }
    return out;
}

/* ---- rendering ---- */

static void append_escaped(GString *out, const char *s)
{
    for (; *s; s++) {
        if (*s == ',') {
            g_string_append_c(out, ',');
        }
        g_string_append_c(out, *s);
    }
}

static char *scalar_text(const QObject *v)
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
        return g_strdup("");                /* null, empty list or dict */
    }
}

char *opts_to_string(const QDict *dict)
{
    QDict *flat = qobject_clone(dict);
    GString *out = g_string_new(NULL);
    qdict_flatten(flat);
    for (size_t i = 0; i < qdict_size(flat); i++) {
        if (i) {
            g_string_append_c(out, ',');
        }
        char *text = scalar_text(qdict_value_at(flat, i));
        g_string_append(out, qdict_key_at(flat, i));
        g_string_append_c(out, '=');
        append_escaped(out, text);
        g_free(text);
    }
    qobject_unref(flat);
    return g_string_free(out, FALSE);
}

bool id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

const char *opts_get_id(const QDict *opts, Error **errp)
{
    const char *id = qdict_get_str(opts, "id");

    if (!id) {
        error_setf(errp, "Parameter 'id' is missing");
        return NULL;
    }
    if (!id_wellformed(id)) {
        error_setf(errp, "Parameter 'id' expects an identifier (letters, digits, "
                   "'-', '.', '_', starting with a letter)");
        return NULL;
    }
    return id;
}

bool opts_get_bool(const QDict *opts, const char *key, bool def, bool *out, Error **errp)
{
    const char *v = qdict_get_str(opts, key);

    *out = def;
    if (v && !parse_bool(v, out, NULL)) {
        error_setf(errp, "Parameter '%s' expects 'on' or 'off'", key);
        return false;
    }
    return true;
}
