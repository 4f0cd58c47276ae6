/*
 * Helpers the translated code calls for work with no short IR form: carry-less
 * multiplication, orc.b, and the user-level CSRs.
 */
#include "config.h"
#include "targets/riscv/translate-internal.h"

enum {
    CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003,
    CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02,
};

/* The 128-bit carry-less product of a and b. */
static void clmul128(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
    uint64_t l = 0, h = 0;

    for (unsigned i = 0; i < 64; i++) {
        if (b >> i & 1) {
            l ^= a << i;
            h ^= i ? a >> (64 - i) : 0;
        }
    }
    *lo = l;
    *hi = h;
}

static uint64_t helper_clmul(uint64_t a, uint64_t b)
{
    uint64_t lo, hi;
    clmul128(a, b, &lo, &hi);
    return lo;
}

static uint64_t helper_clmulh(uint64_t a, uint64_t b)
{
    uint64_t lo, hi;
    clmul128(a, b, &lo, &hi);
    return hi;
}

/* bits 126..63 of the product */
static uint64_t helper_clmulr(uint64_t a, uint64_t b)
{
    uint64_t lo, hi;
    clmul128(a, b, &lo, &hi);
    return hi << 1 | lo >> 63;
}

static uint64_t helper_orc_b(uint64_t a)
{
    uint64_t r = 0;

    for (unsigned i = 0; i < 64; i += 8) {
        if (a >> i & 0xff) {
            r |= (uint64_t)0xff << i;
        }
    }
    return r;
}

#define PURE_I64_2(n) \
    const TCGHelperInfo rv_helper_##n = { \
        .name = #n, .func = helper_##n, .flags = TCG_CALL_NO_RWG | TCG_CALL_NO_SE, \
        .ret = TCG_CALL_I64, .nargs = 2, .args = { TCG_CALL_I64, TCG_CALL_I64 } }
PURE_I64_2(clmul);
PURE_I64_2(clmulh);
PURE_I64_2(clmulr);

const TCGHelperInfo rv_helper_orc_b = {
    .name = "orc_b", .func = helper_orc_b, .flags = TCG_CALL_NO_RWG | TCG_CALL_NO_SE,
    .ret = TCG_CALL_I64, .nargs = 1, .args = { TCG_CALL_I64 },
};

bool rv_csr_exists(unsigned csr, uint32_t ext, bool *writable)
{
    switch (csr) {
    case CSR_FFLAGS:
    case CSR_FRM:
    case CSR_FCSR:
        *writable = true;
        return (ext & RISCV_EXT_F) != 0;
    case CSR_CYCLE:
    case CSR_TIME:
    case CSR_INSTRET:
        *writable = false;
        return true;
    default:
        return false;
    }
}

/* Read the CSR and, where wmask has bits, replace them with those of wval. The
 * translator has already refused CSRs that do not exist or are read-only. */
static uint64_t helper_csr(CPURISCVState *env, uint32_t csr, uint64_t wval, uint64_t wmask)
{
    uint64_t old, v;

    switch (csr) {
    case CSR_FFLAGS:
        old = env->fflags;
        break;
    case CSR_FRM:
        old = env->frm;
        break;
    case CSR_FCSR:
        old = env->frm << 5 | env->fflags;
        break;
    case CSR_CYCLE:
        return riscv_read_counter(env, RISCV_COUNTER_CYCLE);
    case CSR_TIME:
        return riscv_read_counter(env, RISCV_COUNTER_TIME);
    default:
        return riscv_read_counter(env, RISCV_COUNTER_INSTRET);
    }
    if (!wmask) {
        return old;
    }
    v = (old & ~wmask) | (wval & wmask);
    switch (csr) {
    case CSR_FFLAGS:
        env->fflags = v & 0x1f;
        break;
    case CSR_FRM:
        env->frm = v & 7;
        break;
    default:
        env->fflags = v & 0x1f;
        env->frm = (v >> 5) & 7;
        break;
    }
    return old;
}

/* Reads and writes env fields that are not IR globals: no global is touched. */
const TCGHelperInfo rv_helper_csr = {
    .name = "csr", .func = helper_csr, .flags = TCG_CALL_NO_RWG,
    .ret = TCG_CALL_I64, .nargs = 4,
    .args = { TCG_CALL_PTR, TCG_CALL_I32, TCG_CALL_I64, TCG_CALL_I64 },
};
