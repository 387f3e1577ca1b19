# Sourced by bench/monitor_overhead.sh and bench/gdb_overhead.sh: times
# the caller's `run_mode MODE` (it runs one mode once) in interleaved
# rounds, so machine noise hits every mode alike, and prints each mode's
# median wall time and its slowdown against the first mode.
#   bench_modes ROUNDS percent|ratio MODE...

bench_seconds() {   # mode -> wall seconds of one run_mode
	local t0 t1
	t0=$(date +%s.%N)
	run_mode "$1"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

bench_median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench_modes() {
	local rounds=$1 style=$2 i mode m base
	shift 2
	declare -A times
	for ((i = 0; i < rounds; i++)); do
		for mode in "$@"; do
			times[$mode]+="$(bench_seconds "$mode") "
		done
	done
	base=$(echo "${times[$1]}" | bench_median)
	printf '%-9s %8s %9s\n' mode median slowdown
	for mode in "$@"; do
		m=$(echo "${times[$mode]}" | bench_median)
		if [ "$style" = percent ]; then
			printf '%-9s %7.3fs %+8.1f%%\n' "$mode" "$m" \
				"$(awk -v m="$m" -v b="$base" 'BEGIN { print (m / b - 1) * 100 }')"
		else
			printf '%-9s %7.3fs %8.2fx\n' "$mode" "$m" \
				"$(awk -v m="$m" -v b="$base" 'BEGIN { print m / b }')"
		fi
	done
}
