#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compile a C file of the test kernel's 32-bit part to assembly that the
64-bit image links: the compiler's -m32 output behind a .code32 directive
(GNU as then encodes 32-bit code with R_X86_64_32 relocations, as entry.S's
own 32-bit code).  usage: cc32.py OUT.s CC [ARGS...] SRC.c"""
import subprocess
import sys

out, cmd = sys.argv[1], sys.argv[2:]
cc = subprocess.run(cmd + ['-S', '-o', '-'], stdout=subprocess.PIPE)
if cc.returncode:
    sys.exit(cc.returncode)
with open(out, 'wb') as f:
    f.write(b'\t.code32\n' + cc.stdout)
