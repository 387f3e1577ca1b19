#!/usr/bin/env bash
# The SMP scheduler (docs/smp.md): smp.elf --append=bench runs 20 M
# iterations of a two-instruction loop shared out among the vCPUs.
#  - 1 vs 4 vCPUs on the same total work (quantum 1000, the default);
#  - the cost of one scheduler turn (vCPU switch): 4 vCPUs at quantum 10
#    against quantum 100000, (t10 - t100000) / (turns10 - turns100000).
# Prints median wall times over ROUNDS runs; numbers, not pass/fail.
#   bench/smp_sched.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
build=${1:-build}
rounds=${2:-5}
vmxbox=$build/vmxbox
fw=$build/guest-firmware/smp.elf
[ -x "$vmxbox" ] && [ -f "$fw" ] || { echo "build first: ninja -C $build" >&2; exit 1; }

# run SMP QUANTUM -> "seconds turns instructions"
run_once() {
	local t0 t1 err
	t0=$(date +%s.%N)
	err=$("$vmxbox" run --engine=interp -v --smp="$1" --smp-quantum="$2" \
		--append=bench "$fw" 2>&1 >/dev/null)
	t1=$(date +%s.%N)
	local turns insns
	turns=$(sed -n 's/.*vCPUs, \([0-9]*\) scheduler turns.*/\1/p' <<<"$err")
	insns=$(sed -n 's/.*engine interp: \([0-9]*\) instructions.*/\1/p' <<<"$err")
	awk -v a="$t0" -v b="$t1" -v t="${turns:-0}" -v i="$insns" \
		'BEGIN { printf "%.6f %s %s\n", b - a, t, i }'
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A secs turns insns
for ((r = 0; r < rounds; r++)); do
	for cfg in "1 1000" "4 1000" "4 10" "4 100000"; do
		read -r s t i < <(run_once $cfg)
		secs[$cfg]+="$s"$'\n'
		turns[$cfg]=$t
		insns[$cfg]=$i
	done
done
printf '%-22s %10s %12s %14s\n' config median_s turns instructions
for cfg in "1 1000" "4 1000" "4 10" "4 100000"; do
	m=$(printf '%s' "${secs[$cfg]}" | median)
	printf '%-22s %10s %12s %14s\n' "smp=${cfg% *} quantum=${cfg#* }" "$m" \
		"${turns[$cfg]}" "${insns[$cfg]}"
done
t1=$(printf '%s' "${secs[1 1000]}" | median)
t4=$(printf '%s' "${secs[4 1000]}" | median)
tq=$(printf '%s' "${secs[4 10]}" | median)
tb=$(printf '%s' "${secs[4 100000]}" | median)
awk -v t1="$t1" -v t4="$t4" -v tq="$tq" -v tb="$tb" \
	-v nq="${turns[4 10]}" -v nb="${turns[4 100000]}" 'BEGIN {
	printf "4 vCPUs / 1 vCPU, same work: %.2fx the time\n", t4 / t1
	if (nq > nb)
		printf "cost per scheduler turn: %.1f ns\n", (tq - tb) * 1e9 / (nq - nb)
}'
