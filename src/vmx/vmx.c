// SPDX-License-Identifier: MIT
/* VMX vCPU lifecycle and the VMX-instruction result conventions. */
#include "vmx/vmx.h"

#include <stdlib.h>
#include <string.h>

struct vmx_vcpu *vmx_vcpu_create(const struct cpu_model *m)
{
	struct vmx_vcpu *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->model = *m;
	vmx_caps_init(&v->caps, m);
	vmx_vcpu_reset(v);
	return v;
}

void vmx_vcpu_destroy(struct vmx_vcpu *v)
{
	free(v);
}

/* What non-root operation left pending for its next boundary (the
 * preemption timer, MTF, trap-like TPR/EOI/APIC-write exits, a recognized
 * virtual interrupt) has no meaning once the logical processor leaves it:
 * dropped on VM exit and on reset. */
void vmx_drop_nonroot_events(struct vmx_vcpu *v)
{
	v->preempt_armed = false;
	v->mtf_pending = false;
	v->tpr_exit_pending = false;
	v->trap_exit_reason = 0;
	v->trap_exit_qual = 0;
	v->vintr_pending = false;
	v->apic_write_pending = false;
	v->apic_write_offset = 0;
}

void vmx_vcpu_reset(struct vmx_vcpu *v)
{
	v->vmxon = false;
	v->nonroot = false;
	v->vmxon_ptr = VMCS_PTR_NONE;
	v->current_vmcs = VMCS_PTR_NONE;
	v->current_region = -1;
	memset(v->vmcs, 0, sizeof(v->vmcs));
	for (int i = 0; i < VMX_MAX_REGIONS; i++) {
		memset(&v->regions[i], 0, sizeof(v->regions[i]));
		v->regions[i].gpa = VMCS_PTR_NONE;
	}
	v->region_victim = 0;
	v->executive_vmcs_ptr = VMCS_PTR_NONE;
	v->smm_transfer_vmcs_ptr = VMCS_PTR_NONE;
	v->preempt_deadline = 0;
	vmx_drop_nonroot_events(v);
	v->vnmi_blocked = false;
	v->iret_unblocked_nmi = false;
	v->ple_seen = false;
	v->ple_last = 0;
	v->ple_first = 0;
	v->last_exit_reason = 0;
	v->exit_count = 0;
	v->shared_loads = 0;
}

/* SDM 31.2: VMfailInvalid. */
void vmx_fail_invalid(struct cpu_state *s)
{
	s->rflags = (s->rflags & ~VMX_ARITH_FLAGS) | RFLAGS_CF;
}

/* SDM 31.2: VMfailValid(ErrorNumber). */
void vmx_fail_valid(struct vmx_vcpu *v, struct cpu_state *s, unsigned err)
{
	s->rflags = (s->rflags & ~VMX_ARITH_FLAGS) | RFLAGS_ZF;
	vmcs_write(v, VMCS_VM_INSTRUCTION_ERROR, err);
}

/* SDM 31.2: VMfail(ErrorNumber). */
void vmx_fail(struct vmx_vcpu *v, struct cpu_state *s, unsigned err)
{
	if (v->current_vmcs != VMCS_PTR_NONE)
		vmx_fail_valid(v, s, err);
	else
		vmx_fail_invalid(s);
}

enum icpt_result vmx_raise(struct cpu_state *s, uint8_t vector,
			   bool has_ec, uint32_t ec)
{
	s->pending_exception = (struct x86_event){
		.valid = true,
		.type = EVT_HW_EXCEPTION,
		.vector = vector,
		.has_error_code = has_ec,
		.error_code = ec,
	};
	return ICPT_FAULT;
}
