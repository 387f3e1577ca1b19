// SPDX-License-Identifier: MIT
/*
 * VM entries remember the inputs of the control and host-state checks
 * (SDM 27.2) from the last entry that passed them (struct
 * vmx_entry_memo): a later entry with the same VMCS values skips those
 * rows.  What the rows read besides those fields must still count: the
 * VTPR in RAM, the guest CR0 of an injected exception's error-code rule,
 * the capabilities.  The guest-state rows (SDM 27.3.1) too, once the
 * control memo holds: what they read besides the compared guest fields
 * still counts - RFLAGS bits (the arithmetic ones are not compared), RAM
 * (link pointer region, PDPTEs), the current-VMCS pointer.  (Each rule
 * broken after a good entry through the VMCS: test_vmx_entry.c,
 * broken_check_after_good_entry.)
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/entry_checks.h"
#include "vmx/exit_info.h"
#include "vmx/vmcs.h"
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

/* ---- the guest-state rows remembered (SDM 27.3.1) ---- */

/* A VM entry (VMRESUME unless launch) that fails on guest state with the
 * row the full table names (want), as a VM exit to L1 (SDM 27.8). */
static void expect_guest_failure(struct fix *f, const char *want, bool launch)
{
	const struct entry_check *row = entry_check_find(want);
	struct entry_env env;

	ck_assert_ptr_nonnull(row);
	entry_env_init(&env, f->v, &f->mem, &f->cpu);
	ck_assert_ptr_eq(entry_checks_run(&env), row);
	ck_assert_int_eq(vmx_vmentry(f->v, &f->ctx, NULL, launch),
			 ICPT_SWITCHED);
	ck_assert(!f->v->nonroot);
	ck_assert_uint_eq(fr(f, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_INVALID_STATE | EXIT_REASON_FAILED_VMENTRY);
	ck_assert_uint_eq(fr(f, VMCS_EXIT_QUALIFICATION), row->qual);
	f->state_changed = 0;
}

static void enter_ok(struct fix *f, bool launch)
{
	ck_assert_int_eq(vmx_vmentry(f->v, &f->ctx, NULL, launch),
			 ICPT_SWITCHED);
	ck_assert(f->v->nonroot);
	fix_leave(f);
}

/* The guest's RFLAGS changes at every exit, so the memo compares only the
 * bits the rows read: each of them, changed alone after a good entry,
 * still fails its row (27.3.1.4, 27.3.1.5). */
struct rflags_case {
	uint32_t intr;           /* interruptibility of both entries */
	uint64_t good, bad;      /* RFLAGS of the good and the bad entry */
	bool legacy;             /* 32-bit protected-mode guest */
	const char *row;
};
static const struct rflags_case rflags_cases[] = {
	{ INTR_BLOCK_STI, 0x202, 0x002, false,
	  "interruptibility: STI blocking needs IF" },
	{ INTR_BLOCK_MOV_SS, 0x002, 0x102, false,
	  "pending debug exceptions BS vs TF/BTF" },
	{ 0, 0x002, 0x002 | RFLAGS_VM, true, "virtual-8086 segments" },
	{ 0, 0x002, 0x00a, false, "guest RFLAGS reserved bits" },
	{ 0, 0x002, 0x000, false, "guest RFLAGS reserved bits" },
	{ 0, 0x002, 0x002 | (1ull << 22), false,
	  "guest RFLAGS reserved bits" },
};

START_TEST(guest_rflags_bits_after_good_entry)
{
	const struct rflags_case *c = &rflags_cases[_i];
	struct fix f;

	fix_init(&f, true);
	fix_baseline(&f);
	if (c->legacy) {
		fclr(&f, VMCS_VM_ENTRY_CONTROLS, ENTRY_CTL_IA32E_MODE_GUEST);
		fw(&f, VMCS_GUEST_IA32_EFER, EFER_SCE);
		fw(&f, VMCS_GUEST_CS_AR_BYTES, 0xc09b);
	}
	fw(&f, VMCS_GUEST_INTERRUPTIBILITY_INFO, c->intr);
	fw(&f, VMCS_GUEST_RFLAGS, c->good);
	enter_ok(&f, true);
	fw(&f, VMCS_GUEST_RFLAGS, c->good);
	enter_ok(&f, false);
	fw(&f, VMCS_GUEST_RFLAGS, c->bad);
	expect_guest_failure(&f, c->row, false);
	fix_fini(&f);
}
END_TEST

/* The arithmetic flags no row reads: a changed value enters. */
START_TEST(guest_arith_flags_after_good_entry)
{
	struct fix f;

	fix_init(&f, true);
	fix_enter(&f);
	fix_leave(&f);
	fw(&f, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1 | VMX_ARITH_FLAGS |
	   RFLAGS_DF);
	fw(&f, VMCS_GUEST_RIP, FIX_GUEST_RIP + 2);
	fw(&f, VMCS_GUEST_RSP, FIX_GUEST_RSP - 8);
	enter_ok(&f, false);
	ck_assert_uint_eq(f.v->regions[f.v->current_region].entries, 2);
	fix_fini(&f);
}
END_TEST

/* The VMCS link pointer's region in RAM gets another revision ID: no
 * VMCS field changed, the next entry still fails (27.3.1.5). */
START_TEST(link_pointer_ram_after_good_entry)
{
	struct fix f;

	fix_init(&f, true);
	fix_baseline(&f);
	gmem_write_u32(&f.mem, FIX_LINK, VMX_REVISION_ID);
	fw(&f, VMCS_VMCS_LINK_POINTER, FIX_LINK);
	enter_ok(&f, true);
	enter_ok(&f, false);
	gmem_write_u32(&f.mem, FIX_LINK, VMX_REVISION_ID + 1);
	expect_guest_failure(&f, "VMCS link pointer", false);
	fix_fini(&f);
}
END_TEST

/* Another VMCS with the very same contents becomes current, and the link
 * pointer names it: the same field values, a failing entry (27.3.1.5). */
START_TEST(link_pointer_current_after_good_entry)
{
	struct fix f;
	uint64_t *copy = malloc(sizeof(f.v->vmcs));

	ck_assert_ptr_nonnull(copy);
	fix_init(&f, true);
	fix_baseline(&f);
	gmem_write_u32(&f.mem, FIX_LINK, VMX_REVISION_ID);
	fw(&f, VMCS_VMCS_LINK_POINTER, FIX_LINK);
	enter_ok(&f, true);
	enter_ok(&f, false);
	memcpy(copy, f.v->vmcs, sizeof(f.v->vmcs));
	vmcs_load(f.v, &f.mem, FIX_LINK);
	memcpy(f.v->vmcs, copy, sizeof(f.v->vmcs));
	expect_guest_failure(&f, "VMCS link pointer not the current VMCS",
			     true);
	free(copy);
	fix_fini(&f);
}
END_TEST

/* A PAE guest without EPT: its PDPTEs are read from guest CR3 in RAM; one
 * gets a reserved bit after a good entry (27.3.1.6). */
START_TEST(pdptes_ram_after_good_entry)
{
	struct fix f;

	fix_init(&f, true);
	fix_baseline(&f);
	fclr(&f, VMCS_VM_ENTRY_CONTROLS, ENTRY_CTL_IA32E_MODE_GUEST);
	fw(&f, VMCS_GUEST_IA32_EFER, EFER_SCE);
	fw(&f, VMCS_GUEST_CS_AR_BYTES, 0xc09b);
	fw(&f, VMCS_GUEST_CR3, 0x40000);
	gmem_write_u64(&f.mem, 0x40000, 0x50000 | 1);
	enter_ok(&f, true);
	enter_ok(&f, false);
	gmem_write_u64(&f.mem, 0x40008, 0x51000 | 1 | 2);  /* bit 1 reserved */
	expect_guest_failure(&f, "PAE PDPTEs", false);
	fix_fini(&f);
}
END_TEST

/* A failed guest row remembers nothing: the same VMCS fails again, on the
 * first entry of a VMCS and after a good one. */
START_TEST(guest_failure_remembers_nothing)
{
	struct fix f;

	fix_init(&f, true);
	fix_baseline(&f);
	fclr(&f, VMCS_GUEST_CR4, CR4_VMXE);
	expect_guest_failure(&f, "guest CR4 fixed bits", true);
	expect_guest_failure(&f, "guest CR4 fixed bits", true);
	fset(&f, VMCS_GUEST_CR4, CR4_VMXE);
	enter_ok(&f, true);
	fw(&f, VMCS_GUEST_GDTR_LIMIT, 0x10000);
	expect_guest_failure(&f, "guest GDTR/IDTR limits bits 31:16", false);
	expect_guest_failure(&f, "guest GDTR/IDTR limits bits 31:16", false);
	fw(&f, VMCS_GUEST_GDTR_LIMIT, 0x27);
	enter_ok(&f, false);
	fw(&f, VMCS_GUEST_GDTR_LIMIT, 0x10000);
	expect_guest_failure(&f, "guest GDTR/IDTR limits bits 31:16", false);
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
	tcase_add_loop_test(tc, guest_rflags_bits_after_good_entry, 0,
			    sizeof(rflags_cases) / sizeof(rflags_cases[0]));
	tcase_add_test(tc, guest_arith_flags_after_good_entry);
	tcase_add_test(tc, link_pointer_ram_after_good_entry);
	tcase_add_test(tc, link_pointer_current_after_good_entry);
	tcase_add_test(tc, pdptes_ram_after_good_entry);
	tcase_add_test(tc, guest_failure_remembers_nothing);
	suite_add_tcase(s, tc);
	return fix_run_suite(s);
}
