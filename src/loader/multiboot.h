/* SPDX-License-Identifier: MIT */
/*
 * Multiboot (version 0.6.96) loader: finds the multiboot header in the
 * first 8 KiB of a kernel file, loads the kernel (ELF32/ELF64 by program
 * headers, or the a.out-kludge address fields when header flag 16 is set),
 * its modules, and the multiboot information structure, and enters it in
 * 32-bit protected mode with paging off (docs/boot.md, "Multiboot").
 */
#ifndef VMXBOX_LOADER_MULTIBOOT_H
#define VMXBOX_LOADER_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu_state.h"
#include "loader/elf_loader.h"
#include "memory/guest_mem.h"

#define MB_HEADER_MAGIC     0x1badb002u
#define MB_BOOT_MAGIC       0x2badb002u   /* EAX at entry */
#define MB_SEARCH_LEN       8192
#define MB_MAX_MODULES      32
#define MB_CMDLINE_MAX      65536        /* bytes, without the NUL */

/* Header flags (spec 3.1.2): bits 0-15 are requirements. */
#define MB_HF_PAGE_ALIGN    (1u << 0)
#define MB_HF_MEMINFO       (1u << 1)
#define MB_HF_VIDEO         (1u << 2)
#define MB_HF_AOUT_KLUDGE   (1u << 16)

/* Info flags (spec 3.3). */
#define MB_INFO_MEMORY      (1u << 0)
#define MB_INFO_BOOTDEV     (1u << 1)
#define MB_INFO_CMDLINE     (1u << 2)
#define MB_INFO_MODS        (1u << 3)
#define MB_INFO_MEM_MAP     (1u << 6)
#define MB_INFO_LOADER_NAME (1u << 9)

/* Guest-physical layout of what the loader writes (below 640 KiB, never
 * in page 0; kernels load at or above 1 MiB). */
#define MB_GDT        0x8000ull
#define MB_STACK_TOP  0x8000ull       /* ESP at entry; grows down */
#define MB_INFO_ADDR  0x9000ull
#define MB_AREA_END   0x9f000ull      /* info, map, strings end below */

#define MB_SEL_CODE32 0x08
#define MB_SEL_DATA   0x10

struct mb_header {
	uint32_t offset;       /* in the file */
	uint32_t flags;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr,
		 entry_addr;
};

struct mb_module {
	const char *path;      /* file to load */
	const char *string;    /* the module's command line ("path args") */
};

struct mb_request {
	const char *image_name;    /* first word of the kernel command line */
	const char *append;        /* the rest; NULL = empty */
	const struct mb_module *mods;
	unsigned nr_mods;
};

/* The multiboot header of a file, if it has a valid one (magic and
 * checksum) in its first 8 KiB, 4-byte aligned. */
bool mb_find_header(const void *buf, size_t len, struct mb_header *h);

/*
 * Load a kernel that has a multiboot header, its modules and the info
 * structure; fill *s with the entry state and *img with the image bounds.
 * Returns 0, -ENOEXEC / -ERANGE for a bad image, -E2BIG for a request that
 * does not fit (command line, modules), -errno for a module file.
 */
int mb_load(struct guest_mem *gm, const void *buf, size_t len,
	    const struct mb_request *rq, struct cpu_state *s,
	    struct elf_image *img, char *err, size_t errlen);

#endif
