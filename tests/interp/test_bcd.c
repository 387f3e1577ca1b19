// SPDX-License-Identifier: MIT
/*
 * Interpreter: AAA, AAS, DAA, DAS, AAM imm8, AAD imm8 in 32- and 16-bit
 * modes (SDM Vol. 2A), #DE for AAM 0, #UD in 64-bit mode.  Flags the SDM
 * defines are asserted exactly; the undefined ones follow the choice
 * documented in src/engine/interp/exec_bcd.c (Unicorn's).
 */
#include <check.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define F(x) RFLAGS_##x
#define G(r) (h.s->gpr[GPR_##r])
#define FL (h.s->rflags & ARITH_FLAGS)
#define RUN(code, n) h_exec(&h, code, sizeof(code), n)

/* 32-bit mode, RAX = rax, status flags = fl. */
static void start32(uint64_t rax, uint64_t fl)
{
	h_mode32(&h);
	G(RAX) = rax;
	h.s->rflags = (h.s->rflags & ~ARITH_FLAGS) | fl;
}

/* SDM Vol. 2A DAA example: ADD AL,BL with 79H + 35H = AEH, DAA -> 14H,
 * decimal carry out (79 + 35 = 114). */
START_TEST(daa_after_add)
{
	static const uint8_t code[] = {
		0xb0, 0x79,                     /* mov al,0x79 */
		0xb3, 0x35,                     /* mov bl,0x35 */
		0x00, 0xd8,                     /* add al,bl */
		0x27,                           /* daa */
	};

	start32(0xaaaa5500, F(OF));
	RUN(code, 3);
	ck_assert_uint_eq(G(RAX), 0xaaaa55ae);
	RUN(code, 4);
	ck_assert_uint_eq(G(RAX), 0xaaaa5514);
	ck_assert_uint_eq(FL, F(AF) | F(CF) | F(PF));
}
END_TEST

/* 99 + 01 = 100: AL = 00 with CF, ZF; and a no-adjust case. */
START_TEST(daa_zero_and_noop)
{
	static const uint8_t add[] = {
		0xb0, 0x99,                     /* mov al,0x99 */
		0x04, 0x01,                     /* add al,0x1 */
		0x27,                           /* daa */
	};
	static const uint8_t daa[] = { 0x27 };

	start32(0, 0);
	RUN(add, 3);
	ck_assert_uint_eq(G(RAX), 0);
	ck_assert_uint_eq(FL, F(AF) | F(CF) | F(ZF) | F(PF));
	/* 0x85 with AF = CF = 0: unchanged, AF = CF = 0, SF from bit 7,
	 * OF (undefined) cleared. */
	start32(0x185, F(OF));
	RUN(daa, 1);
	ck_assert_uint_eq(G(RAX), 0x185);
	ck_assert_uint_eq(FL, F(SF));
	/* Incoming CF alone adds 60H: 0x12 -> 0x72, CF stays 1. */
	start32(0x12, F(CF));
	RUN(daa, 1);
	ck_assert_uint_eq(G(RAX), 0x72);
	ck_assert_uint_eq(FL, F(CF) | F(PF));
}
END_TEST

/* SDM Vol. 2A DAS example: SUB AL,BL with 35H - 47H = EEH, DAS -> 88H,
 * decimal borrow (35 - 47 = -12 -> 88). */
START_TEST(das_after_sub)
{
	static const uint8_t code[] = {
		0xb0, 0x35,                     /* mov al,0x35 */
		0xb3, 0x47,                     /* mov bl,0x47 */
		0x28, 0xd8,                     /* sub al,bl */
		0x2f,                           /* das */
	};

	start32(0x7700, 0);
	RUN(code, 3);
	ck_assert_uint_eq(G(RAX) & 0xff, 0xee);
	ck_assert_uint_eq(FL & (F(AF) | F(CF)), F(AF) | F(CF));
	RUN(code, 4);
	ck_assert_uint_eq(G(RAX), 0x7788);
	ck_assert_uint_eq(FL, F(SF) | F(AF) | F(PF) | F(CF));
}
END_TEST

/* DAS has no ELSE CF := 0: the borrow of AL - 6 survives (03H, AF = 1). */
START_TEST(das_borrow_survives)
{
	static const uint8_t das[] = { 0x2f };

	start32(0x03, F(AF));
	RUN(das, 1);
	ck_assert_uint_eq(G(RAX), 0xfd);
	ck_assert_uint_eq(FL, F(SF) | F(AF) | F(CF));
	/* 0x42 with CF only: subtract 60H -> E2H, CF = 1, AF = 0. */
	start32(0x42, F(CF) | F(OF));
	RUN(das, 1);
	ck_assert_uint_eq(G(RAX), 0xe2);
	ck_assert_uint_eq(FL, F(SF) | F(CF) | F(PF));
}
END_TEST

/* ASCII '9' + '8' = 71H with AF: AAA -> AH + 1, AL = 7 (9 + 8 = 17). */
START_TEST(aaa_forms)
{
	static const uint8_t code[] = {
		0xb8, 0x39, 0x00, 0x00, 0x00,   /* mov eax,0x39 */
		0x04, 0x38,                     /* add al,0x38 */
		0x37,                           /* aaa */
	};
	static const uint8_t aaa[] = { 0x37 };
	const uint64_t undef = F(OF) | F(SF) | F(ZF) | F(PF);

	start32(0xffffffff, 0);
	RUN(code, 3);
	ck_assert_uint_eq(G(RAX), 0x0107);
	ck_assert_uint_eq(FL & (F(AF) | F(CF)), F(AF) | F(CF));
	/* AL = FBH > F9H: AX + 106H also carries out of AL, AH + 2. */
	start32(0x5512fb, undef);
	RUN(aaa, 1);
	ck_assert_uint_eq(G(RAX), 0x551401);
	ck_assert_uint_eq(FL, undef | F(AF) | F(CF));
	/* No adjustment: AL := AL AND 0FH, AF = CF = 0, others kept. */
	start32(0x1234, F(CF) | F(ZF));
	RUN(aaa, 1);
	ck_assert_uint_eq(G(RAX), 0x1204);
	ck_assert_uint_eq(FL, F(ZF));
}
END_TEST

/* ASCII '2' - '5' = FDH with AF, CF: AAS -> AH - 1, AL = 7 (12 - 5). */
START_TEST(aas_forms)
{
	static const uint8_t code[] = {
		0xb8, 0x32, 0x01, 0x00, 0x00,   /* mov eax,0x132 */
		0x2c, 0x35,                     /* sub al,0x35 */
		0x3f,                           /* aas */
	};
	static const uint8_t aas[] = { 0x3f };

	start32(0, 0);
	RUN(code, 3);
	ck_assert_uint_eq(G(RAX), 0x0007);
	ck_assert_uint_eq(FL & (F(AF) | F(CF)), F(AF) | F(CF));
	/* AL = 03H < 6 with AF: AX - 6 borrows from AH too, AH - 2. */
	start32(0x0503, F(AF) | F(SF));
	RUN(aas, 1);
	ck_assert_uint_eq(G(RAX), 0x030d);
	ck_assert_uint_eq(FL, F(AF) | F(CF) | F(SF));
	/* AH = 0 wraps to FFH. */
	start32(0x000a, 0);
	RUN(aas, 1);
	ck_assert_uint_eq(G(RAX), 0xff04);
	ck_assert_uint_eq(FL, F(AF) | F(CF));
	/* No adjustment. */
	start32(0x0509, F(CF) | F(PF));
	RUN(aas, 1);
	ck_assert_uint_eq(G(RAX), 0x0509);
	ck_assert_uint_eq(FL, F(PF));
}
END_TEST

START_TEST(aam_forms)
{
	static const uint8_t aam10[] = { 0xd4, 0x0a };
	static const uint8_t aam16[] = { 0xd4, 0x10 };

	/* 3FH = 63: AH = 6, AL = 3; OF AF CF (undefined) cleared. */
	start32(0x12347a3f, F(OF) | F(AF) | F(CF) | F(ZF));
	RUN(aam10, 1);
	ck_assert_uint_eq(G(RAX), 0x12340603);
	ck_assert_uint_eq(FL, F(PF));
	start32(0x50, 0);
	RUN(aam10, 1);
	ck_assert_uint_eq(G(RAX), 0x0800);
	ck_assert_uint_eq(FL, F(ZF) | F(PF));
	start32(0xff, 0);
	RUN(aam16, 1);
	ck_assert_uint_eq(G(RAX), 0x0f0f);
	ck_assert_uint_eq(FL, F(PF));
}
END_TEST

START_TEST(aad_forms)
{
	static const uint8_t aad10[] = { 0xd5, 0x0a };
	static const uint8_t aad_ff[] = { 0xd5, 0xff };

	/* 06H 03H -> 63 = 3FH, AH = 0. */
	start32(0xabcd0603, F(OF) | F(AF) | F(CF) | F(SF));
	RUN(aad10, 1);
	ck_assert_uint_eq(G(RAX), 0xabcd003f);
	ck_assert_uint_eq(FL, F(PF));
	/* 2 * 255 + 2 = 512: AL wraps to 0. */
	start32(0x0202, 0);
	RUN(aad_ff, 1);
	ck_assert_uint_eq(G(RAX), 0);
	ck_assert_uint_eq(FL, F(ZF) | F(PF));
	/* 0C * 10 + 8 = 128 = 80H: SF, odd parity. */
	start32(0x0c08, 0);
	RUN(aad10, 1);
	ck_assert_uint_eq(G(RAX), 0x80);
	ck_assert_uint_eq(FL, F(SF));
}
END_TEST

/* 32-bit interrupt gates for vectors 0..7 to the harness's HLT stubs. */
static void idt32(void)
{
	const uint64_t idt = H_DATA + 0x1000;

	for (uint64_t v = 0; v < 8; v++) {
		uint64_t off = H_VEC + 16 * v;

		h_write64(&h, idt + 8 * v, (off & 0xffff) | (0x18ull << 16) |
			  (0x8eull << 40) | ((off >> 16 & 0xffff) << 48));
	}
	h.s->idtr = (struct dtable_reg){ idt, 8 * 8 - 1 };
}

/* AAM 0: #DE, faulting EIP = the AAM, AX and flags unchanged. */
START_TEST(aam_zero_de)
{
	static const uint8_t code[] = {
		0x90,                           /* nop */
		0xd4, 0x00,                     /* aam 0x0 */
	};
	enum engine_exit_reason r;

	start32(0x1234, F(CF) | F(SF));
	idt32();
	G(RSP) = H_STACK;
	h_load(&h, H_CODE, code, sizeof(code));
	r = h_run(&h, 3);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_DE);
	ck_assert_uint_eq(h_fault_rip(&h, r, false) & 0xffffffff, H_CODE + 1);
	ck_assert_uint_eq(G(RAX), 0x1234);
	ck_assert_uint_eq(FL, F(CF) | F(SF));
	ck_assert_uint_eq(h_program_insns(&h, r), 1);
}
END_TEST

/* LOCK is not allowed on any of them: #UD (SDM Vol. 2A, "Protected
 * Mode Exceptions": "#UD If the LOCK prefix is used"). */
START_TEST(lock_is_ud)
{
	static const uint8_t code[] = {
		0xf0, 0x27,                     /* lock daa */
	};
	enum engine_exit_reason r;

	start32(0x79, F(AF));
	idt32();
	G(RSP) = H_STACK;
	h_load(&h, H_CODE, code, sizeof(code));
	r = h_run(&h, 1);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_UD);
	ck_assert_uint_eq(h_fault_rip(&h, r, false) & 0xffffffff, H_CODE);
	ck_assert_uint_eq(G(RAX), 0x79);
	ck_assert_uint_eq(FL, F(AF));
}
END_TEST

/* 16-bit (real) mode: same results, no operand-size dependence. */
START_TEST(real_mode)
{
	static const uint8_t code[] = {
		0xb8, 0x79, 0x00,               /* mov ax,0x79 */
		0x04, 0x35,                     /* add al,0x35 */
		0x27,                           /* daa */
		0xd5, 0x0a,                     /* aad 0xa */
		0xd4, 0x0a,                     /* aam 0xa */
		0x37,                           /* aaa */
		0x3f,                           /* aas */
		0x2f,                           /* das */
	};

	h_mode16(&h);
	G(RAX) = 0xffff0000;
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 3), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RAX), 0xffff0014);
	ck_assert_uint_eq(FL, F(AF) | F(CF) | F(PF));
	h_run(&h, 1);                   /* 00 14 -> 14H (20) */
	ck_assert_uint_eq(G(RAX), 0xffff0014);
	ck_assert_uint_eq(FL, F(PF));
	h_run(&h, 1);                   /* 20 -> 02 00 */
	ck_assert_uint_eq(G(RAX), 0xffff0200);
	ck_assert_uint_eq(FL, F(ZF) | F(PF));
	h_run(&h, 1);                   /* no adjust */
	ck_assert_uint_eq(G(RAX), 0xffff0200);
	ck_assert_uint_eq(FL, F(ZF) | F(PF));
	h.s->rflags |= F(AF);
	h_run(&h, 1);                   /* 0200 - 106 = 00FA -> 000A */
	ck_assert_uint_eq(G(RAX), 0xffff000a);
	ck_assert_uint_eq(FL, F(ZF) | F(PF) | F(AF) | F(CF));
	h_run(&h, 1);                   /* 0A - 6 - 60 = A4H */
	ck_assert_uint_eq(G(RAX), 0xffff00a4);
	ck_assert_uint_eq(FL, F(SF) | F(AF) | F(CF));
	ck_assert_uint_eq(h.s->rip, sizeof(code));
}
END_TEST

/* In 64-bit mode all six opcodes are invalid: #UD, nothing changes. */
START_TEST(invalid_in_64bit_mode)
{
	static const uint8_t ops[][2] = {
		{ 0x37, 0x90 }, { 0x3f, 0x90 }, { 0x27, 0x90 },
		{ 0x2f, 0x90 }, { 0xd4, 0x0a }, { 0xd5, 0x0a },
	};

	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		enum engine_exit_reason r;

		G(RAX) = 0x1234567890abcdefull;
		h.s->rflags = RFLAGS_FIXED1 | F(AF) | F(CF);
		G(RSP) = H_STACK;
		h_load(&h, H_CODE, ops[i], sizeof(ops[i]));
		h.s->activity = ACTIVITY_ACTIVE;
		r = h_run(&h, 1);
		ck_assert_msg(h_fault_vector(&h, r) == X86_UD,
			      "opcode %#x: exit %s rip %#llx", ops[i][0],
			      engine_exit_reason_name(r),
			      (unsigned long long)h.s->rip);
		ck_assert_uint_eq(h_fault_rip(&h, r, false), H_CODE);
		ck_assert_uint_eq(G(RAX), 0x1234567890abcdefull);
		ck_assert_uint_eq(FL, F(AF) | F(CF));
	}
}
END_TEST

static Suite *bcd_suite(void)
{
	Suite *s = suite_create("interp_bcd");
	TCase *tc = tcase_create("bcd");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, daa_after_add);
	tcase_add_test(tc, daa_zero_and_noop);
	tcase_add_test(tc, das_after_sub);
	tcase_add_test(tc, das_borrow_survives);
	tcase_add_test(tc, aaa_forms);
	tcase_add_test(tc, aas_forms);
	tcase_add_test(tc, aam_forms);
	tcase_add_test(tc, aad_forms);
	tcase_add_test(tc, aam_zero_de);
	tcase_add_test(tc, lock_is_ud);
	tcase_add_test(tc, real_mode);
	tcase_add_test(tc, invalid_in_64bit_mode);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(bcd_suite());
}
