// SPDX-License-Identifier: MIT
/*
 * IA32_FEATURE_CONTROL (SDM 24.7, Vol. 4 Table 2-2) and the read-only VMX
 * capability MSRs 0x480-0x492 (SDM Appendix A).
 */
#include "vmx/insn.h"

/*
 * A capability MSR exists only when what it describes is advertised
 * (SDM A.3.2, A.3.3, A.10, A.11, A.1 bit 55); RDMSR of a missing one #GPs.
 */
static bool cap_msr_exists(const struct vmx_vcpu *v, uint32_t index)
{
	const struct vmx_caps *c = &v->caps;
	uint64_t basic = c->msr[0];

	if (!cpu_has(&v->model, X86_FEAT_VMX))
		return false;
	switch (index) {
	case MSR_IA32_VMX_PROCBASED_CTLS2:
		return c->proc.may1 & CPU_ACTIVATE_SECONDARY;
	case MSR_IA32_VMX_EPT_VPID_CAP:
		return (c->proc.may1 & CPU_ACTIVATE_SECONDARY) &&
		       (c->proc2.may1 & (CPU2_ENABLE_EPT | CPU2_ENABLE_VPID));
	case MSR_IA32_VMX_TRUE_PINBASED_CTLS:
	case MSR_IA32_VMX_TRUE_PROCBASED_CTLS:
	case MSR_IA32_VMX_TRUE_EXIT_CTLS:
	case MSR_IA32_VMX_TRUE_ENTRY_CTLS:
		return basic & (1ull << 55);
	case MSR_IA32_VMX_VMFUNC:
		return (c->proc.may1 & CPU_ACTIVATE_SECONDARY) &&
		       (c->proc2.may1 & CPU2_ENABLE_VMFUNC);
	case MSR_IA32_VMX_PROCBASED_CTLS3:   /* A.3.4 */
		return c->proc.may1 & CPU_ACTIVATE_TERTIARY;
	default:
		return index >= MSR_IA32_VMX_FIRST && index <= MSR_IA32_VMX_LAST;
	}
}

enum icpt_result vmx_rdmsr(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			   struct x86_intercept *ic)
{
	uint32_t index = ic->u.msr.index;

	if (index == MSR_IA32_FEATURE_CONTROL) {
		ic->u.msr.value = ctx->cpu->msr.feature_control;
		return ICPT_EMULATED;
	}
	if (index < MSR_IA32_VMX_FIRST || index > MSR_IA32_VMX_LAST)
		return ICPT_CONTINUE;
	if (!cap_msr_exists(v, index))
		return vmx_gp0(ctx->cpu);
	vmx_caps_msr(&v->caps, index, &ic->u.msr.value);
	return ICPT_EMULATED;
}

/* Writable bits of IA32_FEATURE_CONTROL: the lock and, when VMX is
 * advertised, enable-VMX-outside-SMX.  SMX (bit 1), SENTER, SGX and LMCE
 * are not advertised, so their bits are reserved. */
static uint64_t feature_control_valid(const struct vmx_vcpu *v)
{
	return FEATURE_CONTROL_LOCKED |
	       (cpu_has(&v->model, X86_FEAT_VMX) ? FEATURE_CONTROL_VMX_OUTSIDE_SMX : 0);
}

enum icpt_result vmx_wrmsr(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			   struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	uint32_t index = ic->u.msr.index;
	uint64_t val = ic->u.msr.value;

	if (index == MSR_IA32_FEATURE_CONTROL) {
		/* Once locked, writes #GP until reset (SDM 24.7). */
		if ((s->msr.feature_control & FEATURE_CONTROL_LOCKED) ||
		    (val & ~feature_control_valid(v)))
			return vmx_gp0(s);
		s->msr.feature_control = val;
		return ICPT_EMULATED;
	}
	/* Capability MSRs are read-only (SDM Appendix A). */
	if (index >= MSR_IA32_VMX_FIRST && index <= MSR_IA32_VMX_LAST)
		return vmx_gp0(s);
	return ICPT_CONTINUE;
}
