#!/bin/sh
# Soak run of the interpreter difftest: at least 1,000,000 random
# instruction sequences compared against Unicorn (tests/difftest/).
#
#   bench/difftest-soak.sh [COUNT] [SEED] [LEN]
#     COUNT  sequences (default 1000000), run in chunks of 100000
#     SEED   first seed (default: derived from the time; printed)
#     LEN    units per sequence (default 32)
#   BUILD_DIR=build (environment) selects the build directory.
#
# Exit status 0 only if every chunk had 0 mismatches.  A mismatch prints
# its seed; rerun it alone with
#   build/tests/difftest/difftest --seed=S --len=LEN --count=1 --verbose
# About 0.3 ms of CPU per sequence at LEN 32 (one core): a million take
# roughly 5 minutes of CPU.
set -eu

cd "$(dirname "$0")/.."
count=${1:-1000000}
seed=${2:-$(( $(date +%s) % 1000000 * 1000000 ))}
len=${3:-32}
exe=${BUILD_DIR:-build}/tests/difftest/difftest
chunk=100000

if [ ! -x "$exe" ]; then
	echo "difftest-soak: $exe missing: meson setup build && ninja -C build" >&2
	exit 2
fi
echo "difftest-soak: $count sequences from seed $seed, len $len"
status=0
done_n=0
while [ "$done_n" -lt "$count" ]; do
	n=$(( count - done_n < chunk ? count - done_n : chunk ))
	"$exe" --count="$n" --seed=$(( seed + done_n )) --len="$len" \
		--summary --max-report=2 || status=1
	done_n=$(( done_n + n ))
done
[ "$status" -eq 0 ] && echo "difftest-soak: PASS ($count sequences)" ||
	echo "difftest-soak: FAIL (see mismatches above)"
exit "$status"
