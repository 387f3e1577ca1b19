// SPDX-License-Identifier: MIT
#include <stdarg.h>

#include "fw.h"

static unsigned passed, failed;

static void print_name(const char *fmt, va_list ap)
{
	vprintf(fmt, ap);
}

bool report(bool pass, const char *fmt, ...)
{
	va_list ap;

	printf(pass ? "ok " : "FAIL ");
	va_start(ap, fmt);
	print_name(fmt, ap);
	va_end(ap);
	printf("\n");
	if (pass)
		passed++;
	else
		failed++;
	return pass;
}

bool expect_eq_u64(uint64_t got, uint64_t expected, const char *fmt, ...)
{
	bool pass = got == expected;
	va_list ap;

	printf(pass ? "ok " : "FAIL ");
	va_start(ap, fmt);
	print_name(fmt, ap);
	va_end(ap);
	if (!pass)
		printf(": got 0x%lx expected 0x%lx", got, expected);
	printf("\n");
	if (pass)
		passed++;
	else
		failed++;
	return pass;
}

bool test_result(bool pass, const char *name, const char *detail_fmt, ...)
{
	va_list ap;

	printf(pass ? "ok %s" : "FAIL %s", name);
	if (!pass) {
		printf(": ");
		va_start(ap, detail_fmt);
		vprintf(detail_fmt, ap);
		va_end(ap);
		failed++;
	} else {
		passed++;
	}
	printf("\n");
	return pass;
}

void test_section(const char *name)
{
	printf("# %s\n", name);
}

void test_skip_fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failed++;
}

unsigned test_passed(void)
{
	return passed;
}

unsigned test_failed(void)
{
	return failed;
}

int test_summary(void)
{
	printf("%u passed, %u failed\n", passed, failed);
	return failed > 255 ? 255 : (int)failed;
}

void test_abort(void)
{
	failed++;
	fw_exit(test_summary());
}
