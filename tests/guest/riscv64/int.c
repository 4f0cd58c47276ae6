/*
 * RV64IM integer instructions with edge operands: every shift form by 0, 31,
 * 32 and 63 (and amounts with ignored high bits), the word (*w) forms and their
 * sign extension, division and remainder by zero and INT_MIN / -1 overflow in
 * 32 and 64 bits, the three mulh forms, set-less-than, lui/auipc-style
 * constants, and loads of every width with sign/zero extension.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define R3(op, a, b) ({ uint64_t r_; \
    __asm__ volatile(op " %0, %1, %2" : "=r"(r_) : "r"(a), "r"(b)); r_; })
#define RI(op, a, imm) ({ uint64_t r_; \
    __asm__ volatile(op " %0, %1, " #imm : "=r"(r_) : "r"(a)); r_; })

static const uint64_t vals[] = {
    0, 1, 2, 0x7f, 0x80, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
    0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
    0xffffffffffffffffull, 0xfffffffffffffffeull, 0x123456789abcdef0ull,
    0xdeadbeefcafebabeull, 0xffffffff80000000ull,
};
#define NV (sizeof(vals) / sizeof(vals[0]))

static uint64_t hash = 1469598103934665603ull;

static void mix(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        hash ^= (v >> (i * 8)) & 0xff;
        hash *= 1099511628211ull;
    }
}

#define BINOP(name) do { \
    uint64_t h0_ = hash; (void)h0_; \
    for (unsigned i = 0; i < NV; i++) \
        for (unsigned j = 0; j < NV; j++) \
            mix(R3(name, vals[i], vals[j])); \
    printf("%-6s %016" PRIx64 "\n", name, hash); \
} while (0)

static void show(const char *what, uint64_t v)
{
    printf("%-28s %016" PRIx64 "\n", what, v);
}

int main(void)
{
    /* Every binary op over the cross product of edge values, hashed. */
    BINOP("add"); BINOP("sub"); BINOP("sll"); BINOP("srl"); BINOP("sra");
    BINOP("slt"); BINOP("sltu"); BINOP("xor"); BINOP("or"); BINOP("and");
    BINOP("addw"); BINOP("subw"); BINOP("sllw"); BINOP("srlw"); BINOP("sraw");
    BINOP("mul"); BINOP("mulh"); BINOP("mulhu"); BINOP("mulhsu"); BINOP("mulw");
    BINOP("div"); BINOP("divu"); BINOP("rem"); BINOP("remu");
    BINOP("divw"); BINOP("divuw"); BINOP("remw"); BINOP("remuw");

    /* Individual edge cases, printed so a failure names itself. */
    uint64_t m1 = ~0ull, imin = 0x8000000000000000ull, wmin = 0xffffffff80000000ull;
    show("div 7/0", R3("div", 7, 0));
    show("divu 7/0", R3("divu", 7, 0));
    show("rem 7%0", R3("rem", 7, 0));
    show("remu 7%0", R3("remu", 7, 0));
    show("div INT64_MIN/-1", R3("div", imin, m1));
    show("rem INT64_MIN%-1", R3("rem", imin, m1));
    show("divw INT32_MIN/-1", R3("divw", wmin, m1));
    show("remw INT32_MIN%-1", R3("remw", wmin, m1));
    show("divw -7/0", R3("divw", (uint64_t)-7, 0));
    show("divuw -7/0", R3("divuw", (uint64_t)-7, 0));
    show("remw -7%0", R3("remw", (uint64_t)-7, 0));
    show("remuw 0x80000007%0", R3("remuw", 0x80000007ull, 0));
    show("div -7/2", R3("div", (uint64_t)-7, 2));
    show("rem -7%2", R3("rem", (uint64_t)-7, 2));
    show("mulh -1*-1", R3("mulh", m1, m1));
    show("mulhu -1*-1", R3("mulhu", m1, m1));
    show("mulhsu -1*-1", R3("mulhsu", m1, m1));
    show("mulhsu 2*-1", R3("mulhsu", 2, m1));
    show("mulh MIN*MIN", R3("mulh", imin, imin));
    show("mulw 0x10000*0x8000", R3("mulw", 0x10000, 0x8000));
    show("sll 1<<63", R3("sll", 1, 63));
    show("sll 1<<64 (amount masked)", R3("sll", 1, 64));
    show("sra MIN>>63", R3("sra", imin, 63));
    show("srl MIN>>63", R3("srl", imin, 63));
    show("sra MIN>>0", R3("sra", imin, 0));
    show("sllw 1<<31", R3("sllw", 1, 31));
    show("sllw 1<<32 (amount masked)", R3("sllw", 1, 32));
    show("srlw 0x80000000>>0", R3("srlw", 0x80000000ull, 0));
    show("srlw 0x80000000>>31", R3("srlw", 0x80000000ull, 31));
    show("sraw 0x80000000>>31", R3("sraw", 0x80000000ull, 31));
    show("sraw high bits ignored", R3("sraw", 0x1234567880000000ull, 4));
    show("slli 63", RI("slli", 1, 63));
    show("srli 63", RI("srli", m1, 63));
    show("srai 63", RI("srai", imin, 63));
    show("srai 0", RI("srai", imin, 0));
    show("slliw 31", RI("slliw", 1, 31));
    show("srliw 0", RI("srliw", 0xffffffff80000000ull, 0));
    show("srliw 31", RI("srliw", m1, 31));
    show("sraiw 31", RI("sraiw", 0x80000000ull, 31));
    show("sraiw 0", RI("sraiw", 0x80000000ull, 0));
    show("addiw wrap", RI("addiw", 0x7fffffffull, 1));
    show("addiw -1", RI("addiw", 0, -1));
    show("addi -2048", RI("addi", 0, -2048));
    show("slti -1<0", RI("slti", m1, 0));
    show("sltiu x<-1", RI("sltiu", 5, -1));
    show("xori -1", RI("xori", 0x1234, -1));
    show("andi -2048", RI("andi", m1, -2048));
    show("ori 0x7ff", RI("ori", 0, 0x7ff));
    uint64_t r;
    __asm__ volatile("lui %0, 0x80000" : "=r"(r));
    show("lui 0x80000", r);
    __asm__ volatile("lui %0, 0xfffff" : "=r"(r));
    show("lui 0xfffff", r);
    __asm__ volatile("lui %0, 0x7ffff\n\taddiw %0, %0, 0x7ff" : "=r"(r));
    show("li 0x7ffff7ff", r);
    __asm__ volatile("1: auipc %0, 0\n\tla t0, 1b\n\tsub %0, %0, t0" : "=r"(r) : : "t0");
    show("auipc - la", r);

    /* Loads of each width from a buffer with the sign bits set. */
    static volatile unsigned char buf[16] = {
        0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0xf8, 0x7f, 0xff, 0, 0, 0, 0, 0, 0 };
    __asm__ volatile("lb %0, 0(%1)" : "=r"(r) : "r"(buf)); show("lb", r);
    __asm__ volatile("lbu %0, 0(%1)" : "=r"(r) : "r"(buf)); show("lbu", r);
    __asm__ volatile("lh %0, 0(%1)" : "=r"(r) : "r"(buf)); show("lh", r);
    __asm__ volatile("lhu %0, 0(%1)" : "=r"(r) : "r"(buf)); show("lhu", r);
    __asm__ volatile("lw %0, 4(%1)" : "=r"(r) : "r"(buf)); show("lw", r);
    __asm__ volatile("lwu %0, 4(%1)" : "=r"(r) : "r"(buf)); show("lwu", r);
    __asm__ volatile("ld %0, 0(%1)" : "=r"(r) : "r"(buf)); show("ld", r);
    __asm__ volatile("lh %0, 1(%1)" : "=r"(r) : "r"(buf)); show("lh misaligned", r);
    __asm__ volatile("lw %0, 7(%1)" : "=r"(r) : "r"(buf)); show("lw misaligned", r);
    __asm__ volatile("ld %0, 3(%1)" : "=r"(r) : "r"(buf)); show("ld misaligned", r);
    /* Stores of each width. */
    static volatile uint64_t st;
    st = 0;
    __asm__ volatile("sb %1, 0(%0)\n\tsh %1, 2(%0)\n\tsw %2, 4(%0)"
                     : : "r"(&st), "r"(0x1234ull), "r"(0xa5a5a5a5deadbeefull) : "memory");
    show("sb/sh/sw", st);
    __asm__ volatile("sd %1, 0(%0)" : : "r"(&st), "r"(m1 - 5) : "memory");
    show("sd", st);
    /* Branches over signed/unsigned compares. */
    int bits = 0;
    for (unsigned i = 0; i < NV; i++) {
        int64_t a = (int64_t)vals[i], b = (int64_t)vals[(i + 5) % NV];
        bits = bits * 3 + (a < b) + 2 * ((uint64_t)a < (uint64_t)b);
        bits ^= (a == b) << 4;
        bits ^= (a >= b) << 5;
    }
    printf("branches %d\n", bits);
    return 0;
}
