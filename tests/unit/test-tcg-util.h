/*
 * Shared fixtures for the libtcg unit tests: a small CPU state with i64 and i32
 * globals, a context declared over it, a flat guest memory, and runners that print
 * the IR and the values involved when a check fails.
 */
#ifndef TEST_TCG_UTIL_H
#define TEST_TCG_UTIL_H

#include <glib.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "libtcg/tcg.h"
#include "libtcg/tcg-interp.h"

typedef struct TestEnv {
    uint64_t r[16];
    uint32_t w[8];
    uint8_t bytes[32];
} TestEnv;

typedef struct TestCtx {
    TCGContext *s;
    TCGInterp *it;
    TCGv_i64 r[16];
    TCGv_i32 w[8];
    TestEnv env;
    TCGExitInfo info;
} TestCtx;

static inline void tt_init_words(TestCtx *t, unsigned insn_words)
{
    char name[8];

    memset(t, 0, sizeof(*t));
    t->s = tcg_ctx_new(sizeof(TestEnv), insn_words);
    t->it = tcg_interp_new();
    for (int i = 0; i < 16; i++) {
        snprintf(name, sizeof(name), "r%d", i);
        t->r[i] = tcg_global_i64(t->s, offsetof(TestEnv, r) + 8 * i, name, NULL);
        g_assert_cmpuint(t->r[i].idx, !=, 0);
    }
    for (int i = 0; i < 8; i++) {
        snprintf(name, sizeof(name), "w%d", i);
        t->w[i] = tcg_global_i32(t->s, offsetof(TestEnv, w) + 4 * i, name, NULL);
        g_assert_cmpuint(t->w[i].idx, !=, 0);
    }
}

static inline void tt_init(TestCtx *t)
{
    tt_init_words(t, 1);
}

static inline void tt_fini(TestCtx *t)
{
    tcg_interp_free(t->it);
    tcg_ctx_free(t->s);
}

/* Run the TB; on a result other than `want`, print the IR and the message. */
static inline void tt_run_expect(TestCtx *t, const TCGMemOps *mem, void *opaque,
                                 TCGExitKind want)
{
    TCGExitKind k = tcg_interp_run(t->it, t->s, &t->env, mem, opaque, &t->info);
    if (k != want) {
        char *dump = tcg_dump(t->s);
        g_test_message("exit kind %d, wanted %d; message: %s\nIR:\n%s", k, want,
                       t->info.message, dump);
        g_free(dump);
    }
    g_assert_cmpint(k, ==, want);
}

static inline void tt_run(TestCtx *t)
{
    tt_run_expect(t, NULL, NULL, TCG_EXIT_TB);
}

/* The builder error text of the current TB ("" if none). */
static inline const char *tt_error(TestCtx *t)
{
    const Error *e = tcg_ctx_error(t->s);
    return e ? error_message(e) : "";
}

static inline void tt_assert_error(TestCtx *t, const char *needle)
{
    const char *msg = tt_error(t);
    if (!strstr(msg, needle)) {
        g_test_message("builder error '%s' does not contain '%s'", msg, needle);
    }
    g_assert_nonnull(strstr(msg, needle));
}

/* ---- a flat guest memory: pages of 4 KiB with per-page behaviour ---- */

enum { TM_PAGE = 4096, TM_PAGES = 6 };
#define TM_BASE UINT64_C(0x10000)

typedef enum TestPageKind {
    TP_RW,          /* plain memory */
    TP_RO,          /* read-only: writes fault with PROT */
    TP_NONE,        /* unmapped */
    TP_IO,          /* device: io callbacks */
} TestPageKind;

typedef struct TestMem {
    uint8_t data[TM_PAGES * TM_PAGE];
    TestPageKind kind[TM_PAGES];
    /* the last device access */
    uint64_t io_addr, io_val;
    unsigned io_size, io_count;
    uint64_t io_read_val;
} TestMem;

static inline void *tm_host_addr(void *opaque, uint64_t addr, unsigned size,
                                 TCGAccess access, unsigned mmu_idx, TCGFault *f)
{
    TestMem *m = opaque;
    uint64_t off = addr - TM_BASE;

    if (addr < TM_BASE || off >= sizeof(m->data) || size > sizeof(m->data) - off) {
        f->kind = TCG_FAULT_MAP;
        return NULL;
    }
    if (off / TM_PAGE != (off + size - 1) / TM_PAGE) {
        f->kind = TCG_FAULT_SPLIT;      /* pages are not contiguous to the caller */
        return NULL;
    }
    switch (m->kind[off / TM_PAGE]) {
    case TP_NONE:
        f->kind = TCG_FAULT_MAP;
        return NULL;
    case TP_IO:
        f->kind = TCG_FAULT_IO;
        return NULL;
    case TP_RO:
        if (access != TCG_ACCESS_READ) {
            f->kind = TCG_FAULT_PROT;
            return NULL;
        }
        break;
    default:
        break;
    }
    return m->data + off;
}

static inline bool tm_io_read(void *opaque, uint64_t addr, unsigned size, unsigned mmu_idx,
                              uint64_t *val)
{
    TestMem *m = opaque;
    m->io_addr = addr;
    m->io_size = size;
    m->io_count++;
    *val = m->io_read_val;
    return true;
}

static inline bool tm_io_write(void *opaque, uint64_t addr, unsigned size, unsigned mmu_idx,
                               uint64_t val)
{
    TestMem *m = opaque;
    m->io_addr = addr;
    m->io_size = size;
    m->io_val = val;
    m->io_count++;
    return true;
}

static const TCGMemOps tm_ops = {
    .host_addr = tm_host_addr,
    .io_read = tm_io_read,
    .io_write = tm_io_write,
};

#endif
