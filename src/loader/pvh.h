/* SPDX-License-Identifier: MIT */
/*
 * The PVH boot protocol (Xen's hvm_start_info ABI, which Linux, QEMU and
 * Firecracker also use without Xen): an uncompressed ELF kernel (Linux's
 * vmlinux) names a 32-bit physical entry point in an ELF note (owner
 * "Xen", type XEN_ELFNOTE_PHYS32_ENTRY = 18).  The loader puts its PT_LOAD
 * segments at their physical addresses, the initrd high in RAM, and
 * enters in 32-bit protected mode with paging off and EBX pointing at a
 * struct hvm_start_info (version 1: command line, module list, E820-style
 * memory map, RSDP).  For Linux this skips the bzImage decompressor: what
 * it costs an interpreted guest to inflate the kernel.  docs/boot.md, "PVH".
 */
#ifndef VMXBOX_LOADER_PVH_H
#define VMXBOX_LOADER_PVH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu_state.h"
#include "loader/elf_loader.h"
#include "memory/guest_mem.h"

#define PVH_NOTE_PHYS32_ENTRY 18
#define PVH_START_MAGIC  0x336ec578u    /* "xEn3" with the E's top bit */

/* Guest-physical layout. */
#define PVH_START_INFO   0x6000ull      /* struct hvm_start_info */
#define PVH_MODLIST      0x6040ull      /* one hvm_modlist_entry: the initrd */
#define PVH_MEMMAP       0x6080ull      /* hvm_memmap_table_entry[] */
#define PVH_GDT          0x7000ull
#define PVH_CMDLINE      0x20000ull
/* Linux's x86 COMMAND_LINE_SIZE, NUL included: it would cut a longer one. */
#define PVH_CMDLINE_MAX  2047
#define PVH_STACK_TOP    0x80000ull
#define PVH_SEL_CS 0x10
#define PVH_SEL_DS 0x18

/* Offsets in struct hvm_start_info (version 1: 56 bytes). */
#define PVH_SI_MAGIC        0
#define PVH_SI_VERSION      4
#define PVH_SI_FLAGS        8
#define PVH_SI_NR_MODULES   12
#define PVH_SI_MODLIST      16
#define PVH_SI_CMDLINE      24
#define PVH_SI_RSDP         32
#define PVH_SI_MEMMAP       40
#define PVH_SI_MEMMAP_ENTRIES 48
#define PVH_SI_SIZE         56
#define PVH_MODLIST_ENTRY_SIZE 32       /* paddr, size, cmdline, reserved */
#define PVH_MEMMAP_ENTRY_SIZE  24       /* addr, size, type, reserved */

/* Is this an ELF file with a PVH entry note?  *entry gets the entry. */
bool pvh_detect(const void *buf, size_t len, uint32_t *entry);

/*
 * Load a PVH ELF kernel, the initrd (NULL: none) and the command line
 * (NULL: empty); fill *s with the entry state.  rsdp is the ACPI RSDP's
 * address for the start info.  Returns 0, -ENOEXEC / -ERANGE for a bad
 * image, -E2BIG for what does not fit, -errno for the initrd file.
 */
int pvh_load(struct guest_mem *gm, const void *buf, size_t len,
	     const char *cmdline, const char *initrd, uint64_t rsdp,
	     struct cpu_state *s, struct elf_image *img, char *err,
	     size_t errlen);

#endif
