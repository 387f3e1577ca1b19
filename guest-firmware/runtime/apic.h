/* SPDX-License-Identifier: MIT */
/*
 * The local APIC from the firmware's side: xAPIC registers at the default
 * base (the boot protocol leaves it enabled there, software-enabled, docs/
 * boot.md) and the x2APIC MSRs.  Offsets and bits: SDM Vol. 3A Table 11-1.
 */
#ifndef FW_APIC_H
#define FW_APIC_H

#include "x86.h"

#define APIC_BASE_ADDR	0xfee00000ull
#define MSR_APIC_BASE	0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define APIC_BASE_EN	(1ull << 11)
#define APIC_BASE_EXTD	(1ull << 10)

#define APIC_ID		0x020
#define APIC_LVR	0x030
#define APIC_TPR	0x080
#define APIC_PPR	0x0a0
#define APIC_EOI	0x0b0
#define APIC_LDR	0x0d0
#define APIC_DFR	0x0e0
#define APIC_SPIV	0x0f0
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0

#define APIC_LVT_MASKED		(1u << 16)
#define APIC_TIMER_PERIODIC	(1u << 17)
#define APIC_TIMER_TSCDL	(2u << 17)
#define APIC_ICR_PENDING	(1u << 12)
#define APIC_ICR_SELF		(1u << 18)
#define APIC_DM_NMI		(4u << 8)

static inline uint32_t apic_read(uint32_t off)
{
	return *(volatile uint32_t *)(APIC_BASE_ADDR + off);
}

static inline void apic_write(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(APIC_BASE_ADDR + off) = v;
}

/* End of interrupt: retires the highest vector in service. */
static inline void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

static inline bool apic_vec_set(uint32_t base, unsigned vec)
{
	return apic_read(base + (vec / 32) * 0x10) & (1u << (vec % 32));
}

#endif
