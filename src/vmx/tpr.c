// SPDX-License-Identifier: MIT
/*
 * The TPR shadow: "use TPR shadow" (primary processor-based control 21,
 * SDM Vol. 3C 25.6.2), the virtual-APIC page and the TPR threshold
 * (25.6.8), MOV to/from CR8 in VMX non-root operation (26.3, 30.3) and TPR
 * virtualization (30.1.2) with its trap-like "TPR below threshold" VM exit
 * (basic reason 43, Appendix C).
 *
 * TPR virtualization itself (the threshold comparison of 30.1.2, or PPR
 * virtualization with "virtual-interrupt delivery") is vapic.c's, shared
 * with WRMSR 808H under "virtualize x2APIC mode".
 *
 * The virtual-APIC address is a physical address of L1 (it is never
 * translated through EPT, 30.1), so VTPR lives in vmxbox's guest memory.
 *
 * A TPR-below-threshold VM exit right after VM entry (SDM 27.7.7) exists
 * only when "use TPR shadow" AND "virtualize APIC accesses" are 1 with
 * "virtual-interrupt delivery" 0 (vmx_entry_tpr_exit_due); without
 * "virtualize APIC accesses" the VM-entry check "TPR threshold[3:0] <=
 * VTPR[7:4]" (27.2.1.1, entry_checks.c) has already guaranteed that VTPR
 * is not below the threshold.
 */
#include "vmx/nonroot.h"

/* VTPR: the 32-bit field at offset 80H of the virtual-APIC page (30.1.1). */
#define VTPR_OFFSET 0x80u

static uint64_t vtpr_gpa(const struct vmx_vcpu *v)
{
	return vmcs_read(v, VMCS_VIRTUAL_APIC_PAGE_ADDR) + VTPR_OFFSET;
}

/*
 * Bits 7:0 of VTPR.  The virtual-APIC page may lie outside guest RAM (VM
 * entry checks only its alignment and width, SDM 27.2.1.1): there VTPR
 * reads as all ones and writes are dropped, like any access to a physical
 * address nothing backs.
 */
uint8_t vmx_vtpr_read(const struct vmx_vcpu *v, const struct guest_mem *mem)
{
	uint8_t b = 0xff;

	gmem_read_u8(mem, vtpr_gpa(v), &b);
	return b;
}

bool vmx_entry_tpr_exit_due(const struct vmx_vcpu *v,
			    const struct guest_mem *mem)
{
	return (vmx_proc(v) & CPU_USE_TPR_SHADOW) &&
	       (vmx_proc2(v) & (CPU2_VIRT_APIC_ACCESSES |
				CPU2_VIRT_INTR_DELIVERY)) ==
	       CPU2_VIRT_APIC_ACCESSES &&
	       (vmx_vtpr_read(v, mem) >> 4) <
	       (vmcs_read(v, VMCS_TPR_THRESHOLD) & 0xfu);
}

/*
 * A single-step trap (RFLAGS.TF) of the MOV to CR8 that left the TPR exit
 * pending: TPR virtualization and its VM exit take priority over debug
 * exceptions triggered by the same instruction (30.1.2), so the #DB is not
 * delivered; the exit records it in the pending-debug-exceptions field
 * instead (BS, bit 14; SDM 28.3.4 saves the debug exceptions pending at a
 * "TPR below threshold" exit).  Called for the #DB the engine is about to
 * deliver after the instruction, before its next boundary.
 */
enum icpt_result vmx_tpr_exit_over_debug_trap(struct vmx_vcpu *v,
					      struct x86_intercept_ctx *ctx)
{
	ctx->cpu->pending_dbg |= PENDING_DBG_BS;
	return vmx_tpr_pending_exit(v, ctx);
}

/*
 * MOV to/from CR8 in VMX non-root operation when the CR8-load / CR8-store
 * exiting control (whichever applies) is 0 and "use TPR shadow" is 1
 * (SDM 26.3, 30.3).  The real TPR (cpu->cr8) is never touched.
 */
enum icpt_result vmx_tpr_mov_cr8(struct vmx_vcpu *v,
				 struct x86_intercept_ctx *ctx,
				 struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	uint64_t src = ic->u.cr.value;

	if (!ic->u.cr.write) {
		/* Bits 3:0 of the destination := VTPR[7:4], bits 63:4 := 0.
		 * CR8 is reachable only in 64-bit mode: a full write. */
		s->gpr[ic->u.cr.gpr & 15] = vmx_vtpr_read(v, ctx->mem) >> 4;
		return ICPT_EMULATED;
	}
	/* MOV to CR8 keeps its own fault: a source with bits 63:4 set is a
	 * #GP(0) (SDM Vol. 2 "MOV - Move to/from Control Registers"); the
	 * TPR shadow changes only where a valid value goes. */
	if (src & ~0xfull)
		return vmx_gp0(s);
	/* VTPR[7:4] := source[3:0]; VTPR[3:0] and bytes 3:1 of VTPR := 0
	 * (30.3): one 32-bit write of the whole field. */
	gmem_write_u32(ctx->mem, vtpr_gpa(v), (uint32_t)(src << 4));
	vmx_tpr_virtualize(v, ctx);
	return ICPT_EMULATED;
}
