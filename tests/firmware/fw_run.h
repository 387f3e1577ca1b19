/* SPDX-License-Identifier: MIT */
/* Run `vmxbox run` on a firmware image and capture what it printed. */
#ifndef TESTS_FW_RUN_H
#define TESTS_FW_RUN_H

#include <stdbool.h>
#include <stddef.h>

struct fw_result {
	char *out;		/* stdout, NUL-terminated */
	size_t out_len;
	char *err;		/* stderr, NUL-terminated */
	size_t err_len;
	int status;		/* exit status, or -1 */
	int signal;		/* terminating signal, or 0 */
	bool timed_out;
};

/* argv is NULL-terminated; argv[0] is the program path. */
int fw_run(char *const argv[], unsigned timeout_s, struct fw_result *r);
void fw_result_free(struct fw_result *r);

/* Read a whole file; NULL on error. */
char *fw_read_file(const char *path, size_t *len);

/* Check that every line of `expected` appears in `out` as a whole line, in
 * order.  On mismatch returns false and points *missing at the first
 * expected line not found (a malloc'd copy). */
bool fw_lines_in_order(const char *out, const char *expected, char **missing);

#endif
