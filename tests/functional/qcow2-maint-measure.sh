#!/bin/sh
# qemu-img measure -O qcow2: the same numbers (and errors) as Debian's.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/qcow2-maint-lib.sh"

# same NAME ARGS...: compare "qemu-img measure ARGS..." output and exit code
same() {
    name=$1; shift
    o=$(cd "$TMP" && "$QEMU_IMG" measure "$@" 2>&1; echo "rc=$?")
    r=$(cd "$TMP" && "$REF_QEMU_IMG" measure "$@" 2>&1; echo "rc=$?")
    check_eq "$name" "$r" "$o"
}

for opts in "" "cluster_size=512" "cluster_size=4k" "cluster_size=2M" "refcount_bits=1" \
            "refcount_bits=64" "extended_l2=on" "extended_l2=on,cluster_size=16k" \
            "preallocation=metadata" "preallocation=falloc" "preallocation=full" \
            "compat=0.10" "compat=0.10,refcount_bits=8" "extended_l2=on,cluster_size=8k" \
            "cluster_size=3000" "refcount_bits=3" "preallocation=nope" "compat=2" \
            "lazy_refcounts=on,compression_type=zstd"; do
    for size in 0 65536 123456789 1T 2E; do
        same "size $size [$opts]" -O qcow2 --size "$size" ${opts:+-o "$opts"}
    done
done
same "json" -O qcow2 --size 10G --output=json

truncate -s 100M "$TMP/in.raw"
printf 'hello' | dd of="$TMP/in.raw" bs=1 seek=70000 conv=notrunc 2>/dev/null
dd if=/dev/urandom of="$TMP/in.raw" bs=64k seek=100 count=17 conv=notrunc 2>/dev/null
dd if=/dev/urandom of="$TMP/in.raw" bs=1 seek=52428803 count=100000 conv=notrunc 2>/dev/null
# (qcow2 inputs hold whole clusters of data: a data cluster partly left as a
# hole in the file would be counted by how deep block status looks)
truncate -s 100M "$TMP/aligned.raw"
dd if=/dev/urandom of="$TMP/aligned.raw" bs=64k seek=100 count=17 conv=notrunc 2>/dev/null
dd if=/dev/urandom of="$TMP/aligned.raw" bs=64k seek=800 count=3 conv=notrunc 2>/dev/null
"$REF_QEMU_IMG" convert -O qcow2 "$TMP/aligned.raw" "$TMP/in.qcow2"
"$REF_QEMU_IO" -c 'write -z 0 1M' -c 'write -c -P 1 90M 1M' "$TMP/in.qcow2" >/dev/null
"$REF_QEMU_IMG" convert -O qcow2 -o compat=0.10,cluster_size=4k "$TMP/aligned.raw" \
    "$TMP/in2.qcow2"
"$REF_QEMU_IMG" bitmap --add "$TMP/in.qcow2" b0
"$REF_QEMU_IMG" bitmap --add -g 4k "$TMP/in.qcow2" bitmap-one
for f in in.raw in.qcow2 in2.qcow2; do
    for opts in "" "cluster_size=4k" "cluster_size=2M" "backing_file=x" \
                "preallocation=full" "extended_l2=on" "compat=0.10"; do
        same "$f [$opts]" -O qcow2 ${opts:+-o "$opts"} "$f"
    done
done
same "json with bitmaps" -O qcow2 --output=json in.qcow2

done_testing
