// SPDX-License-Identifier: MIT
/* The example of docs/nested-tests.md: one CPUID exit, checked. */
#include "vmxtest.h"
#include "guest_asm.h"

static struct vmx_vm vm;

int main(void)
{
	printf("vmxbox nested test: my area\n");
	vmxtest_enable();                      /* FEATURE_CONTROL, CR4, VMXON */
	vm.vmcs = vmx_alloc_region();
	vmx_vm_reset(&vm, g_cpuid, vmx_guest_stack());  /* 64-bit L2 */

	test_section("cpuid");
	if (vm_run_expect(&vm, EXIT_REASON_CPUID, "cpuid exits")) {
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_cpuid_insn,
			  "cpuid exit rip");
		expect_eq(vm.exit_insn_len, 2, "cpuid exit length");
		vmx_skip_insn();
		vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 resumes after cpuid");
	}
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();                 /* exit status = failures */
}
