# libcore: base utilities, QObject + JSON, options, types, main loop (block/ adds itself).
lib_LTLIBRARIES += libcore/libcore.la
libcore_libcore_la_SOURCES = \
	libcore/error.c libcore/error.h \
	libcore/qobject.h libcore/json.h libcore/cutils.h libcore/opts.h libcore/object.h
libcore_libcore_la_LIBADD = $(GLIB_LIBS) $(ZLIB_LIBS) $(ZSTD_LIBS) $(GNUTLS_LIBS) -lpthread
libcore_libcore_la_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS) $(ZSTD_CFLAGS) $(GNUTLS_CFLAGS)
libcore_libcore_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0
