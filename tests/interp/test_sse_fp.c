// SPDX-License-Identifier: MIT
/*
 * Interpreter: SSE/SSE2/SSE3/SSE4.1 floating point.  Expected values are
 * IEEE 754 results and the SDM's rules: NaN propagation (Vol. 1 4.8.3.5,
 * Table 4-7), QNaN floating-point indefinite and the integer indefinite
 * (4.8.3.7, 4.2.2.5), MXCSR rounding, DAZ and FTZ (10.2.3), masked and
 * unmasked exceptions (11.5.2, 11.5.3) with #XM or #UD (13.4.1).
 */
#include <check.h>
#include <string.h>

#include "harness.h"

static struct harness h;

static void setup(void)
{
	h_init(&h);
	h.s->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
}

static void teardown(void) { h_fini(&h); }

#define RUN(code, n) h_exec(&h, code, sizeof(code), n)
#define G(r) (h.s->gpr[GPR_##r])
#define MXF (h.s->fpu.mxcsr & 0x3f)

#define F_ONE   0x3f800000u
#define F_TWO   0x40000000u
#define F_THREE 0x40400000u
#define F_INF   0x7f800000u
#define F_QNAN_INDEF 0xffc00000u
#define F_MIN_NORMAL 0x00800000u
#define D_ONE   0x3ff0000000000000ull

static void xset4(unsigned i, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	uint32_t v[4] = { a, b, c, d };

	memcpy(h.s->fpu.xmm[i], v, 16);
}

static uint32_t xs(unsigned i, unsigned e)
{
	uint32_t v;

	memcpy(&v, h.s->fpu.xmm[i] + 4 * e, 4);
	return v;
}

static void xsetd(unsigned i, uint64_t lo, uint64_t hi)
{
	memcpy(h.s->fpu.xmm[i], &lo, 8);
	memcpy(h.s->fpu.xmm[i] + 8, &hi, 8);
}

static uint64_t xd(unsigned i, unsigned e)
{
	uint64_t v;

	memcpy(&v, h.s->fpu.xmm[i] + 8 * e, 8);
	return v;
}

static int fault_of(const uint8_t *code, size_t len)
{
	enum engine_exit_reason r;

	h_load(&h, H_CODE, code, len);
	h.s->activity = ACTIVITY_ACTIVE;
	r = h_run(&h, 2);
	return h_fault_vector(&h, r);
}

START_TEST(arith_rounding_flags)
{
	static const uint8_t code[] = {
		0x0f, 0x58, 0xc1, /* addps xmm0, xmm1 */
		0xf3, 0x0f, 0x5e, 0xd3, /* divss xmm2, xmm3 */
		0x0f, 0xae, 0x15, 0x00, 0x10, 0x00, 0x00, /* ldmxcsr [rip+0x1000] */
		0xf3, 0x0f, 0x5e, 0xe3, /* divss xmm4, xmm3 */
		0xf2, 0x0f, 0x51, 0xee, /* sqrtsd xmm5, xmm6 */
	};

	xset4(0, F_ONE, F_TWO, 0xc0400000u, F_INF);
	xset4(1, F_ONE, F_ONE, F_THREE, 0xff7fffffu);
	xset4(2, F_ONE, 7, 8, 9);
	xset4(3, F_THREE, 0, 0, 0);
	xset4(4, F_ONE, 7, 8, 9);
	xsetd(6, 0x4000000000000000ull, 0);       /* 2.0 */
	h_write64(&h, H_CODE + 3 + 4 + 7 + 0x1000, 0x7f80);   /* RZ */
	RUN(code, 2);
	ck_assert_uint_eq(xs(0, 0), F_TWO);
	ck_assert_uint_eq(xs(0, 1), F_THREE);
	ck_assert_uint_eq(xs(0, 2), 0);                   /* -3 + 3 = +0 */
	ck_assert_uint_eq(xs(0, 3), F_INF);
	ck_assert_uint_eq(xs(2, 0), 0x3eaaaaabu);         /* 1/3, nearest */
	ck_assert_uint_eq(xs(2, 1), 7);                   /* scalar: kept */
	ck_assert_uint_eq(MXF, 0x20);                     /* PE */
	h_run(&h, 3);
	ck_assert_uint_eq(h.s->fpu.mxcsr, 0x7fa0);        /* PE sticky */
	ck_assert_uint_eq(xs(4, 0), 0x3eaaaaaau);         /* toward zero */
	ck_assert_uint_eq(xd(5, 0), 0x3ff6a09e667f3bccull); /* RZ sqrt(2) */
}
END_TEST

/* SDM Vol. 1 Table 4-7: an SNaN operand is quieted and returned (the
 * first source's NaN when both are NaNs); invalid operations without a
 * NaN operand return the QNaN floating-point indefinite; MAX/MIN return
 * the second operand when either is a NaN or both are zeros. */
START_TEST(nan_rules)
{
	static const uint8_t code[] = {
		0x0f, 0x58, 0xc1, /* addps xmm0, xmm1 */
		0x0f, 0x5f, 0xd3, /* maxps xmm2, xmm3 */
		0xf2, 0x0f, 0x59, 0xe5, /* mulsd xmm4, xmm5 */
	};

	xset4(0, 0x7f800005u, 0x7fc00007u, F_INF, F_ONE);
	xset4(1, F_ONE, 0xffc00003u, 0xff800000u, 0x7f800009u);
	xset4(2, 0x7fc00001u, F_ONE, 0, 0x80000000u);
	xset4(3, F_TWO, 0x7fc00002u, 0x80000000u, 0);
	xsetd(4, 0, 0);
	xsetd(5, 0x7ff0000000000000ull, 0);
	RUN(code, 3);
	ck_assert_uint_eq(xs(0, 0), 0x7fc00005u);   /* SNaN quieted */
	ck_assert_uint_eq(xs(0, 1), 0x7fc00007u);   /* first QNaN */
	ck_assert_uint_eq(xs(0, 2), F_QNAN_INDEF);  /* inf - inf */
	ck_assert_uint_eq(xs(0, 3), 0x7fc00009u);   /* second SNaN, quieted */
	ck_assert_uint_eq(xs(2, 0), F_TWO);
	ck_assert_uint_eq(xs(2, 1), 0x7fc00002u);
	ck_assert_uint_eq(xs(2, 2), 0x80000000u);
	ck_assert_uint_eq(xs(2, 3), 0);
	ck_assert_uint_eq(xd(4, 0), 0xfff8000000000000ull);  /* 0 * inf */
	ck_assert_uint_eq(MXF, 0x01);
}
END_TEST

START_TEST(daz_ftz)
{
	static const uint8_t code[] = {
		0xf3, 0x0f, 0x59, 0xc1, /* mulss xmm0, xmm1 */
		0xf3, 0x0f, 0x59, 0xd3, /* mulss xmm2, xmm3 */
	};

	xset4(0, 0x00000010u, 0, 0, 0);             /* denormal */
	xset4(1, F_TWO, 0, 0, 0);
	xset4(2, F_MIN_NORMAL, 0, 0, 0);
	xset4(3, 0x3f000000u, 0, 0, 0);             /* 0.5: exact tiny */
	h.s->fpu.mxcsr = 0x1f80;
	RUN(code, 2);
	ck_assert_uint_eq(xs(0, 0), 0x20);          /* denormal operand: DE */
	ck_assert_uint_eq(xs(2, 0), 0x00400000u);   /* exact tiny: no UE */
	ck_assert_uint_eq(MXF, 0x02);
	xset4(0, 0x00000010u, 0, 0, 0);
	xset4(2, F_MIN_NORMAL, 0, 0, 0);
	h.s->fpu.mxcsr = 0x1f80 | 0x8040;           /* DAZ and FTZ */
	h.s->rip = H_CODE;
	h_run(&h, 2);
	ck_assert_uint_eq(xs(0, 0), 0);             /* denormal read as 0 */
	ck_assert_uint_eq(xs(2, 0), 0);             /* tiny flushed */
	ck_assert_uint_eq(MXF, 0x30);               /* UE PE, no DE */
}
END_TEST

START_TEST(conversions)
{
	static const uint8_t code[] = {
		0xf3, 0x0f, 0x2c, 0xc0, /* cvttss2si eax, xmm0 */
		0xf2, 0x48, 0x0f, 0x2d, 0xc9, /* cvtsd2si rcx, xmm1 */
		0xf2, 0x48, 0x0f, 0x2a, 0xd2, /* cvtsi2sd xmm2, rdx */
		0x0f, 0x5a, 0xd8, /* cvtps2pd xmm3, xmm0 */
		0x66, 0x0f, 0x5a, 0xe1, /* cvtpd2ps xmm4, xmm1 */
		0x0f, 0x5b, 0xee, /* cvtdq2ps xmm5, xmm6 */
		0xf3, 0x0f, 0x5b, 0xf8, /* cvttps2dq xmm7, xmm0 */
		0x44, 0x0f, 0x2a, 0xc0, /* cvtpi2ps xmm8, mm0 */
		0x0f, 0x2d, 0xc8, /* cvtps2pi mm1, xmm0 */
	};

	xset4(0, 0x7fc00000u, 0x3fc00000u, 0x4f000000u, F_ONE);  /* NaN, 1.5, 2^31, 1 */
	xsetd(1, 0x4004000000000000ull, 0x3ff8000000000000ull);   /* 2.5, 1.5 */
	G(RDX) = (uint64_t)-3;
	xset4(6, 0x01000001u, 0xffffffffu, 0, 0);
	xset4(8, 1, 2, 0x11111111u, 0x22222222u);
	{
		uint64_t m0 = 0xfffffffe00000003ull;       /* -2, 3 */

		memcpy(h.s->fpu.st[0], &m0, 8);
	}
	RUN(code, 9);
	ck_assert_uint_eq(G(RAX), 0x80000000u);     /* integer indefinite */
	ck_assert_uint_eq(G(RCX), 2);               /* 2.5 rounds to even */
	ck_assert_uint_eq(xd(2, 0), 0xc008000000000000ull);
	ck_assert_uint_eq(xd(3, 0), 0x7ff8000000000000ull);   /* NaN widened */
	ck_assert_uint_eq(xd(3, 1), 0x3ff8000000000000ull);
	ck_assert_uint_eq(xs(4, 0), 0x40200000u);
	ck_assert_uint_eq(xs(4, 1), 0x3fc00000u);
	ck_assert_uint_eq(xd(4, 1), 0);
	ck_assert_uint_eq(xs(5, 0), 0x4b800000u);   /* 2^24 + 1 -> 2^24 */
	ck_assert_uint_eq(xs(5, 1), 0xbf800000u);
	ck_assert_uint_eq(xs(7, 0), 0x80000000u);
	ck_assert_uint_eq(xs(7, 1), 1);
	ck_assert_uint_eq(xs(7, 2), 0x80000000u);   /* 2^31 out of range */
	ck_assert_uint_eq(xs(8, 0), 0x40400000u);
	ck_assert_uint_eq(xs(8, 1), 0xc0000000u);
	ck_assert_uint_eq(xs(8, 2), 0x11111111u);   /* upper half kept */
	{
		uint64_t m1;

		memcpy(&m1, h.s->fpu.st[1], 8);
		ck_assert_uint_eq(m1, 0x0000000280000000ull);  /* NaN, 1.5 -> 2 */
	}
	ck_assert_uint_eq(MXF, 0x21);               /* IE PE */
}
END_TEST

START_TEST(compares)
{
	static const uint8_t code[] = {
		0x0f, 0x2f, 0xc1, /* comiss xmm0, xmm1 */
		0x9c, /* pushfq */
		0x0f, 0x2e, 0xc2, /* ucomiss xmm0, xmm2 */
		0x9c, /* pushfq */
		0x0f, 0xc2, 0xdc, 0x01, /* cmpltps xmm3, xmm4 */
		0x0f, 0xc2, 0xec, 0x03, /* cmpunordps xmm5, xmm4 */
		0xf2, 0x0f, 0xc2, 0xf7, 0x04, /* cmpneqsd xmm6, xmm7 */
	};

	xset4(0, F_ONE, 0, 0, 0);
	xset4(1, 0x7fc00000u, 0, 0, 0);
	xset4(2, F_TWO, 0, 0, 0);
	xset4(3, F_ONE, F_TWO, 0x7fc00000u, F_ONE);
	xset4(4, F_TWO, F_ONE, F_ONE, 0x7fc00000u);
	xset4(5, F_ONE, F_TWO, 0x7fc00000u, F_ONE);
	xsetd(6, D_ONE, 5);
	xsetd(7, 0x7ff8000000000000ull, 0);
	h.s->rflags |= RFLAGS_OF | RFLAGS_SF | RFLAGS_AF;
	RUN(code, 2);
	ck_assert_uint_eq(h_read64(&h, H_STACK - 8) & 0x8d5, 0x45);   /* unordered */
	ck_assert_uint_eq(MXF, 0x01);               /* COMISS: QNaN is invalid */
	h.s->fpu.mxcsr = 0x1f80;
	h_run(&h, 2);
	ck_assert_uint_eq(h_read64(&h, H_STACK - 16) & 0x8d5, 0x01);  /* less */
	ck_assert_uint_eq(MXF, 0);
	h_run(&h, 3);
	ck_assert_uint_eq(xs(3, 0), ~0u);
	ck_assert_uint_eq(xs(3, 1), 0);
	ck_assert_uint_eq(xs(3, 2), 0);
	ck_assert_uint_eq(xs(3, 3), 0);
	ck_assert_uint_eq(xs(5, 0), 0);
	ck_assert_uint_eq(xs(5, 2), ~0u);
	ck_assert_uint_eq(xs(5, 3), ~0u);
	ck_assert_uint_eq(xd(6, 0), ~0ull);         /* NEQ: unordered is true */
	ck_assert_uint_eq(xd(6, 1), 5);
	ck_assert_uint_eq(MXF, 0x01);               /* LT signals on QNaN */
}
END_TEST

START_TEST(sse41_round_dp)
{
	static const uint8_t code[] = {
		0x66, 0x0f, 0x3a, 0x0b, 0xc1, 0x01, /* roundsd xmm0, xmm1, 1 */
		0x66, 0x0f, 0x3a, 0x0b, 0xd1, 0x0a, /* roundsd xmm2, xmm1, 0xa */
		0x66, 0x0f, 0x3a, 0x0b, 0xd9, 0x0b, /* roundsd xmm3, xmm1, 0xb */
		0x66, 0x0f, 0x3a, 0x0b, 0xe1, 0x0c, /* roundsd xmm4, xmm1, 0xc */
		0x66, 0x0f, 0x3a, 0x40, 0xee, 0xf3, /* dpps xmm5, xmm6, 0xf3 */
		0x66, 0x41, 0x0f, 0x3a, 0x41, 0xf8, 0x31, /* dppd xmm7, xmm8, 0x31 */
	};

	xsetd(1, 0xc004000000000000ull, 0);         /* -2.5 */
	xset4(5, F_ONE, F_TWO, F_THREE, F_ONE);
	xset4(6, F_TWO, F_TWO, F_ONE, 0x40800000u);   /* 2+4+3+4 = 13 */
	xsetd(7, D_ONE, 0x4000000000000000ull);
	xsetd(8, 0x4008000000000000ull, 0x4010000000000000ull);   /* 3 + 8 */
	RUN(code, 6);
	ck_assert_uint_eq(xd(0, 0), 0xc008000000000000ull);   /* floor: -3 */
	ck_assert_uint_eq(xd(2, 0), 0xc000000000000000ull);   /* ceil: -2 */
	ck_assert_uint_eq(xd(3, 0), 0xc000000000000000ull);   /* trunc: -2 */
	ck_assert_uint_eq(xd(4, 0), 0xc000000000000000ull);   /* MXCSR: even */
	ck_assert_uint_eq(xs(5, 0), 0x41500000u);
	ck_assert_uint_eq(xs(5, 1), 0x41500000u);
	ck_assert_uint_eq(xs(5, 2), 0);
	ck_assert_uint_eq(xd(7, 0), 0x4026000000000000ull);   /* 11 */
	ck_assert_uint_eq(xd(7, 1), 0);
	ck_assert_uint_eq(MXF, 0x20);   /* PE from imm 1 only (bit 3 suppresses) */
}
END_TEST

/* Unmasked exceptions: the destination is kept, #XM with OSXMMEXCPT,
 * #UD without; the flags follow SDM 11.5.3 as Intel hardware sets them. */
START_TEST(unmasked_exceptions)
{
	static const uint8_t divss[] = {
		0xf3, 0x0f, 0x5e, 0xc1, /* divss xmm0, xmm1 */
	};
	static const uint8_t mulss[] = {
		0xf3, 0x0f, 0x59, 0xd3, /* mulss xmm2, xmm3 */
	};
	static const uint8_t addps[] = {
		0x0f, 0x58, 0xe5, /* addps xmm4, xmm5 */
	};

	xset4(0, F_ONE, 0, 0, 0);
	xset4(1, 0, 0, 0, 0);
	h.s->fpu.mxcsr = 0x1f80 & ~0x200;           /* ZM clear */
	ck_assert_int_eq(fault_of(divss, sizeof(divss)), X86_XM);
	ck_assert_uint_eq(xs(0, 0), F_ONE);
	ck_assert_uint_eq(MXF, 0x04);
	h.s->cr4 &= ~CR4_OSXMMEXCPT;
	ck_assert_int_eq(fault_of(divss, sizeof(divss)), X86_UD);
	h.s->cr4 |= CR4_OSXMMEXCPT;

	/* Underflow unmasked: an exact tiny result faults too, UE alone. */
	xset4(2, F_MIN_NORMAL, 0, 0, 0);
	xset4(3, 0x3f000000u, 0, 0, 0);
	h.s->fpu.mxcsr = 0x1f80 & ~0x800;
	ck_assert_int_eq(fault_of(mulss, sizeof(mulss)), X86_XM);
	ck_assert_uint_eq(MXF, 0x10);
	ck_assert_uint_eq(xs(2, 0), F_MIN_NORMAL);
	/* Masked: the exact tiny result is delivered, no flag. */
	h.s->fpu.mxcsr = 0x1f80;
	h_load(&h, H_CODE, mulss, sizeof(mulss));
	h.s->activity = ACTIVITY_ACTIVE;
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(xs(2, 0), 0x00400000u);
	/* Overflow unmasked: OE without PE. */
	xset4(4, 0x7f000000u, 0, 0, 0);
	xset4(5, 0x7f000000u, 0, 0, 0);
	h.s->fpu.mxcsr = 0x1f80 & ~0x400;
	ck_assert_int_eq(fault_of(addps, sizeof(addps)), X86_XM);
	ck_assert_uint_eq(MXF, 0x08);
	/* Precision unmasked with a masked denormal operand: every flag. */
	xset4(4, 0x00000001u, 0, 0, 0);
	xset4(5, F_THREE, 0x00000001u, 0, 0);
	h.s->fpu.mxcsr = 0x1f80 & ~0x1000;
	ck_assert_int_eq(fault_of(addps, sizeof(addps)), X86_XM);
	ck_assert_uint_eq(MXF, 0x22);
	/* Denormal unmasked: a pre-computation fault, PE not reported. */
	h.s->fpu.mxcsr = 0x1f80 & ~0x1100;
	ck_assert_int_eq(fault_of(addps, sizeof(addps)), X86_XM);
	ck_assert_uint_eq(MXF, 0x02);
	ck_assert_uint_eq(xs(4, 0), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("interp_sse_fp");
	TCase *tc = tcase_create("sse_fp");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, arith_rounding_flags);
	tcase_add_test(tc, nan_rules);
	tcase_add_test(tc, daz_ftz);
	tcase_add_test(tc, conversions);
	tcase_add_test(tc, compares);
	tcase_add_test(tc, sse41_round_dp);
	tcase_add_test(tc, unmasked_exceptions);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
