// SPDX-License-Identifier: MIT
/*
 * PAUSE in VMX non-root operation (SDM 26.1.3, src/vmx/ple.c): "PAUSE
 * exiting" exits at any CPL; "PAUSE-loop exiting" at CPL 0 only, when the
 * PAUSE comes more than PLE_Window TSC cycles after the first PAUSE of
 * its loop; a gap of more than PLE_Gap cycles, or a VM entry, starts a new
 * loop.  The TSC is set by hand between the PAUSEs.
 */
#include <check.h>
#include <string.h>

#include "vmx/nonroot.h"
#include "vmxb_fixture.h"

static struct fix F;

static void setup(void)
{
	fix_init(&F, false);
	fix_baseline(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_PAUSE_LOOP_EXITING);
	fw(&F, VMCS_PLE_GAP, 10);
	fw(&F, VMCS_PLE_WINDOW, 100);
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
}

static void teardown(void)
{
	fix_fini(&F);
}

/* PAUSE (F3 90) at TSC `tsc`. */
static enum icpt_result pause_at(uint64_t tsc)
{
	struct x86_intercept ic;

	memset(&ic, 0, sizeof(ic));
	ic.kind = ICPT_PAUSE;
	ic.rip = F.cpu.rip;
	ic.insn_len = 2;
	F.cpu.tsc = tsc;
	return vmx_nonroot_intercept(F.v, &F.ctx, &ic);
}

static void assert_pause_exit(void)
{
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_PAUSE_INSTRUCTION);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INSTRUCTION_LEN), 2);
}

/* PAUSEs 10 cycles apart (= gap: one loop) from TSC 1000: the one at
 * 1100 is exactly the window, the one at 1110 exceeds it. */
START_TEST(exits_when_window_exceeded)
{
	for (uint64_t t = 1000; t <= 1100; t += 10)
		ck_assert_int_eq(pause_at(t), ICPT_CONTINUE);
	ck_assert_int_eq(pause_at(1110), ICPT_SWITCHED);
	assert_pause_exit();
}
END_TEST

/* A gap of 11 > PLE_Gap starts a new loop: its window counts anew. */
START_TEST(gap_starts_new_loop)
{
	for (uint64_t t = 1000; t <= 1100; t += 10)
		ck_assert_int_eq(pause_at(t), ICPT_CONTINUE);
	ck_assert_int_eq(pause_at(1111), ICPT_CONTINUE);   /* first of loop 2 */
	for (uint64_t t = 1121; t <= 1211; t += 10)
		ck_assert_int_eq(pause_at(t), ICPT_CONTINUE);
	ck_assert_int_eq(pause_at(1221), ICPT_SWITCHED);
	assert_pause_exit();
}
END_TEST

/* The first PAUSE after VM entry starts a loop, whatever came before:
 * 5 cycles after the exiting PAUSE, within the gap, it does not exit. */
START_TEST(vm_entry_starts_new_loop)
{
	for (uint64_t t = 1000; t <= 1100; t += 10)
		ck_assert_int_eq(pause_at(t), ICPT_CONTINUE);
	ck_assert_int_eq(pause_at(1110), ICPT_SWITCHED);
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, false), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
	for (uint64_t t = 1115; t <= 1215; t += 10)
		ck_assert_int_eq(pause_at(t), ICPT_CONTINUE);
	ck_assert_int_eq(pause_at(1225), ICPT_SWITCHED);
	assert_pause_exit();
}
END_TEST

/* Window 0: the second PAUSE of a loop exits. */
START_TEST(window_zero)
{
	fw(&F, VMCS_PLE_WINDOW, 0);
	ck_assert_int_eq(pause_at(5000), ICPT_CONTINUE);
	ck_assert_int_eq(pause_at(5001), ICPT_SWITCHED);
	assert_pause_exit();
}
END_TEST

/* The 32-bit fields against the full TSC difference: a window of
 * 2^32 - 1 cycles is exceeded by 2^32 (no wrap to 0). */
START_TEST(window_is_32_bit)
{
	fw(&F, VMCS_PLE_WINDOW, 0xffffffffull);
	fw(&F, VMCS_PLE_GAP, 0xffffffffull);
	ck_assert_int_eq(pause_at(0), ICPT_CONTINUE);
	ck_assert_int_eq(pause_at(0xffffffffull), ICPT_CONTINUE);
	ck_assert_int_eq(pause_at(0x100000000ull), ICPT_SWITCHED);
}
END_TEST

/* CPL 3: PAUSE-loop exiting is ignored. */
START_TEST(cpl3_never_exits_by_ple)
{
	fw(&F, VMCS_PLE_WINDOW, 0);
	F.cpu.seg[SEG_CS].ar |= 3u << SEG_AR_DPL_SHIFT;
	ck_assert_uint_eq(cpu_cpl(&F.cpu), 3);
	for (uint64_t t = 0; t < 1000; t += 7)
		ck_assert_int_eq(pause_at(t), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
}
END_TEST

/* "PAUSE exiting" wins: the first PAUSE exits, at CPL 0 and CPL 3. */
START_TEST(pause_exiting_wins)
{
	fw(&F, VMCS_PLE_WINDOW, 0xffffffffull);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_PAUSE_EXITING);
	ck_assert_int_eq(pause_at(1000), ICPT_SWITCHED);
	assert_pause_exit();
}
END_TEST

/* The control off (or the secondary controls not activated): no exit. */
START_TEST(control_off_no_exit)
{
	fw(&F, VMCS_PLE_WINDOW, 0);
	fclr(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	ck_assert_int_eq(pause_at(0), ICPT_CONTINUE);
	ck_assert_int_eq(pause_at(5), ICPT_CONTINUE);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, 0);
	ck_assert_int_eq(pause_at(10), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
}
END_TEST

START_TEST(ple_advertised)
{
	ck_assert(F.v->caps.proc2.may1 & CPU2_PAUSE_LOOP_EXITING);
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_PLE_GAP));
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_PLE_WINDOW));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmx_ple");
	TCase *t = tcase_create("all");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, exits_when_window_exceeded);
	tcase_add_test(t, gap_starts_new_loop);
	tcase_add_test(t, vm_entry_starts_new_loop);
	tcase_add_test(t, window_zero);
	tcase_add_test(t, window_is_32_bit);
	tcase_add_test(t, cpl3_never_exits_by_ple);
	tcase_add_test(t, pause_exiting_wins);
	tcase_add_test(t, control_off_no_exit);
	tcase_add_test(t, ple_advertised);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fix_run_suite(suite());
}
