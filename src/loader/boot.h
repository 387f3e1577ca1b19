/* SPDX-License-Identifier: MIT */
/*
 * Boot setup for ELF64 firmware (docs/boot.md): identity-mapped page
 * tables, a flat GDT, the boot info block, and the vCPU state at the entry
 * point (64-bit long mode, interrupts off).
 */
#ifndef VMXBOX_LOADER_BOOT_H
#define VMXBOX_LOADER_BOOT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/cpu_state.h"
#include "loader/boot_info.h"
#include "loader/elf_loader.h"
#include "memory/guest_mem.h"

/* Guest-physical layout of the boot structures. */
#define BOOT_PML4     0x1000ull
#define BOOT_PDPT     0x2000ull
#define BOOT_PD       0x3000ull   /* four pages: 0x3000-0x6fff */
#define BOOT_PD_COUNT 4
#define BOOT_GDT      0x7000ull
#define BOOT_INFO     0x8000ull
#define BOOT_STACK_TOP 0x80000ull

/* GDT selectors. */
#define BOOT_SEL_CODE64 0x08
#define BOOT_SEL_DATA   0x10
#define BOOT_SEL_CODE32 0x18
#define BOOT_SEL_DATA16 0x20
#define BOOT_GDT_ENTRIES 5

#define BOOT_CR0 (CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP | CR0_PE)
#define BOOT_CR4 CR4_PAE
#define BOOT_EFER (EFER_NXE | EFER_LMA | EFER_LME)

struct boot_params {
	const char *cmdline;   /* may be NULL; truncated to 255 bytes */
	bool vmx;              /* VMX advertised to the guest */
};

/*
 * Write the page tables, GDT and boot info into gm (which must hold the
 * loaded image) and fill *s with the entry state.  Returns 0, or -EINVAL
 * (with err) when the command line does not fit.
 */
int boot_setup(struct guest_mem *gm, const struct elf_image *img,
	       const struct boot_params *bp, struct cpu_state *s,
	       char *err, size_t errlen);

/* PML4 at BOOT_PML4 .. four PDs: 0-4 GiB identity-mapped with 2 MiB
 * pages (also the Linux loader's 64-bit entry map). */
void boot_write_identity_map(struct guest_mem *gm);

/* The raw 8-byte GDT descriptor for selector index i (0..4). */
uint64_t boot_gdt_entry(unsigned i);

#endif
