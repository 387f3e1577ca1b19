// SPDX-License-Identifier: MIT
/*
 * Boots one firmware image with `vmxbox run --engine=interp IMAGE` and
 * checks its exit status and the exact per-case lines it printed.
 * With VMXBOX_FW_ENGINE=kvm it boots on the kvm engine instead (which hands
 * the vCPU to the interpreter where VMX begins) and also checks that the
 * whole serial output is byte for byte the interpreter's; without /dev/kvm
 * that test is a skip (exit 77) with the reason printed.
 *
 * usage: test_fw_image VMXBOX IMAGE EXPECTED_LINES EXIT_STATUS [ARGS...]
 * EXPECTED_LINES is a file whose lines must all appear in the output as
 * whole lines, in that order.  Extra ARGS go before the image.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fw_run.h"

static int g_argc;
static char **g_argv;
static struct fw_result run;
static bool ran;
static char engine_arg[32] = "--engine=interp";

/* VMXBOX_FW_RESTORE=EVENT: the run also writes a snapshot at EVENT
 * (--snapshot-on), and restored_run_matches restores it. */
static char snap_dir[64], snap_path[96], snap_on[96];

static const char *restore_event(void)
{
	const char *e = getenv("VMXBOX_FW_RESTORE");

	return e && *e ? e : NULL;
}

static int run_on(const char *engine, struct fw_result *r)
{
	char *argv[32];
	int n = 0;

	argv[n++] = g_argv[1];
	argv[n++] = "run";
	argv[n++] = (char *)engine;
	if (restore_event() && snap_path[0]) {
		argv[n++] = snap_path;
		argv[n++] = snap_on;
	}
	for (int i = 5; i < g_argc && n < 28; i++)
		argv[n++] = g_argv[i];
	argv[n++] = g_argv[2];
	argv[n] = NULL;
	return fw_run(argv, 240, r);
}

static bool run_once(void)
{
	if (ran)
		return true;
	if (run_on(engine_arg, &run))
		return false;
	ran = true;
	return true;
}

START_TEST(exit_status)
{
	run_once();
	ck_assert_msg(!run.timed_out, "timed out; output so far:\n%s", run.out);
	ck_assert_msg(run.signal == 0, "killed by signal %d; stderr:\n%s",
		      run.signal, run.err);
	ck_assert_msg(run.status == atoi(g_argv[4]),
		      "exit status %d, expected %s\nstdout:\n%s\nstderr:\n%s",
		      run.status, g_argv[4], run.out, run.err);
}
END_TEST

START_TEST(expected_lines)
{
	char *expected, *missing;

	run_once();
	expected = fw_read_file(g_argv[3], NULL);
	ck_assert_msg(expected != NULL, "cannot read %s", g_argv[3]);
	ck_assert_msg(fw_lines_in_order(run.out, expected, &missing),
		      "line missing or out of order: \"%s\"\nstdout:\n%s",
		      missing, run.out);
	free(expected);
}
END_TEST

/*
 * Code addresses in stderr lines ("rip 0x103412", "rip=0x103415") move
 * whenever the firmware runtime changes size, so both sides compare them
 * as "rip 0x_" (and "rip=0x_"); the report's other fields (VMCS address,
 * field, exit reason) are still compared exactly.
 */
static void mask_rips(char *s)
{
	static const char *const keys[] = { "rip 0x", "rip=0x" };

	for (size_t k = 0; k < 2; k++) {
		char *p = s;

		while ((p = strstr(p, keys[k])) != NULL) {
			char *hex = p + strlen(keys[k]), *end = hex;

			while (isxdigit((unsigned char)*end))
				end++;
			if (end > hex) {
				*hex = '_';
				memmove(hex + 1, end, strlen(end) + 1);
			}
			p = hex;
		}
	}
}

/* VMXBOX_FW_STDERR=FILE: these lines must also appear on vmxbox's stderr,
 * in order (whole lines: vmx-check reports, the stop reason). */
START_TEST(expected_stderr_lines)
{
	const char *file = getenv("VMXBOX_FW_STDERR");
	char *expected, *missing, *err;

	if (!file || !*file)
		return;
	run_once();
	expected = fw_read_file(file, NULL);
	ck_assert_msg(expected != NULL, "cannot read %s", file);
	err = strdup(run.err);
	mask_rips(err);
	mask_rips(expected);
	ck_assert_msg(fw_lines_in_order(err, expected, &missing),
		      "stderr line missing or out of order: \"%s\"\nstderr:\n%s",
		      missing, run.err);
	free(err);
	free(expected);
}
END_TEST

START_TEST(no_failure_lines)
{
	run_once();
	if (atoi(g_argv[4]) == 0)
		ck_assert_msg(strstr(run.out, "FAIL") == NULL,
			      "a FAIL line was printed:\n%s", run.out);
}
END_TEST

/*
 * VMXBOX_FW_RESTORE: `vmxbox restore` of the snapshot taken at the event
 * ends with the run's exit status and prints exactly what the run printed
 * after that point (the tail of its output): everything the rest of the
 * program depends on survived the snapshot.
 */
START_TEST(restored_run_matches)
{
	char file[100];
	char *argv[] = { g_argv[1], "restore", file, NULL };
	struct fw_result r;

	if (!restore_event())
		return;
	run_once();
	snprintf(file, sizeof(file), "%s", snap_path + strlen("--snapshot="));
	ck_assert_int_eq(fw_run(argv, 240, &r), 0);
	ck_assert_msg(r.status == atoi(g_argv[4]),
		      "restore: exit status %d, expected %s\nstderr:\n%s",
		      r.status, g_argv[4], r.err);
	ck_assert_msg(r.out_len > 0 && r.out_len < run.out_len &&
		      !memcmp(run.out + run.out_len - r.out_len, r.out,
			      r.out_len),
		      "restored output is not the tail of the run's:\n--- run\n"
		      "%s--- restored\n%s", run.out, r.out);
	fw_result_free(&r);
	unlink(file);
	rmdir(snap_dir);
}
END_TEST

/* kvm: the same bytes on the serial port as the interpreter's run. */
START_TEST(same_output_as_interp)
{
	struct fw_result ref;

	run_once();
	ck_assert_int_eq(run_on("--engine=interp", &ref), 0);
	ck_assert_int_eq(ref.status, run.status);
	ck_assert_msg(ref.out_len == run.out_len &&
		      !memcmp(ref.out, run.out, ref.out_len),
		      "kvm output differs from interp:\n--- interp\n%s--- %s\n%s",
		      ref.out, engine_arg, run.out);
	fw_result_free(&ref);
}
END_TEST

/* kvm without /dev/kvm ($VMXBOX_KVM_DEVICE, as vmxbox reads it) or not
 * openable: status 76 is the right answer, and the test is a skip.  With
 * the device there, 76 is a failure. */
static bool kvm_missing(void)
{
	const char *dev = getenv("VMXBOX_KVM_DEVICE");

	if (!dev || !*dev)
		dev = "/dev/kvm";
	return strcmp(engine_arg, "--engine=kvm") == 0 &&
	       access(dev, R_OK | W_OK) != 0;
}

int main(int argc, char **argv)
{
	const char *eng = getenv("VMXBOX_FW_ENGINE");
	Suite *s = suite_create("firmware");
	TCase *tc = tcase_create("run");
	SRunner *sr;
	int failed;

	if (argc < 5) {
		fprintf(stderr, "usage: %s VMXBOX IMAGE EXPECTED STATUS [ARGS]\n",
			argv[0]);
		return 2;
	}
	g_argc = argc;
	g_argv = argv;
	if (restore_event()) {
		snprintf(snap_dir, sizeof(snap_dir), "/tmp/fw-restore-XXXXXX");
		if (!mkdtemp(snap_dir)) {
			perror("mkdtemp");
			return 1;
		}
		snprintf(snap_path, sizeof(snap_path), "--snapshot=%s/s.snap",
			 snap_dir);
		snprintf(snap_on, sizeof(snap_on), "--snapshot-on=%s",
			 restore_event());
	}
	if (eng && *eng)
		snprintf(engine_arg, sizeof(engine_arg), "--engine=%s", eng);
	if (!run_once()) {
		fprintf(stderr, "cannot run %s\n", argv[1]);
		return 1;
	}
	if (kvm_missing()) {
		fprintf(stderr, "SKIP: no usable /dev/kvm (exit status %d): %s",
			run.status, run.err);
		failed = run.status != 76;
		fw_result_free(&run);
		return failed ? 1 : 77;
	}
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, exit_status);
	tcase_add_test(tc, expected_lines);
	tcase_add_test(tc, no_failure_lines);
	tcase_add_test(tc, expected_stderr_lines);
	tcase_add_test(tc, restored_run_matches);
	if (strcmp(engine_arg, "--engine=interp"))
		tcase_add_test(tc, same_output_as_interp);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* One run of the firmware shared by the three checks. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	fw_result_free(&run);
	return failed ? 1 : 0;
}
