// SPDX-License-Identifier: MIT
/*
 * Interpreter: x87 FPU.  Results are checked against values computed
 * independently (exact rational arithmetic rounded by hand, SDM tables),
 * not against the host FPU the interpreter may itself use.
 */
#include <check.h>
#include <string.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define RUN(code, n) h_exec(&h, code, sizeof(code), n)
#define FPU (h.s->fpu)
#define TOP ((FPU.fsw >> 11) & 7)

static uint64_t st_m(unsigned i)
{
	uint64_t m;

	memcpy(&m, FPU.st[(TOP + i) & 7], 8);
	return m;
}

static uint16_t st_se(unsigned i)
{
	uint16_t se;

	memcpy(&se, FPU.st[(TOP + i) & 7] + 8, 2);
	return se;
}

static void put16(uint64_t gpa, uint16_t v)
{
	gmem_write(&h.mem, gpa, &v, 2);
}

static void put32(uint64_t gpa, uint32_t v)
{
	gmem_write(&h.mem, gpa, &v, 4);
}

static void put80(uint64_t gpa, uint64_t m, uint16_t se)
{
	gmem_write(&h.mem, gpa, &m, 8);
	gmem_write(&h.mem, gpa + 8, &se, 2);
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v = 0;

	gmem_read(&h.mem, gpa, &v, 2);
	return v;
}

static __attribute__((unused)) uint32_t get32(uint64_t gpa)
{
	uint32_t v = 0;

	gmem_read(&h.mem, gpa, &v, 4);
	return v;
}

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
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(x87_suite());
}
