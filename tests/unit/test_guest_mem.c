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

static unsigned code_writes;
static void on_code_write(void *opaque, uint64_t gpa, uint64_t len)
{
	code_writes++;
}

START_TEST(code_page_writes_notify)
{
	struct guest_mem gm;

	ck_assert_int_eq(gmem_init(&gm, 4ull << 20), 0);
	gm.code_write = on_code_write;
	code_writes = 0;
	gmem_mark_code_page(&gm, 0x3000);
	ck_assert(gmem_write_u32(&gm, 0x2000, 1));
	ck_assert_uint_eq(code_writes, 0);
	ck_assert(gmem_write_u32(&gm, 0x2ffe, 1)); /* straddles into 0x3000 */
	ck_assert_uint_eq(code_writes, 1);
	gmem_clear_code_page(&gm, 0x3000);
	ck_assert(gmem_write_u32(&gm, 0x3000, 1));
	ck_assert_uint_eq(code_writes, 1);
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
	tcase_add_test(tc, sizes_parse);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
