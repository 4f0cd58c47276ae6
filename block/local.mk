# block/: the block layer and its drivers, compiled into libcore.
libcore_libcore_la_SOURCES += block/block.h block/block_int.h
libcore_libcore_la_SOURCES += \
	block/block-priv.h block/block.c block/block-open.c block/block-io.c \
	block/block-status.c block/block-create.c \
	block/block-backend.h block/block-backend.c \
	block/file-lock.h block/file-lock.c block/file-posix.c block/raw-format.c
# qcow2 driver core
libcore_libcore_la_SOURCES += block/qcow2.h block/qcow2-int.h block/qcow2.c \
	block/qcow2-io.c block/qcow2-create.c block/qcow2-cluster.c \
	block/qcow2-refcount.c block/qcow2-cache.c block/qcow2-compress.c
# qcow2 maintenance: check/repair, snapshots, amend, measure
libcore_libcore_la_SOURCES += block/qcow2-maint.h block/qcow2-check.c \
	block/qcow2-snapshot.c block/qcow2-amend.c block/qcow2-measure.c \
	block/qcow2-refblocks.c
# NBD protocol driver
libcore_libcore_la_SOURCES += block/nbd.c
