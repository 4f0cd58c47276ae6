#!/bin/sh
# Install the Debian 12 packages the build (and, with --tests, the test suite) needs.
set -e
build_pkgs="build-essential autoconf automake libtool pkg-config libglib2.0-dev
 libpixman-1-dev libfdt-dev libcapstone-dev libslirp-dev libgnutls28-dev zlib1g-dev
 libzstd-dev python3"
test_pkgs="qemu-utils clang python3 libnbd-bin nbdkit gnutls-bin
 qemu-user qemu-user-binfmt gcc-riscv64-linux-gnu libc6-dev-riscv64-cross gdb-multiarch"
pkgs=$build_pkgs
[ "$1" = "--tests" ] && pkgs="$pkgs $test_pkgs"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "deps: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
