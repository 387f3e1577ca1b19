// SPDX-License-Identifier: MIT
/*
 * VM entry (SDM 27): checks, guest-state loading, the VM-entry MSR-load
 * list, event injection, and the switch to non-root operation.
 */
#include "vmx/nonroot.h"

#include "vmx/entry_checks.h"

/* Field-table slots of the guest segment fields, in SEG_* order. */
#define SEG_SLOTS(f) { \
	VMCS_IDX_GUEST_ES_##f, VMCS_IDX_GUEST_CS_##f, VMCS_IDX_GUEST_SS_##f, \
	VMCS_IDX_GUEST_DS_##f, VMCS_IDX_GUEST_FS_##f, VMCS_IDX_GUEST_GS_##f, \
	VMCS_IDX_GUEST_LDTR_##f, VMCS_IDX_GUEST_TR_##f, }
const uint16_t vmx_guest_sel_idx[SEG_COUNT] = SEG_SLOTS(SELECTOR);
const uint16_t vmx_guest_base_idx[SEG_COUNT] = SEG_SLOTS(BASE);
const uint16_t vmx_guest_limit_idx[SEG_COUNT] = SEG_SLOTS(LIMIT);
const uint16_t vmx_guest_ar_idx[SEG_COUNT] = SEG_SLOTS(AR_BYTES);
#undef SEG_SLOTS

unsigned vmx_preempt_rate(const struct vmx_vcpu *v)
{
	return v->caps.msr[MSR_IA32_VMX_MISC - MSR_IA32_VMX_FIRST] & 0x1f;
}

/* CR0 bits VM entry leaves alone: 63:32, 28:19, 17, 15:6 and ET
 * (SDM 27.3.2.1). */
#define CR0_KEEP_ON_ENTRY (~0xffffffffull | 0x1ff80000ull | (1ull << 17) | \
			   0xffc0ull | CR0_ET)
/* Access-rights bits a segment register keeps (SDM 25.4.1, Table 25-2). */
#define AR_MASK 0x1f0ffu

/* SDM 27.3.2.1: control registers, debug registers and MSRs. */
static void load_guest_regs(struct vmx_vcpu *v, struct cpu_state *s)
{
	uint32_t entry = vmx_entry_ctls(v);
	bool ia32e = entry & ENTRY_CTL_IA32E_MODE_GUEST;

	s->cr0 = (s->cr0 & CR0_KEEP_ON_ENTRY) |
		 (vmcs_read(v, VMCS_GUEST_CR0) & ~CR0_KEEP_ON_ENTRY);
	s->cr3 = vmcs_read(v, VMCS_GUEST_CR3);
	s->cr4 = vmcs_read(v, VMCS_GUEST_CR4);
	if (entry & ENTRY_CTL_LOAD_DEBUG_CONTROLS) {
		s->dr[7] = vmcs_read(v, VMCS_GUEST_DR7);
		s->msr.debugctl = vmcs_read(v, VMCS_GUEST_IA32_DEBUGCTL);
	}
	s->msr.sysenter_cs = vmcs_read(v, VMCS_GUEST_SYSENTER_CS);
	s->msr.sysenter_esp = vmcs_read(v, VMCS_GUEST_SYSENTER_ESP);
	s->msr.sysenter_eip = vmcs_read(v, VMCS_GUEST_SYSENTER_EIP);
	if (entry & ENTRY_CTL_LOAD_PERF_GLOBAL)
		s->msr.perf_global_ctrl =
			vmcs_read(v, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL);
	if (entry & ENTRY_CTL_LOAD_PAT)
		s->msr.pat = vmcs_read(v, VMCS_GUEST_IA32_PAT);
	if (entry & ENTRY_CTL_LOAD_EFER) {
		s->efer = vmcs_read(v, VMCS_GUEST_IA32_EFER);
	} else {
		/* LMA := IA-32e mode guest; LME too when paging is on. */
		s->efer &= ~EFER_LMA;
		if (ia32e)
			s->efer |= EFER_LMA;
		if (s->cr0 & CR0_PG) {
			s->efer &= ~EFER_LME;
			if (ia32e)
				s->efer |= EFER_LME;
		}
	}
}

/* SDM 27.3.2.2-27.3.2.5: segments, descriptor tables, RIP/RSP/RFLAGS and
 * non-register state. */
static void load_guest_segs_and_rest(struct vmx_vcpu *v, struct cpu_state *s)
{
	for (unsigned i = 0; i < SEG_COUNT; i++) {
		struct seg_reg *r = &s->seg[i];

		r->sel = (uint16_t)vmcs_get(v, vmx_guest_sel_idx[i]);
		r->base = vmcs_get(v, vmx_guest_base_idx[i]);
		r->limit = (uint32_t)vmcs_get(v, vmx_guest_limit_idx[i]);
		r->ar = (uint32_t)vmcs_get(v, vmx_guest_ar_idx[i]) & AR_MASK;
	}
	s->gdtr.base = vmcs_read(v, VMCS_GUEST_GDTR_BASE);
	s->gdtr.limit = (uint32_t)vmcs_read(v, VMCS_GUEST_GDTR_LIMIT);
	s->idtr.base = vmcs_read(v, VMCS_GUEST_IDTR_BASE);
	s->idtr.limit = (uint32_t)vmcs_read(v, VMCS_GUEST_IDTR_LIMIT);
	s->gpr[GPR_RSP] = vmcs_read(v, VMCS_GUEST_RSP);
	s->rip = vmcs_read(v, VMCS_GUEST_RIP);
	s->rflags = vmcs_read(v, VMCS_GUEST_RFLAGS);
	s->interruptibility =
		(uint32_t)vmcs_read(v, VMCS_GUEST_INTERRUPTIBILITY_INFO);
	s->activity = (uint32_t)vmcs_read(v, VMCS_GUEST_ACTIVITY_STATE);
	s->pending_dbg = vmcs_read(v, VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
	/* SDM 27.7.1: with virtual NMIs, bit 3 is virtual-NMI blocking and
	 * NMIs themselves are not blocked in non-root operation. */
	v->vnmi_blocked = (vmx_pin(v) & PIN_VIRTUAL_NMIS) &&
			  (s->interruptibility & INTR_BLOCK_NMI);
	if (vmx_pin(v) & PIN_VIRTUAL_NMIS)
		s->interruptibility &= ~INTR_BLOCK_NMI;
	v->iret_unblocked_nmi = false;
	s->pending_exception.valid = false;
	s->injected.valid = false;
}

/* SDM 27.6: event injection.  Returns true if an event was injected. */
static void inject_event(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	uint32_t info = (uint32_t)vmcs_read(v, VMCS_VM_ENTRY_INTR_INFO_FIELD);
	struct cpu_state *s = ctx->cpu;
	struct x86_event ev;

	if (!(info & INTR_INFO_VALID))
		return;
	ev = (struct x86_event){
		.valid = true,
		.type = (uint8_t)((info & INTR_INFO_TYPE_MASK) >>
				  INTR_INFO_TYPE_SHIFT),
		.vector = (uint8_t)(info & INTR_INFO_VECTOR_MASK),
		.has_error_code = info & INTR_INFO_DELIVER_CODE,
		.error_code = (uint32_t)vmcs_read(v,
					VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE),
		.insn_len = (uint32_t)vmcs_read(v, VMCS_VM_ENTRY_INSTRUCTION_LEN),
	};
	if (ev.type == EVT_OTHER) {
		/* Type 7, vector 0: pending MTF VM exit (SDM 27.6.2). */
		v->mtf_pending = true;
		return;
	}
	/* Injection wakes a halted guest (SDM 27.6.3). */
	s->activity = ACTIVITY_ACTIVE;
	/* Injecting an NMI with virtual NMIs sets virtual-NMI blocking
	 * (SDM 27.6.1.1, 27.7.1). */
	if (ev.type == EVT_NMI && (vmx_pin(v) & PIN_VIRTUAL_NMIS))
		v->vnmi_blocked = true;
	/* SDM 26.5.2: with the monitor trap flag, a vectoring VM entry
	 * leaves an MTF VM exit pending on the boundary after the injected
	 * event's delivery (before the handler's first instruction). */
	if (vmx_proc(v) & CPU_MONITOR_TRAP_FLAG)
		v->mtf_pending = true;
	if (ctx->inject_event)
		ctx->inject_event(ctx->engine, ev.type, ev.vector,
				  ev.has_error_code, ev.error_code,
				  ev.insn_len);
	else
		s->injected = ev;
}

/* SDM 26.5.1: arm the VMX-preemption timer on the deterministic TSC. */
static void arm_preemption_timer(struct vmx_vcpu *v, const struct cpu_state *s)
{
	unsigned rate = vmx_preempt_rate(v);
	uint64_t value;

	v->preempt_armed = vmx_pin(v) & PIN_PREEMPTION_TIMER;
	if (!v->preempt_armed)
		return;
	value = (uint32_t)vmcs_read(v, VMCS_VMX_PREEMPTION_TIMER_VALUE);
	v->preempt_deadline = ((s->tsc >> rate) + value) << rate;
}

/* Checks that end in VMfailValid (SDM 27.2) or a failed entry (27.3). */
static enum icpt_result run_checks(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx, bool *failed)
{
	struct entry_env env;
	const struct entry_check *bad;

	entry_env_init(&env, v, ctx->mem, ctx->cpu);
	bad = entry_checks_run_memo(&v->entry_memo, &env);
	*failed = bad != NULL;
	if (!bad)
		return ICPT_CONTINUE;
	if (bad->kind == ECK_GUEST)
		return vmx_entry_failed(v, ctx, EXIT_REASON_INVALID_STATE,
					bad->qual);
	vmx_fail_valid(v, ctx->cpu, bad->kind == ECK_CONTROL ?
		       VMXERR_ENTRY_INVALID_CONTROL :
		       VMXERR_ENTRY_INVALID_HOST_STATE);
	return ICPT_EMULATED;
}

enum icpt_result vmx_vmentry(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			     struct x86_intercept *ic, bool launch)
{
	struct cpu_state *s = ctx->cpu;
	struct vmx_region *reg;
	enum icpt_result r;
	bool failed;
	uint32_t bad;

	r = run_checks(v, ctx, &failed);
	if (failed)
		return r;

	load_guest_regs(v, s);
	load_guest_segs_and_rest(v, s);
	/* SDM 27.3.2.4: PDPTEs from the VMCS (EPT) or from guest CR3. */
	vmx_entry_load_pdptes(v, ctx->mem, s);

	/* SDM 27.4: the VM-entry MSR-load list, after the guest state. */
	bad = vmx_msr_area_load(v, ctx->mem, s,
				vmcs_read(v, VMCS_VM_ENTRY_MSR_LOAD_ADDR),
				(uint32_t)vmcs_read(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT),
				true);
	if (bad)
		return vmx_entry_failed(v, ctx, EXIT_REASON_MSR_LOAD_FAIL, bad);

	v->nonroot = true;
	if (launch)
		vmx_set_launched(v, true);
	reg = vmx_current_region(v);
	if (reg)
		reg->entries++;
	v->mtf_pending = false;
	v->ple_seen = false;     /* the next PAUSE starts a loop (26.1.3) */
	/* SDM 27.7.7: with "use TPR shadow" and "virtualize APIC accesses"
	 * and without "virtual-interrupt delivery", a TPR-below-threshold
	 * exit right after entry (after any injected event) if VTPR[7:4] <
	 * TPR threshold[3:0]; the entry check rules it out otherwise. */
	v->tpr_exit_pending = vmx_entry_tpr_exit_due(v, ctx->mem);
	v->trap_exit_reason = 0;
	v->trap_exit_qual = 0;
	v->apic_write_pending = false;
	v->apic_write_offset = 0;
	v->mtf_insn_count = s->insn_count;
	arm_preemption_timer(v, s);
	vmx_entry_pending_dbg(v, s);
	/* The engine learns of the new state first, so that the TLB tag the
	 * transition loads for it (L2's, to judge L2's translations) is the
	 * one L2 then runs with. */
	if (ctx->state_changed)
		ctx->state_changed(ctx->engine);
	vmx_tlb_transition(v, ctx, false);
	inject_event(v, ctx);
	vmx_vintr_entry(v, ctx);
	vmx_update_boundary(v, ctx);
	return ICPT_SWITCHED;
}
