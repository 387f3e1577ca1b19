// SPDX-License-Identifier: MIT
/* The VMCS field table (SDM Appendix B) and its lookup. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/vmcs_fields.h"

START_TEST(table_decodes_encoding_bits)
{
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		const struct vmcs_field *f = &vmcs_field_table[i];

		ck_assert_uint_eq(f->encoding & 1, 0);        /* FULL */
		ck_assert_uint_eq(f->encoding & VMCS_ENC_RESERVED, 0);
		ck_assert_uint_eq(f->width, VMCS_ENC_WIDTH(f->encoding));
		ck_assert_uint_eq(f->group, VMCS_ENC_TYPE(f->encoding));
		ck_assert_uint_eq(f->access == VMCS_RO,
				  f->group == VMCS_GRP_EXIT_INFO);
		ck_assert_ptr_nonnull(f->name);
		for (unsigned j = 0; j < i; j++) {
			ck_assert_uint_ne(f->encoding,
					  vmcs_field_table[j].encoding);
			ck_assert_str_ne(f->name, vmcs_field_table[j].name);
		}
	}
}
END_TEST

START_TEST(known_encodings)
{
	/* Spot checks against SDM Appendix B. */
	ck_assert_uint_eq(VMCS_GUEST_RIP, 0x681e);
	ck_assert_uint_eq(VMCS_VM_EXIT_REASON, 0x4402);
	ck_assert_uint_eq(VMCS_EPT_POINTER, 0x201a);
	ck_assert_uint_eq(VMCS_VMCS_LINK_POINTER, 0x2800);
	ck_assert_uint_eq(VMCS_HOST_RIP, 0x6c16);
	ck_assert_uint_eq(VMCS_VMX_PREEMPTION_TIMER_VALUE, 0x482e);
	ck_assert_uint_eq(VMCS_SECONDARY_VM_EXEC_CONTROL, 0x401e);
	ck_assert_uint_eq(VMCS_GUEST_INTERRUPTIBILITY_INFO, 0x4824);
	ck_assert_str_eq(vmcs_field_name(0x6820), "GUEST_RFLAGS");
	ck_assert_str_eq(vmx_exit_reason_name(EXIT_REASON_EPT_VIOLATION),
			 "EPT_VIOLATION");
	ck_assert_ptr_null(vmx_exit_reason_name(35));
}
END_TEST

START_TEST(lookup_every_field_and_high)
{
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		uint32_t e = vmcs_field_table[i].encoding;
		bool hi = true;

		ck_assert_int_eq(vmcs_field_index(e, &hi), (int)i);
		ck_assert(!hi);
		if (vmcs_field_table[i].width == VMCS_W64) {
			ck_assert_int_eq(vmcs_field_index(e | 1, &hi), (int)i);
			ck_assert(hi);
		} else {
			ck_assert_int_eq(vmcs_field_index(e | 1, &hi), -1);
		}
		ck_assert_int_eq(vmcs_field_index(e | 0x1000, NULL), -1);
		ck_assert_int_eq(vmcs_field_index(e | 0x8000, NULL), -1);
		ck_assert_int_eq(vmcs_field_index(e | 0x80000000u, NULL), -1);
	}
}
END_TEST

START_TEST(lookup_exhaustive_16bit_space)
{
	unsigned found = 0;

	/* Every 16-bit encoding maps to the one row with that encoding
	 * (or its HIGH half), nothing else. */
	for (uint32_t e = 0; e < 0x10000; e++) {
		bool hi;
		int i = vmcs_field_index(e, &hi);

		if (i < 0)
			continue;
		ck_assert_uint_eq(vmcs_field_table[i].encoding | hi, e);
		found++;
	}
	{
		unsigned want = 0;

		for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++)
			want += vmcs_field_table[i].width == VMCS_W64 ? 2 : 1;
		ck_assert_uint_eq(found, want);
	}
}
END_TEST

START_TEST(width_masks)
{
	ck_assert_uint_eq(vmcs_width_mask(VMCS_W16), 0xffff);
	ck_assert_uint_eq(vmcs_width_mask(VMCS_W32), 0xffffffff);
	ck_assert_uint_eq(vmcs_width_mask(VMCS_W64), UINT64_MAX);
	ck_assert_uint_eq(vmcs_width_mask(VMCS_WNAT), UINT64_MAX);
	ck_assert_str_eq(vmcs_group_name(VMCS_GRP_HOST), "host");
	ck_assert_str_eq(vmcs_width_name(VMCS_WNAT), "natural");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmcs_fields");
	TCase *t = tcase_create("all");
	SRunner *sr;
	int failed;

	tcase_add_test(t, table_decodes_encoding_bits);
	tcase_add_test(t, known_encodings);
	tcase_add_test(t, lookup_every_field_and_high);
	tcase_add_test(t, lookup_exhaustive_16bit_space);
	tcase_add_test(t, width_masks);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
