// SPDX-License-Identifier: MIT
/*
 * NMI blocking and IRET in VMX non-root operation (SDM 26.3 "IRET", 27.7.1),
 * "NMI unblocking due to IRET" in the exit information (SDM 28.2.3), the
 * monitor trap flag after event delivery (SDM 26.5.2), and task-switch VM
 * exits (SDM 26.4.2, exit qualification Table 28-2).
 */
#include "vmx/nonroot.h"

#define NMI_UNBLOCKING_IRET (1u << 12)

/*
 * SDM 26.3, IRET: with NMI exiting = 0, IRET unblocks NMIs as usual; with
 * NMI exiting = 1 it leaves NMI blocking alone, and with virtual NMIs = 1
 * it removes virtual-NMI blocking instead.  In every case the unblocking
 * happens even when the IRET then faults (SDM 6.7.1), so it is remembered
 * for a VM exit caused by that fault (SDM 28.2.3).
 */
enum icpt_result vmx_nr_iret(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			     struct x86_intercept *ic)
{
	const struct cpu_state *s = ctx->cpu;
	uint32_t pin = vmx_pin(v);

	if (pin & PIN_VIRTUAL_NMIS) {
		v->iret_unblocked_nmi = v->vnmi_blocked;
		v->vnmi_blocked = false;
		ic->u.iret.unblock_nmi = false;
	} else if (pin & PIN_NMI_EXITING) {
		/* Bit 12 is undefined here (SDM 28.2.3): we report 0. */
		v->iret_unblocked_nmi = false;
		ic->u.iret.unblock_nmi = false;
	} else {
		v->iret_unblocked_nmi = s->interruptibility & INTR_BLOCK_NMI;
	}
	v->iret_insn_count = s->insn_count;
	return ICPT_CONTINUE;
}

/*
 * An event (exception, NMI) is about to be delivered through the guest
 * IDT without a VM exit.  A later exit can no longer be "due to a fault on
 * the IRET" (one during this delivery has valid IDT-vectoring information,
 * for which bit 12 is undefined).  With the monitor trap flag an MTF VM
 * exit is pending on the boundary after the delivery, or after the
 * delivery of any nested exception (SDM 26.5.2).
 */
void vmx_event_delivery(struct vmx_vcpu *v)
{
	v->iret_unblocked_nmi = false;
	if (vmx_proc(v) & CPU_MONITOR_TRAP_FLAG)
		v->mtf_pending = true;
}

/*
 * SDM 28.2.3: bit 12 of the VM-exit interruption information (exception
 * exits, reason 0) and of the EPT-violation exit qualification (reason 48)
 * is 1 when the exit is due to a fault on an IRET that removed blocking by
 * NMI (virtual NMIs = 0) or virtual-NMI blocking (virtual NMIs = 1).  It is
 * undefined, here 0, when the IDT-vectoring information is valid or the
 * exit is a double fault.  The IRET is still the current instruction when
 * the instruction count has not moved since it began.
 */
void vmx_nmi_unblocking_bit(struct vmx_vcpu *v, struct cpu_state *s,
			    uint32_t reason, uint32_t *intr_info,
			    uint64_t *qualification)
{
	bool set = v->iret_unblocked_nmi &&
		   s->insn_count == v->iret_insn_count && !s->injected.valid;
	uint32_t type = (*intr_info & INTR_INFO_TYPE_MASK) >>
			INTR_INFO_TYPE_SHIFT;

	v->iret_unblocked_nmi = false;
	/* SDM 28.1: an NMI whose delivery causes the VM exit (virtual NMIs
	 * = 0) blocks NMIs before the exit commences; with virtual NMIs the
	 * injecting VM entry already set virtual-NMI blocking. */
	if (s->injected.valid && s->injected.type == EVT_NMI &&
	    !(vmx_pin(v) & PIN_VIRTUAL_NMIS))
		s->interruptibility |= INTR_BLOCK_NMI;
	if (!set)
		return;
	if (reason == EXIT_REASON_EXCEPTION_NMI &&
	    (*intr_info & INTR_INFO_VALID) && type == EVT_HW_EXCEPTION &&
	    (*intr_info & INTR_INFO_VECTOR_MASK) != 8)
		*intr_info |= NMI_UNBLOCKING_IRET;
	else if (reason == EXIT_REASON_EPT_VIOLATION ||
		 reason == EXIT_REASON_PML_FULL)
		*qualification |= NMI_UNBLOCKING_IRET;
}

/*
 * SDM 26.4.2: any task switch in VMX non-root operation exits (after the
 * checks the engine made).  Qualification (Table 28-2): bits 15:0 the new
 * TSS selector, bits 31:30 the source.  The instruction length is defined
 * for CALL, IRET and JMP (SDM 28.2.5); for a task gate in the IDT the
 * event being delivered becomes IDT-vectoring information, with its own
 * length for software interrupts and exceptions (SDM 28.2.4).
 */
enum icpt_result vmx_nr_task_switch(struct vmx_vcpu *v,
				    struct x86_intercept_ctx *ctx,
				    struct x86_intercept *ic)
{
	struct vmx_exit_info ei = {
		.reason = EXIT_REASON_TASK_SWITCH,
		.qualification = ic->u.task.sel |
				 ((uint64_t)(ic->u.task.source & 3u) << 30),
		.ic = ic->u.task.source == TASK_SRC_IDT_GATE ? NULL : ic,
	};

	return vmx_vmexit_full(v, ctx, &ei);
}
