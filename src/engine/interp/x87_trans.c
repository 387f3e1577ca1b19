// SPDX-License-Identifier: MIT
/*
 * Values of the transcendental x87 instructions (F2XM1, FYL2X, FYL2XP1,
 * FPATAN, FSIN, FCOS, FSINCOS, FPTAN) computed in software.
 *
 * Intel and AMD hosts give different last bits here, and the SDM only
 * promises an error below 1 ulp (Vol. 1 8.3.10), so running them on the
 * host would make a guest's results depend on the machine it runs on.
 * Instead the host runs the instruction for its special cases (NaN,
 * infinity, zero, out-of-range C2, invalid operands, denormal flag; all
 * architectural), and for an ordinary finite result we compute the
 * function in IEEE binary128 (libquadmath: 113-bit significand, about 49
 * bits beyond the 64 of double extended) and round that once to double
 * extended under the guest's rounding control.  The rounding itself is a
 * host FADD of the exact split hi + lo of the binary128 value (both
 * representable in double extended), which yields the correctly rounded
 * sum with PE, C1 (rounded up), UE and OE as the hardware defines them.
 * Transcendentals ignore precision control (SDM Vol. 1 8.1.5.2), so the
 * add runs with PC = 64 bits.
 *
 * Deviations from Intel hardware (docs/cpu-model.md): results are nearly
 * correctly rounded rather than Intel's; FSIN/FCOS/FSINCOS/FPTAN reduce
 * their argument exactly, where Intel reduces with a 66-bit
 * approximation of pi.
 */
#include <quadmath.h>

#include "engine/interp/x87.h"

#define BIAS 16383

static __float128 q_of(struct f80 v)
{
	int e = F80_EXP(v) ? (int)F80_EXP(v) : 1;
	__float128 q = scalbnq((__float128)v.m, e - BIAS - 63);

	return F80_SIGN(v) ? -q : q;
}

/* A finite non-zero double-extended value of normal range. */
static bool f80_ordinary(struct f80 v)
{
	return F80_EXP(v) != 0x7fff && v.m != 0;
}

/* |q| as m * 2^(e-63) with m truncated to 64 bits; q != 0. */
static struct f80 f80_trunc(__float128 q, __float128 *rest)
{
	__float128 a = fabsq(q);
	int e = ilogbq(a);
	uint64_t m = (uint64_t)scalbnq(a, 63 - e);
	struct f80 v = { m, (uint16_t)(e + BIAS) };

	if (q < 0)
		v.se |= 0x8000;
	if (rest)
		*rest = q - (q < 0 ? -scalbnq((__float128)m, e - 63) :
				     scalbnq((__float128)m, e - 63));
	return v;
}

/*
 * Round q to double extended with the guest's rounding control; merge
 * PE/UE/OE/C1 into *sw.  Returns false (leave the host's value) when q is
 * outside the range where hi and lo are both normal double-extended
 * numbers; results that tiny or huge come from arguments whose host
 * result is exact anyway (e.g. F2XM1 of a tiny x) or overflow.
 */
static bool round_q(__float128 q, uint16_t cw, struct f80 *out, uint16_t *sw)
{
	struct x87_io io = { 0 };
	__float128 lo;
	int e;

	if (q == 0 || isnanq(q) || isinfq(q))
		return false;
	e = ilogbq(q);
	if (e + BIAS < 128 || e + BIAS > 0x7ffe)
		return false;
	io.a = f80_trunc(q, &lo);
	io.b = lo == 0 ? (struct f80){ 0, 0 } : f80_trunc(lo, NULL);
	/* extended precision, denormal operand masked (lo is normal) */
	io.cw = (uint16_t)((cw & ~0x0300u) | 0x0300u | 0x0002u);
	io.sw_in = 0;
	x87_host_run(HOP_ADD, &io);
	*out = io.r0;
	*sw |= io.sw & (FSW_PE | FSW_UE | FSW_OE | FSW_C1);
	return true;
}

/* ln 2 and 1/ln 2 in binary128 */
static __float128 q_ln2(void)
{
	return logq(2.0Q);
}

void x87_trans_fix(enum x87_hop op, struct x87_io *io)
{
	__float128 x = q_of(io->a), y = q_of(io->b), v0 = 0, v1 = 0;
	bool two = false, r0_is_v1 = false;
	uint16_t sw = io->sw & ~(FSW_PE | FSW_UE | FSW_OE | FSW_C1);
	struct f80 r0 = io->r0, r1 = io->r1;

	if (io->sw & (FSW_IE | FSW_ZE))
		return;
	if (!f80_ordinary(io->a))
		return;
	switch (op) {
	case HOP_F2XM1:
		v0 = expm1q(x * q_ln2());
		break;
	case HOP_SIN:
	case HOP_COS:
		if (io->sw & FSW_C2)
			return;
		v0 = op == HOP_SIN ? sinq(x) : cosq(x);
		break;
	case HOP_PTAN:
		if (io->sw & FSW_C2)
			return;
		v1 = tanq(x);         /* ST(1); ST(0) = 1.0 */
		r0_is_v1 = true;
		break;
	case HOP_SINCOS:
		if (io->sw & FSW_C2)
			return;
		v0 = cosq(x);
		v1 = sinq(x);
		two = true;
		break;
	case HOP_PATAN:
		if (!f80_ordinary(io->b))
			return;
		v0 = atan2q(y, x);
		break;
	case HOP_YL2X:
		if (!f80_ordinary(io->b))
			return;
		v0 = y * log2q(x);
		break;
	case HOP_YL2XP1:
		if (!f80_ordinary(io->b))
			return;
		v0 = y * (log1pq(x) / q_ln2());
		break;
	default:
		return;
	}
	if (r0_is_v1) {
		if (!f80_ordinary(io->r1) || !round_q(v1, io->cw, &r1, &sw))
			return;
	} else {
		if (!f80_ordinary(io->r0) || !round_q(v0, io->cw, &r0, &sw))
			return;
		if (two && (!f80_ordinary(io->r1) ||
			    !round_q(v1, io->cw, &r1, &sw)))
			return;
	}
	io->r0 = r0;
	io->r1 = r1;
	io->sw = sw;
}
