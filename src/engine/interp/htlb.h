/* SPDX-License-Identifier: MIT */
/*
 * The host-pointer TLB (struct htlb, interp.h): one compare per data
 * access that hits, instead of a TLB set search, the permission checks
 * and the RAM bounds check.  System side (mem.c, mmu.c, tlb.c).
 *
 * Why it is exact:
 *  - an entry is made only right after mmu_translate() allowed the same
 *    kind of access to the same page from a translation the TLB holds
 *    (ip->xlate_tlb), so A/D flags are set and EPT approved it;
 *  - the permission rules (SDM 4.6) that can differ for the next access
 *    depend on CPL 3 or not and RFLAGS.AC (the key in the tag), and on
 *    CR0.WP and CR4.SMAP, whose changes drop the TLB (interp_mode_changed);
 *  - every drop of the TLB (flush, INVLPG, CR3, INVEPT/INVVPID, VM entry
 *    and exit, set_state, INIT) bumps gen, every refill or eviction of a
 *    TLB entry drops the page here, so this is never more than the TLB;
 *  - only RAM is cached (never MMIO, never a page the TLB refuses), and
 *    writes still tell the decode cache about code pages (gmem_note_write);
 *  - --vmx-check checks every TLB hit for staleness: then it is off.
 */
#ifndef VMXBOX_ENGINE_INTERP_HTLB_H
#define VMXBOX_ENGINE_INTERP_HTLB_H

#include <string.h>

#include "engine/interp/interp.h"

static inline unsigned htlb_index(uint64_t lin)
{
	return (unsigned)(lin >> GUEST_PAGE_SHIFT) & (HTLB_SIZE - 1);
}

/* Tag of lin's page for the current privilege key and generation. */
static inline uint64_t htlb_tag(const struct interp *ip, uint64_t lin)
{
	const struct cpu_state *s = &ip->s;
	uint64_t user = cpu_cpl(s) == 3;
	uint64_t ac = (s->rflags & RFLAGS_AC) != 0;

	return (lin & ~(GUEST_PAGE_SIZE - 1)) | ip->htlb.gen << 3 | ac << 2 |
	       user << 1 | 1;
}

/* Guest-physical address of lin for an access of len bytes within one
 * page that tab caches; false on a miss. */
static inline bool htlb_find(const struct interp *ip,
			     const struct htlb_entry *tab, uint64_t lin,
			     unsigned len, uint64_t *gpa)
{
	const struct htlb_entry *e = &tab[htlb_index(lin)];

	if ((lin & (GUEST_PAGE_SIZE - 1)) + len > GUEST_PAGE_SIZE ||
	    e->tag != htlb_tag(ip, lin))
		return false;
	*gpa = e->gpa | (lin & (GUEST_PAGE_SIZE - 1));
	return true;
}

/* Empty it (the TLB dropped translations). */
static inline void htlb_flush(struct interp *ip)
{
	if (++ip->htlb.gen < HTLB_GEN_MAX)
		return;
	memset(ip->htlb.r, 0, sizeof(ip->htlb.r));
	memset(ip->htlb.w, 0, sizeof(ip->htlb.w));
	ip->htlb.gen = 0;
}

/* The TLB refilled or evicted its entry for lin's page. */
static inline void htlb_drop_page(struct interp *ip, uint64_t lin)
{
	unsigned i = htlb_index(lin);

	ip->htlb.r[i].tag = 0;
	ip->htlb.w[i].tag = 0;
}

/* After an access of kind ACC_READ/ACC_WRITE to lin translated to gpa:
 * remember it when the TLB holds that translation and gpa is RAM. */
static inline void htlb_fill(struct interp *ip, uint64_t lin, uint64_t gpa,
			     unsigned kind)
{
	struct htlb_entry *e;

	if (!ip->xlate_tlb || ip->htlb.off ||
	    !gmem_range_ok(ip->cfg.mem, gpa & ~(GUEST_PAGE_SIZE - 1),
			   GUEST_PAGE_SIZE))
		return;
	e = kind == ACC_WRITE ? &ip->htlb.w[htlb_index(lin)]
			      : &ip->htlb.r[htlb_index(lin)];
	e->tag = htlb_tag(ip, lin);
	e->gpa = gpa & ~(GUEST_PAGE_SIZE - 1);
}

#endif
