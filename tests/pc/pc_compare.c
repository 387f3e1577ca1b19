// SPDX-License-Identifier: MIT
/* What the PC test-kernel runners share (pc_compare.h). */
#include "pc_compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void pc_run_argv_for(const char *const *argv, struct fw_result *r, int secs)
{
	ck_assert_int_eq(fw_run((char *const *)argv, secs, r), 0);
	ck_assert_msg(!r->timed_out, "timed out:\n%s\n%s", r->out, r->err);
}

void pc_run_argv(const char *const *argv, struct fw_result *r)
{
	pc_run_argv_for(argv, r, 60);
}

void pc_expect_line(const struct fw_result *r, const char *want)
{
	char *missing;

	ck_assert_msg(fw_lines_in_order(r->out, want, &missing),
		      "missing line \"%s\"\nstdout:\n%s\nstderr:\n%s", missing,
		      r->out, r->err);
}

uint64_t pc_insns_of(const char *err)
{
	const char *p = strstr(err, " instructions in");

	if (!p)
		return 0;
	while (p > err && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return strtoull(p, NULL, 10);
}

char *pc_common_lines(const char *out)
{
	char *res = calloc(1, strlen(out) + 1), *w = res;

	for (const char *p = out; *p;) {
		size_t n = strcspn(p, "\n"), word = strcspn(p, " \n");

		if (word && p[word - 1] != 'x') {
			memcpy(w, p, n);
			w += n;
			*w++ = '\n';
		}
		p += n + (p[n] == '\n');
	}
	return res;
}

void pc_same_lines(const char *what, const char *want, const char *got)
{
	const char *w = want, *g = got;
	size_t line = 1;

	while (*w && *w == *g) {
		if (*w == '\n') {
			line++;
			want = w + 1;
			got = g + 1;
		}
		w++;
		g++;
	}
	ck_assert_msg(!*w && !*g, "%s: line %zu differs:\nwant: %.*s\ngot:  %.*s",
		      what, line, (int)strcspn(want, "\n"), want,
		      (int)strcspn(got, "\n"), got);
}

void pc_same_as_qemu(const struct fw_result *q, const struct fw_result *v,
		     char *(*filter)(const char *out), const char *const *marks)
{
	char *a, *b;

	ck_assert_msg(q->status == 1 && v->status == 1,
		      "qemu %d, vmxbox-qemu %d\n%s\n%s", q->status, v->status,
		      q->err, v->err);
	a = filter(q->out);
	b = filter(v->out);
	for (; *marks; marks++)
		ck_assert_msg(strstr(a, *marks), "no \"%s\" in QEMU's output:\n%s",
			      *marks, q->out);
	pc_same_lines("QEMU vs vmxbox-qemu", a, b);
	free(a);
	free(b);
}

/* qemu-system-x86_64 on PATH, or NULL. */
static const char *find_qemu(void)
{
	static char path[512];
	const char *p = getenv("PATH");

	while (p && *p) {
		size_t n = strcspn(p, ":");

		snprintf(path, sizeof(path), "%.*s/qemu-system-x86_64", (int)n, p);
		if (!access(path, X_OK))
			return path;
		p += n + (p[n] == ':');
	}
	return NULL;
}

bool pc_qemu_mode(int argc, char **argv)
{
	const char *q;

	if (argc < 2 || strcmp(argv[1], "qemu"))
		return false;
	q = find_qemu();
	if (!q) {
		printf("SKIP: qemu-system-x86_64 is not installed (Debian package qemu-system-x86)\n");
		exit(77);
	}
	setenv("QEMU", q, 1);
	return true;
}

int pc_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
