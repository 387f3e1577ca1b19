// SPDX-License-Identifier: MIT
/*
 * Boundary events in non-root operation: VMX-preemption timer on the
 * deterministic TSC (SDM 26.5.1), interrupt-window and NMI-window exiting,
 * monitor trap flag, external-interrupt and NMI exiting (SDM 26.2, 26.7).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/lapic.h"
#include "vmx/exit_info.h"
#include "vmx/nonroot.h"
#include "vmxb_fixture.h"

static struct fix F;

static void setup(void)
{
	fix_init(&F, true);
	fix_baseline(&F);
}

static void teardown(void)
{
	fix_fini(&F);
}

static void enter(void)
{
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
}

/* The local APIC the processor's INTR comes from. */
static struct lapic L;
static struct cpu_intc L_intc = { &lapic_intc_ops, &L };

static void apic_irq(uint8_t vector)
{
	struct lapic_config lc = { .bsp = true, .maxphyaddr = 39 };
	struct apic_msg m = { .vector = vector, .mode = APIC_DM_FIXED };

	ck_assert_int_eq(lapic_init(&L, &lc, NULL, NULL, NULL, NULL, NULL), 0);
	lapic_reg_write(&L, APIC_SPIV, APIC_SPIV_ENABLE | 0xff);
	F.ctx.intc = &L_intc;
	lapic_accept(&L, &m);
}

static uint32_t reason(void)
{
	return (uint32_t)fr(&F, VMCS_VM_EXIT_REASON);
}

START_TEST(nothing_enabled_no_boundary)
{
	enter();
	ck_assert(!F.ctx.boundary_wanted);
	F.cpu.insn_count += 10;
	F.cpu.rflags |= RFLAGS_IF;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
}
END_TEST

/* Rate 0 (IA32_VMX_MISC[4:0]): the timer counts down once per TSC cycle,
 * i.e. once per instruction on the interpreter (docs/platform.md), so a
 * small value expires within a short L2 loop; in general one tick per
 * 2^rate cycles, counted on TSC bit `rate` transitions from the TSC at VM
 * entry. */
START_TEST(preemption_timer_fires_at_deadline)
{
	unsigned r = vmx_preempt_rate(F.v);
	uint64_t deadline;

	ck_assert_uint_eq(r, 0);
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER);
	fw(&F, VMCS_VMX_PREEMPTION_TIMER_VALUE, 10);
	F.cpu.tsc = 100000;
	enter();
	ck_assert(F.ctx.boundary_wanted);
	deadline = ((100000 >> r) + 10) << r;
	ck_assert_uint_eq(deadline, 100010);
	/* A halted vCPU waits for this TSC value (engine/intercept.h). */
	ck_assert_uint_eq(F.ctx.timer_tsc, deadline);
	F.cpu.tsc = deadline - 1;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	F.cpu.tsc = deadline;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_PREEMPTION_TIMER);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0);
	ck_assert(!F.ctx.boundary_wanted);
}
END_TEST

START_TEST(preemption_timer_zero_exits_at_once)
{
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER);
	fw(&F, VMCS_VMX_PREEMPTION_TIMER_VALUE, 0);
	enter();
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_PREEMPTION_TIMER);
}
END_TEST

START_TEST(preemption_timer_value_saved)
{
	struct x86_intercept ic = { .kind = ICPT_CPUID, .insn_len = 2 };

	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER);
	fset(&F, VMCS_VM_EXIT_CONTROLS, EXIT_CTL_SAVE_PREEMPT_TIMER);
	fw(&F, VMCS_VMX_PREEMPTION_TIMER_VALUE, 10);
	F.cpu.tsc = 100000;
	enter();
	F.cpu.tsc = 100004;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VMX_PREEMPTION_TIMER_VALUE), 6);
	ck_assert_uint_eq(F.ctx.timer_tsc, UINT64_MAX);   /* no timer in root */
	/* VMRESUME continues from the saved value. */
	F.cpu.tsc = 200000;
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, false), ICPT_SWITCHED);
	ck_assert_uint_eq(F.v->preempt_deadline, 200006);
}
END_TEST

START_TEST(interrupt_window)
{
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_INTR_WINDOW_EXITING);
	fw(&F, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1);
	enter();
	ck_assert(F.ctx.boundary_wanted);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);  /* IF=0 */
	F.cpu.rflags |= RFLAGS_IF;
	F.cpu.interruptibility = INTR_BLOCK_STI;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);  /* shadow */
	F.cpu.interruptibility = 0;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_INTERRUPT_WINDOW);
}
END_TEST

START_TEST(nmi_window)
{
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING |
	     PIN_VIRTUAL_NMIS);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING);
	fw(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI);
	enter();
	ck_assert(F.v->vnmi_blocked);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	F.v->vnmi_blocked = false;   /* guest IRET unblocks virtual NMIs */
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_NMI_WINDOW);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO), 0);
}
END_TEST

START_TEST(monitor_trap_flag)
{
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG);
	enter();
	ck_assert(F.ctx.boundary_wanted);
	/* Before the first guest instruction: nothing. */
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	F.cpu.insn_count++;
	F.cpu.rip += 3;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_MONITOR_TRAP_FLAG);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), FIX_GUEST_RIP + 3);
}
END_TEST

START_TEST(pending_mtf_injection)
{
	fw(&F, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | 7u << 8);
	enter();
	ck_assert_int_eq(F.injects, 0);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_MONITOR_TRAP_FLAG);
}
END_TEST

START_TEST(external_interrupt_at_boundary)
{
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	enter();
	ck_assert(F.ctx.boundary_wanted);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	apic_irq(0x30);
	/* Exits even with RFLAGS.IF = 0; without ack the vector stays. */
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_EXTERNAL_INTERRUPT);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO), 0);
	ck_assert(lapic_vec_test(&L, APIC_IRR, 0x30));
	ck_assert(!lapic_vec_test(&L, APIC_ISR, 0x30));
}
END_TEST

START_TEST(external_interrupt_acknowledged)
{
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	fset(&F, VMCS_VM_EXIT_CONTROLS, EXIT_CTL_ACK_INTR_ON_EXIT);
	enter();
	apic_irq(0x30);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO), INTR_INFO_VALID | 0x30);
	/* The INTA of acknowledge-on-exit: IRR -> ISR (SDM 28.2.2). */
	ck_assert(!lapic_vec_test(&L, APIC_IRR, 0x30));
	ck_assert(lapic_vec_test(&L, APIC_ISR, 0x30));
}
END_TEST

START_TEST(nmi_exiting_at_boundary)
{
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING);
	enter();
	F.cpu.nmi_pending = true;
	F.cpu.interruptibility = INTR_BLOCK_MOV_SS;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	F.cpu.interruptibility = 0;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_EXCEPTION_NMI);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | 2u << 8 | 2);
	ck_assert(!F.cpu.nmi_pending);
	ck_assert(F.cpu.interruptibility & INTR_BLOCK_NMI);
}
END_TEST

/* MTF has priority over the preemption timer (SDM 26.7.?). */
START_TEST(priority_mtf_over_timer)
{
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG);
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER);
	fw(&F, VMCS_VMX_PREEMPTION_TIMER_VALUE, 0);
	enter();
	F.cpu.insn_count++;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_MONITOR_TRAP_FLAG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmx_events");
	TCase *tc = tcase_create("events");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nothing_enabled_no_boundary);
	tcase_add_test(tc, preemption_timer_fires_at_deadline);
	tcase_add_test(tc, preemption_timer_zero_exits_at_once);
	tcase_add_test(tc, preemption_timer_value_saved);
	tcase_add_test(tc, interrupt_window);
	tcase_add_test(tc, nmi_window);
	tcase_add_test(tc, monitor_trap_flag);
	tcase_add_test(tc, pending_mtf_injection);
	tcase_add_test(tc, external_interrupt_at_boundary);
	tcase_add_test(tc, external_interrupt_acknowledged);
	tcase_add_test(tc, nmi_exiting_at_boundary);
	tcase_add_test(tc, priority_mtf_over_timer);
	suite_add_tcase(s, tc);
	return fix_run_suite(s);
}
