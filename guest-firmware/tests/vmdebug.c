// SPDX-License-Identifier: MIT
/*
 * Debug exceptions and VMX, end to end:
 *   - the #DB VM-exit qualification carries B3-B0, BD, BS (and RTM) only,
 *     never the "enabled breakpoint" bit 12 of the pending-debug-exceptions
 *     field (SDM 28.2.1, Table 28-1);
 *   - pending debug exceptions loaded by VM entry are delivered as a #DB
 *     before the first guest instruction (through the exception bitmap or
 *     L2's IDT, where they set DR6) and are then no longer pending; a
 *     vectoring entry drops them (SDM 27.7.3);
 *   - an MTF VM exit due at the same boundary as a single-step trap wins;
 *     the trap is saved as BS in the pending-debug-exceptions field and
 *     delivered after the next VM entry (SDM 26.5.2, 28.3.4, 27.7.3);
 *   - a pending debug exception outranks the VMX-preemption timer: the
 *     timer exit comes after the #DB's delivery (SDM 27.7.4, 26.7.3).
 */
#include "vmxtest.h"
#include "guest_asm.h"

#define DR6_INIT	0xffff0ff0ull
#define DBG_B0		(1ull << 0)
#define DBG_ENABLED_BP	(1ull << 12)
#define DBG_BS		(1ull << 14)
#define TEST_VECTOR	0x30

static struct vmx_vm vm;
static uint64_t stack_top;

static volatile struct {
	unsigned count;
	uint64_t vector, rip, dr6;
} seen;

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

/* L2's handlers (L2 shares the firmware's IDT). */
static bool record(struct trap_frame *f)
{
	seen.count++;
	seen.vector = f->vector;
	seen.rip = f->rip;
	seen.dr6 = read_dr6();
	f->rflags &= ~RFLAGS_TF;
	return true;
}

/* Handler address of an IDT vector (64-bit interrupt gate). */
static uint64_t idt_handler(unsigned vector)
{
	struct desc_ptr idtr;
	const uint32_t *g;

	sidt(&idtr);
	g = (const uint32_t *)(idtr.base + 16 * vector);
	return (g[0] & 0xffff) | (g[1] & 0xffff0000u) | ((uint64_t)g[2] << 32);
}

static void reset(void (*guest)(void), uint64_t pending, uint64_t rflags)
{
	vmx_vm_reset(&vm, guest, stack_top);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, pending);
	vmcs_write(GUEST_RFLAGS, rflags);
	memset((void *)&seen, 0, sizeof(seen));
	write_dr6(DR6_INIT);
}

static void test_db_qualification(void)
{
	/* B0 with "enabled breakpoint": a pending data breakpoint. */
	reset(g_nops, DBG_B0 | DBG_ENABLED_BP, RFLAGS_FIXED);
	vmcs_write(EXCEPTION_BITMAP, 1u << VEC_DB);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			  "pending breakpoint #db exits at entry")) {
		expect_eq(vm.exit_intr_info,
			  INTR_INFO(VEC_DB, INTR_TYPE_HW_EXCEPTION, 0),
			  "pending #db exit interruption info");
		expect_eq(vm.exit_qual, DBG_B0,
			  "#db exit qualification b0 without bit 12");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_nops,
			  "pending #db before the first l2 insn");
		expect_eq(vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS), 0,
			  "delivered: nothing pending after the #db exit");
		expect_eq(read_dr6(), DR6_INIT, "dr6 untouched by the #db exit");
	}
}

static void test_pending_at_entry(void)
{
	reset(g_nops, DBG_BS, RFLAGS_FIXED);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "pending bs delivered through l2 idt")) {
		expect_eq(seen.count, 1, "l2 took one #db");
		expect_eq(seen.vector, VEC_DB, "l2 #db vector");
		expect_eq(seen.rip, (uint64_t)g_nops,
			  "pending #db rip: before the first insn");
		expect_eq(seen.dr6 & DBG_BS, DBG_BS, "pending bs reached dr6");
		expect_eq(vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS), 0,
			  "pending bs cleared once delivered");
	}

	/* A vectoring entry: the pending debug exceptions are dropped. */
	reset(g_nops, DBG_BS, RFLAGS_FIXED | RFLAGS_IF);
	vmcs_write(VM_ENTRY_INTR_INFO,
		   INTR_INFO(TEST_VECTOR, INTR_TYPE_EXT_INTR, 0));
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "vectoring entry with pending bs")) {
		expect_eq(seen.count, 1, "only the injected event delivered");
		expect_eq(seen.vector, TEST_VECTOR, "injected vector, no #db");
		expect_eq(vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS), 0,
			  "vectoring entry dropped pending bs");
	}
}

static void test_mtf_over_single_step(void)
{
	reset(g_nops, 0, RFLAGS_FIXED | RFLAGS_TF);
	vmcs_write(EXCEPTION_BITMAP, 1u << VEC_DB);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG, 0);
	if (vm_run_expect(&vm, EXIT_REASON_MONITOR_TRAP_FLAG,
			  "mtf wins over the single-step #db exit")) {
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_nops + 1,
			  "mtf exit after the stepped nop");
		expect_eq(vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS), DBG_BS,
			  "mtf exit saves the single-step trap as bs");
		expect_eq(vm.exits[EXIT_REASON_EXCEPTION_NMI], 0,
			  "no #db exit before the mtf exit");
	}
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, 0, CPU_MONITOR_TRAP_FLAG);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			  "saved bs delivered after vmresume")) {
		expect_eq(vm.exit_qual, DBG_BS, "its #db exit qualification: bs");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_nops + 1,
			  "saved bs #db before the next insn");
	}

	/* The same without the exception bitmap: L2's IDT gets the #DB. */
	reset(g_nops, 0, RFLAGS_FIXED | RFLAGS_TF);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG, 0);
	if (vm_run_expect(&vm, EXIT_REASON_MONITOR_TRAP_FLAG,
			  "mtf wins over the single-step #db delivery")) {
		expect_eq(seen.count, 0, "#db not delivered before the mtf exit");
		expect_eq(vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS), DBG_BS,
			  "mtf exit pending bs");
	}
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, 0, CPU_MONITOR_TRAP_FLAG);
	vmcs_write(GUEST_RFLAGS, RFLAGS_FIXED);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 runs on after mtf")) {
		expect_eq(seen.count, 1, "saved bs #db through l2 idt");
		expect_eq(seen.rip, (uint64_t)g_nops + 1, "saved bs #db rip");
		expect_eq(seen.dr6 & DBG_BS, DBG_BS, "saved bs reached dr6");
	}
}

static void test_timer_after_pending_db(void)
{
	/* Timer value 0 and a pending #DB: the #DB comes first (27.7.4). */
	reset(g_nops, DBG_BS, RFLAGS_FIXED);
	vmcs_write(EXCEPTION_BITMAP, 1u << VEC_DB);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER, 0);
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 0);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			  "pending #db exit before the zero timer"))
		expect_eq(vm.exit_qual, DBG_BS, "timer case #db qualification");
	if (vm_run_expect(&vm, EXIT_REASON_PREEMPTION_TIMER,
			  "then the timer exit"))
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_nops,
			  "timer exit still before the first insn");

	/* Delivered through L2's IDT, the #DB completes first: the timer
	 * exit comes before the handler's first instruction. */
	reset(g_nops, DBG_BS, RFLAGS_FIXED);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER, 0);
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 0);
	if (vm_run_expect(&vm, EXIT_REASON_PREEMPTION_TIMER,
			  "zero timer after pending #db delivery")) {
		uint64_t rsp = vmcs_read(GUEST_RSP);

		expect_eq(vmcs_read(GUEST_RIP), idt_handler(VEC_DB),
			  "timer exit at the #db handler");
		expect_eq(*(uint64_t *)rsp, (uint64_t)g_nops,
			  "#db frame holds the first l2 insn");
		expect_eq(vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS), 0,
			  "nothing pending at the timer exit");
	}
}

int main(void)
{
	printf("vmxbox nested test: debug exceptions\n");
	vmxtest_enable();
	stack_top = vmx_guest_stack();
	vm.vmcs = vmx_alloc_region();
	trap_set_handler(VEC_DB, record);
	trap_set_handler(TEST_VECTOR, record);
	test_section("#db exit qualification");
	test_db_qualification();
	test_section("pending debug exceptions at entry");
	test_pending_at_entry();
	test_section("mtf over single step");
	test_mtf_over_single_step();
	test_section("preemption timer after pending #db");
	test_timer_after_pending_db();
	trap_set_handler(VEC_DB, NULL);
	trap_set_handler(TEST_VECTOR, NULL);
	write_dr6(DR6_INIT);
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
