// SPDX-License-Identifier: MIT
/*
 * The DSDT's AML: soft-off (_S5), the PCI host bridge with the windows
 * it decodes (_CRS as QEMU's pc machine gives it, so an OS learns the
 * bus range and where BARs may go) and the legacy ISA devices vmxbox
 * has, as PNP devices with their ports and IRQs (ACPI 6.5, 6.1 device
 * identification, 6.2.2 _CRS, 6.4 resource descriptors).
 */
#include "loader/acpi_dsdt.h"

/* Name (_S5, Package (4) { 0, 0, 0, 0 }): SLP_TYP 0 is soft-off on
 * vmxbox's PM1a_CNT, as on QEMU's PIIX4 PM. */
static const uint8_t aml_s5[] = {
	0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
};

/* The 32-bit PCI window ends below the IOAPIC (QEMU: 0xFEBFFFFF). */
#define PCI_HOLE_END 0xfebfffffu
#define VGA_START    0x000a0000u
#define VGA_END      0x000bffffu

/* A legacy device: its PNP ID, up to two port ranges and one IRQ. */
struct isa_pnp {
	const char *name, *hid;
	unsigned uid;
	int com;                        /* COMk+1: only if it exists; -1 */
	struct { uint16_t base; uint8_t len; } io[2];
	int irq;                        /* -1: none */
};

static const struct isa_pnp isa_devices[] = {
	{ "PIC_", "PNP0000", 0, -1, { { 0x20, 2 }, { 0xa0, 2 } }, 2 },
	{ "TMR_", "PNP0100", 0, -1, { { 0x40, 4 } }, 0 },
	{ "RTC_", "PNP0B00", 0, -1, { { 0x70, 2 } }, 8 },
	{ "COM1", "PNP0501", 1, 0, { { 0x3f8, 8 } }, 4 },
	{ "COM2", "PNP0501", 2, 1, { { 0x2f8, 8 } }, 3 },
	{ "COM3", "PNP0501", 3, 2, { { 0x3e8, 8 } }, 4 },
	{ "COM4", "PNP0501", 4, 3, { { 0x2e8, 8 } }, 3 },
};

static void isa_device(struct aml *a, const struct isa_pnp *d)
{
	size_t dev = aml_device(a, d->name);
	struct aml_crs crs;

	aml_name_eisaid(a, "_HID", d->hid);
	aml_name_int(a, "_UID", d->uid);
	aml_crs_begin(a, &crs);
	for (unsigned i = 0; i < 2 && d->io[i].len; i++)
		aml_res_io(a, d->io[i].base, d->io[i].len);
	if (d->irq >= 0)
		aml_res_irq(a, (unsigned)d->irq);
	aml_crs_end(a, &crs);
	aml_close(a, dev);
}

/* The host bridge produces bus numbers 0-255, the I/O ports around its
 * own config ports 0xCF8-0xCFF, the VGA window and the MMIO between the
 * end of low RAM and the IOAPIC, and a 64-bit window above RAM. */
static void pci0_crs(struct aml *a, const struct acpi_config *c)
{
	struct aml_crs crs;

	aml_crs_begin(a, &crs);
	aml_res_bus(a, 0x00, 0xff);
	aml_res_io(a, 0xcf8, 8);
	aml_res_word_io(a, 0x0000, 0x0cf7);
	aml_res_word_io(a, 0x0d00, 0xffff);
	aml_res_dword_mem(a, 1, VGA_START, VGA_END);
	aml_res_dword_mem(a, 0, c->pci_hole_start, PCI_HOLE_END);
	if (c->pci_hole64_size)
		aml_res_qword_mem(a, c->pci_hole64_start,
				  c->pci_hole64_start + c->pci_hole64_size - 1);
	aml_crs_end(a, &crs);
}

void acpi_dsdt_aml(struct aml *a, const struct acpi_config *c)
{
	size_t sb, pci0;

	aml_bytes(a, aml_s5, sizeof(aml_s5));
	sb = aml_scope(a, "\\_SB_");
	pci0 = aml_device(a, "PCI0");
	aml_name_eisaid(a, "_HID", "PNP0A03");
	aml_name_int(a, "_ADR", 0);
	aml_name_int(a, "_UID", 0);
	pci0_crs(a, c);
	for (unsigned i = 0; i < sizeof(isa_devices) / sizeof(isa_devices[0]); i++)
		if (isa_devices[i].com < 0 ||
		    (c->com_ports >> isa_devices[i].com) & 1)
			isa_device(a, &isa_devices[i]);
	aml_close(a, pci0);
	aml_close(a, sb);
}
