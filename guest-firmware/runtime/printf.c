// SPDX-License-Identifier: MIT
/* A small printf: one formatter core feeding either the serial port or a
 * buffer. */
#include <stdbool.h>
#include <stdint.h>

#include "printf.h"

struct sink {
	char *buf;		/* NULL: serial */
	size_t size;
	size_t len;		/* characters produced (even if truncated) */
};

static void sink_put(struct sink *s, char c)
{
	if (!s->buf)
		serial_putc(c);
	else if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

struct spec {
	bool left;
	bool zero;
	unsigned width;
};

static void put_padded(struct sink *s, const struct spec *sp,
		       const char *str, size_t n, bool negative)
{
	size_t total = n + (negative ? 1 : 0);
	size_t pad = sp->width > total ? sp->width - total : 0;

	if (!sp->left && !sp->zero)
		while (pad--)
			sink_put(s, ' ');
	if (negative)
		sink_put(s, '-');
	if (!sp->left && sp->zero)
		while (pad--)
			sink_put(s, '0');
	for (size_t i = 0; i < n; i++)
		sink_put(s, str[i]);
	if (sp->left)
		while (pad--)
			sink_put(s, ' ');
}

static void put_number(struct sink *s, const struct spec *sp, uint64_t v,
		       unsigned base, bool upper, bool negative)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
		v /= base;
	} while (v);
	put_padded(s, sp, tmp + sizeof(tmp) - n, n, negative);
}

/* Length modifier: 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t */
static int64_t arg_signed(va_list *ap, int len)
{
	switch (len) {
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	case 3: return (int64_t)va_arg(*ap, size_t);
	case -1: return (short)va_arg(*ap, int);
	case -2: return (signed char)va_arg(*ap, int);
	default: return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(va_list *ap, int len)
{
	switch (len) {
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	case 3: return va_arg(*ap, size_t);
	case -1: return (unsigned short)va_arg(*ap, unsigned);
	case -2: return (unsigned char)va_arg(*ap, unsigned);
	default: return va_arg(*ap, unsigned);
	}
}

static const char *parse_spec(const char *f, struct spec *sp, int *len)
{
	sp->left = sp->zero = false;
	sp->width = 0;
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (unsigned)(*f++ - '0');
	*len = 0;
	for (;; f++) {
		if (*f == 'l')
			*len = *len == 1 ? 2 : 1;
		else if (*f == 'h')
			*len = *len == -1 ? -2 : -1;
		else if (*f == 'z')
			*len = 3;
		else
			break;
	}
	return f;
}

static void format(struct sink *s, const char *f, va_list ap0)
{
	va_list ap;

	va_copy(ap, ap0);
	for (; *f; f++) {
		struct spec sp;
		int len;

		if (*f != '%') {
			sink_put(s, *f);
			continue;
		}
		f = parse_spec(f + 1, &sp, &len);
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&ap, len);
			uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;

			put_number(s, &sp, mag, 10, false, v < 0);
			break;
		}
		case 'u':
			put_number(s, &sp, arg_unsigned(&ap, len), 10, false, false);
			break;
		case 'x':
		case 'X':
			put_number(s, &sp, arg_unsigned(&ap, len), 16, *f == 'X',
				   false);
			break;
		case 'p':
			sink_put(s, '0');
			sink_put(s, 'x');
			put_number(s, &sp, (uintptr_t)va_arg(ap, void *), 16,
				   false, false);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			size_t n = 0;

			if (!str)
				str = "(null)";
			while (str[n])
				n++;
			sp.zero = false;
			put_padded(s, &sp, str, n, false);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			sp.zero = false;
			put_padded(s, &sp, &c, 1, false);
			break;
		}
		case '%':
			sink_put(s, '%');
			break;
		case '\0':
			f--;
			break;
		default:
			sink_put(s, '%');
			sink_put(s, *f);
			break;
		}
	}
	va_end(ap);
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink s = { 0 };

	format(&s, fmt, ap);
	return (int)s.len;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { .buf = buf, .size = size };

	format(&s, fmt, ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
