// SPDX-License-Identifier: MIT
/* Interpreter: PUSH/POP forms, ENTER/LEAVE, PUSHF/POPF privilege rules,
 * and the stack in 32-bit and 16-bit code. */
#include <check.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define F(x) RFLAGS_##x
#define G(r) (h.s->gpr[GPR_##r])
#define RUN(code, n) h_exec(&h, code, sizeof(code), n)

START_TEST(push_pop_forms)
{
	static const uint8_t code[] = {
		0x6a, 0x12,                     /* push 0x12 */
		0x6a, 0xfe,                     /* push -2 */
		0x66, 0x68, 0x34, 0x12,         /* pushw 0x1234 */
		0xff, 0x34, 0x25, 0x00, 0x00, 0x20, 0x00, /* push QWORD PTR ds:0x200000 */
		0x8f, 0x04, 0x25, 0x08, 0x00, 0x20, 0x00, /* pop QWORD PTR ds:0x200008 */
		0x66, 0x58,                     /* pop ax */
		0x5b,                           /* pop rbx */
		0x59,                           /* pop rcx */
	};

	h_write64(&h, H_DATA, 0xaabbccdd11223344ull);
	RUN(code, 4);
	ck_assert_uint_eq(G(RSP), H_STACK - 26);
	ck_assert_uint_eq(h_read64(&h, H_STACK - 8), 0x12);
	ck_assert_uint_eq(h_read64(&h, H_STACK - 16), (uint64_t)-2);
	h_run(&h, 4);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 8), 0xaabbccdd11223344ull);
	ck_assert_uint_eq(G(RAX), 0x1234);
	ck_assert_uint_eq(G(RBX), (uint64_t)-2);
	ck_assert_uint_eq(G(RCX), 0x12);
	ck_assert_uint_eq(G(RSP), H_STACK);
}
END_TEST

/* PUSH RSP pushes the old value; POP RSP loads the popped value. */
START_TEST(push_pop_rsp)
{
	static const uint8_t code[] = {
		0x54,                           /* push rsp */
		0x58,                           /* pop rax */
		0x68, 0x34, 0x12, 0x00, 0x00,   /* push 0x1234 */
		0x5c,                           /* pop rsp */
	};

	RUN(code, 4);
	ck_assert_uint_eq(G(RAX), H_STACK);
	ck_assert_uint_eq(G(RSP), 0x1234);
}
END_TEST

/* POP m with an RSP-based address uses the incremented RSP. */
START_TEST(pop_to_rsp_relative)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc4, 0x00, 0x00, 0x20, 0x00, /* mov rsp,0x200000 */
		0x8f, 0x04, 0x24,               /* pop QWORD PTR [rsp] */
	};

	h_write64(&h, H_DATA, 0x55);
	RUN(code, 2);
	ck_assert_uint_eq(G(RSP), H_DATA + 8);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 8), 0x55);
}
END_TEST

START_TEST(enter_leave)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc5, 0xf0, 0xff, 0x07, 0x00, /* mov rbp,0x7fff0 */
		0xc8, 0x20, 0x00, 0x00,         /* enter 0x20,0 */
		0x48, 0x89, 0xee,               /* mov rsi,rbp */
		0xc9,                           /* leave */
	};

	RUN(code, 2);
	ck_assert_uint_eq(G(RBP), H_STACK - 8);
	ck_assert_uint_eq(G(RSP), H_STACK - 8 - 0x20);
	ck_assert_uint_eq(h_read64(&h, H_STACK - 8), 0x7fff0);
	h_run(&h, 2);
	ck_assert_uint_eq(G(RSI), H_STACK - 8);
	ck_assert_uint_eq(G(RBP), 0x7fff0);
	ck_assert_uint_eq(G(RSP), H_STACK);
}
END_TEST

/* ENTER with nesting level 3 copies two outer frame pointers. */
START_TEST(enter_nested)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc5, 0xf0, 0xff, 0x07, 0x00, /* mov rbp,0x7fff0 */
		0xc8, 0x10, 0x00, 0x03,         /* enter 0x10,3 */
	};

	h_write64(&h, 0x7ffe8, 0x1111);
	h_write64(&h, 0x7ffe0, 0x2222);
	RUN(code, 2);
	ck_assert_uint_eq(h_read64(&h, 0x7fff8), 0x7fff0);
	ck_assert_uint_eq(h_read64(&h, 0x7fff0), 0x1111);
	ck_assert_uint_eq(h_read64(&h, 0x7ffe8), 0x2222);
	ck_assert_uint_eq(h_read64(&h, 0x7ffe0), 0x7fff8);
	ck_assert_uint_eq(G(RBP), 0x7fff8);
	ck_assert_uint_eq(G(RSP), 0x7ffd0);
}
END_TEST

START_TEST(pushf_popf_cpl0)
{
	static const uint8_t code[] = {
		0x9c,                           /* pushfq */
		0x58,                           /* pop rax */
		0x48, 0xc7, 0xc3, 0xd5, 0x3e, 0x00, 0x00, /* mov rbx,0x3ed5 */
		0x53,                           /* push rbx */
		0x9d,                           /* popfq */
		0x9c,                           /* pushfq */
		0x59,                           /* pop rcx */
	};

	h.s->rflags |= F(RF);
	RUN(code, 7);
	ck_assert_uint_eq(G(RAX), 0x2);   /* RF is not pushed */
	/* CPL 0 may set IOPL and IF; TF stays clear here (bit 8 = 0). */
	ck_assert_uint_eq(G(RCX), 0x3ed7);
	ck_assert_uint_eq(h.s->rflags, 0x3ed7);
}
END_TEST

/* At CPL 3 with IOPL 0, POPF changes neither IOPL nor IF. */
START_TEST(popf_cpl3)
{
	static const uint8_t code[] = {
		0x68, 0x03, 0x32, 0x00, 0x00,   /* push 0x3203 */
		0x9d,                           /* popfq */
		0x9c,                           /* pushfq */
		0x58,                           /* pop rax */
	};

	h.s->seg[SEG_CS].ar |= 3u << SEG_AR_DPL_SHIFT;
	h.s->seg[SEG_CS].sel |= 3;
	h.s->seg[SEG_SS].ar |= 3u << SEG_AR_DPL_SHIFT;
	h.s->seg[SEG_SS].sel |= 3;
	RUN(code, 4);
	ck_assert_uint_eq(G(RAX), 0x3);
	ck_assert_uint_eq(h.s->rflags & (F(IF) | F(IOPL) | F(CF)), F(CF));
}
END_TEST

START_TEST(stack_32bit)
{
	static const uint8_t code[] = {
		0x50,                           /* push eax */
		0x5b,                           /* pop ebx */
		0x9c,                           /* pushfd */
		0x68, 0x44, 0x33, 0x22, 0x11,   /* push 0x11223344 */
		0x59,                           /* pop ecx */
		0x01, 0xd9,                     /* add ecx,ebx */
	};

	h_mode32(&h);
	G(RAX) = 0xdeadbeef;
	RUN(code, 6);
	ck_assert_uint_eq(G(RBX), 0xdeadbeef);
	ck_assert_uint_eq(G(RCX), 0xefcff233);
	ck_assert_uint_eq(G(RSP), H_STACK - 4);
	ck_assert_uint_eq(h_read64(&h, H_STACK - 4) & 0xffffffff, 0x2);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(code));
}
END_TEST

/* Real mode: 16-bit stack and addressing forms, offsets wrap at 64 KiB. */
START_TEST(stack_16bit)
{
	static const uint8_t code[] = {
		0xb8, 0x34, 0x12,               /* mov ax,0x1234 */
		0x50,                           /* push ax */
		0x5b,                           /* pop bx */
		0xbe, 0x20, 0x00,               /* mov si,0x20 */
		0xbb, 0x10, 0x00,               /* mov bx,0x10 */
		0x8b, 0x40, 0x02,               /* mov ax,[bx+si+0x2] */
		0x89, 0x43, 0x40,               /* mov [bp+di+0x40],ax */
	};
	uint16_t w = 0;

	h_mode16(&h);
	G(RBP) = 0xfff0;
	G(RDI) = 0x20;
	ck_assert(gmem_write_u16(&h.mem, H_DATA + 0x32, 0xbeef));
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 3), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RBX), 0x1234);
	ck_assert_uint_eq(G(RSP), 0xfff0);
	ck_assert(gmem_read_u16(&h.mem, H_DATA + 0xffee, &w));
	ck_assert_uint_eq(w, 0x1234);
	h_run(&h, 4);
	ck_assert_uint_eq(G(RAX), 0xbeef);
	ck_assert(gmem_read_u16(&h.mem, H_DATA + 0x50, &w));
	ck_assert_uint_eq(w, 0xbeef);
	ck_assert_uint_eq(h.s->rip, sizeof(code));
}
END_TEST

static Suite *stack_suite(void)
{
	Suite *s = suite_create("interp_stack");
	TCase *tc = tcase_create("stack");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, push_pop_forms);
	tcase_add_test(tc, push_pop_rsp);
	tcase_add_test(tc, pop_to_rsp_relative);
	tcase_add_test(tc, enter_leave);
	tcase_add_test(tc, enter_nested);
	tcase_add_test(tc, pushf_popf_cpl0);
	tcase_add_test(tc, popf_cpl3);
	tcase_add_test(tc, stack_32bit);
	tcase_add_test(tc, stack_16bit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(stack_suite());
}
