#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Linux-with-KVM-as-L1 boot of bench/linux_boot.sh (docs/linux.md) on
# Bochs 2.7, for the comparison in docs/performance.md.  Bochs has a BIOS
# but no kernel loader, so the bzImage and the initramfs of
# tools/mk-linux-initramfs go onto a FAT disk image with SYSLINUX as its
# boot loader, made without root (mkfs.fat -C, mtools, syslinux --install:
# Debian packages dosfstools, mtools, syslinux, syslinux-common).  Bochs
# runs the Haswell model (VMX with EPT, VPID and unrestricted guest),
# 512 MiB, one CPU, the same kernel command line, until the guest powers
# off or CAP seconds of wall time have passed.  The script prints the wall
# and CPU time at which each milestone appeared on the serial port:
# the kernel's first line, /init ("boot to shell"), kvm_intel loaded,
# kvm-hello's start, "hello from L2", the power-off, and Bochs's tick
# count at the end (instructions plus the idle ticks of HLT).  Run it once, by hand: it is a
# benchmark, not a test (Bochs is slow; the default cap is 30 minutes).
#   bench/linux_boot_bochs.sh [CAP_SECONDS] [CACHE_DIR]
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cap=${1:-1800}
for t in bochs mkfs.fat mcopy syslinux; do
	command -v "$t" >/dev/null ||
		{ echo "linux_boot_bochs: needs $t (apt-get install bochs bochsbios vgabios dosfstools mtools syslinux syslinux-common)" >&2; exit 1; }
done
mapfile -t files < <("$src/tools/mk-linux-initramfs" ${2:+"$2"})
vmlinuz=${files[0]} initrd=${files[1]}
append="console=ttyS0 nokaslr panic=-1 idle=halt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A "superfloppy" FAT disk (no partition table; SYSLINUX's boot sector in
# sector 0), sized to whole cylinders of 16 heads x 63 sectors.
cyl=80
img=$work/disk.img
mkfs.fat -C -n VMXBOX "$img" $((cyl * 16 * 63 / 2)) >/dev/null
cat >"$work/syslinux.cfg" <<CFG
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL vmlinuz
  INITRD initrd
  APPEND $append
CFG
mcopy -i "$img" "$vmlinuz" ::vmlinuz
mcopy -i "$img" "$initrd" ::initrd
mcopy -i "$img" "$work/syslinux.cfg" ::syslinux.cfg
syslinux --install "$img"

serial=$work/serial.txt
: >"$serial"
cat >"$work/bochsrc" <<RC
megs: 512
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=disk, path=$img, mode=flat, cylinders=$cyl, heads=16, spt=63
boot: disk
cpu: model=corei7_haswell_4770, count=1, ips=100000000
clock: sync=none
display_library: rfb, options="timeout=0"
com1: enabled=1, mode=file, dev=$serial
log: $work/bochs.log
RC
echo c >"$work/cmds"

# Debian's Bochs has no headless display: its RFB (VNC) server, which
# nobody connects to (timeout=0: it does not wait for a client), and the
# debugger it starts in gets a "continue" command file.  Its "term"
# display (bench/peers/side_by_side.py, through script for a pty) stalls
# here: at the kernel's microcode line Bochs blocks writing a cursor
# escape sequence to a pty nobody reads.
start=$(date +%s.%N)
timeout "$cap" bochs -q -f "$work/bochsrc" -rc "$work/cmds" </dev/null >"$work/stdout" 2>&1 &
runner=$!

# The bochs process's CPU time so far (user + system, seconds).
bochs_cpu() {
	local pid
	pid=$(pgrep -f "^bochs-bin .*$work/bochsrc" | head -1 || true)
	[ -n "$pid" ] && awk '{ printf "%.1f", ($14 + $15) / 100 }' "/proc/$pid/stat" 2>/dev/null || echo "?"
}

# Bochs's UART sends at its baud rate, so user space's output trails the
# kernel's and kernel lines land inside kvm-hello's ("kvm-hello: L[ 36.5]
# kvm: ...\n2 says: hello fr..."): milestones are also looked for with
# the kernel's timestamped lines taken out.  "init: done" may never come
# out: poweroff -f does not wait for the UART.
marks=("Linux version" "Run /init" "init: kvm_intel loaded" "kvm-hello: api"
       "kvm-hello: L2 says: hello from L2" "reboot: Power down")
seen=()
printf '%-40s %8s %8s\n' milestone wall-s cpu-s
last_cpu="?"
while kill -0 "$runner" 2>/dev/null; do
	c=$(bochs_cpu)
	[ "$c" = "?" ] || last_cpu=$c
	perl -0pe 's/\[ *\d+\.\d+\] [^\n]*\n//g' "$serial" >"$work/user.txt"
	for i in "${!marks[@]}"; do
		[ -n "${seen[$i]:-}" ] && continue
		if grep -qF "${marks[$i]}" "$serial" "$work/user.txt"; then
			seen[$i]=1
			printf '%-40s %8.1f %8s\n' "${marks[$i]}" \
				"$(python3 -c "print($(date +%s.%N) - $start)")" "$last_cpu"
		fi
	done
	sleep 2
done
wait "$runner" || true
printf '%-40s %8.1f %8s\n' "(bochs ended; cap ${cap}s; ticks $(sed -n 's/^0*\([0-9]*\)i\[SIM *\] quit_sim.*/\1/p' "$work/bochs.log"))" \
	"$(python3 -c "print($(date +%s.%N) - $start)")" "$last_cpu"
echo "--- serial (last 40 lines) ---"
tail -40 "$serial"
echo "--- bochs stdout (last 5 lines) ---"
tail -5 "$work/stdout"
echo "--- bochs log (last 15 lines) ---"
tail -15 "$work/bochs.log"
