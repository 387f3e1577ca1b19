// SPDX-License-Identifier: MIT
/* Engine registry, --engine resolution and the host KVM probe. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/engine.h"
#include "engine/host_caps.h"

static char why[320];

START_TEST(probe_missing_device)
{
	struct host_caps hc;

	setenv("VMXBOX_KVM_DEVICE", "/nonexistent/kvm", 1);
	host_caps_probe(&hc);
	ck_assert_str_eq(hc.kvm_path, "/nonexistent/kvm");
	ck_assert(!hc.kvm_present);
	ck_assert(!hc.kvm_usable);
	ck_assert_int_eq(hc.kvm_errno, ENOENT);
	ck_assert_int_eq(hc.kvm_api_version, -1);
	ck_assert(!host_caps_nested_vmx(&hc));
}
END_TEST

START_TEST(probe_device_that_is_not_kvm)
{
	struct host_caps hc;

	/* /dev/null opens read-write but rejects KVM_GET_API_VERSION. */
	setenv("VMXBOX_KVM_DEVICE", "/dev/null", 1);
	host_caps_probe(&hc);
	ck_assert(hc.kvm_present);
	ck_assert(!hc.kvm_usable);
	ck_assert_int_eq(hc.kvm_errno, ENOTTY);
	ck_assert_int_eq(hc.kvm_api_version, -1);
}
END_TEST

START_TEST(default_path_is_dev_kvm)
{
	unsetenv("VMXBOX_KVM_DEVICE");
	ck_assert_str_eq(host_kvm_path(), "/dev/kvm");
}
END_TEST

START_TEST(select_named_engines)
{
	setenv("VMXBOX_KVM_DEVICE", "/nonexistent/kvm", 1);
	ck_assert_ptr_eq(engine_select("interp", why, sizeof(why)),
			 &interp_engine_ops);
	ck_assert_ptr_eq(engine_find("interp"), &interp_engine_ops);
	ck_assert_ptr_null(engine_select("kvm", why, sizeof(why)));
	ck_assert_str_eq(why, "the kvm engine needs /nonexistent/kvm: No such file or directory");
	ck_assert_ptr_null(engine_select("hyperv", why, sizeof(why)));
	ck_assert_str_eq(why, "unknown engine 'hyperv' (known: auto, interp, kvm)");
	ck_assert_ptr_null(engine_find("auto"));
}
END_TEST

START_TEST(auto_picks_first_usable)
{
	const struct engine_ops *const *list = engine_list();

	setenv("VMXBOX_KVM_DEVICE", "/nonexistent/kvm", 1);
	ck_assert_ptr_eq(engine_select("auto", why, sizeof(why)),
			 &interp_engine_ops);
	ck_assert_ptr_nonnull(strstr(why, "interp is the first usable engine"));
	/* kvm first when usable, else interp (docs/kvm.md). */
	ck_assert_ptr_eq(list[0], &kvm_engine_ops);
	ck_assert_ptr_eq(list[1], &interp_engine_ops);
	ck_assert_ptr_null(list[2]);
	ck_assert_str_eq(engine_exit_reason_name(ENGINE_EXIT_HLT), "hlt");
	ck_assert_str_eq(engine_exit_reason_name(ENGINE_EXIT_INSN_LIMIT), "insn-limit");
	ck_assert_str_eq(engine_exit_reason_name((enum engine_exit_reason)99), "?");
}
END_TEST

/* With a usable /dev/kvm on a host with VMX/SVM whose KVM runs SSE
 * itself, auto is kvm (which hands over to interp where VMX begins); with
 * a software KVM (ours: no VMX, SSE an emulation failure) auto is interp
 * and says why, while --engine=kvm still gets kvm; without /dev/kvm this
 * host checks the interp case above. */
START_TEST(auto_is_kvm_when_usable)
{
	struct host_caps hc;

	unsetenv("VMXBOX_KVM_DEVICE");
	host_caps_probe(&hc);
	if (!hc.kvm_usable) {
		fprintf(stderr, "auto_is_kvm_when_usable: no usable /dev/kvm, "
			"the kvm half is not checked here\n");
		return;
	}
	char r[200] = "";
	bool sse = kvm_engine_ops.auto_ok(r, sizeof(r));

	fprintf(stderr, "auto_is_kvm_when_usable: kvm %s for auto%s%s\n",
		sse ? "is worth it" : "is not worth it", sse ? "" : ": ", r);
	ck_assert_ptr_eq(engine_select("auto", why, sizeof(why)),
			 sse ? &kvm_engine_ops : &interp_engine_ops);
	ck_assert_ptr_nonnull(strstr(why, sse ? "kvm is the first usable engine"
					      : r));
	ck_assert_ptr_eq(engine_select("kvm", why, sizeof(why)), &kvm_engine_ops);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine_select");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, probe_missing_device);
	tcase_add_test(tc, probe_device_that_is_not_kvm);
	tcase_add_test(tc, default_path_is_dev_kvm);
	tcase_add_test(tc, select_named_engines);
	tcase_add_test(tc, auto_picks_first_usable);
	tcase_add_test(tc, auto_is_kvm_when_usable);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
