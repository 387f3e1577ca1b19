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

/* Is the engine usable here?  If not, say why and skip. */
static bool engine_usable(void)
{
	run(&r, hello, NULL);
	if (r.status != 76)
		return true;
	fprintf(stderr, "SKIP: engine %s unavailable: %s", engine, r.err);
	if (!strcmp(engine, "interp") && !strstr(r.err, "not implemented yet")) {
		/* The interpreter must always be available. */
		fprintf(stderr, "FAIL: the interp engine must always run\n");
		exit(EXIT_FAILURE);
	}
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
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	unlink(hello);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
