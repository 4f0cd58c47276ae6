#!/bin/sh
# The whole test suite: install what it needs, build (normal, then with ASan and
# UBSan), run `make check` in both, and end with "N passed, N failed, N skipped".
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh" --tests
cd "$top"
status=0
for variant in build build-sanitize; do
    case $variant in
        build) args="--enable-werror" ;;
        build-sanitize) args="--enable-werror --enable-sanitizers" ;;
    esac
    echo "== $variant"
    "$top/scripts/build.sh" "$top/$variant" $args
    rm -f $(find "$top/$variant" -name '*.trs' 2>/dev/null)
    if ! make -C "$top/$variant" -s -j"$(nproc)" check >"$top/$variant/check.out" 2>&1; then
        status=1
        grep -E '^(FAIL|ERROR|XPASS)' "$top/$variant/check.out" || true
        tail -n 40 "$top/$variant/check.out"
    fi
done
# Every TAP line counts once; skips are reported, never counted as passes.
find "$top/build" "$top/build-sanitize" -name '*.trs' -exec cat {} + |
    awk '/^:test-result: (PASS|XFAIL)/ {p++} /^:test-result: (FAIL|XPASS|ERROR)/ {f++}
         /^:test-result: SKIP/ {s++}
         END { printf "%d passed, %d failed, %d skipped\n", p, f, s; exit (f > 0) }' || status=1
exit $status
