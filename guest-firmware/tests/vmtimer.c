// SPDX-License-Identifier: MIT
/*
 * The local APIC timer and VMX, end to end: L1 arms its APIC timer and
 * runs an L2 that the timer's interrupt reaches.
 *   - arriving while L2 runs: an external-interrupt exit at the timer's
 *     deadline, with acknowledge interrupt on exit (the vector in the
 *     exit interruption information and in service in the APIC, SDM
 *     28.2.2) and without it (still requested; L1 takes it when it sets
 *     IF);
 *   - arriving while L2 is halted (HLT, IF = 0): the exit wakes it, RIP
 *     after the HLT, activity state HLT saved;
 *   - a real APIC interrupt pending at VM entry with interrupt-window
 *     exiting and L2's IF = 1: the interrupt-window exit comes first,
 *     before any L2 instruction (interrupt-window exits take priority
 *     over external interrupts, SDM Vol. 3C "Interrupt-Window Exiting"),
 *     then the external-interrupt exit;
 *   - L2 opening the window itself with STI: the exit comes after the
 *     instruction STI shields, and without the control L2 takes the
 *     interrupt there through its IDT.
 * The TSC and the APIC timer (divide by 1) both count virtual ns: each
 * exit comes at the timer's deadline (L1 reads the TSC a few thousand
 * instructions of VM-exit bookkeeping later).
 */
#include "vmxtest.h"
#include "guest_asm.h"
#include "apic.h"

#define TIMER_VECTOR	0x31
#define WAIT		100000u        /* timer counts: 100 us */

/* L2: STI, one instruction in its shadow, VMCALL. */
extern char t_sti[], t_sti_nop[], t_sti_next[];
asm(".text\n"
    ".balign 16\n"
    ".globl t_sti, t_sti_nop, t_sti_next\n"
    "t_sti:\n\tsti\n"
    "t_sti_nop:\n\tnop\n"
    "t_sti_next:\n\tvmcall\n\tud2\n");

static struct vmx_vm vm;
static uint64_t stack_top;

/* What the (shared) IDT handler saw; L1 and L2 run the firmware's IDT. */
static volatile struct {
	unsigned count;
	uint64_t vector, rip;
} seen;

static bool on_timer(struct trap_frame *f)
{
	seen.count++;
	seen.vector = f->vector;
	seen.rip = f->rip;
	apic_eoi();
	return true;
}

/* One instruction with interrupts enabled in L1 (after the STI shadow). */
static void l1_interrupt_window(void)
{
	asm volatile("sti; nop; cli" ::: "memory");
}

/* One-shot, divide by 1: counts virtual ns. */
static void arm_timer(uint32_t count)
{
	apic_write(APIC_TDCR, 0xb);
	apic_write(APIC_LVT_TIMER, TIMER_VECTOR);
	apic_write(APIC_TMICT, count);
}

/* Arm the timer and wait, interrupts off, until it is requested. */
static bool timer_pending(void)
{
	arm_timer(1000);
	for (unsigned i = 0; i < 100000; i++)
		if (apic_vec_set(APIC_IRR, TIMER_VECTOR))
			return true;
	return false;
}

static void reset_vm(void (*rip)(void), uint64_t rflags)
{
	vmx_vm_reset(&vm, rip, stack_top);
	vmcs_write(GUEST_RFLAGS, rflags);
	vm.regs.rbx = 0;
	memset((void *)&seen, 0, sizeof(seen));
}

static void check_exit_time(uint64_t t0, uint64_t wait, const char *name)
{
	uint64_t dt = rdtsc() - t0;

	if (!report(dt >= wait && dt < wait + 3000, name))
		printf("  exit after %llu cycles, the timer was %llu\n",
		       (unsigned long long)dt, (unsigned long long)wait);
}

static void test_timer_in_l2(void)
{
	uint64_t t0;

	reset_vm(g_spin, RFLAGS_FIXED);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING, 0);
	vmx_set_ctl(VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT, 0);
	t0 = rdtsc();
	arm_timer(WAIT);
	if (vm_run_expect(&vm, EXIT_REASON_EXTERNAL_INTERRUPT,
			  "apic timer in l2: external-interrupt exit (ack)")) {
		check_exit_time(t0, WAIT, "ack: exit at the timer's deadline");
		expect_eq(vm.regs.rbx > (WAIT - 3000) / 2, 1, "l2 spun until then");
		expect_eq(vm.exit_intr_info,
			  INTR_INFO(TIMER_VECTOR, INTR_TYPE_EXT_INTR, 0),
			  "ack: timer vector in exit interruption info");
		expect_eq(apic_read(APIC_TMCCT), 0, "one-shot count ran out");
		expect_eq(apic_vec_set(APIC_ISR, TIMER_VECTOR), 1,
			  "ack: timer vector in service");
		expect_eq(apic_vec_set(APIC_IRR, TIMER_VECTOR), 0,
			  "ack: no longer requested");
		l1_interrupt_window();
		expect_eq(seen.count, 0, "acknowledged: not delivered to l1");
		apic_eoi();
		expect_eq(apic_vec_set(APIC_ISR, TIMER_VECTOR), 0, "l1's eoi retires it");
	}

	reset_vm(g_spin, RFLAGS_FIXED);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING, 0);
	vmx_set_ctl(VM_EXIT_CONTROLS, 0, EXIT_ACK_INTR_ON_EXIT);
	t0 = rdtsc();
	arm_timer(WAIT);
	if (vm_run_expect(&vm, EXIT_REASON_EXTERNAL_INTERRUPT,
			  "apic timer in l2: external-interrupt exit (no ack)")) {
		check_exit_time(t0, WAIT, "no ack: exit at the timer's deadline");
		expect_eq(vm.exit_intr_info & INTR_INFO_VALID, 0,
			  "no ack: exit interruption info invalid");
		expect_eq(apic_vec_set(APIC_IRR, TIMER_VECTOR), 1,
			  "no ack: timer still requested");
		expect_eq(seen.count, 0, "no ack: not delivered while l1 has if 0");
		l1_interrupt_window();
		expect_eq(seen.count, 1, "no ack: l1 takes it when it sets if");
		expect_eq(seen.vector, TIMER_VECTOR, "no ack: l1 got the timer vector");
	}
}

static void test_timer_wakes_halted_l2(void)
{
	uint64_t t0;

	reset_vm(g_hlt, RFLAGS_FIXED);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING, 0);
	vmx_set_ctl(VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT, 0);
	t0 = rdtsc();
	arm_timer(3 * WAIT);
	if (vm_run_expect(&vm, EXIT_REASON_EXTERNAL_INTERRUPT,
			  "apic timer wakes a halted l2 (if 0)")) {
		check_exit_time(t0, 3 * WAIT, "halted: exit at the timer's deadline");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_hlt_next,
			  "halted: rip after the hlt");
		expect_eq(vmcs_read(GUEST_ACTIVITY_STATE), ACTIVITY_HLT,
			  "halted: hlt activity state saved");
		expect_eq(vm.exit_intr_info,
			  INTR_INFO(TIMER_VECTOR, INTR_TYPE_EXT_INTR, 0),
			  "halted: timer vector acknowledged");
		apic_eoi();
	}
	vmcs_write(GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
}

static void test_interrupt_window(void)
{
	/* Pending at entry, L2 IF = 1: the window exit first. */
	reset_vm(g_vmcall, RFLAGS_FIXED | RFLAGS_IF);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING, 0);
	vmx_set_ctl(VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT, 0);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_INTR_WINDOW_EXITING, 0);
	expect_eq(timer_pending(), 1, "timer interrupt requested in l1 (if 0)");
	if (vm_run_expect(&vm, EXIT_REASON_INTERRUPT_WINDOW,
			  "pending timer, l2 if 1: interrupt-window exit first")) {
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_vmcall,
			  "window exit before any l2 instruction");
		expect_eq(vm.exit_intr_info & INTR_INFO_VALID, 0,
			  "window exit: no interruption info");
		expect_eq(apic_vec_set(APIC_IRR, TIMER_VECTOR), 1,
			  "window exit: timer still requested");
	}
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, 0, CPU_INTR_WINDOW_EXITING);
	if (vm_run_expect(&vm, EXIT_REASON_EXTERNAL_INTERRUPT,
			  "then the external-interrupt exit")) {
		expect_eq(vm.exit_intr_info,
			  INTR_INFO(TIMER_VECTOR, INTR_TYPE_EXT_INTR, 0),
			  "the timer vector acknowledged");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_vmcall,
			  "still before any l2 instruction");
		apic_eoi();
	}

	/* L2 opens the window with STI: the exit after the shielded NOP. */
	reset_vm((void (*)(void))t_sti, RFLAGS_FIXED);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, 0, PIN_EXT_INTR_EXITING);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_INTR_WINDOW_EXITING, 0);
	expect_eq(timer_pending(), 1, "timer requested again");
	if (vm_run_expect(&vm, EXIT_REASON_INTERRUPT_WINDOW,
			  "l2 sti opens the window: interrupt-window exit")) {
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)t_sti_next,
			  "window exit after the instruction sti shields");
		expect_eq(vmcs_read(GUEST_INTERRUPTIBILITY_INFO) &
			  INTERRUPTIBILITY_STI, 0, "no sti blocking left");
		expect_eq(seen.count, 0, "not delivered to l2 yet");
	}
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, 0, CPU_INTR_WINDOW_EXITING);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "without the control l2 takes the timer")) {
		expect_eq(seen.count, 1, "delivered through l2's idt once");
		expect_eq(seen.vector, TIMER_VECTOR, "l2 got the timer vector");
		expect_eq(seen.rip, (uint64_t)t_sti_next,
			  "l2 interrupted where the window opened");
	}
}

int main(void)
{
	printf("vmxbox nested test: the apic timer and l2\n");
	vmxtest_enable();
	stack_top = vmx_guest_stack();
	vm.vmcs = vmx_alloc_region();
	trap_set_handler(TIMER_VECTOR, on_timer);
	test_section("timer interrupt while l2 runs");
	test_timer_in_l2();
	test_section("timer interrupt while l2 is halted");
	test_timer_wakes_halted_l2();
	test_section("interrupt window with a pending timer interrupt");
	test_interrupt_window();
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	trap_set_handler(TIMER_VECTOR, NULL);
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
