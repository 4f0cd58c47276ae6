# block/: the block layer and its drivers, compiled into libcore.
libcore_libcore_la_SOURCES += block/block.h block/block_int.h
