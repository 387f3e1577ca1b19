#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Data safety of snapshot files.

1. SIGKILL at many points while vmxbox writes a 32 MiB snapshot over an
   existing one: the file at PATH is always the previous snapshot, whole
   (snapshots are deterministic, so old == new bytes), `vmxbox inspect`
   loads it, and nothing but PATH.tmp.XXXXXX leftovers (never taken for a
   snapshot: inspect/restore only ever open PATH) is in the directory.
2. A full file system (a small tmpfs when this runs as root and may mount
   one) and a file size limit (RLIMIT_FSIZE, always): the write fails with
   a clear one-line error, PATH keeps the previous snapshot, no temp file
   is left.

usage: snap_kill.py VMXBOX HOSTILE.elf
"""
import glob
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

KILLS = int(os.environ.get("KILLS", "8"))


def cmd(vmxbox, fw, snap, scenario="fill-ram"):
    return [vmxbox, "run", "--engine=interp", f"--append={scenario}",
            f"--snapshot={snap}", fw]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def temps(snap):
    return glob.glob(glob.escape(snap) + ".tmp.*")


def only_snapshot_and_temps(d, snap):
    names = set(os.listdir(d))
    base = os.path.basename(snap)
    return all(n == base or n.startswith(base + ".tmp.") for n in names)


def write_window(vmxbox, fw, snap):
    """Seconds from the temp file's appearance to its rename."""
    p = subprocess.Popen(cmd(vmxbox, fw, snap), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    t0 = None
    while p.poll() is None:
        if t0 is None and temps(snap):
            t0 = time.monotonic()
        time.sleep(0.0005)
    return (time.monotonic() - t0) if t0 else 0.0


def kill_during_write(vmxbox, fw, d):
    snap = os.path.join(d, "s.cbor")
    st = subprocess.run(cmd(vmxbox, fw, snap), capture_output=True)
    if st.returncode != 0:
        print(f"FAIL: reference run: {st.stderr.decode()}")
        return 1
    old = read(snap)
    window = max(write_window(vmxbox, fw, snap), 0.05)
    if read(snap) != old:
        print("FAIL: snapshots are not deterministic; the test needs that")
        return 1
    failures = mid_write = 0
    for i in range(KILLS):
        p = subprocess.Popen(cmd(vmxbox, fw, snap),
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        while p.poll() is None and not temps(snap):
            time.sleep(0.0002)
        time.sleep(window * (i + 0.5) / KILLS)
        alive = p.poll() is None
        p.send_signal(signal.SIGKILL)
        p.wait()
        left = temps(snap)
        mid_write += alive and bool(left)
        if read(snap) != old:
            print(f"FAIL: kill {i}: {snap} is not the previous snapshot")
            failures += 1
        ins = subprocess.run([vmxbox, "inspect", snap], capture_output=True)
        if ins.returncode != 0:
            print(f"FAIL: kill {i}: inspect: {ins.stderr.decode()}")
            failures += 1
        if not only_snapshot_and_temps(d, snap):
            print(f"FAIL: kill {i}: unexpected files {os.listdir(d)}")
            failures += 1
        for t in left:
            os.unlink(t)
    print(f"snap_kill: {KILLS} SIGKILLs ({mid_write} in the middle of the "
          f"write, window {window * 1000:.0f} ms): previous snapshot intact")
    if mid_write < KILLS // 3:
        print("FAIL: too few kills landed inside the write")
        failures += 1
    return failures


def full_disk(vmxbox, fw, d, what, preexec=None):
    """A failing write keeps the previous (small) snapshot, says why."""
    snap = os.path.join(d, "s.cbor")
    st = subprocess.run(cmd(vmxbox, fw, snap, "vmclear-high"),
                        capture_output=True)
    if st.returncode != 0:
        print(f"FAIL: {what}: small snapshot: {st.stderr.decode()}")
        return 1
    old = read(snap)
    st = subprocess.run(cmd(vmxbox, fw, snap), capture_output=True,
                        preexec_fn=preexec)
    err = st.stderr.decode()
    lines = [l for l in err.splitlines() if "snapshot" in l]
    failures = 0
    if len(lines) != 1 or "failed" not in lines[0] or not (
            "No space left" in lines[0] or "File too large" in lines[0]):
        print(f"FAIL: {what}: no clear error: {err!r} (status {st.returncode})")
        failures += 1
    if read(snap) != old:
        print(f"FAIL: {what}: the previous snapshot changed")
        failures += 1
    if temps(snap):
        print(f"FAIL: {what}: temp file left: {temps(snap)}")
        failures += 1
    if not failures:
        print(f"snap_kill: {what}: '{lines[0]}', previous snapshot intact")
    return failures


def limit_fsize():
    resource.setrlimit(resource.RLIMIT_FSIZE, (4 << 20, 4 << 20))


def main():
    vmxbox, fw = sys.argv[1], sys.argv[2]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="vmxbox-kill-") as d:
        failures += kill_during_write(vmxbox, fw, d)
    with tempfile.TemporaryDirectory(prefix="vmxbox-fsize-") as d:
        failures += full_disk(vmxbox, fw, d, "RLIMIT_FSIZE 4 MiB",
                              limit_fsize)
    mnt = tempfile.mkdtemp(prefix="vmxbox-tmpfs-")
    try:
        m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs",
                            mnt], capture_output=True) if os.geteuid() == 0 \
            else None
        if m is not None and m.returncode == 0:
            try:
                failures += full_disk(vmxbox, fw, mnt, "8 MiB tmpfs full")
            finally:
                subprocess.run(["umount", mnt])
        else:
            print("snap_kill: cannot mount a tmpfs here (not root); "
                  "RLIMIT_FSIZE stood in for a full disk")
    finally:
        shutil.rmtree(mnt, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
