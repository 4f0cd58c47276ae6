/*
 * -L / QEMU_LD_PREFIX: a guest absolute path is looked up under the prefix first
 * (the guest's libraries and interpreter live there); if nothing exists there,
 * the host path is used as is. Paths found under the prefix are remembered for
 * the life of the process (they are bounded by the prefix tree); misses are not,
 * so the cache cannot grow with the files a guest opens elsewhere.
 */
#include "config.h"
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "linux-user/user.h"

static pthread_mutex_t path_lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable *path_cache;
static int prefix_state;        /* 0 unknown, 1 a directory, -1 absent */

const char *path(const char *guest_path)
{
    const char *prefix = user_proc.ld_prefix;
    const char *result;

    if (!prefix || !*prefix || !guest_path || guest_path[0] != '/') {
        return guest_path;
    }
    pthread_mutex_lock(&path_lock);
    if (!prefix_state) {
        struct stat st;
        prefix_state = stat(prefix, &st) == 0 && S_ISDIR(st.st_mode) ? 1 : -1;
        path_cache = g_hash_table_new(g_str_hash, g_str_equal);
    }
    result = prefix_state > 0 ? g_hash_table_lookup(path_cache, guest_path) : guest_path;
    if (!result) {
        char *full = g_strconcat(prefix, guest_path, NULL);

        if (faccessat(AT_FDCWD, full, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
            g_hash_table_insert(path_cache, g_strdup(guest_path), full);
            result = full;
        } else {
            g_free(full);
            result = guest_path;
        }
    }
    pthread_mutex_unlock(&path_lock);
    return result;
}
