#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Speed regression guard that does not depend on wall time: host
instructions (valgrind's callgrind, deterministic) the interpreter spends
per guest instruction of the ALU loop and per L2->L1->L2 CPUID round trip
of bench/peers' workload image must stay under a budget with a generous
margin over the measured cost (docs/performance.md), so a change that
doubles the cost per instruction fails the suite.

  host_insn_budget.py VMXBOX WORKLOADS_ELF
"""
import os
import re
import subprocess
import sys
import tempfile

# (workload, n0, n1, budget in host instructions per iteration, what)
# Measured 2026-12-06: ALU loop 100 per guest instruction (x 4 per
# iteration), 87 with lazy flags (347 per iteration), 55 with run-loop
# links and call-free register forms (219 per iteration), 40 with
# straight-line blocks and handlers picked by operand form (161 per
# iteration), 30 with the Jcc after a block run in line and blocks
# chained by its links (121 per iteration; budget ~1.5x).
# CPUID round trip with the 11-instruction handler ~45,000
# before and ~12,800 after VMCS field slots and the occupancy-driven TLB
# drop; VMREAD + VMWRITE loop iteration 1,949 before, ~1,210 after.
# mem64k (7 guest instructions, one load and one store) 671 per iteration
# before the 64-bit-mode memory fast path, 519 after; calls (one quicksort
# of bench/peers) 17.4 M before, 14.4 M after (budgets ~1.5x); with memory
# instructions in block bodies mem64k 431 -> 325, calls 13.07 M -> 10.98 M;
# CALL/RET in line, the body's htlb key once per body: mem64k 297, calls
# 8.71 M; CALL/RET ending blocks in line, PUSH/POP in bodies: calls
# 7.87 M; MOV/MOVSXD/LEA register handlers: 7.32 M; body memory
# handlers for base + disp: 7.00 M (7.12 M after blocks moved to
# dcache_gen, now code_gen); the blocks' htlb key kept between blocks: calls 6.49 M,
# mem64k 272 (budgets ~1.5x).
# The round trip ~11,950 once L1's translations survive it (TLB), ~9,340
# once L2's do too; with the runtime's handler ~40,000; an EPT violation
# mapped on demand (eptfault) ~59,000.  The VMREAD/VMWRITE shortcut
# (x86_intercept_ops.vmrw): vmrw ~1,204 -> ~454, cpuid ~39,800 -> ~36,400.
# SSE loop (7 guest instructions: MOVAPS m, MULPS, ADDPS, PADDD, PSHUFD,
# DEC, JNZ) 1,429 -> ~855 with XMM operands and the gate inline, memory
# operands through the host-pointer TLB and vector instructions running
# with the flags pending.  x87 loop (7 guest instructions: FLD m64, FMULP,
# FLD ST0, FSQRT, FSTP m64, DEC, JNZ) 1,872 -> ~1,490 with memory operands
# through the host-pointer TLB, FDP from the pre-decoded operand and x87
# loads/stores/arithmetic running with the flags pending.
# Blocks kept across VM entries/exits and page-crossing decodes cached:
# cpuid ~34,600 -> ~25,700, cpuid_asm ~6,300 (with the entry helper's).
# 2026-12-07 00:40 (guest-state checks remembered, blocks kept across
# decode-cache moves, L1's host-pointer TLB kept across the round trip):
# cpuid_asm ~5,750, cpuid ~24,700, eptfault ~41,200 (budgets ~1.5x).
# 2026-12-07 01:15 (all of the session): cpuid ~18,350, eptfault ~32,450
# (budgets 28,000 and 48,000, ~1.5x).
CASES = [
    ("alu", 0, 200_000, 180, "ALU loop iteration (4 guest instructions)"),
    ("cpuid_asm", 100, 1_100, 9_000, "CPUID round trip, asm handler"),
    ("cpuid", 100, 600, 28_000, "CPUID round trip, runtime's handler"),
    ("vmrw", 100, 5_100, 1_000, "VMREAD + VMWRITE loop iteration"),
    ("mem64k", 0, 100_000, 420, "memory loop iteration (7 guest instructions)"),
    ("mem64m", 20_000, 60_000, 1_500, "64 MiB memory loop iteration (new page each step)"),
    ("sse", 20_000, 60_000, 1_300, "SSE loop iteration (7 guest instructions)"),
    ("x87", 20_000, 60_000, 2_300, "x87 loop iteration (7 guest instructions)"),
    ("calls", 0, 2, 10_000_000, "quicksort (calls workload)"),
    ("eptfault", 50, 250, 48_000, "EPT violation, page mapped by L1"),
]


# eptfault's region needs RAM beyond 128 MiB (bench/peers/workloads.c).
MEM = {"eptfault": "192M", "mem64m": "160M"}


def host_insns(vmxbox, elf, work, n, tmp):
    out = os.path.join(tmp, f"cg.{work}.{n}")
    argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
            vmxbox, "run", f"--mem={MEM.get(work, '16M')}", "--engine=interp",
            f"--append=w={work} n={n}", elf]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if p.returncode != 0 or f"bench: {work} n={n} check=" not in p.stdout:
        sys.exit(f"FAIL: {work} n={n} under callgrind: status {p.returncode}\n"
                 f"{p.stdout[-400:]}{p.stderr[-800:]}")
    with open(out) as f:
        m = re.search(r"^summary: (\d+)", f.read(), re.M)
    return int(m.group(1))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    vmxbox, elf = sys.argv[1:]
    if subprocess.run(["valgrind", "--version"], capture_output=True).returncode:
        sys.exit("FAIL: valgrind missing (./vmxbox.sh test installs it)")
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for work, n0, n1, budget, what in CASES:
            c0 = host_insns(vmxbox, elf, work, n0, tmp)
            c1 = host_insns(vmxbox, elf, work, n1, tmp)
            per = (c1 - c0) / (n1 - n0)
            ok = 0 < per <= budget
            failed += not ok
            print(f"{'ok' if ok else 'FAIL'}: {what}: {per:,.0f} host "
                  f"instructions (budget {budget:,})")
    print(f"{len(CASES) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
