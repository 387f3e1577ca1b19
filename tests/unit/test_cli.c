// SPDX-License-Identifier: MIT
/*
 * The vmxbox executable, run as a user would: help, usage errors, firmware
 * errors, engine errors and caps output (text and JSON).  $VMXBOX is the
 * executable's path (set by meson).
 */
#include <check.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tiny_elf.h"

struct result {
	int status;        /* exit status, or 128 + signal if killed */
	char out[16384];
	char err[16384];
};

static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run $VMXBOX with args (NULL-terminated); env is "NAME=VALUE" or NULL. */
static void run(struct result *r, const char *env, ...)
{
	const char *args[32] = { getenv("VMXBOX") };
	FILE *out = tmpfile(), *err = tmpfile();
	unsigned n = 1;
	va_list ap;
	pid_t pid;
	int ws;

	ck_assert_ptr_nonnull(args[0]);
	va_start(ap, env);
	while (n < 31 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (env)
			putenv((char *)env);
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		execv(args[0], (char **)args);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
	r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#define assert_has(hay, needle) \
	ck_assert_msg(strstr(hay, needle), "'%s' not in:\n%s", needle, hay)

static struct result r;

START_TEST(help_exits_0)
{
	run(&r, NULL, "--help", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "Usage: vmxbox COMMAND");
	assert_has(r.out, "  run ");
	assert_has(r.out, "  caps ");
	ck_assert_str_eq(r.err, "");
	run(&r, NULL, "run", "--help", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "--engine=auto|interp|kvm");
	assert_has(r.out, "--debug-exit=plain|qemu");
	run(&r, NULL, "caps", "--help", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "Usage: vmxbox caps [--json]");
	run(&r, NULL, "help", "run", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "Usage: vmxbox run");
}
END_TEST

START_TEST(usage_errors_exit_2)
{
	run(&r, NULL, NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "Usage: vmxbox");
	run(&r, NULL, "frobnicate", NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "unknown command or option 'frobnicate'");
	run(&r, NULL, "run", "--bogus", NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "--bogus");
	assert_has(r.err, "Usage: vmxbox run");
	ck_assert_str_eq(r.out, "");
	run(&r, NULL, "caps", "--bogus", NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "Usage: vmxbox caps");
	run(&r, NULL, "run", "-x", NULL);
	ck_assert_int_eq(r.status, 2);
	run(&r, NULL, "run", "a.elf", "b.elf", NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "too many arguments");
}
END_TEST

START_TEST(bad_option_values_exit_2)
{
	static const struct { const char *arg, *msg; } cases[] = {
		{ "--mem=banana", "--mem=banana: not a size" },
		{ "--mem=1M", "between 2M and 64G" },
		{ "--mem=128G", "between 2M and 64G" },
		{ "--mem=2097153", "multiple of 4K" },
		{ "--engine=vmware", "expected auto, interp or kvm" },
		{ "--debug-exit=bochs", "expected plain or qemu" },
		{ "--timeout=-1", "not a positive number" },
		{ "--timeout=abc", "not a positive number" },
		{ "--max-insns=ten", "not a non-negative integer" },
		{ "--vmx=maybe", "expected on or off" },
		{ "--mem", "--mem" },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(&r, NULL, "run", cases[i].arg, "fw.elf", NULL);
		ck_assert_msg(r.status == 2, "%s: status %d", cases[i].arg,
			      r.status);
		assert_has(r.err, cases[i].msg);
	}
}
END_TEST

/* A firmware error: status 71 and exactly one line on stderr. */
static void assert_firmware_error(const char *path, const char *msg,
				  const char *mem)
{
	run(&r, NULL, "run", "--engine=interp", mem ? mem : "--mem=4M", path,
	    NULL);
	ck_assert_msg(r.status == 71, "%s: status %d, stderr %s", path,
		      r.status, r.err);
	assert_has(r.err, msg);
	ck_assert_uint_eq(count_lines(r.err), 1);
	ck_assert_str_eq(r.out, "");
}

START_TEST(firmware_errors_exit_71)
{
	static const char text[] = "#!/bin/sh\nexit 0\n";
	uint8_t code[64], *elf;
	struct tiny_seg seg = { 0x300000, code, sizeof(code), sizeof(code) };
	size_t len;
	char *junk = tiny_write_temp(text, sizeof(text));
	char *trunc, *far;

	memset(code, 0xf4, sizeof(code));
	len = tiny_elf_build(&elf, 0x300000, &seg, 1, NULL);
	trunc = tiny_write_temp(elf, len - 10);
	far = tiny_write_temp(elf, len);

	assert_firmware_error("/nonexistent/fw.elf", "No such file or directory", NULL);
	assert_firmware_error(junk, "not an ELF file", NULL);
	assert_firmware_error(trunc, "truncated ELF", NULL);
	assert_firmware_error(far, "outside loadable RAM", "--mem=2M");
	if (geteuid() != 0) {
		chmod(junk, 0);
		assert_firmware_error(junk, "Permission denied", NULL);
	}
	/* The same image fits in 4M: the loader gets past it. */
	run(&r, NULL, "run", "--engine=interp", "--mem=4M", "--max-insns=1",
	    far, NULL);
	ck_assert_int_ne(r.status, 71);
	unlink(junk);
	unlink(trunc);
	unlink(far);
	free(junk);
	free(trunc);
	free(far);
	free(elf);
}
END_TEST

/* --cpu reaches the guest's CPUID: the firmware exits with SMEP
 * (CPUID.(7,0):EBX[7]) in bit 0 and VMX (CPUID.1:ECX[5]) in bit 1. */
START_TEST(cpu_option)
{
	static const uint8_t code[] = {
		0xb8, 0x07, 0, 0, 0, 0x31, 0xc9, 0x0f, 0xa2,   /* cpuid 7.0 */
		0x89, 0xde, 0xc1, 0xee, 0x07, 0x83, 0xe6, 0x01, /* esi = smep */
		0xb8, 0x01, 0, 0, 0, 0x0f, 0xa2,               /* cpuid 1 */
		0xc1, 0xe9, 0x05, 0x83, 0xe1, 0x01, 0x01, 0xc9, /* ecx = vmx << 1 */
		0x09, 0xce, 0x89, 0xf0, 0xe6, 0xf4, 0xf4,      /* out 0xf4 */
	};
	struct tiny_seg seg = { 0x300000, code, sizeof(code), sizeof(code) };
	uint8_t *elf;
	size_t len = tiny_elf_build(&elf, 0x300000, &seg, 1, NULL);
	char *fw = tiny_write_temp(elf, len);
	static const struct { const char *cpu, *vmx; int status; } cases[] = {
		{ NULL, NULL, 3 },
		{ "--cpu=max", NULL, 3 },
		{ "--cpu=max,-smep", NULL, 2 },
		{ "--cpu=base", NULL, 2 },
		{ "--cpu=max,vmx=off", NULL, 1 },
		{ "--cpu=max", "--vmx=off", 1 },
		{ "--cpu=-smep,-vmx", NULL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *a = cases[i].cpu ? cases[i].cpu : "--mem=4M";
		const char *b = cases[i].vmx ? cases[i].vmx : "--mem=4M";

		run(&r, NULL, "run", "--engine=interp", "--mem=4M", a, b, fw, NULL);
		ck_assert_msg(r.status == cases[i].status, "%s %s: status %d: %s",
			      a, b, r.status, r.err);
	}
	/* A snapshot keeps the model: restored before the first CPUID, the
	 * guest still sees no SMEP. */
	run(&r, NULL, "run", "--engine=interp", "--mem=4M", "--cpu=max,-smep",
	    "--snapshot=/tmp/vmxbox-test-cpu.cbor", "--snapshot-on=insns:1", fw,
	    NULL);
	ck_assert_int_eq(r.status, 2);
	run(&r, NULL, "restore", "/tmp/vmxbox-test-cpu.cbor", NULL);
	ck_assert_msg(r.status == 2, "restore: %d %s", r.status, r.err);
	unlink("/tmp/vmxbox-test-cpu.cbor");
	run(&r, NULL, "run", "--cpu=max,+avx", fw, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.err, "vmxbox run: --cpu=max,+avx: CPU feature 'avx' is not implemented by vmxbox\n");
	run(&r, NULL, "run", "--cpu=max,-bogus", fw, NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "unknown CPU feature 'bogus'");
	ck_assert_uint_eq(count_lines(r.err), 1);
	run(&r, NULL, "run", "--cpu=help", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "sse4_2");
	assert_has(r.out, "vmx                  implemented");
	assert_has(r.out, "avx                  not implemented");
	run(&r, NULL, "run", "--help", NULL);
	assert_has(r.out, "--cpu=");
	unlink(fw);
	free(fw);
	free(elf);
}
END_TEST

START_TEST(kvm_engine_without_kvm)
{
	run(&r, "VMXBOX_KVM_DEVICE=/nonexistent/kvm", "run", "--engine=kvm",
	    "fw.elf", NULL);
	ck_assert_int_eq(r.status, 76);
	assert_has(r.err, "/nonexistent/kvm: No such file or directory");
	ck_assert_uint_eq(count_lines(r.err), 1);
	if (access("/dev/kvm", F_OK) == 0) {
		fprintf(stderr, "kvm_engine_without_kvm: /dev/kvm exists, "
				"skipping the real-device case\n");
		return;
	}
	run(&r, NULL, "run", "--engine=kvm", "fw.elf", NULL);
	ck_assert_int_eq(r.status, 76);
	assert_has(r.err, "/dev/kvm: No such file or directory");
	ck_assert_uint_eq(count_lines(r.err), 1);
}
END_TEST

START_TEST(caps_text)
{
	run(&r, "VMXBOX_KVM_DEVICE=/nonexistent/kvm", "caps", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "kvm device:        /nonexistent/kvm\n");
	assert_has(r.out, "kvm:               absent (No such file or directory)\n");
	assert_has(r.out, "kvm api version:   unknown\n");
	assert_has(r.out, "nested vmx:        no\n");
	assert_has(r.out, "  interp           available\n");
	assert_has(r.out, "auto picks:        interp (");
}
END_TEST

START_TEST(caps_device_not_kvm)
{
	run(&r, "VMXBOX_KVM_DEVICE=/dev/null", "caps", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "kvm:               present, not usable (Inappropriate ioctl for device)\n");
	run(&r, "VMXBOX_KVM_DEVICE=/dev/null", "run", "--engine=kvm", "x.elf", NULL);
	ck_assert_int_eq(r.status, 76);
	assert_has(r.err, "the kvm engine needs /dev/null: Inappropriate ioctl for device");
}
END_TEST

/* ---- a small JSON reader: validates syntax and finds values by path ---- */

struct json { const char *p; bool ok; };

static void js_ws(struct json *j)
{
	while (isspace((unsigned char)*j->p))
		j->p++;
}

static bool js_value(struct json *j);

static bool js_string(struct json *j)
{
	if (*j->p != '"')
		return false;
	for (j->p++; *j->p && *j->p != '"'; j->p++) {
		if ((unsigned char)*j->p < 0x20)
			return false;
		if (*j->p == '\\' && !*++j->p)
			return false;
	}
	if (*j->p != '"')
		return false;
	j->p++;
	return true;
}

static bool js_lit(struct json *j, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(j->p, lit, n))
		return false;
	j->p += n;
	return true;
}

static bool js_container(struct json *j, char open, char close, bool keyed)
{
	if (*j->p != open)
		return false;
	j->p++;
	js_ws(j);
	if (*j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		js_ws(j);
		if (keyed) {
			if (!js_string(j))
				return false;
			js_ws(j);
			if (*j->p++ != ':')
				return false;
		}
		if (!js_value(j))
			return false;
		js_ws(j);
		if (*j->p == close) {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool js_value(struct json *j)
{
	js_ws(j);
	if (*j->p == '{')
		return js_container(j, '{', '}', true);
	if (*j->p == '[')
		return js_container(j, '[', ']', false);
	if (*j->p == '"')
		return js_string(j);
	if (*j->p == '-' || isdigit((unsigned char)*j->p)) {
		char *end;

		strtod(j->p, &end);
		j->p = end;
		return true;
	}
	return js_lit(j, "true") || js_lit(j, "false") || js_lit(j, "null");
}

static bool json_valid(const char *s)
{
	struct json j = { s, true };

	if (!js_value(&j))
		return false;
	js_ws(&j);
	return *j.p == '\0';
}

START_TEST(caps_json)
{
	run(&r, "VMXBOX_KVM_DEVICE=/nonexistent/kvm", "caps", "--json", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(json_valid(r.out), "invalid JSON: %s", r.out);
	assert_has(r.out, "\"kvm\":{\"device\":\"/nonexistent/kvm\",\"present\":false,\"usable\":false,\"api_version\":null,\"error\":\"No such file or directory\"}");
	assert_has(r.out, "\"nested_vmx\":{\"host_cpu_vmx\":");
	assert_has(r.out, "\"available\":false}");
	assert_has(r.out, "{\"name\":\"interp\",\"built\":true,\"available\":true,\"reason\":\"\"}");
	assert_has(r.out, "{\"name\":\"kvm\",\"built\":true,\"available\":false,");
	assert_has(r.out, "\"auto\":{\"engine\":\"interp\",\"reason\":\"");
	run(&r, NULL, "caps", "--json", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(json_valid(r.out), "invalid JSON: %s", r.out);
	assert_has(r.out, "\"api_version\":");
	assert_has(r.out, "\"engines\":[");
}
END_TEST

START_TEST(json_reader_rejects_garbage)
{
	ck_assert(json_valid("{\"a\":[1,true,null,\"x\\\"y\"],\"b\":{}}"));
	ck_assert(!json_valid("{\"a\":}"));
	ck_assert(!json_valid("{\"a\":1,}"));
	ck_assert(!json_valid("{\"a\":1} x"));
	ck_assert(!json_valid("[1 2]"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, help_exits_0);
	tcase_add_test(tc, usage_errors_exit_2);
	tcase_add_test(tc, bad_option_values_exit_2);
	tcase_add_test(tc, firmware_errors_exit_71);
	tcase_add_test(tc, kvm_engine_without_kvm);
	tcase_add_test(tc, cpu_option);
	tcase_add_test(tc, caps_text);
	tcase_add_test(tc, caps_json);
	tcase_add_test(tc, caps_device_not_kvm);
	tcase_add_test(tc, json_reader_rejects_garbage);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
