// SPDX-License-Identifier: MIT
/*
 * The PC test kernel's runtime: COM1 output, numbers, strings, hashing
 * and the command line.  Built twice: into the 64-bit kernel and, with
 * -m32 (names k32_*, kernel.h), into the 32-bit protected-mode part that
 * runs before the switch to long mode (cpu32*.c): so no 64-bit division
 * here (32-bit code has no libgcc for it).
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

/* v / 10 through 16-bit digits: 32-bit arithmetic only. */
static uint64_t div10(uint64_t v, unsigned *rem)
{
	uint64_t q = 0;
	uint32_t r = 0;

	for (int s = 48; s >= 0; s -= 16) {
		uint32_t t = r << 16 | (uint32_t)(v >> s & 0xffff);

		q |= (uint64_t)(t / 10) << s;
		r = t % 10;
	}
	*rem = r;
	return q;
}

void kput_dec(uint64_t v)
{
	char b[21];
	int i = 20;
	unsigned r;

	b[i] = 0;
	do {
		v = div10(v, &r);
		b[--i] = (char)('0' + r);
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

void cmdline_from_multiboot(uint32_t magic, uint32_t info)
{
	if (magic == 0x2badb002 && (*(uint32_t *)(uintptr_t)info & 4))
		cmdline = (const char *)(uintptr_t)
			  *(uint32_t *)(uintptr_t)(info + 16);
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
