/* SPDX-License-Identifier: MIT */
/*
 * The APIC bus: interrupt messages between local APICs (IPIs through the
 * ICR), from the IOAPIC (redirection entries) and from vmxbox's own event
 * sources, and the EOI broadcast back to the IOAPIC (SDM Vol. 3A 11.6,
 * 11.8.5).  Destinations are resolved here (physical/logical, flat and
 * cluster models, x2APIC, shorthands, lowest priority), so one local APIC
 * or many (SMP) look the same to every sender.
 */
#ifndef VMXBOX_DEVICES_APIC_BUS_H
#define VMXBOX_DEVICES_APIC_BUS_H

#include <stdbool.h>
#include <stdint.h>

/* Delivery modes (ICR / LVT / redirection entry bits 10:8). */
enum apic_dm {
	APIC_DM_FIXED = 0,
	APIC_DM_LOWPRI = 1,
	APIC_DM_SMI = 2,
	APIC_DM_NMI = 4,
	APIC_DM_INIT = 5,
	APIC_DM_SIPI = 6,
	APIC_DM_EXTINT = 7,
};

/* Destination shorthand (ICR bits 19:18). */
enum apic_shorthand {
	APIC_SH_NONE = 0,
	APIC_SH_SELF = 1,
	APIC_SH_ALL = 2,
	APIC_SH_OTHERS = 3,
};

struct apic_msg {
	uint8_t vector;
	uint8_t mode;           /* enum apic_dm */
	bool logical;           /* destination mode */
	bool level;             /* trigger mode: level (TMR set on accept) */
	bool deassert;          /* INIT level de-assert (a no-op here) */
	uint8_t shorthand;      /* enum apic_shorthand */
	uint32_t dest;          /* 8 bits xAPIC, 32 bits x2APIC */
	bool x2apic_dest;       /* dest is a 32-bit x2APIC destination */
};

struct lapic;

#define APIC_BUS_MAX_CPUS 16

struct apic_bus {
	struct lapic *cpu[APIC_BUS_MAX_CPUS];
	unsigned n_cpus;
	/* EOI of a level-triggered vector (IOAPIC remote IRR). */
	void (*eoi)(void *opaque, uint8_t vector);
	void *eoi_opaque;
};

void apic_bus_init(struct apic_bus *b);
int apic_bus_add(struct apic_bus *b, struct lapic *l);
/* Deliver a message; from is the sending local APIC (shorthands), or
 * NULL for the IOAPIC and other sources. */
void apic_bus_send(struct apic_bus *b, struct lapic *from,
		   const struct apic_msg *m);
void apic_bus_eoi(struct apic_bus *b, uint8_t vector);

#endif
