#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that the source tree's layers call downwards only (DESIGN.md):

    cli > machine > snapshot, monitor, gdb > vmx > engine, loader
        > devices > core, memory

A file in src/A/ may include "B/x.h" only when B's rank is at most A's.
Folders not in the table (new ones) are an error too, so that every new
folder gets a place in the layering on purpose.  A folder may also keep
headers private: outside src/vmx only vmx/vmx_api.h and vmx/vmcs_fields.h
may be included (the VMX core's state is reached through its API).

Usage: check_layers.py SRC_DIR      (exit 1 and one line per violation)
       check_layers.py --self-test  (a tree with one upward include fails)
"""
import os
import re
import sys
import tempfile

RANK = {
    "core": 0, "memory": 0,
    "devices": 1,
    "engine": 2, "loader": 2,
    "vmx": 3,
    "snapshot": 4, "monitor": 4, "gdb": 4,
    "machine": 5,
    "cli": 6,
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_0-9]+)/([^"]+)"', re.M)
# Folders whose other headers are private to the folder itself.
PUBLIC = {"vmx": {"vmx_api.h", "vmcs_fields.h", "vmcs_decode.h", "offload.h"}}


def violations(src):
    out = []
    for top in sorted(os.listdir(src)):
        path = os.path.join(src, top)
        if not os.path.isdir(path):
            continue
        if top not in RANK:
            out.append(f"src/{top}/: folder has no layer in check_layers.py")
            continue
        for root, _, files in os.walk(path):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                rel = os.path.relpath(os.path.join(root, f), src)
                with open(os.path.join(root, f), errors="replace") as fh:
                    for inc, hdr in INCLUDE.findall(fh.read()):
                        if inc in RANK and RANK[inc] > RANK[top]:
                            out.append(f"src/{rel} includes {inc}/ "
                                       f"(layer {top} may not call up into {inc})")
                        elif inc != top and inc in PUBLIC and hdr not in PUBLIC[inc]:
                            out.append(f"src/{rel} includes {inc}/{hdr}, private to "
                                       f"src/{inc} (use {', '.join(sorted(PUBLIC[inc]))})")
    return out


def self_test():
    with tempfile.TemporaryDirectory() as d:
        for sub, text in (("core", '#include "core/a.h"\n'),
                          ("devices", '#include "engine/engine.h"\n'),
                          ("machine", '#include "vmx/vmx_api.h"\n'),
                          ("snapshot", '#include "vmx/vmx.h"\n')):
            os.makedirs(os.path.join(d, sub))
            with open(os.path.join(d, sub, "x.c"), "w") as fh:
                fh.write(text)
        v = violations(d)
        if (len(v) != 2 or "devices/x.c includes engine/" not in v[0]
                or "snapshot/x.c includes vmx/vmx.h, private" not in v[1]):
            print("self-test: upward or private include not detected:", v)
            return 1
    print("self-test: an upward include and a private include are detected")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    v = violations(sys.argv[1])
    for line in v:
        print(line)
    print(f"{0 if v else 1} passed, {1 if v else 0} failed")
    return 1 if v else 0


if __name__ == "__main__":
    sys.exit(main())
