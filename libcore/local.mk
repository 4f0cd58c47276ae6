# libcore: base utilities, QObject + JSON, options, types, main loop (block/ adds itself).
lib_LTLIBRARIES += libcore/libcore.la
libcore_libcore_la_SOURCES = \
	libcore/error.c libcore/error.h \
	libcore/qobject.c libcore/qobject.h \
	libcore/json.c libcore/json.h \
	libcore/cutils.c libcore/cutils.h \
	libcore/opts.c libcore/opts.h \
	libcore/object.c libcore/object.h libcore/object-int.h libcore/secret.c \
	libcore/main-loop.c libcore/main-loop.h \
	libcore/thread-pool.c libcore/thread-pool.h
libcore_libcore_la_LIBADD = $(GLIB_LIBS) $(ZLIB_LIBS) $(ZSTD_LIBS) $(GNUTLS_LIBS) -lpthread -lm
libcore_libcore_la_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS) $(ZSTD_CFLAGS) $(GNUTLS_CFLAGS)
libcore_libcore_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0
# QMP command registry and dispatcher (guest agent, system emulator monitor).
libcore_libcore_la_SOURCES += libcore/qmp-dispatch.c libcore/qmp-dispatch.h
# Sockets, byte channels and TLS credentials/sessions.
libcore_libcore_la_SOURCES += libcore/sockets.c libcore/sockets.h \
	libcore/channel.c libcore/channel.h libcore/channel-int.h
libcore_libcore_la_SOURCES += libcore/tls.c libcore/tls.h libcore/tls-creds.c libcore/tls-creds-x509.c libcore/tls-int.h
# -d / -D debug log.
libcore_libcore_la_SOURCES += libcore/log.c libcore/log.h
