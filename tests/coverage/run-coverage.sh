#!/usr/bin/env bash
# meson test insn_coverage: fetch the binaries (skip, 77, when that is not
# possible) and run the coverage tool on them.   run-coverage.sh TOOL
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t bins < <("$here/fetch-binaries.sh")
if [ ${#bins[@]} -eq 0 ]; then
	echo "SKIP: Debian's kernel and busybox-static could not be fetched (apt-get download)"
	exit 77
fi
exec "$1" -v "${bins[@]}"
