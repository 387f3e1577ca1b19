// SPDX-License-Identifier: MIT
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "loader/boot.h"

static struct guest_mem gm;
static struct elf_image img = { .entry = 0x100040, .start = 0x100000,
				.end = 0x123456, .nr_segments = 1 };

static void setup(void)
{
	ck_assert_int_eq(gmem_init(&gm, 8ull << 20), 0);
	/* Garbage where the boot structures go: boot_setup must clear it. */
	gmem_fill(&gm, 0, 0xcc, 0x9000);
}

static void teardown(void)
{
	gmem_destroy(&gm);
}

static uint64_t rd64(uint64_t gpa)
{
	uint64_t v = 0;

	ck_assert(gmem_read_u64(&gm, gpa, &v));
	return v;
}

/* 4-level walk as the CPU does it (SDM 4.5); returns -1 if not present. */
static int64_t walk(uint64_t cr3, uint64_t lin)
{
	uint64_t pml4e = rd64((cr3 & ~0xfffull) + ((lin >> 39) & 511) * 8);
	uint64_t pdpte, pde;

	if (!(pml4e & 1))
		return -1;
	pdpte = rd64((pml4e & 0xffffffffff000ull) + ((lin >> 30) & 511) * 8);
	if (!(pdpte & 1) || (pdpte & 0x80))
		return -1;
	pde = rd64((pdpte & 0xffffffffff000ull) + ((lin >> 21) & 511) * 8);
	if (!(pde & 1) || !(pde & 0x80) || !(pde & 2))
		return -1;
	return (int64_t)((pde & 0xfffffffe00000ull) | (lin & 0x1fffff));
}

START_TEST(entry_state_is_long_mode)
{
	struct boot_params bp = { .cmdline = "console=uart", .vmx = true };
	struct cpu_state s;
	char err[128];

	ck_assert_int_eq(boot_setup(&gm, &img, &bp, &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s.rip, 0x100040);
	ck_assert_uint_eq(s.gpr[GPR_RSP], 0x80000);
	ck_assert_uint_eq(s.gpr[GPR_RDI], 0x8000);
	ck_assert_uint_eq(s.gpr[GPR_RAX], 0);
	ck_assert_uint_eq(s.gpr[GPR_RDX], 0);
	ck_assert_uint_eq(s.rflags, 0x2);
	ck_assert_uint_eq(s.cr0, 0x80010033);
	ck_assert_uint_eq(s.cr3, 0x1000);
	ck_assert_uint_eq(s.cr4, 0x20);
	ck_assert_uint_eq(s.efer, 0xd00);
	ck_assert(cpu_64bit_mode(&s));
	ck_assert_uint_eq(cpu_cpl(&s), 0);
	ck_assert_uint_eq(s.seg[SEG_CS].sel, 0x08);
	ck_assert_uint_eq(s.seg[SEG_CS].ar, 0xa09b);
	ck_assert_uint_eq(s.seg[SEG_SS].sel, 0x10);
	ck_assert_uint_eq(s.seg[SEG_SS].ar, 0xc093);
	ck_assert_uint_eq(s.seg[SEG_DS].base, 0);
	ck_assert_uint_eq(s.seg[SEG_GS].limit, 0xffffffff);
	ck_assert_uint_eq(s.seg[SEG_LDTR].ar, SEG_AR_UNUSABLE);
	ck_assert_uint_eq(s.seg[SEG_TR].ar, 0x8b);
	ck_assert_uint_eq(s.seg[SEG_TR].limit, 0x67);
	ck_assert_uint_eq(s.gdtr.base, 0x7000);
	ck_assert_uint_eq(s.gdtr.limit, 0x27);
	ck_assert_uint_eq(s.idtr.limit, 0);
	ck_assert_uint_eq(s.activity, ACTIVITY_ACTIVE);
}
END_TEST

START_TEST(page_tables_identity_map_4g)
{
	struct boot_params bp = { 0 };
	struct cpu_state s;
	char err[128];

	ck_assert_int_eq(boot_setup(&gm, &img, &bp, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(walk(s.cr3, 0), 0);
	ck_assert_int_eq(walk(s.cr3, 0x100040), 0x100040);
	ck_assert_int_eq(walk(s.cr3, 0x7fffff), 0x7fffff);
	ck_assert_int_eq(walk(s.cr3, 0x12345678), 0x12345678);
	ck_assert_int_eq(walk(s.cr3, 0xfee00000), 0xfee00000);
	ck_assert_int_eq(walk(s.cr3, 0xffffffff), 0xffffffff);
	ck_assert_int_eq(walk(s.cr3, 0x100000000ull), -1);  /* 4 GiB: unmapped */
	ck_assert_uint_eq(rd64(0x1000), 0x2003);
	ck_assert_uint_eq(rd64(0x1008), 0);
	ck_assert_uint_eq(rd64(0x2018), 0x6003);
	ck_assert_uint_eq(rd64(0x2020), 0);
	ck_assert_uint_eq(rd64(0x3008), 0x200083);
	ck_assert_uint_eq(rd64(0), 0);                      /* page 0 cleared */
}
END_TEST

START_TEST(gdt_descriptors)
{
	struct boot_params bp = { 0 };
	struct cpu_state s;
	char err[128];

	ck_assert_int_eq(boot_setup(&gm, &img, &bp, &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(rd64(0x7000), 0);
	ck_assert_uint_eq(rd64(0x7008), 0x00af9b000000ffffull);
	ck_assert_uint_eq(rd64(0x7010), 0x00cf93000000ffffull);
	ck_assert_uint_eq(rd64(0x7018), 0x00cf9b000000ffffull);
	ck_assert_uint_eq(rd64(0x7020), 0x000093000000ffffull);
	ck_assert_uint_eq(rd64(0x7028), 0);
	/* Descriptor fields agree with the cached CS access rights: type,
	 * S, DPL, P in bits 40-47, L/D/G in bits 53-55. */
	uint64_t cs = rd64(0x7008);
	ck_assert_uint_eq((cs >> 40) & 0xff, s.seg[SEG_CS].ar & 0xff);
	ck_assert_uint_eq((cs >> 52) & 0xf, (s.seg[SEG_CS].ar >> 12) & 0xf);
}
END_TEST

START_TEST(boot_info_block)
{
	struct boot_params bp = { .cmdline = "console=uart quiet", .vmx = true };
	struct vmxbox_boot_info bi;
	struct cpu_state s;
	char err[128];

	ck_assert_int_eq(boot_setup(&gm, &img, &bp, &s, err, sizeof(err)), 0);
	ck_assert(gmem_read(&gm, 0x8000, &bi, sizeof(bi)));
	ck_assert_uint_eq(bi.magic, 0x31544f4f42584d56ull);
	ck_assert_mem_eq(&bi.magic, "VMXBOOT1", 8);
	ck_assert_uint_eq(bi.mem_size, 8ull << 20);
	ck_assert_uint_eq(bi.image_start, 0x100000);
	ck_assert_uint_eq(bi.image_end, 0x123456);
	ck_assert_uint_eq(bi.flags, 1);
	ck_assert_str_eq(bi.cmdline, "console=uart quiet");
	bp.vmx = false;
	bp.cmdline = NULL;
	ck_assert_int_eq(boot_setup(&gm, &img, &bp, &s, err, sizeof(err)), 0);
	ck_assert(gmem_read(&gm, 0x8000, &bi, sizeof(bi)));
	ck_assert_uint_eq(bi.flags, 0);
	ck_assert_str_eq(bi.cmdline, "");
}
END_TEST

START_TEST(cmdline_too_long)
{
	char longline[300];
	struct boot_params bp = { .cmdline = longline };
	struct cpu_state s;
	char err[128];

	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	ck_assert_int_eq(boot_setup(&gm, &img, &bp, &s, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "command line too long"));
	longline[255] = '\0';    /* 255 bytes + NUL fits exactly */
	ck_assert_int_eq(boot_setup(&gm, &img, &bp, &s, err, sizeof(err)), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("boot");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, entry_state_is_long_mode);
	tcase_add_test(tc, page_tables_identity_map_4g);
	tcase_add_test(tc, gdt_descriptors);
	tcase_add_test(tc, boot_info_block);
	tcase_add_test(tc, cmdline_too_long);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
