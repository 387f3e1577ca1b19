/* SPDX-License-Identifier: MIT */
/*
 * Linear to guest-physical through a vCPU state's paging structures, for
 * those who look at a guest from outside (the GDB stub, `vmxbox inspect`):
 * no accessed/dirty flags written, no permission checks, no TLB.  32-bit
 * paging (SDM 4.3, with PSE), PAE (4.4, the PDPTE registers when loaded)
 * and 4-level paging (4.5).  The caller reads the tables: guest RAM, a
 * snapshot's memory, or L1's memory through L1's EPT for an L2 view.
 */
#ifndef VMXBOX_CORE_PAGE_WALK_H
#define VMXBOX_CORE_PAGE_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cpu_state.h"

/* Read len (4 or 8) bytes of a paging structure at gpa; false: no such
 * memory. */
typedef bool (*page_walk_read_fn)(void *opaque, uint64_t gpa, void *buf,
				  unsigned len);

/* True with *gpa when lin is mapped (present at every level). */
bool page_walk(const struct cpu_state *s, uint64_t lin, page_walk_read_fn rd,
	       void *opaque, uint64_t *gpa);

#endif
