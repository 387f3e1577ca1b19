#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`vmxbox run --vmx-check --trace=vmx --trace-out=FILE` on the buggy L1
guest-firmware/tests/vmcheck.c: each report is also an instant event
"vmx-check: KIND" in the trace, in order, with the VMCS and L1's RIP that
the stderr line names (docs/vmx-check.md, "The trace stream").

Usage: trace_vmx_check_test.py VMXBOX VMCHECK_ELF"""
import json
import os
import re
import subprocess
import sys
import tempfile

KINDS = ["unsupported-field", "vmresume-clear", "used-after-vmclear",
         "vmcs-region-write", "exit-info-undefined"]


def main(vmxbox, elf):
    out = os.path.join(tempfile.mkdtemp(), "trace.json")
    run = subprocess.run([vmxbox, "run", "--vmx-check", "--trace=vmx",
                          "--trace-out=" + out, elf], capture_output=True,
                         text=True, timeout=120)
    if run.returncode != 0:
        print("FAIL: status", run.returncode, run.stderr[-500:])
        return 1
    with open(out) as f:
        events = json.load(f)["traceEvents"]
    checks = [e for e in events if e.get("cat") == "vmx-check"]
    names = [e["name"] for e in checks]
    want = ["vmx-check: " + k for k in KINDS]
    if names != want:
        print("FAIL: trace vmx-check events", names, "expected", want)
        return 1
    # Each stderr line's instruction is the event's rip: the first "at
    # rip", or for a region write the second of the two it names.
    rips = []
    for line in run.stderr.splitlines():
        r = re.findall(r"(?:at rip|and) (0x[0-9a-f]+)", line)
        rips.append(r[-1] if "region" in line else r[0])
    got = [e["args"]["rip"] for e in checks]
    if rips != got or any(e["ph"] != "i" for e in checks):
        print("FAIL: rips", got, "stderr says", rips)
        return 1
    print("ok: %d vmx-check events match the stderr reports" % len(checks))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
