// SPDX-License-Identifier: MIT
/* Interpreter: BT/BTS/BTR/BTC, BSF/BSR, BSWAP, and what CPUID omits. */
#include <check.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define F(x) RFLAGS_##x
#define G(r) (h.s->gpr[GPR_##r])
#define CF (h.s->rflags & F(CF))
#define RUN(code, n) h_exec(&h, code, sizeof(code), n)

START_TEST(bit_test_register)
{
	static const uint8_t code[] = {
		0xb8, 0x10, 0x00, 0x00, 0x00,   /* mov eax,0x10 */
		0x0f, 0xba, 0xe0, 0x04,         /* bt eax,0x4 */
		0x0f, 0xba, 0xe8, 0x24,         /* bts eax,36 (= bit 4) */
		0x0f, 0xba, 0xf0, 0x04,         /* btr eax,0x4 */
		0x0f, 0xba, 0xf8, 0x00,         /* btc eax,0x0 */
	};

	RUN(code, 2);
	ck_assert_uint_eq(CF, F(CF));
	h_run(&h, 1);
	ck_assert_uint_eq(G(RAX), 0x10);
	ck_assert_uint_eq(CF, F(CF));
	h_run(&h, 1);
	ck_assert_uint_eq(G(RAX), 0);
	ck_assert_uint_eq(CF, F(CF));
	h_run(&h, 1);
	ck_assert_uint_eq(G(RAX), 1);
	ck_assert_uint_eq(CF, 0);
}
END_TEST

/* Register bit offsets address memory beyond (and before) the operand. */
START_TEST(bit_test_memory)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc3, 0x10, 0x00, 0x20, 0x00, /* mov rbx,0x200010 */
		0x48, 0xc7, 0xc1, 0x64, 0x00, 0x00, 0x00, /* mov rcx,100 */
		0x48, 0x0f, 0xab, 0x0b,         /* bts QWORD PTR [rbx],rcx */
		0x48, 0xc7, 0xc1, 0xff, 0xff, 0xff, 0xff, /* mov rcx,-1 */
		0x0f, 0xb3, 0x0b,               /* btr DWORD PTR [rbx],ecx */
		0x66, 0x0f, 0xba, 0x3b, 0x11,   /* btc WORD PTR [rbx],17 (= bit 1) */
	};

	h_write64(&h, H_DATA + 8, 0xffffffff00000000ull);
	RUN(code, 3);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0x18), 1ull << 36);
	ck_assert_uint_eq(CF, 0);
	h_run(&h, 2);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 8), 0x7fffffff00000000ull);
	ck_assert_uint_eq(CF, F(CF));
	h_run(&h, 1);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0x10), 2);
	ck_assert_uint_eq(CF, 0);
}
END_TEST

START_TEST(bit_scan)
{
	static const uint8_t code[] = {
		0xb8, 0xf0, 0x00, 0x00, 0x00,   /* mov eax,0xf0 */
		0x0f, 0xbc, 0xc8,               /* bsf ecx,eax */
		0x0f, 0xbd, 0xd0,               /* bsr edx,eax */
		0x48, 0xc7, 0xc6, 0x34, 0x12, 0x00, 0x00, /* mov rsi,0x1234 */
		0x31, 0xff,                     /* xor edi,edi */
		0x48, 0x0f, 0xbc, 0xf7,         /* bsf rsi,rdi */
	};

	h.s->rflags |= F(ZF);
	RUN(code, 3);
	ck_assert_uint_eq(G(RCX), 4);
	ck_assert_uint_eq(G(RDX), 7);
	ck_assert_uint_eq(h.s->rflags & F(ZF), 0);
	h_run(&h, 3);
	ck_assert_uint_eq(G(RSI), 0x1234);   /* source 0: destination kept */
	ck_assert_uint_eq(h.s->rflags & F(ZF), F(ZF));
}
END_TEST

START_TEST(byte_swap)
{
	static const uint8_t code[] = {
		0xb8, 0x44, 0x33, 0x22, 0x11,   /* mov eax,0x11223344 */
		0x0f, 0xc8,                     /* bswap eax */
		0x48, 0xbb, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
						/* movabs rbx,0x102030405060708 */
		0x48, 0x0f, 0xcb,               /* bswap rbx */
	};

	RUN(code, 4);
	ck_assert_uint_eq(G(RAX), 0x44332211);
	ck_assert_uint_eq(G(RBX), 0x0807060504030201ull);
}
END_TEST

/* The CPU model advertises neither POPCNT nor BMI1: POPCNT is #UD and
 * F3 0F BC runs as BSF (a zero source keeps the destination, CF kept). */
START_TEST(features_not_advertised)
{
	static const uint8_t popcnt[] = { 0xf3, 0x0f, 0xb8, 0xc3 };
	static const uint8_t tzcnt[] = { 0xf3, 0x0f, 0xbc, 0xc3 };
	enum engine_exit_reason r;
	uint32_t id[4];

	cpu_model_cpuid(&h.cfg.model, 1, 0, id);
	if (id[2] & (1u << 23)) {
		/* The model grew POPCNT: then it must work. */
		G(RBX) = 0xf0f0;
		RUN(popcnt, 1);
		ck_assert_uint_eq(G(RAX), 8);
		return;
	}
	G(RBX) = 0;
	G(RAX) = 0x77;
	RUN(tzcnt, 1);
	ck_assert_uint_eq(G(RAX), 0x77);
	ck_assert_uint_eq(h.s->rflags & (F(ZF) | F(CF)), F(ZF));
	h_load(&h, H_CODE, popcnt, sizeof(popcnt));
	r = h_run(&h, 1);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_UD);
	ck_assert_uint_eq(h_fault_rip(&h, r, false), H_CODE);
}
END_TEST

static Suite *bit_suite(void)
{
	Suite *s = suite_create("interp_bit");
	TCase *tc = tcase_create("bit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bit_test_register);
	tcase_add_test(tc, bit_test_memory);
	tcase_add_test(tc, bit_scan);
	tcase_add_test(tc, byte_swap);
	tcase_add_test(tc, features_not_advertised);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(bit_suite());
}
