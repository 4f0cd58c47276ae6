# block/: the block layer and its drivers, compiled into libcore.
libcore_libcore_la_SOURCES += block/block.h block/block_int.h
libcore_libcore_la_SOURCES += \
	block/block-priv.h block/block.c block/block-open.c block/block-io.c \
	block/block-status.c block/block-create.c \
	block/block-backend.h block/block-backend.c \
	block/file-lock.h block/file-lock.c block/file-posix.c block/raw-format.c
