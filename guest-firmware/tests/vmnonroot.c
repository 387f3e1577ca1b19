// SPDX-License-Identifier: MIT
/*
 * Rules of VMX non-root operation that L2 sees without an exit of its own
 * choosing:
 *  - RDMSR of the VMX capability MSRs in L2 (no MSR-bitmap exit) reads
 *    what L1 reads (the MSRs exist in non-root operation too);
 *  - "enable RDTSCP" = 0: RDTSCP (and RDPID) is #UD (25.6.2, Table 25-7);
 *  - MOV to CR0/CR4 in L2 (26.3): a bit L1 does not own must respect
 *    IA32_VMX_CR0/CR4_FIXED0/1 or the write is #GP(0), no VM exit; a bit
 *    L1 owns exits (28) when the value differs from the read shadow and
 *    keeps its real value when it equals the shadow (26.1.3);
 *  - MTF (26.5.2): an exception delivered through L2's IDT ends with an
 *    MTF exit at the handler's first instruction; a fault while
 *    delivering an injected event that exits wins over MTF and names the
 *    injected event in the IDT-vectoring information (28.2.4).
 */
#include "vmxtest.h"
#include "guest_asm.h"

static struct vmx_vm vm;
static uint64_t stack_top;

/* L2 snippets: each ends in VMCALL. */
asm(".text\n.code64\n"
    ".globl n_rdtscp, n_rdpid, n_cr0_clear_ne, n_cr4_clear_vmxe\n"
    ".globl n_cr0_write_rax, n_cr0_ne_insn, n_cr4_vmxe_insn\n"
    "n_rdtscp: rdtscp; vmcall; ud2\n"
    "n_rdpid: rdpid %rax; vmcall; ud2\n"
    "n_cr0_clear_ne: movq %cr0, %rax; andq $~0x20, %rax\n"
    "n_cr0_ne_insn: movq %rax, %cr0\n"
    "	vmcall; ud2\n"
    "n_cr4_clear_vmxe: movq %cr4, %rax; andq $~0x2000, %rax\n"
    "n_cr4_vmxe_insn: movq %rax, %cr4; vmcall; ud2\n"
    "n_cr0_write_rax: movq %rax, %cr0; vmcall; ud2\n");
extern char n_rdtscp[], n_rdpid[], n_cr0_clear_ne[], n_cr4_clear_vmxe[];
extern char n_cr0_write_rax[], n_cr0_ne_insn[], n_cr4_vmxe_insn[];

static void reset(void *rip)
{
	vmx_vm_reset(&vm, (void (*)(void))rip, stack_top);
}

static void test_vmx_msrs_in_l2(void)
{
	static const uint32_t msrs[] = {
		MSR_IA32_VMX_BASIC, MSR_IA32_VMX_PROCBASED_CTLS2,
		MSR_IA32_VMX_EPT_VPID_CAP,
	};

	for (unsigned i = 0; i < ARRAY_SIZE(msrs); i++) {
		uint64_t want = rdmsr(msrs[i]);

		reset(g_rdmsr_ecx);
		vm.regs.rcx = msrs[i];
		if (!vm_run_expect(&vm, EXIT_REASON_VMCALL,
				   "l2 rdmsr of a vmx capability msr does not exit"))
			continue;
		expect_eq(vm.regs.rax | vm.regs.rdx << 32, want,
			  "l2 reads vmx msr 0x%x as l1 does", msrs[i]);
	}
}

/* Exit 0 with this exception (type 3) at rip, or a failed line. */
static void expect_exception_exit(unsigned vec, bool has_err, uint32_t err,
				  void *rip, const char *name)
{
	if (!vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, name))
		return;
	expect_eq(vm.exit_intr_info, INTR_INFO(vec, INTR_TYPE_HW_EXCEPTION,
					       has_err), "%s: vector", name);
	if (has_err)
		expect_eq(vm.exit_intr_error, err, "%s: error code", name);
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)rip, "%s: guest rip", name);
}

static void test_rdtscp(void)
{
	bool rdpid = cpuid(7, 0).ecx & (1u << 22);

	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_RDTSCP)) {
		report(false, "enable rdtscp advertised");
		return;
	}
	reset(n_rdtscp);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_UD);
	expect_exception_exit(VEC_UD, false, 0, n_rdtscp,
			      "rdtscp without enable rdtscp is #UD");
	reset(n_rdtscp);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_RDTSCP, 0);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_UD);
	vm_run_expect(&vm, EXIT_REASON_VMCALL,
		      "rdtscp with enable rdtscp runs");
	if (rdpid) {
		reset(n_rdpid);
		vmcs_write(EXCEPTION_BITMAP, 1U << VEC_UD);
		expect_exception_exit(VEC_UD, false, 0, n_rdpid,
				      "rdpid without enable rdtscp is #UD");
	}
}

static void test_fixed_bits(void)
{
	uint64_t cr0 = vmx_fix_cr0(read_cr0());

	/* NE is fixed to 1 (A.7) and not owned by L1: #GP(0). */
	reset(n_cr0_clear_ne);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_GP);
	vmcs_write(CR0_GUEST_HOST_MASK, 0);
	expect_exception_exit(VEC_GP, true, 0, n_cr0_ne_insn,
			      "l2 clearing unowned cr0.ne is #GP(0)");
	reset(n_cr4_clear_vmxe);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_GP);
	vmcs_write(CR4_GUEST_HOST_MASK, 0);
	expect_exception_exit(VEC_GP, true, 0, n_cr4_vmxe_insn,
			      "l2 clearing unowned cr4.vmxe is #GP(0)");
	/* Owned, differing from the shadow: a CR-access exit. */
	reset(n_cr0_clear_ne);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_GP);
	vmcs_write(CR0_GUEST_HOST_MASK, CR0_NE);
	vmcs_write(CR0_READ_SHADOW, CR0_NE);
	if (vm_run_expect(&vm, EXIT_REASON_CR_ACCESS,
			  "l2 clearing owned cr0.ne against the shadow exits"))
		expect_eq(vmcs_read(GUEST_CR0), cr0,
			  "cr0 unchanged by that exit");
	/* Owned, equal to the shadow: no exit, NE keeps its real 1. */
	reset(n_cr0_write_rax);
	vm.regs.rax = cr0 & ~CR0_NE;
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_GP);
	vmcs_write(CR0_GUEST_HOST_MASK, CR0_NE);
	vmcs_write(CR0_READ_SHADOW, 0);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "l2 writing owned cr0.ne equal to the shadow runs on"))
		expect_eq(vmcs_read(GUEST_CR0) & CR0_NE, CR0_NE,
			  "owned cr0.ne keeps its real value");
}

static uint64_t idt_handler(unsigned vec)
{
	struct desc_ptr idtr;
	const uint32_t *g;

	sidt(&idtr);
	g = (const uint32_t *)(idtr.base + 16 * vec);
	return (g[0] & 0xffff) | (g[1] & 0xffff0000) | (uint64_t)g[2] << 32;
}

static void test_mtf(void)
{
	if (!vmx_ctl_allowed1(vmx_caps.proc_ctl, CPU_MONITOR_TRAP_FLAG)) {
		report(false, "monitor trap flag advertised");
		return;
	}
	/* #UD delivered through L2's IDT (no exception-bitmap exit). */
	reset(g_ud2);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG, 0);
	if (vm_run_expect(&vm, EXIT_REASON_MONITOR_TRAP_FLAG,
			  "mtf exit after #UD delivery in l2")) {
		expect_eq(vmcs_read(GUEST_RIP), idt_handler(VEC_UD),
			  "mtf after #UD delivery: rip is the #UD handler");
		expect_eq(vmcs_read(IDT_VECTORING_INFO) & INTR_INFO_VALID, 0,
			  "mtf after #UD delivery: no idt vectoring");
	}
	/* INT 0x40 injected beyond L2's IDT limit: #GP(0x40 * 8 + 2), which
	 * the exception bitmap turns into exit 0 before any MTF exit. */
	reset(g_vmcall);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG, 0);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_GP);
	vmcs_write(GUEST_IDTR_LIMIT, 32 * 16 - 1);
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO(0x40, INTR_TYPE_SW_INTR, 0));
	vmcs_write(VM_ENTRY_INSTRUCTION_LEN, 2);
	if (!vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			   "fault delivering an injected int 0x40 exits before mtf"))
		return;
	expect_eq(vm.exit_intr_info, INTR_INFO(VEC_GP, INTR_TYPE_HW_EXCEPTION,
					       true),
		  "injected int 0x40 beyond the idt: #GP");
	expect_eq(vm.exit_intr_error, 0x40 * 8 + 2,
		  "injected int 0x40 beyond the idt: error code idt | ext 0");
	expect_eq(vmcs_read(IDT_VECTORING_INFO),
		  INTR_INFO(0x40, INTR_TYPE_SW_INTR, 0),
		  "injected int 0x40 beyond the idt: idt vectoring is the "
		  "injected event");
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_vmcall,
		  "injected int 0x40 beyond the idt: rip unchanged");
}

int main(void)
{
	printf("vmxbox nested test: non-root rules\n");
	vmxtest_enable();
	stack_top = vmx_guest_stack();
	vm.vmcs = vmx_alloc_region();
	test_section("vmx msrs in l2");
	test_vmx_msrs_in_l2();
	test_section("enable rdtscp");
	test_rdtscp();
	test_section("cr0 and cr4 fixed bits in l2");
	test_fixed_bits();
	test_section("mtf after event delivery");
	test_mtf();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
