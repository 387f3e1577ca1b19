// SPDX-License-Identifier: MIT
/*
 * difftest --x87: x87 FPU units and the x87 part of the initial state.
 *
 * A case starts with FNINIT, FLDCW of a random control word (every
 * rounding control; precision control 24, 53 or 64 bits; all exceptions
 * masked) and two to eight loads of values from the data page, then runs
 * random x87 units, and ends with FNSAVE to the end of the data page, so
 * the whole x87 state (control, status and tag words, the last-instruction
 * pointers and opcode, all eight registers) is compared with the data
 * page.  The data page holds, in 16-byte slots, values in every x87
 * memory format biased to NaNs (quiet, signalling, the indefinite, random
 * payloads), infinities, zeros, denormals, the largest and smallest
 * normals, values that round (ties and near-ties at 24, 53 and 64 bits),
 * integer-conversion edges and packed BCD.
 *
 * Left out because Unicorn 2.0.1 (QEMU 5.0's x87) differs from the SDM
 * there (docs/difftest.md): see the table at the top of docs/difftest.md's
 * x87 section; each exclusion below cites it.
 */
#include "gen.h"
#include "gen_int.h"

#include <string.h>

bool gen_x87;

#define SLOT_AREA 0x1e00u          /* value slots: data[0, SLOT_AREA) */
#define SLOTS (SLOT_AREA / 16)
/* Stores go to the upper half of the slots only, so the lower half keeps
 * its initial values and the generator knows them (load_known). */
#define STORE_SLOT0 (SLOTS / 2)
#define SAVE_OFF 0x1e00u           /* FNSAVE image (108 bytes) */
#define CW_OFF 0x1f80u             /* control words for FLDCW */

/* Format of each slot, chosen by gen_x87_state. */
enum slot_fmt { S_F80, S_F64, S_F32, S_I16, S_I32, S_I64, S_BCD, S_FMTS };
static uint8_t slot_fmt[SLOTS];

/* ---- values ---------------------------------------------------------------- */

static uint64_t rnd_sig(struct rng *r)
{
	uint64_t m = rng_next(r) | 1ull << 63;

	switch (rng_below(r, 6)) {
	case 0:         /* exact tie or near-tie at 64/53/24 bits */
		m &= ~0xfffull;
		m |= (uint64_t)rng_below(r, 3) << 10;
		break;
	case 1:
		m &= ~0xffffffffffull;
		m |= (uint64_t)rng_below(r, 3) << 38;
		break;
	case 2:         /* short significands: exact results */
		m &= 0xffff000000000000ull;
		break;
	default:
		break;
	}
	return m;
}

/* A double-extended value; no unsupported encodings (QEMU 5.0 treats
 * unnormals, pseudo-NaNs/infinities as ordinary numbers), no
 * pseudo-denormals (QEMU 5.0 does not normalise them) and no signalling
 * NaNs (QEMU 5.0 stores them to m32/m64 and passes them through FSCALE
 * unquieted): tests/interp/test_x87.c covers those. */
static void f80_value(struct rng *r, uint64_t *m, uint16_t *se)
{
	uint16_t s = rng_one_in(r, 2) ? 0x8000 : 0;

	switch (rng_below(r, 16)) {
	case 0: *m = 0; *se = s; return;                         /* zero */
	case 1: *m = 1ull << 63; *se = s | 0x7fff; return;       /* inf */
	case 2: *m = (rng_next(r) | 3ull << 62); *se = s | 0x7fff;  /* QNaN */
		return;
	case 3: *m = 1ull << 63 | 1ull << 62; *se = s | 0x7fff;   /* QNaN */
		return;
	case 4: *m = rng_next(r) >> (1 + rng_below(r, 63)); *se = s;  /* denormal */
		if (!*m)
			*m = 1;
		return;
	case 5: *m = rnd_sig(r); *se = s | 0x7ffe; return;       /* huge */
	case 6: *m = rnd_sig(r); *se = s | 1; return;            /* tiny */
	case 7: *m = rnd_sig(r);                                 /* near the */
		*se = s | (uint16_t)(0x3fff + (rng_below(r, 2) ? 1 : -1) *   /* m32/m64 */
				     (int)(rng_one_in(r, 2) ? 127 + rng_below(r, 30) :
						   1023 + rng_below(r, 80)));
		return;
	case 8: *m = 0xc000000000000000ull; *se = 0xffff; return;  /* indefinite */
	case 9: /* small integers and halves (FRNDINT, FIST) */
		*m = rnd_sig(r) & 0xff80000000000000ull;
		*se = s | (uint16_t)(0x3ffe + rng_below(r, 20));
		return;
	case 10: /* integer-conversion edges: 2^15, 2^31, 2^63 area */
		*m = rng_one_in(r, 2) ? 1ull << 63 : ~0ull << rng_below(r, 4);
		*se = s | (uint16_t)(0x3fff + (int[]){ 15, 31, 63, 14, 30, 62, 59, 60 }[rng_below(r, 8)]);
		return;
	default: *m = rnd_sig(r);
		*se = s | (uint16_t)(0x3fff + (int)rng_below(r, 140) - 70);
		return;
	}
}

static uint64_t f64_value(struct rng *r)
{
	uint64_t s = rng_one_in(r, 2) ? 1ull << 63 : 0;
	uint64_t f = rng_next(r) & ((1ull << 52) - 1);

	switch (rng_below(r, 10)) {
	case 0: return s;
	case 1: return s | 0x7ffull << 52;
	case 2: return s | 0x7ffull << 52 | 1ull << 51 | f;           /* QNaN */
	case 3: return s | 0x7ffull << 52 | 1ull << 51;               /* QNaN */
	case 4: return s | (f >> rng_below(r, 52) | 1);              /* denormal */
	case 5: return s | 0x7feull << 52 | f;
	case 6: return s | 1ull << 52 | f;
	default: return s | (uint64_t)(1023 + (int)rng_below(r, 80) - 40) << 52 | f;
	}
}

static uint32_t f32_value(struct rng *r)
{
	uint32_t s = rng_one_in(r, 2) ? 1u << 31 : 0;
	uint32_t f = (uint32_t)rng_next(r) & ((1u << 23) - 1);

	switch (rng_below(r, 10)) {
	case 0: return s;
	case 1: return s | 0xffu << 23;
	case 2: return s | 0xffu << 23 | 1u << 22 | f;
	case 3: return s | 0xffu << 23 | 1u << 22;
	case 4: return s | (f >> rng_below(r, 23) | 1);
	case 5: return s | 0xfeu << 23 | f;
	case 6: return s | 1u << 23 | f;
	default: return s | (uint32_t)(127 + (int)rng_below(r, 60) - 30) << 23 | f;
	}
}

static uint64_t int_value(struct rng *r, unsigned bits)
{
	static const int64_t edge[] = { 0, 1, -1, 2, -2, 127, -128, 32767,
		-32768, 2147483647, -2147483647 - 1, INT64_MAX, INT64_MIN };
	uint64_t v = rng_one_in(r, 2) ? (uint64_t)edge[rng_below(r, 13)] :
		     rng_next(r) >> rng_below(r, 64);

	return rng_one_in(r, 3) ? -v : v;   /* two's complement, no signed overflow */
	(void)bits;
}

/* Valid packed BCD (digits 0-9; QEMU 5.0 and the SDM agree only there). */
static void bcd_value(struct rng *r, uint8_t b[10])
{
	unsigned digits = 1 + rng_below(r, 18);

	memset(b, 0, 10);
	for (unsigned i = 0; i < digits; i++) {
		unsigned d = rng_below(r, 10);

		b[i / 2] |= (uint8_t)(d << (4 * (i & 1)));
	}
	if (rng_one_in(r, 2))
		b[9] = 0x80;
}

void gen_x87_state(uint64_t seed, struct dt_state *st)
{
	struct rng r = { seed ^ 0x8087a5a5f00dcafeull };

	for (unsigned i = 0; i < SLOTS; i++) {
		uint8_t *p = st->data + 16 * i;
		uint64_t m, v;
		uint16_t se;
		uint32_t w;

		slot_fmt[i] = (uint8_t)rng_below(&r, S_FMTS);
		if (slot_fmt[i] == S_BCD && !rng_one_in(&r, 3))
			slot_fmt[i] = S_F80;
		switch (slot_fmt[i]) {
		case S_F80:
			f80_value(&r, &m, &se);
			memcpy(p, &m, 8);
			memcpy(p + 8, &se, 2);
			break;
		case S_F64:
			v = f64_value(&r);
			memcpy(p, &v, 8);
			break;
		case S_F32:
			w = f32_value(&r);
			memcpy(p, &w, 4);
			break;
		case S_I16: case S_I32: case S_I64:
			v = int_value(&r, 16);
			memcpy(p, &v, 8);
			break;
		case S_BCD:
			bcd_value(&r, p);
			break;
		}
	}
}

/* ---- the register stack as the generator sees it ------------------------------ */

/*
 * Unicorn 2.0.1 has no stack faults (#IS): it never checks tags, so a
 * masked underflow or overflow leaves other values than the hardware's
 * indefinite.  The generator models TOP and the tags and emits only
 * instructions that neither read an empty register nor push onto a full
 * one (tests/interp/test_x87.c covers stack faults).
 */
struct stack_model {
	unsigned top;
	uint8_t tags;           /* physical registers in use */
};

static struct stack_model st, st_committed;

/* Rounding control of the last FLDCW: Unicorn 2.0.1 rounds FLDPI and the
 * other irrational constants to nearest whatever RC says (the SDM rounds
 * them per RC, Vol. 1 8.3.8), so they are emitted only under RC = 0. */
static unsigned cur_rc, cur_rc_committed;
/* Precision control likewise: Unicorn rounds FSCALE's result to it (the
 * SDM applies PC only to FADD FSUB FMUL FDIV FSQRT, Vol. 1 8.1.5.2). */
static unsigned cur_pc, cur_pc_committed;
static uint32_t st_pos = ~0u;

static bool valid(unsigned i)
{
	return st.tags & (1u << ((st.top + i) & 7));
}

static bool can_push(void)
{
	return !valid(7);
}

static void push(void)
{
	st.top = (st.top + 7) & 7;
	st.tags |= (uint8_t)(1u << st.top);
}

static void pop(void)
{
	st.tags &= (uint8_t)~(1u << st.top);
	st.top = (st.top + 1) & 7;
}

/* A valid ST(i), i in 0..7, or -1 if there is none. */
static int pick_valid(struct gen *g)
{
	unsigned start = rng_below(&g->r, 8);

	for (unsigned k = 0; k < 8; k++)
		if (valid((start + k) & 7))
			return (int)((start + k) & 7);
	return -1;
}

/* ---- emission ---------------------------------------------------------------- */

static bool emit_reg(struct gen *g, uint8_t esc, unsigned digit, unsigned i)
{
	struct dt_rm rm = { .mem = false, .reg = (int)i };

	return gen_emit_modrm(g, 0, 4, &esc, 1, (int)digit, &rm, 0, 0);
}

static bool emit_mem_at(struct gen *g, uint8_t esc, unsigned digit,
			uint32_t off, unsigned size)
{
	struct dt_rm rm;

	gen_mem(g, &rm, size, 0, off, off + size);
	return gen_emit_modrm(g, 0, 4, &esc, 1, (int)digit, &rm, 0, 0);
}

/* A slot of format fmt as a data offset; fmt < 0: a slot to store to. */
static uint32_t pick_slot(struct gen *g, int fmt)
{
	if (fmt < 0)
		return 16 * (STORE_SLOT0 + rng_below(&g->r, SLOTS - STORE_SLOT0));
	/* loads read the lower half only: the stores' results in the upper
	 * half may be signalling NaNs or unsupported encodings */
	for (int tries = 0; tries < 64; tries++) {
		unsigned s = rng_below(&g->r, STORE_SLOT0);

		if (slot_fmt[s] == fmt)
			return 16 * s;
	}
	return 16 * rng_below(&g->r, STORE_SLOT0);
}

/* An m80 slot of the lower half whose finite value v satisfies
 * |v| < 2^max_exp and exponent >= min_biased (1: normal, 0: any); -1 if
 * none was found. */
static int32_t known_slot(struct gen *g, int max_exp, unsigned min_biased)
{
	for (int tries = 0; tries < 256; tries++) {
		unsigned s = rng_below(&g->r, STORE_SLOT0);
		const uint8_t *p = g->c->init.data + 16 * s;
		uint64_t m;
		uint16_t se;
		unsigned e;

		if (slot_fmt[s] != S_F80)
			continue;
		memcpy(&m, p, 8);
		memcpy(&se, p + 8, 2);
		e = se & 0x7fffu;
		if (e == 0x7fff || e < min_biased || !(m >> 63) ||
		    (int)e - 0x3fff >= max_exp)
			continue;
		return (int32_t)(16 * s);
	}
	return -1;
}

static bool emit_mem(struct gen *g, uint8_t esc, unsigned digit, int fmt,
		     unsigned size)
{
	return emit_mem_at(g, esc, digit, pick_slot(g, fmt), size);
}

/* mov word [DT_DATA_BASE + off], imm16 */
static bool emit_mov16(struct gen *g, uint32_t off, uint16_t v)
{
	static const uint8_t op = 0xc7;
	struct dt_rm rm = { .mem = true, .reg = -1,
		.m = { .base = R_NONE, .index = R_NONE, .scale = 1,
		       .disp = (int64_t)(DT_DATA_BASE + off), .disp_size = 4 } };

	return gen_emit_modrm(g, 0, 2, &op, 1, 0, &rm, v, 2);
}

static uint16_t random_cw(struct gen *g)
{
	static const uint16_t pc[3] = { 0x000, 0x200, 0x300 };

	return (uint16_t)(0x007f | pc[rng_below(&g->r, 3)] |
			  rng_below(&g->r, 4) << 10);
}

static bool prologue(struct gen *g)
{
	static const uint8_t fninit[2] = { 0xdb, 0xe3 };
	unsigned loads = 2 + rng_below(&g->r, 7);
	uint16_t cw = random_cw(g);

	cur_rc = (cw >> 10) & 3;
	cur_pc = (cw >> 8) & 3;
	gen_emit_plain(g, 0, 4, fninit, 2, R_NONE, 0, 0);
	st = (struct stack_model){ 0, 0 };
	emit_mov16(g, CW_OFF, cw);
	emit_mem_at(g, 0xd9, 5, CW_OFF, 2);              /* fldcw */
	for (unsigned i = 0; i < loads; i++) {
		switch (rng_below(&g->r, 4)) {
		case 0: emit_mem(g, 0xdd, 0, S_F64, 8); break;  /* fld m64 */
		case 1: emit_mem(g, 0xd9, 0, S_F32, 4); break;  /* fld m32 */
		default: emit_mem(g, 0xdb, 5, S_F80, 10); break; /* fld m80 */
		}
		push();
	}
	return true;
}

static bool epilogue_now;

/* and word [DT_DATA_BASE + off], imm16 */
static bool emit_and16(struct gen *g, uint32_t off, uint16_t v)
{
	static const uint8_t op = 0x81;
	struct dt_rm rm = { .mem = true, .reg = -1,
		.m = { .base = R_NONE, .index = R_NONE, .scale = 1,
		       .disp = (int64_t)(DT_DATA_BASE + off), .disp_size = 4 } };

	gen_flags(g, 0, DT_STATUS_FLAGS);
	return gen_emit_modrm(g, 0, 2, &op, 1, 4, &rm, v, 2);
}

/* Status-word bits Unicorn 2.0.1 does not keep (docs/difftest.md): the
 * exception flags IE..PE, SF, ES and B, and C1 (which loads, stores and
 * arithmetic set to 0 or to "rounded up"; Unicorn leaves it alone). */
#define SW_UNICORN_MASK 0x7d00u

/*
 * FNSAVE, then the fields Unicorn gets wrong are cleared in the image:
 * the reserved upper halves of the 32-bit layout (Unicorn 0, hardware
 * FFFFh), FCS/FOP, FDP and FDS (in 64-bit mode Unicorn leaves bytes 16-19
 * unwritten and stores zeros at 20-27), and the status word bits above.
 * FIP (bytes 12-15) is compared.
 */
static bool epilogue(struct gen *g)
{
	emit_mem_at(g, 0xdd, 6, SAVE_OFF, 108);          /* fnsave */
	emit_mov16(g, SAVE_OFF + 2, 0);
	emit_and16(g, SAVE_OFF + 4, SW_UNICORN_MASK);
	emit_mov16(g, SAVE_OFF + 6, 0);
	emit_mov16(g, SAVE_OFF + 10, 0);
	for (unsigned off = 16; off < 28; off += 2)
		emit_mov16(g, SAVE_OFF + off, 0);
	return true;
}

/* ---- units ------------------------------------------------------------------- */

enum { U_ARITH_REG, U_ARITH_MEM, U_COM, U_LOAD, U_STORE, U_UNARY, U_STACK,
       U_CONTROL, U_KNOWN, U_KINDS };

static const unsigned unit_weight[U_KINDS] = { 8, 6, 4, 5, 4, 3, 3, 1, 3 };

static bool u_arith_reg(struct gen *g)
{
	static const uint8_t esc[3] = { 0xd8, 0xdc, 0xde };
	unsigned op = rng_below(&g->r, 8), e = rng_below(&g->r, 3);
	int i = pick_valid(g);

	if (op == 2 || op == 3)                 /* FCOM/FCOMP: see u_com */
		op = 0;
	if (!valid(0) || i < 0)
		return false;
	if (e == 2)
		pop();
	return emit_reg(g, esc[e], op, (unsigned)i);
}

static bool u_arith_mem(struct gen *g)
{
	static const struct { uint8_t esc; int fmt; unsigned size; } m[4] = {
		{ 0xd8, S_F32, 4 }, { 0xdc, S_F64, 8 }, { 0xda, S_I32, 4 },
		{ 0xde, S_I16, 2 },
	};
	unsigned k = rng_below(&g->r, 4), op = rng_below(&g->r, 8);

	if (!valid(0))
		return false;
	if (op == 3)
		pop();
	return emit_mem(g, m[k].esc, op, m[k].fmt, m[k].size);
}

static bool u_com(struct gen *g)
{
	static const uint8_t pp[][2] = { { 0xda, 0xe9 }, { 0xde, 0xd9 } };
	static const uint8_t m[4] = { 0xd8, 0xdc, 0xda, 0xde };
	static const int fmt[4] = { S_F32, S_F64, S_I32, S_I16 };
	static const unsigned sz[4] = { 4, 8, 4, 2 };
	static const uint8_t ftst[2] = { 0xd9, 0xe4 }, fxam[2] = { 0xd9, 0xe5 };
	int i = pick_valid(g);
	unsigned p = rng_below(&g->r, 2), k = rng_below(&g->r, 4);

	if (!valid(0) || i < 0)
		return false;
	/* FXAM (Unicorn ignores the tags: not of an empty ST(0)) */
	if (rng_one_in(&g->r, 6))
		return gen_emit_plain(g, 0, 4, fxam, 2, R_NONE, 0, 0);
	switch (rng_below(&g->r, 6)) {
	case 0:
		if (p)
			pop();
		return emit_reg(g, 0xd8, 2 + p, (unsigned)i);
	case 1:
		if (p)
			pop();
		return emit_reg(g, 0xdd, 4 + p, (unsigned)i);
	case 2:
		if (p)
			pop();
		return emit_mem(g, m[k], 2 + p, fmt[k], sz[k]);
	case 3: case 4:         /* FCOMI FUCOMI FCOMIP FUCOMIP */
		/* they clear OF SF AF (so does an Intel host); Unicorn
		 * leaves them: not compared */
		gen_flags(g, DT_FLAG_ZF | DT_FLAG_PF | DT_FLAG_CF,
			  DT_FLAG_OF | DT_FLAG_SF | DT_FLAG_AF);
		if (!p)
			return emit_reg(g, 0xdb, 5 + (k & 1), (unsigned)i);
		pop();
		return emit_reg(g, 0xdf, 5 + (k & 1), (unsigned)i);
	default:
		if (!p)
			return gen_emit_plain(g, 0, 4, ftst, 2, R_NONE, 0, 0);
		if (!valid(1))
			return false;
		pop();
		pop();
		return gen_emit_plain(g, 0, 4, pp[k & 1], 2, R_NONE, 0, 0);
	}
}

static bool u_load(struct gen *g)
{
	static const uint8_t consts[7] = { 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee };
	unsigned k = rng_below(&g->r, 9);
	int i = pick_valid(g);

	if (!can_push() || (k == 7 && i < 0))
		return false;
	push();
	switch (k) {
	case 0: return emit_mem(g, 0xd9, 0, S_F32, 4);
	case 1: return emit_mem(g, 0xdd, 0, S_F64, 8);
	case 2: return emit_mem(g, 0xdb, 5, S_F80, 10);
	case 3: return emit_mem(g, 0xdf, 0, S_I16, 2);
	case 4: return emit_mem(g, 0xdb, 0, S_I32, 4);
	case 5: return emit_mem(g, 0xdf, 5, S_I64, 8);
	case 6: return emit_mem(g, 0xdf, 4, S_BCD, 10);
	case 7: return emit_reg(g, 0xd9, 0, (unsigned)i);
	default: {
		uint8_t op[2] = { 0xd9, consts[rng_below(&g->r, 7)] };

		if (cur_rc && op[1] != 0xe8 && op[1] != 0xee)
			op[1] = rng_one_in(&g->r, 2) ? 0xe8 : 0xee;

		return gen_emit_plain(g, 0, 4, op, 2, R_NONE, 0, 0);
	}
	}
}

static bool u_store(struct gen *g)
{
	/* FST(P) m32/m64/m80, FIST(P)/FISTTP m16; the 32/64-bit integer
	 * and BCD stores are in u_istore */
	static const struct { uint8_t esc, digit; unsigned size; bool pop; } m[] = {
		{ 0xd9, 2, 4, 0 }, { 0xd9, 3, 4, 1 }, { 0xdd, 2, 8, 0 },
		{ 0xdd, 3, 8, 1 }, { 0xdb, 7, 10, 1 }, { 0xdf, 2, 2, 0 },
		{ 0xdf, 3, 2, 1 }, { 0xdf, 1, 2, 1 },
	};
	unsigned n = sizeof(m) / sizeof(m[0]), k = rng_below(&g->r, n + 2);
	unsigned i = rng_below(&g->r, 8);

	if (!valid(0))
		return false;
	if (k >= n) {                   /* FST/FSTP ST(i) */
		/* Unicorn does not tag an empty destination valid */
		if (!valid(i))
			return false;
		if (k & 1)
			pop();
		return emit_reg(g, 0xdd, 2 + (k & 1), i);
	}
	if (m[k].pop)
		pop();
	return emit_mem(g, m[k].esc, m[k].digit, -1, m[k].size);
}

static bool u_unary(struct gen *g)
{
	/* FCHS FABS FSQRT FRNDINT (FXTRACT, FSCALE: u_known) */
	static const uint8_t ops[] = { 0xe0, 0xe1, 0xfa, 0xfc };
	static const uint8_t fxam[2] = { 0xd9, 0xe5 };
	uint8_t op[2] = { 0xd9, ops[rng_below(&g->r, sizeof(ops))] };

	if (!valid(0))
		return false;
	if (!gen_emit_plain(g, 0, 4, op, 2, R_NONE, 0, 0))
		return false;
	/* Unicorn's FSQRT of a negative operand sets C2 and clears C3 C1
	 * C0 (the hardware leaves them): FXAM sets all four again. */
	return op[1] != 0xfa || gen_emit_plain(g, 0, 4, fxam, 2, R_NONE, 0, 0);
}

static bool fld_known(struct gen *g, int max_exp, unsigned min_biased)
{
	int32_t off = known_slot(g, max_exp, min_biased);

	if (off < 0 || !can_push())
		return false;
	push();
	return emit_mem_at(g, 0xdb, 5, (uint32_t)off, 10);
}

/*
 * Instructions Unicorn 2.0.1 gets right only for finite operands in range
 * (QEMU 5.0 saturates out-of-range and NaN 32/64-bit integer stores where
 * the hardware stores the integer indefinite, mishandles FBSTP out of
 * range, FXTRACT of zero/infinity and FSCALE of special values): a load of
 * a value known from the data page, then the instruction.
 */
static bool u_known(struct gen *g)
{
	static const struct { uint8_t esc, digit; unsigned size; int max; } ist[] = {
		{ 0xdb, 2, 4, 30 }, { 0xdb, 3, 4, 30 }, { 0xdb, 1, 4, 30 },
		{ 0xdf, 7, 8, 62 }, { 0xdd, 1, 8, 62 }, { 0xdf, 6, 10, 59 },
	};
	static const uint8_t fxtract[2] = { 0xd9, 0xf4 }, fscale[2] = { 0xd9, 0xfd };
	unsigned k = rng_below(&g->r, sizeof(ist) / sizeof(ist[0]) + 2);

	if (k == 6) {                           /* FXTRACT of a normal */
		if (!fld_known(g, 0x4000, 1) || !can_push())
			return false;
		push();
		return gen_emit_plain(g, 0, 4, fxtract, 2, R_NONE, 0, 0);
	}
	if (k == 7) {                           /* FSCALE, then FSTP ST(1) */
		if (cur_pc != 3 || !fld_known(g, 15, 0) ||
		    !fld_known(g, 0x4000, 1))
			return false;
		pop();
		return gen_emit_plain(g, 0, 4, fscale, 2, R_NONE, 0, 0) &&
		       emit_reg(g, 0xdd, 3, 1);
	}
	/* FBSTP: 1 <= |v| < 2^59 < 10^18 (QEMU 5.0 loses the sign of a
	 * negative value that rounds to zero) */
	if (!fld_known(g, ist[k].max, ist[k].size == 10 ? 0x3fff : 0))
		return false;
	if (ist[k].digit != 2)
		pop();
	return emit_mem(g, ist[k].esc, ist[k].digit, -1, ist[k].size);
}

static bool u_stack(struct gen *g)
{
	static const uint8_t fdecstp[2] = { 0xd9, 0xf6 }, fincstp[2] = { 0xd9, 0xf7 },
			     fwait = 0x9b, fxam[2] = { 0xd9, 0xe5 };
	int i = pick_valid(g);

	switch (rng_below(&g->r, 7)) {
	case 0: case 1:                                 /* fxch */
		if (!valid(0) || i < 0)
			return false;
		return emit_reg(g, 0xd9, 1, (unsigned)i);
	case 2:                                         /* ffree */
		if (i < 0)
			return false;
		st.tags &= (uint8_t)~(1u << ((st.top + (unsigned)i) & 7));
		return emit_reg(g, 0xdd, 0, (unsigned)i);
	case 3:                                         /* fcmovcc */
		if (!valid(0) || i < 0)
			return false;
		return emit_reg(g, 0xda + rng_below(&g->r, 2),
				rng_below(&g->r, 4), (unsigned)i);
	case 4: case 5: {
		/* Unicorn clears C0 C2 C3 on FINCSTP/FDECSTP (an Intel host
		 * keeps them): a valid new ST(0) gets FXAM after it */
		bool inc = rng_one_in(&g->r, 2);

		st.top = (st.top + (inc ? 1 : 7)) & 7;
		if (!valid(0))
			return false;
		return gen_emit_plain(g, 0, 4, inc ? fincstp : fdecstp, 2,
				      R_NONE, 0, 0) &&
		       gen_emit_plain(g, 0, 4, fxam, 2, R_NONE, 0, 0);
	}
	default:
		/* FNOP: Unicorn does not record it in FIP */
		return gen_emit_plain(g, 0, 4, &fwait, 1, R_NONE, 0, 0);
	}
}

static bool u_control(struct gen *g)
{
	static const uint8_t fnclex[2] = { 0xdb, 0xe2 };

	switch (rng_below(&g->r, 4)) {
	case 0: {
		uint16_t cw = random_cw(g);

		cur_rc = (cw >> 10) & 3;
		cur_pc = (cw >> 8) & 3;
		emit_mov16(g, CW_OFF + 2, cw);
		return emit_mem_at(g, 0xd9, 5, CW_OFF + 2, 2);
	}
	case 1: return emit_mem(g, 0xd9, 7, -1, 2);             /* fnstcw */
	case 2: {                                               /* fnstsw */
		uint32_t off = pick_slot(g, -1);

		return emit_mem_at(g, 0xdd, 7, off, 2) &&
		       emit_and16(g, off, SW_UNICORN_MASK);
	}
	default: return gen_emit_plain(g, 0, 4, fnclex, 2, R_NONE, 0, 0);
	}
}

static bool (*const units[U_KINDS])(struct gen *g) = {
	u_arith_reg, u_arith_mem, u_com, u_load, u_store, u_unary, u_stack,
	u_control, u_known,
};

bool gen_x87_unit(struct gen *g)
{
	unsigned total = 0, pick;

	/* A unit may be generated again at the same place: start from the
	 * stack as the last committed unit left it. */
	if (g->pos != st_pos) {
		st_committed = st;
		cur_rc_committed = cur_rc;
		cur_pc_committed = cur_pc;
		st_pos = g->pos;
	}
	st = st_committed;
	cur_rc = cur_rc_committed;
	cur_pc = cur_pc_committed;
	if (g->pos == 0)
		return prologue(g);
	if (epilogue_now)
		return epilogue(g);
	for (unsigned k = 0; k < U_KINDS; k++)
		total += unit_weight[k];
	pick = rng_below(&g->r, total);
	for (unsigned k = 0; k < U_KINDS; k++) {
		if (pick < unit_weight[k])
			return units[k](g);
		pick -= unit_weight[k];
	}
	return false;
}

void gen_x87_epilogue_next(bool on)
{
	epilogue_now = on;
}
