#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Mutation testing of the VMX core (src/vmx/*.c).

Each mutant is one single-point change of one line:
  neg      negate an if/while condition          if (x)   -> if (!(x))
  relop    swap a comparison                     ==  <-> !=, <  <-> >=, ...
  logic    swap a logical operator               &&  <-> ||
  const    change an integer constant            0 -> 1, N -> N + 1
  drop     drop a statement (a call, an assignment: skips a VMCS field
           save or load, a state update)          stmt;    -> ;
  ret      flip a boolean return                 return true <-> false

For each mutant the tool patches a scratch copy of the tree (never the
tree it is run from), builds it with ninja (ccache makes that cheap) and
runs the VMX and firmware test suites.  A mutant is "killed" when a test
fails, "survived" when all pass, "stillborn" when it does not compile
(not counted).  Results go to a JSON-lines file, one line per mutant, so a
run can be stopped and resumed, and several runs with different --shard
values can share the machine (each has its own scratch copy).

  tools/vmx-mutate.py list                     # every mutant, one a line
  tools/vmx-mutate.py run --sample 200 --seed 1 --results mut.jsonl
  tools/vmx-mutate.py report --results mut.jsonl
  tools/vmx-mutate.py recheck --results mut.jsonl --work DIR [--id ID]

`recheck` runs the survivors (and the mutants whose suite run timed out)
of a results file again against the tree as
it is now (new tests written since): each is found again by its file,
kind and mutated text (the nearest such line, since lines move), and its
new status replaces the old one in the results file.

Run it niced: `nice -n 10 tools/vmx-mutate.py run ...`.
"""
import argparse
import filecmp
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUITES = ["vmx", "firmware"]
# Generated or documentation-only sources: mutating them proves nothing.
SKIP_FILES = {"vmcs_layout_doc.c"}

RELOPS = [("==", "!="), ("!=", "=="), ("<=", ">"), (">=", "<"),
          (" < ", " >= "), (" > ", " <= ")]
LOGIC = [("&&", "||"), ("||", "&&")]


def code_part(line):
    """The line with string literals and comments (// and /* */ on the
    line) blanked, so that mutations never land inside them."""
    line = re.sub(r'"(\\.|[^"\\])*"', lambda m: " " * len(m.group(0)), line)
    line = re.sub(r"/\*.*?(\*/|$)", lambda m: " " * len(m.group(0)), line)
    i = line.find("//")
    return line if i < 0 else line[:i] + " " * (len(line) - i)


def in_comment_block(lines):
    """Per line: True if the line is inside /* ... */ (or a # line)."""
    out, inside = [], False
    for l in lines:
        s = l.strip()
        if inside:
            out.append(True)
            if "*/" in l:
                inside = False
            continue
        if s.startswith("/*") or s.startswith("*"):
            out.append(True)
            inside = "*/" not in l
            continue
        out.append(s.startswith("#"))
    return out


def mutants_of_line(path, n, line):
    code = code_part(line)
    s = code.strip()
    found = []
    if not s or s.startswith(("case ", "default")):
        return found
    m = re.match(r"(\s*)(if|while) \((.*)\)( \{)?\s*$", code)
    if m and m.group(3).count("(") == m.group(3).count(")"):
        new = (m.group(1) + m.group(2) + " (!(" + m.group(3) + "))" +
               (m.group(4) or "") + "\n")
        found.append(("neg", 0, new))
    for a, b in RELOPS:
        for k, mm in enumerate(re.finditer(re.escape(a), code)):
            i = mm.start()
            if a in ("==", "!=") and code[i - 1:i] in "<>=!":
                continue
            if a in ("<=", ">=") and code[i - 1:i] in "<>":
                continue
            found.append(("relop", len(found),
                          line[:i] + b + line[i + len(a):]))
    for a, b in LOGIC:
        for mm in re.finditer(re.escape(a), code):
            i = mm.start()
            found.append(("logic", len(found),
                          line[:i] + b + line[i + len(a):]))
    for mm in re.finditer(r"(?<![\w.])(0x[0-9a-fA-F]+|\d+)(u|ull|ULL|U)?\b",
                          code):
        if re.match(r"\s*#", line) or "[" in code[:mm.start()][-2:]:
            continue
        v = int(mm.group(1), 0)
        nv = 1 if v == 0 else (0 if v == 1 else v + 1)
        lit = (hex(nv) if mm.group(1).startswith("0x") else str(nv)) + \
            (mm.group(2) or "")
        found.append(("const", len(found),
                      line[:mm.start()] + lit + line[mm.end():]))
    if re.match(r"\s*(return )?(true|false);", code):
        new = line.replace("true", "FALSE_").replace("false", "true") \
                  .replace("FALSE_", "false")
        found.append(("ret", 0, new))
    if (s.endswith(";") and not s.startswith(("return", "static", "const",
                                             "struct", "enum", "unsigned",
                                             "uint", "int ", "bool ",
                                             "break", "continue", "goto",
                                             "}", "char ", "size_t")) and
            ("=" in s or re.match(r"[a-z_][\w>.-]*\(", s)) and
            s.count("(") == s.count(")")):
        indent = line[:len(line) - len(line.lstrip())]
        found.append(("drop", 0, indent + ";\n"))
    return [(path, n, kind, k, new) for kind, k, new in found]


def all_mutants():
    out = []
    vdir = os.path.join(ROOT, "src", "vmx")
    for f in sorted(os.listdir(vdir)):
        if not f.endswith(".c") or f in SKIP_FILES:
            continue
        rel = os.path.join("src", "vmx", f)
        with open(os.path.join(ROOT, rel)) as fh:
            lines = fh.readlines()
        depth = 0
        comment = in_comment_block(lines)
        for n, line in enumerate(lines, 1):
            # Only inside function bodies (brace depth > 0 outside tables).
            if depth > 0 and not comment[n - 1]:
                out += mutants_of_line(rel, n, line)
            if not comment[n - 1]:
                depth += code_part(line).count("{") - \
                    code_part(line).count("}")
    return out


def mutant_id(m):
    path, n, kind, k, new = m
    h = hashlib.sha1(new.encode()).hexdigest()[:8]
    return f"{path}:{n}:{kind}:{k}:{h}"


def scratch_tree(work):
    """A copy of the tree (sources only) with its own build directory."""
    src = os.path.join(work, "src-tree")
    # Brought up to date on every start (a resumed run tests the tree as
    # it is now, new tests included); unchanged files are left alone so
    # that ninja rebuilds only what changed.
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout
    for f in files.decode().split("\0"):
        if not f or not os.path.isfile(os.path.join(ROOT, f)):
            continue
        dst = os.path.join(src, f)
        if os.path.isfile(dst) and filecmp.cmp(os.path.join(ROOT, f), dst,
                                               shallow=False):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        # A new mtime (not copy2's): an older one would not make ninja
        # rebuild what was built from the file before.
        shutil.copy(os.path.join(ROOT, f), dst)
    build = os.path.join(src, "build")
    # A swapped && / || must not die on -Wparentheses: no -Werror in the
    # scratch build (a warning is no test).
    if not os.path.isdir(build):
        subprocess.run(["meson", "setup", build, "-Dwerror=false"], cwd=src,
                       check=True, stdout=subprocess.DEVNULL)
    else:
        subprocess.run(["meson", "configure", build, "-Dwerror=false"],
                       check=True, stdout=subprocess.DEVNULL)
    # Regenerate first: a synced meson.build may have changed the targets.
    subprocess.run(["ninja", "-C", build, "build.ninja"], check=True,
                   stdout=subprocess.DEVNULL)
    targets = suite_targets(build)
    subprocess.run(["ninja", "-C", build] + targets, check=True,
                   stdout=subprocess.DEVNULL)
    return src, build, targets


def suite_targets(build):
    """The build outputs the chosen suites run (test executables, vmxbox,
    firmware images): rebuilding only them keeps a mutant cheap."""
    with open(os.path.join(build, "meson-info", "intro-tests.json")) as fh:
        tests = json.load(fh)
    with open(os.path.join(build, "meson-info", "intro-targets.json")) as fh:
        outputs = {os.path.normpath(f) for t in json.load(fh)
                   for f in t.get("filename", [])}
    out = set()
    for t in tests:
        if not set(t["suite"]) & {"vmxbox:" + s for s in SUITES}:
            continue
        for a in t["cmd"]:
            if not isinstance(a, str):
                continue
            a = os.path.normpath(os.path.join(build, a))
            if a in outputs:
                out.add(os.path.relpath(a, build))
    return sorted(out)


def run_suites(build, timeout):
    """(exit status, names of failed tests) of the chosen suites."""
    cmd = ["meson", "test", "-C", build, "--no-rebuild", "--num-processes",
           "2"]
    for s in SUITES:
        cmd += ["--suite", s]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        # Not a kill: on a loaded machine the unmutated suites can take
        # that long too.  run_one records it as "timeout" (not counted).
        return -1, "timeout"
    failed = re.findall(r"^\s*\d+/\d+ \S+ / (\S+)\s+(?:FAIL|TIMEOUT)",
                        r.stdout, re.M)
    return r.returncode, ",".join(failed[:3])


def run_one(src, build, targets, m, timeout):
    path, n, kind, k, new = m
    target = os.path.join(src, path)
    with open(target) as fh:
        orig = fh.readlines()
    lines = list(orig)
    lines[n - 1] = new
    with open(target, "w") as fh:
        fh.writelines(lines)
    t0 = time.time()
    try:
        b = subprocess.run(["ninja", "-C", build] + targets,
                           capture_output=True)
        if b.returncode:
            return "stillborn", time.time() - t0, ""
        rc, failed = run_suites(build, timeout)
        if rc < 0:
            return "timeout", time.time() - t0, failed
        if rc:
            return "killed", time.time() - t0, failed
        return "survived", time.time() - t0, ""
    finally:
        with open(target, "w") as fh:
            fh.writelines(orig)


def load_results(path):
    done = {}
    if path and os.path.exists(path):
        with open(path) as fh:
            for l in fh:
                if l.strip():
                    r = json.loads(l)
                    done[r["id"]] = r
    return done


def select(args, shard=True):
    ms = all_mutants()
    if args.file:
        ms = [m for m in ms if os.path.basename(m[0]) in args.file]
    if args.sample:
        rnd = random.Random(args.seed)
        ms = rnd.sample(ms, min(args.sample, len(ms)))
    if shard and args.shards > 1:
        ms = [m for i, m in enumerate(ms) if i % args.shards == args.shard]
    return ms


def cmd_list(args):
    for m in select(args):
        print(mutant_id(m), "|", m[4].strip())


def mutant_record(m):
    with open(os.path.join(ROOT, m[0])) as fh:
        orig = fh.readlines()[m[1] - 1]
    return {"id": mutant_id(m), "file": m[0], "line": m[1], "kind": m[2],
            "mutant": m[4].strip(), "orig": orig.strip()}


def planned(args):
    """[(record, mutant of the tree now)] of this run.  The sample is
    saved beside the results file when a run begins (RESULTS.sample) and
    read back on resume, each mutant found again in the tree as it is now
    (lines move; None if its code is gone): a random sample of a tree that
    changed would otherwise be a different sample."""
    path = args.results + ".sample"
    if os.path.exists(path):
        current = all_mutants()
        with open(path) as fh:
            recs = [json.loads(l) for l in fh if l.strip()]
        return [(r, find_again(r, current)) for r in recs]
    ms = select(args, shard=False)
    with open(path, "w") as fh:
        for m in ms:
            fh.write(json.dumps(mutant_record(m)) + "\n")
    return [(mutant_record(m), m) for m in ms]


def cmd_run(args):
    plan = planned(args)
    done = load_results(args.results)
    # Shards split the one saved sample; they may share a results file.
    todo = [(r, m) for i, (r, m) in enumerate(plan)
            if r["id"] not in done and i % args.shards == args.shard]
    work = args.work or os.path.join("/tmp", f"vmx-mutate-{args.shard}")
    os.makedirs(work, exist_ok=True)
    src, build, targets = scratch_tree(work)
    base = subprocess.run(["ninja", "-C", build] + targets,
                          capture_output=True)
    if base.returncode or run_suites(build, args.timeout)[0]:
        sys.exit("vmx-mutate: the unmutated tree does not pass its suites")
    print(f"{len(plan)} mutants, {len(plan) - len(todo)} already done, "
          f"scratch tree {src}", flush=True)
    for i, (r, m) in enumerate(todo, 1):
        if m is None:
            status, secs, why = "gone", 0.0, "mutated code no longer exists"
        else:
            status, secs, why = run_one(src, build, targets, m, args.timeout)
        rec = dict(r, status=status, seconds=round(secs, 1), failed=why)
        if m is not None and m[1] != r["line"]:
            rec["line_now"] = m[1]
        with open(args.results, "a") as fh:
            fh.write(json.dumps(rec) + "\n")
        print(f"[{i}/{len(todo)}] {status:9} {rec['id']} {why}", flush=True)
    return cmd_report(args)


def find_again(rec, current):
    """The mutant of the current tree that a results record describes:
    same file, kind and mutated text, and the same original line when the
    record has it (every dropped statement reads ";"), on the nearest
    line; None if the code it mutated is gone."""
    best = None
    lines = {}
    for m in current:
        if m[0] != rec["file"] or m[2] != rec["kind"] or \
                m[4].strip() != rec["mutant"]:
            continue
        if "orig" in rec:
            if m[0] not in lines:
                with open(os.path.join(ROOT, m[0])) as fh:
                    lines[m[0]] = fh.readlines()
            if lines[m[0]][m[1] - 1].strip() != rec["orig"]:
                continue
        if best is None or abs(m[1] - rec["line"]) < abs(best[1] - rec["line"]):
            best = m
    return best


def cmd_recheck(args):
    done = load_results(args.results)
    surv = [r for r in done.values() if r["status"] in ("survived", "timeout") and
            (not args.id or r["id"] in args.id)]
    current = all_mutants()
    sample = {}
    if os.path.exists(args.results + ".sample"):
        with open(args.results + ".sample") as fh:
            sample = {r["id"]: r for r in map(json.loads, fh) if r}
    work = args.work or os.path.join("/tmp", "vmx-mutate-recheck")
    os.makedirs(work, exist_ok=True)
    src, build, targets = scratch_tree(work)
    for i, r in enumerate(sorted(surv, key=lambda r: r["id"]), 1):
        m = find_again(dict(sample.get(r["id"], {}), **r), current)
        if m is None:
            status, secs, why = "gone", 0.0, "mutated code no longer exists"
        else:
            status, secs, why = run_one(src, build, targets, m, args.timeout)
        rec = dict(r, status=status, seconds=round(secs, 1), failed=why,
                   recheck=time.strftime("%Y-%m-%d"),
                   line_now=m[1] if m else None)
        with open(args.results, "a") as fh:
            fh.write(json.dumps(rec) + "\n")
        print(f"[{i}/{len(surv)}] {status:9} {r['id']} {why}", flush=True)
    return cmd_report(args)


def cmd_report(args):
    res = list(load_results(args.results).values())
    killed = [r for r in res if r["status"] == "killed"]
    surv = [r for r in res if r["status"] == "survived"]
    still = [r for r in res if r["status"] == "stillborn"]
    gone = [r for r in res if r["status"] == "gone"]
    slow = [r for r in res if r["status"] == "timeout"]
    live = len(killed) + len(surv)
    score = 100.0 * len(killed) / live if live else 0.0
    print(f"{len(res)} mutants: {len(killed)} killed, {len(surv)} survived, "
          f"{len(still)} stillborn, {len(gone)} gone, {len(slow)} timed "
          f"out (run again: recheck); score {score:.1f} % "
          f"({len(killed)}/{live})")
    for r in sorted(surv, key=lambda r: (r["file"], r["line"])):
        print(f"SURVIVED {r['file']}:{r['line']} [{r['kind']}] {r['mutant']}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["list", "run", "report", "recheck"])
    ap.add_argument("--results", default="vmx-mutants.jsonl")
    ap.add_argument("--sample", type=int, default=0,
                    help="a random sample of N mutants (0: all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--file", action="append",
                    help="only mutants of this src/vmx file (repeatable)")
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--shard", type=int, default=0)
    ap.add_argument("--work", help="scratch directory (default /tmp/"
                    "vmx-mutate-SHARD)")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--id", action="append",
                    help="recheck: only this survivor (repeatable)")
    args = ap.parse_args()
    return {"list": cmd_list, "run": cmd_run, "report": cmd_report,
            "recheck": cmd_recheck}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
