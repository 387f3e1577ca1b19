// SPDX-License-Identifier: MIT
/*
 * VMX instruction side, no guest and no engine: every instruction is run
 * through vmx_intercept_ops against a fake engine (fake_ctx.c) and the
 * exact architectural result is checked - RFLAGS, VM-instruction error,
 * #UD/#GP/#PF, memory written, and what was handed to the VM-entry /
 * VM-exit side (recorded by fake_nonroot.c).
 * docs/vmx-coverage.md names these tests.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fake_ctx.h"
#include "fake_nonroot.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define MEM_SIZE  (4ull << 20)
#define OPND      0x100ull     /* 64-bit pointer operands live here */
#define SCRATCH   0x200ull
#define VMXON_PA  0x1000ull
#define VMCS_A    0x2000ull
#define VMCS_B    0x3000ull
#define EPTP_LIST 0x4000ull
#define DISP      0x30

static struct fake_cpu F;
static struct vmx_vcpu *V;

static void setup(void)
{
	struct cpu_model m;

	ck_assert_int_eq(fake_init(&F, MEM_SIZE), 0);
	cpu_model_default(&m);
	V = vmx_vcpu_create(&m);
	ck_assert_ptr_nonnull(V);
	memset(&fake_nr, 0, sizeof(fake_nr));
	gmem_write_u32(&F.mem, VMXON_PA, VMX_REVISION_ID);
	gmem_write_u32(&F.mem, VMCS_A, VMX_REVISION_ID);
	gmem_write_u32(&F.mem, VMCS_B, VMX_REVISION_ID);
}

static void teardown(void)
{
	vmx_vcpu_destroy(V);
	fake_destroy(&F);
}

/* Run one intercept with every arithmetic flag set beforehand, so that a
 * VMsucceed/VMfail is visible and a fault leaves them all set. */
static enum icpt_result run_p(struct x86_intercept *ic)
{
	F.s.rflags |= VMX_ARITH_FLAGS;
	F.s.pending_exception.valid = false;
	return vmx_intercept_ops.intercept(V, &F.ctx, ic);
}

static enum icpt_result run(struct x86_intercept ic)
{
	return run_p(&ic);
}

static enum icpt_result ptr_insn(enum vmx_insn_id w, uint64_t pa)
{
	gmem_write_u64(&F.mem, OPND, pa);
	return run(fake_vmx_mem(w, OPND, DISP, 0));
}

static enum icpt_result simple(enum vmx_insn_id w)
{
	return run(fake_vmx_reg(w, 0, 0));
}

#define ASSERT_SUCCEED(r) do { \
	ck_assert_int_eq((r), ICPT_EMULATED); \
	ck_assert_uint_eq(F.s.rflags & VMX_ARITH_FLAGS, 0); \
} while (0)
#define ASSERT_FAIL_INVALID(r) do { \
	ck_assert_int_eq((r), ICPT_EMULATED); \
	ck_assert_uint_eq(F.s.rflags & VMX_ARITH_FLAGS, RFLAGS_CF); \
} while (0)
#define ASSERT_FAIL_VALID(r, n) do { \
	ck_assert_int_eq((r), ICPT_EMULATED); \
	ck_assert_uint_eq(F.s.rflags & VMX_ARITH_FLAGS, RFLAGS_ZF); \
	ck_assert_uint_eq(vmcs_read(V, VMCS_VM_INSTRUCTION_ERROR), (n)); \
} while (0)
#define ASSERT_FAULT(r, vec) do { \
	ck_assert_int_eq((r), ICPT_FAULT); \
	ck_assert(F.s.pending_exception.valid); \
	ck_assert_uint_eq(F.s.pending_exception.vector, (vec)); \
	ck_assert_uint_eq(F.s.rflags & VMX_ARITH_FLAGS, VMX_ARITH_FLAGS); \
} while (0)
#define ASSERT_UD(r) ASSERT_FAULT(r, 6)
#define ASSERT_GP0(r) do { \
	ASSERT_FAULT(r, 13); \
	ck_assert(F.s.pending_exception.has_error_code); \
	ck_assert_uint_eq(F.s.pending_exception.error_code, 0); \
} while (0)
#define ASSERT_EXIT(r, why, q) do { \
	ck_assert_int_eq((r), ICPT_SWITCHED); \
	ck_assert_uint_eq(fake_nr.exits, 1); \
	ck_assert_uint_eq(fake_nr.reason, (why)); \
	ck_assert_uint_eq(fake_nr.qual, (q)); \
} while (0)

static void vmxon_ok(void)
{
	ASSERT_SUCCEED(ptr_insn(VMXI_VMXON, VMXON_PA));
	ck_assert(V->vmxon);
}

static void load(uint64_t pa)
{
	ASSERT_SUCCEED(ptr_insn(VMXI_VMCLEAR, pa));
	ASSERT_SUCCEED(ptr_insn(VMXI_VMPTRLD, pa));
	ck_assert_uint_eq(V->current_vmcs, pa);
}

/* VMWRITE/VMREAD with register operands: encoding in RAX (ModRM.reg),
 * value in RBX / result in RCX (r/m). */
static enum icpt_result vmwrite(uint64_t enc, uint64_t val)
{
	F.s.gpr[GPR_RAX] = enc;
	F.s.gpr[GPR_RBX] = val;
	return run(fake_vmx_reg(VMXI_VMWRITE, GPR_RBX, GPR_RAX));
}

static enum icpt_result vmread(uint64_t enc, uint64_t *out)
{
	enum icpt_result r;

	F.s.gpr[GPR_RAX] = enc;
	F.s.gpr[GPR_RCX] = 0x5a5a5a5a5a5a5a5aull;
	r = run(fake_vmx_reg(VMXI_VMREAD, GPR_RCX, GPR_RAX));
	*out = F.s.gpr[GPR_RCX];
	return r;
}

static void enter_nonroot(void)
{
	vmxon_ok();
	load(VMCS_A);
	V->nonroot = true;
}

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

/* ===================== VMREAD / VMWRITE ================================ */
static uint64_t pattern(unsigned i)
{
	return 0x8123456789abcdefull ^ ((uint64_t)i * 0x0101010101010101ull);
}

START_TEST(vmrw_roundtrip_all_fields)
{
	unsigned tested = 0;

	vmxon_ok();
	load(VMCS_A);
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		const struct vmcs_field *f = &vmcs_field_table[i];
		uint64_t got = 0, want = pattern(i) & vmcs_width_mask(f->width);

		if (!vmx_feature_supported(&V->caps, f->feature)) {
			ASSERT_FAIL_VALID(vmwrite(f->encoding, pattern(i)),
					  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
			ASSERT_FAIL_VALID(vmread(f->encoding, &got),
					  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
			ck_assert_uint_eq(got, 0x5a5a5a5a5a5a5a5aull);
			continue;
		}
		if (f->access == VMCS_RO) {
			ASSERT_FAIL_VALID(vmwrite(f->encoding, pattern(i)),
					  VMXERR_VMWRITE_READ_ONLY);
			vmcs_write(V, f->encoding, pattern(i));
		} else {
			ASSERT_SUCCEED(vmwrite(f->encoding, pattern(i)));
		}
		ASSERT_SUCCEED(vmread(f->encoding, &got));
		ck_assert_msg(got == want, "%s: %#lx != %#lx", f->name,
			      (unsigned long)got, (unsigned long)want);
		tested++;
	}
	ck_assert_uint_gt(tested, 120);
}
END_TEST

START_TEST(vmrw_high_access)
{
	uint64_t got = 0;

	vmxon_ok();
	load(VMCS_A);
	ASSERT_SUCCEED(vmwrite(VMCS_TSC_OFFSET, 0x1122334455667788ull));
	ASSERT_SUCCEED(vmread(VMCS_TSC_OFFSET | 1, &got));
	ck_assert_uint_eq(got, 0x11223344);
	ASSERT_SUCCEED(vmwrite(VMCS_TSC_OFFSET | 1, 0xffffffffcafebabeull));
	ASSERT_SUCCEED(vmread(VMCS_TSC_OFFSET, &got));
	ck_assert_uint_eq(got, 0xcafebabe55667788ull);
	/* HIGH of a 32-bit / natural / 16-bit field names no component. */
	ASSERT_FAIL_VALID(vmread(VMCS_EXCEPTION_BITMAP | 1, &got),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	ASSERT_FAIL_VALID(vmwrite(VMCS_GUEST_RIP | 1, 1),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	ASSERT_FAIL_VALID(vmwrite(VMCS_GUEST_CS_SELECTOR | 1, 1),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	/* HIGH of a read-only 64-bit field is read-only too. */
	ASSERT_FAIL_VALID(vmwrite(VMCS_GUEST_PHYSICAL_ADDRESS | 1, 1),
			  VMXERR_VMWRITE_READ_ONLY);
}
END_TEST

START_TEST(vmrw_fail_12_unsupported)
{
	uint64_t got;

	vmxon_ok();
	load(VMCS_A);
	/* Not a field; reserved bit 12; bits above 15; bits 63:32. */
	ASSERT_FAIL_VALID(vmread(0x0006, &got),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	ASSERT_FAIL_VALID(vmread(VMCS_GUEST_RIP | 0x1000, &got),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	ASSERT_FAIL_VALID(vmwrite(VMCS_GUEST_RIP | 0x10000, 1),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	ASSERT_FAIL_VALID(vmwrite(VMCS_GUEST_RIP | (1ull << 32), 1),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	/* Defined by the SDM, but its feature is not advertised. */
	ASSERT_FAIL_VALID(vmread(VMCS_ENCLS_EXITING_BITMAP, &got),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
}
END_TEST

START_TEST(vmrw_fail_13_read_only)
{
	unsigned n = 0;

	vmxon_ok();
	load(VMCS_A);
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		const struct vmcs_field *f = &vmcs_field_table[i];

		if (f->group != VMCS_GRP_EXIT_INFO ||
		    !vmx_feature_supported(&V->caps, f->feature))
			continue;
		vmcs_write(V, f->encoding, 0x42);
		ASSERT_FAIL_VALID(vmwrite(f->encoding, 7),
				  VMXERR_VMWRITE_READ_ONLY);
		/* The failure wrote error 13 to the VM-instruction error
		 * field; the field itself is unchanged. */
		if (f->encoding != VMCS_VM_INSTRUCTION_ERROR)
			ck_assert_uint_eq(vmcs_read(V, f->encoding), 0x42);
		n++;
	}
	ck_assert_uint_eq(n, 15);
}
END_TEST

START_TEST(vmrw_failinvalid_no_current)
{
	uint64_t got;

	vmxon_ok();
	ASSERT_FAIL_INVALID(vmread(VMCS_GUEST_RIP, &got));
	ck_assert_uint_eq(got, 0x5a5a5a5a5a5a5a5aull);
	ASSERT_FAIL_INVALID(vmwrite(VMCS_GUEST_RIP, 1));
}
END_TEST

START_TEST(vmrw_memory_operands_64)
{
	uint64_t v = 0xdeadbeef12345678ull, got = 0;

	vmxon_ok();
	load(VMCS_A);
	gmem_write_u64(&F.mem, SCRATCH, v);
	F.s.gpr[GPR_RDX] = VMCS_GUEST_RSP;
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMWRITE, SCRATCH, 0, GPR_RDX)));
	gmem_write_u64(&F.mem, SCRATCH + 8, 0);
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMREAD, SCRATCH + 8, 0, GPR_RDX)));
	gmem_read_u64(&F.mem, SCRATCH + 8, &got);
	ck_assert_uint_eq(got, v);
	/* A 16-bit field is zero-extended to the 64-bit operand. */
	gmem_write_u64(&F.mem, SCRATCH + 8, UINT64_MAX);
	F.s.gpr[GPR_RDX] = VMCS_GUEST_SS_SELECTOR;
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMWRITE, SCRATCH, 0, GPR_RDX)));
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMREAD, SCRATCH + 8, 0, GPR_RDX)));
	gmem_read_u64(&F.mem, SCRATCH + 8, &got);
	ck_assert_uint_eq(got, 0x5678);
}
END_TEST

START_TEST(vmrw_32bit_mode_operands)
{
	uint64_t got = 0, mem = 0;

	vmxon_ok();
	load(VMCS_A);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0xaaaabbbbccccddddull));
	fake_mode_legacy32(&F);
	/* Encoding register is 32 bits: bits 63:32 are ignored. */
	ASSERT_SUCCEED(vmread(0xffffffff00000000ull | VMCS_GUEST_IA32_DEBUGCTL,
			      &got));
	ck_assert_uint_eq(got, 0xccccdddd);
	ASSERT_SUCCEED(vmread(VMCS_GUEST_IA32_DEBUGCTL | 1, &got));
	ck_assert_uint_eq(got, 0xaaaabbbb);
	/* FULL write of a 64-bit field from 32 bits clears the high half. */
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0x9999999911112222ull));
	ck_assert_uint_eq(vmcs_read(V, VMCS_GUEST_IA32_DEBUGCTL), 0x11112222);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_IA32_DEBUGCTL | 1, 0x33334444));
	ck_assert_uint_eq(vmcs_read(V, VMCS_GUEST_IA32_DEBUGCTL),
			  0x3333444411112222ull);
	/* Natural-width: 32 bits. */
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RIP, 0x123456789ull));
	ck_assert_uint_eq(vmcs_read(V, VMCS_GUEST_RIP), 0x23456789);
	/* Memory destination: exactly 4 bytes written. */
	gmem_write_u64(&F.mem, SCRATCH, UINT64_MAX);
	F.s.gpr[GPR_RDX] = VMCS_GUEST_RIP;
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMREAD, SCRATCH, 0, GPR_RDX)));
	gmem_read_u64(&F.mem, SCRATCH, &mem);
	ck_assert_uint_eq(mem, 0xffffffff23456789ull);
	/* Memory source: 4 bytes read. */
	gmem_write_u64(&F.mem, SCRATCH, 0x7777777700000010ull);
	F.s.gpr[GPR_RDX] = VMCS_CR3_TARGET_COUNT;
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMWRITE, SCRATCH, 0, GPR_RDX)));
	ck_assert_uint_eq(vmcs_read(V, VMCS_CR3_TARGET_COUNT), 0x10);
}
END_TEST

START_TEST(vmrw_ud_compat_and_outside)
{
	uint64_t got;

	ASSERT_UD(vmread(VMCS_GUEST_RIP, &got));
	ASSERT_UD(vmwrite(VMCS_GUEST_RIP, 1));
	vmxon_ok();
	load(VMCS_A);
	fake_mode_compat(&F);
	ASSERT_UD(vmread(VMCS_GUEST_RIP, &got));
	ASSERT_UD(vmwrite(VMCS_GUEST_RIP, 1));
	fake_mode_v86(&F);
	ASSERT_UD(vmwrite(VMCS_GUEST_RIP, 1));
}
END_TEST

START_TEST(vmrw_gp_cpl3)
{
	uint64_t got;

	vmxon_ok();
	load(VMCS_A);
	fake_set_cpl(&F, 3);
	ASSERT_GP0(vmread(VMCS_GUEST_RIP, &got));
	ASSERT_GP0(vmwrite(VMCS_GUEST_RIP, 1));
}
END_TEST

START_TEST(vmrw_pf_memory_operand)
{
	vmxon_ok();
	load(VMCS_A);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RSP, 5));
	F.fault_lo = SCRATCH;
	F.fault_hi = SCRATCH + 1;
	F.s.gpr[GPR_RDX] = VMCS_GUEST_RSP;
	ASSERT_FAULT(run(fake_vmx_mem(VMXI_VMWRITE, SCRATCH, 0, GPR_RDX)), 14);
	ASSERT_FAULT(run(fake_vmx_mem(VMXI_VMREAD, SCRATCH, 0, GPR_RDX)), 14);
	ck_assert_uint_eq(vmcs_read(V, VMCS_GUEST_RSP), 5);
}
END_TEST

START_TEST(vmrw_nonroot_exits)
{
	uint64_t got;

	enter_nonroot();
	ASSERT_EXIT(vmread(VMCS_GUEST_RIP, &got), EXIT_REASON_VMREAD, 0);
	fake_nr.exits = 0;
	F.s.gpr[GPR_RDX] = VMCS_GUEST_RSP;
	ASSERT_EXIT(run(fake_vmx_mem(VMXI_VMWRITE, SCRATCH, 0x44, GPR_RDX)),
		    EXIT_REASON_VMWRITE, 0x44);
}
END_TEST

/* ===================== VMCS shadowing (SDM 25.10, 31.3) =============== */
#define SHADOW    0x5000ull
#define RD_BITMAP 0x6000ull
#define WR_BITMAP 0x7000ull
#define SHADOW_REV (VMX_REVISION_ID | 0x80000000u)

/* VMCS A current and in non-root operation with VMCS shadowing, the link
 * pointer at SHADOW (a shadow VMCS with GUEST_RIP 0x1234 written in root
 * operation), both bitmaps clear. */
static void shadow_setup(void)
{
	uint64_t zero[512] = { 0 };

	vmxon_ok();
	gmem_write_u32(&F.mem, SHADOW, SHADOW_REV);
	load(SHADOW);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RIP, 0x1234));
	load(VMCS_A);
	gmem_write(&F.mem, RD_BITMAP, zero, sizeof(zero));
	gmem_write(&F.mem, WR_BITMAP, zero, sizeof(zero));
	ASSERT_SUCCEED(vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL,
			       CPU_ACTIVATE_SECONDARY));
	ASSERT_SUCCEED(vmwrite(VMCS_SECONDARY_VM_EXEC_CONTROL,
			       CPU2_VMCS_SHADOWING));
	ASSERT_SUCCEED(vmwrite(VMCS_VMREAD_BITMAP, RD_BITMAP));
	ASSERT_SUCCEED(vmwrite(VMCS_VMWRITE_BITMAP, WR_BITMAP));
	ASSERT_SUCCEED(vmwrite(VMCS_VMCS_LINK_POINTER, SHADOW));
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RIP, 0xaaaa));
	V->nonroot = true;
}

static void bitmap_set(uint64_t bitmap, uint32_t enc)
{
	uint8_t b = 0;

	enc &= 0x7fff;
	gmem_read_u8(&F.mem, bitmap + enc / 8, &b);
	gmem_write_u8(&F.mem, bitmap + enc / 8, b | (1u << (enc % 8)));
}

START_TEST(shadow_vmread_reads_linked_vmcs)
{
	uint64_t got;

	shadow_setup();
	ASSERT_SUCCEED(vmread(VMCS_GUEST_RIP, &got));
	ck_assert_uint_eq(got, 0x1234);
	ck_assert_uint_eq(fake_nr.exits, 0);
	/* HIGH access and width as in root operation. */
	ASSERT_SUCCEED(vmwrite(VMCS_TSC_OFFSET, 0x1122334455667788ull));
	ASSERT_SUCCEED(vmread(VMCS_TSC_OFFSET | 1, &got));
	ck_assert_uint_eq(got, 0x11223344);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_ES_SELECTOR, 0x123456));
	ASSERT_SUCCEED(vmread(VMCS_GUEST_ES_SELECTOR, &got));
	ck_assert_uint_eq(got, 0x3456);
	/* The current (ordinary) VMCS is untouched. */
	ck_assert_uint_eq(vmcs_read(V, VMCS_GUEST_RIP), 0xaaaa);
	ck_assert_uint_eq(vmcs_read(V, VMCS_TSC_OFFSET), 0);
}
END_TEST

START_TEST(shadow_vmwrite_writes_linked_vmcs)
{
	uint64_t got;

	shadow_setup();
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RSP, 0x7777));
	ck_assert_uint_eq(vmcs_read(V, VMCS_GUEST_RSP), 0);
	V->nonroot = false;
	load(VMCS_B);          /* a VMPTRLD of the shadow reads it back */
	ASSERT_SUCCEED(ptr_insn(VMXI_VMPTRLD, SHADOW));
	ASSERT_SUCCEED(vmread(VMCS_GUEST_RSP, &got));
	ck_assert_uint_eq(got, 0x7777);
	ASSERT_SUCCEED(vmread(VMCS_GUEST_RIP, &got));
	ck_assert_uint_eq(got, 0x1234);
}
END_TEST

START_TEST(shadow_bitmaps_decide_exits)
{
	uint64_t got;

	shadow_setup();
	bitmap_set(RD_BITMAP, VMCS_GUEST_RIP);
	ASSERT_EXIT(vmread(VMCS_GUEST_RIP, &got), EXIT_REASON_VMREAD, 0);
	fake_nr.exits = 0;
	/* The VMREAD bitmap does not intercept VMWRITE, and the reverse. */
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RIP, 0x99));
	bitmap_set(WR_BITMAP, VMCS_GUEST_RSP);
	ASSERT_EXIT(vmwrite(VMCS_GUEST_RSP, 1), EXIT_REASON_VMWRITE, 0);
	fake_nr.exits = 0;
	ASSERT_SUCCEED(vmread(VMCS_GUEST_RSP, &got));
	/* Bits 63:15 of the encoding set: exit whatever the bitmap says. */
	ASSERT_EXIT(vmread(0x8000 | VMCS_GUEST_RSP, &got), EXIT_REASON_VMREAD,
		    0);
	fake_nr.exits = 0;
	ASSERT_EXIT(vmwrite(1ull << 32, 0), EXIT_REASON_VMWRITE, 0);
	fake_nr.exits = 0;
	/* A bitmap outside RAM reads as all ones: everything exits. */
	vmcs_write(V, VMCS_VMREAD_BITMAP, MEM_SIZE);
	ASSERT_EXIT(vmread(VMCS_GUEST_CS_SELECTOR, &got), EXIT_REASON_VMREAD,
		    0);
	fake_nr.exits = 0;
	/* VMCS shadowing off: always exits. */
	vmcs_write(V, VMCS_SECONDARY_VM_EXEC_CONTROL, 0);
	ASSERT_EXIT(vmwrite(VMCS_GUEST_CS_SELECTOR, 1), EXIT_REASON_VMWRITE, 0);
	fake_nr.exits = 0;
	/* ... and so does it when the secondary controls are not active. */
	vmcs_write(V, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_VMCS_SHADOWING);
	vmcs_write(V, VMCS_CPU_BASED_VM_EXEC_CONTROL, 0);
	ASSERT_EXIT(vmwrite(VMCS_GUEST_CS_SELECTOR, 1), EXIT_REASON_VMWRITE, 0);
}
END_TEST

START_TEST(shadow_vmrw_failures)
{
	uint64_t got = 0;

	shadow_setup();
	/* Unsupported / read-only component: VMfailValid into the current
	 * (ordinary) VMCS, the shadow VMCS unchanged. */
	ASSERT_FAIL_VALID(vmread(0x7fff, &got), VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	ck_assert_uint_eq(got, 0x5a5a5a5a5a5a5a5aull);
	ASSERT_FAIL_VALID(vmwrite(VMCS_VM_EXIT_REASON, 1),
			  VMXERR_VMWRITE_READ_ONLY);
	ck_assert_uint_eq(vmcs_region_read(&F.mem, SHADOW,
					   VMCS_VM_INSTRUCTION_ERROR), 0);
	ck_assert_uint_eq(vmcs_region_read(&F.mem, SHADOW,
					   VMCS_VM_EXIT_REASON), 0);
	/* CPL > 0 after the exit decision: #GP(0). */
	fake_set_cpl(&F, 3);
	ASSERT_GP0(vmread(VMCS_GUEST_RIP, &got));
	fake_set_cpl(&F, 0);
	/* Link pointer all ones: VMfailInvalid. */
	vmcs_write(V, VMCS_VMCS_LINK_POINTER, UINT64_MAX);
	ASSERT_FAIL_INVALID(vmread(VMCS_GUEST_RIP, &got));
	ASSERT_FAIL_INVALID(vmwrite(VMCS_GUEST_RIP, 1));
	ck_assert_uint_eq(fake_nr.exits, 0);
}
END_TEST

START_TEST(shadow_vmcs_current_in_root)
{
	uint64_t got, ptr;

	vmxon_ok();
	gmem_write_u32(&F.mem, SHADOW, SHADOW_REV);
	/* VMPTRLD of a shadow VMCS succeeds; VMREAD, VMWRITE and VMPTRST
	 * work on it; VM entry fails with VMfailInvalid (SDM 27.1). */
	load(SHADOW);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RIP, 0x55));
	ASSERT_SUCCEED(vmread(VMCS_GUEST_RIP, &got));
	ck_assert_uint_eq(got, 0x55);
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMPTRST, SCRATCH, 0, 0)));
	gmem_read_u64(&F.mem, SCRATCH, &ptr);
	ck_assert_uint_eq(ptr, SHADOW);
	ASSERT_FAIL_INVALID(simple(VMXI_VMLAUNCH));
	vmx_set_launched(V, true);
	ASSERT_FAIL_INVALID(simple(VMXI_VMRESUME));
	ck_assert_uint_eq(fake_nr.entries, 0);
	/* VMCLEAR writes it back and keeps the indicator. */
	ASSERT_SUCCEED(ptr_insn(VMXI_VMCLEAR, SHADOW));
	ck_assert_uint_eq(vmcs_region_revision(&F.mem, SHADOW), SHADOW_REV);
	ck_assert_uint_eq(vmcs_region_read(&F.mem, SHADOW, VMCS_GUEST_RIP),
			  0x55);
	/* VMXON still refuses a region with the indicator set. */
	ASSERT_SUCCEED(simple(VMXI_VMXOFF));
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMXON, SHADOW));
}
END_TEST

/* ===================== VMLAUNCH / VMRESUME ============================ */
START_TEST(vmlaunch_calls_entry)
{
	vmxon_ok();
	load(VMCS_A);
	ck_assert_int_eq(simple(VMXI_VMLAUNCH), ICPT_SWITCHED);
	ck_assert_uint_eq(fake_nr.entries, 1);
	ck_assert(fake_nr.launch);
	vmx_set_launched(V, true);
	ck_assert_int_eq(simple(VMXI_VMRESUME), ICPT_SWITCHED);
	ck_assert_uint_eq(fake_nr.entries, 2);
	ck_assert(!fake_nr.launch);
}
END_TEST

START_TEST(vmlaunch_failinvalid_no_current)
{
	vmxon_ok();
	ASSERT_FAIL_INVALID(simple(VMXI_VMLAUNCH));
	ASSERT_FAIL_INVALID(simple(VMXI_VMRESUME));
	ck_assert_uint_eq(fake_nr.entries, 0);
}
END_TEST

START_TEST(vmlaunch_fail_4_nonclear)
{
	vmxon_ok();
	load(VMCS_A);
	vmx_set_launched(V, true);
	ASSERT_FAIL_VALID(simple(VMXI_VMLAUNCH), VMXERR_VMLAUNCH_NONCLEAR_VMCS);
	ck_assert_uint_eq(fake_nr.entries, 0);
}
END_TEST

START_TEST(vmresume_fail_5_nonlaunched)
{
	vmxon_ok();
	load(VMCS_A);
	ASSERT_FAIL_VALID(simple(VMXI_VMRESUME),
			  VMXERR_VMRESUME_NONLAUNCHED_VMCS);
	ck_assert_uint_eq(fake_nr.entries, 0);
}
END_TEST

START_TEST(vmlaunch_fail_26_mov_ss)
{
	vmxon_ok();
	load(VMCS_A);
	F.s.interruptibility = INTR_BLOCK_MOV_SS;
	ASSERT_FAIL_VALID(simple(VMXI_VMLAUNCH), VMXERR_ENTRY_MOV_SS_BLOCKING);
	vmx_set_launched(V, true);
	/* Error 26 is checked before the launch state. */
	ASSERT_FAIL_VALID(simple(VMXI_VMLAUNCH), VMXERR_ENTRY_MOV_SS_BLOCKING);
	ASSERT_FAIL_VALID(simple(VMXI_VMRESUME), VMXERR_ENTRY_MOV_SS_BLOCKING);
	ck_assert_uint_eq(fake_nr.entries, 0);
}
END_TEST

START_TEST(vmlaunch_ud_and_gp)
{
	ASSERT_UD(simple(VMXI_VMLAUNCH));
	vmxon_ok();
	load(VMCS_A);
	fake_mode_compat(&F);
	ASSERT_UD(simple(VMXI_VMRESUME));
	fake_mode_64(&F);
	fake_set_cpl(&F, 3);
	ASSERT_GP0(simple(VMXI_VMLAUNCH));
	ck_assert_uint_eq(fake_nr.entries, 0);
}
END_TEST

START_TEST(vmlaunch_nonroot_exits)
{
	enter_nonroot();
	ASSERT_EXIT(simple(VMXI_VMLAUNCH), EXIT_REASON_VMLAUNCH, 0);
	fake_nr.exits = 0;
	ASSERT_EXIT(simple(VMXI_VMRESUME), EXIT_REASON_VMRESUME, 0);
	ck_assert_uint_eq(fake_nr.entries, 0);
}
END_TEST

START_TEST(launch_state_survives_eviction)
{
	vmxon_ok();
	load(VMCS_A);
	vmx_set_launched(V, true);
	/* Touch more regions than the table holds. */
	for (unsigned i = 0; i < 2 * VMX_MAX_REGIONS; i++) {
		uint64_t pa = 0x100000 + 0x1000ull * i;

		gmem_write_u32(&F.mem, pa, VMX_REVISION_ID);
		load(pa);
	}
	ASSERT_SUCCEED(ptr_insn(VMXI_VMPTRLD, VMCS_A));
	ASSERT_FAIL_VALID(simple(VMXI_VMLAUNCH), VMXERR_VMLAUNCH_NONCLEAR_VMCS);
	ck_assert_int_eq(simple(VMXI_VMRESUME), ICPT_SWITCHED);
}
END_TEST

/* ===================== VMCALL ========================================= */
START_TEST(vmcall_root_fail_1)
{
	vmxon_ok();
	ASSERT_FAIL_INVALID(simple(VMXI_VMCALL));
	load(VMCS_A);
	ASSERT_FAIL_VALID(simple(VMXI_VMCALL), VMXERR_VMCALL_IN_ROOT);
}
END_TEST

START_TEST(vmcall_ud_outside_vmx)
{
	ASSERT_UD(simple(VMXI_VMCALL));
}
END_TEST

START_TEST(vmcall_root_ud_v86_compat)
{
	vmxon_ok();
	fake_mode_v86(&F);
	ASSERT_UD(simple(VMXI_VMCALL));
	fake_mode_compat(&F);
	ASSERT_UD(simple(VMXI_VMCALL));
}
END_TEST

START_TEST(vmcall_root_gp_cpl3)
{
	vmxon_ok();
	for (unsigned cpl = 1; cpl <= 3; cpl++) {
		fake_set_cpl(&F, cpl);
		ASSERT_GP0(simple(VMXI_VMCALL));
	}
}
END_TEST

START_TEST(vmcall_nonroot_exits_even_v86)
{
	enter_nonroot();
	fake_mode_v86(&F);   /* SDM: the VM exit comes before this #UD */
	ASSERT_EXIT(simple(VMXI_VMCALL), EXIT_REASON_VMCALL, 0);
}
END_TEST

/* ===================== INVEPT / INVVPID =============================== */
static enum icpt_result invx(enum vmx_insn_id w, uint64_t type,
			     uint64_t lo, uint64_t hi)
{
	gmem_write_u64(&F.mem, SCRATCH, lo);
	gmem_write_u64(&F.mem, SCRATCH + 8, hi);
	F.s.gpr[GPR_RSI] = type;
	return run(fake_vmx_mem(w, SCRATCH, 0x18, GPR_RSI));
}

#define GOOD_EPTP (0x5000ull | 6 | (3 << 3))

START_TEST(invept_types)
{
	vmxon_ok();
	ASSERT_SUCCEED(invx(VMXI_INVEPT, 1, GOOD_EPTP, 0));
	ASSERT_SUCCEED(invx(VMXI_INVEPT, 2, 0, 0));
	/* Unsupported types -> error 28 (VMfailInvalid without a VMCS). */
	ASSERT_FAIL_INVALID(invx(VMXI_INVEPT, 0, GOOD_EPTP, 0));
	load(VMCS_A);
	ASSERT_FAIL_VALID(invx(VMXI_INVEPT, 0, GOOD_EPTP, 0),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	ASSERT_FAIL_VALID(invx(VMXI_INVEPT, 3, GOOD_EPTP, 0),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	ASSERT_FAIL_VALID(invx(VMXI_INVEPT, (1ull << 32) | 1, GOOD_EPTP, 0),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
}
END_TEST

START_TEST(invept_fail_28_bad_eptp)
{
	vmxon_ok();
	load(VMCS_A);
	/* memory type 7, walk length 5, reserved bit 8, beyond MAXPHYADDR */
	ASSERT_FAIL_VALID(invx(VMXI_INVEPT, 1, 0x5000 | 7 | (3 << 3), 0),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	ASSERT_FAIL_VALID(invx(VMXI_INVEPT, 1, 0x5000 | 6 | (4 << 3), 0),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	ASSERT_FAIL_VALID(invx(VMXI_INVEPT, 1, GOOD_EPTP | 0x100, 0),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	ASSERT_FAIL_VALID(invx(VMXI_INVEPT, 1, GOOD_EPTP | (1ull << 50), 0),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	/* Bit 7 is reserved; A/D flags (bit 6) are advertised (EPT_VPID_CAP
	 * bit 21), so bit 6 is a valid EPTP. */
	ASSERT_FAIL_VALID(invx(VMXI_INVEPT, 1, GOOD_EPTP | 0x80, 0),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	ASSERT_SUCCEED(invx(VMXI_INVEPT, 1, GOOD_EPTP | 0x40, 0));
	/* ...but all-context INVEPT ignores the descriptor. */
	ASSERT_SUCCEED(invx(VMXI_INVEPT, 2, 0x5000 | 7, 0));
}
END_TEST

START_TEST(invept_ud_gp_pf)
{
	ASSERT_UD(invx(VMXI_INVEPT, 2, 0, 0));
	vmxon_ok();
	ASSERT_UD(run(fake_vmx_reg(VMXI_INVEPT, GPR_RAX, GPR_RSI)));
	fake_set_cpl(&F, 3);
	ASSERT_GP0(invx(VMXI_INVEPT, 2, 0, 0));
	fake_set_cpl(&F, 0);
	F.fault_lo = SCRATCH + 15;
	F.fault_hi = SCRATCH + 16;
	ASSERT_FAULT(invx(VMXI_INVEPT, 2, 0, 0), 14);
}
END_TEST

START_TEST(invept_nonroot_exits)
{
	enter_nonroot();
	ASSERT_EXIT(invx(VMXI_INVEPT, 2, 0, 0), EXIT_REASON_INVEPT, 0x18);
}
END_TEST

START_TEST(invvpid_types)
{
	vmxon_ok();
	load(VMCS_A);
	ASSERT_SUCCEED(invx(VMXI_INVVPID, 0, 5, 0xffff800000001000ull));
	ASSERT_SUCCEED(invx(VMXI_INVVPID, 1, 5, 0));
	ASSERT_SUCCEED(invx(VMXI_INVVPID, 2, 0, 0));
	ASSERT_SUCCEED(invx(VMXI_INVVPID, 3, 5, 0));
	ASSERT_FAIL_VALID(invx(VMXI_INVVPID, 4, 5, 0),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
}
END_TEST

START_TEST(invvpid_fail_28_descriptor)
{
	vmxon_ok();
	load(VMCS_A);
	/* Bits 63:16 of the descriptor must be 0, for every type. */
	ASSERT_FAIL_VALID(invx(VMXI_INVVPID, 2, 1ull << 16, 0),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	/* VPID 0. */
	ASSERT_FAIL_VALID(invx(VMXI_INVVPID, 0, 0, 0x1000),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	ASSERT_FAIL_VALID(invx(VMXI_INVVPID, 1, 0, 0),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	ASSERT_FAIL_VALID(invx(VMXI_INVVPID, 3, 0, 0),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	/* Non-canonical linear address (individual-address only). */
	ASSERT_FAIL_VALID(invx(VMXI_INVVPID, 0, 1, 0x0000800000000000ull),
			  VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	ASSERT_SUCCEED(invx(VMXI_INVVPID, 1, 1, 0x0000800000000000ull));
}
END_TEST

START_TEST(invvpid_ud_gp_exit)
{
	ASSERT_UD(invx(VMXI_INVVPID, 2, 0, 0));
	vmxon_ok();
	load(VMCS_A);
	fake_set_cpl(&F, 3);
	ASSERT_GP0(invx(VMXI_INVVPID, 2, 0, 0));
	fake_set_cpl(&F, 0);
	V->nonroot = true;
	ASSERT_EXIT(invx(VMXI_INVVPID, 2, 0, 0), EXIT_REASON_INVVPID, 0x18);
}
END_TEST

START_TEST(invx_32bit_type_register)
{
	vmxon_ok();
	load(VMCS_A);
	fake_mode_legacy32(&F);
	/* Outside 64-bit mode the type register has 32 bits. */
	ASSERT_SUCCEED(invx(VMXI_INVEPT, (1ull << 32) | 2, 0, 0));
	ASSERT_SUCCEED(invx(VMXI_INVVPID, (1ull << 40) | 2, 0, 0));
}
END_TEST

/* ===================== VMFUNC ========================================= */
static void vmfunc_setup(void)
{
	vmxon_ok();
	load(VMCS_A);
	ASSERT_SUCCEED(vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL,
			       CPU_ACTIVATE_SECONDARY));
	ASSERT_SUCCEED(vmwrite(VMCS_SECONDARY_VM_EXEC_CONTROL,
			       CPU2_ENABLE_EPT | CPU2_ENABLE_VMFUNC));
	ASSERT_SUCCEED(vmwrite(VMCS_VM_FUNCTION_CONTROL, VMFUNC_EPTP_SWITCHING));
	ASSERT_SUCCEED(vmwrite(VMCS_EPTP_LIST_ADDRESS, EPTP_LIST));
	ASSERT_SUCCEED(vmwrite(VMCS_EPT_POINTER, 0x9000 | 6 | (3 << 3)));
	gmem_write_u64(&F.mem, EPTP_LIST, GOOD_EPTP);
	gmem_write_u64(&F.mem, EPTP_LIST + 8, 0x5000 | 7);
	V->nonroot = true;
}

static enum icpt_result vmfunc(uint64_t eax, uint64_t ecx)
{
	F.s.gpr[GPR_RAX] = eax;
	F.s.gpr[GPR_RCX] = ecx;
	return simple(VMXI_VMFUNC);
}

START_TEST(vmfunc_eptp_switch)
{
	vmfunc_setup();
	ck_assert_int_eq(vmfunc(0, 0), ICPT_EMULATED);
	ck_assert_uint_eq(vmcs_read(V, VMCS_EPT_POINTER), GOOD_EPTP);
	ck_assert_uint_eq(F.state_changed, 1);
	ck_assert_uint_eq(fake_nr.exits, 0);
	/* #VE supported: the EPTP index follows ECX[15:0] (SDM 26.5.6.3). */
	gmem_write_u64(&F.mem, EPTP_LIST + 8 * 3, GOOD_EPTP);
	ck_assert_int_eq(vmfunc(0, 3), ICPT_EMULATED);
	ck_assert_uint_eq(vmcs_read(V, VMCS_EPTP_INDEX), 3);
	ck_assert_uint_eq(F.state_changed, 2);
	ck_assert_int_eq(vmfunc(0, 0), ICPT_EMULATED);
	ck_assert_uint_eq(vmcs_read(V, VMCS_EPTP_INDEX), 0);
	/* A failed switch leaves the index alone. */
	ck_assert_int_eq(vmfunc(0, 1), ICPT_SWITCHED);
	ck_assert_uint_eq(vmcs_read(V, VMCS_EPTP_INDEX), 0);
	fake_nr.exits = 0;
	/* Flags are not touched by VMFUNC. */
	ck_assert_uint_eq(F.s.rflags & VMX_ARITH_FLAGS, VMX_ARITH_FLAGS);
}
END_TEST

START_TEST(vmfunc_ud)
{
	ASSERT_UD(vmfunc(0, 0));             /* outside VMX operation */
	vmfunc_setup();
	V->nonroot = false;
	ASSERT_UD(vmfunc(0, 0));             /* root operation */
	V->nonroot = true;
	ASSERT_UD(vmfunc(64, 0));            /* EAX >= 64 */
	vmcs_write(V, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT);
	ASSERT_UD(vmfunc(0, 0));             /* enable VM functions = 0 */
	vmcs_write(V, VMCS_SECONDARY_VM_EXEC_CONTROL,
		   CPU2_ENABLE_EPT | CPU2_ENABLE_VMFUNC);
	vmcs_write(V, VMCS_CPU_BASED_VM_EXEC_CONTROL, 0);
	ASSERT_UD(vmfunc(0, 0));             /* secondary controls off */
	ck_assert_uint_eq(fake_nr.exits, 0);
}
END_TEST

START_TEST(vmfunc_exits)
{
	vmfunc_setup();
	ASSERT_EXIT(vmfunc(1, 0), EXIT_REASON_VMFUNC, 0);   /* not enabled */
	fake_nr.exits = 0;
	ASSERT_EXIT(vmfunc(0, 512), EXIT_REASON_VMFUNC, 0); /* index */
	fake_nr.exits = 0;
	/* ... even with a valid EPTP just past the 512-entry list, and a
	 * function other than 0 even with its control bit set: only EPTP
	 * switching exists (SDM 25.6.14). */
	gmem_write_u64(&F.mem, EPTP_LIST + 8 * 512, GOOD_EPTP);
	ASSERT_EXIT(vmfunc(0, 512), EXIT_REASON_VMFUNC, 0);
	fake_nr.exits = 0;
	vmcs_write(V, VMCS_VM_FUNCTION_CONTROL, 3);
	ASSERT_EXIT(vmfunc(1, 0), EXIT_REASON_VMFUNC, 0);
	fake_nr.exits = 0;
	vmcs_write(V, VMCS_VM_FUNCTION_CONTROL, VMFUNC_EPTP_SWITCHING);
	ASSERT_EXIT(vmfunc(0, 1), EXIT_REASON_VMFUNC, 0);   /* bad EPTP */
	fake_nr.exits = 0;
	vmcs_write(V, VMCS_EPTP_LIST_ADDRESS, MEM_SIZE);     /* outside RAM */
	ASSERT_EXIT(vmfunc(0, 0), EXIT_REASON_VMFUNC, 0);
	fake_nr.exits = 0;
	vmcs_write(V, VMCS_VM_FUNCTION_CONTROL, 0);
	ASSERT_EXIT(vmfunc(0, 0), EXIT_REASON_VMFUNC, 0);
	ck_assert_uint_eq(vmcs_read(V, VMCS_EPT_POINTER),
			  0x9000 | 6 | (3 << 3));
}
END_TEST

/* ===================== MSRs =========================================== */
static enum icpt_result msr(bool write, uint32_t index, uint64_t *val)
{
	struct x86_intercept ic = {
		.kind = write ? ICPT_WRMSR : ICPT_RDMSR, .insn_len = 2,
	};
	enum icpt_result r;

	ic.u.msr.index = index;
	ic.u.msr.value = write ? *val : 0;
	r = run_p(&ic);
	if (!write)
		*val = ic.u.msr.value;
	return r;
}

static uint64_t rdmsr(uint32_t index)
{
	uint64_t v = 0;

	ck_assert_int_eq(msr(false, index, &v), ICPT_EMULATED);
	return v;
}

START_TEST(feature_control_lock)
{
	uint64_t v;

	F.s.msr.feature_control = 0;
	v = FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	ck_assert_int_eq(msr(true, MSR_IA32_FEATURE_CONTROL, &v), ICPT_EMULATED);
	ck_assert_uint_eq(rdmsr(MSR_IA32_FEATURE_CONTROL), 4);
	/* Not locked yet: VMXON #GP. */
	ASSERT_GP0(ptr_insn(VMXI_VMXON, VMXON_PA));
	v = 5;
	ck_assert_int_eq(msr(true, MSR_IA32_FEATURE_CONTROL, &v), ICPT_EMULATED);
	/* Locked: any write #GPs, even of the same value. */
	ASSERT_GP0(msr(true, MSR_IA32_FEATURE_CONTROL, &v));
	v = 0;
	ASSERT_GP0(msr(true, MSR_IA32_FEATURE_CONTROL, &v));
	ck_assert_uint_eq(rdmsr(MSR_IA32_FEATURE_CONTROL), 5);
	vmxon_ok();
}
END_TEST

START_TEST(feature_control_reserved_bits)
{
	uint64_t v;

	F.s.msr.feature_control = 0;
	v = FEATURE_CONTROL_VMX_IN_SMX;   /* SMX not advertised */
	ASSERT_GP0(msr(true, MSR_IA32_FEATURE_CONTROL, &v));
	v = 1ull << 20;
	ASSERT_GP0(msr(true, MSR_IA32_FEATURE_CONTROL, &v));
	ck_assert_uint_eq(F.s.msr.feature_control, 0);
}
END_TEST

START_TEST(cap_msrs_read_only)
{
	for (uint32_t i = MSR_IA32_VMX_FIRST; i <= MSR_IA32_VMX_LAST; i++) {
		uint64_t v = rdmsr(i), w = v;

		ASSERT_GP0(msr(true, i, &w));
		ck_assert_uint_eq(rdmsr(i), v);
	}
	/* Not ours: left to the engine. */
	{
		uint64_t v = 0;

		ck_assert_int_eq(msr(false, 0x493, &v), ICPT_CONTINUE);
		ck_assert_int_eq(msr(false, 0x10, &v), ICPT_CONTINUE);
	}
}
END_TEST

START_TEST(cap_msrs_gp_without_vmx)
{
	struct cpu_model m;
	struct vmx_vcpu *off;
	uint64_t v = 0;

	cpu_model_default(&m);
	cpu_model_set(&m, X86_FEAT_VMX, false);
	off = vmx_vcpu_create(&m);
	vmx_vcpu_destroy(V);
	V = off;
	for (uint32_t i = MSR_IA32_VMX_FIRST; i <= MSR_IA32_VMX_LAST; i++)
		ASSERT_GP0(msr(false, i, &v));
	F.s.msr.feature_control = 0;
	v = 5;
	ASSERT_GP0(msr(true, MSR_IA32_FEATURE_CONTROL, &v));
	v = 1;
	ck_assert_int_eq(msr(true, MSR_IA32_FEATURE_CONTROL, &v), ICPT_EMULATED);
}
END_TEST

/* A capability MSR exists only while what it describes is advertised
 * (SDM A.3.3, A.10, A.11): IA32_VMX_PROCBASED_CTLS2 with the secondary
 * controls, IA32_VMX_EPT_VPID_CAP with EPT or VPID among them,
 * IA32_VMX_VMFUNC with VM functions; RDMSR of a missing one #GPs. */
START_TEST(cap_msrs_exist_when_advertised)
{
	uint32_t all = V->caps.proc2.may1;
	uint64_t v = 0;

	V->caps.proc2.may1 = all & ~(CPU2_ENABLE_EPT | CPU2_ENABLE_VPID);
	ASSERT_GP0(msr(false, MSR_IA32_VMX_EPT_VPID_CAP, &v));
	rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	V->caps.proc2.may1 = all & ~CPU2_ENABLE_EPT;
	rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	V->caps.proc2.may1 = all & ~CPU2_ENABLE_VPID;
	rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	V->caps.proc2.may1 = all & ~CPU2_ENABLE_VMFUNC;
	ASSERT_GP0(msr(false, MSR_IA32_VMX_VMFUNC, &v));
	V->caps.proc2.may1 = all;
	V->caps.proc.may1 &= ~CPU_ACTIVATE_SECONDARY;
	ASSERT_GP0(msr(false, MSR_IA32_VMX_PROCBASED_CTLS2, &v));
	ASSERT_GP0(msr(false, MSR_IA32_VMX_EPT_VPID_CAP, &v));
	ASSERT_GP0(msr(false, MSR_IA32_VMX_VMFUNC, &v));
	/* IA32_VMX_PROCBASED_CTLS3 with "activate tertiary controls" (A.3.4):
	 * IPI virtualization, nothing else. */
	ck_assert_uint_eq(rdmsr(MSR_IA32_VMX_PROCBASED_CTLS3), 1u << 4);
	V->caps.proc.may1 &= ~CPU_ACTIVATE_TERTIARY;
	ASSERT_GP0(msr(false, MSR_IA32_VMX_PROCBASED_CTLS3, &v));
}
END_TEST

/* Default1 classes, SDM A.3.1, A.3.2, A.4.1, A.5.1. */
static const struct { uint32_t plain, truem, default1; } ctl_pairs[] = {
	{ MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS, 0x16 },
	{ MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
	  0x0401e172 },
	{ MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS, 0x00036dff },
	{ MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS, 0x000011ff },
};

START_TEST(caps_ctl_consistency)
{
	for (unsigned i = 0; i < 4; i++) {
		uint64_t p = rdmsr(ctl_pairs[i].plain);
		uint64_t t = rdmsr(ctl_pairs[i].truem);
		uint32_t d1 = ctl_pairs[i].default1;
		uint32_t p0 = (uint32_t)p, p1 = p >> 32;
		uint32_t t0 = (uint32_t)t, t1 = t >> 32;

		/* allowed-0 (must be 1) bits are allowed-1 too */
		ck_assert_uint_eq(p0 & ~p1, 0);
		ck_assert_uint_eq(t0 & ~t1, 0);
		/* non-TRUE reports every default1 bit as must-be-1 */
		ck_assert_uint_eq(p0 & d1, d1);
		/* TRUE may only relax default1 bits; allowed-1 identical */
		ck_assert_uint_eq(t0 & ~p0, 0);
		ck_assert_uint_eq((p0 ^ t0) & ~d1, 0);
		ck_assert_uint_eq(p1, t1);
	}
	/* CR3-load/store exiting and debug-control save/load may be 0 in
	 * the TRUE MSRs (what makes the TRUE MSRs useful). */
	ck_assert_uint_eq((uint32_t)rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS) &
			  (CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING), 0);
	ck_assert_uint_eq((uint32_t)rdmsr(MSR_IA32_VMX_TRUE_EXIT_CTLS) &
			  EXIT_CTL_SAVE_DEBUG_CONTROLS, 0);
	/* The caps struct VM entry uses equals the TRUE MSRs. */
	ck_assert_uint_eq(V->caps.proc.must1,
			  (uint32_t)rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS));
	ck_assert_uint_eq(V->caps.proc2.may1,
			  rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32);
	ck_assert_uint_eq((uint32_t)rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2), 0);
	ck_assert(rdmsr(MSR_IA32_VMX_PROCBASED_CTLS) >> 63);
}
END_TEST

START_TEST(caps_basic_misc)
{
	uint64_t b = rdmsr(MSR_IA32_VMX_BASIC), m = rdmsr(MSR_IA32_VMX_MISC);

	ck_assert_uint_eq(b & 0x7fffffff, VMX_REVISION_ID);
	ck_assert_uint_eq((b >> 31) & 1, 0);
	ck_assert_uint_eq((b >> 32) & 0x1fff, 4096);
	ck_assert_uint_eq((b >> 48) & 1, 0);     /* 64-bit addresses */
	ck_assert_uint_eq((b >> 49) & 1, 0);     /* no dual-monitor SMM */
	ck_assert_uint_eq((b >> 50) & 0xf, 6);   /* write-back */
	ck_assert_uint_eq((b >> 54) & 1, 1);
	ck_assert_uint_eq((b >> 55) & 1, 1);
	ck_assert_uint_eq(m & 0x1f, 0);          /* timer: every TSC cycle */
	ck_assert_uint_eq((m >> 6) & 7, 5);      /* HLT, wait-for-SIPI */
	ck_assert_uint_eq((m >> 16) & 0x1ff, 4);
	ck_assert_uint_eq((m >> 25) & 7, 0);     /* 512 MSRs */
	ck_assert_uint_eq((m >> 29) & 1, 0);     /* exit info read-only */
	ck_assert_uint_eq(rdmsr(MSR_IA32_VMX_VMFUNC), 1);
	ck_assert(rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) & EPT_CAP_INVEPT);
}
END_TEST

START_TEST(caps_fixed_bits_match_vmxon)
{
	uint64_t f0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	uint64_t f1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	uint64_t g0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	uint64_t g1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);

	ck_assert_uint_eq(f0 & ~f1, 0);
	ck_assert_uint_eq(g0 & ~g1, 0);
	ck_assert_uint_eq(f0, CR0_PE | CR0_NE | CR0_PG);
	ck_assert_uint_eq(g0, CR4_VMXE);
	/* Exactly the FIXED0 bits (plus long mode's PAE) suffice ... */
	F.s.cr0 = f0;
	F.s.cr4 = g0 | CR4_PAE;
	vmxon_ok();
	ASSERT_SUCCEED(simple(VMXI_VMXOFF));
	/* ... every FIXED0 bit of CR0 other than PE (#UD first) is needed */
	for (unsigned bit = 1; bit < 32; bit++) {
		if (!((f0 >> bit) & 1))
			continue;
		F.s.cr0 = f0 & ~(1ull << bit);
		ASSERT_GP0(ptr_insn(VMXI_VMXON, VMXON_PA));
	}
	F.s.cr0 = f0;
	/* ... and any CR4 bit outside FIXED1 is refused. */
	for (unsigned bit = 0; bit < 32; bit++) {
		if ((g1 >> bit) & 1)
			continue;
		F.s.cr4 = g0 | CR4_PAE | (1ull << bit);
		ASSERT_GP0(ptr_insn(VMXI_VMXON, VMXON_PA));
	}
	ck_assert(!V->vmxon);
}
END_TEST

START_TEST(caps_vmcs_enum)
{
	uint64_t e = rdmsr(MSR_IA32_VMX_VMCS_ENUM), got;
	unsigned maxi = 0;

	vmxon_ok();
	load(VMCS_A);
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		uint32_t enc = vmcs_field_table[i].encoding;

		if (run((F.s.gpr[GPR_RAX] = enc,
			 fake_vmx_reg(VMXI_VMREAD, GPR_RCX, GPR_RAX))) !=
		    ICPT_EMULATED || (F.s.rflags & VMX_ARITH_FLAGS))
			continue;
		if (VMCS_ENC_INDEX(enc) > maxi)
			maxi = VMCS_ENC_INDEX(enc);
	}
	ck_assert_uint_eq((e >> 1) & 0x1ff, maxi);
	/* The PID-pointer table address (2042H, IPI virtualization). */
	ck_assert_uint_eq(maxi, VMCS_ENC_INDEX(VMCS_PID_POINTER_TABLE));
	(void)got;
}
END_TEST

/* ===================== MOV CR in VMX operation ======================== */
static enum icpt_result mov_cr(unsigned cr, uint64_t val)
{
	struct x86_intercept ic = { .kind = ICPT_MOV_CR, .insn_len = 3 };

	ic.u.cr.cr = cr;
	ic.u.cr.write = true;
	ic.u.cr.value = val;
	return run(ic);
}

START_TEST(mov_cr_fixed_bits_gp)
{
	uint64_t cr4 = F.s.cr4, cr0 = F.s.cr0;

	/* Outside VMX operation the engine decides. */
	ck_assert_int_eq(mov_cr(4, cr4 & ~CR4_VMXE), ICPT_CONTINUE);
	vmxon_ok();
	ASSERT_GP0(mov_cr(4, cr4 & ~CR4_VMXE));
	ASSERT_GP0(mov_cr(4, cr4 | CR4_SMXE));
	ASSERT_GP0(mov_cr(0, cr0 & ~CR0_NE));
	ASSERT_GP0(mov_cr(0, cr0 & ~CR0_PG));
	ck_assert_int_eq(mov_cr(4, cr4 | CR4_PGE), ICPT_CONTINUE);
	ck_assert_int_eq(mov_cr(0, cr0 | CR0_WP), ICPT_CONTINUE);
	ck_assert_int_eq(mov_cr(3, 0), ICPT_CONTINUE);
}
END_TEST

/* ===================== non-root dispatch =============================== */
START_TEST(nonroot_dispatch)
{
	struct x86_intercept ic = { .kind = ICPT_HLT, .insn_len = 1 };
	uint64_t out = 0, v = 0;

	/* Root: nothing but VMX business is intercepted. */
	ck_assert_int_eq(run(ic), ICPT_CONTINUE);
	ck_assert_int_eq(vmx_intercept_ops.translate_gpa(V, &F.ctx, 0x3000, 1,
							 0, false, false, &out),
			 ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0x3000);
	ck_assert_uint_eq(fake_nr.intercepts + fake_nr.translations, 0);
	enter_nonroot();
	fake_nr.nonroot_result = ICPT_SWITCHED;
	ck_assert_int_eq(run(ic), ICPT_SWITCHED);
	ck_assert_uint_eq(fake_nr.intercepts, 1);
	ck_assert_uint_eq(fake_nr.last_kind, ICPT_HLT);
	ck_assert_int_eq(vmx_intercept_ops.translate_gpa(V, &F.ctx, 0x3000, 1,
							 0, false, false, &out),
			 ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0x103000);
	vmx_intercept_ops.boundary(V, &F.ctx);
	ck_assert_uint_eq(fake_nr.boundaries, 1);
	/* An MSR read the non-root side lets through still sees the caps. */
	fake_nr.nonroot_result = ICPT_CONTINUE;
	ck_assert_int_eq(msr(false, MSR_IA32_VMX_BASIC, &v), ICPT_EMULATED);
	ck_assert_uint_eq(v & 0x7fffffff, VMX_REVISION_ID);
	ck_assert_uint_eq(fake_nr.intercepts, 2);
	/* A CR write the non-root side lets through is not re-checked. */
	ck_assert_int_eq(mov_cr(0, 0), ICPT_CONTINUE);
}
END_TEST

START_TEST(unknown_vmx_insn_ud)
{
	struct x86_intercept ic = fake_vmx_reg(VMXI_VMFUNC, 0, 0);

	vmxon_ok();
	ic.u.vmx.which = (enum vmx_insn_id)99;
	ASSERT_UD(run(ic));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmx_insn");
	TCase *t = tcase_create("all");

	tcase_add_checked_fixture(t, setup, teardown);
#define T(name) tcase_add_test(t, name)
	T(vmxon_succeeds); T(vmxon_ud_register_operand); T(vmxon_ud_real_mode);
	T(vmxon_ud_cr4_vmxe_clear); T(vmxon_ud_v86); T(vmxon_ud_compat_mode);
	T(vmxon_gp_cpl3); T(vmxon_gp_cr0_fixed); T(vmxon_gp_cr4_fixed1);
	T(vmxon_gp_feature_control_unlocked);
	T(vmxon_gp_feature_control_disabled); T(vmxon_pf_operand);
	T(vmxon_failinvalid_unaligned); T(vmxon_failinvalid_maxphyaddr); T(vmxon_maxphyaddr_from_model);
	T(vmxon_failinvalid_revision); T(vmxon_failinvalid_outside_ram);
	T(vmxon_in_root_fail_15); T(vmxon_in_root_gp_cpl3);
	T(vmxon_nonroot_exits);
	T(vmxoff_succeeds_and_flushes); T(vmxoff_ud_outside_vmx);
	T(vmxoff_ud_compat_mode); T(vmxoff_ud_v86); T(vmxoff_gp_cpl3);
	T(vmxoff_nonroot_exits);
	T(vmclear_clears_launch_state); T(vmclear_other_keeps_current);
	T(vmclear_ud_register_operand); T(vmclear_ud_outside_vmx);
	T(vmclear_ud_compat_mode); T(vmclear_gp_cpl3);
	T(vmclear_fail_2_invalid_address); T(vmclear_fail_3_vmxon_pointer);
	T(vmclear_outside_ram_no_crash); T(vmclear_nonroot_exits);
	T(vmptrld_flushes_previous); T(vmptrld_fail_9_invalid_address);
	T(vmptrld_fail_10_vmxon_pointer); T(vmptrld_fail_11_revision);
	T(vmptrld_ud_register_operand); T(vmptrld_ud_outside_vmx);
	T(vmptrld_gp_cpl3); T(vmptrld_pf_operand); T(vmptrld_nonroot_exits);
	T(vmptrst_stores_pointer); T(vmptrst_ud_register_operand);
	T(vmptrst_gp_cpl3); T(vmptrst_pf_destination); T(vmptrst_nonroot_exits);
	T(vmrw_roundtrip_all_fields); T(vmrw_high_access);
	T(vmrw_fail_12_unsupported); T(vmrw_fail_13_read_only);
	T(vmrw_failinvalid_no_current); T(vmrw_memory_operands_64);
	T(vmrw_32bit_mode_operands); T(vmrw_ud_compat_and_outside);
	T(vmrw_gp_cpl3); T(vmrw_pf_memory_operand); T(vmrw_nonroot_exits);
	T(shadow_vmread_reads_linked_vmcs); T(shadow_vmwrite_writes_linked_vmcs);
	T(shadow_bitmaps_decide_exits); T(shadow_vmrw_failures);
	T(shadow_vmcs_current_in_root);
	T(vmlaunch_calls_entry); T(vmlaunch_failinvalid_no_current);
	T(vmlaunch_fail_4_nonclear); T(vmresume_fail_5_nonlaunched);
	T(vmlaunch_fail_26_mov_ss); T(vmlaunch_ud_and_gp);
	T(vmlaunch_nonroot_exits); T(launch_state_survives_eviction);
	T(vmcall_root_fail_1); T(vmcall_ud_outside_vmx);
	T(vmcall_root_ud_v86_compat); T(vmcall_root_gp_cpl3);
	T(vmcall_nonroot_exits_even_v86);
	T(invept_types); T(invept_fail_28_bad_eptp); T(invept_ud_gp_pf);
	T(invept_nonroot_exits); T(invvpid_types); T(invvpid_fail_28_descriptor);
	T(invvpid_ud_gp_exit); T(invx_32bit_type_register);
	T(vmfunc_eptp_switch); T(vmfunc_ud); T(vmfunc_exits);
	T(feature_control_lock); T(feature_control_reserved_bits);
	T(cap_msrs_read_only); T(cap_msrs_gp_without_vmx);
	T(cap_msrs_exist_when_advertised);
	T(caps_ctl_consistency); T(caps_basic_misc);
	T(caps_fixed_bits_match_vmxon); T(caps_vmcs_enum);
	T(mov_cr_fixed_bits_gp); T(nonroot_dispatch); T(unknown_vmx_insn_ud);
#undef T
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
