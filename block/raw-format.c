/*
 * The raw format: the image is the bytes of its file, optionally a window of
 * it (offset/size options). It is the fallback of format probing, and a probed
 * raw image refuses writes that would make sector 0 look like another format.
 */
#include "config.h"
#include "block/block-priv.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>

typedef struct RawState {
    uint64_t offset;
    uint64_t size;
    bool has_size;
} RawState;

static int raw_probe(const uint8_t *buf, int len, const char *filename)
{
    return 1;      /* anything is a raw image; every real format scores higher */
}

static int raw_open(BlockDriverState *bs, QDict *options, int flags, Error **errp)
{
    RawState *s = bs->opaque;
    if (!bdrv_take_size(options, "offset", &s->offset, NULL, errp) ||
        !bdrv_take_size(options, "size", &s->size, &s->has_size, errp)) {
        return -EINVAL;
    }
    int64_t file_len = bdrv_getlength(bs->file);
    if (file_len < 0) {
        error_setf_errno(errp, (int)-file_len, "Could not get image size");
        return (int)file_len;
    }
    if (s->offset > (uint64_t)file_len) {
        error_setf(errp, "Offset (%" PRIu64 ") cannot be greater than size of the "
                   "containing file (%" PRId64 ")", s->offset, file_len);
        return -EINVAL;
    }
    if (s->has_size) {
        if (s->size > (uint64_t)file_len - s->offset) {
            error_setf(errp, "The sum of offset (%" PRIu64 ") and size (%" PRIu64 ") has "
                       "to be smaller or equal to the  actual size of the containing "
                       "file (%" PRId64 ")", s->offset, s->size, file_len);
            return -EINVAL;
        }
        if (s->size % BDRV_SECTOR_SIZE) {
            error_setf(errp, "Specified size is not multiple of %d", BDRV_SECTOR_SIZE);
            return -EINVAL;
        }
    }
    bs->total_size = s->has_size ? (int64_t)s->size : file_len - (int64_t)s->offset;
    return 0;
}

static int64_t raw_getlength(BlockDriverState *bs)
{
    RawState *s = bs->opaque;
    if (s->has_size) {
        return (int64_t)s->size;
    }
    int64_t len = bdrv_getlength(bs->file);
    if (len < 0) {
        return len;
    }
    return len > (int64_t)s->offset ? len - (int64_t)s->offset : 0;
}

static int raw_pread(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf,
                     int flags)
{
    RawState *s = bs->opaque;
    return bdrv_pread(bs->file, offset + (int64_t)s->offset, bytes, buf, flags);
}

/*
 * A probed image must not turn into another format under the user's feet
 * (a guest writing a qcow2 header would make the next open follow it).
 */
static int check_probed_write(BlockDriverState *bs, int64_t offset, int64_t bytes,
                              const void *buf)
{
    if (!bs->priv->probed || offset >= BDRV_SECTOR_SIZE || bytes == 0) {
        return 0;
    }
    uint8_t sector[BDRV_SECTOR_SIZE];
    if (offset != 0 || bytes < BDRV_SECTOR_SIZE) {
        int ret = raw_pread(bs, 0, BDRV_SECTOR_SIZE, sector, 0);
        if (ret < 0) {
            return ret;
        }
    }
    int64_t n = MIN(bytes, (int64_t)BDRV_SECTOR_SIZE - offset);
    memcpy(sector + offset, buf, n);
    if (bdrv_probe_format(sector, BDRV_SECTOR_SIZE, bs->filename) != NULL) {
        return -EPERM;
    }
    return 0;
}

static int raw_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf,
                      int flags)
{
    RawState *s = bs->opaque;
    int ret = check_probed_write(bs, offset, bytes, buf);
    if (ret < 0) {
        return ret;
    }
    return bdrv_pwrite(bs->file, offset + (int64_t)s->offset, bytes, buf, flags);
}

static int raw_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags)
{
    RawState *s = bs->opaque;
    return bdrv_pwrite_zeroes(bs->file, offset + (int64_t)s->offset, bytes, flags);
}

static int raw_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    RawState *s = bs->opaque;
    return bdrv_pdiscard(bs->file, offset + (int64_t)s->offset, bytes);
}

static int raw_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes,
                            int64_t *pnum, int64_t *map, BlockDriverState **file)
{
    RawState *s = bs->opaque;
    /* The file's own status is ours, shifted by the offset. */
    int ret = bdrv_block_status(bs->file, offset + (int64_t)s->offset, bytes, pnum, map,
                                file);
    if (ret < 0) {
        return ret;
    }
    if (*pnum == 0) {
        *pnum = bytes;
        return BDRV_BLOCK_ZERO;
    }
    return ret & ~BDRV_BLOCK_EOF;
}

static int raw_truncate(BlockDriverState *bs, int64_t size, bool exact,
                        PreallocMode prealloc, Error **errp)
{
    RawState *s = bs->opaque;
    if (s->has_size) {
        error_setf(errp, "Cannot resize fixed-size raw disks");
        return -ENOTSUP;
    }
    if (size > INT64_MAX - (int64_t)s->offset) {
        error_setf(errp, "Image size too large");
        return -EINVAL;
    }
    int ret = bdrv_truncate(bs->file, (int64_t)s->offset + size, exact, prealloc, errp);
    if (ret >= 0) {
        bs->total_size = size;
    }
    return ret;
}

/* raw has no metadata of its own: whatever its file child knows (nothing, for nbd). */
static int raw_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    return bdrv_get_info(bs->file, bdi);
}

static bool raw_has_zero_init(BlockDriverState *bs)
{
    return bdrv_has_zero_init(bs->file);
}

static bool raw_create_params(QDict *opts, uint64_t *size, PreallocMode *prealloc,
                              Error **errp)
{
    *size = 0;
    *prealloc = PREALLOC_MODE_OFF;
    if (!create_opt_get_size(opts, "size", size, errp)) {
        return false;
    }
    const char *pa = create_opt_get_str(opts, "preallocation");
    if (pa && !prealloc_mode_parse(pa, prealloc, errp)) {
        return false;
    }
    if (*prealloc == PREALLOC_MODE_METADATA) {
        error_setf(errp, "Unsupported preallocation mode: metadata");
        return false;
    }
    if (*size > INT64_MAX - BDRV_SECTOR_SIZE) {
        error_setf(errp, "Image size too large");
        return false;
    }
    *size = (*size + BDRV_SECTOR_SIZE - 1) & ~(uint64_t)(BDRV_SECTOR_SIZE - 1);
    return true;
}

/* The generic layer made the (empty) file; give it its size. */
static int raw_create(const char *filename, QDict *opts, Error **errp)
{
    uint64_t size;
    PreallocMode prealloc;
    if (!raw_create_params(opts, &size, &prealloc, errp)) {
        return -EINVAL;
    }
    BlockDriverState *file = bdrv_open(filename, NULL, BDRV_O_RDWR | BDRV_O_PROTOCOL, errp);
    if (!file) {
        return -EIO;
    }
    int ret = bdrv_truncate(file, (int64_t)size, true, prealloc, errp);
    bdrv_unref(file);
    return ret;
}

static int raw_measure(QDict *opts, BlockDriverState *in_bs, BlockMeasureInfo *info,
                       Error **errp)
{
    uint64_t size;
    PreallocMode prealloc;
    if (!raw_create_params(opts, &size, &prealloc, errp)) {
        return -EINVAL;
    }
    if (in_bs) {
        int64_t len = bdrv_getlength(in_bs);
        if (len < 0) {
            error_setf_errno(errp, (int)-len, "Unable to get image virtual_size");
            return (int)len;
        }
        size = (uint64_t)len;
    }
    info->required = size;
    info->fully_allocated = size;
    return 0;
}

static const CreateOptDesc raw_create_opts[] = {
    { "preallocation", OPT_STRING,
      "Space to reserve up front: off, falloc or full", NULL },
    { "size", OPT_SIZE, "Size of the disk the guest sees", NULL },
    { NULL, 0, NULL, NULL },
};

static const BlockDriver bdrv_raw = {
    .format_name = "raw",
    .instance_size = sizeof(RawState),
    .probe = raw_probe,
    .open = raw_open,
    .create = raw_create,
    .create_opts = raw_create_opts,
    .pread = raw_pread,
    .pwrite = raw_pwrite,
    .pwrite_zeroes = raw_pwrite_zeroes,
    .pdiscard = raw_pdiscard,
    .truncate = raw_truncate,
    .getlength = raw_getlength,
    .block_status = raw_block_status,
    .get_info = raw_get_info,
    .has_zero_init = raw_has_zero_init,
    .measure = raw_measure,
};

BLOCK_DRIVER_INIT(bdrv_raw)
