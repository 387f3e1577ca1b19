// SPDX-License-Identifier: MIT
/* The SMBIOS tables (loader/smbios.c) read back as an OS would (DMTF
 * DSP0134): the entry point's checksums and fields, every structure's
 * type, handle and length, the strings, the memory sizes with RAM split
 * around the PC hole and beyond 16 GiB, and the errors. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "loader/smbios.h"
#include "memory/guest_mem.h"
#include "smbios_walk.h"     /* tests/pc/kernel: the PC test kernel's too */

static struct smbios_tables t;
static char err[200];

/* The structure of type `type` number k (0-based), or NULL; its size
 * with strings in *size. */
static const uint8_t *find(unsigned type, unsigned k, size_t *size)
{
	size_t at = 0;

	while (at < t.table_len) {
		const uint8_t *s = t.table + at;
		bool ok = true;
		size_t sz = smbios_struct_size(s, t.table_len - at, &ok);

		ck_assert(ok);
		if (s[0] == type && !k--) {
			if (size)
				*size = sz;
			return s;
		}
		at += sz;
	}
	return NULL;
}

static const char *string(const uint8_t *s, unsigned n)
{
	ck_assert_uint_gt(n, 0);
	return smbios_string(s, n);
}

static void build(unsigned cpus, uint64_t ram)
{
	struct smbios_config c = { .nr_cpus = cpus, .cpuid_1_eax = 0x306c3,
				   .cpuid_1_edx = 0x178bfbff, .ram = ram };

	ck_assert_msg(!smbios_build(&c, &t, err, sizeof(err)), "%s", err);
}

START_TEST(entry_point)
{
	const uint8_t *e = t.anchor;
	size_t at = 0, max = 0;
	unsigned n = 0;

	build(2, 128ull << 20);
	ck_assert(!memcmp(e, "_SM_", 4));
	ck_assert_uint_eq(smbios_sum8(e, SMBIOS_EPS_LEN), 0);
	ck_assert_uint_eq(e[5], 0x1f);
	ck_assert_uint_eq(e[6], 2);
	ck_assert_uint_eq(e[7], 8);
	ck_assert(!memcmp(e + 0x10, "_DMI_", 5));
	ck_assert_uint_eq(smbios_sum8(e + 0x10, 15), 0);
	ck_assert_uint_eq(smbios_le(e + 0x16, 2), t.table_len);
	ck_assert_uint_eq(smbios_le(e + 0x18, 4), SMBIOS_TABLE_ADDR);
	ck_assert_uint_eq(smbios_le(e + 0x1c, 2), t.n_structs);
	ck_assert_uint_eq(e[0x1e], 0x28);
	/* Types in order, each with the length of SMBIOS 2.8. */
	static const uint8_t types[] = { 0, 1, 3, 4, 16, 17, 19, 32, 127 };
	static const uint8_t lens[] = { 0x18, 0x1b, 0x16, 0x2a, 0x17, 0x28, 0x1f, 0x0b, 4 };
	static const uint16_t handles[] = { 0, 0x100, 0x300, 0x400, 0x1000, 0x1100,
					    0x1300, 0x2000, 0x7f00 };
	for (; n < sizeof(types); n++) {
		const uint8_t *s = t.table + at;
		size_t size;

		ck_assert_ptr_eq(find(types[n], 0, &size), s);
		ck_assert_uint_eq(s[1], lens[n]);
		ck_assert_uint_eq(smbios_le(s + 2, 2), handles[n]);
		max = size > max ? size : max;
		at += size;
	}
	ck_assert_uint_eq(at, t.table_len);
	ck_assert_uint_eq(n, t.n_structs);
	ck_assert_uint_eq(smbios_le(e + 8, 2), max);
	smbios_free(&t);
}
END_TEST

START_TEST(strings_and_cpu)
{
	const uint8_t *s;

	build(3, 256ull << 20);
	s = find(0, 0, NULL);
	ck_assert_str_eq(string(s, s[4]), "vmxbox");
	ck_assert_str_eq(string(s, s[8]), "01/01/2025");
	ck_assert_uint_eq(s[0x13], 0x10);          /* a virtual machine */
	s = find(1, 0, NULL);
	ck_assert_str_eq(string(s, s[4]), "vmxbox");
	ck_assert_str_eq(string(s, s[5]), "vmxbox PC");
	ck_assert_uint_eq(s[0x18], 6);
	/* One package of 3 cores, the processor ID from CPUID.1. */
	ck_assert_ptr_null(find(4, 1, NULL));
	s = find(4, 0, NULL);
	ck_assert_str_eq(string(s, s[4]), "CPU 0");
	ck_assert_uint_eq(smbios_le(s + 8, 4), 0x306c3);
	ck_assert_uint_eq(smbios_le(s + 12, 4), 0x178bfbff);
	ck_assert_uint_eq(s[0x18], 0x41);
	ck_assert_uint_eq(s[0x23], 3);
	ck_assert_uint_eq(s[0x24], 3);
	ck_assert_uint_eq(s[0x25], 3);
	/* Structures without strings end with two NULs. */
	s = find(32, 0, NULL);
	ck_assert_uint_eq(s[0x0b], 0);
	ck_assert_uint_eq(s[0x0c], 0);
	smbios_free(&t);
}
END_TEST

/* 128 MiB: one DIMM, one range.  4 GiB: split at 3 GiB around the PC
 * hole.  40 GiB: 16 + 16 + 8 GiB DIMMs. */
START_TEST(memory)
{
	const uint8_t *s;

	build(1, 128ull << 20);
	s = find(16, 0, NULL);
	ck_assert_uint_eq(smbios_le(s + 7, 4), 128u << 10);
	ck_assert_uint_eq(smbios_le(s + 0x0d, 2), 1);
	s = find(17, 0, NULL);
	ck_assert_uint_eq(smbios_le(s + 4, 2), 0x1000);
	ck_assert_uint_eq(smbios_le(s + 0x0c, 2), 128);
	ck_assert_str_eq(string(s, s[0x10]), "DIMM 0");
	s = find(19, 0, NULL);
	ck_assert_uint_eq(smbios_le(s + 4, 4), 0);
	ck_assert_uint_eq(smbios_le(s + 8, 4), (128u << 10) - 1);
	ck_assert_ptr_null(find(19, 1, NULL));
	smbios_free(&t);

	build(1, 4ull << 30);
	s = find(19, 0, NULL);
	ck_assert_uint_eq(smbios_le(s + 8, 4), (3u << 20) - 1);
	s = find(19, 1, NULL);
	ck_assert_uint_eq(smbios_le(s + 4, 4), 4u << 20);
	ck_assert_uint_eq(smbios_le(s + 8, 4), (5u << 20) - 1);
	ck_assert_uint_eq(smbios_le(s + 2, 2), 0x1301);
	smbios_free(&t);

	build(1, 40ull << 30);
	ck_assert_uint_eq(smbios_le(find(16, 0, NULL) + 0x0d, 2), 3);
	ck_assert_uint_eq(smbios_le(find(17, 0, NULL) + 0x0c, 2), 16384);
	ck_assert_uint_eq(smbios_le(find(17, 1, NULL) + 0x0c, 2), 16384);
	ck_assert_uint_eq(smbios_le(find(17, 2, NULL) + 0x0c, 2), 8192);
	ck_assert_uint_eq(smbios_le(find(17, 2, NULL) + 2, 2), 0x1102);
	ck_assert_ptr_null(find(17, 3, NULL));
	s = find(19, 1, NULL);
	ck_assert_uint_eq(smbios_le(s + 8, 4), ((4ull + 37) << 20) - 1);
	smbios_free(&t);
}
END_TEST

START_TEST(written_to_ram_and_errors)
{
	struct smbios_config c = { .nr_cpus = 0, .ram = 128ull << 20 };
	struct guest_mem mem;
	uint8_t buf[SMBIOS_EPS_LEN];

	ck_assert_int_eq(smbios_build(&c, &t, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "SMBIOS: 0 CPUs (1 to 255)");
	c.nr_cpus = 256;
	ck_assert_int_eq(smbios_build(&c, &t, err, sizeof(err)), -EINVAL);
	build(1, 4ull << 20);
	ck_assert_int_eq(gmem_init(&mem, 4ull << 20), 0);
	ck_assert_int_eq(smbios_write(&mem, &t), 0);
	ck_assert(gmem_read(&mem, SMBIOS_BASE, buf, sizeof(buf)));
	ck_assert(!memcmp(buf, t.anchor, sizeof(buf)));
	ck_assert(!memcmp(gmem_ptr(&mem, SMBIOS_TABLE_ADDR, t.table_len), t.table,
			  t.table_len));
	/* 16-byte aligned, in the F segment, after the ACPI tables. */
	ck_assert_uint_eq(SMBIOS_BASE % 16, 0);
	ck_assert_uint_ge(SMBIOS_BASE, 0xf0000);
	gmem_destroy(&mem);
	smbios_free(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smbios");
	TCase *tc = tcase_create("smbios");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, entry_point);
	tcase_add_test(tc, strings_and_cpu);
	tcase_add_test(tc, memory);
	tcase_add_test(tc, written_to_ram_and_errors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
