# img-tool/: qemu-img, a small main over libcore (block layer included).
bin_PROGRAMS += img-tool/qemu-img
img_tool_qemu_img_SOURCES = \
	img-tool/img.h img-tool/img-create.h \
	img-tool/main.c img-tool/img-util.c \
	img-tool/cmd-create.c img-tool/cmd-info.c img-tool/cmd-check.c \
	img-tool/cmd-convert.c img-tool/cmd-compare.c img-tool/cmd-resize.c \
	img-tool/cmd-commit.c img-tool/cmd-measure.c img-tool/cmd-bench.c
img_tool_qemu_img_LDADD = libcore/libcore.la $(GLIB_LIBS) -lpthread
