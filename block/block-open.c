/*
 * Opening images: turns a filename and/or a -blockdev style option dict into a
 * graph of nodes (format over protocol, plus the backing chain), applying the
 * generic options and reporting every option nobody consumed.
 */
#include "config.h"
#include "block/block-priv.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include "libcore/json.h"

#define MAX_CHAIN_DEPTH 256

/* The nodes being opened above the current one, for loop detection. */
typedef struct OpenChain {
    char *id;                        /* canonical path of the image, or NULL */
    const struct OpenChain *up;
    int depth;
} OpenChain;

static BlockDriverState *open_node(const char *filename, QDict *options, int flags,
                                   const OpenChain *chain, Error **errp);

/* Options every node understands; parsed before the driver sees the rest. */
typedef struct GenericOpts {
    char *driver;
    char *node_name;
    int detect_zeroes;
} GenericOpts;

static bool take_flag(QDict *opts, const char *key, int *flags, int bit, bool invert,
                      Error **errp)
{
    bool v = false;
    if (!qdict_haskey(opts, key)) {
        return true;
    }
    if (!bdrv_take_bool(opts, key, &v, errp)) {
        return false;
    }
    if (v != invert) {
        *flags |= bit;
    } else {
        *flags &= ~bit;
    }
    return true;
}

static bool take_enum(QDict *opts, const char *key, const char *const *names, int *out,
                      const char *bad_msg, Error **errp)
{
    Error *err = NULL;
    char *s = bdrv_take_str(opts, key, &err);
    if (err) {
        error_propagate(errp, err);
        return false;
    }
    if (!s) {
        return true;
    }
    for (int i = 0; names[i]; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = i;
            g_free(s);
            return true;
        }
    }
    if (bad_msg) {
        error_setf(errp, "%s", bad_msg);
    } else {
        error_setf(errp, "invalid parameter value: %s", s);
    }
    g_free(s);
    return false;
}

static bool parse_generic(QDict *opts, int *flags, GenericOpts *g, Error **errp)
{
    static const char *const discard_names[] = { "ignore", "off", "unmap", "on", NULL };
    static const char *const dz_names[] = { "off", "on", "unmap", NULL };
    Error *err = NULL;
    int discard = -1;

    g->driver = bdrv_take_str(opts, "driver", &err);
    if (!err) {
        g->node_name = bdrv_take_str(opts, "node-name", &err);
    }
    if (err) {
        error_propagate(errp, err);
        return false;
    }
    if (!take_flag(opts, "read-only", flags, BDRV_O_RDWR, true, errp) ||
        !take_flag(opts, "cache.direct", flags, BDRV_O_NOCACHE, false, errp) ||
        !take_flag(opts, "cache.no-flush", flags, BDRV_O_NO_FLUSH, false, errp) ||
        !take_flag(opts, "force-share", flags, BDRV_O_FORCE_SHARE, false, errp) ||
        !take_enum(opts, "discard", discard_names, &discard, "Invalid discard option", errp) ||
        !take_enum(opts, "detect-zeroes", dz_names, &g->detect_zeroes, NULL, errp)) {
        return false;
    }
    if (discard >= 0) {
        if (discard >= 2) {
            *flags |= BDRV_O_UNMAP;
        } else {
            *flags &= ~BDRV_O_UNMAP;
        }
    }
    if ((*flags & BDRV_O_FORCE_SHARE) && (*flags & BDRV_O_RDWR)) {
        error_setf(errp, "force-share=on can only be used with read-only images");
        return false;
    }
    if (g->detect_zeroes == 2 && !(*flags & BDRV_O_UNMAP)) {
        error_setf(errp, "setting detect-zeroes to unmap is not allowed without "
                   "setting discard operation to unmap");
        return false;
    }
    return true;
}

/* Merge a json: filename into options (explicit options win). */
static bool merge_json_filename(const char *filename, QDict *options, Error **errp)
{
    Error *err = NULL;
    const char *text = filename + strlen("json:");
    QObject *obj = json_parse(text, strlen(text), &err);
    if (!obj) {
        error_setf(errp, "Could not parse the JSON options: %s", error_message(err));
        error_free(err);
        return false;
    }
    if (qobject_type(obj) != QTYPE_DICT) {
        error_setf(errp, "Invalid JSON object given");
        qobject_unref(obj);
        return false;
    }
    qdict_flatten(obj);
    for (size_t i = 0; i < qdict_size(obj); i++) {
        const char *key = qdict_key_at(obj, i);
        if (!qdict_haskey(options, key)) {
            qdict_put(options, key, qobject_ref(qdict_value_at(obj, i)));
        }
    }
    qobject_unref(obj);
    return true;
}

/* Report the first option the driver did not consume. */
static bool check_leftovers(BlockDriverState *bs, QDict *options, Error **errp)
{
    if (qdict_size(options) == 0) {
        return true;
    }
    const char *key = qdict_key_at(options, 0);
    if (bs->drv->is_protocol) {
        error_setf(errp, "Block protocol '%s' doesn't support the option '%s'",
                   bs->drv->format_name, key);
    } else {
        error_setf(errp, "Block format '%s' does not support the option '%s'",
                   bs->drv->format_name, key);
    }
    return false;
}

static bool is_plain_name(const char *name)
{
    return !bdrv_name_has_protocol(name) || g_str_has_prefix(name, "file:");
}

/* The canonical identity of a node's image file (for loop detection). */
static char *node_identity(BlockDriverState *bs)
{
    while (bs->file) {
        bs = bs->file;
    }
    if (!is_plain_name(bs->filename)) {
        return NULL;
    }
    return realpath(bs->filename, NULL);
}

char *bdrv_get_full_backing_filename(BlockDriverState *bs, Error **errp)
{
    const char *name = bs->backing_file;
    if (!*name) {
        return NULL;
    }
    if (name[0] == '/' || bdrv_name_has_protocol(name)) {
        return g_strdup(name);
    }
    const BlockDriverState *base = bs;
    while (base->file) {
        base = base->file;
    }
    const char *dir_of = base->filename;
    if (!is_plain_name(dir_of)) {
        error_setf(errp, "Cannot use relative backing file names for '%s'", bs->filename);
        return NULL;
    }
    if (g_str_has_prefix(dir_of, "file:")) {
        dir_of += strlen("file:");
    }
    const char *slash = strrchr(dir_of, '/');
    if (!slash) {
        return g_strdup(name);
    }
    return g_strdup_printf("%.*s%s", (int)(slash - dir_of + 1), dir_of, name);
}

static bool backing_opts_name_file(QDict *opts)
{
    if (qdict_haskey(opts, "file") || qdict_haskey(opts, "filename")) {
        return true;
    }
    for (size_t i = 0; i < qdict_size(opts); i++) {
        if (g_str_has_prefix(qdict_key_at(opts, i), "file.")) {
            return true;
        }
    }
    return false;
}

static bool chain_contains(const OpenChain *chain, const char *id)
{
    for (; chain; chain = chain->up) {
        if (chain->id && strcmp(chain->id, id) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * Open the backing node of bs. ref is the "backing" option as given (a node
 * name, "" or null for none), bopts the "backing.*" options.
 */
static bool open_backing(BlockDriverState *bs, QObject *ref, QDict *bopts, int flags,
                         const OpenChain *chain, Error **errp)
{
    if (ref) {
        if (qobject_type(ref) == QTYPE_NULL ||
            (qobject_type(ref) == QTYPE_STRING && !*qstring_get(ref))) {
            return true;
        }
        if (qobject_type(ref) != QTYPE_STRING) {
            error_setf(errp, "Invalid parameter type for 'backing', expected: string");
            return false;
        }
        BlockDriverState *node = bdrv_find_node(qstring_get(ref));
        if (!node) {
            error_setf(errp, "Cannot find device='' nor node-name='%s'", qstring_get(ref));
            return false;
        }
        bdrv_set_backing(bs, bdrv_ref(node));
        return true;
    }
    if ((flags & BDRV_O_NO_BACKING) || (!bs->backing_file[0] && !qdict_size(bopts))) {
        return true;
    }

    char *name = NULL;
    if (!backing_opts_name_file(bopts)) {
        if (!bs->backing_file[0]) {
            error_setf(errp, "Backing options given but the image has no backing file");
            return false;
        }
        if (bdrv_name_has_protocol(bs->backing_file) && !is_plain_name(bs->backing_file) &&
            !(flags & BDRV_O_ALLOW_PROTOCOL_BACKING)) {
            error_setf(errp, "Refusing to follow backing file '%s' found in the image: "
                       "pass it explicitly if you trust it", bs->backing_file);
            return false;
        }
        name = bdrv_get_full_backing_filename(bs, errp);
        if (!name) {
            return false;
        }
        if (bs->backing_format[0] && !qdict_haskey(bopts, "driver")) {
            qdict_put_str(bopts, "driver", bs->backing_format);
        }
    }

    /* Backing files are only read. */
    int bflags = flags & ~(BDRV_O_RDWR | BDRV_O_PROTOCOL);
    Error *err = NULL;
    BlockDriverState *backing = open_node(name, qobject_ref(bopts), bflags, chain, &err);
    if (!backing) {
        error_setf(errp, "Could not open backing file: %s", error_message(err));
        error_free(err);
        g_free(name);
        return false;
    }
    g_free(name);
    bdrv_set_backing(bs, backing);    /* hands our reference over */
    return true;
}

/* The protocol (or nested format) child of a format node. */
static BlockDriverState *open_file_child(const char *filename, QDict *options, int flags,
                                         const OpenChain *chain, Error **errp)
{
    QObject *ref = qdict_get(options, "file");
    QDict *copts = qdict_extract_prefix(options, "file");
    if (ref) {
        if (qobject_type(ref) == QTYPE_STRING) {
            BlockDriverState *node = bdrv_find_node(qstring_get(ref));
            if (!node) {
                error_setf(errp, "Cannot find device='' nor node-name='%s'",
                           qstring_get(ref));
            } else {
                bdrv_ref(node);
            }
            qdict_del(options, "file");
            qobject_unref(copts);
            return node;
        }
        qdict_del(options, "file");
    }
    /* A "filename" given to a format node names its file. */
    QObject *fn = qdict_get(options, "filename");
    if (fn && !qdict_haskey(copts, "filename")) {
        qdict_put(copts, "filename", qobject_ref(fn));
    }
    qdict_del(options, "filename");
    if (!filename && !qdict_haskey(copts, "filename") && !qdict_haskey(copts, "driver")) {
        error_setf(errp, "A block device must be specified for \"file\"");
        qobject_unref(copts);
        return NULL;
    }
    int cflags = flags & ~(BDRV_O_NO_BACKING | BDRV_O_PROTOCOL);
    if (!qdict_haskey(copts, "driver")) {
        cflags |= BDRV_O_PROTOCOL;
    }
    if (qdict_haskey(copts, "filename")) {
        filename = NULL;
    }
    OpenChain sub = { NULL, chain, chain ? chain->depth : 0 };
    return open_node(filename, copts, cflags, &sub, errp);
}

static const BlockDriver *probe_child(BlockDriverState *child, Error **errp)
{
    uint8_t buf[BDRV_PROBE_BUF_SIZE];
    int64_t len = bdrv_getlength_bytes(child);
    if (len < 0) {
        error_setf_errno(errp, (int)-len, "Could not determine the image size");
        return NULL;
    }
    int n = len < (int64_t)sizeof(buf) ? (int)len : (int)sizeof(buf);
    memset(buf, 0, sizeof(buf));
    if (n > 0) {
        int ret = bdrv_pread(child, 0, n, buf, 0);
        if (ret < 0) {
            error_setf_errno(errp, -ret, "Could not read image for determining its format");
            return NULL;
        }
    }
    const BlockDriver *drv = bdrv_probe_format(buf, n, child->filename);
    if (!drv) {
        drv = bdrv_find_format("raw");
    }
    if (!drv) {
        error_setf(errp, "Could not determine image format");
    }
    return drv;
}

/*
 * Options that tune how a node works but not what it contains: they do not
 * make a name "json:" (QEMU calls the others "strong" options).
 */
static bool weak_option(const char *key)
{
    static const char *const weak[] = {
        "locking", "aio", "aio-max-batch", "drop-cache", "x-check-cache-dropped",
        "pr-manager", "lazy-refcounts", "cache-size", "l2-cache-size",
        "l2-cache-entry-size", "refcount-cache-size", "cache-clean-interval",
        "discard-no-unref", NULL,
    };
    if (g_str_has_prefix(key, "pass-discard-") || g_str_has_prefix(key, "overlap-check")) {
        return true;
    }
    for (int i = 0; weak[i]; i++) {
        if (strcmp(weak[i], key) == 0) {
            return true;
        }
    }
    return false;
}

/* The options that define what this node reads as (driver, strong options). */
static QDict *strong_options(BlockDriverState *bs)
{
    QDict *out = qdict_new();
    QDict *own = bs->options;
    if (bs->drv->is_protocol) {
        qdict_put_str(out, "driver", bs->drv->format_name);
    }
    for (size_t i = 0; own && i < qdict_size(own); i++) {
        const char *key = qdict_key_at(own, i);
        if (strcmp(key, "driver") != 0 && !weak_option(key)) {
            qdict_put(out, key, qobject_ref(qdict_value_at(own, i)));
        }
    }
    if (!bs->drv->is_protocol) {
        qdict_put_str(out, "driver", bs->drv->format_name);
    }
    if (bs->file) {
        qdict_put(out, "file", strong_options(bs->file));
    }
    return out;
}

/* Does the node read as its file's plain name (no content-changing options)? */
static bool plain_node(BlockDriverState *bs)
{
    if (bs->drv->is_protocol) {
        return !g_str_has_prefix(bs->filename, "json:");
    }
    for (size_t i = 0; i < qdict_size(bs->options); i++) {
        if (!weak_option(qdict_key_at(bs->options, i))) {
            return false;
        }
    }
    return bs->file && plain_node(bs->file) && !g_str_has_prefix(bs->file->filename, "json:");
}

/* What bdrv_get_filename prints: the file's name, or json: when options matter. */
static void refresh_filename(BlockDriverState *bs)
{
    if (bs->drv->is_protocol) {
        return;              /* set by the driver or from the name given */
    }
    if (plain_node(bs)) {
        g_strlcpy(bs->filename, bs->file->filename, sizeof(bs->filename));
        return;
    }
    QDict *strong = strong_options(bs);
    char *json = json_to_string(strong, false);
    g_strlcpy(bs->filename, "json:", sizeof(bs->filename));
    g_strlcat(bs->filename, json, sizeof(bs->filename));
    g_free(json);
    qobject_unref(strong);
}

QDict *bdrv_get_full_options(BlockDriverState *bs)
{
    QDict *out = qdict_new();
    QDict *own = bs->options;
    /* Driver options first, then "driver", then the file child, as QEMU orders them. */
    if (bs->drv->is_protocol) {
        qdict_put_str(out, "driver", bs->drv->format_name);
    }
    for (size_t i = 0; own && i < qdict_size(own); i++) {
        const char *key = qdict_key_at(own, i);
        if (strcmp(key, "driver") != 0) {
            qdict_put(out, key, qobject_ref(qdict_value_at(own, i)));
        }
    }
    if (!bs->drv->is_protocol) {
        qdict_put_str(out, "driver", bs->drv->format_name);
    }
    if (bs->file) {
        qdict_put(out, "file", bdrv_get_full_options(bs->file));
    }
    return out;
}

/* Record the options that define this node (for json: names and reopening). */
static QDict *own_options(QDict *options)
{
    QDict *own = qdict_new();
    for (size_t i = 0; i < qdict_size(options); i++) {
        qdict_put(own, qdict_key_at(options, i), qobject_ref(qdict_value_at(options, i)));
    }
    return own;
}

static bool open_driver(BlockDriverState *bs, QDict *options, int flags, Error **errp)
{
    bs->open_flags = flags;
    bs->read_only = !(flags & BDRV_O_RDWR);
    bs->unmap = (flags & BDRV_O_UNMAP) != 0;
    int ret = bs->drv->open(bs, options, flags, errp);
    if (ret < 0) {
        if (errp && !*errp) {
            error_setf_errno(errp, -ret, "Could not open '%s'", bs->filename);
        }
        return false;
    }
    bs->priv->opened = true;
    return check_leftovers(bs, options, errp);
}

static BlockDriverState *open_protocol(const BlockDriver *drv, const char *filename,
                                       QDict *options, int flags, Error **errp)
{
    BlockDriverState *bs = bdrv_new_node(drv);
    if (filename && !qdict_haskey(options, "filename")) {
        qdict_put_str(options, "filename", filename);
    }
    const char *fn = qdict_get_str(options, "filename");
    g_strlcpy(bs->filename, fn ? fn : "", sizeof(bs->filename));
    bs->options = own_options(options);
    if (!open_driver(bs, options, flags, errp)) {
        bdrv_unref(bs);
        return NULL;
    }
    /* The driver may have normalised the name (e.g. stripped "file:"). */
    qdict_put_str(bs->options, "filename", bs->filename);
    return bs;
}

static BlockDriverState *open_format(const BlockDriver *drv, const char *filename,
                                     QDict *options, int flags, const OpenChain *chain,
                                     Error **errp)
{
    BlockDriverState *file = open_file_child(filename, options, flags, chain, errp);
    if (!file) {
        return NULL;
    }
    bool probed = false;
    if (!drv) {
        drv = probe_child(file, errp);
        if (!drv) {
            bdrv_unref(file);
            return NULL;
        }
        probed = true;
    }
    if (drv->is_protocol) {
        error_setf(errp, "Protocol driver '%s' cannot be used over a file",
                   drv->format_name);
        bdrv_unref(file);
        return NULL;
    }

    BlockDriverState *bs = bdrv_new_node(drv);
    bs->priv->probed = probed;
    bs->file = file;
    bdrv_attach_child(file, false);
    g_strlcpy(bs->filename, file->filename, sizeof(bs->filename));

    QObject *backing_ref = NULL;
    QDict *bopts = NULL;
    if (drv->supports_backing) {
        backing_ref = qobject_ref(qdict_get(options, "backing"));
        qdict_del(options, "backing");
        bopts = qdict_extract_prefix(options, "backing");
    }
    bs->options = own_options(options);

    char *id = node_identity(bs);
    OpenChain here = { id, chain, chain ? chain->depth + 1 : 1 };
    bool ok = open_driver(bs, options, flags, errp);
    if (ok && id && chain_contains(chain, id)) {
        error_setf(errp, "Backing file chain loop detected at '%s'", bs->filename);
        ok = false;
    } else if (ok && here.depth > MAX_CHAIN_DEPTH) {
        error_setf(errp, "Backing chain of '%s' is too deep", bs->filename);
        ok = false;
    }
    if (ok && drv->supports_backing) {
        ok = open_backing(bs, backing_ref, bopts, flags, &here, errp);
    }
    qobject_unref(backing_ref);
    qobject_unref(bopts);
    free(id);
    if (!ok) {
        bdrv_unref(bs);
        return NULL;
    }
    refresh_filename(bs);
    return bs;
}

static BlockDriverState *open_node(const char *filename, QDict *options, int flags,
                                   const OpenChain *chain, Error **errp)
{
    BlockDriverState *bs = NULL;
    GenericOpts g = { 0 };

    if (!options) {
        options = qdict_new();
    }
    if (filename && g_str_has_prefix(filename, "json:")) {
        if (!merge_json_filename(filename, options, errp)) {
            goto out;
        }
        filename = NULL;
    }
    qdict_flatten(options);
    if (!parse_generic(options, &flags, &g, errp)) {
        goto out;
    }

    const BlockDriver *drv = NULL;
    if (g.driver) {
        drv = bdrv_find_format(g.driver);
        if (!drv) {
            error_setf(errp, "Unknown driver '%s'", g.driver);
            goto out;
        }
    } else if (flags & BDRV_O_PROTOCOL) {
        const char *fn = filename ? filename : qdict_get_str(options, "filename");
        drv = bdrv_find_protocol(fn, errp);
        if (!drv) {
            goto out;
        }
    }

    if (drv && drv->is_protocol) {
        bs = open_protocol(drv, filename, options, flags, errp);
    } else {
        bs = open_format(drv, filename, options, flags, chain, errp);
    }
    /* Metadata-only readers lock nothing for raw, but keep writers out of metadata. */
    if (bs && (flags & BDRV_O_NO_IO) && !(flags & BDRV_O_RDWR) && !bs->drv->is_protocol &&
        strcmp(bs->drv->format_name, "raw") != 0 && bs->file &&
        bdrv_file_lock_metadata_reader(bs->file, errp) < 0) {
        bdrv_unref(bs);
        bs = NULL;
    }
    if (bs) {
        bs->detect_zeroes = g.detect_zeroes;
        if (!bdrv_register_node_name(bs, g.node_name, errp)) {
            bdrv_unref(bs);
            bs = NULL;
        }
    }
out:
    g_free(g.driver);
    g_free(g.node_name);
    qobject_unref(options);
    return bs;
}

BlockDriverState *bdrv_open(const char *filename, QDict *options, int flags, Error **errp)
{
    return open_node(filename, options, flags, NULL, errp);
}
