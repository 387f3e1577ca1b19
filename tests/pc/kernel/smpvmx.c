// SPDX-License-Identifier: MIT
/*
 * VMX on every processor (command-line words "smp smpvmx", after smp.c
 * started the APs; vmxbox only: QEMU's TCG has no VMX).  In order:
 *  - VMXON on every CPU with its own VMXON region (SDM 24.7, 31.3);
 *  - an L2 on every CPU at once, each with its own VMCS (VMCALL exits);
 *  - a VMCS migrated from CPU 0 to CPU 1 and back: VMCLEAR on the old CPU,
 *    VMPTRLD on the new; the launch state is "clear", so VMRESUME fails
 *    with error 5 and VMLAUNCH continues the L2 where it left (SDM 25.11.1);
 *  - a fixed IPI from CPU 0 into CPU 1's running L2: external-interrupt
 *    exiting with "acknowledge interrupt on exit", exit reason 1 and the
 *    vector in the exit interruption information (SDM 26.2, 28.2.2);
 *  - an INVEPT shootdown: every CPU's L2 reads a page through one EPT
 *    (VPIDs on, so the translation stays cached across exits); CPU 0
 *    remaps it, IPIs all the others, each takes the external-interrupt
 *    exit, executes INVEPT and resumes, and its L2 then reads the new page
 *    (SDM 29.4.3, 31.3 INVEPT);
 *  - an L2 on CPU 0 that HLTs with the VMX-preemption timer armed: it
 *    sleeps in the HLT activity state until the timer counts down, then
 *    exits with reason 52, activity state HLT saved (SDM 26.5.1.1 (the
 *    timer counts in HLT), 27.3.4, 28.2).
 * Every result is printed by CPU 0 as "smpvmx ..." lines.
 */
#include "smp.h"
#include "vmx.h"

#define VEC_IPI		0x31
#define VEC_SHOOT	0x32
#define L2_RUNS		3
#define WATCH_LIMIT	2000000u
#define OLD_VALUE	0xaaaaull
#define NEW_VALUE	0xbbbbull
#define EPT_RWX		7ull
#define EPT_WB		(6ull << 3)
#define EPT_LARGE	(1ull << 7)
#define INVEPT_SINGLE	1
#define MSR_VMX_PROCBASED2 0x48b
#define MSR_VMX_EPT_VPID_CAP 0x48c

typedef uint8_t page_t[4096] __attribute__((aligned(4096)));

static page_t vmxon_region[SMP_MAX_CPUS], vmcs_region[SMP_MAX_CPUS], mig_vmcs;
static uint8_t l2_stack[SMP_MAX_CPUS][1024] __attribute__((aligned(16)));
static struct l2 vm[SMP_MAX_CPUS], mig;

/* What an AP did, for CPU 0 to print. */
struct result {
	int r1, r2, r3;
	uint32_t exit1, info1, exit2, error;
	uint64_t a, b;
};
static struct result res[SMP_MAX_CPUS];

static void line(const char *what, unsigned cpu)
{
	kputs("smpvmx ");
	kputs(what);
	kkv_dec("cpu", cpu);
}

/* ---- VMXON and an L2 on every CPU ---------------------------------------- */

static void cpu_vmxon(void *arg)
{
	unsigned cpu = smp_self();

	res[cpu].r1 = vmx_on(vmxon_region[cpu]);
	res[cpu].r2 = vmptrst(&res[cpu].a);
}

static void cpu_l2(void *arg)
{
	unsigned cpu = smp_self();
	struct l2 *v = &vm[cpu];
	uint64_t cur = 0;

	v->vmcs = vmcs_region[cpu];
	res[cpu] = (struct result){ .r1 = vmx_vm_init(v, cpu, l2_count,
						      l2_stack[cpu] + 1024, 0, 0) };
	for (unsigned i = 0; i < L2_RUNS && res[cpu].r1 == VMX_OK; i++) {
		res[cpu].r1 = vmx_run(v);
		res[cpu].a += v->exit_reason == EXIT_VMCALL;
		vmx_skip_insn();
	}
	res[cpu].b = v->regs[R_BX];
	vmptrst(&cur);
	res[cpu].r2 = cur == (uint64_t)(uintptr_t)v->vmcs;
}

static void test_vmxon_and_l2s(void)
{
	for (unsigned k = 1; k < smp_ncpus; k++)
		smp_call(k, cpu_vmxon, 0);
	cpu_vmxon(0);
	for (unsigned k = 0; k < smp_ncpus; k++) {
		line("vmxon", k);
		kkv_dec("result", (uint64_t)res[k].r1);
		kkv_dec("vmptrst", (uint64_t)res[k].r2);
		kkv_hex("current", res[k].a);
		kputc('\n');
	}
	/* Every AP at once, the BSP too. */
	for (unsigned k = 1; k < smp_ncpus; k++)
		smp_post(k, cpu_l2, 0);
	cpu_l2(0);
	for (unsigned k = 0; k < smp_ncpus; k++) {
		unsigned done = k ? smp_wait_done(k) : 1;

		line("l2", k);
		kkv_dec("done", done);
		kkv_dec("result", (uint64_t)res[k].r1);
		kkv_dec("vmcalls", res[k].a);
		kkv_dec("rbx", res[k].b);
		kkv_dec("own_vmcs", res[k].b == L2_RUNS && res[k].r2);
		kputc('\n');
	}
}

/* ---- a VMCS migrates ----------------------------------------------------- */

/* On the CPU the VMCS moved to: VMPTRLD, then VMRESUME fails (launch
 * state clear), VMLAUNCH continues the guest, VMCLEAR hands it on. */
static void take_over(void *arg)
{
	unsigned cpu = smp_self();
	struct result *r = &res[cpu];

	*r = (struct result){ .r1 = vmptrld((uint64_t)(uintptr_t)mig.vmcs) };
	vmx_host_cpu(cpu);
	r->a = vmread(GUEST_RIP) == (uint64_t)(uintptr_t)l2_count + 6;
	r->r2 = vmx_enter_as(&mig, true);
	r->error = (uint32_t)vmread(VM_INSN_ERROR);
	r->r3 = vmx_enter_as(&mig, false);
	r->exit2 = mig.exit_reason;
	r->b = mig.regs[R_BX];
	vmx_skip_insn();
	r->exit1 = (uint32_t)vmclear((uint64_t)(uintptr_t)mig.vmcs);
}

static void print_take_over(const char *what, unsigned cpu, unsigned done)
{
	const struct result *r = &res[cpu];

	line(what, cpu);
	kkv_dec("done", done);
	kkv_dec("vmptrld", (uint64_t)r->r1);
	kkv_dec("rip_kept", r->a);
	kkv_dec("vmresume", (uint64_t)r->r2);
	kkv_dec("error", r->error);
	kkv_dec("vmlaunch", (uint64_t)r->r3);
	kkv_dec("exit", r->exit2);
	kkv_dec("rbx", r->b);
	kkv_dec("vmclear", r->exit1);
	kputc('\n');
}

static void test_migration(void)
{
	int launch, clear;
	unsigned done;

	mig.vmcs = mig_vmcs;
	launch = vmx_vm_init(&mig, 0, l2_count, l2_stack[0] + 512, 0, 0);
	if (launch == VMX_OK)
		launch = vmx_run(&mig);
	vmx_skip_insn();
	clear = vmclear((uint64_t)(uintptr_t)mig.vmcs);
	line("migrate", 0);
	kkv_dec("vmlaunch", (uint64_t)launch);
	kkv_dec("exit", mig.exit_reason);
	kkv_dec("rbx", mig.regs[R_BX]);
	kkv_dec("vmclear", (uint64_t)clear);
	kputc('\n');
	done = smp_call(1, take_over, 0);
	print_take_over("migrated", 1, done);
	take_over(0);
	print_take_over("migrated_back", 0, 1);
}

/* ---- a fixed IPI into CPU 1's L2 ------------------------------------------ */

static volatile uint64_t watch[SMP_MAX_CPUS][2];	/* value, reads */
static const volatile uint64_t never_zero_one;	/* 0, never 1 */

/* This CPU's VMCS for l2_watch: external-interrupt exiting, optionally
 * EPT with VPID cpu + 1; read src until it is want. */
static int watch_init(unsigned cpu, uint32_t proc2, uint64_t eptp,
		      const volatile uint64_t *src, uint64_t want)
{
	struct l2 *v = &vm[cpu];
	int r = vmx_vm_init(v, cpu, l2_watch, l2_stack[cpu] + 1024,
			    PIN_EXT_INTR_EXITING, proc2);

	if (proc2) {
		vmwrite(EPT_POINTER, eptp);
		vmwrite(VPID, cpu + 1);
	}
	watch[cpu][0] = watch[cpu][1] = 0;
	v->regs[R_SI] = (uint64_t)(uintptr_t)src;
	v->regs[R_DI] = (uint64_t)(uintptr_t)watch[cpu];
	v->regs[R_DX] = want;
	v->regs[R_CX] = WATCH_LIMIT;
	return r;
}

static void wait_for_ipi_in_l2(void *arg)
{
	unsigned cpu = smp_self();
	struct result *r = &res[cpu];

	*r = (struct result){ .r1 = watch_init(cpu, 0, 0, &never_zero_one, 1) };
	if (r->r1 == VMX_OK)
		r->r1 = vmx_run(&vm[cpu]);
	r->exit1 = vm[cpu].exit_reason;
	r->info1 = vm[cpu].intr_info;
	r->a = vm[cpu].regs[R_BX];
	lapic_write(APIC_EOI, 0);
}

/* Until CPU cpu's L2 has read n times (or a long while passed). */
static bool l2_reading(unsigned cpu, uint64_t n)
{
	for (uint32_t i = 0; i < 4000000u; i++) {
		if (watch[cpu][1] >= n)
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

static void test_ipi_into_l2(void)
{
	unsigned running, done;

	watch[1][0] = watch[1][1] = 0;
	smp_post(1, wait_for_ipi_in_l2, 0);
	running = l2_reading(1, 100);
	smp_ipi(1, ICR_FIXED | ICR_ASSERT | VEC_IPI);
	done = smp_wait_done(1);
	line("ipi", 1);
	kkv_hex("vector", VEC_IPI);
	kkv_dec("l2_running", running);
	kkv_dec("done", done);
	kkv_dec("result", (uint64_t)res[1].r1);
	kkv_dec("exit", res[1].exit1);
	kkv_hex("intr_info", res[1].info1);
	kkv_dec("l2_reads_over_100", res[1].a > 100);
	kputc('\n');
}

/* ---- INVEPT shootdown ------------------------------------------------------ */

/* EPT (SDM 29.3.2): guest-physical 0-1 GiB identity-mapped with 2 MiB
 * pages, except the 2 MiB holding page_a, mapped with 4 KiB pages; the
 * entry for page_a is the one CPU 0 changes. */
static page_t ept_pml4, ept_pdpt, ept_pd, ept_pt, page_a, page_b;
static uint64_t eptp;

static uint64_t *pt_entry_of_page_a(void)
{
	return (uint64_t *)ept_pt + (((uintptr_t)page_a >> 12) & 511);
}

static void ept_build(void)
{
	uint64_t *pml4 = (uint64_t *)ept_pml4, *pdpt = (uint64_t *)ept_pdpt;
	uint64_t *pd = (uint64_t *)ept_pd, *pt = (uint64_t *)ept_pt;
	uint64_t a = (uintptr_t)page_a, big = a & ~0x1fffffull;

	pml4[0] = (uintptr_t)ept_pdpt | EPT_RWX;
	pdpt[0] = (uintptr_t)ept_pd | EPT_RWX;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = i << 21 | EPT_LARGE | EPT_WB | EPT_RWX;
	pd[big >> 21] = (uintptr_t)ept_pt | EPT_RWX;
	for (uint64_t i = 0; i < 512; i++)
		pt[i] = (big + (i << 12)) | EPT_WB | EPT_RWX;
	/* 4-level walk, write-back paging structures (SDM 24.6.11). */
	eptp = (uintptr_t)ept_pml4 | 3 << 3 | 6;
	*(volatile uint64_t *)page_a = OLD_VALUE;
	*(volatile uint64_t *)page_b = NEW_VALUE;
}

/* An AP: read page_a through the EPT until the shootdown IPI exits, then
 * INVEPT and read on until the new page shows. */
static void shootdown_reader(void *arg)
{
	unsigned cpu = smp_self();
	struct result *r = &res[cpu];
	struct l2 *v = &vm[cpu];

	*r = (struct result){ .r1 = watch_init(cpu, PROC2_EPT | PROC2_VPID, eptp,
					       (volatile uint64_t *)page_a, NEW_VALUE) };
	if (r->r1 == VMX_OK)
		r->r1 = vmx_run(v);
	r->exit1 = v->exit_reason;
	r->info1 = v->intr_info;
	r->a = v->regs[R_AX];
	lapic_write(APIC_EOI, 0);
	r->r2 = invept(INVEPT_SINGLE, eptp);
	r->r3 = vmx_run(v);
	r->exit2 = v->exit_reason;
	r->b = v->regs[R_AX];
}

static void print_caps(void)
{
	uint64_t p2 = vmx_rdmsr(MSR_VMX_PROCBASED2) >> 32;
	uint64_t cap = vmx_rdmsr(MSR_VMX_EPT_VPID_CAP);

	kputs("smpvmx ept");
	kkv_dec("ept", (p2 >> 1) & 1);
	kkv_dec("vpid", (p2 >> 5) & 1);
	kkv_dec("walk4", (cap >> 6) & 1);
	kkv_dec("wb", (cap >> 14) & 1);
	kkv_dec("invept_single", (cap >> 25) & 1);
	kputc('\n');
}

/* CPU 0's own L2 through the same EPT: it reads until it sees want. */
static void local_read(uint64_t want, bool first)
{
	struct l2 *v = &vm[0];
	int r = VMX_OK, inv = VMX_OK;

	if (first)
		r = watch_init(0, PROC2_EPT | PROC2_VPID, eptp,
			       (volatile uint64_t *)page_a, want);
	else
		inv = invept(INVEPT_SINGLE, eptp);
	v->regs[R_DX] = want;
	if (r == VMX_OK)
		r = vmx_run(v);
	vmx_skip_insn();
	line(first ? "shootdown_local_before" : "shootdown_local_after", 0);
	kkv_dec("invept", (uint64_t)inv);
	kkv_dec("result", (uint64_t)r);
	kkv_dec("exit", v->exit_reason);
	kkv_hex("read", v->regs[R_AX]);
	kputc('\n');
}

static void test_invept_shootdown(void)
{
	unsigned running = 1;

	print_caps();
	ept_build();
	local_read(OLD_VALUE, true);
	for (unsigned k = 1; k < smp_ncpus; k++) {
		watch[k][0] = watch[k][1] = 0;
		smp_post(k, shootdown_reader, 0);
	}
	for (unsigned k = 1; k < smp_ncpus; k++)
		running &= l2_reading(k, 10) && watch[k][0] == OLD_VALUE;
	/* The remap, then one IPI to every other CPU. */
	*pt_entry_of_page_a() = (uintptr_t)page_b | EPT_WB | EPT_RWX;
	lapic_write(APIC_ICR, ICR_ALL_BUT_SELF | ICR_ASSERT | VEC_SHOOT);
	local_read(NEW_VALUE, false);
	kputs("smpvmx shootdown");
	kkv_dec("readers", smp_ncpus - 1);
	kkv_dec("all_read_old_first", running);
	kputc('\n');
	for (unsigned k = 1; k < smp_ncpus; k++) {
		unsigned done = smp_wait_done(k);
		const struct result *r = &res[k];

		line("shootdown", k);
		kkv_dec("done", done);
		kkv_dec("result", (uint64_t)r->r1);
		kkv_dec("exit", r->exit1);
		kkv_hex("intr_info", r->info1);
		kkv_hex("read_before", r->a);
		kkv_dec("invept", (uint64_t)r->r2);
		kkv_dec("resume", (uint64_t)r->r3);
		kkv_dec("exit2", r->exit2);
		kkv_hex("read_after", r->b);
		kputc('\n');
	}
}

/* ---- an L2 that HLTs until the VMX-preemption timer fires ---------------- */

#define TIMER_VALUE	20000u
#define MSR_VMX_MISC	0x485

static page_t hlt_vmcs;
static struct l2 hlt_vm;

static uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The timer counts down once every 2^rate TSC ticks (IA32_VMX_MISC[4:0],
 * SDM 25.5.1): the L2 must have slept at least TIMER_VALUE << rate. */
static void test_hlt_until_preemption_timer(void)
{
	unsigned rate = vmx_rdmsr(MSR_VMX_MISC) & 0x1f;
	uint64_t t0, t1;
	int r;

	hlt_vm.vmcs = hlt_vmcs;
	r = vmx_vm_init(&hlt_vm, 0, l2_hlt, l2_stack[0] + 1024,
			PIN_PREEMPTION_TIMER, 0);
	if (r == VMX_OK)
		r = vmwrite(PREEMPTION_TIMER_VALUE, TIMER_VALUE);
	t0 = tsc();
	if (r == VMX_OK)
		r = vmx_run(&hlt_vm);
	t1 = tsc();
	line("hlt_timer", 0);
	kkv_dec("result", (uint64_t)r);
	kkv_dec("exit", hlt_vm.exit_reason);
	kkv_dec("activity", vmread(GUEST_ACTIVITY_STATE));
	kkv_dec("rip_after_hlt",
		vmread(GUEST_RIP) == (uint64_t)(uintptr_t)l2_hlt + 1);
	kkv_dec("slept_long_enough", t1 - t0 >= (uint64_t)TIMER_VALUE << rate);
	kputc('\n');
}

void test_smpvmx(void)
{
	kputs("smpvmx");
	kkv_dec("cpus", smp_ncpus);
	kkv_dec("vmx", vmx_supported());
	kkv_dec("aps_ready", smp_ready());
	kputc('\n');
	if (!vmx_supported() || !smp_ready() || smp_ncpus < 2)
		return;
	test_vmxon_and_l2s();
	test_migration();
	test_ipi_into_l2();
	test_invept_shootdown();
	test_hlt_until_preemption_timer();
	kputs("smpvmx done\n");
}
