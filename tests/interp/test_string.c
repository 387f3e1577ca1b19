// SPDX-License-Identifier: MIT
/* Interpreter: MOVS/STOS/LODS/SCAS/CMPS with REP prefixes, DF, address
 * size, and long REPs that are resumed in chunks. */
#include <check.h>
#include <string.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define F(x) RFLAGS_##x
#define G(r) (h.s->gpr[GPR_##r])
#define RUN(code, n) h_exec(&h, code, sizeof(code), n)

static void put(uint64_t gpa, const char *s)
{
	ck_assert(gmem_write(&h.mem, gpa, s, strlen(s)));
}

START_TEST(rep_movsb)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc6, 0x00, 0x00, 0x20, 0x00, /* mov rsi,0x200000 */
		0x48, 0xc7, 0xc7, 0x00, 0x10, 0x20, 0x00, /* mov rdi,0x201000 */
		0x48, 0xc7, 0xc1, 0x0a, 0x00, 0x00, 0x00, /* mov rcx,10 */
		0xfc,                           /* cld */
		0xf3, 0xa4,                     /* rep movsb */
	};
	char buf[12] = { 0 };

	put(H_DATA, "0123456789AB");
	RUN(code, 5);
	ck_assert(gmem_read(&h.mem, H_DATA + 0x1000, buf, 11));
	ck_assert_str_eq(buf, "0123456789");
	ck_assert_uint_eq(G(RSI), H_DATA + 10);
	ck_assert_uint_eq(G(RDI), H_DATA + 0x100a);
	ck_assert_uint_eq(G(RCX), 0);
}
END_TEST

START_TEST(rep_stosq_backwards)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc7, 0x00, 0x10, 0x20, 0x00, /* mov rdi,0x201000 */
		0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
						/* movabs rax,0x1122334455667788 */
		0xb9, 0x03, 0x00, 0x00, 0x00,   /* mov ecx,0x3 */
		0xfd,                           /* std */
		0xf3, 0x48, 0xab,               /* rep stosq */
	};

	RUN(code, 5);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0x1000), 0x1122334455667788ull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0xff8), 0x1122334455667788ull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0xff0), 0x1122334455667788ull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0xfe8), 0);
	ck_assert_uint_eq(G(RDI), H_DATA + 0xfe8);
	ck_assert_uint_eq(G(RCX), 0);
}
END_TEST

START_TEST(repne_scasb)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc7, 0x00, 0x00, 0x20, 0x00, /* mov rdi,0x200000 */
		0xb0, 0x42,                     /* mov al,0x42 */
		0x48, 0xc7, 0xc1, 0x64, 0x00, 0x00, 0x00, /* mov rcx,100 */
		0xfc,                           /* cld */
		0xf2, 0xae,                     /* repne scasb */
	};

	put(H_DATA, "abcdeBg");
	RUN(code, 5);
	ck_assert_uint_eq(G(RCX), 94);
	ck_assert_uint_eq(G(RDI), H_DATA + 6);
	ck_assert_uint_eq(h.s->rflags & F(ZF), F(ZF));
}
END_TEST

START_TEST(repe_cmpsb)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc6, 0x00, 0x00, 0x20, 0x00, /* mov rsi,0x200000 */
		0x48, 0xc7, 0xc7, 0x00, 0x10, 0x20, 0x00, /* mov rdi,0x201000 */
		0x48, 0xc7, 0xc1, 0x08, 0x00, 0x00, 0x00, /* mov rcx,8 */
		0xfc,                           /* cld */
		0xf3, 0xa6,                     /* repe cmpsb */
	};

	put(H_DATA, "ABCDEFGH");
	put(H_DATA + 0x1000, "ABCxEFGH");
	RUN(code, 5);
	ck_assert_uint_eq(G(RCX), 4);
	ck_assert_uint_eq(G(RSI), H_DATA + 4);
	ck_assert_uint_eq(G(RDI), H_DATA + 0x1004);
	/* 'D' - 'x' = 0x44 - 0x78: borrow, negative */
	ck_assert_uint_eq(h.s->rflags & (F(ZF) | F(CF) | F(SF)), F(CF) | F(SF));
}
END_TEST

START_TEST(lods_sizes)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc6, 0x00, 0x00, 0x20, 0x00, /* mov rsi,0x200000 */
		0xfc,                           /* cld */
		0x66, 0xad,                     /* lodsw */
		0xad,                           /* lodsd */
	};

	h_write64(&h, H_DATA, 0x8877665544332211ull);
	G(RAX) = ~0ull;
	RUN(code, 3);
	ck_assert_uint_eq(G(RAX), 0xffffffffffff2211ull);
	h_run(&h, 1);
	ck_assert_uint_eq(G(RAX), 0x66554433);
	ck_assert_uint_eq(G(RSI), H_DATA + 6);
}
END_TEST

/* With a 32-bit address size EDI wraps to 0 and RDI is zero-extended. */
START_TEST(stos_addr32_wraps)
{
	static const uint8_t code[] = {
		0x48, 0xbf, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00,
						/* movabs rdi,0x1ffffffff */
		0xb9, 0x02, 0x00, 0x00, 0x00,   /* mov ecx,0x2 */
		0xb0, 0x5a,                     /* mov al,0x5a */
		0xfc,                           /* cld */
		0x67, 0xf3, 0xaa,               /* rep stosb (addr32) */
	};
	uint8_t b = 0;

	RUN(code, 5);
	ck_assert_uint_eq(G(RDI), 1);
	ck_assert_uint_eq(G(RCX), 0);
	ck_assert(gmem_read_u8(&h.mem, 0, &b));
	ck_assert_uint_eq(b, 0x5a);
}
END_TEST

START_TEST(rep_count_zero)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc7, 0x00, 0x00, 0x20, 0x00, /* mov rdi,0x200000 */
		0x48, 0xc7, 0xc1, 0x00, 0x00, 0x00, 0x00, /* mov rcx,0x0 */
		0xf3, 0xaa,                     /* rep stosb */
	};

	G(RAX) = 0x77;
	RUN(code, 3);
	ck_assert_uint_eq(G(RDI), H_DATA);
	ck_assert_uint_eq(h_read64(&h, H_DATA), 0);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(code));
}
END_TEST

/* 10000 iterations: the REP stops after the iterations that leave RCX at
 * 8192 and 4096 (absolute cut points, interp_rep_cut()), each part counts
 * as an instruction and a TSC tick, RIP stays at the REP until the end. */
START_TEST(long_rep_counts_parts)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc6, 0x00, 0x00, 0x20, 0x00, /* mov rsi,0x200000 */
		0x48, 0xc7, 0xc7, 0x00, 0x00, 0x30, 0x00, /* mov rdi,0x300000 */
		0x48, 0xc7, 0xc1, 0x10, 0x27, 0x00, 0x00, /* mov rcx,10000 */
		0xfc,                           /* cld */
		0xf3, 0xa5,                     /* rep movsd */
	};
	uint64_t rep_rip = H_CODE + sizeof(code) - 2;

	for (uint64_t i = 0; i < 10000 * 4; i += 8)
		h_write64(&h, H_DATA + i, i * 0x10001);
	RUN(code, 5);
	ck_assert_uint_eq(G(RCX), 8192);
	ck_assert_uint_eq(G(RDI), 0x300000 + 1808 * 4);
	ck_assert_uint_eq(h.s->rip, rep_rip);
	ck_assert_uint_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RCX), 4096);
	ck_assert_uint_eq(h.s->rip, rep_rip);
	ck_assert_uint_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->insn_count, 7);
	ck_assert_uint_eq(h.s->tsc, 7);
	ck_assert_uint_eq(G(RCX), 0);
	ck_assert_uint_eq(G(RDI), 0x300000 + 40000);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(code));
	for (uint64_t i = 0; i < 10000 * 4; i += 8)
		ck_assert_uint_eq(h_read64(&h, 0x300000 + i), i * 0x10001);
}
END_TEST

static Suite *string_suite(void)
{
	Suite *s = suite_create("interp_string");
	TCase *tc = tcase_create("string");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rep_movsb);
	tcase_add_test(tc, rep_stosq_backwards);
	tcase_add_test(tc, repne_scasb);
	tcase_add_test(tc, repe_cmpsb);
	tcase_add_test(tc, lods_sizes);
	tcase_add_test(tc, stos_addr32_wraps);
	tcase_add_test(tc, rep_count_zero);
	tcase_add_test(tc, long_rep_counts_parts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(string_suite());
}
