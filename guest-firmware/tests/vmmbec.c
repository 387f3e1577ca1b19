// SPDX-License-Identifier: MIT
/*
 * Mode-based execute control for EPT (SDM 29.3.2, 29.3.3.2, Table 28-7):
 * an L1 that lets its L2 execute a page only as supervisor-mode code (EPT
 * bit 2, XS) or only as user-mode code (bit 10, XU).  What decides is the
 * guest-linear address: user-mode when the U/S flag is 1 in every guest
 * paging-structure entry, whatever the CPL.  The L2 runs g_vmcall at CPL 0
 * on the firmware's supervisor page tables, or at CPL 0 / CPL 3 on page
 * tables that map everything user-mode.
 */
#include "vmxtest.h"
#include "guest_asm.h"

#define EPT_XU (1ULL << 10)
#define GLA_BITS (EXITQ_EPT_GLA_VALID | EXITQ_EPT_GLA_TRANSLATED)
#define XU_BIT (1ULL << 6)	/* Table 28-7: executable for user mode */

static struct vmx_vm vm;
static uint64_t stack_top;
static struct ept ept;
static uint64_t *code;		/* EPT leaf of g_vmcall's page */
static uint64_t user_cr3;

/* XU is ANDed over the walk: set it on the entries above gpa's leaf. */
static void xu_on_path(uint64_t gpa)
{
	uint64_t *e = &ept.pml4[(gpa >> 39) & 511];

	for (unsigned shift = 30; shift >= 21; shift -= 9) {
		*e |= EPT_XU;
		e = &((uint64_t *)(*e & PTE_ADDR_MASK))[(gpa >> shift) & 511];
	}
	*e |= EPT_XU;
}

enum l2_mode { SUPERVISOR, USER_LA_CPL0, USER_CPL3 };

static void reset(enum l2_mode mode, bool mbec, uint64_t code_exec)
{
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmcs_write(EPT_POINTER, ept.eptp);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT, 0);
	if (mbec)
		vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_MODE_BASED_EPT_EXEC, 0);
	*code = (*code & ~(EPT_X | EPT_XU)) | code_exec;
	invept(INVEPT_SINGLE_CONTEXT, ept.eptp);
	if (mode != SUPERVISOR)
		vmcs_write(GUEST_CR3, user_cr3);
	if (mode == USER_CPL3) {
		vmcs_write(GUEST_CS_SELECTOR, 0x2b);
		vmcs_write(GUEST_CS_AR_BYTES, 0xa0fb);	/* 64-bit code, DPL 3 */
		vmcs_write(GUEST_SS_SELECTOR, 0x33);
		vmcs_write(GUEST_SS_AR_BYTES, 0xc0f3);	/* data, DPL 3 */
	}
}

static void expect_fetch_violation(uint64_t perms, const char *name)
{
	if (!vm_run_expect(&vm, EXIT_REASON_EPT_VIOLATION, name))
		return;
	expect_eq(vm.exit_qual & 0x1ff, EXITQ_EPT_FETCH | EXITQ_EPT_READABLE |
		  EXITQ_EPT_WRITABLE | perms | GLA_BITS,
		  "%s: qualification", name);
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_vmcall, "%s: guest rip", name);
}

static void test_supervisor(void)
{
	test_section("supervisor-mode linear addresses use bit 2");
	reset(SUPERVISOR, true, EPT_X);
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "xs only: supervisor code runs");
	reset(SUPERVISOR, true, EPT_XU);
	expect_fetch_violation(XU_BIT, "xu only: supervisor fetch violates");
}

static void test_user(void)
{
	test_section("user-mode linear addresses use bit 10");
	reset(USER_CPL3, true, EPT_XU);
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "xu only: cpl 3 code runs");
	reset(USER_CPL3, true, EPT_X);
	expect_fetch_violation(EXITQ_EPT_EXECUTABLE,
			       "xs only: cpl 3 fetch violates");
	/* CPL 0 fetching from a user-mode linear address: bit 10 decides. */
	reset(USER_LA_CPL0, true, EPT_XU);
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "xu only: cpl 0 at a user address runs");
	reset(USER_LA_CPL0, true, EPT_X);
	expect_fetch_violation(EXITQ_EPT_EXECUTABLE,
			       "xs only: cpl 0 at a user address violates");
	reset(USER_CPL3, true, EPT_X | EPT_XU);
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "xs and xu: cpl 3 code runs");
}

static void test_control_off(void)
{
	test_section("mode-based execute control off");
	reset(USER_CPL3, false, EPT_X);
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "bit 2 alone lets cpl 3 code run");
	reset(SUPERVISOR, false, EPT_XU);
	expect_fetch_violation(0, "bit 10 ignored: supervisor fetch violates");
}

int main(void)
{
	printf("vmxbox nested test: mode-based execute control for ept\n");
	vmxtest_enable();
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_MODE_BASED_EPT_EXEC)) {
		printf("mode-based execute control not advertised\n");
		vmx_disable();
		return test_summary();
	}
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();
	user_cr3 = paging_user_tables();
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	code = ept_entry(&ept, (uint64_t)g_vmcall);
	xu_on_path((uint64_t)g_vmcall);
	if ((uint64_t)g_vmcall >> 12 != (uint64_t)g_vmcall_next >> 12)
		printf("FAIL g_vmcall crosses a page\n");

	test_supervisor();
	test_user();
	test_control_off();

	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
