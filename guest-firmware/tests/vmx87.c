// SPDX-License-Identifier: MIT
/*
 * x87 in a nested guest: lazy FPU switching and #MF.
 *
 * The x87 state is not switched by VM entry or exit: L1 and L2 share one
 * FPU, so a hypervisor sets CR0.TS in its guest and intercepts #NM
 * (exception bitmap bit 7) to switch the FPU state only when the guest
 * uses it (SDM Vol. 3A 2.5 CR0.TS, 13.4; Vol. 3C 25.2 exception bitmap).
 *
 *  - lazy:  L2 runs an x87 computation with CR0.TS set: the first x87
 *           instruction exits with reason 0 and #NM interruption info,
 *           L2's RIP still at it; L1 clears TS and resumes, L2 finishes
 *           and its result is checked.
 *  - mf:    L2 divides by zero with ZE unmasked and CR0.NE set; its next
 *           waiting instruction (FWAIT) exits with #MF (vector 16); L1
 *           clears the exception on the shared FPU (FNCLEX) and L2's
 *           FWAIT then completes.
 * L1 itself uses the x87 in between, with its own CR0.TS clear.
 */
#include "vmxtest.h"

int32_t x87_result;
uint16_t x87_cw_zm = 0x037b;        /* ZE unmasked */

extern char g87_lazy[], g87_lazy_insn[], g87_mf[], g87_mf_wait[];

__asm__(
	"	.text\n"
	"	.balign 16\n"
	"g87_lazy:\n"
	"g87_lazy_insn:\n"
	"	fninit\n"
	"	fld1\n"
	"	fld1\n"
	"	faddp\n"                        /* 2 */
	"	fldpi\n"
	"	fmulp\n"                        /* 2 pi */
	"	fistpl x87_result(%rip)\n"      /* 6 */
	"	vmcall\n"
	"	ud2\n"
	"	.balign 16\n"
	"g87_mf:\n"
	"	fninit\n"
	"	fldcw x87_cw_zm(%rip)\n"
	"	fld1\n"
	"	fldz\n"
	"	fdivrp\n"                       /* 1 / 0: ZE pending */
	"g87_mf_wait:\n"
	"	fwait\n"
	"	vmcall\n"
	"	ud2\n");

static struct vmx_vm vm;

/* L1's own use of the x87 (its CR0.TS is clear): 3 * 7 = 21 */
static int32_t l1_x87(void)
{
	static const int16_t seven = 7;
	int32_t r;

	__asm__ volatile("fninit\n\t"
			 "fld1\n\t"
			 "fld1\n\t"
			 "fld1\n\t"
			 "faddp\n\t"
			 "faddp\n\t"
			 "fimuls %1\n\t"
			 "fistpl %0"
			 : "=m"(r) : "m"(seven));
	return r;
}

static void lazy(void)
{
	const uint32_t nm = INTR_INFO(VEC_NM, INTR_TYPE_HW_EXCEPTION, 0);

	test_section("lazy");
	vmx_vm_reset(&vm, (void (*)(void))g87_lazy, vmx_guest_stack());
	vmcs_write(GUEST_CR0, vmcs_read(GUEST_CR0) | CR0_TS);
	vmcs_write(EXCEPTION_BITMAP, 1u << VEC_NM);
	x87_result = 0;
	if (!vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "x87 with TS exits"))
		return;
	expect_eq(vm.exit_intr_info, nm, "#NM interruption info");
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g87_lazy_insn,
		  "guest rip at the x87 instruction");
	expect_eq(x87_result, 0, "nothing ran before the exit");
	expect_eq(l1_x87(), 21, "l1 uses the x87 meanwhile");
	vmcs_write(GUEST_CR0, vmcs_read(GUEST_CR0) & ~CR0_TS);
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 resumes with TS clear"))
		return;
	expect_eq(x87_result, 6, "l2 x87 result");
	expect_eq(vm.exits[EXIT_REASON_EXCEPTION_NMI], 1, "one #NM exit");
}

static void mf(void)
{
	const uint32_t mf_info = INTR_INFO(VEC_MF, INTR_TYPE_HW_EXCEPTION, 0);
	uint16_t sw;

	test_section("mf");
	vmx_vm_reset(&vm, (void (*)(void))g87_mf, vmx_guest_stack());
	vmcs_write(EXCEPTION_BITMAP, 1u << VEC_MF);
	if (!vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "pending ZE exits"))
		return;
	expect_eq(vm.exit_intr_info, mf_info, "#MF interruption info");
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g87_mf_wait,
		  "guest rip at the fwait");
	__asm__ volatile("fnstsw %0\n\tfnclex" : "=m"(sw));
	expect_eq(sw & 0x80ff, 0x8084, "l1 sees l2's ES and ZE");
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "fwait completes after fnclex"))
		return;
}

int main(void)
{
	printf("vmxbox nested test: x87\n");
	vmxtest_enable();
	vm.vmcs = vmx_alloc_region();
	lazy();
	mf();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
