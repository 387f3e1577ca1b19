// SPDX-License-Identifier: MIT
/*
 * The local APIC's MSRs: IA32_APIC_BASE (SDM 11.4.4, 11.12.5), the x2APIC
 * registers 800H-8FFH (11.12.1) and IA32_TSC_DEADLINE (11.5.4.1).
 *
 * IA32_APIC_BASE states (11.12.5, Figure 11-27): disabled (EN=0, EXTD=0),
 * xAPIC (EN=1, EXTD=0), x2APIC (EN=1, EXTD=1).  EN=0 with EXTD=1 is
 * invalid, and so are x2APIC -> xAPIC and disabled -> x2APIC: each #GPs,
 * as does a reserved bit (0-7, 9, bits above MAXPHYADDR; EXTD without
 * x2APIC support).  Leaving the disabled state resets the APIC.
 */
#include "devices/lapic_internal.h"

#define X2APIC_FIRST 0x800u
#define X2APIC_LAST  0x8ffu
#define X2APIC_ICR   0x830u
/* x2APIC ICR bits that must be 0 (no delivery status, no remote read). */
#define X2APIC_ICR_RESV 0xfff32000ull

static uint64_t base_resv(const struct lapic *l)
{
	uint64_t ok = APIC_BASE_BSP | APIC_BASE_EN |
		      (((1ull << l->cfg.maxphyaddr) - 1) & ~0xfffull);

	if (l->cfg.x2apic)
		ok |= APIC_BASE_EXTD;
	return ~ok;
}

/* x2APIC IDs: the ID register holds the whole initial ID and LDR is
 * derived from it (11.12.10.2). */
static void enter_x2apic(struct lapic *l)
{
	uint32_t id = l->cfg.id;

	lapic_put(l, APIC_ID, id);
	lapic_put(l, APIC_LDR, ((id >> 4) << 16) | (1u << (id & 0xf)));
}

static enum intc_msr_result write_base(struct lapic *l, uint64_t v)
{
	bool was_en = lapic_hw_enabled(l), was_x2 = lapic_x2apic_mode(l);
	bool en = v & APIC_BASE_EN, x2 = v & APIC_BASE_EXTD;

	if ((v & base_resv(l)) || (x2 && !en) || (was_x2 && en && !x2) ||
	    (!was_en && x2))
		return INTC_MSR_GP;
	/* The BSP flag is read-only. */
	v = (v & ~APIC_BASE_BSP) | (l->apic_base & APIC_BASE_BSP);
	l->apic_base = v;
	if (!was_en && en) {
		/* Re-enabled: as after power-up, with this base (11.4.3). */
		lapic_reset(l);
		l->apic_base = v;
	}
	if (x2 && !was_x2)
		enter_x2apic(l);
	if (!en && was_x2)
		lapic_put(l, APIC_ID, l->cfg.id << 24);
	lapic_remap(l);
	lapic_extint_changed(l);   /* EN=0 routes the 8259 to INTR */
	return INTC_MSR_OK;
}

static unsigned x2_off(uint32_t index)
{
	return (index - X2APIC_FIRST) << 4;
}

/* The controller's MSRs on a processor without a local APIC. */
static bool absent_msr(const struct lapic *l, uint32_t index)
{
	return l->cfg.absent &&
	       (index == MSR_IA32_APIC_BASE || index == MSR_IA32_TSC_DEADLINE ||
		(index >= X2APIC_FIRST && index <= X2APIC_LAST));
}

enum intc_msr_result lapic_msr_read(void *opaque, uint32_t index,
				    uint64_t tsc, uint64_t *val)
{
	struct lapic *l = opaque;
	unsigned off = x2_off(index);

	if (absent_msr(l, index))
		return INTC_MSR_GP;
	if (index == MSR_IA32_APIC_BASE) {
		*val = l->apic_base;
		return INTC_MSR_OK;
	}
	if (index == MSR_IA32_TSC_DEADLINE) {
		if (!l->cfg.tsc_deadline)
			return INTC_MSR_GP;
		*val = lapic_tsc_deadline_read(l, tsc);
		return INTC_MSR_OK;
	}
	if (index < X2APIC_FIRST || index > X2APIC_LAST)
		return INTC_MSR_NOT_MINE;
	if (!lapic_x2apic_mode(l) || !lapic_x2_read_ok(off))
		return INTC_MSR_GP;
	*val = lapic_reg_read(l, off);
	if (index == X2APIC_ICR)
		*val |= (uint64_t)lapic_get(l, APIC_ICR2) << 32;
	return INTC_MSR_OK;
}

enum intc_msr_result lapic_msr_write(void *opaque, uint32_t index,
				     uint64_t tsc, uint64_t val)
{
	struct lapic *l = opaque;
	unsigned off = x2_off(index);

	if (absent_msr(l, index))
		return INTC_MSR_GP;
	if (index == MSR_IA32_APIC_BASE)
		return write_base(l, val);
	if (index == MSR_IA32_TSC_DEADLINE) {
		if (!l->cfg.tsc_deadline)
			return INTC_MSR_GP;
		lapic_tsc_deadline_write(l, tsc, val);
		return INTC_MSR_OK;
	}
	if (index < X2APIC_FIRST || index > X2APIC_LAST)
		return INTC_MSR_NOT_MINE;
	if (!lapic_x2apic_mode(l))
		return INTC_MSR_GP;
	if (index == X2APIC_ICR) {
		if (val & X2APIC_ICR_RESV)
			return INTC_MSR_GP;
		lapic_send_icr(l, val);
		return INTC_MSR_OK;
	}
	if ((val >> 32) || !lapic_x2_write_ok(off, (uint32_t)val))
		return INTC_MSR_GP;
	lapic_reg_write(l, off, (uint32_t)val);
	return INTC_MSR_OK;
}
