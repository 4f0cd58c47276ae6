/*
 * Unit tests for guest and host memory in the IR (docs/tcg-ir.md sections 9, 10
 * and 13): MemOp sizes, signs, byte orders and alignment, split and faulting
 * accesses, device memory, atomics (also under thread contention), barriers, and
 * the precise state a fault leaves.
 */
#include "config.h"
#include <pthread.h>
#include "test-tcg-util.h"

static TestMem *mem_new(void)
{
    TestMem *m = g_new0(TestMem, 1);
    for (unsigned i = 0; i < TM_PAGES; i++) {
        m->kind[i] = TP_RW;
    }
    return m;
}

static uint64_t ref_load(const uint8_t *p, MemOp mop, bool is64)
{
    unsigned size = memop_size(mop);
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        unsigned byte = mop & MO_BE ? size - 1 - i : i;
        v |= (uint64_t)p[byte] << (8 * i);
    }
    if ((mop & MO_SIGN) && size < 8 && (v >> (8 * size - 1)) & 1) {
        v |= UINT64_MAX << (8 * size);
    }
    return is64 ? v : (uint32_t)v;
}

/* Every size, sign and byte order, into i32 and i64, from a value and a constant
 * address. */
static void test_loads(void)
{
    TestMem *m = mem_new();
    const uint64_t addr = TM_BASE + 0x100;

    for (unsigned i = 0; i < 8; i++) {
        m->data[0x100 + i] = 0x81 + i;
    }
    for (int is64 = 0; is64 < 2; is64++) {
        for (unsigned size = 0; size <= (is64 ? 3u : 2u); size++) {
            for (unsigned flags = 0; flags < 4; flags++) {
                MemOp mop = size | (flags & 1 ? MO_SIGN : 0) | (flags & 2 ? MO_BE : 0);
                TestCtx t;
                tt_init(&t);
                tcg_gen_insn_start1(t.s, 0x1000);
                if (is64) {
                    tcg_gen_qemu_ld_i64(t.s, t.r[1], tcg_constant_i64(t.s, addr), 0, mop);
                } else {
                    tcg_gen_qemu_ld_i32(t.s, t.w[1], tcg_constant_i64(t.s, addr), 0, mop);
                }
                tcg_gen_exit_tb(t.s, 0);
                tt_run_expect(&t, &tm_ops, m, TCG_EXIT_TB);
                uint64_t got = is64 ? t.env.r[1] : t.env.w[1];
                uint64_t want = ref_load(m->data + 0x100, mop, is64);
                if (got != want) {
                    g_test_message("qemu_ld_i%d memop 0x%x: 0x%" PRIx64 " want 0x%" PRIx64,
                                   is64 ? 64 : 32, mop, got, want);
                }
                g_assert_cmphex(got, ==, want);
                tt_fini(&t);
            }
        }
    }
    g_free(m);
}

static void test_stores(void)
{
    for (int is64 = 0; is64 < 2; is64++) {
        for (unsigned size = 0; size <= (is64 ? 3u : 2u); size++) {
            for (int be = 0; be < 2; be++) {
                TestMem *m = mem_new();
                MemOp mop = size | (be ? MO_BE : 0) | MO_SIGN;   /* M1: sign ignored */
                unsigned n = 1u << size;
                TestCtx t;
                tt_init(&t);
                t.env.r[0] = TM_BASE + 0x203;       /* unaligned is fine without MO_ALIGN */
                t.env.r[1] = UINT64_C(0x0102030405060708);
                t.env.w[1] = 0x05060708;
                tcg_gen_insn_start1(t.s, 0x1000);
                if (is64) {
                    tcg_gen_qemu_st_i64(t.s, t.r[1], t.r[0], 0, mop);
                } else {
                    tcg_gen_qemu_st_i32(t.s, t.w[1], t.r[0], 0, mop);
                }
                tcg_gen_exit_tb(t.s, 0);
                tt_run_expect(&t, &tm_ops, m, TCG_EXIT_TB);
                for (unsigned i = 0; i < n; i++) {
                    uint8_t want = 8 - (be ? n - 1 - i : i);
                    g_assert_cmphex(m->data[0x203 + i], ==, want);
                }
                g_assert_cmphex(m->data[0x202], ==, 0);
                g_assert_cmphex(m->data[0x203 + n], ==, 0);
                tt_fini(&t);
                g_free(m);
            }
        }
    }
}

/* Build "insn_start pc0; r5 = 42; insn_start pc1; <access>; exit_tb" and run it. */
typedef void (*GenAccess)(TestCtx *t);

static TestMem *run_access(TestCtx *t, GenAccess gen, TCGExitKind want)
{
    TestMem *m = mem_new();

    m->kind[2] = TP_NONE;
    m->kind[3] = TP_RO;
    m->kind[4] = TP_IO;
    tt_init(t);
    t->env.r[1] = 0x5555;
    tcg_gen_insn_start1(t->s, 0x100);
    tcg_gen_movi_i64(t->s, t->r[5], 42);
    tcg_gen_insn_start1(t->s, 0x104);
    gen(t);
    tcg_gen_exit_tb(t->s, 7);
    tt_run_expect(t, &tm_ops, m, want);
    return m;
}

static void gen_ld_align(TestCtx *t)
{
    tcg_gen_qemu_ld_i64(t->s, t->r[1], tcg_constant_i64(t->s, TM_BASE + 4), 0,
                        MO_LEUQ | MO_ALIGN);
}

static void gen_ld_align4(TestCtx *t)
{
    tcg_gen_qemu_ld_i64(t->s, t->r[1], tcg_constant_i64(t->s, TM_BASE + 2), 0,
                        MO_LEUW | MO_ALIGN_4);
}

static void gen_ld_unmapped_misaligned(TestCtx *t)
{
    tcg_gen_qemu_ld_i64(t->s, t->r[1], tcg_constant_i64(t->s, TM_BASE + 2 * TM_PAGE + 1), 0,
                        MO_LEUL | MO_ALIGN);
}

static void gen_ld_unmapped(TestCtx *t)
{
    tcg_gen_qemu_ld_i64(t->s, t->r[1], tcg_constant_i64(t->s, TM_BASE + 2 * TM_PAGE + 8), 3,
                        MO_LEUQ);
}

/* M2, M5, P2, P4: alignment faults come first, report the address and the insn. */
static void test_faults(void)
{
    TestCtx t;
    TestMem *m = run_access(&t, gen_ld_align, TCG_EXIT_FAULT);
    g_assert_cmpint(t.info.fault.kind, ==, TCG_FAULT_ALIGN);
    g_assert_cmphex(t.info.fault.addr, ==, TM_BASE + 4);
    g_assert_cmpint(t.info.fault.access, ==, TCG_ACCESS_READ);
    g_assert_cmphex(t.info.insn_data[0], ==, 0x104);
    g_assert_cmpint(t.info.insn_index, ==, 1);
    g_assert_cmphex(t.env.r[5], ==, 42);        /* globals synced before the fault */
    g_assert_cmphex(t.env.r[1], ==, 0x5555);    /* output not written */
    g_free(m);
    tt_fini(&t);

    m = run_access(&t, gen_ld_align4, TCG_EXIT_FAULT);
    g_assert_cmpint(t.info.fault.kind, ==, TCG_FAULT_ALIGN);
    g_free(m);
    tt_fini(&t);

    m = run_access(&t, gen_ld_unmapped_misaligned, TCG_EXIT_FAULT);
    g_assert_cmpint(t.info.fault.kind, ==, TCG_FAULT_ALIGN);
    g_free(m);
    tt_fini(&t);

    m = run_access(&t, gen_ld_unmapped, TCG_EXIT_FAULT);
    g_assert_cmpint(t.info.fault.kind, ==, TCG_FAULT_MAP);
    g_assert_cmphex(t.info.fault.addr, ==, TM_BASE + 2 * TM_PAGE + 8);
    g_assert_cmpuint(get_mmuidx(t.info.fault.oi), ==, 3);
    g_assert_cmpuint(get_memop(t.info.fault.oi), ==, MO_LEUQ);
    g_assert_cmphex(t.env.r[1], ==, 0x5555);
    g_free(m);
    tt_fini(&t);
}

static void gen_st_ro(TestCtx *t)
{
    tcg_gen_qemu_st_i64(t->s, t->r[1], tcg_constant_i64(t->s, TM_BASE + 3 * TM_PAGE), 0,
                        MO_LEUQ);
}

/* A store straddling from a writable page into an unmapped one. */
static void gen_st_straddle(TestCtx *t)
{
    tcg_gen_qemu_st_i64(t->s, tcg_constant_i64(t->s, UINT64_MAX),
                        tcg_constant_i64(t->s, TM_BASE + 2 * TM_PAGE - 3), 0, MO_LEUQ);
}

static void gen_ldst_split(TestCtx *t)
{
    tcg_gen_qemu_st_i64(t->s, tcg_constant_i64(t->s, UINT64_C(0x1122334455667788)),
                        tcg_constant_i64(t->s, TM_BASE + TM_PAGE - 3), 0, MO_BEUQ);
    tcg_gen_qemu_ld_i64(t->s, t->r[2], tcg_constant_i64(t->s, TM_BASE + TM_PAGE - 3), 0,
                        MO_LEUQ);
}

static void test_store_faults_and_splits(void)
{
    TestCtx t;
    TestMem *m = run_access(&t, gen_st_ro, TCG_EXIT_FAULT);
    g_assert_cmpint(t.info.fault.kind, ==, TCG_FAULT_PROT);
    g_assert_cmpint(t.info.fault.access, ==, TCG_ACCESS_WRITE);
    g_free(m);
    tt_fini(&t);

    /* M4, M5: nothing of the first page is written; the address is the first
     * byte that failed. */
    m = run_access(&t, gen_st_straddle, TCG_EXIT_FAULT);
    g_assert_cmpint(t.info.fault.kind, ==, TCG_FAULT_MAP);
    g_assert_cmphex(t.info.fault.addr, ==, TM_BASE + 2 * TM_PAGE);
    for (unsigned i = 1; i <= 3; i++) {
        g_assert_cmphex(m->data[2 * TM_PAGE - i], ==, 0);
    }
    g_free(m);
    tt_fini(&t);

    /* An access across two pages the memory interface gives separately. */
    m = run_access(&t, gen_ldst_split, TCG_EXIT_TB);
    g_assert_cmphex(m->data[TM_PAGE - 3], ==, 0x11);
    g_assert_cmphex(m->data[TM_PAGE + 4], ==, 0x88);
    g_assert_cmphex(t.env.r[2], ==, UINT64_C(0x8877665544332211));
    g_assert_cmpuint(t.info.value, ==, 7);
    g_free(m);
    tt_fini(&t);
}

static void gen_io(TestCtx *t)
{
    TCGv_i64 a = tcg_constant_i64(t->s, TM_BASE + 4 * TM_PAGE + 0x10);
    tcg_gen_qemu_ld_i64(t->s, t->r[2], a, 0, MO_BESW);
    tcg_gen_qemu_st_i32(t->s, tcg_constant_i32(t->s, 0xaabbccdd), a, 0, MO_BEUL);
}

/* Device memory goes through io_read / io_write with the memory-order value. */
static void test_io(void)
{
    TestCtx t;
    TestMem *m = mem_new();

    m->kind[4] = TP_IO;
    m->io_read_val = 0x0080;    /* bytes 80 00: big-endian 0x8000 */
    tt_init(&t);
    tcg_gen_insn_start1(t.s, 0x100);
    gen_io(&t);
    tcg_gen_exit_tb(t.s, 0);
    tt_run_expect(&t, &tm_ops, m, TCG_EXIT_TB);
    g_assert_cmphex(t.env.r[2], ==, UINT64_C(0xffffffffffff8000));
    g_assert_cmpuint(m->io_count, ==, 2);
    g_assert_cmphex(m->io_addr, ==, TM_BASE + 4 * TM_PAGE + 0x10);
    g_assert_cmpuint(m->io_size, ==, 4);
    g_assert_cmphex(m->io_val, ==, 0xddccbbaa);
    tt_fini(&t);
    g_free(m);
}

/* A split access whose second half is device memory: byte-wise, through io_read. */
static void test_split_io(void)
{
    TestMem *m = mem_new();
    TestCtx t;

    m->kind[1] = TP_IO;
    m->io_read_val = 0xcc;
    m->data[TM_PAGE - 2] = 0xaa;
    m->data[TM_PAGE - 1] = 0xbb;
    tt_init(&t);
    tcg_gen_insn_start1(t.s, 0x100);
    tcg_gen_qemu_ld_i32(t.s, t.w[0], tcg_constant_i64(t.s, TM_BASE + TM_PAGE - 2), 0,
                        MO_LEUL);
    tcg_gen_exit_tb(t.s, 0);
    tt_run_expect(&t, &tm_ops, m, TCG_EXIT_TB);
    g_assert_cmphex(t.env.w[0], ==, 0xccccbbaa);
    g_assert_cmpuint(m->io_count, ==, 2);
    g_assert_cmpuint(m->io_size, ==, 1);
    g_assert_cmphex(m->io_addr, ==, TM_BASE + TM_PAGE + 1);
    tt_fini(&t);
    g_free(m);
}

/* ---- atomics ---- */

typedef struct AtomicCase {
    TCGOpcode opc;
    MemOp mop;
    uint64_t mem, val, want_ret, want_mem;
} AtomicCase;

#define AOP(n) TCGOP_atomic_##n

static void test_atomics(void)
{
    static const AtomicCase c[] = {
        { AOP(xchg_i64), MO_LEUQ, 5, 9, 5, 9 },
        { AOP(fetch_add_i64), MO_LEUQ, UINT64_MAX, 2, UINT64_MAX, 1 },
        { AOP(fetch_add_i64), MO_LEUL, 0xffffffff, 2, 0xffffffff, 1 },
        { AOP(fetch_add_i64), MO_LESL, 0xffffffff, 2, UINT64_MAX, 1 },
        { AOP(fetch_add_i32), MO_BEUL, 0x01000000, 0x01000000, 0x01000000, 0x02000000 },
        { AOP(fetch_and_i64), MO_LEUQ, 0xff, 0x0f, 0xff, 0x0f },
        { AOP(fetch_or_i32), MO_LEUW, 0xf0, 0x0f, 0xf0, 0xff },
        { AOP(fetch_xor_i64), MO_UB, 0xff, 0x10f, 0xff, 0xf0 },
        { AOP(fetch_smin_i64), MO_LEUL, 0xfffffffe, 3, 0xfffffffe, 0xfffffffe },
        { AOP(fetch_smin_i64), MO_LEUL, 3, 0xfffffffe, 3, 0xfffffffe },
        { AOP(fetch_smax_i64), MO_LEUL, 0xfffffffe, 3, 0xfffffffe, 3 },
        { AOP(fetch_smax_i32), MO_SB, 0x80, 0x7f, 0xffffff80, 0x7f },
        { AOP(fetch_umin_i64), MO_LEUL, 0xfffffffe, 3, 0xfffffffe, 3 },
        { AOP(fetch_umax_i64), MO_LEUL, 0xfffffffe, 3, 0xfffffffe, 0xfffffffe },
        { AOP(fetch_umax_i64), MO_LEUQ, 1, UINT64_MAX, 1, UINT64_MAX },
        { AOP(fetch_smin_i64), MO_LEUQ, 1, UINT64_MAX, 1, UINT64_MAX },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(c); i++) {
        TestMem *m = mem_new();
        bool is64 = tcg_op_defs[c[i].opc].flags & TCG_OPF_64;
        unsigned size = memop_size(c[i].mop);
        TestCtx t;

        for (unsigned b = 0; b < size; b++) {
            unsigned pos = c[i].mop & MO_BE ? size - 1 - b : b;
            m->data[0x40 + pos] = c[i].mem >> (8 * b);
        }
        tt_init(&t);
        tcg_gen_insn_start1(t.s, 0x1000);
        TCGArg args[4] = {
            is64 ? t.r[1].idx : t.w[1].idx,
            tcg_constant_i64(t.s, TM_BASE + 0x40).idx,
            is64 ? tcg_constant_i64(t.s, c[i].val).idx : tcg_constant_i32(t.s, c[i].val).idx,
            make_memop_idx(c[i].mop, 0),
        };
        g_assert_nonnull(tcg_emit_op(t.s, c[i].opc, args, 4));
        tcg_gen_exit_tb(t.s, 0);
        tt_run_expect(&t, &tm_ops, m, TCG_EXIT_TB);
        uint64_t ret = is64 ? t.env.r[1] : t.env.w[1];
        uint64_t memv = 0;
        for (unsigned b = 0; b < size; b++) {
            unsigned pos = c[i].mop & MO_BE ? size - 1 - b : b;
            memv |= (uint64_t)m->data[0x40 + pos] << (8 * b);
        }
        if (ret != c[i].want_ret || memv != c[i].want_mem) {
            g_test_message("%s memop 0x%x mem 0x%" PRIx64 " val 0x%" PRIx64 ": ret 0x%" PRIx64
                           " mem 0x%" PRIx64, tcg_op_defs[c[i].opc].name, c[i].mop,
                           c[i].mem, c[i].val, ret, memv);
        }
        g_assert_cmphex(ret, ==, c[i].want_ret);
        g_assert_cmphex(memv, ==, c[i].want_mem);
        g_assert_cmphex(m->data[0x40 + size], ==, 0);
        tt_fini(&t);
        g_free(m);
    }
}

/* cmpxchg: success, failure (A1: no write), comparison at the access size. */
static void test_cmpxchg(void)
{
    TestMem *m = mem_new();
    TestCtx t;

    m->kind[3] = TP_RO;
    m->data[0x10] = 0xfe;                       /* 16-bit LE 0x00fe */
    m->data[0x20] = 0xff;
    m->data[0x21] = 0xff;                       /* 16-bit 0xffff */
    tt_init(&t);
    tcg_gen_insn_start1(t.s, 0x1000);
    /* compares 0xfe with the low 16 bits of 0x123400fe: equal */
    tcg_gen_atomic_cmpxchg_i64(t.s, t.r[1], tcg_constant_i64(t.s, TM_BASE + 0x10),
                               tcg_constant_i64(t.s, 0x123400fe),
                               tcg_constant_i64(t.s, 0xabcd), 0, MO_LEUW);
    /* 0xffff != 5: no write; the old value comes back sign-extended */
    tcg_gen_atomic_cmpxchg_i32(t.s, t.w[1], tcg_constant_i64(t.s, TM_BASE + 0x20),
                               tcg_constant_i32(t.s, 5), tcg_constant_i32(t.s, 6), 0, MO_LESW);
    tcg_gen_exit_tb(t.s, 0);
    tt_run_expect(&t, &tm_ops, m, TCG_EXIT_TB);
    g_assert_cmphex(t.env.r[1], ==, 0xfe);
    g_assert_cmphex(m->data[0x10], ==, 0xcd);
    g_assert_cmphex(m->data[0x11], ==, 0xab);
    g_assert_cmphex(t.env.w[1], ==, 0xffffffff);
    g_assert_cmphex(m->data[0x20], ==, 0xff);
    g_assert_cmphex(m->data[0x21], ==, 0xff);
    tt_fini(&t);

    /* A1: a failing compare on a read-only page still faults as a store. */
    tt_init(&t);
    tcg_gen_insn_start1(t.s, 0x1000);
    tcg_gen_atomic_cmpxchg_i64(t.s, t.r[1], tcg_constant_i64(t.s, TM_BASE + 3 * TM_PAGE),
                               tcg_constant_i64(t.s, 1), tcg_constant_i64(t.s, 2), 0, MO_LEUQ);
    tcg_gen_exit_tb(t.s, 0);
    tt_run_expect(&t, &tm_ops, m, TCG_EXIT_FAULT);
    g_assert_cmpint(t.info.fault.kind, ==, TCG_FAULT_PROT);
    g_assert_cmpint(t.info.fault.access, ==, TCG_ACCESS_RMW);
    tt_fini(&t);
    g_free(m);
}

/* M2 for atomics (natural alignment whatever the MemOp says) and A2. */
static void test_atomic_faults(void)
{
    TestMem *m = mem_new();
    TestCtx t;

    m->kind[4] = TP_IO;
    tt_init(&t);
    tcg_gen_insn_start1(t.s, 0x1000);
    tcg_gen_atomic_fetch_add_i64(t.s, t.r[1], tcg_constant_i64(t.s, TM_BASE + 4),
                                 tcg_constant_i64(t.s, 1), 0, MO_LEUQ | MO_UNALN);
    tcg_gen_exit_tb(t.s, 0);
    tt_run_expect(&t, &tm_ops, m, TCG_EXIT_FAULT);
    g_assert_cmpint(t.info.fault.kind, ==, TCG_FAULT_ALIGN);
    tt_fini(&t);

    tt_init(&t);
    tcg_gen_insn_start1(t.s, 0x1000);
    tcg_gen_atomic_xchg_i32(t.s, t.w[1], tcg_constant_i64(t.s, TM_BASE + 4 * TM_PAGE),
                            tcg_constant_i32(t.s, 1), 0, MO_LEUL);
    tcg_gen_exit_tb(t.s, 0);
    tt_run_expect(&t, &tm_ops, m, TCG_EXIT_FAULT);
    g_assert_cmpint(t.info.fault.kind, ==, TCG_FAULT_IO);
    g_assert_cmpuint(m->io_count, ==, 0);
    tt_fini(&t);
    g_free(m);
}

/* Several threads each add 1 N times to one word through a looping TB. */
enum { CONTEND_THREADS = 4, CONTEND_ITERS = 3000 };

static void *contend_thread(void *opaque)
{
    TestMem *m = opaque;
    TestCtx t;

    tt_init(&t);
    TCGLabel *loop = tcg_label_new(t.s);
    TCGv_i64 n = tcg_temp_local_new_i64(t.s);
    TCGv_i64 old = tcg_temp_new_i64(t.s);
    tcg_gen_insn_start1(t.s, 0x1000);
    tcg_gen_movi_i64(t.s, n, CONTEND_ITERS);
    tcg_gen_set_label(t.s, loop);
    tcg_gen_atomic_fetch_add_i64(t.s, old, tcg_constant_i64(t.s, TM_BASE + 0x80),
                                 tcg_constant_i64(t.s, 1), 0, MO_LEUQ);
    tcg_gen_atomic_fetch_add_i32(t.s, t.w[0], tcg_constant_i64(t.s, TM_BASE + 0x88),
                                 tcg_constant_i32(t.s, 2), 0, MO_BEUL);
    tcg_gen_mb(t.s, TCG_MO_ALL);
    tcg_gen_subi_i64(t.s, n, n, 1);
    tcg_gen_brcondi_i64(t.s, TCG_COND_NE, n, 0, loop);
    tcg_gen_exit_tb(t.s, 0);
    tt_run_expect(&t, &tm_ops, m, TCG_EXIT_TB);
    tt_fini(&t);
    return NULL;
}

static void test_atomic_contention(void)
{
    TestMem *m = mem_new();
    pthread_t th[CONTEND_THREADS];

    for (int i = 0; i < CONTEND_THREADS; i++) {
        g_assert_cmpint(pthread_create(&th[i], NULL, contend_thread, m), ==, 0);
    }
    for (int i = 0; i < CONTEND_THREADS; i++) {
        pthread_join(th[i], NULL);
    }
    uint64_t v;
    memcpy(&v, m->data + 0x80, 8);
    g_assert_cmpuint(v, ==, CONTEND_THREADS * CONTEND_ITERS);
    uint32_t be = (uint32_t)m->data[0x88] << 24 | m->data[0x89] << 16 | m->data[0x8a] << 8 |
                  m->data[0x8b];
    g_assert_cmpuint(be, ==, 2 * CONTEND_THREADS * CONTEND_ITERS);
    g_free(m);
}

/* ---- host memory (section 9) ---- */

static void test_host_memory(void)
{
    TestCtx t;

    tt_init(&t);
    for (unsigned i = 0; i < 8; i++) {
        t.env.bytes[i] = 0xf1 + i;
    }
    TCGv_ptr env = tcg_env(t.s);
    int64_t b = offsetof(TestEnv, bytes);
    tcg_gen_ld8u_i64(t.s, t.r[0], env, b);
    tcg_gen_ld8s_i64(t.s, t.r[1], env, b);
    tcg_gen_ld16u_i32(t.s, t.w[0], env, b);
    tcg_gen_ld16s_i32(t.s, t.w[1], env, b);
    tcg_gen_ld32u_i64(t.s, t.r[2], env, b);
    tcg_gen_ld32s_i64(t.s, t.r[3], env, b);
    tcg_gen_ld_i64(t.s, t.r[4], env, b);
    tcg_gen_ld_i32(t.s, t.w[2], env, b + 4);
    tcg_gen_st8_i32(t.s, tcg_constant_i32(t.s, 0x1234), env, b + 8);
    tcg_gen_st16_i64(t.s, tcg_constant_i64(t.s, 0x56789a), env, b + 10);
    tcg_gen_st32_i64(t.s, tcg_constant_i64(t.s, UINT64_C(0x1122334455)), env, b + 12);
    tcg_gen_st_i64(t.s, tcg_constant_i64(t.s, 0x0102030405060708), env, b + 16);
    /* a computed pointer */
    TCGv_ptr p = tcg_temp_new_ptr(t.s);
    tcg_gen_add_ptr(t.s, p, env, tcg_constant_i64(t.s, b + 24));
    tcg_gen_st_i32(t.s, tcg_constant_i32(t.s, 0xcafef00d), p, 0);
    tcg_gen_exit_tb(t.s, 0);
    tt_run(&t);
    g_assert_cmphex(t.env.r[0], ==, 0xf1);
    g_assert_cmphex(t.env.r[1], ==, UINT64_C(0xfffffffffffffff1));
    g_assert_cmphex(t.env.w[0], ==, 0xf2f1);
    g_assert_cmphex(t.env.w[1], ==, 0xfffff2f1);
    g_assert_cmphex(t.env.r[2], ==, 0xf4f3f2f1);
    g_assert_cmphex(t.env.r[3], ==, UINT64_C(0xfffffffff4f3f2f1));
    g_assert_cmphex(t.env.r[4], ==, UINT64_C(0xf8f7f6f5f4f3f2f1));
    g_assert_cmphex(t.env.w[2], ==, 0xf8f7f6f5);
    g_assert_cmphex(t.env.bytes[8], ==, 0x34);
    g_assert_cmphex(t.env.bytes[9], ==, 0);
    g_assert_cmphex(t.env.bytes[10], ==, 0x9a);
    g_assert_cmphex(t.env.bytes[11], ==, 0x78);
    g_assert_cmphex(t.env.bytes[12], ==, 0x55);
    g_assert_cmphex(t.env.bytes[15], ==, 0x22);
    g_assert_cmphex(t.env.bytes[16], ==, 0x08);
    g_assert_cmphex(t.env.bytes[23], ==, 0x01);
    g_assert_cmphex(t.env.bytes[24], ==, 0x0d);
    tt_fini(&t);

    /* Outside env: refused by the interpreter. */
    static const int64_t bad[] = { -1, sizeof(TestEnv) - 7, sizeof(TestEnv), INT64_MAX };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        tt_init(&t);
        tcg_gen_ld_i64(t.s, t.r[0], tcg_env(t.s), bad[i]);
        tcg_gen_exit_tb(t.s, 0);
        tt_run_expect(&t, NULL, NULL, TCG_EXIT_INVALID);
        g_assert_nonnull(strstr(t.info.message, "outside env"));
        tt_fini(&t);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/mem/loads", test_loads);
    g_test_add_func("/tcg/mem/stores", test_stores);
    g_test_add_func("/tcg/mem/faults", test_faults);
    g_test_add_func("/tcg/mem/store-faults-splits", test_store_faults_and_splits);
    g_test_add_func("/tcg/mem/io", test_io);
    g_test_add_func("/tcg/mem/split-io", test_split_io);
    g_test_add_func("/tcg/mem/atomics", test_atomics);
    g_test_add_func("/tcg/mem/cmpxchg", test_cmpxchg);
    g_test_add_func("/tcg/mem/atomic-faults", test_atomic_faults);
    g_test_add_func("/tcg/mem/atomic-contention", test_atomic_contention);
    g_test_add_func("/tcg/mem/host", test_host_memory);
    return g_test_run();
}
