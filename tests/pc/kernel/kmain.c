// SPDX-License-Identifier: MIT
/*
 * PC test kernel: prints what it finds of the platform (multiboot info,
 * fw_cfg, ACPI tables, PCI devices) as "section key=value" lines on COM1,
 * then leaves through isa-debug-exit (port 0xf4) with 0.  tests/pc/ runs
 * it on vmxbox and, where installed, on QEMU, and compares the lines.
 */
#include "kernel.h"

#define COM1 0x3f8

static const char *cmdline = "";

void kputc(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

void kputs(const char *s)
{
	while (*s)
		kputc(*s++);
}

void kput_hex(uint64_t v)
{
	char b[17];
	int i = 16;

	b[i] = 0;
	do {
		b[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	kputs("0x");
	kputs(b + i);
}

void kput_dec(uint64_t v)
{
	char b[21];
	int i = 20;

	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	kputs(b + i);
}

void kkv_hex(const char *key, uint64_t v)
{
	kputc(' ');
	kputs(key);
	kputc('=');
	kput_hex(v);
}

void kkv_dec(const char *key, uint64_t v)
{
	kputc(' ');
	kputs(key);
	kputc('=');
	kput_dec(v);
}

size_t kstrlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

bool kstreq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

bool kmemeq(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

uint32_t fnv1a(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 0x811c9dc5u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x01000193u;
	return h;
}

bool cmdline_has(const char *w)
{
	size_t n = kstrlen(w);

	for (const char *p = cmdline; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && kmemeq(p, w, n) &&
		    (p[n] == ' ' || p[n] == 0))
			return true;
	return false;
}

/* A few CPUID.1:ECX bits, to see -cpu at work (machine-specific: QEMU's
 * TCG has no VMX). */
static void print_cpuid(void)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	kputs("cpux");
	kkv_dec("vmx", (c >> 5) & 1);
	kkv_dec("sse4_2", (c >> 20) & 1);
	kkv_dec("x2apic", (c >> 21) & 1);
	kputc('\n');
}

/* The reset and power registers read back; POST writes go nowhere. */
static void test_power_ports(void)
{
	kputs("power");
	kkv_hex("rcr", inb(0xcf9));
	outb(0xcf9, 0x02);                   /* SYS_RST kept, no reset */
	kkv_hex("rcr_after", inb(0xcf9));
	outb(0xcf9, 0x00);
	outb(0x80, 0x55);
	kkv_hex("post_read", inb(0x80));
	outw(0x602, 0x0120);                 /* PM1_EN: GBL_EN, PWRBTN_EN */
	kkv_hex("pm1_en", inw(0x602));
	outw(0x602, 0);
	kputc('\n');
	kputs("powerx");
	kkv_hex("port92", inb(0x92));
	kkv_hex("pm1_cnt", inw(0x604));
	kkv_hex("pm1_sts", inw(0x600));
	kputc('\n');
}

/* exit=shutdown|acpi|cf9|port92 on the command line: leave that way
 * instead of through isa-debug-exit. */
static void power_exit(void)
{
	if (cmdline_has("exit=shutdown"))
		for (const char *p = "Shutdown"; *p; p++)
			outb(0x8900, (uint8_t)*p);
	if (cmdline_has("exit=acpi"))
		outw(0x604, 0x2000 | 0 << 10);   /* SLP_EN, SLP_TYP of \\_S5 */
	if (cmdline_has("exit=cf9"))
		outb(0xcf9, 0x06);
	if (cmdline_has("exit=port92"))
		outb(0x92, inb(0x92) | 1);
	if (cmdline_has("exit=f7"))          /* the last port of iosize=4 */
		outb(0xf7, 2);
}

void kmain(uint32_t magic, uint32_t info);

void kmain(uint32_t magic, uint32_t info)
{
	if (magic == 0x2badb002 && (*(uint32_t *)(uintptr_t)info & 4))
		cmdline = (const char *)(uintptr_t)
			  *(uint32_t *)(uintptr_t)(info + 16);
	kputs("pctest start\n");
	if ((magic & 0xffff) == 0x4c58)      /* "LX": booted as a bzImage */
		test_linux(magic >> 24, info);
	else
		test_multiboot(magic, info);
	print_cpuid();
	test_fw_cfg();
	test_acpi();
	test_pci();
	test_power_ports();
	if (cmdline_has("irq"))
		test_irq();
	if (cmdline_has("cpu"))
		test_cpu();
	kputs("pctest done\n");
	power_exit();
	outl(0xf4, 0);
}
