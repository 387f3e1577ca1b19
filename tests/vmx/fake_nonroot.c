// SPDX-License-Identifier: MIT
/*
 * Recording stand-ins for the VM-entry / VM-exit side, so the instruction
 * side is tested alone: they log what they were asked to do.
 */
#include "fake_nonroot.h"

struct fake_nonroot fake_nr;

enum icpt_result vmx_vmentry(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			     struct x86_intercept *ic, bool launch)
{
	fake_nr.entries++;
	fake_nr.launch = launch;
	return ICPT_SWITCHED;
}

enum icpt_result vmx_vmexit(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			    uint32_t reason, uint64_t qualification,
			    const struct x86_intercept *ic)
{
	fake_nr.exits++;
	fake_nr.reason = reason;
	fake_nr.qual = qualification;
	return ICPT_SWITCHED;
}

enum icpt_result vmx_nonroot_intercept(struct vmx_vcpu *v,
				       struct x86_intercept_ctx *ctx,
				       struct x86_intercept *ic)
{
	fake_nr.intercepts++;
	fake_nr.last_kind = ic->kind;
	return fake_nr.nonroot_result;
}

enum icpt_result vmx_boundary(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	fake_nr.boundaries++;
	return ICPT_CONTINUE;
}

bool vmx_probe_gpa(struct vmx_vcpu *v, const struct guest_mem *mem,
		   uint64_t gpa, uint64_t *out)
{
	*out = gpa + 0x100000;
	return true;
}

enum icpt_result vmx_translate_gpa(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx, uint64_t gpa,
				   unsigned access, uint64_t gla, bool gla_valid,
				   bool in_walk, uint64_t *out)
{
	fake_nr.translations++;
	*out = gpa + 0x100000;
	return ICPT_CONTINUE;
}
