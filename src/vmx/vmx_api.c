// SPDX-License-Identifier: MIT
/* Read-only views of a vCPU's VMX state for the layers above (vmx_api.h). */
#include "vmx/vmx.h"

bool vmx_in_operation(const struct vmx_vcpu *v)
{
	return v->vmxon;
}

bool vmx_in_nonroot(const struct vmx_vcpu *v)
{
	return v->nonroot;
}

uint64_t vmx_vmxon_pointer(const struct vmx_vcpu *v)
{
	return v->vmxon ? v->vmxon_ptr : VMCS_PTR_NONE;
}

uint64_t vmx_current_vmcs(const struct vmx_vcpu *v)
{
	return v->current_vmcs;
}

uint64_t vmx_current_field(const struct vmx_vcpu *v, uint32_t encoding)
{
	return vmcs_read(v, encoding);
}

/* A VMCS that is not current lives in its region in our layout
 * (docs/vmcs-layout.md): 8 bytes per field-table index from VMCS_OFF_DATA. */
bool vmx_vmcs_peek(const struct vmx_vcpu *v, const struct guest_mem *mem,
		   uint64_t vmcs, uint32_t encoding, uint64_t *val)
{
	bool high;
	int idx = vmcs_field_index(encoding, &high);

	if (idx < 0)
		return false;
	if (vmcs == v->current_vmcs) {
		*val = vmcs_read(v, encoding);
		return true;
	}
	if (!gmem_read_u64(mem, vmcs + VMCS_OFF_DATA + 8ull * (unsigned)idx, val))
		return false;
	*val &= vmcs_width_mask(vmcs_field_table[idx].width);
	if (high)
		*val >>= 32;
	return true;
}

bool vmx_vcpu_field_supported(const struct vmx_vcpu *v, uint32_t encoding)
{
	return vmx_field_supported(&v->caps, encoding);
}

bool vmx_vcpu_cap_msr(const struct vmx_vcpu *v, uint32_t index, uint64_t *val)
{
	return vmx_caps_msr(&v->caps, index, val);
}

bool vmx_region_at(const struct vmx_vcpu *v, unsigned i,
		   struct vmx_region_info *out)
{
	const struct vmx_region *r;

	if (i >= VMX_MAX_REGIONS || v->regions[i].gpa == VMCS_PTR_NONE)
		return false;
	r = &v->regions[i];
	*out = (struct vmx_region_info){
		.gpa = r->gpa, .launched = r->launched,
		.current = r->gpa == v->current_vmcs,
		.entries = r->entries, .exits = r->exits,
	};
	return true;
}
