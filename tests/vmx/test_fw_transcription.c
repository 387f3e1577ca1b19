// SPDX-License-Identifier: MIT
/*
 * The guest firmware carries its own transcription of SDM Appendix B (VMCS
 * field encodings) and Appendix C (basic exit reasons), as an L1 hypervisor
 * written from the SDM would (guest-firmware/runtime/vmx_fields.h and
 * vmx_exits.h).  vmxbox has its own (src/vmx/vmcs_fields.h).  The two are
 * kept apart on purpose; this test makes sure they describe the same
 * architecture, so a field or reason added to one side only is caught.
 */
#include <check.h>
#include <stdlib.h>

#include "vmx/vmcs_fields.h"
#include "fw_transcription.h"

START_TEST(every_firmware_field_is_a_vmxbox_field)
{
	for (unsigned i = 0; i < fw_field_count; i++) {
		bool high = true;
		int idx = vmcs_field_index(fw_fields[i].value, &high);

		ck_assert_msg(idx >= 0, "firmware field %s (0x%x) unknown to vmxbox",
			      fw_fields[i].name, fw_fields[i].value);
		ck_assert(!high);
		for (unsigned j = 0; j < i; j++)
			ck_assert_uint_ne(fw_fields[i].value, fw_fields[j].value);
	}
}
END_TEST

START_TEST(every_vmxbox_field_is_in_the_firmware)
{
	/* Encodings are unique on both sides (checked above and in
	 * test_vmcs_fields), so equal counts plus inclusion is equality. */
	ck_assert_uint_eq(fw_field_count, VMCS_FIELD_COUNT);
}
END_TEST

static bool fw_has_exit(unsigned nr)
{
	for (unsigned i = 0; i < fw_exit_count; i++)
		if (fw_exits[i].value == nr)
			return true;
	return false;
}

START_TEST(exit_reasons_agree)
{
	unsigned top = 0;

	for (unsigned i = 0; i < fw_exit_count; i++) {
		ck_assert_msg(vmx_exit_reason_name(fw_exits[i].value) != NULL,
			      "firmware exit reason %s (%u) unknown to vmxbox",
			      fw_exits[i].name, fw_exits[i].value);
		if (fw_exits[i].value > top)
			top = fw_exits[i].value;
	}
	/* Up to the firmware's highest reason, vmxbox names exactly the
	 * reasons the firmware lists (35, 42 and 71 are unassigned). */
	for (unsigned nr = 0; nr <= top; nr++)
		ck_assert_msg((vmx_exit_reason_name(nr) != NULL) == fw_has_exit(nr),
			      "exit reason %u: vmxbox and firmware disagree", nr);
	ck_assert(!fw_has_exit(35));
	ck_assert(fw_has_exit(EXIT_REASON_EPT_VIOLATION));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_transcription");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, every_firmware_field_is_a_vmxbox_field);
	tcase_add_test(tc, every_vmxbox_field_is_in_the_firmware);
	tcase_add_test(tc, exit_reasons_agree);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
