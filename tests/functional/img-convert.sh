#!/bin/sh
# qemu-img convert and compare: raw <-> qcow2 with data, holes and zero runs,
# compressed, several sources, -S, -n, -B, progress; results checked with
# Debian's qemu-img (compare, check) where it is installed.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/img-lib.sh"
[ -x "$QEMU_IMG" ] || skip_all "qemu-img not built"
cd "$TMP"
Q=$QEMU_IMG
R=$REF_QEMU_IMG
[ -x "$R" ] || R=$Q          # without Debian's tool, cross-check with our own

make_pattern src.raw $((24 * 1024 * 1024 + 4096))
make_pattern src2.raw $((3 * 1024 * 1024))

check "raw -> raw" "$Q" convert -f raw -O raw src.raw d.raw
check "raw -> raw identical bytes" cmp src.raw d.raw
s1=$(du -k src.raw | cut -f1); s2=$(du -k d.raw | cut -f1)
[ "$s2" -le "$s1" ] ; tap_result $? "raw -> raw keeps holes ($s2 KiB <= $s1 KiB)"
check "-S 0 writes every byte" "$Q" convert -S 0 -f raw -O raw src.raw full.raw
check_eq "-S 0 fully allocated" "$(( $(stat -c %s src.raw) / 1024 ))" "$(( $(stat -c %b full.raw) * $(stat -c %B full.raw) / 1024 ))"
check "-m 4 -W out of order" "$Q" convert -m 4 -W -f raw -O raw src.raw w.raw
check "out of order result identical" cmp src.raw w.raw
check "-m 1 in order" "$Q" convert -m 1 -f raw -O raw src.raw m1.raw
check "-m 1 result identical" cmp src.raw m1.raw
check "two sources concatenated" "$Q" convert -f raw -O raw src.raw src2.raw cat.raw
cat src.raw src2.raw > cat.expect
check "concatenation correct" cmp cat.expect cat.raw

out=$("$Q" convert -p -f raw -O raw src2.raw p.raw | od -An -c | tr -d ' \n')
case $out in *"(100.00/100%)\r\n") tap_result 0 "progress ends with 100% and newline";;
    *) tap_result 1 "progress format"; echo "# $out";; esac
"$Q" convert -r 1M -f raw -O raw src2.raw slow.raw > usr1.out 2>&1 &
pid=$!
# Signal only once the handler is installed (SIGUSR1 is bit 9 of SigCgt): under
# load the program may still be starting, and the default action would kill it.
for _ in $(seq 100); do
    cgt=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
    [ -n "$cgt" ] && [ $(( 0x$cgt & 0x200 )) -ne 0 ] && break
    sleep 0.1
done
kill -USR1 "$pid"
wait "$pid"; rc=$?
grep -q '(.*/100%)' usr1.out ; tap_result $? "SIGUSR1 prints a progress line without -p (exit $rc)"
check "rate limited convert correct" cmp src2.raw slow.raw
out=$("$Q" convert -m 0 -O raw src2.raw x.raw 2>&1); rc=$?
check_eq "-m 0 refused" "1 qemu-img: Invalid number of coroutines. Allowed number of coroutines is between 1 and 16" "$rc $out"
out=$("$Q" convert -S 3 -O raw src2.raw x.raw 2>&1); rc=$?
check_eq "-S 3 refused" 1 "$rc"
out=$("$Q" convert --target-is-zero -O raw src2.raw x.raw 2>&1); rc=$?
check_eq "--target-is-zero needs -n" "1 qemu-img: --target-is-zero requires use of -n flag" "$rc $out"
out=$("$Q" convert -O nosuchfmt src2.raw x.raw 2>&1); rc=$?
check_eq "unknown output format" "1 qemu-img: Unknown file format 'nosuchfmt'" "$rc $out"
out=$("$Q" convert -c -O raw src2.raw x.raw 2>&1); rc=$?
check_eq "-c with raw refused" "1 qemu-img: Compression not supported for this file format" "$rc $out"
out=$("$Q" convert -C -O raw src2.raw x.raw 2>&1); rc=$?
check_eq "-C refused" 1 "$rc"
out=$("$Q" convert -O raw nonexist.raw x.raw 2>&1); rc=$?
check_eq "missing source refused" 1 "$rc"

# -n into an existing bigger target that holds garbage: zero runs must be written
head -c $(( $(stat -c %s src2.raw) )) /dev/urandom > exist.raw
check "-n into an existing target" "$Q" convert -n -f raw -O raw src2.raw exist.raw
check "-n target identical" cmp src2.raw exist.raw
"$Q" create -q -f raw small.raw 64k
out=$("$Q" convert -n -f raw -O raw src2.raw small.raw 2>&1); rc=$?
check_eq "-n into a too small target" "1 qemu-img: output file is smaller than input file" "$rc $out"

if have_fmt qcow2; then
    check "raw -> qcow2" "$Q" convert -f raw -O qcow2 src.raw d.qcow2
    check "Debian check of converted qcow2" "$R" check d.qcow2
    check "Debian compare raw vs qcow2" "$R" compare -f raw -F qcow2 src.raw d.qcow2
    check "our compare raw vs qcow2" "$Q" compare -f raw -F qcow2 src.raw d.qcow2
    check "qcow2 -> raw" "$Q" convert -f qcow2 -O raw d.qcow2 back.raw
    check "round trip identical" cmp src.raw back.raw
    check "qcow2 -o cluster_size=4k,compat=0.10" "$Q" convert -O qcow2 -o cluster_size=4k,compat=0.10 src.raw v2.qcow2
    check "Debian check v2" "$R" check v2.qcow2
    check "Debian compare v2" "$R" compare src.raw v2.qcow2
    check "Debian-made qcow2 -> raw" sh -c "'$R' convert -O qcow2 src.raw ref.qcow2 && '$Q' convert -O raw ref.qcow2 ref.raw && cmp src.raw ref.raw"
    check "compressed convert" "$Q" convert -c -O qcow2 src.raw c.qcow2
    check "Debian check compressed" "$R" check c.qcow2
    check "Debian compare compressed" "$R" compare src.raw c.qcow2
    [ "$(stat -c %s c.qcow2)" -lt "$(stat -c %s d.qcow2)" ] ; tap_result $? "compressed image is smaller"
    check "compressed convert -m 1" "$Q" convert -c -m 1 -O qcow2 src2.raw c1.qcow2
    check "Debian compare compressed -m 1" "$R" compare src2.raw c1.qcow2
    check "zstd compressed convert" "$Q" convert -c -O qcow2 -o compression_type=zstd src.raw z.qcow2
    check "Debian compare zstd" "$R" compare src.raw z.qcow2
    check "compressed -> raw" sh -c "'$Q' convert -O raw c.qcow2 c.raw && cmp src.raw c.raw"
    # backing: -B writes only what differs from the new backing file
    "$Q" convert -q -O qcow2 src.raw base.qcow2
    cp src.raw mod.raw
    printf 'changed' | dd of=mod.raw bs=1 seek=5000000 conv=notrunc 2>/dev/null
    check "convert -B" "$Q" convert -O qcow2 -B base.qcow2 -F qcow2 mod.raw ov.qcow2
    check "Debian compare -B result" "$R" compare mod.raw ov.qcow2
    [ "$(stat -c %s ov.qcow2)" -lt 1000000 ] ; tap_result $? "-B target holds only the difference ($(stat -c %s ov.qcow2) bytes)"
    out=$("$Q" convert -O qcow2 -B base.qcow2 mod.raw ov2.qcow2 2>&1); rc=$?
    check_eq "-B without -F refused" "1 qemu-img: Use of backing file requires explicit backing format" "$rc $out"
    out=$("$Q" convert -O raw -B base.qcow2 -F qcow2 mod.raw ov.raw 2>&1); rc=$?
    check_eq "-B with raw refused" "1 qemu-img: Backing file not supported for file format 'raw'" "$rc $out"
    # -o backing_file= means the same as -B: zeroes must cover the backing data
    head -c 1048576 /dev/zero > zero.raw
    check "convert -o backing_file=" "$Q" convert -O qcow2 -o backing_file=base.qcow2,backing_fmt=qcow2 zero.raw ob.qcow2
    check "zeroes hide the backing data" "$R" compare zero.raw ob.qcow2
    # a source with a backing chain is read through the chain
    "$Q" create -q -f qcow2 -b base.qcow2 -F qcow2 top.qcow2
    check "convert of an overlay" sh -c "'$Q' convert -O raw top.qcow2 top.raw && cmp src.raw top.raw"
    out=$("$Q" convert -c -O qcow2 -o preallocation=full src2.raw x.qcow2 2>&1); rc=$?
    check_eq "compression with preallocation refused" "1 qemu-img: Compression and preallocation not supported at the same time" "$rc $out"
    "$Q" create -q -f qcow2 tgt.qcow2 $(stat -c %s src2.raw)
    check "-n --target-is-zero into fresh qcow2" "$Q" convert -n --target-is-zero -O qcow2 src2.raw tgt.qcow2
    check "Debian compare -n result" "$R" compare src2.raw tgt.qcow2
else
    skip "qcow2 driver not available"
fi

# compare exit codes and messages
cp src2.raw a.raw; cp src2.raw b.raw
printf 'X' | dd of=b.raw bs=1 seek=70000 conv=notrunc 2>/dev/null
out=$("$Q" compare a.raw a.raw); rc=$?
check_eq "compare identical" "0 Images are identical." "$rc $out"
out=$("$Q" compare a.raw b.raw); rc=$?
check_eq "compare different" "1 Content mismatch at offset 69632!" "$rc $out"
[ -x "$REF_QEMU_IMG" ] && check_eq "compare mismatch text as Debian" "$("$REF_QEMU_IMG" compare a.raw b.raw)" "$out"
out=$("$Q" compare a.raw nonexist.raw 2>/dev/null); rc=$?
check_eq "compare error exit 2" 2 "$rc"
cp a.raw long.raw; truncate -s +1M long.raw
out=$("$Q" compare a.raw long.raw); rc=$?
check_eq "compare size mismatch, zero tail" "0 Warning: Image size mismatch!
Images are identical." "$rc $out"
out=$("$Q" compare -s a.raw long.raw); rc=$?
check_eq "strict compare size mismatch" "1 Strict mode: Image size mismatch!" "$rc $out"
printf 'Y' | dd of=long.raw bs=1 seek=$(( $(stat -c %s a.raw) + 4096 )) conv=notrunc 2>/dev/null
out=$("$Q" compare a.raw long.raw); rc=$?
check_eq "compare nonzero tail" "1 Warning: Image size mismatch!
Content mismatch at offset $(( $(stat -c %s a.raw) + 4096 ))!" "$rc $out"
out=$("$Q" compare -q a.raw b.raw); rc=$?
check_eq "compare -q prints nothing" "1 " "$rc $out"
done_testing
