// SPDX-License-Identifier: MIT
/*
 * Interpreter x87: the fast paths (x87_state.c, lflags.c).  A 64-bit-mode
 * memory operand whose page the host-pointer TLB holds goes straight to
 * guest RAM, FDP/FDS come from the pre-decoded operand, and the loads,
 * stores and arithmetic run with the arithmetic flags still pending.  They
 * must give what the full path gives: segment overrides, faults with the
 * flags of the instruction before, stores into code (SMC), and no fast
 * path outside 64-bit mode.
 */
#include "x87_fixture.h"

/* 1.5 and 2.5 as IEEE doubles */
#define D1_5 0x3ff8000000000000ull
#define D2_5 0x4004000000000000ull

START_TEST(x87_fast_operand_and_fdp)
{
	static const uint8_t code[] = {
		0xdd, 0x03,             /* fld qword [rbx]: fills the page */
		0x64, 0xdd, 0x43, 0x08, /* fld qword fs:[rbx+8] */
		0xdd, 0x5b, 0x10,       /* fstp qword [rbx+0x10] */
	};

	h_write64(&h, H_DATA, D1_5);
	h_write64(&h, H_DATA + 8, 0);
	h_write64(&h, H_DATA + 0x1008, D2_5);
	h.s->gpr[GPR_RBX] = H_DATA;
	h.s->seg[SEG_FS].base = 0x1000;
	h.s->seg[SEG_FS].sel = 0x28;
	h.s->seg[SEG_DS].sel = 0x10;
	RUN(code, 2);
	ck_assert_uint_eq(st_m(0), 0xa000000000000000ull);  /* 2.5 */
	ck_assert_uint_eq(st_se(0), 0x4000);
	ck_assert_uint_eq(FPU.fdp, H_DATA + 8);   /* the offset, no base */
	ck_assert_uint_eq(FPU.fds, 0x28);
	h_run(&h, 1);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0x10), D2_5);
	ck_assert_uint_eq(FPU.fdp, H_DATA + 0x10);
	ck_assert_uint_eq(FPU.fds, 0x10);
	ck_assert_uint_eq(st_m(0), 0xc000000000000000ull);  /* 1.5 left */
}
END_TEST

START_TEST(x87_fast_flags_pending)
{
	static const uint8_t code[] = {
		0x48, 0x29, 0xc8,       /* sub rax, rcx: CF SF AF PF pending */
		0xdd, 0x03,             /* fld qword [rbx] */
		0xd8, 0xc8,             /* fmul st0, st0 */
		0xdd, 0x5b, 0x08,       /* fstp qword [rbx+8] */
		0x0f, 0x92, 0xc2,       /* setb dl */
		0xdd, 0x06,             /* fld qword [rsi]: #GP(0), non-canonical */
	};
	enum engine_exit_reason r;
	uint64_t rsp;

	h_write64(&h, H_DATA, D1_5);
	h.s->gpr[GPR_RBX] = H_DATA;
	h.s->gpr[GPR_RSI] = 0x8000000000000000ull;
	h.s->gpr[GPR_RAX] = 1;
	h.s->gpr[GPR_RCX] = 2;
	h.s->gpr[GPR_RDX] = 0;
	h_load(&h, H_CODE, code, sizeof(code));
	r = h_run(&h, 20);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_GP);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE + 13);
	rsp = h.s->gpr[GPR_RSP];
	ck_assert_uint_eq(h_read64(&h, rsp + 24) & ARITH_FLAGS,
			  RFLAGS_CF | RFLAGS_SF | RFLAGS_AF | RFLAGS_PF);
	ck_assert_uint_eq(h.s->gpr[GPR_RDX], 1);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 8), 0x4002000000000000ull); /* 2.25 */
}
END_TEST

/* FISTP into the immediate of the loop's first instruction: each pass
 * sees the value the pass before stored (SDM Vol. 3A 11.6). */
START_TEST(x87_fast_store_into_code)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,             /* fninit */
		0xd9, 0xe8,             /* fld1: the increment */
		0xd9, 0xe8,             /* fld1: the counter */
		0xb8, 0x00, 0x00, 0x00, 0x00, /* t: mov eax, 0 */
		0xd9, 0xc0,             /* fld st0 */
		0xdb, 0x1d, 0xf4, 0xff, 0xff, 0xff, /* fistp dword [rip-12]: t's imm */
		0xd8, 0xc1,             /* fadd st0, st1 */
		0xff, 0xc9,             /* dec ecx */
		0x75, 0xed,             /* jnz t */
		0xf4,                   /* hlt */
	};

	h.s->gpr[GPR_RCX] = 3;
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 100), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX], 2);
	ck_assert_uint_eq(get32(H_CODE + 7), 3);
}
END_TEST

/* Outside 64-bit mode the fast path is off: 32-bit code with paging, DS
 * base 0x1000 moves the operand. */
START_TEST(x87_fast_not_outside_64bit)
{
	static const uint8_t code[] = {
		0xdd, 0x03,                               /* fld qword [ebx] */
		0xdd, 0x83, 0x00, 0x10, 0x00, 0x00,       /* fld qword [ebx+0x1000] */
	};

	h_mode32(&h);
	h_write64(&h, 0x300000, 0x00400083ull << 32 | 0x00000083);
	h.s->cr3 = 0x300000;
	h.s->cr4 |= CR4_PSE;
	h.s->cr0 |= CR0_PG;
	h.s->seg[SEG_DS].base = 0x1000;
	h_write64(&h, H_DATA, D1_5);
	h_write64(&h, H_DATA + 0x1000, D2_5);
	h.s->gpr[GPR_RBX] = H_DATA - 0x1000;
	RUN(code, 2);
	ck_assert_uint_eq(st_m(1), 0xc000000000000000ull);  /* 1.5 */
	ck_assert_uint_eq(st_m(0), 0xa000000000000000ull);  /* 2.5 */
}
END_TEST

/* The x87 instructions that write or read RFLAGS (FCOMI, FUCOMI, their
 * popping forms, FCMOVcc) see the flags of the instruction before them
 * and leave their own: they do not run with flags pending. */
START_TEST(x87_flag_users_after_pending_flags)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,             /* fninit */
		0xd9, 0xe8,             /* fld1 */
		0xd9, 0xee,             /* fldz: ST0 = 0, ST1 = 1 */
		0x48, 0x29, 0xc8,       /* sub rax, rcx: CF pending */
		0xda, 0xc1,             /* fcmovb st0, st1: moves (CF = 1) */
		0x48, 0x29, 0xc8,       /* sub rax, rcx: CF pending again */
		0xdb, 0xf1,             /* fcomi st0, st1: equal, ZF PF CF = 100 */
		0x0f, 0x92, 0xc2,       /* setb dl */
		0x0f, 0x94, 0xc3,       /* sete bl */
		0x48, 0x39, 0xc1,       /* cmp rcx, rax: 2 < -3 unsigned, CF */
		0xdf, 0xe9,             /* fucomip st0, st1: equal again */
		0x0f, 0x92, 0xc6,       /* setb dh */
	};

	h.s->gpr[GPR_RAX] = 1;
	h.s->gpr[GPR_RCX] = 2;
	h.s->gpr[GPR_RDX] = 0xffff;
	h.s->gpr[GPR_RBX] = 0;
	RUN(code, 12);
	ck_assert_uint_eq(st_m(0), 1ull << 63);    /* 1.0 moved into ST0 */
	ck_assert_uint_eq(h.s->gpr[GPR_RDX] & 0xffff, 0);
	ck_assert_uint_eq(h.s->gpr[GPR_RBX], 1);
}
END_TEST

void x87_fast_add_tests(TCase *tc)
{
	tcase_add_test(tc, x87_fast_operand_and_fdp);
	tcase_add_test(tc, x87_fast_flags_pending);
	tcase_add_test(tc, x87_fast_store_into_code);
	tcase_add_test(tc, x87_fast_not_outside_64bit);
	tcase_add_test(tc, x87_flag_users_after_pending_flags);
}
