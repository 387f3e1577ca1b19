// SPDX-License-Identifier: MIT
/*
 * FXSAVE/FXRSTOR (SDM Vol. 2A) and the legacy-area helpers the XSAVE
 * family shares (fxarea.h).
 *
 * Choices where the SDM leaves the implementation free:
 * - XMM registers and MXCSR are saved and restored whatever CR4.OSFXSR
 *   says ("may not save/restore ... implementation dependent"), as
 *   current Intel processors do.
 * - FCS/FDS are kept (CPUID.(7,0):EBX[13] "FPU CS and DS deprecated" is
 *   not advertised); the 64-bit format (REX.W) has no selectors and
 *   FXRSTOR64/XRSTOR64 load them as 0.
 * - Only the fields the SDM defines are written: reserved bytes, bytes
 *   10-15 of each ST slot and the software-available bytes 464-511 keep
 *   their memory contents.
 */
#include "engine/interp/fxarea.h"

#include <string.h>

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* ---- the memory operand ---- */

void fx_area_map(struct interp *ip, const struct insn *in, unsigned align,
		 unsigned len, unsigned kind, struct fx_area *a)
{
	const struct cpu_state *s = &ip->s;
	unsigned seg;
	uint64_t ea = op_ea(ip, in, 0, &seg), lin;

	/* Alignment of the linear address, "regardless of segment". */
	lin = ea;
	if (!cpu_64bit_mode(s) || seg == SEG_FS || seg == SEG_GS)
		lin += s->seg[seg].base;
	if (lin & (align - 1))
		interp_raise_gp0(ip);
	lin = seg_linear(ip, seg, ea, len, kind);
	a->kind = kind;
	a->first = 4096 - (unsigned)(lin & 0xfff);
	if (a->first > len)
		a->first = len;
	a->lin[0] = lin;
	mmu_translate(ip, lin, kind, false, &a->gpa[0]);
	if (a->first < len) {
		lin += a->first;
		if (!cpu_long_mode(s))
			lin &= 0xffffffffull;
		a->lin[1] = lin;
		mmu_translate(ip, lin, kind, false, &a->gpa[1]);
	}
}

/* Split [off, off+len) at the page boundary of the area. */
static void area_io(struct interp *ip, const struct fx_area *a, unsigned off,
		    uint8_t *buf, unsigned len, bool write)
{
	while (len) {
		bool second = off >= a->first;
		unsigned in_page = second ? off - a->first : off;
		uint64_t gpa = a->gpa[second] + in_page;
		unsigned n = second ? len : a->first - off;

		if (n > len)
			n = len;
		if (write || a->kind == ACC_READ)
			interp_watch(ip, a->lin[second] + in_page, gpa, n,
				     write ? ACC_WRITE : ACC_READ);
		if (write)
			phys_write(ip, gpa, buf, n);
		else
			phys_read(ip, gpa, buf, n);
		off += n;
		buf += n;
		len -= n;
	}
}

void fx_area_read(struct interp *ip, const struct fx_area *a, unsigned off,
		  void *buf, unsigned len)
{
	area_io(ip, a, off, buf, len, false);
}

void fx_area_write(struct interp *ip, const struct fx_area *a, unsigned off,
		   const void *buf, unsigned len)
{
	area_io(ip, a, off, (uint8_t *)buf, len, true);
}

unsigned fx_xmm_count(const struct interp *ip)
{
	return cpu_64bit_mode(&ip->s) ? 16 : 8;
}

/* ---- legacy-area fields ---- */

static unsigned fpu_top(const struct fpu_state *f)
{
	return (f->fsw & FPU_FSW_TOP_MASK) >> FPU_FSW_TOP_SHIFT;
}

void fx_put_x87(const struct fpu_state *f, uint8_t *area, bool rex_w)
{
	unsigned top = fpu_top(f);

	put16(area + FXA_FCW, f->fcw);
	put16(area + FXA_FSW, f->fsw);
	area[FXA_FTW] = f->ftw;
	put16(area + FXA_FOP, f->fop & 0x7ff);
	if (rex_w) {
		put64(area + FXA_FIP, f->fip);
		put64(area + FXA_FDP, f->fdp);
	} else {
		put32(area + FXA_FIP, (uint32_t)f->fip);
		put16(area + FXA_FCS, f->fcs);
		put32(area + FXA_FDP, (uint32_t)f->fdp);
		put16(area + FXA_FDS, f->fds);
	}
	/* ST(i) = R((TOP + i) mod 8), 16-byte slots. */
	for (unsigned i = 0; i < 8; i++)
		memcpy(area + FXA_ST + 16 * i, f->st[(top + i) & 7], 10);
}

void fx_get_x87(struct fpu_state *f, const uint8_t *area, bool rex_w)
{
	unsigned top;

	f->fcw = get16(area + FXA_FCW);
	f->fsw = get16(area + FXA_FSW);
	f->ftw = area[FXA_FTW];
	f->fop = get16(area + FXA_FOP) & 0x7ff;
	if (rex_w) {
		f->fip = get64(area + FXA_FIP);
		f->fdp = get64(area + FXA_FDP);
		f->fcs = 0;
		f->fds = 0;
	} else {
		f->fip = get32(area + FXA_FIP);
		f->fcs = get16(area + FXA_FCS);
		f->fdp = get32(area + FXA_FDP);
		f->fds = get16(area + FXA_FDS);
	}
	top = fpu_top(f);
	for (unsigned i = 0; i < 8; i++)
		memcpy(f->st[(top + i) & 7], area + FXA_ST + 16 * i, 10);
}

void fx_put_mxcsr(const struct fpu_state *f, uint8_t *area)
{
	put32(area + FXA_MXCSR, f->mxcsr);
	put32(area + FXA_MXCSR_MASK, CPU_MODEL_MXCSR_MASK);
}

void fx_put_xmm(const struct fpu_state *f, uint8_t *area, unsigned n)
{
	memcpy(area + FXA_XMM, f->xmm, 16 * n);
}

void fx_get_xmm(struct fpu_state *f, const uint8_t *area, unsigned n)
{
	memcpy(f->xmm, area + FXA_XMM, 16 * n);
}

uint32_t fx_mxcsr_checked(struct interp *ip, const uint8_t *area)
{
	uint32_t v = get32(area + FXA_MXCSR);

	if (v & ~CPU_MODEL_MXCSR_MASK)
		interp_raise_gp0(ip);
	return v;
}

/* FCW 037FH, everything else 0 (SDM Vol. 1 13.6, x87 state). */
void fx_init_x87(struct fpu_state *f)
{
	f->fcw = FPU_FCW_FINIT;
	f->fsw = 0;
	f->ftw = 0;
	f->fop = 0;
	f->fip = f->fdp = 0;
	f->fcs = f->fds = 0;
	memset(f->st, 0, sizeof(f->st));
}

bool fx_x87_in_use(const struct fpu_state *f)
{
	static const uint8_t zero[sizeof(f->st)];

	return f->fcw != FPU_FCW_FINIT || f->fsw || f->ftw || f->fop ||
	       f->fip || f->fdp || f->fcs || f->fds ||
	       memcmp(f->st, zero, sizeof(zero));
}

bool fx_sse_in_use(const struct fpu_state *f)
{
	static const uint8_t zero[sizeof(f->xmm)];

	return memcmp(f->xmm, zero, sizeof(zero)) != 0;
}

/* ---- FXSAVE / FXRSTOR ---- */

static void fxsave_checks(struct interp *ip)
{
	if (!cpu_has(&ip->cfg.model, X86_FEAT_FXSR))
		interp_raise(ip, X86_UD);
	interp_fpu_gate_fxsave(ip);
}

static bool rex_w_form(const struct insn *in)
{
	return in->zi.mnemonic == ZYDIS_MNEMONIC_FXSAVE64 ||
	       in->zi.mnemonic == ZYDIS_MNEMONIC_FXRSTOR64;
}

void sys_fxsave(struct interp *ip, const struct insn *in)
{
	unsigned n = fx_xmm_count(ip), len = FXA_XMM + 16 * n;
	uint8_t area[FXA_SIZE];
	struct fx_area a;

	fxsave_checks(ip);
	fx_area_map(ip, in, 16, FXA_SIZE, ACC_WRITE, &a);
	/* Keep the bytes FXSAVE does not define as they are in memory. */
	fx_area_read(ip, &a, 0, area, len);
	fx_put_x87(&ip->s.fpu, area, rex_w_form(in));
	fx_put_mxcsr(&ip->s.fpu, area);
	fx_put_xmm(&ip->s.fpu, area, n);
	fx_area_write(ip, &a, 0, area, len);
	sys_done(ip, in);
}

void sys_fxrstor(struct interp *ip, const struct insn *in)
{
	unsigned n = fx_xmm_count(ip);
	uint8_t area[FXA_SIZE];
	struct fpu_state f = ip->s.fpu;
	struct fx_area a;

	fxsave_checks(ip);
	fx_area_map(ip, in, 16, FXA_SIZE, ACC_READ, &a);
	fx_area_read(ip, &a, 0, area, FXA_XMM + 16 * n);
	f.mxcsr = fx_mxcsr_checked(ip, area);
	fx_get_x87(&f, area, rex_w_form(in));
	fx_get_xmm(&f, area, n);
	ip->s.fpu = f;
	sys_done(ip, in);
}
