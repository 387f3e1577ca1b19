// SPDX-License-Identifier: MIT
/*
 * Polled 16550 output on COM1.  vmxbox's LSR always reports THR empty
 * (docs/boot.md); polling LSR bit 5 keeps this correct on a real UART too.
 */
#include "printf.h"
#include "x86.h"

#define LSR_THRE 0x20

void serial_putc(char c)
{
	unsigned spins = 0;

	while (!(inb(COM1_PORT + 5) & LSR_THRE) && spins++ < 100000)
		;
	outb(COM1_PORT, (uint8_t)c);
}

void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}
