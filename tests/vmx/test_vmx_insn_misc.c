// SPDX-License-Identifier: MIT
/*
 * VMX instruction side (see test_vmx_insn.c): VMLAUNCH/VMRESUME, VMCALL, INVEPT,
 * INVVPID, VMFUNC, IA32_FEATURE_CONTROL and the capability MSRs, MOV CR in
 * VMX operation, non-root dispatch and unknown VMX instructions.
 * Part of the vmx_insn test.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx_insn_fixture.h"

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

void vmx_insn_misc_tests(TCase *t)
{
#define T(name) tcase_add_test(t, name)
	T(vmlaunch_calls_entry); T(vmlaunch_failinvalid_no_current);
	T(vmlaunch_fail_4_nonclear); T(vmresume_fail_5_nonlaunched);
	T(vmlaunch_fail_26_mov_ss); T(vmlaunch_ud_and_gp);
	T(vmlaunch_nonroot_exits); T(launch_state_survives_eviction);
	T(vmcall_root_fail_1); T(vmcall_ud_outside_vmx);
	T(vmcall_root_ud_v86_compat); T(vmcall_root_gp_cpl3);
	T(vmcall_nonroot_exits_even_v86); T(invept_types);
	T(invept_fail_28_bad_eptp); T(invept_ud_gp_pf); T(invept_nonroot_exits);
	T(invvpid_types); T(invvpid_fail_28_descriptor); T(invvpid_ud_gp_exit);
	T(invx_32bit_type_register); T(vmfunc_eptp_switch); T(vmfunc_ud);
	T(vmfunc_exits); T(feature_control_lock); T(feature_control_reserved_bits);
	T(cap_msrs_read_only); T(cap_msrs_gp_without_vmx);
	T(cap_msrs_exist_when_advertised); T(caps_ctl_consistency);
	T(caps_basic_misc); T(caps_fixed_bits_match_vmxon); T(caps_vmcs_enum);
	T(mov_cr_fixed_bits_gp); T(nonroot_dispatch); T(unknown_vmx_insn_ud);
#undef T
}
