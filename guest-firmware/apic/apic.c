// SPDX-License-Identifier: MIT
/*
 * The local APIC seen from the guest (SDM Vol. 3A chapter 11) on the
 * virtual clock (docs/platform.md): self-IPIs through the ICR and their
 * delivery status, priority (TPR/CR8, in-service vectors) and EOI, and the
 * timer in one-shot, periodic and TSC-deadline modes waking HLT.  The TSC
 * runs at 1 GHz of virtual time, the APIC timer at 1 GHz / divider, so the
 * time a HLT sleeps is exact; a TSC write moves a TSC-deadline timer.
 */
#include "fw.h"
#include "apic.h"

/* The runtime's IDT has vectors 0-63. */
#define VEC_IPI		0x30
#define VEC_TIMER	0x31
#define VEC_LOW		0x2a
#define VEC_HIGH	0x3a

static volatile unsigned n_irq;
static volatile uint64_t order[8];

static bool on_irq(struct trap_frame *f)
{
	if (n_irq < 8)
		order[n_irq] = f->vector;
	n_irq++;
	apic_eoi();
	return true;
}

/* An 8259 interrupt: non-specific EOI to the master. */
static bool on_pic_irq(struct trap_frame *f)
{
	if (n_irq < 8)
		order[n_irq] = f->vector;
	n_irq++;
	outb(0x20, 0x20);
	return true;
}

static void reset_seen(void)
{
	n_irq = 0;
	for (unsigned i = 0; i < 8; i++)
		order[i] = 0;
}

static void sti_hlt(void)
{
	asm volatile("sti; hlt; cli" ::: "memory");
}

static void test_registers(void)
{
	struct cpuid_regs r = cpuid(1, 0);

	expect_eq((r.edx >> 9) & 1, 1, "cpuid.1:edx.apic");
	expect_eq((r.ecx >> 21) & 1, 1, "cpuid.1:ecx.x2apic");
	expect_eq((r.ecx >> 24) & 1, 1, "cpuid.1:ecx.tsc_deadline");
	expect_eq(rdmsr(MSR_APIC_BASE), 0xfee00900, "apic base: enabled, bsp");
	expect_eq(apic_read(APIC_LVR), 0x50014, "version 0x14, 6 lvt entries");
	expect_eq(apic_read(APIC_SPIV) & 0x1ff, 0x1ff,
		  "boot protocol: software enabled");
	expect_eq(apic_read(APIC_ID), 0, "apic id 0");
}

static void test_self_ipi(void)
{
	uint32_t icr;

	reset_seen();
	trap_set_handler(VEC_IPI, on_irq);
	apic_write(APIC_ICR, APIC_ICR_SELF | VEC_IPI);
	icr = apic_read(APIC_ICR);
	expect_eq(icr & APIC_ICR_PENDING, 0, "icr delivery status idle");
	expect_eq(icr, APIC_ICR_SELF | VEC_IPI, "icr reads back");
	expect_eq(apic_vec_set(APIC_IRR, VEC_IPI), 1, "self ipi in irr (if 0)");
	asm volatile("sti; nop; cli" ::: "memory");
	expect_eq(n_irq, 1, "self ipi delivered after sti");
	expect_eq(apic_vec_set(APIC_ISR, VEC_IPI), 0, "eoi retired it");
}

static void test_priority(void)
{
	reset_seen();
	trap_set_handler(VEC_LOW, on_irq);
	trap_set_handler(VEC_HIGH, on_irq);
	apic_write(APIC_ICR, APIC_ICR_SELF | VEC_LOW);
	apic_write(APIC_ICR, APIC_ICR_SELF | VEC_HIGH);
	asm volatile("sti; nop; nop; cli" ::: "memory");
	expect_eq(n_irq, 2, "two interrupts");
	expect_eq(order[0], VEC_HIGH, "higher vector first");
	expect_eq(order[1], VEC_LOW, "then the lower one");

	/* CR8 is TPR[7:4]: class 2 holds vector 0x2a. */
	reset_seen();
	write_cr8(2);
	expect_eq(apic_read(APIC_TPR), 0x20, "mov cr8 sets tpr");
	apic_write(APIC_ICR, APIC_ICR_SELF | VEC_LOW);
	asm volatile("sti; nop; cli" ::: "memory");
	expect_eq(n_irq, 0, "tpr 0x20 holds vector 0x2a");
	expect_eq(apic_read(APIC_PPR), 0x20, "ppr = tpr");
	write_cr8(1);
	asm volatile("sti; nop; cli" ::: "memory");
	expect_eq(n_irq, 1, "tpr 0x10 lets it through");
	write_cr8(0);
	expect_eq(read_cr8(), 0, "cr8 reads tpr");
}

static void test_timer_one_shot(void)
{
	uint64_t t0, t1;

	reset_seen();
	trap_set_handler(VEC_TIMER, on_irq);
	apic_write(APIC_TDCR, 0xb);                  /* divide by 1 */
	apic_write(APIC_LVT_TIMER, VEC_TIMER);
	t0 = rdtsc();
	apic_write(APIC_TMICT, 2000000);             /* 2 ms */
	sti_hlt();
	t1 = rdtsc();
	expect_eq(n_irq, 1, "one-shot timer woke hlt");
	if (!report(t1 - t0 >= 2000000 && t1 - t0 < 2000100,
		    "hlt slept 2 ms of virtual time"))
		printf("  slept %llu cycles\n", (unsigned long long)(t1 - t0));
	expect_eq(apic_read(APIC_TMCCT), 0, "one-shot count ran out");

	/* Divide by 16: 1000 counts are 16000 cycles. */
	reset_seen();
	apic_write(APIC_TDCR, 0x3);
	t0 = rdtsc();
	apic_write(APIC_TMICT, 1000);
	sti_hlt();
	t1 = rdtsc();
	if (!report(n_irq == 1 && t1 - t0 >= 16000 && t1 - t0 < 16100,
		    "divide by 16: 1000 counts are 16000 cycles"))
		printf("  woke after %llu cycles\n", (unsigned long long)(t1 - t0));
}

static void test_timer_periodic(void)
{
	uint64_t t0, t1;
	unsigned i;

	reset_seen();
	apic_write(APIC_TDCR, 0xb);
	apic_write(APIC_LVT_TIMER, APIC_TIMER_PERIODIC | VEC_TIMER);
	t0 = rdtsc();
	apic_write(APIC_TMICT, 100000);
	for (i = 0; i < 5; i++)
		sti_hlt();
	t1 = rdtsc();
	apic_write(APIC_TMICT, 0);                   /* stop */
	expect_eq(n_irq, 5, "periodic timer: five wake-ups");
	if (!report(t1 - t0 >= 500000 && t1 - t0 < 500500,
		    "five periods of 100 us"))
		printf("  took %llu cycles\n", (unsigned long long)(t1 - t0));
}

static void test_timer_tsc_deadline(void)
{
	uint64_t t0, t1;

	reset_seen();
	apic_write(APIC_LVT_TIMER, APIC_TIMER_TSCDL | VEC_TIMER);
	t0 = rdtsc();
	wrmsr(MSR_TSC_DEADLINE, t0 + 300000);
	expect_eq(rdmsr(MSR_TSC_DEADLINE), t0 + 300000, "deadline reads back");
	sti_hlt();
	t1 = rdtsc();
	expect_eq(n_irq, 1, "tsc-deadline timer woke hlt");
	if (!report(t1 >= t0 + 300000 && t1 < t0 + 300100,
		    "woke at the deadline"))
		printf("  woke after %llu cycles\n", (unsigned long long)(t1 - t0));
	expect_eq(rdmsr(MSR_TSC_DEADLINE), 0, "deadline disarmed after firing");
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
}

#define MSR_TSC		0x10
#define MSR_TSC_ADJUST	0x3b

/*
 * The TSC-deadline timer fires when the TSC reaches IA32_TSC_DEADLINE
 * (SDM 11.5.4.1), so writing the TSC moves it: set forward past the
 * deadline it fires at once, set back it fires that much later.
 */
static void test_timer_tsc_written(void)
{
	uint64_t t0, t1;

	reset_seen();
	apic_write(APIC_LVT_TIMER, APIC_TIMER_TSCDL | VEC_TIMER);
	t0 = rdtsc();
	wrmsr(MSR_TSC_DEADLINE, t0 + 1000000);
	wrmsr(MSR_TSC, t0 + 2000000);
	asm volatile("sti; nop; cli" ::: "memory");
	expect_eq(n_irq, 1, "tsc set past the deadline: fires at once");
	expect_eq(rdmsr(MSR_TSC_DEADLINE), 0, "and disarms");

	/* Back by 200 us: a deadline 100 us ahead is 300 us of waiting. */
	reset_seen();
	t0 = rdtsc();
	wrmsr(MSR_TSC_DEADLINE, t0 + 100000);
	wrmsr(MSR_TSC, t0 - 200000);
	t0 = rdtsc();
	sti_hlt();
	t1 = rdtsc();
	expect_eq(n_irq, 1, "tsc set back: the timer still fires");
	if (!report(t1 - t0 >= 300000 - 100 && t1 - t0 < 300100,
		    "tsc set back: fires when the tsc reaches the deadline"))
		printf("  woke after %llu cycles\n", (unsigned long long)(t1 - t0));

	/* IA32_TSC_ADJUST moves the TSC too (SDM 18.17.3). */
	reset_seen();
	t0 = rdtsc();
	wrmsr(MSR_TSC_DEADLINE, t0 + 1000000);
	wrmsr(MSR_TSC_ADJUST, rdmsr(MSR_TSC_ADJUST) + 2000000);
	asm volatile("sti; nop; cli" ::: "memory");
	expect_eq(n_irq, 1, "tsc_adjust past the deadline: fires at once");
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
}

/* ---- --cpu=...,-apic: a processor without a local APIC ------------------ */

static void do_rdmsr(void *idx)
{
	(void)rdmsr((uint32_t)(uint64_t)idx);
}

static void do_wrmsr_base(void *unused)
{
	(void)unused;
	wrmsr(MSR_APIC_BASE, APIC_BASE_ADDR | APIC_BASE_EN);
}

static int msr_fault(void (*fn)(void *), uint32_t idx)
{
	struct trap_info ti;

	return trap_try(fn, (void *)(uint64_t)idx, &ti);
}

/* The 8259 drives INTR directly: IRQ 0 from the PIT at vector 0x20. */
static void test_pic_without_apic(void)
{
	static const uint8_t icw[2][4] = {
		{ 0x11, 0x20, 0x04, 0x01 }, { 0x11, 0x28, 0x02, 0x01 },
	};

	for (int c = 0; c < 2; c++) {
		outb(c ? 0xa0 : 0x20, icw[c][0]);
		for (int k = 1; k < 4; k++)
			outb(c ? 0xa1 : 0x21, icw[c][k]);
	}
	outb(0x21, 0xfe);                             /* IRQ 0 only */
	outb(0xa1, 0xff);
	reset_seen();
	trap_set_handler(0x20, on_pic_irq);
	outb(0x43, 0x34);                             /* rate generator, 1 ms */
	outb(0x40, 1193 & 0xff);
	outb(0x40, 1193 >> 8);
	sti_hlt();
	outb(0x21, 0xff);
	expect_eq(n_irq, 1, "pit irq 0 through the 8259 woke hlt");
	expect_eq(order[0], 0x20, "8259 vector 0x20");
}

static int test_absent(void)
{
	expect_eq(msr_fault(do_rdmsr, MSR_APIC_BASE), VEC_GP,
		  "no apic: rdmsr ia32_apic_base #gp");
	expect_eq(msr_fault(do_wrmsr_base, 0), VEC_GP,
		  "no apic: wrmsr ia32_apic_base #gp");
	expect_eq(msr_fault(do_rdmsr, MSR_TSC_DEADLINE), VEC_GP,
		  "no apic: rdmsr ia32_tsc_deadline #gp");
	expect_eq(msr_fault(do_rdmsr, 0x802), VEC_GP,
		  "no apic: rdmsr x2apic id #gp");
	expect_eq(apic_read(APIC_LVR), 0xffffffff,
		  "no apic: nothing at 0xfee00000");
	test_pic_without_apic();
	return test_summary();
}

int main(void)
{
	printf("vmxbox apic test\n");
	if (!((cpuid(1, 0).edx >> 9) & 1)) {          /* --cpu=...,-apic */
		test_section("no local apic");
		return test_absent();
	}
	test_section("registers");
	test_registers();
	test_section("self ipi");
	test_self_ipi();
	test_section("priority");
	test_priority();
	test_section("timer");
	test_timer_one_shot();
	test_timer_periodic();
	test_timer_tsc_deadline();
	test_timer_tsc_written();
	return test_summary();
}
