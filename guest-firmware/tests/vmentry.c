// SPDX-License-Identifier: MIT
/*
 * VM-entry checks, table-driven (SDM ch. 27): each row starts from a VMCS
 * that launches, breaks one thing, and expects the architectural outcome:
 *   VMfailValid(7)  invalid control field        (27.2.1)
 *   VMfailValid(8)  invalid host-state field     (27.2.2, 27.2.3)
 *   exit 0x80000021 invalid guest state          (27.3.1), qualification 0
 *                   (4 for a bad VMCS link pointer, 27.8)
 *   exit 0x80000022 MSR loading failure          (27.4), qualification =
 *                   the 1-based index of the failing entry
 * then the launch-state rules (VMLAUNCH of a launched VMCS, VMRESUME).
 * The rows are in vmentry_rows.c.
 */
#include "vmentry.h"

static struct vmx_vm vm;
static uint64_t stack_top;
static unsigned maxphy;
struct vmx_msr_entry *msr_area;

static uint64_t cap_of(uint32_t field)
{
	switch (field) {
	case PIN_BASED_VM_EXEC_CONTROL: return vmx_caps.pin_ctl;
	case CPU_BASED_VM_EXEC_CONTROL: return vmx_caps.proc_ctl;
	case SECONDARY_VM_EXEC_CONTROL: return vmx_caps.proc2;
	case VM_EXIT_CONTROLS: return vmx_caps.exit_ctl;
	default: return vmx_caps.entry_ctl;
	}
}

/* Returns false if the row cannot be expressed on this CPU. */
static bool apply(const struct action *a)
{
	uint64_t v = vmcs_read(a->field), cap = cap_of(a->field);
	uint32_t bits;

	switch (a->op) {
	case A_NONE: return true;
	case A_SET: v = a->arg; break;
	case A_OR: v |= a->arg; break;
	case A_ANDN: v &= ~a->arg; break;
	case A_OR_MAXPHY: v |= 1ULL << maxphy; break;
	case A_FORBID:
		bits = ~(uint32_t)(cap >> 32);
		if (!bits)
			return false;
		v |= bits & -bits;
		break;
	case A_REQUIRE:
		bits = (uint32_t)cap;
		if (!bits)
			return false;
		v &= ~(uint64_t)(bits & -bits);
		break;
	case A_CTL_SET:
		return vmx_set_ctl(a->field, (uint32_t)a->arg, 0);
	}
	vmcs_write(a->field, v);
	return true;
}

/* Events the E_OK rows inject are delivered through L2's IDT (the
 * firmware's): each handler just returns (a #DB one clears TF). */
static const uint8_t row_vectors[] = { 1, 2, 18, 31, 0x30 };

static bool row_event(struct trap_frame *f)
{
	f->rflags &= ~RFLAGS_TF;
	return true;
}

static void run_row(const struct entry_row *row)
{
	int r;

	vmx_vm_reset(&vm, g_vmcall, stack_top);
	for (unsigned i = 0; i < ARRAY_SIZE(row->act); i++)
		if (row->act[i].op != A_NONE && !apply(&row->act[i]))
			return;		/* not expressible on this CPU */
	if (row->prep)
		row->prep();
	r = vmx_vm_run(&vm);
	switch (row->expect) {
	case E_CTL:
		expect_vmx(r, VMX_FAIL_VALID, VMXERR_ENTRY_INVALID_CONTROL,
			   "entry %s", row->name);
		break;
	case E_HOST:
		expect_vmx(r, VMX_FAIL_VALID, VMXERR_ENTRY_INVALID_HOST_STATE,
			   "entry %s", row->name);
		break;
	case E_GUEST:
	case E_MSR: {
		uint32_t want = EXIT_REASON_ENTRY_FAILURE |
			(row->expect == E_GUEST ? EXIT_REASON_INVALID_GUEST_STATE
						: EXIT_REASON_MSR_LOADING);
		uint64_t q = row->qual;

		if (r != VMX_SUCCEED) {
			expect_vmx(r, VMX_SUCCEED, 0, "entry %s", row->name);
			break;
		}
		test_result(vm.exit_reason == want && vm.exit_qual == q,
			    row->name, "exit reason 0x%x qualification 0x%lx, "
			    "expected 0x%x 0x%lx", vm.exit_reason, vm.exit_qual,
			    want, q);
		break;
	}
	case E_OK:
		if (r != VMX_SUCCEED) {
			expect_vmx(r, VMX_SUCCEED, 0, "entry %s", row->name);
			break;
		}
		expect_eq(vm.exit_reason, EXIT_REASON_VMCALL, "entry %s",
			  row->name);
		break;
	}
}

/* VMRESUME of a clear VMCS on purpose (VMfailValid 5; --vmx-check). */
static int deliberate_vmresume(void)
{
	int r;

	vmx_check_deliberate(true);
	r = vmresume(&vm.regs);
	vmx_check_deliberate(false);
	return r;
}

static void test_launch_state(void)
{
	int r;

	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmcs_write(GUEST_RFLAGS, 0);	/* guest-state failure first */
	r = vmx_vm_run(&vm);
	expect_eq(vm.exit_reason, EXIT_REASON_ENTRY_FAILURE |
		  EXIT_REASON_INVALID_GUEST_STATE, "failed entry exit reason");
	r = deliberate_vmresume();
	expect_vmx(r, VMX_FAIL_VALID, VMXERR_VMRESUME_NOT_LAUNCHED,
		   "failed entry leaves launch state clear");
	vmcs_write(GUEST_RFLAGS, RFLAGS_FIXED);
	r = vmlaunch(&vm.regs);
	expect_vmx(r, VMX_SUCCEED, 0, "vmlaunch after fixing guest state");
	expect_eq(vmcs_read(VM_EXIT_REASON), EXIT_REASON_VMCALL,
		  "vmlaunch reaches the guest");
	r = vmlaunch(&vm.regs);
	expect_vmx(r, VMX_FAIL_VALID, VMXERR_VMLAUNCH_NOT_CLEAR,
		   "vmlaunch of a launched vmcs");
	vmcs_write(GUEST_RIP, (uint64_t)g_vmcall);
	r = vmresume(&vm.regs);
	expect_vmx(r, VMX_SUCCEED, 0, "vmresume of a launched vmcs");
	expect_eq(vmcs_read(VM_EXIT_REASON), EXIT_REASON_VMCALL,
		  "vmresume reaches the guest");
	vmclear(vm.vmcs_pa);
	vmptrld(vm.vmcs_pa);
	r = deliberate_vmresume();
	expect_vmx(r, VMX_FAIL_VALID, VMXERR_VMRESUME_NOT_LAUNCHED,
		   "vmclear makes the vmcs clear again");
	/* The launch state is checked before any control (31.3). */
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmcs_write(CR3_TARGET_COUNT, 100);
	r = deliberate_vmresume();
	expect_vmx(r, VMX_FAIL_VALID, VMXERR_VMRESUME_NOT_LAUNCHED,
		   "launch state checked before controls");
}

int main(void)
{
	uint64_t pat;

	printf("vmxbox nested test: vm-entry checks\n");
	vmxtest_enable();
	maxphy = cpuid(0x80000008, 0).eax & 0xff;
	msr_area = page_alloc();
	stack_top = vmx_guest_stack();
	vm.vmcs = vmx_alloc_region();
	pat = rdmsr(MSR_IA32_PAT);
	for (unsigned i = 0; i < ARRAY_SIZE(row_vectors); i++)
		trap_set_handler(row_vectors[i], row_event);
	test_section("entry checks");
	for (unsigned i = 0; i < entry_rows_count; i++) {
		run_row(&entry_rows[i]);
		/* E_OK rows may have loaded a host PAT / PERF_GLOBAL_CTRL. */
		wrmsr(MSR_IA32_PAT, pat);
		wrmsr(0x38f, 0);
		/* A VM exit may have loaded a null SS (allowed for a 64-bit
		 * host); give the firmware its data selector back. */
		asm volatile("movw %w0, %%ss" : : "r"(SEL_DATA));
	}
	for (unsigned i = 0; i < ARRAY_SIZE(row_vectors); i++)
		trap_set_handler(row_vectors[i], NULL);
	test_section("launch state");
	test_launch_state();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
