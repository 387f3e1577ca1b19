#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that every VM-entry check of src/vmx/entry_checks.c cites an SDM
rule, and that the list of SDM rules (tests/docs/sdm_entry_rules.txt) and
the table stay in step:

  - every table row CTL/HOST/GST/GSTQ("name", "section", [qual,] "rule", fn)
    cites a rule that the list has, under the same section;
  - no two rows cite the same rule (one check per SDM sentence);
  - every rule of the list is cited by a row, or says why it is not
    checked ("SECTION | RULE | not checked: REASON").

A check that vmxbox invents (no SDM sentence behind it) has nothing to
cite, so it cannot pass.

Usage: check_entry_rules.py ENTRY_CHECKS_C RULES_TXT
       check_entry_rules.py --self-test ENTRY_CHECKS_C RULES_TXT
Prints one line per problem and "N passed, N failed" (rows).
"""
import re
import sys

ROW = re.compile(
    r'\b(CTL|HOST|GST|GSTQ)\(\s*"([^"]+)",\s*"([^"]+)",\s*'
    r'(?:ENTRY_QUAL_\w+,\s*)?"([^"]+)",\s*(\w+)\s*\)')


def table_rows(c_text):
    start = c_text.find("vmx_entry_checks[] = {")
    if start < 0:
        return []
    end = c_text.find("};", start)
    return [m.groups() for m in ROW.finditer(c_text[start:end])]


def rule_list(txt):
    """{(section, rule): reason or None} from the rules file."""
    rules = {}
    for n, line in enumerate(txt.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2:
            raise ValueError(f"line {n}: not 'SECTION | RULE'")
        reason = parts[2] if len(parts) > 2 else None
        rules[(parts[0], parts[1])] = reason
    return rules


def check(c_text, rules_text, out=print):
    rows = table_rows(c_text)
    rules = rule_list(rules_text)
    cited = {}
    passed = failed = 0
    if not rows:
        out("no rows found in the entry-check table")
        return 0, 1
    for kind, name, sec, rule, fn in rows:
        problems = []
        key = (sec, rule)
        if key not in rules:
            same = [s for (s, r) in rules if r == rule]
            problems.append(f"cites a rule the SDM list lacks"
                            + (f" (listed under {same[0]})" if same else ""))
        elif rules[key] is not None:
            problems.append("cites a rule listed as not checked")
        if key in cited:
            problems.append(f"rule already cited by '{cited[key]}'")
        cited.setdefault(key, name)
        if problems:
            failed += 1
            out(f"row '{name}' ({fn}): {'; '.join(problems)}")
        else:
            passed += 1
    for key, reason in rules.items():
        if reason is None and key not in cited:
            failed += 1
            out(f"rule {key[0]} '{key[1][:60]}...' is cited by no row "
                f"(check it, or say '| not checked: why')")
    return passed, failed


def self_test(c_path, rules_path):
    """The checker must fail on a row with an uncited rule, a duplicate
    citation and an orphan rule, and pass on the real files."""
    c_text = open(c_path).read()
    rules_text = open(rules_path).read()
    quiet = lambda *_: None
    ok = check(c_text, rules_text, quiet)[1] == 0
    rows = table_rows(c_text)
    if not ok or len(rows) < 2:
        print("self-test: the real table does not pass")
        return 1
    # A vmxbox-only rule: the row's citation is not in the list.
    first_rule = rows[0][3]
    bad = c_text.replace(f'"{first_rule}"', '"vmxbox wants it so"', 1)
    cases = [("invented rule", bad, rules_text)]
    # Two rows citing the same sentence.
    bad = c_text.replace(f'"{rows[1][3]}"', f'"{first_rule}"', 1)
    cases.append(("duplicate citation", bad,
                  rules_text + f"\n{rows[1][2]} | {first_rule}\n"))
    # A rule nobody checks.
    cases.append(("orphan rule", c_text,
                  rules_text + "\n27.2.1.1 | A rule nobody checks\n"))
    status = 0
    for what, ct, rt in cases:
        if check(ct, rt, quiet)[1] == 0:
            print(f"self-test: '{what}' was not caught")
            status = 1
    print("self-test " + ("failed" if status else "passed"))
    return status


def main(argv):
    if len(argv) == 4 and argv[1] == "--self-test":
        return self_test(argv[2], argv[3])
    if len(argv) != 3:
        sys.exit(__doc__)
    with open(argv[1]) as c, open(argv[2]) as r:
        passed, failed = check(c.read(), r.read())
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
