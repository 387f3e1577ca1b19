/* SPDX-License-Identifier: MIT */
/*
 * What the PC test-kernel runners share: running a command line, looking
 * for lines, comparing a run on vmxbox-qemu with the same run on QEMU.
 */
#ifndef PC_COMPARE_H
#define PC_COMPARE_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "fw_run.h"

/* Runs argv with a limit of secs seconds (pc_run_argv: 60); fails the
 * test if it timed out. */
void pc_run_argv_for(const char *const *argv, struct fw_result *r, int secs);
void pc_run_argv(const char *const *argv, struct fw_result *r);

/* Fails the test unless r's stdout holds the lines of want in order. */
void pc_expect_line(const struct fw_result *r, const char *want);

/* The instruction count -v reports ("... N instructions in ..."), 0 when
 * there is none. */
uint64_t pc_insns_of(const char *err);

/* The machine-independent lines of a kernel's output: those whose first
 * word does not end in 'x' ("irqx ..." lines are vmxbox's own). */
char *pc_common_lines(const char *out);

/* Fails the test at the first line where want and got differ (what
 * names the two, e.g. "QEMU vs vmxbox-qemu"): a whole output is too long
 * for a message. */
void pc_same_lines(const char *what, const char *want, const char *got);

/* The same command line's results on QEMU (q) and on vmxbox-qemu (v):
 * both exited 1 (the guest's debug-exit write of 0), the lines filter
 * picks from QEMU's output hold every string of marks (NULL-ended: the
 * run got that far), and vmxbox-qemu's lines are the same, line by line. */
void pc_same_as_qemu(const struct fw_result *q, const struct fw_result *v,
		     char *(*filter)(const char *out), const char *const *marks);

/* True when the runner was started with "qemu" (QEMU's path is then in
 * $QEMU); exits 77 with the reason when QEMU is not installed. */
bool pc_qemu_mode(int argc, char **argv);

/* Runs suite s; the process's exit status. */
int pc_run_suite(Suite *s);

#endif
