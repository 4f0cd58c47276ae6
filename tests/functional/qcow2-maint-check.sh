#!/bin/sh
# qemu-img check on qcow2: the same reports, exit codes and repairs as
# Debian's qemu-img, on clean images of many kinds and on damaged ones.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/qcow2-maint-lib.sh"

# check_all NAME [x]: plain check, -r leaks and -r all agree with Debian's
# (with x, the bytes after a failed -r leaks may differ: Debian clears the
# dirty bit of an image it could not repair, we leave it set)
check_all() {
    both "$1: check" check
    both "$1: check -r leaks" check -r leaks
    [ -n "${2:-}" ] || same_bytes "$1: -r leaks"
    both "$1: check -r all" check -r all
    same_bytes "$1: -r all"
}

# Clean images of several layouts.
for opts in "" "cluster_size=4k" "refcount_bits=1" "refcount_bits=64" "compat=0.10" \
            "extended_l2=on,cluster_size=16k" "cluster_size=2M"; do
    new_base "$opts"
    ref_io "$TMP/base.qcow2" 'write -c -P 3 4M 64k' 'write -P 4 6M 100k'
    both "clean [$opts]" check
done

new_base
"$REF_QEMU_IMG" snapshot -c s1 "$TMP/base.qcow2"
ref_io "$TMP/base.qcow2" 'write -P 9 0 64k' 'write -z 1M 64k'
"$REF_QEMU_IMG" snapshot -c s2 "$TMP/base.qcow2"
both "with snapshots" check

new_base
"$REF_QEMU_IMG" bitmap --add "$TMP/base.qcow2" b0
"$REF_QEMU_IMG" bitmap --add -g 4k "$TMP/base.qcow2" b1
both "with bitmaps" check

# Dirty image with lazy refcounts left behind by a killed writer.
new_base "lazy_refcounts=on"
"$REF_QEMU_IO" -c 'write -P 7 8M 1M' -c 'sigraise 9' "$TMP/base.qcow2" >/dev/null 2>&1
check_all "dirty lazy refcounts" x
ref_clean "dirty lazy refcounts"

# Leaks: a refcount too high, a free cluster with a refcount.
new_base
$POKE "$TMP/base.qcow2" setref 5 2 -- setref 3 1
check_all "leaks"
ref_clean "leaks"

# Corruption: refcounts of used clusters zeroed (needs a rebuild).
new_base
$POKE "$TMP/base.qcow2" setref 4 0 -- setref 6 0
check_all "zero refcounts"
ref_clean "zero refcounts"

# Corruption: a refcount too low but not zero.
new_base
"$REF_QEMU_IMG" snapshot -c s1 "$TMP/base.qcow2"
$POKE "$TMP/base.qcow2" setref 5 1
check_all "refcount too low"
ref_clean "refcount too low"

# An L2 entry past the end of the file, an unaligned data cluster.
new_base
$POKE "$TMP/base.qcow2" setl2 16 0x8000000000640000 -- setl2 17 0x8000000000070200
check_all "bad L2 offsets"

# An unaligned preallocated zero cluster (repairable), reserved bits.
new_base
$POKE "$TMP/base.qcow2" setl2 40 0x8000000000070201 -- setl2 41 0x0100000000000000
check_all "prealloc unaligned, reserved bits"

# COPIED flags wrong in L1 and L2.
new_base
$POKE "$TMP/base.qcow2" clearcopied 0 -- setl1 0 0x40000
check_all "COPIED flags"
ref_clean "COPIED flags"

# Refcount table damage: an unaligned block, a block outside the image.
# (Debian marks this image corrupt while checking and then fails to rebuild
# it; we rebuild the refcount structure.)
new_base
$POKE "$TMP/base.qcow2" setrt 0 0x20200
check_fails "unaligned refcount block: check reports it" "$QEMU_IMG" check "$TMP/base.qcow2"
cp "$TMP/base.qcow2" "$TMP/o/img.qcow2"
check "unaligned refcount block: check -r all" "$QEMU_IMG" check -r all "$TMP/o/img.qcow2"
ref_clean "unaligned refcount block"
new_base "cluster_size=4k"
$POKE "$TMP/base.qcow2" setrt 1 0x4000000
check_all "refcount block outside image"

# Snapshot table damage.
new_base
"$REF_QEMU_IMG" snapshot -c s1 "$TMP/base.qcow2"
"$REF_QEMU_IMG" snapshot -c s2 "$TMP/base.qcow2"
$POKE "$TMP/base.qcow2" snapfield 1 4 0x50200
both "unaligned snapshot L1" check
$POKE "$TMP/base.qcow2" snapfield 0 36 2000
both "too much snapshot extra data" check
both "too much snapshot extra data: check -r all" check -r all
ref_clean "too much snapshot extra data"

# An image we repaired reads like the one Debian repaired.
new_base
$POKE "$TMP/base.qcow2" setref 4 0
both "repair keeps data" check -r all
same_content "repair keeps data"

done_testing
