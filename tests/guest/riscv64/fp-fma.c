/*
 * F and D fused multiply-add (fmadd, fmsub, fnmadd, fnmsub) over the edge
 * operands of fp.c in every rounding mode, with the fflags of each operation:
 * fp.c built to run only that part.
 */
/* guest: cflags=-lm */
#define FP_FUSED_ONLY
#include "fp.c"
