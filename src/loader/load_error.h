/* SPDX-License-Identifier: MIT */
/*
 * What the image loaders (ELF, multiboot, Linux, PVH) share: one way to
 * report why an image is refused, little-endian reads of its headers and
 * the placement of the kernel command line.
 */
#ifndef VMXBOX_LOADER_LOAD_ERROR_H
#define VMXBOX_LOADER_LOAD_ERROR_H

#include <stddef.h>
#include <stdint.h>

/* Formats the reason into err (errlen bytes) and returns ret (-errno). */
int loader_fail(int ret, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

struct guest_mem;

/* Copies cmdline NUL-terminated to gpa, refusing one longer than max bytes
 * ("command line too long (N bytes, <taker> takes <max>)"). */
int loader_write_cmdline(struct guest_mem *gm, uint64_t gpa, const char *cmdline,
			 size_t max, const char *taker, char *err, size_t errlen);

static inline uint32_t loader_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

#endif
