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
 *  - while alignment checking is on (CPL 3, CR0.AM, RFLAGS.AC) no tag
 *    matches (htlb_key), so a hit needs no #AC check;
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

_Static_assert(RFLAGS_VM == 1ull << 17 && RFLAGS_AC == 1ull << 18 &&
	       CR0_AM == 1ull << 18 && CR0_PE == 1, "htlb_key's bit positions");

static inline unsigned htlb_index(uint64_t lin)
{
	return (unsigned)(lin >> GUEST_PAGE_SHIFT) & (HTLB_SIZE - 1);
}

/*
 * The tag's low bits for the current state: gen << 3 | AC << 2 | user << 1
 * | valid.  User and AC are the privilege key of the permission rules.
 * With alignment checking on (CPL 3, CR0.AM and RFLAGS.AC, SDM 6.15 #AC)
 * valid is 0 and htlb_fill() caches nothing, so no entry matches and every
 * access takes the slow path that checks alignment: a hit then needs no
 * check of its own.
 */
static inline uint64_t htlb_key(const struct interp *ip)
{
	const struct cpu_state *s = &ip->s;
	/* cpu_cpl() == 3 without branches: PE && (VM || DPL == 3), the DPL
	 * of SS in a conforming code segment, else of CS. */
	unsigned cs = s->seg[SEG_CS].ar, ss = s->seg[SEG_SS].ar;
	unsigned ar = (cs & 0x1c) == 0x1c ? ss : cs;
	uint64_t dpl3 = (ar & SEG_AR_DPL_MASK) == SEG_AR_DPL_MASK;
	uint64_t vm = (s->rflags >> 17) & 1;
	uint64_t user = (dpl3 | vm) & (s->cr0 & CR0_PE);
	uint64_t ac = (s->rflags >> 18) & 1;
	uint64_t am_ac = ((s->cr0 & s->rflags) >> 18) & 1;

	return ip->htlb.gen << 3 | ac << 2 | user << 1 | ((user & am_ac) ^ 1);
}

/* Tag of lin's page for the current privilege key and generation. */
static inline uint64_t htlb_tag(const struct interp *ip, uint64_t lin)
{
	return (lin & ~(GUEST_PAGE_SIZE - 1)) | htlb_key(ip);
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

/* Little-endian load/store of 1, 2, 4 or 8 bytes at host address p
 * (constant lengths become one move). */
static inline uint64_t htlb_load_n(const uint8_t *p, unsigned len)
{
	uint64_t v = 0;

	switch (len) {
	case 8: memcpy(&v, p, 8); break;
	case 4: memcpy(&v, p, 4); break;
	case 2: memcpy(&v, p, 2); break;
	default: memcpy(&v, p, len); break;
	}
	return v;
}

static inline void htlb_store_n(uint8_t *p, uint64_t v, unsigned len)
{
	switch (len) {
	case 8: memcpy(p, &v, 8); break;
	case 4: memcpy(p, &v, 4); break;
	case 2: memcpy(p, &v, 2); break;
	default: memcpy(p, &v, len); break;
	}
}

/*
 * The hit paths of a data read/write of len (1, 2, 4 or 8) bytes at
 * linear address lin, when the segment checks are already done (or need
 * none: 64-bit mode, where a non-canonical lin cannot match a tag since
 * only canonical pages are filled, and a hit never crosses a page).
 * False on a miss: the caller takes the full path (mem_read_u).
 */
static inline __attribute__((always_inline)) bool
htlb_read(struct interp *ip, uint64_t lin, unsigned len, uint64_t *v)
{
	const struct htlb_entry *e = &ip->htlb.r[htlb_index(lin)];
	uint64_t off = lin & (GUEST_PAGE_SIZE - 1);

	if (__builtin_expect(off + len > GUEST_PAGE_SIZE ||
			     e->tag != htlb_tag(ip, lin), 0))
		return false;
	ip->tlb.hits++;
	*v = htlb_load_n(ip->cfg.mem->host + e->gpa + off, len);
	return true;
}

/* Writes still tell the decode cache and the page-table watchers
 * (gmem_note_write: code pages, pt_pages). */
static inline __attribute__((always_inline)) bool
htlb_write(struct interp *ip, uint64_t lin, unsigned len, uint64_t v)
{
	const struct htlb_entry *e = &ip->htlb.w[htlb_index(lin)];
	uint64_t off = lin & (GUEST_PAGE_SIZE - 1);
	uint64_t gpa = e->gpa + off;

	if (__builtin_expect(off + len > GUEST_PAGE_SIZE ||
			     e->tag != htlb_tag(ip, lin), 0))
		return false;
	ip->tlb.hits++;
	htlb_store_n(ip->cfg.mem->host + gpa, v, len);
	/* Within one page: one bit of gmem_note_write's filter. */
	if (__builtin_expect(gmem_page_bit(ip->cfg.mem->watch_pages, gpa), 0))
		gmem_note_write_slow(ip->cfg.mem, gpa, len);
	return true;
}

/*
 * The hit paths for a block body (exec_body.c), with key the htlb_key()
 * block_run() worked out when the body started (nothing in a body
 * changes CPL, RFLAGS.AC, CR0.AM or the generation).  A write to a page
 * that is watched (code, paging structures) is a miss too and writes
 * nothing, so no write inside a body reaches gmem_note_write's
 * listeners.
 */
static inline __attribute__((always_inline)) bool
htlb_read_body(struct interp *ip, uint64_t lin, unsigned len, uint64_t key,
	       uint64_t *v)
{
	const struct htlb_entry *e = &ip->htlb.r[htlb_index(lin)];
	uint64_t off = lin & (GUEST_PAGE_SIZE - 1);

	if (__builtin_expect(off + len > GUEST_PAGE_SIZE ||
			     e->tag != ((lin & ~(GUEST_PAGE_SIZE - 1)) | key), 0))
		return false;
	ip->tlb.hits++;
	*v = htlb_load_n(ip->cfg.mem->host + e->gpa + off, len);
	return true;
}

static inline __attribute__((always_inline)) bool
htlb_write_quiet(struct interp *ip, uint64_t lin, unsigned len, uint64_t key,
		 uint64_t v)
{
	const struct htlb_entry *e = &ip->htlb.w[htlb_index(lin)];
	uint64_t off = lin & (GUEST_PAGE_SIZE - 1);
	uint64_t gpa = e->gpa + off;

	if (__builtin_expect(off + len > GUEST_PAGE_SIZE ||
			     e->tag != ((lin & ~(GUEST_PAGE_SIZE - 1)) | key) ||
			     gmem_page_bit(ip->cfg.mem->watch_pages, gpa), 0))
		return false;
	ip->tlb.hits++;
	htlb_store_n(ip->cfg.mem->host + gpa, v, len);
	return true;
}

/* Host address of lin's page when tab holds it for the current key, and
 * its guest-physical address; NULL on a miss (REP fast path). */
static inline uint8_t *htlb_page(struct interp *ip, struct htlb_entry *tab,
				 uint64_t lin, uint64_t *gpa)
{
	const struct htlb_entry *e = &tab[htlb_index(lin)];

	if (e->tag != htlb_tag(ip, lin))
		return NULL;
	*gpa = e->gpa;
	return ip->cfg.mem->host + e->gpa;
}

/* Empty it (the TLB dropped translations). */
static inline void htlb_flush(struct interp *ip)
{
	ip->blk_key_ok = false;
	if ((ip->htlb.gen = ++ip->htlb.top) < HTLB_GEN_MAX)
		return;
	memset(ip->htlb.r, 0, sizeof(ip->htlb.r));
	memset(ip->htlb.w, 0, sizeof(ip->htlb.w));
	ip->htlb.gen = ip->htlb.top = 0;
	ip->htlb.wraps++;
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
	uint64_t tag = htlb_tag(ip, lin);

	/* Valid clear (alignment checking on): cache nothing, so no tag
	 * with valid clear exists and no access then hits. */
	if (!(tag & 1) || !ip->xlate_tlb || ip->htlb.off ||
	    !gmem_range_ok(ip->cfg.mem, gpa & ~(GUEST_PAGE_SIZE - 1),
			   GUEST_PAGE_SIZE))
		return;
	e = kind == ACC_WRITE ? &ip->htlb.w[htlb_index(lin)]
			      : &ip->htlb.r[htlb_index(lin)];
	e->tag = tag;
	e->gpa = gpa & ~(GUEST_PAGE_SIZE - 1);
}

#endif
