#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Linux with KVM as L1 (docs/linux.md): boot Debian's kernel on the
# interpreter with tools/mk-linux-initramfs's initramfs, to kvm-hello's L2
# and the power-off, once as vmlinux through PVH and once as the bzImage.
# For each: the guest's time when /init starts ("boot to shell": the
# kernel's timestamp, virtual nanoseconds = instructions plus the halted
# time the clock skips), the instructions at L2's first VM exit (its first
# OUT of "hello from L2"), the instructions to the power-off, and vmxbox's
# CPU and wall time.  Results go to docs/performance.md by hand.
#   bench/linux_boot.sh [BUILD_DIR] [CACHE_DIR]
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
vmxbox=$build/vmxbox
[ -x "$vmxbox" ] || { echo "linux_boot: no $vmxbox (build first)" >&2; exit 1; }
mapfile -t files < <("$src/tools/mk-linux-initramfs" ${2:+"$2"})
vmlinuz=${files[0]} initrd=${files[1]} vmlinux=${files[2]}
append="console=ttyS0 nokaslr panic=-1 idle=halt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The snapshot at L2's first I/O exit holds the instruction count there.
insns_at_l2() {
	"$vmxbox" inspect --json "$1" |
		python3 -c 'import json,sys; print(int(json.load(sys.stdin)["cpus"][0]["insn_count"], 16))'
}

printf '%-8s %10s %14s %14s %8s %8s\n' kernel init-time insns-to-L2 \
	insns-total cpu-s wall-s
for kernel in "$vmlinux" "$vmlinuz"; do
	start=$(date +%s.%N)
	/usr/bin/time -f '%U' -o "$work/cpu" "$vmxbox" run -v --engine=interp \
		--mem=512M --append="$append" --initrd="$initrd" \
		--snapshot="$work/l2.snap" --snapshot-on=vmexit:IO_INSTRUCTION:1 \
		"$kernel" >"$work/out" 2>"$work/err" ||
		{ cat "$work/err" >&2; exit 1; }
	end=$(date +%s.%N)
	grep -q '^kvm-hello: ok' "$work/out" || { tail "$work/out" >&2; exit 1; }
	total=$(sed -n 's/.*engine interp: \([0-9]*\) instructions.*/\1/p' "$work/err")
	init_t=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init.*/\1/p' "$work/out")
	printf '%-8s %10s %14s %14s %8s %8.1f\n' "$(basename "$kernel")" \
		"${init_t}s" "$(insns_at_l2 "$work/l2.snap")" "$total" \
		"$(cat "$work/cpu")" "$(python3 -c "print($end - $start)")"
done
