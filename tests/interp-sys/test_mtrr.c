// SPDX-License-Identifier: MIT
/*
 * MTRRs through the whole engine (SDM Vol. 3A 12.11, Vol. 4 Table 2-2):
 * CPUID.1:EDX.MTRR, IA32_MTRRCAP (read-only: 8 variable ranges, fixed
 * ranges, WC), IA32_MTRR_DEF_TYPE, the eleven fixed-range and the sixteen
 * variable-range MSRs keep what is written and #GP on reserved bits and
 * reserved memory types; with --cpu=...,-mtrr every one of them #GPs.
 */
#include <check.h>
#include <stdlib.h>

#include "sysutil.h"

static struct harness h;

static void setup(void)
{
	h_init(&h);
}

static void teardown(void)
{
	h_fini(&h);
}

static const uint8_t rdmsr[] = { 0x0f, 0x32, 0xf4 };
static const uint8_t wrmsr[] = { 0x0f, 0x30, 0xf4 };

/* RDMSR idx: the vector it raised (-1 none), the value in *v. */
static int rd(uint32_t idx, uint64_t *v)
{
	int vec;

	G(RCX) = idx;
	vec = h_fault_vector(&h, su_run(&h, rdmsr, sizeof(rdmsr), 3));
	*v = (G(RDX) << 32) | (uint32_t)G(RAX);
	return vec;
}

static int wr(uint32_t idx, uint64_t v)
{
	G(RCX) = idx;
	G(RAX) = (uint32_t)v;
	G(RDX) = v >> 32;
	return h_fault_vector(&h, su_run(&h, wrmsr, sizeof(wrmsr), 3));
}

/* Written, then read back unchanged. */
static void round_trip(uint32_t idx, uint64_t v)
{
	uint64_t got;

	ck_assert_int_eq(wr(idx, v), -1);
	ck_assert_int_eq(rd(idx, &got), -1);
	ck_assert_uint_eq(got, v);
}

START_TEST(cpuid_and_mtrrcap)
{
	static const uint8_t code[] = { 0xb8, 1, 0, 0, 0, 0x0f, 0xa2, 0xf4 };
	uint64_t v;

	ck_assert_int_eq(su_run(&h, code, sizeof(code), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq((G(RDX) >> 12) & 1, 1);
	ck_assert_int_eq(rd(0xfe, &v), -1);
	ck_assert_uint_eq(v, 0x508);
	ck_assert_int_eq(wr(0xfe, 0x508), X86_GP);
}
END_TEST

START_TEST(def_type)
{
	uint64_t v;

	ck_assert_int_eq(rd(0x2ff, &v), -1);
	ck_assert_uint_eq(v, 0);                 /* reset: MTRRs disabled */
	round_trip(0x2ff, 0xc06);                /* E, FE, WB */
	round_trip(0x2ff, 0x800);                /* E, UC */
	ck_assert_int_eq(wr(0x2ff, 0xc02), X86_GP);   /* type 2 reserved */
	ck_assert_int_eq(wr(0x2ff, 0xc07), X86_GP);   /* type 7 reserved */
	ck_assert_int_eq(wr(0x2ff, 0x1006), X86_GP);  /* bit 12 */
	ck_assert_int_eq(wr(0x2ff, 0x106), X86_GP);   /* bit 8 */
	ck_assert_int_eq(wr(0x2ff, 1ull << 32), X86_GP);
	ck_assert_int_eq(rd(0x2ff, &v), -1);
	ck_assert_uint_eq(v, 0x800);             /* unchanged by the #GPs */
}
END_TEST

START_TEST(fixed_ranges)
{
	static const uint32_t idx[] = {
		0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c,
		0x26d, 0x26e, 0x26f,
	};

	static const uint8_t types[] = { 0, 1, 4, 5, 6 };

	for (unsigned i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		uint64_t v = 0;

		for (unsigned k = 0; k < 8; k++)
			v |= (uint64_t)types[(k + i) % 5] << (8 * k);
		round_trip(idx[i], 0x0606060606060606ull);
		round_trip(idx[i], v);
		ck_assert_int_eq(wr(idx[i], 0x0606060606060603ull), X86_GP);
		ck_assert_int_eq(wr(idx[i], 0x0806060606060606ull), X86_GP);
	}
	/* Between the fixed ranges: no MSR. */
	ck_assert_int_eq(wr(0x251, 0), X86_GP);
}
END_TEST

START_TEST(variable_ranges)
{
	uint64_t pa = (1ull << CPU_MODEL_MAXPHYADDR_DEFAULT) - 1;

	for (uint32_t n = 0; n < 8; n++) {
		uint32_t base = 0x200 + 2 * n, mask = base + 1;

		round_trip(base, 0x80000006ull + (n << 20));
		round_trip(mask, (pa & ~0xfffull) | 0x800);
		ck_assert_int_eq(wr(base, 0x80000002ull), X86_GP);   /* type */
		ck_assert_int_eq(wr(base, 0x80000106ull), X86_GP);   /* 11:8 */
		ck_assert_int_eq(wr(base, (pa + 1) | 6), X86_GP);     /* >= MAXPHY */
		ck_assert_int_eq(wr(mask, 0xfffff400ull), X86_GP);   /* 10:0 */
		ck_assert_int_eq(wr(mask, (pa + 1) | 0x800), X86_GP);
	}
	ck_assert_int_eq(wr(0x210, 0), X86_GP);   /* past PHYSMASK7 */
}
END_TEST

START_TEST(gp_without_mtrr_feature)
{
	static const uint32_t idx[] = { 0xfe, 0x2ff, 0x250, 0x26f, 0x200, 0x20f };
	uint64_t v;

	cpu_model_set(&h.ip->cfg.model, X86_FEAT_MTRR, false);
	for (unsigned i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		ck_assert_int_eq(rd(idx[i], &v), X86_GP);
		ck_assert_int_eq(wr(idx[i], 0), X86_GP);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mtrr");
	TCase *t = tcase_create("mtrr");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, cpuid_and_mtrrcap);
	tcase_add_test(t, def_type);
	tcase_add_test(t, fixed_ranges);
	tcase_add_test(t, variable_ranges);
	tcase_add_test(t, gp_without_mtrr_feature);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
