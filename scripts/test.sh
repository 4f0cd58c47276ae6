#!/bin/sh
# The whole test suite: install what it needs, build (normal, then with ASan and
# UBSan), run `make check` in both, check the statically linked user-mode
# emulators, run the fuzz targets briefly, and end with
# "N passed, N failed, N skipped".
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh" --tests
cd "$top"
status=0
# The failing tests' own diagnostics, so a CI log alone tells what broke.
show_failures() {
    for trs in $(grep -lE '^:test-result: (FAIL|ERROR|XPASS)' /dev/null $(find "$1" -name '*.trs')); do
        echo "-- ${trs%.trs}.log"
        grep -E '^(not ok|#)' "${trs%.trs}.log" | grep -vE '^# *(PASS|SKIP)' | head -n 40
    done
}
for variant in build build-sanitize; do
    case $variant in
        build) args="--enable-werror" ;;
        build-sanitize) args="--enable-werror --enable-sanitizers" ;;
    esac
    echo "== $variant"
    "$top/scripts/build.sh" "$top/$variant" $args
    # Debian's kernel for the boot tests (they skip, saying so, without it).
    "$top/scripts/fetch-kernel.sh" "$top/$variant/tests/linux"
    rm -f $(find "$top/$variant" -name '*.trs' 2>/dev/null)
    if ! make -C "$top/$variant" -s -j"$(nproc)" check >"$top/$variant/check.out" 2>&1; then
        status=1
        grep -E '^(FAIL|ERROR|XPASS)' "$top/$variant/check.out" || true
        tail -n 40 "$top/$variant/check.out"
        show_failures "$top/$variant"
    fi
done
# The user-mode emulators linked statically (binfmt_misc's F flag): only they are
# built, then checked through the TAP driver that make check uses.
echo "== build-static"
static=$top/build-static
mkdir -p "$static"
rm -f "$static"/*.trs
if (cd "$static" &&
    { [ -f Makefile ] && [ config.status -nt "$top/configure" ] ||
      "$top/configure" -q --enable-werror --enable-static-user --disable-shared; } &&
    make -s -j"$(nproc)" qemu-riscv64 >build.log 2>&1); then
    for t in user-static user-riscv64; do
        (cd "$static" && top_srcdir=$top top_builddir=$static \
            "$top/build-aux/tap-driver.sh" --test-name "$t" --log-file "$t.log" \
            --trs-file "$t.trs" --color-tests no --enable-hard-errors yes \
            --expect-failure no -- sh "$top/tests/functional/$t.sh" | grep -E '^(FAIL|ERROR)' || true)
    done
    show_failures "$static"
else
    status=1
    tail -n 20 "$static/build.log" 2>/dev/null || true
    echo ":test-result: FAIL" >"$static/build.trs"
fi

# Each libFuzzer target runs briefly on its seeds plus what it finds; one result each.
echo "== fuzz (${FUZZ_SECONDS:-10}s per target)"
fuzz_status=0
"$top/scripts/fuzz.sh" "${FUZZ_SECONDS:-10}" >"$top/fuzz.out" 2>&1 || fuzz_status=1
fuzz_ok=$(grep -c '^stat::number_of_executed_units' "$top/fuzz.out" || true)
fuzz_fail=$(grep -c 'FAILED\|build failed' "$top/fuzz.out" || true)
# A failure before any target ran (no clang, configure error) still counts as one.
[ "$fuzz_status" -ne 0 ] && [ "$fuzz_fail" -eq 0 ] && fuzz_fail=1
[ "$fuzz_status" -ne 0 ] && { status=1; cat "$top/fuzz.out"; }

# Every TAP line counts once; skips are reported, never counted as passes, and an
# expected failure (TAP TODO) is still a failure.
find "$top/build" "$top/build-sanitize" "$top/build-static" -name '*.trs' -exec cat {} + |
    awk -v fp="$fuzz_ok" -v ff="$fuzz_fail" '
         /^:test-result: PASS/ {p++} /^:test-result: (FAIL|XFAIL|XPASS|ERROR)/ {f++}
         /^:test-result: SKIP/ {s++}
         END { p += fp; f += ff
               printf "%d passed, %d failed, %d skipped\n", p, f, s; exit (f > 0) }' || status=1
exit $status
