#!/bin/sh
# SPDX-License-Identifier: MIT
# The snapshots vmxbox writes match docs/snapshot.cddl, read by our own
# CDDL validator (tests/docs/cddl_validate.py): snapshots of the bundled
# firmware at several points (outside VMX, in VMX root, with an L2
# running, after a triple fault), the older files in data/, and copies
# with one key renamed (a CPU key, a PIC key), which must fail.
set -u
: "${VMXBOX:?}" "${FW_HELLO:?}" "${FW_FAULT:?}" "${FW_VMXDEMO:?}" "${FW_SMPVMX:?}"
src=$(cd "$(dirname "$0")/../.." && pwd)
check="python3 $src/tests/docs/cddl_validate.py $src/docs/snapshot.cddl snapshot"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$VMXBOX run --snapshot="$tmp/hello.cbor" --snapshot-on=exit "$FW_HELLO" >/dev/null
$VMXBOX run --snapshot="$tmp/fault.cbor" --snapshot-on=exit "$FW_FAULT" >/dev/null 2>&1
$VMXBOX run --snapshot="$tmp/demo.cbor" \
	--snapshot-on=insns:20000,vmexit:CPUID:2,vmexit:EPT_VIOLATION,exit \
	"$FW_VMXDEMO" >/dev/null
# Four vCPUs (the "smp" section): APs in wait-for-SIPI, in VMX root and
# non-root operation, halted.
$VMXBOX run --smp=4 --snapshot="$tmp/smp.cbor" \
	--snapshot-on=insns:3000,insns:400000,insns:1200000,exit \
	"$FW_SMPVMX" >/dev/null
# QEMU's pc-testdev (device "pc_testdev") and two pci-testdevs
# ("pci_testdev0", "pci_testdev1").
$VMXBOX run --device=pc-testdev --device=pci-testdev --device=pci-testdev \
	--snapshot="$tmp/testdev.cbor" "$FW_HELLO" >/dev/null
n=$(ls "$tmp"/*.cbor | wc -l)
[ "$n" -ge 11 ] || { echo "only $n snapshots were written"; exit 1; }
$check "$tmp"/*.cbor "$src"/tests/snapshot/data/*.cbor || exit 1

# The validator is not a rubber stamp: a renamed CPU key ("rip" -> "rjp",
# same length, so the CBOR stays well formed) must be reported.
python3 - "$tmp/hello.cbor" "$tmp/bad.cbor" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
key = b"\x63rip"
assert data.count(key) == 1, "expected one rip key"
open(sys.argv[2], "wb").write(data.replace(key, b"\x63rjp"))
PY
if $check "$tmp/bad.cbor" >"$tmp/bad.out"; then
	echo "FAIL: a snapshot with a renamed key passed validation"; exit 1
fi
grep -q "rjp" "$tmp/bad.out" || { echo "FAIL: no reason given"; cat "$tmp/bad.out"; exit 1; }
echo "ok   renamed key rejected: $(head -1 "$tmp/bad.out")"

# Nor for the devices with fixed keys: the PIC's "master" renamed.
python3 - "$tmp/hello.cbor" "$tmp/badpic.cbor" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
key = b"\x66master"
assert data.count(key) == 1, "expected one master key"
open(sys.argv[2], "wb").write(data.replace(key, b"\x66mastex"))
PY
if $check "$tmp/badpic.cbor" >"$tmp/badpic.out"; then
	echo "FAIL: a snapshot with a renamed PIC key passed validation"; exit 1
fi
grep -q "mastex" "$tmp/badpic.out" || { echo "FAIL: no reason given"; cat "$tmp/badpic.out"; exit 1; }
echo "ok   renamed PIC key rejected: $(head -1 "$tmp/badpic.out")"

# Nor for a pci-testdev's keys: "bars" renamed.
python3 - "$tmp/testdev.cbor" "$tmp/badpci.cbor" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
key = b"\x64bars"
assert data.count(key) == 2, "expected two bars keys"
open(sys.argv[2], "wb").write(data.replace(key, b"\x64barz", 1))
PY
if $check "$tmp/badpci.cbor" >"$tmp/badpci.out"; then
	echo "FAIL: a snapshot with a renamed pci-testdev key passed validation"; exit 1
fi
grep -q "barz" "$tmp/badpci.out" || { echo "FAIL: no reason given"; cat "$tmp/badpci.out"; exit 1; }
echo "ok   renamed pci-testdev key rejected: $(head -1 "$tmp/badpci.out")"
