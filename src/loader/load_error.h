/* SPDX-License-Identifier: MIT */
/*
 * What the image loaders (ELF, multiboot, Linux, PVH) share: one way to
 * report why an image is refused, and little-endian reads of its headers.
 */
#ifndef VMXBOX_LOADER_LOAD_ERROR_H
#define VMXBOX_LOADER_LOAD_ERROR_H

#include <stddef.h>
#include <stdint.h>

/* Formats the reason into err (errlen bytes) and returns ret (-errno). */
int loader_fail(int ret, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline uint32_t loader_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

#endif
