// SPDX-License-Identifier: MIT
/*
 * Memory accesses of the interpreter: segmentation (SDM 3.4, 5.3, 5.4),
 * then paging (mmu.c), then guest-physical RAM or MMIO.
 */
#include "engine/interp/sys.h"
#include "engine/interp/htlb.h"

#include <string.h>

/* ---- guest-physical ---- */

static void mmio_read(struct interp *ip, uint64_t gpa, void *buf, unsigned len)
{
	uint8_t *b = buf;

	if (ip->cfg.mmio && (len == 1 || len == 2 || len == 4 || len == 8) &&
	    !gmem_range_ok(ip->cfg.mem, gpa, 1)) {
		uint64_t v = io_bus_read(ip->cfg.mmio, gpa, len);

		memcpy(buf, &v, len);
		return;
	}
	/* Odd sizes or a range straddling the end of RAM: byte by byte. */
	for (unsigned i = 0; i < len; i++) {
		if (gmem_read(ip->cfg.mem, gpa + i, &b[i], 1))
			continue;
		b[i] = ip->cfg.mmio ? (uint8_t)io_bus_read(ip->cfg.mmio, gpa + i, 1)
				    : 0xff;
	}
}

static void mmio_write(struct interp *ip, uint64_t gpa, const void *buf,
		       unsigned len)
{
	const uint8_t *b = buf;

	if (ip->cfg.mmio && (len == 1 || len == 2 || len == 4 || len == 8) &&
	    !gmem_range_ok(ip->cfg.mem, gpa, 1)) {
		uint64_t v = 0;

		memcpy(&v, buf, len);
		io_bus_write(ip->cfg.mmio, gpa, len, v);
		return;
	}
	for (unsigned i = 0; i < len; i++) {
		if (gmem_write(ip->cfg.mem, gpa + i, &b[i], 1))
			continue;
		if (ip->cfg.mmio)
			io_bus_write(ip->cfg.mmio, gpa + i, 1, b[i]);
	}
}

void phys_read(struct interp *ip, uint64_t gpa, void *buf, unsigned len)
{
	const void *p = gmem_ptr(ip->cfg.mem, gpa, len);

	if (p)
		memcpy(buf, p, len);
	else
		mmio_read(ip, gpa, buf, len);
}

void phys_write(struct interp *ip, uint64_t gpa, const void *buf, unsigned len)
{
	if (!gmem_write(ip->cfg.mem, gpa, buf, len))
		mmio_write(ip, gpa, buf, len);
}

/* ---- linear ---- */

/* mmu_translate() of a data access of len bytes within one page: the
 * VMX layer needs the size on the APIC-access page (intercept.h). */
static void xlate_sized(struct interp *ip, uint64_t lin, unsigned acc,
			unsigned len, uint64_t *gpa)
{
	ip->acc_size = len;
	mmu_translate(ip, lin, acc, false, gpa);
	ip->acc_size = 0;
}

void lin_read(struct interp *ip, uint64_t lin, void *buf, unsigned len,
	      unsigned acc)
{
	uint8_t *b = buf;

	while (len) {
		unsigned chunk = 4096 - (unsigned)(lin & 0xfff);
		uint64_t gpa;

		if (chunk > len)
			chunk = len;
		xlate_sized(ip, lin, acc, chunk, &gpa);
		interp_watch(ip, lin, gpa, chunk, acc);
		phys_read(ip, gpa, b, chunk);
		b += chunk;
		lin += chunk;
		len -= chunk;
		if (!cpu_long_mode(&ip->s))
			lin &= 0xffffffffull;
	}
}

#define LIN_WRITE_MAX_PAGES 16

void lin_write(struct interp *ip, uint64_t lin, const void *buf, unsigned len,
	       unsigned acc)
{
	uint64_t gpa[LIN_WRITE_MAX_PAGES];
	unsigned size[LIN_WRITE_MAX_PAGES];
	unsigned n = 0;
	const uint8_t *b = buf;

	/* Translate every page first: a fault must leave memory untouched. */
	while (len && n < LIN_WRITE_MAX_PAGES) {
		unsigned chunk = 4096 - (unsigned)(lin & 0xfff);

		if (chunk > len)
			chunk = len;
		xlate_sized(ip, lin, acc, chunk, &gpa[n]);
		interp_watch(ip, lin, gpa[n], chunk, acc);
		size[n++] = chunk;
		lin += chunk;
		len -= chunk;
		if (!cpu_long_mode(&ip->s))
			lin &= 0xffffffffull;
	}
	for (unsigned i = 0; i < n; i++) {
		phys_write(ip, gpa[i], b, size[i]);
		b += size[i];
	}
}

/* ---- segmentation ---- */

static _Noreturn void seg_fault(struct interp *ip, unsigned seg)
{
	interp_raise_err(ip, seg == SEG_SS ? X86_SS : X86_GP, 0);
}

uint64_t seg_linear(struct interp *ip, unsigned seg, uint64_t off,
		    unsigned len, unsigned kind)
{
	const struct cpu_state *s = &ip->s;
	const struct seg_reg *sr = &s->seg[seg];
	uint64_t last = off + (len ? len - 1 : 0);
	unsigned type;

	if (cpu_64bit_mode(s)) {
		uint64_t lin = off;

		if (seg == SEG_FS || seg == SEG_GS)
			lin += sr->base;
		if (!lin_canonical(lin) || !lin_canonical(lin + (last - off)))
			seg_fault(ip, seg);
		return lin;
	}
	if (sys_protected(s)) {
		if (sr->ar & SEG_AR_UNUSABLE)
			seg_fault(ip, seg);
		type = sr->ar & SEG_AR_TYPE_MASK;
		if (type & 8) {
			/* Code: never writable; execute-only not readable. */
			if (kind == ACC_WRITE || (kind == ACC_READ && !(type & 2)))
				seg_fault(ip, seg);
		} else if (kind == ACC_WRITE && !(type & 2)) {
			seg_fault(ip, seg);
		}
		if (!(type & 8) && (type & 4)) {
			/* Expand-down: valid offsets are (limit, upper]. */
			uint64_t upper = (sr->ar & SEG_AR_DB) ? 0xffffffffull : 0xffffull;

			if (off <= sr->limit || last > upper)
				seg_fault(ip, seg);
			return (sr->base + off) & 0xffffffffull;
		}
	}
	/* Limit check, also in real mode (SDM 20.1.1 "segment wraparound"). */
	if (last > sr->limit || last < off)
		seg_fault(ip, seg);
	return (sr->base + off) & 0xffffffffull;
}

static inline unsigned data_acc(unsigned kind)
{
	return kind;
}

/*
 * Alignment checking (SDM Vol. 3A 6.15 "#AC", 2.5 CR0.AM, Table 6-7): with
 * CR0.AM = 1, RFLAGS.AC = 1 and CPL 3, a data access not aligned to its
 * operand size is #AC(0): words to 2, doublewords and 48-bit pointers /
 * descriptor-table images to 4, quadwords and 80-bit values to 8.
 * Implicit supervisor accesses (descriptor tables, TSS, event frames) go
 * through lin_read/lin_write and are never checked; 16-byte SSE operands
 * keep their own rules (#GP for the aligned forms).  CR0.AM and RFLAGS.AC
 * are both bit 18, so one AND tells whether checking may be on.
 */
_Static_assert(CR0_AM == RFLAGS_AC, "CR0.AM and RFLAGS.AC share bit 18");

static void align_check(struct interp *ip, uint64_t lin, unsigned len)
{
	static const uint8_t mask[11] = {
		[2] = 1, [4] = 3, [6] = 3, [8] = 7, [10] = 7,
	};

	if (__builtin_expect(!(ip->s.cr0 & ip->s.rflags & CR0_AM), 1))
		return;
	if (len < sizeof(mask) && (lin & mask[len]) && cpu_cpl(&ip->s) == 3)
		interp_raise_err(ip, X86_AC, 0);
}

/* An access within one page: translate, copy, and let the host-pointer
 * TLB remember the page (htlb.h). */
static void page_read(struct interp *ip, uint64_t lin, void *buf,
		      unsigned len)
{
	uint64_t gpa;

	xlate_sized(ip, lin, ACC_READ, len, &gpa);
	interp_watch(ip, lin, gpa, len, ACC_READ);
	phys_read(ip, gpa, buf, len);
	htlb_fill(ip, lin, gpa, ACC_READ);
	/* A load and then a store to the same page (x = x + 1) then take
	 * one slow path, not two. */
	if (ip->xlate_writable)
		htlb_fill(ip, lin, gpa, ACC_WRITE);
}

static void page_write(struct interp *ip, uint64_t lin, const void *buf,
		       unsigned len)
{
	uint64_t gpa;

	xlate_sized(ip, lin, ACC_WRITE, len, &gpa);
	interp_watch(ip, lin, gpa, len, ACC_WRITE);
	phys_write(ip, gpa, buf, len);
	htlb_fill(ip, lin, gpa, ACC_WRITE);
}

static bool one_page(uint64_t lin, unsigned len)
{
	return (lin & (GUEST_PAGE_SIZE - 1)) + len <= GUEST_PAGE_SIZE;
}

/* The htlb never hits while alignment checking is on (htlb_key), so
 * align_check() is needed on the miss paths only. */
void mem_read(struct interp *ip, unsigned seg, uint64_t off, void *buf, unsigned len)
{
	uint64_t lin = seg_linear(ip, seg, off, len, ACC_READ), gpa;

	if (htlb_find(ip, ip->htlb.r, lin, len, &gpa)) {
		ip->tlb.hits++;
		memcpy(buf, ip->cfg.mem->host + gpa, len);
		return;
	}
	align_check(ip, lin, len);
	if (one_page(lin, len))
		page_read(ip, lin, buf, len);
	else
		lin_read(ip, lin, buf, len, data_acc(ACC_READ));
}

void mem_write(struct interp *ip, unsigned seg, uint64_t off, const void *buf,
	       unsigned len)
{
	uint64_t lin = seg_linear(ip, seg, off, len, ACC_WRITE), gpa;

	if (htlb_find(ip, ip->htlb.w, lin, len, &gpa)) {
		ip->tlb.hits++;
		memcpy(ip->cfg.mem->host + gpa, buf, len);
		gmem_note_write(ip->cfg.mem, gpa, len);
		return;
	}
	align_check(ip, lin, len);
	if (one_page(lin, len))
		page_write(ip, lin, buf, len);
	else
		lin_write(ip, lin, buf, len, data_acc(ACC_WRITE));
}

/* The miss paths of mem_read_u/mem_write_u and of the callers' own
 * inline htlb_read/htlb_write (core.h, operand.c): lin already passed
 * the segment checks. */
uint64_t mem_read_lin_slow(struct interp *ip, uint64_t lin, unsigned len)
{
	uint64_t v = 0;

	align_check(ip, lin, len);
	if (one_page(lin, len))
		page_read(ip, lin, &v, len);
	else
		lin_read(ip, lin, &v, len, data_acc(ACC_READ));
	return v;
}

void mem_write_lin_slow(struct interp *ip, uint64_t lin, uint64_t v,
			unsigned len)
{
	align_check(ip, lin, len);
	if (one_page(lin, len))
		page_write(ip, lin, &v, len);
	else
		lin_write(ip, lin, &v, len, data_acc(ACC_WRITE));
}

/* 64-bit mode first: only FS and GS have a base, and the canonical
 * checks are left to the htlb (a non-canonical page never hits, see
 * opd_lin64 in core.h); everything else goes through seg_linear. */
static inline uint64_t lin64(const struct interp *ip, unsigned seg,
			     uint64_t off)
{
	return seg == SEG_FS || seg == SEG_GS ? off + ip->s.seg[seg].base : off;
}

uint64_t mem_read_u(struct interp *ip, unsigned seg, uint64_t off, unsigned len)
{
	uint64_t lin, v;

	if (__builtin_expect(cpu_64bit_mode(&ip->s), 1) &&
	    __builtin_expect(htlb_read(ip, lin64(ip, seg, off), len, &v), 1))
		return v;
	lin = seg_linear(ip, seg, off, len, ACC_READ);
	if (htlb_read(ip, lin, len, &v))
		return v;
	return mem_read_lin_slow(ip, lin, len);
}

void mem_write_u(struct interp *ip, unsigned seg, uint64_t off, uint64_t v,
		 unsigned len)
{
	uint64_t lin;

	if (__builtin_expect(cpu_64bit_mode(&ip->s), 1) &&
	    __builtin_expect(htlb_write(ip, lin64(ip, seg, off), len, v), 1))
		return;
	lin = seg_linear(ip, seg, off, len, ACC_WRITE);
	if (htlb_write(ip, lin, len, v))
		return;
	mem_write_lin_slow(ip, lin, v, len);
}

/* Does the instruction in buf[0..n) decode completely without more bytes? */
static bool insn_complete(struct interp *ip, const uint8_t *buf, unsigned n)
{
	const struct cpu_state *s = &ip->s;
	const ZydisDecoder *d;
	ZydisDecodedInstruction zi;

	if (cpu_64bit_mode(s))
		d = &ip->dec64;
	else if (s->seg[SEG_CS].ar & SEG_AR_DB)
		d = &ip->dec32;
	else
		d = &ip->dec16;
	return ZydisDecoderDecodeInstruction(d, NULL, buf, n, &zi) !=
	       ZYDIS_STATUS_NO_MORE_DATA;
}

unsigned mem_fetch(struct interp *ip, uint64_t rip, uint8_t *buf, unsigned len,
		   uint64_t *gpa_out)
{
	const struct cpu_state *s = &ip->s;
	const struct seg_reg *cs = &s->seg[SEG_CS];
	uint64_t lin, gpa2;
	unsigned first;

	if (cpu_64bit_mode(s)) {
		if (!lin_canonical(rip))
			interp_raise_err(ip, X86_GP, 0);
		lin = rip;
	} else {
		if (rip > cs->limit)
			interp_raise_err(ip, X86_GP, 0);
		if (len > cs->limit - rip + 1)
			len = (unsigned)(cs->limit - rip + 1);
		lin = (cs->base + rip) & 0xffffffffull;
	}
	mmu_translate(ip, lin, ACC_FETCH, false, gpa_out);
	first = 4096 - (unsigned)(lin & 0xfff);
	if (first >= len) {
		phys_read(ip, *gpa_out, buf, len);
		return len;
	}
	phys_read(ip, *gpa_out, buf, first);
	/* The instruction may end on this page: only touch the next page
	 * (and fault there, SDM 6.15 #PF on fetch) when it really spans. */
	if (insn_complete(ip, buf, first))
		return first;
	lin += first;
	if (!cpu_long_mode(s))
		lin &= 0xffffffffull;
	mmu_translate(ip, lin, ACC_FETCH, false, &gpa2);
	phys_read(ip, gpa2, buf + first, len - first);
	return len;
}
