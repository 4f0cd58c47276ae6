# tests/bench: benchmark scripts (ours against Debian's tools, same run; never in make check).
EXTRA_DIST += tests/bench/img-bench.sh
EXTRA_DIST += tests/bench/nbd-bench.sh
EXTRA_DIST += tests/bench/user-bench.sh tests/bench/user
