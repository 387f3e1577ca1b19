// SPDX-License-Identifier: MIT
/* Interpreter: CMPXCHG/8B/16B, XADD, XCHG, CMOVcc, CBW..CQO, XLAT,
 * MOVZX/MOVSX/MOVSXD and segment register moves. */
#include <check.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define F(x) RFLAGS_##x
#define G(r) (h.s->gpr[GPR_##r])
#define ZF (h.s->rflags & F(ZF))
#define RUN(code, n) h_exec(&h, code, sizeof(code), n)

START_TEST(cmpxchg_mem)
{
	static const uint8_t code[] = {
		0xb8, 0x05, 0x00, 0x00, 0x00,   /* mov eax,0x5 */
		0xb9, 0x09, 0x00, 0x00, 0x00,   /* mov ecx,0x9 */
		0xf0, 0x0f, 0xb1, 0x0c, 0x25, 0x00, 0x00, 0x20, 0x00,
						/* lock cmpxchg DWORD PTR ds:0x200000,ecx */
		0xf0, 0x0f, 0xb1, 0x0c, 0x25, 0x00, 0x00, 0x20, 0x00,
						/* lock cmpxchg DWORD PTR ds:0x200000,ecx */
	};

	h_write64(&h, H_DATA, 5);
	RUN(code, 3);
	ck_assert_uint_eq(h_read64(&h, H_DATA), 9);
	ck_assert_uint_eq(ZF, F(ZF));
	ck_assert_uint_eq(G(RAX), 5);
	h_run(&h, 1);
	ck_assert_uint_eq(h_read64(&h, H_DATA), 9);
	ck_assert_uint_eq(G(RAX), 9);
	ck_assert_uint_eq(h.s->rflags & (F(ZF) | F(CF) | F(SF)), F(CF) | F(SF));
}
END_TEST

START_TEST(cmpxchg8b)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc0, 0x11, 0x11, 0x00, 0x00, /* mov rax,0x1111 */
		0x48, 0xc7, 0xc2, 0x22, 0x22, 0x00, 0x00, /* mov rdx,0x2222 */
		0x48, 0xc7, 0xc3, 0x33, 0x33, 0x00, 0x00, /* mov rbx,0x3333 */
		0x48, 0xc7, 0xc1, 0x44, 0x44, 0x00, 0x00, /* mov rcx,0x4444 */
		0xf0, 0x0f, 0xc7, 0x0c, 0x25, 0x00, 0x00, 0x20, 0x00,
						/* lock cmpxchg8b QWORD PTR ds:0x200000 */
		0xf0, 0x0f, 0xc7, 0x0c, 0x25, 0x00, 0x00, 0x20, 0x00,
						/* lock cmpxchg8b QWORD PTR ds:0x200000 */
	};

	h_write64(&h, H_DATA, 0x0000222200001111ull);
	RUN(code, 5);
	ck_assert_uint_eq(h_read64(&h, H_DATA), 0x0000444400003333ull);
	ck_assert_uint_eq(ZF, F(ZF));
	h_run(&h, 1);
	ck_assert_uint_eq(ZF, 0);
	ck_assert_uint_eq(G(RAX), 0x3333);
	ck_assert_uint_eq(G(RDX), 0x4444);
}
END_TEST

/* The model does not advertise CX16: CMPXCHG16B is #UD. */
START_TEST(cmpxchg16b_absent)
{
	static const uint8_t code[] = {
		0x48, 0x0f, 0xc7, 0x0c, 0x25, 0x00, 0x00, 0x20, 0x00,
						/* cmpxchg16b OWORD PTR ds:0x200000 */
	};
	enum engine_exit_reason r;
	uint32_t id[4];

	cpu_model_cpuid(&h.cfg.model, 1, 0, id);
	h_load(&h, H_CODE, code, sizeof(code));
	if (id[2] & (1u << 13)) {
		G(RAX) = G(RDX) = 0;
		G(RBX) = 7;
		ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
		ck_assert_uint_eq(h_read64(&h, H_DATA), 7);
		return;
	}
	r = h_run(&h, 1);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_UD);
	ck_assert_uint_eq(h_fault_rip(&h, r, false), H_CODE);
}
END_TEST

START_TEST(xadd_xchg)
{
	static const uint8_t code[] = {
		0xb8, 0x03, 0x00, 0x00, 0x00,   /* mov eax,0x3 */
		0xf0, 0x0f, 0xc1, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00,
						/* lock xadd DWORD PTR ds:0x200000,eax */
		0x48, 0x87, 0x1c, 0x25, 0x00, 0x00, 0x20, 0x00,
						/* xchg QWORD PTR ds:0x200000,rbx */
		0x87, 0xd1,                     /* xchg ecx,edx */
	};

	h_write64(&h, H_DATA, 10);
	G(RBX) = 0x77;
	G(RCX) = 0xffffffff00000001ull;
	G(RDX) = 0xffffffff00000002ull;
	RUN(code, 2);
	ck_assert_uint_eq(h_read64(&h, H_DATA), 13);
	ck_assert_uint_eq(G(RAX), 10);
	h_run(&h, 2);
	ck_assert_uint_eq(G(RBX), 13);
	ck_assert_uint_eq(h_read64(&h, H_DATA), 0x77);
	ck_assert_uint_eq(G(RCX), 2);
	ck_assert_uint_eq(G(RDX), 1);
}
END_TEST

/* A false 32-bit CMOV still zero-extends its destination. */
START_TEST(cmov)
{
	static const uint8_t code[] = {
		0x3c, 0x02,                     /* cmp al,0x2 */
		0x48, 0x0f, 0x44, 0xd9,         /* cmove rbx,rcx */
		0x0f, 0x45, 0xd9,               /* cmovne ebx,ecx */
		0x0f, 0x42, 0x14, 0x25, 0x00, 0x00, 0x20, 0x00,
						/* cmovb edx,DWORD PTR ds:0x200000 */
	};

	G(RAX) = 2;
	G(RCX) = 0xffffffff12345678ull;
	G(RDX) = 0xaaaaaaaa00000001ull;
	RUN(code, 2);
	ck_assert_uint_eq(G(RBX), 0xffffffff12345678ull);
	h_run(&h, 2);
	ck_assert_uint_eq(G(RBX), 0x12345678);
	ck_assert_uint_eq(G(RDX), 1);
}
END_TEST

START_TEST(sign_extension)
{
	static const uint8_t code[] = {
		0x66, 0xb8, 0xfe, 0xff,         /* mov ax,0xfffe */
		0x98,                           /* cwde */
		0x48, 0x98,                     /* cdqe */
		0x48, 0x99,                     /* cqo */
		0xb0, 0x7f,                     /* mov al,0x7f */
		0x66, 0x98,                     /* cbw */
		0x66, 0x99,                     /* cwd */
	};

	G(RAX) = 0x1234567800000000ull;
	RUN(code, 2);
	ck_assert_uint_eq(G(RAX), 0xfffffffe);
	h_run(&h, 2);
	ck_assert_uint_eq(G(RAX), (uint64_t)-2);
	ck_assert_uint_eq(G(RDX), ~0ull);
	h_run(&h, 3);
	ck_assert_uint_eq(G(RAX), 0xffffffffffff007full);
	ck_assert_uint_eq(G(RDX), 0xffffffffffff0000ull);
}
END_TEST

START_TEST(moves_and_xlat)
{
	static const uint8_t code[] = {
		0x0f, 0xb6, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00,
						/* movzx eax,BYTE PTR ds:0x200000 */
		0x48, 0x0f, 0xbf, 0x1c, 0x25, 0x00, 0x00, 0x20, 0x00,
						/* movsx rbx,WORD PTR ds:0x200000 */
		0x48, 0x63, 0x0c, 0x25, 0x00, 0x00, 0x20, 0x00,
						/* movsxd rcx,DWORD PTR ds:0x200000 */
		0x66, 0x0f, 0xbe, 0xd3,         /* movsx dx,bl */
		0x66, 0x41, 0x8c, 0xd8,         /* mov r8w,ds */
		0x8c, 0x14, 0x25, 0x08, 0x00, 0x20, 0x00,
						/* mov WORD PTR ds:0x200008,ss */
		0x48, 0xc7, 0xc3, 0x00, 0x00, 0x20, 0x00, /* mov rbx,0x200000 */
		0xb0, 0x03,                     /* mov al,0x3 */
		0xd7,                           /* xlat */
	};

	h_write64(&h, H_DATA, 0x338000ff85ull);
	h_write64(&h, H_DATA + 8, ~0ull);
	G(RDX) = 0;
	G(R8) = ~0ull;
	RUN(code, 6);
	ck_assert_uint_eq(G(RAX), 0x85);
	ck_assert_uint_eq(G(RBX), 0xffffffffffffff85ull);
	ck_assert_uint_eq(G(RCX), 0xffffffff8000ff85ull);
	ck_assert_uint_eq(G(RDX), 0xff85);
	ck_assert_uint_eq(G(R8), 0xffffffffffff0010ull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 8), 0xffffffffffff0010ull);
	h_run(&h, 3);
	ck_assert_uint_eq(G(RAX), 0x80);
}
END_TEST

/* The 32- and 64-bit destination handlers of MOVZX/MOVSX/MOVSXD/LEA:
 * AH as a source, a 32-bit destination zero-extends (also after a sign
 * extension), LEA truncates to the operand size and to the address
 * size, memory sources of each width. */
START_TEST(extend_and_lea_sized)
{
	static const uint8_t code[] = {
		0x0f, 0xb6, 0xcc,               /* movzx ecx,ah */
		0x48, 0x0f, 0xb7, 0xd5,         /* movzx rdx,bp */
		0x0f, 0xbe, 0x34, 0x25, 0x00, 0x00, 0x20, 0x00,
						/* movsx esi,BYTE PTR ds:0x200000 */
		0x44, 0x63, 0xc6,               /* movsxd r8d,esi */
		0x8d, 0x7c, 0x6d, 0x10,         /* lea edi,[rbp+rbp*2+0x10] */
		0x67, 0x4c, 0x8d, 0x4c, 0x2d, 0x05, /* lea r9,[ebp+ebp*1+0x5] */
		0x4c, 0x0f, 0xbf, 0x13,         /* movsx r10,WORD PTR [rbx] */
		0x44, 0x0f, 0xb7, 0x1b,         /* movzx r11d,WORD PTR [rbx] */
	};

	h_write64(&h, H_DATA, 0x338000ff85ull);
	G(RAX) = 0x1122334455667788ull;
	G(RBX) = H_DATA;
	G(RBP) = 0x18000f0f0ull;
	G(RCX) = G(RDX) = G(RSI) = G(RDI) = ~0ull;
	G(R8) = G(R9) = G(R10) = G(R11) = ~0ull;
	RUN(code, 8);
	ck_assert_uint_eq(G(RCX), 0x77);
	ck_assert_uint_eq(G(RDX), 0xf0f0);
	ck_assert_uint_eq(G(RSI), 0xffffff85ull);
	ck_assert_uint_eq(G(R8), 0xffffff85ull);
	ck_assert_uint_eq(G(RDI), 0x8002d2e0ull);
	ck_assert_uint_eq(G(R9), 0x1e1e5);
	ck_assert_uint_eq(G(R10), 0xffffffffffffff85ull);
	ck_assert_uint_eq(G(R11), 0xff85);
}
END_TEST

/* The register forms exec_mov_form picks (MOV r,r and r,imm of 32 and
 * 64 bits, MOVSXD r64,r32, LEA by addressing form into r32/r64): R8-R15
 * and RSP operands, zero extension of 32-bit results, sign extension,
 * negative displacements, LEA r32 keeping the address's low 32 bits. */
START_TEST(register_forms)
{
	static const uint8_t code[] = {
		0x49, 0x89, 0xe4,                   /* mov r12,rsp */
		0x4c, 0x89, 0xe8,                   /* mov rax,r13 */
		0x44, 0x89, 0xf1,                   /* mov ecx,r14d */
		0x48, 0xc7, 0xc2, 0xfe, 0xff, 0xff, 0xff, /* mov rdx,-2 */
		0x48, 0xbe, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
						    /* mov rsi,0x8877665544332211 */
		0xbe, 0x00, 0x00, 0x00, 0x80,       /* mov esi,0x80000000 */
		0x49, 0x63, 0xff,                   /* movsxd rdi,r15d */
		0x4c, 0x63, 0xe9,                   /* movsxd r13,ecx */
		0x4c, 0x8d, 0x43, 0xf0,             /* lea r8,[rbx-0x10] */
		0x44, 0x8d, 0x8b, 0xff, 0xff, 0xff, 0x7f, /* lea r9d,[rbx+0x7fffffff] */
		0x4c, 0x8d, 0x14, 0xcd, 0x00, 0x01, 0x00, 0x00,
						    /* lea r10,[rcx*8+0x100] */
		0x44, 0x8d, 0x1c, 0xb5, 0xfc, 0xff, 0xff, 0xff,
						    /* lea r11d,[rsi*4-0x4] */
		0x48, 0x8d, 0x6c, 0x4b, 0x11,       /* lea rbp,[rbx+rcx*2+0x11] */
		0x8d, 0x44, 0x13, 0xff,             /* lea eax,[rbx+rdx*1-0x1] */
		0x4f, 0x8d, 0x34, 0x2c,             /* lea r14,[r12+r13*1] */
	};

	for (unsigned i = 0; i < 16; i++)
		h.s->gpr[i] = ~0ull;
	G(RSP) = H_STACK;
	G(RBX) = 0xfffffff000001000ull;
	G(R13) = 0x0123456789abcdefull;
	G(R14) = 0xaaaaaaaa12345678ull;
	G(R15) = 0x180000001ull;
	RUN(code, 15);
	ck_assert_uint_eq(G(R12), H_STACK);
	ck_assert_uint_eq(G(RCX), 0x12345678);
	ck_assert_uint_eq(G(RDX), 0xfffffffffffffffeull);
	ck_assert_uint_eq(G(RSI), 0x80000000);
	ck_assert_uint_eq(G(RDI), 0xffffffff80000001ull);
	ck_assert_uint_eq(G(R13), 0x12345678);
	ck_assert_uint_eq(G(R8), 0xfffffff000000ff0ull);
	ck_assert_uint_eq(G(R9), 0x80000fff);
	ck_assert_uint_eq(G(R10), 0x91a2b4c0);
	ck_assert_uint_eq(G(R11), 0xfffffffc);
	ck_assert_uint_eq(G(RBP), 0xfffffff02468bd01ull);
	ck_assert_uint_eq(G(RAX), 0xffd);
	ck_assert_uint_eq(G(R14), H_STACK + 0x12345678);
}
END_TEST

static Suite *mov_suite(void)
{
	Suite *s = suite_create("interp_mov");
	TCase *tc = tcase_create("mov");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cmpxchg_mem);
	tcase_add_test(tc, cmpxchg8b);
	tcase_add_test(tc, cmpxchg16b_absent);
	tcase_add_test(tc, xadd_xchg);
	tcase_add_test(tc, cmov);
	tcase_add_test(tc, sign_extension);
	tcase_add_test(tc, moves_and_xlat);
	tcase_add_test(tc, extend_and_lea_sized);
	tcase_add_test(tc, register_forms);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(mov_suite());
}
