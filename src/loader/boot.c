// SPDX-License-Identifier: MIT
#include "loader/boot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Paging-structure entry bits (SDM 4.5, Tables 4-14 to 4-18). */
#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PS (1ull << 7)
#define PAGE_2M (2ull << 20)

/*
 * Boot GDT (SDM 3.4.5).  Descriptors are written with the accessed bit set
 * so the CPU never needs to write the GDT when a selector is loaded.
 */
static const uint64_t boot_gdt[BOOT_GDT_ENTRIES] = {
	0,                       /* 0x00 null */
	0x00af9b000000ffffull,   /* 0x08 64-bit code: L=1, D=0, G, P, DPL 0 */
	0x00cf93000000ffffull,   /* 0x10 data RW, flat 4 GiB */
	0x00cf9b000000ffffull,   /* 0x18 32-bit code, flat 4 GiB */
	0x000093000000ffffull,   /* 0x20 16-bit data, limit 0xffff */
};

uint64_t boot_gdt_entry(unsigned i)
{
	return i < BOOT_GDT_ENTRIES ? boot_gdt[i] : 0;
}

/* Identity map 0-4 GiB with 2 MiB pages, whatever the RAM size. */
void boot_write_identity_map(struct guest_mem *gm)
{
	gmem_fill(gm, BOOT_PML4, 0, 4 * GUEST_PAGE_SIZE);
	gmem_write_u64(gm, BOOT_PML4, BOOT_PDPT | PTE_P | PTE_RW);
	for (unsigned d = 0; d < BOOT_PD_COUNT; d++) {
		uint64_t pd = BOOT_PD + d * GUEST_PAGE_SIZE;

		gmem_write_u64(gm, BOOT_PDPT + d * 8, pd | PTE_P | PTE_RW);
		for (unsigned i = 0; i < 512; i++) {
			uint64_t pa = ((uint64_t)d * 512 + i) * PAGE_2M;

			gmem_write_u64(gm, pd + i * 8, pa | PTE_P | PTE_RW | PTE_PS);
		}
	}
}

static void write_gdt(struct guest_mem *gm)
{
	gmem_fill(gm, BOOT_GDT, 0, 0x100);
	gmem_write(gm, BOOT_GDT, boot_gdt, sizeof(boot_gdt));
}

static int write_boot_info(struct guest_mem *gm, const struct elf_image *img,
			   const struct boot_params *bp, char *err, size_t errlen)
{
	struct vmxbox_boot_info bi = {
		.magic = VMXBOX_BOOT_MAGIC,
		.mem_size = gm->size,
		.image_start = img->start,
		.image_end = img->end,
		.flags = bp->vmx ? VMXBOX_BOOT_FLAG_VMX : 0,
	};
	const char *cmd = bp->cmdline ? bp->cmdline : "";

	if (strlen(cmd) >= sizeof(bi.cmdline)) {
		snprintf(err, errlen, "command line too long (%zu bytes, max %zu)",
			 strlen(cmd), sizeof(bi.cmdline) - 1);
		return -EINVAL;
	}
	strcpy(bi.cmdline, cmd);
	gmem_fill(gm, BOOT_INFO, 0, GUEST_PAGE_SIZE);
	gmem_write(gm, BOOT_INFO, &bi, sizeof(bi));
	return 0;
}

static struct seg_reg flat_seg(uint16_t sel, uint32_t ar)
{
	return (struct seg_reg){ .sel = sel, .base = 0, .limit = 0xffffffff,
				 .ar = ar };
}

/* VMX access-rights format (SDM 24.4.1): type | S | P | L/DB | G. */
#define AR_CODE64 (0xbu | SEG_AR_S | SEG_AR_P | SEG_AR_L | SEG_AR_G)
#define AR_DATA   (0x3u | SEG_AR_S | SEG_AR_P | SEG_AR_DB | SEG_AR_G)
#define AR_TSS64_BUSY (0xbu | SEG_AR_P)

static void entry_state(struct cpu_state *s, const struct elf_image *img)
{
	cpu_state_reset(s);
	s->rip = img->entry;
	s->rflags = RFLAGS_FIXED1;
	s->gpr[GPR_RDX] = 0;
	s->gpr[GPR_RSP] = BOOT_STACK_TOP;
	s->gpr[GPR_RDI] = BOOT_INFO;
	s->cr0 = BOOT_CR0;
	s->cr3 = BOOT_PML4;
	s->cr4 = BOOT_CR4;
	s->efer = BOOT_EFER;
	s->seg[SEG_CS] = flat_seg(BOOT_SEL_CODE64, AR_CODE64);
	for (unsigned i = 0; i < SEG_COUNT; i++)
		if (i != SEG_CS && i != SEG_LDTR && i != SEG_TR)
			s->seg[i] = flat_seg(BOOT_SEL_DATA, AR_DATA);
	s->seg[SEG_LDTR] = (struct seg_reg){ .ar = SEG_AR_UNUSABLE };
	s->seg[SEG_TR] = (struct seg_reg){ .limit = 0x67, .ar = AR_TSS64_BUSY };
	s->gdtr = (struct dtable_reg){ BOOT_GDT, BOOT_GDT_ENTRIES * 8 - 1 };
	s->idtr = (struct dtable_reg){ 0, 0 };
	s->activity = ACTIVITY_ACTIVE;
}

int boot_setup(struct guest_mem *gm, const struct elf_image *img,
	       const struct boot_params *bp, struct cpu_state *s,
	       char *err, size_t errlen)
{
	int ret = write_boot_info(gm, img, bp, err, errlen);

	if (ret)
		return ret;
	gmem_fill(gm, 0, 0, GUEST_PAGE_SIZE);
	boot_write_identity_map(gm);
	write_gdt(gm);
	entry_state(s, img);
	return 0;
}
