/* SPDX-License-Identifier: MIT */
/*
 * Showing snapshots to people and scripts (`vmxbox inspect`, `vmxbox
 * diff`).  Text output is for reading; --json output is one object whose
 * 64-bit values are "0x..." strings (JSON numbers lose bits above 2^53).
 */
#ifndef VMXBOX_SNAPSHOT_SNAP_PRINT_H
#define VMXBOX_SNAPSHOT_SNAP_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot/json_out.h"
#include "snapshot/snapshot.h"

/* What to show. */
#define SNAP_SHOW_SUMMARY (1u << 0)   /* format, config, memory, devices */
#define SNAP_SHOW_REGS    (1u << 1)   /* every vCPU's registers and events */
#define SNAP_SHOW_VMX     (1u << 2)   /* VMX operation, pointers, regions */
#define SNAP_SHOW_VMCS    (1u << 3)   /* the current VMCS, field by field */
#define SNAP_SHOW_ALL     0xfu

void snap_print_text(FILE *f, const struct snapshot_machine *s, unsigned what);
/* A string from a snapshot file for a person's terminal: control
 * characters, DEL, bytes >= 0x80 and backslash are printed as \xNN / \\,
 * so a crafted file cannot send escape sequences to the terminal. */
void snap_fput_esc(FILE *f, const char *s);
/* Members of the already open top-level JSON object. */
void snap_print_json(struct jout *j, const struct snapshot_machine *s,
		     unsigned what);

/* Hex dump of [addr, addr+len) of the snapshot's memory; addr is a
 * guest-physical address.  0, or -1 with err set. */
int snap_print_mem(FILE *f, struct jout *j, const struct snapshot_machine *s,
		   uint64_t addr, uint64_t len, char *err, size_t errlen);
/* Disassemble n instructions at linear address addr of vCPU 0 (through
 * its page tables when paging is on), in its current code mode.  "rip"
 * is addr = CS.base + RIP (pass use_rip). */
int snap_print_disasm(FILE *f, struct jout *j, const struct snapshot_machine *s,
		      uint64_t addr, bool use_rip, unsigned n, char *err,
		      size_t errlen);

/* Print the differences between a and b; returns how many there are. */
unsigned snap_diff(FILE *f, const struct snapshot_machine *a,
		   const struct snapshot_machine *b);

/* Linear -> guest-physical through vCPU 0's paging structures in the
 * snapshot memory (SDM 4.3, 4.4, 4.5).  False if not mapped. */
bool snap_translate(const struct snapshot_machine *s, uint64_t lin,
		    uint64_t *gpa);

#endif
