#!/usr/bin/env bash
# Cost of watching the inner VMs (issue: counters/tracing cheap enough to
# leave on, target < 3 %).  Runs a nested firmware on the interp engine,
# alternating three modes in one session so machine noise hits all alike:
#   baseline  --no-vmx-watch (no VM entry/exit observer at all)
#   counters  default run (per-VMCS counters, the monitor's view)
#   trace     --trace=vmx, every entry/exit formatted to stderr (/dev/null)
# Prints the median wall time of each mode and the slowdown vs baseline.
#   bench/monitor_overhead.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
build=${1:-build}
rounds=${2:-7}
vmxbox=$build/vmxbox
fw=$build/guest-firmware/demo.elf
[ -x "$vmxbox" ] && [ -f "$fw" ] || { echo "build first: ninja -C $build" >&2; exit 1; }

. "$(dirname "$0")/modes.sh"

run_mode() {
	local args=(run --engine=interp)
	case $1 in
	baseline) args+=(--no-vmx-watch) ;;
	trace) args+=(--trace=vmx) ;;
	esac
	"$vmxbox" "${args[@]}" "$fw" >/dev/null 2>&1
}

bench_modes "$rounds" percent baseline counters trace
echo "(demo.elf, $rounds rounds each, median wall time; target: counters < +3 %)"
