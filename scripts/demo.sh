#!/bin/sh
# A short demonstration of the main jobs, run with the programs just built in build/.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
img=$top/build/img-tool/qemu-img
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { echo "\$ $*" | sed "s|$top/build/img-tool/||; s|$work/||g"; "$@"; }
cd "$work"
run "$img" create -f qcow2 disk.qcow2 64M
run "$img" dd if=/dev/urandom of=disk.raw bs=1M count=0 2>/dev/null || true
head -c 4M /dev/urandom > data.bin
run "$img" convert -f raw -O qcow2 data.bin data.qcow2
run "$img" info data.qcow2
run "$img" check data.qcow2
run "$img" convert -c -O qcow2 data.qcow2 small.qcow2
run "$img" compare data.bin small.qcow2
run "$img" map --output=json data.qcow2
