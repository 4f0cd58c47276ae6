# tests/unit: GTest programs in TAP mode for library code.
UNIT_LDADD = libcore/libcore.la $(GLIB_LIBS)

check_PROGRAMS += tests/unit/test-error
tests_unit_test_error_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-error

check_PROGRAMS += tests/unit/test-qobject
tests_unit_test_qobject_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-qobject

check_PROGRAMS += tests/unit/test-json
tests_unit_test_json_LDADD = $(UNIT_LDADD)
tests_unit_test_json_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus"'
TESTS += tests/unit/test-json

check_PROGRAMS += tests/unit/test-cutils
tests_unit_test_cutils_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-cutils

check_PROGRAMS += tests/unit/test-opts
tests_unit_test_opts_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-opts

check_PROGRAMS += tests/unit/test-qmp-dispatch
tests_unit_test_qmp_dispatch_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-qmp-dispatch

check_PROGRAMS += tests/unit/test-object
tests_unit_test_object_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-object

check_PROGRAMS += tests/unit/test-main-loop
tests_unit_test_main_loop_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-main-loop

check_PROGRAMS += tests/unit/test-block
tests_unit_test_block_LDADD = $(UNIT_LDADD) -lpthread
TESTS += tests/unit/test-block

check_PROGRAMS += tests/unit/test-block-chain
tests_unit_test_block_chain_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-block-chain

check_PROGRAMS += tests/unit/test-qcow2
tests_unit_test_qcow2_LDADD = $(UNIT_LDADD) -lpthread
TESTS += tests/unit/test-qcow2

check_PROGRAMS += tests/unit/test-qcow2-maint
tests_unit_test_qcow2_maint_LDADD = $(UNIT_LDADD) -lpthread
TESTS += tests/unit/test-qcow2-maint

check_PROGRAMS += tests/unit/test-sockets
tests_unit_test_sockets_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-sockets

# TLS driver for tests/functional/tls-channel.sh (not a test by itself).
check_PROGRAMS += tests/unit/tls-echo
tests_unit_tls_echo_LDADD = $(UNIT_LDADD)

# The NBD server over a socketpair, speaking the raw protocol.
check_PROGRAMS += tests/unit/test-nbd-server
tests_unit_test_nbd_server_LDADD = $(UNIT_LDADD) -lpthread
tests_unit_test_nbd_server_CPPFLAGS = $(AM_CPPFLAGS) \
	-DNBD_STRESS='"$(abs_top_builddir)/tests/unit/nbd-stress"' \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus"'
TESTS += tests/unit/test-nbd-server

check_PROGRAMS += tests/unit/test-nbd-client
tests_unit_test_nbd_client_LDADD = $(UNIT_LDADD) -lpthread
TESTS += tests/unit/test-nbd-client

# libtcg: the IR rules of docs/tcg-ir.md through the reference interpreter.
TCG_UNIT_LDADD = libtcg/libtcg.la $(UNIT_LDADD)
EXTRA_DIST += tests/unit/test-tcg-util.h
check_PROGRAMS += tests/unit/test-tcg-ir
tests_unit_test_tcg_ir_LDADD = $(TCG_UNIT_LDADD)
TESTS += tests/unit/test-tcg-ir
check_PROGRAMS += tests/unit/test-tcg-mem
tests_unit_test_tcg_mem_LDADD = $(TCG_UNIT_LDADD) -lpthread
TESTS += tests/unit/test-tcg-mem
check_PROGRAMS += tests/unit/test-tcg-ctl
tests_unit_test_tcg_ctl_LDADD = $(TCG_UNIT_LDADD)
TESTS += tests/unit/test-tcg-ctl
check_PROGRAMS += tests/unit/test-tcg-opt
tests_unit_test_tcg_opt_LDADD = $(TCG_UNIT_LDADD)
TESTS += tests/unit/test-tcg-opt

# nbd-stress: a raw-protocol load generator that verifies the export byte for
# byte (run by tests/functional/nbd-stress.sh and test-nbd-server). Not a test itself.
check_PROGRAMS += tests/unit/nbd-stress
tests_unit_nbd_stress_LDADD = $(UNIT_LDADD) -lpthread

check_PROGRAMS += tests/unit/test-tls
tests_unit_test_tls_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-tls
# libtcg: the x86-64 backend differential against the interpreter (tcgbe).
check_PROGRAMS += tests/unit/test-tcg-backend
tests_unit_test_tcg_backend_LDADD = $(TCG_UNIT_LDADD)
TESTS += tests/unit/test-tcg-backend
EXTRA_DIST += tests/unit/test-tcg-gen.h
check_PROGRAMS += tests/unit/test-tcg-passes
tests_unit_test_tcg_passes_LDADD = $(TCG_UNIT_LDADD)
TESTS += tests/unit/test-tcg-passes

# targets/riscv: the RISC-V front end through the reference interpreter.
RISCV_UNIT_LDADD = targets/riscv/libtarget-riscv.la libtcg/libtcg.la $(UNIT_LDADD) -lm
EXTRA_DIST += tests/unit/test-riscv-util.h tests/unit/test-ram.h
check_PROGRAMS += tests/unit/test-riscv-int
tests_unit_test_riscv_int_LDADD = $(RISCV_UNIT_LDADD)
TESTS += tests/unit/test-riscv-int
check_PROGRAMS += tests/unit/test-riscv-fp
tests_unit_test_riscv_fp_LDADD = $(RISCV_UNIT_LDADD)
TESTS += tests/unit/test-riscv-fp

# The gdbstub protocol core with the RV64 register map.
check_PROGRAMS += tests/unit/test-gdbstub
tests_unit_test_gdbstub_LDADD = targets/riscv/libtarget-riscv.la libtcg/libtcg.la $(UNIT_LDADD)
TESTS += tests/unit/test-gdbstub

# libtcg execution core and the -d log.
check_PROGRAMS += tests/unit/test-tcg-exec
tests_unit_test_tcg_exec_LDADD = $(RISCV_UNIT_LDADD) -lpthread
TESTS += tests/unit/test-tcg-exec
check_PROGRAMS += tests/unit/test-log
tests_unit_test_log_LDADD = $(UNIT_LDADD) -lpthread
TESTS += tests/unit/test-log

# linux-user ELF program parser.
check_PROGRAMS += tests/unit/test-elf-parse
tests_unit_test_elf_parse_SOURCES = tests/unit/test-elf-parse.c linux-user/elfparse.c
tests_unit_test_elf_parse_LDADD = $(UNIT_LDADD)
tests_unit_test_elf_parse_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus"'
TESTS += tests/unit/test-elf-parse

# hw/virtio: the split virtqueue walker against a driver played by the test.
check_PROGRAMS += tests/unit/test-virtqueue
tests_unit_test_virtqueue_LDADD = hw/libhw.la $(UNIT_LDADD)
TESTS += tests/unit/test-virtqueue
check_PROGRAMS += tests/unit/test-virtio-mmio
tests_unit_test_virtio_mmio_LDADD = hw/libhw.la $(UNIT_LDADD)
TESTS += tests/unit/test-virtio-mmio
check_PROGRAMS += tests/unit/test-virtio-blk
tests_unit_test_virtio_blk_LDADD = hw/libhw.la $(UNIT_LDADD)
TESTS += tests/unit/test-virtio-blk

# net/: network clients and -netdev socket over loopback.
check_PROGRAMS += tests/unit/test-net
tests_unit_test_net_LDADD = net/libnet-user.la $(UNIT_LDADD)
TESTS += tests/unit/test-net
check_PROGRAMS += tests/unit/test-virtio-net
tests_unit_test_virtio_net_LDADD = hw/libhw.la $(UNIT_LDADD)
TESTS += tests/unit/test-virtio-net

# hw/char: the 16550A UART driven as a driver does.
check_PROGRAMS += tests/unit/test-serial
tests_unit_test_serial_LDADD = hw/libhw.la $(UNIT_LDADD)
TESTS += tests/unit/test-serial

# hw/nvram: fw_cfg through its ports and DMA.
check_PROGRAMS += tests/unit/test-fw-cfg
tests_unit_test_fw_cfg_LDADD = hw/libhw.la $(UNIT_LDADD)
TESTS += tests/unit/test-fw-cfg

# hw/i386: the direct Linux boot plan.
check_PROGRAMS += tests/unit/test-x86-boot
tests_unit_test_x86_boot_LDADD = hw/libhw.la $(UNIT_LDADD)
tests_unit_test_x86_boot_CPPFLAGS = $(AM_CPPFLAGS) -DTEST_KERNEL_PATH='"$(abs_top_builddir)/tests/linux/vmlinuz"'
TESTS += tests/unit/test-x86-boot

# hw/pci and the virtio PCI transport, enumerated and driven as firmware and drivers do.
check_PROGRAMS += tests/unit/test-virtio-pci
tests_unit_test_virtio_pci_LDADD = hw/libhw.la $(UNIT_LDADD)
TESTS += tests/unit/test-virtio-pci

# hw/rtc: the MC146818 on a clock the test moves.
check_PROGRAMS += tests/unit/test-rtc
tests_unit_test_rtc_LDADD = hw/libhw.la $(UNIT_LDADD)
TESTS += tests/unit/test-rtc

# softmmu: the memory API.
check_PROGRAMS += tests/unit/test-memory
tests_unit_test_memory_LDADD = softmmu/libsoftmmu.la $(UNIT_LDADD)
TESTS += tests/unit/test-memory

# monitor: QMP sessions.
check_PROGRAMS += tests/unit/test-qmp-server
tests_unit_test_qmp_server_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-qmp-server

# chardev: options, file, pipe, pty, socket, ringbuf.
check_PROGRAMS += tests/unit/test-chardev
tests_unit_test_chardev_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-chardev
check_PROGRAMS += tests/unit/test-virtio-console
tests_unit_test_virtio_console_LDADD = hw/libhw.la $(UNIT_LDADD)
TESTS += tests/unit/test-virtio-console
