// SPDX-License-Identifier: MIT
/*
 * Debug exceptions and VMX non-root operation:
 *   - the pending debug exceptions VM entry loads (SDM 27.7.3): which ones
 *     it keeps, and their delivery as a #DB trap after VM entry, with the
 *     priority of "traps on the previous instruction": below TPR-threshold
 *     and MTF VM exits, above the VMX-preemption timer, NMI-window exiting,
 *     NMIs and interrupts (SDM 27.7.3, 26.7.4, Table 6-2 with VMX rows);
 *   - the #DB VM-exit qualification (SDM 28.2.1, Table 28-1): B3-B0, BD,
 *     BS and RTM only; "enabled breakpoint" (bit 12) exists only in the
 *     pending-debug-exceptions field;
 *   - an MTF VM exit due at the same boundary as a debug trap wins, and
 *     the trap is saved in the pending-debug-exceptions field (SDM 26.5.2,
 *     28.3.4).
 */
#include "vmx/nonroot.h"

/* Bits of a #DB exit qualification (SDM Table 28-1). */
#define DB_QUAL_VALID (PENDING_DBG_B0_3 | (1ull << 13) | PENDING_DBG_BS | \
		       PENDING_DBG_RTM)

/* "Valid" pending debug exceptions: BS or enabled breakpoint (27.7.3). */
static bool pending_dbg_valid(const struct cpu_state *s)
{
	return s->pending_dbg & (PENDING_DBG_BS | PENDING_DBG_ENABLED_BP);
}

/*
 * SDM 27.7.3: no pending debug exceptions are considered after a VM entry
 * that injects an external interrupt, NMI, hardware exception or
 * privileged software exception, or a software interrupt/exception
 * without blocking by MOV SS, nor after one that enters the shutdown or
 * wait-for-SIPI state; they are dropped (the next VM exit saves what is
 * pending then).  A software interrupt/exception injected under MOV-SS
 * blocking keeps them: they follow its delivery.
 */
void vmx_entry_pending_dbg(struct vmx_vcpu *v, struct cpu_state *s)
{
	uint32_t info = (uint32_t)vmcs_read(v, VMCS_VM_ENTRY_INTR_INFO_FIELD);
	unsigned type = (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
	bool vectoring = (info & INTR_INFO_VALID) && type != EVT_OTHER;

	if (vectoring) {
		bool soft = type == EVT_SW_INTR || type == EVT_SW_EXCEPTION;

		if (!soft || !(s->interruptibility & INTR_BLOCK_MOV_SS))
			s->pending_dbg = 0;
	} else if (s->activity == ACTIVITY_SHUTDOWN ||
		   s->activity == ACTIVITY_WAIT_SIPI) {
		s->pending_dbg = 0;
	}
}

/* Deliverable now: valid, not held by MOV-SS blocking (27.7.3). */
bool vmx_pending_dbg_due(const struct cpu_state *s)
{
	return pending_dbg_valid(s) &&
	       !(s->interruptibility & INTR_BLOCK_MOV_SS) &&
	       s->activity != ACTIVITY_SHUTDOWN &&
	       s->activity != ACTIVITY_WAIT_SIPI;
}

/* Raise the pending debug exceptions as a #DB trap; the engine delivers
 * it (exception bitmap first, then the IDT, where it updates DR6). */
enum icpt_result vmx_deliver_pending_dbg(struct cpu_state *s)
{
	s->pending_exception = (struct x86_event){
		.valid = true, .type = EVT_HW_EXCEPTION, .vector = 1,
	};
	return ICPT_FAULT;
}

/* A #DB that causes a VM exit: its qualification, and the pending debug
 * exceptions it consumed are gone. */
uint64_t vmx_db_exit_qualification(struct cpu_state *s, uint64_t dr6_bits)
{
	s->pending_dbg = 0;
	return dr6_bits & DB_QUAL_VALID;
}

/*
 * The debug trap of the instruction that just completed (single step: BS)
 * meets an MTF VM exit due at the same boundary: MTF VM exits take
 * priority over debug-trap exceptions (SDM 26.5.2, Table 6-2 with the VMX
 * rows), and the exit saves the trap as pending debug exceptions.
 */
bool vmx_mtf_wins_over(const struct vmx_vcpu *v, const struct cpu_state *s,
		       const struct x86_intercept *ic)
{
	return ic->u.exc.type == EVT_HW_EXCEPTION && ic->u.exc.vector == 1 &&
	       (ic->u.exc.qualification & PENDING_DBG_BS) && vmx_mtf_due(v, s);
}

enum icpt_result vmx_mtf_exit_over_debug_trap(struct vmx_vcpu *v,
					      struct x86_intercept_ctx *ctx,
					      uint64_t dr6_bits)
{
	ctx->cpu->pending_dbg |= dr6_bits & (PENDING_DBG_B0_3 | PENDING_DBG_BS);
	return vmx_vmexit(v, ctx, EXIT_REASON_MONITOR_TRAP_FLAG, 0, NULL);
}
