// SPDX-License-Identifier: MIT
/*
 * Interrupts as a PC test kernel uses them: an IDT for vectors 0-63, the
 * local APIC enabled with LINT0 in ExtINT mode (as SeaBIOS leaves it),
 * the 8259 pair and the I/O APIC driven through QEMU's pc-testdev IRQ
 * ports (0x2000 + n), and the x87's FERR# on IRQ 13.  Runs when the
 * command line has the word "irq"; the timers are in timers.c, the local
 * APIC's timer and self-IPI in apic.c.  Lines of
 * section "irqx" are vmxbox-only (QEMU differs, or they depend on time).
 *
 * Vectors: 8259 master 0x20-0x27, slave 0x28-0x2f; I/O APIC tests
 * 0x30-0x3e; 0x3f is the local APIC's spurious vector.
 */
#include "kernel.h"

#define LAPIC  0xfee00000ul
#define IOAPIC 0xfec00000ul

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, reserved;
};

static struct idt_gate idt[64] __attribute__((aligned(16)));
extern char isr_stubs[];

volatile unsigned irq_count[64];
volatile int eoi_mode;
void (*volatile irq_hook)(unsigned vector);
static volatile uint8_t order[8];
static volatile unsigned n_order;

void isr_dispatch(uint64_t vector);

void lapic_write(unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC + reg) = v;
}

uint32_t lapic_read(unsigned reg)
{
	return *(volatile uint32_t *)(LAPIC + reg);
}

static void ioapic_write(unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)IOAPIC = reg;
	*(volatile uint32_t *)(IOAPIC + 0x10) = v;
}

static uint32_t ioapic_read(unsigned reg)
{
	*(volatile uint32_t *)IOAPIC = reg;
	return *(volatile uint32_t *)(IOAPIC + 0x10);
}

void ioapic_route(unsigned pin, uint32_t low)
{
	ioapic_write(0x11 + 2 * pin, 0);            /* destination APIC 0 */
	ioapic_write(0x10 + 2 * pin, low);
}

static void set_line(unsigned line, uint8_t level)
{
	outb((uint16_t)(0x2000 + line), level);
}

/* Give a requested interrupt time to arrive: QEMU's TCG takes it at the
 * end of a translation block, not right after the OUT that raised it. */
void settle(void)
{
	for (unsigned i = 0; i < 20000; i++)
		__asm__ volatile("pause");
}

void isr_dispatch(uint64_t vector)
{
	if (vector < 32) {
		kputs("irq unexpected exception vector=");
		kput_hex(vector);
		kputc('\n');
		outl(0xf4, 3);
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	irq_count[vector]++;
	if (n_order < sizeof(order))
		order[n_order++] = (uint8_t)vector;
	if (irq_hook)
		irq_hook((unsigned)vector);
	if (eoi_mode == EOI_PIC) {
		if (vector >= 0x28 && vector < 0x30)
			outb(0xa0, 0x20);
		outb(0x20, 0x20);
	} else if (eoi_mode == EOI_LAPIC) {
		lapic_write(0xb0, 0);
	}
}

void idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) d = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	for (unsigned v = 0; v < 64; v++) {
		uint64_t a = (uint64_t)(uintptr_t)(isr_stubs + 16 * v);

		idt[v] = (struct idt_gate){
			.off0 = (uint16_t)a, .sel = 0x08, .type = 0x8e,
			.off1 = (uint16_t)(a >> 16), .off2 = (uint32_t)(a >> 32),
		};
	}
	__asm__ volatile("lidt %0" : : "m"(d));
}

void irq_reset_counts(void)
{
	for (unsigned v = 0; v < 64; v++)
		irq_count[v] = 0;
	n_order = 0;
	irq_hook = 0;
}

/* Master at 0x20, slave at 0x28, cascade on IR2, everything masked. */
void pic_init(uint8_t icw4)
{
	outb(0x20, 0x11);
	outb(0x21, 0x20);
	outb(0x21, 0x04);
	outb(0x21, icw4);
	outb(0xa0, 0x11);
	outb(0xa1, 0x28);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	outb(0x4d0, 0x00);                          /* every IRQ edge */
	outb(0x4d1, 0x00);
}

static uint8_t pic_isr(uint16_t port)
{
	outb(port, 0x0b);
	return inb(port);
}

/* IRR without IR0: under QEMU the PIT SeaBIOS started may latch IRQ 0
 * at any time until test_pit() reprograms it. */
static uint8_t pic_irr(uint16_t port)
{
	outb(port, 0x0a);
	return inb(port) & (port == 0x20 ? 0xfe : 0xff);
}

/* ---- 8259 ---------------------------------------------------------------- */

static volatile uint8_t isr_master, isr_slave;
static volatile unsigned level_hits;

static void record_isr(unsigned vector)
{
	isr_master = pic_isr(0x20);
	isr_slave = pic_isr(0xa0);
}

/* Level IRQ 10: the line stays high until the third interrupt. */
static void level_hook(unsigned vector)
{
	if (++level_hits == 3)
		set_line(10, 0);
}

static void test_pic(void)
{
	unsigned before;

	irq_reset_counts();
	pic_init(0x01);
	eoi_mode = EOI_PIC;
	irq_hook = record_isr;
	outb(0x21, 0xdf);                           /* IRQ 5 only */
	__asm__ volatile("sti");
	set_line(5, 1);
	settle();
	set_line(5, 0);
	kputs("irq pic edge");
	kkv_dec("count", irq_count[0x25]);
	kkv_hex("isr_in_handler", isr_master);
	kkv_hex("isr_after", pic_isr(0x20));
	kkv_hex("irr_after", pic_irr(0x20));
	kputc('\n');

	/* An edge while the IRQ is masked is latched in IRR. */
	set_line(3, 1);
	set_line(3, 0);
	kputs("irq pic masked");
	kkv_dec("count", irq_count[0x23]);
	kkv_hex("irr", pic_irr(0x20));
	outb(0x21, 0xd7);                           /* unmask IRQ 3 */
	settle();
	kkv_dec("after_unmask", irq_count[0x23]);
	kkv_hex("imr", inb(0x21));
	kputc('\n');

	/* Priority: three requests seen at once are taken 3, 4, 6. */
	__asm__ volatile("cli");
	outb(0x21, 0xa3);                           /* 2, 3, 4, 6 */
	n_order = 0;
	set_line(6, 1);
	set_line(4, 1);
	set_line(3, 1);
	__asm__ volatile("sti");
	settle();
	kputs("irq pic priority order=");
	for (unsigned i = 0; i < n_order; i++) {
		kput_hex(order[i]);
		kputc(i + 1 < n_order ? ',' : '\n');
	}
	set_line(3, 0);
	set_line(4, 0);
	set_line(6, 0);

	/* The slave through the master's IR2. */
	outb(0xa1, 0xfb);                           /* IRQ 10 */
	set_line(10, 1);
	set_line(10, 0);
	settle();
	kputs("irq pic slave");
	kkv_dec("count", irq_count[0x2a]);
	kkv_hex("isr_master", isr_master);
	kkv_hex("isr_slave", isr_slave);
	kputc('\n');

	/* Level-triggered through the ELCR: taken again after each EOI
	 * while the line is high. */
	irq_hook = level_hook;
	outb(0x4d1, 0x04);
	before = irq_count[0x2a];
	set_line(10, 1);
	settle();
	kputs("irq pic level");
	kkv_dec("count", irq_count[0x2a] - before);
	kkv_hex("elcr", inb(0x4d1));
	outb(0x4d1, 0x00);
	kputc('\n');

	/* Automatic EOI: nothing in service inside the handler. */
	__asm__ volatile("cli");
	pic_init(0x03);
	eoi_mode = EOI_NONE;
	irq_hook = record_isr;
	outb(0x21, 0xdf);
	__asm__ volatile("sti");
	set_line(5, 1);
	set_line(5, 0);
	settle();
	kputs("irq pic aeoi");
	kkv_dec("count", irq_count[0x25]);
	kkv_hex("isr_in_handler", isr_master);
	kputc('\n');
	__asm__ volatile("cli");
	pic_init(0x01);
}

/* ---- I/O APIC ------------------------------------------------------------ */

static volatile uint32_t remote_irr_seen;
static volatile unsigned level_count;

static void ioapic_level_hook(unsigned vector)
{
	if (vector != 0x3d)
		return;
	remote_irr_seen = (ioapic_read(0x10 + 2 * 15) >> 14) & 1;
	if (++level_count == 2)
		set_line(15, 0);
}

static void test_ioapic(void)
{
	unsigned once;

	irq_reset_counts();
	eoi_mode = EOI_LAPIC;
	kputs("irq ioapic");
	kkv_hex("ver", ioapic_read(1));
	kkv_hex("pin0", ioapic_read(0x10));
	kputc('\n');

	/* Edge: one interrupt per rising edge. */
	ioapic_route(14, 0x3e);
	__asm__ volatile("sti");
	set_line(14, 1);
	set_line(14, 0);
	settle();
	set_line(14, 1);
	set_line(14, 0);
	settle();
	kputs("irq ioapic edge");
	kkv_dec("count", irq_count[0x3e]);
	/* An edge on a masked pin is lost (82093AA). */
	ioapic_route(14, 0x3e | 1u << 16);
	set_line(14, 1);
	set_line(14, 0);
	ioapic_route(14, 0x3e);
	settle();
	kkv_dec("after_masked_edge", irq_count[0x3e]);
	kputc('\n');
	/* Raised twice without a fall: one edge (QEMU sends two). */
	set_line(14, 1);
	settle();
	once = irq_count[0x3e];
	set_line(14, 1);
	settle();
	kputs("irqx ioapic raise_twice");
	kkv_dec("extra", irq_count[0x3e] - once);
	kputc('\n');
	set_line(14, 0);
	ioapic_route(14, 1u << 16);

	/* Level: remote IRR set while in service, the EOI with the line
	 * still high delivers again, the handler lowers it the 2nd time. */
	irq_hook = ioapic_level_hook;
	ioapic_route(15, 0x3d | 1u << 15);
	set_line(15, 1);
	settle();
	kputs("irq ioapic level");
	kkv_dec("count", irq_count[0x3d]);
	kkv_dec("remote_irr_in_handler", remote_irr_seen);
	kkv_dec("remote_irr_after", (ioapic_read(0x10 + 2 * 15) >> 14) & 1);
	kputc('\n');
	/* Level, masked while asserted: delivered on unmask. */
	ioapic_route(15, 0x3d | 1u << 15 | 1u << 16);
	level_count = 1;                            /* lower it the next time */
	set_line(15, 1);
	settle();
	kputs("irq ioapic level_masked");
	kkv_dec("while_masked", irq_count[0x3d] - 2);
	ioapic_route(15, 0x3d | 1u << 15);
	settle();
	kkv_dec("after_unmask", irq_count[0x3d] - 2);
	kputc('\n');
	ioapic_route(15, 1u << 16);
	irq_hook = 0;
	__asm__ volatile("cli");
}

/* ---- FERR# --------------------------------------------------------------- */

static void ferr_hook(unsigned vector)
{
	if (vector != 0x2d)
		return;
	outb(0xf0, 0);                              /* deassert FERR# */
	__asm__ volatile("fnclex");
}

/* x87 error with CR0.NE = 0: FERR# -> IRQ 13 (PC/AT "DOS compatible"). */
static void test_ferr(void)
{
	uint16_t cw = 0x037b, sw;                   /* only #Z unmasked */
	uint64_t cr0;

	irq_reset_counts();
	pic_init(0x01);
	eoi_mode = EOI_PIC;
	irq_hook = ferr_hook;
	outb(0x21, 0xfb);
	outb(0xa1, 0xdf);                           /* IRQ 13 */
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 & ~0x20ull));   /* NE = 0 */
	__asm__ volatile("sti; fninit; fldcw %0; fldz; fld1; fdiv %%st(1), %%st; fwait"
			 : : "m"(cw));
	settle();
	__asm__ volatile("fnstsw %0" : "=m"(sw));
	__asm__ volatile("cli; mov %0, %%cr0" : : "r"(cr0));
	kputs("irqx ferr");
	kkv_dec("irq13", irq_count[0x2d]);
	kkv_hex("es_after", sw & 0x80);
	kputc('\n');
	outb(0xa1, 0xff);
	outb(0x21, 0xff);
}

void test_irq(void)
{
	kputs("irqx firmware");
	kkv_hex("elcr", inb(0x4d0) | inb(0x4d1) << 8);
	kkv_hex("lint0", lapic_read(0x350));
	kkv_hex("spiv", lapic_read(0xf0));
	kputc('\n');
	idt_init();
	lapic_write(0xf0, 0x13f);                   /* enabled, spurious 0x3f */
	lapic_write(0x350, 0x700);                  /* LINT0: ExtINT */
	lapic_write(0x80, 0);                       /* TPR */
	test_pic();
	test_ioapic();
	/* QEMU 7.2's TCG aborts on FERR# (an assertion about its I/O lock):
	 * runs compared with it say "noferr". */
	if (!cmdline_has("noferr"))
		test_ferr();
	test_timers();
	test_lapic();
	__asm__ volatile("cli");
}
