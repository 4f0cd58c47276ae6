# nbd-tool/: qemu-nbd, a small main over libcore's NBD server and block layer.
bin_PROGRAMS += nbd-tool/qemu-nbd
nbd_tool_qemu_nbd_SOURCES = \
	nbd-tool/nbd-tool.h nbd-tool/main.c nbd-tool/image.c nbd-tool/partition.c \
	nbd-tool/list.c nbd-tool/kernel.c nbd-tool/serve.c nbd-tool/daemon.c
nbd_tool_qemu_nbd_LDADD = libcore/libcore.la $(GLIB_LIBS) -lpthread
