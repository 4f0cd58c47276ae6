/*
 * fw_cfg items, the file directory, byte-wise reads through the data port
 * and the DMA interface. Everything the guest controls (the selector, the
 * DMA control structure's address, operation, length and target) is
 * checked: an unknown key reads as zeros, a write to a read-only item or a
 * transfer outside guest RAM sets the error bit, and the device never
 * touches memory but through its DMA callbacks.
 */
#include "config.h"
#include "hw/nvram/fw_cfg.h"

#include <glib.h>
#include <string.h>

#define ITEMS (FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)
#define KEY_INDEX_MASK 0x3fff
#define DIR_ENTRY_SIZE 64

typedef struct FWCfgItem {
    uint8_t *data;
    uint32_t len;
    bool present;
    bool writable;
} FWCfgItem;

typedef struct FWCfgFile {
    char name[FW_CFG_NAME_MAX];
    uint16_t key;
} FWCfgFile;

struct FWCfgState {
    FWCfgItem items[2][ITEMS];          /* [1]: the FW_CFG_ARCH_LOCAL keys */
    FWCfgFile files[FW_CFG_MAX_FILES];
    unsigned nfiles;
    FWCfgItem *cur;                     /* selected item, NULL if none */
    uint32_t cur_off;
    uint32_t dma_high;
    const DMAOps *dma;
    void *dma_opaque;
    GMutex lock;
};

static FWCfgItem *item(FWCfgState *s, uint16_t key)
{
    unsigned idx = key & KEY_INDEX_MASK;
    return idx < ITEMS ? &s->items[(key & FW_CFG_ARCH_LOCAL) ? 1 : 0][idx] : NULL;
}

void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data, size_t len)
{
    FWCfgItem *it = item(s, key);

    g_assert(it && len <= UINT32_MAX);
    g_free(it->data);
    it->data = g_memdup2(data, len);
    it->len = (uint32_t)len;
    it->present = true;
    it->writable = false;
}

void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *str)
{
    fw_cfg_add_bytes(s, key, str, strlen(str) + 1);
}

void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t v)
{
    v = GUINT16_TO_LE(v);
    fw_cfg_add_bytes(s, key, &v, sizeof(v));
}

void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t v)
{
    v = GUINT32_TO_LE(v);
    fw_cfg_add_bytes(s, key, &v, sizeof(v));
}

void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t v)
{
    v = GUINT64_TO_LE(v);
    fw_cfg_add_bytes(s, key, &v, sizeof(v));
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const FWCfgFile *)a)->name, ((const FWCfgFile *)b)->name);
}

/* The directory: a big-endian count, then size, key and name of each file. */
static void rebuild_dir(FWCfgState *s)
{
    size_t len = 4 + (size_t)s->nfiles * DIR_ENTRY_SIZE;
    uint8_t *dir = g_malloc0(len);
    uint32_t count = GUINT32_TO_BE(s->nfiles);

    qsort(s->files, s->nfiles, sizeof(s->files[0]), by_name);
    memcpy(dir, &count, 4);
    for (unsigned i = 0; i < s->nfiles; i++) {
        uint8_t *e = dir + 4 + (size_t)i * DIR_ENTRY_SIZE;
        uint32_t size = GUINT32_TO_BE(item(s, s->files[i].key)->len);
        uint16_t key = GUINT16_TO_BE(s->files[i].key);
        memcpy(e, &size, 4);
        memcpy(e + 4, &key, 2);
        memcpy(e + 8, s->files[i].name, FW_CFG_NAME_MAX);
    }
    fw_cfg_add_bytes(s, FW_CFG_FILE_DIR, dir, len);
    g_free(dir);
}

static FWCfgFile *find_file(FWCfgState *s, const char *name)
{
    for (unsigned i = 0; i < s->nfiles; i++) {
        if (!strcmp(s->files[i].name, name)) {
            return &s->files[i];
        }
    }
    return NULL;
}

bool fw_cfg_add_file(FWCfgState *s, const char *name, const void *data, size_t len,
                     bool writable, Error **errp)
{
    if (!*name || strlen(name) >= FW_CFG_NAME_MAX) {
        error_setf(errp, "fw_cfg file name '%s' is empty or longer than %d bytes", name,
                   FW_CFG_NAME_MAX - 1);
        return false;
    }
    if (find_file(s, name)) {
        error_setf(errp, "fw_cfg file '%s' already exists", name);
        return false;
    }
    if (s->nfiles == FW_CFG_MAX_FILES || len > UINT32_MAX) {
        error_setf(errp, "fw_cfg: no room for file '%s'", name);
        return false;
    }
    FWCfgFile *f = &s->files[s->nfiles];
    f->key = (uint16_t)(FW_CFG_FILE_FIRST + s->nfiles);
    g_strlcpy(f->name, name, sizeof(f->name));
    s->nfiles++;
    fw_cfg_add_bytes(s, f->key, data, len);
    item(s, f->key)->writable = writable;
    rebuild_dir(s);
    return true;
}

const uint8_t *fw_cfg_file_data(FWCfgState *s, const char *name, size_t *len)
{
    FWCfgFile *f = find_file(s, name);

    if (!f) {
        return NULL;
    }
    *len = item(s, f->key)->len;
    return item(s, f->key)->data;
}

FWCfgState *fw_cfg_new(const DMAOps *dma, void *dma_opaque)
{
    FWCfgState *s = g_new0(FWCfgState, 1);

    g_mutex_init(&s->lock);
    s->dma = dma;
    s->dma_opaque = dma_opaque;
    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID, 1 | (dma ? 2 : 0));
    rebuild_dir(s);
    return s;
}

void fw_cfg_free(FWCfgState *s)
{
    if (!s) {
        return;
    }
    for (int t = 0; t < 2; t++) {
        for (int i = 0; i < ITEMS; i++) {
            g_free(s->items[t][i].data);
        }
    }
    g_mutex_clear(&s->lock);
    g_free(s);
}

static void select_key(FWCfgState *s, uint16_t key)
{
    FWCfgItem *it = item(s, key);

    s->cur = it && it->present ? it : NULL;
    s->cur_off = 0;
}

static uint8_t read_byte(FWCfgState *s)
{
    if (!s->cur || s->cur_off >= s->cur->len) {
        return 0;
    }
    return s->cur->data[s->cur_off++];
}

/* ---- DMA ---- */

/* Zeros into guest memory (a read past the item's end); false if not RAM. */
static bool dma_zero(FWCfgState *s, uint64_t addr, uint32_t len)
{
    static const uint8_t zeros[4096];

    while (len) {
        uint32_t n = MIN(len, (uint32_t)sizeof(zeros));
        if (!s->dma->write(s->dma_opaque, addr, zeros, n)) {
            return false;
        }
        addr += n;
        len -= n;
    }
    return true;
}

/* One READ, WRITE or SKIP of len bytes at the selected item's offset. */
static bool dma_op(FWCfgState *s, uint32_t control, uint32_t len, uint64_t addr)
{
    FWCfgItem *it = s->cur;
    uint32_t avail = it && s->cur_off < it->len ? it->len - s->cur_off : 0;
    uint32_t n = MIN(len, avail);
    bool ok = true;

    if (control & FW_CFG_DMA_READ) {
        ok = (!n || s->dma->write(s->dma_opaque, addr, it->data + s->cur_off, n)) &&
             dma_zero(s, addr + n, len - n);
    } else if (control & FW_CFG_DMA_WRITE) {
        /* Only writable items, and only within their size. */
        ok = it && it->writable && n == len &&
             (!n || s->dma->read(s->dma_opaque, addr, it->data + s->cur_off, n));
    }
    if (ok && it) {
        s->cur_off += n;
    }
    return ok;
}

static void dma_transfer(FWCfgState *s, uint64_t addr)
{
    uint8_t raw[16];
    uint32_t control, len;
    uint64_t target;

    if (!s->dma->read(s->dma_opaque, addr, raw, sizeof(raw))) {
        return;     /* no control structure to answer through */
    }
    memcpy(&control, raw, 4);
    memcpy(&len, raw + 4, 4);
    memcpy(&target, raw + 8, 8);
    control = GUINT32_FROM_BE(control);
    len = GUINT32_FROM_BE(len);
    target = GUINT64_FROM_BE(target);
    if (control & FW_CFG_DMA_SELECT) {
        select_key(s, (uint16_t)(control >> 16));
    }
    bool ok = true;
    if (control & (FW_CFG_DMA_READ | FW_CFG_DMA_WRITE | FW_CFG_DMA_SKIP)) {
        ok = dma_op(s, control, len, target);
    }
    uint32_t done = GUINT32_TO_BE(ok ? 0 : FW_CFG_DMA_ERROR);
    s->dma->write(s->dma_opaque, addr, &done, sizeof(done));
}

/* ---- the x86 port block ---- */

uint64_t fw_cfg_io_read(void *opaque, uint64_t offset, unsigned size)
{
    FWCfgState *s = opaque;
    uint64_t v = 0;

    g_mutex_lock(&s->lock);
    if (offset == 1) {
        for (unsigned i = 0; i < size; i++) {
            v |= (uint64_t)read_byte(s) << (8 * i);
        }
    } else if (s->dma && offset == 4 && size == 4) {
        v = 0x554d4551;     /* "QEMU" in memory order: the DMA signature's first half */
    } else if (s->dma && offset == 8 && size == 4) {
        v = 0x47464320;     /* " CFG" */
    }
    g_mutex_unlock(&s->lock);
    return v;
}

void fw_cfg_io_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    FWCfgState *s = opaque;

    g_mutex_lock(&s->lock);
    if (offset == 0 && size == 2) {
        select_key(s, (uint16_t)val);
    } else if (s->dma && offset == 4 && size == 4) {
        s->dma_high = GUINT32_FROM_BE((uint32_t)val);
    } else if (s->dma && offset == 8 && size == 4) {
        dma_transfer(s, (uint64_t)s->dma_high << 32 | GUINT32_FROM_BE((uint32_t)val));
    }
    g_mutex_unlock(&s->lock);
}
