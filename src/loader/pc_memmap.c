// SPDX-License-Identifier: MIT
#include "loader/pc_memmap.h"

/* RAM ends below the 32-bit MMIO window (IOAPIC 0xFEC00000, local APIC
 * 0xFEE00000, PCI BARs) at gmem_low_size(); the rest of it starts at
 * 4 GiB (QEMU's pc split, memory/guest_mem.h). */
static uint64_t high_ram_end(uint64_t ram)
{
	return gmem_low_size(ram);
}

static uint64_t above_4g(uint64_t ram)
{
	return ram - gmem_low_size(ram);
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
	if (above_4g(ram))
		out[n++] = (struct pc_mem_region){ GMEM_HIGH_BASE, above_4g(ram),
						   E820_RAM };
	return n;
}

unsigned pc_ram_ranges(uint64_t ram, struct pc_mem_region *out)
{
	unsigned n = 0;

	out[n++] = (struct pc_mem_region){ 0, high_ram_end(ram), E820_RAM };
	if (above_4g(ram))
		out[n++] = (struct pc_mem_region){ GMEM_HIGH_BASE, above_4g(ram),
						   E820_RAM };
	return n;
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
