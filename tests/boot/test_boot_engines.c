// SPDX-License-Identifier: MIT
/*
 * End-to-end boot: build/vmxbox boots a tiny hello firmware on one engine
 * (argv[1]) and we assert its serial output and exit status.  When the
 * engine is unavailable on this host (kvm without /dev/kvm) the test exits
 * 77 (meson: SKIP) after printing why.
 */
#include <check.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/tiny_elf.h"

#define EXIT_SKIP 77

struct result {
	int status;
	char out[8192];
	char err[8192];
};

static const char *engine;
static char *hello;
static int send_signal;      /* if set, sent once vmxbox runs the guest */

static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* vmxbox run --engine=<engine> [args...] (NULL-terminated) */
static void run(struct result *r, ...)
{
	char engine_arg[64];
	const char *args[32] = { getenv("VMXBOX"), "run", engine_arg };
	FILE *out = tmpfile(), *err = tmpfile();
	unsigned n = 3;
	va_list ap;
	pid_t pid;
	int ws;

	snprintf(engine_arg, sizeof(engine_arg), "--engine=%s", engine);
	va_start(ap, r);
	while (n < 31 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	pid = fork();
	if (pid == 0) {
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		execv(args[0], (char **)args);
		_exit(127);
	}
	if (send_signal) {
		/* With --verbose, the first stderr line ("booting ...") is
		 * written once vmxbox handles signals; wait for it. */
		struct timespec ts = { 0, 10000000 };
		struct stat st;

		for (int i = 0; i < 1000; i++) {
			if (fstat(fileno(err), &st) == 0 && st.st_size > 0)
				break;
			nanosleep(&ts, NULL);
		}
		nanosleep(&ts, NULL);
		kill(pid, send_signal);
		send_signal = 0;
	}
	waitpid(pid, &ws, 0);
	r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

static struct result r;

START_TEST(hello_prints_and_exits)
{
	run(&r, "--mem=16M", hello, NULL);
	ck_assert_msg(r.status == TINY_HELLO_STATUS, "status %d, stderr: %s",
		      r.status, r.err);
	ck_assert_str_eq(r.out, TINY_HELLO_TEXT);
	ck_assert_str_eq(r.err, "");
}
END_TEST

START_TEST(hello_qemu_debug_exit)
{
	run(&r, "--debug-exit=qemu", hello, NULL);
	ck_assert_int_eq(r.status, (TINY_HELLO_STATUS << 1) | 1);
	ck_assert_str_eq(r.out, TINY_HELLO_TEXT);
}
END_TEST

START_TEST(hello_verbose_reports_engine)
{
	char want[64];

	run(&r, "--verbose", hello, NULL);
	ck_assert_int_eq(r.status, TINY_HELLO_STATUS);
	snprintf(want, sizeof(want), "vmxbox: engine %s: ", engine);
	ck_assert_msg(strstr(r.err, want), "no '%s' in: %s", want, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "unhandled port I/O: 0 reads, 0 writes ignored"));
}
END_TEST

START_TEST(instruction_limit)
{
	/* 3 instructions: mov dx, lea rsi, mov al,[rsi]: no output yet. */
	run(&r, "--max-insns=3", hello, NULL);
	ck_assert_msg(r.status == 74, "status %d, stderr: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "");
	ck_assert_ptr_nonnull(strstr(r.err, "instruction limit reached"));
}
END_TEST

/* Run raw code at 1 MiB; returns the exit status, fills r. */
static int run_code(const uint8_t *code, size_t n, const char *opt)
{
	char *fw = tiny_code_file(code, n);

	if (send_signal)
		run(&r, "--verbose", opt, fw, NULL);
	else
		run(&r, opt ? opt : "--mem=4M", fw, NULL);
	unlink(fw);
	free(fw);
	return r.status;
}

static const uint8_t spin[] = { 0xeb, 0xfe };           /* jmp . */

START_TEST(hlt_with_interrupts_off)
{
	static const uint8_t code[] = { 0xfa, 0xf4 };    /* cli; hlt */

	ck_assert_msg(run_code(code, sizeof(code), NULL) == 73, "status %d: %s",
		      r.status, r.err);
	ck_assert_str_eq(r.err, "vmxbox: guest halted at rip=0x100002 with "
				"interrupts disabled and no wake source\n");
}
END_TEST

START_TEST(triple_fault_without_idt)
{
	static const uint8_t code[] = { 0x0f, 0x0b };    /* ud2, IDT limit 0 */

	ck_assert_msg(run_code(code, sizeof(code), NULL) == 72, "status %d: %s",
		      r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "vmxbox: guest shutdown (triple fault)"));
}
END_TEST

START_TEST(timeout_stops_spinning_guest)
{
	ck_assert_int_eq(run_code(spin, sizeof(spin), "--timeout=0.3"), 75);
	ck_assert_ptr_nonnull(strstr(r.err, "timeout: guest still running after 0.3 s"));
}
END_TEST

START_TEST(sigterm_stops_spinning_guest)
{
	send_signal = SIGTERM;
	ck_assert_int_eq(run_code(spin, sizeof(spin), "--timeout=30"), 143);
	ck_assert_msg(strstr(r.err, "\nvmxbox: terminated by SIGTERM at rip=0x100000\n"),
		      "stderr: %s", r.err);
}
END_TEST

START_TEST(sigint_stops_spinning_guest)
{
	send_signal = SIGINT;
	ck_assert_int_eq(run_code(spin, sizeof(spin), "--timeout=30"), 130);
	ck_assert_msg(strstr(r.err, "\nvmxbox: interrupted by SIGINT at rip=0x100000\n"),
		      "stderr: %s", r.err);
}
END_TEST

/* The bundled firmware images (guest-firmware/), when built. */
START_TEST(firmware_hello_and_boot_info)
{
	const char *fw = getenv("HELLO_ELF");

	if (!fw) {
		fprintf(stderr, "no HELLO_ELF: firmware images not built\n");
		return;
	}
	run(&r, "--mem=64M", fw, NULL);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "hello from vmxbox guest firmware\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "boot info: mem 64 MiB, image 0x100000-"));
	ck_assert_ptr_nonnull(strstr(r.out, ", vmx on\n"));
	run(&r, "--vmx=off", fw, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "boot info: mem 256 MiB"));
	ck_assert_ptr_nonnull(strstr(r.out, ", vmx off\n"));
}
END_TEST

START_TEST(bundled_demo_boots_without_argument)
{
	if (!getenv("HELLO_ELF")) {
		fprintf(stderr, "no HELLO_ELF: firmware images not built\n");
		return;
	}
	run(&r, NULL);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "vmxbox"));
}
END_TEST

/*
 * Is the engine usable here?  interp always is.  kvm is a skip only when
 * /dev/kvm ($VMXBOX_KVM_DEVICE, as vmxbox reads it) is missing (or cannot
 * be opened): then status 76 with the reason
 * is the right answer, and anything else fails.  When /dev/kvm is there,
 * the engine must run and every test below must pass.
 */
static bool engine_usable(void)
{
	const char *dev = getenv("VMXBOX_KVM_DEVICE");
	bool have_kvm;

	if (!dev || !*dev)
		dev = "/dev/kvm";
	have_kvm = access(dev, R_OK | W_OK) == 0;

	run(&r, hello, NULL);
	if (!strcmp(engine, "interp") || (!strcmp(engine, "kvm") && have_kvm)) {
		if (r.status == 76) {
			fprintf(stderr, "FAIL: the %s engine must run here: %s",
				engine, r.err);
			exit(EXIT_FAILURE);
		}
		return true;
	}
	if (r.status != 76 || !strstr(r.err, dev)) {
		fprintf(stderr, "FAIL: without %s, --engine=%s must exit 76 "
			"naming it; got status %d: %s", dev, engine, r.status, r.err);
		exit(EXIT_FAILURE);
	}
	fprintf(stderr, "SKIP: engine %s unavailable: %s", engine, r.err);
	return false;
}

int main(int argc, char **argv)
{
	if (argc != 2 || !getenv("VMXBOX")) {
		fprintf(stderr, "usage: VMXBOX=path %s ENGINE\n", argv[0]);
		return EXIT_FAILURE;
	}
	engine = argv[1];
	hello = tiny_hello_file();
	if (!engine_usable()) {
		unlink(hello);
		return EXIT_SKIP;
	}

	Suite *s = suite_create("boot");
	TCase *tc = tcase_create(engine);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hello_prints_and_exits);
	tcase_add_test(tc, hello_qemu_debug_exit);
	tcase_add_test(tc, hello_verbose_reports_engine);
	tcase_add_test(tc, instruction_limit);
	tcase_add_test(tc, hlt_with_interrupts_off);
	tcase_add_test(tc, triple_fault_without_idt);
	tcase_add_test(tc, timeout_stops_spinning_guest);
	tcase_add_test(tc, sigterm_stops_spinning_guest);
	tcase_add_test(tc, sigint_stops_spinning_guest);
	tcase_add_test(tc, firmware_hello_and_boot_info);
	tcase_add_test(tc, bundled_demo_boots_without_argument);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	unlink(hello);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
