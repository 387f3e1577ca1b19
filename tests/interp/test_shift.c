// SPDX-License-Identifier: MIT
/* Interpreter: SHL SHR SAR ROL ROR RCL RCR SHLD SHRD, counts and flags. */
#include <check.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define F(x) RFLAGS_##x
#define RAX (h.s->gpr[GPR_RAX])
#define FL(m) (h.s->rflags & (m))
#define RUN(code, n) h_exec(&h, code, sizeof(code), n)

START_TEST(shl_by_one)
{
	static const uint8_t code[] = {
		0xb8, 0x81, 0x00, 0x00, 0x00,   /* mov eax,0x81 */
		0xd0, 0xe0,                     /* shl al,1 */
	};

	RUN(code, 2);
	ck_assert_uint_eq(RAX, 0x02);
	ck_assert_uint_eq(FL(F(CF) | F(OF) | F(SF) | F(ZF) | F(PF)), F(CF) | F(OF));
}
END_TEST

START_TEST(shr_by_one)
{
	static const uint8_t code[] = {
		0xb8, 0x01, 0x00, 0x00, 0x80,   /* mov eax,0x80000001 */
		0xd1, 0xe8,                     /* shr eax,1 */
	};

	RUN(code, 2);
	ck_assert_uint_eq(RAX, 0x40000000);
	ck_assert_uint_eq(FL(F(CF) | F(OF) | F(SF) | F(ZF) | F(PF)),
			  F(CF) | F(OF) | F(PF));
}
END_TEST

START_TEST(sar_negative)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc0, 0xf8, 0xff, 0xff, 0xff, /* mov rax,-8 */
		0x48, 0xc1, 0xf8, 0x02,         /* sar rax,0x2 */
	};

	RUN(code, 2);
	ck_assert_uint_eq(RAX, (uint64_t)-2);
	ck_assert_uint_eq(FL(F(CF) | F(SF) | F(ZF) | F(PF)), F(SF));
}
END_TEST

/* A 32-bit shift masks its count to 5 bits: 33 shifts by 1. */
START_TEST(shl_count_masked)
{
	static const uint8_t code[] = {
		0xb1, 0x21,                     /* mov cl,0x21 */
		0xb8, 0x03, 0x00, 0x00, 0x00,   /* mov eax,0x3 */
		0xd3, 0xe0,                     /* shl eax,cl */
	};

	RUN(code, 3);
	ck_assert_uint_eq(RAX, 6);
	ck_assert_uint_eq(FL(F(CF) | F(SF) | F(ZF) | F(PF)), F(PF));
}
END_TEST

/* A masked count of 0 leaves the flags but zero-extends the register. */
START_TEST(shift_count_zero)
{
	static const uint8_t code[] = {
		0x49, 0xb8, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
						/* movabs r8,0xffffffff00000005 */
		0x41, 0xc1, 0xe0, 0x20,         /* shl r8d,0x20 */
	};

	h.s->rflags |= F(CF) | F(OF) | F(ZF);
	RUN(code, 2);
	ck_assert_uint_eq(h.s->gpr[GPR_R8], 5);
	ck_assert_uint_eq(FL(ARITH_FLAGS), F(CF) | F(OF) | F(ZF));
}
END_TEST

START_TEST(shl_memory)
{
	static const uint8_t code[] = {
		0xc7, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x40,
						/* mov DWORD PTR ds:0x200000,0x40000000 */
		0xd1, 0x24, 0x25, 0x00, 0x00, 0x20, 0x00, /* shl DWORD PTR ds:0x200000,1 */
	};

	RUN(code, 2);
	ck_assert_uint_eq(h_read64(&h, H_DATA), 0x80000000);
	ck_assert_uint_eq(FL(F(CF) | F(OF) | F(SF) | F(ZF) | F(PF)),
			  F(OF) | F(SF) | F(PF));
}
END_TEST

START_TEST(rotates)
{
	static const uint8_t rol4[] = {
		0xb8, 0x01, 0x00, 0x00, 0x80,   /* mov eax,0x80000001 */
		0xc1, 0xc0, 0x04,               /* rol eax,0x4 */
	};
	static const uint8_t ror1[] = {
		0x66, 0xb8, 0x01, 0x00,         /* mov ax,0x1 */
		0x66, 0xd1, 0xc8,               /* ror ax,1 */
	};

	h.s->rflags |= F(CF) | F(ZF);
	RUN(rol4, 2);
	ck_assert_uint_eq(RAX, 0x18);
	ck_assert_uint_eq(FL(F(CF) | F(ZF)), F(ZF));   /* ZF untouched */
	h.s->rflags = RFLAGS_FIXED1;
	RAX = 0xabcd0000;
	RUN(ror1, 2);
	ck_assert_uint_eq(RAX, 0xabcd8000);
	ck_assert_uint_eq(FL(ARITH_FLAGS), F(CF) | F(OF));
}
END_TEST

START_TEST(rotate_through_carry)
{
	static const uint8_t rcl1[] = {
		0xf9,                           /* stc */
		0xb0, 0x80,                     /* mov al,0x80 */
		0xd0, 0xd0,                     /* rcl al,1 */
	};
	/* 8-bit RCR counts are taken mod 9: 9 is a no-op. */
	static const uint8_t rcr9[] = {
		0xf9,                           /* stc */
		0xb0, 0x01,                     /* mov al,0x1 */
		0xc0, 0xd8, 0x09,               /* rcr al,0x9 */
	};
	static const uint8_t rcr2[] = {
		0xf9,                           /* stc */
		0xb0, 0x01,                     /* mov al,0x1 */
		0xc0, 0xd8, 0x02,               /* rcr al,0x2 */
	};

	RUN(rcl1, 3);
	ck_assert_uint_eq(RAX, 0x01);
	ck_assert_uint_eq(FL(F(CF) | F(OF)), F(CF) | F(OF));
	RUN(rcr9, 3);
	ck_assert_uint_eq(RAX, 0x01);
	ck_assert_uint_eq(FL(F(CF)), F(CF));
	/* CF:AL = 1:0000 0001 -> 1:1000 0000 -> 0:1100 0000 */
	RUN(rcr2, 3);
	ck_assert_uint_eq(RAX, 0xc0);
	ck_assert_uint_eq(FL(F(CF)), 0);
}
END_TEST

START_TEST(double_shifts)
{
	static const uint8_t shld8[] = {
		0xb8, 0x78, 0x56, 0x34, 0x12,   /* mov eax,0x12345678 */
		0xbb, 0xf0, 0xde, 0xbc, 0x9a,   /* mov ebx,0x9abcdef0 */
		0x0f, 0xa4, 0xd8, 0x08,         /* shld eax,ebx,0x8 */
	};
	static const uint8_t shrdcl[] = {
		0x48, 0xc7, 0xc0, 0x01, 0x00, 0x00, 0x00, /* mov rax,0x1 */
		0x48, 0xc7, 0xc3, 0x03, 0x00, 0x00, 0x00, /* mov rbx,0x3 */
		0xb1, 0x41,                     /* mov cl,0x41 */
		0x48, 0x0f, 0xad, 0xd8,         /* shrd rax,rbx,cl */
	};

	RUN(shld8, 3);
	ck_assert_uint_eq(RAX, 0x3456789a);
	ck_assert_uint_eq(FL(F(CF) | F(SF) | F(ZF) | F(PF)), F(PF));
	RUN(shrdcl, 4);
	ck_assert_uint_eq(RAX, 0x8000000000000000ull);
	ck_assert_uint_eq(FL(F(CF) | F(OF) | F(SF) | F(ZF) | F(PF)),
			  F(CF) | F(OF) | F(SF) | F(PF));
}
END_TEST

static Suite *shift_suite(void)
{
	Suite *s = suite_create("interp_shift");
	TCase *tc = tcase_create("shift");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, shl_by_one);
	tcase_add_test(tc, shr_by_one);
	tcase_add_test(tc, sar_negative);
	tcase_add_test(tc, shl_count_masked);
	tcase_add_test(tc, shift_count_zero);
	tcase_add_test(tc, shl_memory);
	tcase_add_test(tc, rotates);
	tcase_add_test(tc, rotate_through_carry);
	tcase_add_test(tc, double_shifts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(shift_suite());
}
