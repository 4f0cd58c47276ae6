/*
 * F and D extension corner cases: every arithmetic, fused, conversion,
 * comparison, sign-injection, min/max and classification instruction over
 * edge operands (signed zeros, denormals, infinities, quiet and signalling
 * NaNs, ties, integer limits) in each static rounding mode (the rm field) and
 * with the dynamic mode from fsrm/fesetround, printing result bits and the
 * accrued fflags of each operation; NaN boxing of single values in the 64-bit
 * registers and the canonical NaN. The fused multiply-add instructions are in
 * fp-fma.c (which includes this file), so that each can fail on its own.
 */
/* guest: cflags=-lm */
#include <fenv.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const uint32_t sv[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x40200000,
    0xc0200000, 0x3f000000, 0xbf000000, 0x00000001, 0x80000001, 0x00800000,
    0x007fffff, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000,
    0x7f800001, 0xffc00001, 0x3eaaaaab, 0x4f000000, 0xcf000000, 0x4f800000,
    0x5f000000, 0xdf000000, 0x4effffff, 0x40490fdb,
};
static const uint64_t dv[] = {
    0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
    0x3ff8000000000000ull, 0x4004000000000000ull, 0xc004000000000000ull,
    0x3fe0000000000000ull, 0x0000000000000001ull, 0x8000000000000001ull,
    0x0010000000000000ull, 0x000fffffffffffffull, 0x7fefffffffffffffull,
    0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull,
    0x7ff0000000000001ull, 0xfff8000000000001ull, 0x3fd5555555555555ull,
    0x41e0000000000000ull, 0xc1e0000000000000ull, 0x41efffffffe00000ull,
    0x43e0000000000000ull, 0xc3e0000000000000ull, 0x43f0000000000000ull,
    0x41dfffffffc00000ull, 0x36a0000000000000ull, 0x47efffffe0000000ull,
    0x400921fb54442d18ull,
};
#define NS (sizeof(sv) / sizeof(sv[0]))
#define ND (sizeof(dv) / sizeof(dv[0]))

static uint64_t hash;
static void mix(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        hash ^= (v >> (i * 8)) & 0xff;
        hash *= 1099511628211ull;
    }
}

/* Operations are written with the operands moved in and out as raw bits so the
 * compiler never converts, and the flags cleared before and read after. */
#define S2(op, rm, a, b, fl) ({ uint64_t r_; \
    __asm__ volatile("fmv.w.x ft0, %2\n\tfmv.w.x ft1, %3\n\tfsflags zero\n\t" \
                     op " ft2, ft0, ft1" rm "\n\tfrflags %1\n\tfmv.x.w %0, ft2" \
                     : "=r"(r_), "=r"(fl) : "r"(a), "r"(b) : "ft0", "ft1", "ft2"); \
    (uint32_t)r_; })
#define D2(op, rm, a, b, fl) ({ uint64_t r_; \
    __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tfsflags zero\n\t" \
                     op " ft2, ft0, ft1" rm "\n\tfrflags %1\n\tfmv.x.d %0, ft2" \
                     : "=r"(r_), "=r"(fl) : "r"(a), "r"(b) : "ft0", "ft1", "ft2"); \
    r_; })
#define S3(op, rm, a, b, c, fl) ({ uint64_t r_; \
    __asm__ volatile("fmv.w.x ft0, %2\n\tfmv.w.x ft1, %3\n\tfmv.w.x ft3, %4\n\t" \
                     "fsflags zero\n\t" op " ft2, ft0, ft1, ft3" rm "\n\t" \
                     "frflags %1\n\tfmv.x.w %0, ft2" \
                     : "=r"(r_), "=r"(fl) : "r"(a), "r"(b), "r"(c) \
                     : "ft0", "ft1", "ft2", "ft3"); \
    (uint32_t)r_; })
#define D3(op, rm, a, b, c, fl) ({ uint64_t r_; \
    __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tfmv.d.x ft3, %4\n\t" \
                     "fsflags zero\n\t" op " ft2, ft0, ft1, ft3" rm "\n\t" \
                     "frflags %1\n\tfmv.x.d %0, ft2" \
                     : "=r"(r_), "=r"(fl) : "r"(a), "r"(b), "r"(c) \
                     : "ft0", "ft1", "ft2", "ft3"); \
    r_; })
/* unary: FP in (moved with MV), result in FP or integer register */
#define U_FF(mv, op, mvo, rm, a, fl) ({ uint64_t r_; \
    __asm__ volatile(mv " ft0, %2\n\tfsflags zero\n\t" op " ft2, ft0" rm "\n\t" \
                     "frflags %1\n\t" mvo " %0, ft2" \
                     : "=r"(r_), "=r"(fl) : "r"(a) : "ft0", "ft2"); r_; })
#define U_FX(mv, op, rm, a, fl) ({ uint64_t r_; \
    __asm__ volatile(mv " ft0, %2\n\tfsflags zero\n\t" op " %0, ft0" rm "\n\t" \
                     "frflags %1" : "=r"(r_), "=r"(fl) : "r"(a) : "ft0"); r_; })
#define U_XF(op, mvo, rm, a, fl) ({ uint64_t r_; \
    __asm__ volatile("fsflags zero\n\t" op " ft2, %2" rm "\n\t" \
                     "frflags %1\n\t" mvo " %0, ft2" : "=r"(r_), "=r"(fl) : "r"(a) : "ft2"); r_; })
#define C_S(op, a, b, fl) ({ uint64_t r_; \
    __asm__ volatile("fmv.w.x ft0, %2\n\tfmv.w.x ft1, %3\n\tfsflags zero\n\t" \
                     op " %0, ft0, ft1\n\tfrflags %1" \
                     : "=r"(r_), "=r"(fl) : "r"(a), "r"(b) : "ft0", "ft1"); r_; })
#define C_D(op, a, b, fl) ({ uint64_t r_; \
    __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tfsflags zero\n\t" \
                     op " %0, ft0, ft1\n\tfrflags %1" \
                     : "=r"(r_), "=r"(fl) : "r"(a), "r"(b) : "ft0", "ft1"); r_; })

static const char *const rmname[] = { "rne", "rtz", "rdn", "rup", "rmm", "dyn" };

/* Run BODY for each rounding mode, the static ones through the rm field and
 * "dyn" with frm set to rtz by fsrm (so it must differ from the default). */
#define FOR_RM(BODY) do { \
    { const int rmi = 0; (void)rmi; BODY(", rne") } \
    { const int rmi = 1; (void)rmi; BODY(", rtz") } \
    { const int rmi = 2; (void)rmi; BODY(", rdn") } \
    { const int rmi = 3; (void)rmi; BODY(", rup") } \
    { const int rmi = 4; (void)rmi; BODY(", rmm") } \
    { const int rmi = 5; (void)rmi; __asm__ volatile("fsrmi 1"); BODY(", dyn") \
      __asm__ volatile("fsrmi 0"); } \
} while (0)

static void arith(void)
{
#define RM_BODY(RMSTR) \
    BIN_S2("fadd.s", RMSTR) BIN_S2("fsub.s", RMSTR) BIN_S2("fmul.s", RMSTR) \
    BIN_S2("fdiv.s", RMSTR) \
    BIN_D2("fadd.d", RMSTR) BIN_D2("fsub.d", RMSTR) BIN_D2("fmul.d", RMSTR) \
    BIN_D2("fdiv.d", RMSTR)
#define FMA_BODY(RMSTR) \
    FMA_S2("fmadd.s", RMSTR) FMA_S2("fmsub.s", RMSTR) FMA_S2("fnmadd.s", RMSTR) \
    FMA_S2("fnmsub.s", RMSTR) \
    FMA_D2("fmadd.d", RMSTR) FMA_D2("fmsub.d", RMSTR) FMA_D2("fnmadd.d", RMSTR) \
    FMA_D2("fnmsub.d", RMSTR)
#define BIN_S2(n, R) { BIN_S_R(n, R) }
#define BIN_D2(n, R) { BIN_D_R(n, R) }
#define FMA_S2(n, R) { FMA_S_R(n, R) }
#define FMA_D2(n, R) { FMA_D_R(n, R) }
#define BIN_S_R(name, R) \
    hash = 14695981039346656037ull; \
    for (unsigned i = 0; i < NS; i++) for (unsigned j = 0; j < NS; j++) { \
        uint64_t fl; uint32_t r = S2(name, R, sv[i], sv[j], fl); mix(r); mix(fl); } \
    printf("%-8s %s %016" PRIx64 "\n", name, rmname[rmi], hash);
#define BIN_D_R(name, R) \
    hash = 14695981039346656037ull; \
    for (unsigned i = 0; i < ND; i++) for (unsigned j = 0; j < ND; j++) { \
        uint64_t fl; uint64_t r = D2(name, R, dv[i], dv[j], fl); mix(r); mix(fl); } \
    printf("%-8s %s %016" PRIx64 "\n", name, rmname[rmi], hash);
#define FMA_S_R(name, R) \
    hash = 14695981039346656037ull; \
    for (unsigned i = 0; i < NS; i++) for (unsigned j = 0; j < NS; j++) \
        for (unsigned k = 0; k < NS; k += 3) { \
        uint64_t fl; uint32_t r = S3(name, R, sv[i], sv[j], sv[k], fl); mix(r); mix(fl); } \
    printf("%-8s %s %016" PRIx64 "\n", name, rmname[rmi], hash);
#define FMA_D_R(name, R) \
    hash = 14695981039346656037ull; \
    for (unsigned i = 0; i < ND; i++) for (unsigned j = 0; j < ND; j++) \
        for (unsigned k = 0; k < ND; k += 3) { \
        uint64_t fl; uint64_t r = D3(name, R, dv[i], dv[j], dv[k], fl); mix(r); mix(fl); } \
    printf("%-8s %s %016" PRIx64 "\n", name, rmname[rmi], hash);
    FOR_RM(RM_BODY);
}

static void __attribute__((unused)) fused(void)
{
    FOR_RM(FMA_BODY);
}

/* Unary operations: each value printed with its flags, for each mode. */
static void unary(void)
{
    uint64_t fl, r;
#define UN_BODY(R) \
    for (unsigned i = 0; i < NS; i++) { \
        printf("s %08" PRIx32 " %s:", sv[i], rmname[rmi]); \
        r = U_FF("fmv.w.x", "fsqrt.s", "fmv.x.w", R, sv[i], fl); \
        printf(" sqrt %08" PRIx32 "/%" PRIx64, (uint32_t)r, fl); \
        r = U_FX("fmv.w.x", "fcvt.w.s", R, sv[i], fl); printf(" w %" PRIx64 "/%" PRIx64, r, fl); \
        r = U_FX("fmv.w.x", "fcvt.wu.s", R, sv[i], fl); printf(" wu %" PRIx64 "/%" PRIx64, r, fl); \
        r = U_FX("fmv.w.x", "fcvt.l.s", R, sv[i], fl); printf(" l %" PRIx64 "/%" PRIx64, r, fl); \
        r = U_FX("fmv.w.x", "fcvt.lu.s", R, sv[i], fl); printf(" lu %" PRIx64 "/%" PRIx64, r, fl); \
        r = U_FF("fmv.w.x", "fcvt.d.s", "fmv.x.d", "", sv[i], fl); \
        printf(" d %" PRIx64 "/%" PRIx64 "\n", r, fl); \
    } \
    for (unsigned i = 0; i < ND; i++) { \
        printf("d %016" PRIx64 " %s:", dv[i], rmname[rmi]); \
        r = U_FF("fmv.d.x", "fsqrt.d", "fmv.x.d", R, dv[i], fl); \
        printf(" sqrt %016" PRIx64 "/%" PRIx64, r, fl); \
        r = U_FX("fmv.d.x", "fcvt.w.d", R, dv[i], fl); printf(" w %" PRIx64 "/%" PRIx64, r, fl); \
        r = U_FX("fmv.d.x", "fcvt.wu.d", R, dv[i], fl); printf(" wu %" PRIx64 "/%" PRIx64, r, fl); \
        r = U_FX("fmv.d.x", "fcvt.l.d", R, dv[i], fl); printf(" l %" PRIx64 "/%" PRIx64, r, fl); \
        r = U_FX("fmv.d.x", "fcvt.lu.d", R, dv[i], fl); printf(" lu %" PRIx64 "/%" PRIx64, r, fl); \
        r = U_FF("fmv.d.x", "fcvt.s.d", "fmv.x.w", R, dv[i], fl); \
        printf(" s %08" PRIx32 "/%" PRIx64 "\n", (uint32_t)r, fl); \
    } \
    for (unsigned i = 0; i < ND; i++) { \
        printf("x %016" PRIx64 " %s:", dv[i], rmname[rmi]); \
        r = U_XF("fcvt.s.l", "fmv.x.w", R, dv[i], fl); printf(" s.l %08" PRIx32 "/%" PRIx64, (uint32_t)r, fl); \
        r = U_XF("fcvt.s.lu", "fmv.x.w", R, dv[i], fl); printf(" s.lu %08" PRIx32 "/%" PRIx64, (uint32_t)r, fl); \
        r = U_XF("fcvt.s.w", "fmv.x.w", R, dv[i], fl); printf(" s.w %08" PRIx32 "/%" PRIx64, (uint32_t)r, fl); \
        r = U_XF("fcvt.s.wu", "fmv.x.w", R, dv[i], fl); printf(" s.wu %08" PRIx32 "/%" PRIx64, (uint32_t)r, fl); \
        r = U_XF("fcvt.d.l", "fmv.x.d", R, dv[i], fl); printf(" d.l %" PRIx64 "/%" PRIx64, r, fl); \
        r = U_XF("fcvt.d.lu", "fmv.x.d", R, dv[i], fl); printf(" d.lu %" PRIx64 "/%" PRIx64 "\n", r, fl); \
    }
    FOR_RM(UN_BODY);
}

/* Rounding-independent: compares, min/max, sign injection, fclass. */
static void exact(void)
{
    uint64_t fl, r;
    for (unsigned i = 0; i < NS; i++) {
        for (unsigned j = 0; j < NS; j++) {
            printf("s %08" PRIx32 " %08" PRIx32 ":", sv[i], sv[j]);
            r = C_S("feq.s", sv[i], sv[j], fl); printf(" eq %" PRIu64 "/%" PRIx64, r, fl);
            r = C_S("flt.s", sv[i], sv[j], fl); printf(" lt %" PRIu64 "/%" PRIx64, r, fl);
            r = C_S("fle.s", sv[i], sv[j], fl); printf(" le %" PRIu64 "/%" PRIx64, r, fl);
            r = S2("fmin.s", "", sv[i], sv[j], fl); printf(" min %08" PRIx64 "/%" PRIx64, r, fl);
            r = S2("fmax.s", "", sv[i], sv[j], fl); printf(" max %08" PRIx64 "/%" PRIx64, r, fl);
            r = S2("fsgnj.s", "", sv[i], sv[j], fl); printf(" sgnj %08" PRIx64, r);
            r = S2("fsgnjn.s", "", sv[i], sv[j], fl); printf(" sgnjn %08" PRIx64, r);
            r = S2("fsgnjx.s", "", sv[i], sv[j], fl); printf(" sgnjx %08" PRIx64 "\n", r);
        }
    }
    hash = 14695981039346656037ull;
    for (unsigned i = 0; i < ND; i++) {
        for (unsigned j = 0; j < ND; j++) {
            mix(C_D("feq.d", dv[i], dv[j], fl)); mix(fl);
            mix(C_D("flt.d", dv[i], dv[j], fl)); mix(fl);
            mix(C_D("fle.d", dv[i], dv[j], fl)); mix(fl);
            mix(D2("fmin.d", "", dv[i], dv[j], fl)); mix(fl);
            mix(D2("fmax.d", "", dv[i], dv[j], fl)); mix(fl);
            mix(D2("fsgnj.d", "", dv[i], dv[j], fl));
            mix(D2("fsgnjn.d", "", dv[i], dv[j], fl));
            mix(D2("fsgnjx.d", "", dv[i], dv[j], fl));
        }
    }
    printf("double compares/minmax/sgnj %016" PRIx64 "\n", hash);
    for (unsigned i = 0; i < NS; i++) {
        printf("fclass.s %08" PRIx32 " = %03" PRIx64 "\n", sv[i],
               U_FX("fmv.w.x", "fclass.s", "", sv[i], fl));
    }
    for (unsigned i = 0; i < ND; i++) {
        printf("fclass.d %016" PRIx64 " = %03" PRIx64 "\n", dv[i],
               U_FX("fmv.d.x", "fclass.d", "", dv[i], fl));
    }
}

/* Single values live NaN-boxed in 64-bit registers; an improperly boxed
 * input reads as the canonical NaN. */
static void boxing(void)
{
    uint64_t r, fl;
    __asm__ volatile("fmv.w.x ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(r) : "r"(0x3f800000) : "ft0");
    printf("fmv.w.x boxes: %016" PRIx64 "\n", r);
    __asm__ volatile("fmv.d.x ft0, %2\n\tfsflags zero\n\tfadd.s ft1, ft0, ft0\n\t"
                     "frflags %1\n\tfmv.x.w %0, ft1"
                     : "=r"(r), "=r"(fl) : "r"(0x000000003f800000ull) : "ft0", "ft1");
    printf("unboxed input: %08" PRIx32 "/%" PRIx64 "\n", (uint32_t)r, fl);
    __asm__ volatile("fmv.d.x ft0, %1\n\tfmv.x.w %0, ft0" : "=r"(r) : "r"(0x123456789abcdef0ull) : "ft0");
    printf("fmv.x.w of a double: %016" PRIx64 "\n", r);
    __asm__ volatile("fmv.d.x ft0, %1\n\tfsgnj.s ft1, ft0, ft0\n\tfmv.x.d %0, ft1"
                     : "=r"(r) : "r"(0xffffffff7f800001ull) : "ft0", "ft1");
    printf("fsgnj.s keeps sNaN payload: %016" PRIx64 "\n", r);
    __asm__ volatile("fmv.d.x ft0, %1\n\tfsgnjn.s ft1, ft0, ft0\n\tfmv.x.d %0, ft1"
                     : "=r"(r) : "r"(0x00000000bf800000ull) : "ft0", "ft1");
    printf("fsgnjn.s of unboxed: %016" PRIx64 "\n", r);
    __asm__ volatile("fmv.d.x ft0, %1\n\tfclass.s %0, ft0" : "=r"(r) : "r"(0x7fffffff00000000ull) : "ft0");
    printf("fclass.s of unboxed: %03" PRIx64 "\n", r);
    static volatile uint64_t mem = 0x1122334455667788ull;
    __asm__ volatile("flw ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(r) : "m"(mem) : "ft0");
    printf("flw boxes: %016" PRIx64 "\n", r);
    static volatile uint64_t out;
    out = 0;
    __asm__ volatile("fmv.d.x ft0, %1\n\tfsw ft0, %0" : "=m"(out) : "r"(0xaaaaaaaa40490fdbull) : "ft0");
    printf("fsw stores low word: %016" PRIx64 "\n", out);
}

/* The C library's view: fesetround/fegetround, fenv flags, frm in fcsr. */
static void cenv(void)
{
    static const int modes[] = { FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD };
    static const char *const names[] = { "nearest", "towardzero", "downward", "upward" };
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        volatile double a = 1.0, b = 3.0, c = -2.0;
        volatile float fa = 1.0f, fb = 3.0f;
        double q = a / b, nq = c / b;
        float fq = fa / fb;
        uint64_t qb, nqb, fcsr;
        uint32_t fqb;
        memcpy(&qb, &q, 8); memcpy(&nqb, &nq, 8); memcpy(&fqb, &fq, 4);
        __asm__ volatile("frcsr %0" : "=r"(fcsr));
        printf("%-10s get=%d 1/3=%016" PRIx64 " -2/3=%016" PRIx64 " 1f/3f=%08" PRIx32
               " frm=%" PRIu64 "\n", names[m], fegetround() == modes[m], qb, nqb, fqb,
               (fcsr >> 5) & 7);
    }
    fesetround(FE_TONEAREST);
    feclearexcept(FE_ALL_EXCEPT);
    volatile double z = 0.0, one = 1.0, big = 1e308, tiny = 1e-308;
    volatile double r1 = one / z;
    printf("1/0 -> DZ=%d\n", fetestexcept(FE_DIVBYZERO) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r1 = big * big;
    printf("overflow OF=%d NX=%d\n", fetestexcept(FE_OVERFLOW) != 0, fetestexcept(FE_INEXACT) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r1 = tiny * tiny;
    printf("underflow UF=%d\n", fetestexcept(FE_UNDERFLOW) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r1 = z / z;
    printf("0/0 NV=%d\n", fetestexcept(FE_INVALID) != 0);
    (void)r1;
    /* flags accrue until cleared; fscsr writes both fields */
    uint64_t old, now;
    __asm__ volatile("fscsr %0, %1" : "=r"(old) : "r"(0x5full));
    __asm__ volatile("frcsr %0" : "=r"(now));
    printf("fscsr old=%02" PRIx64 " now=%02" PRIx64 "\n", old & 0xff, now);
    __asm__ volatile("fscsr %0, %1" : "=r"(old) : "r"(0x0ull));
    __asm__ volatile("csrr %0, fflags" : "=r"(now));
    printf("fflags after clear %" PRIx64 "\n", now);
}

int main(void)
{
#ifdef FP_FUSED_ONLY
    fused();
    return 0;
#endif
    arith();
    unary();
    exact();
    boxing();
    cenv();
    return 0;
}
