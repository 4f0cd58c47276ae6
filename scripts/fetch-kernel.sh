#!/bin/sh
# Fetch Debian's amd64 Linux kernel (the package linux-image-amd64 points at)
# for the tests that boot or load it: scripts/fetch-kernel.sh DIR puts it at
# DIR/vmlinuz. The package is downloaded and unpacked, never installed. Without
# a network or apt the tests that need it skip, so a failure here is a warning.
set -u
dir=${1:?usage: fetch-kernel.sh DIR}
[ -s "$dir/vmlinuz" ] && exit 0
mkdir -p "$dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/fetch-kernel.XXXXXX")
trap 'rm -rf "$work"' EXIT
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
if [ -z "$pkg" ] || ! (cd "$work" && apt-get download "$pkg" >/dev/null 2>&1); then
    echo "fetch-kernel.sh: warning: cannot download Debian's kernel package" >&2
    exit 0
fi
dpkg-deb --fsys-tarfile "$work"/*.deb | (cd "$work" && tar -x ./boot) 2>/dev/null
for k in "$work"/boot/vmlinuz-*; do
    [ -f "$k" ] && cp "$k" "$dir/vmlinuz.tmp" && mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
    break
done
[ -s "$dir/vmlinuz" ] || echo "fetch-kernel.sh: warning: no kernel in $pkg" >&2
exit 0
