// SPDX-License-Identifier: MIT
#include <check.h>
#include <stdlib.h>

#include "memory/guest_mem.h"

START_TEST(bounds_are_checked)
{
	struct guest_mem gm;
	uint64_t v = 0x1122334455667788ull, r = 0;

	ck_assert_int_eq(gmem_init(&gm, 4ull << 20), 0);
	ck_assert(gmem_write_u64(&gm, 0, v));
	ck_assert(gmem_read_u64(&gm, 0, &r));
	ck_assert_uint_eq(r, v);
	ck_assert(gmem_write_u64(&gm, gm.size - 8, v));
	ck_assert(!gmem_write_u64(&gm, gm.size - 7, v));
	ck_assert(!gmem_read_u64(&gm, UINT64_MAX - 3, &r));
	ck_assert_ptr_null(gmem_ptr(&gm, gm.size, 1));
	ck_assert_ptr_nonnull(gmem_ptr(&gm, gm.size - 1, 1));
	ck_assert_ptr_null(gmem_ptr(&gm, 1, UINT64_MAX));
	gmem_destroy(&gm);
}
END_TEST

START_TEST(bad_sizes_rejected)
{
	struct guest_mem gm;

	ck_assert_int_ne(gmem_init(&gm, 4096), 0);
	ck_assert_int_ne(gmem_init(&gm, (4ull << 20) + 1), 0);
	ck_assert_int_ne(gmem_init(&gm, GUEST_MEM_MAX + GUEST_PAGE_SIZE), 0);
}
END_TEST

static unsigned code_writes[2];
static void on_code_write(void *opaque, uint64_t gpa, uint64_t len)
{
	(void)gpa;
	(void)len;
	code_writes[*(int *)opaque]++;
}

/* Writes to a page marked as code reach every registered decode cache
 * (one per vCPU); a removed one hears nothing more. */
START_TEST(code_page_writes_notify)
{
	static int id[2] = { 0, 1 };
	struct guest_mem gm;

	ck_assert_int_eq(gmem_init(&gm, 4ull << 20), 0);
	ck_assert_int_eq(gmem_add_code_listener(&gm, on_code_write, &id[0]), 0);
	ck_assert_int_eq(gmem_add_code_listener(&gm, on_code_write, &id[1]), 0);
	code_writes[0] = code_writes[1] = 0;
	gmem_mark_code_page(&gm, 0x3000);
	ck_assert(gmem_write_u32(&gm, 0x2000, 1));
	ck_assert_uint_eq(code_writes[0] + code_writes[1], 0);
	ck_assert(gmem_write_u32(&gm, 0x2ffe, 1)); /* straddles into 0x3000 */
	ck_assert_uint_eq(code_writes[0], 1);
	ck_assert_uint_eq(code_writes[1], 1);
	gmem_remove_code_listener(&gm, on_code_write, &id[0]);
	ck_assert(gmem_write_u32(&gm, 0x3000, 1));
	ck_assert_uint_eq(code_writes[0], 1);
	ck_assert_uint_eq(code_writes[1], 2);
	gmem_destroy(&gm);
}
END_TEST

/* The table is bounded: one too many is refused, not overflowed. */
START_TEST(code_listeners_bounded)
{
	static int id;
	struct guest_mem gm;

	ck_assert_int_eq(gmem_init(&gm, 4ull << 20), 0);
	for (unsigned i = 0; i < GMEM_MAX_CODE_LISTENERS; i++)
		ck_assert_int_eq(gmem_add_code_listener(&gm, on_code_write, &id), 0);
	ck_assert_int_eq(gmem_add_code_listener(&gm, on_code_write, &id), -1);
	gmem_destroy(&gm);
}
END_TEST

/* QEMU's pc split: below 3.5 GiB all RAM is low; from 3.5 GiB on, 3 GiB
 * stay low and the rest starts at 4 GiB; the hole between is no RAM. */
START_TEST(pc_hole_split)
{
	struct guest_mem gm;
	uint64_t base[2], len[2], v = 0;

	ck_assert_uint_eq(gmem_low_size(0xdffff000ull), 0xdffff000ull);
	ck_assert_uint_eq(gmem_low_size(0xe0000000ull), 0xc0000000ull);
	ck_assert_int_eq(gmem_init(&gm, 0xe0000000ull), 0);   /* 3.5 GiB */
	ck_assert_uint_eq(gm.low, 0xc0000000ull);
	ck_assert_uint_eq(gm.span, 0x120000000ull);
	ck_assert_uint_eq(gmem_ram_ranges(&gm, base, len), 2);
	ck_assert_uint_eq(base[1], 0x100000000ull);
	ck_assert_uint_eq(len[1], 0x20000000ull);
	ck_assert(gmem_range_ok(&gm, 0xbffffffcull, 4));
	ck_assert(!gmem_range_ok(&gm, 0xbffffffeull, 4));     /* into the hole */
	ck_assert(!gmem_range_ok(&gm, 0xc0000000ull, 1));
	ck_assert(!gmem_range_ok(&gm, 0xfee00000ull, 4));     /* local APIC */
	ck_assert(!gmem_range_ok(&gm, 0xfffffffcull, 8));     /* across 4 GiB */
	ck_assert(gmem_range_ok(&gm, 0x100000000ull, 8));
	ck_assert(gmem_range_ok(&gm, 0x11ffffff8ull, 8));
	ck_assert(!gmem_range_ok(&gm, 0x11ffffffcull, 8));    /* past the end */
	ck_assert(!gmem_range_ok(&gm, 0x120000000ull, 1));
	ck_assert(!gmem_range_ok(&gm, 0x100000000ull, 0x20000001ull));
	ck_assert(gmem_write_u64(&gm, 0x100000ff8ull, 0x1122334455667788ull));
	ck_assert(gmem_read_u64(&gm, 0x100000ff8ull, &v));
	ck_assert_uint_eq(v, 0x1122334455667788ull);
	ck_assert(!gmem_write_u32(&gm, 0xd0000000ull, 1));
	ck_assert_ptr_null(gmem_ptr(&gm, 0xd0000000ull, 1));
	gmem_mark_code_page(&gm, 0x11ffff000ull);             /* top page */
	ck_assert(gmem_page_has_code(&gm, 0x11ffff123ull));
	gmem_destroy(&gm);
	/* Without a split: one range, nothing above. */
	ck_assert_int_eq(gmem_init(&gm, 64 << 20), 0);
	ck_assert_uint_eq(gmem_ram_ranges(&gm, base, len), 1);
	ck_assert_uint_eq(len[0], 64 << 20);
	ck_assert(!gmem_range_ok(&gm, 0x100000000ull, 1));
	gmem_destroy(&gm);
}
END_TEST

/* Writes to pages a page walk read count in pt_writes, also in the
 * middle of a write of several pages; other writes do not. */
START_TEST(pt_page_writes_counted)
{
	struct guest_mem gm;
	static uint8_t buf[3 * 4096];
	uint64_t n;

	ck_assert_int_eq(gmem_init(&gm, 4 << 20), 0);
	ck_assert(gmem_mark_pt_page(&gm, 0x5008));
	ck_assert(!gmem_mark_pt_page(&gm, 4 << 20));          /* no RAM */
	n = gm.pt_writes;
	ck_assert(gmem_write_u64(&gm, 0x6000, 1));
	ck_assert(gmem_write(&gm, 0x1000, buf, 3 * 4096));    /* 1-3 */
	ck_assert_uint_eq(gm.pt_writes, n);
	ck_assert(gmem_write_u8(&gm, 0x5fff, 1));
	ck_assert_uint_eq(gm.pt_writes, n + 1);
	ck_assert(gmem_write(&gm, 0x4800, buf, 3 * 4096));    /* 4-7 */
	ck_assert_uint_eq(gm.pt_writes, n + 2);
	ck_assert(gmem_fill(&gm, 0x4000, 0, 3 * 4096));       /* 4-6 */
	ck_assert_uint_eq(gm.pt_writes, n + 3);
	gmem_destroy(&gm);
}
END_TEST

/* EPT walks' pages count apart, in ept_writes: a write to one leaves
 * pt_writes (the translations of L1's own walks) alone. */
START_TEST(ept_page_writes_counted)
{
	struct guest_mem gm;
	uint64_t n, e;

	ck_assert_int_eq(gmem_init(&gm, 4 << 20), 0);
	ck_assert(gmem_mark_ept_page(&gm, 0x7ff8));
	ck_assert(!gmem_mark_ept_page(&gm, 4 << 20));         /* no RAM */
	ck_assert(gmem_mark_pt_page(&gm, 0x5000));
	n = gm.pt_writes;
	e = gm.ept_writes;
	ck_assert(gmem_write_u64(&gm, 0x6000, 1));
	ck_assert_uint_eq(gm.ept_writes, e);
	ck_assert(gmem_write_u64(&gm, 0x7000, 1));
	ck_assert_uint_eq(gm.ept_writes, e + 1);
	ck_assert_uint_eq(gm.pt_writes, n);
	ck_assert(gmem_write_u64(&gm, 0x5000, 1));
	ck_assert_uint_eq(gm.ept_writes, e + 1);
	ck_assert_uint_eq(gm.pt_writes, n + 1);
	gmem_destroy(&gm);
}
END_TEST

START_TEST(sizes_parse)
{
	uint64_t v;

	ck_assert(parse_size("256M", &v));
	ck_assert_uint_eq(v, 256ull << 20);
	ck_assert(parse_size("1G", &v));
	ck_assert_uint_eq(v, 1ull << 30);
	ck_assert(parse_size("4096", &v));
	ck_assert_uint_eq(v, 4096);
	ck_assert(parse_size("64MiB", &v));
	ck_assert_uint_eq(v, 64ull << 20);
	ck_assert(!parse_size("", &v));
	ck_assert(!parse_size("abc", &v));
	ck_assert(!parse_size("12Q", &v));
	ck_assert(!parse_size("-5M", &v));
	ck_assert(!parse_size("0", &v));
	ck_assert(!parse_size("99999999999999999999G", &v));
	ck_assert(!parse_size("16777216T", &v));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_mem");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, bounds_are_checked);
	tcase_add_test(tc, bad_sizes_rejected);
	tcase_add_test(tc, code_page_writes_notify);
	tcase_add_test(tc, code_listeners_bounded);
	tcase_add_test(tc, pt_page_writes_counted);
	tcase_add_test(tc, ept_page_writes_counted);
	tcase_add_test(tc, sizes_parse);
	tcase_add_test(tc, pc_hole_split);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
