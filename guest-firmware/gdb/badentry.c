// SPDX-License-Identifier: MIT
/*
 * Firmware for the GDB stub's tests and docs/gdb.md's worked session: an
 * L1 that runs an L2 through a few CPUID exits, then "forgets" to keep
 * its host state valid: one VMWRITE puts a bit above the physical-address
 * width into HOST_CR3 (SDM 27.2.2), so the next VMRESUME fails with
 * VMfailValid(8), "VM entry with invalid host-state field(s)".  The bad
 * VMWRITE sits in its own function, far from the failing VMRESUME, as
 * such bugs do: reverse-continue with `monitor vmcs-watch HOST_CR3` finds
 * it.
 */
#include "fw.h"
#include "vmx.h"

#define GOOD_EXITS 3

static struct vmx_vm vm;

static void l2_main(void)
{
	for (;;)
		cpuid(0, 0);
}

/* The bug: meant to switch host page tables, sets bit 60 instead. */
__attribute__((noinline)) static void switch_host_tables(uint64_t cr3)
{
	vmwrite(HOST_CR3, cr3 | (1ull << 60));
}

int main(void)
{
	if (!vmx_supported() || vmx_enable() != VMX_SUCCEED) {
		printf("badentry: VMX not available\n");
		return 1;
	}
	vmx_vm_init(&vm, l2_main, vmx_guest_stack());
	for (unsigned i = 0; i < GOOD_EXITS; i++) {
		if (vmx_vm_run(&vm) != VMX_SUCCEED ||
		    EXIT_REASON_BASIC(vm.exit_reason) != EXIT_REASON_CPUID) {
			printf("badentry: unexpected exit 0x%x\n", vm.exit_reason);
			return 2;
		}
		vmx_skip_insn();
	}
	printf("badentry: %u CPUID exits\n", vm.exits[EXIT_REASON_CPUID]);
	switch_host_tables(vmcs_read(HOST_CR3));
	if (vmx_vm_run(&vm) != VMX_FAIL_VALID) {
		printf("badentry: VMRESUME did not fail\n");
		return 3;
	}
	printf("badentry: VMRESUME failed, VM-instruction error %u\n",
	       vm.last_error);
	return 0;
}
