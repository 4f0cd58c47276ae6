#!/bin/sh
# make install honours DESTDIR and --prefix: programs, the shared library and the
# man pages land in the staging tree, and the installed programs run from there.
. "$top_srcdir/tests/functional/common.sh"
stage=$TMP/stage
check "make install DESTDIR" make -s -C "$top_builddir" install DESTDIR="$stage"
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
root=$stage$prefix
for f in bin/qemu-img bin/qemu-ga bin/qemu-nbd bin/qemu-riscv64 bin/qemu-binfmt-conf.sh \
    share/man/man1/qemu-img.1 share/man/man8/qemu-ga.8 share/man/man8/qemu-nbd.8 \
    share/man/man1/qemu-user.1; do
    check "installed $f" test -s "$root/$f"
done
check "installed libcore shared library" sh -c "ls '$root'/lib/libcore.so.* >/dev/null"
check "installed libtcg shared library" sh -c "ls '$root'/lib/libtcg.so.* >/dev/null"
check_eq "installed qemu-img runs" "0" \
    "$(LD_LIBRARY_PATH=$root/lib "$root/bin/qemu-img" --version >/dev/null 2>&1; echo $?)"
check_eq "installed qemu-ga runs" "0" \
    "$(LD_LIBRARY_PATH=$root/lib "$root/bin/qemu-ga" -V >/dev/null 2>&1; echo $?)"
check_eq "installed qemu-nbd runs" "0" \
    "$(LD_LIBRARY_PATH=$root/lib "$root/bin/qemu-nbd" -V >/dev/null 2>&1; echo $?)"
check_eq "installed qemu-riscv64 runs" "0" \
    "$(LD_LIBRARY_PATH=$root/lib "$root/bin/qemu-riscv64" -version >/dev/null 2>&1; echo $?)"
check "qemu-user man page renders" sh -c "man -l '$root/share/man/man1/qemu-user.1' >/dev/null 2>&1 || groff -man -Tutf8 '$root/share/man/man1/qemu-user.1' >/dev/null"
check "qemu-nbd man page renders" sh -c "man -l '$root/share/man/man8/qemu-nbd.8' >/dev/null 2>&1 || groff -man -Tutf8 '$root/share/man/man8/qemu-nbd.8' >/dev/null"
check "man page renders" sh -c "man -l '$root/share/man/man1/qemu-img.1' >/dev/null 2>&1 || groff -man -Tutf8 '$root/share/man/man1/qemu-img.1' >/dev/null"
done_testing
