#!/bin/sh
# qemu-img amend on qcow2: the same results and errors as Debian's, images
# that Debian's check accepts, and the data kept.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/qcow2-maint-lib.sh"

# info_of IMAGE: what qemu-img info says, without the file-dependent lines
info_of() {
    "$REF_QEMU_IMG" info "$1" | sed -e 1d -e '/disk size/d'
}

# amend_case CREATE_OPTS AMEND_OPTS [snap]: amend with each tool, compare
amend_case() {
    new_base "$1"
    if [ -n "${3:-}" ]; then
        "$REF_QEMU_IMG" snapshot -c s1 "$TMP/base.qcow2"
        ref_io "$TMP/base.qcow2" 'write -z 0 64k' 'write -P 9 1M 64k' 'write -z 2M 64k'
        "$REF_QEMU_IMG" snapshot -c s2 "$TMP/base.qcow2"
        ref_io "$TMP/base.qcow2" 'write -z 1M 64k' 'write -P 4 5M 64k'
    fi
    name="amend [$1] $2${3:+ with snapshots}"
    both "$name" amend -o "$2"
    check_eq "$name: same info" "$(info_of "$TMP/r/img.qcow2")" "$(info_of "$TMP/o/img.qcow2")"
    ref_clean "$name"
    check "$name: same content" "$REF_QEMU_IMG" compare -q "$TMP/base.qcow2" "$TMP/o/img.qcow2"
    if [ -n "${3:-}" ]; then
        for s in s1 s2; do
            "$REF_QEMU_IMG" convert -l $s -O raw "$TMP/base.qcow2" "$TMP/want.raw"
            "$REF_QEMU_IMG" convert -l $s -O raw "$TMP/o/img.qcow2" "$TMP/got.raw"
            check "$name: snapshot $s kept" cmp "$TMP/want.raw" "$TMP/got.raw"
        done
    fi
}

for o in compat=0.10 compat=v2 compat=1.1 lazy_refcounts=on lazy_refcounts=off \
         refcount_bits=1 refcount_bits=8 refcount_bits=64 size=128M size=32M \
         cluster_size=4k backing_file=foo backing_fmt=raw extended_l2=on \
         preallocation=full data_file=x data_file_raw=on encryption=on foo=1 \
         compat=0.10,lazy_refcounts=on compat=0.10,refcount_bits=8 compat=2 \
         refcount_bits=3; do
    amend_case "" "$o"
done
for o in compat=1.1 lazy_refcounts=on refcount_bits=8 compat=1.1,refcount_bits=8 \
         compat=1.1,lazy_refcounts=on; do
    amend_case "compat=0.10" "$o"
done
amend_case "lazy_refcounts=on" compat=0.10
amend_case "refcount_bits=8" compat=0.10
amend_case "extended_l2=on" compat=0.10
amend_case "compression_type=zstd" compat=0.10
amend_case "" refcount_bits=2 snap
amend_case "" refcount_bits=64 snap
amend_case "compat=0.10" compat=1.1 snap

# Downgrading turns zero clusters into data without touching the snapshots
# (Debian's qemu-img zeroes clusters the snapshots still use here).
new_base
"$REF_QEMU_IO" -c 'write -P 5 0 192k' "$TMP/base.qcow2" >/dev/null
"$REF_QEMU_IMG" snapshot -c s1 "$TMP/base.qcow2"
ref_io "$TMP/base.qcow2" 'write -z 0 64k'
cp "$TMP/base.qcow2" "$TMP/o/img.qcow2"
check "downgrade with shared zero clusters" "$QEMU_IMG" amend -o compat=0.10 "$TMP/o/img.qcow2"
ref_clean "downgrade with shared zero clusters"
"$REF_QEMU_IMG" convert -l s1 -O raw "$TMP/base.qcow2" "$TMP/want.raw"
"$REF_QEMU_IMG" convert -l s1 -O raw "$TMP/o/img.qcow2" "$TMP/got.raw"
check "downgrade with shared zero clusters: snapshot kept" cmp "$TMP/want.raw" "$TMP/got.raw"
check "downgrade with shared zero clusters: active zeroes" "$REF_QEMU_IO" \
    -c 'read -P 0 0 64k' -c 'read -P 5 64k 128k' "$TMP/o/img.qcow2"

done_testing
