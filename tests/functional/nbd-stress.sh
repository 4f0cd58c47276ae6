#!/bin/sh
# Our qemu-nbd under load: tests/unit/nbd-stress keeps many requests in flight
# on several connections at once (-e 8 and -e 0) against a qcow2 export and
# checks every byte it reads; afterwards Debian's qemu-img check must find the
# image clean, and a second nbd-stress run through Debian's qemu-nbd must see
# exactly what ours wrote (it loads the content as its model and verifies it).
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/nbd-lib.sh"
need_ref_qemu_img
STRESS=$top_builddir/tests/unit/nbd-stress
[ -x "$STRESS" ] || skip_all "tests/unit/nbd-stress not built"
cd "$TMP"
R=$REF_QEMU_IMG

$R create -q -f qcow2 st.qcow2 64M
for shared in 8 0; do
    if ! ours "$TMP/s.sock" -f qcow2 -t -e "$shared" -x exp st.qcow2; then
        tap_result 1 "-e $shared: server starts"; sed 's/^/# /' start.err; continue
    fi
    pid=$LAST_PID
    check "-e $shared: 8 connections, 32 requests in flight each, verified" \
        "$STRESS" --unix "$TMP/s.sock" --export exp --connections 8 --depth 32 \
        --ops 1500 --seed "$((shared + 1))" --size 32M
    kill "$pid"
    check "-e $shared: the server exits on SIGTERM" wait_gone "$pid" 20
    check "-e $shared: Debian's qemu-img check finds the image clean" $R check -q st.qcow2
done

# What ours wrote reads back the same through Debian's server.
if [ -x "$REF_QEMU_NBD" ] && theirs "$TMP/r.sock" -f qcow2 -t -e 4 -x exp st.qcow2; then
    check "the result verifies through Debian's qemu-nbd" \
        "$STRESS" --unix "$TMP/r.sock" --export exp --connections 4 --depth 8 --ops 300 \
        --seed 9 --size 32M
    kill "$LAST_PID"
else
    skip "Debian's qemu-nbd is not available"
fi

done_testing
