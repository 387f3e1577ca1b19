// SPDX-License-Identifier: MIT
/*
 * A debugger's L2 view (docs/gdb.md, `monitor view l2`): an L2
 * guest-physical address through the current VMCS's EPT (SDM 29.3.2),
 * in root or non-root operation, without setting an accessed/dirty flag
 * or causing an exit.
 */
#include "vmx/nonroot.h"

#include "vmx/ept_walk.h"

bool vmx_peek_l2_gpa(struct vmx_vcpu *v, const struct guest_mem *mem,
		     uint64_t gpa, uint64_t *out)
{
	struct ept_walk_cfg cfg;
	struct ept_walk_result r;

	*out = gpa;
	if (vmx_current_vmcs(v) == VMCS_PTR_NONE ||
	    !(vmx_proc2(v) & CPU2_ENABLE_EPT))
		return true;
	vmx_ept_cfg(v, &cfg);
	ept_walk_only(mem, &cfg, vmcs_read(v, VMCS_EPT_POINTER), gpa,
		      EPT_ACC_READ, &r);
	if (r.outcome != EPT_OK)
		return false;
	*out = r.hpa;
	return true;
}
