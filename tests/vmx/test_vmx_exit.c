// SPDX-License-Identifier: MIT
/*
 * VM exits (SDM 28) and the non-root exit decisions (SDM 26): exit
 * information, guest-state save, host-state load, MSR-store/-load lists,
 * VMX abort, every intercept kind with its control, qualifications and
 * instruction information, CR masks and shadows, I/O and MSR bitmaps,
 * the exception bitmap with #PF mask/match, TSC offsetting.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/exit_info.h"
#include "vmx/nonroot.h"
#include "vmxb_fixture.h"

static struct fix F;

static void setup(void)
{
	fix_init(&F, true);
	fix_enter(&F);
	F.state_changed = 0;
}

static void teardown(void)
{
	fix_fini(&F);
}

static struct x86_intercept icpt(enum icpt_kind k, uint32_t len)
{
	struct x86_intercept ic;

	memset(&ic, 0, sizeof(ic));
	ic.kind = k;
	ic.rip = F.cpu.rip;
	ic.insn_len = len;
	ic.op_size = 32;
	return ic;
}

static void assert_exited(uint32_t reason, uint64_t qual)
{
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), reason);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), qual);
	ck_assert_uint_eq(F.cpu.rip, FIX_HOST_RIP);
	ck_assert_int_eq(F.state_changed, 1);
}

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

/* ---- control registers ------------------------------------------------- */

static struct x86_intercept mov_cr(unsigned cr, bool write, unsigned gpr,
				   uint64_t val)
{
	struct x86_intercept ic = icpt(ICPT_MOV_CR, 3);

	ic.u.cr.cr = cr;
	ic.u.cr.write = write;
	ic.u.cr.gpr = gpr;
	ic.u.cr.value = val;
	return ic;
}

START_TEST(cr0_mask_and_shadow)
{
	struct x86_intercept ic;

	fw(&F, VMCS_CR0_GUEST_HOST_MASK, CR0_TS | CR0_NE | CR0_PG);
	fw(&F, VMCS_CR0_READ_SHADOW, CR0_PG);     /* guest thinks NE=TS=0 */
	/* MOV from CR0 reads host-owned bits from the shadow. */
	ic = mov_cr(0, false, GPR_RBX, 0);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RBX], CR0_PE | CR0_ET | CR0_PG);
	/* Writing host-owned bits equal to the shadow: no exit, host-owned
	 * bits keep their real value; guest-owned bits change. */
	ic = mov_cr(0, true, GPR_RAX, CR0_PE | CR0_ET | CR0_PG | CR0_MP);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	ck_assert_uint_eq(ic.u.cr.value,
			  CR0_PE | CR0_ET | CR0_PG | CR0_MP | CR0_NE);
	/* Setting TS (host-owned, shadow 0) exits with Table 28-3 qual. */
	ic = mov_cr(0, true, GPR_RAX, CR0_PE | CR0_ET | CR0_PG | CR0_TS);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 0 | 0u << 4 | 0u << 8);
}
END_TEST

START_TEST(cr4_mask_exit_qualification)
{
	struct x86_intercept ic;

	fw(&F, VMCS_CR4_GUEST_HOST_MASK, CR4_VMXE);
	fw(&F, VMCS_CR4_READ_SHADOW, 0);
	ic = mov_cr(4, false, GPR_RCX, 0);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RCX], CR4_PAE);
	ic = mov_cr(4, true, GPR_R13, CR4_PAE | CR4_VMXE);
	vmx_nonroot_intercept(F.v, &F.ctx, &ic);
	assert_exited(EXIT_REASON_CR_ACCESS, 4 | 13u << 8);
}
END_TEST

START_TEST(cr3_targets)
{
	struct x86_intercept ic;

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_LOAD_EXITING);
	fw(&F, VMCS_CR3_TARGET_COUNT, 2);
	fw(&F, VMCS_CR3_TARGET_VALUE0, 0x300000);
	fw(&F, VMCS_CR3_TARGET_VALUE1, 0x301000);
	fw(&F, VMCS_CR3_TARGET_VALUE2, 0x302000);   /* beyond the count */
	ic = mov_cr(3, true, GPR_RAX, 0x301000);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	ic = mov_cr(3, true, GPR_RDI, 0x302000);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 3 | 7u << 8);
}
END_TEST

START_TEST(cr3_store_and_cr8)
{
	struct x86_intercept ic = mov_cr(3, false, GPR_RSI, 0);

	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	ic = mov_cr(8, true, GPR_RAX, 5);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_CR8_STORE_EXITING);
	ic = mov_cr(8, false, GPR_RDX, 0);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 8 | 1u << 4 | 2u << 8);
}
END_TEST

START_TEST(cr3_store_exiting)
{
	struct x86_intercept ic = mov_cr(3, false, GPR_RSI, 0);

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_STORE_EXITING);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 3 | 1u << 4 | 6u << 8);
}
END_TEST

START_TEST(clts_with_ts_owned)
{
	struct x86_intercept ic = icpt(ICPT_CLTS, 2);

	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	fw(&F, VMCS_CR0_GUEST_HOST_MASK, CR0_TS);
	fw(&F, VMCS_CR0_READ_SHADOW, 0);
	F.cpu.cr0 |= CR0_TS;
	/* Host owns TS, guest sees 0: CLTS does nothing, no exit. */
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert(F.cpu.cr0 & CR0_TS);
	fw(&F, VMCS_CR0_READ_SHADOW, CR0_TS);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 0 | 2u << 4);
}
END_TEST

START_TEST(lmsw_rules)
{
	struct x86_intercept ic = icpt(ICPT_LMSW, 4);

	fw(&F, VMCS_CR0_GUEST_HOST_MASK, CR0_MP | CR0_PE);
	fw(&F, VMCS_CR0_READ_SHADOW, CR0_PE);
	/* MP equal to the shadow (0): no exit; host-owned bits rewritten. */
	ic.u.lmsw.source = 0x1 | 0x4;   /* PE, EM */
	ic.u.lmsw.op = (struct x86_operand){ .is_mem = false, .reg = 0 };
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	ck_assert_uint_eq(ic.u.lmsw.source, 0x5);
	/* MP differs from the shadow: exit with source data in 31:16 and a
	 * memory operand's linear address. */
	ic.u.lmsw.source = 0x3;
	ic.u.lmsw.op = (struct x86_operand){ .is_mem = true, .seg = SEG_FS,
		.base = -1, .index = -1, .addr_size = 64, .ea = 0x40 };
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 3u << 4 | 1u << 6 | 3u << 16);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_LINEAR_ADDRESS), 0x12345000 + 0x40);
}
END_TEST

/* In 64-bit mode the bases of CS/DS/ES/SS are treated as 0 (SDM 3.4.4):
 * the guest-linear address of LMSW m16 through DS is its offset alone. */
START_TEST(lmsw_linear_address_ignores_ds_base_in_64bit)
{
	struct x86_intercept ic = icpt(ICPT_LMSW, 4);

	fw(&F, VMCS_CR0_GUEST_HOST_MASK, CR0_MP);
	fw(&F, VMCS_CR0_READ_SHADOW, 0);
	F.cpu.seg[SEG_DS].base = 0x5000;
	ic.u.lmsw.source = 0x3;
	ic.u.lmsw.op = (struct x86_operand){ .is_mem = true, .seg = SEG_DS,
		.base = -1, .index = -1, .addr_size = 64, .ea = 0x7008 };
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 3u << 4 | 1u << 6 | 3u << 16);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_LINEAR_ADDRESS), 0x7008);
}
END_TEST

/* ---- TSC ---------------------------------------------------------------- */

START_TEST(tsc_offsetting)
{
	struct x86_intercept ic = icpt(ICPT_RDTSC, 2);

	F.cpu.tsc = 0x100000000ull;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TSC_OFFSETTING);
	fw(&F, VMCS_TSC_OFFSET, (uint64_t)-0x10);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RAX], 0xfffffff0u);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RDX], 0);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
	fw(&F, VMCS_MSR_BITMAP, FIX_MSR_BITMAP);
	ic = icpt(ICPT_RDMSR, 2);
	ic.u.msr.index = 0x10;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(ic.u.msr.value, 0xfffffff0u);
	/* RDTSCP without "enable RDTSCP" is #UD in non-root operation. */
	ic = icpt(ICPT_RDTSCP, 3);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_FAULT);
	ck_assert_uint_eq(F.cpu.pending_exception.vector, 6);
}
END_TEST

/* RDPID: #UD in non-root operation unless "enable RDTSCP" is 1; never
 * an exit, even with RDTSC exiting (SDM 26.3). */
START_TEST(rdpid_needs_enable_rdtscp)
{
	struct x86_intercept ic = icpt(ICPT_RDPID, 4);

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_RDTSC_EXITING);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_FAULT);
	ck_assert_uint_eq(F.cpu.pending_exception.vector, 6);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fset(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_RDTSCP);
	F.cpu.pending_exception.vector = 0;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
}
END_TEST

/* SDM 26.3: with TSC offsetting and scaling, RDTSC/RDTSCP/RDMSR(TSC)
 * return ((TSC * multiplier) >> 48) + offset; scaling alone does nothing. */
START_TEST(tsc_scaling)
{
	struct x86_intercept ic = icpt(ICPT_RDTSC, 2);

	ck_assert(F.v->caps.proc2.may1 & CPU2_TSC_SCALING);
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_TSC_MULTIPLIER));
	F.cpu.tsc = 0x300000000ull;
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_TSC_SCALING |
	   CPU2_ENABLE_RDTSCP);
	fw(&F, VMCS_TSC_MULTIPLIER, 1ull << 47);          /* 0.5 */
	fw(&F, VMCS_TSC_OFFSET, 5);
	/* Scaling without offsetting: the plain TSC. */
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TSC_OFFSETTING);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RAX], 0x80000005u);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RDX], 1);
	/* A multiplier of 2.5 and a product above 64 bits. */
	F.cpu.tsc = 0x8000000000000001ull;
	fw(&F, VMCS_TSC_MULTIPLIER, 5ull << 47);
	fw(&F, VMCS_TSC_OFFSET, 0);
	ic = icpt(ICPT_RDTSCP, 3);
	F.cpu.msr.tsc_aux = 7;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RAX], 0x2);      /* 0x1_4000...02 */
	ck_assert_uint_eq(F.cpu.gpr[GPR_RDX], 0x40000000u);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RCX], 7);
	/* RDMSR of IA32_TSC (not intercepted by the bitmap). */
	F.cpu.tsc = 1000;
	fw(&F, VMCS_TSC_MULTIPLIER, 3ull << 48);
	fw(&F, VMCS_TSC_OFFSET, (uint64_t)-1);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
	fw(&F, VMCS_MSR_BITMAP, FIX_MSR_BITMAP);
	ic = icpt(ICPT_RDMSR, 2);
	ic.u.msr.index = 0x10;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(ic.u.msr.value, 2999);
}
END_TEST

/* ---- I/O bitmaps ---------------------------------------------------- */

static void set_io_bit(unsigned port)
{
	uint64_t at = (port < 0x8000 ? FIX_IO_A : FIX_IO_B) + (port & 0x7fff) / 8;
	uint8_t b = 0;

	gmem_read_u8(&F.mem, at, &b);
	gmem_write_u8(&F.mem, at, b | (1u << (port % 8)));
}

static enum icpt_result do_io(uint16_t port, uint8_t size, bool in)
{
	struct x86_intercept ic = icpt(ICPT_IO, 1);

	ic.u.io.port = port;
	ic.u.io.size = size;
	ic.u.io.in = in;
	return vmx_nonroot_intercept(F.v, &F.ctx, &ic);
}

static const struct {
	unsigned bit;       /* port whose bit is set */
	uint16_t port;
	uint8_t size;
	bool exits;
} io_cases[] = {
	{ 0x60, 0x60, 1, true },
	{ 0x60, 0x61, 1, false },
	{ 0x61, 0x60, 2, true },         /* second byte's port */
	{ 0x8000, 0x7fff, 2, true },     /* crosses into bitmap B */
	{ 0x8001, 0x7fff, 2, false },
	{ 0xfff0, 0xfff0, 4, true },
	{ 0x10, 0xffff, 2, true },       /* wraps past 0xffff: always */
	{ 0x10, 0xfffe, 2, false },
};

START_TEST(io_bitmaps)
{
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_IO_BITMAPS |
	     CPU_UNCOND_IO_EXITING);
	fw(&F, VMCS_IO_BITMAP_A, FIX_IO_A);
	fw(&F, VMCS_IO_BITMAP_B, FIX_IO_B);
	set_io_bit(io_cases[_i].bit);
	ck_assert_int_eq(do_io(io_cases[_i].port, io_cases[_i].size, true),
			 io_cases[_i].exits ? ICPT_SWITCHED : ICPT_CONTINUE);
}
END_TEST

START_TEST(io_qualification_and_string_info)
{
	struct x86_intercept ic = icpt(ICPT_IO, 2);

	ck_assert_int_eq(do_io(0x3f8, 1, false), ICPT_CONTINUE);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING);
	ic.u.io = (__typeof__(ic.u.io)){ .port = 0x3f8, .size = 2, .in = false,
		.string = true, .rep = true, .imm = false, .addr_size = 32,
		.seg = SEG_GS, .linear = 0x7000 };
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_IO_INSTRUCTION,
		      1 | 0u << 3 | 1u << 4 | 1u << 5 | 0x3f8ull << 16);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_LINEAR_ADDRESS), 0x7000);
	ck_assert_uint_eq(fr(&F, VMCS_VMX_INSTRUCTION_INFO), 1u << 7 | 5u << 15);
}
END_TEST

START_TEST(io_in_imm_qualification)
{
	struct x86_intercept ic = icpt(ICPT_IO, 2);

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING);
	ic.u.io = (__typeof__(ic.u.io)){ .port = 0x71, .size = 4, .in = true,
		.imm = true };
	vmx_nonroot_intercept(F.v, &F.ctx, &ic);
	assert_exited(EXIT_REASON_IO_INSTRUCTION,
		      3 | 1u << 3 | 1u << 6 | 0x71ull << 16);
	ck_assert_uint_eq(fr(&F, VMCS_VMX_INSTRUCTION_INFO), 0);
}
END_TEST

/* ---- MSR bitmaps ----------------------------------------------------- */

static const struct {
	uint32_t index;
	bool write;
	uint32_t set_off;    /* byte offset of the bit to set, or ~0 */
	uint32_t set_bit;
	bool exits;
} msr_cases[] = {
	{ 0x174, false, 0x174 / 8, 0x174 % 8, true },
	{ 0x174, true, 0x174 / 8, 0x174 % 8, false },       /* read bit only */
	{ 0x174, true, 2048 + 0x174 / 8, 0x174 % 8, true },
	{ 0xc0000082, false, 1024 + 0x82 / 8, 0x82 % 8, true },
	{ 0xc0000082, true, 3072 + 0x82 / 8, 0x82 % 8, true },
	{ 0xc0000082, true, 1024 + 0x82 / 8, 0x82 % 8, false },
	{ 0x40000000, false, ~0u, 0, true },                /* out of range */
	{ 0x1ff, false, ~0u, 0, false },
};

START_TEST(msr_bitmaps)
{
	struct x86_intercept ic = icpt(msr_cases[_i].write ? ICPT_WRMSR :
				       ICPT_RDMSR, 2);

	/* Without MSR bitmaps every RDMSR/WRMSR exits. */
	ic.u.msr.index = msr_cases[_i].index;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), msr_cases[_i].write ?
			  EXIT_REASON_MSR_WRITE : EXIT_REASON_MSR_READ);
	fix_enter(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
	fw(&F, VMCS_MSR_BITMAP, FIX_MSR_BITMAP);
	if (msr_cases[_i].set_off != ~0u)
		gmem_write_u8(&F.mem, FIX_MSR_BITMAP + msr_cases[_i].set_off,
			      1u << msr_cases[_i].set_bit);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic),
			 msr_cases[_i].exits ? ICPT_SWITCHED : ICPT_CONTINUE);
}
END_TEST

/* ---- exceptions -------------------------------------------------------- */

static enum icpt_result raise_exc(uint8_t type, uint8_t vector, bool has_err,
				  uint32_t err)
{
	struct x86_intercept ic = icpt(ICPT_EXCEPTION, 1);

	ic.u.exc.type = type;
	ic.u.exc.vector = vector;
	ic.u.exc.has_error_code = has_err;
	ic.u.exc.error_code = err;
	ic.u.exc.qualification = 0x4000;
	return vmx_nonroot_intercept(F.v, &F.ctx, &ic);
}

START_TEST(exception_bitmap)
{
	ck_assert_int_eq(raise_exc(EVT_HW_EXCEPTION, 13, true, 0), ICPT_CONTINUE);
	fw(&F, VMCS_EXCEPTION_BITMAP, 1u << 13 | 1u << 3);
	ck_assert_int_eq(raise_exc(EVT_HW_EXCEPTION, 6, false, 0), ICPT_CONTINUE);
	ck_assert_int_eq(raise_exc(EVT_SW_INTR, 13, false, 0), ICPT_CONTINUE);
	ck_assert_int_eq(raise_exc(EVT_HW_EXCEPTION, 13, true, 0x18),
			 ICPT_SWITCHED);
	assert_exited(EXIT_REASON_EXCEPTION_NMI, 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO), INTR_INFO_VALID |
			  INTR_INFO_DELIVER_CODE | 3u << 8 | 13);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_ERROR_CODE), 0x18);
}
END_TEST

START_TEST(int3_exit_has_length)
{
	fw(&F, VMCS_EXCEPTION_BITMAP, 1u << 3);
	ck_assert_int_eq(raise_exc(EVT_SW_EXCEPTION, 3, false, 0), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | 6u << 8 | 3);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INSTRUCTION_LEN), 1);
}
END_TEST

/* SDM 26.2: #PF exits iff ((PFEC & MASK) == MATCH) equals bitmap bit 14. */
static const struct {
	bool bit14;
	uint32_t mask, match, pfec;
	bool exits;
} pf_cases[] = {
	{ true, 0, 0, 0x7, true },
	{ false, 0, 0, 0x7, false },
	{ true, 0x2, 0x2, 0x3, true },      /* write faults only */
	{ true, 0x2, 0x2, 0x1, false },
	{ false, 0x2, 0x2, 0x1, true },     /* inverted: non-write faults */
	{ false, 0x2, 0x2, 0x3, false },
	{ true, 0x1, 0x0, 0x4, true },      /* not-present only */
	{ false, 0xffffffff, 0xffffffff, 0x5, true },
};

START_TEST(pf_mask_match)
{
	fw(&F, VMCS_EXCEPTION_BITMAP, pf_cases[_i].bit14 ? 1u << 14 : 0);
	fw(&F, VMCS_PAGE_FAULT_ERROR_CODE_MASK, pf_cases[_i].mask);
	fw(&F, VMCS_PAGE_FAULT_ERROR_CODE_MATCH, pf_cases[_i].match);
	ck_assert_int_eq(raise_exc(EVT_HW_EXCEPTION, 14, true, pf_cases[_i].pfec),
			 pf_cases[_i].exits ? ICPT_SWITCHED : ICPT_CONTINUE);
	if (pf_cases[_i].exits) {
		ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0x4000);
		ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_ERROR_CODE),
				  pf_cases[_i].pfec);
	}
}
END_TEST

START_TEST(nmi_exiting_blocks_nmi_in_host)
{
	ck_assert_int_eq(raise_exc(EVT_NMI, 2, false, 0), ICPT_CONTINUE);
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING);
	ck_assert_int_eq(raise_exc(EVT_NMI, 2, false, 0), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_EXCEPTION_NMI, 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | 2u << 8 | 2);
	ck_assert(F.cpu.interruptibility & INTR_BLOCK_NMI);
}
END_TEST

START_TEST(external_interrupt_ack)
{
	ck_assert_int_eq(raise_exc(EVT_EXT_INTR, 0x41, false, 0), ICPT_CONTINUE);
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	/* Without acknowledge-on-exit no vector is stored (SDM 28.2.2). */
	ck_assert_int_eq(raise_exc(EVT_EXT_INTR, 0x41, false, 0), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_EXTERNAL_INTERRUPT, 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO), 0);
	fix_enter(&F);
	F.state_changed = 0;
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	fset(&F, VMCS_VM_EXIT_CONTROLS, EXIT_CTL_ACK_INTR_ON_EXIT);
	ck_assert_int_eq(raise_exc(EVT_EXT_INTR, 0x41, false, 0), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_EXTERNAL_INTERRUPT, 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO), INTR_INFO_VALID | 0x41);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmx_exit");
	TCase *tc = tcase_create("exit");

	tcase_add_checked_fixture(tc, setup, teardown);
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
	tcase_add_test(tc, cr0_mask_and_shadow);
	tcase_add_test(tc, cr4_mask_exit_qualification);
	tcase_add_test(tc, cr3_targets);
	tcase_add_test(tc, cr3_store_and_cr8);
	tcase_add_test(tc, cr3_store_exiting);
	tcase_add_test(tc, clts_with_ts_owned);
	tcase_add_test(tc, lmsw_rules);
	tcase_add_test(tc, lmsw_linear_address_ignores_ds_base_in_64bit);
	tcase_add_test(tc, tsc_offsetting);
	tcase_add_test(tc, tsc_scaling);
	tcase_add_test(tc, rdpid_needs_enable_rdtscp);
	tcase_add_loop_test(tc, io_bitmaps, 0,
			    sizeof(io_cases) / sizeof(io_cases[0]));
	tcase_add_test(tc, io_qualification_and_string_info);
	tcase_add_test(tc, io_in_imm_qualification);
	tcase_add_loop_test(tc, msr_bitmaps, 0,
			    sizeof(msr_cases) / sizeof(msr_cases[0]));
	tcase_add_test(tc, exception_bitmap);
	tcase_add_test(tc, int3_exit_has_length);
	tcase_add_loop_test(tc, pf_mask_match, 0,
			    sizeof(pf_cases) / sizeof(pf_cases[0]));
	tcase_add_test(tc, nmi_exiting_blocks_nmi_in_host);
	tcase_add_test(tc, external_interrupt_ack);
	suite_add_tcase(s, tc);
	return fix_run_suite(s);
}
