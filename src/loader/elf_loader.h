/* SPDX-License-Identifier: MIT */
/*
 * ELF64 x86-64 firmware loader: copies PT_LOAD segments into guest RAM at
 * their physical address (p_paddr), zeroing the bss tail (p_memsz beyond
 * p_filesz).  Every check happens before the first byte is copied, so a
 * rejected image leaves guest memory untouched.  Rules: docs/boot.md.
 */
#ifndef VMXBOX_LOADER_ELF_LOADER_H
#define VMXBOX_LOADER_ELF_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "memory/guest_mem.h"

/* PT_LOAD segments must start at or above this guest-physical address. */
#define ELF_LOAD_MIN 0x100000ull
#define ELF_MAX_SEGMENTS 64

struct elf_image {
	uint64_t entry;
	uint64_t start;       /* lowest PT_LOAD address */
	uint64_t end;         /* end of the highest PT_LOAD (addr + memsz) */
	unsigned nr_segments; /* PT_LOAD segments with p_memsz != 0 */
};

/*
 * Load an image from memory / from a file.  Return 0 on success, or a
 * negative errno (-ENOENT, -EACCES, -ENOEXEC for a malformed or unsupported
 * image, -ERANGE for a segment outside the loadable RAM) with a one-line
 * reason in err (no trailing newline).
 */
int elf_load_buf(struct guest_mem *gm, const void *buf, size_t len,
		 struct elf_image *img, char *err, size_t errlen);
int elf_load_file(struct guest_mem *gm, const char *path,
		  struct elf_image *img, char *err, size_t errlen);

/*
 * The same rules for the multiboot loader, which also takes ELF32 i386
 * images (program headers widened to the ELF64 layout) and needs the
 * entry below 4 GiB (it is entered in 32-bit protected mode).
 */
int elf_load_buf_any(struct guest_mem *gm, const void *buf, size_t len,
		     struct elf_image *img, char *err, size_t errlen);

#endif
