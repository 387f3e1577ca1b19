// SPDX-License-Identifier: MIT
/*
 * MMX/SSE data rearrangement: shuffles (PSHUFB/PSHUFW/PSHUFD/PSHUFHW/
 * PSHUFLW/SHUFPS/SHUFPD), unpacks, packs with saturation, PALIGNR,
 * blends, PMOVSX/PMOVZX, element inserts and extracts (PINSRx/PEXTRx,
 * INSERTPS/EXTRACTPS).  None of them has floating-point semantics
 * (SDM Vol. 2, one entry each).
 */
#include "engine/interp/simd.h"

static unsigned imm8(const struct insn *in, unsigned n)
{
	return (uint8_t)in->ops[n].imm.value.u;
}

/* Read op0 (d) and op1 (s) after the gate. */
static void read2(struct interp *ip, const struct insn *in, v128 *d, v128 *s)
{
	simd_enter(ip, in);
	simd_read(ip, in, 1, s);
	simd_read(ip, in, 0, d);
}

static void finish(struct interp *ip, const struct insn *in, const v128 *r)
{
	simd_write(ip, in, 0, r);
	simd_done(ip, in);
}

/* ---- shuffles ---- */

/* PSHUFB (SSSE3): byte i = 0 if s[i] bit 7, else d[s[i] mod width]. */
static void exec_pshufb(struct interp *ip, const struct insn *in)
{
	unsigned bytes = simd_width(in, 0);
	v128 d, s, r;

	read2(ip, in, &d, &s);
	for (unsigned i = 0; i < bytes; i++)
		r.b[i] = (s.b[i] & 0x80) ? 0 : d.b[s.b[i] & (bytes - 1)];
	finish(ip, in, &r);
}

/* PSHUFW mm, mm/m64, imm8 and PSHUFD xmm, xmm/m128, imm8: op0 element i
 * = op1 element imm[2i+1:2i].  PSHUFLW/PSHUFHW do it on four words of
 * one half and copy the other half. */
static void pshuf(struct interp *ip, const struct insn *in, unsigned esize,
		  unsigned first)
{
	unsigned imm = imm8(in, 2);
	v128 d, s;

	read2(ip, in, &d, &s);
	d = s;
	for (unsigned i = 0; i < 4; i++) {
		unsigned j = (imm >> (2 * i)) & 3;

		memcpy(d.b + (first + i) * esize, s.b + (first + j) * esize, esize);
	}
	finish(ip, in, &d);
}

static void exec_pshufw(struct interp *ip, const struct insn *in) { pshuf(ip, in, 2, 0); }
/* PSHUFD: dword i = s.d[imm bits 2i+1:2i] (its own loop: the most used
 * shuffle, and one without pshuf's element-size arithmetic). */
static void exec_pshufd(struct interp *ip, const struct insn *in)
{
	unsigned imm = imm8(in, 2);
	v128 d, s;

	read2(ip, in, &d, &s);
	for (unsigned i = 0; i < 4; i++)
		d.d[i] = s.d[(imm >> (2 * i)) & 3];
	finish(ip, in, &d);
}

static void exec_pshuflw(struct interp *ip, const struct insn *in) { pshuf(ip, in, 2, 0); }
static void exec_pshufhw(struct interp *ip, const struct insn *in) { pshuf(ip, in, 2, 4); }

/* SHUFPS: two elements of op0 then two of op1, by imm8 fields. */
static void exec_shufps(struct interp *ip, const struct insn *in)
{
	unsigned imm = imm8(in, 2);
	v128 d, s, r;

	read2(ip, in, &d, &s);
	r.d[0] = d.d[imm & 3];
	r.d[1] = d.d[(imm >> 2) & 3];
	r.d[2] = s.d[(imm >> 4) & 3];
	r.d[3] = s.d[(imm >> 6) & 3];
	finish(ip, in, &r);
}

static void exec_shufpd(struct interp *ip, const struct insn *in)
{
	unsigned imm = imm8(in, 2);
	v128 d, s, r;

	read2(ip, in, &d, &s);
	r.q[0] = d.q[imm & 1];
	r.q[1] = s.q[(imm >> 1) & 1];
	finish(ip, in, &r);
}

/* ---- unpacks: interleave the low (or high) halves of op0 and op1 ---- */

static void unpack(struct interp *ip, const struct insn *in, unsigned esize,
		   bool high)
{
	unsigned bytes = simd_width(in, 0), n = bytes / esize / 2;
	unsigned base = high ? n : 0;
	v128 d, s, r;

	read2(ip, in, &d, &s);
	for (unsigned i = 0; i < n; i++) {
		memcpy(r.b + 2 * i * esize, d.b + (base + i) * esize, esize);
		memcpy(r.b + (2 * i + 1) * esize, s.b + (base + i) * esize, esize);
	}
	finish(ip, in, &r);
}

#define UNPACK(name, esize, high)                                           \
	static void exec_##name(struct interp *ip, const struct insn *in)   \
	{                                                                   \
		unpack(ip, in, esize, high);                                \
	}

UNPACK(punpcklbw, 1, false)
UNPACK(punpcklwd, 2, false)
UNPACK(punpckldq, 4, false)
UNPACK(punpcklqdq, 8, false)
UNPACK(punpckhbw, 1, true)
UNPACK(punpckhwd, 2, true)
UNPACK(punpckhdq, 4, true)
UNPACK(punpckhqdq, 8, true)

/* ---- packs: op0's elements narrowed, then op1's ---- */

enum pack_kind { PK_SSWB, PK_SSDW, PK_USWB, PK_USDW };

static void pack(struct interp *ip, const struct insn *in, enum pack_kind k)
{
	unsigned bytes = simd_width(in, 0);
	bool words = k == PK_SSWB || k == PK_USWB;
	unsigned n = words ? bytes / 2 : bytes / 4;   /* source elements */
	v128 d, s, r;

	read2(ip, in, &d, &s);
	for (unsigned i = 0; i < 2 * n; i++) {
		const v128 *x = i < n ? &d : &s;
		unsigned j = i % n;

		switch (k) {
		case PK_SSWB: r.sb[i] = sat_s8(x->sw[j]); break;
		case PK_USWB: r.b[i] = sat_u8(x->sw[j]); break;
		case PK_SSDW: r.sw[i] = sat_s16(x->sd[j]); break;
		case PK_USDW: r.w[i] = sat_u16(x->sd[j]); break;
		}
	}
	finish(ip, in, &r);
}

static void exec_packsswb(struct interp *ip, const struct insn *in) { pack(ip, in, PK_SSWB); }
static void exec_packssdw(struct interp *ip, const struct insn *in) { pack(ip, in, PK_SSDW); }
static void exec_packuswb(struct interp *ip, const struct insn *in) { pack(ip, in, PK_USWB); }
static void exec_packusdw(struct interp *ip, const struct insn *in) { pack(ip, in, PK_USDW); }

/* PALIGNR (SSSE3): (op0:op1) shifted right by imm8 bytes, low half. */
static void exec_palignr(struct interp *ip, const struct insn *in)
{
	unsigned bytes = simd_width(in, 0), n = imm8(in, 2);
	uint8_t cat[32];
	v128 d, s, r;

	read2(ip, in, &d, &s);
	memcpy(cat, s.b, bytes);
	memcpy(cat + bytes, d.b, bytes);
	for (unsigned i = 0; i < bytes; i++)
		r.b[i] = i + n < 2 * bytes ? cat[i + n] : 0;
	finish(ip, in, &r);
}

/* ---- blends (SSE4.1) ---- */

/* Element i from op1 where mask bit i is set. */
static void blend(struct interp *ip, const struct insn *in, unsigned esize,
		  unsigned mask)
{
	v128 d, s;

	read2(ip, in, &d, &s);
	for (unsigned i = 0; i < 16 / esize; i++)
		if (mask >> i & 1)
			memcpy(d.b + i * esize, s.b + i * esize, esize);
	finish(ip, in, &d);
}

static void exec_pblendw(struct interp *ip, const struct insn *in) { blend(ip, in, 2, imm8(in, 2)); }
static void exec_blendps(struct interp *ip, const struct insn *in) { blend(ip, in, 4, imm8(in, 2)); }
static void exec_blendpd(struct interp *ip, const struct insn *in) { blend(ip, in, 8, imm8(in, 2)); }

/* BLENDVPS/BLENDVPD/PBLENDVB: the mask is the top bit of each element
 * of the implicit XMM0. */
static void blendv(struct interp *ip, const struct insn *in, unsigned esize)
{
	const uint8_t *x0 = ip->s.fpu.xmm[0];
	unsigned mask = 0;

	for (unsigned i = 0; i < 16 / esize; i++)
		mask |= (unsigned)(x0[i * esize + esize - 1] >> 7) << i;
	blend(ip, in, esize, mask);
}

static void exec_pblendvb(struct interp *ip, const struct insn *in) { blendv(ip, in, 1); }
static void exec_blendvps(struct interp *ip, const struct insn *in) { blendv(ip, in, 4); }
static void exec_blendvpd(struct interp *ip, const struct insn *in) { blendv(ip, in, 8); }

/* ---- PMOVSX/PMOVZX (SSE4.1): low elements of op1 widened ---- */

static void pmovx(struct interp *ip, const struct insn *in, unsigned from,
		  unsigned to, bool sign)
{
	v128 d, s;

	read2(ip, in, &d, &s);
	for (unsigned i = 0; i < 16 / to; i++) {
		uint64_t v = 0;

		memcpy(&v, s.b + i * from, from);
		if (sign)
			v = sign_extend(v, from * 8);
		memcpy(d.b + i * to, &v, to);
	}
	finish(ip, in, &d);
}

#define PMOVX(name, from, to, sign)                                         \
	static void exec_##name(struct interp *ip, const struct insn *in)   \
	{                                                                   \
		pmovx(ip, in, from, to, sign);                              \
	}

PMOVX(pmovsxbw, 1, 2, true)
PMOVX(pmovsxbd, 1, 4, true)
PMOVX(pmovsxbq, 1, 8, true)
PMOVX(pmovsxwd, 2, 4, true)
PMOVX(pmovsxwq, 2, 8, true)
PMOVX(pmovsxdq, 4, 8, true)
PMOVX(pmovzxbw, 1, 2, false)
PMOVX(pmovzxbd, 1, 4, false)
PMOVX(pmovzxbq, 1, 8, false)
PMOVX(pmovzxwd, 2, 4, false)
PMOVX(pmovzxwq, 2, 8, false)
PMOVX(pmovzxdq, 4, 8, false)

/* ---- inserts and extracts ---- */

/* PEXTRB/PEXTRW/PEXTRD/PEXTRQ/EXTRACTPS: element imm of op1 into a GPR
 * (zero-extended) or memory of the element size. */
static void pextr(struct interp *ip, const struct insn *in, unsigned esize)
{
	unsigned n = simd_width(in, 1) / esize;
	v128 s, r = { .q = { 0, 0 } };

	simd_enter(ip, in);
	simd_read(ip, in, 1, &s);
	memcpy(r.b, s.b + (imm8(in, 2) % n) * esize, esize);
	finish(ip, in, &r);
}

static void exec_pextrb(struct interp *ip, const struct insn *in) { pextr(ip, in, 1); }
static void exec_pextrw(struct interp *ip, const struct insn *in) { pextr(ip, in, 2); }
static void exec_pextrd(struct interp *ip, const struct insn *in) { pextr(ip, in, 4); }
static void exec_pextrq(struct interp *ip, const struct insn *in) { pextr(ip, in, 8); }

/* PINSRB/PINSRW/PINSRD/PINSRQ: the low element of a GPR or memory into
 * element imm of op0. */
static void pinsr(struct interp *ip, const struct insn *in, unsigned esize)
{
	unsigned n = simd_width(in, 0) / esize;
	v128 d, s;

	read2(ip, in, &d, &s);
	memcpy(d.b + (imm8(in, 2) % n) * esize, s.b, esize);
	finish(ip, in, &d);
}

static void exec_pinsrb(struct interp *ip, const struct insn *in) { pinsr(ip, in, 1); }
static void exec_pinsrw(struct interp *ip, const struct insn *in) { pinsr(ip, in, 2); }
static void exec_pinsrd(struct interp *ip, const struct insn *in) { pinsr(ip, in, 4); }
static void exec_pinsrq(struct interp *ip, const struct insn *in) { pinsr(ip, in, 8); }

/* INSERTPS: source single imm[7:6] of a register (a memory source is the
 * single itself) into element imm[5:4], then zero the elements of
 * imm[3:0]. */
static void exec_insertps(struct interp *ip, const struct insn *in)
{
	unsigned imm = imm8(in, 2);
	v128 d, s;

	read2(ip, in, &d, &s);
	d.d[(imm >> 4) & 3] = simd_opd_mem(in, 1) ? s.d[0] : s.d[imm >> 6];
	for (unsigned i = 0; i < 4; i++)
		if (imm >> i & 1)
			d.d[i] = 0;
	finish(ip, in, &d);
}

#define E(m, f) { ZYDIS_MNEMONIC_##m, f, { 0 } }
#define L(m, f) E(m, exec_##f)

const struct exec_entry exec_simd_shuf_table[] = {
	L(PSHUFB, pshufb), L(PSHUFW, pshufw), L(PSHUFD, pshufd),
	L(PSHUFLW, pshuflw), L(PSHUFHW, pshufhw),
	L(SHUFPS, shufps), L(SHUFPD, shufpd),
	L(PUNPCKLBW, punpcklbw), L(PUNPCKLWD, punpcklwd),
	L(PUNPCKLDQ, punpckldq), L(PUNPCKLQDQ, punpcklqdq),
	L(PUNPCKHBW, punpckhbw), L(PUNPCKHWD, punpckhwd),
	L(PUNPCKHDQ, punpckhdq), L(PUNPCKHQDQ, punpckhqdq),
	L(UNPCKLPS, punpckldq), L(UNPCKHPS, punpckhdq),
	L(UNPCKLPD, punpcklqdq), L(UNPCKHPD, punpckhqdq),
	L(PACKSSWB, packsswb), L(PACKSSDW, packssdw),
	L(PACKUSWB, packuswb), L(PACKUSDW, packusdw),
	L(PALIGNR, palignr),
	L(PBLENDW, pblendw), L(BLENDPS, blendps), L(BLENDPD, blendpd),
	L(PBLENDVB, pblendvb), L(BLENDVPS, blendvps), L(BLENDVPD, blendvpd),
	L(PMOVSXBW, pmovsxbw), L(PMOVSXBD, pmovsxbd), L(PMOVSXBQ, pmovsxbq),
	L(PMOVSXWD, pmovsxwd), L(PMOVSXWQ, pmovsxwq), L(PMOVSXDQ, pmovsxdq),
	L(PMOVZXBW, pmovzxbw), L(PMOVZXBD, pmovzxbd), L(PMOVZXBQ, pmovzxbq),
	L(PMOVZXWD, pmovzxwd), L(PMOVZXWQ, pmovzxwq), L(PMOVZXDQ, pmovzxdq),
	L(PEXTRB, pextrb), L(PEXTRW, pextrw), L(PEXTRD, pextrd),
	L(PEXTRQ, pextrq), L(EXTRACTPS, pextrd),
	L(PINSRB, pinsrb), L(PINSRW, pinsrw), L(PINSRD, pinsrd),
	L(PINSRQ, pinsrq), L(INSERTPS, insertps),
	{ 0, NULL, { 0 } },
};
