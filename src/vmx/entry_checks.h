/* SPDX-License-Identifier: MIT */
/*
 * The VM-entry checks of SDM 27.2 (VMX controls, host state) and 27.3.1
 * (guest state, PDPTEs) as TABLES: one row per architectural rule, with
 * its SDM section, a predicate and what a failure produces.  VM entry
 * walks the tables in SDM order; tests and docs iterate the same rows.
 */
#ifndef VMXBOX_VMX_ENTRY_CHECKS_H
#define VMXBOX_VMX_ENTRY_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmx/vmx.h"

enum entry_check_kind {
	ECK_CONTROL,     /* VMfailValid(7), SDM 27.2.1 */
	ECK_HOST,        /* VMfailValid(8), SDM 27.2.2-27.2.4 */
	ECK_GUEST,       /* VM-entry failure, exit reason 33, SDM 27.3.1 */
};

/* Exit qualifications of a failed VM entry (SDM 27.8). */
#define ENTRY_QUAL_DEFAULT   0u
#define ENTRY_QUAL_PDPTE     2u
#define ENTRY_QUAL_NMI_STI   3u
#define ENTRY_QUAL_LINK_PTR  4u

/* What the predicates see: the current VMCS, RAM, the caller's state. */
struct entry_env {
	const struct vmx_vcpu *v;
	const struct vmx_caps *caps;
	const struct guest_mem *mem;
	const struct cpu_state *cpu;   /* L1 state at VMLAUNCH/VMRESUME */
	uint32_t pin, proc, proc2, exit, entry;  /* proc2 = 0 unless activated */
	uint64_t proc3;                          /* 0 unless activated */
};

struct entry_check {
	const char *name;      /* unique, stable: tests and docs use it */
	const char *sdm;       /* section */
	const char *rule;      /* the SDM sentence, paraphrased */
	uint8_t kind;          /* enum entry_check_kind */
	uint8_t qual;          /* ECK_GUEST: exit qualification */
	bool (*ok)(const struct entry_env *e);
};

extern const struct entry_check vmx_entry_checks[];
extern const size_t vmx_entry_checks_len;

void entry_env_init(struct entry_env *e, const struct vmx_vcpu *v,
		    const struct guest_mem *mem, const struct cpu_state *cpu);
/* First failing row in SDM order, NULL if VM entry may proceed. */
const struct entry_check *entry_checks_run(const struct entry_env *e);
/* The same answer; the control and host-state rows run only when their
 * inputs differ from the last entry's that passed them, the guest-state
 * rows only when theirs differ from the last entry's that passed every
 * row - save the few that read more, which always run (m: e->v's). */
const struct entry_check *entry_checks_run_memo(struct vmx_entry_memo *m,
						 const struct entry_env *e);
const struct entry_check *entry_check_find(const char *name);

#endif
