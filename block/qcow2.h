/*
 * qcow2 internal interface: the on-disk layout (header, extensions, L1/L2 and
 * refcount entries, compressed descriptors, extended-L2 subcluster bitmaps),
 * the driver's per-image state, and the metadata primitives the driver core
 * (qcow2.c, qcow2-cluster.c, qcow2-refcount.c, qcow2-cache.c, qcow2-compress.c)
 * offers to the maintenance code (check, snapshots, amend, measure).
 *
 * Locking: every function below that touches metadata expects s->lock held
 * unless it says otherwise. Offsets are host (file) byte offsets; "cluster
 * index" is offset >> cluster_bits.
 */
#ifndef BLOCK_QCOW2_H
#define BLOCK_QCOW2_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <pthread.h>
#include <sys/types.h>
#include <inttypes.h>
#include "block/block_int.h"

#ifndef ROUND_UP
/* n rounded up to a multiple of the power of two d. */
#define ROUND_UP(n, d) ((((n) + (d) - 1) / (d)) * (d))
#endif

/* ---- On-disk constants ---- */

#define QCOW_MAGIC 0x514649fbu            /* "QFI\xfb" */
#define QCOW2_V2_HEADER_SIZE 72
#define QCOW2_V3_HEADER_SIZE 104           /* without the compression type byte */
#define QCOW2_HEADER_MAX_SIZE 112          /* fields we know, padded to 8 */

#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21
#define QCOW2_DEFAULT_CLUSTER_BITS 16

#define QCOW2_MAX_REFCOUNT_ORDER 6
#define QCOW2_MAX_L1_SIZE (32 * 1024 * 1024 / 8)          /* entries (32 MiB table) */
#define QCOW2_MAX_REFTABLE_SIZE (8 * 1024 * 1024)         /* bytes */
#define QCOW2_MAX_SNAPSHOTS 65536
#define QCOW2_MAX_SNAPSHOT_TABLE_SIZE (64 * 1024 * 1024)  /* bytes */
#define QCOW2_MAX_BACKING_NAME 1023
#define QCOW2_MAX_VIRTUAL_SIZE (1ULL << 61)               /* 2 EiB, as QEMU caps */

/* Header extension types. */
#define QCOW2_EXT_END            0x00000000u
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE  0x6803f857u
#define QCOW2_EXT_CRYPTO         0x0537be77u
#define QCOW2_EXT_BITMAPS        0x23852875u
#define QCOW2_EXT_DATA_FILE      0x44415441u

/* Feature bits. */
#define QCOW2_INCOMPAT_DIRTY       (1ULL << 0)
#define QCOW2_INCOMPAT_CORRUPT     (1ULL << 1)
#define QCOW2_INCOMPAT_DATA_FILE   (1ULL << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ULL << 3)
#define QCOW2_INCOMPAT_EXTL2       (1ULL << 4)
#define QCOW2_INCOMPAT_KNOWN       0x1fULL
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ULL << 0)
#define QCOW2_AUTOCLEAR_BITMAPS       (1ULL << 0)
#define QCOW2_AUTOCLEAR_DATA_FILE_RAW (1ULL << 1)
#define QCOW2_AUTOCLEAR_KNOWN         0x3ULL

/* Feature name table entry types. */
#define QCOW2_FEAT_TYPE_INCOMPATIBLE 0
#define QCOW2_FEAT_TYPE_COMPATIBLE   1
#define QCOW2_FEAT_TYPE_AUTOCLEAR    2

#define QCOW2_COMPRESSION_ZLIB 0
#define QCOW2_COMPRESSION_ZSTD 1

/* L1 entries. */
#define L1E_OFFSET_MASK 0x00fffffffffffe00ULL
#define L1E_RESERVED_MASK 0x7f000000000001ffULL
/* L2 entries (standard clusters). */
#define L2E_OFFSET_MASK 0x00fffffffffffe00ULL
#define L2E_RESERVED_MASK 0x3f000000000001feULL
#define QCOW_OFLAG_COPIED     (1ULL << 63)
#define QCOW_OFLAG_COMPRESSED (1ULL << 62)
#define QCOW_OFLAG_ZERO       (1ULL << 0)
/* Refcount table entries. */
#define REFT_OFFSET_MASK 0xfffffffffffffe00ULL
#define REFT_RESERVED_MASK 0x1ffULL

/* Extended L2: 32 subclusters; bitmap low half "allocated", high half "zero". */
#define QCOW_EXTL2_SUBCLUSTERS 32
#define QCOW_L2_BITMAP_ALL_ALLOC 0x00000000ffffffffULL
#define QCOW_L2_BITMAP_ALL_ZERO  0xffffffff00000000ULL

/* ---- The header, in host byte order ---- */

typedef struct QCowHeader {
    uint32_t magic;
    uint32_t version;
    uint64_t backing_file_offset;
    uint32_t backing_file_size;
    uint32_t cluster_bits;
    uint64_t size;
    uint32_t crypt_method;
    uint32_t l1_size;
    uint64_t l1_table_offset;
    uint64_t refcount_table_offset;
    uint32_t refcount_table_clusters;
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    /* version 3 (v2 images: features 0, refcount_order 4, header_length 72) */
    uint64_t incompatible_features;
    uint64_t compatible_features;
    uint64_t autoclear_features;
    uint32_t refcount_order;
    uint32_t header_length;
    uint8_t compression_type;          /* only when header_length > 104 */
} QCowHeader;

/* Decode len (>= 72) big-endian bytes; missing v3 fields get their v2 defaults. */
void qcow2_header_decode(QCowHeader *h, const uint8_t *buf, size_t len);
/* Encode h->header_length bytes (72, 104 or 112) into buf; returns that length. */
size_t qcow2_header_encode(const QCowHeader *h, uint8_t *buf);

/* A header extension we keep verbatim (unknown types, bitmaps, feature table). */
typedef struct Qcow2Extension {
    uint32_t type;
    uint32_t len;
    uint8_t *data;                     /* g_malloc'd, len bytes */
} Qcow2Extension;

/* One feature name table entry (48 bytes on disk). */
typedef struct Qcow2Feature {
    uint8_t type;
    uint8_t bit;
    char name[47];                     /* NUL terminated */
} Qcow2Feature;

/* ---- Snapshots (table read/written by qcow2-snapshot.c) ---- */

typedef struct Qcow2Snapshot {
    uint64_t l1_table_offset;
    uint32_t l1_size;
    char *id_str;                      /* g_malloc'd */
    char *name;                        /* g_malloc'd */
    uint64_t disk_size;                /* virtual size at creation */
    uint64_t vm_state_size;
    uint32_t date_sec;
    uint32_t date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t icount;                   /* UINT64_MAX when absent */
    uint32_t extra_data_size;          /* as on disk */
    uint8_t *unknown_extra_data;       /* extra data beyond the fields we know */
} Qcow2Snapshot;

/* ---- Metadata cache (L2 tables, refcount blocks) ---- */

typedef struct Qcow2CacheEntry {
    uint64_t offset;                   /* 0: empty slot */
    void *table;                       /* one cluster */
    int ref;                           /* pinned while > 0 */
    bool dirty;
    uint64_t lru;
} Qcow2CacheEntry;

typedef struct Qcow2Cache {
    Qcow2CacheEntry *entries;
    int size;
    uint64_t lru_counter;
    int last_hit;
    /* Write this cache's dependency (refcounts) before our dirty tables. */
    struct Qcow2Cache *depends;
    /* Tables were written since the last flush of bs->file. */
    bool unflushed;
} Qcow2Cache;

/* ---- Per-image state (bs->opaque) ---- */

typedef struct BDRVQcow2State {
    pthread_mutex_t lock;              /* all metadata below */
    QCowHeader header;                 /* as on disk, kept in sync */

    int cluster_bits;
    int cluster_size;
    int l2_bits;                       /* log2(entries per L2 table) */
    int l2_size;                       /* entries per L2 table */
    int l2_entry_size;                 /* 8, or 16 with extended L2 */
    int subcluster_bits;
    int subcluster_size;
    int csize_shift;                   /* compressed descriptor: size field position */
    uint64_t csize_mask;
    uint64_t cluster_offset_mask;      /* compressed descriptor: offset field */

    uint64_t *l1_table;                /* host order, l1_size entries */
    uint32_t l1_size;
    uint64_t l1_table_offset;

    uint64_t *refcount_table;          /* host order */
    uint32_t refcount_table_size;      /* entries */
    uint64_t refcount_table_offset;
    int refcount_order;
    int refcount_bits;
    uint64_t refcount_max;
    int refcount_block_bits;           /* log2(entries per refcount block) */
    int refcount_block_size;
    uint64_t free_cluster_index;       /* allocation hint */
    uint64_t free_byte_offset;         /* compressed allocation: next byte, 0 if none */

    Qcow2Cache *l2_cache;
    Qcow2Cache *refcount_cache;

    uint64_t incompatible_features;
    uint64_t compatible_features;
    uint64_t autoclear_features;
    bool use_lazy_refcounts;
    int compression_type;
    bool extended_l2;

    Qcow2Feature *features;            /* feature name table, kept for rewrite */
    int nb_features;
    Qcow2Extension *unknown_ext;       /* kept verbatim, in file order */
    int nb_unknown_ext;
    uint8_t *bitmaps_ext;              /* bitmaps extension data, kept verbatim */
    uint32_t bitmaps_ext_len;
    char *image_backing_format;        /* from the extension, or NULL */
    char *image_data_file;             /* external data file name, or NULL */
    BlockDriverState *data_file;       /* bs->file, or the external data file */

    Qcow2Snapshot *snapshots;
    int nb_snapshots;
    uint64_t snapshots_offset;
    uint32_t snapshots_size;           /* bytes of the table on disk */

    bool dirty_set_by_us;              /* we set the dirty bit at first write */
    bool corrupt;                      /* marked corrupt while open */
    /* Decided at the first block status call: see qcow2_block_status. */
    bool prealloc_checked;
    bool metadata_prealloc;
} BDRVQcow2State;

/* ---- Entry decoding ---- */

typedef enum Qcow2ClusterType {
    QCOW2_CLUSTER_UNALLOCATED,
    QCOW2_CLUSTER_ZERO_PLAIN,          /* zero flag, no host cluster */
    QCOW2_CLUSTER_ZERO_ALLOC,          /* zero flag with a preallocated host cluster */
    QCOW2_CLUSTER_NORMAL,
    QCOW2_CLUSTER_COMPRESSED,
} Qcow2ClusterType;

typedef enum Qcow2SubclusterType {
    QCOW2_SUBCLUSTER_UNALLOCATED_PLAIN,   /* no host cluster; read backing */
    QCOW2_SUBCLUSTER_UNALLOCATED_ALLOC,   /* host cluster exists; read backing */
    QCOW2_SUBCLUSTER_ZERO_PLAIN,
    QCOW2_SUBCLUSTER_ZERO_ALLOC,
    QCOW2_SUBCLUSTER_NORMAL,
    QCOW2_SUBCLUSTER_COMPRESSED,
    QCOW2_SUBCLUSTER_INVALID,             /* bitmap contradicts itself */
} Qcow2SubclusterType;

static inline bool qcow2_has_data_file(const BDRVQcow2State *s)
{
    return s->incompatible_features & QCOW2_INCOMPAT_DATA_FILE;
}

static inline uint64_t qcow2_offset_into_cluster(const BDRVQcow2State *s, uint64_t off)
{
    return off & (uint64_t)(s->cluster_size - 1);
}

static inline uint64_t qcow2_start_of_cluster(const BDRVQcow2State *s, uint64_t off)
{
    return off & ~(uint64_t)(s->cluster_size - 1);
}

/* Index into the L1 table / into an L2 table for a guest offset. */
static inline uint64_t qcow2_l1_index(const BDRVQcow2State *s, uint64_t guest_off)
{
    return guest_off >> (s->cluster_bits + s->l2_bits);
}

static inline int qcow2_l2_index(const BDRVQcow2State *s, uint64_t guest_off)
{
    return (guest_off >> s->cluster_bits) & (s->l2_size - 1);
}

/* L1 entries needed for a virtual size. */
static inline uint64_t qcow2_l1_entries_for(int cluster_bits, int l2_bits, uint64_t size)
{
    uint64_t shift = cluster_bits + l2_bits;
    return (size + (1ULL << shift) - 1) >> shift;
}

/* Raw 64-bit L2 entry / bitmap at index idx of an L2 table held in the cache
 * (big-endian in memory, as on disk). The bitmap is 0 without extended L2. */
uint64_t qcow2_get_l2_entry(const BDRVQcow2State *s, const uint64_t *l2, int idx);
uint64_t qcow2_get_l2_bitmap(const BDRVQcow2State *s, const uint64_t *l2, int idx);
void qcow2_set_l2_entry(const BDRVQcow2State *s, uint64_t *l2, int idx, uint64_t entry);
void qcow2_set_l2_bitmap(const BDRVQcow2State *s, uint64_t *l2, int idx, uint64_t bitmap);

Qcow2ClusterType qcow2_get_cluster_type(const BDRVQcow2State *s, uint64_t l2_entry);
Qcow2SubclusterType qcow2_get_subcluster_type(const BDRVQcow2State *s, uint64_t l2_entry,
                                              uint64_t l2_bitmap, int sc_index);
/* Bits [first, first+count) of a 32-bit subcluster mask. */
static inline uint32_t qcow2_sc_mask(int first, int count)
{
    uint64_t m = ((1ULL << count) - 1) << first;
    return (uint32_t)m;
}
static inline uint32_t qcow2_bitmap_alloc(uint64_t bitmap) { return (uint32_t)bitmap; }
static inline uint32_t qcow2_bitmap_zero(uint64_t bitmap) { return (uint32_t)(bitmap >> 32); }
static inline uint64_t qcow2_bitmap_make(uint32_t alloc, uint32_t zero)
{
    return ((uint64_t)zero << 32) | alloc;
}

/* Compressed cluster descriptors. */
void qcow2_compressed_decode(const BDRVQcow2State *s, uint64_t l2_entry,
                             uint64_t *host_offset, uint64_t *nb_bytes);
/* The L2 entry (with QCOW_OFLAG_COMPRESSED) for size bytes at host_offset. */
uint64_t qcow2_compressed_encode(const BDRVQcow2State *s, uint64_t host_offset,
                                 uint64_t size);
/* First and last host cluster a compressed entry touches (for refcounting). */
void qcow2_compressed_clusters(const BDRVQcow2State *s, uint64_t l2_entry,
                               uint64_t *first_cluster_off, int *nb_clusters);

/* ---- Metadata cache (qcow2-cache.c) ---- */

Qcow2Cache *qcow2_cache_create(int nb_tables, int table_size);
void qcow2_cache_destroy(Qcow2Cache *c);
/* Pin the table at offset (read from bs->file on a miss). */
int qcow2_cache_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset, void **table);
/* Pin a table for a freshly allocated cluster: zero-filled, not read. */
int qcow2_cache_get_empty(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset,
                          void **table);
void qcow2_cache_put(Qcow2Cache *c, void **table);
void qcow2_cache_mark_dirty(Qcow2Cache *c, void *table);
/* Write every dirty table (dependency first); does not flush bs->file. */
int qcow2_cache_write(BlockDriverState *bs, Qcow2Cache *c);
/* Forget the table at offset (its cluster was freed); dirty contents dropped. */
void qcow2_cache_discard(Qcow2Cache *c, uint64_t offset);
/* Forget everything (after the maintenance code rewrote tables directly). */
void qcow2_cache_invalidate(Qcow2Cache *c);

/* L2 tables through the cache: *l2 stays valid until qcow2_l2_put. */
int qcow2_l2_get(BlockDriverState *bs, uint64_t l2_offset, uint64_t **l2);
void qcow2_l2_put(BlockDriverState *bs, uint64_t **l2);
void qcow2_l2_mark_dirty(BlockDriverState *bs, uint64_t *l2);

/*
 * Write dirty metadata in crash-safe order: refcount blocks, a flush barrier
 * of bs->file when references follow, then L2 tables. Called before every
 * request that changed metadata returns, so a kill -9 loses nothing completed.
 */
int qcow2_write_caches(BlockDriverState *bs);
/* Make everything written so far durable before what follows (no-op under
 * cache=unsafe; skipped for refcount-only ordering with lazy refcounts). */
int qcow2_barrier(BlockDriverState *bs, bool refcounts_only);
/* qcow2_write_caches, then flush bs->file (and the data file). */
int qcow2_flush_caches(BlockDriverState *bs);

/* ---- Refcounts (qcow2-refcount.c) ---- */

/* Refcount of a host cluster (0 beyond the refcount table). */
int qcow2_get_refcount(BlockDriverState *bs, uint64_t cluster_index, uint64_t *refcount);
/*
 * Add addend to the refcount of every cluster touching [offset, offset+length).
 * Fails with -ERANGE on under/overflow (the whole update is undone).
 * Freed clusters (reaching 0) are dropped from the caches.
 */
int qcow2_update_refcount(BlockDriverState *bs, uint64_t offset, uint64_t length,
                          int64_t addend);
/* Set one cluster's refcount to an absolute value (repair code). */
int qcow2_set_refcount(BlockDriverState *bs, uint64_t cluster_index, uint64_t value);
/* Allocate size bytes of contiguous free clusters with refcount 1; returns offset. */
int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t size);
/* Allocate nb_clusters at a given offset as far as they are free; returns the count. */
int64_t qcow2_alloc_clusters_at(BlockDriverState *bs, uint64_t offset, int64_t nb_clusters);
/* Allocate size (<= cluster) bytes for compressed data; may share a cluster. */
int64_t qcow2_alloc_bytes(BlockDriverState *bs, int size);
/* Drop one reference of [offset, offset+size). */
void qcow2_free_clusters(BlockDriverState *bs, uint64_t offset, uint64_t size);
/* Drop the references an L2 entry holds (normal, zero-alloc or compressed). */
void qcow2_free_any_cluster(BlockDriverState *bs, uint64_t l2_entry, int nb_clusters);
/* Make the refcount table cover the cluster at offset (allocating blocks). */
int qcow2_refcount_ensure(BlockDriverState *bs, uint64_t cluster_index);
/* Bytes of the file that are in use per the refcounts (last used cluster + 1). */
int64_t qcow2_refcount_end(BlockDriverState *bs);
/* Get/set an entry of a refcount block (refcount_bits wide). */
uint64_t qcow2_refblock_get(const BDRVQcow2State *s, const void *block, uint64_t index);
void qcow2_refblock_set(const BDRVQcow2State *s, void *block, uint64_t index, uint64_t v);
/* Read the refcount table from the file per s->refcount_table_offset/size. */
int qcow2_refcount_init(BlockDriverState *bs, Error **errp);
void qcow2_refcount_close(BlockDriverState *bs);

/* ---- Clusters and L1 (qcow2-cluster.c) ---- */

/* Write one L1 entry (after its L2 table is on disk). */
int qcow2_write_l1_entry(BlockDriverState *bs, int l1_index);
/* Grow the L1 table to at least min_size entries (copy, switch header, free old). */
int qcow2_grow_l1_table(BlockDriverState *bs, uint64_t min_size, bool exact);
/*
 * The L2 entry and bitmap describing guest_offset. Returns 0 with *l2_entry 0
 * when no L2 table exists; -EIO for invalid tables.
 */
int qcow2_get_l2_entry_for(BlockDriverState *bs, uint64_t guest_offset,
                           uint64_t *l2_entry, uint64_t *l2_bitmap);
/* Pin the L2 table for guest_offset, allocating it (refcount 1, COPIED) if needed. */
int qcow2_get_l2_for_write(BlockDriverState *bs, uint64_t guest_offset, uint64_t **l2);

/*
 * The longest run starting at guest offset that maps uniformly (same
 * subcluster type; for NORMAL, contiguous host bytes), at most bytes long and
 * never crossing an L2 table. Validates the entries it walks (-EIO on corrupt
 * metadata). host is the host offset of offset itself for NORMAL/ZERO_ALLOC.
 */
typedef struct Qcow2Extent {
    Qcow2SubclusterType type;
    uint64_t host;
    uint64_t bytes;
    uint64_t l2_entry;                 /* the first cluster's entry */
} Qcow2Extent;
int qcow2_map_extent(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                     Qcow2Extent *ext);
/* Does [offset, +len) in bs->file overlap the header, L1 or refcount table? */
bool qcow2_overlaps_metadata(BlockDriverState *bs, uint64_t offset, uint64_t len);

/* ---- Header (qcow2.c) ---- */

/* Rewrite the header and all header extensions (they must fit cluster 0). */
int qcow2_update_header(BlockDriverState *bs);
/* Set / clear incompatible dirty bit and flush (lazy refcounts). */
int qcow2_mark_dirty(BlockDriverState *bs);
int qcow2_mark_clean(BlockDriverState *bs);
/* Metadata was found invalid: mark the image corrupt (the header bit, when
 * opened read-write and not for check) so no further writes damage it; the
 * caller returns -EIO. Nothing is printed (library code). */
void qcow2_signal_corruption(BlockDriverState *bs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Validate a host offset found in metadata: aligned, nonzero, below 2^56. */
bool qcow2_offset_valid(const BDRVQcow2State *s, uint64_t offset);

/* ---- Compression (qcow2-compress.c), thread safe, no lock needed ---- */

/* Compress src into dst (dst_size bytes); returns compressed size or -ENOSPC. */
ssize_t qcow2_compress(int type, void *dst, size_t dst_size, const void *src,
                       size_t src_size);
/* Decompress exactly dst_size bytes; -EIO when src is not valid. */
int qcow2_decompress(int type, void *dst, size_t dst_size, const void *src,
                     size_t src_size);

/* ---- Maintenance (qcow2m: qcow2-check.c, qcow2-snapshot.c, qcow2-amend.c,
 *      qcow2-measure.c) ---- */

/* Rebuild/compare refcounts; called by open for a dirty lazy-refcount image. */
int qcow2_check_refcounts(BlockDriverState *bs, BdrvCheckResult *res, int fix);
int qcow2_check(BlockDriverState *bs, BdrvCheckResult *res, int fix);
/* Read the snapshot table at s->header.snapshots_offset into s->snapshots. */
int qcow2_read_snapshots(BlockDriverState *bs, Error **errp);
void qcow2_free_snapshots(BlockDriverState *bs);
int qcow2_snapshot_list(BlockDriverState *bs, SnapshotInfo **list);
int qcow2_snapshot_create(BlockDriverState *bs, SnapshotInfo *sn, Error **errp);
int qcow2_snapshot_goto(BlockDriverState *bs, const char *name_or_id, Error **errp);
int qcow2_snapshot_load_tmp(BlockDriverState *bs, const char *id, const char *name,
                            Error **errp);
int qcow2_snapshot_delete(BlockDriverState *bs, const char *id, const char *name,
                          Error **errp);
int qcow2_amend(BlockDriverState *bs, QDict *opts, bool force, Error **errp);
int qcow2_measure(QDict *opts, BlockDriverState *in_bs, BlockMeasureInfo *info,
                  Error **errp);

#endif
