// SPDX-License-Identifier: MIT
/*
 * Accessed/dirty flags for EPT with page-modification logging (SDM Vol. 3C
 * 29.3.5, 29.3.6; exit reason 62, SDM Appendix C).
 *
 * With "enable PML" = 1, before an access whose EPT walk still has an
 * accessed or dirty flag to set, the processor looks at the PML index: out
 * of 0..511 it is a page-modification log-full event (a VM exit; no flag
 * set, the access does not happen).  Otherwise the flags are set, and if a
 * dirty flag went from 0 to 1 the 4-KByte aligned guest-physical address
 * is written at PML address + 8 * index and the index decremented (it may
 * wrap from 0 to FFFFH; the next such access then exits).
 */
#include "vmx/nonroot.h"

#define PML_ENTRIES 512u

enum icpt_result vmx_ept_ad_update(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx,
				   const struct ept_walk_result *r,
				   uint64_t gpa, unsigned access)
{
	bool pml = vmx_proc2(v) & CPU2_ENABLE_PML;
	uint64_t index = vmcs_read(v, VMCS_GUEST_PML_INDEX);
	struct vmx_exit_info full = { .reason = EXIT_REASON_PML_FULL };

	if (pml && index >= PML_ENTRIES && ept_ad_needed(ctx->mem, r, access))
		return vmx_vmexit_full(v, ctx, &full);
	if (!ept_ad_set(ctx->mem, r, access) || !pml)
		return ICPT_CONTINUE;
	/* Outside RAM the entry is written nowhere; the index still moves. */
	gmem_write_u64(ctx->mem, vmcs_read(v, VMCS_PML_ADDRESS) + 8 * index,
		       gpa & ~0xfffull);
	vmcs_write(v, VMCS_GUEST_PML_INDEX, (index - 1) & 0xffff);
	return ICPT_CONTINUE;
}
