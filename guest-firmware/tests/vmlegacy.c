// SPDX-License-Identifier: MIT
/*
 * VMX operation outside IA-32e mode: L1 leaves long mode for 32-bit
 * protected mode with PAE paging (SDM Vol. 3A 10.8.5: paging off in
 * compatibility mode, EFER.LME = 0, PAE CR3, paging on) and runs there
 * VMXON, VMREAD/VMWRITE with 32-bit operands (31.3: "outside IA-32e mode
 * the operand size is 32 bits"; a FULL write clears the high half),
 * INVEPT with a 32-bit type register, and VM entries with a 32-bit host:
 *  - the 27.2.4 address-space checks: outside IA-32e mode neither "host
 *    address-space size" nor "IA-32e mode guest" may be 1; with a 32-bit
 *    host, CR4.PCIDE = 0 and host RIP < 4 GiB;
 *  - 27.2.3: the host SS selector may not be 0 for a 32-bit host;
 *  - a valid VMCS enters a 32-bit PAE guest and its VMCALL exits to the
 *    32-bit host, which must use PDPTEs reloaded from the host CR3
 *    (28.5.4): the guest's PDPT maps 1-2 GiB onto low RAM, the host's
 *    leaves it unbacked (all ones).
 * Every broken VMCS differs from the valid one in one field only, so a
 * VMfailValid(8) proves that very check.  All of this runs in the 32-bit
 * code below (no fault handlers there: a fault is a triple fault and the
 * test fails); the C side prepares the VMCSs before and checks what the
 * 32-bit code stored after.
 */
#include "vmxtest.h"

#define CR4_PCIDE	(1ULL << 17)
#define TSC_OFFSET_HIGH	0x2011
#define ALIAS		0x40000000u	/* 1 GiB: guest PDPT[1] -> low RAM */
/* Field encodings for the 32-bit code (Appendix B; vmx_fields.h has them
 * as enum constants, which asm cannot use). */
#define F_HOST_RSP	0x6c14
#define F_INSN_ERROR	0x4400
#define F_EXIT_REASON	0x4402
#define F_TSC_OFFSET	0x2010
#define F_CR0_SHADOW	0x6004

enum { L_BASE, L_HOST64, L_IA32E_GUEST, L_PCIDE, L_RIP_HIGH, L_SS_NULL,
       L_COUNT };

/* Filled by C, read by the 32-bit code. */
uint64_t leg_vmxon_pa, leg_vmcs[L_COUNT];
uint32_t leg_cr3_pae, leg_cr3_long, leg_do_invept;
uint64_t leg_invept_desc[2];
/* Stored by the 32-bit code. */
uint32_t leg_flags[8], leg_val[8];
uint64_t leg_mem64;
uint32_t leg_launch_flags[L_COUNT], leg_launch_val[L_COUNT];
uint32_t leg_entered[L_COUNT], leg_alias[L_COUNT];
uint32_t leg_marker = 0x5a5a1234;
/* The host PDPT's entry 1: its address, the guest's value, its own. */
uint32_t leg_pdpt1_addr, leg_pdpt1_alias, leg_pdpt1_orig;
/* The task-switch part: filled by C, read by the 32-bit code... */
struct __attribute__((packed)) { uint16_t limit; uint32_t base; }
	leg_task_gdtr, leg_task_old_gdtr;
uint16_t leg_task_old_tr;
/* ...and stored by it: in task B, then back in task A. */
uint32_t leg_task_ran, leg_task_eflags[2], leg_task_cr0[2];
uint16_t leg_task_tr[2];

#define S(x) #x
#define XS(x) S(x)

asm(".data\n"
    "leg_far: .long 0; .word 0\n"
    "leg_rsp: .quad 0\n"
    "leg_resume: .long 0\n"
    ".text\n"
    ".code64\n"
    /* void legacy_run(void): to 32-bit PAE protected mode, leg_body,
     * and back to 64-bit mode. */
    ".globl legacy_run\n"
    "legacy_run:\n"
    "	pushq %rbx; pushq %rbp; pushq %r12; pushq %r13; pushq %r14; pushq %r15\n"
    "	movq %rsp, leg_rsp(%rip)\n"
    "	leaq 1f(%rip), %rax\n"
    "	movl %eax, leg_far(%rip)\n"
    "	movw $0x18, leg_far+4(%rip)\n"
    "	ljmpl *leg_far(%rip)\n"
    ".code32\n"
    "1:	movl $0x10, %eax; movw %ax, %ds; movw %ax, %es; movw %ax, %ss\n"
    "	movl %cr0, %eax; andl $0x7fffffff, %eax; movl %eax, %cr0\n"
    "	movl $0xc0000080, %ecx; rdmsr; andl $~0x100, %eax; wrmsr\n"
    "	movl leg_cr3_pae, %eax; movl %eax, %cr3\n"
    "	movl %cr0, %eax; orl $0x80000000, %eax; movl %eax, %cr0\n"
    "	call leg_body\n"
    "	call leg_task\n"
    "	movl %cr0, %eax; andl $0x7fffffff, %eax; movl %eax, %cr0\n"
    "	movl leg_cr3_long, %eax; movl %eax, %cr3\n"
    "	movl $0xc0000080, %ecx; rdmsr; orl $0x100, %eax; wrmsr\n"
    "	movl %cr0, %eax; orl $0x80000000, %eax; movl %eax, %cr0\n"
    "	ljmpl $0x08, $2f\n"
    ".code64\n"
    "2:	movq leg_rsp(%rip), %rsp\n"
    "	movl $0x10, %eax; movw %ax, %ss; movw %ax, %ds; movw %ax, %es\n"
    "	popq %r15; popq %r14; popq %r13; popq %r12; popq %rbp; popq %rbx\n"
    "	ret\n"
    ".code32\n"
    /* L2s of a 64-bit host: a 32-bit one reading IA32_EFER (ECX), a
     * real-mode one loading DS. */
    ".globl leg_guest_efer\n"
    "leg_guest_efer: rdmsr; vmcall; hlt\n"
    ".code16\n"
    ".balign 16\n"
    ".globl leg_real, leg_real_vmcall, leg_real_ne, leg_real_vmxon\n"
    ".globl leg_real_cr0_rbx\n"
    "leg_real: movw $0x1234, %ax; movw %ax, %ds\n"
    "	movl %cr0, %eax; movl %eax, %cr0\n"
    "leg_real_vmcall: vmcall\n"
    "	andl $~0x20, %eax\n"
    "leg_real_ne: movl %eax, %cr0; vmcall; hlt\n"
    "leg_real_vmxon: vmxon (%bx); vmcall; hlt\n"
    "leg_real_cr0_rbx: movl %ebx, %cr0; vmcall; hlt\n"
    ".code32\n"
    /* The L2: one VMCALL. */
    ".globl leg_guest\n"
    "leg_guest: vmcall; hlt; jmp leg_guest\n"
    /* HOST_RIP of every VMCS: ESP is HOST_RSP, set right before the
     * VMLAUNCH, so the launch site continues at leg_resume. */
    ".globl leg_exit\n"
    "leg_exit: jmp *leg_resume\n"
    /* Store EFLAGS in leg_flags[n]; VMfail ends the body. */
    ".macro FL n\n"
    "	pushfl; popl leg_flags+4*\\n\n"
    "	testl $0x41, leg_flags+4*\\n; jnz 9f\n"
    ".endm\n"
    /* VMPTRLD leg_vmcs[n], VMLAUNCH: EFLAGS and VM-instruction error of
     * a VMfail, or the exit reason after an entry; then a read of the
     * 1-GiB alias of leg_marker through the host's paging. */
    ".macro LAUNCH n\n"
    "	vmptrld leg_vmcs+8*\\n\n"
    "	movl $" XS(F_HOST_RSP) ", %eax; vmwrite %esp, %eax\n"
    "	movl $3f, leg_resume\n"
    "	vmlaunch\n"
    "	pushfl; popl leg_launch_flags+4*\\n\n"
    "	movl $" XS(F_INSN_ERROR) ", %eax\n"
    "	jmp 4f\n"
    "3:	movl $1, leg_entered+4*\\n\n"
    "	movl $" XS(F_EXIT_REASON) ", %eax\n"
    "4:	vmread %eax, %ecx; movl %ecx, leg_launch_val+4*\\n\n"
    "	movl $leg_marker+" XS(ALIAS) ", %eax; movl (%eax), %eax\n"
    "	movl %eax, leg_alias+4*\\n\n"
    ".endm\n"
    "leg_body:\n"
    "	vmxon leg_vmxon_pa\n"
    "	FL 0\n"
    "	vmptrld leg_vmcs\n"
    "	FL 1\n"
    /* A 64-bit field from 32-bit code: HIGH, then FULL (clears HIGH). */
    "	movl $" XS(TSC_OFFSET_HIGH) ", %eax; movl $0x12345678, %ebx\n"
    "	vmwrite %ebx, %eax\n"
    "	FL 2\n"
    "	vmread %eax, %ecx; movl %ecx, leg_val+4*2\n"
    "	movl $" XS(F_TSC_OFFSET) ", %eax; movl $0x9abcdef0, %ebx\n"
    "	vmwrite %ebx, %eax\n"
    "	FL 3\n"
    "	movl $" XS(TSC_OFFSET_HIGH) ", %eax; vmread %eax, %ecx\n"
    "	movl %ecx, leg_val+4*3\n"
    /* A natural-width field: 32 bits to a register and to memory. */
    "	movl $" XS(F_CR0_SHADOW) ", %eax; vmread %eax, %ecx\n"
    "	FL 4\n"
    "	movl %ecx, leg_val+4*4\n"
    "	vmread %eax, leg_mem64\n"
    "	FL 5\n"
    "	movl $0x8badf00d, %ebx; vmwrite %ebx, %eax\n"
    "	FL 6\n"
    "	cmpl $0, leg_do_invept; je 5f\n"
    "	movl $2, %eax; invept leg_invept_desc, %eax\n"
    "	FL 7\n"
    "5:\n"
    "	LAUNCH 0\n"
    /* The exit of LAUNCH 0 loaded the host's PDPTEs.  Now the host's
     * PDPT in memory maps 1-2 GiB onto low RAM (the guest's entry 1);
     * without a MOV to CR3 the PDPTE registers keep the old entry (SDM
     * 4.4.1), so the alias reads of the failing launches below stay
     * unbacked.  The first of them is fw_vmlegacy_restore's snapshot. */
    "	movl leg_pdpt1_alias, %eax; movl leg_pdpt1_addr, %ecx\n"
    "	movl %eax, (%ecx)\n"
    "	LAUNCH 1\n"
    "	LAUNCH 2\n"
    "	LAUNCH 3\n"
    "	LAUNCH 4\n"
    "	LAUNCH 5\n"
    "	vmclear leg_vmcs\n"
    "9:	movl leg_pdpt1_orig, %eax; movl leg_pdpt1_addr, %ecx\n"
    "	movl %eax, (%ecx)\n"
    "	vmxoff\n"
    "	ret\n"
    /* Hardware task switching (SDM 8.3, 8.4), outside VMX operation:
     * a GDT with TSS A (0x38) and TSS B (0x40); LTR A, CALL B, B records
     * what it sees and IRETs (NT = 1) back to A through its back link;
     * then the firmware's GDT and TR again. */
    "leg_task:\n"
    "	sgdtl leg_task_old_gdtr\n"
    "	strw leg_task_old_tr\n"
    "	lgdtl leg_task_gdtr\n"
    "	movw $0x38, %ax; ltrw %ax\n"
    "	lcall $0x40, $0\n"
    ".globl leg_task_back\n"
    "leg_task_back:\n"
    "	movl %cr0, %eax; movl %eax, leg_task_cr0+4\n"
    "	clts\n"
    "	pushfl; popl leg_task_eflags+4\n"
    "	strw leg_task_tr+2\n"
    "	lgdtl leg_task_old_gdtr\n"
    "	movzwl leg_task_old_tr, %eax\n"
    "	andb $0xfd, fw_gdt+5(%eax)\n"
    "	ltrw leg_task_old_tr\n"
    "	ret\n"
    ".globl leg_task_b\n"
    "leg_task_b:\n"
    "	movl $0x7a5c, leg_task_ran\n"
    "	pushfl; popl leg_task_eflags\n"
    "	strw leg_task_tr\n"
    "	movl %cr0, %eax; movl %eax, leg_task_cr0\n"
    "	iretl\n"
    ".globl leg_task_b_next\n"
    "leg_task_b_next: jmp leg_task_b\n"
    ".code64\n");

void legacy_run(void);
extern char leg_guest[], leg_exit[], leg_guest_efer[];
extern char leg_real[], leg_real_vmcall[], leg_real_ne[], leg_real_vmxon[];
extern char leg_real_cr0_rbx[];
static struct vmx_vm vm;

/* 32-bit PAE paging (4.4): PDPTEs with only P (other low bits reserved),
 * 2-MiB pages identity-mapping 0-4 GiB; the guest's PDPT differs in
 * entry 1, which maps 1-2 GiB onto 0-1 GiB. */
static uint64_t *host_pdpt, *guest_pdpt;

static void build_pae_tables(void)
{
	uint64_t *alias = page_alloc();

	host_pdpt = page_alloc();
	guest_pdpt = page_alloc();
	for (unsigned i = 0; i < 4; i++) {
		uint64_t *pd = page_alloc();

		for (unsigned j = 0; j < 512; j++)
			pd[j] = ((uint64_t)i << 30 | (uint64_t)j << 21) |
				PTE_P | PTE_W | PTE_PS;
		host_pdpt[i] = guest_pdpt[i] = (uint64_t)pd | PTE_P;
	}
	for (unsigned j = 0; j < 512; j++)
		alias[j] = ((uint64_t)j << 21) | PTE_P | PTE_W | PTE_PS;
	guest_pdpt[1] = (uint64_t)alias | PTE_P;
}

/* A VMCS for a 32-bit PAE host and guest (no IA-32e anything, no EFER
 * load or save), then one field broken; left clear (VMCLEAR). */
static uint64_t prepare_vmcs(unsigned kind)
{
	uint64_t pa = (uint64_t)vmx_alloc_region();

	vmclear(pa);
	vmptrld(pa);
	vmx_setup_controls();
	vmx_setup_host();
	vmx_setup_guest64((uint64_t)leg_guest, 0x80000);
	vmx_set_ctl(VM_EXIT_CONTROLS, 0, EXIT_HOST_ADDR_SPACE_SIZE |
		    EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER);
	vmx_set_ctl(VM_ENTRY_CONTROLS, 0, ENTRY_IA32E_MODE_GUEST |
		    ENTRY_LOAD_IA32_EFER);
	vmcs_write(HOST_CR3, (uint64_t)host_pdpt);
	vmcs_write(HOST_CS_SELECTOR, SEL_CODE32);
	vmcs_write(HOST_FS_BASE, 0);
	vmcs_write(HOST_GS_BASE, 0);
	vmcs_write(HOST_RIP, (uint64_t)leg_exit);
	vmcs_write(GUEST_CR3, (uint64_t)guest_pdpt);
	vmcs_write(GUEST_CS_SELECTOR, SEL_CODE32);
	vmcs_write(GUEST_CS_AR_BYTES, 0xc09b);
	vmcs_write(GUEST_FS_BASE, 0);
	vmcs_write(GUEST_GS_BASE, 0);
	/* Natural width: the 32-bit code reads its low half. */
	vmcs_write(CR0_READ_SHADOW, 0x123456789ULL);
	vmcs_write(TSC_OFFSET, 0);
	switch (kind) {
	case L_HOST64:
		vmx_set_ctl(VM_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE, 0);
		break;
	case L_IA32E_GUEST:
		vmx_set_ctl(VM_ENTRY_CONTROLS, ENTRY_IA32E_MODE_GUEST, 0);
		break;
	case L_PCIDE:
		vmcs_write(HOST_CR4, vmcs_read(HOST_CR4) | CR4_PCIDE);
		break;
	case L_RIP_HIGH:
		vmcs_write(HOST_RIP, (uint64_t)leg_exit | 1ULL << 32);
		break;
	case L_SS_NULL:
		vmcs_write(HOST_SS_SELECTOR, 0);
		break;
	}
	vmclear(pa);
	return pa;
}

static int flags_result(uint32_t f)
{
	return vmx_result(f & 1, f & 0x40);
}

static void check_launches(void)
{
	static const char *const names[L_COUNT] = {
		[L_HOST64] = "32-bit l1 with host address-space size 1",
		[L_IA32E_GUEST] = "32-bit l1 with ia-32e mode guest",
		[L_PCIDE] = "32-bit host with cr4.pcide",
		[L_RIP_HIGH] = "32-bit host with host rip above 4g",
		[L_SS_NULL] = "32-bit host with a null ss selector",
	};

	bool all_unbacked = true;

	test_section("vm entry from outside ia-32e mode");
	if (test_result(leg_entered[L_BASE], "valid 32-bit host and pae "
			"guest enter", "flags 0x%x error %u",
			leg_launch_flags[L_BASE], leg_launch_val[L_BASE])) {
		expect_eq(leg_launch_val[L_BASE], EXIT_REASON_VMCALL,
			  "32-bit guest vmcall exits to the 32-bit host");
		expect_eq(leg_alias[L_BASE], 0xffffffffu,
			  "32-bit host uses the pdptes of its own cr3 after "
			  "the exit");
	}
	expect_eq(leg_alias[L_HOST64], 0xffffffffu,
		  "1-2 gib is unbacked through the host pdptes");
	for (unsigned i = L_HOST64; i < L_COUNT; i++)
		all_unbacked &= leg_alias[i] == 0xffffffffu;
	report(all_unbacked, "pdpt entry 1 changed in memory, no mov to cr3: "
	       "the walks use the pdpte registers");
	for (unsigned i = L_HOST64; i < L_COUNT; i++) {
		char name[80];

		snprintf(name, sizeof(name), "%s fails with error 8",
			 names[i]);
		test_result(!leg_entered[i] &&
			    flags_result(leg_launch_flags[i]) == VMX_FAIL_VALID &&
			    leg_launch_val[i] == VMXERR_ENTRY_INVALID_HOST_STATE,
			    name, "entered %u flags 0x%x value %u",
			    leg_entered[i], leg_launch_flags[i],
			    leg_launch_val[i]);
	}
}

static void check_operands(uint64_t base)
{
	static const char *const steps[] = {
		"vmxon", "vmptrld", "vmwrite of a high half",
		"vmwrite of a full 64-bit field", "vmread to a register",
		"vmread to memory", "vmwrite of a natural-width field",
		"invept all-context with a 32-bit type register",
	};
	uint64_t v = 0;

	test_section("vmx instructions outside ia-32e mode");
	for (unsigned i = 0; i < ARRAY_SIZE(steps); i++) {
		if (i == 7 && !leg_do_invept)
			continue;
		char name[80];

		snprintf(name, sizeof(name), "32-bit %s succeeds", steps[i]);
		test_result(flags_result(leg_flags[i]) == VMX_SUCCEED, name,
			    "flags 0x%x", leg_flags[i]);
	}
	expect_eq(leg_val[2], 0x12345678, "32-bit vmread of the high half");
	expect_eq(leg_val[3], 0, "32-bit vmwrite of a full field clears "
		  "its high half");
	expect_eq(leg_val[4], 0x23456789, "32-bit vmread of a natural-width "
		  "field gives bits 31:0");
	expect_eq(leg_mem64, 0xffffffff23456789ULL, "32-bit vmread to "
		  "memory writes 4 bytes");
	if (vmx_enable() != VMX_SUCCEED || vmptrld(base) != VMX_SUCCEED) {
		report(false, "vmxon and vmptrld again in 64-bit mode");
		return;
	}
	vmread(TSC_OFFSET, &v);
	expect_eq(v, 0x9abcdef0, "the full field holds the 32-bit value "
		  "with bits 63:32 clear");
	vmread(CR0_READ_SHADOW, &v);
	expect_eq(v, 0x8badf00d, "32-bit vmwrite of a natural-width field "
		  "clears bits 63:32");
	vmclear(base);
}

/* 32-bit TSSs (SDM 8.2.1) and the GDT the 32-bit code loads: the
 * firmware's, then TSS A at 0x38 and TSS B at 0x40. */
#define TSS32_WORDS	26
#define TSS32_CR3	7
#define TSS32_EIP	8
#define TSS32_EFLAGS	9
#define TSS32_ESP	14
#define TSS32_ES	18	/* ES CS SS DS FS GS: 18..23 */
#define TSS32_IOMAP	25
#define EFLAGS_NT	(1u << 14)
static uint32_t tss_a[TSS32_WORDS], tss_b[TSS32_WORDS];
static uint64_t task_gdt[9] __attribute__((aligned(16)));
static uint8_t task_b_stack[512] __attribute__((aligned(16)));
extern char leg_task_back[], leg_task_b[], leg_task_b_next[];

static uint64_t tss32_desc(const uint32_t *tss)
{
	uint64_t base = (uint64_t)tss, limit = TSS32_WORDS * 4 - 1;

	/* Type 9: available 32-bit TSS, P, DPL 0. */
	return limit | (base & 0xffffff) << 16 | 0x89ULL << 40 |
	       (base >> 24 & 0xff) << 56;
}

static void prepare_tasks(void)
{
	static const uint16_t sel[6] = { SEL_DATA, SEL_CODE32, SEL_DATA,
					 SEL_DATA, SEL_DATA, SEL_DATA };

	memcpy(task_gdt, fw_gdt, 7 * 8);
	task_gdt[7] = tss32_desc(tss_a);
	task_gdt[8] = tss32_desc(tss_b);
	leg_task_gdtr.limit = sizeof(task_gdt) - 1;
	leg_task_gdtr.base = (uint32_t)(uint64_t)task_gdt;
	/* Task switches load CR3 and LDTR from the new TSS, never save
	 * them (8.3): A's must be right for the way back. */
	tss_a[TSS32_CR3] = tss_b[TSS32_CR3] = leg_cr3_pae;
	tss_a[TSS32_IOMAP] = tss_b[TSS32_IOMAP] = TSS32_WORDS * 4 << 16;
	tss_b[TSS32_EIP] = (uint32_t)(uint64_t)leg_task_b;
	tss_b[TSS32_EFLAGS] = 2;
	tss_b[TSS32_ESP] = (uint32_t)(uint64_t)(task_b_stack +
						sizeof(task_b_stack));
	for (unsigned i = 0; i < 6; i++)
		tss_b[TSS32_ES + i] = sel[i];
}

static unsigned desc_type(uint64_t d)
{
	return (unsigned)(d >> 40) & 0xf;
}

static void check_tasks(void)
{
	test_section("hardware task switch outside ia-32e mode");
	expect_eq(leg_task_ran, 0x7a5c, "call to tss b runs task b");
	expect_eq(leg_task_tr[0], 0x40, "task b: tr is tss b");
	expect_eq(leg_task_eflags[0] & EFLAGS_NT, EFLAGS_NT,
		  "task b: eflags.nt set by the call");
	expect_eq(leg_task_cr0[0] & CR0_TS, CR0_TS, "task b: cr0.ts set");
	expect_eq(tss_b[0], 0x38, "tss b back link is tss a");
	expect_eq(tss_a[TSS32_EIP], (uint64_t)leg_task_back,
		  "tss a holds the eip after the call");
	expect_eq(tss_a[TSS32_ES + 1], SEL_CODE32, "tss a holds cs");
	expect_eq(leg_task_tr[1], 0x38, "iret with nt returns to task a");
	expect_eq(leg_task_eflags[1] & EFLAGS_NT, 0,
		  "task a: eflags.nt clear after the iret");
	expect_eq(leg_task_cr0[1] & CR0_TS, CR0_TS,
		  "task a: cr0.ts set by the switch back");
	expect_eq(desc_type(task_gdt[7]), 0xb, "tss a busy");
	expect_eq(desc_type(task_gdt[8]), 0x9, "tss b not busy after the iret");
	expect_eq(tss_b[TSS32_EIP], (uint64_t)leg_task_b_next,
		  "tss b holds the eip after its iret");
}

/* The guest state of prepare_vmcs for a 64-bit host (vmx_enter). */
static void guest32_on_host64(void (*rip)(void))
{
	vmx_vm_reset(&vm, rip, 0x80000);
	vmx_set_ctl(VM_ENTRY_CONTROLS, 0, ENTRY_IA32E_MODE_GUEST |
		    ENTRY_LOAD_IA32_EFER);
	vmcs_write(GUEST_CR3, (uint64_t)guest_pdpt);
	vmcs_write(GUEST_CS_SELECTOR, SEL_CODE32);
	vmcs_write(GUEST_CS_AR_BYTES, 0xc09b);
	vmcs_write(GUEST_FS_BASE, 0);
	vmcs_write(GUEST_GS_BASE, 0);
}

/* 27.3.2.1: without "load IA32_EFER", VM entry sets EFER.LMA and LME to
 * "IA-32e mode guest" and keeps the other bits; the exit saves the
 * guest's EFER ("save IA32_EFER") and gives the host its own back. */
static void test_efer_without_load(void)
{
	uint64_t efer = rdmsr(MSR_EFER);
	uint64_t want = efer & ~(EFER_LMA | EFER_LME);

	guest32_on_host64((void (*)(void))leg_guest_efer);
	vm.regs.rcx = MSR_EFER;
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL,
			   "32-bit pae l2 of a 64-bit host runs"))
		return;
	expect_eq(vm.regs.rax | vm.regs.rdx << 32, want, "l2 reads ia32_efer "
		  "with lma and lme clear, other bits kept (no efer load)");
	expect_eq(vmcs_read(GUEST_IA32_EFER), want, "exit saves that efer");
	expect_eq(rdmsr(MSR_EFER), efer, "the host's efer is back");
	vmclear(vm.vmcs_pa);
}

/* Unrestricted guest (25.6.2, 27.3.1.1, 27.3.1.2): CR0.PE = CR0.PG = 0
 * pass the entry checks (NE stays fixed), the segments are real-mode
 * ones, and a MOV to DS in L2 loads base = selector * 16. */
static void test_unrestricted_real_mode(void)
{
	uint64_t cs_base = (uint64_t)leg_real;
	static const uint64_t data_sel[] = {
		GUEST_ES_SELECTOR, GUEST_SS_SELECTOR, GUEST_DS_SELECTOR,
		GUEST_FS_SELECTOR, GUEST_GS_SELECTOR,
	};
	struct ept ept;

	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT |
			      SEC_UNRESTRICTED_GUEST)) {
		report(false, "unrestricted guest and ept advertised");
		return;
	}
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	guest32_on_host64((void (*)(void))leg_real);
	vmcs_write(EPT_POINTER, ept.eptp);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT |
		    SEC_UNRESTRICTED_GUEST, 0);
	vmcs_write(GUEST_CR0, vmcs_read(GUEST_CR0) & ~(CR0_PG | CR0_PE));
	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) & ~(1ULL << 5));
	vmcs_write(GUEST_CS_SELECTOR, (cs_base >> 4) & 0xffff);
	vmcs_write(GUEST_CS_BASE, cs_base);
	vmcs_write(GUEST_CS_LIMIT, 0xffff);
	vmcs_write(GUEST_CS_AR_BYTES, 0x9b);
	for (unsigned i = 0; i < ARRAY_SIZE(data_sel); i++) {
		vmcs_write(data_sel[i], 0);
		vmcs_write(GUEST_ES_LIMIT + (data_sel[i] - GUEST_ES_SELECTOR),
			   0xffff);
		vmcs_write(GUEST_ES_AR_BYTES + (data_sel[i] - GUEST_ES_SELECTOR),
			   0x93);
	}
	vmcs_write(GUEST_RIP, 0);
	vmcs_write(GUEST_RSP, 0xfff0);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_GP);
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "real-mode l2 with "
			   "unrestricted guest enters and runs"))
		return;
	expect_eq(vmcs_read(GUEST_RIP), leg_real_vmcall - leg_real,
		  "real-mode l2: rip is the offset of its vmcall");
	expect_eq(vmcs_read(GUEST_CR0) & (CR0_PE | CR0_PG), 0,
		  "real-mode l2: cr0.pe and cr0.pg stay clear");
	/* (L2 wrote CR0 with PE = PG = 0 before its VMCALL: no #GP.) */
	expect_eq(vmcs_read(GUEST_DS_SELECTOR), 0x1234,
		  "real-mode l2: mov to ds loads the selector");
	expect_eq(vmcs_read(GUEST_DS_BASE), 0x12340,
		  "real-mode l2: and base = selector * 16");
	/* 26.3 with unrestricted guest: PE and PG are exempt from FIXED0 for
	 * L2's MOV to CR0 (it wrote them 0 above), NE is not: #GP(0). */
	vmx_skip_insn();
	if (!vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "real-mode l2: "
			   "mov to cr0 with ne clear is #GP"))
		return;
	/* Real mode delivers no error code: bit 11 clear (28.2.2). */
	expect_eq(vm.exit_intr_info, INTR_INFO(VEC_GP, INTR_TYPE_HW_EXCEPTION,
					       false), "real-mode l2: #GP, "
		  "no error code in real mode");
	expect_eq(vmcs_read(GUEST_RIP), leg_real_ne - leg_real,
		  "real-mode l2: #GP at the mov to cr0");
	/* SDM 31.3 VMXON: CR0.PE = 0 is #UD, before the non-root VM exit
	 * (exit 27) that VMXON in protected-mode L2 gets. */
	vmcs_write(GUEST_RIP, leg_real_vmxon - leg_real);
	vmcs_write(EXCEPTION_BITMAP, (1U << VEC_GP) | (1U << VEC_UD));
	if (!vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "real-mode l2: "
			   "vmxon is #UD, no vmxon exit"))
		return;
	expect_eq(vm.exit_intr_info, INTR_INFO(VEC_UD, INTR_TYPE_HW_EXCEPTION,
					       false), "real-mode l2: vmxon #UD");
	expect_eq(vmcs_read(GUEST_RIP), leg_real_vmxon - leg_real,
		  "real-mode l2: #UD at the vmxon");
	/* Outside 64-bit mode MOV to CR0 takes 32 bits of its source
	 * register: RBX[63:32] set must not reach CR0[63:32] (#GP). */
	vmcs_write(GUEST_RIP, leg_real_cr0_rbx - leg_real);
	vm.regs.rbx = 0xdead000000000000ULL | (uint32_t)vmcs_read(GUEST_CR0);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "real-mode l2: mov to cr0 "
			  "from ebx with rbx[63:32] set takes 32 bits"))
		expect_eq(vmcs_read(GUEST_CR0), (uint32_t)vm.regs.rbx,
			  "real-mode l2: cr0 is the low half of rbx");
	vmclear(vm.vmcs_pa);
}

/*
 * --append=abort2: the VMCS the 32-bit code launches first gets a host CR3
 * whose PDPT has reserved bit 5 set in present entry 3.  VM entry does not
 * look at host PDPTEs; the VM exit loads them (28.5.4), finds the bit and
 * ends in VMX abort 2 (28.7): the processor shuts down and vmxbox ends the
 * run with status 72 before the 32-bit host runs again.
 */
static void arm_abort2(void)
{
	uint64_t *bad = page_alloc();

	memcpy(bad, host_pdpt, 4 * sizeof(*bad));
	bad[3] |= 1ULL << 5;
	vmptrld(leg_vmcs[L_BASE]);
	vmcs_write(HOST_CR3, (uint64_t)bad);
	vmclear(leg_vmcs[L_BASE]);
	test_section("vmx abort 2 on an exit to a pae host");
	expect_eq(bad[3] & ~PTE_ADDR_MASK, PTE_P | 1ULL << 5,
		  "the host's pdpte 3: present with reserved bit 5");
}

int main(void)
{
	bool abort2;

	printf("vmxbox nested test: vmx outside ia-32e mode\n");
	vmxtest_enable();
	report(!(read_cr4() & CR4_PCIDE), "firmware runs with cr4.pcide=0");
	build_pae_tables();
	vm.vmcs = vmx_alloc_region();
	abort2 = !strcmp(boot_info.cmdline, "abort2");
	if (!abort2) {
		test_section("guests outside ia-32e mode on a 64-bit host");
		test_efer_without_load();
		test_unrestricted_real_mode();
	}
	for (unsigned i = 0; i < L_COUNT; i++)
		leg_vmcs[i] = prepare_vmcs(i);
	leg_vmxon_pa = vmx_vmxon_region();
	leg_do_invept = vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT) &&
			(vmx_caps.ept_vpid & EPT_CAP_INVEPT_ALL);
	leg_cr3_pae = (uint32_t)(uint64_t)host_pdpt;
	leg_cr3_long = (uint32_t)read_cr3();
	leg_mem64 = ~0ULL;
	leg_pdpt1_addr = (uint32_t)(uint64_t)&host_pdpt[1];
	leg_pdpt1_alias = (uint32_t)guest_pdpt[1];
	leg_pdpt1_orig = (uint32_t)host_pdpt[1];
	prepare_tasks();
	if (abort2)
		arm_abort2();
	vmx_disable();
	write_cr4(read_cr4() | CR4_VMXE);
	legacy_run();
	if (abort2) {
		report(false, "vmx abort 2: the exit reached the 32-bit host");
		return test_summary();
	}
	report(flags_result(leg_flags[0]) == VMX_SUCCEED &&
	       flags_result(leg_flags[1]) == VMX_SUCCEED,
	       "back in 64-bit mode after the 32-bit part");
	check_launches();
	check_operands(leg_vmcs[L_BASE]);
	check_tasks();
	vmx_disable();
	return test_summary();
}
