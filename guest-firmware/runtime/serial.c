// SPDX-License-Identifier: MIT
/*
 * Polled 16550 output on COM1.  vmxbox's LSR always reports THR empty
 * (docs/boot.md); polling LSR bit 5 keeps this correct on a real UART too.
 */
#include "printf.h"
#include "x86.h"

#define LSR_THRE 0x20
#define LCR_DLAB 0x80
#define LCR_8N1  0x03

/* 115200 baud, 8 data bits, no parity, one stop bit, FIFOs on.  vmxbox's
 * UART ignores the format, but a PC's (Bochs, QEMU, hardware) powers up
 * with whatever the BIOS left, e.g. 5-bit words on Bochs. */
void serial_init(void)
{
	outb(COM1_PORT + 3, LCR_DLAB);
	outb(COM1_PORT + 0, 1);		/* divisor latch: 115200 / 1 */
	outb(COM1_PORT + 1, 0);
	outb(COM1_PORT + 3, LCR_8N1);
	outb(COM1_PORT + 2, 0x07);	/* FCR: enable and clear FIFOs */
	outb(COM1_PORT + 4, 0x03);	/* MCR: DTR, RTS */
}

void serial_putc(char c)
{
	unsigned spins = 0;

	while (!(inb(COM1_PORT + 5) & LSR_THRE) && spins++ < 100000)
		;
	outb(COM1_PORT, (uint8_t)c);
}

/* Wait until the transmitter is empty (LSR.TEMT), so output is not cut off
 * by an exit that follows (Bochs sends at the programmed baud rate). */
void serial_flush(void)
{
	unsigned spins = 0;

	while (!(inb(COM1_PORT + 5) & 0x40) && spins++ < 1000000)
		;
}

void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}
