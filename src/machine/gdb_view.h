/* SPDX-License-Identifier: MIT */
/*
 * Nested views of the GDB stub (`monitor view l1|l2|auto`, docs/gdb.md):
 * the registers and memory of L1 or of L2 whichever runs.
 */
#ifndef VMXBOX_MACHINE_GDB_VIEW_H
#define VMXBOX_MACHINE_GDB_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cpu_state.h"

struct machine;
struct machine_vcpu;

enum gdb_view {
	GDB_VIEW_AUTO,       /* the level that runs (L2 in non-root) */
	GDB_VIEW_L1,
	GDB_VIEW_L2,
};

/* The state of v in view; *live: it is the running level's (writable).
 * False: the view has nothing to show (L2 without a current VMCS). */
bool gdb_view_state(struct machine *m, struct machine_vcpu *v,
		    enum gdb_view view, struct cpu_state *out, bool *live);
/* lin through s's paging, for L2 with its tables and the final address
 * through L1's EPT (vmx_peek_l2_gpa); *gpa is L1-physical = guest RAM. */
bool gdb_view_translate(struct machine *m, struct machine_vcpu *v,
			enum gdb_view view, const struct cpu_state *s,
			uint64_t lin, uint64_t *gpa);
/* The view shows L2. */
bool gdb_view_is_l2(struct machine_vcpu *v, enum gdb_view view);

#endif
