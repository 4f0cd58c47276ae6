/*
 * Opening what qemu-nbd exports. The image is built in layers, each one a
 * node of the block graph: the image itself (format probed or -f, or
 * --image-opts), optionally an internal snapshot loaded in place (-l), a
 * temporary qcow2 overlay taking the writes (-s), and a raw window over the
 * result for -o/-P. Discard and detect-zeroes apply to the top layer.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "block/block.h"
#include "libcore/opts.h"
#include "nbd-tool/nbd-tool.h"

void nbd_tool_warn_probed_raw(const char *filename)
{
    fprintf(stderr,
            "WARNING: Image format was not specified for '%s' and probing guessed raw.\n"
            "         Automatically detecting the format is dangerous for raw images, "
            "write operations on block 0 will be restricted.\n"
            "         Specify the 'raw' format explicitly to remove the restrictions.\n",
            filename);
}

static bool discard_unmap(const NbdToolOpts *o)
{
    return o->discard && (strcmp(o->discard, "unmap") == 0 || strcmp(o->discard, "on") == 0);
}

/* Flags every layer shares: cache mode and discard. */
static int base_flags(const NbdToolOpts *o)
{
    int flags = o->cache_flags;
    if (discard_unmap(o)) {
        flags |= BDRV_O_UNMAP;
    }
    return flags;
}

/* The options the image's own node is opened with (NULL after an error). */
static QDict *image_options(const NbdToolOpts *o, Error **errp)
{
    QDict *opts;
    if (o->image_opts) {
        opts = opts_parse(o->filename, NULL, errp);
        if (!opts) {
            return NULL;
        }
    } else {
        opts = qdict_new();
        if (o->fmt) {
            qdict_put_str(opts, "driver", o->fmt);
        }
    }
    if (o->aio) {
        /* The protocol node takes aio; a bare protocol driver takes it itself. */
        const char *drv = qdict_get_str(opts, "driver");
        bool protocol = drv && !strcmp(drv, "file");
        const char *key = protocol ? "aio" : "file.aio";
        if (!qdict_haskey(opts, key)) {
            qdict_put_str(opts, key, o->aio);
        }
    }
    return opts;
}

/* Open the image node itself; read-only when -l or -s keeps it untouched. */
static BlockDriverState *open_base(const NbdToolOpts *o, bool top, Error **errp)
{
    QDict *opts = image_options(o, errp);
    if (!opts) {
        return NULL;
    }
    int flags = base_flags(o);
    if (!o->read_only && !o->snapshot && !o->load_snapshot) {
        flags |= BDRV_O_RDWR;
    }
    if (top && o->detect_zeroes && !qdict_haskey(opts, "detect-zeroes")) {
        qdict_put_str(opts, "detect-zeroes", o->detect_zeroes);
    }
    Error *err = NULL;
    const char *name = o->image_opts ? NULL : o->filename;
    BlockDriverState *bs = bdrv_open(name, opts, flags, &err);
    if (!bs) {
        error_setf(errp, "Failed to blk_new_open '%s': %s", o->filename, error_message(err));
        error_free(err);
        return NULL;
    }
    if (!o->image_opts && !o->fmt && (flags & BDRV_O_RDWR) &&
        strcmp(bdrv_get_format_name(bs), "raw") == 0) {
        nbd_tool_warn_probed_raw(o->filename);
    }
    if (o->load_snapshot && bdrv_snapshot_load_tmp_param(bs, o->load_snapshot, true, &err) < 0) {
        error_setf(errp, "Failed to load snapshot: %s", error_message(err));
        error_free(err);
        bdrv_unref(bs);
        return NULL;
    }
    return bs;
}

/* -s: an empty qcow2 in $TMPDIR (default /var/tmp) over base, unlinked once open. */
static BlockDriverState *open_overlay(const NbdToolOpts *o, BlockDriverState *base, bool top,
                                      Error **errp)
{
    const char *tmpdir = g_getenv("TMPDIR");
    char *path = g_strdup_printf("%s/qemu-nbd-snapshot.XXXXXX",
                                 tmpdir && *tmpdir ? tmpdir : "/var/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        error_setf_errno(errp, errno, "Could not create the temporary overlay '%s'", path);
        g_free(path);
        return NULL;
    }
    close(fd);

    BlockDriverState *bs = NULL;
    int64_t len = bdrv_getlength(base);
    const BlockDriver *qcow2 = bdrv_find_format("qcow2");
    if (len < 0 || !qcow2) {
        error_setf(errp, "Could not create the temporary overlay: %s",
                   len < 0 ? g_strerror((int)-len) : "no qcow2 driver");
        goto out;
    }
    QDict *copts = qdict_new();
    char *size = g_strdup_printf("%" PRId64, len);
    qdict_put_str(copts, "size", size);
    g_free(size);
    if (bdrv_create(qcow2, path, copts, errp) < 0) {
        qobject_unref(copts);
        goto out;
    }
    qobject_unref(copts);

    QDict *opts = qdict_new();
    qdict_put_str(opts, "driver", "qcow2");
    qdict_put_str(opts, "backing", bdrv_get_node_name(base));
    /* Nothing in a throw-away file is worth a flush. */
    qdict_put_str(opts, "cache.no-flush", "on");
    if (top && o->detect_zeroes) {
        qdict_put_str(opts, "detect-zeroes", o->detect_zeroes);
    }
    int flags = base_flags(o) | BDRV_O_RDWR;
    bs = bdrv_open(path, opts, flags, errp);
out:
    /* Once open, the file lives on through our fds and vanishes at exit. */
    unlink(path);
    g_free(path);
    return bs;
}

/* -o / -P: a raw window [offset, offset + size) over node (size 0: to the end). */
static BlockDriverState *open_window(const NbdToolOpts *o, BlockDriverState *node,
                                     uint64_t offset, uint64_t size, Error **errp)
{
    QDict *opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    qdict_put_str(opts, "file", bdrv_get_node_name(node));
    char *num = g_strdup_printf("%" PRIu64, offset);
    qdict_put_str(opts, "offset", num);
    g_free(num);
    if (size) {
        num = g_strdup_printf("%" PRIu64, size);
        qdict_put_str(opts, "size", num);
        g_free(num);
    }
    if (o->detect_zeroes) {
        qdict_put_str(opts, "detect-zeroes", o->detect_zeroes);
    }
    int flags = base_flags(o);
    if (!bdrv_is_read_only(node)) {
        flags |= BDRV_O_RDWR;
    }
    return bdrv_open(NULL, opts, flags, errp);
}

/* Where -o/-P place the window; false after an error. */
static bool window_of(const NbdToolOpts *o, BlockDriverState *node, uint64_t *offset,
                      uint64_t *size, Error **errp)
{
    if (o->has_offset) {
        *offset = o->offset;
        *size = 0;
        return true;
    }
    BlockBackend *blk = blk_new_with_bs(node, 0);
    bool ok = mbr_find_partition(blk, o->partition, offset, size, errp);
    blk_unref(blk);
    if (!ok) {
        error_prepend(errp, "Could not find partition %d: ", o->partition);
    }
    return ok;
}

BlockBackend *nbd_tool_open_image(const NbdToolOpts *o, Error **errp)
{
    bool window = o->has_offset || o->partition;
    BlockDriverState *bs = open_base(o, !window && !o->snapshot, errp);
    if (!bs) {
        return NULL;
    }
    if (o->snapshot) {
        BlockDriverState *top = open_overlay(o, bs, !window, errp);
        bdrv_unref(bs);
        if (!top) {
            return NULL;
        }
        bs = top;
    }
    if (window) {
        uint64_t offset, size;
        BlockDriverState *top = NULL;
        if (window_of(o, bs, &offset, &size, errp)) {
            top = open_window(o, bs, offset, size, errp);
        }
        bdrv_unref(bs);
        if (!top) {
            return NULL;
        }
        bs = top;
    }
    int blk_flags = base_flags(o) | (bdrv_is_read_only(bs) ? 0 : BDRV_O_RDWR);
    /* writethrough: the files were opened O_DSYNC, nothing more to do here. */
    BlockBackend *blk = blk_new_with_bs(bs, blk_flags);
    bdrv_unref(bs);
    return blk;
}
