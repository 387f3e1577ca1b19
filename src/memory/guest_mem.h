/* SPDX-License-Identifier: MIT */
/*
 * Guest-physical memory: one anonymous mapping that host address
 * host + gpa backs guest-physical address gpa.  `size` bytes of RAM sit
 * at 0 up to the PC's 32-bit MMIO hole; with as much RAM as QEMU's pc
 * machine splits (at least 3.5 GiB), the first 3 GiB stay below the hole
 * and the rest is relocated to 4 GiB up (docs/boot.md).  The hole's part
 * of the mapping is PROT_NONE.  Every access from host code goes through
 * this API, which checks bounds, so a guest can never make vmxbox touch
 * host memory outside its RAM.
 *
 * Writes also tell the interpreter when they hit a page that holds cached
 * decoded instructions (code_pages bitmap + callback), so self-modifying code
 * and loaders work, and count the writes to pages a page walk has read
 * (pt_pages, pt_writes), so a cached translation can tell that its paging
 * structures are unchanged since it was made.
 */
#ifndef VMXBOX_MEMORY_GUEST_MEM_H
#define VMXBOX_MEMORY_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_PAGE_SHIFT 12
#define GUEST_PAGE_SIZE (1ull << GUEST_PAGE_SHIFT)
#define GUEST_MEM_MIN (2ull << 20)          /* 2 MiB */
#define GUEST_MEM_MAX (64ull << 30)         /* 64 GiB */
#define GUEST_MEM_DEFAULT (256ull << 20)

/* QEMU's pc split (hw/i386/pc_piix.c): RAM of at least GMEM_SPLIT_AT
 * bytes keeps GMEM_LOW_MAX below 4 GiB, the rest goes above. */
#define GMEM_SPLIT_AT  0xe0000000ull     /* 3.5 GiB: the MMIO window */
#define GMEM_LOW_MAX   0xc0000000ull     /* 3 GiB, gigabyte aligned */
#define GMEM_HIGH_BASE 0x100000000ull    /* 4 GiB */

/* RAM below the hole for ram bytes of RAM. */
static inline uint64_t gmem_low_size(uint64_t ram)
{
	return ram < GMEM_SPLIT_AT ? ram : GMEM_LOW_MAX;
}

/* A decode cache's "these bytes changed" callback (gmem_note_write). */
typedef void gmem_code_write_fn(void *opaque, uint64_t gpa, uint64_t len);

struct gmem_code_listener {
	gmem_code_write_fn *fn;
	void *opaque;
};

/* vCPUs (at most 16, docs/smp.md) plus room for tools and tests. */
#define GMEM_MAX_CODE_LISTENERS 32

struct guest_mem {
	uint8_t *host;      /* base of the mapping: host + gpa */
	uint64_t size;      /* bytes of RAM, multiple of GUEST_PAGE_SIZE */
	uint64_t low;       /* RAM at [0, low) */
	uint64_t span;      /* end of RAM: low, or 4 GiB + size - low */
	uint64_t *code_pages; /* 1 bit per page: decoded code cached there */
	uint64_t *pt_pages;   /* 1 bit per page: a page walk read it */
	uint64_t *ept_pages;  /* 1 bit per page: an EPT walk read it */
	uint64_t *watch_pages; /* code | pt | ept pages: the writes' filter */
	/* Writes to pt_pages (ept_pages) pages so far (a write of more than
	 * one page counts when any of its pages is one).  Apart: an L1 that
	 * edits its EPT does not touch its own translations. */
	uint64_t pt_writes, ept_writes;
	/* Every decode cache over this memory (one per vCPU): a write to a
	 * code page must reach all of them, not only the writer's. */
	struct gmem_code_listener code_listeners[GMEM_MAX_CODE_LISTENERS];
	unsigned n_code_listeners;
};

/* Register a decode cache's invalidation callback; -1 when the table is
 * full.  Remove it before the cache goes away. */
int gmem_add_code_listener(struct guest_mem *gm, gmem_code_write_fn *fn,
			   void *opaque);
void gmem_remove_code_listener(struct guest_mem *gm, gmem_code_write_fn *fn,
			       void *opaque);

/* Returns 0, or -errno with *err (if non-NULL) describing the failure. */
int gmem_init(struct guest_mem *gm, uint64_t size);
void gmem_destroy(struct guest_mem *gm);

/* Is [gpa, gpa+len) RAM, with RAM at [0, low) and [4 GiB, span)?  Never
 * across the hole. */
static inline bool gmem_layout_has(uint64_t low, uint64_t span, uint64_t gpa,
				   uint64_t len)
{
	if (len <= low && gpa <= low - len)
		return true;
	return span > GMEM_HIGH_BASE && gpa >= GMEM_HIGH_BASE &&
	       len <= span - GMEM_HIGH_BASE &&
	       gpa - GMEM_HIGH_BASE <= span - GMEM_HIGH_BASE - len;
}

/* The same for a machine of ram bytes (snapshots check their runs). */
static inline bool gmem_ram_has(uint64_t ram, uint64_t gpa, uint64_t len)
{
	uint64_t low = gmem_low_size(ram);

	return gmem_layout_has(low, low == ram ? ram : GMEM_HIGH_BASE + ram - low,
			       gpa, len);
}

static inline bool gmem_range_ok(const struct guest_mem *gm, uint64_t gpa,
				 uint64_t len)
{
	return gmem_layout_has(gm->low, gm->span, gpa, len);
}

/* The guest-physical ranges of RAM: [0, low) and, with a hole, [4 GiB,
 * span).  Returns how many (1 or 2); an engine maps each (KVM memslots). */
unsigned gmem_ram_ranges(const struct guest_mem *gm, uint64_t base[2],
			 uint64_t len[2]);

/* Host pointer for [gpa, gpa+len), or NULL if any byte is outside RAM.
 * Read-only use: writers must use gmem_write() or call gmem_note_write(). */
static inline void *gmem_ptr(const struct guest_mem *gm, uint64_t gpa,
			     uint64_t len)
{
	return gmem_range_ok(gm, gpa, len) ? gm->host + gpa : NULL;
}

/* Tell the code cache that [gpa, gpa+len) was modified. */
void gmem_note_write_slow(struct guest_mem *gm, uint64_t gpa, uint64_t len);

static inline bool gmem_page_bit(const uint64_t *map, uint64_t gpa)
{
	uint64_t pfn = gpa >> GUEST_PAGE_SHIFT;

	return map && (map[pfn >> 6] >> (pfn & 63)) & 1;
}

static inline bool gmem_page_has_code(const struct guest_mem *gm, uint64_t gpa)
{
	return gmem_page_bit(gm->code_pages, gpa);
}

/* A write of more than a page may cover watched pages in its middle. */
static inline void gmem_note_write(struct guest_mem *gm, uint64_t gpa,
				   uint64_t len)
{
	if (len && (len > GUEST_PAGE_SIZE ||
		    gmem_page_bit(gm->watch_pages, gpa) ||
		    gmem_page_bit(gm->watch_pages, gpa + len - 1)))
		gmem_note_write_slow(gm, gpa, len);
}

/* A decode cache holds code of gpa's page from now on.  Bits are never
 * cleared: another cache may still hold code of the same page. */
void gmem_mark_code_page(struct guest_mem *gm, uint64_t gpa);

/* A page walk read a paging-structure entry in gpa's page: writes to it
 * count in pt_writes from now on.  False (nothing marked) when gpa is
 * not RAM: such a page can change without a write being seen. */
bool gmem_mark_pt_page(struct guest_mem *gm, uint64_t gpa);
/* The same for an EPT paging-structure page: writes count in ept_writes. */
bool gmem_mark_ept_page(struct guest_mem *gm, uint64_t gpa);

/* Bounds-checked copies.  Return false (and copy nothing) if out of range. */
bool gmem_read(const struct guest_mem *gm, uint64_t gpa, void *buf, uint64_t len);
bool gmem_write(struct guest_mem *gm, uint64_t gpa, const void *buf, uint64_t len);
bool gmem_fill(struct guest_mem *gm, uint64_t gpa, int byte, uint64_t len);

bool gmem_read_u8(const struct guest_mem *gm, uint64_t gpa, uint8_t *v);
bool gmem_read_u16(const struct guest_mem *gm, uint64_t gpa, uint16_t *v);
bool gmem_read_u32(const struct guest_mem *gm, uint64_t gpa, uint32_t *v);
bool gmem_read_u64(const struct guest_mem *gm, uint64_t gpa, uint64_t *v);
bool gmem_write_u8(struct guest_mem *gm, uint64_t gpa, uint8_t v);
bool gmem_write_u16(struct guest_mem *gm, uint64_t gpa, uint16_t v);
bool gmem_write_u32(struct guest_mem *gm, uint64_t gpa, uint32_t v);
bool gmem_write_u64(struct guest_mem *gm, uint64_t gpa, uint64_t v);

/* Parse a size such as "256M", "1G", "65536", "4096K".  Returns false on
 * garbage, overflow or a zero size. */
bool parse_size(const char *s, uint64_t *out);

#endif
