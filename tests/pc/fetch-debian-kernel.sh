#!/usr/bin/env bash
# Fetch Debian's stock x86-64 kernel (the package linux-image-amd64 points
# at) into a cache, for the Linux boot test (tests/pc).  Never committed.
#   tests/pc/fetch-debian-kernel.sh [CACHE_DIR]
# Prints the vmlinuz path; exits non-zero (with the reason on stderr) when
# it cannot be fetched.  Default cache: $VMXBOX_CACHE or ~/.cache/vmxbox.
set -euo pipefail

cache=${1:-${VMXBOX_CACHE:-$HOME/.cache/vmxbox}}/debian-kernel
out=$cache/vmlinuz
if [ -s "$out" ]; then
	echo "$out"
	exit 0
fi
command -v apt-get >/dev/null || { echo "no apt-get: not a Debian system" >&2; exit 1; }
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# linux-image-amd64 is a metapackage: its dependency holds the kernel.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
      awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$pkg" ] || { echo "apt-cache knows no linux-image-amd64 (run apt-get update)" >&2; exit 1; }
(cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
	{ echo "apt-get download $pkg failed" >&2; exit 1; }
dpkg-deb -x "$tmp"/*.deb "$tmp/x"
# Tests fetching at the same time (pc_debian_kernel, insn_coverage) each
# rename their own complete copy into place.
cp "$tmp"/x/boot/vmlinuz-* "$tmp/vmlinuz"
mv "$tmp/vmlinuz" "$out"
echo "$out"
