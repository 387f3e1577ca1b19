// SPDX-License-Identifier: MIT
#include "sysh.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

uint64_t sysh_desc(uint64_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xffffull) | ((base & 0xffffffull) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)(flags & 0xf) << 52) | (((base >> 24) & 0xffull) << 56);
}

uint64_t sysh_r64(struct sysh *h, uint64_t gpa)
{
	uint64_t v = 0;

	ck_assert(gmem_read_u64(&h->mem, gpa, &v));
	return v;
}

void sysh_w64(struct sysh *h, uint64_t gpa, uint64_t v)
{
	ck_assert(gmem_write_u64(&h->mem, gpa, v));
}

static void set_seg(struct seg_reg *sr, uint16_t sel, uint64_t d)
{
	sr->sel = sel;
	sr->base = (d >> 16 & 0xffffff) | ((d >> 56) << 24);
	sr->limit = (uint32_t)((d & 0xffff) | ((d >> 48 & 0xf) << 16));
	if (d & (1ull << 55))
		sr->limit = (sr->limit << 12) | 0xfff;
	sr->ar = (uint32_t)(((d >> 40) & 0xff) | (((d >> 52) & 0xf) << 12));
}

void sysh_apic(struct sysh *h)
{
	struct lapic_config lc = { .bsp = true, .maxphyaddr = 39 };

	ck_assert_int_eq(lapic_init(&h->lapic, &lc, NULL, NULL, NULL, NULL,
				    NULL), 0);
	lapic_reg_write(&h->lapic, APIC_SPIV, APIC_SPIV_ENABLE | 0xff);
	h->ip->cfg.intc = (struct cpu_intc){ &lapic_intc_ops, &h->lapic };
}

void sysh_irq(struct sysh *h, uint8_t vector)
{
	struct apic_msg m = { .vector = vector, .mode = APIC_DM_FIXED };

	lapic_accept(&h->lapic, &m);
}

void sysh_init(struct sysh *h)
{
	struct cpu_state *s;
	uint64_t tss_lo, tss_hi;

	memset(h, 0, sizeof(*h));
	ck_assert_int_eq(gmem_init(&h->mem, SH_MEM), 0);
	io_bus_init(&h->pio, "pio");
	io_bus_init(&h->mmio, "mmio");
	h->ip = calloc(1, sizeof(*h->ip));
	ck_assert_ptr_nonnull(h->ip);
	h->ip->cfg.mem = &h->mem;
	h->ip->cfg.pio = &h->pio;
	h->ip->cfg.mmio = &h->mmio;
	cpu_model_default(&h->ip->cfg.model);
	ZydisDecoderInit(&h->ip->dec64, ZYDIS_MACHINE_MODE_LONG_64,
			 ZYDIS_STACK_WIDTH_64);
	ZydisDecoderInit(&h->ip->dec32, ZYDIS_MACHINE_MODE_LONG_COMPAT_32,
			 ZYDIS_STACK_WIDTH_32);
	ZydisDecoderInit(&h->ip->dec16, ZYDIS_MACHINE_MODE_LONG_COMPAT_16,
			 ZYDIS_STACK_WIDTH_16);
	s = h->s = &h->ip->s;
	cpu_state_reset(s);

	/* Identity map 0..1G with 2M pages. */
	sysh_w64(h, SH_PML4, SH_PDPT | 0x7);
	sysh_w64(h, SH_PDPT, SH_PD | 0x7);
	for (uint64_t i = 0; i < 512; i++)
		sysh_w64(h, SH_PD + i * 8, (i << 21) | 0x83);

	sysh_w64(h, SH_GDT + 0x08, sysh_desc(0, 0xfffff, 0x9b, 0xa));
	sysh_w64(h, SH_GDT + 0x10, sysh_desc(0, 0xfffff, 0x93, 0xc));
	sysh_w64(h, SH_GDT + 0x18, sysh_desc(0, 0xfffff, 0x9b, 0xc));
	sysh_w64(h, SH_GDT + 0x28, sysh_desc(0, 0xfffff, 0xfb, 0xa));
	sysh_w64(h, SH_GDT + 0x30, sysh_desc(0, 0xfffff, 0xf3, 0xc));
	tss_lo = sysh_desc(SH_TSS, 0x67, 0x89, 0);
	tss_hi = 0;
	sysh_w64(h, SH_GDT + 0x38, tss_lo);
	sysh_w64(h, SH_GDT + 0x40, tss_hi);
	sysh_w64(h, SH_GDT + 0x48, sysh_desc(0, 0xffff, 0x9b, 0x0));

	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = SH_PML4;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA | EFER_NXE;
	s->gdtr.base = SH_GDT;
	s->gdtr.limit = 0x4f;
	s->idtr.base = SH_IDT;
	s->idtr.limit = 256 * 16 - 1;
	set_seg(&s->seg[SEG_CS], SH_CS64, sysh_desc(0, 0xfffff, 0x9b, 0xa));
	for (unsigned i = 0; i < SEG_LDTR; i++)
		if (i != SEG_CS)
			set_seg(&s->seg[i], SH_DS, sysh_desc(0, 0xfffff, 0x93, 0xc));
	set_seg(&s->seg[SEG_TR], SH_TSSEL, sysh_desc(SH_TSS, 0x67, 0x8b, 0));
	s->seg[SEG_LDTR].ar = SEG_AR_UNUSABLE;
	s->rflags = RFLAGS_FIXED1;
	s->gpr[GPR_RSP] = SH_STACK;
	s->rip = 0x100000;
	h->ip->insn_rip = s->rip;
	tlb_flush(h->ip);
}

void sysh_fini(struct sysh *h)
{
	free(h->ip);
	gmem_destroy(&h->mem);
}

int sysh_try(struct sysh *h, void (*fn)(struct interp *ip, void *arg),
	     void *arg)
{
	struct interp *ip = h->ip;

	ip->s.pending_exception.valid = false;
	ip->state_switched = false;
	ip->in_insn = true;
	if (setjmp(ip->fault_jmp) == 0) {
		fn(ip, arg);
		ip->in_insn = false;
		return -1;
	}
	ip->in_insn = false;
	if (!ip->s.pending_exception.valid)
		return -2;
	return ip->s.pending_exception.vector;
}

void sysh_gate64(struct sysh *h, uint8_t v, uint64_t handler, unsigned ist,
		 unsigned dpl, unsigned type)
{
	uint64_t lo = (handler & 0xffff) | ((uint64_t)SH_CS64 << 16) |
		      ((uint64_t)ist << 32) | ((uint64_t)type << 40) |
		      ((uint64_t)dpl << 45) | (1ull << 47) |
		      (((handler >> 16) & 0xffff) << 48);

	sysh_w64(h, SH_IDT + v * 16u, lo);
	sysh_w64(h, SH_IDT + v * 16u + 8, handler >> 32);
}
