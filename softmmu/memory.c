/*
 * Memory regions, their flattening into address-space views, and dispatch.
 * The region tree is changed under one topology lock; a commit renders every
 * address space anew (highest priority first, each region filling only what
 * is still uncovered), tells listeners which RAM sections went and came, and
 * swaps the view that readers take a reference on.
 */
#include "config.h"
#include "softmmu/memory.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

typedef struct FlatRange {
    uint64_t start, size;
    MemoryRegion *mr;           /* a RAM or IO leaf */
    uint64_t offset;            /* of start, into mr */
    bool readonly;
} FlatRange;

typedef struct FlatView {
    GArray *ranges;             /* FlatRange, sorted by start, disjoint */
    gint ref;
} FlatView;

static GRecMutex topology_lock;
static unsigned transaction_depth;
static bool topology_changed;
static GPtrArray *address_spaces;

/* ---- regions ---- */

static void region_init(MemoryRegion *mr, const char *name, MemoryRegionKind kind,
                        uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = g_strdup(name);
    mr->kind = kind;
    mr->size = size;
    mr->enabled = true;
}

void memory_region_init_container(MemoryRegion *mr, const char *name, uint64_t size)
{
    region_init(mr, name, MR_CONTAINER, size);
    mr->subregions = g_ptr_array_new();
}

bool memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size, Error **errp)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);

    if (!size || p == MAP_FAILED) {
        error_setf_errno(errp, size ? errno : EINVAL, "cannot allocate %" G_GUINT64_FORMAT
                         " bytes for %s", size, name);
        return false;
    }
    region_init(mr, name, MR_RAM, size);
    mr->ram = p;
    return true;
}

bool memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size, Error **errp)
{
    if (!memory_region_init_ram(mr, name, size, errp)) {
        return false;
    }
    mr->readonly = true;
    return true;
}

void memory_region_init_io(MemoryRegion *mr, const char *name, uint64_t size,
                           const MemoryRegionOps *ops, void *opaque)
{
    region_init(mr, name, MR_IO, size);
    mr->ops = ops;
    mr->opaque = opaque;
}

void memory_region_init_alias(MemoryRegion *mr, const char *name, MemoryRegion *target,
                              uint64_t offset, uint64_t size)
{
    region_init(mr, name, MR_ALIAS, size);
    mr->alias = target;
    mr->alias_offset = offset;
}

void memory_region_destroy(MemoryRegion *mr)
{
    g_assert(!mr->container);
    if (mr->ram) {
        munmap(mr->ram, mr->size);
    }
    if (mr->subregions) {
        g_ptr_array_free(mr->subregions, TRUE);
    }
    g_free(mr->name);
    memset(mr, 0, sizeof(*mr));
}

static void changed(void)
{
    topology_changed = true;
    if (!transaction_depth) {
        memory_transaction_begin();
        memory_transaction_commit();
    }
}

void memory_region_add_subregion(MemoryRegion *container, uint64_t offset, MemoryRegion *sub,
                                 int priority)
{
    g_rec_mutex_lock(&topology_lock);
    g_assert(container->kind == MR_CONTAINER && !sub->container);
    sub->container = container;
    sub->offset = offset;
    sub->priority = priority;
    /* Highest priority first; a newcomer goes before its equals (it wins). */
    guint i = 0;
    while (i < container->subregions->len &&
           ((MemoryRegion *)g_ptr_array_index(container->subregions, i))->priority > priority) {
        i++;
    }
    g_ptr_array_insert(container->subregions, (gint)i, sub);
    changed();
    g_rec_mutex_unlock(&topology_lock);
}

void memory_region_del_subregion(MemoryRegion *container, MemoryRegion *sub)
{
    g_rec_mutex_lock(&topology_lock);
    g_assert(sub->container == container);
    g_ptr_array_remove(container->subregions, sub);
    sub->container = NULL;
    changed();
    g_rec_mutex_unlock(&topology_lock);
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    g_rec_mutex_lock(&topology_lock);
    if (mr->enabled != enabled) {
        mr->enabled = enabled;
        changed();
    }
    g_rec_mutex_unlock(&topology_lock);
}

void memory_region_set_address(MemoryRegion *mr, uint64_t offset)
{
    g_rec_mutex_lock(&topology_lock);
    if (mr->offset != offset) {
        mr->offset = offset;
        changed();
    }
    g_rec_mutex_unlock(&topology_lock);
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    g_rec_mutex_lock(&topology_lock);
    if (mr->readonly != readonly) {
        mr->readonly = readonly;
        changed();
    }
    g_rec_mutex_unlock(&topology_lock);
}

/* ---- flattening ---- */

/*
 * Add [start, end) of leaf mr to the view, only where still uncovered;
 * start_off is start's offset into mr.
 */
static void fill_gaps(GArray *ranges, MemoryRegion *mr, uint64_t start, uint64_t end,
                      bool readonly, uint64_t start_off)
{
    uint64_t pos = start;
    guint i = 0;

    while (pos < end) {
        while (i < ranges->len && g_array_index(ranges, FlatRange, i).start +
               g_array_index(ranges, FlatRange, i).size <= pos) {
            i++;
        }
        uint64_t next = end;
        if (i < ranges->len) {
            FlatRange *r = &g_array_index(ranges, FlatRange, i);
            if (r->start <= pos) {
                pos = r->start + r->size;       /* covered by a higher priority */
                continue;
            }
            next = MIN(end, r->start);
        }
        FlatRange fr = { pos, next - pos, mr, start_off + (pos - start), readonly };
        g_array_insert_val(ranges, i, fr);
        i++;
        pos = next;
    }
}

/*
 * Render mr placed at base, clipped to [lo, hi). An alias's target may start
 * below address 0 (a window into its middle), so positions are 128-bit here.
 */
typedef __int128 Pos;

static void render(GArray *ranges, MemoryRegion *mr, Pos base, Pos lo, Pos hi, bool readonly)
{
    Pos end = base + (Pos)mr->size;

    if (!mr->enabled) {
        return;
    }
    lo = MAX(lo, base);
    hi = MIN(hi, end);
    if (lo >= hi) {
        return;
    }
    switch (mr->kind) {
    case MR_ALIAS:
        render(ranges, mr->alias, base - (Pos)mr->alias_offset, lo, hi,
               readonly || mr->readonly);
        break;
    case MR_CONTAINER:
        for (guint i = 0; i < mr->subregions->len; i++) {
            MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
            render(ranges, sub, base + (Pos)sub->offset, lo, hi, readonly || mr->readonly);
        }
        break;
    default:
        /* 0 <= lo here: the root starts at 0 and clips everything below. */
        fill_gaps(ranges, mr, (uint64_t)lo, (uint64_t)MIN(hi, (Pos)UINT64_MAX),
                  readonly || mr->readonly, (uint64_t)(lo - base));
    }
}

static FlatView *flatview_new(MemoryRegion *root)
{
    FlatView *v = g_new0(FlatView, 1);

    v->ranges = g_array_new(FALSE, FALSE, sizeof(FlatRange));
    v->ref = 1;
    if (root) {
        render(v->ranges, root, 0, 0, (Pos)UINT64_MAX + 1, false);
    }
    return v;
}

static void flatview_unref(FlatView *v)
{
    if (v && g_atomic_int_dec_and_test(&v->ref)) {
        g_array_free(v->ranges, TRUE);
        g_free(v);
    }
}

static FlatView *view_get(AddressSpace *as)
{
    g_mutex_lock(&as->view_lock);
    FlatView *v = as->view;
    g_atomic_int_inc(&v->ref);
    g_mutex_unlock(&as->view_lock);
    return v;
}

/* ---- listeners ---- */

static bool section_of(const FlatRange *r, MemorySection *s)
{
    if (r->mr->kind != MR_RAM) {
        return false;
    }
    *s = (MemorySection){ r->start, r->size, r->mr->ram + r->offset, r->readonly, r->mr };
    return true;
}

static bool has_section(FlatView *v, const MemorySection *s)
{
    for (guint i = 0; i < v->ranges->len; i++) {
        MemorySection t;
        if (section_of(&g_array_index(v->ranges, FlatRange, i), &t) && t.start == s->start &&
            t.size == s->size && t.host == s->host && t.readonly == s->readonly) {
            return true;
        }
    }
    return false;
}

/* Tell every listener of as what RAM left old and what arrived in new. */
static void notify_listeners(AddressSpace *as, FlatView *old, FlatView *new)
{
    for (int pass = 0; pass < 2; pass++) {
        FlatView *from = pass ? new : old, *other = pass ? old : new;
        for (guint i = 0; from && i < from->ranges->len; i++) {
            MemorySection s;
            if (!section_of(&g_array_index(from->ranges, FlatRange, i), &s) ||
                (other && has_section(other, &s))) {
                continue;
            }
            for (guint k = 0; k < as->listeners->len; k++) {
                MemoryListener *l = g_ptr_array_index(as->listeners, k);
                if (pass ? l->region_add != NULL : l->region_del != NULL) {
                    (pass ? l->region_add : l->region_del)(l, &s);
                }
            }
        }
    }
}

static void rebuild(AddressSpace *as)
{
    FlatView *new = flatview_new(as->root), *old;

    g_mutex_lock(&as->view_lock);
    old = as->view;
    as->view = new;
    g_mutex_unlock(&as->view_lock);
    notify_listeners(as, old, new);
    flatview_unref(old);
}

void memory_transaction_begin(void)
{
    g_rec_mutex_lock(&topology_lock);
    transaction_depth++;
}

void memory_transaction_commit(void)
{
    g_assert(transaction_depth > 0);
    if (--transaction_depth == 0 && topology_changed) {
        topology_changed = false;
        for (guint i = 0; address_spaces && i < address_spaces->len; i++) {
            rebuild(g_ptr_array_index(address_spaces, i));
        }
    }
    g_rec_mutex_unlock(&topology_lock);
}

AddressSpace *address_space_new(const char *name, MemoryRegion *root)
{
    AddressSpace *as = g_new0(AddressSpace, 1);

    as->name = g_strdup(name);
    as->root = root;
    as->listeners = g_ptr_array_new();
    g_mutex_init(&as->view_lock);
    g_rec_mutex_lock(&topology_lock);
    if (!address_spaces) {
        address_spaces = g_ptr_array_new();
    }
    g_ptr_array_add(address_spaces, as);
    as->view = flatview_new(root);
    g_rec_mutex_unlock(&topology_lock);
    return as;
}

void address_space_free(AddressSpace *as)
{
    g_rec_mutex_lock(&topology_lock);
    g_ptr_array_remove(address_spaces, as);
    g_rec_mutex_unlock(&topology_lock);
    flatview_unref(as->view);
    g_ptr_array_free(as->listeners, TRUE);
    g_mutex_clear(&as->view_lock);
    g_free(as->name);
    g_free(as);
}

void memory_listener_register(AddressSpace *as, MemoryListener *l)
{
    g_rec_mutex_lock(&topology_lock);
    g_ptr_array_add(as->listeners, l);
    FlatView *v = view_get(as);
    for (guint i = 0; i < v->ranges->len; i++) {
        MemorySection s;
        if (l->region_add && section_of(&g_array_index(v->ranges, FlatRange, i), &s)) {
            l->region_add(l, &s);
        }
    }
    flatview_unref(v);
    g_rec_mutex_unlock(&topology_lock);
}

void memory_listener_unregister(AddressSpace *as, MemoryListener *l)
{
    g_rec_mutex_lock(&topology_lock);
    g_ptr_array_remove(as->listeners, l);
    g_rec_mutex_unlock(&topology_lock);
}

/* ---- dispatch ---- */

/* The range holding addr, or NULL; *gap_end: where the next range starts. */
static const FlatRange *lookup(FlatView *v, uint64_t addr, uint64_t *gap_end)
{
    guint lo = 0, hi = v->ranges->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const FlatRange *r = &g_array_index(v->ranges, FlatRange, mid);
        if (addr < r->start) {
            hi = mid;
        } else if (addr - r->start >= r->size) {
            lo = mid + 1;
        } else {
            return r;
        }
    }
    *gap_end = lo < v->ranges->len ? g_array_index(v->ranges, FlatRange, lo).start : UINT64_MAX;
    return NULL;
}

/* One device access of size bytes, fitted to what the callbacks implement. */
static void io_access(MemoryRegion *mr, uint64_t off, unsigned size, uint64_t *val,
                      bool write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned min = ops->impl_min ? ops->impl_min : 1, max = ops->impl_max ? ops->impl_max : 8;

    if (size > max) {           /* split, little-endian */
        uint64_t v = 0;
        for (unsigned done = 0; done < size; done += max) {
            uint64_t part = write ? *val >> (8 * done) : 0;
            io_access(mr, off + done, max, &part, write);
            v |= (part & (max == 8 ? UINT64_MAX : (1ull << (8 * max)) - 1)) << (8 * done);
        }
        if (!write) {
            *val = v;
        }
        return;
    }
    if (size < min) {           /* widen to the implemented size */
        uint64_t base = off & ~(uint64_t)(min - 1);
        unsigned shift = (unsigned)(off - base) * 8;
        uint64_t mask = (1ull << (8 * size)) - 1;
        if (write) {
            if (ops->write) {
                ops->write(mr->opaque, base, (*val & mask) << shift, min);
            }
        } else {
            *val = ops->read ? (ops->read(mr->opaque, base, min) >> shift) & mask : mask;
        }
        return;
    }
    uint64_t mask = size == 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
    if (write) {
        if (ops->write) {
            ops->write(mr->opaque, off, *val & mask, size);
        }
    } else {
        /* A device may return more bits than asked for: the access has size bytes. */
        *val = (ops->read ? ops->read(mr->opaque, off, size) : UINT64_MAX) & mask;
    }
}

/* The largest access that fits len bytes at addr: a power of two, aligned. */
static unsigned chunk_size(uint64_t addr, size_t len)
{
    unsigned s = 8;
    while (s > len || (addr & (s - 1))) {
        s >>= 1;
    }
    return s;
}

static MemTxResult as_access(AddressSpace *as, uint64_t addr, uint8_t *buf, size_t len,
                             bool write)
{
    FlatView *v = view_get(as);
    MemTxResult res = MEMTX_OK;

    while (len) {
        uint64_t gap_end;
        const FlatRange *r = lookup(v, addr, &gap_end);
        if (!r) {
            size_t n = (size_t)MIN((uint64_t)len, gap_end - addr);
            if (!write) {
                memset(buf, 0xff, n);           /* nothing there reads as all ones */
            }
            res = MEMTX_DECODE_ERROR;
            buf += n, addr += n, len -= n;
            continue;
        }
        uint64_t off = r->offset + (addr - r->start);
        size_t n = (size_t)MIN((uint64_t)len, r->start + r->size - addr);
        if (r->mr->kind == MR_RAM) {
            if (!write) {
                memcpy(buf, r->mr->ram + off, n);
            } else if (!r->readonly) {
                memcpy(r->mr->ram + off, buf, n);
            }
        } else {
            n = chunk_size(addr, n);
            uint64_t val = 0;
            if (write) {
                memcpy(&val, buf, n);           /* little-endian host */
            }
            io_access(r->mr, off, (unsigned)n, &val, write);
            if (!write) {
                memcpy(buf, &val, n);
            }
        }
        buf += n, addr += n, len -= n;
    }
    flatview_unref(v);
    return res;
}

MemTxResult address_space_read(AddressSpace *as, uint64_t addr, void *buf, size_t len)
{
    return as_access(as, addr, buf, len, false);
}

MemTxResult address_space_write(AddressSpace *as, uint64_t addr, const void *buf, size_t len)
{
    return as_access(as, addr, (uint8_t *)buf, len, true);
}

MemTxResult address_space_ld(AddressSpace *as, uint64_t addr, unsigned size, uint64_t *val)
{
    FlatView *v = view_get(as);
    uint64_t gap_end;
    const FlatRange *r = lookup(v, addr, &gap_end);

    *val = 0;
    /* A device access that fits one range goes to the device whole. */
    if (r && r->mr->kind == MR_IO && addr - r->start <= r->size - size) {
        io_access(r->mr, r->offset + (addr - r->start), size, val, false);
        flatview_unref(v);
        return MEMTX_OK;
    }
    flatview_unref(v);
    return as_access(as, addr, (uint8_t *)val, size, false);
}

MemTxResult address_space_st(AddressSpace *as, uint64_t addr, unsigned size, uint64_t val)
{
    FlatView *v = view_get(as);
    uint64_t gap_end;
    const FlatRange *r = lookup(v, addr, &gap_end);

    if (r && r->mr->kind == MR_IO && addr - r->start <= r->size - size) {
        io_access(r->mr, r->offset + (addr - r->start), size, &val, true);
        flatview_unref(v);
        return MEMTX_OK;
    }
    flatview_unref(v);
    return as_access(as, addr, (uint8_t *)&val, size, true);
}

/* Whether [addr, addr + len) is all RAM (writable RAM for writes). */
static bool all_ram(FlatView *v, uint64_t addr, size_t len, bool write)
{
    while (len) {
        uint64_t gap_end;
        const FlatRange *r = lookup(v, addr, &gap_end);
        if (!r || r->mr->kind != MR_RAM || (write && r->readonly)) {
            return false;
        }
        uint64_t n = MIN((uint64_t)len, r->start + r->size - addr);
        addr += n;
        len -= (size_t)n;
    }
    return true;
}

/* Check and copy against one view, so no device is ever touched by DMA. */
static bool dma_rw(void *opaque, uint64_t gpa, uint8_t *buf, size_t len, bool write)
{
    FlatView *v = view_get(opaque);
    bool ok = gpa + len >= gpa && all_ram(v, gpa, len, write);

    while (ok && len) {
        uint64_t gap_end;
        const FlatRange *r = lookup(v, gpa, &gap_end);
        uint8_t *host = r->mr->ram + r->offset + (gpa - r->start);
        size_t n = (size_t)MIN((uint64_t)len, r->start + r->size - gpa);
        memcpy(write ? host : buf, write ? buf : host, n);
        gpa += n, buf += n, len -= n;
    }
    flatview_unref(v);
    return ok;
}

static bool dma_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    return dma_rw(opaque, gpa, buf, len, false);
}

static bool dma_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    return dma_rw(opaque, gpa, (void *)buf, len, true);
}

const DMAOps address_space_dma_ops = { dma_read, dma_write };

/* ---- info mtree ---- */

static const char *kind_text(const MemoryRegion *mr)
{
    switch (mr->kind) {
    case MR_RAM: return mr->readonly ? "rom" : "ram";
    case MR_IO: return "i/o";
    case MR_CONTAINER: return "container";
    default: return mr->alias->kind == MR_RAM ? (mr->alias->readonly ? "rom" : "ram") : "i/o";
    }
}

static void mtree(GString *out, const MemoryRegion *mr, uint64_t base, int depth)
{
    uint64_t end = mr->size ? base + mr->size - 1 : base;

    g_string_append_printf(out, "%*s%016" G_GINT64_MODIFIER "x-%016" G_GINT64_MODIFIER
                           "x (prio %d, %s): ", depth * 2, "", base, end, mr->priority,
                           kind_text(mr));
    if (mr->kind == MR_ALIAS) {
        g_string_append_printf(out, "alias %s @%s %016" G_GINT64_MODIFIER "x-%016"
                               G_GINT64_MODIFIER "x", mr->name, mr->alias->name,
                               mr->alias_offset, mr->alias_offset + mr->size - 1);
    } else {
        g_string_append(out, mr->name);
    }
    g_string_append(out, mr->enabled ? "\n" : " [disabled]\n");
    for (guint i = 0; mr->subregions && i < mr->subregions->len; i++) {
        const MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
        mtree(out, sub, base + sub->offset, depth + 1);
    }
}

char *address_space_mtree_text(AddressSpace *as)
{
    GString *out = g_string_new(NULL);

    g_rec_mutex_lock(&topology_lock);
    g_string_append_printf(out, "address-space: %s\n", as->name);
    if (as->root) {
        mtree(out, as->root, 0, 1);
    }
    g_rec_mutex_unlock(&topology_lock);
    g_string_append_c(out, '\n');
    return g_string_free(out, FALSE);
}
