// SPDX-License-Identifier: MIT
/*
 * The 4-level EPT walk (SDM 29.3.2) with misconfiguration detection
 * (SDM 29.3.3.1) and accessed/dirty flags (SDM 29.3.5).
 */
#include "vmx/ept_walk.h"

static uint64_t bits_above(unsigned width)
{
	/* Bits 51:width of an entry (physical-address bits above MAXPHYADDR). */
	if (width >= 52)
		return 0;
	return ((1ull << 52) - 1) & ~((1ull << width) - 1);
}

/* Reserved bits of a *present* entry at `level` (4 = PML4E .. 1 = PTE). */
static uint64_t ept_reserved(const struct ept_walk_cfg *cfg, unsigned level,
			     uint64_t e)
{
	uint64_t rsvd = bits_above(cfg->maxphyaddr);

	switch (level) {
	case 4:
		rsvd |= 0xf8;                         /* bits 7:3 */
		break;
	case 3:
		if (e & EPTE_LARGE)
			rsvd |= cfg->page_1g ? 0x3ffff000ull : EPTE_LARGE;
		else
			rsvd |= 0x78;                 /* bits 6:3 */
		break;
	case 2:
		if (e & EPTE_LARGE)
			rsvd |= cfg->page_2m ? 0x1ff000ull : EPTE_LARGE;
		else
			rsvd |= 0x78;
		break;
	default:
		break;
	}
	return rsvd;
}

/* With mode-based execute control, bit 10 (execute for user-mode linear
 * addresses) makes an entry present too (SDM 29.3.2). */
static uint64_t present_bits(const struct ept_walk_cfg *cfg)
{
	return cfg->mbec ? EPTE_RWX | EPTE_XU : EPTE_RWX;
}

static bool ept_entry_misconfigured(const struct ept_walk_cfg *cfg,
				    unsigned level, uint64_t e, bool leaf)
{
	if ((e & (EPTE_R | EPTE_W)) == EPTE_W)
		return true;
	/* Execute-only (with MBEC: XS or XU without R) needs IA32_VMX_
	 * EPT_VPID_CAP[0] (SDM 29.3.3.1). */
	if (!cfg->exec_only && !(e & (EPTE_R | EPTE_W)) &&
	    (e & (present_bits(cfg) & ~(EPTE_R | EPTE_W))))
		return true;
	if (e & ept_reserved(cfg, level, e))
		return true;
	if (leaf && !ept_memtype_valid((e & EPTE_MT_MASK) >> EPTE_MT_SHIFT))
		return true;
	return false;
}

static unsigned perms_of(const struct ept_walk_cfg *cfg, uint64_t e)
{
	unsigned p = (unsigned)(e & EPTE_RWX) << 3;   /* Table 28-7 5:3 */

	if (cfg->mbec && (e & EPTE_XU))
		p |= EPT_PERM_XU;                      /* Table 28-7 bit 6 */
	return p;
}

/* SDM 29.3.3.2: with mode-based execute control a fetch needs XS (bit 2)
 * from a supervisor-mode linear address, XU (bit 10) from a user-mode
 * one. */
static bool access_allowed(const struct ept_walk_cfg *cfg, unsigned access,
			   unsigned perms)
{
	unsigned x = EPT_PERM_X;

	if (cfg->mbec && (access & EPT_ACC_USER_LA))
		x = EPT_PERM_XU;
	if ((access & EPT_ACC_READ) && !(perms & EPT_PERM_R))
		return false;
	if ((access & EPT_ACC_WRITE) && !(perms & EPT_PERM_W))
		return false;
	if ((access & EPT_ACC_FETCH) && !(perms & x))
		return false;
	return true;
}

void ept_walk_only(const struct guest_mem *mem, const struct ept_walk_cfg *cfg,
		   uint64_t eptp, uint64_t gpa, unsigned access,
		   struct ept_walk_result *r)
{
	uint64_t addr_mask = ((1ull << 52) - 1) & ~0xfffull;
	uint64_t table = eptp & addr_mask;
	uint64_t e = 0;
	unsigned level;

	r->outcome = EPT_OK;
	r->hpa = 0;
	r->perms = EPT_PERM_R | EPT_PERM_W | EPT_PERM_X |
		   (cfg->mbec ? EPT_PERM_XU : 0);
	r->mem_type = 0;
	r->n_entries = 0;
	r->last_entry = 0;
	for (level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t idx = (gpa >> shift) & 0x1ff;
		uint64_t egpa = table + idx * 8;
		bool leaf;

		r->level = level;
		if (!gmem_read_u64(mem, egpa, &e)) {
			/* A table outside RAM reads as all ones on real
			 * hardware: a misconfiguration, never a host access. */
			r->outcome = EPT_MISCONFIG;
			return;
		}
		r->entry_gpa[r->n_entries++] = egpa;
		r->last_entry = e;
		if (!(e & present_bits(cfg))) {
			r->perms = 0;
			r->outcome = EPT_VIOLATION;
			return;
		}
		leaf = level == 1 || (level <= 3 && (e & EPTE_LARGE));
		if (ept_entry_misconfigured(cfg, level, e, leaf)) {
			r->outcome = EPT_MISCONFIG;
			return;
		}
		r->perms &= perms_of(cfg, e);
		if (leaf)
			break;
		table = e & addr_mask;
	}
	if (!access_allowed(cfg, access, r->perms)) {
		r->outcome = EPT_VIOLATION;
		return;
	}
	{
		uint64_t page_mask = (1ull << (12 + 9 * (level - 1))) - 1;

		r->hpa = (e & addr_mask & ~page_mask) | (gpa & page_mask);
		r->mem_type = (uint8_t)((e & EPTE_MT_MASK) >> EPTE_MT_SHIFT);
	}
}

/* The flags entry i of a walk gets: A always, D on the leaf of a write. */
static uint64_t ad_bits(const struct ept_walk_result *r, unsigned i,
			unsigned access)
{
	if (i == r->n_entries - 1 && (access & EPT_ACC_WRITE))
		return EPTE_A | EPTE_D;
	return EPTE_A;
}

bool ept_ad_needed(const struct guest_mem *mem,
		   const struct ept_walk_result *r, unsigned access)
{
	for (unsigned i = 0; i < r->n_entries; i++) {
		uint64_t e, want = ad_bits(r, i, access);

		if (gmem_read_u64(mem, r->entry_gpa[i], &e) &&
		    (e & want) != want)
			return true;
	}
	return false;
}

bool ept_ad_set(struct guest_mem *mem, const struct ept_walk_result *r,
		unsigned access)
{
	bool dirtied = false;

	for (unsigned i = 0; i < r->n_entries; i++) {
		uint64_t e, want = ad_bits(r, i, access);

		if (!gmem_read_u64(mem, r->entry_gpa[i], &e) ||
		    (e & want) == want)
			continue;
		if ((want & EPTE_D) && !(e & EPTE_D))
			dirtied = true;
		gmem_write_u64(mem, r->entry_gpa[i], e | want);
	}
	return dirtied;
}

void ept_walk(struct guest_mem *mem, const struct ept_walk_cfg *cfg,
	      uint64_t eptp, uint64_t gpa, unsigned access,
	      struct ept_walk_result *r)
{
	ept_walk_only(mem, cfg, eptp, gpa, access, r);
	if (r->outcome == EPT_OK && (eptp & EPTP_AD))
		ept_ad_set(mem, r, access);
}
