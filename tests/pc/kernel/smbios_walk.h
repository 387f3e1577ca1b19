/* SPDX-License-Identifier: MIT */
/*
 * Reading SMBIOS structures (DMTF DSP0134 6.1): checksums, little-endian
 * fields, a structure's size with its string set, its strings.  Shared
 * by the PC test kernel (smbios.c, freestanding) and the host unit test
 * (tests/unit/test_smbios.c), so it needs only the compiler's own
 * freestanding headers.
 */
#ifndef VMXBOX_SMBIOS_WALK_H
#define VMXBOX_SMBIOS_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint8_t smbios_sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* An n-byte little-endian field (n <= 8). */
static inline uint64_t smbios_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The size of the structure at s (formatted area, strings and the final
 * double NUL) within the `left` bytes there; *ok becomes false when it
 * does not end inside them (then the size is `left`, or a size reaching
 * one past it). */
static inline size_t smbios_struct_size(const uint8_t *s, size_t left,
					bool *ok)
{
	size_t i = s[1];

	if (i + 2 > left) {
		*ok = false;
		return left;
	}
	if (!s[i] && !s[i + 1])
		return i + 2;
	while (i + 1 < left && (s[i] || s[i + 1]))
		i++;
	*ok &= i + 1 < left;
	return i + 2;
}

/* String n (1-based) of the structure at s; "" for 0 (no string). */
static inline const char *smbios_string(const uint8_t *s, unsigned n)
{
	const char *p = (const char *)s + s[1];

	if (!n)
		return "";
	while (--n && *p)
		while (*p++)
			;
	return p;
}

#endif
