# net/: guest network back ends and the client pairs they form with NICs,
# compiled into libcore.
libcore_libcore_la_SOURCES += net/net.h net/net.c net/socket.c
# -netdev tap: /dev/net/tun, fd= and the ifup/ifdown scripts
libcore_libcore_la_SOURCES += net/tap.c
# -netdev user: libslirp behind a polling thread. Its own convenience library, so
# that libcore carries no libslirp dependency (Debian ships no static libslirp, and
# the user-mode emulators can be linked statically); see net_user_register().
noinst_LTLIBRARIES += net/libnet-user.la
net_libnet_user_la_SOURCES = net/slirp.c net/slirp-int.h net/slirp-opts.c
net_libnet_user_la_CFLAGS = $(AM_CFLAGS) $(SLIRP_CFLAGS)
net_libnet_user_la_LIBADD = libcore/libcore.la $(SLIRP_LIBS) $(GLIB_LIBS)
