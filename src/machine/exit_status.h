/* SPDX-License-Identifier: MIT */
/*
 * Exit statuses vmxbox itself produces (docs/cli.md).  A guest that ends its
 * run through the debug-exit port chooses its own status (0..255), which
 * wins; the values below are only used when vmxbox decides the outcome.
 * They sit at 64 and above (sysexits range) so they do not collide with
 * the small values firmware usually reports.
 */
#ifndef VMXBOX_MACHINE_EXIT_STATUS_H
#define VMXBOX_MACHINE_EXIT_STATUS_H

enum vmxbox_exit_status {
	VMXBOX_EXIT_OK = 0,
	VMXBOX_EXIT_FAILURE = 1,    /* generic (caps, help on a bad topic) */
	VMXBOX_EXIT_USAGE = 2,      /* bad command line */
	VMXBOX_EXIT_INTERNAL = 70,  /* internal / engine error */
	VMXBOX_EXIT_FIRMWARE = 71,  /* firmware missing, unreadable or invalid */
	VMXBOX_EXIT_SHUTDOWN = 72,  /* guest shutdown: triple fault */
	VMXBOX_EXIT_HALTED = 73,    /* HLT with no possible wake source */
	VMXBOX_EXIT_INSN_LIMIT = 74,/* --max-insns reached */
	VMXBOX_EXIT_TIMEOUT = 75,   /* --timeout expired */
	VMXBOX_EXIT_NO_ENGINE = 76, /* requested engine unavailable */
	VMXBOX_EXIT_RESET = 77,     /* guest asked for a reset (0xCF9, 0x92) */
	VMXBOX_EXIT_VMX_CHECK = 78, /* --vmx-check=fatal: a hypervisor bug */
	VMXBOX_EXIT_SIGINT = 130,   /* 128 + SIGINT */
	VMXBOX_EXIT_SIGTERM = 143,  /* 128 + SIGTERM */
};

#endif
