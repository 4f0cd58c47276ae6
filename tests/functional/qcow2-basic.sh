#!/bin/sh
# qcow2 driver through our qemu-img, against Debian's qemu-img/qemu-io: created
# files byte-identical, images QEMU wrote read back and described (info, map)
# identically, images we write pass QEMU's check and compare equal, and a
# kill -9 in the middle of writing leaves at most leaked clusters.
. "$top_srcdir/tests/functional/common.sh"
[ -x "$QEMU_IMG" ] || skip_all "qemu-img not built"
need_ref_qemu_img
command -v python3 >/dev/null || skip_all "python3 is needed to make test data"
cd "$TMP"
Q=$QEMU_IMG
R=$REF_QEMU_IMG

# Test data: random, runs of bytes and zero stretches (compressible, sparse).
python3 - <<'EOF'
import random
random.seed(5)
with open('data.raw', 'wb') as f:
    for i in range(48):
        k = random.randint(0, 3)
        if k == 0: f.write(b'\0' * 131072)
        elif k == 1: f.write(random.randbytes(70000))
        elif k == 2: f.write(bytes([i]) * 50000)
        else: f.write(b'\0' * 1000 + bytes([7]) * 100)
    f.truncate((f.tell() + 511) // 512 * 512)
EOF

# 1. create: byte-identical files.
for o in "" "compat=0.10" "cluster_size=4k,refcount_bits=1" "extended_l2=on" \
         "preallocation=metadata"; do
    rm -f ours.qcow2 ref.qcow2
    "$Q" create -q -f qcow2 ${o:+-o "$o"} ours.qcow2 64M
    "$R" create -q -f qcow2 ${o:+-o "$o"} ref.qcow2 64M
    check "create ${o:-default}: identical to QEMU's" cmp ours.qcow2 ref.qcow2
done

# 2. convert raw -> qcow2 (plain, zlib, zstd, subclusters): QEMU accepts and
#    reads the same data.
for case in ":" "-c:" ":extended_l2=on" "-c:compression_type=zstd" "-c:compat=0.10" \
            ":cluster_size=512"; do
    c=${case%%:*}
    o=${case#*:}
    rm -f out.qcow2
    check "convert $c ${o:-default}" "$Q" convert $c -f raw -O qcow2 ${o:+-o "$o"} data.raw out.qcow2
    check "convert $c ${o:-default}: QEMU check" "$R" check -q out.qcow2
    check "convert $c ${o:-default}: QEMU compare" "$R" compare -q -f raw data.raw out.qcow2
done

# 3. Images QEMU wrote: same content, same info and map.
rm -f q.qcow2
"$R" create -q -f qcow2 q.qcow2 8M
qemu_io=$(command -v qemu-io || true)
if [ -n "$qemu_io" ]; then
    "$qemu_io" -f qcow2 -c 'write -P 1 0 100k' -c 'write -z 256k 128k' \
        -c 'write -c -P 2 1M 64k' -c 'write -P 3 2M 4k' -c 'write -z -u 3M 64k' \
        q.qcow2 >/dev/null
    "$Q" convert -O raw q.qcow2 ours.raw
    "$R" convert -O raw q.qcow2 ref.raw
    check "QEMU-written image reads the same" cmp ours.raw ref.raw
    check_eq "map --output=json like QEMU's" "$("$R" map --output=json q.qcow2)" \
        "$("$Q" map --output=json q.qcow2)"
    check_eq "info --output=json like QEMU's" "$("$R" info --output=json q.qcow2)" \
        "$("$Q" info --output=json q.qcow2)"
else
    skip "qemu-io not installed (QEMU-written image)"
fi
rm -f b.qcow2
"$R" create -q -f qcow2 b.qcow2 8M
"$R" bitmap --add b.qcow2 bm0
"$R" bitmap --add --disable b.qcow2 bm1    # no flags: an empty list in the JSON
check_eq "info lists bitmaps like QEMU" "$("$R" info --output=json b.qcow2)" \
    "$("$Q" info --output=json b.qcow2)"
rm -f z.qcow2
"$R" create -q -f qcow2 -o compression_type=zstd z.qcow2 8M
"$R" convert -c -f raw -O qcow2 -o compression_type=zstd data.raw z.qcow2
check "zstd image from QEMU compares equal" "$Q" compare -f raw data.raw z.qcow2

# 4. Backing chain: overlay written by us over a QEMU base.
rm -f base.qcow2 top.qcow2
"$R" convert -f raw -O qcow2 data.raw base.qcow2
check "create overlay" "$Q" create -q -f qcow2 -b base.qcow2 -F qcow2 top.qcow2
check "commit-free rebase chain reads the base" "$Q" compare -f raw data.raw top.qcow2
check_eq "overlay info backing format" "qcow2" \
    "$("$R" info --output=json top.qcow2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["backing-filename-format"])')"

# 5. kill -9 while converting: the image may leak clusters, nothing worse.
bad=0
for delay in 0.02 0.05 0.1 0.2; do
    rm -f k.qcow2
    "$Q" create -q -f qcow2 k.qcow2 8M
    "$Q" convert -n -f raw -O qcow2 data.raw k.qcow2 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    "$R" check -q k.qcow2 >/dev/null 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || bad=$((bad + 1))
done
check_eq "kill -9 during writes: no corruption" 0 "$bad"

# Resizing an image that has internal snapshots: grow, write, shrink, then going
# back to the snapshot restores its size and data (as QEMU allows).
if [ -x /usr/bin/qemu-io ]; then
    rm -f rs.qcow2
    "$Q" create -q -f qcow2 rs.qcow2 4M
    /usr/bin/qemu-io -c "write -P 0x11 0 4M" rs.qcow2 >/dev/null
    "$Q" snapshot -c s1 rs.qcow2
    check "grow with a snapshot" "$Q" resize -q rs.qcow2 8M
    /usr/bin/qemu-io -c "write -P 0x22 3M 5M" rs.qcow2 >/dev/null
    check "shrink with a snapshot" "$Q" resize -q --shrink rs.qcow2 2M
    check "QEMU's check after resizing with a snapshot" "$R" check rs.qcow2
    "$Q" snapshot -a s1 rs.qcow2
    check_eq "snapshot restores its size" 4194304 \
        "$("$R" info --output=json rs.qcow2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])')"
    check "snapshot restores its data" /usr/bin/qemu-io -c "read -P 0x11 0 4M" rs.qcow2
    check "QEMU's check after applying the snapshot" "$R" check rs.qcow2
else
    skip "qemu-io missing (resize with snapshots)"
fi

# map of data clusters that are partly holes in the file: QEMU looks into the file
# only for metadata-preallocated images, so plain ones show whole data clusters.
python3 -c "
f = open('holes.raw', 'wb'); f.truncate(4 << 20)
f.seek(0); f.write(b'a' * 70000)
f.seek(1 << 20); f.write(b'b' * 4096)
f.seek((1 << 20) + 32768); f.write(b'c' * 4096)
"
rm -f holes.qcow2 pm.qcow2
"$R" convert -O qcow2 holes.raw holes.qcow2
check_eq "map of data clusters with file holes (human)" "$("$R" map holes.qcow2)" "$("$Q" map holes.qcow2)"
check_eq "map of data clusters with file holes (json)" "$("$R" map --output=json holes.qcow2)" \
    "$("$Q" map --output=json holes.qcow2)"
"$R" create -q -f qcow2 -o preallocation=metadata pm.qcow2 4M
if [ -x /usr/bin/qemu-io ]; then
    /usr/bin/qemu-io -c "write -P 1 0 4k" -c "write -P 2 1M 8k" pm.qcow2 >/dev/null
fi
check_eq "map of a metadata-preallocated image (json)" "$("$R" map --output=json pm.qcow2)" \
    "$("$Q" map --output=json pm.qcow2)"

# convert -l/-s and measure -l read an internal snapshot without changing the image;
# the output keeps the image's current size, as QEMU's does.
if [ -x /usr/bin/qemu-io ]; then
    rm -f sp.qcow2
    "$R" create -q -f qcow2 sp.qcow2 4M
    /usr/bin/qemu-io -c "write -P 0x11 0 2M" sp.qcow2 >/dev/null
    "$R" snapshot -c one sp.qcow2
    "$R" resize -q sp.qcow2 8M
    /usr/bin/qemu-io -c "write -P 0x22 1M 6M" sp.qcow2 >/dev/null
    "$R" snapshot -c two sp.qcow2
    /usr/bin/qemu-io -c "write -P 0x33 0 8M" sp.qcow2 >/dev/null
    before=$(md5sum < sp.qcow2)
    for p in one 1 snapshot.name=one snapshot.id=2 snapshot.id=1,snapshot.name=one; do
        rm -f ours.raw ref.raw
        "$Q" convert -l "$p" -O raw sp.qcow2 ours.raw
        "$R" convert -l "$p" -O raw sp.qcow2 ref.raw
        check "convert -l $p equals QEMU's" cmp ours.raw ref.raw
    done
    "$Q" convert -s two -O qcow2 sp.qcow2 s.qcow2
    "$R" convert -l two -O raw sp.qcow2 ref.raw
    check "convert -s two equals -l two" "$R" compare s.qcow2 ref.raw
    check_eq "measure -l like QEMU" "$("$R" measure -O qcow2 -l one sp.qcow2)" \
        "$("$Q" measure -O qcow2 -l one sp.qcow2)"
    check_eq "the source is not changed" "$before" "$(md5sum < sp.qcow2)"
    check_eq "unknown snapshot" "qemu-img: Failed to load snapshot: Can't find snapshot" \
        "$("$Q" convert -l nope -O raw sp.qcow2 x.raw 2>&1)"
    check_eq "id and name must both match" "qemu-img: Failed to load snapshot: Can't find snapshot" \
        "$("$Q" convert -l snapshot.id=1,snapshot.name=two -O raw sp.qcow2 x.raw 2>&1)"
    check_eq "one snapshot source only" "qemu-img: No support for concatenating multiple snapshot" \
        "$("$Q" convert -l one -O raw sp.qcow2 sp.qcow2 x.raw 2>&1)"
    check_fails "bad snapshot parameter" "$Q" convert -l snapshot.id=1,bogus=2 -O raw sp.qcow2 x.raw
else
    skip "qemu-io missing (convert -l)"
fi

done_testing
