// SPDX-License-Identifier: MIT
/*
 * Interrupts and NMIs outside VMX operation, raised through vmxbox's event
 * port (0xf5, docs/boot.md) and taken at instruction boundaries (SDM 6.8,
 * 6.9): with IF set, after STI's shadow, NMI through vector 2.  (HLT
 * woken by a pending interrupt is left out while the interpreter ends the
 * run at every HLT; the kvm engine wakes it.)
 * The event port sends fixed interrupts as self-IPIs through the local
 * APIC, so the handler ends each one with an EOI.
 * The program never touches VMX, so on the kvm engine it runs on KVM from
 * start to end: the events go in through KVM_INTERRUPT / KVM_NMI, and the
 * output must be the interpreter's.
 */
#include "fw.h"

#define EVENT_PORT	0xf5
#define EV_FIXED(v)	(0x000u | (v))
#define EV_NMI		0x400u
#define VEC		0x30

static volatile unsigned intr_hits, nmi_hits;
static volatile uint64_t intr_rip, intr_rflags;

/* The local APIC's EOI register (xAPIC MMIO at its default base). */
#define APIC_EOI_REG	((volatile uint32_t *)0xfee000b0)

static bool on_intr(struct trap_frame *f)
{
	*APIC_EOI_REG = 0;      /* retire it from ISR (SDM 11.8.5) */
	intr_hits++;
	intr_rip = f->rip;
	intr_rflags = f->rflags;
	return true;
}

static bool on_nmi(struct trap_frame *f)
{
	nmi_hits++;
	return true;
}

static void raise_event(uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"((uint16_t)EVENT_PORT));
}

extern char after_out[], after_sti_nop[];

static void test_if_set(void)
{
	intr_hits = 0;
	asm volatile("sti\n\t"
		     "nop\n\t"
		     "outl %0, %1\n"
		     "after_out:\n\t"
		     "nop\n\t"
		     "cli"
		     : : "a"(EV_FIXED(VEC)), "Nd"((uint16_t)EVENT_PORT) : "memory");
	expect_eq(intr_hits, 1, "if=1: taken once");
	expect_eq(intr_rip, (uint64_t)after_out, "if=1: taken right after the out");
	expect_eq(intr_rflags & RFLAGS_IF, RFLAGS_IF, "if=1: pushed rflags has if");
}

static void test_sti_shadow(void)
{
	unsigned before;

	intr_hits = 0;
	raise_event(EV_FIXED(VEC));
	before = intr_hits;
	asm volatile("sti\n\t"
		     "nop\n"
		     "after_sti_nop:\n\t"
		     "nop\n\t"
		     "cli" : : : "memory");
	expect_eq(before, 0, "if=0: held while interrupts are off");
	expect_eq(intr_hits, 1, "sti: taken once");
	expect_eq(intr_rip, (uint64_t)after_sti_nop,
		  "sti: taken after the instruction that follows sti");
}

static void test_many(void)
{
	unsigned n = 0;

	intr_hits = 0;
	asm volatile("sti" : : : "memory");
	for (unsigned i = 0; i < 1000; i++) {
		raise_event(EV_FIXED(VEC));
		n += intr_hits == i + 1;
	}
	asm volatile("cli" : : : "memory");
	expect_eq(intr_hits, 1000, "1000 interrupts: none lost");
	expect_eq(n, 1000, "1000 interrupts: each before the next instruction");
}

static void test_nmi(void)
{
	nmi_hits = 0;
	raise_event(EV_NMI);
	expect_eq(nmi_hits, 1, "nmi: taken with interrupts off");
	raise_event(EV_NMI);
	expect_eq(nmi_hits, 2, "nmi: blocking ends with iret");
}

int main(void)
{
	printf("vmxbox events test\n");
	trap_set_handler(VEC, on_intr);
	trap_set_handler(2, on_nmi);
	test_section("external interrupts");
	test_if_set();
	test_sti_shadow();
	test_many();
	test_section("nmi");
	test_nmi();
	return test_summary();
}
