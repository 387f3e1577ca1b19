/* SPDX-License-Identifier: MIT */
/*
 * EPT page walk (SDM 29.3.2), independent of any VMCS: given an EPTP and a
 * guest-physical address, either a translation, an EPT violation (with the
 * Table 28-7 permission bits) or an EPT misconfiguration (SDM 29.3.3.1).
 * Every paging-structure read goes through guest_mem, so tables outside RAM
 * are reported as a misconfiguration, never touched.
 */
#ifndef VMXBOX_VMX_EPT_WALK_H
#define VMXBOX_VMX_EPT_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "memory/guest_mem.h"

/* EPT paging-structure entry bits (SDM 29.3.2, Tables 29-1..29-6). */
#define EPTE_R          (1ull << 0)
#define EPTE_W          (1ull << 1)
#define EPTE_X          (1ull << 2)
#define EPTE_RWX        (EPTE_R | EPTE_W | EPTE_X)
#define EPTE_MT_SHIFT   3
#define EPTE_MT_MASK    (7ull << 3)
#define EPTE_IPAT       (1ull << 6)
#define EPTE_LARGE      (1ull << 7)
#define EPTE_A          (1ull << 8)
#define EPTE_D          (1ull << 9)
#define EPTE_XU         (1ull << 10)   /* user-mode execute, MBEC (29.3.2) */
#define EPTE_SUPPRESS_VE (1ull << 63)   /* with EPT-violation #VE, SDM 26.5.7 */

/* EPTP bits (SDM 24.6.11). */
#define EPTP_MT_MASK    7ull
#define EPTP_MT_UC      0ull
#define EPTP_MT_WB      6ull
#define EPTP_PWL_SHIFT  3
#define EPTP_PWL_MASK   (7ull << 3)
#define EPTP_AD         (1ull << 6)

/* Access kinds, as in intercept.h translate_gpa.  EPT_ACC_USER_LA: the
 * guest-linear address is a user-mode address (only mode-based execute
 * control looks at it, for fetches). */
#define EPT_ACC_READ  1u
#define EPT_ACC_WRITE 2u
#define EPT_ACC_FETCH 4u
#define EPT_ACC_USER_LA 8u

/* Table 28-7 bits 5:3 and 6 of ept_walk_result.perms. */
#define EPT_PERM_R    (1u << 3)
#define EPT_PERM_W    (1u << 4)
#define EPT_PERM_X    (1u << 5)   /* with MBEC: supervisor-mode execute */
#define EPT_PERM_XU   (1u << 6)   /* with MBEC: user-mode execute */

enum ept_outcome {
	EPT_OK,
	EPT_VIOLATION,
	EPT_MISCONFIG,
};

struct ept_walk_cfg {
	unsigned maxphyaddr;     /* physical-address width */
	bool exec_only;          /* IA32_VMX_EPT_VPID_CAP[0] */
	bool page_1g;            /* IA32_VMX_EPT_VPID_CAP[17] */
	bool page_2m;            /* IA32_VMX_EPT_VPID_CAP[16] */
	bool mbec;               /* "mode-based execute control for EPT" */
};

struct ept_walk_result {
	enum ept_outcome outcome;
	uint64_t hpa;            /* EPT_OK: translated address */
	unsigned level;          /* level of the leaf or faulting entry (4..1) */
	/* Permissions granted by the walk so far (AND over levels), as
	 * Table 28-7 bits 3..5: readable, writable, executable (for
	 * supervisor-mode linear addresses with MBEC), and bit 6 with MBEC:
	 * executable for user-mode linear addresses. */
	unsigned perms;
	uint8_t mem_type;        /* EPT_OK: leaf memory type */
	/* Guest-physical addresses of the entries read, PML4E first, and
	 * the value of the last one (the leaf, or the entry that was not
	 * present). */
	unsigned n_entries;
	uint64_t entry_gpa[4];
	uint64_t last_entry;
};

/* Walk; `access` is a mask of EPT_ACC_*.  Sets accessed (and, for writes,
 * dirty) flags when the EPTP enables them and the walk succeeds. */
void ept_walk(struct guest_mem *mem, const struct ept_walk_cfg *cfg,
	      uint64_t eptp, uint64_t gpa, unsigned access,
	      struct ept_walk_result *r);
/* The walk alone: no accessed/dirty flag is touched. */
void ept_walk_only(const struct guest_mem *mem, const struct ept_walk_cfg *cfg,
		   uint64_t eptp, uint64_t gpa, unsigned access,
		   struct ept_walk_result *r);
/*
 * Accessed and dirty flags for EPT (SDM 29.3.5) after a successful walk
 * with EPTP[6] = 1: ept_ad_needed() tells whether any flag is still 0
 * (the processor "needs to set" one: page-modification logging looks at
 * that, SDM 29.3.6); ept_ad_set() sets A on every entry used and D on the
 * leaf of a write, and returns true when that D flag went from 0 to 1.
 */
bool ept_ad_needed(const struct guest_mem *mem,
		   const struct ept_walk_result *r, unsigned access);
bool ept_ad_set(struct guest_mem *mem, const struct ept_walk_result *r,
		unsigned access);

/* Is a leaf memory type valid in EPT (0 UC, 1 WC, 4 WT, 5 WP, 6 WB)? */
static inline bool ept_memtype_valid(unsigned mt)
{
	return mt == 0 || mt == 1 || mt == 4 || mt == 5 || mt == 6;
}

#endif
