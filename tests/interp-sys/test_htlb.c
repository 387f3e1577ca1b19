// SPDX-License-Identifier: MIT
/*
 * The host-pointer TLB of data accesses (src/engine/interp/htlb.h): it is
 * never more than the TLB behind it.  Data reads and writes (mem_read_u,
 * mem_write_u) of lin 0x400000, mapped through PT[0] to 0x500000, then
 * PT[0] rewritten to 0x600000 without telling the TLB: a read that gives
 * the old page's value used a cached translation, the new page's walked.
 */
#include <check.h>
#include <stdlib.h>

#include "engine/interp/sys.h"
#include "sysh.h"

#define PT_P  0x1ull
#define PT_RW 0x2ull
#define PT_A  0x20ull
#define PT_D  0x40ull
#define LIN   0x400000ull
#define OLD   0x500000ull
#define NEW   0x600000ull
#define V_OLD 0x01d01d01dull
#define V_NEW 0x0e40e40e4ull

static struct sysh h;
static const struct x86_intercept_ops no_ops;

static void setup(void)
{
	sysh_init(&h);
	h.ip->cfg.icpt = &no_ops;
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_PCID, true);
	sysh_w64(&h, SH_PD + 2 * 8, SH_PT | PT_P | PT_RW);
	sysh_w64(&h, SH_PT, OLD | PT_P | PT_RW);
	sysh_w64(&h, OLD, V_OLD);
	sysh_w64(&h, NEW, V_NEW);
}

static void teardown(void)
{
	sysh_fini(&h);
}

struct acc { uint64_t lin, v; bool write; };

static void do_access(struct interp *ip, void *arg)
{
	struct acc *a = arg;

	if (a->write)
		mem_write_u(ip, SEG_DS, a->lin, a->v, 8);
	else
		a->v = mem_read_u(ip, SEG_DS, a->lin, 8);
}

/* A data read of lin: its value, or fails the test on a fault. */
static uint64_t rd(uint64_t lin)
{
	struct acc a = { .lin = lin };

	ck_assert_int_eq(sysh_try(&h, do_access, &a), -1);
	return a.v;
}

static int try_rd(uint64_t lin)
{
	struct acc a = { .lin = lin };

	return sysh_try(&h, do_access, &a);
}

static void wr(uint64_t lin, uint64_t v)
{
	struct acc a = { .lin = lin, .v = v, .write = true };

	ck_assert_int_eq(sysh_try(&h, do_access, &a), -1);
}

static void remap(uint64_t pte)
{
	sysh_w64(&h, SH_PT, pte);
}

static void do_cr(struct interp *ip, void *arg)
{
	const uint64_t *cr = arg;

	sys_cr_write(ip, (unsigned)cr[0], cr[1]);
}

static void mov_cr(unsigned n, uint64_t v)
{
	uint64_t cr[2] = { n, v };

	ck_assert_int_eq(sysh_try(&h, do_cr, cr), -1);
}

START_TEST(stale_until_cr3_like_the_tlb)
{
	ck_assert_uint_eq(rd(LIN), V_OLD);
	ck_assert_uint_eq(rd(LIN), V_OLD);
	remap(NEW | PT_P | PT_RW);
	ck_assert_uint_eq(rd(LIN), V_OLD);   /* stale, as the TLB is */
	mov_cr(3, SH_PML4);
	ck_assert_uint_eq(rd(LIN), V_NEW);
}

START_TEST(invlpg_drops_it)
{
	ck_assert_uint_eq(rd(LIN), V_OLD);
	remap(NEW | PT_P | PT_RW);
	tlb_flush_page(h.ip, LIN);
	ck_assert_uint_eq(rd(LIN), V_NEW);
}

/* MOV to CR3 with CR3[63] keeps the new PCID's translations, but the
 * ones of the old PCID must not be used under the new one. */
START_TEST(pcid_switch_without_flush)
{
	mov_cr(4, h.s->cr4 | CR4_PCIDE);
	mov_cr(3, SH_PML4 | 1);
	ck_assert_uint_eq(rd(LIN), V_OLD);
	remap(NEW | PT_P | PT_RW);
	mov_cr(3, SH_PML4 | 2 | (1ull << 63));
	ck_assert_uint_eq(rd(LIN), V_NEW);
	remap(OLD | PT_P | PT_RW);
	mov_cr(3, SH_PML4 | 1 | (1ull << 63));
	ck_assert_uint_eq(rd(LIN), V_OLD);    /* PCID 1's own, kept */
}

/* A supervisor read caches the page; a CPL 3 read of it still faults
 * (the page is supervisor-only, SDM 4.6). */
START_TEST(privilege_is_part_of_the_key)
{
	ck_assert_uint_eq(rd(LIN), V_OLD);
	h.s->seg[SEG_CS].ar |= 3u << SEG_AR_DPL_SHIFT;
	ck_assert_int_eq(try_rd(LIN), X86_PF);
	h.s->seg[SEG_CS].ar &= ~(3u << SEG_AR_DPL_SHIFT);
	ck_assert_uint_eq(rd(LIN), V_OLD);
}

/* A read-only cache entry does not let a write skip the walk that sets
 * the dirty flag (SDM 4.8). */
START_TEST(write_after_read_sets_dirty)
{
	ck_assert_uint_eq(rd(LIN), V_OLD);
	ck_assert_uint_eq(sysh_r64(&h, SH_PT) & PT_D, 0);
	wr(LIN, 42);
	ck_assert_uint_eq(sysh_r64(&h, SH_PT) & (PT_A | PT_D), PT_A | PT_D);
	ck_assert_uint_eq(sysh_r64(&h, OLD), 42);
}

/* A read of a page whose dirty flag is already set and that the current
 * privilege may write also serves the next write (the load-then-store of
 * x = x + 1 makes one translation): the write is a hit, no TLB lookup. */
START_TEST(read_of_dirty_page_serves_the_write)
{
	uint64_t misses, hits;

	remap(OLD | PT_P | PT_RW | PT_A | PT_D);
	ck_assert_uint_eq(rd(LIN), V_OLD);
	ck_assert_uint_ne(h.ip->htlb.w[(LIN >> 12) & (HTLB_SIZE - 1)].tag, 0);
	misses = h.ip->tlb.misses;
	hits = h.ip->tlb.hits;
	wr(LIN + 8, 7);
	ck_assert_uint_eq(h.ip->tlb.misses, misses);
	ck_assert_uint_eq(h.ip->tlb.hits, hits + 1);
	ck_assert_uint_eq(sysh_r64(&h, OLD + 8), 7);
}

/* ... but not of a read-only one: with CR0.WP the write still faults
 * (SDM 4.6), with a write error code. */
START_TEST(read_of_read_only_page_does_not_serve_a_write)
{
	struct acc a = { .lin = LIN, .v = 1, .write = true };

	remap(OLD | PT_P | PT_A | PT_D);
	ck_assert_uint_eq(rd(LIN), V_OLD);
	ck_assert_uint_eq(h.ip->htlb.w[(LIN >> 12) & (HTLB_SIZE - 1)].tag, 0);
	ck_assert_int_eq(sysh_try(&h, do_access, &a), X86_PF);
	ck_assert_uint_eq(sysh_r64(&h, OLD), V_OLD);
}

static unsigned code_writes;

static void count_code_write(void *opaque, uint64_t gpa, uint64_t len)
{
	(void)opaque;
	ck_assert_uint_eq(gpa, OLD + 8);
	ck_assert_uint_eq(len, 8);
	code_writes++;
}

/* Writes through a cached page still reach the decode cache when the
 * page holds code (self-modifying code). */
START_TEST(writes_to_code_pages_are_seen)
{
	ck_assert_int_eq(gmem_add_code_listener(&h.mem, count_code_write, NULL), 0);
	code_writes = 0;
	wr(LIN + 8, 1);
	wr(LIN + 8, 2);
	ck_assert_uint_eq(code_writes, 0);
	gmem_mark_code_page(&h.mem, OLD);
	wr(LIN + 8, 3);
	ck_assert_uint_eq(code_writes, 1);
	gmem_remove_code_listener(&h.mem, count_code_write, NULL);
}

/* An entry the TLB evicts goes here too: fill the TLB set of LIN (4
 * ways, round robin) with four other pages 1 MiB apart (outside RAM:
 * translated, never cached here). */
START_TEST(tlb_eviction_drops_it)
{
	ck_assert_uint_eq(rd(LIN), V_OLD);
	remap(NEW | PT_P | PT_RW);
	for (uint64_t k = 1; k <= TLB_WAYS; k++)
		rd(0x10000000ull + (k << 20));
	ck_assert_uint_eq(rd(LIN), V_NEW);
}

/* --vmx-check checks every TLB hit: nothing is cached past it. */
START_TEST(off_with_vmx_check)
{
	h.ip->htlb.off = true;
	ck_assert_uint_eq(rd(LIN), V_OLD);
	ck_assert_uint_eq(h.ip->htlb.r[(LIN >> 12) & (HTLB_SIZE - 1)].tag, 0);
	h.ip->htlb.off = false;
	ck_assert_uint_eq(rd(LIN), V_OLD);
	ck_assert_uint_ne(h.ip->htlb.r[(LIN >> 12) & (HTLB_SIZE - 1)].tag, 0);
}

static Suite *suite(void)
{
	Suite *s = suite_create("htlb");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, stale_until_cr3_like_the_tlb);
	tcase_add_test(tc, invlpg_drops_it);
	tcase_add_test(tc, pcid_switch_without_flush);
	tcase_add_test(tc, privilege_is_part_of_the_key);
	tcase_add_test(tc, write_after_read_sets_dirty);
	tcase_add_test(tc, read_of_dirty_page_serves_the_write);
	tcase_add_test(tc, read_of_read_only_page_does_not_serve_a_write);
	tcase_add_test(tc, writes_to_code_pages_are_seen);
	tcase_add_test(tc, tlb_eviction_drops_it);
	tcase_add_test(tc, off_with_vmx_check);
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
