// SPDX-License-Identifier: MIT
#include <check.h>
#include <stdlib.h>

#include "devices/io_bus.h"

static uint64_t last_off, last_val;
static unsigned last_size;

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
	last_off = off;
	last_size = size;
	return 0x1234567890abcdefull;
}

static void dev_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	last_off = off;
	last_size = size;
	last_val = v;
}

START_TEST(dispatch_and_unhandled)
{
	struct io_bus bus;
	struct io_handler h = { "dev", dev_read, dev_write, NULL };

	io_bus_init(&bus, "pio");
	ck_assert_int_eq(io_bus_register(&bus, 0x3f8, 8, &h), 0);
	ck_assert_int_ne(io_bus_register(&bus, 0x3fc, 8, &h), 0); /* overlap */
	ck_assert_int_ne(io_bus_register(&bus, 0x100, 0, &h), 0);
	ck_assert_uint_eq(io_bus_read(&bus, 0x3f9, 1), 0xef);
	ck_assert_uint_eq(last_off, 1);
	ck_assert_uint_eq(io_bus_read(&bus, 0x3f8, 2), 0xcdef);
	io_bus_write(&bus, 0x3fa, 4, 0xdeadbeefcafe);
	ck_assert_uint_eq(last_val, 0xbeefcafe);
	ck_assert_uint_eq(last_off, 2);
	ck_assert_uint_eq(io_bus_read(&bus, 0x80, 1), 0xff);
	ck_assert_uint_eq(io_bus_read(&bus, 0x80, 4), 0xffffffff);
	ck_assert_uint_eq(bus.unhandled_reads, 2);
	io_bus_write(&bus, 0x80, 1, 5);
	ck_assert_uint_eq(bus.unhandled_writes, 1);
	ck_assert_uint_eq(bus.last_unhandled_addr, 0x80);
}
END_TEST

/* A probe range reads all-ones and ignores writes like an unassigned
 * port, counted as a probe, not as unhandled. */
START_TEST(probe_range)
{
	struct io_bus bus;

	io_bus_init(&bus, "pio");
	ck_assert_int_eq(io_bus_register_probe(&bus, 0x2e8, 8), 0);
	ck_assert_int_ne(io_bus_register_probe(&bus, 0x2ef, 1), 0);
	ck_assert_uint_eq(io_bus_read(&bus, 0x2ef, 1), 0xff);
	ck_assert_uint_eq(io_bus_read(&bus, 0x2e8, 2), 0xffff);
	ck_assert(io_bus_write(&bus, 0x2e9, 1, 0x12));
	ck_assert_uint_eq(io_bus_read(&bus, 0x2e9, 1), 0xff);
	ck_assert_uint_eq(bus.probes, 4);
	ck_assert_uint_eq(bus.unhandled_reads + bus.unhandled_writes, 0);
	ck_assert_uint_eq(io_bus_read(&bus, 0x2f0, 1), 0xff);  /* outside */
	ck_assert_uint_eq(bus.unhandled_reads, 1);
	ck_assert_uint_eq(bus.probes, 4);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("io_bus");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, dispatch_and_unhandled);
	tcase_add_test(tc, probe_range);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
