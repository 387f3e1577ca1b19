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

Usage: check_coverage.py COVERAGE.md TESTS_DIR
Prints one line per problem and "N passed, N failed" (rows).
"""
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


def check_cell(cell, tests, exes, tests_dir):
    """(references found, problems) for one Test cell."""
    found, problems, have_exe = 0, [], False
    for fm in FW.finditer(cell):
        found += 1
        exp = os.path.join(tests_dir, "firmware", "expected",
                           fm.group(1) + ".txt")
        if not os.path.exists(exp):
            problems.append(f"no firmware test fw_{fm.group(1)}")
        elif fm.group(2):
            problems += fw_items_ok(exp, fm.group(2))
    cell = FW.sub("", cell)
    for part in re.split(r"[;,]", cell):
        part = part.strip().strip("`")
        m = REF.search(part)
        if m:
            have_exe = True
            name = m.group(2)
        elif re.fullmatch(r"[a-z_][a-z0-9_]*(\s*\(.*\))?", part):
            name = part.split()[0].split("(")[0]
            if name in exes:
                found += 1
                continue
            if not have_exe:
                continue
        else:
            continue
        found += 1
        if name not in tests:
            problems.append(f"no START_TEST({name})")
    return found, problems


def listed_executables(lines):
    """The names of the "Test executables:" list (- `name` - ...)."""
    return set(re.findall(r"^- `([a-z0-9_]+)`", "".join(lines), re.M))


def main(doc, tests_dir):
    tests = known_tests(tests_dir)
    passed = failed = 0
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
        found, problems = check_cell(cell, tests, exes, tests_dir)
        if not found:
            problems.append("a supported rule names no test")
        if problems:
            failed += 1
            print(f"{doc}:{n}: {'; '.join(problems)}: {row[0][:60]}")
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
