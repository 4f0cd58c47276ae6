/*
 * Self-modifying code: instructions written into an RWX mapping and run,
 * then rewritten in place (new immediates, a different operation) and run
 * again after fence.i, 2000 times in a row; the same through a W^X buffer
 * flipped with mprotect and flushed with __builtin___clear_cache (the
 * riscv_flush_icache system call); code that patches an instruction later in
 * its own block; and a generated loop.
 */
/* guest: timeout=20 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef long (*fn0)(void);
typedef long (*fn1)(long);

#define RET 0x00008067u
/* addi rd, rs1, imm (imm 12-bit signed) */
static uint32_t addi(int rd, int rs1, int imm)
{
    return ((uint32_t)(imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
}
/* R-type op: funct7, rs2, rs1, funct3, rd, opcode 0x33 */
static uint32_t rop(int f7, int rs2, int rs1, int f3, int rd)
{
    return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x33;
}
/* branch bne rs1, rs2, offset (bytes, even, 13-bit) */
static uint32_t bne(int rs1, int rs2, int off)
{
    uint32_t o = (uint32_t)off;
    return (((o >> 12) & 1) << 31) | (((o >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) |
           (1 << 12) | (((o >> 1) & 0xf) << 8) | (((o >> 11) & 1) << 7) | 0x63;
}

static void fence_i(void)
{
    __asm__ volatile("fence.i" ::: "memory");
}

int main(void)
{
    /* RWX buffer */
    uint32_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    code[0] = addi(10, 0, 11);   /* li a0, 11 */
    code[1] = RET;
    fence_i();
    printf("rwx first: %ld\n", ((fn0)code)());
    code[0] = addi(10, 0, -5);
    fence_i();
    printf("rwx patched imm: %ld\n", ((fn0)code)());
    code[0] = rop(0, 10, 10, 0, 10);   /* add a0, a0, a0 */
    fence_i();
    printf("rwx patched op (double 21): %ld\n", ((fn1)code)(21));
    code[0] = rop(1, 10, 10, 0, 10);   /* mul a0, a0, a0 */
    fence_i();
    printf("rwx patched op (square 21): %ld\n", ((fn1)code)(21));

    long sum = 0;
    for (int i = 0; i < 2000; i++) {
        code[0] = addi(10, 10, (i % 4000) - 1000);   /* a0 += k */
        fence_i();
        sum += ((fn1)code)(i);
    }
    printf("2000 rewrites: sum %ld\n", sum);

    /* generated loop: a0 = sum of 1..a0 */
    uint32_t *p = code + 64;
    p[0] = addi(11, 0, 0);            /* li a1, 0 */
    p[1] = rop(0, 10, 11, 0, 11);     /* add a1, a1, a0 */
    p[2] = addi(10, 10, -1);          /* addi a0, a0, -1 */
    p[3] = bne(10, 0, -8);            /* bnez a0, p+1 */
    p[4] = addi(10, 11, 0);           /* mv a0, a1 */
    p[5] = RET;
    fence_i();
    printf("generated loop sum(1..1000): %ld\n", ((fn1)p)(1000));
    p[1] = rop(0x20, 10, 11, 0, 11);  /* sub a1, a1, a0 */
    fence_i();
    printf("patched loop -sum(1..100): %ld\n", ((fn1)p)(100));

    /* code that rewrites a later instruction of its own block, then fence.i:
     *   sw a1, 12(a0)   ; overwrite the "li a0, 1" below with a2's word
     *   fence.i
     *   nop
     *   li a0, 1        ; replaced
     *   ret
     */
    uint32_t *q = code + 128;
    q[0] = (0 << 25) | (11 << 20) | (10 << 15) | (2 << 12) | (12 << 7) | 0x23;  /* sw a1,12(a0) */
    q[1] = 0x0000100f;                 /* fence.i */
    q[2] = addi(0, 0, 0);              /* nop */
    q[3] = addi(10, 0, 1);             /* li a0, 1 */
    q[4] = RET;
    fence_i();
    long (*selfmod)(uint32_t *, uint32_t) = (long (*)(uint32_t *, uint32_t))q;
    printf("self-patching block: %ld\n", selfmod(q, addi(10, 0, 77)));
    printf("self-patching block again: %ld\n", selfmod(q, addi(10, 0, 99)));

    /* W^X buffer: write, flip to exec, flush, run; repeat */
    uint32_t *wx = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long total = 0;
    for (int round = 0; round < 50; round++) {
        mprotect(wx, 4096, PROT_READ | PROT_WRITE);
        wx[0] = addi(10, 10, round);
        wx[1] = rop(0, 10, 10, 0, 10);
        wx[2] = RET;
        mprotect(wx, 4096, PROT_READ | PROT_EXEC);
        __builtin___clear_cache((char *)wx, (char *)(wx + 3));
        total += ((fn1)wx)(round);
    }
    printf("W^X 50 rounds: %ld\n", total);
    return 0;
}
