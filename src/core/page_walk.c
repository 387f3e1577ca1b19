// SPDX-License-Identifier: MIT
#include "core/page_walk.h"

#define PTE_P    (1ull << 0)
#define PTE_PS   (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

struct walk {
	page_walk_read_fn rd;
	void *opaque;
};

static bool rd64(const struct walk *w, uint64_t gpa, uint64_t *v)
{
	return w->rd(w->opaque, gpa, v, 8);
}

static bool rd32(const struct walk *w, uint64_t gpa, uint64_t *v)
{
	uint32_t x;

	if (!w->rd(w->opaque, gpa, &x, 4))
		return false;
	*v = x;
	return true;
}

/* 4-level (SDM 4.5) and PAE (4.4) walks share the lower levels: 8-byte
 * entries, 512 per table, PS at the 1-GByte and 2-MByte levels. */
static bool walk_from(const struct walk *w, uint64_t table, uint64_t lin,
		      int level, uint64_t *gpa)
{
	for (; level >= 0; level--) {
		unsigned shift = 12 + 9 * (unsigned)level;
		uint64_t e;

		if (!rd64(w, (table & PTE_ADDR) + ((lin >> shift) & 511) * 8, &e) ||
		    !(e & PTE_P))
			return false;
		if (level == 0 || ((level == 1 || level == 2) && (e & PTE_PS))) {
			uint64_t mask = (1ull << shift) - 1;

			*gpa = ((e & PTE_ADDR) & ~mask) | (lin & mask);
			return true;
		}
		table = e;
	}
	return false;
}

/* 32-bit paging (SDM 4.3): 4-byte entries, 4-MByte pages with CR4.PSE
 * (bits 20:13 of the PDE are physical-address bits 39:32). */
static bool walk32(const struct cpu_state *c, const struct walk *w,
		   uint64_t lin, uint64_t *gpa)
{
	uint64_t e;

	if (!rd32(w, (c->cr3 & 0xfffff000ull) + (lin >> 22) * 4, &e) ||
	    !(e & PTE_P))
		return false;
	if ((e & PTE_PS) && (c->cr4 & CR4_PSE)) {
		*gpa = (e & 0xffc00000ull) | ((e & 0x1fe000ull) << 19) |
		       (lin & 0x3fffff);
		return true;
	}
	if (!rd32(w, (e & 0xfffff000ull) + ((lin >> 12) & 1023) * 4, &e) ||
	    !(e & PTE_P))
		return false;
	*gpa = (e & 0xfffff000ull) | (lin & 0xfff);
	return true;
}

bool page_walk(const struct cpu_state *c, uint64_t lin, page_walk_read_fn rd,
	       void *opaque, uint64_t *gpa)
{
	const struct walk w = { rd, opaque };
	uint64_t e;

	if (!(c->cr0 & CR0_PG)) {
		*gpa = cpu_long_mode(c) ? lin : (lin & 0xffffffffull);
		return true;
	}
	if (cpu_long_mode(c))
		return walk_from(&w, c->cr3, lin, 3, gpa);
	lin &= 0xffffffffull;
	if (!(c->cr4 & CR4_PAE))
		return walk32(c, &w, lin, gpa);
	/* PAE: the PDPTE registers, or the PDPT when they are not loaded. */
	if (c->pdpte_valid)
		e = c->pdpte[lin >> 30];
	else if (!rd64(&w, (c->cr3 & 0xffffffe0ull) + (lin >> 30) * 8, &e))
		return false;
	if (!(e & PTE_P))
		return false;
	return walk_from(&w, e, lin, 1, gpa);
}
