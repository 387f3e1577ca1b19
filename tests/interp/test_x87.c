// SPDX-License-Identifier: MIT
/*
 * Interpreter: x87 FPU.  Results are checked against values computed
 * independently (exact rational arithmetic rounded by hand, SDM tables),
 * not against the host FPU the interpreter may itself use.  The
 * environment and save-area tests are in test_x87_env.c, linked into the
 * same test.
 */
#include <check.h>
#include <string.h>

#include "x87_fixture.h"

struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define FSW_EXC_MASK 0x7f

/* Load code and leave a fault handler's HLT from an earlier run. */
static void load_at(uint64_t gpa, const uint8_t *code, size_t len)
{
	h.s->activity = ACTIVITY_ACTIVE;
	h.s->gpr[GPR_RSP] = H_STACK;
	h_load(&h, gpa, code, len);
}

START_TEST(add_and_store)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0xe8,                             /* fld1 */
		0xd9, 0xeb,                             /* fldpi */
		0xde, 0xc1,                             /* faddp st(1),st */
		0xdd, 0x14, 0x25, 0x00, 0x00, 0x20, 0x00, /* fst qword [0x200000] */
		0xdb, 0x3c, 0x25, 0x10, 0x00, 0x20, 0x00, /* fstp tbyte [0x200010] */
	};

	RUN(code, 4);
	/* pi rounded to nearest (SDM Vol. 1 8.3.8); 1 + pi drops one 1 bit:
	 * a tie kept at the even significand, so PE and C1 = 0 */
	ck_assert_uint_eq(TOP, 7);
	ck_assert_uint_eq(FPU.ftw, 0x80);
	ck_assert_uint_eq(st_m(0), 0x8487ed5110b4611aull);
	ck_assert_uint_eq(st_se(0), 0x4001);
	ck_assert_uint_eq(FPU.fsw, 0x3800 | 0x0020);
	h_run(&h, 2);
	ck_assert_uint_eq(h_read64(&h, 0x200000), 0x401090fdaa22168cull);
	ck_assert_uint_eq(h_read64(&h, 0x200010), 0x8487ed5110b4611aull);
	ck_assert_uint_eq(get16(0x200018), 0x4001);
	ck_assert_uint_eq(TOP, 0);
	ck_assert_uint_eq(FPU.ftw, 0);
}
END_TEST

/* 1/3 under each rounding control and precision control (SDM 8.1.5). */
START_TEST(rounding_and_precision)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0x2c, 0x25, 0x20, 0x00, 0x20, 0x00, /* fldcw [0x200020] */
		0xd9, 0xe8,                             /* fld1 */
		0xdb, 0x04, 0x25, 0x24, 0x00, 0x20, 0x00, /* fild dword [0x200024] */
		0xde, 0xf9,                             /* fdivp st(1),st */
	};
	static const struct { uint16_t cw; uint64_t m; bool c1; } t[] = {
		{ 0x037f, 0xaaaaaaaaaaaaaaabull, true },    /* nearest */
		{ 0x077f, 0xaaaaaaaaaaaaaaaaull, false },   /* down */
		{ 0x0b7f, 0xaaaaaaaaaaaaaaabull, true },    /* up */
		{ 0x0f7f, 0xaaaaaaaaaaaaaaaaull, false },   /* chop */
		{ 0x007f, 0xaaaaab0000000000ull, true },    /* 24 bits */
		{ 0x027f, 0xaaaaaaaaaaaaa800ull, false },   /* 53 bits */
	};

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		put16(0x200020, t[i].cw);
		put32(0x200024, 3);
		RUN(code, 5);
		ck_assert_uint_eq(st_m(0), t[i].m);
		ck_assert_uint_eq(st_se(0), 0x3ffd);
		ck_assert_uint_eq(!!(FPU.fsw & 0x200), t[i].c1);
		ck_assert_uint_eq(FPU.fsw & FSW_EXC_MASK, 0x20);   /* PE */
		ck_assert_uint_eq(FPU.fcw, t[i].cw);
	}
}
END_TEST

/* Stack overflow: IE, SF, C1 = 1, the indefinite pushed (masked). */
START_TEST(stack_overflow_masked)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, /* fld1 x7 */
		0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8,
		0xd9, 0xee,                             /* fldz */
		0xd9, 0xeb,                             /* fldpi */
	};

	RUN(code, 9);
	ck_assert_uint_eq(TOP, 0);
	ck_assert_uint_eq(FPU.ftw, 0xff);
	ck_assert_uint_eq(FPU.fsw, 0);
	h_run(&h, 1);
	ck_assert_uint_eq(TOP, 7);
	ck_assert_uint_eq(FPU.fsw, 0x3800 | 0x0200 | 0x40 | 0x01);
	ck_assert_uint_eq(st_m(0), 0xc000000000000000ull);
	ck_assert_uint_eq(st_se(0), 0xffff);
	ck_assert_uint_eq(st_m(1), 0);          /* the fldz below it */
}
END_TEST

/* Unmasked stack underflow: nothing changes but IE SF ES B; the next
 * waiting instruction takes #MF (CR0.NE = 1) with FIP/FOP pointing at
 * the faulting FADD (SDM Vol. 1 8.1.8, 8.7). */
START_TEST(underflow_unmasked_mf)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0x2c, 0x25, 0x20, 0x00, 0x20, 0x00, /* fldcw [0x200020] */
		0xd8, 0xc1,                             /* fadd st,st(1) */
		0x90,                                   /* nop */
		0x9b,                                   /* fwait */
	};
	enum engine_exit_reason r;

	put16(0x200020, 0x037e);
	RUN(code, 4);
	ck_assert_uint_eq(FPU.fsw, 0x8000 | 0x80 | 0x40 | 0x01);
	ck_assert_uint_eq(FPU.ftw, 0);
	ck_assert_uint_eq(FPU.fip, H_CODE + 9);
	ck_assert_uint_eq(FPU.fcs, 0x08);
	ck_assert_uint_eq(FPU.fop, 0x0c1);
	r = h_run(&h, 1);
	ck_assert_int_eq(h_fault_vector(&h, r), 16);
	ck_assert_uint_eq(h_fault_rip(&h, r, false), H_CODE + 12);
}
END_TEST

static unsigned ferr_calls;

static void count_ferr(void *opaque)
{
	ferr_calls++;
}

/* CR0.NE = 0: no #MF, FERR# is signalled and the instruction runs. */
START_TEST(underflow_unmasked_ferr)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0x2c, 0x25, 0x20, 0x00, 0x20, 0x00, /* fldcw [0x200020] */
		0xd8, 0xc1,                             /* fadd st,st(1) */
		0x90,                                   /* nop */
		0x9b,                                   /* fwait */
		0xd9, 0xe8,                             /* fld1 */
	};

	h.ip->cfg.fpu_error = count_ferr;
	ferr_calls = 0;
	h.s->cr0 &= ~CR0_NE;
	put16(0x200020, 0x037e);
	RUN(code, 6);
	ck_assert_uint_eq(ferr_calls, 2);
	ck_assert_uint_eq(TOP, 7);
	ck_assert_uint_eq(st_m(0), 1ull << 63);
}
END_TEST

/* #NM: ESC with CR0.EM or CR0.TS; WAIT only with MP and TS (SDM Vol. 3A
 * Table 2-2). */
START_TEST(device_not_available)
{
	static const uint8_t code[] = {
		0xd9, 0xe8,                             /* fld1 */
		0x9b,                                   /* fwait */
	};
	enum engine_exit_reason r;

	h.s->cr0 |= CR0_EM;
	load_at(H_CODE, code, sizeof(code));
	r = h_run(&h, 1);
	ck_assert_int_eq(h_fault_vector(&h, r), 7);
	ck_assert_uint_eq(h_fault_rip(&h, r, false), H_CODE);

	h.s->cr0 = (h.s->cr0 & ~CR0_EM) | CR0_TS;
	load_at(H_CODE, code, sizeof(code));
	r = h_run(&h, 1);
	ck_assert_int_eq(h_fault_vector(&h, r), 7);

	/* EM alone does not stop WAIT; MP and TS do */
	h.s->cr0 = (h.s->cr0 & ~CR0_TS) | CR0_EM;
	load_at(H_CODE + 2, code + 2, 1);
	r = h_run(&h, 1);
	ck_assert_int_eq(r, ENGINE_EXIT_INSN_LIMIT);
	h.s->cr0 = (h.s->cr0 & ~CR0_EM) | CR0_TS | CR0_MP;
	load_at(H_CODE + 2, code + 2, 1);
	r = h_run(&h, 1);
	ck_assert_int_eq(h_fault_vector(&h, r), 7);
	h.s->cr0 &= ~CR0_MP;
	load_at(H_CODE + 2, code + 2, 1);
	r = h_run(&h, 1);
	ck_assert_int_eq(r, ENGINE_EXIT_INSN_LIMIT);

	/* A CPU model without an x87 (--cpu=-fpu): #UD, but #NM first
	 * while CR0.EM asks for software emulation */
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_FPU, false);
	h.s->cr0 &= ~CR0_TS;
	load_at(H_CODE, code, sizeof(code));
	r = h_run(&h, 1);
	ck_assert_int_eq(h_fault_vector(&h, r), 6);
	h.s->cr0 |= CR0_EM;
	load_at(H_CODE, code, sizeof(code));
	r = h_run(&h, 1);
	ck_assert_int_eq(h_fault_vector(&h, r), 7);
}
END_TEST

/* Division by zero: masked -> infinity; unmasked -> ST(1) and TOP kept. */
START_TEST(zero_divide)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0x2c, 0x25, 0x20, 0x00, 0x20, 0x00, /* fldcw [0x200020] */
		0xd9, 0xe8,                             /* fld1 */
		0xd9, 0xee,                             /* fldz */
		0xde, 0xf9,                             /* fdivp st(1),st */
	};

	put16(0x200020, 0x037f);
	RUN(code, 5);
	ck_assert_uint_eq(TOP, 7);
	ck_assert_uint_eq(st_m(0), 1ull << 63);
	ck_assert_uint_eq(st_se(0), 0x7fff);
	ck_assert_uint_eq(FPU.fsw, 0x3800 | 0x04);

	put16(0x200020, 0x037b);
	RUN(code, 5);
	ck_assert_uint_eq(TOP, 6);
	ck_assert_uint_eq(st_m(1), 1ull << 63);
	ck_assert_uint_eq(st_se(1), 0x3fff);
	ck_assert_uint_eq(FPU.fsw, 0x3000 | 0x8000 | 0x80 | 0x04);
}
END_TEST

/* Unmasked overflow to a register: the result with its exponent reduced
 * by 24576 (SDM Vol. 1 4.9.1.4); masked: infinity. */
START_TEST(overflow_bias)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0x2c, 0x25, 0x20, 0x00, 0x20, 0x00, /* fldcw [0x200020] */
		0xdb, 0x2c, 0x25, 0x30, 0x00, 0x20, 0x00, /* fld tbyte [0x200030] */
		0xd8, 0xc8,                             /* fmul st,st(0) */
	};

	put80(0x200030, ~0ull, 0x7ffe);
	put16(0x200020, 0x0377);
	RUN(code, 4);
	ck_assert_uint_eq(st_m(0), 0xfffffffffffffffeull);
	ck_assert_uint_eq(st_se(0), 0x5ffe);
	ck_assert_uint_eq(FPU.fsw & 0xff, 0x80 | 0x20 | 0x08);

	put16(0x200020, 0x037f);
	RUN(code, 4);
	ck_assert_uint_eq(st_m(0), 1ull << 63);
	ck_assert_uint_eq(st_se(0), 0x7fff);
	ck_assert_uint_eq(FPU.fsw & 0xff, 0x20 | 0x08);
}
END_TEST


/* FCOMI/FUCOMI: ZF PF CF, OF SF AF cleared; only FCOMI raises IE for a
 * QNaN; FCOM's C3 C2 C0 (SDM Vol. 2A FCOM, FCOMI). */
START_TEST(compares)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xdb, 0x2c, 0x25, 0x00, 0x00, 0x20, 0x00, /* fld tbyte [0x200000] */
		0xdb, 0x2c, 0x25, 0x10, 0x00, 0x20, 0x00, /* fld tbyte [0x200010] */
		0xdb, 0xf1,                             /* fcomi st,st(1) */
		0xdb, 0xe9,                             /* fucomi st,st(1) */
		0xd8, 0xd1,                             /* fcom st(1) */
		0xdf, 0xe0,                             /* fnstsw ax */
	};
	const uint64_t fl = RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF;

	put80(0x200000, 1ull << 63, 0x3fff);            /* ST(1) = 1 */
	put80(0x200010, 0, 0);                          /* ST(0) = 0 */
	h.s->rflags |= RFLAGS_OF | RFLAGS_SF | RFLAGS_AF;
	RUN(code, 4);
	ck_assert_uint_eq(h.s->rflags & (fl | RFLAGS_OF | RFLAGS_SF | RFLAGS_AF),
			  RFLAGS_CF);
	h_run(&h, 3);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX] & 0xffff, 0x3000 | 0x0100);

	put80(0x200010, 3ull << 62, 0x7fff);            /* ST(0) = QNaN */
	RUN(code, 3);
	h.s->rip = H_CODE + 18;                         /* FUCOMI alone */
	h_run(&h, 1);
	ck_assert_uint_eq(h.s->rflags & fl, fl);
	ck_assert_uint_eq(FPU.fsw & 0x3f, 0);           /* no IE */
	h.s->rflags &= ~fl;
	RUN(code, 4);
	ck_assert_uint_eq(h.s->rflags & fl, fl);
	ck_assert_uint_eq(FPU.fsw & 0x3f, 0x01);        /* FCOMI: IE */
	h_run(&h, 3);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX] & 0x4700, 0x4500);
}
END_TEST

/* FXAM classes (SDM Vol. 2A FXAM, Table 3-?): C3 C2 C0 and C1 = sign. */
START_TEST(examine)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0xe5,                             /* fxam */
		0xdf, 0xe0,                             /* fnstsw ax */
		0xdb, 0x2c, 0x25, 0x00, 0x00, 0x20, 0x00, /* fld tbyte [0x200000] */
		0xd9, 0xe5,                             /* fxam */
		0xdf, 0xe0,                             /* fnstsw ax */
	};
	static const struct { uint64_t m; uint16_t se, cc; } t[] = {
		{ 1ull << 63, 0x3fff, 0x0400 },         /* normal */
		{ 1ull << 63, 0xffff, 0x0700 },         /* -infinity */
		{ 3ull << 62, 0x7fff, 0x0100 },         /* NaN */
		{ 0, 0x8000, 0x4200 },                  /* -0 */
		{ 1, 0, 0x4400 },                       /* denormal */
		{ 1ull << 63, 0, 0x4400 },              /* pseudo-denormal */
		{ 1ull << 62, 0x3fff, 0x0000 },         /* unnormal */
		{ 0, 0x7fff, 0x0000 },                  /* pseudo-infinity */
	};

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		put80(0x200000, t[i].m, t[i].se);
		RUN(code, 3);
		ck_assert_uint_eq(h.s->gpr[GPR_RAX] & 0x4700, 0x4100); /* empty */
		h_run(&h, 3);
		ck_assert_uint_eq(h.s->gpr[GPR_RAX] & 0x4700, t[i].cc);
	}
}
END_TEST

/* FIST/FISTTP/FILD/FBLD/FBSTP: rounding per RC, truncation, the integer
 * and BCD indefinites for out-of-range values (SDM Vol. 2A FIST, FBSTP). */
START_TEST(integers_and_bcd)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0x2c, 0x25, 0x20, 0x00, 0x20, 0x00, /* fldcw [0x200020] */
		0xdb, 0x2c, 0x25, 0x00, 0x00, 0x20, 0x00, /* fld tbyte [0x200000] */
		0xdf, 0x14, 0x25, 0x30, 0x00, 0x20, 0x00, /* fist word [0x200030] */
		0xdb, 0x0c, 0x25, 0x34, 0x00, 0x20, 0x00, /* fisttp dword [0x200034] */
		0xdf, 0x2c, 0x25, 0x40, 0x00, 0x20, 0x00, /* fild qword [0x200040] */
		0xdf, 0x24, 0x25, 0x50, 0x00, 0x20, 0x00, /* fbld tbyte [0x200050] */
		0xdf, 0x34, 0x25, 0x60, 0x00, 0x20, 0x00, /* fbstp tbyte [0x200060] */
		0xdf, 0x3c, 0x25, 0x70, 0x00, 0x20, 0x00, /* fistp qword [0x200070] */
	};
	static const uint8_t bcd[10] = { 0x78, 0x56, 0x34, 0x12, 0x90, 0x78,
					 0x56, 0x34, 0x12, 0x80 };
	uint8_t out[10];

	/* -2.5: nearest-even -2, up -2, down -3; FISTTP truncates: -2 */
	put80(0x200000, 0xa000000000000000ull, 0xc000);
	h_write64(&h, 0x200040, 0x8000000000000000ull);
	gmem_write(&h.mem, 0x200050, bcd, 10);
	put16(0x200020, 0x077f);                        /* RC down */
	RUN(code, 4);
	ck_assert_uint_eq(get16(0x200030), 0xfffd);
	ck_assert_uint_eq(FPU.fsw & 0x3f, 0x20);
	h_run(&h, 1);
	ck_assert_uint_eq(get32(0x200034), 0xfffffffe);
	h_run(&h, 1);                                   /* INT64_MIN */
	ck_assert_uint_eq(st_m(0), 1ull << 63);
	ck_assert_uint_eq(st_se(0), 0xc03e);
	h_run(&h, 1);                                   /* -123456789012345678 */
	ck_assert_uint_eq(st_m(0), 0xdb4da5d31879a700ull);
	ck_assert_uint_eq(st_se(0), 0xc037);
	h_run(&h, 1);                                   /* back to BCD */
	gmem_read(&h.mem, 0x200060, out, 10);
	ck_assert_mem_eq(out, bcd, 10);
	h_run(&h, 1);                                   /* -2^63 fits */
	ck_assert_uint_eq(h_read64(&h, 0x200070), 0x8000000000000000ull);
	ck_assert_uint_eq(FPU.fsw & 0x3f, 0x20);

	/* 40000 does not fit in 16 bits: integer indefinite, IE */
	put80(0x200000, 0x9c40000000000000ull, 0x400e);
	put16(0x200020, 0x037f);
	RUN(code, 4);
	ck_assert_uint_eq(get16(0x200030), 0x8000);
	ck_assert_uint_eq(FPU.fsw & 0x3f, 0x01);
	/* FBSTP of 10^18: the BCD indefinite (FFFF C000 0000 0000 0000) */
	put80(0x200000, 0xde0b6b3a76400000ull, 0x403a);
	RUN(code, 3);
	put80(0x200000, 0, 0);
	h.s->rip = H_CODE + 44;                         /* the fbstp */
	h_run(&h, 1);
	gmem_read(&h.mem, 0x200060, out, 10);
	ck_assert_uint_eq(out[9], 0xff);
	ck_assert_uint_eq(out[8], 0xff);
	ck_assert_uint_eq(out[7], 0xc0);
	ck_assert_uint_eq(out[0] | out[6], 0);
	ck_assert_uint_eq(FPU.fsw & 0x01, 0x01);
}
END_TEST

/* Signalling NaN and unsupported operands (SDM Vol. 1 4.8.3.4, 8.2.2):
 * #IA, a quieted NaN or the indefinite; a pseudo-denormal is used as the
 * denormal it encodes (#D). */
START_TEST(nan_and_unsupported)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0xe8,                             /* fld1 */
		0xdb, 0x2c, 0x25, 0x00, 0x00, 0x20, 0x00, /* fld tbyte [0x200000] */
		0xde, 0xc1,                             /* faddp st(1),st */
	};
	static const uint8_t fld_m32[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0x04, 0x25, 0x10, 0x00, 0x20, 0x00, /* fld dword [0x200010] */
	};

	put80(0x200000, 0x8000000000000001ull, 0x7fff);     /* SNaN */
	RUN(code, 4);
	ck_assert_uint_eq(st_m(0), 0xc000000000000001ull);
	ck_assert_uint_eq(st_se(0), 0x7fff);
	ck_assert_uint_eq(FPU.fsw & 0x3f, 0x01);

	put80(0x200000, 0x4000000000000000ull, 0x3fff);     /* unnormal */
	RUN(code, 4);
	ck_assert_uint_eq(st_m(0), 0xc000000000000000ull);
	ck_assert_uint_eq(st_se(0), 0xffff);
	ck_assert_uint_eq(FPU.fsw & 0x3f, 0x01);

	put80(0x200000, 0x8000000000000000ull, 0x0000);     /* pseudo-denormal */
	RUN(code, 4);
	ck_assert_uint_eq(st_m(0), 1ull << 63);              /* 1 + 2^-16382 */
	ck_assert_uint_eq(st_se(0), 0x3fff);
	ck_assert_uint_eq(FPU.fsw & 0x3f, 0x22);             /* DE PE */

	put32(0x200010, 0x7f800001);                          /* SNaN m32 */
	RUN(fld_m32, 2);
	ck_assert_uint_eq(st_m(0), 0xc000010000000000ull);
	ck_assert_uint_eq(st_se(0), 0x7fff);
	ck_assert_uint_eq(FPU.fsw & 0x3f, 0x01);
}
END_TEST

/* FXCH, FFREE, FDECSTP/FINCSTP, FCMOVcc (SDM Vol. 2A). */
START_TEST(stack_ops)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0xe8,                             /* fld1 */
		0xd9, 0xee,                             /* fldz */
		0xd9, 0xc9,                             /* fxch st(1) */
		0xdd, 0xc1,                             /* ffree st(1) */
		0xd9, 0xf6,                             /* fdecstp */
		0xd9, 0xf7,                             /* fincstp */
		0xd9, 0xee,                             /* fldz */
		0xda, 0xc1,                             /* fcmovb st,st(1) */
		0xdb, 0xc1,                             /* fcmovnb st,st(1) */
	};

	RUN(code, 4);
	ck_assert_uint_eq(st_m(0), 1ull << 63);
	ck_assert_uint_eq(st_m(1), 0);
	h_run(&h, 1);
	ck_assert_uint_eq(FPU.ftw, 0x40);               /* only R6 = ST0 */
	h_run(&h, 1);
	ck_assert_uint_eq(TOP, 5);
	ck_assert_uint_eq(FPU.ftw, 0x40);
	h_run(&h, 2);
	ck_assert_uint_eq(TOP, 5);
	h.s->rflags &= ~RFLAGS_CF;                      /* ST(1) = 1 */
	h_run(&h, 1);
	ck_assert_uint_eq(st_m(0), 0);
	h_run(&h, 1);
	ck_assert_uint_eq(st_m(0), 1ull << 63);
	ck_assert_uint_eq(st_se(0), 0x3fff);
}
END_TEST

/* Transcendentals: correctly rounded values (computed with exact rational
 * arithmetic), FPTAN's 1.0, FSINCOS's order, out-of-range C2. */
START_TEST(transcendental)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0xe8,                             /* fld1 */
		0xd9, 0xe8,                             /* fld1 */
		0xd9, 0xf3,                             /* fpatan */
		0xd9, 0xeb,                             /* fldpi */
		0xd9, 0xfe,                             /* fsin */
		0xdb, 0x2c, 0x25, 0x00, 0x00, 0x20, 0x00, /* fld tbyte [0x200000] */
		0xd9, 0xf0,                             /* f2xm1 */
		0xd9, 0xfb,                             /* fsincos */
		0xd9, 0xf2,                             /* fptan */
		0xdb, 0x2c, 0x25, 0x10, 0x00, 0x20, 0x00, /* fld tbyte [0x200010] */
		0xd9, 0xfe,                             /* fsin */
	};
	static const uint8_t pc24[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0x2c, 0x25, 0x20, 0x00, 0x20, 0x00, /* fldcw [0x200020] */
		0xd9, 0xeb,                             /* fldpi */
		0xd9, 0xfe,                             /* fsin */
	};

	put80(0x200000, 1ull << 63, 0x3ffe);            /* 0.5 */
	put80(0x200010, 1ull << 63, 0x403e);            /* 2^63 */
	RUN(code, 4);
	ck_assert_uint_eq(st_m(0), 0xc90fdaa22168c235ull);     /* pi/4 */
	ck_assert_uint_eq(st_se(0), 0x3ffe);
	ck_assert_uint_eq(TOP, 7);
	/* sin(pi rounded to 64 bits) = -(that rounding error) */
	h_run(&h, 2);
	ck_assert_uint_eq(st_m(0), 0xece675d1fc8f8cbbull);
	ck_assert_uint_eq(st_se(0), 0xbfbe);
	ck_assert_uint_eq(FPU.fsw & 0x0400, 0);
	h_run(&h, 2);                                   /* 2^0.5 - 1 */
	ck_assert_uint_eq(st_m(0), 0xd413cccfe7799211ull);
	ck_assert_uint_eq(st_se(0), 0x3ffd);
	ck_assert_uint_eq(FPU.fsw & 0x20, 0x20);
	put80(0x200000, 0, 0);
	h_run(&h, 1);                                   /* fsincos */
	ck_assert_uint_eq(TOP, 4);
	h_run(&h, 1);                                   /* fptan */
	ck_assert_uint_eq(st_m(0), 1ull << 63);
	ck_assert_uint_eq(st_se(0), 0x3fff);
	ck_assert_uint_eq(TOP, 3);
	h_run(&h, 2);                                   /* fsin(2^63) */
	ck_assert_uint_eq(FPU.fsw & 0x0400, 0x0400);
	ck_assert_uint_eq(st_se(0), 0x403e);
	ck_assert_uint_eq(TOP, 2);

	/* Precision control does not apply to them (SDM Vol. 1 8.1.5.2) */
	put16(0x200020, 0x007f);
	RUN(pc24, 4);
	ck_assert_uint_eq(st_m(0), 0xece675d1fc8f8cbbull);
	ck_assert_uint_eq(st_se(0), 0xbfbe);
}
END_TEST

/* The host's own x87 state survives guest x87 work: its control word,
 * its exception flags and its empty stack (the requirement for
 * running guest operations on the host unit). */
START_TEST(host_state_kept)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0x2c, 0x25, 0x20, 0x00, 0x20, 0x00, /* fldcw [0x200020] */
		0xd9, 0xe8,                             /* fld1 */
		0xd9, 0xee,                             /* fldz */
		0xde, 0xf9,                             /* fdivp: ZE, unmasked */
		0xd9, 0xe8,                             /* fld1 */
		0xd9, 0xeb,                             /* fldpi: PE */
	};
	static const uint16_t host_cw = 0x0a7f;        /* PC 53, RC up */
	uint16_t cw, sw;

	/* The host's own flags are kept, except a precision flag, which a
	 * run may clear (x87_host.c: the host keeps a masked PE across
	 * runs and clears it when the guest's status word has none). */
	put16(0x200020, 0x0b7b);
	for (int dirty = 0; dirty < 3; dirty++) {
		__asm__ volatile("fninit\n\tfldcw %0" : : "m"(host_cw));
		if (dirty == 1) /* a host flag set: PE from 1/3 */
			__asm__ volatile("fld1\n\tfld1\n\tfld1\n\tfaddp\n\t"
					 "fld1\n\tfaddp\n\tfdivrp\n\t"
					 "fstp %%st(0)" : : : "st");
		if (dirty == 2) /* ZE from 1/0 */
			__asm__ volatile("fld1\n\tfldz\n\tfdivrp\n\t"
					 "fstp %%st(0)" : : : "st");
		h.s->activity = ACTIVITY_ACTIVE;
		RUN(code, 5);
		ck_assert_uint_eq(FPU.fsw & 0xff, 0x84);        /* ES ZE */
		__asm__ volatile("fnstcw %0\n\tfnstsw %1" : "=m"(cw), "=m"(sw));
		ck_assert_uint_eq(cw, host_cw);
		ck_assert_uint_eq(sw & 0x38df, dirty == 2 ? 0x04 : 0);
		__asm__ volatile("fninit");
	}
}
END_TEST

/* The host may keep an inexact result's PE set between instructions
 * (x87_host.c); the guest still sees only its own flags: after FNCLEX an
 * exact addition reports no PE, and an unmasked PE is pending (ES, B)
 * without disturbing the next, masked, instruction. */
START_TEST(precision_flag_is_the_guests_own)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0xe8,                             /* fld1 */
		0xdb, 0x04, 0x25, 0x24, 0x00, 0x20, 0x00, /* fild dword [0x200024] */
		0xde, 0xf9,                             /* fdivp: 1/3, PE */
		0xd9, 0xe8,                             /* fld1 */
		0xde, 0xc1,                             /* faddp: 4/3, PE again */
		0xdb, 0xe2,                             /* fnclex */
		0xd9, 0xe8,                             /* fld1 */
		0xd9, 0xe8,                             /* fld1 */
		0xde, 0xc1,                             /* faddp: 2, exact */
	};
	static const uint8_t unmasked[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0x2c, 0x25, 0x20, 0x00, 0x20, 0x00, /* fldcw [0x200020] */
		0xd9, 0xe8,                             /* fld1 */
		0xdb, 0x04, 0x25, 0x24, 0x00, 0x20, 0x00, /* fild dword [0x200024] */
		0xde, 0xf9,                             /* fdivp: 1/3, PE unmasked */
		0xdb, 0xe2,                             /* fnclex */
		0xd9, 0x2c, 0x25, 0x22, 0x00, 0x20, 0x00, /* fldcw [0x200022] */
		0xd9, 0xe8,                             /* fld1 */
		0xd9, 0xe8,                             /* fld1 */
		0xde, 0xc1,                             /* faddp: 2, exact */
	};

	put32(0x200024, 3);
	RUN(code, 6);
	ck_assert_uint_eq(FPU.fsw & FSW_EXC_MASK, 0x20);
	h_run(&h, 4);
	ck_assert_uint_eq(FPU.fsw & (0x80 | FSW_EXC_MASK), 0);
	ck_assert_uint_eq(st_se(0), 0x4000);            /* 2 */

	put16(0x200020, 0x035f);                        /* PE unmasked */
	put16(0x200022, 0x037f);
	h.s->activity = ACTIVITY_ACTIVE;
	RUN(unmasked, 5);
	ck_assert_uint_eq(FPU.fsw & (0x8000 | 0x80 | FSW_EXC_MASK),
			  0x8000 | 0x80 | 0x20);        /* B ES PE */
	h_run(&h, 5);
	ck_assert_uint_eq(FPU.fsw & (0x8000 | 0x80 | FSW_EXC_MASK), 0);
}
END_TEST

/* With CR0.NE clear a pending exception only signals FERR# and the
 * instruction goes on (SDM Vol. 1 8.7): an inexact result with PE masked,
 * then a control word that unmasks PE, then more arithmetic - the host
 * must not carry the earlier PE into a run under the unmasking control
 * word (it would trap on the host). */
START_TEST(precision_unmasked_after_masked_ferr)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xd9, 0xe8,                             /* fld1 */
		0xdb, 0x04, 0x25, 0x24, 0x00, 0x20, 0x00, /* fild dword [0x200024] */
		0xde, 0xf9,                             /* fdivp: 1/3, PE masked */
		0xd9, 0x2c, 0x25, 0x20, 0x00, 0x20, 0x00, /* fldcw [0x200020] */
		0xd9, 0xe8,                             /* fld1: FERR#, goes on */
		0xde, 0xc1,                             /* faddp: 4/3, PE unmasked */
	};

	h.ip->cfg.fpu_error = count_ferr;
	ferr_calls = 0;
	h.s->cr0 &= ~CR0_NE;
	put16(0x200020, 0x035f);
	put32(0x200024, 3);
	RUN(code, 7);
	ck_assert_uint_eq(ferr_calls, 2);
	ck_assert_uint_eq(FPU.fsw & (0x8000 | 0x80 | FSW_EXC_MASK),
			  0x8000 | 0x80 | 0x20);
	ck_assert_uint_eq(TOP, 7);
	ck_assert_uint_eq(st_m(0), 0xaaaaaaaaaaaaaaabull);   /* 4/3 */
}
END_TEST

/* FPREM/FPREM1: exact remainders, the quotient's low bits in C0 C3 C1,
 * and FPREM's partial remainder for an exponent difference D >= 64
 * (C2 = 1): reduced by N = 32 + (D mod 32) (SDM Vol. 2A FPREM leaves N
 * to the implementation; this is Intel's and AMD's choice, measured on
 * an Intel host). */
START_TEST(partial_remainder)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                             /* fninit */
		0xdb, 0x2c, 0x25, 0x10, 0x00, 0x20, 0x00, /* fld tbyte [0x200010] */
		0xdb, 0x2c, 0x25, 0x00, 0x00, 0x20, 0x00, /* fld tbyte [0x200000] */
		0xd9, 0xf8,                             /* fprem */
	};
	static const uint8_t code1[] = {
		0xdb, 0xe3,                             /* fninit */
		0xdb, 0x2c, 0x25, 0x10, 0x00, 0x20, 0x00, /* fld tbyte [0x200010] */
		0xdb, 0x2c, 0x25, 0x00, 0x00, 0x20, 0x00, /* fld tbyte [0x200000] */
		0xd9, 0xf5,                             /* fprem1 */
	};

	put80(0x200000, 0xf000000000000000ull, 0x4001);     /* 7.5 */
	put80(0x200010, 1ull << 63, 0x4000);                /* 2 */
	RUN(code, 4);                           /* 1.5, quotient 3 */
	ck_assert_uint_eq(st_m(0), 0xc000000000000000ull);
	ck_assert_uint_eq(st_se(0), 0x3fff);
	ck_assert_uint_eq(FPU.fsw & 0x4700, 0x4200);
	RUN(code1, 4);                          /* -0.5, quotient 4 */
	ck_assert_uint_eq(st_m(0), 1ull << 63);
	ck_assert_uint_eq(st_se(0), 0xbffe);
	ck_assert_uint_eq(FPU.fsw & 0x4700, 0x0100);

	put80(0x200000, 0xd5a3c1e2f0987654ull, 0x3fff + 64);
	put80(0x200010, 0x9b1f0e2d3c4b5a69ull, 0x3fff);
	RUN(code, 4);
	ck_assert_uint_eq(st_m(0), 0xb2963c791bcf12e8ull);
	ck_assert_uint_eq(st_se(0), 0x401e);
	ck_assert_uint_eq(FPU.fsw & 0x0400, 0x0400);
}
END_TEST

Suite *x87_suite(void);
Suite *x87_suite(void)
{
	Suite *s = suite_create("interp_x87");
	TCase *tc = tcase_create("x87");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, add_and_store);
	tcase_add_test(tc, rounding_and_precision);
	tcase_add_test(tc, stack_overflow_masked);
	tcase_add_test(tc, underflow_unmasked_mf);
	tcase_add_test(tc, underflow_unmasked_ferr);
	tcase_add_test(tc, device_not_available);
	tcase_add_test(tc, zero_divide);
	tcase_add_test(tc, overflow_bias);
	tcase_add_test(tc, compares);
	tcase_add_test(tc, examine);
	tcase_add_test(tc, integers_and_bcd);
	tcase_add_test(tc, nan_and_unsupported);
	x87_env_add_tests(tc);
	x87_fast_add_tests(tc);
	tcase_add_test(tc, stack_ops);
	tcase_add_test(tc, transcendental);
	tcase_add_test(tc, host_state_kept);
	tcase_add_test(tc, precision_flag_is_the_guests_own);
	tcase_add_test(tc, precision_unmasked_after_masked_ferr);
	tcase_add_test(tc, partial_remainder);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(x87_suite());
}
