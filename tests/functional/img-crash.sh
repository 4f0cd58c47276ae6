#!/bin/sh
# Crash safety of write-heavy qemu-img commands: kill -9 a convert (plain and
# compressed), a commit and a rebase into qcow2 at random moments; the image must
# then repair with our `check -r all`, Debian's check must find no errors, and the
# data that is there must be correct (convert: every allocated cluster holds the
# source's bytes; commit/rebase: the guest view is the old or the new content).
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/img-lib.sh"
[ -x "$QEMU_IMG" ] || skip_all "qemu-img not built"
have_fmt qcow2 || skip_all "qcow2 driver not available"
need_ref_qemu_img
cd "$TMP"
Q=$QEMU_IMG
R=$REF_QEMU_IMG
# Kill the program itself, not the libtool wrapper script around it.
if [ -x "$top_builddir/img-tool/.libs/qemu-img" ]; then
    Q=$top_builddir/img-tool/.libs/qemu-img
    LD_LIBRARY_PATH=$top_builddir/libcore/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
fi
SIZE=$((16 * 1024 * 1024))
head -c $SIZE /dev/urandom > src.raw

# run_ms CMD...: run CMD to completion, print how long it took in milliseconds
run_ms() {
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
# kill_after MS CMD...: start CMD, kill -9 it at a random moment between 10% and
# 90% of MS (the time a full run takes)
kill_after() {
    full=$1; shift
    "$@" >/dev/null 2>&1 &
    pid=$!
    ms=$(( full / 10 + $(od -An -N2 -tu2 /dev/urandom) % (full * 8 / 10 + 1) ))
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# repaired IMG DESC: our check -r all succeeds and Debian's check is clean
repaired() {
    "$Q" check -q -r all "$1" >/dev/null 2>&1
    rc=$?
    [ "$rc" -eq 0 ] ; tap_result $? "$2: our check -r all repairs (exit $rc)"
    check "$2: Debian's check finds no errors" "$R" check "$1"
}

# allocated_matches IMG SRC DESC: every cluster the image maps holds SRC's bytes
allocated_matches() {
    "$R" map --output=json "$1" > map.json 2>/dev/null
    python3 - "$1" "$2" map.json <<'PY' ; tap_result $? "$3: data present is correct"
import json, subprocess, sys
img, src, mp = sys.argv[1:4]
entries = json.load(open(mp))
subprocess.run(["qemu-img", "convert", "-O", "raw", img, "check.raw"], check=True)
raw = open("check.raw", "rb").read()
want = open(src, "rb").read()
bad = 0
for e in entries:
    if e["data"] and e["depth"] == 0:
        s, n = e["start"], e["length"]
        if raw[s:s + n] != want[s:s + n]:
            bad += 1
            print("# mismatch in [%d, %d)" % (s, s + n))
sys.exit(1 if bad else 0)
PY
}

# is_qcow2 IMG: the kill came after the header was written (before it, the file
# is empty or probes as raw, and there is nothing to repair)
is_qcow2() {
    [ -f "$1" ] && "$R" info --output=json "$1" 2>/dev/null | grep -q '"format": "qcow2"'
}

full_plain=$(run_ms "$Q" convert -O qcow2 -o cluster_size=64k src.raw t.qcow2)
full_comp=$(run_ms "$Q" convert -c -O qcow2 src.raw c.qcow2)
for round in 1 2; do
    rm -f t.qcow2
    # round 1 is rate limited (about a second) so the kill lands mid-copy
    if [ "$round" = 1 ]; then
        rate="-r 16M"; full=$(run_ms "$Q" convert $rate -O qcow2 src.raw t.qcow2); rm -f t.qcow2
    else
        rate=""; full=$full_plain
    fi
    kill_after "$full" "$Q" convert $rate -O qcow2 -o cluster_size=64k src.raw t.qcow2
    if is_qcow2 t.qcow2; then
        repaired t.qcow2 "convert round $round"
        allocated_matches t.qcow2 src.raw "convert round $round"
    else
        skip "convert round $round: killed before the header was written"
    fi
    rm -f c.qcow2
    kill_after "$full_comp" "$Q" convert -c -O qcow2 src.raw c.qcow2
    if is_qcow2 c.qcow2; then
        repaired c.qcow2 "compressed convert round $round"
        allocated_matches c.qcow2 src.raw "compressed convert round $round"
    else
        skip "compressed convert round $round: killed before the header was written"
    fi
done

# commit: base holds old data, the overlay new data; after a crash the base
# reads, cluster by cluster, as either.
head -c $SIZE /dev/urandom > new.raw
for round in 1; do
    rm -f base.qcow2 ov.qcow2
    "$R" convert -q -O qcow2 src.raw base.qcow2
    "$R" create -q -f qcow2 -b base.qcow2 -F qcow2 ov.qcow2
    "$R" convert -q -n -O qcow2 new.raw ov.qcow2
    full=$(run_ms "$Q" commit -d ov.qcow2)
    "$R" convert -q -O qcow2 src.raw base.qcow2
    kill_after "$full" "$Q" commit -d ov.qcow2
    repaired base.qcow2 "commit round $round"
    "$R" convert -q -O raw base.qcow2 got.raw
    python3 - got.raw src.raw new.raw <<'PY' ; tap_result $? "commit round $round: base is old or new per cluster"
import sys
g, a, b = (open(p, "rb").read() for p in sys.argv[1:4])
C = 65536
bad = [i for i in range(0, len(a), C) if g[i:i+C] != a[i:i+C] and g[i:i+C] != b[i:i+C]]
for i in bad[:5]:
    print("# cluster at %d is neither" % i)
sys.exit(1 if bad else 0)
PY
    check "commit round $round: rerun completes" "$Q" commit -q -d ov.qcow2
    check "commit round $round: base now equals the new data" "$R" compare -q new.raw base.qcow2
done

# rebase (safe): the overlay's guest view must not change, killed or not.
for round in 1; do
    rm -f old.qcow2 empty.qcow2 top.qcow2
    "$R" convert -q -O qcow2 src.raw old.qcow2
    "$R" create -q -f qcow2 empty.qcow2 $SIZE
    "$R" create -q -f qcow2 -b old.qcow2 -F qcow2 top.qcow2
    cp top.qcow2 top.orig
    full=$(run_ms "$Q" rebase -b empty.qcow2 -F qcow2 top.qcow2)
    cp top.orig top.qcow2
    kill_after "$full" "$Q" rebase -b empty.qcow2 -F qcow2 top.qcow2
    repaired top.qcow2 "rebase round $round"
    check "rebase round $round: guest view unchanged" "$R" compare -q src.raw top.qcow2
    check "rebase round $round: rerun completes" "$Q" rebase -b empty.qcow2 -F qcow2 top.qcow2
    check "rebase round $round: view still unchanged" "$R" compare -q src.raw top.qcow2
done
done_testing
