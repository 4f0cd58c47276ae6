#!/bin/sh
# qcow2 internal snapshots: ours and Debian's qemu-img agree on the table
# (IDs, names, sizes), on the data each snapshot holds, and on image sanity.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/qcow2-maint-lib.sh"

# The ID, TAG and VM SIZE columns of a snapshot list (dates differ).
columns() {
    "$REF_QEMU_IMG" snapshot -l "$1" | awk 'NR > 2 { print $1, $2, $3, $4 }'
}

# apply_both OP NAME: the same snapshot operation with each tool
apply_both() {
    "$QEMU_IMG" snapshot "$1" "$2" "$TMP/o/img.qcow2" >"$TMP/o/err" 2>&1; echo $? >"$TMP/o/rc"
    "$REF_QEMU_IMG" snapshot "$1" "$2" "$TMP/r/img.qcow2" >"$TMP/r/err" 2>&1; echo $? >"$TMP/r/rc"
    check_eq "snapshot $1 $2: exit code" "$(cat "$TMP/r/rc")" "$(cat "$TMP/o/rc")"
    check_eq "snapshot $1 $2: listed the same" "$(columns "$TMP/r/img.qcow2")" \
        "$(columns "$TMP/o/img.qcow2")"
    check "snapshot $1 $2: Debian's check accepts ours" "$REF_QEMU_IMG" check -q \
        "$TMP/o/img.qcow2"
    check "snapshot $1 $2: our check accepts ours" "$QEMU_IMG" check -q "$TMP/o/img.qcow2"
    check "snapshot $1 $2: same content" "$REF_QEMU_IMG" compare -q "$TMP/o/img.qcow2" \
        "$TMP/r/img.qcow2"
}

for opts in "" "compat=0.10" "cluster_size=4k,refcount_bits=8" "extended_l2=on,cluster_size=32k"; do
    new_base "$opts"
    cp "$TMP/base.qcow2" "$TMP/o/img.qcow2"
    cp "$TMP/base.qcow2" "$TMP/r/img.qcow2"
    apply_both -c first
    for d in o r; do
        ref_io "$TMP/$d/img.qcow2" 'write -P 8 0 64k' 'write -z 1M 64k' 'write -c -P 5 3M 64k'
    done
    apply_both -c second
    apply_both -c first
    for d in o r; do
        ref_io "$TMP/$d/img.qcow2" 'write -P 6 64k 64k' 'discard 3M 64k'
    done
    apply_both -a first
    apply_both -a 2
    apply_both -d first
    apply_both -d second
    apply_both -a nonexistent
    apply_both -d nonexistent
    apply_both -c again
done

# Snapshots we create are read by Debian's qemu-img: data of each snapshot.
new_base
"$QEMU_IMG" snapshot -c s1 "$TMP/base.qcow2"
ref_io "$TMP/base.qcow2" 'write -P 9 0 1M'
"$QEMU_IMG" snapshot -c s2 "$TMP/base.qcow2"
ref_io "$TMP/base.qcow2" 'write -P 10 0 1M'
"$REF_QEMU_IMG" convert -l s1 -O raw "$TMP/base.qcow2" "$TMP/s1.raw"
"$REF_QEMU_IMG" convert -l s2 -O raw "$TMP/base.qcow2" "$TMP/s2.raw"
check "snapshot 1 keeps the old data" "$REF_QEMU_IO" -f raw -c 'read -P 1 0 128k' \
    -c 'read -P 2 1M 64k' "$TMP/s1.raw"
check "snapshot 2 keeps the newer data" "$REF_QEMU_IO" -f raw -c 'read -P 9 0 1M' \
    -c 'read -P 2 1M 64k' "$TMP/s2.raw"
check "active image has the newest data" "$REF_QEMU_IO" -c 'read -P 10 0 1M' \
    "$TMP/base.qcow2"
"$QEMU_IMG" snapshot -a s1 "$TMP/base.qcow2"
check "applied snapshot 1 reads back" "$REF_QEMU_IO" -c 'read -P 1 0 128k' \
    -c 'read -P 0 128k 64k' "$TMP/base.qcow2"
check "Debian's check after apply" "$REF_QEMU_IMG" check -q "$TMP/base.qcow2"

done_testing
