# targets/riscv/: the RISC-V guest: CPU state, decoder -> IR, helpers.
noinst_LTLIBRARIES += targets/riscv/libtarget-riscv.la
targets_riscv_libtarget_riscv_la_SOURCES = \
	targets/riscv/cpu.c targets/riscv/cpu.h \
	targets/riscv/translate.c targets/riscv/translate.h \
	targets/riscv/translate-internal.h \
	targets/riscv/translate-int.c \
	targets/riscv/translate-fp.c \
	targets/riscv/rvc.c \
	targets/riscv/op_helper.c \
	targets/riscv/fpu_helper.c targets/riscv/fpu_helper.h
# the execution core's view of the target
targets_riscv_libtarget_riscv_la_SOURCES += targets/riscv/exec.c
# gdb register map
targets_riscv_libtarget_riscv_la_SOURCES += targets/riscv/gdb.c targets/riscv/gdb.h
targets_riscv_libtarget_riscv_la_LIBADD = libtcg/libtcg.la libcore/libcore.la -lm
# The FPU helpers change the host rounding mode: no folding that assumes nearest.
targets_riscv_libtarget_riscv_la_CFLAGS = $(AM_CFLAGS) -frounding-math -fsignaling-nans
