/*
 * Image locking compatible with QEMU's: open-file-description byte-range locks
 * on byte 100+bit for each permission a user holds and 200+bit for each one it
 * does not let others have, so our tools and QEMU's see each other's locks.
 */
#ifndef BLOCK_FILE_LOCK_H
#define BLOCK_FILE_LOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "libcore/error.h"

/* Permission bits, numbered as QEMU numbers them. */
enum {
    FILE_PERM_CONSISTENT_READ = 1 << 0,
    FILE_PERM_WRITE           = 1 << 1,
    FILE_PERM_WRITE_UNCHANGED = 1 << 2,
    FILE_PERM_RESIZE          = 1 << 3,
    FILE_PERM_GRAPH_MOD       = 1 << 4,
};

/* Can fd take OFD locks (F_OFD_SETLK)? */
bool file_lock_supported(int fd);
/*
 * Take shared locks for perm (held) and unshared (refused to others), then
 * check nobody conflicts. On conflict nothing stays locked and the error is
 * QEMU's: Failed to get "write" lock / Is another process using the image [x]?
 */
int file_lock_acquire(int fd, uint32_t perm, uint32_t unshared, const char *name,
                      Error **errp);

/* Drop every lock byte this descriptor holds. */
void file_lock_release(int fd);

#endif
