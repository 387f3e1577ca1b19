// SPDX-License-Identifier: MIT
#include "loader/pc_memmap.h"

/* The 32-bit MMIO window (IOAPIC 0xFEC00000, local APIC 0xFEE00000, PCI
 * BARs) starts here; RAM above it is not reported as usable. */
#define PC_MMIO_START 0xe0000000ull

static uint64_t high_ram_end(uint64_t ram)
{
	return ram < PC_MMIO_START ? ram : PC_MMIO_START;
}

unsigned pc_memmap(uint64_t ram, struct pc_mem_region *out)
{
	unsigned n = 0;

	out[n++] = (struct pc_mem_region){ 0, PC_LOW_RAM_END, E820_RAM };
	out[n++] = (struct pc_mem_region){ PC_LOW_RAM_END,
					   PC_EBDA_END - PC_LOW_RAM_END,
					   E820_RESERVED };
	out[n++] = (struct pc_mem_region){ PC_BIOS_START,
					   PC_HIGH_RAM - PC_BIOS_START,
					   E820_RESERVED };
	if (ram > PC_HIGH_RAM)
		out[n++] = (struct pc_mem_region){ PC_HIGH_RAM,
						   high_ram_end(ram) - PC_HIGH_RAM,
						   E820_RAM };
	return n;
}

unsigned pc_ram_ranges(uint64_t ram, struct pc_mem_region *out)
{
	out[0] = (struct pc_mem_region){ 0, high_ram_end(ram), E820_RAM };
	return 1;
}

uint32_t pc_mem_lower_kib(void)
{
	return (uint32_t)(PC_LOW_RAM_END >> 10);
}

uint32_t pc_mem_upper_kib(uint64_t ram)
{
	return ram > PC_HIGH_RAM ?
	       (uint32_t)((high_ram_end(ram) - PC_HIGH_RAM) >> 10) : 0;
}
