/*
 * qemu-img create: parse -o lists, resolve the size (argument or backing
 * file), print QEMU's "Formatting ..." line and hand over to bdrv_create.
 * Also the -o helpers convert, amend and measure share.
 */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "img-tool/img.h"
#include "img-tool/img-create.h"
#include "libcore/cutils.h"
#include "libcore/opts.h"

static const char *opt_type_name(CreateOptType t)
{
    switch (t) {
    case OPT_BOOL:
        return "bool (on/off)";
    case OPT_SIZE:
        return "size";
    case OPT_NUMBER:
        return "num";
    default:
        return "str";
    }
}

static int desc_cmp(const void *a, const void *b)
{
    const CreateOptDesc *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

void img_print_create_help(const BlockDriver *drv)
{
    img_print_opts_help(drv, "Supported options:", NULL);
}

static bool excluded(const char *const *exclude, const char *name)
{
    for (size_t i = 0; exclude && exclude[i]; i++) {
        size_t n = strlen(exclude[i]);
        if (exclude[i][n - 1] == '.' ? strncmp(exclude[i], name, n) == 0
                                     : strcmp(exclude[i], name) == 0) {
            return true;
        }
    }
    return false;
}

void img_print_opts_help(const BlockDriver *drv, const char *header,
                         const char *const *exclude)
{
    const CreateOptDesc *desc = bdrv_create_opts(drv);
    size_t n = 0;
    while (desc && desc[n].name) {
        n++;
    }
    const CreateOptDesc **sorted = g_new(const CreateOptDesc *, n + 1);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!excluded(exclude, desc[i].name)) {
            sorted[m++] = &desc[i];
        }
    }
    n = m;
    qsort(sorted, n, sizeof(*sorted), desc_cmp);
    printf("%s\n", header);
    for (size_t i = 0; i < n; i++) {
        char *left = g_strdup_printf("%s=<%s>", sorted[i]->name, opt_type_name(sorted[i]->type));
        if (sorted[i]->help) {
            printf("  %-22s - %s\n", left, sorted[i]->help);
        } else {
            printf("  %s\n", left);
        }
        g_free(left);
    }
    g_free(sorted);
}

bool img_opts_append(char **acc, const char *arg)
{
    if (!*acc) {
        *acc = g_strdup(arg);
    } else {
        char *n = g_strdup_printf("%s,%s", *acc, arg);
        g_free(*acc);
        *acc = n;
    }
    return true;
}

const CreateOptDesc *img_find_create_opt(const BlockDriver *drv, const char *name)
{
    for (const CreateOptDesc *d = bdrv_create_opts(drv); d && d->name; d++) {
        if (strcmp(d->name, name) == 0) {
            return d;
        }
    }
    return NULL;
}

QDict *img_parse_create_opts(const BlockDriver *drv, const char *optstr, const char *ctx)
{
    Error *err = NULL;
    QDict *opts = optstr ? opts_parse_full(optstr, NULL, OPTS_BARE_KEYS, &err) : qdict_new();
    if (!opts) {
        error_prepend(&err, "Invalid option list: ");
        error_report_err(err);
        return NULL;
    }
    for (size_t i = 0; i < qdict_size(opts); i++) {
        const char *key = qdict_key_at(opts, i);
        if (!img_find_create_opt(drv, key)) {
            if (ctx) {
                error_report("%s: Invalid parameter '%s'", ctx, key);
            } else {
                error_report("Invalid parameter '%s'", key);
            }
            qobject_unref(opts);
            return NULL;
        }
    }
    return opts;
}

/* QEMU's order for the Formatting line: qcow2 has its own, others start with size. */
static const char *const qcow2_order[] = {
    "encrypt.*", "encryption", "cluster_size", "extended_l2", "preallocation",
    "compression_type", "size", "compat", "backing_file", "backing_fmt", "data_file",
    "data_file_raw", "lazy_refcounts", "refcount_bits", "nocow", "extent_size_hint", NULL,
};
static const char *const generic_order[] = {
    "encrypt.*", "size", "backing_file", "backing_fmt", "*", "preallocation", "nocow",
    "extent_size_hint", NULL,
};

static bool key_matches(const char *pattern, const char *key)
{
    size_t n = strlen(pattern);
    if (n >= 2 && strcmp(pattern + n - 2, ".*") == 0) {
        return strncmp(key, pattern, n - 1) == 0;
    }
    return strcmp(pattern, key) == 0;
}

static bool in_order_list(const char *const *order, const char *key)
{
    for (size_t i = 0; order[i]; i++) {
        if (strcmp(order[i], "*") != 0 && key_matches(order[i], key)) {
            return true;
        }
    }
    return false;
}

static void print_one(GString *s, const BlockDriver *drv, const char *key, QDict *opts)
{
    const char *val = qdict_get_str(opts, key);
    const CreateOptDesc *d = img_find_create_opt(drv, key);
    if (!val) {
        val = d ? d->def_value : NULL;
    }
    if (!val) {
        return;
    }
    uint64_t sz;
    Error *err = NULL;
    if (d && d->type == OPT_SIZE && parse_size(val, 'B', &sz, &err)) {
        g_string_append_printf(s, " %s=%" PRIu64, key, sz);
    } else {
        error_free(err);
        g_string_append_printf(s, " %s=%s", key, val);
    }
}

/* Every key of the table and of the dict, in the wanted order, once. */
static void append_in_order(GString *s, const BlockDriver *drv, QDict *opts,
                            const char *const *order)
{
    GHashTable *done = g_hash_table_new(g_str_hash, g_str_equal);
    const CreateOptDesc *desc = bdrv_create_opts(drv);
    for (size_t i = 0; order[i]; i++) {
        for (const CreateOptDesc *d = desc; d && d->name; d++) {
            bool wild = strcmp(order[i], "*") == 0;
            if (g_hash_table_contains(done, d->name) ||
                (wild ? in_order_list(order, d->name) : !key_matches(order[i], d->name))) {
                continue;
            }
            g_hash_table_add(done, (gpointer)d->name);
            print_one(s, drv, d->name, opts);
        }
    }
    for (const CreateOptDesc *d = desc; d && d->name; d++) {
        if (!g_hash_table_contains(done, d->name)) {
            print_one(s, drv, d->name, opts);
        }
    }
    g_hash_table_destroy(done);
}

void img_print_formatting(const char *filename, const BlockDriver *drv, QDict *opts)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "Formatting '%s', fmt=%s", filename, bdrv_driver_name(drv));
    const char *const *order =
        strcmp(bdrv_driver_name(drv), "qcow2") == 0 ? qcow2_order : generic_order;
    append_in_order(s, drv, opts, order);
    printf("%s\n", s->str);
    fflush(stdout);
    g_string_free(s, true);
}

/* A relative backing name is relative to the directory of the new image. */
char *img_backing_path(const char *image, const char *backing)
{
    if (g_path_is_absolute(backing) || strstr(backing, ":")) {
        return g_strdup(backing);
    }
    char *dir = g_path_get_dirname(image);
    char *full = strcmp(dir, ".") == 0 ? g_strdup(backing)
                                       : g_strdup_printf("%s/%s", dir, backing);
    g_free(dir);
    return full;
}

/* Open the backing file the way create checks it; prints errors. */
static BlockDriverState *open_backing_for_create(const char *filename, const char *backing,
                                                 const char *backing_fmt)
{
    char *path = img_backing_path(filename, backing);
    QDict *o = qdict_new();
    if (backing_fmt) {
        qdict_put_str(o, "driver", backing_fmt);
    }
    Error *err = NULL;
    BlockDriverState *bs = bdrv_open(path, o, BDRV_O_FORCE_SHARE, &err);
    g_free(path);
    if (!bs) {
        error_report("%s: %s", filename, error_message(err));
        fprintf(stderr, "Could not open backing image.\n");
        error_free(err);
    }
    return bs;
}

typedef struct CreateArgs {
    const char *fmt;
    const char *base;
    const char *base_fmt;
    char *options;
    bool quiet;
    bool unsafe;
} CreateArgs;

static int do_create(const CreateArgs *a, const char *filename, const char *size_arg)
{
    const BlockDriver *drv = bdrv_find_format(a->fmt);
    if (!drv) {
        error_report("%s: Unknown file format '%s'", filename, a->fmt);
        return 1;
    }
    QDict *opts = img_parse_create_opts(drv, a->options, filename);
    if (!opts) {
        return 1;
    }
    int ret = 1;
    if (size_arg) {
        uint64_t size;
        if (!img_size_arg(size_arg, &size)) {
            goto out;
        }
        qdict_put(opts, "size", qstring_take(g_strdup_printf("%" PRIu64, size)));
    }
    if (a->base) {
        if (!bdrv_supports_backing(drv)) {
            error_report("%s: Backing file not supported for file format '%s'", filename,
                         a->fmt);
            goto out;
        }
        qdict_put_str(opts, "backing_file", a->base);
    }
    if (a->base_fmt) {
        qdict_put_str(opts, "backing_fmt", a->base_fmt);
    }
    const char *backing = qdict_get_str(opts, "backing_file");
    const char *backing_fmt = qdict_get_str(opts, "backing_fmt");
    if (backing && !a->unsafe) {
        BlockDriverState *bbs = open_backing_for_create(filename, backing, backing_fmt);
        if (!bbs) {
            goto out;
        }
        if (!backing_fmt) {
            error_report("%s: Backing file specified without backing format", filename);
            fprintf(stderr, "Detected format of %s.\n", bdrv_get_format_name(bbs));
            bdrv_unref(bbs);
            goto out;
        }
        if (!qdict_haskey(opts, "size")) {
            int64_t len = bdrv_getlength(bbs);
            if (len < 0) {
                error_report("%s: Could not get the size of the backing image", filename);
                bdrv_unref(bbs);
                goto out;
            }
            qdict_put(opts, "size", qstring_take(g_strdup_printf("%" PRId64, len)));
        }
        bdrv_unref(bbs);
    } else if (backing && !backing_fmt) {
        error_report("%s: Backing file specified without backing format", filename);
        goto out;
    }
    if (!qdict_haskey(opts, "size")) {
        error_report("%s: Image creation needs a size parameter", filename);
        goto out;
    }
    if (!a->quiet) {
        img_print_formatting(filename, drv, opts);
    }
    if (backing_fmt && !backing) {
        error_report("%s: Backing format cannot be used without backing file", filename);
        goto out;
    }
    Error *err = NULL;
    if (bdrv_create(drv, filename, opts, &err) < 0) {
        error_report("%s: %s", filename, err ? error_message(err) : "Image creation failed");
        error_free(err);
        goto out;
    }
    ret = 0;
out:
    qobject_unref(opts);
    return ret;
}

int img_cmd_create(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, LOPT_OBJECT },
        { NULL, 0, NULL, 0 },
    };
    CreateArgs a = { .fmt = "raw" };
    int c, ret = 1;
    while ((c = getopt_long(argc, argv, ":F:b:f:ho:qu", longopts, NULL)) != -1) {
        switch (c) {
        case 'F': a.base_fmt = optarg; break;
        case 'b': a.base = optarg; break;
        case 'f': a.fmt = optarg; break;
        case 'h': img_print_help(); ret = 0; goto out;
        case 'o': img_opts_append(&a.options, optarg); break;
        case 'q': a.quiet = true; break;
        case 'u': a.unsafe = true; break;
        case LOPT_OBJECT:
            if (img_object_opt(optarg, &ret)) {
                goto out;
            }
            break;
        default:
            ret = img_getopt_error(argc, argv, c);
            goto out;
        }
    }
    if (img_opts_is_help(a.options)) {
        const BlockDriver *drv = bdrv_find_format(a.fmt);
        if (!drv) {
            error_report("Unknown file format '%s'", a.fmt);
            goto out;
        }
        img_print_create_help(drv);
        ret = 0;
        goto out;
    }
    if (optind >= argc) {
        ret = img_usage_error("Expecting image file name");
        goto out;
    }
    const char *filename = argv[optind++];
    const char *size = optind < argc ? argv[optind++] : NULL;
    if (optind != argc) {
        ret = img_usage_error("Unexpected argument: %s", argv[optind]);
        goto out;
    }
    ret = do_create(&a, filename, size);
out:
    g_free(a.options);
    return ret;
}
