// SPDX-License-Identifier: MIT
/*
 * Multiprocessor start-up and scheduling (docs/smp.md), run with
 * `vmxbox run --smp=N`: the number of CPUs from fw_cfg, the BSP's CPUID
 * topology, INIT-SIPI-SIPI to every AP through the local APIC's ICR (SDM
 * Vol. 3A 9.4.4 "MP initialization example"), each AP reaching long mode
 * through trampoline.S and reporting its CPUID initial APIC ID, x2APIC
 * ID and local APIC ID, fixed IPIs from the BSP waking APs halted with
 * interrupts on, NMIs, and locked increments from every CPU at once
 * adding up exactly, code modified by one CPU running anew on every
 * CPU that had run (and cached the decode of) the old bytes, and TSC
 * values that never go backwards from one CPU to another.  With
 * --append=halt the BSP halts at the end instead
 * of exiting, so that every vCPU is halted for good.  The APs never
 * print: the BSP reports everything, so the output is the same whatever
 * the interleaving.  AP start-up itself is ap.c and trampoline.S.
 */
#include "ap.h"

#define VEC_IPI		0x30
#define LOCK_ITERS	20000
#define TSC_ITERS	3000

struct ap_report {
	uint32_t cpuid_apic;	/* CPUID.1:EBX[31:24] */
	uint32_t x2apic_id;	/* CPUID.0BH:EDX */
	uint32_t lapic_id;	/* APIC ID register */
	uint32_t cores;		/* CPUID.0BH.1:EBX */
	uint32_t bsp_flag;	/* IA32_APIC_BASE.BSP */
	uint32_t ipis, nmis;
};

static volatile struct ap_report rep[MAX_CPUS];
static volatile uint32_t alive, go, done;
static volatile uint64_t counter;

/* Cross-modifying code: "mov eax, imm32; ret" rewritten by one CPU and
 * run by others (each vCPU keeps its own decoded-instruction cache). */
static uint8_t patch_code[16] __attribute__((aligned(16)));
static volatile uint32_t xmod_req, xmod_done, xmod_seen;

static void xmod_write(uint32_t value)
{
	static const uint8_t tmpl[6] = { 0xb8, 0, 0, 0, 0, 0xc3 };

	memcpy(patch_code, tmpl, sizeof(tmpl));
	memcpy(patch_code + 1, &value, 4);
	asm volatile("" ::: "memory");
}

static uint32_t xmod_call(void)
{
	uint32_t (*fn)(void) = (uint32_t (*)(void))(uintptr_t)patch_code;

	return fn();
}

/*
 * TSC synchronization as Linux checks it (check_tsc_warp): under a lock,
 * each CPU reads the TSC and compares it with the last value any CPU
 * read; a smaller one is a warp.  Through RDTSC, RDTSCP and
 * RDMSR(IA32_TSC) in turn.
 */
static volatile uint32_t tsc_lock;
static volatile uint64_t tsc_last, tsc_warps, tsc_reads;

static uint64_t read_tsc(unsigned i)
{
	uint32_t lo, hi, aux;

	switch (i % 3) {
	case 0:
		return rdtsc();
	case 1:
		asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
		return (uint64_t)hi << 32 | lo;
	default:
		return rdmsr(0x10);
	}
}

static void tsc_warp_check(void)
{
	for (unsigned i = 0; i < TSC_ITERS; i++) {
		uint64_t now;

		while (__atomic_exchange_n(&tsc_lock, 1, __ATOMIC_ACQUIRE))
			asm volatile("pause");
		now = read_tsc(i);
		if (now < tsc_last)
			tsc_warps++;
		tsc_last = now;
		tsc_reads++;
		__atomic_store_n(&tsc_lock, 0, __ATOMIC_RELEASE);
	}
}

/* CPU 1's part (ap_start), asked for step by step through xmod_req. */
static void xmod_ap(void)
{
	while (xmod_req != 1)
		asm volatile("pause");
	xmod_seen = xmod_call();	/* 2: caches the decode on CPU 1 */
	xmod_write(3);			/* for the BSP, which cached 2 */
	xmod_done = 1;
	while (xmod_req != 2)
		asm volatile("pause");
	xmod_seen = xmod_call();	/* 4: the BSP rewrote CPU 1's cache */
	xmod_done = 2;
}

static bool on_ipi(struct trap_frame *f)
{
	rep[smp_my_id()].ipis++;
	apic_eoi();
	return true;
}

static bool on_nmi(struct trap_frame *f)
{
	rep[smp_my_id()].nmis++;
	return true;
}

/* --append=bench (bench/smp_sched.sh): BENCH_ITERS iterations of a
 * two-instruction loop shared out among the CPUs. */
#define BENCH_ITERS 20000000ull
static volatile uint64_t bench_iters;

static void spin_work(uint64_t n)
{
	asm volatile("1: dec %0; jnz 1b" : "+r"(n));
}

static int bench(unsigned n)
{
	bench_iters = BENCH_ITERS / n;
	if (n > 1 && !smp_start_aps(n))
		return 1;
	spin_work(bench_iters);
	if (!smp_wait_for(&done, n - 1))
		return 1;
	printf("bench done: %u cpus\n", n);
	return 0;
}

static void record_topology(volatile struct ap_report *r)
{
	r->cpuid_apic = cpuid(1, 0).ebx >> 24;
	r->x2apic_id = cpuid(0xb, 0).edx;
	r->cores = cpuid(0xb, 1).ebx & 0xffff;
	r->lapic_id = smp_my_id();
	r->bsp_flag = (rdmsr(MSR_APIC_BASE) >> 8) & 1;
}

/* Every AP, once in long mode on its own stack (ap.c). */
void ap_start(uint32_t id)
{
	volatile struct ap_report *r = &rep[id];

	if (bench_iters) {
		spin_work(bench_iters);
		__atomic_add_fetch(&done, 1, __ATOMIC_SEQ_CST);
		for (;;)
			asm volatile("cli; hlt" ::: "memory");
	}
	record_topology(r);
	__atomic_add_fetch(&alive, 1, __ATOMIC_SEQ_CST);
	/* Halted with interrupts on until the BSP's IPI wakes it. */
	while (!r->ipis)
		asm volatile("sti; hlt; cli" ::: "memory");
	if (id == 1)
		xmod_ap();
	while (!go)
		asm volatile("pause");
	for (unsigned i = 0; i < LOCK_ITERS; i++)
		__atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
	tsc_warp_check();
	__atomic_add_fetch(&done, 1, __ATOMIC_SEQ_CST);
	/* Halted with interrupts off: only an NMI reaches it. */
	for (;;)
		asm volatile("cli; hlt" ::: "memory");
}

static bool wait_for(volatile uint32_t *v, uint32_t want)
{
	return smp_wait_for(v, want);
}

static void send_ipi(uint32_t dest, uint32_t icr)
{
	smp_send_ipi(dest, icr);
}

static void start_aps(unsigned n)
{
	report(smp_start_aps(n) && wait_for(&alive, n - 1), "%u APs started",
	       n - 1);
}

static void test_topology(unsigned n)
{
	struct cpuid_regs r1 = cpuid(1, 0);

	expect_eq(n, 4, "fw_cfg nb_cpus");
	expect_eq(r1.ebx >> 24, 0, "bsp cpuid.1 initial apic id");
	expect_eq((r1.ebx >> 16) & 0xff, 4, "cpuid.1 addressable ids");
	expect_eq((r1.edx >> 28) & 1, 1, "cpuid.1 htt");
	expect_eq(cpuid(0xb, 1).ebx & 0xffff, 4, "cpuid.0b.1 cores");
	expect_eq(cpuid(0xb, 1).eax & 0x1f, 2, "cpuid.0b.1 shift");
	expect_eq(cpuid(4, 3).eax >> 26, 3, "cpuid.4 core ids - 1");
	expect_eq((rdmsr(MSR_APIC_BASE) >> 8) & 1, 1, "bsp flag");
}

static void check_aps(unsigned n)
{
	for (unsigned k = 1; k < n; k++) {
		expect_eq(rep[k].cpuid_apic, k, "cpu %u cpuid.1 initial apic id", k);
		expect_eq(rep[k].x2apic_id, k, "cpu %u cpuid.0b x2apic id", k);
		expect_eq(rep[k].lapic_id, k, "cpu %u apic id register", k);
		expect_eq(rep[k].cores, n, "cpu %u cpuid.0b.1 cores", k);
		expect_eq(rep[k].bsp_flag, 0, "cpu %u not bsp", k);
	}
}

/* A fixed IPI wakes each AP from HLT (IF = 1) on its own vCPU. */
static void test_ipis(unsigned n)
{
	for (unsigned k = 1; k < n; k++)
		send_ipi(k, VEC_IPI);
	for (unsigned k = 1; k < n; k++)
		report(wait_for(&rep[k].ipis, 1), "cpu %u woken by ipi", k);
}

/* Self- and cross-modifying code (SDM Vol. 3A 8.1.3): a write to code
 * that a CPU has already run is seen by that CPU's next fetch. */
static void test_cross_modify(void)
{
	xmod_write(1);
	expect_eq(xmod_call(), 1, "xmod: first run");
	xmod_write(2);
	expect_eq(xmod_call(), 2, "xmod: own write seen");
	xmod_req = 1;
	report(wait_for(&xmod_done, 1), "xmod: cpu 1 rewrote the code");
	expect_eq(xmod_seen, 2, "xmod: cpu 1 ran the bsp's bytes");
	expect_eq(xmod_call(), 3, "xmod: cpu 1's write seen by the bsp");
	xmod_write(4);
	xmod_req = 2;
	report(wait_for(&xmod_done, 2), "xmod: cpu 1 ran again");
	expect_eq(xmod_seen, 4, "xmod: bsp's write seen by cpu 1");
}

/* Locked read-modify-writes are atomic across vCPUs. */
static void test_locked(unsigned n)
{
	go = 1;
	for (unsigned i = 0; i < LOCK_ITERS; i++)
		__atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
	tsc_warp_check();
	report(wait_for(&done, n - 1), "all cpus done");
	expect_eq(counter, (uint64_t)n * LOCK_ITERS, "locked increments add up");
	expect_eq(tsc_reads, (uint64_t)n * TSC_ITERS, "tsc reads under the lock");
	expect_eq(tsc_warps, 0, "tsc never goes backwards across cpus");
}

/* An NMI IPI reaches an AP halted with interrupts off. */
static void test_nmi(unsigned n)
{
	for (unsigned k = 1; k < n; k++)
		send_ipi(k, APIC_DM_NMI);
	for (unsigned k = 1; k < n; k++)
		report(wait_for(&rep[k].nmis, 1), "cpu %u nmi", k);
}

int main(void)
{
	unsigned n = smp_fw_cfg_cpus();

	if (!strcmp(boot_info.cmdline, "bench"))
		return bench(n);
	if (n < 2 || n > MAX_CPUS) {
		printf("FAIL nb_cpus %u: run with --smp=4\n", n);
		return 1;
	}
	trap_set_handler(VEC_IPI, on_ipi);
	trap_set_handler(2, on_nmi);
	test_topology(n);
	start_aps(n);
	check_aps(n);
	test_ipis(n);
	test_cross_modify();
	test_locked(n);
	test_nmi(n);
	if (strcmp(boot_info.cmdline, "halt"))
		return test_summary();
	/* --append=halt: every CPU halted with interrupts off, nothing
	 * left to wake one: vmxbox ends the run (status 73). */
	test_summary();
	for (;;)
		asm volatile("cli; hlt" ::: "memory");
}
