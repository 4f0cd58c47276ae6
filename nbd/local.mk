# nbd/: the NBD server and client, compiled into libcore.
libcore_libcore_la_SOURCES += nbd/nbd-proto.h nbd/nbd.h nbd/nbd-common.c
# The NBD server: lifecycle, handshake, transmission.
libcore_libcore_la_SOURCES += nbd/server.c nbd/server-int.h nbd/server-handshake.c \
	nbd/server-cmd.c nbd/server-pool.c
# NBD client
libcore_libcore_la_SOURCES += nbd/client-int.h nbd/client.c nbd/client-handshake.c \
	nbd/client-option.c nbd/client-list.c nbd/client-recv.c
