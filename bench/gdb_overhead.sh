#!/usr/bin/env bash
# Cost of running under gdb with reverse execution (docs/gdb.md, issue 20:
# target <= 1.5x for the interpreter on the ALU loop with default
# settings).  Runs the ALU workload of bench/peers/workloads.elf on the
# interpreter, alternating three modes in one session so machine noise
# hits all alike:
#   plain    vmxbox run
#   gdb      vmxbox run --gdb, gdb attached: target remote + continue
#   reverse  the same with --reverse (checkpoints every
#            --checkpoint-interval instructions while gdb continues)
# Prints the median wall time of each mode (vmxbox start to exit) and the
# slowdown vs plain.
#   bench/gdb_overhead.sh [BUILD_DIR] [ROUNDS] [N]
set -euo pipefail
build=${1:-build}
rounds=${2:-5}
n=${3:-100000000}
vmxbox=$build/vmxbox
fw=$build/bench/workloads.elf
[ -x "$vmxbox" ] && [ -f "$fw" ] || { echo "build first: ninja -C $build" >&2; exit 1; }
command -v gdb >/dev/null || { echo "gdb not installed (Debian: gdb)" >&2; exit 77; }
sock=$(mktemp -u /tmp/vmxbox-gdb-bench.XXXXXX)
trap 'rm -f "$sock"' EXIT

. "$(dirname "$0")/modes.sh"

run_mode() {
	local args=(run --engine=interp "--append=w=alu n=$n") pid
	case $1 in
	plain)
		"$vmxbox" "${args[@]}" "$fw" >/dev/null 2>&1 ;;
	gdb|reverse)
		[ "$1" = reverse ] && args+=(--reverse)
		rm -f "$sock"
		"$vmxbox" "${args[@]}" "--gdb=unix:$sock" --paused "$fw" >/dev/null 2>&1 &
		pid=$!
		while [ ! -S "$sock" ]; do sleep 0.01; done
		gdb -batch -nx -ex "target remote $sock" -ex continue >/dev/null 2>&1
		wait "$pid" || true ;;
	esac
}

bench_modes "$rounds" ratio plain gdb reverse
echo "(workloads.elf w=alu n=$n, $rounds rounds each, median wall time; target: reverse <= 1.5x)"
