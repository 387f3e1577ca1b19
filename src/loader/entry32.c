// SPDX-License-Identifier: MIT
#include "loader/entry32.h"

/* VMX access-rights format (SDM 24.4.1): type | S | P | D/B | G. */
#define AR_CODE32 (0xbu | SEG_AR_S | SEG_AR_P | SEG_AR_DB | SEG_AR_G)
#define AR_DATA32 (0x3u | SEG_AR_S | SEG_AR_P | SEG_AR_DB | SEG_AR_G)
#define AR_CODE64 (0xbu | SEG_AR_S | SEG_AR_P | SEG_AR_L | SEG_AR_G)
#define AR_TSS32_BUSY (0xbu | SEG_AR_P)

void entry32_write_gdt(struct guest_mem *gm, uint64_t gdt,
		       const uint64_t *desc, unsigned nr)
{
	for (unsigned i = 0; i < nr; i++)
		gmem_write_u64(gm, gdt + i * 8, desc[i]);
}

static struct seg_reg flat(uint16_t sel, uint32_t ar)
{
	return (struct seg_reg){ .sel = sel, .base = 0, .limit = 0xffffffff,
				 .ar = ar };
}

void entry32_state(struct cpu_state *s, const struct entry32 *e)
{
	cpu_state_reset(s);
	s->rip = e->eip;
	s->rflags = RFLAGS_FIXED1;
	s->gpr[GPR_RSP] = e->esp;
	s->cr0 = CR0_PE | CR0_ET;
	s->cr3 = 0;
	s->cr4 = 0;
	s->efer = 0;
	s->seg[SEG_CS] = flat(e->cs, AR_CODE32);
	for (unsigned i = 0; i < SEG_COUNT; i++)
		if (i != SEG_CS && i != SEG_LDTR && i != SEG_TR)
			s->seg[i] = flat(e->ds, AR_DATA32);
	s->seg[SEG_LDTR] = (struct seg_reg){ .ar = SEG_AR_UNUSABLE };
	s->seg[SEG_TR] = (struct seg_reg){ .limit = 0x67, .ar = AR_TSS32_BUSY };
	s->gdtr = (struct dtable_reg){ e->gdt, e->gdt_limit };
	s->idtr = (struct dtable_reg){ 0, 0x3ff };
	s->activity = ACTIVITY_ACTIVE;
}

void entry64_state(struct cpu_state *s, const struct entry32 *e, uint64_t cr3)
{
	entry32_state(s, e);
	s->seg[SEG_CS].ar = AR_CODE64;
	s->cr0 = CR0_PG | CR0_PE | CR0_ET;
	s->cr3 = cr3;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
}
