// SPDX-License-Identifier: MIT
/* Exception and interrupt delivery: 64-bit IDT gates (error codes, IST,
 * privilege change through the TSS), #DF, triple fault, real-mode IVT,
 * 32-bit protected-mode gates, NMI/external interrupts and the
 * ICPT_EXCEPTION / ICPT_TRIPLE_FAULT hook calls. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sysh.h"

static struct sysh h;

static void setup(void)
{
	sysh_init(&h);
	h.s->rip = 0x100010;
	h.ip->insn_rip = 0x100010;
}

static void teardown(void)
{
	sysh_fini(&h);
}

static void deliver(uint8_t type, uint8_t vec, bool has_err, uint32_t err,
		    uint32_t len)
{
	h.ip->exit_reason = ENGINE_EXIT_NONE;
	interp_deliver_event(h.ip, type, vec, has_err, err, len);
}

START_TEST(idt64_fault_with_error_code)
{
	uint64_t sp;

	sysh_gate64(&h, X86_GP, 0x123000, 0, 0, 0xe);
	h.s->rflags = RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_ZF;
	h.s->gpr[GPR_RSP] = 0x7fff8;   /* aligned down to 0x7fff0 */
	deliver(EVT_HW_EXCEPTION, X86_GP, true, 0x18, 0);
	ck_assert_int_eq(h.ip->exit_reason, ENGINE_EXIT_NONE);
	ck_assert_uint_eq(h.s->rip, 0x123000);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, SH_CS64);
	sp = h.s->gpr[GPR_RSP];
	ck_assert_uint_eq(sp, 0x7fff0 - 48);
	ck_assert_uint_eq(sysh_r64(&h, sp), 0x18);            /* error code */
	ck_assert_uint_eq(sysh_r64(&h, sp + 8), 0x100010);    /* RIP */
	ck_assert_uint_eq(sysh_r64(&h, sp + 16), SH_CS64);
	/* RF is set in the image of a fault; IF cleared by interrupt gate. */
	ck_assert_uint_eq(sysh_r64(&h, sp + 24),
			  RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_ZF | RFLAGS_RF);
	ck_assert_uint_eq(sysh_r64(&h, sp + 32), 0x7fff8);    /* old RSP */
	ck_assert_uint_eq(sysh_r64(&h, sp + 40), SH_DS);      /* old SS */
	ck_assert(!(h.s->rflags & RFLAGS_IF));
	ck_assert(!h.s->injected.valid);
}
END_TEST

START_TEST(idt64_trap_gate_and_soft_int)
{
	sysh_gate64(&h, 0x80, 0x124000, 0, 3, 0xf);
	h.s->rflags = RFLAGS_FIXED1 | RFLAGS_IF;
	/* INT 0x80 (2 bytes) at 0x100010: returns to 0x100012. */
	deliver(EVT_SW_INTR, 0x80, false, 0, 2);
	ck_assert_uint_eq(h.s->rip, 0x124000);
	ck_assert_uint_eq(sysh_r64(&h, h.s->gpr[GPR_RSP]), 0x100012);
	ck_assert(h.s->rflags & RFLAGS_IF);   /* trap gate keeps IF */
}
END_TEST

START_TEST(idt64_soft_int_dpl_check)
{
	/* DPL 0 gate, INT n from CPL 3 -> #GP(vector*8+2). */
	sysh_gate64(&h, 0x80, 0x124000, 0, 0, 0xe);
	sysh_gate64(&h, X86_GP, 0x125000, 0, 0, 0xe);
	sysh_w64(&h, SH_TSS + 4, 0x70000);                    /* RSP0 */
	h.s->seg[SEG_CS].sel = SH_UCS64;
	h.s->seg[SEG_CS].ar |= 3u << SEG_AR_DPL_SHIFT;
	h.s->seg[SEG_SS].sel = SH_UDS;
	h.s->seg[SEG_SS].ar |= 3u << SEG_AR_DPL_SHIFT;
	deliver(EVT_SW_INTR, 0x80, false, 0, 2);
	ck_assert_uint_eq(h.s->rip, 0x125000);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], 0x70000 - 48);
	ck_assert_uint_eq(sysh_r64(&h, 0x70000 - 48), 0x80 * 8 + 2);
	/* The #GP is a fault of the INT instruction: RIP of INT pushed. */
	ck_assert_uint_eq(sysh_r64(&h, 0x70000 - 40), 0x100010);
	ck_assert_uint_eq(sysh_r64(&h, 0x70000 - 32), SH_UCS64);
	ck_assert_uint_eq(sysh_r64(&h, 0x70000 - 16), 0x80000);
	ck_assert_uint_eq(sysh_r64(&h, 0x70000 - 8), SH_UDS);
	ck_assert_uint_eq(cpu_cpl(h.s), 0);
	/* SS is a null selector with RPL 0 after the privilege change. */
	ck_assert_uint_eq(h.s->seg[SEG_SS].sel, 0);
}
END_TEST

START_TEST(idt64_ist_stack)
{
	sysh_gate64(&h, X86_NMI, 0x126000, 2, 0, 0xe);
	sysh_w64(&h, SH_TSS + 0x24 + 8, 0x60008);             /* IST2 */
	deliver(EVT_NMI, X86_NMI, false, 0, 0);
	ck_assert_uint_eq(h.s->rip, 0x126000);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], 0x60000 - 40);
	ck_assert(h.s->interruptibility & INTR_BLOCK_NMI);
	ck_assert_uint_eq(sysh_r64(&h, 0x60000 - 40), 0x100010);
}
END_TEST

START_TEST(double_fault_and_triple_fault)
{
	/* #NP on vector 11's gate (not present) while delivering #GP. */
	sysh_gate64(&h, X86_DF, 0x127000, 0, 0, 0xe);
	sysh_gate64(&h, X86_GP, 0x125000, 0, 0, 0xe);
	sysh_w64(&h, SH_IDT + X86_GP * 16, sysh_r64(&h, SH_IDT + X86_GP * 16) &
		 ~(1ull << 47));
	deliver(EVT_HW_EXCEPTION, X86_GP, true, 0, 0);
	ck_assert_int_eq(h.ip->exit_reason, ENGINE_EXIT_NONE);
	ck_assert_uint_eq(h.s->rip, 0x127000);
	ck_assert_uint_eq(sysh_r64(&h, h.s->gpr[GPR_RSP]), 0);  /* #DF err 0 */
	ck_assert_uint_eq(sysh_r64(&h, h.s->gpr[GPR_RSP] + 8), 0x100010);

	/* No #DF handler either: shutdown. */
	h.s->rip = 0x100010;
	sysh_w64(&h, SH_IDT + X86_DF * 16, 0);
	deliver(EVT_HW_EXCEPTION, X86_GP, true, 0, 0);
	ck_assert_int_eq(h.ip->exit_reason, ENGINE_EXIT_SHUTDOWN);
	ck_assert_uint_eq(h.s->activity, ACTIVITY_SHUTDOWN);
}
END_TEST

START_TEST(pf_then_benign_is_serial_and_pf_then_pf_is_df)
{
	/* #PF with the #PF gate's handler stack unmapped: the push faults
	 * with #PF -> #DF (Table 6-5). */
	sysh_gate64(&h, X86_PF, 0x128000, 1, 0, 0xe);
	sysh_gate64(&h, X86_DF, 0x127000, 2, 0, 0xe);
	sysh_w64(&h, SH_TSS + 0x24, 0x40001000);   /* IST1: unmapped (>1G) */
	sysh_w64(&h, SH_TSS + 0x2c, 0x61000);      /* IST2 */
	h.ip->fault_cr2 = 0x5000;
	h.ip->fault_cr2_valid = true;
	deliver(EVT_HW_EXCEPTION, X86_PF, true, 2, 0);
	ck_assert_uint_eq(h.s->rip, 0x127000);
	/* CR2 holds the address of the second fault. */
	ck_assert_uint_eq(h.s->cr2, 0x40001000 - 48);
	/* A benign #UD while delivering a #GP is delivered serially. */
	h.s->rip = 0x100010;
	sysh_gate64(&h, X86_GP, 0x125000, 0, 0, 0x5);   /* bad type -> #GP */
	sysh_gate64(&h, X86_UD, 0x129000, 0, 0, 0xe);
	deliver(EVT_HW_EXCEPTION, X86_UD, false, 0, 0);
	ck_assert_uint_eq(h.s->rip, 0x129000);
}
END_TEST

START_TEST(real_mode_ivt)
{
	struct cpu_state *s = h.s;

	cpu_state_reset(s);
	s->seg[SEG_CS].sel = 0x1000;
	s->seg[SEG_CS].base = 0x10000;
	s->rip = 0x0123;
	s->seg[SEG_SS].sel = 0x2000;
	s->seg[SEG_SS].base = 0x20000;
	s->gpr[GPR_RSP] = 0x100;
	s->rflags = RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_CF;
	s->idtr.base = 0;
	s->idtr.limit = 0x3ff;
	ck_assert(gmem_write_u32(&h.mem, 0x21 * 4, 0x30000456));
	tlb_flush(h.ip);
	deliver(EVT_SW_INTR, 0x21, false, 0, 2);
	ck_assert_uint_eq(s->seg[SEG_CS].sel, 0x3000);
	ck_assert_uint_eq(s->seg[SEG_CS].base, 0x30000);
	ck_assert_uint_eq(s->rip, 0x456);
	ck_assert_uint_eq(s->gpr[GPR_RSP], 0xfa);
	{
		uint16_t f[3];

		ck_assert(gmem_read(&h.mem, 0x200fa, f, 6));
		ck_assert_uint_eq(f[0], 0x125);    /* IP after INT */
		ck_assert_uint_eq(f[1], 0x1000);
		ck_assert_uint_eq(f[2], RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_CF);
	}
	ck_assert(!(s->rflags & RFLAGS_IF));
}
END_TEST

START_TEST(pm32_gate_with_privilege_change)
{
	struct cpu_state *s = h.s;
	uint64_t gate;

	/* 32-bit protected mode, no paging, 32-bit TSS at SH_TSS. */
	s->cr0 = CR0_PE | CR0_ET;
	s->cr4 = 0;
	s->efer = 0;
	tlb_flush(h.ip);
	sysh_w64(&h, SH_GDT + 0x28, sysh_desc(0, 0xfffff, 0xfb, 0xc)); /* ucode32 */
	s->seg[SEG_CS].sel = 0x2b;
	s->seg[SEG_CS].ar = SEG_AR_P | SEG_AR_S | SEG_AR_DB | SEG_AR_G | 0xb |
			    (3u << SEG_AR_DPL_SHIFT);
	s->seg[SEG_SS].sel = SH_UDS;
	s->seg[SEG_SS].ar |= 3u << SEG_AR_DPL_SHIFT;
	s->seg[SEG_TR].ar = SEG_AR_P | 0xb;
	ck_assert(gmem_write_u32(&h.mem, SH_TSS + 4, 0x70000));   /* ESP0 */
	ck_assert(gmem_write_u32(&h.mem, SH_TSS + 8, SH_DS));     /* SS0 */
	s->idtr.limit = 256 * 8 - 1;
	gate = 0x2345 | ((uint64_t)SH_CS32 << 16) | (0xeeull << 40) |
	       (0x0001ull << 48);                                  /* 0x12345 */
	sysh_w64(&h, SH_IDT + 0x40 * 8, gate);
	s->rip = 0x1000;
	s->gpr[GPR_RSP] = 0x9000;
	deliver(EVT_SW_INTR, 0x40, false, 0, 2);
	ck_assert_int_eq(h.ip->exit_reason, ENGINE_EXIT_NONE);
	ck_assert_uint_eq(s->rip, 0x12345);
	ck_assert_uint_eq(s->seg[SEG_CS].sel, SH_CS32);
	ck_assert_uint_eq(s->seg[SEG_SS].sel, SH_DS);
	ck_assert_uint_eq(s->gpr[GPR_RSP], 0x70000 - 20);
	{
		uint32_t f[5];

		ck_assert(gmem_read(&h.mem, 0x70000 - 20, f, 20));
		ck_assert_uint_eq(f[0], 0x1002);
		ck_assert_uint_eq(f[1], 0x2b);
		ck_assert_uint_eq(f[3], 0x9000);
		ck_assert_uint_eq(f[4], SH_UDS);
	}
}
END_TEST

START_TEST(external_interrupt_and_nmi_blocking)
{
	sysh_gate64(&h, 0x30, 0x130000, 0, 0, 0xe);
	sysh_gate64(&h, X86_NMI, 0x131000, 0, 0, 0xe);
	sysh_apic(&h);
	sysh_irq(&h, 0x30);
	h.s->rflags = RFLAGS_FIXED1;
	ck_assert(!interp_check_interrupts(h.ip));     /* IF=0 */
	h.s->rflags |= RFLAGS_IF;
	h.s->interruptibility = INTR_BLOCK_STI;
	ck_assert(!interp_check_interrupts(h.ip));     /* STI shadow */
	h.s->interruptibility = 0;
	h.s->activity = ACTIVITY_HLT;
	ck_assert(interp_check_interrupts(h.ip));
	ck_assert_uint_eq(h.s->rip, 0x130000);
	/* Acknowledged: moved from the APIC's IRR to its ISR. */
	ck_assert(!lapic_vec_test(&h.lapic, APIC_IRR, 0x30));
	ck_assert(lapic_vec_test(&h.lapic, APIC_ISR, 0x30));
	ck_assert_uint_eq(h.s->activity, ACTIVITY_ACTIVE);
	/* NMI, then a second NMI stays pending until IRET unblocks. */
	h.s->nmi_pending = true;
	ck_assert(interp_check_interrupts(h.ip));
	ck_assert_uint_eq(h.s->rip, 0x131000);
	h.s->nmi_pending = true;
	ck_assert(!interp_check_interrupts(h.ip));
	ck_assert(h.s->nmi_pending);
}
END_TEST

/* ---- hook ---- */

static struct x86_intercept seen[8];
static unsigned nseen;
static enum icpt_result verdict;

static enum icpt_result fake_intercept(void *opaque, struct x86_intercept_ctx *ctx,
				       struct x86_intercept *ic)
{
	if (nseen < 8)
		seen[nseen++] = *ic;
	if (verdict == ICPT_SWITCHED) {
		ctx->cpu->rip = 0xabc000;
		ctx->state_changed(ctx->engine);
	}
	return verdict;
}

static const struct x86_intercept_ops fake_ops = {
	.intercept = fake_intercept,
};

START_TEST(exception_offered_to_hook)
{
	sysh_gate64(&h, X86_PF, 0x128000, 0, 0, 0xe);
	h.ip->cfg.icpt = &fake_ops;
	nseen = 0;
	verdict = ICPT_SWITCHED;    /* VM exit: CR2 untouched */
	h.ip->fault_cr2 = 0x4321;
	h.ip->fault_cr2_valid = true;
	deliver(EVT_HW_EXCEPTION, X86_PF, true, 6, 0);
	ck_assert_uint_eq(nseen, 1);
	ck_assert_int_eq(seen[0].kind, ICPT_EXCEPTION);
	ck_assert_uint_eq(seen[0].u.exc.vector, X86_PF);
	ck_assert_uint_eq(seen[0].u.exc.error_code, 6);
	ck_assert_uint_eq(seen[0].u.exc.qualification, 0x4321);
	ck_assert_uint_eq(seen[0].rip, 0x100010);
	ck_assert_uint_eq(h.s->rip, 0xabc000);
	ck_assert_uint_eq(h.s->cr2, 0);
	ck_assert(h.ip->state_switched);
	/* CONTINUE: delivered through the IDT, CR2 written. */
	h.s->rip = 0x100010;
	verdict = ICPT_CONTINUE;
	deliver(EVT_HW_EXCEPTION, X86_PF, true, 6, 0);
	ck_assert_uint_eq(h.s->rip, 0x128000);
	ck_assert_uint_eq(h.s->cr2, 0x4321);
	/* External interrupts are offered too (type 0: the VMX layer
	 * exits on them or sees their delivery, SDM 26.5.2), then
	 * delivered on CONTINUE. */
	nseen = 0;
	sysh_gate64(&h, 0x40, 0x130000, 0, 0, 0xe);
	deliver(EVT_EXT_INTR, 0x40, false, 0, 0);
	ck_assert_uint_eq(nseen, 1);
	ck_assert_int_eq(seen[0].kind, ICPT_EXCEPTION);
	ck_assert_uint_eq(seen[0].u.exc.type, EVT_EXT_INTR);
	ck_assert_uint_eq(seen[0].u.exc.vector, 0x40);
	ck_assert_uint_eq(h.s->rip, 0x130000);
}
END_TEST

START_TEST(triple_fault_offered_to_hook)
{
	h.ip->cfg.icpt = &fake_ops;
	h.s->idtr.limit = 0;
	nseen = 0;
	verdict = ICPT_CONTINUE;
	deliver(EVT_HW_EXCEPTION, X86_UD, false, 0, 0);
	ck_assert_int_eq(h.ip->exit_reason, ENGINE_EXIT_SHUTDOWN);
	ck_assert_int_eq(seen[nseen - 1].kind, ICPT_TRIPLE_FAULT);
	/* Every exception is offered (exception bitmap), in order: #UD, the
	 * #GP on its gate, the #GP on the #GP gate, #DF, the #GP on the #DF
	 * gate; then the triple fault. */
	ck_assert_uint_eq(nseen, 6);
	ck_assert_uint_eq(seen[1].u.exc.vector, X86_GP);
	ck_assert_uint_eq(seen[1].u.exc.error_code, X86_UD * 8 + 2 + 1);
	ck_assert_uint_eq(seen[2].u.exc.error_code, X86_GP * 8 + 2 + 1);
	ck_assert_uint_eq(seen[3].u.exc.vector, X86_DF);
	ck_assert_uint_eq(seen[3].u.exc.error_code, 0);
	ck_assert_uint_eq(seen[4].u.exc.error_code, X86_DF * 8 + 2 + 1);
}
END_TEST

START_TEST(injected_event_not_offered)
{
	/* VM-entry injection (s.injected) is delivered at the next boundary
	 * without the exception-bitmap hook. */
	sysh_gate64(&h, X86_GP, 0x125000, 0, 0, 0xe);
	h.ip->cfg.icpt = &fake_ops;
	nseen = 0;
	verdict = ICPT_SWITCHED;
	h.s->injected = (struct x86_event){
		.valid = true, .type = EVT_HW_EXCEPTION, .vector = X86_GP,
		.has_error_code = true, .error_code = 0x20,
	};
	ck_assert(interp_check_interrupts(h.ip));
	ck_assert_uint_eq(nseen, 0);
	ck_assert_uint_eq(h.s->rip, 0x125000);
	ck_assert_uint_eq(sysh_r64(&h, h.s->gpr[GPR_RSP]), 0x20);
	ck_assert(!h.s->injected.valid);
	ck_assert(!interp_check_interrupts(h.ip));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("except");
	TCase *tc = tcase_create("except");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, idt64_fault_with_error_code);
	tcase_add_test(tc, idt64_trap_gate_and_soft_int);
	tcase_add_test(tc, idt64_soft_int_dpl_check);
	tcase_add_test(tc, idt64_ist_stack);
	tcase_add_test(tc, double_fault_and_triple_fault);
	tcase_add_test(tc, pf_then_benign_is_serial_and_pf_then_pf_is_df);
	tcase_add_test(tc, real_mode_ivt);
	tcase_add_test(tc, pm32_gate_with_privilege_change);
	tcase_add_test(tc, external_interrupt_and_nmi_blocking);
	tcase_add_test(tc, exception_offered_to_hook);
	tcase_add_test(tc, triple_fault_offered_to_hook);
	tcase_add_test(tc, injected_event_not_offered);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
