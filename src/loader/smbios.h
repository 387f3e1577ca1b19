/* SPDX-License-Identifier: MIT */
/*
 * SMBIOS (DMTF DSP0134, version 2.8) tables for the PC boot protocols:
 * the 32-bit entry point ("_SM_" with the "_DMI_" intermediate anchor,
 * 6.1.2) on a 16-byte boundary in 0xF0000-0xFFFFF, where an OS without
 * EFI searches for it, and the structure table after it: BIOS (type 0),
 * system (1), chassis (3), the processor package (4), the memory array
 * (16), its devices (17, one per 16 GiB as QEMU) and mapped ranges (19),
 * system boot (32) and end of table (127).  The same bytes are QEMU's
 * fw_cfg files etc/smbios/smbios-anchor and etc/smbios/smbios-tables.
 * docs/platform.md lists every field.
 */
#ifndef VMXBOX_LOADER_SMBIOS_H
#define VMXBOX_LOADER_SMBIOS_H

#include <stddef.h>
#include <stdint.h>

#include "memory/guest_mem.h"

/* After the ACPI tables in the BIOS segment (loader/acpi.h). */
#define SMBIOS_BASE      0xf8000ull
#define SMBIOS_END       0x100000ull
#define SMBIOS_EPS_LEN   0x1f
#define SMBIOS_TABLE_ADDR (SMBIOS_BASE + 0x20)
#define SMBIOS_MAX_CPUS  255

struct smbios_config {
	unsigned nr_cpus;
	uint32_t cpuid_1_eax;      /* type 4's processor ID: CPUID.1 EAX, EDX */
	uint32_t cpuid_1_edx;
	uint64_t ram;              /* bytes; above GMEM_LOW_MAX split as RAM is */
};

struct smbios_tables {
	uint8_t anchor[SMBIOS_EPS_LEN];
	uint8_t *table;            /* malloc'd */
	size_t table_len;
	unsigned n_structs;
};

/* Build the entry point (pointing at SMBIOS_TABLE_ADDR) and the table.
 * 0, or -errno with a one-line reason in err. */
int smbios_build(const struct smbios_config *c, struct smbios_tables *out,
		 char *err, size_t errlen);
/* Write both at SMBIOS_BASE.  0, or -ERANGE when RAM ends below 1 MiB. */
int smbios_write(struct guest_mem *gm, const struct smbios_tables *t);
void smbios_free(struct smbios_tables *t);

#endif
