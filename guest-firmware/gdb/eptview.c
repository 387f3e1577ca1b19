// SPDX-License-Identifier: MIT
/*
 * Firmware for the GDB stub's L2 view through L1's EPT and its VMCS
 * scope (docs/gdb.md "Nested views"): L1 runs two VMs on the same L2
 * code, in turn.  `vm` runs under EPT that maps [0, 4 GiB) one to one
 * except one page, `view_page`, which EPT points at another page,
 * `backing`; `vm_flat` runs without EPT.  L2 shares L1's page tables, so
 * at the linear address of view_page L1 and vm_flat's L2 read VIEW_L1,
 * vm's L2 reads VIEW_L2: a debugger that shows L2's memory without going
 * through EPT shows the wrong bytes, and a breakpoint in the shared L2
 * code scoped to one VMCS must stop only that VM.  L2 reads the word
 * into RBX and exits with CPUID, EPT_VIEW_EXITS times per VM.
 */
#include "fw.h"
#include "paging.h"
#include "vmx.h"

#define EPT_VIEW_EXITS 3
#define VIEW_L1 0x11111111deadbeefull
#define VIEW_L2 0x22222222cafef00dull

/* Not static: the test reads their vmcs_pa with gdb. */
struct vmx_vm vm, vm_flat;
static struct ept ept;
/* volatile: the test reads it with gdb at this symbol. */
volatile uint64_t view_page[512] __attribute__((aligned(4096)));

/* L2: read the remapped word into RBX, exit with CPUID, again. */
static void l2_main(void)
{
	for (;;) {
		uint32_t leaf = 0, sub = 0;

		asm volatile("mov %2, %%rbx\n\tcpuid"
			     : "+a"(leaf), "+c"(sub) : "m"(view_page[0])
			     : "rbx", "rdx", "memory");
	}
}

/* One CPUID exit of v (made current first). */
static bool run_once(struct vmx_vm *v)
{
	if (vmptrld(v->vmcs_pa) != VMX_SUCCEED || vmx_vm_run(v) != VMX_SUCCEED ||
	    EXIT_REASON_BASIC(v->exit_reason) != EXIT_REASON_CPUID) {
		printf("eptview: unexpected exit 0x%x (error %u)\n",
		       v->exit_reason, v->last_error);
		return false;
	}
	vmx_skip_insn();
	return true;
}

int main(void)
{
	uint64_t *backing;

	if (!vmx_supported() || vmx_enable() != VMX_SUCCEED) {
		printf("eptview: VMX not available\n");
		return 1;
	}
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT)) {
		printf("eptview: EPT not available\n");
		return 1;
	}
	backing = page_alloc();
	view_page[0] = VIEW_L1;
	backing[0] = VIEW_L2;
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	ept_map_4k(&ept, (uint64_t)view_page, (uint64_t)backing, EPT_RWX);
	vmx_vm_init(&vm_flat, l2_main, vmx_guest_stack());
	vmx_vm_init(&vm, l2_main, vmx_guest_stack());
	vmcs_write(EPT_POINTER, ept.eptp);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT, 0);
	for (unsigned i = 0; i < EPT_VIEW_EXITS; i++)
		if (!run_once(&vm) || !run_once(&vm_flat))
			return 2;
	printf("eptview: L1 reads 0x%lx, L2 read 0x%lx under EPT, 0x%lx without\n",
	       (unsigned long)view_page[0], (unsigned long)vm.regs.rbx,
	       (unsigned long)vm_flat.regs.rbx);
	return vm.regs.rbx == VIEW_L2 && vm_flat.regs.rbx == VIEW_L1 &&
	       view_page[0] == VIEW_L1 ? 0 : 3;
}
