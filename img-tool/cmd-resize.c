/*
 * qemu-img resize (absolute or +/- relative sizes, --shrink, --preallocation)
 * and qemu-img snapshot (-l list, -c create, -a apply, -d delete).
 */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <glib.h>
#include "img-tool/img.h"
#include "libcore/cutils.h"

static bool parse_resize_size(const char *arg, int *relative, uint64_t *out)
{
    *relative = 0;
    if (arg[0] == '+' || arg[0] == '-') {
        *relative = arg[0] == '+' ? 1 : -1;
        arg++;
    }
    Error *err = NULL;
    if (!parse_size(arg, 'B', out, &err) || *out > INT64_MAX) {
        error_free(err);
        error_report("Parameter 'size' expects a non-negative number below 2^64");
        fprintf(stderr, "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, "
                        "tera-, peta-\nand exabytes, respectively.\n");
        return false;
    }
    return true;
}

int img_cmd_resize(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, LOPT_OBJECT },
        { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
        { "preallocation", required_argument, NULL, LOPT_PREALLOC },
        { "shrink", no_argument, NULL, LOPT_SHRINK },
        { NULL, 0, NULL, 0 },
    };
    /* A size like "-1G" would look like an option to getopt: take it first. */
    if (argc < 3) {
        return img_usage_error("Not enough arguments");
    }
    const char *size_arg = argv[--argc];
    ImgOpenOpts o = { .flags = BDRV_O_RDWR };
    PreallocMode prealloc = PREALLOC_MODE_OFF;
    bool quiet = false, shrink = false;
    int c;
    while ((c = getopt_long(argc, argv, ":f:hqU", longopts, NULL)) != -1) {
        int stop_rc;
        Error *err = NULL;
        switch (c) {
        case 'f': o.fmt = optarg; break;
        case 'h': img_print_help(); return 0;
        case 'q': quiet = true; break;
        case 'U': o.force_share = true; break;
        case LOPT_SHRINK: shrink = true; break;
        case LOPT_PREALLOC:
            if (!prealloc_mode_parse(optarg, &prealloc, &err)) {
                error_free(err);
                error_report("Invalid preallocation mode '%s'", optarg);
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
        return img_usage_error("Expecting image file name and size");
    }
    int rel;
    uint64_t n;
    if (!parse_resize_size(size_arg, &rel, &n)) {
        return 1;
    }
    BlockDriverState *bs = img_open(argv[optind], &o);
    if (!bs) {
        return 1;
    }
    int ret = 1;
    int64_t cur = bdrv_getlength(bs);
    if (cur < 0) {
        error_report("Could not get the image size: %s", g_strerror((int)-cur));
        goto out;
    }
    int64_t want = rel > 0 ? cur + (int64_t)n : rel < 0 ? cur - (int64_t)n : (int64_t)n;
    if (want <= 0 || (rel > 0 && want < cur)) {
        error_report("New image size must be positive");
        goto out;
    }
    if (want < cur && prealloc != PREALLOC_MODE_OFF) {
        error_report("Preallocation can only be used for growing images");
        goto out;
    }
    if (want < cur && !shrink) {
        error_report("Use the --shrink option to perform a shrink operation.");
        error_report("warning: Shrinking an image will delete all data beyond the shrunken "
                     "image's end. Before performing such an operation, make sure there is "
                     "no important data there.");
        goto out;
    }
    Error *err = NULL;
    if (bdrv_truncate(bs, want, false, prealloc, &err) < 0) {
        if (err) {
            error_report_err(err);
        } else {
            error_report("Error resizing image");
        }
        goto out;
    }
    if (!quiet) {
        printf("Image resized.\n");
    }
    ret = 0;
out:
    bdrv_unref(bs);
    return ret;
}

/* ---- snapshot ---- */

enum { SN_NONE, SN_LIST, SN_APPLY, SN_CREATE, SN_DELETE };

static const SnapshotInfo *find_snapshot(const SnapshotInfo *sn, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(sn[i].id_str, name) == 0) {
            return &sn[i];
        }
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(sn[i].name, name) == 0) {
            return &sn[i];
        }
    }
    return NULL;
}

static int snapshot_list(BlockDriverState *bs)
{
    SnapshotInfo *sn = NULL;
    int n = bdrv_snapshot_list(bs, &sn);
    if (n > 0) {
        printf("Snapshot list:\n");
        img_dump_snapshots(sn, n);
    }
    g_free(sn);
    return 0;
}

static int snapshot_create(BlockDriverState *bs, const char *name)
{
    SnapshotInfo sn = { .icount = 0 };
    g_strlcpy(sn.name, name, sizeof(sn.name));
    struct timeval tv;
    gettimeofday(&tv, NULL);
    sn.date_sec = (uint32_t)tv.tv_sec;
    sn.date_nsec = (uint32_t)tv.tv_usec * 1000;
    Error *err = NULL;
    int r = bdrv_snapshot_create(bs, &sn, &err);
    if (r < 0) {
        if (err) {
            error_report("Could not create snapshot '%s': %s", name, error_message(err));
            error_free(err);
        } else {
            error_report("Could not create snapshot '%s': %d (%s)", name, r, g_strerror(-r));
        }
        return 1;
    }
    return 0;
}

static int snapshot_delete(BlockDriverState *bs, const char *name)
{
    SnapshotInfo *sn = NULL;
    int n = bdrv_snapshot_list(bs, &sn);
    const SnapshotInfo *s = n > 0 ? find_snapshot(sn, n, name) : NULL;
    int ret = 1;
    Error *err = NULL;
    if (!s) {
        error_report("Could not delete snapshot '%s': snapshot not found", name);
    } else if (bdrv_snapshot_delete(bs, s->id_str, s->name, &err) < 0) {
        error_report("Could not delete snapshot '%s': %s", name,
                     err ? error_message(err) : "failed");
        error_free(err);
    } else {
        ret = 0;
    }
    g_free(sn);
    return ret;
}

static int snapshot_apply(BlockDriverState *bs, const char *name)
{
    Error *err = NULL;
    if (bdrv_snapshot_goto(bs, name, &err) < 0) {
        error_report("Could not apply snapshot '%s': %s", name,
                     err ? error_message(err) : "failed");
        error_free(err);
        return 1;
    }
    return 0;
}

int img_cmd_snapshot(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, LOPT_OBJECT },
        { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    ImgOpenOpts o = { .flags = BDRV_O_NO_BACKING };
    int action = SN_NONE, c;
    const char *name = NULL;
    while ((c = getopt_long(argc, argv, ":la:c:d:f:hqU", longopts, NULL)) != -1) {
        int stop_rc;
        int want = c == 'l' ? SN_LIST : c == 'a' ? SN_APPLY : c == 'c' ? SN_CREATE
                 : c == 'd' ? SN_DELETE : SN_NONE;
        if (want != SN_NONE) {
            if (action != SN_NONE) {
                return img_usage_error("Cannot mix '-l', '-a', '-c', '-d'");
            }
            action = want;
            name = optarg;
            continue;
        }
        switch (c) {
        case 'f': o.fmt = optarg; break;
        case 'h': img_print_help(); return 0;
        case 'q': o.quiet = true; break;
        case 'U': o.force_share = true; break;
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
    if (action != SN_LIST && action != SN_NONE) {
        o.flags |= BDRV_O_RDWR;
    }
    BlockDriverState *bs = img_open(argv[optind], &o);
    if (!bs) {
        return 1;
    }
    int ret = 0;
    switch (action) {
    case SN_LIST: ret = snapshot_list(bs); break;
    case SN_CREATE: ret = snapshot_create(bs, name); break;
    case SN_APPLY: ret = snapshot_apply(bs, name); break;
    case SN_DELETE: ret = snapshot_delete(bs, name); break;
    default: break;
    }
    bdrv_unref(bs);
    return ret;
}
