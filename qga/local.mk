# qga/: the guest agent, qemu-ga.
# QGA_CORE_SOURCES (agent core + commands) is shared with tests/fuzz/fuzz-qga.
QGA_CORE_SOURCES = qga/agent.c qga/agent.h \
	qga/commands-misc.c qga/commands-system.c qga/commands-file.c \
	qga/commands-exec.c qga/commands-fs.c qga/commands-power.c qga/commands-user.c
bin_PROGRAMS += qga/qemu-ga
qga_qemu_ga_SOURCES = qga/main.c qga/channel.c qga/channel.h $(QGA_CORE_SOURCES)
qga_qemu_ga_LDADD = libcore/libcore.la $(GLIB_LIBS)
