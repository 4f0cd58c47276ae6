/*
 * The "file" and "host_device" protocol drivers: images in regular files and
 * block devices, with O_DIRECT support (alignment probing), fast zeroing and
 * discard through fallocate, sparse-aware block status through SEEK_DATA and
 * SEEK_HOLE, and image locking that interoperates with QEMU (file-lock.c).
 */
#include "config.h"
#include "block/block-priv.h"
#include "block/file-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ALIGN 4096
#define ZERO_BUF_SIZE (1 << 20)

typedef struct FileState {
    int fd;
    bool is_device;        /* block or character device: fixed size */
    bool use_lock;
    bool direct;           /* opened with O_DIRECT */
    /*
     * The last data run SEEK_DATA/SEEK_HOLE found. On tmpfs each SEEK_HOLE walks
     * the file to its end, so the NBD server's sparse reads would cost time
     * quadratic in the file size without it. Writes only turn holes into data,
     * so the run stays valid until something deallocates or shrinks (gen).
     */
    pthread_mutex_t run_lock;
    int64_t run_start, run_end;   /* empty when equal */
    uint64_t run_gen;
} FileState;

static const char *strip_prefix(const char *filename)
{
    if (g_str_has_prefix(filename, "file:")) {
        return filename + strlen("file:");
    }
    if (g_str_has_prefix(filename, "host_device:")) {
        return filename + strlen("host_device:");
    }
    return filename;
}

/* ---- option parsing ---- */

static bool parse_choice(QDict *options, const char *key, const char *const *names,
                         int *out, Error **errp)
{
    Error *err = NULL;
    char *val = bdrv_take_str(options, key, &err);
    if (err) {
        error_propagate(errp, err);
        return false;
    }
    if (!val) {
        return true;
    }
    for (int i = 0; names[i]; i++) {
        if (strcmp(names[i], val) == 0) {
            *out = i;
            g_free(val);
            return true;
        }
    }
    error_setf(errp, "invalid parameter value: %s", val);
    g_free(val);
    return false;
}

enum { AIO_THREADS, AIO_NATIVE, AIO_IO_URING };
enum { LOCK_AUTO, LOCK_ON, LOCK_OFF };

static bool parse_options(QDict *options, int *aio, int *locking, Error **errp)
{
    static const char *const aio_names[] = { "threads", "native", "io_uring", NULL };
    static const char *const lock_names[] = { "auto", "on", "off", NULL };
    if (!parse_choice(options, "aio", aio_names, aio, errp) ||
        !parse_choice(options, "locking", lock_names, locking, errp)) {
        return false;
    }
    if (*aio != AIO_THREADS) {
        error_setf(errp, "aio=%s is not supported by this build; use aio=threads",
                   aio_names[*aio]);
        return false;
    }
    return true;
}

/* ---- alignment under O_DIRECT ---- */

/* Does a read of size bytes at offset 0 into buf work under O_DIRECT? */
static bool io_aligned(int fd, void *buf, size_t size)
{
    ssize_t r = pread(fd, buf, size, 0);
    return r >= 0 || errno != EINVAL;
}

static uint32_t probe_alignment(int fd, bool is_device)
{
    int sector = 0;
    if (is_device && ioctl(fd, BLKSSZGET, &sector) == 0 && sector > 0 &&
        sector <= MAX_ALIGN) {
        return (uint32_t)sector;
    }
    uint8_t *buf = NULL;
    if (posix_memalign((void **)&buf, MAX_ALIGN, 2 * MAX_ALIGN) != 0) {
        return MAX_ALIGN;
    }
    uint32_t req = MAX_ALIGN, mem = MAX_ALIGN;
    for (uint32_t a = 512; a <= MAX_ALIGN; a <<= 1) {
        if (io_aligned(fd, buf, a)) {
            req = a;
            break;
        }
    }
    /* Memory alignment: the smallest buffer offset a full-size read accepts. */
    for (uint32_t a = 512; a <= MAX_ALIGN; a <<= 1) {
        if (io_aligned(fd, buf + a, MAX_ALIGN)) {
            mem = a;
            break;
        }
    }
    free(buf);
    return MAX(req, mem);
}

/* ---- open / close ---- */

static int open_fd(const char *path, int flags, int extra, Error **errp)
{
    int oflags = O_CLOEXEC | extra;
    oflags |= (flags & BDRV_O_RDWR) ? O_RDWR : O_RDONLY;
    if (flags & BDRV_O_NOCACHE) {
        oflags |= O_DIRECT;
    }
    if (flags & BDRV_O_DSYNC) {
        oflags |= O_DSYNC;
    }
    int fd;
    do {
        fd = open(path, oflags, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        error_setf_errno(errp, errno, "Could not open '%s'", path);
        return -errno;
    }
    return fd;
}

static bool check_type(const BlockDriver *drv, const char *path, const struct stat *st,
                       bool *is_device, Error **errp)
{
    *is_device = S_ISBLK(st->st_mode) || S_ISCHR(st->st_mode);
    if (strcmp(drv->format_name, "host_device") == 0) {
        if (!*is_device) {
            error_setf(errp, "'host_device' driver requires '%s' to be either "
                       "a character or block device", path);
            return false;
        }
    } else if (!*is_device && !S_ISREG(st->st_mode)) {
        error_setf(errp, "'file' driver requires '%s' to be a regular file", path);
        return false;
    }
    return true;
}

/* Checks and locks after the descriptor is open. */
static int file_setup(BlockDriverState *bs, FileState *s, int flags, int locking,
                      Error **errp)
{
    struct stat st;
    if (fstat(s->fd, &st) < 0) {
        error_setf_errno(errp, errno, "Could not stat '%s'", bs->filename);
        return -errno;
    }
    if (!check_type(bs->drv, bs->filename, &st, &s->is_device, errp)) {
        return -EINVAL;
    }
    if (s->direct) {
        bs->request_alignment = probe_alignment(s->fd, s->is_device);
    }
    bool can_lock = file_lock_supported(s->fd);
    if (locking == LOCK_ON && !can_lock) {
        error_setf(errp, "OFD lock is not supported on '%s'", bs->filename);
        return -ENOTSUP;
    }
    s->use_lock = locking != LOCK_OFF && can_lock;
    /* Metadata-only readers lock later, and only for formats that need it. */
    bool metadata_only = (flags & BDRV_O_NO_IO) && !(flags & BDRV_O_RDWR);
    if (s->use_lock && !metadata_only) {
        uint32_t perm = FILE_PERM_CONSISTENT_READ;
        uint32_t unshared = FILE_PERM_WRITE | FILE_PERM_RESIZE;
        if (flags & BDRV_O_RDWR) {
            perm |= FILE_PERM_WRITE | FILE_PERM_RESIZE;
        }
        if (flags & BDRV_O_FORCE_SHARE) {
            unshared = 0;
        }
        int ret = file_lock_acquire(s->fd, perm, unshared, bs->filename, errp);
        if (ret < 0) {
            return ret;
        }
    }
    off_t end = lseek(s->fd, 0, SEEK_END);
    bs->total_size = end < 0 ? 0 : end;
    return 0;
}

static int file_open(BlockDriverState *bs, QDict *options, int flags, Error **errp)
{
    FileState *s = bs->opaque;
    int aio = AIO_THREADS, locking = LOCK_AUTO;
    Error *err = NULL;

    s->fd = -1;
    pthread_mutex_init(&s->run_lock, NULL);
    char *name = bdrv_take_str(options, "filename", &err);
    if (err || !name) {
        if (!err) {
            error_setf(&err, "The '%s' block driver requires a file name",
                       bs->drv->format_name);
        }
        error_propagate(errp, err);
        g_free(name);
        return -EINVAL;
    }
    g_strlcpy(bs->filename, strip_prefix(name), sizeof(bs->filename));
    g_free(name);
    if (!parse_options(options, &aio, &locking, errp)) {
        return -EINVAL;
    }

    int fd = open_fd(bs->filename, flags, 0, errp);
    if (fd < 0) {
        return fd;
    }
    s->fd = fd;
    s->direct = (flags & BDRV_O_NOCACHE) != 0;
    int ret = file_setup(bs, s, flags, locking, errp);
    if (ret < 0) {
        close(fd);           /* close() is only called for nodes that opened */
        s->fd = -1;
    }
    return ret;
}

int bdrv_file_lock_metadata_reader(BlockDriverState *bs, Error **errp)
{
    if (!bs->drv || bs->drv->open != file_open || !bs->priv->opened) {
        return 0;
    }
    FileState *s = bs->opaque;
    if (!s->use_lock || (bs->open_flags & BDRV_O_FORCE_SHARE)) {
        return 0;
    }
    return file_lock_acquire(s->fd, 0, FILE_PERM_WRITE | FILE_PERM_RESIZE, bs->filename, errp);
}

static void file_close(BlockDriverState *bs)
{
    FileState *s = bs->opaque;
    if (s->fd >= 0) {
        close(s->fd);         /* releases the OFD locks too */
        s->fd = -1;
    }
    pthread_mutex_destroy(&s->run_lock);
}

/* After anything that may create holes: forget the cached data run. */
static void data_run_forget(FileState *s)
{
    pthread_mutex_lock(&s->run_lock);
    s->run_start = s->run_end = 0;
    s->run_gen++;
    pthread_mutex_unlock(&s->run_lock);
}

/* Remember [start, end) as data unless a deallocation happened since gen was read. */
static void data_run_store(FileState *s, uint64_t gen, int64_t start, int64_t end)
{
    pthread_mutex_lock(&s->run_lock);
    if (gen == s->run_gen) {
        s->run_start = start;
        s->run_end = end;
    }
    pthread_mutex_unlock(&s->run_lock);
}

/* Bytes of data known at offset from the cached run (0: ask the kernel); *gen for a store. */
static int64_t data_run_lookup(FileState *s, int64_t offset, uint64_t *gen)
{
    int64_t n = 0;
    pthread_mutex_lock(&s->run_lock);
    if (offset >= s->run_start && offset < s->run_end) {
        n = s->run_end - offset;
    }
    *gen = s->run_gen;
    pthread_mutex_unlock(&s->run_lock);
    return n;
}

/* ---- I/O ---- */

static int file_pread(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf,
                      int flags)
{
    FileState *s = bs->opaque;
    uint8_t *p = buf;
    while (bytes > 0) {
        ssize_t r = pread(s->fd, p, (size_t)MIN(bytes, (int64_t)SSIZE_MAX), offset);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0 && errno == EINVAL && s->direct && p != (uint8_t *)buf) {
            r = 0;          /* an O_DIRECT read after a short one: that was EOF */
        }
        if (r < 0) {
            return -errno;
        }
        if (r == 0) {
            memset(p, 0, bytes);     /* past the end of the file */
            break;
        }
        p += r;
        offset += r;
        bytes -= r;
    }
    return 0;
}

static int file_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       const void *buf, int flags)
{
    FileState *s = bs->opaque;
    const uint8_t *p = buf;
    while (bytes > 0) {
        ssize_t r = pwrite(s->fd, p, (size_t)MIN(bytes, (int64_t)SSIZE_MAX), offset);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return -errno;
        }
        if (r == 0) {
            return -EIO;
        }
        p += r;
        offset += r;
        bytes -= r;
    }
    return 0;
}

static int file_flush(BlockDriverState *bs)
{
    FileState *s = bs->opaque;
    int r;
    do {
        r = fdatasync(s->fd);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : 0;
}

static int64_t file_getlength(BlockDriverState *bs)
{
    FileState *s = bs->opaque;
    off_t end = lseek(s->fd, 0, SEEK_END);
    return end < 0 ? -errno : end;
}

/* Files have no format metadata; answering at all is what lets raw report it. */
static int file_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    (void)bs;
    memset(bdi, 0, sizeof(*bdi));
    return 0;
}

static bool file_has_zero_init(BlockDriverState *bs)
{
    FileState *s = bs->opaque;
    return !s->is_device;
}

static int64_t file_allocated_size(BlockDriverState *bs)
{
    FileState *s = bs->opaque;
    struct stat st;
    if (fstat(s->fd, &st) < 0) {
        return -errno;
    }
    return (int64_t)st.st_blocks * 512;
}

static int falloc(int fd, int mode, int64_t offset, int64_t bytes)
{
    int r;
    do {
        r = fallocate(fd, mode, offset, bytes);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        return 0;
    }
    if (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL) {
        return -ENOTSUP;
    }
    return -errno;
}

/* Deallocate within the file; the part past its end is extended as zeroes. */
static int punch_zeroes(FileState *s, int64_t offset, int64_t bytes)
{
    off_t len = lseek(s->fd, 0, SEEK_END);
    if (len < 0) {
        return -errno;
    }
    int64_t inside = MIN(offset + bytes, (int64_t)len) - offset;
    if (inside > 0) {
        int ret = falloc(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, inside);
        if (ret < 0) {
            return ret;
        }
    }
    if (inside < bytes) {
        int64_t from = offset + MAX(inside, (int64_t)0);
        /* Never ftruncate here: a concurrent write may already have grown the file. */
        return falloc(s->fd, FALLOC_FL_ZERO_RANGE, from, offset + bytes - from);
    }
    return 0;
}

static int zero_range(FileState *s, int64_t offset, int64_t bytes, int flags)
{
    if (flags & BDRV_REQ_MAY_UNMAP) {
        int ret = punch_zeroes(s, offset, bytes);
        if (ret != -ENOTSUP) {
            return ret;
        }
    }
    return falloc(s->fd, FALLOC_FL_ZERO_RANGE, offset, bytes);
}

static int file_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags)
{
    FileState *s = bs->opaque;
    int ret = zero_range(s, offset, bytes, flags);
    data_run_forget(s);
    return ret;
}

static int file_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    FileState *s = bs->opaque;
    off_t len = lseek(s->fd, 0, SEEK_END);
    if (len < 0) {
        return -errno;
    }
    int64_t inside = MIN(offset + bytes, (int64_t)len) - offset;
    if (inside <= 0) {
        return 0;
    }
    int ret = falloc(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, inside);
    data_run_forget(s);
    return ret;
}

/* Data or hole at offset, by SEEK_DATA/SEEK_HOLE; holes map to zeroes. */
static int file_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes,
                             int64_t *pnum, int64_t *map, BlockDriverState **file)
{
    FileState *s = bs->opaque;
    *map = offset;
    *file = bs;
    *pnum = bytes;
    if (s->is_device) {
        return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;
    }
    uint64_t gen;
    int64_t known = data_run_lookup(s, offset, &gen);
    if (known > 0) {
        *pnum = MIN(bytes, known);
        return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;
    }
    off_t data = lseek(s->fd, offset, SEEK_DATA);
    if (data < 0) {
        if (errno == ENXIO) {
            return BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID;   /* hole to EOF */
        }
        return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;       /* cannot tell */
    }
    if (data > offset) {
        *pnum = MIN(bytes, (int64_t)data - offset);
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID;
    }
    off_t hole = lseek(s->fd, offset, SEEK_HOLE);
    if (hole > offset) {
        *pnum = MIN(bytes, (int64_t)hole - offset);
        data_run_store(s, gen, offset, hole);
    }
    return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;
}

/* ---- size changes ---- */

/* Write real zeroes over [from, to) through a buffered descriptor. */
static int fd_write_zeroes(int fd, int64_t from, int64_t to)
{
    uint8_t *zero = g_malloc0(ZERO_BUF_SIZE);
    int ret = 0;
    while (from < to) {
        ssize_t r = pwrite(fd, zero, (size_t)MIN((int64_t)ZERO_BUF_SIZE, to - from), from);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            ret = r < 0 ? -errno : -EIO;
            break;
        }
        from += r;
    }
    g_free(zero);
    return ret;
}

/* A second descriptor for the same file without O_DIRECT (for bulk zeroing). */
static int reopen_buffered(int fd)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    int fd2 = open(path, O_RDWR | O_CLOEXEC);
    return fd2 < 0 ? -errno : fd2;
}

static int grow_with_prealloc(int fd, bool direct, int64_t cur, int64_t size,
                              PreallocMode prealloc, Error **errp)
{
    if (prealloc == PREALLOC_MODE_FALLOC && size > cur) {
        int r = posix_fallocate(fd, cur, size - cur);
        if (r != 0) {
            error_setf_errno(errp, r, "Could not preallocate new data");
            return -r;
        }
    }
    if (prealloc == PREALLOC_MODE_FULL && size > cur) {
        int wfd = direct ? reopen_buffered(fd) : fd;
        int ret = wfd < 0 ? wfd : fd_write_zeroes(wfd, cur, size);
        if (wfd >= 0 && wfd != fd) {
            close(wfd);
        }
        if (ret < 0) {
            error_setf_errno(errp, -ret, "Could not write zeros for preallocation");
            return ret;
        }
    }
    if (ftruncate(fd, size) < 0) {
        error_setf_errno(errp, errno, "Could not resize file");
        return -errno;
    }
    return 0;
}

static int file_truncate(BlockDriverState *bs, int64_t size, bool exact,
                         PreallocMode prealloc, Error **errp)
{
    FileState *s = bs->opaque;
    int64_t cur = file_getlength(bs);
    if (cur < 0) {
        error_setf_errno(errp, (int)-cur, "Could not determine the current size");
        return (int)cur;
    }
    if (s->is_device) {
        if (size > cur) {
            error_setf(errp, "Cannot grow device files");
            return -EINVAL;
        }
        if (exact && size != cur) {
            error_setf(errp, "Cannot resize device files");
            return -ENOTSUP;
        }
        return 0;
    }
    if (prealloc == PREALLOC_MODE_METADATA) {
        error_setf(errp, "Unsupported preallocation mode: metadata");
        return -ENOTSUP;
    }
    if (prealloc != PREALLOC_MODE_OFF && size < cur) {
        error_setf(errp, "Cannot use preallocation for shrinking files");
        return -ENOTSUP;
    }
    int ret = grow_with_prealloc(s->fd, s->direct, cur, size, prealloc, errp);
    if (ret == 0) {
        bs->total_size = size;
    }
    data_run_forget(s);   /* a shrink followed by growth leaves a hole */
    return ret;
}

/* ---- create ---- */

static void set_nocow(int fd)
{
#ifdef FS_NOCOW_FL
    int attr;
    /* Best effort, as QEMU does: only btrfs knows the flag. */
    if (ioctl(fd, FS_IOC_GETFLAGS, &attr) == 0) {
        attr |= FS_NOCOW_FL;
        (void)ioctl(fd, FS_IOC_SETFLAGS, &attr);
    }
#endif
}

static void set_extent_size_hint(int fd, uint64_t hint)
{
#ifdef FS_IOC_FSSETXATTR
    struct fsxattr attr;
    /* Only XFS uses the hint; elsewhere it is silently not applicable. */
    if (hint <= UINT32_MAX && ioctl(fd, FS_IOC_FSGETXATTR, &attr) == 0) {
        attr.fsx_xflags |= FS_XFLAG_EXTSIZE;
        attr.fsx_extsize = (uint32_t)hint;
        (void)ioctl(fd, FS_IOC_FSSETXATTR, &attr);
    }
#endif
}

typedef struct CreateParams {
    uint64_t size;
    PreallocMode prealloc;
    bool nocow;
    uint64_t extent_size_hint;
} CreateParams;

static bool create_params(QDict *opts, CreateParams *p, Error **errp)
{
    p->size = 0;
    p->prealloc = PREALLOC_MODE_OFF;
    p->nocow = false;
    p->extent_size_hint = 1 << 20;
    if (!create_opt_get_size(opts, "size", &p->size, errp) ||
        !create_opt_get_bool(opts, "nocow", &p->nocow, errp) ||
        !create_opt_get_size(opts, "extent_size_hint", &p->extent_size_hint, errp)) {
        return false;
    }
    const char *pa = create_opt_get_str(opts, "preallocation");
    if (pa && (!prealloc_mode_parse(pa, &p->prealloc, errp))) {
        return false;
    }
    if (p->prealloc == PREALLOC_MODE_METADATA) {
        error_setf(errp, "Unsupported preallocation mode: metadata");
        return false;
    }
    if (p->size > INT64_MAX - BDRV_SECTOR_SIZE) {
        error_setf(errp, "Image size too large");
        return false;
    }
    /* Sizes are whole sectors, as QEMU creates them. */
    p->size = (p->size + BDRV_SECTOR_SIZE - 1) & ~(uint64_t)(BDRV_SECTOR_SIZE - 1);
    return true;
}

static int device_create(const char *path, const CreateParams *p, Error **errp)
{
    int fd = open_fd(path, BDRV_O_RDWR, 0, errp);
    if (fd < 0) {
        return fd;
    }
    struct stat st;
    off_t end = lseek(fd, 0, SEEK_END);
    int ret = 0;
    if (fstat(fd, &st) < 0 || !(S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode))) {
        error_setf(errp, "File '%s' is not a device", path);
        ret = -ENODEV;
    } else if (end >= 0 && p->size > (uint64_t)end) {
        error_setf(errp, "Image size is larger than the device (%lld bytes)",
                   (long long)end);
        ret = -ENOSPC;
    }
    close(fd);
    return ret;
}

static int create_common(const char *filename, QDict *opts, bool device, Error **errp)
{
    CreateParams p;
    if (!create_params(opts, &p, errp)) {
        return -EINVAL;
    }
    const char *path = strip_prefix(filename);
    if (device) {
        return device_create(path, &p, errp);
    }
    Error *err = NULL;
    int fd = open_fd(path, BDRV_O_RDWR, O_CREAT, &err);
    if (fd < 0) {
        error_setf(errp, "Could not create '%s': %s", path, strerror(-fd));
        error_free(err);
        return fd;
    }
    int ret = 0;
    /* Take the writer's locks so an image in use is not clobbered. */
    if (file_lock_supported(fd)) {
        ret = file_lock_acquire(fd, FILE_PERM_CONSISTENT_READ | FILE_PERM_WRITE |
                                FILE_PERM_RESIZE, FILE_PERM_WRITE | FILE_PERM_RESIZE,
                                path, errp);
    }
    struct stat st;
    if (ret == 0 && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
        error_setf(errp, "'file' driver requires '%s' to be a regular file", path);
        ret = -EINVAL;
    }
    if (ret == 0) {
        if (p.nocow) {
            set_nocow(fd);
        }
        if (p.extent_size_hint) {
            set_extent_size_hint(fd, p.extent_size_hint);
        }
        if (ftruncate(fd, 0) < 0) {
            ret = -errno;
            error_setf_errno(errp, errno, "Could not clear the file");
        }
    }
    if (ret == 0) {
        ret = grow_with_prealloc(fd, false, 0, (int64_t)p.size, p.prealloc, errp);
    }
    if (close(fd) < 0 && ret == 0) {
        ret = -errno;
        error_setf_errno(errp, errno, "Could not close the new file");
    }
    return ret;
}

static int file_create(const char *filename, QDict *opts, Error **errp)
{
    return create_common(filename, opts, false, errp);
}

static int device_create_op(const char *filename, QDict *opts, Error **errp)
{
    return create_common(filename, opts, true, errp);
}

static const CreateOptDesc file_create_opts[] = {
    { "extent_size_hint", OPT_SIZE, "Filesystem extent size hint for the file (0: none)",
      NULL },
    { "nocow", OPT_BOOL, "Disable copy-on-write of the file (btrfs)", NULL },
    { "preallocation", OPT_STRING,
      "Space to reserve up front: off, falloc or full", NULL },
    { "size", OPT_SIZE, "Size of the disk the guest sees", NULL },
    { NULL, 0, NULL, NULL },
};

static const BlockDriver bdrv_file = {
    .format_name = "file",
    .protocol_name = "file",
    .instance_size = sizeof(FileState),
    .is_protocol = true,
    .open = file_open,
    .close = file_close,
    .create = file_create,
    .create_opts = file_create_opts,
    .pread = file_pread,
    .pwrite = file_pwrite,
    .pwrite_zeroes = file_pwrite_zeroes,
    .pdiscard = file_pdiscard,
    .flush = file_flush,
    .truncate = file_truncate,
    .getlength = file_getlength,
    .get_allocated_file_size = file_allocated_size,
    .get_info = file_get_info,
    .has_zero_init = file_has_zero_init,
    .block_status = file_block_status,
};

static const BlockDriver bdrv_host_device = {
    .format_name = "host_device",
    .protocol_name = "host_device",
    .instance_size = sizeof(FileState),
    .is_protocol = true,
    .open = file_open,
    .close = file_close,
    .create = device_create_op,
    .create_opts = file_create_opts,
    .pread = file_pread,
    .pwrite = file_pwrite,
    .pwrite_zeroes = file_pwrite_zeroes,
    .pdiscard = file_pdiscard,
    .flush = file_flush,
    .truncate = file_truncate,
    .getlength = file_getlength,
    .get_allocated_file_size = file_allocated_size,
    .get_info = file_get_info,
    .has_zero_init = file_has_zero_init,
    .block_status = file_block_status,
};

BLOCK_DRIVER_INIT(bdrv_file)
BLOCK_DRIVER_INIT(bdrv_host_device)
