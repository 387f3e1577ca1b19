/* SPDX-License-Identifier: MIT */
/*
 * Subcommands of the vmxbox executable.  Each one is a row in the dispatch
 * table in main.c: {name, fn, summary}.  fn gets argv with argv[0] = the
 * subcommand name and returns the process exit status.
 */
#ifndef VMXBOX_CLI_CLI_H
#define VMXBOX_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_run(int argc, char **argv);
int cmd_caps(int argc, char **argv);
int cmd_ctl(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* --snapshot=PATH / --snapshot-on=EVENT, shared by run and restore
 * (cmd_restore.c), and run's --pause-on=EVENT (the same triggers).
 * getopt values: */
#define CLI_OPT_SNAPSHOT 400
#define CLI_OPT_SNAPSHOT_ON 401
#define CLI_OPT_PAUSE_ON 402
struct machine_config;
bool cli_snapshot_option(const char *cmd, int which, const char *arg,
			 struct machine_config *cfg);
/* After parsing: checks and defaults (--snapshot alone = on exit;
 * --pause-on needs --monitor or --gdb to resume, and the VMX watcher). */
bool cli_snapshot_finish(const char *cmd, struct machine_config *cfg);

/* --gdb=SPEC (run, restore, vmxbox-qemu's -s/-gdb): checks the syntax;
 * after parsing, picks the interp engine (the only one with
 * breakpoints). */
bool cli_gdb_option(const char *cmd, const char *spec,
		    struct machine_config *cfg);
bool cli_gdb_finish(const char *cmd, struct machine_config *cfg);
/* --gdb, --reverse, --checkpoint-interval, --history-mem (run and
 * restore): getopt values, their long options, and their parser. */
#define CLI_OPT_GDB 410
#define CLI_OPT_REVERSE 411
#define CLI_OPT_CHECKPOINT_INTERVAL 412
#define CLI_OPT_HISTORY_MEM 413
#define CLI_GDB_LONG_OPTIONS \
	{ "gdb", required_argument, NULL, CLI_OPT_GDB }, \
	{ "reverse", no_argument, NULL, CLI_OPT_REVERSE }, \
	{ "checkpoint-interval", required_argument, NULL, \
	  CLI_OPT_CHECKPOINT_INTERVAL }, \
	{ "history-mem", required_argument, NULL, CLI_OPT_HISTORY_MEM }
bool cli_gdb_parse(const char *cmd, int which, const char *arg,
		   struct machine_config *cfg);

/* A serial port's output as vmxbox-qemu's -serial and run's --serialN
 * take it: stdio (or mon:stdio, -), null or none, file:PATH, or (plain)
 * PATH when plain_path.  0 with *fd set (1 for stdio, an open file), -1
 * for an unknown form, or an errno value when the file cannot be opened.
 * *absent: "none" (vmxbox-qemu: no such port). */
int cli_serial_open(const char *spec, bool plain_path, int *fd, bool *absent);

/* --serialN=DEST (run, restore): COMn present, its output opened. */
bool cli_serial_option(const char *cmd, unsigned n, const char *dest,
		       struct machine_config *cfg);

/* "vmxbox <cmd>: <message>" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* For getopt_long '?' returns: names the bad option. */
void cli_bad_option(const char *cmd, int argc, char **argv, int optopt_val);

/*
 * The bundled firmware image: <dir of /proc/self/exe>/guest-firmware/NAME
 * (build tree), else VMXBOX_DATADIR/vmxbox/NAME (install prefix).  Writes
 * the first candidate that exists into buf; returns false (buf = the
 * install path) if none does.
 */
bool cli_bundled_firmware(const char *name, char *buf, size_t len);

#endif
