// SPDX-License-Identifier: MIT
/*
 * The issue-17 VMX features with the CPU model turning them off
 * (vmxbox run --cpu=max,-vmx-pml,...; docs/cpu-model.md): what an L1 that
 * probes for them must see.  For each feature the capability MSRs either
 * allow it (a "# ... advertised" line) or do not, and then: its VMCS
 * fields do not exist (VMfailValid 12), a VM entry with its control set
 * fails with VMfailValid 7 (SDM 27.2.1.1), and for VMCS shadowing a
 * VMPTRLD of a shadow VMCS fails with error 11.  Posted interrupts go
 * with virtual-interrupt delivery (their prerequisite), and so does IPI
 * virtualization, with it the tertiary controls.  The test registered under
 * check runs it with every one of them off.
 */
#include "vmxtest.h"
#include "guest_asm.h"

static struct vmx_vm vm;
static uint64_t stack_top;
static struct ept ept;

struct feature {
	const char *name;
	uint32_t control;        /* secondary (or pin-based) control bit */
	uint32_t fields[2];      /* fields that exist only with it (0: none) */
	bool pin;                /* a pin-based control */
};

static const struct feature features[] = {
	{ "vmcs shadowing", SEC_VMCS_SHADOWING,
	  { VMREAD_BITMAP, VMWRITE_BITMAP }, false },
	{ "pml", SEC_ENABLE_PML, { PML_ADDRESS, GUEST_PML_INDEX }, false },
	{ "ept-violation #ve", SEC_EPT_VE, { VE_INFO_ADDR, EPTP_INDEX }, false },
	{ "mode-based execute control", SEC_MODE_BASED_EPT_EXEC, { 0, 0 }, false },
	{ "tsc scaling", SEC_TSC_SCALING, { TSC_MULTIPLIER, 0 }, false },
	{ "virtualize x2apic mode", SEC_VIRT_X2APIC, { 0, 0 }, false },
	{ "apic-register virtualization", SEC_APIC_REGISTER_VIRT, { 0, 0 },
	  false },
	{ "virtual-interrupt delivery", SEC_VIRT_INTR_DELIVERY,
	  { GUEST_INTR_STATUS, EOI_EXIT_BITMAP0 }, false },
	{ "posted interrupts", PIN_POSTED_INTR,
	  { POSTED_INTR_NOTIFICATION_VECTOR, POSTED_INTR_DESC_ADDR }, true },
	{ "virtualize apic accesses", SEC_VIRT_APIC_ACCESSES,
	  { APIC_ACCESS_ADDR, 0 }, false },
	{ "pause-loop exiting", SEC_PAUSE_LOOP_EXITING,
	  { PLE_GAP, PLE_WINDOW }, false },
	{ "enable xsaves/xrstors", SEC_ENABLE_XSAVES, { XSS_EXIT_BITMAP, 0 },
	  false },
};

static void expect_no_field(uint32_t field, const char *feature)
{
	uint64_t v = 0x5a5a;
	int r;

	vmx_check_deliberate(true);
	r = vmread(field, &v);
	vmx_check_deliberate(false);
	expect_vmx(r, VMX_FAIL_VALID, VMXERR_UNSUPPORTED_FIELD,
		   "%s off: no field %s", feature, vmcs_field_name(field));
}

/* The same VMCS enters without the bit and fails with VMfailValid(7)
 * with it forced on. */
static void expect_entry_fails(uint32_t field, uint64_t bits, const char *what)
{
	char name[96];

	snprintf(name, sizeof(name), "%s: entry without it", what);
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY, 0);
	vm_run_expect(&vm, EXIT_REASON_VMCALL, name);
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY, 0);
	vmcs_write(field, vmcs_read(field) | bits);
	expect_vmx(vmx_vm_run(&vm), VMX_FAIL_VALID,
		   VMXERR_ENTRY_INVALID_CONTROL, "%s: vm entry with it fails", what);
}

static void test_feature(const struct feature *f)
{
	char section[64];

	uint64_t cap = f->pin ? vmx_caps.pin_ctl : vmx_caps.proc2;

	if (vmx_ctl_allowed1(cap, f->control)) {
		snprintf(section, sizeof(section), "%s advertised", f->name);
		test_section(section);
		return;
	}
	snprintf(section, sizeof(section), "%s off", f->name);
	test_section(section);
	expect_eq(cap >> 32 & f->control, 0, "%s off: not allowed-1 in %s",
		  f->name, f->pin ? "pinbased_ctls" : "procbased_ctls2");
	for (unsigned i = 0; i < 2; i++)
		if (f->fields[i])
			expect_no_field(f->fields[i], f->name);
	expect_entry_fails(f->pin ? PIN_BASED_VM_EXEC_CONTROL :
			   SECONDARY_VM_EXEC_CONTROL, f->control, section);
}

static uint64_t current_vmcs_ptr(void)
{
	uint64_t p = 0;

	vmptrst(&p);
	return p;
}

static void test_shadow_vmptrld(void)
{
	uint32_t *region = vmx_alloc_region();

	if (vmx_ctl_allowed1(vmx_caps.proc2, SEC_VMCS_SHADOWING))
		return;
	region[0] |= 0x80000000u;
	expect_vmx(vmptrld((uint64_t)region), VMX_FAIL_VALID,
		   VMXERR_VMPTRLD_BAD_REVISION,
		   "vmcs shadowing off: vmptrld of a shadow vmcs fails");
	expect_eq(current_vmcs_ptr(), vm.vmcs_pa,
		  "vmcs shadowing off: the current vmcs stays");
}

static void test_eptp_switching(void)
{
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_VMFUNC)) {
		test_section("vm functions off");
		expect_no_field(VM_FUNCTION_CONTROLS, "vm functions");
		expect_entry_fails(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_VMFUNC,
				   "vm functions off");
		return;
	}
	if (vmx_caps.vmfunc & 1) {
		test_section("eptp switching advertised");
		return;
	}
	test_section("eptp switching off");
	expect_no_field(EPTP_LIST_ADDR, "eptp switching");
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL,
		    SEC_ENABLE_EPT | SEC_ENABLE_VMFUNC, 0);
	vmcs_write(EPT_POINTER, ept.eptp);
	vm_run_expect(&vm, EXIT_REASON_VMCALL,
		      "eptp switching off: vmfunc enabled, no function, enters");
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL,
		    SEC_ENABLE_EPT | SEC_ENABLE_VMFUNC, 0);
	vmcs_write(EPT_POINTER, ept.eptp);
	vmcs_write(VM_FUNCTION_CONTROLS, 1);
	expect_vmx(vmx_vm_run(&vm), VMX_FAIL_VALID, VMXERR_ENTRY_INVALID_CONTROL,
		   "eptp switching off: vm-function control bit 0 fails entry");
}

/* Wait-for-SIPI is an activity state (IA32_VMX_MISC bit 8): without it
 * VM entry in that state fails as invalid guest state (27.3.1.5). */
static void test_wait_for_sipi(void)
{
	if (vmx_caps.misc & (1ULL << 8)) {
		test_section("wait-for-sipi advertised");
		return;
	}
	test_section("wait-for-sipi off");
	expect_eq(vmx_caps.misc >> 6 & 7, 1,
		  "wait-for-sipi off: vmx_misc activity states hlt only");
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmcs_write(GUEST_ACTIVITY_STATE, 3);
	if (vmx_vm_run(&vm) == VMX_SUCCEED)
		expect_eq(vm.exit_reason, EXIT_REASON_ENTRY_FAILURE |
			  EXIT_REASON_INVALID_GUEST_STATE,
			  "wait-for-sipi off: vm entry in it fails (exit 33)");
	else
		test_result(false, "wait-for-sipi off: vm entry in it fails",
			    "VMfail");
}

static void rdmsr_fn(void *p)
{
	uint64_t *v = p;

	*v = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS3);
}

/* IPI virtualization is the only tertiary control: without it "activate
 * tertiary controls" is not allowed-1, IA32_VMX_PROCBASED_CTLS3 does not
 * exist (A.3.4) and neither do the tertiary and PID-pointer fields. */
static void test_ipiv(void)
{
	struct trap_info ti;
	uint64_t v = 0;

	if (vmx_ctl_allowed1(vmx_caps.proc_ctl, CPU_ACTIVATE_TERTIARY)) {
		test_section("ipi virtualization advertised");
		return;
	}
	test_section("ipi virtualization off");
	expect_eq(vmx_caps.proc_ctl >> 32 & CPU_ACTIVATE_TERTIARY, 0,
		  "ipi virtualization off: activate tertiary controls not allowed-1");
	expect_eq(trap_try(rdmsr_fn, &v, &ti), VEC_GP,
		  "ipi virtualization off: rdmsr 492h is #gp");
	expect_no_field(TERTIARY_VM_EXEC_CONTROL, "ipi virtualization");
	expect_no_field(PID_POINTER_TABLE_ADDR, "ipi virtualization");
	expect_no_field(LAST_PID_POINTER_INDEX, "ipi virtualization");
	expect_entry_fails(CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_TERTIARY,
			   "ipi virtualization off");
}

int main(void)
{
	printf("vmxbox nested test: vmx features the cpu model turned off\n");
	vmxtest_enable();
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();
	vmx_vm_reset(&vm, g_vmcall, stack_top);    /* a current VMCS */
	test_shadow_vmptrld();
	for (unsigned i = 0; i < ARRAY_SIZE(features); i++)
		test_feature(&features[i]);
	test_eptp_switching();
	test_wait_for_sipi();
	test_ipiv();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
