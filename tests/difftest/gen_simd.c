// SPDX-License-Identifier: MIT
/*
 * difftest --simd: MMX and SSE..SSE4.2 units (one table row per
 * instruction form) and the SIMD part of the initial state: XMM/MM
 * registers and half the data page filled with floating-point values
 * biased to NaNs (quiet and signalling, random payloads), infinities,
 * zeros, denormals, the largest/smallest normals, integer-conversion
 * edges and values that round; MXCSR gets a random rounding mode and
 * DAZ, and LDMXCSR units change both mid-sequence.
 *
 * Left out because Unicorn 2.0.1 (QEMU 5 softfloat) differs from the SDM
 * there (docs/difftest.md): MXCSR exception flags (never set by Unicorn,
 * so only MXCSR's control bits are compared and STMXCSR is not
 * generated), FTZ (not implemented), unmasked exceptions (no #XM),
 * RCPPS/RCPSS/RSQRTPS/RSQRTSS (the SDM leaves the approximation to the
 * implementation; Unicorn computes exact quotients), DPPS/DPPD (Unicorn
 * sums the products in another order and loses the sign of -0 sums),
 * PCMPxSTRx "equal ordered", CMPxx with imm8 >= 8 (Unicorn #UD),
 * PHADDx/PHSUBx with one register as both operands, MINxx/MAXxx once DAZ
 * may be set.  Which NaN comes out of an instruction with two NaN
 * operands is not compared (compare.c).
 */
#include "gen.h"
#include "gen_int.h"

#include <string.h>

bool gen_simd;

/* DAZ may be set at some point of the case being generated: MIN/MAX are
 * then left out (Unicorn returns a denormal operand's own bits where DAZ
 * makes the hardware return the zero it compared, SDM 10.2.3.4). */
static bool daz_possible;

enum simd_kind {
	K_X,        /* xmm, xmm/m */
	K_XI,       /* xmm, xmm/m, imm8 */
	K_M,        /* mm, mm/m */
	K_MI,       /* mm, mm/m, imm8 */
	K_XSH,      /* xmm, imm8 (shift group, /digit) */
	K_MSH,      /* mm, imm8 (shift group, /digit) */
	K_GX,       /* r32/r64, xmm (register only) [, imm8] */
	K_GXM,      /* r32/r64, xmm/m */
	K_XG,       /* xmm, r/m32 or r/m64 */
	K_XGI,      /* xmm, r32/m, imm8 */
	K_GXI,      /* r/m, xmm, imm8 (extracts) */
	K_ST,       /* m, xmm (stores) */
	K_LD,       /* xmm, m (loads without a register form) */
	K_RR,       /* xmm, xmm (register only) */
	K_XM,       /* xmm, mm/m64 */
	K_MX,       /* mm, xmm/m */
	K_MG,       /* mm, r/m32 or r/m64 */
	K_GM,       /* r/m32 or r/m64, mm */
	K_MST,      /* m64, mm */
	K_STR,      /* PCMPxSTRx: sets RAX/RDX lengths, defines flags */
	K_FLAGS,    /* xmm, xmm/m writing all status flags (COMIS, PTEST) */
	K_CRC,      /* crc32 r, r/m */
	K_MASKMOV,  /* maskmovdqu/maskmovq to [rdi] */
	K_LDMXCSR,  /* mov dword [m], imm32; ldmxcsr [m] */
};

struct simd_form {
	uint8_t pfx;            /* 0, 0x66, 0xf3 or 0xf2 */
	uint8_t op[3];
	uint8_t oplen;
	uint8_t kind;
	uint8_t msize;          /* memory operand bytes (0: register only) */
	uint8_t digit;          /* /digit of the shift groups */
	bool align;             /* 16-byte memory operand must be aligned */
};

#define F2(p, a, b, k, ms, al) { p, { a, b, 0 }, 2, k, ms, 0, al }
#define F3(p, a, b, c, k, ms, al) { p, { a, b, c }, 3, k, ms, 0, al }
#define SH(p, b, d, k) { p, { 0x0f, b, 0 }, 2, k, 0, d, false }
/* packed/scalar SSE arithmetic: ps, pd, ss, sd */
#define ARITH(b) F2(0, 0x0f, b, K_X, 16, true), F2(0x66, 0x0f, b, K_X, 16, true), \
		 F2(0xf3, 0x0f, b, K_X, 4, false), F2(0xf2, 0x0f, b, K_X, 8, false)
/* packed integer with an MMX and an SSE2 form */
#define PINT(b) F2(0, 0x0f, b, K_M, 8, false), F2(0x66, 0x0f, b, K_X, 16, true)
#define SSSE3(b) F3(0, 0x0f, 0x38, b, K_M, 8, false), F3(0x66, 0x0f, 0x38, b, K_X, 16, true)
#define SSE41(b) F3(0x66, 0x0f, 0x38, b, K_X, 16, true)
#define SSE41_NARROW(b, ms) F3(0x66, 0x0f, 0x38, b, K_X, ms, false)
#define SSE41I(b, k, ms, al) F3(0x66, 0x0f, 0x3a, b, k, ms, al)

static const struct simd_form forms[] = {
	/* moves */
	F2(0, 0x0f, 0x28, K_X, 16, true), F2(0x66, 0x0f, 0x28, K_X, 16, true),
	F2(0, 0x0f, 0x10, K_X, 16, false), F2(0x66, 0x0f, 0x10, K_X, 16, false),
	F2(0xf3, 0x0f, 0x10, K_X, 4, false), F2(0xf2, 0x0f, 0x10, K_X, 8, false),
	F2(0, 0x0f, 0x29, K_ST, 16, true), F2(0x66, 0x0f, 0x29, K_ST, 16, true),
	F2(0, 0x0f, 0x11, K_ST, 16, false), F2(0x66, 0x0f, 0x11, K_ST, 16, false),
	F2(0xf3, 0x0f, 0x11, K_ST, 4, false), F2(0xf2, 0x0f, 0x11, K_ST, 8, false),
	F2(0x66, 0x0f, 0x6f, K_X, 16, true), F2(0xf3, 0x0f, 0x6f, K_X, 16, false),
	F2(0x66, 0x0f, 0x7f, K_ST, 16, true), F2(0xf3, 0x0f, 0x7f, K_ST, 16, false),
	F2(0, 0x0f, 0x2b, K_ST, 16, true), F2(0x66, 0x0f, 0x2b, K_ST, 16, true),
	F2(0x66, 0x0f, 0xe7, K_ST, 16, true), F2(0, 0x0f, 0xe7, K_MST, 8, false),
	F2(0xf2, 0x0f, 0xf0, K_LD, 16, false), F3(0x66, 0x0f, 0x38, 0x2a, K_LD, 16, true),
	F2(0, 0x0f, 0x12, K_LD, 8, false), F2(0, 0x0f, 0x16, K_LD, 8, false),
	F2(0x66, 0x0f, 0x12, K_LD, 8, false), F2(0x66, 0x0f, 0x16, K_LD, 8, false),
	F2(0, 0x0f, 0x13, K_ST, 8, false), F2(0, 0x0f, 0x17, K_ST, 8, false),
	F2(0x66, 0x0f, 0x13, K_ST, 8, false), F2(0x66, 0x0f, 0x17, K_ST, 8, false),
	F2(0, 0x0f, 0x12, K_RR, 0, false), F2(0, 0x0f, 0x16, K_RR, 0, false),
	F2(0xf2, 0x0f, 0x12, K_X, 8, false), F2(0xf3, 0x0f, 0x12, K_X, 16, true),
	F2(0xf3, 0x0f, 0x16, K_X, 16, true),
	F2(0x66, 0x0f, 0x6e, K_XG, 4, false), F2(0x66, 0x0f, 0x7e, K_GXI, 4, false),
	F2(0xf3, 0x0f, 0x7e, K_X, 8, false), F2(0x66, 0x0f, 0xd6, K_ST, 8, false),
	F2(0, 0x0f, 0x6e, K_MG, 4, false), F2(0, 0x0f, 0x7e, K_GM, 4, false),
	F2(0, 0x0f, 0x6f, K_M, 8, false), F2(0, 0x0f, 0x7f, K_MST, 8, false),
	F2(0xf3, 0x0f, 0xd6, K_XM, 0, false), F2(0xf2, 0x0f, 0xd6, K_MX, 0, false),
	F2(0, 0x0f, 0x50, K_GX, 0, false), F2(0x66, 0x0f, 0x50, K_GX, 0, false),
	F2(0x66, 0x0f, 0xd7, K_GX, 0, false),
	{ 0x66, { 0x0f, 0xf7, 0 }, 2, K_MASKMOV, 0, 0, false },
	{ 0, { 0x0f, 0xf7, 0 }, 2, K_MASKMOV, 0, 0, false },
	{ 0, { 0x0f, 0xae, 0 }, 2, K_LDMXCSR, 4, 2, false },
	/* floating point */
	ARITH(0x58), ARITH(0x59), ARITH(0x5c), ARITH(0x5e), ARITH(0x5d),
	ARITH(0x5f), ARITH(0x51),
	F2(0, 0x0f, 0xc2, K_XI, 16, true), F2(0x66, 0x0f, 0xc2, K_XI, 16, true),
	F2(0xf3, 0x0f, 0xc2, K_XI, 4, false), F2(0xf2, 0x0f, 0xc2, K_XI, 8, false),
	F2(0, 0x0f, 0x2e, K_FLAGS, 4, false), F2(0, 0x0f, 0x2f, K_FLAGS, 4, false),
	F2(0x66, 0x0f, 0x2e, K_FLAGS, 8, false), F2(0x66, 0x0f, 0x2f, K_FLAGS, 8, false),
	F2(0x66, 0x0f, 0xd0, K_X, 16, true), F2(0xf2, 0x0f, 0xd0, K_X, 16, true),
	F2(0x66, 0x0f, 0x7c, K_X, 16, true), F2(0xf2, 0x0f, 0x7c, K_X, 16, true),
	F2(0x66, 0x0f, 0x7d, K_X, 16, true), F2(0xf2, 0x0f, 0x7d, K_X, 16, true),
	/* logic, shuffles, unpacks on floats */
	F2(0, 0x0f, 0x54, K_X, 16, true), F2(0x66, 0x0f, 0x54, K_X, 16, true),
	F2(0, 0x0f, 0x55, K_X, 16, true), F2(0x66, 0x0f, 0x55, K_X, 16, true),
	F2(0, 0x0f, 0x56, K_X, 16, true), F2(0x66, 0x0f, 0x56, K_X, 16, true),
	F2(0, 0x0f, 0x57, K_X, 16, true), F2(0x66, 0x0f, 0x57, K_X, 16, true),
	F2(0, 0x0f, 0xc6, K_XI, 16, true), F2(0x66, 0x0f, 0xc6, K_XI, 16, true),
	F2(0, 0x0f, 0x14, K_X, 16, true), F2(0x66, 0x0f, 0x14, K_X, 16, true),
	F2(0, 0x0f, 0x15, K_X, 16, true), F2(0x66, 0x0f, 0x15, K_X, 16, true),
	/* conversions */
	F2(0, 0x0f, 0x5a, K_X, 8, false), F2(0x66, 0x0f, 0x5a, K_X, 16, true),
	F2(0xf3, 0x0f, 0x5a, K_X, 4, false), F2(0xf2, 0x0f, 0x5a, K_X, 8, false),
	F2(0, 0x0f, 0x5b, K_X, 16, true), F2(0x66, 0x0f, 0x5b, K_X, 16, true),
	F2(0xf3, 0x0f, 0x5b, K_X, 16, true),
	F2(0xf3, 0x0f, 0xe6, K_X, 8, false), F2(0xf2, 0x0f, 0xe6, K_X, 16, true),
	F2(0x66, 0x0f, 0xe6, K_X, 16, true),
	F2(0xf3, 0x0f, 0x2a, K_XG, 4, false), F2(0xf2, 0x0f, 0x2a, K_XG, 4, false),
	F2(0xf3, 0x0f, 0x2c, K_GXM, 4, false), F2(0xf3, 0x0f, 0x2d, K_GXM, 4, false),
	F2(0xf2, 0x0f, 0x2c, K_GXM, 8, false), F2(0xf2, 0x0f, 0x2d, K_GXM, 8, false),
	F2(0, 0x0f, 0x2a, K_XM, 8, false), F2(0x66, 0x0f, 0x2a, K_XM, 8, false),
	F2(0, 0x0f, 0x2c, K_MX, 8, false), F2(0, 0x0f, 0x2d, K_MX, 8, false),
	F2(0x66, 0x0f, 0x2c, K_MX, 16, true), F2(0x66, 0x0f, 0x2d, K_MX, 16, true),
	/* packed integer (MMX and SSE2 forms) */
	PINT(0xfc), PINT(0xfd), PINT(0xfe), PINT(0xd4), PINT(0xf8), PINT(0xf9),
	PINT(0xfa), PINT(0xfb), PINT(0xec), PINT(0xed), PINT(0xdc), PINT(0xdd),
	PINT(0xe8), PINT(0xe9), PINT(0xd8), PINT(0xd9), PINT(0xd5), PINT(0xe5),
	PINT(0xe4), PINT(0xf4), PINT(0xf5), PINT(0xe0), PINT(0xe3), PINT(0xf6),
	PINT(0xda), PINT(0xde), PINT(0xea), PINT(0xee), PINT(0x74), PINT(0x75),
	PINT(0x76), PINT(0x64), PINT(0x65), PINT(0x66), PINT(0xdb), PINT(0xdf),
	PINT(0xeb), PINT(0xef), PINT(0xd1), PINT(0xd2), PINT(0xd3), PINT(0xe1),
	PINT(0xe2), PINT(0xf1), PINT(0xf2), PINT(0xf3), PINT(0x63), PINT(0x6b),
	PINT(0x67), PINT(0x60), PINT(0x61), PINT(0x62), PINT(0x68), PINT(0x69),
	PINT(0x6a),
	F2(0x66, 0x0f, 0x6c, K_X, 16, true), F2(0x66, 0x0f, 0x6d, K_X, 16, true),
	F2(0, 0x0f, 0x70, K_MI, 8, false), F2(0x66, 0x0f, 0x70, K_XI, 16, true),
	F2(0xf3, 0x0f, 0x70, K_XI, 16, true), F2(0xf2, 0x0f, 0x70, K_XI, 16, true),
	F2(0, 0x0f, 0xc4, K_MG, 2, false), F2(0x66, 0x0f, 0xc4, K_XGI, 2, false),
	F2(0, 0x0f, 0xc5, K_GM, 0, false), F2(0x66, 0x0f, 0xc5, K_GX, 0, false),
	F2(0, 0x0f, 0xd7, K_GM, 0, false),
	SH(0, 0x71, 2, K_MSH), SH(0, 0x71, 4, K_MSH), SH(0, 0x71, 6, K_MSH),
	SH(0, 0x72, 2, K_MSH), SH(0, 0x72, 4, K_MSH), SH(0, 0x72, 6, K_MSH),
	SH(0, 0x73, 2, K_MSH), SH(0, 0x73, 6, K_MSH),
	SH(0x66, 0x71, 2, K_XSH), SH(0x66, 0x71, 4, K_XSH), SH(0x66, 0x71, 6, K_XSH),
	SH(0x66, 0x72, 2, K_XSH), SH(0x66, 0x72, 4, K_XSH), SH(0x66, 0x72, 6, K_XSH),
	SH(0x66, 0x73, 2, K_XSH), SH(0x66, 0x73, 6, K_XSH),
	SH(0x66, 0x73, 3, K_XSH), SH(0x66, 0x73, 7, K_XSH),
	/* SSSE3 */
	SSSE3(0x00), SSSE3(0x01), SSSE3(0x02), SSSE3(0x03), SSSE3(0x04),
	SSSE3(0x05), SSSE3(0x06), SSSE3(0x07), SSSE3(0x08), SSSE3(0x09),
	SSSE3(0x0a), SSSE3(0x0b), SSSE3(0x1c), SSSE3(0x1d), SSSE3(0x1e),
	F3(0, 0x0f, 0x3a, 0x0f, K_MI, 8, false),
	F3(0x66, 0x0f, 0x3a, 0x0f, K_XI, 16, true),
	/* SSE4.1 */
	SSE41(0x10), SSE41(0x14), SSE41(0x15), SSE41(0x17), SSE41(0x28),
	SSE41(0x29), SSE41(0x2b), SSE41(0x38), SSE41(0x39), SSE41(0x3a),
	SSE41(0x3b), SSE41(0x3c), SSE41(0x3d), SSE41(0x3e), SSE41(0x3f),
	SSE41(0x40), SSE41(0x41), SSE41(0x37),
	SSE41_NARROW(0x20, 8), SSE41_NARROW(0x21, 4), SSE41_NARROW(0x22, 2),
	SSE41_NARROW(0x23, 8), SSE41_NARROW(0x24, 4), SSE41_NARROW(0x25, 8),
	SSE41_NARROW(0x30, 8), SSE41_NARROW(0x31, 4), SSE41_NARROW(0x32, 2),
	SSE41_NARROW(0x33, 8), SSE41_NARROW(0x34, 4), SSE41_NARROW(0x35, 8),
	SSE41I(0x08, K_XI, 16, true), SSE41I(0x09, K_XI, 16, true),
	SSE41I(0x0a, K_XI, 4, false), SSE41I(0x0b, K_XI, 8, false),
	SSE41I(0x0c, K_XI, 16, true), SSE41I(0x0d, K_XI, 16, true),
	SSE41I(0x0e, K_XI, 16, true), SSE41I(0x42, K_XI, 16, true),
	SSE41I(0x21, K_XI, 4, false),
	SSE41I(0x14, K_GXI, 1, false), SSE41I(0x15, K_GXI, 2, false),
	SSE41I(0x16, K_GXI, 4, false), SSE41I(0x17, K_GXI, 4, false),
	SSE41I(0x20, K_XGI, 1, false), SSE41I(0x22, K_XGI, 4, false),
	/* SSE4.2 (PCMPGTQ is with SSE4.1 above: 66 0F 38 37) */
	SSE41I(0x60, K_STR, 16, false), SSE41I(0x61, K_STR, 16, false),
	SSE41I(0x62, K_STR, 16, false), SSE41I(0x63, K_STR, 16, false),
	{ 0xf2, { 0x0f, 0x38, 0xf0 }, 3, K_CRC, 1, 0, false },
	{ 0xf2, { 0x0f, 0x38, 0xf1 }, 3, K_CRC, 4, 0, false },
};

/* PTEST (66 0F 38 17) defines flags: moved out of K_X here. */
static unsigned form_kind(const struct simd_form *f)
{
	if (f->pfx == 0x66 && f->oplen == 3 && f->op[1] == 0x38 && f->op[2] == 0x17)
		return K_FLAGS;
	return f->kind;
}

/* ---- values ---- */

static uint32_t f32_edge(struct rng *r)
{
	static const uint32_t v[] = {
		0, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x7f800000u,
		0xff800000u, 0x7fc00000u, 0xffc00000u, 0x00800000u,
		0x7f7fffffu, 0xff7fffffu, 0x4f000000u, 0xcf000000u,
		0x5f000000u, 0x3f000000u, 0x3fc00000u, 0x40200000u,
		0x4effffffu, 0x3eaaaaabu,
	};
	uint32_t x = (uint32_t)rng_next(r), sign = x & 0x80000000u;

	switch (rng_below(r, 9)) {
	case 0: case 1:
		return v[rng_below(r, sizeof(v) / sizeof(v[0]))];
	case 2:       /* QNaN or SNaN with a random payload */
		return sign | 0x7f800000u | (x & 0x7fffff) | (rng_one_in(r, 2) ? 0x400000u : 1);
	case 3:       /* denormal */
		return sign | (x & 0x7fffff);
	case 4:       /* near the bottom of the normals (tiny products) */
		return sign | ((1 + rng_below(r, 40)) << 23) | (x & 0x7fffff);
	case 5:       /* near the top (overflow) */
		return sign | ((214 + rng_below(r, 40)) << 23) | (x & 0x7fffff);
	case 6: {     /* small integers and halves (rounding) */
		union { float f; uint32_t u; } c = { .f = (float)((int)rng_below(r, 64) - 32) / 2 };

		return c.u;
	}
	default:      /* ordinary magnitudes */
		return sign | ((100 + rng_below(r, 56)) << 23) | (x & 0x7fffff);
	}
}

static uint64_t f64_edge(struct rng *r)
{
	static const uint64_t v[] = {
		0, 0x8000000000000000ull, 0x3ff0000000000000ull,
		0x7ff0000000000000ull, 0xfff0000000000000ull,
		0x7ff8000000000000ull, 0xfff8000000000000ull,
		0x0010000000000000ull, 0x7fefffffffffffffull,
		0x41e0000000000000ull, 0xc1e0000000000000ull,
		0x43e0000000000000ull, 0x41dfffffffc00000ull,
		0x47efffffe0000000ull, 0x3810000000000000ull,
	};
	uint64_t x = rng_next(r), sign = x & (1ull << 63);
	uint64_t frac = x & ((1ull << 52) - 1);

	switch (rng_below(r, 9)) {
	case 0: case 1:
		return v[rng_below(r, sizeof(v) / sizeof(v[0]))];
	case 2:
		return sign | 0x7ff0000000000000ull | frac |
		       (rng_one_in(r, 2) ? 1ull << 51 : 1);
	case 3:
		return sign | frac;
	case 4:       /* around the single-precision range edges (CVTSD2SS) */
		return sign | (uint64_t)(1023 - 150 + rng_below(r, 40)) << 52 | frac;
	case 5:
		return sign | (uint64_t)(1023 + 100 + rng_below(r, 60)) << 52 | frac;
	case 6: {
		union { double d; uint64_t u; } c = { .d = (double)((int)rng_below(r, 64) - 32) / 2 };

		return c.u;
	}
	default:
		return sign | (uint64_t)(900 + rng_below(r, 240)) << 52 | frac;
	}
}

/* 16 bytes of singles, doubles, integers or noise. */
static void vec_fill(struct rng *r, uint8_t *p)
{
	uint64_t q[2];
	uint32_t d[4];

	switch (rng_below(r, 4)) {
	case 0:
		for (int i = 0; i < 4; i++)
			d[i] = f32_edge(r);
		memcpy(p, d, 16);
		break;
	case 1:
		q[0] = f64_edge(r);
		q[1] = f64_edge(r);
		memcpy(p, q, 16);
		break;
	case 2:       /* small integers, also for the string compares */
		for (int i = 0; i < 16; i++)
			p[i] = (uint8_t)(rng_one_in(r, 6) ? 0 : 'a' + rng_below(r, 6));
		break;
	default:
		q[0] = rng_next(r);
		q[1] = rng_next(r);
		memcpy(p, q, 16);
		break;
	}
}

static uint32_t mxcsr_random(struct rng *r)
{
	/* All exceptions masked, FTZ clear (see the header); random RC, DAZ. */
	return 0x1f80u | rng_below(r, 4) << 13 | (rng_one_in(r, 3) ? 0x40u : 0);
}

void gen_simd_state(uint64_t seed, struct dt_state *st)
{
	struct rng r = { seed ^ 0x5eed51d0c0ffee11ull };

	for (int i = 0; i < 16; i++)
		vec_fill(&r, st->simd.xmm[i]);
	for (int i = 0; i < 8; i++) {
		uint8_t v[16];

		vec_fill(&r, v);
		memcpy(&st->simd.mm[i], v, 8);
	}
	for (unsigned off = 0; off < DT_DATA_SIZE; off += 16)
		if (rng_one_in(&r, 2))
			vec_fill(&r, st->data + off);
	st->simd.mxcsr = mxcsr_random(&r);
	daz_possible = st->simd.mxcsr & 0x40;
}

/* ---- units ---- */

static unsigned pick_imm(struct gen *g, const struct simd_form *f)
{
	unsigned imm = (unsigned)rng_next(&g->r) & 0xff;

	/* Shift counts near the element widths half of the time. */
	if ((f->kind == K_XSH || f->kind == K_MSH) && rng_one_in(&g->r, 2))
		imm &= 0x3f;
	/* Legacy CMPPS/CMPPD/CMPSS/CMPSD use imm8[2:0] (an Intel host
	 * ignores bits 7:3); Unicorn raises #UD for imm8 >= 8. */
	if (f->oplen == 2 && f->op[1] == 0xc2)
		imm &= 7;
	/* PCMPxSTRx: Unicorn's "equal ordered" (imm8[3:2] = 11) misses
	 * matches that run into the end of the operand; left to
	 * tests/interp and the host comparison. */
	if (f->kind == K_STR && (imm & 0x0c) == 0x0c)
		imm &= ~0x04u;
	return imm;
}

static void simd_rm(struct gen *g, struct dt_rm *rm, const struct simd_form *f,
		    bool reg_ok, unsigned nregs, uint32_t excl)
{
	if (f->msize && (!reg_ok || rng_one_in(&g->r, 3))) {
		g->align = f->align && f->msize == 16 ? 16 : 0;
		/* 16 bytes of room: Unicorn reads m128 for ROUNDSS/ROUNDSD. */
		gen_mem(g, rm, f->msize, excl, 0, DT_DATA_SIZE - 16 + f->msize);
		g->align = 0;
		return;
	}
	rm->mem = false;
	rm->reg = (int)rng_below(&g->r, nregs);
}

static unsigned pfx_flags(const struct simd_form *f)
{
	return f->pfx == 0xf3 ? ENC_REP : f->pfx == 0xf2 ? ENC_REPNE :
	       f->pfx == 0x66 ? ENC_66 : 0;
}

static bool emit(struct gen *g, const struct simd_form *f, unsigned opsize,
		 int reg, const struct dt_rm *rm, bool imm)
{
	return gen_emit_modrm(g, pfx_flags(f), opsize, f->op, f->oplen, reg, rm,
			      imm ? pick_imm(g, f) : 0, imm ? 1 : 0);
}

static bool u_ldmxcsr(struct gen *g, const struct simd_form *f)
{
	static const uint8_t mov_m32[] = { 0xc7 };
	struct dt_rm rm;

	g->align = 4;
	gen_mem(g, &rm, 4, 0, 0, DT_DATA_SIZE);
	g->align = 0;
	uint32_t v = mxcsr_random(&g->r);

	if (!gen_emit_modrm(g, 0, 4, mov_m32, 1, 0, &rm, v, 4))
		return false;
	daz_possible |= v & 0x40;
	return gen_emit_modrm(g, 0, 4, f->op, f->oplen, 2, &rm, 0, 0);
}

static bool u_maskmov(struct gen *g, const struct simd_form *f)
{
	unsigned n = f->pfx ? 16 : 8;
	struct dt_rm rm = { .mem = false, .reg = (int)rng_below(&g->r, n) };

	gen_set_reg(g, RDI, DT_DATA_BASE + rng_below(&g->r, DT_DATA_SIZE - 16));
	return emit(g, f, 4, (int)rng_below(&g->r, n), &rm, false);
}

static bool u_string(struct gen *g, const struct simd_form *f)
{
	static const int64_t lens[] = { 0, 1, 3, 8, 15, 16, 17, -1, -9, -16, -100 };
	struct dt_rm rm;
	unsigned opsize = rng_one_in(&g->r, 4) ? 8 : 4;

	if (!(f->op[2] & 2)) {     /* explicit lengths in RAX and RDX */
		gen_set_reg(g, RAX, (uint64_t)lens[rng_below(&g->r, 11)]);
		gen_set_reg(g, RDX, (uint64_t)lens[rng_below(&g->r, 11)]);
	}
	simd_rm(g, &rm, f, true, 16, BIT(RAX) | BIT(RDX));
	if (!emit(g, f, opsize, (int)rng_below(&g->r, 16), &rm, true))
		return false;
	gen_flags(g, DT_STATUS_FLAGS, 0);
	return true;
}

/* MINPS..MAXSD: 0F 5D / 0F 5F with any prefix. */
static bool is_minmax(const struct simd_form *f)
{
	return f->oplen == 2 && (f->op[1] == 0x5d || f->op[1] == 0x5f);
}

/* PHADDx/PHSUBx (0F 38 01-03, 05-07): Unicorn computes them in place,
 * so with the same register as both operands it reads results it has
 * already written (hardware reads both operands first). */
static bool is_phaddsub(const struct simd_form *f)
{
	return f->oplen == 3 && f->op[1] == 0x38 && (f->op[2] & 3) &&
	       f->op[2] <= 7;
}

bool gen_simd_unit(struct gen *g)
{
	const struct simd_form *f = &forms[rng_below(&g->r, sizeof(forms) / sizeof(forms[0]))];
	unsigned gsize = rng_one_in(&g->r, 2) ? 8 : 4;
	struct dt_rm rm;
	int reg;

	if (daz_possible && is_minmax(f))
		return false;

	switch (form_kind(f)) {
	case K_X: case K_XI: case K_FLAGS:
		simd_rm(g, &rm, f, true, 16, 0);
		reg = (int)rng_below(&g->r, 16);
		if (is_phaddsub(f) && !rm.mem && rm.reg == reg)
			return false;
		if (!emit(g, f, 4, reg, &rm, f->kind == K_XI))
			return false;
		if (form_kind(f) == K_FLAGS)
			gen_flags(g, DT_STATUS_FLAGS, 0);
		return true;
	case K_M: case K_MI:
		simd_rm(g, &rm, f, true, 8, 0);
		reg = (int)rng_below(&g->r, 8);
		if (is_phaddsub(f) && !rm.mem && rm.reg == reg)
			return false;
		return emit(g, f, 4, reg, &rm, f->kind == K_MI);
	case K_XSH: case K_MSH:
		rm = (struct dt_rm){ .mem = false,
				     .reg = (int)rng_below(&g->r, f->kind == K_XSH ? 16 : 8) };
		return emit(g, f, 4, f->digit, &rm, true);
	case K_GX:      /* MOVMSK/PMOVMSKB/PEXTRW: a register destination */
		rm = (struct dt_rm){ .mem = false, .reg = (int)rng_below(&g->r, 16) };
		return emit(g, f, gsize, gen_reg(g, 8, true, 0), &rm,
			    f->op[1] == 0xc5);
	case K_GM:      /* MOVD r/m, mm (0F 7E), PEXTRW r, mm, PMOVMSKB r, mm */
		if (f->op[1] == 0x7e) {
			simd_rm(g, &rm, f, false, 0, 0);
			if (!rm.mem || rng_one_in(&g->r, 2))
				rm = (struct dt_rm){ .mem = false, .reg = gen_reg(g, 8, true, 0) };
			return emit(g, f, rm.mem ? 4 : gsize, (int)rng_below(&g->r, 8), &rm, false);
		}
		rm = (struct dt_rm){ .mem = false, .reg = (int)rng_below(&g->r, 8) };
		return emit(g, f, gsize, gen_reg(g, 8, true, 0), &rm, f->op[1] == 0xc5);
	case K_GXM:
		simd_rm(g, &rm, f, true, 16, 0);
		return emit(g, f, gsize, gen_reg(g, 8, true, gen_rm_regs(&rm)), &rm, false);
	case K_XG: case K_MG: case K_XGI: {
		bool mm = f->kind == K_MG;
		unsigned sz = f->kind == K_XGI ? 4 : gsize;

		if (f->op[1] == 0x3a && f->op[2] == 0x22)
			sz = gsize;                     /* PINSRD/PINSRQ */
		if (f->msize && rng_one_in(&g->r, 3)) {
			unsigned ms = f->op[1] == 0x3a && f->op[2] == 0x22 ? sz :
				      f->kind == K_XGI || f->op[1] == 0xc4 ? f->msize : sz;

			gen_mem(g, &rm, ms, 0, 0, DT_DATA_SIZE);
		} else {
			rm = (struct dt_rm){ .mem = false, .reg = (int)rng_below(&g->r, 16) };
		}
		return emit(g, f, sz, (int)rng_below(&g->r, mm ? 8 : 16), &rm,
			    f->kind == K_XGI || f->op[1] == 0xc4);
	}
	case K_GXI: {   /* PEXTRx/EXTRACTPS/MOVD r/m, xmm */
		unsigned sz = f->op[2] == 0x16 ? gsize : 4;
		bool imm = f->op[1] == 0x3a;

		if (!imm)
			sz = gsize;
		if (rng_one_in(&g->r, 3))
			gen_mem(g, &rm, imm ? (f->op[2] == 0x16 ? sz : f->msize) : sz, 0, 0, DT_DATA_SIZE);
		else
			rm = (struct dt_rm){ .mem = false, .reg = gen_reg(g, 8, true, 0) };
		return emit(g, f, sz, (int)rng_below(&g->r, 16), &rm, imm);
	}
	case K_ST:
		simd_rm(g, &rm, f, false, 0, 0);
		return emit(g, f, 4, (int)rng_below(&g->r, 16), &rm, false);
	case K_MST:
		simd_rm(g, &rm, f, false, 0, 0);
		return emit(g, f, 4, (int)rng_below(&g->r, 8), &rm, false);
	case K_LD:
		simd_rm(g, &rm, f, false, 0, 0);
		return emit(g, f, 4, (int)rng_below(&g->r, 16), &rm, false);
	case K_RR:
		rm = (struct dt_rm){ .mem = false, .reg = (int)rng_below(&g->r, 16) };
		return emit(g, f, 4, (int)rng_below(&g->r, 16), &rm, false);
	case K_XM:
		simd_rm(g, &rm, f, true, 8, 0);
		return emit(g, f, 4, (int)rng_below(&g->r, 16), &rm, false);
	case K_MX:
		simd_rm(g, &rm, f, true, 16, 0);
		return emit(g, f, 4, (int)rng_below(&g->r, 8), &rm, false);
	case K_STR:
		return u_string(g, f);
	case K_CRC:
		simd_rm(g, &rm, f, true, 16, 0);
		if (!rm.mem)
			rm.reg = (int)rng_below(&g->r, 16);
		reg = gen_reg(g, 8, true, 0);
		if (f->op[2] == 0xf1) {
			unsigned sz = 2u << rng_below(&g->r, 3);   /* 2, 4, 8 */

			if (rm.mem)
				gen_mem(g, &rm, sz, 0, 0, DT_DATA_SIZE);
			return emit(g, f, sz, reg, &rm, false);
		}
		return gen_emit_modrm(g, pfx_flags(f) | (rm.mem ? 0 : ENC_RM8),
				      gsize, f->op, f->oplen, reg, &rm, 0, 0);
	case K_MASKMOV:
		return u_maskmov(g, f);
	case K_LDMXCSR:
		return u_ldmxcsr(g, f);
	default:
		return false;
	}
}
