#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`vmxbox ctl SOCK vms` names, per VMCS, where a VM entry with it would run
L2 on upstream KVM (docs/kvm.md "L2 offload: placement"): checked on the
real VMCSes of the nested firmware, each parked by --pause-on right after
an exit whose VMCS L1 set up for one control.

Usage: offload_vms_test.py VMXBOX VMEXIT_ELF SPIN_ELF"""
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


def offload_at(vmxbox, elf, event, tmp):
    sock = os.path.join(tmp, "mon.sock")
    run = subprocess.Popen([vmxbox, "run", "--monitor=" + sock,
                            "--pause-on=" + event, "--timeout=120", elf],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def ctl(*args):
        return json.loads(subprocess.run(
            [vmxbox, "ctl", sock] + list(args) + ["--json"], check=True,
            capture_output=True, text=True).stdout)["result"]
    try:
        t0 = time.time()
        while not os.path.exists(sock) and time.time() - t0 < 60:
            time.sleep(0.05)
        while ctl("status")["state"] != "paused":
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


def main(vmxbox, vmexit, spin):
    images = {"vmexit": vmexit, "spin": spin}
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for image, event, want in CASES:
            got = offload_at(vmxbox, images[image], event, tmp)
            ok = got == want
            failed += not ok
            print("%s %s %s: %s%s" % ("ok  " if ok else "FAIL", image, event,
                                      got, "" if ok else " (want %s)" % want))
    print("%d passed, %d failed" % (len(CASES) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
