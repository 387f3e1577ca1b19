/* SPDX-License-Identifier: MIT */
/* Helpers on top of tests/interp/harness.h for the system-side tests. */
#ifndef VMXBOX_TESTS_INTERP_SYS_SYSUTIL_H
#define VMXBOX_TESTS_INTERP_SYS_SYSUTIL_H

#include "../interp/harness.h"

#define G(r) (h.s->gpr[GPR_##r])
#define U_CS 0x2b   /* DPL 3 64-bit code */
#define U_DS 0x33   /* DPL 3 data */
#define RSP0 0x70000ull

/* Add DPL 3 segments to the harness GDT and RSP0 to the TSS (TR base 0). */
static inline void su_user_segments(struct harness *h)
{
	h_write64(h, 0x7028, 0x00affb000000ffffull);
	h_write64(h, 0x7030, 0x00cff3000000ffffull);
	h->s->gdtr.limit = 0x37;
	ck_assert(gmem_write_u64(&h->mem, 4, RSP0));
}

/* Drop to CPL 3 (64-bit) without an instruction. */
static inline void su_cpl3(struct harness *h)
{
	su_user_segments(h);
	h->s->seg[SEG_CS].sel = U_CS;
	h->s->seg[SEG_CS].ar |= 3u << SEG_AR_DPL_SHIFT;
	h->s->seg[SEG_SS].sel = U_DS;
	h->s->seg[SEG_SS].ar |= 3u << SEG_AR_DPL_SHIFT;
}

/* Guest-memory reads and writes that must succeed. */
static inline uint32_t su_r32(struct harness *h, uint64_t gpa)
{
	uint32_t v = 0;

	ck_assert(gmem_read_u32(&h->mem, gpa, &v));
	return v;
}

static inline uint16_t su_r16(struct harness *h, uint64_t gpa)
{
	uint16_t v = 0;

	ck_assert(gmem_read_u16(&h->mem, gpa, &v));
	return v;
}

static inline void su_w32(struct harness *h, uint64_t gpa, uint32_t v)
{
	ck_assert(gmem_write_u32(&h->mem, gpa, v));
}

static inline void su_w16(struct harness *h, uint64_t gpa, uint16_t v)
{
	ck_assert(gmem_write_u16(&h->mem, gpa, v));
}

/* Run code at H_CODE until HLT (at most n instructions). */
static inline enum engine_exit_reason su_run(struct harness *h,
					     const void *code, size_t len,
					     uint64_t n)
{
	h_load(h, H_CODE, code, len);
	h->s->activity = ACTIVITY_ACTIVE;
	return h_run(h, n);
}

#endif
