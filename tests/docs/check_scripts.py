#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every script in the source tree that starts with "#!" is executable,
so that a command the README, vmxbox.sh or a doc names as
`path/to/script ...` runs on a fresh clone (bench/peers/side_by_side.py
was committed without its x bit and `./vmxbox.sh bench` failed with
"Permission denied").

Usage: check_scripts.py SOURCE_ROOT   (exit 1, one line per script)
       check_scripts.py --self-test
"""
import os
import stat
import sys
import tempfile

SKIP_DIRS = {".git", "node_modules", "__pycache__"}


def is_build_dir(path):
    return os.path.exists(os.path.join(path, "meson-private"))


def scripts_without_x(root):
    bad = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS
                             and not is_build_dir(os.path.join(dirpath, d)))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                if f.read(2) != b"#!":
                    continue
            if not os.stat(path).st_mode & stat.S_IXUSR:
                bad.append(os.path.relpath(path, root))
    return bad


def self_test():
    with tempfile.TemporaryDirectory() as root:
        good = os.path.join(root, "good.sh")
        bad = os.path.join(root, "sub", "bad.py")
        data = os.path.join(root, "data.txt")
        os.makedirs(os.path.dirname(bad))
        for path, body in ((good, "#!/bin/sh\n"), (bad, "#!/usr/bin/env python3\n"),
                           (data, "no shebang\n")):
            with open(path, "w") as f:
                f.write(body)
        os.chmod(good, 0o755)
        os.chmod(bad, 0o644)
        found = scripts_without_x(root)
        if found != [os.path.join("sub", "bad.py")]:
            sys.exit(f"FAIL: self-test found {found}")
    print("ok: a script without its x bit is found, data files are not")


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    bad = scripts_without_x(sys.argv[1])
    for path in bad:
        print(f"{path}: starts with #! but is not executable (git update-index --chmod=+x)")
    if bad:
        sys.exit(1)
    print("ok: every #! script is executable")


if __name__ == "__main__":
    main()
