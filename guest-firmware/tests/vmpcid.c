// SPDX-License-Identifier: MIT
/*
 * INVPCID in a nested guest (SDM 26.1.1, 26.3 INVPCID, 25.6.2 Table 25-7,
 * 28.2.1, Table 28-9): with "enable INVPCID" clear INVPCID is #UD in L2,
 * before anything else (even with INVLPG exiting, even with an invalid
 * type); with it set and "INVLPG exiting" set INVPCID exits with reason
 * 58, the displacement as exit qualification and the INVEPT-style
 * instruction information, before the #GP of an invalid type; with
 * INVLPG exiting clear L2 executes it (and takes that #GP itself).  At
 * CPL 3 in L2 INVPCID is #GP(0) even with both controls set: privilege
 * faults come before VM exits (SDM 26.1.1; INVPCID "IF CPL > 0 THEN
 * #GP(0)").  L1 itself first sees PCID/INVPCID in CPUID and executes
 * INVPCID.
 */
#include "vmxtest.h"
#include "guest_asm.h"

/* L2: INVPCID type RCX with the descriptor at RAX + 0x10, then VMCALL. */
void g_invpcid(void), g_invpcid_insn(void), g_invpcid_next(void);
__asm__(".text\n"
	".balign 16\n"
	"g_invpcid:\n"
	"g_invpcid_insn:\n"
	"	invpcid 0x10(%rax), %rcx\n"
	"g_invpcid_next:\n"
	"	vmcall\n"
	"	ud2\n");

static struct vmx_vm vm;
static uint64_t stack_top;
static uint64_t desc[4] __attribute__((aligned(16)));

static void invpcid(uint64_t type, const void *d)
{
	__asm__ volatile("invpcid (%0), %1" : : "r"(d), "r"(type) : "memory");
}

static void test_l1(void)
{
	test_section("invpcid in l1");
	expect_eq((cpuid(1, 0).ecx >> 17) & 1, 1, "cpuid.1:ecx.pcid");
	expect_eq((cpuid(7, 0).ebx >> 10) & 1, 1, "cpuid.7:ebx.invpcid");
	desc[2] = desc[3] = 0;
	for (uint64_t t = 0; t < 4; t++)
		invpcid(t, &desc[2]);
	report(true, "l1 executes invpcid types 0-3");
}

/* A fresh L2 about to run INVPCID type `type`; the controls given. */
static void reset(uint64_t type, bool enable, bool invlpg_exiting)
{
	vmx_vm_reset(&vm, g_invpcid, stack_top);
	vm.regs.rax = (uint64_t)desc;
	vm.regs.rcx = type;
	desc[2] = desc[3] = 0;
	if (enable)
		vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_INVPCID, 0);
	if (invlpg_exiting)
		vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_INVLPG_EXITING, 0);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_UD | 1U << VEC_GP);
}

static void expect_exception(uint8_t vec, bool err, const char *name)
{
	if (!vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, name))
		return;
	expect_eq(vm.exit_intr_info, INTR_INFO(vec, INTR_TYPE_HW_EXCEPTION, err),
		  "%s: intr info", name);
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_invpcid_insn,
		  "%s: guest rip at invpcid", name);
}

static void test_disabled(void)
{
	test_section("enable invpcid clear");
	expect_eq(vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_INVPCID), 1,
		  "enable invpcid allowed-1");
	reset(3, false, false);
	expect_exception(VEC_UD, false, "enable invpcid clear: #ud");
	reset(3, false, true);
	expect_exception(VEC_UD, false, "#ud even with invlpg exiting");
	reset(9, false, false);
	expect_exception(VEC_UD, false, "#ud before the invalid-type #gp");
}

static void test_exit(void)
{
	uint64_t len = (uint64_t)g_invpcid_next - (uint64_t)g_invpcid_insn;

	test_section("invpcid exit");
	reset(3, true, true);
	if (vm_run_expect(&vm, EXIT_REASON_INVPCID, "invlpg exiting: exit 58")) {
		expect_eq(vm.exit_qual, 0x10, "qualification: the displacement");
		expect_eq(vm.exit_insn_len, len, "instruction length");
		/* Table 28-9: address size 64 (2 << 7), segment DS (3 << 15),
		 * no index (bit 22), base RAX (0 << 23), reg2 RCX (1 << 28). */
		expect_eq(vmcs_read(VMX_INSTRUCTION_INFO),
			  2u << 7 | 3u << 15 | 1u << 22 | 1u << 28,
			  "instruction information");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_invpcid_insn,
			  "guest rip at invpcid");
		vmx_skip_insn();
		vm_run_expect(&vm, EXIT_REASON_VMCALL, "resumes after it");
	}
	reset(9, true, true);
	vm_run_expect(&vm, EXIT_REASON_INVPCID,
		      "invalid type: the exit comes before the #gp");
}

static void test_executes(void)
{
	char name[48];

	test_section("invpcid executes in l2");
	for (uint64_t t = 0; t < 4; t++) {
		reset(t, true, false);
		snprintf(name, sizeof(name), "l2 executes type %lu", t);
		vm_run_expect(&vm, EXIT_REASON_VMCALL, name);
	}
	reset(9, true, false);
	expect_exception(VEC_GP, true, "invalid type: #gp in l2");
	expect_eq(vm.exit_intr_error, 0, "#gp error code 0");
	reset(0, true, false);
	desc[3] = 0x0000800000000000ull;
	expect_exception(VEC_GP, true, "type 0, non-canonical: #gp in l2");
}

static void test_cpl3(void)
{
	uint64_t cr3 = paging_user_tables();

	test_section("invpcid at cpl 3 in l2");
	reset(3, true, true);
	vmcs_write(GUEST_CR3, cr3);
	vmcs_write(GUEST_CS_SELECTOR, 0x2b);
	vmcs_write(GUEST_CS_AR_BYTES, 0xa0fb);	/* 64-bit code, DPL 3 */
	vmcs_write(GUEST_SS_SELECTOR, 0x33);
	vmcs_write(GUEST_SS_AR_BYTES, 0xc0f3);	/* data, DPL 3 */
	expect_exception(VEC_GP, true, "cpl 3: #gp before exit 58");
	expect_eq(vm.exit_intr_error, 0, "cpl 3: #gp error code 0");
}

int main(void)
{
	printf("vmxbox nested test: invpcid\n");
	test_l1();
	vmxtest_enable();
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();
	test_disabled();
	test_exit();
	test_executes();
	test_cpl3();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
