// SPDX-License-Identifier: MIT
/*
 * vmxbox: one executable, subcommands dispatched from a table.  To add a
 * subcommand, write cmd_<name>() (declared in cli.h) and add one row.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/vmxbox_config.h"
#include "machine/exit_status.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct cli_command commands[] = {
	{ "run", cmd_run, "boot firmware, a multiboot kernel, a Linux bzImage or PVH vmlinux (default: the bundled demo)" },
	{ "caps", cmd_caps, "report /dev/kvm, nested VMX and the available engines" },
	{ "ctl", cmd_ctl, "send a command to a running vmxbox's monitor socket" },
	{ "inspect", cmd_inspect, "show a snapshot: registers, VMX state, VMCS, memory" },
	{ "diff", cmd_diff, "compare two snapshots" },
	{ "restore", cmd_restore, "resume a snapshot exactly where it was taken" },
	{ "report", cmd_report, "draw the VM exits of a trace file as an SVG picture" },
	{ "help", cmd_help, "show help for vmxbox or for one command" },
	{ "version", cmd_version, "print the vmxbox version" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: vmxbox COMMAND [OPTIONS] [ARGS]\n"
		   "       vmxbox COMMAND --help\n\n"
		   "A userspace VMM whose guest is itself a hypervisor: it boots\n"
		   "firmware and kernels that run real Intel VMX instructions and\n"
		   "gives them an exact emulated VMX.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nDocumentation: vmxbox(1), vmxbox-qemu(1), vmxbox-snapshot(5),\n"
		   "docs/cli.md in the source tree\n");
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct cli_command *c;
	char *help_argv[] = { NULL, "--help", NULL };

	if (argc < 2) {
		usage(stdout);
		return VMXBOX_EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c || c->fn == cmd_help) {
		fprintf(stderr, "vmxbox help: no command '%s'\n", argv[1]);
		usage(stderr);
		return VMXBOX_EXIT_USAGE;
	}
	help_argv[0] = (char *)c->name;
	return c->fn(2, help_argv);
}

static int cmd_version(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help")) {
		fprintf(stderr, "vmxbox version: unexpected argument '%s'\n", argv[1]);
		return VMXBOX_EXIT_USAGE;
	}
	printf("vmxbox %s\n", VMXBOX_VERSION);
	return VMXBOX_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct cli_command *c;

	if (argc < 2) {
		usage(stderr);
		return VMXBOX_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return VMXBOX_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv + 1);
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "vmxbox: unknown command or option '%s'\n", argv[1]);
		usage(stderr);
		return VMXBOX_EXIT_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
