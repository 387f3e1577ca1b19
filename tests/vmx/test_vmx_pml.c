// SPDX-License-Identifier: MIT
/*
 * Page-modification logging (SDM 29.3.6) on top of the EPT accessed and
 * dirty flags (29.3.5): what is logged, where, the index, and the
 * page-modification log-full VM exit (reason 62).
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
#define LOG  0x50000ull
#define WB   (6ull << 3)
#define EPTP (PML4 | 0x18 | 6 | EPTP_AD)
#define BIT12 (1ull << 12)

static struct fix F;

static void pte(uint64_t table, unsigned idx, uint64_t val)
{
	gmem_write_u64(&F.mem, table + 8 * idx, val);
}

static uint64_t entry(uint64_t table, unsigned idx)
{
	uint64_t e = 0;

	gmem_read_u64(&F.mem, table + 8 * idx, &e);
	return e;
}

static uint64_t log_at(unsigned idx)
{
	uint64_t e = 0;

	gmem_read_u64(&F.mem, LOG + 8 * idx, &e);
	return e;
}

static uint64_t pml_index(void)
{
	return fr(&F, VMCS_GUEST_PML_INDEX);
}

/* EPT with A/D: 0x400000 4K RW (PT[0]), 0x401000 4K RW (PT[1]), 2M RWX
 * at 0x600000; PML on with the log at LOG, index 511. */
static void setup(void)
{
	fix_init(&F, true);
	fix_baseline(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL,
	   CPU2_ENABLE_EPT | CPU2_ENABLE_PML);
	fw(&F, VMCS_EPT_POINTER, EPTP);
	fw(&F, VMCS_PML_ADDRESS, LOG);
	fw(&F, VMCS_GUEST_PML_INDEX, 511);
	pte(PML4, 0, PDPT | 7);
	pte(PDPT, 0, PD | 7);
	pte(PD, 2, PT | 7);
	pte(PD, 3, 0xa00000 | EPTE_LARGE | WB | 7);
	pte(PT, 0, 0x800000 | WB | EPTE_R | EPTE_W);
	pte(PT, 1, 0x801000 | WB | EPTE_R | EPTE_W);
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
}

static void teardown(void)
{
	fix_fini(&F);
}

static enum icpt_result xlate(uint64_t gpa, unsigned acc)
{
	uint64_t out = 0;

	return vmx_translate_gpa(F.v, &F.ctx, gpa, acc, 0x7f000123, true,
				 false, &out);
}

START_TEST(pml_logs_first_dirtying_write)
{
	ck_assert_int_eq(xlate(0x400123, EPT_ACC_WRITE), ICPT_CONTINUE);
	ck_assert_uint_eq(entry(PT, 0) & (EPTE_A | EPTE_D), EPTE_A | EPTE_D);
	ck_assert_uint_eq(log_at(511), 0x400000);       /* bits 11:0 = 0 */
	ck_assert_uint_eq(pml_index(), 510);
	/* Dirty already: nothing more is logged. */
	ck_assert_int_eq(xlate(0x400ff8, EPT_ACC_WRITE), ICPT_CONTINUE);
	ck_assert_uint_eq(pml_index(), 510);
	/* A read sets A only: not logged. */
	ck_assert_int_eq(xlate(0x401000, EPT_ACC_READ), ICPT_CONTINUE);
	ck_assert_uint_eq(entry(PT, 1) & (EPTE_A | EPTE_D), EPTE_A);
	ck_assert_uint_eq(pml_index(), 510);
	ck_assert_uint_eq(log_at(510), 0);
	/* A 2-MByte page: the 4-KByte page of the access is logged. */
	ck_assert_int_eq(xlate(0x6abcde, EPT_ACC_WRITE), ICPT_CONTINUE);
	ck_assert_uint_eq(log_at(510), 0x6ab000);
	ck_assert_uint_eq(pml_index(), 509);
	ck_assert(F.v->nonroot);
}
END_TEST

/* Guest paging-structure accesses are writes with A/D (29.3.5): the
 * page-table page is logged. */
START_TEST(pml_logs_guest_paging_structure_write)
{
	uint64_t out;

	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, 0x401018, EPT_ACC_READ,
					   0x7f000123, true, true, &out),
			 ICPT_CONTINUE);
	ck_assert_uint_eq(log_at(511), 0x401000);
	ck_assert_uint_eq(pml_index(), 510);
}
END_TEST

START_TEST(pml_index_wraps_then_log_full_exit)
{
	fw(&F, VMCS_GUEST_PML_INDEX, 0);
	ck_assert_int_eq(xlate(0x400000, EPT_ACC_WRITE), ICPT_CONTINUE);
	ck_assert_uint_eq(log_at(0), 0x400000);
	ck_assert_uint_eq(pml_index(), 0xffff);
	/* The next access with a flag to set: log-full exit, fault-like,
	 * no flag set. */
	ck_assert_int_eq(xlate(0x401000, EPT_ACC_WRITE), ICPT_SWITCHED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_PML_FULL);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), FIX_GUEST_RIP);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_PML_INDEX), 0xffff);
	ck_assert_uint_eq(entry(PT, 1) & (EPTE_A | EPTE_D), 0);
	ck_assert_uint_eq(F.cpu.rip, FIX_HOST_RIP);
}
END_TEST

/* Full, but every flag already set: no exit (only a flag to set looks at
 * the index); an accessed flag alone to set does exit. */
START_TEST(pml_full_only_when_a_flag_is_set)
{
	ck_assert_int_eq(xlate(0x400000, EPT_ACC_WRITE), ICPT_CONTINUE);
	fw(&F, VMCS_GUEST_PML_INDEX, 512);
	ck_assert_int_eq(xlate(0x400008, EPT_ACC_WRITE), ICPT_CONTINUE);
	ck_assert_int_eq(xlate(0x400010, EPT_ACC_READ), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
	ck_assert_int_eq(xlate(0x401000, EPT_ACC_READ), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_PML_FULL);
	ck_assert_uint_eq(entry(PT, 1) & EPTE_A, 0);
}
END_TEST

START_TEST(pml_full_exit_after_iret_sets_bit12)
{
	fw(&F, VMCS_GUEST_PML_INDEX, 0x1ff0);
	F.v->iret_unblocked_nmi = true;
	F.v->iret_insn_count = F.cpu.insn_count;
	ck_assert_int_eq(xlate(0x400000, EPT_ACC_READ), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_PML_FULL);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), BIT12);
}
END_TEST

/* Without "enable PML" the flags are set and nothing is logged; without
 * EPT A/D (EPTP[6] = 0) PML has nothing to look at. */
START_TEST(pml_needs_control_and_ad)
{
	fclr(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_PML);
	fw(&F, VMCS_GUEST_PML_INDEX, 0xffff);
	ck_assert_int_eq(xlate(0x400000, EPT_ACC_WRITE), ICPT_CONTINUE);
	ck_assert_uint_eq(entry(PT, 0) & EPTE_D, EPTE_D);
	ck_assert_uint_eq(pml_index(), 0xffff);
	fset(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_PML);
	fw(&F, VMCS_EPT_POINTER, EPTP & ~EPTP_AD);
	ck_assert_int_eq(xlate(0x401000, EPT_ACC_WRITE), ICPT_CONTINUE);
	ck_assert_uint_eq(entry(PT, 1) & (EPTE_A | EPTE_D), 0);
	ck_assert(F.v->nonroot);
}
END_TEST

START_TEST(pml_caps_and_fields)
{
	ck_assert(F.v->caps.proc2.may1 & CPU2_ENABLE_PML);
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_PML_ADDRESS));
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_GUEST_PML_INDEX));
	ck_assert(F.v->caps.ept_vpid & EPT_CAP_AD);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmx_pml");
	TCase *t = tcase_create("all");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, pml_logs_first_dirtying_write);
	tcase_add_test(t, pml_logs_guest_paging_structure_write);
	tcase_add_test(t, pml_index_wraps_then_log_full_exit);
	tcase_add_test(t, pml_full_only_when_a_flag_is_set);
	tcase_add_test(t, pml_full_exit_after_iret_sets_bit12);
	tcase_add_test(t, pml_needs_control_and_ad);
	tcase_add_test(t, pml_caps_and_fields);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fix_run_suite(suite());
}
