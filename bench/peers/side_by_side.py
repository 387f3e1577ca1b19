#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Side-by-side benchmark: the same guest workloads on vmxbox, Bochs 2.7 and
QEMU TCG (bench/peers/README.md, docs/performance.md).

Each workload runs at two iteration counts; the cost of one iteration is
(time(n1) - time(n0)) / (n1 - n0), so boot and set-up cancel out.  CPU time
(user + sys of the emulator process and its children) is the main figure,
wall time is reported next to it.  Emulators are interleaved and each
measurement is repeated; the table shows medians and the spread.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# name, n0, n1 (quick: divide n1 by 4), unit, needs VMX, what it is
WORKLOADS = [
    ("alu", 1_000, 50_000_000, "mips", False, "ALU loop: add/xor/dec/jnz"),
    ("mem64k", 1_000, 20_000_000, "mips", False,
     "memory loop over 64 KiB: 1 load + 1 store per 7 insns"),
    ("mem64m", 1_000, 10_000_000, "mips", False,
     "memory loop over 64 MiB, a new 4 KiB page per step"),
    ("calls", 1, 200, "mips", False, "compiled C: recursive quicksort, 1024 keys"),
    ("sse", 1_000, 10_000_000, "mips", False, "SSE loop: MOVAPS/MULPS/ADDPS/PADDD/PSHUFD"),
    ("x87", 1_000, 5_000_000, "mips", False, "x87 loop: FLD/FMULP/FSQRT/FSTP"),
    ("l2alu", 1_000, 50_000_000, "mips", True, "the ALU loop in an L2 under EPT"),
    ("cpuid", 100, 100_000, "us", True,
     "L2->L1->L2 CPUID round trip, runtime's vmx_vm_run handler"),
    ("cpuid_asm", 100, 200_000, "us", True,
     "L2->L1->L2 CPUID round trip, 11-instruction asm handler"),
    ("vmrw", 100, 2_000_000, "mips", True, "VMREAD + VMWRITE loop in L1"),
    ("eptfault", 100, 10_000, "us", True,
     "EPT violation per page, L1 maps it on demand"),
    ("demo", 0, 0, "s", True, "the bundled demo, boot to exit (null boot subtracted)"),
]

BOCHSRC = """megs: {megs}
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
floppya: 1_44={img}, status=inserted
boot: floppy
cpu: model=corei7_haswell_4770, count=1, ips=100000000
clock: sync=none
display_library: term
com1: enabled=1, mode=file, dev={serial}
log: {log}
"""


class Failure(Exception):
    pass


def cpu_run(argv, timeout):
    """Run argv; return (output, wall seconds, exit status)."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise Failure(f"{argv[0]} timed out after {timeout} s")
    return out.decode(errors="replace"), time.monotonic() - t0, p.returncode


class Emulator:
    name = "?"

    def __init__(self, args, tmp):
        self.args, self.tmp = args, tmp

    def measure(self, argv, serial=None, timeout=600):
        before = os.times()
        out, wall, rc = cpu_run(argv, timeout)
        after = os.times()
        cpu = (after.children_user - before.children_user +
               after.children_system - before.children_system)
        if serial:
            with open(serial, errors="replace") as f:
                out = f.read()
        return cpu, wall, rc, out


class Vmxbox(Emulator):
    def __init__(self, args, tmp, engine):
        super().__init__(args, tmp)
        self.engine = engine
        self.name = "vmxbox" if engine == "interp" else "vmxbox-" + engine

    def run(self, elf, cmdline):
        argv = [self.args.vmxbox, "run", f"--engine={self.engine}", "-v",
                f"--mem={self.args.mem}M", f"--append={cmdline}", elf]
        cpu, wall, rc, out = self.measure(argv)
        insns = None
        for line in out.splitlines():
            if " instructions in " in line:
                insns = int(line.split(":")[-1].split()[0])
        return cpu, wall, out, insns


class Floppy(Emulator):
    def image(self, elf, cmdline, shutdown_port):
        img = os.path.join(self.tmp, f"{self.name}.img")
        cmd = [sys.executable, os.path.join(HERE, "mkfloppy.py"),
               "--boot", self.args.boot, "--elf", elf, "--out", img,
               "--mem", str(self.args.mem), "--append", cmdline]
        if shutdown_port:
            cmd.append("--shutdown-port")
        subprocess.run(cmd, check=True)
        return img


class Bochs(Floppy):
    name = "bochs"

    def run(self, elf, cmdline):
        img = self.image(elf, cmdline, True)
        serial = os.path.join(self.tmp, "bochs-serial.txt")
        rc_file = os.path.join(self.tmp, "bochsrc")
        cmds = os.path.join(self.tmp, "bochs.cmds")
        with open(rc_file, "w") as f:
            f.write(BOCHSRC.format(megs=self.args.mem, img=img, serial=serial,
                                   log=os.path.join(self.tmp, "bochs.log")))
        with open(cmds, "w") as f:
            f.write("c\n")
        open(serial, "w").close()
        # Debian's Bochs has no headless display and stops in its debugger:
        # a pseudo-terminal (script) and a "continue" command file.
        argv = ["script", "-qec", f"bochs -q -f {rc_file} -rc {cmds}",
                "/dev/null"]
        cpu, wall, _, out = self.measure(argv, serial)
        return cpu, wall, out, None


class Qemu(Floppy):
    name = "qemu"

    def run(self, elf, cmdline):
        img = self.image(elf, cmdline, False)
        serial = os.path.join(self.tmp, "qemu-serial.txt")
        argv = ["qemu-system-x86_64", "-display", "none", "-nodefaults",
                "-machine", "pc,accel=tcg", "-cpu", "max",
                "-m", str(self.args.mem),
                "-drive", f"if=floppy,format=raw,file={img}", "-boot", "a",
                "-serial", f"file:{serial}",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
        cpu, wall, _, out = self.measure(argv, serial)
        return cpu, wall, out, None


def check_line(out, work, n):
    want = f"bench: {work} n={n} check="
    for line in out.splitlines():
        if line.startswith(want):
            return line[len(want):].strip()
    if work == "demo" and "demo passed" in out:
        return "ok"
    raise Failure(f"no '{want}' line in the output:\n{out[-600:]}")


def measure_workload(emus, wl, args, results, check_values):
    name, n0, n1, unit, vmx, _ = wl
    if args.quick and n1 > 1:
        n1 = max(n0 + 1, n1 // 4)
    for emu in emus:
        if vmx and emu.name == "qemu":
            continue
        if vmx and emu.name.startswith("vmxbox-kvm"):
            continue
        samples = results.setdefault(name, {}).setdefault(emu.name, [])
        if name == "demo":
            pairs = [(args.demo, "", "demo"), (args.elf, "w=null n=0", "null")]
        else:
            pairs = [(args.elf, f"w={name} n={n}", n) for n in (n0, n1)]
        got = []
        for elf, cmdline, n in pairs:
            cpu, wall, out, insns = emu.run(elf, cmdline)
            if n == "demo":
                value = check_line(out, "demo", 0)
            elif n == "null":
                value = check_line(out, "null", 0)
            else:
                value = check_line(out, name, n)
            check_values.setdefault((name, n), {})[emu.name] = value
            got.append((cpu, wall, insns))
        (c0, w0, i0), (c1, w1, i1) = got
        if name == "demo":
            samples.append({"cpu": c0 - c1, "wall": w0 - w1, "per": 1})
        else:
            per = n1 - n0
            samples.append({"cpu": (c1 - c0) / per, "wall": (w1 - w0) / per,
                            "per": per,
                            "insns": (i1 - i0) / per if i1 and i0 else None})


def summarise(results, emus):
    rows = []
    for wl in WORKLOADS:
        name, unit = wl[0], wl[3]
        if name not in results:
            continue
        row = {"workload": name, "unit": unit, "what": wl[5], "emulators": {}}
        insns = None
        for s in results[name].get("vmxbox", []):
            insns = s.get("insns") or insns
        row["guest_insns_per_iter"] = insns
        for emu in emus:
            ss = results[name].get(emu.name)
            if not ss:
                continue
            cpu = statistics.median(s["cpu"] for s in ss)
            wall = statistics.median(s["wall"] for s in ss)
            spread = (max(s["cpu"] for s in ss) - min(s["cpu"] for s in ss))
            e = {"cpu_s_per_iter": cpu, "wall_s_per_iter": wall,
                 "spread": spread / cpu if cpu > 0 else None,
                 "samples": len(ss)}
            if unit == "mips" and insns and cpu > 0:
                e["mips"] = insns / cpu / 1e6
            elif unit == "us":
                e["us"] = cpu * 1e6
            else:
                e["s"] = cpu
            row["emulators"][emu.name] = e
        rows.append(row)
    return rows


def figure(e, unit):
    if unit == "mips":
        return f"{e['mips']:,.0f} MIPS" if "mips" in e else "-"
    if unit == "us":
        return f"{e['us']:,.2f} us"
    return f"{e['s']:.3f} s"


def print_table(rows, emus):
    names = [e.name for e in emus]
    head = ["workload"] + names + ["vmxbox speed / Bochs", "spread"]
    print(" | ".join(head))
    print("|".join("---" for _ in head))
    for r in rows:
        cells = [r["workload"]]
        for n in names:
            e = r["emulators"].get(n)
            cells.append(figure(e, r["unit"]) if e else "n/a")
        v, b = r["emulators"].get("vmxbox"), r["emulators"].get("bochs")
        if v and b and v["cpu_s_per_iter"] > 0:
            r["speedup_vs_bochs"] = b["cpu_s_per_iter"] / v["cpu_s_per_iter"]
            cells.append(f"{r['speedup_vs_bochs']:.2f}")
        else:
            cells.append("-")
        sp = [e["spread"] for e in r["emulators"].values() if e.get("spread")]
        cells.append(f"{max(sp) * 100:.0f} %" if sp else "-")
        print(" | ".join(cells))


def chart(rows, out_base):
    gp = shutil.which("gnuplot")
    if not gp:
        print("(gnuplot not installed: no chart)")
        return []
    data = out_base + ".dat"
    points = [r for r in rows if "speedup_vs_bochs" in r]
    if not points:
        return []
    with open(data, "w") as f:
        for r in points:
            f.write(f"{r['workload']} {r['speedup_vs_bochs']:.3f}\n")
    outs = []
    for term, ext in (("pngcairo size 900,450", "png"), ("svg size 900,450", "svg")):
        path = f"{out_base}.{ext}"
        script = f"""set terminal {term}
set output '{path}'
set title 'vmxbox speed relative to Bochs 2.7 (CPU time, same guest code; > 1 = vmxbox faster)'
set termoption noenhanced
set style fill solid 0.6
set boxwidth 0.6
set yrange [0:*]
set grid ytics
set xtics rotate by -30
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
set arrow from graph 0, first 3 to graph 1, first 3 nohead dt 3 lc rgb 'dark-green'
plot '{data}' using 0:2:xtic(1) with boxes notitle
"""
        p = subprocess.run([gp], input=script.encode(), capture_output=True)
        if p.returncode:
            print(f"(gnuplot failed: {p.stderr.decode().strip()})")
            return outs
        outs.append(path)
    return outs


def replot(path):
    with open(path) as f:
        report = json.load(f)

    class Named:
        def __init__(self, name):
            self.name = name

    emus = [Named(n) for n in report["emulators"]]
    print_table(report["workloads"], emus)
    print(f"\n{report['date']}, load average "
          f"{report['load_average']['start'][0]:.1f} -> "
          f"{report['load_average']['end'][0]:.1f}")
    for p in chart(report["workloads"], os.path.splitext(path)[0]):
        print(f"chart: {p}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build", help="meson build directory")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true",
                    help="a quarter of the iterations (rougher numbers)")
    ap.add_argument("--only", help="comma-separated workloads")
    ap.add_argument("--emulators", default="vmxbox,vmxbox-kvm,bochs,qemu")
    ap.add_argument("--mem", type=int, default=256, help="guest MiB")
    ap.add_argument("--out", help="JSON path (default BUILD/bench/side_by_side.json)")
    ap.add_argument("--replot", metavar="JSON",
                    help="print the table and draw the chart of an earlier run")
    a = ap.parse_args()
    if a.replot:
        replot(a.replot)
        return
    a.vmxbox = os.path.join(a.build, "vmxbox")
    a.elf = os.path.join(a.build, "bench", "workloads.elf")
    a.boot = os.path.join(a.build, "bench", "floppy_boot.bin")
    a.demo = os.path.join(a.build, "guest-firmware", "demo.elf")
    a.out = a.out or os.path.join(a.build, "bench", "side_by_side.json")
    for p in (a.vmxbox, a.elf, a.boot, a.demo):
        if not os.path.exists(p):
            sys.exit(f"side_by_side: {p} missing: build first (ninja -C {a.build})")

    wanted = a.emulators.split(",")
    tmp = tempfile.mkdtemp(prefix="vmxbox-bench-")
    emus = []
    if "vmxbox" in wanted:
        emus.append(Vmxbox(a, tmp, "interp"))
    if "vmxbox-kvm" in wanted and os.access("/dev/kvm", os.R_OK | os.W_OK):
        kvm = Vmxbox(a, tmp, "kvm")
        try:
            check_line(kvm.run(a.elf, "w=null n=0")[2], "null", 0)
            emus.append(kvm)
        except Failure as e:
            print(f"(vmxbox --engine=kvm not usable here: {str(e).splitlines()[0]})")
    for cls, tool in ((Bochs, "bochs"), (Qemu, "qemu-system-x86_64")):
        if cls.name in wanted:
            if shutil.which(tool):
                emus.append(cls(a, tmp))
            else:
                print(f"({tool} not installed: no {cls.name} column)")
    only = a.only.split(",") if a.only else None
    wls = [w for w in WORKLOADS if not only or w[0] in only]

    load0 = os.getloadavg()
    results, checks = {}, {}
    t0 = time.monotonic()
    try:
        for rep in range(a.reps):
            for wl in wls:
                print(f"[rep {rep + 1}/{a.reps}] {wl[0]}", file=sys.stderr)
                measure_workload(emus, wl, a, results, checks)
    except Failure as e:
        sys.exit(f"side_by_side: {e}")
    mismatches = {f"{k[0]} n={k[1]}": v for k, v in checks.items()
                  if len(set(v.values())) > 1}
    rows = summarise(results, emus)
    print()
    print_table(rows, emus)
    load1 = os.getloadavg()
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "host": os.uname().nodename, "cpus": os.cpu_count(),
        "load_average": {"start": load0, "end": load1},
        "reps": a.reps, "quick": a.quick, "seconds": time.monotonic() - t0,
        "emulators": [e.name for e in emus], "workloads": rows,
        "result_mismatches": mismatches,
    }
    with open(a.out, "w") as f:
        json.dump(report, f, indent=1)
    print(f"\nload average {load0[0]:.1f} -> {load1[0]:.1f}; "
          f"{time.monotonic() - t0:.0f} s; JSON: {a.out}")
    for p in chart(rows, os.path.splitext(a.out)[0]):
        print(f"chart: {p}")
    if mismatches:
        print(f"RESULT MISMATCH between emulators: {mismatches}")
        sys.exit(1)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
