// SPDX-License-Identifier: MIT
/*
 * EPT-violation #VE (SDM Vol. 3C 26.5.7 "Virtualization Exceptions",
 * 25.6.18 the virtualization-exception information address, 6.15
 * "Interrupt 20 - Virtualization Exception").
 *
 * With "EPT-violation #VE" = 1, an EPT violation is convertible when bit 63
 * ("suppress #VE") is 0 in the one EPT entry that decides it: the entry
 * that was not present, or the entry that maps the page.  A convertible
 * violation becomes a #VE (vector 20, fault, no error code) instead of a
 * VM exit when CR0.PE = 1, no event is being delivered through the IDT and
 * the dword at offset 4 of the information area is 0.  The processor then
 * writes the area and sets that dword to FFFFFFFFH, so a second #VE waits
 * until the guest clears it.  The #VE itself goes through the exception
 * bitmap like any exception (bit 20: VM exit).
 */
#include "vmx/nonroot.h"

#define VE_X86_VECTOR 20

/* SDM 26.5.7.2, the format of the virtualization-exception information
 * area. */
#define VE_OFF_REASON 0
#define VE_OFF_BUSY   4
#define VE_OFF_QUAL   8
#define VE_OFF_GLA    16
#define VE_OFF_GPA    24
#define VE_OFF_EPTP_INDEX 32
#define VE_BUSY       0xffffffffu

static bool convertible(const struct vmx_vcpu *v,
			const struct ept_walk_result *r,
			const struct cpu_state *s, const struct guest_mem *mem)
{
	uint32_t busy;

	if (!(vmx_proc2(v) & CPU2_EPT_VIOLATION_VE) ||
	    (r->last_entry & EPTE_SUPPRESS_VE))
		return false;
	if (!(s->cr0 & CR0_PE) || s->injected.valid)
		return false;
	/* Outside RAM the dword reads all ones: never a #VE. */
	return gmem_read_u32(mem, vmcs_read(v, VMCS_VE_INFO_ADDRESS) +
			     VE_OFF_BUSY, &busy) && busy == 0;
}

bool vmx_ept_violation_ve(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			  const struct ept_walk_result *r,
			  const struct vmx_exit_info *ei)
{
	uint64_t area = vmcs_read(v, VMCS_VE_INFO_ADDRESS);

	if (!convertible(v, r, ctx->cpu, ctx->mem))
		return false;
	/* The qualification as the exit would save it; bit 12 (NMI
	 * unblocking due to IRET) is undefined here and left 0.  The
	 * guest-linear address is undefined without bit 7: 0. */
	gmem_write_u32(ctx->mem, area + VE_OFF_REASON, EXIT_REASON_EPT_VIOLATION);
	gmem_write_u32(ctx->mem, area + VE_OFF_BUSY, VE_BUSY);
	gmem_write_u64(ctx->mem, area + VE_OFF_QUAL, ei->qualification);
	gmem_write_u64(ctx->mem, area + VE_OFF_GLA, ei->has_gla ? ei->gla : 0);
	gmem_write_u64(ctx->mem, area + VE_OFF_GPA, ei->gpa);
	gmem_write_u16(ctx->mem, area + VE_OFF_EPTP_INDEX,
		       (uint16_t)vmcs_read(v, VMCS_EPTP_INDEX));
	vmx_raise(ctx->cpu, VE_X86_VECTOR, false, 0);
	return true;
}
