/*
 * Bit manipulation extensions through inline assembly: Zba (address
 * generation, the .uw forms), Zbb (count, min/max, extension, rotation,
 * orc.b, rev8, andn/orn/xnor), Zbc (carry-less multiply) and Zbs (single-bit),
 * each over edge operands, with the 32-bit word forms' sign extension.
 * Debian's qemu-riscv64 7.2 gets ctzw wrong when the low word is zero but the
 * high one is not (63 for 0x8000000000000000, the specification says 32), hence
 * ref=no: bitmanip.out is its output with that one line corrected.
 */
/* guest: march=rv64gc_zba_zbb_zbc_zbs ref=no */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define R3(op, a, b) ({ uint64_t r_; \
    __asm__ volatile(op " %0, %1, %2" : "=r"(r_) : "r"(a), "r"(b)); r_; })
#define R2(op, a) ({ uint64_t r_; \
    __asm__ volatile(op " %0, %1" : "=r"(r_) : "r"(a)); r_; })
#define RI(op, a, imm) ({ uint64_t r_; \
    __asm__ volatile(op " %0, %1, " #imm : "=r"(r_) : "r"(a)); r_; })

static const uint64_t vals[] = {
    0, 1, 0x80, 0xff, 0x8000, 0x7fffffff, 0x80000000, 0xffffffff,
    0x100000000ull, 0x8000000000000000ull, 0xffffffffffffffffull,
    0x0123456789abcdefull, 0xf0e1d2c3b4a59687ull, 0x00ff00ff00ff00ffull, 63, 64,
};
#define NV (sizeof(vals) / sizeof(vals[0]))

#define EACH2(op) do { \
    printf("%-10s", op); \
    for (unsigned i_ = 0; i_ < NV; i_++) { \
        uint64_t h_ = 0; \
        for (unsigned j_ = 0; j_ < NV; j_++) h_ = h_ * 31 + R3(op, vals[i_], vals[j_]); \
        printf(" %04" PRIx64, (h_ ^ (h_ >> 16) ^ (h_ >> 32) ^ (h_ >> 48)) & 0xffff); \
    } \
    printf("\n"); \
} while (0)

#define EACH1(op) do { \
    printf("%-8s\n", op); \
    for (unsigned i_ = 0; i_ < NV; i_++) \
        printf("  %016" PRIx64 " -> %016" PRIx64 "\n", vals[i_], R2(op, vals[i_])); \
} while (0)

int main(void)
{
    /* Zba */
    EACH2("add.uw"); EACH2("sh1add"); EACH2("sh2add"); EACH2("sh3add");
    EACH2("sh1add.uw"); EACH2("sh2add.uw"); EACH2("sh3add.uw");
    printf("slli.uw 0: %016" PRIx64 "\n", RI("slli.uw", 0xfedcba9887654321ull, 0));
    printf("slli.uw 4: %016" PRIx64 "\n", RI("slli.uw", 0xfedcba9887654321ull, 4));
    printf("slli.uw 63: %016" PRIx64 "\n", RI("slli.uw", 0xfedcba9887654321ull, 63));
    /* Zbb */
    EACH2("andn"); EACH2("orn"); EACH2("xnor");
    EACH2("max"); EACH2("maxu"); EACH2("min"); EACH2("minu");
    EACH2("rol"); EACH2("ror"); EACH2("rolw"); EACH2("rorw");
    EACH1("clz"); EACH1("clzw"); EACH1("ctz"); EACH1("ctzw");
    EACH1("cpop"); EACH1("cpopw");
    EACH1("sext.b"); EACH1("sext.h"); EACH1("zext.h");
    EACH1("orc.b"); EACH1("rev8");
    printf("rori 0: %016" PRIx64 "\n", RI("rori", 0x8000000000000001ull, 0));
    printf("rori 1: %016" PRIx64 "\n", RI("rori", 0x8000000000000001ull, 1));
    printf("rori 63: %016" PRIx64 "\n", RI("rori", 0x8000000000000001ull, 63));
    printf("roriw 0: %016" PRIx64 "\n", RI("roriw", 0x1234567880000001ull, 0));
    printf("roriw 1: %016" PRIx64 "\n", RI("roriw", 0x1234567880000001ull, 1));
    printf("roriw 31: %016" PRIx64 "\n", RI("roriw", 0x1234567880000001ull, 31));
    /* Zbc */
    EACH2("clmul"); EACH2("clmulh"); EACH2("clmulr");
    printf("clmul ff*ff: %016" PRIx64 "\n", R3("clmul", 0xff, 0xff));
    printf("clmulh -1*-1: %016" PRIx64 "\n", R3("clmulh", ~0ull, ~0ull));
    printf("clmulr -1*-1: %016" PRIx64 "\n", R3("clmulr", ~0ull, ~0ull));
    /* Zbs */
    EACH2("bclr"); EACH2("bext"); EACH2("binv"); EACH2("bset");
    printf("bclri 63: %016" PRIx64 "\n", RI("bclri", ~0ull, 63));
    printf("bexti 63: %016" PRIx64 "\n", RI("bexti", 0x8000000000000000ull, 63));
    printf("binvi 0: %016" PRIx64 "\n", RI("binvi", 0, 0));
    printf("bseti 31: %016" PRIx64 "\n", RI("bseti", 0, 31));
    printf("bseti 32: %016" PRIx64 "\n", RI("bseti", 0, 32));
    return 0;
}
