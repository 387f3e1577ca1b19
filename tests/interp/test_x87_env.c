// SPDX-License-Identifier: MIT
/*
 * Interpreter: the x87 environment (FNSTENV, FLDENV, FNSAVE, FRSTOR) in
 * its 16- and 32-bit, real and protected layouts (SDM Vol. 1 8.1.10,
 * Figures 8-9 to 8-12).  Part of the interp_x87 test (test_x87.c builds
 * the suite).
 */
#include "x87_fixture.h"

/* FNSTENV / FNSAVE / FRSTOR in 64-bit mode: the 32-bit protected layout
 * (SDM Vol. 1 Figure 8-9), FNSTENV masking all exceptions afterwards,
 * FNSAVE reinitialising, FRSTOR bringing everything back. */
START_TEST(env_64bit)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0x2c, 0x25, 0x20, 0x00, 0x20, 0x00, /* fldcw [0x200020] */
		0xd9, 0xe8,                             /* fld1 */
		0xdd, 0x04, 0x25, 0x00, 0x01, 0x20, 0x00, /* fld qword [0x200100] */
		0xd9, 0x34, 0x25, 0x00, 0x02, 0x20, 0x00, /* fnstenv [0x200200] */
		0xdd, 0x34, 0x25, 0x00, 0x03, 0x20, 0x00, /* fnsave [0x200300] */
		0xdd, 0x24, 0x25, 0x00, 0x03, 0x20, 0x00, /* frstor [0x200300] */
	};
	static const uint32_t env[7] = {
		0xffff0372, 0xffff3000, 0xffff0fff, 0x0010000b, 0x05040008,
		0x00200100, 0xffff0010,
	};
	struct fpu_state before;

	put16(0x200020, 0x0372);
	h_write64(&h, 0x200100, 0x4000000000000000ull);      /* 2.0 */
	RUN(code, 5);
	for (unsigned i = 0; i < 7; i++)
		ck_assert_uint_eq(get32(0x200200 + 4 * i), env[i]);
	ck_assert_uint_eq(FPU.fcw, 0x037f);
	before = FPU;
	h_run(&h, 1);
	ck_assert_uint_eq(get32(0x200300), 0xffff037f);
	ck_assert_uint_eq(h_read64(&h, 0x200300 + 28), 1ull << 63);  /* ST0 */
	ck_assert_uint_eq(get16(0x200300 + 36), 0x4000);
	ck_assert_uint_eq(h_read64(&h, 0x200300 + 38), 1ull << 63);  /* ST1 */
	ck_assert_uint_eq(get16(0x200300 + 46), 0x3fff);
	ck_assert_uint_eq(FPU.fcw, 0x037f);
	ck_assert_uint_eq(FPU.fsw, 0);
	ck_assert_uint_eq(FPU.ftw, 0);
	h_run(&h, 1);
	ck_assert_uint_eq(FPU.fcw, before.fcw);
	ck_assert_uint_eq(FPU.fsw, before.fsw);
	ck_assert_uint_eq(FPU.ftw, before.ftw);
	ck_assert_uint_eq(FPU.fip, before.fip);
	ck_assert_uint_eq(FPU.fop, before.fop);
	ck_assert_uint_eq(FPU.fdp, before.fdp);
	ck_assert_uint_eq(FPU.fds, before.fds);
	ck_assert_mem_eq(FPU.st, before.st, sizeof(before.st));
}
END_TEST

/* 32-bit protected mode: the 32-bit layout, and with 66h the 16-bit
 * protected layout (Figure 8-11) with no FOP. */
START_TEST(env_32bit)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0xe8,                             /* fld1 */
		0xdd, 0x05, 0x00, 0x01, 0x20, 0x00,     /* fld qword [0x200100] */
		0xd9, 0x35, 0x00, 0x02, 0x20, 0x00,     /* fnstenv [0x200200] */
		0x66, 0xd9, 0x35, 0x40, 0x02, 0x20, 0x00, /* fnstenvw [0x200240] */
	};
	static const uint32_t env32[7] = {
		0xffff037f, 0xffff3000, 0xffff0fff, 0x00100004, 0x05050018,
		0x00200100, 0xffff0010,
	};
	static const uint16_t env16[7] = {
		0x037f, 0x3000, 0x0fff, 0x0004, 0x0018, 0x0100, 0x0010,
	};

	h_mode32(&h);
	h_write64(&h, 0x200100, 0x4000000000000000ull);
	RUN(code, 5);
	for (unsigned i = 0; i < 7; i++) {
		ck_assert_uint_eq(get32(0x200200 + 4 * i), env32[i]);
		ck_assert_uint_eq(get16(0x200240 + 2 * i), env16[i]);
	}
}
END_TEST

/* Real mode: the pointers are 20-bit linear addresses split around FOP
 * (Figures 8-10 and 8-12); FLDENV reads the same layout back. */
START_TEST(env_real_mode)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0xe8,                             /* fld1 */
		0xdd, 0x06, 0x00, 0x01,                 /* fld qword [0x100] */
		0xd9, 0x36, 0x00, 0x02,                 /* fnstenv [0x200] */
		0x66, 0xd9, 0x36, 0x40, 0x02,           /* fnstenv (32-bit) [0x240] */
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0x26, 0x00, 0x02,                 /* fldenv [0x200] */
	};
	static const uint16_t env16[7] = {
		0x037f, 0x3000, 0x0fff, 0x0004, 0x1506, 0x0100, 0x2000,
	};
	static const uint32_t env32[7] = {
		0xffff037f, 0xffff3000, 0xffff0fff, 0xffff0004, 0x00001506,
		0xffff0100, 0x00002000,
	};

	h_mode16(&h);
	h.s->seg[SEG_CS].sel = 0x1000;
	h.s->seg[SEG_CS].base = 0x10000;
	h.s->seg[SEG_DS].sel = 0x2000;
	h.s->seg[SEG_DS].base = 0x20000;
	h_write64(&h, 0x20100, 0x4000000000000000ull);
	h_load(&h, 0x10000, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 5), ENGINE_EXIT_INSN_LIMIT);
	for (unsigned i = 0; i < 7; i++) {
		ck_assert_uint_eq(get16(0x20200 + 2 * i), env16[i]);
		ck_assert_uint_eq(get32(0x20240 + 4 * i), env32[i]);
	}
	h_run(&h, 2);
	ck_assert_uint_eq(FPU.fip, 0x10004);
	ck_assert_uint_eq(FPU.fcs, 0);
	ck_assert_uint_eq(FPU.fop, 0x506);
	ck_assert_uint_eq(FPU.fdp, 0x20100);
	ck_assert_uint_eq(FPU.ftw, 0xc0);
	ck_assert_uint_eq(FPU.fsw, 0x3000);
}
END_TEST

/* FLDENV of a status word with an exception its control word unmasks
 * sets ES and B; the next waiting instruction takes #MF. */
START_TEST(fldenv_pending)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0x24, 0x25, 0x00, 0x02, 0x20, 0x00, /* fldenv [0x200200] */
		0xd9, 0xe8,                             /* fld1 */
	};
	enum engine_exit_reason r;

	put32(0x200200, 0x037b);                        /* ZM clear */
	put32(0x200204, 0x0004);                        /* ZE */
	put32(0x200208, 0xfff3);                        /* R1 in use */
	RUN(code, 2);
	ck_assert_uint_eq(FPU.fsw, 0x8084);
	ck_assert_uint_eq(FPU.ftw, 0x02);
	r = h_run(&h, 1);
	ck_assert_int_eq(h_fault_vector(&h, r), 16);
}
END_TEST

void x87_env_add_tests(TCase *tc)
{
	tcase_add_test(tc, env_64bit);
	tcase_add_test(tc, env_32bit);
	tcase_add_test(tc, env_real_mode);
	tcase_add_test(tc, fldenv_pending);
}
