/*
 * qcow2 metadata cache: a small LRU of cluster-sized tables (L2 tables or
 * refcount blocks) kept in on-disk byte order, with pinning and dirty
 * tracking. A cache may depend on another (L2 on refcounts): its dirty tables
 * are written only after the dependency's, so references never reach the disk
 * before the refcounts they need.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>
#include "block/qcow2.h"

Qcow2Cache *qcow2_cache_create(int nb_tables, int table_size)
{
    Qcow2Cache *c = g_new0(Qcow2Cache, 1);

    c->size = nb_tables;
    c->entries = g_new0(Qcow2CacheEntry, nb_tables);
    for (int i = 0; i < nb_tables; i++) {
        c->entries[i].table = g_malloc0(table_size);
    }
    return c;
}

void qcow2_cache_destroy(Qcow2Cache *c)
{
    if (!c) {
        return;
    }
    for (int i = 0; i < c->size; i++) {
        g_free(c->entries[i].table);
    }
    g_free(c->entries);
    g_free(c);
}

static int cache_table_size(BlockDriverState *bs)
{
    return ((BDRVQcow2State *)bs->opaque)->cluster_size;
}

static int cache_entry_write(BlockDriverState *bs, Qcow2Cache *c, Qcow2CacheEntry *e)
{
    int ret;

    if (!e->dirty) {
        return 0;
    }
    ret = bdrv_pwrite(bs->file, e->offset, cache_table_size(bs), e->table, 0);
    if (ret < 0) {
        return ret;
    }
    e->dirty = false;
    c->unflushed = true;
    return 0;
}

/* Write the dependency's dirty tables and make them durable before ours. */
static int cache_write_depends(BlockDriverState *bs, Qcow2Cache *c)
{
    int ret;

    if (!c->depends) {
        return 0;
    }
    ret = qcow2_cache_write(bs, c->depends);
    if (ret < 0) {
        return ret;
    }
    return c->depends->unflushed ? qcow2_barrier(bs, true) : 0;
}

static int cache_find(Qcow2Cache *c, uint64_t offset)
{
    if (c->entries[c->last_hit].offset == offset) {
        return c->last_hit;
    }
    for (int i = 0; i < c->size; i++) {
        if (c->entries[i].offset == offset) {
            return i;
        }
    }
    return -1;
}

/* A slot to reuse: an empty one, else the least recently used unpinned one. */
static int cache_victim(BlockDriverState *bs, Qcow2Cache *c)
{
    int best = -1;
    int ret;

    for (int i = 0; i < c->size; i++) {
        Qcow2CacheEntry *e = &c->entries[i];
        if (e->ref) {
            continue;
        }
        if (!e->offset) {
            return i;
        }
        if (best < 0 || e->lru < c->entries[best].lru) {
            best = i;
        }
    }
    if (best < 0) {
        return -ENOSPC;
    }
    if (c->entries[best].dirty) {
        ret = cache_write_depends(bs, c);
        if (ret < 0) {
            return ret;
        }
        ret = cache_entry_write(bs, c, &c->entries[best]);
        if (ret < 0) {
            return ret;
        }
    }
    c->entries[best].offset = 0;
    return best;
}

static int cache_do_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset,
                        void **table, bool read)
{
    int i = cache_find(c, offset);
    int ret;

    if (offset == 0) {
        return -EIO;
    }
    if (i < 0) {
        i = cache_victim(bs, c);
        if (i < 0) {
            return i;
        }
        if (read) {
            ret = bdrv_pread(bs->file, offset, cache_table_size(bs), c->entries[i].table, 0);
            if (ret < 0) {
                return ret;
            }
        } else {
            memset(c->entries[i].table, 0, cache_table_size(bs));
        }
        c->entries[i].offset = offset;
        c->entries[i].dirty = false;
    } else if (!read) {
        memset(c->entries[i].table, 0, cache_table_size(bs));
    }
    c->entries[i].ref++;
    c->entries[i].lru = ++c->lru_counter;
    c->last_hit = i;
    *table = c->entries[i].table;
    return 0;
}

int qcow2_cache_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset, void **table)
{
    return cache_do_get(bs, c, offset, table, true);
}

int qcow2_cache_get_empty(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset,
                          void **table)
{
    return cache_do_get(bs, c, offset, table, false);
}

static Qcow2CacheEntry *cache_entry_of(Qcow2Cache *c, const void *table)
{
    for (int i = 0; i < c->size; i++) {
        if (c->entries[i].table == table) {
            return &c->entries[i];
        }
    }
    return NULL;
}

void qcow2_cache_put(Qcow2Cache *c, void **table)
{
    Qcow2CacheEntry *e;

    if (!*table) {
        return;
    }
    e = cache_entry_of(c, *table);
    if (e && e->ref > 0) {
        e->ref--;
    }
    *table = NULL;
}

void qcow2_cache_mark_dirty(Qcow2Cache *c, void *table)
{
    Qcow2CacheEntry *e = cache_entry_of(c, table);

    if (e) {
        e->dirty = true;
    }
}

int qcow2_cache_write(BlockDriverState *bs, Qcow2Cache *c)
{
    int result = 0;
    bool any = false;

    for (int i = 0; i < c->size; i++) {
        any |= c->entries[i].dirty;
    }
    if (!any) {
        return 0;
    }
    result = cache_write_depends(bs, c);
    if (result < 0) {
        return result;
    }
    for (int i = 0; i < c->size; i++) {
        int ret = cache_entry_write(bs, c, &c->entries[i]);
        if (ret < 0 && result == 0) {
            result = ret;
        }
    }
    return result;
}

void qcow2_cache_discard(Qcow2Cache *c, uint64_t offset)
{
    int i = cache_find(c, offset);

    if (i >= 0 && c->entries[i].ref == 0) {
        c->entries[i].offset = 0;
        c->entries[i].dirty = false;
    }
}

void qcow2_cache_invalidate(Qcow2Cache *c)
{
    for (int i = 0; i < c->size; i++) {
        if (c->entries[i].ref == 0) {
            c->entries[i].offset = 0;
            c->entries[i].dirty = false;
        }
    }
}
