/* SPDX-License-Identifier: MIT */
/*
 * Event port (0xf5): the guest's way to raise an external interrupt, NMI
 * or INIT in itself without programming an interrupt controller, so that
 * firmware can test external-interrupt, NMI and INIT handling in VMX
 * non-root operation end to end.  A 2- or 4-byte write of v:
 *   bits 7:0   vector (fixed interrupts only)
 *   bits 10:8  delivery mode, as in the local APIC ICR (SDM 11.6.1):
 *              0 fixed (vector 16..255), 4 NMI, 5 INIT
 * becomes a self-IPI of the boot processor's local APIC (apic_bus.h): a
 * fixed vector is accepted into its IRR and taken like any APIC interrupt
 * (priority, ISR, EOI), NMI and INIT reach the processor as signals.
 * Other modes, vectors 0..15 of a fixed interrupt and 1-byte writes are
 * ignored (counted in `ignored`).  Reads return all ones.
 */
#ifndef VMXBOX_DEVICES_EVENT_PORT_H
#define VMXBOX_DEVICES_EVENT_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/apic_bus.h"
#include "devices/io_bus.h"

#define EVENT_PORT 0xf5

enum event_port_mode {
	EVENT_MODE_FIXED = 0,
	EVENT_MODE_NMI = 4,
	EVENT_MODE_INIT = 5,
};

struct event_port {
	struct apic_bus *bus;     /* its first local APIC receives */
	uint64_t raised, ignored;
};

void event_port_init(struct event_port *p, struct apic_bus *bus);
int event_port_attach(struct event_port *p, struct io_bus *pio, uint16_t port);
/* Raise an event as if v had been written (also the monitor's nmi/irq/
 * init commands).  False when v is not a valid event (ignored). */
bool event_port_raise(struct event_port *p, uint32_t v);

#endif
