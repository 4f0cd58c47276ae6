#!/bin/sh
# A qemu-riscv64 built with --enable-static-user: no program interpreter, no
# shared library, and it runs guests from a root that holds nothing else (what
# binfmt_misc's F flag needs inside a container). scripts/test.sh runs this in
# its static build; a dynamically linked emulator skips it.
. "$top_srcdir/tests/functional/common.sh"

Q=$top_builddir/qemu-riscv64
CC=riscv64-linux-gnu-gcc
[ -x "$Q" ] || skip_all "qemu-riscv64 is not built"
command -v readelf >/dev/null 2>&1 || skip_all "readelf (binutils) is missing"
# A shared build's qemu-riscv64 is libtool's wrapper script, not an ELF file.
if ! readelf -h "$Q" >/dev/null 2>&1 || readelf -l "$Q" | grep -q 'program interpreter'; then
    skip_all "qemu-riscv64 is dynamically linked (configure --enable-static-user)"
fi
command -v $CC >/dev/null 2>&1 || skip_all "$CC is not installed"

check "no shared library needed" sh -c "! readelf -d '$Q' | grep -q NEEDED"
check_eq "--version runs" "0" "$("$Q" --version >/dev/null 2>&1; echo $?)"

cat > "$TMP/guest.c" <<'C'
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
static void *thread_main(void *arg) { return arg; }
int main(void)
{
    pthread_t t;
    void *r;
    int st;
    pthread_create(&t, NULL, thread_main, (void *)42);
    pthread_join(t, &r);
    pid_t p = fork();
    if (p == 0) {
        _exit(7);
    }
    waitpid(p, &st, 0);
    printf("thread %ld child %d\n", (long)r, WEXITSTATUS(st));
    return 3;
}
C
$CC -static -O1 -o "$TMP/guest" "$TMP/guest.c" || skip_all "cannot build the guest"

out=$("$Q" "$TMP/guest"; echo "status $?")
check_eq "threads and fork" "thread 42 child 7
status 3" "$out"

# An empty root but for the emulator and the guest: nothing to load from.
if [ "$(id -u)" -eq 0 ] && command -v chroot >/dev/null 2>&1; then
    mkdir -p "$TMP/root"
    cp "$Q" "$TMP/root/qemu-riscv64"
    cp "$TMP/guest" "$TMP/root/guest"
    out=$(chroot "$TMP/root" /qemu-riscv64 /guest 2>&1; echo "status $?")
    check_eq "runs inside an empty root" "thread 42 child 7
status 3" "$out"
else
    skip "chroot needs root"
fi
done_testing
