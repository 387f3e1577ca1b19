// SPDX-License-Identifier: MIT
/*
 * VM functions and EPT-violation #VE (SDM 26.5.6, 26.5.7): an L1 that
 * gives its L2 two EPT views - view 0 without page P, view 1 with it - in
 * an EPTP list.  L2 switches views itself with VMFUNC (EPTP switching),
 * and a read of P in view 0 becomes a #VE in L2 whose handler reads the
 * virtualization-exception information area and switches to view 1, so
 * the read is retried and succeeds without any VM exit.  Then the cases
 * that exit instead: suppress #VE, a busy information area, the exception
 * bitmap, and VMFUNC with an invalid function, index or EPTP (exit 59) or
 * EAX >= 64 (#UD).
 */
#include "vmxtest.h"
#include "guest_asm.h"

#define VE_VECTOR 20

static struct vmx_vm vm;
static uint64_t stack_top;
static struct ept view0, view1;
static uint64_t *eptp_list;
static volatile uint32_t *ve_info;
static volatile uint64_t *page_p;

/* What L2 saw (shared memory). */
static volatile struct {
	uint32_t func, index;       /* VMFUNC request */
	uint64_t value;             /* read of P */
	unsigned ve_count;
	uint32_t ve_reason, ve_busy;
	uint64_t ve_qual, ve_gla, ve_gpa;
	uint16_t ve_index;
} l2;

/* L2's #VE handler: record the information area, switch to view 1 (the
 * faulting read is retried by IRET). */
static bool l2_ve_handler(struct trap_frame *f)
{
	volatile uint64_t *q = (volatile uint64_t *)ve_info;

	l2.ve_count++;
	l2.ve_reason = ve_info[0];
	l2.ve_busy = ve_info[1];
	l2.ve_qual = q[1];
	l2.ve_gla = q[2];
	l2.ve_gpa = q[3];
	l2.ve_index = (uint16_t)q[4];
	vmfunc(0, 1);
	return true;
}

static void l2_read_p(void)
{
	l2.value = *page_p;
	guest_vmcall(0, 0);
}

static void l2_vmfunc(void)
{
	vmfunc(l2.func, l2.index);
	l2.value = *page_p;
	guest_vmcall(0, 0);
}

static void reset_views(void (*guest)(void), bool ve)
{
	vmx_vm_reset(&vm, guest, stack_top);
	vmcs_write(EPT_POINTER, view0.eptp);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL,
		    SEC_ENABLE_EPT | SEC_ENABLE_VMFUNC, 0);
	vmcs_write(VM_FUNCTION_CONTROLS, 1);          /* EPTP switching */
	vmcs_write(EPTP_LIST_ADDR, (uint64_t)eptp_list);
	if (ve) {
		vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_EPT_VE, 0);
		vmcs_write(VE_INFO_ADDR, (uint64_t)ve_info);
		vmcs_write(EPTP_INDEX, 0);
	}
	invept(INVEPT_ALL_CONTEXT, 0);
	memset((void *)ve_info, 0, 64);
	memset((void *)&l2, 0, sizeof(l2));
}

static void test_vmfunc(void)
{
	test_section("vmfunc eptp switching");
	reset_views(l2_vmfunc, false);
	l2.func = 0;
	l2.index = 1;
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "vmfunc to view 1, then read p: no exit")) {
		expect_eq(l2.value, 0x7e57, "l2 reads p through view 1");
		expect_eq(vmcs_read(EPT_POINTER), view1.eptp,
			  "eptp field now view 1");
	}
	reset_views(l2_vmfunc, true);
	l2.index = 1;
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "vmfunc with #ve enabled"))
		expect_eq(vmcs_read(EPTP_INDEX), 1, "eptp index follows ecx");

	test_section("vmfunc exits");
	reset_views(l2_vmfunc, false);
	l2.index = 512;
	vm_run_expect(&vm, EXIT_REASON_VMFUNC, "vmfunc index 512 exits");
	expect_eq(vmcs_read(EPT_POINTER), view0.eptp, "eptp unchanged");
	reset_views(l2_vmfunc, false);
	l2.index = 2;                  /* list entry 2 is 0: not an EPTP */
	vm_run_expect(&vm, EXIT_REASON_VMFUNC, "vmfunc of an invalid eptp exits");
	reset_views(l2_vmfunc, false);
	l2.func = 1;
	vm_run_expect(&vm, EXIT_REASON_VMFUNC, "vmfunc of a disabled function exits");
	reset_views(l2_vmfunc, false);
	l2.func = 64;
	vmcs_write(EXCEPTION_BITMAP, 1U << 6);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "vmfunc eax 64 is #ud"))
		expect_eq(INTR_INFO_VECTOR(vm.exit_intr_info), 6, "#ud vector");
}

static void test_ve(void)
{
	uint64_t read_rip = 0;

	test_section("#ve instead of an ept violation exit");
	reset_views(l2_read_p, true);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "read of p in view 0: #ve, handled in l2")) {
		expect_eq(l2.ve_count, 1, "one #ve");
		expect_eq(l2.value, 0x7e57, "read retried through view 1");
		expect_eq(l2.ve_reason, EXIT_REASON_EPT_VIOLATION,
			  "ve info: exit reason 48");
		expect_eq(l2.ve_busy, 0xffffffffU, "ve info: busy dword set");
		expect_eq(l2.ve_qual & 0x1bf, EXITQ_EPT_READ |
			  EXITQ_EPT_GLA_VALID | EXITQ_EPT_GLA_TRANSLATED,
			  "ve info: qualification");
		expect_eq(l2.ve_gla, (uint64_t)page_p, "ve info: guest-linear");
		expect_eq(l2.ve_gpa, (uint64_t)page_p, "ve info: guest-physical");
		expect_eq(l2.ve_index, 0, "ve info: eptp index");
		expect_eq(vm.exits[EXIT_REASON_EPT_VIOLATION], 0,
			  "no ept violation exit");
	}

	test_section("#ve: the cases that exit");
	reset_views(l2_read_p, true);
	ve_info[1] = 1;
	if (vm_run_expect(&vm, EXIT_REASON_EPT_VIOLATION,
			  "busy information area: ept violation exit"))
	{
		expect_eq(l2.ve_count, 0, "no #ve when busy");
		read_rip = vmcs_read(GUEST_RIP);
	}
	reset_views(l2_read_p, true);
	*ept_entry(&view0, (uint64_t)page_p) |= 1ULL << 63;
	invept(INVEPT_ALL_CONTEXT, 0);
	vm_run_expect(&vm, EXIT_REASON_EPT_VIOLATION,
		      "suppress #ve bit: ept violation exit");
	*ept_entry(&view0, (uint64_t)page_p) &= ~(1ULL << 63);
	reset_views(l2_read_p, false);
	vm_run_expect(&vm, EXIT_REASON_EPT_VIOLATION,
		      "#ve control off: ept violation exit");
	reset_views(l2_read_p, true);
	vmcs_write(EXCEPTION_BITMAP, 1U << VE_VECTOR);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			  "exception bitmap bit 20: #ve exits")) {
		expect_eq(vm.exit_intr_info, INTR_INFO(VE_VECTOR,
			  INTR_TYPE_HW_EXCEPTION, false),
			  "exit interruption info: #ve, no error code");
		expect_eq(ve_info[1], 0xffffffffU, "information area written");
		expect_eq(vmcs_read(GUEST_RIP), read_rip,
			  "#ve is a fault: guest rip at the read");
	}
}

int main(void)
{
	printf("vmxbox nested test: vm functions and ept-violation #ve\n");
	vmxtest_enable();
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_VMFUNC | SEC_EPT_VE) ||
	    !(vmx_caps.vmfunc & 1)) {
		printf("vmfunc or #ve not advertised\n");
		vmx_disable();
		return test_summary();
	}
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();
	eptp_list = page_alloc();
	ve_info = page_alloc();
	page_p = page_alloc();
	*page_p = 0x7e57;
	ept_init(&view0, false);
	ept_identity_map(&view0, 1ULL << 32, EPT_RWX);
	ept_map_4k(&view0, (uint64_t)page_p, (uint64_t)page_p, 0);
	ept_init(&view1, false);
	ept_identity_map(&view1, 1ULL << 32, EPT_RWX);
	eptp_list[0] = view0.eptp;
	eptp_list[1] = view1.eptp;
	trap_set_handler(VE_VECTOR, l2_ve_handler);

	test_vmfunc();
	test_ve();

	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
