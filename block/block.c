/*
 * The block layer's core: the driver registry, protocol look-up and format
 * probing, node lifetime and accessors, and the dispatch of image-level
 * operations (info, snapshots, check, amend, measure) to the drivers.
 * Opening lives in block-open.c, I/O in block-io.c and block-status.c,
 * creation in block-create.c.
 */
#include "config.h"
#include "block/block-priv.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <sys/stat.h>
#include "libcore/cutils.h"
#include "libcore/opts.h"

#define MAX_DRIVERS 64

static const BlockDriver *drivers[MAX_DRIVERS];
static int n_drivers;

void bdrv_register(const BlockDriver *drv)
{
    /* Constructors run single-threaded at load time. */
    if (n_drivers < MAX_DRIVERS) {
        drivers[n_drivers++] = drv;
    }
}

const BlockDriver *bdrv_find_format(const char *name)
{
    if (!name) {
        return NULL;
    }
    for (int i = 0; i < n_drivers; i++) {
        if (strcmp(drivers[i]->format_name, name) == 0) {
            return drivers[i];
        }
    }
    return NULL;
}

const char *bdrv_driver_name(const BlockDriver *drv)
{
    return drv ? drv->format_name : "";
}

bool bdrv_is_protocol_driver(const BlockDriver *drv)
{
    return drv && drv->is_protocol;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **bdrv_format_names(size_t *count)
{
    const char **names = g_new0(const char *, n_drivers + 1);
    for (int i = 0; i < n_drivers; i++) {
        names[i] = drivers[i]->format_name;
    }
    qsort(names, n_drivers, sizeof(*names), cmp_str);
    /* Several drivers share a format name (nbd, nbd+tcp, nbd+unix): list it once. */
    size_t n = 0;
    for (int i = 0; i < n_drivers; i++) {
        if (n == 0 || strcmp(names[n - 1], names[i]) != 0) {
            names[n++] = names[i];
        }
    }
    names[n] = NULL;
    if (count) {
        *count = n;
    }
    return names;
}

/* Length of a "proto:" prefix (before any '/'), or 0 for plain paths. */
static size_t protocol_prefix_len(const char *filename)
{
    const char *colon = strchr(filename, ':');
    const char *slash = strchr(filename, '/');
    if (!colon || (slash && slash < colon) || colon == filename) {
        return 0;
    }
    return colon - filename;
}

static const BlockDriver *find_protocol_by_prefix(const char *name, size_t len)
{
    for (int i = 0; i < n_drivers; i++) {
        const char *p = drivers[i]->protocol_name;
        if (p && strlen(p) == len && strncmp(p, name, len) == 0) {
            return drivers[i];
        }
    }
    return NULL;
}

bool bdrv_name_has_protocol(const char *name)
{
    return g_str_has_prefix(name, "json:") || protocol_prefix_len(name) > 0;
}

const BlockDriver *bdrv_find_protocol(const char *filename, Error **errp)
{
    if (!filename || !*filename) {
        error_setf(errp, "No filename given");
        return NULL;
    }
    size_t len = protocol_prefix_len(filename);
    if (len == 0) {
        struct stat st;
        /* Block devices get the host_device driver, as QEMU picks it. */
        if (g_str_has_prefix(filename, "/dev/") && stat(filename, &st) == 0 &&
            S_ISBLK(st.st_mode) && bdrv_find_format("host_device")) {
            return bdrv_find_format("host_device");
        }
        const BlockDriver *file = bdrv_find_format("file");
        if (!file) {
            error_setf(errp, "The 'file' protocol driver is not available");
        }
        return file;
    }
    const BlockDriver *drv = find_protocol_by_prefix(filename, len);
    if (!drv) {
        error_setf(errp, "Unknown protocol '%.*s'", (int)len, filename);
    }
    return drv;
}

const BlockDriver *bdrv_probe_format(const uint8_t *buf, int len, const char *filename)
{
    const BlockDriver *best = NULL;
    int best_score = 0;
    for (int i = 0; i < n_drivers; i++) {
        if (!drivers[i]->probe || drivers[i]->is_protocol) {
            continue;
        }
        int score = drivers[i]->probe(buf, len, filename);
        if (score > best_score) {
            best_score = score;
            best = drivers[i];
        }
    }
    if (best && strcmp(best->format_name, "raw") == 0) {
        return NULL;
    }
    return best;
}

/* ---- preallocation modes ---- */

static const char *const prealloc_names[] = {
    [PREALLOC_MODE_OFF] = "off",
    [PREALLOC_MODE_METADATA] = "metadata",
    [PREALLOC_MODE_FALLOC] = "falloc",
    [PREALLOC_MODE_FULL] = "full",
};

bool prealloc_mode_parse(const char *str, PreallocMode *out, Error **errp)
{
    for (size_t i = 0; i < G_N_ELEMENTS(prealloc_names); i++) {
        if (str && strcmp(str, prealloc_names[i]) == 0) {
            *out = (PreallocMode)i;
            return true;
        }
    }
    error_setf(errp, "invalid parameter value: %s", str ? str : "");
    return false;
}

const char *prealloc_mode_name(PreallocMode mode)
{
    if ((unsigned)mode < G_N_ELEMENTS(prealloc_names)) {
        return prealloc_names[mode];
    }
    return "?";
}

/* ---- node names ---- */

static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable *node_names;          /* name -> BlockDriverState * (borrowed) */
static unsigned node_counter;

static bool node_name_valid(const char *name)
{
    if (!g_ascii_isalpha(name[0])) {
        return false;
    }
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return strlen(name) < 128;
}

bool bdrv_register_node_name(BlockDriverState *bs, const char *name, Error **errp)
{
    char *owned;
    if (name) {
        if (!node_name_valid(name)) {
            error_setf(errp, "Invalid node-name: '%s'", name);
            return false;
        }
        owned = g_strdup(name);
    } else {
        owned = NULL;
    }
    pthread_mutex_lock(&names_lock);
    if (!node_names) {
        node_names = g_hash_table_new(g_str_hash, g_str_equal);
    }
    if (!owned) {
        /* Generated names start with '#' so they can never clash with a user's. */
        owned = g_strdup_printf("#block%03u", node_counter++);
    } else if (g_hash_table_contains(node_names, owned)) {
        pthread_mutex_unlock(&names_lock);
        error_setf(errp, "Duplicate nodes with node-name='%s'", owned);
        g_free(owned);
        return false;
    }
    g_hash_table_insert(node_names, owned, bs);
    bs->node_name = owned;
    pthread_mutex_unlock(&names_lock);
    return true;
}

BlockDriverState *bdrv_find_node(const char *node_name)
{
    BlockDriverState *bs = NULL;
    pthread_mutex_lock(&names_lock);
    if (node_names) {
        bs = g_hash_table_lookup(node_names, node_name);
    }
    pthread_mutex_unlock(&names_lock);
    return bs;
}

static void unregister_node_name(BlockDriverState *bs)
{
    if (!bs->node_name) {
        return;
    }
    pthread_mutex_lock(&names_lock);
    if (node_names && g_hash_table_lookup(node_names, bs->node_name) == bs) {
        g_hash_table_remove(node_names, bs->node_name);
    }
    pthread_mutex_unlock(&names_lock);
}

/* ---- node lifetime ---- */

BlockDriverState *bdrv_new_node(const BlockDriver *drv)
{
    BlockDriverState *bs = g_new0(BlockDriverState, 1);
    bs->drv = drv;
    bs->refcnt = 1;
    bs->request_alignment = 1;
    bs->opaque = drv->instance_size ? g_malloc0(drv->instance_size) : NULL;
    bs->priv = g_new0(struct BdrvPriv, 1);
    pthread_mutex_init(&bs->lock, NULL);
    pthread_cond_init(&bs->priv->cond, NULL);
    return bs;
}

void bdrv_attach_child(BlockDriverState *child, bool as_backing)
{
    pthread_mutex_lock(&child->lock);
    child->priv->parents++;
    if (as_backing) {
        child->priv->backing_parents++;
    }
    pthread_mutex_unlock(&child->lock);
}

void bdrv_detach_child(BlockDriverState *child, bool as_backing)
{
    pthread_mutex_lock(&child->lock);
    child->priv->parents--;
    if (as_backing) {
        child->priv->backing_parents--;
    }
    pthread_mutex_unlock(&child->lock);
}

BlockDriverState *bdrv_ref(BlockDriverState *bs)
{
    if (bs) {
        __atomic_add_fetch(&bs->refcnt, 1, __ATOMIC_SEQ_CST);
    }
    return bs;
}

static void bdrv_free(BlockDriverState *bs)
{
    unregister_node_name(bs);
    if (bs->drv && bs->drv->close && bs->priv->opened) {
        bs->drv->close(bs);
    }
    if (bs->backing) {
        bdrv_detach_child(bs->backing, true);
        bdrv_unref(bs->backing);
    }
    if (bs->file) {
        bdrv_detach_child(bs->file, false);
        bdrv_unref(bs->file);
    }
    qobject_unref(bs->options);
    g_free(bs->node_name);
    g_free(bs->opaque);
    pthread_cond_destroy(&bs->priv->cond);
    g_free(bs->priv);
    pthread_mutex_destroy(&bs->lock);
    g_free(bs);
}

void bdrv_unref(BlockDriverState *bs)
{
    if (bs && __atomic_sub_fetch(&bs->refcnt, 1, __ATOMIC_SEQ_CST) == 0) {
        bdrv_free(bs);
    }
}

/* ---- accessors ---- */

const char *bdrv_get_filename(BlockDriverState *bs)
{
    return bs->filename;
}

const char *bdrv_get_format_name(BlockDriverState *bs)
{
    return bs->drv ? bs->drv->format_name : "";
}

const char *bdrv_get_node_name(BlockDriverState *bs)
{
    return bs->node_name ? bs->node_name : "";
}

BlockDriverState *bdrv_get_file(BlockDriverState *bs)
{
    return bs->file;
}

BlockDriverState *bdrv_get_backing(BlockDriverState *bs)
{
    return bs->backing;
}

const char *bdrv_get_backing_filename(BlockDriverState *bs)
{
    return bs->backing_file;
}

const char *bdrv_get_backing_format(BlockDriverState *bs)
{
    return bs->backing_format;
}

bool bdrv_is_read_only(BlockDriverState *bs)
{
    return bs->read_only;
}

uint32_t bdrv_get_request_alignment(BlockDriverState *bs)
{
    return bs->request_alignment ? bs->request_alignment : 1;
}

int64_t bdrv_getlength_bytes(BlockDriverState *bs)
{
    if (!bs->drv) {
        return -ENOMEDIUM;
    }
    return bs->drv->getlength ? bs->drv->getlength(bs) : bs->total_size;
}

int64_t bdrv_getlength(BlockDriverState *bs)
{
    int64_t len = bdrv_getlength_bytes(bs);
    if (len < 0) {
        return len;
    }
    /* Lengths are whole sectors, as QEMU reports them. */
    if (len > INT64_MAX - (BDRV_SECTOR_SIZE - 1)) {
        return -EFBIG;
    }
    return (len + BDRV_SECTOR_SIZE - 1) & ~(int64_t)(BDRV_SECTOR_SIZE - 1);
}

int64_t bdrv_get_allocated_file_size(BlockDriverState *bs)
{
    if (!bs->drv) {
        return -ENOMEDIUM;
    }
    if (bs->drv->get_allocated_file_size) {
        return bs->drv->get_allocated_file_size(bs);
    }
    if (bs->file) {
        return bdrv_get_allocated_file_size(bs->file);
    }
    return -ENOTSUP;
}

bool bdrv_supports_backing(const BlockDriver *drv)
{
    return drv && drv->supports_backing;
}

bool bdrv_supports_compressed(const BlockDriver *drv)
{
    return drv && drv->pwrite_compressed;
}

/* ---- image-level operations ---- */

typedef struct CacheMode {
    const char *name;
    int flags;
} CacheMode;

static const CacheMode cache_modes[] = {
    { "none", BDRV_O_NOCACHE },
    { "off", BDRV_O_NOCACHE },
    { "writeback", 0 },
    { "writethrough", BDRV_O_DSYNC },
    { "directsync", BDRV_O_NOCACHE | BDRV_O_DSYNC },
    { "unsafe", BDRV_O_NO_FLUSH },
    { NULL, 0 },
};

bool bdrv_parse_cache_mode(const char *mode, int *flags)
{
    for (const CacheMode *m = cache_modes; m->name; m++) {
        if (strcmp(m->name, mode) == 0) {
            *flags = m->flags;
            return true;
        }
    }
    return false;
}

bool bdrv_has_zero_init(BlockDriverState *bs)
{
    return bs && bs->drv && bs->drv->has_zero_init && bs->drv->has_zero_init(bs);
}

int bdrv_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    memset(bdi, 0, sizeof(*bdi));
    if (!bs->drv) {
        return -ENOMEDIUM;
    }
    if (!bs->drv->get_info) {
        return -ENOTSUP;
    }
    return bs->drv->get_info(bs, bdi);
}

QDict *bdrv_get_specific_info(BlockDriverState *bs, Error **errp)
{
    if (!bs->drv || !bs->drv->get_specific_info) {
        return NULL;
    }
    return bs->drv->get_specific_info(bs, errp);
}

bool bdrv_can_snapshot(BlockDriverState *bs)
{
    return bs->drv && !bs->read_only && bs->drv->snapshot_create;
}

int bdrv_snapshot_list(BlockDriverState *bs, SnapshotInfo **list)
{
    *list = NULL;
    if (!bs->drv || !bs->drv->snapshot_list) {
        return -ENOTSUP;
    }
    return bs->drv->snapshot_list(bs, list);
}

static bool snapshot_usable(BlockDriverState *bs, void *op, Error **errp)
{
    if (!bs->drv) {
        error_setf(errp, "No medium");
        return false;
    }
    if (!op) {
        error_setf(errp, "Block format '%s' does not support internal snapshots",
                   bs->drv->format_name);
        return false;
    }
    if (bs->read_only) {
        error_setf(errp, "Image is read-only");
        return false;
    }
    return true;
}

int bdrv_snapshot_create(BlockDriverState *bs, SnapshotInfo *sn, Error **errp)
{
    if (!snapshot_usable(bs, bs->drv ? (void *)bs->drv->snapshot_create : NULL, errp)) {
        return -ENOTSUP;
    }
    return bs->drv->snapshot_create(bs, sn, errp);
}

int bdrv_snapshot_goto(BlockDriverState *bs, const char *name_or_id, Error **errp)
{
    if (!snapshot_usable(bs, bs->drv ? (void *)bs->drv->snapshot_goto : NULL, errp)) {
        return -ENOTSUP;
    }
    return bs->drv->snapshot_goto(bs, name_or_id, errp);
}

int bdrv_snapshot_delete(BlockDriverState *bs, const char *id, const char *name,
                         Error **errp)
{
    if (!snapshot_usable(bs, bs->drv ? (void *)bs->drv->snapshot_delete : NULL, errp)) {
        return -ENOTSUP;
    }
    return bs->drv->snapshot_delete(bs, id, name, errp);
}

int bdrv_snapshot_load_tmp(BlockDriverState *bs, const char *id, const char *name,
                           Error **errp)
{
    if (!bs->drv || !bs->drv->snapshot_load_tmp) {
        error_setf(errp, "Block format '%s' does not support internal snapshots",
                   bs->drv ? bs->drv->format_name : "none");
        return -ENOTSUP;
    }
    if (!bs->read_only) {
        error_setf(errp, "Device is not readonly");
        return -EINVAL;
    }
    if (!id && !name) {
        error_setf(errp, "A snapshot id or name is needed");
        return -EINVAL;
    }
    return bs->drv->snapshot_load_tmp(bs, id, name, errp);
}

int bdrv_snapshot_load_tmp_param(BlockDriverState *bs, const char *param,
                                 bool quote_param, Error **errp)
{
    if (!g_str_has_prefix(param, "snapshot.")) {
        /* A bare word is an id first, then a name, as QEMU tries it. */
        Error *by_id = NULL;
        if (bdrv_snapshot_load_tmp(bs, param, NULL, &by_id) == 0) {
            return 0;
        }
        error_free(by_id);
        return bdrv_snapshot_load_tmp(bs, NULL, param, errp);
    }
    QDict *opts = opts_parse(param, NULL, errp);
    if (!opts) {
        return -EINVAL;
    }
    int ret = -EINVAL;
    for (size_t i = 0; i < qdict_size(opts); i++) {
        const char *key = qdict_key_at(opts, i);
        if (strcmp(key, "snapshot.id") && strcmp(key, "snapshot.name")) {
            if (quote_param) {
                error_setf(errp, "Invalid parameter '%s' in snapshot parameter '%s'",
                           key, param);
            } else {
                error_setf(errp, "Invalid parameter '%s'", key);
            }
            goto out;
        }
    }
    ret = bdrv_snapshot_load_tmp(bs, qdict_get_str(opts, "snapshot.id"),
                                 qdict_get_str(opts, "snapshot.name"), errp);
out:
    qobject_unref(opts);
    return ret;
}

int bdrv_check(BlockDriverState *bs, BdrvCheckResult *res, int fix)
{
    memset(res, 0, sizeof(*res));
    if (!bs->drv) {
        return -ENOMEDIUM;
    }
    if (!bs->drv->check) {
        return -ENOTSUP;
    }
    return bs->drv->check(bs, res, fix);
}

int bdrv_amend(BlockDriverState *bs, QDict *opts, bool force, Error **errp)
{
    if (!bs->drv || !bs->drv->amend) {
        error_setf(errp, "Block driver '%s' does not support option amendment",
                   bdrv_get_format_name(bs));
        return -ENOTSUP;
    }
    if (bs->read_only) {
        error_setf(errp, "Image is read-only");
        return -EACCES;
    }
    int ret = bs->drv->amend(bs, opts, force, errp);
    if (ret >= 0) {
        const char *left = bdrv_create_opts_leftover(opts);
        if (left) {
            error_setf(errp, "Invalid parameter '%s'", left);
            ret = -EINVAL;
        }
    }
    bdrv_create_opts_cleanup(opts);
    return ret;
}

int bdrv_measure(const BlockDriver *drv, QDict *opts, BlockDriverState *in_bs,
                 BlockMeasureInfo *info, Error **errp)
{
    memset(info, 0, sizeof(*info));
    if (!drv || !drv->measure) {
        error_setf(errp, "Format driver '%s' does not support size measurement",
                   bdrv_driver_name(drv));
        return -ENOTSUP;
    }
    int ret = drv->measure(opts, in_bs, info, errp);
    bdrv_create_opts_cleanup(opts);
    return ret;
}

int bdrv_change_backing_file(BlockDriverState *bs, const char *backing_file,
                             const char *backing_fmt, Error **errp)
{
    if (!bs->drv || !bs->drv->change_backing_file) {
        error_setf(errp, "Block format '%s' does not support backing files",
                   bdrv_get_format_name(bs));
        return -ENOTSUP;
    }
    if (bs->read_only) {
        error_setf(errp, "Image is read-only");
        return -EACCES;
    }
    if (backing_fmt && *backing_fmt && !(backing_file && *backing_file)) {
        error_setf(errp, "A backing format needs a backing file name");
        return -EINVAL;
    }
    int ret = bs->drv->change_backing_file(bs, backing_file, backing_fmt, errp);
    if (ret >= 0) {
        g_strlcpy(bs->backing_file, backing_file ? backing_file : "",
                  sizeof(bs->backing_file));
        g_strlcpy(bs->backing_format, backing_fmt ? backing_fmt : "",
                  sizeof(bs->backing_format));
    }
    return ret;
}

void bdrv_set_backing(BlockDriverState *bs, BlockDriverState *backing)
{
    BlockDriverState *old = bs->backing;
    if (backing) {
        bdrv_attach_child(backing, true);
    }
    bs->backing = backing;
    if (old) {
        bdrv_detach_child(old, true);
        bdrv_unref(old);
    }
}

int bdrv_make_empty(BlockDriverState *bs)
{
    if (!bs->drv || !bs->drv->make_empty) {
        return -ENOTSUP;
    }
    if (bs->read_only) {
        return -EACCES;
    }
    return bs->drv->make_empty(bs);
}

/* ---- option values ---- */

bool bdrv_opt_bool(QObject *value, const char *key, bool *out, Error **errp)
{
    switch (qobject_type(value)) {
    case QTYPE_BOOL:
        *out = qbool_get(value);
        return true;
    case QTYPE_STRING: {
        Error *err = NULL;
        if (parse_bool(qstring_get(value), out, &err)) {
            return true;
        }
        error_free(err);
        break;
    }
    default:
        break;
    }
    error_setf(errp, "Parameter '%s' expects 'on' or 'off'", key);
    return false;
}

bool bdrv_opt_uint(QObject *value, const char *key, uint64_t *out, Error **errp)
{
    switch (qobject_type(value)) {
    case QTYPE_NUM:
        if (qnum_get_uint(value, out)) {
            return true;
        }
        break;
    case QTYPE_STRING: {
        Error *err = NULL;
        if (parse_size(qstring_get(value), 'B', out, &err)) {
            return true;
        }
        error_free(err);
        break;
    }
    default:
        break;
    }
    error_setf(errp, "Parameter '%s' expects a non-negative number below 2^64", key);
    return false;
}

bool bdrv_take_bool(QDict *opts, const char *key, bool *out, Error **errp)
{
    QObject *v = qdict_get(opts, key);
    if (!v) {
        return true;
    }
    bool ok = bdrv_opt_bool(v, key, out, errp);
    qdict_del(opts, key);
    return ok;
}

bool bdrv_take_size(QDict *opts, const char *key, uint64_t *out, bool *present,
                    Error **errp)
{
    QObject *v = qdict_get(opts, key);
    if (present) {
        *present = v != NULL;
    }
    if (!v) {
        return true;
    }
    bool ok = bdrv_opt_uint(v, key, out, errp);
    qdict_del(opts, key);
    return ok;
}

char *bdrv_take_str(QDict *opts, const char *key, Error **errp)
{
    QObject *v = qdict_get(opts, key);
    if (!v) {
        return NULL;
    }
    if (qobject_type(v) != QTYPE_STRING) {
        error_setf(errp, "Invalid parameter type for '%s', expected: string", key);
        qdict_del(opts, key);
        return NULL;
    }
    char *s = g_strdup(qstring_get(v));
    qdict_del(opts, key);
    return s;
}
