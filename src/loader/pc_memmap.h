/* SPDX-License-Identifier: MIT */
/*
 * The PC's guest-physical memory map as firmware reports it (BIOS INT 15h
 * E820 style): the multiboot memory map and the Linux e820 table both come
 * from here, so they always agree with each other and with docs/boot.md.
 */
#ifndef VMXBOX_LOADER_PC_MEMMAP_H
#define VMXBOX_LOADER_PC_MEMMAP_H

#include <stdint.h>

#include "memory/guest_mem.h"

#define E820_RAM      1
#define E820_RESERVED 2

/* Conventional memory ends at 639 KiB: the last KiB below 640 KiB is the
 * EBDA on a PC, and 0xA0000-0xFFFFF is VGA and BIOS space. */
#define PC_LOW_RAM_END  0x9fc00ull
#define PC_EBDA_END     0xa0000ull
/* 0xF0000-0xFFFFF: the BIOS segment, reserved, where the ACPI tables
 * live (as SeaBIOS puts its RSDP there). */
#define PC_BIOS_START   0xf0000ull
#define PC_HIGH_RAM     0x100000ull

#define PC_MEMMAP_MAX 8

struct pc_mem_region {
	uint64_t base;
	uint64_t len;
	uint32_t type;          /* E820_RAM, E820_RESERVED */
};

/* Fill out[] (PC_MEMMAP_MAX entries) for ram bytes of RAM; returns the
 * number of entries, sorted by base. */
unsigned pc_memmap(uint64_t ram, struct pc_mem_region *out);

/* The guest's RAM as address ranges (type E820_RAM), without the BIOS
 * holes: QEMU's fw_cfg "etc/e820" file.  Returns the number of entries. */
unsigned pc_ram_ranges(uint64_t ram, struct pc_mem_region *out);

/* KiB of RAM below 640 KiB and from 1 MiB up to the first hole (the
 * multiboot mem_lower / mem_upper fields). */
uint32_t pc_mem_lower_kib(void);
uint32_t pc_mem_upper_kib(uint64_t ram);

#endif
