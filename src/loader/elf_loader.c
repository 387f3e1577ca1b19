// SPDX-License-Identifier: MIT
#include "loader/elf_loader.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "loader/file_map.h"
#include "loader/load_error.h"

/*
 * The ELF header in the ELF64 layout: an ELF32 header (when accepted) is
 * widened field by field, so every later check reads one layout.
 */
static void read_ehdr(const uint8_t *buf, size_t len, Elf64_Ehdr *eh)
{
	Elf32_Ehdr e32 = { 0 };

	memset(eh, 0, sizeof(*eh));
	memcpy(eh, buf, len < sizeof(*eh) ? len : sizeof(*eh));
	if (len < EI_NIDENT || eh->e_ident[EI_CLASS] != ELFCLASS32)
		return;
	memcpy(&e32, buf, len < sizeof(e32) ? len : sizeof(e32));
	eh->e_type = e32.e_type;
	eh->e_machine = e32.e_machine;
	eh->e_entry = e32.e_entry;
	eh->e_phoff = e32.e_phoff;
	eh->e_phentsize = e32.e_phentsize;
	eh->e_phnum = e32.e_phnum;
}

static bool is_elf32(const Elf64_Ehdr *eh)
{
	return eh->e_ident[EI_CLASS] == ELFCLASS32;
}

static int check_class(const Elf64_Ehdr *eh, size_t len, bool any,
		       char *err, size_t errlen)
{
	bool e32 = is_elf32(eh);

	if (eh->e_ident[EI_CLASS] != ELFCLASS64 && !(any && e32))
		return loader_fail(-ENOEXEC, err, errlen,
				   any ? "unknown ELF class %u" :
				   "not a 64-bit ELF (class %u); vmxbox needs ELF64",
				   eh->e_ident[EI_CLASS]);
	if (len < (e32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr)))
		return loader_fail(-ENOEXEC, err, errlen,
				   "truncated ELF header (%zu bytes)", len);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return loader_fail(-ENOEXEC, err, errlen, "not a little-endian ELF");
	if (e32 && eh->e_machine != EM_386)
		return loader_fail(-ENOEXEC, err, errlen,
				   "ELF32 machine %u is not i386 (%u)", eh->e_machine,
				   EM_386);
	if (!e32 && eh->e_machine != EM_X86_64)
		return loader_fail(-ENOEXEC, err, errlen,
				   "ELF machine %u is not x86-64 (%u)", eh->e_machine,
				   EM_X86_64);
	return 0;
}

static int check_header(const Elf64_Ehdr *eh, size_t len, bool any,
			char *err, size_t errlen)
{
	size_t phsz = is_elf32(eh) ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
	int ret;

	if (len < SELFMAG || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return loader_fail(-ENOEXEC, err, errlen, "not an ELF file");
	if (len < EI_NIDENT)
		return loader_fail(-ENOEXEC, err, errlen,
				   "truncated ELF header (%zu bytes)", len);
	ret = check_class(eh, len, any, err, errlen);
	if (ret)
		return ret;
	if (eh->e_type != ET_EXEC)
		return loader_fail(-ENOEXEC, err, errlen,
				   "ELF type %u is not ET_EXEC (static executable)",
				   eh->e_type);
	if (eh->e_phnum == 0)
		return loader_fail(-ENOEXEC, err, errlen, "ELF has no program headers");
	if (eh->e_phentsize != phsz)
		return loader_fail(-ENOEXEC, err, errlen,
				   "bad program header size %u", eh->e_phentsize);
	if (eh->e_phoff > len || (uint64_t)eh->e_phnum * phsz > len - eh->e_phoff)
		return loader_fail(-ENOEXEC, err, errlen,
				   "truncated ELF: program headers past end of file");
	return 0;
}

/* Program header i in the ELF64 layout (check_header made it readable). */
static void read_phdr(const uint8_t *buf, const Elf64_Ehdr *eh, unsigned i,
		      Elf64_Phdr *ph)
{
	Elf32_Phdr p32;

	if (!is_elf32(eh)) {
		memcpy(ph, buf + eh->e_phoff + i * sizeof(*ph), sizeof(*ph));
		return;
	}
	memcpy(&p32, buf + eh->e_phoff + i * sizeof(p32), sizeof(p32));
	*ph = (Elf64_Phdr){ .p_type = p32.p_type, .p_flags = p32.p_flags,
			    .p_offset = p32.p_offset, .p_vaddr = p32.p_vaddr,
			    .p_paddr = p32.p_paddr, .p_filesz = p32.p_filesz,
			    .p_memsz = p32.p_memsz, .p_align = p32.p_align };
}

static bool overlaps(const Elf64_Phdr *a, const Elf64_Phdr *b)
{
	return a->p_paddr < b->p_paddr + b->p_memsz &&
	       b->p_paddr < a->p_paddr + a->p_memsz;
}

static int check_segment(const Elf64_Phdr *ph, unsigned idx, size_t len,
			 uint64_t ram, char *err, size_t errlen)
{
	if (ph->p_filesz > ph->p_memsz)
		return loader_fail(-ENOEXEC, err, errlen,
				   "segment %u: p_filesz > p_memsz", idx);
	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return loader_fail(-ENOEXEC, err, errlen,
				   "truncated ELF: segment %u data past end of file",
				   idx);
	if (ph->p_paddr < ELF_LOAD_MIN || ph->p_memsz > ram ||
	    ph->p_paddr > ram - ph->p_memsz)
		return loader_fail(-ERANGE, err, errlen,
				   "segment %u [0x%llx, 0x%llx) is outside loadable RAM [0x%llx, 0x%llx)",
				   idx, (unsigned long long)ph->p_paddr,
				   (unsigned long long)(ph->p_paddr + ph->p_memsz),
				   ELF_LOAD_MIN, (unsigned long long)ram);
	return 0;
}

/* Collect PT_LOAD headers with a non-empty memory image, checked. */
static int collect_segments(const uint8_t *buf, size_t len, const Elf64_Ehdr *eh,
			    uint64_t ram, Elf64_Phdr *segs, unsigned *nr,
			    char *err, size_t errlen)
{
	*nr = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		int ret;

		read_phdr(buf, eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		ret = check_segment(&ph, i, len, ram, err, errlen);
		if (ret)
			return ret;
		for (unsigned j = 0; j < *nr; j++)
			if (overlaps(&ph, &segs[j]))
				return loader_fail(-ENOEXEC, err, errlen,
						   "segment %u overlaps an earlier PT_LOAD segment at 0x%llx",
						   i, (unsigned long long)segs[j].p_paddr);
		if (*nr == ELF_MAX_SEGMENTS)
			return loader_fail(-ENOEXEC, err, errlen,
					   "more than %d PT_LOAD segments",
					   ELF_MAX_SEGMENTS);
		segs[(*nr)++] = ph;
	}
	if (*nr == 0)
		return loader_fail(-ENOEXEC, err, errlen, "ELF has no PT_LOAD segment");
	return 0;
}

static bool entry_in_segment(uint64_t entry, const Elf64_Phdr *segs, unsigned nr)
{
	for (unsigned i = 0; i < nr; i++)
		if (entry - segs[i].p_paddr < segs[i].p_memsz)
			return true;
	return false;
}

static int load_buf(struct guest_mem *gm, const void *buf, size_t len,
		    bool any, struct elf_image *img, char *err, size_t errlen)
{
	Elf64_Phdr segs[ELF_MAX_SEGMENTS];
	Elf64_Ehdr eh;
	unsigned nr;
	int ret;

	read_ehdr(buf, len, &eh);
	ret = check_header(&eh, len, any, err, errlen);
	if (ret)
		return ret;
	/* Below the PC hole: segments load into RAM under 4 GiB. */
	ret = collect_segments(buf, len, &eh, gm->low, segs, &nr, err, errlen);
	if (ret)
		return ret;
	/* The boot map is an identity map, so the entry is a physical address. */
	if (!entry_in_segment(eh.e_entry, segs, nr))
		return loader_fail(-ENOEXEC, err, errlen,
				   "entry point 0x%llx is outside every PT_LOAD segment",
				   (unsigned long long)eh.e_entry);
	if (any && eh.e_entry > UINT32_MAX)
		return loader_fail(-ENOEXEC, err, errlen,
				   "entry point 0x%llx is above 4 GiB (entered in 32-bit mode)",
				   (unsigned long long)eh.e_entry);

	*img = (struct elf_image){ .entry = eh.e_entry, .start = UINT64_MAX,
				   .nr_segments = nr };
	for (unsigned i = 0; i < nr; i++) {
		const Elf64_Phdr *ph = &segs[i];

		gmem_write(gm, ph->p_paddr, (const uint8_t *)buf + ph->p_offset,
			   ph->p_filesz);
		gmem_fill(gm, ph->p_paddr + ph->p_filesz, 0,
			  ph->p_memsz - ph->p_filesz);
		if (ph->p_paddr < img->start)
			img->start = ph->p_paddr;
		if (ph->p_paddr + ph->p_memsz > img->end)
			img->end = ph->p_paddr + ph->p_memsz;
	}
	return 0;
}

int elf_load_buf(struct guest_mem *gm, const void *buf, size_t len,
		 struct elf_image *img, char *err, size_t errlen)
{
	return load_buf(gm, buf, len, false, img, err, errlen);
}

int elf_load_buf_any(struct guest_mem *gm, const void *buf, size_t len,
		     struct elf_image *img, char *err, size_t errlen)
{
	return load_buf(gm, buf, len, true, img, err, errlen);
}

int elf_load_file(struct guest_mem *gm, const char *path,
		  struct elf_image *img, char *err, size_t errlen)
{
	struct file_map f;
	char why[200];
	int ret;

	ret = file_map_open(&f, path, 1, err, errlen);
	if (ret)
		return ret;
	if (!f.len)
		return loader_fail(-ENOEXEC, err, errlen, "%s: empty file, not an ELF file",
				   path);
	ret = elf_load_buf(gm, f.data, f.len, img, why, sizeof(why));
	if (ret)
		loader_fail(ret, err, errlen, "%s: %s", path, why);
	file_map_close(&f);
	return ret;
}
