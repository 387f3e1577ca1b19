// SPDX-License-Identifier: MIT
/*
 * VM exits decided at instruction boundaries in non-root operation:
 * monitor trap flag (SDM 26.5.2), VMX-preemption timer (26.5.1), NMI
 * exiting and NMI-window exiting (26.2, 26.7.6), external-interrupt exiting
 * with acknowledge-interrupt-on-exit (26.2, 28.2.2) and interrupt-window
 * exiting (26.7.5), and the trap-like TPR-below-threshold exit left
 * pending by MOV to CR8 (30.1.2, tpr.c), and the delivery of pending
 * debug exceptions loaded by VM entry (27.7.3, debug.c).  Priority follows
 * SDM Table 6-2 with the VMX rows (26.7.x): TPR below threshold, MTF,
 * debug traps, preemption timer, NMI, NMI window, virtual-interrupt
 * delivery (30.2.2) and interrupt window (same priority, 26.7.5),
 * external interrupt.
 *
 * The preemption timer runs on the engine's deterministic TSC (cpu->tsc),
 * so the same run always exits at the same instruction.
 */
#include "vmx/nonroot.h"

#include "vmx/exit_info.h"

void vmx_update_boundary(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	uint32_t proc = vmx_proc(v), pin = vmx_pin(v);

	ctx->timer_tsc = v->nonroot && v->preempt_armed ? v->preempt_deadline
							: UINT64_MAX;
	ctx->boundary_wanted = v->nonroot &&
		(v->preempt_armed || v->mtf_pending || v->tpr_exit_pending ||
		 v->vintr_pending || v->apic_write_pending ||
		 vmx_pending_dbg_due(ctx->cpu) ||
		 (proc & (CPU_MONITOR_TRAP_FLAG | CPU_INTR_WINDOW_EXITING |
			  CPU_NMI_WINDOW_EXITING)) ||
		 (pin & (PIN_EXT_INTR_EXITING | PIN_NMI_EXITING)));
}

static bool blocked_by_sti_movss(const struct cpu_state *s)
{
	return s->interruptibility & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS);
}

static bool nmi_blocked(const struct vmx_vcpu *v, const struct cpu_state *s)
{
	if (vmx_pin(v) & PIN_VIRTUAL_NMIS)
		return v->vnmi_blocked;
	return s->interruptibility & INTR_BLOCK_NMI;
}

static enum icpt_result exit_simple(struct vmx_vcpu *v,
				    struct x86_intercept_ctx *ctx,
				    uint32_t reason)
{
	return vmx_vmexit(v, ctx, reason, 0, NULL);
}

/* INTR from the processor's interrupt controller: vector or -1. */
static int intr_pending(const struct x86_intercept_ctx *ctx)
{
	const struct cpu_intc *c = ctx->intc;

	return c && c->ops ? c->ops->pending(c->opaque) : -1;
}

bool vmx_mtf_due(const struct vmx_vcpu *v, const struct cpu_state *s)
{
	if (!(vmx_proc(v) & CPU_MONITOR_TRAP_FLAG) && !v->mtf_pending)
		return false;
	return v->mtf_pending || s->insn_count != v->mtf_insn_count;
}

static bool timer_due(const struct vmx_vcpu *v, const struct cpu_state *s)
{
	return v->preempt_armed && s->tsc >= v->preempt_deadline;
}

enum icpt_result vmx_boundary(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	struct cpu_state *s = ctx->cpu;
	uint32_t pin = vmx_pin(v), proc = vmx_proc(v);

	if (!v->nonroot) {
		ctx->boundary_wanted = false;
		ctx->timer_tsc = UINT64_MAX;
		return ICPT_CONTINUE;
	}
	/* An event injected by VM entry and left to the engine is delivered
	 * first: it is part of the VM entry (SDM 27.6). */
	if (s->injected.valid)
		return ICPT_CONTINUE;
	/* APIC-write emulation completes the instruction that wrote the
	 * APIC-access page (SDM 30.4.3.2); its exits are trap-like. */
	if (v->apic_write_pending)
		vmx_apic_write_emulate(v, ctx);
	/* Wait-for-SIPI: no instruction boundary, only INIT (blocked) and
	 * SIPI (intercept.c) are recognized; the preemption timer counts
	 * but does not exit in this state (SDM 26.5.1). */
	if (s->activity == ACTIVITY_WAIT_SIPI)
		return ICPT_CONTINUE;
	/* Trap-like TPR-below-threshold exit of the instruction that just
	 * completed (SDM 30.1.2): above SMI and INIT, so above MTF too. */
	if (v->tpr_exit_pending)
		return vmx_tpr_pending_exit(v, ctx);
	if (vmx_mtf_due(v, s))
		return exit_simple(v, ctx, EXIT_REASON_MONITOR_TRAP_FLAG);
	/* Pending debug exceptions from VM entry: a #DB trap "on the
	 * previous instruction", above the timer and NMIs (SDM 27.7.3). */
	if (vmx_pending_dbg_due(s))
		return vmx_deliver_pending_dbg(s);
	if (timer_due(v, s))
		return exit_simple(v, ctx, EXIT_REASON_PREEMPTION_TIMER);
	/* SDM 27.7.1: with virtual NMIs = 0 blocking by NMI holds NMIs
	 * pending in non-root operation; with virtual NMIs = 1 NMIs are not
	 * blocked (virtual-NMI blocking only gates the NMI window). */
	if ((pin & PIN_NMI_EXITING) && s->nmi_pending &&
	    !(s->interruptibility & INTR_BLOCK_MOV_SS) &&
	    ((pin & PIN_VIRTUAL_NMIS) ||
	     !(s->interruptibility & INTR_BLOCK_NMI))) {
		struct vmx_exit_info ei = {
			.reason = EXIT_REASON_EXCEPTION_NMI,
			.intr_info = intr_info(EVT_NMI, 2, false),
			.nmi_exit = !(pin & PIN_VIRTUAL_NMIS),
		};

		s->nmi_pending = false;
		return vmx_vmexit_full(v, ctx, &ei);
	}
	if ((proc & CPU_NMI_WINDOW_EXITING) && !nmi_blocked(v, s) &&
	    !(s->interruptibility & INTR_BLOCK_MOV_SS))
		return exit_simple(v, ctx, EXIT_REASON_NMI_WINDOW);
	/* A recognized virtual interrupt: the priority of interrupt-window
	 * exits, above external interrupts (SDM 30.2.2); the engine delivers
	 * it through the IDT (cpu->injected). */
	if (vmx_vintr_deliver(v, ctx))
		return ICPT_CONTINUE;
	/* Interrupt-window exits take priority over external interrupts
	 * (SDM 26.7.5), whether those would exit or be delivered. */
	if ((proc & CPU_INTR_WINDOW_EXITING) && (s->rflags & RFLAGS_IF) &&
	    !blocked_by_sti_movss(s))
		return exit_simple(v, ctx, EXIT_REASON_INTERRUPT_WINDOW);
	if ((pin & PIN_EXT_INTR_EXITING) && !blocked_by_sti_movss(s) &&
	    intr_pending(ctx) >= 0) {
		struct vmx_exit_info ei = {
			.reason = EXIT_REASON_EXTERNAL_INTERRUPT,
		};

		/* SDM 28.2.2: with acknowledge-on-exit the processor
		 * acknowledges the interrupt controller (INTA: IRR -> ISR)
		 * and stores the vector in the exit information; without it
		 * the interrupt stays pending in the controller. */
		if (vmx_exit_ctls(v) & EXIT_CTL_ACK_INTR_ON_EXIT) {
			int vec = ctx->intc->ops->ack(ctx->intc->opaque);

			/* The notification vector of posted interrupts does
			 * not exit (SDM 30.6): decide again at this boundary
			 * (a virtual interrupt may now be deliverable,
			 * another external interrupt still exits). */
			if (vmx_posted_intr(v, ctx, vec))
				return vmx_boundary(v, ctx);
			ei.intr_info = intr_info(EVT_EXT_INTR, (uint8_t)vec,
						 false);
		}
		return vmx_vmexit_full(v, ctx, &ei);
	}
	vmx_update_boundary(v, ctx);
	return ICPT_CONTINUE;
}
