// SPDX-License-Identifier: MIT
/*
 * EPT-violation #VE (SDM 26.5.7): which EPT violations are convertible
 * (suppress-#VE bit 63 of the deciding entry), the conditions that keep a
 * convertible violation a VM exit, and the virtualization-exception
 * information area.
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
#define VE   0x51000ull
#define WB   (6ull << 3)
#define EPTP (PML4 | 0x18 | 6)
#define SVE  EPTE_SUPPRESS_VE
#define GLA  0x7f000123ull

static struct fix F;

static void pte(uint64_t table, unsigned idx, uint64_t val)
{
	gmem_write_u64(&F.mem, table + 8 * idx, val);
}

static uint64_t ve64(unsigned off)
{
	uint64_t x = 0;

	gmem_read_u64(&F.mem, VE + off, &x);
	return x;
}

static uint32_t ve32(unsigned off)
{
	uint32_t x = 0;

	gmem_read_u32(&F.mem, VE + off, &x);
	return x;
}

/* 0x400000: PT[0] read-only; 0x401000: PT[1] not present; PD[3] not
 * present with suppress #VE; PD[4] a non-leaf entry with bit 63 set over a
 * PT whose entry 0 is read-only. */
static void setup(void)
{
	fix_init(&F, true);
	fix_baseline(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL,
	   CPU2_ENABLE_EPT | CPU2_EPT_VIOLATION_VE);
	fw(&F, VMCS_EPT_POINTER, EPTP);
	fw(&F, VMCS_VE_INFO_ADDRESS, VE);
	fw(&F, VMCS_EPTP_INDEX, 0x1234);
	pte(PML4, 0, PDPT | 7);
	pte(PDPT, 0, PD | 7);
	pte(PD, 2, PT | 7);
	pte(PD, 3, SVE);
	pte(PD, 4, (PT + 0x1000) | 7 | SVE);
	pte(PT, 0, 0x800000 | WB | EPTE_R);
	pte(PT, 1, 0);
	pte(PT + 0x1000, 0, 0x900000 | WB | EPTE_R);
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
}

static void teardown(void)
{
	fix_fini(&F);
}

static enum icpt_result xlate(uint64_t gpa, unsigned acc)
{
	uint64_t out = 0;

	F.cpu.pending_exception.valid = false;
	return vmx_translate_gpa(F.v, &F.ctx, gpa, acc, GLA, true, false, &out);
}

static void assert_ve(void)
{
	ck_assert(F.v->nonroot);
	ck_assert(F.cpu.pending_exception.valid);
	ck_assert_uint_eq(F.cpu.pending_exception.type, EVT_HW_EXCEPTION);
	ck_assert_uint_eq(F.cpu.pending_exception.vector, 20);
	ck_assert(!F.cpu.pending_exception.has_error_code);
}

static void assert_exit(void)
{
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_EPT_VIOLATION);
}

START_TEST(convertible_violation_raises_ve_with_info)
{
	ck_assert_int_eq(xlate(0x400ab8, EPT_ACC_WRITE), ICPT_FAULT);
	assert_ve();
	ck_assert_uint_eq(ve32(0), EXIT_REASON_EPT_VIOLATION);
	ck_assert_uint_eq(ve32(4), 0xffffffffu);
	/* Write to a readable page, GLA valid, translated address. */
	ck_assert_uint_eq(ve64(8), 0x2 | 0x8 | 0x80 | 0x100);
	ck_assert_uint_eq(ve64(16), GLA);
	ck_assert_uint_eq(ve64(24), 0x400ab8);
	ck_assert_uint_eq(ve64(32) & 0xffff, 0x1234);
}
END_TEST

/* Not present at the PTE, bit 63 clear: convertible; the violation of a
 * guest paging-structure access reports bit 7 without bit 8. */
START_TEST(not_present_entry_decides)
{
	uint64_t out;

	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, 0x401010, EPT_ACC_READ,
					   GLA, true, true, &out), ICPT_FAULT);
	assert_ve();
	ck_assert_uint_eq(ve64(8), 0x1 | 0x80);
	/* Not present at the PDE with bit 63 set: a VM exit. */
	gmem_write_u32(&F.mem, VE + 4, 0);
	ck_assert_int_eq(xlate(0x600000, EPT_ACC_READ), ICPT_SWITCHED);
	assert_exit();
}
END_TEST

/* Bit 63 of an entry that references another table is not looked at;
 * bit 63 of the page's entry is. */
START_TEST(only_leaf_or_absent_entry_counts)
{
	ck_assert_int_eq(xlate(0x800000, EPT_ACC_WRITE), ICPT_FAULT);
	assert_ve();
	gmem_write_u32(&F.mem, VE + 4, 0);
	pte(PT, 0, 0x800000 | WB | EPTE_R | SVE);
	ck_assert_int_eq(xlate(0x400000, EPT_ACC_WRITE), ICPT_SWITCHED);
	assert_exit();
	ck_assert_uint_eq(ve32(4), 0);   /* nothing written */
}
END_TEST

START_TEST(busy_info_area_exits)
{
	ck_assert_int_eq(xlate(0x400000, EPT_ACC_WRITE), ICPT_FAULT);
	/* The first #VE set the busy dword: the next one exits. */
	ck_assert_int_eq(xlate(0x400000, EPT_ACC_WRITE), ICPT_SWITCHED);
	assert_exit();
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0x2 | 0x8 | 0x80 | 0x100);
}
END_TEST

START_TEST(info_area_outside_ram_exits)
{
	fw(&F, VMCS_VE_INFO_ADDRESS, FIX_MEM_SIZE);
	ck_assert_int_eq(xlate(0x400000, EPT_ACC_WRITE), ICPT_SWITCHED);
	assert_exit();
}
END_TEST

START_TEST(event_delivery_exits)
{
	F.cpu.injected = (struct x86_event){
		.valid = true, .type = EVT_HW_EXCEPTION, .vector = 14,
		.has_error_code = true,
	};
	ck_assert_int_eq(xlate(0x400000, EPT_ACC_WRITE), ICPT_SWITCHED);
	assert_exit();
	ck_assert_uint_eq(ve32(4), 0);
}
END_TEST

START_TEST(real_mode_guest_exits)
{
	F.cpu.cr0 &= ~(CR0_PE | CR0_PG);
	ck_assert_int_eq(xlate(0x400000, EPT_ACC_WRITE), ICPT_SWITCHED);
	assert_exit();
}
END_TEST

START_TEST(control_off_exits)
{
	fclr(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_EPT_VIOLATION_VE);
	ck_assert_int_eq(xlate(0x400000, EPT_ACC_WRITE), ICPT_SWITCHED);
	assert_exit();
	ck_assert_uint_eq(ve32(4), 0);
}
END_TEST

/* The #VE goes through the exception bitmap like any exception. */
START_TEST(ve_is_offered_to_the_exception_bitmap)
{
	struct x86_intercept ic = {
		.kind = ICPT_EXCEPTION,
		.u.exc = { .vector = 20, .type = EVT_HW_EXCEPTION },
	};

	fset(&F, VMCS_EXCEPTION_BITMAP, 1u << 20);
	ck_assert_int_eq(xlate(0x400000, EPT_ACC_WRITE), ICPT_FAULT);
	assert_ve();
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_EXCEPTION_NMI);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | (EVT_HW_EXCEPTION << 8) | 20);
}
END_TEST

START_TEST(ve_caps_and_fields)
{
	ck_assert(F.v->caps.proc2.may1 & CPU2_EPT_VIOLATION_VE);
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_VE_INFO_ADDRESS));
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_EPTP_INDEX));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmx_ve");
	TCase *t = tcase_create("all");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, convertible_violation_raises_ve_with_info);
	tcase_add_test(t, not_present_entry_decides);
	tcase_add_test(t, only_leaf_or_absent_entry_counts);
	tcase_add_test(t, busy_info_area_exits);
	tcase_add_test(t, info_area_outside_ram_exits);
	tcase_add_test(t, event_delivery_exits);
	tcase_add_test(t, real_mode_guest_exits);
	tcase_add_test(t, control_off_exits);
	tcase_add_test(t, ve_is_offered_to_the_exception_bitmap);
	tcase_add_test(t, ve_caps_and_fields);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fix_run_suite(suite());
}
