// SPDX-License-Identifier: MIT
/* Interpreter: integer arithmetic/logic, operand forms, flags. */
#include <check.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define F(x) RFLAGS_##x
#define ARITH(h) ((h).s->rflags & ARITH_FLAGS)
#define RUN(code, n) h_exec(&h, code, sizeof(code), n)

static const uint8_t add_of[] = {
	0xb8, 0xff, 0xff, 0xff, 0x7f,   /* mov eax,0x7fffffff */
	0x83, 0xc0, 0x01,               /* add eax,0x1 */
};

START_TEST(add_overflow)
{
	h.s->gpr[GPR_RAX] = 0xffffffff00000000ull;
	RUN(add_of, 2);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX], 0x80000000ull);
	ck_assert_uint_eq(ARITH(h), F(OF) | F(SF) | F(AF) | F(PF));
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(add_of));
	ck_assert_uint_eq(h.s->insn_count, 2);
	ck_assert_uint_eq(h.s->tsc, 2);
}
END_TEST

static const uint8_t adc_chain[] = {
	0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff, /* mov rax,-1 */
	0x48, 0xc7, 0xc3, 0x01, 0x00, 0x00, 0x00, /* mov rbx,0x1 */
	0x48, 0x01, 0xd8,               /* add rax,rbx */
	0x48, 0x83, 0xd3, 0x00,         /* adc rbx,0x0 */
};

START_TEST(add_carry_chain)
{
	h_exec(&h, adc_chain, sizeof(adc_chain), 3);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX], 0);
	ck_assert_uint_eq(ARITH(h), F(CF) | F(ZF) | F(AF) | F(PF));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->gpr[GPR_RBX], 2);
	ck_assert_uint_eq(ARITH(h), 0);
}
END_TEST

static const uint8_t sub_borrow[] = {
	0xb0, 0x10,                     /* mov al,0x10 */
	0x2c, 0x20,                     /* sub al,0x20 */
	0x80, 0xdc, 0x00,               /* sbb ah,0x0 */
};

START_TEST(sub_sbb)
{
	h_exec(&h, sub_borrow, sizeof(sub_borrow), 2);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX], 0xf0);
	ck_assert_uint_eq(ARITH(h), F(CF) | F(SF) | F(PF));
	h_run(&h, 1);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX], 0xfff0);
	ck_assert_uint_eq(ARITH(h), F(CF) | F(SF) | F(AF) | F(PF));
}
END_TEST

static const uint8_t cmp_set[] = {
	0x48, 0xc7, 0xc1, 0x34, 0x12, 0x00, 0x00, /* mov rcx,0x1234 */
	0x48, 0x81, 0xf9, 0x34, 0x12, 0x00, 0x00, /* cmp rcx,0x1234 */
	0x0f, 0x94, 0xc2,               /* sete dl */
	0x0f, 0x92, 0xc6,               /* setb dh */
};

START_TEST(cmp_setcc)
{
	h.s->gpr[GPR_RDX] = 0xffff;
	RUN(cmp_set, 4);
	ck_assert_uint_eq(h.s->gpr[GPR_RCX], 0x1234);
	ck_assert_uint_eq(h.s->gpr[GPR_RDX], 0x0001);
	ck_assert_uint_eq(ARITH(h), F(ZF) | F(PF));
}
END_TEST

static const uint8_t logic[] = {
	0xb8, 0xf0, 0xf0, 0x00, 0x00,   /* mov eax,0xf0f0 */
	0x25, 0xf0, 0x0f, 0x00, 0x00,   /* and eax,0xff0 */
	0x66, 0x83, 0xc8, 0x01,         /* or ax,0x1 */
	0x34, 0xff,                     /* xor al,0xff */
	0x85, 0xc0,                     /* test eax,eax */
	0x48, 0xf7, 0xd0,               /* not rax */
};

START_TEST(logic_ops)
{
	h.s->rflags |= F(CF) | F(OF) | F(ZF);
	RUN(logic, 3);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX], 0xf1);
	ck_assert_uint_eq(ARITH(h), 0);   /* 0xf1: odd parity */
	h_run(&h, 3);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX], ~0x0eull);
	ck_assert_uint_eq(ARITH(h), 0);   /* TEST 0x0e; NOT keeps flags */
}
END_TEST

static const uint8_t negincdec[] = {
	0x48, 0xc7, 0xc3, 0x00, 0x00, 0x00, 0x00, /* mov rbx,0x0 */
	0x48, 0xf7, 0xdb,               /* neg rbx */
	0x48, 0xc7, 0xc1, 0x05, 0x00, 0x00, 0x00, /* mov rcx,0x5 */
	0x48, 0xf7, 0xd9,               /* neg rcx */
	0xf9,                           /* stc */
	0xfe, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00, /* inc BYTE PTR ds:0x200000 */
	0x66, 0xff, 0x0c, 0x25, 0x02, 0x00, 0x20, 0x00, /* dec WORD PTR ds:0x200002 */
};

START_TEST(neg_inc_dec)
{
	h_write64(&h, H_DATA, 0x7f);
	RUN(negincdec, 2);
	ck_assert_uint_eq(h.s->gpr[GPR_RBX], 0);
	ck_assert_uint_eq(ARITH(h), F(ZF) | F(PF));
	h_run(&h, 2);
	ck_assert_uint_eq(h.s->gpr[GPR_RCX], (uint64_t)-5);
	ck_assert_uint_eq(ARITH(h), F(CF) | F(SF) | F(AF));
	h_run(&h, 2);
	ck_assert_uint_eq(h_read64(&h, H_DATA), 0x80);
	ck_assert_uint_eq(ARITH(h), F(CF) | F(OF) | F(SF) | F(AF));
	h_run(&h, 1);
	ck_assert_uint_eq(h_read64(&h, H_DATA), 0xffff0080ull);
	ck_assert_uint_eq(ARITH(h), F(CF) | F(SF) | F(AF) | F(PF));
}
END_TEST

static const uint8_t partial[] = {
	0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff, /* mov rax,-1 */
	0xb8, 0x78, 0x56, 0x34, 0x12,   /* mov eax,0x12345678 */
	0x48, 0xc7, 0xc3, 0xff, 0xff, 0xff, 0xff, /* mov rbx,-1 */
	0x66, 0xbb, 0x34, 0x12,         /* mov bx,0x1234 */
	0xb9, 0x00, 0x00, 0x00, 0x00,   /* mov ecx,0x0 */
	0xb5, 0xab,                     /* mov ch,0xab */
	0x48, 0xba, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
					/* movabs rdx,0x1122334455667788 */
	0x88, 0xd6,                     /* mov dh,dl */
	0x48, 0xc7, 0xc6, 0xff, 0xff, 0xff, 0xff, /* mov rsi,-1 */
	0x40, 0xb6, 0x05,               /* mov sil,0x5 */
};

START_TEST(partial_registers)
{
	RUN(partial, 10);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX], 0x12345678ull);
	ck_assert_uint_eq(h.s->gpr[GPR_RBX], 0xffffffffffff1234ull);
	ck_assert_uint_eq(h.s->gpr[GPR_RCX], 0xab00ull);
	ck_assert_uint_eq(h.s->gpr[GPR_RDX], 0x1122334455668888ull);
	ck_assert_uint_eq(h.s->gpr[GPR_RSI], 0xffffffffffffff05ull);
}
END_TEST

static const uint8_t memforms[] = {
	0x48, 0xc7, 0xc3, 0x00, 0x00, 0x20, 0x00, /* mov rbx,0x200000 */
	0x48, 0xc7, 0xc1, 0x02, 0x00, 0x00, 0x00, /* mov rcx,0x2 */
	0x48, 0xc7, 0xc0, 0x11, 0x11, 0x00, 0x00, /* mov rax,0x1111 */
	0x48, 0x01, 0x44, 0xcb, 0x10,   /* add [rbx+rcx*8+0x10],rax */
	0x48, 0x8b, 0x15, 0x02, 0x00, 0x00, 0x00, /* mov rdx,[rip+0x2] */
	0xeb, 0x08,                     /* jmp over the data */
	0x0d, 0xf0, 0xfe, 0xca, 0xef, 0xbe, 0xad, 0xde, /* .quad 0xdeadbeefcafef00d */
	0x48, 0x8d, 0x74, 0x8b, 0xff,   /* lea rsi,[rbx+rcx*4-0x1] */
	0x8d, 0x7c, 0x8b, 0xff,         /* lea edi,[rbx+rcx*4-0x1] */
};

START_TEST(memory_forms)
{
	h_write64(&h, H_DATA + 0x20, 0x2222);
	RUN(memforms, 8);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0x20), 0x3333);
	ck_assert_uint_eq(h.s->gpr[GPR_RDX], 0xdeadbeefcafef00dull);
	ck_assert_uint_eq(h.s->gpr[GPR_RSI], 0x200007);
	ck_assert_uint_eq(h.s->gpr[GPR_RDI], 0x200007);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(memforms));
}
END_TEST

static Suite *alu_suite(void)
{
	Suite *s = suite_create("interp_alu");
	TCase *tc = tcase_create("alu");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, add_overflow);
	tcase_add_test(tc, add_carry_chain);
	tcase_add_test(tc, sub_sbb);
	tcase_add_test(tc, cmp_setcc);
	tcase_add_test(tc, logic_ops);
	tcase_add_test(tc, neg_inc_dec);
	tcase_add_test(tc, partial_registers);
	tcase_add_test(tc, memory_forms);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(alu_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
