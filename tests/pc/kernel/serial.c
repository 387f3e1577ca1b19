// SPDX-License-Identifier: MIT
/*
 * COM2-COM4 as a PC kernel finds them: a 16550 is there when its scratch
 * register keeps what was written (an absent port reads 0xff).  Each one
 * found raises its THR-empty interrupt through OUT2 on its ISA line (the
 * 8259's IRR, re-initialised with only that line unmasked, taken with the
 * poll command: an INTA) and is written a line of its own.  The same on QEMU with the same -serial options.
 */
#include "kernel.h"

static const struct {
	uint16_t base;
	unsigned irq;
	const char *name;
} ports[] = {
	{ 0x2f8, 3, "com2" }, { 0x3e8, 4, "com3" }, { 0x2e8, 3, "com4" },
};

static bool present(uint16_t b)
{
	outb((uint16_t)(b + 7), 0x5a);
	if (inb((uint16_t)(b + 7)) != 0x5a)
		return false;
	outb((uint16_t)(b + 7), 0xa5);
	return inb((uint16_t)(b + 7)) == 0xa5;
}

static void com_puts(uint16_t b, const char *s)
{
	for (; *s; s++) {
		while (!(inb((uint16_t)(b + 5)) & 0x20))
			;
		outb(b, (uint8_t)*s);
	}
}

/* The 8259 master's IRR (OCW3 read IRR). */
static uint8_t pic_irr(void)
{
	outb(0x20, 0x0a);
	return inb(0x20);
}

static void test_port(unsigned i)
{
	uint16_t b = ports[i].base;
	uint8_t irr, iir, iir_after, poll;

	kputs("serial ");
	kputs(ports[i].name);
	kkv_dec("present", present(b));
	if (!present(b)) {
		kputc('\n');
		return;
	}
	pic_init(0x01);                        /* every line masked, edge */
	outb(0x21, (uint8_t)~(1u << ports[i].irq));
	outb((uint16_t)(b + 3), 0x03);         /* 8N1, DLAB off */
	outb((uint16_t)(b + 4), 0x08);         /* OUT2: INTRPT to the line */
	outb((uint16_t)(b + 1), 0x02);         /* THR empty: pending at once */
	irr = pic_irr();
	iir = inb((uint16_t)(b + 2));          /* THRI, which clears it */
	iir_after = inb((uint16_t)(b + 2));
	outb((uint16_t)(b + 1), 0);
	outb((uint16_t)(b + 4), 0);
	outb(0x20, 0x0c);                      /* poll: acknowledge the request */
	poll = inb(0x20);
	outb(0x20, 0x20);                      /* non-specific EOI */
	outb(0x21, 0xff);
	kkv_dec("irq", ports[i].irq);
	kkv_dec("irr", (irr >> ports[i].irq) & 1);
	kkv_hex("iir", iir);
	kkv_hex("iir_after", iir_after);
	kkv_hex("poll", poll);
	kkv_dec("irr_after", (pic_irr() >> ports[i].irq) & 1);
	kputc('\n');
	com_puts(b, "pctest on ");
	com_puts(b, ports[i].name);
	com_puts(b, "\n");
}

void test_serial(void)
{
	__asm__ volatile("cli");
	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		test_port(i);
}
