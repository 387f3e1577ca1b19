// SPDX-License-Identifier: MIT
/*
 * XSAVES/XRSTORS in VMX non-root operation (SDM 26.3, 25.6.20, 28.2.1,
 * 28.2.5): "enable XSAVES/XRSTORS" clear -> #UD; set -> a VM exit (63
 * XSAVES, 64 XRSTORS) when EDX:EAX AND IA32_XSS AND the XSS-exiting
 * bitmap is not 0, with the displacement as qualification and the
 * VMCLEAR-style instruction information.  IA32_XSS only takes 0 through
 * WRMSR, so the exit cases set it in the CPU state directly: the request
 * side of an exit no guest of vmxbox can cause.
 */
#include <check.h>
#include <string.h>

#include "vmx/nonroot.h"
#include "vmxb_fixture.h"

#define X86_UD 6

static struct fix F;

static void setup(void)
{
	fix_init(&F, false);
	fix_baseline(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_XSAVES);
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
}

static void teardown(void)
{
	fix_fini(&F);
}

/* XSAVES64 [rbx+rsi*4+0x40] (REX.W 0F C7 /5 with SIB and disp8). */
static enum icpt_result xss_insn(bool restore, uint64_t mask)
{
	struct x86_intercept ic;

	memset(&ic, 0, sizeof(ic));
	ic.kind = ICPT_XSAVES;
	ic.rip = F.cpu.rip;
	ic.insn_len = 6;
	ic.op_size = 32;
	ic.u.xss.restore = restore;
	ic.u.xss.mask = mask;
	ic.u.xss.op = (struct x86_operand){ .is_mem = true, .seg = SEG_DS,
		.base = GPR_RBX, .index = GPR_RSI, .scale_log2 = 2,
		.addr_size = 64, .disp = 0x40 };
	return vmx_nonroot_intercept(F.v, &F.ctx, &ic);
}

START_TEST(enable_clear_is_ud)
{
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, 0);
	ck_assert_int_eq(xss_insn(false, 3), ICPT_FAULT);
	ck_assert(F.cpu.pending_exception.valid);
	ck_assert_uint_eq(F.cpu.pending_exception.vector, X86_UD);
	ck_assert(F.v->nonroot);
	F.cpu.pending_exception.valid = false;
	ck_assert_int_eq(xss_insn(true, 3), ICPT_FAULT);
	ck_assert_uint_eq(F.cpu.pending_exception.vector, X86_UD);
	/* Secondary controls not activated: the control counts as 0. */
	F.cpu.pending_exception.valid = false;
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_XSAVES);
	fclr(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	ck_assert_int_eq(xss_insn(false, 3), ICPT_FAULT);
	ck_assert_uint_eq(F.cpu.pending_exception.vector, X86_UD);
}
END_TEST

/* IA32_XSS = 0 (the only value a guest can give it): no exit, whatever
 * the bitmap and EDX:EAX. */
START_TEST(xss_zero_never_exits)
{
	fw(&F, VMCS_XSS_EXIT_BITMAP, ~0ull);
	ck_assert_int_eq(xss_insn(false, ~0ull), ICPT_CONTINUE);
	ck_assert_int_eq(xss_insn(true, ~0ull), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
	ck_assert(!F.cpu.pending_exception.valid);
}
END_TEST

START_TEST(exit_needs_all_three)
{
	F.cpu.msr.xss = 1ull << 8;
	fw(&F, VMCS_XSS_EXIT_BITMAP, 1ull << 8);
	ck_assert_int_eq(xss_insn(false, 3), ICPT_CONTINUE);   /* EDX:EAX */
	fw(&F, VMCS_XSS_EXIT_BITMAP, 1ull << 9);
	ck_assert_int_eq(xss_insn(false, ~0ull), ICPT_CONTINUE); /* bitmap */
	F.cpu.msr.xss = 1ull << 10;
	fw(&F, VMCS_XSS_EXIT_BITMAP, 1ull << 8);
	ck_assert_int_eq(xss_insn(true, 1ull << 8), ICPT_CONTINUE); /* XSS */
	ck_assert(F.v->nonroot);
}
END_TEST

static void assert_exit(uint32_t reason)
{
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), reason);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0x40);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INSTRUCTION_LEN), 6);
	/* Table 28-12: scale 2, address size 64 (2 << 7), memory, DS
	 * (3 << 15), index RSI (6 << 18), base RBX (3 << 23). */
	ck_assert_uint_eq(fr(&F, VMCS_VMX_INSTRUCTION_INFO),
			  2u | 2u << 7 | 3u << 15 | 6u << 18 | 3u << 23);
}

START_TEST(xsaves_exit_63)
{
	F.cpu.msr.xss = 1ull << 8;
	fw(&F, VMCS_XSS_EXIT_BITMAP, 1ull << 8);
	ck_assert_int_eq(xss_insn(false, 1ull << 8), ICPT_SWITCHED);
	assert_exit(EXIT_REASON_XSAVES);
}
END_TEST

START_TEST(xrstors_exit_64)
{
	F.cpu.msr.xss = 1ull << 12;
	fw(&F, VMCS_XSS_EXIT_BITMAP, ~0ull);
	ck_assert_int_eq(xss_insn(true, ~0ull), ICPT_SWITCHED);
	assert_exit(EXIT_REASON_XRSTORS);
}
END_TEST

START_TEST(xsaves_control_advertised)
{
	ck_assert(F.v->caps.proc2.may1 & CPU2_ENABLE_XSAVES);
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_XSS_EXIT_BITMAP));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmx_xsaves");
	TCase *t = tcase_create("all");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, enable_clear_is_ud);
	tcase_add_test(t, xss_zero_never_exits);
	tcase_add_test(t, exit_needs_all_three);
	tcase_add_test(t, xsaves_exit_63);
	tcase_add_test(t, xrstors_exit_64);
	tcase_add_test(t, xsaves_control_advertised);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fix_run_suite(suite());
}
