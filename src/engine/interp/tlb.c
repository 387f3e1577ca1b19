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
 *    entries and exits with VPIDs disabled, INVEPT, INVVPID (SDM 29.4.3);
 *    at entries and exits it keeps the root-operation translations that
 *    a page walk would make again exactly (tlb_transition).
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

static void htlb_back(struct interp *ip, const struct tlb_context *c);

void tlb_load_ctx(struct interp *ip)
{
	const struct x86_intercept_ops *ops = ip->cfg.icpt;
	struct tlb_context c = { 0 };

	if (ops && ops->tlb_context)
		ops->tlb_context(ip->cfg.icpt_opaque, &c);
	htlb_flush(ip);
	if (ip->tlb.note == TLB_NOTE_ARMED)
		htlb_back(ip, &c);
	ip->tlb.vpid = c.vpid;
	ip->tlb.ctx = c.ept ? TLB_CTX_COMBINED | (c.ep4ta & TLB_CTX_EP4TA) : 0;
	if (c.nonroot)
		ip->tlb.ctx |= TLB_CTX_NONROOT;
	memcpy(ip->tlb.xlate_key, c.xlate_key, sizeof(c.xlate_key));
	ip->tlb.xlate_keep = c.xlate_keep;
	ip->tlb.ctx_valid = true;
}

static inline bool ctx_matches(const struct tlb_entry *e, uint64_t ctx)
{
	/* A global translation is used whatever the current PCID. */
	return e->ctx == ctx || (e->global && ((e->ctx ^ ctx) & ~TLB_CTX_PCID) == 0);
}

/*
 * Large pages.  A 2 MiB, 4 MiB or 1 GiB translation serves its whole page,
 * as hardware's large-page TLB entries do (SDM 4.10.2.2-4.10.2.3): the walk
 * of one 4 KiB piece read the same entries and set the same accessed and
 * dirty flags a walk of any other piece would, so another piece made from
 * it is what that walk would cache - or what hardware may keep, if the
 * paging structures changed since without an invalidation.  Only
 * root-operation linear mappings: with EPT (combined mappings) the pieces
 * need not be contiguous in memory, and in VMX non-root operation the
 * APIC-access page is decided per 4 KiB page.  Off under --vmx-check
 * (every translation is checked there) and --tlb=flush-always.
 */
static inline unsigned big_index(uint64_t lin)
{
	return (unsigned)(lin >> 21) & (TLB_BIG - 1);
}

static void big_clear(struct tlb *t)
{
	if (!t->big_n)
		return;
	for (unsigned i = 0; i < TLB_BIG; i++)
		t->big[i].vpn_tag = 0;
	t->big_n = 0;
}

static bool big_same_page(const struct tlb_entry *b, const struct tlb_entry *t,
			  uint64_t base_tag, uint64_t base_ppn)
{
	return b->vpn_tag == base_tag && b->shift == t->shift &&
	       b->ctx == t->ctx && b->vpid == t->vpid &&
	       b->global == t->global && b->ppn == base_ppn;
}

/* Remember the large page of t, just filled for lin by a walk. */
void tlb_big_fill(struct interp *ip, uint64_t lin, const struct tlb_entry *t)
{
	struct tlb *tl = &ip->tlb;
	struct tlb_entry *b = &tl->big[big_index(lin)];
	uint64_t mask, base_tag, base_ppn, ptw;
	uint8_t perms;

	if (t->shift <= 12 || tl->check || tl->flush_always || tl->probing ||
	    (t->ctx & (TLB_CTX_COMBINED | TLB_CTX_NONROOT)))
		return;
	mask = (1ull << t->shift) - 1;
	base_tag = (lin & ~mask) | 1;
	base_ppn = t->ppn - ((lin & mask) >> 12);
	perms = t->perms;
	ptw = t->ptw;
	if (b->vpn_tag && big_same_page(b, t, base_tag, base_ppn)) {
		/* The same leaf: what an older walk allowed stays allowed,
		 * exact (for tlb_transition) only if both walks are. */
		perms |= b->perms;
		if (b->ptw != t->ptw || b->ctxid != t->ctxid)
			ptw = TLB_PTW_NEVER;
	} else if (!b->vpn_tag) {
		tl->big_n++;
	}
	*b = *t;
	b->vpn_tag = base_tag;
	b->ppn = base_ppn;
	b->gppn = base_ppn;
	b->perms = perms;
	b->ptw = ptw;
}

/* A miss in the set of lin: the piece of a cached large page. */
static struct tlb_entry *big_piece(struct interp *ip, uint64_t lin,
				   uint64_t ctx)
{
	const struct tlb_entry *b = &ip->tlb.big[big_index(lin)];
	struct tlb_entry *e;
	uint64_t off;

	if (!b->vpn_tag || ((b->vpn_tag ^ lin) >> b->shift) != 0 ||
	    b->vpid != ip->tlb.vpid || !ctx_matches(b, ctx) || ip->tlb.probing)
		return NULL;
	off = (lin & ((1ull << b->shift) - 1)) >> 12;
	e = tlb_slot(ip, lin, b->ctx, b->global);
	*e = *b;
	e->vpn_tag = (lin & ~0xfffull) | 1;
	e->ppn = b->ppn + off;
	e->gppn = b->gppn + off;
	htlb_drop_page(ip, lin);
	return e;
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
	return t->big_n ? big_piece(ip, lin, ctx) : NULL;
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
	ip->tlb.note = TLB_NOTE_NONE;
	memset(ip->tlb.e, 0, sizeof(ip->tlb.e));
	memset(ip->tlb.victim, 0, sizeof(ip->tlb.victim));
	memset(ip->tlb.used, 0, sizeof(ip->tlb.used));
	memset(ip->tlb.nonroot_used, 0, sizeof(ip->tlb.nonroot_used));
	big_clear(&ip->tlb);
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
		return combined && (e->ctx & TLB_CTX_EP4TA) == s->ep4ta;
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
	ip->tlb.note = TLB_NOTE_NONE;
	interp_fetch_drop(ip);
	htlb_flush(ip);
	big_clear(&ip->tlb);
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

/* The walk context of the current state (struct tlb_walk_ctx); for a
 * non-root one with the tag's xlate_key (tlb_load_ctx first). */
static void walk_ctx_get(const struct interp *ip, bool nonroot,
			 struct tlb_walk_ctx *w)
{
	const struct cpu_state *s = &ip->s;
	bool pae_regs = (s->cr4 & CR4_PAE) && !cpu_long_mode(s);

	*w = (struct tlb_walk_ctx){
		.cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer,
	};
	if (pae_regs && s->pdpte_valid) {
		memcpy(w->pdpte, s->pdpte, sizeof(w->pdpte));
		w->pdpte_valid = true;
	}
	if (nonroot)
		memcpy(w->xlate, ip->tlb.xlate_key, sizeof(w->xlate));
}

/* Every member compared (differences ORed: no branch, no memcmp call;
 * this runs at each VM entry and exit). */
static bool walk_ctx_equal(const struct tlb_walk_ctx *a,
			   const struct tlb_walk_ctx *b)
{
	uint64_t d = (a->cr0 ^ b->cr0) | (a->cr3 ^ b->cr3) |
		     (a->cr4 ^ b->cr4) | (a->efer ^ b->efer) |
		     (uint64_t)(a->pdpte_valid ^ b->pdpte_valid);

	for (unsigned i = 0; i < 4; i++)
		d |= (a->pdpte[i] ^ b->pdpte[i]) | (a->xlate[i] ^ b->xlate[i]);
	return !d;
}

/* walk_ctx_equal() of the current state's walk context and w (one
 * walk_ctx_get() made for the same kind, root or not), without making the
 * former: every VM entry and exit asks.  Such a w has pdpte[] all 0
 * unless pdpte_valid, and xlate[] all 0 if a root one. */
static inline bool walk_ctx_is(const struct interp *ip, bool nonroot,
			       const struct tlb_walk_ctx *w)
{
	const struct cpu_state *s = &ip->s;
	bool pdpte = (s->cr4 & CR4_PAE) && !cpu_long_mode(s) &&
		     s->pdpte_valid;
	uint64_t d = (s->cr0 ^ w->cr0) | (s->cr3 ^ w->cr3) |
		     (s->cr4 ^ w->cr4) | (s->efer ^ w->efer) |
		     (uint64_t)(pdpte ^ w->pdpte_valid);

	for (unsigned i = 0; pdpte && i < 4; i++)
		d |= s->pdpte[i] ^ w->pdpte[i];
	for (unsigned i = 0; nonroot && i < 4; i++)
		d |= ip->tlb.xlate_key[i] ^ w->xlate[i];
	return !d;
}

/* The writes to pages a walk of this kind reads: the paging structures'
 * and, for L2's (EPT), the EPT's.  Both only grow, so an equal sum means
 * neither moved. */
static uint64_t walk_writes(const struct interp *ip, bool nonroot)
{
	const struct guest_mem *m = ip->cfg.mem;

	return nonroot ? m->pt_writes + m->ept_writes : m->pt_writes;
}

/* The number of the walk context of now: a new one for each change (the
 * root's and the non-root's apart). */
static uint64_t walk_ctx_number(struct interp *ip, bool nonroot)
{
	struct tlb *t = &ip->tlb;
	struct tlb_walk_ctx now;
	struct tlb_walk_ctx *last = nonroot ? &t->nonroot_wctx : &t->root_wctx;
	uint64_t *id = nonroot ? &t->nonroot_ctxid : &t->root_ctxid;

	walk_ctx_get(ip, nonroot, &now);
	if (!walk_ctx_equal(&now, last)) {
		*last = now;
		++*id;
	}
	return *id;
}

void tlb_stamp(struct interp *ip, struct tlb_entry *e, bool ram_walk,
	       const struct tlb_entry *merged)
{
	unsigned idx = (unsigned)(e->vpn_tag >> 12) & (TLB_SETS - 1);
	bool nonroot = ip->tlb.ctx & TLB_CTX_NONROOT;

	e->ctxid = 0;
	e->ptw = TLB_PTW_NEVER;
	if (nonroot) {
		/* L2's: the next entry with VPIDs off judges these sets
		 * (judge_nonroot); a walk outside RAM or a dependency the
		 * tag's key does not cover: never kept. */
		ip->tlb.nonroot_used[idx / 64] |= 1ull << (idx % 64);
		if (!ram_walk || !ip->tlb.xlate_keep)
			return;
	} else if (!ram_walk) {
		/* The next exit then judges every way and drops it. */
		ip->cfg.mem->pt_writes++;
		return;
	}
	e->ctxid = walk_ctx_number(ip, nonroot);
	e->ptw = walk_writes(ip, nonroot);
	/* Permissions kept from an older walk are exact only if it is. */
	if (merged && (merged->ptw != e->ptw || merged->ctxid != e->ctxid))
		e->ptw = TLB_PTW_NEVER;
}

/* Drop the VPID-0 ways of the sets in map that keep() refuses. */
static void drop_vpid0(struct interp *ip, uint64_t *map, bool same_ctx,
		       bool (*keep)(struct interp *, const struct tlb_entry *,
				    bool))
{
	for (unsigned word = 0; word < TLB_SETS / 64; word++) {
		uint64_t bits = map[word];

		map[word] = 0;
		while (bits) {
			unsigned i = word * 64 + (unsigned)__builtin_ctzll(bits);
			struct tlb_entry *set = ip->tlb.e[i];
			bool left = false;

			bits &= bits - 1;
			for (unsigned w = 0; w < TLB_WAYS; w++) {
				struct tlb_entry *e = &set[w];

				if (e->vpn_tag && e->vpid == 0 &&
				    !keep(ip, e, same_ctx))
					e->vpn_tag = 0;
				left |= e->vpn_tag != 0;
			}
			if (!left)
				ip->tlb.used[word] &= ~(1ull << (i % 64));
		}
	}
}

/*
 * After a VM exit with "enable VPID" = 0, which invalidates every
 * mapping of VPID 0000H (SDM 29.4.3.3): a root-operation one is kept when
 * a page walk now would make it again exactly, with no side effect: it
 * was made under the walk context of now (the host state) and no page
 * any walk read was written since (guest_mem pt_writes unchanged), so
 * the walk would read the same entries, find their accessed flags (and
 * the leaf's dirty flag, if it allows writes) set and write nothing;
 * keeping it cannot be observed.  L2's stay: L1 cannot use them (tagged
 * TLB_CTX_NONROOT) and the next entry with VPIDs off judges them.
 */
static bool exact_now(struct interp *ip, const struct tlb_entry *e,
		      bool same_ctx)
{
	if (e->ctx & TLB_CTX_NONROOT)
		return true;
	return same_ctx && e->ctxid == ip->tlb.root_ctxid &&
	       e->ptw == ip->cfg.mem->pt_writes;
}

/*
 * A VM entry with "enable VPID" = 0 (SDM 29.4.3.3), the other half: an
 * L2 translation of VPID 0000H (only L2 runs with that tag in non-root
 * operation, and only after such an entry) is kept when a walk now would
 * make it again exactly, as exact_now() judges L1's: it was made under
 * the walk context of now - guest CR0/CR3/CR4/EFER/PDPTEs as loaded and
 * the VMX layer's xlate_key (EPTP, controls, APIC-access address) - and
 * no page a walk read, the guest's paging structures or EPT's, was
 * written since.  The others go.
 */
static void judge_nonroot(struct interp *ip)
{
	struct tlb *t = &ip->tlb;
	uint64_t writes = walk_writes(ip, true);
	bool same;

	tlb_load_ctx(ip);       /* the tag and key of the state entered */
	t->note = t->note == TLB_NOTE_TAKEN ? TLB_NOTE_ENTERED : TLB_NOTE_NONE;
	same = t->xlate_keep && walk_ctx_is(ip, true, &t->nonroot_wctx);
	for (unsigned word = 0; word < TLB_SETS / 64; word++) {
		uint64_t bits = t->nonroot_used[word];

		while (bits) {
			unsigned i = word * 64 + (unsigned)__builtin_ctzll(bits);
			uint64_t bit = 1ull << (i % 64);
			bool left = false, l2_left = false;

			bits &= bits - 1;
			for (unsigned w = 0; w < TLB_WAYS; w++) {
				struct tlb_entry *e = &t->e[i][w];
				bool l2 = e->vpn_tag && e->vpid == 0 &&
					  (e->ctx & TLB_CTX_NONROOT);

				if (l2 && !(same && e->ctxid == t->nonroot_ctxid &&
					    e->ptw == writes))
					e->vpn_tag = 0;
				l2_left |= l2 && e->vpn_tag;
				left |= e->vpn_tag != 0;
			}
			if (!l2_left)
				t->nonroot_used[word] &= ~bit;
			if (!left)
				t->used[word] &= ~bit;
		}
	}
}

/*
 * VM entries and exits with VPIDs off.  The root-operation translations
 * are apart from L2's while L2 runs and L2's from L1's while L1 runs
 * (TLB_CTX_NONROOT: both are VPID 0000H).  An entry judges L2's
 * (judge_nonroot), an exit L1's: when nothing changed since the last
 * exit kept them (same walk context number, no write to a walked page)
 * they all are still exact and nothing is visited; else every VPID-0
 * way is judged.  (A root one stamped TLB_PTW_NEVER since comes with a
 * new number: a write, a new context or the bump of a walk outside RAM.)
 */
static void tlb_transition(struct interp *ip, bool to_root)
{
	struct tlb *t = &ip->tlb;
	uint64_t sets[TLB_SETS / 64];
	bool same_ctx;

	ip->fetch_valid = false;
	htlb_flush(ip);
	big_clear(t);
	if (!to_root) {
		judge_nonroot(ip);
		return;
	}
	same_ctx = walk_ctx_is(ip, false, &t->root_wctx);
	if (same_ctx && t->root_ctxid == t->exact_ctxid &&
	    ip->cfg.mem->pt_writes == t->exact_ptw) {
		t->note = t->note == TLB_NOTE_ENTERED &&
			  t->note_ctxid == t->root_ctxid ?
			  TLB_NOTE_ARMED : TLB_NOTE_NONE;
		return;
	}
	t->note = TLB_NOTE_NONE;
	memcpy(sets, t->used, sizeof(sets));
	drop_vpid0(ip, sets, same_ctx, exact_now);
	t->exact_ctxid = t->root_ctxid;
	t->exact_ptw = ip->cfg.mem->pt_writes;
}

/*
 * L1's host-pointer TLB across a round trip to L2 with VPIDs off.  The
 * entry and the exit empty the htlb (new generations), so L1's handler
 * paid a TLB lookup again for every page it touched.  The generation
 * current at L1's VMLAUNCH/VMRESUME (tlb_note_vm_entry) comes back at
 * the first tag load after the exit when
 *  - the exit kept every root-operation translation without judging one
 *    (tlb_transition's fast path): no write to a page any walk read and
 *    no new root walk context since the last judge, so every root
 *    translation, then (at the VMRESUME) as now, is what a walk under
 *    that context would make, with the accessed and dirty flags it
 *    needs already set (exact_now);
 *  - L1's walk context (CR0/CR3/CR4/EFER/PDPTEs) is the one it had at
 *    the VMRESUME - the last root walk's (root_wctx), whose number did
 *    not move since: the same translations, the same permission rules
 *    (CPL and RFLAGS.AC are in each entry's tag);
 *  - nothing dropped translations since (drop, tlb_flush, a PCID switch,
 *    the debugger's watchpoints: they forget the note), and the
 *    generations did not wrap (one handed out since is above it).
 * Each entry of that generation was made from such a translation, so it
 * is still what a walk would give, even if L2 evicted the TLB's copy
 * (htlb_drop_page emptied its slot then anyway).
 */
void tlb_note_vm_entry(struct interp *ip)
{
	struct tlb *t = &ip->tlb;

	t->note = TLB_NOTE_NONE;
	if (!t->ctx_valid || (t->ctx & TLB_CTX_NONROOT) || ip->htlb.off ||
	    t->flush_always || !walk_ctx_is(ip, false, &t->root_wctx))
		return;
	t->note_ctxid = t->root_ctxid;
	t->note_gen = ip->htlb.gen;
	t->note_wraps = ip->htlb.wraps;
	t->note = TLB_NOTE_TAKEN;
}

static void htlb_back(struct interp *ip, const struct tlb_context *c)
{
	struct tlb *t = &ip->tlb;

	t->note = TLB_NOTE_NONE;
	if (!c->nonroot && !ip->htlb.off &&
	    ip->htlb.wraps == t->note_wraps &&
	    t->note_ctxid == t->root_ctxid &&
	    walk_ctx_is(ip, false, &t->root_wctx)) {
		ip->htlb.gen = t->note_gen;
		ip->blk_key_ok = false;     /* the key carries gen */
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
	if (iv->transition && iv->scope == TLB_INV_VPID && iv->vpid == 0 &&
	    !ip->tlb.flush_always) {
		tlb_transition(ip, iv->to_root);
		return;
	}
	drop(ip, &(struct sel){
		.scope = iv->scope, .vpid = iv->vpid,
		.ep4ta = iv->ep4ta & 0x000ffffffffff000ull,
		.linear = iv->linear, .pcid = -1,
		.keep_global = iv->scope == TLB_INV_VPID_NONGLOBAL,
	});
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
	ip->tlb.note = TLB_NOTE_NONE;
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
