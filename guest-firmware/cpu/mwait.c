// SPDX-License-Identifier: MIT
/*
 * MONITOR/MWAIT really waiting (SDM Vol. 2 MONITOR, MWAIT; Vol. 3A
 * 9.10.4), run with `vmxbox run --smp=2`: MWAIT returns at once without
 * an armed monitor, when the line was written since MONITOR, or for a
 * line that is not memory; it sleeps until an APIC-timer interrupt (IF=1),
 * until a masked one with ECX[0] = 1 (not delivered), until another
 * vCPU's store to the line, and an AP sleeps until the BSP's store or a
 * fixed IPI.  Every wait loop counts its MWAITs: one MWAIT per wake-up
 * shows the vCPU slept instead of spinning (a returning-at-once MWAIT
 * would go round the loop many thousand times).  The APs never print.
 */
#include "../smp/ap.h"

#define VEC_TIMER	0x31
#define VEC_IPI		0x32
#define AP_DELAY	100000ull	/* the AP's loop before its store */

static volatile unsigned n_irq;
/* Each flag on a line of its own: a store to one is no break event for
 * a monitor on another. */
static volatile uint32_t bsp_flag __attribute__((aligned(64)));
static volatile uint32_t ap_flag __attribute__((aligned(64)));
static volatile uint32_t ap_go, ap_ready, ap_mwaits, ap_done, ap_phase;
static volatile uint32_t ap_irqs;

static bool on_timer(struct trap_frame *f)
{
	n_irq++;
	apic_eoi();
	return true;
}

static bool on_ipi(struct trap_frame *f)
{
	ap_irqs++;
	apic_eoi();
	return true;
}

static inline void monitor(const volatile void *p)
{
	asm volatile("monitor" : : "a"(p), "c"(0), "d"(0) : "memory");
}

static inline void mwait(uint32_t hints, uint32_t ext)
{
	asm volatile("mwait" : : "a"(hints), "c"(ext) : "memory");
}

static void spin_work(uint64_t n)
{
	asm volatile("1: dec %0; jnz 1b" : "+r"(n));
}

static void test_cpuid(void)
{
	struct cpuid_regs r = cpuid(5, 0);

	expect_eq((cpuid(1, 0).ecx >> 3) & 1, 1, "cpuid.1:ecx.monitor");
	expect_eq(r.eax, 64, "cpuid.5 smallest line 64");
	expect_eq(r.ebx, 64, "cpuid.5 largest line 64");
	expect_eq(r.ecx & 3, 3, "cpuid.5 extensions, interrupt break event");
}

/*
 * With IF = 0, ECX = 0 and no timer armed nothing could end a real wait:
 * each of these returns at once or the run would end halted.
 */
static void test_at_once(void)
{
	static volatile uint32_t line __attribute__((aligned(64)));

	asm volatile("cli");
	mwait(0, 0);
	report(true, "mwait without monitor returns");
	monitor(&line);
	line = 1;
	mwait(0, 0);
	report(true, "line written between monitor and mwait: returns");
	monitor(&line);
	line = 2;
	mwait(0, 0);
	mwait(0, 0);
	report(true, "mwait disarms the monitor");
	monitor((const volatile void *)(APIC_BASE_ADDR + APIC_ID));
	mwait(0, 0);
	report(true, "monitor on mmio (apic page) is not armed: returns");
}

/* Arms the APIC timer, one-shot, count cycles from now (divide by 1). */
static void timer_in(uint32_t count)
{
	apic_write(APIC_TDCR, 0xb);
	apic_write(APIC_LVT_TIMER, VEC_TIMER);
	apic_write(APIC_TMICT, count);
}

/* sti; mwait: the STI shadow covers MWAIT, the interrupt wakes it. */
static void test_timer_wakes(void)
{
	static volatile uint32_t line __attribute__((aligned(64)));
	unsigned mwaits = 0;
	uint64_t t0, t1;

	n_irq = 0;
	t0 = rdtsc();
	timer_in(1000000);                             /* 1 ms */
	while (!n_irq) {
		monitor(&line);
		asm volatile("sti; mwait; cli"
			     : : "a"(0), "c"(0) : "memory");
		mwaits++;
	}
	t1 = rdtsc();
	expect_eq(mwaits, 1, "apic timer wakes mwait (if=1): one mwait");
	if (!report(t1 - t0 >= 1000000 && t1 - t0 < 1000200,
		    "mwait slept 1 ms of virtual time"))
		printf("  slept %llu cycles\n", (unsigned long long)(t1 - t0));
}

/* ECX[0] = 1: a masked interrupt ends the wait and stays pending. */
static void test_masked_break(void)
{
	static volatile uint32_t line __attribute__((aligned(64)));
	uint64_t t0, t1;

	n_irq = 0;
	asm volatile("cli");
	t0 = rdtsc();
	timer_in(500000);
	monitor(&line);
	mwait(0, 1);
	t1 = rdtsc();
	expect_eq(n_irq, 0, "ecx[0]=1, if=0: woken, interrupt not taken");
	expect_eq(apic_vec_set(APIC_IRR, VEC_TIMER), 1,
		  "the timer interrupt is pending in irr");
	if (!report(t1 - t0 >= 500000 && t1 - t0 < 500200,
		    "woke at the timer's expiry"))
		printf("  woke after %llu cycles\n", (unsigned long long)(t1 - t0));
	asm volatile("sti; nop; cli" ::: "memory");
	expect_eq(n_irq, 1, "delivered after sti");
}

/* ECX = 0 with IF = 0: a masked interrupt is no break event; the store
 * that follows (from the AP) is. */
static void test_store_wakes(void)
{
	unsigned mwaits = 0;
	uint64_t t0, t1;

	n_irq = 0;
	asm volatile("cli");
	timer_in(50000);                               /* masked: ignored */
	t0 = rdtsc();
	ap_phase = 1;
	while (!bsp_flag) {
		monitor(&bsp_flag);
		if (bsp_flag)
			break;
		mwait(0, 0);
		mwaits++;
	}
	t1 = rdtsc();
	expect_eq(mwaits, 1, "another vcpu's store wakes mwait: one mwait");
	if (!report(t1 - t0 >= AP_DELAY, "slept while the ap worked"))
		printf("  woke after %llu cycles\n", (unsigned long long)(t1 - t0));
	expect_eq(n_irq, 0, "the masked timer interrupt did not end it");
	asm volatile("sti; nop; cli" ::: "memory");
	expect_eq(n_irq, 1, "timer delivered after sti");
}

/* The AP sleeps in MWAIT (IF = 1): the BSP's store wakes it, then an IPI. */
static void test_ap_waits(void)
{
	ap_phase = 2;
	report(smp_wait_for(&ap_ready, 1), "ap in its mwait loop");
	spin_work(AP_DELAY);
	ap_flag = 1;
	report(smp_wait_for(&ap_done, 1), "ap woken by the store");
	expect_eq(ap_mwaits, 1, "ap: one mwait for the store");
	ap_phase = 3;
	report(smp_wait_for(&ap_ready, 2), "ap in its second mwait");
	spin_work(AP_DELAY);
	smp_send_ipi(1, VEC_IPI);
	report(smp_wait_for(&ap_done, 2), "ap woken by a fixed ipi");
	expect_eq(ap_irqs, 1, "ap: the ipi delivered");
	expect_eq(ap_mwaits, 1, "ap: one mwait for the ipi");
}

static void ap_wait_loop(volatile uint32_t *flag, volatile uint32_t *stop)
{
	static volatile uint32_t line __attribute__((aligned(64)));
	volatile uint32_t *watch = flag ? flag : &line;
	uint32_t n = 0;

	__atomic_add_fetch(&ap_ready, 1, __ATOMIC_SEQ_CST);
	while (!*stop) {
		monitor(watch);
		if (*stop)
			break;
		asm volatile("sti; mwait; cli" : : "a"(0), "c"(0) : "memory");
		n++;
	}
	ap_mwaits = n;
	__atomic_add_fetch(&ap_done, 1, __ATOMIC_SEQ_CST);
}

void ap_start(uint32_t id)
{
	if (id != 1)
		return;
	while (ap_phase != 1)
		asm volatile("pause");
	spin_work(AP_DELAY);
	bsp_flag = 1;
	while (ap_phase != 2)
		asm volatile("pause");
	ap_wait_loop(&ap_flag, &ap_flag);
	while (ap_phase != 3)
		asm volatile("pause");
	ap_wait_loop(NULL, &ap_irqs);
}

int main(void)
{
	unsigned n = smp_fw_cfg_cpus();

	trap_set_handler(VEC_TIMER, on_timer);
	trap_set_handler(VEC_IPI, on_ipi);
	test_section("mwait cpuid");
	test_cpuid();
	test_section("mwait returns at once");
	test_at_once();
	test_section("mwait wakes on interrupts");
	test_timer_wakes();
	test_masked_break();
	if (n != 2) {
		printf("FAIL nb_cpus %u: run with --smp=2\n", n);
		return test_summary();
	}
	test_section("mwait wakes on stores");
	report(smp_start_aps(n), "ap started");
	test_store_wakes();
	test_ap_waits();
	return test_summary();
}
