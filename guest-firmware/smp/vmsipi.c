// SPDX-License-Identifier: MIT
/*
 * The wait-for-SIPI activity state of an L2 (IA32_VMX_MISC bit 8), run
 * with `vmxbox run --smp=2` (or more; CPU 1 alone takes part): CPU 1
 * enters its L2 in wait-for-SIPI; it waits there (the run goes on);
 * CPU 0 sends it INIT, which an L2 in
 * wait-for-SIPI blocks (no exit, SDM 26.2), then a SIPI: a VM exit with
 * reason 4 and the vector as qualification, the guest state untouched
 * and wait-for-SIPI saved; an expired preemption timer does not exit in
 * that state (26.5.1).  The INIT stays pending, blocked in VMX root
 * operation (24.8), and exits (3) as soon as CPU 1 enters its L2 active.
 * The APs run what the BSP posts in their mailboxes (ap.c).
 */
#include "string.h"
#include "../tests/vmxtest.h"
#include "../tests/guest_asm.h"
#include "ap.h"

#define NCPUS		2
#define SIPI_VEC	0x12
#define ACT_ACTIVE	0
#define ACT_WAIT_SIPI	3

static uint64_t vmxon_region;
static int vmxon_result;
static struct vmx_vm vm;
static uint64_t stack;
static volatile uint32_t in_l2;

static struct {
	int launch_result;
	uint32_t exit_reason;
	uint64_t qual, activity, rip, rbx;
	bool timer;
	int resume_result;
	uint32_t exit_reason2;
	uint64_t rip2;
} res;

void ap_start(uint32_t id)
{
	ap_serve(id);
}

static void ap_vmxon(void *arg)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	(void)arg;
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK |
			  FEATURE_CONTROL_VMXON_OUT_SMX);
	write_cr0(vmx_fix_cr0(read_cr0()));
	write_cr4(vmx_fix_cr4(read_cr4() | CR4_VMXE));
	vmxon_result = vmxon(vmxon_region);
}

/* On CPU 1: L2 in wait-for-SIPI until the SIPI exit, then once more,
 * active. */
static void ap_wait_for_sipi(void *arg)
{
	(void)arg;
	vmx_vm_reset(&vm, g_count, stack);
	vmcs_write(HOST_TR_BASE, (uint64_t)&ap_tss[1]);
	vmcs_write(GUEST_ACTIVITY_STATE, ACT_WAIT_SIPI);
	/* A preemption timer that expires at once: it counts but does not
	 * exit in wait-for-SIPI (SDM 26.5.1). */
	res.timer = vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL,
				PIN_PREEMPTION_TIMER, 0);
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 0);
	__atomic_store_n(&in_l2, 1, __ATOMIC_SEQ_CST);
	res.launch_result = vmx_vm_run(&vm);
	__atomic_store_n(&in_l2, 0, __ATOMIC_SEQ_CST);
	res.exit_reason = vm.exit_reason;
	res.qual = vm.exit_qual;
	res.activity = vmcs_read(GUEST_ACTIVITY_STATE);
	res.rip = vmcs_read(GUEST_RIP);
	res.rbx = vm.regs.rbx;
	vmcs_write(GUEST_ACTIVITY_STATE, ACT_ACTIVE);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, 0, PIN_PREEMPTION_TIMER);
	res.resume_result = vmx_vm_run(&vm);
	res.exit_reason2 = vm.exit_reason;
	res.rip2 = vmcs_read(GUEST_RIP);
}

static void pause_a_while(void)
{
	for (volatile int i = 0; i < 5000; i++)
		asm volatile("pause");
}

static void test_sipi(void)
{
	test_section("sipi into an l2 in wait-for-sipi");
	smp_post(1, ap_wait_for_sipi, NULL);
	report(smp_wait_for(&in_l2, 1), "cpu 1 enters its l2");
	pause_a_while();
	expect_eq(in_l2, 1, "l2 waits for a sipi (the run goes on)");
	smp_send_ipi(1, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	smp_send_ipi(1, ICR_INIT | ICR_LEVEL);
	pause_a_while();
	expect_eq(in_l2, 1, "init is blocked in wait-for-sipi: no exit");
	smp_send_ipi(1, ICR_SIPI | SIPI_VEC);
	report(smp_wait_done(1), "cpu 1 back in l1");
	expect_vmx(res.launch_result, VMX_SUCCEED, 0, "vmlaunch in wait-for-sipi");
	expect_eq(res.timer, 1, "preemption timer 0 armed");
	expect_eq(res.exit_reason, EXIT_REASON_SIPI,
		  "sipi exit (reason 4), no preemption-timer exit");
	expect_eq(res.qual, SIPI_VEC, "qualification: the sipi vector");
	expect_eq(res.activity, ACT_WAIT_SIPI, "activity state saved: wait-for-sipi");
	expect_eq(res.rip, (uint64_t)g_count, "guest rip untouched");
	expect_eq(res.rbx, 0, "no l2 instruction ran");
	expect_vmx(res.resume_result, VMX_SUCCEED, 0, "vmresume active");
	expect_eq(res.exit_reason2, EXIT_REASON_INIT_SIGNAL,
		  "the blocked init exits (reason 3) at once");
	expect_eq(res.rip2, (uint64_t)g_count, "before the first l2 instruction");
}

int main(void)
{
	unsigned n = smp_fw_cfg_cpus();

	printf("vmxbox smp test: wait-for-sipi in l2\n");
	if (n < NCPUS) {
		printf("FAIL nb_cpus %u: run with --smp=%u or more\n", n, NCPUS);
		return 1;
	}
	vmxtest_enable();
	if (!(vmx_caps.misc & (1ULL << 8))) {
		printf("wait-for-sipi not advertised\n");
		return test_summary();
	}
	if (!smp_start_aps(n)) {
		printf("FAIL APs did not start\n");
		return 1;
	}
	vmxon_region = (uint64_t)vmx_alloc_region();
	report(smp_call(1, ap_vmxon, NULL), "cpu 1 vmxon done");
	expect_eq(vmxon_result, VMX_SUCCEED, "cpu 1 vmxon");
	vm.vmcs = vmx_alloc_region();
	stack = vmx_guest_stack();
	test_sipi();
	return test_summary();
}
