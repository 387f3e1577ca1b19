/* SPDX-License-Identifier: MIT */
/*
 * The 32-bit protected-mode entry state that boot protocols for PC kernels
 * specify (multiboot, Linux's 32-bit boot protocol): paging off, flat 4 GiB
 * code and data segments from a GDT the loader wrote, interrupts off.
 */
#ifndef VMXBOX_LOADER_ENTRY32_H
#define VMXBOX_LOADER_ENTRY32_H

#include <stdint.h>

#include "core/cpu_state.h"
#include "memory/guest_mem.h"

/* Flat descriptors (SDM 3.4.5), accessed bit set. */
#define GDT_FLAT_CODE32 0x00cf9b000000ffffull
#define GDT_FLAT_DATA   0x00cf93000000ffffull
#define GDT_FLAT_CODE64 0x00af9b000000ffffull

struct entry32 {
	uint64_t gdt;             /* guest-physical GDT base */
	uint16_t gdt_limit;
	uint16_t cs, ds;          /* selectors of the flat code/data segments */
	uint32_t eip, esp;
};

/* Write the descriptors nr entries starting at e->gdt. */
void entry32_write_gdt(struct guest_mem *gm, uint64_t gdt,
		       const uint64_t *desc, unsigned nr);
/* Reset *s and set the 32-bit flat protected-mode state of e. */
void entry32_state(struct cpu_state *s, const struct entry32 *e);
/* The same selectors in 64-bit mode (e->cs a 64-bit code segment), paging
 * on with CR3 = cr3, PAE, EFER.LME/LMA; e->eip is the entry. */
void entry64_state(struct cpu_state *s, const struct entry32 *e,
		   uint64_t cr3);

#endif
