// SPDX-License-Identifier: MIT
/*
 * GDT, TSS and IDT.  SDM Vol. 3A 3.4.5 (segment descriptors), 7.2.3 (the
 * 16-byte TSS descriptor in IA-32e mode), 6.14.1 (64-bit IDT gates).
 */
#include "desc.h"
#include "printf.h"
#include "string.h"
#include "trap.h"
#include "x86.h"

#define GDT_ENTRIES 7	/* 5 segments + the 2-slot TSS descriptor */

uint64_t fw_gdt[GDT_ENTRIES] __attribute__((aligned(16))) = {
	0,
	0x00af9b000000ffffULL,	/* 0x08 64-bit code, DPL 0 */
	0x00cf93000000ffffULL,	/* 0x10 data, flat 4 GiB */
	0x00cf9b000000ffffULL,	/* 0x18 32-bit code */
	0x000093000000ffffULL,	/* 0x20 16-bit data */
	0, 0,			/* 0x28 TSS, filled at run time */
};

struct tss64 fw_tss __attribute__((aligned(16)));

struct __attribute__((packed)) idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint16_t attr;		/* IST[2:0], type[11:8], DPL[14:13], P[15] */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};

static struct idt_gate fw_idt[256] __attribute__((aligned(16)));
static uint8_t ist1_stack[16384] __attribute__((aligned(16)));

extern void (*const isr_stub_table[TRAP_VECTORS])(void);

void idt_set_gate(unsigned vec, void (*handler)(void), unsigned ist)
{
	uint64_t off = (uint64_t)handler;
	struct idt_gate *g = &fw_idt[vec & 0xff];

	g->offset_lo = (uint16_t)off;
	g->selector = SEL_CODE64;
	g->attr = (uint16_t)(0x8e00 | (ist & 7));	/* P, 64-bit int gate */
	g->offset_mid = (uint16_t)(off >> 16);
	g->offset_hi = (uint32_t)(off >> 32);
	g->reserved = 0;
}

static void tss_descriptor(void)
{
	uint64_t base = (uint64_t)&fw_tss;
	uint64_t limit = sizeof(fw_tss) - 1;

	/* Type 9: available 64-bit TSS; LTR marks it busy. */
	fw_gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		    (0x89ULL << 40) | (((limit >> 16) & 0xf) << 48) |
		    (((base >> 24) & 0xff) << 56);
	fw_gdt[6] = base >> 32;
}

static void load_gdt(void)
{
	struct desc_ptr p = { sizeof(fw_gdt) - 1, (uint64_t)fw_gdt };

	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movw %w2, %%ax\n\t"
		     "movw %%ax, %%ds\n\t"
		     "movw %%ax, %%es\n\t"
		     "movw %%ax, %%ss\n\t"
		     "movw %%ax, %%fs\n\t"
		     "movw %%ax, %%gs\n\t"
		     "ltr %w3"
		     : : "m"(p), "i"(SEL_CODE64), "r"(SEL_DATA), "r"(SEL_TSS)
		     : "rax", "memory");
}

void desc_init(void)
{
	struct desc_ptr idtr = { sizeof(fw_idt) - 1, (uint64_t)fw_idt };

	memset(&fw_tss, 0, sizeof(fw_tss));
	fw_tss.ist[0] = (uint64_t)(ist1_stack + sizeof(ist1_stack));
	fw_tss.iomap_base = sizeof(fw_tss);	/* no I/O bitmap */
	tss_descriptor();
	load_gdt();
	for (unsigned v = 0; v < TRAP_VECTORS; v++) {
		unsigned ist = (v == VEC_DF || v == VEC_NMI || v == VEC_MC) ? 1 : 0;

		idt_set_gate(v, isr_stub_table[v], ist);
	}
	asm volatile("lidt %0" : : "m"(idtr) : "memory");
}

uint64_t idt_base(void)
{
	return (uint64_t)fw_idt;
}

uint64_t gdt_base(void)
{
	return (uint64_t)fw_gdt;
}
