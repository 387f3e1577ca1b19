// SPDX-License-Identifier: MIT
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "loader/elf_loader.h"
#include "tiny_elf.h"

#define MEM (4ull << 20)

static struct guest_mem gm;
static char err[256];

static void setup(void)
{
	ck_assert_int_eq(gmem_init(&gm, MEM), 0);
	err[0] = '\0';
}

static void teardown(void)
{
	gmem_destroy(&gm);
}

static int load_segs(uint64_t entry, const struct tiny_seg *s, unsigned n,
		     const struct tiny_elf_opts *o, struct elf_image *img)
{
	uint8_t *elf;
	size_t len = tiny_elf_build(&elf, entry, s, n, o);
	int ret = elf_load_buf(&gm, elf, len, img, err, sizeof(err));

	free(elf);
	return ret;
}

static const uint8_t text[] = { 0x90, 0x90, 0xf4, 0x11, 0x22 };
static const uint8_t data[] = { 0xaa, 0xbb, 0xcc };

START_TEST(good_image_loads_segments_and_zeroes_bss)
{
	struct tiny_seg s[] = {
		{ 0x100000, text, sizeof(text), sizeof(text) },
		{ 0x200000, data, sizeof(data), 0x1000 },
	};
	struct elf_image img;
	uint8_t b[8];

	/* Dirty the bss area first: the loader must zero it. */
	gmem_fill(&gm, 0x200000, 0x5a, 0x2000);
	ck_assert_int_eq(load_segs(0x100001, s, 2, NULL, &img), 0);
	ck_assert_uint_eq(img.entry, 0x100001);
	ck_assert_uint_eq(img.start, 0x100000);
	ck_assert_uint_eq(img.end, 0x201000);
	ck_assert_uint_eq(img.nr_segments, 2);
	ck_assert(gmem_read(&gm, 0x100000, b, sizeof(text)));
	ck_assert_mem_eq(b, text, sizeof(text));
	ck_assert(gmem_read(&gm, 0x200000, b, 4));
	ck_assert_uint_eq(b[0], 0xaa);
	ck_assert_uint_eq(b[2], 0xcc);
	ck_assert_uint_eq(b[3], 0);
	ck_assert(gmem_read(&gm, 0x200fff, b, 2));
	ck_assert_uint_eq(b[0], 0);      /* last bss byte */
	ck_assert_uint_eq(b[1], 0x5a);   /* past p_memsz: untouched */
}
END_TEST

START_TEST(segment_at_ram_end_fits)
{
	struct tiny_seg s = { MEM - sizeof(text), text, sizeof(text), sizeof(text) };
	struct elf_image img;

	ck_assert_int_eq(load_segs(MEM - sizeof(text), &s, 1, NULL, &img), 0);
	ck_assert_uint_eq(img.end, MEM);
}
END_TEST

START_TEST(non_elf_rejected)
{
	static const char junk[] = "#!/bin/sh\necho not an elf\n";
	struct elf_image img;

	ck_assert_int_eq(elf_load_buf(&gm, junk, sizeof(junk), &img, err,
				      sizeof(err)), -ENOEXEC);
	ck_assert_str_eq(err, "not an ELF file");
	ck_assert_int_eq(elf_load_buf(&gm, "\x7f" "EL", 3, &img, err,
				      sizeof(err)), -ENOEXEC);
}
END_TEST

START_TEST(truncated_images_rejected)
{
	struct tiny_seg s = { 0x100000, text, sizeof(text), sizeof(text) };
	struct elf_image img;
	uint8_t *elf;
	size_t len = tiny_elf_build(&elf, 0x100000, &s, 1, NULL);

	/* Inside the ELF header. */
	ck_assert_int_eq(elf_load_buf(&gm, elf, 40, &img, err, sizeof(err)),
			 -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "truncated ELF header"));
	/* Inside the program headers. */
	ck_assert_int_eq(elf_load_buf(&gm, elf, sizeof(Elf64_Ehdr) + 20, &img,
				      err, sizeof(err)), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "program headers past end"));
	/* Inside the segment data. */
	ck_assert_int_eq(elf_load_buf(&gm, elf, len - 1, &img, err, sizeof(err)),
			 -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "segment 0 data past end"));
	/* Nothing was copied by the failed attempts. */
	uint8_t b = 0xee;
	ck_assert(gmem_read_u8(&gm, 0x100000, &b));
	ck_assert_uint_eq(b, 0);
	ck_assert_int_eq(elf_load_buf(&gm, elf, len, &img, err, sizeof(err)), 0);
	free(elf);
}
END_TEST

START_TEST(wrong_class_machine_type_rejected)
{
	struct tiny_seg s = { 0x100000, text, sizeof(text), sizeof(text) };
	struct tiny_elf_opts c32 = { .cls = ELFCLASS32 };
	struct tiny_elf_opts i386 = { .machine = EM_386 };
	struct tiny_elf_opts dyn = { .type = ET_DYN };
	struct elf_image img;

	ck_assert_int_eq(load_segs(0x100000, &s, 1, &c32, &img), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "not a 64-bit ELF"));
	ck_assert_int_eq(load_segs(0x100000, &s, 1, &i386, &img), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "machine 3 is not x86-64"));
	ck_assert_int_eq(load_segs(0x100000, &s, 1, &dyn, &img), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "not ET_EXEC"));
}
END_TEST

START_TEST(overlapping_segments_rejected)
{
	struct tiny_seg s[] = {
		{ 0x100000, text, sizeof(text), 0x2000 },
		{ 0x101fff, data, sizeof(data), sizeof(data) },
	};
	struct elf_image img;

	ck_assert_int_eq(load_segs(0x100000, s, 2, NULL, &img), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "segment 1 overlaps"));
	s[1].paddr = 0x102000;   /* adjacent is fine */
	ck_assert_int_eq(load_segs(0x100000, s, 2, NULL, &img), 0);
}
END_TEST

START_TEST(segments_outside_ram_rejected)
{
	struct tiny_seg s = { MEM - 2, text, sizeof(text), sizeof(text) };
	struct elf_image img;

	ck_assert_int_eq(load_segs(MEM - 2, &s, 1, NULL, &img), -ERANGE);
	ck_assert_ptr_nonnull(strstr(err, "outside loadable RAM"));
	s.paddr = 0x8000;        /* below 1 MiB: boot structures live there */
	ck_assert_int_eq(load_segs(0x8000, &s, 1, NULL, &img), -ERANGE);
	s.paddr = UINT64_MAX - 1; /* address + size wraps */
	ck_assert_int_eq(load_segs(0x100000, &s, 1, NULL, &img), -ERANGE);
	s.paddr = 0x100000;      /* bss beyond RAM */
	s.memsz = MEM;
	ck_assert_int_eq(load_segs(0x100000, &s, 1, NULL, &img), -ERANGE);
}
END_TEST

START_TEST(bad_segment_and_entry_rejected)
{
	struct tiny_seg s = { 0x100000, text, sizeof(text), 2 };
	struct elf_image img;

	ck_assert_int_eq(load_segs(0x100000, &s, 1, NULL, &img), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "p_filesz > p_memsz"));
	s.memsz = sizeof(text);
	ck_assert_int_eq(load_segs(0x300000, &s, 1, NULL, &img), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "entry point 0x300000"));
	ck_assert_int_eq(load_segs(0x100000, &s, 0, NULL, &img), -ENOEXEC);
}
END_TEST

START_TEST(file_errors)
{
	struct tiny_seg s = { 0x100000, text, sizeof(text), sizeof(text) };
	struct elf_image img;
	uint8_t *elf;
	size_t len = tiny_elf_build(&elf, 0x100000, &s, 1, NULL);
	char *path = tiny_write_temp(elf, len);

	ck_assert_int_eq(elf_load_file(&gm, "/nonexistent/fw.elf", &img, err,
				       sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "/nonexistent/fw.elf: No such file or directory");
	ck_assert_int_eq(elf_load_file(&gm, "/", &img, err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(elf_load_file(&gm, path, &img, err, sizeof(err)), 0);
	ck_assert_uint_eq(img.entry, 0x100000);
	ck_assert_int_eq(truncate(path, 0), 0);
	ck_assert_int_eq(elf_load_file(&gm, path, &img, err, sizeof(err)),
			 -ENOEXEC);
	unlink(path);
	free(path);
	free(elf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("elf_loader");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_image_loads_segments_and_zeroes_bss);
	tcase_add_test(tc, segment_at_ram_end_fits);
	tcase_add_test(tc, non_elf_rejected);
	tcase_add_test(tc, truncated_images_rejected);
	tcase_add_test(tc, wrong_class_machine_type_rejected);
	tcase_add_test(tc, overlapping_segments_rejected);
	tcase_add_test(tc, segments_outside_ram_rejected);
	tcase_add_test(tc, bad_segment_and_entry_rejected);
	tcase_add_test(tc, file_errors);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
