#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Wrap a vmxbox ELF64 firmware image into a bootable 1.44 MB floppy image
for a PC BIOS (Bochs, QEMU), with the boot sector of floppy_boot.S.

  mkfloppy.py --boot BOOT.bin --elf FW.elf --out IMG [--mem MiB]
              [--append CMDLINE] [--shutdown-port]

The boot info sector is what vmxbox's loader would put at 0x8000
(docs/boot.md); --shutdown-port sets its flag bit 1, which makes the
runtime's fw_exit() also write "Shutdown" to port 0x8900 (Bochs's way out).
"""
import argparse
import struct
import sys

FLOPPY = 1474560
BOOT_MAGIC = 0x31544F4F42584D56
FLAG_VMX = 1 << 0
FLAG_SHUTDOWN_PORT = 1 << 1
MAX_SECTORS = (0x80000 - 0x10000) // 512  # the boot sector's load buffer


def die(msg):
    sys.exit(f"mkfloppy: {msg}")


def load_segment(path):
    data = open(path, "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[18] != 62:
        die(f"{path}: not an ELF64 x86-64 file")
    entry, phoff = struct.unpack_from("<QQ", data, 24)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    loads = []
    for i in range(phnum):
        p_type, _, off, _, paddr, filesz, memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and memsz:
            loads.append((paddr, data[off:off + filesz], memsz))
    if len(loads) != 1 or loads[0][0] != 0x100000:
        die(f"{path}: expected one PT_LOAD segment at 1 MiB")
    return entry, loads[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boot", required=True)
    ap.add_argument("--elf", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mem", type=int, default=256, help="guest RAM in MiB")
    ap.add_argument("--append", default="")
    ap.add_argument("--shutdown-port", action="store_true")
    a = ap.parse_args()

    boot = bytearray(open(a.boot, "rb").read())
    if len(boot) != 512 or boot[510:] != b"\x55\xaa":
        die(f"{a.boot}: not a 512-byte boot sector")
    entry, (paddr, image, memsz) = load_segment(a.elf)
    sectors = (len(image) + 511) // 512
    if sectors > MAX_SECTORS:
        die(f"{a.elf}: image of {sectors} sectors, at most {MAX_SECTORS}")
    struct.pack_into("<HI", boot, 0x1F0, sectors, entry)

    cmdline = a.append.encode()
    if len(cmdline) > 255:
        die("--append longer than 255 bytes")
    flags = FLAG_VMX | (FLAG_SHUTDOWN_PORT if a.shutdown_port else 0)
    info = struct.pack("<QQQQQ", BOOT_MAGIC, a.mem << 20, paddr,
                       paddr + memsz, flags) + cmdline
    info = info.ljust(512, b"\0")

    disk = bytes(boot) + info + image.ljust(sectors * 512, b"\0")
    open(a.out, "wb").write(disk.ljust(FLOPPY, b"\0"))


if __name__ == "__main__":
    main()
