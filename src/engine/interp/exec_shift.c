// SPDX-License-Identifier: MIT
/*
 * Shifts and rotates: SHL/SAL SHR SAR ROL ROR RCL RCR SHLD SHRD
 * (SDM Vol. 2 "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD", "SHRD").
 *
 * The count is masked to 5 bits (6 for 64-bit operands); a masked count
 * of 0 changes neither the operand nor any flag.  Undefined flags, our
 * deterministic choice:
 *  - AF after shifts (count != 0): cleared;
 *  - OF after a multi-bit shift/rotate: computed with the 1-bit formula;
 *  - SHLD/SHRD with count > operand size (16-bit): the operand is shifted
 *    as if the source were repeated (d:s:d), CF the last bit shifted out.
 */
#include "engine/interp/core.h"

static unsigned shift_count(const struct insn *in, uint64_t c)
{
	return (unsigned)(c & (op_bits(in, 0) == 64 ? 0x3f : 0x1f));
}

/* A masked count of 0 changes no flag, but a 32-bit register destination
 * is still written, i.e. zero-extended (as hardware does). */
static void shift_none(struct interp *ip, const struct insn *in, uint64_t a)
{
	if (in->opd[0].kind == OPD_GPR)
		opw(ip, in, 0, a);
}

static void shift_store(struct interp *ip, const struct insn *in, uint64_t r,
			uint64_t cf, uint64_t of)
{
	unsigned bits = op_bits(in, 0);
	uint64_t f = flags_szp(r, bits);

	opw(ip, in, 0, r);
	f |= cf ? RFLAGS_CF : 0;
	f |= of ? RFLAGS_OF : 0;
	flags_set(ip, FLAGS_ARITH, f);
}

static void exec_shl(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t a = opr(ip, in, 0);
	unsigned c = shift_count(in, opr(ip, in, 1));
	uint64_t r, cf;

	if (!c) {
		shift_none(ip, in, a);
		return;
	}
	r = (a << c) & width_mask(bits);
	cf = c <= bits ? (a >> (bits - c)) & 1 : 0;
	shift_store(ip, in, r, cf, msb(r, bits) ^ cf);
}

/* OF of SHR is the original sign bit (defined for count 1). */
static void exec_shr(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t a = opr(ip, in, 0);
	unsigned c = shift_count(in, opr(ip, in, 1));

	if (!c) {
		shift_none(ip, in, a);
		return;
	}
	shift_store(ip, in, a >> c, (a >> (c - 1)) & 1, msb(a, bits));
}

static void exec_sar(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	int64_t a = (int64_t)sign_extend(opr(ip, in, 0), bits);
	unsigned c = shift_count(in, opr(ip, in, 1));

	if (!c) {
		shift_none(ip, in, (uint64_t)a);
		return;
	}
	shift_store(ip, in, (uint64_t)(a >> c) & width_mask(bits),
		    ((uint64_t)a >> (c - 1)) & 1, 0);
}

static uint64_t rotl(uint64_t a, unsigned c, unsigned bits)
{
	c %= bits;
	if (!c)
		return a;
	return ((a << c) | (a >> (bits - c))) & width_mask(bits);
}

/* ROL/ROR: CF and OF only; SF ZF AF PF unchanged. */
static void rot_flags(struct interp *ip, uint64_t cf, uint64_t of)
{
	flags_set(ip, RFLAGS_CF | RFLAGS_OF,
		  (cf ? RFLAGS_CF : 0) | (of ? RFLAGS_OF : 0));
}

static void exec_rol(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t a = opr(ip, in, 0);
	unsigned c = shift_count(in, opr(ip, in, 1));
	uint64_t r, cf;

	if (!c) {
		shift_none(ip, in, a);
		return;
	}
	r = rotl(a, c, bits);
	opw(ip, in, 0, r);
	cf = r & 1;
	rot_flags(ip, cf, msb(r, bits) ^ cf);
}

static void exec_ror(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t a = opr(ip, in, 0);
	unsigned c = shift_count(in, opr(ip, in, 1));
	uint64_t r;

	if (!c) {
		shift_none(ip, in, a);
		return;
	}
	r = rotl(a, bits - c % bits, bits);
	opw(ip, in, 0, r);
	rot_flags(ip, msb(r, bits), msb(r, bits) ^ msb(r, bits - 1));
}

/* RCL/RCR rotate through CF: a (bits+1)-bit rotation, count taken
 * modulo 9 / 17 for 8 / 16-bit operands. */
static void exec_rcl(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t a = opr(ip, in, 0);
	unsigned c = shift_count(in, opr(ip, in, 1));
	uint64_t cf = ip->s.rflags & RFLAGS_CF;

	if (bits < 32)
		c %= bits + 1;
	if (!c) {
		shift_none(ip, in, a);
		return;
	}
	for (unsigned i = 0; i < c; i++) {
		uint64_t out = msb(a, bits);

		a = ((a << 1) | cf) & width_mask(bits);
		cf = out;
	}
	opw(ip, in, 0, a);
	rot_flags(ip, cf, msb(a, bits) ^ cf);
}

static void exec_rcr(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t a = opr(ip, in, 0);
	unsigned c = shift_count(in, opr(ip, in, 1));
	uint64_t cf = ip->s.rflags & RFLAGS_CF;

	if (bits < 32)
		c %= bits + 1;
	if (!c) {
		shift_none(ip, in, a);
		return;
	}
	for (unsigned i = 0; i < c; i++) {
		uint64_t out = a & 1;

		a = (a >> 1) | (cf << (bits - 1));
		cf = out;
	}
	opw(ip, in, 0, a);
	rot_flags(ip, cf, msb(a, bits) ^ msb(a, bits - 1));
}

/* Bit i (0 = least significant) of the 3*bits-wide value hi:mid:lo. */
static uint64_t bit3(uint64_t hi, uint64_t mid, uint64_t lo, unsigned bits,
		     unsigned i)
{
	if (i < bits)
		return (lo >> i) & 1;
	if (i < 2 * bits)
		return (mid >> (i - bits)) & 1;
	return (hi >> (i - 2 * bits)) & 1;
}

/* SHLD dst, src, c: dst = high bits of (dst:src:dst) << c. */
static void exec_shld(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t d = opr(ip, in, 0), s = opr(ip, in, 1);
	unsigned c = shift_count(in, opr(ip, in, 2));
	uint64_t r = 0, cf;

	if (!c) {
		shift_none(ip, in, d);
		return;
	}
	/* Result bit i is bit (2*bits + i - c) of d:s:d. */
	for (unsigned i = 0; i < bits; i++)
		r |= bit3(d, s, d, bits, 2 * bits + i - c) << i;
	cf = bit3(d, s, d, bits, 3 * bits - c);
	shift_store(ip, in, r, cf, msb(r, bits) ^ msb(d, bits));
}

/* SHRD dst, src, c: dst = low bits of (dst:src:dst... read as s:d) >> c. */
static void exec_shrd(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t d = opr(ip, in, 0), s = opr(ip, in, 1);
	unsigned c = shift_count(in, opr(ip, in, 2));
	uint64_t r = 0, cf;

	if (!c) {
		shift_none(ip, in, d);
		return;
	}
	/* Result bit i is bit (i + c) of d:s:d read as (d:s:d) >> c with
	 * the low copy of d at the bottom: lo = d, mid = s, hi = d. */
	for (unsigned i = 0; i < bits; i++)
		r |= bit3(d, s, d, bits, i + c) << i;
	cf = bit3(d, s, d, bits, c - 1);
	shift_store(ip, in, r, cf, msb(r, bits) ^ msb(d, bits));
}

const struct exec_entry exec_shift_table[] = {
	{ ZYDIS_MNEMONIC_SHL, exec_shl, { NULL } },
	{ ZYDIS_MNEMONIC_SHR, exec_shr, { NULL } },
	{ ZYDIS_MNEMONIC_SAR, exec_sar, { NULL } },
	{ ZYDIS_MNEMONIC_ROL, exec_rol, { NULL } },
	{ ZYDIS_MNEMONIC_ROR, exec_ror, { NULL } },
	{ ZYDIS_MNEMONIC_RCL, exec_rcl, { NULL } },
	{ ZYDIS_MNEMONIC_RCR, exec_rcr, { NULL } },
	{ ZYDIS_MNEMONIC_SHLD, exec_shld, { NULL } },
	{ ZYDIS_MNEMONIC_SHRD, exec_shrd, { NULL } },
	{ 0, NULL, { NULL } },
};
