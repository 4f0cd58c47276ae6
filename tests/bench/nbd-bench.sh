#!/bin/sh
# qemu-nbd benchmark: nbdcopy throughput against our qemu-nbd, Debian's
# qemu-nbd (/usr/bin/qemu-nbd) and `nbdkit file`, serving the same 1 GiB raw
# image full of data (not sparse) from tmpfs, in the same run. Read: export ->
# null:, write: a tmpfs file -> export. Prints the best time of each server
# per case and the ratios ours/theirs (below 1 means we are faster).
#   tests/bench/nbd-bench.sh [OUR_QEMU_NBD]
# Environment: BENCH_MB (image size in MiB, default 1024), BENCH_RUNS (runs per
# case, best kept, default 3), BENCH_DIR (default /dev/shm, a tmpfs).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
OURS=${1:-$top/build/nbd-tool/qemu-nbd}
REF=/usr/bin/qemu-nbd
MB=${BENCH_MB:-1024}
RUNS=${BENCH_RUNS:-3}
[ -x "$OURS" ] || { echo "nbd-bench: $OURS is not built" >&2; exit 1; }
bindir=$(cd "$(dirname "$OURS")" && pwd)
if [ -x "$bindir/.libs/$(basename "$OURS")" ]; then
    OURS=$bindir/.libs/$(basename "$OURS")
    LD_LIBRARY_PATH=$bindir/../libcore/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
fi
for t in "$REF" nbdkit nbdcopy; do
    command -v "$t" >/dev/null ||
        { echo "nbd-bench: $t is missing (apt-get install qemu-utils nbdkit libnbd-bin)" >&2; exit 1; }
done
DIR=$(mktemp -d "${BENCH_DIR:-/dev/shm}/nbd-bench.XXXXXX")
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null || true; done; rm -rf "$DIR"' EXIT
cd "$DIR"

head -c $((MB * 1048576)) /dev/urandom >data.raw
cp data.raw src.raw

# serve NAME IMAGE: start server NAME on $DIR/NAME.sock over IMAGE.
serve() {
    rm -f "$DIR/$1.sock"
    case $1 in
        ours) "$OURS" --fork --pid-file "$DIR/$1.pid" -k "$DIR/$1.sock" -f raw -t -e 0 \
                  --cache=writeback "$2";;
        qemu) "$REF" --fork --pid-file "$DIR/$1.pid" -k "$DIR/$1.sock" -f raw -t -e 0 \
                  --cache=writeback "$2";;
        nbdkit) nbdkit -P "$DIR/$1.pid" -U "$DIR/$1.sock" file "$2"
                while [ ! -s "$DIR/$1.pid" ]; do sleep 0.05; done;;
    esac
    PIDS="$PIDS $(cat "$DIR/$1.pid")"
}
stop() {
    _pid=$(cat "$DIR/$1.pid")
    kill "$_pid"
    while kill -0 "$_pid" 2>/dev/null; do sleep 0.05; done
}

# best_of CMD...: the fastest of RUNS runs, in seconds
best_of() {
    best=""
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || { echo "nbd-bench: failed: $*" >&2; exit 1; }
        t1=$(date +%s.%N)
        best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
            'BEGIN { t = b - a; if (best == "" || t < best) best = t; print best }')
        i=$((i + 1))
    done
    printf '%.3f' "$best"
}

uri() { echo "nbd+unix:///?socket=$DIR/$1.sock"; }
for s in ours qemu nbdkit; do
    serve "$s" src.raw
    eval "read_$s=\$(best_of nbdcopy \"\$(uri $s)\" null:)"
    stop "$s"
    cp data.raw "dst-$s.raw"
    serve "$s" "dst-$s.raw"
    eval "write_$s=\$(best_of nbdcopy data.raw \"\$(uri $s)\")"
    stop "$s"
    cmp -s data.raw "dst-$s.raw" || { echo "nbd-bench: $s wrote wrong data" >&2; exit 1; }
    rm -f "dst-$s.raw"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '%-28s %9s %9s %9s %12s %12s\n' "case (${MB} MiB, best of $RUNS)" ours qemu-nbd nbdkit \
    ours/qemu ours/nbdkit
# shellcheck disable=SC2154
printf '%-28s %9s %9s %9s %12s %12s\n' "nbdcopy read (nbd -> null)" "$read_ours" "$read_qemu" \
    "$read_nbdkit" "$(ratio "$read_ours" "$read_qemu")" "$(ratio "$read_ours" "$read_nbdkit")"
# shellcheck disable=SC2154
printf '%-28s %9s %9s %9s %12s %12s\n' "nbdcopy write (file -> nbd)" "$write_ours" \
    "$write_qemu" "$write_nbdkit" "$(ratio "$write_ours" "$write_qemu")" \
    "$(ratio "$write_ours" "$write_nbdkit")"
