#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`vmxbox run --trace=vmx --trace-out=FILE`: the file is valid Chrome
trace-event JSON (what the Perfetto UI and chrome://tracing open), with one
track per VMCS, and its L2 runs agree with the monitor's own counters
(`vmxbox ctl SOCK vms`) exit reason by exit reason.

Usage: trace_json_test.py VMXBOX SPIN_ELF"""
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET


def main(vmxbox, spin):
    tmp = tempfile.mkdtemp()
    sock, out = os.path.join(tmp, "mon.sock"), os.path.join(tmp, "trace.json")
    run = subprocess.Popen([vmxbox, "run", "--monitor=" + sock, "--trace=vmx",
                            "--trace-out=" + out, "--timeout=120", spin],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen, t0 = b"", time.time()
    while b"spin: done" not in seen:       # the firmware's own report
        line = run.stdout.readline()
        if not line or time.time() - t0 > 100:
            print("FAIL: spin.elf never finished:", seen[-500:])
            return 1
        seen += line

    def ctl(*args):
        return subprocess.run([vmxbox, "ctl", sock] + list(args), check=True,
                              capture_output=True, text=True).stdout
    ctl("pause")
    vms = json.loads(ctl("vms", "--json"))["result"]
    ctl("quit")
    run.wait(30)
    with open(out) as f:
        trace = json.load(f)

    ev = trace["traceEvents"]
    tracks = {e["tid"]: e["args"]["name"] for e in ev
              if e["ph"] == "M" and e["name"] == "thread_name"}
    runs = collections.Counter()
    for e in ev:
        if e["ph"] != "X" or e["cat"] != "L2":
            continue
        assert e["dur"] >= 0 and e["ts"] >= 0, e
        assert tracks[e["tid"]] == "L2, VMCS " + e["args"]["vmcs"], (e, tracks)
        runs[(int(e["args"]["vmcs"], 16), e["name"])] += 1
    want = collections.Counter()
    for vm in vms:
        for reason, n in vm["exits"].items():
            want[(vm["addr"], reason)] += n
    # The run was stopped in L1, so every L2 run in the file ended in an exit.
    if runs != want:
        print("FAIL: trace %s != ctl vms %s" % (dict(runs), dict(want)))
        return 1
    total = sum(runs.values())
    if total < 3000:
        print("FAIL: only %d L2 runs" % total)
        return 1
    print("ok   %d L2 runs on %d VMCS track(s) match ctl vms" %
          (total, len(tracks) - 1))

    # vmxbox report draws the same counts: one panel per VMCS, a legend
    # entry "REASON (count)" per exit reason, well-formed SVG.
    svg = os.path.join(tmp, "exits.svg")
    subprocess.run([vmxbox, "report", "-o", svg, out], check=True)
    root = ET.parse(svg).getroot()
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for vm in vms:
        if "VMCS 0x%x" % vm["addr"] not in texts:
            print("FAIL: no panel for VMCS 0x%x in %s" % (vm["addr"], texts))
            return 1
    by_reason = collections.Counter()
    for (_, reason), n in runs.items():
        by_reason[reason] += n
    for reason, n in by_reason.items():
        if "%s (%d)" % (reason, n) not in texts:
            print("FAIL: no legend entry %s (%d) in %s" % (reason, n, texts))
            return 1
    bad = subprocess.run([vmxbox, "report", spin], capture_output=True, text=True)
    if bad.returncode != 1 or "JSON at byte 0" not in bad.stderr:
        print("FAIL: report of a non-JSON file:", bad.returncode, bad.stderr)
        return 1
    print("ok   vmxbox report draws %d reasons over %d VMCS panel(s)" %
          (len(by_reason), len(vms)))
    print("2 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
