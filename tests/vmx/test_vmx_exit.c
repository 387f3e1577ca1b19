// SPDX-License-Identifier: MIT
/*
 * VM exits (SDM 28) and the non-root exit decisions (SDM 26): exit
 * information, guest-state save, host-state load, MSR-store/-load lists,
 * VMX abort, every intercept kind with its control, qualifications and
 * instruction information.  The exits decided by control fields (CR masks
 * and shadows, TSC, I/O and MSR bitmaps, the exception bitmap) are in
 * test_vmx_exit_ctl.c, linked into the same vmx_exit test.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "exit_fixture.h"

/* ---- the VM exit itself ---------------------------------------------- */

/* "IA-32e mode guest" is saved from EFER.LMA both ways (SDM 28.2 with
 * IA32_VMX_MISC[5]): a guest that left IA-32e mode clears it. */
START_TEST(exit_saves_ia32e_mode_guest_from_lma)
{
	struct x86_intercept ic = icpt(ICPT_CPUID, 2);

	ck_assert(fr(&F, VMCS_VM_ENTRY_CONTROLS) & ENTRY_CTL_IA32E_MODE_GUEST);
	F.cpu.efer &= ~EFER_LMA;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CPUID, 0);
	ck_assert(!(fr(&F, VMCS_VM_ENTRY_CONTROLS) &
		    ENTRY_CTL_IA32E_MODE_GUEST));
}
END_TEST

START_TEST(exit_saves_guest_and_loads_host)
{
	struct x86_intercept ic = icpt(ICPT_CPUID, 2);

	F.cpu.rip = 0x402345;
	F.cpu.gpr[GPR_RSP] = 0x6ff0;
	F.cpu.gpr[GPR_RAX] = 0xabc;
	F.cpu.rflags = 0x287;
	F.cpu.cr3 = 0x250000;
	F.cpu.cr0 |= CR0_TS;
	F.cpu.seg[SEG_DS].sel = 0x2b;
	F.cpu.seg[SEG_DS].ar = 0xc0f3;
	F.cpu.seg[SEG_GS].base = 0x55550000;
	F.cpu.gdtr.limit = 0x57;
	F.cpu.interruptibility = INTR_BLOCK_STI;
	F.cpu.msr.sysenter_eip = 0x777;
	F.cpu.msr.debugctl = 1;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CPUID, 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INSTRUCTION_LEN), 2);
	ck_assert_uint_eq(fr(&F, VMCS_IDT_VECTORING_INFO_FIELD), 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO), 0);
	/* Guest state saved (SDM 28.3). */
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), 0x402345);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RSP), 0x6ff0);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RFLAGS), 0x287);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_CR3), 0x250000);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_CR0), FIX_CR0 | CR0_TS);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_DS_SELECTOR), 0x2b);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_DS_AR_BYTES), 0xc0f3);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_GS_BASE), 0x55550000);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_GDTR_LIMIT), 0x57);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO),
			  INTR_BLOCK_STI);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_SYSENTER_EIP), 0x777);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_IA32_EFER),
			  EFER_SCE | EFER_LME | EFER_LMA);
	/* Not saved without "save debug controls" (stays as written). */
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_IA32_DEBUGCTL), 0);
	ck_assert(fr(&F, VMCS_VM_ENTRY_CONTROLS) & ENTRY_CTL_IA32E_MODE_GUEST);
	/* Host state loaded (SDM 28.5). */
	ck_assert_uint_eq(F.cpu.gpr[GPR_RSP], FIX_HOST_RSP);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RAX], 0xabc);
	ck_assert_uint_eq(F.cpu.rflags, RFLAGS_FIXED1);
	ck_assert_uint_eq(F.cpu.cr0, FIX_CR0);
	ck_assert_uint_eq(F.cpu.cr3, FIX_HOST_CR3);
	ck_assert_uint_eq(F.cpu.cr4, FIX_CR4);
	ck_assert_uint_eq(F.cpu.dr[7], 0x400);
	ck_assert_uint_eq(F.cpu.msr.debugctl, 0);
	ck_assert_uint_eq(F.cpu.efer, EFER_SCE | EFER_LME | EFER_LMA);
	ck_assert_uint_eq(F.cpu.seg[SEG_CS].sel, 0x08);
	ck_assert_uint_eq(F.cpu.seg[SEG_CS].ar, 0xa09b);
	ck_assert_uint_eq(F.cpu.seg[SEG_CS].base, 0);
	ck_assert_uint_eq(F.cpu.seg[SEG_CS].limit, 0xffffffff);
	ck_assert_uint_eq(F.cpu.seg[SEG_SS].sel, 0x10);
	ck_assert_uint_eq(F.cpu.seg[SEG_SS].ar, 0xc093);
	ck_assert_uint_eq(F.cpu.seg[SEG_DS].sel, 0x10);
	ck_assert_uint_eq(F.cpu.seg[SEG_FS].sel, 0);
	ck_assert(F.cpu.seg[SEG_FS].ar & SEG_AR_UNUSABLE);
	ck_assert_uint_eq(F.cpu.seg[SEG_FS].base, 0x7000);
	ck_assert_uint_eq(F.cpu.seg[SEG_GS].base, 0xffff800000008000ull);
	ck_assert_uint_eq(F.cpu.seg[SEG_TR].sel, 0x18);
	ck_assert_uint_eq(F.cpu.seg[SEG_TR].base, 0x9000);
	ck_assert_uint_eq(F.cpu.seg[SEG_TR].limit, 0x67);
	ck_assert_uint_eq(F.cpu.seg[SEG_TR].ar, 0x8b);
	ck_assert(F.cpu.seg[SEG_LDTR].ar & SEG_AR_UNUSABLE);
	ck_assert_uint_eq(F.cpu.gdtr.base, 0xa000);
	ck_assert_uint_eq(F.cpu.gdtr.limit, 0xffff);
	ck_assert_uint_eq(F.cpu.idtr.base, 0xb000);
	ck_assert_uint_eq(F.cpu.idtr.limit, 0xffff);
	ck_assert_uint_eq(F.cpu.msr.sysenter_cs, 0x8);
	ck_assert_uint_eq(F.cpu.msr.sysenter_esp, 0xc000);
	ck_assert_uint_eq(F.cpu.msr.sysenter_eip, 0xd000);
	ck_assert_uint_eq(F.cpu.interruptibility, 0);
	ck_assert_uint_eq(F.v->last_exit_reason, EXIT_REASON_CPUID);
	ck_assert_uint_eq(F.v->regions[F.v->current_region].exits[10], 1);
}
END_TEST

/* The guest fields that only their own statement saves (SDM 28.3.1:
 * DR7 and IA32_DEBUGCTL with "save debug controls", the SYSENTER MSRs;
 * 28.3.2: GDTR/IDTR base and limit), and host CR4 replacing a guest CR4
 * that differs from it (28.5.1). */
START_TEST(exit_saves_debug_sysenter_tables_loads_host_cr4)
{
	struct x86_intercept ic = icpt(ICPT_CPUID, 2);

	fset(&F, VMCS_VM_EXIT_CONTROLS, EXIT_CTL_SAVE_DEBUG_CONTROLS);
	F.cpu.dr[7] = 0x4a5;
	F.cpu.msr.debugctl = 2;
	F.cpu.msr.sysenter_cs = 0x23;
	F.cpu.msr.sysenter_esp = 0x12345678;
	F.cpu.msr.sysenter_eip = 0x9abc;
	F.cpu.gdtr.base = 0x31000;
	F.cpu.gdtr.limit = 0x3f;
	F.cpu.idtr.base = 0x32000;
	F.cpu.idtr.limit = 0x1ff;
	F.cpu.cr4 = FIX_CR4 | CR4_PGE | CR4_OSFXSR;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CPUID, 0);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_DR7), 0x4a5);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_IA32_DEBUGCTL), 2);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_SYSENTER_CS), 0x23);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_SYSENTER_ESP), 0x12345678);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_SYSENTER_EIP), 0x9abc);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_GDTR_BASE), 0x31000);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_GDTR_LIMIT), 0x3f);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_IDTR_BASE), 0x32000);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_IDTR_LIMIT), 0x1ff);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_CR4), FIX_CR4 | CR4_PGE | CR4_OSFXSR);
	ck_assert_uint_eq(F.cpu.cr4, FIX_CR4);
	ck_assert_uint_eq(F.cpu.dr[7], 0x400);
	ck_assert_uint_eq(F.cpu.msr.debugctl, 0);
}
END_TEST

/* VM entry starts L2 with no event in delivery (SDM 27.6): a stale one
 * of L1's must not show up as IDT-vectoring information of L2's first
 * exit. */
START_TEST(entry_forgets_event_in_delivery)
{
	struct x86_intercept ic = icpt(ICPT_CPUID, 2);

	fix_fini(&F);
	fix_init(&F, true);
	F.cpu.injected = (struct x86_event){ .valid = true,
		.type = EVT_HW_EXCEPTION, .vector = 13 };
	fix_enter(&F);
	F.state_changed = 0;
	ck_assert(!F.cpu.injected.valid);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CPUID, 0);
	ck_assert_uint_eq(fr(&F, VMCS_IDT_VECTORING_INFO_FIELD), 0);
}
END_TEST

START_TEST(exit_clears_entry_injection_valid_bit)
{
	fw(&F, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | 0x30);
	ck_assert_int_eq(vmx_vmexit(F.v, &F.ctx, EXIT_REASON_HLT, 0, NULL),
			 ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_ENTRY_INTR_INFO_FIELD), 0x30);
}
END_TEST

/* SDM 28.2.4: an event being delivered when the exit happened. */
START_TEST(exit_records_idt_vectoring)
{
	struct x86_intercept ic = icpt(ICPT_EXCEPTION, 0);

	F.cpu.injected = (struct x86_event){ .valid = true,
		.type = EVT_SW_INTR, .vector = 0x80, .insn_len = 2 };
	fset(&F, VMCS_EXCEPTION_BITMAP, 1u << 14);
	ic.u.exc.vector = 14;
	ic.u.exc.type = EVT_HW_EXCEPTION;
	ic.u.exc.has_error_code = true;
	ic.u.exc.error_code = 0x2;
	ic.u.exc.qualification = 0xdead000;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_EXCEPTION_NMI, 0xdead000);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | INTR_INFO_DELIVER_CODE | (3u << 8) | 14);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_ERROR_CODE), 2);
	ck_assert_uint_eq(fr(&F, VMCS_IDT_VECTORING_INFO_FIELD),
			  INTR_INFO_VALID | (4u << 8) | 0x80);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INSTRUCTION_LEN), 2);
	ck_assert(!F.cpu.injected.valid);
	ck_assert_uint_eq(F.cpu.cr2, 0);   /* CR2 not written */
}
END_TEST

/* The VM-exit instruction length of an exit during event delivery is the
 * length of the instruction that raised a software interrupt, software
 * exception or privileged software exception (SDM 28.2.4, 28.2.5); a
 * hardware exception being delivered leaves it as the exit sets it. */
static const struct {
	uint8_t type, vector, len, expect;
} vectoring_len[] = {
	{ EVT_SW_INTR, 0x80, 2, 2 },
	{ EVT_SW_EXCEPTION, 3, 1, 1 },
	{ EVT_PRIV_SW_EXCEPTION, 1, 1, 1 },
	{ EVT_HW_EXCEPTION, 13, 3, 0 },
	{ EVT_NMI, 2, 2, 0 },
};

START_TEST(exit_idt_vectoring_instruction_length)
{
	struct x86_intercept ic = icpt(ICPT_EXCEPTION, 0);

	F.cpu.injected = (struct x86_event){ .valid = true,
		.type = vectoring_len[_i].type,
		.vector = vectoring_len[_i].vector,
		.insn_len = vectoring_len[_i].len };
	fset(&F, VMCS_EXCEPTION_BITMAP, 1u << 14);
	ic.u.exc.vector = 14;
	ic.u.exc.type = EVT_HW_EXCEPTION;
	ic.u.exc.has_error_code = true;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_IDT_VECTORING_INFO_FIELD),
			  INTR_INFO_VALID | (uint32_t)vectoring_len[_i].type << 8 |
			  vectoring_len[_i].vector);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INSTRUCTION_LEN),
			  vectoring_len[_i].expect);
}
END_TEST

static void msr_entry(uint64_t at, unsigned i, uint64_t head, uint64_t data)
{
	gmem_write_u64(&F.mem, at + 16 * i, head);
	gmem_write_u64(&F.mem, at + 16 * i + 8, data);
}

START_TEST(exit_msr_store_and_load_lists)
{
	const uint64_t store = FIX_MSR_AREA, load = FIX_MSR_AREA + 0x100;

	F.cpu.msr.lstar = 0xffffffff81000000ull;
	F.cpu.tsc = 123456;
	msr_entry(store, 0, 0xc0000082, 0);
	msr_entry(store, 1, 0x10, 0);
	msr_entry(store, 2, 0x480, 0);
	msr_entry(load, 0, 0xc0000082, 0xffffffff82000000ull);
	fw(&F, VMCS_VM_EXIT_MSR_STORE_ADDR, store);
	fw(&F, VMCS_VM_EXIT_MSR_STORE_COUNT, 3);
	fw(&F, VMCS_VM_EXIT_MSR_LOAD_ADDR, load);
	fw(&F, VMCS_VM_EXIT_MSR_LOAD_COUNT, 1);
	ck_assert_int_eq(vmx_vmexit(F.v, &F.ctx, EXIT_REASON_HLT, 0, NULL),
			 ICPT_SWITCHED);
	{
		uint64_t a, b, c, basic;

		gmem_read_u64(&F.mem, store + 8, &a);
		gmem_read_u64(&F.mem, store + 24, &b);
		gmem_read_u64(&F.mem, store + 40, &c);
		vmx_caps_msr(&F.v->caps, 0x480, &basic);
		ck_assert_uint_eq(a, 0xffffffff81000000ull);
		ck_assert_uint_eq(b, 123456);
		ck_assert_uint_eq(c, basic);
	}
	ck_assert_uint_eq(F.cpu.msr.lstar, 0xffffffff82000000ull);
	ck_assert_uint_eq(F.cpu.activity, ACTIVITY_ACTIVE);
}
END_TEST

/* SDM 28.7: a bad VM-exit MSR-load entry is a VMX abort. */
START_TEST(vmx_abort_on_bad_host_msr)
{
	uint32_t ind = 0;

	msr_entry(FIX_MSR_AREA, 0, 0xc0000100, 0);
	fw(&F, VMCS_VM_EXIT_MSR_LOAD_ADDR, FIX_MSR_AREA);
	fw(&F, VMCS_VM_EXIT_MSR_LOAD_COUNT, 1);
	ck_assert_int_eq(vmx_vmexit(F.v, &F.ctx, EXIT_REASON_HLT, 0, NULL),
			 ICPT_SWITCHED);
	gmem_read_u32(&F.mem, FIX_VMCS + VMCS_OFF_ABORT, &ind);
	ck_assert_uint_eq(ind, VMX_ABORT_LOAD_HOST_MSR);
	ck_assert_uint_eq(F.cpu.activity, ACTIVITY_SHUTDOWN);
	ck_assert(!F.v->nonroot);
}
END_TEST

/* The stateless MSRs go through the same core path as WRMSR/RDMSR
 * (core/cpu_state.c): IA32_BIOS_SIGN_ID is stored with the microcode
 * revision and MSR_POWER_CTL loads; read-only IA32_PLATFORM_ID in the
 * exit MSR-load list is a VMX abort (SDM 28.6, 28.7). */
START_TEST(stateless_msrs_in_msr_lists)
{
	const uint64_t store = FIX_MSR_AREA, load = FIX_MSR_AREA + 0x100;
	uint32_t ind = 0;
	uint64_t v = 0;

	msr_entry(store, 0, 0x8b, 0);
	msr_entry(load, 0, 0x1fc, 2);
	msr_entry(load, 1, 0x17, 0);
	fw(&F, VMCS_VM_EXIT_MSR_STORE_ADDR, store);
	fw(&F, VMCS_VM_EXIT_MSR_STORE_COUNT, 1);
	fw(&F, VMCS_VM_EXIT_MSR_LOAD_ADDR, load);
	fw(&F, VMCS_VM_EXIT_MSR_LOAD_COUNT, 2);
	ck_assert_int_eq(vmx_vmexit(F.v, &F.ctx, EXIT_REASON_HLT, 0, NULL),
			 ICPT_SWITCHED);
	gmem_read_u64(&F.mem, store + 8, &v);
	ck_assert_uint_eq(v, 0x28ull << 32);
	gmem_read_u32(&F.mem, FIX_VMCS + VMCS_OFF_ABORT, &ind);
	ck_assert_uint_eq(ind, VMX_ABORT_LOAD_HOST_MSR);
}
END_TEST

START_TEST(vmx_abort_on_bad_guest_msr_store)
{
	uint32_t ind = 0;

	msr_entry(FIX_MSR_AREA, 0, 0x9e, 0);   /* SMBASE */
	fw(&F, VMCS_VM_EXIT_MSR_STORE_ADDR, FIX_MSR_AREA);
	fw(&F, VMCS_VM_EXIT_MSR_STORE_COUNT, 1);
	ck_assert_int_eq(vmx_vmexit(F.v, &F.ctx, EXIT_REASON_HLT, 0, NULL),
			 ICPT_SWITCHED);
	gmem_read_u32(&F.mem, FIX_VMCS + VMCS_OFF_ABORT, &ind);
	ck_assert_uint_eq(ind, VMX_ABORT_SAVE_GUEST_MSR);
	ck_assert_uint_eq(F.cpu.activity, ACTIVITY_SHUTDOWN);
}
END_TEST

/* ---- simple exits: table of kind x control ---------------------------- */

struct simple_case {
	enum icpt_kind kind;
	uint32_t proc, proc2;      /* control needed (0,0 = unconditional) */
	uint32_t reason;
};

static const struct simple_case simple_cases[] = {
	{ ICPT_CPUID, 0, 0, EXIT_REASON_CPUID },
	{ ICPT_GETSEC, 0, 0, EXIT_REASON_GETSEC },
	{ ICPT_INVD, 0, 0, EXIT_REASON_INVD },
	{ ICPT_XSETBV, 0, 0, EXIT_REASON_XSETBV },
	{ ICPT_TRIPLE_FAULT, 0, 0, EXIT_REASON_TRIPLE_FAULT },
	{ ICPT_TASK_SWITCH, 0, 0, EXIT_REASON_TASK_SWITCH },
	{ ICPT_HLT, CPU_HLT_EXITING, 0, EXIT_REASON_HLT },
	{ ICPT_RDPMC, CPU_RDPMC_EXITING, 0, EXIT_REASON_RDPMC },
	{ ICPT_MWAIT, CPU_MWAIT_EXITING, 0, EXIT_REASON_MWAIT_INSTRUCTION },
	{ ICPT_MONITOR, CPU_MONITOR_EXITING, 0, EXIT_REASON_MONITOR_INSTRUCTION },
	{ ICPT_PAUSE, CPU_PAUSE_EXITING, 0, EXIT_REASON_PAUSE_INSTRUCTION },
	{ ICPT_RDTSC, CPU_RDTSC_EXITING, 0, EXIT_REASON_RDTSC },
	{ ICPT_RDTSCP, CPU_RDTSC_EXITING | CPU_ACTIVATE_SECONDARY,
	  CPU2_ENABLE_RDTSCP, EXIT_REASON_RDTSCP },
	{ ICPT_WBINVD, CPU_ACTIVATE_SECONDARY, CPU2_WBINVD_EXITING,
	  EXIT_REASON_WBINVD },
	{ ICPT_RDRAND, CPU_ACTIVATE_SECONDARY, CPU2_RDRAND_EXITING,
	  EXIT_REASON_RDRAND },
	{ ICPT_RDSEED, CPU_ACTIVATE_SECONDARY, CPU2_RDSEED_EXITING,
	  EXIT_REASON_RDSEED },
	{ ICPT_MOV_DR, CPU_MOV_DR_EXITING, 0, EXIT_REASON_DR_ACCESS },
	{ ICPT_INVLPG, CPU_INVLPG_EXITING, 0, EXIT_REASON_INVLPG },
	{ ICPT_DESC_TABLE, CPU_ACTIVATE_SECONDARY, CPU2_DESC_TABLE_EXITING,
	  EXIT_REASON_GDTR_IDTR },
	{ ICPT_IO, CPU_UNCOND_IO_EXITING, 0, EXIT_REASON_IO_INSTRUCTION },
};
#define N_SIMPLE (sizeof(simple_cases) / sizeof(simple_cases[0]))

/* Without its control the instruction does not exit; with it, it does. */
START_TEST(simple_exit_by_control)
{
	const struct simple_case *c = &simple_cases[_i];
	struct x86_intercept ic = icpt(c->kind, 3);
	bool uncond = !c->proc && !c->proc2;

	if (!uncond) {
		/* Enable the secondary word but not the exiting bit. */
		if (c->proc2) {
			fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL,
			     CPU_ACTIVATE_SECONDARY);
			fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL,
			   c->proc2 & CPU2_ENABLE_RDTSCP);
		}
		ck_assert_int_ne(vmx_nonroot_intercept(F.v, &F.ctx, &ic),
				 ICPT_SWITCHED);
		ck_assert(F.v->nonroot);
		fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, c->proc);
		fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, c->proc2);
	}
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), c->reason);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INSTRUCTION_LEN), 3);
}
END_TEST

/* VMX instructions in non-root operation always exit (SDM 26.1.2). */
static const struct { enum vmx_insn_id id; uint32_t reason; } vmx_cases[] = {
	{ VMXI_VMCALL, 18 }, { VMXI_VMCLEAR, 19 }, { VMXI_VMLAUNCH, 20 },
	{ VMXI_VMPTRLD, 21 }, { VMXI_VMPTRST, 22 }, { VMXI_VMREAD, 23 },
	{ VMXI_VMRESUME, 24 }, { VMXI_VMWRITE, 25 }, { VMXI_VMXOFF, 26 },
	{ VMXI_VMXON, 27 }, { VMXI_INVEPT, 50 }, { VMXI_INVVPID, 53 },
	{ VMXI_VMFUNC, 59 },
};

START_TEST(vmx_insn_exits)
{
	struct x86_intercept ic = icpt(ICPT_VMX_INSN, 4);

	ic.u.vmx.which = vmx_cases[_i].id;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), vmx_cases[_i].reason);
}
END_TEST

/* ---- qualifications and instruction information ---------------------- */

START_TEST(vmread_insn_info_memory)
{
	struct x86_intercept ic = icpt(ICPT_VMX_INSN, 6);

	ic.u.vmx.which = VMXI_VMREAD;
	ic.u.vmx.reg2 = GPR_RDX;
	ic.u.vmx.op = (struct x86_operand){ .is_mem = true, .seg = SEG_DS,
		.base = GPR_RBX, .index = GPR_RSI, .scale_log2 = 3,
		.addr_size = 64, .disp = -16 };
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	/* Table 28-13: scale 3, addr 64 (2<<7), mem (bit 10 = 0), seg DS
	 * (3<<15), index RSI (6<<18), base RBX (3<<23), reg2 RDX (2<<28). */
	ck_assert_uint_eq(fr(&F, VMCS_VMX_INSTRUCTION_INFO),
			  3u | 2u << 7 | 3u << 15 | 6u << 18 | 3u << 23 | 2u << 28);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), (uint64_t)-16);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INSTRUCTION_LEN), 6);
}
END_TEST

START_TEST(vmwrite_insn_info_register)
{
	struct x86_intercept ic = icpt(ICPT_VMX_INSN, 3);

	ic.u.vmx.which = VMXI_VMWRITE;
	ic.u.vmx.reg2 = GPR_R9;
	ic.u.vmx.op = (struct x86_operand){ .is_mem = false, .reg = GPR_R12 };
	vmx_nonroot_intercept(F.v, &F.ctx, &ic);
	ck_assert_uint_eq(fr(&F, VMCS_VMX_INSTRUCTION_INFO),
			  12u << 3 | 1u << 10 | 9u << 28);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0);
}
END_TEST

START_TEST(vmptrld_no_base_no_index)
{
	struct x86_intercept ic = icpt(ICPT_VMX_INSN, 8);

	ic.u.vmx.which = VMXI_VMPTRLD;
	ic.u.vmx.op = (struct x86_operand){ .is_mem = true, .seg = SEG_ES,
		.base = -1, .index = -1, .addr_size = 32, .disp = 0x1000 };
	vmx_nonroot_intercept(F.v, &F.ctx, &ic);
	ck_assert_uint_eq(fr(&F, VMCS_VMX_INSTRUCTION_INFO),
			  1u << 7 | 0u << 15 | 1u << 22 | 1u << 27);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0x1000);
}
END_TEST

START_TEST(desc_table_insn_info)
{
	struct x86_intercept ic = icpt(ICPT_DESC_TABLE, 7);

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_DESC_TABLE_EXITING);
	ic.u.desc.which = DESC_LIDT;
	ic.u.desc.op = (struct x86_operand){ .is_mem = true, .seg = SEG_SS,
		.base = GPR_RBP, .index = -1, .addr_size = 64, .disp = 8 };
	vmx_nonroot_intercept(F.v, &F.ctx, &ic);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_GDTR_IDTR);
	/* Table 28-10: addr 64, op size 32 (bit 11), seg SS, no index,
	 * base RBP, identity LIDT = 3. */
	ck_assert_uint_eq(fr(&F, VMCS_VMX_INSTRUCTION_INFO),
			  2u << 7 | 1u << 11 | 2u << 15 | 1u << 22 | 5u << 23 |
			  3u << 28);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 8);
}
END_TEST

START_TEST(ltr_register_insn_info)
{
	struct x86_intercept ic = icpt(ICPT_DESC_TABLE, 3);

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_DESC_TABLE_EXITING);
	ic.u.desc.which = DESC_LTR;
	ic.u.desc.op = (struct x86_operand){ .is_mem = false, .reg = GPR_RAX };
	vmx_nonroot_intercept(F.v, &F.ctx, &ic);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_LDTR_TR);
	ck_assert_uint_eq(fr(&F, VMCS_VMX_INSTRUCTION_INFO),
			  1u << 10 | 3u << 28);
}
END_TEST

START_TEST(rdrand_insn_info)
{
	struct x86_intercept ic = icpt(ICPT_RDRAND, 4);

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_RDRAND_EXITING);
	ic.op_size = 64;
	ic.u.rand.gpr = GPR_R10;
	vmx_nonroot_intercept(F.v, &F.ctx, &ic);
	ck_assert_uint_eq(fr(&F, VMCS_VMX_INSTRUCTION_INFO), 10u << 3 | 2u << 11);
}
END_TEST

START_TEST(invlpg_qualification)
{
	struct x86_intercept ic = icpt(ICPT_INVLPG, 3);

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_INVLPG_EXITING);
	ic.u.invlpg.linear = 0xffff800000123456ull;
	vmx_nonroot_intercept(F.v, &F.ctx, &ic);
	assert_exited(EXIT_REASON_INVLPG, 0xffff800000123456ull);
}
END_TEST

START_TEST(invpcid_needs_enable)
{
	struct x86_intercept ic = icpt(ICPT_INVPCID, 5);

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_INVLPG_EXITING);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_FAULT);
	ck_assert_uint_eq(F.cpu.pending_exception.vector, 6);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_INVPCID);
	ic.u.vmx.op = (struct x86_operand){ .is_mem = true, .base = GPR_RAX,
		.index = -1, .addr_size = 64, .disp = 0x20 };
	ic.u.vmx.reg2 = GPR_RCX;
	/* At CPL > 0 the engine's #GP(0) comes first (26.1.1): no exit. */
	F.cpu.seg[SEG_CS].ar |= 3u << SEG_AR_DPL_SHIFT;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	F.cpu.seg[SEG_CS].ar &= ~SEG_AR_DPL_MASK;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_INVPCID);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0x20);
	ck_assert_uint_eq(fr(&F, VMCS_VMX_INSTRUCTION_INFO),
			  2u << 7 | 1u << 22 | 0u << 23 | 1u << 28);
}
END_TEST

START_TEST(mov_dr_qualification)
{
	struct x86_intercept ic = icpt(ICPT_MOV_DR, 3);

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_MOV_DR_EXITING);
	ic.u.dr.dr = 7;
	ic.u.dr.write = false;
	ic.u.dr.gpr = GPR_R11;
	vmx_nonroot_intercept(F.v, &F.ctx, &ic);
	assert_exited(EXIT_REASON_DR_ACCESS, 7 | 1u << 4 | 11u << 8);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmx_exit");
	TCase *tc = tcase_create("exit");

	tcase_add_checked_fixture(tc, exit_setup, exit_teardown);
	tcase_add_test(tc, exit_saves_guest_and_loads_host);
	tcase_add_test(tc, exit_saves_ia32e_mode_guest_from_lma);
	tcase_add_test(tc, exit_saves_debug_sysenter_tables_loads_host_cr4);
	tcase_add_test(tc, entry_forgets_event_in_delivery);
	tcase_add_loop_test(tc, exit_idt_vectoring_instruction_length, 0,
			    sizeof(vectoring_len) / sizeof(vectoring_len[0]));
	tcase_add_test(tc, exit_clears_entry_injection_valid_bit);
	tcase_add_test(tc, exit_records_idt_vectoring);
	tcase_add_test(tc, exit_msr_store_and_load_lists);
	tcase_add_test(tc, vmx_abort_on_bad_host_msr);
	tcase_add_test(tc, vmx_abort_on_bad_guest_msr_store);
	tcase_add_test(tc, stateless_msrs_in_msr_lists);
	tcase_add_loop_test(tc, simple_exit_by_control, 0, N_SIMPLE);
	tcase_add_loop_test(tc, vmx_insn_exits, 0,
			    sizeof(vmx_cases) / sizeof(vmx_cases[0]));
	tcase_add_test(tc, vmread_insn_info_memory);
	tcase_add_test(tc, vmwrite_insn_info_register);
	tcase_add_test(tc, vmptrld_no_base_no_index);
	tcase_add_test(tc, desc_table_insn_info);
	tcase_add_test(tc, ltr_register_insn_info);
	tcase_add_test(tc, rdrand_insn_info);
	tcase_add_test(tc, invlpg_qualification);
	tcase_add_test(tc, invpcid_needs_enable);
	tcase_add_test(tc, mov_dr_qualification);
	exit_ctl_add_tests(tc);
	suite_add_tcase(s, tc);
	return fix_run_suite(s);
}
