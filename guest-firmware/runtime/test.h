/* SPDX-License-Identifier: MIT */
/*
 * Minimal test framework.  Each check prints one line:
 *   ok NAME
 *   FAIL NAME: got X expected Y
 * and test_summary() prints "N passed, N failed" and returns the exit
 * status (number of failures, capped at 255).
 */
#ifndef FW_TEST_H
#define FW_TEST_H

#include <stdbool.h>
#include <stdint.h>

/* NAME is a printf format. Returns pass. */
bool report(bool pass, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool expect_eq_u64(uint64_t got, uint64_t expected, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define expect_eq(got, expected, ...) \
	expect_eq_u64((uint64_t)(got), (uint64_t)(expected), __VA_ARGS__)

/* One check with a custom mismatch text: prints "ok NAME" or
 * "FAIL NAME: DETAIL". */
bool test_result(bool pass, const char *name, const char *detail_fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prints "# name" to group the lines that follow. */
void test_section(const char *name);
/* A reason a group could not run (counts as one failure). */
void test_skip_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

unsigned test_passed(void);
unsigned test_failed(void);
int test_summary(void);
/* Count one more failure, print the summary, and leave with its status. */
void test_abort(void) __attribute__((noreturn));

#endif
