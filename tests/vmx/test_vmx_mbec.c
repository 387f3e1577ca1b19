// SPDX-License-Identifier: MIT
/*
 * Mode-based execute control for EPT (SDM 29.3.2, 29.3.3.2, Table 28-7):
 * bit 2 of an EPT entry allows fetches from supervisor-mode linear
 * addresses, bit 10 from user-mode ones (the engine says which with
 * EPT_ACC_USER_LA); bit 10 makes an entry present; the violation
 * qualification reports bit 6.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/ept_walk.h"
#include "vmx/nonroot.h"
#include "vmxb_fixture.h"

#define PML4 FIX_EPT_PML4
#define PDPT (FIX_EPT_PML4 + 0x1000)
#define PD   (FIX_EPT_PML4 + 0x2000)
#define PT   (FIX_EPT_PML4 + 0x3000)
#define PT2  (FIX_EPT_PML4 + 0x4000)
#define WB   (6ull << 3)
#define EPTP (PML4 | 0x18 | 6)
#define XU   EPTE_XU
#define GLA  0x7f000000ull
#define GLAQ (0x80ull | 0x100ull)       /* GLA valid, translation */
#define SUP_FETCH EPT_ACC_FETCH
#define USR_FETCH (EPT_ACC_FETCH | EPT_ACC_USER_LA)

static struct fix F;

static void pte(uint64_t table, unsigned idx, uint64_t val)
{
	gmem_write_u64(&F.mem, table + 8 * idx, val);
}

/* PT: 0x400000 R|XS, 0x401000 R|XU, 0x402000 R|XS|XU, 0x403000 XU only;
 * PD[3] -> PT2 without XU: 0x600000 R|XS|XU under it. */
static void setup(void)
{
	fix_init(&F, true);
	fix_baseline(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL,
	   CPU2_ENABLE_EPT | CPU2_MODE_BASED_EPT_EXEC);
	fw(&F, VMCS_EPT_POINTER, EPTP);
	pte(PML4, 0, PDPT | 7 | XU);
	pte(PDPT, 0, PD | 7 | XU);
	pte(PD, 2, PT | 7 | XU);
	pte(PD, 3, PT2 | 7);
	pte(PT, 0, 0x800000 | WB | EPTE_R | EPTE_X);
	pte(PT, 1, 0x801000 | WB | EPTE_R | XU);
	pte(PT, 2, 0x802000 | WB | EPTE_R | EPTE_X | XU);
	pte(PT, 3, 0x803000 | WB | XU);
	pte(PT2, 0, 0x900000 | WB | EPTE_R | EPTE_X | XU);
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
}

static void teardown(void)
{
	fix_fini(&F);
}

static enum icpt_result xlate(uint64_t gpa, unsigned acc)
{
	uint64_t out = 0;

	return vmx_translate_gpa(F.v, &F.ctx, gpa, acc, GLA, true, false, &out);
}

static void assert_violation(uint64_t qual)
{
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_EPT_VIOLATION);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), qual);
}

START_TEST(supervisor_fetch_needs_bit_2)
{
	ck_assert_int_eq(xlate(0x400010, SUP_FETCH), ICPT_CONTINUE);
	ck_assert_int_eq(xlate(0x402010, SUP_FETCH), ICPT_CONTINUE);
	ck_assert_int_eq(xlate(0x401010, SUP_FETCH), ICPT_SWITCHED);
	/* Fetch, readable, XU (bit 6), not XS (bit 5). */
	assert_violation(0x4 | 0x8 | 0x40 | GLAQ);
}
END_TEST

START_TEST(user_fetch_needs_bit_10)
{
	ck_assert_int_eq(xlate(0x401010, USR_FETCH), ICPT_CONTINUE);
	ck_assert_int_eq(xlate(0x402010, USR_FETCH), ICPT_CONTINUE);
	ck_assert_int_eq(xlate(0x400010, USR_FETCH), ICPT_SWITCHED);
	assert_violation(0x4 | 0x8 | 0x20 | GLAQ);
}
END_TEST

/* Bit 10 alone makes the entry present: a user fetch runs, a read is a
 * violation that reports bit 6 (no bit 3). */
START_TEST(user_execute_only_entry_is_present)
{
	ck_assert_int_eq(xlate(0x403000, USR_FETCH), ICPT_CONTINUE);
	ck_assert_int_eq(xlate(0x403000, EPT_ACC_READ), ICPT_SWITCHED);
	assert_violation(0x1 | 0x40 | GLAQ);
}
END_TEST

/* XU is the AND over every level, like the other permissions. */
START_TEST(user_execute_is_anded_over_levels)
{
	ck_assert_int_eq(xlate(0x600000, SUP_FETCH), ICPT_CONTINUE);
	ck_assert_int_eq(xlate(0x600000, USR_FETCH), ICPT_SWITCHED);
	assert_violation(0x4 | 0x8 | 0x20 | GLAQ);
}
END_TEST

/* Data accesses do not care; the user-mode flag changes nothing. */
START_TEST(data_access_ignores_mode)
{
	ck_assert_int_eq(xlate(0x401000, EPT_ACC_READ | EPT_ACC_USER_LA),
			 ICPT_CONTINUE);
	ck_assert_int_eq(xlate(0x400000, EPT_ACC_READ), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
}
END_TEST

/* Control off: bit 10 is ignored, bit 2 decides every fetch, an entry
 * with only bit 10 is not present, no bit 6 in the qualification. */
START_TEST(control_off_ignores_bit_10)
{
	fclr(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_MODE_BASED_EPT_EXEC);
	ck_assert_int_eq(xlate(0x400010, USR_FETCH), ICPT_CONTINUE);
	ck_assert_int_eq(xlate(0x401010, USR_FETCH), ICPT_SWITCHED);
	assert_violation(0x4 | 0x8 | GLAQ);
}
END_TEST

START_TEST(control_off_bit_10_not_present)
{
	fclr(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_MODE_BASED_EPT_EXEC);
	ck_assert_int_eq(xlate(0x403000, USR_FETCH), ICPT_SWITCHED);
	assert_violation(0x4 | GLAQ);
}
END_TEST

START_TEST(mbec_advertised)
{
	ck_assert(F.v->caps.proc2.may1 & CPU2_MODE_BASED_EPT_EXEC);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmx_mbec");
	TCase *t = tcase_create("all");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, supervisor_fetch_needs_bit_2);
	tcase_add_test(t, user_fetch_needs_bit_10);
	tcase_add_test(t, user_execute_only_entry_is_present);
	tcase_add_test(t, user_execute_is_anded_over_levels);
	tcase_add_test(t, data_access_ignores_mode);
	tcase_add_test(t, control_off_ignores_bit_10);
	tcase_add_test(t, control_off_bit_10_not_present);
	tcase_add_test(t, mbec_advertised);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fix_run_suite(suite());
}
