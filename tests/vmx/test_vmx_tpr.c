// SPDX-License-Identifier: MIT
/*
 * The TPR shadow (src/vmx/tpr.c): the "use TPR shadow" capability (SDM
 * 25.6.2), its VM-entry checks (27.2.1.1), MOV to/from CR8 in non-root
 * operation (26.3, 30.3) and the trap-like "TPR below threshold" VM exit
 * of TPR virtualization (30.1.2, exit reason 43).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/entry_checks.h"
#include "vmx/exit_info.h"
#include "vmx/nonroot.h"
#include "vmxb_fixture.h"

#define VTPR        (FIX_VAPIC + 0x80)
#define INSN_LEN    4u      /* mov %rax,%cr8 = 44 0f 22 c0 */
#define REAL_CR8    0x3u    /* L2's real TPR: must never change */

static struct fix F;

static void setup(void)
{
	fix_init(&F, true);
	fix_baseline(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TPR_SHADOW);
	fw(&F, VMCS_VIRTUAL_APIC_PAGE_ADDR, FIX_VAPIC);
	fw(&F, VMCS_TPR_THRESHOLD, 0);
}

static void teardown(void)
{
	fix_fini(&F);
}

static uint32_t vtpr32(void)
{
	uint32_t v = 0;

	ck_assert(gmem_read_u32(&F.mem, VTPR, &v));
	return v;
}

/* VM entry with the TPR shadow; the real TPR of the guest is REAL_CR8. */
static void enter(uint32_t threshold, uint8_t vtpr)
{
	fw(&F, VMCS_TPR_THRESHOLD, threshold);
	gmem_write_u8(&F.mem, VTPR, vtpr);
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
	F.cpu.cr8 = REAL_CR8;
	F.state_changed = 0;
}

static struct x86_intercept mov_cr8(bool write, unsigned gpr, uint64_t val)
{
	struct x86_intercept ic;

	memset(&ic, 0, sizeof(ic));
	ic.kind = ICPT_MOV_CR;
	ic.rip = F.cpu.rip;
	ic.insn_len = INSN_LEN;
	ic.op_size = 64;
	ic.u.cr.cr = 8;
	ic.u.cr.write = write;
	ic.u.cr.gpr = (uint8_t)gpr;
	ic.u.cr.value = val;
	return ic;
}

/* The engine's side of ICPT_EMULATED: the instruction completes. */
static void complete(const struct x86_intercept *ic)
{
	F.cpu.rip = ic->rip + ic->insn_len;
	F.cpu.insn_count++;
}

static enum icpt_result run(struct x86_intercept *ic)
{
	return vmx_nonroot_intercept(F.v, &F.ctx, ic);
}

/* VM entry failed with VMfailValid(7), nothing switched. */
static void assert_entry_fails_7(void)
{
	uint64_t rip = F.cpu.rip;

	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_EMULATED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(F.cpu.rip, rip);
	ck_assert_uint_eq(F.cpu.rflags & VMX_ARITH_FLAGS, RFLAGS_ZF);
	ck_assert_uint_eq(fr(&F, VMCS_VM_INSTRUCTION_ERROR),
			  VMXERR_ENTRY_INVALID_CONTROL);
	ck_assert_int_eq(F.state_changed, 0);
}

/* ---- capabilities ------------------------------------------------------ */

START_TEST(caps_advertise_tpr_shadow_only)
{
	uint64_t proc, tproc, proc2, pin;

	ck_assert(vmx_caps_msr(&F.v->caps, MSR_IA32_VMX_PROCBASED_CTLS, &proc));
	ck_assert(vmx_caps_msr(&F.v->caps, MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
			       &tproc));
	ck_assert(vmx_caps_msr(&F.v->caps, MSR_IA32_VMX_PROCBASED_CTLS2,
			       &proc2));
	ck_assert(vmx_caps_msr(&F.v->caps, MSR_IA32_VMX_PINBASED_CTLS, &pin));
	/* Allowed-1 (bits 63:32) has bit 21, allowed-0 does not force it. */
	ck_assert_uint_eq((proc >> 32) & CPU_USE_TPR_SHADOW, CPU_USE_TPR_SHADOW);
	ck_assert_uint_eq((tproc >> 32) & CPU_USE_TPR_SHADOW, CPU_USE_TPR_SHADOW);
	ck_assert_uint_eq(proc & CPU_USE_TPR_SHADOW, 0);
	ck_assert_uint_eq(tproc & CPU_USE_TPR_SHADOW, 0);
	/* x2APIC virtualization, virtual interrupts (vapic.c), posted
	 * interrupts (posted.c) and the APIC-access page (apic_access.c). */
	ck_assert_uint_eq((proc2 >> 32) & (CPU2_VIRT_APIC_ACCESSES |
					   CPU2_VIRT_X2APIC_MODE |
					   CPU2_APIC_REGISTER_VIRT |
					   CPU2_VIRT_INTR_DELIVERY),
			  CPU2_VIRT_APIC_ACCESSES | CPU2_VIRT_X2APIC_MODE |
			  CPU2_APIC_REGISTER_VIRT | CPU2_VIRT_INTR_DELIVERY);
	ck_assert_uint_eq((pin >> 32) & PIN_POSTED_INTR, PIN_POSTED_INTR);
	/* Its two fields exist (VMREAD/VMWRITE), and the APIC-access
	 * address. */
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_VIRTUAL_APIC_PAGE_ADDR));
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_TPR_THRESHOLD));
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_APIC_ACCESS_ADDR));
}
END_TEST

/* ---- MOV from CR8 ------------------------------------------------------ */

START_TEST(cr8_read_returns_vtpr_high_nibble)
{
	struct x86_intercept ic;

	enter(0, 0xa7);
	F.cpu.gpr[GPR_RDX] = 0xdeadbeefcafef00dull;
	ic = mov_cr8(false, GPR_RDX, 0);
	ck_assert_int_eq(run(&ic), ICPT_EMULATED);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RDX], 0xa);
	ck_assert(F.v->nonroot);
	ck_assert_uint_eq(F.cpu.cr8, REAL_CR8);
	ck_assert_int_eq(F.state_changed, 0);
	/* A read never causes TPR virtualization. */
	ck_assert(!F.v->tpr_exit_pending);
	ck_assert_uint_eq(vtpr32() & 0xff, 0xa7);
}
END_TEST

/* ---- MOV to CR8 -------------------------------------------------------- */

START_TEST(cr8_write_updates_vtpr_exactly)
{
	struct x86_intercept ic;
	uint8_t after = 0;

	enter(0, 0xff);
	gmem_write_u32(&F.mem, VTPR, 0xffffffffu);
	gmem_write_u8(&F.mem, VTPR + 4, 0x55);
	gmem_write_u8(&F.mem, VTPR - 1, 0x66);
	ic = mov_cr8(true, GPR_RAX, 0x9);
	ck_assert_int_eq(run(&ic), ICPT_EMULATED);
	/* VTPR[7:4] = 9, VTPR[3:0] = 0, bytes 81H-83H = 0 (SDM 30.3). */
	ck_assert_uint_eq(vtpr32(), 0x90);
	ck_assert(gmem_read_u8(&F.mem, VTPR + 4, &after));
	ck_assert_uint_eq(after, 0x55);
	ck_assert(gmem_read_u8(&F.mem, VTPR - 1, &after));
	ck_assert_uint_eq(after, 0x66);
	ck_assert_uint_eq(F.cpu.cr8, REAL_CR8);
	ck_assert(F.v->nonroot);
	ck_assert(!F.v->tpr_exit_pending);
	/* Read back through the shadow. */
	ic = mov_cr8(false, GPR_RBX, 0);
	ck_assert_int_eq(run(&ic), ICPT_EMULATED);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RBX], 9);
}
END_TEST

START_TEST(cr8_write_below_threshold_exits_after_insn)
{
	struct x86_intercept ic;
	uint64_t next;

	enter(6, 0x80);
	F.cpu.rip = 0x402100;
	ic = mov_cr8(true, GPR_RAX, 5);
	ck_assert_int_eq(run(&ic), ICPT_EMULATED);
	/* The write completed before the exit (trap-like, SDM 30.1.2). */
	ck_assert_uint_eq(vtpr32(), 0x50);
	ck_assert(F.v->nonroot);
	ck_assert(F.v->tpr_exit_pending);
	ck_assert(F.ctx.boundary_wanted);
	complete(&ic);
	next = F.cpu.rip;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_TPR_BELOW_THRESHOLD);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), next);
	ck_assert_uint_eq(next, 0x402100 + INSN_LEN);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO), 0);
	ck_assert_uint_eq(F.cpu.rip, FIX_HOST_RIP);
	ck_assert_int_eq(F.state_changed, 1);
	ck_assert(!F.v->tpr_exit_pending);
	ck_assert_uint_eq(F.v->regions[F.v->current_region].exits
			  [EXIT_REASON_TPR_BELOW_THRESHOLD], 1);
}
END_TEST

START_TEST(cr8_write_at_or_above_threshold_no_exit)
{
	static const uint64_t vals[] = { 6, 7, 0xf };
	struct x86_intercept ic;

	enter(6, 0xf0);
	for (unsigned i = 0; i < 3; i++) {
		ic = mov_cr8(true, GPR_RCX, vals[i]);
		ck_assert_int_eq(run(&ic), ICPT_EMULATED);
		ck_assert_uint_eq(vtpr32(), vals[i] << 4);
		ck_assert(!F.v->tpr_exit_pending);
		complete(&ic);
		ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
		ck_assert(F.v->nonroot);
	}
	/* Threshold 0: nothing is below it. */
	fw(&F, VMCS_TPR_THRESHOLD, 0);
	ic = mov_cr8(true, GPR_RCX, 0);
	ck_assert_int_eq(run(&ic), ICPT_EMULATED);
	ck_assert_uint_eq(vtpr32(), 0);
	ck_assert(!F.v->tpr_exit_pending);
}
END_TEST

/* The TPR exit of the instruction comes before MTF and an NMI. */
START_TEST(tpr_exit_before_mtf_and_nmi)
{
	struct x86_intercept ic;

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG);
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING);
	enter(0xf, 0xf0);
	ic = mov_cr8(true, GPR_RAX, 0xe);
	ck_assert_int_eq(run(&ic), ICPT_EMULATED);
	complete(&ic);
	F.cpu.nmi_pending = true;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_TPR_BELOW_THRESHOLD);
	ck_assert(F.cpu.nmi_pending);
}
END_TEST

/* An INIT latched at the same boundary waits behind the TPR exit. */
START_TEST(tpr_exit_before_init)
{
	struct x86_intercept ic;
	struct x86_intercept init = { .kind = ICPT_INIT };

	enter(3, 0x30);
	ic = mov_cr8(true, GPR_RAX, 1);
	ck_assert_int_eq(run(&ic), ICPT_EMULATED);
	complete(&ic);
	F.cpu.init_pending = true;
	init.rip = F.cpu.rip;
	ck_assert_int_eq(vmx_intercept_ops.intercept(F.v, &F.ctx, &init),
			 ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_TPR_BELOW_THRESHOLD);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), ic.rip + INSN_LEN);
	ck_assert(!F.v->tpr_exit_pending);
	/* Still latched, and blocked in VMX root operation (SDM 24.8). */
	ck_assert(F.cpu.init_pending);
	ck_assert_int_eq(vmx_intercept_ops.intercept(F.v, &F.ctx, &init),
			 ICPT_EMULATED);
	ck_assert(F.cpu.init_pending);
}
END_TEST

static enum icpt_result offer_db(void)
{
	struct x86_intercept ic;

	memset(&ic, 0, sizeof(ic));
	ic.kind = ICPT_EXCEPTION;
	ic.rip = F.cpu.rip;
	ic.u.exc.vector = 1;
	ic.u.exc.type = EVT_HW_EXCEPTION;
	return run(&ic);
}

/* TF single-step trap of the same MOV to CR8: the TPR exit wins and saves
 * it as a pending debug exception (BS), SDM 30.1.2 and 28.3.4. */
START_TEST(tpr_exit_takes_single_step_trap)
{
	struct x86_intercept ic;

	enter(6, 0x80);
	F.cpu.rflags |= RFLAGS_TF;
	/* No TPR exit pending: the #DB goes to the guest (bitmap clear). */
	ck_assert_int_eq(offer_db(), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
	ic = mov_cr8(true, GPR_RAX, 2);
	ck_assert_int_eq(run(&ic), ICPT_EMULATED);
	complete(&ic);
	ck_assert_int_eq(offer_db(), ICPT_SWITCHED);
	ck_assert(!F.v->nonroot);
	ck_assert(!F.v->tpr_exit_pending);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_TPR_BELOW_THRESHOLD);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_PENDING_DBG_EXCEPTIONS), 1u << 14);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), ic.rip + INSN_LEN);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO), 0);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RFLAGS) & RFLAGS_TF, RFLAGS_TF);
	ck_assert_uint_eq(vtpr32(), 0x20);
}
END_TEST

START_TEST(cr8_write_reserved_bits_gp)
{
	struct x86_intercept ic;

	enter(2, 0x40);
	ic = mov_cr8(true, GPR_RAX, 0x10);
	ck_assert_int_eq(run(&ic), ICPT_FAULT);
	ck_assert(F.cpu.pending_exception.valid);
	ck_assert_uint_eq(F.cpu.pending_exception.vector, 13);
	ck_assert_uint_eq(F.cpu.pending_exception.error_code, 0);
	ck_assert_uint_eq(vtpr32(), 0x40);
	ck_assert(!F.v->tpr_exit_pending);
	ck_assert(F.v->nonroot);
	ic = mov_cr8(true, GPR_RAX, 1ull << 63);
	F.cpu.pending_exception.valid = false;
	ck_assert_int_eq(run(&ic), ICPT_FAULT);
	ck_assert_uint_eq(vtpr32(), 0x40);
}
END_TEST

/* CR8-load / CR8-store exiting win over the TPR shadow (SDM 26.3). */
START_TEST(cr8_exiting_wins_over_shadow)
{
	struct x86_intercept ic;

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_CR8_LOAD_EXITING);
	enter(0xf, 0xf0);
	ic = mov_cr8(true, GPR_RDX, 1);
	ck_assert_int_eq(run(&ic), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_CR_ACCESS);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 8 | 2u << 8);
	ck_assert_uint_eq(vtpr32(), 0xf0);
	ck_assert(!F.v->tpr_exit_pending);
	ck_assert(!F.ctx.boundary_wanted);

	/* Store exiting: MOV from CR8 exits, MOV to CR8 uses the shadow. */
	fclr(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_CR8_LOAD_EXITING);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_CR8_STORE_EXITING);
	enter(0, 0x30);
	ic = mov_cr8(true, GPR_RDX, 7);
	ck_assert_int_eq(run(&ic), ICPT_EMULATED);
	ck_assert_uint_eq(vtpr32(), 0x70);
	ic = mov_cr8(false, GPR_RSI, 0);
	F.cpu.gpr[GPR_RSI] = 0x1234;
	ck_assert_int_eq(run(&ic), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_CR_ACCESS);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION),
			  8 | 1u << 4 | 6u << 8);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RSI], 0x1234);   /* not written */
}
END_TEST

/* Without the TPR shadow MOV CR8 goes to the real TPR (engine). */
START_TEST(cr8_without_shadow_is_real)
{
	struct x86_intercept ic;

	fclr(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TPR_SHADOW);
	/* Fields ignored without the control: no entry check on them. */
	fw(&F, VMCS_VIRTUAL_APIC_PAGE_ADDR, 0x123);
	enter(0xffff, 0);
	ic = mov_cr8(true, GPR_RAX, 2);
	ck_assert_int_eq(run(&ic), ICPT_CONTINUE);
	ic = mov_cr8(false, GPR_RAX, 0);
	ck_assert_int_eq(run(&ic), ICPT_CONTINUE);
	ck_assert(!F.v->tpr_exit_pending);
}
END_TEST

/* ---- VM-entry checks (SDM 27.2.1.1) ------------------------------------ */

START_TEST(entry_vapic_misaligned_fails_7)
{
	fw(&F, VMCS_VIRTUAL_APIC_PAGE_ADDR, FIX_VAPIC + 0x800);
	assert_entry_fails_7();
}
END_TEST

START_TEST(entry_vapic_beyond_maxphyaddr_fails_7)
{
	fw(&F, VMCS_VIRTUAL_APIC_PAGE_ADDR, 1ull << F.v->caps.maxphyaddr);
	assert_entry_fails_7();
}
END_TEST

START_TEST(entry_threshold_bits_31_4_fail_7)
{
	fw(&F, VMCS_TPR_THRESHOLD, 0x10);
	gmem_write_u8(&F.mem, VTPR, 0xff);
	assert_entry_fails_7();
}
END_TEST

START_TEST(entry_threshold_above_vtpr_fails_7)
{
	fw(&F, VMCS_TPR_THRESHOLD, 8);
	gmem_write_u8(&F.mem, VTPR, 0x7f);   /* VTPR[7:4] = 7 < 8 */
	assert_entry_fails_7();
	/* Equal is allowed, and then no exit right after entry (27.7.7
	 * needs "virtualize APIC accesses" and a VTPR below). */
	gmem_write_u8(&F.mem, VTPR, 0x80);
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
	ck_assert(!F.v->tpr_exit_pending);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
}
END_TEST

/* Outside RAM is no entry failure (SDM 27.2.1.1 checks alignment and
 * width only): VTPR reads as all ones there, so any threshold passes. */
START_TEST(entry_vapic_outside_ram_enters)
{
	static const uint64_t addrs[] = {
		FIX_MEM_SIZE, FIX_MEM_SIZE + 0x1000, 0x7ffffff000ull,
	};

	for (unsigned i = 0; i < 3; i++) {
		if (i) {
			teardown();
			setup();
		}
		fw(&F, VMCS_VIRTUAL_APIC_PAGE_ADDR, addrs[i]);
		fw(&F, VMCS_TPR_THRESHOLD, 15);
		ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true),
				 ICPT_SWITCHED);
		ck_assert(F.v->nonroot);
	}
}
END_TEST

/* A virtual-APIC page outside RAM at run time: no crash, VTPR reads as
 * all ones and writes go nowhere. */
START_TEST(vapic_outside_ram_at_runtime_no_crash)
{
	struct x86_intercept ic;

	enter(0, 0);
	fw(&F, VMCS_VIRTUAL_APIC_PAGE_ADDR, FIX_MEM_SIZE);
	fw(&F, VMCS_TPR_THRESHOLD, 3);
	ic = mov_cr8(false, GPR_RAX, 0);
	ck_assert_int_eq(run(&ic), ICPT_EMULATED);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RAX], 0xf);
	ic = mov_cr8(true, GPR_RAX, 1);
	ck_assert_int_eq(run(&ic), ICPT_EMULATED);
	ck_assert(!F.v->tpr_exit_pending);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmx_tpr");
	TCase *tc = tcase_create("tpr");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, caps_advertise_tpr_shadow_only);
	tcase_add_test(tc, cr8_read_returns_vtpr_high_nibble);
	tcase_add_test(tc, cr8_write_updates_vtpr_exactly);
	tcase_add_test(tc, cr8_write_below_threshold_exits_after_insn);
	tcase_add_test(tc, cr8_write_at_or_above_threshold_no_exit);
	tcase_add_test(tc, tpr_exit_before_mtf_and_nmi);
	tcase_add_test(tc, tpr_exit_before_init);
	tcase_add_test(tc, tpr_exit_takes_single_step_trap);
	tcase_add_test(tc, cr8_write_reserved_bits_gp);
	tcase_add_test(tc, cr8_exiting_wins_over_shadow);
	tcase_add_test(tc, cr8_without_shadow_is_real);
	tcase_add_test(tc, entry_vapic_misaligned_fails_7);
	tcase_add_test(tc, entry_vapic_beyond_maxphyaddr_fails_7);
	tcase_add_test(tc, entry_threshold_bits_31_4_fail_7);
	tcase_add_test(tc, entry_threshold_above_vtpr_fails_7);
	tcase_add_test(tc, entry_vapic_outside_ram_enters);
	tcase_add_test(tc, vapic_outside_ram_at_runtime_no_crash);
	suite_add_tcase(s, tc);
	return fix_run_suite(s);
}
