# tests/fuzz: libFuzzer targets (./configure --enable-fuzzers CC=clang; scripts/fuzz.sh).
#
# To add a target: write tests/fuzz/fuzz-NAME.c defining LLVMFuzzerTestOneInput,
# add it to FUZZ_TARGETS with the four per-target lines below, and commit a few
# small seeds in tests/fuzz/corpus/fuzz-NAME/. scripts/fuzz.sh runs every target
# listed in FUZZ_TARGETS.
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/fuzz-feed.h tests/fuzz/fuzz-ram.h

FUZZ_TARGETS =
if ENABLE_FUZZERS
FUZZ_COMPILE_FLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined
FUZZ_LINK_FLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
FUZZ_LINK_LIBS = libcore/libcore.la $(GLIB_LIBS)

FUZZ_TARGETS += tests/fuzz/fuzz-json
tests_fuzz_fuzz_json_SOURCES = tests/fuzz/fuzz-json.c
tests_fuzz_fuzz_json_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_json_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_json_LDADD = $(FUZZ_LINK_LIBS)

FUZZ_TARGETS += tests/fuzz/fuzz-opts
tests_fuzz_fuzz_opts_SOURCES = tests/fuzz/fuzz-opts.c
tests_fuzz_fuzz_opts_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_opts_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_opts_LDADD = $(FUZZ_LINK_LIBS)

noinst_PROGRAMS += $(FUZZ_TARGETS)
endif
EXTRA_DIST += tests/fuzz/fuzz-json.c tests/fuzz/fuzz-opts.c

# scripts/fuzz.sh asks for the list (empty unless configured with --enable-fuzzers).
fuzz-targets:
	@echo $(FUZZ_TARGETS)
.PHONY: fuzz-targets

# The guest agent's request path: JSON stream -> QMP dispatch -> agent commands.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-qga
tests_fuzz_fuzz_qga_SOURCES = tests/fuzz/fuzz-qga.c $(QGA_CORE_SOURCES)
tests_fuzz_fuzz_qga_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_qga_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_qga_LDADD = $(FUZZ_LINK_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-qga.c

# The qcow2 driver: arbitrary bytes opened as an image, read and written.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-qcow2
tests_fuzz_fuzz_qcow2_SOURCES = tests/fuzz/fuzz-qcow2.c
tests_fuzz_fuzz_qcow2_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_qcow2_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_qcow2_LDADD = $(FUZZ_LINK_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-qcow2.c

# The NBD server: a client's whole byte stream (handshake + requests) over a socketpair.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-nbd-server
tests_fuzz_fuzz_nbd_server_SOURCES = tests/fuzz/fuzz-nbd-server.c
tests_fuzz_fuzz_nbd_server_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_nbd_server_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_nbd_server_LDADD = $(FUZZ_LINK_LIBS) -lpthread
endif
EXTRA_DIST += tests/fuzz/fuzz-nbd-server.c

# The gdbstub core: a debugger's whole byte stream against the RV64 register map.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-gdbstub
tests_fuzz_fuzz_gdbstub_SOURCES = tests/fuzz/fuzz-gdbstub.c
tests_fuzz_fuzz_gdbstub_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_gdbstub_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_gdbstub_LDADD = targets/riscv/libtarget-riscv.la libtcg/libtcg.la $(FUZZ_LINK_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-gdbstub.c

# The NBD client: a server's whole byte stream (handshake, export list or replies to requests).
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-nbd-client
tests_fuzz_fuzz_nbd_client_SOURCES = tests/fuzz/fuzz-nbd-client.c
tests_fuzz_fuzz_nbd_client_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_nbd_client_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_nbd_client_LDADD = $(FUZZ_LINK_LIBS) -lpthread
endif
EXTRA_DIST += tests/fuzz/fuzz-nbd-client.c

# The linux-user ELF program parser: arbitrary bytes as an executable image.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-elf
tests_fuzz_fuzz_elf_SOURCES = tests/fuzz/fuzz-elf.c linux-user/elfparse.c
tests_fuzz_fuzz_elf_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_elf_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_elf_LDADD = $(FUZZ_LINK_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-elf.c

# The split virtqueue walker: guest RAM (rings, tables, buffers) is the input.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-virtqueue
tests_fuzz_fuzz_virtqueue_SOURCES = tests/fuzz/fuzz-virtqueue.c
tests_fuzz_fuzz_virtqueue_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_virtqueue_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_virtqueue_LDADD = hw/libhw.la $(FUZZ_LINK_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-virtqueue.c

# virtio-mmio and the virtio core (virtio-rng behind it): register accesses and RAM.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-virtio-mmio
tests_fuzz_fuzz_virtio_mmio_SOURCES = tests/fuzz/fuzz-virtio-mmio.c
tests_fuzz_fuzz_virtio_mmio_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_virtio_mmio_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_virtio_mmio_LDADD = hw/libhw.la $(FUZZ_LINK_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-virtio-mmio.c

# -netdev socket's length-prefixed frame stream, as a network peer sends it.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-net-stream
tests_fuzz_fuzz_net_stream_SOURCES = tests/fuzz/fuzz-net-stream.c
tests_fuzz_fuzz_net_stream_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_net_stream_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_net_stream_LDADD = $(FUZZ_LINK_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-net-stream.c

# The 16550A UART: register accesses from the guest and bytes from the back end.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-serial
tests_fuzz_fuzz_serial_SOURCES = tests/fuzz/fuzz-serial.c
tests_fuzz_fuzz_serial_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_serial_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_serial_LDADD = hw/libhw.la $(FUZZ_LINK_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-serial.c

# fw_cfg: port accesses and DMA requests from the guest over guest RAM.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-fw-cfg
tests_fuzz_fuzz_fw_cfg_SOURCES = tests/fuzz/fuzz-fw-cfg.c
tests_fuzz_fuzz_fw_cfg_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_fw_cfg_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_fw_cfg_LDADD = hw/libhw.la $(FUZZ_LINK_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-fw-cfg.c

# Direct Linux boot: arbitrary bytes as a bzImage.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-x86-boot
tests_fuzz_fuzz_x86_boot_SOURCES = tests/fuzz/fuzz-x86-boot.c
tests_fuzz_fuzz_x86_boot_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_x86_boot_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_x86_boot_LDADD = hw/libhw.la $(FUZZ_LINK_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-x86-boot.c

# PCI mechanism #1 and the virtio PCI BAR (virtio-rng behind it) over guest RAM.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-virtio-pci
tests_fuzz_fuzz_virtio_pci_SOURCES = tests/fuzz/fuzz-virtio-pci.c
tests_fuzz_fuzz_virtio_pci_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_virtio_pci_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_virtio_pci_LDADD = hw/libhw.la $(FUZZ_LINK_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-virtio-pci.c

# The RTC/CMOS ports from the guest while time moves.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-rtc
tests_fuzz_fuzz_rtc_SOURCES = tests/fuzz/fuzz-rtc.c
tests_fuzz_fuzz_rtc_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_rtc_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_rtc_LDADD = hw/libhw.la $(FUZZ_LINK_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-rtc.c

# QMP sessions: any bytes from a client.
if ENABLE_FUZZERS
FUZZ_TARGETS += tests/fuzz/fuzz-qmp
tests_fuzz_fuzz_qmp_SOURCES = tests/fuzz/fuzz-qmp.c
tests_fuzz_fuzz_qmp_CFLAGS = $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_qmp_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_qmp_LDADD = $(FUZZ_LINK_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-qmp.c
