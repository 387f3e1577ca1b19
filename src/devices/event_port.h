/* SPDX-License-Identifier: MIT */
/*
 * Event port (0xf5): the guest's way to raise the interrupt-controller
 * events vmxbox has no other source for (it models no APIC or PIC), so that
 * firmware can test external-interrupt, NMI and INIT handling in VMX
 * non-root operation end to end.  A 2- or 4-byte write of v:
 *   bits 7:0   vector (fixed interrupts only)
 *   bits 10:8  delivery mode, as in the local APIC ICR (SDM 11.6.1):
 *              0 fixed -> external interrupt with that vector (16..255),
 *              4 NMI, 5 INIT
 * Other modes, vectors 0..15 of a fixed interrupt and 1-byte writes are
 * ignored (counted in `ignored`).  Reads return all ones.  The event is
 * latched in the vCPU and recognised at the next instruction boundary, like
 * a self-IPI.
 */
#ifndef VMXBOX_DEVICES_EVENT_PORT_H
#define VMXBOX_DEVICES_EVENT_PORT_H

#include <stdint.h>

#include "devices/io_bus.h"
#include "core/cpu_signal.h"

#define EVENT_PORT 0xf5

enum event_port_mode {
	EVENT_MODE_FIXED = 0,
	EVENT_MODE_NMI = 4,
	EVENT_MODE_INIT = 5,
};

struct event_port {
	/* Called from the vCPU thread, inside the engine's run(), with the
	 * decoded event: pass it on to the engine's raise_event(). */
	void (*raise)(void *opaque, enum cpu_signal ev, uint8_t vector);
	void *opaque;
	uint64_t raised, ignored;
};

void event_port_init(struct event_port *p,
		     void (*raise)(void *opaque, enum cpu_signal ev,
				   uint8_t vector),
		     void *opaque);
int event_port_attach(struct event_port *p, struct io_bus *pio, uint16_t port);

#endif
