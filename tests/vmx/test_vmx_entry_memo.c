// SPDX-License-Identifier: MIT
/*
 * VM entries remember the inputs of the control and host-state checks
 * (SDM 27.2) from the last entry that passed them (struct
 * vmx_entry_memo): a later entry with the same VMCS values skips those
 * rows.  What the rows read besides those fields must still count: the
 * VTPR in RAM, the guest CR0 of an injected exception's error-code rule,
 * the capabilities.  (Each rule broken after a good entry through the
 * VMCS: test_vmx_entry.c, broken_check_after_good_entry.)
 */
#include <check.h>

#include "vmx/entry_checks.h"
#include "vmx/exit_info.h"
#include "vmxb_fixture.h"

/* A VMRESUME after fix_enter()/fix_leave() that fails with VMfailValid
 * (error) and leaves L1 in root operation. */
static void expect_vmfail(struct fix *f, uint64_t error)
{
	ck_assert_int_eq(vmx_vmentry(f->v, &f->ctx, NULL, false),
			 ICPT_EMULATED);
	ck_assert(!f->v->nonroot);
	ck_assert_uint_eq(fr(f, VMCS_VM_INSTRUCTION_ERROR), error);
}

static void tpr_shadow(struct fix *f, uint8_t vtpr)
{
	fset(f, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TPR_SHADOW);
	fw(f, VMCS_VIRTUAL_APIC_PAGE_ADDR, FIX_VAPIC);
	fw(f, VMCS_TPR_THRESHOLD, 5);
	gmem_write_u8(&f->mem, FIX_VAPIC + 0x80, vtpr);
}

/* L2 (or L1) lowers the VTPR below the TPR threshold in RAM: no VMCS
 * field changed, the next entry still fails (27.2.1.1). */
START_TEST(vtpr_in_ram_after_good_entry)
{
	struct fix f;

	fix_init(&f, true);
	fix_baseline(&f);
	tpr_shadow(&f, 0x60);
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, true), ICPT_SWITCHED);
	fix_leave(&f);
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, false), ICPT_SWITCHED);
	fix_leave(&f);
	gmem_write_u8(&f.mem, FIX_VAPIC + 0x80, 0x40);
	expect_vmfail(&f, 7);
	fix_fini(&f);
}
END_TEST

/* With unrestricted guest, whether an injected #GP delivers an error code
 * follows the guest CR0.PE field (27.2.1.3): a guest field, not a
 * control, yet the control check must run again when it changes. */
START_TEST(guest_cr0_pe_after_good_entry)
{
	struct fix f;

	fix_init(&f, true);
	fix_baseline(&f);
	fset(&f, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&f, VMCS_SECONDARY_VM_EXEC_CONTROL,
	   CPU2_ENABLE_EPT | CPU2_UNRESTRICTED_GUEST);
	fw(&f, VMCS_EPT_POINTER, FIX_EPT_PML4 | 0x18 | 6);
	fw(&f, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID |
	   ((uint32_t)EVT_HW_EXCEPTION << 8) | INTR_INFO_DELIVER_CODE | 13);
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, true), ICPT_SWITCHED);
	fix_leave(&f);
	fw(&f, VMCS_GUEST_CR0, FIX_CR0 & ~(CR0_PE | CR0_PG));
	expect_vmfail(&f, 7);
	fix_fini(&f);
}
END_TEST

/* L1's mode is an input too: a 32-bit host entered from legacy mode, then
 * L1 in IA-32e mode resumes the same VMCS (27.2.4: host address-space
 * size must be 1 there). */
START_TEST(l1_long_mode_after_good_entry)
{
	struct fix f;

	fix_init(&f, true);
	fix_baseline(&f);
	fclr(&f, VMCS_VM_EXIT_CONTROLS,
	     EXIT_CTL_HOST_ADDR_SPACE_SIZE | EXIT_CTL_LOAD_EFER);
	fclr(&f, VMCS_VM_ENTRY_CONTROLS, ENTRY_CTL_IA32E_MODE_GUEST);
	fw(&f, VMCS_GUEST_IA32_EFER, EFER_SCE);
	fw(&f, VMCS_GUEST_CS_AR_BYTES, 0xc09b);
	f.cpu.efer = 0;
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, true), ICPT_SWITCHED);
	fix_leave(&f);          /* L1 back in IA-32e mode */
	expect_vmfail(&f, 8);
	fix_fini(&f);
}
END_TEST

/* The capabilities are inputs too: the same VMCS under stricter ones. */
START_TEST(caps_after_good_entry)
{
	struct fix f;

	fix_init(&f, true);
	fix_enter(&f);
	fix_leave(&f);
	f.v->caps.pin.must1 |= PIN_NMI_EXITING;
	expect_vmfail(&f, 7);
	fix_fini(&f);
}
END_TEST

/* The same bad VMCS fails again; the good one enters again. */
START_TEST(good_again_after_vmfail)
{
	struct fix f;
	uint64_t cr3 = 0;

	fix_init(&f, true);
	fix_enter(&f);
	fix_leave(&f);
	cr3 = fr(&f, VMCS_HOST_CR3);
	fw(&f, VMCS_HOST_CR3, 1ull << CPU_MODEL_MAXPHYADDR_DEFAULT);
	expect_vmfail(&f, 8);
	expect_vmfail(&f, 8);   /* a failed entry remembers nothing */
	fw(&f, VMCS_HOST_CR3, cr3);
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, false), ICPT_SWITCHED);
	ck_assert(f.v->nonroot);
	fix_fini(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmx_entry_memo");
	TCase *tc = tcase_create("memo");

	tcase_add_test(tc, vtpr_in_ram_after_good_entry);
	tcase_add_test(tc, guest_cr0_pe_after_good_entry);
	tcase_add_test(tc, l1_long_mode_after_good_entry);
	tcase_add_test(tc, caps_after_good_entry);
	tcase_add_test(tc, good_again_after_vmfail);
	suite_add_tcase(s, tc);
	return fix_run_suite(s);
}
