// SPDX-License-Identifier: MIT
/*
 * PLACEHOLDER until the VM-entry / VM-exit / non-root code lands (it
 * deletes this file).  VM entry is not implemented: VMLAUNCH/VMRESUME that
 * pass the pre-entry checks raise #UD.  Nothing else is intercepted.
 */
#include "vmx/vmx.h"

enum icpt_result vmx_vmentry(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			     struct x86_intercept *ic, bool launch)
{
	return vmx_ud(ctx->cpu);
}

enum icpt_result vmx_vmexit(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			    uint32_t reason, uint64_t qualification,
			    const struct x86_intercept *ic)
{
	return ICPT_CONTINUE;
}

enum icpt_result vmx_nonroot_intercept(struct vmx_vcpu *v,
				       struct x86_intercept_ctx *ctx,
				       struct x86_intercept *ic)
{
	return ICPT_CONTINUE;
}

enum icpt_result vmx_boundary(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	return ICPT_CONTINUE;
}

enum icpt_result vmx_translate_gpa(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx, uint64_t gpa,
				   unsigned access, uint64_t gla, bool gla_valid,
				   bool in_walk, uint64_t *out)
{
	*out = gpa;
	return ICPT_CONTINUE;
}
