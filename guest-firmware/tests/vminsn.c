// SPDX-License-Identifier: MIT
/*
 * VMX instruction faults end to end (SDM 31.3, each instruction's
 * "Protected Mode Exceptions" and "64-Bit Mode Exceptions"):
 *   - at CPL 3 every VMX instruction but VMFUNC is #GP(0), outside VMX
 *     operation (VMXON with CR4.VMXE = 1) and inside it;
 *   - in compatibility mode (CS.L = 0 with IA32_EFER.LMA = 1) every one
 *     but VMCALL in non-root operation is #UD;
 *   - a memory operand that cannot be read or written is #PF with the
 *     architectural error code, and a faulting store leaves memory as it
 *     was.
 * Real-address and virtual-8086 mode (#UD too) are left to the unit tests
 * (tests/vmx/test_vmx_insn.c): this firmware never leaves IA-32e mode.
 */
#include "vmxtest.h"

#define SEL_UDATA	0x3b	/* GDT[7], DPL 3 data */
#define SEL_UCODE	0x43	/* GDT[8], DPL 3 64-bit code */
#define PF_P		1u
#define PF_W		2u

/* Operands of the snippets below, and where their pointers live. */
uint64_t op_ptr;		/* VMXON/VMCLEAR/VMPTRLD/VMPTRST operand */
uint64_t op_desc[2];		/* INVEPT/INVVPID descriptor */

/*
 * One snippet per instruction, each followed by INT3: reaching it means
 * the instruction did not fault.  From CPL 3 INT3 through a DPL-0 gate is
 * #GP(0x1a) (vector 3 * 8 + 2), from compatibility mode it is #BP: both
 * differ from the fault expected of the instruction.
 */
asm(".text\n"
    ".code64\n"
    ".globl u_vmxon, u_vmxoff, u_vmclear, u_vmptrld, u_vmptrst\n"
    ".globl u_vmread, u_vmwrite, u_vmlaunch, u_vmresume, u_vmcall\n"
    ".globl u_invept, u_invvpid\n"
    "u_vmxon:	vmxon op_ptr(%rip); int3\n"
    "u_vmxoff:	vmxoff; int3\n"
    "u_vmclear:	vmclear op_ptr(%rip); int3\n"
    "u_vmptrld:	vmptrld op_ptr(%rip); int3\n"
    "u_vmptrst:	vmptrst op_ptr(%rip); int3\n"
    "u_vmread:	xorl %eax, %eax; vmread %rax, %rbx; int3\n"
    "u_vmwrite:	movl $0x681e, %eax; vmwrite %rbx, %rax; int3\n"
    "u_vmlaunch:	vmlaunch; int3\n"
    "u_vmresume:	vmresume; int3\n"
    "u_vmcall:	vmcall; int3\n"
    "u_invept:	movl $1, %eax; invept op_desc(%rip), %rax; int3\n"
    "u_invvpid:	movl $1, %eax; invvpid op_desc(%rip), %rax; int3\n"
    /* The same in 32-bit code for compatibility mode (CS = 0x18). */
    ".code32\n"
    ".globl c_vmxon, c_vmxoff, c_vmclear, c_vmptrld, c_vmptrst\n"
    ".globl c_vmread, c_vmwrite, c_vmlaunch, c_vmresume, c_vmcall\n"
    ".globl c_invept, c_invvpid, c_vmfunc\n"
    "c_vmxon:	vmxon op_ptr; int3\n"
    "c_vmxoff:	vmxoff; int3\n"
    "c_vmclear:	vmclear op_ptr; int3\n"
    "c_vmptrld:	vmptrld op_ptr; int3\n"
    "c_vmptrst:	vmptrst op_ptr; int3\n"
    "c_vmread:	xorl %eax, %eax; vmread %eax, %ebx; int3\n"
    "c_vmwrite:	movl $0x681e, %eax; vmwrite %ebx, %eax; int3\n"
    "c_vmlaunch:	vmlaunch; int3\n"
    "c_vmresume:	vmresume; int3\n"
    "c_vmcall:	vmcall; int3\n"
    "c_invept:	movl $1, %eax; invept op_desc, %eax; int3\n"
    "c_invvpid:	movl $1, %eax; invvpid op_desc, %eax; int3\n"
    "c_vmfunc:	xorl %eax, %eax; vmfunc; int3\n"
    ".code64\n"
    /* go_user(rip, rsp): IRETQ to CPL 3. */
    ".globl go_user\n"
    "go_user:\n"
    "	pushq $0x3b\n"
    "	pushq %rsi\n"
    "	pushq $2\n"
    "	pushq $0x43\n"
    "	pushq %rdi\n"
    "	iretq\n"
    /* go_compat(rip): far jump to the 32-bit code segment. */
    ".globl go_compat\n"
    "go_compat:\n"
    "	movl %edi, far_ptr(%rip)\n"
    "	movw $0x18, far_ptr+4(%rip)\n"
    "	ljmpl *far_ptr(%rip)\n"
    ".data\n"
    "far_ptr: .long 0; .word 0\n"
    ".text\n");

#define SNIPPETS(p) \
	extern char p##vmxon[], p##vmxoff[], p##vmclear[], p##vmptrld[], \
		p##vmptrst[], p##vmread[], p##vmwrite[], p##vmlaunch[], \
		p##vmresume[], p##vmcall[], p##invept[], p##invvpid[];
SNIPPETS(u_)
SNIPPETS(c_)
extern char c_vmfunc[];
void go_user(void *rip, uint64_t rsp);
void go_compat(void *rip);

struct snippet {
	const char *name;
	char *user, *compat;
};

static const struct snippet snippets[] = {
	{ "vmxoff", u_vmxoff, c_vmxoff },
	{ "vmclear", u_vmclear, c_vmclear },
	{ "vmptrld", u_vmptrld, c_vmptrld },
	{ "vmptrst", u_vmptrst, c_vmptrst },
	{ "vmread", u_vmread, c_vmread },
	{ "vmwrite", u_vmwrite, c_vmwrite },
	{ "vmlaunch", u_vmlaunch, c_vmlaunch },
	{ "vmresume", u_vmresume, c_vmresume },
	{ "vmcall", u_vmcall, c_vmcall },
	{ "invept", u_invept, c_invept },
	{ "invvpid", u_invvpid, c_invvpid },
	{ "vmxon", u_vmxon, c_vmxon },
};

static uint64_t user_stack;

static void run_user(void *rip)
{
	go_user(rip, user_stack);
}

static void run_compat(void *rip)
{
	go_compat(rip);
}

static void expect_fault(void (*run)(void *), void *rip, int vec,
			 uint64_t err, const char *fmt, const char *name)
{
	struct trap_info ti;
	char line[96];
	int got = trap_try(run, rip, &ti);

	snprintf(line, sizeof(line), fmt, name);
	test_result(got == vec && ti.error_code == err, line,
		    "got vector %d error 0x%lx at rip 0x%lx, expected #%s(0x%lx) "
		    "at 0x%lx", got, ti.error_code, ti.rip,
		    trap_name((unsigned)vec), err, (uint64_t)rip);
}

/* Page tables with U = 1 everywhere (the first GiB) and a GDT with ring-3
 * segments; the TSS gives ring 0 a stack for faults from ring 3. */
static uint64_t user_cr3, kernel_cr3;
static struct desc_ptr kernel_gdtr;

static void enter_user_world(void)
{
	uint64_t *pml4 = page_alloc(), *pdpt = page_alloc(), *pd = page_alloc();
	uint64_t *gdt = page_alloc();
	struct desc_ptr g;

	for (unsigned i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_U | PTE_PS;
	pdpt[0] = (uint64_t)pd | PTE_P | PTE_W | PTE_U;
	pml4[0] = (uint64_t)pdpt | PTE_P | PTE_W | PTE_U;
	user_cr3 = (uint64_t)pml4;
	kernel_cr3 = read_cr3();
	sgdt(&kernel_gdtr);
	memcpy(gdt, (void *)kernel_gdtr.base, kernel_gdtr.limit + 1);
	gdt[7] = 0x00cff3000000ffffULL;	/* data, DPL 3 */
	gdt[8] = 0x00affb000000ffffULL;	/* 64-bit code, DPL 3 */
	g.base = (uint64_t)gdt;
	g.limit = 9 * 8 - 1;
	asm volatile("lgdt %0" : : "m"(g));
	fw_tss.rsp[0] = (uint64_t)page_alloc() + PAGE_SIZE;
	user_stack = (uint64_t)page_alloc() + PAGE_SIZE;
	write_cr3(user_cr3);
}

static void leave_user_world(void)
{
	write_cr3(kernel_cr3);
	asm volatile("lgdt %0" : : "m"(kernel_gdtr));
}

static void test_cpl3(bool in_vmx)
{
	enter_user_world();
	for (unsigned i = 0; i < ARRAY_SIZE(snippets); i++) {
		if (!in_vmx && strcmp(snippets[i].name, "vmxon"))
			continue;	/* the others are #UD outside VMX */
		expect_fault(run_user, snippets[i].user, VEC_GP, 0,
			     in_vmx ? "%s at cpl 3 in vmx operation is #GP(0)"
				    : "%s at cpl 3 is #GP(0)",
			     snippets[i].name);
	}
	leave_user_world();
}

static void test_compat(const char *where)
{
	char fmt[80];

	snprintf(fmt, sizeof(fmt), "%%s in compatibility mode %s is #UD", where);
	for (unsigned i = 0; i < ARRAY_SIZE(snippets); i++)
		expect_fault(run_compat, snippets[i].compat, VEC_UD, 0, fmt,
			     snippets[i].name);
	expect_fault(run_compat, c_vmfunc, VEC_UD, 0, fmt, "vmfunc");
}

/* ---- memory operands --------------------------------------------------- */
static uint8_t *absent_page, *ro_page;

static void pf_vmxon(void *p)
{
	asm volatile("vmxon (%0)" : : "r"(p) : "cc", "memory");
}

static void pf_vmptrld(void *p)
{
	asm volatile("vmptrld (%0)" : : "r"(p) : "cc", "memory");
}

static void pf_vmclear(void *p)
{
	asm volatile("vmclear (%0)" : : "r"(p) : "cc", "memory");
}

static void pf_vmptrst(void *p)
{
	asm volatile("vmptrst (%0)" : : "r"(p) : "cc", "memory");
}

static void pf_vmread(void *p)
{
	asm volatile("vmread %1, (%0)" : : "r"(p), "r"((uint64_t)0x681e)
		     : "cc", "memory");
}

static void pf_vmwrite(void *p)
{
	asm volatile("vmwrite (%0), %1" : : "r"(p), "r"((uint64_t)0x681e)
		     : "cc", "memory");
}

static void pf_invept(void *p)
{
	asm volatile("invept (%0), %1" : : "r"(p), "r"((uint64_t)2)
		     : "cc", "memory");
}

static void pf_invvpid(void *p)
{
	asm volatile("invvpid (%0), %1" : : "r"(p), "r"((uint64_t)2)
		     : "cc", "memory");
}

static void expect_pf(void (*fn)(void *), void *addr, uint64_t err,
		      const char *name)
{
	struct trap_info ti;
	int got = trap_try(fn, addr, &ti);

	test_result(got == VEC_PF && ti.error_code == err &&
		    ti.cr2 == (uint64_t)addr, name,
		    "got vector %d error 0x%lx cr2 0x%lx, expected #PF(0x%lx) "
		    "cr2 0x%lx", got, ti.error_code, ti.cr2, err,
		    (uint64_t)addr);
}

static void test_memory_operands(void)
{
	uint64_t *ro = (uint64_t *)ro_page;

	expect_pf(pf_vmptrld, absent_page, 0, "vmptrld operand not present is #PF");
	expect_pf(pf_vmclear, absent_page, 0, "vmclear operand not present is #PF");
	expect_pf(pf_vmwrite, absent_page, 0,
		  "vmwrite source not present is #PF");
	expect_pf(pf_invept, absent_page, 0,
		  "invept descriptor not present is #PF");
	expect_pf(pf_invvpid, absent_page, 0,
		  "invvpid descriptor not present is #PF");
	expect_pf(pf_vmptrst, ro, PF_P | PF_W,
		  "vmptrst to a read-only page is #PF(p|w)");
	expect_eq(ro[0], 0x5a5a5a5a5a5a5a5aULL, "faulting vmptrst stored nothing");
	expect_pf(pf_vmread, ro, PF_P | PF_W,
		  "vmread to a read-only page is #PF(p|w)");
	expect_eq(ro[0], 0x5a5a5a5a5a5a5a5aULL, "faulting vmread stored nothing");
}

/* ---- VMfail cases and operands that succeed --------------------------- */
static int vmlaunch_after_mov_ss(void)
{
	bool cf, zf;

	/* MOV SS blocks events for one instruction: VMLAUNCH then is
	 * VMfailValid(26) before the launch state is looked at (31.3). */
	asm volatile("movw %%ss, %%ax\n\t"
		     "movw %%ax, %%ss\n\t"
		     "vmlaunch"
		     : "=@ccc"(cf), "=@ccz"(zf) : : "rax", "memory");
	return vmx_result(cf, zf);
}

static void test_operands(uint64_t vmcs)
{
	uint64_t mem[2] = { ~0ULL, ~0ULL }, v = 0;
	int r;

	expect_vmx(vmlaunch_after_mov_ss(), VMX_FAIL_VALID, 26,
		   "vmlaunch right after mov ss fails with error 26");
	vmwrite(GUEST_CS_SELECTOR, 0x1234);
	asm volatile("vmread %1, (%0)" : : "r"(mem), "r"((uint64_t)GUEST_CS_SELECTOR)
		     : "cc", "memory");
	expect_eq(mem[0], 0x1234, "vmread of a 16-bit field to memory "
		  "zero-extends to 64 bits");
	expect_eq(mem[1], ~0ULL, "vmread to memory writes 8 bytes only");
	mem[0] = 0xffffffff00abcdefULL;
	asm volatile("vmwrite (%0), %1" : : "r"(mem),
		     "r"((uint64_t)GUEST_SYSENTER_CS) : "cc", "memory");
	vmread(GUEST_SYSENTER_CS, &v);
	expect_eq(v, 0xabcdef, "vmwrite from memory of a 32-bit field "
		  "keeps bits 31:0");
	/* Physical addresses beyond guest RAM read all ones (no crash). */
	expect_vmx(vmclear(1ULL << 40), VMX_SUCCEED, 0,
		   "vmclear of a region outside ram succeeds");
	expect_vmx(vmptrld(1ULL << 40), VMX_FAIL_VALID, 11,
		   "vmptrld of a region outside ram fails with error 11");
	r = vmptrld(vmcs);
	expect_vmx(r, VMX_SUCCEED, 0, "vmptrld back");
	/* INVEPT single-context checks the EPTP as VM entry does (31.3:
	 * memory type 2 is reserved): VMfailValid(28). */
	if (vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT))
		expect_vmx(invept(INVEPT_SINGLE_CONTEXT, 0x200000 | 2 |
				  EPTP_PWL4), VMX_FAIL_VALID, 28,
			   "invept single-context of an invalid eptp fails "
			   "with error 28");
}

int main(void)
{
	void *vmcs;

	printf("vmxbox nested test: vmx instruction faults\n");
	if (!vmx_supported()) {
		test_skip_fail("vmx not advertised");
		return test_summary();
	}
	absent_page = page_alloc();
	ro_page = page_alloc();
	*(uint64_t *)ro_page = 0x5a5a5a5a5a5a5a5aULL;
	paging_update((uint64_t)absent_page, 0, PTE_P);
	paging_update((uint64_t)ro_page, 0, PTE_W);
	vmx_read_caps(&vmx_caps);
	wrmsr(MSR_IA32_FEATURE_CONTROL, rdmsr(MSR_IA32_FEATURE_CONTROL) |
	      FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON_OUT_SMX);
	write_cr0(vmx_fix_cr0(read_cr0()));
	write_cr4(vmx_fix_cr4(read_cr4() | CR4_VMXE));

	test_section("outside vmx operation");
	test_cpl3(false);
	test_compat("outside vmx operation");
	expect_pf(pf_vmxon, absent_page, 0, "vmxon operand not present is #PF");
	expect_vmx(vmxon(1ULL << 40), VMX_FAIL_INVALID, 0,
		   "vmxon of a region outside ram fails invalid");

	vmxtest_enable();
	vmcs = vmx_alloc_region();
	vmclear((uint64_t)vmcs);
	vmptrld((uint64_t)vmcs);
	op_ptr = (uint64_t)vmcs;
	test_section("vmx root operation");
	test_cpl3(true);
	test_compat("in vmx operation");
	test_section("memory operands");
	test_memory_operands();
	test_section("operands and vmfail");
	test_operands((uint64_t)vmcs);
	vmclear((uint64_t)vmcs);
	vmx_disable();
	paging_update((uint64_t)absent_page, PTE_P, 0);
	paging_update((uint64_t)ro_page, PTE_W, 0);
	return test_summary();
}
