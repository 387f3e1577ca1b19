/* SPDX-License-Identifier: MIT */
/* VMX instruction side, internal to src/vmx (insn.c, msr.c, intercept.c). */
#ifndef VMXBOX_VMX_INSN_H
#define VMXBOX_VMX_INSN_H

#include "vmx/vmx.h"

/* One ICPT_VMX_INSN intercept, root or non-root operation (SDM 31.3). */
enum icpt_result vmx_insn_execute(struct vmx_vcpu *v,
				  struct x86_intercept_ctx *ctx,
				  struct x86_intercept *ic);

/* RDMSR/WRMSR of IA32_FEATURE_CONTROL and the capability MSRs; returns
 * ICPT_CONTINUE for any other MSR (msr.c). */
enum icpt_result vmx_rdmsr(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			   struct x86_intercept *ic);
enum icpt_result vmx_wrmsr(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			   struct x86_intercept *ic);

#endif
