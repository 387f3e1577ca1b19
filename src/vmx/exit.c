// SPDX-License-Identifier: MIT
/*
 * VM exit (SDM 28): record the exit information, save guest state, run the
 * MSR-store list, load host state, run the VM-exit MSR-load list.  Also
 * failed VM entries (SDM 27.8) and VMX aborts (SDM 28.7).
 */
#include "vmx/nonroot.h"

#include "vmx/exit_info.h"

/* SDM 28.3.1-28.3.4: guest state into the VMCS. */
static void save_guest_state(struct vmx_vcpu *v, const struct cpu_state *s)
{
	uint32_t exit = vmx_exit_ctls(v);
	uint32_t entry = vmx_entry_ctls(v);

	vmcs_write(v, VMCS_GUEST_CR0, s->cr0);
	vmcs_write(v, VMCS_GUEST_CR3, s->cr3);
	vmcs_write(v, VMCS_GUEST_CR4, s->cr4);
	if (exit & EXIT_CTL_SAVE_DEBUG_CONTROLS) {
		vmcs_write(v, VMCS_GUEST_DR7, s->dr[7]);
		vmcs_write(v, VMCS_GUEST_IA32_DEBUGCTL, s->msr.debugctl);
	}
	vmcs_write(v, VMCS_GUEST_SYSENTER_CS, s->msr.sysenter_cs);
	vmcs_write(v, VMCS_GUEST_SYSENTER_ESP, s->msr.sysenter_esp);
	vmcs_write(v, VMCS_GUEST_SYSENTER_EIP, s->msr.sysenter_eip);
	if (exit & EXIT_CTL_SAVE_PAT)
		vmcs_write(v, VMCS_GUEST_IA32_PAT, s->msr.pat);
	if (exit & EXIT_CTL_SAVE_EFER)
		vmcs_write(v, VMCS_GUEST_IA32_EFER, s->efer);
	if (exit & EXIT_CTL_SAVE_PERF_GLOBAL)
		vmcs_write(v, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL,
			   s->msr.perf_global_ctrl);
	/* SDM 28.2 (IA32_VMX_MISC[5]): "IA-32e mode guest" := EFER.LMA. */
	entry &= ~ENTRY_CTL_IA32E_MODE_GUEST;
	if (s->efer & EFER_LMA)
		entry |= ENTRY_CTL_IA32E_MODE_GUEST;
	vmcs_write(v, VMCS_VM_ENTRY_CONTROLS, entry);
	for (unsigned i = 0; i < SEG_COUNT; i++) {
		vmcs_set(v, vmx_guest_sel_idx[i], s->seg[i].sel);
		vmcs_set(v, vmx_guest_base_idx[i], s->seg[i].base);
		vmcs_set(v, vmx_guest_limit_idx[i], s->seg[i].limit);
		vmcs_set(v, vmx_guest_ar_idx[i], s->seg[i].ar);
	}
	vmcs_write(v, VMCS_GUEST_GDTR_BASE, s->gdtr.base);
	vmcs_write(v, VMCS_GUEST_GDTR_LIMIT, s->gdtr.limit);
	vmcs_write(v, VMCS_GUEST_IDTR_BASE, s->idtr.base);
	vmcs_write(v, VMCS_GUEST_IDTR_LIMIT, s->idtr.limit);
	vmcs_write(v, VMCS_GUEST_RSP, s->gpr[GPR_RSP]);
	vmcs_write(v, VMCS_GUEST_RIP, s->rip);
	vmcs_write(v, VMCS_GUEST_RFLAGS, s->rflags);
	vmcs_write(v, VMCS_GUEST_ACTIVITY_STATE, s->activity);
	{
		uint32_t intr = s->interruptibility & ~INTR_BLOCK_NMI;

		if ((vmx_pin(v) & PIN_VIRTUAL_NMIS) ? v->vnmi_blocked :
		    (s->interruptibility & INTR_BLOCK_NMI))
			intr |= INTR_BLOCK_NMI;
		vmcs_write(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, intr);
	}
	vmcs_write(v, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, s->pending_dbg);
	vmx_exit_save_pdptes(v, s);
	if (exit & EXIT_CTL_SAVE_PREEMPT_TIMER) {
		unsigned rate = vmx_preempt_rate(v);
		uint64_t left = 0;

		if (v->preempt_armed && v->preempt_deadline > s->tsc)
			left = (v->preempt_deadline >> rate) - (s->tsc >> rate);
		vmcs_write(v, VMCS_VMX_PREEMPTION_TIMER_VALUE, left);
	}
}

/* CR0 bits VM exit leaves alone: 63:32, 28:19, 17, 15:6, ET, CD, NW
 * (SDM 28.5.1). */
#define CR0_KEEP_ON_EXIT (~0xffffffffull | 0x1ff80000ull | (1ull << 17) | \
			  0xffc0ull | CR0_ET | CR0_CD | CR0_NW)

static void load_host_segs(struct vmx_vcpu *v, struct cpu_state *s, bool lm)
{
	static const uint16_t sel_idx[SEG_COUNT] = {
		VMCS_IDX_HOST_ES_SELECTOR, VMCS_IDX_HOST_CS_SELECTOR,
		VMCS_IDX_HOST_SS_SELECTOR, VMCS_IDX_HOST_DS_SELECTOR,
		VMCS_IDX_HOST_FS_SELECTOR, VMCS_IDX_HOST_GS_SELECTOR, 0,
		VMCS_IDX_HOST_TR_SELECTOR,
	};
	const uint32_t data_ar = 3 | SEG_AR_S | SEG_AR_P | SEG_AR_DB | SEG_AR_G;

	for (unsigned i = 0; i < SEG_COUNT; i++) {
		struct seg_reg *r = &s->seg[i];

		r->sel = i == SEG_LDTR ? 0 : (uint16_t)vmcs_get(v, sel_idx[i]);
		r->base = 0;
		r->limit = 0xffffffffu;
		r->ar = data_ar;
		if (r->sel == 0 && i != SEG_CS && i != SEG_TR)
			r->ar |= SEG_AR_UNUSABLE;
	}
	s->seg[SEG_CS].ar = 11 | SEG_AR_S | SEG_AR_P | SEG_AR_G |
			    (lm ? SEG_AR_L : SEG_AR_DB);
	s->seg[SEG_FS].base = vmcs_read(v, VMCS_HOST_FS_BASE);
	s->seg[SEG_GS].base = vmcs_read(v, VMCS_HOST_GS_BASE);
	s->seg[SEG_TR].base = vmcs_read(v, VMCS_HOST_TR_BASE);
	s->seg[SEG_TR].limit = 0x67;
	s->seg[SEG_TR].ar = 11 | SEG_AR_P;
	s->seg[SEG_LDTR].ar = SEG_AR_UNUSABLE;
	s->seg[SEG_LDTR].limit = 0;
	s->gdtr.base = vmcs_read(v, VMCS_HOST_GDTR_BASE);
	s->gdtr.limit = 0xffff;
	s->idtr.base = vmcs_read(v, VMCS_HOST_IDTR_BASE);
	s->idtr.limit = 0xffff;
}

void vmx_load_host_state(struct vmx_vcpu *v, struct cpu_state *s,
			 bool nmi_block)
{
	uint32_t exit = vmx_exit_ctls(v);
	bool lm = exit & EXIT_CTL_HOST_ADDR_SPACE_SIZE;
	uint64_t cr4;

	/* SDM 28.5.1: control registers, debug registers, MSRs. */
	s->cr0 = (s->cr0 & CR0_KEEP_ON_EXIT) |
		 (vmcs_read(v, VMCS_HOST_CR0) & ~CR0_KEEP_ON_EXIT);
	s->cr3 = vmcs_read(v, VMCS_HOST_CR3);
	cr4 = vmcs_read(v, VMCS_HOST_CR4);
	if (lm)
		cr4 |= CR4_PAE;
	else
		cr4 &= ~CR4_PCIDE;
	s->cr4 = cr4;
	s->dr[7] = 0x400;
	s->msr.debugctl = 0;
	s->msr.sysenter_cs = vmcs_read(v, VMCS_HOST_IA32_SYSENTER_CS);
	s->msr.sysenter_esp = vmcs_read(v, VMCS_HOST_IA32_SYSENTER_ESP);
	s->msr.sysenter_eip = vmcs_read(v, VMCS_HOST_IA32_SYSENTER_EIP);
	if (!lm) {
		s->msr.sysenter_esp &= 0xffffffffull;
		s->msr.sysenter_eip &= 0xffffffffull;
	}
	if (exit & EXIT_CTL_LOAD_PERF_GLOBAL)
		s->msr.perf_global_ctrl =
			vmcs_read(v, VMCS_HOST_IA32_PERF_GLOBAL_CTRL);
	if (exit & EXIT_CTL_LOAD_PAT)
		s->msr.pat = vmcs_read(v, VMCS_HOST_IA32_PAT);
	if (exit & EXIT_CTL_LOAD_EFER) {
		s->efer = vmcs_read(v, VMCS_HOST_IA32_EFER);
	} else {
		s->efer &= ~(EFER_LMA | EFER_LME);
		if (lm)
			s->efer |= EFER_LMA | EFER_LME;
	}
	/* SDM 28.5.2: segments and descriptor tables. */
	load_host_segs(v, s, lm);
	/* SDM 28.5.3: RIP, RSP, RFLAGS. */
	s->gpr[GPR_RSP] = vmcs_read(v, VMCS_HOST_RSP);
	s->rip = vmcs_read(v, VMCS_HOST_RIP);
	s->rflags = RFLAGS_FIXED1;
	/* SDM 28.5.5: no STI/MOV-SS blocking; NMI blocking after an NMI exit,
	 * otherwise unchanged (with virtual NMIs the guest bit was virtual). */
	if (vmx_pin(v) & PIN_VIRTUAL_NMIS)
		s->interruptibility = 0;
	else
		s->interruptibility &= INTR_BLOCK_NMI;
	if (nmi_block)
		s->interruptibility |= INTR_BLOCK_NMI;
	s->activity = ACTIVITY_ACTIVE;
	s->pending_dbg = 0;
	s->pending_exception.valid = false;
	s->injected.valid = false;
}

enum icpt_result vmx_abort(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			   uint32_t indicator)
{
	if (v->current_vmcs != VMCS_PTR_NONE)
		gmem_write_u32(ctx->mem, v->current_vmcs + VMCS_OFF_ABORT,
			       indicator);
	v->nonroot = false;
	v->preempt_armed = false;
	ctx->cpu->activity = ACTIVITY_SHUTDOWN;
	ctx->boundary_wanted = false;
	ctx->timer_tsc = UINT64_MAX;
	if (ctx->state_changed)
		ctx->state_changed(ctx->engine);
	return ICPT_SWITCHED;
}

/* Load host state and run the VM-exit MSR-load list (SDM 28.5, 28.6). */
static enum icpt_result to_host(struct vmx_vcpu *v,
				struct x86_intercept_ctx *ctx, bool nmi_block)
{
	uint32_t bad;

	vmx_load_host_state(v, ctx->cpu, nmi_block);
	/* SDM 28.5.4: a PAE host reloads its PDPTEs from host CR3; one with
	 * reserved bits set is VMX abort 2 (before the MSR-load list). */
	if (!vmx_exit_load_host_pdptes(v, ctx->mem, ctx->cpu))
		return vmx_abort(v, ctx, VMX_ABORT_HOST_PDPTE);
	bad = vmx_msr_area_load(v, ctx->mem, ctx->cpu,
				vmcs_read(v, VMCS_VM_EXIT_MSR_LOAD_ADDR),
				(uint32_t)vmcs_read(v, VMCS_VM_EXIT_MSR_LOAD_COUNT),
				false);
	if (bad)
		return vmx_abort(v, ctx, VMX_ABORT_LOAD_HOST_MSR);
	vmx_tlb_transition(v, ctx, true);
	v->nonroot = false;
	vmx_drop_nonroot_events(v);
	ctx->boundary_wanted = false;
	ctx->timer_tsc = UINT64_MAX;
	if (ctx->state_changed)
		ctx->state_changed(ctx->engine);
	return ICPT_SWITCHED;
}

enum icpt_result vmx_entry_failed(struct vmx_vcpu *v,
				  struct x86_intercept_ctx *ctx,
				  uint32_t basic_reason, uint64_t qualification)
{
	uint32_t reason = basic_reason | EXIT_REASON_FAILED_VMENTRY;

	vmcs_write(v, VMCS_VM_EXIT_REASON, reason);
	vmcs_write(v, VMCS_EXIT_QUALIFICATION, qualification);
	v->last_exit_reason = reason;
	vmx_count_exit(v, basic_reason);
	return to_host(v, ctx, false);
}

/* IDT-vectoring information (SDM 28.2.4): the event whose delivery the
 * exit interrupted, if any. */
static void record_idt_vectoring(struct vmx_vcpu *v, struct cpu_state *s,
				 uint32_t *insn_len)
{
	const struct x86_event *ev = &s->injected;

	if (!ev->valid) {
		vmcs_write(v, VMCS_IDT_VECTORING_INFO_FIELD, 0);
		return;
	}
	vmcs_write(v, VMCS_IDT_VECTORING_INFO_FIELD,
		   intr_info(ev->type, ev->vector, ev->has_error_code));
	vmcs_write(v, VMCS_IDT_VECTORING_ERROR_CODE, ev->error_code);
	if (ev->type == EVT_SW_INTR || ev->type == EVT_SW_EXCEPTION ||
	    ev->type == EVT_PRIV_SW_EXCEPTION)
		*insn_len = ev->insn_len;
	s->injected.valid = false;
}

enum icpt_result vmx_vmexit_full(struct vmx_vcpu *v,
				 struct x86_intercept_ctx *ctx,
				 const struct vmx_exit_info *ei)
{
	struct cpu_state *s = ctx->cpu;
	uint32_t insn_len = ei->ic ? ei->ic->insn_len : 0;
	uint32_t entry_info, intr = ei->intr_info;
	uint64_t qual = ei->qualification;

	/* SDM 28.2: exit information; bit 12 before the IDT-vectoring
	 * information is consumed (SDM 28.2.3). */
	vmx_nmi_unblocking_bit(v, s, ei->reason, &intr, &qual);
	vmcs_write(v, VMCS_VM_EXIT_REASON, ei->reason);
	vmcs_write(v, VMCS_EXIT_QUALIFICATION, qual);
	if (ei->has_gla)
		vmcs_write(v, VMCS_GUEST_LINEAR_ADDRESS, ei->gla);
	if (ei->has_gpa)
		vmcs_write(v, VMCS_GUEST_PHYSICAL_ADDRESS, ei->gpa);
	vmcs_write(v, VMCS_VM_EXIT_INTR_INFO, intr);
	if (intr & INTR_INFO_DELIVER_CODE)
		vmcs_write(v, VMCS_VM_EXIT_INTR_ERROR_CODE, ei->intr_error);
	record_idt_vectoring(v, s, &insn_len);
	vmcs_write(v, VMCS_VM_EXIT_INSTRUCTION_LEN, insn_len);
	vmcs_write(v, VMCS_VMX_INSTRUCTION_INFO,
		   ei->ic ? exit_insn_info(ei->ic) : 0);
	/* SDM 28.2 (end): every VM exit clears the valid bit of the VM-entry
	 * interruption-information field. */
	entry_info = (uint32_t)vmcs_read(v, VMCS_VM_ENTRY_INTR_INFO_FIELD);
	vmcs_write(v, VMCS_VM_ENTRY_INTR_INFO_FIELD,
		   entry_info & ~INTR_INFO_VALID);

	save_guest_state(v, s);
	v->last_exit_reason = ei->reason;
	vmx_count_exit(v, ei->reason & EXIT_REASON_BASIC_MASK);

	/* SDM 28.4: the VM-exit MSR-store list. */
	if (vmx_msr_area_store(v, ctx->mem, s,
			       vmcs_read(v, VMCS_VM_EXIT_MSR_STORE_ADDR),
			       (uint32_t)vmcs_read(v, VMCS_VM_EXIT_MSR_STORE_COUNT)))
		return vmx_abort(v, ctx, VMX_ABORT_SAVE_GUEST_MSR);
	return to_host(v, ctx, ei->nmi_exit);
}

enum icpt_result vmx_vmexit(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			    uint32_t reason, uint64_t qualification,
			    const struct x86_intercept *ic)
{
	struct vmx_exit_info ei = {
		.reason = reason,
		.qualification = qualification,
		.ic = ic,
	};

	return vmx_vmexit_full(v, ctx, &ei);
}
