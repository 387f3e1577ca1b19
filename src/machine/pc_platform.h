/* SPDX-License-Identifier: MIT */
/*
 * The PC platform devices of a machine (docs/platform.md): fw_cfg and
 * what QEMU's pc machine puts behind it.  machine.c creates them with the
 * other devices and frees them with the machine; the guest reaches them
 * through the port and MMIO buses only.
 */
#ifndef VMXBOX_MACHINE_PC_PLATFORM_H
#define VMXBOX_MACHINE_PC_PLATFORM_H

#include <stddef.h>

#include "devices/acpi_pm.h"
#include "devices/fw_cfg.h"
#include "devices/pc_power.h"
#include "devices/pc_testdev.h"
#include "devices/pci.h"
#include "devices/pci_testdev.h"
#include "loader/acpi.h"
#include "loader/smbios.h"

struct machine;

#define PC_MAX_PCI_TESTDEVS 4
/* Where vmxbox, as the BIOS, places the test devices' BARs. */
#define PC_PCI_MMIO_BASE 0xfe000000u
#define PC_PCI_IO_BASE   0xc000u
#define PC_PCI_FIRST_SLOT 2          /* after 00:00.0 and QEMU's PIIX at 01 */

struct pc_platform {
	struct fw_cfg fw_cfg;
	struct pci_bus pci;
	struct pci_device host_bridge;   /* 00:00.0, i440FX */
	struct pci_testdev pci_testdev[PC_MAX_PCI_TESTDEVS];
	unsigned nr_pci_testdevs;
	struct pc_testdev *pc_testdev;   /* NULL unless configured */
	struct pc_power power;           /* 0x8900, 0xCF9, 0x92, 0x80 */
	struct acpi_pm acpi_pm;          /* PM1a at 0x600 */
	const char *stop_source;         /* what powered off / reset */
	struct acpi_layout acpi;     /* all 0: no ACPI tables */
	struct smbios_tables smbios; /* fw_cfg's, and RAM's for PC images */
};

/* Create and attach the devices (after guest RAM and the UART).  0, or
 * an exit status with a one-line reason in err. */
int pc_platform_create(struct machine *m, char *err, size_t errlen);
/* After the image is loaded: the firmware tables of the PC boot
 * protocols (ACPI and SMBIOS, for multiboot, Linux and PVH images;
 * vmxbox's own ELF64 protocol leaves 0x80000-0xfffff to the firmware). */
int pc_platform_boot(struct machine *m, char *err, size_t errlen);
void pc_platform_destroy(struct machine *m);

#endif
