// SPDX-License-Identifier: MIT
/*
 * Far CALL/JMP through 64-bit call gates in IA-32e mode (SDM 5.8.3.1):
 * the 16-byte gate, the stack switch to RSP0 with a null SS, qword
 * pushes, and the #GP cases.  Part of the task_switch test
 * (test_task_switch.c builds the suite).
 */
#include <check.h>

#include "task_switch.h"

static void teardown(void)
{
	h_fini(&h);
}

/* ---- 64-bit call gates (IA-32e mode, SDM 5.8.3.1) ---- */

#define SEL_G64    0x38        /* DPL 3 64-bit gate -> 0x08:T64 */
#define SEL_G64_0  0x48        /* DPL 0 64-bit gate -> 0x08:T64 */
#define T64_LIN    0x1c0000ull

static void gate64(uint16_t sel, uint16_t cs, uint64_t off, uint8_t access,
		   uint8_t hi_type)
{
	h_write64(&h, GDT + sel, gate(cs, (uint32_t)off, access, 0));
	h_write64(&h, GDT + sel + 8, (off >> 32) | ((uint64_t)hi_type << 40));
}

static void setup_gate64(void)
{
	h_init(&h);
	su_user_segments(&h);
	gate64(SEL_G64, 0x08, T64_LIN, 0xec, 0);
	gate64(SEL_G64_0, 0x08, T64_LIN, 0x8c, 0);
	h.s->gdtr.limit = 0x57;
	ck_assert(gmem_write_u16(&h.mem, T64_LIN, 0xcb48));   /* retfq */
}

/* CPL 3 (su_cpl3 resets the GDT limit: keep the gates). */
static void cpl3_64(void)
{
	su_cpl3(&h);
	h.s->gdtr.limit = 0x57;
}

/* call far [H_DATA] (m16:32) */
static const uint8_t call_m[] = { 0xff, 0x1c, 0x25, 0x00, 0x00, 0x20, 0x00 };
/* jmp far [H_DATA] */
static const uint8_t jmp_m[] = { 0xff, 0x2c, 0x25, 0x00, 0x00, 0x20, 0x00 };

static void far_ptr(uint16_t sel)
{
	ck_assert(gmem_write_u32(&h.mem, H_DATA, 0xdeadbeef));
	ck_assert(gmem_write_u16(&h.mem, H_DATA + 4, sel));
}

/* CALL from CPL 3 to ring 0: RSP0 from the TSS, SS null with RPL 0, old
 * SS, RSP, CS, RIP pushed as qwords; RETFQ back to ring 3. */
START_TEST(call_gate64_to_ring0_and_back)
{
	cpl3_64();
	far_ptr(SEL_G64 | 3);
	h_load(&h, H_CODE, call_m, sizeof(call_m));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, T64_LIN);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x08);
	ck_assert_uint_eq(cpu_cpl(h.s), 0);
	ck_assert_uint_eq(h.s->seg[SEG_SS].sel, 0);
	ck_assert(h.s->seg[SEG_SS].ar & SEG_AR_UNUSABLE);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], RSP0 - 32);
	ck_assert_uint_eq(h_read64(&h, RSP0 - 32), H_CODE + 7);
	ck_assert_uint_eq(h_read64(&h, RSP0 - 24), U_CS);
	ck_assert_uint_eq(h_read64(&h, RSP0 - 16), H_STACK);
	ck_assert_uint_eq(h_read64(&h, RSP0 - 8), U_DS);

	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 7);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, U_CS);
	ck_assert_uint_eq(cpu_cpl(h.s), 3);
	ck_assert_uint_eq(h.s->seg[SEG_SS].sel, U_DS);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], H_STACK);
}
END_TEST

/* Same level: CALL pushes qword CS:RIP, JMP pushes nothing. */
START_TEST(call_jmp_gate64_same_level)
{
	far_ptr(SEL_G64_0);
	h_load(&h, H_CODE, call_m, sizeof(call_m));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, T64_LIN);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], H_STACK - 16);
	ck_assert_uint_eq(h_read64(&h, H_STACK - 16), H_CODE + 7);
	ck_assert_uint_eq(h_read64(&h, H_STACK - 8), 0x08);
	ck_assert_uint_eq(h.s->seg[SEG_SS].sel, 0x10);

	h.s->gpr[GPR_RSP] = H_STACK;
	h_load(&h, H_CODE, jmp_m, sizeof(jmp_m));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, T64_LIN);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], H_STACK);
}
END_TEST

/* #GP(selector): upper type not 0, a 32-bit target, a 16-bit gate type;
 * #GP(code selector) for a JMP to an inner level. */
START_TEST(gate64_faults)
{
	static const struct { bool jmp; uint8_t fix; uint32_t err; } cases[] = {
		{ false, 1, SEL_G64 }, { false, 2, 0x18 }, { false, 3, SEL_G64 },
		{ true, 0, 0x08 },
	};

	for (unsigned i = 0; i < 4; i++) {
		enum engine_exit_reason r;

		teardown();
		setup_gate64();
		if (cases[i].fix == 1)
			gate64(SEL_G64, 0x08, T64_LIN, 0xec, 0x0c);
		if (cases[i].fix == 2)
			gate64(SEL_G64, 0x18, T64_LIN, 0xec, 0);
		if (cases[i].fix == 3)
			gate64(SEL_G64, 0x08, T64_LIN, 0xe4, 0);
		cpl3_64();
		far_ptr(SEL_G64 | 3);
		r = su_run(&h, cases[i].jmp ? jmp_m : call_m, sizeof(call_m), 5);
		ck_assert_int_eq(h_fault_vector(&h, r), X86_GP);
		ck_assert_uint_eq(h_read64(&h, h.s->gpr[GPR_RSP]), cases[i].err);
		ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE);
	}
}
END_TEST

TCase *gate64_tcase(void)
{
	TCase *g = tcase_create("gate64");

	tcase_add_checked_fixture(g, setup_gate64, teardown);
	tcase_add_test(g, call_gate64_to_ring0_and_back);
	tcase_add_test(g, call_jmp_gate64_same_level);
	tcase_add_test(g, gate64_faults);
	return g;
}
