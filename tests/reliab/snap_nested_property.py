#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every state the nested VMX suite reaches can be saved, loads and
restores exactly, through the vmxbox executable.

For each nested test firmware: a plain run gives the reference output,
status and instruction count; a run with --snapshot-on=insns:N at random N
(seeded; SNAP_SEED=... to replay) must behave the same; `vmxbox inspect`
must load each snapshot, and `vmxbox restore` must print exactly the rest
of the output and end with the same status and instruction count.

usage: snap_nested_property.py VMXBOX FIRMWARE.elf... (POINTS=n per image;
RUN_ARGS="--smp=4" adds run options, e.g. a multiprocessor machine;
SNAP_AGAIN=1: a restore of each snapshot but the last, snapshotting at the
next point, must write the same bytes as the run did, or `vmxbox diff`
says where they differ)
"""
import os
import random
import re
import subprocess
import sys
import tempfile

INSNS = re.compile(rb"engine interp: (\d+) instructions")
BYTES_OUT = re.compile(rb"bytes_out=(0x[0-9a-f]+|0)\b")  # %#x prints 0 as "0"


def run(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def insns(err):
    m = INSNS.search(err)
    return int(m.group(1)) if m else None


def check_vmclear_high(vmxbox, hostile, tmp):
    """The issue's case: after VMCLEAR of a page beyond RAM, the snapshot
    taken at the exit loads (inspect) and restores."""
    snap = os.path.join(tmp, "vmclear-high.cbor")
    st, out, err = run([vmxbox, "run", "--engine=interp",
                        "--append=vmclear-high", f"--snapshot={snap}",
                        hostile])
    if st != 0 or b"-> 0" not in out:
        print(f"FAIL vmclear-high: run: status {st}: {out!r} {err!r}")
        return 1
    ist, iout, ierr = run([vmxbox, "inspect", snap])
    if ist != 0 or b"VMCS region" not in iout:
        print(f"FAIL vmclear-high: inspect: {ierr.decode()}")
        return 1
    rst, _, rerr = run([vmxbox, "restore", snap])
    if rst != 0:
        print(f"FAIL vmclear-high: restore: status {rst}: {rerr.decode()}")
        return 1
    print("snap_nested_property: VMCLEAR beyond RAM saves, loads, restores")
    return 0


def snap_again(vmxbox, tmp, path, n, want, what):
    """Restore path, snapshot at n: the bytes of the run's snapshot at n."""
    again = os.path.join(tmp, "again.cbor")
    rst, _, rerr = run([vmxbox, "restore", f"--snapshot={again}",
                        f"--snapshot-on=insns:{n}", path])
    if not os.path.exists(again):
        print(f"FAIL {what}: restore took no snapshot at {n}: status {rst} "
              f"{rerr.decode()[-300:]}")
        return 1
    same = open(again, "rb").read() == open(want, "rb").read()
    if not same:
        _, dout, _ = run([vmxbox, "diff", want, again])
        print(f"FAIL {what}: restored, the snapshot at {n} differs from "
              f"the run's:\n{dout.decode()[:2000]}")
    os.unlink(again)
    return 0 if same else 1


def main():
    vmxbox, images = sys.argv[1], sys.argv[2:]
    hostile = next((i for i in images if i.endswith("hostile.elf")), None)
    images = [i for i in images if i != hostile]
    seed = int(os.environ.get("SNAP_SEED", "20261205"))
    again = os.environ.get("SNAP_AGAIN") == "1"
    points = int(os.environ.get("POINTS", "2"))
    rng = random.Random(seed)
    failures = 0
    checked = 0
    print(f"snap_nested_property: seed {seed}, {points} points per image")
    with tempfile.TemporaryDirectory(prefix="vmxbox-prop-") as tmp:
        for fw in images:
            name = os.path.basename(fw)
            base = [vmxbox, "run", "--engine=interp", "--verbose"] + \
                os.environ.get("RUN_ARGS", "").split()
            st, out, err = run(base + [fw])
            total = insns(err)
            if total is None or total < 10:
                print(f"FAIL {name}: reference run: {err.decode()[-300:]}")
                failures += 1
                continue
            ns = sorted(rng.sample(range(1, total), points))
            snap = os.path.join(tmp, name + ".cbor")
            trig = [f"--snapshot-on=insns:{n}" for n in ns]
            st2, out2, err2 = run(base + [f"--snapshot={snap}"] + trig + [fw])
            if (st2, out2, insns(err2)) != (st, out, total):
                print(f"FAIL {name}: the run taking snapshots at {ns} "
                      f"differs (status {st2}, {insns(err2)} insns)")
                failures += 1
                continue
            for i, n in enumerate(ns, 1):
                # a.cbor -> a.1.cbor, a.2.cbor, ... (docs/snapshot.md)
                stem, ext = os.path.splitext(snap)
                path = f"{stem}.{i}{ext}" if points > 1 else snap
                ist, iout, ierr = run([vmxbox, "inspect", path])
                if ist != 0:
                    print(f"FAIL {name} @{n}: inspect: {ierr.decode()}")
                    failures += 1
                    continue
                m = BYTES_OUT.search(iout)
                done = int(m.group(1), 16) if m else -1
                rst, rout, rerr = run([vmxbox, "restore", "--verbose", path])
                if (rst, out[:done] + rout, insns(rerr)) != (st, out, total):
                    print(f"FAIL {name} @{n}: restore gives status {rst}, "
                          f"{insns(rerr)} insns, output "
                          f"{'same' if out[:done] + rout == out else 'different'}"
                          f" ({rerr.decode()[-300:]})")
                    failures += 1
                    continue
                if again and i < len(ns):
                    failures += snap_again(vmxbox, tmp, path, ns[i],
                                           f"{stem}.{i + 1}{ext}",
                                           f"{name} @{n}")
                checked += 1
        if hostile:
            failures += check_vmclear_high(vmxbox, hostile, tmp)
    print(f"snap_nested_property: {checked} snapshots loaded and restored "
          f"exactly, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
