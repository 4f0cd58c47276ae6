#!/bin/sh
# qemu-img resize, check, map, measure, snapshot, commit, rebase, amend, dd and
# bench, compared with Debian's qemu-img where it is installed.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/img-lib.sh"
[ -x "$QEMU_IMG" ] || skip_all "qemu-img not built"
cd "$TMP"
Q=$QEMU_IMG
R=$REF_QEMU_IMG
have_ref() { [ -x "$R" ]; }

# resize
"$Q" create -q -f raw r.img 1M
out=$("$Q" resize -f raw r.img +1M); rc=$?
check_eq "resize +1M" "0 Image resized. 2097152" "$rc $out $(stat -c %s r.img)"
out=$("$Q" resize -f raw r.img 1M 2>&1); rc=$?
check_eq "shrink without --shrink refused" "1 qemu-img: Use the --shrink option to perform a shrink operation." "$rc $(echo "$out" | head -1)"
out=$("$Q" resize -f raw --shrink r.img -512k); rc=$?
check_eq "resize --shrink -512k" "0 Image resized. 1572864" "$rc $out $(stat -c %s r.img)"
out=$("$Q" resize -f raw r.img -2G 2>&1); rc=$?
check_eq "negative result refused" "1 qemu-img: New image size must be positive" "$rc $out"
out=$("$Q" resize --preallocation=bogus -f raw r.img 3M 2>&1); rc=$?
check_eq "bad preallocation refused" "1 qemu-img: Invalid preallocation mode 'bogus'" "$rc $out"
check "resize --preallocation=full" "$Q" resize -q --preallocation=full -f raw r.img 3M
check_eq "resize -q silent, size 3M" "3145728" "$(stat -c %s r.img)"

# check on a format without checks
out=$("$Q" check -f raw r.img 2>&1); rc=$?
check_eq "check raw: exit 63" "63 qemu-img: This image format does not support checks" "$rc $out"
out=$("$Q" check -r bogus r.img 2>&1); rc=$?
check_eq "check -r bogus refused" "1" "$rc"

# map of a sparse raw file
make_pattern m.raw $((5 * 1024 * 1024))
if have_ref; then
    check_eq "map json of raw same as Debian" "$("$R" map --output=json -f raw m.raw)" "$("$Q" map --output=json -f raw m.raw)"
    check_eq "map human of raw same as Debian" "$("$R" map -f raw m.raw)" "$("$Q" map -f raw m.raw)"
    check_eq "map --start-offset/--max-length same as Debian" \
        "$("$R" map --output=json --start-offset=1M --max-length=2M -f raw m.raw)" \
        "$("$Q" map --output=json --start-offset=1M --max-length=2M -f raw m.raw)"
    check_eq "measure raw same as Debian" "$("$R" measure -O raw -f raw m.raw)" "$("$Q" measure -O raw -f raw m.raw)"
else
    skip "Debian qemu-img not installed (map/measure comparisons)"
fi
out=$("$Q" measure 2>&1); rc=$?
check_eq "measure without input refused" "1 qemu-img: Either --size N or one filename must be specified." "$rc $out"
out=$("$Q" measure --size 1G m.raw 2>&1); rc=$?
check_eq "measure --size with filename refused" "1 qemu-img: --size N cannot be used together with a filename." "$rc $out"
check_eq "measure --size raw" "required size: 1073741824
fully allocated size: 1073741824" "$("$Q" measure --size 1G)"

# dd
check "dd bs/count/skip" "$Q" dd -f raw -O raw bs=64k count=3 skip=2 if=m.raw of=dd.raw
dd if=m.raw of=dd.expect bs=64k skip=2 count=3 2>/dev/null
check "dd output correct" cmp dd.expect dd.raw
out=$("$Q" dd if=m.raw 2>&1); rc=$?
check_eq "dd without of refused" "1 qemu-img: Must specify both input and output files" "$rc $out"
out=$("$Q" dd bs=0 if=m.raw of=x 2>&1); rc=$?
check_eq "dd bs=0 refused" "1 qemu-img: Invalid bs specified. Must be between 1 and 2147483647." "$rc $out"
out=$("$Q" dd foo=1 if=m.raw of=x 2>&1); rc=$?
check_eq "dd unknown operand refused" "1 qemu-img: unrecognized operand foo=1" "$rc $out"

# bench
out=$("$Q" bench -c 200 -d 4 -f raw m.raw); rc=$?
check_eq "bench read line" "0 Sending 200 read requests, 4096 bytes each, 4 in parallel (starting at offset 0, step size 4096)" "$rc $(echo "$out" | head -1)"
echo "$out" | grep -q '^Run completed in [0-9.]* seconds\.$' ; tap_result $? "bench completion line"
cp m.raw w.raw
check "bench -w with pattern" "$Q" bench -q -w -c 64 -d 2 -s 8k -S 16k --pattern=165 -f raw w.raw
check_eq "bench -w wrote the pattern" "a5a5a5a5" "$(od -An -tx1 -N4 w.raw | tr -d ' ')"
out=$("$Q" bench -w --flush-interval=10 -f raw w.raw 2>&1); rc=$?
check_eq "flush interval below depth refused" "1 qemu-img: Flush interval can't be smaller than depth" "$rc $out"

if ! have_fmt qcow2 || ! have_ref || ! command -v qemu-io >/dev/null; then
    skip "qcow2 driver or Debian qemu-img/qemu-io missing (qcow2 operations)"
    done_testing; exit $?
fi

# qcow2: map and measure against Debian on an image with data, zeroes, compressed
"$R" create -q -f qcow2 a.qcow2 64M
qemu-io -c 'write -P 0xaa 0 128k' -c 'write -z 1M 64k' -c 'write -c -P 0x11 2M 64k' a.qcow2 >/dev/null
"$R" create -q -f qcow2 -b a.qcow2 -F qcow2 b.qcow2
qemu-io -c 'write -P 0xbb 64k 64k' -c 'write -z 3M 128k' -c 'write -P 0xcc 5M 1M' b.qcow2 >/dev/null
check_eq "qcow2 map json same as Debian" "$("$R" map --output=json a.qcow2)" "$("$Q" map --output=json a.qcow2)"
check_eq "overlay map json same as Debian" "$("$R" map --output=json b.qcow2)" "$("$Q" map --output=json b.qcow2)"
check_eq "measure qcow2 of qcow2 same as Debian" "$("$R" measure -O qcow2 a.qcow2)" "$("$Q" measure -O qcow2 a.qcow2)"
check_json_eq "measure --size json same as Debian" "$("$Q" measure --output=json -O qcow2 --size 10G)" "$("$R" measure --output=json -O qcow2 --size 10G)"
check_eq "measure with options same as Debian" "$("$R" measure -O qcow2 -o cluster_size=4k -f raw m.raw)" "$("$Q" measure -O qcow2 -o cluster_size=4k -f raw m.raw)"

# check
out=$("$Q" check a.qcow2); rc=$?
check_eq "check clean image like Debian" "0 $("$R" check a.qcow2)" "$rc $out"
check_json_eq "check json like Debian" "$("$Q" check --output=json a.qcow2)" "$("$R" check --output=json a.qcow2)"
"$R" create -q -f qcow2 leak.qcow2 64M
python3 - leak.qcow2 <<'PY'
import struct, sys
f = open(sys.argv[1], "r+b"); h = f.read(72)
rt = struct.unpack(">Q", h[48:56])[0]
f.seek(rt); rb = struct.unpack(">Q", f.read(8))[0]
for c in (4, 5):
    f.seek(rb + 2 * c); f.write(struct.pack(">H", 1))
f.truncate(512 * 1024)
PY
out=$("$Q" check leak.qcow2 2>/dev/null); rc=$?
check_eq "leaky image: exit 3" 3 "$rc"
check_eq "leaky image text like Debian" "$("$R" check leak.qcow2 2>/dev/null)" "$out"
cp leak.qcow2 leak2.qcow2
out=$("$Q" check -r leaks leak2.qcow2 2>/dev/null); rc=$?
check_eq "check -r leaks repairs: exit 0" 0 "$rc"
check_eq "repair text like Debian" "$(cp leak.qcow2 leak3.qcow2; "$R" check -r leaks leak3.qcow2 2>/dev/null)" "$out"
check "Debian check after our repair" "$R" check leak2.qcow2

# a data cluster whose refcount is zero: a corruption (exit 2), repaired by -r all
"$R" create -q -f qcow2 cor.qcow2 16M
qemu-io -c 'write -P 1 0 64k' cor.qcow2 >/dev/null
off=$("$R" map --output=json cor.qcow2 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["offset"])')
python3 - cor.qcow2 "$off" <<'PY'
import struct, sys
f = open(sys.argv[1], "r+b"); h = f.read(72)
rt = struct.unpack(">Q", h[48:56])[0]
f.seek(rt); rb = struct.unpack(">Q", f.read(8))[0]
f.seek(rb + 2 * (int(sys.argv[2]) >> 16)); f.write(struct.pack(">H", 0))
PY
out=$("$Q" check cor.qcow2 2>/dev/null); rc=$?
check_eq "corrupt image: exit 2" 2 "$rc"
check_eq "corrupt image text like Debian" "$("$R" check cor.qcow2 2>/dev/null)" "$out"
check_eq "corrupt image json like Debian" "$("$R" check --output=json cor.qcow2 2>/dev/null)" "$("$Q" check --output=json cor.qcow2 2>/dev/null)"
"$Q" check -q -r all cor.qcow2 >/dev/null 2>&1; rc=$?
check_eq "check -r all repairs the corruption" 0 "$rc"
check "Debian check after -r all" "$R" check cor.qcow2

# snapshots, cross-read with Debian's tool
"$Q" convert -q -O qcow2 m.raw s.qcow2
check "snapshot -c" "$Q" snapshot -c first s.qcow2
qemu-io -c 'write -P 0x55 0 64k' s.qcow2 >/dev/null
check "snapshot -c second" "$Q" snapshot -c second s.qcow2
check_eq "snapshot -l like Debian" "$("$R" snapshot -l s.qcow2)" "$("$Q" snapshot -l s.qcow2)"
check "Debian check after snapshots" "$R" check s.qcow2
check "snapshot -a first" "$Q" snapshot -a first s.qcow2
check "content back to the first snapshot" "$R" compare -f raw m.raw s.qcow2
check "snapshot -d second" "$Q" snapshot -d second s.qcow2
check_eq "Debian lists one snapshot" "1" "$("$R" snapshot -l s.qcow2 | tail -n +3 | wc -l)"
check "Debian check after delete" "$R" check s.qcow2
out=$("$Q" snapshot -d nosuch s.qcow2 2>&1); rc=$?
check_eq "delete unknown snapshot" "1 qemu-img: Could not delete snapshot 'nosuch': snapshot not found" "$rc $out"
"$R" snapshot -c deb s.qcow2
check_eq "our list reads Debian's snapshot" "$("$R" snapshot -l s.qcow2)" "$("$Q" snapshot -l s.qcow2)"
check_eq "info shows snapshots like Debian" "$("$R" info s.qcow2)" "$("$Q" info s.qcow2)"

# commit
"$R" convert -q -O qcow2 m.raw base.qcow2
"$R" create -q -f qcow2 -b base.qcow2 -F qcow2 ov.qcow2
cp m.raw expect.raw
printf 'commit-me' | dd of=expect.raw bs=1 seek=3000000 conv=notrunc 2>/dev/null
"$Q" convert -q -n -O qcow2 -f raw expect.raw ov.qcow2
out=$("$Q" commit ov.qcow2); rc=$?
check_eq "commit" "0 Image committed." "$rc $out"
check "base holds the committed data" "$R" compare -f raw expect.raw base.qcow2
check "Debian check of base after commit" "$R" check base.qcow2
check_eq "overlay emptied" 0 "$("$R" map --output=json ov.qcow2 | grep -c '"depth": 0, "present": true')"
"$R" create -q -f qcow2 -b base.qcow2 -F qcow2 ov2.qcow2
check "commit -d" "$Q" commit -q -d ov2.qcow2
out=$("$Q" commit -f raw m.raw 2>&1); rc=$?
check_eq "commit without backing refused" "1 qemu-img: Image does not have a backing file" "$rc $out"

# rebase
"$R" convert -q -O qcow2 -f raw m.raw old.qcow2
"$R" create -q -f qcow2 new.qcow2 5M
"$R" create -q -f qcow2 -b old.qcow2 -F qcow2 top.qcow2
check "rebase (safe) onto an empty base" "$Q" rebase -b new.qcow2 -F qcow2 top.qcow2
check "content unchanged after rebase" "$R" compare -f raw m.raw top.qcow2
check_eq "new backing recorded" "new.qcow2" "$("$R" info --output=json top.qcow2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["backing-filename"])')"
check "rebase -b '' (no backing)" "$Q" rebase -b '' top.qcow2
check "content unchanged without backing" "$R" compare -f raw m.raw top.qcow2
check "Debian check after rebase" "$R" check top.qcow2
check "rebase -u" "$Q" rebase -u -b old.qcow2 -F qcow2 top.qcow2
check_eq "unsafe rebase rewrote header" "old.qcow2" "$("$R" info --output=json top.qcow2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["backing-filename"])')"
out=$("$Q" rebase top.qcow2 2>&1); rc=$?
check_eq "rebase without -b refused" "1 qemu-img: Must specify backing file (-b) or use unsafe mode (-u)" "$rc $(echo "$out" | head -1)"

# amend
"$R" create -q -f qcow2 am.qcow2 16M
check "amend lazy_refcounts=on" "$Q" amend -o lazy_refcounts=on am.qcow2
check_eq "Debian sees lazy refcounts" "true" "$("$R" info --output=json am.qcow2 | python3 -c 'import json,sys; print(str(json.load(sys.stdin)["format-specific"]["data"]["lazy-refcounts"]).lower())')"
out=$("$Q" amend am.qcow2 2>&1); rc=$?
check_eq "amend without -o refused" "1 qemu-img: Must specify options (-o)" "$rc $(echo "$out" | head -1)"
out=$("$Q" amend -f raw -o size=2M r.img 2>&1); rc=$?
check_eq "amend on raw refused" "1" "$rc"
done_testing
