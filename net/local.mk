# net/: guest network back ends and the client pairs they form with NICs,
# compiled into libcore.
libcore_libcore_la_SOURCES += net/net.h net/net.c net/socket.c
