/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for the PC boot protocols (ACPI 6.x specification, chapter
 * 5.2), written into guest RAM in the BIOS area where an OS looks for
 * them (5.2.5.1: the RSDP on a 16-byte boundary in 0xE0000-0xFFFFF):
 * RSDP (revision 2) -> RSDT and XSDT -> FADT (-> FACS, DSDT), MADT.
 * docs/platform.md lists every field vmxbox sets.
 */
#ifndef VMXBOX_LOADER_ACPI_H
#define VMXBOX_LOADER_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "memory/guest_mem.h"

/* Where the tables go: the reserved BIOS segment (loader/pc_memmap.h). */
#define ACPI_TABLES_BASE  0xf0000ull
#define ACPI_TABLES_END   0xf8000ull        /* then SMBIOS (loader/smbios.h) */

#define ACPI_MAX_CPUS 255

struct acpi_config {
	unsigned nr_cpus;          /* one MADT local APIC entry each, IDs 0.. */
	uint32_t lapic_addr;       /* 0xfee00000 */
	uint32_t ioapic_addr;      /* 0xfec00000 */
	uint8_t ioapic_id;
	uint16_t pm_base;          /* PM1a_EVT; PM1a_CNT +4; PM_TMR +8 */
	uint8_t sci_irq;
	uint16_t reset_port;       /* FADT RESET_REG (system I/O, 8 bits) */
	uint8_t reset_value;
	uint32_t pci_hole_start;   /* PCI0 _CRS: [this, 0xFEBFFFFF] */
	uint64_t pci_hole64_start; /* and a 64-bit window (size 0: none) */
	uint64_t pci_hole64_size;
	uint8_t com_ports;         /* bit k: COMk+1 exists (PNP0501 _UID k+1) */
};

/* Guest-physical addresses of what acpi_build() wrote. */
struct acpi_layout {
	uint64_t rsdp, rsdt, xsdt, fadt, facs, dsdt, madt, end;
};

/* The values of vmxbox's PC with ram bytes of RAM (QEMU's pc machine:
 * docs/platform.md). */
void acpi_config_pc(struct acpi_config *c, unsigned nr_cpus, uint64_t ram);

/* Write the tables at ACPI_TABLES_BASE.  0, or -errno with a one-line
 * reason in err (too many CPUs, RAM too small, tables too large). */
int acpi_build(struct guest_mem *gm, const struct acpi_config *c,
	       struct acpi_layout *out, char *err, size_t errlen);

/* The 8-bit sum of len bytes (0 for a table with a correct checksum). */
uint8_t acpi_sum(const uint8_t *p, size_t len);

#endif
