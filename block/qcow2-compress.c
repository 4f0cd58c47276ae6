/*
 * qcow2 cluster compression: zlib raw deflate (window bits -12, as qcow2
 * images have always stored it) and zstd frames. Stateless and thread safe,
 * so several writers compress in parallel outside the image lock.
 */
#include <errno.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>
#include "block/qcow2.h"

static ssize_t zlib_compress(void *dst, size_t dst_size, const void *src, size_t src_size)
{
    z_stream z;
    ssize_t ret;

    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        return -EIO;
    }
    z.next_in = (Bytef *)src;
    z.avail_in = src_size;
    z.next_out = dst;
    z.avail_out = dst_size;
    ret = deflate(&z, Z_FINISH);
    if (ret == Z_STREAM_END) {
        ret = dst_size - z.avail_out;
    } else {
        ret = (ret == Z_OK || ret == Z_BUF_ERROR) ? -ENOSPC : -EIO;
    }
    deflateEnd(&z);
    return ret;
}

static int zlib_decompress(void *dst, size_t dst_size, const void *src, size_t src_size)
{
    z_stream z;
    int ret;

    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, -12) != Z_OK) {
        return -EIO;
    }
    z.next_in = (Bytef *)src;
    z.avail_in = src_size;
    z.next_out = dst;
    z.avail_out = dst_size;
    ret = inflate(&z, Z_FINISH);
    /* The input may end in padding: a full output buffer is success. */
    if ((ret == Z_STREAM_END || ret == Z_BUF_ERROR || ret == Z_OK) && z.avail_out == 0) {
        ret = 0;
    } else {
        ret = -EIO;
    }
    inflateEnd(&z);
    return ret;
}

static ssize_t zstd_compress(void *dst, size_t dst_size, const void *src, size_t src_size)
{
    size_t r = ZSTD_compress(dst, dst_size, src, src_size, ZSTD_CLEVEL_DEFAULT);

    if (ZSTD_isError(r)) {
        return ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall ? -ENOSPC : -EIO;
    }
    return r;
}

/* Stream decoding: the compressed size on disk includes sector padding. */
static int zstd_decompress(void *dst, size_t dst_size, const void *src, size_t src_size)
{
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    ZSTD_inBuffer in = { src, src_size, 0 };
    ZSTD_outBuffer out = { dst, dst_size, 0 };
    int ret = 0;

    if (!dctx) {
        return -ENOMEM;
    }
    while (out.pos < out.size) {
        size_t last_in = in.pos, last_out = out.pos;
        size_t r = ZSTD_decompressStream(dctx, &out, &in);
        if (ZSTD_isError(r)) {
            ret = -EIO;
            break;
        }
        if (r == 0 && out.pos < out.size) {
            /* Frame ended early: the cluster is short. */
            ret = -EIO;
            break;
        }
        if (in.pos == last_in && out.pos == last_out) {
            ret = -EIO;        /* no progress: truncated input */
            break;
        }
    }
    ZSTD_freeDCtx(dctx);
    return ret;
}

ssize_t qcow2_compress(int type, void *dst, size_t dst_size, const void *src,
                       size_t src_size)
{
    switch (type) {
    case QCOW2_COMPRESSION_ZLIB:
        return zlib_compress(dst, dst_size, src, src_size);
    case QCOW2_COMPRESSION_ZSTD:
        return zstd_compress(dst, dst_size, src, src_size);
    default:
        return -ENOTSUP;
    }
}

int qcow2_decompress(int type, void *dst, size_t dst_size, const void *src,
                     size_t src_size)
{
    switch (type) {
    case QCOW2_COMPRESSION_ZLIB:
        return zlib_decompress(dst, dst_size, src, src_size);
    case QCOW2_COMPRESSION_ZSTD:
        return zstd_decompress(dst, dst_size, src, src_size);
    default:
        return -ENOTSUP;
    }
}
