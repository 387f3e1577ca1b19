// SPDX-License-Identifier: MIT
/*
 * Linear -> guest-physical translation: 32-bit, PAE and 4-level paging
 * (SDM 4.3-4.5), access rights (SDM 4.6), page-fault error codes (SDM 4.7),
 * accessed/dirty flags (SDM 4.8) and a small direct-mapped software TLB.
 *
 * In VMX non-root operation with EPT every guest-physical address,
 * including the paging-structure entries of the walk, goes through the
 * intercept hook's translate_gpa().
 */
#include "engine/interp/sys.h"
#include "engine/interp/htlb.h"

#include <string.h>

#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_US  (1ull << 2)
#define PTE_A   (1ull << 5)
#define PTE_D   (1ull << 6)
#define PTE_PS  (1ull << 7)
#define PTE_G   (1ull << 8)
#define PTE_XD  (1ull << 63)

/* TLB permission bits beyond the shared ones: which accesses the EPT hook
 * has approved for this entry. */
#define TLB_OK_R  (1u << 4)
#define TLB_OK_X  (1u << 5)

#define EPT_R 1u
#define EPT_W 2u
#define EPT_X 4u
#define EPT_ULA 8u   /* user-mode linear address (intercept.h) */

static enum icpt_result hook_xlate(struct interp *ip, uint64_t gpa,
				   unsigned acc, uint64_t gla, bool gla_valid,
				   bool in_walk, uint64_t *out)
{
	const struct x86_intercept_ops *ops = ip->cfg.icpt;

	enum icpt_result r;
	uint64_t next;

	interp_icpt_init(ip);
	ip->icpt.access_size = 0;
	if (gla_valid && !in_walk) {
		/* The data access's own translation: its size, once (a
		 * fault leaves no stale size for the next one). */
		ip->icpt.access_size = ip->acc_size;
		ip->acc_size = 0;
	}
	ip->icpt.no_tlb = false;
	next = hook_rip_enter(ip);
	r = ops->translate_gpa(ip->cfg.icpt_opaque, &ip->icpt, gpa, acc, gla,
			       gla_valid, in_walk, out);
	hook_rip_leave(ip, r, next);
	if (ip->icpt.no_tlb && !in_walk) {
		ip->xlate_no_tlb = true;
		/* APIC-write emulation may be due after this instruction:
		 * end the batch so the boundary hook sees it. */
		if (ip->icpt.boundary_wanted)
			ip->batch_break = true;
	}
	return r;
}

/*
 * In root operation the VMX layer's translate_gpa is the identity and
 * has no side effect (intercept.h): a hook that also reports the TLB
 * context says so through tlb_context's nonroot, which the TLB holds
 * while ctx_valid (tlb_load_ctx; every VM entry and exit drops it).
 * Then the page walk's five hook calls (each with the hook's RIP and
 * flags bookkeeping) are not needed.  Hooks without tlb_context (test
 * fakes that translate in any mode) are always asked; --vmx-check's
 * probing walks keep their own path.
 */
static inline bool root_identity(const struct interp *ip)
{
	return ip->cfg.icpt->tlb_context && ip->tlb.ctx_valid &&
	       !(ip->tlb.ctx & TLB_CTX_NONROOT) && !ip->tlb.probing;
}

static __attribute__((noinline)) uint64_t
gpa_xlate_hook(struct interp *ip, uint64_t gpa, unsigned acc, uint64_t gla,
	       bool gla_valid, bool in_walk)
{
	uint64_t out = gpa;

	if (ip->tlb.probing) {
		/* A --vmx-check walk: no A/D flags, no VM exit. */
		interp_icpt_init(ip);
		if (!ip->cfg.icpt->probe_gpa)
			return gpa;
		if (!ip->cfg.icpt->probe_gpa(ip->cfg.icpt_opaque, &ip->icpt,
					     gpa, &out)) {
			ip->tlb.probe_failed = true;
			return 0;
		}
		return out;
	}
	switch (hook_xlate(ip, gpa, acc, gla, gla_valid, in_walk, &out)) {
	case ICPT_SWITCHED:
		interp_abort_switched(ip);
	case ICPT_FAULT:
		longjmp(ip->fault_jmp, 1);
	default:
		return out;
	}
}

/* The walk's calls: the common no-hook and root cases inline. */
static inline __attribute__((always_inline)) uint64_t
gpa_xlate(struct interp *ip, uint64_t gpa, unsigned acc, uint64_t gla,
	  bool gla_valid, bool in_walk)
{
	if (!ip->cfg.icpt || !ip->cfg.icpt->translate_gpa || root_identity(ip))
		return gpa;
	return gpa_xlate_hook(ip, gpa, acc, gla, gla_valid, in_walk);
}

uint64_t mmu_gpa_xlate(struct interp *ip, uint64_t gpa, unsigned acc,
		       uint64_t gla, bool gla_valid, bool in_walk)
{
	return gpa_xlate(ip, gpa, acc, gla, gla_valid, in_walk);
}

void mmu_read_pdptes(struct interp *ip, uint64_t cr3, uint64_t pdpte[4])
{
	uint64_t pdpt = cr3 & 0xffffffe0ull;

	/* 32-byte aligned: the four entries are in one page. */
	phys_read(ip, gpa_xlate(ip, pdpt, EPT_R, 0, false, false), pdpte,
		  4 * sizeof(pdpte[0]));
}

/* ---- permission checks (SDM 4.6) ---- */

static inline bool acc_is_user(const struct interp *ip, unsigned access)
{
	return !(access & ACC_SUPER) && cpu_cpl(&ip->s) == 3;
}

static bool perms_allow(const struct interp *ip, unsigned perms,
			unsigned access)
{
	const struct cpu_state *s = &ip->s;
	bool user = acc_is_user(ip, access);
	unsigned kind = ACC_KIND(access);

	if (kind == ACC_FETCH) {
		if (perms & TLB_NX)
			return false;
		if (user)
			return perms & TLB_U;
		return !((perms & TLB_U) && (s->cr4 & CR4_SMEP));
	}
	if (user)
		return (perms & TLB_U) && (kind != ACC_WRITE || (perms & TLB_W));
	/* Supervisor data access to a user page: SMAP (SDM 4.6.1). */
	if ((perms & TLB_U) && (s->cr4 & CR4_SMAP) &&
	    ((access & ACC_SUPER) || cpu_cpl(s) == 3 ||
	     !(s->rflags & RFLAGS_AC)))
		return false;
	if (kind == ACC_WRITE && !(perms & TLB_W) && (s->cr0 & CR0_WP))
		return false;
	return true;
}

/* Page-fault error code for a fault on lin (SDM 4.7). */
static uint32_t pf_error(const struct interp *ip, unsigned access,
			 uint32_t bits)
{
	const struct cpu_state *s = &ip->s;
	uint32_t err = bits;

	if (ACC_KIND(access) == ACC_WRITE)
		err |= PF_W;
	if (acc_is_user(ip, access))
		err |= PF_U;
	/* I/D is reported when execute-disable or SMEP can apply. */
	if (ACC_KIND(access) == ACC_FETCH &&
	    (((s->cr4 & CR4_PAE) && (s->efer & EFER_NXE)) ||
	     (s->cr4 & CR4_SMEP)))
		err |= PF_I;
	return err;
}

static bool pf_or_probe(struct interp *ip, uint64_t lin, unsigned access,
			bool probe, uint32_t bits)
{
	if (probe)
		return false;
	interp_raise_pf(ip, lin, pf_error(ip, access, bits));
}

/* ---- page walk ---- */

struct walk {
	uint64_t entry_gpa[4];   /* guest-physical address of each entry */
	uint64_t entry[4];
	unsigned esize;          /* 4 or 8 */
	unsigned n;              /* entries read */
	unsigned perms;          /* TLB_W | TLB_U | TLB_NX, combined */
	uint64_t page_gpa;       /* guest-physical of the 4K page */
	unsigned shift;          /* log2 of the page size */
	bool not_ram;            /* an entry was read from outside RAM */
};

static uint64_t maxphy_mask(const struct interp *ip)
{
	return cpu_model_pa_mask(&ip->cfg.model);
}

static uint64_t read_entry(struct interp *ip, struct walk *w, uint64_t gpa,
			   uint64_t lin)
{
	uint64_t hpa = gpa_xlate(ip, gpa, EPT_R, lin, true, true);
	struct guest_mem *gm = ip->cfg.mem;
	uint64_t v = 0;

	if (__builtin_expect(gmem_range_ok(gm, hpa, 8) &&
			     gmem_page_bit(gm->pt_pages, hpa), 1)) {
		/* RAM, already marked as a paging-structure page. */
		if (w->esize == 8)
			memcpy(&v, gm->host + hpa, 8);
		else
			memcpy(&v, gm->host + hpa, 4);
	} else {
		phys_read(ip, hpa, &v, w->esize);
		/* Writes to the page from now on count (tlb_stamp). */
		if (!gmem_mark_pt_page(gm, hpa))
			w->not_ram = true;
	}
	w->entry_gpa[w->n] = gpa;
	w->entry[w->n] = v;
	w->n++;
	return v;
}

/* Reserved bits of a 64-bit paging entry at level (4 = PML4E .. 1 = PTE)
 * for 4-level and PAE paging (SDM 4.4.2, 4.5.4). */
static uint64_t rsvd_bits64(const struct interp *ip, unsigned level,
			    uint64_t e, bool four_level)
{
	uint64_t r = ~maxphy_mask(ip) & ((1ull << 52) - 1);

	if (!four_level)
		r |= 0x7ff0000000000000ull;   /* PAE: bits 62:52 reserved */
	if (!(ip->s.efer & EFER_NXE))
		r |= PTE_XD;
	if (level == 4)
		r |= PTE_PS;
	else if (level == 3 && (e & PTE_PS))
		r |= 0x3fffe000ull;            /* 1G page: bits 29:13 */
	else if (level == 2 && (e & PTE_PS))
		r |= 0x1fe000ull;              /* 2M page: bits 20:13 */
	return r;
}

static void walk_accumulate(struct walk *w, uint64_t e, bool nx_on)
{
	if (!(e & PTE_RW))
		w->perms &= ~TLB_W;
	if (!(e & PTE_US))
		w->perms &= ~TLB_U;
	if (nx_on && (e & PTE_XD))
		w->perms |= TLB_NX;
}

/* 4-level or PAE walk.  Returns 0 on success, else the PF error bits, with
 * 0x100 standing for "not present" (P=0). */
static uint32_t walk64(struct interp *ip, uint64_t lin, struct walk *w)
{
	const struct cpu_state *s = &ip->s;
	bool four = cpu_long_mode(s);
	bool nx_on = s->efer & EFER_NXE;
	uint64_t addr_mask = maxphy_mask(ip) & ~0xfffull;
	unsigned level = four ? 4 : 3;
	uint64_t table = four ? (s->cr3 & addr_mask) : (s->cr3 & 0xffffffe0ull);

	w->esize = 8;
	if (!four) {
		/* PAE: the PDPTE comes from the PDPTE registers, not from
		 * memory (SDM 4.4.1).  Registers the MOV to CR / VM entry
		 * loaded have no reserved bit set; lazily loaded ones (state
		 * set from outside) may, and fault as a reserved bit did
		 * before there were registers. */
		uint64_t e;

		if (!s->pdpte_valid) {
			mmu_read_pdptes(ip, s->cr3, ip->s.pdpte);
			ip->s.pdpte_valid = true;
		}
		e = s->pdpte[(lin >> 30) & 3];
		if (!(e & PTE_P))
			return 0x100;
		if (e & ((~maxphy_mask(ip)) | 0x1e6ull))
			return PF_P | PF_RSVD;
		table = e & addr_mask;
		level = 2;
	}
	for (;; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t e = read_entry(ip, w, table + ((lin >> shift) & 511) * 8,
					lin);

		if (!(e & PTE_P))
			return 0x100;   /* not present: P=0 (marker bit) */
		if (e & rsvd_bits64(ip, level, e, four))
			return PF_P | PF_RSVD;
		walk_accumulate(w, e, nx_on);
		if (level == 1 || (level <= 3 && (e & PTE_PS))) {
			uint64_t page_mask = (1ull << shift) - 1;

			w->page_gpa = ((e & addr_mask & ~page_mask) |
				       (lin & page_mask)) & ~0xfffull;
			w->shift = shift;
			return 0;
		}
		table = e & addr_mask;
	}
}

/* 32-bit paging (SDM 4.3). */
static uint32_t walk32(struct interp *ip, uint64_t lin, struct walk *w)
{
	const struct cpu_state *s = &ip->s;
	uint64_t pde, pte;

	w->esize = 4;
	pde = read_entry(ip, w, (s->cr3 & 0xfffff000ull) + ((lin >> 22) & 1023) * 4,
			 lin);
	if (!(pde & PTE_P))
		return 0x100;
	walk_accumulate(w, pde, false);
	if ((pde & PTE_PS) && (s->cr4 & CR4_PSE)) {
		unsigned m = cpu_model_maxphyaddr(&ip->cfg.model);
		uint64_t hi = (pde >> 13) & 0xff;
		uint64_t rsvd = 1ull << 21;

		if (m < 40)
			rsvd |= (0xffull << (13 + (m > 32 ? m - 32 : 0))) & 0x1fe000ull;
		if (pde & rsvd)
			return PF_P | PF_RSVD;
		w->page_gpa = (pde & 0xffc00000ull) | (hi << 32) |
			      (lin & 0x3ff000ull);
		w->shift = 22;
		return 0;
	}
	pte = read_entry(ip, w, (pde & 0xfffff000ull) + ((lin >> 12) & 1023) * 4,
			 lin);
	if (!(pte & PTE_P))
		return 0x100;
	walk_accumulate(w, pte, false);
	w->page_gpa = pte & 0xfffff000ull;
	w->shift = 12;
	return 0;
}

/* Set accessed flags (and dirty on the leaf for writes), SDM 4.8.  PAE
 * PDPTEs are registers, not walk entries: they have no accessed flag. */
static void walk_set_ad(struct interp *ip, struct walk *w, uint64_t lin,
			bool write)
{
	for (unsigned i = 0; i < w->n; i++) {
		uint64_t e = w->entry[i];
		uint8_t lo = (uint8_t)e;
		bool leaf = i == w->n - 1;
		uint8_t want = lo;

		want |= PTE_A;
		if (leaf && write)
			want |= PTE_D;
		if (want != lo) {
			uint64_t hpa = gpa_xlate(ip, w->entry_gpa[i],
						     EPT_R | EPT_W, lin, true, true);

			phys_write(ip, hpa, &want, 1);
			w->entry[i] = (e & ~0xffull) | want;
		}
	}
}

static unsigned ept_bits(unsigned access)
{
	switch (ACC_KIND(access)) {
	case ACC_WRITE: return EPT_W;
	case ACC_FETCH: return EPT_X;
	default: return EPT_R;
	}
}

static unsigned tlb_ok_bit(unsigned access)
{
	switch (ACC_KIND(access)) {
	case ACC_WRITE: return TLB_DIRTY;
	case ACC_FETCH: return TLB_OK_X;
	default: return TLB_OK_R;
	}
}

/* May an access go through a TLB entry with perms without a walk (the
 * dirty flag already set for a write, SDM 4.8)? */
static bool tlb_perms_allow(const struct interp *ip, unsigned perms,
			    unsigned access)
{
	return (perms & tlb_ok_bit(access)) && perms_allow(ip, perms, access);
}

/* Would a data write through an entry with perms be a TLB hit? */
static bool xlate_write_hits(const struct interp *ip, unsigned perms)
{
	return tlb_perms_allow(ip, perms, ACC_WRITE);
}

/* Cache the walk's translation under the current tag (SDM 4.10.2). */
static void tlb_fill(struct interp *ip, uint64_t lin, const struct walk *w,
		     uint64_t hpa, unsigned perms)
{
	/* Global: G in the leaf with CR4.PGE (SDM 4.10.2.4); 32-bit
	 * paging's 4 KiB PTEs and 4 MiB PDEs alike carry it in bit 8. */
	bool global = (ip->s.cr4 & CR4_PGE) && (w->entry[w->n - 1] & PTE_G);
	uint64_t ctx = ip->tlb.ctx | tlb_cur_pcid(ip);
	struct tlb_entry *t = tlb_slot(ip, lin, ctx, global);
	struct tlb_entry old = *t;
	bool merged = t->vpn_tag && t->ppn == hpa >> 12;

	if (merged)
		perms |= t->perms & (TLB_OK_R | TLB_OK_X | TLB_DIRTY);
	t->vpn_tag = (lin & ~0xfffull) | 1;
	t->ctx = ctx;
	t->ppn = hpa >> 12;
	t->vpid = ip->tlb.vpid;
	t->perms = (uint8_t)perms;
	t->global = global;
	t->shift = (uint8_t)w->shift;
	t->reported = false;
	t->epoch = ip->tlb.epoch;
	t->gppn = w->page_gpa >> 12;
	tlb_stamp(ip, t, !w->not_ram, merged ? &old : NULL);
	tlb_big_fill(ip, lin, t);
	htlb_drop_page(ip, lin);
	ip->xlate_tlb = true;
	ip->xlate_writable = xlate_write_hits(ip, t->perms);
}

/*
 * --vmx-check: an L2 translation cached before L1 last ran is used again.
 * Walk the paging structures and EPT as they are now, without side
 * effects; a different page (or none) means L1 changed a mapping L2 had
 * cached without the invalidation hardware needs (SDM 29.4.3): report it
 * (once per entry).  vmxbox goes on using the cached translation, as
 * hardware may.
 */
static void tlb_check_entry(struct interp *ip, struct tlb_entry *t,
			    uint64_t lin)
{
	const struct x86_intercept_ops *ops = ip->cfg.icpt;
	struct walk w = { .perms = TLB_W | TLB_U };
	struct tlb_stale st = {
		.linear = lin, .vpid = t->vpid,
		.combined = t->ctx & TLB_CTX_COMBINED,
		.ep4ta = t->ctx & TLB_CTX_EP4TA,
		.cached_gpa = (t->gppn << 12) | (lin & 0xfff),
		.cached_hpa = (t->ppn << 12) | (lin & 0xfff),
	};
	uint32_t bits;
	uint64_t next;

	ip->tlb.probing = true;
	ip->tlb.probe_failed = false;
	bits = (ip->s.cr4 & CR4_PAE) ? walk64(ip, lin, &w) : walk32(ip, lin, &w);
	if (!bits && !ip->tlb.probe_failed) {
		st.now_gpa = w.page_gpa | (lin & 0xfff);
		st.now_hpa = gpa_xlate(ip, st.now_gpa, EPT_R, lin, true,
					   false);
		st.now_mapped = !ip->tlb.probe_failed;
	}
	ip->tlb.probing = false;
	if (st.now_mapped && st.now_hpa >> 12 == t->ppn) {
		t->epoch = ip->tlb.epoch;   /* still right: check again later */
		return;
	}
	t->reported = true;
	if (!ops || !ops->tlb_stale)
		return;
	interp_icpt_init(ip);
	next = hook_rip_enter(ip);
	ops->tlb_stale(ip->cfg.icpt_opaque, &ip->icpt, &st);
	ip->s.rip = next;
}

static bool mmu_walk(struct interp *ip, uint64_t lin, unsigned access,
		     bool probe, uint64_t *gpa)
{
	struct walk w = { .perms = TLB_W | TLB_U };
	bool has_hook = ip->cfg.icpt && ip->cfg.icpt->translate_gpa;
	uint32_t bits;
	uint64_t hpa;
	unsigned perms;

	bits = (ip->s.cr4 & CR4_PAE) ? walk64(ip, lin, &w) : walk32(ip, lin, &w);
	if (bits)
		return pf_or_probe(ip, lin, access, probe, bits & ~0x100u);
	if (!perms_allow(ip, w.perms, access))
		return pf_or_probe(ip, lin, access, probe, PF_P);
	walk_set_ad(ip, &w, lin, ACC_KIND(access) == ACC_WRITE);
	/* The full guest-physical address: an EPT violation reports it with
	 * its page offset (SDM 28.2.1, guest-physical address field). */
	ip->xlate_no_tlb = false;
	hpa = gpa_xlate(ip, w.page_gpa | (lin & 0xfff), ept_bits(access) |
			    ((w.perms & TLB_U) ? EPT_ULA : 0), lin, true, false);
	if (ip->xlate_no_tlb) {
		/* The APIC-access page: ask the VMX layer every time. */
		*gpa = hpa;
		return true;
	}

	perms = w.perms | tlb_ok_bit(access);
	if (!has_hook) {
		perms |= TLB_OK_R | TLB_OK_X;
		if (w.entry[w.n - 1] & PTE_D)
			perms |= TLB_DIRTY;
	}
	tlb_fill(ip, lin, &w, hpa, perms);
	*gpa = (hpa & ~0xfffull) | (lin & 0xfff);
	return true;
}

bool mmu_translate(struct interp *ip, uint64_t lin, unsigned access, bool probe,
		   uint64_t *gpa)
{
	struct tlb_entry *t;

	ip->xlate_tlb = false;
	ip->xlate_writable = false;
	if (!(ip->s.cr0 & CR0_PG)) {
		/* Without paging every linear address is a user-mode one
		 * (SDM Table 28-7, bit 9). */
		*gpa = gpa_xlate(ip, lin, ept_bits(access) | EPT_ULA, lin,
				     true, false);
		return true;
	}
	t = tlb_lookup(ip, lin);
	if (t && tlb_perms_allow(ip, t->perms, access)) {
		if (ip->tlb.check && t->epoch != ip->tlb.epoch && !t->reported &&
		    (t->vpid || (t->ctx & TLB_CTX_COMBINED)))
			tlb_check_entry(ip, t, lin);
		ip->tlb.hits++;
		ip->xlate_tlb = true;
		ip->xlate_writable = ACC_KIND(access) == ACC_READ &&
				     xlate_write_hits(ip, t->perms);
		*gpa = (t->ppn << 12) | (lin & 0xfff);
		return true;
	}
	ip->tlb.misses++;
	return mmu_walk(ip, lin, access, probe, gpa);
}
