#!/bin/sh
# SPDX-License-Identifier: MIT
# The tagged TLB against --tlb=flush-always: for each nested firmware image
# (and the demo) the TLB hit rate, misses and wall time in both modes, from
# `vmxbox run -v`.  Usage: bench/tlb_modes.sh [BUILD_DIR] [IMAGE...]
set -eu
build=${1:-build}
[ $# -gt 0 ] && shift
images=${*:-"demo vmept vmexit vmentry vmtlb vmevents vmshadow"}
printf '%-10s %-13s %10s %8s %9s %7s\n' image mode hits misses "hit rate" seconds
for img in $images; do
	for mode in exact flush-always; do
		"$build/vmxbox" run -v --engine=interp --tlb="$mode" \
			--append="tlb=$mode" "$build/guest-firmware/$img.elf" \
			2>&1 >/dev/null | awk -v img="$img" -v mode="$mode" '
			/engine interp:/ { secs = $7 }
			/tlb \(/ { hits = $4; misses = $6; rate = $10 }
			END { printf "%-10s %-13s %10s %8s %9s %7s\n", img, mode,
			      hits, misses, rate, secs }'
	done
done
