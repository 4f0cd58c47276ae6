#!/bin/sh
# Configure and build in an out-of-tree directory: scripts/build.sh DIR [configure args].
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1; shift
[ -x "$top/configure" ] || (cd "$top" && mkdir -p m4 && autoreconf -fi >/dev/null 2>&1)
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ] || [ "$top/configure" -nt config.status ]; then
    "$top/configure" -q "$@"
fi
make -s -j"$(nproc)" >/dev/null
