// SPDX-License-Identifier: MIT
#include "memory/guest_mem.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memory/guarded.h"

int gmem_init(struct guest_mem *gm, uint64_t size)
{
	memset(gm, 0, sizeof(*gm));
	if (size < GUEST_MEM_MIN || size > GUEST_MEM_MAX ||
	    (size & (GUEST_PAGE_SIZE - 1)))
		return -EINVAL;
	uint64_t low = gmem_low_size(size);
	uint64_t span = low == size ? size : GMEM_HIGH_BASE + size - low;
	/* Between PROT_NONE guards: a host access past RAM faults. */
	void *p = guarded_alloc(span);
	if (!p)
		return -errno;
	/* The MMIO hole is no RAM: make any host access to it fault too. */
	if (span > size && mprotect((uint8_t *)p + low, GMEM_HIGH_BASE - low,
				    PROT_NONE)) {
		int e = errno;

		guarded_free(p, span);
		return -e;
	}
	uint64_t pages = span >> GUEST_PAGE_SHIFT;
	gm->code_pages = calloc((pages + 63) / 64, sizeof(uint64_t));
	gm->pt_pages = calloc((pages + 63) / 64, sizeof(uint64_t));
	gm->ept_pages = calloc((pages + 63) / 64, sizeof(uint64_t));
	gm->watch_pages = calloc((pages + 63) / 64, sizeof(uint64_t));
	if (!gm->code_pages || !gm->pt_pages || !gm->ept_pages ||
	    !gm->watch_pages) {
		free(gm->code_pages);
		free(gm->pt_pages);
		free(gm->ept_pages);
		free(gm->watch_pages);
		guarded_free(p, span);
		return -ENOMEM;
	}
	gm->host = p;
	gm->size = size;
	gm->low = low;
	gm->span = span;
	return 0;
}

unsigned gmem_ram_ranges(const struct guest_mem *gm, uint64_t base[2],
			 uint64_t len[2])
{
	base[0] = 0;
	len[0] = gm->low;
	if (gm->span == gm->low)
		return 1;
	base[1] = GMEM_HIGH_BASE;
	len[1] = gm->span - GMEM_HIGH_BASE;
	return 2;
}

void gmem_destroy(struct guest_mem *gm)
{
	if (gm->host)
		guarded_free(gm->host, gm->span);
	free(gm->code_pages);
	free(gm->pt_pages);
	free(gm->ept_pages);
	free(gm->watch_pages);
	memset(gm, 0, sizeof(*gm));
}

/* Is a bit of map set for a page of [first, last] (page numbers)? */
static bool any_page(const uint64_t *map, uint64_t first, uint64_t last)
{
	for (uint64_t w = first >> 6; w <= last >> 6; w++) {
		uint64_t bits = map[w];

		if (w == first >> 6)
			bits &= ~0ull << (first & 63);
		if (w == last >> 6 && (last & 63) != 63)
			bits &= (2ull << (last & 63)) - 1;
		if (bits)
			return true;
	}
	return false;
}

void gmem_note_write_slow(struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	uint64_t first, last;

	if (!len || gpa >= gm->span)
		return;
	if (len > gm->span - gpa)
		len = gm->span - gpa;
	first = gpa >> GUEST_PAGE_SHIFT;
	last = (gpa + len - 1) >> GUEST_PAGE_SHIFT;
	if (gm->pt_pages && any_page(gm->pt_pages, first, last))
		gm->pt_writes++;
	if (gm->ept_pages && any_page(gm->ept_pages, first, last))
		gm->ept_writes++;
	if (gm->code_pages && !any_page(gm->code_pages, first, last))
		return;
	for (unsigned i = 0; i < gm->n_code_listeners; i++)
		gm->code_listeners[i].fn(gm->code_listeners[i].opaque, gpa, len);
}

int gmem_add_code_listener(struct guest_mem *gm, gmem_code_write_fn *fn,
			   void *opaque)
{
	if (gm->n_code_listeners >= GMEM_MAX_CODE_LISTENERS)
		return -1;
	gm->code_listeners[gm->n_code_listeners++] =
		(struct gmem_code_listener){ .fn = fn, .opaque = opaque };
	return 0;
}

void gmem_remove_code_listener(struct guest_mem *gm, gmem_code_write_fn *fn,
			       void *opaque)
{
	for (unsigned i = 0; i < gm->n_code_listeners; i++) {
		struct gmem_code_listener *l = &gm->code_listeners[i];

		if (l->fn == fn && l->opaque == opaque) {
			*l = gm->code_listeners[--gm->n_code_listeners];
			return;
		}
	}
}

void gmem_mark_code_page(struct guest_mem *gm, uint64_t gpa)
{
	uint64_t pfn = gpa >> GUEST_PAGE_SHIFT;

	if (gpa < gm->span) {
		gm->code_pages[pfn >> 6] |= 1ull << (pfn & 63);
		gm->watch_pages[pfn >> 6] |= 1ull << (pfn & 63);
	}
}

bool gmem_mark_pt_page(struct guest_mem *gm, uint64_t gpa)
{
	uint64_t pfn = gpa >> GUEST_PAGE_SHIFT;

	if (!gm->pt_pages || !gmem_range_ok(gm, gpa, 1))
		return false;
	gm->pt_pages[pfn >> 6] |= 1ull << (pfn & 63);
	gm->watch_pages[pfn >> 6] |= 1ull << (pfn & 63);
	return true;
}

bool gmem_mark_ept_page(struct guest_mem *gm, uint64_t gpa)
{
	uint64_t pfn = gpa >> GUEST_PAGE_SHIFT;

	if (!gm->ept_pages || !gmem_range_ok(gm, gpa, 1))
		return false;
	gm->ept_pages[pfn >> 6] |= 1ull << (pfn & 63);
	gm->watch_pages[pfn >> 6] |= 1ull << (pfn & 63);
	return true;
}


bool gmem_read(const struct guest_mem *gm, uint64_t gpa, void *buf, uint64_t len)
{
	if (!gmem_range_ok(gm, gpa, len))
		return false;
	memcpy(buf, gm->host + gpa, len);
	return true;
}

bool gmem_write(struct guest_mem *gm, uint64_t gpa, const void *buf, uint64_t len)
{
	if (!gmem_range_ok(gm, gpa, len))
		return false;
	memcpy(gm->host + gpa, buf, len);
	gmem_note_write(gm, gpa, len);
	return true;
}

bool gmem_fill(struct guest_mem *gm, uint64_t gpa, int byte, uint64_t len)
{
	if (!gmem_range_ok(gm, gpa, len))
		return false;
	memset(gm->host + gpa, byte, len);
	gmem_note_write(gm, gpa, len);
	return true;
}

#define GMEM_ACCESSORS(bits)                                                  \
	bool gmem_read_u##bits(const struct guest_mem *gm, uint64_t gpa,      \
			       uint##bits##_t *v)                             \
	{                                                                     \
		return gmem_read(gm, gpa, v, sizeof(*v));                     \
	}                                                                     \
	bool gmem_write_u##bits(struct guest_mem *gm, uint64_t gpa,           \
				uint##bits##_t v)                             \
	{                                                                     \
		return gmem_write(gm, gpa, &v, sizeof(v));                    \
	}

GMEM_ACCESSORS(8)
GMEM_ACCESSORS(16)
GMEM_ACCESSORS(32)
GMEM_ACCESSORS(64)

bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned shift = 0;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return false;
	switch (toupper((unsigned char)*end)) {
	case '\0': break;
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case 'T': shift = 40; end++; break;
	default: return false;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || v == 0)
		return false;
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}
