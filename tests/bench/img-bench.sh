#!/bin/sh
# qemu-img benchmark: our qemu-img against Debian's (/usr/bin/qemu-img) in the
# same run, on a multi-GiB sparse image holding some data. Prints the time of
# each tool per case and the ratio ours/reference (below 1 means we are faster).
#   tests/bench/img-bench.sh [OUR_QEMU_IMG] [REF_QEMU_IMG]
# Environment: BENCH_SIZE (virtual size, default 4G), BENCH_DATA_MB (data written,
# default 256), BENCH_RUNS (runs per case, best is kept, default 3), BENCH_DIR.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
OURS=${1:-$top/build/img-tool/qemu-img}
REF=${2:-/usr/bin/qemu-img}
SIZE=${BENCH_SIZE:-4G}
DATA_MB=${BENCH_DATA_MB:-256}
RUNS=${BENCH_RUNS:-3}
[ -x "$OURS" ] || { echo "img-bench: $OURS is not built" >&2; exit 1; }
# A libtool wrapper script costs a shell start per run: time the real binary.
bindir=$(cd "$(dirname "$OURS")" && pwd)
if [ -x "$bindir/.libs/$(basename "$OURS")" ]; then
    OURS=$bindir/.libs/$(basename "$OURS")
    LD_LIBRARY_PATH=$bindir/../libcore/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
fi
[ -x "$REF" ] || { echo "img-bench: $REF is missing (apt-get install qemu-utils)" >&2; exit 1; }
DIR=$(mktemp -d "${BENCH_DIR:-/var/tmp}/img-bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"

# A sparse image: DATA_MB MiB in 1 MiB extents spread over the whole size, half of
# them random (incompressible), half text-like (compressible).
"$REF" create -q -f raw src.raw "$SIZE"
python3 - src.raw "$DATA_MB" <<'PY'
import os, random, sys
path, mb = sys.argv[1], int(sys.argv[2])
size = os.path.getsize(path)
rnd = random.Random(7)
text = b"".join(b"line %08d: the quick brown fox jumps over the lazy dog\n" % i
                for i in range(20000))[:1 << 20]
slots = size // (1 << 20)
with open(path, "r+b") as f:
    for i, slot in enumerate(sorted(rnd.sample(range(slots), min(mb, slots)))):
        f.seek(slot << 20)
        f.write(os.urandom(1 << 20) if i % 2 else text)
PY
"$REF" convert -O qcow2 src.raw src.qcow2

# best_of CMD...: the fastest of RUNS runs, in seconds
best_of() {
    best=""
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        rm -f out.img
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || { echo "img-bench: failed: $*" >&2; exit 1; }
        t1=$(date +%s.%N)
        best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
            'BEGIN { t = b - a; if (best == "" || t < best) best = t; print best }')
        i=$((i + 1))
    done
    printf '%.3f' "$best"
}

if command -v hyperfine >/dev/null 2>&1; then
    echo "(hyperfine is installed: each case is also run through it below)"
fi
printf '%-34s %10s %10s %8s\n' "case ($SIZE, $DATA_MB MiB data)" "ours (s)" "ref (s)" "ratio"
run_case() {
    name=$1; shift
    ours=$(best_of "$OURS" "$@")
    ref=$(best_of "$REF" "$@")
    printf '%-34s %10s %10s %8.2f\n' "$name" "$ours" "$ref" "$(awk -v a="$ours" -v b="$ref" 'BEGIN { print (b > 0 ? a / b : 0) }')"
    if command -v hyperfine >/dev/null 2>&1; then
        hyperfine -w 1 -r "$RUNS" --prepare 'rm -f out.img' -n ours "$OURS $*" -n ref "$REF $*" \
            2>/dev/null | sed 's/^/    /'
    fi
}
run_case "convert raw -> qcow2" convert -O qcow2 src.raw out.img
run_case "convert qcow2 -> raw" convert -O raw src.qcow2 out.img
run_case "convert -c raw -> qcow2 (zlib)" convert -c -O qcow2 src.raw out.img
run_case "convert -c raw -> qcow2 (zstd)" convert -c -O qcow2 -o compression_type=zstd src.raw out.img
run_case "check qcow2" check src.qcow2
run_case "compare raw vs qcow2" compare src.raw src.qcow2
