// SPDX-License-Identifier: MIT
/*
 * Task-switch attempts and IRET as the VMX layer sees them, through a fake
 * intercept hook: far JMP/CALL to a TSS or task gate, IRET with NT=1 and
 * INT n through an IDT task gate outside IA-32e mode are offered as
 * ICPT_TASK_SWITCH after the checks of SDM 26.4.2 (new TSS selector,
 * source as in Table 28-2); without a VMX exit the interpreter carries
 * out the task switch (SDM 8.3; details in test_task_switch.c).  Every IRET
 * is offered as ICPT_IRET and removes NMI blocking even when it faults
 * (SDM 6.7.1) unless the hook says otherwise (SDM 26.3).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sysutil.h"

static struct harness h;

#define MAX_SEEN 8
static struct x86_intercept seen[MAX_SEEN];
static struct x86_event seen_injected[MAX_SEEN];
static uint64_t seen_rip[MAX_SEEN];
static unsigned nseen;
static enum icpt_result task_verdict;
static bool keep_nmi_blocking;

#define SWITCH_RIP 0x180000ull
#define TASK_RIP   0x190000ull   /* EIP of the valid TSSs: HLT */

#define GDT      0x7000ull
#define TSS_NEW  0x60000ull    /* 0x28: available 32-bit TSS */
#define TSS_CUR  0x60100ull    /* 0x30: busy, the current task (TR) */
#define TSS_LINK 0x60200ull    /* 0x38: busy, the back link of TSS_CUR */
#define IDT32    0x61000ull
#define STUBS    0x62000ull    /* vector v: HLT at STUBS + 16 * v */

#define SEL_TSS_NEW  0x28
#define SEL_TSS_CUR  0x30
#define SEL_TSS_LINK 0x38
#define SEL_GATE     0x40      /* task gate -> SEL_TSS_NEW */
#define SEL_TSS_TINY 0x48      /* available TSS, limit 0x20 */
#define SEL_GATE_NP  0x50      /* task gate, not present */

static enum icpt_result fake_intercept(void *opaque,
				       struct x86_intercept_ctx *ctx,
				       struct x86_intercept *ic)
{
	(void)opaque;
	if (nseen < MAX_SEEN) {
		seen[nseen] = *ic;
		seen_injected[nseen] = ctx->cpu->injected;
		seen_rip[nseen] = ctx->cpu->rip;
		nseen++;
	}
	if (ic->kind == ICPT_IRET && keep_nmi_blocking)
		ic->u.iret.unblock_nmi = false;
	if (ic->kind == ICPT_TASK_SWITCH && task_verdict == ICPT_SWITCHED) {
		ctx->cpu->rip = SWITCH_RIP;
		ctx->cpu->injected.valid = false;
		ctx->state_changed(ctx->engine);
		return ICPT_SWITCHED;
	}
	return ICPT_CONTINUE;
}

static const struct x86_intercept_ops fake_ops = {
	.intercept = fake_intercept,
};

static uint64_t desc(uint32_t base, uint32_t limit, uint8_t access,
		     uint8_t flags)
{
	return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)(limit >> 16 & 0xf) << 48) |
	       ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

static uint64_t gate32(uint16_t sel, uint32_t off, uint8_t access)
{
	return (off & 0xffffull) | ((uint64_t)sel << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)(off >> 16) << 48);
}

/* A valid ring-0 32-bit task at TASK_RIP with flat segments. */
static void valid_task(uint64_t tss)
{
	static const uint16_t sels[6] = { 0x10, 0x18, 0x10, 0x10, 0x10, 0x10 };

	ck_assert(gmem_write_u32(&h.mem, tss + 0x20, TASK_RIP));
	ck_assert(gmem_write_u32(&h.mem, tss + 0x24, 2));
	ck_assert(gmem_write_u32(&h.mem, tss + 0x38, H_STACK));
	for (unsigned i = 0; i < 6; i++)
		ck_assert(gmem_write_u16(&h.mem, tss + 0x48 + 4 * i, sels[i]));
}

/* The switch to the task in tss_sel was carried out. */
static void assert_switched_to(uint16_t tss_sel, enum engine_exit_reason r)
{
	ck_assert_int_eq(r, ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, TASK_RIP + 1);
	ck_assert_uint_eq(h.s->seg[SEG_TR].sel, tss_sel);
}

/* Flat 32-bit protected mode, TR = the busy TSS_CUR, a 32-bit IDT with
 * interrupt gates to HLT stubs and a task gate at vector 0x40. */
static void setup32(void)
{
	h_init(&h);
	h_mode32(&h);
	h.ip->cfg.icpt = &fake_ops;
	h.ip->cfg.icpt_opaque = &h;
	h_write64(&h, GDT + SEL_TSS_NEW, desc(TSS_NEW, 0x67, 0x89, 0));
	h_write64(&h, GDT + SEL_TSS_CUR, desc(TSS_CUR, 0x67, 0x8b, 0));
	h_write64(&h, GDT + SEL_TSS_LINK, desc(TSS_LINK, 0x67, 0x8b, 0));
	h_write64(&h, GDT + SEL_GATE, gate32(SEL_TSS_NEW, 0, 0x85));
	h_write64(&h, GDT + SEL_TSS_TINY, desc(TSS_NEW, 0x20, 0x89, 0));
	h_write64(&h, GDT + SEL_GATE_NP, gate32(SEL_TSS_NEW, 0, 0x05));
	h.s->gdtr.limit = 0x57;
	h.s->seg[SEG_TR] = (struct seg_reg){ SEL_TSS_CUR, TSS_CUR, 0x67,
					     0xb | SEG_AR_P };
	ck_assert(gmem_write_u16(&h.mem, TSS_CUR, SEL_TSS_LINK));
	for (unsigned v = 0; v < 256; v++) {
		h_write64(&h, IDT32 + 8 * v, gate32(0x18, STUBS + 16 * v, 0x8e));
		ck_assert(gmem_write_u8(&h.mem, STUBS + 16 * v, 0xf4));
	}
	h_write64(&h, IDT32 + 8 * 0x40, gate32(SEL_TSS_NEW, 0, 0xe5));
	h.s->idtr = (struct dtable_reg){ IDT32, 256 * 8 - 1 };
	ck_assert(gmem_write_u8(&h.mem, SWITCH_RIP, 0xf4));
	ck_assert(gmem_write_u8(&h.mem, TASK_RIP, 0xf4));
	valid_task(TSS_NEW);
	valid_task(TSS_LINK);
	nseen = 0;
	task_verdict = ICPT_CONTINUE;
	keep_nmi_blocking = false;
}

static void setup64(void)
{
	h_init(&h);
	h.ip->cfg.icpt = &fake_ops;
	h.ip->cfg.icpt_opaque = &h;
	nseen = 0;
	task_verdict = ICPT_CONTINUE;
	keep_nmi_blocking = false;
}

static void teardown(void)
{
	h_fini(&h);
}

/* The vector whose 32-bit stub the run halted in, or -1. */
static int stub_vector(enum engine_exit_reason r)
{
	uint64_t rip = h.s->rip;

	if (r != ENGINE_EXIT_HLT || rip <= STUBS || rip > STUBS + 16 * 256)
		return -1;
	return (int)((rip - 1 - STUBS) / 16);
}

/* The error code the fault pushed (32-bit frame: error code on top). */
static uint32_t pushed_error(void)
{
	uint32_t e = 0;

	ck_assert(gmem_read_u32(&h.mem, h.s->gpr[GPR_RSP], &e));
	return e;
}

static const struct x86_intercept *find(enum icpt_kind kind)
{
	for (unsigned i = 0; i < nseen; i++)
		if (seen[i].kind == kind)
			return &seen[i];
	return NULL;
}

/* jmp far 0x28:0 (to an available TSS) */
static const uint8_t jmp_tss[] = { 0xea, 0, 0, 0, 0, SEL_TSS_NEW, 0 };

START_TEST(jmp_far_tss_offered)
{
	const struct x86_intercept *ic;
	enum engine_exit_reason r;

	r = su_run(&h, jmp_tss, sizeof(jmp_tss), 5);
	ic = find(ICPT_TASK_SWITCH);
	ck_assert_ptr_nonnull(ic);
	ck_assert_uint_eq(ic->u.task.sel, SEL_TSS_NEW);
	ck_assert_uint_eq(ic->u.task.source, TASK_SRC_JMP);
	ck_assert_uint_eq(ic->insn_len, 7);
	ck_assert_uint_eq(ic->rip, H_CODE);
	ck_assert_uint_eq(seen_rip[ic - seen], H_CODE);
	/* Not taken by the hook: the task switch is carried out. */
	assert_switched_to(SEL_TSS_NEW, r);
}
END_TEST

START_TEST(jmp_far_tss_switched)
{
	task_verdict = ICPT_SWITCHED;
	ck_assert_int_eq(su_run(&h, jmp_tss, sizeof(jmp_tss), 5),
			 ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, SWITCH_RIP + 1);
	ck_assert_int_eq(seen[0].kind, ICPT_TASK_SWITCH);
	ck_assert_int_eq(seen[1].kind, ICPT_HLT);   /* at SWITCH_RIP */
	ck_assert_uint_eq(seen_rip[1], SWITCH_RIP);
}
END_TEST

/* call far 0x40:0 through a task gate: the gate's TSS selector. */
START_TEST(call_far_task_gate_offered)
{
	static const uint8_t call_gate[] = { 0x9a, 0, 0, 0, 0, SEL_GATE, 0 };
	const struct x86_intercept *ic;
	enum engine_exit_reason r;

	r = su_run(&h, call_gate, sizeof(call_gate), 5);
	ic = find(ICPT_TASK_SWITCH);
	ck_assert_ptr_nonnull(ic);
	ck_assert_uint_eq(ic->u.task.sel, SEL_TSS_NEW);
	ck_assert_uint_eq(ic->u.task.source, TASK_SRC_CALL);
	ck_assert_uint_eq(ic->insn_len, 7);
	assert_switched_to(SEL_TSS_NEW, r);
}
END_TEST

/* The checks before a task switch fault first (SDM 26.4.2): busy TSS
 * #GP(sel), limit too small #TS(sel), gate not present #NP(gate). */
START_TEST(task_checks_fault_before_the_hook)
{
	static const struct { uint8_t sel; int vec; } cases[] = {
		{ SEL_TSS_CUR, X86_GP }, { SEL_TSS_TINY, X86_TS },
		{ SEL_GATE_NP, X86_NP },
	};

	for (unsigned i = 0; i < 3; i++) {
		uint8_t code[] = { 0xea, 0, 0, 0, 0, cases[i].sel, 0 };
		enum engine_exit_reason r;

		nseen = 0;
		h.s->gpr[GPR_RSP] = H_STACK;
		r = su_run(&h, code, sizeof(code), 5);
		ck_assert_int_eq(stub_vector(r), cases[i].vec);
		ck_assert_uint_eq(pushed_error(), cases[i].sel);
		ck_assert_ptr_null(find(ICPT_TASK_SWITCH));
	}
}
END_TEST

/* CPL 3 may not use a DPL 0 TSS descriptor: #GP(sel), no offer. */
START_TEST(task_privilege_checked)
{
	/* jmp far 0x2b:0 (RPL 3) on the DPL 0 TSS at 0x28 */
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_TSS_NEW | 3, 0 };
	enum engine_exit_reason r;

	r = su_run(&h, code, sizeof(code), 5);
	ck_assert_int_eq(stub_vector(r), X86_GP);
	ck_assert_uint_eq(pushed_error(), SEL_TSS_NEW);
	ck_assert_ptr_null(find(ICPT_TASK_SWITCH));
}
END_TEST

/* IRET with NT=1: the back link of the current TSS, source IRET. */
START_TEST(iret_nt_offered)
{
	static const uint8_t iret[] = { 0xcf };
	const struct x86_intercept *ic;
	enum engine_exit_reason r;

	h.s->rflags |= RFLAGS_NT;
	r = su_run(&h, iret, 1, 5);
	assert_switched_to(SEL_TSS_LINK, r);
	ck_assert_uint_eq(nseen, 3);   /* IRET, task switch, HLT */
	ck_assert_int_eq(seen[2].kind, ICPT_HLT);
	ck_assert_int_eq(seen[0].kind, ICPT_IRET);
	ic = &seen[1];
	ck_assert_int_eq(ic->kind, ICPT_TASK_SWITCH);
	ck_assert_uint_eq(ic->u.task.sel, SEL_TSS_LINK);
	ck_assert_uint_eq(ic->u.task.source, TASK_SRC_IRET);
	ck_assert_uint_eq(ic->insn_len, 1);
	ck_assert_uint_eq(seen_rip[1], H_CODE);
	/* A task return needs a busy TSS: #TS(link) without an offer. */
	h_write64(&h, GDT + SEL_TSS_LINK, desc(TSS_LINK, 0x67, 0x89, 0));
	h.s->seg[SEG_TR] = (struct seg_reg){ SEL_TSS_CUR, TSS_CUR, 0x67,
					     0xb | SEG_AR_P };
	h.s->rflags |= RFLAGS_NT;
	nseen = 0;
	h.s->gpr[GPR_RSP] = H_STACK;
	ck_assert_int_eq(stub_vector(su_run(&h, iret, 1, 5)), X86_TS);
	ck_assert_uint_eq(pushed_error(), SEL_TSS_LINK);
	ck_assert_ptr_null(find(ICPT_TASK_SWITCH));
}
END_TEST

START_TEST(iret_nt_switched)
{
	static const uint8_t iret[] = { 0xcf };

	task_verdict = ICPT_SWITCHED;
	h.s->rflags |= RFLAGS_NT;
	ck_assert_int_eq(su_run(&h, iret, 1, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, SWITCH_RIP + 1);
}
END_TEST

/* INT 0x40 through the IDT task gate: source 3, the software interrupt
 * is the event being delivered (IDT vectoring), RIP = the INT. */
START_TEST(int_task_gate_offered)
{
	static const uint8_t int40[] = { 0xcd, 0x40 };
	const struct x86_intercept *ic;
	const struct x86_event *ev;
	enum engine_exit_reason r;

	r = su_run(&h, int40, 2, 5);
	ic = find(ICPT_TASK_SWITCH);
	ck_assert_ptr_nonnull(ic);
	ck_assert_uint_eq(ic->u.task.sel, SEL_TSS_NEW);
	ck_assert_uint_eq(ic->u.task.source, TASK_SRC_IDT_GATE);
	ev = &seen_injected[ic - seen];
	ck_assert(ev->valid);
	ck_assert_uint_eq(ev->type, EVT_SW_INTR);
	ck_assert_uint_eq(ev->vector, 0x40);
	ck_assert_uint_eq(ev->insn_len, 2);
	ck_assert_uint_eq(seen_rip[ic - seen], H_CODE);
	/* Not taken by the hook: the task switch is carried out. */
	assert_switched_to(SEL_TSS_NEW, r);
}
END_TEST

START_TEST(int_task_gate_switched)
{
	static const uint8_t int40[] = { 0xcd, 0x40 };

	task_verdict = ICPT_SWITCHED;
	ck_assert_int_eq(su_run(&h, int40, 2, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, SWITCH_RIP + 1);
	ck_assert(!h.s->injected.valid);
}
END_TEST

/* Hardware events through a task gate: a fault (RIP = the faulting
 * instruction) and an external interrupt (RIP = the next instruction),
 * each as the event being delivered. */
START_TEST(hardware_events_through_task_gate)
{
	static const uint8_t code[] = { 0x90, 0x0f, 0x0b };
	const struct x86_intercept *ic;
	const struct x86_event *ev;

	h_write64(&h, IDT32 + 8 * X86_UD, gate32(SEL_TSS_NEW, 0, 0x85));
	h_write64(&h, IDT32 + 8 * 0x30, gate32(SEL_TSS_NEW, 0, 0x85));
	task_verdict = ICPT_SWITCHED;
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	h_apic(&h);
	h_irq(&h, 0x30);
	h.s->rflags |= RFLAGS_IF;
	ck_assert_int_eq(h_run(&h, 5), ENGINE_EXIT_HLT);
	ic = find(ICPT_TASK_SWITCH);
	ck_assert_ptr_nonnull(ic);
	ck_assert_uint_eq(ic->u.task.sel, SEL_TSS_NEW);
	ck_assert_uint_eq(ic->u.task.source, TASK_SRC_IDT_GATE);
	ev = &seen_injected[ic - seen];
	ck_assert(ev->valid);
	ck_assert_uint_eq(ev->type, EVT_EXT_INTR);
	ck_assert_uint_eq(ev->vector, 0x30);
	ck_assert_uint_eq(seen_rip[ic - seen], H_CODE + 1);

	nseen = 0;
	h_load(&h, H_CODE + 1, code + 1, 2);
	h.s->activity = ACTIVITY_ACTIVE;
	ck_assert_int_eq(h_run(&h, 5), ENGINE_EXIT_HLT);
	ic = find(ICPT_TASK_SWITCH);
	ck_assert_ptr_nonnull(ic);
	ev = &seen_injected[ic - seen];
	ck_assert_uint_eq(ev->type, EVT_HW_EXCEPTION);
	ck_assert_uint_eq(ev->vector, X86_UD);
	ck_assert_uint_eq(seen_rip[ic - seen], H_CODE + 1);
}
END_TEST

/* IA-32e mode: IRET with NT=1 is #GP(0) (SDM IRET), never a task switch. */
START_TEST(iret_nt_long_mode_gp)
{
	static const uint8_t iretq[] = { 0x48, 0xcf };
	enum engine_exit_reason r;

	h.s->rflags |= RFLAGS_NT;
	r = su_run(&h, iretq, 2, 5);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_GP);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE);
	ck_assert_ptr_null(find(ICPT_TASK_SWITCH));
}
END_TEST

/* IRET removes blocking by NMI before it faults (SDM 6.7.1); the hook
 * may keep it (SDM 26.3, NMI exiting). */
START_TEST(iret_unblocks_nmi_even_when_faulting)
{
	static const uint8_t iretq[] = { 0x48, 0xcf };
	enum engine_exit_reason r;

	/* Frame with a null CS: #GP(0). */
	h_write64(&h, H_STACK, H_CODE);
	h_write64(&h, H_STACK + 8, 0);
	h_write64(&h, H_STACK + 16, RFLAGS_FIXED1);
	h.s->interruptibility = INTR_BLOCK_NMI;
	r = su_run(&h, iretq, 2, 5);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_GP);
	ck_assert_int_eq(seen[0].kind, ICPT_IRET);
	ck_assert(seen[0].u.iret.unblock_nmi);
	ck_assert_uint_eq(seen[0].insn_len, 2);
	ck_assert_uint_eq(h.s->interruptibility & INTR_BLOCK_NMI, 0);

	keep_nmi_blocking = true;
	h.s->gpr[GPR_RSP] = H_STACK;
	h.s->interruptibility = INTR_BLOCK_NMI;
	r = su_run(&h, iretq, 2, 5);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_GP);
	ck_assert_uint_eq(h.s->interruptibility & INTR_BLOCK_NMI,
			  INTR_BLOCK_NMI);
}
END_TEST

/* An NMI taken at a boundary is offered with RIP = the next instruction
 * (the return address), not the instruction before (SDM 28.3.3). */
START_TEST(boundary_event_offered_with_next_rip)
{
	static const uint8_t code[] = { 0x90, 0x90, 0xf4 };

	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	h.s->nmi_pending = true;
	h_run(&h, 3);
	ck_assert_int_eq(seen[0].kind, ICPT_EXCEPTION);
	ck_assert_uint_eq(seen[0].u.exc.type, EVT_NMI);
	ck_assert_uint_eq(seen_rip[0], H_CODE + 1);
	ck_assert_uint_eq(h_read64(&h, h.s->gpr[GPR_RSP]), H_CODE + 1);
}
END_TEST

/* An external interrupt taken at a boundary is offered (the VMX layer
 * exits on it or sees its delivery), with the return RIP. */
START_TEST(external_interrupt_offered)
{
	static const uint8_t code[] = { 0x90, 0x90, 0xf4 };

	h.s->rflags |= RFLAGS_IF;
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	h_apic(&h);
	h_irq(&h, 0x30);
	h_run(&h, 3);
	ck_assert_int_eq(seen[0].kind, ICPT_EXCEPTION);
	ck_assert_uint_eq(seen[0].u.exc.type, EVT_EXT_INTR);
	ck_assert_uint_eq(seen[0].u.exc.vector, 0x30);
	ck_assert(!seen[0].u.exc.has_error_code);
	ck_assert(!seen_injected[0].valid);
	ck_assert_uint_eq(seen_rip[0], H_CODE + 1);
	ck_assert_uint_eq(h.s->rip, H_VEC + 16 * 0x30 + 1);
}
END_TEST

/* An exception offered for its own exit is not "being delivered": the
 * hook sees no IDT-vectoring event (SDM 28.2.4). */
START_TEST(exception_offer_has_no_idt_vectoring)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b };

	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, ud2, 2, 5)), X86_UD);
	ck_assert_int_eq(seen[0].kind, ICPT_EXCEPTION);
	ck_assert_uint_eq(seen[0].u.exc.vector, X86_UD);
	ck_assert(!seen_injected[0].valid);
	ck_assert_uint_eq(seen_rip[0], H_CODE);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("task");
	TCase *t32 = tcase_create("protected");
	TCase *t64 = tcase_create("long");

	tcase_add_checked_fixture(t32, setup32, teardown);
	tcase_add_test(t32, jmp_far_tss_offered);
	tcase_add_test(t32, jmp_far_tss_switched);
	tcase_add_test(t32, call_far_task_gate_offered);
	tcase_add_test(t32, task_checks_fault_before_the_hook);
	tcase_add_test(t32, task_privilege_checked);
	tcase_add_test(t32, iret_nt_offered);
	tcase_add_test(t32, iret_nt_switched);
	tcase_add_test(t32, int_task_gate_offered);
	tcase_add_test(t32, int_task_gate_switched);
	tcase_add_test(t32, hardware_events_through_task_gate);
	suite_add_tcase(s, t32);
	tcase_add_checked_fixture(t64, setup64, teardown);
	tcase_add_test(t64, iret_nt_long_mode_gp);
	tcase_add_test(t64, iret_unblocks_nmi_even_when_faulting);
	tcase_add_test(t64, boundary_event_offered_with_next_rip);
	tcase_add_test(t64, exception_offer_has_no_idt_vectoring);
	tcase_add_test(t64, external_interrupt_offered);
	suite_add_tcase(s, t64);
	return s;
}

int main(void)
{
	return h_run_suite(suite());
}
