/*
 * A freestanding program without the C library: _start reads argc and argv
 * from the initial stack, writes each argument with the write system call,
 * computes 10! in a loop with compressed and uncompressed instructions, prints
 * it in decimal, and exits through exit_group with a status of 42.
 */
/* guest: cflags=-nostdlib -nostartfiles args=first second */
#define SYS_write 64
#define SYS_exit_group 94

    .text
    .globl _start
_start:
    ld      s0, 0(sp)               /* argc */
    addi    s1, sp, 8               /* argv */
    li      s2, 1                   /* skip argv[0]: its path varies */
1:  bge     s2, s0, 3f
    slli    t0, s2, 3
    add     t0, s1, t0
    ld      a1, 0(t0)
    mv      a2, zero                /* strlen */
2:  add     t1, a1, a2
    lbu     t1, 0(t1)
    beqz    t1, 4f
    addi    a2, a2, 1
    j       2b
4:  li      a0, 1
    li      a7, SYS_write
    ecall
    la      a1, newline
    li      a2, 1
    li      a0, 1
    li      a7, SYS_write
    ecall
    addi    s2, s2, 1
    j       1b
3:  li      a0, 1                   /* 10! */
    li      t0, 1
    li      t1, 11
5:  mul     a0, a0, t0
    c.addi  t0, 1
    blt     t0, t1, 5b
    la      t2, digits_end          /* decimal, backwards */
    li      t3, 10
    mv      a2, zero
6:  remu    t4, a0, t3
    divu    a0, a0, t3
    addi    t4, t4, '0'
    addi    t2, t2, -1
    sb      t4, 0(t2)
    addi    a2, a2, 1
    bnez    a0, 6b
    mv      a1, t2
    addi    a2, a2, 1               /* include the newline after digits_end */
    li      a0, 1
    li      a7, SYS_write
    ecall
    li      a0, 42
    li      a7, SYS_exit_group
    ecall
    unimp

    .data
newline:
    .byte   10
digits:
    .space  24
digits_end:
    .byte   10
