# hw/: device models and boards. Devices reach guest memory and interrupts only
# through the interfaces they are given, so they build and test on their own.
noinst_LTLIBRARIES += hw/libhw.la
hw_libhw_la_SOURCES =
hw_libhw_la_LIBADD = $(GLIB_LIBS)
# virtio: the split virtqueue walker (guest rings validated, see the header).
hw_libhw_la_SOURCES += hw/virtio/virtqueue.h hw/virtio/virtqueue.c
