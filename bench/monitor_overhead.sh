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

run_once() {   # mode -> seconds
	local args=(run --engine=interp)
	case $1 in
	baseline) args+=(--no-vmx-watch) ;;
	trace) args+=(--trace=vmx) ;;
	esac
	local t0 t1
	t0=$(date +%s.%N)
	"$vmxbox" "${args[@]}" "$fw" >/dev/null 2>&1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

declare -A times
for ((i = 0; i < rounds; i++)); do
	for mode in baseline counters trace; do
		times[$mode]+="$(run_once $mode) "
	done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base=$(echo "${times[baseline]}" | median)
printf '%-9s %8s %9s\n' mode median slowdown
for mode in baseline counters trace; do
	m=$(echo "${times[$mode]}" | median)
	printf '%-9s %7.3fs %+8.1f%%\n' "$mode" "$m" \
		"$(awk -v m="$m" -v b="$base" 'BEGIN { print (m / b - 1) * 100 }')"
done
echo "(demo.elf, $rounds rounds each, median wall time; target: counters < +3 %)"
