#!/bin/sh
# Build the libFuzzer targets with clang and run each for SECONDS (default 20):
#     scripts/fuzz.sh [SECONDS] [TARGET...]
# Seeds come from tests/fuzz/corpus/<target>/; new inputs go to a scratch corpus
# in build-fuzz/, crashes to build-fuzz/crashes/<target>/. Exits non-zero if any
# target crashes, leaks, times out or fails to build.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
[ $# -gt 0 ] && shift
build=${FUZZ_BUILD_DIR:-$top/build-fuzz}

command -v clang >/dev/null || { echo "fuzz.sh: clang is needed (apt-get install clang)" >&2; exit 1; }
[ -x "$top/configure" ] || (cd "$top" && mkdir -p m4 && autoreconf -fi >/dev/null 2>&1)
mkdir -p "$build"
if [ ! -f "$build/Makefile" ] || [ "$top/configure" -nt "$build/config.status" ]; then
    # Instrument the whole library for coverage, not only the fuzz targets.
    (cd "$build" && "$top/configure" -q --enable-fuzzers --enable-sanitizers \
        CC=clang CFLAGS="-g -O1 -fsanitize=fuzzer-no-link")
fi

# Let make regenerate its Makefile first so the list query prints only the list.
make -s -C "$build" Makefile >/dev/null 2>&1 || true
targets=${*:-$(make -s -C "$build" fuzz-targets | tr ' ' '\n' | grep '^tests/fuzz/')}
[ -n "$targets" ] || { echo "fuzz.sh: no fuzz targets configured" >&2; exit 1; }
status=0
for t in $targets; do
    t=tests/fuzz/${t##*/}
    name=${t##*/}
    if ! make -s -j"$(nproc)" -C "$build" "$t" >"$build/build-$name.log" 2>&1; then
        echo "fuzz.sh: $name: build failed:" >&2
        grep -E 'error|Error' "$build/build-$name.log" | head -n 20 >&2
        status=1
        continue
    fi
    work=$build/fuzz-corpus/$name
    crashes=$build/crashes/$name
    mkdir -p "$work" "$crashes"
    seeds=$top/tests/fuzz/corpus/$name
    [ -d "$seeds" ] || seeds=
    echo "== $name: ${secs}s"
    if ! "$build/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$crashes/" "$work" $seeds \
            >"$build/fuzz-$name.log" 2>&1; then
        echo "fuzz.sh: $name: FAILED (see $build/fuzz-$name.log, inputs in $crashes/)" >&2
        tail -n 30 "$build/fuzz-$name.log" >&2
        status=1
    else
        grep -E '^stat::number_of_executed_units|^Done' "$build/fuzz-$name.log" || true
    fi
done
exit $status
