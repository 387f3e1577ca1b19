// SPDX-License-Identifier: MIT
/* Interpreter: MUL, IMUL (1/2/3 operands), DIV, IDIV and #DE. */
#include <check.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define F(x) RFLAGS_##x
#define G(r) (h.s->gpr[GPR_##r])
#define CFOF (h.s->rflags & (F(CF) | F(OF)))
#define RUN(code, n) h_exec(&h, code, sizeof(code), n)

START_TEST(mul_forms)
{
	static const uint8_t mul8[] = {
		0xb0, 0x80,                     /* mov al,0x80 */
		0xb3, 0x02,                     /* mov bl,0x2 */
		0xf6, 0xe3,                     /* mul bl */
	};
	static const uint8_t mul64[] = {
		0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff, /* mov rax,-1 */
		0x48, 0xc7, 0xc3, 0xff, 0xff, 0xff, 0xff, /* mov rbx,-1 */
		0x48, 0xf7, 0xe3,               /* mul rbx */
	};

	G(RAX) = 0x1234567800000000ull;
	RUN(mul8, 3);
	ck_assert_uint_eq(G(RAX), 0x1234567800000100ull);
	ck_assert_uint_eq(CFOF, F(CF) | F(OF));
	RUN(mul64, 3);
	ck_assert_uint_eq(G(RAX), 1);
	ck_assert_uint_eq(G(RDX), 0xfffffffffffffffeull);
	ck_assert_uint_eq(CFOF, F(CF) | F(OF));
}
END_TEST

START_TEST(imul_forms)
{
	static const uint8_t imul1[] = {
		0xb8, 0xfe, 0xff, 0xff, 0xff,   /* mov eax,0xfffffffe */
		0xb9, 0x03, 0x00, 0x00, 0x00,   /* mov ecx,0x3 */
		0xf7, 0xe9,                     /* imul ecx */
	};
	static const uint8_t imul23[] = {
		0x48, 0x6b, 0xd1, 0xf9,         /* imul rdx,rcx,-7 */
		0x0f, 0xaf, 0x34, 0x25, 0x00, 0x00, 0x20, 0x00,
						/* imul esi,DWORD PTR ds:0x200000 */
		0x66, 0x69, 0xc3, 0x00, 0x40,   /* imul ax,bx,0x4000 */
	};

	h.s->rflags |= F(CF) | F(OF);
	G(RDX) = 0x5555555555555555ull;
	RUN(imul1, 3);
	ck_assert_uint_eq(G(RAX), 0xfffffffa);
	ck_assert_uint_eq(G(RDX), 0xffffffff);
	ck_assert_uint_eq(CFOF, 0);

	G(RCX) = 0x1000000000000000ull;
	G(RSI) = 0xffffffff00010000ull;
	G(RBX) = 2;
	G(RAX) = 0xffff0000ffff1234ull;
	h_write64(&h, H_DATA, 0x10000);
	RUN(imul23, 1);
	ck_assert_uint_eq(G(RDX), 0x9000000000000000ull);
	ck_assert_uint_eq(CFOF, 0);
	h_run(&h, 1);
	ck_assert_uint_eq(G(RSI), 0);
	ck_assert_uint_eq(CFOF, F(CF) | F(OF));
	h.s->rflags &= ~(F(CF) | F(OF));
	h_run(&h, 1);
	ck_assert_uint_eq(G(RAX), 0xffff0000ffff8000ull);
	ck_assert_uint_eq(CFOF, F(CF) | F(OF));
}
END_TEST

START_TEST(div_forms)
{
	static const uint8_t div64[] = {
		0x48, 0xc7, 0xc2, 0x01, 0x00, 0x00, 0x00, /* mov rdx,0x1 */
		0x48, 0xc7, 0xc0, 0x05, 0x00, 0x00, 0x00, /* mov rax,0x5 */
		0x48, 0xc7, 0xc1, 0x02, 0x00, 0x00, 0x00, /* mov rcx,0x2 */
		0x48, 0xf7, 0xf1,               /* div rcx */
	};
	static const uint8_t div8[] = {
		0x66, 0xb8, 0xbc, 0x02,         /* mov ax,700 */
		0xb3, 0x03,                     /* mov bl,0x3 */
		0xf6, 0xf3,                     /* div bl */
	};
	static const uint8_t idiv32[] = {
		0xba, 0xff, 0xff, 0xff, 0xff,   /* mov edx,0xffffffff */
		0xb8, 0xf9, 0xff, 0xff, 0xff,   /* mov eax,-7 */
		0xb9, 0x02, 0x00, 0x00, 0x00,   /* mov ecx,0x2 */
		0xf7, 0xf9,                     /* idiv ecx */
	};

	RUN(div64, 4);
	ck_assert_uint_eq(G(RAX), 0x8000000000000002ull);
	ck_assert_uint_eq(G(RDX), 1);
	G(RAX) = 0xaaaa0000;
	RUN(div8, 3);
	ck_assert_uint_eq(G(RAX), 0xaaaa01e9);   /* AH = 1, AL = 233 */
	G(RDX) = G(RAX) = ~0ull;
	RUN(idiv32, 4);
	ck_assert_uint_eq(G(RAX), 0xfffffffd);   /* -3, truncated */
	ck_assert_uint_eq(G(RDX), 0xffffffff);   /* -1 */
}
END_TEST

/* Run code whose last instruction must raise #DE; nothing it would have
 * written may change. */
static void expect_de(const uint8_t *code, size_t len, unsigned n,
		      uint64_t fault_off)
{
	uint64_t rax, rdx;
	enum engine_exit_reason r;

	h_load(&h, H_CODE, code, len);
	h_run(&h, n - 1);
	rax = G(RAX);
	rdx = G(RDX);
	r = h_run(&h, 1);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_DE);
	ck_assert_uint_eq(h_fault_rip(&h, r, false), H_CODE + fault_off);
	ck_assert_uint_eq(G(RAX), rax);
	ck_assert_uint_eq(G(RDX), rdx);
	ck_assert_uint_eq(h_program_insns(&h, r), n - 1);
}

START_TEST(divide_by_zero)
{
	static const uint8_t code[] = {
		0x31, 0xc9,                     /* xor ecx,ecx */
		0xf7, 0xf1,                     /* div ecx */
	};

	G(RAX) = 0x1111;
	G(RDX) = 0x2222;
	expect_de(code, sizeof(code), 2, 2);
}
END_TEST

START_TEST(divide_overflow)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc2, 0x05, 0x00, 0x00, 0x00, /* mov rdx,0x5 */
		0x48, 0xc7, 0xc0, 0x00, 0x00, 0x00, 0x00, /* mov rax,0x0 */
		0x48, 0xc7, 0xc1, 0x05, 0x00, 0x00, 0x00, /* mov rcx,0x5 */
		0x48, 0xf7, 0xf1,               /* div rcx */
	};

	expect_de(code, sizeof(code), 4, 21);
}
END_TEST

/* INT64_MIN / -1 and INT16_MIN / -1 do not fit: #DE. */
START_TEST(idiv_overflow)
{
	static const uint8_t min64[] = {
		0x48, 0xba, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,
						/* movabs rdx,0x8000000000000000 */
		0x48, 0xc1, 0xfa, 0x3f,         /* sar rdx,0x3f */
		0x48, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,
						/* movabs rax,0x8000000000000000 */
		0x48, 0xc7, 0xc1, 0xff, 0xff, 0xff, 0xff, /* mov rcx,-1 */
		0x48, 0xf7, 0xf9,               /* idiv rcx */
	};

	expect_de(min64, sizeof(min64), 5, 31);
	ck_assert_uint_eq(G(RDX), ~0ull);
}
END_TEST

START_TEST(idiv16_overflow)
{
	static const uint8_t min16[] = {
		0x66, 0xb8, 0x00, 0x80,         /* mov ax,0x8000 */
		0x66, 0x99,                     /* cwd */
		0x66, 0xbb, 0xff, 0xff,         /* mov bx,0xffff */
		0x66, 0xf7, 0xfb,               /* idiv bx */
	};

	expect_de(min16, sizeof(min16), 4, 10);
	ck_assert_uint_eq(G(RDX) & 0xffff, 0xffff);
}
END_TEST

static Suite *muldiv_suite(void)
{
	Suite *s = suite_create("interp_muldiv");
	TCase *tc = tcase_create("muldiv");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mul_forms);
	tcase_add_test(tc, imul_forms);
	tcase_add_test(tc, div_forms);
	tcase_add_test(tc, divide_by_zero);
	tcase_add_test(tc, divide_overflow);
	tcase_add_test(tc, idiv_overflow);
	tcase_add_test(tc, idiv16_overflow);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(muldiv_suite());
}
