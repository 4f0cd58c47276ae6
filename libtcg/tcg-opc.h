/*
 * The table of IR ops: the one place that lists every op (docs/tcg-ir.md gives
 * their meaning). Included with DEF(name, nb_oargs, temp_types, const_kinds, flags)
 * defined by the includer.
 *
 * temp_types: one letter per temp operand, outputs first:
 *   T  the op's own type (i32 for _i32 ops, i64 for _i64 ops)
 *   i  i32           l  i64 (also host pointers and guest addresses)
 *   *  any type
 * const_kinds: one letter per constant argument:
 *   c  condition     L  label          m  MemOpIdx       b  barrier kind
 *   p  bit position  n  bit length     o  signed offset  v  64-bit value
 *   s  goto_tb slot  h  helper info    w  insn_start words (count set per context)
 * DEF2 defines the _i32 and _i64 forms of an op at once.
 */
#ifndef DEF2
#define DEF2(name, o, t, c, f) \
    DEF(name##_i32, o, t, c, (f)) \
    DEF(name##_i64, o, t, c, (f) | TCG_OPF_64)
#define TCG_OPC_DEF2_LOCAL
#endif

/* moves and arithmetic */
DEF2(mov, 1, "TT", "", 0)
DEF2(add, 1, "TTT", "", 0)
DEF2(sub, 1, "TTT", "", 0)
DEF2(mul, 1, "TTT", "", 0)
DEF2(neg, 1, "TT", "", 0)
DEF2(muluh, 1, "TTT", "", 0)
DEF2(mulsh, 1, "TTT", "", 0)
DEF2(mulsuh, 1, "TTT", "", 0)
DEF2(add2, 2, "TTTTTT", "", 0)
DEF2(sub2, 2, "TTTTTT", "", 0)
DEF2(div, 1, "TTT", "", 0)
DEF2(divu, 1, "TTT", "", 0)
DEF2(rem, 1, "TTT", "", 0)
DEF2(remu, 1, "TTT", "", 0)

/* logic */
DEF2(and, 1, "TTT", "", 0)
DEF2(or, 1, "TTT", "", 0)
DEF2(xor, 1, "TTT", "", 0)
DEF2(not, 1, "TT", "", 0)
DEF2(andc, 1, "TTT", "", 0)
DEF2(orc, 1, "TTT", "", 0)
DEF2(eqv, 1, "TTT", "", 0)
DEF2(nand, 1, "TTT", "", 0)
DEF2(nor, 1, "TTT", "", 0)

/* shifts and rotates: the count is taken modulo the width */
DEF2(shl, 1, "TTT", "", 0)
DEF2(shr, 1, "TTT", "", 0)
DEF2(sar, 1, "TTT", "", 0)
DEF2(rotl, 1, "TTT", "", 0)
DEF2(rotr, 1, "TTT", "", 0)

/* bit counting and byte swapping */
DEF2(clz, 1, "TTT", "", 0)
DEF2(ctz, 1, "TTT", "", 0)
DEF2(ctpop, 1, "TT", "", 0)
DEF2(bswap16, 1, "TT", "", 0)
DEF2(bswap32, 1, "TT", "", 0)
DEF(bswap64_i64, 1, "TT", "", TCG_OPF_64)

/* extensions, truncations, bit fields */
DEF2(ext8s, 1, "TT", "", 0)
DEF2(ext8u, 1, "TT", "", 0)
DEF2(ext16s, 1, "TT", "", 0)
DEF2(ext16u, 1, "TT", "", 0)
DEF(ext32s_i64, 1, "TT", "", TCG_OPF_64)
DEF(ext32u_i64, 1, "TT", "", TCG_OPF_64)
DEF(ext_i32_i64, 1, "li", "", TCG_OPF_64)
DEF(extu_i32_i64, 1, "li", "", TCG_OPF_64)
DEF(extrl_i64_i32, 1, "il", "", 0)
DEF(extrh_i64_i32, 1, "il", "", 0)
DEF2(deposit, 1, "TTT", "pn", 0)
DEF2(extract, 1, "TT", "pn", 0)
DEF2(sextract, 1, "TT", "pn", 0)
DEF2(extract2, 1, "TTT", "p", 0)

/* comparisons */
DEF2(setcond, 1, "TTT", "c", 0)
DEF2(movcond, 1, "TTTTT", "c", 0)
DEF2(brcond, 0, "TT", "cL", TCG_OPF_BRANCH | TCG_OPF_SIDE_EFFECTS)

/* host memory: base pointer + constant offset, inside env */
DEF2(ld8u, 1, "Tl", "o", TCG_OPF_HOST_MEM)
DEF2(ld8s, 1, "Tl", "o", TCG_OPF_HOST_MEM)
DEF2(ld16u, 1, "Tl", "o", TCG_OPF_HOST_MEM)
DEF2(ld16s, 1, "Tl", "o", TCG_OPF_HOST_MEM)
DEF(ld32u_i64, 1, "Tl", "o", TCG_OPF_HOST_MEM | TCG_OPF_64)
DEF(ld32s_i64, 1, "Tl", "o", TCG_OPF_HOST_MEM | TCG_OPF_64)
DEF2(ld, 1, "Tl", "o", TCG_OPF_HOST_MEM)
DEF2(st8, 0, "Tl", "o", TCG_OPF_HOST_MEM | TCG_OPF_SIDE_EFFECTS)
DEF2(st16, 0, "Tl", "o", TCG_OPF_HOST_MEM | TCG_OPF_SIDE_EFFECTS)
DEF(st32_i64, 0, "Tl", "o", TCG_OPF_HOST_MEM | TCG_OPF_SIDE_EFFECTS | TCG_OPF_64)
DEF2(st, 0, "Tl", "o", TCG_OPF_HOST_MEM | TCG_OPF_SIDE_EFFECTS)

/* guest memory */
DEF2(qemu_ld, 1, "Tl", "m", TCG_OPF_MAY_FAULT | TCG_OPF_SIDE_EFFECTS)
DEF2(qemu_st, 0, "Tl", "m", TCG_OPF_MAY_FAULT | TCG_OPF_SIDE_EFFECTS)
DEF2(atomic_cmpxchg, 1, "TlTT", "m", TCG_OPF_ATOMIC | TCG_OPF_MAY_FAULT | TCG_OPF_SIDE_EFFECTS)
DEF2(atomic_xchg, 1, "TlT", "m", TCG_OPF_ATOMIC | TCG_OPF_MAY_FAULT | TCG_OPF_SIDE_EFFECTS)
DEF2(atomic_fetch_add, 1, "TlT", "m", TCG_OPF_ATOMIC | TCG_OPF_MAY_FAULT | TCG_OPF_SIDE_EFFECTS)
DEF2(atomic_fetch_and, 1, "TlT", "m", TCG_OPF_ATOMIC | TCG_OPF_MAY_FAULT | TCG_OPF_SIDE_EFFECTS)
DEF2(atomic_fetch_or, 1, "TlT", "m", TCG_OPF_ATOMIC | TCG_OPF_MAY_FAULT | TCG_OPF_SIDE_EFFECTS)
DEF2(atomic_fetch_xor, 1, "TlT", "m", TCG_OPF_ATOMIC | TCG_OPF_MAY_FAULT | TCG_OPF_SIDE_EFFECTS)
DEF2(atomic_fetch_smin, 1, "TlT", "m", TCG_OPF_ATOMIC | TCG_OPF_MAY_FAULT | TCG_OPF_SIDE_EFFECTS)
DEF2(atomic_fetch_smax, 1, "TlT", "m", TCG_OPF_ATOMIC | TCG_OPF_MAY_FAULT | TCG_OPF_SIDE_EFFECTS)
DEF2(atomic_fetch_umin, 1, "TlT", "m", TCG_OPF_ATOMIC | TCG_OPF_MAY_FAULT | TCG_OPF_SIDE_EFFECTS)
DEF2(atomic_fetch_umax, 1, "TlT", "m", TCG_OPF_ATOMIC | TCG_OPF_MAY_FAULT | TCG_OPF_SIDE_EFFECTS)
DEF(mb, 0, "", "b", TCG_OPF_SIDE_EFFECTS)

/* control */
DEF(set_label, 0, "", "L", TCG_OPF_LABEL_DEF | TCG_OPF_SIDE_EFFECTS)
DEF(br, 0, "", "L", TCG_OPF_BRANCH | TCG_OPF_BB_END | TCG_OPF_SIDE_EFFECTS)
DEF(goto_tb, 0, "", "s", TCG_OPF_EXIT | TCG_OPF_SIDE_EFFECTS)
DEF(exit_tb, 0, "", "v", TCG_OPF_EXIT | TCG_OPF_BB_END | TCG_OPF_SIDE_EFFECTS)
DEF(goto_ptr, 0, "l", "", TCG_OPF_EXIT | TCG_OPF_BB_END | TCG_OPF_SIDE_EFFECTS)
DEF(insn_start, 0, "", "w", TCG_OPF_VARARGS | TCG_OPF_SIDE_EFFECTS)
DEF(discard, 0, "*", "", 0)
/* call: outputs and inputs come from the helper info (the last argument) */
DEF(call, 0, "", "h", TCG_OPF_VARARGS | TCG_OPF_CALL)

#ifdef TCG_OPC_DEF2_LOCAL
#undef DEF2
#undef TCG_OPC_DEF2_LOCAL
#endif
