// SPDX-License-Identifier: MIT
/*
 * The tagged TLB (src/engine/interp/tlb.c): PCIDs and CR3[63], global
 * pages across MOV CR3, INVLPG on large pages, VPID/EP4TA tags from the
 * VMX layer and the scope of each invalidation the VMX layer asks for
 * (SDM 4.10, 29.4), deterministic replacement, --tlb=flush-always.
 *
 * Every test maps lin 0x400000 through PT[0] (SH_PT) to 0x500000, then
 * rewrites PT[0] to 0x600000 without telling the TLB: a lookup that still
 * gives 0x500000 used the cached translation, 0x600000 walked again.
 */
#include <check.h>
#include <stdlib.h>

#include "engine/interp/sys.h"
#include "sysh.h"

#define PT_P  0x1ull
#define PT_RW 0x2ull
#define PT_G  0x100ull
#define LIN   0x400000ull
#define OLD   0x500000ull
#define NEW   0x600000ull

static struct sysh h;
static struct tlb_context tag;   /* what the fake VMX layer reports */

static void fake_tlb_context(void *opaque, struct tlb_context *out)
{
	(void)opaque;
	*out = tag;
}

static const struct x86_intercept_ops fake_ops = {
	.tlb_context = fake_tlb_context,
};

static void setup(void)
{
	sysh_init(&h);
	h.ip->cfg.icpt = &fake_ops;
	/* PCIDs are not in the default model yet (INVPCID is not
	 * executed); the TLB implements CR4.PCIDE all the same. */
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_PCID, true);
	tag = (struct tlb_context){ 0 };
	sysh_w64(&h, SH_PD + 2 * 8, SH_PT | PT_P | PT_RW);
	sysh_w64(&h, SH_PT, OLD | PT_P | PT_RW);
}

static void teardown(void)
{
	sysh_fini(&h);
}

struct xl { uint64_t lin, gpa; unsigned access; };

static void do_xlate(struct interp *ip, void *arg)
{
	struct xl *x = arg;

	mmu_translate(ip, x->lin, x->access, false, &x->gpa);
}

/* The page lin maps to now for a read, as the CPU sees it. */
static uint64_t page_of(uint64_t lin)
{
	struct xl x = { lin, 0, ACC_READ };

	ck_assert_int_eq(sysh_try(&h, do_xlate, &x), -1);
	return x.gpa & ~0xfffull;
}

static void remap(uint64_t pte)
{
	sysh_w64(&h, SH_PT, pte);
}

static void do_cr3(struct interp *ip, void *arg)
{
	sys_cr_write(ip, 3, *(uint64_t *)arg);
}

static void mov_cr3(uint64_t v)
{
	ck_assert_int_eq(sysh_try(&h, do_cr3, &v), -1);
}

static void do_cr4(struct interp *ip, void *arg)
{
	sys_cr_write(ip, 4, *(uint64_t *)arg);
}

static void mov_cr4(uint64_t v)
{
	ck_assert_int_eq(sysh_try(&h, do_cr4, &v), -1);
}

/* A VM entry or exit as the VMX layer does it: new tag, no invalidation. */
static void switch_to(uint16_t vpid, bool ept, uint64_t ep4ta)
{
	tag = (struct tlb_context){ .vpid = vpid, .ept = ept, .ep4ta = ep4ta };
	tlb_state_switched(h.ip);
}

static void inval(enum tlb_inval_scope scope, uint16_t vpid, uint64_t ep4ta,
		  uint64_t linear)
{
	const struct tlb_inval iv = {
		.scope = scope, .vpid = vpid, .ep4ta = ep4ta, .linear = linear,
	};

	tlb_invalidate(h.ip, &iv);
}

START_TEST(cr3_without_pcid_flushes)
{
	ck_assert_uint_eq(page_of(LIN), OLD);
	remap(NEW | PT_P | PT_RW);
	ck_assert_uint_eq(page_of(LIN), OLD);   /* stale, as hardware may */
	mov_cr3(SH_PML4);
	ck_assert_uint_eq(page_of(LIN), NEW);
}
END_TEST

START_TEST(pcid_tags_and_cr3_bit63)
{
	mov_cr4(h.s->cr4 | CR4_PCIDE);
	mov_cr3(SH_PML4 | 1);
	ck_assert_uint_eq(page_of(LIN), OLD);             /* PCID 1 caches OLD */
	remap(NEW | PT_P | PT_RW);
	mov_cr3(SH_PML4 | 2);                             /* flushes PCID 2 only */
	ck_assert_uint_eq(page_of(LIN), NEW);
	mov_cr3(SH_PML4 | 1 | (1ull << 63));              /* keeps PCID 1 */
	ck_assert_uint_eq(page_of(LIN), OLD);
	mov_cr3(SH_PML4 | 2 | (1ull << 63));
	ck_assert_uint_eq(page_of(LIN), NEW);             /* PCID 2 has its own */
	mov_cr3(SH_PML4 | 1);                             /* bit 63 clear: flush */
	ck_assert_uint_eq(page_of(LIN), NEW);
	/* INVLPG drops the current PCID's entry only. */
	remap(OLD | PT_P | PT_RW);
	tlb_flush_page(h.ip, LIN);
	ck_assert_uint_eq(page_of(LIN), OLD);
	mov_cr3(SH_PML4 | 2 | (1ull << 63));
	ck_assert_uint_eq(page_of(LIN), NEW);
}
END_TEST

START_TEST(global_pages_survive_cr3)
{
	mov_cr4(h.s->cr4 | CR4_PGE);
	remap(OLD | PT_P | PT_RW | PT_G);
	ck_assert_uint_eq(page_of(LIN), OLD);
	remap(NEW | PT_P | PT_RW | PT_G);
	mov_cr3(SH_PML4);
	ck_assert_uint_eq(page_of(LIN), OLD);   /* global: kept */
	tlb_flush_page(h.ip, LIN);              /* INVLPG drops globals too */
	ck_assert_uint_eq(page_of(LIN), NEW);
	/* Toggling CR4.PGE drops everything (SDM 4.10.4.1). */
	remap(OLD | PT_P | PT_RW | PT_G);
	mov_cr4(h.s->cr4 & ~CR4_PGE);
	ck_assert_uint_eq(page_of(LIN), OLD);
	/* With CR4.PGE = 0 the G bit makes nothing global. */
	remap(NEW | PT_P | PT_RW | PT_G);
	mov_cr3(SH_PML4);
	ck_assert_uint_eq(page_of(LIN), NEW);
}
END_TEST

START_TEST(global_pages_match_every_pcid)
{
	mov_cr4(h.s->cr4 | CR4_PGE | CR4_PCIDE);
	mov_cr3(SH_PML4 | 1);
	remap(OLD | PT_P | PT_RW | PT_G);
	ck_assert_uint_eq(page_of(LIN), OLD);
	remap(NEW | PT_P | PT_RW | PT_G);
	mov_cr3(SH_PML4 | 5);
	ck_assert_uint_eq(page_of(LIN), OLD);   /* PCID 1's global entry */
	/* INVLPG under PCID 5 drops it: globals go whatever their PCID. */
	tlb_flush_page(h.ip, LIN);
	mov_cr3(SH_PML4 | 1 | (1ull << 63));
	ck_assert_uint_eq(page_of(LIN), NEW);
}
END_TEST

START_TEST(invlpg_drops_whole_large_page)
{
	uint64_t pde = SH_PD + 3 * 8;   /* lin 0x600000: a 2M page */

	sysh_w64(&h, pde, 0x800000 | PT_P | PT_RW | 0x80);
	ck_assert_uint_eq(page_of(0x6ff000), 0x8ff000);
	ck_assert_uint_eq(page_of(0x600000), 0x800000);
	sysh_w64(&h, pde, 0xa00000 | PT_P | PT_RW | 0x80);
	ck_assert_uint_eq(page_of(0x6ff000), 0x8ff000);
	/* An address inside the page drops every cached piece of it... */
	tlb_flush_page(h.ip, 0x6ab000);
	ck_assert_uint_eq(page_of(0x6ff000), 0xaff000);
	ck_assert_uint_eq(page_of(0x600000), 0xa00000);
	/* ... and none of the neighbouring 4K page at LIN. */
	ck_assert_uint_eq(page_of(LIN), OLD);
	remap(NEW | PT_P | PT_RW);
	tlb_flush_page(h.ip, 0x6ab000);
	ck_assert_uint_eq(page_of(LIN), OLD);
}
END_TEST

START_TEST(vpid_tags_survive_switches)
{
	switch_to(0, false, 0);
	ck_assert_uint_eq(page_of(LIN), OLD);   /* L1, VPID 0 */
	switch_to(7, false, 0);
	ck_assert_uint_eq(page_of(LIN), OLD);   /* L2, VPID 7 */
	remap(NEW | PT_P | PT_RW);
	switch_to(0, false, 0);
	ck_assert_uint_eq(page_of(LIN), OLD);
	switch_to(7, false, 0);
	ck_assert_uint_eq(page_of(LIN), OLD);
	switch_to(8, false, 0);
	ck_assert_uint_eq(page_of(LIN), NEW);   /* another VPID walks */
	/* MOV CR3 in VPID 8 leaves VPID 7's entries alone. */
	mov_cr3(SH_PML4);
	switch_to(7, false, 0);
	ck_assert_uint_eq(page_of(LIN), OLD);
	/* Single-context INVVPID: VPID 7 only. */
	inval(TLB_INV_VPID, 7, 0, 0);
	ck_assert_uint_eq(page_of(LIN), NEW);
	switch_to(0, false, 0);
	ck_assert_uint_eq(page_of(LIN), OLD);
}
END_TEST

START_TEST(invvpid_scopes)
{
	mov_cr4(h.s->cr4 | CR4_PGE);
	sysh_w64(&h, SH_PT + 8, 0x501000 | PT_P | PT_RW | PT_G);
	for (uint16_t v = 0; v <= 2; v++) {
		switch_to(v, false, 0);
		ck_assert_uint_eq(page_of(LIN), OLD);
		ck_assert_uint_eq(page_of(LIN + 0x1000), 0x501000);
	}
	remap(NEW | PT_P | PT_RW);
	sysh_w64(&h, SH_PT + 8, 0x601000 | PT_P | PT_RW | PT_G);
	/* Retaining globals: VPID 1's non-global entry goes, its global
	 * one stays. */
	inval(TLB_INV_VPID_NONGLOBAL, 1, 0, 0);
	switch_to(1, false, 0);
	ck_assert_uint_eq(page_of(LIN), NEW);
	ck_assert_uint_eq(page_of(LIN + 0x1000), 0x501000);
	/* Individual address: that page of VPID 2, global or not. */
	inval(TLB_INV_VPID_ADDR, 2, 0, LIN + 0x1234);
	switch_to(2, false, 0);
	ck_assert_uint_eq(page_of(LIN), OLD);
	ck_assert_uint_eq(page_of(LIN + 0x1000), 0x601000);
	/* All-context: every VPID except 0000H. */
	inval(TLB_INV_ALL_BUT_VPID0, 0, 0, 0);
	ck_assert_uint_eq(page_of(LIN), NEW);
	switch_to(0, false, 0);
	ck_assert_uint_eq(page_of(LIN), OLD);
	ck_assert_uint_eq(page_of(LIN + 0x1000), 0x501000);
}
END_TEST

START_TEST(invept_scopes)
{
	/* Combined mappings of two EP4TAs and a linear one, same VPID. */
	switch_to(3, true, 0x10000);
	ck_assert_uint_eq(page_of(LIN), OLD);
	switch_to(3, true, 0x20000);
	ck_assert_uint_eq(page_of(LIN), OLD);
	switch_to(3, false, 0);
	ck_assert_uint_eq(page_of(LIN), OLD);
	remap(NEW | PT_P | PT_RW);
	/* Single-context: EP4TA 0x10000 only. */
	inval(TLB_INV_EP4TA, 0, 0x10000, 0);
	switch_to(3, true, 0x10000);
	ck_assert_uint_eq(page_of(LIN), NEW);
	switch_to(3, true, 0x20000);
	ck_assert_uint_eq(page_of(LIN), OLD);
	/* All-context: every combined mapping, no linear one. */
	inval(TLB_INV_COMBINED, 0, 0, 0);
	ck_assert_uint_eq(page_of(LIN), NEW);
	switch_to(3, false, 0);
	ck_assert_uint_eq(page_of(LIN), OLD);
	/* Operations for the current VPID drop combined mappings of every
	 * EP4TA as well (SDM 29.4.3.1): CR4.SMEP toggled under EP4TA 1. */
	remap(OLD | PT_P | PT_RW);
	inval(TLB_INV_VPID, 3, 0, 0);
	switch_to(3, true, 0x10000);
	ck_assert_uint_eq(page_of(LIN), OLD);
	switch_to(3, true, 0x20000);
	ck_assert_uint_eq(page_of(LIN), OLD);
	remap(NEW | PT_P | PT_RW);
	mov_cr4(h.s->cr4 | CR4_SMEP);
	switch_to(3, true, 0x10000);
	ck_assert_uint_eq(page_of(LIN), NEW);
}
END_TEST

START_TEST(replacement_is_round_robin)
{
	/* Five tags of one linear page share a 4-way set: the fifth evicts
	 * the first, the others stay. */
	for (uint16_t v = 1; v <= 4; v++) {
		switch_to(v, false, 0);
		ck_assert_uint_eq(page_of(LIN), OLD);
	}
	remap(NEW | PT_P | PT_RW);
	switch_to(5, false, 0);
	ck_assert_uint_eq(page_of(LIN), NEW);
	for (uint16_t v = 2; v <= 4; v++) {
		switch_to(v, false, 0);
		ck_assert_uint_eq(page_of(LIN), OLD);
	}
	switch_to(1, false, 0);
	ck_assert_uint_eq(page_of(LIN), NEW);
}
END_TEST

START_TEST(flush_always_mode)
{
	h.ip->tlb.flush_always = true;
	mov_cr4(h.s->cr4 | CR4_PCIDE);
	ck_assert_uint_eq(page_of(LIN), OLD);
	remap(NEW | PT_P | PT_RW);
	switch_to(0, false, 0);                   /* any switch drops all */
	ck_assert_uint_eq(page_of(LIN), NEW);
	remap(OLD | PT_P | PT_RW);
	mov_cr3(SH_PML4 | (1ull << 63));          /* even with the hint */
	ck_assert_uint_eq(page_of(LIN), OLD);
}
END_TEST

START_TEST(hit_and_miss_counts)
{
	uint64_t h0 = h.ip->tlb.hits, m0 = h.ip->tlb.misses;

	page_of(LIN);
	page_of(LIN + 8);
	page_of(LIN + 16);
	ck_assert_uint_eq(h.ip->tlb.misses - m0, 1);
	ck_assert_uint_eq(h.ip->tlb.hits - h0, 2);
}
END_TEST

/*
 * Large pages: a miss for another 4 KiB piece of a cached 2 MiB / 1 GiB
 * page is served from the large-page entry without a walk, as hardware's
 * large-page TLB entry serves the whole page.  The tests change the PDE
 * without an invalidation: the old frame proves no walk happened.
 */
#define PDE6   (SH_PD + 3 * 8)   /* lin 0x600000: a 2M page */
#define PTE_PS 0x80ull
#define PTE_A  0x20ull
#define PTE_D  0x40ull

static void write_to(uint64_t lin)
{
	struct xl x = { lin, 0, ACC_WRITE };

	ck_assert_int_eq(sysh_try(&h, do_xlate, &x), -1);
}

START_TEST(large_page_serves_its_other_pieces)
{
	uint64_t m0;

	sysh_w64(&h, PDE6, 0x800000 | PT_P | PT_RW | PTE_PS);
	ck_assert_uint_eq(page_of(0x600000), 0x800000);
	sysh_w64(&h, PDE6, 0xa00000 | PT_P | PT_RW | PTE_PS);
	m0 = h.ip->tlb.misses;
	/* Never touched, yet the old frame: no walk, counted as a hit. */
	ck_assert_uint_eq(page_of(0x6ff000), 0x8ff000);
	ck_assert_uint_eq(page_of(0x634000), 0x834000);
	ck_assert_uint_eq(h.ip->tlb.misses, m0);
	/* Nor another 2M page that shares its slot (128 MiB on: identity). */
	ck_assert_uint_eq(page_of(0x8655000), 0x8655000);
	/* Another VPID's lookup does not use it (tags, SDM 29.4.1). */
	switch_to(3, false, 0);
	ck_assert_uint_eq(page_of(0x633000), 0xa33000);
	switch_to(0, false, 0);
	/* INVLPG anywhere in the page drops the large entry too. */
	tlb_flush_page(h.ip, 0x600000);
	ck_assert_uint_eq(page_of(0x6fe000), 0xafe000);
	ck_assert_uint_eq(h.ip->tlb.misses, m0 + 3);
}
END_TEST

START_TEST(large_page_piece_and_dirty_flag)
{
	sysh_w64(&h, PDE6, 0x800000 | PT_P | PT_RW | PTE_PS);
	page_of(0x600000);
	ck_assert_uint_eq(sysh_r64(&h, PDE6) & (PTE_A | PTE_D), PTE_A);
	/* A write through a piece of a page cached clean walks: D set. */
	write_to(0x6ff000);
	ck_assert_uint_eq(sysh_r64(&h, PDE6) & (PTE_A | PTE_D), PTE_A | PTE_D);
	/* Now the large entry is dirty: another piece is written without a
	 * walk (hardware does not set D again for a dirty TLB entry). */
	sysh_w64(&h, PDE6, 0x800000 | PT_P | PT_RW | PTE_PS | PTE_A);
	write_to(0x6fe000);
	ck_assert_uint_eq(sysh_r64(&h, PDE6) & PTE_D, 0);
}
END_TEST

START_TEST(one_gib_page_piece_offsets)
{
	uint64_t pdpte1 = SH_PDPT + 1 * 8;   /* lin 0x40000000: a 1G page */

	sysh_w64(&h, pdpte1, 0x0 | PT_P | PT_RW | PTE_PS);
	ck_assert_uint_eq(page_of(0x40001000), 0x1000);
	sysh_w64(&h, pdpte1, 0x80000000ull | PT_P | PT_RW | PTE_PS);
	ck_assert_uint_eq(page_of(0x401ff000), 0x1ff000);
	/* Another 2M of it is not in the large entry's slot: a walk. */
	ck_assert_uint_eq(page_of(0x40345000), 0x80345000ull);
}
END_TEST

/* Every drop, and every VM entry and exit with VPIDs off, empties the
 * large-page entries along with the 4K pieces. */
START_TEST(large_pages_go_with_every_drop)
{
	static const int ways[] = { 0, 1, 2, 3 };

	for (unsigned i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
		const struct tlb_inval exit_iv = {
			.scope = TLB_INV_VPID, .vpid = 0,
			.transition = true, .to_root = true,
		};

		tlb_flush(h.ip);
		sysh_w64(&h, PDE6, 0x800000 | PT_P | PT_RW | PTE_PS);
		ck_assert_uint_eq(page_of(0x600000), 0x800000);
		sysh_w64(&h, PDE6, 0xa00000 | PT_P | PT_RW | PTE_PS);
		switch (ways[i]) {
		case 0: mov_cr3(SH_PML4); break;
		case 1: tlb_flush_vpid(h.ip); break;
		case 2: tlb_invalidate(h.ip, &exit_iv); break;
		default: inval(TLB_INV_ALL, 0, 0, 0); break;
		}
		ck_assert_msg(page_of(0x655000) == 0xa55000, "way %u", i);
	}
}
END_TEST

/* Not with EPT (pieces of a combined mapping need not be contiguous), not
 * in VMX non-root operation (APIC-access page), not under --vmx-check. */
START_TEST(large_pages_root_linear_only)
{
	for (unsigned i = 0; i < 3; i++) {
		tlb_flush(h.ip);
		h.ip->tlb.check = false;
		tag = (struct tlb_context){ 0 };
		if (i == 0)
			switch_to(0, true, 0x123000);
		else if (i == 1)
			tag = (struct tlb_context){ .nonroot = true };
		else
			h.ip->tlb.check = true;
		tlb_state_switched(h.ip);
		sysh_w64(&h, PDE6, 0x800000 | PT_P | PT_RW | PTE_PS);
		ck_assert_uint_eq(page_of(0x600000), 0x800000);
		sysh_w64(&h, PDE6, 0xa00000 | PT_P | PT_RW | PTE_PS);
		ck_assert_msg(page_of(0x655000) == 0xa55000, "case %u", i);
		ck_assert_uint_eq(h.ip->tlb.big_n, 0);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tlb");
	TCase *tc = tcase_create("tlb");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cr3_without_pcid_flushes);
	tcase_add_test(tc, pcid_tags_and_cr3_bit63);
	tcase_add_test(tc, global_pages_survive_cr3);
	tcase_add_test(tc, global_pages_match_every_pcid);
	tcase_add_test(tc, invlpg_drops_whole_large_page);
	tcase_add_test(tc, vpid_tags_survive_switches);
	tcase_add_test(tc, invvpid_scopes);
	tcase_add_test(tc, invept_scopes);
	tcase_add_test(tc, replacement_is_round_robin);
	tcase_add_test(tc, flush_always_mode);
	tcase_add_test(tc, hit_and_miss_counts);
	tcase_add_test(tc, large_page_serves_its_other_pieces);
	tcase_add_test(tc, large_page_piece_and_dirty_flag);
	tcase_add_test(tc, one_gib_page_piece_offsets);
	tcase_add_test(tc, large_pages_go_with_every_drop);
	tcase_add_test(tc, large_pages_root_linear_only);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
