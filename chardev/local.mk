# chardev/: character devices (-chardev, -serial, -monitor), compiled into libcore.
libcore_libcore_la_SOURCES += chardev/char.h chardev/char.c chardev/char-fd.c \
	chardev/char-socket.c chardev/char-ringbuf.c chardev/char-mux.c chardev/char-int.h
