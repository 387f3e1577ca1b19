// SPDX-License-Identifier: MIT
/*
 * MUL, IMUL (one, two and three operand forms), DIV, IDIV.
 * SDM Vol. 2: CF = OF = "upper half significant" after MUL/IMUL; SF ZF AF
 * PF are undefined there, we set SF ZF PF from the low half of the result
 * and clear AF.  After DIV/IDIV all six flags are undefined: we leave them
 * unchanged.  Divide by zero and quotient overflow raise #DE before any
 * register is written.
 */
#include "engine/interp/core.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

static void mul_flags(struct interp *ip, uint64_t lo, unsigned bits, bool wide)
{
	uint64_t f = flags_szp(lo, bits);

	if (wide)
		f |= RFLAGS_CF | RFLAGS_OF;
	flags_set(ip, FLAGS_ARITH, f);
}

/* Store a 2*bits product into AX, DX:AX, EDX:EAX or RDX:RAX. */
static void store_acc_pair(struct interp *ip, unsigned bits, uint64_t lo,
			   uint64_t hi)
{
	uint64_t *g = ip->s.gpr;

	switch (bits) {
	case 8:
		g[GPR_RAX] = (g[GPR_RAX] & ~0xffffull) | (lo & 0xff) | ((hi & 0xff) << 8);
		break;
	case 16:
		g[GPR_RAX] = (g[GPR_RAX] & ~0xffffull) | (lo & 0xffff);
		g[GPR_RDX] = (g[GPR_RDX] & ~0xffffull) | (hi & 0xffff);
		break;
	case 32:
		g[GPR_RAX] = (uint32_t)lo;
		g[GPR_RDX] = (uint32_t)hi;
		break;
	default:
		g[GPR_RAX] = lo;
		g[GPR_RDX] = hi;
		break;
	}
}

static void exec_mul(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t m = width_mask(bits);
	uint64_t src = opr(ip, in, 0);
	u128 p = (u128)(ip->s.gpr[GPR_RAX] & m) * src;
	uint64_t lo, hi;

	if (bits == 64) {
		lo = (uint64_t)p;
		hi = (uint64_t)(p >> 64);
	} else {
		lo = (uint64_t)p & m;
		hi = ((uint64_t)p >> bits) & m;
	}
	store_acc_pair(ip, bits, lo, hi);
	mul_flags(ip, lo, bits, hi != 0);
}

/* Signed bits x bits -> 2*bits product; *fits = it fits in bits. */
static s128 smul(uint64_t a, uint64_t b, unsigned bits, bool *fits)
{
	s128 p = (s128)(int64_t)sign_extend(a, bits) *
		 (s128)(int64_t)sign_extend(b, bits);
	s128 lim = (s128)1 << (bits - 1);

	*fits = p >= -lim && p < lim;
	return p;
}

static void exec_imul(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t m = width_mask(bits);
	bool fits;
	s128 p;

	switch (in->zi.operand_count_visible) {
	case 1:
		p = smul(ip->s.gpr[GPR_RAX] & m, opr(ip, in, 0), bits, &fits);
		store_acc_pair(ip, bits, (uint64_t)p & m,
			       (uint64_t)((u128)p >> bits) & m);
		break;
	case 2:
		p = smul(opr(ip, in, 0), opr(ip, in, 1) & m, bits, &fits);
		opw(ip, in, 0, (uint64_t)p & m);
		break;
	default:
		p = smul(opr(ip, in, 1), opr(ip, in, 2) & m, bits, &fits);
		opw(ip, in, 0, (uint64_t)p & m);
		break;
	}
	mul_flags(ip, (uint64_t)p & m, bits, !fits);
}

/* The dividend: AX, DX:AX, EDX:EAX or RDX:RAX. */
static u128 dividend(struct interp *ip, unsigned bits)
{
	uint64_t *g = ip->s.gpr;
	uint64_t m = width_mask(bits);

	if (bits == 8)
		return g[GPR_RAX] & 0xffff;
	return ((u128)(g[GPR_RDX] & m) << bits) | (g[GPR_RAX] & m);
}

static void store_div(struct interp *ip, unsigned bits, uint64_t q, uint64_t r)
{
	if (bits == 8)
		store_acc_pair(ip, 8, q, r);   /* AL = quotient, AH = remainder */
	else
		store_acc_pair(ip, bits, q, r);
}

static void exec_div(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t d = opr(ip, in, 0);
	u128 n = dividend(ip, bits), q;

	if (!d)
		interp_raise(ip, X86_DE);
	q = n / d;
	if (q > width_mask(bits))
		interp_raise(ip, X86_DE);
	store_div(ip, bits, (uint64_t)q, (uint64_t)(n % d));
}

static void exec_idiv(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	int64_t d = (int64_t)sign_extend(opr(ip, in, 0), bits);
	u128 raw = dividend(ip, bits);
	s128 n, q, r, lim = (s128)1 << (bits - 1);

	/* Sign-extend the 2*bits dividend to 128 bits. */
	if (bits == 64)
		n = (s128)raw;
	else
		n = (s128)(raw << (128 - 2 * bits)) >> (128 - 2 * bits);
	if (!d)
		interp_raise(ip, X86_DE);
	if (d == -1) {
		/* -n overflows only for the most negative 128-bit value,
		 * which is out of quotient range anyway. */
		if (bits == 64 && raw == (u128)1 << 127)
			interp_raise(ip, X86_DE);
		q = -n;
		r = 0;
	} else {
		q = n / d;
		r = n % d;
	}
	if (q < -lim || q >= lim)
		interp_raise(ip, X86_DE);
	store_div(ip, bits, (uint64_t)q & width_mask(bits),
		  (uint64_t)r & width_mask(bits));
}

const struct exec_entry exec_muldiv_table[] = {
	{ ZYDIS_MNEMONIC_MUL, exec_mul, { NULL } },
	{ ZYDIS_MNEMONIC_IMUL, exec_imul, { NULL } },
	{ ZYDIS_MNEMONIC_DIV, exec_div, { NULL } },
	{ ZYDIS_MNEMONIC_IDIV, exec_idiv, { NULL } },
	{ 0, NULL, { NULL } },
};
