# Helpers for the qemu-nbd tests (sourced after common.sh): starting our
# qemu-nbd and Debian's in the background on Unix sockets in $TMP, stopping
# every server a test started (also from the EXIT trap), and waiting for a
# process to end with an upper bound so that a bug shows up as a failure,
# not as a hung test.
QEMU_NBD=$top_builddir/nbd-tool/qemu-nbd
REF_QEMU_NBD=/usr/bin/qemu-nbd
PYCLIENT="python3 $top_srcdir/tests/functional/nbd-pyclient.py"
[ -x "$QEMU_NBD" ] || skip_all "qemu-nbd not built"

NBD_PIDS=""
stop_servers() {
    for p in $NBD_PIDS; do kill "$p" 2>/dev/null; done
    NBD_PIDS=""
}
trap 'stop_servers; rm -rf "$TMP"' EXIT

_nbd_seq=0
# start_nbd PROG SOCKET ARGS...: PROG --fork on SOCKET; the pid is remembered
# and written to $LAST_PID. Fails (with the message in $TMP/start.err) when the
# server did not come up.
start_nbd() {
    prog=$1; sock=$2; shift 2
    _nbd_seq=$((_nbd_seq + 1))
    pidf=$TMP/srv.$_nbd_seq.pid
    rm -f "$sock"
    "$prog" -k "$sock" --fork --pid-file "$pidf" "$@" 2>"$TMP/start.err" || return 1
    LAST_PID=$(cat "$pidf")
    NBD_PIDS="$NBD_PIDS $LAST_PID"
}
ours() { start_nbd "$QEMU_NBD" "$@"; }
theirs() { start_nbd "$REF_QEMU_NBD" "$@"; }

# wait_gone PID [SECONDS]: true once PID has exited (default bound 10 s).
wait_gone() {
    _n=$(( ${2:-10} * 10 ))
    # A child of this shell that exited stays a zombie until the shell reaps it,
    # and a command substitution cannot reap for it: a zombie counts as gone.
    while kill -0 "$1" 2>/dev/null &&
          [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; do
        _n=$((_n - 1))
        [ "$_n" -gt 0 ] || return 1
        sleep 0.1
    done
}

# wait_file PATH [SECONDS]: true once PATH exists and is not empty.
wait_file() {
    _n=$(( ${2:-10} * 10 ))
    while [ ! -s "$1" ]; do
        _n=$((_n - 1))
        [ "$_n" -gt 0 ] || return 1
        sleep 0.1
    done
}

# uri SOCKET [EXPORT]
uri() { echo "nbd+unix:///${2:-}?socket=$1"; }

# check_err DESC PATTERN CMD...: CMD fails and its output matches the glob PATTERN.
check_err() {
    local desc="$1" pat="$2"; shift 2
    if out=$("$@" 2>&1); then
        tap_result 1 "$desc (unexpectedly succeeded)"; printf '%s\n' "$out" | sed 's/^/# /'
        return
    fi
    # shellcheck disable=SC2254
    case $out in
        $pat) tap_result 0 "$desc";;
        *) tap_result 1 "$desc"; printf '%s\n' "$out" | sed 's/^/# /';;
    esac
}
