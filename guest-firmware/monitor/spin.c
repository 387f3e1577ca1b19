// SPDX-License-Identifier: MIT
/*
 * Firmware for the monitor tests: an L1 that runs one L2 through exactly
 * SPIN_EXITS CPUID exits, prints what it counted, then spins forever in
 * L1 until vmxbox is stopped (monitor `quit`, signal or --timeout).  The
 * test compares the monitor's per-VMCS exit counts with the printed ones.
 */
#include "fw.h"
#include "vmx.h"

#define SPIN_EXITS 3000

static struct vmx_vm vm;

static void l2_main(void)
{
	for (;;)
		cpuid(0, 0);
}

int main(void)
{
	if (!vmx_supported() || vmx_enable() != VMX_SUCCEED) {
		printf("spin: VMX not available\n");
		return 1;
	}
	vmx_vm_init(&vm, l2_main, vmx_guest_stack());
	printf("spin: vmcs 0x%lx\n", vm.vmcs_pa);
	for (unsigned i = 0; i < SPIN_EXITS; i++) {
		if (vmx_vm_run(&vm) != VMX_SUCCEED ||
		    EXIT_REASON_BASIC(vm.exit_reason) != EXIT_REASON_CPUID) {
			printf("spin: unexpected exit 0x%x (error %u)\n",
			       vm.exit_reason, vm.last_error);
			return 2;
		}
		vmx_skip_insn();
	}
	printf("spin: done, %u CPUID exits\n", vm.exits[EXIT_REASON_CPUID]);
	for (volatile uint64_t n = 0;; n++)
		;
}
