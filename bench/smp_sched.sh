#!/usr/bin/env bash
# The SMP scheduler (docs/smp.md): smp.elf --append=bench runs 20 M
# iterations of a two-instruction loop shared out among the vCPUs.
#  - 1 vs 4 vCPUs on the same total work (quantum 1000, the default);
#  - the cost of one scheduler turn (vCPU switch): 4 vCPUs at quantum 10
#    against quantum 100000, (t10 - t100000) / (turns10 - turns100000).
# Prints median wall and CPU (user + system) times over ROUNDS runs, the
# ratios from CPU time (steadier than wall time on a shared machine);
# numbers, not pass/fail.
#   bench/smp_sched.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
build=${1:-build}
rounds=${2:-5}
vmxbox=$build/vmxbox
fw=$build/guest-firmware/smp.elf
[ -x "$vmxbox" ] && [ -f "$fw" ] || { echo "build first: ninja -C $build" >&2; exit 1; }

# run SMP QUANTUM -> "wall_seconds cpu_seconds turns instructions"
run_once() {
	local t0 t1 err cpu tf
	tf=$(mktemp)
	t0=$(date +%s.%N)
	err=$(/usr/bin/time -f '%U %S' -o "$tf" "$vmxbox" run --engine=interp -v \
		--smp="$1" --smp-quantum="$2" --append=bench "$fw" 2>&1 >/dev/null)
	t1=$(date +%s.%N)
	cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$tf")
	rm -f "$tf"
	local turns insns
	turns=$(sed -n 's/.*vCPUs, \([0-9]*\) scheduler turns.*/\1/p' <<<"$err")
	insns=$(sed -n 's/.*engine interp: \([0-9]*\) instructions.*/\1/p' <<<"$err")
	awk -v a="$t0" -v b="$t1" -v c="$cpu" -v t="${turns:-0}" -v i="$insns" \
		'BEGIN { printf "%.6f %s %s %s\n", b - a, c, t, i }'
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A secs cpus turns insns
for ((r = 0; r < rounds; r++)); do
	for cfg in "1 1000" "4 1000" "4 10" "4 100000"; do
		read -r s c t i < <(run_once $cfg)
		secs[$cfg]+="$s"$'\n'
		cpus[$cfg]+="$c"$'\n'
		turns[$cfg]=$t
		insns[$cfg]=$i
	done
done
printf '%-22s %10s %10s %12s %14s\n' config wall_s cpu_s turns instructions
for cfg in "1 1000" "4 1000" "4 10" "4 100000"; do
	printf '%-22s %10s %10s %12s %14s\n' "smp=${cfg% *} quantum=${cfg#* }" \
		"$(printf '%s' "${secs[$cfg]}" | median)" \
		"$(printf '%s' "${cpus[$cfg]}" | median)" "${turns[$cfg]}" "${insns[$cfg]}"
done
t1=$(printf '%s' "${cpus[1 1000]}" | median)
t4=$(printf '%s' "${cpus[4 1000]}" | median)
tq=$(printf '%s' "${cpus[4 10]}" | median)
tb=$(printf '%s' "${cpus[4 100000]}" | median)
awk -v t1="$t1" -v t4="$t4" -v tq="$tq" -v tb="$tb" \
	-v nq="${turns[4 10]}" -v nb="${turns[4 100000]}" 'BEGIN {
	printf "4 vCPUs / 1 vCPU, same work (CPU time): %.2fx\n", t4 / t1
	if (nq > nb)
		printf "cost per scheduler turn (CPU time): %.0f ns\n", (tq - tb) * 1e9 / (nq - nb)
}'
