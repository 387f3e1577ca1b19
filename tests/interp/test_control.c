// SPDX-License-Identifier: MIT
/* Interpreter: JMP, Jcc, CALL, RET (imm16), LOOP, JrCXZ, #GP targets. */
#include <check.h>
#include <string.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define G(r) (h.s->gpr[GPR_##r])
#define RUN(code, n) h_exec(&h, code, sizeof(code), n)

START_TEST(call_ret)
{
	static const uint8_t code[] = {
		0xe8, 0x05, 0x00, 0x00, 0x00,   /* call +5 */
		0xbb, 0x01, 0x00, 0x00, 0x00,   /* mov ebx,0x1 */
		0x58,                           /* pop rax */
		0x50,                           /* push rax */
		0xc3,                           /* ret */
	};

	RUN(code, 4);
	ck_assert_uint_eq(h.s->rip, H_CODE + 5);
	ck_assert_uint_eq(G(RAX), H_CODE + 5);
	ck_assert_uint_eq(G(RBX), 0);
	ck_assert_uint_eq(G(RSP), H_STACK);
	h_run(&h, 1);
	ck_assert_uint_eq(G(RBX), 1);
}
END_TEST

START_TEST(call_indirect_ret_imm)
{
	uint8_t code[0x26] = {
		0x48, 0xc7, 0xc0, 0x20, 0x00, 0x10, 0x00, /* mov rax,0x100020 */
		0xff, 0xd0,                     /* call rax */
		0xf4,                           /* hlt */
	};
	static const uint8_t tail[] = {
		0x83, 0xc1, 0x01,               /* 0x20: add ecx,0x1 */
		0xc2, 0x10, 0x00,               /* ret 0x10 */
	};

	memcpy(code + 0x20, tail, sizeof(tail));
	RUN(code, 4);
	ck_assert_uint_eq(h.s->rip, H_CODE + 9);
	ck_assert_uint_eq(G(RCX), 1);
	ck_assert_uint_eq(G(RSP), H_STACK + 16);
	ck_assert_uint_eq(h_read64(&h, H_STACK - 8), H_CODE + 9);
}
END_TEST

START_TEST(loop_sum)
{
	static const uint8_t code[] = {
		0xb9, 0x05, 0x00, 0x00, 0x00,   /* mov ecx,0x5 */
		0x31, 0xc0,                     /* xor eax,eax */
		0x01, 0xc8,                     /* 1: add eax,ecx */
		0xe2, 0xfc,                     /* loop 1b */
	};

	RUN(code, 12);
	ck_assert_uint_eq(G(RAX), 15);
	ck_assert_uint_eq(G(RCX), 0);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(code));
}
END_TEST

/* JRCXZ tests all of RCX, JECXZ (67 prefix) only ECX. */
START_TEST(jump_if_count_zero)
{
	static const uint8_t code[] = {
		0x48, 0xb9, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
						/* movabs rcx,0x100000000 */
		0xe3, 0x05,                     /* jrcxz 1f */
		0xbb, 0x07, 0x00, 0x00, 0x00,   /* mov ebx,0x7 */
		0x90,                           /* 1: nop */
		0x67, 0xe3, 0x05,               /* jecxz 2f */
		0xba, 0x09, 0x00, 0x00, 0x00,   /* mov edx,0x9 */
		0x90,                           /* 2: nop */
	};

	G(RDX) = 0;
	RUN(code, 6);
	ck_assert_uint_eq(G(RBX), 7);
	ck_assert_uint_eq(G(RDX), 0);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(code));
}
END_TEST

START_TEST(conditional_jumps)
{
	static const uint8_t code[] = {
		0xb8, 0x01, 0x00, 0x00, 0x00,   /* mov eax,0x1 */
		0x83, 0xf8, 0x02,               /* cmp eax,0x2 */
		0x7c, 0x05,                     /* jl 1f (taken) */
		0xbb, 0x01, 0x00, 0x00, 0x00,   /* mov ebx,0x1 */
		0x7f, 0x05,                     /* 1: jg 2f (not taken) */
		0xb9, 0x01, 0x00, 0x00, 0x00,   /* mov ecx,0x1 */
		0x75, 0x05,                     /* 2: jne 3f (taken) */
		0xba, 0x01, 0x00, 0x00, 0x00,   /* mov edx,0x1 */
		0x90,                           /* 3: nop */
	};

	G(RDX) = 0;
	RUN(code, 7);
	ck_assert_uint_eq(G(RBX), 0);
	ck_assert_uint_eq(G(RCX), 1);
	ck_assert_uint_eq(G(RDX), 0);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(code));
}
END_TEST

START_TEST(jump_through_memory)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00, 0x15, 0x00, 0x10, 0x00,
						/* mov QWORD PTR ds:0x200000,0x100015 */
		0xff, 0x24, 0x25, 0x00, 0x00, 0x20, 0x00, /* jmp QWORD PTR ds:0x200000 */
		0x90,                           /* nop */
		0x90,                           /* nop */
		0xbe, 0x03, 0x00, 0x00, 0x00,   /* 0x15: mov esi,0x3 */
	};

	RUN(code, 3);
	ck_assert_uint_eq(G(RSI), 3);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(code));
}
END_TEST

/* A non-canonical target is #GP(0) at the jump, RIP unchanged. */
START_TEST(non_canonical_target)
{
	static const uint8_t code[] = {
		0x48, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00,
						/* movabs rax,0x800000000000 */
		0xff, 0xe0,                     /* jmp rax */
	};
	enum engine_exit_reason r;

	h_load(&h, H_CODE, code, sizeof(code));
	r = h_run(&h, 2);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_GP);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE + 10);
	ck_assert_uint_eq(h_program_insns(&h, r), 1);
}
END_TEST

static Suite *control_suite(void)
{
	Suite *s = suite_create("interp_control");
	TCase *tc = tcase_create("control");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, call_ret);
	tcase_add_test(tc, call_indirect_ret_imm);
	tcase_add_test(tc, loop_sum);
	tcase_add_test(tc, jump_if_count_zero);
	tcase_add_test(tc, conditional_jumps);
	tcase_add_test(tc, jump_through_memory);
	tcase_add_test(tc, non_canonical_target);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(control_suite());
}
