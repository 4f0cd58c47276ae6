/*
 * Image creation: the create-option helpers drivers use (typed, validated,
 * consumed so leftovers can be reported), the merged option tables for
 * "-o help", and bdrv_create, which makes the protocol file and then lets the
 * format driver write its metadata into it.
 */
#include "config.h"
#include "block/block-priv.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include "libcore/cutils.h"
#include "libcore/json.h"

/* Consumed string values stay alive under this prefix until the call ends. */
#define HIDDEN_PREFIX "\001consumed:"

static bool is_hidden(const char *key)
{
    return g_str_has_prefix(key, HIDDEN_PREFIX);
}

bool create_opt_get_size(QDict *opts, const char *name, uint64_t *out, Error **errp)
{
    QObject *v = opts ? qdict_get(opts, name) : NULL;
    if (!v) {
        return true;
    }
    bool ok = bdrv_opt_uint(v, name, out, NULL);
    if (!ok) {
        error_setf(errp, "Parameter '%s' expects a non-negative number below 2^64\n"
                   "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, "
                   "peta-\nand exabytes, respectively.", name);
    }
    qdict_del(opts, name);
    return ok;
}

bool create_opt_get_bool(QDict *opts, const char *name, bool *out, Error **errp)
{
    QObject *v = opts ? qdict_get(opts, name) : NULL;
    if (!v) {
        return true;
    }
    bool ok = bdrv_opt_bool(v, name, out, errp);
    qdict_del(opts, name);
    return ok;
}

const char *create_opt_get_str(QDict *opts, const char *name)
{
    QObject *v = opts ? qdict_get(opts, name) : NULL;
    if (!v) {
        return NULL;
    }
    QObject *s;
    if (qobject_type(v) == QTYPE_STRING) {
        s = qobject_ref(v);
    } else {
        s = qstring_take(json_to_string(v, false));
    }
    char *hidden = g_strconcat(HIDDEN_PREFIX, name, NULL);
    qdict_put(opts, hidden, s);
    g_free(hidden);
    qdict_del(opts, name);
    return qstring_get(s);
}

void bdrv_create_opts_cleanup(QDict *opts)
{
    if (!opts) {
        return;
    }
    for (size_t i = 0; i < qdict_size(opts);) {
        const char *key = qdict_key_at(opts, i);
        if (is_hidden(key)) {
            qdict_del(opts, key);
        } else {
            i++;
        }
    }
}

const char *bdrv_create_opts_leftover(QDict *opts)
{
    for (size_t i = 0; opts && i < qdict_size(opts); i++) {
        if (!is_hidden(qdict_key_at(opts, i))) {
            return qdict_key_at(opts, i);
        }
    }
    return NULL;
}

/* ---- merged option tables ---- */

static bool table_has(const CreateOptDesc *t, const char *name)
{
    for (; t && t->name; t++) {
        if (strcmp(t->name, name) == 0) {
            return true;
        }
    }
    return false;
}

static gint cmp_desc(gconstpointer a, gconstpointer b)
{
    return strcmp(((const CreateOptDesc *)a)->name, ((const CreateOptDesc *)b)->name);
}

static const CreateOptDesc *merge_tables(const CreateOptDesc *fmt, const CreateOptDesc *proto)
{
    GArray *arr = g_array_new(TRUE, TRUE, sizeof(CreateOptDesc));
    for (const CreateOptDesc *t = fmt; t && t->name; t++) {
        g_array_append_val(arr, *t);
    }
    for (const CreateOptDesc *t = proto; t && t->name; t++) {
        if (!table_has(fmt, t->name)) {
            g_array_append_val(arr, *t);
        }
    }
    g_array_sort(arr, cmp_desc);
    return (const CreateOptDesc *)g_array_free(arr, FALSE);
}

const CreateOptDesc *bdrv_create_opts(const BlockDriver *drv)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static GHashTable *cache;      /* drv -> merged table, kept for the process */
    if (!drv) {
        return NULL;
    }
    pthread_mutex_lock(&lock);
    if (!cache) {
        cache = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    const CreateOptDesc *merged = g_hash_table_lookup(cache, drv);
    if (!merged) {
        const BlockDriver *proto = drv->is_protocol ? NULL : bdrv_find_format("file");
        merged = merge_tables(drv->create_opts, proto ? proto->create_opts : NULL);
        g_hash_table_insert(cache, (gpointer)drv, (gpointer)merged);
    }
    pthread_mutex_unlock(&lock);
    return merged;
}

/* ---- creation ---- */

static int run_create(const BlockDriver *drv, const char *filename, QDict *opts,
                      Error **errp)
{
    int ret = drv->create(filename, opts, errp);
    if (ret >= 0) {
        const char *left = bdrv_create_opts_leftover(opts);
        if (left) {
            error_setf(errp, "Invalid parameter '%s'", left);
            ret = -EINVAL;
        }
    } else if (errp && !*errp) {
        error_setf_errno(errp, -ret, "Could not create '%s'", filename);
    }
    return ret;
}

/* Move the options only the protocol knows from opts into a new dict. */
static QDict *protocol_opts(const BlockDriver *fmt, const BlockDriver *proto, QDict *opts)
{
    QDict *popts = qdict_new();
    qdict_put_str(popts, "size", "0");
    for (const CreateOptDesc *t = proto->create_opts; t && t->name; t++) {
        QObject *v = qdict_get(opts, t->name);
        if (v && !table_has(fmt->create_opts, t->name)) {
            qdict_put(popts, t->name, qobject_ref(v));
            qdict_del(opts, t->name);
        }
    }
    return popts;
}

int bdrv_create(const BlockDriver *drv, const char *filename, QDict *opts, Error **errp)
{
    if (!drv || !drv->create) {
        error_setf(errp, "Driver '%s' does not support image creation",
                   bdrv_driver_name(drv));
        return -ENOTSUP;
    }
    if (!filename || !*filename) {
        error_setf(errp, "No filename given");
        return -EINVAL;
    }
    QDict *work = opts ? qobject_clone(opts) : qdict_new();
    int ret;
    if (drv->is_protocol) {
        ret = run_create(drv, filename, work, errp);
    } else {
        const BlockDriver *proto = bdrv_find_protocol(filename, errp);
        if (!proto) {
            ret = -EINVAL;
        } else if (!proto->create) {
            error_setf(errp, "Protocol driver '%s' does not support image creation",
                       proto->format_name);
            ret = -ENOTSUP;
        } else {
            QDict *popts = protocol_opts(drv, proto, work);
            ret = run_create(proto, filename, popts, errp);
            qobject_unref(popts);
            if (ret >= 0) {
                ret = run_create(drv, filename, work, errp);
            }
        }
    }
    qobject_unref(work);
    return ret < 0 ? ret : 0;
}
