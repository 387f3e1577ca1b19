// SPDX-License-Identifier: MIT
/*
 * A VMCS and several processors (SDM 25.1, 25.11.1): which vCPU a VMCS is
 * active on, and VMPTRLDs that break "clear it before another processor
 * makes it current" (vmx_api.h says what vmxbox does then).
 */
#include "vmx/vmx.h"

void vmx_vcpu_link(struct vmx_vcpu *const *all, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		all[i]->peers = (struct vmx_vcpu **)all;
		all[i]->n_peers = n;
		all[i]->index = i;
	}
}

void vmx_set_shared_vmcs_hook(struct vmx_vcpu *v, vmx_shared_vmcs_fn fn,
			      void *opaque)
{
	v->shared_hook = fn;
	v->shared_opaque = opaque;
}

bool vmx_vmcs_active(const struct vmx_vcpu *v, uint64_t gpa)
{
	for (unsigned i = 0; i < VMX_MAX_REGIONS; i++)
		if (v->regions[i].gpa == gpa)
			return v->regions[i].active;
	return false;
}

uint64_t vmx_shared_vmcs_loads(const struct vmx_vcpu *v)
{
	return v->shared_loads;
}

void vmx_check_shared_vmcs(struct vmx_vcpu *v, uint64_t gpa)
{
	for (unsigned i = 0; i < v->n_peers; i++) {
		const struct vmx_vcpu *o = v->peers[i];
		struct vmx_shared_vmcs_event ev = {
			.loader = v->index, .owner = i, .gpa = gpa,
		};

		if (o == v || !o->vmxon || !vmx_vmcs_active(o, gpa))
			continue;
		v->shared_loads++;
		ev.owner_current = o->current_vmcs == gpa;
		if (v->shared_hook)
			v->shared_hook(v->shared_opaque, &ev);
	}
}
