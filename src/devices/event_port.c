// SPDX-License-Identifier: MIT
#include "devices/event_port.h"

#include <string.h>

void event_port_init(struct event_port *p,
		     void (*raise)(void *opaque, enum cpu_signal ev,
				   uint8_t vector),
		     void *opaque)
{
	memset(p, 0, sizeof(*p));
	p->raise = raise;
	p->opaque = opaque;
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

static void event_port_write(void *opaque, uint64_t off, unsigned size,
			     uint64_t v)
{
	struct event_port *p = opaque;
	unsigned mode = (v >> 8) & 7, vector = v & 0xff;

	if (off != 0 || (size != 2 && size != 4) || !event_valid(mode, vector)) {
		p->ignored++;
		return;
	}
	static const enum cpu_signal to_engine[] = {
		[EVENT_MODE_FIXED] = CPU_SIGNAL_EXTINT,
		[EVENT_MODE_NMI] = CPU_SIGNAL_NMI,
		[EVENT_MODE_INIT] = CPU_SIGNAL_INIT,
	};

	p->raised++;
	if (p->raise)
		p->raise(p->opaque, to_engine[mode], (uint8_t)vector);
}

int event_port_attach(struct event_port *p, struct io_bus *pio, uint16_t port)
{
	struct io_handler h = { "event-port", event_port_read, event_port_write, p };

	return io_bus_register(pio, port, 1, &h);
}
