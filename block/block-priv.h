/*
 * State and helpers shared by the generic block layer's own files
 * (block.c, block-open.c, block-io.c, block-status.c, block-create.c) and the
 * built-in raw/file drivers. Not for format drivers: they use block_int.h.
 */
#ifndef BLOCK_BLOCK_PRIV_H
#define BLOCK_BLOCK_PRIV_H

#include "block/block_int.h"

/* One write in flight on a node whose requests need alignment. */
typedef struct BdrvInflight {
    int64_t start, end;               /* aligned byte range */
    bool serialising;                 /* read-modify-write: excludes overlaps */
    struct BdrvInflight *next;
} BdrvInflight;

struct BdrvPriv {
    int parents;                      /* how many nodes use this one as a child */
    int backing_parents;              /* ... of which as their backing file */
    bool probed;                      /* format guessed from content (raw) */
    bool opened;                      /* drv->open succeeded: close on free */
    pthread_cond_t cond;              /* signalled when an in-flight write ends */
    BdrvInflight *inflight;           /* under bs->lock */
};

#define BDRV_PROBE_BUF_SIZE 2048

/* Node lifetime (block.c). */
BlockDriverState *bdrv_new_node(const BlockDriver *drv);
void bdrv_attach_child(BlockDriverState *child, bool as_backing);
void bdrv_detach_child(BlockDriverState *child, bool as_backing);
bool bdrv_register_node_name(BlockDriverState *bs, const char *name, Error **errp);
BlockDriverState *bdrv_find_node(const char *node_name);

/* Option values may be strings (command line) or typed (JSON). */
bool bdrv_opt_bool(QObject *value, const char *key, bool *out, Error **errp);
bool bdrv_opt_uint(QObject *value, const char *key, uint64_t *out, Error **errp);
/* Remove and parse an option; absent leaves *out untouched. */
bool bdrv_take_bool(QDict *opts, const char *key, bool *out, Error **errp);
bool bdrv_take_size(QDict *opts, const char *key, uint64_t *out, bool *present,
                    Error **errp);
/* Remove a string option: a g_malloc'd copy, or NULL when absent. */
char *bdrv_take_str(QDict *opts, const char *key, Error **errp);

/* Is name a protocol-prefixed or json: name (not a plain path)? */
bool bdrv_name_has_protocol(const char *name);
bool bdrv_is_protocol_driver(const BlockDriver *drv);

/* Drop the hidden keys create_opt_get_str parks values under. */
void bdrv_create_opts_cleanup(QDict *opts);
/* The first key of opts that is not hidden, or NULL. */
const char *bdrv_create_opts_leftover(QDict *opts);

/*
 * Metadata-only readers (BDRV_O_NO_IO, read-only: qemu-img info) open files
 * without locks; a format with metadata then keeps writers out of it with
 * this, while raw needs nothing, as in QEMU (info works on a raw image in use).
 * No-op for nodes that are not file/host_device or do not lock.
 */
int bdrv_file_lock_metadata_reader(BlockDriverState *bs, Error **errp);

/* The underlying byte length (not rounded to sectors), or -errno. */
int64_t bdrv_getlength_bytes(BlockDriverState *bs);

#endif
