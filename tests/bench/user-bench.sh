#!/bin/sh
# qemu-riscv64 benchmark: the programs in tests/bench/user (integer, memory,
# floating point, system calls, threads) built for riscv64 (-O2 -static) and
# natively for the host (-O2), each run natively, under Debian's
# qemu-riscv64 and under ours in the same run. Prints the best time of each
# and the ratios ours/Debian (below 1 means we are faster) and ours/native,
# then the start-up cost: a static hello world run 100 times.
#   tests/bench/user-bench.sh [OUR_QEMU_RISCV64]
# Environment: BENCH_RUNS (runs per case, best kept, default 3), BENCH_ONLY
# (space-separated program names), BENCH_TIMEOUT (seconds per run, 300).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
OURS=${1:-$top/build/qemu-riscv64}
REF=/usr/bin/qemu-riscv64
CC=riscv64-linux-gnu-gcc
RUNS=${BENCH_RUNS:-3}
LIMIT=${BENCH_TIMEOUT:-300}
[ -x "$OURS" ] || { echo "user-bench: $OURS is not built" >&2; exit 1; }
# Run the real binary rather than libtool's wrapper script (start-up times).
bindir=$(cd "$(dirname "$OURS")" && pwd)
if [ -x "$bindir/.libs/$(basename "$OURS")" ]; then
    OURS=$bindir/.libs/$(basename "$OURS")
    LD_LIBRARY_PATH=$bindir/libtcg/.libs:$bindir/libcore/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
fi
for t in "$REF" "$CC" gcc timeout; do
    command -v "$t" >/dev/null ||
        { echo "user-bench: $t is missing (apt-get install qemu-user gcc-riscv64-linux-gnu)" >&2; exit 1; }
done
unset QEMU_LD_PREFIX QEMU_STRACE QEMU_LOG QEMU_CPU 2>/dev/null || true
DIR=$(mktemp -d "${TMPDIR:-/tmp}/user-bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT

progs=${BENCH_ONLY:-"int mem fp syscall threads"}
for p in $progs hello; do
    $CC -O2 -static -pthread -o "$DIR/$p.rv" "$top/tests/bench/user/$p.c" -lm
    gcc -O2 -pthread -o "$DIR/$p.native" "$top/tests/bench/user/$p.c" -lm
done
gcc -O2 -static -o "$DIR/hello.native-static" "$top/tests/bench/user/hello.c" 2>/dev/null ||
    cp "$DIR/hello.native" "$DIR/hello.native-static"

# best_of CMD...: the fastest of RUNS runs in seconds, or "failed" when a run
# fails or times out (ours may not run every program yet; the others go on).
best_of() {
    best=""
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        t0=$(date +%s.%N)
        timeout "$LIMIT" "$@" >"$DIR/out" 2>&1 || { echo failed; return 0; }
        t1=$(date +%s.%N)
        best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
            'BEGIN { t = b - a; if (best == "" || t < best) best = t; print best }')
        i=$((i + 1))
    done
    printf '%.3f' "$best"
}

# The start-up case: a shell runs CMD 100 times (best_of needs a program).
# shellcheck disable=SC2016
REPEAT100='n=0; while [ $n -lt 100 ]; do "$@" >/dev/null || exit 1; n=$((n + 1)); done'

ratio() {
    case "$1$2" in *failed*) echo "-";; *) awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }';; esac
}

printf '%-16s %10s %10s %10s %12s %12s\n' program native debian ours ours/debian ours/native
line() {
    printf '%-16s %10s %10s %10s %12s %12s\n' "$1" "$2" "$3" "$4" "$(ratio "$4" "$3")" "$(ratio "$4" "$2")"
}
for p in $progs; do
    n=$(best_of "$DIR/$p.native")
    r=$(best_of "$REF" "$DIR/$p.rv")
    o=$(best_of "$OURS" "$DIR/$p.rv")
    line "$p" "$n" "$r" "$o"
done
n=$(best_of sh -c "$REPEAT100" sh "$DIR/hello.native-static")
r=$(best_of sh -c "$REPEAT100" sh "$REF" "$DIR/hello.rv")
o=$(best_of sh -c "$REPEAT100" sh "$OURS" "$DIR/hello.rv")
line "hello x100" "$n" "$r" "$o"
echo "(seconds, best of $RUNS; ratios below 1 mean ours is faster)"
