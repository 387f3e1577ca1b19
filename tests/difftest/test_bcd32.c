// SPDX-License-Identifier: MIT
/*
 * Exhaustive differential check of the BCD / ASCII adjust instructions
 * (AAA AAS DAA DAS AAM AAD) in 32-bit protected mode, where they exist
 * (the random difftest runs 64-bit code, where they are #UD).
 *
 * Every AL value 0..255, a few AH values, CF x AF, and the other status
 * flags all clear or all set, run one instruction in Unicorn
 * (UC_MODE_32, flat) and in the interpreter (tests/interp harness in
 * flat 32-bit mode) and compare EAX and the status flags.  The flags
 * the SDM defines must match; so must the undefined ones, because
 * exec_bcd.c deliberately produces Unicorn's (QEMU's) values there.
 * AAM 0 must raise #DE in both and change nothing (every 17th AL).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <unicorn/unicorn.h>

#include "../interp/harness.h"

#define SLOT 16                 /* bytes of code per instruction */
#define IDT32 (H_DATA + 0x1000)  /* interp: 32-bit IDT, #DE gate only */

struct bcd_op {
	const char *name;
	uint8_t code[2];
	unsigned len;
	uint32_t defined;       /* status flags the SDM defines */
	unsigned al_step;       /* AL values tried: 0, al_step, ... */
};

#define SZP (RFLAGS_SF | RFLAGS_ZF | RFLAGS_PF)
#define ACF (RFLAGS_AF | RFLAGS_CF)

static const struct bcd_op ops[] = {
	{ "aaa", { 0x37 }, 1, ACF, 1 },
	{ "aas", { 0x3f }, 1, ACF, 1 },
	{ "daa", { 0x27 }, 1, SZP | ACF, 1 },
	{ "das", { 0x2f }, 1, SZP | ACF, 1 },
	{ "aam 10", { 0xd4, 0x0a }, 2, SZP, 1 },
	{ "aam 16", { 0xd4, 0x10 }, 2, SZP, 1 },
	{ "aam 7", { 0xd4, 0x07 }, 2, SZP, 1 },
	{ "aam 255", { 0xd4, 0xff }, 2, SZP, 1 },
	{ "aam 0", { 0xd4, 0x00 }, 2, 0, 17 },
	{ "aad 10", { 0xd5, 0x0a }, 2, SZP, 1 },
	{ "aad 16", { 0xd5, 0x10 }, 2, SZP, 1 },
	{ "aad 255", { 0xd5, 0xff }, 2, SZP, 1 },
	{ "aad 0", { 0xd5, 0x00 }, 2, SZP, 1 },
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

static const uint32_t ah_values[] = { 0x00, 0x09, 0x7f, 0xff };
static const uint32_t flag_sets[] = {
	0, RFLAGS_CF, RFLAGS_AF, RFLAGS_CF | RFLAGS_AF,
	RFLAGS_OF | SZP, RFLAGS_OF | SZP | RFLAGS_CF,
	RFLAGS_OF | SZP | RFLAGS_AF, ARITH_FLAGS,
};

struct outcome {
	uint32_t eax, flags;
	int fault;              /* exception vector, or -1 */
};

static struct harness h;
static uc_engine *uc;
static int uc_fault;

static void uc_intr(uc_engine *u, uint32_t intno, void *user)
{
	(void)user;
	uc_fault = (int)intno;
	uc_emu_stop(u);
}

static uint8_t code[NOPS * SLOT];

/* Unicorn 2.0.1 keeps its "exception in progress" state when a hook
 * stops the run at an exception, so the next #DE would turn into #DF:
 * a fault costs a fresh engine. */
static void uc_start(void)
{
	uc_hook hk;

	ck_assert_int_eq(uc_open(UC_ARCH_X86, UC_MODE_32, &uc), UC_ERR_OK);
	ck_assert_int_eq(uc_mem_map(uc, H_CODE, 0x1000, UC_PROT_ALL), UC_ERR_OK);
	ck_assert_int_eq(uc_mem_write(uc, H_CODE, code, sizeof(code)),
			 UC_ERR_OK);
	ck_assert_int_eq(uc_hook_add(uc, &hk, UC_HOOK_INTR, (void *)uc_intr,
				     NULL, 1, 0), UC_ERR_OK);
}

static void setup(void)
{
	memset(code, 0xf4, sizeof(code));
	for (unsigned i = 0; i < NOPS; i++)
		memcpy(code + i * SLOT, ops[i].code, ops[i].len);
	uc_start();

	h_init(&h);
	h_mode32(&h);
	h_load(&h, H_CODE, code, sizeof(code));
	/* A 32-bit interrupt gate for #DE to the harness's HLT stub. */
	h_write64(&h, IDT32, (H_VEC & 0xffff) | (0x18ull << 16) |
		  (0x8eull << 40) | ((H_VEC >> 16 & 0xffff) << 48));
	h.s->idtr = (struct dtable_reg){ IDT32, 7 };
}

static void teardown(void)
{
	uc_close(uc);
	h_fini(&h);
}

static struct outcome run_uc(unsigned op, uint32_t eax, uint32_t fl)
{
	uint64_t start = H_CODE + op * SLOT;
	uint32_t eflags = 0x2 | fl;
	struct outcome o = { 0, 0, -1 };
	uc_err e;

	uc_fault = -1;
	uc_reg_write(uc, UC_X86_REG_EAX, &eax);
	uc_reg_write(uc, UC_X86_REG_EFLAGS, &eflags);
	e = uc_emu_start(uc, start, start + ops[op].len, 0, 0);
	ck_assert_msg(e == UC_ERR_OK, "%s: unicorn: %s", ops[op].name,
		      uc_strerror(e));
	uc_reg_read(uc, UC_X86_REG_EAX, &o.eax);
	uc_reg_read(uc, UC_X86_REG_EFLAGS, &eflags);
	o.flags = eflags & ARITH_FLAGS;
	o.fault = uc_fault;
	if (o.fault >= 0) {
		uc_close(uc);
		uc_start();
	}
	return o;
}

static struct outcome run_interp(unsigned op, uint32_t eax, uint32_t fl)
{
	struct outcome o = { 0, 0, -1 };
	enum engine_exit_reason r;

	h.s->rip = H_CODE + op * SLOT;
	h.s->gpr[GPR_RSP] = H_STACK;
	h.s->gpr[GPR_RAX] = eax;
	h.s->rflags = RFLAGS_FIXED1 | fl;
	h.s->activity = ACTIVITY_ACTIVE;    /* after a #DE's HLT */
	r = h_run(&h, 1);
	if (r != ENGINE_EXIT_INSN_LIMIT) {
		o.fault = h_fault_vector(&h, r);
		ck_assert_msg(o.fault >= 0, "%s: interp exit %s", ops[op].name,
			      engine_exit_reason_name(r));
	}
	o.eax = (uint32_t)h.s->gpr[GPR_RAX];
	o.flags = (uint32_t)(h.s->rflags & ARITH_FLAGS);
	return o;
}

static void compare(unsigned op, uint32_t eax, uint32_t fl)
{
	struct outcome u = run_uc(op, eax, fl);
	struct outcome i = run_interp(op, eax, fl);
	uint32_t def = ops[op].defined;

	ck_assert_msg(u.fault == i.fault && u.eax == i.eax &&
		      (u.flags & def) == (i.flags & def),
		      "%s eax=%#x flags=%#x: unicorn eax=%#x flags=%#x fault=%d, interp eax=%#x flags=%#x fault=%d",
		      ops[op].name, eax, fl, u.eax, u.flags, u.fault,
		      i.eax, i.flags, i.fault);
	/* Undefined flags: exec_bcd.c promises Unicorn's values. */
	if (u.fault < 0)
		ck_assert_msg(u.flags == i.flags,
			      "%s eax=%#x flags=%#x: undefined flags: unicorn %#x, interp %#x",
			      ops[op].name, eax, fl, u.flags, i.flags);
	else
		ck_assert_msg(i.eax == eax && i.flags == fl,
			      "%s: #DE changed state", ops[op].name);
}

START_TEST(bcd32_vs_unicorn)
{
	unsigned op = (unsigned)_i;

	/* AAM 0 faults whatever the input, and each fault reopens Unicorn:
	 * sample its AL values. */
	for (unsigned al = 0; al < 256; al += ops[op].al_step)
		for (unsigned a = 0; a < sizeof(ah_values) / sizeof(ah_values[0]); a++)
			for (unsigned f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++)
				compare(op, 0xa5a50000u | ah_values[a] << 8 | al,
					flag_sets[f]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("difftest_bcd32");
	TCase *tc = tcase_create("bcd32");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, bcd32_vs_unicorn, 0, NOPS);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
