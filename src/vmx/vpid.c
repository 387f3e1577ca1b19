// SPDX-License-Identifier: MIT
/*
 * VPIDs and the engine's TLB at VM entries and VM exits (SDM 29.4.3.3):
 * with "enable VPID" = 0 both must invalidate every linear and combined
 * mapping of VPID 0000H (all PCIDs, all EP4TAs); with VPIDs enabled they
 * invalidate nothing, so L2's translations (its VPID) and L1's (VPID 0)
 * survive each other's runs until INVVPID/INVEPT say otherwise.  The
 * engine learns the direction: it may keep what a new walk would give
 * exactly (struct tlb_inval, transition).
 */
#include "vmx/nonroot.h"

void vmx_tlb_transition(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			bool to_root)
{
	const struct tlb_inval iv = {
		.scope = TLB_INV_VPID, .vpid = 0,
		.transition = true, .to_root = to_root,
	};

	if (vmx_proc2(v) & CPU2_ENABLE_VPID)
		return;
	if (ctx->tlb_invalidate)
		ctx->tlb_invalidate(ctx->engine, &iv);
}
