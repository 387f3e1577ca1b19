#!/bin/sh
# SPDX-License-Identifier: MIT
# Snapshots written by older vmxbox versions still load, inspect and
# restore exactly.  Each data/NAME.cbor was written by the vmxbox of the
# date in its name (see data/README); data/NAME.out is what `vmxbox
# restore` printed then.  A snapshot format change that breaks reading old
# files fails here.
set -u
VMXBOX=${VMXBOX:?VMXBOX must point to the vmxbox executable}
dir=$(dirname "$0")/data
pass=0 fail=0
for snap in "$dir"/*.cbor; do
	name=$(basename "$snap" .cbor)
	out=$(mktemp)
	if ! "$VMXBOX" inspect "$snap" >/dev/null 2>"$out"; then
		echo "FAIL $name: inspect: $(cat "$out")"; fail=$((fail + 1))
	elif ! "$VMXBOX" restore "$snap" >"$out" 2>/dev/null; then
		echo "FAIL $name: restore exited $?"; fail=$((fail + 1))
	elif ! cmp -s "$out" "$dir/$name.out"; then
		echo "FAIL $name: restore output differs:"
		diff "$dir/$name.out" "$out" | head -20; fail=$((fail + 1))
	else
		echo "ok   $name"; pass=$((pass + 1))
	fi
	rm -f "$out"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
