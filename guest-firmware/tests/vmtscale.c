// SPDX-License-Identifier: MIT
/*
 * TSC scaling (SDM 26.3, 26.6.5): with "use TSC offsetting" and "use TSC
 * scaling", RDTSC and RDMSR(IA32_TSC) in L2 return the TSC multiplied by
 * the TSC multiplier (16.48 fixed point: product >> 48) plus the TSC
 * offset.  Scaling without offsetting changes nothing.  L1 reads its own
 * TSC just before and after each L2 run to bound what L2 may see.
 */
#include "vmxtest.h"
#include "guest_asm.h"

#define MSR_IA32_TSC 0x10

static struct vmx_vm vm;
static uint64_t stack_top;

static void reset(void (*guest)(void), bool offsetting, uint64_t mult,
		  uint64_t offset)
{
	vmx_vm_reset(&vm, guest, stack_top);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_TSC_SCALING, 0);
	if (offsetting)
		vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TSC_OFFSETTING, 0);
	vmcs_write(TSC_MULTIPLIER, mult);
	vmcs_write(TSC_OFFSET, offset);
}

/* Run L2 to its VMCALL; lo, hi: L1's TSC before and after; the TSC L2
 * read (EDX:EAX). */
static bool run_tsc(const char *name, uint64_t *lo, uint64_t *hi,
		    uint64_t *seen)
{
	bool ok;

	*lo = rdtsc();
	ok = vm_run_expect(&vm, EXIT_REASON_VMCALL, name);
	*hi = rdtsc();
	*seen = (vm.regs.rdx << 32) | (uint32_t)vm.regs.rax;
	return ok;
}

static void test_scaling(void)
{
	uint64_t lo, hi, v;

	test_section("rdtsc in l2 with tsc scaling");
	reset(g_rdtsc, true, 0, 0x123456789ULL);
	if (run_tsc("multiplier 0: the offset alone", &lo, &hi, &v))
		expect_eq(v, 0x123456789ULL, "multiplier 0, offset 0x123456789");
	reset(g_rdtsc, true, 2ULL << 48, 0);
	if (run_tsc("multiplier 2.0", &lo, &hi, &v))
		test_result(v >= 2 * lo && v <= 2 * hi && !(v & 1),
			    "multiplier 2.0: twice the tsc", "%lu not in [%lu, %lu]",
		       v, 2 * lo, 2 * hi);
	reset(g_rdtsc, true, 1ULL << 47, 1000);
	if (run_tsc("multiplier 0.5 and an offset", &lo, &hi, &v))
		test_result(v >= lo / 2 + 1000 && v <= hi / 2 + 1000,
			    "multiplier 0.5: half the tsc plus 1000",
			    "%lu not in [%lu, %lu]",
		       v, lo / 2 + 1000, hi / 2 + 1000);
	reset(g_rdtsc, false, 2ULL << 48, 0);
	if (run_tsc("scaling without offsetting", &lo, &hi, &v))
		test_result(v >= lo && v <= hi,
			    "without offsetting the tsc is not scaled",
			    "%lu not in [%lu, %lu]",
		       v, lo, hi);

	test_section("rdmsr of ia32_tsc in l2 with tsc scaling");
	reset(g_rdmsr_ecx, true, 0, 0xabcdef);
	vm.regs.rcx = MSR_IA32_TSC;
	if (run_tsc("rdmsr ia32_tsc, multiplier 0", &lo, &hi, &v))
		expect_eq(v, 0xabcdef, "rdmsr sees the scaled tsc");
	reset(g_rdmsr_ecx, true, 3ULL << 48, 0);
	vm.regs.rcx = MSR_IA32_TSC;
	if (run_tsc("rdmsr ia32_tsc, multiplier 3.0", &lo, &hi, &v))
		test_result(v >= 3 * lo && v <= 3 * hi && v % 3 == 0,
			    "rdmsr: three times the tsc", "%lu not in [%lu, %lu]",
		       v, 3 * lo, 3 * hi);
}

int main(void)
{
	printf("vmxbox nested test: tsc scaling\n");
	vmxtest_enable();
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_TSC_SCALING)) {
		printf("tsc scaling not advertised\n");
		vmx_disable();
		return test_summary();
	}
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();

	test_scaling();

	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
