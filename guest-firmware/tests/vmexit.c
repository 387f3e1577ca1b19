// SPDX-License-Identifier: MIT
/*
 * One VM exit per row (SDM ch. 26 and 28, Appendix C): the L2 snippet
 * executes one instruction; L1 checks the basic exit reason, the guest
 * RIP, the VM-exit instruction length, the exit qualification (Tables
 * 28-1 .. 28-5) and, for instruction exits, that skipping the instruction
 * resumes the guest right after it.
 */
#include "vmxtest.h"
#include "guest_asm.h"

#define ANY ~0ULL

struct exit_row {
	const char *name;
	void (*guest)(void);
	const char *insn, *next;
	void (*setup)(void);
	uint32_t reason;
	uint64_t qual;		/* ANY: not checked */
	bool fault;		/* exception-like: no length, RIP stays */
};

static struct vmx_vm vm;
static uint64_t stack_top;
static void *msr_bitmap;

static void proc(uint32_t bits)
{
	if (!vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, bits, 0))
		test_skip_fail("control 0x%x not available", bits);
}

static void sec(uint32_t bits)
{
	if (!vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, bits, 0))
		test_skip_fail("secondary control 0x%x not available", bits);
}

static void s_hlt(void) { proc(CPU_HLT_EXITING); }
static void s_invlpg(void) { proc(CPU_INVLPG_EXITING); }
static void s_rdpmc(void) { proc(CPU_RDPMC_EXITING); }
static void s_rdtsc(void) { proc(CPU_RDTSC_EXITING); }
/* RDTSCP: "RDTSC exiting" with "enable RDTSCP" (else #UD, 26.1.3). */
static void s_rdtscp(void)
{
	proc(CPU_RDTSC_EXITING);
	sec(SEC_ENABLE_RDTSCP);
}
static void s_pause(void) { proc(CPU_PAUSE_EXITING); }
static void s_wbinvd(void) { sec(SEC_WBINVD_EXITING); }
static void s_cr3_load(void) { proc(CPU_CR3_LOAD_EXITING); }
static void s_cr3_store(void) { proc(CPU_CR3_STORE_EXITING); }
static void s_cr8_load(void) { proc(CPU_CR8_LOAD_EXITING); }
static void s_cr8_store(void) { proc(CPU_CR8_STORE_EXITING); }
static void s_movdr(void) { proc(CPU_MOV_DR_EXITING); }
static void s_io(void) { proc(CPU_UNCOND_IO_EXITING); }
static void s_desc(void) { sec(SEC_DESC_TABLE_EXITING); }
static void s_rdrand(void) { sec(SEC_RDRAND_EXITING); }
static void s_rdseed(void) { sec(SEC_RDSEED_EXITING); }
static void s_monitor(void) { proc(CPU_MONITOR_EXITING); }
static void s_mwait(void) { proc(CPU_MWAIT_EXITING); }
/* XSETBV #UDs without CR4.OSXSAVE, before any exit. */
static void s_osxsave(void)
{
	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) | CR4_OSXSAVE);
}

/* CR0.TS owned by L1; the shadow says what L2 believes. */
static void s_cr0_ts(void)
{
	vmcs_write(CR0_GUEST_HOST_MASK, CR0_TS);
	vmcs_write(CR0_READ_SHADOW, vmcs_read(GUEST_CR0) & CR0_TS);
}

static void s_clts(void)
{
	vmcs_write(CR0_GUEST_HOST_MASK, CR0_TS);
	vmcs_write(CR0_READ_SHADOW, CR0_TS);
}

static void s_msr(void)
{
	memset(msr_bitmap, 0, PAGE_SIZE);
	msr_bitmap_set(msr_bitmap, MSR_IA32_SYSENTER_CS, true, false);
	msr_bitmap_set(msr_bitmap, MSR_IA32_SYSENTER_ESP, false, true);
	vmcs_write(MSR_BITMAP, (uint64_t)msr_bitmap);
}

static void s_ud(void) { vmcs_write(EXCEPTION_BITMAP, 1U << VEC_UD); }
static void s_bp(void) { vmcs_write(EXCEPTION_BITMAP, 1U << VEC_BP); }

#define INSN_ROW(n, g, s, r, q) \
	{ n, g_##g, g_##g##_insn, g_##g##_next, s, r, q, false }

static const struct exit_row rows[] = {
	INSN_ROW("cpuid", cpuid, NULL, EXIT_REASON_CPUID, 0),
	INSN_ROW("vmcall", vmcall, NULL, EXIT_REASON_VMCALL, 0),
	INSN_ROW("hlt", hlt, s_hlt, EXIT_REASON_HLT, 0),
	INSN_ROW("invlpg", invlpg, s_invlpg, EXIT_REASON_INVLPG, 0x123000),
	INSN_ROW("rdpmc", rdpmc, s_rdpmc, EXIT_REASON_RDPMC, 0),
	INSN_ROW("rdtsc", rdtsc, s_rdtsc, EXIT_REASON_RDTSC, 0),
	INSN_ROW("rdtscp", rdtscp, s_rdtscp, EXIT_REASON_RDTSCP, 0),
	INSN_ROW("invd", invd, NULL, EXIT_REASON_INVD, 0),
	INSN_ROW("wbinvd", wbinvd, s_wbinvd, EXIT_REASON_WBINVD, 0),
	INSN_ROW("pause", pause, s_pause, EXIT_REASON_PAUSE, 0),
	/* Table 28-3: CR number, access type << 4, GPR << 8 */
	INSN_ROW("mov to cr3", cr3_load, s_cr3_load, EXIT_REASON_CR_ACCESS,
		 0x303),
	INSN_ROW("mov from cr3", cr3_store, s_cr3_store, EXIT_REASON_CR_ACCESS,
		 0x613),
	INSN_ROW("mov to cr8", cr8_load, s_cr8_load, EXIT_REASON_CR_ACCESS,
		 0x208),
	INSN_ROW("mov from cr8", cr8_store, s_cr8_store, EXIT_REASON_CR_ACCESS,
		 0x918),
	INSN_ROW("mov to cr0 masked bit", cr0_write, s_cr0_ts,
		 EXIT_REASON_CR_ACCESS, 0x000),
	INSN_ROW("clts with ts masked", clts, s_clts, EXIT_REASON_CR_ACCESS,
		 0x020),
	/* Table 28-4: DR number, direction << 4, GPR << 8 */
	INSN_ROW("mov to dr7", dr7_write, s_movdr, EXIT_REASON_DR_ACCESS, 0x007),
	INSN_ROW("mov from dr6", dr6_read, s_movdr, EXIT_REASON_DR_ACCESS, 0x316),
	/* Table 28-5: size-1, IN << 3, immediate << 6, port << 16 */
	INSN_ROW("out imm8", out_imm, s_io, EXIT_REASON_IO_INSTRUCTION,
		 0x00800040),
	INSN_ROW("in dx word", in_dx, s_io, EXIT_REASON_IO_INSTRUCTION,
		 0x12340009),
	INSN_ROW("rdmsr intercepted", rdmsr, s_msr, EXIT_REASON_MSR_READ, 0),
	INSN_ROW("wrmsr intercepted", wrmsr, s_msr, EXIT_REASON_MSR_WRITE, 0),
	INSN_ROW("sgdt", sgdt, s_desc, EXIT_REASON_GDTR_IDTR, 0),
	INSN_ROW("str", str, s_desc, EXIT_REASON_LDTR_TR, 0),
	/* VMX instructions always exit in non-root operation (26.1.3);
	 * qualification = displacement of the memory operand. */
	INSN_ROW("vmxon", vmxon, NULL, EXIT_REASON_VMXON, 0),
	INSN_ROW("vmxoff", vmxoff, NULL, EXIT_REASON_VMXOFF, ANY),
	INSN_ROW("vmclear", vmclear, NULL, EXIT_REASON_VMCLEAR, 0),
	INSN_ROW("vmptrld", vmptrld, NULL, EXIT_REASON_VMPTRLD, 0),
	INSN_ROW("vmptrst", vmptrst, NULL, EXIT_REASON_VMPTRST, 0),
	INSN_ROW("vmread", vmread, NULL, EXIT_REASON_VMREAD, ANY),
	INSN_ROW("vmwrite", vmwrite, NULL, EXIT_REASON_VMWRITE, ANY),
	INSN_ROW("vmlaunch", vmlaunch, NULL, EXIT_REASON_VMLAUNCH, ANY),
	INSN_ROW("vmresume", vmresume, NULL, EXIT_REASON_VMRESUME, ANY),
	INSN_ROW("invept", invept, NULL, EXIT_REASON_INVEPT, 0),
	INSN_ROW("invvpid", invvpid, NULL, EXIT_REASON_INVVPID, 0),
	/* XSETBV exits unconditionally (SDM 26.1.2). */
	INSN_ROW("xsetbv", xsetbv, s_osxsave, EXIT_REASON_XSETBV, 0),
	/* RDRAND/RDSEED exiting (secondary controls 11, 16). */
	INSN_ROW("rdrand", rdrand, s_rdrand, EXIT_REASON_RDRAND, 0),
	INSN_ROW("rdseed", rdseed, s_rdseed, EXIT_REASON_RDSEED, 0),
	/* MONITOR/MWAIT exiting (primary controls 29, 10); MWAIT's
	 * qualification: monitoring hardware armed (SDM 28.2.1). */
	INSN_ROW("monitor", monitor, s_monitor, EXIT_REASON_MONITOR, 0),
	INSN_ROW("mwait unarmed", mwait, s_mwait, EXIT_REASON_MWAIT, 0),
	INSN_ROW("mwait armed", monitor_mwait, s_mwait,
		 EXIT_REASON_MWAIT, 1),
};

static void check_insn_exit(const struct exit_row *row)
{
	uint64_t len = (uint64_t)(row->next - row->insn);
	char name[96];
	int r;

	vmx_vm_reset(&vm, row->guest, stack_top);
	if (row->setup)
		row->setup();
	r = vmx_vm_run(&vm);
	snprintf(name, sizeof(name), "exit %s reason", row->name);
	if (!expect_vmx(r, VMX_SUCCEED, 0, "exit %s entry", row->name))
		return;
	if (!test_result(vm.exit_reason == row->reason, name,
			 "got %u (%s) expected %u (%s), qualification 0x%lx",
			 vm.exit_reason,
			 vmx_exit_reason_name(EXIT_REASON_BASIC(vm.exit_reason)),
			 row->reason, vmx_exit_reason_name(row->reason),
			 vm.exit_qual))
		return;
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)row->insn,
		  "exit %s guest rip", row->name);
	expect_eq(vm.exit_insn_len, len, "exit %s instruction length",
		  row->name);
	if (row->qual != ANY)
		expect_eq(vm.exit_qual, row->qual, "exit %s qualification",
			  row->name);
	vmx_skip_insn();
	r = vmx_vm_run(&vm);
	snprintf(name, sizeof(name), "exit %s resumes after it", row->name);
	test_result(r == VMX_SUCCEED && vm.exit_reason == EXIT_REASON_VMCALL &&
		    vmcs_read(GUEST_RIP) == (uint64_t)row->next, name,
		    "result %d exit reason %u rip 0x%lx, expected VMCALL at 0x%lx",
		    r, vm.exit_reason, vmcs_read(GUEST_RIP),
		    (uint64_t)row->next);
}

/* Run the guest; true if it exited with `reason`. */
/* After an event exit: resume at `rip` and expect the final VMCALL. */
static void resume_to_vmcall(uint64_t rip, const char *name)
{
	vmcs_write(GUEST_RIP, rip);
	vm_run_expect(&vm, EXIT_REASON_VMCALL, name);
}

static void test_exceptions(void)
{
	uint64_t *page = page_alloc();

	vmx_vm_reset(&vm, g_ud2, stack_top);
	s_ud();
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "exception #UD exits")) {
		expect_eq(vm.exit_intr_info, INTR_INFO(VEC_UD,
			  INTR_TYPE_HW_EXCEPTION, 0), "exception #UD intr info");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_ud2_insn,
			  "exception #UD guest rip");
		resume_to_vmcall((uint64_t)g_ud2_next,
				 "exception #UD guest resumes");
	}

	vmx_vm_reset(&vm, g_int3, stack_top);
	s_bp();
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "exception #BP exits")) {
		expect_eq(vm.exit_intr_info, INTR_INFO(VEC_BP,
			  INTR_TYPE_SW_EXCEPTION, 0), "exception #BP intr info");
		expect_eq(vm.exit_insn_len, 1, "exception #BP instruction length");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_int3_insn,
			  "exception #BP guest rip");
	}

	/* #PF: qualification = linear address; CR2 is not written (28.1). */
	page[3] = 0xfeed;
	paging_update((uint64_t)page, 0, PTE_P);
	vmx_vm_reset(&vm, g_memread, stack_top);
	vm.regs.rsi = (uint64_t)(page + 3);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_PF);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "exception #PF exits")) {
		expect_eq(vm.exit_intr_info, INTR_INFO(VEC_PF,
			  INTR_TYPE_HW_EXCEPTION, 1), "exception #PF intr info");
		expect_eq(vm.exit_intr_error, 0, "exception #PF error code");
		expect_eq(vm.exit_qual, (uint64_t)(page + 3),
			  "exception #PF qualification is the address");
		paging_update((uint64_t)page, PTE_P, 0);
		if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			       "exception #PF guest retries after fix"))
			expect_eq(vm.regs.rax, 0xfeed,
				  "exception #PF retried load value");
	}
	paging_update((uint64_t)page, PTE_P, 0);

	/* No IDT for L2: #UD -> #GP -> #DF -> triple fault (28.1). */
	vmx_vm_reset(&vm, g_ud2, stack_top);
	vmcs_write(GUEST_IDTR_LIMIT, 0);
	vm_run_expect(&vm, EXIT_REASON_TRIPLE_FAULT, "triple fault exits");
}

static void test_preemption_timer_in_hlt(void);

static void test_windows_and_timers(void)
{
	vmx_vm_reset(&vm, g_nops, stack_top);
	vmcs_write(GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_IF);
	proc(CPU_INTR_WINDOW_EXITING);
	if (vm_run_expect(&vm, EXIT_REASON_INTERRUPT_WINDOW,
		       "interrupt window exits at once")) {
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_nops,
			  "interrupt window before the first instruction");
		vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, 0, CPU_INTR_WINDOW_EXITING);
		vm_run_expect(&vm, EXIT_REASON_VMCALL, "interrupt window cleared runs");
	}

	vmx_vm_reset(&vm, g_nops, stack_top);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING |
		    PIN_VIRTUAL_NMIS, 0);
	proc(CPU_NMI_WINDOW_EXITING);
	if (vm_run_expect(&vm, EXIT_REASON_NMI_WINDOW, "nmi window exits at once"))
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_nops,
			  "nmi window before the first instruction");

	vmx_vm_reset(&vm, g_nops, stack_top);
	proc(CPU_MONITOR_TRAP_FLAG);
	if (vm_run_expect(&vm, EXIT_REASON_MONITOR_TRAP_FLAG, "mtf exits"))
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_nops + 1,
			  "mtf after one instruction");
	if (vm_run_expect(&vm, EXIT_REASON_MONITOR_TRAP_FLAG, "mtf exits again"))
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_nops + 2,
			  "mtf after the next instruction");

	vmx_vm_reset(&vm, g_nops, stack_top);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER, 0);
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 0);
	if (vm_run_expect(&vm, EXIT_REASON_PREEMPTION_TIMER, "preemption timer 0 exits"))
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_nops,
			  "preemption timer 0 before the first instruction");

	vmx_vm_reset(&vm, g_spin, stack_top);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER, 0);
	vmx_set_ctl(VM_EXIT_CONTROLS, EXIT_SAVE_PREEMPTION_TIMER, 0);
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 50);
	if (vm_run_expect(&vm, EXIT_REASON_PREEMPTION_TIMER,
		       "preemption timer 50 stops a spinning guest")) {
		report(vm.regs.rbx > 0, "preemption timer guest made progress");
		expect_eq(vmcs_read(VMX_PREEMPTION_TIMER_VALUE), 0,
			  "preemption timer saved value is 0");
	}
	test_preemption_timer_in_hlt();
}

/*
 * An L2 that halts keeps its VMX-preemption timer counting: the timer
 * expires in the HLT state and causes its VM exit (SDM 26.5.1), which
 * saves the HLT activity state.  Both an HLT executed without HLT exiting
 * and a VM entry in the HLT activity state.  The time L1 sees pass is the
 * timer value in TSC units (value << IA32_VMX_MISC[4:0]).
 */
static void test_preemption_timer_in_hlt(void)
{
	unsigned rate = VMX_MISC_PREEMPT_RATE(rdmsr(MSR_IA32_VMX_MISC));
	uint64_t t0, t1, want = 20000ull << rate;

	vmx_vm_reset(&vm, g_hlt, stack_top);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER, 0);
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 20000);
	t0 = rdtsc();
	if (vm_run_expect(&vm, EXIT_REASON_PREEMPTION_TIMER,
			  "preemption timer ends an l2 hlt")) {
		t1 = rdtsc();
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_hlt_next,
			  "hlt completed: rip after it");
		expect_eq(vmcs_read(GUEST_ACTIVITY_STATE), ACTIVITY_HLT,
			  "exit saved the hlt activity state");
		report(t1 - t0 >= want && t1 - t0 < want + 20000,
		       "l2 slept the timer's time in hlt");
	}

	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER, 0);
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 1000);
	vmcs_write(GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
	if (vm_run_expect(&vm, EXIT_REASON_PREEMPTION_TIMER,
			  "preemption timer ends the hlt activity state")) {
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_vmcall,
			  "entered halted: no instruction ran");
		expect_eq(vmcs_read(GUEST_ACTIVITY_STATE), ACTIVITY_HLT,
			  "still in the hlt activity state");
	}
	vmcs_write(GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
}

/* ---- NMI unblocking due to IRET, MTF after injection, task switches --- */

static void test_iret_nmi_unblocking(void)
{
	/* SDM 28.2.3: the IRET removed blocking by NMI, then faulted. */
	vmx_vm_reset(&vm, g_iret_null_cs, stack_top);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_GP);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_NMI);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "iret #GP exits")) {
		expect_eq(vm.exit_intr_info, INTR_INFO(VEC_GP,
			  INTR_TYPE_HW_EXCEPTION, 1) | (1U << 12),
			  "iret #GP intr info has nmi unblocking (bit 12)");
		expect_eq(vm.exit_intr_error, 0, "iret #GP error code");
		expect_eq(vmcs_read(IDT_VECTORING_INFO) & INTR_INFO_VALID, 0,
			  "iret #GP no idt vectoring");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_iret_null_cs_insn,
			  "iret #GP guest rip");
		expect_eq(vmcs_read(GUEST_INTERRUPTIBILITY_INFO), 0,
			  "iret #GP saved state has no nmi blocking");
	}
	/* Virtual NMIs: the IRET removed virtual-NMI blocking. */
	vmx_vm_reset(&vm, g_iret_null_cs, stack_top);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING |
		    PIN_VIRTUAL_NMIS, 0);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_GP);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_NMI);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "iret #GP virtual nmis exits")) {
		expect_eq(vm.exit_intr_info, INTR_INFO(VEC_GP,
			  INTR_TYPE_HW_EXCEPTION, 1) | (1U << 12),
			  "iret #GP virtual nmis: bit 12");
		expect_eq(vmcs_read(GUEST_INTERRUPTIBILITY_INFO), 0,
			  "iret #GP virtual nmis: no virtual-nmi blocking saved");
	}
	/* NMI exiting without virtual NMIs: IRET keeps NMI blocking. */
	vmx_vm_reset(&vm, g_iret_null_cs, stack_top);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING, 0);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_GP);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_NMI);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "iret #GP nmi exiting exits"))
		expect_eq(vmcs_read(GUEST_INTERRUPTIBILITY_INFO),
			  INTERRUPTIBILITY_NMI,
			  "iret #GP nmi exiting: nmi blocking kept (26.3)");
	vmx_vm_reset(&vm, g_iret_null_cs, stack_top);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_GP);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "iret #GP unblocked exits"))
		expect_eq(vm.exit_intr_info, INTR_INFO(VEC_GP,
			  INTR_TYPE_HW_EXCEPTION, 1),
			  "iret #GP without nmi blocking: bit 12 clear");
}

/* SDM 26.5.2: MTF with an injected #UD exits before the handler's first
 * instruction (L2 shares L1's IDT: the handler is L1's #UD gate). */
static void test_mtf_after_injection(void)
{
	const uint64_t *gate = (const uint64_t *)(idt_base() + 16 * VEC_UD);
	uint64_t handler = (gate[0] & 0xffff) | ((gate[0] >> 32) & 0xffff0000) |
			   (gate[1] << 32);

	vmx_vm_reset(&vm, g_nops, stack_top);
	proc(CPU_MONITOR_TRAP_FLAG);
	vmcs_write(VM_ENTRY_INTR_INFO,
		   INTR_INFO(VEC_UD, INTR_TYPE_HW_EXCEPTION, 0));
	if (vm_run_expect(&vm, EXIT_REASON_MONITOR_TRAP_FLAG,
		       "mtf after injected #UD exits")) {
		expect_eq(vmcs_read(GUEST_RIP), handler,
			  "mtf after injected #UD: guest rip is the handler");
		expect_eq(vmcs_read(IDT_VECTORING_INFO) & INTR_INFO_VALID,
			  0, "mtf after injected #UD: no idt vectoring");
	}
}

/* A 32-bit protected-mode L2 (unrestricted guest, EPT identity map) with
 * its own GDT: an available 32-bit TSS at 0x38, a task gate to it at 0x40
 * and a busy 32-bit TSS at 0x48; TR is a 32-bit TSS whose back link is
 * 0x48; its IDT has a DPL 3 task gate to 0x38 at vector 0x40. */
static bool setup_guest32(void (*rip)(void), struct ept *ept)
{
	static uint64_t *gdt, *idt;
	static uint16_t *tr;

	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT |
			      SEC_UNRESTRICTED_GUEST)) {
		report(false, "task switch: unrestricted guest + EPT advertised");
		return false;
	}
	if (!gdt) {
		uint64_t tss = (uint64_t)page_alloc();

		gdt = page_alloc();
		memcpy(gdt, (const void *)gdt_base(), 8 * 7);
		gdt[7] = 0x67 | ((tss & 0xffffff) << 16) | (0x89ULL << 40) |
			 ((tss >> 24 & 0xff) << 56);
		gdt[8] = (0x38ULL << 16) | (0x85ULL << 40);
		gdt[9] = 0x67 | ((tss & 0xffffff) << 16) | (0x8bULL << 40) |
			 ((tss >> 24 & 0xff) << 56);
		tr = page_alloc();
		tr[0] = 0x48;			/* back link */
		idt = page_alloc();
		idt[0x40] = (0x38ULL << 16) | (0xe5ULL << 40);
	}
	vmx_vm_reset(&vm, rip, stack_top);
	vmcs_write(EPT_POINTER, ept->eptp);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT |
		    SEC_UNRESTRICTED_GUEST, 0);
	vmx_set_ctl(VM_ENTRY_CONTROLS, 0, ENTRY_IA32E_MODE_GUEST);
	vmcs_write(GUEST_CR0, vmcs_read(GUEST_CR0) & ~CR0_PG);
	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) & ~(1ULL << 17));
	vmcs_write(GUEST_IA32_EFER, 0);
	vmcs_write(GUEST_CS_SELECTOR, SEL_CODE32);
	vmcs_write(GUEST_CS_AR_BYTES, 0xc09b);
	vmcs_write(GUEST_FS_BASE, 0);
	vmcs_write(GUEST_GS_BASE, 0);
	vmcs_write(GUEST_GDTR_BASE, (uint64_t)gdt);
	vmcs_write(GUEST_GDTR_LIMIT, 8 * 10 - 1);
	vmcs_write(GUEST_IDTR_BASE, (uint64_t)idt);
	vmcs_write(GUEST_IDTR_LIMIT, 8 * 256 - 1);
	vmcs_write(GUEST_TR_BASE, (uint64_t)tr);
	vmcs_write(GUEST_TR_LIMIT, 0x67);
	return true;
}

/* SDM 26.4.2, Table 28-2: exit 9, qualification = TSS selector | source
 * << 30, instruction length of the CALL/JMP, guest RIP = the CALL/JMP. */
static void test_task_switch(void)
{
	static const struct {
		const char *name;
		void (*guest)(void);
		const char *insn, *next;
		uint64_t qual;
		uint32_t idt_vectoring;
	} rows[] = {
		{ "jmp far to tss", g_jmp_tss32, g_jmp_tss32_insn,
		  g_jmp_tss32_next, (2ULL << 30) | 0x38, 0 },
		{ "call far through task gate", g_call_gate32,
		  g_call_gate32_insn, g_call_gate32_next, 0x38, 0 },
		{ "iret with nt", g_iret_nt32, g_iret_nt32_insn,
		  g_iret_nt32_next, (1ULL << 30) | 0x48, 0 },
		{ "int 0x40 through idt task gate", g_int_gate32,
		  g_int_gate32_insn, g_int_gate32_next, (3ULL << 30) | 0x38,
		  INTR_INFO(0x40, INTR_TYPE_SW_INTR, 0) },
	};
	struct ept ept;

	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++) {
		char name[80];

		if (!setup_guest32(rows[i].guest, &ept))
			return;
		snprintf(name, sizeof(name), "task switch: %s exits",
			 rows[i].name);
		if (!vm_run_expect(&vm, EXIT_REASON_TASK_SWITCH, name))
			continue;
		expect_eq(vm.exit_qual, rows[i].qual,
			  "task switch: %s qualification", rows[i].name);
		expect_eq(vm.exit_insn_len,
			  (uint64_t)(rows[i].next - rows[i].insn),
			  "task switch: %s instruction length", rows[i].name);
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)rows[i].insn,
			  "task switch: %s guest rip", rows[i].name);
		expect_eq(vmcs_read(IDT_VECTORING_INFO), rows[i].idt_vectoring,
			  "task switch: %s idt vectoring", rows[i].name);
	}
}

int main(void)
{
	printf("vmxbox nested test: vm exits\n");
	vmxtest_enable();
	stack_top = vmx_guest_stack();
	msr_bitmap = page_alloc();
	vm.vmcs = vmx_alloc_region();
	test_section("instruction exits");
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++)
		check_insn_exit(&rows[i]);
	test_section("exceptions");
	test_exceptions();
	test_section("windows, mtf, preemption timer");
	test_windows_and_timers();
	test_section("nmi unblocking, mtf after injection, task switch");
	test_iret_nmi_unblocking();
	test_mtf_after_injection();
	test_task_switch();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
