#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`vmxbox ctl SOCK vms` names, per VMCS, where a VM entry with it would run
L2 on upstream KVM (docs/kvm.md "L2 offload: placement"): checked on the
real VMCSes of the nested firmware, each parked by --pause-on right after
an exit whose VMCS L1 set up for one control.  `vmxbox run --verbose`
counts the placement at every VM entry, by reason, per VMCS: checked on
whole firmware runs (entry-time state such as event injection, which a
VM exit clears, shows there only).

Usage: offload_vms_test.py VMXBOX SPIN VMEXIT VMNMI VMEPT (.elf paths)"""
import re
import json
import os
import subprocess
import sys
import tempfile
import time

# (image, --pause-on event, offload of the current VMCS there)
CPUID = "interp (CPUID (exits unconditionally))"
CASES = [
    ("spin", "vmexit:CPUID:7", CPUID),           # default controls
    ("vmexit", "vmexit:HLT", CPUID),             # HLT exiting: KVM_EXIT_HLT
    ("vmexit", "vmexit:INVLPG", "interp (INVLPG exiting)"),
    ("vmexit", "vmexit:RDTSC", "interp (RDTSC exiting)"),
    ("vmexit", "vmexit:CR_ACCESS", "interp (CR3-load exiting)"),
    ("vmexit", "vmexit:CR_ACCESS:5", "interp (CR0 guest/host mask 0x8)"),
    ("vmexit", "vmexit:DR_ACCESS", "interp (MOV-DR exiting)"),
    ("vmexit", "vmexit:EXCEPTION_NMI", "interp (exception bitmap: vector 6)"),
]


def offload_at(vmxbox, elf, event, tmp, n):
    # A socket path of its own per run: the last run's socket file may
    # still be there, and a status request to it fails.
    sock = os.path.join(tmp, "mon%d.sock" % n)
    run = subprocess.Popen([vmxbox, "run", "--monitor=" + sock,
                            "--pause-on=" + event, "--timeout=120", elf],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def ctl(*args):
        return json.loads(subprocess.run(
            [vmxbox, "ctl", sock] + list(args) + ["--json"], check=True,
            capture_output=True, text=True).stdout)["result"]

    def state():
        try:
            return ctl("status")["state"]
        except subprocess.CalledProcessError:
            return None     # the socket exists but does not accept yet
    try:
        t0 = time.time()
        while not os.path.exists(sock) and time.time() - t0 < 60:
            time.sleep(0.05)
        while state() != "paused":
            if run.poll() is not None:
                return "exited with status %d before pausing" % run.returncode
            if time.time() - t0 > 100:
                return "never paused"
            time.sleep(0.05)
        cur = [vm for vm in ctl("vms") if vm["current"]]
        subprocess.run([vmxbox, "ctl", sock, "quit"], capture_output=True)
        return cur[0].get("offload", "no offload key") if cur else "no current VMCS"
    finally:
        try:
            run.wait(30)
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait()


# --verbose runs: reasons that must be among the entries' placements.
VERBOSE = [
    ("vmexit", ["INVLPG exiting", "RDTSC exiting", "CR3-load exiting",
                "MOV-DR exiting", "monitor trap flag", "exception bitmap",
                "CR0 guest/host mask", "CPUID (exits unconditionally)"]),
    ("vmnmi", ["virtual NMIs", "event injection at VM entry",
               "CPUID (exits unconditionally)"]),
    ("vmept", ["EPT accessed and dirty flags", "PAE paging with EPT"]),
]
LINE = re.compile(r"L2 offload on upstream KVM: vCPU 0 VMCS 0x[0-9a-f]+: "
                  r"(\d+) VM entries, (\d+) to kvm((?:; interp for [^:]+: \d+)*)$")


def verbose_placements(vmxbox, elf):
    """{reason: count} and the entry count from --verbose; else an error."""
    r = subprocess.run([vmxbox, "run", "--verbose", "--timeout=120", elf],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    lines = [m for m in map(LINE.search, r.stderr.splitlines()) if m]
    if r.returncode != 0 or len(lines) != 1:
        return None, "status %d, %d offload lines: %s" % (
            r.returncode, len(lines), r.stderr[-600:])
    m = lines[0]
    counts = {k: int(v) for k, v in
              re.findall(r"; interp for ([^:]+): (\d+)", m.group(3))}
    counts["kvm"] = int(m.group(2))
    if sum(counts.values()) != int(m.group(1)):
        return None, "placements %s do not add up to %s entries" % (
            counts, m.group(1))
    return counts, ""


def main(vmxbox, spin, vmexit, vmnmi, vmept):
    images = {"vmexit": vmexit, "spin": spin, "vmnmi": vmnmi, "vmept": vmept}
    failed, total = 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for n, (image, event, want) in enumerate(CASES):
            got = offload_at(vmxbox, images[image], event, tmp, n)
            ok = got == want
            failed += not ok
            total += 1
            print("%s %s %s: %s%s" % ("ok  " if ok else "FAIL", image, event,
                                      got, "" if ok else " (want %s)" % want))
    for image, reasons in VERBOSE:
        counts, err = verbose_placements(vmxbox, images[image])
        missing = [r for r in reasons if not counts or not counts.get(r)]
        ok = counts is not None and not missing and counts["kvm"] == 0
        failed += not ok
        total += 1
        print("%s %s --verbose: %s" % ("ok  " if ok else "FAIL", image,
                                       err or ("missing %s in %s" % (missing, counts)
                                               if not ok else counts)))
    print("%d passed, %d failed" % (total - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
