// SPDX-License-Identifier: MIT
/* Interpreter run loop: instruction limit, stop requests, state get/set,
 * single-step traps, self-modifying code and the decode cache, page
 * crossing instructions, decode faults. */
#include <check.h>
#include <string.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define F(x) RFLAGS_##x
#define G(r) (h.s->gpr[GPR_##r])
#define RUN(code, n) h_exec(&h, code, sizeof(code), n)

static const uint8_t nops[16] = {
	0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
	0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
};

START_TEST(instruction_limit)
{
	h_load(&h, H_CODE, nops, sizeof(nops));
	ck_assert_int_eq(h_run(&h, 3), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 3);
	ck_assert_uint_eq(h.eng->ops->insn_count(h.eng), 3);
	ck_assert_int_eq(h_run(&h, 5), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 8);
	ck_assert_uint_eq(h.s->tsc, 8);
}
END_TEST

START_TEST(stop_request)
{
	h_load(&h, H_CODE, nops, sizeof(nops));
	h.eng->ops->request_stop(h.eng);
	ck_assert_int_eq(h_run(&h, 5), ENGINE_EXIT_STOP);
	ck_assert_uint_eq(h.s->insn_count, 0);
	ck_assert_int_eq(h_run(&h, 5), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->insn_count, 5);
}
END_TEST

START_TEST(state_roundtrip)
{
	static const uint8_t code[] = { 0x48, 0x01, 0xd8 };   /* add rax,rbx */
	struct cpu_state s;

	h_load(&h, H_CODE, code, sizeof(code));
	h.eng->ops->get_state(h.eng, &s);
	s.gpr[GPR_RAX] = 40;
	s.gpr[GPR_RBX] = 2;
	h.eng->ops->set_state(h.eng, &s);
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	h.eng->ops->get_state(h.eng, &s);
	ck_assert_uint_eq(s.gpr[GPR_RAX], 42);
	ck_assert_uint_eq(s.rip, H_CODE + 3);
	ck_assert_uint_eq(s.insn_count, 1);
}
END_TEST

/* TF=1: #DB (trap, DR6.BS) after one instruction, RIP after it. */
START_TEST(single_step)
{
	enum engine_exit_reason r;

	h_load(&h, H_CODE, nops, sizeof(nops));
	h.s->rflags |= F(TF);
	r = h_run(&h, 5);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_DB);
	ck_assert_uint_eq(h_fault_rip(&h, r, false), H_CODE + 1);
	ck_assert_uint_eq(h.s->dr[6] & (1u << 14), 1u << 14);
}
END_TEST

/* POPF that sets TF traps after the NEXT instruction. */
START_TEST(popf_sets_tf)
{
	static const uint8_t code[] = {
		0x68, 0x02, 0x01, 0x00, 0x00,   /* push 0x102 */
		0x9d,                           /* popfq */
		0x90,                           /* nop */
		0x90,                           /* nop */
	};
	enum engine_exit_reason r;

	h_load(&h, H_CODE, code, sizeof(code));
	r = h_run(&h, 10);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_DB);
	ck_assert_uint_eq(h_fault_rip(&h, r, false), H_CODE + 7);
	ck_assert_uint_eq(h_program_insns(&h, r), 3);
}
END_TEST

/* The guest rewrites the immediate of an instruction it already ran. */
START_TEST(self_modifying_code)
{
	static const uint8_t code[] = {
		0xb9, 0x02, 0x00, 0x00, 0x00,   /* mov ecx,0x2 */
		0xb0, 0x11,                     /* 1: mov al,0x11 */
		0xc6, 0x05, 0xf8, 0xff, 0xff, 0xff, 0x22,
						/* mov BYTE PTR [rip-8],0x22 (1b+1) */
		0xff, 0xc9,                     /* dec ecx */
		0x75, 0xf3,                     /* jne 1b */
	};

	RUN(code, 9);
	ck_assert_uint_eq(G(RAX), 0x22);
	ck_assert_uint_eq(G(RCX), 0);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(code));
}
END_TEST

/* The host rewrites code (loader, debugger): the cache must notice. */
START_TEST(host_modifies_code)
{
	static const uint8_t one[] = { 0xb8, 0x01, 0x00, 0x00, 0x00 };
	static const uint8_t two[] = { 0xb8, 0x02, 0x00, 0x00, 0x00 };

	RUN(one, 1);
	ck_assert_uint_eq(G(RAX), 1);
	RUN(two, 1);
	ck_assert_uint_eq(G(RAX), 2);
}
END_TEST

/* An instruction whose bytes span two pages. */
START_TEST(page_crossing_instruction)
{
	static const uint8_t code[] = {
		0x48, 0xb8, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
						/* movabs rax,0x8877665544332211 */
		0x90,                           /* nop */
	};
	uint64_t at = H_CODE + 0xffc;

	h_load(&h, at, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 2), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RAX), 0x8877665544332211ull);
	ck_assert_uint_eq(h.s->rip, at + sizeof(code));
	/* Change the part on the second page and run it again. */
	ck_assert(gmem_write_u8(&h.mem, H_CODE + 0x1005, 0x99));
	h.s->rip = at;
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RAX), 0x9977665544332211ull);
}
END_TEST

static void expect_fault(const uint8_t *code, size_t len, int vector,
			 bool err)
{
	enum engine_exit_reason r;
	uint64_t before;

	/* Each case starts active with a fresh stack (the previous one
	 * ended halted in its handler stub). */
	h.s->activity = ACTIVITY_ACTIVE;
	h.s->gpr[GPR_RSP] = H_STACK;
	h_load(&h, H_CODE, code, len);
	before = h.s->insn_count;
	r = h_run(&h, 1);
	ck_assert_int_eq(h_fault_vector(&h, r), vector);
	ck_assert_uint_eq(h_fault_rip(&h, r, err), H_CODE);
	ck_assert_uint_eq(h_program_insns(&h, r), before);
}

START_TEST(decode_faults)
{
	static const uint8_t push_es[] = { 0x06 };   /* invalid in 64-bit mode */
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	static const uint8_t lock_nop[] = { 0xf0, 0x90 };
	uint8_t too_long[16];

	memset(too_long, 0x66, sizeof(too_long));
	too_long[15] = 0x90;
	expect_fault(push_es, sizeof(push_es), X86_UD, false);
	expect_fault(ud2, sizeof(ud2), X86_UD, false);
	expect_fault(lock_nop, sizeof(lock_nop), X86_UD, false);
	expect_fault(too_long, sizeof(too_long), X86_GP, true);
}
END_TEST

static Suite *engine_suite(void)
{
	Suite *s = suite_create("interp_engine");
	TCase *tc = tcase_create("engine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, instruction_limit);
	tcase_add_test(tc, stop_request);
	tcase_add_test(tc, state_roundtrip);
	tcase_add_test(tc, single_step);
	tcase_add_test(tc, popf_sets_tf);
	tcase_add_test(tc, self_modifying_code);
	tcase_add_test(tc, host_modifies_code);
	tcase_add_test(tc, page_crossing_instruction);
	tcase_add_test(tc, decode_faults);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(engine_suite());
}
