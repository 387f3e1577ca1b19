// SPDX-License-Identifier: MIT
/*
 * Packed integer arithmetic of MMX, SSE2, SSSE3, SSE4.1 and SSE4.2 on MMi
 * (8 bytes) and XMMi (16 bytes): add/subtract with wraparound or
 * saturation, multiplies, PMADDWD/PMADDUBSW, averages, min/max, compares,
 * logic, shifts, absolute value, sign, horizontal add/subtract,
 * PSADBW/MPSADBW, PHMINPOSUW, PTEST.  Each is a lane loop over the
 * destination width (SDM Vol. 2, one entry per instruction).
 */
#include "engine/interp/simd.h"

/* A two-operand packed operation: d = f(d, s) over `bytes` bytes. */
typedef void (*lane_fn)(v128 *d, const v128 *s, unsigned bytes);

static void simd_int2(struct interp *ip, const struct insn *in, lane_fn f)
{
	v128 d, s;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &s);
	simd_read(ip, in, 0, &d);
	f(&d, &s, simd_width(in, 0));
	simd_write(ip, in, 0, &d);
	simd_done(ip, in);
}

/* LANE(name, field, expr): element-wise d.field[i] = expr(a, b). */
#define LANE(name, field, expr)                                             \
	static void lane_##name(v128 *d, const v128 *s, unsigned bytes)     \
	{                                                                   \
		for (unsigned i = 0; i < bytes / sizeof(d->field[0]); i++) { \
			__typeof__(d->field[0]) a __attribute__((unused)) = d->field[i]; \
			__typeof__(s->field[0]) b = s->field[i];            \
			d->field[i] = (expr);                               \
		}                                                           \
	}                                                                   \
	static void exec_##name(struct interp *ip, const struct insn *in)   \
	{                                                                   \
		simd_int2(ip, in, lane_##name);                             \
	}

/* Wraparound add/subtract (unsigned fields: C arithmetic wraps). */
LANE(paddb, b, a + b)
LANE(paddw, w, a + b)
LANE(paddd, d, a + b)
LANE(paddq, q, a + b)
LANE(psubb, b, a - b)
LANE(psubw, w, a - b)
LANE(psubd, d, a - b)
LANE(psubq, q, a - b)
/* Saturating */
LANE(paddsb, sb, sat_s8(a + b))
LANE(paddsw, sw, sat_s16(a + b))
LANE(paddusb, b, sat_u8(a + b))
LANE(paddusw, w, sat_u16(a + b))
LANE(psubsb, sb, sat_s8(a - b))
LANE(psubsw, sw, sat_s16(a - b))
LANE(psubusb, b, sat_u8(a - b))
LANE(psubusw, w, sat_u16(a - b))
/* Multiplies */
LANE(pmullw, sw, (int16_t)(uint16_t)((int32_t)a * b))
LANE(pmulhw, sw, (int16_t)(((int32_t)a * b) >> 16))
LANE(pmulhuw, w, (uint16_t)(((uint32_t)a * b) >> 16))
LANE(pmulld, sd, (int32_t)(uint32_t)((int64_t)a * b))
/* PMULHRSW (SSSE3): (a*b >> 14) + 1 >> 1, low 16 bits. */
LANE(pmulhrsw, sw, (int16_t)(uint16_t)(((((int32_t)a * b) >> 14) + 1) >> 1))
/* Averages: (a + b + 1) >> 1 without overflow. */
LANE(pavgb, b, (uint8_t)(((unsigned)a + b + 1) >> 1))
LANE(pavgw, w, (uint16_t)(((unsigned)a + b + 1) >> 1))
/* Min/max */
LANE(pminub, b, a < b ? a : b)
LANE(pmaxub, b, a > b ? a : b)
LANE(pminsw, sw, a < b ? a : b)
LANE(pmaxsw, sw, a > b ? a : b)
LANE(pminsb, sb, a < b ? a : b)
LANE(pmaxsb, sb, a > b ? a : b)
LANE(pminuw, w, a < b ? a : b)
LANE(pmaxuw, w, a > b ? a : b)
LANE(pminsd, sd, a < b ? a : b)
LANE(pmaxsd, sd, a > b ? a : b)
LANE(pminud, d, a < b ? a : b)
LANE(pmaxud, d, a > b ? a : b)
/* Compares: all ones / all zeros */
LANE(pcmpeqb, b, a == b ? 0xff : 0)
LANE(pcmpeqw, w, a == b ? 0xffff : 0)
LANE(pcmpeqd, d, a == b ? ~0u : 0)
LANE(pcmpeqq, q, a == b ? ~0ull : 0)
LANE(pcmpgtb, sb, a > b ? -1 : 0)
LANE(pcmpgtw, sw, a > b ? -1 : 0)
LANE(pcmpgtd, sd, a > b ? -1 : 0)
LANE(pcmpgtq, sq, a > b ? -1 : 0)
/* Logic (also ANDPS/ANDPD/ANDNPS/ORPS/XORPS...: bitwise, no FP rules) */
LANE(pand, q, a & b)
LANE(pandn, q, ~a & b)
LANE(por, q, a | b)
LANE(pxor, q, a ^ b)
/* SSSE3 PSIGNx: negate, keep or zero by the sign of the source. */
LANE(psignb, sb, (int8_t)(b < 0 ? -(uint8_t)a : b == 0 ? 0 : a))
LANE(psignw, sw, (int16_t)(b < 0 ? -(uint16_t)a : b == 0 ? 0 : a))
LANE(psignd, sd, (int32_t)(b < 0 ? -(uint32_t)a : b == 0 ? 0 : (uint32_t)a))
/* SSSE3 PABSx: op0 = |op1| (the unsigned result of -0x80 is 0x80). */
LANE(pabsb, sb, (int8_t)(b < 0 ? -(uint8_t)b : b))
LANE(pabsw, sw, (int16_t)(b < 0 ? -(uint16_t)b : b))
LANE(pabsd, sd, (int32_t)(b < 0 ? -(uint32_t)b : (uint32_t)b))

/* PMULUDQ: low unsigned dwords of each quadword, 64-bit products. */
static void lane_pmuludq(v128 *d, const v128 *s, unsigned bytes)
{
	for (unsigned i = 0; i < bytes / 8; i++)
		d->q[i] = (uint64_t)d->d[2 * i] * s->d[2 * i];
}

/* PMULDQ (SSE4.1): the same, signed. */
static void lane_pmuldq(v128 *d, const v128 *s, unsigned bytes)
{
	for (unsigned i = 0; i < bytes / 8; i++)
		d->sq[i] = (int64_t)d->sd[2 * i] * s->sd[2 * i];
}

/* PMADDWD: adjacent signed word products summed into dwords (the one
 * overflow, 0x8000 * 4, wraps to 0x80000000 as the SDM says). */
static void lane_pmaddwd(v128 *d, const v128 *s, unsigned bytes)
{
	for (unsigned i = 0; i < bytes / 4; i++) {
		uint32_t lo = (uint32_t)((int32_t)d->sw[2 * i] * s->sw[2 * i]);
		uint32_t hi = (uint32_t)((int32_t)d->sw[2 * i + 1] * s->sw[2 * i + 1]);

		d->d[i] = lo + hi;
	}
}

/* PMADDUBSW (SSSE3): unsigned bytes of op0 times signed bytes of op1,
 * adjacent pairs summed with signed saturation. */
static void lane_pmaddubsw(v128 *d, const v128 *s, unsigned bytes)
{
	v128 r;

	for (unsigned i = 0; i < bytes / 2; i++)
		r.sw[i] = sat_s16(d->b[2 * i] * s->sb[2 * i] +
				  d->b[2 * i + 1] * s->sb[2 * i + 1]);
	memcpy(d, &r, bytes);
}

/* PSADBW: sums of absolute byte differences per quadword, in its low
 * word (the rest zeroed). */
static void lane_psadbw(v128 *d, const v128 *s, unsigned bytes)
{
	for (unsigned q = 0; q < bytes / 8; q++) {
		unsigned sum = 0;

		for (unsigned i = 0; i < 8; i++) {
			int a = d->b[q * 8 + i], b = s->b[q * 8 + i];

			sum += (unsigned)(a > b ? a - b : b - a);
		}
		d->q[q] = sum;
	}
}

/* Horizontal add/subtract (SSSE3): pairs of op0 then pairs of op1. */
#define HLANE(name, field, T, expr)                                         \
	static void lane_##name(v128 *d, const v128 *s, unsigned bytes)     \
	{                                                                   \
		unsigned n = bytes / sizeof(d->field[0]) / 2;               \
		v128 r;                                                     \
		for (unsigned i = 0; i < 2 * n; i++) {                      \
			const v128 *x = i < n ? d : s;                      \
			unsigned j = (i % n) * 2;                           \
			T a = x->field[j], b = x->field[j + 1];             \
			r.field[i] = (expr);                                \
		}                                                           \
		memcpy(d, &r, bytes);                                       \
	}

HLANE(phaddw, w, uint16_t, (uint16_t)(a + b))
HLANE(phaddd, d, uint32_t, a + b)
HLANE(phaddsw, sw, int16_t, sat_s16(a + b))
HLANE(phsubw, w, uint16_t, (uint16_t)(a - b))
HLANE(phsubd, d, uint32_t, a - b)
HLANE(phsubsw, sw, int16_t, sat_s16(a - b))

/* ---- shifts ---- */

/* PSLL/PSRL/PSRA by op1: an XMM/MM/memory count (its whole low quadword)
 * or an imm8.  Counts above the element width clear the element (fill it
 * with the sign bit for PSRA). */
enum shift_kind { SH_LL, SH_RL, SH_RA };

static void simd_shift(struct interp *ip, const struct insn *in,
		       unsigned esize, enum shift_kind k)
{
	unsigned bytes = simd_width(in, 0), bits = esize * 8;
	uint64_t cnt;
	v128 d, s;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &s);
	cnt = in->ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE ? (uint8_t)s.q[0] : s.q[0];
	simd_read(ip, in, 0, &d);
	for (unsigned i = 0; i < bytes / esize; i++) {
		uint64_t v = 0;

		memcpy(&v, d.b + i * esize, esize);
		if (k == SH_RA) {
			v = sign_extend(v, bits);
			v = (uint64_t)((int64_t)v >> (cnt >= bits ? bits - 1 : cnt));
		} else if (cnt >= bits) {
			v = 0;
		} else {
			v = k == SH_LL ? v << cnt : v >> cnt;
		}
		memcpy(d.b + i * esize, &v, esize);
	}
	simd_write(ip, in, 0, &d);
	simd_done(ip, in);
}

#define SHIFT(name, esize, k)                                               \
	static void exec_##name(struct interp *ip, const struct insn *in)   \
	{                                                                   \
		simd_shift(ip, in, esize, k);                               \
	}

SHIFT(psllw, 2, SH_LL)
SHIFT(pslld, 4, SH_LL)
SHIFT(psllq, 8, SH_LL)
SHIFT(psrlw, 2, SH_RL)
SHIFT(psrld, 4, SH_RL)
SHIFT(psrlq, 8, SH_RL)
SHIFT(psraw, 2, SH_RA)
SHIFT(psrad, 4, SH_RA)

/* PSLLDQ/PSRLDQ xmm, imm8: whole-register byte shifts (count > 15: 0). */
static void byte_shift(struct interp *ip, const struct insn *in, bool left)
{
	unsigned n = (uint8_t)in->ops[1].imm.value.u;
	v128 d, r = { .q = { 0, 0 } };

	simd_enter(ip, in);
	simd_read(ip, in, 0, &d);
	for (unsigned i = 0; i < 16 && n < 16; i++) {
		if (left && i >= n)
			r.b[i] = d.b[i - n];
		else if (!left && i + n < 16)
			r.b[i] = d.b[i + n];
	}
	simd_write(ip, in, 0, &r);
}

static void exec_pslldq(struct interp *ip, const struct insn *in) { byte_shift(ip, in, true); }
static void exec_psrldq(struct interp *ip, const struct insn *in) { byte_shift(ip, in, false); }

/* ---- forms with their own operand shapes ---- */

#define WRAP(name)                                                          \
	static void exec_##name(struct interp *ip, const struct insn *in)   \
	{                                                                   \
		simd_int2(ip, in, lane_##name);                             \
	}

WRAP(pmuludq)
WRAP(pmuldq)
WRAP(pmaddwd)
WRAP(pmaddubsw)
WRAP(psadbw)
WRAP(phaddw)
WRAP(phaddd)
WRAP(phaddsw)
WRAP(phsubw)
WRAP(phsubd)
WRAP(phsubsw)

/* PTEST (SSE4.1): ZF = (op0 AND op1) == 0, CF = (NOT op0 AND op1) == 0;
 * AF OF PF SF cleared. */
static void exec_ptest(struct interp *ip, const struct insn *in)
{
	v128 d, s;
	uint64_t f = 0;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &s);
	simd_read(ip, in, 0, &d);
	if (!((d.q[0] & s.q[0]) | (d.q[1] & s.q[1])))
		f |= RFLAGS_ZF;
	if (!((~d.q[0] & s.q[0]) | (~d.q[1] & s.q[1])))
		f |= RFLAGS_CF;
	flags_set(ip, FLAGS_ARITH, f);
}

/* PHMINPOSUW (SSE4.1): the minimum unsigned word and its (lowest) index;
 * bits 127:19 zeroed. */
static void exec_phminposuw(struct interp *ip, const struct insn *in)
{
	v128 s, r = { .q = { 0, 0 } };
	unsigned idx = 0;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &s);
	for (unsigned i = 1; i < 8; i++)
		if (s.w[i] < s.w[idx])
			idx = i;
	r.w[0] = s.w[idx];
	r.w[1] = (uint16_t)idx;
	simd_write(ip, in, 0, &r);
}

/* MPSADBW (SSE4.1): eight sums of absolute differences of 4-byte groups:
 * op0 bytes from offset imm[2]*4 + i, op1 block imm[1:0]*4. */
static void exec_mpsadbw(struct interp *ip, const struct insn *in)
{
	unsigned imm = (uint8_t)in->ops[2].imm.value.u;
	unsigned doff = (imm >> 2 & 1) * 4, soff = (imm & 3) * 4;
	v128 d, s, r;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &s);
	simd_read(ip, in, 0, &d);
	for (unsigned i = 0; i < 8; i++) {
		unsigned sum = 0;

		for (unsigned j = 0; j < 4; j++) {
			int a = d.b[doff + i + j], b = s.b[soff + j];

			sum += (unsigned)(a > b ? a - b : b - a);
		}
		r.w[i] = (uint16_t)sum;
	}
	simd_write(ip, in, 0, &r);
}

#define E(m, f) { ZYDIS_MNEMONIC_##m, f, { 0 } }
#define L(m, f) E(m, exec_##f)

const struct exec_entry exec_simd_int_table[] = {
	L(PADDB, paddb), L(PADDW, paddw), L(PADDD, paddd), L(PADDQ, paddq),
	L(PSUBB, psubb), L(PSUBW, psubw), L(PSUBD, psubd), L(PSUBQ, psubq),
	L(PADDSB, paddsb), L(PADDSW, paddsw), L(PADDUSB, paddusb),
	L(PADDUSW, paddusw), L(PSUBSB, psubsb), L(PSUBSW, psubsw),
	L(PSUBUSB, psubusb), L(PSUBUSW, psubusw),
	L(PMULLW, pmullw), L(PMULHW, pmulhw), L(PMULHUW, pmulhuw),
	L(PMULLD, pmulld), L(PMULHRSW, pmulhrsw), L(PMULUDQ, pmuludq),
	L(PMULDQ, pmuldq), L(PMADDWD, pmaddwd), L(PMADDUBSW, pmaddubsw),
	L(PAVGB, pavgb), L(PAVGW, pavgw), L(PSADBW, psadbw),
	L(PMINUB, pminub), L(PMAXUB, pmaxub), L(PMINSW, pminsw),
	L(PMAXSW, pmaxsw), L(PMINSB, pminsb), L(PMAXSB, pmaxsb),
	L(PMINUW, pminuw), L(PMAXUW, pmaxuw), L(PMINSD, pminsd),
	L(PMAXSD, pmaxsd), L(PMINUD, pminud), L(PMAXUD, pmaxud),
	L(PCMPEQB, pcmpeqb), L(PCMPEQW, pcmpeqw), L(PCMPEQD, pcmpeqd),
	L(PCMPEQQ, pcmpeqq), L(PCMPGTB, pcmpgtb), L(PCMPGTW, pcmpgtw),
	L(PCMPGTD, pcmpgtd), L(PCMPGTQ, pcmpgtq),
	L(PAND, pand), L(PANDN, pandn), L(POR, por), L(PXOR, pxor),
	L(ANDPS, pand), L(ANDPD, pand), L(ANDNPS, pandn), L(ANDNPD, pandn),
	L(ORPS, por), L(ORPD, por), L(XORPS, pxor), L(XORPD, pxor),
	L(PSIGNB, psignb), L(PSIGNW, psignw), L(PSIGND, psignd),
	L(PABSB, pabsb), L(PABSW, pabsw), L(PABSD, pabsd),
	L(PHADDW, phaddw), L(PHADDD, phaddd), L(PHADDSW, phaddsw),
	L(PHSUBW, phsubw), L(PHSUBD, phsubd), L(PHSUBSW, phsubsw),
	L(PSLLW, psllw), L(PSLLD, pslld), L(PSLLQ, psllq),
	L(PSRLW, psrlw), L(PSRLD, psrld), L(PSRLQ, psrlq),
	L(PSRAW, psraw), L(PSRAD, psrad),
	L(PSLLDQ, pslldq), L(PSRLDQ, psrldq),
	L(PTEST, ptest), L(PHMINPOSUW, phminposuw), L(MPSADBW, mpsadbw),
	{ 0, NULL, { 0 } },
};
