// SPDX-License-Identifier: MIT
#include "devices/pm_timer.h"

void pm_timer_init(struct pm_timer *t, struct vclock *clock)
{
	t->clock = clock;
}

uint32_t pm_timer_value(const struct pm_timer *t)
{
	return (uint32_t)vclock_ns_to_ticks(vclock_now(t->clock), PM_TIMER_HZ) &
	       0xffffffu;
}

/* Narrower or unaligned reads see the bytes of the 32-bit value. */
static uint64_t tmr_read(void *opaque, uint64_t off, unsigned size)
{
	uint64_t v = pm_timer_value(opaque) >> (8 * off);

	return size >= 4 ? v : v & ((1ull << (8 * size)) - 1);
}

static void tmr_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	/* read-only */
}

int pm_timer_attach(struct pm_timer *t, struct io_bus *pio, uint16_t port)
{
	const struct io_handler h = { "acpi-pm-timer", tmr_read, tmr_write, t };

	return io_bus_register(pio, port, 4, &h);
}
