# libtcg/: the dynamic binary translator (libtcg.la, shared). docs/tcg-ir.md is its spec.
lib_LTLIBRARIES += libtcg/libtcg.la
libtcg_libtcg_la_SOURCES = \
	libtcg/tcg.c libtcg/tcg.h libtcg/tcg-opc.h libtcg/tcg-internal.h \
	libtcg/tcg-op.c \
	libtcg/tcg-dump.c \
	libtcg/tcg-eval.c libtcg/tcg-eval.h \
	libtcg/tcg-optimize.c \
	libtcg/tcg-interp.c libtcg/tcg-interp.h \
	libtcg/tcg-codebuf.c libtcg/tcg-backend.h \
	libtcg/tcg-target-x86_64.c \
	libtcg/tcg-opt.h libtcg/tcg-copyprop.c libtcg/tcg-liveness.c
# execution core: TB cache, chaining, run loop, -d logs
libtcg_libtcg_la_SOURCES += libtcg/exec.c libtcg/exec.h libtcg/exec-int.h libtcg/exec-log.c
# gdbstub protocol core
libtcg_libtcg_la_SOURCES += libtcg/gdbstub.c libtcg/gdbstub.h
libtcg_libtcg_la_LIBADD = libcore/libcore.la $(GLIB_LIBS) $(CAPSTONE_LIBS) -lpthread
libtcg_libtcg_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0
