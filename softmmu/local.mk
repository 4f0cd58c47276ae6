# softmmu/: the system emulator's runtime (memory API so far), a convenience
# library the system emulators and the tests link.
noinst_LTLIBRARIES += softmmu/libsoftmmu.la
softmmu_libsoftmmu_la_SOURCES = softmmu/memory.h softmmu/memory.c
softmmu_libsoftmmu_la_LIBADD = libcore/libcore.la $(GLIB_LIBS)
