// SPDX-License-Identifier: MIT
/*
 * vmx_intercept_ops: the engine's single hook into the VMX core.
 *
 * VMX instructions go to insn.c in root and non-root operation alike (their
 * #UD checks come before the VM exit, SDM 31.3).  Every other intercept in
 * non-root operation goes to vmx_nonroot_intercept(); in root operation only
 * the VMX MSRs and the CR0/CR4 restrictions of VMX operation matter.
 */
#include "vmx/insn.h"

/* SDM 24.8 (Restrictions on VMX operation): in VMX operation, MOV to CR0 or
 * CR4 that would leave a bit fixed by IA32_VMX_CR*_FIXED* -> #GP(0). */
static enum icpt_result root_mov_cr(struct vmx_vcpu *v,
				    struct x86_intercept_ctx *ctx,
				    const struct x86_intercept *ic)
{
	if (!v->vmxon || !ic->u.cr.write)
		return ICPT_CONTINUE;
	if (ic->u.cr.cr == 0 && !vmx_cr0_ok(&v->caps, ic->u.cr.value))
		return vmx_gp0(ctx->cpu);
	if (ic->u.cr.cr == 4 && !vmx_cr4_ok(&v->caps, ic->u.cr.value))
		return vmx_gp0(ctx->cpu);
	return ICPT_CONTINUE;
}

/*
 * A latched INIT signal.  Blocked in VMX root operation (SDM 24.8): it stays
 * pending until VMXOFF or VM entry.  In non-root operation it causes a VM
 * exit with reason 3 and does none of its usual operations (SDM 26.2); the
 * exit consumes it.  Outside VMX operation the engine performs the INIT.
 * An L2 in the wait-for-SIPI activity state blocks it too (SDM 26.2).
 */
static enum icpt_result init_signal(struct vmx_vcpu *v,
				    struct x86_intercept_ctx *ctx)
{
	if (!v->vmxon)
		return ICPT_CONTINUE;
	if (!v->nonroot || ctx->cpu->activity == ACTIVITY_WAIT_SIPI)
		return ICPT_EMULATED;
	/* A pending TPR-below-threshold exit outranks INIT (SDM 30.1.2);
	 * the INIT stays pending, blocked in root operation. */
	if (v->tpr_exit_pending)
		return vmx_tpr_pending_exit(v, ctx);
	ctx->cpu->init_pending = false;
	return vmx_vmexit(v, ctx, EXIT_REASON_INIT_SIGNAL, 0, NULL);
}

/*
 * A SIPI for a vCPU in wait-for-SIPI: in VMX non-root operation a VM exit
 * with reason 4 and the vector as exit qualification (SDM 26.2, Table
 * 28-1); the saved activity state stays wait-for-SIPI.  Elsewhere the
 * engine starts the vCPU as usual.
 */
static enum icpt_result sipi_signal(struct vmx_vcpu *v,
				    struct x86_intercept_ctx *ctx,
				    const struct x86_intercept *ic)
{
	if (!v->nonroot)
		return ICPT_CONTINUE;
	return vmx_vmexit(v, ctx, EXIT_REASON_SIPI, ic->u.sipi.vector, NULL);
}

static enum icpt_result intercept(void *opaque, struct x86_intercept_ctx *ctx,
				  struct x86_intercept *ic)
{
	struct vmx_vcpu *v = opaque;
	enum icpt_result r;

	if (ic->kind == ICPT_VMX_INSN)
		return vmx_insn_execute(v, ctx, ic);
	if (ic->kind == ICPT_INIT)
		return init_signal(v, ctx);
	if (ic->kind == ICPT_SIPI)
		return sipi_signal(v, ctx, ic);
	if (v->nonroot) {
		r = vmx_nonroot_intercept(v, ctx, ic);
		/* An MSR access that does not exit still reads/writes the
		 * VMX MSRs as in root operation. */
		if (r != ICPT_CONTINUE ||
		    (ic->kind != ICPT_RDMSR && ic->kind != ICPT_WRMSR))
			return r;
	}
	switch (ic->kind) {
	case ICPT_RDMSR:
		return vmx_rdmsr(v, ctx, ic);
	case ICPT_WRMSR:
		return vmx_wrmsr(v, ctx, ic);
	case ICPT_MOV_CR:
		return root_mov_cr(v, ctx, ic);
	default:
		return ICPT_CONTINUE;
	}
}

static enum icpt_result boundary(void *opaque, struct x86_intercept_ctx *ctx)
{
	return vmx_boundary(opaque, ctx);
}

/* Root operation uses no EPT: identity, without a call into the non-root
 * side on every memory access. */
static enum icpt_result translate_gpa(void *opaque,
				      struct x86_intercept_ctx *ctx,
				      uint64_t gpa, unsigned access,
				      uint64_t gla, bool gla_valid,
				      bool in_walk, uint64_t *out)
{
	struct vmx_vcpu *v = opaque;

	if (!v->nonroot) {
		*out = gpa;
		return ICPT_CONTINUE;
	}
	return vmx_translate_gpa(v, ctx, gpa, access, gla, gla_valid, in_walk,
				 out);
}

/*
 * What vmx_translate_gpa() reads besides memory: the controls (EPT, MBEC,
 * APIC-access virtualization, PML), all of EPTP (EP4TA, A/D enable) and
 * the APIC-access address; the capabilities are fixed.  Sub-page write
 * permissions and the tertiary paging controls would read more (tables,
 * HLAT): no keep then.
 */
static void xlate_key(const struct vmx_vcpu *v, uint32_t proc,
		      uint32_t proc2, struct tlb_context *out)
{
	uint64_t proc3 = (proc & CPU_ACTIVATE_TERTIARY) ?
		vmcs_read(v, VMCS_TERTIARY_VM_EXEC_CONTROL) : 0;

	out->xlate_key[0] = proc2;
	out->xlate_key[1] = proc3;
	if (proc2 & CPU2_ENABLE_EPT)
		out->xlate_key[2] = vmcs_read(v, VMCS_EPT_POINTER);
	if (proc2 & CPU2_VIRT_APIC_ACCESSES)
		out->xlate_key[3] = vmcs_read(v, VMCS_APIC_ACCESS_ADDR);
	out->xlate_keep = !(proc2 & CPU2_SUBPAGE_WRITE_PERM) &&
			  !(proc3 & (CPU3_ENABLE_HLAT | CPU3_EPT_PAGING_WRITE |
				     CPU3_GUEST_PAGING_VERIFY));
}

/* The tag of the current translations (SDM 29.4.1): VPID 0000H in root
 * operation and with "enable VPID" = 0; the EP4TA with "enable EPT". */
static void tlb_context(void *opaque, struct tlb_context *out)
{
	struct vmx_vcpu *v = opaque;
	uint32_t proc, proc2;

	*out = (struct tlb_context){ 0 };
	if (!v->nonroot)
		return;
	out->nonroot = true;
	proc = (uint32_t)vmcs_read(v, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	proc2 = (proc & CPU_ACTIVATE_SECONDARY) ?
		(uint32_t)vmcs_read(v, VMCS_SECONDARY_VM_EXEC_CONTROL) : 0;
	if (proc2 & CPU2_ENABLE_VPID)
		out->vpid = (uint16_t)vmcs_read(v, VMCS_VIRTUAL_PROCESSOR_ID);
	if (proc2 & CPU2_ENABLE_EPT) {
		out->ept = true;
		out->ep4ta = vmcs_read(v, VMCS_EPT_POINTER) & EPTP_EP4TA_MASK;
	}
	xlate_key(v, proc, proc2, out);
}

static bool probe_gpa(void *opaque, struct x86_intercept_ctx *ctx,
		      uint64_t gpa, uint64_t *out)
{
	return vmx_probe_gpa(opaque, ctx->mem, gpa, out);
}

static bool vmrw(void *opaque, struct x86_intercept_ctx *ctx, bool write,
		 unsigned rm, unsigned reg)
{
	return vmx_vmrw_fast(opaque, ctx, write, rm, reg);
}

const struct x86_intercept_ops vmx_intercept_ops = {
	.intercept = intercept,
	.vmrw = vmrw,
	.boundary = boundary,
	.translate_gpa = translate_gpa,
	.tlb_context = tlb_context,
	.probe_gpa = probe_gpa,
};
