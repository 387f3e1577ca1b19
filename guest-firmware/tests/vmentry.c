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
 */
#include "vmxtest.h"
#include "guest_asm.h"

enum expect { E_CTL, E_HOST, E_GUEST, E_MSR, E_OK };
enum act_op {
	A_NONE, A_SET, A_OR, A_ANDN,
	A_FORBID,	/* set the lowest bit the capability forbids */
	A_REQUIRE,	/* clear the lowest bit the capability requires */
	A_OR_MAXPHY,	/* set the bit at MAXPHYADDR */
	A_CTL_SET,	/* vmx_set_ctl(field, arg) (skip row if impossible) */
};

struct action {
	uint32_t field;
	uint8_t op;
	uint64_t arg;
};

struct entry_row {
	const char *name;
	uint8_t expect;
	struct action act[3];
	void (*prep)(void);
	uint64_t qual;		/* for E_MSR */
};

#define NONCANON 0x8000000000000000ULL

static struct vmx_vm vm;
static uint64_t stack_top;
static unsigned maxphy;
static struct vmx_msr_entry *msr_area;

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

static void prep_msr_load_fs_base(void)
{
	msr_area[0] = (struct vmx_msr_entry){ 0x174, 0, 0x8 };
	msr_area[1] = (struct vmx_msr_entry){ MSR_FS_BASE, 0, 0 };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (uint64_t)msr_area);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 2);
}

static void prep_msr_load_reserved(void)
{
	msr_area[0] = (struct vmx_msr_entry){ 0x174, 1, 0x8 };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (uint64_t)msr_area);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 1);
}

static void prep_msr_load_ok(void)
{
	msr_area[0] = (struct vmx_msr_entry){ 0x174, 0, 0x8 };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (uint64_t)msr_area);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 1);
}

#define ROW(n, e, ...) { n, e, { __VA_ARGS__ }, NULL, 0 }
#define ACT(f, o, a) { f, o, a }

static const struct entry_row rows[] = {
	ROW("baseline launches", E_OK),
	/* 27.2.1.1 VM-execution control fields */
	ROW("pin-based forbidden bit", E_CTL,
	    ACT(PIN_BASED_VM_EXEC_CONTROL, A_FORBID, 0)),
	ROW("pin-based required bit clear", E_CTL,
	    ACT(PIN_BASED_VM_EXEC_CONTROL, A_REQUIRE, 0)),
	ROW("proc-based forbidden bit", E_CTL,
	    ACT(CPU_BASED_VM_EXEC_CONTROL, A_FORBID, 0)),
	ROW("proc-based required bit clear", E_CTL,
	    ACT(CPU_BASED_VM_EXEC_CONTROL, A_REQUIRE, 0)),
	ROW("secondary forbidden bit", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_FORBID, 0)),
	ROW("cr3-target count above max", E_CTL,
	    ACT(CR3_TARGET_COUNT, A_SET, 5)),
	ROW("i/o bitmap a unaligned", E_CTL,
	    ACT(CPU_BASED_VM_EXEC_CONTROL, A_CTL_SET, CPU_USE_IO_BITMAPS),
	    ACT(IO_BITMAP_A, A_SET, 0x200800)),
	ROW("i/o bitmap b beyond maxphyaddr", E_CTL,
	    ACT(CPU_BASED_VM_EXEC_CONTROL, A_CTL_SET, CPU_USE_IO_BITMAPS),
	    ACT(IO_BITMAP_A, A_SET, 0x200000),
	    ACT(IO_BITMAP_B, A_OR_MAXPHY, 0)),
	ROW("msr bitmap unaligned", E_CTL,
	    ACT(MSR_BITMAP, A_OR, 0x10)),
	ROW("virtual nmis without nmi exiting", E_CTL,
	    ACT(PIN_BASED_VM_EXEC_CONTROL, A_CTL_SET, PIN_VIRTUAL_NMIS)),
	ROW("nmi-window exiting without virtual nmis", E_CTL,
	    ACT(CPU_BASED_VM_EXEC_CONTROL, A_CTL_SET, CPU_NMI_WINDOW_EXITING)),
	ROW("ept pointer bad memory type", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_ENABLE_EPT),
	    ACT(EPT_POINTER, A_SET, 0x200000 | EPTP_PWL4 | 1)),
	ROW("ept pointer bad walk length", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_ENABLE_EPT),
	    ACT(EPT_POINTER, A_SET, 0x200000 | (1ULL << 3) | EPTP_MT_WB)),
	ROW("vpid enabled with vpid 0", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_ENABLE_VPID),
	    ACT(VIRTUAL_PROCESSOR_ID, A_SET, 0)),
	ROW("unrestricted guest without ept", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_UNRESTRICTED_GUEST)),
	/* 27.2.1.2 VM-exit control fields */
	ROW("exit forbidden bit", E_CTL,
	    ACT(VM_EXIT_CONTROLS, A_FORBID, 0)),
	ROW("exit required bit clear", E_CTL,
	    ACT(VM_EXIT_CONTROLS, A_REQUIRE, 0)),
	ROW("save timer without activate timer", E_CTL,
	    ACT(VM_EXIT_CONTROLS, A_CTL_SET, EXIT_SAVE_PREEMPTION_TIMER)),
	ROW("exit msr-store address unaligned", E_CTL,
	    ACT(VM_EXIT_MSR_STORE_COUNT, A_SET, 1),
	    ACT(VM_EXIT_MSR_STORE_ADDR, A_SET, 0x200008)),
	ROW("exit msr-load address unaligned", E_CTL,
	    ACT(VM_EXIT_MSR_LOAD_COUNT, A_SET, 1),
	    ACT(VM_EXIT_MSR_LOAD_ADDR, A_SET, 0x200004)),
	/* 27.2.1.3 VM-entry control fields */
	ROW("entry forbidden bit", E_CTL,
	    ACT(VM_ENTRY_CONTROLS, A_FORBID, 0)),
	ROW("entry required bit clear", E_CTL,
	    ACT(VM_ENTRY_CONTROLS, A_REQUIRE, 0)),
	ROW("event injection reserved type 1", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80000100)),
	ROW("event injection hw exception vector 32", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80000320)),
	ROW("event injection nmi with vector 3", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80000203)),
	ROW("event injection #UD with error code", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80000b06)),
	ROW("event injection #GP without error code", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x8000030d)),
	ROW("event injection reserved bits", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80010306)),
	ROW("event injection error code bits 31:16", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80000b0d),
	    ACT(VM_ENTRY_EXCEPTION_ERROR_CODE, A_SET, 0x10000)),
	ROW("event injection software interrupt length 0", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80000420),
	    ACT(VM_ENTRY_INSTRUCTION_LEN, A_SET, 0)),
	ROW("entry msr-load address unaligned", E_CTL,
	    ACT(VM_ENTRY_MSR_LOAD_COUNT, A_SET, 1),
	    ACT(VM_ENTRY_MSR_LOAD_ADDR, A_SET, 0x200001)),
	/* 27.2.2 host control registers and MSRs */
	ROW("host cr0 without ne", E_HOST, ACT(HOST_CR0, A_ANDN, CR0_NE)),
	ROW("host cr4 without vmxe", E_HOST, ACT(HOST_CR4, A_ANDN, CR4_VMXE)),
	ROW("host cr4 without pae", E_HOST, ACT(HOST_CR4, A_ANDN, CR4_PAE)),
	ROW("host cr3 beyond maxphyaddr", E_HOST,
	    ACT(HOST_CR3, A_OR_MAXPHY, 0)),
	ROW("host sysenter esp non-canonical", E_HOST,
	    ACT(HOST_IA32_SYSENTER_ESP, A_SET, NONCANON)),
	ROW("host sysenter eip non-canonical", E_HOST,
	    ACT(HOST_IA32_SYSENTER_EIP, A_SET, NONCANON)),
	ROW("host efer reserved bit", E_HOST,
	    ACT(HOST_IA32_EFER, A_OR, 1ULL << 1)),
	ROW("host efer lma clear with 64-bit host", E_HOST,
	    ACT(HOST_IA32_EFER, A_ANDN, EFER_LMA)),
	/* 27.2.3 host segment and descriptor-table registers */
	ROW("host ds selector rpl 3", E_HOST, ACT(HOST_DS_SELECTOR, A_SET, 0x13)),
	ROW("host ss selector ti 1", E_HOST, ACT(HOST_SS_SELECTOR, A_SET, 0x14)),
	ROW("host cs selector 0", E_HOST, ACT(HOST_CS_SELECTOR, A_SET, 0)),
	ROW("host tr selector 0", E_HOST, ACT(HOST_TR_SELECTOR, A_SET, 0)),
	ROW("host fs base non-canonical", E_HOST,
	    ACT(HOST_FS_BASE, A_SET, NONCANON)),
	ROW("host gs base non-canonical", E_HOST,
	    ACT(HOST_GS_BASE, A_SET, NONCANON)),
	ROW("host tr base non-canonical", E_HOST,
	    ACT(HOST_TR_BASE, A_SET, NONCANON)),
	ROW("host gdtr base non-canonical", E_HOST,
	    ACT(HOST_GDTR_BASE, A_SET, NONCANON)),
	ROW("host idtr base non-canonical", E_HOST,
	    ACT(HOST_IDTR_BASE, A_SET, NONCANON)),
	/* 27.2.4 address-space size */
	ROW("host address-space size 0 in ia-32e mode", E_HOST,
	    ACT(VM_EXIT_CONTROLS, A_ANDN, EXIT_HOST_ADDR_SPACE_SIZE)),
	ROW("host rip non-canonical", E_HOST, ACT(HOST_RIP, A_SET, NONCANON)),
	ROW("host ss selector 0 allowed", E_OK, ACT(HOST_SS_SELECTOR, A_SET, 0)),
	/* 27.3.1.1 guest control registers, debug registers, MSRs */
	ROW("guest cr0 without ne", E_GUEST, ACT(GUEST_CR0, A_ANDN, CR0_NE)),
	ROW("guest cr0 pg without pe", E_GUEST, ACT(GUEST_CR0, A_ANDN, CR0_PE)),
	ROW("guest cr4 without vmxe", E_GUEST, ACT(GUEST_CR4, A_ANDN, CR4_VMXE)),
	ROW("ia-32e guest without cr4.pae", E_GUEST,
	    ACT(GUEST_CR4, A_ANDN, CR4_PAE)),
	ROW("guest cr3 beyond maxphyaddr", E_GUEST,
	    ACT(GUEST_CR3, A_OR_MAXPHY, 0)),
	ROW("guest dr7 bits 63:32", E_GUEST,
	    ACT(VM_ENTRY_CONTROLS, A_CTL_SET, ENTRY_LOAD_DEBUG_CONTROLS),
	    ACT(GUEST_DR7, A_SET, 1ULL << 32)),
	ROW("guest debugctl reserved bit", E_GUEST,
	    ACT(VM_ENTRY_CONTROLS, A_CTL_SET, ENTRY_LOAD_DEBUG_CONTROLS),
	    ACT(GUEST_IA32_DEBUGCTL, A_SET, 1ULL << 2)),
	ROW("guest efer lma clear in ia-32e guest", E_GUEST,
	    ACT(GUEST_IA32_EFER, A_ANDN, EFER_LMA)),
	ROW("guest efer reserved bit", E_GUEST,
	    ACT(GUEST_IA32_EFER, A_OR, 1ULL << 1)),
	ROW("guest pat invalid memory type", E_GUEST,
	    ACT(VM_ENTRY_CONTROLS, A_CTL_SET, ENTRY_LOAD_IA32_PAT),
	    ACT(GUEST_IA32_PAT, A_SET, 0x0007040600070402ULL)),
	/* 27.3.1.2 guest segment registers */
	ROW("guest cs type data", E_GUEST, ACT(GUEST_CS_AR_BYTES, A_SET, 0xa093)),
	ROW("guest cs not present", E_GUEST, ACT(GUEST_CS_AR_BYTES, A_SET, 0xa01b)),
	ROW("guest cs l and d both set", E_GUEST,
	    ACT(GUEST_CS_AR_BYTES, A_SET, 0xe09b)),
	ROW("guest cs limit with g but low bits clear", E_GUEST,
	    ACT(GUEST_CS_LIMIT, A_SET, 0xfffff000)),
	ROW("guest ss dpl differs from rpl", E_GUEST,
	    ACT(GUEST_SS_AR_BYTES, A_SET, 0xc0f3)),
	ROW("guest ds usable but not accessed", E_GUEST,
	    ACT(GUEST_DS_AR_BYTES, A_SET, 0xc092)),
	ROW("guest tr unusable", E_GUEST, ACT(GUEST_TR_AR_BYTES, A_SET, 0x1008b)),
	ROW("guest tr 16-bit busy type in ia-32e", E_GUEST,
	    ACT(GUEST_TR_AR_BYTES, A_SET, 0x83)),
	ROW("guest tr selector ti 1", E_GUEST,
	    ACT(GUEST_TR_SELECTOR, A_SET, 0x2c)),
	ROW("guest ldtr usable with data type", E_GUEST,
	    ACT(GUEST_LDTR_AR_BYTES, A_SET, 0x93)),
	ROW("guest fs base non-canonical", E_GUEST,
	    ACT(GUEST_FS_BASE, A_SET, NONCANON)),
	/* 27.3.1.3 descriptor-table registers */
	ROW("guest gdtr base non-canonical", E_GUEST,
	    ACT(GUEST_GDTR_BASE, A_SET, NONCANON)),
	ROW("guest idtr limit above 0xffff", E_GUEST,
	    ACT(GUEST_IDTR_LIMIT, A_SET, 0x10000)),
	/* 27.3.1.4 RIP and RFLAGS */
	ROW("guest rip non-canonical", E_GUEST, ACT(GUEST_RIP, A_SET, NONCANON)),
	ROW("guest rflags bit 1 clear", E_GUEST, ACT(GUEST_RFLAGS, A_SET, 0)),
	ROW("guest rflags reserved bit 15", E_GUEST,
	    ACT(GUEST_RFLAGS, A_SET, 0x8002)),
	ROW("guest rflags vm in ia-32e", E_GUEST,
	    ACT(GUEST_RFLAGS, A_SET, 0x20002)),
	/* 27.3.1.5 non-register state */
	ROW("guest activity state 4", E_GUEST,
	    ACT(GUEST_ACTIVITY_STATE, A_SET, 4)),
	ROW("guest interruptibility reserved bit", E_GUEST,
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, 1U << 5)),
	ROW("guest sti and mov-ss blocking", E_GUEST,
	    ACT(GUEST_RFLAGS, A_SET, 0x202),
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, 3)),
	ROW("guest sti blocking with if clear", E_GUEST,
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_STI)),
	ROW("guest pending debug reserved bit", E_GUEST,
	    ACT(GUEST_PENDING_DBG_EXCEPTIONS, A_SET, 1U << 4)),
	/* 27.8: qualification 4 = invalid VMCS link pointer. */
	{ "guest vmcs link pointer unaligned", E_GUEST,
	  { ACT(VMCS_LINK_POINTER, A_SET, 0x200010) }, NULL, 4 },
	/* 27.4 MSR loading */
	{ "entry msr load of fs base", E_MSR, { { 0 } }, prep_msr_load_fs_base, 2 },
	{ "entry msr load reserved bits", E_MSR, { { 0 } },
	  prep_msr_load_reserved, 1 },
	{ "entry msr load of sysenter cs", E_OK, { { 0 } }, prep_msr_load_ok, 0 },
};

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

static void test_launch_state(void)
{
	int r;

	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmcs_write(GUEST_RFLAGS, 0);	/* guest-state failure first */
	r = vmx_vm_run(&vm);
	expect_eq(vm.exit_reason, EXIT_REASON_ENTRY_FAILURE |
		  EXIT_REASON_INVALID_GUEST_STATE, "failed entry exit reason");
	r = vmresume(&vm.regs);
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
	r = vmresume(&vm.regs);
	expect_vmx(r, VMX_FAIL_VALID, VMXERR_VMRESUME_NOT_LAUNCHED,
		   "vmclear makes the vmcs clear again");
	/* The launch state is checked before any control (31.3). */
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmcs_write(CR3_TARGET_COUNT, 100);
	r = vmresume(&vm.regs);
	expect_vmx(r, VMX_FAIL_VALID, VMXERR_VMRESUME_NOT_LAUNCHED,
		   "launch state checked before controls");
}

int main(void)
{
	printf("vmxbox nested test: vm-entry checks\n");
	vmxtest_enable();
	maxphy = cpuid(0x80000008, 0).eax & 0xff;
	msr_area = page_alloc();
	stack_top = vmx_guest_stack();
	vm.vmcs = vmx_alloc_region();
	test_section("entry checks");
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++) {
		run_row(&rows[i]);
		/* A VM exit may have loaded a null SS (allowed for a 64-bit
		 * host); give the firmware its data selector back. */
		asm volatile("movw %w0, %%ss" : : "r"(SEL_DATA));
	}
	test_section("launch state");
	test_launch_state();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
