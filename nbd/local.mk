# nbd/: the NBD server and client, compiled into libcore.
libcore_libcore_la_SOURCES += nbd/nbd-proto.h nbd/nbd.h nbd/nbd-common.c
