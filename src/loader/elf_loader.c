// SPDX-License-Identifier: MIT
#include "loader/elf_loader.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest firmware file we accept (guards against mapping huge files). */
#define ELF_MAX_FILE (1ull << 30)

static int fail(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static int check_header(const Elf64_Ehdr *eh, size_t len, char *err,
			size_t errlen)
{
	if (len < SELFMAG || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return fail(-ENOEXEC, err, errlen, "not an ELF file");
	if (len < sizeof(*eh))
		return fail(-ENOEXEC, err, errlen,
			    "truncated ELF header (%zu bytes)", len);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return fail(-ENOEXEC, err, errlen,
			    "not a 64-bit ELF (class %u); vmxbox needs ELF64",
			    eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(-ENOEXEC, err, errlen, "not a little-endian ELF");
	if (eh->e_machine != EM_X86_64)
		return fail(-ENOEXEC, err, errlen,
			    "ELF machine %u is not x86-64 (%u)", eh->e_machine,
			    EM_X86_64);
	if (eh->e_type != ET_EXEC)
		return fail(-ENOEXEC, err, errlen,
			    "ELF type %u is not ET_EXEC (static executable)",
			    eh->e_type);
	if (eh->e_phnum == 0)
		return fail(-ENOEXEC, err, errlen, "ELF has no program headers");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(-ENOEXEC, err, errlen,
			    "bad program header size %u", eh->e_phentsize);
	if (eh->e_phoff > len ||
	    (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
		return fail(-ENOEXEC, err, errlen,
			    "truncated ELF: program headers past end of file");
	return 0;
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
		return fail(-ENOEXEC, err, errlen,
			    "segment %u: p_filesz > p_memsz", idx);
	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return fail(-ENOEXEC, err, errlen,
			    "truncated ELF: segment %u data past end of file",
			    idx);
	if (ph->p_paddr < ELF_LOAD_MIN || ph->p_memsz > ram ||
	    ph->p_paddr > ram - ph->p_memsz)
		return fail(-ERANGE, err, errlen,
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

		memcpy(&ph, buf + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		ret = check_segment(&ph, i, len, ram, err, errlen);
		if (ret)
			return ret;
		for (unsigned j = 0; j < *nr; j++)
			if (overlaps(&ph, &segs[j]))
				return fail(-ENOEXEC, err, errlen,
					    "segment %u overlaps an earlier PT_LOAD segment at 0x%llx",
					    i, (unsigned long long)segs[j].p_paddr);
		if (*nr == ELF_MAX_SEGMENTS)
			return fail(-ENOEXEC, err, errlen,
				    "more than %d PT_LOAD segments",
				    ELF_MAX_SEGMENTS);
		segs[(*nr)++] = ph;
	}
	if (*nr == 0)
		return fail(-ENOEXEC, err, errlen, "ELF has no PT_LOAD segment");
	return 0;
}

static bool entry_in_segment(uint64_t entry, const Elf64_Phdr *segs, unsigned nr)
{
	for (unsigned i = 0; i < nr; i++)
		if (entry - segs[i].p_paddr < segs[i].p_memsz)
			return true;
	return false;
}

int elf_load_buf(struct guest_mem *gm, const void *buf, size_t len,
		 struct elf_image *img, char *err, size_t errlen)
{
	Elf64_Phdr segs[ELF_MAX_SEGMENTS];
	Elf64_Ehdr eh = { 0 };
	unsigned nr;
	int ret;

	memcpy(&eh, buf, len < sizeof(eh) ? len : sizeof(eh));
	ret = check_header(&eh, len, err, errlen);
	if (ret)
		return ret;
	ret = collect_segments(buf, len, &eh, gm->size, segs, &nr, err, errlen);
	if (ret)
		return ret;
	/* The boot map is an identity map, so the entry is a physical address. */
	if (!entry_in_segment(eh.e_entry, segs, nr))
		return fail(-ENOEXEC, err, errlen,
			    "entry point 0x%llx is outside every PT_LOAD segment",
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

int elf_load_file(struct guest_mem *gm, const char *path,
		  struct elf_image *img, char *err, size_t errlen)
{
	struct stat st;
	void *map;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(-errno, err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(-EINVAL, err, errlen, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > ELF_MAX_FILE) {
		close(fd);
		return fail(-EFBIG, err, errlen, "%s: file too large", path);
	}
	if (st.st_size == 0) {
		close(fd);
		return fail(-ENOEXEC, err, errlen, "%s: empty file, not an ELF file",
			    path);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	ret = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (ret)
		return fail(ret, err, errlen, "%s: %s", path, strerror(-ret));

	char why[200];

	ret = elf_load_buf(gm, map, (size_t)st.st_size, img, why, sizeof(why));
	if (ret)
		fail(ret, err, errlen, "%s: %s", path, why);
	munmap(map, (size_t)st.st_size);
	return ret;
}
