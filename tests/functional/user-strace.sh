#!/bin/sh
# qemu-riscv64 -strace: the lines our emulator prints for the common file, stat,
# ioctl, time and id calls match Debian's qemu-riscv64 -strace for the same static
# program, once pids, addresses and times are normalised.
. "$top_srcdir/tests/functional/common.sh"

Q=$top_builddir/qemu-riscv64
REF=/usr/bin/qemu-riscv64
CC=riscv64-linux-gnu-gcc
[ -x "$Q" ] || skip_all "qemu-riscv64 is not built"
[ -x "$REF" ] || skip_all "Debian's qemu-riscv64 (qemu-user) is not installed"
command -v $CC >/dev/null 2>&1 || skip_all "$CC is not installed"

cat > "$TMP/calls.c" <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    const char *dir = argv[1];
    char f[512], d[512], buf[256];
    struct stat st;
    struct termios t;
    struct winsize w;
    struct utsname u;
    struct timespec ts = { 0, 1000 };
    int fd;

    snprintf(f, sizeof(f), "%s/file", dir);
    snprintf(d, sizeof(d), "%s/sub", dir);
    getppid();      /* start marker */
    fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    write(fd, "abc", 3);
    close(fd);
    fd = openat(AT_FDCWD, f, O_RDWR | O_APPEND | O_NONBLOCK);
    fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    dup(fd);
    dup3(fd, 10, O_CLOEXEC);
    fstat(fd, &st);
    stat(dir, &st);
    lstat(f, &st);
    lseek(fd, 1, SEEK_SET);
    read(fd, buf, 2);
    close(fd);
    open("/nonexistent/file", O_RDONLY);
    unlink(f);
    mkdir(d, 0755);
    rmdir(d);
    ioctl(0, TCGETS, &t);
    ioctl(1, TIOCGWINSZ, &w);
    uname(&u);
    getcwd(buf, sizeof(buf));
    access("/etc/passwd", R_OK);
    getuid();
    umask(022);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec = 0;
    ts.tv_nsec = 1000;
    nanosleep(&ts, NULL);
    readlink("/nonexistent", buf, 10);
    {
        struct iovec iov[1] = { { buf, 1 } };
        struct statx sx;
        int dfd = open("/etc", O_RDONLY | O_DIRECTORY);

        int nul = open("/dev/null", O_WRONLY);

        writev(nul, iov, 1);
        readv(dfd, iov, 1);
        syscall(SYS_getdents64, dfd, buf, sizeof(buf));
        statx(AT_FDCWD, "/etc", AT_SYMLINK_NOFOLLOW, STATX_ALL, &sx);
        fstatat(dfd, "passwd", &st, 0);
        fcntl(dfd, F_DUPFD_CLOEXEC, 5);
        syscall(999, 1, 2, 3);
        fchmodat(AT_FDCWD, "/nonexistent", 0644, 0);
        faccessat(AT_FDCWD, "/etc", W_OK | X_OK, 0);
        symlinkat("a", AT_FDCWD, "/nonexistent/b");
        renameat2(AT_FDCWD, "/nonexistent/a", AT_FDCWD, "/nonexistent/b", 0);
        memfd_create("m", MFD_CLOEXEC);
        getrandom(buf, 4, GRND_NONBLOCK);
        clock_getres(CLOCK_MONOTONIC, &ts);
        lseek(dfd, -1, SEEK_END);
        fcntl(dfd, F_SETFL, O_NONBLOCK);
    }
    getppid();      /* end marker */
    return 0;
}
C
$CC -static -O1 -o "$TMP/calls" "$TMP/calls.c" || skip_all "cannot build the guest program"

# The calls between the markers, without pids, addresses (hex, or decimal where a
# call has no format and its raw registers are printed) and clock values.
calls_of() {
    sed -n '/getppid()/,/getppid()/p' "$1" |
        sed -e 's/^[0-9]* //' \
            -e 's/0x[0-9a-f]\{5,\}/ADDR/g' \
            -e 's/[0-9]\{10,\}/NUM/g' \
            -e 's/tv_sec = [0-9]*,tv_nsec = [0-9]*/TIME/g' \
            -e 's/getppid() = [0-9]*/getppid() = PPID/' \
            -e "s|$TMP|DIR|g"
}

mkdir "$TMP/ref" "$TMP/ours"
$REF -strace "$TMP/calls" "$TMP/ref" </dev/null >/dev/null 2>"$TMP/ref.log"
$Q -strace "$TMP/calls" "$TMP/ours" </dev/null >/dev/null 2>"$TMP/ours.log"
check "our -strace run exits 0" $Q -strace "$TMP/calls" "$TMP/ours" </dev/null
calls_of "$TMP/ref.log" | sed 's|DIR/ref|DIR/X|g' >"$TMP/ref.calls"
calls_of "$TMP/ours.log" | sed 's|DIR/ours|DIR/X|g' >"$TMP/ours.calls"
check "reference trace has the calls" test "$(wc -l <"$TMP/ref.calls")" -ge 25

# Compare line by line so a failure names the call.
n=$(wc -l <"$TMP/ref.calls")
i=1
while [ "$i" -le "$n" ]; do
    want=$(sed -n "${i}p" "$TMP/ref.calls")
    got=$(sed -n "${i}p" "$TMP/ours.calls")
    check_eq "strace line $i: ${want%%(*}" "$want" "$got"
    i=$((i + 1))
done
check_eq "same number of lines" "$n" "$(wc -l <"$TMP/ours.calls")"

# -d strace goes to the -D log file like -strace goes to stderr.
$Q -d strace -D "$TMP/d.log" "$TMP/calls" "$TMP/ours" </dev/null >/dev/null 2>&1
check "-d strace -D writes the trace to the file" grep -q '^[0-9]* openat(AT_FDCWD,"/nonexistent/file",O_RDONLY) = -1 errno=2 (No such file or directory)$' "$TMP/d.log"
done_testing
