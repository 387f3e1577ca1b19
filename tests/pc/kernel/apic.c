// SPDX-License-Identifier: MIT
/*
 * The local APIC as a test kernel uses it (after irq.c enabled it and set
 * up the IDT): a self-IPI through the ICR's shorthand, the timer in
 * one-shot and periodic mode waking HLT, and in TSC-deadline mode where
 * CPUID has it (QEMU's TCG does not: an "irqx" line).  Vectors 0x38
 * (timer) and 0x39 (IPI).
 */
#include "kernel.h"

#define V_TIMER 0x38
#define V_IPI   0x39

enum {
	APIC_ICR = 0x300, APIC_LVT_TIMER = 0x320, APIC_TMICT = 0x380,
	APIC_TMCCT = 0x390, APIC_TDCR = 0x3e0, APIC_IRR = 0x200,
};
#define LVT_MASKED   (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_DEADLINE (2u << 17)
#define ICR_SELF     (1u << 18)
#define ICR_PENDING  (1u << 12)
#define MSR_TSC_DEADLINE 0x6e0

static inline uint64_t rdmsr(uint32_t m)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(m));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t m, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(m), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static bool irr_has(unsigned v)
{
	return (lapic_read(APIC_IRR + (v / 32) * 0x10) >> (v % 32)) & 1;
}

/* HLT with interrupts on until vector v came n times (at most 100 wakes:
 * a timer that never fires ends the wait). */
static void halt_until(unsigned v, unsigned n)
{
	for (unsigned i = 0; i < 100 && irq_count[v] < n; i++)
		__asm__ volatile("sti; hlt; cli");
}

static void test_self_ipi(void)
{
	bool pending;

	irq_reset_counts();
	lapic_write(APIC_ICR, ICR_SELF | V_IPI);
	pending = irr_has(V_IPI);
	__asm__ volatile("sti; nop; cli");
	kputs("irq apic self_ipi");
	kkv_dec("irr_before_sti", pending);
	kkv_dec("count", irq_count[V_IPI]);
	kkv_dec("delivs", (lapic_read(APIC_ICR) & ICR_PENDING) != 0);
	kkv_dec("irr_after", irr_has(V_IPI));
	kputc('\n');
}

static void test_oneshot(void)
{
	irq_reset_counts();
	lapic_write(APIC_TDCR, 0xb);               /* divide by 1 */
	lapic_write(APIC_LVT_TIMER, V_TIMER);
	lapic_write(APIC_TMICT, 100000);
	halt_until(V_TIMER, 1);
	kputs("irq apic oneshot");
	kkv_dec("count", irq_count[V_TIMER]);
	kkv_dec("current_after", lapic_read(APIC_TMCCT));
	kputc('\n');
}

static void test_periodic(void)
{
	irq_reset_counts();
	lapic_write(APIC_TDCR, 0x3);               /* divide by 16 */
	lapic_write(APIC_LVT_TIMER, LVT_PERIODIC | V_TIMER);
	lapic_write(APIC_TMICT, 5000);
	halt_until(V_TIMER, 3);
	lapic_write(APIC_LVT_TIMER, LVT_MASKED | LVT_PERIODIC | V_TIMER);
	lapic_write(APIC_TMICT, 0);
	kputs("irq apic periodic");
	kkv_dec("count", irq_count[V_TIMER]);
	kkv_hex("lvt", lapic_read(APIC_LVT_TIMER));
	kkv_hex("tdcr", lapic_read(APIC_TDCR));
	kputc('\n');
}

static void test_tsc_deadline(void)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	kputs("irqx apic tsc_deadline");
	kkv_dec("cpuid", (c >> 24) & 1);
	if ((c >> 24) & 1) {
		irq_reset_counts();
		lapic_write(APIC_LVT_TIMER, LVT_DEADLINE | V_TIMER);
		wrmsr(MSR_TSC_DEADLINE, rdtsc() + 200000);
		halt_until(V_TIMER, 1);
		kkv_dec("count", irq_count[V_TIMER]);
		kkv_hex("msr_after", rdmsr(MSR_TSC_DEADLINE));
		lapic_write(APIC_LVT_TIMER, LVT_MASKED);
	}
	kputc('\n');
}

void test_lapic(void)
{
	eoi_mode = EOI_LAPIC;
	test_self_ipi();
	test_oneshot();
	test_periodic();
	test_tsc_deadline();
	lapic_write(APIC_LVT_TIMER, LVT_MASKED);
	irq_reset_counts();
}
