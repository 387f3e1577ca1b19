// SPDX-License-Identifier: MIT
/*
 * The PVH loader (src/loader/pvh.c): the entry note is found, the start
 * info, module list and memory map say what Linux's PVH entry reads, the
 * CPU is in the PVH entry state, and bad requests fail with a reason.
 * The whole boot of Debian's vmlinux through it: tests/linux.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "loader/image.h"
#include "loader/pc_memmap.h"
#include "loader/pvh.h"
#include "tiny_elf.h"

#define MEM (16ull << 20)
#define ENTRY 0x100040u

static struct guest_mem gm;
static struct cpu_state s;
static struct elf_image img;
static char err[512];

static void setup(void)
{
	ck_assert_int_eq(gmem_init(&gm, MEM), 0);
	err[0] = '\0';
}

static void teardown(void)
{
	gmem_destroy(&gm);
}

/* Notes as a linker lays them out: namesz, descsz, type, name, desc. */
static size_t note(uint8_t *p, const char *name, uint32_t type,
		   const void *desc, uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	size_t at = 12;

	memcpy(p, &namesz, 4);
	memcpy(p + 4, &descsz, 4);
	memcpy(p + 8, &type, 4);
	memcpy(p + at, name, namesz);
	at += (namesz + 3) & ~3u;
	memcpy(p + at, desc, descsz);
	return at + ((descsz + 3) & ~3u);
}

/* A kernel: code at 1 MiB (1 MiB with its bss), then a PT_NOTE with a
 * "Linux" note and the Xen PHYS32_ENTRY note (8-byte desc, as Linux's). */
static size_t build(uint8_t **elf, uint32_t entry, uint32_t descsz)
{
	static const uint8_t code[] = { 0xf4 };
	uint8_t notes[128] = { 0 };
	uint64_t e = entry;
	size_t n = note(notes, "Linux", 1, "\0\0\0\0", 4);
	struct tiny_seg seg[2];
	Elf64_Phdr ph;
	size_t len;

	n += note(notes + n, "Xen", PVH_NOTE_PHYS32_ENTRY, &e, descsz);
	seg[0] = (struct tiny_seg){ 0x100000, code, sizeof(code), 0x100000 };
	seg[1] = (struct tiny_seg){ 0x300000, notes, n, n };
	len = tiny_elf_build(elf, 0x100000, seg, 2, NULL);
	/* The second program header becomes the PT_NOTE. */
	memcpy(&ph, *elf + sizeof(Elf64_Ehdr) + sizeof(ph), sizeof(ph));
	ph.p_type = PT_NOTE;
	memcpy(*elf + sizeof(Elf64_Ehdr) + sizeof(ph), &ph, sizeof(ph));
	return len;
}

static uint32_t rd32(uint64_t gpa)
{
	uint32_t v = 0;

	ck_assert(gmem_read_u32(&gm, gpa, &v));
	return v;
}

static uint64_t rd64(uint64_t gpa)
{
	uint64_t v = 0;

	ck_assert(gmem_read_u64(&gm, gpa, &v));
	return v;
}

START_TEST(entry_note_is_found)
{
	uint8_t *elf;
	size_t len = build(&elf, ENTRY, 8);
	uint32_t entry = 0;

	ck_assert(pvh_detect(elf, len, &entry));
	ck_assert_uint_eq(entry, ENTRY);
	free(elf);
	len = build(&elf, ENTRY + 1, 4);
	ck_assert(pvh_detect(elf, len, &entry));
	ck_assert_uint_eq(entry, ENTRY + 1);
	/* Cut inside the notes: no entry, no read past the end. */
	ck_assert(!pvh_detect(elf, len - 8, &entry));
	ck_assert(!pvh_detect(elf, 40, &entry));
	free(elf);
}
END_TEST

/* vmxbox's own firmware (no note) and 64-bit entries are not PVH. */
START_TEST(other_images_are_not_pvh)
{
	uint8_t *elf, code[128];
	struct tiny_seg seg = { 0x100000, code, tiny_hello_code(code), 0x1000 };
	size_t len = tiny_elf_build(&elf, 0x100000, &seg, 1, NULL);
	uint32_t entry;

	ck_assert(!pvh_detect(elf, len, &entry));
	free(elf);
	len = build(&elf, 0, 8);
	/* An 8-byte entry with high bits set cannot be entered in 32-bit mode. */
	elf[len - 4] = 1;
	ck_assert(!pvh_detect(elf, len, &entry));
	free(elf);
}
END_TEST

START_TEST(start_info_cmdline_memmap_and_initrd)
{
	static const char rd[] = "initrd bytes";
	char *initrd = tiny_write_temp(rd, sizeof(rd));
	struct pc_mem_region r[PC_MEMMAP_MAX];
	unsigned n = pc_memmap(MEM, r);
	uint64_t at, top = MEM;
	uint8_t *elf;
	size_t len = build(&elf, ENTRY, 8);
	char cmd[32] = "";

	ck_assert_int_eq(pvh_load(&gm, elf, len, "console=ttyS0", initrd,
				  0xf0000, &s, &img, err, sizeof(err)), 0);
	ck_assert_uint_eq(rd32(PVH_START_INFO + PVH_SI_MAGIC), 0x336ec578);
	ck_assert_uint_eq(rd32(PVH_START_INFO + PVH_SI_VERSION), 1);
	ck_assert_uint_eq(rd32(PVH_START_INFO + PVH_SI_FLAGS), 0);
	ck_assert_uint_eq(rd64(PVH_START_INFO + PVH_SI_RSDP), 0xf0000);
	ck_assert_uint_eq(rd64(PVH_START_INFO + PVH_SI_CMDLINE), PVH_CMDLINE);
	ck_assert(gmem_read(&gm, PVH_CMDLINE, cmd, 14));
	ck_assert_str_eq(cmd, "console=ttyS0");
	/* The memory map is the PC's, as a bzImage's e820 table. */
	ck_assert_uint_eq(rd32(PVH_START_INFO + PVH_SI_MEMMAP_ENTRIES), n);
	ck_assert_uint_eq(rd64(PVH_START_INFO + PVH_SI_MEMMAP), PVH_MEMMAP);
	for (unsigned i = 0; i < n; i++) {
		uint64_t e = PVH_MEMMAP + i * PVH_MEMMAP_ENTRY_SIZE;

		ck_assert_uint_eq(rd64(e), r[i].base);
		ck_assert_uint_eq(rd64(e + 8), r[i].len);
		ck_assert_uint_eq(rd32(e + 16), r[i].type);
	}
	/* Module 0, the initrd: page-aligned at the top of RAM. */
	ck_assert_uint_eq(rd32(PVH_START_INFO + PVH_SI_NR_MODULES), 1);
	ck_assert_uint_eq(rd64(PVH_START_INFO + PVH_SI_MODLIST), PVH_MODLIST);
	at = rd64(PVH_MODLIST);
	ck_assert_uint_eq(at, (top - sizeof(rd)) & ~0xfffull);
	ck_assert_uint_eq(rd64(PVH_MODLIST + 8), sizeof(rd));
	ck_assert(gmem_read(&gm, at, cmd, sizeof(rd)));
	ck_assert_str_eq(cmd, rd);
	ck_assert_uint_eq(img.entry, ENTRY);
	ck_assert_uint_eq(img.start, 0x100000);
	ck_assert_uint_eq(img.end, 0x200000);
	unlink(initrd);
	free(initrd);
	free(elf);
}
END_TEST

/* 32-bit protected mode, paging off, CR4 0, flat segments from the GDT,
 * a 32-bit busy TSS with limit 0x67, IF clear, EBX the start info. */
START_TEST(entry_state)
{
	uint8_t *elf;
	size_t len = build(&elf, ENTRY, 8);
	uint64_t cs_desc;

	ck_assert_int_eq(pvh_load(&gm, elf, len, NULL, NULL, 0, &s, &img, err,
				  sizeof(err)), 0);
	ck_assert_uint_eq(s.rip, ENTRY);
	ck_assert_uint_eq(s.gpr[GPR_RBX], PVH_START_INFO);
	ck_assert_uint_eq(s.cr0 & (CR0_PE | CR0_PG), CR0_PE);
	ck_assert_uint_eq(s.cr4, 0);
	ck_assert_uint_eq(s.efer, 0);
	ck_assert_uint_eq(s.rflags & (1u << 9), 0);
	ck_assert_uint_eq(s.seg[SEG_CS].sel, PVH_SEL_CS);
	ck_assert_uint_eq(s.seg[SEG_CS].base, 0);
	ck_assert_uint_eq(s.seg[SEG_CS].limit, 0xffffffff);
	ck_assert(s.seg[SEG_CS].ar & SEG_AR_DB);
	ck_assert_uint_eq(s.seg[SEG_SS].sel, PVH_SEL_DS);
	ck_assert_uint_eq(s.seg[SEG_TR].limit, 0x67);
	ck_assert_uint_eq(s.seg[SEG_TR].base, 0);
	ck_assert_uint_eq(s.gdtr.base, PVH_GDT);
	cs_desc = rd64(PVH_GDT + PVH_SEL_CS);
	ck_assert_uint_eq(cs_desc, 0x00cf9b000000ffffull);
	/* No initrd: no module. */
	ck_assert_uint_eq(rd32(PVH_START_INFO + PVH_SI_NR_MODULES), 0);
	free(elf);
}
END_TEST

START_TEST(bad_requests_fail_with_a_reason)
{
	char *cmd = malloc(PVH_CMDLINE_MAX + 2);
	char *big = malloc(MEM);
	char *initrd;
	uint8_t *elf;
	size_t len = build(&elf, ENTRY, 8);

	memset(cmd, 'a', PVH_CMDLINE_MAX + 1);
	cmd[PVH_CMDLINE_MAX + 1] = 0;
	ck_assert_int_eq(pvh_load(&gm, elf, len, cmd, NULL, 0, &s, &img, err,
				  sizeof(err)), -E2BIG);
	ck_assert_ptr_nonnull(strstr(err, "command line too long"));
	cmd[PVH_CMDLINE_MAX] = 0;
	ck_assert_int_eq(pvh_load(&gm, elf, len, cmd, NULL, 0, &s, &img, err,
				  sizeof(err)), 0);
	memset(big, 1, MEM);
	initrd = tiny_write_temp(big, MEM);
	ck_assert_int_eq(pvh_load(&gm, elf, len, "", initrd, 0, &s, &img, err,
				  sizeof(err)), -E2BIG);
	ck_assert_ptr_nonnull(strstr(err, "does not fit"));
	ck_assert_int_eq(pvh_load(&gm, elf, len, "", "/nonexistent/initrd", 0,
				  &s, &img, err, sizeof(err)), -ENOENT);
	free(elf);
	/* The entry must lie in the loaded image. */
	len = build(&elf, 0x500000, 8);
	ck_assert_int_eq(pvh_load(&gm, elf, len, "", NULL, 0, &s, &img, err,
				  sizeof(err)), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "PVH entry 0x500000 is outside"));
	unlink(initrd);
	free(initrd);
	free(big);
	free(cmd);
	free(elf);
}
END_TEST

/* image_load picks PVH by the note, before vmxbox's own ELF protocol. */
START_TEST(image_load_picks_pvh)
{
	uint8_t *elf;
	size_t len = build(&elf, ENTRY, 8);
	char *path = tiny_write_temp(elf, len);
	struct image_request rq = { .path = path, .append = "x" };
	const char *mods[] = { "m" };
	enum image_kind kind;

	ck_assert_int_eq(image_load(&gm, &rq, &s, &img, &kind, err, sizeof(err)), 0);
	ck_assert_int_eq(kind, IMAGE_PVH);
	ck_assert_str_eq(image_kind_name(kind), "PVH ELF");
	ck_assert_uint_eq(s.gpr[GPR_RBX], PVH_START_INFO);
	rq.modules = mods;
	rq.nr_modules = 1;
	ck_assert_int_eq(image_load(&gm, &rq, &s, &img, &kind, err, sizeof(err)),
			 -E2BIG);
	ck_assert_ptr_nonnull(strstr(err, "no further modules"));
	unlink(path);
	free(path);
	free(elf);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("pvh");
	TCase *tc = tcase_create("pvh");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, entry_note_is_found);
	tcase_add_test(tc, other_images_are_not_pvh);
	tcase_add_test(tc, start_info_cmdline_memmap_and_initrd);
	tcase_add_test(tc, entry_state);
	tcase_add_test(tc, bad_requests_fail_with_a_reason);
	tcase_add_test(tc, image_load_picks_pvh);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
