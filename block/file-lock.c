/*
 * QEMU-compatible image locks on a file descriptor (see file-lock.h). OFD locks
 * belong to the open file description, so two opens in one process conflict
 * just like two processes do, and closing the descriptor drops them.
 */
#include "config.h"
#include "block/file-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define LOCK_PERM_BASE 100
#define LOCK_SHARED_BASE 200
#define PERM_BITS 5

static const char *const perm_names[PERM_BITS] = {
    "consistent read", "write", "write unchanged", "resize", "change children",
};

static int lock_byte(int fd, int64_t off, short type)
{
    struct flock fl = {
        .l_whence = SEEK_SET,
        .l_start = off,
        .l_len = 1,
        .l_type = type,
    };
    return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

/* Does another open file description hold a lock on this byte? */
static int byte_taken(int fd, int64_t off)
{
    struct flock fl = {
        .l_whence = SEEK_SET,
        .l_start = off,
        .l_len = 1,
        .l_type = F_WRLCK,
    };
    if (fcntl(fd, F_OFD_GETLK, &fl) < 0) {
        return -errno;
    }
    return fl.l_type != F_UNLCK;
}

bool file_lock_supported(int fd)
{
    struct flock fl = { .l_whence = SEEK_SET, .l_start = 0, .l_len = 0, .l_type = F_WRLCK };
    return fcntl(fd, F_OFD_GETLK, &fl) == 0;
}

void file_lock_release(int fd)
{
    for (int i = 0; i < PERM_BITS; i++) {
        lock_byte(fd, LOCK_PERM_BASE + i, F_UNLCK);
        lock_byte(fd, LOCK_SHARED_BASE + i, F_UNLCK);
    }
}

static int conflict(int fd, const char *fmt, int bit, const char *name, Error **errp)
{
    char what[64];
    snprintf(what, sizeof(what), fmt, perm_names[bit]);
    error_setf(errp, "%s\nIs another process using the image [%s]?", what, name);
    file_lock_release(fd);
    return -EAGAIN;
}

int file_lock_acquire(int fd, uint32_t perm, uint32_t unshared, const char *name,
                      Error **errp)
{
    /* Lock first, then test: two racing openers cannot both pass. */
    for (int i = 0; i < PERM_BITS; i++) {
        int ret = 0;
        if (perm & (1u << i)) {
            ret = lock_byte(fd, LOCK_PERM_BASE + i, F_RDLCK);
        }
        if (ret == 0 && (unshared & (1u << i))) {
            ret = lock_byte(fd, LOCK_SHARED_BASE + i, F_RDLCK);
        }
        if (ret < 0) {
            error_setf_errno(errp, -ret, "Failed to lock byte %d of '%s'",
                             (perm & (1u << i)) ? LOCK_PERM_BASE + i : LOCK_SHARED_BASE + i,
                             name);
            file_lock_release(fd);
            return ret;
        }
    }
    for (int i = 0; i < PERM_BITS; i++) {
        if ((perm & (1u << i)) && byte_taken(fd, LOCK_SHARED_BASE + i) > 0) {
            return conflict(fd, "Failed to get \"%s\" lock", i, name, errp);
        }
    }
    for (int i = 0; i < PERM_BITS; i++) {
        if ((unshared & (1u << i)) && byte_taken(fd, LOCK_PERM_BASE + i) > 0) {
            return conflict(fd, "Failed to get shared \"%s\" lock", i, name, errp);
        }
    }
    return 0;
}
