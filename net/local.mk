# net/: guest network back ends and the client pairs they form with NICs,
# compiled into libcore.
libcore_libcore_la_SOURCES += net/net.h net/net.c net/socket.c
# -netdev user: libslirp behind a polling thread
libcore_libcore_la_SOURCES += net/slirp.c net/slirp-int.h net/slirp-opts.c
# -netdev tap: /dev/net/tun, fd= and the ifup/ifdown scripts
libcore_libcore_la_SOURCES += net/tap.c
