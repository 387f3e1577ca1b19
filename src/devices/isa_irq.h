/* SPDX-License-Identifier: MIT */
/*
 * The PC's ISA interrupt lines (what QEMU calls GSIs 0-23): line n goes
 * to 8259 input n (n < 16) and to I/O APIC pin n, except line 0 (the
 * PIT), which is wired to I/O APIC pin 2 — the interrupt source override
 * the ACPI MADT and fw_cfg's IRQ0_OVERRIDE declare (docs/platform.md).
 * Lines 16-23 reach the I/O APIC only.  A line has one level, whoever
 * drives it last (ISA lines are not shared).
 *
 * The FERR# output of the x87 (engine_config.fpu_error) asserts line 13;
 * a write to port 0xF0 deasserts it again (the chipset's IGNNE# logic,
 * as on a PC/AT and in QEMU).
 */
#ifndef VMXBOX_DEVICES_ISA_IRQ_H
#define VMXBOX_DEVICES_ISA_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/i8259.h"
#include "devices/io_bus.h"
#include "devices/ioapic.h"

#define ISA_IRQ_LINES   24
#define ISA_IRQ_FERR    13
#define ISA_FERR_PORT   0xf0

struct isa_irq {
	struct i8259 *pic;          /* NULL in unit tests */
	struct ioapic *ioapic;      /* NULL in unit tests */
	uint32_t levels;            /* line n asserted: bit n */
	uint64_t ferr_raised;
};

void isa_irq_init(struct isa_irq *b, struct i8259 *pic, struct ioapic *ioapic);
void isa_irq_set(struct isa_irq *b, unsigned line, bool level);
/* The same for hooks taking a void * (pc-testdev's set_irq). */
void isa_irq_set_line(void *opaque, unsigned line, bool level);
static inline bool isa_irq_level(const struct isa_irq *b, unsigned line)
{
	return (b->levels >> line) & 1;
}
/* The I/O APIC pin of an ISA line. */
unsigned isa_irq_gsi(unsigned line);
/* FERR#: engine_config.fpu_error. */
void isa_irq_ferr(void *opaque);
/* Port 0xF0. */
int isa_irq_attach(struct isa_irq *b, struct io_bus *pio);

#endif
