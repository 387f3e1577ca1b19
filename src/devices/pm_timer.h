/* SPDX-License-Identifier: MIT */
/*
 * The ACPI power-management timer (ACPI 6.5, 4.8.3.3): a 24-bit counter
 * at 3.579545 MHz, read as a 32-bit port at the FADT's PM_TMR_BLK (0x608,
 * after the PM1a blocks at 0x600-0x605; QEMU's PIIX4 layout).  It counts
 * the virtual clock from reset: value = floor(t * 3579545 / 1e9) mod 2^24,
 * bits 31:24 read 0 (the FADT leaves TMR_VAL_EXT clear).  No state: a
 * restore continues it exactly.  Overflow status (PM1_STS.TMR_STS) and
 * its SCI are not modelled.
 */
#ifndef VMXBOX_DEVICES_PM_TIMER_H
#define VMXBOX_DEVICES_PM_TIMER_H

#include <stdint.h>

#include "core/vclock.h"
#include "devices/io_bus.h"

#define PM_TIMER_PORT 0x608
#define PM_TIMER_HZ   3579545ull

struct pm_timer {
	struct vclock *clock;
};

void pm_timer_init(struct pm_timer *t, struct vclock *clock);
uint32_t pm_timer_value(const struct pm_timer *t);
int pm_timer_attach(struct pm_timer *t, struct io_bus *pio, uint16_t port);

#endif
