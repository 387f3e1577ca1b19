/* SPDX-License-Identifier: MIT */
/*
 * The PC's interrupt controllers and timers around the local APIC
 * (docs/platform.md, "Interrupts" and "Virtual time"): the I/O APIC, the
 * 8259 pair on LINT0, the ISA interrupt lines that connect devices to
 * both, the x87's FERR# on IRQ 13, the 8254 PIT (IRQ 0) with port 0x61,
 * the RTC and CMOS RAM (IRQ 8) and the ACPI PM timer.  Every machine has
 * them, whatever the image kind, as every PC does.
 */
#ifndef VMXBOX_MACHINE_PC_ISA_H
#define VMXBOX_MACHINE_PC_ISA_H

#include "devices/i8254.h"
#include "devices/i8259.h"
#include "devices/ioapic.h"
#include "devices/isa_irq.h"
#include "devices/mc146818.h"
#include "devices/pm_timer.h"

struct machine;

struct pc_isa {
	struct ioapic ioapic;
	struct i8259 pic;
	struct isa_irq irq;
	struct i8254 pit;
	struct mc146818 rtc;
	struct pm_timer pm_timer;
};

/* Create and attach them (after the local APIC and the clock).  0, or
 * -1. */
int pc_isa_attach(struct machine *m);
void pc_isa_destroy(struct machine *m);

#endif
