// SPDX-License-Identifier: MIT
/*
 * INIT signals and VMX operation: blocked in VMX root operation (SDM 24.8),
 * a VM exit with reason 3 in non-root operation that does none of INIT's
 * usual work (SDM 26.2), left to the engine outside VMX operation.
 */
#include <check.h>
#include <stdlib.h>

#include "vmxb_fixture.h"
#include "core/cpu_model.h"

static uint32_t cpuid1_eax(void)
{
	struct cpu_model m;
	uint32_t out[4];

	cpu_model_default(&m);
	cpu_model_cpuid(&m, 1, 0, out);
	return out[0];
}

static struct fix F;

static void setup(void)
{
	fix_init(&F, true);
	fix_baseline(&F);
}

static void teardown(void)
{
	fix_fini(&F);
}

static enum icpt_result raise_init(void)
{
	struct x86_intercept ic = { .kind = ICPT_INIT, .rip = F.cpu.rip };

	F.cpu.init_pending = true;
	return vmx_intercept_ops.intercept(F.v, &F.ctx, &ic);
}

START_TEST(init_in_nonroot_exits_with_reason_3)
{
	fix_enter(&F);
	F.cpu.rip = FIX_GUEST_RIP + 7;
	F.cpu.gpr[GPR_RAX] = 0x1234;
	ck_assert_int_eq(raise_init(), ICPT_SWITCHED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_INIT_SIGNAL);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO), 0);
	/* Taken at a boundary: the guest RIP saved is where L2 stood, and
	 * no register was reset by the INIT. */
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), FIX_GUEST_RIP + 7);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RAX], 0x1234);
	ck_assert_uint_eq(F.cpu.rip, FIX_HOST_RIP);
	/* The exit consumed the INIT. */
	ck_assert(!F.cpu.init_pending);
}
END_TEST

START_TEST(init_in_hlt_guest_exits_and_saves_hlt)
{
	fix_enter(&F);
	F.cpu.activity = ACTIVITY_HLT;
	ck_assert_int_eq(raise_init(), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_INIT_SIGNAL);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_ACTIVITY_STATE), ACTIVITY_HLT);
	ck_assert_uint_eq(F.cpu.activity, ACTIVITY_ACTIVE);
}
END_TEST

START_TEST(init_blocked_in_root_stays_pending)
{
	uint64_t rip = F.cpu.rip;

	ck_assert(F.v->vmxon && !F.v->nonroot);
	ck_assert_int_eq(raise_init(), ICPT_EMULATED);
	ck_assert(F.cpu.init_pending);
	ck_assert_uint_eq(F.cpu.rip, rip);
	/* Once in non-root operation the latched INIT exits at once. */
	fix_enter(&F);
	ck_assert_int_eq(raise_init(), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_INIT_SIGNAL);
}
END_TEST

START_TEST(init_outside_vmx_is_the_engines)
{
	vmx_vcpu_reset(F.v);
	ck_assert(!F.v->vmxon);
	ck_assert_int_eq(raise_init(), ICPT_CONTINUE);
	ck_assert(F.cpu.init_pending);
}
END_TEST

START_TEST(init_state_keeps_msrs_and_time)
{
	struct cpu_state s;

	cpu_state_reset(&s);
	s.cr0 = FIX_CR0;
	s.efer = EFER_LME | EFER_LMA;
	s.rip = 0x401000;
	s.msr.feature_control = 5;
	s.tsc = 777;
	s.insn_count = 55;
	s.nmi_pending = true;
	s.init_pending = true;
	cpu_state_init_signal(&s);
	/* SDM 10.1.1, Table 10-1: real mode at F000:FFF0 (base FFFF0000). */
	ck_assert_uint_eq(s.cr0, CR0_ET | CR0_CD | CR0_NW);
	ck_assert_uint_eq(s.efer, 0);
	ck_assert_uint_eq(s.rip, 0xfff0);
	ck_assert_uint_eq(s.seg[SEG_CS].sel, 0xf000);
	ck_assert_uint_eq(s.seg[SEG_CS].base, 0xffff0000);
	/* EDX: the processor signature, CPUID.1:EAX (SDM 10.1.4). */
	ck_assert_uint_eq(s.gpr[GPR_RDX], cpuid1_eax());
	ck_assert_uint_eq(s.msr.feature_control, 5);
	ck_assert_uint_eq(s.tsc, 777);
	ck_assert_uint_eq(s.insn_count, 55);
	ck_assert(!s.nmi_pending && !s.init_pending);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmx_init");
	TCase *tc = tcase_create("init");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, init_in_nonroot_exits_with_reason_3);
	tcase_add_test(tc, init_in_hlt_guest_exits_and_saves_hlt);
	tcase_add_test(tc, init_blocked_in_root_stays_pending);
	tcase_add_test(tc, init_outside_vmx_is_the_engines);
	tcase_add_test(tc, init_state_keeps_msrs_and_time);
	suite_add_tcase(s, tc);
	return fix_run_suite(s);
}
