#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""linked_sources.py MAP COMPILE_COMMANDS: the source files of the
libvmxbox_core members a link pulled in, one per line.

MAP is a GNU ld link map (-Wl,-Map); its "Archive member included"
section names each member taken from libvmxbox_core.a (thin archive:
"libvmxbox_core.a.p/OBJ", normal: "libvmxbox_core.a(OBJ)").  Each OBJ is
found by its output name in meson's compile_commands.json.  Used by
run-libfuzzer.sh so that its clang build compiles exactly what the gcc
build links, and a new source file cannot be left out.
"""
import json
import os
import re
import sys

MEMBER = re.compile(r"^libvmxbox_core\.a(?:\.p/|\()([^)\s]+\.o)\)?\s*$")


def linked_objects(map_path):
    objs = []
    with open(map_path) as f:
        for line in f:
            if line.startswith("Discarded input sections") or \
               line.startswith("Memory Configuration"):
                break
            m = MEMBER.match(line)
            if m and m.group(1) not in objs:
                objs.append(m.group(1))
    return objs


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    objs = linked_objects(sys.argv[1])
    with open(sys.argv[2]) as f:
        entries = json.load(f)
    by_obj = {os.path.basename(e["output"]): e for e in entries
              if "output" in e}
    if not objs:
        sys.exit(f"linked_sources: no libvmxbox_core member in {sys.argv[1]}")
    for o in objs:
        e = by_obj.get(o)
        if e is None:
            sys.exit(f"linked_sources: {o} not in {sys.argv[2]}")
        print(os.path.normpath(os.path.join(e["directory"], e["file"])))


if __name__ == "__main__":
    main()
