/*
 * qemu-img measure (space a new image needs, for a size or an existing image),
 * qemu-img amend (change format options in place) and qemu-img bitmap (refused:
 * persistent bitmaps are not supported).
 */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "img-tool/img.h"
#include "img-tool/img-create.h"
#include "libcore/cutils.h"
#include "libcore/opts.h"

static void print_measure(const BlockMeasureInfo *info, OutputFormat ofmt)
{
    if (ofmt == OFMT_JSON) {
        QDict *d = qdict_new();
        if (info->has_bitmaps) {
            qdict_put(d, "bitmaps", qnum_from_uint(info->bitmaps));
        }
        qdict_put(d, "required", qnum_from_uint(info->required));
        qdict_put(d, "fully-allocated", qnum_from_uint(info->fully_allocated));
        img_print_json(d);
        qobject_unref(d);
        return;
    }
    printf("required size: %" PRIu64 "\n", info->required);
    printf("fully allocated size: %" PRIu64 "\n", info->fully_allocated);
    if (info->has_bitmaps) {
        printf("bitmaps size: %" PRIu64 "\n", info->bitmaps);
    }
}

typedef struct MeasureArgs {
    ImgOpenOpts o;
    const char *out_fmt, *snapshot, *size;
    char *options;
    OutputFormat ofmt;
} MeasureArgs;

static int do_measure(MeasureArgs *a, const char *filename)
{
    const BlockDriver *drv = bdrv_find_format(a->out_fmt);
    if (!drv) {
        error_report("Unknown file format '%s'", a->out_fmt);
        return 1;
    }
    if (img_opts_is_help(a->options)) {
        img_print_create_help(drv);
        return 0;
    }
    QDict *opts = img_parse_create_opts(drv, a->options, NULL);
    if (!opts) {
        return 1;
    }
    BlockDriverState *in = NULL;
    int ret = 1;
    if (a->size) {
        uint64_t sz;
        if (!img_size_arg(a->size, &sz)) {
            goto out;
        }
        qdict_put(opts, "size", qstring_take(g_strdup_printf("%" PRIu64, sz)));
    } else {
        in = img_open(filename, &a->o);
        if (!in || (a->snapshot && !img_load_snapshot(in, a->snapshot))) {
            goto out;
        }
    }
    BlockMeasureInfo info = { 0 };
    Error *err = NULL;
    if (bdrv_measure(drv, opts, in, &info, &err) < 0) {
        if (err) {
            error_report_err(err);
        } else {
            error_report("Format driver '%s' does not support measure", a->out_fmt);
        }
        goto out;
    }
    print_measure(&info, a->ofmt);
    ret = 0;
out:
    if (in) {
        bdrv_unref(in);
    }
    qobject_unref(opts);
    return ret;
}

int img_cmd_measure(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
        { "object", required_argument, NULL, LOPT_OBJECT },
        { "output", required_argument, NULL, LOPT_OUTPUT },
        { "size", required_argument, NULL, LOPT_SIZE },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    MeasureArgs a = { .out_fmt = "raw" };
    int c, ret = 1;
    while ((c = getopt_long(argc, argv, ":hf:O:o:l:s:U", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': img_print_help(); ret = 0; goto out;
        case 'f': a.o.fmt = optarg; break;
        case 'O': a.out_fmt = optarg; break;
        case 'o': img_opts_append(&a.options, optarg); break;
        case 'l': case 's': a.snapshot = optarg; break;
        case 'U': a.o.force_share = true; break;
        case LOPT_SIZE: a.size = optarg; break;
        case LOPT_OUTPUT:
            if (!img_parse_output(optarg, &a.ofmt)) {
                goto out;
            }
            break;
        case LOPT_IMAGE_OPTS: a.o.image_opts = true; break;
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
    if (argc - optind > 1) {
        error_report("At most one filename argument is allowed.");
        goto out;
    }
    const char *filename = optind < argc ? argv[optind] : NULL;
    if (a.size && filename) {
        error_report("--size N cannot be used together with a filename.");
        goto out;
    }
    if (!a.size && !filename) {
        error_report("Either --size N or one filename must be specified.");
        goto out;
    }
    if (a.size && (a.o.image_opts || a.o.fmt || a.snapshot)) {
        error_report("--image-opts, -f, and -l require a filename argument.");
        goto out;
    }
    ret = do_measure(&a, filename);
out:
    g_free(a.options);
    return ret;
}

/* Options that only make sense at creation time. */
static const char *const not_amendable[] = {
    "cluster_size", "compression_type", "extended_l2", "preallocation", "encryption",
    "encrypt.", "extent_size_hint", "nocow", NULL,
};

static int print_amend_help(const BlockDriver *drv, const char *fmt)
{
    if (!drv) {
        error_report("Unknown file format '%s'", fmt);
        return 1;
    }
    if (!bdrv_create_opts(drv) || strcmp(fmt, "raw") == 0 || strcmp(fmt, "file") == 0) {
        error_report("Format driver '%s' does not support option amendment", fmt);
        return 1;
    }
    char *header = g_strdup_printf("Amend options for '%s':", fmt);
    img_print_opts_help(drv, header, not_amendable);
    g_free(header);
    return 0;
}

static int do_amend(const char *filename, ImgOpenOpts *o, const char *options, bool force,
                    bool progress)
{
    BlockDriverState *bs = img_open(filename, o);
    if (!bs) {
        return 1;
    }
    int ret = 1;
    const BlockDriver *drv = bdrv_find_format(bdrv_get_format_name(bs));
    if (img_opts_is_help(options)) {
        ret = print_amend_help(drv, bdrv_get_format_name(bs));
        goto out;
    }
    Error *err = NULL;
    QDict *opts = opts_parse_full(options, NULL, OPTS_BARE_KEYS, &err);
    if (!opts) {
        error_prepend(&err, "Invalid options for file format '%s': ",
                      bdrv_get_format_name(bs));
        error_report_err(err);
        goto out;
    }
    progress_init(progress, 1.0);
    int r = bdrv_amend(bs, opts, force, &err);
    qobject_unref(opts);
    if (r < 0) {
        if (err) {
            error_report_err(err);
        } else if (r == -ENOTSUP) {
            error_report("Format driver '%s' does not support option amendment",
                         bdrv_get_format_name(bs));
        } else {
            error_report("Error while amending options: %s", g_strerror(-r));
        }
        goto out;
    }
    progress_update(1, 1);
    progress_end();   /* amend has no intermediate steps to report */
    ret = 0;
out:
    bdrv_unref(bs);
    return ret;
}

int img_cmd_amend(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, LOPT_OBJECT },
        { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
        { "force", no_argument, NULL, LOPT_FORCE },
        { NULL, 0, NULL, 0 },
    };
    ImgOpenOpts o = { .flags = BDRV_O_RDWR };
    char *options = NULL;
    bool force = false, progress = false, quiet = false;
    int c, ret = 1;
    while ((c = getopt_long(argc, argv, ":ho:f:t:pq", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': img_print_help(); ret = 0; goto out;
        case 'o': img_opts_append(&options, optarg); break;
        case 'f': o.fmt = optarg; break;
        case 't':
            if (!img_parse_cache(optarg, &o.flags)) {
                goto out;
            }
            break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case LOPT_FORCE: force = true; break;
        case LOPT_IMAGE_OPTS: o.image_opts = true; break;
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
    if (!options) {
        ret = img_usage_error("Must specify options (-o)");
        goto out;
    }
    if (quiet) {
        progress = false;
    }
    if (img_opts_is_help(options) && o.fmt && optind == argc) {
        ret = print_amend_help(bdrv_find_format(o.fmt), o.fmt);
        goto out;
    }
    if (optind != argc - 1) {
        ret = img_usage_error("Expecting one image file name");
        goto out;
    }
    ret = do_amend(argv[optind], &o, options, force, progress);
out:
    g_free(options);
    return ret;
}

int img_cmd_bitmap(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    error_report("bitmap: persistent dirty bitmaps are not supported by this build");
    return 1;
}
