// SPDX-License-Identifier: MIT
/*
 * "Virtualize APIC accesses" at the engine hook (src/vmx/apic_access.c,
 * SDM Vol. 3C 30.4): what vmx_translate_gpa() answers for accesses to the
 * APIC-access page (redirected, never cached, or an APIC-access exit with
 * its qualification) and the APIC-write emulation the next boundary does.
 * fw_vmapicacc proves the same rules end to end.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/nonroot.h"
#include "vmxb_fixture.h"

#define PAGE	0x15000ull    /* the APIC-access page */
#define ACC_R	EPT_ACC_READ
#define ACC_W	EPT_ACC_WRITE
#define ACC_X	EPT_ACC_FETCH

static struct fix F;

static void setup(void)
{
	fix_init(&F, true);
	fix_baseline(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TPR_SHADOW |
	     CPU_ACTIVATE_SECONDARY);
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_VIRT_APIC_ACCESSES);
	fw(&F, VMCS_VIRTUAL_APIC_PAGE_ADDR, FIX_VAPIC);
	fw(&F, VMCS_APIC_ACCESS_ADDR, PAGE);
	fw(&F, VMCS_TPR_THRESHOLD, 0);
}

static void teardown(void)
{
	fix_fini(&F);
}

static void enter(void)
{
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
}

/* A linear access of size bytes at offset off of the page. */
static enum icpt_result access(unsigned off, unsigned acc, unsigned size,
			       uint64_t *out)
{
	F.ctx.access_size = size;
	F.ctx.no_tlb = false;
	return vmx_translate_gpa(F.v, &F.ctx, PAGE + off, acc, PAGE + off,
				 true, false, out);
}

static void assert_access_exit(uint64_t qual)
{
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_APIC_ACCESS);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), qual);
}

START_TEST(tpr_read_redirected_never_cached)
{
	uint64_t out = 0;

	enter();
	ck_assert_int_eq(access(0x80, ACC_R, 4, &out), ICPT_CONTINUE);
	ck_assert_uint_eq(out, FIX_VAPIC + 0x80);
	ck_assert(F.ctx.no_tlb);
	ck_assert(!F.v->apic_write_pending);
	/* Any other page: identity, cacheable. */
	ck_assert_int_eq(access(0x1080, ACC_R, 4, &out), ICPT_CONTINUE);
	ck_assert_uint_eq(out, PAGE + 0x1080);
	ck_assert(!F.ctx.no_tlb);
}
END_TEST

START_TEST(unknown_size_and_fetch_exit)
{
	uint64_t out = 0;

	enter();
	ck_assert_int_eq(access(0x80, ACC_R, 0, &out), ICPT_SWITCHED);
	assert_access_exit(0x080);
	enter();
	ck_assert_int_eq(access(0x84, ACC_X, 1, &out), ICPT_SWITCHED);
	assert_access_exit(0x2084);
}
END_TEST

START_TEST(root_operation_not_virtualized)
{
	uint64_t out = 0;

	ck_assert(!F.v->nonroot);
	ck_assert_int_eq(access(0x80, ACC_W, 4, &out), ICPT_CONTINUE);
	ck_assert_uint_eq(out, PAGE + 0x80);
	ck_assert(!F.ctx.no_tlb);
}
END_TEST

START_TEST(eoi_write_emulated_at_boundary)
{
	uint64_t out = 0;

	fset(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_VIRT_INTR_DELIVERY);
	fw(&F, VMCS_GUEST_INTR_STATUS, 0x3100);     /* SVI 31H */
	ck_assert(gmem_write_u32(&F.mem, FIX_VAPIC + 0x100 + 0x10, 1u << 17));
	enter();
	ck_assert_int_eq(access(0xb0, ACC_W, 4, &out), ICPT_CONTINUE);
	ck_assert_uint_eq(out, FIX_VAPIC + 0xb0);
	ck_assert(F.v->apic_write_pending);
	ck_assert_uint_eq(F.v->apic_write_offset, 0xb0);
	ck_assert(F.ctx.boundary_wanted);
	/* The write itself (the engine's), then the boundary. */
	ck_assert(gmem_write_u32(&F.mem, out, 0));
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(!F.v->apic_write_pending);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_INTR_STATUS), 0);
}
END_TEST

START_TEST(ldr_write_apic_write_exit)
{
	uint64_t out = 0;

	fset(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_APIC_REGISTER_VIRT);
	enter();
	ck_assert_int_eq(access(0xd0, ACC_W, 4, &out), ICPT_CONTINUE);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_APIC_WRITE);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0xd0);
	ck_assert(!F.v->apic_write_pending);
}
END_TEST

START_TEST(entry_tpr_below_threshold_exits)
{
	ck_assert(gmem_write_u32(&F.mem, FIX_VAPIC + 0x80, 0x20));
	fw(&F, VMCS_TPR_THRESHOLD, 5);
	enter();
	ck_assert(F.v->tpr_exit_pending);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_TPR_BELOW_THRESHOLD);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmx_apicacc");
	TCase *tc = tcase_create("apic_access");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tpr_read_redirected_never_cached);
	tcase_add_test(tc, unknown_size_and_fetch_exit);
	tcase_add_test(tc, root_operation_not_virtualized);
	tcase_add_test(tc, eoi_write_emulated_at_boundary);
	tcase_add_test(tc, ldr_write_apic_write_exit);
	tcase_add_test(tc, entry_tpr_below_threshold_exits);
	suite_add_tcase(s, tc);
	return fix_run_suite(s);
}
