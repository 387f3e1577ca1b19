/* SPDX-License-Identifier: MIT */
#ifndef FW_PRINTF_H
#define FW_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

#define COM1_PORT 0x3f8

void serial_init(void);
void serial_putc(char c);
void serial_flush(void);
void serial_puts(const char *s);
/* Supports %d %i %u %x %X %p %s %c %%, flags '-' '0', width, and the
 * length modifiers h hh l ll z. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
