/*
 * The block layer's public interface: opening images as a graph of nodes (a
 * format node over a protocol node, plus a backing chain), synchronous I/O that
 * is safe to call from several threads, and the image-level operations that
 * qemu-img, qemu-nbd and the system emulator share.
 *
 * Every call returns 0 (or a count) on success and a negative errno on failure;
 * calls that can fail for reasons a user must read take an Error **.
 */
#ifndef BLOCK_BLOCK_H
#define BLOCK_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "libcore/error.h"
#include "libcore/qobject.h"

typedef struct BlockDriver BlockDriver;
typedef struct BlockDriverState BlockDriverState;
typedef struct BlockBackend BlockBackend;

#define BDRV_SECTOR_SIZE 512

/* Open flags. */
enum {
    BDRV_O_RDWR          = 1 << 0,
    BDRV_O_NOCACHE       = 1 << 1,  /* O_DIRECT (cache=none, cache=directsync) */
    BDRV_O_NO_FLUSH      = 1 << 2,  /* cache=unsafe: flush is a no-op */
    BDRV_O_DSYNC         = 1 << 3,  /* writethrough: every write is FUA */
    BDRV_O_NO_BACKING    = 1 << 4,  /* do not open the backing chain */
    BDRV_O_PROTOCOL      = 1 << 5,  /* open filename with a protocol driver only */
    BDRV_O_FORCE_SHARE   = 1 << 6,  /* -U: take no image locks */
    BDRV_O_NO_IO         = 1 << 7,  /* metadata only (e.g. qemu-img info); allows
                                       opening formats with unsupported features */
    BDRV_O_ALLOW_PROTOCOL_BACKING = 1 << 8, /* follow json:/proto: names found in
                                       image headers (only when the user asked) */
    BDRV_O_CHECK         = 1 << 9,  /* opened for check: tolerate corruption */
    BDRV_O_UNMAP         = 1 << 10, /* discard=unmap */
    BDRV_O_INACTIVE      = 1 << 11,
};

/* Request flags. */
enum {
    BDRV_REQ_FUA          = 1 << 0,
    BDRV_REQ_MAY_UNMAP    = 1 << 1,  /* zero writes may deallocate */
    BDRV_REQ_NO_FALLBACK  = 1 << 2,  /* zero writes: fail with -ENOTSUP unless fast */
};

/* Block status flags, as in QEMU's map/NBD semantics. */
enum {
    BDRV_BLOCK_DATA         = 0x01,  /* reads return data from this layer's file */
    BDRV_BLOCK_ZERO         = 0x02,  /* reads as zeroes */
    BDRV_BLOCK_OFFSET_VALID = 0x04,  /* *map is an offset in *file */
    BDRV_BLOCK_ALLOCATED    = 0x10,  /* this layer decides the content (not backing) */
    BDRV_BLOCK_EOF          = 0x20,  /* the range reaches the end of the image */
    BDRV_BLOCK_RECURSE      = 0x40,  /* driver asks: look at *file for zero detail */
    BDRV_BLOCK_COMPRESSED   = 0x80,
};

typedef enum PreallocMode {
    PREALLOC_MODE_OFF, PREALLOC_MODE_METADATA, PREALLOC_MODE_FALLOC, PREALLOC_MODE_FULL,
} PreallocMode;
bool prealloc_mode_parse(const char *str, PreallocMode *out, Error **errp);
const char *prealloc_mode_name(PreallocMode mode);

/* Driver registry. */
void bdrv_register(const BlockDriver *drv);   /* called by each driver's constructor */
const BlockDriver *bdrv_find_format(const char *name);
const BlockDriver *bdrv_find_protocol(const char *filename, Error **errp);
const char *bdrv_driver_name(const BlockDriver *drv);
/* Sorted, g_free the array (not the strings): every format name (qemu-img -h). */
const char **bdrv_format_names(size_t *count);

/*
 * Open an image. filename may be NULL when options carry everything; a
 * "json:{...}" filename is parsed into options. options (may be NULL; the call
 * takes the reference) is a flat or nested dict in -blockdev/--image-opts style:
 * "driver", "file" (a dict or a node-name), "file.filename", "backing" (dict,
 * node name, or null for none), "read-only", "cache.direct", "cache.no-flush",
 * "discard", "detect-zeroes", "force-share", "node-name", plus driver options.
 * Without "driver", the format is probed from the content (raw as the fallback).
 * The backing chain named in the image is opened unless BDRV_O_NO_BACKING; a
 * relative backing name is relative to the directory of the image naming it.
 */
BlockDriverState *bdrv_open(const char *filename, QDict *options, int flags, Error **errp);
BlockDriverState *bdrv_ref(BlockDriverState *bs);
void bdrv_unref(BlockDriverState *bs);

/* Node accessors. */
const char *bdrv_get_filename(BlockDriverState *bs);   /* as QEMU prints it */
const char *bdrv_get_format_name(BlockDriverState *bs);
const char *bdrv_get_node_name(BlockDriverState *bs);
BlockDriverState *bdrv_get_file(BlockDriverState *bs);      /* protocol child or NULL */
BlockDriverState *bdrv_get_backing(BlockDriverState *bs);   /* or NULL */
/* Backing file name and format as recorded in the image ("" when none). */
const char *bdrv_get_backing_filename(BlockDriverState *bs);
const char *bdrv_get_backing_format(BlockDriverState *bs);
/* The backing file name resolved against this image's directory (g_free). */
char *bdrv_get_full_backing_filename(BlockDriverState *bs, Error **errp);
bool bdrv_is_read_only(BlockDriverState *bs);
int64_t bdrv_getlength(BlockDriverState *bs);
int64_t bdrv_get_allocated_file_size(BlockDriverState *bs);
uint32_t bdrv_get_request_alignment(BlockDriverState *bs);
/* The options that would reopen this node, as a dict (json: filenames). */
QDict *bdrv_get_full_options(BlockDriverState *bs);

/*
 * Synchronous I/O, callable from several threads at once. Out-of-range
 * requests fail with -EIO (reads past EOF of a backing file read zeroes).
 */
int bdrv_pread(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf, int flags);
int bdrv_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf, int flags);
int bdrv_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags);
/* Whole clusters of a format that supports compression (-ENOTSUP otherwise). */
int bdrv_pwrite_compressed(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf);
int bdrv_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes);
int bdrv_flush(BlockDriverState *bs);    /* this node and its children */
int bdrv_truncate(BlockDriverState *bs, int64_t size, bool exact, PreallocMode prealloc,
                  Error **errp);

/*
 * Block status of [offset, offset+bytes) in this node only: returns flags
 * (BDRV_BLOCK_*) or -errno; *pnum is the length (> 0) of the run with those
 * flags; *map and *file tell where the data lives when OFFSET_VALID. At or
 * past the end of the node: BDRV_BLOCK_EOF with *pnum == 0.
 */
int bdrv_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      int64_t *pnum, int64_t *map, BlockDriverState **file);
/*
 * Same, through the backing chain down to (not including) base: the result
 * describes what a reader of bs sees. *depth (may be NULL) is 0 for bs itself,
 * 1 for its backing file ... or -1 when unallocated everywhere above base.
 */
int bdrv_block_status_above(BlockDriverState *bs, BlockDriverState *base,
                            int64_t offset, int64_t bytes, int64_t *pnum,
                            int64_t *map, BlockDriverState **file, int *depth);
/* Is [offset, +bytes) allocated in bs (not inherited)? Returns 1/0 or -errno. */
int bdrv_is_allocated(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum);

/* Image creation: opts are strings as given by -o (plus "size"). */
typedef enum CreateOptType { OPT_STRING, OPT_BOOL, OPT_SIZE, OPT_NUMBER } CreateOptType;
typedef struct CreateOptDesc {
    const char *name;
    CreateOptType type;
    const char *help;
    const char *def_value;   /* printed by -o help, may be NULL */
} CreateOptDesc;
/* Create with a format driver (its protocol file is created first). */
int bdrv_create(const BlockDriver *drv, const char *filename, QDict *opts, Error **errp);
/* The option table of a format and of the protocol for filename, merged. */
const CreateOptDesc *bdrv_create_opts(const BlockDriver *drv);
bool bdrv_supports_backing(const BlockDriver *drv);
bool bdrv_supports_compressed(const BlockDriver *drv);

/* Image information. */
typedef struct BlockDriverInfo {
    int cluster_size;        /* 0 when the format has no clusters */
    int64_t vm_state_offset;
    bool is_dirty;           /* qcow2 dirty bit / lazy refcounts left open */
    bool unallocated_blocks_are_zero;
} BlockDriverInfo;
int bdrv_get_info(BlockDriverState *bs, BlockDriverInfo *bdi);
/*
 * A -t / --cache mode name (none, off, writeback, writethrough, directsync,
 * unsafe) as BDRV_O_NOCACHE / BDRV_O_DSYNC / BDRV_O_NO_FLUSH flags; false if unknown.
 */
bool bdrv_parse_cache_mode(const char *mode, int *flags);
#define BDRV_O_CACHE_MASK (BDRV_O_NOCACHE | BDRV_O_DSYNC | BDRV_O_NO_FLUSH)
/*
 * True when a node just created reads as zeroes everywhere (a new file; not a
 * block device or an NBD export), so that copying into it may skip zeroes.
 */
bool bdrv_has_zero_init(BlockDriverState *bs);
/*
 * Format-specific info as qemu-img info --output=json prints it under
 * "format-specific": {"type": "qcow2", "data": {...}}; NULL when none.
 */
QDict *bdrv_get_specific_info(BlockDriverState *bs, Error **errp);

/* Internal snapshots. */
typedef struct SnapshotInfo {
    char id_str[128];
    char name[256];
    uint64_t vm_state_size;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t icount;          /* UINT64_MAX when absent */
} SnapshotInfo;
bool bdrv_can_snapshot(BlockDriverState *bs);
/* Returns the count and a g_malloc'd array, or -errno. */
int bdrv_snapshot_list(BlockDriverState *bs, SnapshotInfo **list);
int bdrv_snapshot_create(BlockDriverState *bs, SnapshotInfo *sn, Error **errp);
int bdrv_snapshot_goto(BlockDriverState *bs, const char *name_or_id, Error **errp);
int bdrv_snapshot_delete(BlockDriverState *bs, const char *id, const char *name, Error **errp);
/*
 * Show an internal snapshot instead of the active image, on a read-only node and
 * for as long as it stays open (qemu-img convert -l, measure -l). id and name may
 * each be NULL; when both are given both must match.
 */
int bdrv_snapshot_load_tmp(BlockDriverState *bs, const char *id, const char *name,
                           Error **errp);
/*
 * The same from a -l parameter: "snapshot.id=ID,snapshot.name=NAME" or a bare
 * word (an id first, then a name). quote_param: name the whole parameter in the
 * message for an unknown key (qemu-nbd's wording; qemu-img names the key only).
 */
int bdrv_snapshot_load_tmp_param(BlockDriverState *bs, const char *param,
                                 bool quote_param, Error **errp);

/* Consistency check (qemu-img check). */
enum { BDRV_FIX_LEAKS = 1, BDRV_FIX_ERRORS = 2 };
typedef struct BdrvCheckResult {
    int corruptions;
    int leaks;
    int check_errors;
    int corruptions_fixed;
    int leaks_fixed;
    int64_t image_end_offset;
    /* fragmentation statistics (allocated_clusters == 0 means unknown) */
    int64_t total_clusters;
    int64_t allocated_clusters;
    int64_t fragmented_clusters;
    int64_t compressed_clusters;
} BdrvCheckResult;
/* -ENOTSUP when the format has no check. Problems are printed to stderr as QEMU does. */
int bdrv_check(BlockDriverState *bs, BdrvCheckResult *res, int fix);

/* Change options of an existing image (qemu-img amend); opts as for create. */
int bdrv_amend(BlockDriverState *bs, QDict *opts, bool force, Error **errp);

/* qemu-img measure. in_bs may be NULL (size only). */
typedef struct BlockMeasureInfo {
    uint64_t required;
    uint64_t fully_allocated;
    uint64_t bitmaps;        /* 0 and has_bitmaps false when not applicable */
    bool has_bitmaps;
} BlockMeasureInfo;
int bdrv_measure(const BlockDriver *drv, QDict *opts, BlockDriverState *in_bs,
                 BlockMeasureInfo *info, Error **errp);

/* Rewrite the backing file name in the header (rebase, commit -b). */
int bdrv_change_backing_file(BlockDriverState *bs, const char *backing_file,
                             const char *backing_fmt, Error **errp);
/* Replace the in-memory backing node (rebase); consumes the caller's reference. */
void bdrv_set_backing(BlockDriverState *bs, BlockDriverState *backing);
/* Drop all data of this layer (commit without -d); -ENOTSUP if impossible. */
int bdrv_make_empty(BlockDriverState *bs);

/* Probe the format of a file (content + name); NULL means raw. */
const BlockDriver *bdrv_probe_format(const uint8_t *buf, int len, const char *filename);

#endif
