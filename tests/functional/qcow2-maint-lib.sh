# Shared by the qcow2-maint-*.sh tests: differential runs of our qemu-img
# against Debian's on copies of the same image. Source after common.sh.
need_ref_qemu_img
[ -x "$QEMU_IMG" ] || skip_all "qemu-img is not built"
REF_QEMU_IO=/usr/bin/qemu-io
[ -x "$REF_QEMU_IO" ] || skip_all "Debian's qemu-io (qemu-utils) is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
POKE="python3 $top_srcdir/tests/functional/qcow2-poke.py"
mkdir -p "$TMP/o" "$TMP/r"

# ref_io IMAGE CMD...: write test data with Debian's qemu-io
ref_io() {
    img=$1; shift
    n=$#
    for c in "$@"; do set -- "$@" -c "$c"; done
    shift "$n"
    "$REF_QEMU_IO" "$@" "$img" >/dev/null 2>&1
}

# both NAME CMD ARGS...: run "qemu-img CMD ARGS... img.qcow2" with our tool in
# $TMP/o and Debian's in $TMP/r on copies of $TMP/base.qcow2; compare the
# exit code, stdout and stderr (prefix NAME).
both() {
    name=$1; shift
    cp "$TMP/base.qcow2" "$TMP/o/img.qcow2"
    cp "$TMP/base.qcow2" "$TMP/r/img.qcow2"
    (cd "$TMP/o" && "$QEMU_IMG" "$@" img.qcow2 >out 2>err; echo $? >rc)
    (cd "$TMP/r" && "$REF_QEMU_IMG" "$@" img.qcow2 >out 2>err; echo $? >rc)
    check_eq "$name: exit code" "$(cat "$TMP/r/rc")" "$(cat "$TMP/o/rc")"
    check_eq "$name: stderr" "$(cat "$TMP/r/err")" "$(cat "$TMP/o/err")"
    check_eq "$name: stdout" "$(cat "$TMP/r/out")" "$(cat "$TMP/o/out")"
}

# same_bytes NAME: the two results of the last "both" are byte-identical
same_bytes() {
    if cmp -s "$TMP/o/img.qcow2" "$TMP/r/img.qcow2"; then tap_result 0 "$1: same bytes"
    else tap_result 1 "$1: same bytes"; cmp "$TMP/o/img.qcow2" "$TMP/r/img.qcow2" | sed 's/^/# /'; fi
}

# ref_clean NAME: Debian's check finds nothing wrong with our result
ref_clean() {
    check "$1: Debian's check accepts our result" "$REF_QEMU_IMG" check "$TMP/o/img.qcow2"
}

# same_content NAME: both results read the same
same_content() {
    check "$1: same content" "$REF_QEMU_IMG" compare -q "$TMP/o/img.qcow2" "$TMP/r/img.qcow2"
}

# new_base [create options]: a 64 MiB qcow2 image with data, zeroes and holes
new_base() {
    rm -f "$TMP/base.qcow2"
    "$REF_QEMU_IMG" create -q -f qcow2 ${1:+-o "$1"} "$TMP/base.qcow2" 64M
    ref_io "$TMP/base.qcow2" 'write -P 1 0 128k' 'write -P 2 1M 64k' 'write -z 2M 64k'
}
