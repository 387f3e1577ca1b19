// SPDX-License-Identifier: MIT
/*
 * VM-execution controls seen from L1: exception bitmap with #PF error-code
 * mask/match (25.6.3), event injection (27.6), CR0/CR4 guest/host masks
 * and read shadows and CR3-target values (25.6.6, 25.6.7), I/O bitmaps
 * (25.6.4), MSR bitmaps (25.6.9) and the TPR shadow (25.6.2 bit 21,
 * 25.6.8, 30.1.2, 30.3).
 */
#include "vmxtest.h"
#include "guest_asm.h"

static struct vmx_vm vm;
static uint64_t stack_top;

/* What the L2 exception handler saw (L2 runs the firmware's own IDT). */
static volatile struct {
	unsigned count;
	uint64_t vector, error_code, rip;
} seen;
static uint64_t *pf_page;

static bool l2_record(struct trap_frame *f)
{
	seen.count++;
	seen.vector = f->vector;
	seen.error_code = f->error_code;
	seen.rip = f->rip;
	f->rip = (uint64_t)g_vmcall;	/* then report to L1 */
	return true;
}

static bool l2_fix_pf(struct trap_frame *f)
{
	seen.count++;
	seen.vector = f->vector;
	seen.error_code = f->error_code;
	seen.rip = f->rip;
	paging_update((uint64_t)pf_page, PTE_P, 0);
	return true;		/* retry the access */
}

static void reset(void (*guest)(void))
{
	vmx_vm_reset(&vm, guest, stack_top);
	memset((void *)&seen, 0, sizeof(seen));
}

/* ---- exception bitmap and #PF filtering -------------------------------- */
struct pf_case {
	const char *name;
	bool bit14;
	uint32_t mask, match;
	bool exits;
};

static void test_pf_filter(void)
{
	static const struct pf_case cases[] = {
		{ "pf bitmap 1 mask 0 match 0", true, 0, 0, true },
		{ "pf bitmap 1 mismatch", true, PFEC_W, PFEC_W, false },
		{ "pf bitmap 0 mismatch", false, PFEC_W, PFEC_W, true },
		{ "pf bitmap 0 mask 0 match 0", false, 0, 0, false },
	};

	pf_page = page_alloc();
	pf_page[1] = 0xabcd;
	trap_set_handler(VEC_PF, l2_fix_pf);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct pf_case *c = &cases[i];

		paging_update((uint64_t)pf_page, 0, PTE_P);
		reset(g_memread);
		vm.regs.rsi = (uint64_t)(pf_page + 1);
		vmcs_write(EXCEPTION_BITMAP, c->bit14 ? 1U << VEC_PF : 0);
		vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, c->mask);
		vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, c->match);
		if (c->exits) {
			if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, c->name))
				expect_eq(seen.count, 0, "%s not delivered to l2",
					  c->name);
		} else if (vm_run_expect(&vm, EXIT_REASON_VMCALL, c->name)) {
			expect_eq(seen.count, 1, "%s delivered to l2", c->name);
			expect_eq(vm.regs.rax, 0xabcd, "%s l2 retried the load",
				  c->name);
		}
	}
	paging_update((uint64_t)pf_page, PTE_P, 0);
	trap_set_handler(VEC_PF, NULL);

	/* Bit clear: #UD goes to L2's own IDT. */
	trap_set_handler(VEC_UD, l2_record);
	reset(g_ud2);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "ud with bitmap bit clear stays in l2"))
		expect_eq(seen.rip, (uint64_t)g_ud2_insn, "l2 #UD handler rip");
	trap_set_handler(VEC_UD, NULL);
}

/*
 * #AC (SDM 6.15) through exception-bitmap bit 17: L2 runs at CPL 3 (its
 * CS/SS access rights come from the VMCS) on page tables of L1's with
 * U = 1 everywhere, with CR0.AM and RFLAGS.AC, and stores to a misaligned
 * address.  The exit is a fault with error code 0, before the store.
 */
static void cpl3_guest(void (*guest)(void), uint64_t cr3)
{
	reset(guest);
	vmcs_write(GUEST_CR3, cr3);
	vmcs_write(GUEST_CS_SELECTOR, 0x2b);
	vmcs_write(GUEST_CS_AR_BYTES, 0xa0fb);	/* 64-bit code, DPL 3 */
	vmcs_write(GUEST_SS_SELECTOR, 0x33);
	vmcs_write(GUEST_SS_AR_BYTES, 0xc0f3);	/* data, DPL 3 */
}

static void test_alignment_check(void)
{
	uint64_t cr3 = paging_user_tables();
	uint32_t *data = page_alloc();

	cpl3_guest(g_ac_store, cr3);
	vmcs_write(GUEST_CR0, vmcs_read(GUEST_CR0) | CR0_AM);
	vmcs_write(GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_AC);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_AC);
	vm.regs.rbx = (uint64_t)data + 2;
	vm.regs.rax = 0x11223344;
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			  "#ac at cpl 3 exits through bitmap bit 17")) {
		expect_eq(vm.exit_intr_info,
			  INTR_INFO(VEC_AC, INTR_TYPE_HW_EXCEPTION, 1),
			  "#ac exit interruption info with error code");
		expect_eq(vm.exit_intr_error, 0, "#ac error code 0");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_ac_store_insn,
			  "#ac is a fault: rip of the store");
		expect_eq(data[0] | data[1], 0, "#ac: nothing stored");
	}
	/* RFLAGS.AC clear: no check, the store completes at CPL 3. */
	cpl3_guest(g_ac_store, cr3);
	vmcs_write(GUEST_CR0, vmcs_read(GUEST_CR0) | CR0_AM);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_AC);
	vm.regs.rbx = (uint64_t)data + 2;
	vm.regs.rax = 0x11223344;
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "misaligned store at cpl 3 without rflags.ac"))
		expect_eq(*(volatile uint64_t *)data, 0x112233440000ull,
			  "store without ac completed");
}

/* ---- event injection --------------------------------------------------- */
struct inject_case {
	const char *name;
	uint32_t info;
	uint32_t error;
	uint32_t len;
	unsigned vector;
	uint64_t rip_delta;	/* pushed RIP - guest RIP */
	bool has_error;
};

static void test_injection(void)
{
	static const struct inject_case cases[] = {
		{ "inject #UD", INTR_INFO(VEC_UD, INTR_TYPE_HW_EXCEPTION, 0),
		  0, 0, VEC_UD, 0, false },
		{ "inject #GP(0x18)", INTR_INFO(VEC_GP, INTR_TYPE_HW_EXCEPTION, 1),
		  0x18, 0, VEC_GP, 0, true },
		{ "inject #PF(0x5)", INTR_INFO(VEC_PF, INTR_TYPE_HW_EXCEPTION, 1),
		  PFEC_P | PFEC_U, 0, VEC_PF, 0, true },
		{ "inject software #BP len 1",
		  INTR_INFO(VEC_BP, INTR_TYPE_SW_EXCEPTION, 0), 0, 1, VEC_BP, 1,
		  false },
		{ "inject software int 5 len 2",
		  INTR_INFO(VEC_BR, INTR_TYPE_SW_INTR, 0), 0, 2, VEC_BR, 2, false },
		{ "inject nmi", INTR_INFO(VEC_NMI, INTR_TYPE_NMI, 0), 0, 0,
		  VEC_NMI, 0, false },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct inject_case *c = &cases[i];

		trap_set_handler(c->vector, l2_record);
		reset(g_nops);
		vmcs_write(VM_ENTRY_INTR_INFO, c->info);
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, c->error);
		vmcs_write(VM_ENTRY_INSTRUCTION_LEN, c->len);
		if (vm_run_expect(&vm, EXIT_REASON_VMCALL, c->name)) {
			expect_eq(seen.count, 1, "%s delivered once", c->name);
			expect_eq(seen.vector, c->vector, "%s vector", c->name);
			if (c->has_error)
				expect_eq(seen.error_code, c->error,
					  "%s error code", c->name);
			expect_eq(seen.rip, (uint64_t)g_nops + c->rip_delta,
				  "%s return rip", c->name);
			expect_eq(vmcs_read(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID,
				  0, "%s valid bit cleared by the exit", c->name);
		}
		trap_set_handler(c->vector, NULL);
	}
}

/* ---- CR shadowing and CR3 targets -------------------------------------- */
static void test_cr_shadow(void)
{
	uint64_t cr0 = vmx_fix_cr0(read_cr0()), cr4 = vmx_fix_cr4(read_cr4());

	reset(g_crread);
	vmcs_write(CR0_GUEST_HOST_MASK, CR0_TS | CR0_MP);
	vmcs_write(CR0_READ_SHADOW, CR0_TS);
	vmcs_write(CR4_GUEST_HOST_MASK, CR4_VMXE);
	vmcs_write(CR4_READ_SHADOW, 0);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "cr reads do not exit")) {
		expect_eq(vm.regs.rax, (cr0 & ~(CR0_TS | CR0_MP)) | CR0_TS,
			  "cr0 read shows the shadow for masked bits");
		expect_eq(vm.regs.rbx, cr4 & ~CR4_VMXE,
			  "cr4 read hides vmxe through the shadow");
	}

	reset(g_cr0_same);
	vmcs_write(CR0_GUEST_HOST_MASK, CR0_TS);
	vmcs_write(CR0_READ_SHADOW, 0);
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "cr0 write equal to shadow does not exit");

	reset(g_cr0_write);
	vmcs_write(CR0_GUEST_HOST_MASK, CR0_TS);
	vmcs_write(CR0_READ_SHADOW, 0);
	if (vm_run_expect(&vm, EXIT_REASON_CR_ACCESS, "cr0 write differing from shadow exits"))
		expect_eq(vmcs_read(GUEST_CR0), cr0,
			  "cr0 unchanged by the exiting write");

	reset(g_cr3_load);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_LOAD_EXITING, 0);
	vmcs_write(CR3_TARGET_COUNT, 1);
	vmcs_write(CR3_TARGET_VALUE0, read_cr3());
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "mov to cr3 of a target value does not exit");

	reset(g_cr3_load);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_LOAD_EXITING, 0);
	vmcs_write(CR3_TARGET_COUNT, 1);
	vmcs_write(CR3_TARGET_VALUE0, read_cr3() + PAGE_SIZE);
	vm_run_expect(&vm, EXIT_REASON_CR_ACCESS, "mov to cr3 of another value exits");
}

/* LMSW (SDM 26.1.3, 26.3, Table 28-3): it exits when it would set PE
 * while PE is owned with shadow 0, or change an owned bit of MP/EM/TS
 * away from its shadow; otherwise the owned bits keep their real value
 * and only the others are loaded. */
static void test_lmsw(void)
{
	uint64_t cr0 = vmx_fix_cr0(read_cr0()) & ~(CR0_TS | CR0_EM | CR0_MP);

	reset(g_lmsw_mem);
	*(volatile uint16_t *)g_scratch = CR0_PE | CR0_TS;
	vmcs_write(CR0_GUEST_HOST_MASK, CR0_TS);
	vmcs_write(CR0_READ_SHADOW, 0);
	if (vm_run_expect(&vm, EXIT_REASON_CR_ACCESS,
			  "lmsw from memory setting an owned ts exits")) {
		expect_eq(vm.exit_qual, ((uint64_t)(CR0_PE | CR0_TS) << 16) |
			  (1u << 6) | (3u << 4), "lmsw qualification: source, "
			  "memory operand, type 3, cr0");
		expect_eq(vmcs_read(GUEST_LINEAR_ADDRESS), (uint64_t)g_scratch,
			  "lmsw guest-linear address of the operand");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_lmsw_mem_insn,
			  "lmsw exit rip");
		expect_eq(vmcs_read(GUEST_CR0) & CR0_TS, 0,
			  "exiting lmsw left cr0.ts");
	}

	reset(g_lmsw_ax);
	vm.regs.rax = CR0_PE;
	vmcs_write(CR0_GUEST_HOST_MASK, CR0_PE);
	vmcs_write(CR0_READ_SHADOW, 0);
	if (vm_run_expect(&vm, EXIT_REASON_CR_ACCESS,
			  "lmsw setting pe owned with shadow 0 exits"))
		expect_eq(vm.exit_qual, ((uint64_t)CR0_PE << 16) | (3u << 4),
			  "lmsw qualification: register operand");

	reset(g_lmsw_ax);
	vm.regs.rax = CR0_PE;
	vmcs_write(CR0_GUEST_HOST_MASK, CR0_PE);
	vmcs_write(CR0_READ_SHADOW, CR0_PE);
	vm_run_expect(&vm, EXIT_REASON_VMCALL,
		      "lmsw setting pe owned with shadow 1 does not exit");

	/* Owned MP (real 1, shadow 0) and TS (real 0, shadow 1): LMSW equal
	 * to the shadow does not exit and leaves them; EM is not owned. */
	reset(g_lmsw_ax);
	vm.regs.rax = CR0_PE | CR0_EM | CR0_TS;
	vmcs_write(GUEST_CR0, cr0 | CR0_MP);
	vmcs_write(CR0_GUEST_HOST_MASK, CR0_MP | CR0_TS);
	vmcs_write(CR0_READ_SHADOW, CR0_TS);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "lmsw equal to the shadow in owned bits does not exit"))
		expect_eq(vmcs_read(GUEST_CR0), cr0 | CR0_MP | CR0_EM,
			  "lmsw loads em, owned mp and ts keep their value");
}

/* ---- I/O bitmaps ------------------------------------------------------- */
struct io_case {
	const char *name;
	void (*guest)(void);
	uint16_t port;		/* the guest's port */
	uint16_t bit;		/* the one port intercepted */
	bool exits;
};

static void test_io_bitmaps(void)
{
	static const struct io_case cases[] = {
		{ "io bitmap a port intercepted", g_outb_si, 0x80, 0x80, true },
		{ "io bitmap a other port passes", g_outb_si, 0x81, 0x80, false },
		{ "io bitmap b port intercepted", g_outb_si, 0x9000, 0x9000, true },
		{ "io bitmap b other port passes", g_outb_si, 0x9001, 0x9000, false },
		{ "io 4-byte access crossing into bitmap b", g_outl_si, 0x7ffe,
		  0x8001, true },
		{ "io 4-byte access below the bit passes", g_outl_si, 0x7ff0,
		  0x7ff4, false },
	};
	uint8_t *a = page_alloc(), *b = page_alloc();

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct io_case *c = &cases[i];

		memset(a, 0, PAGE_SIZE);
		memset(b, 0, PAGE_SIZE);
		io_bitmap_set(a, b, c->bit, true);
		reset(c->guest);
		vm.regs.rsi = c->port;
		vmcs_write(IO_BITMAP_A, (uint64_t)a);
		vmcs_write(IO_BITMAP_B, (uint64_t)b);
		/* With bitmaps on, unconditional I/O exiting is ignored. */
		vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL,
			    CPU_USE_IO_BITMAPS | CPU_UNCOND_IO_EXITING, 0);
		if (!vm_run_expect(&vm, c->exits ? EXIT_REASON_IO_INSTRUCTION
					 : EXIT_REASON_VMCALL, c->name))
			continue;
		if (c->exits)
			expect_eq(EXITQ_IO_PORT(vm.exit_qual), c->port,
				  "%s port in qualification", c->name);
	}
}

/* ---- MSR bitmaps ------------------------------------------------------- */
struct msr_case {
	const char *name;
	void (*guest)(void);
	uint32_t msr;
	bool rd, wr;		/* bitmap bits */
	bool exits;
};

static void test_msr_bitmaps(void)
{
	static const struct msr_case cases[] = {
		{ "msr bitmap read low intercepted", g_rdmsr_ecx, 0x174, true,
		  false, true },
		{ "msr bitmap write low not intercepted", g_wrmsr_ecx, 0x174,
		  true, false, false },
		{ "msr bitmap write low intercepted", g_wrmsr_ecx, 0x175, false,
		  true, true },
		{ "msr bitmap read high intercepted", g_rdmsr_ecx, MSR_GS_BASE,
		  true, false, true },
		{ "msr bitmap read high not intercepted", g_rdmsr_ecx,
		  MSR_KERNEL_GS_BASE, false, false, false },
		{ "msr outside the bitmap ranges exits", g_rdmsr_ecx,
		  0x40000000, false, false, true },
	};
	void *bm = page_alloc();

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct msr_case *c = &cases[i];

		memset(bm, 0, PAGE_SIZE);
		msr_bitmap_set(bm, c->msr, c->rd, c->wr);
		reset(c->guest);
		vm.regs.rcx = c->msr;
		vm.regs.rax = 0;
		vm.regs.rdx = 0;
		vmcs_write(MSR_BITMAP, (uint64_t)bm);
		if (!vm_run_expect(&vm, c->exits ? (c->guest == g_rdmsr_ecx ?
					    EXIT_REASON_MSR_READ :
					    EXIT_REASON_MSR_WRITE)
					 : EXIT_REASON_VMCALL, c->name))
			continue;
	}
	reset(g_rdmsr_ecx);
	vm.regs.rcx = MSR_KERNEL_GS_BASE;
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, 0, CPU_USE_MSR_BITMAPS);
	vm_run_expect(&vm, EXIT_REASON_MSR_READ, "rdmsr exits without msr bitmaps");
}

/* ---- TPR shadow (25.6.2 bit 21, 25.6.8, 26.3, 30.1.2, 30.3) ------------- */
/* Page aligned, within any MAXPHYADDR >= 39, far above the firmware's RAM. */
#define VAPIC_OUTSIDE_RAM	0x7ffffff000ull
static volatile uint32_t *vtpr;		/* offset 80H of the virtual-APIC page */

/* Guest g, TPR shadow on, TPR threshold thr, VTPR dword v, RAX rax. */
static bool tpr_reset(void (*g)(void), uint32_t thr, uint32_t v, uint64_t rax)
{
	reset(g);
	*vtpr = v;
	vm.regs.rax = rax;
	vmcs_write(VIRTUAL_APIC_PAGE_ADDR, (uint64_t)vtpr & ~0xfffull);
	vmcs_write(TPR_THRESHOLD, thr);
	return vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TPR_SHADOW, 0);
}

static void test_tpr_shadow(void)
{
	uint8_t *page = page_alloc();
	uint64_t l1_cr8;

	vtpr = (volatile uint32_t *)(page + 0x80);
	if (!test_result(vmx_ctl_allowed1(vmx_caps.proc_ctl, CPU_USE_TPR_SHADOW),
			 "use tpr shadow allowed-1", "procbased ctls 0x%lx",
			 vmx_caps.proc_ctl))
		return;
	/* L2's MOV CR8 must never reach the real TPR (shared with L1). */
	write_cr8(2);

	if (tpr_reset(g_cr8_read_rax, 0, 0xffffffb3u, ~0ull) &&
	    vm_run_expect(&vm, EXIT_REASON_VMCALL, "cr8 read through tpr shadow"))
		expect_eq(vm.regs.rax, 0xb, "cr8 read returns vtpr bits 7:4");

	if (tpr_reset(g_cr8_write_rax, 0, 0xffffffffu, 7) &&
	    vm_run_expect(&vm, EXIT_REASON_VMCALL, "cr8 write through tpr shadow"))
		expect_eq(*vtpr, 0x70, "cr8 write sets vtpr 7:4, clears the rest");

	if (tpr_reset(g_cr8_write_rax, 4, 0x80, 4) &&
	    vm_run_expect(&vm, EXIT_REASON_VMCALL, "cr8 write at threshold does not exit"))
		expect_eq(*vtpr, 0x40, "cr8 write at threshold vtpr");

	if (tpr_reset(g_cr8_write_rax, 4, 0x80, 3) &&
	    vm_run_expect(&vm, EXIT_REASON_TPR_BELOW_THRESHOLD,
		       "cr8 write below threshold exits tpr below threshold")) {
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_cr8_write_rax_next,
			  "tpr below threshold is trap-like: rip after the mov");
		expect_eq(vm.exit_qual, 0, "tpr below threshold qualification");
		expect_eq(*vtpr, 0x30, "tpr below threshold vtpr written first");
		/* VTPR[7:4] = 3 < threshold 4: VMRESUME fails (27.2.1.1). */
		expect_vmx(vmx_vm_run(&vm), VMX_FAIL_VALID,
			   VMXERR_ENTRY_INVALID_CONTROL,
			   "vmresume with threshold above vtpr");
		vmcs_write(TPR_THRESHOLD, 3);
		vm_run_expect(&vm, EXIT_REASON_VMCALL,
			   "resume after tpr below threshold runs the next insn");
	}

	/* Single-stepped: the exit wins over the #DB trap, which it saves
	 * as a pending debug exception (BS), SDM 30.1.2 and 28.3.4. */
	trap_set_handler(VEC_DB, l2_record);
	if (tpr_reset(g_cr8_write_rax, 4, 0x80, 1)) {
		vmcs_write(GUEST_RFLAGS, vmcs_read(GUEST_RFLAGS) | RFLAGS_TF);
		if (vm_run_expect(&vm, EXIT_REASON_TPR_BELOW_THRESHOLD,
			       "single-stepped cr8 write below threshold exits")) {
			expect_eq(vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS), 1U << 14,
				  "tpr below threshold saves the single-step trap");
			expect_eq(vmcs_read(GUEST_RIP),
				  (uint64_t)g_cr8_write_rax_next,
				  "single-stepped tpr exit rip after the mov");
			expect_eq(seen.count, 0, "single-step #DB not delivered");
			expect_eq(*vtpr, 0x10, "single-stepped cr8 write vtpr");
		}
	}
	trap_set_handler(VEC_DB, NULL);

	if (tpr_reset(g_cr8_write_rax, 9, 0x80, 9))
		expect_vmx(vmx_vm_run(&vm), VMX_FAIL_VALID,
			   VMXERR_ENTRY_INVALID_CONTROL,
			   "vmlaunch with threshold above vtpr");
	if (tpr_reset(g_cr8_write_rax, 0x10, 0xf0, 9))
		expect_vmx(vmx_vm_run(&vm), VMX_FAIL_VALID,
			   VMXERR_ENTRY_INVALID_CONTROL,
			   "vmlaunch with threshold bits 31:4 set");
	if (tpr_reset(g_cr8_write_rax, 0, 0, 9)) {
		vmcs_write(VIRTUAL_APIC_PAGE_ADDR, (uint64_t)page + 0x80);
		expect_vmx(vmx_vm_run(&vm), VMX_FAIL_VALID,
			   VMXERR_ENTRY_INVALID_CONTROL,
			   "vmlaunch with misaligned virtual-apic address");
	}

	if (tpr_reset(g_cr8_write_rax, 0, 0x50, 9) &&
	    vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_CR8_LOAD_EXITING, 0) &&
	    vm_run_expect(&vm, EXIT_REASON_CR_ACCESS, "cr8 load exiting wins over tpr shadow"))
		expect_eq(*vtpr, 0x50, "cr8 load exit leaves vtpr");

	trap_set_handler(VEC_GP, l2_record);
	if (tpr_reset(g_cr8_write_rax, 0, 0x50, 0x10) &&
	    vm_run_expect(&vm, EXIT_REASON_VMCALL, "cr8 write bit 4 faults in l2")) {
		expect_eq(seen.vector, VEC_GP, "cr8 write bit 4 is #GP");
		expect_eq(seen.rip, (uint64_t)g_cr8_write_rax_insn,
			  "cr8 write bit 4 #GP rip");
		expect_eq(*vtpr, 0x50, "cr8 write bit 4 leaves vtpr");
	}
	trap_set_handler(VEC_GP, NULL);

	/* A virtual-APIC page outside RAM is no entry failure: 27.2.1.1 asks
	 * only alignment and the physical-address width.  There VTPR reads
	 * as all ones and writes go nowhere, as at any unbacked address. */
	if (tpr_reset(g_cr8_write_rax, 15, 0, 3)) {
		vmcs_write(VIRTUAL_APIC_PAGE_ADDR, VAPIC_OUTSIDE_RAM);
		vm_run_expect(&vm, EXIT_REASON_VMCALL,
			      "virtual-apic page outside ram: entry succeeds");
	}
	if (tpr_reset(g_cr8_read_rax, 15, 0, 0)) {
		vmcs_write(VIRTUAL_APIC_PAGE_ADDR, VAPIC_OUTSIDE_RAM);
		if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
				  "cr8 read with the virtual-apic page outside ram"))
			expect_eq(vm.regs.rax, 0xf,
				  "vtpr outside ram reads all ones, write dropped");
	}

	l1_cr8 = read_cr8();
	expect_eq(l1_cr8, 2, "real tpr untouched by l2 cr8 accesses");
	write_cr8(0);
}

int main(void)
{
	printf("vmxbox nested test: execution controls\n");
	vmxtest_enable();
	stack_top = vmx_guest_stack();
	vm.vmcs = vmx_alloc_region();
	test_section("exception bitmap");
	test_alignment_check();
	test_pf_filter();
	test_section("event injection");
	test_injection();
	test_section("cr shadowing");
	test_cr_shadow();
	test_lmsw();
	test_section("i/o bitmaps");
	test_io_bitmaps();
	test_section("msr bitmaps");
	test_msr_bitmaps();
	test_section("tpr shadow");
	test_tpr_shadow();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
