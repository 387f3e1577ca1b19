#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check docs/vmx-coverage.md: every row that says a rule is supported names
at least one test, and every test it names exists.

  executable:test   a check test: START_TEST(test) in a file under tests/
                    (a bare `test` after one in the same cell keeps the
                    executable of the one before)
  executable        a whole test executable listed under "Test executables"
  fw_image (what)   a nested firmware test: tests/firmware/expected/image.txt
                    exists and, for each ';'-separated item of `what` (a
                    section "# name" or the start of a test line; text after
                    ':' is commentary), one of its lines starts with it
Rows whose cells say "no" are skipped.

End to end: every supported row must also name a firmware test (fw_...):
a guest doing the real thing on the interpreter (issue 14).  A rule no
guest can reach is "no", with the reason.

With BUILD_DIR (meson's introspection, meson-info/) the executable is
checked too: `executable` must be a registered test, and for
`executable:test` START_TEST(test) must be in one of that test
executable's own source files (not just anywhere under tests/); `fw_image`
must be the registered test fw_image.

Usage: check_coverage.py [--list-missing] COVERAGE.md TESTS_DIR [BUILD_DIR]
       check_coverage.py --self-test TESTS_DIR
--list-missing prints each supported row that names no firmware test.
Prints one line per problem and "N passed, N failed" (rows).
"""
import json
import os
import re
import sys

REF = re.compile(r"`?\b([a-z][a-z0-9_]*):([a-z_][a-z0-9_]*)\b`?")
FW = re.compile(r"\bfw_([a-z0-9_]+)\b(?:\s*\(([^)]*)\))?")


def known_tests(tests_dir):
    names = set()
    for root, _, files in os.walk(tests_dir):
        for f in files:
            if f.endswith(".c"):
                with open(os.path.join(root, f), errors="replace") as fh:
                    names.update(re.findall(r"START_TEST\((\w+)\)", fh.read()))
    return names


def test_sources(build_dir):
    """{registered test name: set of START_TEST names in its sources}."""
    info = os.path.join(build_dir, "meson-info")
    with open(os.path.join(info, "intro-tests.json")) as fh:
        tests = json.load(fh)
    with open(os.path.join(info, "intro-targets.json")) as fh:
        targets = json.load(fh)
    by_file = {}
    for t in targets:
        srcs = [f for ts in t.get("target_sources", [])
                for f in ts.get("sources", []) if f.endswith(".c")]
        for f in t.get("filename", []):
            by_file[f] = srcs
    out = {}
    for t in tests:
        names = set()
        for src in by_file.get(t["cmd"][0], []):
            with open(src, errors="replace") as fh:
                names.update(re.findall(r"START_TEST\((\w+)\)", fh.read()))
        out[t["name"]] = names
    return out


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def fw_items_ok(expected, what):
    """Problems for the items named in a firmware reference."""
    with open(expected) as fh:
        lines = [re.sub(r"^(ok|#)\s+", "", l.strip()).lower()
                 for l in fh if l.strip()]
    problems = []
    for item in what.split(";"):
        # "# name" is a section; "#ac ..." is a line starting with "#ac".
        item = re.sub(r"^#\s+", "", item.strip())
        item = item.split(":")[0].strip().strip('"')
        if item and not any(l.startswith(item.lower()) for l in lines):
            problems.append(f"{os.path.basename(expected)} has no '{item}'")
    return problems


def check_cell(cell, tests, exes, tests_dir, registered=None):
    """(references found, problems) for one Test cell.  registered: the
    {test: START_TEST names} of the build, or None to skip those checks."""
    found, problems, exe = 0, [], None
    for fm in FW.finditer(cell):
        found += 1
        exp = os.path.join(tests_dir, "firmware", "expected",
                           fm.group(1) + ".txt")
        if not os.path.exists(exp):
            problems.append(f"no firmware test fw_{fm.group(1)}")
        elif fm.group(2):
            problems += fw_items_ok(exp, fm.group(2))
        if registered is not None and "fw_" + fm.group(1) not in registered:
            problems.append(f"fw_{fm.group(1)} is not a registered test")
    cell = FW.sub("", cell)
    for part in re.split(r"[;,]", cell):
        part = part.strip().strip("`")
        m = REF.search(part)
        if m:
            exe = m.group(1)
            name = m.group(2)
        elif re.fullmatch(r"[a-z_][a-z0-9_]*(\s*\(.*\))?", part):
            name = part.split()[0].split("(")[0]
            if name in exes:
                found += 1
                if registered is not None and name not in registered:
                    problems.append(f"{name} is not a registered test")
                continue
            if exe is None:
                continue
        else:
            continue
        found += 1
        if name not in tests:
            problems.append(f"no START_TEST({name})")
        elif registered is not None:
            if exe not in registered:
                problems.append(f"{exe} is not a registered test")
            elif name not in registered[exe]:
                problems.append(f"START_TEST({name}) is not in {exe}")
    return found, problems


def listed_executables(lines):
    """The names of the "Test executables:" list (- `name` - ...)."""
    return set(re.findall(r"^- `([a-z0-9_]+)`", "".join(lines), re.M))


def main(doc, tests_dir, build_dir=None, list_missing=False):
    tests = known_tests(tests_dir)
    registered = test_sources(build_dir) if build_dir else None
    passed = failed = e2e = 0
    header = None
    with open(doc) as fh:
        lines = fh.readlines()
    exes = listed_executables(lines)
    for n, line in enumerate(lines, 1):
        if not line.startswith("|"):
            header = None
            continue
        row = cells(line)
        if header is None:
            header = [h.lower() for h in row]
            continue
        if set(line.strip()) <= set("|-: "):
            continue
        if "test" not in header:
            continue
        sup = header.index("supported") if "supported" in header else None
        if sup is not None and sup < len(row) and \
                not row[sup].lower().startswith("yes"):
            continue
        if any(c.lower() == "no" for c in row):
            continue
        cell = row[header.index("test")] if header.index("test") < len(row) else ""
        found, problems = check_cell(cell, tests, exes, tests_dir,
                                     registered)
        if not found:
            problems.append("a supported rule names no test")
        if FW.search(cell):
            e2e += 1
        else:
            problems.append("no end-to-end firmware test (fw_...)")
            if list_missing:
                print(f"{doc}:{n}: no firmware test: {row[0][:70]}")
        if problems:
            failed += 1
            print(f"{doc}:{n}: {'; '.join(problems)}: {row[0][:60]}")
        else:
            passed += 1
    print(f"{e2e} of {passed + failed} supported rows name an end-to-end "
          f"firmware test")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


def self_test(tests_dir):
    """The end-to-end rule on small documents: a supported row with only
    a check test fails, with a firmware test it passes, a "no" row is
    skipped."""
    import contextlib
    import io
    import tempfile

    head = "| Rule | Supported | Test |\n|---|---|---|\n"
    fw = "fw_hello"
    cases = [
        (head + "| r | yes | vmx_insn:vmxon_succeeds |\n", 1),
        (head + f"| r | yes | vmx_insn:vmxon_succeeds, {fw} |\n", 0),
        (head + "| r | no | unreachable: the reason |\n", 1),  # no rows
        (head + f"| r | yes | {fw} |\n| s | no | why |\n", 0),
    ]
    bad = 0
    for text, want in cases:
        with tempfile.NamedTemporaryFile("w", suffix=".md") as f:
            f.write(text)
            f.flush()
            with contextlib.redirect_stdout(io.StringIO()):
                got = main(f.name, tests_dir)
        if got != want:
            print(f"self-test: expected {want}, got {got} for:\n{text}")
            bad += 1
    print(f"self-test: {len(cases) - bad} of {len(cases)} cases")
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--self-test"] and len(sys.argv) == 3:
        sys.exit(self_test(sys.argv[2]))
    args = [a for a in sys.argv[1:] if a != "--list-missing"]
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    sys.exit(main(*args, list_missing="--list-missing" in sys.argv[1:]))
