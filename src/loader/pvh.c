// SPDX-License-Identifier: MIT
#include "loader/pvh.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "loader/entry32.h"
#include "loader/pc_memmap.h"
#include "loader/load_error.h"
#include "loader/initrd.h"

#define PAGE 0x1000ull

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* The notes of one PT_NOTE segment, [p, p + n): the "Xen" note of type
 * 18 holds the entry (4 bytes, or 8 as Linux's _ASM_PTR emits it). */
static bool find_in_notes(const uint8_t *p, size_t n, uint32_t *entry)
{
	while (n >= 12) {
		size_t namesz = loader_le32(p), descsz = loader_le32(p + 4);
		uint32_t type = loader_le32(p + 8);
		size_t name = align4(namesz), desc = align4(descsz);

		if (namesz > n - 12 || name > n - 12 || descsz > n - 12 - name ||
		    desc > n - 12 - name)
			return false;
		if (type == PVH_NOTE_PHYS32_ENTRY && namesz == 4 &&
		    !memcmp(p + 12, "Xen", 4) && (descsz == 4 || descsz == 8)) {
			*entry = loader_le32(p + 12 + name);
			/* An 8-byte entry above 4 GiB cannot be entered in
			 * 32-bit mode. */
			return descsz == 4 || !loader_le32(p + 16 + name);
		}
		p += 12 + name + desc;
		n -= 12 + name + desc;
	}
	return false;
}

bool pvh_detect(const void *buf, size_t len, uint32_t *entry)
{
	const uint8_t *b = buf;
	Elf64_Ehdr eh;

	if (len < sizeof(eh))
		return false;
	memcpy(&eh, b, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > len ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > len - eh.e_phoff)
		return false;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, b + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE || ph.p_offset > len ||
		    ph.p_filesz > len - ph.p_offset)
			continue;
		if (find_in_notes(b + ph.p_offset, ph.p_filesz, entry))
			return true;
	}
	return false;
}

/* The initrd goes page-aligned to the top of the RAM below the PC hole,
 * above the kernel; it is module 0, which Linux takes as its initrd. */
static int load_initrd(struct guest_mem *gm, const struct elf_image *img,
		       const char *path, char *err, size_t errlen)
{
	uint64_t top = PC_HIGH_RAM + ((uint64_t)pc_mem_upper_kib(gm->size) << 10);
	uint64_t floor = (img->end + PAGE - 1) & ~(PAGE - 1), at, len;
	int ret = loader_load_initrd(gm, path, floor, top, &at, &len, err,
				     errlen);

	if (ret)
		return ret;
	gmem_fill(gm, PVH_MODLIST, 0, PVH_MODLIST_ENTRY_SIZE);
	gmem_write_u64(gm, PVH_MODLIST, at);
	gmem_write_u64(gm, PVH_MODLIST + 8, len);
	gmem_write_u32(gm, PVH_START_INFO + PVH_SI_NR_MODULES, 1);
	gmem_write_u64(gm, PVH_START_INFO + PVH_SI_MODLIST, PVH_MODLIST);
	return 0;
}

/* Version 1 of the start info, with the PC's memory map
 * (loader/pc_memmap.h: the same as a bzImage's e820 table). */
static void write_start_info(struct guest_mem *gm, uint64_t rsdp)
{
	struct pc_mem_region r[PC_MEMMAP_MAX];
	unsigned n = pc_memmap(gm->size, r);

	gmem_fill(gm, PVH_START_INFO, 0, PVH_MEMMAP - PVH_START_INFO);
	gmem_write_u32(gm, PVH_START_INFO + PVH_SI_MAGIC, PVH_START_MAGIC);
	gmem_write_u32(gm, PVH_START_INFO + PVH_SI_VERSION, 1);
	gmem_write_u64(gm, PVH_START_INFO + PVH_SI_CMDLINE, PVH_CMDLINE);
	gmem_write_u64(gm, PVH_START_INFO + PVH_SI_RSDP, rsdp);
	gmem_write_u64(gm, PVH_START_INFO + PVH_SI_MEMMAP, PVH_MEMMAP);
	gmem_write_u32(gm, PVH_START_INFO + PVH_SI_MEMMAP_ENTRIES, n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t e = PVH_MEMMAP + i * PVH_MEMMAP_ENTRY_SIZE;

		gmem_write_u64(gm, e, r[i].base);
		gmem_write_u64(gm, e + 8, r[i].len);
		gmem_write_u32(gm, e + 16, r[i].type);
		gmem_write_u32(gm, e + 20, 0);
	}
}

/* The PVH entry state: 32-bit flat CS/DS/ES/SS from a GDT, paging off,
 * CR4 0, a 32-bit TSS (base 0, limit 0x67), IF clear, EBX the start info. */
static void enter(struct guest_mem *gm, uint32_t entry, struct cpu_state *s)
{
	uint64_t gdt[4] = { 0, 0, GDT_FLAT_CODE32, GDT_FLAT_DATA };
	struct entry32 e = { .gdt = PVH_GDT, .gdt_limit = sizeof(gdt) - 1,
			     .cs = PVH_SEL_CS, .ds = PVH_SEL_DS,
			     .eip = entry, .esp = PVH_STACK_TOP };

	gmem_fill(gm, PVH_GDT, 0, 0x100);
	entry32_write_gdt(gm, PVH_GDT, gdt, 4);
	entry32_state(s, &e);
	s->gpr[GPR_RBX] = PVH_START_INFO;
}

static bool entry_in_image(uint32_t entry, const struct elf_image *img)
{
	return entry >= img->start && entry < img->end;
}

int pvh_load(struct guest_mem *gm, const void *buf, size_t len,
	     const char *cmdline, const char *initrd, uint64_t rsdp,
	     struct cpu_state *s, struct elf_image *img, char *err,
	     size_t errlen)
{
	uint32_t entry;
	int ret;

	if (!pvh_detect(buf, len, &entry))
		return loader_fail(-ENOEXEC, err, errlen,
				   "not an ELF64 file with a PVH entry note");
	ret = elf_load_buf(gm, buf, len, img, err, errlen);
	if (ret)
		return ret;
	if (!entry_in_image(entry, img))
		return loader_fail(-ENOEXEC, err, errlen,
				   "PVH entry 0x%x is outside the image [0x%llx, 0x%llx)",
				   entry, (unsigned long long)img->start,
				   (unsigned long long)img->end);
	write_start_info(gm, rsdp);
	ret = loader_write_cmdline(gm, PVH_CMDLINE, cmdline ? cmdline : "",
				   PVH_CMDLINE_MAX, "a PVH kernel", err, errlen);
	if (!ret && initrd)
		ret = load_initrd(gm, img, initrd, err, errlen);
	if (ret)
		return ret;
	enter(gm, entry, s);
	img->entry = entry;
	return 0;
}
