/*
 * Exact RISC-V floating point on the host FPU. The host (x86-64 SSE, glibc's fma)
 * rounds correctly in the four IEEE directed/nearest modes with IEEE flags and
 * detects tininess after rounding, as RISC-V does; so those modes run natively
 * with the host rounding mode set and flags read back. What the host does not
 * do is done here: RISC-V's canonical NaN and NaN-boxing, fmin/fmax, compares,
 * fclass, fcvt saturation, the NV flag of fma(inf, 0, qNaN), and RMM (round to
 * nearest, ties to max magnitude): the result is computed toward zero and to
 * nearest-even, and where they agree only an exact tie can change it, which is
 * detected exactly (per operation: wider arithmetic for singles, error-free
 * transformations for doubles).
 */
#include "config.h"
#include <fenv.h>
#include <math.h>
#include <string.h>
#include "targets/riscv/fpu_helper.h"

#define F32_CANON UINT32_C(0x7fc00000)
#define F64_CANON UINT64_C(0x7ff8000000000000)
#define BOX32 UINT64_C(0xffffffff00000000)

static float f32_of(uint64_t raw)
{
    uint32_t bits = (raw & BOX32) == BOX32 ? (uint32_t)raw : F32_CANON;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static uint32_t bits32(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}

static double f64_of(uint64_t raw)
{
    double d;
    memcpy(&d, &raw, 8);
    return d;
}

static uint64_t bits64(double d)
{
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}

static uint64_t box32(float f)
{
    return BOX32 | (isnan(f) ? F32_CANON : bits32(f));
}

static uint64_t canon64(double d)
{
    return isnan(d) ? F64_CANON : bits64(d);
}

static bool is_snan32(uint32_t b) { return (b & 0x7fc00000) == 0x7f800000 && (b & 0x3fffff); }
static bool is_snan64(uint64_t b)
{
    return (b & UINT64_C(0x7ff8000000000000)) == UINT64_C(0x7ff0000000000000) &&
           (b & UINT64_C(0x7ffffffffffff));
}

/* ---- the host rounding mode and flags ---- */

static const int host_mode[5] = {
    FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO,
};

#if defined(__x86_64__)
#include <xmmintrin.h>

/*
 * On x86-64, double and float arithmetic is SSE, so MXCSR alone holds the
 * rounding mode and the flags. Writing it directly costs a few cycles, where
 * fesetround/feclearexcept/fetestexcept also save and reload the x87 state
 * (the difference was most of the time of FP-heavy guests).
 */
#define MXCSR_MASK_ALL  0x1f80u     /* every exception masked, flags clear */
#define MXCSR_RC_SHIFT  13

static const unsigned mxcsr_rc[5] = {
    0 /* RNE */, 3 /* RTZ */, 1 /* RDN */, 2 /* RUP */, 3 /* RMM: fixed up after */,
};

static void host_begin(unsigned rm)
{
    _mm_setcsr(MXCSR_MASK_ALL | mxcsr_rc[rm] << MXCSR_RC_SHIFT);
}

static uint32_t host_end(void)
{
    unsigned e = _mm_getcsr();
    uint32_t f = 0;

    _mm_setcsr(MXCSR_MASK_ALL);
    f |= e & 0x20 ? RISCV_FFLAG_NX : 0;
    f |= e & 0x10 ? RISCV_FFLAG_UF : 0;
    f |= e & 0x08 ? RISCV_FFLAG_OF : 0;
    f |= e & 0x04 ? RISCV_FFLAG_DZ : 0;
    f |= e & 0x01 ? RISCV_FFLAG_NV : 0;
    return f;
}
#else
static void host_begin(unsigned rm)
{
    fesetround(host_mode[rm]);
    feclearexcept(FE_ALL_EXCEPT);
}

static uint32_t host_end(void)
{
    int e = fetestexcept(FE_ALL_EXCEPT);
    uint32_t f = 0;

    fesetround(FE_TONEAREST);
    f |= e & FE_INEXACT ? RISCV_FFLAG_NX : 0;
    f |= e & FE_UNDERFLOW ? RISCV_FFLAG_UF : 0;
    f |= e & FE_OVERFLOW ? RISCV_FFLAG_OF : 0;
    f |= e & FE_DIVBYZERO ? RISCV_FFLAG_DZ : 0;
    f |= e & FE_INVALID ? RISCV_FFLAG_NV : 0;
    return f;
}
#endif

/* ---- arithmetic: a table of host operations ---- */

typedef struct ArithOps {
    double (*d)(double a, double b, double c);
    float (*s)(float a, float b, float c);
    /* true when the exact single result equals m (a midpoint); see rmm_tie_s */
    bool (*tie_s)(float a, float b, float c, double m);
    /* true when the exact double result is halfway between t (the toward-zero and
     * nearest result) and away, its neighbour away from zero */
    bool (*tie_d)(double a, double b, double c, double t, double away);
} ArithOps;

static double d_add(double a, double b, double c) { (void)c; return a + b; }
static double d_sub(double a, double b, double c) { (void)c; return a - b; }
static double d_mul(double a, double b, double c) { (void)c; return a * b; }
static double d_div(double a, double b, double c) { (void)c; return a / b; }
static double d_sqrt(double a, double b, double c) { (void)b, (void)c; return sqrt(a); }
static double d_madd(double a, double b, double c) { return fma(a, b, c); }
static double d_msub(double a, double b, double c) { return fma(a, b, -c); }
static double d_nmsub(double a, double b, double c) { return fma(-a, b, c); }
static double d_nmadd(double a, double b, double c) { return fma(-a, b, -c); }
static float s_add(float a, float b, float c) { (void)c; return a + b; }
static float s_sub(float a, float b, float c) { (void)c; return a - b; }
static float s_mul(float a, float b, float c) { (void)c; return a * b; }
static float s_div(float a, float b, float c) { (void)c; return a / b; }
static float s_sqrt(float a, float b, float c) { (void)b, (void)c; return sqrtf(a); }
static float s_madd(float a, float b, float c) { return fmaf(a, b, c); }
static float s_msub(float a, float b, float c) { return fmaf(a, b, -c); }
static float s_nmsub(float a, float b, float c) { return fmaf(-a, b, c); }
static float s_nmadd(float a, float b, float c) { return fmaf(-a, b, -c); }

/*
 * Singles: every exact tie is a 25-bit number, so it is representable in double,
 * and a product of singles is exact in double; ties are found in double (RNE).
 */
static bool two_sum_is(double x, double y, double m)
{
    double s = x + y, bb = s - x, e = (x - (s - bb)) + (y - bb);
    return e == 0 && s == m;
}
static bool ts_add(float a, float b, float c, double m) { (void)c; return two_sum_is(a, b, m); }
static bool ts_sub(float a, float b, float c, double m) { (void)c; return two_sum_is(a, -(double)b, m); }
static bool ts_mul(float a, float b, float c, double m) { (void)c; return (double)a * b == m; }
/* a / b == m exactly iff m * b == a (m * b has at most 49 bits: exact in double) */
static bool ts_div(float a, float b, float c, double m) { (void)c; return m * b == a; }
/* sqrt never lands exactly on a midpoint */
static bool ts_never(float a, float b, float c, double m) { (void)a, (void)b, (void)c, (void)m; return false; }
static bool ts_madd(float a, float b, float c, double m) { return two_sum_is((double)a * b, c, m); }
static bool ts_msub(float a, float b, float c, double m) { return two_sum_is((double)a * b, -(double)c, m); }
static bool ts_nmsub(float a, float b, float c, double m) { return two_sum_is(-(double)a * b, c, m); }
static bool ts_nmadd(float a, float b, float c, double m) { return two_sum_is(-(double)a * b, -(double)c, m); }

/*
 * Doubles. Here t equals the round-to-nearest result, so for a sum the rounding
 * error of the nearest sum (exact, by TwoSum) is the distance to t.
 */
static bool td_sum(double x, double y, double t, double away)
{
    double s = x + y, bb = s - x, e = (x - (s - bb)) + (y - bb);
    /* sums are exact in the subnormal range, so a tie has a representable half ulp */
    return s == t && e == (away - t) / 2;
}
static bool td_add(double a, double b, double c, double t, double h)
{ (void)c; return td_sum(a, b, t, h); }
static bool td_sub(double a, double b, double c, double t, double h)
{ (void)c; return td_sum(a, -b, t, h); }

/* a * b - t == h, on operands scaled to [1, 2) so the residual is exact even when
 * the result is subnormal */
static bool td_mul(double a, double b, double c, double t, double h /* away */)
{
    int ea, eb;
    double ma = 2 * frexp(a, &ea), mb = 2 * frexp(b, &eb);
    int k = ea + eb - 2;
    (void)c;
    return fma(ma, mb, -ldexp(t, -k)) == ldexp(h - t, -k - 1);
}

/* a / b - t == h  <=>  a - t * b == h * b (scaled as for mul) */
static bool td_div(double a, double b, double c, double t, double h /* away */)
{
    int ea, eb;
    double ma = 2 * frexp(a, &ea), mb = 2 * frexp(b, &eb);
    int k = ea - eb;
    (void)c;
    return fma(-ldexp(t, -k), mb, ma) == ldexp(h - t, -k - 1) * mb;
}
static bool td_never(double a, double b, double c, double t, double h)
{ (void)a, (void)b, (void)c, (void)t, (void)h; return false; }

/* Boldo-Muller ErrFma: a * b + c == r1 + r2 + r3 exactly, provided the product's
 * low half (fma(a, b, -a * b)) is representable, i.e. a * b does not underflow. */
static void err_fma(double a, double b, double c, double *r1, double *r2, double *r3)
{
    double u1 = a * b, u2 = fma(a, b, -u1);
    double a1 = c + u2, bz = a1 - c, z = (c - (a1 - bz)) + (u2 - bz);
    double b1 = u1 + a1, bb = b1 - u1, b2 = (u1 - (b1 - bb)) + (a1 - bb);
    double g;

    *r1 = fma(a, b, c);
    g = (b1 - *r1) + b2;
    *r2 = g + z;
    *r3 = z - (*r2 - g);
}

/*
 * a * b + c halfway between t and away. A tie on the subnormal grid, or any
 * tie with a product below 2^-900, needs the product's bits down to 2^-1075,
 * so such cases are scaled up by 2^s first (exact). Without a tiny product a
 * subnormal tie is impossible (the exact value would be a multiple of 2^-1074),
 * and with |c| above 2^60 |a * b| no tie is possible (a tie needs
 * |a * b| >= ulp(c) / 2).
 */
static bool td_fma3(double a, double b, double c, double t, double away)
{
    bool sub = fabs(t) < 0x1p-1022;
    double r1, r2, r3, s2, bs, e;
    int ea, eb;

    frexp(a, &ea);
    frexp(b, &eb);
    if (ea + eb < -900) {
        int sc = -(ea + eb);
        if (ea + eb < -1080 || fabs(c) > ldexp(1, ea + eb + 60)) {
            return false;
        }
        /* scale the tiny factor: scaling the other one could overflow */
        if (ea <= eb) {
            a = ldexp(a, sc);
        } else {
            b = ldexp(b, sc);
        }
        c = ldexp(c, sc);
        t = ldexp(t, sc);
        away = ldexp(away, sc);
    } else if (sub) {
        return false;
    }
    err_fma(a, b, c, &r1, &r2, &r3);
    if (sub) {
        /* the midpoint of the subnormal grid, scaled, is a double */
        return r1 == t + (away - t) / 2 && r2 == 0;
    }
    if (r1 != t) {
        return false;
    }
    s2 = r2 + r3;
    bs = s2 - r2;
    e = (r2 - (s2 - bs)) + (r3 - bs);
    return s2 == (away - t) / 2 && e == 0;
}
static bool td_madd(double a, double b, double c, double t, double h)
{ return td_fma3(a, b, c, t, h); }
static bool td_msub(double a, double b, double c, double t, double h)
{ return td_fma3(a, b, -c, t, h); }
static bool td_nmsub(double a, double b, double c, double t, double h)
{ return td_fma3(-a, b, c, t, h); }
static bool td_nmadd(double a, double b, double c, double t, double h)
{ return td_fma3(-a, b, -c, t, h); }

static const ArithOps arith_ops[] = {
    [RV_FOP_ADD] = { d_add, s_add, ts_add, td_add },
    [RV_FOP_SUB] = { d_sub, s_sub, ts_sub, td_sub },
    [RV_FOP_MUL] = { d_mul, s_mul, ts_mul, td_mul },
    [RV_FOP_DIV] = { d_div, s_div, ts_div, td_div },
    [RV_FOP_SQRT] = { d_sqrt, s_sqrt, ts_never, td_never },
    [RV_FOP_MADD] = { d_madd, s_madd, ts_madd, td_madd },
    [RV_FOP_MSUB] = { d_msub, s_msub, ts_msub, td_msub },
    [RV_FOP_NMSUB] = { d_nmsub, s_nmsub, ts_nmsub, td_nmsub },
    [RV_FOP_NMADD] = { d_nmadd, s_nmadd, ts_nmadd, td_nmadd },
};

static bool is_fma(RISCVFpOp op)
{
    return op >= RV_FOP_MADD && op <= RV_FOP_NMADD;
}

/* RISC-V wants NV for inf * 0 in an fma even when the addend is a quiet NaN. */
static uint32_t fma_inf_zero_nv(RISCVFpOp op, double a, double b)
{
    if (is_fma(op) && ((isinf(a) && b == 0) || (a == 0 && isinf(b)))) {
        return RISCV_FFLAG_NV;
    }
    return 0;
}

static uint64_t arith_s(CPURISCVState *env, RISCVFpOp op, unsigned rm, uint64_t ra,
                        uint64_t rb, uint64_t rc)
{
    const ArithOps *o = &arith_ops[op];
    float a = f32_of(ra), b = f32_of(rb), c = f32_of(rc);
    volatile float t, n;
    uint32_t ft, fn;

    host_begin(rm);
    t = o->s(a, b, c);
    ft = host_end();
    if (rm == RISCV_RM_RMM && (ft & RISCV_FFLAG_NX) && !isnan(t)) {
        host_begin(RISCV_RM_RNE);
        n = o->s(a, b, c);
        fn = host_end();
        if (n == t && o->tie_s(a, b, c, (double)t + (nextafterf(t, copysignf(INFINITY, t)) -
                                                     (double)t) / 2)) {
            n = nextafterf(t, copysignf(INFINITY, t));
            fn = RISCV_FFLAG_NX | (fabsf(n) < 0x1p-126f ? RISCV_FFLAG_UF : 0);
        }
        t = n;
        ft = fn;
    }
    env->fflags |= ft | fma_inf_zero_nv(op, a, b);
    return box32(t);
}

static uint64_t arith_d(CPURISCVState *env, RISCVFpOp op, unsigned rm, uint64_t ra,
                        uint64_t rb, uint64_t rc)
{
    const ArithOps *o = &arith_ops[op];
    double a = f64_of(ra), b = f64_of(rb), c = f64_of(rc);
    volatile double t, n;
    uint32_t ft, fn;

    host_begin(rm);
    t = o->d(a, b, c);
    ft = host_end();
    if (rm == RISCV_RM_RMM && (ft & RISCV_FFLAG_NX) && !isnan(t)) {
        host_begin(RISCV_RM_RNE);
        n = o->d(a, b, c);
        fn = host_end();
        if (n == t) {
            double away = nextafter(t, copysign(INFINITY, t));
            if (o->tie_d(a, b, c, t, away)) {
                n = away;
                fn = RISCV_FFLAG_NX | (fabs(n) < 0x1p-1022 ? RISCV_FFLAG_UF : 0);
            }
        }
        t = n;
        ft = fn;
    }
    env->fflags |= ft | fma_inf_zero_nv(op, a, b);
    return canon64(t);
}

/* ---- operations without rounding ---- */

/* a and b as totally ordered keys (sign-magnitude to two's complement) */
static int64_t order_key(uint64_t bits, bool dbl)
{
    int64_t v = dbl ? (int64_t)bits : (int64_t)(int32_t)(uint32_t)bits;
    int64_t mag = v & (dbl ? INT64_MAX : INT32_MAX);
    return v < 0 ? -mag - 1 : mag;     /* -0 sorts below +0 */
}

static uint64_t minmax(CPURISCVState *env, bool dbl, bool is_max, uint64_t ra, uint64_t rb)
{
    uint64_t a = dbl ? ra : bits32(f32_of(ra)), b = dbl ? rb : bits32(f32_of(rb));
    bool na = dbl ? isnan(f64_of(a)) : isnan(f32_of(ra)), nb = dbl ? isnan(f64_of(b)) :
              isnan(f32_of(rb));
    bool sa = dbl ? is_snan64(a) : is_snan32((uint32_t)a);
    bool sb = dbl ? is_snan64(b) : is_snan32((uint32_t)b);
    uint64_t r;

    if (sa || sb) {
        env->fflags |= RISCV_FFLAG_NV;
    }
    if (na && nb) {
        r = dbl ? F64_CANON : F32_CANON;
    } else if (na) {
        r = b;
    } else if (nb) {
        r = a;
    } else {
        /* -0 < +0, which the integer order of the keys gives */
        bool a_less = order_key(a, dbl) < order_key(b, dbl);
        r = a_less != is_max ? a : b;
    }
    return dbl ? r : BOX32 | r;
}

static uint64_t sgnj(RISCVFpOp op, bool dbl, uint64_t ra, uint64_t rb)
{
    uint64_t sign = dbl ? UINT64_C(1) << 63 : UINT64_C(1) << 31;
    uint64_t a = dbl ? ra : bits32(f32_of(ra)), b = dbl ? rb : bits32(f32_of(rb));
    uint64_t s = op == RV_FOP_SGNJ ? b & sign : op == RV_FOP_SGNJN ? ~b & sign : (a ^ b) & sign;
    uint64_t r = (a & ~sign) | s;

    return dbl ? r : BOX32 | r;
}

static uint64_t compare(CPURISCVState *env, RISCVFpOp op, bool dbl, uint64_t ra, uint64_t rb)
{
    double a = dbl ? f64_of(ra) : f32_of(ra), b = dbl ? f64_of(rb) : f32_of(rb);
    bool snan = dbl ? is_snan64(ra) || is_snan64(rb) :
                is_snan32(bits32(f32_of(ra))) || is_snan32(bits32(f32_of(rb)));

    if (isnan(a) || isnan(b)) {
        /* feq is quiet: only signaling NaNs raise; flt/fle signal on any NaN */
        if (snan || op != RV_FOP_EQ) {
            env->fflags |= RISCV_FFLAG_NV;
        }
        return 0;
    }
    return op == RV_FOP_EQ ? a == b : op == RV_FOP_LT ? a < b : a <= b;
}

static uint64_t fclass(bool dbl, uint64_t raw)
{
    bool neg = dbl ? raw >> 63 : bits32(f32_of(raw)) >> 31;
    bool snan = dbl ? is_snan64(raw) : is_snan32(bits32(f32_of(raw)));

    /* classified in its own format: a subnormal single is normal as a double */
    switch (dbl ? fpclassify(f64_of(raw)) : fpclassify(f32_of(raw))) {
    case FP_INFINITE:
        return neg ? 1 << 0 : 1 << 7;
    case FP_NORMAL:
        return neg ? 1 << 1 : 1 << 6;
    case FP_SUBNORMAL:
        return neg ? 1 << 2 : 1 << 5;
    case FP_ZERO:
        return neg ? 1 << 3 : 1 << 4;
    default:
        return snan ? 1 << 8 : 1 << 9;
    }
}

/* ---- conversions ---- */

/* x rounded to an integral value per rm; *inexact tells whether it moved */
static double round_integral(double x, unsigned rm, bool *inexact)
{
    double r;

    if (rm == RISCV_RM_RMM) {
        r = round(x);
    } else {
        fesetround(host_mode[rm]);
        r = nearbyint(x);
        fesetround(FE_TONEAREST);
    }
    *inexact = r != x;
    return r;
}

/* fcvt to an integer: saturating, NaN as +max, NV when out of range */
static uint64_t to_int(CPURISCVState *env, RISCVFpOp op, bool dbl, unsigned rm, uint64_t raw)
{
    double x = dbl ? f64_of(raw) : f32_of(raw);
    static const struct { double lo, hi; uint64_t min, max; } range[] = {
        [RV_FOP_TO_W - RV_FOP_TO_W] = { -0x1p31, 0x1p31, (uint64_t)INT32_MIN, INT32_MAX },
        [RV_FOP_TO_WU - RV_FOP_TO_W] = { 0, 0x1p32, 0, UINT32_MAX },
        [RV_FOP_TO_L - RV_FOP_TO_W] = { -0x1p63, 0x1p63, (uint64_t)INT64_MIN, INT64_MAX },
        [RV_FOP_TO_LU - RV_FOP_TO_W] = { 0, 0x1p64, 0, UINT64_MAX },
    };
    const typeof(range[0]) *rg = &range[op - RV_FOP_TO_W];
    bool inexact;
    double r;
    uint64_t v;

    if (isnan(x)) {
        env->fflags |= RISCV_FFLAG_NV;
        v = rg->max;
    } else {
        r = round_integral(x, rm, &inexact);
        if (r < rg->lo || r >= rg->hi) {
            env->fflags |= RISCV_FFLAG_NV;
            v = r < rg->lo ? rg->min : rg->max;
        } else {
            env->fflags |= inexact ? RISCV_FFLAG_NX : 0;
            v = op == RV_FOP_TO_W || op == RV_FOP_TO_L ? (uint64_t)(int64_t)r : (uint64_t)r;
        }
    }
    /* 32-bit results are sign-extended, the unsigned one too */
    return op == RV_FOP_TO_W || op == RV_FOP_TO_WU ? (uint64_t)(int64_t)(int32_t)v : v;
}

/*
 * An integer (as a sign and a magnitude up to 2^64 - 1) to a float or double.
 * The host converts in the four IEEE modes; RMM rounds the magnitude toward zero
 * and then compares the discarded bits with half an ulp, in integers.
 */
static uint64_t from_int(CPURISCVState *env, RISCVFpOp op, bool dbl, unsigned rm, uint64_t raw)
{
    bool neg = false;
    uint64_t mag;
    unsigned prec = dbl ? 53 : 24;
    volatile double d;
    volatile float f;
    volatile uint64_t vmag;

    switch (op) {
    case RV_FOP_FROM_W:
        neg = (int32_t)raw < 0;
        mag = neg ? -(uint64_t)(int64_t)(int32_t)raw : (uint32_t)raw;
        break;
    case RV_FOP_FROM_WU:
        mag = (uint32_t)raw;
        break;
    case RV_FOP_FROM_L:
        neg = (int64_t)raw < 0;
        mag = neg ? -raw : raw;
        break;
    default:
        mag = raw;
        break;
    }
    if (rm == RISCV_RM_RMM) {
        unsigned width = mag ? 64 - __builtin_clzll(mag) : 0;
        if (width > prec) {
            unsigned drop = width - prec;
            uint64_t rest = mag & ((UINT64_C(1) << drop) - 1);
            mag -= rest;
            if (rest >= UINT64_C(1) << (drop - 1)) {
                mag += UINT64_C(1) << drop;     /* may carry to 2^64: handled below */
            }
            env->fflags |= rest ? RISCV_FFLAG_NX : 0;
            if (mag == 0) {     /* carried out of 64 bits */
                d = neg ? -0x1p64 : 0x1p64;
                return dbl ? bits64(d) : box32((float)d);
            }
        }
        rm = RISCV_RM_RTZ;      /* now exact */
    }
    /* volatile: the conversion cannot move before host_begin. Negative values
     * convert as signed numbers so that RDN/RUP round the right way. */
    vmag = neg ? 0 - mag : mag;
    host_begin(rm);
    if (dbl) {
        d = neg ? (double)(int64_t)vmag : (double)vmag;
    } else {
        f = neg ? (float)(int64_t)vmag : (float)vmag;
    }
    env->fflags |= host_end();
    return dbl ? bits64(d) : box32(f);
}

static uint64_t convert_fmt(CPURISCVState *env, bool from_dbl, unsigned rm, uint64_t raw)
{
    volatile float f, n;
    uint32_t fl;

    if (!from_dbl) {
        volatile float in = f32_of(raw);
        host_begin(RISCV_RM_RNE);
        volatile double d = in;     /* exact; NV for a signaling NaN */
        env->fflags |= host_end();
        return canon64(d);
    }
    volatile double x = f64_of(raw);
    host_begin(rm);
    f = (float)x;
    fl = host_end();
    if (rm == RISCV_RM_RMM && (fl & RISCV_FFLAG_NX) && !isnan(f)) {
        host_begin(RISCV_RM_RNE);
        n = (float)x;
        fl = host_end();
        if (n == f) {
            float away = nextafterf(f, copysignf(INFINITY, f));
            if (x - (double)f == ((double)away - (double)f) / 2) {
                n = away;
                fl = RISCV_FFLAG_NX | (fabsf(n) < 0x1p-126f ? RISCV_FFLAG_UF : 0);
            }
        }
        f = n;
    }
    env->fflags |= fl;
    return box32(f);
}

uint64_t riscv_fpu_op(CPURISCVState *env, uint32_t desc, uint64_t a, uint64_t b, uint64_t c)
{
    RISCVFpOp op = desc & 0xff;
    bool dbl = desc >> 8 & 1;
    unsigned rm = desc >> 12 & 7;

    if (rm == RISCV_RM_DYN) {
        rm = env->frm;      /* the translated code has refused frm values 5..7 */
    }
    if (rm > RISCV_RM_RMM) {
        rm = RISCV_RM_RNE;
    }
    switch (op) {
    case RV_FOP_ADD ... RV_FOP_NMADD:
        return dbl ? arith_d(env, op, rm, a, b, c) : arith_s(env, op, rm, a, b, c);
    case RV_FOP_MIN:
    case RV_FOP_MAX:
        return minmax(env, dbl, op == RV_FOP_MAX, a, b);
    case RV_FOP_SGNJ ... RV_FOP_SGNJX:
        return sgnj(op, dbl, a, b);
    case RV_FOP_EQ ... RV_FOP_LE:
        return compare(env, op, dbl, a, b);
    case RV_FOP_CLASS:
        return fclass(dbl, a);
    case RV_FOP_TO_W ... RV_FOP_TO_LU:
        return to_int(env, op, dbl, rm, a);
    case RV_FOP_FROM_W ... RV_FOP_FROM_LU:
        return from_int(env, op, dbl, rm, a);
    case RV_FOP_TO_OTHER:
        return convert_fmt(env, dbl, rm, a);
    default:
        return 0;
    }
}

/* Reads and writes env->fflags/frm, which are not IR globals. */
const TCGHelperInfo rv_helper_fpu = {
    .name = "fpu", .func = riscv_fpu_op, .flags = TCG_CALL_NO_RWG,
    .ret = TCG_CALL_I64, .nargs = 5,
    .args = { TCG_CALL_PTR, TCG_CALL_I32, TCG_CALL_I64, TCG_CALL_I64, TCG_CALL_I64 },
};
