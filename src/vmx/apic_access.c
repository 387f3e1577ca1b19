// SPDX-License-Identifier: MIT
/*
 * "Virtualize APIC accesses" (secondary processor-based control 0, SDM
 * Vol. 3C 30.4): memory accesses of L2 whose physical address (after EPT)
 * is on the APIC-access page.
 *   - A linear data access of at most 32 bits that the controls allow
 *     (30.4.2 reads, 30.4.3.1 writes) is virtualized: the translation is
 *     redirected to the same offset of the virtual-APIC page, and never
 *     cached (ctx->no_tlb), so the next access is judged again.
 *   - A virtualized write leaves APIC-write emulation (30.4.3.2) pending
 *     for the boundary after the instruction: TPR, EOI or self-IPI
 *     virtualization (vapic.c), clearing VICR_HI[23:0], or the trap-like
 *     APIC-write exit 56 with the offset.
 *   - Every other access is a fault-like APIC-access exit 44 whose
 *     qualification gives the offset and the access type (Table 28-6):
 *     linear read / write / fetch, linear access during event delivery,
 *     guest-physical access (with EPT: the guest page walk, PDPTE loads)
 *     during event delivery or not.
 * Without EPT, paging-structure accesses to the page are plain memory
 * accesses ("physical accesses", 30.4.6.2, implementation specific).
 */
#include "vmx/nonroot.h"

/* Exit qualification, access type in bits 15:12 (Table 28-6). */
#define AA_LINEAR_READ     0u
#define AA_LINEAR_WRITE    1u
#define AA_LINEAR_FETCH    2u
#define AA_LINEAR_EVENT    3u
#define AA_GPA_EVENT       10u
#define AA_GPA_INSN        15u

#define OFF_ID      0x020u
#define OFF_VERSION 0x030u
#define OFF_TPR     0x080u
#define OFF_EOI     0x0b0u
#define OFF_LDR     0x0d0u
#define OFF_DFR     0x0e0u
#define OFF_SVR     0x0f0u
#define OFF_ISR     0x100u   /* 8 registers: 100H-170H */
#define OFF_TMR     0x180u   /* 180H-1F0H */
#define OFF_IRR     0x200u   /* 200H-270H */
#define OFF_ESR     0x280u
#define OFF_ICR_LO  0x300u
#define OFF_ICR_HI  0x310u
#define OFF_LVT     0x320u   /* 320H-370H */
#define OFF_TMICT   0x380u
#define OFF_TDCR    0x3e0u

/* Registers by offset >> 4 (0x00-0x3f): which may be read and written
 * with APIC-register virtualization (30.4.2, 30.4.3.1). */
#define R 1u
#define W 2u
static const uint8_t reg_virt[64] = {
	[OFF_ID >> 4] = R | W, [OFF_VERSION >> 4] = R, [OFF_TPR >> 4] = R | W,
	[OFF_EOI >> 4] = R | W, [OFF_LDR >> 4] = R | W, [OFF_DFR >> 4] = R | W,
	[OFF_SVR >> 4] = R | W,
	[0x10] = R, [0x11] = R, [0x12] = R, [0x13] = R,     /* ISR */
	[0x14] = R, [0x15] = R, [0x16] = R, [0x17] = R,
	[0x18] = R, [0x19] = R, [0x1a] = R, [0x1b] = R,     /* TMR */
	[0x1c] = R, [0x1d] = R, [0x1e] = R, [0x1f] = R,
	[0x20] = R, [0x21] = R, [0x22] = R, [0x23] = R,     /* IRR */
	[0x24] = R, [0x25] = R, [0x26] = R, [0x27] = R,
	[OFF_ESR >> 4] = R | W, [OFF_ICR_LO >> 4] = R | W,
	[OFF_ICR_HI >> 4] = R | W,
	[0x32] = R | W, [0x33] = R | W, [0x34] = R | W,     /* LVT */
	[0x35] = R | W, [0x36] = R | W, [0x37] = R | W,
	[OFF_TMICT >> 4] = R | W, [OFF_TDCR >> 4] = R | W,
};
#undef R
#undef W

/* Entirely within bytes 0-3 of one 16-byte register. */
static bool in_low_dword(unsigned off, unsigned size)
{
	return size && size <= 4 && (off & 0xfu) + size <= 4;
}

/* SDM 30.4.2: is this read virtualized? */
static bool read_virtualized(const struct vmx_vcpu *v, unsigned off,
			     unsigned size)
{
	if (!in_low_dword(off, size) || off >= 0x400)
		return false;
	if (!(vmx_proc2(v) & CPU2_APIC_REGISTER_VIRT))
		return (off & ~3u) == OFF_TPR;
	return reg_virt[off >> 4] & 1u;
}

/* SDM 30.4.3.1: is this write virtualized?  Without APIC-register
 * virtualization only a write AT offset 080H (and, with virtual-interrupt
 * delivery, 0B0H and 300H; with IPI virtualization 300H); with it
 * anything within a listed register. */
static bool write_virtualized(const struct vmx_vcpu *v, unsigned off,
			      unsigned size)
{
	uint32_t proc2 = vmx_proc2(v);

	if (!in_low_dword(off, size) || off >= 0x400)
		return false;
	if (proc2 & CPU2_APIC_REGISTER_VIRT)
		return reg_virt[off >> 4] & 2u;
	if (off == OFF_TPR)
		return true;
	if (off == OFF_ICR_LO && (vmx_proc3(v) & CPU3_IPI_VIRT))
		return true;
	return (proc2 & CPU2_VIRT_INTR_DELIVERY) &&
	       (off == OFF_EOI || off == OFF_ICR_LO);
}

static enum icpt_result access_exit(struct vmx_vcpu *v,
				    struct x86_intercept_ctx *ctx,
				    unsigned off, unsigned type)
{
	struct vmx_exit_info ei = {
		.reason = EXIT_REASON_APIC_ACCESS,
		.qualification = (uint64_t)type << 12 | off,
	};

	return vmx_vmexit_full(v, ctx, &ei);
}

/*
 * hpa (after EPT) is on the APIC-access page and "virtualize APIC
 * accesses" is 1.  Returns ICPT_CONTINUE with *out redirected for a
 * virtualized access, ICPT_SWITCHED after an APIC-access exit.
 */
enum icpt_result vmx_apic_access(struct vmx_vcpu *v,
				 struct x86_intercept_ctx *ctx, uint64_t hpa,
				 unsigned access, bool linear, uint64_t *out)
{
	bool event = ctx->cpu->injected.valid;
	unsigned off = (unsigned)(hpa & 0xfffu), size = ctx->access_size;
	bool tpr_shadow = vmx_proc(v) & CPU_USE_TPR_SHADOW;

	ctx->no_tlb = true;
	if (!linear)
		return access_exit(v, ctx, 0, event ? AA_GPA_EVENT : AA_GPA_INSN);
	/* Event delivery fetches nothing: a fetch is always type 2. */
	if (access & EPT_ACC_FETCH)
		return access_exit(v, ctx, off, AA_LINEAR_FETCH);
	if (access & EPT_ACC_WRITE) {
		if (!tpr_shadow || !write_virtualized(v, off, size))
			return access_exit(v, ctx, off, event ? AA_LINEAR_EVENT
						       : AA_LINEAR_WRITE);
		v->apic_write_pending = true;
		v->apic_write_offset = off;
		ctx->boundary_wanted = true;
	} else if (!tpr_shadow || !read_virtualized(v, off, size)) {
		return access_exit(v, ctx, off, event ? AA_LINEAR_EVENT :
					       AA_LINEAR_READ);
	}
	*out = vmcs_read(v, VMCS_VIRTUAL_APIC_PAGE_ADDR) + off;
	return ICPT_CONTINUE;
}

/* A self IPI in VICR_LO (30.4.3.2): reserved bits 31:20, 17:16 and 13,
 * delivery status (12), trigger mode (15) and delivery mode (10:8) all 0,
 * destination shorthand 01B (self), vector >= 16. */
static bool vicr_self_ipi(uint32_t icr)
{
	return !(icr & 0xfff3b700u) && ((icr >> 18) & 3u) == 1u &&
	       (icr & 0xffu) >= 16;
}

static uint32_t vapic_u32(const struct vmx_vcpu *v, const struct guest_mem *m,
			  unsigned off)
{
	uint32_t val = 0xffffffffu;

	gmem_read_u32(m, vmcs_read(v, VMCS_VIRTUAL_APIC_PAGE_ADDR) + off, &val);
	return val;
}

static void vapic_set_u32(struct vmx_vcpu *v, struct guest_mem *m,
			  unsigned off, uint32_t val)
{
	gmem_write_u32(m, vmcs_read(v, VMCS_VIRTUAL_APIC_PAGE_ADDR) + off, val);
}

/* SDM 30.4.3.2 for offset 300H: self-IPI virtualization (virtual-
 * interrupt delivery), else IPI virtualization to the 8-bit APIC ID in
 * VICR_HI[31:24] (IPI virtualization, 30.1.6), else an APIC-write exit. */
static void icr_write_emulate(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	uint32_t icr = vapic_u32(v, ctx->mem, OFF_ICR_LO);

	if ((vmx_proc2(v) & CPU2_VIRT_INTR_DELIVERY) && vicr_self_ipi(icr))
		vmx_self_ipi_virtualize(v, ctx, icr & 0xffu);
	else if ((vmx_proc3(v) & CPU3_IPI_VIRT) && vmx_ipiv_icr_ok(icr))
		vmx_ipi_virtualize(v, ctx, icr & 0xffu,
				   vapic_u32(v, ctx->mem, OFF_ICR_HI) >> 24);
	else
		vmx_apic_write_exit(v, ctx, OFF_ICR_LO);
}

/*
 * SDM 30.4.3.2, APIC-write emulation after the instruction whose write
 * was virtualized (called at the next boundary, before the trap-like
 * exits it may cause are taken).
 */
void vmx_apic_write_emulate(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	unsigned off = v->apic_write_offset;
	bool vid = vmx_proc2(v) & CPU2_VIRT_INTR_DELIVERY;

	v->apic_write_pending = false;
	v->apic_write_offset = 0;
	if (off == OFF_TPR) {
		/* Bytes 081H-083H := 0, then TPR virtualization. */
		vapic_set_u32(v, ctx->mem, OFF_TPR,
			      vapic_u32(v, ctx->mem, OFF_TPR) & 0xffu);
		vmx_tpr_virtualize(v, ctx);
	} else if (off == OFF_EOI && vid) {
		vapic_set_u32(v, ctx->mem, OFF_EOI, 0);
		vmx_eoi_virtualize(v, ctx);
	} else if (off == OFF_ICR_LO) {
		icr_write_emulate(v, ctx);
	} else if (off == OFF_ICR_HI) {
		vapic_set_u32(v, ctx->mem, OFF_ICR_HI,
			      vapic_u32(v, ctx->mem, OFF_ICR_HI) & 0xff000000u);
	} else {
		vmx_apic_write_exit(v, ctx, off);
	}
}
