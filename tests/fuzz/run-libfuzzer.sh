#!/bin/sh
# Build the snapshot-loader fuzz target with clang's libFuzzer + ASan/UBSan
# and run it for a while over a copy of the seed corpus.
#   tests/fuzz/run-libfuzzer.sh [SECONDS=60] [WORKDIR=build/libfuzzer] [BUILDDIR=build]
# The sources are the ones the meson build's gcc snapshot_fuzz links
# from libvmxbox_core (its link map, BUILDDIR/tests/fuzz/snapshot_fuzz.map),
# each found in BUILDDIR/compile_commands.json: nothing listed by hand.
# Exit 0: no crash; 1: libFuzzer found a crash (artifact in WORKDIR);
# 77: clang/libFuzzer not available (meson counts it as skipped).
set -eu
secs=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=${2:-$top/build/libfuzzer}
builddir=${3:-$top/build}
map=$builddir/tests/fuzz/snapshot_fuzz.map
cc=${CLANG:-clang}

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "run-libfuzzer: $cc not found (Debian: clang, libclang-rt-14-dev)"
	exit 77
fi
mkdir -p "$work/gen/snapshot" "$work/corpus"
echo '#define VMXBOX_VERSION "fuzz"' > "$work/gen/snapshot/snap_version.h"

if [ ! -f "$map" ] || [ ! -f "$builddir/compile_commands.json" ]; then
	echo "run-libfuzzer: no $map or compile_commands.json: build $builddir first (ninja -C $builddir)"
	exit 1
fi
src="$top/src"
lib=$(python3 "$here/linked_sources.py" "$map" "$builddir/compile_commands.json") || exit 1
files="$here/snapshot_fuzz.c $lib"

bin="$work/snapshot_fuzz_lf"
# shellcheck disable=SC2086
if ! "$cc" -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$work/gen" -I"$src" $files -lcbor -lpthread -o "$bin" 2>"$work/build.log"; then
	if grep -q 'libclang_rt.fuzzer\|fsanitize=fuzzer' "$work/build.log"; then
		echo "run-libfuzzer: clang has no libFuzzer runtime (Debian: libclang-rt-14-dev)"
		cat "$work/build.log"
		exit 77
	fi
	cat "$work/build.log"
	exit 1
fi
cp "$here/corpus/snapshot/"* "$work/corpus/"
cd "$work"
echo "run-libfuzzer: fuzzing the snapshot loader for ${secs}s"
exec "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 "$work/corpus"
