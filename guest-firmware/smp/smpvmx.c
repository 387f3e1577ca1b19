// SPDX-License-Identifier: MIT
/*
 * VMX on several processors (docs/smp.md), run with `vmxbox run --smp=4`:
 * VMXON on every CPU with its own VMXON region, an L2 per CPU, a VMCS
 * migrated from CPU 0 to CPU 1 and back (VMCLEAR, then VMPTRLD on the
 * other: SDM 25.11.1; the launch state travels with the region), fixed
 * IPIs and NMIs from CPU 0 into CPU 1's L2 (external-interrupt exiting
 * with "acknowledge interrupt on exit", NMI exiting: exits 1 and 0), and
 * a VMCS made current on CPU 2 while active on CPU 0 (undefined on
 * hardware: vmxbox's documented behaviour, counted), and
 * an INVEPT shootdown (CPU 0 remaps a page in the EPT CPU 1's L2 uses,
 * CPU 1 invalidates and its L2 reads the new page).  The APs run what the
 * BSP posts in their mailboxes (ap.c) and never print.
 */
#include "string.h"
#include "../tests/vmxtest.h"
#include "../tests/guest_asm.h"
#include "ap.h"

#define NCPUS		4
#define VEC_IPI		0x31
#define L2_RUNS		3

struct cpu_vmx {
	uint64_t vmxon_region;
	int vmxon_result;
	uint64_t vmptrst;
	struct vmx_vm vm;
	uint64_t stack;
	int runs_ok;
	uint32_t pin;			/* pin-based controls for the spin L2 */
	uint64_t rbx;
	uint64_t vmcs_seen;
};

static struct cpu_vmx cpu[NCPUS];
static struct vmx_vm mig;		/* the VMCS that migrates */
static uint64_t mig_stack;
static struct ept ept;
static uint64_t *page_a, *page_b;

struct l2_result {
	int resume_result;
	uint32_t resume_error;
	int launch_result;
	uint32_t exit_reason;
	uint64_t guest_rip_before;
	uint64_t rbx;
	uint32_t intr_info;
	uint64_t rax;
};
static struct l2_result res;
static volatile uint32_t in_l2;

void ap_start(uint32_t id)
{
	ap_serve(id);
}

static void host_tr_fixup(void)
{
	uint32_t id = smp_my_id();

	if (id)
		vmcs_write(HOST_TR_BASE, (uint64_t)&ap_tss[id]);
}

/* ---- VMXON and an L2 on every CPU ---------------------------------------- */

static void ap_vmxon(void *arg)
{
	struct cpu_vmx *c = arg;
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	/* IA32_FEATURE_CONTROL is per processor: each locks its own. */
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK |
			  FEATURE_CONTROL_VMXON_OUT_SMX);
	write_cr0(vmx_fix_cr0(read_cr0()));
	write_cr4(vmx_fix_cr4(read_cr4() | CR4_VMXE));
	c->vmxon_result = vmxon(c->vmxon_region);
	vmptrst(&c->vmptrst);
}

static void ap_run_l2(void *arg)
{
	struct cpu_vmx *c = arg;

	vmx_vm_reset(&c->vm, g_count, c->stack);
	host_tr_fixup();
	c->runs_ok = 0;
	for (int i = 0; i < L2_RUNS; i++) {
		if (vmx_vm_run(&c->vm) == VMX_SUCCEED &&
		    c->vm.exit_reason == EXIT_REASON_VMCALL)
			c->runs_ok++;
		vmx_skip_insn();
	}
	c->rbx = c->vm.regs.rbx;
	vmptrst(&c->vmcs_seen);
}

static void test_vmxon_everywhere(void)
{
	for (unsigned k = 1; k < NCPUS; k++)
		cpu[k].vmxon_region = (uint64_t)vmx_alloc_region();
	for (unsigned k = 1; k < NCPUS; k++) {
		report(smp_call(k, ap_vmxon, &cpu[k]), "cpu %u vmxon done", k);
		expect_eq(cpu[k].vmxon_result, VMX_SUCCEED, "cpu %u vmxon", k);
		expect_eq(cpu[k].vmptrst, ~0ull, "cpu %u no current vmcs", k);
	}
}

static void test_l2_everywhere(void)
{
	for (unsigned k = 0; k < NCPUS; k++) {
		cpu[k].vm.vmcs = vmx_alloc_region();
		cpu[k].stack = vmx_guest_stack();
	}
	/* All APs at once, then the BSP. */
	for (unsigned k = 1; k < NCPUS; k++)
		smp_post(k, ap_run_l2, &cpu[k]);
	ap_run_l2(&cpu[0]);
	for (unsigned k = 0; k < NCPUS; k++) {
		if (k)
			report(smp_wait_done(k), "cpu %u l2 done", k);
		expect_eq(cpu[k].runs_ok, L2_RUNS, "cpu %u l2 vmcall exits", k);
		expect_eq(cpu[k].rbx, L2_RUNS, "cpu %u l2 state kept", k);
		expect_eq(cpu[k].vmcs_seen, cpu[k].vm.vmcs_pa,
			  "cpu %u current vmcs its own", k);
	}
}

/* --vmx-check: the VMfails and the shared VMCS below are on purpose; the
 * command line "vmx-check=unmarked" leaves the marks of the shared VMCS
 * out, so that --vmx-check=fatal catches it (fw_smpvmx_check_shared). */
static bool unmarked;

static void deliberate(bool on)
{
	if (!unmarked)
		vmx_check_deliberate(on);
}

/* ---- a VMCS migrates ----------------------------------------------------- */

/* On the CPU it moved to: VMPTRLD; launch state clear, so VMRESUME fails
 * with error 5 and VMLAUNCH runs the guest on from where it left. */
static void take_over(void *arg)
{
	struct vmx_vm *vm = arg;

	memset(&res, 0, sizeof(res));
	if (vmptrld(vm->vmcs_pa) != VMX_SUCCEED)
		return;
	host_tr_fixup();
	res.guest_rip_before = vmcs_read(GUEST_RIP);
	vmx_check_deliberate(true);
	res.resume_result = vmx_enter(&vm->regs, false);
	res.resume_error = vmx_insn_error();
	vmx_check_deliberate(false);
	vm->launched = false;
	res.launch_result = vmx_vm_run(vm);
	res.exit_reason = vm->exit_reason;
	res.rbx = vm->regs.rbx;
	vmx_skip_insn();
	vmclear(vm->vmcs_pa);
}

static void check_take_over(const char *where, uint64_t rbx)
{
	expect_eq(res.guest_rip_before, (uint64_t)g_count + 6,
		  "%s: guest rip from the region", where);
	/* The error comes from the other CPU (no VMREAD here). */
	expect_eq(res.resume_result, VMX_FAIL_VALID, "%s: vmresume fails", where);
	expect_eq(res.resume_error, VMXERR_VMRESUME_NOT_LAUNCHED,
		  "%s: vmresume error (launch state clear)", where);
	expect_eq(res.launch_result, VMX_SUCCEED, "%s: vmlaunch", where);
	expect_eq(res.exit_reason, EXIT_REASON_VMCALL, "%s: vmcall exit", where);
	expect_eq(res.rbx, rbx, "%s: guest continued", where);
}

static void test_migration(void)
{
	mig.vmcs = vmx_alloc_region();
	mig_stack = vmx_guest_stack();
	vmx_vm_reset(&mig, g_count, mig_stack);
	expect_vmx(vmx_vm_run(&mig), VMX_SUCCEED, 0, "cpu 0 runs it");
	expect_eq(mig.regs.rbx, 1, "cpu 0: one iteration");
	vmx_skip_insn();
	expect_vmx(vmclear(mig.vmcs_pa), VMX_SUCCEED, 0, "cpu 0 vmclear");
	report(smp_call(1, take_over, &mig), "cpu 1 took it over");
	check_take_over("cpu 1", 2);
	/* And back: CPU 1 cleared it, CPU 0 takes it again. */
	take_over(&mig);
	check_take_over("back on cpu 0", 3);
}

/* ---- a VMCS active on two CPUs ------------------------------------------ */

/* CPU 2 makes current a VMCS CPU 0 launched and never cleared (SDM
 * 25.11.1 forbids it; vmxbox counts it, docs/smp.md): it sees the region
 * as memory holds it, launch state "clear" as last written back. */
static void ap_steal(void *arg)
{
	struct vmx_vm *vm = arg;

	memset(&res, 0, sizeof(res));
	deliberate(true);
	res.launch_result = vmptrld(vm->vmcs_pa);
	host_tr_fixup();
	res.resume_result = vmx_enter(&vm->regs, false);
	res.resume_error = vmx_insn_error();
	deliberate(false);
	vmclear(vm->vmcs_pa);
}

/* CPU 2 launches it and makes its own VMCS current again: the region is
 * written back with launch state "launched", still active on CPU 2. */
static void ap_launch_and_leave(void *arg)
{
	struct vmx_vm *vm = arg;

	memset(&res, 0, sizeof(res));
	vmptrld(vm->vmcs_pa);
	host_tr_fixup();
	vm->launched = false;
	res.launch_result = vmx_vm_run(vm);
	res.exit_reason = vm->exit_reason;
	vmx_skip_insn();
	vmptrld(cpu[2].vm.vmcs_pa);
}

static void test_active_on_two(void)
{
	static struct vmx_vm shared;

	shared.vmcs = vmx_alloc_region();
	vmx_vm_reset(&shared, g_count, vmx_guest_stack());
	expect_vmx(vmx_vm_run(&shared), VMX_SUCCEED, 0, "cpu 0 launches it");
	report(smp_call(2, ap_steal, &shared), "cpu 2 vmptrld done");
	expect_vmx(res.launch_result, VMX_SUCCEED, 0, "cpu 2 vmptrld succeeds");
	expect_vmx(res.resume_result, VMX_FAIL_VALID, 0,
		   "cpu 2 vmresume: launch state from memory");
	expect_eq(res.resume_error, VMXERR_VMRESUME_NOT_LAUNCHED,
		  "cpu 2 sees it clear");
	expect_vmx(vmclear(shared.vmcs_pa), VMX_SUCCEED, 0, "cpu 0 vmclear");
	/* The other way round: CPU 0 takes it while CPU 2 has it active;
	 * memory says launched, so VMRESUME runs it. */
	report(smp_call(2, ap_launch_and_leave, &shared), "cpu 2 launched it");
	expect_eq(res.exit_reason, EXIT_REASON_VMCALL, "cpu 2 vmcall exit");
	deliberate(true);
	expect_vmx(vmptrld(shared.vmcs_pa), VMX_SUCCEED, 0, "cpu 0 vmptrld");
	deliberate(false);
	shared.launched = true;
	expect_vmx(vmx_vm_run(&shared), VMX_SUCCEED, 0,
		   "cpu 0 vmresume: launch state from memory");
	expect_eq(shared.exit_reason, EXIT_REASON_VMCALL, "cpu 0 vmcall exit");
	vmclear(shared.vmcs_pa);
}

/* ---- IPIs into an L2 ------------------------------------------------------ */

static void l2_until_event(void *arg)
{
	struct vmx_vm *vm = arg;

	memset(&res, 0, sizeof(res));
	host_tr_fixup();
	__atomic_store_n(&in_l2, 1, __ATOMIC_SEQ_CST);
	res.launch_result = vmx_vm_run(vm);
	res.exit_reason = vm->exit_reason;
	res.intr_info = vm->exit_intr_info;
	res.rbx = vm->regs.rbx;
	__atomic_store_n(&in_l2, 0, __ATOMIC_SEQ_CST);
}

static void ap_prepare_spin(void *arg)
{
	struct cpu_vmx *c = arg;
	vmx_vm_reset(&c->vm, g_spin, c->stack);
	host_tr_fixup();
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, c->pin, 0);
	vmx_set_ctl(VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT, 0);
}

static void ap_eoi(void *arg)
{
	apic_eoi();
}

static void ipi_into_l2(uint32_t pin, uint32_t icr, const char *what,
			uint32_t reason, uint32_t info)
{
	struct cpu_vmx *c = &cpu[1];

	c->pin = pin;
	smp_call(1, ap_prepare_spin, c);
	smp_post(1, l2_until_event, &c->vm);
	smp_wait_for(&in_l2, 1);
	/* Let CPU 1's L2 run a while first. */
	for (volatile int i = 0; i < 5000; i++)
		asm volatile("pause");
	smp_send_ipi(1, icr);
	report(smp_wait_done(1), "%s: cpu 1 back in l1", what);
	expect_eq(res.launch_result, VMX_SUCCEED, "%s: l2 entered", what);
	report(res.rbx > 0, "%s: l2 was running", what);
	expect_eq(res.exit_reason, reason, "%s: exit reason", what);
	expect_eq(res.intr_info, info, "%s: exit interruption info", what);
}

static void test_ipis_into_l2(void)
{
	ipi_into_l2(PIN_EXT_INTR_EXITING, VEC_IPI, "fixed ipi",
		    EXIT_REASON_EXTERNAL_INTERRUPT,
		    INTR_INFO(VEC_IPI, INTR_TYPE_EXT_INTR, 0));
	smp_call(1, ap_eoi, NULL);
	ipi_into_l2(PIN_NMI_EXITING, APIC_DM_NMI, "nmi",
		    EXIT_REASON_EXCEPTION_NMI, INTR_INFO(2, INTR_TYPE_NMI, 0));
}

/* ---- INVEPT shootdown ---------------------------------------------------- */

static void ap_read_through_ept(void *arg)
{
	struct cpu_vmx *c = arg;

	vmx_vm_reset(&c->vm, g_memread, c->stack);
	host_tr_fixup();
	vmcs_write(EPT_POINTER, ept.eptp);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT, 0);
	c->vm.regs.rsi = (uint64_t)page_a;
	res.launch_result = vmx_vm_run(&c->vm);
	res.rax = c->vm.regs.rax;
}

/* The shootdown's receiving end: invalidate, then read again. */
static void ap_invept_reread(void *arg)
{
	struct cpu_vmx *c = arg;

	res.resume_result = invept(INVEPT_SINGLE_CONTEXT, ept.eptp);
	vmcs_write(GUEST_RIP, (uint64_t)g_memread);
	res.launch_result = vmx_vm_run(&c->vm);
	res.rax = c->vm.regs.rax;
}

static void test_invept_shootdown(void)
{
	page_a = page_alloc();
	page_b = page_alloc();
	page_a[0] = 0xaaaa;
	page_b[0] = 0xbbbb;
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ull << 30, EPT_RWX);
	smp_call(1, ap_read_through_ept, &cpu[1]);
	expect_vmx(res.launch_result, VMX_SUCCEED, 0, "cpu 1 l2 with ept");
	expect_eq(res.rax, 0xaaaa, "cpu 1 l2 reads the page");
	/* CPU 0 remaps the page, then has CPU 1 invalidate. */
	ept_map_4k(&ept, (uint64_t)page_a, (uint64_t)page_b, EPT_RWX);
	smp_call(1, ap_invept_reread, &cpu[1]);
	expect_vmx(res.resume_result, VMX_SUCCEED, 0, "cpu 1 invept");
	expect_eq(res.rax, 0xbbbb, "cpu 1 l2 reads the new mapping");
}

int main(void)
{
	unsigned n = smp_fw_cfg_cpus();

	printf("vmxbox smp test: vmx on %u cpus\n", n);
	unmarked = !strcmp(boot_info.cmdline, "vmx-check=unmarked");
	if (n != NCPUS) {
		printf("FAIL nb_cpus %u: run with --smp=%u\n", n, NCPUS);
		return 1;
	}
	vmxtest_enable();
	if (!smp_start_aps(n)) {
		printf("FAIL APs did not start\n");
		return 1;
	}
	test_section("vmxon on every cpu");
	test_vmxon_everywhere();
	test_section("an l2 on every cpu");
	test_l2_everywhere();
	test_section("vmcs migration");
	test_migration();
	test_section("a vmcs active on two cpus");
	test_active_on_two();
	test_section("ipis into an l2");
	test_ipis_into_l2();
	test_section("invept shootdown");
	test_invept_shootdown();
	return test_summary();
}
