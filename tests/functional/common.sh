# Shared helpers for functional tests: TAP output, a scratch directory, the paths
# of the built programs and of the reference tools. Source it from each test.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
QEMU_IMG=$top_builddir/img-tool/qemu-img
REF_QEMU_IMG=/usr/bin/qemu-img
TMP=$(mktemp -d "${TMPDIR:-/tmp}/qtest.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
_tap_n=0
_tap_fail=0

# ok COND-EXIT-STATUS DESCRIPTION: record one result
tap_result() {
    _tap_n=$((_tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $_tap_n - $2"
    else
        echo "not ok $_tap_n - $2"
        _tap_fail=$((_tap_fail + 1))
    fi
}
# check DESCRIPTION CMD...: run CMD, pass when it exits 0; show its output on failure
check() {
    desc=$1; shift
    if out=$("$@" 2>&1); then tap_result 0 "$desc"
    else tap_result 1 "$desc"; printf '%s\n' "$out" | sed 's/^/# /'; fi
}
# check_fails DESCRIPTION CMD...: pass when CMD exits non-zero
check_fails() {
    desc=$1; shift
    if out=$("$@" 2>&1); then tap_result 1 "$desc (unexpectedly succeeded)"; printf '%s\n' "$out" | sed 's/^/# /'
    else tap_result 0 "$desc"; fi
}
# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
    if [ "$2" = "$3" ]; then tap_result 0 "$1"
    else tap_result 1 "$1"; echo "# expected: $2" | head -20; echo "# actual:   $3" | head -20; fi
}
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $1"; }
# skip_all REASON: the whole script cannot run here
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
done_testing() { echo "1..$_tap_n"; [ "$_tap_fail" -eq 0 ]; }
need_ref_qemu_img() { [ -x "$REF_QEMU_IMG" ] || skip_all "Debian's qemu-img (qemu-utils) is not installed"; }
