/* SPDX-License-Identifier: MIT */
/*
 * Running the vmxbox executable from the end-to-end snapshot tests
 * (test_snapshot_restore.c, test_snapshot_engines.c): its exit status,
 * serial output, stderr and the instruction count -v reports, and a
 * CHECK() that counts failures instead of stopping the test.
 */
#ifndef VMXBOX_TESTS_SNAP_RUN_H
#define VMXBOX_TESTS_SNAP_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct result {
	int status;
	char *out;                 /* serial output (allocated on first use) */
	size_t out_len;
	char err[16384];
	uint64_t insns;            /* from -v: "N instructions in" */
};

extern int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		failures++;						\
	}								\
} while (0)

/* $VMXBOX with args (NULL-terminated, at most 38); r must start zeroed
 * (its out buffer is reused by later runs). */
void run(struct result *r, const char *const *args);

#endif
