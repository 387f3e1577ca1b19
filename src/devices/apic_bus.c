// SPDX-License-Identifier: MIT
/*
 * Message routing between interrupt sources and local APICs (SDM Vol. 3A
 * 11.6.2 destinations, 11.6.2.4 lowest priority, 11.12.9 x2APIC logical
 * destinations).
 */
#include "devices/apic_bus.h"

#include <errno.h>
#include <string.h>

#include "devices/lapic.h"

void apic_bus_init(struct apic_bus *b)
{
	memset(b, 0, sizeof(*b));
}

int apic_bus_add(struct apic_bus *b, struct lapic *l)
{
	if (b->n_cpus == APIC_BUS_MAX_CPUS)
		return -ENOSPC;
	b->cpu[b->n_cpus++] = l;
	return 0;
}

static bool match_x2apic(const struct lapic *l, const struct apic_msg *m)
{
	uint32_t ldr = lapic_get(l, APIC_LDR);

	if (m->dest == 0xffffffffu)
		return true;
	if (!m->logical)
		return m->dest == lapic_id(l);
	return (m->dest >> 16) == (ldr >> 16) && (m->dest & ldr & 0xffff);
}

bool lapic_match_dest(const struct lapic *l, const struct apic_msg *m)
{
	uint32_t dest = m->dest & 0xff, ldr;

	if (!lapic_hw_enabled(l))
		return false;
	if (lapic_x2apic_mode(l))
		return match_x2apic(l, m);
	if (dest == 0xff)
		return true;           /* broadcast, both modes */
	if (!m->logical)
		return dest == lapic_id(l);
	ldr = lapic_get(l, APIC_LDR) >> 24;
	if ((lapic_get(l, APIC_DFR) >> 28) == 0xf)
		return ldr & dest;     /* flat model */
	/* Cluster model: cluster in bits 7:4, members in 3:0. */
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
}

/* Lowest priority: the matching APIC with the lowest PPR (ties: the
 * first, a fixed arbitration order). */
static struct lapic *lowest(struct apic_bus *b, const struct apic_msg *m)
{
	struct lapic *best = NULL;

	for (unsigned i = 0; i < b->n_cpus; i++) {
		struct lapic *l = b->cpu[i];

		if (lapic_match_dest(l, m) &&
		    (!best || lapic_ppr(l) < lapic_ppr(best)))
			best = l;
	}
	return best;
}

void apic_bus_send(struct apic_bus *b, struct lapic *from,
		   const struct apic_msg *m)
{
	struct lapic *l;

	switch (m->shorthand) {
	case APIC_SH_SELF:
		if (from)
			lapic_accept(from, m);
		return;
	case APIC_SH_ALL:
	case APIC_SH_OTHERS:
		for (unsigned i = 0; i < b->n_cpus; i++)
			if (m->shorthand == APIC_SH_ALL || b->cpu[i] != from)
				lapic_accept(b->cpu[i], m);
		return;
	default:
		break;
	}
	if (m->mode == APIC_DM_LOWPRI) {
		l = lowest(b, m);
		if (l)
			lapic_accept(l, m);
		return;
	}
	for (unsigned i = 0; i < b->n_cpus; i++)
		if (lapic_match_dest(b->cpu[i], m))
			lapic_accept(b->cpu[i], m);
}

void apic_bus_eoi(struct apic_bus *b, uint8_t vector)
{
	if (b->eoi)
		b->eoi(b->eoi_opaque, vector);
}
