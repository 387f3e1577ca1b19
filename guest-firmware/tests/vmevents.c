// SPDX-License-Identifier: MIT
/*
 * External events and VMX, end to end: L1 and L2 raise external
 * interrupts, NMIs and INIT through vmxbox's event port (0xf5, docs/boot.md)
 * and L1 checks where each one lands.
 *   - external-interrupt exiting, with and without acknowledge interrupt on
 *     exit (SDM 25.6.1, 28.2.2), and delivery through L2's IDT without it;
 *   - an interrupt that stays pending across a VM exit reaches L1;
 *   - NMI exiting (exit 0, type NMI) and NMI delivery in L2 (SDM 26.2);
 *   - INIT: VM exit 3 in non-root operation, blocked in VMX root operation
 *     and then taken as a VM exit right after VM entry (SDM 24.8, 26.2);
 *   - a single-step #DB: through L2's IDT it sets DR6.BS; as a VM exit
 *     (exception bitmap) DR6 is left alone and BS is in the exit
 *     qualification (SDM 27.1, 28.2.1).
 * The event port is a self-IPI of the local APIC: a delivered (or
 * acknowledged-on-exit) interrupt is in service until the EOI.
 */
#include "vmxtest.h"
#include "guest_asm.h"
#include "apic.h"

#define EVENT_PORT	0xf5
#define EV_FIXED(v)	(0x000u | (v))
#define EV_NMI		0x400u
#define EV_INIT		0x500u
#define TEST_VECTOR	0x30

static struct vmx_vm vm;
static uint64_t stack_top;

/* What the (shared) IDT handler saw; L1 and L2 run the firmware's IDT. */
static volatile struct {
	unsigned count;
	uint64_t vector, rip;
} seen;

static bool record(struct trap_frame *f)
{
	seen.count++;
	seen.vector = f->vector;
	seen.rip = f->rip;
	return true;
}

/* An interrupt handler: record, then EOI to the local APIC. */
static bool record_irq(struct trap_frame *f)
{
	record(f);
	apic_eoi();
	return true;
}

static volatile uint64_t dr6_in_handler;

static bool record_db(struct trap_frame *f)
{
	uint64_t dr6;

	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	dr6_in_handler = dr6;
	f->rflags &= ~RFLAGS_TF;
	return record(f);
}

static uint64_t read_dr6(void)
{
	uint64_t v;

	asm volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static void write_dr6(uint64_t v)
{
	asm volatile("mov %0, %%dr6" : : "r"(v));
}

static void raise_event(uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"((uint16_t)EVENT_PORT));
}

/* One instruction with interrupts enabled in L1 (after the STI shadow). */
static void l1_interrupt_window(void)
{
	asm volatile("sti; nop; cli" ::: "memory");
}

/* L2 runs g_outl_si: OUT of v to the event port, then VMCALL. */
static void reset_raiser(uint32_t v, uint64_t rflags)
{
	vmx_vm_reset(&vm, g_outl_si, stack_top);
	vm.regs.rsi = EVENT_PORT;
	vm.regs.rax = v;
	vmcs_write(GUEST_RFLAGS, rflags);
	memset((void *)&seen, 0, sizeof(seen));
}

static void test_external_interrupts(void)
{
	trap_set_handler(TEST_VECTOR, record_irq);

	reset_raiser(EV_FIXED(TEST_VECTOR), RFLAGS_FIXED);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING, 0);
	vmx_set_ctl(VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT, 0);
	if (vm_run_expect(&vm, EXIT_REASON_EXTERNAL_INTERRUPT,
		       "ext intr exiting with ack (l2 rflags.if 0)")) {
		expect_eq(vm.exit_intr_info,
			  INTR_INFO(TEST_VECTOR, INTR_TYPE_EXT_INTR, 0),
			  "ack on exit: vector in exit interruption info");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_outl_si_next,
			  "ext intr exit after the out completed");
		expect_eq(vm.exit_qual, 0, "ext intr exit qualification");
		expect_eq(apic_vec_set(APIC_ISR, TEST_VECTOR), 1,
			  "ack on exit: vector in service in the apic");
		expect_eq(apic_vec_set(APIC_IRR, TEST_VECTOR), 0,
			  "ack on exit: no longer requested");
		l1_interrupt_window();
		expect_eq(seen.count, 0, "acknowledged interrupt not delivered");
		apic_eoi();     /* l1 handled the host interrupt */
		expect_eq(apic_vec_set(APIC_ISR, TEST_VECTOR), 0,
			  "eoi retires it");
	}

	reset_raiser(EV_FIXED(TEST_VECTOR), RFLAGS_FIXED);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING, 0);
	vmx_set_ctl(VM_EXIT_CONTROLS, 0, EXIT_ACK_INTR_ON_EXIT);
	if (vm_run_expect(&vm, EXIT_REASON_EXTERNAL_INTERRUPT,
		       "ext intr exiting without ack")) {
		expect_eq(vm.exit_intr_info & INTR_INFO_VALID, 0,
			  "no ack: exit interruption info invalid");
		expect_eq(apic_vec_set(APIC_IRR, TEST_VECTOR), 1,
			  "no ack: still requested in the apic");
		expect_eq(seen.count, 0, "not delivered while l1 has if 0");
		l1_interrupt_window();
		expect_eq(seen.count, 1, "still pending: delivered to l1");
		expect_eq(seen.vector, TEST_VECTOR, "l1 got the vector");
	}

	reset_raiser(EV_FIXED(TEST_VECTOR), RFLAGS_FIXED | RFLAGS_IF);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "no exiting: l2 takes it")) {
		expect_eq(seen.count, 1, "delivered through l2 idt once");
		expect_eq(seen.vector, TEST_VECTOR, "l2 vector");
		expect_eq(seen.rip, (uint64_t)g_outl_si_next,
			  "l2 interrupted right after the out");
	}

	reset_raiser(EV_FIXED(TEST_VECTOR), RFLAGS_FIXED);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "no exiting, l2 if 0")) {
		expect_eq(seen.count, 0, "not delivered in l2");
		l1_interrupt_window();
		expect_eq(seen.count, 1, "pending across the exit: l1 gets it");
	}
	trap_set_handler(TEST_VECTOR, NULL);
}

/* The handler of vector vec in the firmware's (L1's and L2's) IDT. */
static uint64_t idt_handler(unsigned vec)
{
	struct desc_ptr idtr;
	const uint32_t *g;

	sidt(&idtr);
	g = (const uint32_t *)(idtr.base + 16 * vec);
	return (g[0] & 0xffff) | (g[1] & 0xffff0000) | (uint64_t)g[2] << 32;
}

/*
 * 26.5.2: with MTF = 1 and no external-interrupt exiting, an external
 * interrupt delivered through L2's IDT ends with an MTF exit before the
 * handler's first instruction (no instruction retired).  L1 raises the
 * interrupt with RFLAGS.IF = 0 (it stays requested); L2 has IF = 1.
 */
static void test_mtf_after_interrupt(void)
{
	raise_event(EV_FIXED(TEST_VECTOR));
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	memset((void *)&seen, 0, sizeof(seen));
	vmcs_write(GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_IF);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG, 0);
	if (vm_run_expect(&vm, EXIT_REASON_MONITOR_TRAP_FLAG,
			  "mtf exit after an external interrupt delivered in l2")) {
		expect_eq(vmcs_read(GUEST_RIP), idt_handler(TEST_VECTOR),
			  "mtf after the interrupt: rip is its handler");
		expect_eq(vmcs_read(IDT_VECTORING_INFO) & INTR_INFO_VALID, 0,
			  "mtf after the interrupt: no idt vectoring");
		expect_eq(seen.count, 0, "mtf after the interrupt: handler "
			  "not run yet");
	}
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, 0, CPU_MONITOR_TRAP_FLAG);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "the handler runs after the mtf exit")) {
		expect_eq(seen.count, 1, "the interrupt was delivered once");
		expect_eq(seen.rip, (uint64_t)g_vmcall,
			  "interrupted before l2's first instruction");
	}
}

/*
 * 28.3.3, 28.2.4: an interrupt raised by L2's OUT is delivered at the next
 * boundary; its delivery faults (vector beyond L2's IDT limit: #GP with
 * IDT | EXT) and the exception bitmap makes that a VM exit: the saved RIP
 * is that of the instruction after the OUT, IDT-vectoring names the
 * interrupt (acknowledged: in service until L1's EOI).
 */
static void test_interrupt_delivery_exit(void)
{
	reset_raiser(EV_FIXED(TEST_VECTOR), RFLAGS_FIXED | RFLAGS_IF);
	vmcs_write(GUEST_IDTR_LIMIT, TEST_VECTOR * 16 - 1);
	vmcs_write(EXCEPTION_BITMAP, 1u << VEC_GP);
	if (!vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			   "interrupt delivery faulting in l2 exits"))
		return;
	expect_eq(vm.exit_intr_info, INTR_INFO(VEC_GP, INTR_TYPE_HW_EXCEPTION,
					       1), "delivery fault: #gp");
	expect_eq(vm.exit_intr_error, TEST_VECTOR * 8 + 2 + 1,
		  "delivery fault: error code idt | ext");
	expect_eq(vmcs_read(IDT_VECTORING_INFO),
		  INTR_INFO(TEST_VECTOR, INTR_TYPE_EXT_INTR, 0),
		  "delivery fault: idt vectoring is the interrupt");
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_outl_si_next,
		  "delivery fault: guest rip is the next instruction's");
	expect_eq(seen.count, 0, "delivery fault: no handler ran");
	expect_eq(apic_vec_set(APIC_ISR, TEST_VECTOR), 1,
		  "delivery fault: the interrupt is in service");
	apic_eoi();
}

static void test_nmis(void)
{
	trap_set_handler(VEC_NMI, record);

	reset_raiser(EV_NMI, RFLAGS_FIXED);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING, 0);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "nmi exiting")) {
		expect_eq(vm.exit_intr_info,
			  INTR_INFO(VEC_NMI, INTR_TYPE_NMI, 0),
			  "nmi exit interruption info");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_outl_si_next,
			  "nmi exit rip");
		expect_eq(seen.count, 0, "nmi not delivered to l2");
	}

	reset_raiser(EV_NMI, RFLAGS_FIXED);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "nmi without exiting: l2 takes it")) {
		expect_eq(seen.count, 1, "nmi through l2 idt once (if 0)");
		expect_eq(seen.vector, VEC_NMI, "l2 nmi vector");
		expect_eq(seen.rip, (uint64_t)g_outl_si_next, "l2 nmi rip");
		expect_eq(vmcs_read(GUEST_INTERRUPTIBILITY_INFO) & INTERRUPTIBILITY_NMI,
			  0, "l2 iret unblocked nmis");
	}
	trap_set_handler(VEC_NMI, NULL);
}

static void test_init(void)
{
	reset_raiser(EV_INIT, RFLAGS_FIXED);
	vm.regs.rbx = 0x1234;
	if (vm_run_expect(&vm, EXIT_REASON_INIT_SIGNAL, "init in l2 exits")) {
		expect_eq(vm.exit_qual, 0, "init exit qualification");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_outl_si_next,
			  "init exit rip");
		expect_eq(vm.regs.rbx, 0x1234, "init left l2 registers alone");
		expect_eq(vmcs_read(GUEST_CR0) & CR0_PG, CR0_PG,
			  "init left l2 in paged mode");
	}
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "init consumed by the exit"))
		expect_eq(vm.exits[EXIT_REASON_INIT_SIGNAL], 1,
			  "one init exit counted");

	/* SDM 26.7.2: INIT outranks the MTF exit that is due after the OUT. */
	reset_raiser(EV_INIT, RFLAGS_FIXED);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG, 0);
	if (vm_run_expect(&vm, EXIT_REASON_MONITOR_TRAP_FLAG, "mtf after the first l2 insn"))
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_outl_si_insn,
			  "mtf rip: before the out");
	if (vm_run_expect(&vm, EXIT_REASON_INIT_SIGNAL, "init wins over mtf after the out"))
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_outl_si_next,
			  "init before mtf: rip after the out");
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, 0, CPU_MONITOR_TRAP_FLAG);

	/* L1 is in VMX root operation: its own INIT is blocked... */
	raise_event(EV_INIT);
	asm volatile("nop; nop" ::: "memory");
	expect_eq(read_cr0() & CR0_PG, CR0_PG,
		  "init blocked in vmx root operation: l1 still paged");
	/* ...and causes a VM exit as soon as L2 runs. */
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	if (vm_run_expect(&vm, EXIT_REASON_INIT_SIGNAL, "blocked init exits after entry"))
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_vmcall,
			  "before the first l2 instruction");
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "then l2 runs"))
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_vmcall_insn,
			  "vmcall rip");
}

#define DR6_INIT	0xffff0ff0ull
#define DR6_BS		(1ull << 14)

static void test_single_step(void)
{
	trap_set_handler(VEC_DB, record_db);

	write_dr6(DR6_INIT);
	vmx_vm_reset(&vm, g_nops, stack_top);
	memset((void *)&seen, 0, sizeof(seen));
	vmcs_write(GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_TF);
	vmcs_write(EXCEPTION_BITMAP, 1u << VEC_DB);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "single-step #db exits")) {
		expect_eq(vm.exit_intr_info,
			  INTR_INFO(VEC_DB, INTR_TYPE_HW_EXCEPTION, 0),
			  "#db exit interruption info");
		expect_eq(vm.exit_qual, DR6_BS, "#db exit qualification: bs");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_nops + 1,
			  "#db exit rip after the stepped nop");
		expect_eq(read_dr6(), DR6_INIT, "dr6 untouched by the #db exit");
		expect_eq(seen.count, 0, "#db not delivered to l2");
	}

	vmx_vm_reset(&vm, g_nops, stack_top);
	memset((void *)&seen, 0, sizeof(seen));
	vmcs_write(GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_TF);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "single-step #db through l2 idt")) {
		expect_eq(seen.count, 1, "l2 took one #db");
		expect_eq(seen.rip, (uint64_t)g_nops + 1, "l2 #db rip");
		expect_eq(dr6_in_handler & DR6_BS, DR6_BS, "l2 saw dr6.bs");
	}
	write_dr6(DR6_INIT);
	trap_set_handler(VEC_DB, NULL);
}

int main(void)
{
	printf("vmxbox nested test: external events\n");
	vmxtest_enable();
	stack_top = vmx_guest_stack();
	vm.vmcs = vmx_alloc_region();
	test_section("external interrupts");
	test_external_interrupts();
	test_section("mtf after interrupt delivery");
	trap_set_handler(TEST_VECTOR, record_irq);
	test_mtf_after_interrupt();
	test_interrupt_delivery_exit();
	trap_set_handler(TEST_VECTOR, NULL);
	test_section("nmi");
	test_nmis();
	test_section("init");
	test_init();
	test_section("single-step #db");
	test_single_step();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
