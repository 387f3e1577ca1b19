// SPDX-License-Identifier: MIT
/*
 * Processors, as a multiboot kernel written for QEMU's pc machine finds
 * and starts them (command-line word "smp"): the enabled Processor Local
 * APIC entries of the ACPI MADT, then for each AP the INIT, INIT
 * de-assert, SIPI, SIPI sequence through the BSP's local APIC (SDM Vol.
 * 3A 9.4.4.1) with the real-mode trampoline of smp_tramp.S (shared with the
 * bundled firmware: guest-firmware/shared/ap_tramp.inc).  Each AP
 * loads a GDT and TSS of its own and the shared IDT, enables its local
 * APIC, says who it is (APIC ID, CPUID's initial APIC ID, IA32_APIC_BASE
 * BSP flag) and serves its mailbox.  Then: LOCK-prefixed increments by
 * every CPU at once, and a fixed IPI waking each AP from HLT.  Lines
 * "smp ..." are the same on QEMU (TCG, -smp N); "smpx" lines are
 * vmxbox's own.
 */
#include "smp.h"
#include "ap_tramp.h"

#define AP_STACK	8192		/* smp_tramp.S AP_STACK */
#define SPIN_LIMIT	4000000u
#define LOCK_INCS	20000u
#define VEC_WAKE	0x30
#define MSR_APIC_BASE	0x1b

void smp_ap_entry64(void);
void smp_ap_main(uint32_t apic_id);

uint8_t smp_stacks[SMP_MAX_CPUS + 1][AP_STACK] __attribute__((aligned(16)));
unsigned smp_ncpus;
uint32_t smp_apic_ids[SMP_MAX_CPUS];
struct tss64 smp_tss[SMP_MAX_CPUS] __attribute__((aligned(16)));
uint64_t smp_gdt[SMP_MAX_CPUS][5] __attribute__((aligned(16)));

/* What each AP found about itself, written before it counts as alive. */
struct ap_info {
	uint32_t apic_id, cpuid_apic_id, bsp_flag;
};
static struct ap_info info[SMP_MAX_CPUS];
static volatile uint32_t alive;
static bool ready;

static struct ap_mailbox mbox[SMP_MAX_CPUS];

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (uint64_t)hi << 32;
}

static uint32_t cpuid_apic_id(void)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return b >> 24;
}

unsigned smp_self(void)
{
	uint32_t id = lapic_read(APIC_ID) >> 24;

	for (unsigned k = 0; k < smp_ncpus; k++)
		if (smp_apic_ids[k] == id)
			return k;
	return SMP_MAX_CPUS;
}

bool smp_ready(void)
{
	return ready;
}

/* The GDT of smp.h with this CPU's TSS (available, type 9), loaded, and
 * TR loaded from it. */
static void load_gdt_tss(unsigned cpu)
{
	uint64_t base = (uint64_t)(uintptr_t)&smp_tss[cpu];
	uint64_t limit = sizeof(smp_tss[cpu]) - 1;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) g = { sizeof(smp_gdt[cpu]) - 1,
					(uint64_t)(uintptr_t)smp_gdt[cpu] };

	smp_gdt[cpu][0] = 0;
	smp_gdt[cpu][1] = 0x00af9b000000ffffull;
	smp_gdt[cpu][2] = 0x00cf93000000ffffull;
	smp_gdt[cpu][3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			  (0x89ull << 40) | (((base >> 24) & 0xff) << 56);
	smp_gdt[cpu][4] = base >> 32;
	smp_tss[cpu].iomap_base = sizeof(smp_tss[cpu]);
	__asm__ volatile("lgdt %0; ltr %w1" : : "m"(g), "r"(SEL_TSS) : "memory");
}

/* Every AP, in long mode on the BSP's page tables, on its own stack. */
void smp_ap_main(uint32_t apic_id)
{
	unsigned cpu;

	for (cpu = 1; cpu < smp_ncpus && smp_apic_ids[cpu] != apic_id; cpu++)
		;
	if (cpu >= smp_ncpus)
		for (;;)
			__asm__ volatile("cli; hlt");
	load_gdt_tss(cpu);
	idt_init();
	lapic_write(APIC_SPIV, 0x13f);              /* enabled, spurious 0x3f */
	info[cpu] = (struct ap_info){
		.apic_id = apic_id, .cpuid_apic_id = cpuid_apic_id(),
		.bsp_flag = (rdmsr(MSR_APIC_BASE) >> 8) & 1,
	};
	__atomic_add_fetch(&alive, 1, __ATOMIC_SEQ_CST);
	ap_mailbox_serve(&mbox[cpu]);
}

void smp_ipi(unsigned cpu, uint32_t icr)
{
	lapic_write(APIC_ICR2, smp_apic_ids[cpu] << 24);
	lapic_write(APIC_ICR, icr);
	while (lapic_read(APIC_ICR) & ICR_PENDING)
		__asm__ volatile("pause");
}

bool smp_wait_for(volatile uint32_t *v, uint32_t want)
{
	for (uint32_t i = 0; i < SPIN_LIMIT; i++) {
		if (__atomic_load_n(v, __ATOMIC_SEQ_CST) == want)
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

void smp_post(unsigned cpu, void (*fn)(void *), void *arg)
{
	ap_mailbox_post(&mbox[cpu], fn, arg);
}

bool smp_wait_done(unsigned cpu)
{
	return smp_wait_for(&mbox[cpu].done, mbox[cpu].posted);
}

bool smp_call(unsigned cpu, void (*fn)(void *), void *arg)
{
	smp_post(cpu, fn, arg);
	return smp_wait_done(cpu);
}

/* ---- finding and starting the CPUs ---------------------------------------- */

/* The enabled Processor Local APIC entries (type 0, flags bit 0), BSP
 * first. */
static void find_cpus(void)
{
	const uint8_t *m = acpi_find_table("APIC");
	uint32_t bsp = lapic_read(APIC_ID) >> 24, len;

	smp_ncpus = 1;
	smp_apic_ids[0] = bsp;
	if (!m)
		return;
	len = *(const uint32_t *)(m + 4);
	for (uint32_t at = 44; at + 2 <= len && m[at + 1] >= 2; at += m[at + 1]) {
		const uint8_t *e = m + at;

		if (e[0] != 0 || !(e[4] & 1) || e[3] == bsp)
			continue;
		if (smp_ncpus < SMP_MAX_CPUS)
			smp_apic_ids[smp_ncpus++] = e[3];
	}
}

static void start_aps(void)
{
	uint64_t cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	ap_tramp_install(cr3, smp_ap_entry64);
	for (unsigned k = 1; k < smp_ncpus; k++) {
		smp_ipi(k, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
		smp_ipi(k, ICR_INIT | ICR_LEVEL);          /* de-assert */
		settle();
		smp_ipi(k, ICR_SIPI | ICR_ASSERT | (AP_TRAMP_BASE >> 12));
		settle();
		smp_ipi(k, ICR_SIPI | ICR_ASSERT | (AP_TRAMP_BASE >> 12));
	}
}

static void print_cpus(void)
{
	kputs("smp madt cpus=");
	kput_dec(smp_ncpus);
	kputs(" apic_ids=");
	for (unsigned k = 0; k < smp_ncpus; k++) {
		if (k)
			kputc(',');
		kput_dec(smp_apic_ids[k]);
	}
	kputc('\n');
	kputs("smp bsp");
	kkv_dec("apic_id", smp_apic_ids[0]);
	kkv_dec("cpuid_apic_id", cpuid_apic_id());
	kkv_dec("bsp_flag", (rdmsr(MSR_APIC_BASE) >> 8) & 1);
	kputc('\n');
}

static void print_aps(bool started)
{
	kputs("smp start");
	kkv_dec("aps", smp_ncpus - 1);
	kkv_dec("alive", alive);
	kputc('\n');
	if (!started)
		return;
	for (unsigned k = 1; k < smp_ncpus; k++) {
		kputs("smp ap");
		kkv_dec("cpu", k);
		kkv_dec("apic_id", info[k].apic_id);
		kkv_dec("cpuid_apic_id", info[k].cpuid_apic_id);
		kkv_dec("bsp_flag", info[k].bsp_flag);
		kputc('\n');
	}
}

/* ---- working together ----------------------------------------------------- */

static volatile uint32_t lock_count, lock_go;

static void lock_incs(void *arg)
{
	smp_wait_for(&lock_go, 1);
	for (unsigned i = 0; i < LOCK_INCS; i++)
		__asm__ volatile("lock incl %0" : "+m"(lock_count));
}

static void test_lock(void)
{
	unsigned ok = 1;

	for (unsigned k = 1; k < smp_ncpus; k++)
		smp_post(k, lock_incs, 0);
	__atomic_store_n(&lock_go, 1, __ATOMIC_SEQ_CST);
	lock_incs(0);
	for (unsigned k = 1; k < smp_ncpus; k++)
		ok &= smp_wait_done(k);
	kputs("smp lock");
	kkv_dec("done", ok);
	kkv_dec("total", lock_count);
	kkv_dec("want", (uint64_t)LOCK_INCS * smp_ncpus);
	kputc('\n');
}

static volatile uint32_t halting;
static volatile uint32_t woken[SMP_MAX_CPUS];

static void wake_hook(unsigned vector)
{
	unsigned cpu = smp_self();

	if (vector == VEC_WAKE && cpu < SMP_MAX_CPUS)
		woken[cpu]++;
}

/* On the AP: HLT with interrupts on until the IPI's handler ran. */
static void halt_for_ipi(void *arg)
{
	unsigned cpu = smp_self();

	__atomic_store_n(&halting, cpu, __ATOMIC_SEQ_CST);
	while (!woken[cpu])
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

static void test_wake_ipis(void)
{
	unsigned ok = 1, n = 0;

	eoi_mode = EOI_LAPIC;
	irq_hook = wake_hook;
	for (unsigned k = 1; k < smp_ncpus; k++) {
		smp_post(k, halt_for_ipi, 0);
		ok &= smp_wait_for(&halting, k);
		smp_ipi(k, ICR_FIXED | ICR_ASSERT | VEC_WAKE);
		ok &= smp_wait_done(k);
		n += woken[k];
	}
	irq_hook = 0;
	kputs("smp ipi");
	kkv_hex("vector", VEC_WAKE);
	kkv_dec("done", ok);
	kkv_dec("woken", n);
	kkv_dec("bsp_woken", woken[0]);
	kputc('\n');
}

void test_smp(void)
{
	bool started;

	find_cpus();
	print_cpus();
	load_gdt_tss(0);
	idt_init();
	lapic_write(APIC_SPIV, 0x13f);
	start_aps();
	started = smp_wait_for(&alive, smp_ncpus - 1);
	print_aps(started);
	if (!started)
		return;
	ready = true;
	test_lock();
	test_wake_ipis();
}
