/*
 * What a block driver implements: one ops table per driver, and the node
 * structure the generic layer keeps for it. Only drivers and block/ include this.
 *
 * Threading: the generic layer calls ops from several threads at once. A driver
 * with shared metadata (qcow2) protects it with its own lock; data I/O to
 * disjoint ranges should run in parallel. Requests reaching a driver are already
 * range-checked against its length and aligned to its request_alignment.
 */
#ifndef BLOCK_BLOCK_INT_H
#define BLOCK_BLOCK_INT_H

#include <limits.h>
#include <pthread.h>
#include "block/block.h"

struct BlockDriver {
    const char *format_name;      /* "qcow2", "raw", "file", "nbd" */
    const char *protocol_name;    /* URI prefix for protocols ("file", "nbd"), else NULL */
    size_t instance_size;         /* bytes of bs->opaque, zeroed at open */
    bool is_protocol;             /* opens a filename itself; no file child */
    bool supports_backing;
    /* Score 0..100 that buf (first bytes of the file, len <= 2048) is this format. */
    int (*probe)(const uint8_t *buf, int len, const char *filename);
    /*
     * Open. Formats find bs->file already opened. options holds this node's own
     * options (children's removed); the driver removes every key it consumed, and
     * the generic layer reports any left over as QEMU does ("Block format 'raw'
     * does not support the option 'x'").
     */
    int (*open)(BlockDriverState *bs, QDict *options, int flags, Error **errp);
    void (*close)(BlockDriverState *bs);

    /* Create: opts are the -o strings plus "size"; remove consumed keys. */
    int (*create)(const char *filename, QDict *opts, Error **errp);
    const CreateOptDesc *create_opts;   /* terminated by name == NULL */

    int (*pread)(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf, int flags);
    int (*pwrite)(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf,
                  int flags);
    /* -ENOTSUP makes the generic layer write a zero buffer (unless NO_FALLBACK). */
    int (*pwrite_zeroes)(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags);
    int (*pwrite_compressed)(BlockDriverState *bs, int64_t offset, int64_t bytes,
                             const void *buf);
    int (*pdiscard)(BlockDriverState *bs, int64_t offset, int64_t bytes);
    int (*flush)(BlockDriverState *bs);           /* own data; children flushed after */
    int (*truncate)(BlockDriverState *bs, int64_t size, bool exact, PreallocMode prealloc,
                    Error **errp);
    int64_t (*getlength)(BlockDriverState *bs);   /* NULL: bs->total_size */
    int64_t (*get_allocated_file_size)(BlockDriverState *bs);  /* NULL: sum of file's */
    /*
     * Status of [offset, +bytes) in this node: flags, *pnum, *map, *file as in
     * bdrv_block_status. NULL means "all DATA|ALLOCATED, mapped 1:1 to bs->file"
     * for formats and "all DATA|ALLOCATED" for protocols.
     */
    int (*block_status)(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        int64_t *pnum, int64_t *map, BlockDriverState **file);
    int (*get_info)(BlockDriverState *bs, BlockDriverInfo *bdi);
    /* Whether a freshly created node reads as zeroes everywhere; NULL means no. */
    bool (*has_zero_init)(BlockDriverState *bs);
    QDict *(*get_specific_info)(BlockDriverState *bs, Error **errp);

    int (*snapshot_list)(BlockDriverState *bs, SnapshotInfo **list);
    int (*snapshot_create)(BlockDriverState *bs, SnapshotInfo *sn, Error **errp);
    int (*snapshot_goto)(BlockDriverState *bs, const char *name_or_id, Error **errp);
    int (*snapshot_delete)(BlockDriverState *bs, const char *id, const char *name,
                           Error **errp);
    /* Read-only nodes only: reads see the snapshot until the node is closed. */
    int (*snapshot_load_tmp)(BlockDriverState *bs, const char *id, const char *name,
                             Error **errp);

    int (*check)(BlockDriverState *bs, BdrvCheckResult *res, int fix);
    int (*amend)(BlockDriverState *bs, QDict *opts, bool force, Error **errp);
    int (*measure)(QDict *opts, BlockDriverState *in_bs, BlockMeasureInfo *info,
                   Error **errp);
    int (*change_backing_file)(BlockDriverState *bs, const char *backing_file,
                               const char *backing_fmt, Error **errp);
    int (*make_empty)(BlockDriverState *bs);
};

struct BlockDriverState {
    const BlockDriver *drv;
    void *opaque;                     /* driver state, drv->instance_size bytes */
    int refcnt;
    int open_flags;                   /* BDRV_O_* */
    bool read_only;
    char filename[PATH_MAX];          /* what the user or the parent named */
    char *node_name;
    QDict *options;                   /* options this node was opened with */

    BlockDriverState *file;           /* protocol child of a format node */
    BlockDriverState *backing;        /* opened backing node, or NULL */
    /* Set by the format's open: names recorded in the image header. */
    char backing_file[PATH_MAX];
    char backing_format[32];

    int64_t total_size;               /* bytes; formats set it in open */
    uint32_t request_alignment;       /* 1, or 512/4096 under O_DIRECT */
    bool unmap;                       /* discard=unmap */
    int detect_zeroes;                /* 0 off, 1 on, 2 unmap */
    pthread_mutex_t lock;             /* for the generic layer's own state */
    struct BdrvPriv *priv;            /* generic layer only (block/block-priv.h) */
};

/* Helpers for drivers. */
/* Read from bs->file; reads past the end of the file return zeroes. */
int bdrv_file_pread(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf);
/*
 * Find an option in a create/amend dict, validated by type, and remove it (so
 * leftovers can be reported). Absent: return true and leave *out unchanged (so
 * callers preset the default). Present but invalid: false with *errp set.
 * create_opt_get_str returns NULL when absent; the string stays valid as long
 * as opts does (the value is parked under a hidden key, not freed).
 */
bool create_opt_get_size(QDict *opts, const char *name, uint64_t *out, Error **errp);
bool create_opt_get_bool(QDict *opts, const char *name, bool *out, Error **errp);
const char *create_opt_get_str(QDict *opts, const char *name);

/* Register a driver at load time: BLOCK_DRIVER_INIT(bdrv_qcow2). */
#define BLOCK_DRIVER_INIT(drv) \
    static void __attribute__((constructor)) drv##_register(void) { bdrv_register(&(drv)); }

#endif
