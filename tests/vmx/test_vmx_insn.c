// SPDX-License-Identifier: MIT
/*
 * VMX instruction side, no guest and no engine: every instruction is run
 * through vmx_intercept_ops against a fake engine (fake_ctx.c) and the
 * exact architectural result is checked - RFLAGS, VM-instruction error,
 * #UD/#GP/#PF, memory written, and what was handed to the VM-entry /
 * VM-exit side (recorded by fake_nonroot.c).
 * docs/vmx-coverage.md names these tests.  This file: VMXON, VMXOFF,
 * VMCLEAR, VMPTRLD, VMPTRST; test_vmx_insn_rw.c: VMREAD/VMWRITE and VMCS
 * shadowing; test_vmx_insn_misc.c: VMLAUNCH/VMRESUME, VMCALL, INVEPT,
 * INVVPID, VMFUNC, the VMX MSRs, MOV CR and non-root dispatch.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx_insn_fixture.h"

/* ===================== VMXON ========================================== */
START_TEST(vmxon_succeeds)
{
	V->current_vmcs = 0x7000;   /* VMXON makes it invalid */
	vmxon_ok();
	ck_assert(!V->nonroot);
	ck_assert_uint_eq(V->vmxon_ptr, VMXON_PA);
	ck_assert_uint_eq(V->current_vmcs, VMCS_PTR_NONE);
}
END_TEST

START_TEST(vmxon_ud_register_operand)
{
	ASSERT_UD(run(fake_vmx_reg(VMXI_VMXON, GPR_RAX, 0)));
	ck_assert(!V->vmxon);
}
END_TEST

START_TEST(vmxon_ud_real_mode)
{
	fake_mode_real(&F);
	ASSERT_UD(ptr_insn(VMXI_VMXON, VMXON_PA));
}
END_TEST

START_TEST(vmxon_ud_cr4_vmxe_clear)
{
	F.s.cr4 &= ~CR4_VMXE;
	ASSERT_UD(ptr_insn(VMXI_VMXON, VMXON_PA));
}
END_TEST

START_TEST(vmxon_ud_v86)
{
	fake_mode_v86(&F);
	ASSERT_UD(ptr_insn(VMXI_VMXON, VMXON_PA));
}
END_TEST

START_TEST(vmxon_ud_compat_mode)
{
	fake_mode_compat(&F);
	ASSERT_UD(ptr_insn(VMXI_VMXON, VMXON_PA));
}
END_TEST

START_TEST(vmxon_gp_cpl3)
{
	fake_set_cpl(&F, 3);
	ASSERT_GP0(ptr_insn(VMXI_VMXON, VMXON_PA));
	ck_assert(!V->vmxon);
}
END_TEST

START_TEST(vmxon_gp_cr0_fixed)
{
	F.s.cr0 &= ~CR0_NE;
	ASSERT_GP0(ptr_insn(VMXI_VMXON, VMXON_PA));
}
END_TEST

START_TEST(vmxon_gp_cr4_fixed1)
{
	F.s.cr4 |= CR4_SMXE;   /* not advertised: 0 in IA32_VMX_CR4_FIXED1 */
	ASSERT_GP0(ptr_insn(VMXI_VMXON, VMXON_PA));
}
END_TEST

START_TEST(vmxon_gp_feature_control_unlocked)
{
	F.s.msr.feature_control = FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	ASSERT_GP0(ptr_insn(VMXI_VMXON, VMXON_PA));
}
END_TEST

START_TEST(vmxon_gp_feature_control_disabled)
{
	F.s.msr.feature_control = FEATURE_CONTROL_LOCKED;
	ASSERT_GP0(ptr_insn(VMXI_VMXON, VMXON_PA));
}
END_TEST

START_TEST(vmxon_pf_operand)
{
	F.fault_lo = OPND;
	F.fault_hi = OPND + 1;
	ASSERT_FAULT(ptr_insn(VMXI_VMXON, VMXON_PA), 14);
	ck_assert(!V->vmxon);
}
END_TEST

START_TEST(vmxon_failinvalid_unaligned)
{
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMXON, VMXON_PA + 8));
	ck_assert(!V->vmxon);
}
END_TEST

START_TEST(vmxon_failinvalid_maxphyaddr)
{
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMXON,
				     VMXON_PA | (1ull << V->caps.maxphyaddr)));
	ck_assert(!V->vmxon);
}
END_TEST

/* MAXPHYADDR comes from the CPU model (46 by default, any width the model
 * sets): the capability description and the pointer checks follow it. */
START_TEST(vmxon_maxphyaddr_from_model)
{
	struct cpu_model m;

	ck_assert_uint_eq(V->caps.maxphyaddr, 46);
	cpu_model_default(&m);
	m.maxphyaddr = 40;
	vmx_vcpu_destroy(V);
	V = vmx_vcpu_create(&m);
	ck_assert_uint_eq(V->caps.maxphyaddr, 40);
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMXON, VMXON_PA | (1ull << 40)));
	/* Bit 39 is within the width: the region reads as all ones
	 * (beyond RAM), a revision failure, not an address one. */
	ck_assert(vmx_pa_ok(&V->caps, VMXON_PA | (1ull << 39)));
	ck_assert(!vmx_pa_ok(&V->caps, VMXON_PA | (1ull << 40)));
	ASSERT_SUCCEED(ptr_insn(VMXI_VMXON, VMXON_PA));
	ck_assert(V->vmxon);
}
END_TEST

START_TEST(vmxon_failinvalid_revision)
{
	gmem_write_u32(&F.mem, VMXON_PA, VMX_REVISION_ID + 1);
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMXON, VMXON_PA));
	gmem_write_u32(&F.mem, VMXON_PA, VMX_REVISION_ID | 0x80000000u);
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMXON, VMXON_PA));
	ck_assert(!V->vmxon);
}
END_TEST

START_TEST(vmxon_failinvalid_outside_ram)
{
	/* Within MAXPHYADDR but beyond RAM: reads as all ones. */
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMXON, MEM_SIZE + 0x1000));
	ck_assert(!V->vmxon);
}
END_TEST

START_TEST(vmxon_in_root_fail_15)
{
	vmxon_ok();
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMXON, VMXON_PA));
	load(VMCS_A);
	ASSERT_FAIL_VALID(ptr_insn(VMXI_VMXON, VMXON_PA),
			  VMXERR_VMXON_IN_ROOT);
}
END_TEST

START_TEST(vmxon_in_root_gp_cpl3)
{
	vmxon_ok();
	fake_set_cpl(&F, 3);
	ASSERT_GP0(ptr_insn(VMXI_VMXON, VMXON_PA));
}
END_TEST

START_TEST(vmxon_nonroot_exits)
{
	enter_nonroot();
	fake_set_cpl(&F, 3);   /* the VM exit comes before the CPL check */
	ASSERT_EXIT(ptr_insn(VMXI_VMXON, VMXON_PA), EXIT_REASON_VMXON, DISP);
}
END_TEST

/* ===================== VMXOFF ========================================= */
START_TEST(vmxoff_succeeds_and_flushes)
{
	uint64_t rip = 0;

	enter_nonroot();
	V->nonroot = false;
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RIP, 0xfeedf00d));
	ASSERT_SUCCEED(simple(VMXI_VMXOFF));
	ck_assert(!V->vmxon);
	ck_assert_uint_eq(V->current_vmcs, VMCS_PTR_NONE);
	gmem_read_u64(&F.mem, VMCS_A + VMCS_OFF_DATA + 8 * VMCS_IDX_GUEST_RIP,
		      &rip);
	ck_assert_uint_eq(rip, 0xfeedf00d);
	/* Out of VMX operation now. */
	ASSERT_UD(ptr_insn(VMXI_VMCLEAR, VMCS_A));
}
END_TEST

START_TEST(vmxoff_ud_outside_vmx)
{
	ASSERT_UD(simple(VMXI_VMXOFF));
}
END_TEST

START_TEST(vmxoff_ud_compat_mode)
{
	vmxon_ok();
	fake_mode_compat(&F);
	ASSERT_UD(simple(VMXI_VMXOFF));
	ck_assert(V->vmxon);
}
END_TEST

START_TEST(vmxoff_ud_v86)
{
	vmxon_ok();
	fake_mode_v86(&F);
	ASSERT_UD(simple(VMXI_VMXOFF));
}
END_TEST

START_TEST(vmxoff_gp_cpl3)
{
	vmxon_ok();
	/* Any CPL above 0, not only 3 (SDM 31.3: "ELSIF CPL > 0"). */
	for (unsigned cpl = 1; cpl <= 3; cpl++) {
		fake_set_cpl(&F, cpl);
		ASSERT_GP0(simple(VMXI_VMXOFF));
		ck_assert(V->vmxon);
	}
}
END_TEST

START_TEST(vmxoff_nonroot_exits)
{
	enter_nonroot();
	ASSERT_EXIT(simple(VMXI_VMXOFF), EXIT_REASON_VMXOFF, 0);
	ck_assert(V->vmxon);
}
END_TEST

/* ===================== VMCLEAR ======================================== */
START_TEST(vmclear_clears_launch_state)
{
	uint32_t ls = 7, rev = 0, abort_ind = 0;
	uint64_t val = 0;

	vmxon_ok();
	gmem_write_u32(&F.mem, VMCS_A + VMCS_OFF_ABORT, 0x11223344);
	load(VMCS_A);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_CR3, 0xabc000));
	vmx_set_launched(V, true);
	ASSERT_SUCCEED(ptr_insn(VMXI_VMCLEAR, VMCS_A));
	ck_assert_uint_eq(V->current_vmcs, VMCS_PTR_NONE);
	gmem_read_u32(&F.mem, VMCS_A + VMCS_OFF_LAUNCH, &ls);
	ck_assert_uint_eq(ls, VMCS_LAUNCH_CLEAR);
	gmem_read_u64(&F.mem, VMCS_A + VMCS_OFF_DATA + 8 * VMCS_IDX_GUEST_CR3,
		      &val);
	ck_assert_uint_eq(val, 0xabc000);
	/* Revision and abort indicator are software's, left alone. */
	gmem_read_u32(&F.mem, VMCS_A, &rev);
	gmem_read_u32(&F.mem, VMCS_A + VMCS_OFF_ABORT, &abort_ind);
	ck_assert_uint_eq(rev, VMX_REVISION_ID);
	ck_assert_uint_eq(abort_ind, 0x11223344);
	/* Loading it again: clear, so VMLAUNCH reaches VM entry. */
	ASSERT_SUCCEED(ptr_insn(VMXI_VMPTRLD, VMCS_A));
	ck_assert_int_eq(simple(VMXI_VMLAUNCH), ICPT_SWITCHED);
	ck_assert_uint_eq(fake_nr.entries, 1);
}
END_TEST

START_TEST(vmclear_other_keeps_current)
{
	vmxon_ok();
	load(VMCS_A);
	ASSERT_SUCCEED(ptr_insn(VMXI_VMCLEAR, VMCS_B));
	ck_assert_uint_eq(V->current_vmcs, VMCS_A);
}
END_TEST

START_TEST(vmclear_ud_register_operand)
{
	vmxon_ok();
	ASSERT_UD(run(fake_vmx_reg(VMXI_VMCLEAR, GPR_RAX, 0)));
}
END_TEST

START_TEST(vmclear_ud_outside_vmx)
{
	ASSERT_UD(ptr_insn(VMXI_VMCLEAR, VMCS_A));
}
END_TEST

START_TEST(vmclear_ud_compat_mode)
{
	vmxon_ok();
	fake_mode_compat(&F);
	ASSERT_UD(ptr_insn(VMXI_VMCLEAR, VMCS_A));
}
END_TEST

START_TEST(vmclear_gp_cpl3)
{
	vmxon_ok();
	fake_set_cpl(&F, 3);
	ASSERT_GP0(ptr_insn(VMXI_VMCLEAR, VMCS_A));
}
END_TEST

START_TEST(vmclear_fail_2_invalid_address)
{
	vmxon_ok();
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMCLEAR, VMCS_A + 4));
	load(VMCS_B);
	ASSERT_FAIL_VALID(ptr_insn(VMXI_VMCLEAR, VMCS_A + 4),
			  VMXERR_VMCLEAR_INVALID_ADDR);
	ASSERT_FAIL_VALID(ptr_insn(VMXI_VMCLEAR, 1ull << 63),
			  VMXERR_VMCLEAR_INVALID_ADDR);
}
END_TEST

START_TEST(vmclear_fail_3_vmxon_pointer)
{
	vmxon_ok();
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMCLEAR, VMXON_PA));
	load(VMCS_B);
	ASSERT_FAIL_VALID(ptr_insn(VMXI_VMCLEAR, VMXON_PA),
			  VMXERR_VMCLEAR_VMXON_PTR);
}
END_TEST

START_TEST(vmclear_outside_ram_no_crash)
{
	vmxon_ok();
	ASSERT_SUCCEED(ptr_insn(VMXI_VMCLEAR, MEM_SIZE + 0x10000));
}
END_TEST

START_TEST(vmclear_nonroot_exits)
{
	enter_nonroot();
	ASSERT_EXIT(ptr_insn(VMXI_VMCLEAR, VMCS_B), EXIT_REASON_VMCLEAR, DISP);
}
END_TEST

/* ===================== VMPTRLD ======================================== */
START_TEST(vmptrld_flushes_previous)
{
	uint64_t val = 0, got = 0;

	vmxon_ok();
	load(VMCS_A);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RIP, 0x1234));
	load(VMCS_B);
	gmem_read_u64(&F.mem, VMCS_A + VMCS_OFF_DATA + 8 * VMCS_IDX_GUEST_RIP,
		      &val);
	ck_assert_uint_eq(val, 0x1234);
	ASSERT_SUCCEED(vmread(VMCS_GUEST_RIP, &got));
	ck_assert_uint_eq(got, 0);
	ASSERT_SUCCEED(ptr_insn(VMXI_VMPTRLD, VMCS_A));
	ASSERT_SUCCEED(vmread(VMCS_GUEST_RIP, &got));
	ck_assert_uint_eq(got, 0x1234);
}
END_TEST

START_TEST(vmptrld_fail_9_invalid_address)
{
	vmxon_ok();
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMPTRLD, VMCS_A + 0x800));
	load(VMCS_B);
	ASSERT_FAIL_VALID(ptr_insn(VMXI_VMPTRLD, VMCS_A + 0x800),
			  VMXERR_VMPTRLD_INVALID_ADDR);
	ASSERT_FAIL_VALID(ptr_insn(VMXI_VMPTRLD,
				   VMCS_A | (1ull << V->caps.maxphyaddr)),
			  VMXERR_VMPTRLD_INVALID_ADDR);
	ck_assert_uint_eq(V->current_vmcs, VMCS_B);
}
END_TEST

START_TEST(vmptrld_fail_10_vmxon_pointer)
{
	vmxon_ok();
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMPTRLD, VMXON_PA));
	load(VMCS_B);
	ASSERT_FAIL_VALID(ptr_insn(VMXI_VMPTRLD, VMXON_PA),
			  VMXERR_VMPTRLD_VMXON_PTR);
}
END_TEST

START_TEST(vmptrld_fail_11_revision)
{
	vmxon_ok();
	gmem_write_u32(&F.mem, VMCS_A, 0x12345);
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMPTRLD, VMCS_A));
	load(VMCS_B);
	ASSERT_FAIL_VALID(ptr_insn(VMXI_VMPTRLD, VMCS_A),
			  VMXERR_VMPTRLD_BAD_REVISION);
	/* Shadow-VMCS indicator set, VMCS shadowing not supported (a CPU
	 * model without it). */
	gmem_write_u32(&F.mem, VMCS_A, VMX_REVISION_ID | 0x80000000u);
	V->caps.proc2.may1 &= ~CPU2_VMCS_SHADOWING;
	ASSERT_FAIL_VALID(ptr_insn(VMXI_VMPTRLD, VMCS_A),
			  VMXERR_VMPTRLD_BAD_REVISION);
	/* Bits 30:0 still have to match with the indicator set. */
	V->caps.proc2.may1 |= CPU2_VMCS_SHADOWING;
	gmem_write_u32(&F.mem, VMCS_A, (VMX_REVISION_ID + 1) | 0x80000000u);
	ASSERT_FAIL_VALID(ptr_insn(VMXI_VMPTRLD, VMCS_A),
			  VMXERR_VMPTRLD_BAD_REVISION);
	/* Outside RAM: revision reads as all ones. */
	ASSERT_FAIL_VALID(ptr_insn(VMXI_VMPTRLD, MEM_SIZE + 0x3000),
			  VMXERR_VMPTRLD_BAD_REVISION);
	ck_assert_uint_eq(V->current_vmcs, VMCS_B);
}
END_TEST

START_TEST(vmptrld_ud_register_operand)
{
	vmxon_ok();
	ASSERT_UD(run(fake_vmx_reg(VMXI_VMPTRLD, GPR_RAX, 0)));
}
END_TEST

START_TEST(vmptrld_ud_outside_vmx)
{
	ASSERT_UD(ptr_insn(VMXI_VMPTRLD, VMCS_A));
}
END_TEST

START_TEST(vmptrld_gp_cpl3)
{
	vmxon_ok();
	fake_set_cpl(&F, 3);
	ASSERT_GP0(ptr_insn(VMXI_VMPTRLD, VMCS_A));
}
END_TEST

START_TEST(vmptrld_pf_operand)
{
	vmxon_ok();
	F.fault_lo = OPND + 7;
	F.fault_hi = OPND + 8;
	ASSERT_FAULT(ptr_insn(VMXI_VMPTRLD, VMCS_A), 14);
	ck_assert_uint_eq(V->current_vmcs, VMCS_PTR_NONE);
}
END_TEST

START_TEST(vmptrld_nonroot_exits)
{
	enter_nonroot();
	ASSERT_EXIT(ptr_insn(VMXI_VMPTRLD, VMCS_B), EXIT_REASON_VMPTRLD, DISP);
	ck_assert_uint_eq(V->current_vmcs, VMCS_A);
}
END_TEST

/* ===================== VMPTRST ======================================== */
START_TEST(vmptrst_stores_pointer)
{
	uint64_t p = 0;

	vmxon_ok();
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMPTRST, SCRATCH, 0, 0)));
	gmem_read_u64(&F.mem, SCRATCH, &p);
	ck_assert_uint_eq(p, VMCS_PTR_NONE);
	load(VMCS_B);
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMPTRST, SCRATCH, 0, 0)));
	gmem_read_u64(&F.mem, SCRATCH, &p);
	ck_assert_uint_eq(p, VMCS_B);
}
END_TEST

START_TEST(vmptrst_ud_register_operand)
{
	vmxon_ok();
	ASSERT_UD(run(fake_vmx_reg(VMXI_VMPTRST, GPR_RAX, 0)));
}
END_TEST

START_TEST(vmptrst_gp_cpl3)
{
	vmxon_ok();
	fake_set_cpl(&F, 3);
	ASSERT_GP0(run(fake_vmx_mem(VMXI_VMPTRST, SCRATCH, 0, 0)));
}
END_TEST

START_TEST(vmptrst_pf_destination)
{
	uint64_t p = 0x77;

	vmxon_ok();
	gmem_write_u64(&F.mem, SCRATCH, p);
	F.fault_lo = SCRATCH;
	F.fault_hi = SCRATCH + 8;
	ASSERT_FAULT(run(fake_vmx_mem(VMXI_VMPTRST, SCRATCH, 0, 0)), 14);
	gmem_read_u64(&F.mem, SCRATCH, &p);
	ck_assert_uint_eq(p, 0x77);
}
END_TEST

START_TEST(vmptrst_nonroot_exits)
{
	enter_nonroot();
	ASSERT_EXIT(run(fake_vmx_mem(VMXI_VMPTRST, SCRATCH, -8, 0)),
		    EXIT_REASON_VMPTRST, (uint64_t)-8);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmx_insn");
	TCase *t = tcase_create("all");

	tcase_add_checked_fixture(t, insn_setup, insn_teardown);
#define T(name) tcase_add_test(t, name)
	T(vmxon_succeeds); T(vmxon_ud_register_operand); T(vmxon_ud_real_mode);
	T(vmxon_ud_cr4_vmxe_clear); T(vmxon_ud_v86); T(vmxon_ud_compat_mode);
	T(vmxon_gp_cpl3); T(vmxon_gp_cr0_fixed); T(vmxon_gp_cr4_fixed1);
	T(vmxon_gp_feature_control_unlocked); T(vmxon_gp_feature_control_disabled);
	T(vmxon_pf_operand); T(vmxon_failinvalid_unaligned);
	T(vmxon_failinvalid_maxphyaddr); T(vmxon_maxphyaddr_from_model);
	T(vmxon_failinvalid_revision); T(vmxon_failinvalid_outside_ram);
	T(vmxon_in_root_fail_15); T(vmxon_in_root_gp_cpl3); T(vmxon_nonroot_exits);
	T(vmxoff_succeeds_and_flushes); T(vmxoff_ud_outside_vmx);
	T(vmxoff_ud_compat_mode); T(vmxoff_ud_v86); T(vmxoff_gp_cpl3);
	T(vmxoff_nonroot_exits); T(vmclear_clears_launch_state);
	T(vmclear_other_keeps_current); T(vmclear_ud_register_operand);
	T(vmclear_ud_outside_vmx); T(vmclear_ud_compat_mode); T(vmclear_gp_cpl3);
	T(vmclear_fail_2_invalid_address); T(vmclear_fail_3_vmxon_pointer);
	T(vmclear_outside_ram_no_crash); T(vmclear_nonroot_exits);
	T(vmptrld_flushes_previous); T(vmptrld_fail_9_invalid_address);
	T(vmptrld_fail_10_vmxon_pointer); T(vmptrld_fail_11_revision);
	T(vmptrld_ud_register_operand); T(vmptrld_ud_outside_vmx);
	T(vmptrld_gp_cpl3); T(vmptrld_pf_operand); T(vmptrld_nonroot_exits);
	T(vmptrst_stores_pointer); T(vmptrst_ud_register_operand);
	T(vmptrst_gp_cpl3); T(vmptrst_pf_destination); T(vmptrst_nonroot_exits);
#undef T
	vmx_insn_rw_tests(t);
	vmx_insn_misc_tests(t);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
