// SPDX-License-Identifier: MIT
/*
 * NMI unblocking due to IRET (SDM 28.2.3), virtual NMIs across VM entry
 * and VM exit (SDM 26.3 IRET, 27.6.1.1, 27.7.1, 28.3.4), the monitor trap
 * flag after injected or delivered events (SDM 26.5.2) and task-switch VM
 * exits (SDM 26.4.2, Table 28-2).  The engine is played by the test: it
 * offers ICPT_IRET / ICPT_EXCEPTION / ICPT_TASK_SWITCH as the interpreter
 * does and applies the verdicts.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/ept_walk.h"
#include "vmx/exit_info.h"
#include "vmx/nonroot.h"
#include "vmxb_fixture.h"

#define BIT12 (1u << 12)
#define IRET_RIP 0x402100ull
#define HANDLER 0x403000ull

static struct fix F;

static void setup_cb(void)
{
	fix_init(&F, true);
	fix_baseline(&F);
}

/* Without the inject_event callback: the engine delivers cpu->injected. */
static void setup_nocb(void)
{
	fix_init(&F, false);
	fix_baseline(&F);
}

static void teardown(void)
{
	fix_fini(&F);
}

static void enter(bool launch)
{
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, launch), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
}

static uint32_t reason(void)
{
	return (uint32_t)fr(&F, VMCS_VM_EXIT_REASON);
}

static uint32_t guest_intr(void)
{
	return (uint32_t)fr(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO);
}

/* The engine begins an IRET: offers it, applies unblock_nmi. */
static bool engine_iret(void)
{
	struct x86_intercept ic = {
		.kind = ICPT_IRET, .rip = IRET_RIP, .insn_len = 1,
		.op_size = 64,
	};

	F.cpu.rip = IRET_RIP;
	ic.u.iret.unblock_nmi = true;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic),
			 ICPT_CONTINUE);
	if (ic.u.iret.unblock_nmi)
		F.cpu.interruptibility &= ~INTR_BLOCK_NMI;
	return ic.u.iret.unblock_nmi;
}

/* The engine offers a hardware exception (a fault of the current insn). */
static enum icpt_result engine_fault(uint8_t vector, bool has_err,
				     uint32_t err)
{
	struct x86_intercept ic = { .kind = ICPT_EXCEPTION, .rip = F.cpu.rip };

	ic.u.exc.vector = vector;
	ic.u.exc.type = EVT_HW_EXCEPTION;
	ic.u.exc.has_error_code = has_err;
	ic.u.exc.error_code = err;
	return vmx_nonroot_intercept(F.v, &F.ctx, &ic);
}

/* ---- 1. NMI unblocking due to IRET (SDM 28.2.3) ------------------------ */

/* Virtual NMIs = 0, NMI exiting = 0: IRET unblocks NMIs even though it
 * faults; the #GP exit has bit 12 and the saved state no NMI blocking. */
START_TEST(iret_fault_sets_bit12_blocking_by_nmi)
{
	fw(&F, VMCS_EXCEPTION_BITMAP, 1u << 13);
	fw(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI);
	enter(true);
	ck_assert_uint_eq(F.cpu.interruptibility, INTR_BLOCK_NMI);
	ck_assert(engine_iret());
	ck_assert_uint_eq(F.cpu.interruptibility, 0);
	ck_assert_int_eq(engine_fault(13, true, 0x18), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_EXCEPTION_NMI);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | 3u << 8 | INTR_INFO_DELIVER_CODE |
			  BIT12 | 13);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_ERROR_CODE), 0x18);
	ck_assert_uint_eq(fr(&F, VMCS_IDT_VECTORING_INFO_FIELD), 0);
	ck_assert_uint_eq(guest_intr(), 0);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), IRET_RIP);
}
END_TEST

/* Not blocked before the IRET: bit 12 stays 0. */
START_TEST(iret_fault_without_blocking_no_bit12)
{
	fw(&F, VMCS_EXCEPTION_BITMAP, 1u << 13);
	enter(true);
	ck_assert(engine_iret());
	ck_assert_int_eq(engine_fault(13, true, 0), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | 3u << 8 | INTR_INFO_DELIVER_CODE | 13);
	ck_assert_uint_eq(guest_intr(), 0);
}
END_TEST

/* Virtual NMIs = 1: IRET removes virtual-NMI blocking (not NMI blocking)
 * and the fault's exit reports it in bit 12; bit 3 saved clear. */
START_TEST(iret_fault_sets_bit12_virtual_nmi_blocking)
{
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING |
	     PIN_VIRTUAL_NMIS);
	fw(&F, VMCS_EXCEPTION_BITMAP, 1u << 14);
	fw(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI);
	enter(true);
	ck_assert(F.v->vnmi_blocked);
	ck_assert(!engine_iret());
	ck_assert(!F.v->vnmi_blocked);
	ck_assert_int_eq(engine_fault(14, true, 0x4), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | 3u << 8 | INTR_INFO_DELIVER_CODE |
			  BIT12 | 14);
	ck_assert_uint_eq(guest_intr(), 0);
}
END_TEST

/* NMI exiting = 1, virtual NMIs = 0: IRET leaves NMI blocking alone (SDM
 * 26.3); bit 12 is undefined there and reported 0; bit 3 still saved. */
START_TEST(iret_with_nmi_exiting_keeps_blocking)
{
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING);
	fw(&F, VMCS_EXCEPTION_BITMAP, 1u << 13);
	fw(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI);
	enter(true);
	ck_assert(!engine_iret());
	ck_assert_uint_eq(F.cpu.interruptibility, INTR_BLOCK_NMI);
	ck_assert_int_eq(engine_fault(13, true, 0), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | 3u << 8 | INTR_INFO_DELIVER_CODE | 13);
	ck_assert_uint_eq(guest_intr(), INTR_BLOCK_NMI);
}
END_TEST

/* EPT violation caused by the IRET's own memory access: bit 12 of the
 * exit qualification (SDM 28.2.3, Table 28-7). */
START_TEST(iret_ept_violation_sets_qualification_bit12)
{
	uint64_t out;

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT);
	fw(&F, VMCS_EPT_POINTER, FIX_EPT_PML4 | 0x18 | 6);   /* empty PML4 */
	fw(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI);
	enter(true);
	ck_assert(engine_iret());
	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, 0x6000, EPT_ACC_READ,
					   0, false, false, &out),
			 ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_EPT_VIOLATION);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), BIT12 | 1);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_PHYSICAL_ADDRESS), 0x6000);
	ck_assert_uint_eq(guest_intr(), 0);
	/* The same violation outside an IRET: no bit 12. */
	enter(false);
	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, 0x6000, EPT_ACC_READ,
					   0, false, false, &out),
			 ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 1);
}
END_TEST

/* Bit 12 is undefined (0 here) when the exit has valid IDT-vectoring
 * information: the EPT violation hits the delivery of the IRET's #GP. */
START_TEST(no_bit12_with_idt_vectoring)
{
	uint64_t out;

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT);
	fw(&F, VMCS_EPT_POINTER, FIX_EPT_PML4 | 0x18 | 6);
	fw(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI);
	enter(true);
	ck_assert(engine_iret());
	F.cpu.injected = (struct x86_event){ .valid = true,
		.type = EVT_HW_EXCEPTION, .vector = 13, .has_error_code = true };
	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, 0x6000, EPT_ACC_WRITE,
					   0, false, false, &out),
			 ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 2);
	ck_assert_uint_eq(fr(&F, VMCS_IDT_VECTORING_INFO_FIELD),
			  INTR_INFO_VALID | 3u << 8 | INTR_INFO_DELIVER_CODE | 13);
}
END_TEST

/* Not on the IRET any more: after it retired, or after its fault was
 * delivered in the guest (a later fault of the handler), or a #DF. */
START_TEST(no_bit12_after_iret_or_delivery)
{
	fw(&F, VMCS_EXCEPTION_BITMAP, 1u << 13 | 1u << 8);
	fw(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI);
	enter(true);
	ck_assert(engine_iret());
	F.cpu.insn_count++;                 /* IRET retired */
	ck_assert_int_eq(engine_fault(13, true, 0), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO) & BIT12, 0);

	fw(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI);
	enter(false);
	ck_assert(engine_iret());
	ck_assert_int_eq(engine_fault(6, false, 0), ICPT_CONTINUE); /* #UD in */
	ck_assert_int_eq(engine_fault(13, true, 0), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | 3u << 8 | INTR_INFO_DELIVER_CODE | 13);

	fw(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI);
	enter(false);
	ck_assert(engine_iret());
	ck_assert_int_eq(engine_fault(8, true, 0), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | 3u << 8 | INTR_INFO_DELIVER_CODE | 8);
}
END_TEST

/* SDM 28.1: an NMI whose delivery causes the exit blocks NMIs first (saved
 * bit 3); with virtual NMIs the injection set virtual-NMI blocking. */
START_TEST(nmi_delivery_exit_saves_nmi_blocking)
{
	fw(&F, VMCS_EXCEPTION_BITMAP, 1u << 14);
	fw(&F, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | 2u << 8 | 2);
	enter(true);
	ck_assert(F.cpu.injected.valid);
	ck_assert_uint_eq(F.cpu.interruptibility, 0);
	ck_assert_int_eq(engine_fault(14, true, 2), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_IDT_VECTORING_INFO_FIELD),
			  INTR_INFO_VALID | 2u << 8 | 2);
	ck_assert_uint_eq(guest_intr(), INTR_BLOCK_NMI);

	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING |
	     PIN_VIRTUAL_NMIS);
	fw(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
	fw(&F, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | 2u << 8 | 2);
	enter(false);
	ck_assert(F.v->vnmi_blocked);
	ck_assert_int_eq(engine_fault(14, true, 2), ICPT_SWITCHED);
	ck_assert_uint_eq(guest_intr(), INTR_BLOCK_NMI);
	ck_assert_uint_eq(F.cpu.interruptibility, 0);   /* host */
}
END_TEST

/* ---- 2. virtual NMIs (pin 5) ------------------------------------------- */

/* Entry: bit 3 is virtual-NMI blocking; NMIs are not blocked, so a real
 * NMI exits at once; the exit saves virtual-NMI blocking in bit 3. */
START_TEST(vnmi_entry_loads_virtual_blocking_only)
{
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING |
	     PIN_VIRTUAL_NMIS);
	fw(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI);
	enter(true);
	ck_assert(F.v->vnmi_blocked);
	ck_assert_uint_eq(F.cpu.interruptibility, 0);
	F.cpu.nmi_pending = true;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_EXCEPTION_NMI);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | 2u << 8 | 2);
	ck_assert_uint_eq(guest_intr(), INTR_BLOCK_NMI);
	ck_assert(!F.cpu.nmi_pending);
}
END_TEST

/* Virtual NMIs = 0 with NMI exiting: blocking by NMI holds the NMI
 * pending for as long as the guest runs (SDM 27.7.1). */
START_TEST(nmi_exiting_respects_blocking_by_nmi)
{
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING);
	fw(&F, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI);
	enter(true);
	F.cpu.nmi_pending = true;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(F.cpu.nmi_pending);
	ck_assert(F.v->nonroot);
	F.cpu.interruptibility = 0;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_EXCEPTION_NMI);
}
END_TEST

/* A virtual NMI through the NMI window: window exit, NMI injected (sets
 * virtual-NMI blocking, no window while blocked, saved in bit 3 and
 * reloaded), the guest's IRET removes it (real blocking untouched), the
 * window opens again. */
START_TEST(vnmi_delivery_via_nmi_window)
{
	struct x86_intercept cpuid = { .kind = ICPT_CPUID, .insn_len = 2 };

	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING |
	     PIN_VIRTUAL_NMIS);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING);
	enter(true);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_NMI_WINDOW);
	ck_assert_uint_eq(guest_intr(), 0);

	fw(&F, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | 2u << 8 | 2);
	enter(false);
	ck_assert_int_eq(F.injects, 1);
	ck_assert_uint_eq(F.injected.type, EVT_NMI);
	ck_assert_uint_eq(F.injected.vector, 2);
	ck_assert(F.v->vnmi_blocked);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &cpuid),
			 ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_CPUID);
	ck_assert_uint_eq(guest_intr(), INTR_BLOCK_NMI);
	ck_assert_uint_eq(fr(&F, VMCS_VM_ENTRY_INTR_INFO_FIELD) &
			  INTR_INFO_VALID, 0);

	enter(false);
	ck_assert(F.v->vnmi_blocked);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	F.cpu.interruptibility |= INTR_BLOCK_NMI;   /* real, e.g. stale */
	ck_assert(!engine_iret());
	ck_assert(!F.v->vnmi_blocked);
	ck_assert_uint_eq(F.cpu.interruptibility, INTR_BLOCK_NMI);
	F.cpu.insn_count++;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_NMI_WINDOW);
	ck_assert_uint_eq(guest_intr(), 0);
}
END_TEST

/* ---- 3. monitor trap flag after injected / delivered events ------------ */

struct inj_case {
	uint32_t info;
	uint32_t len;
};

static const struct inj_case inj_cases[] = {
	{ INTR_INFO_VALID | 0u << 8 | 0x30, 0 },                 /* external */
	{ INTR_INFO_VALID | 2u << 8 | 2, 0 },                    /* NMI */
	{ INTR_INFO_VALID | 3u << 8 | 6, 0 },                    /* #UD */
	{ INTR_INFO_VALID | 3u << 8 | INTR_INFO_DELIVER_CODE | 13, 0 },
	{ INTR_INFO_VALID | 4u << 8 | 0x80, 2 },                 /* INT 0x80 */
	{ INTR_INFO_VALID | 5u << 8 | 1, 1 },                    /* INT1 */
	{ INTR_INFO_VALID | 6u << 8 | 3, 1 },                    /* INT3 */
};
#define N_INJ (sizeof(inj_cases) / sizeof(inj_cases[0]))

/* SDM 26.5.2: MTF = 1 and a vectoring VM entry: the MTF exit is pending
 * right after the delivery, before the handler's first instruction. */
START_TEST(mtf_after_injected_event)
{
	const struct inj_case *c = &inj_cases[_i];

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG);
	fw(&F, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1 | RFLAGS_IF);
	fw(&F, VMCS_VM_ENTRY_INTR_INFO_FIELD, c->info);
	fw(&F, VMCS_VM_ENTRY_INSTRUCTION_LEN, c->len);
	enter(true);
	ck_assert_int_eq(F.injects, 1);
	ck_assert_uint_eq(F.injected.vector, c->info & 0xff);
	ck_assert_uint_eq(F.injected.insn_len, c->len);
	F.cpu.rip = HANDLER;        /* what the delivery did */
	ck_assert(F.ctx.boundary_wanted);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_MONITOR_TRAP_FLAG);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), HANDLER);
	ck_assert_uint_eq(fr(&F, VMCS_IDT_VECTORING_INFO_FIELD), 0);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0);
}
END_TEST

/* Without MTF the same injection leaves nothing pending. */
START_TEST(no_mtf_without_control)
{
	fw(&F, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | 3u << 8 | 6);
	enter(true);
	ck_assert(!F.v->mtf_pending);
	ck_assert(!F.ctx.boundary_wanted);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
}
END_TEST

/* Engine-delivered injection: nothing happens at a boundary until the
 * engine delivered cpu->injected; then the MTF exit. */
START_TEST(mtf_waits_for_engine_delivery)
{
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG |
	     CPU_NMI_WINDOW_EXITING);
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING |
	     PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER);
	fw(&F, VMCS_VMX_PREEMPTION_TIMER_VALUE, 0);
	fw(&F, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | 4u << 8 | 0x21);
	fw(&F, VMCS_VM_ENTRY_INSTRUCTION_LEN, 2);
	enter(true);
	ck_assert(F.cpu.injected.valid);
	ck_assert_uint_eq(F.cpu.injected.type, EVT_SW_INTR);
	ck_assert_uint_eq(F.cpu.injected.vector, 0x21);
	ck_assert_uint_eq(F.cpu.injected.insn_len, 2);
	/* Timer at zero, NMI window open, MTF pending: all wait. */
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
	F.cpu.injected.valid = false;
	F.cpu.rip = HANDLER;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_MONITOR_TRAP_FLAG);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), HANDLER);
}
END_TEST

/* A fault during delivery of the injected event that exits wins: exit 0
 * with the injected event as IDT-vectoring information, no MTF left. */
START_TEST(delivery_fault_exit_beats_mtf)
{
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG);
	fw(&F, VMCS_EXCEPTION_BITMAP, 1u << 14);
	fw(&F, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | 4u << 8 | 0x21);
	fw(&F, VMCS_VM_ENTRY_INSTRUCTION_LEN, 2);
	enter(true);
	ck_assert(F.v->mtf_pending);
	/* The engine starts delivering it; pushing the frame faults. */
	F.cpu.rip = FIX_GUEST_RIP;
	ck_assert_int_eq(engine_fault(14, true, 2), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_EXCEPTION_NMI);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | 3u << 8 | INTR_INFO_DELIVER_CODE | 14);
	ck_assert_uint_eq(fr(&F, VMCS_IDT_VECTORING_INFO_FIELD),
			  INTR_INFO_VALID | 4u << 8 | 0x21);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INSTRUCTION_LEN), 2);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), FIX_GUEST_RIP);
	ck_assert(!F.v->mtf_pending);
	ck_assert(!F.v->nonroot);
}
END_TEST

/* A fault delivered in the guest (no exit): the MTF exit comes on the
 * boundary after its delivery, though no instruction retired. */
START_TEST(mtf_after_fault_delivery)
{
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG);
	enter(true);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert_int_eq(engine_fault(13, true, 0), ICPT_CONTINUE);
	F.cpu.rip = HANDLER;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_MONITOR_TRAP_FLAG);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), HANDLER);
}
END_TEST

/* An external interrupt delivered in the guest (no external-interrupt
 * exiting): MTF exit right after its delivery. */
START_TEST(mtf_after_external_interrupt_delivery)
{
	struct x86_intercept ic = { .kind = ICPT_EXCEPTION };

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG);
	enter(true);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ic.rip = F.cpu.rip;
	ic.u.exc.vector = 0x30;
	ic.u.exc.type = EVT_EXT_INTR;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic),
			 ICPT_CONTINUE);
	F.cpu.rip = HANDLER;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_MONITOR_TRAP_FLAG);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), HANDLER);
}
END_TEST

/* ---- 4. task switches (exit reason 9) ---------------------------------- */

struct task_case {
	uint8_t source;
	uint16_t sel;
	uint32_t insn_len;
	uint64_t qual;
};

static const struct task_case task_cases[] = {
	{ TASK_SRC_CALL, 0x28, 7, 0x28 },
	{ TASK_SRC_IRET, 0x30, 1, 0x40000030ull },
	{ TASK_SRC_JMP, 0x3b, 5, 0x8000003bull },
};

/* CALL / IRET / JMP: selector, source, instruction length, guest RIP of
 * the instruction, no IDT-vectoring information. */
START_TEST(task_switch_by_instruction)
{
	const struct task_case *c = &task_cases[_i];
	struct x86_intercept ic = {
		.kind = ICPT_TASK_SWITCH, .rip = 0x402200, .insn_len = c->insn_len,
		.op_size = 32,
	};

	enter(true);
	F.cpu.rip = 0x402200;
	ic.u.task.sel = c->sel;
	ic.u.task.source = c->source;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic),
			 ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_TASK_SWITCH);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), c->qual);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INSTRUCTION_LEN), c->insn_len);
	ck_assert_uint_eq(fr(&F, VMCS_IDT_VECTORING_INFO_FIELD), 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO), 0);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), 0x402200);
	ck_assert_uint_eq(F.cpu.rip, FIX_HOST_RIP);
}
END_TEST

/* Task gate in the IDT: source 3, the event being delivered becomes
 * IDT-vectoring information; the length is the software interrupt's. */
START_TEST(task_switch_via_idt_gate)
{
	struct x86_intercept ic = { .kind = ICPT_TASK_SWITCH, .rip = 0x402300 };

	enter(true);
	F.cpu.rip = 0x402300;
	F.cpu.injected = (struct x86_event){ .valid = true,
		.type = EVT_SW_INTR, .vector = 0x40, .insn_len = 2 };
	ic.u.task.sel = 0x50;
	ic.u.task.source = TASK_SRC_IDT_GATE;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic),
			 ICPT_SWITCHED);
	ck_assert_uint_eq(reason(), EXIT_REASON_TASK_SWITCH);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0xc0000050ull);
	ck_assert_uint_eq(fr(&F, VMCS_IDT_VECTORING_INFO_FIELD),
			  INTR_INFO_VALID | 4u << 8 | 0x40);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INSTRUCTION_LEN), 2);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), 0x402300);

	/* A hardware exception through a task gate: error code kept, no
	 * instruction length. */
	enter(false);
	F.cpu.injected = (struct x86_event){ .valid = true,
		.type = EVT_HW_EXCEPTION, .vector = 8, .has_error_code = true };
	ic.u.task.sel = 0x58;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic),
			 ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0xc0000058ull);
	ck_assert_uint_eq(fr(&F, VMCS_IDT_VECTORING_INFO_FIELD),
			  INTR_INFO_VALID | 3u << 8 | INTR_INFO_DELIVER_CODE | 8);
	ck_assert_uint_eq(fr(&F, VMCS_IDT_VECTORING_ERROR_CODE), 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INSTRUCTION_LEN), 0);
}
END_TEST

/* Root operation: the VMX layer lets task switches and IRET through. */
START_TEST(root_lets_task_switch_through)
{
	struct x86_intercept ic = { .kind = ICPT_TASK_SWITCH };
	struct x86_intercept iret = { .kind = ICPT_IRET };

	iret.u.iret.unblock_nmi = true;
	ck_assert_int_eq(vmx_intercept_ops.intercept(F.v, &F.ctx, &ic),
			 ICPT_CONTINUE);
	ck_assert_int_eq(vmx_intercept_ops.intercept(F.v, &F.ctx, &iret),
			 ICPT_CONTINUE);
	ck_assert(iret.u.iret.unblock_nmi);
}
END_TEST

static TCase *tcase(const char *name, void (*setup)(void))
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	return tc;
}

int main(void)
{
	Suite *s = suite_create("vmx_nmi_task");
	TCase *tc = tcase("callback", setup_cb);
	TCase *nocb = tcase("engine_delivers", setup_nocb);

	tcase_add_test(tc, iret_fault_sets_bit12_blocking_by_nmi);
	tcase_add_test(tc, iret_fault_without_blocking_no_bit12);
	tcase_add_test(tc, iret_fault_sets_bit12_virtual_nmi_blocking);
	tcase_add_test(tc, iret_with_nmi_exiting_keeps_blocking);
	tcase_add_test(tc, iret_ept_violation_sets_qualification_bit12);
	tcase_add_test(tc, no_bit12_with_idt_vectoring);
	tcase_add_test(tc, no_bit12_after_iret_or_delivery);
	tcase_add_test(tc, vnmi_entry_loads_virtual_blocking_only);
	tcase_add_test(tc, nmi_exiting_respects_blocking_by_nmi);
	tcase_add_test(tc, vnmi_delivery_via_nmi_window);
	tcase_add_loop_test(tc, mtf_after_injected_event, 0, N_INJ);
	tcase_add_test(tc, no_mtf_without_control);
	tcase_add_test(tc, mtf_after_fault_delivery);
	tcase_add_test(tc, mtf_after_external_interrupt_delivery);
	tcase_add_loop_test(tc, task_switch_by_instruction, 0, 3);
	tcase_add_test(tc, task_switch_via_idt_gate);
	tcase_add_test(tc, root_lets_task_switch_through);
	suite_add_tcase(s, tc);
	tcase_add_test(nocb, mtf_waits_for_engine_delivery);
	tcase_add_test(nocb, delivery_fault_exit_beats_mtf);
	tcase_add_test(nocb, nmi_delivery_exit_saves_nmi_blocking);
	suite_add_tcase(s, nocb);
	return fix_run_suite(s);
}
