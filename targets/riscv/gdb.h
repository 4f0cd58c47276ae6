/*
 * The RV64 guest's register map for the gdbstub (libtcg/gdbstub.h).
 */
#ifndef TARGETS_RISCV_GDB_H
#define TARGETS_RISCV_GDB_H

#include <stdint.h>
#include "libtcg/gdbstub.h"
#include "targets/riscv/cpu.h"

/* The map for a hart with extension set ext (float registers only with F). */
const GdbArch *riscv_gdb_arch_get(uint32_t ext);

#endif
