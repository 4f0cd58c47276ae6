# linux-user/: the user-mode runtime; qemu-riscv64 is its program for RV64 guests.
# Generic files are compiled per target program, with the target's folder first in
# the include path (linux-user/<arch>/target_arch.h).
if TARGET_RISCV64_LINUX_USER
bin_PROGRAMS += qemu-riscv64
endif
qemu_riscv64_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/linux-user/riscv64
qemu_riscv64_LDADD = targets/riscv/libtarget-riscv.la libtcg/libtcg.la \
	libcore/libcore.la $(USER_GLIB_LIBS) $(CAPSTONE_LIBS) -lpthread -lm
qemu_riscv64_LDFLAGS = $(AM_LDFLAGS) $(USER_LDFLAGS)
qemu_riscv64_SOURCES =
# main, loader, address space, guest memory access, dispatch, cpu loop
qemu_riscv64_SOURCES += \
	linux-user/user.h \
	linux-user/riscv64/target_arch.h linux-user/riscv64/syscall_nr.h \
	linux-user/process-int.h linux-user/elf.h \
	linux-user/main.c linux-user/elfparse.c linux-user/elfload.c \
	linux-user/mmap.c linux-user/pageflags.c linux-user/uaccess.c \
	linux-user/errno.c linux-user/path.c linux-user/task.c \
	linux-user/syscall.c linux-user/syscall-mem.c \
	linux-user/riscv64/cpu_loop.c linux-user/riscv64/hwprobe.c
# file, directory, stat, ioctl and misc system calls, /proc, strace
qemu_riscv64_SOURCES += \
	linux-user/strace.c linux-user/syscall-file.c linux-user/syscall-stat.c \
	linux-user/syscall-ioctl.c linux-user/syscall-misc.c linux-user/syscall-time.c \
	linux-user/proc.c linux-user/files-int.h linux-user/generic/target_fcntl.h \
	linux-user/generic/target_stat.h linux-user/generic/syscall_nr_3264.h
# sockets, poll/select/epoll, eventfd/timerfd/signalfd/inotify, futex
qemu_riscv64_SOURCES += linux-user/net-int.h linux-user/syscall-net.c \
	linux-user/syscall-poll.c linux-user/syscall-event.c linux-user/syscall-futex.c
# signals, the riscv64 frame, clone/fork/execve/exit/wait
qemu_riscv64_SOURCES += linux-user/signal.c linux-user/signal-int.h \
	linux-user/riscv64/signal.c linux-user/syscall-signal.c linux-user/syscall-task.c
# the gdbstub for -g
qemu_riscv64_SOURCES += linux-user/gdbstub-user.c linux-user/gdbstub-user.h
# The binfmt_misc registration helper (installed with the emulators).
dist_bin_SCRIPTS += scripts/qemu-binfmt-conf.sh
