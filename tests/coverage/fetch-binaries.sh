#!/usr/bin/env bash
# Fetch the binaries of the instruction coverage test into a cache (never
# committed): Debian's kernel (vmlinux extracted from the vmlinuz of the
# package linux-image-amd64 points at) and busybox from busybox-static.
#   tests/coverage/fetch-binaries.sh [CACHE_DIR]
# Prints one path per line; prints nothing (reason on stderr) for what it
# cannot fetch.  Default cache: $VMXBOX_CACHE or ~/.cache/vmxbox.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-${VMXBOX_CACHE:-$HOME/.cache/vmxbox}}

vmlinux=$cache/coverage/vmlinux
if [ ! -s "$vmlinux" ] && vmlinuz=$("$here/../pc/fetch-debian-kernel.sh" "$cache"); then
	mkdir -p "$cache/coverage"
	# The bzImage payload is an xz stream (Debian's CONFIG_KERNEL_XZ).
	python3 - "$vmlinuz" "$vmlinux.tmp" <<'PY' && mv "$vmlinux.tmp" "$vmlinux"
import lzma, sys
data = open(sys.argv[1], 'rb').read()
at = data.find(b'\xfd7zXZ\x00')
if at < 0:
    sys.exit('no xz payload in ' + sys.argv[1])
out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[at:])
if out[:4] != b'\x7fELF':
    sys.exit('the xz payload is not an ELF file')
open(sys.argv[2], 'wb').write(out)
PY
fi
[ -s "$vmlinux" ] && echo "$vmlinux"

busybox=$cache/coverage/busybox
if [ ! -s "$busybox" ] && command -v apt-get >/dev/null; then
	mkdir -p "$cache/coverage"
	tmp=$(mktemp -d "$cache/coverage/tmp.XXXXXX")
	if (cd "$tmp" && apt-get download -q busybox-static >/dev/null 2>&1); then
		dpkg-deb -x "$tmp"/*.deb "$tmp/x" && cp "$tmp/x/bin/busybox" "$busybox"
	else
		echo "apt-get download busybox-static failed" >&2
	fi
	rm -rf "$tmp"
fi
[ -s "$busybox" ] && echo "$busybox"
exit 0
