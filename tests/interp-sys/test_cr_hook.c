// SPDX-License-Identifier: MIT
/*
 * MOV to CR0/CR4 and LMSW through the intercept hook: the engine writes
 * the value the hook returns (in VMX non-root operation the hook puts the
 * host-owned bits back, SDM 26.3; engine/intercept.h), and the value the
 * hook sees outside 64-bit mode is the 32-bit source operand.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sysutil.h"

static struct harness h;
static struct x86_intercept seen[8];
static unsigned nseen;

/* Rewrites like a VMX hook with CR0.MP / CR4.OSFXSR / CR0.TS host-owned. */
static enum icpt_result rewriting_hook(void *opaque,
				       struct x86_intercept_ctx *ctx,
				       struct x86_intercept *ic)
{
	(void)opaque;
	(void)ctx;
	if (nseen < 8)
		seen[nseen++] = *ic;
	if (ic->kind == ICPT_MOV_CR && ic->u.cr.write && ic->u.cr.cr == 0)
		ic->u.cr.value |= CR0_MP;
	else if (ic->kind == ICPT_MOV_CR && ic->u.cr.write && ic->u.cr.cr == 4)
		ic->u.cr.value |= CR4_OSFXSR;
	else if (ic->kind == ICPT_LMSW)
		ic->u.lmsw.source &= (uint16_t)~CR0_TS;
	return ICPT_CONTINUE;
}

static const struct x86_intercept_ops hook_ops = {
	.intercept = rewriting_hook,
};

static void setup(void)
{
	h_init(&h);
	h.ip->cfg.icpt = &hook_ops;
	h.ip->cfg.icpt_opaque = &h;
	nseen = 0;
}

static void teardown(void)
{
	h_fini(&h);
}

START_TEST(engine_writes_hook_value)
{
	static const uint8_t code[] = {
		0x0f, 0x22, 0xc0,       /* mov cr0,rax */
		0x0f, 0x22, 0xe3,       /* mov cr4,rbx */
		0x0f, 0x01, 0xf1,       /* lmsw cx */
		0xf4,
	};
	uint64_t cr0 = h.s->cr0 & ~(CR0_MP | CR0_TS);

	G(RAX) = cr0;
	G(RBX) = h.s->cr4 & ~CR4_OSFXSR;
	G(RCX) = (cr0 & 0xffff) | CR0_MP | CR0_TS | CR0_EM;
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 1),
			 ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(seen[0].u.cr.value, cr0);
	ck_assert_uint_eq(h.s->cr0, cr0 | CR0_MP);   /* the hook's value */
	ck_assert_int_eq(h_run(&h, 10), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(nseen, 4);
	ck_assert_uint_eq(h.s->cr4 & CR4_OSFXSR, CR4_OSFXSR);
	/* CR0: MP and EM from LMSW, TS dropped by the hook's LMSW rewrite
	 * (without it LMSW would set TS). */
	ck_assert_uint_eq(h.s->cr0, cr0 | CR0_MP | CR0_EM);
}
END_TEST

START_TEST(value_is_32_bit_outside_64_bit_mode)
{
	static const uint8_t code[] = {
		0x0f, 0x22, 0xe3,       /* mov cr4,ebx */
		0xf4,
	};

	h_mode32(&h);
	G(RBX) = 0xffffffff00000000ull | CR4_PSE;
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 10), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(seen[0].u.cr.value, CR4_PSE);
	ck_assert_uint_eq(h.s->cr4, CR4_PSE | CR4_OSFXSR);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("interp_sys_cr_hook");
	TCase *tc = tcase_create("cr_hook");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, engine_writes_hook_value);
	tcase_add_test(tc, value_is_32_bit_outside_64_bit_mode);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
