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

/*
 * SDM 5.8.3.1-5.8.6: a far CALL / JMP through a 64-bit call gate in L2
 * (no VM exit: the interpreter carries it out in non-root operation).  L2
 * gets a copy of the firmware's GDT with a 16-byte call gate at the end:
 * DPL 0, target CS 0x08, upper type 0.  Same privilege level: CALL pushes
 * CS and RIP as 8-byte values on the current stack, JMP pushes nothing.
 */
asm(".data\n.globl n_gate_ptr\nn_gate_ptr: .long 0; .word 0\n"
    ".text\n.code64\n"
    ".globl n_gate_call, n_gate_ret, n_gate_jmp, n_gate_target\n"
    "n_gate_call: lcall *n_gate_ptr(%rip)\n"
    "n_gate_ret: vmcall; ud2\n"
    "n_gate_jmp: ljmp *n_gate_ptr(%rip)\n"
    "	ud2\n"
    "n_gate_target: vmcall; lretq\n");
extern char n_gate_call[], n_gate_ret[], n_gate_jmp[], n_gate_target[];
extern uint8_t n_gate_ptr[];

static uint64_t *l2_gdt;
static uint16_t gate_sel, l2_gdt_limit;

static void set_call_gate(uint8_t access, uint32_t high_type)
{
	uint64_t h = (uint64_t)n_gate_target;

	l2_gdt[gate_sel / 8] = (h & 0xffff) | ((uint64_t)SEL_CODE64 << 16) |
			       ((uint64_t)access << 40) |
			       ((h >> 16 & 0xffff) << 48);
	l2_gdt[gate_sel / 8 + 1] = (h >> 32) | ((uint64_t)high_type << 40);
}

static void reset_gate(void *rip)
{
	reset(rip);
	vmcs_write(GUEST_GDTR_BASE, (uint64_t)l2_gdt);
	vmcs_write(GUEST_GDTR_LIMIT, l2_gdt_limit);
}

static void test_call_gate(void)
{
	/* The firmware's GDT: 5 segments and the 16-byte TSS descriptor
	 * (SGDT would give the limit FFFFH every VM exit loads, 28.5.2). */
	const unsigned gdt_bytes = (SEL_TSS + 16);
	uint64_t *stk;

	l2_gdt = page_alloc();
	memcpy(l2_gdt, fw_gdt, gdt_bytes);
	gate_sel = (uint16_t)((gdt_bytes + 15) & ~15u);
	l2_gdt_limit = gate_sel + 15;
	memcpy(n_gate_ptr + 4, &gate_sel, 2);
	set_call_gate(0x8c, 0);

	reset_gate(n_gate_call);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "far call through a 64-bit call gate in l2")) {
		stk = (uint64_t *)vmcs_read(GUEST_RSP);
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)n_gate_target,
			  "call gate: rip is the gate's target");
		expect_eq(vmcs_read(GUEST_CS_SELECTOR), SEL_CODE64,
			  "call gate: cs is the gate's selector");
		expect_eq((uint64_t)stk, stack_top - 16,
			  "call gate: two 8-byte pushes on the same stack");
		expect_eq(stk[0], (uint64_t)n_gate_ret,
			  "call gate: return rip pushed");
		expect_eq(stk[1], SEL_CODE64, "call gate: caller's cs pushed");
		vmx_skip_insn();
		if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
				  "far ret from the call gate's target"))
			expect_eq(vmcs_read(GUEST_RIP), (uint64_t)n_gate_ret,
				  "far ret: back after the call");
	}
	reset_gate(n_gate_jmp);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "far jmp through a 64-bit call gate in l2")) {
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)n_gate_target,
			  "jmp gate: rip is the gate's target");
		expect_eq(vmcs_read(GUEST_RSP), stack_top,
			  "jmp gate: nothing pushed");
	}
	/* Not present: #NP(gate selector); upper type not 0: #GP(sel). */
	set_call_gate(0x0c, 0);
	reset_gate(n_gate_call);
	vmcs_write(EXCEPTION_BITMAP, 1U << 11);
	expect_exception_exit(11, true, gate_sel, n_gate_call,
			      "call gate not present is #np(selector)");
	set_call_gate(0x8c, 0x1);
	reset_gate(n_gate_call);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_GP);
	expect_exception_exit(VEC_GP, true, gate_sel, n_gate_call,
			      "call gate with upper type 1 is #gp(selector)");
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
	test_section("call gates in l2");
	test_call_gate();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
