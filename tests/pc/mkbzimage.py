#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Wrap a flat protected-mode kernel (loaded at 1 MiB) in a bzImage setup
header (Linux boot protocol 2.15, Documentation/arch/x86/boot.rst), for the
Linux loader test.  usage: mkbzimage.py IN OUT XLOADFLAGS INIT_SIZE"""
import struct
import sys

src, dst, xloadflags, init_size = sys.argv[1], sys.argv[2], int(sys.argv[3], 0), int(sys.argv[4], 0)
kernel = open(src, 'rb').read()
setup = bytearray(1024)                      # boot sector + 1 setup sector
setup[0x1f1] = 1                             # setup_sects
struct.pack_into('<H', setup, 0x1fa, 0xffff)  # vid_mode
struct.pack_into('<H', setup, 0x1fe, 0xaa55)  # boot_flag
setup[0x200:0x202] = bytes([0xeb, 0x66])     # jmp: header ends at 0x268
setup[0x202:0x206] = b'HdrS'
struct.pack_into('<H', setup, 0x206, 0x020f)  # version
setup[0x211] = 0x01                          # loadflags: LOADED_HIGH
struct.pack_into('<I', setup, 0x214, 0x100000)     # code32_start
struct.pack_into('<I', setup, 0x22c, 0x37ffffff)   # initrd_addr_max
struct.pack_into('<I', setup, 0x230, 0x200000)     # kernel_alignment
struct.pack_into('<H', setup, 0x236, xloadflags)
struct.pack_into('<I', setup, 0x238, 2047)         # cmdline_size
struct.pack_into('<I', setup, 0x260, max(init_size, len(kernel)))
open(dst, 'wb').write(bytes(setup) + kernel)
