// SPDX-License-Identifier: MIT
/*
 * EPT (SDM 29.3): translation with 4K/2M/1G pages, violations with the
 * Table 28-7 qualification, misconfigurations, tables outside RAM,
 * execute-only pages, accessed/dirty flags.
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
#define WB   (6ull << 3)
#define EPTP (PML4 | 0x18 | 6)

static struct fix F;

static void pte(uint64_t table, unsigned idx, uint64_t val)
{
	gmem_write_u64(&F.mem, table + 8 * idx, val);
}

static void setup(void)
{
	fix_init(&F, true);
	fix_baseline(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT);
	fw(&F, VMCS_EPT_POINTER, EPTP);
	pte(PML4, 0, PDPT | 7);
	pte(PDPT, 0, PD | 7);
	pte(PDPT, 1, 0x0 | EPTE_LARGE | WB | EPTE_R);        /* 1G: R only */
	pte(PD, 2, PT | 7);
	pte(PD, 3, 0xa00000 | EPTE_LARGE | WB | 7);          /* 2M: RWX */
	pte(PT, 0, 0x800000 | WB | EPTE_R | EPTE_W);         /* 4K: RW */
	pte(PT, 1, 0x801000 | WB | EPTE_X);                  /* execute-only */
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	F.state_changed = 0;
}

static void teardown(void)
{
	fix_fini(&F);
}

static enum icpt_result xlate(uint64_t gpa, unsigned acc, uint64_t *out)
{
	return vmx_translate_gpa(F.v, &F.ctx, gpa, acc, 0x7f000123, true, false,
				 out);
}

START_TEST(translate_page_sizes)
{
	uint64_t out = 0;

	ck_assert_int_eq(xlate(0x400123, EPT_ACC_READ, &out), ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0x800123);
	ck_assert_int_eq(xlate(0x400123, EPT_ACC_WRITE, &out), ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0x800123);
	ck_assert_int_eq(xlate(0x6abcde, EPT_ACC_FETCH, &out), ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0xaabcde);
	ck_assert_int_eq(xlate(0x40123456, EPT_ACC_READ, &out), ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0x123456);
	ck_assert(F.v->nonroot);
}
END_TEST

/* Table 28-7: bits 2:0 access, 5:3 permissions, 7 GLA valid, 8 GLA is the
 * translated address (not a paging-structure access). */
static const struct {
	uint64_t gpa;
	unsigned acc;
	bool in_walk;
	uint64_t qual;
} violations[] = {
	{ 0x400010, EPT_ACC_FETCH, false, 4 | 0x8 | 0x10 | 0x80 | 0x100 },
	{ 0x40000010, EPT_ACC_WRITE, false, 2 | 0x8 | 0x80 | 0x100 },
	{ 0x800000, EPT_ACC_READ, false, 1 | 0x80 | 0x100 },    /* not present */
	{ 0x401000, EPT_ACC_READ, true, 1 | 0x20 | 0x80 },      /* X only */
	{ 0x400000000ull, EPT_ACC_READ, false, 1 | 0x80 | 0x100 }, /* PDPT[16] */
};

START_TEST(ept_violation_qualification)
{
	uint64_t out;

	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, violations[_i].gpa,
					   violations[_i].acc, 0x7f000123, true,
					   violations[_i].in_walk, &out),
			 ICPT_SWITCHED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_EPT_VIOLATION);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), violations[_i].qual);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_PHYSICAL_ADDRESS), violations[_i].gpa);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_LINEAR_ADDRESS), 0x7f000123);
	ck_assert_uint_eq(F.cpu.rip, FIX_HOST_RIP);
}
END_TEST

START_TEST(violation_without_linear_address)
{
	uint64_t out;

	fw(&F, VMCS_GUEST_LINEAR_ADDRESS, 0x55);
	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, 0x800000, EPT_ACC_WRITE,
					   0, false, false, &out), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 2);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_LINEAR_ADDRESS), 0x55);
}
END_TEST

/* SDM 29.3.3.1: misconfigurations. */
static const struct {
	unsigned pd_index;
	uint64_t entry;
} misconfigs[] = {
	{ 5, EPTE_W },                                        /* W without R */
	{ 5, 0xa00000 | EPTE_LARGE | (2ull << 3) | 7 },       /* memtype 2 */
	{ 5, 0xa00000 | EPTE_LARGE | (7ull << 3) | 7 },       /* memtype 7 */
	{ 5, 0xa00000 | EPTE_LARGE | WB | 7 |
	  (1ull << CPU_MODEL_MAXPHYADDR_DEFAULT) },          /* > MAXPHYADDR */
	{ 5, 0xa10000 | EPTE_LARGE | WB | 7 },                /* 2M bits 20:12 */
	{ 5, PT | 7 | (1ull << 4) },                          /* non-leaf 6:3 */
	{ 5, 0x40000000ull | 7 },                             /* table outside RAM */
};

START_TEST(ept_misconfiguration)
{
	uint64_t out;
	uint64_t gpa = (uint64_t)misconfigs[_i].pd_index << 21 | 0x345;

	pte(PD, misconfigs[_i].pd_index, misconfigs[_i].entry);
	ck_assert_int_eq(xlate(gpa, EPT_ACC_READ, &out), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_EPT_MISCONFIG);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_PHYSICAL_ADDRESS), gpa);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0);
}
END_TEST

START_TEST(pml4_outside_ram_is_misconfig)
{
	uint64_t out;

	fw(&F, VMCS_EPT_POINTER, (1ull << 38) | 0x18 | 6);
	ck_assert_int_eq(xlate(0x1000, EPT_ACC_READ, &out), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_EPT_MISCONFIG);
}
END_TEST

START_TEST(execute_only_fetch)
{
	uint64_t out;

	ck_assert_int_eq(xlate(0x401800, EPT_ACC_FETCH, &out), ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0x801800);
}
END_TEST

START_TEST(no_ept_or_root_is_identity)
{
	uint64_t out = 0;

	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, 0);
	ck_assert_int_eq(xlate(0x800000, EPT_ACC_WRITE, &out), ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0x800000);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT);
	F.v->nonroot = false;
	ck_assert_int_eq(xlate(0x800000, EPT_ACC_WRITE, &out), ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0x800000);
}
END_TEST

/* SDM 29.3.5: accessed flags on every entry used, dirty on the leaf of a
 * write (walk level: A/D is not advertised, so VM entry rejects it). */
START_TEST(accessed_dirty_flags)
{
	struct ept_walk_cfg cfg;
	struct ept_walk_result r;
	uint64_t e;

	vmx_ept_cfg(F.v, &cfg);
	ept_walk(&F.mem, &cfg, EPTP | EPTP_AD, 0x400010, EPT_ACC_READ, &r);
	ck_assert_int_eq(r.outcome, EPT_OK);
	gmem_read_u64(&F.mem, PT, &e);
	ck_assert(e & EPTE_A);
	ck_assert(!(e & EPTE_D));
	gmem_read_u64(&F.mem, PML4, &e);
	ck_assert(e & EPTE_A);
	ept_walk(&F.mem, &cfg, EPTP | EPTP_AD, 0x400010, EPT_ACC_WRITE, &r);
	gmem_read_u64(&F.mem, PT, &e);
	ck_assert(e & EPTE_D);
	gmem_read_u64(&F.mem, PD + 8 * 2, &e);
	ck_assert(!(e & EPTE_D));       /* non-leaf: no dirty flag */
	/* Without the EPTP bit nothing is written. */
	gmem_write_u64(&F.mem, PT + 8, 0x801000 | WB | EPTE_X);
	ept_walk(&F.mem, &cfg, EPTP, 0x401000, EPT_ACC_FETCH, &r);
	gmem_read_u64(&F.mem, PT + 8, &e);
	ck_assert_uint_eq(e, 0x801000 | WB | EPTE_X);
	ck_assert_uint_eq(r.mem_type, 6);
	ck_assert_uint_eq(r.level, 1);
}
END_TEST

START_TEST(walk_without_exec_only_support)
{
	struct ept_walk_cfg cfg;
	struct ept_walk_result r;

	vmx_ept_cfg(F.v, &cfg);
	cfg.exec_only = false;
	ept_walk(&F.mem, &cfg, EPTP, 0x401000, EPT_ACC_FETCH, &r);
	ck_assert_int_eq(r.outcome, EPT_MISCONFIG);
	cfg.page_1g = false;
	ept_walk(&F.mem, &cfg, EPTP, 0x40000000, EPT_ACC_READ, &r);
	ck_assert_int_eq(r.outcome, EPT_MISCONFIG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmx_ept");
	TCase *tc = tcase_create("ept");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, translate_page_sizes);
	tcase_add_loop_test(tc, ept_violation_qualification, 0,
			    sizeof(violations) / sizeof(violations[0]));
	tcase_add_test(tc, violation_without_linear_address);
	tcase_add_loop_test(tc, ept_misconfiguration, 0,
			    sizeof(misconfigs) / sizeof(misconfigs[0]));
	tcase_add_test(tc, pml4_outside_ram_is_misconfig);
	tcase_add_test(tc, execute_only_fetch);
	tcase_add_test(tc, no_ept_or_root_is_identity);
	tcase_add_test(tc, accessed_dirty_flags);
	tcase_add_test(tc, walk_without_exec_only_support);
	suite_add_tcase(s, tc);
	return fix_run_suite(s);
}
