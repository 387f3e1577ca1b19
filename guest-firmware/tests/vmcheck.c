// SPDX-License-Identifier: MIT
/*
 * A deliberately buggy L1 for `vmxbox run --vmx-check` (docs/vmx-check.md):
 * each section makes one mistake that works on vmxbox (and often on one
 * processor) but relies on what the SDM does not promise.  Run alone
 * (--append=only=NAME) under --vmx-check=fatal each must be caught at its
 * mistake; without --vmx-check the lines show what vmxbox does then.
 *  field:    VMREAD of the ENCLS-exiting bitmap without checking that
 *            "enable ENCLS exiting" is allowed-1 (SDM 25.11.2, A.3.3)
 *  vmresume: VMRESUME of a VMCS that was VMCLEARed (SDM 25.11.3)
 *  vmclear:  VMREAD after VMCLEAR of the current VMCS (SDM 25.11.3)
 *  region:   an ordinary store into the current VMCS (SDM 25.11.1)
 *  exitinfo: the guest-physical address read after a CPUID exit, which
 *            does not save it (SDM 28.2.1)
 */
#include "string.h"
#include "vmxtest.h"
#include "guest_asm.h"

static struct vmx_vm vm;
static uint64_t stack_top;
static const char *only;

static bool wanted(const char *name)
{
	return !only[0] || !strcmp(only, name);
}

static void bug_field(void)
{
	uint64_t v = 0;

	test_section("field");
	expect_vmx(vmread(ENCLS_EXITING_BITMAP, &v), VMX_FAIL_VALID, 12,
		   "vmread of the encls-exiting bitmap (not advertised)");
}

static void bug_vmresume(void)
{
	test_section("vmresume");
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "vmlaunch runs l2");
	vmx_vm_reset(&vm, g_vmcall, stack_top);   /* VMCLEAR: clear again */
	vm.launched = true;                        /* the bug: L1 forgot */
	expect_vmx(vmx_vm_run(&vm), VMX_FAIL_VALID, 5,
		   "vmresume after vmclear fails");
	vm.launched = false;
}

static void bug_vmclear(void)
{
	uint64_t v = 0;

	test_section("vmclear");
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	expect_vmx(vmclear(vm.vmcs_pa), VMX_SUCCEED, 0, "vmclear the vmcs");
	expect_vmx(vmread(GUEST_RIP, &v), VMX_FAIL_INVALID, 0,
		   "vmread after vmclear fails invalid");
}

static void bug_region(void)
{
	uint64_t v = 0;

	test_section("region");
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	((volatile uint32_t *)vm.vmcs)[64] = 0x1234;  /* the bug */
	expect_vmx(vmread(GUEST_RIP, &v), VMX_SUCCEED, 0,
		   "vmread after a store into the current vmcs");
	expect_eq(v, (uint64_t)g_vmcall, "the cached guest rip is kept");
}

static void bug_exitinfo(void)
{
	uint64_t v = 0;

	test_section("exitinfo");
	vmx_vm_reset(&vm, g_cpuid, stack_top);
	if (!vm_run_expect(&vm, EXIT_REASON_CPUID, "cpuid exits"))
		return;
	expect_eq(vm.exit_insn_len, 2, "cpuid exit length (defined)");
	expect_vmx(vmread(GUEST_PHYSICAL_ADDRESS, &v), VMX_SUCCEED, 0,
		   "vmread of the guest-physical address after cpuid");
}

int main(void)
{
	printf("vmxbox nested test: vmx-check bugs\n");
	/* "only=NAME" runs one section; anything else (tlb=...) all. */
	only = "";
	if (!memcmp(boot_info.cmdline, "only=", 5))
		only = boot_info.cmdline + 5;
	vmxtest_enable();
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();
	vmx_vm_reset(&vm, g_vmcall, stack_top);

	if (wanted("field"))
		bug_field();
	if (wanted("vmresume"))
		bug_vmresume();
	if (wanted("vmclear"))
		bug_vmclear();
	if (wanted("region"))
		bug_region();
	if (wanted("exitinfo"))
		bug_exitinfo();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
