/* SPDX-License-Identifier: MIT */
/*
 * The ACPI fixed-hardware PM1a event and control blocks at the FADT's
 * PM1a_EVT_BLK (0x600) and PM1a_CNT_BLK (0x604), as QEMU's PIIX4 PM has
 * them (ACPI 6.5, 4.8.3.1 and 4.8.3.2):
 *   +0 PM1_STS  16 bits, write 1 to clear (vmxbox raises no events, so
 *               nothing is ever set)
 *   +2 PM1_EN   16 bits, read/write
 *   +4 PM1_CNT  16 bits: SCI_EN (bit 0) always 1 (no SMM: the FADT has
 *               SMI_CMD 0), SLP_TYP (12:10) read/write, SLP_EN (13)
 *               write-only: with SLP_TYP 0 (the DSDT's \_S5) it powers off
 * The PM timer at +8 (0x608) is the clock's (docs/platform.md).
 */
#ifndef VMXBOX_DEVICES_ACPI_PM_H
#define VMXBOX_DEVICES_ACPI_PM_H

#include <stdint.h>

#include "devices/io_bus.h"
#include "devices/pc_power.h"

#define ACPI_PM_BASE     0x600
#define ACPI_PM1_LEN     6           /* PM1a_EVT (4) + PM1a_CNT (2) */

#define PM1_CNT_SCI_EN   0x0001
#define PM1_CNT_SLP_TYP  0x1c00
#define PM1_CNT_SLP_EN   0x2000
#define PM1_SLP_TYP_S5   0           /* QEMU's soft-off type */

struct acpi_pm {
	uint16_t sts, en, cnt;
	power_request_fn request;
	void *opaque;
};

void acpi_pm_init(struct acpi_pm *pm, power_request_fn fn, void *opaque);
int acpi_pm_attach(struct acpi_pm *pm, struct io_bus *pio, uint16_t base);

#endif
