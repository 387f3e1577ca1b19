// SPDX-License-Identifier: MIT
#include "devices/event_port.h"

#include <string.h>

void event_port_init(struct event_port *p, struct apic_bus *bus)
{
	memset(p, 0, sizeof(*p));
	p->bus = bus;
}

static uint64_t event_port_read(void *opaque, uint64_t off, unsigned size)
{
	return ~0ull;
}

static bool event_valid(unsigned mode, unsigned vector)
{
	switch (mode) {
	case EVENT_MODE_FIXED:
		/* Vectors 0-15 are illegal for fixed delivery (SDM 11.5.2). */
		return vector >= 16;
	case EVENT_MODE_NMI:
	case EVENT_MODE_INIT:
		return true;
	default:
		return false;
	}
}

bool event_port_raise(struct event_port *p, uint32_t v)
{
	struct apic_msg m = {
		.vector = v & 0xff,
		.mode = (v >> 8) & 7,
		.shorthand = APIC_SH_SELF,
	};

	if (!event_valid(m.mode, m.vector) || !p->bus || !p->bus->n_cpus) {
		p->ignored++;
		return false;
	}
	/* INIT as an assert edge (level = 1 with assert, SDM 11.6.1). */
	m.level = m.mode == EVENT_MODE_INIT;
	p->raised++;
	apic_bus_send(p->bus, p->bus->cpu[0], &m);
	return true;
}

static void event_port_write(void *opaque, uint64_t off, unsigned size,
			     uint64_t v)
{
	struct event_port *p = opaque;

	if (off != 0 || (size != 2 && size != 4)) {
		p->ignored++;
		return;
	}
	event_port_raise(p, (uint32_t)v);
}

int event_port_attach(struct event_port *p, struct io_bus *pio, uint16_t port)
{
	struct io_handler h = { "event-port", event_port_read, event_port_write, p };

	return io_bus_register(pio, port, 1, &h);
}
