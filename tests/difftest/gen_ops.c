// SPDX-License-Identifier: MIT
/*
 * Instruction classes of the sequence generator.  Each unit function picks
 * operands, emits the instruction (with its setup) and records its effect
 * on the defined status flags, per the "Flags Affected" section of each
 * instruction in the SDM Vol. 2.  This file: arithmetic, logic, shifts,
 * bit tests and condition codes, and the table that picks a unit;
 * gen_ops_move.c: moves, stack, strings and control transfers.
 */
#include "gen.h"
#include "gen_int.h"
#include "gen_units.h"

bool gen_have_lahf64 = true;
bool gen_have_cx16 = true;

/* ADD OR ADC SBB AND SUB XOR CMP, TEST: all encodings. */
static bool u_alu2(struct gen *g)
{
	unsigned op = rng_below(&g->r, 9), size = gen_size(g);
	unsigned form = rng_below(&g->r, 4), lock = 0;
	bool test = op == 8, ro = op == 7 || test, ok;
	struct dt_rm rm;
	uint8_t opc;

	if (op == 2 || op == 3)
		gen_need(g, CF);
	if (test && form == 1)
		form = 0;
	if (form <= 1) {
		gen_rm(g, &rm, size, !ro && form == 0, 0);
		int reg = gen_reg(g, size, !ro && form == 1, 0);

		opc = test ? 0x84 : (uint8_t)(op * 8 + (form == 1 ? 2 : 0));
		opc += size != 1;
		if (form == 0 && !ro)
			lock = lock_if(g, &rm);
		ok = gen_emit_modrm(g, b8(size) | lock, size, &opc, 1, reg, &rm, 0, 0);
	} else if (form == 2) {
		opc = (uint8_t)((test ? 0xa8 : op * 8 + 4) + (size != 1));
		ok = gen_emit_plain(g, 0, size, &opc, 1, -1, gen_val(g), isz(size));
	} else {
		bool imm8 = size != 1 && !test && rng_one_in(&g->r, 2);

		gen_rm(g, &rm, size, !ro, 0);
		opc = test ? (size == 1 ? 0xf6 : 0xf7) :
		      (size == 1 ? 0x80 : imm8 ? 0x83 : 0x81);
		if (!ro)
			lock = lock_if(g, &rm);
		ok = gen_emit_modrm(g, rm8(size) | lock, size, &opc, 1,
				    test ? 0 : (int)op, &rm, gen_val(g),
				    imm8 ? 1 : isz(size));
	}
	if (op == 1 || op == 4 || op == 6 || test)
		gen_flags(g, ALL & ~AF, AF);
	else
		gen_flags(g, ALL, 0);
	return ok;
}

/* NOT NEG INC DEC */
static bool u_unary(struct gen *g)
{
	static const uint32_t def[4] = { 0, ALL, ALL & ~CF, ALL & ~CF };
	unsigned k = rng_below(&g->r, 4), size = gen_size(g);
	struct dt_rm rm;
	uint8_t opc;

	gen_rm(g, &rm, size, true, 0);
	if (k < 2)
		opc = size == 1 ? 0xf6 : 0xf7;
	else
		opc = size == 1 ? 0xfe : 0xff;
	/* No LOCK NEG: Unicorn 2.0.1 gets SF wrong for it (seed 189 with
	 * --code=f06667f71c25ff0a2000 differs from the unlocked form). */
	if (!gen_emit_modrm(g, rm8(size) | (k == 1 ? 0 : lock_if(g, &rm)),
			    size, &opc, 1,
			    k < 2 ? (int)k + 2 : (int)k - 2, &rm, 0, 0))
		return false;
	gen_flags(g, def[k], 0);
	return true;
}

static int64_t sext(uint64_t v, unsigned bits)
{
	if (bits == 64)
		return (int64_t)v;
	v &= (1ull << bits) - 1;
	if (v >> (bits - 1))
		v |= ~0ull << bits;
	return (int64_t)v;
}

/*
 * DIV/IDIV operands that cannot raise #DE (SDM Vol. 2 DIV/IDIV): the
 * quotient q is chosen to fit, the remainder has the dividend's sign and
 * is smaller than the divisor.
 */
static void div_values(struct gen *g, unsigned w, bool sign, uint64_t *d,
		       uint64_t *hi, uint64_t *lo)
{
	uint64_t mask = w == 64 ? ~0ull : (1ull << w) - 1;

	if (!sign) {
		*d = gen_val(g) & mask;
		if (!*d)
			*d = 1 + rng_below(&g->r, 100);
		*hi = rng_next(&g->r) % *d;
		*lo = rng_next(&g->r) & mask;
		return;
	}
	int64_t sd = sext(gen_val(g), w), q = sext(gen_val(g), w);
	if (!sd)
		sd = rng_one_in(&g->r, 2) ? 1 : -1;
	unsigned __int128 absd = sd < 0 ? -(__int128)sd : sd;
	uint64_t rmag = rng_next(&g->r) % (uint64_t)absd;
	__int128 prod = (__int128)q * sd, r = (__int128)rmag;

	if (prod < 0 || (prod == 0 && rng_one_in(&g->r, 2)))
		r = -r;
	unsigned __int128 dividend = (unsigned __int128)(prod + r);

	*d = (uint64_t)sd & mask;
	*lo = (uint64_t)dividend & mask;
	*hi = (uint64_t)(dividend >> w) & mask;
}

/* MUL, IMUL (one, two and three operands), DIV, IDIV */
static bool u_muldiv(struct gen *g)
{
	unsigned kind = rng_below(&g->r, 4), size;
	struct dt_rm rm;
	uint8_t opc[2];
	bool ok;

	switch (kind) {
	case 0:
		size = gen_size(g);
		gen_rm(g, &rm, size, false, 0);
		opc[0] = size == 1 ? 0xf6 : 0xf7;
		ok = gen_emit_modrm(g, rm8(size), size, opc, 1,
				    4 + (int)rng_below(&g->r, 2), &rm, 0, 0);
		break;
	case 1:
		size = gen_size_nb(g);
		gen_rm(g, &rm, size, false, 0);
		opc[0] = 0x0f;
		opc[1] = 0xaf;
		ok = gen_emit_modrm(g, 0, size, opc, 2, gen_reg(g, size, true, 0),
				    &rm, 0, 0);
		break;
	case 2: {
		bool imm8 = rng_one_in(&g->r, 2);

		size = gen_size_nb(g);
		gen_rm(g, &rm, size, false, 0);
		opc[0] = imm8 ? 0x6b : 0x69;
		ok = gen_emit_modrm(g, 0, size, opc, 1, gen_reg(g, size, true, 0),
				    &rm, gen_val(g), imm8 ? 1 : isz(size));
		break;
	}
	default: {
		bool sign = rng_one_in(&g->r, 2);
		uint32_t keep = BIT(RAX) | BIT(RDX) | BIT(RSP);
		uint64_t d, hi, lo;

		size = gen_size(g);
		div_values(g, size * 8, sign, &d, &hi, &lo);
		opc[0] = size == 1 ? 0xf6 : 0xf7;
		if (rng_one_in(&g->r, 2)) {
			rm.mem = false;
			rm.reg = gen_reg(g, size, true, keep);
			gen_set_sized(g, rm.reg, size, d);
		} else {
			/* MOV the divisor into memory first (88/89 /r). */
			uint8_t mov = size == 1 ? 0x88 : 0x89;
			int tmp;

			gen_mem(g, &rm, size, keep, 0, DT_DATA_SIZE);
			tmp = gen_reg(g, 8, true, keep | gen_rm_regs(&rm));
			gen_set_sized(g, tmp, 8, d);
			if (size == 1)
				gen_set_sized(g, RAX, 2, hi << 8 | lo);
			else {
				gen_set_sized(g, RAX, size, lo);
				gen_set_sized(g, RDX, size, hi);
			}
			if (!gen_emit_modrm(g, b8(size) & ENC_RM8 ? ENC_REG8 : 0,
					    size, &mov, 1, tmp, &rm, 0, 0))
				return false;
		}
		if (size == 1)
			gen_set_sized(g, RAX, 2, hi << 8 | lo);
		else {
			gen_set_sized(g, RAX, size, lo);
			gen_set_sized(g, RDX, size, hi);
		}
		ok = gen_emit_modrm(g, rm8(size), size, opc, 1, 6 + sign, &rm, 0, 0);
		gen_flags(g, 0, ALL);
		return ok;
	}
	}
	gen_flags(g, CF | OF, ALL & ~(CF | OF));
	return ok;
}

static unsigned pick_count(struct gen *g, unsigned w)
{
	const unsigned t[] = { 0, 1, 2, w - 1, w, w + 1, 31, 32, 33, 63, 64,
			       65, 255 };

	if (rng_one_in(&g->r, 3))
		return rng_below(&g->r, 256);
	return t[rng_below(&g->r, sizeof(t) / sizeof(t[0]))] & 0xff;
}

/* Flags after a shift/rotate by a known masked count (SDM SAL/SAR/SHL/SHR,
 * RCL/RCR/ROL/ROR "Flags Affected"). */
static void shift_flags(struct gen *g, unsigned op, unsigned mc, unsigned w)
{
	uint32_t of = mc == 1 ? OF : 0;

	if (!mc)
		return;
	if (op < 4) {
		gen_flags(g, CF | of, OF & ~of);
		return;
	}
	uint32_t cf = (op == 7 || mc < w) ? CF : 0;

	gen_flags(g, SF | ZF | PF | of | cf, AF | (OF & ~of) | (CF & ~cf));
}

/* ROL ROR RCL RCR SHL SHR SAR by imm8, 1, CL (known or not) */
static bool u_shift(struct gen *g)
{
	unsigned size = gen_size(g), w = size * 8, op, form, c = 1, mc;
	uint32_t excl = 0;
	struct dt_rm rm;
	uint8_t opc;
	bool ok;

	do
		op = rng_below(&g->r, 8);
	while (op == 6);
	form = rng_below(&g->r, 4);
	if (form == 0 || form == 2)
		c = pick_count(g, w);
	mc = c & (size == 8 ? 63 : 31);
	if (op == 2 || op == 3) {
		if (form == 3 || mc)
			gen_need(g, CF);
	}
	if (form == 2)
		excl = BIT(RCX);
	if (rng_one_in(&g->r, 2)) {
		rm.mem = false;
		rm.reg = gen_reg(g, size, true, 0);
	} else {
		gen_mem(g, &rm, size, excl, 0, DT_DATA_SIZE);
	}
	if (form == 2)
		gen_set_sized(g, RCX, 1, c);
	switch (form) {
	case 0:
		opc = size == 1 ? 0xc0 : 0xc1;
		ok = gen_emit_modrm(g, rm8(size), size, &opc, 1, (int)op, &rm, c, 1);
		break;
	case 1:
		opc = size == 1 ? 0xd0 : 0xd1;
		ok = gen_emit_modrm(g, rm8(size), size, &opc, 1, (int)op, &rm, 0, 0);
		break;
	default:
		opc = size == 1 ? 0xd2 : 0xd3;
		ok = gen_emit_modrm(g, rm8(size), size, &opc, 1, (int)op, &rm, 0, 0);
		break;
	}
	if (form != 3) {
		shift_flags(g, op, mc, w);
	} else if (op < 4) {
		gen_flags(g, 0, OF);
	} else {
		/* count unknown: 0 keeps flags, otherwise SF/ZF/PF defined;
		 * CF undefined for SHL/SHR when count >= width (8/16-bit) */
		gen_flags(g, 0, AF | OF | (op != 7 && size <= 2 ? CF : 0));
	}
	return ok;
}

/* SHLD SHRD by imm8 or CL (16-bit counts > 16 are undefined: avoided) */
static bool u_shxd(struct gen *g)
{
	unsigned size = gen_size_nb(g), form = rng_below(&g->r, 3);
	unsigned c = 0, mc;
	bool right = rng_one_in(&g->r, 2);
	struct dt_rm rm;
	uint8_t opc[2] = { 0x0f, right ? 0xac : 0xa4 };
	bool ok;

	if (form == 2 && size == 2)
		form = 1;
	if (form < 2) {
		c = pick_count(g, size * 8);
		if (size == 2 && (c & 31) > 16)
			c = rng_below(&g->r, 17);
	}
	mc = c & (size == 8 ? 63 : 31);
	if (rng_one_in(&g->r, 2)) {
		rm.mem = false;
		rm.reg = gen_reg(g, size, true, 0);
	} else {
		/* Unicorn 2.0.1 (QEMU 5) addresses a RIP-relative SHLD/SHRD
		 * imm8 operand one byte low: it forgets the immediate that
		 * follows the displacement (seeds 30, 1484). */
		g->no_riprel = form == 0;
		gen_mem(g, &rm, size, BIT(RCX), 0, DT_DATA_SIZE);
		g->no_riprel = false;
	}
	int reg = gen_reg(g, size, false, 0);

	if (form == 0) {
		ok = gen_emit_modrm(g, 0, size, opc, 2, reg, &rm, c, 1);
	} else {
		opc[1]++;
		if (form == 1)
			gen_set_sized(g, RCX, 1, c);
		ok = gen_emit_modrm(g, 0, size, opc, 2, reg, &rm, 0, 0);
	}
	if (form == 2)
		gen_flags(g, 0, AF | OF);
	else if (mc)
		gen_flags(g, CF | SF | ZF | PF | (mc == 1 ? OF : 0),
			  AF | (mc == 1 ? 0 : OF));
	return ok;
}

/* BT BTS BTR BTC with imm8 or register bit offset */
static bool u_bt(struct gen *g)
{
	static const uint8_t reg_op[4] = { 0xa3, 0xab, 0xb3, 0xbb };
	unsigned size = gen_size_nb(g), op = rng_below(&g->r, 4), lock;
	struct dt_rm rm;
	uint8_t opc[2] = { 0x0f, 0xba };
	bool ok;

	if (rng_one_in(&g->r, 2)) {
		gen_rm(g, &rm, size, true, 0);
		lock = op ? lock_if(g, &rm) : 0;
		ok = gen_emit_modrm(g, lock, size, opc, 2, 4 + (int)op, &rm,
				    rng_below(&g->r, 256), 1);
	} else {
		int reg = gen_reg(g, size, true, 0);

		if (rng_one_in(&g->r, 2)) {
			rm.mem = false;
			rm.reg = gen_reg(g, size, true, 0);
		} else {
			/* bit offsets reach +-2 KiB around the operand */
			int64_t off = (int64_t)rng_below(&g->r, 32704) - 16384;

			gen_mem(g, &rm, size, BIT(reg), 2048, 6144);
			gen_set_sized(g, reg, size, (uint64_t)off);
		}
		opc[1] = reg_op[op];
		lock = op ? lock_if(g, &rm) : 0;
		ok = gen_emit_modrm(g, lock, size, opc, 2, reg, &rm, 0, 0);
	}
	gen_flags(g, CF, OF | SF | AF | PF);
	return ok;
}

/* BSF BSR.  A zero source leaves the destination undefined (SDM BSF):
 * hardware and Unicorn keep the low bits but Unicorn zero-extends a 32-bit
 * destination, so such a destination starts with its upper half zero. */
static bool u_bsf(struct gen *g)
{
	unsigned size = gen_size_nb(g);
	uint8_t opc[2] = { 0x0f, rng_one_in(&g->r, 2) ? 0xbc : 0xbd };
	int dst = gen_reg(g, size, true, 0);
	struct dt_rm rm;

	if (rng_one_in(&g->r, 2)) {
		rm.mem = false;
		rm.reg = gen_reg(g, size, false, 0);
	} else {
		gen_mem(g, &rm, size, BIT(dst), 0, DT_DATA_SIZE);
	}
	if (size == 4)
		gen_set_reg(g, dst, (uint32_t)gen_val(g));
	if (!gen_emit_modrm(g, 0, size, opc, 2, dst, &rm, 0, 0))
		return false;
	gen_flags(g, ZF, ALL & ~ZF);
	return true;
}

/* SETcc CMOVcc */
static bool u_cc(struct gen *g)
{
	unsigned cc = rng_below(&g->r, 16), size;
	struct dt_rm rm;
	uint8_t opc[2] = { 0x0f, 0 };

	gen_need(g, gen_cc_flags(cc));
	if (rng_one_in(&g->r, 2)) {
		gen_rm(g, &rm, 1, true, 0);
		opc[1] = (uint8_t)(0x90 + cc);
		return gen_emit_modrm(g, ENC_RM8, 1, opc, 2, 0, &rm, 0, 0);
	}
	size = gen_size_nb(g);
	gen_rm(g, &rm, size, false, 0);
	opc[1] = (uint8_t)(0x40 + cc);
	return gen_emit_modrm(g, 0, size, opc, 2, gen_reg(g, size, true, 0), &rm,
			      0, 0);
}

struct unit_kind {
	bool (*fn)(struct gen *g);
	unsigned weight;
};

static const struct unit_kind kinds[] = {
	{ u_alu2, 10 }, { u_unary, 3 }, { u_muldiv, 4 }, { u_shift, 6 },
	{ u_shxd, 3 }, { u_bt, 3 }, { u_bsf, 2 }, { u_cc, 4 }, { gen_u_mov, 4 },
	{ gen_u_lea, 3 }, { gen_u_xchg, 3 }, { gen_u_bswap, 1 }, { gen_u_cbw, 1 },
	{ gen_u_flagop, 2 }, { gen_u_stack, 3 }, { gen_u_string, 3 }, { gen_u_jump, 4 },
	{ gen_u_popf, 1 }, { gen_u_xlat_moffs, 2 }, { gen_u_cmpxchg8b, 1 }, { gen_u_xfer, 2 },
};

bool gen_unit(struct gen *g)
{
	unsigned total = 0, pick;

	if (gen_x87)
		return gen_x87_unit(g);
	/* --simd: three units in four are MMX/SSE ones. */
	if (gen_simd && !rng_one_in(&g->r, 4))
		return gen_simd_unit(g);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		total += kinds[i].weight;
	pick = rng_below(&g->r, total);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (pick < kinds[i].weight)
			return kinds[i].fn(g);
		pick -= kinds[i].weight;
	}
	return false;
}
