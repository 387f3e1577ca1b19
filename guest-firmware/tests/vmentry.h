/* SPDX-License-Identifier: MIT */
/*
 * The VM-entry check test's row format (vmentry.c runs the rows,
 * vmentry_rows.c lists them).
 */
#ifndef FW_VMENTRY_H
#define FW_VMENTRY_H

#include "vmxtest.h"
#include "guest_asm.h"

enum expect { E_CTL, E_HOST, E_GUEST, E_MSR, E_OK };
enum act_op {
	A_NONE, A_SET, A_OR, A_ANDN,
	A_FORBID,	/* set the lowest bit the capability forbids */
	A_REQUIRE,	/* clear the lowest bit the capability requires */
	A_OR_MAXPHY,	/* set the bit at MAXPHYADDR */
	A_CTL_SET,	/* vmx_set_ctl(field, arg) (skip row if impossible) */
};

struct action {
	uint32_t field;
	uint8_t op;
	uint64_t arg;
};

struct entry_row {
	const char *name;
	uint8_t expect;
	struct action act[4];
	void (*prep)(void);
	uint64_t qual;		/* for E_MSR */
};

#define NONCANON 0x8000000000000000ULL

/* The MSR-load area the rows' preparation steps fill (vmentry.c). */
extern struct vmx_msr_entry *msr_area;

extern const struct entry_row entry_rows[];
extern const unsigned entry_rows_count;

#endif
