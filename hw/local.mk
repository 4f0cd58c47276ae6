# hw/: device models and boards. Devices reach guest memory and interrupts only
# through the interfaces they are given, so they build and test on their own.
noinst_LTLIBRARIES += hw/libhw.la
hw_libhw_la_SOURCES =
hw_libhw_la_LIBADD = libcore/libcore.la $(GLIB_LIBS)
# virtio: the split virtqueue walker (guest rings validated, see the header), the
# transport-independent device, the virtio-mmio transport, and the devices.
hw_libhw_la_SOURCES += hw/virtio/virtqueue.h hw/virtio/virtqueue.c \
	hw/virtio/virtio.h hw/virtio/virtio.c hw/virtio/virtio-mmio.h hw/virtio/virtio-mmio.c
# core: what devices share
hw_libhw_la_SOURCES += hw/core/dma.h
# nvram: fw_cfg
hw_libhw_la_SOURCES += hw/nvram/fw_cfg.h hw/nvram/fw_cfg.c
# i386: direct Linux boot (the kernel's x86 boot protocol)
hw_libhw_la_SOURCES += hw/i386/x86-boot.h hw/i386/x86-boot.c
# pci: configuration space, BARs, INTx, mechanism #1; the virtio PCI transport
hw_libhw_la_SOURCES += hw/pci/pci.h hw/pci/pci.c hw/virtio/virtio-pci.h hw/virtio/virtio-pci.c
# rtc: the PC's MC146818 clock and CMOS
hw_libhw_la_SOURCES += hw/rtc/mc146818.h hw/rtc/mc146818.c
# char: the 16550A UART
hw_libhw_la_SOURCES += hw/char/serial.h hw/char/serial.c
hw_libhw_la_SOURCES += hw/virtio/virtio-rng.h hw/virtio/virtio-rng.c \
	hw/virtio/virtio-blk.h hw/virtio/virtio-blk.c \
	hw/virtio/virtio-net.h hw/virtio/virtio-net.c \
	hw/virtio/virtio-console.h hw/virtio/virtio-console.c
