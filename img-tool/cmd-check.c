/*
 * qemu-img check: run the format's consistency check (optionally repairing),
 * print QEMU's summary and map the result to QEMU's exit codes:
 * 0 clean, 1 check not completed, 2 corruptions, 3 leaks only, 63 no check.
 */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "img-tool/img.h"

enum { CHECK_EXIT_OK = 0, CHECK_EXIT_FAILED = 1, CHECK_EXIT_CORRUPT = 2,
       CHECK_EXIT_LEAKS = 3, CHECK_EXIT_UNSUPPORTED = 63 };

static void put_nonzero(QDict *d, const char *key, int64_t v)
{
    if (v) {
        qdict_put_int(d, key, v);
    }
}

static void dump_json(BlockDriverState *bs, const char *filename, const BdrvCheckResult *r)
{
    QDict *d = qdict_new();
    put_nonzero(d, "image-end-offset", r->image_end_offset);
    put_nonzero(d, "compressed-clusters", r->compressed_clusters);
    put_nonzero(d, "total-clusters", r->total_clusters);
    put_nonzero(d, "corruptions", r->corruptions);
    put_nonzero(d, "corruptions-fixed", r->corruptions_fixed);
    qdict_put_int(d, "check-errors", r->check_errors);
    put_nonzero(d, "leaks", r->leaks);
    put_nonzero(d, "leaks-fixed", r->leaks_fixed);
    put_nonzero(d, "allocated-clusters", r->allocated_clusters);
    qdict_put_str(d, "filename", filename);
    qdict_put_str(d, "format", bdrv_get_format_name(bs));
    put_nonzero(d, "fragmented-clusters", r->fragmented_clusters);
    img_print_json(d);
    qobject_unref(d);
}

static void dump_human(const BdrvCheckResult *r)
{
    if (!r->corruptions && !r->leaks && !r->check_errors) {
        printf("No errors were found on the image.\n");
    } else {
        if (r->corruptions) {
            printf("\n%d errors were found on the image.\n"
                   "Data may be corrupted, or further writes to the image may corrupt it.\n",
                   r->corruptions);
        }
        if (r->leaks) {
            printf("\n%d leaked clusters were found on the image.\n"
                   "This means waste of disk space, but no harm to data.\n", r->leaks);
        }
        if (r->check_errors) {
            printf("\n%d internal errors have occurred during the check.\n", r->check_errors);
        }
    }
    if (r->total_clusters != 0 && r->allocated_clusters != 0) {
        double total = (double)r->total_clusters, alloc = (double)r->allocated_clusters;
        printf("%" PRId64 "/%" PRId64 " = %0.2f%% allocated, %0.2f%% fragmented, "
               "%0.2f%% compressed clusters\n",
               r->allocated_clusters, r->total_clusters, alloc * 100.0 / total,
               (double)r->fragmented_clusters * 100.0 / alloc,
               (double)r->compressed_clusters * 100.0 / alloc);
    }
    if (r->image_end_offset > 0) {
        printf("Image end offset: %" PRId64 "\n", r->image_end_offset);
    }
}

/* Check, repair when asked, and re-check a repaired image like QEMU. */
static int run_check(BlockDriverState *bs, int fix, OutputFormat ofmt, bool quiet,
                     BdrvCheckResult *out)
{
    BdrvCheckResult r = { 0 };
    int ret = bdrv_check(bs, &r, fix);
    if (ret < 0) {
        return ret;
    }
    if (fix && (r.leaks_fixed || r.corruptions_fixed)) {
        if (ofmt == OFMT_HUMAN && !quiet) {
            printf("The following inconsistencies were found and repaired:\n\n"
                   "    %d leaked clusters\n    %d corruptions\n\n"
                   "Double checking the fixed image now...\n",
                   r.leaks_fixed, r.corruptions_fixed);
            fflush(stdout);
        }
        BdrvCheckResult again = { 0 };
        ret = bdrv_check(bs, &again, 0);
        if (ret < 0) {
            return ret;
        }
        again.leaks_fixed = r.leaks_fixed;
        again.corruptions_fixed = r.corruptions_fixed;
        r = again;
    }
    *out = r;
    return 0;
}

int img_cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, 'f' },
        { "repair", required_argument, NULL, 'r' },
        { "output", required_argument, NULL, LOPT_OUTPUT },
        { "object", required_argument, NULL, LOPT_OBJECT },
        { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    ImgOpenOpts o = { .flags = BDRV_O_CHECK };
    OutputFormat ofmt = OFMT_HUMAN;
    int fix = 0, c;
    bool quiet = false;
    while ((c = getopt_long(argc, argv, ":hf:r:T:qU", longopts, NULL)) != -1) {
        int stop_rc;
        switch (c) {
        case 'f': o.fmt = optarg; break;
        case 'h': img_print_help(); return 0;
        case 'r':
            if (strcmp(optarg, "leaks") == 0) {
                fix = BDRV_FIX_LEAKS;
            } else if (strcmp(optarg, "all") == 0) {
                fix = BDRV_FIX_LEAKS | BDRV_FIX_ERRORS;
            } else {
                return img_usage_error("Unknown option value for -r "
                                       "(expecting 'leaks' or 'all'): %s", optarg);
            }
            o.flags |= BDRV_O_RDWR;
            break;
        case 'T':
            if (!img_parse_cache(optarg, &o.flags)) {
                return 1;
            }
            break;
        case 'q': quiet = true; break;
        case 'U': o.force_share = true; break;
        case LOPT_OUTPUT:
            if (!img_parse_output(optarg, &ofmt)) {
                return 1;
            }
            break;
        case LOPT_IMAGE_OPTS: o.image_opts = true; break;
        case LOPT_OBJECT:
            if (img_object_opt(optarg, &stop_rc)) {
                return stop_rc;
            }
            break;
        default:
            return img_getopt_error(argc, argv, c);
        }
    }
    if (optind != argc - 1) {
        return img_usage_error("Expecting one image file name");
    }
    const char *filename = argv[optind];
    BlockDriverState *bs = img_open(filename, &o);
    if (!bs) {
        return 1;
    }
    BdrvCheckResult r = { 0 };
    int ret = run_check(bs, fix, ofmt, quiet, &r);
    int status;
    if (ret == -ENOTSUP) {
        error_report("This image format does not support checks");
        status = CHECK_EXIT_UNSUPPORTED;
    } else if (ret < 0) {
        error_report("Check failed: %s", g_strerror(-ret));
        status = CHECK_EXIT_FAILED;
    } else {
        if (ofmt == OFMT_JSON) {
            dump_json(bs, o.image_opts ? bdrv_get_filename(bs) : filename, &r);
        } else if (!quiet) {
            dump_human(&r);
        }
        if (r.check_errors) {
            error_report("Check failed");    /* after the report, as QEMU does */
        }
        status = r.check_errors ? CHECK_EXIT_FAILED
               : r.corruptions ? CHECK_EXIT_CORRUPT
               : r.leaks ? CHECK_EXIT_LEAKS : CHECK_EXIT_OK;
    }
    bdrv_unref(bs);
    return status;
}
