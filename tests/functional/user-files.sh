#!/bin/sh
# qemu-riscv64: file, stat, ioctl, /proc and process-wide system calls, through
# the self-checking guest programs tests/guest/riscv64/files-*.c (static and
# dynamic), compared with Debian's qemu-riscv64 where it runs them; plus the
# emulator-side behaviour: -seed getrandom, -r uname, unknown ioctl logging.
. "$top_srcdir/tests/functional/common.sh"

Q=$top_builddir/qemu-riscv64
REF=/usr/bin/qemu-riscv64
CC=riscv64-linux-gnu-gcc
SYSROOT=/usr/riscv64-linux-gnu
G=$top_srcdir/tests/guest/riscv64
[ -x "$Q" ] || skip_all "qemu-riscv64 is not built"
command -v $CC >/dev/null 2>&1 || skip_all "$CC is not installed"

for prog in files-io files-misc; do
    $CC -static -O1 -o "$TMP/$prog" "$G/$prog.c" || skip_all "cannot build $prog"
    $CC -O1 -o "$TMP/$prog-dyn" "$G/$prog.c" || skip_all "cannot build $prog (dynamic)"
done

run_prog() {    # run_prog EMULATOR PROG: output in $TMP/out, status in $rc
    mkdir -p "$TMP/work"
    rm -rf "$TMP/work/"*
    rc=0
    case $2 in
    files-io*) "$1" -L $SYSROOT "$TMP/$2" "$TMP/work" >"$TMP/out" 2>&1 </dev/null || rc=$? ;;
    *) "$1" -L $SYSROOT "$TMP/$2" one two >"$TMP/out" 2>&1 </dev/null || rc=$? ;;
    esac
}

for prog in files-io files-io-dyn files-misc files-misc-dyn; do
    run_prog "$Q" $prog
    cp "$TMP/out" "$TMP/$prog.ours"
    check_eq "$prog: every check passes" "0 failures: 0" "$rc $(tail -n 1 "$TMP/out")"
    grep -E '^(FAIL|skip)' "$TMP/out" | sed 's/^/# /'
    if [ -x "$REF" ]; then
        run_prog "$REF" $prog
        check_eq "$prog: same output as Debian's qemu-riscv64" \
            "$(cat "$TMP/out")" "$(cat "$TMP/$prog.ours")"
    else
        skip "Debian's qemu-riscv64 is not installed"
    fi
done

# Emulator-side behaviour with a tiny program: uname release, seeded getrandom,
# an unknown ioctl, and /proc/self/maps naming the program.
cat > "$TMP/small.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    struct utsname u;
    unsigned char r[8];
    char buf[65536];
    int fd, n;

    if (!strcmp(argv[1], "release")) { uname(&u); printf("%s\n", u.release); }
    if (!strcmp(argv[1], "random")) {
        getrandom(r, sizeof(r), 0);
        for (n = 0; n < 8; n++) printf("%02x", r[n]);
        printf("\n");
    }
    if (!strcmp(argv[1], "ioctl")) {
        fd = open("/dev/null", O_RDONLY);
        printf("%d\n", ioctl(fd, 0x7fff1234, 0));
    }
    if (!strcmp(argv[1], "exestat")) {
        struct stat a, b;
        stat("/proc/self/exe", &a);
        stat(argv[0], &b);
        printf("%d\n", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    }
    if (!strcmp(argv[1], "maps")) {
        fd = open("/proc/self/maps", O_RDONLY);
        n = read(fd, buf, sizeof(buf) - 1);
        fwrite(buf, 1, n > 0 ? n : 0, stdout);
    }
    return 0;
}
C
$CC -static -O1 -o "$TMP/small" "$TMP/small.c" || skip_all "cannot build the small program"

check_eq "-r sets the uname release" "9.8.7-test" "$($Q -r 9.8.7-test "$TMP/small" release)"
check_eq "QEMU_UNAME sets the uname release" "1.2.3" "$(QEMU_UNAME=1.2.3 $Q "$TMP/small" release)"
a=$($Q -seed 42 "$TMP/small" random)
b=$($Q -seed 42 "$TMP/small" random)
c=$($Q -seed 43 "$TMP/small" random)
check_eq "-seed makes getrandom reproducible" "$a" "$b"
check "different seeds give different getrandom bytes" test "$a" != "$c"
check_eq "stat of /proc/self/exe is the guest program" "1" "$($Q "$TMP/small" exestat)"
check_eq "unknown ioctl fails" "-1" "$($Q "$TMP/small" ioctl)"
$Q -d unimp -D "$TMP/unimp.log" "$TMP/small" ioctl >/dev/null
check "unknown ioctl is logged with -d unimp" grep -q "Unsupported ioctl: cmd=0x7fff1234" "$TMP/unimp.log"
$Q "$TMP/small" maps >"$TMP/maps"
check "maps: the program's code line" grep -q "r-xp 00000000 [0-9a-f:]* [0-9]* *$TMP/small\$" "$TMP/maps"
check "maps: a [stack] line" grep -q "rw-p 00000000 00:00 0 *\[stack\]\$" "$TMP/maps"
check "maps: lines are well formed" sh -c "! grep -v '^[0-9a-f]\{8,\}-[0-9a-f]\{8,\} [r-][w-][x-][ps] [0-9a-f]\{8\} [0-9a-f]\{2\}:[0-9a-f]\{2\} [0-9]* ' '$TMP/maps'"
done_testing
