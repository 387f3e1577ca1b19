// SPDX-License-Identifier: MIT
/*
 * The 32-bit part of the "cpu" section (command-line word "cpu"): run by
 * entry.S in 32-bit protected mode, before long mode, on its own GDT, IDT,
 * TSSs and page tables.  It prints one "cpu32 NAME key=value" line per
 * case: 32-bit and PAE paging (cpu32.c, cpu32_pae.c), segmentation
 * (cpu32_seg.c), privilege changes and SYSENTER (cpu32_priv.c), task
 * switches (cpu32_task.c), virtual-8086 mode (cpu32_v86.c) and x87/SSE
 * state (cpu32_fpu.c).  tests/pc/test_pc_cpu.c runs it on vmxbox and on
 * QEMU (TCG): both must print the same "cpu32" lines; "cpu32x" lines are
 * vmxbox's answers where QEMU 7.2 is known wrong (docs/cpu-model.md).
 * Everything it changes (CR0, CR3, CR4, EFER, PIC masks) is put back.
 */
#include "cpu32.h"

uint64_t c32_gdt[GDT_N] __attribute__((aligned(16)));
uint64_t c32_idt[256] __attribute__((aligned(16)));
uint32_t c32_pd[1024] __attribute__((aligned(4096)));
uint32_t c32_pt0[1024] __attribute__((aligned(4096)));
bool c32_x;

extern char t32_stubs[];

/* Flat and special segment descriptors (SDM Vol. 3A 3.4.5). */
static const uint64_t gdt_init[GDT_N] = {
	[S_CODE0 >> 3] = 0x00cf9b000000ffffull,
	[S_DATA0 >> 3] = 0x00cf93000000ffffull,
	[S_CODE3 >> 3] = 0x00cffb000000ffffull,
	[S_DATA3 >> 3] = 0x00cff3000000ffffull,
	[S_CONFORM >> 3] = 0x00cf9f000000ffffull,
	[S_LIM4K >> 3] = 0x0040930000000fffull,
	[S_EXPDOWN >> 3] = 0x0040970000000fffull,
	[S_EXPDOWN16 >> 3] = 0x0000970000000fffull,
	[S_NOTPRES >> 3] = 0x00cf13000000ffffull,
	[S_XONLY >> 3] = 0x00cf99000000ffffull,
	[S_RODATA >> 3] = 0x00cf91000000ffffull,
	[S_CODE16 >> 3] = 0x00009b000000ffffull,
	[S_LDT >> 3] = 0x0000820000000fffull,
	[S_DATA3_LIM >> 3] = 0x0041f30000002345ull,
	[S_IGATE >> 3] = 0x00008e0000080000ull,	/* to 0x08:0 */
	[S_TGATE >> 3] = 0x0000850000300000ull,	/* to TSS 0x30 */
};

void c32_line(const char *name)
{
	kputs(c32_x ? "cpu32x " : "cpu32 ");
	kputs(name);
}

void c32_end(void)
{
	kputc('\n');
}

int32_t c32_trap_line(const char *name, void (*fn)(void))
{
	int32_t v = c32_try(fn);

	c32_line(name);
	if (v < 0) {
		kputs(" none");
	} else {
		kkv_hex("vec", (uint32_t)v);
		kkv_hex("err", t32_err);
	}
	return v;
}

void c32_set_gate(unsigned vec, uint32_t type_dpl, uint16_t sel, uint32_t off)
{
	c32_idt[vec] = (off & 0xffff) | (uint64_t)sel << 16 |
		       (uint64_t)(0x80 | type_dpl) << 40 |
		       (uint64_t)(off >> 16) << 48;
}

void c32_set_stub(unsigned vec, uint32_t type_dpl)
{
	c32_set_gate(vec, type_dpl, S_CODE0,
		     (uint32_t)(uintptr_t)(t32_stubs + 16 * vec));
}

struct dtr32 {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

/* The main TSS, then the interrupt-redirection map (32 bytes) and the
 * I/O permission bitmap: every port denied but 0x80 (the v86 tests). */
static struct {
	struct tss32 t;
	uint8_t maps[32 + 8192 + 1];
} __attribute__((packed, aligned(128))) tss_a;
static uint8_t ring0_stack[8192] __attribute__((aligned(16)));

uint64_t c32_tss_desc(const void *tss, uint32_t limit)
{
	uint32_t b = (uint32_t)(uintptr_t)tss;

	return (limit & 0xffff) | (uint64_t)(b & 0xffffff) << 16 |
	       0x89ull << 40 | (uint64_t)(limit >> 16 & 0xf) << 48 |
	       (uint64_t)(b >> 24) << 56;
}

static void setup_tables(void)
{
	struct dtr32 g = { sizeof(c32_gdt) - 1, (uint32_t)(uintptr_t)c32_gdt };
	struct dtr32 d = { sizeof(c32_idt) - 1, (uint32_t)(uintptr_t)c32_idt };

	for (unsigned i = 0; i < GDT_N; i++)
		c32_gdt[i] = gdt_init[i];
	for (unsigned v = 0; v < 0x48; v++)
		c32_set_stub(v, 0xe);
	c32_set_stub(3, 0x6e);			/* #BP: DPL 3 */
	c32_priv_tables();
	c32_task_tables();
	tss_a.t.esp0 = (uint32_t)(uintptr_t)(ring0_stack + sizeof(ring0_stack));
	tss_a.t.ss0 = S_DATA0;
	tss_a.t.iomap = sizeof(tss_a.t) + 32;
	for (unsigned i = 0; i < sizeof(tss_a.maps); i++)
		tss_a.maps[i] = i < 32 ? 0 : 0xff;
	tss_a.maps[32 + 0x80 / 8] &= (uint8_t)~(1u << (0x80 % 8));
	c32_gdt[S_TSS_A >> 3] = c32_tss_desc(&tss_a, sizeof(tss_a) - 1);
	__asm__ volatile("lgdt %0" : : "m"(g));
	__asm__ volatile("lidt %0" : : "m"(d));
	__asm__ volatile("ljmp %0, $1f; 1:" : : "i"(S_CODE0));
	__asm__ volatile("movl %0, %%ds; movl %0, %%es; movl %0, %%fs;"
			 "movl %0, %%gs; movl %0, %%ss" : : "r"(S_DATA0));
	__asm__ volatile("ltr %w0" : : "r"(S_TSS_A));
	/* LDTR keeps its reset state (base 0, limit FFFFH) until loaded. */
	__asm__ volatile("lldt %w0" : : "r"(0));
}

struct tss32 *c32_main_tss(void)
{
	return &tss_a.t;
}

uint8_t *c32_main_irb(void)
{
	return tss_a.maps;
}

/* 4 MiB pages, identity, user, writable; 4 KiB pages below 4 MiB. */
static void setup_paging(void)
{
	for (uint32_t i = 0; i < 1024; i++) {
		c32_pd[i] = i << 22 | 0x87;		/* P W U PS */
		c32_pt0[i] = i << 12 | 0x07;		/* P W U */
	}
	c32_pd[0] = (uint32_t)(uintptr_t)c32_pt0 | 0x07;
}

void c32_paging_on(void)
{
	c32_wrcr4(c32_rdcr4() | 0x10);			/* PSE */
	c32_wrcr3((uint32_t)(uintptr_t)c32_pd);
	c32_wrcr0(c32_rdcr0() | 0x80000000u);
}

void c32_paging_off(void)
{
	c32_wrcr0(c32_rdcr0() & 0x7fffffffu);
}

void test_cpu32(uint32_t magic, uint32_t info)
{
	struct dtr32 g, d;
	uint32_t cr0 = c32_rdcr0(), cr4 = c32_rdcr4();
	uint64_t efer = c32_rdmsr(0xc0000080), se[3];
	uint8_t pic1, pic2;

	cmdline_from_multiboot(magic, info);
	if (!cmdline_has("cpu"))
		return;
	/* No interrupt may reach the tests' IDT (IF is 1 in some). */
	pic1 = inb(0x21);
	pic2 = inb(0xa1);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	for (unsigned i = 0; i < 3; i++)
		se[i] = c32_rdmsr(0x174 + i);	/* SYSENTER_CS/ESP/EIP */
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(g), "=m"(d));
	setup_tables();
	setup_paging();
	kputs("cpu32 start\n");
	c32_test_paging();
	c32_test_pae();
	c32_test_seg();
	c32_paging_on();
	c32_test_priv();
	c32_test_task();
	c32_test_v86();
	c32_paging_off();
	c32_test_fpu();
	c32_wrcr4(cr4);
	c32_wrcr0(cr0);
	c32_wrmsr(0xc0000080, efer);
	for (unsigned i = 0; i < 3; i++)
		c32_wrmsr(0x174 + i, se[i]);
	__asm__ volatile("lgdt %0; lidt %1" : : "m"(g), "m"(d));
	outb(0x21, pic1);
	outb(0xa1, pic2);
	kputs("cpu32 done\n");
}
