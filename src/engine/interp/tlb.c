// SPDX-License-Identifier: MIT
/*
 * The interpreter's TLB: a set-associative cache of linear -> guest-physical
 * translations tagged as the SDM tags them (Vol. 3C 29.4.1): linear mappings
 * (EPT off) by VPID and PCID, combined mappings (EPT on) by VPID, PCID and
 * EP4TA.  It keeps what hardware may keep and drops what hardware must drop:
 *  - MOV to CR3: the new PCID's non-global mappings unless CR3[63] with
 *    CR4.PCIDE (SDM 4.10.4.1); INVLPG: the page, current PCID and global;
 *  - paging-mode changes (CR0.PG/WP, CR4.PGE/PAE/PSE/PCIDE/SMEP/SMAP,
 *    EFER.NXE): all of the current VPID;
 *  - VMX operations, on the VMX layer's word (ctx->tlb_invalidate): VM
 *    entries and exits with VPIDs disabled, INVEPT, INVVPID (SDM 29.4.3).
 * Operations for "the current VPID" drop combined mappings of every EP4TA
 * (SDM 29.4.3.1).  With --tlb=flush-always every VM entry, exit and CR3
 * write drops everything instead, as vmxbox did before tags existed.
 */
#include "engine/interp/sys.h"
#include "engine/interp/htlb.h"

#include <string.h>

static inline unsigned tlb_index(uint64_t lin)
{
	return (unsigned)(lin >> 12) & (TLB_SETS - 1);
}

static inline uint64_t tlb_tag(uint64_t lin)
{
	return (lin & ~0xfffull) | 1;
}

void tlb_load_ctx(struct interp *ip)
{
	const struct x86_intercept_ops *ops = ip->cfg.icpt;
	struct tlb_context c = { 0 };

	if (ops && ops->tlb_context)
		ops->tlb_context(ip->cfg.icpt_opaque, &c);
	htlb_flush(ip);
	ip->tlb.vpid = c.vpid;
	ip->tlb.ctx = c.ept ? TLB_CTX_COMBINED | (c.ep4ta & 0x000ffffffffff000ull)
			    : 0;
	ip->tlb.ctx_valid = true;
}

static inline bool ctx_matches(const struct tlb_entry *e, uint64_t ctx)
{
	/* A global translation is used whatever the current PCID. */
	return e->ctx == ctx || (e->global && ((e->ctx ^ ctx) & ~TLB_CTX_PCID) == 0);
}

struct tlb_entry *tlb_lookup(struct interp *ip, uint64_t lin)
{
	struct tlb *t = &ip->tlb;
	struct tlb_entry *set = t->e[tlb_index(lin)];
	uint64_t tag = tlb_tag(lin), ctx;

	if (!t->ctx_valid)
		tlb_load_ctx(ip);
	ctx = t->ctx | tlb_cur_pcid(ip);
	for (unsigned i = 0; i < TLB_WAYS; i++) {
		struct tlb_entry *e = &set[i];

		if (e->vpn_tag == tag && e->vpid == t->vpid && ctx_matches(e, ctx))
			return e;
	}
	return NULL;
}

/* The way a new translation of lin goes to: the one holding the same tag,
 * else an empty one, else the set's round-robin victim. */
struct tlb_entry *tlb_slot(struct interp *ip, uint64_t lin, uint64_t ctx,
			   bool global)
{
	struct tlb *t = &ip->tlb;
	unsigned idx = tlb_index(lin);
	struct tlb_entry *set = t->e[idx], *e;
	uint64_t tag = tlb_tag(lin);

	t->used[idx / 64] |= 1ull << (idx % 64);
	for (unsigned i = 0; i < TLB_WAYS; i++) {
		e = &set[i];
		if (e->vpn_tag == tag && e->vpid == t->vpid &&
		    e->ctx == ctx && e->global == global)
			return e;
	}
	for (unsigned i = 0; i < TLB_WAYS; i++)
		if (!set[i].vpn_tag)
			return &set[i];
	e = &set[t->victim[idx]];
	t->victim[idx] = (uint8_t)((t->victim[idx] + 1) % TLB_WAYS);
	htlb_drop_page(ip, e->vpn_tag);
	e->vpn_tag = 0;
	return e;
}

void tlb_flush(struct interp *ip)
{
	memset(ip->tlb.e, 0, sizeof(ip->tlb.e));
	memset(ip->tlb.victim, 0, sizeof(ip->tlb.victim));
	memset(ip->tlb.used, 0, sizeof(ip->tlb.used));
	ip->tlb.ctx_valid = false;
	interp_fetch_drop(ip);
	htlb_flush(ip);
}

/* A selection of entries to drop. */
struct sel {
	enum tlb_inval_scope scope;
	uint16_t vpid;
	uint64_t ep4ta;
	uint64_t linear;
	int pcid;             /* >= 0: only this PCID (or global, see below) */
	bool keep_global;     /* global translations survive */
	bool global_too;      /* with pcid: globals of any PCID go as well */
};

static bool same_page(const struct tlb_entry *e, uint64_t lin)
{
	return ((e->vpn_tag ^ lin) >> e->shift) == 0;
}

static bool selected(const struct tlb_entry *e, const struct sel *s)
{
	bool combined = e->ctx & TLB_CTX_COMBINED;

	switch (s->scope) {
	case TLB_INV_ALL:
		return true;
	case TLB_INV_ALL_BUT_VPID0:
		return e->vpid != 0;
	case TLB_INV_EP4TA:
		return combined && (e->ctx & ~TLB_CTX_COMBINED & ~TLB_CTX_PCID) ==
			s->ep4ta;
	case TLB_INV_COMBINED:
		return combined;
	case TLB_INV_VPID_ADDR:
		if (!same_page(e, s->linear))
			return false;
		break;
	case TLB_INV_VPID_NONGLOBAL:
	case TLB_INV_VPID:
	default:
		break;
	}
	if (e->vpid != s->vpid)
		return false;
	if (s->keep_global && e->global)
		return false;
	if (s->pcid >= 0 && (e->ctx & TLB_CTX_PCID) != (uint64_t)s->pcid)
		return s->global_too && e->global;
	return true;
}

/* Drop the selected ways of one set; false if the set is now empty. */
static bool drop_in_set(struct tlb_entry *set, const struct sel *s)
{
	bool left = false;

	for (unsigned w = 0; w < TLB_WAYS; w++) {
		struct tlb_entry *e = &set[w];

		if (e->vpn_tag && selected(e, s))
			e->vpn_tag = 0;
		left |= e->vpn_tag != 0;
	}
	return left;
}

static void drop(struct interp *ip, const struct sel *s)
{
	interp_fetch_drop(ip);
	htlb_flush(ip);
	if (s->scope == TLB_INV_ALL) {
		tlb_flush(ip);
		return;
	}
	for (unsigned word = 0; word < TLB_SETS / 64; word++) {
		uint64_t bits = ip->tlb.used[word];

		while (bits) {
			unsigned i = word * 64 + (unsigned)__builtin_ctzll(bits);

			bits &= bits - 1;
			if (!drop_in_set(ip->tlb.e[i], s))
				ip->tlb.used[word] &= ~(1ull << (i % 64));
		}
	}
}

static uint16_t cur_vpid(struct interp *ip)
{
	if (!ip->tlb.ctx_valid)
		tlb_load_ctx(ip);
	return ip->tlb.vpid;
}

void tlb_invalidate(struct interp *ip, const struct tlb_inval *iv)
{
	struct sel s = {
		.scope = iv->scope, .vpid = iv->vpid,
		.ep4ta = iv->ep4ta & 0x000ffffffffff000ull,
		.linear = iv->linear, .pcid = -1,
		.keep_global = iv->scope == TLB_INV_VPID_NONGLOBAL,
	};

	drop(ip, &s);
}

void tlb_flush_page(struct interp *ip, uint64_t lin)
{
	struct sel s = {
		.scope = TLB_INV_VPID_ADDR, .vpid = cur_vpid(ip), .linear = lin,
		.pcid = tlb_cur_pcid(ip), .global_too = true,
	};

	drop(ip, &s);
}

void tlb_flush_cr3(struct interp *ip, uint16_t pcid)
{
	struct sel s = {
		.scope = TLB_INV_VPID_NONGLOBAL, .vpid = cur_vpid(ip),
		.pcid = pcid, .keep_global = true,
	};

	if (ip->tlb.flush_always) {
		tlb_flush(ip);
		return;
	}
	drop(ip, &s);
}

void tlb_flush_vpid(struct interp *ip)
{
	struct sel s = {
		.scope = TLB_INV_VPID, .vpid = cur_vpid(ip), .pcid = -1,
	};

	if (ip->tlb.flush_always) {
		tlb_flush(ip);
		return;
	}
	drop(ip, &s);
}

/*
 * INVPCID (SDM Vol. 2 INVPCID, 4.10.4.1): type 0 the page's non-global
 * translation for pcid, 1 every non-global one of pcid, 2 everything of
 * the current VPID (globals included), 3 all non-global ones.
 */
void tlb_invpcid(struct interp *ip, unsigned type, uint16_t pcid,
		 uint64_t lin)
{
	struct sel s = {
		.scope = type == 0 ? TLB_INV_VPID_ADDR : TLB_INV_VPID_NONGLOBAL,
		.vpid = cur_vpid(ip), .linear = lin,
		.pcid = type <= 1 ? pcid : -1, .keep_global = type != 2,
	};

	if (type == 2)
		s.scope = TLB_INV_VPID;
	drop(ip, &s);
}

void tlb_pcid_switched(struct interp *ip)
{
	htlb_flush(ip);
}

void tlb_state_switched(struct interp *ip)
{
	interp_fetch_drop(ip);
	htlb_flush(ip);
	ip->tlb.epoch++;
	if (ip->tlb.flush_always)
		tlb_flush(ip);
	ip->tlb.ctx_valid = false;
}
